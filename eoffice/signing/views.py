"""Admin pages for signing certificates and the trusted roots. Thin: parse, call a
service, render.

Which organisation an admin may reach is decided by eoffice.orgs.administration (another
organisation's certificate is a 404); the upload's rules by eoffice.signing.services and
eoffice.signing.administration.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from eoffice.auth.fresh import fresh_login_required
from eoffice.core.errors import ServiceError
from eoffice.core.timeutil import format_date
from eoffice.orgs.administration import get_member_org_for, managed_member_organisations
from eoffice.orgs.models import Organisation
from eoffice.signing import administration, services
from eoffice.signing.forms import CertificateForm, TrustAnchorForm
from eoffice.signing.stamps import MAX_STAMP_BYTES
from eoffice.web.access import roles_required
from eoffice.web.forms import show_refusal
from eoffice.web.http import int_arg

bp = Blueprint("signing", __name__, url_prefix="/admin/certificates")
admin_only = roles_required("admin")

FILES_LOST = "Vì lý do bảo mật, trình duyệt không giữ tệp đã chọn: vui lòng chọn lại."


def _file(name: str, limit: int) -> bytes:
    """The chosen file's bytes, at most `limit` + 1 of them: enough for the service to
    see it is too large without holding a huge upload in memory."""
    upload = request.files.get(name)
    if upload is None or not upload.filename:
        return b""
    return upload.read(limit + 1)


def _org_from_args() -> Organisation:
    return get_member_org_for(current_user, int_arg("org_id", current_user.org_id, min=1))


# --- Certificates -----------------------------------------------------------------------


def _render_certificates(org: Organisation, form: CertificateForm, status: int = 200):
    return render_template(
        "signing/certificates.html",
        org=org,
        rows=administration.certificate_rows(current_user, org.id),
        form=form,
        organisations=managed_member_organisations(current_user),
    ), status


def _certificate_form(org: Organisation, *, posted: bool) -> CertificateForm:
    form = CertificateForm() if posted else CertificateForm(formdata=None)
    form.set_owners(org, administration.signers_of(org.id))
    return form


@bp.get("")
@admin_only
def certificates():
    org = _org_from_args()
    return _render_certificates(org, _certificate_form(org, posted=False))


@bp.post("")
@admin_only
@fresh_login_required
def upload():
    org = _org_from_args()
    form = _certificate_form(org, posted=True)
    if not form.validate_on_submit():
        return _refused(org, form)
    try:
        owner = administration.owner_for(current_user, org.id, form.owner.data)
        cert = services.upload_certificate(
            current_user,
            owner,
            _file("file", services.MAX_P12_BYTES),
            form.password.data or "",
            _file("image", MAX_STAMP_BYTES) or None,
            form.label.data,
        )
    except ServiceError as exc:
        show_refusal(form, exc)
        return _refused(org, form)
    flash(
        f"Đã lưu chứng thư số “{cert.label}” (hiệu lực đến {format_date(cert.not_after)}); "
        "mật khẩu của tệp không được lưu lại.",
        "success",
    )
    return redirect(url_for("signing.certificates", org_id=org.id))


def _refused(org: Organisation, form: CertificateForm):
    """422, with a reminder to choose the files again: browsers never re-fill them."""
    for name in ("file", "image"):
        field = getattr(form, name)
        if request.files.get(name) and request.files[name].filename and not field.errors:
            field.errors = [FILES_LOST]
    return _render_certificates(org, form, 422)


@bp.post("/<int:cert_id>/deactivate")
@admin_only
@fresh_login_required
def deactivate(cert_id: int):
    cert = services.deactivate_certificate(current_user, cert_id)
    flash(f"Đã ngừng sử dụng chứng thư số “{cert.label}”.", "success")
    return redirect(url_for("signing.certificates", org_id=cert.org_id))


@bp.get("/<int:cert_id>/image")
@admin_only
def image(cert_id: int):
    cert = services.get_certificate_for(current_user, cert_id)
    data = services.certificate_image(cert)
    if data is None:
        abort(404)
    response = make_response(data)
    response.mimetype = "image/png"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- Trusted roots ----------------------------------------------------------------------


def _render_trust_anchors(form: TrustAnchorForm, status: int = 200):
    return render_template(
        "signing/trust_anchors.html",
        rows=administration.trust_anchor_rows(),
        form=form,
        can_edit=administration.can_manage_trust_anchors(current_user),
    ), status


@bp.get("/trust-anchors")
@admin_only
def trust_anchors():
    return _render_trust_anchors(TrustAnchorForm(formdata=None))


@bp.post("/trust-anchors")
@admin_only
@fresh_login_required
def add_trust_anchor():
    if not administration.can_manage_trust_anchors(current_user):
        abort(403)
    form = TrustAnchorForm()
    if not form.validate_on_submit():
        return _render_trust_anchors(form, 422)
    try:
        anchor, created = administration.add_trust_anchor(
            current_user, form.name.data, _file("file", administration.MAX_ROOT_BYTES)
        )
    except ServiceError as exc:
        show_refusal(form, exc)
        return _render_trust_anchors(form, 422)
    if created:
        flash(f"Đã thêm “{anchor.name}” vào danh sách tổ chức cấp chứng thư tin cậy.", "success")
    else:
        flash(f"Chứng thư gốc này đã có trong danh sách (“{anchor.name}”).", "info")
    return redirect(url_for("signing.trust_anchors"))
