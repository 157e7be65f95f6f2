"""Danh mục hồ sơ, read: the list's rows and counts as shown and printed, the choices of
its forms, its history, and the lookups of a heading or file of the list.

Reading only: nothing here changes a list (the steps are list_headings, list_files and
list_steps).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import case, func, select
from sqlalchemy.orm import selectinload

from eoffice.casefiles.list_common import (
    MSG_FILE_NOT_FOUND,
    MSG_HEADING_NOT_FOUND,
    SUBJECT,
    lock_problem,
)
from eoffice.casefiles.models import CaseFile, FileHeading, FileList, RetentionPeriod
from eoffice.core import audit
from eoffice.core.errors import NotFound
from eoffice.core.limits import int_in_range
from eoffice.core.models import AuditEvent
from eoffice.extensions import db
from eoffice.orgs.models import User
from workflows import archive
from workflows import casefiles as flow
from workflows.engine import Transition, available


def previous_list(org_id: int, year: int) -> FileList | None:
    """The latest list of the organisation before `year` (last year's, as a rule)."""
    return db.session.scalars(
        select(FileList)
        .where(FileList.org_id == org_id, FileList.year < year)
        .order_by(FileList.year.desc())
        .limit(1)
    ).first()


@dataclass(frozen=True)
class Counts:
    """What the list's closing sentence states."""

    total: int = 0
    permanent: int = 0

    @property
    def fixed_term(self) -> int:
        return self.total - self.permanent


@dataclass(frozen=True)
class ListSummary:
    file_list: FileList
    counts: Counts


def lists_of(user: User) -> list[ListSummary]:
    """The organisation's lists, newest year first, with their counts (two queries)."""
    rows = list(
        db.session.scalars(
            select(FileList).where(FileList.org_id == user.org_id).order_by(FileList.year.desc())
        )
    )
    counts = _counts([r.id for r in rows])
    return [ListSummary(r, counts.get(r.id, Counts())) for r in rows]


def _counts(list_ids: Sequence[int]) -> dict[int, Counts]:
    if not list_ids:
        return {}
    permanent = func.sum(case((RetentionPeriod.years.is_(None), 1), else_=0))
    rows = db.session.execute(
        select(CaseFile.list_id, func.count(CaseFile.id), permanent)
        .join(RetentionPeriod, RetentionPeriod.code == CaseFile.retention_code)
        .where(CaseFile.list_id.in_(list_ids), CaseFile.in_list.is_(True))
        .group_by(CaseFile.list_id)
    ).all()
    return {list_id: Counts(int(total), int(perm or 0)) for list_id, total, perm in rows}


@dataclass(frozen=True)
class ListRow:
    """One printed line of the list: a large heading, a small heading, or a file."""

    kind: str  # "large" | "small" | "file"
    number: str  # "I" / "1" for a heading; the file's code for a file
    title: str
    heading: FileHeading | None = None
    case_file: CaseFile | None = None
    retention: str = ""
    keeper: str = ""
    note: str = ""
    # For the move buttons of a heading among its siblings.
    first: bool = False
    last: bool = False

    @property
    def is_heading(self) -> bool:
        return self.kind != "file"

    @property
    def label(self) -> str:
        """Column (2) of a heading: "I. Tổ chức, cán bộ" / "1. Tuyển dụng"."""
        return f"{self.number}. {self.title}" if self.is_heading else self.title


@dataclass
class ListSheet:
    """The list as printed and shown: its rows in order and its counts."""

    rows: list[ListRow] = field(default_factory=list)
    total: int = 0
    permanent: int = 0

    @property
    def fixed_term(self) -> int:
        return self.total - self.permanent

    @property
    def files(self) -> list[CaseFile]:
        return [r.case_file for r in self.rows if r.case_file is not None]


def heading_tree(file_list: FileList) -> tuple[list[FileHeading], dict[int, list[FileHeading]]]:
    """(large headings in order, small headings of each large one in order)."""
    headings = list(
        db.session.scalars(
            select(FileHeading)
            .where(FileHeading.list_id == file_list.id)
            .order_by(FileHeading.position, FileHeading.id)
        )
    )
    large = [h for h in headings if h.parent_id is None]
    small: dict[int, list[FileHeading]] = {h.id: [] for h in large}
    for h in headings:
        if h.parent_id is not None and h.parent_id in small:
            small[h.parent_id].append(h)
    return large, small


def _list_files(file_list: FileList) -> dict[int | None, list[CaseFile]]:
    """The list's files by heading, each group in order."""
    files = db.session.scalars(
        select(CaseFile)
        .where(CaseFile.list_id == file_list.id, CaseFile.in_list.is_(True))
        .options(selectinload(CaseFile.retention), selectinload(CaseFile.keeper))
        .order_by(CaseFile.position, CaseFile.number, CaseFile.id)
    )
    by_heading: dict[int | None, list[CaseFile]] = {}
    for f in files:
        by_heading.setdefault(f.heading_id, []).append(f)
    return by_heading


def list_rows(file_list: FileList) -> ListSheet:
    """The printable rows in order: each large heading (I, II, …), the files directly
    under it, then its small headings (1, 2, …) each with its files; and the counts of
    the closing sentence (total, permanent, fixed-term). Three queries whatever the size.
    """
    large, small = heading_tree(file_list)
    by_heading = _list_files(file_list)
    sheet = ListSheet()

    def add_files(heading_id: int | None) -> None:
        for f in by_heading.pop(heading_id, []):
            sheet.rows.append(
                ListRow(
                    kind="file",
                    number=f.code,
                    title=f.title,
                    case_file=f,
                    retention=f.retention.label if f.retention else f.retention_code,
                    keeper=f.keeper.full_name if f.keeper else "",
                    note=f.note or "",
                )
            )
            sheet.total += 1
            if f.retention is not None and f.retention.permanent:
                sheet.permanent += 1

    for i, top in enumerate(large):
        sheet.rows.append(
            ListRow(
                kind="large",
                number=archive.roman(i + 1),
                title=top.title,
                heading=top,
                first=i == 0,
                last=i == len(large) - 1,
            )
        )
        add_files(top.id)
        children = small[top.id]
        for j, sub in enumerate(children):
            sheet.rows.append(
                ListRow(
                    kind="small",
                    number=str(j + 1),
                    title=sub.title,
                    heading=sub,
                    first=j == 0,
                    last=j == len(children) - 1,
                )
            )
            add_files(sub.id)
    # Files whose heading is gone (never by these services: a used heading is not
    # deleted) still belong to the list and are counted, at its end.
    for heading_id in list(by_heading):
        add_files(heading_id)
    return sheet


def heading_choices(sheet: ListSheet) -> list[tuple[int, str]]:
    """Every heading of the list, as the file form offers them: "I. …", "    1. …".
    From the sheet the page already built (`list_rows`), not a fresh reading."""
    return [
        (row.heading.id, ("\u2003" if row.kind == "small" else "") + row.label)
        for row in sheet.rows
        if row.heading is not None
    ]


def large_heading_choices(sheet: ListSheet) -> list[tuple[int, str]]:
    return [(r.heading.id, r.label) for r in sheet.rows if r.kind == "large"]


def keeper_choices(user: User) -> list[User]:
    """Active people of the organisation, by name: who may keep a planned file."""
    return list(
        db.session.scalars(
            select(User)
            .where(User.org_id == user.org_id, User.is_active_account.is_(True))
            .order_by(User.full_name, User.id)
        )
    )


def history(file_list: FileList) -> list[AuditEvent]:
    return audit.history(SUBJECT, file_list.id)


def available_steps(user: User, file_list: FileList) -> tuple[Transition, ...]:
    """The step buttons the user may press now (lock only once the year is over)."""
    steps = available(flow.FILE_LIST, file_list.state, user.roles)
    return tuple(t for t in steps if t.name != flow.LOCK_LIST or lock_problem(file_list) is None)


def heading_of(file_list: FileList, heading_id: int | None) -> FileHeading:
    """A heading of this list (of another list, or none: not found)."""
    heading = db.session.get(FileHeading, heading_id) if heading_id else None
    if heading is None or heading.list_id != file_list.id:
        raise NotFound(MSG_HEADING_NOT_FOUND)
    return heading


def file_of(file_list: FileList, file_id: int) -> CaseFile:
    """A file of this list (of another list, or none: not found)."""
    case_file = db.session.get(CaseFile, file_id) if int_in_range(file_id) else None
    if case_file is None or case_file.list_id != file_list.id:
        raise NotFound(MSG_FILE_NOT_FOUND)
    return case_file
