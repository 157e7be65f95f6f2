"""The queue connection and the one helper services use to enqueue work.

With REDIS_URL the jobs go to a real Redis and `flask worker` runs them. Without it
(embedded mode) a module-level FakeServer holds the queues and a daemon thread in the
web process works them off (STACK.md §1.11), so a newcomer sees the whole product
without installing a server. Services defer jobs through the outbox
(eoffice.jobs.outbox.defer, decision 0021), which pushes them here after the commit; the
exchange, with its own durable queue and sweeper, enqueues directly after its commit.
"""

from __future__ import annotations

import logging
import threading

import fakeredis
import redis
from flask import Flask, current_app
from rq import Queue, SimpleWorker
from rq.timeouts import TimerDeathPenalty

QUEUE_NAMES = ("high", "default", "low")
log = logging.getLogger(__name__)

_fake_server = fakeredis.FakeServer()


class EmbeddedWorker(SimpleWorker):
    """A worker that can run in a thread: timers instead of signals."""

    death_penalty_class = TimerDeathPenalty

    def _install_signal_handlers(self):  # private hook of rq 2.x: re-check on upgrades
        pass


class JobRunner:
    def __init__(self, app: Flask):
        self.app = app
        url = app.config.get("REDIS_URL")
        self.embedded = not url
        if self.embedded:
            self.connection = fakeredis.FakeRedis(server=_fake_server)
        else:
            self.connection = redis.Redis.from_url(url)
        self.queues = {name: Queue(name, connection=self.connection) for name in QUEUE_NAMES}
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def enqueue(self, task: str, *args, queue: str = "default", **options):
        job = self.queues[queue].enqueue(task, *args, **options)
        self.woken()
        return job

    def enqueue_many(self, task: str, calls: list[tuple], *, queue: str = "default", **options):
        """One job of `task` per argument tuple, sent to Redis in one pipeline: thousands
        of e-mails (a reminder to every school) cost one round trip, not thousands."""
        target = self.queues[queue]
        jobs = target.enqueue_many([target.prepare_data(task, args, **options) for args in calls])
        self.woken()
        return jobs

    def woken(self) -> None:
        """Jobs were pushed: in embedded mode, wake the thread that works them off."""
        if self.embedded and self.app.config.get("JOBS_EMBEDDED_THREAD", True):
            self._ensure_thread()
            self._wake.set()

    def work_burst(self) -> None:
        """Run every queued job now, in this thread (embedded mode and tests)."""
        with self.app.app_context():
            EmbeddedWorker(list(self.queues.values()), connection=self.connection).work(
                burst=True, with_scheduler=True
            )

    def _ensure_thread(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._thread = threading.Thread(target=self._loop, name="eoffice-jobs", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while True:
            self._wake.wait(timeout=5.0)
            self._wake.clear()
            try:
                self.work_burst()
            except Exception:  # the loop must survive a failing job
                log.exception("embedded job loop failed")


def init_jobs(app: Flask) -> None:
    from eoffice.jobs import models, outbox  # noqa: F401  (the outbox table and its listener)

    app.extensions["eoffice_jobs"] = JobRunner(app)
    outbox.install()


def runner() -> JobRunner:
    return current_app.extensions["eoffice_jobs"]


def enqueue(task: str, *args, queue: str = "default", **options):
    """Enqueue `task` (a dotted path in eoffice.jobs.tasks); call only after commit."""
    return runner().enqueue(task, *args, queue=queue, **options)


def enqueue_many(task: str, calls: list[tuple], *, queue: str = "default", **options):
    """Enqueue `task` once per argument tuple in one round trip; call only after commit."""
    return runner().enqueue_many(task, calls, queue=queue, **options)
