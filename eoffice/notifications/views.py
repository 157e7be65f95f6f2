"""The notifications page: the list, marking as read, and the preferences form."""

from __future__ import annotations

import click
from flask import Blueprint, Flask, flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from eoffice.notifications import services
from eoffice.notifications.models import ALWAYS_ON, KIND_LABELS

bp = Blueprint("notifications", __name__, url_prefix="/notifications", cli_group=None)


@bp.get("")
def index():
    return render_template(
        "notifications/index.html",
        notifications=services.list_for(current_user),
        preferences=services.user_preferences(current_user),
        kind_labels=KIND_LABELS,
        always_on=ALWAYS_ON,
    )


@bp.post("/<int:notification_id>/read")
def mark_read(notification_id: int):
    """Mark one as read; with open=1, go on to the document it is about."""
    notification = services.mark_read(current_user, notification_id)
    if request.form.get("open") and notification.link and notification.link.startswith("/"):
        return redirect(notification.link)
    return redirect(url_for("notifications.index"))


@bp.post("/read-all")
def mark_all_read():
    count = services.mark_all_read(current_user)
    flash(f"Đã đánh dấu {count} thông báo là đã đọc.", "success")
    return redirect(url_for("notifications.index"))


@bp.post("/preferences")
def save_preferences():
    choices = {
        kind.value: (
            request.form.get(f"{kind.value}-in_app") == "on",
            request.form.get(f"{kind.value}-email") == "on",
        )
        for kind in KIND_LABELS
    }
    services.save_preferences(current_user, choices)
    flash("Đã lưu cài đặt thông báo.", "success")
    return redirect(url_for("notifications.index"))


@bp.cli.command("send-reminders")
def send_reminders() -> None:
    """Send today's deadline reminders (due on the next working day, overdue) once."""
    from eoffice.core.timeutil import now_utc
    from eoffice.notifications.reminders import send_deadline_reminders

    count = send_deadline_reminders(now_utc())
    click.echo(f"Đã tạo {count} thông báo nhắc hạn xử lý.")


def unread_notifications() -> int:
    """The bell's count, queried once per request and only by pages that show the bell."""
    if not current_user.is_authenticated:
        return 0
    if "unread_notifications" not in g:
        g.unread_notifications = services.unread_count(current_user)
    return g.unread_notifications


def register(app: Flask) -> None:
    app.register_blueprint(bp)

    @app.context_processor
    def bell() -> dict:
        return {"unread_notifications": unread_notifications}
