"""Exports too long for a request: requested by a user, rendered by a job, downloaded later.

A year's register of a district office renders for half a minute or more (WeasyPrint lays
a table out at 10–14 ms per row), longer than a person should stare at a spinning tab
and longer than a proxy timeout. Such an export becomes a `ReportExport` row and a job;
the page polls the row and shows a progress bar estimated from the measured cost per
row, then the download. The job is idempotent: running it twice renders once.

A worker can die in the middle of a render (killed, out of memory, server restarted):
the row then says RUNNING although nobody works on it. Such a row is stale once its
attempt has run longer than EXPORT_JOB_TIMEOUT (RQ would have stopped it by then), or
as soon as RQ retries the same job, and a stale export is simply rendered again.
Unexpected failures are retried by RQ (twice, after 30 s and 2 min); a refusal of the
service itself (too many rows) is final at once.
"""

from __future__ import annotations

import logging
from dataclasses import asdict
from datetime import date, datetime, timedelta

from flask import current_app
from rq import Retry, get_current_job
from sqlalchemy import select

from eoffice.core.errors import Conflict, NotFound, ServiceError
from eoffice.core.models import StoredFile
from eoffice.core.storage import FileStore
from eoffice.core.timeutil import now_utc
from eoffice.extensions import db
from eoffice.incoming.queries import RegisterFilters, register_rows
from eoffice.orgs.models import User
from eoffice.reports.models import ExportState, ReportExport

log = logging.getLogger(__name__)

KIND_INCOMING_REGISTER_PDF = "incoming_register_pdf"
KIND_LABELS = {KIND_INCOMING_REGISTER_PDF: "Sổ đăng ký văn bản đến (PDF)"}
# Measured on the 2-vCPU server: 10–14 ms per register row, plus a fixed start-up cost.
SECONDS_PER_ROW = 0.014
SECONDS_FIXED = 2.0
# RQ retries of an export job that failed unexpectedly, and the waits before them
# (intervals need RQ's scheduler: `flask worker` and the embedded runner start it).
RETRIES = 2
RETRY_INTERVALS = [30, 120]
MSG_SYSTEM_ERROR = "Không tạo được tệp do lỗi hệ thống; quản trị đã được ghi nhận lỗi."


def filters_to_params(filters: RegisterFilters) -> dict:
    return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in asdict(filters).items()}


def params_to_filters(params: dict) -> RegisterFilters:
    values = dict(params)
    for key in ("date_from", "date_to"):
        if values.get(key):
            values[key] = date.fromisoformat(values[key])
    return RegisterFilters(**values)


def request_register_pdf(user: User, filters: RegisterFilters, row_count: int) -> ReportExport:
    """Record the request and enqueue the job (after commit, so the job sees the row)."""
    export = ReportExport(
        org_id=user.org_id,
        user_id=user.id,
        kind=KIND_INCOMING_REGISTER_PDF,
        params=filters_to_params(filters),
        row_count=row_count,
        estimated_seconds=SECONDS_FIXED + SECONDS_PER_ROW * row_count,
    )
    db.session.add(export)
    db.session.commit()
    _enqueue(export)
    return export


def _enqueue(export: ReportExport) -> None:
    from eoffice.jobs.connection import enqueue

    enqueue(
        "eoffice.jobs.tasks.build_export",
        export.id,
        queue="default",
        job_timeout=current_app.config["EXPORT_JOB_TIMEOUT"],
        retry=Retry(max=RETRIES, interval=RETRY_INTERVALS),
    )


def can_retry(export: ReportExport) -> bool:
    """The user may ask again for an export that failed or whose worker died."""
    return export.state == ExportState.FAILED or is_stale(export)


def retry_export(user: User, export_id: int) -> ReportExport:
    """Queue a failed or stale export of the user's own once more."""
    export = get_export(user, export_id)
    if not can_retry(export):
        raise Conflict("Yêu cầu này đang được xử lý hoặc đã xong; không cần tạo lại.")
    export.state = ExportState.QUEUED
    export.started_at = None
    export.finished_at = None
    export.message = None
    db.session.commit()
    _enqueue(export)
    return export


def is_stale(export: ReportExport, now: datetime | None = None) -> bool:
    """RUNNING for longer than a job may run: its worker died, nobody will finish it."""
    if export.state != ExportState.RUNNING or export.started_at is None:
        return False
    limit = timedelta(seconds=current_app.config["EXPORT_JOB_TIMEOUT"])
    return (now or now_utc()) - export.started_at > limit


def _retries_left() -> int:
    """Further RQ attempts of the current job after this one (0 outside a job)."""
    job = get_current_job()
    return (job.retries_left or 0) if job is not None else 0


def _is_retry() -> bool:
    """This attempt is RQ retrying the job: any earlier attempt is over, dead or failed."""
    job = get_current_job()
    return job is not None and job.retries_left is not None and job.retries_left < RETRIES


def run_export(export_id: int) -> None:
    """Job body: render the export and store the file; a second run changes nothing.

    An unexpected error is raised again while RQ still has retries for the job, so the
    row goes back to QUEUED and RQ runs the job later; after the last attempt it is
    FAILED with a message for the user.
    """
    export = db.session.get(ReportExport, export_id)
    if export is None or export.state == ExportState.DONE:
        return
    if export.state == ExportState.RUNNING and not (is_stale(export) or _is_retry()):
        return  # another worker is on it
    if export.state == ExportState.RUNNING:
        log.warning(
            "export %s was left running since %s: rendering again", export_id, export.started_at
        )
    export.state = ExportState.RUNNING
    export.started_at = now_utc()
    export.message = None
    db.session.commit()
    try:
        data, filename = _render(export)
        digest = FileStore(current_app.config["STORAGE_DIR"]).put(data)
        stored = db.session.scalars(select(StoredFile).where(StoredFile.sha256 == digest)).first()
        if stored is None:
            stored = StoredFile(
                sha256=digest, size=len(data), mime_type="application/pdf", kind="pdf"
            )
            db.session.add(stored)
            db.session.flush()
        export.stored_file_id = stored.id
        export.filename = filename
        export.state = ExportState.DONE
        export.finished_at = now_utc()
        db.session.commit()
    except Exception as exc:
        db.session.rollback()
        export = db.session.get(ReportExport, export_id)
        if not isinstance(exc, ServiceError) and _retries_left() > 0:
            export.state = ExportState.QUEUED
            export.started_at = None
            db.session.commit()
            log.exception("export %s failed, RQ will retry it", export_id)
            raise
        export.state = ExportState.FAILED
        export.finished_at = now_utc()
        export.message = (exc.message if isinstance(exc, ServiceError) else MSG_SYSTEM_ERROR)[:500]
        db.session.commit()
        if isinstance(exc, ServiceError):
            log.info("export %s refused: %s", export_id, exc.message)
        else:
            log.exception("export %s failed", export_id)


def _render(export: ReportExport) -> tuple[bytes, str]:
    from eoffice.reports.incoming_register import render_pdf

    user = db.session.get(User, export.user_id)
    filters = params_to_filters(export.params)
    rows = register_rows(user, filters)
    data = render_pdf(user.organisation, rows, filters.date_from, filters.date_to)
    return data, f"So-VB-den_{filters.date_from:%Y%m%d}-{filters.date_to:%Y%m%d}.pdf"


def get_export(user: User, export_id: int) -> ReportExport:
    """An export of the user's own; anyone else's is NotFound."""
    export = db.session.get(ReportExport, export_id)
    if export is None or export.user_id != user.id:
        raise NotFound("Không tìm thấy yêu cầu xuất tệp này.")
    return export


def progress_percent(export: ReportExport, now: datetime | None = None) -> int:
    """Done is 100; while running, elapsed time over the estimate, never past 95."""
    if export.state == ExportState.DONE:
        return 100
    if export.state != ExportState.RUNNING or export.started_at is None:
        return 0
    elapsed = ((now or now_utc()) - export.started_at).total_seconds()
    return max(1, min(95, int(100 * elapsed / max(export.estimated_seconds, 0.1))))
