"""Admin pages for organisations, units and users. Thin: parse, call a service, render.

Who may reach what is decided in orgs.services (get_organisation_for, get_user_for…):
another organisation's record is a 404, a page reserved to the district admin a 403.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from eoffice.auth import password_reset, two_factor
from eoffice.auth import policy as two_factor_policy
from eoffice.auth.fresh import fresh_login_required
from eoffice.core.errors import ServiceError
from eoffice.core.text import clean
from eoffice.orgs import administration, people
from eoffice.orgs.forms import (
    OrganisationForm,
    TwoFactorPolicyForm,
    UnitForm,
    UserCreateForm,
    UserEditForm,
)
from eoffice.orgs.models import Organisation
from eoffice.web.access import roles_required
from eoffice.web.forms import show_refusal
from eoffice.web.http import int_arg

bp = Blueprint("orgs", __name__, url_prefix="/admin")
admin_only = roles_required("admin")


# --- Organisations ----------------------------------------------------------------------


@bp.get("/organisations")
@admin_only
def organisations():
    scope = "external" if request.args.get("scope") == "external" else "member"
    query = clean(request.args.get("q"))
    listing = administration.organisation_listing(
        current_user,
        scope=scope,
        query=query,
        page=int_arg("page", 1, min=1),
        per_page=current_app.config["PAGE_SIZE"],
    )
    return render_template(
        "orgs/organisations.html",
        listing=listing,
        scope=scope,
        query=query,
        can_edit=administration.is_district_admin(current_user),
    )


def _render_org_form(form: OrganisationForm, org: Organisation | None, status: int = 200):
    return render_template("orgs/organisation_form.html", form=form, org=org), status


@bp.route("/organisations/new", methods=["GET", "POST"])
@admin_only
def new_organisation():
    if not administration.is_district_admin(current_user):
        abort(403)
    form = OrganisationForm()
    form.set_parents(administration.parent_choices(current_user))
    if request.method == "GET":
        form.parent_id.data = current_user.org_id
        form.kind.data = request.args.get("kind", "primary")
        return _render_org_form(form, None)
    if not form.validate_on_submit():
        return _render_org_form(form, None, 422)
    try:
        org = administration.create_organisation(current_user, form.to_data())
    except ServiceError as exc:
        show_refusal(form, exc)
        return _render_org_form(form, None, 422)
    flash(f"Đã thêm “{org.name}”.", "success")
    return redirect(url_for("orgs.organisation", org_id=org.id))


@bp.route("/organisations/<int:org_id>/edit", methods=["GET", "POST"])
@admin_only
def edit_organisation(org_id: int):
    org = administration.get_organisation_for(current_user, org_id)
    if not administration.is_district_admin(current_user):
        abort(403)
    form = OrganisationForm(obj=org if request.method == "GET" else None)
    form.set_parents(administration.parent_choices(current_user, org))
    if request.method == "GET":
        return _render_org_form(form, org)
    if not form.validate_on_submit():
        return _render_org_form(form, org, 422)
    try:
        administration.update_organisation(current_user, org.id, form.to_data())
    except ServiceError as exc:
        show_refusal(form, exc)
        return _render_org_form(form, org, 422)
    flash("Đã lưu thông tin cơ quan.", "success")
    return redirect(url_for("orgs.organisation", org_id=org.id))


def _render_org_detail(org: Organisation, unit_form: UnitForm, status: int = 200):
    can_set_policy = two_factor_policy.can_manage(current_user, org.id)
    policy = two_factor_policy.policy_of(org.id) if can_set_policy else None
    policy_form = TwoFactorPolicyForm(formdata=None)
    if policy is not None:
        policy_form.roles.data = sorted(policy.roles)
    return render_template(
        "orgs/organisation.html",
        org=org,
        unit_form=unit_form,
        can_edit=administration.is_district_admin(current_user),
        policy=policy,
        policy_form=policy_form,
        concerned=two_factor_policy.people_concerned(org.id) if can_set_policy else [],
    ), status


@bp.get("/organisations/<int:org_id>")
@admin_only
def organisation(org_id: int):
    org = administration.get_organisation_for(current_user, org_id)
    return _render_org_detail(org, UnitForm())


@bp.post("/organisations/<int:org_id>/two-factor")
@admin_only
@fresh_login_required
def set_two_factor_policy(org_id: int):
    """The roles of the admin's own organisation that must use two-step sign-in."""
    form = TwoFactorPolicyForm()
    form.validate_on_submit()  # only the CSRF token can fail; the service checks the rest
    if form.errors:
        abort(400)
    policy = two_factor_policy.set_required_roles(current_user, org_id, form.roles.data or [])
    if policy.roles:
        flash(
            "Đã lưu: " + ", ".join(policy.labels) + " phải đăng nhập bằng xác thực hai bước "
            "(áp dụng từ lần đăng nhập tiếp theo của mỗi người).",
            "success",
        )
    else:
        flash("Đã lưu: không vai trò nào bắt buộc xác thực hai bước.", "success")
    return redirect(url_for("orgs.organisation", org_id=org_id, _anchor="xac-thuc-hai-buoc"))


@bp.post("/users/<int:user_id>/two-factor/reset")
@admin_only
@fresh_login_required
def reset_two_factor(user_id: int):
    """Turn off a member's two-step sign-in when they lost both phone and recovery codes."""
    try:
        user = two_factor.reset_by_admin(current_user, user_id)
    except ServiceError as exc:
        if exc.status_code == 404:
            raise
        flash(exc.message, "warning")
        return redirect(url_for("orgs.organisation", org_id=current_user.org_id))
    flash(
        f"Đã đặt lại xác thực hai bước của {user.full_name}; người này đã bị đăng xuất "
        "và sẽ bật lại ở lần đăng nhập tiếp theo nếu vai trò bắt buộc.",
        "success",
    )
    return redirect(url_for("orgs.organisation", org_id=user.org_id, _anchor="xac-thuc-hai-buoc"))


# --- Units ------------------------------------------------------------------------------


@bp.post("/organisations/<int:org_id>/units")
@admin_only
def add_unit(org_id: int):
    org = administration.get_member_org_for(current_user, org_id)
    form = UnitForm()
    if not form.validate_on_submit():
        return _render_org_detail(org, form, 422)
    try:
        unit = people.add_unit(current_user, org.id, form.name.data, form.short_name.data)
    except ServiceError as exc:
        show_refusal(form, exc)
        return _render_org_detail(org, form, 422)
    flash(f"Đã thêm đơn vị “{unit.name}”.", "success")
    return redirect(url_for("orgs.organisation", org_id=org.id))


@bp.route("/units/<int:unit_id>/edit", methods=["GET", "POST"])
@admin_only
def edit_unit(unit_id: int):
    unit = people.get_unit_for(current_user, unit_id)
    form = UnitForm(obj=unit if request.method == "GET" else None)
    if request.method == "POST" and form.validate_on_submit():
        try:
            people.update_unit(current_user, unit.id, form.name.data, form.short_name.data)
        except ServiceError as exc:
            show_refusal(form, exc)
        else:
            flash("Đã đổi tên đơn vị.", "success")
            return redirect(url_for("orgs.organisation", org_id=unit.org_id))
    status = 422 if request.method == "POST" else 200
    return render_template("orgs/unit_form.html", form=form, unit=unit), status


@bp.post("/units/<int:unit_id>/deactivate")
@admin_only
def deactivate_unit(unit_id: int):
    unit = people.set_unit_active(current_user, unit_id, False)
    flash(f"Đã ngừng hoạt động đơn vị “{unit.name}”.", "success")
    return redirect(url_for("orgs.organisation", org_id=unit.org_id))


@bp.post("/units/<int:unit_id>/reactivate")
@admin_only
def reactivate_unit(unit_id: int):
    unit = people.set_unit_active(current_user, unit_id, True)
    flash(f"Đơn vị “{unit.name}” hoạt động trở lại.", "success")
    return redirect(url_for("orgs.organisation", org_id=unit.org_id))


# --- Users ------------------------------------------------------------------------------


def _org_from_args() -> Organisation:
    org_id = int_arg("org_id", current_user.org_id, min=1)
    return administration.get_member_org_for(current_user, org_id)


@bp.get("/users")
@admin_only
def users():
    org = _org_from_args()
    return render_template(
        "orgs/users.html",
        org=org,
        users=people.users_of(current_user, org.id),
        organisations=administration.managed_member_organisations(current_user),
    )


def _render_user_form(form, org: Organisation, user=None, status: int = 200):
    return render_template("orgs/user_form.html", form=form, org=org, user=user), status


@bp.route("/users/new", methods=["GET", "POST"])
@admin_only
@fresh_login_required
def new_user():
    org = _org_from_args()
    form = UserCreateForm()
    form.set_units(people.active_units(org.id))
    if request.method == "GET":
        form.roles.data = ["staff"]
        return _render_user_form(form, org)
    if not form.validate_on_submit():
        return _render_user_form(form, org, status=422)
    try:
        user = people.add_user(
            current_user,
            org.id,
            email=form.email.data,
            full_name=form.full_name.data,
            password=form.password.data,
            roles=form.roles.data,
            title=form.title.data,
            unit_id=form.unit_id.data,
        )
    except ServiceError as exc:
        show_refusal(form, exc)
        return _render_user_form(form, org, status=422)
    flash(f"Đã tạo tài khoản cho {user.full_name} ({user.email}).", "success")
    return redirect(url_for("orgs.users", org_id=org.id))


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@admin_only
@fresh_login_required
def edit_user(user_id: int):
    user = people.get_user_for(current_user, user_id)
    form = UserEditForm(obj=user if request.method == "GET" else None)
    form.set_units(people.active_units(user.org_id, keep=user.unit_id))
    if request.method == "GET":
        form.roles.data = sorted(user.roles)
        return _render_user_form(form, user.organisation, user)
    if not form.validate_on_submit():
        return _render_user_form(form, user.organisation, user, 422)
    try:
        people.update_user(
            current_user,
            user.id,
            full_name=form.full_name.data,
            title=form.title.data,
            unit_id=form.unit_id.data,
            roles=form.roles.data,
        )
    except ServiceError as exc:
        show_refusal(form, exc)
        return _render_user_form(form, user.organisation, user, 422)
    flash(f"Đã lưu thông tin của {user.full_name}.", "success")
    return redirect(url_for("orgs.users", org_id=user.org_id))


@bp.post("/users/<int:user_id>/password/reset")
@admin_only
@fresh_login_required
def reset_password(user_id: int):
    """Give a member who forgot their password a temporary one, shown in this response.

    Rendered here, never flashed or kept for a redirect: the session cookie is signed,
    not encrypted, and would carry the password to the browser and back. No cache may
    keep the page either.
    """
    try:
        user, temporary = password_reset.reset_password(current_user, user_id)
    except ServiceError as exc:
        if exc.status_code in (403, 404):
            raise
        flash(exc.message, "warning")
        return redirect(url_for("orgs.edit_user", user_id=user_id))
    response = make_response(
        render_template("orgs/password_reset.html", person=user, temporary=temporary)
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/users/<int:user_id>/deactivate")
@admin_only
def deactivate_user(user_id: int):
    user = people.get_user_for(current_user, user_id)
    try:
        people.set_user_active(current_user, user.id, False)
    except ServiceError as exc:
        flash(exc.message, "danger")
    else:
        flash(f"Đã khóa tài khoản của {user.full_name}.", "success")
    return redirect(url_for("orgs.users", org_id=user.org_id))


@bp.post("/users/<int:user_id>/reactivate")
@admin_only
def reactivate_user(user_id: int):
    user = people.set_user_active(current_user, user_id, True)
    flash(f"Đã mở khóa tài khoản của {user.full_name}.", "success")
    return redirect(url_for("orgs.users", org_id=user.org_id))
