"""Writes for organisations, units and users. Every function validates before it writes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func, select

from eoffice.core import audit
from eoffice.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from eoffice.core.security import hash_password, new_token, password_problem
from eoffice.core.text import clean, vn_fold
from eoffice.extensions import db
from eoffice.orgs.models import Organisation, OrgKind, Role, Unit, User, UserRole
from eoffice.orgs.validation import agency_code_problem, official_email_problem


@dataclass
class OrganisationData:
    name: str
    kind: str = OrgKind.EXTERNAL
    short_name: str | None = None
    agency_code: str | None = None
    parent_id: int | None = None
    address: str | None = None
    email: str | None = None
    phone: str | None = None
    ward: str | None = None
    is_member: bool = False


def check_agency_code(code: str | None, *, field: str = "agency_code") -> str | None:
    """Normalise and validate an agency code; '' becomes None."""
    code = clean(code).upper() or None
    if code is None:
        return None
    problem = agency_code_problem(code, current_app.config["AGENCY_CODE_PATTERN"])
    if problem:
        raise ValidationFailed(problem, field_errors={field: problem})
    return code


def check_official_email(address: str | None, *, field: str = "email") -> str:
    address = clean(address).lower()
    problem = official_email_problem(address, current_app.config["OFFICIAL_MAIL_DOMAINS"])
    if problem:
        raise ValidationFailed(problem, field_errors={field: problem})
    return address


def save_organisation(
    data: OrganisationData, *, actor: User | None = None, org: Organisation | None = None
) -> Organisation:
    """Create (org=None) or update an organisation after validating every field."""
    errors: dict[str, str] = {}
    name = clean(data.name)
    if not name:
        errors["name"] = "Vui lòng nhập tên cơ quan."
    elif len(name) > 200:
        errors["name"] = "Tên cơ quan tối đa 200 ký tự."
    if data.kind not in {k.value for k in OrgKind}:
        errors["kind"] = "Loại cơ quan không hợp lệ."
    code = None
    try:
        code = check_agency_code(data.agency_code)
    except ValidationFailed as exc:
        errors.update(exc.field_errors)
    email = None
    if clean(data.email):
        try:
            email = check_official_email(data.email)
        except ValidationFailed as exc:
            errors.update(exc.field_errors)
    if code:
        clash = db.session.scalars(
            select(Organisation).where(Organisation.agency_code == code)
        ).first()
        if clash is not None and clash is not org:
            errors["agency_code"] = f"Mã định danh {code} đã dùng cho “{clash.name}”."
    if errors:
        raise ValidationFailed(next(iter(errors.values())), field_errors=errors)

    creating = org is None
    if org is None:
        org = Organisation()
        db.session.add(org)
    org.name = name
    org.name_folded = vn_fold(name)
    org.kind = data.kind
    org.short_name = clean(data.short_name) or None
    org.agency_code = code
    org.parent_id = data.parent_id
    org.address = clean(data.address) or None
    org.email = email
    org.phone = clean(data.phone) or None
    org.ward = clean(data.ward) or None
    org.is_member = data.is_member or data.kind != OrgKind.EXTERNAL
    db.session.flush()
    audit.record(
        actor_id=actor.id if actor else None,
        org_id=org.id,
        subject_type="organisation",
        subject_id=org.id,
        action="created" if creating else "updated",
        changes={"name": name, "agency_code": code},
    )
    return org


def find_or_create_sender(name: str, agency_code: str | None) -> Organisation:
    """The directory entry for a sender typed by a clerk: by agency code, else by folded name."""
    code = check_agency_code(agency_code, field="sender_agency_code")
    name = clean(name)
    if code:
        existing = db.session.scalars(
            select(Organisation).where(Organisation.agency_code == code)
        ).first()
        if existing is not None:
            return existing
    existing = db.session.scalars(
        select(Organisation)
        .where(Organisation.name_folded == vn_fold(name))
        .order_by(Organisation.is_member.desc(), Organisation.id)
    ).first()
    if existing is not None:
        if code and existing.agency_code is None:
            existing.agency_code = code
        return existing
    org = Organisation(
        name=name, name_folded=vn_fold(name), agency_code=code, kind=OrgKind.EXTERNAL
    )
    db.session.add(org)
    db.session.flush()
    return org


def create_unit(org_id: int, name: str, short_name: str | None = None) -> Unit:
    name = clean(name)
    if not name:
        raise ValidationFailed("Vui lòng nhập tên đơn vị.", field_errors={"name": "Bắt buộc."})
    exists = db.session.scalars(
        select(Unit).where(Unit.org_id == org_id, func.lower(Unit.name) == name.lower())
    ).first()
    if exists:
        raise ValidationFailed(
            f"Đơn vị “{name}” đã có.", field_errors={"name": "Tên đơn vị đã tồn tại."}
        )
    unit = Unit(org_id=org_id, name=name, short_name=clean(short_name) or None)
    db.session.add(unit)
    db.session.flush()
    return unit


def create_user(
    *,
    org_id: int,
    email: str,
    full_name: str,
    password: str,
    roles: Iterable[str],
    title: str | None = None,
    unit_id: int | None = None,
    actor: User | None = None,
) -> User:
    """Create a user with an official e-mail address and a strong password."""
    errors: dict[str, str] = {}
    full_name = clean(full_name)
    if not full_name:
        errors["full_name"] = "Vui lòng nhập họ và tên."
    try:
        email = check_official_email(email)
    except ValidationFailed as exc:
        errors.update(exc.field_errors)
    else:
        taken = db.session.scalars(select(User).where(User.email == email)).first()
        if taken:
            errors["email"] = f"Địa chỉ {email} đã được dùng cho tài khoản khác."
    problem = password_problem(password)
    if problem:
        errors["password"] = problem
    role_set = set(roles)
    valid_roles = {r.value for r in Role}
    if not role_set or not role_set <= valid_roles:
        errors["roles"] = "Vui lòng chọn ít nhất một vai trò hợp lệ."
    if unit_id is not None:
        unit = db.session.get(Unit, unit_id)
        if unit is None or unit.org_id != org_id:
            errors["unit_id"] = "Đơn vị không thuộc cơ quan này."
    if errors:
        raise ValidationFailed(next(iter(errors.values())), field_errors=errors)

    user = User(
        org_id=org_id,
        email=email,
        full_name=full_name,
        title=clean(title) or None,
        unit_id=unit_id,
        password_hash=hash_password(password),
        session_token=new_token(16),
        role_rows=[UserRole(role=r) for r in sorted(role_set)],
    )
    db.session.add(user)
    db.session.flush()
    audit.record(
        actor_id=actor.id if actor else None,
        org_id=org_id,
        subject_type="user",
        subject_id=user.id,
        action="created",
        changes={"email": email, "roles": sorted(role_set)},
    )
    return user


def set_user_roles(user: User, roles: Iterable[str], *, actor: User) -> None:
    role_set = set(roles)
    if not role_set or not role_set <= {r.value for r in Role}:
        raise ValidationFailed("Vui lòng chọn ít nhất một vai trò hợp lệ.")
    old = sorted(user.roles)
    user.role_rows = [UserRole(role=r) for r in sorted(role_set)]
    audit.record(
        actor_id=actor.id,
        org_id=user.org_id,
        subject_type="user",
        subject_id=user.id,
        action="updated",
        changes={"roles": [old, sorted(role_set)]},
    )


def member_organisations() -> list[Organisation]:
    return list(
        db.session.scalars(
            select(Organisation)
            .where(Organisation.is_member.is_(True))
            .order_by(Organisation.kind, Organisation.name)
        )
    )


# --- Administration: who manages what -----------------------------------------------
#
# A school's admin manages the units and users of their own organisation. The district
# office's admin also keeps the shared directory: the member schools (they need their
# first admin account from somewhere) and the outside agencies clerks send to and
# receive from. Any other organisation is answered with NotFound, as for documents.

NOT_FOUND_ORG = "Không tìm thấy cơ quan này."
NOT_FOUND_USER = "Không tìm thấy người dùng này."
NOT_FOUND_UNIT = "Không tìm thấy đơn vị này."


def is_district_admin(user: User) -> bool:
    return user.has_role(Role.ADMIN) and user.organisation.kind == OrgKind.DISTRICT_OFFICE


def require_district_admin(user: User) -> None:
    if not is_district_admin(user):
        raise Forbidden(
            "Chỉ quản trị của Phòng Giáo dục và Đào tạo được thêm, sửa thông tin cơ quan."
        )


def get_organisation_for(actor: User, org_id: int) -> Organisation:
    """An organisation the admin may see: their own, or any for the district admin."""
    org = db.session.get(Organisation, org_id)
    if org is None:
        raise NotFound(NOT_FOUND_ORG)
    if org.id == actor.org_id:
        return org
    if is_district_admin(actor) and (org.is_member or org.kind == OrgKind.EXTERNAL):
        return org
    raise NotFound(NOT_FOUND_ORG)


def get_member_org_for(actor: User, org_id: int) -> Organisation:
    """An organisation whose units and users the admin manages (outside agencies have none)."""
    org = get_organisation_for(actor, org_id)
    if not org.is_member:
        raise NotFound(NOT_FOUND_ORG)
    return org


def managed_member_organisations(actor: User) -> list[Organisation]:
    """The organisations offered in the admin's user and unit pages."""
    if is_district_admin(actor):
        return member_organisations()
    return [actor.organisation]


@dataclass
class OrganisationRow:
    org: Organisation
    user_count: int


@dataclass
class OrganisationListing:
    rows: list[OrganisationRow]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _escape_like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def organisation_listing(
    actor: User, *, scope: str = "member", query: str = "", page: int = 1, per_page: int = 50
) -> OrganisationListing:
    """The organisations page: the own one for a school admin, the directory for the district."""
    stmt = select(Organisation)
    if not is_district_admin(actor):
        stmt = stmt.where(Organisation.id == actor.org_id)
    elif scope == "external":
        stmt = stmt.where(Organisation.kind == OrgKind.EXTERNAL, Organisation.is_member.is_(False))
    else:
        stmt = stmt.where(Organisation.is_member.is_(True))
    folded = vn_fold(query)
    if folded:
        stmt = stmt.where(Organisation.name_folded.like(_escape_like(folded), escape="\\"))
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    page = max(1, page)
    orgs = list(
        db.session.scalars(
            stmt.order_by(Organisation.kind, Organisation.name_folded, Organisation.id)
            .limit(per_page)
            .offset((page - 1) * per_page)
        )
    )
    counts = dict(
        db.session.execute(
            select(User.org_id, func.count(User.id))
            .where(User.org_id.in_([o.id for o in orgs]))
            .group_by(User.org_id)
        ).all()
    )
    rows = [OrganisationRow(o, counts.get(o.id, 0)) for o in orgs]
    return OrganisationListing(rows, page, per_page, total)


def parent_choices(actor: User, org: Organisation | None = None) -> list[Organisation]:
    """Possible parents: members first, then the directory; never the organisation itself."""
    if not is_district_admin(actor):
        return []
    stmt = select(Organisation).order_by(
        Organisation.is_member.desc(), Organisation.name_folded, Organisation.id
    )
    if org is not None:
        stmt = stmt.where(Organisation.id != org.id)
    return list(db.session.scalars(stmt))


def _check_directory_rules(
    actor: User, data: OrganisationData, org: Organisation | None
) -> dict[str, str]:
    """Rules the generic save_organisation cannot know: they depend on who is editing."""
    errors: dict[str, str] = {}
    if data.kind == OrgKind.DISTRICT_OFFICE:
        other = db.session.scalars(
            select(Organisation).where(
                Organisation.kind == OrgKind.DISTRICT_OFFICE,
                Organisation.id != (org.id if org else 0),
            )
        ).first()
        if other is not None:
            errors["kind"] = (
                f"Hệ thống đã có Phòng Giáo dục và Đào tạo (“{other.name}”); "
                "cơ quan bên ngoài hãy chọn loại “Cơ quan ngoài hệ thống”."
            )
    if org is not None and org.id == actor.org_id and data.kind != org.kind:
        errors["kind"] = "Không thể đổi loại của cơ quan mình đang quản trị."
    if org is not None and data.kind == OrgKind.EXTERNAL and org.is_member:
        has_users = db.session.scalars(select(User.id).where(User.org_id == org.id)).first()
        if has_users is not None:
            errors["kind"] = (
                "Cơ quan đang có người dùng, không thể chuyển thành cơ quan ngoài hệ thống."
            )
    if data.parent_id is not None:
        parent = db.session.get(Organisation, data.parent_id)
        if parent is None:
            errors["parent_id"] = "Cơ quan cấp trên không tồn tại."
        seen: set[int] = set()
        while parent is not None and parent.id not in seen:
            if org is not None and parent.id == org.id:
                errors["parent_id"] = "Cơ quan cấp trên không được là chính cơ quan này."
                break
            seen.add(parent.id)
            parent = parent.parent
    for name, limit in (("short_name", 30), ("address", 300), ("phone", 40), ("ward", 80)):
        if len(clean(getattr(data, name))) > limit:
            errors[name] = f"Tối đa {limit} ký tự."
    return errors


def _save_directory_entry(
    actor: User, data: OrganisationData, org: Organisation | None
) -> Organisation:
    data.is_member = data.kind != OrgKind.EXTERNAL
    try:
        errors = _check_directory_rules(actor, data, org)
        try:
            saved = save_organisation(data, actor=actor, org=org)
        except ValidationFailed as exc:
            errors = {**exc.field_errors, **errors}
        if errors:
            raise ValidationFailed(next(iter(errors.values())), field_errors=errors)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return saved


def create_organisation(actor: User, data: OrganisationData) -> Organisation:
    """A new member school or outside agency, added by the district admin."""
    require_district_admin(actor)
    return _save_directory_entry(actor, data, None)


def update_organisation(actor: User, org_id: int, data: OrganisationData) -> Organisation:
    org = get_organisation_for(actor, org_id)
    require_district_admin(actor)
    return _save_directory_entry(actor, data, org)


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
