"""The daily digest: one e-mail per user, at the office time they chose, on working days.

`send_due_digests(now)` runs every minute from the scheduler process (eoffice.jobs.clock;
`flask send-digests` does the same from cron). For every active user whose digest is on and whose
time has come today (office date), it claims the day with one conditional UPDATE and
only then enqueues the e-mail job: of two overlapping runs, only the one whose UPDATE
changed the row enqueues, so nobody gets the digest twice. The job builds the digest
from the same figures as the home page (`dashboard_for`), so the e-mail and the page
cannot disagree, and sends it through the MAIL_* settings like every notification.

No digest on a day off: nobody acts on it, and the next working day's digest covers it.
A user with nothing to report gets no e-mail, but the day still counts as done.
See docs/decisions/0008-daily-digest.md.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, time
from email.message import Message
from typing import Any

from flask import current_app
from rq import Retry
from sqlalchemy import ColumnElement, exists, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from eoffice.catalog.calendar import office_calendar
from eoffice.core.errors import ValidationFailed
from eoffice.core.timeutil import format_date, to_local
from eoffice.extensions import db
from eoffice.incoming.dashboard import Card, Section, WorkGroup, dashboard_for
from eoffice.incoming.models import IncomingDocument
from eoffice.notifications.mail import absolute_link, compose_email, deliver
from eoffice.notifications.models import DEFAULT_DIGEST_TIME, DigestSetting
from eoffice.notifications.services import (
    EMAIL_QUEUE,
    EMAIL_RETRIES,
    EMAIL_RETRY_INTERVALS,
    unread_count,
)
from eoffice.orgs.models import User

log = logging.getLogger(__name__)

DIGEST_TASK = "eoffice.jobs.tasks.send_digest_email"
# Every half hour of a working day, from before the office opens to the evening.
DIGEST_TIMES: tuple[time, ...] = tuple(
    time(hour, minute) for hour in range(5, 21) for minute in (0, 30) if (hour, minute) <= (20, 0)
)
TIME_FORMAT = "%H:%M"
ITEMS_PER_LIST = 5
SUBJECT_LENGTH = 150
BAD_TIME = (
    "Giờ gửi thư tóm tắt không hợp lệ: vui lòng chọn một mốc từ 05:00 đến 20:00, cách nhau 30 phút."
)


# The user's choice --------------------------------------------------------------------


@dataclass(frozen=True)
class DigestChoice:
    enabled: bool
    send_time: time

    @property
    def time_text(self) -> str:
        return self.send_time.strftime(TIME_FORMAT)


def time_choices() -> list[str]:
    return [t.strftime(TIME_FORMAT) for t in DIGEST_TIMES]


def digest_choice(user: User) -> DigestChoice:
    """The user's setting; no row yet means the defaults (on, 07:00)."""
    row = db.session.get(DigestSetting, user.id)
    if row is None:
        return DigestChoice(True, DEFAULT_DIGEST_TIME)
    return DigestChoice(row.enabled, row.send_time)


def parse_send_time(text: str | None) -> time:
    """One of DIGEST_TIMES, as "HH:MM"; anything else is refused in Vietnamese."""
    try:
        chosen = datetime.strptime((text or "").strip(), TIME_FORMAT).time()
    except ValueError:
        chosen = None
    if chosen not in DIGEST_TIMES:
        raise ValidationFailed(BAD_TIME, field_errors={"digest_time": BAD_TIME})
    return chosen


def save_digest_choice(user: User, enabled: bool, send_time: str | None) -> DigestSetting:
    """Validate and store; today's digest, once done, is not sent again at the new time."""
    chosen = parse_send_time(send_time)
    row = db.session.get(DigestSetting, user.id)
    if row is None:
        row = DigestSetting(user_id=user.id)
        db.session.add(row)
    row.enabled, row.send_time = bool(enabled), chosen
    db.session.commit()
    return row


# Claiming and enqueuing ---------------------------------------------------------------


def _not_done(day: date) -> ColumnElement[bool]:
    return or_(DigestSetting.last_sent_day.is_(None), DigestSetting.last_sent_day < day)


def _add_missing_settings() -> None:
    """Give every active user a row, so a claim is always an UPDATE of an existing row.

    ON CONFLICT DO NOTHING: a concurrent run may be adding the same rows.
    """
    missing = db.session.scalars(
        select(User.id)
        .where(
            User.is_active_account.is_(True),
            ~exists().where(DigestSetting.user_id == User.id),
        )
        .order_by(User.id)  # two runs insert in the same order: no deadlock
    ).all()
    if not missing:
        return
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    rows = [{"user_id": uid, "enabled": True, "send_time": DEFAULT_DIGEST_TIME} for uid in missing]
    db.session.execute(
        dialect.insert(DigestSetting)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["user_id"])
    )
    db.session.commit()


def _due(day: date, at: time) -> list[tuple[int, date | None]]:
    rows = db.session.execute(
        select(DigestSetting.user_id, DigestSetting.last_sent_day)
        .join(User, User.id == DigestSetting.user_id)
        .where(
            User.is_active_account.is_(True),
            DigestSetting.enabled.is_(True),
            DigestSetting.send_time <= at,
            _not_done(day),
        )
        .order_by(DigestSetting.user_id)
    ).all()
    return [(row.user_id, row.last_sent_day) for row in rows]


def _claim(user_id: int, day: date) -> bool:
    """Take the user's digest of `day`; False when another run already took it."""
    result = db.session.execute(
        update(DigestSetting)
        .where(
            DigestSetting.user_id == user_id,
            DigestSetting.enabled.is_(True),
            _not_done(day),
        )
        .values(last_sent_day=day)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1


def _release(user_id: int, day: date, previous: date | None) -> None:
    """Give the claim back when the job could not be queued, so the next run tries again."""
    db.session.execute(
        update(DigestSetting)
        .where(DigestSetting.user_id == user_id, DigestSetting.last_sent_day == day)
        .values(last_sent_day=previous)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def _enqueue(user_id: int, day: date) -> bool:
    from eoffice.jobs.connection import enqueue

    try:
        enqueue(
            DIGEST_TASK,
            user_id,
            day.isoformat(),
            queue=EMAIL_QUEUE,
            retry=Retry(max=EMAIL_RETRIES, interval=EMAIL_RETRY_INTERVALS),
        )
    except Exception:  # Redis down: logged, and the next run tries again
        log.exception("could not enqueue the digest of user %s for %s", user_id, day)
        return False
    return True


def send_due_digests(now: datetime) -> int:
    """Enqueue the digests whose office time has come today; returns the jobs enqueued.

    Safe to run as often as wanted, and by two processes at once: each user's day is
    claimed once. Nothing is claimed while e-mail is switched off (the demo seed).
    """
    if not current_app.config.get("NOTIFICATION_EMAIL_ENABLED", True):
        return 0
    local = to_local(now)
    assert local is not None
    today = local.date()
    if not office_calendar().is_working_day(today):
        return 0
    _add_missing_settings()
    enqueued = 0
    for user_id, previous in _due(today, time(local.hour, local.minute)):
        if not _claim(user_id, today):
            continue
        if not _enqueue(user_id, today):
            _release(user_id, today, previous)
            break  # the queue is down: the others stay unclaimed for the next run
        enqueued += 1
    return enqueued


# The digest itself --------------------------------------------------------------------


@dataclass(frozen=True)
class DigestFigure:
    label: str
    value: int
    link: str


@dataclass(frozen=True)
class DigestLine:
    reference: str  # "Số đến 12 · 3337/GDĐT-TTTT"
    subject: str
    deadline: date | None
    urgent: bool
    link: str
    note: str = ""  # where the deadline stands ("Quá hạn")

    @property
    def detail(self) -> str:
        parts = [f"Hạn xử lý: {format_date(self.deadline)}"] if self.deadline else []
        return " · ".join([*parts, self.note] if self.note else parts)


@dataclass(frozen=True)
class DigestList:
    title: str
    lines: list[DigestLine]
    more: int  # documents of the list not shown in the e-mail
    link: str | None = None


@dataclass(frozen=True)
class DigestSection:
    title: str
    figures: list[DigestFigure]
    lists: list[DigestList] = field(default_factory=list)

    @property
    def has_news(self) -> bool:
        return any(f.value for f in self.figures) or any(lst.lines for lst in self.lists)


@dataclass
class Digest:
    user: User
    day: date
    sections: list[DigestSection]
    unread: int
    home_link: str
    notifications_link: str

    @property
    def subject(self) -> str:
        return f"Tóm tắt công việc ngày {format_date(self.day)}"

    @property
    def is_empty(self) -> bool:
        return not self.sections and not self.unread


def _path(endpoint: str, args: dict[str, Any] | None = None) -> str:
    """A path of the application, built without a request (jobs have none)."""
    return current_app.url_map.bind("localhost").build(endpoint, args or {})


def _link(endpoint: str, args: dict[str, Any] | None = None) -> str:
    link = absolute_link(_path(endpoint, args))
    assert link is not None
    return link


def _line(doc: IncomingDocument, note: str = "") -> DigestLine:
    reference = f"Số đến {doc.arrival_number}"
    if doc.symbol:
        reference += f" · {doc.symbol}"
    subject = doc.subject
    if len(subject) > SUBJECT_LENGTH:
        subject = subject[: SUBJECT_LENGTH - 1].rstrip() + "…"
    return DigestLine(
        reference=reference,
        subject=subject,
        deadline=doc.deadline,
        urgent=doc.is_urgent,
        link=_link("incoming.detail", {"doc_id": doc.id}),
        note=note,
    )


def _figures(cards: list[Card]) -> list[DigestFigure]:
    return [DigestFigure(c.label, c.value, _link("incoming.register", c.args)) for c in cards]


def _from_section(section: Section) -> DigestSection:
    shown = section.items[:ITEMS_PER_LIST]
    listed = DigestList(
        section.list_title, [_line(doc) for doc in shown], len(section.items) - len(shown)
    )
    return DigestSection(section.title, _figures(section.cards), [listed])


def _from_work(groups: list[WorkGroup]) -> DigestSection:
    figures = [DigestFigure(g.label, g.count, _link("incoming.register", g.args)) for g in groups]
    lists = []
    for group in groups:
        shown = group.items[:ITEMS_PER_LIST]
        if shown:
            lines = [_line(item.doc, item.due.label) for item in shown]
            link = _link("incoming.register", group.args)
            lists.append(DigestList(group.label, lines, group.count - len(shown), link))
    return DigestSection("Việc của tôi", figures, lists)


def build_digest(user: User, day: date) -> Digest:
    """The user's digest of `day`: the home page's sections that have something in them."""
    dash = dashboard_for(user, day)
    sections = [_from_section(s) for s in (dash.clerk, dash.leader) if s is not None]
    if dash.work is not None:
        sections.append(_from_work(dash.work))
    return Digest(
        user=user,
        day=day,
        sections=[s for s in sections if s.has_news],
        unread=unread_count(user),
        home_link=_link("main.home"),
        notifications_link=_link("notifications.index"),
    )


def build_digest_message(digest: Digest) -> Message:
    return compose_email(digest.user, digest.subject, "email/digest", {"digest": digest})


def send_digest(user_id: int, day: date) -> bool:
    """The job: e-mail the claimed digest of `day` once; False when nothing was sent.

    A job for a day that is no longer the claimed one (it waited past the next day's
    claim) sends nothing: the newer digest says it better.
    """
    setting = db.session.get(DigestSetting, user_id)
    if setting is None or setting.last_sent_day != day or setting.delivered_day == day:
        return False
    user = setting.user
    if not (setting.enabled and user.is_active_account and user.email):
        return False
    digest = build_digest(user, day)
    if digest.is_empty:
        log.info("digest of user %s for %s: nothing to report", user_id, day)
        return False
    deliver(build_digest_message(digest))
    setting.delivered_day = day
    db.session.commit()
    log.info("digest of user %s for %s e-mailed", user_id, day)
    return True
