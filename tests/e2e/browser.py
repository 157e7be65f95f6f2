"""Helpers of the real-browser tests: the live server, the page guard, signing in and
screenshots. The fixtures that use them are in tests/e2e/conftest.py.

Import the helpers from here in a test module:
`from tests.e2e.browser import login, shoot`.
"""

from __future__ import annotations

import os
import re
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from flask import Flask
from playwright.sync_api import BrowserContext, Page
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from rq.job import Job
from sqlalchemy import update
from werkzeug.serving import BaseWSGIServer, make_server

from eoffice.core.timeutil import now_utc
from eoffice.extensions import db
from eoffice.jobs import outbox
from eoffice.jobs.models import JobOutbox, OutboxState
from tests.factories import PASSWORD

# The distribution's chromium (never `playwright install`); EOFFICE_CHROMIUM names another
# binary, or a missing one to see the skip (fail under CI) without uninstalling it.
CHROMIUM = os.environ.get("EOFFICE_CHROMIUM", "/usr/bin/chromium")
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
}
# Reduced motion: Bootstrap then skips its collapse, fade and toast transitions, which
# Playwright would otherwise wait out before every click, and no screenshot catches a
# panel or a toast halfway.
LOCALE = {"locale": "vi-VN", "timezone_id": "Asia/Ho_Chi_Minh", "reduced_motion": "reduce"}
SCREENSHOTS_ENV = "EOFFICE_SCREENSHOTS"

# Where `shoot` puts a page's screenshots when EOFFICE_SCREENSHOTS is not set: the
# test's tmp dir, registered by the page fixture.
_shot_dirs: weakref.WeakKeyDictionary[Page, Path] = weakref.WeakKeyDictionary()


# --- The live server -----------------------------------------------------------------


class LiveServer:
    """The test's app served over real HTTP on a free loopback port, plus a thread that
    runs the background jobs the pages queue.

    The jobs: the app keeps `REDIS_URL` None (the in-process fake Redis) and
    `JOBS_EMBEDDED_THREAD` False, so the app's own everlasting job thread never starts
    (it would outlive the test and run the next test's jobs with this test's app).
    Instead this object runs a worker thread of its own, woken whenever a job is pushed
    (and every 5 s, for retries), stopped with the server. A job queued by a
    request (publishing a signed document, extracting a file's text, an e-mail) thus
    runs in the background as in the embedded deployment, and a page that waits for it
    sees it finish. `run_jobs()` runs whatever is queued at once and returns when it is
    done, for a test that wants to be sure a job is over before it looks.

    `stop()` fails the test if a thread did not end, the job thread raised, or a job
    failed (RQ keeps a failed job in the queue's FailedJobRegistry, and one with retries
    left in its ScheduledJobRegistry: a failing job raises nothing in our thread), then
    empties the process-wide fake Redis so no retry of this test's jobs runs in a later
    test.
    """

    def __init__(self, app: Flask):
        self.app = app
        self._server: BaseWSGIServer = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._jobs = app.extensions["eoffice_jobs"]
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._lock = threading.Lock()  # one burst at a time: the thread's or run_jobs()
        self.job_errors: list[BaseException] = []
        self._threads = [
            threading.Thread(target=self._server.serve_forever, name="e2e-http", daemon=True),
            threading.Thread(target=self._work, name="e2e-jobs", daemon=True),
        ]

    def start(self) -> LiveServer:
        self._take_over_queues()
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._stop.set()
        self._wake.set()
        for thread in self._threads:
            thread.join(timeout=30)
        problems = [
            f"thread {t.name} still running 30 s after stop" for t in self._threads if t.is_alive()
        ]
        problems += [f"the job thread raised {exc!r}" for exc in self.job_errors]
        # A run_jobs() burst still going would add to the registries.
        locked = self._lock.acquire(timeout=30)
        try:
            problems += self._failed_jobs()
        finally:
            self._jobs.connection.flushall()
            if locked:
                self._lock.release()
        if problems:
            raise AssertionError("the live server:\n" + "\n".join(problems))

    def _failed_jobs(self) -> list[str]:
        """Every job of every queue that failed: finally (FailedJobRegistry, with the
        exception RQ kept), or with retries left (back in the ScheduledJobRegistry after
        a run; RQ keeps no exception for a retry, its worker logs it)."""
        found = []
        connection = self._jobs.connection
        for name, queue in self._jobs.queues.items():
            failed = queue.failed_job_registry.get_job_ids()
            for job in Job.fetch_many(failed, connection=connection):
                if job is not None:
                    result = job.latest_result()
                    why = result.exc_string if result is not None else "(no exception kept)"
                    found.append(f"job {job.func_name} failed ({name}):\n{why}")
            scheduled = queue.scheduled_job_registry.get_job_ids()
            for job in Job.fetch_many(scheduled, connection=connection):
                if job is not None and job.started_at is not None:  # ran, failed, retried
                    found.append(
                        f"job {job.func_name} failed, retry pending ({name}): its exception "
                        "is in the captured log of rq.worker"
                    )
        return found

    def run_jobs(self) -> None:
        """Run every queued job now and wait for them, in a thread of their own: the
        test's thread runs Playwright's event loop, inside which a job that calls
        `asyncio.run()` (pyHanko signing a PDF) cannot run."""
        errors: list[BaseException] = []

        def burst() -> None:
            try:
                self._burst()
            except BaseException as exc:  # raised again in the caller's thread
                errors.append(exc)

        thread = threading.Thread(target=burst, name="e2e-run-jobs")
        thread.start()
        thread.join()
        if errors:
            raise errors[0]

    def _burst(self) -> None:
        with self._lock:
            self._jobs.work_burst()

    def _take_over_queues(self) -> None:
        """Drop jobs another test left in the process-wide fake Redis (they name rows of
        that test, which ids of this test may now mean), then queue again the jobs this
        test's data set-up deferred, and have every later push wake our worker."""
        self._jobs.connection.flushall()
        with self.app.app_context():
            db.session.execute(
                update(JobOutbox)
                .where(JobOutbox.state == OutboxState.ENQUEUED.value)
                .values(state=OutboxState.PENDING.value)
            )
            db.session.commit()
        self._jobs.woken = self._wake.set  # the runner's own thread stays off
        with self.app.app_context():
            outbox.flush(now=now_utc() + timedelta(days=1))

    def _work(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(timeout=5.0)  # as the embedded runner: jobs scheduled for a retry
            self._wake.clear()
            if self._stop.is_set():
                return
            try:
                self._burst()
            except Exception as exc:  # reported at teardown
                self.job_errors.append(exc)


# --- The page guard ------------------------------------------------------------------

# CSP violations reported by the page itself (securitypolicyviolation events), through a
# binding the init script calls; an init script is not subject to the page's CSP.
_CSP_LISTENER = """
window.addEventListener("securitypolicyviolation", (e) => {
  const what = `${e.effectiveDirective} blocked ${e.blockedURI || "inline"}`;
  window.__eofficeCspViolation(`${what} at ${e.sourceFile || e.documentURI}:${e.lineNumber}`);
}, true);
"""


@dataclass
class PageGuard:
    """What went wrong in a page: console errors, uncaught exceptions, CSP violations.
    The page fixtures fail the test at teardown if any occurred.

    A test that provokes a console error on purpose (a 422 page, say) names it first
    with `allow(pattern)`; anything else still fails the test. Nothing is allowed by
    default: base.html names an empty icon, so chromium asks for no /favicon.ico."""

    problems: list[str] = field(default_factory=list)
    allowed: list[re.Pattern[str]] = field(default_factory=list)

    def allow(self, pattern: str) -> None:
        self.allowed.append(re.compile(pattern))

    def record(self, kind: str, text: str) -> None:
        if not any(p.search(text) for p in self.allowed):
            self.problems.append(f"{kind}: {text}")

    def watch(self, context: BrowserContext) -> None:
        context.expose_binding(
            "__eofficeCspViolation", lambda _source, text: self.record("CSP", text)
        )
        context.add_init_script(_CSP_LISTENER)
        context.on("page", self._watch_page)

    def _watch_page(self, page: Page) -> None:
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.record("page error", str(exc)))

    def _console(self, message) -> None:
        if message.type == "error":
            location = message.location or {}
            where = location.get("url", "")
            self.record("console error", f"{message.text} ({where})" if where else message.text)

    def check(self) -> None:
        if self.problems:
            raise AssertionError(
                "the browser reported problems:\n" + "\n".join(f"  - {p}" for p in self.problems)
            )


guards: weakref.WeakKeyDictionary[Page, PageGuard] = weakref.WeakKeyDictionary()


def guard_of(page: Page) -> PageGuard:
    """The guard watching `page` (to `allow` an expected console error)."""
    return guards[page]


def open_page(
    context: BrowserContext, shots: Path, on_page: Callable[[Page], None] | None = None
) -> tuple[Page, PageGuard]:
    guard = PageGuard()
    guard.watch(context)
    page = context.new_page()
    guards[page] = guard
    _shot_dirs[page] = shots
    if on_page:
        on_page(page)
    return page, guard


# --- Helpers for the tests -----------------------------------------------------------


def login(page: Page, live_server: LiveServer, email: str, password: str = PASSWORD) -> None:
    """Sign in through the real login form, as a person would, and wait for the page
    that follows it (the URL leaving /login: `wait_for_load_state` right after the
    click may still see the login page, before the navigation starts)."""
    page.goto(f"{live_server.url}/login")
    page.get_by_label("Thư điện tử công vụ").fill(email)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()
    try:
        page.wait_for_url(lambda url: "/login" not in url, timeout=15_000)
    except PlaywrightTimeoutError:
        errors = page.locator(".invalid-feedback, .alert").all_inner_texts()
        raise AssertionError(f"signing in as {email} failed: {errors}") from None


def shoot(page: Page, name: str, *, full_page: bool = False) -> Path:
    """Save `<name>.png` of the page: into the folder EOFFICE_SCREENSHOTS names (the
    user guide's screenshots, docs/screenshots) when it is set, otherwise into the
    test's tmp dir (so CI still takes every screenshot). The viewport only, unless
    `full_page`."""
    folder = os.environ.get(SCREENSHOTS_ENV)
    target = Path(folder) if folder else _shot_dirs[page]
    target.mkdir(parents=True, exist_ok=True)
    path = target / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path
