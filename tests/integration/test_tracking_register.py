"""The Sổ theo dõi giải quyết văn bản đến (7 columns), as PDF and XLSX, through the routes."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime

import lxml.html
import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from eoffice.core import timeutil
from eoffice.incoming import processing
from eoffice.incoming.processing import Party
from eoffice.incoming.services import cancel_incoming
from tests import factories
from tests.pdftext import pdf_text

SEPTEMBER = "date_from=2026-09-01&date_to=2026-09-30"


def _at(day: int, month: int = 9) -> None:
    """The clock at 09:00 in Ho Chi Minh City on that day."""
    timeutil.set_clock(lambda: datetime(2026, month, day, 2, 0, tzinfo=UTC))


@pytest.fixture
def september(world):
    """School A's September: documents at every stage, and some that must not be printed."""
    school = world.school_a
    clerk, leader, staff = school.clerk, school.leader, school.staff
    _at(21)
    working = factories.register(
        clerk, sender_name="Sở Tài chính", symbol="12/STC-NS", subject="Tuyển sinh lớp Một"
    )
    processing.present(clerk, working.id, presented_to=leader.id)
    processing.assign(
        leader,
        working.id,
        Party(user_id=staff.id),
        coordinators=[Party(unit_id=school.unit.id)],
        deadline=date(2026, 9, 23),
    )
    processing.record_progress(staff, working.id, "Đã lập danh sách.", 40)
    done = factories.register(
        clerk, sender_name="Ủy ban nhân dân Quận Thử", symbol="45/UBND", subject="Phòng chống bão"
    )
    processing.present(clerk, done.id, presented_to=leader.id)
    processing.assign(leader, done.id, Party(user_id=staff.id), deadline=date(2026, 9, 30))
    processing.record_progress(staff, done.id, "Đang kiểm tra.", 10)
    processing.complete(staff, done.id, "Đã báo cáo Ủy ban.", reply_document="15/BC-THLL")
    factories.register(
        clerk,
        sender_name="Báo Giáo dục",
        symbol="7/BGD",
        subject="Thư mời viết bài",
        recipient_unit_id=school.unit.id,
        notes="Chuyển tổ chuyên môn",
    )
    wrong = factories.register(clerk, sender_name="Sở Nội vụ", symbol="9/SNV", subject="Trùng")
    cancel_incoming(clerk, wrong.id, "Vào sổ trùng số đến 1")
    _at(3, month=10)
    factories.register(clerk, sender_name="Sở Xây dựng", symbol="99/SXD", subject="Tháng Mười")
    factories.register(
        world.school_b.clerk, sender_name="Sở Y tế", symbol="5/SYT", subject="Trường khác"
    )
    # Printed on 25 September: the first document is two days late by then.
    _at(25)
    return school


def test_pdf_has_the_seven_columns_and_each_documents_handling(client, september):
    factories.login(client, september.clerk)
    response = client.get(f"/incoming/tracking.pdf?{SEPTEMBER}")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    page = PdfReader(io.BytesIO(response.data)).pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (842, 595)
    text = pdf_text(response.data)
    cells = pdf_text(response.data, layout=False)

    assert "TRƯỜNG TIỂU HỌC LÊ LỢI" in text
    assert "SỔ THEO DÕI GIẢI QUYẾT VĂN BẢN ĐẾN" in text
    assert "Từ ngày 01/09/2026 đến ngày 30/09/2026" in text
    assert "Từ số 1 đến số 4 (4 văn bản)" in text
    assert re.search(r"\(1\)\s+\(2\)\s+\(3\)\s+\(4\)\s+\(5\)\s+\(6\)\s+\(7\)", text)
    assert not re.search(r"\(8\)", text)
    # One line per entry: (1) số đến, (2) the document, (3) who holds it, (4) the
    # deadline, (5) the progress.
    assert re.search(
        r"1\s+Công văn số 12/STC-NS ngày 19/09/2026 của Sở\s+Chủ trì: Lê Thị Giáo Viên\s+"
        r"23/09/2026\s+Đang xử lý \(40%\)",
        text,
    )
    # (6) the reply's number and symbol, between the progress and the notes.
    assert re.search(
        r"2\s+Công văn số 45/UBND.*30/09/2026\s+Đã hoàn thành\s+15/BC-THLL\s+Kết quả", text
    )
    flat = " ".join(cells.split())
    for label in ("Tiến độ giải quyết", "Số, ký hiệu văn bản trả lời"):
        assert label in flat, label
    assert "Công văn số 12/STC-NS ngày 19/09/2026 của Sở" in flat
    assert "Chủ trì: Lê Thị Giáo Viên" in flat
    assert "Phối hợp: Tổ Văn phòng" in flat
    assert "23/09/2026" in flat
    assert "Đang xử lý (40%) Quá hạn" in flat
    assert "Đã hoàn thành" in flat and "Kết quả: Đã báo cáo Ủy ban." in flat
    assert "Chuyển tổ chuyên môn" in flat
    assert "Đã hủy: Vào sổ trùng số đến 1" in flat
    assert "Sở Xây dựng" not in flat and "Sở Y tế" not in flat
    assert "\ufffd" not in text


def test_xlsx_has_the_same_rows(client, september):
    factories.login(client, september.leader)
    response = client.get(f"/incoming/tracking.xlsx?{SEPTEMBER}")
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(response.data)).active
    rows = [tuple(c.value for c in row) for row in ws.iter_rows()]
    header = next(i for i, row in enumerate(rows) if row[0] == "Số đến")
    assert rows[header] == (
        "Số đến",
        "Tên loại, số, ký hiệu, ngày tháng và tên cơ quan ban hành",
        "Đơn vị hoặc người nhận",
        "Thời hạn giải quyết",
        "Tiến độ giải quyết",
        "Số, ký hiệu văn bản trả lời",
        "Ghi chú",
    )
    assert rows[header + 1] == tuple(f"({n})" for n in range(1, 8))
    body = rows[header + 2 :]
    assert [row[0] for row in body] == [1, 2, 3, 4]
    first = body[0]
    assert first[1] == (
        "Công văn số 12/STC-NS ngày 19/09/2026 của Sở Tài chính\nV/v: Tuyển sinh lớp Một"
    )
    assert first[2] == "Chủ trì: Lê Thị Giáo Viên\nPhối hợp: Tổ Văn phòng"
    assert first[3] == datetime(2026, 9, 23)
    assert first[4] == "Đang xử lý (40%)\nQuá hạn"
    assert ws.cell(row=header + 3, column=5).font.b  # late: bold
    assert body[1][4] == "Đã hoàn thành" and body[1][6] == "Kết quả: Đã báo cáo Ủy ban."
    assert [row[5] for row in body] == [None, "15/BC-THLL", None, None]
    assert body[2][2] == "Tổ Văn phòng" and body[2][3] is None
    assert body[2][4] == "Đã vào sổ" and body[2][6] == "Chuyển tổ chuyên môn"
    assert body[3][6] == "Đã hủy: Vào sổ trùng số đến 1"
    assert "SỔ THEO DÕI GIẢI QUYẾT VĂN BẢN ĐẾN" in [row[0] for row in rows[:header]]


def test_only_clerk_leader_deputy_and_admin_may_print(app, client, september):
    factories.login(client, september.staff)
    assert client.get(f"/incoming/tracking.pdf?{SEPTEMBER}").status_code == 403
    assert client.get(f"/incoming/tracking.xlsx?{SEPTEMBER}").status_code == 403
    admin = app.test_client()
    factories.login(admin, september.admin)
    assert admin.get(f"/incoming/tracking.xlsx?{SEPTEMBER}").status_code == 200


def test_register_page_links_both_formats_for_the_chosen_days(client, september):
    factories.login(client, september.clerk)
    page = lxml.html.fromstring(client.get(f"/incoming?{SEPTEMBER}").get_data(as_text=True))
    links = {
        a.text_content(): a.get("href") for a in page.xpath("//a[contains(@href, 'tracking')]")
    }
    assert links == {
        "Sổ theo dõi giải quyết (PDF)": f"/incoming/tracking.pdf?{SEPTEMBER}",
        "Sổ theo dõi giải quyết (Excel)": f"/incoming/tracking.xlsx?{SEPTEMBER}",
    }


def _flashes(client) -> list[str]:
    with client.session_transaction() as session:
        return [text for _category, text in session["_flashes"]]


def test_a_bad_period_is_refused_with_the_reason(client, september):
    factories.login(client, september.clerk)
    response = client.get(
        "/incoming/tracking.pdf?date_from=2026-09-30&date_to=2026-09-01",
        headers={"Referer": "/incoming"},
    )
    assert response.status_code == 302
    assert any("“Đến ngày” không được trước “Từ ngày”." in m for m in _flashes(client))


def test_oversized_pdf_is_refused_but_excel_still_works(app, client, september):
    app.config["TRACKING_PDF_MAX_ROWS"] = 3
    factories.login(client, september.clerk)
    response = client.get(f"/incoming/tracking.pdf?{SEPTEMBER}", headers={"Referer": "/incoming"})
    assert response.status_code == 302
    assert any("có 4 văn bản, quá nhiều để in một lần (tối đa 3)" in m for m in _flashes(client))
    assert client.get(f"/incoming/tracking.xlsx?{SEPTEMBER}").status_code == 200
