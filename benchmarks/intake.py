"""Intake throughput on PostgreSQL: register_incoming against plain INSERTs.

A script that prints figures, not a test (pytest never collects benchmarks/). It answers
one question: how much does the service layer (validation, duplicate check, gap-free
number, audit event, one commit per document) cost compared with writing the same rows
with bare SQL, and do concurrent clerks still get numbers 1..N with no gap?

    python benchmarks/intake.py                      # 10,000 documents, one clerk
    python benchmarks/intake.py --count 2000 --threads 4
    python benchmarks/intake.py --reset              # empty the benchmark database first

Each run registers into a fresh organisation, so runs never share a register book.
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import sqlalchemy
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

# Run as `python benchmarks/intake.py`: the project root is not on the path by itself, so
# eoffice is imported inside the functions, after this line.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

DEFAULT_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/eoffice_bench"
)
SENDER = "Sở Giáo dục và Đào tạo Thành phố Hồ Chí Minh"
SUBJECT = "Về việc triển khai chuyển đổi số trong các cơ sở giáo dục năm học 2026 - 2027"
PASSWORD = "Bench-mat-khau-2026"


@dataclass
class Run:
    label: str
    count: int
    seconds: float
    latencies: list[float]  # per document, seconds; empty for bulk runs
    load: float = 0.0  # 1-minute load average when the run ended (the host may be shared)

    def __post_init__(self) -> None:
        self.load = os.getloadavg()[0]

    @property
    def per_second(self) -> float:
        return self.count / self.seconds

    def line(self) -> str:
        text = f"{self.label:<40} {self.per_second:>8,.0f} docs/s {self.seconds:>8.2f} s"
        if self.latencies:
            p50, p95, p99 = percentiles(self.latencies)
            text += f"  p50 {p50:6.2f} ms  p95 {p95:6.2f} ms  p99 {p99:6.2f} ms"
        else:
            text += " " * 52
        return text + f"  load {self.load:.1f}"


def percentiles(latencies: list[float]) -> tuple[float, float, float]:
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return cuts[49] * 1000, cuts[94] * 1000, cuts[98] * 1000


# --- Database -------------------------------------------------------------------------------


def ensure_database(url: str, *, reset: bool) -> None:
    """Create the benchmark database if it is missing; with --reset, empty it first."""
    target = make_url(url)
    server = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        exists = conn.scalar(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": target.database}
        )
        if not exists:
            quoted = conn.dialect.identifier_preparer.quote(target.database)
            conn.execute(text(f"CREATE DATABASE {quoted}"))
            print(f"created database {target.database}")
    server.dispose()
    if reset:
        if "bench" not in (target.database or ""):
            sys.exit("--reset only empties a database whose name contains 'bench'")
        engine = create_engine(target, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()


def build_app(url: str, threads: int):
    from eoffice import create_app

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "benchmark-only-no-sessions",  # create_app refuses to run without one
            # Production engine options, with a pool big enough for every clerk thread.
            "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "pool_size": threads + 2},
            "STORAGE_DIR": tempfile.mkdtemp(prefix="eoffice-bench-"),
            "REDIS_URL": None,
            "RATELIMIT_STORAGE_URI": "memory://",
        }
    )
    # One INFO line per registration would measure the terminal, not the service.
    logging.getLogger("eoffice").setLevel(logging.WARNING)
    return app


def environment(url: str, threads: int) -> list[str]:
    from eoffice.extensions import db

    with db.engine.connect() as conn:
        version = conn.scalar(text("SHOW server_version"))
        sync = conn.scalar(text("SHOW synchronous_commit"))
        fsync = conn.scalar(text("SHOW fsync"))
    shown = make_url(url).render_as_string(hide_password=True)
    return [
        f"date            {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"database        {shown}",
        f"PostgreSQL      {version} (synchronous_commit={sync}, fsync={fsync})",
        f"CPU count       {os.cpu_count()} ({platform.machine()}, {platform.system()}), "
        f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}",
        f"Python          {platform.python_version()}, SQLAlchemy {sqlalchemy.__version__}, "
        f"psycopg {psycopg.__version__}",
        f"clerk threads   {threads}",
    ]


# --- The service path ------------------------------------------------------------------------


@dataclass
class Setup:
    org_id: int
    clerk_id: int
    type_id: int
    sender_org_id: int


def prepare(run_id: str) -> Setup:
    """A fresh organisation with one clerk, made through the services like real data."""
    from eoffice.catalog.models import DocumentType
    from eoffice.extensions import db
    from eoffice.orgs.models import OrgKind, Role
    from eoffice.orgs.services import (
        OrganisationData,
        create_user,
        find_or_create_sender,
        save_organisation,
    )

    org = save_organisation(
        OrganisationData(name=f"Trường Đo hiệu năng {run_id}", kind=OrgKind.PRIMARY)
    )
    clerk = create_user(
        org_id=org.id,
        email=f"vanthu.{run_id}@bench.hcm.edu.vn",
        full_name="Nguyễn Thị Văn Thư",
        password=PASSWORD,
        roles=[Role.CLERK],
        title="Văn thư",
    )
    sender = find_or_create_sender(SENDER, None)
    type_id = db.session.scalars(select(DocumentType.id).where(DocumentType.name == "Công văn"))
    setup = Setup(org.id, clerk.id, type_id.one(), sender.id)
    db.session.commit()
    return setup


def register_range(app, setup: Setup, numbers: range, latencies: list[float]) -> None:
    """One clerk registering documents one by one: one service call and one commit each."""
    from eoffice.core.timeutil import local_today
    from eoffice.extensions import db
    from eoffice.incoming.services import IncomingInput, register_incoming
    from eoffice.orgs.models import User

    with app.app_context():
        clerk = db.session.get(User, setup.clerk_id)
        today = local_today()
        for n in numbers:
            data = IncomingInput(
                sender_name=SENDER,
                symbol=f"{n}/GDĐT-VP",
                document_date=today,
                document_type_id=setup.type_id,
                subject=SUBJECT,
                signer_name="Trần Văn Minh",
                signer_position="Phó Giám đốc",
                page_count=2,
                source="exchange",
            )
            started = time.perf_counter()
            register_incoming(clerk, data)
            latencies.append(time.perf_counter() - started)
        db.session.remove()


def service_run(app, setup: Setup, count: int, threads: int) -> Run:
    latencies: list[float] = []
    bounds = [count * k // threads for k in range(threads + 1)]
    workers = [
        threading.Thread(
            target=register_range,
            args=(app, setup, range(bounds[k] + 1, bounds[k + 1] + 1), latencies),
        )
        for k in range(threads)
    ]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    seconds = time.perf_counter() - started
    label = "service register_incoming" + (f" ({threads} threads)" if threads > 1 else "")
    return Run(label, len(latencies), seconds, latencies)


def numbers_are_gap_free(setup: Setup, count: int) -> bool:
    from eoffice.catalog.models import RegisterBook
    from eoffice.extensions import db
    from eoffice.incoming.models import IncomingDocument

    numbers = db.session.scalars(
        select(IncomingDocument.arrival_number)
        .join(RegisterBook, RegisterBook.id == IncomingDocument.register_book_id)
        .where(IncomingDocument.org_id == setup.org_id, RegisterBook.code == "general")
        .order_by(IncomingDocument.arrival_number)
    ).all()
    return numbers == list(range(1, count + 1))


# --- The plain SQL path ------------------------------------------------------------------------

COLUMNS = (
    "org_id, register_book_id, arrival_number, arrived_at, registered_at, registered_by_id, "
    "sender_org_id, sender_name, sender_name_folded, code_number, code_notation, "
    "document_date, document_type_id, subject, signer_name, signer_position, page_count, "
    "urgency_code, confidentiality_code, source, state, search_text, updated_at"
)
INSERT = f"INSERT INTO incoming_documents ({COLUMNS}) VALUES ({', '.join(['%s'] * 23)})"


def plain_rows(setup: Setup, book_id: int, count: int) -> list[tuple]:
    from eoffice.core.text import vn_fold

    now = datetime.now(UTC)
    folded = vn_fold(SENDER)
    return [
        (
            setup.org_id, book_id, n, now, now, setup.clerk_id, setup.sender_org_id, SENDER,
            folded, str(n), "GDĐT-VP", now.date(), setup.type_id, SUBJECT, "Trần Văn Minh",
            "Phó Giám đốc", 2, "normal", "normal", "exchange", "registered",
            vn_fold(f"{n} GDĐT VP {SENDER} {SUBJECT}"), now,
        )
        for n in range(1, count + 1)
    ]  # fmt: skip


def plain_book(conn: psycopg.Connection, setup: Setup, code: str) -> int:
    """A register book of its own for each plain run, so numbers never clash."""
    row = conn.execute(
        "INSERT INTO register_books (org_id, direction, code, name, year, is_confidential, "
        "last_number, is_active, created_at) "
        "VALUES (%s, 'incoming', %s, %s, %s, false, 0, true, now()) RETURNING id",
        (setup.org_id, code, f"Sổ đo hiệu năng {code}", datetime.now(UTC).year),
    ).fetchone()
    conn.commit()
    return row[0]


def plain_runs(app, setup: Setup, count: int) -> list[Run]:
    from eoffice.extensions import db

    raw = db.engine.raw_connection()
    conn: psycopg.Connection = raw.driver_connection
    try:
        runs = [
            _timed_rows(conn, setup, count, "plain INSERT per row, commit each", commit_each=True),
            _timed_rows(conn, setup, count, "plain INSERT per row, one transaction"),
        ]
        rows = plain_rows(setup, plain_book(conn, setup, "bench-bulk"), count)
        started = time.perf_counter()
        with conn.cursor() as cursor:
            cursor.executemany(INSERT, rows)
        conn.commit()
        runs.append(Run("plain executemany, one transaction", count, _since(started), []))
        return runs
    finally:
        raw.close()


def _timed_rows(conn, setup: Setup, count: int, label: str, *, commit_each=False) -> Run:
    code = "bench-row-commit" if commit_each else "bench-row-tx"
    rows = plain_rows(setup, plain_book(conn, setup, code), count)
    latencies: list[float] = []
    started = time.perf_counter()
    with conn.cursor() as cursor:
        for row in rows:
            row_started = time.perf_counter()
            cursor.execute(INSERT, row)
            if commit_each:
                conn.commit()
            latencies.append(time.perf_counter() - row_started)
    conn.commit()
    return Run(label, count, _since(started), latencies)


def _since(started: float) -> float:
    return time.perf_counter() - started


# --- Main ------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--reset", action="store_true", help="empty the benchmark database")
    args = parser.parse_args(argv)
    if not args.database_url.startswith("postgresql"):
        sys.exit("this benchmark measures PostgreSQL: pass a postgresql+psycopg:// URL")

    ensure_database(args.database_url, reset=args.reset)
    app = build_app(args.database_url, args.threads)
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        for line in environment(args.database_url, args.threads):
            print(line)
        setup = prepare(datetime.now(UTC).strftime("%Y%m%d%H%M%S%f"))
    print(f"\nregistering {args.count:,} documents...", flush=True)
    service = service_run(app, setup, args.count, args.threads)
    with app.app_context():
        gap_free = numbers_are_gap_free(setup, args.count)
        plain = plain_runs(app, setup, args.count)
    report(service, plain, gap_free)


def report(service: Run, plain: list[Run], gap_free: bool) -> None:
    print()
    for run in (service, *plain):
        print(run.line())
    print()
    for run in plain:
        ratio = run.per_second / service.per_second
        print(f"service/plain ({run.label}): {ratio:.1f}x the time per document")
    print(
        f"\narrival numbers exactly 1..{service.count} with no gap: {'OK' if gap_free else 'FAIL'}"
    )


if __name__ == "__main__":
    main()
