"""Pages of background exports: progress while rendering, then the download."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user

from eoffice.core.storage import FileStore
from eoffice.reports.exports import (
    KIND_LABELS,
    can_retry,
    get_export,
    is_stale,
    progress_percent,
    retry_export,
)
from eoffice.reports.models import ExportState
from eoffice.web.http import attachment_response

bp = Blueprint("reports", __name__, url_prefix="/reports")


def _status_context(export_id: int) -> dict:
    export = get_export(current_user, export_id)
    return {
        "export": export,
        "percent": progress_percent(export),
        "stale": is_stale(export),
        "can_retry": can_retry(export),
    }


@bp.get("/exports/<int:export_id>")
def export_page(export_id: int):
    context = _status_context(export_id)
    export = context["export"]
    return render_template(
        "reports/export.html", label=KIND_LABELS.get(export.kind, export.kind), **context
    )


@bp.get("/exports/<int:export_id>/status")
def export_status(export_id: int):
    """The progress fragment, polled by htmx every second until the export finishes."""
    return render_template("reports/_export_status.html", **_status_context(export_id))


@bp.post("/exports/<int:export_id>/retry")
def export_retry(export_id: int):
    export = retry_export(current_user, export_id)
    flash("Đã gửi lại yêu cầu tạo tệp.", "success")
    return redirect(url_for("reports.export_page", export_id=export.id))


@bp.get("/exports/<int:export_id>/download")
def export_download(export_id: int):
    export = get_export(current_user, export_id)
    if export.state != ExportState.DONE or export.stored_file is None:
        abort(404)
    handle = FileStore(current_app.config["STORAGE_DIR"]).open(export.stored_file.sha256)
    return attachment_response(handle, export.filename, export.stored_file.mime_type, inline=True)
