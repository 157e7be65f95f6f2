"""The catalogue as data: document types, urgency and confidentiality levels, register books."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from eoffice.core.dbtypes import UTCDateTime
from eoffice.core.timeutil import now_utc
from eoffice.extensions import db


class DocumentType(db.Model):
    """Tên loại văn bản (NĐ 30 Điều 7) with the abbreviation used in symbols (Phụ lục III)."""

    __tablename__ = "document_types"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    # None for công văn and thư công: their symbol has no type part.
    abbreviation: Mapped[str | None] = mapped_column(String(10))
    sort_order: Mapped[int] = mapped_column(default=100)
    is_active: Mapped[bool] = mapped_column(default=True)


class UrgencyLevel(db.Model):
    """Độ khẩn. `rank` orders them; rank ≥ 1 is "văn bản khẩn" (handled immediately)."""

    __tablename__ = "urgency_levels"

    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    rank: Mapped[int]
    is_active: Mapped[bool] = mapped_column(default=True)

    @property
    def is_urgent(self) -> bool:
        return self.rank >= 1


class ConfidentialityLevel(db.Model):
    """Độ mật. rank ≥ 1 means a state secret: separate register book, no e-exchange."""

    __tablename__ = "confidentiality_levels"

    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    rank: Mapped[int]
    is_active: Mapped[bool] = mapped_column(default=True)

    @property
    def is_secret(self) -> bool:
        return self.rank >= 1


class RegisterBook(db.Model):
    """Sổ đăng ký văn bản: one numbering series per organisation, direction, code and year.

    `last_number` is the counter; it is incremented by an UPDATE … RETURNING inside the
    registering transaction (see catalog.numbering), and a unique constraint on the
    documents' (book, number) backs it.
    """

    __tablename__ = "register_books"
    __table_args__ = (
        UniqueConstraint("org_id", "direction", "code", "year"),
        CheckConstraint("direction IN ('incoming', 'outgoing')", name="direction"),
        CheckConstraint("last_number >= 0", name="last_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    direction: Mapped[str] = mapped_column(String(10))
    code: Mapped[str] = mapped_column(String(30))
    name: Mapped[str] = mapped_column(String(150))
    year: Mapped[int]
    is_confidential: Mapped[bool] = mapped_column(default=False)
    last_number: Mapped[int] = mapped_column(default=0)
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)


class HolidayKind:
    """Values of `Holiday.kind`; plain strings so the column stays readable in SQL."""

    HOLIDAY = "holiday"
    WORKING_DAY = "working_day"


class Holiday(db.Model):
    """A day off (ngày nghỉ lễ) or a compensating working day (ngày làm bù).

    One calendar for the whole deployment: deadlines count the same working days in
    every school, and the government announces these dates for everyone. A date is
    unique, which also rules out a day being both off and worked (WorkingCalendar
    refuses that).
    """

    __tablename__ = "holidays"
    __table_args__ = (CheckConstraint("kind IN ('holiday', 'working_day')", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(unique=True)
    name: Mapped[str] = mapped_column(String(150))
    kind: Mapped[str] = mapped_column(String(20), default=HolidayKind.HOLIDAY)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
