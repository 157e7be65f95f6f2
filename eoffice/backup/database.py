"""The database side of a backup: one consistent snapshot, and bringing it back.

A backup belongs to the kind of database it came from (decision 0024): PostgreSQL's is a
`pg_dump` custom-format archive, SQLite's a copy of the database file made by SQLite's
backup API. Neither converts into the other.

PostgreSQL: a REPEATABLE READ, READ ONLY transaction exports its snapshot
(`pg_export_snapshot()`), `pg_dump --snapshot` dumps exactly that snapshot, and the same
transaction reads the counts of every table and the list of stored files. So the
manifest's counts, the list of files to copy and the dump all describe one moment,
however many people work meanwhile. The counts come first, so the transaction holds
its ACCESS SHARE locks while pg_dump runs (no table can be altered or dropped between the
snapshot and pg_dump's own locks). SQLite: the backup API copies the file as one moment;
counts and files are then read from that copy.

Nothing waits forever: pg_dump and the snapshot transaction give up on a table lock after
`LOCK_WAIT_SECONDS` (a migration holding one), libpq connections after
`CONNECT_TIMEOUT_SECONDS`, and a whole pg_dump/pg_restore after the caller's `timeout`
(none by default: a large dump takes what it takes). The server's own
`statement_timeout`/`idle_in_transaction_session_timeout`, set for the web requests, are
switched off in the snapshot transaction, which sits idle while pg_dump works.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import URL, Engine

from eoffice.backup.errors import BackupError

PG_SEARCH = Path("/usr/lib/postgresql")
LOCK_WAIT_SECONDS = 120
CONNECT_TIMEOUT_SECONDS = 15
_RELATION_KINDS = "('r', 'p', 'v', 'm', 'S', 'f')"


@dataclass
class Snapshot:
    """What a backup took from the database: the dump file and what it holds."""

    kind: str
    dump_path: Path
    revision: str | None
    server_version: str
    tables: dict[str, int]
    files_list: Path  # one "sha256 size" line per stored file, sorted
    file_count: int
    file_bytes: int


def database_kind(url: URL) -> str:
    backend = url.get_backend_name()
    if backend not in ("postgresql", "sqlite"):
        raise BackupError(f"Không hỗ trợ sao lưu cơ sở dữ liệu loại {backend}.")
    return backend


# --- PostgreSQL ------------------------------------------------------------------------


def pg_binary(name: str, pg_bin: str | None = None) -> str:
    """`pg_dump`/`pg_restore`: from `pg_bin`, else the newest /usr/lib/postgresql/N/bin
    (Debian keeps the server's own tools there), else the PATH. pg_dump refuses a server
    newer than itself, so the newest one found is the right one."""
    if pg_bin:
        candidate = Path(pg_bin) / name
        if not os.access(candidate, os.X_OK):
            raise BackupError(f"Không tìm thấy {name} trong {pg_bin}.")
        return str(candidate)
    versions = []
    if PG_SEARCH.is_dir():
        for folder in PG_SEARCH.iterdir():
            candidate = folder / "bin" / name
            if folder.name.isdigit() and os.access(candidate, os.X_OK):
                versions.append((int(folder.name), str(candidate)))
    if versions:
        return max(versions)[1]
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"Không tìm thấy chương trình {name} của PostgreSQL; hãy cài gói postgresql-client "
            "hoặc chỉ thư mục chứa nó bằng --pg-bin."
        )
    return found


def libpq_target(url: URL) -> tuple[str, dict[str, str]]:
    """A libpq connection string for the URL, and the environment carrying its password
    (never on the command line, where `ps` would show it)."""
    from psycopg.conninfo import make_conninfo

    params: dict[str, str] = {}
    for key, value in url.query.items():
        params[key] = value if isinstance(value, str) else value[-1]
    if url.host:
        params["host"] = url.host
    if url.port:
        params["port"] = str(url.port)
    if url.username:
        params["user"] = url.username
    if url.database:
        params["dbname"] = url.database
    params.setdefault("connect_timeout", str(CONNECT_TIMEOUT_SECONDS))
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return make_conninfo("", **params), env


def _run(
    command: list[str], env: dict[str, str], what: str, *, timeout: float | None = None
) -> None:
    """Run pg_dump/pg_restore; a failure, or no end within `timeout` seconds (the child is
    killed), is a BackupError carrying the last lines of its output, decoded whatever
    the server's encoding."""
    try:
        result = subprocess.run(
            command,
            env=env,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            check=False,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired as exc:
        raise BackupError(
            f"{what} chưa xong sau {timeout:g} giây nên đã bị dừng; hãy chạy lại với "
            "--timeout lớn hơn (hoặc bỏ --timeout)."
        ) from exc
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()[-5:]
        raise BackupError(f"{what} thất bại (mã {result.returncode}): " + " | ".join(detail))


def _pg_tables(conn) -> list[str]:
    return list(
        conn.execute(
            text(
                "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') ORDER BY 1"
            )
        ).scalars()
    )


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def dump_postgresql(
    engine: Engine, workdir: Path, pg_bin: str | None, timeout: float | None = None
) -> Snapshot:
    pg_dump = pg_binary("pg_dump", pg_bin)
    conninfo, env = libpq_target(engine.url)
    dump_path = workdir / "postgresql.dump"
    with engine.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            conn.execute(text("SET TRANSACTION READ ONLY"))
            conn.execute(text("SET LOCAL statement_timeout = 0"))
            conn.execute(text("SET LOCAL idle_in_transaction_session_timeout = 0"))
            conn.execute(text(f"SET LOCAL lock_timeout = '{LOCK_WAIT_SECONDS}s'"))
            snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            tables = _pg_tables(conn)
            counts = {
                name: conn.execute(text(f"SELECT count(*) FROM {_quote(name)}")).scalar_one()
                for name in tables
            }
            revision = (
                conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
                if "alembic_version" in counts
                else None
            )
            version = conn.execute(text("SHOW server_version")).scalar_one()
            files = _write_files_list(conn, workdir, "stored_files" in counts)
            _run(
                [
                    pg_dump,
                    "--format=custom",
                    f"--snapshot={snapshot}",
                    f"--lock-wait-timeout={LOCK_WAIT_SECONDS}s",
                    "--file",
                    str(dump_path),
                    "--dbname",
                    conninfo,
                ],
                env,
                "pg_dump",
                timeout=timeout,
            )
    return Snapshot("postgresql", dump_path, revision, version, counts, *files)


def _write_files_list(conn, workdir: Path, present: bool) -> tuple[Path, int, int]:
    """The stored files of the snapshot, streamed to a text file (a million of them stay
    out of memory)."""
    path, count, total = workdir / "stored_files.txt", 0, 0
    with path.open("w", encoding="ascii") as out:
        if present:
            rows = conn.execution_options(yield_per=5000).execute(
                text("SELECT sha256, size FROM stored_files ORDER BY sha256")
            )
            for sha256, size in rows:
                out.write(f"{sha256} {size}\n")
                count, total = count + 1, total + int(size)
    return path, count, total


def postgresql_relations(engine: Engine) -> list[str]:
    """Relations (tables, views, sequences…) in the database's own schemas: any means
    it is not empty."""
    with engine.connect() as conn:
        return list(
            conn.execute(
                text(
                    "SELECT n.nspname || '.' || c.relname FROM pg_class c "
                    "JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') "
                    "AND n.nspname NOT LIKE 'pg\\_toast%' "
                    f"AND c.relkind IN {_RELATION_KINDS} ORDER BY 1 LIMIT 5"
                )
            ).scalars()
        )


def restore_postgresql(
    engine: Engine, dump_path: Path, pg_bin: str | None, timeout: float | None = None
) -> None:
    """pg_restore in one transaction: all of it or nothing. Ownership and grants are not
    restored: the target's own role owns everything, as after `flask db upgrade`."""
    pg_restore = pg_binary("pg_restore", pg_bin)
    conninfo, env = libpq_target(engine.url)
    engine.dispose()
    _run(
        [
            pg_restore,
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            "--dbname",
            conninfo,
            str(dump_path),
        ],
        env,
        "pg_restore",
        timeout=timeout,
    )


# --- SQLite ----------------------------------------------------------------------------


def sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("Cơ sở dữ liệu SQLite trong bộ nhớ không sao lưu hay khôi phục được.")
    return Path(url.database)


def dump_sqlite(engine: Engine, workdir: Path) -> Snapshot:
    source_path = sqlite_path(engine.url)
    if not source_path.is_file():
        raise BackupError(f"Không tìm thấy tệp cơ sở dữ liệu {source_path}.")
    dump_path = workdir / "sqlite3.db"
    source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True, timeout=30)
    target = sqlite3.connect(dump_path)
    try:
        source.backup(target)  # one step: one read transaction, one moment
    finally:
        source.close()
    try:
        tables = [
            row[0]
            for row in target.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name"
            )
        ]
        counts = {
            name: target.execute(f"SELECT count(*) FROM {_quote(name)}").fetchone()[0]
            for name in tables
        }
        revision = (
            target.execute("SELECT version_num FROM alembic_version").fetchone()
            if "alembic_version" in counts
            else None
        )
        files = _write_files_list(_SqliteRows(target), workdir, "stored_files" in counts)
        version = sqlite3.sqlite_version
    finally:
        target.close()
    return Snapshot("sqlite", dump_path, revision and revision[0], version, counts, *files)


class _SqliteRows:
    """Just enough of a SQLAlchemy connection for `_write_files_list` on sqlite3."""

    def __init__(self, conn: sqlite3.Connection):
        self._conn = conn

    def execution_options(self, **_options):
        return self

    def execute(self, statement):
        return self._conn.execute(str(statement))


def sqlite_tables(engine: Engine) -> list[str]:
    path = sqlite_path(engine.url)
    if not path.exists() or path.stat().st_size == 0:
        return []
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return [
            row[0]
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') "
                "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name LIMIT 5"
            )
        ]
    finally:
        conn.close()


def restore_sqlite(engine: Engine, dump_path: Path) -> None:
    """Copy the backup's database into the target file through the backup API (the
    target's journal stays correct, unlike a copied file)."""
    target_path = sqlite_path(engine.url)
    engine.dispose()
    target_path.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(f"file:{dump_path}?mode=ro", uri=True)
    target = sqlite3.connect(target_path)
    try:
        source.backup(target)
    except sqlite3.Error as exc:
        raise BackupError(f"Không chép được cơ sở dữ liệu SQLite ({exc}).") from exc
    finally:
        source.close()
        target.close()


def table_counts(engine: Engine) -> dict[str, int]:
    """Every table's row count in the running database, as the manifest records them."""
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            names = _pg_tables(conn)
        else:
            names = list(
                conn.execute(
                    text(
                        "SELECT name FROM sqlite_master WHERE type = 'table' "
                        "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name"
                    )
                ).scalars()
            )
        return {
            name: conn.execute(text(f"SELECT count(*) FROM {_quote(name)}")).scalar_one()
            for name in names
        }
