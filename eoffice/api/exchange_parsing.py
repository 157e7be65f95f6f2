"""Reading /api/v1/exchange requests into the exchange services' inputs.

The same stance as api.parsing and api.outgoing_parsing: JSON types and lengths are
checked here, every problem at once, per field, in Vietnamese (422); whether a reason is
long enough, who may answer and in which state is the exchange inbox service's to decide.
The packet log's cursor is packet_log's own text, wrapped in base64url so that clients
treat it as opaque like every other cursor of the API.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import date

from werkzeug.datastructures import MultiDict

from eoffice.api.parsing import MSG_CURSOR, MSG_DATE, SUMMARY, parse_date
from eoffice.api.steps import Step
from eoffice.core.errors import ValidationFailed
from eoffice.core.limits import year_in_range
from eoffice.core.text import clean
from eoffice.exchange import inbox, packet_log
from eoffice.exchange.models import PacketDirection, PacketKind

COUNTERPART_MAX = 300  # ExchangePacket.counterpart_name
MSG_RANGE = "Ngày bắt đầu không được sau ngày kết thúc."

# The clerk's answers. Their ids are exchange packet ids; they answer the packet's detail.
REJECT = Step(
    "reject_exchange_packet",
    "Từ chối tiếp nhận",
    ("reason",),
    ("reason",),
    lambda u, d, g: inbox.reject(u, d, g.get("reason") or ""),
)
ACCEPT_RECALL = Step(
    "accept_exchange_recall",
    "Đồng ý thu hồi",
    (),
    (),
    lambda u, d, g: inbox.accept_recall(u, d),
)
REFUSE_RECALL = Step(
    "refuse_exchange_recall",
    "Từ chối thu hồi",
    ("reason",),
    ("reason",),
    lambda u, d, g: inbox.refuse_recall(u, d, g.get("reason") or ""),
)
# "Kiểm tra ngay" and "Đã kiểm tra" take no input: a body, if any, must be an empty object.
NO_INPUT = Step("no_input", "", (), (), lambda u, d, g: None)


# The packet log's query string -----------------------------------------------------------


@dataclass
class PacketQuery:
    filter: packet_log.LogFilter
    limit: int
    cursor: str | None  # packet_log's cursor text


def encode_log_cursor(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_log_cursor(text: str) -> str:
    """packet_log's cursor inside `text`; ValueError for anything encode_log_cursor did not
    produce (packet_log itself would quietly start again at the first page)."""
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise ValueError(text) from exc
    parsed = packet_log.parse_cursor(raw)
    if parsed is None or not year_in_range(parsed[0]):
        raise ValueError(text)
    return raw


def _choice(args: MultiDict, name: str, allowed, errors: dict[str, str]) -> str | None:
    value = clean(args.get(name)) or None
    if value is not None and value not in allowed:
        errors[name] = f"Giá trị không hợp lệ (chỉ nhận: {', '.join(allowed)})."
        return None
    return value


def _day(args: MultiDict, name: str, errors: dict[str, str]) -> date | None:
    raw = clean(args.get(name)) or None
    if raw is None:
        return None
    try:
        return parse_date(raw)
    except ValueError:
        errors[name] = MSG_DATE
        return None


def parse_packet_query(args: MultiDict, *, default_limit: int, max_limit: int) -> PacketQuery:
    errors: dict[str, str] = {}
    direction = _choice(args, "direction", [d.value for d in PacketDirection], errors)
    kind = _choice(args, "kind", [k.value for k in PacketKind], errors)
    state = _choice(args, "state", [str(s) for s in packet_log.STATE_LABELS], errors)
    counterpart = clean(args.get("counterpart")) or None
    if counterpart is not None and len(counterpart) > COUNTERPART_MAX:
        errors["counterpart"] = f"Tối đa {COUNTERPART_MAX} ký tự."
    date_from, date_to = _day(args, "date_from", errors), _day(args, "date_to", errors)
    if date_from and date_to and date_from > date_to:
        errors["date_to"] = MSG_RANGE
    limit = default_limit
    raw_limit = clean(args.get("limit")) or None
    if raw_limit is not None:
        if not raw_limit.isdigit() or len(raw_limit) > 6 or not 1 <= int(raw_limit) <= max_limit:
            errors["limit"] = f"Số dòng mỗi trang phải là số nguyên từ 1 đến {max_limit}."
        else:
            limit = int(raw_limit)
    cursor = None
    raw_cursor = clean(args.get("cursor")) or None
    if raw_cursor is not None:
        try:
            cursor = decode_log_cursor(raw_cursor)
        except ValueError:
            errors["cursor"] = MSG_CURSOR
    if errors:
        raise ValidationFailed(SUMMARY, field_errors=errors)
    flt = packet_log.LogFilter(
        direction=direction,
        kind=kind,
        state=state,
        counterpart=counterpart,
        date_from=date_from,
        date_to=date_to,
    )
    return PacketQuery(flt, limit, cursor)
