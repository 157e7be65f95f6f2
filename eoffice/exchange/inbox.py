"""The clerk's exchange inbox: documents from outside agencies awaiting registration,
and their recall requests.

A received document (eoffice.exchange.receiving) waits here until a clerk registers it
(vào sổ: an incoming document, source "trục liên thông", with the packet's files;
status 03 back) or a clerk or leader refuses it (02 with the reason). A recall request
(13, or a recall packet) is answered: accepted (15: the document is withdrawn, and its
register entry through the incoming workflow's `withdraw` step, the recall itself kept)
or refused (16 with the reason). Each answer is queued in the step's own transaction
(eoffice.exchange.reporting), so nothing is said that did not happen. A second click on
a step already done is a Conflict, never a second status.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app
from sqlalchemy import Select, and_, func, not_, or_, select
from sqlalchemy.orm import selectinload

from eoffice.catalog.models import DocumentType, UrgencyLevel
from eoffice.core import audit
from eoffice.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from eoffice.core.pagination import (
    COUNT_CAP,
    CappedCount,
    KeysetPage,
    SortKey,
    count_upto,
    keyset_page,
)
from eoffice.core.steps import transaction
from eoffice.core.text import clean_multiline, vn_fold
from eoffice.core.timeutil import now_utc
from eoffice.exchange.models import ExchangePacket, PacketDirection, PacketKind, PacketState
from eoffice.exchange.receiving import RECALL_STATUS, is_recall
from eoffice.exchange.reporting import send_status
from eoffice.exchange.settings import code_pattern
from eoffice.extensions import db
from eoffice.orgs.models import Organisation, Role, User

log = logging.getLogger(__name__)

SUBJECT = "exchange_packet"
READERS = (Role.CLERK, Role.LEADER)
MIN_REASON = 5
FALLBACK_TYPE = "Công văn"

NOT_FOUND = "Không tìm thấy văn bản nhận qua trục liên thông này."
READERS_ONLY = "Chỉ văn thư hoặc lãnh đạo mới xem văn bản nhận qua trục liên thông."
CLERKS_ONLY = "Chỉ văn thư mới được vào sổ văn bản đến."
NOT_A_DOCUMENT = "Đây là yêu cầu thu hồi, không phải văn bản để vào sổ."
NOT_A_RECALL = "Đây không phải yêu cầu thu hồi văn bản."
FILED_CANNOT_WITHDRAW = (
    "Văn bản đã được lập hồ sơ nên không thể thu hồi; hãy từ chối thu hồi và ghi lý do."
)
REASON_NEEDED = f"Vui lòng ghi lý do từ chối (ít nhất {MIN_REASON} ký tự)."
STATE_WORDS = {
    PacketState.REGISTERED: "đã được vào sổ",
    PacketState.REJECTED: "đã bị từ chối tiếp nhận",
    PacketState.WITHDRAWN: "đã bị thu hồi",
    PacketState.ACCEPTED: "đã được đồng ý thu hồi",
    PacketState.REFUSED: "đã bị từ chối thu hồi",
}


def _inbox_filter(org_id: int):
    return (
        ExchangePacket.org_id == org_id,
        ExchangePacket.direction == PacketDirection.IN,
        or_(
            ExchangePacket.kind == PacketKind.DOCUMENT,
            ExchangePacket.status_code == RECALL_STATUS,
        ),
    )


# Newest arrival first; the id (the order packets were stored in) makes it total.
# Oldest first: the clerk's work queue, registered in the order it arrived (so arrival
# numbers follow arrival), the longest-waiting item never pushed to a later page.
INBOX_ORDER = SortKey(
    "exchange.inbox", ((ExchangePacket.created_at, False), (ExchangePacket.id, False))
)
INBOX_LOADS = (selectinload(ExchangePacket.refers_to),)
# awaiting(): at most this many rows; the page shows at most RECALLS_SHOWN recall
# requests above its documents (each answered one makes room for the next).
AWAITING_LIMIT = 200
RECALLS_SHOWN = 50


def _recall_condition():
    """SQL form of receiving.is_recall, never NULL (so that its negation keeps the
    documents whose business type or status code is empty)."""
    business_type = func.coalesce(ExchangePacket.business_type, -1)
    status_code = func.coalesce(ExchangePacket.status_code, "")
    return or_(
        and_(ExchangePacket.kind == PacketKind.DOCUMENT, business_type == 1),
        and_(ExchangePacket.kind == PacketKind.STATUS, status_code == RECALL_STATUS),
    )


def _awaiting(user: User, recalls: bool | None = None) -> Select:
    """What waits in the user's exchange inbox, filtered, not ordered: documents and
    recall requests, or only recall requests (`recalls` True) or only documents (False)."""
    stmt = select(ExchangePacket).where(
        *_inbox_filter(user.org_id), ExchangePacket.state == PacketState.AWAITING
    )
    if recalls is True:
        stmt = stmt.where(_recall_condition())
    elif recalls is False:
        stmt = stmt.where(not_(_recall_condition()))
    return stmt


def _empty() -> KeysetPage:
    return KeysetPage([], CappedCount(0, COUNT_CAP))


def awaiting_page(
    user: User, cursor: str | None, per_page: int, *, recalls: bool | None = None
) -> KeysetPage:
    """One keyset page of the exchange inbox, oldest first, with its capped count (see
    _awaiting for `recalls`); empty for anyone but clerks and leaders."""
    if not user.has_role(*READERS):
        return _empty()
    stmt = _awaiting(user, recalls)
    return keyset_page(stmt, INBOX_ORDER, cursor, per_page, options=INBOX_LOADS)


def recall_requests(
    user: User, limit: int = RECALLS_SHOWN
) -> tuple[list[ExchangePacket], CappedCount]:
    """The recall requests awaiting an answer, the longest waiting first (at most
    `limit`), and how many there are, capped: the page lists them above the documents."""
    if not user.has_role(*READERS):
        return [], CappedCount(0, COUNT_CAP)
    stmt = _awaiting(user, recalls=True)
    rows = db.session.scalars(
        stmt.options(*INBOX_LOADS).order_by(*INBOX_ORDER.order_by()).limit(limit)
    ).all()
    return list(rows), count_upto(stmt)


def awaiting(user: User, limit: int = AWAITING_LIMIT) -> list[ExchangePacket]:
    """The oldest `limit` documents and recall requests of the exchange inbox (no count),
    for code that wants the few at its top, never the whole of it."""
    if not user.has_role(*READERS):
        return []
    stmt = _awaiting(user).options(*INBOX_LOADS).order_by(*INBOX_ORDER.order_by()).limit(limit)
    return list(db.session.scalars(stmt))


def awaiting_count(user: User) -> CappedCount:
    """How many wait in the exchange inbox, for the menu badge on every page: one COUNT
    that stops at COUNT_CAP (core.pagination.count_upto), never the rows themselves."""
    if not user.has_role(*READERS):
        return CappedCount(0, COUNT_CAP)
    return count_upto(_awaiting(user))


def get(user: User, packet_id: int, *, lock: bool = False) -> ExchangePacket:
    """One inbound document or recall request of the user's office (404 for any other)."""
    query = select(ExchangePacket).where(
        ExchangePacket.id == packet_id, *_inbox_filter(user.org_id)
    )
    if lock:  # a step: wait for a concurrent one and read what it left
        query = query.with_for_update().execution_options(populate_existing=True)
    row = db.session.scalars(query).first()
    if row is None:
        raise NotFound(NOT_FOUND)
    if not user.has_role(*READERS):
        raise Forbidden(READERS_ONLY)
    return row


def _packet(row: ExchangePacket):
    """The stored packet, parsed again (it was valid when it arrived)."""
    from eoffice.exchange import edxml
    from eoffice.incoming.attachments import file_store

    data = file_store().read(row.payload_file.sha256)
    return edxml.parse_packet(data, agency_code_pattern=code_pattern())


def document_of(row: ExchangePacket):
    """The received document packet (for a recall request: the recalled one), or None."""
    from eoffice.exchange import edxml

    source = row.refers_to if is_recall(row) else row
    if source is None or source.payload_file is None or source.kind != PacketKind.DOCUMENT:
        return None
    try:
        packet = _packet(source)
    except edxml.PacketRefused:
        return None
    return packet if isinstance(packet, edxml.DocumentPacket) else None


def files(user: User, packet_id: int) -> list:
    """The attachments (edxml.Attachment) of a received document, to read before
    registering it; none once the sender's recall was accepted."""
    row = get(user, packet_id)
    if row.state == PacketState.WITHDRAWN:
        return []
    packet = document_of(row)
    return list(packet.attachments) if packet is not None else []


def file(user: User, packet_id: int, content_id: str):
    """One attachment by its content id; NotFound if there is none."""
    for attachment in files(user, packet_id):
        if attachment.content_id == content_id:
            return attachment
    raise NotFound("Không tìm thấy tệp này trong văn bản.")


def _expect(row: ExchangePacket, *, recall: bool) -> None:
    if is_recall(row) != recall:
        raise Conflict(NOT_A_RECALL if recall else NOT_A_DOCUMENT)
    if row.state != PacketState.AWAITING:
        word = STATE_WORDS.get(PacketState(row.state), f"ở trạng thái {row.state}")
        what = "Yêu cầu thu hồi này" if recall else "Văn bản này"
        raise Conflict(f"{what} {word}.")


def _reason(reason: str | None) -> str:
    reason = clean_multiline(reason)
    if len(reason) < MIN_REASON:
        raise ValidationFailed(REASON_NEEDED, field_errors={"reason": REASON_NEEDED})
    return reason


def _done(row: ExchangePacket, actor: User, state: PacketState) -> None:
    row.state = state
    row.done_at = now_utc()
    row.done_by_id = actor.id


def _audit(actor: User, row: ExchangePacket, action: str, note: str | None = None, **changes):
    audit.record(
        actor_id=actor.id,
        org_id=actor.org_id,
        subject_type=SUBJECT,
        subject_id=row.id,
        action=action,
        changes={
            "document": row.symbol or row.document_id,
            "from": row.counterpart_name,
            **changes,
        },
        note=note,
    )


# Registering ----------------------------------------------------------------------------


def _document_type_id(packet) -> int:
    """Our document type for the packet's: by name, else by the code table, else Công văn."""
    from eoffice.exchange import edxml

    types = list(db.session.scalars(select(DocumentType).where(DocumentType.is_active.is_(True))))
    by_name = {vn_fold(t.name): t.id for t in types}
    for name in (
        packet.document_type.name,
        edxml.DEFAULT_DOCUMENT_TYPES.get(packet.document_type.code),
    ):
        if name and vn_fold(name) in by_name:
            return by_name[vn_fold(name)]
    return by_name.get(vn_fold(FALLBACK_TYPE)) or types[0].id


def _urgency_code(priority: int) -> str:
    """Độ khẩn from the packet's Priority (0 thường … 3+ hỏa tốc), by rank."""
    levels = list(db.session.scalars(select(UrgencyLevel).order_by(UrgencyLevel.rank)))
    chosen = [level for level in levels if level.rank <= max(priority, 0)]
    return (chosen[-1] if chosen else levels[0]).code


def _sender(packet) -> dict:
    """The directory entry by agency code when there is one (whatever name the packet
    gives), else the name and code for the intake to find or create the entry."""
    code = packet.from_.organ_id
    known = db.session.scalars(select(Organisation).where(Organisation.agency_code == code)).first()
    if known is not None:
        return {"sender_org_id": known.id, "sender_name": known.name}
    return {"sender_name": packet.from_.organ_name, "sender_agency_code": code}


def register(actor: User, packet_id: int, book_code: str = "general"):
    """Vào sổ a received document: an incoming document (source: exchange) with the packet's
    files, the inbox row linked to it and 03 queued back, all in one transaction."""
    from eoffice.incoming.attachments import Upload
    from eoffice.incoming.models import Source
    from eoffice.incoming.services import register_incoming
    from eoffice.incoming.validation import IncomingInput

    try:
        row = get(actor, packet_id, lock=True)
        if not actor.has_role(Role.CLERK):
            raise Forbidden(CLERKS_ONLY)
        _expect(row, recall=False)
        packet = document_of(row)
        if packet is None:
            raise Conflict("Không đọc được gói tin của văn bản này; hãy từ chối tiếp nhận.")
    except Exception:
        db.session.rollback()
        raise
    now = now_utc()
    days = int(current_app.config.get("ARRIVAL_BACKDATE_DAYS", 30))
    arrived_at = (
        row.created_at if row.created_at > now - timedelta(days=days) + timedelta(hours=1) else None
    )
    position = " ".join(p for p in (packet.signer.competence, packet.signer.position) if p)
    due = (
        packet.due_date if packet.due_date and packet.due_date >= packet.promulgation_date else None
    )
    pages = packet.page_amount if packet.page_amount and 0 < packet.page_amount <= 10000 else None
    data = IncomingInput(
        **_sender(packet),
        symbol=row.symbol or "",
        document_date=packet.promulgation_date,
        document_type_id=_document_type_id(packet),
        subject=packet.subject,
        signer_name=packet.signer.full_name or None,
        signer_position=position or None,
        page_count=pages,
        urgency_code=_urgency_code(packet.priority),
        source=Source.EXCHANGE,
        deadline=due,
        arrived_at=arrived_at,
        book_code=book_code or "general",
    )
    uploads = [Upload(a.name, a.data) for a in packet.attachments]

    def on_registered(doc) -> None:
        row.incoming_document_id = doc.id
        _done(row, actor, PacketState.REGISTERED)
        _audit(actor, row, "registered", incoming=doc.id, arrival_number=doc.arrival_number)
        send_status(actor.organisation, row, "03", actor=actor, incoming_document_id=doc.id)

    incoming = register_incoming(
        actor, data, uploads, confirm_duplicate=True, on_registered=on_registered
    )
    log.info("exchange packet %s registered as incoming %s", packet_id, incoming.id)
    return incoming


# Refusing -------------------------------------------------------------------------------


def _refuse(
    actor: User, row: ExchangePacket, reason: str, state: PacketState, action: str, code: str
) -> ExchangePacket:
    """Close `row` as refused with a reason, which goes back to the sender as `code`."""
    reason = _reason(reason)
    _done(row, actor, state)
    row.last_error = reason[:500]
    _audit(actor, row, action, reason)
    send_status(actor.organisation, row, code, description=reason, actor=actor)
    return row


@transaction
def reject(actor: User, packet_id: int, reason: str) -> ExchangePacket:
    """Từ chối tiếp nhận (02): the reason goes back to the sender."""
    row = get(actor, packet_id, lock=True)
    _expect(row, recall=False)
    return _refuse(actor, row, reason, PacketState.REJECTED, "rejected", "02")


# Recall requests ------------------------------------------------------------------------


def _withdraw_incoming(actor: User, row: ExchangePacket, incoming_id: int) -> bool:
    """Cancel the register entry through the incoming workflow (unless already closed)."""
    from eoffice.outgoing.recall import withdraw_incoming

    reason = f": {row.description}" if row.description else ""
    note = f"Thu hồi theo yêu cầu của {row.counterpart_name or row.counterpart_code}{reason}"
    return withdraw_incoming(actor, incoming_id, note)


def _recall_answerer(actor: User) -> None:
    if not actor.has_role(*READERS):
        raise Forbidden("Chỉ văn thư hoặc lãnh đạo mới trả lời yêu cầu thu hồi.")


def _recalled(row: ExchangePacket) -> ExchangePacket | None:
    """The recalled document's row, locked and read afresh: a clerk registering it at
    this moment is waited for, and its register entry is then withdrawn too. A recall
    stored before its document (the document's packet failed that check) finds it now."""
    from eoffice.exchange.receiving import _earlier

    target_id = row.refers_to_id
    if target_id is None:
        found = _earlier(row.organisation, row.counterpart_code, row.document_id)
        if found is None:
            return None
        row.refers_to_id = target_id = found.id
    return db.session.scalars(
        select(ExchangePacket)
        .where(ExchangePacket.id == target_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()


def _is_filed(incoming_id: int) -> bool:
    from eoffice.incoming.models import IncomingDocument
    from workflows import incoming as incoming_flow

    incoming = db.session.get(IncomingDocument, incoming_id)
    return incoming is not None and incoming.state == incoming_flow.FILED


@transaction
def accept_recall(actor: User, packet_id: int) -> ExchangePacket:
    """Đồng ý thu hồi (15): the recalled document leaves the inbox, or its register entry
    is withdrawn; the recall request itself is kept."""
    row = get(actor, packet_id, lock=True)
    _recall_answerer(actor)
    _expect(row, recall=True)
    original = _recalled(row)
    withdrawn = False
    if original is not None and original.state in (PacketState.AWAITING, PacketState.REGISTERED):
        if original.incoming_document_id is not None:
            withdrawn = _withdraw_incoming(actor, row, original.incoming_document_id)
            if not withdrawn and _is_filed(original.incoming_document_id):
                raise Conflict(FILED_CANNOT_WITHDRAW)
        _done(original, actor, PacketState.WITHDRAWN)
        _audit(actor, original, "withdrawn", row.description, recall=row.id)
    _done(row, actor, PacketState.ACCEPTED)
    _audit(actor, row, "recall_accepted", None, incoming_withdrawn=withdrawn)
    send_status(actor.organisation, row, "15", actor=actor)
    return row


@transaction
def refuse_recall(actor: User, packet_id: int, reason: str) -> ExchangePacket:
    """Từ chối thu hồi (16), with the reason, which goes back to the sender."""
    row = get(actor, packet_id, lock=True)
    _recall_answerer(actor)
    _expect(row, recall=True)
    return _refuse(actor, row, reason, PacketState.REFUSED, "recall_refused", "16")
