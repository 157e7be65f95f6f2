"""Real-browser tests: Playwright driving Debian's chromium against the app served over
HTTP from the test's own database.

Every test here carries the `browser` marker. Without /usr/bin/chromium (or the
playwright package) they are skipped on a developer machine and FAIL under CI
(CI=true), like the PostgreSQL and Redis tests: CI can never go green by skipping the
browser. Never `playwright install`: the browser is the distribution's.

Fixtures:
- `live_server`: the `app` fixture's app (same database: data built through the services
  in the test is what the browser sees) with CSRF on and no SERVER_NAME, served on a
  free loopback port; `.url`, `.app`, `.run_jobs()`. Queued background jobs run in a
  worker thread of the live server (tests/e2e/browser.py, LiveServer); a job that
  failed fails the test at teardown. No notification e-mail is queued.
- `browser` (one chromium per test module), `page` (desktop 1280×800) and
  `phone_page` (390×844, touch): a new context each, vi-VN, Asia/Ho_Chi_Minh, reduced
  motion, with `base_url` = the live server. A page fails its test at teardown on any console
  error, uncaught exception or CSP violation (`guard_of(page).allow(pattern)` first
  for one provoked on purpose).

Helpers (tests/e2e/browser.py, re-exported here): `login(page, live_server, email,
password=PASSWORD)`, `shoot(page, name, full_page=False)`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
HERE = Path(__file__).parent

try:
    from tests.e2e.browser import (  # login, shoot: re-exported for the tests
        CHROMIUM,
        DESKTOP,
        LOCALE,
        PHONE,
        LiveServer,
        PageGuard,
        guard_of,
        login,
        open_page,
        shoot,
    )

    _IMPORT_ERROR: ImportError | None = None
except ImportError as exc:  # playwright missing: every test here skips (or fails in CI)
    _IMPORT_ERROR = exc
    CHROMIUM = os.environ.get("EOFFICE_CHROMIUM", "/usr/bin/chromium")


def _missing(what: str) -> None:
    message = f"{what} is not available"
    if IN_CI:
        pytest.fail(message + " (CI requires it)")
    pytest.skip(message)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture
def app_config(app_config: dict) -> dict:
    """A real browser posts real forms (CSRF on) to the address it was given (no
    SERVER_NAME, whose `eoffice.test` would make every built URL point elsewhere).
    No notification e-mail: the live server runs every queued job, and an e-mail job
    would try the SMTP server of the defaults (localhost:25), fail and be retried; the
    e-mails themselves are tested against an SMTP sink (tests/smtp.py)."""
    config = {**app_config, "WTF_CSRF_ENABLED": True, "NOTIFICATION_EMAIL_ENABLED": False}
    config.pop("SERVER_NAME", None)
    return config


@pytest.fixture
def live_server(app) -> Iterator[LiveServer]:
    """Fails the test at teardown if a job failed (LiveServer.stop)."""
    server = LiveServer(app).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def browser():
    """One chromium per test module. Not per session: Playwright's sync API keeps an
    asyncio loop running in this thread while it is started, and pyHanko's
    `asyncio.run()` (signing, validating) then fails in every later test of the
    process; stopped at the end of the module, the loop is gone."""
    if _IMPORT_ERROR is not None:
        _missing(f"the playwright package ({_IMPORT_ERROR})")
    if not os.access(CHROMIUM, os.X_OK):
        _missing(f"chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox"]
        )
        try:
            yield launched
        finally:
            launched.close()
    finally:
        playwright.stop()


def _page(browser, live_server: LiveServer, tmp_path: Path, options: dict):
    context = browser.new_context(base_url=live_server.url, **LOCALE, **options)
    page, guard = open_page(context, tmp_path / "screenshots")
    try:
        yield page
    finally:
        context.close()
    guard.check()


@pytest.fixture
def page(browser, live_server: LiveServer, tmp_path: Path):
    """A desktop page (1280×800)."""
    yield from _page(browser, live_server, tmp_path, DESKTOP)


@pytest.fixture
def phone_page(browser, live_server: LiveServer, tmp_path: Path):
    """A phone page (390×844, touch, 2× pixels)."""
    yield from _page(browser, live_server, tmp_path, PHONE)


__all__ = ["PageGuard", "guard_of", "login", "shoot"]
