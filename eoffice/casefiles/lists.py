"""Danh mục hồ sơ: the organisation's yearly file list (NĐ 30/2020 Đ28, DOMAIN.md §1.12).

At the start of the year the clerk (or an admin) drafts the list — usually by copying
last year's in one action — as large headings (đề mục lớn, with the abbreviation that
ends the codes of their files), small headings under them, and the files the office
plans to keep (planned `CaseFile` rows: `state=planned, in_list=True`), each numbered by
eoffice.casefiles.numbering. The head of the office approves it; from then on people
open and fill those files. The list moves through workflows.casefiles.FILE_LIST; its
headings and files change only while it is a draft, so what the head approved is what
the office works with (an amendment reopens it as a draft, on record).

Every step is one transaction and one audit event on the list (subject "file_list").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import selectinload

from eoffice.casefiles import numbering as file_numbering
from eoffice.casefiles.files import retention_of
from eoffice.casefiles.models import (
    CaseFile,
    CaseFileItem,
    FileHeading,
    FileList,
    RetentionPeriod,
)
from eoffice.core import audit
from eoffice.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from eoffice.core.limits import int_in_range
from eoffice.core.models import AuditEvent
from eoffice.core.steps import record_step, refusal_error, transaction
from eoffice.core.text import clean
from eoffice.core.timeutil import local_today, now_utc
from eoffice.extensions import db
from eoffice.orgs.models import Role, User
from workflows import archive
from workflows import casefiles as flow
from workflows.engine import Event, Transition, TransitionRefused, available, fire

SUBJECT = "file_list"
STATE_LABELS = {s.code: s.label for s in flow.FILE_LIST.states}
LIST_MAKERS = (Role.CLERK, Role.ADMIN)

MAX_HEADING_TITLE = 300
MAX_FILE_TITLE = 500
MAX_NOTE = 500
MAX_NOTATION = 16  # "NNN." + the notation must fit FileNotation (String 20, Phụ lục VI)
MAX_DECISION_REF = 200
MAX_REASON = 1000
# A list is made for this year, the next one (prepared in December) or, to catch up on
# the paperwork, a recent past year; a year further off is a typing slip.
YEARS_BACK = 10
YEARS_AHEAD = 1

# A heading's abbreviation ends the codes of its files (`01.TCCB`): letters (Vietnamese
# ones too: ĐT) and digits, parts joined by "-"; never the "." that separates the code.
_NOTATION = re.compile(r"[^\W_]+(?:-[^\W_]+)*")

MSG_MAKERS_ONLY = "Chỉ văn thư hoặc quản trị được lập và sửa danh mục hồ sơ."
MSG_HEADING_NOT_FOUND = "Không tìm thấy đề mục này trong danh mục."
MSG_FILE_NOT_FOUND = "Không tìm thấy hồ sơ này trong danh mục."

# The history of a list, in words (the shared ACTION_LABELS have the generic ones).
ACTION_LABELS = {
    "created": "Lập danh mục",
    "heading_added": "Thêm đề mục",
    "heading_updated": "Sửa đề mục",
    "heading_moved": "Đổi thứ tự đề mục",
    "heading_deleted": "Xóa đề mục",
    "file_planned": "Thêm hồ sơ vào danh mục",
    "file_updated": "Sửa hồ sơ trong danh mục",
    "file_deleted": "Xóa hồ sơ khỏi danh mục",
    "submitted": "Trình phê duyệt",
    "approved": "Phê duyệt, ban hành",
    "returned": "Trả lại để sửa",
    "amended": "Mở lại để bổ sung",
    "locked": "Khóa danh mục",
}
CHANGE_LABELS = {
    "state": "Trạng thái",
    "year": "Năm",
    "numbering": "Cách đánh số",
    "copied_from": "Sao chép từ danh mục năm",
    "headings": "Số đề mục",
    "files": "Số hồ sơ",
    "heading": "Đề mục",
    "title": "Tiêu đề",
    "notation": "Ký hiệu",
    "code": "Số và ký hiệu",
    "retention": "Thời hạn bảo quản",
    "keeper": "Người lập hồ sơ",
    "note": "Ghi chú",
    "decision_ref": "Văn bản phê duyệt",
    "direction": "Chuyển",
    "recoded": "Hồ sơ đổi ký hiệu",
}


# Reading ------------------------------------------------------------------------------


def may_edit(user: User, file_list: FileList) -> bool:
    """Whether the page offers the editing forms (the services check again)."""
    return file_list.state == flow.LIST_DRAFT and user.has_role(*LIST_MAKERS)


def may_create(user: User) -> bool:
    return user.has_role(*LIST_MAKERS)


def year_range(today_year: int | None = None) -> tuple[int, int]:
    this_year = today_year or local_today().year
    return this_year - YEARS_BACK, this_year + YEARS_AHEAD


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


def _headings(file_list: FileList) -> tuple[list[FileHeading], dict[int, list[FileHeading]]]:
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
    large, small = _headings(file_list)
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
    return tuple(t for t in steps if t.name != flow.LOCK_LIST or _lock_problem(file_list) is None)


def _lock_problem(file_list: FileList) -> str | None:
    if local_today().year <= file_list.year:
        return (
            f"Danh mục hồ sơ năm {file_list.year} chỉ khóa được khi đã hết năm "
            f"{file_list.year} (hoặc tự khóa khi danh mục năm sau được phê duyệt)."
        )
    return None


# Guards shared by the steps ---------------------------------------------------------


def _require_maker(actor: User) -> None:
    if not actor.has_role(*LIST_MAKERS):
        raise Forbidden(MSG_MAKERS_ONLY)


def _list_for_update(actor: User, list_id: int) -> FileList:
    """The actor's organisation's list, locked for the rest of the transaction
    (PostgreSQL: FOR UPDATE), so an edit and an approval never interleave; read afresh
    after the lock (`populate_existing`), so a step checks the state the other one left
    (approving a list that was just returned is refused), not the one the view loaded."""
    if not int_in_range(list_id):
        raise NotFound("Không tìm thấy danh mục hồ sơ.")
    file_list = db.session.scalars(
        select(FileList)
        .where(FileList.id == list_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if file_list is None or file_list.org_id != actor.org_id:
        raise NotFound("Không tìm thấy danh mục hồ sơ.")
    return file_list


def _editable_list(actor: User, list_id: int) -> FileList:
    file_list = _list_for_update(actor, list_id)
    _require_maker(actor)
    if file_list.state != flow.LIST_DRAFT:
        label = STATE_LABELS[file_list.state].lower()
        raise Conflict(
            f"Danh mục hồ sơ năm {file_list.year} đang ở trạng thái «{label}»: chỉ sửa được "
            "đề mục và hồ sơ khi danh mục còn là dự thảo."
        )
    return file_list


def _record(
    actor: User,
    file_list: FileList,
    action: str,
    event: Event | dict[str, Any] | None = None,
    changes: dict[str, Any] | None = None,
    note: str | None = None,
) -> None:
    """The audit event of a step on the list; `_record(actor, list, action, changes)`
    for an edit that is no workflow step."""
    if isinstance(event, dict):
        event, changes = None, event
    record_step(
        actor=actor,
        subject_type=SUBJECT,
        subject_id=file_list.id,
        action=action,
        event=event,
        state_labels=STATE_LABELS,
        changes=changes,
        note=note,
    )


def _fail(errors: dict[str, str]) -> None:
    if errors:
        message = "Vui lòng kiểm tra lại các trường được đánh dấu."
        if len(errors) == 1:
            message = next(iter(errors.values()))
        raise ValidationFailed(message, field_errors=errors)


def _text(value: str | None, name: str, label: str, limit: int, errors: dict) -> str:
    text = clean(value)
    if len(text) > limit:
        errors[name] = f"«{label}» tối đa {limit} ký tự."
    return text


def _required_text(value: str | None, name: str, label: str, limit: int, errors: dict) -> str:
    text = _text(value, name, label, limit, errors)
    if not text:
        errors[name] = f"«{label}» là bắt buộc."
    return text


# Creating a list ----------------------------------------------------------------------


@transaction
def create_list(
    actor: User,
    year: int,
    numbering: str = archive.ACROSS_LIST,
    copy_from_previous: bool = False,
) -> FileList:
    """Lập danh mục năm `year`: empty, or a copy of last year's in one action.

    The copy takes every heading (large and small: titles, abbreviations, positions)
    and every file of the previous list as a PLANNED file of the new year (title,
    heading, retention, keeper if still an active member of the office, note), numbered
    anew in the new list's numbering (`numbering`: workflows.archive.NUMBERING_MODES).
    """
    _require_maker(actor)
    errors: dict[str, str] = {}
    first, last = year_range()
    if not isinstance(year, int) or not first <= year <= last:
        errors["year"] = f"Năm của danh mục phải từ {first} đến {last}."
    if numbering not in archive.NUMBERING_MODES:
        errors["numbering"] = "Chọn cách đánh số hồ sơ."
    _fail(errors)
    # Two clerks creating the same year at once take turns on the organisation's row.
    file_numbering.lock_numbering(actor.org_id)
    existing = db.session.scalars(
        select(FileList.id).where(FileList.org_id == actor.org_id, FileList.year == year)
    ).first()
    if existing is not None:
        raise Conflict(f"Cơ quan đã có danh mục hồ sơ năm {year}.")
    previous = previous_list(actor.org_id, year) if copy_from_previous else None
    if copy_from_previous and previous is None:
        raise ValidationFailed(
            f"Chưa có danh mục hồ sơ của năm trước năm {year} để sao chép.",
            field_errors={
                "copy_from_previous": "Chưa có danh mục năm trước: bỏ chọn sao chép để lập mới."
            },
        )
    file_list = FileList(
        org_id=actor.org_id,
        year=year,
        state=flow.FILE_LIST.initial,
        numbering=numbering,
        copied_from_id=previous.id if previous else None,
        created_by_id=actor.id,
    )
    db.session.add(file_list)
    db.session.flush()
    changes: dict[str, Any] = {
        "year": year,
        "numbering": archive.NUMBERING_LABELS[numbering],
    }
    if previous is not None:
        headings, files = _copy_into(previous, file_list, actor)
        changes.update({"copied_from": previous.year, "headings": headings, "files": files})
    _record(actor, file_list, "created", None, changes)
    return file_list


def _copy_into(source: FileList, target: FileList, actor: User) -> tuple[int, int]:
    """Copy `source`'s headings and files into the new `target`; (headings, files)."""
    large, small = _headings(source)
    new_ids: dict[int, FileHeading] = {}
    for top in large:
        new_ids[top.id] = _copied_heading(top, target, None)
        for sub in small[top.id]:
            new_ids[sub.id] = _copied_heading(sub, target, new_ids[top.id])
    db.session.flush()
    active_keepers = set(
        db.session.scalars(
            select(User.id).where(User.org_id == target.org_id, User.is_active_account.is_(True))
        )
    )
    numbers = _CopyNumbering(target)
    by_id = {h.id: h for h in new_ids.values()}
    positions: dict[int | None, int] = {}
    copied: list[CaseFile] = []
    for row in list_rows(source).rows:
        old = row.case_file
        if old is None:
            continue
        heading = new_ids.get(old.heading_id) if old.heading_id else None
        top = heading
        if heading is not None and heading.parent_id is not None:
            top = by_id[heading.parent_id]
        number, notation, code = numbers.next(top, old.notation if heading is None else None)
        heading_id = heading.id if heading else None
        positions[heading_id] = positions.get(heading_id, 0) + 1
        copied.append(
            CaseFile(
                org_id=target.org_id,
                year=target.year,
                list_id=target.id,
                heading_id=heading_id,
                position=positions[heading_id],
                number=number,
                notation=notation,
                code=code,
                title=old.title,
                retention_code=old.retention_code,
                keeper_id=old.keeper_id if old.keeper_id in active_keepers else None,
                note=old.note or None,
                state=flow.PLANNED,
                in_list=True,
                created_by_id=actor.id,
            )
        )
    db.session.add_all(copied)
    db.session.flush()
    return len(new_ids), len(copied)


class _CopyNumbering:
    """numbering.next_code for a whole copied list at once: the organisation's row is
    already locked (create_list), so the numbers and codes of the year taken so far are
    read once and the new ones counted in memory — the same numbers next_code would
    give one file at a time, without its three statements per file."""

    def __init__(self, target: FileList) -> None:
        where = (CaseFile.org_id == target.org_id, CaseFile.year == target.year)
        self.within = target.numbering == archive.WITHIN_HEADING
        self.codes = set(db.session.scalars(select(CaseFile.code).where(*where)))
        self.last = db.session.scalar(select(func.max(CaseFile.number)).where(*where)) or 0
        self.last_under: dict[int, int] = {}  # the new list's headings hold nothing yet

    def next(self, top: FileHeading | None, notation: str | None) -> tuple[int, str | None, str]:
        if top is not None:
            notation = top.notation
        if self.within and top is not None:
            number = archive.next_number([self.last_under.get(top.id, 0)])
        else:
            number = archive.next_number([self.last])
        code = archive.file_code(number, notation)
        while code in self.codes:
            number += 1
            code = archive.file_code(number, notation)
        self.codes.add(code)
        self.last = max(self.last, number)
        if top is not None:
            self.last_under[top.id] = max(self.last_under.get(top.id, 0), number)
        return number, notation, code


def _copied_heading(old: FileHeading, target: FileList, parent: FileHeading | None):
    heading = FileHeading(
        list_id=target.id,
        parent_id=parent.id if parent else None,
        position=old.position,
        title=old.title,
        notation=old.notation,
        unit_id=old.unit_id,
    )
    db.session.add(heading)
    if parent is None:
        db.session.flush()  # its id is the parent of the small ones
    return heading


def _plan_file(
    actor: User,
    file_list: FileList,
    heading: FileHeading | None,
    *,
    title: str,
    retention_code: str,
    keeper_id: int | None,
    note: str | None,
    notation: str | None = None,
) -> CaseFile:
    """A planned file of the list, numbered now, last under its heading."""
    number, notation, code = file_numbering.next_code(
        file_list.org_id, file_list.year, file_list=file_list, heading=heading, notation=notation
    )
    case_file = CaseFile(
        org_id=file_list.org_id,
        year=file_list.year,
        list_id=file_list.id,
        heading_id=heading.id if heading else None,
        position=_next_position(file_list, heading),
        number=number,
        notation=notation,
        code=code,
        title=title,
        retention_code=retention_code,
        keeper_id=keeper_id,
        note=note or None,
        state=flow.PLANNED,
        in_list=True,
        created_by_id=actor.id,
    )
    db.session.add(case_file)
    db.session.flush()
    return case_file


def _next_position(file_list: FileList, heading: FileHeading | None) -> int:
    where = [CaseFile.list_id == file_list.id]
    where.append(
        CaseFile.heading_id == heading.id if heading is not None else CaseFile.heading_id.is_(None)
    )
    return (db.session.scalar(select(func.max(CaseFile.position)).where(*where)) or 0) + 1


# Headings -----------------------------------------------------------------------------


def heading_of(file_list: FileList, heading_id: int | None) -> FileHeading:
    """A heading of this list (of another list, or none: not found)."""
    heading = db.session.get(FileHeading, heading_id) if heading_id else None
    if heading is None or heading.list_id != file_list.id:
        raise NotFound(MSG_HEADING_NOT_FOUND)
    return heading


def _notation(value: str | None, file_list: FileList, errors: dict, *, exclude: int | None):
    notation = clean(value).upper()
    if not notation:
        errors["notation"] = "«Ký hiệu đề mục» là bắt buộc (ví dụ TCCB), dùng làm ký hiệu hồ sơ."
    elif len(notation) > MAX_NOTATION:
        errors["notation"] = f"«Ký hiệu đề mục» tối đa {MAX_NOTATION} ký tự."
    elif not _NOTATION.fullmatch(notation):
        errors["notation"] = (
            "Ký hiệu đề mục chỉ gồm chữ và số, có thể nối bằng dấu gạch ngang (ví dụ TCCB, KH-TC)."
        )
    else:
        clash = db.session.scalars(
            select(FileHeading.title).where(
                FileHeading.list_id == file_list.id,
                FileHeading.parent_id.is_(None),
                FileHeading.notation == notation,
                FileHeading.id != (exclude or 0),
            )
        ).first()
        if clash is not None:
            errors["notation"] = f"Ký hiệu {notation} đã dùng cho đề mục «{clash}»."
    return notation


def _siblings(file_list: FileList, parent_id: int | None) -> list[FileHeading]:
    parent = (
        FileHeading.parent_id.is_(None) if parent_id is None else FileHeading.parent_id == parent_id
    )
    return list(
        db.session.scalars(
            select(FileHeading)
            .where(FileHeading.list_id == file_list.id, parent)
            .order_by(FileHeading.position, FileHeading.id)
        )
    )


@transaction
def add_heading(
    actor: User,
    list_id: int,
    *,
    title: str | None,
    notation: str | None = None,
    parent_id: int | None = None,
) -> FileHeading:
    """Thêm đề mục: a large one (title and abbreviation, `TCCB`) or, with `parent_id`, a
    small one under a large heading; placed last among its siblings."""
    file_list = _editable_list(actor, list_id)
    errors: dict[str, str] = {}
    parent = None
    if parent_id:
        parent = db.session.get(FileHeading, parent_id) if int_in_range(parent_id) else None
        if parent is None or parent.list_id != file_list.id or parent.parent_id is not None:
            errors["parent_id"] = "Chọn đề mục lớn chứa đề mục nhỏ này."
    title = _required_text(title, "title", "Tên đề mục", MAX_HEADING_TITLE, errors)
    if parent is None and not errors.get("parent_id"):
        notation = _notation(notation, file_list, errors, exclude=None)
    else:
        notation = None
    _fail(errors)
    siblings = _siblings(file_list, parent.id if parent else None)
    heading = FileHeading(
        list_id=file_list.id,
        parent_id=parent.id if parent else None,
        position=(max((h.position for h in siblings), default=0)) + 1,
        title=title,
        notation=notation,
    )
    db.session.add(heading)
    db.session.flush()
    changes = {"title": title}
    if notation:
        changes["notation"] = notation
    if parent is not None:
        changes["heading"] = parent.title
    _record(actor, file_list, "heading_added", None, changes)
    return heading


@transaction
def update_heading(
    actor: User,
    list_id: int,
    heading_id: int,
    *,
    title: str | None,
    notation: str | None = None,
) -> FileHeading:
    """Sửa đề mục. A large heading's new abbreviation re-codes its planned files
    (`01.TCCB` → `01.TC`), keeping their numbers; files already opened keep their codes."""
    file_list = _editable_list(actor, list_id)
    heading = heading_of(file_list, heading_id)
    errors: dict[str, str] = {}
    title = _required_text(title, "title", "Tên đề mục", MAX_HEADING_TITLE, errors)
    new_notation = heading.notation
    if heading.parent_id is None:
        new_notation = _notation(notation, file_list, errors, exclude=heading.id)
    _fail(errors)
    changes: dict[str, Any] = {}
    if title != heading.title:
        changes["title"] = [heading.title, title]
        heading.title = title
    if new_notation != heading.notation:
        changes["notation"] = [heading.notation, new_notation]
        changes["recoded"] = _recode(file_list, heading, new_notation)
        heading.notation = new_notation
    if changes:
        _record(actor, file_list, "heading_updated", None, changes)
    return heading


def _recode(file_list: FileList, top: FileHeading, notation: str | None) -> list[str]:
    under = [top.id] + [h.id for h in _siblings(file_list, top.id)]
    files = list(
        db.session.scalars(
            select(CaseFile).where(CaseFile.list_id == file_list.id, CaseFile.heading_id.in_(under))
        )
    )
    # Only planned files take the new abbreviation: a file already opened has its code
    # cited on what was filed and printed, so it keeps it (`01.TC` under "TCCB").
    recoded = []
    for f in files:
        if f.state != flow.PLANNED:
            continue
        code = archive.file_code(f.number, notation)
        clash = db.session.scalar(
            select(func.count(CaseFile.id)).where(
                CaseFile.org_id == f.org_id,
                CaseFile.year == f.year,
                CaseFile.code == code,
                CaseFile.id != f.id,
            )
        )
        if clash:
            raise Conflict(f"Không đổi được ký hiệu đề mục: số và ký hiệu {code} đã có hồ sơ khác.")
        recoded.append(f"{f.code} → {code}")
        f.notation, f.code, f.updated_at = notation, code, now_utc()
    return recoded


@transaction
def move_heading(actor: User, list_id: int, heading_id: int, direction: str) -> None:
    """Chuyển đề mục lên / xuống among its siblings (large among large, small within
    their large heading); the Roman and Arabic numbers follow the new order."""
    if direction not in ("up", "down"):
        raise ValidationFailed("Chọn chuyển lên hoặc xuống.")
    file_list = _editable_list(actor, list_id)
    heading = heading_of(file_list, heading_id)
    siblings = _siblings(file_list, heading.parent_id)
    index = siblings.index(heading)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(siblings):
        return  # already first (last): nothing to do
    siblings[index], siblings[other] = siblings[other], siblings[index]
    for position, h in enumerate(siblings, start=1):
        h.position = position
    _record(
        actor,
        file_list,
        "heading_moved",
        None,
        {"title": heading.title, "direction": "lên" if direction == "up" else "xuống"},
    )


@transaction
def delete_heading(actor: User, list_id: int, heading_id: int) -> None:
    """Xóa đề mục, only when no file sits under it (nor under its small headings, which
    go with it)."""
    file_list = _editable_list(actor, list_id)
    heading = heading_of(file_list, heading_id)
    children = _siblings(file_list, heading.id) if heading.parent_id is None else []
    ids = [heading.id] + [c.id for c in children]
    used = db.session.scalar(select(func.count(CaseFile.id)).where(CaseFile.heading_id.in_(ids)))
    if used:
        raise Conflict(
            f"Đề mục «{heading.title}» đang có {used} hồ sơ: chuyển hoặc xóa các hồ sơ đó "
            "trước khi xóa đề mục."
        )
    for child in children:
        db.session.delete(child)
    db.session.delete(heading)
    db.session.flush()
    for position, h in enumerate(_siblings(file_list, heading.parent_id), start=1):
        h.position = position
    _record(actor, file_list, "heading_deleted", None, {"title": heading.title})


# Planned files ------------------------------------------------------------------------


@dataclass
class PlannedFileInput:
    """What the clerk types for a file of the list."""

    title: str | None = None
    heading_id: int | None = None
    retention_code: str | None = None
    keeper_id: int | None = None
    note: str | None = None


def _check_file(actor: User, file_list: FileList, data: PlannedFileInput, current: str | None):
    """(title, heading, retention, keeper, note) or ValidationFailed with every problem.
    `current` is the file's retention now: a retired level it already has may stay."""
    errors: dict[str, str] = {}
    title = _required_text(data.title, "title", "Tiêu đề hồ sơ", MAX_FILE_TITLE, errors)
    heading = None
    if data.heading_id and int_in_range(data.heading_id):
        heading = db.session.get(FileHeading, data.heading_id)
    if heading is None or heading.list_id != file_list.id:
        heading = None
        errors["heading_id"] = "Chọn đề mục của hồ sơ."
    retention = None
    if data.retention_code and data.retention_code == current:
        retention = db.session.get(RetentionPeriod, current)
    else:
        try:
            retention = retention_of(data.retention_code)
        except ValidationFailed:
            errors["retention_code"] = "Chọn thời hạn bảo quản trong danh mục."
    keeper = None
    if data.keeper_id:
        keeper = db.session.get(User, data.keeper_id) if int_in_range(data.keeper_id) else None
        if keeper is None or keeper.org_id != actor.org_id or not keeper.is_active_account:
            keeper = None
            errors["keeper_id"] = "Người lập hồ sơ phải là người đang làm việc tại cơ quan."
    note = _text(data.note, "note", "Ghi chú", MAX_NOTE, errors)
    _fail(errors)
    assert retention is not None
    return title, heading, retention, keeper, note or None


def file_of(file_list: FileList, file_id: int) -> CaseFile:
    """A file of this list (of another list, or none: not found)."""
    case_file = db.session.get(CaseFile, file_id) if int_in_range(file_id) else None
    if case_file is None or case_file.list_id != file_list.id:
        raise NotFound(MSG_FILE_NOT_FOUND)
    return case_file


def _record_on_file(actor: User, case_file: CaseFile, action: str, changes=None) -> None:
    """The same change on the file's own history (its page shows where it came from)."""
    audit.record(
        actor_id=actor.id,
        org_id=actor.org_id,
        subject_type="case_file",
        subject_id=case_file.id,
        action=action,
        changes=changes or {},
    )


@transaction
def add_planned_file(actor: User, list_id: int, data: PlannedFileInput) -> CaseFile:
    """Thêm hồ sơ vào danh mục: a planned file under a heading, numbered at once in the
    list's numbering (`02.TCCB`)."""
    file_list = _editable_list(actor, list_id)
    title, heading, retention, keeper, note = _check_file(actor, file_list, data, None)
    case_file = _plan_file(
        actor,
        file_list,
        heading,
        title=title,
        retention_code=retention.code,
        keeper_id=keeper.id if keeper else None,
        note=note,
    )
    changes = {"code": case_file.code, "title": title, "retention": retention.label}
    if keeper is not None:
        changes["keeper"] = keeper.full_name
    _record(actor, file_list, "file_planned", None, changes)
    _record_on_file(actor, case_file, "created", {"code": case_file.code, "title": title})
    return case_file


@transaction
def update_planned_file(
    actor: User, list_id: int, file_id: int, data: PlannedFileInput
) -> CaseFile:
    """Sửa hồ sơ trong danh mục (title, retention, keeper, note); moving a planned file
    to another heading numbers it anew there (an opened one keeps its cited code, so it
    stays under its heading). A file already closed is no longer the list's to edit."""
    file_list = _editable_list(actor, list_id)
    case_file = file_of(file_list, file_id)
    if case_file.state not in flow.EDITABLE_STATES:
        raise Conflict(f"Hồ sơ {case_file.code} đã kết thúc: không sửa được trong danh mục.")
    title, heading, retention, keeper, note = _check_file(
        actor, file_list, data, case_file.retention_code
    )
    changes: dict[str, Any] = {}

    def change(name: str, old: Any, new: Any) -> None:
        if old != new:
            changes[name] = [old, new]

    change("title", case_file.title, title)
    change("retention", case_file.retention.label, retention.label)
    change(
        "keeper",
        case_file.keeper.full_name if case_file.keeper else None,
        keeper.full_name if keeper else None,
    )
    change("note", case_file.note, note)
    case_file.title = title
    case_file.retention_code = retention.code
    case_file.retention = retention
    case_file.keeper_id = keeper.id if keeper else None
    case_file.note = note
    if heading.id != case_file.heading_id and case_file.state != flow.PLANNED:
        raise ValidationFailed(
            f"Hồ sơ {case_file.code} đã được mở: giữ nguyên số và ký hiệu, không chuyển "
            "sang đề mục khác được.",
            field_errors={"heading_id": "Hồ sơ đã mở không chuyển sang đề mục khác được."},
        )
    if heading.id != case_file.heading_id:
        old_code = case_file.code
        old_heading = case_file.heading.title if case_file.heading else None
        # Out of the numbering first, so the file does not count against itself.
        case_file.heading_id = None
        case_file.code = f"~{case_file.id}"
        db.session.flush()
        number, notation, code = file_numbering.next_code(
            file_list.org_id, file_list.year, file_list=file_list, heading=heading
        )
        case_file.position = _next_position(file_list, heading)
        case_file.heading_id = heading.id
        case_file.number, case_file.notation, case_file.code = number, notation, code
        changes["heading"] = [old_heading, heading.title]
        changes["code"] = [old_code, code]
    if changes:
        case_file.updated_at = now_utc()
        db.session.flush()
        _record(actor, file_list, "file_updated", {"code": case_file.code} | changes)
        _record_on_file(actor, case_file, "updated", changes)
    return case_file


@transaction
def delete_planned_file(actor: User, list_id: int, file_id: int) -> None:
    """Xóa hồ sơ khỏi danh mục, only while it is still planned (never opened, nothing
    filed). Numbering follows the largest number taken, so a number freed inside the
    list stays a gap (archive.next_number)."""
    file_list = _editable_list(actor, list_id)
    case_file = file_of(file_list, file_id)
    filed = db.session.scalar(
        select(func.count(CaseFileItem.id)).where(CaseFileItem.case_file_id == case_file.id)
    )
    if case_file.state != flow.PLANNED or case_file.opened_at is not None or filed:
        raise Conflict(
            f"Hồ sơ {case_file.code} đã được mở: không xóa được khỏi danh mục "
            "(có thể sửa tiêu đề hoặc ghi chú)."
        )
    code, title = case_file.code, case_file.title
    db.session.delete(case_file)
    _record(actor, file_list, "file_deleted", {"code": code, "title": title})


# Steps ----------------------------------------------------------------------------------


def _fire(actor: User, file_list: FileList, name: str, **inputs: Any) -> Event:
    try:
        return fire(flow.FILE_LIST, file_list.state, name, actor.roles, inputs)
    except TransitionRefused as exc:
        raise refusal_error(exc) from exc


def _reason(value: str | None) -> str | None:
    reason = clean(value)
    if len(reason) > MAX_REASON:
        raise ValidationFailed(
            f"Nội dung tối đa {MAX_REASON} ký tự.", field_errors={"reason": "Tối đa 1000 ký tự."}
        )
    return reason or None


@transaction
def submit_list(actor: User, list_id: int, note: str | None = None) -> FileList:
    """Trình phê duyệt (clerk or admin): a list with at least one file goes to the head."""
    file_list = _list_for_update(actor, list_id)
    note = _reason(note)
    event = _fire(actor, file_list, flow.SUBMIT_LIST, note=note)
    if not list_rows(file_list).total:
        raise Conflict("Danh mục chưa có hồ sơ nào: thêm đề mục và hồ sơ trước khi trình.")
    file_list.state = event.to_state
    file_list.submitted_at = now_utc()
    file_list.return_reason = None
    _record(actor, file_list, "submitted", event, note=note)
    return file_list


@transaction
def approve_list(
    actor: User, list_id: int, decision_ref: str | None = None, note: str | None = None
) -> FileList:
    """Phê duyệt, ban hành (the head): records who approved and when, and the approving
    act printed under the title. Last year's approved list is locked at the same time:
    from now on the office files into this year's."""
    file_list = _list_for_update(actor, list_id)
    note = _reason(note)
    decision = clean(decision_ref)
    if len(decision) > MAX_DECISION_REF:
        raise ValidationFailed(
            f"Văn bản phê duyệt tối đa {MAX_DECISION_REF} ký tự.",
            field_errors={"decision_ref": f"Tối đa {MAX_DECISION_REF} ký tự."},
        )
    event = _fire(actor, file_list, flow.APPROVE_LIST, note=note)
    file_list.state = event.to_state
    file_list.approved_by_id = actor.id
    file_list.approved_at = now_utc()
    if decision:
        file_list.decision_ref = decision
    changes = {"decision_ref": file_list.decision_ref} if file_list.decision_ref else {}
    _record(actor, file_list, "approved", event, changes, note=note)
    _lock_last_year(actor, file_list)
    return file_list


def _lock_last_year(actor: User, file_list: FileList) -> None:
    """Lock last year's approved list once this one is approved — only when last year is
    over: a list for next year approved in December leaves this year's list open until
    its year ends (then it is locked by hand, `lock_list`)."""
    if local_today().year <= file_list.year - 1:
        return
    last = db.session.scalars(
        select(FileList)
        .where(
            FileList.org_id == file_list.org_id,
            FileList.year == file_list.year - 1,
            FileList.state == flow.LIST_APPROVED,
        )
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if last is None:
        return
    event = _fire(actor, last, flow.LOCK_LIST)
    last.state = event.to_state
    _record(
        actor,
        last,
        "locked",
        event,
        note=f"Tự động khóa khi danh mục hồ sơ năm {file_list.year} được phê duyệt.",
    )


@transaction
def return_list(actor: User, list_id: int, reason: str | None) -> FileList:
    """Trả lại để sửa (the head, with the reason the clerk reads on the list)."""
    file_list = _list_for_update(actor, list_id)
    reason = _reason(reason)
    event = _fire(actor, file_list, flow.RETURN_LIST, reason=reason)
    file_list.state = event.to_state
    file_list.return_reason = reason
    _record(actor, file_list, "returned", event, note=reason)
    return file_list


@transaction
def amend_list(actor: User, list_id: int, reason: str | None) -> FileList:
    """Mở lại để bổ sung (the head): an approved list is a draft again, until approved
    anew; the files already opened go on being filled meanwhile."""
    file_list = _list_for_update(actor, list_id)
    reason = _reason(reason)
    event = _fire(actor, file_list, flow.AMEND_LIST, reason=reason)
    file_list.state = event.to_state
    file_list.return_reason = reason
    file_list.approved_by_id = None
    file_list.approved_at = None
    _record(actor, file_list, "amended", event, note=reason)
    return file_list


@transaction
def lock_list(actor: User, list_id: int) -> FileList:
    """Khóa danh mục once its year is over: its files live on, the list no longer changes."""
    file_list = _list_for_update(actor, list_id)
    event = _fire(actor, file_list, flow.LOCK_LIST)
    problem = _lock_problem(file_list)
    if problem:
        raise Conflict(problem)
    file_list.state = event.to_state
    _record(actor, file_list, "locked", event)
    return file_list


STEPS = {
    flow.SUBMIT_LIST: submit_list,
    flow.APPROVE_LIST: approve_list,
    flow.RETURN_LIST: return_list,
    flow.AMEND_LIST: amend_list,
    flow.LOCK_LIST: lock_list,
}


def step_names() -> Iterable[str]:
    return STEPS.keys()
