"""The job outbox (eoffice.jobs.outbox, decision 0021) in embedded mode (fakeredis), and
its PostgreSQL claim: a job is a row of the step's transaction, pushed after the commit,
kept pending while the push fails, flushed later, settled by its job or by the sweep.

The processes really dying (redis-server, `flask worker`) are in test_job_faults.py.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from rq import Retry
from rq.job import Job
from sqlalchemy import create_engine, event, select

from eoffice.core.models import StoredFile
from eoffice.core.timeutil import now_utc
from eoffice.extensions import db
from eoffice.jobs import outbox
from eoffice.jobs.clock import Clock
from eoffice.jobs.connection import runner
from eoffice.jobs.models import JobOutbox, OutboxState, job_id_for
from eoffice.jobs.tasks import outbox_task

TASK = "tests.integration.test_job_outbox.record_effect"
CALLS: list[str] = []  # what record_effect did, in this process


@outbox_task
def record_effect(label: str) -> None:
    """A test-only job, run by the embedded worker in this process, wrapped like every
    entry point of eoffice.jobs.tasks."""
    CALLS.append(label)


@outbox_task
def failing_effect(label: str) -> None:
    raise RuntimeError(f"no {label}")


@pytest.fixture(autouse=True)
def clean(app):
    runner().connection.flushall()
    CALLS.clear()
    outbox._push_failed.clear()
    yield
    outbox._push_failed.clear()


def _rows() -> list[JobOutbox]:
    db.session.expire_all()
    return list(db.session.scalars(select(JobOutbox).order_by(JobOutbox.id)))


def _blob(digest: str) -> StoredFile:
    return StoredFile(sha256=digest, size=1, mime_type="text/plain", kind="txt")


def test_a_deferred_job_is_pushed_by_the_commit_and_its_row_settled_by_the_job(app):
    row_id = outbox.defer(TASK, "a", queue="low", retry=Retry(max=2, interval=[5, 10]))
    assert runner().queues["low"].count == 0  # nothing reaches Redis before the commit
    [row] = _rows()
    assert (row.state, row.args, row.options) == ("pending", ["a"], {"retry": [2, [5, 10]]})
    db.session.commit()

    [row] = _rows()
    assert (row.state, row.pushes) == (OutboxState.ENQUEUED, 1)
    [job] = runner().queues["low"].get_jobs()
    assert (job.id, job.func_name, job.args) == (job_id_for(row_id), TASK, ("a",))
    assert (job.retries_left, job.retry_intervals) == (2, [5, 10])

    runner().work_burst()
    assert CALLS == ["a"]
    [row] = _rows()
    assert row.state == OutboxState.DONE and row.finished_at is not None


def test_a_rolled_back_step_leaves_no_row_and_pushes_nothing(app):
    outbox.defer(TASK, "never")
    db.session.rollback()
    db.session.add(_blob("a" * 64))
    db.session.commit()
    assert _rows() == []
    assert all(q.count == 0 for q in runner().queues.values())


def test_a_savepoint_inside_the_step_does_not_push_early(app):
    outbox.defer(TASK, "kept")
    with db.session.begin_nested():
        db.session.add(_blob("b" * 64))
    assert runner().queues["default"].count == 0
    db.session.commit()
    assert runner().queues["default"].count == 1


def test_many_jobs_cost_one_insert_and_one_pipeline(app):
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        if "job_outbox" in statement:
            statements.append(statement.split()[0])

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        ids = outbox.defer_many(TASK, [(str(n),) for n in range(300)], queue="high")
        db.session.commit()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    if db.engine.dialect.name == "postgresql":  # production (CI): one INSERT … RETURNING
        # the rows; after the commit claiming them, then marking them enqueued
        assert statements == ["INSERT", "SELECT", "UPDATE"]
    else:  # SQLite cannot order a batch's RETURNING: SQLAlchemy inserts row by row
        assert statements == ["INSERT"] * 300 + ["SELECT", "UPDATE"]
    assert len(ids) == 300 and ids == sorted(ids)
    jobs = runner().queues["high"].get_jobs()
    assert [job.args for job in jobs] == [(str(n),) for n in range(300)]
    assert {row.state for row in _rows()} == {OutboxState.ENQUEUED}


def test_a_failed_push_keeps_the_rows_pending_and_a_later_push_flushes_them(
    app, monkeypatch, caplog
):
    real_send = outbox._send

    def redis_down(_deferred):
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(outbox, "_send", redis_down)
    outbox.defer(TASK, "while down")
    db.session.commit()  # does not raise: the step has happened
    assert [r.state for r in _rows()] == [OutboxState.PENDING]
    assert "stay pending" in caplog.text

    monkeypatch.setattr(outbox, "_send", real_send)
    app.config["JOB_OUTBOX_GRACE_SECONDS"] = 0
    outbox.defer(TASK, "back")
    db.session.commit()  # its push succeeds, and flushes the row left pending
    assert [r.state for r in _rows()] == [OutboxState.ENQUEUED, OutboxState.ENQUEUED]
    runner().work_burst()
    assert sorted(CALLS) == ["back", "while down"]


def test_the_flush_after_a_recovered_push_does_one_batch_in_the_request(app, monkeypatch):
    monkeypatch.setattr(outbox, "_send", _raise)
    outbox.defer_many(TASK, [(str(n),) for n in range(5)])
    db.session.commit()  # Redis down: five rows wait
    monkeypatch.undo()
    monkeypatch.setattr(outbox, "BATCH", 2)
    app.config["JOB_OUTBOX_GRACE_SECONDS"] = 0
    outbox.defer(TASK, "back")
    db.session.commit()  # its own row, then one batch of the waiting ones
    states = [r.state for r in _rows()]
    assert states.count(OutboxState.ENQUEUED) == 3 and states[-1] == OutboxState.ENQUEUED
    assert outbox.flush() == 3  # the rest: the minute tick's


def test_the_flush_leaves_fresh_rows_to_their_process_and_pushes_older_ones(app, monkeypatch):
    monkeypatch.setattr(outbox, "_send", _raise)
    outbox.defer(TASK, "one")
    db.session.commit()
    monkeypatch.undo()
    now = now_utc()
    assert outbox.flush(now) == 0  # younger than the grace: its own process may push it
    later = now + timedelta(seconds=app.config["JOB_OUTBOX_GRACE_SECONDS"] + 1)
    assert outbox.flush(later) == 1
    assert outbox.flush(later) == 0
    assert runner().queues["default"].count == 1


def _raise(_deferred):
    raise ConnectionError("down")


def test_the_scheduler_tick_flushes_the_outbox(app, monkeypatch):
    monkeypatch.setattr(outbox, "_send", _raise)
    outbox.defer(TASK, "by the clock")
    db.session.commit()
    monkeypatch.undo()
    result = Clock().tick(now_utc() + timedelta(minutes=5))
    assert "job_outbox" not in result.failed
    assert result.parts["job_outbox"].flushed == 1
    assert "Việc nền được đưa (lại) vào hàng đợi: 1." in result.summary()


def test_a_job_pushed_twice_has_its_effect_once(app):
    [row_id] = outbox.defer_many(TASK, [("once",)])
    db.session.commit()
    runner().work_burst()
    # A duplicate of the same row (a flusher racing the committing process, a retry
    # after a success): the wrapper finds the row done and does nothing.
    outbox.push([outbox.Deferred(row_id, TASK, ("once",), "default", {})])
    runner().work_burst()
    assert CALLS == ["once"]


def test_the_sweep_settles_rows_by_what_became_of_their_job(app):
    app.config["JOB_OUTBOX_LEASE_SECONDS"] = 0
    finished, lost, failed = (
        outbox.defer("tests.integration.test_job_outbox.record_effect", label)
        for label in ("finished", "lost", "x")
    )
    db.session.commit()
    connection = runner().connection
    # The finished job's row missed its mark (a crash right after the effect).
    runner().work_burst()
    assert CALLS == ["finished", "lost", "x"]
    CALLS.clear()
    with db.engine.begin() as conn:
        conn.execute(
            JobOutbox.__table__.update()
            .where(JobOutbox.id.in_([finished, lost, failed]))
            .values(state=OutboxState.ENQUEUED.value)
        )
    Job.fetch(job_id_for(lost), connection=connection).delete()  # Redis lost its data
    job = Job.fetch(job_id_for(failed), connection=connection)
    job.set_status("failed")  # RQ gave up on it

    result = outbox.sweep(now_utc() + timedelta(seconds=1))
    assert (result.done, result.repushed, result.failed) == (1, 1, 1)
    states = {row.id: row.state for row in _rows()}
    assert states == {
        finished: OutboxState.DONE,
        lost: OutboxState.ENQUEUED,
        failed: OutboxState.FAILED,
    }
    repushed = Job.fetch(job_id_for(lost), connection=connection)
    assert repushed.meta[outbox.REPUSH_META] is True  # an export knows its old run is over
    runner().work_burst()
    assert CALLS == ["lost"]
    assert {row.id: row.state for row in _rows()}[lost] == OutboxState.DONE


def test_a_row_pushed_too_often_is_given_up(app):
    app.config["JOB_OUTBOX_LEASE_SECONDS"] = 0
    row_id = outbox.defer(TASK, "lost again and again")
    db.session.commit()
    for _ in range(app.config["JOB_OUTBOX_MAX_PUSHES"]):
        runner().connection.flushall()
        outbox.sweep(now_utc() + timedelta(seconds=1))
    [row] = _rows()
    assert (row.id, row.state) == (row_id, OutboxState.FAILED)
    assert row.pushes == app.config["JOB_OUTBOX_MAX_PUSHES"]


def test_a_failing_job_leaves_its_row_enqueued_for_rq_to_retry(app):
    outbox.defer("tests.integration.test_job_outbox.failing_effect", "x")
    db.session.commit()
    runner().work_burst()
    [row] = _rows()
    assert row.state == OutboxState.ENQUEUED
    app.config["JOB_OUTBOX_LEASE_SECONDS"] = 0
    assert outbox.sweep(now_utc() + timedelta(seconds=1)).failed == 1
    [row] = _rows()
    assert row.state == OutboxState.FAILED and "no x" in row.last_error


@pytest.mark.postgres
def test_two_flushers_never_push_one_row(app, database_url, postgres_only, monkeypatch):
    monkeypatch.setattr(outbox, "_send", _raise)
    outbox.defer_many(TASK, [("a",), ("b",)])
    db.session.commit()
    monkeypatch.undo()
    later = now_utc() + timedelta(minutes=5)
    other = create_engine(database_url)
    # Without SKIP LOCKED the flush would wait for the lock: make it fail, not hang.
    event.listen(db.engine, "connect", _short_lock_timeout)
    db.engine.dispose()
    try:
        with other.begin() as conn:  # another flusher holds the first row
            first = min(r.id for r in _rows())
            conn.execute(select(JobOutbox.id).where(JobOutbox.id == first).with_for_update()).all()
            assert outbox.flush(later) == 1  # the second row only, without waiting
        assert outbox.flush(later) == 1  # the first, once released
    finally:
        event.remove(db.engine, "connect", _short_lock_timeout)
        db.engine.dispose()
        other.dispose()
    assert runner().queues["default"].count == 2


def _short_lock_timeout(dbapi_connection, _record) -> None:
    with dbapi_connection.cursor() as cursor:
        cursor.execute("SET lock_timeout = '3s'")
    dbapi_connection.commit()


def _as_started(row_id: int, expires_in: float) -> Job:
    """Make the row's job look started by a worker whose last heartbeat gave it
    `expires_in` seconds from now in the StartedJobRegistry."""
    connection = runner().connection
    job = Job.fetch(job_id_for(row_id), connection=connection)
    job.set_status("started")
    registry = runner().queues[job.origin].started_job_registry
    connection.zadd(registry.key, {f"{job.id}:execution": now_utc().timestamp() + expires_in})
    return job


def test_a_started_job_counts_as_running_until_its_timeout_after_the_last_heartbeat(app):
    # The parent `flask worker` killed alone: heartbeats stop, but its work process (its
    # own process group) runs on until its timeout alarm; pushing again before that
    # would run the job twice at once.
    app.config["JOB_OUTBOX_LEASE_SECONDS"] = 0
    row_id = outbox.defer(TASK, "slow", job_timeout=600)
    db.session.commit()
    _as_started(row_id, expires_in=-60)  # the heartbeat expired a minute ago
    assert outbox.sweep(now_utc()).repushed == 0
    assert outbox.sweep(now_utc() + timedelta(seconds=500)).repushed == 0
    assert outbox.sweep(now_utc() + timedelta(seconds=601)).repushed == 1


def test_a_job_whose_work_process_was_killed_is_pushed_again(app):
    # OOM killer: RQ fails the job "Work-horse terminated unexpectedly"; not the
    # task's failure, so ours to push again (publishing has no RQ retries).
    app.config["JOB_OUTBOX_LEASE_SECONDS"] = 0
    row_id = outbox.defer("tests.integration.test_job_outbox.failing_effect", "x")
    db.session.commit()
    monkey = outbox._last_error
    try:
        outbox._last_error = lambda job: "Work-horse terminated unexpectedly; waitpid returned 9"
        Job.fetch(job_id_for(row_id), connection=runner().connection).set_status("failed")
        assert outbox.sweep(now_utc() + timedelta(seconds=1)).repushed == 1
    finally:
        outbox._last_error = monkey
    assert _rows()[0].state == OutboxState.ENQUEUED


def test_one_unreadable_job_does_not_stop_the_sweep_nor_the_pruning(app, monkeypatch):
    app.config["JOB_OUTBOX_LEASE_SECONDS"] = 0
    broken, fine = outbox.defer_many(TASK, [("broken",), ("fine",)])
    db.session.commit()
    connection = runner().connection
    connection.hdel(f"rq:job:{job_id_for(broken)}", "created_at", "data")  # a partial hash
    connection.hset(f"rq:job:{job_id_for(fine)}", "origin", "gone-queue")  # unknown queue
    Job.fetch(job_id_for(fine), connection=connection).set_status("started")
    result = outbox.sweep(now_utc() + timedelta(seconds=1))
    assert result.repushed == 2  # both judged on their own: lost, pushed again
    old = now_utc() - timedelta(days=30)
    with db.engine.begin() as conn:
        conn.execute(
            JobOutbox.__table__.update()
            .where(JobOutbox.id == fine)
            .values(state=OutboxState.DONE.value, finished_at=old)
        )
    monkeypatch.setattr(outbox, "_send", _raise)  # Redis down: flush and sweep fail
    outbox.defer(TASK, "pending")
    db.session.commit()
    with pytest.raises(ConnectionError):
        outbox.tick(now_utc() + timedelta(minutes=5))
    assert fine not in {row.id for row in _rows()}  # pruned all the same


def test_a_copy_of_a_running_job_does_nothing_and_a_raising_run_gives_its_row_back(app):
    row_id = outbox.defer(TASK, "busy")
    db.session.commit()
    assert outbox.claim(row_id)  # another copy runs it now
    runner().work_burst()  # the duplicate returns early …
    assert CALLS == []
    assert _rows()[0].state == OutboxState.RUNNING  # … without marking the row done
    outbox.release(row_id)
    outbox.push([outbox.Deferred(row_id, TASK, ("busy",), "default", {})])  # not pending
    assert runner().queues["default"].count == 0  # the push claims pending rows only
    failing = outbox.defer("tests.integration.test_job_outbox.failing_effect", "y")
    db.session.commit()
    runner().work_burst()
    assert {r.id: r.state for r in _rows()}[failing] == OutboxState.ENQUEUED


def test_a_job_deferred_in_a_rolled_back_savepoint_is_not_pushed(app):
    kept = outbox.defer(TASK, "kept")
    savepoint = db.session.begin_nested()
    outbox.defer(TASK, "dropped")
    savepoint.rollback()
    db.session.commit()
    runner().work_burst()
    assert CALLS == ["kept"]
    assert [row.id for row in _rows()] == [kept]
