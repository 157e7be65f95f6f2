"""What every benchmark shares: an application built for measuring."""

from __future__ import annotations

import logging
import tempfile
from typing import Any


def build_app(url: str, **overrides: Any):
    """The application on `url`, set up to measure the work itself: no rate limit, no
    CSRF, jobs run only when a benchmark asks, a cheap password hash (hundreds of
    accounts are created; signing in is not what is measured), quiet logs."""
    from eoffice import create_app

    config = {
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": "benchmark-only",
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "STORAGE_DIR": tempfile.mkdtemp(prefix="eoffice-bench-"),
        "REDIS_URL": None,
        "RATELIMIT_ENABLED": False,
        "RATELIMIT_STORAGE_URI": "memory://",
        "WTF_CSRF_ENABLED": False,
        "JOBS_EMBEDDED_THREAD": False,
        "ARGON2_MEMORY_COST": 1024,
        "ARGON2_TIME_COST": 1,
        **overrides,
    }
    app = create_app(config)
    logging.getLogger("eoffice").setLevel(logging.WARNING)
    return app
