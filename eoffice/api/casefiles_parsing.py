"""Reading /api/v1 case file requests (lists, headings, files, filing, steps) into
service inputs.

The stance of api.parsing and api.directives_parsing: JSON types and sizes are checked
here, every problem at once, per field, in Vietnamese (422); whether a title is given,
a year allowed, an abbreviation free or a retention level offered is the case file
services' to decide (eoffice.casefiles.list_*, files, creating), so a client hears
exactly what the pages say. Absent or null means "not given" everywhere; a field the
route does not take is refused, so a typo never passes silently.

Each body is described once, in a table of its fields (`Field`), which the OpenAPI
document (api.casefiles_openapi) reads too: what is parsed is what is documented.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from werkzeug.datastructures import MultiDict

from eoffice.api.parsing import (
    MAX_ID,
    MSG_BOOLEAN,
    MSG_CURSOR,
    MSG_DATE,
    MSG_ID,
    MSG_INTEGER,
    MSG_STRING,
    MSG_UNKNOWN,
    SUMMARY,
    parse_date,
)
from eoffice.casefiles import creating, list_common
from eoffice.core.errors import ValidationFailed
from eoffice.core.limits import MAX_YEAR, MIN_YEAR
from eoffice.core.text import clean, strip_controls
from workflows import casefiles as flow

MSG_BODY = "Không đọc được JSON (sai cú pháp hoặc không phải đối tượng)."
MSG_NOT_OBJECT = "Nội dung yêu cầu phải là một đối tượng JSON hợp lệ."
MSG_IDS = "Phải là một mảng các mã số (số nguyên dương)."
MSG_POSITION = "Vị trí mới phải là số nguyên từ 1 trở lên."
MSG_KEEPER = 'Chỉ nhận "me" (hồ sơ tôi lập) hoặc mã người dùng (số nguyên dương).'
MSG_YEAR = f"Năm phải là số nguyên từ {MIN_YEAR} đến {MAX_YEAR}."
QUERY_MAX = 200
MAX_IDS = 500  # eoffice.casefiles.files.MAX_DOCUMENTS_PER_STEP; more is refused there
MAX_ITEM_NOTE = 300  # CaseFileItem.note
MAX_STEP_TEXT = 1000  # a close note, a reopen reason (the page's forms: 1000)
FILE_STATES = tuple(s.code for s in flow.CASE_FILE.states)


@dataclass(frozen=True)
class Field:
    """One field of a body: its JSON kind, its limit (text) and its words for the spec."""

    name: str
    kind: str  # "text" | "id" | "ids" | "integer" | "boolean" | "date"
    description: str
    limit: int | None = None
    required: bool = False  # required by the service (the spec says so; the service refuses)


def _text_field(name: str, limit: int, description: str, *, required: bool = False) -> Field:
    return Field(name, "text", description, limit, required)


# The bodies ----------------------------------------------------------------------------

NEW_LIST = (
    Field(
        "year",
        "integer",
        "Năm của danh mục (năm nay, năm sau, hoặc tối đa 10 năm trước).",
        required=True,
    ),
    Field(
        "numbering",
        "text",
        "across: đánh số liên tục trong toàn danh mục (mặc định); heading: đánh số riêng "
        "trong từng đề mục lớn.",
        limit=10,
    ),
    Field(
        "copy_from_previous",
        "boolean",
        "true: sao chép đề mục và hồ sơ của danh mục năm trước (mặc định false).",
    ),
)
NEW_HEADING = (
    _text_field("title", list_common.MAX_HEADING_TITLE, "Tên đề mục.", required=True),
    _text_field(
        "notation",
        list_common.MAX_NOTATION,
        "Ký hiệu của đề mục lớn (ví dụ TCCB), đứng sau số của hồ sơ: 01.TCCB. Đề mục nhỏ "
        "không có ký hiệu.",
    ),
    Field("parent_id", "id", "Đề mục lớn chứa đề mục nhỏ này; bỏ trống: đề mục lớn."),
)
EDIT_HEADING = NEW_HEADING[:2]
PLANNED_FILE = (
    _text_field("title", list_common.MAX_FILE_TITLE, "Tiêu đề hồ sơ.", required=True),
    Field("heading_id", "id", "Đề mục (lớn hoặc nhỏ) của hồ sơ.", required=True),
    _text_field("retention", 30, "Mã thời hạn bảo quản (xem /casefiles/retention).", required=True),
    Field("keeper_id", "id", "Người lập hồ sơ (người dùng của cơ quan); bỏ trống: chưa giao."),
    _text_field("note", list_common.MAX_NOTE, "Ghi chú."),
)
NEW_FILE = (
    _text_field("title", creating.MAX_TITLE, "Tiêu đề hồ sơ.", required=True),
    _text_field(
        "notation",
        creating.MAX_NOTATION,
        "Ký hiệu hồ sơ (chữ viết tắt, ví dụ VP), đứng sau số: 05.VP.",
        required=True,
    ),
    _text_field("retention", 30, "Mã thời hạn bảo quản (xem /casefiles/retention).", required=True),
    Field(
        "keeper_id",
        "id",
        "Người lập hồ sơ; bỏ trống: người dùng của mã API. Giao cho người khác: văn thư, lãnh đạo.",
    ),
    Field(
        "start_date",
        "date",
        "Thời gian bắt đầu, YYYY-MM-DD, không sau hôm nay; bỏ trống: hôm nay. Năm của hồ sơ "
        "là năm của ngày này.",
    ),
    _text_field("note", creating.MAX_NOTE, "Ghi chú."),
    _text_field("description", creating.MAX_DESCRIPTION, "Mô tả (Phụ lục VI: Description)."),
)
EDIT_FILE = tuple(f for f in NEW_FILE if f.name not in ("notation", "start_date"))
DOCUMENTS = (
    Field("incoming_ids", "ids", "Các văn bản đến (mã trong /incoming)."),
    Field("outgoing_ids", "ids", "Các văn bản đi (mã trong /outgoing)."),
    _text_field("note", MAX_ITEM_NOTE, "Ghi chú cho các văn bản này trong mục lục."),
)
MOVE = (
    Field(
        "position",
        "integer",
        "Vị trí mới (STT), từ 1; lớn hơn số văn bản: xuống cuối.",
        required=True,
    ),
)
CLOSE = (
    _text_field(
        "retention",
        30,
        "Mã thời hạn bảo quản, xác nhận khi kết thúc (có thể khác lúc lập).",
        required=True,
    ),
    _text_field("note", MAX_STEP_TEXT, "Ghi chú."),
)
REOPEN = (_text_field("reason", MAX_STEP_TEXT, "Lý do mở lại.", required=True),)

# The list's steps: the engine's inputs (workflows.casefiles FILE_LIST) plus the approving
# act that approve_list takes beside them.
LIST_STEPS: dict[str, tuple[Field, ...]] = {
    flow.SUBMIT_LIST: (_text_field("note", list_common.MAX_REASON, "Ghi chú."),),
    flow.APPROVE_LIST: (
        _text_field(
            "decision_ref",
            list_common.MAX_DECISION_REF,
            "Văn bản phê duyệt, in dưới tên danh mục (ví dụ «Quyết định số 05/QĐ-GDĐT ngày "
            "05/01/2027»).",
        ),
        _text_field("note", list_common.MAX_REASON, "Ý kiến."),
    ),
    flow.RETURN_LIST: (
        _text_field("reason", list_common.MAX_REASON, "Ý kiến trả lại.", required=True),
    ),
    flow.AMEND_LIST: (
        _text_field("reason", list_common.MAX_REASON, "Lý do bổ sung.", required=True),
    ),
    flow.LOCK_LIST: (),
}


# Reading a body ------------------------------------------------------------------------


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


def _text(field: Field, raw: Any) -> tuple[Any, str | None]:
    """A string field, without NUL, other control characters or lone surrogates: JSON
    can escape them, PostgreSQL and UTF-8 refuse them, and a value used as a key
    (a retention code) reaches a query before any service cleans it (a 500, found by
    the fuzz test)."""
    if not isinstance(raw, str):
        return None, MSG_STRING
    raw = strip_controls(raw)
    if field.limit is not None and len(raw) > field.limit:
        return None, f"Tối đa {field.limit} ký tự."
    return raw, None


def _id(field: Field, raw: Any) -> tuple[Any, str | None]:
    if type(raw) is not int or not 0 < raw <= MAX_ID:
        return None, MSG_ID
    return raw, None


def _ids(field: Field, raw: Any) -> tuple[Any, str | None]:
    if not isinstance(raw, list) or any(type(i) is not int or not 0 < i <= MAX_ID for i in raw):
        return None, MSG_IDS
    if len(raw) > MAX_IDS:
        return None, f"Tối đa {MAX_IDS} văn bản mỗi lần."
    return list(raw), None


def _integer(field: Field, raw: Any) -> tuple[Any, str | None]:
    if type(raw) is not int or not -MAX_ID <= raw <= MAX_ID:
        return None, MSG_INTEGER
    return raw, None


def _boolean(field: Field, raw: Any) -> tuple[Any, str | None]:
    if not isinstance(raw, bool):
        return None, MSG_BOOLEAN
    return raw, None


def _date(field: Field, raw: Any) -> tuple[Any, str | None]:
    try:
        if not isinstance(raw, str):
            raise ValueError(raw)
        return parse_date(raw.strip()), None
    except ValueError:
        return None, MSG_DATE


READERS: dict[str, Callable[[Field, Any], tuple[Any, str | None]]] = {
    "text": _text,
    "id": _id,
    "ids": _ids,
    "integer": _integer,
    "boolean": _boolean,
    "date": _date,
}


def read_body(body: Any, fields: tuple[Field, ...], *, optional: bool = False) -> dict[str, Any]:
    """{name: value} for every field of `fields` (None when absent or null), or a 422
    naming every unknown or mistyped field at once."""
    values = _object(body, optional=optional)
    known = {f.name: f for f in fields}
    errors = {name: MSG_UNKNOWN for name in values if name not in known}
    parsed: dict[str, Any] = {}
    for field in fields:
        raw = values.get(field.name)
        if raw is None:
            parsed[field.name] = None
            continue
        value, problem = READERS[field.kind](field, raw)
        if problem:
            errors[field.name] = problem
        parsed[field.name] = value
    _fail(errors)
    return parsed


def position_from(values: dict[str, Any]) -> int:
    """POST …/move: a position is needed, from 1 (past the end means last)."""
    position = values.get("position")
    if position is None or position < 1:
        raise ValidationFailed(MSG_POSITION, field_errors={"position": MSG_POSITION})
    return position


# The list of files: query string and cursor ----------------------------------------------


@dataclass(frozen=True)
class FileKey:
    """Where a page of files ended: files are ordered by year (newest first), then by
    number, then by id."""

    year: int
    number: int
    id: int


@dataclass
class FileQuery:
    year: int | None = None
    state: str | None = None
    keeper: str | int | None = None  # "me" or a user id
    text: str | None = None
    limit: int = 50
    after: FileKey | None = None


def encode_file_cursor(key: FileKey) -> str:
    raw = json.dumps([key.year, key.number, key.id], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_file_cursor(text: str) -> FileKey:
    """The inverse of encode_file_cursor; ValueError for anything it did not produce."""
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        year, number, file_id = json.loads(raw)
    except (binascii.Error, ValueError, TypeError) as exc:
        raise ValueError(text) from exc
    if not all(type(v) is int for v in (year, number, file_id)):
        raise ValueError(text)
    if not MIN_YEAR <= year <= MAX_YEAR or not 0 <= number <= MAX_ID or not 0 < file_id <= MAX_ID:
        raise ValueError(text)
    return FileKey(year, number, file_id)


def _digits(raw: str, low: int, high: int) -> int | None:
    if not raw.isdigit() or len(raw) > 10 or not low <= int(raw) <= high:
        return None
    return int(raw)


def parse_file_query(args: MultiDict, *, default_limit: int, max_limit: int) -> FileQuery:
    """GET /casefiles: year, state, keeper=me (or a user id), q, limit, cursor; a value
    the page would quietly drop is a 422 here, so a client never reads an unfiltered
    list by mistake."""
    errors: dict[str, str] = {}
    query = FileQuery(limit=default_limit)
    raw_year = clean(args.get("year"))
    if raw_year:
        query.year = _digits(raw_year, MIN_YEAR, MAX_YEAR)
        if query.year is None:
            errors["year"] = MSG_YEAR
    state = clean(args.get("state")) or None
    if state is not None and state not in FILE_STATES:
        errors["state"] = f"Trạng thái không hợp lệ (chỉ nhận: {', '.join(FILE_STATES)})."
    query.state = state
    keeper = clean(args.get("keeper")) or None
    if keeper is not None:
        query.keeper = "me" if keeper == "me" else _digits(keeper, 1, MAX_ID)
        if query.keeper is None:
            errors["keeper"] = MSG_KEEPER
    text = clean(args.get("q")) or None
    if text is not None and len(text) > QUERY_MAX:
        errors["q"] = f"Tối đa {QUERY_MAX} ký tự."
    query.text = text
    raw_limit = clean(args.get("limit"))
    if raw_limit:
        limit = _digits(raw_limit, 1, max_limit)
        if limit is None:
            errors["limit"] = f"Số dòng mỗi trang phải là số nguyên từ 1 đến {max_limit}."
        else:
            query.limit = limit
    raw_cursor = clean(args.get("cursor")) or None
    if raw_cursor is not None:
        try:
            query.after = decode_file_cursor(raw_cursor)
        except ValueError:
            errors["cursor"] = MSG_CURSOR
    _fail(errors)
    return query
