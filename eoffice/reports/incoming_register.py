"""Sổ đăng ký văn bản đến (NĐ 30/2020 Phụ lục IV.VI), printed as PDF or exported as XLSX.

The printed register is signed by hand and bound, so it follows the legal form: its ten
columns in their order, with the column numbers row under the header. This module says
only what those columns are and how a document becomes a row; the sheet, the PDF and the
workbook are those of every register (eoffice.reports.register_sheet, register_xlsx).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from eoffice.core.timeutil import to_local
from eoffice.incoming.models import IncomingDocument
from eoffice.orgs.models import Organisation
from eoffice.reports.register_sheet import (
    Cell,
    Column,
    Kind,
    RegisterSheet,
    RegisterSpec,
    SheetRow,
    build_sheet,
    render_register_pdf,
    text,
)
from eoffice.reports.register_xlsx import check_xlsx_size, render_register_xlsx

__all__ = [
    "COLUMNS",
    "SPEC",
    "Column",
    "RegisterRow",
    "build_layout",
    "check_pdf_size",
    "check_xlsx_size",
    "render_pdf",
    "render_xlsx",
    "row_from_document",
]

TITLE = "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN"
EMPTY_MESSAGE = "Không có văn bản đến trong khoảng thời gian này."

# Phụ lục IV.VI, in the legal order.
COLUMNS: tuple[Column, ...] = (
    Column("Ngày đến", 19, 11, Kind.DATE),
    Column("Số đến", 13, 7, Kind.NUMBER),
    Column("Tác giả", 35, 26),
    Column("Số, ký hiệu văn bản", 26, 17),
    Column("Ngày tháng văn bản", 19, 11, Kind.DATE),
    Column("Tên loại và trích yếu nội dung", 66, 48),
    Column("Đơn vị hoặc người nhận", 30, 20),
    Column("Ngày chuyển", 17, 11, Kind.DATE),
    Column("Ký nhận", 18, 11),
    Column("Ghi chú", 24, 20, multiline=True),
)


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

    def sheet_row(self) -> SheetRow:
        """The ten cells, in the order of COLUMNS."""
        return SheetRow(
            number=self.arrival_number,
            cells=(
                Cell(self.arrival_date),
                Cell(self.arrival_number),
                Cell(self.sender),
                Cell(self.symbol),
                Cell(self.document_date),
                Cell(self.summary, mark=self.marks_label),
                Cell(self.recipient),
                Cell(self.handed_over),
                Cell(),
                Cell(self.notes),
            ),
        )


def row_from_document(doc: IncomingDocument) -> RegisterRow:
    marks = []
    if doc.urgency is not None and doc.urgency.is_urgent:
        marks.append(text(doc.urgency.name).upper())
    if doc.confidentiality is not None and doc.confidentiality.is_secret:
        marks.append(text(doc.confidentiality.name).upper())
    notes = text(doc.notes)
    if doc.is_cancelled:
        cancelled = f"Đã hủy: {text(doc.cancel_reason)}".rstrip(": ")
        notes = f"{cancelled}\n{notes}" if notes else cancelled
    arrived = to_local(doc.arrived_at)
    assert arrived is not None
    return RegisterRow(
        arrival_date=arrived.date(),
        arrival_number=doc.arrival_number,
        sender=text(doc.sender_name),
        symbol=text(doc.symbol),
        document_date=doc.document_date,
        type_name=text(doc.document_type.name if doc.document_type else ""),
        subject=text(doc.subject),
        recipient=text(doc.recipient_label),
        notes=notes,
        marks=tuple(marks),
        cancelled=doc.is_cancelled,
    )


SPEC = RegisterSpec(
    title=TITLE,
    columns=COLUMNS,
    row=lambda doc: row_from_document(doc).sheet_row(),
    empty_message=EMPTY_MESSAGE,
    sheet_name="So VB den",
    org_columns=4,
    # About a year of a district office's mail; such a render runs as a background job.
    pdf_max_rows_setting="REGISTER_PDF_MAX_ROWS",
    pdf_max_rows=5000,
    pdf_shorter_period="ví dụ từng quý",
    names_single_book=True,
)


def build_layout(
    org: Organisation, docs: list[IncomingDocument], start: date, end: date
) -> RegisterSheet:
    """One section per book; `docs` come ordered by book, then arrival number."""
    return build_sheet(SPEC, org, docs, start, end)


def check_pdf_size(row_count: int) -> None:
    """Refuse a register too long to print in one piece (config REGISTER_PDF_MAX_ROWS)."""
    SPEC.check_pdf_size(row_count)


def render_pdf(org: Organisation, rows: list[IncomingDocument], start: date, end: date) -> bytes:
    """The register as an A4 landscape PDF, ready to print, sign and bind.

    WeasyPrint lays a table out at 10–14 ms per row (2,000 rows, 145 pages: 25–30 s on
    the 2-vCPU server), so long ranges are rendered by a background job
    (eoffice.reports.exports) and a range past the cap is refused; the spreadsheet has
    its own, higher cap (REGISTER_XLSX_MAX_ROWS).
    """
    return render_register_pdf(SPEC, org, rows, start, end)


def render_xlsx(org: Organisation, rows: list[IncomingDocument], start: date, end: date) -> bytes:
    """The register as a workbook; refused past REGISTER_XLSX_MAX_ROWS."""
    return render_register_xlsx(SPEC, org, rows, start, end)
