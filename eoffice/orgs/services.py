"""Writes for organisations, units and users. Every function validates before it writes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func, select

from eoffice.core import audit
from eoffice.core.errors import ValidationFailed
from eoffice.core.security import hash_password, new_token, password_problem
from eoffice.core.text import clean, vn_fold
from eoffice.extensions import db
from eoffice.orgs.models import Organisation, OrgKind, Role, Unit, User, UserRole
from eoffice.orgs.validation import agency_code_problem, official_email_problem, shorten


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
    # Địa danh printed before the date of its documents ("Quận 3, ngày …"); None: default.
    place_name: str | None = None
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
    place_name = clean(data.place_name) or None
    if place_name and len(place_name) > 100:
        errors["place_name"] = "Địa danh tối đa 100 ký tự."
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
    org.place_name = place_name
    org.is_member = data.is_member or data.kind != OrgKind.EXTERNAL
    db.session.flush()
    audit.record(
        actor_id=actor.id if actor else None,
        org_id=org.id,
        subject_type="organisation",
        subject_id=org.id,
        action="created" if creating else "updated",
        changes={"name": name, "agency_code": code, "place_name": place_name},
    )
    return org


def find_or_create_sender(
    name: str, agency_code: str | None, *, persist: bool = True
) -> Organisation:
    """The directory entry for a sender typed by a clerk: by agency code, else by folded name.

    Intake never changes an existing entry: the directory is shared by every
    organisation of the deployment, and one school's typing must not rename another's
    sender or give it a code. A code that belongs to a differently named organisation,
    or a name whose entry has another code, is refused on `sender_agency_code`. An
    entry without a code is used as it is; the caller keeps the typed code on its own
    record. With `persist=False` a new sender comes back unsaved (not in the session),
    so that a caller validating everything before writing can save it later.
    """
    name = clean(name)
    code = check_agency_code(agency_code, field="sender_agency_code")
    folded = vn_fold(name)
    if code:
        owner = db.session.scalars(
            select(Organisation).where(Organisation.agency_code == code)
        ).first()
        if owner is not None:
            if owner.name_folded != folded:
                problem = (
                    f"Mã định danh {code} là của “{owner.name}”, "
                    f"không phải “{shorten(name, 50)}”. "
                    "Hãy kiểm tra lại tên hoặc mã cơ quan gửi."
                )
                raise ValidationFailed(problem, field_errors={"sender_agency_code": problem})
            return owner
    existing = db.session.scalars(
        select(Organisation)
        .where(Organisation.name_folded == folded)
        .order_by(Organisation.is_member.desc(), Organisation.id)
    ).first()
    if existing is not None:
        if code and existing.agency_code and existing.agency_code != code:
            problem = (
                f"“{existing.name}” có mã định danh {existing.agency_code}, "
                f"khác mã {code} vừa nhập. Hãy kiểm tra lại tên hoặc mã cơ quan gửi."
            )
            raise ValidationFailed(problem, field_errors={"sender_agency_code": problem})
        return existing
    org = Organisation(
        name=name, name_folded=folded, agency_code=code, kind=OrgKind.EXTERNAL, is_active=True
    )
    if persist:
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


def bootstrap_district(
    *,
    org_name: str,
    short_name: str,
    agency_code: str,
    email: str,
    full_name: str,
    password: str,
) -> User:
    """A new installation: the district office and its first admin, in one transaction."""
    if db.session.scalars(
        select(Organisation).where(Organisation.kind == OrgKind.DISTRICT_OFFICE)
    ).first():
        raise ValidationFailed(
            "Hệ thống đã có Phòng Giáo dục và Đào tạo; hãy đăng nhập để quản trị."
        )
    try:
        org = save_organisation(
            OrganisationData(
                name=org_name,
                kind=OrgKind.DISTRICT_OFFICE,
                short_name=short_name,
                agency_code=agency_code,
                is_member=True,
            )
        )
        user = create_user(
            org_id=org.id,
            email=email,
            full_name=full_name,
            password=password,
            roles=[Role.ADMIN],
            title="Quản trị hệ thống",
        )
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return user
