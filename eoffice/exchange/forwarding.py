"""Forwarding issued documents to outside agencies through the exchange.

Publishing a document (eoffice.outgoing.issuing.publish) leaves one delivery per outside
recipient in the exchange state `queued` and queues one job per delivery (queue `high`).
The job builds the edXML packet with the signed PDF and the signed attachments and sends
it with the organisation's hub client:
- the hub took it: the delivery is `sent`; sending again is harmless (the hub keeps one
  copy per DocumentId, sender and recipient), so a job retried after a crash between the
  hub's answer and our commit never makes a second copy;
- the hub is unreachable or failing (HubUnavailable): the job raises and RQ retries it
  with growing waits (RETRY_INTERVALS); after the last one the delivery is `failed`;
- the hub refuses the packet (HubRefused), or the exchange is not configured: `failed` at
  once, with the reason, since retrying would change nothing.
A failed delivery shows to the clerk and the admin with "Gửi lại" (`send_again`).
A delivery recalled before the hub took it is `recalled` and never sent (the job checks,
under the row's lock, which a recall also takes). A replacement's packet is a REPLACE
(BussinessDocType 3) naming the replaced document (`business_for`).
"""

from __future__ import annotations

import logging

from sqlalchemy import select

from eoffice.core.errors import Conflict, Forbidden
from eoffice.core.timeutil import now_utc, to_local
from eoffice.exchange.settings import code_pattern
from eoffice.extensions import db
from eoffice.incoming.attachments import file_store
from eoffice.orgs.models import Role, User
from eoffice.outgoing.involvement import get_visible
from eoffice.outgoing.models import Delivery, DeliveryStatus, OutgoingDocument
from workflows import outgoing as outgoing_flow

log = logging.getLogger(__name__)

TASK = "eoffice.jobs.tasks.forward_delivery"
QUEUE = "high"
RETRY_INTERVALS = [10, 30, 90, 270, 810]  # seconds: about 20 minutes in all
QUEUED, SENT, FAILED = "queued", "sent", "failed"
RECALLED = "recalled"  # recalled before the hub took it: never to be sent
SECRET_REFUSED = (
    "Không gửi: văn bản mật không được gửi qua trục liên thông, hãy gửi bản giấy theo quy định."
)


def document_id(doc: OutgoingDocument) -> str:
    """The edXML DocumentId: sender's code, issue date and symbol (as the SDK samples do)."""
    assert doc.document_date is not None and doc.symbol is not None
    return f"{doc.organisation.agency_code},{doc.document_date:%Y/%m/%d},{doc.symbol}"


def packet_for(doc: OutgoingDocument, delivery: Delivery):
    """The edXML document packet of `doc` for one outside recipient."""
    from eoffice.exchange import edxml
    from eoffice.outgoing.delivery import signed_name

    org = doc.organisation
    number, _, notation = (doc.symbol or "").partition("/")
    store = file_store()
    files = [
        edxml.Attachment(
            "vanban", signed_name(doc), "application/pdf", store.read(doc.signed_file.sha256)
        )
    ]
    for position, attachment in enumerate(doc.attachments, start=1):
        sent = attachment.sent_file
        files.append(
            edxml.Attachment(
                f"dinhkem{position}",
                attachment.original_name,
                sent.mime_type,
                store.read(sent.sha256),
            )
        )
    type_codes = {name: code for code, name in edxml.DEFAULT_CODE_TABLES.document_types.items()}
    capacity = f"{doc.capacity}." if doc.capacity else None
    return edxml.DocumentPacket(
        document_id=document_id(doc),
        from_=edxml.Organisation(org.agency_code or "", org.name),
        to=(edxml.Organisation(delivery.agency_code or "", delivery.recipient_name),),
        code_number=number,
        code_notation=notation,
        promulgation_place=doc.place_name or "",
        promulgation_date=doc.document_date,
        document_type=edxml.DocumentType(
            type_codes.get(doc.document_type.name, 18), doc.document_type.name
        ),
        subject=doc.subject,
        signer=edxml.Signer(
            (doc.signer_title or "").capitalize(),
            doc.signer.full_name if doc.signer else "",
            f"{capacity} {doc.capacity_title}" if capacity and doc.capacity_title else None,
        ),
        to_places=tuple(r.name for r in doc.recipients),
        priority=min(max(doc.urgency.rank, 0), 4),
        page_amount=doc.page_count,
        business=business_for(doc),
        trace_headers=(edxml.TraceHeader(org.agency_code or "", to_local(now_utc())),),
        attachments=tuple(files),
    )


def business_for(doc: OutgoingDocument):
    """`Bussiness` of a first issue: new, or REPLACE naming the replaced document.

    A replacement (NĐ 30 Đ18: drafted from an issued document, `replaces_id`) tells every
    recipient which document it replaces (ReplacementInfo: its DocumentId and the
    agencies it went to through the exchange), so their systems can link the two.
    """
    from eoffice.exchange import edxml

    old = doc.replaces
    if old is None or old.symbol is None or old.document_date is None:
        return edxml.Business()
    codes = tuple(
        dict.fromkeys(
            d.agency_code for d in old.deliveries if d.channel == "exchange" and d.agency_code
        )
    )
    return edxml.Business(
        doc_type=edxml.BusinessDocType.REPLACE,
        reason=f"Thay thế văn bản số {old.symbol} ngày {old.document_date:%d/%m/%Y}"[:500],
        document_id=document_id(doc),
        replacements=(edxml.Replacement(document_id(old), codes),),
    )


def queue(deliveries: list[Delivery]) -> list[int]:
    """Mark outside deliveries queued; their ids, to enqueue after the commit."""
    ids = []
    for delivery in deliveries:
        if delivery.channel == "exchange" and delivery.exchange_state in (None, FAILED):
            delivery.exchange_state = QUEUED
            ids.append(delivery.id)
    return ids


def enqueue(delivery_ids: list[int]) -> None:
    from eoffice.exchange.sending import enqueue_sends

    enqueue_sends(
        TASK,
        delivery_ids,
        queue=QUEUE,
        intervals=RETRY_INTERVALS,
        what="forwarding of delivery",
    )


def forward(delivery_id: int, *, last_try: bool | None = None) -> str:
    """The job: send one delivery's packet; its exchange state afterwards."""
    from eoffice.exchange import edxml
    from eoffice.exchange.sending import attempt, is_last_try

    # The row stays locked while sending: a recall waits for the outcome, and a recall
    # committed first is seen here (eoffice.outgoing.recall).
    delivery = db.session.scalars(
        select(Delivery)
        .where(Delivery.id == delivery_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if delivery is None or delivery.exchange_state != QUEUED:
        state = delivery.exchange_state if delivery else "missing"
        db.session.rollback()  # releases the lock
        return state or "missing"
    doc = delivery.outgoing
    if delivery.status == DeliveryStatus.RECALLED or doc.state == outgoing_flow.RECALLED:
        delivery.exchange_state = RECALLED  # recalled before the hub took it: never sent
        db.session.commit()
        log.info("delivery %s recalled before sending: not sent", delivery.id)
        return RECALLED

    if doc.is_secret:  # the last guard: drafting refuses it, this never builds a packet
        delivery.exchange_state = FAILED
        delivery.last_error = SECRET_REFUSED
        db.session.commit()
        log.error(
            "delivery %s refused: document %s is secret, never exchanged", delivery.id, doc.id
        )
        return FAILED

    def set_state(state: str) -> None:
        delivery.exchange_state = state

    state = attempt(
        doc.organisation,
        delivery,
        lambda: edxml.build_document(packet_for(doc, delivery), agency_code_pattern=code_pattern()),
        set_state,
        last_try=is_last_try(last_try),
    )
    if state == SENT:
        log.info("delivery %s sent to %s through the exchange", delivery.id, delivery.agency_code)
    return state


def can_send_again(actor: User, delivery: Delivery) -> bool:
    """A clerk or admin of the sending office, for a delivery not yet taken by the hub."""
    return (
        delivery.channel == "exchange"
        and delivery.exchange_state in (QUEUED, FAILED)
        and actor.org_id == delivery.outgoing.org_id
        and not delivery.outgoing.is_secret  # refused for good: sending again changes nothing
        and actor.has_role(Role.CLERK, Role.ADMIN)
    )


def send_again(actor: User, delivery_id: int) -> Delivery:
    """Gửi lại: a failed (or stuck) delivery is queued once more, by a clerk or an admin."""
    delivery = db.session.get(Delivery, delivery_id)
    if delivery is None:
        raise Conflict("Không có lượt gửi này.")
    get_visible(actor, delivery.outgoing_id)  # 404 outside the sender's office
    if not actor.has_role(Role.CLERK, Role.ADMIN):
        raise Forbidden("Chỉ văn thư hoặc quản trị mới gửi lại văn bản qua trục.")
    if not can_send_again(actor, delivery):
        raise Conflict("Văn bản đã được gửi lên trục, không cần gửi lại.")
    delivery.exchange_state = QUEUED
    delivery.last_error = None
    db.session.commit()
    enqueue([delivery.id])
    return delivery
