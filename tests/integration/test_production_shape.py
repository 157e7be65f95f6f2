"""The production shape starts and works: `python -m deploy.production_shape` in CI.

The script (deploy/production_shape.py, docs/deploy.md) starts gunicorn with several
gthread workers, two RQ workers, the one scheduler and an SMTP sink, all configured from
the environment, and walks a clerk's and a leader's day over HTTP. Run here against the
suite's PostgreSQL server and this test process's Redis database, with a database of its
own named after this process's test database (eoffice_test_gw1 → eoffice_test_gw1_smoke),
so parallel test processes never share one.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

ROOT = Path(__file__).resolve().parents[2]
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


def test_the_production_shape_passes_its_smoke_run(
    postgres_only: None, database_url: str, redis_url: str, tmp_path: Path
) -> None:
    smoke_database = f"{make_url(database_url).database}_smoke"
    redis_server, _, redis_db = redis_url.rpartition("/")
    result = subprocess.run(
        [
            *[sys.executable, "-m", "deploy.production_shape", "--server-url", database_url],
            *["--database", smoke_database, "--redis-url", redis_server, "--redis-db", redis_db],
            *["--web-workers", "3", "--workdir", str(tmp_path / "shape")],
            "--no-start-servers",  # the suite's servers; .ci/run started them
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=280,
    )
    out = result.stdout
    assert result.returncode == 0, out[-8000:] + result.stderr[-3000:]
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
    """It drops the database it is given: a name without "smoke" is refused before that."""
    redis_server, _, redis_db = redis_url.rpartition("/")
    result = subprocess.run(
        [
            *[sys.executable, "-m", "deploy.production_shape", "--server-url", database_url],
            *["--database", make_url(database_url).database, "--redis-url", redis_server],
            *["--redis-db", redis_db, "--workdir", str(tmp_path), "--no-start-servers"],
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "✗ fresh database" in result.stdout
    assert "must contain 'smoke'" in result.stdout
