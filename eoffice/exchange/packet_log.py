"""What the exchange pages show: the queue of packets waiting or failed, the packet log,
and one packet's XML for diagnosis (issue 5 §6).

Two tables hold what went through the exchange: a first issue to an outside agency
travels on its `deliveries` row (eoffice.exchange.forwarding), every other packet is an
`exchange_packets` row (eoffice.exchange.outbox, receiving). Both are listed here as one
`Entry`, newest first. The log pages by keyset (a cursor of time, source and id), each
source queried for one page and the two merged, so a page costs the same on the first
day as after years of traffic; the queue is bounded (what is pending is few, or a
problem the first rows show).

Only the clerks and admins of the organisation see its traffic; another organisation's
packet is not found (404), anyone else is refused (403).
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from lxml import etree
from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import selectinload

from eoffice.core.errors import Forbidden, NotFound
from eoffice.core.text import LIKE_ESCAPE
from eoffice.core.timeutil import local_tz, to_utc
from eoffice.exchange import edxml
from eoffice.exchange.models import ExchangePacket, PacketDirection, PacketKind, PacketState
from eoffice.exchange.settings import code_pattern
from eoffice.extensions import db
from eoffice.orgs.models import Role, User
from eoffice.outgoing.models import Delivery, OutgoingDocument

PAGE_SIZE = 50
QUEUE_LIMIT = 500
PACKET, DELIVERY = "p", "d"  # the two sources; also their order among equal times

DIRECTION_LABELS = {PacketDirection.OUT: "Gửi đi", PacketDirection.IN: "Nhận về"}
KIND_LABELS = {PacketKind.DOCUMENT: "Văn bản", PacketKind.STATUS: "Trạng thái"}
STATE_LABELS = {
    PacketState.QUEUED: "Chờ gửi",
    PacketState.SENT: "Đã gửi lên trục",
    PacketState.FAILED: "Gửi không thành công",
    PacketState.AWAITING: "Chờ văn thư xử lý",
    PacketState.REGISTERED: "Đã vào sổ",
    PacketState.REJECTED: "Đã từ chối",
    PacketState.WITHDRAWN: "Đã thu hồi theo yêu cầu",
    PacketState.ACCEPTED: "Đã đồng ý",
    PacketState.REFUSED: "Đã từ chối",
    PacketState.APPLIED: "Đã cập nhật tình trạng",
    PacketState.UNMATCHED: "Không khớp văn bản nào",
    "recalled": "Đã thu hồi trước khi gửi",
}
BUSINESS_LABELS = {
    edxml.BusinessDocType.NEW: "Văn bản mới",
    edxml.BusinessDocType.RECALL: "Thu hồi",
    edxml.BusinessDocType.UPDATE: "Cập nhật",
    edxml.BusinessDocType.REPLACE: "Thay thế",
}
PENDING = (PacketState.QUEUED, PacketState.FAILED)


@dataclass(frozen=True)
class LogFilter:
    direction: str | None = None
    kind: str | None = None
    state: str | None = None
    counterpart: str | None = None  # a part of the agency code or name
    date_from: date | None = None  # office dates, both ends included
    date_to: date | None = None


@dataclass
class Entry:
    """One line of the log: a logged packet or a forwarding delivery."""

    source: str
    id: int
    at: datetime
    direction: str
    kind: str
    business_type: int | None
    status_code: str | None
    document_id: str | None
    counterpart_code: str
    counterpart_name: str
    state: str
    attempts: int
    last_error: str | None
    sent_at: datetime | None
    sent_by: str | None  # the person behind it, when there is one
    subject: str | None
    outgoing_id: int | None = None
    events: list[Any] = field(default_factory=list)  # statuses back, for a delivery

    @property
    def cursor(self) -> str:
        return f"{self.at.isoformat()}|{self.source}|{self.id}"

    @property
    def what(self) -> str:
        """ "Văn bản mới", "Trạng thái 03 Đã tiếp nhận"…, in words."""
        if self.kind == PacketKind.STATUS:
            code = self.status_code or ""
            return f"Trạng thái {code} {edxml.STATUS_CODES.get(code, '')}".strip()
        label = BUSINESS_LABELS.get(self.business_type or 0, "Văn bản")
        return f"Văn bản ({label.lower()})"

    @property
    def state_label(self) -> str:
        return STATE_LABELS.get(self.state, self.state)

    @property
    def pending(self) -> bool:
        return self.direction == PacketDirection.OUT and self.state in PENDING


@dataclass
class Detail:
    entry: Entry
    xml: str  # pretty, with the attachments' base64 elided; or why it cannot be shown
    refers_to: Entry | None = None


# --------------------------------------------------------------------------- access


def _check(actor: User) -> None:
    if not actor.has_role(Role.CLERK, Role.ADMIN):
        raise Forbidden("Chỉ văn thư hoặc quản trị của cơ quan mới xem nhật ký liên thông.")


# --------------------------------------------------------------------------- rows


def _packet_entry(row: ExchangePacket) -> Entry:
    return Entry(
        source=PACKET,
        id=row.id,
        at=row.created_at,
        direction=row.direction,
        kind=row.kind,
        business_type=row.business_type,
        status_code=row.status_code,
        document_id=row.document_id,
        counterpart_code=row.counterpart_code,
        counterpart_name=row.counterpart_name,
        state=row.state,
        attempts=row.attempts,
        last_error=row.last_error,
        sent_at=row.done_at,
        sent_by=row.done_by.full_name if row.done_by else None,
        subject=row.subject or (row.delivery.outgoing.subject if row.delivery else None),
        outgoing_id=row.delivery.outgoing_id if row.delivery else None,
    )


def _delivery_entry(delivery: Delivery) -> Entry:
    from eoffice.exchange.forwarding import document_id

    doc = delivery.outgoing
    return Entry(
        source=DELIVERY,
        id=delivery.id,
        at=delivery.created_at,
        direction=PacketDirection.OUT,
        kind=PacketKind.DOCUMENT,
        business_type=(
            edxml.BusinessDocType.REPLACE if doc.replaces_id else edxml.BusinessDocType.NEW
        ),
        status_code=None,
        document_id=document_id(doc) if doc.symbol and doc.document_date else None,
        counterpart_code=delivery.agency_code or "",
        counterpart_name=delivery.recipient_name,
        state=delivery.exchange_state or PacketState.QUEUED,
        attempts=delivery.attempts,
        last_error=delivery.last_error,
        sent_at=delivery.sent_at,
        sent_by=doc.signer.full_name if doc.signer else None,
        subject=f"{doc.symbol or ''} {doc.subject}".strip(),
        outgoing_id=doc.id,
        events=list(delivery.events),
    )


def _packets(actor: User) -> Any:
    return (
        select(ExchangePacket)
        .where(ExchangePacket.org_id == actor.org_id)
        .options(
            selectinload(ExchangePacket.done_by),
            selectinload(ExchangePacket.delivery).selectinload(Delivery.outgoing),
        )
    )


def _deliveries(actor: User) -> Any:
    return (
        select(Delivery)
        .join(OutgoingDocument, Delivery.outgoing_id == OutgoingDocument.id)
        .where(OutgoingDocument.org_id == actor.org_id, Delivery.channel == "exchange")
        .options(
            selectinload(Delivery.outgoing).selectinload(OutgoingDocument.signer),
            selectinload(Delivery.events),
        )
    )


# --------------------------------------------------------------------------- the queue


def queue(actor: User) -> list[Entry]:
    """Outbound packets and forwarding deliveries waiting or failed, newest first."""
    _check(actor)
    packets = db.session.scalars(
        _packets(actor)
        .where(ExchangePacket.direction == PacketDirection.OUT, ExchangePacket.state.in_(PENDING))
        .order_by(ExchangePacket.created_at.desc(), ExchangePacket.id.desc())
        .limit(QUEUE_LIMIT)
    )
    deliveries = db.session.scalars(
        _deliveries(actor)
        .where(Delivery.exchange_state.in_(PENDING))
        .order_by(Delivery.created_at.desc(), Delivery.id.desc())
        .limit(QUEUE_LIMIT)
    )
    entries = [_packet_entry(p) for p in packets] + [_delivery_entry(d) for d in deliveries]
    return sorted(entries, key=_order, reverse=True)[:QUEUE_LIMIT]


# --------------------------------------------------------------------------- the log


def _order(entry: Entry) -> tuple[datetime, str, int]:
    return (entry.at, entry.source, entry.id)


def parse_cursor(text: str | None) -> tuple[datetime, str, int] | None:
    """A cursor from the query string, or None (the first page) if it is not one of ours."""
    if not text:
        return None
    try:
        at, source, ident = text.split("|")
        moment = datetime.fromisoformat(at)
        number = int(ident)
    except ValueError:
        return None
    if source not in (PACKET, DELIVERY) or moment.tzinfo is None or not 0 < number < 2**31:
        return None
    return moment, source, number


def _before(cursor, source: str, at_col, id_col) -> ColumnElement[bool]:
    """Rows of `source` strictly after `cursor` in the order (time, source, id) descending."""
    at, cursor_source, ident = cursor
    if source < cursor_source:
        return at_col <= at
    if source > cursor_source:
        return at_col < at
    return or_(at_col < at, and_(at_col == at, id_col < ident))


def _contains(text: str) -> str:
    """A LIKE pattern for `text` anywhere (codes and names are stored as typed, unfolded)."""
    escaped = (
        text.strip()
        .replace(LIKE_ESCAPE, LIKE_ESCAPE * 2)
        .replace("%", LIKE_ESCAPE + "%")
        .replace("_", LIKE_ESCAPE + "_")
    )
    return f"%{escaped}%"


def _day_bounds(flt: LogFilter) -> tuple[datetime | None, datetime | None]:
    tz = local_tz()
    start = to_utc(datetime.combine(flt.date_from, time(), tz)) if flt.date_from else None
    end = (
        to_utc(datetime.combine(flt.date_to + timedelta(days=1), time(), tz))
        if flt.date_to
        else None
    )
    return start, end


def _one_page(
    query: Any,
    flt: LogFilter,
    bounds: tuple[datetime | None, datetime | None],
    after: Any,
    limit: int,
    *,
    source: str,
    model: Any,
    state: Any,
    code: Any,
    name: Any,
) -> Any:
    """`query` narrowed by the filters both sources share (state, counterpart by code or
    name, local days, the cursor), newest first, one row more than a page to tell whether
    another follows."""
    start, end = bounds
    if flt.state:
        query = query.where(state == flt.state)
    if flt.counterpart:
        pattern = _contains(flt.counterpart)
        query = query.where(
            or_(code.ilike(pattern, escape=LIKE_ESCAPE), name.ilike(pattern, escape=LIKE_ESCAPE))
        )
    if start:
        query = query.where(model.created_at >= start)
    if end:
        query = query.where(model.created_at < end)
    if after:
        query = query.where(_before(after, source, model.created_at, model.id))
    return db.session.scalars(
        query.order_by(model.created_at.desc(), model.id.desc()).limit(limit + 1)
    )


def log_page(
    actor: User, flt: LogFilter, cursor: str | None = None, limit: int | None = None
) -> tuple[list[Entry], str | None]:
    """One page of the log, newest first, and the cursor of the next page (None: last)."""
    _check(actor)
    limit = limit or PAGE_SIZE
    after = parse_cursor(cursor)
    bounds = _day_bounds(flt)

    packets = _packets(actor)
    if flt.direction:
        packets = packets.where(ExchangePacket.direction == flt.direction)
    if flt.kind:
        packets = packets.where(ExchangePacket.kind == flt.kind)
    rows = _one_page(
        packets,
        flt,
        bounds,
        after,
        limit,
        source=PACKET,
        model=ExchangePacket,
        state=ExchangePacket.state,
        code=ExchangePacket.counterpart_code,
        name=ExchangePacket.counterpart_name,
    )
    entries: list[Entry] = [_packet_entry(row) for row in rows]

    # Forwarding deliveries are outbound documents only.
    wants_deliveries = flt.direction in (None, PacketDirection.OUT) and flt.kind in (
        None,
        PacketKind.DOCUMENT,
    )
    if wants_deliveries:
        rows = _one_page(
            _deliveries(actor),
            flt,
            bounds,
            after,
            limit,
            source=DELIVERY,
            model=Delivery,
            state=Delivery.exchange_state,
            code=Delivery.agency_code,
            name=Delivery.recipient_name,
        )
        entries += [_delivery_entry(d) for d in rows]

    entries.sort(key=_order, reverse=True)
    page = entries[:limit]
    more = len(entries) > limit
    return page, (page[-1].cursor if more and page else None)


# --------------------------------------------------------------------------- one packet


def packet_detail(actor: User, packet_id: int) -> Detail:
    _check(actor)
    row = db.session.get(ExchangePacket, packet_id)
    if row is None or row.org_id != actor.org_id:
        raise NotFound("Không tìm thấy gói tin này.")
    xml = "(Không có nội dung gói tin được lưu.)"
    if row.payload_file is not None:
        from eoffice.incoming.attachments import file_store

        xml = readable_xml(file_store().read(row.payload_file.sha256))
    entry = _packet_entry(row)
    if row.delivery is not None:
        entry.events = list(row.delivery.events)
    refers = _packet_entry(row.refers_to) if row.refers_to is not None else None
    return Detail(entry, xml, refers)


def delivery_detail(actor: User, delivery_id: int) -> Detail:
    """A forwarding delivery and its packet as the job builds it (the bytes are not kept:
    they are rebuilt from the issued document, which never changes)."""
    from eoffice.exchange.forwarding import packet_for

    _check(actor)
    delivery = db.session.get(Delivery, delivery_id)
    if (
        delivery is None
        or delivery.channel != "exchange"
        or delivery.outgoing.org_id != actor.org_id
    ):
        raise NotFound("Không tìm thấy lượt gửi này.")
    doc = delivery.outgoing
    if doc.signed_file is None:
        xml = "(Văn bản chưa có bản ký số: gói tin chưa được lập.)"
    else:
        try:
            xml = readable_xml(
                edxml.build_document(packet_for(doc, delivery), agency_code_pattern=code_pattern())
            )
        except edxml.PacketRefused as exc:
            xml = f"(Không lập được gói tin: {exc})"
    return Detail(_delivery_entry(delivery), xml)


_BASE64_TAGS = {"ContentTransferEncoded"}


def readable_xml(data: bytes) -> str:
    """The packet indented, attachments' base64 replaced by their size: for reading, not
    for sending. Parsed without entities or network, like every packet we read."""
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, remove_blank_text=True, huge_tree=False
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        text = data[:20000].decode("utf-8", errors="replace")
        text = re.sub(r"[A-Za-z0-9+/=\s]{200,}", "[…dữ liệu base64 đã lược bỏ…]", text)
        return f"(Gói tin không đọc được như XML: {exc})\n{text}"
    for el in root.iter():
        if isinstance(el.tag, str) and etree.QName(el).localname in _BASE64_TAGS and el.text:
            el.text = f"[…{_decoded_size(el.text)} đã lược bỏ…]"
    return etree.tostring(root, pretty_print=True, encoding="unicode")


def _decoded_size(text: str) -> str:
    compact = "".join(text.split())
    try:
        size = len(base64.b64decode(compact, validate=True))
    except (binascii.Error, ValueError):
        return f"{len(compact):,} ký tự".replace(",", ".")
    return f"{size:,} byte".replace(",", ".")
