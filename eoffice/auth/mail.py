"""The e-mail telling a person their account was locked after repeated failed sign-ins.

Sent through the notification e-mail path (compose_email, deliver: the MAIL_* settings);
it is not a Notification row: it must reach the person even when they turned e-mails
off, and it says nothing in the bell that a guesser could have caused.
"""

from __future__ import annotations

import logging
from datetime import datetime

from flask import current_app
from sqlalchemy import select

from eoffice.core.models import AuditEvent
from eoffice.core.timeutil import format_datetime
from eoffice.extensions import db
from eoffice.notifications.mail import compose_email, deliver
from eoffice.orgs.models import User

log = logging.getLogger(__name__)
SUBJECT = "Tài khoản của bạn tạm thời bị khóa"


def _locked_by_wrong_codes(user: User) -> bool:
    """Whether the lock's last failure was a wrong two-step code after a right password:
    whoever typed it knows the password. Read from the lock's audit event (written in
    the transaction that queued this e-mail), so the job's arguments stay as they are."""
    event = db.session.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.action == "account_locked",
            AuditEvent.subject_type == "user",
            AuditEvent.subject_id == user.id,
        )
        .order_by(AuditEvent.id.desc())
        .limit(1)
    ).first()
    return bool(event is not None and (event.changes or {}).get("wrong_code"))


def send_lockout_email(user_id: int, locked_until: datetime) -> bool:
    user = db.session.get(User, user_id)
    if user is None or not user.is_active_account or not user.email:
        return False
    message = compose_email(
        user,
        SUBJECT,
        "email/account_locked",
        {
            "until": format_datetime(locked_until),
            "minutes": current_app.config["LOGIN_LOCKOUT_MINUTES"],
            "failures": current_app.config["LOGIN_LOCKOUT_THRESHOLD"],
            "login_link": current_app.config["PUBLIC_URL"].rstrip("/") + "/login",
            "password_known": _locked_by_wrong_codes(user),
        },
    )
    deliver(message)
    log.info("lock-out e-mail sent to user %s", user.id)
    return True
