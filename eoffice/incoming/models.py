"""Văn bản đến: one row per registered incoming document, and its attached files."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eoffice.catalog.models import (
    ConfidentialityLevel,
    DocumentType,
    RegisterBook,
    UrgencyLevel,
)
from eoffice.core.dbtypes import UTCDateTime
from eoffice.core.models import StoredFile
from eoffice.core.timeutil import now_utc
from eoffice.extensions import db
from eoffice.orgs.models import Organisation, Unit, User


class Source(StrEnum):
    PAPER = "paper"
    EMAIL = "email"
    EXCHANGE = "exchange"
    INTERNAL = "internal"


SOURCE_LABELS = {
    Source.PAPER: "Bản giấy (bưu điện, trực tiếp)",
    Source.EMAIL: "Thư điện tử",
    Source.EXCHANGE: "Trục liên thông",
    Source.INTERNAL: "Nội bộ hệ thống",
}


class IncomingState(StrEnum):
    REGISTERED = "registered"
    CANCELLED = "cancelled"


STATE_LABELS = {
    IncomingState.REGISTERED: "Đã vào sổ",
    IncomingState.CANCELLED: "Đã hủy",
}


class IncomingDocument(db.Model):
    __tablename__ = "incoming_documents"
    __table_args__ = (
        UniqueConstraint("register_book_id", "arrival_number"),
        Index("ix_incoming_org_arrival", "org_id", "arrived_at", "id"),
        Index("ix_incoming_duplicate", "org_id", "sender_name_folded", "code_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    register_book_id: Mapped[int] = mapped_column(ForeignKey("register_books.id"))
    arrival_number: Mapped[int]
    arrived_at: Mapped[datetime] = mapped_column(UTCDateTime)
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    registered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    sender_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    # Snapshot of the sender as registered: the directory entry may be renamed later.
    sender_name: Mapped[str] = mapped_column(String(200))
    sender_name_folded: Mapped[str] = mapped_column(String(200))
    sender_agency_code: Mapped[str | None] = mapped_column(String(13))

    code_number: Mapped[str | None] = mapped_column(String(11))
    code_notation: Mapped[str | None] = mapped_column(String(30))
    document_date: Mapped[date | None]
    document_type_id: Mapped[int] = mapped_column(ForeignKey("document_types.id"))
    subject: Mapped[str] = mapped_column(String(500))
    signer_name: Mapped[str | None] = mapped_column(String(100))
    signer_position: Mapped[str | None] = mapped_column(String(100))
    page_count: Mapped[int | None]
    urgency_code: Mapped[str] = mapped_column(ForeignKey("urgency_levels.code"))
    confidentiality_code: Mapped[str] = mapped_column(ForeignKey("confidentiality_levels.code"))
    source: Mapped[str] = mapped_column(String(20))

    recipient_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    recipient_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    deadline: Mapped[date | None]
    notes: Mapped[str | None] = mapped_column(Text)

    state: Mapped[str] = mapped_column(String(20), default=IncomingState.REGISTERED, index=True)
    cancel_reason: Mapped[str | None] = mapped_column(String(500))
    # Folded (lower case, no diacritics) number, notation, sender and subject, for search.
    search_text: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, onupdate=now_utc)

    register_book: Mapped[RegisterBook] = relationship()
    document_type: Mapped[DocumentType] = relationship(lazy="joined")
    urgency: Mapped[UrgencyLevel] = relationship(lazy="joined")
    confidentiality: Mapped[ConfidentialityLevel] = relationship(lazy="joined")
    sender_org: Mapped[Organisation | None] = relationship(foreign_keys=[sender_org_id])
    recipient_unit: Mapped[Unit | None] = relationship()
    recipient_user: Mapped[User | None] = relationship(foreign_keys=[recipient_user_id])
    registered_by: Mapped[User | None] = relationship(foreign_keys=[registered_by_id])
    attachments: Mapped[list[IncomingAttachment]] = relationship(
        back_populates="document", order_by="IncomingAttachment.position", lazy="selectin"
    )

    @property
    def symbol(self) -> str:
        """Số, ký hiệu as written: '3337/GDĐT-TTTT'."""
        if self.code_number and self.code_notation:
            return f"{self.code_number}/{self.code_notation}"
        return self.code_number or self.code_notation or ""

    @property
    def is_urgent(self) -> bool:
        return self.urgency.rank >= 1

    @property
    def is_cancelled(self) -> bool:
        return self.state == IncomingState.CANCELLED

    @property
    def recipient_label(self) -> str:
        parts = []
        if self.recipient_unit:
            parts.append(self.recipient_unit.name)
        if self.recipient_user:
            parts.append(self.recipient_user.full_name)
        return ", ".join(parts)

    @property
    def state_label(self) -> str:
        return STATE_LABELS.get(IncomingState(self.state), self.state)

    @property
    def source_label(self) -> str:
        return SOURCE_LABELS.get(Source(self.source), self.source)


class IncomingAttachment(db.Model):
    """A file of an incoming document; the original (Vietnamese) name is kept for display."""

    __tablename__ = "incoming_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("incoming_documents.id"), index=True)
    stored_file_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id"))
    original_name: Mapped[str] = mapped_column(String(255))
    position: Mapped[int] = mapped_column(default=0)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    document: Mapped[IncomingDocument] = relationship(back_populates="attachments")
    stored_file: Mapped[StoredFile] = relationship(lazy="joined")
