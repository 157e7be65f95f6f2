"""Sổ đăng ký văn bản đến (NĐ 30/2020 Phụ lục IV.VI), printed as PDF or exported as XLSX.

The printed register is signed by hand and bound, so it follows the legal form: its ten
columns in their order, with the column numbers row under the header. The content comes
from eoffice.reports.register_layout, the spreadsheet writer lives in
eoffice.reports.register_xlsx; this module is the entry point of both formats.
"""

from __future__ import annotations

from datetime import date

from flask import current_app

from eoffice.core.errors import ValidationFailed
from eoffice.incoming.models import IncomingDocument
from eoffice.orgs.models import Organisation
from eoffice.reports.pdf import render_pdf_template
from eoffice.reports.register_layout import (
    COLUMNS,
    EMPTY_MESSAGE,
    TITLE,
    BookSection,
    Column,
    RegisterLayout,
    RegisterRow,
    build_layout,
    row_from_document,
    thousands,
)
from eoffice.reports.register_xlsx import check_xlsx_size, render_register_xlsx

__all__ = [
    "COLUMNS",
    "BookSection",
    "Column",
    "RegisterLayout",
    "RegisterRow",
    "build_layout",
    "check_pdf_size",
    "check_xlsx_size",
    "render_pdf",
    "render_xlsx",
    "row_from_document",
]

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


def check_pdf_size(row_count: int) -> None:
    """Refuse a register too long to print in one piece (config REGISTER_PDF_MAX_ROWS)."""
    limit = current_app.config.get("REGISTER_PDF_MAX_ROWS", DEFAULT_PDF_MAX_ROWS)
    if row_count > limit:
        raise ValidationFailed(
            f"Khoảng thời gian đã chọn có {thousands(row_count)} văn bản, quá nhiều để in "
            f"một lần (tối đa {thousands(limit)}). Vui lòng chọn khoảng thời gian ngắn hơn "
            "(ví dụ từng quý) hoặc xuất Excel."
        )


def render_pdf(org: Organisation, rows: list[IncomingDocument], start: date, end: date) -> bytes:
    """The register as an A4 landscape PDF, ready to print, sign and bind.

    WeasyPrint lays a table out at 10–14 ms per row (2,000 rows, 145 pages: 25–30 s on
    the 2-vCPU server), so long ranges are rendered by a background job
    (eoffice.reports.exports) and a range past the cap is refused; the spreadsheet has
    its own, higher cap (REGISTER_XLSX_MAX_ROWS).
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


def render_xlsx(org: Organisation, rows: list[IncomingDocument], start: date, end: date) -> bytes:
    """The register as a workbook (eoffice.reports.register_xlsx); refused past the cap."""
    return render_register_xlsx(org, rows, start, end)
