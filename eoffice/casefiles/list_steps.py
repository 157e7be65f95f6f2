"""Danh mục hồ sơ: making a list (empty or copied from last year's in one action) and its
steps through workflows.casefiles.FILE_LIST — submit, approve, return, amend, lock.

Every step is one transaction and one audit event on the list (subject "file_list").
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select

from eoffice.casefiles import numbering as file_numbering
from eoffice.casefiles.list_common import (
    MAX_DECISION_REF,
    MAX_REASON,
    fail,
    list_for_update,
    lock_problem,
    record,
    require_maker,
)
from eoffice.casefiles.list_sheet import heading_tree, list_rows, previous_list
from eoffice.casefiles.models import CaseFile, FileHeading, FileList
from eoffice.core.errors import Conflict, ValidationFailed
from eoffice.core.steps import refusal_error, transaction
from eoffice.core.text import clean
from eoffice.core.timeutil import local_today, now_utc
from eoffice.extensions import db
from eoffice.orgs.models import User
from workflows import archive
from workflows import casefiles as flow
from workflows.engine import Event, TransitionRefused, fire

# A list is made for this year, the next one (prepared in December) or, to catch up on
# the paperwork, a recent past year; a year further off is a typing slip.
YEARS_BACK = 10
YEARS_AHEAD = 1


def year_range(today_year: int | None = None) -> tuple[int, int]:
    this_year = today_year or local_today().year
    return this_year - YEARS_BACK, this_year + YEARS_AHEAD


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
    require_maker(actor)
    errors: dict[str, str] = {}
    first, last = year_range()
    if not isinstance(year, int) or not first <= year <= last:
        errors["year"] = f"Năm của danh mục phải từ {first} đến {last}."
    if numbering not in archive.NUMBERING_MODES:
        errors["numbering"] = "Chọn cách đánh số hồ sơ."
    fail(errors)
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
    record(actor, file_list, "created", None, changes)
    return file_list


def _copy_into(source: FileList, target: FileList, actor: User) -> tuple[int, int]:
    """Copy `source`'s headings and files into the new `target`; (headings, files)."""
    large, small = heading_tree(source)
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
    file_list = list_for_update(actor, list_id)
    note = _reason(note)
    event = _fire(actor, file_list, flow.SUBMIT_LIST, note=note)
    if not list_rows(file_list).total:
        raise Conflict("Danh mục chưa có hồ sơ nào: thêm đề mục và hồ sơ trước khi trình.")
    file_list.state = event.to_state
    file_list.submitted_at = now_utc()
    file_list.return_reason = None
    record(actor, file_list, "submitted", event, note=note)
    return file_list


@transaction
def approve_list(
    actor: User, list_id: int, decision_ref: str | None = None, note: str | None = None
) -> FileList:
    """Phê duyệt, ban hành (the head): records who approved and when, and the approving
    act printed under the title. Last year's approved list is locked at the same time:
    from now on the office files into this year's."""
    file_list = list_for_update(actor, list_id)
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
    record(actor, file_list, "approved", event, changes, note=note)
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
    record(
        actor,
        last,
        "locked",
        event,
        note=f"Tự động khóa khi danh mục hồ sơ năm {file_list.year} được phê duyệt.",
    )


@transaction
def return_list(actor: User, list_id: int, reason: str | None) -> FileList:
    """Trả lại để sửa (the head, with the reason the clerk reads on the list)."""
    file_list = list_for_update(actor, list_id)
    reason = _reason(reason)
    event = _fire(actor, file_list, flow.RETURN_LIST, reason=reason)
    file_list.state = event.to_state
    file_list.return_reason = reason
    record(actor, file_list, "returned", event, note=reason)
    return file_list


@transaction
def amend_list(actor: User, list_id: int, reason: str | None) -> FileList:
    """Mở lại để bổ sung (the head): an approved list is a draft again, until approved
    anew; the files already opened go on being filled meanwhile."""
    file_list = list_for_update(actor, list_id)
    reason = _reason(reason)
    event = _fire(actor, file_list, flow.AMEND_LIST, reason=reason)
    file_list.state = event.to_state
    file_list.return_reason = reason
    file_list.approved_by_id = None
    file_list.approved_at = None
    record(actor, file_list, "amended", event, note=reason)
    return file_list


@transaction
def lock_list(actor: User, list_id: int) -> FileList:
    """Khóa danh mục once its year is over: its files live on, the list no longer changes."""
    file_list = list_for_update(actor, list_id)
    event = _fire(actor, file_list, flow.LOCK_LIST)
    problem = lock_problem(file_list)
    if problem:
        raise Conflict(problem)
    file_list.state = event.to_state
    record(actor, file_list, "locked", event)
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
