"""Statuses coming back through the exchange: what an outside recipient did with our copy.

The fetch (eoffice.exchange.receiving) stores every inbound status packet as an
`exchange_packets` row and calls `apply_status` inside its own transaction. The packet
names our document by its edXML DocumentId (eoffice.exchange.forwarding.document_id) and
the reporting agency by `From/OrganId`; together they identify one of our deliveries.

- 01–06 move the delivery by the rule the internal deliveries use
  (eoffice.outgoing.delivery._set_status): never backwards, every packet kept as a
  history event with the description and the recipient's handler (StaffInfo); 02 is final
  and keeps its reason, and the drafter and clerks hear of it as of an internal refusal.
- 15 and 16 answer OUR recall request (status 13, eoffice.outgoing.recall): 15 makes the
  delivery recalled (final); 16 leaves it as it was, with a "Từ chối thu hồi" event and
  its reason for the sender, who is notified.
- 13 is a recall request for a document we RECEIVED: the exchange inbox's business, not a
  delivery of ours; the row is left as the fetch stored it.
A packet about nothing of ours (an unknown DocumentId, an agency we never sent to, an
answer to a recall we never asked for) is kept as `unmatched` and logged: it may be a
hub's misrouting or a document sent before this system, and an admin can read it in the
packet log.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from sqlalchemy import select

from eoffice.core.timeutil import now_utc
from eoffice.exchange import edxml
from eoffice.exchange.forwarding import document_id
from eoffice.exchange.models import ExchangePacket, PacketDirection, PacketKind, PacketState
from eoffice.extensions import db
from eoffice.outgoing.models import Delivery, DeliveryEvent, DeliveryStatus, OutgoingDocument
from workflows import outgoing as outgoing_flow

log = logging.getLogger(__name__)

PROGRESS_CODES = frozenset({"01", "02", "03", "04", "05", "06"})
RECALL_REQUEST, RECALL_ACCEPTED, RECALL_REFUSED = "13", "15", "16"


def apply_status(row: ExchangePacket, packet: edxml.StatusPacket) -> None:
    """Apply one inbound status to the delivery it reports on (no commit: the caller's)."""
    code = packet.status_code
    if code == RECALL_REQUEST:
        return  # about a document we received: eoffice.exchange.inbox decides
    delivery = find_delivery(row.org_id, packet.document_id, packet.from_.organ_id)
    request = _recall_request(delivery) if delivery is not None else None
    if delivery is None or (code in (RECALL_ACCEPTED, RECALL_REFUSED) and request is None):
        row.state = PacketState.UNMATCHED
        row.done_at = now_utc()
        log.warning(
            "status %s from %s about %s matches no delivery of organisation %s (packet %s)",
            code,
            packet.from_.organ_id,
            packet.document_id,
            row.org_id,
            row.id,
        )
        return
    note = _note(packet)
    if code in PROGRESS_CODES:
        _progress(delivery, packet, note)
    elif code == RECALL_ACCEPTED:
        accepted = _joined("Nơi nhận đồng ý thu hồi", note)
        _set_status(delivery, DeliveryStatus.RECALLED, note=accepted)
        delivery.events[-1].at = _at(packet)
        row.refers_to_id = request.id
    else:
        reason = (packet.description or "").strip()
        delivery.events.append(
            DeliveryEvent(
                status=DeliveryStatus.RECALL_REFUSED,
                note=_joined("Từ chối thu hồi", note)[:1000],
                at=_at(packet),
            )
        )
        row.refers_to_id = request.id
        _notify(delivery, reason, refused_recall=True)
    row.delivery_id = delivery.id
    row.state = PacketState.APPLIED
    row.done_at = now_utc()


def find_delivery(org_id: int, edxml_id: str, agency_code: str) -> Delivery | None:
    """Our delivery of the document `edxml_id` to the agency `agency_code`, locked."""
    doc = find_document(org_id, edxml_id)
    if doc is None:
        return None
    return db.session.scalars(
        select(Delivery)
        .where(
            Delivery.outgoing_id == doc.id,
            Delivery.channel == "exchange",
            Delivery.agency_code == agency_code,
        )
        .order_by(Delivery.id)
        .with_for_update()
    ).first()


def find_document(org_id: int, edxml_id: str) -> OutgoingDocument | None:
    """The issued document of `org_id` whose DocumentId is `edxml_id`.

    The DocumentId is "<agency code>,<yyyy/mm/dd>,<symbol>"; the symbol and date narrow
    the search, and the id is rebuilt to compare, so a look-alike never matches.
    """
    parts = edxml_id.split(",", 2)
    if len(parts) != 3:
        return None
    try:
        issued_on = datetime.strptime(parts[1], "%Y/%m/%d").date()
    except ValueError:
        return None
    candidates = db.session.scalars(
        select(OutgoingDocument).where(
            OutgoingDocument.org_id == org_id,
            OutgoingDocument.symbol == parts[2],
            OutgoingDocument.document_date == issued_on,
        )
    )
    return next((doc for doc in candidates if document_id(doc) == edxml_id), None)


def _progress(delivery: Delivery, packet: edxml.StatusPacket, note: str) -> None:
    status = DeliveryStatus(packet.status_code)
    was = delivery.status
    if status == DeliveryStatus.REJECTED:
        reason = (packet.description or "").strip()
        _set_status(delivery, status, note=reason)
        delivery.events[-1].note = note[:1000]
        delivery.events[-1].at = _at(packet)
        if was != delivery.status:
            _notify(delivery, reason, refused_recall=False)
        return
    # The description of 01, 03–06 goes to the history only: the "Lý do" column of the
    # document page is for a refusal or a recall.
    _set_status(delivery, status, note=None)
    delivery.events[-1].note = note[:1000] or None
    delivery.events[-1].at = _at(packet)


def _set_status(delivery: Delivery, status: DeliveryStatus, *, note: str | None) -> None:
    from eoffice.outgoing.delivery import _set_status as set_status

    set_status(delivery, status, actor_id=None, note=note)


def _recall_request(delivery: Delivery) -> ExchangePacket | None:
    """Our recall request (13) on this delivery, if the document was recalled."""
    if delivery.outgoing.state != outgoing_flow.RECALLED:
        return None
    return db.session.scalars(
        select(ExchangePacket)
        .where(
            ExchangePacket.delivery_id == delivery.id,
            ExchangePacket.direction == PacketDirection.OUT,
            ExchangePacket.kind == PacketKind.STATUS,
            ExchangePacket.status_code == RECALL_REQUEST,
        )
        .order_by(ExchangePacket.id.desc())
    ).first()


def _note(packet: edxml.StatusPacket) -> str:
    """The description, then who handled it at the recipient's office (StaffInfo)."""
    text = (packet.description or "").strip()
    staff = packet.staff
    if staff is not None:
        who = ", ".join(
            part for part in (staff.staff, staff.department, staff.mobile, staff.email) if part
        )
        text = f"{text} (Người xử lý: {who})" if text else f"Người xử lý: {who}"
    return text


def _joined(head: str, note: str) -> str:
    return f"{head}: {note}" if note else head


def _at(packet: edxml.StatusPacket) -> datetime:
    """When the recipient says it happened (its Timestamp), never in our future."""
    when = packet.timestamp
    if when.tzinfo is None:
        return now_utc()
    return min(when, now_utc()).astimezone(UTC)


def _notify(delivery: Delivery, reason: str, *, refused_recall: bool) -> None:
    from eoffice.notifications.models import NotificationKind
    from eoffice.outgoing import news

    kind = NotificationKind.RECALL_REFUSED if refused_recall else NotificationKind.DELIVERY_REJECTED
    news.after_refusal(None, delivery, reason, kind)
