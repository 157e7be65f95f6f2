"""Reading /api/v1 search requests: the query string of GET /search and the body of
POST /saved-searches.

The same stance as api.parsing: every problem at once, per field, in Vietnamese (422);
dates as YYYY-MM-DD. The rules are the search page's (eoffice.search.forms: the kinds,
the states of the kind chosen, the confidentiality levels the user may filter by), so a
client hears what the page says. A saved search's params are checked by the service
(eoffice.search.saved), exactly as the page's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from werkzeug.datastructures import MultiDict

from eoffice.api.parsing import (
    MAX_ID,
    MSG_CURSOR,
    MSG_DATE,
    MSG_ID,
    MSG_STRING,
    MSG_UNKNOWN,
    SUMMARY,
    parse_date,
)
from eoffice.catalog.models import DocumentType, UrgencyLevel
from eoffice.core.errors import ValidationFailed
from eoffice.core.text import clean
from eoffice.extensions import db
from eoffice.orgs.models import User
from eoffice.search import engine
from eoffice.search.forms import (
    MAX_SENDER,
    MSG_DATE_ORDER,
    MSG_NO_WORDS,
    MSG_SENDER_OUTGOING,
    MSG_STATE_NEEDS_KIND,
    STATE_LABELS,
    levels_for,
)
from eoffice.search.models import DocumentKind
from eoffice.search.tokens import MAX_QUERY_CHARS, parse_query

DEFAULT_LIMIT = engine.DEFAULT_LIMIT
MAX_LIMIT = engine.MAX_LIMIT
KINDS = tuple(k.value for k in DocumentKind)
SAVED_FIELDS = ("name", "params")

_INTEGER = re.compile(r"[+-]?\d{1,12}")

MSG_QUERY = f"Từ khóa tối đa {MAX_QUERY_CHARS} ký tự."
MSG_KIND = "Chỉ nhận in (văn bản đến) hoặc out (văn bản đi)."
MSG_TYPE = "Không có tên loại văn bản với mã này."
MSG_SENDER = f"Cơ quan gửi tối đa {MAX_SENDER} ký tự."
MSG_URGENCY = "Độ khẩn không hợp lệ."
MSG_CONFIDENTIALITY = "Độ mật không hợp lệ, hoặc bạn không được lọc theo độ mật này."
MSG_LIMIT = f"Số kết quả mỗi trang phải là số nguyên từ 1 đến {MAX_LIMIT}."
MSG_BODY = "Không đọc được JSON (sai cú pháp hoặc không phải đối tượng)."
MSG_NOT_OBJECT = "Nội dung yêu cầu phải là một đối tượng JSON hợp lệ."
MSG_PARAMS_OBJECT = "Phải là một đối tượng JSON: tên tham số của /search → giá trị (chuỗi)."


def _states_message(kind: DocumentKind) -> str:
    return f"Trạng thái không hợp lệ (chỉ nhận: {', '.join(STATE_LABELS[kind])})."


@dataclass
class SearchRequest:
    query: engine.SearchQuery
    limit: int
    cursor: str | None


def parse_search(args: MultiDict, user: User) -> SearchRequest:
    """The query string of GET /search; ValidationFailed naming every bad parameter."""
    errors: dict[str, str] = {}
    query = engine.SearchQuery()

    def text(name: str) -> str | None:
        return clean(args.get(name)) or None

    query.text = text("q") or ""
    if len(query.text) > MAX_QUERY_CHARS:
        errors["q"] = MSG_QUERY
    elif query.text and not parse_query(query.text):
        errors["q"] = MSG_NO_WORDS

    kind = text("kind")
    if kind is not None and kind not in KINDS:
        errors["kind"] = MSG_KIND
    elif kind is not None:
        query.kind = kind

    type_id = text("type_id")
    if type_id is not None:
        if not _INTEGER.fullmatch(type_id) or not 0 < int(type_id) <= MAX_ID:
            errors["type_id"] = MSG_ID
        elif db.session.get(DocumentType, int(type_id)) is None:
            errors["type_id"] = MSG_TYPE
        else:
            query.document_type_id = int(type_id)

    sender = text("sender")
    if sender is not None:
        if len(sender) > MAX_SENDER:
            errors["sender"] = MSG_SENDER
        elif query.kind == DocumentKind.OUTGOING:
            errors["sender"] = MSG_SENDER_OUTGOING
        else:
            query.sender = sender

    for name in ("date_from", "date_to"):
        value = text(name)
        if value is not None:
            try:
                setattr(query, name, parse_date(value))
            except ValueError:
                errors[name] = MSG_DATE
    if query.date_from and query.date_to and query.date_from > query.date_to:
        errors["date_to"] = MSG_DATE_ORDER

    state = text("state")
    if state is not None:
        if query.kind is None:
            if "kind" not in errors:
                errors["state"] = MSG_STATE_NEEDS_KIND
        elif state not in STATE_LABELS[DocumentKind(query.kind)]:
            errors["state"] = _states_message(DocumentKind(query.kind))
        else:
            query.state = state

    urgency = text("urgency")
    if urgency is not None:
        if db.session.get(UrgencyLevel, urgency) is None:
            errors["urgency"] = MSG_URGENCY
        else:
            query.urgency_code = urgency

    confidentiality = text("confidentiality")
    if confidentiality is not None:
        if confidentiality not in {level.code for level in levels_for(user)}:
            errors["confidentiality"] = MSG_CONFIDENTIALITY
        else:
            query.confidentiality_code = confidentiality

    limit = DEFAULT_LIMIT
    raw_limit = text("limit")
    if raw_limit is not None:
        if not _INTEGER.fullmatch(raw_limit) or not 1 <= int(raw_limit) <= MAX_LIMIT:
            errors["limit"] = MSG_LIMIT
        else:
            limit = int(raw_limit)

    cursor = text("cursor")
    if cursor is not None:
        try:
            engine.Key.decode(cursor, query)
        except ValueError:
            errors["cursor"] = MSG_CURSOR

    if errors:
        raise ValidationFailed(SUMMARY, field_errors=errors)
    return SearchRequest(query, limit, cursor)


@dataclass
class SavedSearchBody:
    name: Any
    params: dict[str, Any]


def saved_search_from_json(body: Any) -> SavedSearchBody:
    """{name, params}: the types here; the name's rules and each param's are the
    service's (eoffice.search.saved), which names problems as name / params.<key>."""
    if not isinstance(body, dict):
        raise ValidationFailed(MSG_NOT_OBJECT, field_errors={"body": MSG_BODY})
    errors: dict[str, str] = {}
    for name in body:
        if name not in SAVED_FIELDS:
            errors[name] = MSG_UNKNOWN
    name = body.get("name")
    if name is not None and not isinstance(name, str):
        errors["name"] = MSG_STRING
    params = body.get("params")
    if params is None:
        params = {}
    elif not isinstance(params, dict):
        errors["params"] = MSG_PARAMS_OBJECT
    if errors:
        raise ValidationFailed(SUMMARY, field_errors=errors)
    return SavedSearchBody(name, params)
