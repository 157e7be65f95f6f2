"""The outbound packet queue: status packets and recall, update and replace documents.

A step that must tell another agency something (a registration reported as 03, a
recall requested, a recall accepted as 15…) calls `queue_packet` inside its own
transaction: the packet's bytes go to the file store and a row to `exchange_packets`
in state `queued`; the send job is enqueued only after the commit (core.aftercommit),
so a rolled-back step sends nothing and a committed one is never forgotten (a row left
`queued` because Redis was down is visible and can be sent again).

The job (`eoffice.jobs.tasks.send_exchange_packet`, queue `high`) sends the stored bytes
as they are, so every retry sends the same packet and the hub's deduplication keeps
one copy; the retry rule is eoffice.exchange.sending's.
"""

from __future__ import annotations

import logging

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from eoffice.core.aftercommit import after_commit
from eoffice.core.errors import Conflict, Forbidden, NotFound
from eoffice.core.models import StoredFile
from eoffice.exchange.models import ExchangePacket, PacketDirection, PacketKind, PacketState
from eoffice.extensions import db
from eoffice.orgs.models import Organisation, Role, User

log = logging.getLogger(__name__)

TASK = "eoffice.jobs.tasks.send_exchange_packet"
QUEUE = "high"
RETRY_INTERVALS = [10, 30, 90, 270, 810]  # seconds, as for forwarding
PACKET_MIME = "application/xml"


def store_packet(data: bytes) -> StoredFile:
    """Keep a packet's bytes in the content-addressed store (idempotent).

    The hub hands every recipient the same bytes, so two of our offices' checks may
    store one file at the same moment: the loser of the unique `sha256` takes the
    winner's row (a savepoint keeps the caller's transaction), as intake does.
    """
    from eoffice.incoming.attachments import file_store

    digest = file_store().put(data)
    query = select(StoredFile).where(StoredFile.sha256 == digest)
    stored = db.session.scalars(query).first()
    if stored is not None:
        return stored
    try:
        with db.session.begin_nested():
            stored = StoredFile(sha256=digest, size=len(data), mime_type=PACKET_MIME, kind="edxml")
            db.session.add(stored)
    except IntegrityError:
        stored = db.session.scalars(query).one()
    return stored


def queue_packet(
    org: Organisation,
    data: bytes,
    *,
    kind: PacketKind,
    document_id: str,
    to_code: str,
    to_name: str = "",
    status_code: str | None = None,
    business_type: int | None = None,
    description: str | None = None,
    delivery_id: int | None = None,
    incoming_document_id: int | None = None,
    refers_to_id: int | None = None,
) -> ExchangePacket:
    """Log an outbound packet as queued and send it once the caller's step commits.

    `data` is the built edXML (edxml.build_document / build_status), validated there.
    """
    row = ExchangePacket(
        org_id=org.id,
        direction=PacketDirection.OUT,
        kind=kind,
        business_type=business_type,
        status_code=status_code,
        document_id=document_id,
        counterpart_code=to_code,
        counterpart_name=to_name[:300],
        description=description[:1000] if description else None,
        state=PacketState.QUEUED,
        payload_file_id=store_packet(data).id,
        delivery_id=delivery_id,
        incoming_document_id=incoming_document_id,
        refers_to_id=refers_to_id,
    )
    db.session.add(row)
    db.session.flush()
    packet_id = row.id
    after_commit(lambda: enqueue([packet_id]))
    return row


def enqueue(packet_ids: list[int]) -> None:
    """Queue the send jobs; with EXCHANGE_SEND_ASYNC off (the demo seed, which walks
    history in one process against a hub that will not outlive it), send each packet
    here and now, on its last try: sent, or failed with the reason, never left queued."""
    from eoffice.exchange.sending import enqueue_sends

    if not current_app.config.get("EXCHANGE_SEND_ASYNC", True):
        for packet_id in packet_ids:
            send(packet_id, last_try=True)
        return
    enqueue_sends(TASK, packet_ids, queue=QUEUE, intervals=RETRY_INTERVALS, what="exchange packet")


def send(packet_id: int, *, last_try: bool | None = None) -> str:
    """The job: send one queued packet's stored bytes; its state afterwards."""
    from eoffice.exchange.sending import attempt, is_last_try
    from eoffice.incoming.attachments import file_store

    row = db.session.get(ExchangePacket, packet_id)
    if row is None or row.direction != PacketDirection.OUT or row.state != PacketState.QUEUED:
        return row.state if row else "missing"

    def set_state(state: str) -> None:
        row.state = state

    state = attempt(
        row.organisation,
        row,
        lambda: file_store().read(row.payload_file.sha256),
        set_state,
        last_try=is_last_try(last_try),
    )
    if state == PacketState.SENT:
        log.info(
            "exchange packet %s (%s %s) sent to %s",
            row.id,
            row.kind,
            row.status_code or row.business_type,
            row.counterpart_code,
        )
    return state


def can_send_again(actor: User, row: ExchangePacket) -> bool:
    """A clerk or admin of the sending office, for a packet the hub has not taken."""
    return (
        row.direction == PacketDirection.OUT
        and row.state in (PacketState.QUEUED, PacketState.FAILED)
        and actor.org_id == row.org_id
        and actor.has_role(Role.CLERK, Role.ADMIN)
    )


def send_again(actor: User, packet_id: int) -> ExchangePacket:
    """Gửi lại: a failed (or stuck) outbound packet is queued once more."""
    row = db.session.get(ExchangePacket, packet_id)
    if row is None or row.org_id != actor.org_id or row.direction != PacketDirection.OUT:
        raise NotFound("Không tìm thấy gói tin này.")
    if not actor.has_role(Role.CLERK, Role.ADMIN):
        raise Forbidden("Chỉ văn thư hoặc quản trị mới gửi lại gói tin qua trục.")
    if not can_send_again(actor, row):
        raise Conflict("Gói tin đã được gửi lên trục, không cần gửi lại.")
    row.state = PacketState.QUEUED
    row.last_error = None
    db.session.commit()
    enqueue([row.id])
    return row
