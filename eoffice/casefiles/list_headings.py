"""Danh mục hồ sơ: its headings — add, rename (re-coding the planned files under a large
heading whose abbreviation changes), move and delete.

Headings change only while the list is a draft (list_common.editable_list); every
change is one transaction and one audit event on the list.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, select

from eoffice.casefiles.list_common import (
    MAX_HEADING_TITLE,
    MAX_NOTATION,
    editable_list,
    fail,
    record,
    required_text,
)
from eoffice.casefiles.list_sheet import heading_of
from eoffice.casefiles.models import CaseFile, FileHeading, FileList
from eoffice.core.errors import Conflict, ValidationFailed
from eoffice.core.limits import int_in_range
from eoffice.core.steps import transaction
from eoffice.core.text import clean
from eoffice.core.timeutil import now_utc
from eoffice.extensions import db
from eoffice.orgs.models import User
from workflows import archive
from workflows import casefiles as flow

# A heading's abbreviation ends the codes of its files (`01.TCCB`): letters (Vietnamese
# ones too: ĐT) and digits, parts joined by "-"; never the "." that separates the code.
_NOTATION = re.compile(r"[^\W_]+(?:-[^\W_]+)*")


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
    file_list = editable_list(actor, list_id)
    errors: dict[str, str] = {}
    parent = None
    if parent_id:
        parent = db.session.get(FileHeading, parent_id) if int_in_range(parent_id) else None
        if parent is None or parent.list_id != file_list.id or parent.parent_id is not None:
            errors["parent_id"] = "Chọn đề mục lớn chứa đề mục nhỏ này."
    title = required_text(title, "title", "Tên đề mục", MAX_HEADING_TITLE, errors)
    if parent is None and not errors.get("parent_id"):
        notation = _notation(notation, file_list, errors, exclude=None)
    else:
        notation = None
    fail(errors)
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
    record(actor, file_list, "heading_added", None, changes)
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
    file_list = editable_list(actor, list_id)
    heading = heading_of(file_list, heading_id)
    errors: dict[str, str] = {}
    title = required_text(title, "title", "Tên đề mục", MAX_HEADING_TITLE, errors)
    new_notation = heading.notation
    if heading.parent_id is None:
        new_notation = _notation(notation, file_list, errors, exclude=heading.id)
    fail(errors)
    changes: dict[str, Any] = {}
    if title != heading.title:
        changes["title"] = [heading.title, title]
        heading.title = title
    if new_notation != heading.notation:
        changes["notation"] = [heading.notation, new_notation]
        changes["recoded"] = _recode(file_list, heading, new_notation)
        heading.notation = new_notation
    if changes:
        record(actor, file_list, "heading_updated", None, changes)
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
    file_list = editable_list(actor, list_id)
    heading = heading_of(file_list, heading_id)
    siblings = _siblings(file_list, heading.parent_id)
    index = siblings.index(heading)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(siblings):
        return  # already first (last): nothing to do
    siblings[index], siblings[other] = siblings[other], siblings[index]
    for position, h in enumerate(siblings, start=1):
        h.position = position
    record(
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
    file_list = editable_list(actor, list_id)
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
    record(actor, file_list, "heading_deleted", None, {"title": heading.title})
