"""The search page: folded words find accented documents, exact diacritics first, marked
titles and excerpts (notes, an outgoing body, the text of a file), the filters, keyset
pages, what each user may see, bad input explained in Vietnamese, and a constant number
of SQL statements per page."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import lxml.html
import pytest
from sqlalchemy import event

from eoffice.core import keyset, timeutil
from eoffice.extensions import db
from eoffice.incoming import processing
from eoffice.incoming.attachments import Upload
from eoffice.outgoing import drafting
from eoffice.search import indexing
from eoffice.search.models import FileText, TextState
from tests import factories

# Monday 21/09/2026 08:00 office time; every document a little later than the one before.
START = datetime(2026, 9, 21, 1, 0, tzinfo=UTC)


@contextmanager
def stopped_clock() -> Iterator[dict]:
    """The application's clock at START until the test moves it (`moment["now"]`)."""
    moment = {"now": START}
    timeutil.set_clock(lambda: moment["now"])
    try:
        yield moment
    finally:
        timeutil.set_clock(None)


@pytest.fixture(autouse=True)
def clock(app):
    with stopped_clock() as moment:
        yield moment


def _tick(clock) -> None:
    clock["now"] += timedelta(minutes=37)


def incoming(clock, school, **overrides):
    _tick(clock)
    return factories.register(school.clerk, **overrides)


def outgoing(clock, world, **overrides):
    """A draft of the district office by its staff member, to school A."""
    _tick(clock)
    uploads = overrides.pop("uploads", None)
    return drafting.create_draft(
        world.district.staff, factories.outgoing_plan(world, world.school_a, **overrides), uploads
    )


def give_text(kind: str, doc, text: str) -> None:
    """The extracted text of the document's first file, as the extraction job leaves it."""
    stored_file_id = doc.attachments[0].stored_file_id
    row = db.session.get(FileText, stored_file_id)
    if row is None:
        row = FileText(stored_file_id=stored_file_id)
        db.session.add(row)
    row.state, row.text, row.chars = TextState.DONE, text, len(text)
    indexing.mark(db.session, kind, [doc.id])
    db.session.commit()


def page(client, url: str, status: int = 200) -> lxml.html.HtmlElement:
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)[:2000]
    return lxml.html.fromstring(response.get_data(as_text=True))


def hits(doc: lxml.html.HtmlElement) -> list[tuple[str, int]]:
    return [
        (li.get("data-kind"), int(li.get("data-id")))
        for li in doc.xpath('//li[contains(@class, "search-result")]')
    ]


def result(doc: lxml.html.HtmlElement, kind: str, doc_id: int) -> lxml.html.HtmlElement:
    (li,) = doc.xpath(f'//li[@data-kind="{kind}"][@data-id="{doc_id}"]')
    return li


def marks(element: lxml.html.HtmlElement) -> list[str]:
    return [m.text_content() for m in element.xpath(".//mark")]


def errors(doc: lxml.html.HtmlElement) -> dict[str, str]:
    """Field name → its error, as shown under the field."""
    found = {}
    for feedback in doc.xpath(
        '//form[@id="search-form"]//div[contains(@class, "invalid-feedback")]'
    ):
        control = feedback.getparent().xpath(".//input|.//select")[0]
        found[control.get("name")] = feedback.text_content().strip()
    return found


def next_link(doc: lxml.html.HtmlElement) -> str | None:
    links = doc.xpath('//a[@id="next-page"]/@href')
    return links[0] if links else None


def login(client, user):
    assert factories.login(client, user).status_code == 302


# Words, tiers and highlighting ------------------------------------------------------------


def test_folded_words_find_accented_documents_exact_diacritics_first(client, world, clock):
    school = world.school_a
    accented = incoming(clock, school, subject="Quyết định về việc điều động giáo viên")
    plain = incoming(clock, school, subject="Quyet dinh khong dau ve dieu dong")
    other_tone = incoming(clock, school, subject="Quyết đinh sai dấu về tuyển dụng")
    unrelated = incoming(clock, school, subject="Kế hoạch tuyển sinh", symbol="12/KH-UBND")
    login(client, school.clerk)

    typed_plain = page(client, "/search?q=quyet+dinh")
    assert hits(typed_plain) == [("in", other_tone.id), ("in", plain.id), ("in", accented.id)]
    assert "Kết quả khớp đúng dấu" not in typed_plain.text_content()
    title = result(typed_plain, "in", accented.id).xpath('.//a[contains(@class, "result-title")]')
    assert marks(title[0]) == ["Quyết", "định"]
    assert title[0].get("href") == f"/incoming/{accented.id}"
    assert marks(result(typed_plain, "in", plain.id)) == ["Quyet", "dinh"]

    typed_exact = page(client, "/search?q=quy%E1%BA%BFt+%C4%91%E1%BB%8Bnh")  # quyết định
    assert hits(typed_exact) == [("in", accented.id), ("in", other_tone.id), ("in", plain.id)]
    exact_li = typed_exact.xpath('//h2[@id="tier-exact"]/following-sibling::ul[1]/li')
    folded_li = typed_exact.xpath('//h2[@id="tier-folded"]/following-sibling::ul[1]/li')
    assert [int(li.get("data-id")) for li in exact_li] == [accented.id]
    assert [int(li.get("data-id")) for li in folded_li] == [other_tone.id, plain.id]
    assert "Kết quả gần đúng (không dấu)" in typed_exact.text_content()

    symbol = page(client, "/search?q=12%2FKH-UBND")
    assert hits(symbol) == [("in", unrelated.id)]
    assert marks(result(symbol, "in", unrelated.id).xpath('.//*[@class="result-symbol"]')[0]) == [
        "12",
        "KH",
        "UBND",
    ]
    phrase = page(client, "/search?q=%22dong+dieu%22")
    assert hits(phrase) == []
    assert "Không tìm thấy văn bản nào khớp" in phrase.text_content()


def test_excerpts_come_from_notes_body_and_file_text(client, world, clock):
    district = world.district
    noted = incoming(
        clock,
        district,
        subject="Công văn về công tác năm học",
        notes="Đề nghị các trường chuẩn bị <hồ sơ> phổ cập giáo dục trước ngày 30/9.",
    )
    filed = incoming(
        clock,
        district,
        subject="Báo cáo tổng kết",
        uploads=[Upload("bao-cao.pdf", factories.pdf_bytes())],
    )
    give_text("in", filed, "Trang 1\n\nSố liệu phổ cập giáo dục tiểu học mức độ 3 năm 2026.")
    drafted = outgoing(
        clock,
        world,
        subject="Kế hoạch năm học mới",
        body_text="Triển khai phổ cập giáo dục mầm non cho trẻ 5 tuổi.",
    )
    login(client, district.leader)

    found = page(client, "/search?q=pho+cap")
    assert hits(found) == [("out", drafted.id), ("in", filed.id), ("in", noted.id)]

    def excerpt(kind, doc_id):
        (p,) = result(found, kind, doc_id).xpath('.//p[contains(@class, "result-snippet")]')
        return p

    notes = excerpt("in", noted.id)
    assert notes.text_content().startswith("Ghi chú: Đề nghị các trường chuẩn bị <hồ sơ> phổ cập")
    assert marks(notes) == ["phổ", "cập"]
    assert "&lt;hồ sơ&gt;" in lxml.html.tostring(notes, encoding="unicode")
    in_file = excerpt("in", filed.id)
    assert in_file.text_content().startswith("Tệp: bao-cao.pdf: Trang 1 Số liệu phổ cập")
    assert marks(in_file) == ["phổ", "cập"]
    body = excerpt("out", drafted.id)
    assert body.text_content().startswith("Nội dung: ")
    assert marks(body) == ["phổ", "cập"]
    row = result(found, "out", drafted.id)
    assert row.xpath(".//a/@href")[0] == f"/outgoing/{drafted.id}"
    assert "Nơi nhận: Trường Tiểu học Lê Lợi, Lãnh đạo Phòng" in row.text_content()
    assert "Ngày tạo: 21/09/2026" in row.text_content()
    assert "Dự thảo" in row.text_content()
    assert "Nơi gửi: Sở Giáo dục và Đào tạo" in result(found, "in", noted.id).text_content()

    # A match in the title only: no excerpt.
    title_only = page(client, "/search?q=tong+ket")
    assert hits(title_only) == [("in", filed.id)]
    assert title_only.xpath('//p[contains(@class, "result-snippet")]') == []


# Filters ---------------------------------------------------------------------------------


def test_filters_kind_type_sender_dates_state_urgency(client, world, clock):
    district = world.district
    first = incoming(
        clock, district, subject="Tuyển sinh lớp 1", sender_name="Ủy ban nhân dân Quận Thử"
    )
    clock["now"] += timedelta(days=3)
    second = incoming(
        clock,
        district,
        subject="Tuyển sinh lớp 6",
        urgency_code="urgent",
        document_type_id=factories.type_id("Kế hoạch"),
    )
    processing.present(district.clerk, second.id, presented_to=district.leader.id)
    draft = outgoing(clock, world, subject="Kế hoạch tuyển sinh năm học 2026 - 2027")
    login(client, district.leader)

    everything = page(client, "/search?q=tuyen+sinh")
    assert hits(everything) == [("out", draft.id), ("in", second.id), ("in", first.id)]
    assert hits(page(client, "/search?q=tuyen+sinh&kind=out")) == [("out", draft.id)]
    assert hits(page(client, "/search?q=tuyen+sinh&kind=in")) == [
        ("in", second.id),
        ("in", first.id),
    ]
    kh = factories.type_id("Kế hoạch")
    assert hits(page(client, f"/search?q=tuyen+sinh&type_id={kh}")) == [
        ("out", draft.id),
        ("in", second.id),
    ]
    # The sender: incoming documents only, found without diacritics.
    assert hits(page(client, "/search?sender=uy+ban")) == [("in", first.id)]
    # Dates typed the Vietnamese way, whole office days.
    assert hits(page(client, "/search?q=tuyen+sinh&date_to=21%2F09%2F2026")) == [("in", first.id)]
    assert hits(page(client, "/search?q=tuyen+sinh&date_from=24/09/2026&date_to=24/09/2026")) == [
        ("out", draft.id),
        ("in", second.id),
    ]
    presented = page(client, "/search?q=tuyen+sinh&kind=in&state=presented")
    assert hits(presented) == [("in", second.id)]
    states = presented.xpath('//select[@name="state"]/option/@value')
    assert "presented" in states and "draft" not in states
    assert hits(page(client, "/search?kind=out&state=draft")) == [("out", draft.id)]
    assert hits(page(client, "/search?q=tuyen+sinh&urgency=urgent")) == [("in", second.id)]
    # A filter alone, without words, lists what matches, newest first.
    assert hits(page(client, "/search?kind=in")) == [("in", second.id), ("in", first.id)]


def test_bad_filter_values_are_explained_in_vietnamese(client, world, clock):
    incoming(clock, world.school_a, subject="Tuyển sinh")
    login(client, world.school_a.clerk)
    found = page(
        client,
        "/search?q=tuyen&date_from=32%2F13%2F2026&kind=xyz&type_id=abc&state=draft&urgency=nope",
    )
    assert errors(found) == {
        "date_from": "Ngày không hợp lệ (dạng ngày/tháng/năm).",
        "kind": "Lựa chọn không hợp lệ.",
        "type_id": "Lựa chọn không hợp lệ.",
        "state": "Chọn “Văn bản đến” hoặc “Văn bản đi” trước khi lọc theo trạng thái.",
        "urgency": "Lựa chọn không hợp lệ.",
    }
    assert hits(found) == []
    assert "Vui lòng sửa các ô báo lỗi rồi tìm lại." in found.text_content()
    assert errors(page(client, "/search?kind=in&state=draft")) == {
        "state": "Trạng thái không hợp lệ với loại văn bản đã chọn."
    }
    assert errors(page(client, "/search?kind=out&sender=S%E1%BB%9F")) == {
        "sender": "Cơ quan gửi chỉ dùng khi tìm văn bản đến."
    }
    assert errors(page(client, "/search?date_from=25/09/2026&date_to=21/09/2026")) == {
        "date_to": "“Đến ngày” không được trước “Từ ngày”."
    }
    assert errors(page(client, "/search?date_from=01/01/1800")) == {
        "date_from": "Năm phải trong khoảng 1900–2100."
    }
    assert errors(page(client, "/search?type_id=99999999999")) == {
        "type_id": "Số không hợp lệ: vượt quá giới hạn cho phép."
    }
    assert errors(page(client, "/search?q=" + "tuyển sinh " * 30)) == {"q": "Tối đa 300 ký tự."}
    assert errors(page(client, "/search?q=%2F%2F+-+%22%22")) == {
        "q": "Từ khóa cần có ít nhất một chữ hoặc một số."
    }


def test_an_empty_search_shows_the_form_and_how_to_search(client, world, clock):
    incoming(clock, world.school_a, subject="Quyết định")
    login(client, world.school_a.clerk)
    blank = page(client, "/search")
    hint = blank.xpath('//div[@id="search-hint"]')[0].text_content()
    assert "“quyet dinh” tìm được “Quyết định”" in hint
    assert "dấu ngoặc kép" in hint
    assert hits(blank) == [] and not blank.xpath('//form[@id="save-search"]')
    assert blank.xpath('//form[@id="search-form"]//input[@name="q"]')
    # The box in the top navigation, on every page, with its accessible name.
    home = page(client, "/")
    (box,) = home.xpath('//form[@id="nav-search"]')
    assert box.get("action") == "/search" and box.get("method") == "get"
    assert box.xpath('.//input[@name="q"]/@aria-label') == ["Tìm kiếm văn bản"]
    searched = page(client, "/search?q=quyet")
    assert searched.xpath('//form[@id="nav-search"]//input/@value') == ["quyet"]


# Pages -----------------------------------------------------------------------------------


def test_keyset_pages_next_first_and_a_bad_cursor(client, world, clock):
    school = world.school_a
    docs = [incoming(clock, school, subject=f"Thông báo lịch họp số {i}") for i in range(23)]
    login(client, school.clerk)
    first = page(client, "/search?q=lich+hop")
    assert hits(first) == [("in", d.id) for d in reversed(docs[3:])]
    assert not first.xpath('//a[@id="first-page"]')
    link = next_link(first)
    assert parse_qs(urlsplit(link).query)["q"] == ["lich hop"]
    second = page(client, link)
    assert hits(second) == [("in", d.id) for d in reversed(docs[:3])]
    assert next_link(second) is None
    assert second.xpath('//a[@id="first-page"]/@href') == ["/search?q=lich+hop"]

    cursor = parse_qs(urlsplit(link).query)["cursor"][0]
    tampered = (
        keyset.encode("register", [START, 1]),  # another list's cursor
        keyset.encode("search", [7, START, 1, 1]),  # a tier that does not exist
        keyset.encode("search", [0, START, 1, -4]),
    )
    for bad in ("abc", "eyJ4IjoxfQ", "x" * 500, cursor[:-3], *tampered):
        shown = page(client, f"/search?q=lich+hop&cursor={bad}")
        assert (
            "Liên kết trang kết quả không còn hợp lệ"
            in shown.xpath('//*[@id="cursor-error"]')[0].text_content()
        )
        assert hits(shown) == hits(first)


# Who sees what ---------------------------------------------------------------------------


def test_a_school_never_finds_another_schools_documents(client, world, clock):
    mine = incoming(clock, world.school_a, subject="Quyết định khen thưởng")
    theirs = incoming(clock, world.school_b, subject="Quyết định khen thưởng")
    login(client, world.school_b.leader)
    assert hits(page(client, "/search?q=khen+thuong")) == [("in", theirs.id)]
    client.post("/logout")
    login(client, world.school_a.leader)
    assert hits(page(client, "/search?q=khen+thuong")) == [("in", mine.id)]


def test_staff_find_only_what_is_theirs_and_no_secret_level_choice(client, world, clock):
    school = world.school_a
    to_unit = incoming(
        clock, school, subject="Lịch kiểm tra nội bộ", recipient_unit_id=school.unit.id
    )
    secret_to_unit = incoming(
        clock,
        school,
        subject="Lịch kiểm tra nhân sự",
        recipient_unit_id=school.unit.id,
        confidentiality_code="secret",
    )
    secret_to_me = incoming(
        clock,
        school,
        subject="Lịch kiểm tra hồ sơ",
        recipient_user_id=school.staff.id,
        confidentiality_code="confidential",
    )
    not_mine = incoming(clock, school, subject="Lịch kiểm tra thư viện")
    login(client, school.staff)
    found = page(client, "/search?q=lich+kiem+tra")
    assert hits(found) == [("in", secret_to_me.id), ("in", to_unit.id)]
    levels = found.xpath('//select[@name="confidentiality"]/option/@value')
    assert levels == ["", "normal"]
    refused = page(client, "/search?q=lich&confidentiality=secret")
    assert errors(refused) == {"confidentiality": "Lựa chọn không hợp lệ."}
    client.post("/logout")

    login(client, school.leader)
    leader = page(client, "/search?q=lich+kiem+tra")
    assert {d for _, d in hits(leader)} == {
        to_unit.id,
        secret_to_unit.id,
        secret_to_me.id,
        not_mine.id,
    }
    assert leader.xpath('//select[@name="confidentiality"]/option/@value') == [
        "",
        "normal",
        "confidential",
        "secret",
        "top_secret",
    ]
    assert hits(page(client, "/search?q=lich&confidentiality=secret")) == [
        ("in", secret_to_unit.id)
    ]


# Cost ------------------------------------------------------------------------------------


class StatementCounter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, *args) -> None:
        self.count += 1


def _statements(client, url: str) -> tuple[int, int]:
    counter = StatementCounter()
    event.listen(db.engine, "before_cursor_execute", counter)
    try:
        found = page(client, url)
    finally:
        event.remove(db.engine, "before_cursor_execute", counter)
    return counter.count, len(hits(found))


def test_statements_per_page_do_not_grow_with_its_hits(client, world, clock):
    district = world.district
    for i in range(12):
        doc = incoming(
            clock,
            district,
            subject=f"Báo cáo tuyển sinh đợt {i}" + (" bổ sung" if i < 3 else ""),
            uploads=[Upload(f"bao-cao-{i}.pdf", factories.pdf_bytes(f"Báo cáo {i}"))],
        )
        give_text("in", doc, f"Phụ lục {i}: số liệu tuyển sinh của các trường.")
        out = outgoing(
            clock,
            world,
            subject=f"Kế hoạch tuyển sinh đợt {i}" + (" bổ sung" if i < 2 else ""),
            body_text=f"Nội dung kế hoạch {i}.",
            uploads=[Upload(f"ke-hoach-{i}.docx", factories.docx_bytes(f"Kế hoạch {i}"))],
        )
        give_text("out", out, f"Danh sách tuyển sinh {i}.")
    login(client, district.leader)
    many, shown = _statements(client, "/search?q=tuyen+sinh")
    assert shown == 20
    few, shown = _statements(client, "/search?q=tuyen+sinh+bo+sung")
    assert shown == 5
    assert few == many


def test_a_hit_found_through_a_field_not_shown_says_which(client, world, clock):
    """A document found only through the unit it is addressed to shows that unit."""
    district = world.district
    doc = incoming(
        clock,
        district,
        subject="Tờ trình đề nghị bổ sung kinh phí",
        recipient_unit_id=district.unit.id,
    )
    doc_unit = district.unit.name  # "Tổ Văn phòng"
    login(client, district.leader)
    found = page(client, "/search?q=van+phong")
    (p,) = result(found, "in", doc.id).xpath('.//p[contains(@class, "result-snippet")]')
    assert p.text_content().startswith("Nơi nhận: ")
    assert doc_unit in p.text_content()
    assert marks(p) == ["Văn", "phòng"]
