"""PostgreSQL going away under the application (issue 9 point 5).

A private cluster (tests/pgcluster.py) is really stopped and started: a crash (`pg_ctl
stop -m immediate`) between requests, and a fast restart while requests wait on a lock.
The requests that meet the outage get a clean Vietnamese 503 (a page, or the API's JSON
error), nothing half-written; the first request after the start succeeds on fresh
connections (the pool's stale ones are dropped, not handed out).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime

import psycopg
import pytest
from flask import Flask
from sqlalchemy import func, make_url, select, text
from sqlalchemy.exc import OperationalError

from eoffice import create_app
from eoffice.auth.services import create_api_token
from eoffice.core import timeutil
from eoffice.extensions import db
from eoffice.incoming.models import IncomingDocument
from eoffice.web.errors import is_outage
from tests import factories
from tests.conftest import IN_CI, IsolatedClient
from tests.deployment import ROOT
from tests.exchange_support import _free_port
from tests.pgcluster import PgCluster, unavailable_reason

# 25/09/2026 09:00 office time.
NOW = datetime(2026, 9, 25, 2, 0, tzinfo=UTC)
KEPT = {"urgency_levels", "confidentiality_levels", "document_types", "retention_periods"}


@pytest.fixture(scope="module")
def cluster(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[PgCluster]:
    """A migrated database on a cluster of our own: this module stops and kills it.

    The schema is copied from the suite's migrated PostgreSQL test database when there
    is one (a second or two); otherwise the migrations run here."""
    reason = unavailable_reason()
    if reason:
        if IN_CI:
            pytest.fail(reason + " (CI requires it)")
        pytest.skip(reason)
    pg = PgCluster()
    try:
        pg.start()
        pg.create_database()
        if database_url.startswith("postgresql"):
            pg.load_from(database_url)
        else:
            _migrate(pg.url, tmp_path_factory.mktemp("storage"))
        yield pg
    finally:
        pg.destroy()


def _migrate(url: str, storage) -> None:
    migrate_app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": url,
            "STORAGE_DIR": str(storage),
            "JOBS_EMBEDDED_THREAD": False,
            "REDIS_URL": None,
        }
    )
    with migrate_app.app_context():
        from flask_migrate import upgrade

        upgrade(revision="heads")  # several heads while branches are merged
        db.engine.dispose()


@pytest.fixture
def app(cluster: PgCluster, tmp_path) -> Iterator[Flask]:
    """The application on the private cluster, with the production engine options
    (pool_pre_ping) rather than the test suite's: those are what is being tested."""
    application = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": cluster.url,
            "STORAGE_DIR": str(tmp_path / "storage"),
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "RATELIMIT_STORAGE_URI": "memory://",
            "REDIS_URL": None,
            "JOBS_EMBEDDED_THREAD": False,
            "ARGON2_MEMORY_COST": 1024,
            "ARGON2_TIME_COST": 1,
            "SERVER_NAME": "eoffice.test",
        }
    )
    assert application.config["SQLALCHEMY_ENGINE_OPTIONS"]["pool_pre_ping"] is True
    application.test_client_class = IsolatedClient
    timeutil.set_clock(lambda: NOW)
    with application.app_context():
        _empty(application)
        yield application
        db.session.remove()
        db.engine.dispose()
    timeutil.set_clock(None)


def _empty(application: Flask) -> None:
    names = ", ".join(t.name for t in db.metadata.sorted_tables if t.name not in KEPT)
    with db.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


def _registration(**overrides) -> dict:
    body = {
        "sender_name": "Sở Giáo dục và Đào tạo Thành phố Hồ Chí Minh",
        "symbol": "3337/GDĐT-TTTT",
        "document_date": "2026-09-19",
        "document_type_id": factories.type_id(),
        "subject": "Hướng dẫn thực hiện nhiệm vụ công nghệ thông tin năm học 2026 - 2027",
        "page_count": 3,
        "urgency_code": "normal",
        "arrived_at": "2026-09-24T08:30",
    }
    body.update(overrides)
    return body


def _documents() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count(IncomingDocument.id)))


def _assert_unavailable_page(response) -> None:
    assert response.status_code == 503
    assert response.mimetype == "text/html"
    assert response.headers["Retry-After"]
    page = response.get_data(as_text=True)
    assert "Hệ thống tạm thời không kết nối được cơ sở dữ liệu" in page
    assert "Dữ liệu của bạn chưa được lưu" in page
    assert "Traceback" not in page and "OperationalError" not in page


def _assert_unavailable_json(response) -> None:
    assert response.status_code == 503
    assert response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert error["code"] == "database_unavailable"
    assert "không kết nối được cơ sở dữ liệu" in error["message"]


def test_a_crash_between_requests(app, client, world, cluster, caplog):
    clerk = world.school_a.clerk
    _token, clear = create_api_token(clerk, "Phần mềm tổng hợp")
    db.session.commit()
    bearer = {"Authorization": f"Bearer {clear}"}
    factories.login(client, clerk)
    assert client.get("/incoming").status_code == 200  # the pool now holds live connections
    assert client.get("/api/v1/incoming", headers=bearer).status_code == 200
    body = _registration()
    db.session.close()  # the test's own connection goes back to the pool, to go stale there

    cluster.stop("immediate")
    try:
        with caplog.at_level(logging.ERROR, logger="eoffice.web.errors"):
            page = client.get("/incoming?page=2")
            _assert_unavailable_page(page)
            assert 'href="/incoming?page=2"' in page.get_data(as_text=True)  # "Thử lại"
            _assert_unavailable_json(client.get("/api/v1/incoming", headers=bearer))
            _assert_unavailable_json(client.post("/api/v1/incoming", json=body, headers=bearer))
        assert caplog.text.count("database unavailable on") == 3
        assert "POST /api/v1/incoming" in caplog.text
        # The driver's first line only: no SQL, no parameter values (a subject, a token).
        assert "[SQL:" not in caplog.text and "[parameters:" not in caplog.text
        assert body["subject"] not in caplog.text and clear not in caplog.text
    finally:
        cluster.start()

    # The first requests after the start succeed: the connections the crash killed are
    # not handed out again, and the clerk's session survived (it lives in the cookie).
    assert client.get("/incoming").status_code == 200
    created = client.post("/api/v1/incoming", json=body, headers=bearer)
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["arrival_number"] == 1  # the refused one took no number
    assert _documents() == 1


def _wait_for_lock_waiters(holder: psycopg.Connection, count: int) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        waiting = holder.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
        ).fetchone()[0]
        if waiting >= count:
            return
        time.sleep(0.05)
    raise AssertionError(f"{count} requests never waited on the lock")


def test_a_restart_while_requests_wait(app, client, world, cluster, caplog):
    """`pg_ctl restart -m fast` with a page and an API registration blocked on a lock:
    both end in the 503 (SQLSTATE 57P01), the registration leaves no row, and the same
    registration sent again afterwards succeeds."""
    clerk = world.school_a.clerk
    _token, clear = create_api_token(clerk, "Phần mềm tổng hợp")
    db.session.commit()
    bearer = {"Authorization": f"Bearer {clear}"}
    factories.login(client, clerk)
    assert client.get("/incoming").status_code == 200
    body = _registration()
    db.session.close()

    url = make_url(cluster.url)
    holder = psycopg.connect(host=url.host, port=url.port, user=url.username, dbname=url.database)
    answers: dict[str, object] = {}

    def request(name: str, call) -> None:
        answers[name] = call()

    threads = [  # daemons: a request stuck by a bug must not keep pytest from exiting
        threading.Thread(
            target=request, args=("page", lambda: client.get("/incoming")), daemon=True
        ),
        threading.Thread(
            target=request,
            args=(
                "api",
                lambda: client.post("/api/v1/incoming", json=body, headers=bearer),
            ),
            daemon=True,
        ),
    ]
    try:
        holder.execute("LOCK TABLE incoming_documents IN ACCESS EXCLUSIVE MODE")  # to the end
        with caplog.at_level(logging.ERROR, logger="eoffice.web.errors"):
            for thread in threads:
                thread.start()
            try:
                _wait_for_lock_waiters(holder, 2)
                cluster.restart("fast")
            finally:
                for thread in threads:
                    if thread.is_alive() or thread.ident is not None:
                        thread.join(timeout=30)
    finally:
        holder.close()  # its session was ended by the restart (or the test failed)
    assert not any(thread.is_alive() for thread in threads)
    _assert_unavailable_page(answers["page"])
    _assert_unavailable_json(answers["api"])
    assert caplog.text.count("database unavailable on") == 2

    assert client.get("/incoming").status_code == 200
    created = client.post("/api/v1/incoming", json=body, headers=bearer)
    assert created.status_code == 201, created.get_json()
    assert _documents() == 1


def _get(url: str, token: str) -> tuple[int, dict]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_gunicorn_across_a_crash(app, world, cluster, tmp_path):
    """The production shape: gunicorn's worker keeps its pool across the crash, answers
    503 while the database is down and 200 as soon as it is back, without a restart."""
    _token, clear = create_api_token(world.school_a.clerk, "Phần mềm tổng hợp")
    db.session.commit()
    db.session.close()
    port = _free_port()
    env = {
        **os.environ,
        "SECRET_KEY": "db-restart-test-secret",
        "DATABASE_URL": cluster.url,
        "STORAGE_DIR": str(tmp_path / "storage"),
        "ARGON2_MEMORY_COST": "1024",
        "ARGON2_TIME_COST": "1",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("REDIS_URL", None)
    argv = [sys.executable, "-m", "gunicorn", "--workers", "1", "--timeout", "60"]
    log_path = tmp_path / "web.log"
    with log_path.open("ab") as log:
        web = subprocess.Popen(
            [*argv, "--bind", f"127.0.0.1:{port}", "wsgi:app"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(base + "/health", timeout=2)
                break
            except OSError:
                assert web.poll() is None and time.monotonic() < deadline, log_path.read_text()
                time.sleep(0.2)
        assert _get(base + "/api/v1/incoming", clear)[0] == 200

        cluster.stop("immediate")
        try:
            status, body = _get(base + "/api/v1/incoming", clear)
            assert status == 503, body
            assert body["error"]["code"] == "database_unavailable"
        finally:
            cluster.start()
        status, body = _get(base + "/api/v1/incoming", clear)
        assert status == 200, body
        assert web.poll() is None  # the same worker, not a restarted one
        assert "database unavailable on GET /api/v1/incoming" in log_path.read_text()
    finally:
        _stop_group(web)


def _stop_group(process: subprocess.Popen) -> None:
    """SIGTERM to the process group, SIGKILL if it has not gone within 15 s."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=15)


@pytest.mark.parametrize(
    ("orig", "outage"),
    [
        (psycopg.errors.AdminShutdown("terminating connection"), True),  # 57P01
        (psycopg.errors.CannotConnectNow("the database system is starting up"), True),
        (psycopg.OperationalError("connection failed: Connection refused"), True),  # none
        (psycopg.errors.DeadlockDetected("deadlock detected"), False),  # 40P01
        (psycopg.errors.LockNotAvailable("canceling statement due to lock timeout"), False),
        (sqlite3.OperationalError("database is locked"), False),
        (sqlite3.OperationalError("unable to open database file"), True),
    ],
)
def test_which_errors_mean_no_database(orig, outage):
    """An outage says "không kết nối được"; a deadlock or timeout says "đang bận"."""
    assert is_outage(OperationalError("SELECT 1", {}, orig)) is outage


def _bare_app(failure: BaseException) -> Flask:
    """The error handlers alone (no database, no cluster), on a route that raises."""
    from eoffice.web.errors import register_error_handlers

    bare = Flask("errors_only", template_folder=str(ROOT / "templates"), static_folder=None)
    bare.add_url_rule("/static/<path:filename>", "static", lambda filename: "")
    register_error_handlers(bare)

    def fail(anything: str = ""):
        raise failure

    bare.add_url_rule("/", "root", fail)
    bare.add_url_rule("/<path:anything>", "fail", fail)
    bare.add_url_rule("/api/v1/<path:anything>", "api_fail", fail)
    return bare


def test_an_exhausted_pool_is_the_busy_503_not_a_500(caplog):
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    bare = _bare_app(PoolTimeout("QueuePool limit of size 5 overflow 10 reached"))
    with caplog.at_level(logging.ERROR, logger="eoffice.web.errors"):
        page = bare.test_client().get("/incoming")
        api = bare.test_client().get("/api/v1/incoming")
    assert page.status_code == 503 and page.headers["Retry-After"]
    assert "Hệ thống đang bận" in page.get_data(as_text=True)
    assert api.status_code == 503
    assert api.get_json()["error"]["code"] == "database_busy"
    assert caplog.text.count("database pool exhausted on") == 2


@pytest.mark.parametrize(
    ("path", "retry"),
    [
        ("/incoming?page=2", 'href="/incoming?page=2"'),
        ("/%09/evil.example", 'href="/evil.example"'),
        ("/%5Cevil.example", 'href="/evil.example"'),
        ("/%2Fevil.example/x", 'href="/evil.example/x"'),
        ("/%5C%5C%20evil.example", 'href="/evil.example"'),
        ("/vb?q=%22%3E%3Cscript%3E", 'href="/vb?q=%22%3E%3Cscript%3E"'),
    ],
)
def test_the_retry_link_stays_on_this_site(path, retry):
    """The "Thử lại" link repeats the request, never a link to another host (`/\\host`,
    `/<tab>/host` are other hosts to a browser)."""
    from psycopg import OperationalError as DriverError

    failure = OperationalError("SELECT 1", {}, DriverError("connection refused"))
    page = _bare_app(failure).test_client().get(path)
    assert page.status_code == 503
    assert retry in page.get_data(as_text=True)
