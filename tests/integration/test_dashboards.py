"""The home page of each role: its counts, the lists its cards open, and its query count."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import lxml.html
import pytest
from sqlalchemy import event

from eoffice.core import timeutil
from eoffice.extensions import db
from eoffice.incoming import processing
from eoffice.incoming.dashboard import dashboard_for
from eoffice.incoming.processing import Party
from tests import factories

# Wednesday 18/11/2026, 09:00 in Ho Chi Minh City.
NOW = datetime(2026, 11, 18, 2, 0, tzinfo=UTC)
TODAY = date(2026, 11, 18)
YESTERDAY_9AM = datetime(2026, 11, 17, 9, 0)


@pytest.fixture(autouse=True)
def fixed_clock(app):
    timeutil.set_clock(lambda: NOW)


def _page(client, url: str) -> lxml.html.HtmlElement:
    response = client.get(url)
    assert response.status_code == 200, url
    return lxml.html.fromstring(response.get_data(as_text=True))


def _subjects(page: lxml.html.HtmlElement) -> set[str]:
    return {a.text_content() for a in page.xpath('//td[@data-label="Trích yếu"]/a')}


def _cards(page: lxml.html.HtmlElement) -> dict[str, tuple[int, str]]:
    """Label → (count, link) of every card on the home page."""
    cards = {}
    for link in page.xpath('//a[contains(@class, "card")][.//div[contains(@class, "display-6")]]'):
        label = link.xpath('.//div[contains(@class, "small")]')[0].text_content().strip()
        value = link.xpath('.//div[contains(@class, "display-6")]')[0].text_content()
        cards[label] = (int(value), link.get("href"))
    return cards


def _section_titles(page: lxml.html.HtmlElement) -> list[str]:
    return [h.text_content() for h in page.xpath("//main//h2 | //h2[@class='h5']")]


def _register(clerk, subject: str, **overrides):
    overrides.setdefault("arrived_at", YESTERDAY_9AM)
    return factories.register(clerk, subject=subject, symbol=f"{subject[:8]}/X", **overrides)


def _assigned(school, subject: str, lead, deadline: date | None = None, **parts):
    doc = _register(school.clerk, subject, deadline=deadline)
    processing.present(school.clerk, doc.id, presented_to=school.leader.id)
    return processing.assign(school.leader, doc.id, Party(user_id=lead.id), **parts)


@pytest.fixture
def office(world):
    """School A with one document in every place a home page counts."""
    school = world.school_a
    deputy = factories.make_user(
        school.org, "phohieutruong@thleloi.hcm.edu.vn", ["deputy"], "Võ Phó Hiệu Trưởng"
    )
    clerk, leader, staff = school.clerk, school.leader, school.staff
    _register(clerk, "Khẩn vừa đến", urgency_code="urgent", arrived_at=None)
    _register(clerk, "Chờ trình hôm qua")
    returned = _register(clerk, "Bị trả lại")
    processing.present(clerk, returned.id, presented_to=leader.id)
    processing.return_to_clerk(leader, returned.id, "Sai trích yếu, vui lòng sửa.")
    presented = _register(clerk, "Trình hiệu trưởng")
    processing.present(clerk, presented.id, presented_to=leader.id)
    to_deputy = _register(clerk, "Trình phó hiệu trưởng")
    processing.present(clerk, to_deputy.id, presented_to=deputy.id)
    _assigned(school, "Việc quá hạn", staff, deadline=date(2026, 11, 16))
    _assigned(
        school, "Việc hạn hôm nay", staff, deadline=TODAY, coordinators=[Party(user_id=clerk.id)]
    )
    _assigned(school, "Việc sắp đến hạn", staff, deadline=date(2026, 11, 19))
    _assigned(school, "Việc không có hạn", staff)
    done = _assigned(school, "Việc đã xong", staff, deadline=date(2026, 11, 16))
    processing.record_progress(staff, done.id, "Đã làm.", 50)
    processing.complete(staff, done.id, "Đã báo cáo.")
    return school, deputy


def _home(client, user) -> lxml.html.HtmlElement:
    factories.login(client, user)
    return _page(client, "/")


def test_clerk_sees_arrivals_and_what_waits_to_be_presented(client, office):
    school, _deputy = office
    page = _home(client, school.clerk)
    cards = _cards(page)
    assert cards["Đến hôm nay"][0] == 1
    assert cards["Chờ trình lãnh đạo"][0] == 3
    assert cards["Văn bản khẩn chưa trình"][0] == 1
    assert _subjects(_page(client, cards["Chờ trình lãnh đạo"][1])) == {
        "Khẩn vừa đến",
        "Chờ trình hôm qua",
        "Bị trả lại",
    }
    assert _subjects(_page(client, cards["Văn bản khẩn chưa trình"][1])) == {"Khẩn vừa đến"}
    assert _subjects(_page(client, cards["Đến hôm nay"][1])) == {"Khẩn vừa đến"}
    # The clerk also coordinates one document: a second section, with its own counts.
    assert cards["Đến hạn hôm nay"][0] == 1
    assert _subjects(_page(client, cards["Đến hạn hôm nay"][1])) == {"Việc hạn hôm nay"}
    assert "Lãnh đạo" not in _section_titles(page)


def test_leader_sees_what_waits_for_assignment_and_deadlines_of_the_whole_school(client, office):
    school, _deputy = office
    cards = _cards(_home(client, school.leader))
    expected = {
        "Chờ phân công": {"Trình hiệu trưởng", "Trình phó hiệu trưởng"},
        "Quá hạn xử lý": {"Việc quá hạn"},
        "Đến hạn hôm nay": {"Việc hạn hôm nay"},
        "Sắp đến hạn": {"Việc sắp đến hạn"},
    }
    for label, subjects in expected.items():
        count, link = cards[label]
        assert count == len(subjects), label
        assert _subjects(_page(client, link)) == subjects, label
    assert dashboard_for(school.leader).work is None  # holds no part: no "Việc của tôi"


def test_deputy_assigns_only_what_was_presented_to_them(client, office):
    _school, deputy = office
    cards = _cards(_home(client, deputy))
    count, link = cards["Được trình cho bạn, chờ phân công"]
    assert count == 1
    assert _subjects(_page(client, link)) == {"Trình phó hiệu trưởng"}
    assert cards["Quá hạn xử lý"][0] == 1


def test_handler_sees_their_work_grouped_by_deadline(client, office):
    school, _deputy = office
    page = _home(client, school.staff)
    cards = _cards(page)
    expected = {
        "Quá hạn": {"Việc quá hạn"},
        "Đến hạn hôm nay": {"Việc hạn hôm nay"},
        "Sắp tới": {"Việc sắp đến hạn", "Việc không có hạn"},
    }
    for label, subjects in expected.items():
        count, link = cards[label]
        assert count == len(subjects), label
        assert _subjects(_page(client, link)) == subjects, label
    groups = page.xpath('//div[contains(@class, "work-group")]')
    assert len(groups) == 3
    items = {
        li.xpath(".//a")[0].text_content().split(" · ", 1)[1]: li.xpath(".//a")[0].get("href")
        for g in groups
        for li in g.xpath(".//li")
    }
    assert set(items) == set().union(*expected.values())
    soon = groups[2].xpath(".//li")[0].text_content()
    assert "Việc sắp đến hạn" in soon and "Sắp đến hạn" in soon  # due_state's label
    # Each item opens the document.
    assert client.get(items["Việc quá hạn"]).status_code == 200
    # Not a clerk nor a leader: neither section, nor the organisation's chart.
    assert "Chờ trình lãnh đạo" not in cards and "Chờ phân công" not in cards
    assert not page.xpath("//svg[@role='img']")


def test_a_user_without_work_sees_an_empty_handler_section(client, world):
    page = _home(client, world.school_b.staff)
    assert "Bạn không có văn bản nào đang chủ trì hoặc phối hợp xử lý." in page.text_content()


def test_weekly_chart_counts_arrivals_per_week(client, world):
    clerk = world.school_a.clerk
    factories.register(clerk, subject="Tuần này", arrived_at=YESTERDAY_9AM)
    factories.register(clerk, subject="Tuần trước 1", arrived_at=datetime(2026, 11, 10, 8, 0))
    factories.register(clerk, subject="Tuần trước 2", arrived_at=datetime(2026, 11, 15, 23, 0))
    timeutil.set_clock(lambda: datetime(2026, 8, 1, 2, 0, tzinfo=UTC))
    # 1 August: before the twelve weeks shown.
    factories.register(clerk, subject="Quá cũ", document_date=date(2026, 7, 20))
    timeutil.set_clock(lambda: NOW)
    dash = dashboard_for(clerk)
    assert [(bar.start, bar.count) for bar in dash.weeks[-2:]] == [
        (date(2026, 11, 9), 2),
        (date(2026, 11, 16), 1),
    ]
    assert dash.week_total == 3 and len(dash.weeks) == 12
    page = _home(client, clerk)
    svg = page.xpath("//svg[@role='img']")[0]
    assert svg.get("role") == "img"
    assert "Tuần từ 09/11/2026: 2 văn bản" in svg.xpath("./desc")[0].text_content()


class QueryCounter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, *args) -> None:
        self.count += 1


def _queries(client, url: str) -> int:
    counter = QueryCounter()
    event.listen(db.engine, "before_cursor_execute", counter)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", counter)
    return counter.count


def _add_documents(school, boss, n: int, start: int) -> None:
    """n documents in every place the boss's page counts (boss: clerk, leader and handler)."""
    for i in range(start, start + n):
        _register(school.clerk, f"Chờ trình {i}", urgency_code="urgent" if i % 2 else "normal")
        doc = _register(school.clerk, f"Chờ phân công {i}")
        processing.present(school.clerk, doc.id, presented_to=boss.id)
        for deadline in (date(2026, 11, 16), TODAY, TODAY + timedelta(days=7)):
            doc = _register(school.clerk, f"Việc {i} {deadline}", deadline=deadline)
            processing.present(school.clerk, doc.id, presented_to=boss.id)
            processing.assign(boss, doc.id, Party(user_id=boss.id))


def test_query_count_does_not_grow_with_the_documents(client, world):
    school = world.school_a
    boss = factories.make_user(
        school.org, "kiemnhiem@thleloi.hcm.edu.vn", ["clerk", "leader"], "Kiêm Nhiệm"
    )
    db.session.commit()
    _add_documents(school, boss, 5, 0)
    factories.login(client, boss)
    home_small = _queries(client, "/")
    list_small = _queries(client, "/incoming?mine=1&due=later")
    _add_documents(school, boss, 20, 5)
    assert dashboard_for(boss).counts["mine_overdue"] == 25
    assert _queries(client, "/") == home_small
    assert _queries(client, "/incoming?mine=1&due=later") == list_small
