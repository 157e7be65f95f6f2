"""Danh mục hồ sơ: its planned files — add (numbered at once), update, delete.

Planned files change only while the list is a draft (list_common.editable_list); every
change is one transaction, audited on the list and on the file itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from eoffice.casefiles import numbering as file_numbering
from eoffice.casefiles.files import retention_of
from eoffice.casefiles.list_common import (
    MAX_FILE_TITLE,
    MAX_NOTE,
    editable_list,
    fail,
    limited_text,
    record,
    required_text,
)
from eoffice.casefiles.list_sheet import file_of
from eoffice.casefiles.models import CaseFile, CaseFileItem, FileHeading, FileList, RetentionPeriod
from eoffice.core import audit
from eoffice.core.errors import Conflict, ValidationFailed
from eoffice.core.limits import int_in_range
from eoffice.core.steps import transaction
from eoffice.core.timeutil import now_utc
from eoffice.extensions import db
from eoffice.orgs.models import User
from workflows import casefiles as flow


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
    title = required_text(data.title, "title", "Tiêu đề hồ sơ", MAX_FILE_TITLE, errors)
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
    note = limited_text(data.note, "note", "Ghi chú", MAX_NOTE, errors)
    fail(errors)
    assert retention is not None
    return title, heading, retention, keeper, note or None


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
    file_list = editable_list(actor, list_id)
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
    record(actor, file_list, "file_planned", None, changes)
    _record_on_file(actor, case_file, "created", {"code": case_file.code, "title": title})
    return case_file


@transaction
def update_planned_file(
    actor: User, list_id: int, file_id: int, data: PlannedFileInput
) -> CaseFile:
    """Sửa hồ sơ trong danh mục (title, retention, keeper, note); moving a planned file
    to another heading numbers it anew there (an opened one keeps its cited code, so it
    stays under its heading). A file already closed is no longer the list's to edit."""
    file_list = editable_list(actor, list_id)
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
        record(actor, file_list, "file_updated", {"code": case_file.code} | changes)
        _record_on_file(actor, case_file, "updated", changes)
    return case_file


@transaction
def delete_planned_file(actor: User, list_id: int, file_id: int) -> None:
    """Xóa hồ sơ khỏi danh mục, only while it is still planned (never opened, nothing
    filed). Numbering follows the largest number taken, so a number freed inside the
    list stays a gap (archive.next_number)."""
    file_list = editable_list(actor, list_id)
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
    record(actor, file_list, "file_deleted", {"code": code, "title": title})


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
