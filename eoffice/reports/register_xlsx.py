"""Any register as an XLSX workbook, from the same `RegisterSheet` as the printed PDF.

The workbook is built in memory within the request, a styled cell per column and row, so
a very long range is refused rather than left to hold a worker and its memory for minutes
(REGISTER_XLSX_MAX_ROWS, default 50,000: several years of a district office's mail).
The sheet prints like the PDF: A4 landscape, fitted to the page width, the header and
its column numbers repeated on every page.
"""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from flask import current_app

from eoffice.orgs.models import Organisation
from eoffice.reports.register_sheet import (
    Cell,
    Column,
    Kind,
    RegisterSheet,
    RegisterSpec,
    build_sheet,
    refuse_if_over,
)

DEFAULT_XLSX_MAX_ROWS = 50_000

_DATE_FORMAT = "dd/mm/yyyy"
_FONT = "Times New Roman"
# Named styles of the body cells, by column kind; "_bold" is the same in bold.
_BODY_STYLES = {Kind.TEXT: "reg_text", Kind.NUMBER: "reg_centre", Kind.DATE: "reg_date"}


def check_xlsx_size(row_count: int) -> None:
    """Refuse a spreadsheet too long to build in one request (config REGISTER_XLSX_MAX_ROWS)."""
    limit = current_app.config.get("REGISTER_XLSX_MAX_ROWS", DEFAULT_XLSX_MAX_ROWS)
    refuse_if_over(row_count, limit, "xuất Excel", "(ví dụ từng năm)")


def _add_styles(wb) -> None:
    """Named styles: one style reference per cell instead of three style objects (faster)."""
    from openpyxl.styles import Alignment, Border, Font, NamedStyle, Side

    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    top = Alignment(wrap_text=True, vertical="top")
    centre = Alignment(wrap_text=True, vertical="top", horizontal="center")
    body = {
        Kind.TEXT: {"alignment": top},
        Kind.NUMBER: {"alignment": centre},
        Kind.DATE: {"alignment": centre, "number_format": _DATE_FORMAT},
    }
    for kind, name in _BODY_STYLES.items():
        for suffix, bold in (("", False), ("_bold", True)):
            font = Font(name=_FONT, size=11, bold=bold)
            wb.add_named_style(NamedStyle(name + suffix, font=font, border=box, **body[kind]))
    wb.add_named_style(
        NamedStyle(
            "reg_head",
            font=Font(name=_FONT, size=11, bold=True),
            border=box,
            alignment=Alignment(wrap_text=True, horizontal="center", vertical="center"),
        )
    )
    wb.add_named_style(
        NamedStyle(
            "reg_number",
            font=Font(name=_FONT, size=10, italic=True),
            border=box,
            alignment=Alignment(horizontal="center"),
        )
    )


def _body_style(column: Column, cell: Cell) -> str:
    return _BODY_STYLES[column.kind] + ("_bold" if cell.stands_out else "")


class _SheetWriter:
    """Writes the rows of one worksheet from the top, like a printer."""

    def __init__(self, ws, column_count: int) -> None:
        from openpyxl.utils import get_column_letter

        self.ws = ws
        self.row = 1
        self.last = get_column_letter(column_count)

    def put(self, col: int, value: Any, style: str | None = None):
        cell = self.ws.cell(row=self.row, column=col, value=value)
        if isinstance(value, str):
            cell.data_type = "s"  # never a formula, whatever the user typed ("=HYPERLINK(…)")
        if style:
            cell.style = style
        return cell

    def banner(self, text: str, *, last: str | None = None, centred: bool = True, **font):
        """A line merged across the columns (to `last`), then the next row."""
        from openpyxl.styles import Alignment, Font

        cell = self.put(1, text)
        cell.font = Font(name=_FONT, **{"size": 11, **font})
        if centred:
            cell.alignment = Alignment(horizontal="center")
        self.ws.merge_cells(f"A{self.row}:{last or self.last}{self.row}")
        self.row += 1


def write_xlsx(sheet: RegisterSheet) -> bytes:
    """The register as a workbook: same columns and rows as the PDF, printable."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    _add_styles(wb)
    ws = wb.active
    ws.title = sheet.spec.sheet_name
    out = _SheetWriter(ws, len(sheet.columns))

    org_last = get_column_letter(sheet.spec.org_columns)
    if sheet.parent_name:
        out.banner(sheet.parent_name, last=org_last)
    out.banner(sheet.org_name, last=org_last, bold=True)
    out.row += 1
    out.banner(sheet.title, size=14, bold=True)
    for line in sheet.meta_lines:
        out.banner(line)

    out.row += 1
    header_row = out.row
    for col, column in enumerate(sheet.columns, start=1):
        out.put(col, column.label, "reg_head")
        ws.column_dimensions[get_column_letter(col)].width = column.xlsx_width
    ws.row_dimensions[header_row].height = sheet.spec.xlsx_header_height
    out.row += 1
    for col in range(1, len(sheet.columns) + 1):
        out.put(col, f"({col})", "reg_number")
    out.row += 1
    ws.freeze_panes = f"A{out.row}"

    if not sheet.sections:
        out.banner(sheet.spec.empty_message, centred=False, italic=True)
    for section in sheet.sections:
        if sheet.grouped:
            out.banner(f"{section.heading} ({section.number_range})", centred=False, bold=True)
        for entry in section.rows:
            for col, (column, cell) in enumerate(zip(sheet.columns, entry.cells, strict=True), 1):
                out.put(col, cell.value if cell.value != "" else None, _body_style(column, cell))
            out.row += 1

    _page_setup(ws, header_row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _page_setup(ws, header_row: int) -> None:
    """A4 landscape, fitted to the width, the header repeated, page numbers in the footer."""
    from openpyxl.worksheet.properties import PageSetupProperties

    ws.print_title_rows = f"{header_row}:{header_row + 1}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_margins.left, ws.page_margins.right = 0.8, 0.4
    ws.oddFooter.center.text = "Trang &P/&N"
    ws.oddFooter.center.font = f"{_FONT},Regular"


def render_register_xlsx(
    spec: RegisterSpec, org: Organisation, docs: list[Any], start: date, end: date
) -> bytes:
    """The register of `docs` as a workbook, refused past REGISTER_XLSX_MAX_ROWS."""
    check_xlsx_size(len(docs))
    return write_xlsx(build_sheet(spec, org, docs, start, end))
