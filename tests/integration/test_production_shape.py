"""The production shape starts and works: `python -m deploy.production_shape` in CI.

The script (deploy/production_shape.py, docs/deploy.md) starts gunicorn with several
gthread workers, two RQ workers, the one scheduler and an SMTP sink, all configured from
the environment, and walks a clerk's and a leader's day over HTTP. Run here against the
suite's PostgreSQL server and this test process's Redis database, with a database of its
own named after this process's test database (eoffice_test_gw1 → eoffice_test_gw1_smoke),
so parallel test processes never share one; both are emptied (the database dropped) at
the end.

The run is given 240 s, then SIGTERM (the script then stops what it started) and 40 s
more before SIGKILL, all inside pytest-timeout's 300 s (pyproject.toml). Whatever kills
the script, its children follow it (their parent-death signal), and the script follows
this test process the same way.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from deploy.production_shape import die_with_parent

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

ROOT = Path(__file__).resolve().parents[2]
RUN_SECONDS = 240
STOP_SECONDS = 40  # the script's own stop takes at most 20 s + 5 s
STEPS = [
    "servers",
    "fresh database",
    "flask db upgrade",
    "start processes",
    "seed",
    "web up",
    "gunicorn workers",
    "clerk signs in",
    "register with PDF",
    "present to leader",
    "leader assigns",
    "e-mail via RQ worker",
    "RQ workers",
    "scheduler ticked",
    "static file",
    "API with token",
    "stop (SIGTERM)",
    "logs clean",
]


def _run(argv: list[str], seconds: int = RUN_SECONDS) -> tuple[int, str, str]:
    """Run the script; after `seconds`, SIGTERM, then SIGKILL after STOP_SECONDS. Its exit
    status, stdout and stderr (a timeout fails the test with what it printed)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "deploy.production_shape", *argv],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=die_with_parent(),  # pytest-timeout's SIGKILL of this process too
    )
    try:
        out, err = process.communicate(timeout=seconds)
    except subprocess.TimeoutExpired:
        process.terminate()
        try:
            out, err = process.communicate(timeout=STOP_SECONDS)
            ended = "stopped on SIGTERM"
        except subprocess.TimeoutExpired:
            process.kill()
            out, err = process.communicate()
            ended = f"killed, {STOP_SECONDS} s after SIGTERM"
        pytest.fail(f"no end after {seconds} s ({ended}):\n{out[-8000:]}{err[-3000:]}")
    finally:  # pytest-timeout's exception, say: nothing is left running
        if process.poll() is None:
            process.kill()
            process.communicate()
    return process.returncode, out, err


def _drop(database_url: str, name: str, redis_url: str) -> None:
    import redis

    server = create_engine(
        make_url(database_url).set(database="postgres"), isolation_level="AUTOCOMMIT"
    )
    with server.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    server.dispose()
    redis.Redis.from_url(redis_url).flushdb()


def test_the_production_shape_passes_its_smoke_run(
    postgres_only: None, database_url: str, redis_url: str, tmp_path: Path
) -> None:
    smoke_database = f"{make_url(database_url).database}_smoke"
    redis_server, _, redis_db = redis_url.rpartition("/")
    try:
        code, out, err = _run(
            [
                *["--server-url", database_url, "--database", smoke_database],
                *["--redis-url", redis_server, "--redis-db", redis_db],
                *["--web-workers", "3", "--workdir", str(tmp_path / "shape")],
                "--no-start-servers",  # the suite's servers; .ci/run started them
            ]
        )
    finally:
        _drop(database_url, smoke_database, redis_url)
    assert code == 0, out[-8000:] + err[-3000:]
    for step in STEPS:
        assert re.search(rf"^✓ {re.escape(step)}\s+\d+\.\d s ", out, re.M), (step, out)
    assert "✗" not in out
    assert re.search(rf"^all {len(STEPS)} steps passed in \d+\.\d s$", out, re.M), out
    assert f"2 registered in Redis db {redis_db}" in out
    assert "3 gthread workers × 4 threads" in out
    assert "→ staff@pgd-smoke.hcm.edu.vn" in out  # the assignment's e-mail, sent by a worker


def test_the_script_refuses_a_database_not_meant_for_it(
    postgres_only: None, database_url: str, redis_url: str, tmp_path: Path
) -> None:
    """It drops the database it is given: a name without "smoke" is refused before that.
    The name given exists nowhere, so a broken guard cannot drop the tests' database."""
    redis_server, _, redis_db = redis_url.rpartition("/")
    code, out, err = _run(
        [
            *["--server-url", database_url, "--database", "eoffice_not_for_tests"],
            *["--redis-url", redis_server, "--redis-db", redis_db],
            *["--workdir", str(tmp_path), "--no-start-servers"],
        ],
        seconds=60,
    )
    assert code == 1, out + err
    assert "✗ fresh database" in out
    assert "must contain 'smoke'" in out
