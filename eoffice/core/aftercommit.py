"""Work that must wait until the current transaction has committed.

A step that tells people about itself (a notification, an e-mail job) must not do so
before the step is durable, nor at all if it rolls back: the news would describe
something that never happened, and a job could look for a row that is not there.
Services queue such work with `after_commit()`; whoever commits the step calls
`run_pending()` right after the commit. A rollback throws the queue away (a session
event does it, so no code path can forget).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from eoffice.extensions import db

log = logging.getLogger(__name__)
_KEY = "eoffice.after_commit"


def after_commit(callback: Callable[[], object]) -> None:
    """Run `callback` once the transaction in progress has committed."""
    db.session.info.setdefault(_KEY, []).append(callback)


def run_pending() -> None:
    """Run what the committed step queued, in order; one failure does not stop the rest.

    The step has happened: a failure here is logged, never shown as the step failing.
    """
    callbacks = db.session.info.pop(_KEY, [])
    for callback in callbacks:
        try:
            callback()
        except Exception:
            db.session.rollback()
            log.exception("after-commit work %r failed", callback)


@event.listens_for(Session, "after_soft_rollback")
def _discard_on_rollback(session: Session, previous_transaction: SessionTransaction) -> None:
    """The step's transaction rolled back: forget its work. A savepoint or a failed
    flush rolling back inside the step (a duplicate caught there) is an inner
    transaction: the step goes on, and so does its queued work."""
    if previous_transaction.parent is not None:
        return
    session.info.pop(_KEY, None)
