"""Shared fixtures.

The database is PostgreSQL when TEST_DATABASE_URL is set (CI sets it), otherwise a
SQLite file in a temporary folder. Either way the schema is built by the Alembic
migrations, exactly as in production, once per session; each test then starts from
empty tables with the built-in catalogue in place.

Tests marked `postgres` or `redis` need those servers. Without them they are skipped
on a developer machine, and fail under CI (CI=true), so CI can never go green by
skipping what it was meant to prove.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, make_url, text

from eoffice import create_app
from eoffice.core import timeutil
from eoffice.extensions import db
from tests import factories, routing_cache, snapshots

routing_cache.install()

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

# pytest-xdist runs the suite in several processes (`make test` uses one per core): each
# worker after the first gets its own PostgreSQL database (eoffice_test_gw1, …) and Redis
# db (12, 11, …; 13 and 14 belong to the two-deployment test), so no test sees another
# worker's rows or queues.
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
WORKER_INDEX = int(_WORKER[2:]) if _WORKER.startswith("gw") and _WORKER[2:].isdigit() else 0


def ensure_database(url: str, name: str) -> str:
    """The URL of database `name` on the server of `url`, created if missing."""
    parsed = make_url(url)
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            ).first()
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return parsed.set(database=name).render_as_string(hide_password=False)


def _worker_database(url: str) -> str:
    if not WORKER_INDEX:
        return url
    return ensure_database(url, f"{make_url(url).database}_gw{WORKER_INDEX}")


def _worker_redis(url: str) -> str:
    if not WORKER_INDEX:
        return url
    base, _, _db = url.rpartition("/")
    return f"{base}/{12 - (WORKER_INDEX - 1)}"


if TEST_REDIS_URL:
    TEST_REDIS_URL = _worker_redis(TEST_REDIS_URL)

# Tables the first migration fills: every test starts with exactly these rows.
CATALOGUE_TABLES = (
    "urgency_levels",
    "confidentiality_levels",
    "document_types",
    "retention_periods",
)
KEPT_TABLES = {*CATALOGUE_TABLES, "alembic_version"}
_catalogue_snapshot: dict[str, list[dict]] = {}
_catalogue_digest: dict[str, str] = {}


def _missing(what: str) -> None:
    message = f"{what} is not available"
    if IN_CI:
        pytest.fail(message + " (CI requires it)")
    pytest.skip(message)


def _server_reachable_pg(url: str) -> bool:
    try:
        engine = create_engine(url)
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return True
    except Exception:
        return False


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    if TEST_DATABASE_URL:
        if not _server_reachable_pg(TEST_DATABASE_URL):
            _missing(f"PostgreSQL at {TEST_DATABASE_URL}")
        worker_url = _worker_database(TEST_DATABASE_URL)
        engine = create_engine(worker_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        url = worker_url
    else:
        url = "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite3")
    migrate_app = create_app(_base_config(url, tmp_path_factory.mktemp("storage")))
    with migrate_app.app_context():
        from flask_migrate import upgrade

        upgrade()
        with db.engine.connect() as conn:
            for name in CATALOGUE_TABLES:
                table = db.metadata.tables[name]
                _catalogue_snapshot[name] = [dict(r._mapping) for r in conn.execute(table.select())]
                if conn.dialect.name == "postgresql":
                    _catalogue_digest[name] = conn.execute(
                        text(_catalogue_digest_sql(name))
                    ).scalar_one()
        db.engine.dispose()
    return url


def _base_config(url: str, storage: Path) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True}
        if url.startswith("postgresql")
        else {"connect_args": {"timeout": 30}},
        "STORAGE_DIR": str(storage),
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "RATELIMIT_STORAGE_URI": "memory://",
        "REDIS_URL": None,
        # Tests run queued jobs explicitly (runner().work_burst()), never behind their back.
        "JOBS_EMBEDDED_THREAD": False,
        "ARGON2_MEMORY_COST": 1024,
        "ARGON2_TIME_COST": 1,
        "SERVER_NAME": "eoffice.test",
    }


@pytest.fixture
def app_config(database_url: str, tmp_path: Path) -> dict:
    """Override keys here (e.g. in a test module) before the `app` fixture builds the app."""
    return _base_config(database_url, tmp_path / "storage")


class IsolatedClient(FlaskClient):
    """Each request gets its own app context, hence its own `g` and database session.

    The test itself holds an app context (to build data through services); without
    this, requests would share it, and Flask-Login's cached user in `g` would leak
    from one request to the next, which never happens in production.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def app(app_config: dict) -> Iterator[Flask]:
    application = create_app(app_config)
    application.test_client_class = IsolatedClient
    with application.app_context():
        _empty_tables()
        yield application
        # No emptying here: the next test's set-up empties what this one wrote, and a
        # probe of every table costs as much whether it finds rows or not.
        db.session.remove()
        db.engine.dispose()
    timeutil.set_clock(None)


def _empty_tables() -> None:
    """Empty what the test wrote, then put the migration's catalogue back as it was.

    On PostgreSQL only the tables holding rows are emptied, by DELETE, and only the id
    sequences that moved are restarted: a TRUNCATE rewrites every table it reaches
    through CASCADE (all of them, from `organisations`) and cost 200–800 ms a test,
    twice per test, where a test writes a handful of small tables.
    """
    db.session.rollback()
    tables = [t for t in reversed(db.metadata.sorted_tables) if t.name not in KEPT_TABLES]
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            written, sequences = _written(conn, [t.name for t in tables])
            # Every table holding a row is emptied, so no reference can dangle at the end:
            # the foreign-key triggers (a check of each child table per deleted parent row)
            # are switched off for the clean-up (the tests' role is a superuser).
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            for table in tables:  # children before parents
                if table.name in written:
                    conn.execute(table.delete())
            if sequences:
                conn.execute(
                    text(
                        "SELECT setval(s::regclass, 1, false) FROM unnest(CAST(:s AS text[])) AS s"
                    ),
                    {"s": sequences},
                )
        else:
            for table in tables:
                conn.execute(table.delete())
        for name in _changed_catalogue(conn):
            table = db.metadata.tables[name]
            conn.execute(table.delete())
            conn.execute(table.insert(), _catalogue_snapshot[name])


def _written(conn, names: list[str]) -> tuple[set[str], list[str]]:
    """Which of the tables `names` hold a row, and which of their id sequences have been
    used since their last restart, in one round trip."""
    has_rows = " UNION ALL ".join(
        f"SELECT 'table', '{name}' WHERE EXISTS (SELECT 1 FROM {name})" for name in names
    )
    used_sequences = (
        "SELECT 'sequence', quote_ident(ps.schemaname) || '.' || quote_ident(ps.sequencename)"
        " FROM pg_sequences ps"
        " JOIN pg_class s ON s.relname = ps.sequencename AND s.relkind = 'S'"
        " JOIN pg_namespace n ON n.oid = s.relnamespace AND n.nspname = ps.schemaname"
        " JOIN pg_depend d ON d.objid = s.oid AND d.deptype IN ('a', 'i')"
        " JOIN pg_class t ON t.oid = d.refobjid"
        " WHERE ps.schemaname = current_schema() AND ps.last_value IS NOT NULL"
        " AND t.relname = ANY(CAST(:names AS text[]))"
    )
    rows = conn.execute(text(f"{has_rows} UNION ALL {used_sequences}"), {"names": names}).all()
    written = {name for kind, name in rows if kind == "table"}
    return written, sorted({name for kind, name in rows if kind == "sequence"})


def _catalogue_digest_sql(name: str) -> str:
    return f"SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM {name} t"


def _changed_catalogue(conn) -> list[str]:
    """Catalogue tables whose rows differ from the migration's (compared by digest on
    PostgreSQL; SQLite always restores, it is cheap there)."""
    if conn.dialect.name != "postgresql":
        return list(CATALOGUE_TABLES)
    query = " UNION ALL ".join(
        f"SELECT '{name}', ({_catalogue_digest_sql(name)})" for name in CATALOGUE_TABLES
    )
    return [name for name, digest in conn.execute(text(query)) if digest != _catalogue_digest[name]]


@pytest.fixture
def client(app: Flask):
    return app.test_client()


_world_kept: tuple[snapshots.Rows, dict[str, dict[str, int]]] | None = None


def _database_is_empty() -> bool:
    """No fixture has written anything yet (putting the world back empties every table)."""
    probe = " UNION ALL ".join(
        f"SELECT 1 WHERE EXISTS (SELECT 1 FROM {name})"
        for name in ("organisations", "users", "audit_events", "stored_files")
    )
    return db.session.execute(text(probe)).first() is None


@pytest.fixture
def world(app: Flask) -> factories.World:
    """A district office, two schools and users of every role, built through the services
    once per test process, then put back row for row (tests/snapshots.py). A test that
    set its own clock first gets a world built at that moment."""
    global _world_kept
    if timeutil._clock is not None or not _database_is_empty():
        return factories.build_world()
    if _world_kept is None:
        built = factories.build_world()
        _world_kept = (snapshots.take(), factories.world_ids(built))
        return built
    rows, ids = _world_kept
    snapshots.put_back(rows)
    return factories.world_from_ids(ids)


@pytest.fixture
def postgres_only(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        _missing("PostgreSQL (set TEST_DATABASE_URL)")


@pytest.fixture
def redis_url() -> str:
    if not TEST_REDIS_URL:
        _missing("Redis (set TEST_REDIS_URL)")
    import redis

    try:
        redis.Redis.from_url(TEST_REDIS_URL).ping()
    except redis.RedisError:
        _missing(f"Redis at {TEST_REDIS_URL}")
    return TEST_REDIS_URL
