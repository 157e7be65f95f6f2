"""The notifications page: the list, marking as read, the preferences form, and the
commands cron runs (deadline reminders, daily digests)."""

from __future__ import annotations

import click
from flask import Blueprint, Flask, flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from eoffice.core.errors import ValidationFailed
from eoffice.notifications import digest, services
from eoffice.notifications.models import ALWAYS_ON, KIND_LABELS, NotificationKind

bp = Blueprint("notifications", __name__, url_prefix="/notifications", cli_group=None)


def _render_index(
    preferences: dict[NotificationKind, tuple[bool, bool]] | None = None,
    digest_choice: tuple[bool, str] | None = None,
    digest_error: str | None = None,
    status: int = 200,
):
    """The page; after a refused form, with what the user had chosen and the error."""
    if digest_choice is None:
        saved = digest.digest_choice(current_user)
        digest_choice = (saved.enabled, saved.time_text)
    page = render_template(
        "notifications/index.html",
        notifications=services.list_for(current_user),
        preferences=preferences or services.user_preferences(current_user),
        kind_labels=KIND_LABELS,
        always_on=ALWAYS_ON,
        digest_enabled=digest_choice[0],
        digest_time=digest_choice[1],
        digest_times=digest.time_choices(),
        digest_error=digest_error,
    )
    return page, status


@bp.get("")
def index():
    return _render_index()


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
    # A form without the digest's fields (an older page still open) leaves it as it is.
    if "digest-time" in request.form:
        digest_enabled = request.form.get("digest-enabled") == "on"
        digest_time = request.form["digest-time"]
        try:  # first: a refused time leaves every setting as it was
            digest.save_digest_choice(current_user, digest_enabled, digest_time)
        except ValidationFailed as error:
            shown = {
                kind: (True, True) if kind in ALWAYS_ON else choices[kind.value]
                for kind in KIND_LABELS
            }
            return _render_index(shown, (digest_enabled, digest_time), error.message, 422)
    services.save_preferences(current_user, choices)
    flash("Đã lưu cài đặt thông báo.", "success")
    return redirect(url_for("notifications.index"))


@bp.cli.command("send-reminders")
def send_reminders() -> None:
    """Send today's deadline reminders (due on the next working day, overdue) once."""
    from eoffice.core.timeutil import now_utc
    from eoffice.notifications.reminders import send_deadline_reminders

    count = send_deadline_reminders(now_utc())
    _work_off_embedded_queue()
    click.echo(f"Đã tạo {count} thông báo nhắc hạn xử lý.")


@bp.cli.command("send-digests")
def send_digests() -> None:
    """Send the daily digests whose time has come (`flask scheduler` does it each minute).

    Each user gets at most one digest per working day, at or after the time they chose
    (office time), however often this runs and even if two runs overlap.
    """
    from eoffice.core.timeutil import now_utc

    count = digest.send_due_digests(now_utc())
    _work_off_embedded_queue()
    click.echo(f"Đã xếp {count} thư tóm tắt công việc vào hàng đợi gửi.")


def _work_off_embedded_queue() -> None:
    """Without Redis the queue lives in this process and dies with it: run its jobs now."""
    from eoffice.jobs.connection import runner

    jobs = runner()
    if jobs.embedded:
        jobs.work_burst()


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
