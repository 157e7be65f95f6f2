"""Admin pages of the outgoing settings: the approval chain and the signing delegations.
Thin: parse, call eoffice.outgoing.settings, render.

The organisation comes from `?org_id=` (the admin's own by default); the district admin
may pick any member organisation, a school admin only their own (anything else is 404).
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from eoffice.auth.fresh import fresh_login_required
from eoffice.core.errors import ServiceError
from eoffice.orgs.administration import get_member_org_for, managed_member_organisations
from eoffice.orgs.models import Organisation
from eoffice.outgoing import settings
from eoffice.outgoing.admin_forms import DelegationForm, StageForm
from eoffice.web.access import roles_required
from eoffice.web.forms import show_refusal
from eoffice.web.http import int_arg

bp = Blueprint("outgoing_admin", __name__, url_prefix="/admin/outgoing")
admin_only = roles_required("admin")


def _org_from_args() -> Organisation:
    return get_member_org_for(current_user, int_arg("org_id", current_user.org_id, min=1))


def _back_to_chain(org_id: int):
    return redirect(url_for("outgoing_admin.chain", org_id=org_id))


# --- The approval chain -----------------------------------------------------------------


def _stage_form(org_id: int, *, posted: bool) -> StageForm:
    form = StageForm() if posted else StageForm(formdata=None)
    form.set_people(settings.stage_holder_choices(org_id))
    return form


def _render_chain(org: Organisation, form: StageForm, status: int = 200):
    return render_template(
        "admin_outgoing/chain.html",
        chain=settings.chain_of(current_user, org.id),
        form=form,
        max_stages=settings.MAX_STAGES,
        organisations=managed_member_organisations(current_user),
    ), status


@bp.get("/chain")
@admin_only
def chain():
    org = _org_from_args()
    return _render_chain(org, _stage_form(org.id, posted=False))


@bp.post("/chain/stages")
@admin_only
def add_stage():
    org = _org_from_args()
    form = _stage_form(org.id, posted=True)
    if not form.validate_on_submit():
        return _render_chain(org, form, 422)
    try:
        settings.add_stage(current_user, org.id, form.to_input())
    except ServiceError as exc:
        show_refusal(form, exc)
        return _render_chain(org, form, 422)
    flash(f"Đã thêm bước “{form.label.data.strip()}” vào quy trình duyệt.", "success")
    return _back_to_chain(org.id)


@bp.route("/chain/stages/<int:stage_id>/edit", methods=["GET", "POST"])
@admin_only
def edit_stage(stage_id: int):
    stage = settings.get_stage_for(current_user, stage_id)
    org_id = stage.org_id
    if request.method == "GET":
        form = StageForm(formdata=None, obj=stage)
        form.set_people(settings.stage_holder_choices(org_id))
        return _render_stage(form, stage)
    form = _stage_form(org_id, posted=True)
    if not form.validate_on_submit():
        return _render_stage(form, stage, 422)
    try:
        settings.update_stage(current_user, stage.id, form.to_input())
    except ServiceError as exc:
        show_refusal(form, exc)
        return _render_stage(form, stage, 422)
    flash("Đã lưu bước kiểm tra.", "success")
    return _back_to_chain(org_id)


def _render_stage(form: StageForm, stage, status: int = 200):
    org = get_member_org_for(current_user, stage.org_id)
    return render_template(
        "admin_outgoing/stage_form.html", form=form, stage=stage, org=org
    ), status


@bp.post("/chain/stages/<int:stage_id>/up")
@admin_only
def stage_up(stage_id: int):
    return _move(stage_id, -1)


@bp.post("/chain/stages/<int:stage_id>/down")
@admin_only
def stage_down(stage_id: int):
    return _move(stage_id, 1)


def _move(stage_id: int, offset: int):
    org_id = settings.get_stage_for(current_user, stage_id).org_id
    settings.move_stage(current_user, stage_id, offset)
    return _back_to_chain(org_id)


@bp.post("/chain/stages/<int:stage_id>/delete")
@admin_only
def remove_stage(stage_id: int):
    stage = settings.get_stage_for(current_user, stage_id)
    org_id, label = stage.org_id, stage.label
    try:
        settings.remove_stage(current_user, stage_id)
    except ServiceError as exc:
        flash(exc.message, "danger")
    else:
        flash(f"Đã bỏ bước “{label}” khỏi quy trình duyệt.", "success")
    return _back_to_chain(org_id)


@bp.post("/chain/customise")
@admin_only
def customise_chain():
    org = _org_from_args()
    settings.start_from_default(current_user, org.id)
    flash("Quy trình mặc định đã được chép để chỉnh sửa riêng cho cơ quan.", "success")
    return _back_to_chain(org.id)


@bp.post("/chain/reset")
@admin_only
def reset_chain():
    org = _org_from_args()
    settings.reset_chain(current_user, org.id)
    flash("Cơ quan dùng lại quy trình duyệt mặc định.", "success")
    return _back_to_chain(org.id)


# --- Signing delegations ----------------------------------------------------------------


def _delegation_form(org_id: int, *, posted: bool) -> DelegationForm:
    form = DelegationForm() if posted else DelegationForm(formdata=None)
    form.set_people(settings.delegators(org_id), settings.delegates(org_id))
    return form


def _render_delegations(org: Organisation, form: DelegationForm, status: int = 200):
    return render_template(
        "admin_outgoing/delegations.html",
        org=org,
        rows=settings.delegations_of(current_user, org.id),
        form=form,
        organisations=managed_member_organisations(current_user),
    ), status


@bp.get("/delegations")
@admin_only
def delegations():
    org = _org_from_args()
    return _render_delegations(org, _delegation_form(org.id, posted=False))


@bp.post("/delegations")
@admin_only
@fresh_login_required
def add_delegation():
    org = _org_from_args()
    form = _delegation_form(org.id, posted=True)
    if not form.validate_on_submit():
        return _render_delegations(org, form, 422)
    try:
        delegation = settings.add_delegation(current_user, org.id, form.to_input())
    except ServiceError as exc:
        show_refusal(form, exc)
        return _render_delegations(org, form, 422)
    flash(
        f"Đã ghi nhận: {delegation.to_user.full_name} ký thay {delegation.from_user.full_name} "
        f"từ {delegation.starts_on:%d/%m/%Y} đến hết {delegation.ends_on:%d/%m/%Y}.",
        "success",
    )
    return redirect(url_for("outgoing_admin.delegations", org_id=org.id))


@bp.post("/delegations/<int:delegation_id>/delete")
@admin_only
@fresh_login_required
def delete_delegation(delegation_id: int):
    delegation = settings.get_delegation_for(current_user, delegation_id)
    org_id = delegation.org_id
    settings.delete_delegation(current_user, delegation.id)
    flash("Đã hủy ủy quyền ký.", "success")
    return redirect(url_for("outgoing_admin.delegations", org_id=org_id))
