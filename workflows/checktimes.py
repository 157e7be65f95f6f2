"""The daily check times (giờ kiểm tra văn bản): slots, catch-up, reminders, compliance.

The district plan (../shared/fixtures, §II.2) asks every unit to check for new documents
at least four times a day: 06:30, 11:00, 13:30 and 16:30, office time. This module holds
the rules only, as plain Python (no Flask, no database, no clock): every function takes
"now" as an explicit aware datetime, the office zone as a parameter and a
`WorkingCalendar` for working days, holidays and compensating working Saturdays, so the
rules are tested at any instant without patching anything.

Vocabulary
----------
A *slot* is one check time on one working day, in office time: `Slot(day, at)`. Slots
are ordered by (day, at), which is their chronological order in the office zone. Only
working days have slots; the configured times apply to every working day.

How the scheduler process uses this module
------------------------------------------
RQ 2.x evaluates cron strings in **UTC** (STACK.md §1.1), and a cron string would also
carry the weekday in UTC: 06:30 on a Monday in Hồ Chí Minh City is 23:30 UTC on Sunday,
so ``30 23 * * 1-5`` would check on Saturday morning and skip Monday. The schedule is
therefore *not* written as cron strings. The single ``rq cron`` process (STACK.md §1.2:
exactly one, it has no lock) registers one job with ``interval=60``; RQ runs interval
jobs once at start-up too, which is exactly the catch-up tick after downtime. Each tick:

1. loads the check times and the calendar (holidays from the database);
2. for each organisation, reads its last recorded slot (the greatest (day, slot time) of
   its check rows) and calls `due_slots(now, times, calendar, tz, last_done=...)`;
3. for each slot returned, in order, inserts the row (organisation, day, slot time)
   under a **unique constraint** (``INSERT … ON CONFLICT DO NOTHING``) and, only if the
   row was inserted, enqueues the fetch job with the id ``f"check-{org_id}-{slot.key}"``.
   `due_slots` never returns a slot at or before `last_done`, and the unique row makes a
   second scheduler, a retried tick or a crash between insert and enqueue harmless: a
   slot runs at most once whatever happens. The fetch job records when it ran and how
   many documents it brought on that row;
4. calls `slots_to_remind(now, …, minutes_before)` and reminds each clerk of those slots,
   claiming the reminder on the same row with ``UPDATE … SET reminded_at = now WHERE
   reminded_at IS NULL`` so that the ticks inside the reminder window remind once.

A clerk's "Đã kiểm tra" goes to `slot_for_confirmation`, and the compliance board calls
`classify` per slot and `monthly_summary` per school.

Local times are converted with the office zone at the moment of use, so a later move to
rq 3.0 (local-time cron strings) changes nothing here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from itertools import pairwise

from workflows.calendar import VN_TZ, WorkingCalendar, local_date

DEFAULT_CHECK_TIMES: tuple[time, ...] = (time(6, 30), time(11, 0), time(13, 30), time(16, 30))

# Two check times closer than this are almost certainly a typing mistake (11:00 and
# 11:05), and each slot needs room for its confirmation window.
MIN_GAP_MINUTES = 30

# More than this many checks a day is no longer a schedule but polling.
MAX_CHECK_TIMES = 12

# A clerk who answers the reminder a few minutes before the check time has checked for
# that slot: refusing to credit them would punish the diligent ones.
DEFAULT_EARLY_MINUTES = 10

# How far back a restarted scheduler replays missed slots (see `due_slots`).
DEFAULT_CATCH_UP_DAYS = 1

# A guard against a caller asking for slots over centuries by mistake.
MAX_SPAN_DAYS = 800

_TIME_PATTERN = re.compile(r"^\s*(\d{1,2})\s*[:hH]\s*(\d{2})\s*$")


def _require_aware(moment: object, name: str) -> datetime:
    """Refuse naive datetimes: whether one meant UTC or office time changes the answer."""
    if not isinstance(moment, datetime):
        raise TypeError(f"{name} phải là datetime, không phải {type(moment).__name__}.")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} phải có múi giờ (aware datetime), không được là giờ 'naive'.")
    return moment


def _require_minutes(value: object, name: str, *, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} phải là số nguyên, không phải {type(value).__name__}.")
    if value < minimum:
        raise ValueError(f"{name} phải từ {minimum} trở lên (nhận được {value}).")
    return value


# --- configuration ---------------------------------------------------------------------


def parse_check_times(values: Iterable[str]) -> tuple[time, ...]:
    """Parse the configured check times ("06:30", "6:30" or "6h30") into sorted times.

    Every problem is a `ValueError` whose Vietnamese message the admin form shows as is.
    Exact duplicates are merged silently (harmless); two distinct times closer than
    `MIN_GAP_MINUTES` are refused, since each slot's confirmation period runs until the
    next slot opens and a five-minute slot could never be confirmed on time.
    """
    if isinstance(values, str):
        # A bare string would be parsed character by character.
        raise TypeError("Danh sách giờ kiểm tra phải là một danh sách, không phải một chuỗi.")
    parsed: set[time] = set()
    for raw in values:
        if not isinstance(raw, str):
            raise TypeError(f"Giờ kiểm tra phải là chuỗi 'HH:MM', không phải {type(raw).__name__}.")
        match = _TIME_PATTERN.match(raw)
        if match is None:
            raise ValueError(
                f"Giờ kiểm tra “{raw.strip()}” không hợp lệ: hãy nhập theo dạng giờ:phút, "
                "ví dụ 06:30."
            )
        hour, minute = int(match.group(1)), int(match.group(2))
        if hour > 23:
            raise ValueError(f"Giờ kiểm tra “{raw.strip()}” không hợp lệ: giờ phải từ 0 đến 23.")
        if minute > 59:
            raise ValueError(f"Giờ kiểm tra “{raw.strip()}” không hợp lệ: phút phải từ 00 đến 59.")
        parsed.add(time(hour, minute))
    if not parsed:
        raise ValueError("Phải có ít nhất một giờ kiểm tra trong ngày.")
    if len(parsed) > MAX_CHECK_TIMES:
        raise ValueError(f"Tối đa {MAX_CHECK_TIMES} giờ kiểm tra trong một ngày.")
    ordered = tuple(sorted(parsed))
    for earlier, later in pairwise(ordered):
        gap = _minutes(later) - _minutes(earlier)
        if gap < MIN_GAP_MINUTES:
            raise ValueError(
                f"Hai giờ kiểm tra {earlier:%H:%M} và {later:%H:%M} cách nhau {gap} phút; "
                f"phải cách nhau ít nhất {MIN_GAP_MINUTES} phút."
            )
    return ordered


def format_check_times(times: Iterable[time]) -> str:
    """ "06:30, 11:00, 13:30, 16:30": how the settings page and messages show them."""
    return ", ".join(t.strftime("%H:%M") for t in times)


def _minutes(t: time) -> int:
    return t.hour * 60 + t.minute


# --- slots -----------------------------------------------------------------------------


@dataclass(frozen=True, order=True, slots=True)
class Slot:
    """One check time on one working day, in office time.

    Kept as a local (day, time) rather than an instant because that is what people and
    the compliance board reason about ("the 06:30 check of Monday 6/4") and what the
    unique (organisation, day, slot time) row stores; the instant is derived on demand.
    """

    day: date
    at: time

    def __post_init__(self) -> None:
        if isinstance(self.day, datetime) or not isinstance(self.day, date):
            raise TypeError(f"Ngày của lượt kiểm tra phải là date, không phải {self.day!r}.")
        if not isinstance(self.at, time) or self.at.tzinfo is not None:
            raise TypeError(f"Giờ của lượt kiểm tra phải là time không múi giờ: {self.at!r}.")

    def instant(self, tz: tzinfo = VN_TZ) -> datetime:
        """The UTC instant of this slot: 06:30 on 6/4 in Hà Nội time is 23:30 UTC on 5/4."""
        return datetime.combine(self.day, self.at, tzinfo=tz).astimezone(UTC)

    @property
    def key(self) -> str:
        """ "20260406-0630": stable, and valid as an RQ job id (only [A-Za-z0-9_-])."""
        return f"{self.day:%Y%m%d}-{self.at:%H%M}"

    @property
    def label(self) -> str:
        """ "06:30 ngày 06/04/2026", for messages and reminders."""
        return f"{self.at:%H:%M} ngày {self.day:%d/%m/%Y}"


def _day_slots(day: date, times: Iterable[time], calendar: WorkingCalendar) -> list[Slot]:
    if not calendar.is_working_day(day):
        return []
    return [Slot(day, t) for t in sorted(set(times))]


def _slots_on_days(
    first: date, last: date, times: Sequence[time], calendar: WorkingCalendar
) -> list[Slot]:
    if (last - first).days > MAX_SPAN_DAYS:
        raise ValueError(
            f"Khoảng thời gian quá dài: tối đa {MAX_SPAN_DAYS} ngày cho một lần tính lượt kiểm tra."
        )
    slots: list[Slot] = []
    day = first
    while day <= last:
        slots.extend(_day_slots(day, times, calendar))
        day += timedelta(days=1)
    return slots


def slots_between(
    start_utc: datetime,
    end_utc: datetime,
    times: Sequence[time],
    calendar: WorkingCalendar,
    tz: tzinfo = VN_TZ,
) -> list[Slot]:
    """The slots whose instant lies in the half-open interval (start_utc, end_utc], in order.

    Half-open so that consecutive intervals (a, b], (b, c] cover every slot exactly once:
    a slot at exactly `end_utc` belongs to this interval and not to the next one. Days
    are the *local* days of the office zone, so the Monday 06:30 slot is found between
    Sunday 23:00 and 23:59 UTC, and nothing is found early on a UTC Saturday that is
    already a local Saturday.
    """
    _require_aware(start_utc, "Thời điểm bắt đầu")
    _require_aware(end_utc, "Thời điểm kết thúc")
    if end_utc <= start_utc:
        return []
    candidates = _slots_on_days(local_date(start_utc, tz), local_date(end_utc, tz), times, calendar)
    return [s for s in candidates if start_utc < s.instant(tz) <= end_utc]


def _working_days_back(calendar: WorkingCalendar, day: date, n: int) -> date:
    """The n-th working day before `day` (`day` itself when n == 0)."""
    while n > 0:
        day -= timedelta(days=1)
        if calendar.is_working_day(day):
            n -= 1
    return day


def due_slots(
    now_utc: datetime,
    times: Sequence[time],
    calendar: WorkingCalendar,
    tz: tzinfo = VN_TZ,
    *,
    last_done: Slot | None,
    catch_up_days: int = DEFAULT_CATCH_UP_DAYS,
) -> list[Slot]:
    """The slots to run now, oldest first: their time has come and they come after `last_done`.

    *Never twice*: only slots strictly after `last_done` are returned, so a tick that
    records what it ran and ticks again in the same minute gets nothing. The ordering is
    by (day, time), not by position in today's list, so changing the configured times
    never replays or skips an earlier slot.

    *Catch-up*: after downtime every missed slot since `last_done` is returned in order,
    but none from before the start of the `catch_up_days`-th working day before today
    (today's own slots always count; with the default 1, a scheduler restarted on Monday
    morning still runs Friday's missed checks, which matter: documents sent on Friday
    afternoon are still waiting). Older slots are dropped on purpose:

    - each fetch brings *everything* pending on the exchange, so replaying a month of
      slots fetches nothing the first replayed one did not, it only fills the log with
      checks that did not happen at their time;
    - every replayed slot would notify clerks about a check of weeks ago;
    - the compliance board judges clerks' confirmations, and a slot nobody confirmed is
      "missed" whether or not the scheduler replays it; dropping it changes no verdict.

    The first tick ever (`last_done` None) follows the same rule.
    """
    _require_aware(now_utc, "Thời điểm hiện tại")
    _require_minutes(catch_up_days, "Số ngày làm việc được chạy bù")
    if last_done is not None and not isinstance(last_done, Slot):
        raise TypeError(f"last_done phải là Slot hoặc None, không phải {type(last_done).__name__}.")
    today = local_date(now_utc, tz)
    floor = _working_days_back(calendar, today, catch_up_days)
    if last_done is not None and last_done.day > floor:
        floor = last_done.day
    return [
        slot
        for slot in _slots_on_days(floor, today, times, calendar)
        if slot.instant(tz) <= now_utc and (last_done is None or slot > last_done)
    ]


# --- reminders -------------------------------------------------------------------------


def reminder_at(slot: Slot, minutes_before: int, tz: tzinfo = VN_TZ) -> datetime:
    """When the reminder for `slot` is due (UTC): `minutes_before` before the check time."""
    _require_minutes(minutes_before, "Số phút nhắc trước", minimum=1)
    return slot.instant(tz) - timedelta(minutes=minutes_before)


def reminder_due(now_utc: datetime, slot: Slot, minutes_before: int, tz: tzinfo = VN_TZ) -> bool:
    """True from `minutes_before` before the slot until the slot's time (excluded).

    A window, not an instant, so a tick that comes a few seconds late still reminds;
    the scheduler claims the reminder on the slot's row so the window's other ticks do
    not repeat it. Once the slot's time has come there is nothing left to remind of: a
    slot caught up after downtime is run, never announced.
    """
    _require_aware(now_utc, "Thời điểm hiện tại")
    return reminder_at(slot, minutes_before, tz) <= now_utc < slot.instant(tz)


def slots_to_remind(
    now_utc: datetime,
    times: Sequence[time],
    calendar: WorkingCalendar,
    minutes_before: int,
    tz: tzinfo = VN_TZ,
) -> list[Slot]:
    """The slots whose reminder window contains `now_utc` (see `reminder_due`)."""
    _require_minutes(minutes_before, "Số phút nhắc trước", minimum=1)
    # reminder_at <= now < instant  <=>  now < instant <= now + minutes_before
    end = now_utc + timedelta(minutes=minutes_before)
    return slots_between(now_utc, end, times, calendar, tz)


# --- compliance ------------------------------------------------------------------------


class CheckState(StrEnum):
    """A slot's verdict on the compliance board; the value is stable for storage and URLs."""

    ON_TIME = "on_time"
    LATE = "late"
    MISSED = "missed"
    # Only when `classify` is given `now`: the verdict is not known yet.
    UPCOMING = "upcoming"
    PENDING = "pending"

    @property
    def label(self) -> str:
        return CHECK_STATE_LABELS[self]


CHECK_STATE_LABELS: dict[CheckState, str] = {
    CheckState.ON_TIME: "Đúng giờ",
    CheckState.LATE: "Trễ",
    CheckState.MISSED: "Không kiểm tra",
    CheckState.UPCOMING: "Chưa đến giờ",
    CheckState.PENDING: "Chưa xác nhận",
}


def slot_period(
    slot: Slot,
    times: Sequence[time] = (),
    *,
    early_minutes: int = DEFAULT_EARLY_MINUTES,
    tz: tzinfo = VN_TZ,
) -> tuple[datetime, datetime]:
    """The UTC interval [opens, closes) in which a confirmation belongs to `slot`.

    It opens `early_minutes` before the check time (a clerk answering the reminder has
    checked for this slot) and closes when the next check time of the same day opens,
    or at local midnight after the day's last slot. It never crosses into another local
    day: a check on the next morning is a check of the next morning.
    """
    _require_minutes(early_minutes, "Số phút xác nhận sớm")
    if early_minutes >= MIN_GAP_MINUTES:
        raise ValueError(
            f"Số phút xác nhận sớm phải nhỏ hơn {MIN_GAP_MINUTES} (nhận được {early_minutes})."
        )
    early = timedelta(minutes=early_minutes)
    day_start = datetime.combine(slot.day, time(0), tzinfo=tz).astimezone(UTC)
    day_end = datetime.combine(slot.day + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)
    opens = max(slot.instant(tz) - early, day_start)
    later = sorted(t for t in times if t > slot.at)
    closes = max(Slot(slot.day, later[0]).instant(tz) - early, day_start) if later else day_end
    return opens, closes


def slot_for_confirmation(
    confirmed_at: datetime,
    times: Sequence[time],
    calendar: WorkingCalendar,
    tz: tzinfo = VN_TZ,
    *,
    early_minutes: int = DEFAULT_EARLY_MINUTES,
) -> Slot | None:
    """The slot a clerk's "Đã kiểm tra" at `confirmed_at` answers, or None.

    One confirmation answers one slot: the one whose period (`slot_period`) contains it.
    None before the day's first slot opens and on days off: there was no check to answer.
    """
    _require_aware(confirmed_at, "Thời điểm xác nhận")
    for slot in _day_slots(local_date(confirmed_at, tz), times, calendar):
        opens, closes = slot_period(slot, times, early_minutes=early_minutes, tz=tz)
        if opens <= confirmed_at < closes:
            return slot
    return None


def classify(
    slot: Slot,
    confirmed_at: datetime | None,
    window_minutes: int,
    *,
    times: Sequence[time] = (),
    early_minutes: int = DEFAULT_EARLY_MINUTES,
    tz: tzinfo = VN_TZ,
    now: datetime | None = None,
) -> CheckState:
    """On time, late or missed, for one slot on the compliance board.

    The rule, meant to be fair and easy to explain to a school:

    - **on time** (Đúng giờ): confirmed from `early_minutes` before the check time up to
      `window_minutes` after it, both ends included (06:30 with a 30-minute window:
      06:20 to 07:00:00);
    - **late** (Trễ): confirmed after the window but before the next check time of the
      same day opens (or before midnight for the day's last slot): the documents were
      looked at, only later than the plan asks;
    - **missed** (Không kiểm tra): never confirmed in that period. Once the next check
      time has come, a confirmation answers that next slot, not this one, so one press
      cannot turn a whole day of missed checks into "late"; a confirmation the next day
      never counts for yesterday.

    `times` are the day's check times (to find the next one); without them the late
    period runs to midnight. Given `now`, a slot whose verdict is not known yet is
    UPCOMING (its period has not opened) or PENDING (open and not confirmed); without
    `now` the caller asserts the period is over. A confirmation before the period
    opened belongs to another slot and is refused (ValueError).
    """
    _require_minutes(window_minutes, "Số phút xác nhận đúng giờ", minimum=1)
    opens, closes = slot_period(slot, times, early_minutes=early_minutes, tz=tz)
    if confirmed_at is None:
        if now is not None:
            _require_aware(now, "Thời điểm hiện tại")
            if now < opens:
                return CheckState.UPCOMING
            if now < closes:
                return CheckState.PENDING
        return CheckState.MISSED
    _require_aware(confirmed_at, "Thời điểm xác nhận")
    if confirmed_at < opens:
        raise ValueError(
            f"Lần xác nhận lúc {confirmed_at.astimezone(tz):%H:%M %d/%m/%Y} diễn ra trước "
            f"lượt kiểm tra {slot.label}, nên không thể là xác nhận của lượt này."
        )
    if confirmed_at >= closes:
        return CheckState.MISSED
    if confirmed_at <= slot.instant(tz) + timedelta(minutes=window_minutes):
        return CheckState.ON_TIME
    return CheckState.LATE


def monthly_summary(
    records: Iterable[tuple[Slot, CheckState | str]],
) -> dict[tuple[int, int], dict[CheckState, int]]:
    """Counts per state for each (year, month) of the slots' local days, months in order.

    Every state appears in each month's counts, zero included, so a table or chart has
    all its columns. A state that is not a `CheckState` value is refused rather than
    counted under a name nobody reads.
    """
    months: dict[tuple[int, int], dict[CheckState, int]] = {}
    for slot, state in records:
        try:
            verdict = CheckState(state)
        except ValueError:
            raise ValueError(f"Trạng thái kiểm tra không hợp lệ: {state!r}.") from None
        counts = months.setdefault((slot.day.year, slot.day.month), dict.fromkeys(CheckState, 0))
        counts[verdict] += 1
    return dict(sorted(months.items()))
