"""The exchange's tables: per-organisation settings (which hub, the secret) and the packet log."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eoffice.core.dbtypes import UTCDateTime
from eoffice.core.timeutil import now_utc
from eoffice.extensions import db


class ExchangeSettings(db.Model):
    """How one member organisation talks to the exchange hub.

    `agency_secret` is a Fernet token under a key derived from SECRET_KEY
    (eoffice.exchange.settings), so the background jobs can authenticate without a
    person, while a database dump alone does not give the secret away. The agency code
    itself is the organisation's `agency_code`: one identity, not a second copy here.
    """

    __tablename__ = "exchange_settings"

    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    hub_url: Mapped[str] = mapped_column(String(300))
    agency_secret: Mapped[str] = mapped_column(Text)
    enabled: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    organisation = relationship("Organisation")
    updated_by = relationship("User")


class PacketDirection(StrEnum):
    OUT = "out"
    IN = "in"


class PacketKind(StrEnum):
    DOCUMENT = "document"
    STATUS = "status"


class PacketState(StrEnum):
    """Where a logged packet stands. Outbound: queued → sent | failed. Inbound documents:
    awaiting (the clerk's exchange inbox) → registered | rejected | withdrawn (a recall
    accepted); inbound recall requests: awaiting → accepted | refused; inbound statuses:
    applied (a delivery row updated) | unmatched (no delivery of ours fits; kept, logged)."""

    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"
    AWAITING = "awaiting"
    REGISTERED = "registered"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    ACCEPTED = "accepted"
    REFUSED = "refused"
    APPLIED = "applied"
    UNMATCHED = "unmatched"


class ExchangePacket(db.Model):
    """Every edXML packet one of our organisations sent or received: the packet log, the
    queue of outbound status and recall packets, and the exchange inbox in one table.

    Outbound document packets of a first issue travel on their `deliveries` row
    (eoffice.exchange.forwarding); every other outbound packet (statuses 01–06, 13, 15,
    16; recall, update, replace documents) is a row here, sent by eoffice.exchange.outbox.
    Every inbound packet is a row here, once: `(org_id, hub_packet_id)` is unique, so a
    fetch repeated after a crash before the hub's acknowledgement stores nothing twice.
    The packet's bytes are kept in the file store (`payload_file_id`), as sent or received.
    """

    __tablename__ = "exchange_packets"
    __table_args__ = (
        UniqueConstraint("org_id", "direction", "hub_packet_id", name="uq_exchange_packets_hub"),
        Index("ix_exchange_packets_org_state", "org_id", "direction", "state"),
        Index("ix_exchange_packets_document", "document_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    direction: Mapped[str] = mapped_column(String(3))
    kind: Mapped[str] = mapped_column(String(10))
    # BussinessDocType of a document packet: 0 new, 1 recall, 2 update, 3 replace.
    business_type: Mapped[int | None]
    status_code: Mapped[str | None] = mapped_column(String(2))
    # The edXML DocumentId the packet is about (for a status: the document reported on).
    document_id: Mapped[str] = mapped_column(String(100))
    # The other side: To of an outbound packet, From of an inbound one.
    counterpart_code: Mapped[str] = mapped_column(String(13))
    counterpart_name: Mapped[str] = mapped_column(String(300), default="")
    # Summary of an inbound document, for the inbox list without parsing the packet.
    symbol: Mapped[str | None] = mapped_column(String(50))
    document_date: Mapped[date | None] = mapped_column(Date)
    subject: Mapped[str | None] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(String(1000))
    state: Mapped[str] = mapped_column(String(12))
    hub_packet_id: Mapped[int | None]
    payload_file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id"))
    delivery_id: Mapped[int | None] = mapped_column(ForeignKey("deliveries.id"), index=True)
    incoming_document_id: Mapped[int | None] = mapped_column(
        ForeignKey("incoming_documents.id"), index=True
    )
    # An inbound recall request or update points at the packet it is about.
    refers_to_id: Mapped[int | None] = mapped_column(ForeignKey("exchange_packets.id"))
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    # Sent (outbound) or handled by a person or a rule (inbound).
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    organisation = relationship("Organisation")
    payload_file = relationship("StoredFile")
    delivery = relationship("Delivery")
    incoming_document = relationship("IncomingDocument")
    refers_to = relationship("ExchangePacket", remote_side=[id])
    done_by = relationship("User")
