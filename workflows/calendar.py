"""Deadlines in working days and their state relative to "now".

Vietnamese offices set handling deadlines as "xử lý trong N ngày làm việc" and follow
the Civil Code rule for periods counted in days (Bộ luật Dân sự 2015, Điều 147): the day
of the triggering event does not count, the period starts on the following day. So
`add_working_days(start, n)` returns the n-th working day *after* `start`.

Every function takes "now" (and completion instants) as explicit aware datetimes and the
office time zone as a parameter, so the rules can be tested at any instant without
patching a clock, and a date is always the *local* date: 2026-12-31 17:30 UTC is already
1 January 2027 in Ho Chi Minh City, and a deadline of 31/12/2026 has passed.

This module is plain Python on purpose (no Flask, no database): services build a
`WorkingCalendar` from the holidays an administrator configured and pass it in.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from datetime import date, datetime, timedelta, tzinfo
from enum import StrEnum
from typing import Literal
from zoneinfo import ZoneInfo

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

# Monday = 0 … Sunday = 6, as `date.weekday()` counts.
DEFAULT_WORKING_WEEKDAYS: frozenset[int] = frozenset({0, 1, 2, 3, 4})

# A deadline this many working days away (or fewer) is "sắp đến hạn".
DEFAULT_SOON_WORKING_DAYS = 2

# Public holidays that fall on a fixed solar date every year (Bộ luật Lao động 2019,
# Điều 112). Tết Nguyên đán and Giỗ Tổ Hùng Vương follow the lunar calendar and the
# second day of Quốc khánh (1/9 or 3/9) is announced each year, so neither is in this
# table: the caller passes them explicitly to `vietnam_public_holidays`.
FIXED_SOLAR_HOLIDAYS: tuple[tuple[int, int, str], ...] = (
    (1, 1, "Tết Dương lịch"),
    (4, 30, "Ngày Chiến thắng"),
    (5, 1, "Ngày Quốc tế Lao động"),
    (9, 2, "Quốc khánh"),
)

NationalDayAdjacent = Literal["before", "after"]


def _require_date(value: object, name: str) -> date:
    """Reject datetimes: a datetime is a `date` subclass and would silently mix instants
    into day arithmetic (and cannot be compared with plain dates)."""
    if isinstance(value, datetime) or not isinstance(value, date):
        raise TypeError(f"{name} phải là một ngày (date), không phải {type(value).__name__}.")
    return value


def _require_count(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} phải là số nguyên, không phải {type(value).__name__}.")
    if value < 0:
        raise ValueError(f"{name} không được âm (nhận được {value}).")
    return value


def local_date(moment: datetime, tz: tzinfo = VN_TZ) -> date:
    """The calendar date of `moment` in the office zone.

    A naive datetime is refused rather than guessed: whether it meant UTC (as SQLite
    returns stored values) or local time changes the answer near midnight.
    """
    if not isinstance(moment, datetime):
        raise TypeError(f"Thời điểm phải là datetime, không phải {type(moment).__name__}.")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("Thời điểm phải có múi giờ (aware datetime), không được là giờ 'naive'.")
    return moment.astimezone(tz).date()


class WorkingCalendar:
    """Which days count as working days for one office.

    A day is a working day when it is a compensating working day (ngày làm bù, e.g. a
    Saturday the government declares worked in exchange for a bridge holiday), or
    otherwise when its weekday is a working weekday and it is not a holiday. A date may
    not be both a holiday and a compensating day: that is a configuration mistake, and
    guessing which one wins would move deadlines silently.

    Counting is done arithmetically (whole weeks plus bisected holiday lists), so a span
    of many years costs the same as a span of a few days.
    """

    __slots__ = ("_added", "_removed", "extra_working_days", "holidays", "working_weekdays")

    def __init__(
        self,
        working_weekdays: Iterable[int] = DEFAULT_WORKING_WEEKDAYS,
        holidays: Iterable[date] = (),
        extra_working_days: Iterable[date] = (),
    ) -> None:
        weekdays = frozenset(working_weekdays)
        if not weekdays:
            # Without any working weekday, a deadline could never be reached.
            raise ValueError("Phải có ít nhất một ngày làm việc trong tuần.")
        for weekday in weekdays:
            if isinstance(weekday, bool) or not isinstance(weekday, int) or not 0 <= weekday <= 6:
                raise ValueError(
                    f"Ngày trong tuần phải là số từ 0 (thứ Hai) đến 6 (Chủ nhật), "
                    f"nhận được {weekday!r}."
                )
        off = frozenset(_require_date(d, "Ngày nghỉ lễ") for d in holidays)
        extra = frozenset(_require_date(d, "Ngày làm bù") for d in extra_working_days)
        clash = sorted(off & extra)
        if clash:
            listed = ", ".join(d.strftime("%d/%m/%Y") for d in clash)
            raise ValueError(
                f"Một ngày không thể vừa là ngày nghỉ lễ vừa là ngày làm bù: {listed}."
            )

        self.working_weekdays: frozenset[int] = weekdays
        self.holidays: frozenset[date] = off
        self.extra_working_days: frozenset[date] = extra
        # Only the dates that change the weekday pattern matter for counting.
        self._removed: tuple[date, ...] = tuple(sorted(d for d in off if d.weekday() in weekdays))
        self._added: tuple[date, ...] = tuple(
            sorted(d for d in extra if d.weekday() not in weekdays)
        )

    def __repr__(self) -> str:
        return (
            f"WorkingCalendar(working_weekdays={sorted(self.working_weekdays)}, "
            f"holidays={len(self.holidays)}, extra_working_days={len(self.extra_working_days)})"
        )

    def is_working_day(self, d: date) -> bool:
        _require_date(d, "Ngày")
        if d in self.extra_working_days:
            return True
        return d.weekday() in self.working_weekdays and d not in self.holidays

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in the half-open interval (start, end].

        Half-open so that it is the inverse of `add_working_days`:
        `working_days_between(s, add_working_days(s, n)) == n`. It is antisymmetric
        (negative when `end` is before `start`), which lets a caller tell "3 working days
        left" from "3 working days late" with one call.
        """
        _require_date(start, "Ngày bắt đầu")
        _require_date(end, "Ngày kết thúc")
        if end < start:
            return -self.working_days_between(end, start)
        total = (end - start).days
        full_weeks, rest = divmod(total, 7)
        count = full_weeks * len(self.working_weekdays)
        first = start.weekday()
        count += sum(1 for i in range(1, rest + 1) if (first + i) % 7 in self.working_weekdays)
        count -= bisect_right(self._removed, end) - bisect_right(self._removed, start)
        count += bisect_right(self._added, end) - bisect_right(self._added, start)
        return count

    def add_working_days(self, start: date, n: int) -> date:
        """The n-th working day after `start`; `start` itself never counts.

        This is the Vietnamese convention for "xử lý trong N ngày làm việc": a document
        assigned on Friday with 1 working day is due on Monday, and one assigned on a
        Saturday with 1 working day is also due on Monday. `n == 0` returns `start`
        unchanged ("within the day"), even if `start` is not a working day, because the
        caller asked for no extension at all.
        """
        _require_date(start, "Ngày bắt đầu")
        _require_count(n, "Số ngày làm việc")
        if n == 0:
            return start
        # Find an upper bound, then binary-search the first date whose count reaches n.
        # The count only grows on working days, so that date is itself a working day.
        step = timedelta(days=7 * -(-n // len(self.working_weekdays)))
        low, high = start, start + step
        while self.working_days_between(start, high) < n:
            low, high = high, high + step
        while (high - low).days > 1:
            middle = low + timedelta(days=(high - low).days // 2)
            if self.working_days_between(start, middle) >= n:
                high = middle
            else:
                low = middle
        return high

    def next_working_day(self, d: date) -> date:
        """The first working day strictly after `d`."""
        return self.add_working_days(d, 1)

    def working_day_on_or_after(self, d: date) -> date:
        """`d` if it is a working day, else the next one.

        The Civil Code moves a period that ends on a day off to the next working day;
        services can use this to normalise a deadline a leader picked on a holiday.
        """
        return d if self.is_working_day(d) else self.next_working_day(d)


class DueState(StrEnum):
    """Where a deadline stands; the value is stable for storage and URLs."""

    NONE = "none"
    OVERDUE = "overdue"
    DUE_TODAY = "due_today"
    DUE_SOON = "due_soon"
    UPCOMING = "upcoming"
    COMPLETED = "completed"
    COMPLETED_ON_TIME = "completed_on_time"
    COMPLETED_LATE = "completed_late"

    @property
    def label(self) -> str:
        return DUE_STATE_LABELS[self]


DUE_STATE_LABELS: dict[DueState, str] = {
    DueState.NONE: "Không có hạn",
    DueState.OVERDUE: "Quá hạn",
    DueState.DUE_TODAY: "Đến hạn hôm nay",
    DueState.DUE_SOON: "Sắp đến hạn",
    DueState.UPCOMING: "Còn hạn",
    # Completed work that never had a deadline: "đúng hạn" would claim a check that
    # could not be made.
    DueState.COMPLETED: "Đã hoàn thành",
    DueState.COMPLETED_ON_TIME: "Hoàn thành đúng hạn",
    DueState.COMPLETED_LATE: "Hoàn thành trễ hạn",
}


def completion_state(
    deadline: date | None, completed_at: datetime, *, tz: tzinfo = VN_TZ
) -> DueState:
    """On time when the work was completed on or before the deadline's local date.

    The deadline is a whole day: completing at 23:59 local time on the due date is on
    time, 00:00 the next local day is late, whatever the UTC date says.
    """
    done_on = local_date(completed_at, tz)
    if deadline is None:
        return DueState.COMPLETED
    _require_date(deadline, "Hạn xử lý")
    return DueState.COMPLETED_ON_TIME if done_on <= deadline else DueState.COMPLETED_LATE


def due_state(
    deadline: date | None,
    now: datetime,
    calendar: WorkingCalendar,
    *,
    completed_at: datetime | None = None,
    tz: tzinfo = VN_TZ,
    soon: int = DEFAULT_SOON_WORKING_DAYS,
) -> DueState:
    """Classify a deadline as seen at `now` in the office zone.

    Overdue when the deadline is before today's local date, due today on it, due soon
    when at most `soon` working days remain after today (a deadline on the weekend right
    after today counts as due soon: no working day is left to act), otherwise upcoming.
    Once `completed_at` is given, the result is the completion verdict instead, so a
    list can classify open and finished work with one call.
    """
    _require_count(soon, "Số ngày 'sắp đến hạn'")
    today = local_date(now, tz)
    if completed_at is not None:
        return completion_state(deadline, completed_at, tz=tz)
    if deadline is None:
        return DueState.NONE
    _require_date(deadline, "Hạn xử lý")
    if deadline < today:
        return DueState.OVERDUE
    if deadline == today:
        return DueState.DUE_TODAY
    if calendar.working_days_between(today, deadline) <= soon:
        return DueState.DUE_SOON
    return DueState.UPCOMING


def days_overdue(
    deadline: date | None,
    now: datetime,
    calendar: WorkingCalendar,
    *,
    completed_at: datetime | None = None,
    tz: tzinfo = VN_TZ,
) -> int:
    """Working days past the deadline, up to today or up to completion; 0 if not late.

    Only working days count, so a deadline on Friday seen on Saturday is overdue
    (state OVERDUE) yet 0 working days late: nobody could have acted on the weekend.
    """
    if deadline is None:
        return 0
    _require_date(deadline, "Hạn xử lý")
    until = local_date(completed_at if completed_at is not None else now, tz)
    return max(0, calendar.working_days_between(deadline, until))


def vietnam_public_holidays(
    year: int,
    *,
    national_day_adjacent: NationalDayAdjacent,
    lunar_holidays: Iterable[date] = (),
    extra: Iterable[date] = (),
    fixed: Iterable[tuple[int, int, str]] = FIXED_SOLAR_HOLIDAYS,
) -> frozenset[date]:
    """The public holidays of `year`, from the fixed table plus dates given explicitly.

    Nothing lunar is computed here: Tết Nguyên đán and Giỗ Tổ Hùng Vương days, and any
    bridge or substitute days the government announces, come in `lunar_holidays` and
    `extra` as the administrator enters them. `national_day_adjacent` has no default on
    purpose: whether the second Quốc khánh day is 1/9 or 3/9 is decided every year, and
    a silent default would be wrong about half the time. Dates outside `year` are
    refused, since they are almost always a typing mistake in the year.
    """
    if isinstance(year, bool) or not isinstance(year, int):
        raise TypeError(f"Năm phải là số nguyên, không phải {type(year).__name__}.")
    if national_day_adjacent not in ("before", "after"):
        raise ValueError(
            "Ngày nghỉ liền kề Quốc khánh phải là 'before' (1/9) hoặc 'after' (3/9), "
            f"nhận được {national_day_adjacent!r}."
        )
    days = {date(year, month, day) for month, day, _name in fixed}
    days.add(date(year, 9, 1) if national_day_adjacent == "before" else date(year, 9, 3))
    for given in (*lunar_holidays, *extra):
        _require_date(given, "Ngày nghỉ lễ")
        if given.year != year:
            raise ValueError(f"Ngày nghỉ {given.strftime('%d/%m/%Y')} không thuộc năm {year}.")
        days.add(given)
    return frozenset(days)
