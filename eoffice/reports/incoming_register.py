"""Sổ đăng ký văn bản đến (NĐ 30/2020 Phụ lục IV.VI), printed as PDF or exported as XLSX.

The printed register is signed by hand and bound, so it follows the legal form: its ten
columns in their order, with the column numbers row under the header. Both formats are
built from the same `RegisterLayout`, so the PDF and the spreadsheet can never disagree.
"""

from __future__ import annotations

import io
import itertools
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

from flask import current_app

from eoffice.core.errors import ValidationFailed
from eoffice.core.timeutil import format_date, to_local
from eoffice.incoming.models import IncomingDocument
from eoffice.orgs.models import Organisation
from eoffice.reports.pdf import render_pdf_template

TITLE = "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN"
EMPTY_MESSAGE = "Không có văn bản đến trong khoảng thời gian này."
SHEET_NAME = "So VB den"  # Excel forbids : \ / ? * [ ] and caps names at 31 characters.


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

_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def _text(value: str | None) -> str:
    """NFC and no control characters: Excel refuses them, and fonts have no glyph for them."""
    if not value:
        return ""
    return _CONTROL_CHARS.sub("", unicodedata.normalize("NFC", value)).strip()


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


# --- PDF ---------------------------------------------------------------------------

# Above this many rows a PDF is refused (config REGISTER_PDF_MAX_ROWS overrides it):
# about a year of a district office's mail; such a render runs as a background job.
DEFAULT_PDF_MAX_ROWS = 5000
_CONTENT_WIDTH_MM = sum(c.width_mm for c in COLUMNS)

# Deliberately small: the cascade cost grows with rules × elements, and a year's
# register can hold thousands of rows (STACK.md §2.2).
REGISTER_CSS = """
@page {
  size: A4 landscape;
  margin: 12mm 10mm 14mm 20mm;
  @bottom-center { content: "Trang " counter(page) "/" counter(pages); font-size: 10pt; }
}
html { font-size: 10.5pt; line-height: 1.15; }
.masthead { margin-bottom: 4mm; }
.org { width: 95mm; text-align: center; }
.org .parent { font-size: 11pt; }
.org .name { font-size: 11pt; font-weight: bold; }
.org .rule { width: 30mm; margin: 1mm auto 0; border-top: 0.6pt solid #000; }
h1 { font-size: 15pt; font-weight: bold; text-align: center; margin: 5mm 0 1mm; }
.meta { text-align: center; margin: 0; font-size: 11.5pt; }
.book { break-before: page; }
.book:first-of-type { break-before: auto; }
h2 { font-size: 12pt; font-weight: bold; margin: 3mm 0 1mm; }
h2 .range { font-weight: normal; font-style: italic; }
table { width: 100%; table-layout: fixed; border-collapse: collapse; }
th, td { border: 0.5pt solid #000; padding: 1.5pt 2.5pt; vertical-align: top;
  overflow-wrap: break-word; }
th { font-weight: bold; text-align: center; vertical-align: middle; }
thead tr.numbers th { font-weight: normal; font-style: italic; padding: 0.5pt; }
tbody tr { break-inside: avoid; }
tbody td { height: 8mm; }
td.c { text-align: center; }
td.notes { white-space: pre-line; }
.mark { font-weight: bold; }
td.empty { text-align: center; font-style: italic; padding: 4mm; height: auto; }
"""


def _thousands(n: int) -> str:
    """12.345: the Vietnamese thousands separator is a dot."""
    return f"{n:,}".replace(",", ".")


def check_pdf_size(row_count: int) -> None:
    """Refuse a register too long to print in one piece (config REGISTER_PDF_MAX_ROWS)."""
    limit = current_app.config.get("REGISTER_PDF_MAX_ROWS", DEFAULT_PDF_MAX_ROWS)
    if row_count > limit:
        raise ValidationFailed(
            f"Khoảng thời gian đã chọn có {_thousands(row_count)} văn bản, quá nhiều để in "
            f"một lần (tối đa {_thousands(limit)}). Vui lòng chọn khoảng thời gian ngắn hơn "
            "(ví dụ từng quý) hoặc xuất Excel."
        )


def render_pdf(org: Organisation, rows: list[IncomingDocument], start: date, end: date) -> bytes:
    """The register as an A4 landscape PDF, ready to print, sign and bind.

    WeasyPrint lays a table out at 10–14 ms per row (2,000 rows, 145 pages: 25–30 s on
    the 2-vCPU server), so long ranges are rendered by a background job
    (eoffice.reports.exports) and a range past the cap is refused; the spreadsheet has
    no limit.
    """
    check_pdf_size(len(rows))
    layout = build_layout(org, rows, start, end)
    widths = [round(c.width_mm * 100 / _CONTENT_WIDTH_MM, 3) for c in COLUMNS]
    return render_pdf_template(
        "pdf/incoming_register.html",
        [REGISTER_CSS],
        layout=layout,
        columns=list(zip(COLUMNS, widths, strict=True)),
        title=TITLE,
        empty_message=EMPTY_MESSAGE,
    )


# --- XLSX --------------------------------------------------------------------------

_DATE_FORMAT = "dd/mm/yyyy"
_FONT = "Times New Roman"
_DATE_COLUMNS = {1, 5, 8}
_NUMBER_COLUMN = 2
_SUMMARY_COLUMN = 6


def _xlsx_styles(wb) -> None:
    """Named styles: one style reference per cell instead of three style objects (faster)."""
    from openpyxl.styles import Alignment, Border, Font, NamedStyle, Side

    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    top = Alignment(wrap_text=True, vertical="top")
    centre = Alignment(wrap_text=True, vertical="top", horizontal="center")
    styles = [
        NamedStyle("reg_text", font=Font(name=_FONT, size=11), border=box, alignment=top),
        NamedStyle("reg_centre", font=Font(name=_FONT, size=11), border=box, alignment=centre),
        NamedStyle(
            "reg_date",
            font=Font(name=_FONT, size=11),
            border=box,
            alignment=centre,
            number_format=_DATE_FORMAT,
        ),
        NamedStyle(
            "reg_marked", font=Font(name=_FONT, size=11, bold=True), border=box, alignment=top
        ),
        NamedStyle(
            "reg_head",
            font=Font(name=_FONT, size=11, bold=True),
            border=box,
            alignment=Alignment(wrap_text=True, horizontal="center", vertical="center"),
        ),
        NamedStyle(
            "reg_number",
            font=Font(name=_FONT, size=10, italic=True),
            border=box,
            alignment=Alignment(horizontal="center"),
        ),
    ]
    for style in styles:
        wb.add_named_style(style)


def render_xlsx(org: Organisation, rows: list[IncomingDocument], start: date, end: date) -> bytes:
    """The register as a workbook: same columns, printable (A4 landscape, fit to width)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.properties import PageSetupProperties

    layout = build_layout(org, rows, start, end)
    wb = Workbook()
    _xlsx_styles(wb)
    ws = wb.active
    ws.title = SHEET_NAME
    last_col = get_column_letter(len(COLUMNS))

    def put(row: int, col: int, value, style: str | None = None):
        cell = ws.cell(row=row, column=col, value=value)
        if isinstance(value, str):
            cell.data_type = "s"  # never a formula, whatever the user typed ("=HYPERLINK(…)")
        if style:
            cell.style = style
        return cell

    def banner(row: int, text: str, *, last: str = last_col, **font) -> None:
        cell = put(row, 1, text)
        cell.font = Font(name=_FONT, **{"size": 11, **font})
        cell.alignment = Alignment(horizontal="center")
        ws.merge_cells(f"A{row}:{last}{row}")

    r = 1
    if layout.parent_name:
        banner(r, layout.parent_name, last="D")
        r += 1
    banner(r, layout.org_name, last="D", bold=True)
    r += 2
    banner(r, TITLE, size=14, bold=True)
    r += 1
    for line in (layout.year_label, layout.period_label, layout.book_label, layout.single_range):
        if line:
            banner(r, line)
            r += 1

    header_row = r + 1
    for col, column in enumerate(COLUMNS, start=1):
        put(header_row, col, column.label, "reg_head")
        put(header_row + 1, col, f"({col})", "reg_number")
        ws.column_dimensions[get_column_letter(col)].width = column.xlsx_width
    ws.row_dimensions[header_row].height = 32
    r = header_row + 2
    ws.freeze_panes = f"A{r}"

    if not layout.sections:
        put(r, 1, EMPTY_MESSAGE).font = Font(name=_FONT, size=11, italic=True)
        ws.merge_cells(f"A{r}:{last_col}{r}")
    for section in layout.sections:
        if layout.grouped:
            heading = put(r, 1, f"{section.heading} ({section.number_range})")
            heading.font = Font(name=_FONT, size=11, bold=True)
            ws.merge_cells(f"A{r}:{last_col}{r}")
            r += 1
        for entry in section.rows:
            values = (
                entry.arrival_date,
                entry.arrival_number,
                entry.sender,
                entry.symbol,
                entry.document_date,
                entry.summary,
                entry.recipient,
                entry.handed_over,
                None,
                entry.notes,
            )
            for col, value in enumerate(values, start=1):
                if col in _DATE_COLUMNS:
                    style = "reg_date"
                elif col == _NUMBER_COLUMN:
                    style = "reg_centre"
                elif col == _SUMMARY_COLUMN and entry.marks:
                    style = "reg_marked"
                else:
                    style = "reg_text"
                put(r, col, value, style)
            r += 1

    ws.print_title_rows = f"{header_row}:{header_row + 1}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_margins.left, ws.page_margins.right = 0.8, 0.4
    ws.oddFooter.center.text = "Trang &P/&N"
    ws.oddFooter.center.font = f"{_FONT},Regular"

    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
