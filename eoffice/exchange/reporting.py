"""Statuses we send back to the agency that sent us a document through the exchange.

Every status (01 arrived, 02 refused, 03 registered, 04 assigned, 05 in progress,
06 completed, 15/16 a recall answered) is a packet queued by eoffice.exchange.outbox in
the transaction of the step that caused it, so a rolled-back step tells nobody anything
and a committed one is sent (retried) after the commit. Which workflow state reports
which code is the incoming workflow's (workflows.incoming.EXCHANGE_STATUS), exactly as
for deliveries inside the deployment (eoffice.outgoing.delivery.report).
"""

from __future__ import annotations

import logging

from sqlalchemy import select

from eoffice.core.timeutil import now_utc
from eoffice.exchange.models import ExchangePacket, PacketDirection, PacketKind
from eoffice.exchange.settings import code_pattern
from eoffice.extensions import db
from eoffice.orgs.models import Organisation, User
from workflows.incoming import EXCHANGE_STATUS

log = logging.getLogger(__name__)


def staff_of(actor: User | None):
    """`StaffInfo` of the person who handled the step: their unit (or office) and name."""
    from eoffice.exchange import edxml

    if actor is None:
        return None
    unit = actor.unit.name if getattr(actor, "unit", None) else actor.organisation.name
    email = actor.email if len(actor.email) <= 100 else None
    return edxml.StaffInfo(department=unit[:200], staff=actor.full_name[:100], email=email)


def send_status(
    org: Organisation,
    received: ExchangePacket,
    code: str,
    *,
    description: str | None = None,
    actor: User | None = None,
    incoming_document_id: int | None = None,
) -> ExchangePacket:
    """Queue status `code` about the inbound packet `received` back to its sender.

    ResponseFor carries the received document's DocumentId, number/notation and date, so
    the sender matches the status to its own delivery. Raises edxml.PacketRefused if the
    status cannot be built (e.g. a 02 without a reason).
    """
    from eoffice.exchange import edxml
    from eoffice.exchange.outbox import queue_packet

    packet = edxml.StatusPacket(
        document_id=received.document_id,
        from_=edxml.Organisation(org.agency_code or "", org.name[:200]),
        to=edxml.Organisation(received.counterpart_code, received.counterpart_name[:200]),
        status_code=code,
        timestamp=now_utc().astimezone(edxml.PACKET_TZ),
        description=description[:1000] if description else None,
        staff=staff_of(actor),
        code=received.symbol or None,
        promulgation_date=received.document_date,
    )
    data = edxml.build_status(packet, agency_code_pattern=code_pattern())
    log.info(
        "status %s about %s queued for %s", code, received.document_id, received.counterpart_code
    )
    return queue_packet(
        org,
        data,
        kind=PacketKind.STATUS,
        document_id=received.document_id,
        to_code=received.counterpart_code,
        to_name=received.counterpart_name,
        status_code=code,
        description=description,
        incoming_document_id=incoming_document_id or received.incoming_document_id,
        refers_to_id=received.id,
    )


def already_sent(received: ExchangePacket, code: str) -> bool:
    """Whether status `code` about this received packet is already in our outbound log."""
    return (
        db.session.scalars(
            select(ExchangePacket.id).where(
                ExchangePacket.direction == PacketDirection.OUT,
                ExchangePacket.kind == PacketKind.STATUS,
                ExchangePacket.refers_to_id == received.id,
                ExchangePacket.status_code == code,
            )
        ).first()
        is not None
    )


def report(incoming_document_id: int, state: str, actor: User, note: str | None = None) -> None:
    """The incoming document entered `state`: tell the agency that sent it (same transaction).

    Called by the incoming workflow's steps (eoffice.incoming.processing._record) for
    documents whose source is the exchange. A code already reported for this document is
    not sent again (a reassignment, a reopening): the hub would keep one copy anyway, and
    the sender's view of the document never goes back.
    """
    code = EXCHANGE_STATUS.get(state)
    if code is None:
        return
    received = db.session.scalars(
        select(ExchangePacket)
        .where(
            ExchangePacket.direction == PacketDirection.IN,
            ExchangePacket.kind == PacketKind.DOCUMENT,
            ExchangePacket.incoming_document_id == incoming_document_id,
        )
        .order_by(ExchangePacket.id.desc())
    ).first()
    if received is None or already_sent(received, code):
        return
    send_status(
        received.organisation,
        received,
        code,
        description=note,
        actor=actor,
        incoming_document_id=incoming_document_id,
    )
