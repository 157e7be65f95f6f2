"""Web pages of the incoming register. Thin: parse, call a service, render."""

from __future__ import annotations

import io
import logging

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, lazyload, load_only

from eoffice.core import secret_access
from eoffice.core.audit import history
from eoffice.core.errors import Forbidden, ServiceError, ValidationFailed
from eoffice.core.pagination import BAD_CURSOR
from eoffice.core.timeutil import format_date, now_utc, to_local
from eoffice.directives.answers import mark_read_incoming
from eoffice.extensions import db
from eoffice.incoming import processing, services
from eoffice.incoming.access import can_register, can_see_register, get_visible
from eoffice.incoming.attachments import Upload, file_store, get_attachment
from eoffice.incoming.forms import CancelForm, IncomingForm, RegisterFilterForm
from eoffice.incoming.models import IncomingDocument
from eoffice.incoming.queries import (
    RegisterFilters,
    print_filters,
    register_count,
    register_page,
    register_rows,
    sender_suggestions,
)
from eoffice.incoming.signatures import signature_cards
from eoffice.orgs.models import User
from eoffice.outgoing.delivery import inbox_count as outgoing_inbox_count
from eoffice.web.forms import show_refusal
from eoffice.web.http import attachment_response

bp = Blueprint("incoming", __name__, url_prefix="/incoming")
log = logging.getLogger(__name__)


@bp.get("")
def register():
    form = RegisterFilterForm(request.args)
    form.validate()
    filters = form.filters()
    page = register_page(
        current_user, filters, request.args.get("cursor"), current_app.config["PAGE_SIZE"]
    )
    if page.refused:
        flash(BAD_CURSOR, "warning")
    # The filters, kept on every page link (a page is a cursor, not a number).
    args = {k: v for k, v in request.args.items() if k not in ("cursor", "page") and v}
    # The printed register covers whole days, never the other filters of the list.
    print_args = {
        name: value.isoformat()
        for name, value in (("date_from", filters.date_from), ("date_to", filters.date_to))
        if value
    }
    return render_template(
        "incoming/register.html",
        form=form,
        page=page,
        args=args,
        print_args=print_args,
        can_register=can_register(current_user),
        can_print=can_see_register(current_user),
        inbox_count=outgoing_inbox_count(current_user),  # waiting for the clerk, capped
    )


FILES_LOST = "Vì lý do bảo mật, trình duyệt không giữ tệp đã chọn: vui lòng chọn lại."


def uploads(name: str = "files") -> list[Upload]:
    """The files chosen in one file field of the request (empty choices dropped)."""
    return [
        Upload(filename=f.filename or "", data=f.read())
        for f in request.files.getlist(name)
        if f and f.filename
    ]


def _render_form(
    form: IncomingForm,
    *,
    doc=None,
    duplicate: services.DuplicateSuspected | None = None,
    status: int = 200,
):
    template = "incoming/edit.html" if doc else "incoming/new.html"
    return render_template(
        template,
        form=form,
        doc=doc,
        duplicate=duplicate,
        senders=sender_suggestions(current_user),
        max_upload=current_app.config["MAX_UPLOAD_BYTES"],
    ), status


@bp.route("/new", methods=["GET", "POST"])
def new():
    if not can_register(current_user):
        abort(403)
    form = IncomingForm(current_user.org_id)
    if request.method == "GET":
        local_now = to_local(now_utc())
        form.arrived_at.data = local_now.replace(second=0, microsecond=0, tzinfo=None)
        return _render_form(form)
    if not form.validate_on_submit():
        _warn_files_lost(form)
        return _render_form(form, status=422)
    try:
        doc = services.register_incoming(
            current_user,
            form.to_input(),
            uploads(),
            confirm_duplicate=form.confirm_duplicate.data,
        )
    except services.DuplicateSuspected as exc:
        _warn_files_lost(form)
        return _render_form(form, duplicate=exc, status=409)
    except ServiceError as exc:
        show_refusal(form, exc)
        _warn_files_lost(form)
        return _render_form(form, status=422)
    flash(
        f"Đã vào sổ: số đến {doc.arrival_number}, ngày {format_date(doc.arrived_at)}.",
        "success",
    )
    if request.form.get("next_action") == "another":
        return redirect(url_for("incoming.new"))
    return redirect(url_for("incoming.detail", doc_id=doc.id))


def _warn_files_lost(form: IncomingForm) -> None:
    if request.files.getlist("files") and not form.files.errors:
        form.files.errors = [FILES_LOST]


@bp.get("/<int:doc_id>")
def detail(doc_id: int):
    doc = get_visible(current_user, doc_id)
    mark_read_incoming(current_user, doc)  # a directive's first reading at the school
    secret_access.log_opened(current_user, "incoming", doc)
    return render_detail(doc)


def _load_named(doc: IncomingDocument) -> None:
    """The book, recipient unit and person and registering clerk the page names, in one
    query rather than a lazy load each (and the people's roles only if asked for)."""
    db.session.scalars(
        select(IncomingDocument)
        .where(IncomingDocument.id == doc.id)
        .options(
            lazyload("*"),
            load_only(IncomingDocument.id),
            joinedload(IncomingDocument.register_book),
            joinedload(IncomingDocument.recipient_unit),
            joinedload(IncomingDocument.recipient_user).lazyload(User.role_rows),
            joinedload(IncomingDocument.registered_by).lazyload(User.role_rows),
        )
    ).one()


def render_detail(doc, *, failed=None, status: int = 200):
    """The document page; `failed` is a processing step's form to show open, with errors."""
    _load_named(doc)
    return render_template(
        "incoming/detail.html",
        doc=doc,
        events=history("incoming", doc.id),
        can_edit=processing.correction_refusal(current_user, doc) is None,
        signatures=signature_cards(doc),
        cancel_form=CancelForm(),
        correction_labels=services.CORRECTABLE_LABELS,
        **processing_views.page_context(current_user, doc, failed),
    ), status


@bp.route("/<int:doc_id>/edit", methods=["GET", "POST"])
def edit(doc_id: int):
    doc = get_visible(current_user, doc_id)
    refusal = processing.correction_refusal(current_user, doc)
    if isinstance(refusal, Forbidden):
        raise refusal
    if refusal is not None:  # no longer correctable: say why on the document itself
        flash(refusal.message, "warning")
        return redirect(url_for("incoming.detail", doc_id=doc.id))
    if request.method == "GET":
        data = services.input_from_document(doc)
        form = IncomingForm(current_user.org_id, current=doc, data=vars(data))
        form.arrived_at.data = to_local(doc.arrived_at).replace(tzinfo=None)
        return _render_form(form, doc=doc)
    form = IncomingForm(current_user.org_id, current=doc)
    if not form.validate_on_submit():
        _warn_files_lost(form)
        return _render_form(form, doc=doc, status=422)
    try:
        services.correct_incoming(current_user, doc.id, form.to_input(), uploads())
    except ServiceError as exc:
        show_refusal(form, exc)
        _warn_files_lost(form)
        return _render_form(form, doc=doc, status=422)
    flash("Đã lưu thông tin sửa đổi; lịch sử đã ghi lại thay đổi.", "success")
    return redirect(url_for("incoming.detail", doc_id=doc.id))


@bp.post("/<int:doc_id>/cancel")
def cancel(doc_id: int):
    form = CancelForm()
    if not form.validate_on_submit():
        flash("Vui lòng ghi lý do hủy (ít nhất 5 ký tự).", "danger")
        return redirect(url_for("incoming.detail", doc_id=doc_id))
    services.cancel_incoming(current_user, doc_id, form.reason.data)
    flash("Đã hủy vào sổ văn bản. Số đến vẫn được giữ trong sổ.", "success")
    return redirect(url_for("incoming.detail", doc_id=doc_id))


@bp.get("/<int:doc_id>/files/<int:attachment_id>")
def download(doc_id: int, attachment_id: int):
    attachment = get_attachment(current_user, doc_id, attachment_id)
    inline = request.args.get("inline") == "1" and attachment.can_show_inline
    secret_access.log_downloaded_by_id(
        current_user, "incoming", doc_id, attachment.original_name, shown=inline
    )
    stored = attachment.stored_file
    return attachment_response(
        file_store().open(stored.sha256),
        attachment.original_name,
        stored.mime_type,
        inline=inline,
    )


@bp.get("/secret-log")
def secret_log():
    """Nhật ký truy cập văn bản mật: who opened or downloaded which confidential document
    (incoming and outgoing), newest first; the head of the office only."""
    if not secret_access.can_read_log(current_user):
        abort(403)
    kind = request.args.get("kind")
    kind = kind if kind in secret_access.KINDS else None
    page = secret_access.log_page(current_user, kind, request.args.get("cursor"))
    return render_template(
        "incoming/secret_log.html",
        page=page,
        kind=kind,
        kind_labels=secret_access.KIND_LABELS,
        args={"kind": kind} if kind else {},
    )


def _print_filters() -> RegisterFilters:
    """The period to print, from the query string's dates and nothing else."""
    form = RegisterFilterForm(request.args)
    form.validate()
    for field in (form.date_from, form.date_to):
        if field.errors:
            message = f"{field.label.text}: {field.errors[0]}"
            raise ValidationFailed(message, field_errors={field.name: field.errors[0]})
    return print_filters(form.date_from.data, form.date_to.data)


@bp.get("/register.pdf")
def register_pdf():
    """Short ranges print at once; long ones become a background export with progress."""
    if not can_see_register(current_user):
        abort(403)
    from eoffice.reports.exports import request_register_pdf
    from eoffice.reports.incoming_register import check_pdf_size, render_pdf

    filters = _print_filters()
    start, end = filters.date_from, filters.date_to
    count = register_count(current_user, filters)
    check_pdf_size(count)
    if count > current_app.config["REGISTER_PDF_SYNC_ROWS"]:
        export = request_register_pdf(current_user, filters, count)
        return redirect(url_for("reports.export_page", export_id=export.id))
    pdf = render_pdf(current_user.organisation, register_rows(current_user, filters), start, end)
    name = f"So-VB-den_{start:%Y%m%d}-{end:%Y%m%d}.pdf"
    return send_file(
        io.BytesIO(pdf),
        mimetype="application/pdf",
        download_name=name,
        as_attachment=request.args.get("download") == "1",
    )


@bp.get("/register.xlsx")
def register_xlsx():
    if not can_see_register(current_user):
        abort(403)
    from eoffice.reports.incoming_register import render_xlsx

    filters = _print_filters()
    start, end = filters.date_from, filters.date_to
    rows = register_rows(current_user, filters)
    data = render_xlsx(current_user.organisation, rows, start, end)
    name = f"So-VB-den_{start:%Y%m%d}-{end:%Y%m%d}.xlsx"
    return send_file(
        io.BytesIO(data),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        download_name=name,
        as_attachment=True,
    )


# Registers the processing and tracking routes on `bp`; imported last: they import `bp`.
from eoffice.incoming import processing_views, tracking_views  # noqa: E402, F401
