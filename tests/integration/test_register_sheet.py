"""A register the project does not have yet renders through the generic sheet, both formats.

The outgoing register and the file lists will only declare columns and a row function:
a toy register of four columns stands for them here, built from plain objects.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date, datetime

import pytest
from openpyxl import load_workbook

import eoffice.models_registry  # noqa: F401  (every mapper configured)
from eoffice.orgs.models import Organisation
from eoffice.reports.register_sheet import (
    Cell,
    Column,
    Kind,
    RegisterSpec,
    SheetRow,
    build_sheet,
    render_register_pdf,
)
from eoffice.reports.register_xlsx import render_register_xlsx
from tests.pdftext import pdf_text


@dataclass
class Book:
    name: str
    year: int


@dataclass
class Entry:
    register_book_id: int
    register_book: Book
    number: int
    day: date
    content: str
    note: str = ""
    urgent: bool = False
    late: bool = False


def _row(entry: Entry) -> SheetRow:
    mark = "(KHẨN)" if entry.urgent else ""
    return SheetRow(
        number=entry.number,
        cells=(
            Cell(entry.number),
            Cell(entry.day, bold=entry.late),
            Cell(f"Tờ trình {mark}: {entry.content}" if mark else entry.content, mark=mark),
            Cell(entry.note),
        ),
    )


TOY = RegisterSpec(
    title="SỔ THỬ NGHIỆM",
    columns=(
        Column("Số thứ tự", 20, 9, Kind.NUMBER),
        Column("Ngày ghi", 30, 12, Kind.DATE),
        Column("Nội dung ghi chép", 157, 60, multiline=True),
        Column("Ghi chú", 60, 25),
    ),
    row=_row,
    empty_message="Không có mục nào trong khoảng thời gian này.",
    sheet_name="So thu",
    org_columns=2,
    pdf_max_rows_setting="TOY_PDF_MAX_ROWS",
    pdf_max_rows=10,
    pdf_shorter_period="ví dụ từng tuần",
)
MAIN, ANNEX = Book("Sổ thử nghiệm", 2026), Book("Sổ phụ lục", 2026)
PERIOD = (date(2026, 10, 1), date(2026, 10, 31))


def _org() -> Organisation:
    return Organisation(
        name="Trường Mầm non Hoa Sen", parent=Organisation(name="Phòng GDĐT Quận Thử")
    )


def _entries() -> list[Entry]:
    return [
        Entry(1, MAIN, 1, date(2026, 10, 2), "Dòng thứ nhất\nDòng thứ hai", note="=SUM(A1)"),
        Entry(1, MAIN, 2, date(2026, 10, 5), "Kiểm tra cơ sở vật chất", urgent=True, late=True),
        Entry(2, ANNEX, 7, date(2026, 10, 9), "Phụ lục đính kèm", note="Bản sao"),
    ]


def test_a_new_register_renders_to_xlsx_with_its_header_widths_and_styles(app):
    data = render_register_xlsx(TOY, _org(), _entries(), *PERIOD)
    ws = load_workbook(io.BytesIO(data))["So thu"]
    rows = [tuple(c.value for c in row) for row in ws.iter_rows()]
    assert rows[0][0] == "PHÒNG GDĐT QUẬN THỬ" and rows[1][0] == "TRƯỜNG MẦM NON HOA SEN"
    assert {"A1:B1", "A2:B2", "A4:D4"} <= {str(r) for r in ws.merged_cells.ranges}
    assert [row[0] for row in rows[3:6]] == [
        "SỔ THỬ NGHIỆM",
        "Năm 2026",
        "Từ ngày 01/10/2026 đến ngày 31/10/2026",
    ]

    header = next(i for i, row in enumerate(rows) if row[0] == "Số thứ tự")
    assert rows[header] == ("Số thứ tự", "Ngày ghi", "Nội dung ghi chép", "Ghi chú")
    assert rows[header + 1] == ("(1)", "(2)", "(3)", "(4)")
    widths = [ws.column_dimensions[letter].width for letter in "ABCD"]
    assert widths == [9, 12, 60, 25]
    assert ws.freeze_panes == f"A{header + 3}"
    assert ws.print_title_rows == f"${header + 1}:${header + 2}"
    assert (ws.page_setup.orientation, ws.page_setup.fitToWidth) == ("landscape", 1)

    # Two books: each has its heading and range, then its rows.
    assert rows[header + 2][0] == "Sổ thử nghiệm năm 2026 (Từ số 1 đến số 2 (2 văn bản))"
    first, second = (header + 4, header + 5)  # 1-based rows of the two entries
    assert rows[first - 1] == (1, datetime(2026, 10, 2), "Dòng thứ nhất\nDòng thứ hai", "=SUM(A1)")
    assert ws.cell(row=first, column=4).data_type == "s"  # a string, never a formula
    assert ws.cell(row=first, column=2).number_format == "dd/mm/yyyy"
    assert not ws.cell(row=first, column=2).font.b
    assert ws.cell(row=second, column=2).font.b  # the late entry's date cell
    assert rows[second - 1][2] == "Tờ trình (KHẨN): Kiểm tra cơ sở vật chất"
    assert ws.cell(row=second, column=3).font.b  # a marked text: bold as a whole
    assert rows[second - 1][3] is None  # no note: an empty cell, not ""
    assert rows[second][0] == "Sổ phụ lục năm 2026 (Từ số 7 đến số 7 (1 văn bản))"
    assert rows[second + 1][:2] == (7, datetime(2026, 10, 9))


def test_a_new_register_renders_to_pdf_with_the_same_content(app):
    pdf = render_register_pdf(TOY, _org(), _entries(), *PERIOD)
    text = pdf_text(pdf)
    assert "PHÒNG GDĐT QUẬN THỬ" in text and "TRƯỜNG MẦM NON HOA SEN" in text
    assert "SỔ THỬ NGHIỆM" in text
    assert "Từ ngày 01/10/2026 đến ngày 31/10/2026" in text
    assert re.search(r"Số thứ tự\s+Ngày ghi\s+Nội dung ghi chép\s+Ghi chú", text)
    assert re.search(r"\(1\)\s+\(2\)\s+\(3\)\s+\(4\)", text)
    assert not re.search(r"\(5\)", text)
    assert re.search(r"1\s+02/10/2026\s+Dòng thứ nhất\s+=SUM\(A1\)\n\s+Dòng thứ hai", text)
    assert re.search(r"2\s+05/10/2026\s+Tờ trình \(KHẨN\): Kiểm tra cơ sở vật chất", text)
    # The second book starts a page of its own.
    assert "Sổ phụ lục năm 2026" not in pdf_text(pdf, 1)
    second = pdf_text(pdf, 2)
    assert "Sổ phụ lục năm 2026 (Từ số 7 đến số 7 (1 văn bản))" in second
    assert re.search(r"7\s+09/10/2026\s+Phụ lục đính kèm\s+Bản sao", second)


def test_an_empty_period_prints_the_registers_own_message(app):
    pdf_only = pdf_text(render_register_pdf(TOY, _org(), [], *PERIOD))
    assert "Không có mục nào trong khoảng thời gian này." in pdf_only
    ws = load_workbook(io.BytesIO(render_register_xlsx(TOY, _org(), [], *PERIOD))).active
    values = [row[0] for row in ws.iter_rows(values_only=True)]
    assert values[-1] == "Không có mục nào trong khoảng thời gian này."
    assert values[-2] == "(1)"


def test_the_registers_pdf_limit_and_its_advice(app):
    from eoffice.core.errors import ValidationFailed

    app.config["TOY_PDF_MAX_ROWS"] = 2
    with pytest.raises(ValidationFailed) as refused:
        render_register_pdf(TOY, _org(), _entries(), *PERIOD)
    assert refused.value.message == (
        "Khoảng thời gian đã chọn có 3 văn bản, quá nhiều để in một lần (tối đa 2). "
        "Vui lòng chọn khoảng thời gian ngắn hơn (ví dụ từng tuần) hoặc xuất Excel."
    )


def test_a_row_that_does_not_fit_the_columns_is_a_programming_error():
    short = RegisterSpec(**{**TOY.__dict__, "row": lambda e: SheetRow(e.number, (Cell(1),))})
    with pytest.raises(ValueError, match="1 cells for 4 columns"):
        build_sheet(short, _org(), _entries(), *PERIOD)
