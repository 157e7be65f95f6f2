"""The office calendar: holidays and compensating working days an administrator enters.

One calendar for the whole deployment, like the rest of the shared catalogue: the
government announces public holidays and "ngày làm bù" for every public office at once,
and a deadline must count the same working days in every school. So only the district
office's admin edits it; school admins see it.

`office_calendar()` is the one place that turns the table into a `WorkingCalendar`;
every deadline classification and reminder goes through it. It is cached in `flask.g`
(one query per request or job) and the cache is dropped whenever this module writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import g, has_app_context
from sqlalchemy import extract, select

from eoffice.catalog.models import Holiday, HolidayKind
from eoffice.core import audit
from eoffice.core.errors import Forbidden, NotFound, ValidationFailed
from eoffice.core.limits import MAX_YEAR, MIN_YEAR
from eoffice.core.text import clean
from eoffice.extensions import db
from eoffice.orgs.administration import is_district_admin
from eoffice.orgs.models import User
from workflows.calendar import (
    FIXED_SOLAR_HOLIDAYS,
    NationalDayAdjacent,
    WorkingCalendar,
    vietnam_public_holidays,
)

KIND_LABELS = {
    HolidayKind.HOLIDAY: "Ngày nghỉ lễ",
    HolidayKind.WORKING_DAY: "Ngày làm bù",
}
NATIONAL_DAY_ADJACENT_NAME = "Quốc khánh (ngày nghỉ liền kề)"
_CACHE_KEY = "eoffice_office_calendar"


def office_calendar() -> WorkingCalendar:
    """Monday to Friday, minus the configured holidays, plus the compensating days."""
    if has_app_context() and _CACHE_KEY in g:
        return g.get(_CACHE_KEY)
    off: list[date] = []
    worked: list[date] = []
    for day, kind in db.session.execute(select(Holiday.day, Holiday.kind)):
        (worked if kind == HolidayKind.WORKING_DAY else off).append(day)
    calendar = WorkingCalendar(holidays=off, extra_working_days=worked)
    if has_app_context():
        setattr(g, _CACHE_KEY, calendar)
    return calendar


def _forget_calendar() -> None:
    if has_app_context():
        g.pop(_CACHE_KEY, None)


def can_edit_holidays(actor: User) -> bool:
    return is_district_admin(actor)


def _require_editor(actor: User) -> None:
    if not can_edit_holidays(actor):
        raise Forbidden(
            "Lịch nghỉ lễ dùng chung chỉ do quản trị của Phòng Giáo dục và Đào tạo cập nhật."
        )


@dataclass
class HolidayData:
    day: date | None
    name: str
    kind: str = HolidayKind.HOLIDAY


def days_of_year(year: int) -> list[Holiday]:
    return list(
        db.session.scalars(
            select(Holiday).where(extract("year", Holiday.day) == year).order_by(Holiday.day)
        )
    )


def years_with_days() -> list[int]:
    return sorted({d.year for d in db.session.scalars(select(Holiday.day))})


def _existing(day: date) -> Holiday | None:
    return db.session.scalar(select(Holiday).where(Holiday.day == day))


def add_day(actor: User, data: HolidayData) -> Holiday:
    """A date appears once: being both a day off and a worked day would be a mistake."""
    _require_editor(actor)
    errors: dict[str, str] = {}
    name = clean(data.name)
    if data.day is None:
        errors["day"] = "Vui lòng nhập ngày."
    elif not MIN_YEAR <= data.day.year <= MAX_YEAR:
        errors["day"] = f"Năm phải từ {MIN_YEAR} đến {MAX_YEAR}."
    elif (other := _existing(data.day)) is not None:
        errors["day"] = (
            f"Ngày {data.day.strftime('%d/%m/%Y')} đã có trong lịch: "
            f"{KIND_LABELS[other.kind].lower()} “{other.name}”."
        )
    if not name:
        errors["name"] = "Vui lòng nhập tên ngày nghỉ hoặc lý do làm bù."
    elif len(name) > 150:
        errors["name"] = "Tên tối đa 150 ký tự."
    if data.kind not in KIND_LABELS:
        errors["kind"] = "Vui lòng chọn ngày nghỉ lễ hoặc ngày làm bù."
    if errors:
        raise ValidationFailed(next(iter(errors.values())), field_errors=errors)
    assert data.day is not None
    holiday = _create(actor, data.day, name, data.kind)
    db.session.commit()
    return holiday


def _create(actor: User, day: date, name: str, kind: str) -> Holiday:
    holiday = Holiday(day=day, name=name, kind=kind, created_by_id=actor.id)
    db.session.add(holiday)
    db.session.flush()
    audit.record(
        actor_id=actor.id,
        org_id=None,
        subject_type="holiday",
        subject_id=holiday.id,
        action="created",
        changes={"day": day.isoformat(), "name": name, "kind": kind},
    )
    _forget_calendar()
    return holiday


def delete_day(actor: User, holiday_id: int) -> Holiday:
    _require_editor(actor)
    holiday = db.session.get(Holiday, holiday_id)
    if holiday is None:
        raise NotFound("Không tìm thấy ngày này trong lịch.")
    audit.record(
        actor_id=actor.id,
        org_id=None,
        subject_type="holiday",
        subject_id=holiday.id,
        action="deleted",
        changes={"day": holiday.day.isoformat(), "name": holiday.name, "kind": holiday.kind},
    )
    db.session.delete(holiday)
    db.session.commit()
    _forget_calendar()
    return holiday


@dataclass
class NationalResult:
    added: list[Holiday]
    skipped: list[date]


def add_national_holidays(
    actor: User, year: int, national_day_adjacent: NationalDayAdjacent | str
) -> NationalResult:
    """Add the fixed solar public holidays of `year` and the second Quốc khánh day.

    Dates already in the calendar are left as they are (an admin may have entered them
    by hand, or run this twice). Tết and Giỗ Tổ follow the lunar calendar and are added
    one by one, as the government announces them.
    """
    _require_editor(actor)
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValidationFailed(
            f"Năm phải từ {MIN_YEAR} đến {MAX_YEAR}.",
            field_errors={"year": f"Năm phải từ {MIN_YEAR} đến {MAX_YEAR}."},
        )
    if national_day_adjacent not in ("before", "after"):
        message = "Vui lòng chọn ngày nghỉ liền kề Quốc khánh: 1/9 hoặc 3/9."
        raise ValidationFailed(message, field_errors={"adjacent": message})
    names = {date(year, m, d): name for m, d, name in FIXED_SOLAR_HOLIDAYS}
    result = NationalResult(added=[], skipped=[])
    days = vietnam_public_holidays(year, national_day_adjacent=national_day_adjacent)
    for day in sorted(days):
        if _existing(day) is not None:
            result.skipped.append(day)
            continue
        name = names.get(day, NATIONAL_DAY_ADJACENT_NAME)
        result.added.append(_create(actor, day, name, HolidayKind.HOLIDAY))
    db.session.commit()
    return result
