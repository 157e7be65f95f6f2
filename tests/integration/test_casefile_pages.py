"""The case file pages: the list and its filters, opening a file outside the list, a
file's page for each kind of person, adding, moving and removing documents, closing
with its problems shown first, reopening by the leader, the printed contents list,
another office, and a frozen file."""

from __future__ import annotations

import re
from datetime import date

import lxml.html
import pytest

from eoffice.casefiles import contents_pdf, creating, file_queries, files
from eoffice.casefiles.creating import FileInput
from eoffice.casefiles.models import CaseFile
from eoffice.core import pagination, timeutil
from eoffice.extensions import db
from eoffice.orgs import people
from tests import factories
from tests.casefile_support import handled_incoming
from tests.directive_support import local_moment
from tests.pdftext import pdf_text

TODAY = date(2026, 11, 20)


@pytest.fixture(autouse=True)
def on_day(app):
    timeutil.set_clock(lambda: local_moment(TODAY, 10))
    yield
    timeutil.set_clock(None)


def _client(app, user):
    client = app.test_client()
    factories.login(client, user)
    return client


def _file(actor, title: str, notation: str = "VP", **fields) -> CaseFile:
    return creating.create_file(
        actor, FileInput(title=title, notation=notation, retention="10", **fields)
    )


def _page(client, url: str):
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return lxml.html.fromstring(response.get_data(as_text=True))


def _contents(tree) -> list[str]:
    """The subjects of the contents table, in order."""
    return [
        row.xpath("./td[4]")[0].text_content().strip()
        for row in tree.xpath('//table[@id="contents"]/tbody/tr')
    ]


def test_the_list_filters_mine_all_year_state_and_folded_text(world, app):
    school = world.school_a
    _file(school.staff, "Hồ sơ tổ chức Hội khỏe Phù Đổng")
    _file(school.clerk, "Hồ sơ tuyển sinh lớp 1", notation="TS")
    _file(school.clerk, "Hồ sơ năm trước", start_date=date(2025, 12, 1))
    _file(world.school_b.clerk, "Hồ sơ của trường khác")

    staff = _client(app, school.staff)
    mine = _page(staff, "/casefiles/")
    assert [a.text for a in mine.xpath('//table[@id="file-list"]//td[1]/a')] == ["01.VP"]
    assert mine.xpath('//a[@id="new-file"]')[0].text_content().strip() == (
        "+ Lập hồ sơ mới (ngoài danh mục)"
    )
    every = _page(staff, "/casefiles/?tab=all")
    assert [a.text for a in every.xpath('//table[@id="file-list"]//td[1]/a')] == [
        "01.VP",
        "02.TS",
        "01.VP",  # 2025: its own numbering
    ]
    found = _page(staff, "/casefiles/?tab=all&q=hoi+khoe+phu+dong")
    assert len(found.xpath('//tr[@class="case-file"]')) == 1
    year = _page(staff, "/casefiles/?tab=all&year=2025")
    assert [td.text_content().strip() for td in year.xpath("//tr/td[3]")] == ["2025"]
    closed = _page(staff, "/casefiles/?tab=all&state=closed")
    assert closed.xpath('//tr[@class="case-file"]') == []
    assert "Không có hồ sơ nào khớp với bộ lọc" in closed.text_content()

    leader = _client(app, world.school_b.leader)  # keeps nothing: the empty state says what to do
    empty = _page(leader, "/casefiles/")
    assert "Bạn chưa lập hồ sơ nào" in empty.text_content()


def _codes(tree) -> list[str]:
    return [a.text for a in tree.xpath('//table[@id="file-list"]//td[1]/a')]


def _pager(tree) -> dict[str, str]:
    return {
        a.text_content().strip(): a.get("href")
        for a in tree.xpath('//nav[contains(@class, "keyset-pager")]//a')
    }


@pytest.mark.parametrize("query", ["", "&q=ho+so+thi+dua"])
def test_the_list_pages_by_cursor_newest_year_first_with_or_without_text(
    world, app, monkeypatch, query
):
    """Keyset pages in the list's order (year descending, then number), whether the rows
    come from SQL alone or through the folded text filter (a Python filter over batches)."""
    school = world.school_a
    for n in range(3):
        _file(school.clerk, f"Hồ sơ thi đua năm trước {n}", start_date=date(2025, 3, 1))
    for n in range(4):
        _file(school.clerk, f"Hồ sơ thi đua {n}")
    _file(school.clerk, "Hồ sơ không khớp", notation="KK")
    monkeypatch.setattr(file_queries, "PER_PAGE", 3)
    monkeypatch.setattr(pagination, "SCAN_BATCH", 2)  # several batches per page
    clerk = _client(app, school.clerk)
    first = _page(clerk, f"/casefiles/?tab=all{query}")
    total = "8" if not query else "7"
    assert first.get_element_by_id("list-count").text_content() == f"({total} hồ sơ)"
    seen = [_codes(first)]
    page = first
    while "Trang sau ›" in _pager(page):
        page = _page(clerk, _pager(page)["Trang sau ›"])
        seen.append(_codes(page))
    expected_2026 = ["01.VP", "02.VP", "03.VP", "04.VP"] + ([] if query else ["05.KK"])
    flat = [code for codes in seen for code in codes]
    assert flat == [*expected_2026, "01.VP", "02.VP", "03.VP"]
    assert [len(codes) for codes in seen[:-1]] == [3] * (len(seen) - 1)
    back = _page(clerk, _pager(page)["‹ Trang trước"])
    assert _codes(back) == seen[-2]
    for href in _pager(back).values():  # the filters stay on every page link
        assert ("q=ho+so+thi+dua" in href) == bool(query) and "tab=all" in href
    refused = _page(clerk, f"/casefiles/?tab=all{query}&cursor=not-a-cursor")
    assert _codes(refused) == seen[0]
    assert pagination.BAD_CURSOR in refused.text_content()


def test_opening_a_file_outside_the_list_from_its_form(world, app):
    school = world.school_a
    client = _client(app, school.staff)
    form = _page(client, "/casefiles/new")
    assert {f.get("name") for f in form.xpath('//form[@id="file-form"]//*[@name]')} >= {
        "title",
        "notation",
        "retention",
        "keeper_id",
        "start_date",
        "note",
        "description",
    }
    blank = client.post("/casefiles/new", data={"title": "Hồ sơ hội giảng", "notation": ""})
    assert blank.status_code == 422
    text = blank.get_data(as_text=True)
    assert creating.MSG_NOTATION in text and "Vui lòng chọn thời hạn bảo quản." in text
    refused = client.post(  # the form is fine, the service refuses the abbreviation
        "/casefiles/new",
        data={"title": "Hồ sơ hội giảng", "notation": "V P", "retention": "5", "start_date": ""},
    )
    assert refused.status_code == 422
    text = refused.get_data(as_text=True)
    assert creating.MSG_NOTATION_CHARS in text
    assert 'value="V P"' in text and "Hồ sơ hội giảng" in text  # what was typed stays
    assert db.session.query(CaseFile).count() == 0
    created = client.post(
        "/casefiles/new",
        data={
            "title": "Hồ sơ hội giảng",
            "notation": "CM",
            "retention": "5",
            "keeper_id": str(school.staff.id),
            "start_date": "02/11/2026",
        },
    )
    assert created.status_code == 302
    case_file = db.session.query(CaseFile).one()
    assert (case_file.code, case_file.start_date, case_file.retention_code) == (
        "01.CM",
        date(2026, 11, 2),
        "5",
    )
    edited = client.post(
        f"/casefiles/{case_file.id}/edit",
        data={
            "title": "Hồ sơ hội giảng cấp trường",
            "retention": "10",
            "keeper_id": str(school.staff.id),
        },
    )
    assert edited.status_code == 302
    db.session.expire_all()
    assert db.session.get(CaseFile, case_file.id).title == "Hồ sơ hội giảng cấp trường"


def test_the_file_page_for_keeper_clerk_leader_and_another_staff_member(world, app):
    school = world.school_a
    teacher = people.add_user(
        school.admin,
        school.org.id,
        email="gv2@thleloi.hcm.edu.vn",
        full_name="Trần Văn Dạy",
        password=factories.PASSWORD,
        roles=["staff"],
        unit_id=school.unit.id,
    )
    doc = handled_incoming(school)
    case_file = _file(school.staff, "Hồ sơ tổ chức Hội khỏe Phù Đổng")
    files.add_documents(school.staff, case_file.id, incoming_ids=[doc.id])
    url = f"/casefiles/{case_file.id}"
    for user in (school.staff, school.clerk, school.leader):
        tree = _page(_client(app, user), url)
        assert tree.xpath("//h1")[0].text_content().startswith("Hồ sơ số 01.VP")
        assert _contents(tree) == ["Công văn: Về việc tổ chức Hội khỏe Phù Đổng cấp trường"]
        assert tree.xpath('//a[@id="edit-link"]') and tree.xpath('//form[@id="close-form"]')
        assert tree.xpath('//a[@id="contents-pdf"]') and tree.xpath('//button[@id="export-zip"]')
        assert tree.xpath(f'//table[@id="contents"]//a[@href="/incoming/{doc.id}"]')
        assert [
            li.get("data-action") for li in tree.xpath('//li[contains(@class, "file-event")]')
        ] == [
            "created",
            "documents_added",
        ]
    # Another staff member of the office sees the file, changes nothing, and does not
    # get a link to a document they may not read.
    tree = _page(_client(app, teacher), url)
    assert _contents(tree) == ["Công văn: Về việc tổ chức Hội khỏe Phù Đổng cấp trường"]
    assert not tree.xpath('//a[@id="edit-link"]') and not tree.xpath('//form[@id="close-form"]')
    assert not tree.xpath('//div[@id="them-van-ban"]')
    assert not tree.xpath(f'//a[@href="/incoming/{doc.id}"]')
    assert _client(app, teacher).get(f"{url}/edit").status_code == 302
    assert (
        _client(app, teacher).post(f"{url}/items/1/remove").status_code == 403
    )  # the service refuses
    assert len(files.contents(case_file)) == 1


def test_adding_moving_and_removing_documents_on_the_page(world, app):
    school = world.school_a
    docs = [
        handled_incoming(school, subject=f"Về việc số {n}", document_date=date(2026, 9, n))
        for n in (3, 1, 2)
    ]
    case_file = _file(school.staff, "Hồ sơ phong trào")
    client = _client(app, school.staff)
    files.add_documents(school.staff, case_file.id, incoming_ids=[docs[0].id])

    tree = _page(client, f"/casefiles/{case_file.id}?q=ve+viec+so")
    candidates = tree.xpath('//tr[contains(@class, "candidate")]')
    assert len(candidates) == 3
    marked = [c for c in candidates if "Đã có trong hồ sơ" in c.text_content()]
    assert [int(c.get("data-document")) for c in marked] == [docs[0].id]
    # A bare number is also the arrival number ("Về việc số 1" arrived as number 2).
    number = _page(client, f"/casefiles/{case_file.id}?q={docs[1].arrival_number}")
    found = [
        int(c.get("data-document")) for c in number.xpath('//tr[contains(@class, "candidate")]')
    ]
    assert docs[1].id in found and docs[0].id not in found

    added = client.post(
        f"/casefiles/{case_file.id}/documents",
        data={"add-incoming_ids": [str(docs[1].id), str(docs[2].id)], "add-q": "ve viec so"},
    )
    assert added.status_code == 302 and "q=ve+viec+so" in added.location
    tree = _page(client, f"/casefiles/{case_file.id}")
    assert _contents(tree) == [
        "Công văn: Về việc số 3",
        "Công văn: Về việc số 1",
        "Công văn: Về việc số 2",
    ]
    nothing = client.post(f"/casefiles/{case_file.id}/documents", data={"add-q": "x"})
    assert nothing.status_code == 422
    assert "Chọn ít nhất một văn bản" in nothing.get_data(as_text=True)

    rows = files.contents(case_file)
    assert (
        client.post(
            f"/casefiles/{case_file.id}/items/{rows[2].item_id}/move", data={"position": "1"}
        ).status_code
        == 302
    )
    assert [r.type_and_subject[-1] for r in files.contents(case_file)] == ["2", "3", "1"]
    assert client.post(f"/casefiles/{case_file.id}/order").status_code == 302
    assert [r.type_and_subject[-1] for r in files.contents(case_file)] == ["1", "2", "3"]
    first = files.contents(case_file)[0]
    tree = _page(client, f"/casefiles/{case_file.id}")
    remove = tree.xpath(f'//form[contains(@action, "/items/{first.item_id}/remove")]')[0]
    assert "Rút văn bản STT 1 khỏi hồ sơ?" in remove.get("data-confirm")
    assert client.post(remove.get("action")).status_code == 302
    assert [(r.position, r.type_and_subject[-1]) for r in files.contents(case_file)] == [
        (1, "2"),
        (2, "3"),
    ]


def test_closing_shows_its_problems_first_and_reopening_is_the_leaders(world, app):
    school = world.school_a
    busy = handled_incoming(school, complete=False, subject="Về việc báo cáo số liệu")
    case_file = _file(school.staff, "Hồ sơ báo cáo")
    files.add_documents(school.staff, case_file.id, incoming_ids=[busy.id])
    keeper = _client(app, school.staff)

    tree = _page(keeper, f"/casefiles/{case_file.id}")
    problems = tree.xpath('//div[@id="closing-problems"]//li')
    assert [p.text_content() for p in problems] == [
        "STT 1 (3337/GDĐT-TTTT): chưa hoàn thành (dự thảo hoặc đang xử lý)."
    ]
    assert (
        tree.xpath('//form[@id="close-form"]//button[@type="submit"]')[0].get("disabled")
        is not None
    )
    assert tree.xpath('//form[@id="close-form"]//select/option[@selected]')[0].get("value") == "10"
    refused = keeper.post(f"/casefiles/{case_file.id}/close", data={"close-retention": "10"})
    assert refused.status_code == 422 and "Hồ sơ chưa kết thúc được" in refused.get_data(
        as_text=True
    )

    from eoffice.incoming import processing

    processing.complete(school.staff, busy.id, "Đã báo cáo.")
    closed = keeper.post(
        f"/casefiles/{case_file.id}/close", data={"close-retention": "20", "close-note": "Đủ"}
    )
    assert closed.status_code == 302
    db.session.expire_all()
    case_file = db.session.get(CaseFile, case_file.id)
    assert (case_file.state, case_file.retention_code) == ("closed", "20")
    tree = _page(keeper, f"/casefiles/{case_file.id}")
    assert tree.xpath('//dd[@id="handover-due"]')[0].text_content() == "20/11/2027"
    assert not tree.xpath('//form[@id="reopen-form"]') and not tree.xpath('//a[@id="edit-link"]')
    assert (
        keeper.post(
            f"/casefiles/{case_file.id}/reopen", data={"reopen-reason": "Bổ sung"}
        ).status_code
        == 403
    )

    leader = _client(app, school.leader)
    assert _page(leader, f"/casefiles/{case_file.id}").xpath('//form[@id="reopen-form"]')
    blank = leader.post(f"/casefiles/{case_file.id}/reopen", data={"reopen-reason": ""})
    assert blank.status_code == 422 and "Vui lòng ghi lý do mở lại." in blank.get_data(as_text=True)
    assert (
        leader.post(
            f"/casefiles/{case_file.id}/reopen", data={"reopen-reason": "Bổ sung báo cáo"}
        ).status_code
        == 302
    )
    db.session.expire_all()
    assert db.session.get(CaseFile, case_file.id).state == "open"


def test_the_contents_list_pdf_has_the_legal_columns_and_the_rows_in_order(world, app):
    school = world.school_a
    first = handled_incoming(
        school, subject="Về việc tổ chức hội thi", document_date=date(2026, 9, 5), page_count=3
    )
    second = handled_incoming(
        school, subject="Về việc tổng kết hội thi", document_date=date(2026, 10, 7), page_count=2
    )
    case_file = _file(school.staff, "Hồ sơ hội thi giáo viên dạy giỏi")
    files.add_documents(school.staff, case_file.id, incoming_ids=[second.id, first.id])
    files.order_chronologically(school.staff, case_file.id)

    response = _client(app, school.clerk).get(f"/casefiles/{case_file.id}/contents.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "Muc-luc-ho-so-01.VP-2026.pdf" in response.headers["Content-Disposition"]
    text = pdf_text(response.data)
    assert "MỤC LỤC VĂN BẢN TRONG HỒ SƠ" in text
    assert "Số và ký hiệu hồ sơ: 01.VP" in text and "Thời hạn bảo quản: 10 năm" in text
    assert "Thời gian: Từ ngày 05/09/2026 đến ngày 07/10/2026" in text
    # The header cells wrap inside their columns: every word of each label is above the
    # row of column numbers, which has the seven legal columns in order.
    header, numbers, body = re.split(r"\n(\s*\(1\).*\(7\))\n", text, maxsplit=1)
    assert re.fullmatch(r"\s*" + r"\s+".join(rf"\({n}\)" for n in range(1, 8)), numbers)
    words = set(re.findall(r"[^\s/]+", header))
    for label, _width in contents_pdf.COLUMNS:
        assert set(re.findall(r"[^\s/]+", label)) <= words, label
    rows = [line.split() for line in body.splitlines() if re.match(r"\s*\d+\s+3337/", line)]
    assert [(r[0], r[2]) for r in rows] == [("1", "05/09/2026"), ("2", "07/10/2026")]
    assert body.index("Về việc tổ chức hội") < body.index("Về việc tổng kết hội")
    assert "1–3" in rows[0] and "4–5" in rows[1]
    assert "Mục lục này gồm 2 văn bản, 5 trang." in text


def test_another_office_gets_not_found(world, app):
    case_file = _file(world.school_a.staff, "Hồ sơ hội thi")
    other = _client(app, world.school_b.leader)
    for url in ("", "/edit", "/contents.pdf"):
        assert other.get(f"/casefiles/{case_file.id}{url}").status_code == 404
    for url in ("/documents", "/order", "/close", "/reopen", "/open"):
        assert other.post(f"/casefiles/{case_file.id}{url}").status_code == 404
    assert "Hồ sơ hội thi" not in other.get("/casefiles/?tab=all").get_data(as_text=True)


def test_a_frozen_file_shows_no_editing_controls(world, app):
    school = world.school_a
    doc = handled_incoming(school)
    case_file = _file(school.clerk, "Hồ sơ đã nộp lưu")
    files.add_documents(school.clerk, case_file.id, incoming_ids=[doc.id])
    files.close_file(school.clerk, case_file.id, "10")
    # Handing over is the archive's step (not built here): the file is marked archived.
    db.session.get(CaseFile, case_file.id).state = "archived"
    db.session.commit()

    for user in (school.clerk, school.leader):
        tree = _page(_client(app, user), f"/casefiles/{case_file.id}?q=van+ban")
        assert tree.xpath('//div[@id="frozen-note"]')
        assert _contents(tree) == ["Công văn: Về việc tổ chức Hội khỏe Phù Đổng cấp trường"]
        for absent in (
            '//a[@id="edit-link"]',
            '//div[@id="them-van-ban"]',
            '//form[@id="close-form"]',
            '//form[@id="reopen-form"]',
            '//button[@id="order-by-date"]',
            '//form[contains(@action, "/items/")]',
        ):
            assert not tree.xpath(absent), absent
        assert tree.xpath('//a[@id="contents-pdf"]')  # reading it stays possible
    refused = _client(app, school.clerk).post(
        f"/casefiles/{case_file.id}/items/{files.contents(case_file)[0].item_id}/remove"
    )
    assert refused.status_code == 302
    assert len(files.contents(case_file)) == 1
