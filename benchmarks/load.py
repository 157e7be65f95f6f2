"""Load test: 200 people of an education office at once, against the production shape.

A script that prints figures, not a test (pytest never collects benchmarks/). It answers:
with gunicorn and an RQ worker configured from the environment as in production, on
loopback, do 200 people working at once — clerks registering incoming documents with
their PDF and presenting them, leaders assigning them, staff reading and downloading,
everyone searching and coming back to the home page — get no error, and how long does
each page take (p50/p95/p99)?

    python -m benchmarks load                          # 200 users for 5 minutes
    python -m benchmarks load --users 10 --duration 30s   # smoke run (after the set-up)
    python -m benchmarks load --workdir /tmp/l --keep  # keep logs, files and CSV
    python -m benchmarks load --workdir /tmp/l --reuse # same database and files, no seeding

Set-up (skipped by --reuse): an empty PostgreSQL database (its name must contain "load":
it is dropped and created again), `flask db upgrade`, `flask seed-demo` (the district
office, ten schools, every role, a few hundred documents processed through the
services), then enough extra clerks, deputies and staff across the offices for the
number of users, created through `eoffice.orgs.services.create_user` with the demo
password. Files go to a temporary folder.

Processes, each in its own process group, all stopped at the end whatever happens:
- an SMTP sink (aiosmtpd) on loopback: notification e-mails are really sent;
- gunicorn serving `wsgi:app`, configured only from the environment (DATABASE_URL,
  REDIS_URL, SECRET_KEY, STORAGE_DIR, MAIL_*), production argon2 cost and login rate
  limits. SESSION_COOKIE_SECURE is off because the test speaks plain HTTP on loopback
  (production sets it behind TLS); with it on, the client would never send the cookie back;
- one `flask worker` (RQ): e-mails, text extraction of the attached PDFs;
- locust, headless, running benchmarks/loadmix.py (the mix is described there).

Worker class: gthread (threads per worker, default 4) rather than sync. A request here
spends much of its time waiting on PostgreSQL, and argon2 (a sign-in, ~0.3 s of CPU)
releases the GIL; with sync workers, 2×cores+1 = 5 processes means 5 requests in
flight, and five people signing in at once stall every page behind them. gthread keeps
2×cores+1 processes (CPU parallelism) with a few threads each (waits overlap) and keeps
HTTP connections alive between a person's clicks.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import suppress
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_URL = os.environ.get(
    "LOAD_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/eoffice_load"
)
DEFAULT_REDIS = os.environ.get("LOAD_REDIS_URL", "redis://127.0.0.1:6379/7")
SECRET_KEY = "load-test-secret-key-not-for-production"
# The share of each kind of person (the weights of loadmix.py's user classes).
SHARES = {"clerk": 15, "assigner": 15, "staff": 70}
RESULTS = ROOT / "benchmarks" / "results"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    cores = os.cpu_count() or 1
    parser = argparse.ArgumentParser(prog="python -m benchmarks load", description=__doc__)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--redis-url", default=DEFAULT_REDIS)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--spawn-rate", type=float, default=20, help="users started per second")
    parser.add_argument("--duration", default="5m", help="locust run time: 30s, 5m, 1h30m")
    parser.add_argument("--workers", type=int, default=2 * cores + 1, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=4, help="threads per gthread worker")
    parser.add_argument("--worker-class", default="gthread", choices=["gthread", "sync"])
    parser.add_argument("--keep-alive", type=int, default=75, help="gunicorn keep-alive, s")
    parser.add_argument("--documents", type=int, default=300, help="documents seed-demo makes")
    parser.add_argument("--workdir", help="files, logs and CSV (default: a new temporary folder)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder at the end")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep the database and --workdir of an earlier run (only missing accounts added)",
    )
    parser.add_argument("--json", default=str(RESULTS / "load.json"))
    args = parser.parse_args(argv)
    if args.reuse and not args.workdir:
        parser.error("--reuse needs the --workdir of the run that set up the database")
    return args


# --- Set-up ----------------------------------------------------------------------------------


def recreate_database(url: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    target = make_url(url)
    engine = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        quoted = conn.dialect.identifier_preparer.quote(target.database)
        conn.execute(text(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)"))
        conn.execute(text(f"CREATE DATABASE {quoted}"))
    engine.dispose()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def environment(args: argparse.Namespace, work: Path, port: int, smtp_port: int) -> dict[str, str]:
    """Production settings, from the environment only, as a deployment would set them."""
    return {
        **os.environ,
        "FLASK_APP": "wsgi.py",
        "DATABASE_URL": args.database_url,
        "REDIS_URL": args.redis_url,
        "SECRET_KEY": SECRET_KEY,
        "STORAGE_DIR": str(work / "storage"),
        "PUBLIC_URL": f"http://127.0.0.1:{port}",
        "SESSION_COOKIE_SECURE": "0",  # plain HTTP on loopback; production: 1 behind TLS
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(smtp_port),
        "PYTHONUNBUFFERED": "1",
    }


def flask(env: dict[str, str], *command: str) -> None:
    started = time.perf_counter()
    print(f"flask {' '.join(command)} …", flush=True)
    result = subprocess.run(
        [sys.executable, "-m", "flask", *command],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if result.returncode:
        sys.exit(
            f"flask {' '.join(command)} failed:\n{result.stdout[-3000:]}{result.stderr[-3000:]}"
        )
    print(f"  done in {time.perf_counter() - started:.0f} s", flush=True)


def add_people(env: dict[str, str], users: int) -> dict[str, Any]:
    """Enough clerks, deputies and staff for `users` people, spread over the member
    offices, through the orgs service; the accounts the locustfile signs in with."""
    from random import Random

    from sqlalchemy import select

    from eoffice import create_app
    from eoffice.demo import DEFAULT_PASSWORD
    from eoffice.demo.seed import person_name, shared_password_hash
    from eoffice.extensions import db
    from eoffice.orgs.models import Organisation, OrgKind, Role, Unit, User
    from eoffice.orgs.services import create_user

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": env["DATABASE_URL"],
            "SECRET_KEY": SECRET_KEY,
            "STORAGE_DIR": env["STORAGE_DIR"],
            "REDIS_URL": env["REDIS_URL"],
            "JOBS_EMBEDDED_THREAD": False,
        }
    )
    rng = Random(2026)
    with app.app_context(), shared_password_hash(DEFAULT_PASSWORD):
        orgs = db.session.scalars(
            select(Organisation).where(Organisation.is_member.is_(True)).order_by(Organisation.id)
        ).all()
        need = {kind: math.ceil(users * share / 100) for kind, share in SHARES.items()}
        per_org = {kind: math.ceil(count / len(orgs)) for kind, count in need.items()}
        by_org: dict[int, dict[str, list[User]]] = {}
        created = 0
        for org in orgs:
            people = db.session.scalars(
                select(User).where(User.org_id == org.id, User.is_active_account.is_(True))
            ).all()
            groups: dict[str, list[User]] = {
                "clerk": [u for u in people if u.has_role(Role.CLERK)],
                "assigner": [u for u in people if u.has_role(Role.LEADER, Role.DEPUTY)],
                "staff": [u for u in people if u.roles == {Role.STAFF.value}],
            }
            domain = groups["clerk"][0].email.split("@", 1)[1]
            school = org.kind != OrgKind.DISTRICT_OFFICE
            staff_units = sorted({u.unit_id for u in groups["staff"] if u.unit_id}) or [
                unit.id for unit in db.session.scalars(select(Unit).where(Unit.org_id == org.id))
            ]
            specs = {
                "clerk": (Role.CLERK, "Nhân viên văn thư" if school else "Văn thư", "vanthu"),
                "assigner": (
                    Role.DEPUTY,
                    "Phó Hiệu trưởng" if school else "Phó Trưởng phòng",
                    "capho",
                ),
                "staff": (Role.STAFF, "Giáo viên" if school else "Chuyên viên", "canbo"),
            }
            for kind, (role, title, login) in specs.items():
                group = groups[kind]
                while len(group) < per_org[kind]:  # a reused database has some already
                    n = len(group)
                    unit_id = (
                        group[0].unit_id
                        if kind == "clerk"
                        else (staff_units[n % len(staff_units)] if kind == "staff" else None)
                    )
                    group.append(
                        create_user(
                            org_id=org.id,
                            email=f"load.{login}{n}@{domain}",
                            full_name=person_name(rng, 0.6),
                            password=DEFAULT_PASSWORD,
                            roles=[role],
                            title=title,
                            unit_id=unit_id,
                        )
                    )
                    created += 1
            by_org[org.id] = groups
        db.session.commit()  # create_user only flushes: the step that calls it commits
        senders = db.session.scalars(
            select(Organisation.name)
            .where(Organisation.kind == OrgKind.EXTERNAL)
            .order_by(Organisation.id)
        ).all()
        result: dict[str, Any] = {"password": DEFAULT_PASSWORD, "senders": list(senders)}
        for kind in SHARES:
            # Interleaved by office: the first N accounts of a kind cover every office.
            rounds = max(len(groups[kind]) for groups in by_org.values())
            result[kind] = [
                {"email": u.email, "user_id": u.id, "org_id": org_id}
                for n in range(rounds)
                for org_id, groups in by_org.items()
                if n < len(groups[kind])
                for u in [groups[kind][n]]
            ]
        result["staff_ids"] = {
            str(org_id): [u.id for u in groups["staff"]] for org_id, groups in by_org.items()
        }
        db.session.remove()
        db.engine.dispose()
    counts = ", ".join(f"{len(result[k])} {k}" for k in SHARES)
    print(f"  {created} people added; accounts: {counts}", flush=True)
    return result


# --- Processes -------------------------------------------------------------------------------


class Processes:
    """Child processes, each in its own process group, stopped together in `stop()`."""

    def __init__(self, work: Path, env: dict[str, str]):
        self.work = work
        self.env = env
        self.running: dict[str, subprocess.Popen] = {}

    def spawn(self, role: str, argv: list[str], env: dict[str, str] | None = None):
        log = open(self.work / f"{role}.log", "ab")  # noqa: SIM115 (the child holds it)
        process = subprocess.Popen(
            argv,
            cwd=ROOT,
            env=env or self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a process group: stop() takes its children too
        )
        log.close()
        self.running[role] = process
        return process

    def log(self, role: str, tail: int = 3000) -> str:
        path = self.work / f"{role}.log"
        return path.read_text(errors="replace")[-tail:] if path.exists() else ""

    def stop(self) -> None:
        for process in self.running.values():
            if process.poll() is None:
                with suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
        for role, process in self.running.items():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                print(f"{role} did not stop on SIGTERM: killed", flush=True)
                with suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)
        self.running.clear()


def wait_for_web(processes: Processes, url: str) -> None:
    deadline = time.monotonic() + 240  # workers import the whole app: slow on a busy host
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url + "/health", timeout=5)
            return
        except OSError:
            if processes.running["web"].poll() is not None:
                break
            time.sleep(0.3)
    sys.exit(f"gunicorn did not start:\n{processes.log('web')}")


def wait_for_port(port: int, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    sys.exit(f"nothing listens on port {port}")


# --- CPU ---------------------------------------------------------------------------------------
# Response times on a shared 2-core host say as much about the neighbours as about the
# application; the CPU time each part spent per request does not depend on them.

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text.rsplit(")", 1)[1].split()  # fields from the 3rd (state) on


def group_cpu(pgid: int) -> float:
    """CPU seconds of every process in the group, with its reaped children (a gunicorn
    worker that was replaced, the RQ work-horse forked for each job)."""
    total = 0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = _stat(int(entry))
            if fields and int(fields[2]) == pgid:
                total += sum(int(value) for value in fields[11:15])  # u/s time, children's
    return total / CLOCK_TICKS


def database_cpu(url: str) -> dict[int, float]:
    """CPU seconds so far of each PostgreSQL backend serving the database (same host)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    engine = create_engine(url)
    with engine.connect() as conn:
        pids = conn.scalars(
            text(
                "SELECT pid FROM pg_stat_activity WHERE datname = :name AND pid <> pg_backend_pid()"
            ),
            {"name": make_url(url).database},
        ).all()
    engine.dispose()
    found = {}
    for pid in pids:
        fields = _stat(pid)
        if fields:
            found[pid] = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    return found


class CpuMeter:
    """CPU seconds spent by the web processes, the RQ worker and the database between
    start() and stop()."""

    def __init__(self, processes: Processes, database_url: str):
        self.processes = processes
        self.url = database_url

    def sample(self) -> dict[str, Any]:
        return {
            "web": group_cpu(self.processes.running["web"].pid),
            "worker": group_cpu(self.processes.running["worker"].pid),
            "database": database_cpu(self.url),
        }

    def start(self) -> None:
        self.before = self.sample()

    def stop(self) -> dict[str, float]:
        after = self.sample()
        base = self.before["database"]
        return {
            "web": after["web"] - self.before["web"],
            "worker": after["worker"] - self.before["worker"],
            "database": sum(cpu - base.get(pid, 0.0) for pid, cpu in after["database"].items()),
        }


# --- Figures ---------------------------------------------------------------------------------


def read_stats(prefix: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Locust's per-endpoint rows (the aggregated row last) and its failures."""
    rows = []
    with open(f"{prefix}_stats.csv", newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            rows.append(
                {
                    "name": row["Name"] if row["Type"] else "Total",
                    "method": row["Type"],
                    "count": int(row["Request Count"]),
                    "errors": int(row["Failure Count"]),
                    "p50_ms": _ms(row["50%"]),
                    "p95_ms": _ms(row["95%"]),
                    "p99_ms": _ms(row["99%"]),
                    "max_ms": _ms(row["Max Response Time"]),
                    "per_second": float(row["Requests/s"] or 0),
                }
            )
    failures = []
    path = Path(f"{prefix}_failures.csv")
    if path.exists():
        with open(path, newline="", encoding="utf-8") as handle:
            failures = [
                {
                    "name": row["Name"],
                    "method": row["Method"],
                    "error": row["Error"],
                    "count": int(row["Occurrences"]),
                }
                for row in csv.DictReader(handle)
            ]
    path = Path(f"{prefix}_exceptions.csv")
    if path.exists():  # errors of the locustfile itself: a page it could not read
        with open(path, newline="", encoding="utf-8") as handle:
            failures += [
                {
                    "name": "(locustfile)",
                    "method": "",
                    "error": row["Message"] + " " + row["Traceback"].strip().splitlines()[-1],
                    "count": int(row["Count"]),
                }
                for row in csv.DictReader(handle)
            ]
    return rows, failures


def _ms(value: str) -> float | None:
    return None if value in ("", "N/A") else float(value)


def table(rows: list[dict[str, Any]]) -> str:
    width = max(len(r["name"]) for r in rows)
    header = (
        f"{'endpoint':<{width}}  {'count':>7}  {'errors':>6}  {'p50':>6}  {'p95':>6}  {'p99':>6}"
    )
    lines = [header, "-" * len(header)]
    for row in rows:
        if row["name"] == "Total":
            lines.append("-" * len(header))
        figures = "  ".join(
            f"{row[key]:>6.0f}" if row[key] is not None else f"{'–':>6}"
            for key in ("p50_ms", "p95_ms", "p99_ms")
        )
        lines.append(f"{row['name']:<{width}}  {row['count']:>7}  {row['errors']:>6}  {figures}")
    lines.append("(milliseconds)")
    return "\n".join(lines)


def server_side(env: dict[str, str], processes: Processes, started_at: float) -> dict[str, Any]:
    """What the logs and the job queues say: tracebacks, failed jobs, e-mails sent."""
    import redis
    from sqlalchemy import create_engine, text

    report: dict[str, Any] = {}
    for role in ("web", "worker"):
        log = (processes.work / f"{role}.log").read_text(errors="replace")
        report[f"{role}_tracebacks"] = log.count("Traceback (most recent call last)")
        report[f"{role}_worker_timeouts"] = log.count("WORKER TIMEOUT")
    connection = redis.Redis.from_url(env["REDIS_URL"])
    report["failed_jobs"] = sum(
        connection.zcard(key) for key in connection.scan_iter("rq:registry:failed:*")
    )
    report["queued_jobs_left"] = sum(
        connection.llen(key) for key in connection.scan_iter("rq:queue:*") if b":" in key
    )
    engine = create_engine(env["DATABASE_URL"])
    with engine.connect() as conn:
        since = {"since": time.strftime("%Y-%m-%d %H:%M:%S+00", time.gmtime(started_at))}
        report["documents_registered"] = conn.scalar(
            text("SELECT count(*) FROM incoming_documents WHERE registered_at >= :since"), since
        )
        report["emails_sent"] = conn.scalar(
            text("SELECT count(*) FROM notifications WHERE sent_at >= :since"), since
        )
    engine.dispose()
    return report


# --- The run ---------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    from sqlalchemy.engine import make_url

    database = make_url(args.database_url).database or ""
    if "load" not in database:
        sys.exit(f"the database name must contain 'load' (it is dropped and created): {database!r}")
    work = Path(args.workdir or tempfile.mkdtemp(prefix="eoffice-load-"))
    work.mkdir(parents=True, exist_ok=True)
    port, smtp_port = free_port(), free_port()
    env = environment(args, work, port, smtp_port)
    accounts_path = work / "accounts.json"
    processes = Processes(work, env)
    try:
        if args.reuse:
            if not (work / "storage").is_dir():
                sys.exit(f"--reuse: no storage folder in {work}")
        else:
            print(f"setting up {database} (work folder {work})", flush=True)
            recreate_database(args.database_url)
            import redis

            redis.Redis.from_url(args.redis_url).flushdb()
            flask(
                env, "db", "upgrade", "heads"
            )  # "heads": one on main; several while branches are open
            flask(env, "seed-demo", "--documents", str(args.documents))
        print("adding people …", flush=True)
        accounts_path.write_text(
            json.dumps(add_people(env, args.users), ensure_ascii=False), encoding="utf-8"
        )
        run(args, env, processes, work, port, smtp_port, accounts_path)
    finally:
        processes.stop()
        if not args.keep and not args.workdir:
            shutil.rmtree(work, ignore_errors=True)


def run(
    args: argparse.Namespace,
    env: dict[str, str],
    processes: Processes,
    work: Path,
    port: int,
    smtp_port: int,
    accounts_path: Path,
) -> None:
    url = f"http://127.0.0.1:{port}"
    processes.spawn(
        "smtp",
        [
            sys.executable,
            "-m",
            "aiosmtpd",
            "-n",
            "-c",
            "aiosmtpd.handlers.Sink",
            "-l",
            f"127.0.0.1:{smtp_port}",
        ],
    )
    wait_for_port(smtp_port)
    gunicorn = [sys.executable, "-m", "gunicorn", "--workers", str(args.workers)]
    if args.worker_class == "gthread":
        gunicorn += ["--worker-class", "gthread", "--threads", str(args.threads)]
    # No control socket: its default path is per machine user, shared with any other
    # gunicorn running here (tests, another run); nothing here uses it.
    gunicorn += ["--bind", f"127.0.0.1:{port}", "--timeout", "60", "--no-control-socket"]
    # Keep-alive as the reverse proxy in front would keep it with browsers (nginx: 75 s),
    # longer than a pause between two clicks: with gunicorn's 2 s, a request sent on a
    # connection the server is closing at that moment is reset (a browser would retry).
    gunicorn += ["--keep-alive", str(args.keep_alive), "--graceful-timeout", "10", "wsgi:app"]
    processes.spawn("web", gunicorn)
    processes.spawn("worker", [sys.executable, "-m", "flask", "worker"])
    wait_for_web(processes, url)
    shape = (
        f"{args.workers} {args.worker_class} workers"
        + (f" × {args.threads} threads" if args.worker_class == "gthread" else "")
        + f", 1 RQ worker, {os.cpu_count()} cores"
    )
    print(f"gunicorn on {url}: {shape}", flush=True)
    print(f"locust: {args.users} users, {args.spawn_rate:g}/s, for {args.duration} …", flush=True)
    load_before = os.getloadavg()
    meter = CpuMeter(processes, args.database_url)
    meter.start()
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started_at = time.time()
    prefix = work / "locust"
    locust = processes.spawn(
        "locust",
        [
            sys.executable,
            "-m",
            "locust",
            "-f",
            str(ROOT / "benchmarks" / "loadmix.py"),
            "--headless",
            "--users",
            str(args.users),
            "--spawn-rate",
            str(args.spawn_rate),
            "--run-time",
            args.duration,
            "--host",
            url,
            "--csv",
            str(prefix),
            "--only-summary",
            "--loglevel",
            "WARNING",
        ],
        env={
            **env,
            "LOAD_ACCOUNTS": str(accounts_path),
            "LOAD_RESULTS": str(work / "phases.json"),
            "LOAD_USERS": str(args.users),
        },
    )
    locust.wait()
    elapsed = time.time() - started_at
    children_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    load_after = os.getloadavg()
    if not Path(f"{prefix}_stats.csv").exists():
        sys.exit(f"locust wrote no figures:\n{processes.log('locust')}")
    rows, failures = read_stats(prefix)
    time.sleep(5)  # the last e-mail and extraction jobs
    cpu = meter.stop()
    cpu["locust"] = sum(
        getattr(children_after, key) - getattr(children_before, key)
        for key in ("ru_utime", "ru_stime")
    )
    server = server_side(env, processes, started_at)
    phases_path = work / "phases.json"
    phases = json.loads(phases_path.read_text(encoding="utf-8")) if phases_path.exists() else {}
    if phases.get("steady"):
        print(
            f"\nsteady state: the {phases['steady_seconds']:.0f} s after all {args.users} "
            f"users had signed in ({phases['burst_seconds']:.0f} s after the start)"
        )
        print(table(phases["steady"]))
    print("\nwhole run, sign-in burst included:")
    print(table(phases.get("all") or rows))
    if failures:
        print("\nfailures:")
        for failure in failures:
            where = f"{failure['method']} {failure['name']}"
            print(f"  {failure['count']:>5}  {where}: {failure['error']}")
    print(
        "\nserver side: "
        + ", ".join(f"{key.replace('_', ' ')} {value}" for key, value in server.items())
    )
    print(
        f"load average before {load_before[0]:.1f}, after {load_after[0]:.1f} "
        f"({os.cpu_count()} cores)"
    )
    requests = rows[-1]["count"] if rows else 0
    print(
        f"CPU over {elapsed:.0f} s: "
        + ", ".join(f"{part} {seconds:.0f} s" for part, seconds in cpu.items())
        + (
            f"; per request: web {1000 * cpu['web'] / requests:.0f} ms, "
            f"database {1000 * cpu['database'] / requests:.0f} ms"
            if requests
            else ""
        )
    )
    total = rows[-1] if rows else {"errors": 0, "count": 0}
    result = {
        "users": args.users,
        "spawn_rate": args.spawn_rate,
        "duration": args.duration,
        "shape": shape,
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started_at)),
        "load_average_before": load_before,
        "load_average_after": load_after,
        "steady_seconds": phases.get("steady_seconds"),
        "burst_seconds": phases.get("burst_seconds"),
        "endpoints_steady": phases.get("steady"),
        "endpoints": phases.get("all"),
        "endpoints_locust": rows,  # locust's own: times above 100 ms to 2 significant digits
        "failures": failures,
        "server": server,
        "seconds": elapsed,
        "cpu_seconds": cpu,
        "errors": total["errors"],
    }
    out = Path(args.json)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    for suffix in ("stats", "failures", "exceptions"):
        source = Path(f"{prefix}_{suffix}.csv")
        if source.exists():
            shutil.copy(source, out.with_name(f"{out.stem}_{suffix}.csv"))
    print(f"\nJSON: {out}; CSV: {out.with_name(out.stem + '_stats.csv')}; logs: {work}")
    problems = sum(f["count"] for f in failures if f["name"] == "(locustfile)")
    problems += total["errors"] + server["web_tracebacks"] + server["failed_jobs"]
    print("RESULT: " + ("0 errors" if not problems else f"{problems} errors"))


if __name__ == "__main__":
    main()
