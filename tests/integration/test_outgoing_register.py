"""The printed Sổ đăng ký văn bản đi (PDF) and its workbook, through the real routes.

The issuing service is being written alongside; issued documents are built here as the
issue leaves them (a number in the outgoing book of their year, the symbol, the date,
the signer and the recipients), straight through the ORM.
"""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import event

from eoffice.catalog.numbering import get_or_create_book
from eoffice.core import timeutil
from eoffice.extensions import db
from eoffice.orgs.models import Organisation
from eoffice.orgs.services import create_unit
from eoffice.outgoing.models import OutgoingDocument, OutgoingRecipient, RecipientKind
from eoffice.outgoing.outgoing_register import SPEC
from eoffice.outgoing.register_queries import issued_in_period
from eoffice.reports.register_sheet import build_sheet
from tests import factories
from tests.pdftext import pdf_text
from workflows import outgoing as outgoing_flow

SEPTEMBER = "date_from=2026-09-01&date_to=2026-09-30"
HEADERS = (
    "Số, ký hiệu văn bản",
    "Ngày tháng văn bản",
    "Tên loại và trích yếu nội dung",
    "Người ký",
    "Nơi nhận văn bản",
    "Đơn vị, người nhận bản lưu",
    "Số lượng bản",
    "Ngày chuyển",
    "Ký nhận",
    "Ghi chú",
)
SO_GDDT = "Sở Giáo dục và Đào tạo Thành phố Hồ Chí Minh"


def issued(
    school: factories.School,
    number: int,
    day: date,
    *,
    subject: str = "Ứng dụng công nghệ thông tin năm học 2026 - 2027",
    type_name: str = "Kế hoạch",
    symbol: str | None = None,
    book: str = "general",
    issued_at: datetime | None = None,
    recipients: list[tuple[str, str]] | None = None,
    addressees: str | None = None,
    **fields,
) -> OutgoingDocument:
    """An outgoing document as the issue leaves it; recipients are (kind, name) pairs."""
    org = school.org
    register_book = get_or_create_book(org.id, "outgoing", book, day.year)
    if recipients is None:
        recipients = [
            (RecipientKind.EXTERNAL, f"{SO_GDDT} (để báo cáo);"),
            (RecipientKind.MEMBER, "- Trường Tiểu học Lê Lợi;"),
            (RecipientKind.MEMBER, "- Trường THCS Bạch Đằng;"),
            (RecipientKind.TEXT, "- Lưu: VT, VP."),
        ]
    values = {
        "org_id": org.id,
        "drafter_id": school.staff.id,
        "drafting_unit_id": school.unit.id,
        "document_type_id": factories.type_id(type_name),
        "subject": subject,
        "addressees": addressees,
        "signer_id": school.leader.id,
        "urgency_code": "normal",
        "confidentiality_code": "confidential" if book == "confidential" else "normal",
        "copies": 4,
        "state": outgoing_flow.ISSUED,
        "register_book_id": register_book.id,
        "number": number,
        "symbol": symbol or f"{number:02d}/KH-{org.short_name}",
        "document_date": day,
        # 15:00 in Ho Chi Minh City on the document's day.
        "issued_at": issued_at or datetime(day.year, day.month, day.day, 8, 0, tzinfo=UTC),
    }
    values.update(fields)
    doc = OutgoingDocument(**values)
    doc.recipients = [
        OutgoingRecipient(
            position=i,
            kind=kind,
            name=name,
            org_id=_member_id(name) if kind == RecipientKind.MEMBER else None,
            agency_code="000.00.00.G12" if kind == RecipientKind.EXTERNAL else None,
        )
        for i, (kind, name) in enumerate(recipients)
    ]
    db.session.add(doc)
    db.session.commit()
    return doc


def _member_id(name: str) -> int | None:
    plain = name.strip(" -;.")
    return db.session.query(Organisation.id).filter_by(name=plain).scalar()


def _cells_text(pdf: bytes, page: int | None = None) -> str:
    """The words in drawing order, on one line: each cell's wrapped lines stay together
    (pdftotext reads across narrow cells line by line: "Số Ngày lượng chuyển bản")."""
    pages = PdfReader(io.BytesIO(pdf)).pages
    chosen = pages if page is None else [pages[page - 1]]
    return _flat(" ".join(p.extract_text() for p in chosen))


def _flat(text: str) -> str:
    """The PDF's words on one line: narrow cells wrap their text over several lines."""
    return " ".join(text.split())


@pytest.fixture
def september(world):
    """The district office's outgoing register for September 2026, and what must not print."""
    office = world.district
    docs = {
        # Made out of number order: the register follows the numbers.
        "third": issued(
            office,
            3,
            date(2026, 9, 30),
            type_name="Công văn",
            symbol="03/GDĐT-VP",
            subject="Tổ chức hội thi giáo viên dạy giỏi",
            urgency_code="flash",
            addressees="Hiệu trưởng các trường tiểu học\nHiệu trưởng các trường THCS",
            recipients=[(RecipientKind.TEXT, "- Như trên;"), (RecipientKind.TEXT, "- Lưu: VT.")],
            # 23:30 on 30/09 in Ho Chi Minh City: still September in the office.
            issued_at=datetime(2026, 9, 30, 16, 30, tzinfo=UTC),
        ),
        "first": issued(office, 5, date(2026, 9, 8), symbol="05/KH-GDĐT"),
        "recalled": issued(
            office,
            6,
            date(2026, 9, 15),
            subject="Lịch kiểm tra nội bộ",
            state=outgoing_flow.RECALLED,
            state_reason="Sai lịch, đã ban hành văn bản thay thế",
        ),
        "secret": issued(
            office, 1, date(2026, 9, 10), book="confidential", subject="Đề thi học sinh giỏi"
        ),
        "august": issued(office, 2, date(2026, 8, 31), subject="Văn bản tháng Tám"),
        "october": issued(office, 7, date(2026, 10, 1), subject="Văn bản tháng Mười"),
        "other_org": issued(world.school_a, 1, date(2026, 9, 9), subject="Kế hoạch của trường"),
    }
    docs["replacement"] = issued(
        office,
        8,
        date(2026, 9, 16),
        subject="Lịch kiểm tra nội bộ (thay thế)",
        replaces_id=docs["recalled"].id,
    )
    # A draft has no number: never in the register.
    draft = OutgoingDocument(
        org_id=office.org.id,
        drafter_id=office.staff.id,
        document_type_id=factories.type_id("Kế hoạch"),
        subject="Dự thảo chưa ban hành",
        urgency_code="normal",
        confidentiality_code="normal",
        document_date=date(2026, 9, 20),
    )
    db.session.add(draft)
    db.session.commit()
    return docs


def test_pdf_prints_the_register_of_the_period(client, world, september):
    factories.login(client, world.district.clerk)
    response = client.get(f"/outgoing/register/print.pdf?{SEPTEMBER}")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert "So-VB-di_20260901-20260930.pdf" in response.headers["Content-Disposition"]
    text = pdf_text(response.data)
    flat = _cells_text(response.data)

    assert "PHÒNG GIÁO DỤC VÀ ĐÀO TẠO QUẬN THỬ" in flat
    assert "SỔ ĐĂNG KÝ VĂN BẢN ĐI" in flat
    assert "Từ ngày 01/09/2026 đến ngày 30/09/2026" in flat
    for header in HEADERS:
        assert header in flat, header
    # With the layout, one printed line is one line of text.
    assert re.search(r"\(1\)\s+\(2\)\s+\(3\).*\(9\)\s+\(10\)", text)
    # Each entry's first line: number and symbol, date, type and trích yếu, signer.
    assert re.search(r"05/KH-GDĐT\s+08/09/2026\s+Kế hoạch: Ứng dụng.*Trần Văn Lãnh", text)
    assert "Kế hoạch: Ứng dụng công nghệ thông tin năm học 2026 - 2027" in flat
    assert "Trần Văn Lãnh Đạo" in flat
    assert f"{SO_GDDT} (để báo cáo)" in flat
    assert "Trường Tiểu học Lê Lợi" in flat and "Trường THCS Bạch Đằng" in flat
    assert "VT, VP" in flat
    assert "Công văn (HỎA TỐC): Tổ chức hội thi giáo viên dạy giỏi" in flat
    assert "Hiệu trưởng các trường tiểu học" in flat  # "Như trên", spelled out
    assert "Đã thu hồi: Sai lịch, đã ban hành văn bản thay thế" in flat
    assert re.search(r"Thay thế văn bản số 06/\s?KH-\s?GDĐT", flat)  # wraps after / or -
    assert "\ufffd" not in text
    # Outside the period, another office's register, a draft.
    for absent in ("tháng Tám", "tháng Mười", "của trường", "Dự thảo"):
        assert absent not in flat, absent


def test_rows_follow_the_numbers_and_books_print_apart(client, world, september):
    factories.login(client, world.district.leader)
    pdf = client.get(f"/outgoing/register/print.pdf?{SEPTEMBER}").data
    general, confidential = (_cells_text(pdf, n) for n in (1, 2))
    assert "Sổ đăng ký văn bản đi năm 2026 (Từ số 3 đến số 8 (4 văn bản))" in general
    symbols = re.findall(r"^(\d+/\S+)", pdf_text(pdf, 1), re.MULTILINE)
    assert symbols == ["03/GDĐT-VP", "05/KH-GDĐT", "06/KH-GDĐT", "08/KH-GDĐT"]
    assert "Đề thi học sinh giỏi" not in general
    assert "Sổ đăng ký văn bản mật đi năm 2026" in confidential
    assert "Kế hoạch (MẬT): Đề thi học sinh giỏi" in confidential


def test_xlsx_has_the_ten_columns_and_the_rows(client, world, september):
    factories.login(client, world.district.clerk)
    response = client.get(f"/outgoing/register/print.xlsx?{SEPTEMBER}")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    ws = load_workbook(io.BytesIO(response.data))["So VB di"]
    cells = list(ws.iter_rows(values_only=True))
    flat = [v for row in cells for v in row if v is not None]
    assert "SỔ ĐĂNG KÝ VĂN BẢN ĐI" in flat
    assert "Từ ngày 01/09/2026 đến ngày 30/09/2026" in flat

    header = next(i for i, row in enumerate(cells) if row[0] == HEADERS[0])
    assert cells[header] == HEADERS
    assert cells[header + 1] == tuple(f"({n})" for n in range(1, 11))
    body = cells[header + 2 :]
    books = [i for i, row in enumerate(body) if row[0] and str(row[0]).startswith("Sổ")]
    assert [str(body[i][0]) for i in books] == [
        "Sổ đăng ký văn bản đi năm 2026 (Từ số 3 đến số 8 (4 văn bản))",
        "Sổ đăng ký văn bản mật đi năm 2026 (Từ số 1 đến số 1 (1 văn bản))",
    ]
    general = body[books[0] + 1 : books[1]]
    assert [row[0] for row in general] == ["03/GDĐT-VP", "05/KH-GDĐT", "06/KH-GDĐT", "08/KH-GDĐT"]
    third, first, recalled, replacement = general
    assert first == (
        "05/KH-GDĐT",
        datetime(2026, 9, 8),
        "Kế hoạch: Ứng dụng công nghệ thông tin năm học 2026 - 2027",
        "Trần Văn Lãnh Đạo",
        f"{SO_GDDT} (để báo cáo)\nTrường Tiểu học Lê Lợi\nTrường THCS Bạch Đằng",
        "VT, VP",
        4,
        datetime(2026, 9, 8),
        None,
        None,
    )
    assert third[4] == "Hiệu trưởng các trường tiểu học\nHiệu trưởng các trường THCS"
    assert third[7] == datetime(2026, 9, 30)  # issued 23:30 office time, not 1 October
    assert recalled[9] == "Đã thu hồi: Sai lịch, đã ban hành văn bản thay thế"
    assert replacement[9] == "Thay thế văn bản số 06/KH-GDĐT"
    confidential = body[books[1] + 1 :]
    assert [row[0] for row in confidential] == ["01/KH-GDĐT"]
    assert confidential[0][2] == "Kế hoạch (MẬT): Đề thi học sinh giỏi"


def test_the_confidential_book_is_only_for_leaders_and_the_clerk(client, world, september):
    admin = world.district.admin  # may print the register, not the confidential book
    factories.login(client, admin)
    pdf = client.get(f"/outgoing/register/print.pdf?{SEPTEMBER}").data
    text = _flat(pdf_text(pdf))
    assert "05/KH-GDĐT" in text
    assert "Đề thi học sinh giỏi" not in text and "văn bản mật đi" not in text
    data = client.get(f"/outgoing/register/print.xlsx?{SEPTEMBER}").data
    values = [v for row in load_workbook(io.BytesIO(data)).active.values for v in row if v]
    assert "05/KH-GDĐT" in values
    assert not any("Đề thi" in str(v) or "mật đi" in str(v) for v in values)
    page = client.get("/outgoing/register").get_data(as_text=True)
    assert "Sổ đăng ký văn bản mật đi chỉ in cho lãnh đạo và văn thư." in page


@pytest.mark.parametrize(
    "path",
    [
        "/outgoing/register",
        f"/outgoing/register/print.pdf?{SEPTEMBER}",
        f"/outgoing/register/print.xlsx?{SEPTEMBER}",
    ],
)
def test_staff_may_not_print_the_register(client, world, september, path):
    factories.login(client, world.district.staff)
    assert client.get(path).status_code == 403


def test_signed_out_visitors_are_sent_to_login(client, world):
    response = client.get(f"/outgoing/register/print.pdf?{SEPTEMBER}")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_each_office_prints_only_its_own_register(client, world, september):
    factories.login(client, world.school_a.leader)
    text = _flat(pdf_text(client.get(f"/outgoing/register/print.pdf?{SEPTEMBER}").data))
    assert "TRƯỜNG TIỂU HỌC LÊ LỢI" in text and "Kế hoạch của trường" in text
    assert "05/KH-GDĐT" not in text and "Đề thi" not in text


def test_empty_period_says_so(client, world, september):
    factories.login(client, world.district.clerk)
    response = client.get("/outgoing/register/print.pdf?date_from=2026-07-01&date_to=2026-07-31")
    assert response.status_code == 200
    text = _flat(pdf_text(response.data))
    assert "Không có văn bản đi trong khoảng thời gian này." in text
    assert "Từ ngày 01/07/2026 đến ngày 31/07/2026" in text


def _flashes(client) -> list[str]:
    with client.session_transaction() as session:
        return [text for _category, text in session.get("_flashes", [])]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("date_from=31/02/2026", "Từ ngày: Ngày không hợp lệ (dạng ngày/tháng/năm)."),
        ("date_from=2026-10-01&date_to=2026-09-01", "“Từ ngày” không được sau “Đến ngày”."),
    ],
)
@pytest.mark.parametrize("path", ["print.pdf", "print.xlsx"])
def test_bad_periods_are_refused_as_for_the_incoming_register(client, world, path, query, message):
    factories.login(client, world.district.clerk)
    referer = "/outgoing/register"
    response = client.get(f"/outgoing/register/{path}?{query}", headers={"Referer": referer})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(referer)
    assert message in _flashes(client)


def test_oversized_pdf_is_refused_with_a_message_but_excel_still_works(
    app, client, world, september
):
    app.config["OUTGOING_REGISTER_PDF_MAX_ROWS"] = 4
    factories.login(client, world.district.clerk)
    response = client.get(
        f"/outgoing/register/print.pdf?{SEPTEMBER}", headers={"Referer": "/outgoing/register"}
    )
    assert response.status_code == 302
    assert any(
        "có 5 văn bản, quá nhiều để in một lần (tối đa 4)" in m and "từng quý" in m
        for m in _flashes(client)
    )
    assert client.get(f"/outgoing/register/print.xlsx?{SEPTEMBER}").status_code == 200
    app.config["REGISTER_XLSX_MAX_ROWS"] = 4
    response = client.get(
        f"/outgoing/register/print.xlsx?{SEPTEMBER}", headers={"Referer": "/outgoing/register"}
    )
    assert response.status_code == 302
    assert any("quá nhiều để xuất Excel một lần (tối đa 4)" in m for m in _flashes(client))


def test_print_page_offers_this_month_and_both_formats(client, world):
    timeutil.set_clock(lambda: datetime(2026, 9, 17, 3, 0, tzinfo=UTC))
    factories.login(client, world.district.clerk)
    page = client.get("/outgoing/register")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'value="01/09/2026"' in html and 'value="17/09/2026"' in html
    assert 'formaction="/outgoing/register/print.pdf"' in html
    assert 'formaction="/outgoing/register/print.xlsx"' in html
    assert "Sổ đăng ký văn bản mật đi được in thành phần riêng." in html


class _QueryCounter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, *args) -> None:
        self.count += 1


def _queries_to_build(world, start: date, end: date) -> int:
    """Queries to fetch the register's entries and lay out every row, from a fresh session."""
    db.session.expire_all()
    counter = _QueryCounter()
    event.listen(db.engine, "before_cursor_execute", counter)
    try:
        docs = issued_in_period(world.district.org.id, start, end, include_confidential=True)
        build_sheet(SPEC, world.district.org, docs, start, end)
    finally:
        event.remove(db.engine, "before_cursor_execute", counter)
    return counter.count


def test_query_count_does_not_grow_with_the_rows(world):
    office = world.district
    day = date(2026, 11, 2)
    issued(office, 1, day)
    few = _queries_to_build(world, day, day)
    primary = create_unit(office.org.id, "Tổ Tiểu học", "TH")
    for n in range(2, 12):
        unit = primary if n % 2 else office.unit
        issued(office, n, day, drafting_unit_id=unit.id, signer_id=office.clerk.id)
    issued(office, 1, day, book="confidential")
    many = _queries_to_build(world, day, day)
    assert many == few
