"""The four daily check times on the database: the scheduler runs each slot at its local
time, catches up after downtime, never runs a slot twice (two ticks, two concurrent
claims on PostgreSQL), reminds the clerks once per slot; "Đã kiểm tra" on time, late or
missed on the compliance board; settings validation; the board's access rules; the PDF."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, time

import pytest
from sqlalchemy import func, select, update

from eoffice.core import timeutil
from eoffice.core.audit import history
from eoffice.core.errors import Forbidden, NotFound, ValidationFailed
from eoffice.exchange import checks
from eoffice.exchange.checks_models import CheckRun, CheckTrigger, RunState
from eoffice.exchange.scheduler import tick
from eoffice.extensions import db
from eoffice.jobs.connection import runner
from eoffice.notifications.models import Notification, NotificationKind
from eoffice.orgs.models import Organisation
from tests import factories
from tests.pdftext import pdf_text
from workflows.checktimes import CheckState, Slot

MONDAY = date(2026, 4, 6)
FRIDAY = date(2026, 4, 3)
THURSDAY = date(2026, 4, 2)


@pytest.fixture
def app_config(app_config):
    """Reminders are checked in the app; their e-mails are the notifications' tests' job."""
    return {**app_config, "NOTIFICATION_EMAIL_ENABLED": False}


pytestmark = pytest.mark.usefixtures("empty_queues")  # conftest's


def _at(day: date, hour: int, minute: int = 0, second: int = 0) -> datetime:
    """Set the application's clock to a local office time; return it as UTC."""
    moment = datetime.combine(day, time(hour, minute, second), tzinfo=timeutil.local_tz())
    moment = moment.astimezone(UTC)
    timeutil.set_clock(lambda: moment)
    return moment


def _tick(day: date, hour: int, minute: int = 0, second: int = 0):
    return tick(_at(day, hour, minute, second))


def _runs(org: Organisation) -> list[CheckRun]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(CheckRun)
            .where(CheckRun.org_id == org.id, CheckRun.state != RunState.WAITING.value)
            .order_by(CheckRun.day, CheckRun.slot_time)
        )
    )


def _slots(org: Organisation) -> list[tuple[date, str, str]]:
    return [(r.day, f"{r.slot_time:%H:%M}", r.trigger) for r in _runs(org)]


def _settle(world) -> None:
    """A scheduler that last ran on Friday evening: nothing older is pending."""
    _tick(FRIDAY, 23, 0)
    runner().work_burst()


def _queued_job_ids() -> list[str]:
    return sorted(job.id for job in runner().queues["default"].get_jobs())


# --- The scheduler ---------------------------------------------------------------------


def test_slots_run_at_the_configured_local_times(app, world):
    school = world.school_a.org
    _settle(world)
    assert _tick(MONDAY, 6, 29, 59).claimed == []
    # 06:30 in Hồ Chí Minh City is 23:30 UTC on Sunday: the Monday slot all the same.
    result = _tick(MONDAY, 6, 30, 0)
    assert {(org_id, slot) for org_id, slot, _ in result.claimed} == {
        (org.id, Slot(MONDAY, time(6, 30)))
        for org in (world.district.org, world.school_a.org, world.school_b.org)
    }
    assert all(trigger == CheckTrigger.SCHEDULE for _, _, trigger in result.claimed)
    assert f"check-{school.id}-20260406-0630" in _queued_job_ids()

    runner().work_burst()
    [run] = [r for r in _runs(school) if r.day == MONDAY]
    assert (run.state, run.documents, run.trigger) == (RunState.DONE, 0, CheckTrigger.SCHEDULE)
    assert run.started_at is not None and run.finished_at is not None

    # The district moves its checks; a school without settings follows, one with its own not.
    checks.save_settings(
        world.district.admin, checks.SettingsInput("07:15, 14:00", [0, 1, 2, 3, 4], 30, 10)
    )
    checks.save_settings(
        world.school_b.admin, checks.SettingsInput("08:00, 15:00", [0, 1, 2, 3, 4, 5], 20, 5)
    )
    assert _tick(MONDAY, 7, 14).claimed == []
    claimed = {(o, s.at) for o, s, _ in _tick(MONDAY, 7, 15).claimed}
    assert claimed == {(world.district.org.id, time(7, 15)), (school.id, time(7, 15))}
    claimed = {(o, s.at) for o, s, _ in _tick(MONDAY, 8, 0).claimed}
    assert claimed == {(world.school_b.org.id, time(8, 0))}
    # Saturday is a working day of school B only.
    saturday = date(2026, 4, 11)
    _tick(date(2026, 4, 10), 23, 0)
    claimed = {(o, s.at) for o, s, _ in _tick(saturday, 8, 0).claimed}
    assert claimed == {(world.school_b.org.id, time(8, 0))}


def test_a_holiday_has_no_check(app, world):
    from eoffice.catalog.calendar import HolidayData, add_day

    _settle(world)
    add_day(world.district.admin, HolidayData(MONDAY, "Giỗ Tổ Hùng Vương (thử)"))
    assert _tick(MONDAY, 17, 0).claimed == []
    tuesday = [s for _, s, _ in _tick(date(2026, 4, 7), 6, 30).claimed]
    assert set(tuesday) == {Slot(date(2026, 4, 7), time(6, 30))}


def test_a_missed_slot_is_caught_up_once_after_downtime(app, world):
    school = world.school_a.org
    _settle(world)
    _tick(MONDAY, 6, 31)
    # The scheduler is down from 06:31 to 14:02: 11:00 and 13:30 are run when it returns.
    result = _tick(MONDAY, 14, 2)
    mine = [(s.at, t) for o, s, t in result.claimed if o == school.id]
    assert mine == [(time(11, 0), CheckTrigger.CATCH_UP), (time(13, 30), CheckTrigger.CATCH_UP)]
    assert _tick(MONDAY, 14, 3).claimed == []
    runner().work_burst()
    assert [(d, t, trig) for d, t, trig in _slots(school) if d == MONDAY] == [
        (MONDAY, "06:30", "schedule"),
        (MONDAY, "11:00", "catch_up"),
        (MONDAY, "13:30", "catch_up"),
    ]
    assert all(r.state == RunState.DONE for r in _runs(school))


def test_catch_up_is_bounded_to_the_previous_working_day(app, world):
    school = world.school_a.org
    _tick(date(2026, 3, 20), 17, 0)  # a Friday; then down for more than two weeks
    result = _tick(MONDAY, 6, 45)
    days = sorted({s.day for o, s, _ in result.claimed if o == school.id})
    assert days == [FRIDAY, MONDAY]
    assert len([1 for o, _, _ in result.claimed if o == school.id]) == 5


def test_a_slot_never_runs_twice(app, world):
    school = world.school_a.org
    _settle(world)
    first = _tick(MONDAY, 6, 30, 5)
    second = _tick(MONDAY, 6, 30, 40)
    assert len(first.claimed) == 3 and second.claimed == []
    slot = Slot(MONDAY, time(6, 30))
    # A second claim, a direct run and a duplicated job all do nothing.
    assert checks.claim_slot(school.id, slot, CheckTrigger.SCHEDULE) is False
    assert checks.run_slot(school, slot, CheckTrigger.MANUAL) is None
    runner().work_burst()
    from eoffice.jobs.tasks import run_check_slot

    with app.app_context():  # a job's own context, as the worker gives it
        run_check_slot(school.id, MONDAY.isoformat(), "06:30")
    assert checks.run_claimed(school.id, slot) is None
    assert db.session.scalar(
        select(func.count()).select_from(CheckRun).where(CheckRun.org_id == school.id)
    ) == len(_runs(school))
    rows = [r for r in _runs(school) if r.day == MONDAY]
    assert len(rows) == 1 and rows[0].state == RunState.DONE


def test_a_claimed_slot_whose_job_was_lost_is_enqueued_again_and_runs_once(app, world):
    school = world.school_a.org
    _settle(world)
    _tick(MONDAY, 6, 30)
    runner().connection.flushall()  # Redis lost the jobs
    assert _tick(MONDAY, 6, 35).requeued == 0
    assert _tick(MONDAY, 6, 45).requeued == 3
    runner().work_burst()
    [row] = [r for r in _runs(school) if r.day == MONDAY]
    assert row.state == RunState.DONE


@pytest.mark.postgres
def test_two_schedulers_at_once_claim_each_slot_once_on_postgresql(app, world, postgres_only):
    _settle(world)
    moment = _at(MONDAY, 11, 0, 1)
    workers = 6
    start = threading.Barrier(workers)
    results: list = []
    errors: list[BaseException] = []
    school_id = world.school_a.org.id
    slot = Slot(MONDAY, time(13, 30))

    def work() -> None:
        with app.app_context():
            try:
                start.wait(timeout=30)
                results.append(("tick", tick(moment)))
                results.append(("claim", checks.claim_slot(school_id, slot, CheckTrigger.MANUAL)))
            except BaseException as exc:
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors[:3]
    claimed = [c for kind, r in results if kind == "tick" for c in r.claimed]
    # 06:30 and 11:00 for three organisations, each taken by exactly one scheduler.
    assert len(claimed) == 6
    assert len({(o, s) for o, s, _ in claimed}) == 6
    assert [r for kind, r in results if kind == "claim"].count(True) == 1


# --- Reminders -------------------------------------------------------------------------


def _reminders(user) -> list[Notification]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(Notification).where(
                Notification.user_id == user.id,
                Notification.kind == NotificationKind.CHECK_REMINDER.value,
            )
        )
    )


def test_clerks_are_reminded_once_a_few_minutes_before_each_slot(app, world):
    second_clerk = factories.make_user(
        world.school_a.org, "vanthu2@thleloi.hcm.edu.vn", ["clerk"], "Đỗ Văn Thư Hai"
    )
    db.session.commit()
    _settle(world)
    assert _tick(MONDAY, 6, 19).reminded == []
    result = _tick(MONDAY, 6, 20)
    assert {(o, told) for o, _, told in result.reminded} == {
        (world.district.org.id, 1),
        (world.school_a.org.id, 2),
        (world.school_b.org.id, 1),
    }
    assert _tick(MONDAY, 6, 25).reminded == []
    for clerk in (world.school_a.clerk, second_clerk):
        [note] = _reminders(clerk)
        assert note.title == "Sắp đến giờ kiểm tra văn bản đến: 06:30"
        assert "06:30 ngày 06/04/2026" in note.body and "Đã kiểm tra" in note.body
    for other in (world.school_a.leader, world.school_a.staff, world.school_a.admin):
        assert _reminders(other) == []
    # Reminding created the slot's row but did not run it: 06:30 still runs at 06:30.
    assert [s for o, s, _ in _tick(MONDAY, 6, 30).claimed if o == world.school_a.org.id] == [
        Slot(MONDAY, time(6, 30))
    ]
    _tick(MONDAY, 10, 52)
    assert len(_reminders(world.school_a.clerk)) == 2


# --- Confirmation and the board --------------------------------------------------------


def test_confirmations_are_on_time_late_or_missed_on_the_board(app, world):
    clerk = world.school_a.clerk
    _settle(world)
    _at(MONDAY, 6, 35)
    done = checks.confirm(clerk)
    assert (done.slot, done.new, done.state) == (
        Slot(MONDAY, time(6, 30)),
        True,
        CheckState.ON_TIME,
    )
    _at(MONDAY, 6, 50)
    again = checks.confirm(clerk)
    assert again.new is False and again.run.confirmed_at == done.run.confirmed_at
    assert [e.action for e in history("check_run", done.run.id)] == ["confirmed"]

    _at(MONDAY, 11, 45)
    assert checks.confirm(clerk).state == CheckState.LATE
    # 13:30 is never confirmed; 16:30 is pending at 17:00.
    _at(MONDAY, 5, 0)
    with pytest.raises(ValidationFailed, match="Hiện không trong lượt kiểm tra nào"):
        checks.confirm(clerk)
    with pytest.raises(Forbidden):
        checks.confirm(world.school_a.leader)

    now = _at(MONDAY, 17, 0)
    board = checks.compliance(world.district.leader, date(2026, 4, 1), now=now)
    row = next(r for r in board.rows if r.org.id == world.school_a.org.id)
    assert [c.state for c in row.days[MONDAY]] == [
        CheckState.ON_TIME,
        CheckState.LATE,
        CheckState.MISSED,
        CheckState.PENDING,
    ]
    assert [c.state for c in row.days[date(2026, 4, 7)]] == [CheckState.UPCOMING] * 4
    assert MONDAY in board.days and date(2026, 4, 4) not in board.days  # Saturday
    assert row.counts[CheckState.MISSED] == 1 + 4 * 3  # Monday 13:30; 1, 2 and 3 April
    assert row.counts[CheckState.ON_TIME] == 1 and row.counts[CheckState.LATE] == 1
    assert row.on_time_percent == round(100 / 15, 1)

    # The next day, the 16:30 slot nobody confirmed is missed.
    later = checks.compliance(world.district.leader, date(2026, 4, 1), now=_at(date(2026, 4, 7), 9))
    row = next(r for r in later.rows if r.org.id == world.school_a.org.id)
    assert row.days[MONDAY][3].state == CheckState.MISSED


def test_check_now_records_a_manual_run_without_exchange(app, world):
    _at(MONDAY, 9, 12)
    result = checks.check_now(world.school_a.clerk)
    assert result.counts.configured is False and result.counts.documents == 0
    assert "0 văn bản mới" in result.message and "văn bản giấy" in result.message
    run = result.run
    assert (run.trigger, run.state, run.slot_time, run.run_by_id) == (
        CheckTrigger.MANUAL,
        RunState.DONE,
        None,
        world.school_a.clerk.id,
    )
    checks.check_now(world.school_a.clerk)  # manual runs are extra rows, never a conflict
    assert len(checks.manual_runs(world.school_a.leader, world.school_a.org.id, MONDAY)) == 2
    bar = checks.check_bar(world.school_a.clerk)
    assert bar.last_run is not None and bar.last_run.trigger == CheckTrigger.MANUAL
    assert bar.next_slot == Slot(MONDAY, time(11, 0))
    with pytest.raises(Forbidden):
        checks.check_now(world.school_a.staff)


# --- Settings --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (("25:00", [0], 30, 10), "check_times", "giờ phải từ 0 đến 23"),
        (("06:30, 06:40", [0], 30, 10), "check_times", "phải cách nhau ít nhất 30 phút"),
        (("sáng sớm", [0], 30, 10), "check_times", "hãy nhập theo dạng giờ:phút"),
        (("", [0], 30, 10), "check_times", "Phải có ít nhất một giờ kiểm tra"),
        (("06:30", [], 30, 10), "weekdays", "ít nhất một ngày làm việc"),
        (("06:30", [0], 0, 10), "window_minutes", "từ 5 đến 240 phút"),
        (("06:30", [0], None, 10), "window_minutes", "Vui lòng nhập"),
        (("06:30", [0], 30, 90), "reminder_minutes", "từ 1 đến 60 phút"),
    ],
)
def test_settings_are_validated_in_vietnamese(app, world, data, field, message):
    with pytest.raises(ValidationFailed) as refused:
        checks.save_settings(world.school_a.admin, checks.SettingsInput(*data))
    assert message in refused.value.field_errors[field]
    assert db.session.get(checks.CheckSettings, world.school_a.org.id) is None


def test_settings_inherit_from_the_district_and_are_audited(app, world):
    school = world.school_a.org
    school.parent_id = world.district.org.id
    db.session.commit()
    assert checks.effective_config(school).source == "default"
    assert checks.effective_config(school).times == (
        time(6, 30),
        time(11, 0),
        time(13, 30),
        time(16, 30),
    )
    checks.save_settings(
        world.district.admin, checks.SettingsInput("7h00; 16:00", [0, 1, 2, 3, 4], 45, 15)
    )
    config = checks.effective_config(school)
    assert (config.source, config.times, config.window_minutes) == (
        "district",
        (time(7, 0), time(16, 0)),
        45,
    )
    checks.save_settings(world.school_a.admin, checks.SettingsInput("06:45", [0, 1, 2], 30, 10))
    assert checks.effective_config(school).times == (time(6, 45),)
    [event] = history("check_settings", school.id)
    assert event.changes["check_times"] == [None, "06:45"]
    checks.reset_settings(world.school_a.admin)
    assert checks.effective_config(school).source == "district"
    with pytest.raises(Forbidden):
        checks.save_settings(world.school_a.clerk, checks.SettingsInput("06:30", [0], 30, 10))


# --- The board's access rules and the PDF -----------------------------------------------


def test_the_board_shows_the_district_its_schools_and_a_school_only_itself(app, world):
    month = date(2026, 4, 1)
    _at(MONDAY, 9)
    district_ids = [r.org.id for r in checks.compliance(world.district.clerk, month).rows]
    assert district_ids[0] == world.district.org.id
    assert set(district_ids) == {
        world.district.org.id,
        world.school_a.org.id,
        world.school_b.org.id,
    }
    for viewer in (world.school_a.leader, world.school_a.clerk, world.school_a.admin):
        assert [r.org.id for r in checks.compliance(viewer, month).rows] == [world.school_a.org.id]
    with pytest.raises(Forbidden):
        checks.compliance(world.school_a.staff, month)
    with pytest.raises(NotFound):
        checks.org_detail(world.school_a.leader, world.school_b.org.id, month)
    assert checks.org_detail(world.district.leader, world.school_b.org.id, month).org.id == (
        world.school_b.org.id
    )
    # With a second district, a school is on the board of its own district only.
    for school in (world.school_a, world.school_b):
        school.org.parent_id = world.district.org.id
    other = factories.make_org(
        "Phòng GDĐT Quận Khác", "district_office", "GDĐTK", "000.02.31.H29", "pgdkhac.hcm.edu.vn"
    )
    stranger = factories.make_org(
        "Trường Tiểu học Quận Khác", "primary", "THQK", "001.02.31.H29", "thqk.hcm.edu.vn"
    )
    stranger.parent_id = other.id
    db.session.commit()
    rows = [r.org.id for r in checks.compliance(world.district.clerk, month).rows]
    assert rows == district_ids
    other_clerk = factories.make_user(other, "vanthu@pgdkhac.hcm.edu.vn", ["clerk"], "Văn Thư Khác")
    db.session.commit()
    rows = [r.org.id for r in checks.compliance(other_clerk, month).rows]
    assert rows == [other.id, stranger.id]


def test_the_printed_board_is_a_real_landscape_pdf(app, world):
    _settle(world)
    _at(MONDAY, 6, 40)
    checks.confirm(world.school_a.clerk)
    client = app.test_client()
    factories.login(client, world.district.leader)
    response = client.get("/exchange/checks/board.pdf?month=2026-04")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF-")
    text = pdf_text(response.data)
    assert "BÁO CÁO THEO DÕI GIỜ KIỂM TRA VĂN BẢN ĐẾN" in text
    assert "Tháng 04/2026" in text
    for name in ("Trường Tiểu học Lê Lợi", "Trường THCS Bạch Đằng", "Đúng giờ", "Không kiểm tra"):
        assert name in text
    import subprocess
    import tempfile

    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(response.data)
        handle.flush()
        info = subprocess.run(
            ["pdfinfo", handle.name], check=True, capture_output=True, text=True
        ).stdout
    size = next(line for line in info.splitlines() if line.startswith("Page size"))
    width, height = (float(v) for v in size.split(":")[1].split("pts")[0].split(" x "))
    assert width > height  # landscape A4: 842 x 595 pts


# --- The exchange fetch path (needs eoffice.exchange.receiving) --------------------------


def test_a_slot_whose_hub_is_down_is_recorded_as_failed(app, world):
    pytest.importorskip("eoffice.exchange.receiving")
    from eoffice.exchange import settings as exchange_settings
    from tests.exchange_support import _free_port

    exchange_settings.save_settings(
        world.district.admin,
        exchange_settings.SettingsInput(
            f"http://127.0.0.1:{_free_port()}", "khoa-bi-mat-phong-gd-2026", True
        ),
    )
    _settle(world)
    runner().connection.flushall()
    _tick(MONDAY, 6, 30)
    runner().work_burst()
    [run] = [r for r in _runs(world.district.org) if r.day == MONDAY]
    assert run.state == RunState.FAILED
    assert run.error.startswith("Không kết nối được trục liên thông")
    # Another organisation's check is not harmed by it.
    [other] = [r for r in _runs(world.school_a.org) if r.day == MONDAY]
    assert other.state == RunState.DONE
    # "Kiểm tra ngay" says so too, and the bar shows the failure.
    _at(MONDAY, 6, 40)
    now = checks.check_now(world.district.clerk)
    assert now.counts.error and "Không kết nối được trục liên thông" in now.message


def test_the_scheduler_command_runs_one_tick_with_once(app, world):
    _settle(world)
    _at(MONDAY, 11, 0)
    result = app.test_cli_runner().invoke(args=["scheduler", "--once"])
    assert result.exit_code == 0, result.output
    # 06:30 (caught up: the scheduler was not running then) and 11:00, three organisations.
    assert "6 lượt kiểm tra được chạy" in result.output
    again = app.test_cli_runner().invoke(args=["scheduler", "--once"])
    assert "0 lượt kiểm tra được chạy" in again.output
    assert {s.at for o, s in _claimed_slots(world.school_a.org) if s.day == MONDAY} == {
        time(6, 30),
        time(11, 0),
    }


def _claimed_slots(org: Organisation) -> list[tuple[int, Slot]]:
    return [(r.org_id, Slot(r.day, r.slot_time)) for r in _runs(org)]


def test_a_slot_fetches_what_waits_on_a_real_hub_once(app, world, hub):
    """`hub` (conftest's): ours and the Sở registered, our exchange settings saved."""
    pytest.importorskip("eoffice.exchange.receiving")
    from eoffice.exchange import edxml
    from tests.exchange_support import AGENCY, a_document

    ours = world.district.org
    sender = AGENCY
    packet = a_document(
        document_id="000.00.00.H29,2026/04/03,812/SGDĐT-VP",
        from_=sender,
        to=(edxml.Organisation(ours.agency_code, ours.name),),
        code_number="812",
        code_notation="SGDĐT-VP",
        promulgation_date=date(2026, 4, 3),
        attachments=(edxml.Attachment("vb", "812.pdf", "application/pdf", factories.pdf_bytes()),),
    )
    hub.client(sender).send(edxml.build_document(packet))
    _settle(world)  # the first tick runs Thursday's and Friday's slots, in order
    runs = _runs(ours)
    assert len(runs) == 8 and all(r.state == RunState.DONE for r in runs)
    assert [r.documents for r in runs] == [1, 0, 0, 0, 0, 0, 0, 0]
    _tick(MONDAY, 6, 30)
    runner().work_burst()
    [monday] = [r for r in _runs(ours) if r.day == MONDAY]
    assert (monday.state, monday.documents) == (RunState.DONE, 0)


def test_a_check_whose_worker_died_is_closed_as_interrupted_once(app, world):
    from eoffice.exchange.scheduler import INTERRUPTED

    school = world.school_a.org
    _settle(world)
    _tick(MONDAY, 6, 30)  # claimed and queued; the worker takes it and dies mid-fetch
    db.session.execute(
        update(CheckRun)
        .where(CheckRun.org_id == school.id, CheckRun.day == MONDAY)
        .values(state=RunState.RUNNING.value, started_at=_at(MONDAY, 6, 30, 5))
    )
    db.session.commit()

    _tick(MONDAY, 6, 59)  # a long fetch is not interrupted yet
    [run] = [r for r in _runs(school) if r.day == MONDAY]
    assert run.state == RunState.RUNNING
    _tick(MONDAY, 7, 1)
    [run] = [r for r in _runs(school) if r.day == MONDAY]
    assert (run.state, run.error) == (RunState.FAILED, INTERRUPTED)
    assert run.finished_at is not None
