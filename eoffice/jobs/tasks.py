"""Job entry points: thin. An id comes in, a service is called, nothing else.

Jobs run inside an application context: the embedded runner and `flask worker` push
one. A forked RQ work-horse inherits the parent's database pool, whose connections must
not be shared across processes, so the pool is dropped (not closed) in a new process.

Every entry point is an `outbox_task`: a job pushed from the job outbox (its RQ id is
`outbox-<row id>`, decision 0021) first claims its row (enqueued → running); a copy
that cannot (the row done, failed, gone or running in another copy) does nothing. The
row is marked done when the task returns; a task that raises puts it back to enqueued:
RQ retries it, and the outbox sweep settles it once RQ has given up. A run whose worker
died leaves it running; the sweep pushes it again once that run is surely over. Each
task is also safe to run again on its own (it claims its own row), which covers the one
window the row cannot: a worker killed after the effect committed and before the row
was marked.
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

from flask import has_app_context
from rq import get_current_job

from eoffice.extensions import db

P = ParamSpec("P")
R = TypeVar("R")
log = logging.getLogger(__name__)

_pool_pid = os.getpid()


@contextmanager
def _app_context() -> Iterator[None]:
    global _pool_pid
    if has_app_context():
        if os.getpid() != _pool_pid:
            db.engine.dispose(close=False)
            _pool_pid = os.getpid()
        try:
            yield
        finally:  # a failed job must not leave its session to the next one
            db.session.remove()
        return
    from eoffice import create_app

    with create_app().app_context():
        yield
        db.session.remove()


def _outbox_row() -> int | None:
    """The outbox row of the RQ job running now, if it came from the outbox."""
    job = get_current_job()
    if job is None or not job.id.startswith("outbox-"):
        return None
    suffix = job.id.removeprefix("outbox-")
    return int(suffix) if suffix.isdigit() else None


def outbox_task(task: Callable[P, R]) -> Callable[P, R | None]:
    """Claim the job's outbox row, run the task, mark the row done; give the row back
    (enqueued) if the task raises. A copy that cannot claim the row (done, failed,
    rolled back with its savepoint, or running in another copy) does nothing."""

    @functools.wraps(task)
    def run(*args: P.args, **kwargs: P.kwargs) -> R | None:
        from eoffice.jobs import outbox

        row_id = _outbox_row()
        if row_id is None:
            return task(*args, **kwargs)
        with _app_context():
            if not outbox.claim(row_id):
                log.info("outbox job %s done, gone or running elsewhere: not run", row_id)
                return None
            try:
                result = task(*args, **kwargs)
            except BaseException:
                outbox.release(row_id)
                raise
            outbox.mark_done(row_id)
        return result

    return run


@outbox_task
def build_export(export_id: int) -> None:
    """Render a long export (see eoffice.reports.exports)."""
    from eoffice.reports.exports import run_export

    with _app_context():
        run_export(export_id)


@outbox_task
def send_notification_email(notification_id: int) -> None:
    """E-mail one notification (see eoffice.notifications.mail); sends at most once."""
    from eoffice.notifications.mail import send_notification_email as send

    with _app_context():
        send(notification_id)


@outbox_task
def send_lockout_email(user_id: int, locked_until_iso: str) -> None:
    """Tell the owner of a locked account (see eoffice.auth.mail)."""
    from datetime import datetime

    from eoffice.auth.mail import send_lockout_email as send

    with _app_context():
        send(user_id, datetime.fromisoformat(locked_until_iso))


@outbox_task
def send_deadline_reminders() -> None:
    """The daily deadline reminders (see eoffice.notifications.reminders)."""
    from eoffice.core.timeutil import now_utc
    from eoffice.notifications.reminders import send_deadline_reminders as send

    with _app_context():
        send(now_utc())


@outbox_task
def send_digest_email(user_id: int, day_iso: str) -> None:
    """One user's daily digest of one office day (see eoffice.notifications.digest).

    The day travels as ISO text (plain job arguments); the claim of that day in the
    database, stamped before enqueuing, and `delivered_day` make a rerun send nothing.
    """
    from datetime import date

    from eoffice.notifications.digest import send_digest

    with _app_context():
        send_digest(user_id, date.fromisoformat(day_iso))


@outbox_task
def publish_outgoing(document_id: int) -> None:
    """Render, sign and deliver an issued outgoing document (eoffice.outgoing.issuing)."""
    from eoffice.outgoing.issuing import publish

    with _app_context():
        publish(document_id)


@outbox_task
def forward_delivery(delivery_id: int) -> None:
    """Send one delivery to an outside agency through the exchange (retried by RQ)."""
    from eoffice.exchange.forwarding import forward

    with _app_context():
        forward(delivery_id)


@outbox_task
def send_exchange_packet(packet_id: int) -> None:
    """Send one queued status or recall packet through the exchange (retried by RQ)."""
    from eoffice.exchange.outbox import send

    with _app_context():
        send(packet_id)


@outbox_task
def run_check_slot(org_id: int, day_iso: str, hhmm: str) -> None:
    """Run one claimed check slot of one organisation (eoffice.exchange.checks); a
    duplicate or retried job finds the slot already started and does nothing."""
    from datetime import date, time

    from eoffice.exchange.checks import run_claimed
    from workflows.checktimes import Slot

    with _app_context():
        run_claimed(org_id, Slot(date.fromisoformat(day_iso), time.fromisoformat(hhmm)))


@outbox_task
def extract_file_text(stored_file_id: int) -> None:
    """Extract the text of one attached file and re-index its documents
    (eoffice.search.texts); a file already extracted is left alone."""
    from eoffice.search.texts import run_extraction

    with _app_context():
        run_extraction(stored_file_id)


@outbox_task
def reindex_renamed(kind: str, target_id: int) -> None:
    """Re-index the documents whose index row holds the name of a renamed unit or user
    (eoffice.search.renames), in batches; a rerun does the same work again, harmlessly."""
    from eoffice.search.renames import run

    with _app_context():
        run(kind, target_id)
