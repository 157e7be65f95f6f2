"""Web pages of outgoing documents: the list, the draft form, the document page with its
review steps, the PDFs, and the inbox of documents other offices sent to this one.

Thin, like the incoming pages: parse, call a service, render. The step buttons are
`review.available_steps()` for the signed-in user, so a page never offers a step the
service would refuse; the service still checks every POST.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from itertools import groupby
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import joinedload, lazyload, load_only, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from eoffice.auth.fresh import fresh_login_required
from eoffice.catalog.models import DocumentType
from eoffice.core import secret_access
from eoffice.core.audit import history
from eoffice.core.errors import Conflict, NotFound, ServiceError, ValidationFailed
from eoffice.core.pagination import BAD_CURSOR
from eoffice.core.timeutil import format_date
from eoffice.directives.answers import mark_read
from eoffice.directives.requests import requests_of
from eoffice.exchange import forwarding
from eoffice.extensions import db
from eoffice.incoming import access as incoming_access
from eoffice.incoming import involvement as incoming_involvement
from eoffice.incoming.attachments import file_store
from eoffice.incoming.models import INLINE_KINDS, IncomingDocument
from eoffice.incoming.views import FILES_LOST, uploads
from eoffice.orgs.models import Role, User
from eoffice.outgoing import delivery, drafting, issuing, queries, recall, review, symbols, word
from eoffice.outgoing import forms as outgoing_forms
from eoffice.outgoing.docx_io import VersionView, body_blocks, compare_versions
from eoffice.outgoing.forms import DraftForm, addressed_keys, apply_refusal, editable_text
from eoffice.outgoing.involvement import current_stage, get_visible, holds_stage
from eoffice.outgoing.layout import render_outgoing_pdf
from eoffice.outgoing.models import (
    DELIVERY_STATUS_LABELS,
    Delivery,
    OutgoingAttachment,
    OutgoingDocument,
    OutgoingReview,
    OutgoingVersion,
)
from eoffice.outgoing.register_queries import can_print_register
from eoffice.outgoing.richtext import sanitize_body
from eoffice.web.forms import Form, show_refusal
from eoffice.web.http import attachment_response, int_arg
from workflows import incoming as incoming_flow
from workflows import outgoing as outgoing_flow
from workflows import roles as wf_roles

bp = Blueprint("outgoing", __name__, url_prefix="/outgoing")

PDF = "application/pdf"
TABS = ("drafts", "waiting", "issued")
INBOX_ROLES = (Role.CLERK, Role.LEADER)  # whose inbox delivery.inbox() fills

# What a stage's holder decided (OutgoingReview.decision), as the review card says it.
DECISION_LABELS = {
    "approved": "Đồng ý",
    "sent_back": "Trả lại để sửa",
    "rejected": "Không ban hành",
    "signed": "Đã ký ban hành",
    "not_reached": "Không đến lượt",
}
CHANNEL_LABELS = {"internal": "Trong hệ thống", "exchange": "Trục liên thông"}
VERSION_SOURCES = {"form": "Biểu mẫu", "docx": "Tệp DOCX"}
# The keys of the outgoing services' audit `changes`, for the history list.
CHANGE_LABELS = {
    "state": "Trạng thái",
    "subject": "Trích yếu",
    "stages": "Các bước kiểm tra",
    "stage": "Bước",
    "next": "Bước tiếp theo",
    "symbol": "Số, ký hiệu",
    "book": "Sổ đăng ký",
    "signer": "Người ký",
    "version": "Phiên bản",
    "files": "Tệp",
    "withdrawn": "Số bản đã thu hồi tại nơi nhận",
    "recipient": "Nơi nhận",
    "requests": "Số yêu cầu báo cáo",
    "schools": "Số trường",
}


def _label(name: str) -> str:
    transition = outgoing_flow.WORKFLOW.transition(name)
    return transition.label if transition else name


@dataclass(frozen=True)
class Step:
    label: str
    form: type[Form]
    run: Callable[[User, int, Any], OutgoingDocument]
    done: Callable[[OutgoingDocument], str]
    style: str = "btn-outline-primary"
    confirm: str | None = None  # asked before sending (app.js, data-confirm)


def _signed_message(doc: OutgoingDocument) -> str:
    return (
        f"Đã ký ban hành: số {doc.symbol}, ngày {format_date(doc.document_date)}. "
        "Bản PDF có chữ ký số đang được tạo và gửi đến nơi nhận."
    )


# In the order the buttons show: the step that moves the document on comes first.
STEPS: dict[str, Step] = {
    outgoing_flow.SUBMIT: Step(
        _label(outgoing_flow.SUBMIT),
        outgoing_forms.SubmitForm,
        lambda u, d, f: review.submit(u, d, f.note.data),
        lambda doc: "Đã trình duyệt dự thảo.",
        "btn-primary",
    ),
    outgoing_flow.APPROVE: Step(
        _label(outgoing_flow.APPROVE),
        outgoing_forms.ApproveForm,
        lambda u, d, f: review.approve(u, d, f.note.data),
        lambda doc: "Đã đồng ý; văn bản chuyển sang bước tiếp theo.",
        "btn-primary",
    ),
    outgoing_flow.SIGN: Step(
        _label(outgoing_flow.SIGN),
        outgoing_forms.SignForm,
        fresh_login_required(lambda u, d, f: issuing.sign(u, d, f.note.data)),
        _signed_message,
        "btn-success",
        "Ký ban hành văn bản? Văn bản sẽ được lấy số và gửi đến nơi nhận.",
    ),
    outgoing_flow.SEND_BACK: Step(
        _label(outgoing_flow.SEND_BACK),
        outgoing_forms.SendBackForm,
        lambda u, d, f: review.send_back(u, d, f.reason.data),
        lambda doc: "Đã trả lại dự thảo cho người soạn thảo.",
        "btn-outline-warning",
    ),
    outgoing_flow.REJECT: Step(
        _label(outgoing_flow.REJECT),
        outgoing_forms.RejectForm,
        lambda u, d, f: review.reject(u, d, f.reason.data),
        lambda doc: "Đã quyết định không ban hành văn bản.",
        "btn-outline-danger",
    ),
    outgoing_flow.RECALL: Step(
        _label(outgoing_flow.RECALL),
        outgoing_forms.RecallForm,
        lambda u, d, f: recall.recall(u, d, f.reason.data),
        lambda doc: "Đã thu hồi văn bản; các bản đã gửi trong hệ thống được hủy tại nơi nhận.",
        "btn-outline-danger",
        "Thu hồi văn bản đã ban hành? Số văn bản vẫn được giữ trong sổ.",
    ),
    outgoing_flow.DISCARD: Step(
        _label(outgoing_flow.DISCARD),
        outgoing_forms.DiscardForm,
        lambda u, d, f: review.discard(u, d, f.reason.data),
        lambda doc: "Đã hủy dự thảo; các phiên bản vẫn được lưu.",
        "btn-outline-danger",
        "Hủy dự thảo này? Dự thảo đã hủy không sửa hay trình tiếp được.",
    ),
}


# The list -----------------------------------------------------------------------------


@bp.get("")
def index():
    """Three tabs; without one chosen, what waits for the user if anything does."""
    include_closed = request.args.get("closed") == "1"
    waiting = queries.waiting_for(current_user)
    counts = queries.tab_counts(current_user, waiting, include_closed=include_closed)
    tab = request.args.get("tab")
    if tab not in TABS:
        tab = "waiting" if waiting.count else "drafts"
    cursor = request.args.get("cursor")
    per_page = current_app.config["PAGE_SIZE"]
    if tab == "drafts":
        page = queries.my_drafts_page(
            current_user, cursor, per_page, include_closed=include_closed, count=counts.drafts
        )
    elif tab == "waiting":
        page = queries.waiting_page(waiting, cursor, per_page)
    else:
        page = queries.issued_page(current_user, cursor, per_page, count=counts.issued)
    if page.refused:
        flash(BAD_CURSOR, "warning")
    return render_template(
        "outgoing/index.html",
        tab=tab,
        page=page,
        counts=counts,
        include_closed=include_closed,
        current_stage=current_stage,
        can_print_register=can_print_register(current_user),
        args={"tab": tab, **({"closed": "1"} if include_closed else {})},
    )


# The draft form -----------------------------------------------------------------------


def _visible_incoming(incoming_id: int | None) -> IncomingDocument | None:
    if not incoming_id:
        return None
    try:
        return incoming_access.get_visible(current_user, incoming_id)
    except NotFound:
        return None


def _symbol_pattern(form: DraftForm) -> tuple[str | None, str | None]:
    """(the symbol the chosen type and unit give, or why none can be made), for the hint."""
    doc_type = db.session.get(DocumentType, form.document_type_id.data or 0)
    if doc_type is None:
        return None, None
    unit = current_user.unit
    try:
        suffix = symbols.symbol_suffix(
            type_abbreviation=doc_type.abbreviation,
            issuer_abbreviation=current_user.organisation.short_name,
            unit_abbreviation=form.symbol_unit.data or (unit.short_name if unit else None),
        )
    except ValidationFailed as exc:
        return None, exc.message
    return f"Số/{suffix}", None


def _render_form(form: DraftForm, *, doc: OutgoingDocument | None = None, status: int = 200):
    rich_body = doc is not None and editable_text(doc.body_html) is None
    pattern, pattern_problem = _symbol_pattern(form)
    unit = current_user.unit
    return render_template(
        "outgoing/edit.html" if doc else "outgoing/new.html",
        form=form,
        doc=doc,
        rich_body=Markup(sanitize_body(doc.body_html)) if rich_body and doc else None,
        reply_to=_visible_incoming(form.reply_to_id.data),
        replaced=_visible_outgoing(form.replaces_id.data),
        org_short=current_user.organisation.short_name or "",
        unit_short=unit.short_name if unit and unit.short_name else "",
        symbol_pattern=pattern,
        symbol_problem=pattern_problem,
        max_upload=current_app.config["MAX_UPLOAD_BYTES"],
    ), status


def _visible_outgoing(doc_id: int | None) -> OutgoingDocument | None:
    if not doc_id:
        return None
    try:
        return get_visible(current_user, doc_id)
    except NotFound:
        return None


def _warn_files_lost(form: DraftForm) -> None:
    if request.files.getlist("appendix_files") and not form.appendix_files.errors:
        form.appendix_files.errors = [FILES_LOST]
    if request.files.getlist("files") and not form.files.errors:
        form.files.errors = [FILES_LOST]


@bp.route("/new", methods=["GET", "POST"])
def new():
    if request.method == "GET":
        reply_id = int_arg("reply_to", 0, min=1)
        replaced_id = int_arg("replaces", 0, min=1)
        if replaced_id:  # the old text, as paragraphs to correct
            prefill = drafting.replacement_input(current_user, replaced_id)
            text = editable_text(prefill.body_html)
            if text is None:
                text = "\n\n".join(body_blocks(prefill.body_html))
            return _render_form(
                DraftForm(current_user, data=DraftForm.data_from(prefill, plain_body=text))
            )
        if not reply_id:
            return _render_form(DraftForm(current_user))
        prefill = drafting.reply_input(current_user, reply_id)  # 404 if not visible
        return _render_form(
            DraftForm(current_user, data=DraftForm.data_from(prefill, plain_body=""))
        )
    form = DraftForm(current_user)
    if not form.validate_on_submit():
        _warn_files_lost(form)
        return _render_form(form, status=422)
    try:
        doc = drafting.create_draft(
            current_user, form.to_input(), uploads(), appendices=uploads("appendix_files")
        )
    except ValidationFailed as exc:
        apply_refusal(form, exc)
        _warn_files_lost(form)
        return _render_form(form, status=422)
    flash("Đã lưu dự thảo (phiên bản 1). Kiểm tra bản PDF rồi trình duyệt khi sẵn sàng.", "success")
    return redirect(url_for("outgoing.detail", doc_id=doc.id))


@bp.route("/<int:doc_id>/edit", methods=["GET", "POST"])
def edit(doc_id: int):
    doc = get_visible(current_user, doc_id)
    try:
        drafting.load_own_draft(current_user, doc.id)  # someone else's draft: 403
    except Conflict as exc:  # the drafter's own draft has moved on: say why, on it
        flash(exc.message, "warning")
        return redirect(url_for("outgoing.detail", doc_id=doc.id))
    if request.method == "GET":
        data = drafting.draft_input_from(doc)
        values = DraftForm.data_from(data, plain_body=editable_text(doc.body_html))
        return _render_form(DraftForm(current_user, current=doc, data=values), doc=doc)
    form = DraftForm(current_user, current=doc)
    if not form.validate_on_submit():
        _warn_files_lost(form)
        return _render_form(form, doc=doc, status=422)
    rich = doc.body_html if editable_text(doc.body_html) is None else None
    data = form.to_input(kept_body_html=rich, addressed=addressed_keys(doc.recipients))
    data.replaces_id = doc.replaces_id  # not on the form: a replacement stays one
    try:
        doc = drafting.update_draft(
            current_user,
            doc.id,
            data,
            uploads(),
            appendices=uploads("appendix_files"),
            note=form.note.data,
            source="form",
        )
    except ValidationFailed as exc:
        apply_refusal(form, exc)
        _warn_files_lost(form)
        return _render_form(form, doc=get_visible(current_user, doc_id), status=422)
    flash(
        f"Đã lưu phiên bản {doc.version} của dự thảo; các phiên bản trước vẫn được giữ.", "success"
    )
    return redirect(url_for("outgoing.detail", doc_id=doc.id))


# The document page --------------------------------------------------------------------


def step_names(user: User, doc: OutgoingDocument) -> list[str]:
    offered = {t.name for t in review.available_steps(user, doc)}
    return [name for name in STEPS if name in offered]


def _rounds(doc: OutgoingDocument) -> list[tuple[int, list[OutgoingReview]]]:
    rows = sorted(doc.reviews, key=lambda r: (r.round, r.position))
    return [(number, list(stages)) for number, stages in groupby(rows, key=lambda r: r.round)]


def _event_actors(doc: OutgoingDocument) -> dict[int, User]:
    ids = {e.actor_id for d in doc.deliveries for e in d.events if e.actor_id}
    if not ids:
        return {}
    return {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))}


def _versions(doc: OutgoingDocument) -> list[OutgoingVersion]:
    return list(
        db.session.scalars(
            select(OutgoingVersion)
            .where(OutgoingVersion.document_id == doc.id)
            .order_by(OutgoingVersion.number.desc())
        )
    )


def _version_list(doc: OutgoingDocument) -> list[OutgoingVersion]:
    """The document page's list of versions: who saved which, when and how; not their
    bodies (the comparison page reads those), and each author loaded once."""
    return list(
        db.session.scalars(
            select(OutgoingVersion)
            .where(OutgoingVersion.document_id == doc.id)
            .options(
                load_only(
                    OutgoingVersion.number,
                    OutgoingVersion.source,
                    OutgoingVersion.note,
                    OutgoingVersion.created_by_id,
                    OutgoingVersion.created_at,
                ),
                selectinload(OutgoingVersion.created_by).lazyload(User.role_rows),
            )
            .order_by(OutgoingVersion.number.desc())
        )
    )


def _planned_symbol(doc: OutgoingDocument) -> tuple[str | None, str | None]:
    """What the symbol will look like once numbered, or why it cannot be made yet."""
    try:
        return f"Số/{issuing.symbol_suffix_for(doc)}", None
    except ValidationFailed as exc:
        return None, exc.message


def _load_deliveries(doc: OutgoingDocument) -> None:
    """The deliveries with their events in two queries (a directive has thousands of
    recipients: one query per delivery's events would be thousands)."""
    rows = db.session.scalars(
        select(Delivery)
        .where(Delivery.outgoing_id == doc.id)
        .options(selectinload(Delivery.events))
        .order_by(Delivery.id)
    ).all()
    set_committed_value(doc, "deliveries", list(rows))


def _load_attachments(doc: OutgoingDocument) -> None:
    """The files with their signed copies in two queries (not one more per file)."""
    rows = db.session.scalars(
        select(OutgoingAttachment)
        .where(OutgoingAttachment.document_id == doc.id)
        .options(selectinload(OutgoingAttachment.signed_file))
        .order_by(OutgoingAttachment.position, OutgoingAttachment.id)
    ).all()
    set_committed_value(doc, "attachments", list(rows))


def _load_named(doc: OutgoingDocument) -> None:
    """The signer, drafter, drafting unit and book the page names, in one query rather
    than a lazy load each (and the people's roles only if something asks for them)."""
    db.session.scalars(
        select(OutgoingDocument)
        .where(OutgoingDocument.id == doc.id)
        .options(
            lazyload("*"),
            load_only(OutgoingDocument.id),
            joinedload(OutgoingDocument.signer).lazyload(User.role_rows),
            joinedload(OutgoingDocument.drafter).lazyload(User.role_rows),
            joinedload(OutgoingDocument.drafting_unit),
            joinedload(OutgoingDocument.register_book),
        )
    ).one()


def render_detail(
    doc: OutgoingDocument,
    *,
    failed: tuple[str, Form] | None = None,
    word_form: outgoing_forms.WordUploadForm | None = None,
    status=200,
):
    """The document page; `failed` is a step's form to show open, with its errors, and
    `word_form` the Word upload that was refused, with its errors."""
    _load_named(doc)
    if doc.number is not None:
        _load_deliveries(doc)
    _load_attachments(doc)
    names = step_names(current_user, doc)
    if failed and failed[0] not in names:  # its errors must still be seen
        names.append(failed[0])
    steps = [
        (
            name,
            STEPS[name],
            failed[1] if failed and failed[0] == name else STEPS[name].form(prefix=name),
        )
        for name in names
    ]
    stage = current_stage(doc)
    planned, planned_problem = (None, None) if doc.symbol else _planned_symbol(doc)
    return render_template(
        "outgoing/detail.html",
        doc=doc,
        body=Markup(sanitize_body(doc.body_html)),
        steps=steps,
        open_step=failed[0] if failed else None,
        can_edit=drafting.can_edit(current_user, doc),
        word_form=word_form or outgoing_forms.WordUploadForm(prefix=WORD_PREFIX),
        can_send_again=forwarding.can_send_again,
        can_republish=issuing.can_republish,
        rounds=_rounds(doc),
        current=stage,
        holds_current=stage is not None and holds_stage(current_user, doc, stage),
        decision_labels=DECISION_LABELS,
        channel_labels=CHANNEL_LABELS,
        status_labels=DELIVERY_STATUS_LABELS,
        event_actors=_event_actors(doc),
        versions=_version_list(doc),
        version_sources=VERSION_SOURCES,
        reply_to=_visible_incoming(doc.reply_to_id),
        planned_symbol=planned,
        planned_problem=planned_problem,
        events=history(drafting.SUBJECT, doc.id),
        change_labels=CHANGE_LABELS,
        inline_kinds=INLINE_KINDS,
        report_requests=requests_of(doc.id),
        recipients=queries.recipient_summary(doc),
    ), status


@bp.get("/<int:doc_id>")
def detail(doc_id: int):
    doc = get_visible(current_user, doc_id)
    secret_access.log_opened(current_user, "outgoing", doc)
    return render_detail(doc)


@bp.post("/<int:doc_id>/steps/<step>")
def take_step(doc_id: int, step: str):
    spec = STEPS.get(step)
    if spec is None:
        abort(404)
    doc = get_visible(current_user, doc_id)
    form = spec.form(prefix=step)
    if not form.validate_on_submit():
        return render_detail(doc, failed=(step, form), status=422)
    try:
        doc = spec.run(current_user, doc.id, form)
    except ValidationFailed as exc:
        show_refusal(form, exc)
        return render_detail(get_visible(current_user, doc_id), failed=(step, form), status=422)
    flash(spec.done(doc), "success")
    return redirect(url_for("outgoing.detail", doc_id=doc_id, _anchor="trinh-duyet"))


# Files --------------------------------------------------------------------------------


def _file_name(doc: OutgoingDocument, suffix: str = "") -> str:
    base = doc.symbol.replace("/", "-") if doc.symbol else f"Du-thao-van-ban-di-{doc.id}"
    return f"{base}{suffix}.pdf"


@bp.get("/<int:doc_id>/preview.pdf")
def preview_pdf(doc_id: int):
    """The current content in the legal layout, rendered now and not kept: for checking.

    The legal file is the signed one; a preview of an issued document says so by its name.
    """
    doc = get_visible(current_user, doc_id)
    rendered = render_outgoing_pdf(issuing.layout_for(doc))
    name = _file_name(doc, "-ban-xem" if doc.symbol else "")
    secret_access.log_downloaded(current_user, "outgoing", doc, name)
    return attachment_response(io.BytesIO(rendered.pdf), name, PDF, inline=True)


@bp.get("/<int:doc_id>/signed.pdf")
def signed_pdf(doc_id: int):
    doc = get_visible(current_user, doc_id)
    if doc.signed_file is None:
        abort(404)
    secret_access.log_downloaded(current_user, "outgoing", doc, _file_name(doc))
    return attachment_response(
        file_store().open(doc.signed_file.sha256),
        _file_name(doc),
        PDF,
        inline=request.args.get("inline") == "1",
    )


@bp.get("/<int:doc_id>/files/<int:attachment_id>")
def download(doc_id: int, attachment_id: int):
    doc = get_visible(current_user, doc_id)
    attachment = next((a for a in doc.attachments if a.id == attachment_id), None)
    if attachment is None:
        abort(404)
    stored = attachment.sent_file  # once published, the copy the organisation signed
    secret_access.log_downloaded(current_user, "outgoing", doc, attachment.original_name)
    inline = request.args.get("inline") == "1" and stored.kind in INLINE_KINDS
    return attachment_response(
        file_store().open(stored.sha256), attachment.original_name, stored.mime_type, inline=inline
    )


# Working in Word ----------------------------------------------------------------------

WORD_PREFIX = "word"  # the upload form's field names on the document page (word-file)


@bp.get("/<int:doc_id>/word")
def word_download(doc_id: int):
    """The document as an editable DOCX, worded like its PDF (outgoing.word)."""
    doc = get_visible(current_user, doc_id)
    data, name = word.export_draft(current_user, doc.id)
    secret_access.log_downloaded(current_user, "outgoing", doc, name)
    return attachment_response(io.BytesIO(data), name, word.DOCX_MIME, inline=False)


@bp.post("/<int:doc_id>/word")
def word_upload(doc_id: int):
    """The drafter's edited DOCX becomes the next version; refusals are shown on the page."""
    doc = get_visible(current_user, doc_id)
    form = outgoing_forms.WordUploadForm(prefix=WORD_PREFIX)
    if not form.validate_on_submit():
        return render_detail(doc, word_form=form, status=422)
    try:
        upload = word.upload_docx(
            current_user, doc.id, form.file.data.read(), note=form.note.data or None
        )
    except NotFound:
        raise
    except ServiceError as exc:  # not the drafter, no longer a draft, a bad file, a full disk
        show_refusal(form, exc)
        # A full disk is a refusal of the form like any other here (422, as on every
        # upload page); 507 is the API's answer.
        status = 422 if isinstance(exc, ValidationFailed) else exc.status_code
        return render_detail(get_visible(current_user, doc_id), word_form=form, status=status)
    flash("Đã lưu phiên bản mới từ tệp Word.", "success")
    if upload.warnings:
        items = Markup("").join(Markup("<li>{}</li>").format(w) for w in upload.warnings)
        flash(
            Markup('Lưu ý khi đọc tệp Word:<ul class="mb-0 word-warnings">{}</ul>').format(items),
            "warning",
        )
    return redirect(url_for("outgoing.detail", doc_id=doc.id, _anchor="versions"))


# Versions -----------------------------------------------------------------------------


@bp.get("/<int:doc_id>/versions/compare")
def compare(doc_id: int):
    """Two versions side by side: by default the latest and the one before it."""
    doc = get_visible(current_user, doc_id)
    secret_access.log_opened(current_user, "outgoing", doc)  # its text, as the page shows it
    versions = {v.number: v for v in _versions(doc)}
    form = outgoing_forms.CompareForm(request.args)
    form.validate()
    new_number = form.new.data if form.new.data in versions else doc.version
    old_number = form.old.data if form.old.data in versions else new_number - 1
    form.old.data, form.new.data = old_number, new_number
    old, new_version = versions.get(old_number), versions.get(new_number)
    changes = []
    if old is not None and new_version is not None:
        changes = compare_versions(
            *(VersionView(v.number, v.subject, v.body_html, v.fields) for v in (old, new_version))
        )
    return render_template(
        "outgoing/compare.html",
        doc=doc,
        form=form,
        numbers=sorted(versions),
        old=old,
        new=new_version,
        changes=changes,
        version_sources=VERSION_SOURCES,
    )


# The inbox ----------------------------------------------------------------------------


def _inbox_reader() -> None:
    if not current_user.has_role(*INBOX_ROLES):
        abort(403)


def render_inbox(*, failed: tuple[int, Form] | None = None, status: int = 200):
    """The inbox's page named by the request's cursor (a refusal posted from a page is
    shown again on that page, where its row is)."""
    cursor = request.args.get("cursor")
    page = delivery.inbox_page(current_user, cursor, current_app.config["PAGE_SIZE"])
    if page.refused:
        flash(BAD_CURSOR, "warning")
    return render_template(
        "outgoing/inbox.html",
        page=page,
        cursor=None if page.refused else cursor,
        can_register=current_user.has_role(Role.CLERK),
        register_form=outgoing_forms.RegisterDeliveryForm(),
        reject_forms={failed[0]: failed[1]} if failed else {},
        new_reject_form=lambda delivery_id: outgoing_forms.RejectDeliveryForm(
            prefix=f"reject-{delivery_id}"
        ),
        open_reject=failed[0] if failed else None,
    ), status


@bp.get("/inbox")
def inbox():
    """Documents other offices of the deployment issued to this one, waiting to be registered."""
    _inbox_reader()
    return render_inbox()


@bp.get("/inbox/<int:delivery_id>/document.pdf")
def inbox_document(delivery_id: int):
    """The signed PDF as it arrived, to read before registering or refusing it."""
    data, name = delivery.signed_copy(current_user, delivery_id)
    copy = delivery.get_for_recipient(current_user, delivery_id)
    mark_read(current_user, copy)
    # Read by the recipient office: logged in the sending office's log (its document).
    secret_access.log_downloaded(current_user, "outgoing", copy.outgoing, name)
    return attachment_response(io.BytesIO(data), name, PDF, inline=True)


@bp.post("/<int:doc_id>/deliveries/<int:delivery_id>/send-again")
def send_again(doc_id: int, delivery_id: int):
    """Gửi lại một lượt gửi qua trục liên thông (failed, or stuck in the queue)."""
    forwarding.send_again(current_user, delivery_id)
    flash("Đã xếp lại văn bản vào hàng đợi gửi qua trục liên thông.", "success")
    return redirect(url_for("outgoing.detail", doc_id=doc_id, _anchor="deliveries"))


@bp.post("/<int:doc_id>/republish")
def republish(doc_id: int):
    issuing.republish(current_user, doc_id)
    flash("Đã yêu cầu tạo lại bản ký số và gửi văn bản; tải lại trang sau ít phút.", "success")
    return redirect(url_for("outgoing.detail", doc_id=doc_id))


@bp.post("/inbox/<int:delivery_id>/register")
def register_delivery(delivery_id: int):
    _inbox_reader()
    form = outgoing_forms.RegisterDeliveryForm()
    if not form.validate_on_submit():
        flash("Biểu mẫu không hợp lệ, vui lòng tải lại trang và thử lại.", "danger")
        return redirect(url_for("outgoing.inbox"))
    incoming = delivery.register_delivery(current_user, delivery_id)
    flash(
        f"Đã vào sổ: số đến {incoming.arrival_number}, ngày {format_date(incoming.arrived_at)}.",
        "success",
    )
    return redirect(url_for("incoming.detail", doc_id=incoming.id))


@bp.post("/inbox/<int:delivery_id>/reject")
def reject_delivery(delivery_id: int):
    _inbox_reader()
    form = outgoing_forms.RejectDeliveryForm(prefix=f"reject-{delivery_id}")
    if not form.validate_on_submit():
        return render_inbox(failed=(delivery_id, form), status=422)
    try:
        refused = delivery.reject_delivery(current_user, delivery_id, form.reason.data)
    except ValidationFailed as exc:
        show_refusal(form, exc)
        return render_inbox(failed=(delivery_id, form), status=422)
    flash(
        f"Đã từ chối tiếp nhận văn bản {refused.outgoing.symbol}; lý do đã được gửi về nơi gửi.",
        "success",
    )
    return redirect(url_for("outgoing.inbox"))


# The incoming document page's "reply" button -------------------------------------------


@bp.app_template_global()
def can_draft_reply(doc: IncomingDocument) -> bool:
    """The lead handler of an open incoming document may answer it with a draft."""
    if doc.state not in incoming_flow.OPEN_STATES:
        return False
    return wf_roles.LEAD_HANDLER in incoming_involvement.document_roles(current_user, doc)
