"""/api/v1/outgoing and /api/v1/inbox: drafting, review, signing, the signed PDF, delivery.

Routes on the same `api` blueprint as api.views (so the same Bearer authentication and
JSON errors apply); api.views imports this module once its blueprint exists. Thin like
every view: parse (api.outgoing_parsing) → check access → call the outgoing service →
serialise (api.outgoing_schemas). Each workflow step gets its own route from
outgoing_parsing.STEPS, so each is documented with its own body.
"""

from __future__ import annotations

import io

from flask import current_app, jsonify, request, url_for

from eoffice.api import outgoing_parsing as parsing
from eoffice.api import outgoing_queries as queries
from eoffice.api import outgoing_schemas as shapes
from eoffice.api.auth import api_user
from eoffice.api.paging import page_json, parse_page_query
from eoffice.api.parsing import encode_cursor
from eoffice.api.schemas import document_detail_json
from eoffice.api.steps import Step, parse_body
from eoffice.api.views import DEFAULT_LIMIT, FORM_TYPES, JSON_TYPES, _check_id, _step_body, bp
from eoffice.core import secret_access
from eoffice.core.audit import history
from eoffice.core.errors import NotFound
from eoffice.incoming.attachments import file_store
from eoffice.outgoing import delivery, drafting, word
from eoffice.outgoing.involvement import get_visible
from eoffice.web.errors import api_error
from eoffice.web.http import attachment_response

MSG_JSON_ONLY = "Chỉ nhận nội dung application/json (tệp đính kèm mã hóa base64)."
MSG_FORM_ONLY = "Chỉ nhận nội dung multipart/form-data (tệp DOCX trong trường “file”)."
MSG_STEP_JSON_ONLY = "Các bước xử lý chỉ nhận nội dung application/json."
MSG_NOT_SIGNED = (
    "Văn bản chưa có bản PDF đã ký số: bản này có sau khi người ký ký ban hành và hệ thống "
    "ký số xong (thường trong vài phút)."
)


def _json_only(message: str = MSG_JSON_ONLY):
    return api_error(415, "unsupported_media_type", message)


def _detail(doc, status: int = 200):
    response = jsonify(shapes.outgoing_detail_json(doc, api_user()))
    response.status_code = status
    return response


@bp.get("/outgoing")
def list_outgoing():
    max_limit = current_app.config["API_PAGE_SIZE_MAX"]
    query = parsing.parse_outgoing_query(
        request.args, default_limit=min(DEFAULT_LIMIT, max_limit), max_limit=max_limit
    )
    page = queries.outgoing_page(api_user(), query)
    return jsonify(
        {
            "items": [shapes.outgoing_json(doc) for doc in page.items],
            "limit": query.limit,
            "next_cursor": encode_cursor(page.next_key) if page.next_key else None,
        }
    )


@bp.get("/outgoing/choices")
def outgoing_choices():
    user = api_user()
    return jsonify(
        shapes.choices_json(
            user, queries.signers_of(user.org_id), queries.member_organisations(user.org_id)
        )
    )


@bp.post("/outgoing")
def create_outgoing():
    if request.mimetype not in JSON_TYPES:
        return _json_only()
    user = api_user()
    body = parsing.draft_from_json(request.get_json(silent=True), with_note=False)
    doc = drafting.create_draft(user, body.data, body.uploads)
    response = _detail(doc, 201)
    response.headers["Location"] = url_for("api.get_outgoing", doc_id=doc.id)
    return response


@bp.get("/outgoing/<int:doc_id>")
def get_outgoing(doc_id: int):
    _check_id(doc_id)
    doc = get_visible(api_user(), doc_id)
    secret_access.log_opened(api_user(), "outgoing", doc)
    return _detail(doc)


@bp.put("/outgoing/<int:doc_id>")
def update_outgoing(doc_id: int):
    _check_id(doc_id)
    user = api_user()
    get_visible(user, doc_id)  # someone else's draft: 404 before anything
    if request.mimetype not in JSON_TYPES:
        return _json_only()
    body = parsing.draft_from_json(request.get_json(silent=True), with_note=True)
    doc = drafting.update_draft(user, doc_id, body.data, body.uploads, note=body.note)
    return _detail(doc)


@bp.get("/outgoing/<int:doc_id>/docx")
def outgoing_docx(doc_id: int):
    """The document as an editable DOCX, worded like its PDF (outgoing.word)."""
    _check_id(doc_id)
    user = api_user()
    doc = get_visible(user, doc_id)
    data, name = word.export_draft(user, doc.id)
    secret_access.log_downloaded(user, "outgoing", doc, name)
    return attachment_response(io.BytesIO(data), name, word.DOCX_MIME, inline=False)


@bp.put("/outgoing/<int:doc_id>/docx")
def upload_outgoing_docx(doc_id: int):
    """The edited DOCX becomes the draft's next version (the drafter, while a draft)."""
    _check_id(doc_id)
    user = api_user()
    get_visible(user, doc_id)  # someone else's draft: 404 before anything
    if request.mimetype not in FORM_TYPES:
        return api_error(415, "unsupported_media_type", MSG_FORM_ONLY)
    data, note = parsing.docx_from_form(request.form, request.files)
    upload = word.upload_docx(user, doc_id, data, note=note)
    return jsonify(
        {
            "document": shapes.outgoing_detail_json(upload.doc, user),
            "warnings": upload.warnings,
        }
    )


@bp.get("/outgoing/<int:doc_id>/files/<int:attachment_id>")
def download_outgoing_file(doc_id: int, attachment_id: int):
    _check_id(doc_id, attachment_id)
    doc = get_visible(api_user(), doc_id)
    found = next((a for a in doc.attachments if a.id == attachment_id), None)
    if found is None:
        raise NotFound("Không tìm thấy tệp đính kèm này.")
    secret_access.log_downloaded(api_user(), "outgoing", doc, found.original_name)
    stored = found.stored_file
    return attachment_response(
        file_store().open(stored.sha256), found.original_name, stored.mime_type, inline=False
    )


@bp.get("/outgoing/<int:doc_id>/signed.pdf")
def signed_pdf(doc_id: int):
    _check_id(doc_id)
    doc = get_visible(api_user(), doc_id)
    if doc.signed_file is None:
        raise NotFound(MSG_NOT_SIGNED)
    name = f"{(doc.symbol or str(doc.id)).replace('/', '-')}.pdf"
    secret_access.log_downloaded(api_user(), "outgoing", doc, name)
    return attachment_response(
        file_store().open(doc.signed_file.sha256), name, "application/pdf", inline=False
    )


@bp.get("/outgoing/<int:doc_id>/deliveries")
def outgoing_deliveries(doc_id: int):
    _check_id(doc_id)
    doc = get_visible(api_user(), doc_id)
    return jsonify({"items": [shapes.delivery_json(d) for d in doc.deliveries]})


def _step_view(step: Step):
    def take_step(doc_id: int):
        _check_id(doc_id)
        user = api_user()
        get_visible(user, doc_id)  # a document the user may not see: 404 before anything
        if request.get_data() and request.mimetype not in JSON_TYPES:
            return _json_only(MSG_STEP_JSON_ONLY)
        given = parse_body(step, _step_body())
        return _detail(step.run(user, doc_id, given))

    take_step.__doc__ = f"POST /outgoing/<id>/steps/{step.name}: {step.label}."
    return take_step


for _step in parsing.STEPS.values():
    bp.add_url_rule(
        f"/outgoing/<int:doc_id>/steps/{_step.name}",
        endpoint=f"outgoing_step_{_step.name}",
        view_func=_step_view(_step),
        methods=["POST"],
    )


# The recipient's side ----------------------------------------------------------------------


@bp.get("/inbox")
def inbox():
    """One keyset page of the inbox, oldest first (empty for anyone but its clerks and
    leaders), walked with the same cursors as the page."""
    max_limit = current_app.config["API_PAGE_SIZE_MAX"]
    query = parse_page_query(
        request.args,
        delivery.INBOX_ORDER,
        default_limit=min(DEFAULT_LIMIT, max_limit),
        max_limit=max_limit,
    )
    page = delivery.inbox_page(api_user(), query.cursor, query.limit)
    return jsonify(page_json(page, [shapes.inbox_item_json(d) for d in page.items], query.limit))


@bp.post("/inbox/<int:delivery_id>/register")
def register_delivery(delivery_id: int):
    _check_id(delivery_id)
    user = api_user()
    delivery.get_for_recipient(user, delivery_id)  # another office's copy: 404 first
    if request.get_data() and request.mimetype not in JSON_TYPES:
        return _json_only(MSG_STEP_JSON_ONLY)
    book_code = parsing.book_code_from_json(_step_body(), user.org_id)
    incoming = delivery.register_delivery(user, delivery_id, book_code=book_code)
    response = jsonify(document_detail_json(incoming, history("incoming", incoming.id), user))
    response.status_code = 201
    response.headers["Location"] = url_for("api.get_incoming", doc_id=incoming.id)
    return response


@bp.post("/inbox/<int:delivery_id>/reject")
def reject_delivery(delivery_id: int):
    _check_id(delivery_id)
    user = api_user()
    delivery.get_for_recipient(user, delivery_id)
    if request.get_data() and request.mimetype not in JSON_TYPES:
        return _json_only(MSG_STEP_JSON_ONLY)
    step = parsing.REJECT_DELIVERY
    refused = step.run(user, delivery_id, parse_body(step, _step_body()))
    return jsonify(shapes.inbox_item_json(refused))


@bp.get("/inbox/<int:delivery_id>/signed.pdf")
def inbox_signed_pdf(delivery_id: int):
    """The signed PDF of a copy waiting for the clerk: read it before registering."""
    _check_id(delivery_id)
    user = api_user()
    data, name = delivery.signed_copy(user, delivery_id)
    copy = delivery.get_for_recipient(user, delivery_id)
    secret_access.log_downloaded(user, "outgoing", copy.outgoing, name)
    return attachment_response(io.BytesIO(data), name, "application/pdf", inline=False)
