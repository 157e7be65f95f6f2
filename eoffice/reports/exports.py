"""Exports too long for a request: requested by a user, rendered by a job, downloaded later.

A year's register of a district office renders for half a minute or more (WeasyPrint lays
a table out at 10–14 ms per row), longer than a person should stare at a spinning tab
and longer than a proxy timeout. Such an export becomes a `ReportExport` row and a job;
the page polls the row and shows a progress bar, then the download. The job is
idempotent: running it twice renders once.

Every kind of export goes through this one machinery: `KINDS` maps a kind to its label,
the words of its status page and its render function (named by a dotted path and
imported when the job runs, so a kind of another package costs nothing at start-up).
A render returns the bytes or an open file (a large ZIP is spooled to disk, never held
in memory) with the download name and type. A render that can count its steps (the
documents of a case file put into a ZIP) reports them through `progress(done, total)`:
each call is written at once in its own short transaction, and the bar shows the real
percentage; the others show an estimate from the measured cost per row.

A worker can die in the middle of a render (killed, out of memory, server restarted):
the row then says RUNNING although nobody works on it. Such a row is stale once its
attempt has run longer than EXPORT_JOB_TIMEOUT (RQ would have stopped it by then), or
as soon as RQ retries the same job, and a stale export is simply rendered again.
Unexpected failures are retried by RQ (twice, after 30 s and 2 min); a refusal of the
service itself (too many rows) is final at once.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from typing import IO

from flask import current_app
from rq import Retry, get_current_job
from sqlalchemy import update

from eoffice.core.errors import Conflict, NotFound, ServiceError
from eoffice.core.storage import store_bytes
from eoffice.core.timeutil import now_utc
from eoffice.extensions import db
from eoffice.incoming.queries import RegisterFilters, register_rows
from eoffice.orgs.models import User
from eoffice.reports.models import ExportState, ReportExport

log = logging.getLogger(__name__)

KIND_INCOMING_REGISTER_PDF = "incoming_register_pdf"
KIND_CASEFILE_ZIP = "casefile_zip"
# Measured on the 2-vCPU server: 10–14 ms per register row, plus a fixed start-up cost.
SECONDS_PER_ROW = 0.014
SECONDS_FIXED = 2.0
# RQ retries of an export job that failed unexpectedly, and the waits before them
# (intervals need RQ's scheduler: `flask worker` and the embedded runner start it).
RETRIES = 2
RETRY_INTERVALS = [30, 120]
MSG_SYSTEM_ERROR = "Không tạo được tệp do lỗi hệ thống; quản trị đã được ghi nhận lỗi."


Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Rendered:
    """What a render produced: bytes, or an open binary file positioned at its start
    (closed here once stored), the name the download gets, and its type."""

    content: bytes | IO[bytes]
    filename: str
    mime_type: str
    file_kind: str  # StoredFile.kind


@dataclass(frozen=True)
class ExportKind:
    """One kind of background export and the words of its status page."""

    code: str
    label: str
    # "package.module:function", called as function(export, progress) -> Rendered.
    renderer: str
    working: str  # what the status says while the job runs
    open_label: str  # the download button
    inline: bool  # a PDF opens in a tab; a ZIP downloads
    # The blueprint whose pages show exports of this kind (and check who may see them).
    pages: str = "reports"

    def render(self, export: ReportExport, progress: Progress) -> Rendered:
        module, _, name = self.renderer.partition(":")
        return getattr(importlib.import_module(module), name)(export, progress)


KINDS: dict[str, ExportKind] = {
    kind.code: kind
    for kind in (
        ExportKind(
            KIND_INCOMING_REGISTER_PDF,
            "Sổ đăng ký văn bản đến (PDF)",
            "eoffice.reports.exports:render_register_pdf",
            "Đang dàn trang và tạo tệp PDF…",
            "Mở tệp PDF",
            inline=True,
        ),
        ExportKind(
            KIND_CASEFILE_ZIP,
            "Xuất hồ sơ (ZIP)",
            "eoffice.casefiles.export:render_export",
            "Đang đóng gói các tệp của hồ sơ…",
            "Tải hồ sơ (ZIP)",
            inline=False,
            pages="casefile_exports",
        ),
    )
}
KIND_LABELS = {code: kind.label for code, kind in KINDS.items()}


def export_kind(code: str) -> ExportKind:
    return KINDS[code]


def filters_to_params(filters: RegisterFilters) -> dict:
    return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in asdict(filters).items()}


def params_to_filters(params: dict) -> RegisterFilters:
    values = dict(params)
    for key in ("date_from", "date_to"):
        if values.get(key):
            values[key] = date.fromisoformat(values[key])
    return RegisterFilters(**values)


def request_register_pdf(user: User, filters: RegisterFilters, row_count: int) -> ReportExport:
    """Record the request and its job (pushed after the commit, so the job sees the row)."""
    export = new_export(
        user,
        KIND_INCOMING_REGISTER_PDF,
        filters_to_params(filters),
        row_count=row_count,
        estimated_seconds=SECONDS_FIXED + SECONDS_PER_ROW * row_count,
    )
    defer_export(export)
    db.session.commit()
    return export


def new_export(
    user: User,
    kind: str,
    params: dict,
    *,
    row_count: int = 0,
    estimated_seconds: float = SECONDS_FIXED,
    steps_total: int | None = None,
) -> ReportExport:
    """A new export row in the session (flushed: it has its id); the caller calls
    `defer_export` before committing."""
    if kind not in KINDS:
        raise ValueError(f"unknown export kind {kind!r}")
    export = ReportExport(
        org_id=user.org_id,
        user_id=user.id,
        kind=kind,
        params=params,
        row_count=row_count,
        estimated_seconds=estimated_seconds,
        steps_total=steps_total,
        steps_done=0 if steps_total is not None else None,
    )
    db.session.add(export)
    db.session.flush()
    return export


def defer_export(export: ReportExport) -> None:
    """Queue the export's job in the current transaction (a job outbox row, decision
    0021): it reaches Redis after the commit, so the job finds the row, and a Redis
    down at that moment delays it rather than losing it."""
    from eoffice.jobs.outbox import defer

    defer(
        "eoffice.jobs.tasks.build_export",
        export.id,
        queue="default",
        job_timeout=current_app.config["EXPORT_JOB_TIMEOUT"],
        retry=Retry(max=RETRIES, interval=RETRY_INTERVALS),
    )


def can_retry(export: ReportExport) -> bool:
    """The user may ask again for an export that failed or whose worker died."""
    return export.state == ExportState.FAILED or is_stale(export)


def retry_export(user: User, export_id: int, *, pages: str | None = None) -> ReportExport:
    """Queue a failed or stale export of the user's own once more."""
    export = get_export(user, export_id, pages=pages)
    if not can_retry(export):
        raise Conflict("Yêu cầu này đang được xử lý hoặc đã xong; không cần tạo lại.")
    export.state = ExportState.QUEUED
    export.started_at = None
    export.finished_at = None
    export.message = None
    defer_export(export)
    db.session.commit()
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
    """This attempt is RQ retrying the job, or the job outbox pushing it again after its
    worker died (decision 0021): any earlier attempt is over, dead or failed."""
    from eoffice.jobs.outbox import REPUSH_META

    job = get_current_job()
    if job is None:
        return False
    if job.meta.get(REPUSH_META):
        return True
    return job.retries_left is not None and job.retries_left < RETRIES


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
    if export.steps_total is not None:
        export.steps_done = 0
    db.session.commit()
    try:
        rendered = KINDS[export.kind].render(export, _progress_writer(export_id))
        stored = store_bytes(rendered.content, rendered.mime_type, rendered.file_kind)
        export.stored_file_id = stored.id
        export.filename = rendered.filename
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


def _progress_writer(export_id: int) -> Progress:
    """`progress(done, total)` for a render: written at once in a short transaction of
    its own connection, so the page polling the row sees it while the job's own session
    goes on reading (and nothing of the job is committed by it)."""
    table = ReportExport.__table__

    def progress(done: int, total: int) -> None:
        with db.engine.begin() as connection:
            connection.execute(
                update(table)
                .where(table.c.id == export_id)
                .values(steps_done=done, steps_total=total)
            )

    return progress


def render_register_pdf(export: ReportExport, progress: Progress) -> Rendered:
    """The incoming register of the requested period (one WeasyPrint render: no steps)."""
    from eoffice.reports.incoming_register import render_pdf

    user = db.session.get(User, export.user_id)
    filters = params_to_filters(export.params)
    rows = register_rows(user, filters)
    data = render_pdf(user.organisation, rows, filters.date_from, filters.date_to)
    name = f"So-VB-den_{filters.date_from:%Y%m%d}-{filters.date_to:%Y%m%d}.pdf"
    return Rendered(data, name, "application/pdf", "pdf")


def get_export(user: User, export_id: int, *, pages: str | None = None) -> ReportExport:
    """An export of the user's own; anyone else's is NotFound. `pages` limits it to the
    kinds a blueprint shows (a case file's ZIP is served by its own pages, which check
    the file again)."""
    export = db.session.get(ReportExport, export_id)
    if export is None or export.user_id != user.id:
        raise NotFound("Không tìm thấy yêu cầu xuất tệp này.")
    if pages is not None and (export.kind not in KINDS or KINDS[export.kind].pages != pages):
        raise NotFound("Không tìm thấy yêu cầu xuất tệp này.")
    return export


def progress_percent(export: ReportExport, now: datetime | None = None) -> int:
    """Done is 100. While running: the steps done over the steps to do when the render
    counts them (never 100 before the file is stored); else elapsed time over the
    estimate, never past 95."""
    if export.state == ExportState.DONE:
        return 100
    if export.state != ExportState.RUNNING or export.started_at is None:
        return 0
    if export.steps_total:
        return min(99, int(100 * (export.steps_done or 0) / export.steps_total))
    elapsed = ((now or now_utc()) - export.started_at).total_seconds()
    return max(1, min(95, int(100 * elapsed / max(export.estimated_seconds, 0.1))))
