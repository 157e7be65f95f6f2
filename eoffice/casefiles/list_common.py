"""Danh mục hồ sơ: what the list's modules share (NĐ 30/2020 Đ28, DOMAIN.md §1.12).

At the start of the year the clerk (or an admin) drafts the list — usually by copying
last year's in one action — as large headings (đề mục lớn, with the abbreviation that
ends the codes of their files), small headings under them, and the files the office
plans to keep (planned `CaseFile` rows: `state=planned, in_list=True`), each numbered by
eoffice.casefiles.numbering. The head of the office approves it; from then on people
open and fill those files. The list moves through workflows.casefiles.FILE_LIST; its
headings and files change only while it is a draft, so what the head approved is what
the office works with (an amendment reopens it as a draft, on record).

Every step is one transaction and one audit event on the list (subject "file_list").

The list's services are split by job: list_sheet (reading: rows, counts, choices,
history), list_headings, list_files (planned files), list_steps (creating, with the copy
from last year; submit/approve/return/amend/lock). This module holds what they share:
the constants and words, who may make a list, the locked reading of a list for a step,
the audit event, and the field checks.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from eoffice.casefiles.models import FileList
from eoffice.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from eoffice.core.limits import int_in_range
from eoffice.core.steps import record_step
from eoffice.core.text import clean
from eoffice.core.timeutil import local_today
from eoffice.extensions import db
from eoffice.orgs.models import Role, User
from workflows import casefiles as flow
from workflows.engine import Event

SUBJECT = "file_list"
STATE_LABELS = {s.code: s.label for s in flow.FILE_LIST.states}
LIST_MAKERS = (Role.CLERK, Role.ADMIN)

MAX_HEADING_TITLE = 300
MAX_FILE_TITLE = 500
MAX_NOTE = 500
MAX_NOTATION = 16  # "NNN." + the notation must fit FileNotation (String 20, Phụ lục VI)
MAX_DECISION_REF = 200
MAX_REASON = 1000

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


# Who may make and edit a list, and when it may be locked ---------------------------


def may_edit(user: User, file_list: FileList) -> bool:
    """Whether the page offers the editing forms (the services check again)."""
    return file_list.state == flow.LIST_DRAFT and user.has_role(*LIST_MAKERS)


def may_create(user: User) -> bool:
    return user.has_role(*LIST_MAKERS)


def lock_problem(file_list: FileList) -> str | None:
    """Why the list cannot be locked yet (its year is not over), or None."""
    if local_today().year <= file_list.year:
        return (
            f"Danh mục hồ sơ năm {file_list.year} chỉ khóa được khi đã hết năm "
            f"{file_list.year} (hoặc tự khóa khi danh mục năm sau được phê duyệt)."
        )
    return None


# Guards shared by the steps ---------------------------------------------------------


def require_maker(actor: User) -> None:
    if not actor.has_role(*LIST_MAKERS):
        raise Forbidden(MSG_MAKERS_ONLY)


def list_for_update(actor: User, list_id: int) -> FileList:
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


def editable_list(actor: User, list_id: int) -> FileList:
    file_list = list_for_update(actor, list_id)
    require_maker(actor)
    if file_list.state != flow.LIST_DRAFT:
        label = STATE_LABELS[file_list.state].lower()
        raise Conflict(
            f"Danh mục hồ sơ năm {file_list.year} đang ở trạng thái «{label}»: chỉ sửa được "
            "đề mục và hồ sơ khi danh mục còn là dự thảo."
        )
    return file_list


def record(
    actor: User,
    file_list: FileList,
    action: str,
    event: Event | dict[str, Any] | None = None,
    changes: dict[str, Any] | None = None,
    note: str | None = None,
) -> None:
    """The audit event of a step on the list; `record(actor, list, action, changes)`
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


def fail(errors: dict[str, str]) -> None:
    if errors:
        message = "Vui lòng kiểm tra lại các trường được đánh dấu."
        if len(errors) == 1:
            message = next(iter(errors.values()))
        raise ValidationFailed(message, field_errors=errors)


def limited_text(value: str | None, name: str, label: str, limit: int, errors: dict) -> str:
    text = clean(value)
    if len(text) > limit:
        errors[name] = f"«{label}» tối đa {limit} ký tự."
    return text


def required_text(value: str | None, name: str, label: str, limit: int, errors: dict) -> str:
    text = limited_text(value, name, label, limit, errors)
    if not text:
        errors[name] = f"«{label}» là bắt buộc."
    return text
