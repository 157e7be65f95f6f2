"""Job entry point of the lock-out e-mail (thin, like eoffice.jobs.tasks)."""

from __future__ import annotations

from datetime import datetime

from eoffice.jobs.tasks import _app_context


def send_lockout_email(user_id: int, locked_until_iso: str) -> None:
    """Tell the owner of a locked account (see eoffice.auth.mail)."""
    from eoffice.auth.mail import send_lockout_email as send

    with _app_context():
        send(user_id, datetime.fromisoformat(locked_until_iso))
