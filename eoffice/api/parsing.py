"""Reading query strings and request bodies of the API into service inputs.

Everything is checked before a service is called, and every problem is reported at
once, per field, in Vietnamese (422). Type checks live here because JSON has types a
web form does not; the business rules (required fields, dates in order, ids of the
user's own organisation) stay in the services.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from werkzeug.datastructures import FileStorage, MultiDict

from eoffice.api.queries import Keyset, WorkKey, is_known_book_code
from eoffice.catalog.models import DocumentType, UrgencyLevel
from eoffice.core.errors import ValidationFailed
from eoffice.core.limits import MAX_INT, MAX_YEAR, MIN_YEAR, int_in_range, year_in_range
from eoffice.core.text import clean, clean_multiline
from eoffice.core.timeutil import to_utc
from eoffice.extensions import db
from eoffice.incoming.attachments import Upload
from eoffice.incoming.models import IncomingState
from eoffice.incoming.queries import RegisterFilters
from eoffice.incoming.services import IncomingInput

MAX_ID = MAX_INT  # ids are 32-bit integers on both databases
MAX_NOTES = 2000  # as on the web form

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})?")
_INTEGER = re.compile(r"[+-]?\d{1,12}")
# Free text kept on several lines; every other string is cleaned onto one line.
MULTILINE_FIELDS = frozenset({"notes"})
_TRUE = {"true", "1", "on", "yes"}
_FALSE = {"false", "0", "off", "no", ""}

MSG_DATE = (
    f"Ngày phải theo định dạng YYYY-MM-DD, ví dụ 2026-09-20, năm từ {MIN_YEAR} đến {MAX_YEAR}."
)
MSG_DATETIME = (
    "Thời điểm phải theo định dạng ISO 8601, ví dụ 2026-09-20T08:30:00+07:00, "
    f"năm từ {MIN_YEAR} đến {MAX_YEAR}."
)
MSG_STRING = "Phải là chuỗi ký tự."
MSG_INTEGER = "Phải là số nguyên."
MSG_ID = "Phải là mã số (số nguyên dương)."
MSG_BOOLEAN = "Phải là true hoặc false."
MSG_UNKNOWN = "Trường này không được hỗ trợ."
MSG_CURSOR = "Con trỏ phân trang không hợp lệ; hãy dùng đúng giá trị next_cursor đã nhận."
SUMMARY = "Dữ liệu gửi lên chưa hợp lệ, vui lòng kiểm tra các trường được nêu."


def _fail(errors: dict[str, str]) -> None:
    if errors:
        raise ValidationFailed(SUMMARY, field_errors=errors)


def parse_date(text: str) -> date:
    """YYYY-MM-DD in 1900–2100 (ValueError otherwise)."""
    if not _DATE.fullmatch(text):
        raise ValueError(text)
    value = date.fromisoformat(text)
    if not year_in_range(value):
        raise ValueError(text)
    return value


def parse_datetime(text: str) -> datetime:
    """ISO 8601 with a time; without an offset it is office time. Returns aware UTC.

    The year is checked before the conversion: 0001-01-01T00:00+07:00 would otherwise
    overflow on its way to UTC.
    """
    if not _DATETIME.fullmatch(text):
        raise ValueError(text)
    value = datetime.fromisoformat(text)
    if not year_in_range(value):
        raise ValueError(text)
    return to_utc(value)


# Cursors -------------------------------------------------------------------------------


def encode_cursor(key: Keyset) -> str:
    raw = json.dumps([key.arrived_at.isoformat(), key.id], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(text: str) -> Keyset:
    """The inverse of encode_cursor; ValueError for anything it did not produce."""
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        moment, doc_id = json.loads(raw)
        arrived_at = datetime.fromisoformat(moment)
    except (binascii.Error, ValueError, TypeError) as exc:
        raise ValueError(text) from exc
    if arrived_at.tzinfo is None or type(doc_id) is not int or not 0 < doc_id <= MAX_ID:
        raise ValueError(text)
    if not year_in_range(arrived_at):
        raise ValueError(text)
    return Keyset(to_utc(arrived_at), doc_id)


def encode_work_cursor(key: WorkKey) -> str:
    deadline = key.deadline.isoformat() if key.deadline else None
    raw = json.dumps([deadline, key.id], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_work_cursor(text: str) -> WorkKey:
    """The inverse of encode_work_cursor; ValueError for anything it did not produce."""
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        deadline, part_id = json.loads(raw)
        day = None if deadline is None else parse_date(deadline)
    except (binascii.Error, ValueError, TypeError) as exc:
        raise ValueError(text) from exc
    if type(part_id) is not int or not 0 < part_id <= MAX_ID:
        raise ValueError(text)
    return WorkKey(day, part_id)


def _limit(args: MultiDict, errors: dict[str, str], default: int, max_limit: int) -> int:
    raw = clean(args.get("limit")) or None
    if raw is None:
        return default
    if not _INTEGER.fullmatch(raw) or not 1 <= int(raw) <= max_limit:
        errors["limit"] = f"Số dòng mỗi trang phải là số nguyên từ 1 đến {max_limit}."
        return default
    return int(raw)


@dataclass
class WorkQuery:
    limit: int
    after: WorkKey | None


def parse_work_query(args: MultiDict, *, default_limit: int, max_limit: int) -> WorkQuery:
    errors: dict[str, str] = {}
    limit = _limit(args, errors, default_limit, max_limit)
    after = None
    raw_cursor = clean(args.get("cursor")) or None
    if raw_cursor is not None:
        try:
            after = decode_work_cursor(raw_cursor)
        except ValueError:
            errors["cursor"] = MSG_CURSOR
    _fail(errors)
    return WorkQuery(limit, after)


# The list's query string -----------------------------------------------------------------


@dataclass
class ListQuery:
    filters: RegisterFilters
    limit: int
    after: Keyset | None


def parse_list_query(args: MultiDict, *, default_limit: int, max_limit: int) -> ListQuery:
    errors: dict[str, str] = {}
    filters = RegisterFilters()

    def text(name: str) -> str | None:
        return clean(args.get(name)) or None

    for name in ("date_from", "date_to"):
        value = text(name)
        if value is not None:
            try:
                setattr(filters, name, parse_date(value))
            except ValueError:
                errors[name] = MSG_DATE
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        errors["date_to"] = "“Đến ngày” không được trước “Từ ngày”."

    filters.sender = text("sender")
    filters.text = text("q")

    type_id = text("document_type_id")
    if type_id is not None:
        if not _INTEGER.fullmatch(type_id) or not 0 < int(type_id) <= MAX_ID:
            errors["document_type_id"] = MSG_ID
        elif db.session.get(DocumentType, int(type_id)) is None:
            errors["document_type_id"] = "Không có tên loại văn bản với mã này."
        else:
            filters.document_type_id = int(type_id)

    urgency = text("urgency_code")
    if urgency is not None:
        if db.session.get(UrgencyLevel, urgency) is None:
            errors["urgency_code"] = "Độ khẩn không hợp lệ."
        filters.urgency_code = urgency

    state = text("state")
    if state is not None:
        if state not in {s.value for s in IncomingState}:
            allowed = ", ".join(s.value for s in IncomingState)
            errors["state"] = f"Trạng thái không hợp lệ (chỉ nhận: {allowed})."
        filters.state = state

    limit = _limit(args, errors, default_limit, max_limit)

    after = None
    raw_cursor = text("cursor")
    if raw_cursor is not None:
        try:
            after = decode_cursor(raw_cursor)
        except ValueError:
            errors["cursor"] = MSG_CURSOR

    _fail(errors)
    return ListQuery(filters, limit, after)


# The registration body -------------------------------------------------------------------

STRING_FIELDS = (
    "sender_name",
    "sender_agency_code",
    "symbol",
    "subject",
    "signer_name",
    "signer_position",
    "urgency_code",
    "confidentiality_code",
    "source",
    "notes",
    "book_code",
)
ID_FIELDS = ("sender_org_id", "document_type_id", "recipient_unit_id", "recipient_user_id")
INTEGER_FIELDS = ("page_count",)
DATE_FIELDS = ("document_date", "deadline")
DATETIME_FIELDS = ("arrived_at",)
BOOLEAN_FIELDS = ("confirm_duplicate",)
SCALAR_FIELDS = (
    STRING_FIELDS + ID_FIELDS + INTEGER_FIELDS + DATE_FIELDS + DATETIME_FIELDS + BOOLEAN_FIELDS
)


@dataclass
class Registration:
    """A parsed POST /incoming: what register_incoming needs."""

    data: IncomingInput
    uploads: list[Upload] = field(default_factory=list)
    confirm_duplicate: bool = False


class _Reader:
    """Converts raw values (JSON-typed or form strings) and collects field errors."""

    def __init__(self, *, from_form: bool):
        self.from_form = from_form
        self.errors: dict[str, str] = {}

    def convert(self, name: str, value: Any) -> Any:
        if name in STRING_FIELDS:
            if not isinstance(value, str):
                return self._bad(name, MSG_STRING)
            return clean_multiline(value) if name in MULTILINE_FIELDS else clean(value)
        if name in ID_FIELDS or name in INTEGER_FIELDS:
            return self._integer(name, value)
        if name in BOOLEAN_FIELDS:
            return self._boolean(name, value)
        parser = parse_date if name in DATE_FIELDS else parse_datetime
        message = MSG_DATE if name in DATE_FIELDS else MSG_DATETIME
        if not isinstance(value, str):
            return self._bad(name, message)
        try:
            return parser(value.strip())
        except ValueError:
            return self._bad(name, message)

    def _integer(self, name: str, value: Any) -> int | None:
        if self.from_form and isinstance(value, str) and _INTEGER.fullmatch(value.strip()):
            value = int(value)
        if type(value) is not int:
            return self._bad(name, MSG_ID if name in ID_FIELDS else MSG_INTEGER)
        if name in ID_FIELDS and not 0 < value <= MAX_ID:
            return self._bad(name, MSG_ID)
        if not int_in_range(value):
            return self._bad(name, MSG_INTEGER)
        return value

    def _boolean(self, name: str, value: Any) -> bool | None:
        if self.from_form and isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            return value.strip().lower() in _TRUE
        if isinstance(value, bool):
            return value
        return self._bad(name, MSG_BOOLEAN)

    def _bad(self, name: str, message: str) -> None:
        self.errors[name] = message
        return None


def _build(
    values: dict[str, Any], reader: _Reader, uploads: list[Upload], org_id: int
) -> Registration:
    data = IncomingInput()
    confirm = False
    for name, raw in values.items():
        if name not in SCALAR_FIELDS:
            reader.errors[name] = MSG_UNKNOWN
            continue
        if raw is None or (reader.from_form and raw.strip() == ""):
            continue  # absent: the service's default applies
        value = reader.convert(name, raw)
        if value is None:
            continue
        if name == "confirm_duplicate":
            confirm = value
        else:
            setattr(data, name, value)
    errors = reader.errors
    if data.notes and len(data.notes) > MAX_NOTES:
        errors["notes"] = f"Ghi chú tối đa {MAX_NOTES} ký tự."
    if "book_code" not in errors and not is_known_book_code(org_id, data.book_code):
        errors["book_code"] = "Không có sổ đăng ký văn bản đến với mã này."
    _fail(errors)
    return Registration(data, uploads, confirm)


def registration_from_json(body: Any, org_id: int) -> Registration:
    """A JSON object; files, if any, as [{"name": …, "content_base64": …}]."""
    if not isinstance(body, dict):
        raise ValidationFailed(
            "Nội dung yêu cầu phải là một đối tượng JSON hợp lệ.",
            field_errors={"body": "Không đọc được JSON (sai cú pháp hoặc không phải đối tượng)."},
        )
    reader = _Reader(from_form=False)
    values = dict(body)
    uploads = json_files(values.pop("files", None), reader.errors)
    return _build(values, reader, uploads, org_id)


def json_files(items: Any, errors: dict[str, str]) -> list[Upload]:
    """Files given in JSON as [{"name": …, "content_base64": …}]; problems go to errors."""
    if items is None:
        return []
    if not isinstance(items, list):
        errors["files"] = "Danh sách tệp phải là một mảng JSON."
        return []
    uploads: list[Upload] = []
    problems: list[str] = []
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict) or set(item) != {"name", "content_base64"}:
            problems.append(f"Tệp thứ {number}: cần đúng hai trường name và content_base64.")
            continue
        name, content = item["name"], item["content_base64"]
        if not isinstance(name, str) or not name.strip():
            problems.append(f"Tệp thứ {number}: tên tệp (name) phải là chuỗi, không để trống.")
            continue
        try:
            if not isinstance(content, str):
                raise ValueError(content)
            data = base64.b64decode("".join(content.split()), validate=True)
        except (binascii.Error, ValueError):
            problems.append(f"Tệp thứ {number} (“{name}”): nội dung base64 không hợp lệ.")
            continue
        uploads.append(Upload(filename=name, data=data))
    if problems:
        errors["files"] = " ".join(problems)
    return uploads


def registration_from_form(
    form: MultiDict, files: MultiDict[str, FileStorage], org_id: int
) -> Registration:
    """multipart/form-data: the same fields as text, the files under `files`."""
    reader = _Reader(from_form=True)
    for name in files:
        if name != "files":
            reader.errors[name] = "Tệp phải gửi trong trường “files”."
    uploads = [
        Upload(filename=f.filename or "", data=f.read())
        for f in files.getlist("files")
        if f and f.filename
    ]
    return _build(form.to_dict(flat=True), reader, uploads, org_id)
