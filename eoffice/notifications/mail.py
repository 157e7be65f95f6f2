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

from flask import current_app, render_template

from eoffice.core.timeutil import now_utc
from eoffice.extensions import db
from eoffice.notifications.models import Notification

log = logging.getLogger(__name__)
SENDER_NAME = "Hệ thống quản lý văn bản eoffice"


def absolute_link(path: str | None) -> str | None:
    if not path:
        return None
    return current_app.config["PUBLIC_URL"].rstrip("/") + path


def build_message(notification: Notification) -> Message:
    """Plain text and HTML alternatives, headers as RFC 2047 encoded words.

    The legacy MIME classes on purpose: Python 3.11's EmailMessage folds a long
    Vietnamese subject into encoded words with the space between two words left
    outside them, and RFC 2047 readers drop it ("phối hợp" arrives as "phốihợp").
    """
    user = notification.user
    context = {
        "notification": notification,
        "user": user,
        "link": absolute_link(notification.link),
    }
    config = current_app.config
    message = MIMEMultipart("alternative")
    message["Subject"] = Header(f"[eoffice] {notification.title}", "utf-8")
    message["From"] = formataddr((SENDER_NAME, config["MAIL_DEFAULT_SENDER"]), charset="utf-8")
    message["To"] = formataddr((user.full_name, user.email), charset="utf-8")
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain=config["MAIL_DEFAULT_SENDER"].split("@")[-1])
    text = render_template("email/notification.txt", **context)
    html = render_template("email/notification.html", **context)
    message.attach(MIMEText(text, "plain", "utf-8"))
    message.attach(MIMEText(html, "html", "utf-8"))
    return message


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
