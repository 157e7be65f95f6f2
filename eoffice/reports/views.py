"""Pages of background exports: progress while rendering, then the download.

The status fragment (`reports/_export_status.html`) is shared by every kind of export;
each blueprint showing exports passes the URLs of its own pages (`export_urls`), so a
case file's ZIP is polled, retried and downloaded through pages that check the file.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user

from eoffice.core.storage import FileStore
from eoffice.reports.exports import (
    can_retry,
    export_kind,
    get_export,
    is_stale,
    progress_percent,
    retry_export,
)
from eoffice.reports.models import ExportState, ReportExport
from eoffice.web.http import attachment_response

bp = Blueprint("reports", __name__, url_prefix="/reports")
PAGES = "reports"


def status_context(export: ReportExport, urls: dict[str, str]) -> dict:
    """What the status fragment needs, for any kind of export."""
    return {
        "export": export,
        "kind": export_kind(export.kind),
        "percent": progress_percent(export),
        "stale": is_stale(export),
        "can_retry": can_retry(export),
        "export_urls": urls,
    }


def _urls(export_id: int) -> dict[str, str]:
    return {
        name: url_for(f"reports.export_{name}", export_id=export_id)
        for name in ("page", "status", "retry", "download")
    }


def _status_context(export_id: int) -> dict:
    export = get_export(current_user, export_id, pages=PAGES)
    return status_context(export, _urls(export.id))


@bp.get("/exports/<int:export_id>")
def export_page(export_id: int):
    context = _status_context(export_id)
    return render_template("reports/export.html", label=context["kind"].label, **context)


@bp.get("/exports/<int:export_id>/status")
def export_status(export_id: int):
    """The progress fragment, polled by htmx every second until the export finishes."""
    return render_template("reports/_export_status.html", **_status_context(export_id))


@bp.post("/exports/<int:export_id>/retry")
def export_retry(export_id: int):
    export = retry_export(current_user, export_id, pages=PAGES)
    flash("Đã gửi lại yêu cầu tạo tệp.", "success")
    return redirect(url_for("reports.export_page", export_id=export.id))


@bp.get("/exports/<int:export_id>/download")
def export_download(export_id: int):
    export = get_export(current_user, export_id, pages=PAGES)
    if export.state != ExportState.DONE or export.stored_file is None:
        abort(404)
    handle = FileStore(current_app.config["STORAGE_DIR"]).open(export.stored_file.sha256)
    inline = export_kind(export.kind).inline
    return attachment_response(handle, export.filename, export.stored_file.mime_type, inline=inline)
