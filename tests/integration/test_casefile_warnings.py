"""The 30-day warning before a file is due at the office archive: due dates across year
ends, once per date in force whatever the number of scheduler ticks or processes, by
e-mail through a real SMTP server, and again for a kept-back file against its new date."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import select

from eoffice.casefiles import files, handover
from eoffice.casefiles.models import CaseFile
from eoffice.casefiles.warnings import send_handover_warnings
from eoffice.core import timeutil
from eoffice.extensions import db
from eoffice.jobs.clock import Clock
from eoffice.jobs.connection import runner
from eoffice.notifications.models import Notification, NotificationKind
from eoffice.orgs import people
from tests.casefile_support import file_outside_list, handled_incoming
from tests.directive_support import local_moment, moment

SUBJECT = "[eoffice] Hồ sơ "


@pytest.fixture
def app_config(app_config, smtp):
    _collector, port = smtp
    return {**app_config, "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port}


@pytest.fixture(autouse=True)
def empty_queues(app):
    runner().connection.flushall()


def _closed_file(school, closed_on: date, title: str, notation: str) -> CaseFile:
    """A file kept 10 years, one document, closed by its keeper on `closed_on`."""
    with moment(closed_on):
        doc = handled_incoming(school, subject=title, document_date=closed_on)
        case_file = file_outside_list(school, title, notation=notation)
        files.add_documents(school.staff, case_file.id, incoming_ids=[doc.id])
        return files.close_file(school.staff, case_file.id, "10")


def _tick(clock: Clock, day: date, hour: int = 8) -> int | None:
    """One scheduler tick at `day` `hour` office time; the files the warning part claimed
    (None when the part did not run)."""
    now = timeutil.to_utc(local_moment(day, hour))
    timeutil.set_clock(lambda: now)
    try:
        result = clock.tick(now)
    finally:
        timeutil.set_clock(None)
    assert "handover_warnings" not in result.failed
    return result.parts.get("handover_warnings")


def _ours(outbox) -> list:
    return [m for m in outbox.messages if m["Subject"].startswith(SUBJECT)]


@pytest.fixture
def two_files(world):
    school = world.school_a
    december = _closed_file(school, date(2026, 12, 20), "Hồ sơ tuyển sinh lớp Một", "TS")
    january = _closed_file(school, date(2027, 1, 10), "Hồ sơ kiểm định chất lượng", "KĐ")
    return school, december, january


def test_due_dates_and_warning_days_cross_year_ends(two_files):
    _school, december, january = two_files
    assert (december.handover_due, december.warn_from) == (date(2027, 12, 20), date(2027, 11, 20))
    assert (january.handover_due, january.warn_from) == (date(2028, 1, 10), date(2027, 12, 11))
    assert december.retention_expires == date(2036, 12, 31)
    assert january.retention_expires == date(2037, 12, 31)


def test_each_file_is_warned_once_on_its_day_by_mail(two_files, world, outbox):
    school, december, january = two_files
    clock = Clock()
    assert _tick(clock, date(2027, 11, 19)) == 0  # the day before: nothing
    assert _tick(Clock(), date(2027, 11, 20), 6) is None  # before the reminders' hour
    assert _tick(clock, date(2027, 11, 20)) == 1
    assert _tick(clock, date(2027, 11, 20), 15) is None  # the same process: once a day
    assert _tick(Clock(), date(2027, 11, 20), 9) == 0  # another process: already claimed
    assert _tick(clock, date(2027, 11, 21)) == 0
    runner().work_burst()
    mails = _ours(outbox)
    assert {m["X-Envelope-To"] for m in mails} == {school.clerk.email, school.staff.email}
    assert len(mails) == 2
    code = december.code
    assert all(m["Subject"] == f"{SUBJECT}{code} sắp đến hạn nộp lưu (20/12/2027)" for m in mails)
    assert (
        "Hồ sơ tuyển sinh lớp Một (hạn 20/12/2027)" in mails[0].get_body(("plain",)).get_content()
    )
    assert world.school_a.leader.email not in {m["X-Envelope-To"] for m in mails}

    outbox.messages.clear()
    assert _tick(clock, date(2027, 12, 11)) == 1  # the January file, warned in December
    runner().work_burst()
    assert {m["Subject"] for m in _ours(outbox)} == {
        f"{SUBJECT}{january.code} sắp đến hạn nộp lưu (10/01/2028)"
    }
    db.session.expire_all()
    assert db.session.get(CaseFile, december.id).warned_on == date(2027, 11, 20)
    assert db.session.get(CaseFile, january.id).warned_on == date(2027, 12, 11)
    notices = db.session.scalars(
        select(Notification).where(
            Notification.kind == NotificationKind.CASEFILE_HANDOVER_DUE.value
        )
    ).all()
    assert len(notices) == 4
    assert {n.link for n in notices if n.user_id == school.clerk.id} == {"/archive/"}
    assert (
        "Hồ sơ được báo sắp đến hạn nộp lưu: 0."
        in clock.tick(timeutil.to_utc(local_moment(date(2027, 12, 12), 8))).summary()
    )


def test_a_kept_back_file_is_warned_again_against_its_new_date(two_files, outbox):
    school, december, january = two_files
    clock = Clock()
    assert _tick(clock, date(2027, 11, 20)) == 1
    with moment(date(2027, 11, 25)):
        handover.keep_back(school.leader, december.id, date(2028, 3, 31), "Còn dùng cho kiểm tra")
    assert db.session.get(CaseFile, december.id).warned_on is None
    # Handed over before its warning day: an archived file is never warned.
    with moment(date(2027, 11, 26)):
        handover.hand_over(
            school.clerk, [january.id], school.clerk.id, delivered_by_id=school.staff.id
        )
    assert _tick(clock, date(2027, 12, 11)) == 0
    runner().work_burst()
    outbox.messages.clear()
    assert _tick(clock, date(2028, 2, 29)) == 0  # a leap day, 31 days before
    assert _tick(clock, date(2028, 3, 1)) == 1
    runner().work_burst()
    assert {m["Subject"] for m in _ours(outbox)} == {
        f"{SUBJECT}{december.code} sắp đến hạn nộp lưu (31/03/2028)"
    }


def test_two_overlapping_runs_claim_each_file_once(app, two_files):
    now = timeutil.to_utc(local_moment(date(2027, 12, 15), 8))
    start = threading.Barrier(2)
    counts: list[int] = []
    errors: list[BaseException] = []

    def run() -> None:
        with app.app_context():
            try:
                start.wait(timeout=30)
                counts.append(send_handover_warnings(now))
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
    assert sorted(counts) == [0, 2]
    told = db.session.scalars(
        select(Notification.user_id).where(
            Notification.kind == NotificationKind.CASEFILE_HANDOVER_DUE.value
        )
    ).all()
    assert len(told) == 2  # one notice for the clerk, one for the keeper, listing both


def test_a_keeper_who_left_or_moved_is_not_warned(two_files, world):
    """The clerks are told of every file; a keeper no longer active, or now of another
    office, is not (finding 11)."""
    school, *_files = two_files
    people.set_user_active(school.admin, school.staff.id, False)
    assert _tick(Clock(), date(2027, 11, 20)) == 1
    moved = db.session.get(type(school.staff), school.staff.id)
    moved.is_active_account = True
    moved.org_id = world.school_b.org.id  # moved to another school (no service for it)
    db.session.commit()
    assert _tick(Clock(), date(2027, 12, 11)) == 1
    told = db.session.scalars(
        select(Notification.user_id).where(
            Notification.kind == NotificationKind.CASEFILE_HANDOVER_DUE.value
        )
    ).all()
    assert sorted(told) == [school.clerk.id, school.clerk.id]
