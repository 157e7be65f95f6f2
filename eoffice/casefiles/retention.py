"""The retention levels (thời hạn bảo quản) offered when planning and closing files.

Data, not code (eoffice.casefiles.models.RetentionPeriod): the decree's tables change
(TT 10/2022/TT-BNV replaced TT 09/2011) and a sector's table may ask for a level the
seeded ones lack (15 năm). An admin adds a level or stops offering one; a level is
never deleted, because files keep referring to it by its code (Phụ lục VI
`Maintenance`), and a retired level stays on the files that have it.

Levels are shared by the whole deployment (the decree's values are the same for every
office), so only the district's admins change them, like the other shared catalogues
(`catalog.services.can_edit_catalogue`): a school's admin would change them for every
school. The page counts the files of the admin's own office only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, select

from eoffice.casefiles.models import CaseFile, RetentionPeriod
from eoffice.catalog.services import can_edit_catalogue
from eoffice.core import audit
from eoffice.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from eoffice.core.steps import transaction
from eoffice.core.text import clean
from eoffice.extensions import db
from eoffice.orgs.models import User

SUBJECT = "retention_period"
MAX_CODE = 30
MAX_LABEL = 30
MAX_YEARS = 100
PERMANENT_CODE = "vinh_vien"
_CODE = re.compile(r"[a-z0-9_]+")

MSG_ADMIN_ONLY = (
    "Các mức thời hạn bảo quản dùng chung cho mọi cơ quan, chỉ do quản trị của Phòng Giáo dục "
    "và Đào tạo thay đổi."
)


@dataclass(frozen=True)
class LevelRow:
    level: RetentionPeriod
    files: int  # how many files have it (why it can be retired but never deleted)


def may_edit(user: User) -> bool:
    """Whether the user changes the levels (the district's admins)."""
    return can_edit_catalogue(user)


def levels(user: User) -> list[LevelRow]:
    """Every level, active or not, in the order the forms offer them, with how many of
    the user's organisation's files have it (other offices' files are theirs)."""
    used = dict(
        db.session.execute(
            select(CaseFile.retention_code, func.count(CaseFile.id))
            .where(CaseFile.org_id == user.org_id)
            .group_by(CaseFile.retention_code)
        ).all()
    )
    rows = db.session.scalars(
        select(RetentionPeriod).order_by(RetentionPeriod.position, RetentionPeriod.code)
    )
    return [LevelRow(r, int(used.get(r.code, 0))) for r in rows]


def _require_admin(actor: User) -> None:
    if not may_edit(actor):
        raise Forbidden(MSG_ADMIN_ONLY)


def _record(actor: User, action: str, changes: dict) -> None:
    audit.record(
        actor_id=actor.id,
        org_id=actor.org_id,
        subject_type=SUBJECT,
        subject_id=None,  # the key is a code, kept in the changes
        action=action,
        changes=changes,
    )


def _order(rows: list[RetentionPeriod]) -> None:
    """Permanent first, then the longest terms first: the order of the decree's tables."""
    rows.sort(key=lambda r: (r.years is not None, -(r.years or 0), r.code))
    for position, row in enumerate(rows, start=1):
        row.position = position


@transaction
def add_level(
    actor: User,
    *,
    code: str | None = None,
    label: str | None = None,
    years: int | None = None,
    permanent: bool = False,
) -> RetentionPeriod:
    """A new level: a number of years (1–100) or permanent. The code defaults to the
    number of years ("15"), the label to "15 năm"; two levels never share a code, a
    label or a term."""
    _require_admin(actor)
    errors: dict[str, str] = {}
    if permanent and years is not None:
        errors["years"] = "Mức vĩnh viễn không ghi số năm."
    elif not permanent and years is None:
        errors["years"] = "Nhập số năm bảo quản, hoặc chọn «Vĩnh viễn»."
    elif years is not None and not 1 <= years <= MAX_YEARS:
        errors["years"] = f"Số năm bảo quản phải từ 1 đến {MAX_YEARS}."
    default_code = PERMANENT_CODE if permanent else (str(years) if years else "")
    code = clean(code).lower() or default_code
    if not code:
        errors.setdefault("code", "«Mã» là bắt buộc.")
    elif len(code) > MAX_CODE or not _CODE.fullmatch(code):
        errors["code"] = (
            f"Mã gồm chữ thường không dấu, chữ số và dấu gạch dưới, tối đa {MAX_CODE} ký tự."
        )
    default_label = "Vĩnh viễn" if permanent else (f"{years} năm" if years else "")
    label = clean(label) or default_label
    if not label:
        errors.setdefault("label", "«Tên mức» là bắt buộc.")
    elif len(label) > MAX_LABEL:
        errors["label"] = f"Tên mức tối đa {MAX_LABEL} ký tự."
    rows = list(db.session.scalars(select(RetentionPeriod)))
    for row in rows:
        if "code" not in errors and row.code == code:
            errors["code"] = f"Mã {code} đã có (mức «{row.label}»)."
        if "label" not in errors and row.label.casefold() == label.casefold():
            errors["label"] = f"Đã có mức «{row.label}» (mã {row.code})."
        if "years" not in errors and (permanent or years) and row.years == years:
            errors["years"] = f"Đã có mức «{row.label}» (mã {row.code}); có thể mở lại mức đó."
    if errors:
        raise ValidationFailed("Vui lòng kiểm tra lại mức thời hạn bảo quản.", field_errors=errors)
    level = RetentionPeriod(code=code, label=label, years=years, active=True)
    db.session.add(level)
    _order([*rows, level])
    _record(actor, "created", {"code": code, "label": label})
    return level


@transaction
def set_active(actor: User, code: str, active: bool) -> RetentionPeriod:
    """Stop offering a level (deactivate) or offer it again: files keep theirs."""
    _require_admin(actor)
    level = db.session.get(RetentionPeriod, code) if code else None
    if level is None:
        raise NotFound("Không tìm thấy mức thời hạn bảo quản này.")
    if level.active and not active:
        others = db.session.scalar(
            select(func.count())
            .select_from(RetentionPeriod)
            .where(RetentionPeriod.active.is_(True), RetentionPeriod.code != code)
        )
        if not others:
            raise Conflict("Phải còn ít nhất một mức thời hạn bảo quản đang dùng.")
    if level.active != active:
        level.active = active
        _record(actor, "reactivated" if active else "deactivated", {"code": code})
    return level
