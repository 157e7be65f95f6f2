"""The register's content, shared by the printed PDF and the XLSX export.

Both formats are built from the same `RegisterLayout`, so the PDF and the spreadsheet can
never disagree: the ten columns of NĐ 30/2020 Phụ lục IV.VI in their legal order, the
rows in display terms (office-time dates, labels, urgency marks), one section per book.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date

from eoffice.core.text import clean_multiline
from eoffice.core.timeutil import format_date, to_local
from eoffice.incoming.models import IncomingDocument
from eoffice.orgs.models import Organisation

TITLE = "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN"
EMPTY_MESSAGE = "Không có văn bản đến trong khoảng thời gian này."


@dataclass(frozen=True)
class Column:
    label: str
    width_mm: float  # on the A4 landscape page (267 mm between the margins)
    xlsx_width: float  # Excel character units


# Phụ lục IV.VI, in the legal order.
COLUMNS: tuple[Column, ...] = (
    Column("Ngày đến", 19, 11),
    Column("Số đến", 13, 7),
    Column("Tác giả", 35, 26),
    Column("Số, ký hiệu văn bản", 26, 17),
    Column("Ngày tháng văn bản", 19, 11),
    Column("Tên loại và trích yếu nội dung", 66, 48),
    Column("Đơn vị hoặc người nhận", 30, 20),
    Column("Ngày chuyển", 17, 11),
    Column("Ký nhận", 18, 11),
    Column("Ghi chú", 24, 20),
)


def _text(value: str | None) -> str:
    """NFC, no control characters: Excel refuses them, and fonts have no glyph for them."""
    return clean_multiline(value)


@dataclass(frozen=True)
class RegisterRow:
    """One line of the register, in display terms (office-time dates, labels, notes)."""

    arrival_date: date
    arrival_number: int
    sender: str
    symbol: str
    document_date: date | None
    type_name: str
    subject: str
    recipient: str
    notes: str
    # Urgency and secrecy marks in capitals ("HỎA TỐC", "MẬT"): they must stand out.
    marks: tuple[str, ...] = ()
    cancelled: bool = False
    # (8) Ngày chuyển: no handover is recorded yet, and (9) Ký nhận is signed on paper.
    handed_over: date | None = None

    @property
    def marks_label(self) -> str:
        return f"({', '.join(self.marks)})" if self.marks else ""

    @property
    def summary(self) -> str:
        """Column (6) as plain text: 'Công văn (HỎA TỐC): Hướng dẫn …'."""
        head = f"{self.type_name} {self.marks_label}".strip()
        return f"{head}: {self.subject}" if head else self.subject


def row_from_document(doc: IncomingDocument) -> RegisterRow:
    marks = []
    if doc.urgency is not None and doc.urgency.is_urgent:
        marks.append(_text(doc.urgency.name).upper())
    if doc.confidentiality is not None and doc.confidentiality.is_secret:
        marks.append(_text(doc.confidentiality.name).upper())
    notes = _text(doc.notes)
    if doc.is_cancelled:
        cancelled = f"Đã hủy: {_text(doc.cancel_reason)}".rstrip(": ")
        notes = f"{cancelled}\n{notes}" if notes else cancelled
    arrived = to_local(doc.arrived_at)
    assert arrived is not None
    return RegisterRow(
        arrival_date=arrived.date(),
        arrival_number=doc.arrival_number,
        sender=_text(doc.sender_name),
        symbol=_text(doc.symbol),
        document_date=doc.document_date,
        type_name=_text(doc.document_type.name if doc.document_type else ""),
        subject=_text(doc.subject),
        recipient=_text(doc.recipient_label),
        notes=notes,
        marks=tuple(marks),
        cancelled=doc.is_cancelled,
    )


@dataclass
class BookSection:
    """The entries of one register book (the general and the confidential book are separate)."""

    book_name: str
    year: int
    rows: list[RegisterRow] = field(default_factory=list)

    @property
    def heading(self) -> str:
        return f"{self.book_name} năm {self.year}"

    @property
    def number_range(self) -> str:
        numbers = [r.arrival_number for r in self.rows]
        return f"Từ số {min(numbers)} đến số {max(numbers)} ({len(numbers)} văn bản)"


@dataclass
class RegisterLayout:
    org_name: str
    parent_name: str | None
    year_label: str
    period_label: str
    sections: list[BookSection]

    @property
    def grouped(self) -> bool:
        """More than one book printed: each gets its own heading."""
        return len(self.sections) > 1

    @property
    def book_label(self) -> str | None:
        """The one book printed, when its name says more than the title (e.g. văn bản mật)."""
        if len(self.sections) != 1:
            return None
        name = self.sections[0].book_name
        return None if name.upper() == TITLE else name

    @property
    def single_range(self) -> str | None:
        """'Từ số … đến số …' under the title when one book is printed (else per book)."""
        return self.sections[0].number_range if len(self.sections) == 1 else None


def build_layout(
    org: Organisation, docs: list[IncomingDocument], start: date, end: date
) -> RegisterLayout:
    """Group the rows (ordered by book, then arrival number) into one section per book."""
    sections = []
    for _book_id, group in itertools.groupby(docs, key=lambda d: d.register_book_id):
        entries = list(group)
        book = entries[0].register_book
        sections.append(
            BookSection(
                book_name=_text(book.name),
                year=book.year,
                rows=[row_from_document(d) for d in entries],
            )
        )
    years = sorted({s.year for s in sections} or {start.year, end.year})
    year_label = f"Năm {years[0]}" if len(years) == 1 else f"Năm {years[0]}–{years[-1]}"
    parent = org.parent
    return RegisterLayout(
        org_name=_text(org.name).upper(),
        parent_name=_text(parent.name).upper() if parent is not None else None,
        year_label=year_label,
        period_label=f"Từ ngày {format_date(start)} đến ngày {format_date(end)}",
        sections=sections,
    )


def thousands(n: int) -> str:
    """12.345: the Vietnamese thousands separator is a dot."""
    return f"{n:,}".replace(",", ".")
