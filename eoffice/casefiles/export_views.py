"""Xuất hồ sơ: ask for a case file's ZIP, watch it being built, download it.

Thin pages over eoffice.casefiles.export (who may export, the request, the build) and
the background export machinery of eoffice.reports (the job, progress, retries). Every
page checks the requester again through `export.get_export`: the export must be theirs
and they must still be allowed to export its file, else 404/403.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from eoffice.casefiles import export as service
from eoffice.incoming.attachments import file_store
from eoffice.reports.exports import retry_export
from eoffice.reports.models import ExportState
from eoffice.reports.views import status_context
from eoffice.web.http import attachment_response

bp = Blueprint("casefile_exports", __name__, url_prefix="/casefiles/exports")
PAGES = "casefile_exports"


def _urls(export_id: int) -> dict[str, str]:
    return {
        "page": url_for("casefile_exports.show", export_id=export_id),
        "status": url_for("casefile_exports.status", export_id=export_id),
        "retry": url_for("casefile_exports.retry", export_id=export_id),
        "download": url_for("casefile_exports.download", export_id=export_id),
    }


@bp.get("/")
def index():
    """The user's latest case file exports."""
    return render_template("casefiles/exports/index.html", rows=service.exports_of(current_user))


@bp.post("/files/<int:file_id>")
def start(file_id: int):
    """Xuất hồ sơ (ZIP): queue the build, then show its progress."""
    export = service.request_export(current_user, file_id)
    return redirect(url_for("casefile_exports.show", export_id=export.id))


@bp.get("/<int:export_id>")
def show(export_id: int):
    export, case_file = service.get_export(current_user, export_id)
    return render_template(
        "casefiles/exports/show.html",
        case_file=case_file,
        **status_context(export, _urls(export.id)),
    )


@bp.get("/<int:export_id>/status")
def status(export_id: int):
    """The progress fragment, polled by htmx every second until the ZIP is ready."""
    export, _case_file = service.get_export(current_user, export_id)
    return render_template(
        "reports/_export_status.html", **status_context(export, _urls(export.id))
    )


@bp.post("/<int:export_id>/retry")
def retry(export_id: int):
    service.get_export(current_user, export_id)
    export = retry_export(current_user, export_id, pages=PAGES)
    flash("Đã gửi lại yêu cầu xuất hồ sơ.", "success")
    return redirect(url_for("casefile_exports.show", export_id=export.id))


@bp.get("/<int:export_id>/download")
def download(export_id: int):
    export, case_file = service.get_export(current_user, export_id)
    if export.state != ExportState.DONE or export.stored_file is None:
        abort(404)
    service.log_download(current_user, export, case_file)
    handle = file_store().open(export.stored_file.sha256)
    return attachment_response(handle, export.filename, export.stored_file.mime_type, inline=False)
