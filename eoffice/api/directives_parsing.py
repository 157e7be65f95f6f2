"""Reading /api/v1 directive requests (groups, answers, the board) into service inputs.

The same stance as api.parsing, api.outgoing_parsing and api.exchange_parsing: JSON types
and sizes are checked here, every problem at once, per field, in Vietnamese (422);
whether a name is taken, a deadline acceptable, an answer of the right form or a reason
given at all is the directives services' to decide (eoffice.directives.groups, answers,
tracking), so a client hears exactly what the pages say. Absent or null means "not
given" everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from werkzeug.datastructures import MultiDict

from eoffice.api.paging import PageQuery, parse_page_query
from eoffice.api.parsing import (
    MAX_ID,
    MSG_DATE,
    MSG_ID,
    MSG_STRING,
    MSG_UNKNOWN,
    SUMMARY,
    json_files,
    parse_date,
)
from eoffice.core.errors import ValidationFailed
from eoffice.core.text import clean
from eoffice.directives import answers, board, groups, tasklists, tracking
from eoffice.directives.board import ANSWER_FILTERS, DELIVERY_FILTERS, SORTS, BoardFilters
from eoffice.incoming.attachments import Upload

MSG_BODY = "Không đọc được JSON (sai cú pháp hoặc không phải đối tượng)."
MSG_NOT_OBJECT = "Nội dung yêu cầu phải là một đối tượng JSON hợp lệ."
MSG_IDS = "Phải là một mảng các mã số (số nguyên dương)."
MSG_FIGURE = 'Số liệu phải là một số hoặc chuỗi số (ví dụ: 1250 hoặc "12,5").'
MSG_FILE = "Tệp phải là một đối tượng {name, content_base64}."
MSG_FLAG = "Chỉ nhận 1 (có) hoặc 0 (không)."
FIGURE_TEXT_MAX = 40  # as on the page's field
WARD_MAX = 80  # Organisation.ward
QUERY_MAX = 200
# Text the services measure themselves; a longer one never reaches them (nor a database).
TEXT_LIMITS = {
    "name": groups.MAX_NAME,
    "description": groups.MAX_DESCRIPTION,
    "text": answers.MAX_TEXT,
    "note": answers.MAX_NOTE,
    "reason": tracking.MAX_REASON,
    "comment": tracking.MAX_REASON,
}


def _fail(errors: dict[str, str]) -> None:
    if errors:
        raise ValidationFailed(SUMMARY, field_errors=errors)


def _object(body: Any, *, optional: bool = False) -> dict[str, Any]:
    """The body as a JSON object; with `optional`, no body at all is an empty object."""
    if body is None and optional:
        return {}
    if not isinstance(body, dict):
        raise ValidationFailed(MSG_NOT_OBJECT, field_errors={"body": MSG_BODY})
    return body


def _unknown(values: dict[str, Any], allowed: tuple[str, ...], errors: dict[str, str]) -> None:
    for name in values:
        if name not in allowed:
            errors[name] = MSG_UNKNOWN


def _text(values: dict[str, Any], name: str, errors: dict[str, str]) -> str | None:
    raw = values.get(name)
    if raw is None:
        return None
    if not isinstance(raw, str):
        errors[name] = MSG_STRING
        return None
    limit = TEXT_LIMITS[name]
    if len(raw) > limit:
        errors[name] = f"Tối đa {limit} ký tự."
        return None
    return raw


def _id(values: dict[str, Any], name: str, errors: dict[str, str]) -> int | None:
    raw = values.get(name)
    if raw is None:
        return None
    if type(raw) is not int or not 0 < raw <= MAX_ID:
        errors[name] = MSG_ID
        return None
    return raw


def _ids(values: dict[str, Any], name: str, errors: dict[str, str]) -> list[int] | None:
    raw = values.get(name)
    if raw is None:
        return None
    if not isinstance(raw, list) or any(type(i) is not int or not 0 < i <= MAX_ID for i in raw):
        errors[name] = MSG_IDS
        return None
    return list(raw)


def _date(values: dict[str, Any], name: str, errors: dict[str, str]) -> date | None:
    raw = values.get(name)
    if raw is None:
        return None
    try:
        if not isinstance(raw, str):
            raise ValueError(raw)
        return parse_date(raw.strip())
    except ValueError:
        errors[name] = MSG_DATE
        return None


# Recipient groups ------------------------------------------------------------------------

GROUP_FIELDS = ("name", "description", "member_org_ids")


@dataclass
class GroupBody:
    """A parsed group body; None: the field was not given (PATCH keeps it)."""

    name: str | None = None
    description: str | None = None
    member_org_ids: list[int] | None = None
    given: set[str] = field(default_factory=set)


def group_from_json(body: Any) -> GroupBody:
    values = _object(body)
    errors: dict[str, str] = {}
    _unknown(values, GROUP_FIELDS, errors)
    parsed = GroupBody(
        name=_text(values, "name", errors),
        description=_text(values, "description", errors),
        member_org_ids=_ids(values, "member_org_ids", errors),
        given={name for name in GROUP_FIELDS if name in values},
    )
    _fail(errors)
    return parsed


# The school's answer and acknowledgement -------------------------------------------------

ANSWER_FIELDS = ("text", "figure", "reply_outgoing_id", "file")


@dataclass
class AnswerBody:
    text: str | None = None
    figure: object = None
    reply_outgoing_id: int | None = None
    upload: Upload | None = None


def answer_from_json(body: Any) -> AnswerBody:
    """{text, figure, reply_outgoing_id, file: {name, content_base64}}; which of them the
    request needs is the answers service's rule (the request's answer form)."""
    values = _object(body)
    errors: dict[str, str] = {}
    _unknown(values, ANSWER_FIELDS, errors)
    parsed = AnswerBody(
        text=_text(values, "text", errors),
        reply_outgoing_id=_id(values, "reply_outgoing_id", errors),
    )
    figure = values.get("figure")
    if figure is not None:
        if isinstance(figure, bool) or not isinstance(figure, (int, float, str)):
            errors["figure"] = MSG_FIGURE
        elif isinstance(figure, str) and len(figure) > FIGURE_TEXT_MAX:
            errors["figure"] = f"Tối đa {FIGURE_TEXT_MAX} ký tự."
        else:
            parsed.figure = figure
    file = values.get("file")
    if file is not None:
        if not isinstance(file, dict):
            errors["file"] = MSG_FILE
        else:
            problems: dict[str, str] = {}
            uploads = json_files([file], problems)
            if problems:
                errors["file"] = problems["files"].replace("Tệp thứ 1", "Tệp")
            elif uploads:
                parsed.upload = uploads[0]
    _fail(errors)
    return parsed


def note_from_json(body: Any) -> str | None:
    """POST /inbox/<id>/acknowledge: an optional {"note": …}."""
    values = _object(body, optional=True)
    errors: dict[str, str] = {}
    _unknown(values, ("note",), errors)
    note = _text(values, "note", errors)
    _fail(errors)
    return note


# The district's steps --------------------------------------------------------------------


@dataclass
class ExtendBody:
    deadline: date | None
    reason: str | None
    school_id: int | None


def extend_from_json(body: Any) -> ExtendBody:
    values = _object(body)
    errors: dict[str, str] = {}
    _unknown(values, ("deadline", "reason", "school_id"), errors)
    parsed = ExtendBody(
        deadline=_date(values, "deadline", errors),
        reason=_text(values, "reason", errors),
        school_id=_id(values, "school_id", errors),
    )
    _fail(errors)
    return parsed


def comment_from_json(body: Any) -> str | None:
    values = _object(body)
    errors: dict[str, str] = {}
    _unknown(values, ("comment",), errors)
    comment = _text(values, "comment", errors)
    _fail(errors)
    return comment


@dataclass
class RemindBody:
    request_id: int | None
    school_ids: list[int] | None


def remind_from_json(body: Any) -> RemindBody:
    """{request_id?, school_ids?}: no request means every request of the document, no
    list every school that has not answered (an empty list is the service's refusal)."""
    values = _object(body, optional=True)
    errors: dict[str, str] = {}
    _unknown(values, ("request_id", "school_ids"), errors)
    parsed = RemindBody(_id(values, "request_id", errors), _ids(values, "school_ids", errors))
    _fail(errors)
    return parsed


# Query strings ---------------------------------------------------------------------------


def _choice(args: MultiDict, name: str, allowed, errors: dict[str, str]) -> str | None:
    value = clean(args.get(name)) or None
    if value is not None and value not in allowed:
        errors[name] = f"Giá trị không hợp lệ (chỉ nhận: {', '.join(allowed)})."
        return None
    return value


def _flag(args: MultiDict, name: str, errors: dict[str, str]) -> bool:
    raw = clean(args.get(name))
    if raw not in ("", "0", "1"):
        errors[name] = MSG_FLAG
    return raw == "1"


def parse_board_query(args: MultiDict) -> BoardFilters:
    """The board's filters and sorting, as the page takes them; a value the page would
    quietly drop is a 422 here, so a client never reads an unfiltered board by mistake."""
    errors: dict[str, str] = {}
    request_id = None
    raw_request = clean(args.get("request_id")) or None
    if raw_request is not None:
        if not raw_request.isdigit() or len(raw_request) > 10 or not 0 < int(raw_request) <= MAX_ID:
            errors["request_id"] = MSG_ID
        else:
            request_id = int(raw_request)
    ward = clean(args.get("ward")) or None
    if ward is not None and len(ward) > WARD_MAX:
        errors["ward"] = f"Tối đa {WARD_MAX} ký tự."
    text = clean(args.get("q")) or None
    if text is not None and len(text) > QUERY_MAX:
        errors["q"] = f"Tối đa {QUERY_MAX} ký tự."
    filters = BoardFilters(
        status=_choice(args, "status", list(DELIVERY_FILTERS), errors),
        answer=_choice(args, "answer", list(ANSWER_FILTERS), errors),
        request_id=request_id,
        level=_choice(args, "level", [k.value for k in board.SCHOOL_KINDS], errors),
        ward=ward,
        text=text,
        sort=_choice(args, "sort", list(SORTS), errors) or "name",
        descending=_flag(args, "desc", errors),
    )
    _fail(errors)
    return filters


@dataclass
class TaskListQuery:
    answered: bool
    page: PageQuery


def parse_task_list_query(args: MultiDict, *, default_limit: int, max_limit: int) -> TaskListQuery:
    """GET /directives/tasks: answered=1 for the answered tasks instead of the open ones;
    limit and cursor (a cursor of the list asked for)."""
    errors: dict[str, str] = {}
    answered = _flag(args, "answered", errors)
    page = parse_page_query(
        args,
        tasklists.list_order(answered=answered),
        default_limit=default_limit,
        max_limit=max_limit,
        errors=errors,
    )
    _fail(errors)
    return TaskListQuery(answered, page)
