"""The holiday calendar: the admin page, and deadlines and reminders that follow it.

Each deadline test checks the outcome first with the plain Monday–Friday calendar and
then after the district admin configured the day, so it fails if the configured days
are not what the reminders and the register filters count with.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select

from eoffice.catalog import calendar
from eoffice.catalog.calendar import HolidayData, office_calendar
from eoffice.catalog.models import Holiday, HolidayKind
from eoffice.core import timeutil
from eoffice.extensions import db
from eoffice.incoming import processing
from eoffice.incoming.processing import Party
from eoffice.incoming.queries import RegisterFilters, register_count
from eoffice.notifications.models import Notification, NotificationKind
from eoffice.notifications.reminders import send_deadline_reminders
from tests import factories
from workflows.calendar import DueState, due_state

URL = "/admin/catalog/holidays"


def _at(year: int, month: int, day: int, hour: int = 9) -> datetime:
    """A local office time, set as the application's clock."""
    moment = datetime(year, month, day, hour, tzinfo=timeutil.local_tz()).astimezone(UTC)
    timeutil.set_clock(lambda: moment)
    return moment


def _assigned(school, deadline: date):
    doc = factories.register(school.clerk, document_date=date(2026, 8, 20))
    processing.present(school.clerk, doc.id, presented_to=school.leader.id)
    return processing.assign(
        school.leader, doc.id, Party(user_id=school.staff.id), deadline=deadline
    )


def _reminders(user, kind: str) -> list[Notification]:
    query = select(Notification).where(Notification.user_id == user.id, Notification.kind == kind)
    return list(db.session.scalars(query))


def _days(year: int) -> dict[date, str]:
    return {h.day: h.kind for h in calendar.days_of_year(year)}


def test_a_configured_holiday_makes_a_deadline_due_soon_and_moves_the_reminder(world):
    school, district_admin = world.school_a, world.district.admin
    _at(2026, 8, 28)  # Friday
    doc = _assigned(school, deadline=date(2026, 9, 3))  # Thursday
    monday = _at(2026, 8, 31)
    soon = RegisterFilters(due="soon")

    # Monday to Friday only: Tuesday is the next working day, Thursday is 3 away.
    assert due_state(doc.deadline, monday, office_calendar()) == DueState.UPCOMING
    assert register_count(school.leader, soon) == 0
    assert send_deadline_reminders(monday) == 0

    for day in (date(2026, 9, 1), date(2026, 9, 2)):  # Tuesday, Wednesday
        calendar.add_day(district_admin, HolidayData(day=day, name="Quốc khánh"))

    # Now Thursday is the next working day: due soon, and Monday reminds the lead.
    assert due_state(doc.deadline, monday, office_calendar()) == DueState.DUE_SOON
    assert register_count(school.leader, soon) == 1
    assert send_deadline_reminders(monday) == 1
    [reminder] = _reminders(school.staff, NotificationKind.DEADLINE_TOMORROW)
    assert reminder.reminder_day == date(2026, 8, 31)
    # Nothing is sent on the holiday itself.
    assert send_deadline_reminders(_at(2026, 9, 1)) == 0


def test_a_compensating_saturday_is_a_working_day(world):
    school, district_admin = world.school_a, world.district.admin
    _at(2026, 9, 3)
    _assigned(school, deadline=date(2026, 9, 7))  # Monday
    saturday = date(2026, 9, 5)
    assert not office_calendar().is_working_day(saturday)

    calendar.add_day(
        district_admin,
        HolidayData(day=saturday, name="Làm bù", kind=HolidayKind.WORKING_DAY),
    )

    assert office_calendar().is_working_day(saturday)
    assert office_calendar().next_working_day(date(2026, 9, 4)) == saturday
    # Friday: Saturday comes first, so the Monday deadline is not "tomorrow" yet;
    # Saturday is worked, and that is when the lead is reminded.
    assert send_deadline_reminders(_at(2026, 9, 4)) == 0
    assert send_deadline_reminders(_at(2026, 9, 5)) == 1
    [reminder] = _reminders(school.staff, NotificationKind.DEADLINE_TOMORROW)
    assert reminder.reminder_day == saturday


def test_only_the_district_admin_edits_the_calendar(world, client):
    school_admin, district_admin = world.school_a.admin, world.district.admin
    existing = calendar.add_day(district_admin, HolidayData(day=date(2026, 4, 30), name="30/4"))

    factories.login(client, school_admin)
    page = client.get(f"{URL}?year=2026")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "30/04/2026" in html and "Thêm vào lịch" not in html
    assert client.post(URL, data={"day": "01/05/2026", "name": "Lao động"}).status_code == 403
    assert (
        client.post(f"{URL}/national", data={"year": 2027, "adjacent": "after"}).status_code == 403
    )
    assert client.post(f"{URL}/{existing.id}/delete").status_code == 403
    assert _days(2026) == {date(2026, 4, 30): HolidayKind.HOLIDAY}
    assert _days(2027) == {}
    client.post("/logout")

    factories.login(client, district_admin)
    added = client.post(
        URL, data={"day": "2/1/2027", "name": "Nghỉ bù Tết Dương lịch", "kind": "holiday"}
    )
    assert added.status_code == 302
    twice = client.post(URL, data={"day": "02/01/2027", "name": "Lần nữa", "kind": "holiday"})
    assert twice.status_code == 422
    assert "đã có trong lịch" in twice.get_data(as_text=True)
    assert client.post(f"{URL}/{existing.id}/delete").status_code == 302
    db.session.expire_all()
    assert _days(2026) == {}
    assert _days(2027) == {date(2027, 1, 2): HolidayKind.HOLIDAY}


def test_the_national_holidays_action_adds_the_fixed_dates_and_the_chosen_second_day(world, client):
    district_admin = world.district.admin
    calendar.add_day(district_admin, HolidayData(day=date(2027, 1, 1), name="Tết Dương lịch"))
    factories.login(client, district_admin)

    missing_choice = client.post(f"{URL}/national", data={"year": 2027, "adjacent": ""})
    assert missing_choice.status_code == 422
    assert "Quốc khánh" in missing_choice.get_data(as_text=True)
    assert set(_days(2027)) == {date(2027, 1, 1)}

    after = client.post(f"{URL}/national", data={"year": 2027, "adjacent": "after"})
    assert after.status_code == 302
    before = client.post(f"{URL}/national", data={"year": 2028, "adjacent": "before"})
    assert before.status_code == 302

    db.session.expire_all()
    assert set(_days(2027)) == {
        date(2027, 1, 1),
        date(2027, 4, 30),
        date(2027, 5, 1),
        date(2027, 9, 2),
        date(2027, 9, 3),
    }
    assert set(_days(2028)) == {
        date(2028, 1, 1),
        date(2028, 4, 30),
        date(2028, 5, 1),
        date(2028, 9, 1),
        date(2028, 9, 2),
    }
    names = {h.day: h.name for h in db.session.scalars(select(Holiday))}
    assert names[date(2027, 4, 30)] == "Ngày Chiến thắng"
    assert names[date(2027, 9, 3)] == "Quốc khánh (ngày nghỉ liền kề)"
    page = client.get(f"{URL}?year=2027").get_data(as_text=True)
    assert "03/09/2027" in page and "Thứ Sáu" in page
