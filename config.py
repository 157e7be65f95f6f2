"""Configuration, read from the environment only (12-factor).

Every setting has an embedded default so that `make run` works on a fresh clone:
no DATABASE_URL means a SQLite file in the instance folder, no REDIS_URL means jobs
run in-process on an embedded fake Redis.
"""

from __future__ import annotations

import os
from datetime import timedelta


def _env_list(name: str, default: str) -> list[str]:
    raw = os.environ.get(name, default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw else default


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    """Settings for every environment; tests override single keys through create_app."""

    # None: embedded mode keeps a random key in the instance folder; with DATABASE_URL,
    # create_app refuses to start without one.
    SECRET_KEY = os.environ.get("SECRET_KEY")
    # None → SQLite in the instance folder (resolved in create_app, which knows that path).
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL")
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    REDIS_URL = os.environ.get("REDIS_URL")  # None → embedded in-process queue

    TIMEZONE = os.environ.get("TIMEZONE", "Asia/Ho_Chi_Minh")
    CHECK_TIMES = _env_list("CHECK_TIMES", "06:30,11:00,13:30,16:30")
    # Office time from which the scheduler sends the day's deadline reminders (once a day).
    DEADLINE_REMINDERS_AT = os.environ.get("DEADLINE_REMINDERS_AT", "07:00")
    OFFICIAL_MAIL_DOMAINS = _env_list(
        "OFFICIAL_MAIL_DOMAINS", "hcm.edu.vn,*.hcm.edu.vn,*.edu.vn,moet.edu.vn,tphcm.gov.vn"
    )
    # Mã định danh cơ quan (QCVN 102:2016): NNN.NN.NN.XNN; configurable because the
    # 2022 amendment may change it (DOMAIN.md §3.1).
    AGENCY_CODE_PATTERN = os.environ.get(
        "AGENCY_CODE_PATTERN", r"^\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}$"
    )

    STORAGE_DIR = os.environ.get("STORAGE_DIR")  # None → <instance>/storage
    MAX_UPLOAD_BYTES = _env_int("MAX_UPLOAD_BYTES", 50 * 1024 * 1024)
    # PEM/DER files of the root CAs whose signatures incoming PDFs are checked against
    # (the national root and the licensed CAs); roots added by an admin live in the database.
    SIGNING_TRUST_ROOTS = _env_list("SIGNING_TRUST_ROOTS", "")
    ARRIVAL_BACKDATE_DAYS = _env_int("ARRIVAL_BACKDATE_DAYS", 30)  # how far back arrivals may go
    MAX_FILES_PER_DOCUMENT = _env_int("MAX_FILES_PER_DOCUMENT", 20)

    MAIL_SERVER = os.environ.get("MAIL_SERVER", "localhost")
    MAIL_PORT = _env_int("MAIL_PORT", 25)
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "eoffice@hcm.edu.vn")
    MAIL_USE_TLS = _env_bool("MAIL_USE_TLS", False)  # STARTTLS after connecting
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")  # None → no SMTP login
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    # Where users reach the application: the links in e-mails start with it.
    PUBLIC_URL = os.environ.get("PUBLIC_URL", "http://127.0.0.1:5000")
    EXCHANGE_URL = os.environ.get("EXCHANGE_URL")

    # Sessions and cookies (STACK.md §7).
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_DURATION = timedelta(days=14)
    PERMANENT_SESSION_LIFETIME = timedelta(hours=10)
    # Long intake forms must not die on an expired token: the token lives with the session.
    WTF_CSRF_TIME_LIMIT = None

    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI")  # None → REDIS_URL or memory
    RATELIMIT_HEADERS_ENABLED = True
    # Redis down must not fail a sign-in: the limiter falls back to per-process memory
    # (the lock-out counters in the database still stand behind it).
    RATELIMIT_SWALLOW_ERRORS = True
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    # Failed sign-ins per client address. A school's staff share one address behind its
    # router, so this only slows a guesser; the per-account limit and the lock-out stop one.
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "30/minute;300/hour")
    # Per submitted e-mail address, whatever address the attempts come from.
    LOGIN_ACCOUNT_RATE_LIMIT = os.environ.get("LOGIN_ACCOUNT_RATE_LIMIT", "5/minute;30/hour")
    # Account security (decision 0022): consecutive failed sign-ins (passwords or
    # two-factor codes) that lock an account, and for how long; inactivity that ends a
    # session; how recent a password must be for signing and security settings.
    LOGIN_LOCKOUT_THRESHOLD = _env_int("LOGIN_LOCKOUT_THRESHOLD", 10)
    LOGIN_LOCKOUT_MINUTES = _env_int("LOGIN_LOCKOUT_MINUTES", 15)
    SESSION_IDLE_MINUTES = _env_int("SESSION_IDLE_MINUTES", 30)
    SESSION_MAX_HOURS = _env_int("SESSION_MAX_HOURS", 12)  # however active the session
    FRESH_LOGIN_MINUTES = _env_int("FRESH_LOGIN_MINUTES", 10)
    # How long the "Mã xác thực" step of a sign-in waits for its code.
    TWO_FACTOR_PENDING_MINUTES = _env_int("TWO_FACTOR_PENDING_MINUTES", 5)
    # Reverse proxies in front of the app (nginx: 1); 0 trusts no X-Forwarded-* header.
    PROXY_FIX_X_FOR = _env_int("PROXY_FIX_X_FOR", 0)

    # argon2id cost: 64 MiB and 3 passes by default (OWASP); tests lower it.
    ARGON2_MEMORY_COST = _env_int("ARGON2_MEMORY_COST", 65536)
    ARGON2_TIME_COST = _env_int("ARGON2_TIME_COST", 3)

    # Registers up to this many rows print in the request; longer ones become a background
    # job with a progress bar (WeasyPrint needs 10–14 ms a row on 2 vCPU).
    REGISTER_PDF_SYNC_ROWS = _env_int("REGISTER_PDF_SYNC_ROWS", 300)
    REGISTER_PDF_MAX_ROWS = _env_int("REGISTER_PDF_MAX_ROWS", 5000)
    REGISTER_XLSX_MAX_ROWS = _env_int("REGISTER_XLSX_MAX_ROWS", 50000)
    EXPORT_JOB_TIMEOUT = _env_int("EXPORT_JOB_TIMEOUT", 900)

    # The job outbox (decision 0021). A pending row younger than the grace is left to the
    # process that committed it; an enqueued row older than the lease has its RQ job
    # looked at (gone or dead: pushed again, at most MAX_PUSHES times); settled rows are
    # deleted after KEEP_DAYS.
    JOB_OUTBOX_GRACE_SECONDS = _env_int("JOB_OUTBOX_GRACE_SECONDS", 30)
    JOB_OUTBOX_LEASE_SECONDS = _env_int("JOB_OUTBOX_LEASE_SECONDS", 300)
    JOB_OUTBOX_MAX_PUSHES = _env_int("JOB_OUTBOX_MAX_PUSHES", 5)
    JOB_OUTBOX_KEEP_DAYS = _env_int("JOB_OUTBOX_KEEP_DAYS", 7)

    PAGE_SIZE = _env_int("PAGE_SIZE", 50)
    API_PAGE_SIZE_MAX = 200
