"""eoffice: the application factory."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from config import Config
from eoffice.core import timeutil
from eoffice.core.security import configure_hasher
from eoffice.extensions import csrf, db, limiter, login_manager, migrate

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict[str, Any] | None = None, **overrides: Any) -> Flask:
    """Build the application. `config` and keyword overrides win over the environment."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
    )
    app.config.from_object(Config)
    app.config.update(config or {})
    app.config.update(overrides)
    os.makedirs(app.instance_path, exist_ok=True)
    _resolve_defaults(app)
    timeutil.configure(app.config["TIMEZONE"])
    configure_hasher(app.config["ARGON2_MEMORY_COST"], app.config["ARGON2_TIME_COST"])
    _configure_logging(app)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    _configure_login(app)

    from eoffice import models_registry  # noqa: F401  (every table known to Alembic)
    from eoffice.jobs.connection import init_jobs

    init_jobs(app)
    _register_blueprints(app)
    _register_template_helpers(app)

    from eoffice.cli import register_cli
    from eoffice.web.errors import register_error_handlers

    register_error_handlers(app)
    register_cli(app)
    return app


def _resolve_defaults(app: Flask) -> None:
    """Embedded defaults that depend on the instance folder."""
    cfg = app.config
    if not cfg.get("SQLALCHEMY_DATABASE_URI"):
        cfg["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + os.path.join(
            app.instance_path, "eoffice.sqlite3"
        )
    if cfg["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        cfg["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"timeout": 30}}
    if not cfg.get("STORAGE_DIR"):
        cfg["STORAGE_DIR"] = os.path.join(app.instance_path, "storage")
    if not cfg.get("RATELIMIT_STORAGE_URI"):
        cfg["RATELIMIT_STORAGE_URI"] = cfg.get("REDIS_URL") or "memory://"
    # Room for several files per form; each file is checked against MAX_UPLOAD_BYTES.
    cfg.setdefault("MAX_CONTENT_LENGTH", cfg["MAX_UPLOAD_BYTES"] * 4 + 1024 * 1024)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """SQLite: enforce foreign keys, WAL for concurrent readers, wait instead of failing."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()


def _configure_logging(app: Flask) -> None:
    if not app.debug and not app.testing and not logging.getLogger().handlers:
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )


def _configure_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.session_protection = "strong"
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Vui lòng đăng nhập để tiếp tục."
    login_manager.login_message_category = "warning"
    login_manager.needs_refresh_message = "Vui lòng đăng nhập lại để xác nhận."

    from eoffice.auth.services import load_user_from_session_id

    login_manager.user_loader(load_user_from_session_id)


def _register_blueprints(app: Flask) -> None:
    from eoffice.api.views import bp as api_bp
    from eoffice.auth.views import bp as auth_bp
    from eoffice.catalog.views import bp as catalog_bp
    from eoffice.incoming.views import bp as incoming_bp
    from eoffice.orgs.views import bp as orgs_bp
    from eoffice.reports.views import bp as reports_bp
    from eoffice.web.views import bp as main_bp

    for blueprint in (main_bp, auth_bp, orgs_bp, catalog_bp, incoming_bp, reports_bp, api_bp):
        app.register_blueprint(blueprint)
    csrf.exempt(api_bp)  # token-authenticated, no cookies

    from eoffice.web.access import require_login_everywhere

    app.before_request(require_login_everywhere)


def _register_template_helpers(app: Flask) -> None:
    from eoffice.web.templating import register

    register(app)
