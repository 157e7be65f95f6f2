"""Notifications: in-app rows and the bell, e-mails delivered to a real SMTP server.

The SMTP server is aiosmtpd, started by the test on loopback; the e-mails go through
the same queued job the application runs (the embedded queue, and once a real Redis
worker), so what is checked is what a person would receive.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from email.message import EmailMessage

import pytest
from sqlalchemy import select

from eoffice.core import timeutil
from eoffice.extensions import db
from eoffice.incoming import processing
from eoffice.incoming.processing import Party
from eoffice.jobs.connection import runner
from eoffice.notifications import services
from eoffice.notifications.mail import send_notification_email
from eoffice.notifications.models import Notification, NotificationKind
from eoffice.notifications.reminders import send_deadline_reminders
from eoffice.orgs.models import User
from tests import factories
from tests.smtp import free_port as _free_port

PUBLIC_URL = "https://vanban.example.edu.vn"


@pytest.fixture
def app_config(app_config, smtp):
    _collector, port = smtp
    return {
        **app_config,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": port,
        "PUBLIC_URL": PUBLIC_URL,
    }


@pytest.fixture(autouse=True)
def empty_queues(app):
    runner().connection.flushall()


def _text(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def _html(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


def _presented(school, **overrides):
    doc = factories.register(school.clerk, **overrides)
    return processing.present(school.clerk, doc.id, presented_to=school.leader.id)


def _rows(user: User, kind: str | None = None) -> list[Notification]:
    query = select(Notification).where(Notification.user_id == user.id)
    if kind:
        query = query.where(Notification.kind == kind)
    return list(db.session.scalars(query.order_by(Notification.id)))


def test_assigning_emails_the_lead_and_the_coordinator_with_the_document_link(world, outbox):
    school = world.school_a
    doc = _presented(school)
    processing.assign(
        school.leader,
        doc.id,
        Party(user_id=school.staff.id),
        coordinators=[Party(user_id=school.admin.id)],
        informed=[Party(user_id=school.clerk.id)],
        deadline=date(2099, 12, 31),
    )

    high = runner().queues["high"]
    jobs = high.get_jobs()
    assert len(jobs) == 2  # the lead and the coordinator; not the informed, not the leader
    assert all(job.func_name == services.EMAIL_TASK for job in jobs)
    assert jobs[0].retries_left == 3 and jobs[0].retry_intervals == [10, 60, 300]
    assert outbox.messages == []  # nothing is sent in the request

    runner().work_burst()

    [to_lead] = outbox.to(school.staff.email)
    assert to_lead["Subject"] == "[eoffice] Bạn được phân công chủ trì xử lý văn bản 3337/GDĐT-TTTT"
    assert school.staff.full_name in to_lead["To"]
    link = f"{PUBLIC_URL}/incoming/{doc.id}"
    assert link in _text(to_lead)
    assert f'href="{link}"' in _html(to_lead)
    assert "Hạn xử lý: 31/12/2099" in _text(to_lead)
    [to_coordinator] = outbox.to(school.admin.email)
    assert "phối hợp xử lý" in to_coordinator["Subject"]
    assert outbox.to(school.clerk.email) == [] and outbox.to(school.leader.email) == []

    [row] = _rows(school.staff, NotificationKind.ASSIGNED)
    assert row.sent_at is not None and row.in_app and row.read_at is None
    assert send_notification_email(row.id) is False  # a retried job sends nothing twice
    assert len(outbox.messages) == 2


def test_a_unit_lead_notifies_every_active_member(world, outbox):
    school = world.school_a
    doc = _presented(school)
    processing.assign(school.leader, doc.id, Party(unit_id=school.unit.id))
    runner().work_burst()
    # clerk, staff and admin are members of the unit
    assert {m["X-Envelope-To"] for m in outbox.messages} == {
        school.clerk.email,
        school.staff.email,
        school.admin.email,
    }


def test_reassigning_notifies_the_new_lead(world, outbox):
    school = world.school_a
    doc = _presented(school)
    processing.assign(school.leader, doc.id, Party(user_id=school.staff.id))
    processing.reassign(
        school.leader, doc.id, Party(user_id=school.admin.id), reason="Đổi người chủ trì."
    )
    runner().work_burst()
    assert len(outbox.to(school.staff.email)) == 1
    [to_new_lead] = outbox.to(school.admin.email)
    assert "chủ trì xử lý" in to_new_lead["Subject"]


def test_email_switched_off_keeps_the_in_app_notification(world, outbox):
    school = world.school_a
    services.save_preferences(school.staff, {"assigned": (True, False)})
    services.save_preferences(school.admin, {"assigned": (False, True)})
    doc = _presented(school)
    processing.assign(
        school.leader,
        doc.id,
        Party(user_id=school.staff.id),
        coordinators=[Party(user_id=school.admin.id)],
    )
    assert runner().queues["high"].count == 1  # only the coordinator's e-mail
    runner().work_burst()

    assert outbox.to(school.staff.email) == []
    [row] = _rows(school.staff, NotificationKind.ASSIGNED)
    assert row.in_app and row.sent_at is None
    assert services.unread_count(school.staff) == 1

    # E-mail only: delivered, but not in the list nor in the bell.
    assert len(outbox.to(school.admin.email)) == 1
    assert services.list_for(school.admin) == []
    assert services.unread_count(school.admin) == 0


def test_urgent_arrival_cannot_be_switched_off(world, outbox, client):
    school = world.school_a
    deputy = factories.make_user(
        school.org, "phohieutruong@thleloi.hcm.edu.vn", ["deputy"], "Võ Phó Hiệu Trưởng"
    )
    db.session.commit()
    factories.login(client, school.leader)
    # Every box unticked, as a browser sends it (disabled boxes are never submitted).
    assert client.post("/notifications/preferences", data={}).status_code == 302
    page = client.get("/notifications").get_data(as_text=True)
    assert re.search(r'name="urgent_arrived-email"[^>]*checked[^>]*disabled', page)
    assert not re.search(r'name="assigned-email"[^>]*checked', page)

    factories.register(school.clerk, urgency_code="normal", symbol="1/SGDĐT-VP")
    assert runner().queues["high"].count == 0
    doc = factories.register(school.clerk, urgency_code="flash", symbol="2/SGDĐT-VP")
    runner().work_burst()

    for person in (school.leader, deputy):
        [message] = outbox.to(person.email)
        assert message["Subject"] == "[eoffice] Văn bản hỏa tốc vừa đến: 2/SGDĐT-VP"
        assert f"{PUBLIC_URL}/incoming/{doc.id}" in _text(message)
    assert services.unread_count(school.leader) == 1
    # Nobody else in the school, and nobody in another organisation.
    assert len(outbox.messages) == 2
    assert _rows(world.school_b.leader) == []


def test_returning_to_the_clerk_tells_the_clerk_why(world, outbox):
    school = world.school_a
    doc = _presented(school)
    processing.return_to_clerk(school.leader, doc.id, "Thiếu phụ lục kèm theo.")
    runner().work_burst()
    [message] = outbox.to(school.clerk.email)
    assert message["Subject"] == "[eoffice] Văn bản 3337/GDĐT-TTTT bị trả lại văn thư"
    assert "Lý do: Thiếu phụ lục kèm theo." in _text(message)


def test_the_bell_counts_unread_and_marking_read_clears_it(world, client):
    school = world.school_a
    for n in (1, 2):
        doc = _presented(school, symbol=f"{n}/SGDĐT-VP")
        processing.assign(school.leader, doc.id, Party(user_id=school.staff.id))
    factories.login(client, school.staff)

    page = client.get("/notifications").get_data(as_text=True)
    assert 'data-unread="2"' in page
    assert "Bạn được phân công chủ trì xử lý văn bản 2/SGDĐT-VP" in page
    assert page.index("2/SGDĐT-VP") < page.index("1/SGDĐT-VP")  # newest first

    first, second = _rows(school.staff)
    response = client.post(f"/notifications/{first.id}/read", data={"open": "1"})
    assert response.headers["Location"].endswith(f"/incoming/{first.document_id}")
    assert 'data-unread="1"' in client.get("/notifications").get_data(as_text=True)

    # Somebody else's notification does not exist for this user.
    client.post("/logout")
    factories.login(client, school.admin)
    assert client.post(f"/notifications/{second.id}/read").status_code == 404
    client.post("/logout")
    factories.login(client, school.staff)

    assert client.post("/notifications/read-all").status_code == 302
    page = client.get("/notifications").get_data(as_text=True)
    assert "data-unread" not in page
    db.session.expire_all()
    assert all(row.read_at is not None for row in _rows(school.staff))


def _at(year: int, month: int, day: int, hour: int = 9) -> datetime:
    """A local office time, as the clock of the application."""
    moment = datetime(year, month, day, hour, tzinfo=timeutil.local_tz()).astimezone(UTC)
    timeutil.set_clock(lambda: moment)
    return moment


def test_deadline_reminders_are_sent_once_a_day(world, outbox, app):
    school = world.school_a
    _at(2026, 11, 30)  # Monday
    due_thursday = _presented(school, symbol="1/SGDĐT-VP")
    processing.assign(
        school.leader, due_thursday.id, Party(user_id=school.staff.id), deadline=date(2026, 12, 3)
    )
    due_monday = _presented(school, symbol="2/SGDĐT-VP")
    processing.assign(
        school.leader, due_monday.id, Party(user_id=school.admin.id), deadline=date(2026, 12, 7)
    )
    runner().work_burst()
    outbox.messages.clear()

    wednesday = _at(2026, 12, 2)
    assert send_deadline_reminders(wednesday) == 1
    assert send_deadline_reminders(wednesday) == 0  # a second run the same day: nothing
    runner().work_burst()
    [message] = outbox.messages
    assert message["X-Envelope-To"] == school.staff.email
    assert message["Subject"] == "[eoffice] Văn bản 1/SGDĐT-VP sắp đến hạn xử lý (03/12/2026)"

    # Friday: the first is overdue, the second is due on the next working day (Monday).
    outbox.messages.clear()
    friday = _at(2026, 12, 4)
    result = app.test_cli_runner().invoke(args=["send-reminders"])
    assert "Đã tạo 2 thông báo nhắc hạn xử lý." in result.output
    assert send_deadline_reminders(friday) == 0
    runner().work_burst()
    assert [m["Subject"] for m in outbox.to(school.staff.email)] == [
        "[eoffice] Văn bản 1/SGDĐT-VP đã quá hạn xử lý (03/12/2026)"
    ]
    assert [m["Subject"] for m in outbox.to(school.admin.email)] == [
        "[eoffice] Văn bản 2/SGDĐT-VP sắp đến hạn xử lý (07/12/2026)"
    ]

    # Saturday is a day off; the next Monday the first is told again (once).
    assert send_deadline_reminders(_at(2026, 12, 5)) == 0
    monday = _at(2026, 12, 7)
    assert send_deadline_reminders(monday) == 1  # overdue 1/…; 2/… is due today
    assert len(_rows(school.staff, NotificationKind.OVERDUE)) == 2

    # Completed work is not chased.
    processing.start(school.staff, due_thursday.id)
    processing.complete(school.staff, due_thursday.id, "Đã báo cáo.")
    assert send_deadline_reminders(_at(2026, 12, 8)) == 1  # only 2/…, overdue since Monday
    assert len(_rows(school.staff, NotificationKind.OVERDUE)) == 2
    assert len(_rows(school.admin, NotificationKind.OVERDUE)) == 1


def test_a_failing_smtp_server_leaves_the_job_to_rqs_retry(world, smtp, app):
    outbox, port = smtp
    school = world.school_a
    app.config["MAIL_PORT"] = _free_port()  # nobody listens there
    doc = _presented(school)
    processing.assign(school.leader, doc.id, Party(user_id=school.staff.id))
    jobs = runner()
    jobs.work_burst()
    [row] = _rows(school.staff)
    db.session.refresh(row)
    assert row.sent_at is None
    queue = jobs.queues["high"]
    [job_id] = queue.scheduled_job_registry.get_job_ids()
    assert queue.fetch_job(job_id).retries_left == 2

    app.config["MAIL_PORT"] = port  # the server is back: the retry delivers
    assert send_notification_email(row.id) is True
    assert len(outbox.to(school.staff.email)) == 1


@pytest.mark.redis
def test_a_real_redis_worker_delivers_to_the_smtp_server(app, app_config, world, redis_url, outbox):
    import redis as redis_lib
    from rq import Queue, SimpleWorker

    from eoffice import create_app

    school = world.school_a
    doc = _presented(school)
    ids = (school.leader.id, school.staff.id, doc.id)
    redis_lib.Redis.from_url(redis_url).flushdb()
    redis_app = create_app({**app_config, "REDIS_URL": redis_url})
    with redis_app.app_context():
        leader, staff = db.session.get(User, ids[0]), db.session.get(User, ids[1])
        processing.assign(leader, ids[2], Party(user_id=staff.id))
        jobs = runner()
        assert not jobs.embedded
        assert Queue("high", connection=jobs.connection).count == 1
        SimpleWorker(list(jobs.queues.values()), connection=jobs.connection).work(burst=True)
        assert Queue("high", connection=jobs.connection).count == 0
        [message] = outbox.to(staff.email)
        assert "Bạn được phân công chủ trì xử lý văn bản" in message["Subject"]
        assert f"{PUBLIC_URL}/incoming/{ids[2]}" in _text(message)
        db.session.remove()
        db.engine.dispose()
