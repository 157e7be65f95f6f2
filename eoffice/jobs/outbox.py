"""Jobs that survive Redis being down and workers being killed (decision 0021).

A service does not talk to Redis: it calls `defer()` (or `defer_many()`), which adds a
`job_outbox` row in the transaction of the change the job follows. The row is as durable
as the change and vanishes with it on a rollback. Then:

- after the commit (a session `after_commit` listener) the new rows are pushed to RQ in
  one pipeline and marked enqueued. With Redis down the push fails quietly (a warning
  in the log): the request has succeeded, the rows stay pending;
- `flush()` pushes the pending rows older than a grace period (the committing process
  normally pushes its own within milliseconds). It runs every minute from the scheduler
  tick, and at once after the first successful push that follows a failed one in this
  process. On PostgreSQL it claims rows with FOR UPDATE SKIP LOCKED and keeps the lock
  until they are marked, so two flushers never push one row twice;
- each RQ job has the id `outbox-<row id>`; the task wrapper (eoffice.jobs.tasks)
  claims the row (enqueued → running; a copy that cannot claim it does nothing), marks
  it done when the task returns and gives it back (enqueued) when the task raises;
- `sweep()` looks at the rows enqueued (or running) longer than the lease: a job that
  still waits, waits for a retry, or runs with a heartbeat expired less than the job's
  timeout ago (its work process may outlive a killed worker) is left alone; one that
  finished has its row marked done; one that RQ gave up on marks the row failed; one
  that is gone (Redis lost its data, or unreadable) or whose run died (heartbeat and
  timeout expired, or its work process killed) is dropped and pushed again, at most
  JOB_OUTBOX_MAX_PUSHES times. Two runs of one row never overlap, and every task is
  safe to run again after an earlier run (decision 0021 says how, task by task).

In embedded mode (no REDIS_URL) the same rows go to the in-process fake Redis.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app, has_app_context
from rq import Queue, Retry
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from rq.utils import parse_composite_key
from sqlalchemy import Connection, delete, event, insert, select, update
from sqlalchemy.orm import Session, SessionTransaction

from eoffice.core.timeutil import now_utc
from eoffice.extensions import db
from eoffice.jobs.models import JobOutbox, OutboxState, job_id_for

log = logging.getLogger(__name__)

_KEY = "eoffice.job_outbox"  # session.info: the rows this transaction deferred
BATCH = 500  # rows per flush or sweep round: one SELECT, one pipeline, one UPDATE
REPUSH_META = "outbox_repush"  # in the RQ job's meta: pushed again after a dead run
_table = JobOutbox.__table__

# Set when a push failed in this process; the next successful push then flushes the
# rows left pending by any process, rather than waiting for the minute tick.
_push_failed = threading.Event()


@dataclass(frozen=True)
class Deferred:
    """A committed outbox row, as much of it as the push needs."""

    row_id: int
    task: str
    args: tuple
    queue: str
    options: dict


# Deferring (inside the step's transaction) -----------------------------------------------


def defer(
    task: str,
    *args: Any,
    queue: str = "default",
    retry: Retry | None = None,
    job_timeout: int | None = None,
    session: Session | None = None,
) -> int:
    """Add job `task(*args)` to the current transaction; it is pushed after the commit.

    `task` is a dotted path in eoffice.jobs.tasks; `args` must be JSON values (ids, text).
    Returns the outbox row id. Never talks to Redis, so it never fails because of it.
    """
    return defer_many(
        task, [args], queue=queue, retry=retry, job_timeout=job_timeout, session=session
    )[0]


def defer_many(
    task: str,
    calls: Sequence[Sequence[Any]],
    *,
    queue: str = "default",
    retry: Retry | None = None,
    job_timeout: int | None = None,
    session: Session | None = None,
) -> list[int]:
    """One job of `task` per argument tuple: one INSERT of all the rows now, one Redis
    pipeline after the commit (a reminder to every school's clerk: thousands of e-mails,
    a handful of statements and one round trip). `session`: the transaction to join,
    for a session listener given its session; the application's session by default."""
    if not calls:
        return []
    if queue not in _queue_names():
        raise ValueError(f"unknown queue {queue!r}")
    options = _options(retry, job_timeout)
    created = now_utc()
    rows = [
        {
            "task": task,
            "args": list(args),
            "queue": queue,
            "options": options,
            "state": OutboxState.PENDING.value,
            "created_at": created,
            "pushes": 0,
        }
        for args in calls
    ]
    statement = insert(JobOutbox).returning(JobOutbox.id, sort_by_parameter_order=True)
    session = session if session is not None else db.session()
    ids = list(session.scalars(statement, rows))
    session.info.setdefault(_KEY, []).extend(
        Deferred(row_id, task, tuple(args), queue, options)
        for row_id, args in zip(ids, calls, strict=True)
    )
    return ids


def _options(retry: Retry | None, job_timeout: int | None) -> dict:
    options: dict[str, Any] = {}
    if retry is not None:
        options["retry"] = [retry.max, list(retry.intervals)]
    if job_timeout is not None:
        options["job_timeout"] = int(job_timeout)
    return options


def _queue_names() -> tuple[str, ...]:
    from eoffice.jobs.connection import QUEUE_NAMES

    return QUEUE_NAMES


# Pushing (after the commit) ---------------------------------------------------------------


def _push_after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint released: nothing is committed yet
    deferred = session.info.pop(_KEY, None)
    if not deferred:
        return
    if not has_app_context():  # a script's own session: the scheduler's flush pushes them
        log.warning("no application: %d outbox jobs left for the flush", len(deferred))
        return
    if push(deferred) and _push_failed.is_set():
        _push_failed.clear()
        try:
            flush(batches=1)  # one batch in a user's request; the tick does the rest
        except Exception:  # Redis gone again: the minute tick flushes later
            _push_failed.set()
            log.warning("job outbox: opportunistic flush failed", exc_info=True)


def _forget_on_rollback(session: Session, previous: SessionTransaction) -> None:
    if previous.parent is None:  # the step's own transaction, not a savepoint inside it
        session.info.pop(_KEY, None)


def install() -> None:
    """Listen on every ORM session (idempotent: create_app may run many times)."""
    if not event.contains(Session, "after_commit", _push_after_commit):
        event.listen(Session, "after_commit", _push_after_commit)
        event.listen(Session, "after_soft_rollback", _forget_on_rollback)


def push(deferred: Sequence[Deferred], now: datetime | None = None) -> bool:
    """Push committed rows to RQ and mark them enqueued; False (logged) if Redis is down.

    Like the flush, it claims its rows first (still pending, locked FOR UPDATE SKIP
    LOCKED on PostgreSQL) and marks them in the same transaction, so the scheduler's
    flush never pushes the same row too; a row gone meanwhile (deferred in a savepoint
    that was rolled back) or already taken by a flusher is not pushed.
    Never raises: it runs after a step has committed, which must not look failed.
    """
    by_id = {d.row_id: d for d in deferred}
    try:
        with db.engine.begin() as conn:
            query = select(_table.c.id).where(
                _table.c.id.in_(list(by_id)), _table.c.state == OutboxState.PENDING.value
            )
            if conn.dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            claimed = [by_id[row_id] for row_id in sorted(conn.scalars(query))]
            if claimed:
                _send(claimed)
                _mark_enqueued(conn, [d.row_id for d in claimed], now or now_utc())
    except Exception as exc:
        _push_failed.set()
        log.warning(
            "job outbox: %d jobs stay pending, Redis or the database unreachable (%s); "
            "first row %s",
            len(deferred),
            exc,
            deferred[0].row_id,
        )
        return False
    return True


def _send(deferred: Iterable[Deferred], *, repush: bool = False) -> None:
    """Every job in one pipeline (one round trip), each with its row's fixed job id.

    A job pushed again by the sweep (its worker died) carries REPUSH_META in its meta,
    so a task that refuses to start while its row says "running" (an export) knows
    the earlier run is over."""
    from eoffice.jobs.connection import runner

    jobs = runner()
    by_queue: dict[str, list] = {}
    for item in deferred:
        by_queue.setdefault(item.queue, []).append(
            Queue.prepare_data(
                item.task,
                tuple(item.args),
                job_id=job_id_for(item.row_id),
                timeout=item.options.get("job_timeout"),
                retry=_retry(item.options),
                meta={REPUSH_META: True} if repush else None,
            )
        )
    with jobs.connection.pipeline() as pipe:
        for name, datas in by_queue.items():
            jobs.queues[name].enqueue_many(datas, pipeline=pipe)
        pipe.execute()
    jobs.woken()


def _retry(options: dict) -> Retry | None:
    if "retry" not in options:
        return None
    max_, intervals = options["retry"]
    return Retry(max=max_, interval=intervals)


def _mark_enqueued(conn: Connection, row_ids: list[int], now: datetime) -> None:
    # Only pending rows: a fast job may have marked its row done already.
    conn.execute(
        update(_table)
        .where(_table.c.id.in_(row_ids), _table.c.state == OutboxState.PENDING.value)
        .values(state=OutboxState.ENQUEUED.value, enqueued_at=now, pushes=_table.c.pushes + 1)
    )


# The flush (pending rows) -----------------------------------------------------------------


def flush(now: datetime | None = None, batches: int | None = None) -> int:
    """Push the pending rows older than the grace period; how many were pushed.

    `batches`: at most that many rounds of BATCH rows (None: until none is left).

    Raises when Redis is down (the scheduler logs it as its part failing); the rows
    stay pending and their claims are released with the rollback.
    """
    now = now or now_utc()
    cutoff = now - timedelta(seconds=_setting("JOB_OUTBOX_GRACE_SECONDS"))
    pushed = 0
    while True:
        with db.engine.begin() as conn:
            rows = _claim(conn, _table.c.state == OutboxState.PENDING.value, cutoff, "created_at")
            if not rows:
                return pushed
            _send(rows)
            _mark_enqueued(conn, [r.row_id for r in rows], now)
        pushed += len(rows)
        log.warning("job outbox: flushed %d pending jobs (first row %s)", len(rows), rows[0].row_id)
        if len(rows) < BATCH:
            return pushed
        if batches is not None:
            batches -= 1
            if batches <= 0:
                return pushed


def _claim(conn: Connection, condition, cutoff: datetime, column: str) -> list[Deferred]:
    """A batch of rows, locked on PostgreSQL (SKIP LOCKED: another flusher takes others)."""
    query = (
        select(_table.c.id, _table.c.task, _table.c.args, _table.c.queue, _table.c.options)
        .where(condition, _table.c[column] <= cutoff)
        .order_by(_table.c.id)
        .limit(BATCH)
    )
    if conn.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return [
        Deferred(row.id, row.task, tuple(row.args or ()), row.queue, row.options or {})
        for row in conn.execute(query)
    ]


# The sweep (enqueued rows whose job may be gone) -------------------------------------------


@dataclass
class SweepResult:
    repushed: int = 0
    done: int = 0
    failed: int = 0


def sweep(now: datetime | None = None) -> SweepResult:
    """Settle the rows enqueued (or left running) longer than the lease, by what became
    of their RQ job.

    `now` stands for the current time: a started job whose heartbeat expired before it
    counts as dead (a test passes a later `now` for a tick some minutes after a crash).
    Each row is judged on its own: a job that cannot be read counts as lost.
    """
    from eoffice.jobs.connection import runner

    now = now or now_utc()
    cutoff = now - timedelta(seconds=_setting("JOB_OUTBOX_LEASE_SECONDS"))
    max_pushes = _setting("JOB_OUTBOX_MAX_PUSHES")
    result = SweepResult()
    last_id = 0
    connection = runner().connection
    open_states = [OutboxState.ENQUEUED.value, OutboxState.RUNNING.value]
    while True:
        with db.engine.begin() as conn:
            rows = _claim(
                conn,
                _table.c.state.in_(open_states) & (_table.c.id > last_id),
                cutoff,
                "enqueued_at",
            )
            if not rows:
                return result
            last_id = rows[-1].row_id
            jobs = _fetch_jobs([job_id_for(r.row_id) for r in rows], connection)
            again: list[Deferred] = []
            for row in rows:
                try:
                    fate, error = _fate(jobs.get(job_id_for(row.row_id)), now)
                except Exception:  # a job RQ cannot read back: as good as lost
                    log.warning("job outbox: job of row %s unreadable", row.row_id, exc_info=True)
                    fate, error = "lost", None
                if fate == "alive":
                    continue
                if fate == "done":
                    _finish(conn, row.row_id, OutboxState.DONE, now)
                    result.done += 1
                elif fate == "failed":
                    _finish(conn, row.row_id, OutboxState.FAILED, now, error)
                    result.failed += 1
                elif _pushes(conn, row.row_id) >= max_pushes:
                    _finish(conn, row.row_id, OutboxState.FAILED, now, f"pushed {max_pushes}x")
                    result.failed += 1
                else:
                    again.append(row)
            if again:
                _send(again, repush=True)
                conn.execute(
                    update(_table)
                    .where(_table.c.id.in_([r.row_id for r in again]))
                    .values(
                        state=OutboxState.ENQUEUED.value,  # a dead run's "running" too
                        enqueued_at=now,
                        pushes=_table.c.pushes + 1,
                    )
                )
                result.repushed += len(again)
                log.warning(
                    "job outbox: pushed again %d jobs whose worker died or whose Redis data "
                    "was lost (rows %s)",
                    len(again),
                    [r.row_id for r in again][:20],
                )
        if len(rows) < BATCH:
            return result


def _fetch_jobs(ids: list[str], connection) -> dict[str, Job | None]:
    """The RQ jobs by id, in one round trip; one by one if a job in the batch is broken
    (fetch_many raises for all of them), the broken one counting as missing."""
    try:
        return dict(zip(ids, Job.fetch_many(ids, connection=connection), strict=True))
    except Exception:
        log.warning("job outbox: a job of %s is unreadable, fetching one by one", ids[:20])
    jobs: dict[str, Job | None] = {}
    for job_id in ids:
        try:
            jobs[job_id] = Job.fetch(job_id, connection=connection)
        except Exception:
            jobs[job_id] = None
    return jobs


# RQ's messages for a run that died with its work process rather than failing: the
# parent worker found it dead (Abandoned) or saw it killed (OOM, SIGKILL). Ours to push
# again, within JOB_OUTBOX_MAX_PUSHES: the task never got to raise.
_DEAD_RUN = ("Abandoned", "Work-horse terminated unexpectedly")


def _fate(job: Job | None, now: datetime) -> tuple[str, str | None]:
    """alive, done, failed (RQ gave up: not ours to retry) or lost (push it again)."""
    if job is None:
        return "lost", None
    try:
        status = job.get_status(refresh=False)
    except NoSuchJobError:
        return "lost", None
    if status in (JobStatus.QUEUED, JobStatus.SCHEDULED, JobStatus.DEFERRED):
        return "alive", None
    if status == JobStatus.FINISHED:
        return "done", None
    if status == JobStatus.STARTED:
        return ("alive", None) if _heartbeat_alive(job, now) else ("lost", None)
    if status == JobStatus.FAILED:
        error = _last_error(job)
        if any(marker in (error or "") for marker in _DEAD_RUN):
            _drop(job)
            return "lost", None
        return "failed", error
    return "failed", f"RQ job {status}"


def _heartbeat_alive(job: Job, now: datetime) -> bool:
    """Alive while an entry of the job in its queue's StartedJobRegistry has not expired,
    and for the job's timeout after that: the heartbeat comes from the parent `flask
    worker`, but the work process (RQ's horse, in its own process group) may outlive a
    killed parent and run on until its own timeout alarm. Only then is the run surely
    over; the entry is removed, with the job, so RQ's maintenance does not retry it too."""
    from rq.registry import StartedJobRegistry

    connection = job.connection
    registry = StartedJobRegistry(job.origin, connection=connection)
    grace = _run_limit(job)
    alive = False
    for entry, expires in connection.zrange(registry.key, 0, -1, withscores=True):
        entry = entry.decode() if isinstance(entry, bytes) else entry
        if parse_composite_key(entry)[0] != job.id:
            continue
        if expires + grace > now.timestamp():
            alive = True
        else:
            connection.zrem(registry.key, entry)
    if not alive:
        _drop(job)
    return alive


def _run_limit(job: Job) -> float:
    """How long the job's work process may run at most (RQ kills it then)."""
    timeout = job.timeout
    if timeout is None or timeout < 0:  # -1: no limit; keep it alive a generous hour
        return float(Queue.DEFAULT_TIMEOUT if timeout is None else 3600)
    return float(timeout)


def _drop(job: Job) -> None:
    try:
        job.delete()
    except Exception:
        log.exception("job outbox: could not delete dead job %s", job.id)


def _last_error(job: Job) -> str | None:
    try:
        result = job.latest_result()
    except Exception:
        return None
    return (result.exc_string or "")[-2000:] if result is not None else None


def _pushes(conn: Connection, row_id: int) -> int:
    return conn.execute(select(_table.c.pushes).where(_table.c.id == row_id)).scalar_one()


def _finish(
    conn: Connection, row_id: int, state: OutboxState, now: datetime, error: str | None = None
) -> None:
    conn.execute(
        update(_table)
        .where(_table.c.id == row_id)
        .values(state=state.value, finished_at=now, last_error=error)
    )


# The job's side ---------------------------------------------------------------------------


def claim(row_id: int) -> bool:
    """Take the row for this run: False if it is done, failed, gone (deferred in a
    savepoint that was rolled back) or running elsewhere (a duplicate push), in which
    case the job does nothing. One UPDATE, so two copies never both get it."""
    with db.engine.begin() as conn:
        taken = conn.execute(
            update(_table)
            .where(
                _table.c.id == row_id,
                _table.c.state.in_([OutboxState.PENDING.value, OutboxState.ENQUEUED.value]),
            )
            .values(state=OutboxState.RUNNING.value)
        ).rowcount
    return taken == 1


def release(row_id: int) -> None:
    """The task raised: the row is enqueued again, for RQ's retry (or the sweep)."""
    with db.engine.begin() as conn:
        conn.execute(
            update(_table)
            .where(_table.c.id == row_id, _table.c.state == OutboxState.RUNNING.value)
            .values(state=OutboxState.ENQUEUED.value)
        )


def mark_done(row_id: int) -> None:
    """The task returned: its effect is committed, the row is settled."""
    with db.engine.begin() as conn:
        _finish(conn, row_id, OutboxState.DONE, now_utc())


# The minute tick --------------------------------------------------------------------------


@dataclass
class TickResult:
    flushed: int = 0
    sweep: SweepResult | None = None
    pruned: int = 0

    @property
    def pushed(self) -> int:
        return self.flushed + (self.sweep.repushed if self.sweep else 0)


def tick(now: datetime) -> TickResult:
    """The scheduler's part: push what is pending, settle what is stale, forget the old.

    Each step runs whatever became of the one before (Redis down must not stop the
    pruning); the first error is raised at the end, for the scheduler to report.
    """
    result = TickResult()
    errors: list[Exception] = []
    try:
        result.flushed = flush(now)
    except Exception as exc:
        errors.append(exc)
        log.warning("job outbox: flush failed", exc_info=True)
    try:
        result.sweep = sweep(now)
    except Exception as exc:
        errors.append(exc)
        log.warning("job outbox: sweep failed", exc_info=True)
    keep = timedelta(days=_setting("JOB_OUTBOX_KEEP_DAYS"))
    with db.engine.begin() as conn:
        result.pruned = conn.execute(
            delete(_table).where(
                _table.c.state.in_([OutboxState.DONE.value, OutboxState.FAILED.value]),
                _table.c.finished_at < now - keep,
            )
        ).rowcount
    if errors:
        raise errors[0]
    return result


def _setting(name: str) -> int:
    return int(current_app.config[name])
