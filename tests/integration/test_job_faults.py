"""The job outbox (decision 0021) when real processes die: a redis-server of the test's
own (never the shared one) killed and restarted on the same port, and a real
`flask worker` SIGKILLed while it sends an e-mail to an SMTP server that stalls.

- Redis down: the web request that assigns a document (its lead is e-mailed) succeeds;
  its e-mail job waits as a pending outbox row; once Redis is back, the scheduler's tick pushes it
  and a worker delivers it to the real SMTP server;
- worker killed mid-job: the row stays running; the outbox sweep leaves the job alone
  while its heartbeat, then its timeout, may still be alive, then drops it and pushes
  it again; a new
  worker sends it, and the e-mail arrives exactly once.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
import redis as redis_lib
from aiosmtpd.controller import Controller
from sqlalchemy import select

from eoffice import create_app
from eoffice.extensions import db
from eoffice.incoming import processing
from eoffice.incoming.processing import Party
from eoffice.jobs import outbox as job_outbox
from eoffice.jobs.connection import runner
from eoffice.jobs.models import JobOutbox, OutboxState
from eoffice.notifications.models import Notification
from eoffice.notifications.services import EMAIL_TASK
from tests import factories
from tests.integration.test_exchange_faults import _descendants
from tests.smtp import Collector, free_port

pytestmark = [pytest.mark.redis, pytest.mark.postgres]

ROOT = Path(__file__).resolve().parents[2]
DEADLINE = 60  # seconds to wait at most for a state (a worker starts in 5-30 s)


class RedisServer:
    """A redis-server process of this test alone, without persistence: killed, it comes
    back empty, as a Redis restarted without its data would."""

    def __init__(self, tmp_path: Path):
        self.port = free_port()
        self.dir = tmp_path
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                shutil.which("redis-server") or "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.dir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis_lib.Redis(port=self.port)
        _wait_for(lambda: _pings(client), "redis-server to answer")

    def kill(self) -> None:
        assert self.process is not None
        self.process.kill()
        self.process.wait(timeout=10)
        self.process = None


def _pings(client: redis_lib.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis_lib.RedisError:
        return False


def _wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    pytest.fail(f"still waiting after {DEADLINE} s for {what}")


@pytest.fixture
def own_redis(tmp_path, redis_url) -> Iterator[RedisServer]:
    """`redis_url` (the shared server) only gates the test like every Redis test."""
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    server = RedisServer(tmp_path)
    server.start()
    try:
        yield server
    finally:
        if server.process is not None:
            server.kill()


class StallingSmtp(Collector):
    """Keeps what it accepts, but holds the first message's DATA without answering,
    as a mail server that hangs would: the sender never hears 250."""

    def __init__(self) -> None:
        super().__init__()
        self.holding = threading.Event()
        self._held = False

    async def handle_DATA(self, server, session, envelope) -> str:
        if not self._held:
            self._held = True
            self.holding.set()
            await asyncio.sleep(3600)  # the worker is killed meanwhile
        message: EmailMessage = message_from_bytes(envelope.content, policy=policy.default)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 Message accepted for delivery"


@pytest.fixture
def stalling_smtp() -> Iterator[tuple[StallingSmtp, int]]:
    handler = StallingSmtp()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield handler, controller.port
    finally:
        controller.stop()


@pytest.fixture
def app_config(app_config, postgres_only, own_redis, request):
    """The worker is another process: PostgreSQL, and the test's own Redis."""
    mail_port = request.getfixturevalue(
        "stalling_smtp" if "stalling_smtp" in request.fixturenames else "smtp"
    )[1]
    return {
        **app_config,
        "REDIS_URL": own_redis.url,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": mail_port,
    }


def _rows(task: str = EMAIL_TASK) -> list[JobOutbox]:
    db.session.rollback()  # see what the other processes committed
    return list(db.session.scalars(select(JobOutbox).where(JobOutbox.task == task)))


def _feedback(page: str) -> list[str]:
    return re.findall(r"invalid-feedback[^>]*>([^<]*)<|alert[^>]*>([^<]*)<", page)


def _assign_over_http(client, school) -> int:
    """A document presented to the leader, who assigns it to a staff member through the
    web: the staff member is notified in-app and by e-mail."""
    doc = factories.register(school.clerk)
    processing.present(school.clerk, doc.id, presented_to=school.leader.id)
    factories.login(client, school.leader)
    response = client.post(
        f"/incoming/{doc.id}/steps/assign", data={"assign-lead": f"user:{school.staff.id}"}
    )
    assert response.status_code == 302, _feedback(response.get_data(as_text=True))
    client.post("/logout")
    return doc.id


def test_redis_down_the_request_succeeds_and_its_email_goes_out_when_redis_is_back(
    app, app_config, client, world, own_redis, outbox: Collector
):
    school = world.school_a
    _assign_over_http(client, school)
    [first] = _rows()
    assert first.state == OutboxState.ENQUEUED  # pushed right after the commit
    runner().work_burst()
    assert len(outbox.to(school.staff.email)) == 1
    assert _rows()[0].state == OutboxState.DONE

    own_redis.kill()
    _assign_over_http(client, school)  # Redis is down: the step still succeeds
    pending = [row for row in _rows() if row.state == OutboxState.PENDING]
    assert len(pending) == 1 and pending[0].pushes == 0
    assert len(outbox.to(school.staff.email)) == 1  # nothing sent yet

    # Signing in still works with the rate limiter on and its Redis down (its storage
    # errors swallowed, counting in memory meanwhile): Redis is no door to the site.
    limited = create_app(
        {**app_config, "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": own_redis.url}
    )
    with limited.test_client() as other:
        signed_in = other.post(
            "/login", data={"email": school.clerk.email, "password": factories.PASSWORD}
        )
    assert signed_in.status_code == 302, _feedback(signed_in.get_data(as_text=True))
    assert "/login" not in signed_in.headers["Location"]

    own_redis.start()  # same port, empty: the pending job is only in PostgreSQL
    later = datetime.now(UTC) + timedelta(minutes=1)  # past the grace period
    assert job_outbox.tick(later).flushed == 1  # the scheduler's part, every minute
    assert runner().queues["high"].count == 1
    runner().work_burst()

    assert len(outbox.to(school.staff.email)) == 2
    assert {row.state for row in _rows()} == {OutboxState.DONE}
    assert job_outbox.tick(later).flushed == 0  # nothing pushed twice


def _start_worker(app_config: dict, tmp_path: Path, name: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "FLASK_APP": "wsgi.py",
        "DATABASE_URL": app_config["SQLALCHEMY_DATABASE_URI"],
        "REDIS_URL": app_config["REDIS_URL"],
        "SECRET_KEY": app_config["SECRET_KEY"],
        "STORAGE_DIR": app_config["STORAGE_DIR"],
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(app_config["MAIL_PORT"]),
    }
    log = open(tmp_path / f"{name}.log", "wb")  # noqa: SIM115
    worker = subprocess.Popen(
        [sys.executable, "-m", "flask", "worker"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    log.close()
    return worker


def _kill_worker(worker: subprocess.Popen) -> None:
    """SIGKILL the worker, its scheduler and its work horse (own process group)."""
    tree = _descendants(worker.pid)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(worker.pid, signal.SIGKILL)
    for pid in tree:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    worker.wait(timeout=10)


def test_a_worker_killed_mid_email_is_pushed_again_and_the_email_arrives_once(
    app, app_config, world, stalling_smtp, tmp_path
):
    smtp, _port = stalling_smtp
    school = world.school_a
    doc = factories.register(school.clerk)
    processing.present(school.clerk, doc.id, presented_to=school.leader.id)
    processing.assign(school.leader, doc.id, Party(user_id=school.staff.id))
    [row] = _rows()
    assert row.state == OutboxState.ENQUEUED
    notification_id = row.args[0]

    workers = [_start_worker(app_config, tmp_path, "worker0")]
    try:
        _wait_for(smtp.holding.is_set, "the e-mail to reach the SMTP server")
        workers.append(_start_worker(app_config, tmp_path, "worker1"))  # starts meanwhile
        _kill_worker(workers[0])  # mid-DATA: the server never said 250
        assert smtp.messages == []
        db.session.rollback()
        assert db.session.get(Notification, notification_id).sent_at is None
        [row] = _rows()
        assert (row.state, row.pushes) == (OutboxState.RUNNING, 1)  # claimed by the dead run
        started = runner().queues["high"].started_job_registry
        assert started.get_job_ids(cleanup=False) == [row.rq_job_id]  # abandoned, "running"

        now = datetime.now(UTC)
        assert job_outbox.sweep(now).repushed == 0  # within the lease: not even looked at
        app.config["JOB_OUTBOX_LEASE_SECONDS"] = 0
        assert job_outbox.sweep(now).repushed == 0  # its heartbeat has not expired
        # Nor while its work process may outlive the killed worker, up to its timeout.
        limit = runner().queues["high"].fetch_job(row.rq_job_id).timeout
        assert job_outbox.sweep(now + timedelta(seconds=limit - 1)).repushed == 0
        later = now + timedelta(minutes=30)  # a tick long after the crash
        assert job_outbox.sweep(later).repushed == 1
        assert started.get_job_ids(cleanup=False) == []  # the dead job dropped, not retried

        _wait_for(lambda: _rows()[0].state == OutboxState.DONE, "the job to run again")
        assert len(smtp.to(school.staff.email)) == 1  # exactly once
        [row] = _rows()
        assert row.pushes == 2 and row.finished_at is not None
        db.session.rollback()
        assert db.session.get(Notification, notification_id).sent_at is not None
        assert job_outbox.sweep(later).repushed == 0
    finally:
        for worker in workers:
            if worker.poll() is None:
                _kill_worker(worker)
