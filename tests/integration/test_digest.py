"""The daily digest: once per working day per user, at the office time they chose.

E-mails go through the queued job to a real SMTP server (aiosmtpd on loopback), the
clock of the application is set to the moment under test, and holidays come from the
office calendar an administrator edits.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

import pytest
from sqlalchemy import select

from eoffice.catalog import calendar
from eoffice.catalog.calendar import HolidayData
from eoffice.catalog.models import HolidayKind
from eoffice.core import timeutil
from eoffice.extensions import db
from eoffice.incoming import processing
from eoffice.incoming.models import IncomingDocument
from eoffice.incoming.processing import Party
from eoffice.jobs.connection import runner
from eoffice.notifications.digest import (
    BAD_TIME,
    DIGEST_TASK,
    DigestChoice,
    digest_choice,
    save_digest_choice,
    send_digest,
    send_due_digests,
)
from eoffice.notifications.models import DigestSetting
from eoffice.orgs.models import User
from tests import factories
from tests.smtp import free_port, html_of, text_of

PUBLIC_URL = "https://vanban.example.edu.vn"
TUESDAY = date(2026, 12, 1)


@pytest.fixture
def app_config(app_config, smtp):
    _collector, port = smtp
    return {**app_config, "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port, "PUBLIC_URL": PUBLIC_URL}


@pytest.fixture(autouse=True)
def empty_queues(app):
    runner().connection.flushall()


def _at(year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    """A local office time, set as the clock of the application."""
    moment = datetime(year, month, day, hour, minute, tzinfo=timeutil.local_tz()).astimezone(UTC)
    timeutil.set_clock(lambda: moment)
    return moment


def _utc(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """A UTC instant, set as the clock of the application."""
    moment = datetime(year, month, day, hour, minute, tzinfo=UTC)
    timeutil.set_clock(lambda: moment)
    return moment


@dataclass
class Work:
    assigned: IncomingDocument  # the staff member leads it, due 03/12/2026
    to_assign: IncomingDocument  # presented to the leader, not yet assigned
    to_present: IncomingDocument  # still with the clerk


def _work(world, on: date = date(2026, 11, 30)) -> Work:
    """School A on a working day: something for its clerk, leader and staff member.

    Its admin, the district and school B have nothing to do and nothing unread.
    """
    school = world.school_a
    _at(on.year, on.month, on.day)
    assigned = factories.register(school.clerk, symbol="1/SGDĐT-VP", subject="Kế hoạch thi đua")
    processing.present(school.clerk, assigned.id, presented_to=school.leader.id)
    processing.assign(
        school.leader, assigned.id, Party(user_id=school.staff.id), deadline=date(2026, 12, 3)
    )
    to_assign = factories.register(school.clerk, symbol="2/SGDĐT-VP", subject="Lịch họp tháng")
    processing.present(school.clerk, to_assign.id, presented_to=school.leader.id)
    to_present = factories.register(school.clerk, symbol="3/SGDĐT-VP", subject="Báo cáo số liệu")
    runner().work_burst()  # the assignment's own e-mail, not what is tested here
    return Work(assigned, to_assign, to_present)


def _setting(user: User) -> DigestSetting:
    db.session.expire_all()
    setting = db.session.get(DigestSetting, user.id)
    assert setting is not None
    return setting


def _active_users() -> int:
    return len(db.session.scalars(select(User.id).where(User.is_active_account.is_(True))).all())


def test_the_digest_goes_out_after_the_chosen_time_and_not_before(world, outbox):
    school = world.school_a
    work = _work(world)
    save_digest_choice(school.staff, True, "07:30")
    outbox.messages.clear()

    assert send_due_digests(_at(2026, 12, 1, 6, 59)) == 0
    # 07:00: every active user but the one who chose 07:30 has their day claimed.
    assert send_due_digests(_at(2026, 12, 1, 7, 0)) == _active_users() - 1
    jobs = runner().queues["high"].get_jobs()
    assert {job.func_name for job in jobs} == {DIGEST_TASK}
    assert jobs[0].retries_left == 3 and jobs[0].retry_intervals == [10, 60, 300]
    runner().work_burst()
    assert {m["X-Envelope-To"] for m in outbox.messages} == {
        school.clerk.email,
        school.leader.email,
    }

    assert send_due_digests(_at(2026, 12, 1, 7, 29)) == 0
    assert send_due_digests(_at(2026, 12, 1, 7, 30)) == 1
    runner().work_burst()
    [message] = outbox.to(school.staff.email)
    assert message["Subject"] == "[eoffice] Tóm tắt công việc ngày 01/12/2026"
    assert school.staff.full_name in message["To"]
    text, html = text_of(message), html_of(message)
    link = f"{PUBLIC_URL}/incoming/{work.assigned.id}"
    assert link in text and f'href="{link}"' in html
    assert f"Số đến {work.assigned.arrival_number} · 1/SGDĐT-VP" in text
    assert "Kế hoạch thi đua" in text and "Hạn xử lý: 03/12/2026" in text
    assert "Bạn có 1 thông báo chưa đọc" in text  # the assignment
    assert f'href="{PUBLIC_URL}/"' in html
    # Only the staff member's own work: nothing of what waits for the clerk or the leader.
    assert "Lịch họp tháng" not in text and "Báo cáo số liệu" not in text

    [to_leader] = outbox.to(school.leader.email)
    leader_text = text_of(to_leader)
    assert "Lịch họp tháng" in leader_text
    assert f"{PUBLIC_URL}/incoming/{work.to_assign.id}" in leader_text
    assert f"{PUBLIC_URL}/incoming?waiting=assign" in leader_text
    [to_clerk] = outbox.to(school.clerk.email)
    assert f"{PUBLIC_URL}/incoming/{work.to_present.id}" in text_of(to_clerk)


def test_a_day_is_sent_once_however_often_it_runs(world, outbox):
    school = world.school_a
    _work(world)
    outbox.messages.clear()

    tuesday = _at(2026, 12, 1, 8)
    assert send_due_digests(tuesday) == _active_users()
    assert send_due_digests(_at(2026, 12, 1, 8, 10)) == 0
    runner().work_burst()
    assert len(outbox.to(school.staff.email)) == 1
    # The job run again (an RQ retry, a duplicate) sends nothing either.
    assert send_digest(school.staff.id, TUESDAY) is False
    assert len(outbox.to(school.staff.email)) == 1
    assert _setting(school.staff).delivered_day == TUESDAY

    # The next working day is a new day.
    assert send_due_digests(_at(2026, 12, 2, 8)) == _active_users()
    runner().work_burst()
    assert [m["Subject"] for m in outbox.to(school.staff.email)] == [
        "[eoffice] Tóm tắt công việc ngày 01/12/2026",
        "[eoffice] Tóm tắt công việc ngày 02/12/2026",
    ]
    # A job left over from an earlier day sends nothing once a later day was claimed.
    assert send_digest(school.staff.id, TUESDAY) is False


def test_two_overlapping_runs_claim_each_user_once(app, world, outbox):
    _work(world)
    outbox.messages.clear()
    moment = _at(2026, 12, 1, 8)
    start = threading.Barrier(2)
    counts: list[int] = []
    errors: list[BaseException] = []

    def run() -> None:
        with app.app_context():
            try:
                start.wait(timeout=30)
                counts.append(send_due_digests(moment))
            except BaseException as exc:  # reported below, never swallowed
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert sum(counts) == _active_users()
    assert runner().queues["high"].count == _active_users()
    runner().work_burst()
    assert len(outbox.to(world.school_a.staff.email)) == 1


def test_no_digest_on_saturday_nor_on_a_configured_holiday(world, outbox):
    school = world.school_a
    _work(world)
    outbox.messages.clear()
    calendar.add_day(world.district.admin, HolidayData(day=date(2026, 12, 2), name="Nghỉ thử"))
    calendar.add_day(
        world.district.admin,
        HolidayData(day=date(2026, 12, 12), name="Làm bù", kind=HolidayKind.WORKING_DAY),
    )

    assert send_due_digests(_at(2026, 12, 2, 9)) == 0  # Wednesday, a holiday
    assert send_due_digests(_at(2026, 12, 5, 9)) == 0  # Saturday
    assert send_due_digests(_at(2026, 12, 6, 9)) == 0  # Sunday
    runner().work_burst()
    assert outbox.messages == []
    assert db.session.get(DigestSetting, school.staff.id) is None  # nothing was even claimed

    # A Saturday worked in compensation is a working day.
    assert send_due_digests(_at(2026, 12, 12, 9)) == _active_users()
    runner().work_burst()
    [message] = outbox.to(school.staff.email)
    assert message["Subject"] == "[eoffice] Tóm tắt công việc ngày 12/12/2026"


def test_a_user_who_switched_it_off_gets_none(world, outbox):
    school = world.school_a
    _work(world)
    save_digest_choice(school.staff, False, "07:00")
    outbox.messages.clear()

    assert send_due_digests(_at(2026, 12, 1, 9)) == _active_users() - 1
    runner().work_burst()
    assert outbox.to(school.staff.email) == []
    assert len(outbox.to(school.leader.email)) == 1
    assert _setting(school.staff).last_sent_day is None


def test_nothing_to_report_sends_nothing_but_the_day_is_done(world, outbox):
    quiet = world.school_b.admin
    _work(world)
    outbox.messages.clear()

    send_due_digests(_at(2026, 12, 1, 9))
    runner().work_burst()
    assert outbox.to(quiet.email) == []
    assert outbox.to(world.school_a.admin.email) == []
    setting = _setting(quiet)
    assert setting.last_sent_day == TUESDAY and setting.delivered_day is None
    # Later runs that day do not look at them again.
    assert send_due_digests(_at(2026, 12, 1, 15)) == 0


def test_office_dates_decide_not_utc_dates(world, outbox):
    school = world.school_a
    _work(world, on=date(2026, 11, 27))  # Friday
    save_digest_choice(school.staff, True, "06:30")
    outbox.messages.clear()

    # Friday 23:30 UTC is Saturday 06:30 in the office: a day off.
    assert send_due_digests(_utc(2026, 11, 27, 23, 30)) == 0
    # Sunday 23:00 UTC is Monday 06:00 in the office: too early; 23:30 is 06:30.
    assert send_due_digests(_utc(2026, 11, 29, 23, 0)) == 0
    assert send_due_digests(_utc(2026, 11, 29, 23, 30)) == 1
    runner().work_burst()
    [message] = outbox.to(school.staff.email)
    assert message["Subject"] == "[eoffice] Tóm tắt công việc ngày 30/11/2026"
    assert _setting(school.staff).last_sent_day == date(2026, 11, 30)


def test_no_digest_while_email_is_switched_off(app, world, outbox):
    _work(world)
    app.config["NOTIFICATION_EMAIL_ENABLED"] = False
    assert send_due_digests(_at(2026, 12, 1, 9)) == 0
    assert runner().queues["high"].count == 0
    assert db.session.scalars(select(DigestSetting)).all() == []


def test_a_claim_is_given_back_when_the_queue_is_down(app_config, world, outbox):
    from eoffice import create_app

    _work(world)
    outbox.messages.clear()
    staff_id = world.school_a.staff.id
    moment = _at(2026, 12, 1, 9)
    down = create_app({**app_config, "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"})
    with down.app_context():
        assert send_due_digests(moment) == 0
        claimed = db.session.scalars(select(DigestSetting.last_sent_day)).all()
        assert claimed and set(claimed) == {None}
        assert db.session.get(DigestSetting, staff_id).last_sent_day is None
        db.session.remove()
        db.engine.dispose()
    # The next run, with the queue back, sends it.
    assert send_due_digests(moment) == _active_users()
    runner().work_burst()
    assert len(outbox.to(world.school_a.staff.email)) == 1


def test_the_command_sends_the_digests_that_are_due(app, world, outbox):
    _work(world)
    outbox.messages.clear()
    _at(2026, 12, 1, 7, 5)
    result = app.test_cli_runner().invoke(args=["send-digests"])
    assert result.exit_code == 0, result.output
    assert f"Đã xếp {_active_users()} thư tóm tắt công việc vào hàng đợi gửi." in result.output
    # Without Redis the command works its own queue off before it exits.
    assert len(outbox.to(world.school_a.staff.email)) == 1
    result = app.test_cli_runner().invoke(args=["send-digests"])
    assert "Đã xếp 0 thư tóm tắt" in result.output


def test_the_preferences_form_saves_the_digest_time_and_refuses_a_bad_one(world, client):
    staff = world.school_a.staff
    factories.login(client, staff)
    page = client.get("/notifications").get_data(as_text=True)
    assert re.search(r'name="digest-enabled"[^>]*checked', page)
    assert '<option value="07:00" selected>' in page

    form = {"assigned-in_app": "on", "digest-enabled": "on", "digest-time": "16:30"}
    assert client.post("/notifications/preferences", data=form).status_code == 302
    db.session.expire_all()
    assert digest_choice(staff).send_time == time(16, 30)
    assert '<option value="16:30" selected>' in client.get("/notifications").get_data(as_text=True)

    # A form without the digest's fields (a page opened before they existed) keeps it.
    kept = {"assigned-in_app": "on"}
    assert client.post("/notifications/preferences", data=kept).status_code == 302
    db.session.expire_all()
    assert digest_choice(staff) == DigestChoice(True, time(16, 30))

    for bad in ("16:15", "04:30", "20:30", "25:00", "bảy giờ", ""):
        refused = client.post(
            "/notifications/preferences",
            data={"digest-enabled": "on", "digest-time": bad},  # every kind unticked
        )
        assert refused.status_code == 422, bad
        page = refused.get_data(as_text=True)
        assert BAD_TIME in page and 'aria-invalid="true"' in page
    db.session.expire_all()
    assert digest_choice(staff).send_time == time(16, 30)
    page = client.get("/notifications").get_data(as_text=True)
    # The refused form changed nothing, not even the other choices sent with it.
    assert re.search(r'name="assigned-in_app"[^>]*checked', page)

    assert client.post("/notifications/preferences", data={"digest-time": "05:00"}).status_code == (
        302
    )
    db.session.expire_all()
    assert digest_choice(staff).enabled is False
    assert digest_choice(staff).send_time == time(5, 0)


@pytest.mark.redis
def test_a_real_redis_worker_delivers_the_digest(app, app_config, world, redis_url, outbox):
    import redis as redis_lib
    from rq import Queue, SimpleWorker

    from eoffice import create_app

    work = _work(world)
    staff_id = world.school_a.staff.id
    outbox.messages.clear()
    moment = _at(2026, 12, 1, 9)
    redis_lib.Redis.from_url(redis_url).flushdb()
    redis_app = create_app({**app_config, "REDIS_URL": redis_url})
    with redis_app.app_context():
        jobs = runner()
        assert not jobs.embedded
        assert send_due_digests(moment) == _active_users()
        assert Queue("high", connection=jobs.connection).count == _active_users()
        SimpleWorker(list(jobs.queues.values()), connection=jobs.connection).work(burst=True)
        assert Queue("high", connection=jobs.connection).count == 0
        staff = db.session.get(User, staff_id)
        [message] = outbox.to(staff.email)
        assert message["Subject"] == "[eoffice] Tóm tắt công việc ngày 01/12/2026"
        assert f"{PUBLIC_URL}/incoming/{work.assigned.id}" in text_of(message)
        db.session.remove()
        db.engine.dispose()
