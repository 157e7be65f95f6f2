"""The e-mail telling a person their account was locked after repeated failed sign-ins.

Sent through the notification e-mail path (compose_email, deliver: the MAIL_* settings);
it is not a Notification row: it must reach the person even when they turned e-mails
off, and it says nothing in the bell that a guesser could have caused.
"""

from __future__ import annotations

import logging
from datetime import datetime

from flask import current_app

from eoffice.core.timeutil import format_datetime
from eoffice.extensions import db
from eoffice.notifications.mail import compose_email, deliver
from eoffice.orgs.models import User

log = logging.getLogger(__name__)
SUBJECT = "Tài khoản của bạn tạm thời bị khóa"


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
        },
    )
    deliver(message)
    log.info("lock-out e-mail sent to user %s", user.id)
    return True
