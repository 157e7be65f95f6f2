"""Forwarding through real processes when things break: a real hub process, a real
`flask worker` (RQ on a real Redis, with its scheduler) on the test's PostgreSQL
database, and a loopback proxy in front of the hub that holds or drops answers.

- the hub is SIGKILLed while the forwarding jobs run, and restarted on the same port and
  store: every delivery ends sent, the hub holds one copy per recipient;
- the worker (and its work horse) is SIGKILLed while its packet is stored on the hub but
  not yet answered: RQ alone would look at the abandoned job only minutes later, so the
  sweeper (eoffice.exchange.sweeper) puts it back, and the recipient holds one copy;
- the hub is down when sending: RQ's Retry, through the worker's scheduler, sends it
  once the hub is back.

Retry intervals are shortened (a few seconds) so that each test takes seconds, not the
production minutes.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import redis as redis_lib

from eoffice.exchange import forwarding
from eoffice.exchange.settings import SettingsInput, save_settings
from eoffice.exchange.sweeper import requeue_stuck
from eoffice.extensions import db
from eoffice.jobs.connection import runner
from eoffice.orgs.models import OrgKind
from eoffice.orgs.services import OrganisationData, save_organisation
from eoffice.outgoing import issuing
from eoffice.outgoing.models import Delivery, OutgoingDocument
from tests.exchange_proxy import Fault, FaultyProxy
from tests.exchange_support import RunningHub, signed_to_outside

pytestmark = [
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.usefixtures("exchange_clock"),  # conftest's
]

ROOT = Path(__file__).resolve().parents[2]
SECRET_DISTRICT = "khoa-bi-mat-cua-phong-gddt"
AGENCIES = {
    "000.00.00.H29": "Sở Giáo dục và Đào tạo Thành phố Hồ Chí Minh",
    "000.00.01.H29": "Sở Tài chính Thành phố Hồ Chí Minh",
    "000.00.02.H29": "Sở Nội vụ Thành phố Hồ Chí Minh",
}
SHORT_RETRIES = [1, 1, 2, 4, 8]  # seconds; production waits 10 s to 13.5 min
DEADLINE = 25  # seconds to wait for a state the processes must reach


@pytest.fixture
def app_config(app_config, redis_url, postgres_only):
    """The worker is another process: the database and the queue must be real servers."""
    return {**app_config, "REDIS_URL": redis_url}


@pytest.fixture(autouse=True)
def short_retries(monkeypatch):
    monkeypatch.setattr(forwarding, "RETRY_INTERVALS", SHORT_RETRIES)


class Exchange:
    """The hub process, its store, an optional proxy in front, the workers started."""

    def __init__(self, tmp_path: Path, app_config: dict):
        self.tmp_path = tmp_path
        self.app_config = app_config
        self.hub = RunningHub(tmp_path / "hub.db")
        self.port = self.hub.port
        self.proxy: FaultyProxy | None = None
        self.workers: list[subprocess.Popen] = []

    def start_hub(self) -> None:
        self.hub.start()  # same port, same store

    def kill_hub(self) -> None:
        self.hub.kill()

    def copies(self) -> dict[str, int]:
        """Packets the hub holds, by recipient (read from its store, as it sees them)."""
        with sqlite3.connect(self.hub.db) as connection:
            rows = connection.execute("SELECT to_code, COUNT(*) FROM packets GROUP BY to_code")
            return dict(rows.fetchall())

    def start_worker(self) -> subprocess.Popen:
        cfg = self.app_config
        env = {
            **os.environ,
            "FLASK_APP": "wsgi.py",
            "DATABASE_URL": cfg["SQLALCHEMY_DATABASE_URI"],
            "REDIS_URL": cfg["REDIS_URL"],
            "SECRET_KEY": cfg["SECRET_KEY"],  # the hub secret is encrypted under it
            "STORAGE_DIR": cfg["STORAGE_DIR"],  # the signed PDF the packet carries
        }
        log = open(self.tmp_path / f"worker{len(self.workers)}.log", "wb")  # noqa: SIM115
        worker = subprocess.Popen(
            [sys.executable, "-m", "flask", "worker"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, killed as a whole
        )
        log.close()
        self.workers.append(worker)
        return worker

    def kill_worker(self, worker: subprocess.Popen) -> None:
        """SIGKILL the worker, its scheduler and its work horse (RQ puts the horse in a
        process group of its own, so the group alone would leave it running)."""
        tree = _descendants(worker.pid)
        os.killpg(worker.pid, signal.SIGKILL)
        for pid in tree:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        worker.wait(timeout=10)

    def close(self) -> None:
        for worker in self.workers:
            if worker.poll() is None:
                self.kill_worker(worker)
        if self.proxy is not None:
            self.proxy.stop()
        self.hub.stop()


def _descendants(pid: int) -> list[int]:
    """Every process below `pid` (read from /proc: no psutil here)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


@pytest.fixture
def exchange(app, app_config, office, tmp_path) -> Iterator[Exchange]:
    world, _ = office
    redis_lib.Redis.from_url(app_config["REDIS_URL"]).flushdb()
    state = Exchange(tmp_path, app_config)
    state.hub.add_agency(world.district.org.agency_code, world.district.org.name, SECRET_DISTRICT)
    for code, name in AGENCIES.items():
        state.hub.add_agency(code, name, f"khoa-bi-mat-{code}")
        save_organisation(
            OrganisationData(name=name, kind=OrgKind.EXTERNAL, agency_code=code, is_member=False)
        )
    db.session.commit()
    try:
        yield state
    finally:
        state.close()
        redis_lib.Redis.from_url(app_config["REDIS_URL"]).flushdb()


def _use_hub_at(world, url: str) -> None:
    save_settings(
        world.district.admin, SettingsInput(hub_url=url, secret=SECRET_DISTRICT, enabled=True)
    )


def _issue_and_publish(world, codes: list[str]) -> int:
    """Issue a document to outside agencies and publish it here: its forwarding jobs wait
    in the real Redis for the worker (enqueued by this process, with the short retries)."""
    doc = signed_to_outside(world, codes)
    runner().queues["high"].empty()  # the publishing job: done here instead
    runner().queues["default"].empty()
    assert issuing.publish(doc.id)
    assert runner().queues["high"].count == len(codes)
    return doc.id


def _deliveries(doc_id: int) -> list[Delivery]:
    db.session.rollback()  # see what the worker committed
    return list(db.session.get(OutgoingDocument, doc_id).deliveries)


def _wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    pytest.fail(f"still waiting after {DEADLINE} s for {what}")


def test_a_hub_killed_and_restarted_mid_flight_ends_with_one_copy_per_recipient(office, exchange):
    world, _ = office
    exchange.start_hub()
    first_post = iter([Fault.HOLD])
    exchange.proxy = FaultyProxy(
        exchange.port,
        lambda method, _path: next(first_post, Fault.PASS) if method == "POST" else Fault.PASS,
        hold_seconds=1.5,
    ).start()
    _use_hub_at(world, exchange.proxy.url)
    doc_id = _issue_and_publish(world, list(AGENCIES))
    exchange.start_worker()

    _wait_for(exchange.proxy.holding.is_set, "the first packet to reach the hub")
    exchange.kill_hub()  # while the first answer is on its way and two jobs wait
    _wait_for(lambda: exchange.proxy.upstream_down >= 1, "a send to meet the dead hub")
    assert any(d.exchange_state == "queued" and d.attempts >= 1 for d in _deliveries(doc_id))
    exchange.start_hub()  # same port, same store

    _wait_for(
        lambda: all(d.exchange_state == "sent" for d in _deliveries(doc_id)),
        "every delivery to be sent",
    )
    assert exchange.copies() == dict.fromkeys(AGENCIES, 1)
    deliveries = _deliveries(doc_id)
    assert max(d.attempts for d in deliveries) >= 2  # RQ's Retry sent it again
    assert all(d.last_error is None and d.sent_at is not None for d in deliveries)


def test_a_worker_killed_mid_send_is_recovered_by_the_sweeper_with_one_copy(office, exchange):
    world, _ = office
    code = next(iter(AGENCIES))
    exchange.start_hub()
    first_post = iter([Fault.HOLD])
    exchange.proxy = FaultyProxy(
        exchange.port,
        lambda method, _path: next(first_post, Fault.PASS) if method == "POST" else Fault.PASS,
        hold_seconds=60,
    ).start()
    _use_hub_at(world, exchange.proxy.url)
    doc_id = _issue_and_publish(world, [code])
    worker = exchange.start_worker()

    _wait_for(exchange.proxy.holding.is_set, "the packet to reach the hub")
    exchange.kill_worker(worker)  # the hub stored it; the job never heard back
    assert exchange.copies() == {code: 1}
    [delivery] = _deliveries(doc_id)
    assert (delivery.exchange_state, delivery.attempts) == ("queued", 0)  # never committed
    started = runner().queues["high"].started_job_registry
    assert len(started.get_job_ids(cleanup=False)) == 1  # abandoned, still "running"

    exchange.start_worker()
    now = datetime.now(UTC)
    assert requeue_stuck(now) == 0  # its heartbeat has not expired: it may still run
    assert requeue_stuck(now + timedelta(minutes=10)) == 1  # a tick after it expired
    assert started.get_job_ids(cleanup=False) == []  # the dead job dropped, not retried too

    _wait_for(lambda: _deliveries(doc_id)[0].exchange_state == "sent", "the delivery to be sent")
    assert exchange.copies() == {code: 1}  # sent again, kept once
    assert _deliveries(doc_id)[0].attempts == 1
    assert requeue_stuck(now + timedelta(minutes=10)) == 0


def test_a_hub_down_when_sending_is_retried_by_rq_and_delivered_once(office, exchange):
    world, _ = office
    code = next(iter(AGENCIES))
    _use_hub_at(world, f"http://127.0.0.1:{exchange.port}")  # nothing listens there yet
    doc_id = _issue_and_publish(world, [code])
    exchange.start_worker()

    _wait_for(lambda: _deliveries(doc_id)[0].attempts >= 2, "two failed tries")
    [delivery] = _deliveries(doc_id)
    assert delivery.exchange_state == "queued" and "trục liên thông" in delivery.last_error
    exchange.start_hub()

    _wait_for(lambda: _deliveries(doc_id)[0].exchange_state == "sent", "the delivery to be sent")
    assert exchange.copies() == {code: 1}
    assert _deliveries(doc_id)[0].attempts >= 3
