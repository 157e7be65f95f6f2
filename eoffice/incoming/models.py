"""Văn bản đến: one row per registered incoming document, and its attached files."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, and_, select
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.elements import ColumnElement

from eoffice.catalog.models import (
    ConfidentialityLevel,
    DocumentType,
    RegisterBook,
    UrgencyLevel,
)
from eoffice.core.dbtypes import UTCDateTime
from eoffice.core.models import StoredFile
from eoffice.core.timeutil import local_today, now_utc
from eoffice.extensions import db
from eoffice.orgs.models import Organisation, Unit, User
from workflows import assignment as assignment_flow
from workflows import incoming as incoming_flow
from workflows.incoming import OPEN_STATES


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
    """The states of workflows.incoming, as an enum for the code that names them."""

    REGISTERED = incoming_flow.REGISTERED
    PRESENTED = incoming_flow.PRESENTED
    RETURNED = incoming_flow.RETURNED
    ASSIGNED = incoming_flow.ASSIGNED
    IN_PROGRESS = incoming_flow.IN_PROGRESS
    COMPLETED = incoming_flow.COMPLETED
    FILED = incoming_flow.FILED
    CANCELLED = incoming_flow.CANCELLED
    REJECTED = incoming_flow.REJECTED


if {s.value for s in IncomingState} != set(incoming_flow.WORKFLOW.state_codes):
    raise RuntimeError("IncomingState differs from the states of workflows.incoming")

# In the workflow's order, so the register's state filter lists them along the path.
STATE_LABELS = {IncomingState(code): label for code, label in incoming_flow.STATE_LABELS.items()}


class IncomingDocument(db.Model):
    __tablename__ = "incoming_documents"
    __table_args__ = (
        UniqueConstraint("register_book_id", "arrival_number"),
        Index("ix_incoming_org_arrival", "org_id", "arrived_at", "id"),
        # The open documents of one organisation (the home page's figures, the register's
        # state and waiting filters), without reading the other organisations' ones.
        Index("ix_incoming_org_state", "org_id", "state"),
        Index("ix_incoming_duplicate", "org_id", "sender_name_folded", "code_number"),
        # A staff member's documents are found from these, index only (incoming.access).
        Index("ix_incoming_recipient_user", "recipient_user_id", "org_id", "id"),
        Index("ix_incoming_recipient_unit", "recipient_unit_id", "org_id", "id"),
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
    # Số, ký hiệu văn bản trả lời (column 6 of the tracking register), given on completion.
    # Typed as text until outgoing documents exist to link to.
    reply_reference: Mapped[str | None] = mapped_column(String(100))

    state: Mapped[str] = mapped_column(String(20), default=IncomingState.REGISTERED, index=True)
    cancel_reason: Mapped[str | None] = mapped_column(String(500))
    # Why the document is where it is, when someone had to say so (returned, rejected).
    state_reason: Mapped[str | None] = mapped_column(String(1000))
    # The leader the clerk presented it to; a deputy acts on what was presented to them.
    presented_to_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
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
    presented_to: Mapped[User | None] = relationship(foreign_keys=[presented_to_id])
    attachments: Mapped[list[IncomingAttachment]] = relationship(
        back_populates="document", order_by="IncomingAttachment.position", lazy="selectin"
    )
    assignments: Mapped[list[Assignment]] = relationship(
        back_populates="document", order_by="Assignment.id"
    )

    @property
    def symbol(self) -> str:
        """Số, ký hiệu as written: '3337/GDĐT-TTTT'."""
        if self.code_number and self.code_notation:
            return f"{self.code_number}/{self.code_notation}"
        return self.code_number or self.code_notation or ""

    @hybrid_property
    def is_urgent(self) -> bool:
        """Khẩn and above: stands out wherever the document appears."""
        return self.urgency.is_urgent

    @is_urgent.inplace.expression
    @classmethod
    def _is_urgent_expression(cls) -> ColumnElement[bool]:
        return cls.urgency_code.in_(select(UrgencyLevel.code).where(UrgencyLevel.rank >= 1))

    @hybrid_property
    def is_overdue(self) -> bool:
        """Still open and its deadline (hạn xử lý) is before today, office time.

        The one definition of "quá hạn": the list, the dashboard and the filters use
        this property on a row and the same expression in SQL.
        """
        return (
            self.deadline is not None
            and self.deadline < local_today()
            and self.state in OPEN_STATES
        )

    @is_overdue.inplace.expression
    @classmethod
    def _is_overdue_expression(cls) -> ColumnElement[bool]:
        return and_(cls.deadline < local_today(), cls.state.in_(sorted(OPEN_STATES)))

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


# File kinds a browser shows by itself: these open in a tab ("Xem"), others download.
INLINE_KINDS = frozenset({"pdf", "jpeg", "png"})


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

    @property
    def can_show_inline(self) -> bool:
        return self.stored_file.kind in INLINE_KINDS

    @property
    def is_pdf(self) -> bool:
        return self.stored_file.kind == "pdf"


class Assignment(db.Model):
    """One person's or one unit's part in handling a document (phân công).

    Exactly one of `user_id` and `unit_id` is set. A part that ends (given to someone
    else, withdrawn) stays as a row in its final state, so who held what is never lost.
    """

    __tablename__ = "assignments"
    __table_args__ = (
        Index("ix_assignments_user_document", "user_id", "document_id"),
        Index("ix_assignments_unit_document", "unit_id", "document_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("incoming_documents.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    # Indexed with document_id (below): a holder's documents, read from the index alone.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    deadline: Mapped[date | None]
    instruction: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(20), default=assignment_flow.ASSIGNED)
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    progress_percent: Mapped[int] = mapped_column(default=0)
    result: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, onupdate=now_utc)

    document: Mapped[IncomingDocument] = relationship(back_populates="assignments")
    user: Mapped[User | None] = relationship(foreign_keys=[user_id], lazy="joined")
    unit: Mapped[Unit | None] = relationship(lazy="joined")
    assigned_by: Mapped[User | None] = relationship(foreign_keys=[assigned_by_id])
    result_files: Mapped[list[ResultFile]] = relationship(
        back_populates="assignment", order_by="ResultFile.id", lazy="selectin"
    )

    @property
    def holder_label(self) -> str:
        if self.user is not None:
            return self.user.full_name
        return self.unit.name if self.unit is not None else ""

    @property
    def kind_label(self) -> str:
        return assignment_flow.KIND_LABELS.get(self.kind, self.kind)

    @property
    def state_label(self) -> str:
        return assignment_flow.STATE_LABELS.get(self.state, self.state)

    @property
    def is_current(self) -> bool:
        """Not handed to someone else nor withdrawn: the holder still has a part."""
        return self.state not in ENDED_ASSIGNMENT_STATES

    def held_by(self, user: User) -> bool:
        """The user holds this part: named in person, or a member of the unit named."""
        if self.user_id is not None:
            return self.user_id == user.id
        return self.unit_id is not None and self.unit_id == user.unit_id


# Parts whose holder no longer has anything to do with the document.
ENDED_ASSIGNMENT_STATES = frozenset({assignment_flow.REASSIGNED, assignment_flow.WITHDRAWN})


class ResultFile(db.Model):
    """A file handed in as the result of one part of the work (a draft reply, a report).

    Kept apart from the document's own attachments: those are what arrived and are
    frozen with the register entry; these grow while the work goes on, and each says
    whose part it belongs to.
    """

    __tablename__ = "result_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id"), index=True)
    stored_file_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id"))
    original_name: Mapped[str] = mapped_column(String(255))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    assignment: Mapped[Assignment] = relationship(back_populates="result_files")
    stored_file: Mapped[StoredFile] = relationship(lazy="joined")
    added_by: Mapped[User | None] = relationship()

    @property
    def can_show_inline(self) -> bool:
        return self.stored_file.kind in INLINE_KINDS


class SignatureCheck(db.Model):
    """What the digital signatures of one stored PDF said when it arrived.

    Checked once at intake, before the arrival number is taken, against the trust roots
    of that day; kept per file (by its bytes), so the card shows the verdict the clerk
    saw, and a file received twice is checked once.
    """

    __tablename__ = "signature_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    stored_file_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id"), unique=True)
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    # One dict per signature (eoffice.signing.pdfsign.SignatureReport.as_json); [] if none.
    results: Mapped[list[dict]] = mapped_column(JSON, default=list)
