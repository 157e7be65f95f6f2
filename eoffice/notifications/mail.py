"""E-mail of a notification, sent by a job through plain SMTP (the MAIL_* settings).

The job is idempotent: `sent_at` is stamped after the server accepted the message, so
a retried job (or a job enqueued twice) sends once. A failure to reach the server
raises, and RQ retries the job (EMAIL_RETRIES times, waiting EMAIL_RETRY_INTERVALS).
"""

from __future__ import annotations

import logging
import smtplib
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formataddr, formatdate, make_msgid
from typing import Any

from flask import current_app, render_template

from eoffice.core.timeutil import now_utc
from eoffice.extensions import db
from eoffice.notifications.models import Notification
from eoffice.orgs.models import User

log = logging.getLogger(__name__)
SENDER_NAME = "Hệ thống quản lý văn bản eoffice"


def absolute_link(path: str | None) -> str | None:
    if not path:
        return None
    return current_app.config["PUBLIC_URL"].rstrip("/") + path


def compose_email(user: User, subject: str, template: str, context: dict[str, Any]) -> Message:
    """Plain text and HTML alternatives (`template`.txt and .html), headers as RFC 2047
    encoded words.

    The legacy MIME classes on purpose: Python 3.11's EmailMessage folds a long
    Vietnamese subject into encoded words with the space between two words left
    outside them, and RFC 2047 readers drop it ("phối hợp" arrives as "phốihợp").
    """
    config = current_app.config
    message = MIMEMultipart("alternative")
    message["Subject"] = Header(f"[eoffice] {subject}", "utf-8")
    message["From"] = formataddr((SENDER_NAME, config["MAIL_DEFAULT_SENDER"]), charset="utf-8")
    message["To"] = formataddr((user.full_name, user.email), charset="utf-8")
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain=config["MAIL_DEFAULT_SENDER"].split("@")[-1])
    context = {"user": user, **context}
    message.attach(MIMEText(render_template(f"{template}.txt", **context), "plain", "utf-8"))
    message.attach(MIMEText(render_template(f"{template}.html", **context), "html", "utf-8"))
    return message


def build_message(notification: Notification) -> Message:
    return compose_email(
        notification.user,
        notification.title,
        "email/notification",
        {"notification": notification, "link": absolute_link(notification.link)},
    )


def deliver(message: Message) -> None:
    config = current_app.config
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30) as smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
        smtp.send_message(message)


def send_notification_email(notification_id: int) -> bool:
    """Send the e-mail of one notification once; False when there is nothing to send."""
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.sent_at is not None:
        return False
    user = notification.user
    if not user.is_active_account or not user.email:
        return False
    deliver(build_message(notification))
    notification.sent_at = now_utc()
    db.session.commit()
    log.info("notification %s e-mailed to user %s", notification.id, user.id)
    return True
