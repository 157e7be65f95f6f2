"""Time: stored in UTC, shown and reasoned about in the office's zone (Asia/Ho_Chi_Minh).

`now_utc()` is the single clock of the application; tests replace it through
`set_clock()` to register a document at 23:59:59 on 31 December local time.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

DEFAULT_TZ = "Asia/Ho_Chi_Minh"
_tz = ZoneInfo(DEFAULT_TZ)
_clock: Callable[[], datetime] | None = None


def configure(tz_name: str) -> None:
    """Set the local zone used for display and for year boundaries."""
    global _tz
    _tz = ZoneInfo(tz_name)


def local_tz() -> ZoneInfo:
    return _tz


def set_clock(clock: Callable[[], datetime] | None) -> None:
    """Replace the clock (tests, benchmarks, demo data); None restores the real one."""
    global _clock
    _clock = clock


def now_utc() -> datetime:
    """The current instant, timezone-aware UTC."""
    if _clock is not None:
        return to_utc(_clock())
    return datetime.now(UTC)


def to_utc(moment: datetime) -> datetime:
    """Make `moment` aware UTC; a naive value is taken as local office time."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=_tz)
    return moment.astimezone(UTC)


def to_local(moment: datetime | None) -> datetime | None:
    """Convert a stored instant to office time; naive values from SQLite are UTC."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(_tz)


def local_today() -> date:
    local = to_local(now_utc())
    assert local is not None
    return local.date()


def local_year(moment: datetime) -> int:
    """The calendar year of `moment` in office time: register books turn over on 1 January."""
    local = to_local(moment)
    assert local is not None
    return local.year


def format_date(value: date | datetime | None) -> str:
    """dd/mm/yyyy, the Vietnamese convention."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_local(value)
    return value.strftime("%d/%m/%Y")


def format_datetime(value: datetime | None) -> str:
    """dd/mm/yyyy HH:MM in office time, 24 h."""
    if value is None:
        return ""
    local = to_local(value)
    assert local is not None
    return local.strftime("%d/%m/%Y %H:%M")
