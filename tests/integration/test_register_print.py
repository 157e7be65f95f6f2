"""The printed incoming register (PDF) and its spreadsheet export, through the real routes."""

from __future__ import annotations

import io
import re
import subprocess
from datetime import UTC, date, datetime

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from eoffice.core import timeutil
from eoffice.incoming.services import cancel_incoming
from tests import factories
from tests.pdftext import pdf_text

SEPTEMBER = "date_from=2026-09-01&date_to=2026-09-30"


def _at(day: int, month: int = 9, hour: int = 2) -> None:
    """Register the next documents at `hour` UTC (09:00 in Ho Chi Minh City) on that day."""
    timeutil.set_clock(lambda: datetime(2026, month, day, hour, 0, tzinfo=UTC))


@pytest.fixture
def september(world):
    """School A's register for September 2026, plus documents that must not be printed."""
    clerk = world.school_a.clerk
    _at(21)
    docs = {
        "plain": factories.register(
            clerk,
            sender_name="Sở Tài chính",
            symbol="12/STC-NS",
            subject="Tuyển sinh lớp Một",
            recipient_unit_id=world.school_a.unit.id,
            notes="Lưu hồ sơ",
        ),
        "flash": factories.register(
            clerk,
            sender_name="Ủy ban nhân dân Quận Thử",
            symbol="45/UBND",
            subject="Phòng chống bão số 5",
            urgency_code="flash",
        ),
        "cancelled": factories.register(
            clerk, sender_name="Báo Giáo dục", symbol="7/BGD", subject="Thư mời viết bài"
        ),
    }
    cancel_incoming(clerk, docs["cancelled"].id, "Vào sổ nhầm, trùng số đến 2")
    _at(3, month=10)
    docs["october"] = factories.register(
        clerk, sender_name="Sở Nội vụ", symbol="99/SNV", subject="Văn bản tháng Mười"
    )
    _at(22)
    docs["other_school"] = factories.register(
        world.school_b.clerk,
        sender_name="Sở Y tế",
        symbol="5/SYT",
        subject="Công văn của trường khác",
    )
    return docs


def test_pdf_prints_the_register_of_the_period(client, world, september, tmp_path):
    factories.login(client, world.school_a.clerk)
    response = client.get(f"/incoming/register.pdf?{SEPTEMBER}")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    text = pdf_text(response.data)

    assert "TRƯỜNG TIỂU HỌC LÊ LỢI" in text
    assert "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN" in text
    assert "Năm 2026" in text
    assert "Từ ngày 01/09/2026 đến ngày 30/09/2026" in text
    assert "Trang 1/1" in text
    numbers_row = re.search(r"\(1\)\s+\(2\)\s+\(3\).*\(9\)\s+\(10\)", text)
    assert numbers_row is not None
    # Each entry's first line: arrival date, arrival number, sender, number/symbol.
    assert re.search(r"21/09/2026\s+1\s+Sở Tài chính\s+12/STC-NS\s+19/09/2026", text)
    assert re.search(r"21/09/2026\s+2\s+Ủy ban nhân dân", text)
    assert re.search(r"21/09/2026\s+3\s+Báo Giáo dục", text)
    assert "Công văn: Tuyển sinh lớp Một" in text
    assert "Tổ Văn phòng" in text
    assert "Lưu hồ sơ" in text
    assert "(HỎA TỐC)" in text
    assert "Đã hủy:" in text  # the reason wraps in the narrow column (checked in XLSX)
    assert "\ufffd" not in text
    # Outside the period, and another school's register.
    assert "Sở Nội vụ" not in text and "tháng Mười" not in text
    assert "Sở Y tế" not in text and "trường khác" not in text


def test_pdf_is_a4_landscape_with_embedded_times_compatible_fonts(
    client, world, september, tmp_path
):
    factories.login(client, world.school_a.clerk)
    pdf = client.get(f"/incoming/register.pdf?{SEPTEMBER}").data
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    width, height = float(page.mediabox.width), float(page.mediabox.height)
    assert (round(width), round(height)) == (842, 595)  # A4 landscape, in points

    path = tmp_path / "fonts.pdf"
    path.write_bytes(pdf)
    listing = subprocess.run(
        ["pdffonts", str(path)], check=True, capture_output=True, text=True
    ).stdout.splitlines()[2:]
    assert listing, "no font in the PDF"
    for line in listing:
        name, emb = line.split()[0], line.split()[-5]
        assert emb == "yes", line
        assert re.search(r"Times|Liberation|Tinos", name), line


def test_header_repeats_on_every_page(client, world, tmp_path):
    clerk = world.school_a.clerk
    _at(20)
    for n in range(1, 31):
        factories.register(clerk, symbol=f"{n}/KH", subject=f"Văn bản thứ {n}")
    factories.login(client, clerk)
    pdf = client.get(f"/incoming/register.pdf?{SEPTEMBER}").data
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    assert pages >= 2
    last = pdf_text(pdf, pages)
    assert "Tên loại và trích yếu" in last
    assert re.search(r"\(1\)\s+\(2\)\s+\(3\)", last)
    assert f"Trang {pages}/{pages}" in last
    assert "Văn bản thứ 30" in last


def test_general_and_confidential_books_are_printed_apart(client, world, tmp_path):
    clerk = world.school_a.clerk
    _at(25)
    factories.register(clerk, symbol="1/A", subject="Văn bản thường")
    factories.register(
        clerk, symbol="2/A", subject="Văn bản có độ mật", confidentiality_code="confidential"
    )
    factories.login(client, clerk)
    pdf = client.get(f"/incoming/register.pdf?{SEPTEMBER}").data
    first, second = (pdf_text(pdf, n) for n in (1, 2))
    assert "Sổ đăng ký văn bản đến năm 2026" in first
    assert "Văn bản thường" in first and "Văn bản có độ mật" not in first
    assert "Sổ đăng ký văn bản mật đến năm 2026" in second
    assert "Văn bản có độ mật" in second and "(MẬT)" in second


def test_empty_period_says_so(client, world, september, tmp_path):
    factories.login(client, world.school_a.clerk)
    response = client.get("/incoming/register.pdf?date_from=2026-08-01&date_to=2026-08-31")
    assert response.status_code == 200
    text = pdf_text(response.data)
    assert "Không có văn bản đến trong khoảng thời gian này." in text
    assert "Từ ngày 01/08/2026 đến ngày 31/08/2026" in text
    assert "Sở Tài chính" not in text


def test_user_text_is_printed_as_text_not_markup(client, world, tmp_path):
    clerk = world.school_a.clerk
    _at(24)
    factories.register(clerk, symbol="3/X", subject='Trích yếu <b>đậm</b> <img src="x.png">')
    factories.login(client, clerk)
    text = pdf_text(client.get(f"/incoming/register.pdf?{SEPTEMBER}").data)
    assert "<b>đậm</b>" in text


def test_xlsx_has_the_same_columns_and_rows(client, world, september):
    factories.login(client, world.school_a.clerk)
    response = client.get(f"/incoming/register.xlsx?{SEPTEMBER}")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    ws = load_workbook(io.BytesIO(response.data))["So VB den"]
    cells = list(ws.iter_rows(values_only=True))
    flat = [v for row in cells for v in row if v is not None]
    assert "TRƯỜNG TIỂU HỌC LÊ LỢI" in flat
    assert "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN" in flat
    assert "Từ ngày 01/09/2026 đến ngày 30/09/2026" in flat

    header = next(i for i, row in enumerate(cells) if row[0] == "Ngày đến")
    assert cells[header][:6] == (
        "Ngày đến",
        "Số đến",
        "Tác giả",
        "Số, ký hiệu văn bản",
        "Ngày tháng văn bản",
        "Tên loại và trích yếu nội dung",
    )
    assert cells[header][9] == "Ghi chú"
    assert cells[header + 1] == tuple(f"({n})" for n in range(1, 11))
    assert ws.freeze_panes == f"A{header + 3}"
    assert ws.print_title_rows == f"${header + 1}:${header + 2}"
    assert ws.page_setup.orientation == "landscape"

    entries = cells[header + 2 :]
    assert [row[1] for row in entries] == [1, 2, 3]
    first = entries[0]
    assert first[0] == datetime(2026, 9, 21)  # a real date, not text
    assert ws.cell(row=header + 3, column=1).number_format == "dd/mm/yyyy"
    assert first[2:5] == ("Sở Tài chính", "12/STC-NS", datetime(2026, 9, 19))
    assert first[5] == "Công văn: Tuyển sinh lớp Một"
    assert first[6] == "Tổ Văn phòng"
    assert first[9] == "Lưu hồ sơ"
    assert entries[1][5] == "Công văn (HỎA TỐC): Phòng chống bão số 5"
    assert entries[2][9] == "Đã hủy: Vào sổ nhầm, trùng số đến 2"
    assert not any("Sở Y tế" in str(v) or "Sở Nội vụ" in str(v) for v in flat)


def test_xlsx_never_turns_user_text_into_a_formula(client, world):
    clerk = world.school_a.clerk
    _at(24)
    factories.register(clerk, sender_name='=HYPERLINK("http://x.test","bấm")', notes="=1+2")
    factories.login(client, clerk)
    data = client.get(f"/incoming/register.xlsx?{SEPTEMBER}").data
    ws = load_workbook(io.BytesIO(data))["So VB den"]
    values = {c.value: c.data_type for row in ws.iter_rows() for c in row if c.value}
    assert values['=HYPERLINK("http://x.test","bấm")'] == "s"
    assert values["=1+2"] == "s"


@pytest.mark.parametrize("path", ["/incoming/register.pdf", "/incoming/register.xlsx"])
def test_staff_may_not_print_the_register(client, world, september, path):
    factories.login(client, world.school_a.staff)
    assert client.get(f"{path}?{SEPTEMBER}").status_code == 403


def test_each_school_prints_only_its_own_register(client, world, september, tmp_path):
    factories.login(client, world.school_b.clerk)
    text = pdf_text(client.get(f"/incoming/register.pdf?{SEPTEMBER}").data)
    assert "TRƯỜNG THCS BẠCH ĐẰNG" in text
    assert "Công văn của trường khác" in text
    assert "Sở Tài chính" not in text and "Tuyển sinh lớp Một" not in text
    data = client.get(f"/incoming/register.xlsx?{SEPTEMBER}").data
    flat = [v for row in load_workbook(io.BytesIO(data)).active.values for v in row if v]
    assert any("Công văn của trường khác" in str(v) for v in flat)
    assert not any("Sở Tài chính" in str(v) for v in flat)
    assert date(2026, 9, 22) in {v.date() for v in flat if isinstance(v, datetime)}


def test_oversized_pdf_is_refused_with_a_message_but_excel_still_works(
    app, client, world, september
):
    app.config["REGISTER_PDF_MAX_ROWS"] = 2
    factories.login(client, world.school_a.clerk)
    response = client.get(f"/incoming/register.pdf?{SEPTEMBER}", headers={"Referer": "/incoming"})
    assert response.status_code == 302
    with client.session_transaction() as session:
        messages = [text for _category, text in session["_flashes"]]
    assert any("có 3 văn bản, quá nhiều để in một lần (tối đa 2)" in m for m in messages)
    assert client.get(f"/incoming/register.xlsx?{SEPTEMBER}").status_code == 200


def test_oversized_xlsx_is_refused_with_a_message(app, client, world, september):
    app.config["REGISTER_XLSX_MAX_ROWS"] = 2
    factories.login(client, world.school_a.clerk)
    response = client.get(f"/incoming/register.xlsx?{SEPTEMBER}", headers={"Referer": "/incoming"})
    assert response.status_code == 302
    with client.session_transaction() as session:
        messages = [text for _category, text in session["_flashes"]]
    assert any("có 3 văn bản, quá nhiều để xuất Excel một lần (tối đa 2)" in m for m in messages)
    app.config["REGISTER_XLSX_MAX_ROWS"] = 3
    assert client.get(f"/incoming/register.xlsx?{SEPTEMBER}").status_code == 200


def test_render_xlsx_checks_its_own_size(app, world, september):
    from eoffice.core.errors import ValidationFailed
    from eoffice.reports.incoming_register import render_xlsx

    app.config["REGISTER_XLSX_MAX_ROWS"] = 1
    docs = [september["plain"], september["flash"]]
    with pytest.raises(ValidationFailed, match="tối đa 1"):
        render_xlsx(world.school_a.org, docs, date(2026, 9, 1), date(2026, 9, 30))
