"""Lock-out after repeated failed sign-ins, counted per submitted e-mail address.

LOGIN_LOCKOUT_THRESHOLD consecutive failures (wrong passwords or wrong two-step codes)
lock the address for LOGIN_LOCKOUT_MINUTES; a success clears the count.

Every attempt is counted *before* the password or code is verified, by one atomic
upsert committed at once (`begin_attempt`): a burst of parallel guesses cannot all read
the same old count and slip past the threshold, since attempt number N+1 is refused
as locked before it is checked. A right answer then clears the count (`clear`), or,
when a second step still follows, takes its own attempt back (`undo_attempt`); a wrong
one locks when its number reached the threshold (`fail`). While locked,
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
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import and_, case, delete, or_, update

from eoffice.auth.account_events import record_account_event
from eoffice.auth.models import LoginLockout
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
    row = db.session.get(LoginLockout, normalise(email), populate_existing=True)
    if row is None or row.locked_until is None or row.locked_until <= now_utc():
        return None
    return row.locked_until


@dataclass(frozen=True)
class Attempt:
    """One counted attempt: its number among the consecutive failures, or the end of
    the lock that refuses it (then it was not counted)."""

    email: str
    number: int = 0
    locked_until: datetime | None = None


def _upsert(key: str, now: datetime):
    """INSERT … ON CONFLICT DO UPDATE in the database's own dialect (PostgreSQL, or
    SQLite ≥ 3.24): one statement, so two attempts at once both count."""
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    table = LoginLockout.__table__
    locked_now = and_(table.c.locked_until.is_not(None), table.c.locked_until > now)
    statement = insert(table).values(email=key, failed_count=1, last_failed_at=now)
    return statement.on_conflict_do_update(
        index_elements=[table.c.email],
        set_={
            # While locked nothing is counted: the next lock needs as many failures again.
            "failed_count": case(
                (locked_now, table.c.failed_count), else_=table.c.failed_count + 1
            ),
            "last_failed_at": now,
        },
    ).returning(table.c.failed_count, table.c.locked_until)


def begin_attempt(email: str) -> Attempt:
    """Count one attempt on `email` before its password or code is verified. Commits."""
    key = normalise(email)
    now = now_utc()
    db.session.execute(
        delete(LoginLockout).where(
            LoginLockout.last_failed_at < now - FORGET_AFTER,
            or_(LoginLockout.locked_until.is_(None), LoginLockout.locked_until < now),
        )
    )
    count, until = db.session.execute(_upsert(key, now)).one()
    db.session.commit()
    if until is not None and until.tzinfo is None:
        until = until.replace(tzinfo=UTC)  # SQLite hands back naive UTC
    if until is not None and until > now:
        return Attempt(key, locked_until=until)
    threshold = max(1, int(current_app.config["LOGIN_LOCKOUT_THRESHOLD"]))
    if count > threshold:
        # Parallel attempts beyond the threshold: refused as locked, unchecked.
        return Attempt(key, locked_until=now + timedelta(minutes=_minutes()))
    return Attempt(key, number=count)


def undo_attempt(attempt: Attempt) -> None:
    """The password was right and a second step follows: this attempt was no failure.

    The caller commits."""
    db.session.execute(
        update(LoginLockout)
        .where(LoginLockout.email == attempt.email, LoginLockout.failed_count > 0)
        .values(failed_count=LoginLockout.failed_count - 1)
    )


def _minutes() -> int:
    return int(current_app.config["LOGIN_LOCKOUT_MINUTES"])


def fail(attempt: Attempt, user: User | None, *, wrong_code: bool = False) -> datetime | None:
    """The counted attempt was wrong: lock when it was the last one allowed.

    Returns the end of the lock this failure set, or None. Commits. Only one failure
    sets a given lock (a conditional UPDATE), so the audit event and the e-mail are
    written once even when parallel failures reach the threshold together.
    """
    threshold = max(1, int(current_app.config["LOGIN_LOCKOUT_THRESHOLD"]))
    if attempt.number < threshold:
        db.session.commit()
        return None
    now = now_utc()
    until = now + timedelta(minutes=_minutes())
    result = db.session.execute(
        update(LoginLockout)
        .where(
            LoginLockout.email == attempt.email,
            or_(LoginLockout.locked_until.is_(None), LoginLockout.locked_until <= now),
        )
        .values(locked_until=until, failed_count=0)
    )
    if result.rowcount != 1:
        db.session.commit()
        return locked_until(attempt.email)
    if user is not None:
        record_account_event(
            user,
            "account_locked",
            actor_id=None,
            changes={"failures": threshold, "minutes": _minutes(), "wrong_code": wrong_code},
        )
        _defer_email(user.id, until)
    db.session.commit()
    if user is not None:
        log.warning("account %s locked until %s", user.id, until.isoformat())
    return until


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
