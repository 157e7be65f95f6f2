"""Administration of organisations: who manages what, the listing, the directory."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from eoffice.core.errors import Forbidden, NotFound, ValidationFailed
from eoffice.core.pagination import Page, paginate
from eoffice.core.text import LIKE_ESCAPE, clean, like_contains, vn_fold
from eoffice.extensions import db
from eoffice.orgs.models import Organisation, OrgKind, Role, User
from eoffice.orgs.services import (
    OrganisationData,
    member_organisations,
    save_organisation,
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


def organisation_listing(
    actor: User, *, scope: str = "member", query: str = "", page: int = 1, per_page: int = 50
) -> Page[OrganisationRow]:
    """The organisations page: the own one for a school admin, the directory for the district."""
    stmt = select(Organisation)
    if not is_district_admin(actor):
        stmt = stmt.where(Organisation.id == actor.org_id)
    elif scope == "external":
        stmt = stmt.where(Organisation.kind == OrgKind.EXTERNAL, Organisation.is_member.is_(False))
    else:
        stmt = stmt.where(Organisation.is_member.is_(True))
    if vn_fold(query):
        stmt = stmt.where(Organisation.name_folded.like(like_contains(query), escape=LIKE_ESCAPE))
    stmt = stmt.order_by(Organisation.kind, Organisation.name_folded, Organisation.id)
    return paginate(stmt, page, per_page).map(_with_user_counts)


def _with_user_counts(orgs: list[Organisation]) -> list[OrganisationRow]:
    counts = dict(
        db.session.execute(
            select(User.org_id, func.count(User.id))
            .where(User.org_id.in_([o.id for o in orgs]))
            .group_by(User.org_id)
        ).all()
    )
    return [OrganisationRow(o, counts.get(o.id, 0)) for o in orgs]


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
