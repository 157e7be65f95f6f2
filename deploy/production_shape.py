"""Start the production shape on this machine and run a smoke scenario against it.

    python -m deploy.production_shape                       # database eoffice_smoke, Redis db 10
    python -m deploy.production_shape --database eoffice_smoke_me --redis-db 6 --keep

What runs, each configured only from the environment as in production (DATABASE_URL,
REDIS_URL, SECRET_KEY, STORAGE_DIR, MAIL_*, PUBLIC_URL), each in its own process group:
- gunicorn serving `wsgi:app` with several gthread workers (default 3 × 4 threads);
- two RQ workers (`flask worker`), as the two `eoffice-worker@` units of deploy/systemd;
- the one scheduler (`flask scheduler`), as `eoffice-scheduler.service`;
- an SMTP sink (aiosmtpd) on loopback, inside this process, standing in for the
  office's mail relay: the notification e-mails are really sent over SMTP.

Before that it makes sure PostgreSQL and Redis answer (starting them as .ci/run does when
they run on this host and are down), drops and creates the database (its name must
contain "smoke"), empties the Redis database, runs `flask db upgrade` and builds a
minimal office through the services: the district office (`bootstrap_district`, as
`flask create-admin` does), one unit, a clerk, a leader, a staff member and the staff
member's API token.

The scenario, over real HTTP: /health; the clerk signs in through the form (CSRF token
read from the page), registers an incoming document with a PDF attached and presents it
to the leader; the leader signs in and assigns it to the staff member; the staff
member's notification e-mail must arrive at the SMTP sink, which only an RQ worker can
send (the web process only writes the job); both RQ workers must be registered in
Redis with the process ids started here; the scheduler must have logged its first tick;
gunicorn must run the asked number of workers; a static file and the API (Bearer token)
answer. Then everything is stopped with SIGTERM (SIGKILL after 20 s, reported as a
failure) and every log is scanned for tracebacks.

Nothing outlives the script: SIGTERM or SIGINT to it stops the processes as the end of
the run does, and each child is started with a parent-death signal (Linux), so even a
SIGKILL of the script (a test's timeout) leaves no server running.

It prints one line per step with its time and exits 0 only if every step passed; on a
failure it prints the end of every process's log. The test
tests/integration/test_production_shape.py runs it in CI (docs/deploy.md, decision 0027).
"""

from __future__ import annotations

import argparse
import ctypes
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import date
from email import message_from_bytes, policy
from email.message import EmailMessage
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEFAULT_SERVER = os.environ.get(
    "SMOKE_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
DEFAULT_REDIS = os.environ.get("SMOKE_REDIS_URL", "redis://127.0.0.1:6379")
MAIL_DOMAIN = "pgd-smoke.hcm.edu.vn"  # an official domain (OFFICIAL_MAIL_DOMAINS)
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
STOP_SECONDS = 20
UPGRADE_SECONDS = 180  # every migration on an empty database takes a few seconds
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
WAIT_SECONDS = 90  # gunicorn, the workers and the scheduler each import the whole app


class StepFailed(Exception):
    """A step's expectation was not met; the message says what was seen instead."""


class Interrupted(SystemExit):
    """SIGTERM or SIGINT reached the script: it leaves through `main`'s `finally`, which
    stops every process it started (a SystemExit, so no `except Exception` swallows it)."""

    def __init__(self, signum: int):
        super().__init__(128 + signum)
        self.signal_name = signal.Signals(signum).name


def _interrupt(signum: int, _frame: object) -> None:
    raise Interrupted(signum)


def die_with_parent() -> Callable[[], None] | None:
    """A `preexec_fn` that has the kernel send the child SIGTERM when the process that
    starts it dies, however it dies (PR_SET_PDEATHSIG, Linux only; None elsewhere).

    The start-up of our children cannot be trusted to the script's own `finally`: a
    SIGKILL (a test runner's timeout) skips it, and the children, each in a session of
    its own, would then serve forever. Everything is looked up before the fork: the
    child only makes one system call."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    prctl.argtypes = [ctypes.c_int, *[ctypes.c_ulong] * 4]
    prctl.restype = ctypes.c_int
    parent = os.getpid()

    def preexec() -> None:
        prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before the call: nobody to signal us
            os._exit(1)

    return preexec


def check(condition: object, message: str) -> None:
    if not condition:
        raise StepFailed(message)


# --- Report ----------------------------------------------------------------------------------


@dataclass
class Step:
    name: str
    seconds: float
    ok: bool
    detail: str


@dataclass
class Report:
    """Each step's outcome and time, printed as it finishes."""

    steps: list[Step] = field(default_factory=list)
    started: float = field(default_factory=time.perf_counter)

    @contextmanager
    def step(self, name: str) -> Iterator[dict[str, str]]:
        """Time the block; its `note["detail"]` is printed after the mark. A failure is
        recorded and raised again, which ends the scenario (later steps need earlier ones)."""
        note = {"detail": ""}
        began = time.perf_counter()
        try:
            yield note
        except Exception as exc:
            why = str(exc) if isinstance(exc, StepFailed) else f"{type(exc).__name__}: {exc}"
            self._add(Step(name, time.perf_counter() - began, False, why))
            raise
        self._add(Step(name, time.perf_counter() - began, True, note["detail"]))

    def _add(self, step: Step) -> None:
        self.steps.append(step)
        mark = "✓" if step.ok else "✗"
        print(f"{mark} {step.name:<22} {step.seconds:6.1f} s  {step.detail}", flush=True)

    @property
    def passed(self) -> bool:
        return bool(self.steps) and all(step.ok for step in self.steps)


# --- Servers and database --------------------------------------------------------------------


def wait_until(probe: Callable[[], bool], seconds: float, pause: float = 0.2) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if probe():
            return True
        time.sleep(pause)
    return probe()


def postgres_up(url: str) -> bool:
    from sqlalchemy import create_engine, text

    engine = create_engine(url, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return True
    except Exception:
        return False
    finally:
        engine.dispose()


def redis_up(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_timeout=3).ping())
    except redis.RedisError:
        return False


def ensure_servers(server_url: str, redis_url: str) -> str:
    """PostgreSQL and Redis answering; started as .ci/run starts them when they run on
    this host and are down. Returns what was done."""
    done = []
    if not postgres_up(server_url):
        host = urlsplit(server_url.replace("+psycopg", "")).hostname or ""
        check(host in LOOPBACK, f"PostgreSQL at {host} does not answer")
        clusters = sorted(os.listdir("/etc/postgresql")) if Path("/etc/postgresql").is_dir() else []
        check(clusters, "PostgreSQL is down and no cluster is installed (/etc/postgresql)")
        subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", clusters[-1], "main", "start"],
            capture_output=True,
        )
        check(wait_until(lambda: postgres_up(server_url), 30, 1), "PostgreSQL did not start")
        done.append("PostgreSQL started")
    if not redis_up(redis_url):
        parts = urlsplit(redis_url)
        check(parts.hostname in LOOPBACK, f"Redis at {parts.hostname} does not answer")
        Path("/var/lib/redis").mkdir(parents=True, exist_ok=True)
        Path("/var/log/redis").mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                *["redis-server", "--daemonize", "yes", "--bind", "127.0.0.1"],
                *["--port", str(parts.port or 6379), "--save", "", "--appendonly", "no"],
                *["--dir", "/var/lib/redis", "--logfile", "/var/log/redis/smoke.log"],
            ],
            capture_output=True,
        )
        check(wait_until(lambda: redis_up(redis_url), 30, 0.5), "Redis did not start")
        done.append("Redis started")
    return ", ".join(done) or "PostgreSQL and Redis already running"


def recreate_database(server_url: str, name: str) -> str:
    """Drop and create database `name` on the server; its URL."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    check("smoke" in name, f"refusing to drop {name!r}: the name must contain 'smoke'")
    server = make_url(server_url)
    engine = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        quoted = conn.dialect.identifier_preparer.quote(name)
        conn.execute(text(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)"))
        conn.execute(text(f"CREATE DATABASE {quoted}"))
    engine.dispose()
    return server.set(database=name).render_as_string(hide_password=False)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- Processes -------------------------------------------------------------------------------


class Processes:
    """Child processes, each in its own process group (gunicorn's workers go with their
    master; an RQ work horse starts a session of its own), stopped together by `stop()`.
    Each gets SIGTERM if this script dies (`die_with_parent`)."""

    def __init__(self, work: Path, env: dict[str, str]):
        self.work = work
        self.env = env
        self.running: dict[str, subprocess.Popen] = {}
        self._preexec = die_with_parent()

    def spawn(self, role: str, argv: list[str]) -> subprocess.Popen:
        with open(self.work / f"{role}.log", "ab") as log:
            process = subprocess.Popen(
                argv,
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=self._preexec,
            )
        self.running[role] = process
        return process

    def log(self, role: str) -> str:
        path = self.work / f"{role}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def dead(self) -> list[str]:
        return [role for role, p in self.running.items() if p.poll() is not None]

    def stop(self) -> tuple[list[str], dict[str, float], list[str]]:
        """SIGTERM to each main process, SIGKILL to the whole group of any still there
        after STOP_SECONDS: what systemd does with KillMode=mixed (deploy/systemd). The
        main process stops its own children: gunicorn's master its workers, an RQ worker
        its work horse after the current job. Then SIGKILL to every group and to every
        process found under a main process at the start, in case one outlived its parent
        (systemd's control group would catch those too). Returns the roles that had to be
        killed, how long each took to exit, and what was left behind by a main process
        that did exit."""
        began = time.monotonic()
        below = {
            role: [(pid, started_at(pid)) for pid in descendants_of(process.pid)]
            for role, process in self.running.items()
        }
        for process in self.running.values():
            if process.poll() is None:
                with suppress(ProcessLookupError):
                    os.kill(process.pid, signal.SIGTERM)
        killed, took = [], {}
        pending = dict(self.running)
        while pending and time.monotonic() - began < STOP_SECONDS:
            for role, process in list(pending.items()):
                if process.poll() is not None:
                    took[role] = time.monotonic() - began
                    del pending[role]
            time.sleep(0.05)
        for role, process in pending.items():
            killed.append(role)
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            with suppress(subprocess.TimeoutExpired):
                process.wait(timeout=5)
        left = []
        for role, process in self.running.items():
            stray = [
                pid
                for pid, start in below[role]
                if start is not None and started_at(pid) == start and alive(pid)
            ]
            stray += [pid for pid in group_members(process.pid) if pid not in stray]
            if stray and role not in killed:
                left.append(f"{role} ({len(stray)} left)")
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            for pid in stray:
                with suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        return killed, took, left


def _stat(pid: int) -> list[str] | None:
    """/proc/<pid>/stat after the command's name: state, ppid, pgrp, … (None: gone)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def started_at(pid: int) -> str | None:
    """The process's start time in clock ticks: with the pid, names one process (a pid
    alone may be reused)."""
    fields = _stat(pid)
    return fields[19] if fields else None


def alive(pid: int) -> bool:
    fields = _stat(pid)
    return fields is not None and fields[0] not in ("Z", "X")


def _processes() -> Iterator[tuple[int, list[str]]]:
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (fields := _stat(int(entry))) is not None:
            yield int(entry), fields


def group_members(pgid: int) -> list[int]:
    """The live (not zombie) processes of process group `pgid`."""
    return [
        pid
        for pid, fields in _processes()
        if int(fields[2]) == pgid and fields[0] not in ("Z", "X")
    ]


def descendants_of(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        children = children_of(todo.pop())
        found += children
        todo += children
    return found


def children_of(pid: int) -> list[int]:
    return [child for child, fields in _processes() if int(fields[1]) == pid]


# --- SMTP sink -------------------------------------------------------------------------------


class MailSink:
    """An aiosmtpd server on loopback keeping what it accepts (as tests/smtp.py)."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.lock = threading.Lock()
        self.port = free_port()
        self.controller: Any = None

    async def handle_DATA(self, server, session, envelope) -> str:  # aiosmtpd's name
        message = message_from_bytes(envelope.content, policy=policy.default)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        with self.lock:
            self.messages.append(message)
        return "250 Message accepted for delivery"

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()

    def to(self, address: str) -> list[EmailMessage]:
        with self.lock:
            return [m for m in self.messages if m["X-Envelope-To"] == address]


# --- Forms -----------------------------------------------------------------------------------


class FormReader(HTMLParser):
    """Every <form> of a page: its action, the values a browser would submit, and the
    option values of its selects."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[dict[str, Any]] = []
        self._form: dict[str, Any] | None = None
        self._select: str | None = None
        self._multiple = False
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._form = {"action": a.get("action", ""), "values": {}, "options": {}}
            self.forms.append(self._form)
        if self._form is None or not a.get("name"):
            if tag == "option" and self._form is not None and self._select:
                self._option(a)
            return
        name = a["name"]
        if tag == "input":
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind not in ("file", "submit", "button"):
                self._form["values"][name] = a.get("value", "")
        elif tag == "select":
            self._select = name
            self._multiple = "multiple" in a
            self._form["options"][name] = []
            self._form["values"].setdefault(name, [] if self._multiple else "")
        elif tag == "textarea":
            self._textarea = name
            self._form["values"][name] = ""

    def _option(self, a: dict[str, str]) -> None:
        assert self._form is not None and self._select is not None
        value = a.get("value", "")
        self._form["options"][self._select].append(value)
        values = self._form["values"]
        if self._multiple:  # a browser sends only the chosen options, maybe none
            if "selected" in a:
                values[self._select].append(value)
        elif "selected" in a or not values.get(self._select):
            values[self._select] = value  # a single select sends its first option

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._form is not None and self._textarea:
            self._form["values"][self._textarea] += data


def form_with(html: str, action_part: str = "", field_name: str = "") -> dict[str, Any]:
    reader = FormReader()
    reader.feed(html)
    for form in reader.forms:
        if action_part in form["action"] and (not field_name or field_name in form["values"]):
            return form
    raise StepFailed(f"no form {action_part or field_name!r} on the page")


def small_pdf(text: str) -> bytes:
    """A one-page PDF with `text` (ASCII) on it."""
    stream = f"BT /F1 12 Tf 72 770 Td ({text}) Tj ET".encode("ascii", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


# --- The office ------------------------------------------------------------------------------


def seed(env: dict[str, str], password: str) -> dict[str, Any]:
    """The district office, one unit, a clerk, a leader and a staff member (with an API
    token), through the services a new installation goes through."""
    from eoffice import create_app
    from eoffice.auth.services import create_api_token
    from eoffice.demo.seed import shared_password_hash
    from eoffice.extensions import db
    from eoffice.orgs.models import Role
    from eoffice.orgs.services import bootstrap_district, create_unit, create_user

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": env["DATABASE_URL"],
            "SECRET_KEY": env["SECRET_KEY"],
            "STORAGE_DIR": env["STORAGE_DIR"],
            "REDIS_URL": env["REDIS_URL"],
            "JOBS_EMBEDDED_THREAD": False,
        }
    )
    # One argon2 hash at production cost for the five accounts of one password, as the
    # demo seed does: the accounts still hold a normal argon2id hash.
    with app.app_context(), shared_password_hash(password):
        admin = bootstrap_district(
            org_name="Phòng Giáo dục và Đào tạo Quận Thử Nghiệm",
            short_name="GDĐT",
            agency_code="",
            email=f"quantri@{MAIL_DOMAIN}",
            full_name="Trần Quản Trị",
            password=password,
        )
        org_id = admin.org_id
        unit = create_unit(org_id, "Tổ Tiểu học", "TH")
        people = {}
        for key, role, name, title, unit_id in (
            ("clerk", Role.CLERK, "Nguyễn Thị Văn Thư", "Văn thư", None),
            ("leader", Role.LEADER, "Lê Văn Trưởng", "Trưởng phòng", None),
            ("staff", Role.STAFF, "Phạm Thị Chuyên Viên", "Chuyên viên", unit.id),
        ):
            user = create_user(
                org_id=org_id,
                email=f"{key}@{MAIL_DOMAIN}",
                full_name=name,
                password=password,
                roles=[role],
                title=title,
                unit_id=unit_id,
            )
            people[key] = {"id": user.id, "email": user.email}
        db.session.commit()  # create_user only flushes
        staff = db.session.get(type(admin), people["staff"]["id"])
        _token, clear = create_api_token(staff, "Kiểm tra triển khai")
        db.session.remove()
        db.engine.dispose()
    return {**people, "token": clear}


# --- HTTP ------------------------------------------------------------------------------------


DOC_LOCATION = re.compile(r"/incoming/(\d+)(?:#.*)?$")
ERROR_PAGE = re.compile(r"Lỗi \d{3}</h1>")
FIELD_ERROR = re.compile(r'<div class="invalid-feedback d-block">([^<]*)</div>')
ALERT = re.compile(r'<div class="alert alert-(?:danger|warning)[^"]*" role="alert">\s*([^<]*)<')


def describe(response) -> str:
    """The status, where it redirects, and the messages a refused form shows."""
    said = []
    if response.status_code >= 400:
        text = response.text or ""
        said = [m.strip() for m in FIELD_ERROR.findall(text) + ALERT.findall(text)][:3]
    where = response.headers.get("Location")
    return (
        f"HTTP {response.status_code}"
        + (f" → {where}" if where else "")
        + (f": {'; '.join(said)}" if said else "")
    )


def page(session, url: str) -> str:
    response = session.get(url, timeout=30)
    check(response.status_code == 200, f"GET {url}: {describe(response)}")
    check("/login" not in response.url or "/login" in url, f"GET {url}: sent to the sign-in")
    check(not ERROR_PAGE.search(response.text), f"GET {url}: an error page")
    return response.text


def sign_in(base: str, email: str, password: str, sessions: list):
    """A browser session signed in through the form; added to `sessions`, which the run
    closes before stopping gunicorn (an open keep-alive connection holds a gthread
    worker until the graceful timeout)."""
    import requests

    session = requests.Session()
    sessions.append(session)
    form = form_with(page(session, base + "/login"), field_name="csrf_token")
    data = {"csrf_token": form["values"]["csrf_token"], "email": email, "password": password}
    response = session.post(base + "/login", data=data, allow_redirects=False, timeout=30)
    where = response.headers.get("Location", "")
    check(response.status_code == 302 and "/login" not in where, f"sign-in: {describe(response)}")
    page(session, base + "/")
    return session


def post_step(session, url: str, data: dict[str, Any], **kwargs: Any) -> int:
    """POST a form whose success redirects to a document page; that document's id."""
    response = session.post(url, data=data, allow_redirects=False, timeout=60, **kwargs)
    found = DOC_LOCATION.search(response.headers.get("Location", ""))
    check(response.status_code == 302 and found, f"POST {url}: {describe(response)}")
    return int(found.group(1))


# --- The run ---------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m deploy.production_shape",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--server-url",
        default=DEFAULT_SERVER,
        help="any database URL of the PostgreSQL server (env SMOKE_POSTGRES_URL)",
    )
    parser.add_argument(
        "--database", default="eoffice_smoke", help="dropped and created (must contain 'smoke')"
    )
    parser.add_argument(
        "--redis-url", default=DEFAULT_REDIS, help="Redis server, no db (env SMOKE_REDIS_URL)"
    )
    parser.add_argument("--redis-db", type=int, default=10, help="emptied at the start")
    parser.add_argument("--web-workers", type=int, default=3, help="gunicorn gthread workers")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--no-start-servers", action="store_true", help="never start PG/Redis")
    parser.add_argument("--workdir", help="files and logs (default: a new temporary folder)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder at the end")
    args = parser.parse_args(argv)
    if args.web_workers < 1 or args.threads < 1:
        parser.error("--web-workers and --threads must be at least 1")
    return args


def environment(args: argparse.Namespace, work: Path, database_url: str, **ports: int) -> dict:
    """Production settings, from the environment only, as /etc/eoffice/eoffice.env sets
    them (deploy/eoffice.env.example), except plain HTTP on loopback."""
    # Nothing of this shell's own eoffice settings (a developer's MAIL_USERNAME, say) leaks in.
    settings = set(re.findall(r'"([A-Z][A-Z0-9_]*)"', (ROOT / "config.py").read_text()))
    keep = {
        k: v
        for k, v in os.environ.items()
        if k not in settings and not k.startswith(("TEST_", "SMOKE_", "FLASK_"))
    }
    return {
        **keep,
        "FLASK_APP": "wsgi.py",
        "DATABASE_URL": database_url,
        "REDIS_URL": f"{args.redis_url.rstrip('/')}/{args.redis_db}",
        "SECRET_KEY": secrets.token_hex(32),
        "STORAGE_DIR": str(work / "storage"),
        "PUBLIC_URL": f"http://127.0.0.1:{ports['web']}",
        # Plain HTTP on loopback: a Secure cookie would never be sent back. Production
        # sets 1 behind TLS (and PROXY_FIX_X_FOR=1 behind nginx).
        "SESSION_COOKIE_SECURE": "0",
        "PROXY_FIX_X_FOR": "0",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(ports["smtp"]),
        "MAIL_DEFAULT_SENDER": f"eoffice@{MAIL_DOMAIN}",
        "PYTHONUNBUFFERED": "1",
    }


def start(args: argparse.Namespace, processes: Processes, port: int) -> None:
    python = sys.executable
    processes.spawn(
        "web",
        [
            *[python, "-m", "gunicorn", "--workers", str(args.web_workers)],
            *["--worker-class", "gthread", "--threads", str(args.threads)],
            *["--bind", f"127.0.0.1:{port}"],
            # As deploy/systemd/eoffice-web.service, but a shorter grace period.
            *["--timeout", "60", "--graceful-timeout", "10", "--keep-alive", "75"],
            "--no-control-socket",
            "wsgi:app",
        ],
    )
    for n in (1, 2):
        processes.spawn(f"worker{n}", [python, "-m", "flask", "worker"])
    processes.spawn("scheduler", [python, "-m", "flask", "scheduler"])


def scenario(
    report: Report,
    args: argparse.Namespace,
    processes: Processes,
    sink: MailSink,
    env: dict[str, str],
) -> None:
    """The scenario's steps, in order; each needs the ones before it."""
    base = env["PUBLIC_URL"]
    password = secrets.token_urlsafe(12) + "-Aa1"
    sessions: list = []
    try:
        _scenario(report, args, processes, sink, env, base, password, sessions)
    finally:
        for session in sessions:
            session.close()


def _scenario(
    report: Report,
    args: argparse.Namespace,
    processes: Processes,
    sink: MailSink,
    env: dict[str, str],
    base: str,
    password: str,
    sessions: list,
) -> None:
    import redis
    import requests
    from rq import Worker

    with report.step("seed") as note:
        people = seed(env, password)
        note["detail"] = "district office, 1 unit, clerk, leader, staff, API token"

    with report.step("web up") as note:

        def healthy() -> bool:
            check(not processes.dead(), f"exited early: {', '.join(processes.dead())}")
            try:
                return requests.get(base + "/health", timeout=5).json() == {"status": "ok"}
            except (requests.RequestException, ValueError):
                return False

        check(wait_until(healthy, WAIT_SECONDS, 0.3), "/health did not answer {status: ok}")
        note["detail"] = "/health → {status: ok}"

    with report.step("gunicorn workers") as note:
        master = processes.running["web"].pid
        check(
            wait_until(lambda: len(children_of(master)) == args.web_workers, 30),
            f"{len(children_of(master))} workers under the master, {args.web_workers} asked",
        )
        note["detail"] = f"{args.web_workers} gthread workers × {args.threads} threads"

    with report.step("clerk signs in") as note:
        clerk = sign_in(base, people["clerk"]["email"], password, sessions)
        note["detail"] = "form with CSRF token, session cookie"

    with report.step("register with PDF") as note:
        form = form_with(page(clerk, base + "/incoming/new"), field_name="document_type_id")
        values, options = dict(form["values"]), form["options"]
        values.update(
            sender_name="Sở Giáo dục và Đào tạo Thành phố Hồ Chí Minh",
            sender_agency_code="",
            symbol=f"{secrets.randbelow(10**6)}/SGDĐT-VP",
            document_date=date.today().strftime("%d/%m/%Y"),
            document_type_id=next(o for o in options["document_type_id"] if o not in ("", "0")),
            subject="V/v kiểm tra triển khai hệ thống văn bản điện tử",
            signer_name="Nguyễn Văn An",
            signer_position="Phó Giám đốc",
            page_count="1",
            recipient_unit_id="0",
            recipient_user_id="0",
            deadline="",
            notes="",
            next_action="view",
        )
        values.pop("confirm_duplicate", None)
        pdf = small_pdf(f"Production shape smoke {secrets.token_hex(8)}")
        doc_id = post_step(
            clerk,
            base + "/incoming/new",
            values,
            files={"files": ("cong-van-den.pdf", pdf, "application/pdf")},
        )
        shown = page(clerk, f"{base}/incoming/{doc_id}")
        check("Đã vào sổ: số đến" in shown, "the document page does not confirm the registration")
        note["detail"] = f"document {doc_id}, {len(pdf)} B PDF"

    with report.step("present to leader") as note:
        action = f"/incoming/{doc_id}/steps/present"
        form = form_with(page(clerk, f"{base}/incoming/{doc_id}"), action)
        leader_id = str(people["leader"]["id"])
        offered = form["options"].get("present-presented_to", [])
        check(leader_id in offered, f"leader {leader_id} not offered: {offered}")
        values = dict(form["values"])
        values["present-presented_to"] = leader_id
        values["present-note"] = "Kính trình lãnh đạo xem xét, cho ý kiến chỉ đạo."
        post_step(clerk, base + action, values)
        note["detail"] = "presented"

    with report.step("leader assigns") as note:
        leader = sign_in(base, people["leader"]["email"], password, sessions)
        action = f"/incoming/{doc_id}/steps/assign"
        form = form_with(page(leader, f"{base}/incoming/{doc_id}"), action)
        lead = f"user:{people['staff']['id']}"
        offered = form["options"].get("assign-lead", [])
        check(lead in offered, f"{lead} not offered: {offered}")
        values = dict(form["values"])
        values.update(
            {
                "assign-lead": lead,
                "assign-instruction": "Đề nghị nghiên cứu, tham mưu và báo cáo.",
                "assign-deadline": "",
            }
        )
        post_step(leader, base + action, values)
        note["detail"] = "assigned to the staff member"

    with report.step("e-mail via RQ worker") as note:
        address = people["staff"]["email"]
        check(wait_until(lambda: sink.to(address), 45, 0.2), f"no e-mail to {address} in 45 s")
        note["detail"] = f"“{sink.to(address)[0]['Subject']}” → {address}"

    with report.step("RQ workers") as note:
        connection = redis.Redis.from_url(env["REDIS_URL"])
        ours = {processes.running[f"worker{n}"].pid for n in (1, 2)}

        def registered() -> set[int]:
            return {w.pid for w in Worker.all(connection=connection)}

        check(wait_until(lambda: registered() == ours, 30), f"{registered()} ≠ ours {ours}")
        note["detail"] = f"2 registered in Redis db {args.redis_db} (pids {sorted(ours)})"

    with report.step("scheduler ticked") as note:
        check(
            wait_until(lambda: "scheduler: " in processes.log("scheduler"), 30),
            "no tick logged by flask scheduler",
        )
        check(processes.running["scheduler"].poll() is None, "flask scheduler exited")
        line = next(
            line for line in processes.log("scheduler").splitlines() if "scheduler: " in line
        )
        note["detail"] = line.split("scheduler: ", 1)[1][:60] + "…"

    with report.step("static file") as note:
        response = requests.get(base + "/static/css/app.css", timeout=10)
        check(response.status_code == 200, f"/static/css/app.css: HTTP {response.status_code}")
        check("text/css" in response.headers.get("Content-Type", ""), "not served as text/css")
        note["detail"] = f"/static/css/app.css, {len(response.content)} B"

    with report.step("API with token") as note:
        response = requests.get(
            f"{base}/api/v1/incoming/{doc_id}",
            headers={"Authorization": f"Bearer {people['token']}"},
            timeout=10,
        )
        check(response.status_code == 200, f"API: HTTP {response.status_code} {response.text}")
        check(f'"id": {doc_id}' in response.text or f'"id":{doc_id}' in response.text, "wrong id")
        note["detail"] = f"GET /api/v1/incoming/{doc_id} as the staff member"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    report = Report()
    work = Path(args.workdir or tempfile.mkdtemp(prefix="eoffice-smoke-"))
    work.mkdir(parents=True, exist_ok=True)
    redis_db_url = f"{args.redis_url.rstrip('/')}/{args.redis_db}"
    print(
        f"production shape: gunicorn {args.web_workers} gthread workers × {args.threads} "
        f"threads, 2 RQ workers, 1 scheduler, SMTP sink; database {args.database}, "
        f"Redis db {args.redis_db}; logs in {work}",
        flush=True,
    )
    sink = MailSink()
    processes: Processes | None = None
    code = 1
    # SIGTERM (a test runner giving up, `kill`) and SIGINT (Ctrl-C) leave through the
    # `finally` below, which stops every process started here.
    previous = {sig: signal.signal(sig, _interrupt) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        with report.step("servers") as note:
            if args.no_start_servers:
                check(postgres_up(args.server_url), "PostgreSQL does not answer")
                check(redis_up(redis_db_url), "Redis does not answer")
                note["detail"] = "PostgreSQL and Redis answer"
            else:
                note["detail"] = ensure_servers(args.server_url, redis_db_url)
        with report.step("fresh database") as note:
            import redis

            database_url = recreate_database(args.server_url, args.database)
            redis.Redis.from_url(redis_db_url).flushdb()
            note["detail"] = f"{args.database} created, Redis db {args.redis_db} emptied"
        ports = {"web": free_port(), "smtp": sink.port}
        env = environment(args, work, database_url, **ports)
        with report.step("flask db upgrade") as note:
            result = subprocess.run(
                [sys.executable, "-m", "flask", "db", "upgrade"],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=UPGRADE_SECONDS,  # killed on expiry, and if this script dies
                preexec_fn=die_with_parent(),
            )
            check(
                result.returncode == 0, f"failed:\n{result.stdout[-2000:]}{result.stderr[-2000:]}"
            )
            note["detail"] = "every migration"
        with report.step("start processes") as note:
            sink.start()
            processes = Processes(work, env)
            start(args, processes, ports["web"])
            note["detail"] = f"gunicorn :{ports['web']}, 2 × flask worker, flask scheduler, SMTP"
        scenario(report, args, processes, sink, env)
    except Interrupted as exc:
        code = int(exc.code)
        report._add(Step("(script)", 0.0, False, f"stopped by {exc.signal_name}"))
    except Exception as exc:
        if not report.steps or report.steps[-1].ok:  # raised outside a step
            report.steps.append(Step("(script)", 0.0, False, f"{type(exc).__name__}: {exc}"))
            print(f"✗ {type(exc).__name__}: {exc}", flush=True)
    finally:
        # A second signal must not cut the stopping short (a test runner that waited for
        # that long sends SIGKILL next, and the parent-death signal takes over).
        for sig in previous:
            signal.signal(sig, signal.SIG_IGN)
        if processes is not None:
            began = time.perf_counter()
            killed, exits, left = processes.stop()
            slowest = max(exits, key=exits.__getitem__, default="")
            if killed:
                said = f"killed after {STOP_SECONDS} s: {', '.join(killed)}"
            elif left:
                said = f"exited, leaving processes behind: {', '.join(left)}"
            else:
                said = f"every process exited (last: {slowest})"
            report._add(
                Step(
                    "stop (SIGTERM)",
                    time.perf_counter() - began,
                    not killed and not left,
                    said,
                )
            )
            traced = [r for r in processes.running if "Traceback" in processes.log(r)]
            report._add(
                Step(
                    "logs clean",
                    0.0,
                    not traced,
                    "no traceback" if not traced else f"traceback in {', '.join(traced)}",
                )
            )
        sink.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    total = time.perf_counter() - report.started
    if report.passed:
        print(f"all {len(report.steps)} steps passed in {total:.1f} s", flush=True)
        if not args.keep and not args.workdir:
            shutil.rmtree(work, ignore_errors=True)
        return 0
    if processes is not None:
        for role in processes.running:
            print(f"\n--- {role}.log (end) ---\n{processes.log(role)[-3000:]}", flush=True)
    print(f"FAILED after {total:.1f} s (files and logs kept in {work})", flush=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
