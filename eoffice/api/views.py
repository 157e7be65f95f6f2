"""The /api/v1 blueprint: JSON over the incoming register, authenticated by API tokens.

Thin like every view: parse (api.parsing, api.steps) → check access → call the service
or query → serialise (api.schemas). Service refusals become the JSON error format in
eoffice.web.errors; the errors built here are the duplicate warning, which carries the
earlier entries so a client can show them before confirming, and the 415s of bodies that
are neither JSON nor a form. Processing steps get one route each, from api.steps.STEPS,
so each is documented with its own body.
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request, url_for

from eoffice.api import parsing, queries, schemas, steps
from eoffice.api.auth import api_user, authenticate
from eoffice.api.openapi import build_spec
from eoffice.catalog.calendar import office_calendar
from eoffice.catalog.models import ConfidentialityLevel, UrgencyLevel
from eoffice.core import secret_access
from eoffice.core.audit import history
from eoffice.core.errors import Forbidden, NotFound
from eoffice.core.timeutil import now_utc
from eoffice.incoming import services
from eoffice.incoming.access import can_register, get_visible
from eoffice.incoming.attachments import file_store, get_attachment
from eoffice.incoming.models import IncomingAttachment, ResultFile
from eoffice.incoming.results import get_result_file
from eoffice.web.errors import api_error
from eoffice.web.http import attachment_response

bp = Blueprint("api", __name__, url_prefix="/api/v1")
bp.before_request(authenticate)

DEFAULT_LIMIT = 50
JSON_TYPES = ("application/json",)
FORM_TYPES = ("multipart/form-data",)
MSG_JSON_ONLY = "Chỉ nhận nội dung application/json."


def json_only(message: str = MSG_JSON_ONLY):
    """415: the body was not JSON."""
    return api_error(415, "unsupported_media_type", message)


def body_not_json() -> bool:
    """A body was sent, and not as JSON (an empty body is fine where nothing is needed)."""
    return bool(request.get_data()) and request.mimetype not in JSON_TYPES


def body_needs_json() -> bool:
    """Bodies that carry what the step needs: JSON and nothing else."""
    return request.mimetype not in JSON_TYPES


def _check_id(*ids: int) -> None:
    """Ids beyond 32 bits exist nowhere; refuse them before a database sees them."""
    if any(not 0 < value <= parsing.MAX_ID for value in ids):
        raise NotFound()


@bp.get("/me")
def me():
    return jsonify(schemas.me_json(api_user()))


@bp.get("/me/work")
def my_work():
    max_limit = current_app.config["API_PAGE_SIZE_MAX"]
    query = parsing.parse_work_query(
        request.args, default_limit=min(DEFAULT_LIMIT, max_limit), max_limit=max_limit
    )
    page = queries.open_parts_page(api_user(), query.limit, query.after)
    now, calendar = now_utc(), office_calendar()
    return jsonify(
        {
            "items": [schemas.work_item_json(part, now, calendar) for part in page.items],
            "limit": query.limit,
            "next_cursor": parsing.encode_work_cursor(page.next_key) if page.next_key else None,
        }
    )


@bp.get("/catalog")
def catalog():
    org_id = api_user().org_id
    return jsonify(
        schemas.catalog_json(
            document_types=queries.document_types(),
            urgency_levels=queries.levels(UrgencyLevel),
            confidentiality_levels=queries.levels(ConfidentialityLevel),
            register_books=queries.incoming_books(org_id),
            units=queries.units_of(org_id),
            users=queries.users_of(org_id),
        )
    )


@bp.get("/incoming")
def list_incoming():
    max_limit = current_app.config["API_PAGE_SIZE_MAX"]
    query = parsing.parse_list_query(
        request.args, default_limit=min(DEFAULT_LIMIT, max_limit), max_limit=max_limit
    )
    page = queries.incoming_page(api_user(), query.filters, query.limit, query.after)
    return jsonify(
        {
            "items": [schemas.document_json(doc) for doc in page.items],
            "limit": query.limit,
            "next_cursor": parsing.encode_cursor(page.next_key) if page.next_key else None,
        }
    )


@bp.get("/incoming/<int:doc_id>")
def get_incoming(doc_id: int):
    _check_id(doc_id)
    user = api_user()
    doc = get_visible(user, doc_id)
    secret_access.log_opened(user, "incoming", doc)
    return jsonify(schemas.document_detail_json(doc, history("incoming", doc.id), user))


@bp.post("/incoming")
def create_incoming():
    user = api_user()
    if not can_register(user):
        raise Forbidden("Chỉ văn thư mới được vào sổ văn bản đến.")
    if request.mimetype in JSON_TYPES:
        registration = parsing.registration_from_json(request.get_json(silent=True), user.org_id)
    elif request.mimetype in FORM_TYPES:
        registration = parsing.registration_from_form(request.form, request.files, user.org_id)
    else:
        return api_error(
            415,
            "unsupported_media_type",
            "Chỉ nhận nội dung application/json hoặc multipart/form-data.",
        )
    try:
        doc = services.register_incoming(
            user,
            registration.data,
            registration.uploads,
            confirm_duplicate=registration.confirm_duplicate,
        )
    except services.DuplicateSuspected as exc:
        return _duplicate_error(exc)
    response = jsonify(schemas.document_detail_json(doc, history("incoming", doc.id), user))
    response.status_code = 201
    response.headers["Location"] = url_for("api.get_incoming", doc_id=doc.id)
    return response


def _duplicate_error(exc: services.DuplicateSuspected):
    """The common error body, plus the earlier entries under error.duplicates."""
    response, status = api_error(exc.status_code, exc.code, exc.message)
    body = response.get_json()
    body["error"]["duplicates"] = [schemas.duplicate_json(d) for d in exc.duplicates]
    return jsonify(body), status


@bp.get("/incoming/<int:doc_id>/files/<int:attachment_id>")
def download_file(doc_id: int, attachment_id: int):
    _check_id(doc_id, attachment_id)
    return _download(get_attachment(api_user(), doc_id, attachment_id), doc_id)


@bp.get("/incoming/<int:doc_id>/results/<int:file_id>")
def download_result(doc_id: int, file_id: int):
    _check_id(doc_id, file_id)
    return _download(get_result_file(api_user(), doc_id, file_id), doc_id)


def _download(found: IncomingAttachment | ResultFile, doc_id: int):
    secret_access.log_downloaded_by_id(api_user(), "incoming", doc_id, found.original_name)
    stored = found.stored_file
    return attachment_response(
        file_store().open(stored.sha256), found.original_name, stored.mime_type, inline=False
    )


def _step_body() -> object:
    """The JSON body of a step; an empty body gives no inputs (start, file need none).

    Unreadable JSON becomes a list, which parse_body refuses as "not an object".
    """
    if not request.get_data():
        return None
    body = request.get_json(silent=True)
    return body if body is not None or request.get_data().strip() == b"null" else []


def _step_view(step: steps.Step):
    def take_step(doc_id: int):
        _check_id(doc_id)
        user = api_user()
        get_visible(user, doc_id)  # another organisation's document: 404 before anything
        if request.get_data() and request.mimetype not in JSON_TYPES:
            return api_error(
                415, "unsupported_media_type", "Các bước xử lý chỉ nhận nội dung application/json."
            )
        given = steps.parse_body(step, _step_body())
        doc = step.run(user, doc_id, given)
        return jsonify(schemas.document_detail_json(doc, history("incoming", doc.id), user))

    take_step.__doc__ = f"POST /incoming/<id>/steps/{step.name}: {step.label}."
    return take_step


for _step in steps.STEPS.values():
    bp.add_url_rule(
        f"/incoming/<int:doc_id>/steps/{_step.name}",
        endpoint=f"step_{_step.name}",
        view_func=_step_view(_step),
        methods=["POST"],
    )
bp.add_url_rule(
    "/incoming/<int:doc_id>/comments",
    endpoint="add_comment",
    view_func=_step_view(steps.COMMENT),
    methods=["POST"],
)


@bp.get("/openapi.json")
def openapi_json():
    return jsonify(build_spec(max_limit=current_app.config["API_PAGE_SIZE_MAX"]))


# Outgoing documents, the inbox and the exchange add their routes here (they need `bp`).
from eoffice.api import casefiles as _casefiles  # noqa: E402, F401
from eoffice.api import directives as _directives  # noqa: E402, F401
from eoffice.api import exchange as _exchange  # noqa: E402, F401
from eoffice.api import outgoing as _outgoing  # noqa: E402, F401
from eoffice.api import search as _search  # noqa: E402, F401
