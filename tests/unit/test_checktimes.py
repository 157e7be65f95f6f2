"""The daily check times (workflows.checktimes): "now" is always passed in, no clock patching.

Dates: Monday 6/4/2026 (so 4–5/4 is a weekend); 30/4 and 1/5/2026 are holidays (Thu,
Fri) in the test calendar and Saturday 25/4/2026 a compensating working day. Holiday
dates are illustrative test data, not an official announcement.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from workflows.calendar import VN_TZ, WorkingCalendar
from workflows.checktimes import (
    CHECK_STATE_LABELS,
    DEFAULT_CHECK_TIMES,
    CheckState,
    Slot,
    classify,
    due_slots,
    format_check_times,
    monthly_summary,
    parse_check_times,
    reminder_at,
    reminder_due,
    slot_for_confirmation,
    slot_period,
    slots_between,
    slots_to_remind,
)

D = date.fromisoformat
T = time.fromisoformat
TIMES = DEFAULT_CHECK_TIMES
PLAIN = WorkingCalendar()
OFFICE = WorkingCalendar(
    holidays={D("2026-04-30"), D("2026-05-01")}, extra_working_days={D("2026-04-25")}
)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def vn(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=VN_TZ)


def slot(text: str) -> Slot:
    day, at = text.split()
    return Slot(D(day), T(at))


def slots(*texts: str) -> list[Slot]:
    return [slot(t) for t in texts]


# --- parse_check_times ------------------------------------------------------------------


def test_parse_defaults_and_formats() -> None:
    assert parse_check_times(["06:30", "11:00", "13:30", "16:30"]) == DEFAULT_CHECK_TIMES
    assert parse_check_times(["16h30", " 6:30 ", "13:30", "11:00", "06:30"]) == (
        T("06:30"),
        T("11:00"),
        T("13:30"),
        T("16:30"),
    )
    assert format_check_times(DEFAULT_CHECK_TIMES) == "06:30, 11:00, 13:30, 16:30"


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (["24:00"], "giờ phải từ 0 đến 23"),
        (["06:60"], "phút phải từ 00 đến 59"),
        (["sáu giờ"], "Giờ kiểm tra “sáu giờ” không hợp lệ"),
        (["6:3"], "không hợp lệ"),
        ([""], "không hợp lệ"),
        ([], "Phải có ít nhất một giờ kiểm tra"),
        (["11:00", "11:10"], "Hai giờ kiểm tra 11:00 và 11:10 cách nhau 10 phút"),
        ([f"{h:02d}:{m:02d}" for h in range(7) for m in (0, 30)], "Tối đa 12 giờ kiểm tra"),
    ],
)
def test_parse_errors_are_vietnamese(values: list[str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_check_times(values)


def test_parse_refuses_wrong_types() -> None:
    with pytest.raises(TypeError, match="không phải một chuỗi"):
        parse_check_times("06:30")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="chuỗi 'HH:MM'"):
        parse_check_times([630])  # type: ignore[list-item]


# --- slots ----------------------------------------------------------------------------


def test_slot_instant_crosses_the_utc_date_boundary() -> None:
    monday = slot("2026-04-06 06:30")
    assert monday.instant() == utc("2026-04-05 23:30")
    assert monday.instant().tzinfo is UTC
    assert monday.key == "20260406-0630"
    assert monday.label == "06:30 ngày 06/04/2026"
    assert slot("2026-04-05 16:30") < monday < slot("2026-04-06 11:00")


def test_slot_refuses_datetimes() -> None:
    with pytest.raises(TypeError):
        Slot(datetime(2026, 4, 6, tzinfo=UTC), T("06:30"))


def test_monday_slot_found_on_a_utc_sunday_and_no_saturday_slot() -> None:
    # 23:30 UTC on Sunday is 06:30 on Monday in the office.
    assert slots_between(utc("2026-04-05 23:00"), utc("2026-04-05 23:59"), TIMES, PLAIN) == slots(
        "2026-04-06 06:30"
    )
    # 23:30 UTC on Friday is 06:30 on Saturday: not a working day.
    assert slots_between(utc("2026-04-03 23:00"), utc("2026-04-03 23:59"), TIMES, PLAIN) == []


def test_weekend_and_holidays_skipped_compensating_saturday_included() -> None:
    found = slots_between(vn("2026-04-24 23:00"), vn("2026-05-04 00:00"), TIMES, OFFICE)
    days = sorted({s.day for s in found})
    assert days == [D("2026-04-25"), D("2026-04-27"), D("2026-04-28"), D("2026-04-29")]
    assert len(found) == 16
    assert found == sorted(found)
    # Saturday 25/4 06:30 local is 23:30 UTC on Friday 24/4.
    assert found[0] == slot("2026-04-25 06:30")
    assert found[0].instant() == utc("2026-04-24 23:30")


def test_slots_between_is_half_open_and_consecutive_intervals_cover_once() -> None:
    at = slot("2026-04-06 11:00").instant()
    assert slots_between(at - timedelta(minutes=1), at, TIMES, PLAIN) == slots("2026-04-06 11:00")
    assert slots_between(at, at + timedelta(minutes=1), TIMES, PLAIN) == []
    start = vn("2026-04-06 00:00")
    pieces: list[Slot] = []
    for hour in range(0, 48, 5):
        pieces += slots_between(
            start + timedelta(hours=hour), start + timedelta(hours=hour + 5), TIMES, PLAIN
        )
    assert pieces == slots_between(start, start + timedelta(hours=50), TIMES, PLAIN)
    assert len(pieces) == 8


def test_slots_between_refuses_naive_and_huge_spans() -> None:
    with pytest.raises(ValueError, match="múi giờ"):
        slots_between(datetime(2026, 4, 6), utc("2026-04-07 00:00"), TIMES, PLAIN)
    with pytest.raises(ValueError, match="quá dài"):
        slots_between(utc("2000-01-01 00:00"), utc("2026-01-01 00:00"), TIMES, PLAIN)


# --- due_slots: the scheduler's tick ----------------------------------------------------


def run_ticks(
    start: datetime, minutes: int, calendar: WorkingCalendar, last_done: Slot | None
) -> list[tuple[Slot, datetime]]:
    """A scheduler ticking every minute that records each slot it runs."""
    ran: list[tuple[Slot, datetime]] = []
    for minute in range(minutes):
        now = start + timedelta(minutes=minute)
        for due in due_slots(now, TIMES, calendar, last_done=last_done):
            ran.append((due, now))
            last_done = due
    return ran


def test_ticking_every_minute_runs_each_slot_once_at_its_local_time() -> None:
    # From Friday 24/4 00:00 local to Tuesday 5/5 00:00 (11 days): includes a weekend,
    # the compensating Saturday 25/4 and the holidays 30/4–1/5.
    start = vn("2026-04-24 00:00").astimezone(UTC)
    ran = run_ticks(start, 11 * 24 * 60, OFFICE, slot("2026-04-23 16:30"))
    run_slots = [s for s, _ in ran]
    assert len(run_slots) == len(set(run_slots))  # never twice
    assert run_slots == slots_between(start, start + timedelta(days=11), TIMES, OFFICE)
    assert {s.day for s in run_slots} == {
        D(d) for d in ("2026-04-24", "2026-04-25", "2026-04-27", "2026-04-28")
    } | {D("2026-04-29"), D("2026-05-04")}
    for due, when in ran:
        assert when == due.instant()  # exactly at the local time, in UTC
        assert when.astimezone(VN_TZ).time() == due.at


def test_not_due_a_second_before_due_at_the_minute() -> None:
    last = slot("2026-04-03 16:30")
    assert due_slots(vn("2026-04-06 06:29:59"), TIMES, PLAIN, last_done=last) == []
    assert due_slots(vn("2026-04-06 06:30"), TIMES, PLAIN, last_done=last) == slots(
        "2026-04-06 06:30"
    )


def test_running_twice_in_the_same_minute_gives_nothing_the_second_time() -> None:
    now = vn("2026-04-06 11:00:20")
    first = due_slots(now, TIMES, PLAIN, last_done=slot("2026-04-06 06:30"))
    assert first == slots("2026-04-06 11:00")
    assert due_slots(now, TIMES, PLAIN, last_done=first[-1]) == []
    assert due_slots(now + timedelta(seconds=30), TIMES, PLAIN, last_done=first[-1]) == []


def test_catch_up_after_three_hours_down_runs_missed_slots_in_order() -> None:
    # Down from 10:00 to 13:40 on Monday: 11:00 and 13:30 were missed.
    due = due_slots(vn("2026-04-06 13:40"), TIMES, PLAIN, last_done=slot("2026-04-06 06:30"))
    assert due == slots("2026-04-06 11:00", "2026-04-06 13:30")


def test_a_month_down_replays_only_catch_up_days() -> None:
    last = slot("2026-03-02 16:30")
    now = vn("2026-04-06 11:05")  # Monday
    friday = slots("2026-04-03 06:30", "2026-04-03 11:00", "2026-04-03 13:30", "2026-04-03 16:30")
    monday = slots("2026-04-06 06:30", "2026-04-06 11:00")
    assert due_slots(now, TIMES, PLAIN, last_done=last) == friday + monday
    assert due_slots(now, TIMES, PLAIN, last_done=last, catch_up_days=0) == monday
    thursday = [Slot(D("2026-04-02"), t) for t in TIMES]
    assert due_slots(now, TIMES, PLAIN, last_done=last, catch_up_days=2) == (
        thursday + friday + monday
    )
    # No history at all follows the same window.
    assert due_slots(now, TIMES, PLAIN, last_done=None) == friday + monday


def test_catch_up_counts_working_days_across_holidays() -> None:
    # Down since Wednesday 29/4 13:00; 30/4, 1/5 holidays, then the weekend. Restarted
    # Monday 4/5 at 07:00: the previous working day is Wednesday 29/4.
    due = due_slots(vn("2026-05-04 07:00"), TIMES, OFFICE, last_done=slot("2026-04-29 11:00"))
    assert due == slots("2026-04-29 13:30", "2026-04-29 16:30", "2026-05-04 06:30")


def test_catch_up_on_a_day_off_runs_the_last_working_day() -> None:
    due = due_slots(vn("2026-04-04 09:00"), TIMES, PLAIN, last_done=slot("2026-04-03 11:00"))
    assert due == slots("2026-04-03 13:30", "2026-04-03 16:30")
    assert due_slots(vn("2026-04-04 09:00"), TIMES, PLAIN, last_done=due[-1]) == []


def test_changed_times_never_replay_an_earlier_slot() -> None:
    new_times = parse_check_times(["06:30", "12:00", "16:30"])
    due = due_slots(vn("2026-04-06 12:05"), new_times, PLAIN, last_done=slot("2026-04-06 11:00"))
    assert due == slots("2026-04-06 12:00")


def test_due_slots_refuses_bad_arguments() -> None:
    with pytest.raises(ValueError, match="múi giờ"):
        due_slots(datetime(2026, 4, 6, 7), TIMES, PLAIN, last_done=None)
    with pytest.raises(ValueError, match="chạy bù"):
        due_slots(vn("2026-04-06 07:00"), TIMES, PLAIN, last_done=None, catch_up_days=-1)


# --- reminders ------------------------------------------------------------------------


def test_reminder_window_before_the_slot() -> None:
    s = slot("2026-04-06 06:30")
    assert reminder_at(s, 5) == utc("2026-04-05 23:25")
    assert not reminder_due(vn("2026-04-06 06:24:59"), s, 5)
    assert reminder_due(vn("2026-04-06 06:25"), s, 5)
    assert reminder_due(vn("2026-04-06 06:29:59"), s, 5)
    assert not reminder_due(vn("2026-04-06 06:30"), s, 5)  # caught-up slots: no reminder
    with pytest.raises(ValueError, match="nhắc trước"):
        reminder_due(vn("2026-04-06 06:25"), s, 0)


def test_slots_to_remind_agrees_with_reminder_due() -> None:
    assert slots_to_remind(utc("2026-04-05 23:25"), TIMES, PLAIN, 5) == slots("2026-04-06 06:30")
    assert slots_to_remind(vn("2026-04-04 06:25"), TIMES, PLAIN, 5) == []  # Saturday
    start = vn("2026-04-06 00:00")
    for minute in range(0, 24 * 60):
        now = start + timedelta(minutes=minute)
        expected = [
            Slot(D("2026-04-06"), t)
            for t in TIMES
            if reminder_due(now, Slot(D("2026-04-06"), t), 5)
        ]
        assert slots_to_remind(now, TIMES, PLAIN, 5) == expected


# --- classification -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("confirmed", "state"),
    [
        ("2026-04-06 06:20:00", CheckState.ON_TIME),  # answering the reminder
        ("2026-04-06 06:30:00", CheckState.ON_TIME),
        ("2026-04-06 07:00:00", CheckState.ON_TIME),  # exactly at the window end
        ("2026-04-06 07:00:01", CheckState.LATE),
        ("2026-04-06 10:49:59", CheckState.LATE),
        ("2026-04-06 10:50:00", CheckState.MISSED),  # the 11:00 slot has opened
        ("2026-04-07 06:35:00", CheckState.MISSED),  # next day
    ],
)
def test_classify_edges(confirmed: str, state: CheckState) -> None:
    s = slot("2026-04-06 06:30")
    assert classify(s, vn(confirmed), 30, times=TIMES) is state


def test_classify_last_slot_is_late_until_midnight_and_missed_the_next_day() -> None:
    s = slot("2026-04-06 16:30")
    assert classify(s, vn("2026-04-06 23:59:59"), 30, times=TIMES) is CheckState.LATE
    # 00:00 local on Tuesday is still Monday 17:00 in UTC: the local day decides.
    assert classify(s, utc("2026-04-06 17:00"), 30, times=TIMES) is CheckState.MISSED


def test_classify_without_times_is_late_until_midnight() -> None:
    s = slot("2026-04-06 06:30")
    assert classify(s, vn("2026-04-06 15:00"), 30) is CheckState.LATE


def test_classify_unconfirmed_with_and_without_now() -> None:
    s = slot("2026-04-06 11:00")
    assert classify(s, None, 30, times=TIMES) is CheckState.MISSED
    assert classify(s, None, 30, times=TIMES, now=vn("2026-04-06 10:49")) is CheckState.UPCOMING
    assert classify(s, None, 30, times=TIMES, now=vn("2026-04-06 10:50")) is CheckState.PENDING
    assert classify(s, None, 30, times=TIMES, now=vn("2026-04-06 13:19")) is CheckState.PENDING
    assert classify(s, None, 30, times=TIMES, now=vn("2026-04-06 13:20")) is CheckState.MISSED


def test_classify_refuses_a_confirmation_of_an_earlier_slot() -> None:
    with pytest.raises(ValueError, match="không thể là xác nhận của lượt này"):
        classify(slot("2026-04-06 11:00"), vn("2026-04-06 10:49:59"), 30, times=TIMES)
    with pytest.raises(ValueError, match="Số phút xác nhận đúng giờ"):
        classify(slot("2026-04-06 11:00"), None, 0)
    with pytest.raises(ValueError, match="xác nhận sớm"):
        slot_period(slot("2026-04-06 11:00"), TIMES, early_minutes=30)


@pytest.mark.parametrize(
    ("confirmed", "expected"),
    [
        ("2026-04-06 06:19", None),  # before the day's first slot opens
        ("2026-04-06 06:20", "2026-04-06 06:30"),
        ("2026-04-06 10:49", "2026-04-06 06:30"),
        ("2026-04-06 10:50", "2026-04-06 11:00"),
        ("2026-04-06 23:59", "2026-04-06 16:30"),
        ("2026-04-04 09:00", None),  # Saturday
    ],
)
def test_slot_for_confirmation(confirmed: str, expected: str | None) -> None:
    found = slot_for_confirmation(vn(confirmed), TIMES, PLAIN)
    assert found == (slot(expected) if expected else None)


def test_every_confirmation_answers_its_slot_without_missing_it() -> None:
    start = vn("2026-04-06 00:00")
    for minute in range(0, 24 * 60, 3):
        now = start + timedelta(minutes=minute)
        found = slot_for_confirmation(now, TIMES, PLAIN)
        if found is not None:
            assert classify(found, now, 30, times=TIMES) in (CheckState.ON_TIME, CheckState.LATE)


def test_labels_are_vietnamese_and_complete() -> None:
    assert set(CHECK_STATE_LABELS) == set(CheckState)
    assert CheckState.ON_TIME.label == "Đúng giờ"
    assert CheckState.LATE.label == "Trễ"
    assert CheckState.MISSED.label == "Không kiểm tra"


# --- monthly summary ------------------------------------------------------------------


def test_monthly_summary_counts_per_state_and_month() -> None:
    records = [
        (slot("2026-05-04 06:30"), CheckState.MISSED),
        (slot("2026-04-29 06:30"), CheckState.ON_TIME),
        (slot("2026-04-29 11:00"), "on_time"),
        (slot("2026-04-29 13:30"), CheckState.LATE),
    ]
    summary = monthly_summary(records)
    assert list(summary) == [(2026, 4), (2026, 5)]
    assert summary[(2026, 4)] == {
        CheckState.ON_TIME: 2,
        CheckState.LATE: 1,
        CheckState.MISSED: 0,
        CheckState.UPCOMING: 0,
        CheckState.PENDING: 0,
    }
    assert summary[(2026, 5)][CheckState.MISSED] == 1
    assert monthly_summary([]) == {}
    with pytest.raises(ValueError, match="không hợp lệ"):
        monthly_summary([(slot("2026-04-29 06:30"), "đúng giờ")])
