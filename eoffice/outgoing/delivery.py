"""Delivery inside the deployment: one copy per recipient, and its statuses coming back.

An issued document reaches each member organisation at once: a `Delivery` row in status
01 (đã đến) is the recipient clerk's inbox entry. Registering it creates the incoming
document with the signed PDF and attachments (status 03); the recipient's assigning,
starting and completing move it to 04, 05, 06 (DOMAIN §3.5), and a refusal to 02 with
its reason. The sender reads these per recipient. Outside agencies get a row in 00,
which eoffice.exchange.forwarding sends.
"""

from __future__ import annotations

import logging

from sqlalchemy import Select, func, insert, literal, select
from sqlalchemy.orm import selectinload

from eoffice.core import audit
from eoffice.core.aftercommit import run_pending
from eoffice.core.dbtypes import UTCDateTime
from eoffice.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from eoffice.core.pagination import (
    COUNT_CAP,
    CappedCount,
    KeysetPage,
    SortKey,
    count_upto,
    keyset_page,
)
from eoffice.core.text import clean_multiline
from eoffice.core.timeutil import now_utc
from eoffice.directives.models import ReportRequest, ReportTask, TaskState
from eoffice.extensions import db
from eoffice.orgs.models import Role, User
from eoffice.outgoing.models import (
    Delivery,
    DeliveryEvent,
    DeliveryStatus,
    OutgoingDocument,
    OutgoingRecipient,
    RecipientKind,
)
from workflows.incoming import EXCHANGE_STATUS

log = logging.getLogger(__name__)

# A status never goes back: a late "assigned" after "completed" (a reassignment after a
# reopening) is recorded in the history but does not lower what the sender sees.
_ORDER = [
    DeliveryStatus.QUEUED,
    DeliveryStatus.ARRIVED,
    DeliveryStatus.REGISTERED,
    DeliveryStatus.ASSIGNED,
    DeliveryStatus.IN_PROGRESS,
    DeliveryStatus.COMPLETED,
]


def _set_status(
    delivery: Delivery, status: DeliveryStatus, *, actor_id: int | None, note: str | None = None
) -> None:
    delivery.events.append(DeliveryEvent(status=status, note=note, actor_id=actor_id))
    current = DeliveryStatus(delivery.status) if delivery.status else None
    final = {DeliveryStatus.REJECTED, DeliveryStatus.RECALLED}
    if current in final:
        return
    if status in final or current is None or _ORDER.index(status) > _ORDER.index(current):
        delivery.status = status
        delivery.status_at = now_utc()
        if note:
            delivery.reason = note[:1000]


def deliver(doc: OutgoingDocument) -> list[Delivery]:
    """One delivery per member or outside recipient; created once, whatever the retries.

    A directive goes to hundreds of schools, so the member copies are written by a
    fixed number of statements whatever their number: one INSERT … SELECT of the
    deliveries from the document's recipients, one of their first events (01), one of
    the report tasks (each request × each member delivery, with the request's deadline).
    Each skips what a previous attempt already wrote, so a retried publish creates
    nothing twice. Outside agencies (a handful, sent one by one through the exchange)
    are added as before, after the members. Returns what was created, members first.
    """
    existing = set(
        db.session.scalars(select(Delivery.recipient_org_id).where(Delivery.outgoing_id == doc.id))
    )
    ids = _deliver_to_members(doc.id)  # first: members come first in the list, too
    created: list[Delivery] = _loaded(doc.id, ids) if ids else []
    outside = db.session.scalars(  # not the thousands of member lines: those stay in SQL
        select(OutgoingRecipient)
        .where(
            OutgoingRecipient.document_id == doc.id,
            OutgoingRecipient.kind == RecipientKind.EXTERNAL,
        )
        .order_by(OutgoingRecipient.position, OutgoingRecipient.id)
    ).all()
    for recipient in outside:
        if recipient.org_id in existing:
            continue
        delivery = Delivery(
            outgoing_id=doc.id,  # not through doc.deliveries: that would load them all
            recipient_org_id=recipient.org_id,
            agency_code=recipient.agency_code,
            recipient_name=recipient.name,
            channel="exchange",
            status="",
        )
        _set_status(delivery, DeliveryStatus.QUEUED, actor_id=None)
        db.session.add(delivery)
        existing.add(recipient.org_id)
        created.append(delivery)
    db.session.expire(doc, ["deliveries"])
    return created


def _deliver_to_members(doc_id: int) -> set[int]:
    """The member copies, their first events and their report tasks, in three statements;
    the ids of the deliveries this call created."""
    moment = now_utc()
    first = (
        select(func.min(OutgoingRecipient.id))
        .where(
            OutgoingRecipient.document_id == doc_id,
            OutgoingRecipient.kind == RecipientKind.MEMBER,
            OutgoingRecipient.org_id.is_not(None),
        )
        .group_by(OutgoingRecipient.org_id)
    )
    already = select(Delivery.id).where(
        Delivery.outgoing_id == doc_id, Delivery.recipient_org_id == OutgoingRecipient.org_id
    )
    new_rows = select(
        literal(doc_id),
        OutgoingRecipient.org_id,
        OutgoingRecipient.name,
        literal("internal"),
        literal(DeliveryStatus.ARRIVED.value),
        literal(moment, UTCDateTime),
        literal(0),
        literal(moment, UTCDateTime),
    ).where(OutgoingRecipient.id.in_(first), ~already.exists())
    # In the order of the recipients' list: the ids follow it, and so does every list
    # of the deliveries (the document page, the API).
    new_rows = new_rows.order_by(OutgoingRecipient.position, OutgoingRecipient.id)
    inserted = db.session.execute(
        insert(Delivery)
        .from_select(
            [
                "outgoing_id",
                "recipient_org_id",
                "recipient_name",
                "channel",
                "status",
                "status_at",
                "attempts",
                "created_at",
            ],
            new_rows,
            include_defaults=False,
        )
        .returning(Delivery.id)
    )
    ids = set(inserted.scalars())
    if not ids:
        return ids
    internal = (Delivery.outgoing_id == doc_id, Delivery.channel == "internal")
    has_event = select(DeliveryEvent.id).where(DeliveryEvent.delivery_id == Delivery.id)
    db.session.execute(
        insert(DeliveryEvent).from_select(
            ["delivery_id", "status", "at"],
            select(
                Delivery.id, literal(DeliveryStatus.ARRIVED.value), literal(moment, UTCDateTime)
            ).where(*internal, ~has_event.exists()),
            include_defaults=False,
        )
    )
    has_task = select(ReportTask.id).where(
        ReportTask.request_id == ReportRequest.id,
        ReportTask.recipient_org_id == Delivery.recipient_org_id,
    )
    db.session.execute(
        insert(ReportTask).from_select(
            [
                "request_id",
                "recipient_org_id",
                "delivery_id",
                "deadline",
                "state",
                "late",
                "reminders_sent",
            ],
            select(
                ReportRequest.id,
                Delivery.recipient_org_id,
                Delivery.id,
                ReportRequest.deadline,
                literal(TaskState.OPEN.value),
                literal(False),
                literal(0),
            )
            .join(Delivery, Delivery.outgoing_id == ReportRequest.outgoing_id)
            .where(ReportRequest.outgoing_id == doc_id, *internal, ~has_task.exists()),
            include_defaults=False,
        )
    )
    return ids


def _loaded(doc_id: int, ids: set[int]) -> list[Delivery]:
    """The member deliveries just written, as rows (one query, by name)."""
    rows = db.session.scalars(
        select(Delivery)
        .where(Delivery.outgoing_id == doc_id, Delivery.channel == "internal")
        .order_by(Delivery.id)
    )
    return [row for row in rows if row.id in ids]


def report(incoming_document_id: int, state: str, actor: User, note: str | None = None) -> None:
    """The recipient's document entered `state`: tell the sender (same transaction).

    Which state reports which code is the incoming workflow's (EXCHANGE_STATUS).
    """
    code = EXCHANGE_STATUS.get(state)
    if code is None:
        return
    delivery = db.session.scalars(
        select(Delivery).where(Delivery.incoming_document_id == incoming_document_id)
    ).first()
    if delivery is not None:
        _set_status(delivery, DeliveryStatus(code), actor_id=actor.id, note=note)


# The recipient's inbox ----------------------------------------------------------------


INBOX_ROLES = (Role.CLERK, Role.LEADER)  # whose office's inbox this is
# Newest arrival first; the id (the delivery order) makes the order total.
# Oldest first: the clerk's work queue, registered in the order it arrived.
INBOX_ORDER = SortKey("outgoing.inbox", ((Delivery.created_at, False), (Delivery.id, False)))
# What a row shows besides the delivery (the document's type, urgency and
# confidentiality are joined to it), loaded for the whole page at once.
INBOX_LOADS = (
    selectinload(Delivery.outgoing).options(
        selectinload(OutgoingDocument.organisation),
        selectinload(OutgoingDocument.attachments),
        selectinload(OutgoingDocument.signer),
    ),
)
# inbox(): at most this many rows (the page and the API walk the rest with a cursor).
INBOX_LIMIT = 200


def _waiting(user: User) -> Select:
    """What has arrived for the user's organisation and waits for its clerk (signed:
    the copy to read is there), filtered, not ordered."""
    return (
        select(Delivery)
        .join(OutgoingDocument, Delivery.outgoing_id == OutgoingDocument.id)
        .where(
            Delivery.recipient_org_id == user.org_id,
            Delivery.status == DeliveryStatus.ARRIVED,
            OutgoingDocument.signed_file_id.is_not(None),
        )
    )


def inbox_page(user: User, cursor: str | None, per_page: int) -> KeysetPage:
    """One keyset page of the inbox, oldest first, with its capped count; an empty
    page for anyone but the office's clerks and leaders (it is not their list)."""
    if not user.has_role(*INBOX_ROLES):
        return KeysetPage([], CappedCount(0, COUNT_CAP))
    return keyset_page(_waiting(user), INBOX_ORDER, cursor, per_page, options=INBOX_LOADS)


def inbox_count(user: User) -> CappedCount:
    """How many wait in the inbox, capped (a badge or a link): one COUNT that stops at
    COUNT_CAP, never the rows themselves."""
    if not user.has_role(*INBOX_ROLES):
        return CappedCount(0, COUNT_CAP)
    return count_upto(_waiting(user))


def inbox(user: User, limit: int = INBOX_LIMIT) -> list[Delivery]:
    """The oldest `limit` entries of the inbox (no count), for code that wants the few
    at its top, never the whole of it; [] for anyone but clerks and leaders."""
    if not user.has_role(*INBOX_ROLES):
        return []
    stmt = _waiting(user).options(*INBOX_LOADS).order_by(*INBOX_ORDER.order_by()).limit(limit)
    return list(db.session.scalars(stmt))


def get_for_recipient(user: User, delivery_id: int) -> Delivery:
    delivery = db.session.get(Delivery, delivery_id)
    if delivery is None or delivery.recipient_org_id != user.org_id:
        raise NotFound("Không tìm thấy văn bản gửi đến này.")
    return delivery


def signed_copy(user: User, delivery_id: int) -> tuple[bytes, str]:
    """The signed PDF of a document sent to the user's office, to read before registering.

    The recipient's clerks and leaders may read it while it waits (and afterwards: it
    is then also the registered document's attachment).
    """
    from eoffice.incoming.attachments import file_store

    delivery = get_for_recipient(user, delivery_id)
    if not user.has_role(Role.CLERK, Role.LEADER):
        raise Forbidden("Chỉ văn thư hoặc lãnh đạo mới xem văn bản chờ vào sổ.")
    doc = delivery.outgoing
    if doc.signed_file is None or delivery.status == DeliveryStatus.RECALLED:
        raise NotFound("Văn bản chưa có bản ký số hoặc đã bị thu hồi.")
    return file_store().read(doc.signed_file.sha256), signed_name(doc)


def signed_name(doc: OutgoingDocument) -> str:
    """ "05-KH-GDĐT.pdf": the symbol, with the slash a file name cannot hold."""
    return f"{(doc.symbol or str(doc.id)).replace('/', '-')}.pdf"


def register_delivery(actor: User, delivery_id: int, *, book_code: str = "general"):
    """Vào sổ a delivered document: an incoming document with the signed PDF and files.

    The fields come from the sender's register entry, so the clerk types nothing; the
    registration goes through the same service as any other (numbering, audit, urgent
    notifications), then the delivery links to it and reports 03.
    """
    from eoffice.incoming.attachments import Upload, file_store
    from eoffice.incoming.models import Source
    from eoffice.incoming.services import register_incoming
    from eoffice.incoming.validation import IncomingInput

    delivery = get_for_recipient(actor, delivery_id)
    if not actor.has_role(Role.CLERK):
        raise Forbidden("Chỉ văn thư mới được vào sổ văn bản đến.")
    if delivery.status != DeliveryStatus.ARRIVED:
        raise Conflict(f"Văn bản này đã ở trạng thái «{delivery.status_label}».")
    doc = delivery.outgoing
    if doc.signed_file is None:
        raise Conflict("Văn bản đang được ký số, vui lòng thử lại sau ít phút.")
    store = file_store()
    uploads = [Upload(signed_name(doc), store.read(doc.signed_file.sha256))]
    uploads += [Upload(a.original_name, store.read(a.sent_file.sha256)) for a in doc.attachments]
    data = IncomingInput(
        sender_name=doc.organisation.name,
        sender_org_id=doc.org_id,
        sender_agency_code=doc.organisation.agency_code,
        symbol=doc.symbol or "",
        document_date=doc.document_date,
        document_type_id=doc.document_type_id,
        subject=doc.subject,
        signer_name=doc.signer.full_name if doc.signer else None,
        signer_position=(doc.signer_title or "").capitalize() or None,
        page_count=doc.page_count,
        urgency_code=doc.urgency_code,
        confidentiality_code=doc.confidentiality_code,
        source=Source.INTERNAL,
        book_code=book_code,
    )
    incoming = register_incoming(actor, data, uploads, confirm_duplicate=True, delivery=delivery)
    log.info("delivery %s registered as incoming %s", delivery.id, incoming.id)
    return incoming


def link_registration(delivery: Delivery, incoming_id: int, actor: User) -> None:
    """Called by the registering transaction: the delivery now points at its entry."""
    delivery.incoming_document_id = incoming_id
    _set_status(delivery, DeliveryStatus.REGISTERED, actor_id=actor.id)


def reject_delivery(actor: User, delivery_id: int, reason: str) -> Delivery:
    from eoffice.outgoing import news

    """Từ chối tiếp nhận (02): sent to the wrong office, unreadable…; the reason goes back."""
    try:
        delivery = get_for_recipient(actor, delivery_id)
        if not actor.has_role(Role.CLERK, Role.LEADER):
            raise Forbidden("Chỉ văn thư hoặc lãnh đạo mới được từ chối tiếp nhận.")
        if delivery.status != DeliveryStatus.ARRIVED:
            raise Conflict(f"Văn bản này đã ở trạng thái «{delivery.status_label}».")
        reason = clean_multiline(reason)
        if len(reason) < 5:
            message = "Vui lòng ghi lý do từ chối (ít nhất 5 ký tự)."
            raise ValidationFailed(message, field_errors={"reason": message})
        _set_status(delivery, DeliveryStatus.REJECTED, actor_id=actor.id, note=reason)
        audit.record(
            actor_id=actor.id,
            org_id=actor.org_id,
            subject_type="outgoing",
            subject_id=delivery.outgoing_id,
            action="delivery_rejected",
            changes={"recipient": delivery.recipient_name},
            note=reason,
        )
        news.after_refusal(actor, delivery, reason)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    run_pending()
    return delivery
