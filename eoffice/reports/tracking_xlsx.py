"""The Sổ theo dõi giải quyết văn bản đến as an XLSX workbook, from the PDF's layout.

Same styles, page set-up and size cap as the Sổ đăng ký's workbook
(eoffice.reports.register_xlsx), seven columns instead of ten.
"""

from __future__ import annotations

import io
from datetime import date

from eoffice.incoming.models import IncomingDocument
from eoffice.orgs.models import Organisation
from eoffice.reports.register_xlsx import _FONT, _xlsx_styles, check_xlsx_size
from eoffice.reports.tracking_register import COLUMNS, EMPTY_MESSAGE, TITLE, build_layout

SHEET_NAME = "Theo doi giai quyet"
_DATE_COLUMN = 4
_NUMBER_COLUMN = 1
_PROGRESS_COLUMN = 5


def render_tracking_xlsx(
    org: Organisation, docs: list[IncomingDocument], start: date, end: date
) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.properties import PageSetupProperties

    check_xlsx_size(len(docs))
    layout = build_layout(org, docs, start, end)
    wb = Workbook()
    _xlsx_styles(wb)
    ws = wb.active
    ws.title = SHEET_NAME
    last_col = get_column_letter(len(COLUMNS))

    def put(row: int, col: int, value, style: str | None = None):
        cell = ws.cell(row=row, column=col, value=value)
        if isinstance(value, str):
            cell.data_type = "s"  # never a formula, whatever the user typed
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
        banner(r, layout.parent_name, last="C")
        r += 1
    banner(r, layout.org_name, last="C", bold=True)
    r += 2
    banner(r, TITLE, size=14, bold=True)
    r += 1
    for line in (layout.year_label, layout.period_label, layout.single_range):
        if line:
            banner(r, line)
            r += 1

    header_row = r + 1
    for col, column in enumerate(COLUMNS, start=1):
        put(header_row, col, column.label, "reg_head")
        put(header_row + 1, col, f"({col})", "reg_number")
        ws.column_dimensions[get_column_letter(col)].width = column.xlsx_width
    ws.row_dimensions[header_row].height = 45
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
                entry.arrival_number,
                entry.document,
                entry.recipient,
                entry.deadline,
                entry.progress,
                entry.reply or None,
                entry.notes or None,
            )
            for col, value in enumerate(values, start=1):
                if col == _DATE_COLUMN:
                    style = "reg_date"
                elif col == _NUMBER_COLUMN:
                    style = "reg_centre"
                elif col == _PROGRESS_COLUMN and entry.late:
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
