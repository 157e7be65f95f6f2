"""The charts (decision 0026): the figures of each (counts, organisation isolation, the
lists' visibility rules, secret documents included), each page embedding its chart's
JSON data block, canvas and table, the scripts loaded only where a chart is, and what
the charts cost the home page in queries."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time

import lxml.html
import pytest

from eoffice.core import timeutil
from eoffice.extensions import db
from eoffice.incoming import dashboard, processing
from eoffice.incoming.dashboard import dashboard_for
from eoffice.incoming.processing import Party
from eoffice.incoming.queries import RegisterFilters, register_count
from eoffice.orgs.services import create_unit
from eoffice.outgoing import drafting, issuing, review
from eoffice.reports import charts
from eoffice.reports.charts import (
    NO_UNIT,
    NOT_ASSIGNED,
    ChartSpec,
    MonthFigures,
    Series,
    UnitOverdue,
    documents_per_month,
    format_number,
    month_starts,
    overdue_by_unit,
)
from tests import factories
from tests.integration.test_dashboards import _queries as _statements

# Wednesday 18/11/2026, 09:00 office time.
NOW = datetime(2026, 11, 18, 2, 0, tzinfo=UTC)
TODAY = date(2026, 11, 18)


def _at(day: date, hour: int = 9) -> None:
    moment = datetime.combine(day, time(hour), tzinfo=timeutil.local_tz()).astimezone(UTC)
    timeutil.set_clock(lambda: moment)


@pytest.fixture(autouse=True)
def fixed_clock(app):
    timeutil.set_clock(lambda: NOW)
    yield
    timeutil.set_clock(None)


def _page(client, user, url: str) -> lxml.html.HtmlElement:
    factories.login(client, user)
    response = client.get(url)
    assert response.status_code == 200, url
    return lxml.html.fromstring(response.get_data(as_text=True))


def _embedded(page: lxml.html.HtmlElement, key: str) -> tuple[dict, list[list[str]]]:
    """The chart `key` of a page: its JSON spec (the block the canvas names) and its
    table's rows (label and cells); checks the canvas's accessible name on the way."""
    [canvas] = page.xpath(f'//canvas[@data-chart="{key}-data"]')
    assert canvas.get("role") == "img" and canvas.get("aria-label")
    [block] = page.xpath(f'//script[@type="application/json"][@id="{key}-data"]')
    spec = json.loads(block.text)
    rows = [
        [cell.text_content().strip() for cell in tr.xpath("./th|./td")]
        for tr in page.xpath(f'//table[@data-chart-figures="{key}"]/tbody/tr')
    ]
    return spec, rows


def _scripts(page: lxml.html.HtmlElement) -> list[str]:
    return [s.get("src") for s in page.xpath("//script[@src]")]


# The description of a chart ------------------------------------------------------------


def test_numbers_are_written_the_vietnamese_way():
    assert format_number(1234567) == "1.234.567"
    assert format_number(1234.5, 1) == "1.234,5"
    assert format_number(6.666, 1) == "6,7"
    assert format_number(0) == "0"


def test_a_spec_gives_the_table_the_totals_and_what_a_screen_reader_hears():
    spec = ChartSpec(
        key="chart-x",
        title="Thử",
        category="Tháng",
        labels=("10/2026", "11/2026"),
        series=(Series("Đến", (1200, 3), "primary"), Series("Đi", (0, 2), "success")),
        unit="văn bản",
    )
    assert spec.rows == [("10/2026", ["1.200", "0"]), ("11/2026", ["3", "2"])]
    assert spec.totals == ["1.203", "2"]
    # One sentence, lower case after the colon, the unit said once.
    assert "Thử. Tổng cộng (văn bản): đến 1.203; đi 2. Số liệu chi tiết" in spec.summary
    assert spec.as_json()["datasets"][0] == {
        "label": "Đến",
        "data": [1200, 3],
        "colour": "primary",
        "fill": "#0d6efd",
    }
    assert not spec.empty
    shares = ChartSpec(
        "c", "Tỷ lệ", "Đơn vị", ("A",), (Series("Đúng", (66.7,), "success"),), percent=True
    )
    assert shares.rows == [("A", ["66,7%"])] and shares.totals is None


def test_the_summary_does_not_repeat_a_unit_the_labels_say():
    months = charts.months_chart(
        [MonthFigures(date(2026, 10, 1), 0, 0), MonthFigures(date(2026, 11, 1), 11, 0)]
    )
    assert "Tổng cộng: văn bản đến 11; văn bản đi 0. Số liệu" in months.summary
    overdue = charts.overdue_chart([UnitOverdue(1, "Tổ Văn", 5)])
    assert "Tổng cộng: quá hạn 5 văn bản." in overdue.summary


def _contrast_on_white(colour: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(int(colour[i : i + 2], 16)) for i in (1, 3, 5))
    return 1.05 / (0.2126 * r + 0.7152 * g + 0.0722 * b + 0.05)


def test_the_warning_bars_are_a_darker_amber_than_bootstraps_yellow():
    assert _contrast_on_white("#ffc107") < 2  # Bootstrap's warning: too pale for a bar
    assert _contrast_on_white(charts.FILLS["warning"]) >= 3
    late = Series("Trễ hạn", (1,), "warning")
    assert late.fill == charts.FILLS["warning"]


def test_an_all_zero_chart_is_empty():
    spec = ChartSpec("c", "Thử", "Tháng", ("10/2026",), (Series("Đến", (0,), "primary"),))
    assert spec.empty


def test_stacked_shares_add_up_to_exactly_one_hundred():
    assert charts.largest_remainder((1, 1, 1)) == (33.4, 33.3, 33.3)
    assert sum(charts.largest_remainder((1, 1, 1))) == pytest.approx(100)
    for counts in [(2, 2, 2), (1, 5, 7), (10, 3, 0), (1, 0, 0), (7, 7, 1), (13, 29, 3)]:
        shares = charts.largest_remainder(counts)
        assert round(sum(shares) * 10) == 1000, counts
        for count, share in zip(counts, shares, strict=True):
            assert abs(share - 100 * count / sum(counts)) < 0.1 + 1e-9
    assert charts.largest_remainder((0, 0, 0)) == (0.0, 0.0, 0.0)
    # 1/3 each: plain rounding gives 99,9 % and a gap at the end of the bar.
    figures = charts.CheckFigures("A", 1, 1, 1)
    assert figures.shares == (33.4, 33.3, 33.3)


def test_an_organisation_without_a_decided_slot_is_not_drawn_and_shows_a_dash():
    figures = [
        charts.CheckFigures("Trường A", 1, 1, 1),
        charts.CheckFigures("Trường B", 0, 0, 0),  # no slot decided yet this month
        charts.CheckFigures("Trường C", 4, 0, 0),
    ]
    spec = charts.checks_chart(figures)
    drawn = spec.as_json()
    assert drawn["labels"] == ["Trường A", "Trường C"]
    assert [d["data"] for d in drawn["datasets"]] == [[33.4, 100.0], [33.3, 0.0], [33.3, 0.0]]
    assert spec.rows == [
        ("Trường A", ["33,4%", "33,3%", "33,3%"]),
        ("Trường B", ["—", "—", "—"]),
        ("Trường C", ["100,0%", "0,0%", "0,0%"]),
    ]
    assert not spec.empty
    nothing = charts.checks_chart([charts.CheckFigures("Trường B", 0, 0, 0)])
    assert nothing.empty and nothing.as_json()["labels"] == []


def test_the_twelve_months_cross_the_new_year():
    starts = month_starts(date(2026, 2, 10))
    assert len(starts) == 12
    assert starts[0] == date(2025, 3, 1) and starts[-2:] == [date(2026, 1, 1), date(2026, 2, 1)]


# a. Documents per month ----------------------------------------------------------------


@pytest.fixture
def arrivals(world):
    """School A: arrivals over the months (one secret), one more than a year old; school
    B's own arrival. The month is the office's: 00:30 on 1 November is November."""
    school = world.school_a
    _at(date(2025, 10, 20))
    factories.register(school.clerk, subject="Quá mười hai tháng", document_date=date(2025, 10, 15))
    _at(date(2026, 1, 5))
    factories.register(school.clerk, subject="Tháng một", document_date=date(2026, 1, 2))
    _at(date(2026, 10, 31), 23)
    factories.register(school.clerk, subject="Tháng mười, cuối ngày")
    timeutil.set_clock(lambda: NOW)
    factories.register(
        school.clerk, subject="Đầu tháng mười một", arrived_at=datetime(2026, 11, 1, 0, 30)
    )
    factories.register(school.clerk, subject="Tháng mười một")
    factories.register(school.clerk, subject="Mật tháng mười một", confidentiality_code="secret")
    to_staff = factories.register(school.clerk, subject="Giao cho nhân viên")
    processing.present(school.clerk, to_staff.id, presented_to=school.leader.id)
    processing.assign(school.leader, to_staff.id, Party(user_id=school.staff.id))
    factories.register(world.school_b.clerk, subject="Trường B tháng mười một")
    return school


def _by_month(figures: list[MonthFigures]) -> dict[str, tuple[int, int]]:
    return {
        f.month.strftime("%m/%Y"): (f.incoming, f.outgoing)
        for f in figures
        if f.incoming or f.outgoing
    }


def test_documents_per_month_count_arrivals_by_office_month_and_organisation(arrivals, world):
    leader = arrivals.leader
    figures = documents_per_month(leader, TODAY)
    assert [f.month for f in figures] == month_starts(TODAY)
    # Everything of school A the leader sees, secret included; not school B's, not the
    # one of October 2025 (before the twelve months).
    assert _by_month(figures) == {"01/2026": (1, 0), "10/2026": (1, 0), "11/2026": (4, 0)}


def test_documents_per_month_follow_each_persons_visibility(arrivals, world):
    """The figures are the register list's: a staff member counts what they may open,
    the clerk does not count the secret document they did not register."""
    school = arrivals
    other_clerk = factories.make_user(
        school.org, "vanthu2@thleloi.hcm.edu.vn", ["clerk"], "Lê Văn Thư Hai", school.unit
    )
    db.session.commit()
    expected = {
        school.leader: 4,
        school.clerk: 4,  # registered the secret one: it is theirs
        other_clerk: 3,  # the secret one is not
        school.staff: 1,  # only the document given to them
    }
    for user, count in expected.items():
        november = documents_per_month(user, TODAY)[-1]
        assert november.incoming == count, user.email
        listed = register_count(
            user, RegisterFilters(date_from=date(2026, 11, 1), date_to=date(2026, 11, 30))
        )
        assert listed == count, user.email


@pytest.fixture
def district_issued(world, test_ca):
    """The district issues a plan in October and a secret one in November (a draft
    never counts)."""
    district = world.district
    _at(date(2026, 9, 1))
    factories.equip_for_signing(district, test_ca)

    def issue(subject: str, day: date, **overrides) -> None:
        _at(day)
        plan = factories.outgoing_plan(world, world.school_a, subject=subject, **overrides)
        doc = drafting.create_draft(district.staff, plan)
        review.submit(district.staff, doc.id)
        review.approve(district.clerk, doc.id)
        issuing.sign(district.leader, doc.id)

    issue("Kế hoạch tháng mười", date(2026, 10, 12))
    issue("Kế hoạch mật tháng mười một", date(2026, 11, 16), confidentiality_code="secret")
    _at(date(2026, 11, 17))
    drafting.create_draft(
        district.staff, factories.outgoing_plan(world, world.school_a, subject="Dự thảo")
    )
    timeutil.set_clock(lambda: NOW)
    return district


def test_documents_per_month_count_outgoing_issued_as_the_lists_show_them(district_issued, world):
    district = district_issued
    outsider = factories.make_user(
        district.org, "chuyenvien2@pgd.hcm.edu.vn", ["staff"], "Đỗ Chuyên Viên"
    )
    db.session.commit()
    assert _by_month(documents_per_month(district.leader, TODAY)) == {
        "10/2026": (0, 1),
        "11/2026": (0, 1),
    }
    # The drafter took part in the secret one; another staff member sees only the plain.
    assert _by_month(documents_per_month(district.staff, TODAY)) == {
        "10/2026": (0, 1),
        "11/2026": (0, 1),
    }
    assert _by_month(documents_per_month(outsider, TODAY)) == {"10/2026": (0, 1)}
    # The schools' figures are their own: the district's issues are not theirs.
    assert _by_month(documents_per_month(world.school_a.leader, TODAY)) == {}


# b. Overdue by unit --------------------------------------------------------------------


@pytest.fixture
def overdue(world):
    """School A's overdue work: two documents with the Tổ Chuyên môn (one secret), one
    with a person of the Tổ Văn phòng, one with a person of no unit, one not assigned
    yet; one not due yet; one finished late (no longer open). School B has one too."""
    school = world.school_a
    teaching = create_unit(school.org.id, "Tổ Chuyên môn", "CM")
    loner = factories.make_user(school.org, "rieng@thleloi.hcm.edu.vn", ["staff"], "Cao Một Mình")
    deputy = factories.make_user(
        school.org, "phohieutruong@thleloi.hcm.edu.vn", ["deputy"], "Võ Phó Hiệu Trưởng"
    )
    db.session.commit()
    _at(date(2026, 11, 2))

    def assigned(
        subject: str, party: Party, deadline: date, clerk=school.clerk, boss=school.leader, **kw
    ):
        doc = factories.register(clerk, subject=subject, deadline=deadline, **kw)
        processing.present(clerk, doc.id, presented_to=boss.id)
        processing.assign(boss, doc.id, party)
        return doc

    past = date(2026, 11, 10)
    assigned("Tổ chuyên môn 1", Party(unit_id=teaching.id), past)
    assigned("Tổ chuyên môn mật", Party(unit_id=teaching.id), past, confidentiality_code="secret")
    assigned("Nhân viên văn phòng", Party(user_id=school.staff.id), past)
    assigned("Không thuộc tổ", Party(user_id=loner.id), past)
    factories.register(school.clerk, subject="Chưa phân công", deadline=past)
    assigned("Chưa đến hạn", Party(unit_id=teaching.id), date(2026, 11, 30))
    done = assigned("Đã xong", Party(user_id=school.staff.id), past)
    processing.start(school.staff, done.id)
    processing.complete(school.staff, done.id, "Đã báo cáo.")
    b = world.school_b
    assigned("Trường B", Party(user_id=b.staff.id), past, clerk=b.clerk, boss=b.leader)
    timeutil.set_clock(lambda: NOW)
    return school, teaching, deputy


def test_overdue_by_unit_groups_by_the_lead_unit_and_adds_up_to_the_card(overdue, world):
    school, teaching, deputy = overdue
    lines = overdue_by_unit(school.leader, TODAY)
    office = school.unit
    figures = {(line.unit_id, line.name): line.count for line in lines}
    assert figures == {
        (teaching.id, "Tổ Chuyên môn"): 2,
        (office.id, office.name): 1,  # "Đã xong" is finished: no longer overdue
        (None, NO_UNIT): 1,
        (None, NOT_ASSIGNED): 1,
    }
    # Most first, the groups without a unit after the units of the same count.
    assert lines[0] == UnitOverdue(teaching.id, "Tổ Chuyên môn", 2)
    assert sum(figures.values()) == dashboard_for(school.leader, TODAY).overdue
    # The deputy sees no secret document they took no part in: one fewer.
    deputy_lines = {(x.unit_id, x.name): x.count for x in overdue_by_unit(deputy, TODAY)}
    assert deputy_lines[teaching.id, "Tổ Chuyên môn"] == 1
    assert sum(deputy_lines.values()) == dashboard_for(deputy, TODAY).overdue
    # School B's leader: only school B's.
    b = world.school_b
    assert overdue_by_unit(b.leader, TODAY) == [UnitOverdue(b.unit.id, b.unit.name, 1)]


# The home page ---------------------------------------------------------------------------


def test_the_leaders_home_embeds_both_charts_with_their_tables(client, overdue, arrivals):
    school = overdue[0]
    page = _page(client, school.leader, "/")
    spec, rows = _embedded(page, "chart-months")
    assert spec["labels"][-1] == "11/2026" and len(spec["labels"]) == 12
    assert [d["label"] for d in spec["datasets"]] == ["Văn bản đến", "Văn bản đi"]
    # 4 arrivals of the fixture in November and the seven of the overdue fixture (2/11).
    assert spec["datasets"][0]["data"][-1] == 11
    assert rows[-1] == ["11/2026", "11", "0"]
    spec, rows = _embedded(page, "chart-overdue-units")
    assert spec["horizontal"] and spec["labels"][0] == "Tổ Chuyên môn"
    assert ["Tổ Chuyên môn", "2"] in rows and [NOT_ASSIGNED, "1"] in rows
    assert page.xpath("//details[@data-chart-table]/summary")[0].text == "Xem số liệu dạng bảng"
    scripts = _scripts(page)
    assert any(s.endswith("vendor/chartjs/chart.umd.js") for s in scripts)
    assert scripts[-1].endswith("js/charts.js")


def test_the_clerk_sees_the_months_only_and_a_staff_member_no_chart(client, app, arrivals):
    page = _page(client, arrivals.clerk, "/")
    assert page.xpath('//canvas[@data-chart="chart-months-data"]')
    assert not page.xpath('//canvas[@data-chart="chart-overdue-units-data"]')
    staff = app.test_client()
    page = _page(staff, arrivals.staff, "/")
    assert not page.xpath("//canvas[@data-chart]")
    assert not any("chart" in s for s in _scripts(page))


def test_a_leader_without_overdue_work_is_told_so(client, world):
    page = _page(client, world.school_a.leader, "/")
    assert page.xpath('//*[@id="no-overdue"]')
    # No document in twelve months either: one line, not an empty grid.
    [months] = page.xpath('//figure[@id="chart-months"]')
    assert months.xpath(".//*[@data-chart-empty]")[0].text_content() == "Chưa có số liệu."
    assert not months.xpath(".//canvas")


def test_a_unit_name_cannot_close_the_data_block(client, world):
    school = world.school_a
    odd = create_unit(school.org.id, "Tổ </script><b>Lạ</b>", "LA")
    db.session.commit()
    _at(date(2026, 11, 2))
    doc = factories.register(school.clerk, subject="Lạ", deadline=date(2026, 11, 10))
    processing.present(school.clerk, doc.id, presented_to=school.leader.id)
    processing.assign(school.leader, doc.id, Party(unit_id=odd.id))
    timeutil.set_clock(lambda: NOW)
    factories.login(client, school.leader)
    html = client.get("/").get_data(as_text=True)
    assert "</script><b>" not in html
    spec, rows = _embedded(lxml.html.fromstring(html), "chart-overdue-units")
    assert spec["labels"] == [odd.name] and rows == [[odd.name, "1"]]


def test_the_charts_cost_the_home_page_one_query_each(app, overdue, monkeypatch):
    """Incoming months ride on the arrivals count the page already made; the outgoing
    months are one query, overdue by unit one more (leaders only)."""
    school = overdue[0]
    leader, clerk = app.test_client(), app.test_client()
    factories.login(leader, school.leader)
    factories.login(clerk, school.clerk)
    with_charts = (_statements(leader, "/"), _statements(clerk, "/"))
    monkeypatch.setattr(dashboard, "_shows_months", lambda user: False)
    monkeypatch.setattr(charts, "overdue_by_unit", lambda user, today=None: None)
    without = (_statements(leader, "/"), _statements(clerk, "/"))
    assert with_charts == (without[0] + 2, without[1] + 1)


# c. Check-time compliance --------------------------------------------------------------


def test_the_compliance_board_draws_the_shares_and_keeps_the_svg_for_the_pdf(app, world):
    monday = date(2026, 4, 6)
    moment = datetime.combine(monday, time(6, 40), tzinfo=timeutil.local_tz()).astimezone(UTC)
    timeutil.set_clock(lambda: moment)
    clerk = app.test_client()
    factories.login(clerk, world.school_a.clerk)
    assert clerk.post("/exchange/checks/confirm").status_code == 302
    evening = datetime.combine(monday, time(17), tzinfo=timeutil.local_tz()).astimezone(UTC)
    timeutil.set_clock(lambda: evening)

    from eoffice.exchange import checks

    board = checks.compliance(world.district.leader, date(2026, 4, 1))
    figures = {f.name: f for f in charts.check_figures(board)}
    school_a = world.school_a.org
    mine = figures[school_a.short_name or school_a.name]
    # 1 on time of 15 decided slots (1–3 April and Monday until 13:30), as the summary.
    assert (mine.on_time, mine.decided) == (1, 15) and mine.shares[0] == 6.7

    leader = app.test_client()
    page = _page(leader, world.district.leader, "/exchange/checks/?month=2026-04")
    spec, rows = _embedded(page, "chart-checks")
    assert spec["percent"] and spec["stacked"] and spec["horizontal"]
    assert [d["label"] for d in spec["datasets"]] == ["Đúng giờ", "Trễ", "Không kiểm tra"]
    assert len(spec["labels"]) == len(board.rows) == 3
    index = spec["labels"].index(school_a.short_name or school_a.name)
    assert spec["datasets"][0]["data"][index] == 6.7
    assert rows[index][1] == "6,7%"
    assert any(s.endswith("js/charts.js") for s in _scripts(page))
    pdf = leader.get("/exchange/checks/board.pdf?month=2026-04")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    # A school's clerk sees their own school only, in the chart as in the summary.
    own = lxml.html.fromstring(clerk.get("/exchange/checks/?month=2026-04").text)
    assert _embedded(own, "chart-checks")[0]["labels"] == [school_a.short_name or school_a.name]


def test_a_month_without_a_decided_slot_says_so_instead_of_drawing_zeros(app, world):
    """Wednesday 1 April, before the first check time: nobody has a decided slot. The
    board shows "—" and the chart one line, never bars of 0,0 %."""
    _at(date(2026, 4, 1), hour=6)
    leader = app.test_client()
    page = _page(leader, world.district.leader, "/exchange/checks/?month=2026-04")
    summary = [
        tr.xpath("./td")[-1].text_content().strip()
        for tr in page.xpath('//table[@id="summary"]/tbody/tr')
    ]
    assert summary and set(summary) == {"—"}
    [figure] = page.xpath('//figure[@id="chart-checks"]')
    assert figure.xpath(".//*[@data-chart-empty]")[0].text_content() == "Chưa có số liệu."
    assert not figure.xpath(".//canvas") and not figure.xpath(".//table")
    assert "0,0%" not in figure.text_content()


# d. Answers to report requests ---------------------------------------------------------


@pytest.fixture
def answered(world, test_ca):
    from tests.directive_support import answer_on, directive, many_schools, moment

    with moment(date(2026, 9, 1)):
        factories.equip_for_signing(world.district, test_ca)
    schools = many_schools(world, 8)
    doc, [due, later] = directive(world, schools, [date(2026, 10, 2), date(2026, 10, 30)])
    for org in schools[:3]:
        answer_on(due, org, date(2026, 10, 1))
    for org in schools[3:5]:
        answer_on(due, org, date(2026, 10, 5))
    answer_on(later, schools[0], date(2026, 10, 5))
    _at(date(2026, 10, 6))
    return doc


def test_the_directive_board_charts_each_requests_answers(client, world, answered):
    from eoffice.directives.board import build_board

    board = build_board(world.district.leader, answered.id)
    figures = charts.answer_figures(board)
    assert [(f.label, f.on_time, f.late, f.missing, f.open, f.returned) for f in figures] == [
        ("YC1", 3, 2, 3, 0, 0),
        ("YC2", 1, 0, 0, 7, 0),
    ]
    page = _page(client, world.district.leader, f"/directives/{answered.id}")
    spec, rows = _embedded(page, "chart-answers")
    assert spec["labels"] == ["YC1", "YC2"] and spec["stacked"]
    assert [d["label"] for d in spec["datasets"]] == [
        "Đúng hạn",
        "Trễ hạn",
        "Chưa nộp (quá hạn)",
        "Chưa đến hạn",
        "Trả lại để bổ sung",
    ]
    assert rows == [["YC1", "3", "2", "3", "0", "0"], ["YC2", "1", "0", "0", "7", "0"]]
    # Filters narrow the list, never the chart: it is about every school.
    page = _page(client, world.district.leader, f"/directives/{answered.id}?answer=on_time")
    assert _embedded(page, "chart-answers")[1] == rows


def test_the_rollup_draws_with_chartjs_and_points_to_its_table(client, world, answered):
    page = _page(client, world.district.leader, "/directives/rollup")
    [canvas] = page.xpath('//canvas[@data-chart="chart-rollup-data"]')
    assert canvas.get("aria-describedby") == "schools"
    spec = json.loads(page.xpath('//script[@id="chart-rollup-data"]')[0].text)
    assert [d["label"] for d in spec["datasets"]] == ["Trễ hạn", "Chưa nộp (quá hạn)"]
    table = {
        tr.xpath("./td")[0].text_content(): [int(td.text_content()) for td in tr.xpath("./td")[1:3]]
        for tr in page.xpath('//table[@id="schools"]/tbody/tr')
    }
    drawn = {
        label: [spec["datasets"][0]["data"][i], spec["datasets"][1]["data"][i]]
        for i, label in enumerate(spec["labels"])
    }
    assert drawn == table and len(drawn) == 5  # 2 late and 3 missing on YC1
    assert not page.xpath("//svg[contains(@class, 'rollup-chart')]")


# The vendored library --------------------------------------------------------------------


def test_chartjs_is_served_from_the_application_with_its_licence(client):
    script = client.get("/static/vendor/chartjs/chart.umd.js")
    assert script.status_code == 200 and b"Chart.js v4." in script.data[:200]
    script.close()
    licence = client.get("/static/vendor/chartjs/LICENSE")
    assert licence.status_code == 200 and b"MIT License" in licence.data
    licence.close()
    charts_js = client.get("/static/js/charts.js")
    assert charts_js.status_code == 200 and b"data-chart" in charts_js.data
    charts_js.close()
