"""Daily deadline reminders: "due on the next working day" and "overdue", to the lead.

Run once a day by the scheduler process from DEADLINE_REMINDERS_AT (eoffice.jobs.clock;
`flask send-reminders` does the same from cron). Each
(user, document, kind) is told at most once per local day, however often it runs: the
notification row of the day is the proof, and a unique constraint backs it up when two
runs race. A lead given to a unit is told to every active member of the unit.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from eoffice.catalog.calendar import office_calendar
from eoffice.core.timeutil import local_tz
from eoffice.extensions import db
from eoffice.incoming.models import Assignment, IncomingDocument
from eoffice.notifications.models import Notification, NotificationKind
from eoffice.notifications.services import notify
from eoffice.orgs.models import User
from workflows import assignment as assignment_flow
from workflows.calendar import WorkingCalendar, local_date
from workflows.incoming import OPEN_STATES


def _calendar() -> WorkingCalendar:
    # The holidays an administrator configured: no reminder on a holiday, and "due on
    # the next working day" skips it.
    return office_calendar()


def _holders(part: Assignment) -> list[User]:
    if part.user is not None:
        return [part.user]
    return list(
        db.session.scalars(
            select(User).where(User.unit_id == part.unit_id, User.is_active_account.is_(True))
        )
    )


def _already_told(doc_id: int, kind: NotificationKind, day: date) -> set[int]:
    return set(
        db.session.scalars(
            select(Notification.user_id).where(
                Notification.document_id == doc_id,
                Notification.kind == kind,
                Notification.reminder_day == day,
            )
        )
    )


def send_deadline_reminders(now: datetime) -> int:
    """Remind the leads of open documents due by the next working day or past due.

    Nothing is sent on a day off: nobody can act on it, and Friday's reminder already
    covered a deadline on the following Monday. Returns the notifications created.
    """
    calendar = _calendar()
    today = local_date(now, local_tz())
    if not calendar.is_working_day(today):
        return 0
    window_end = calendar.next_working_day(today)
    rows = db.session.execute(
        select(Assignment, IncomingDocument)
        .join(IncomingDocument, Assignment.document_id == IncomingDocument.id)
        .where(
            Assignment.kind == assignment_flow.LEAD,
            Assignment.state.in_(sorted(assignment_flow.OPEN_STATES)),
            IncomingDocument.state.in_(sorted(OPEN_STATES)),
            IncomingDocument.deadline.is_not(None),
            IncomingDocument.deadline <= window_end,
        )
        .order_by(IncomingDocument.id)
    ).all()
    created = 0
    for part, doc in rows:
        assert doc.deadline is not None
        if doc.deadline < today:
            kind = NotificationKind.OVERDUE
        elif doc.deadline > today:
            kind = NotificationKind.DEADLINE_TOMORROW
        else:
            continue  # due today: the dashboard shows it; yesterday's reminder announced it
        told = _already_told(doc.id, kind, today)
        users = [u for u in _holders(part) if u.id not in told]
        if users:
            created += len(notify(kind, users, doc, reminder_day=today))
    return created
