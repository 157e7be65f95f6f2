"""The check-time pages through the test client: the clerk's bar on the home page and its
two buttons, the compliance board (grid, summary, chart, month picker) and its access
rules, the per-school detail, and the admin's settings page."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time

import pytest
from flask import Flask
from sqlalchemy import select

from eoffice.core import timeutil
from eoffice.exchange.checks_models import CheckRun, CheckSettings, CheckTrigger
from eoffice.extensions import db
from eoffice.jobs.connection import runner
from eoffice.orgs.models import User
from tests import factories

MONDAY = date(2026, 4, 6)
BOARD = "/exchange/checks/"


@pytest.fixture(autouse=True)
def empty_queues(app):
    runner().connection.flushall()


def _at(day: date, hour: int, minute: int = 0) -> None:
    moment = datetime.combine(day, time(hour, minute), tzinfo=timeutil.local_tz()).astimezone(UTC)
    timeutil.set_clock(lambda: moment)


def _signed_in(app: Flask, user: User):
    client = app.test_client()
    assert factories.login(client, user).status_code == 302
    return client


def _flashes(client) -> str:
    return client.get("/").text


def test_the_clerks_home_shows_the_check_bar_and_its_buttons_work(app, world):
    _at(MONDAY, 6, 35)
    clerk = _signed_in(app, world.school_a.clerk)
    home = clerk.get("/")
    assert home.status_code == 200
    for text in ("Lần kiểm tra gần nhất", "Chưa có lần kiểm tra nào.", "Kiểm tra ngay"):
        assert text in home.text
    assert "Đã kiểm tra" in home.text and "Chưa xác nhận" in home.text
    assert "Lần kiểm tra tiếp theo" in home.text and "11:00 ngày 06/04/2026" in home.text

    checked = clerk.post("/exchange/checks/now", data={"next": "/incoming/"})
    assert checked.status_code == 302 and checked.location.endswith("/incoming/")
    page = _flashes(clerk)
    assert "Đã kiểm tra văn bản đến: 0 văn bản mới." in page
    assert "0 văn bản mới" in page and "(kiểm tra ngay)" in page

    confirmed = clerk.post("/exchange/checks/confirm", data={"next": "/"})
    assert confirmed.status_code == 302
    page = _flashes(clerk)
    assert "Đã xác nhận kiểm tra văn bản lượt 06:30 ngày 06/04/2026: Đúng giờ." in page
    assert "Đã xác nhận 06:35" in page
    clerk.post("/exchange/checks/confirm")
    assert "đã được xác nhận trước đó" in _flashes(clerk)
    row = db.session.scalar(select(CheckRun).where(CheckRun.slot_time == time(6, 30)))
    assert row.confirmed_by_id == world.school_a.clerk.id

    _at(MONDAY, 5, 0)
    clerk.post("/exchange/checks/confirm")
    assert "Hiện không trong lượt kiểm tra nào" in _flashes(clerk)


def test_the_bar_buttons_are_for_clerks_and_never_redirect_elsewhere(app, world):
    _at(MONDAY, 9, 0)
    leader = _signed_in(app, world.school_a.leader)
    home = leader.get("/")
    assert "Kiểm tra ngay" not in home.text and "Theo dõi giờ kiểm tra văn bản đến" in home.text
    assert leader.post("/exchange/checks/now").status_code == 403
    assert leader.post("/exchange/checks/confirm").status_code == 403
    clerk = _signed_in(app, world.school_a.clerk)
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        response = clerk.post("/exchange/checks/now", data={"next": target})
        assert response.status_code == 302 and "evil" not in response.location
    manual = db.session.scalars(
        select(CheckRun).where(CheckRun.trigger == CheckTrigger.MANUAL.value)
    ).all()
    assert len(manual) == 3


def test_the_buttons_need_the_csrf_token(app, world):
    _at(MONDAY, 9, 0)
    clerk = _signed_in(app, world.school_a.clerk)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        home = clerk.get("/")
        token = re.search(r'name="csrf_token" value="([^"]+)"', home.text).group(1)
        assert clerk.post("/exchange/checks/now").status_code == 400
        ok = clerk.post("/exchange/checks/now", data={"csrf_token": token})
        assert ok.status_code == 302
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_the_district_board_has_the_grid_the_summary_and_the_chart(app, world):
    _at(MONDAY, 6, 40)
    _signed_in(app, world.school_a.clerk).post("/exchange/checks/confirm")
    _at(MONDAY, 17, 0)
    leader = _signed_in(app, world.district.leader)
    page = leader.get(BOARD + "?month=2026-04")
    assert page.status_code == 200
    for text in (
        "Tháng 04/2026",
        "Trường Tiểu học Lê Lợi",
        "Trường THCS Bạch Đằng",
        "Phòng Giáo dục và Đào tạo Quận Thử",
        "Đúng giờ",
        "Trễ",
        "Không kiểm tra",
        "Chưa đến giờ",
        "Chưa xác nhận",
        "<svg",
        "Tỷ lệ đúng giờ",
        'value="2026-04"',
        "In báo cáo (PDF)",
    ):
        assert text in page.text, text
    assert 'title="06:30 ngày 06/04/2026: Đúng giờ"' in page.text
    assert 'title="13:30 ngày 06/04/2026: Không kiểm tra"' in page.text
    # 1 on time of 15 decided slots for school A (1–3 April and Monday until 13:30).
    assert "6.7%" in page.text
    assert leader.get(BOARD + "?month=2026-05").status_code == 200
    bad = leader.get(BOARD + "?month=tháng-tư")
    assert bad.status_code == 302
    assert "Tháng phải theo dạng năm-tháng" in _flashes(leader)


def test_a_school_sees_its_own_row_only_and_staff_see_no_board(app, world):
    _at(MONDAY, 9, 0)
    school_leader = _signed_in(app, world.school_a.leader)
    page = school_leader.get(BOARD)
    assert page.status_code == 200
    assert "Trường Tiểu học Lê Lợi" in page.text and "Trường THCS Bạch Đằng" not in page.text
    other = world.school_b.org.id
    assert school_leader.get(f"/exchange/checks/org/{other}").status_code == 404
    own = school_leader.get(f"/exchange/checks/org/{world.school_a.org.id}?month=2026-04")
    assert own.status_code == 200 and "06:30 ngày 06/04/2026" in own.text
    assert _signed_in(app, world.school_a.staff).get(BOARD).status_code == 403
    assert _signed_in(app, world.school_a.staff).get(BOARD + "board.pdf").status_code == 403
    pdf = school_leader.get(BOARD + "board.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF-")


def test_the_admin_sets_the_check_times(app, world):
    admin = _signed_in(app, world.district.admin)
    page = admin.get("/exchange/checks/settings")
    assert page.status_code == 200
    assert 'value="06:30, 11:00, 13:30, 16:30"' in page.text
    assert "Theo mặc định của hệ thống" in page.text
    assert "Giờ kiểm tra văn bản" in admin.get("/").text  # the admin menu entry

    refused = admin.post(
        "/exchange/checks/settings",
        data={
            "check_times": "06:30, 06:45",
            "weekdays": ["0", "1"],
            "window_minutes": "30",
            "reminder_minutes": "10",
        },
    )
    assert refused.status_code == 422
    assert "phải cách nhau ít nhất 30 phút" in refused.text
    assert db.session.get(CheckSettings, world.district.org.id) is None

    saved = admin.post(
        "/exchange/checks/settings",
        data={
            "check_times": "7:00, 16h00",
            "weekdays": ["0", "1", "2", "3", "4", "5"],
            "window_minutes": "45",
            "reminder_minutes": "15",
        },
    )
    assert saved.status_code == 302
    page = admin.get("/exchange/checks/settings")
    assert "Đã lưu giờ kiểm tra văn bản." in page.text
    assert 'value="07:00, 16:00"' in page.text and "Thiết lập riêng của cơ quan" in page.text
    db.session.expire_all()
    row = db.session.get(CheckSettings, world.district.org.id)
    assert (row.check_times, row.working_weekdays, row.window_minutes) == (
        "07:00,16:00",
        "0,1,2,3,4,5",
        45,
    )
    school_page = _signed_in(app, world.school_a.admin).get("/exchange/checks/settings")
    assert "Theo thiết lập của Phòng Giáo dục và Đào tạo" in school_page.text
    assert 'value="07:00, 16:00"' in school_page.text
    assert _signed_in(app, world.school_a.clerk).get("/exchange/checks/settings").status_code == 403
