"""Case files and the office archive: the yearly file list, files, the documents filed
in them, hand-overs to the archive and disposals (NĐ 30/2020 Đ28–31, DOMAIN.md
§1.11–1.12; the life cycles are in workflows/casefiles.py, the date rules in
workflows/archive.py).

A document is never copied into a file: `case_file_items` links an incoming or an
outgoing document to a file, so one document sits in as many files as it needs. The
Phụ lục VI metadata of a file (FileCode, Title, Maintenance, Rights, Creator, Language,
StartDate, EndDate, DocTotal, PageTotal, Description) are columns of `case_files`;
DocTotal, PageTotal and the two dates are computed when the file is closed.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eoffice.core.dbtypes import UTCDateTime
from eoffice.core.text import vn_fold
from eoffice.core.timeutil import now_utc
from eoffice.extensions import db
from workflows import casefiles as flow

DEFAULT_RIGHTS = "Sử dụng rộng rãi"
DEFAULT_LANGUAGE = "Tiếng Việt"


class RetentionPeriod(db.Model):
    """A retention value (thời hạn bảo quản) offered when planning or closing a file.

    Data, not code: the levels the decree's tables use today (Vĩnh viễn, 70, 20, 10, 5
    năm) are seeded by the migration, and an office may add one (a sector table asking
    for 15 years) or stop offering one. `years` is None for a permanent file. Phụ lục
    VI's `Maintenance` (String 30) carries its label.
    """

    __tablename__ = "retention_periods"

    code: Mapped[str] = mapped_column(String(30), primary_key=True)
    label: Mapped[str] = mapped_column(String(30))
    years: Mapped[int | None]
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    @property
    def permanent(self) -> bool:
        return self.years is None


class FileList(db.Model):
    """One organisation's file list (danh mục hồ sơ) for one year."""

    __tablename__ = "file_lists"
    __table_args__ = (UniqueConstraint("org_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    year: Mapped[int]
    state: Mapped[str] = mapped_column(String(12), default=flow.LIST_DRAFT)
    numbering: Mapped[str] = mapped_column(String(10), default="across")
    # The approving act as printed on the list ("Quyết định số 05/QĐ-GDĐT ngày 05/01/2027").
    decision_ref: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(String(1000))
    copied_from_id: Mapped[int | None] = mapped_column(ForeignKey("file_lists.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    return_reason: Mapped[str | None] = mapped_column(String(1000))

    headings: Mapped[list[FileHeading]] = relationship(
        back_populates="file_list",
        cascade="all, delete-orphan",
        order_by="FileHeading.position",
    )
    approved_by = relationship("User", foreign_keys=[approved_by_id])


class FileHeading(db.Model):
    """A heading (đề mục) of a file list. Large headings (no parent) carry the
    abbreviation that ends the codes of their files (`TCCB` in `01.TCCB`) and are
    numbered I, II, …; small headings sit under a large one and are numbered 1, 2, …"""

    __tablename__ = "file_headings"

    id: Mapped[int] = mapped_column(primary_key=True)
    list_id: Mapped[int] = mapped_column(
        ForeignKey("file_lists.id", ondelete="CASCADE"), index=True
    )
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("file_headings.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=1)
    title: Mapped[str] = mapped_column(String(300))
    notation: Mapped[str | None] = mapped_column(String(20))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))

    file_list: Mapped[FileList] = relationship(back_populates="headings")
    parent: Mapped[FileHeading | None] = relationship(remote_side=[id])


class CaseFile(db.Model):
    """A case file (hồ sơ): planned in the year's list, or opened outside it.

    `code` is the file's số và ký hiệu (`01.TCCB`), unique in its organisation and year;
    `number` and `notation` are its two parts. The state follows workflows.casefiles
    CASE_FILE; `handover_due`, `warn_from` and `retention_expires` are computed with
    workflows.archive when the file is closed (and when it is kept back).
    """

    __tablename__ = "case_files"
    __table_args__ = (
        UniqueConstraint("org_id", "year", "code"),
        Index("ix_case_files_org_state", "org_id", "state"),
        Index("ix_case_files_due", "state", "handover_due"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    year: Mapped[int]
    list_id: Mapped[int | None] = mapped_column(ForeignKey("file_lists.id"), index=True)
    heading_id: Mapped[int | None] = mapped_column(
        ForeignKey("file_headings.id", ondelete="SET NULL")
    )
    position: Mapped[int] = mapped_column(default=1)  # order under its heading
    number: Mapped[int]
    notation: Mapped[str | None] = mapped_column(String(20))
    code: Mapped[str] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(String(500))
    # The code and the title folded (core.text.vn_fold: "01.TCCB kế hoạch" → "01.tccb ke
    # hoach"): what the lists' text filter searches with LIKE, in SQL. Kept in step with
    # both on every insert and update (folded_title below); never set by hand.
    title_folded: Mapped[str] = mapped_column(Text, default="", server_default="")
    retention_code: Mapped[str] = mapped_column(ForeignKey("retention_periods.code"))
    keeper_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    note: Mapped[str | None] = mapped_column(String(500))  # ghi chú (the list's column 5)
    description: Mapped[str | None] = mapped_column(String(500))
    rights: Mapped[str] = mapped_column(String(30), default=DEFAULT_RIGHTS)
    language: Mapped[str] = mapped_column(String(50), default=DEFAULT_LANGUAGE)
    state: Mapped[str] = mapped_column(String(10), default=flow.PLANNED)
    in_list: Mapped[bool] = mapped_column(Boolean, default=True)

    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    doc_total: Mapped[int | None]
    page_total: Mapped[int | None]

    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_on: Mapped[date | None] = mapped_column(Date)  # office date the work ended
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    handover_due: Mapped[date | None] = mapped_column(Date)
    warn_from: Mapped[date | None] = mapped_column(Date)
    warned_on: Mapped[date | None] = mapped_column(Date)  # the 30-day warning, sent once
    kept_until: Mapped[date | None] = mapped_column(Date)
    kept_reason: Mapped[str | None] = mapped_column(String(1000))
    handover_id: Mapped[int | None] = mapped_column(ForeignKey("handovers.id"), index=True)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    retention_expires: Mapped[date | None] = mapped_column(Date)
    disposal_id: Mapped[int | None] = mapped_column(ForeignKey("disposals.id"), index=True)
    disposed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    retention: Mapped[RetentionPeriod] = relationship()
    keeper = relationship("User", foreign_keys=[keeper_id])
    heading: Mapped[FileHeading | None] = relationship()
    file_list: Mapped[FileList | None] = relationship()
    items: Mapped[list[CaseFileItem]] = relationship(
        back_populates="case_file",
        cascade="all, delete-orphan",
        order_by="CaseFileItem.position",
    )

    @property
    def editable(self) -> bool:
        return self.state in flow.EDITABLE_STATES

    @property
    def frozen(self) -> bool:
        return self.state in flow.FROZEN_STATES


def fold_title(code: str | None, title: str | None) -> str:
    """What `CaseFile.title_folded` holds for a file's code and title (the migration
    that added the column filled it with this too)."""
    return vn_fold(f"{code or ''} {title or ''}")


@event.listens_for(CaseFile, "before_insert")
@event.listens_for(CaseFile, "before_update")
def folded_title(mapper, connection, target: CaseFile) -> None:
    """Every write of a file through the session refolds its code and title, so the
    folded column cannot lag behind them whichever service (opening, planning, the copy
    of last year's list, renumbering) set them."""
    target.title_folded = fold_title(target.code, target.title)


# The file list's order (newest year first, then number and code; keyset pages walk it).
Index(
    "ix_case_files_org_order",
    CaseFile.org_id,
    CaseFile.year.desc(),
    CaseFile.number,
    CaseFile.code,
    CaseFile.id,
)


class CaseFileItem(db.Model):
    """One document in one file, at a position (its number in the file's contents list).

    Exactly one of `incoming_id` / `outgoing_id` is set; the same document is in a file
    at most once.
    """

    __tablename__ = "case_file_items"
    __table_args__ = (
        CheckConstraint(
            "(incoming_id IS NULL) <> (outgoing_id IS NULL)", name="ck_case_file_items_one_doc"
        ),
        UniqueConstraint("case_file_id", "incoming_id"),
        UniqueConstraint("case_file_id", "outgoing_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_file_id: Mapped[int] = mapped_column(
        ForeignKey("case_files.id", ondelete="CASCADE"), index=True
    )
    incoming_id: Mapped[int | None] = mapped_column(ForeignKey("incoming_documents.id"), index=True)
    outgoing_id: Mapped[int | None] = mapped_column(ForeignKey("outgoing_documents.id"), index=True)
    position: Mapped[int] = mapped_column(default=1)
    note: Mapped[str | None] = mapped_column(String(300))
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    case_file: Mapped[CaseFile] = relationship(back_populates="items")
    incoming = relationship("IncomingDocument")
    outgoing = relationship("OutgoingDocument")


class Handover(db.Model):
    """One hand-over of files to the office archive (nộp lưu), with its two papers: the
    list of files handed over (Mục lục hồ sơ nộp lưu) and the record signed by both
    sides (Biên bản giao nhận), kept as the PDFs that were printed."""

    __tablename__ = "handovers"
    __table_args__ = (UniqueConstraint("org_id", "year", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    year: Mapped[int]
    number: Mapped[int]
    handed_on: Mapped[date] = mapped_column(Date)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))  # the handing unit
    delivered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    received_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str | None] = mapped_column(String(1000))
    file_count: Mapped[int] = mapped_column(default=0)
    document_count: Mapped[int] = mapped_column(default=0)
    list_pdf_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id"))
    record_pdf_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    files: Mapped[list[CaseFile]] = relationship(
        primaryjoin="CaseFile.handover_id == Handover.id", order_by="CaseFile.code", viewonly=True
    )
    delivered_by = relationship("User", foreign_keys=[delivered_by_id])
    received_by = relationship("User", foreign_keys=[received_by_id])


class Disposal(db.Model):
    """A proposal to destroy archived files whose retention ran out, the leader's
    decision, and, once executed, the record of what was destroyed."""

    __tablename__ = "disposals"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    state: Mapped[str] = mapped_column(String(10), default=flow.PROPOSED)
    reason: Mapped[str] = mapped_column(String(1000))
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision: Mapped[str | None] = mapped_column(String(1000))  # the act, or why refused
    executed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    executed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    witnesses: Mapped[str | None] = mapped_column(String(1000))
    record_pdf_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id"))

    items: Mapped[list[DisposalItem]] = relationship(
        back_populates="disposal", cascade="all, delete-orphan"
    )


class DisposalItem(db.Model):
    """A file proposed in a disposal, with what it held when proposed (kept after the
    destruction as the record of what was destroyed)."""

    __tablename__ = "disposal_items"
    __table_args__ = (UniqueConstraint("disposal_id", "case_file_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    disposal_id: Mapped[int] = mapped_column(
        ForeignKey("disposals.id", ondelete="CASCADE"), index=True
    )
    case_file_id: Mapped[int] = mapped_column(ForeignKey("case_files.id"), index=True)
    code: Mapped[str] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(String(500))
    retention_label: Mapped[str] = mapped_column(String(30))
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    doc_total: Mapped[int | None]
    page_total: Mapped[int | None]

    disposal: Mapped[Disposal] = relationship(back_populates="items")
    case_file: Mapped[CaseFile] = relationship()
