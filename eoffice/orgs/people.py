"""Administration of units and users inside an organisation."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from eoffice.core import audit
from eoffice.core.errors import Conflict, NotFound, ValidationFailed
from eoffice.core.security import new_token
from eoffice.core.text import clean
from eoffice.extensions import db
from eoffice.orgs.administration import (
    NOT_FOUND_UNIT,
    NOT_FOUND_USER,
    get_member_org_for,
)
from eoffice.orgs.models import Role, Unit, User, UserRole
from eoffice.orgs.services import (
    create_unit,
    create_user,
)

# --- Units ------------------------------------------------------------------------------


def get_unit_for(actor: User, unit_id: int) -> Unit:
    unit = db.session.get(Unit, unit_id)
    if unit is None:
        raise NotFound(NOT_FOUND_UNIT)
    try:
        get_member_org_for(actor, unit.org_id)
    except NotFound:
        raise NotFound(NOT_FOUND_UNIT) from None
    return unit


def _unit_field_problems(name: str, short_name: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    if len(name) > 150:
        errors["name"] = "Tên đơn vị tối đa 150 ký tự."
    if len(short_name) > 20:
        errors["short_name"] = "Tên viết tắt tối đa 20 ký tự."
    return errors


def _unit_name_taken(org_id: int, name: str, exclude: int | None = None) -> bool:
    """Case-insensitive in Python: SQLite's lower() leaves Vietnamese letters as they are."""
    return any(
        other.id != exclude and other.name.casefold() == name.casefold()
        for other in db.session.scalars(select(Unit).where(Unit.org_id == org_id))
    )


def add_unit(actor: User, org_id: int, name: str, short_name: str | None = None) -> Unit:
    org = get_member_org_for(actor, org_id)
    name = clean(name)
    errors = _unit_field_problems(name, clean(short_name))
    if name and _unit_name_taken(org.id, name):
        errors["name"] = f"Đơn vị “{name}” đã có."
    if errors:
        raise ValidationFailed(next(iter(errors.values())), field_errors=errors)
    try:
        unit = create_unit(org.id, name, short_name)
        audit.record(
            actor_id=actor.id,
            org_id=org.id,
            subject_type="unit",
            subject_id=unit.id,
            action="created",
            changes={"name": unit.name},
        )
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return unit


def update_unit(actor: User, unit_id: int, name: str, short_name: str | None = None) -> Unit:
    """Rename a unit; documents and users keep pointing at it."""
    unit = get_unit_for(actor, unit_id)
    name, short = clean(name), clean(short_name)
    errors = _unit_field_problems(name, short)
    if not name:
        errors["name"] = "Vui lòng nhập tên đơn vị."
    elif _unit_name_taken(unit.org_id, name, exclude=unit.id):
        errors["name"] = f"Đơn vị “{name}” đã có."
    if errors:
        raise ValidationFailed(next(iter(errors.values())), field_errors=errors)
    before = [unit.name, unit.short_name]
    unit.name, unit.short_name = name, short or None
    if before != [unit.name, unit.short_name]:
        audit.record(
            actor_id=actor.id,
            org_id=unit.org_id,
            subject_type="unit",
            subject_id=unit.id,
            action="updated",
            changes={"name": [before[0], unit.name], "short_name": [before[1], unit.short_name]},
        )
    db.session.commit()
    return unit


def set_unit_active(actor: User, unit_id: int, active: bool) -> Unit:
    """A deactivated unit is no longer offered as a recipient; its history stays."""
    unit = get_unit_for(actor, unit_id)
    if unit.is_active != active:
        unit.is_active = active
        audit.record(
            actor_id=actor.id,
            org_id=unit.org_id,
            subject_type="unit",
            subject_id=unit.id,
            action="reactivated" if active else "deactivated",
        )
    db.session.commit()
    return unit


# --- Users ------------------------------------------------------------------------------


def get_user_for(actor: User, user_id: int) -> User:
    """A user the admin manages; a user of another organisation is NotFound."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(NOT_FOUND_USER)
    try:
        get_member_org_for(actor, user.org_id)
    except NotFound:
        raise NotFound(NOT_FOUND_USER) from None
    return user


def users_of(actor: User, org_id: int) -> list[User]:
    org = get_member_org_for(actor, org_id)
    return list(
        db.session.scalars(
            select(User)
            .where(User.org_id == org.id)
            .order_by(User.is_active_account.desc(), User.full_name, User.id)
        )
    )


def active_units(org_id: int, *, keep: int | None = None) -> list[Unit]:
    """Units offered in the user form; `keep` is the user's current unit even if inactive."""
    return [
        u
        for u in db.session.scalars(select(Unit).where(Unit.org_id == org_id).order_by(Unit.name))
        if u.is_active or u.id == keep
    ]


def _unit_problem(org_id: int, unit_id: int | None, *, current: int | None) -> str | None:
    if unit_id is None:
        return None
    unit = db.session.get(Unit, unit_id)
    if unit is None or unit.org_id != org_id:
        return "Đơn vị không thuộc cơ quan này."
    if not unit.is_active and unit.id != current:
        return "Đơn vị này đã ngừng hoạt động."
    return None


def add_user(
    actor: User,
    org_id: int,
    *,
    email: str,
    full_name: str,
    password: str,
    roles: Iterable[str],
    title: str | None = None,
    unit_id: int | None = None,
) -> User:
    """Create an account in an organisation the admin manages."""
    org = get_member_org_for(actor, org_id)
    extra: dict[str, str] = {}
    if len(clean(full_name)) > 100:
        extra["full_name"] = "Họ và tên tối đa 100 ký tự."
    if len(clean(title)) > 100:
        extra["title"] = "Chức vụ tối đa 100 ký tự."
    if len(clean(email)) > 120:
        extra["email"] = "Địa chỉ thư tối đa 120 ký tự."
    problem = _unit_problem(org.id, unit_id, current=None)
    if problem:
        extra["unit_id"] = problem
    try:
        try:
            user = create_user(
                org_id=org.id,
                email=email,
                full_name=full_name,
                password=password,
                roles=roles,
                title=title,
                unit_id=unit_id,
                actor=actor,
            )
        except ValidationFailed as exc:
            raise ValidationFailed(
                exc.message, field_errors={**exc.field_errors, **extra}
            ) from None
        if extra:
            raise ValidationFailed(next(iter(extra.values())), field_errors=extra)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return user


def update_user(
    actor: User,
    user_id: int,
    *,
    full_name: str,
    title: str | None,
    unit_id: int | None,
    roles: Iterable[str],
) -> User:
    """Change name, title, unit and roles. An admin never removes their own admin role,
    so an organisation cannot lock itself out of its own administration."""
    user = get_user_for(actor, user_id)
    errors: dict[str, str] = {}
    name = clean(full_name)
    title_text = clean(title)
    if not name:
        errors["full_name"] = "Vui lòng nhập họ và tên."
    elif len(name) > 100:
        errors["full_name"] = "Họ và tên tối đa 100 ký tự."
    if len(title_text) > 100:
        errors["title"] = "Chức vụ tối đa 100 ký tự."
    problem = _unit_problem(user.org_id, unit_id, current=user.unit_id)
    if problem:
        errors["unit_id"] = problem
    role_set = set(roles)
    if not role_set or not role_set <= {r.value for r in Role}:
        errors["roles"] = "Vui lòng chọn ít nhất một vai trò hợp lệ."
    elif user.id == actor.id and Role.ADMIN not in role_set:
        errors["roles"] = "Bạn không thể tự bỏ vai trò Quản trị của chính mình."
    if errors:
        raise ValidationFailed(next(iter(errors.values())), field_errors=errors)

    before = {
        "full_name": user.full_name,
        "title": user.title,
        "unit": user.unit.name if user.unit else None,
        "roles": sorted(user.roles),
    }
    new_unit = db.session.get(Unit, unit_id) if unit_id else None
    current_roles = user.roles
    user.full_name = name
    user.title = title_text or None
    user.unit = new_unit
    # Only the difference is written: an unchanged role keeps its row.
    user.role_rows = [row for row in user.role_rows if row.role in role_set] + [
        UserRole(role=r) for r in sorted(role_set - current_roles)
    ]
    after = {
        "full_name": user.full_name,
        "title": user.title,
        "unit": new_unit.name if new_unit else None,
        "roles": sorted(role_set),
    }
    changes = {k: [before[k], after[k]] for k in before if before[k] != after[k]}
    if changes:
        audit.record(
            actor_id=actor.id,
            org_id=user.org_id,
            subject_type="user",
            subject_id=user.id,
            action="updated",
            changes=changes,
        )
    db.session.commit()
    return user


def set_user_active(actor: User, user_id: int, active: bool) -> User:
    """Lock or unlock an account. Locking also ends every open session of that user."""
    user = get_user_for(actor, user_id)
    if not active and user.id == actor.id:
        raise Conflict("Bạn không thể tự khóa tài khoản của chính mình.")
    if user.is_active_account != active:
        user.is_active_account = active
        if not active:
            user.session_token = new_token(16)
        audit.record(
            actor_id=actor.id,
            org_id=user.org_id,
            subject_type="user",
            subject_id=user.id,
            action="reactivated" if active else "deactivated",
        )
    db.session.commit()
    return user
