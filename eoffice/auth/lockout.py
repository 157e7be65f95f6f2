"""Lock-out after repeated failed sign-ins, counted per submitted e-mail address.

LOGIN_LOCKOUT_THRESHOLD consecutive failures (wrong passwords or wrong two-step codes)
lock the address for LOGIN_LOCKOUT_MINUTES; a success clears the count. While locked,
every attempt is refused the same way whether the password is right or not (otherwise
guessing would go on, only without signing in), and whether the address belongs to
anybody or not (the row is keyed by the address typed, so an unknown address locks
exactly like a known one and the page tells nothing about who has an account).

When a real account is locked, its owner is told by e-mail (a job in the outbox of the
locking transaction) and an audit event `account_locked` is written in the
organisation's chain.
The per-address and per-account rate limits of flask-limiter stay in front of this:
they slow a guesser down, the lock-out stops one who is patient.

Failures older than a day are forgotten (and their rows of unknown addresses pruned).
Times are the application's clock (eoffice.core.timeutil), like every stored time.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, or_, select

from eoffice.auth.models import LoginLockout
from eoffice.core import audit
from eoffice.core.text import clean
from eoffice.core.timeutil import now_utc
from eoffice.extensions import db
from eoffice.orgs.models import User

log = logging.getLogger(__name__)
FORGET_AFTER = timedelta(days=1)
EMAIL_TASK = "eoffice.jobs.tasks.send_lockout_email"


def normalise(email: str) -> str:
    return clean(email or "").lower()[:254]


def locked_until(email: str) -> datetime | None:
    """When the lock on `email` ends, or None when it is not locked now."""
    row = db.session.get(LoginLockout, normalise(email))
    if row is None or row.locked_until is None or row.locked_until <= now_utc():
        return None
    return row.locked_until


def record_failure(email: str, user: User | None) -> datetime | None:
    """Count one failure; returns the end of the lock when this failure locks.

    Commits. The row is locked for update so two simultaneous failures count twice.
    """
    key = normalise(email)
    now = now_utc()
    threshold = max(1, int(current_app.config["LOGIN_LOCKOUT_THRESHOLD"]))
    minutes = int(current_app.config["LOGIN_LOCKOUT_MINUTES"])
    db.session.execute(
        delete(LoginLockout).where(
            LoginLockout.last_failed_at < now - FORGET_AFTER,
            or_(LoginLockout.locked_until.is_(None), LoginLockout.locked_until < now),
        )
    )
    row = db.session.scalars(
        select(LoginLockout).where(LoginLockout.email == key).with_for_update()
    ).first()
    if row is None:
        row = LoginLockout(email=key, failed_count=0)
        db.session.add(row)
    row.failed_count = (row.failed_count or 0) + 1
    row.last_failed_at = now
    newly_locked: datetime | None = None
    if row.failed_count >= threshold:
        newly_locked = now + timedelta(minutes=minutes)
        row.locked_until = newly_locked
        row.failed_count = 0  # the next lock needs as many failures again
        if user is not None:
            audit.record(
                actor_id=None,
                org_id=user.org_id,
                subject_type="user",
                subject_id=user.id,
                action="account_locked",
                changes={"failures": threshold, "minutes": minutes},
            )
            _defer_email(user.id, newly_locked)
    try:
        db.session.commit()
    except Exception:
        # Two first failures of one address at once: both inserted. Count it once.
        db.session.rollback()
        log.warning("lock-out counter of %r raced; one failure not counted", key)
        return None
    if newly_locked is not None and user is not None:
        log.warning("account %s locked until %s", user.id, newly_locked.isoformat())
    return newly_locked


def clear(email: str) -> None:
    """A successful sign-in: the count starts again. The caller commits."""
    db.session.execute(delete(LoginLockout).where(LoginLockout.email == normalise(email)))


def _defer_email(user_id: int, until: datetime) -> None:
    """The owner's e-mail, in the job outbox of the same transaction as the lock: it
    goes out once the lock is committed, even if Redis is down at that moment."""
    from rq import Retry

    from eoffice.jobs.outbox import defer
    from eoffice.notifications.services import EMAIL_QUEUE, EMAIL_RETRIES, EMAIL_RETRY_INTERVALS

    defer(
        EMAIL_TASK,
        user_id,
        until.isoformat(),
        queue=EMAIL_QUEUE,
        retry=Retry(max=EMAIL_RETRIES, interval=EMAIL_RETRY_INTERVALS),
    )
