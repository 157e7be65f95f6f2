"""Job entry points: thin. An id comes in, a service is called, nothing else.

Jobs run inside an application context: the embedded runner and `flask worker` push
one. A forked RQ work-horse inherits the parent's database pool, whose connections must
not be shared across processes, so the pool is dropped (not closed) in a new process.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from flask import has_app_context

from eoffice.extensions import db

_pool_pid = os.getpid()


@contextmanager
def _app_context() -> Iterator[None]:
    global _pool_pid
    if has_app_context():
        if os.getpid() != _pool_pid:
            db.engine.dispose(close=False)
            _pool_pid = os.getpid()
        yield
        db.session.remove()
        return
    from eoffice import create_app

    with create_app().app_context():
        yield
        db.session.remove()


def build_export(export_id: int) -> None:
    """Render a long export (see eoffice.reports.exports)."""
    from eoffice.reports.exports import run_export

    with _app_context():
        run_export(export_id)


def send_notification_email(notification_id: int) -> None:
    """E-mail one notification (see eoffice.notifications.mail); sends at most once."""
    from eoffice.notifications.mail import send_notification_email as send

    with _app_context():
        send(notification_id)


def send_deadline_reminders() -> None:
    """The daily deadline reminders (see eoffice.notifications.reminders)."""
    from eoffice.core.timeutil import now_utc
    from eoffice.notifications.reminders import send_deadline_reminders as send

    with _app_context():
        send(now_utc())


def send_digest_email(user_id: int, day_iso: str) -> None:
    """One user's daily digest of one office day (see eoffice.notifications.digest).

    The day travels as ISO text (plain job arguments); the claim of that day in the
    database, stamped before enqueuing, and `delivered_day` make a rerun send nothing.
    """
    from datetime import date

    from eoffice.notifications.digest import send_digest

    with _app_context():
        send_digest(user_id, date.fromisoformat(day_iso))


def publish_outgoing(document_id: int) -> None:
    """Render, sign and deliver an issued outgoing document (eoffice.outgoing.issuing)."""
    from eoffice.outgoing.issuing import publish

    with _app_context():
        publish(document_id)


def forward_delivery(delivery_id: int) -> None:
    """Send one delivery to an outside agency through the exchange (retried by RQ)."""
    from eoffice.exchange.forwarding import forward

    with _app_context():
        forward(delivery_id)


def send_exchange_packet(packet_id: int) -> None:
    """Send one queued status or recall packet through the exchange (retried by RQ)."""
    from eoffice.exchange.outbox import send

    with _app_context():
        send(packet_id)


def run_check_slot(org_id: int, day_iso: str, hhmm: str) -> None:
    """Run one claimed check slot of one organisation (eoffice.exchange.checks); a
    duplicate or retried job finds the slot already started and does nothing."""
    from datetime import date, time

    from eoffice.exchange.checks import run_claimed
    from workflows.checktimes import Slot

    with _app_context():
        run_claimed(org_id, Slot(date.fromisoformat(day_iso), time.fromisoformat(hhmm)))


def extract_file_text(stored_file_id: int) -> None:
    """Extract the text of one attached file and re-index its documents
    (eoffice.search.texts); a file already extracted is left alone."""
    from eoffice.search.texts import run_extraction

    with _app_context():
        run_extraction(stored_file_id)


def reindex_renamed(kind: str, target_id: int) -> None:
    """Re-index the documents whose index row holds the name of a renamed unit or user
    (eoffice.search.renames), in batches; a rerun does the same work again, harmlessly."""
    from eoffice.search.renames import run

    with _app_context():
        run(kind, target_id)
