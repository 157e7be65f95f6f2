"""A whole eoffice deployment as real processes, for end-to-end tests across deployments.

Each `Deployment` has its own PostgreSQL database (created next to the test database,
on the same server), its own Redis database number and file store, and runs the
production shape on loopback: gunicorn serving `wsgi:app` and an RQ worker
(`flask worker`), both configured from the environment exactly as in production. The
test builds the deployment's people and settings in-process through the services
(`app_context()`), then talks to it over HTTP with API tokens, like any client.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.exchange_support import _free_port

ROOT = Path(__file__).resolve().parent.parent
SECRET_KEY = "e2e-secret-key-not-for-production"


def _recreate_database(server_url: str, name: str) -> str:
    """A fresh, empty database `name` on the server of `server_url`; its URL."""
    admin = make_url(server_url).set(database="postgres")
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


class Deployment:
    """One installation: database, Redis db, storage, web and worker processes."""

    def __init__(self, name: str, *, pg_url: str, redis_url: str, redis_db: int, root: Path):
        self.name = name
        self.database_url = _recreate_database(pg_url, f"eoffice_e2e_{name}")
        base, _, _ = redis_url.rpartition("/")
        self.redis_url = f"{base}/{redis_db}"
        self.root = root / name
        self.root.mkdir(parents=True, exist_ok=True)
        self.port = _free_port()
        self.processes: dict[str, subprocess.Popen] = {}
        self._app = None

    # --- configuration ------------------------------------------------------------------

    @property
    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "FLASK_APP": "wsgi.py",
            "SECRET_KEY": SECRET_KEY,
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "STORAGE_DIR": str(self.root / "storage"),
            "PUBLIC_URL": self.base_url,
            "ARGON2_MEMORY_COST": "1024",
            "ARGON2_TIME_COST": "1",
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": "9",  # nobody listens: e-mail jobs fail and retry, harmlessly
            "PYTHONUNBUFFERED": "1",
        }

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def flask(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        """Run one `flask` command of this deployment and wait for it."""
        return subprocess.run(
            [sys.executable, "-m", "flask", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=True,
        )

    @contextmanager
    def app_context(self) -> Iterator[None]:
        """This deployment's application in the test process, to build data via services."""
        from eoffice import create_app
        from eoffice.extensions import db

        if self._app is None:
            self._app = create_app(
                {
                    "SECRET_KEY": SECRET_KEY,
                    "SQLALCHEMY_DATABASE_URI": self.database_url,
                    "REDIS_URL": self.redis_url,
                    "STORAGE_DIR": str(self.root / "storage"),
                    "JOBS_EMBEDDED_THREAD": False,
                    "ARGON2_MEMORY_COST": 1024,
                    "ARGON2_TIME_COST": 1,
                    "SERVER_NAME": f"127.0.0.1:{self.port}",
                }
            )
        with self._app.app_context():
            try:
                yield
            finally:
                db.session.remove()

    # --- processes ----------------------------------------------------------------------

    def _spawn(self, role: str, argv: list[str]) -> None:
        log = open(self.root / f"{role}.log", "ab")  # noqa: SIM115 (closed in stop())
        self.processes[role] = subprocess.Popen(
            argv,
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a process group: stop() takes its children too
        )

    def start(self) -> None:
        """Migrate, then start gunicorn and one RQ worker; wait until the web answers."""
        import redis

        redis.Redis.from_url(self.redis_url).flushdb()
        self.flask("db", "upgrade")
        self._spawn(
            "web",
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--workers",
                "2",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--timeout",
                "60",
                "wsgi:app",
            ],
        )
        self.start_worker()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.base_url + "/health", timeout=2)
                return
            except OSError:
                if self.processes["web"].poll() is not None:
                    break
                time.sleep(0.2)
        raise RuntimeError(f"{self.name}: the web process did not start:\n{self.log('web')}")

    def start_worker(self) -> None:
        self._spawn("worker", [sys.executable, "-m", "flask", "worker"])

    def log(self, role: str) -> str:
        path = self.root / f"{role}.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                with suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)
        self.processes.clear()
        if self._app is not None:
            from eoffice.extensions import db

            with self._app.app_context():
                db.engine.dispose()

    # --- HTTP ---------------------------------------------------------------------------

    def api(
        self, token: str, method: str, path: str, body: dict[str, Any] | None = None
    ) -> tuple[int, Any]:
        """Call /api/v1 as the token's user: (status, decoded JSON or None)."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            f"{self.base_url}/api/v1{path}",
            data=data,
            method=method,
            headers={
                "Authorization": f"Bearer {token}",
                **({"Content-Type": "application/json"} if data is not None else {}),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as exc:
            status, raw = exc.code, exc.read()
        try:
            return status, json.loads(raw) if raw else None
        except ValueError:
            return status, raw


def wait_for(condition, *, timeout: float = 60, every: float = 0.3, what: str = "") -> Any:
    """Poll `condition()` until it returns something truthy; that value."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or condition}")
        time.sleep(every)
