"""The register list, its filters and print links, and the home page's figures."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import lxml.html
import pytest
from sqlalchemy import select

from eoffice.core import keyset, pagination, timeutil
from eoffice.core.errors import ValidationFailed
from eoffice.core.pagination import BAD_CURSOR, NEXT
from eoffice.extensions import db
from eoffice.incoming import queries as incoming_queries
from eoffice.incoming.attachments import Upload
from eoffice.incoming.dashboard import dashboard_for
from eoffice.incoming.models import IncomingDocument
from eoffice.incoming.queries import REGISTER_ORDER, print_filters
from eoffice.incoming.services import cancel_incoming
from eoffice.outgoing.queries import DRAFTS_ORDER
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


def _pager(page: lxml.html.HtmlElement) -> dict[str, str]:
    """The page links of the list: label → href."""
    return {
        a.text_content().strip(): a.get("href")
        for a in page.xpath('//nav[contains(@class, "keyset-pager")]//a')
    }


def _query(href: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(href).query)


def _rows(page: lxml.html.HtmlElement) -> list[str]:
    return [a.text_content() for a in page.xpath('//td[@data-label="Trích yếu"]/a')]


@pytest.fixture
def five_days(app, client, world):
    """Five matching entries a day apart (newest: "Văn bản ngày 4"), one that does not
    match the text filter, and two rows to a page."""
    app.config["PAGE_SIZE"] = 2
    clerk = world.school_a.clerk
    docs = [
        factories.register(
            clerk, subject=f"Văn bản ngày {i}", arrived_at=datetime(2026, 11, 10 + i, 8)
        )
        for i in range(5)
    ]
    factories.register(clerk, subject="Kế hoạch khác", arrived_at=datetime(2026, 11, 16, 8))
    factories.login(client, clerk)
    return client, docs


def test_pages_go_forward_and_back_by_cursor_and_keep_the_filters(five_days, world):
    client, _docs = five_days
    first = _page(client, "/incoming?q=van+ban")
    assert _rows(first) == ["Văn bản ngày 4", "Văn bản ngày 3"]
    assert first.get_element_by_id("list-count").text_content() == "(5 văn bản)"
    assert list(_pager(first)) == ["Trang sau ›"]  # the first page has no way back

    second = _page(client, _pager(first)["Trang sau ›"])
    assert _rows(second) == ["Văn bản ngày 2", "Văn bản ngày 1"]
    links = _pager(second)
    assert list(links) == ["« Về trang đầu", "‹ Trang trước", "Trang sau ›"]
    for href in links.values():
        assert _query(href)["q"] == ["van ban"] and "page" not in _query(href)
    assert set(_query(links["« Về trang đầu"])) == {"q"}

    # A document registered meanwhile shifts nothing: the next page follows the last row.
    factories.register(world.school_a.clerk, subject="Văn bản ngày 9")
    third = _page(client, links["Trang sau ›"])
    assert _rows(third) == ["Văn bản ngày 0"]
    assert list(_pager(third)) == ["« Về trang đầu", "‹ Trang trước"]

    back = _page(client, _pager(third)["‹ Trang trước"])
    assert _rows(back) == ["Văn bản ngày 2", "Văn bản ngày 1"]
    # Back from the second page: the rows just before it, and before those the new
    # entry: going back to the start gives a full first page without "Trang trước".
    before = _page(client, _pager(back)["‹ Trang trước"])
    assert _rows(before) == ["Văn bản ngày 4", "Văn bản ngày 3"]
    start = _page(client, _pager(before)["‹ Trang trước"])
    assert _rows(start) == ["Văn bản ngày 9", "Văn bản ngày 4"]
    assert list(_pager(start)) == ["Trang sau ›"]
    assert start.get_element_by_id("list-count").text_content() == "(6 văn bản)"


def _walk(client, url: str) -> list[list[str]]:
    pages = []
    while url:
        page = _page(client, url)
        pages.append(_rows(page))
        url = _pager(page).get("Trang sau ›")
    return pages


def test_a_common_word_walks_the_register_and_gives_the_same_pages(five_days, monkeypatch):
    """Rare words: the page is cut from the keys the search index names; common ones
    (here: more than a probe of one) walk the register's order. Same pages, same order."""
    client, _docs = five_days
    few = _walk(client, "/incoming?q=van+ban")
    names = [f"Văn bản ngày {i}" for i in (4, 3, 2, 1, 0)]
    assert few == [names[0:2], names[2:4], names[4:]]
    monkeypatch.setattr(pagination, "COUNT_CAP", 1)
    monkeypatch.setattr(incoming_queries, "TEXT_MATCH_PROBE", 1)
    assert _walk(client, "/incoming?q=van+ban") == few
    page = _page(client, "/incoming?q=van+ban")
    assert page.get_element_by_id("list-count").text_content() == "(hơn 1 văn bản)"


def test_a_bad_cursor_shows_the_first_page_with_a_message(five_days):
    client, _docs = five_days
    foreign = DRAFTS_ORDER.encode(NEXT, (NOW, 1))  # well made, for another list
    wrong_types = keyset.encode("incoming.register", [NEXT, "hôm qua", 1])
    wrong_direction = keyset.encode("incoming.register", ["x", NOW, 1])
    for cursor in ("abc", "A" * 5000, "%%%", foreign, wrong_types, wrong_direction):
        response = client.get("/incoming", query_string={"q": "van ban", "cursor": cursor})
        assert response.status_code == 200, cursor
        page = lxml.html.fromstring(response.get_data(as_text=True))
        assert _rows(page) == ["Văn bản ngày 4", "Văn bản ngày 3"], cursor
        assert BAD_CURSOR in page.text_content(), cursor
    good = _page(client, "/incoming?q=van+ban")
    assert BAD_CURSOR not in good.text_content()


def test_a_page_past_the_end_says_so(five_days):
    client, docs = five_days
    oldest = docs[0]
    beyond = REGISTER_ORDER.encode(NEXT, (oldest.arrived_at, oldest.id))
    response = client.get("/incoming", query_string={"q": "van ban", "cursor": beyond})
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "Không còn văn bản ở trang này." in text
    assert "Sổ chưa có văn bản đến nào." not in text
    back = lxml.html.fromstring(text).xpath('//a[text()="Về trang đầu"]')[0].get("href")
    assert _query(back) == {"q": ["van ban"]}


def test_the_count_stops_at_its_cap(five_days, monkeypatch):
    client, _docs = five_days
    monkeypatch.setattr(pagination, "COUNT_CAP", 3)
    page = _page(client, "/incoming?q=van+ban")
    assert page.get_element_by_id("list-count").text_content() == "(hơn 3 văn bản)"
    assert _rows(page) == ["Văn bản ngày 4", "Văn bản ngày 3"]
    monkeypatch.setattr(pagination, "COUNT_CAP", 5)
    page = _page(client, "/incoming?q=van+ban")
    assert page.get_element_by_id("list-count").text_content() == "(5 văn bản)"


def test_the_text_filter_matches_whole_words_and_phrases(client, world, two_documents):
    """Through the search index: whole words, diacritics and case ignored, phrases in
    quotes and symbols in order. A part of a word no longer matches (it did with LIKE)."""
    factories.login(client, world.school_a.clerk)
    both = {"Văn bản khẩn về an toàn", "Văn bản thường về thi đua"}
    assert _subjects(_page(client, "/incoming?q=VAN+BAN")) == both
    assert _subjects(_page(client, "/incoming?q=văn+bản+khẩn")) == {"Văn bản khẩn về an toàn"}
    assert _subjects(_page(client, "/incoming?q=%22thi+dua%22")) == {"Văn bản thường về thi đua"}
    assert _subjects(_page(client, "/incoming?q=%22dua+thi%22")) == set()
    assert _subjects(_page(client, "/incoming?q=2/A")) == {"Văn bản thường về thi đua"}
    assert _subjects(_page(client, "/incoming?q=toa")) == set()  # "toàn" is a whole word
    assert _subjects(_page(client, "/incoming?q=%2B%2B%2B")) == both  # no word: no filter
    # Another school's words are not searched.
    factories.register(world.school_b.clerk, subject="Văn bản khẩn trường B")
    assert _subjects(_page(client, "/incoming?q=truong+b")) == set()


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
