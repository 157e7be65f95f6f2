"""The register list, its filters and print links, and the home page's figures."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import lxml.html
import pytest
from sqlalchemy import select

from eoffice.core import timeutil
from eoffice.core.errors import ValidationFailed
from eoffice.extensions import db
from eoffice.incoming.attachments import Upload
from eoffice.incoming.dashboard import dashboard_for
from eoffice.incoming.models import IncomingDocument
from eoffice.incoming.queries import print_filters
from eoffice.incoming.services import cancel_incoming
from tests import factories
from tests.pdftext import pdf_text

# 20/11/2026 09:00 in Ho Chi Minh City.
NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def fixed_clock(app):
    timeutil.set_clock(lambda: NOW)


def _page(client, url: str) -> lxml.html.HtmlElement:
    response = client.get(url)
    assert response.status_code == 200, url
    return lxml.html.fromstring(response.get_data(as_text=True))


def _subjects(page: lxml.html.HtmlElement) -> set[str]:
    return {a.text_content() for a in page.xpath('//td[@data-label="Trích yếu"]/a')}


@pytest.fixture
def two_documents(world):
    clerk = world.school_a.clerk
    urgent = factories.register(
        clerk, symbol="1/A", urgency_code="urgent", subject="Văn bản khẩn về an toàn"
    )
    plain = factories.register(
        clerk, symbol="2/A", subject="Văn bản thường về thi đua", deadline=date(2026, 12, 1)
    )
    return urgent, plain


# Filters that fail validation ------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("date_from=31/02/2026", "date_from", "Ngày không hợp lệ (dạng ngày/tháng/năm)."),
        ("date_from=0001-01-01", "date_from", "Năm phải trong khoảng 1900–2100."),
        ("date_to=9999-12-31", "date_to", "Năm phải trong khoảng 1900–2100."),
        (
            "date_from=20/11/2026&date_to=01/11/2026",
            "date_to",
            "“Đến ngày” không được trước “Từ ngày”.",
        ),
        ("document_type_id=99999999999999999999", "document_type_id", ""),
        ("document_type_id=987654", "document_type_id", "Lựa chọn không hợp lệ."),
    ],
)
def test_a_bad_filter_is_shown_and_ignored(client, world, two_documents, query, field, message):
    factories.login(client, world.school_a.clerk)
    page = _page(client, f"/incoming?{query}")
    errors = page.xpath(f'//*[@id="{field}"]/following-sibling::div[contains(@class, "invalid")]')
    assert errors, f"no error shown for {field}"
    assert message in errors[0].text_content()
    # The list is not filtered by a value that failed: both entries are there.
    assert _subjects(page) == {"Văn bản khẩn về an toàn", "Văn bản thường về thi đua"}


def test_filters_accept_typed_vietnamese_dates(client, world, two_documents):
    factories.login(client, world.school_a.clerk)
    page = _page(client, "/incoming?date_from=20/11/2026&date_to=20/11/2026")
    assert len(_subjects(page)) == 2
    assert page.get_element_by_id("date_from").get("value") == "20/11/2026"
    assert _subjects(_page(client, "/incoming?date_to=19.11.2026")) == set()


# Paging and phone cards ----------------------------------------------------------------------


def test_a_page_past_the_end_says_so(client, world, two_documents):
    factories.login(client, world.school_a.clerk)
    for page_number in (5, 99999999999999999999):
        response = client.get(f"/incoming?q=van+ban&page={page_number}")
        assert response.status_code == 200
        text = response.get_data(as_text=True)
        assert "Không còn văn bản ở trang này." in text
        assert "Sổ chưa có văn bản đến nào." not in text
        back = lxml.html.fromstring(text).xpath('//a[text()="Về trang 1"]')[0].get("href")
        assert parse_qs(urlsplit(back).query) == {"page": ["1"], "q": ["van ban"]}


def test_phone_cards_hide_empty_cells(client, world, two_documents, app):
    factories.login(client, world.school_a.clerk)
    page = _page(client, "/incoming")
    rows = {
        row.xpath('td[@data-label="Trích yếu"]/a')[0].text_content(): row
        for row in page.xpath("//tbody/tr")
    }
    no_deadline = rows["Văn bản khẩn về an toàn"].xpath('td[@data-label="Hạn xử lý"]')[0]
    with_deadline = rows["Văn bản thường về thi đua"].xpath('td[@data-label="Hạn xử lý"]')[0]
    assert "cell-empty" in no_deadline.get("class")
    assert "cell-empty" not in (with_deadline.get("class") or "")
    css = (app.static_folder + "/css/app.css").replace("//", "/")
    with open(css, encoding="utf-8") as handle:
        assert re.search(r"\.table-cards td\.cell-empty\s*\{\s*display:\s*none", handle.read())


# Printing covers the period, never the list's other filters ----------------------------------


def test_print_links_carry_only_the_dates(client, world, two_documents):
    factories.login(client, world.school_a.clerk)
    page = _page(
        client, "/incoming?urgency_code=urgent&q=an+toan&date_from=01/11/2026&date_to=20/11/2026"
    )
    for label in ("In sổ (PDF)", "Xuất Excel"):
        href = page.xpath(f'//a[text()="{label}"]')[0].get("href")
        assert parse_qs(urlsplit(href).query) == {
            "date_from": ["2026-11-01"],
            "date_to": ["2026-11-20"],
        }
    href = _page(client, "/incoming?urgency_code=urgent").xpath('//a[text()="In sổ (PDF)"]')[0]
    assert urlsplit(href.get("href")).query == ""


def test_the_printed_register_is_complete_whatever_the_query(client, world, two_documents):
    factories.login(client, world.school_a.clerk)
    response = client.get(
        "/incoming/register.pdf?date_from=2026-11-01&date_to=2026-11-30"
        "&urgency_code=urgent&q=an+toan&state=cancelled&document_type_id=1"
    )
    assert response.status_code == 200
    text = " ".join(pdf_text(response.data, layout=False).split())
    assert "Văn bản khẩn về an toàn" in text and "Văn bản thường về thi đua" in text


def test_default_print_period_is_this_month_in_office_time(app):
    # 30/11/2026 18:00 UTC is already 1 December in Ho Chi Minh City.
    timeutil.set_clock(lambda: datetime(2026, 11, 30, 18, 0, tzinfo=UTC))
    filters = print_filters(None, None)
    assert (filters.date_from, filters.date_to) == (date(2026, 12, 1), date(2026, 12, 1))
    filters = print_filters(None, date(2026, 10, 15))
    assert (filters.date_from, filters.date_to) == (date(2026, 10, 1), date(2026, 10, 15))
    with pytest.raises(ValidationFailed):
        print_filters(date(2026, 10, 16), date(2026, 10, 15))


def test_a_malformed_print_date_is_a_message(client, world, two_documents):
    factories.login(client, world.school_a.clerk)
    response = client.get("/incoming/register.pdf?date_from=0001-01-01", headers={"Referer": "/"})
    assert response.status_code == 302
    with client.session_transaction() as session:
        messages = [text for _category, text in session["_flashes"]]
    assert any("Năm phải trong khoảng 1900–2100." in m for m in messages)


# Overdue, urgent and today's figures -----------------------------------------------------------


def test_overdue_is_one_rule_for_row_list_and_dashboard(client, world):
    clerk = world.school_a.clerk
    late = factories.register(
        clerk, symbol="1/Q", subject="Báo cáo đã quá hạn", deadline=date(2026, 11, 19)
    )
    due_today = factories.register(
        clerk, symbol="2/Q", subject="Báo cáo hạn hôm nay", deadline=date(2026, 11, 20)
    )
    cancelled = factories.register(
        clerk, symbol="3/Q", subject="Báo cáo đã hủy", deadline=date(2026, 11, 18)
    )
    cancel_incoming(clerk, cancelled.id, "Vào sổ nhầm văn bản")
    assert (late.is_overdue, due_today.is_overdue, cancelled.is_overdue) == (True, False, False)
    in_sql = db.session.scalars(select(IncomingDocument.id).where(IncomingDocument.is_overdue))
    assert list(in_sql) == [late.id]
    assert dashboard_for(clerk).overdue == 1
    factories.login(client, clerk)
    page = _page(client, "/incoming?overdue=1")
    assert _subjects(page) == {"Báo cáo đã quá hạn"}
    marked = _page(client, "/incoming").xpath('//span[contains(@class, "overdue")]')
    assert [m.text_content() for m in marked] == ["19/11/2026"]


def test_todays_card_counts_what_its_link_lists(client, world):
    clerk = world.school_a.clerk
    yesterday = timeutil.to_local(NOW - timedelta(days=1)).replace(tzinfo=None)
    factories.register(clerk, symbol="1/H", subject="Đến hôm qua", arrived_at=yesterday)
    factories.register(clerk, symbol="2/H", subject="Đến hôm nay")
    factories.login(client, clerk)
    home = _page(client, "/")
    card = home.xpath('//a[.//div[text()="Đến hôm nay"]]')[0]
    assert card.xpath('.//div[contains(@class, "display-6")]')[0].text_content() == "1"
    assert _subjects(_page(client, card.get("href"))) == {"Đến hôm nay"}


def test_only_pdf_and_pictures_open_inline(client, world):
    doc = factories.register(
        world.school_a.clerk,
        uploads=[
            Upload("scan.pdf", factories.pdf_bytes()),
            Upload("dự thảo.docx", factories.docx_bytes()),
        ],
    )
    pdf, docx = doc.attachments
    assert (pdf.can_show_inline, docx.can_show_inline) == (True, False)
    factories.login(client, world.school_a.clerk)
    page = _page(client, f"/incoming/{doc.id}")
    viewed = [a.get("href") for a in page.xpath('//a[text()="Xem"]')]
    assert viewed == [f"/incoming/{doc.id}/files/{pdf.id}?inline=1"]
    assert [f.get("src") for f in page.xpath("//iframe")] == viewed  # the PDF preview
    forced = client.get(f"/incoming/{doc.id}/files/{docx.id}?inline=1")
    assert forced.headers["Content-Disposition"].startswith("attachment")
