"""Thu hồi: an issued document is recalled, and every copy delivered inside is withdrawn.

NĐ 30 Đ18.4: the recipient cancels a recalled e-document in its system and tells the
sender. Inside one deployment both happen in the recall's transaction: the sender's
document is frozen as recalled (its number stays used), each delivery reports 13, and
each recipient's incoming entry still open ends cancelled through the incoming workflow's
`withdraw` step, with the reason on its timeline. A replacement is drafted as a new
document that names the one it replaces (`replaces_id`).

Outside agencies (DOMAIN §2, Viettel's rule there): a copy the hub has not taken yet
(exchange state queued or failed) is only marked recalled here, and its forwarding job
then sends nothing (eoffice.exchange.forwarding.forward). A copy the hub took gets a
status 13 "Yêu cầu lấy lại" with the reason, queued through the outbox; the delivery
stays as it is until the recipient answers 15 (then recalled) or 16 (it keeps its copy),
which eoffice.exchange.feedback applies. Status 13 rather than a BussinessDocType 1
document: QĐ 28's recall notice is answered by 15/16, which §3.5 pairs with 13, and a
status carries the reason without sending the document's metadata and files again.
"""

from __future__ import annotations

from sqlalchemy import select

from eoffice.core.audit import record as audit_record
from eoffice.core.errors import Conflict
from eoffice.core.steps import transaction
from eoffice.core.text import clean_multiline
from eoffice.core.timeutil import now_utc
from eoffice.extensions import db
from eoffice.incoming.models import IncomingDocument
from eoffice.orgs.models import User
from eoffice.outgoing.delivery import _set_status
from eoffice.outgoing.involvement import get_visible
from eoffice.outgoing.models import Delivery, DeliveryEvent, DeliveryStatus, OutgoingDocument
from eoffice.outgoing.review import fire_step, record
from workflows import incoming as incoming_flow
from workflows import outgoing as outgoing_flow
from workflows.engine import TransitionRefused, fire
from workflows.roles import SENDER


@transaction
def recall(actor: User, doc_id: int, reason: str) -> OutgoingDocument:
    doc = get_visible(actor, doc_id)
    reason = clean_multiline(reason)
    event = fire_step(actor, doc, outgoing_flow.RECALL, reason=reason)
    doc.state = event.to_state
    doc.state_reason = reason[:1000]
    _lock_exchange_deliveries(doc)
    withdrawn: list[bool] = []
    requested = 0
    for delivery in doc.deliveries:
        if delivery.channel == "exchange" and delivery.exchange_state == "sent":
            requested += _request_recall(actor, doc, delivery, reason)
            continue
        _set_status(delivery, DeliveryStatus.RECALLED, actor_id=actor.id, note=reason)
        if delivery.channel == "exchange":
            delivery.exchange_state = "recalled"  # never sent now (forwarding.forward)
        if delivery.incoming_document_id is not None:
            withdrawn.append(_withdraw(actor, doc, delivery.incoming_document_id, reason))
    changes = {"withdrawn": sum(1 for done in withdrawn if done)}
    if requested:
        changes["recall_requested"] = requested
    record(actor, doc, "recalled", event, changes, reason)
    return doc


def _lock_exchange_deliveries(doc: OutgoingDocument) -> None:
    """Wait for a forwarding job sending one of them (it holds the row) and read its
    outcome: a copy the hub took in the meantime needs a recall request, not a mark."""
    db.session.scalars(
        select(Delivery)
        .where(Delivery.outgoing_id == doc.id, Delivery.channel == "exchange")
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()


def _request_recall(actor: User, doc: OutgoingDocument, delivery: Delivery, reason: str) -> int:
    """Queue status 13 to a recipient the hub delivered to; 0 if it already refused it."""
    from eoffice.exchange import edxml, outbox
    from eoffice.exchange.forwarding import document_id
    from eoffice.exchange.models import PacketKind
    from eoffice.exchange.settings import code_pattern

    if delivery.status in (DeliveryStatus.REJECTED, DeliveryStatus.RECALLED):
        return 0  # the recipient does not hold it (refused), or already gave it back
    org = doc.organisation
    edxml_id = document_id(doc)
    packet = edxml.StatusPacket(
        document_id=edxml_id,
        from_=edxml.Organisation(org.agency_code or "", org.name),
        to=edxml.Organisation(delivery.agency_code or "", delivery.recipient_name),
        status_code="13",
        timestamp=now_utc(),
        description=reason[:500],
        staff=edxml.StaffInfo(
            actor.unit.name if actor.unit else org.name,
            actor.full_name,
            email=actor.email,
        ),
        code=doc.symbol,
        promulgation_date=doc.document_date,
    )
    try:
        data = edxml.build_status(packet, agency_code_pattern=code_pattern())
    except edxml.PacketRefused as exc:
        raise Conflict(
            f"Không lập được yêu cầu thu hồi gửi {delivery.recipient_name}: {exc}"
        ) from exc
    row = outbox.queue_packet(
        org,
        data,
        kind=PacketKind.STATUS,
        document_id=edxml_id,
        to_code=delivery.agency_code or "",
        to_name=delivery.recipient_name,
        status_code="13",
        description=reason,
        delivery_id=delivery.id,
    )
    row.done_by_id = actor.id  # who asked: the packet log's "người gửi"
    note = f"Đã gửi yêu cầu thu hồi qua trục liên thông, chờ nơi nhận trả lời: {reason}"
    delivery.events.append(
        DeliveryEvent(status=DeliveryStatus.RECALLED, note=note[:1000], actor_id=actor.id)
    )
    return 1


def _withdraw(actor: User, doc: OutgoingDocument, incoming_id: int, reason: str) -> bool:
    """Cancel the recipient's entry if the incoming workflow still allows it (not filed)."""
    note = f"Thu hồi theo văn bản {doc.symbol} của {doc.organisation.name}: {reason}"
    return withdraw_incoming(actor, incoming_id, note)


def withdraw_incoming(actor: User, incoming_id: int, note: str) -> bool:
    """The incoming workflow's `withdraw` step on a register entry, with `note` as its
    reason; False when the entry is gone or already closed (filed, cancelled, rejected).
    Shared by a recall inside the deployment and one through the exchange
    (eoffice.exchange.inbox), so both leave the same timeline."""
    incoming = db.session.get(IncomingDocument, incoming_id)
    if incoming is None:
        return False
    try:
        event = fire(
            incoming_flow.WORKFLOW,
            incoming.state,
            incoming_flow.WITHDRAW,
            {SENDER},
            {"reason": note},
        )
    except TransitionRefused:
        return False  # already closed (filed, cancelled, rejected): stays as it is
    incoming.state = event.to_state
    incoming.cancel_reason = note[:500]
    audit_record(
        actor_id=actor.id,
        org_id=incoming.org_id,
        subject_type="incoming",
        subject_id=incoming.id,
        action="withdrawn",
        changes={
            "state": {
                "from": incoming_flow.STATE_LABELS[event.from_state],
                "to": incoming_flow.STATE_LABELS[event.to_state],
            }
        },
        note=note[:1000],
    )
    return True
