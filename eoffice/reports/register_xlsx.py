"""The register as an XLSX workbook, from the same layout as the printed PDF.

The workbook is built in memory within the request, ten styled cells a row, so a very
long range is refused rather than left to hold a worker and its memory for minutes
(REGISTER_XLSX_MAX_ROWS, default 50,000: several years of a district office's mail).
"""

from __future__ import annotations

import io
from datetime import date

from flask import current_app

from eoffice.core.errors import ValidationFailed
from eoffice.incoming.models import IncomingDocument
from eoffice.orgs.models import Organisation
from eoffice.reports.register_layout import (
    COLUMNS,
    EMPTY_MESSAGE,
    TITLE,
    build_layout,
    thousands,
)

SHEET_NAME = "So VB den"  # Excel forbids : \ / ? * [ ] and caps names at 31 characters.
DEFAULT_XLSX_MAX_ROWS = 50_000


def check_xlsx_size(row_count: int) -> None:
    """Refuse a spreadsheet too long to build in one request (config REGISTER_XLSX_MAX_ROWS)."""
    limit = current_app.config.get("REGISTER_XLSX_MAX_ROWS", DEFAULT_XLSX_MAX_ROWS)
    if row_count > limit:
        raise ValidationFailed(
            f"Khoảng thời gian đã chọn có {thousands(row_count)} văn bản, quá nhiều để xuất "
            f"Excel một lần (tối đa {thousands(limit)}). Vui lòng chọn khoảng thời gian ngắn "
            "hơn (ví dụ từng năm)."
        )


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


def render_register_xlsx(
    org: Organisation, rows: list[IncomingDocument], start: date, end: date
) -> bytes:
    """The register as a workbook: same columns, printable (A4 landscape, fit to width)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.properties import PageSetupProperties

    check_xlsx_size(len(rows))
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
