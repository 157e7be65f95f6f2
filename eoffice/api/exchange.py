"""/api/v1/exchange: the clerk's exchange inbox, "Kiểm tra ngay", "Đã kiểm tra" and the
packet log, for software that works the inter-agency exchange on an office's behalf.

Routes on the same `api` blueprint as api.views (so the same Bearer authentication and
JSON errors apply); api.views imports this module once its blueprint exists. Thin like
every view: parse (api.exchange_parsing) → check access → call the exchange service →
serialise (api.exchange_schemas). Access is the services': another organisation's
packet is not found (404), a role that may not see or answer it is refused (403), before
a body is read.
"""

from __future__ import annotations

import io

from flask import current_app, jsonify, request, url_for

from eoffice.api import exchange_parsing as parsing
from eoffice.api import exchange_schemas as shapes
from eoffice.api.auth import api_user
from eoffice.api.outgoing_parsing import book_code_from_json
from eoffice.api.paging import page_json, parse_page_query
from eoffice.api.schemas import document_detail_json
from eoffice.api.steps import Step, parse_body
from eoffice.api.views import (
    DEFAULT_LIMIT,
    _check_id,
    _step_body,
    body_not_json,
    bp,
    json_only,
)
from eoffice.core.audit import history
from eoffice.core.errors import Forbidden, NotFound
from eoffice.exchange import checks, inbox, packet_log
from eoffice.web.http import attachment_response

MSG_NO_FILE = "Không tìm thấy tệp này trong văn bản."


def _detail(packet_id: int):
    user = api_user()
    return jsonify(shapes.inbox_detail_json(inbox.get(user, packet_id), user))


# The exchange inbox ----------------------------------------------------------------------


@bp.get("/exchange/inbox")
def exchange_inbox():
    """One keyset page of the exchange inbox (documents and recall requests), oldest
    first, walked with the same cursors as the page."""
    user = api_user()
    if not user.has_role(*inbox.READERS):
        raise Forbidden(inbox.READERS_ONLY)
    max_limit = current_app.config["API_PAGE_SIZE_MAX"]
    query = parse_page_query(
        request.args,
        inbox.INBOX_ORDER,
        default_limit=min(DEFAULT_LIMIT, max_limit),
        max_limit=max_limit,
    )
    page = inbox.awaiting_page(user, query.cursor, query.limit)
    return jsonify(
        page_json(page, [shapes.inbox_item_json(row) for row in page.items], query.limit)
    )


@bp.get("/exchange/inbox/<int:packet_id>")
def get_exchange_packet(packet_id: int):
    _check_id(packet_id)
    return _detail(packet_id)


@bp.get("/exchange/inbox/<int:packet_id>/files/<int:index>")
def download_exchange_file(packet_id: int, index: int):
    """A file as it arrived, by its position in the packet (1 = the first)."""
    _check_id(packet_id, index)
    files = inbox.files(api_user(), packet_id)
    if index > len(files):
        raise NotFound(MSG_NO_FILE)
    found = files[index - 1]
    return attachment_response(io.BytesIO(found.data), found.name, found.mime, inline=False)


@bp.post("/exchange/inbox/<int:packet_id>/register")
def register_exchange_packet(packet_id: int):
    _check_id(packet_id)
    user = api_user()
    inbox.get(user, packet_id)  # another office's packet: 404; staff: 403, before anything
    if body_not_json():
        return json_only()
    book_code = book_code_from_json(_step_body(), user.org_id)
    incoming = inbox.register(user, packet_id, book_code)
    response = jsonify(document_detail_json(incoming, history("incoming", incoming.id), user))
    response.status_code = 201
    response.headers["Location"] = url_for("api.get_incoming", doc_id=incoming.id)
    return response


def _answer_view(step: Step):
    def answer(packet_id: int):
        _check_id(packet_id)
        user = api_user()
        inbox.get(user, packet_id)
        if body_not_json():
            return json_only()
        step.run(user, packet_id, parse_body(step, _step_body()))
        return _detail(packet_id)

    answer.__doc__ = f"POST /exchange/inbox/<id>/…: {step.label}."
    return answer


for _path, _step in (
    ("reject", parsing.REJECT),
    ("accept-recall", parsing.ACCEPT_RECALL),
    ("refuse-recall", parsing.REFUSE_RECALL),
):
    bp.add_url_rule(
        f"/exchange/inbox/<int:packet_id>/{_path}",
        endpoint=_step.name,
        view_func=_answer_view(_step),
        methods=["POST"],
    )


# Check times -----------------------------------------------------------------------------


@bp.post("/exchange/check")
def exchange_check():
    """Kiểm tra ngay. A hub that cannot be reached is a result too (the run is recorded as
    failed, the message says why), exactly as the clerk's button reports it."""
    if body_not_json():
        return json_only()
    parse_body(parsing.NO_INPUT, _step_body())
    return jsonify(shapes.check_result_json(checks.check_now(api_user())))


@bp.post("/exchange/checks/confirm")
def confirm_exchange_check():
    """Đã kiểm tra: answers the check time whose period contains this moment, once."""
    if body_not_json():
        return json_only()
    parse_body(parsing.NO_INPUT, _step_body())
    return jsonify(shapes.confirmation_json(checks.confirm(api_user())))


# The packet log --------------------------------------------------------------------------


@bp.get("/exchange/packets")
def exchange_packets():
    max_limit = current_app.config["API_PAGE_SIZE_MAX"]
    query = parsing.parse_packet_query(
        request.args, default_limit=min(DEFAULT_LIMIT, max_limit), max_limit=max_limit
    )
    entries, next_cursor = packet_log.log_page(api_user(), query.filter, query.cursor, query.limit)
    return jsonify(
        {
            "items": [shapes.log_entry_json(entry) for entry in entries],
            "limit": query.limit,
            "next_cursor": parsing.encode_log_cursor(next_cursor) if next_cursor else None,
        }
    )
