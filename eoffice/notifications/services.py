"""Telling people what concerns them: in-app rows first, then one e-mail job per recipient.

`notify()` runs once the step it tells of has committed (eoffice.notifications.hooks
queues it with `after_commit`; the daily reminders call it directly). It writes the
notifications and their e-mail jobs (job outbox rows, decision 0021) in their own
transaction; the jobs reach Redis after that commit, so a job never looks for a row
that is not there yet, and none is lost while Redis is down. A failure to notify is
logged and swallowed: the step itself has happened and must not look failed to the user.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from flask import current_app
from rq import Retry
from sqlalchemy import func, select, update

from eoffice.core.errors import NotFound
from eoffice.core.timeutil import now_utc
from eoffice.extensions import db
from eoffice.incoming.models import IncomingDocument
from eoffice.notifications.content import Message, compose, document_path
from eoffice.notifications.models import (
    ALWAYS_ON,
    KIND_LABELS,
    Notification,
    NotificationKind,
    NotificationPreference,
)
from eoffice.orgs.models import User

log = logging.getLogger(__name__)

EMAIL_TASK = "eoffice.jobs.tasks.send_notification_email"
EMAIL_QUEUE = "high"
EMAIL_RETRIES = 3
EMAIL_RETRY_INTERVALS = [10, 60, 300]
LIST_LIMIT = 200


# Preferences --------------------------------------------------------------------------


def preferences_for(
    user_ids: Iterable[int], kind: NotificationKind
) -> dict[int, tuple[bool, bool]]:
    """(in_app, email) per user for one kind; urgent news is always on both channels."""
    ids = set(user_ids)
    if kind in ALWAYS_ON or not ids:
        return {uid: (True, True) for uid in ids}
    rows = db.session.scalars(
        select(NotificationPreference).where(
            NotificationPreference.user_id.in_(ids), NotificationPreference.kind == kind
        )
    )
    chosen = {row.user_id: (row.in_app, row.email) for row in rows}
    return {uid: chosen.get(uid, (True, True)) for uid in ids}


def user_preferences(user: User) -> dict[NotificationKind, tuple[bool, bool]]:
    rows = db.session.scalars(
        select(NotificationPreference).where(NotificationPreference.user_id == user.id)
    )
    chosen = {row.kind: (row.in_app, row.email) for row in rows}
    return {
        kind: (True, True) if kind in ALWAYS_ON else chosen.get(kind, (True, True))
        for kind in KIND_LABELS
    }


def save_preferences(user: User, choices: Mapping[str, tuple[bool, bool]]) -> None:
    """Store the user's choices; kinds that cannot be switched off stay on whatever is sent."""
    for kind in KIND_LABELS:
        in_app, email = (True, True) if kind in ALWAYS_ON else choices.get(kind, (False, False))
        row = db.session.get(NotificationPreference, (user.id, kind.value))
        if row is None:
            row = NotificationPreference(user_id=user.id, kind=kind.value)
            db.session.add(row)
        row.in_app, row.email = bool(in_app), bool(email)
    db.session.commit()


# Sending ------------------------------------------------------------------------------


def notify(
    kind: NotificationKind,
    users: Iterable[User],
    document: IncomingDocument,
    *,
    actor: User | None = None,
    role: str | None = None,
    reason: str | None = None,
    reminder_day: date | None = None,
    detail: str | None = None,
) -> list[Notification]:
    """Notify each active user (never the actor about their own step) of one event."""
    try:
        message = compose(kind, document, role=role, reason=reason, actor=actor, detail=detail)
    except Exception:
        log.exception("composing %s about document %s failed", kind, document.id)
        return []
    return tell(
        kind,
        users,
        message,
        document_path(document.id),
        actor=actor,
        document_id=document.id,
        reminder_day=reminder_day,
    )


@dataclass(frozen=True)
class Notice:
    """One message to some people, pointing at one page (a school's task, say)."""

    users: Sequence[User]
    message: Message
    link: str | None  # None: news about no page (the person's own account)


def tell(
    kind: NotificationKind,
    users: Iterable[User],
    message: Message,
    link: str | None,
    *,
    actor: User | None = None,
    document_id: int | None = None,
    reminder_day: date | None = None,
) -> list[Notification]:
    """Write one composed message to each user who wants it, then queue the e-mails.

    `document_id` names an incoming document when there is one (the bell groups by it);
    news about anything else (an outgoing document, a delivery) carries only its link.
    """
    notice = Notice(list(users), message, link)
    return _write(kind, [notice], actor, document_id, reminder_day)


def tell_each(
    kind: NotificationKind, notices: Iterable[Notice], *, actor: User | None = None
) -> list[Notification]:
    """Many messages of one kind (each school its own deadline and link) in one
    transaction: one preferences query, one batched insert, one commit and one pipeline
    of e-mail jobs, so a reminder to 2,500 schools costs a handful of statements rather
    than several per school."""
    return _write(kind, list(notices), actor, None, None)


def _write(
    kind: NotificationKind,
    notices: list[Notice],
    actor: User | None,
    document_id: int | None,
    reminder_day: date | None,
) -> list[Notification]:
    try:
        created = _create(kind, notices, actor, document_id, reminder_day)
        # The ids before the commit expires the rows: read afterwards, each would be one
        # query (thousands when a directive reaches every school's clerk).
        emails = [notification.id for notification, wants_email in created if wants_email]
        _defer_emails(emails)  # in this transaction: the job outbox (decision 0021)
        db.session.commit()
    except Exception:
        db.session.rollback()
        log.exception("notifying %s (%d messages) failed", kind, len(notices))
        return []
    return [notification for notification, _ in created]


def _create(
    kind: NotificationKind,
    notices: list[Notice],
    actor: User | None,
    document_id: int | None,
    reminder_day: date | None,
) -> list[tuple[Notification, bool]]:
    def told(users: Iterable[User]) -> list[int]:
        wanted = {u.id for u in users if u.is_active_account}
        return sorted(wanted - {actor.id} if actor is not None else wanted)

    recipients = [(told(n.users), n) for n in notices]
    prefs = preferences_for({uid for ids, _ in recipients for uid in ids}, kind)
    created = []
    for user_ids, notice in recipients:
        for user_id in user_ids:
            in_app, email = prefs[user_id]
            if not (in_app or email):
                continue
            notification = Notification(
                user_id=user_id,
                kind=kind.value,
                document_id=document_id,
                title=notice.message.title[:300],
                body=notice.message.body,
                link=notice.link,
                in_app=in_app,
                reminder_day=reminder_day,
            )
            db.session.add(notification)
            created.append((notification, email))
    if created:
        db.session.flush()
    return created


def _defer_emails(notification_ids: list[int]) -> None:
    """One e-mail job per notification, as job outbox rows of this transaction: pushed
    to Redis after the commit, or later if it is down (nothing is lost)."""
    from eoffice.jobs.outbox import defer_many

    if not notification_ids or not current_app.config.get("NOTIFICATION_EMAIL_ENABLED", True):
        return  # e.g. while the demo seed runs: its addresses are invented
    defer_many(
        EMAIL_TASK,
        [(notification_id,) for notification_id in notification_ids],
        queue=EMAIL_QUEUE,
        retry=Retry(max=EMAIL_RETRIES, interval=EMAIL_RETRY_INTERVALS),
    )


# Reading ------------------------------------------------------------------------------


def _mine(user: User):
    return select(Notification).where(
        Notification.user_id == user.id, Notification.in_app.is_(True)
    )


def unread_count(user: User) -> int:
    """The bell's number: one indexed COUNT."""
    return db.session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(
            Notification.user_id == user.id,
            Notification.in_app.is_(True),
            Notification.read_at.is_(None),
        )
    )


def list_for(user: User, limit: int = LIST_LIMIT) -> list[Notification]:
    query = _mine(user).order_by(Notification.created_at.desc(), Notification.id.desc())
    return list(db.session.scalars(query.limit(limit)))


def get_own(user: User, notification_id: int) -> Notification:
    """The user's own notification; anybody else's is simply not found."""
    found = db.session.scalars(_mine(user).where(Notification.id == notification_id)).first()
    if found is None:
        raise NotFound("Không tìm thấy thông báo.")
    return found


def mark_read(user: User, notification_id: int) -> Notification:
    notification = get_own(user, notification_id)
    if notification.read_at is None:
        notification.read_at = now_utc()
        db.session.commit()
    return notification


def mark_all_read(user: User) -> int:
    result = db.session.execute(
        update(Notification)
        .where(
            Notification.user_id == user.id,
            Notification.in_app.is_(True),
            Notification.read_at.is_(None),
        )
        .values(read_at=now_utc())
    )
    db.session.commit()
    return result.rowcount or 0
