"""The demo seed (`flask seed-demo`) for tests, built once per test process.

`seeded(app, tmp_path_factory, **options)` runs `seed_demo(**options)` through the
services the first time a test process asks for those options, keeps every row it wrote
(tests/snapshots.py) and a copy of its file store, and puts both back before each later
test that asks for the same options: a seed costs 10–20 s, and the tests that use it
only read what it built. Shared by tests/integration/test_seed_demo.py and the
screenshot tour (tests/e2e/test_tour.py), so a process running both seeds once.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask

from eoffice.demo.seed import SeedResult, seed_demo
from tests import snapshots


@dataclass
class _Snapshot:
    """One seeding, kept: its result, every row it wrote, and a copy of its file store."""

    result: SeedResult
    rows: dict[str, list[dict]]
    store: Path


_snapshots: dict[tuple, _Snapshot] = {}


def seeded(app: Flask, tmp_path_factory: pytest.TempPathFactory, **options) -> SeedResult:
    """`seed_demo(**options)` in the (empty) database of `app`: seeded the first time,
    put back row for row (with its files) every later time."""
    key = tuple(sorted(options.items()))
    snapshot = _snapshots.get(key)
    if snapshot is None:
        result = seed_demo(**options)
        store = tmp_path_factory.mktemp("demo-store")
        shutil.copytree(app.config["STORAGE_DIR"], store, dirs_exist_ok=True)
        _snapshots[key] = _Snapshot(result, snapshots.take(), store)
        return result
    snapshots.put_back(snapshot.rows)
    shutil.copytree(snapshot.store, app.config["STORAGE_DIR"], dirs_exist_ok=True)
    return snapshot.result
