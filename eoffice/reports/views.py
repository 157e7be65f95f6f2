"""Pages of background exports: progress while rendering, then the download."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_login import current_user

from eoffice.core.storage import FileStore
from eoffice.reports.exports import KIND_LABELS, get_export, progress_percent
from eoffice.reports.models import ExportState
from eoffice.web.http import attachment_response

bp = Blueprint("reports", __name__, url_prefix="/reports")


@bp.get("/exports/<int:export_id>")
def export_page(export_id: int):
    export = get_export(current_user, export_id)
    return render_template(
        "reports/export.html",
        export=export,
        label=KIND_LABELS.get(export.kind, export.kind),
        percent=progress_percent(export),
    )


@bp.get("/exports/<int:export_id>/status")
def export_status(export_id: int):
    """The progress fragment, polled by htmx every second until the export finishes."""
    export = get_export(current_user, export_id)
    return render_template(
        "reports/_export_status.html", export=export, percent=progress_percent(export)
    )


@bp.get("/exports/<int:export_id>/download")
def export_download(export_id: int):
    from flask import current_app

    export = get_export(current_user, export_id)
    if export.state != ExportState.DONE or export.stored_file is None:
        abort(404)
    handle = FileStore(current_app.config["STORAGE_DIR"]).open(export.stored_file.sha256)
    return attachment_response(handle, export.filename, export.stored_file.mime_type, inline=True)
