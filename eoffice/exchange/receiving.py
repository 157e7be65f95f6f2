"""Receiving from the exchange: every packet waiting on the hub for one organisation.

`fetch(org)` runs at each check time (the scheduler) and when a clerk presses "Kiểm tra
ngay". For each packet the hub lists it stores exactly one inbound `ExchangePacket` row
(with the packet's bytes in the file store) and commits, then acknowledges the packet on
the hub. The order matters: acknowledged only after our commit, so a crash in between
makes the next fetch find the packet again, and the unique `(org, direction,
hub_packet_id)` makes that second look store nothing twice (two clerks, or a clerk and
the scheduler, fetching at the same moment are the same case).

What a packet becomes:
- a document (new, update, replace): awaiting registration in the clerk's exchange inbox
  (eoffice.exchange.inbox), and status 01 (đã đến) queued back to the sender at once;
- a recall request (BussinessDocType 1, or status 13): awaiting the clerk's answer, with
  `refers_to` the document it recalls;
- another status: handed to eoffice.exchange.feedback.apply_status (our deliveries);
- anything we cannot accept (not edXML, invalid, not addressed to us): kept as a
  `rejected` row with the reason, acknowledged (it would fail the same way forever), and
  answered with 02 and the reason when it is a document whose sender we can read.
Each packet has its own transaction: one bad packet never undoes or blocks the others.
An unreachable hub (HubUnavailable) goes up to the caller, which records a failed check.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from eoffice.core.aftercommit import run_pending
from eoffice.exchange.client import HubRefused, HubUnavailable, PendingPacket
from eoffice.exchange.models import ExchangePacket, PacketDirection, PacketKind, PacketState
from eoffice.exchange.outbox import store_packet
from eoffice.exchange.settings import code_pattern
from eoffice.extensions import db
from eoffice.orgs.models import Organisation

log = logging.getLogger(__name__)

RECALL_STATUS = "13"
NOT_CONFIGURED = "Cơ quan chưa bật trục liên thông (quản trị: Liên thông văn bản)."
INVALID = "Gói tin không hợp lệ: {message}"
NOT_FOR_US = "Văn bản không gửi đến cơ quan này (mã định danh {code})."
MAX_ROUNDS = 50  # the hub lists at most 100 at a time; 5,000 packets per check is plenty

__all__ = ["FetchResult", "HubUnavailable", "fetch", "is_recall"]


@dataclass
class FetchResult:
    """What one check brought: new documents, statuses, recall requests, refused packets;
    `skipped` were already stored (an earlier check that crashed before acknowledging),
    `failed` could not be stored this time and stay on the hub for the next check."""

    documents: int = 0
    statuses: int = 0
    recalls: int = 0
    refused: int = 0
    skipped: int = 0
    failed: int = 0

    @property
    def total(self) -> int:
        return self.documents + self.statuses + self.recalls + self.refused


def is_recall(row: ExchangePacket) -> bool:
    """An inbound recall request: a document packet of type 1 or a status 13."""
    return (row.kind == PacketKind.DOCUMENT and row.business_type == 1) or (
        row.kind == PacketKind.STATUS and row.status_code == RECALL_STATUS
    )


def fetch(org: Organisation) -> FetchResult:
    """Store, answer and acknowledge every packet waiting on the hub for `org`.

    Raises HubUnavailable when the hub cannot be reached (the check failed; nothing is
    lost, the packets stay on the hub) and HubRefused when the exchange is not set up or
    the hub refuses our credentials.
    """
    from eoffice.exchange.settings import client_for

    client = client_for(org)
    if client is None:
        raise HubRefused(NOT_CONFIGURED)
    result = FetchResult()
    seen: set[int] = set()
    for _ in range(MAX_ROUNDS):
        batch = [p for p in client.pending() if p.id not in seen]
        if not batch:
            break
        for pending in batch:
            seen.add(pending.id)
            _receive_one(org, client, pending, result)
    log.info(
        "exchange fetch org=%s documents=%s statuses=%s recalls=%s refused=%s skipped=%s failed=%s",
        org.id,
        result.documents,
        result.statuses,
        result.recalls,
        result.refused,
        result.skipped,
        result.failed,
    )
    return result


def _stored(org_id: int, hub_packet_id: int | None) -> ExchangePacket | None:
    return db.session.scalars(
        select(ExchangePacket).where(
            ExchangePacket.org_id == org_id,
            ExchangePacket.direction == PacketDirection.IN,
            ExchangePacket.hub_packet_id == hub_packet_id,
        )
    ).first()


def _receive_one(org: Organisation, client, pending: PendingPacket, result: FetchResult) -> None:
    """One packet: store (own transaction), then acknowledge. HubUnavailable goes up; the
    hub refusing this one packet (HubRefused: gone, not ours) only skips it."""
    try:
        if _stored(org.id, pending.id) is not None:
            client.acknowledge(pending.id)  # stored by an earlier or a concurrent check
            result.skipped += 1
            return
        data = client.fetch(pending.id)
    except HubRefused as exc:
        log.warning("exchange packet %s for org %s refused by the hub: %s", pending.id, org.id, exc)
        result.failed += 1
        return
    try:
        outcome = _store(org, pending, data)
        db.session.commit()
    except Exception:
        db.session.rollback()
        log.exception("exchange packet %s for org %s could not be stored", pending.id, org.id)
        result.failed += 1
        return
    run_pending()  # the statuses queued back (01, 02) go to the job queue now
    if outcome is None:
        result.skipped += 1
    else:
        setattr(result, outcome, getattr(result, outcome) + 1)
    client.acknowledge(pending.id)


def _store(org: Organisation, pending: PendingPacket, data: bytes) -> str | None:
    """Write the packet's row and what follows from it; the FetchResult field it counts
    in, or None when a concurrent check stored it first."""
    from eoffice.exchange import edxml

    try:
        packet = edxml.parse_packet(data, agency_code_pattern=code_pattern())
    except edxml.PacketRefused as exc:
        return _refuse(org, pending, data, INVALID.format(message=exc.message), name="")
    if isinstance(packet, edxml.StatusPacket):
        return _status(org, pending, data, packet)
    return _document(org, pending, data, packet)


def _insert(row: ExchangePacket, data: bytes) -> bool:
    """Add the row in a savepoint; False if this hub packet is already stored.

    Any other clash is raised, never taken for "already stored": the packet would be
    acknowledged without a row, that is, lost; raised, it stays on the hub.
    """
    try:
        with db.session.begin_nested():
            row.payload_file_id = store_packet(data).id
            db.session.add(row)
    except IntegrityError:
        if _stored(row.org_id, row.hub_packet_id) is None:
            raise
        log.info("exchange packet %s for org %s already stored", row.hub_packet_id, row.org_id)
        return False
    return True


def _row(org: Organisation, pending: PendingPacket, **values) -> ExchangePacket:
    values.setdefault("document_id", (pending.document_id or "")[:100])
    values.setdefault("counterpart_code", pending.from_[:13])
    values.setdefault("counterpart_name", "")
    values.setdefault("state", PacketState.AWAITING)
    return ExchangePacket(
        org_id=org.id, direction=PacketDirection.IN, hub_packet_id=pending.id, **values
    )


def _refuse(
    org: Organisation,
    pending: PendingPacket,
    data: bytes,
    reason: str,
    *,
    name: str,
    values: dict | None = None,
) -> str | None:
    """Keep the packet as refused, and tell the sender (02) when it was a document."""
    from eoffice.exchange import edxml
    from eoffice.exchange.reporting import send_status

    kind = pending.kind if pending.kind in {k.value for k in PacketKind} else PacketKind.DOCUMENT
    fields = {"kind": kind, **(values or {}), "counterpart_name": name[:300]}
    row = _row(org, pending, **fields)
    row.state = PacketState.REJECTED
    row.last_error = reason[:500]
    if not _insert(row, data):
        return None
    log.warning("exchange packet %s for org %s refused: %s", pending.id, org.id, reason)
    if row.kind == PacketKind.DOCUMENT and row.document_id:
        try:
            send_status(org, row, "02", description=reason)
        except edxml.PacketRefused as exc:  # e.g. the sender's code is unreadable
            log.warning("no 02 for refused packet %s: %s", pending.id, exc.message)
    return "refused"


def _summary(packet) -> dict:
    number, notation = packet.code_number, packet.code_notation
    symbol = f"{number}/{notation}" if number and notation else (number or notation)
    return {
        "symbol": symbol[:50] or None,
        "document_date": packet.promulgation_date,
        "subject": packet.subject[:500],
        "counterpart_code": packet.from_.organ_id[:13],
        "counterpart_name": packet.from_.organ_name[:300],
        "document_id": packet.document_id[:100],
    }


def _earlier(org: Organisation, from_code: str, document_id: str) -> ExchangePacket | None:
    """The latest document we received from `from_code` under `document_id`."""
    return db.session.scalars(
        select(ExchangePacket)
        .where(
            ExchangePacket.org_id == org.id,
            ExchangePacket.direction == PacketDirection.IN,
            ExchangePacket.kind == PacketKind.DOCUMENT,
            ExchangePacket.counterpart_code == from_code,
            ExchangePacket.document_id == document_id,
            ExchangePacket.business_type != 1,
        )
        .order_by(ExchangePacket.id.desc())
    ).first()


def _document(org: Organisation, pending: PendingPacket, data: bytes, packet) -> str | None:
    from eoffice.exchange import edxml
    from eoffice.exchange.reporting import send_status

    summary = _summary(packet)
    business = packet.business
    values = {"kind": PacketKind.DOCUMENT, "business_type": int(business.doc_type)}
    if org.agency_code not in {to.organ_id for to in packet.to}:
        reason = NOT_FOR_US.format(code=org.agency_code)
        return _refuse(
            org,
            pending,
            data,
            reason,
            name=packet.from_.organ_name,
            values={**summary, **values},
        )
    if business.doc_type == edxml.BusinessDocType.RECALL:
        target = business.document_id or packet.document_id
        original = _earlier(org, packet.from_.organ_id, target)
        row = _row(
            org,
            pending,
            **{**summary, **values, "document_id": target[:100]},  # what 15/16 answer about
            description=(business.reason or "")[:1000] or None,
            refers_to_id=original.id if original else None,
        )
        if not _insert(row, data):
            return None
        log.info("recall request %s (%s) from %s", row.id, target, row.counterpart_code)
        return "recalls"
    earlier_id = business.document_id
    if business.doc_type == edxml.BusinessDocType.REPLACE and business.replacements:
        earlier_id = business.replacements[0].document_id
    earlier = (
        _earlier(org, packet.from_.organ_id, earlier_id or packet.document_id)
        if business.doc_type != edxml.BusinessDocType.NEW
        else None
    )
    row = _row(
        org,
        pending,
        **{**summary, **values},
        description=(business.reason or "")[:1000] or None,
        refers_to_id=earlier.id if earlier else None,
    )
    if not _insert(row, data):
        return None
    send_status(org, row, "01")
    log.info(
        "exchange document %s (%s, type %s) from %s awaits registration",
        row.id,
        row.document_id,
        row.business_type,
        row.counterpart_code,
    )
    return "documents"


def _status(org: Organisation, pending: PendingPacket, data: bytes, packet) -> str | None:
    values = {
        "kind": PacketKind.STATUS,
        "status_code": packet.status_code,
        "document_id": packet.document_id[:100],
        "counterpart_code": packet.from_.organ_id[:13],
        "counterpart_name": packet.from_.organ_name[:300],
        "symbol": (packet.code or "")[:50] or None,
        "document_date": packet.promulgation_date,
        "description": (packet.description or "")[:1000] or None,
    }
    if packet.to.organ_id != org.agency_code:
        reason = NOT_FOR_US.format(code=org.agency_code)
        name = values.pop("counterpart_name")
        return _refuse(org, pending, data, reason, name=name, values=values)
    if packet.status_code == RECALL_STATUS:
        original = _earlier(org, packet.from_.organ_id, packet.document_id)
        row = _row(org, pending, **values, refers_to_id=original.id if original else None)
        if original is not None:
            row.subject = original.subject
        if not _insert(row, data):
            return None
        log.info("recall request %s (%s) from %s", row.id, row.document_id, row.counterpart_code)
        return "recalls"
    row = _row(org, pending, **values)
    if not _insert(row, data):
        return None
    _apply(row, packet)
    log.info(
        "status %s about %s from %s: %s",
        row.status_code,
        row.document_id,
        row.counterpart_code,
        row.state,
    )
    return "statuses"


def _apply(row: ExchangePacket, packet) -> None:
    """Hand a status to the module that updates our deliveries (it sets the row's state)."""
    try:
        from eoffice.exchange.feedback import apply_status
    except ModuleNotFoundError as exc:  # not there yet: the row waits, nothing is lost
        if exc.name != "eoffice.exchange.feedback":
            raise
        log.warning("eoffice.exchange.feedback missing: status %s left awaiting", row.id)
        return
    apply_status(row, packet)
