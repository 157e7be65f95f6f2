"""Văn bản đi: drafts, their versions and review rounds, the issued register entry, and
the delivery of each copy to its recipient.

One row per outgoing document from its first draft to its recall: the number, symbol and
date are empty until the signer signs, and then never change (NĐ 30 Đ15: số and ký hiệu
are unique within the year). Every version of the content is kept (`OutgoingVersion`),
every review decision too (`OutgoingReview`), and one `Delivery` per recipient carries
the statuses the recipient's office reports back (DOMAIN §3.5: 01 arrived … 06 done).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
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
from workflows import outgoing as outgoing_flow


class Capacity(StrEnum):
    """Thẩm quyền ký (NĐ 30 Đ13, DOMAIN §1.6): written before the title in the signature block."""

    OWN = ""  # the head signs in their own name: no notation
    TM = "TM"  # thay mặt a collective body or the agency
    KT = "KT"  # ký thay: a deputy signs in place of the head
    Q = "Q"  # quyền: acting head
    TL = "TL"  # thừa lệnh: a unit head by order of the head
    TUQ = "TUQ"  # thừa ủy quyền: by written, time-limited delegation


CAPACITY_LABELS = {
    Capacity.OWN: "Ký trực tiếp (người đứng đầu)",
    Capacity.TM: "TM. (thay mặt tập thể, cơ quan)",
    Capacity.KT: "KT. (ký thay người đứng đầu)",
    Capacity.Q: "Q. (quyền người đứng đầu)",
    Capacity.TL: "TL. (thừa lệnh người đứng đầu)",
    Capacity.TUQ: "TUQ. (thừa ủy quyền)",
}


class RecipientKind(StrEnum):
    MEMBER = "member"  # an organisation of this deployment: delivered at once
    EXTERNAL = "external"  # an outside agency, by its agency code: through the exchange
    TEXT = "text"  # a line of the "Nơi nhận" list only (e.g. "Như trên", "Lưu: VT")


class DeliveryStatus(StrEnum):
    """The edXML status codes (DOMAIN §3.5) a recipient's office reports, plus our own."""

    QUEUED = "00"  # waiting for the exchange (outside agencies)
    ARRIVED = "01"  # đã đến: in the recipient's inbox
    REJECTED = "02"  # từ chối tiếp nhận, with a reason
    REGISTERED = "03"  # vào sổ
    ASSIGNED = "04"  # phân công
    IN_PROGRESS = "05"  # đang xử lý
    COMPLETED = "06"  # hoàn thành
    RECALLED = "13"  # thu hồi: the sender recalled the document
    # Only ever an event, never a delivery's status: an outside recipient answered our
    # recall request (13) through the exchange with 16 and keeps its copy.
    RECALL_REFUSED = "16"


DELIVERY_STATUS_LABELS = {
    DeliveryStatus.QUEUED: "Chờ gửi qua trục liên thông",
    DeliveryStatus.ARRIVED: "Đã đến",
    DeliveryStatus.REJECTED: "Từ chối tiếp nhận",
    DeliveryStatus.REGISTERED: "Đã vào sổ",
    DeliveryStatus.ASSIGNED: "Đã phân công",
    DeliveryStatus.IN_PROGRESS: "Đang xử lý",
    DeliveryStatus.COMPLETED: "Đã hoàn thành",
    DeliveryStatus.RECALLED: "Đã thu hồi",
    DeliveryStatus.RECALL_REFUSED: "Từ chối thu hồi",
}


class OutgoingDocument(db.Model):
    """One văn bản đi, from the first draft to its recall."""

    __tablename__ = "outgoing_documents"
    __table_args__ = (
        UniqueConstraint("register_book_id", "number"),
        Index("ix_outgoing_documents_org_state", "org_id", "state"),
        # The orders of the lists (keyset pages): a drafter's drafts, last touched
        # first; the issued documents, newest first; the API list, newest first.
        Index("ix_outgoing_drafter_updated", "drafter_id", "updated_at", "id"),
        Index("ix_outgoing_org_issued", "org_id", "issued_at", "id"),
        Index("ix_outgoing_org_created", "org_id", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    drafter_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    drafting_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    document_type_id: Mapped[int] = mapped_column(ForeignKey("document_types.id"))
    subject: Mapped[str] = mapped_column(String(500))
    # Sanitised HTML (eoffice.outgoing.richtext): paragraphs, emphasis, lists, tables.
    body_html: Mapped[str] = mapped_column(Text, default="")
    # "Kính gửi:" lines, one per line (công văn, tờ trình, báo cáo sent upward).
    addressees: Mapped[str | None] = mapped_column(Text)
    # The field or unit abbreviation of a công văn's symbol ("TTTT" in 05/GDĐT-TTTT).
    symbol_unit: Mapped[str | None] = mapped_column(String(20))
    signer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    capacity: Mapped[str] = mapped_column(String(3), default=Capacity.OWN)
    # The title after the notation: "HIỆU TRƯỞNG" in "KT. HIỆU TRƯỞNG".
    capacity_title: Mapped[str | None] = mapped_column(String(100))
    # The signer's own title under it: "PHÓ HIỆU TRƯỞNG".
    signer_title: Mapped[str | None] = mapped_column(String(100))
    urgency_code: Mapped[str] = mapped_column(ForeignKey("urgency_levels.code"))
    confidentiality_code: Mapped[str] = mapped_column(ForeignKey("confidentiality_levels.code"))
    circulation: Mapped[str | None] = mapped_column(String(60))  # "LƯU HÀNH NỘI BỘ"
    copies: Mapped[int | None]  # số lượng bản (column 7 of the register)
    state: Mapped[str] = mapped_column(String(20), default=outgoing_flow.DRAFT, index=True)
    state_reason: Mapped[str | None] = mapped_column(String(1000))
    version: Mapped[int] = mapped_column(default=1)  # the content's current version
    review_round: Mapped[int] = mapped_column(default=0)  # submissions so far
    # Issue: empty until signed, then never changed.
    register_book_id: Mapped[int | None] = mapped_column(ForeignKey("register_books.id"))
    number: Mapped[int | None]
    symbol: Mapped[str | None] = mapped_column(String(40))  # "05/KH-GDĐT"
    document_date: Mapped[date | None]  # ngày ban hành, office date
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    place_name: Mapped[str | None] = mapped_column(String(100))  # địa danh, as printed
    page_count: Mapped[int | None]  # of the signed PDF, for the recipients' registers
    pdf_file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id"))
    signed_file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id"))
    # Links: a replacement points at what it replaces; a reply at the incoming document.
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("outgoing_documents.id"))
    reply_to_id: Mapped[int | None] = mapped_column(ForeignKey("incoming_documents.id"))
    # Issuing the reply completes the drafter's lead part of that incoming document.
    completes_reply: Mapped[bool] = mapped_column(default=False)
    search_text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, onupdate=now_utc)

    organisation: Mapped[Organisation] = relationship(foreign_keys=[org_id])
    drafter: Mapped[User] = relationship(foreign_keys=[drafter_id])
    drafting_unit: Mapped[Unit | None] = relationship()
    document_type: Mapped[DocumentType] = relationship(lazy="joined")
    signer: Mapped[User | None] = relationship(foreign_keys=[signer_id])
    urgency: Mapped[UrgencyLevel] = relationship(lazy="joined")
    confidentiality: Mapped[ConfidentialityLevel] = relationship(lazy="joined")
    register_book: Mapped[RegisterBook | None] = relationship()
    pdf_file: Mapped[StoredFile | None] = relationship(foreign_keys=[pdf_file_id])
    signed_file: Mapped[StoredFile | None] = relationship(foreign_keys=[signed_file_id])
    replaces: Mapped[OutgoingDocument | None] = relationship(remote_side=[id])
    recipients: Mapped[list[OutgoingRecipient]] = relationship(
        back_populates="document",
        order_by="OutgoingRecipient.position",
        cascade="all, delete-orphan",
    )
    attachments: Mapped[list[OutgoingAttachment]] = relationship(
        back_populates="document", order_by="OutgoingAttachment.position"
    )
    reviews: Mapped[list[OutgoingReview]] = relationship(
        back_populates="document", order_by="OutgoingReview.id"
    )
    deliveries: Mapped[list[Delivery]] = relationship(
        back_populates="outgoing", order_by="Delivery.id"
    )

    @property
    def state_label(self) -> str:
        return outgoing_flow.STATE_LABELS.get(self.state, self.state)

    @property
    def is_cong_van(self) -> bool:
        """A công văn (or thư công): no type part in the symbol, "V/v" before the subject."""
        return not self.document_type.abbreviation

    @property
    def is_secret(self) -> bool:
        return self.confidentiality.is_secret

    @property
    def addressee_lines(self) -> list[str]:
        return [line for line in (self.addressees or "").splitlines() if line.strip()]


class OutgoingRecipient(db.Model):
    """One line of the recipients: an organisation of the deployment, an outside agency
    by its code, or a free line of the "Nơi nhận" list."""

    __tablename__ = "outgoing_recipients"
    __table_args__ = (CheckConstraint("kind IN ('member', 'external', 'text')", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("outgoing_documents.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[str] = mapped_column(String(10))
    org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    agency_code: Mapped[str | None] = mapped_column(String(13))
    name: Mapped[str] = mapped_column(String(300))  # as printed in "Nơi nhận"
    # Also named after "Kính gửi:" (the main addressees), not only listed.
    addressed: Mapped[bool] = mapped_column(default=False)
    # A recipient group picked as a whole ("level:primary", eoffice.directives.groups):
    # on a text line, the line stands for the group ("Các trường tiểu học trên địa bàn");
    # on a member, the member was chosen through that group, gets its copy like any
    # member, but is not listed on its own in "Nơi nhận" (its group's line is). None: a
    # recipient named one by one.
    group_key: Mapped[str | None] = mapped_column(String(160))

    document: Mapped[OutgoingDocument] = relationship(back_populates="recipients")
    organisation: Mapped[Organisation | None] = relationship()

    @property
    def listed(self) -> bool:
        """Printed as a line of its own in "Nơi nhận" (not a member of a group's line)."""
        return self.kind != RecipientKind.MEMBER or self.group_key is None

    @property
    def is_group_line(self) -> bool:
        return self.kind == RecipientKind.TEXT and self.group_key is not None


class OutgoingVersion(db.Model):
    """A saved state of the content: every edit, upload and export round is kept."""

    __tablename__ = "outgoing_versions"
    __table_args__ = (UniqueConstraint("document_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("outgoing_documents.id"), index=True)
    number: Mapped[int]
    subject: Mapped[str] = mapped_column(String(500))
    body_html: Mapped[str] = mapped_column(Text, default="")
    # The other fields of the draft as they were (type, signer, recipients…), for comparing.
    fields: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    source: Mapped[str] = mapped_column(String(10), default="form")  # form, docx
    docx_file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id"))
    note: Mapped[str | None] = mapped_column(String(500))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    created_by: Mapped[User | None] = relationship()
    docx_file: Mapped[StoredFile | None] = relationship()


class OutgoingAttachment(db.Model):
    """A file sent with the document; appendices (phụ lục) are flagged."""

    __tablename__ = "outgoing_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("outgoing_documents.id"), index=True)
    stored_file_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id"))
    original_name: Mapped[str] = mapped_column(String(255))
    is_appendix: Mapped[bool] = mapped_column(default=False)
    position: Mapped[int] = mapped_column(default=0)
    # A PDF sent as its own file carries the organisation's signature too (NĐ 30 Phụ lục I
    # II.8.b): this is that signed copy, made when the document is published.
    signed_file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id"))
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    document: Mapped[OutgoingDocument] = relationship(back_populates="attachments")
    stored_file: Mapped[StoredFile] = relationship(lazy="joined", foreign_keys=[stored_file_id])
    signed_file: Mapped[StoredFile | None] = relationship(foreign_keys=[signed_file_id])

    @property
    def sent_file(self) -> StoredFile:
        """What recipients receive: the signed copy when there is one."""
        return self.signed_file or self.stored_file


class ApprovalStage(db.Model):
    """One check of an organisation's approval chain, before the signer signs.

    `kind` says who holds it: 'unit_head' (the head of the drafting unit checks the
    content, NĐ 30 Đ12), 'role' (anyone with `role`, e.g. a clerk checks the form), or
    'user' (a named person). No rows: the organisation's default chain.
    """

    __tablename__ = "approval_stages"
    __table_args__ = (
        UniqueConstraint("org_id", "position"),
        CheckConstraint("kind IN ('unit_head', 'role', 'user')", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    position: Mapped[int]
    kind: Mapped[str] = mapped_column(String(10))
    role: Mapped[str | None] = mapped_column(String(20))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    label: Mapped[str] = mapped_column(String(150))

    user: Mapped[User | None] = relationship()


class OutgoingReview(db.Model):
    """One stage of one review round, and what its holder decided.

    Submitting snapshots the chain into these rows (kind, role, user, label), then the
    signing stage last; the round's current stage is its first undecided row.
    """

    __tablename__ = "outgoing_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("outgoing_documents.id"), index=True)
    round: Mapped[int]
    position: Mapped[int]
    kind: Mapped[str] = mapped_column(String(10))  # unit_head, role, user, signer
    role: Mapped[str | None] = mapped_column(String(20))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    label: Mapped[str] = mapped_column(String(150))
    decision: Mapped[str | None] = mapped_column(String(20))  # approved, sent_back, ...
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    comment: Mapped[str | None] = mapped_column(String(1000))

    document: Mapped[OutgoingDocument] = relationship(back_populates="reviews")
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])


class SigningDelegation(db.Model):
    """While the head is away, a deputy signs in the head's place (KT., Q., TUQ., TL.).

    Recorded by an admin with its dates; the signature block and who may sign follow it.
    """

    __tablename__ = "signing_delegations"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    from_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    to_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    capacity: Mapped[str] = mapped_column(String(3))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    note: Mapped[str | None] = mapped_column(String(300))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    from_user: Mapped[User] = relationship(foreign_keys=[from_user_id])
    to_user: Mapped[User] = relationship(foreign_keys=[to_user_id])


class Delivery(db.Model):
    """One copy of an issued document on its way to one recipient, and what became of it.

    The sender reads the status per recipient; the recipient's clerk sees the deliveries
    addressed to their organisation that have arrived (01) as the inbox to register.
    """

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("outgoing_id", "recipient_org_id"),
        Index("ix_deliveries_recipient_status", "recipient_org_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    outgoing_id: Mapped[int] = mapped_column(ForeignKey("outgoing_documents.id"), index=True)
    recipient_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    agency_code: Mapped[str | None] = mapped_column(String(13))
    recipient_name: Mapped[str] = mapped_column(String(300))
    channel: Mapped[str] = mapped_column(String(10))  # internal, exchange
    status: Mapped[str] = mapped_column(String(2))
    status_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    reason: Mapped[str | None] = mapped_column(String(1000))
    incoming_document_id: Mapped[int | None] = mapped_column(
        ForeignKey("incoming_documents.id"), index=True
    )
    # Through the exchange only: queued, sent (the hub took it), failed (gave up),
    # recalled (recalled before the hub took it: never sent).
    exchange_state: Mapped[str | None] = mapped_column(String(10))
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(String(500))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The recipient office: the first time one of its users opened the document, and
    # its acknowledgement ("đã nhận, đã triển khai") with a note (district directives).
    first_read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_read_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    acknowledgement_note: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    outgoing: Mapped[OutgoingDocument] = relationship(back_populates="deliveries")
    recipient: Mapped[Organisation | None] = relationship()
    events: Mapped[list[DeliveryEvent]] = relationship(
        back_populates="delivery", order_by="DeliveryEvent.id"
    )

    @property
    def status_label(self) -> str:
        return DELIVERY_STATUS_LABELS.get(DeliveryStatus(self.status), self.status)


class DeliveryEvent(db.Model):
    """Each status a delivery went through, with when and why: the history behind it."""

    __tablename__ = "delivery_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("deliveries.id"), index=True)
    status: Mapped[str] = mapped_column(String(2))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    note: Mapped[str | None] = mapped_column(String(1000))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    delivery: Mapped[Delivery] = relationship(back_populates="events")
