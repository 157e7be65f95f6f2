"""eoffice: the application factory."""

from __future__ import annotations

import logging
import os
import secrets
import tempfile
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

from config import Config
from eoffice.core import timeutil
from eoffice.core.errors import ConfigurationError
from eoffice.core.security import configure_hasher
from eoffice.extensions import csrf, db, limiter, login_manager, migrate
from eoffice.web.http import BoundedIntConverter

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(
    config: dict[str, Any] | None = None, *, instance_path: str | None = None, **overrides: Any
) -> Flask:
    """Build the application. `config` and keyword overrides win over the environment.

    `instance_path` replaces the instance folder (embedded database, files, secret key).
    """
    app = Flask(
        __name__,
        instance_path=instance_path,
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
    )
    app.config.from_object(Config)
    app.config.update(config or {})
    app.config.update(overrides)
    os.makedirs(app.instance_path, exist_ok=True)
    embedded = not app.config.get("SQLALCHEMY_DATABASE_URI")
    _resolve_defaults(app)
    _resolve_secret_key(app, embedded=embedded)
    _configure_proxy(app)
    # Before any blueprint: rules bind their converters when they are added.
    app.url_map.converters["int"] = BoundedIntConverter
    timeutil.configure(app.config["TIMEZONE"])
    configure_hasher(app.config["ARGON2_MEMORY_COST"], app.config["ARGON2_TIME_COST"])
    _configure_logging(app)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    _configure_login(app)

    from eoffice import models_registry  # noqa: F401  (every table known to Alembic)
    from eoffice.core import audit_chain
    from eoffice.incoming import readers
    from eoffice.jobs.clock import install_embedded
    from eoffice.jobs.connection import init_jobs
    from eoffice.search import indexing, texts

    readers.install()
    indexing.install()
    texts.install()
    audit_chain.install()  # after the search listeners: the last work of a commit
    init_jobs(app)
    install_embedded(app)
    _register_blueprints(app)
    _register_template_helpers(app)

    from eoffice.cli import register_cli
    from eoffice.web.errors import register_error_handlers
    from eoffice.web.security_headers import register_security_headers

    register_error_handlers(app)
    register_security_headers(app)
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
    elif cfg["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        # No JIT: our statements are short, and PostgreSQL compiled every one it thought
        # costly (a staff member's search: 150–250 ms of compiling for a 70 ms query).
        options = dict(cfg.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        connect_args = dict(options.get("connect_args") or {})
        connect_args.setdefault("options", "-c jit=off")
        # An unreachable database host fails a request in seconds (a 503), not minutes.
        connect_args.setdefault("connect_timeout", 10)
        cfg["SQLALCHEMY_ENGINE_OPTIONS"] = {**options, "connect_args": connect_args}
    if not cfg.get("STORAGE_DIR"):
        cfg["STORAGE_DIR"] = os.path.join(app.instance_path, "storage")
    if not cfg.get("RATELIMIT_STORAGE_URI"):
        cfg["RATELIMIT_STORAGE_URI"] = cfg.get("REDIS_URL") or "memory://"
    # Room for several files per form; each file is checked against MAX_UPLOAD_BYTES.
    cfg.setdefault("MAX_CONTENT_LENGTH", cfg["MAX_UPLOAD_BYTES"] * 4 + 1024 * 1024)


SECRET_KEY_FILE = "secret_key"


def _resolve_secret_key(app: Flask, *, embedded: bool) -> None:
    """SECRET_KEY signs sessions and CSRF tokens: never a value known from the source code.

    Embedded mode (no DATABASE_URL) keeps a random key in the instance folder, so a
    newcomer's sessions survive a restart; a real deployment must set the variable, and
    starting without it is refused rather than run on a guessable key.
    """
    if app.config.get("SECRET_KEY"):
        return
    if embedded:
        app.config["SECRET_KEY"] = _instance_secret(Path(app.instance_path) / SECRET_KEY_FILE)
    elif app.testing:
        app.config["SECRET_KEY"] = secrets.token_hex(32)
    else:
        raise ConfigurationError(
            "Chưa đặt biến môi trường SECRET_KEY. Khi dùng DATABASE_URL (triển khai thật), "
            "hãy đặt SECRET_KEY là một chuỗi ngẫu nhiên dài, ví dụ: "
            "SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_hex(32))')"
        )


def _instance_secret(path: Path) -> str:
    """Read the instance's key, creating it (mode 0600) on the first start.

    The key is written to a temporary file and linked into place, so a process never
    reads half a key, and when several start at once the first link wins for all.
    """
    existing = _read_key(path)
    if existing:
        return existing
    key = secrets.token_hex(32)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".secret-")  # mode 0600
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(key + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            existing = _read_key(path)
            if existing:
                return existing
            os.replace(tmp, path)  # an empty leftover: replace it
    finally:
        Path(tmp).unlink(missing_ok=True)
    return key


def _read_key(path: Path) -> str | None:
    try:
        return path.read_text(encoding="ascii").strip() or None
    except FileNotFoundError:
        return None


def _configure_proxy(app: Flask) -> None:
    """Behind nginx, trust PROXY_FIX_X_FOR hops of X-Forwarded-For (and the scheme).

    Without it every request seems to come from the proxy, and the login limit per
    address would lock out the whole office at once.
    """
    hops = int(app.config.get("PROXY_FIX_X_FOR") or 0)
    if hops > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=1)  # type: ignore[method-assign]


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
    from eoffice.casefiles.archive_views import bp as archive_bp
    from eoffice.casefiles.export_views import bp as casefile_exports_bp
    from eoffice.casefiles.file_views import bp as casefiles_bp
    from eoffice.casefiles.list_views import bp as file_lists_bp
    from eoffice.catalog.views import bp as catalog_bp
    from eoffice.directives.board_views import bp as directive_board_bp
    from eoffice.directives.group_views import bp as directive_groups_bp
    from eoffice.directives.task_views import bp as directive_tasks_bp
    from eoffice.exchange.checks_views import bp as exchange_checks_bp
    from eoffice.exchange.inbox_views import bp as exchange_inbox_bp
    from eoffice.exchange.log_views import bp as exchange_log_bp
    from eoffice.exchange.views import bp as exchange_admin_bp
    from eoffice.incoming.views import bp as incoming_bp
    from eoffice.orgs.views import bp as orgs_bp
    from eoffice.outgoing.admin_views import bp as outgoing_admin_bp
    from eoffice.outgoing.register_views import bp as outgoing_register_bp
    from eoffice.outgoing.views import bp as outgoing_bp
    from eoffice.reports.views import bp as reports_bp
    from eoffice.search.views import bp as search_bp
    from eoffice.signing.views import bp as signing_bp
    from eoffice.web.views import bp as main_bp

    for blueprint in (
        main_bp,
        auth_bp,
        orgs_bp,
        catalog_bp,
        incoming_bp,
        outgoing_bp,
        outgoing_register_bp,
        outgoing_admin_bp,
        directive_groups_bp,
        directive_tasks_bp,
        exchange_admin_bp,
        exchange_inbox_bp,
        exchange_log_bp,
        exchange_checks_bp,
        signing_bp,
        reports_bp,
        directive_board_bp,
        file_lists_bp,
        casefiles_bp,
        casefile_exports_bp,
        archive_bp,
        search_bp,
        api_bp,
    ):
        app.register_blueprint(blueprint)
    csrf.exempt(api_bp)  # token-authenticated, no cookies
    from eoffice.notifications.views import register as register_notifications

    register_notifications(app)  # the blueprint and the bell's context processor

    from eoffice.web.access import require_login_everywhere

    app.before_request(require_login_everywhere)


def _register_template_helpers(app: Flask) -> None:
    from eoffice.web.templating import register

    register(app)
