"""Working-day arithmetic and deadline states (workflows.calendar): pure, no clock patching.

Holiday dates below are illustrative test data, not an official announcement.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from workflows.calendar import (
    DUE_STATE_LABELS,
    FIXED_SOLAR_HOLIDAYS,
    VN_TZ,
    DueState,
    WorkingCalendar,
    completion_state,
    days_overdue,
    due_state,
    local_date,
    vietnam_public_holidays,
)

D = date.fromisoformat

# 30/4 (Thu) and 1/5 (Fri) 2026, 1/1/2027 (Fri).
HOLIDAYS = {D("2026-04-30"), D("2026-05-01"), D("2027-01-01")}
PLAIN = WorkingCalendar()
OFFICE = WorkingCalendar(holidays=HOLIDAYS)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def vn(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=VN_TZ)


def brute_add(cal: WorkingCalendar, start: date, n: int) -> date:
    """Reference implementation: walk day by day."""
    day = start
    while n:
        day += timedelta(days=1)
        if cal.is_working_day(day):
            n -= 1
    return day


# --- is_working_day -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "working"),
    [
        ("2026-04-29", True),  # Wednesday
        ("2026-04-30", False),  # holiday on a Thursday
        ("2026-05-01", False),  # holiday on a Friday
        ("2026-05-02", False),  # Saturday
        ("2026-05-03", False),  # Sunday
        ("2026-05-04", True),  # Monday
    ],
)
def test_is_working_day(day, working):
    assert OFFICE.is_working_day(D(day)) is working


def test_compensating_saturday_is_a_working_day_and_weekday_pattern_stays():
    cal = WorkingCalendar(holidays={D("2026-08-31")}, extra_working_days={D("2026-08-22")})
    assert cal.is_working_day(D("2026-08-22"))  # Saturday made a working day
    assert not cal.is_working_day(D("2026-08-29"))  # the next Saturday is not
    assert not cal.is_working_day(D("2026-08-31"))  # the bridge Monday is off


def test_custom_working_weekdays_monday_to_saturday():
    cal = WorkingCalendar(working_weekdays={0, 1, 2, 3, 4, 5})
    assert cal.is_working_day(D("2026-05-02"))  # Saturday
    assert not cal.is_working_day(D("2026-05-03"))  # Sunday
    assert cal.add_working_days(D("2026-05-01"), 1) == D("2026-05-02")


# --- add_working_days / next_working_day ----------------------------------------------


@pytest.mark.parametrize(
    ("start", "n", "due"),
    [
        ("2026-06-08", 1, "2026-06-09"),  # Mon + 1 = Tue: the start day does not count
        ("2026-06-08", 3, "2026-06-11"),  # Mon + 3 = Thu
        ("2026-06-08", 5, "2026-06-15"),  # Mon + 5 = next Mon
        ("2026-06-11", 2, "2026-06-15"),  # Thu + 2 crosses the weekend
        ("2026-06-12", 1, "2026-06-15"),  # Fri + 1 = Mon
        ("2026-06-13", 1, "2026-06-15"),  # Sat + 1 = Mon
        ("2026-06-14", 1, "2026-06-15"),  # Sun + 1 = Mon
        ("2026-06-14", 5, "2026-06-19"),  # Sun + 5 = Fri
    ],
)
def test_add_working_days_across_weekend(start, n, due):
    assert PLAIN.add_working_days(D(start), n) == D(due)


@pytest.mark.parametrize(
    ("start", "n", "due"),
    [
        ("2026-04-29", 1, "2026-05-04"),  # Wed + 1 skips 30/4, 1/5 and the weekend
        ("2026-04-28", 2, "2026-05-04"),
        ("2026-04-30", 1, "2026-05-04"),  # assigned on the holiday itself
        ("2026-12-31", 1, "2027-01-04"),  # across the year and 1/1
    ],
)
def test_add_working_days_across_configured_holiday(start, n, due):
    assert OFFICE.add_working_days(D(start), n) == D(due)
    # Without the holidays the same request lands earlier: the configuration matters.
    assert PLAIN.add_working_days(D(start), n) < D(due)


def test_add_working_days_uses_compensating_saturday():
    cal = WorkingCalendar(holidays={D("2026-08-31")}, extra_working_days={D("2026-08-22")})
    assert cal.add_working_days(D("2026-08-21"), 1) == D("2026-08-22")  # Fri + 1 = make-up Sat
    assert cal.add_working_days(D("2026-08-21"), 2) == D("2026-08-24")
    assert cal.add_working_days(D("2026-08-28"), 1) == D("2026-09-01")  # skips bridge Monday
    assert cal.next_working_day(D("2026-08-21")) == D("2026-08-22")


def test_zero_days_returns_the_start_even_on_a_day_off():
    assert OFFICE.add_working_days(D("2026-06-10"), 0) == D("2026-06-10")
    assert OFFICE.add_working_days(D("2026-05-01"), 0) == D("2026-05-01")


def test_next_working_day_and_on_or_after():
    assert OFFICE.next_working_day(D("2026-04-29")) == D("2026-05-04")
    assert OFFICE.next_working_day(D("2026-05-04")) == D("2026-05-05")  # strictly after
    assert OFFICE.working_day_on_or_after(D("2026-05-04")) == D("2026-05-04")
    assert OFFICE.working_day_on_or_after(D("2026-04-30")) == D("2026-05-04")


def test_long_span_without_holidays_is_whole_weeks():
    # 10 years of working days: 520 weeks of 5 days land on the same weekday.
    assert PLAIN.add_working_days(D("2026-06-08"), 2600) == D("2026-06-08") + timedelta(weeks=520)


def test_long_spans_match_a_day_by_day_walk():
    rng = random.Random(20260101)
    start_of_range = D("2025-01-01")
    holidays = {start_of_range + timedelta(days=rng.randrange(3650)) for _ in range(150)}
    extras = {
        d
        for d in (start_of_range + timedelta(days=rng.randrange(3650)) for _ in range(60))
        if d.weekday() == 5 and d not in holidays
    }
    cal = WorkingCalendar(holidays=holidays, extra_working_days=extras)
    assert extras  # the check below exercises make-up days
    for _ in range(200):
        start = start_of_range + timedelta(days=rng.randrange(3650))
        n = rng.choice([0, 1, 2, 5, 7, 22, 250, rng.randrange(2000)])
        due = cal.add_working_days(start, n)
        assert due == brute_add(cal, start, n), (start, n)
        assert cal.working_days_between(start, due) == n
        if n:
            assert cal.is_working_day(due)


# --- working_days_between ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "count"),
    [
        ("2026-06-10", "2026-06-10", 0),
        ("2026-06-12", "2026-06-13", 0),  # Fri → Sat
        ("2026-06-12", "2026-06-15", 1),  # Fri → Mon
        ("2026-06-08", "2026-06-15", 5),  # one full week
        ("2026-04-29", "2026-05-04", 1),  # only Monday: 30/4, 1/5 are holidays
        ("2026-05-04", "2026-04-29", -1),  # antisymmetric
        # 2026 has 261 weekdays; (1/1/2026, 1/1/2027] drops 1/1/2026, and 1/1/2027,
        # 30/4 and 1/5 are holidays.
        ("2026-01-01", "2027-01-01", 258),
    ],
)
def test_working_days_between(start, end, count):
    assert OFFICE.working_days_between(D(start), D(end)) == count


def test_working_days_between_counts_make_up_day():
    cal = WorkingCalendar(extra_working_days={D("2026-08-22")})
    assert cal.working_days_between(D("2026-08-21"), D("2026-08-24")) == 2


# --- invalid inputs -------------------------------------------------------------------


def test_negative_days_are_refused_with_a_clear_message():
    with pytest.raises(ValueError, match=r"Số ngày làm việc không được âm \(nhận được -1\)"):
        PLAIN.add_working_days(D("2026-06-10"), -1)


@pytest.mark.parametrize("bad", [1.5, "3", True, None])
def test_non_integer_days_are_refused(bad):
    with pytest.raises(TypeError, match="số nguyên"):
        PLAIN.add_working_days(D("2026-06-10"), bad)


def test_datetime_is_not_a_date():
    with pytest.raises(TypeError, match="không phải datetime"):
        PLAIN.add_working_days(utc("2026-06-10T03:00:00"), 1)
    with pytest.raises(TypeError, match="không phải datetime"):
        WorkingCalendar(holidays={utc("2026-04-30T00:00:00")})


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"working_weekdays": set()}, "ít nhất một ngày làm việc"),
        ({"working_weekdays": {0, 7}}, "từ 0 \\(thứ Hai\\) đến 6"),
        (
            {"holidays": {D("2026-08-22")}, "extra_working_days": {D("2026-08-22")}},
            "vừa là ngày nghỉ lễ vừa là ngày làm bù: 22/08/2026",
        ),
    ],
)
def test_calendar_configuration_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        WorkingCalendar(**kwargs)


# --- local date boundary ------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "local"),
    [
        (utc("2026-12-31T16:59:59"), "2026-12-31"),
        (utc("2026-12-31T17:00:00"), "2027-01-01"),  # midnight in Ho Chi Minh City
        (utc("2026-12-31T17:30:00"), "2027-01-01"),
        (vn("2027-01-01T00:00:00"), "2027-01-01"),
    ],
)
def test_local_date_uses_office_zone(moment, local):
    assert local_date(moment) == D(local)


def test_naive_datetime_is_refused():
    with pytest.raises(ValueError, match="múi giờ"):
        local_date(datetime(2026, 12, 31, 17, 30))
    with pytest.raises(ValueError, match="múi giờ"):
        due_state(D("2026-12-31"), datetime(2026, 12, 31, 17, 30), PLAIN)


# --- due_state ------------------------------------------------------------------------

NOW_WED = vn("2026-06-10T09:00:00")  # Wednesday


@pytest.mark.parametrize(
    ("deadline", "state"),
    [
        (None, DueState.NONE),
        ("2026-06-09", DueState.OVERDUE),
        ("2026-01-01", DueState.OVERDUE),
        ("2026-06-10", DueState.DUE_TODAY),
        ("2026-06-11", DueState.DUE_SOON),  # 1 working day left
        ("2026-06-12", DueState.DUE_SOON),  # 2 working days left (Fri)
        ("2026-06-13", DueState.DUE_SOON),  # Sat: still only Thu and Fri to act
        ("2026-06-14", DueState.DUE_SOON),
        ("2026-06-15", DueState.UPCOMING),  # Mon: 3 working days left
        ("2026-12-31", DueState.UPCOMING),
    ],
)
def test_due_state_table(deadline, state):
    assert due_state(D(deadline) if deadline else None, NOW_WED, PLAIN) is state


def test_due_soon_counts_working_days_across_a_holiday():
    now = vn("2026-04-28T10:00:00")  # Tuesday; Wed, then 30/4, 1/5, weekend, then Mon
    assert due_state(D("2026-05-04"), now, OFFICE) is DueState.DUE_SOON
    assert due_state(D("2026-05-04"), now, PLAIN) is DueState.UPCOMING


@pytest.mark.parametrize(
    ("soon", "deadline", "state"),
    [
        (0, "2026-06-11", DueState.UPCOMING),
        (1, "2026-06-11", DueState.DUE_SOON),
        (1, "2026-06-12", DueState.UPCOMING),
        (5, "2026-06-17", DueState.DUE_SOON),
        (5, "2026-06-18", DueState.UPCOMING),
    ],
)
def test_due_soon_window_is_configurable(soon, deadline, state):
    assert due_state(D(deadline), NOW_WED, PLAIN, soon=soon) is state


def test_negative_soon_window_is_refused():
    with pytest.raises(ValueError, match="không được âm"):
        due_state(D("2026-06-11"), NOW_WED, PLAIN, soon=-1)


@pytest.mark.parametrize(
    ("now", "state"),
    [
        (utc("2026-12-31T16:59:59"), DueState.DUE_TODAY),  # 23:59:59 local
        (utc("2026-12-31T17:00:00"), DueState.OVERDUE),  # 00:00 local on 1/1/2027
        (utc("2026-12-31T17:30:00"), DueState.OVERDUE),
        (utc("2026-12-30T17:00:00"), DueState.DUE_TODAY),  # 00:00 local on 31/12
        (utc("2026-12-30T16:59:59"), DueState.DUE_SOON),
    ],
)
def test_due_state_at_the_utc_local_midnight_boundary(now, state):
    assert due_state(D("2026-12-31"), now, OFFICE) is state


def test_due_state_honours_the_zone_passed_in():
    now = utc("2026-12-31T17:30:00")
    assert due_state(D("2026-12-31"), now, OFFICE, tz=UTC) is DueState.DUE_TODAY
    assert due_state(D("2026-12-31"), now, OFFICE, tz=ZoneInfo("Asia/Ho_Chi_Minh")) is (
        DueState.OVERDUE
    )


# --- completion -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("deadline", "completed_at", "state"),
    [
        ("2026-12-31", utc("2026-12-31T16:59:59"), DueState.COMPLETED_ON_TIME),  # 23:59 local
        ("2026-12-31", utc("2026-12-31T17:00:00"), DueState.COMPLETED_LATE),  # 00:00 local
        ("2026-12-31", vn("2026-12-01T08:00:00"), DueState.COMPLETED_ON_TIME),
        ("2026-06-12", vn("2026-06-15T08:00:00"), DueState.COMPLETED_LATE),
        (None, vn("2026-06-15T08:00:00"), DueState.COMPLETED),
    ],
)
def test_completion_state_table(deadline, completed_at, state):
    deadline_date = D(deadline) if deadline else None
    assert completion_state(deadline_date, completed_at) is state
    # due_state gives the same verdict once the completion instant is known,
    # whatever "now" is.
    later = vn("2027-06-01T08:00:00")
    assert due_state(deadline_date, later, OFFICE, completed_at=completed_at) is state


def test_completion_state_refuses_naive_completion():
    with pytest.raises(ValueError, match="múi giờ"):
        completion_state(D("2026-12-31"), datetime(2026, 12, 31, 23, 0))


# --- days overdue ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("deadline", "now", "days"),
    [
        (None, vn("2026-06-15T08:00:00"), 0),
        ("2026-06-12", vn("2026-06-12T20:00:00"), 0),  # due today: not late yet
        ("2026-06-12", vn("2026-06-13T08:00:00"), 0),  # Saturday: overdue, 0 working days
        ("2026-06-12", vn("2026-06-15T08:00:00"), 1),  # Monday
        ("2026-06-12", vn("2026-06-22T08:00:00"), 6),
        ("2026-06-19", vn("2026-06-15T08:00:00"), 0),  # still ahead
        ("2026-12-31", vn("2027-01-04T08:00:00"), 1),  # 1/1/2027 is a holiday
        ("2026-12-31", utc("2027-01-03T17:00:00"), 1),  # 00:00 local on Monday 4/1
        ("2026-12-31", utc("2027-01-03T16:59:59"), 0),  # still Sunday locally
    ],
)
def test_days_overdue_in_working_days(deadline, now, days):
    assert days_overdue(D(deadline) if deadline else None, now, OFFICE) == days


def test_saturday_after_deadline_is_overdue_by_zero_working_days():
    now = vn("2026-06-13T08:00:00")
    assert due_state(D("2026-06-12"), now, OFFICE) is DueState.OVERDUE
    assert days_overdue(D("2026-06-12"), now, OFFICE) == 0


def test_days_overdue_stops_at_completion():
    deadline, now = D("2026-06-12"), vn("2026-07-31T08:00:00")
    assert days_overdue(deadline, now, OFFICE, completed_at=vn("2026-06-16T10:00:00")) == 2
    assert days_overdue(deadline, now, OFFICE, completed_at=vn("2026-06-12T23:00:00")) == 0


# --- labels ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "label"),
    [
        (DueState.OVERDUE, "Quá hạn"),
        (DueState.DUE_TODAY, "Đến hạn hôm nay"),
        (DueState.DUE_SOON, "Sắp đến hạn"),
        (DueState.UPCOMING, "Còn hạn"),
        (DueState.COMPLETED_ON_TIME, "Hoàn thành đúng hạn"),
        (DueState.COMPLETED_LATE, "Hoàn thành trễ hạn"),
        (DueState.COMPLETED, "Đã hoàn thành"),
        (DueState.NONE, "Không có hạn"),
    ],
)
def test_vietnamese_labels(state, label):
    assert state.label == label
    assert DUE_STATE_LABELS[state] == label


def test_every_state_has_a_label_and_a_stable_value():
    assert set(DUE_STATE_LABELS) == set(DueState)
    assert DueState("due_soon") is DueState.DUE_SOON


# --- Vietnamese public holidays -------------------------------------------------------


def test_fixed_solar_holidays_with_national_day_after():
    days = vietnam_public_holidays(2026, national_day_adjacent="after")
    assert days == {
        D("2026-01-01"),
        D("2026-04-30"),
        D("2026-05-01"),
        D("2026-09-02"),
        D("2026-09-03"),
    }


def test_national_day_before_and_lunar_dates_passed_in():
    tet = [D("2026-02-16") + timedelta(days=i) for i in range(5)]  # illustrative
    hung_kings = D("2026-04-26")
    days = vietnam_public_holidays(
        2026,
        national_day_adjacent="before",
        lunar_holidays=[*tet, hung_kings],
        extra=[D("2026-01-02")],
    )
    assert D("2026-09-01") in days and D("2026-09-03") not in days
    assert set(tet) <= days and hung_kings in days and D("2026-01-02") in days
    assert len(days) == 5 + 6 + 1


def test_public_holidays_feed_the_calendar():
    tet = [D("2026-02-16") + timedelta(days=i) for i in range(5)]  # Mon–Fri, illustrative
    cal = WorkingCalendar(
        holidays=vietnam_public_holidays(2026, national_day_adjacent="after", lunar_holidays=tet)
    )
    assert cal.add_working_days(D("2026-02-13"), 1) == D("2026-02-23")  # Fri before Tết
    assert cal.add_working_days(D("2026-09-01"), 1) == D("2026-09-04")  # skips 2/9 and 3/9


def test_fixed_table_can_be_replaced():
    days = vietnam_public_holidays(2026, national_day_adjacent="after", fixed=[(1, 1, "x")])
    assert days == {D("2026-01-01"), D("2026-09-03")}
    assert (9, 2, "Quốc khánh") in FIXED_SOLAR_HOLIDAYS


def test_holiday_outside_the_year_is_refused():
    with pytest.raises(ValueError, match="Ngày nghỉ 17/02/2027 không thuộc năm 2026"):
        vietnam_public_holidays(
            2026, national_day_adjacent="after", lunar_holidays=[D("2027-02-17")]
        )


def test_national_day_choice_must_be_before_or_after():
    with pytest.raises(ValueError, match="'before' \\(1/9\\) hoặc 'after' \\(3/9\\)"):
        vietnam_public_holidays(2026, national_day_adjacent="sau")  # type: ignore[arg-type]
