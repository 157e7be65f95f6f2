"""The one scheduler process of a deployment (`flask scheduler`): what happens by the clock.

Every minute it runs, each part on its own so that one failing does not stop the rest:
- the check slots and their reminders (eoffice.exchange.scheduler.tick, decision 0014);
- the job outbox (eoffice.jobs.outbox.tick, decision 0021): jobs left pending while
  Redis was down are pushed, jobs whose worker died or whose Redis data was lost are
  pushed again, settled rows older than a week are deleted;
- exchange sends whose job died with its worker or was lost with Redis
  (eoffice.exchange.sweeper.requeue_stuck);
- the daily digests whose time has come (eoffice.notifications.digest.send_due_digests);
- the directives' report reminders before and after each deadline
  (eoffice.directives.tracking.send_due_reminders);
- once per office day, from DEADLINE_REMINDERS_AT (office time), the deadline reminders
  (eoffice.notifications.reminders.send_deadline_reminders) and the 30-day warnings of
  case files due at the office archive (eoffice.casefiles.warnings.send_handover_warnings).
Every part claims its work in the database, so a tick repeated, a second process, or a
restart in the middle does nothing twice; the process only remembers which day the
reminders already ran, to spare the database a scan a minute (a restart repeats that
scan once, harmlessly). This replaces the cron lines `flask send-digests` and
`flask send-reminders` (still there for a deployment that prefers cron).

In embedded mode (no REDIS_URL: a newcomer's `make run`) nobody starts that process, so
the web process runs the same loop in a daemon thread, from its first request
(`start_embedded`): the demo's check times, reminders and digests then work too.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from flask import Flask, current_app

from eoffice.core.timeutil import local_tz, now_utc
from eoffice.extensions import db

log = logging.getLogger(__name__)


def seconds_to_next_minute(moment: datetime) -> float:
    """Ticks land a second after each minute starts, so a 06:30 slot runs at 06:30:01."""
    return 61 - moment.second - moment.microsecond / 1_000_000


@dataclass
class MinuteResult:
    """What one tick did, part by part (None: the part did not run or failed)."""

    parts: dict[str, Any] = field(default_factory=dict)
    failed: list[str] = field(default_factory=list)

    def summary(self) -> str:
        checks = self.parts.get("checks")
        lines = [checks.summary() if checks is not None else "Lượt kiểm tra: không chạy."]
        jobs = self.parts.get("job_outbox")
        if jobs is not None and jobs.pushed:
            lines.append(f"Việc nền được đưa (lại) vào hàng đợi: {jobs.pushed}.")
        lines.append(f"Gửi liên thông được xếp hàng lại: {self.parts.get('sweeper', 0)}.")
        lines.append(f"Thư tóm tắt được xếp hàng gửi: {self.parts.get('digests', 0)}.")
        if "reminders" in self.parts:
            lines.append(f"Thông báo nhắc hạn xử lý: {self.parts['reminders']}.")
        if "handover_warnings" in self.parts:
            lines.append(f"Hồ sơ được báo sắp đến hạn nộp lưu: {self.parts['handover_warnings']}.")
        if self.failed:
            lines.append("Lỗi ở: " + ", ".join(self.failed) + " (xem nhật ký).")
        return " ".join(lines)


@dataclass
class Clock:
    """The scheduler's memory within one process: the day the daily parts last ran."""

    reminders_done_on: date | None = None
    handover_warnings_done_on: date | None = None

    def reminders_due(self, now: datetime) -> bool:
        local = now.astimezone(local_tz())
        at = _reminders_at()
        return self.reminders_done_on != local.date() and local.time() >= at

    def handover_warnings_due(self, now: datetime) -> bool:
        """Once a day, at the reminders' time: the files claim themselves in the database
        (warned_on), so this memory only spares the scan the rest of the day."""
        local = now.astimezone(local_tz())
        return self.handover_warnings_done_on != local.date() and local.time() >= _reminders_at()

    def tick(self, now: datetime) -> MinuteResult:
        from eoffice.casefiles.warnings import send_handover_warnings
        from eoffice.directives.tracking import send_due_reminders
        from eoffice.exchange.scheduler import tick as check_tick
        from eoffice.exchange.sweeper import requeue_stuck
        from eoffice.jobs.outbox import tick as outbox_tick
        from eoffice.notifications.digest import send_due_digests
        from eoffice.notifications.reminders import send_deadline_reminders

        result = MinuteResult()
        parts: list[tuple[str, Callable[[datetime], Any]]] = [
            ("job_outbox", outbox_tick),  # first: what waited for Redis goes out first
            ("checks", check_tick),
            ("sweeper", requeue_stuck),
            ("digests", send_due_digests),
            ("report_reminders", send_due_reminders),
        ]
        if self.reminders_due(now):
            parts.append(("reminders", send_deadline_reminders))
        if self.handover_warnings_due(now):
            parts.append(("handover_warnings", send_handover_warnings))
        for name, run in parts:
            try:
                result.parts[name] = run(now)
            except Exception:
                db.session.rollback()
                result.failed.append(name)
                log.exception("scheduler part %s failed", name)
        if "reminders" in result.parts:
            self.reminders_done_on = now.astimezone(local_tz()).date()
        if "handover_warnings" in result.parts:
            self.handover_warnings_done_on = now.astimezone(local_tz()).date()
        return result


def _reminders_at() -> time:
    raw = current_app.config.get("DEADLINE_REMINDERS_AT", "07:00")
    hours, _, minutes = str(raw).partition(":")
    return time(int(hours), int(minutes or 0))


def run_loop(app: Flask, stop: threading.Event, *, once: bool = False) -> None:
    """One tick now (the catch-up after downtime), then one a minute until `stop`."""
    clock = Clock()
    while not stop.is_set():
        with app.app_context():
            try:
                result = clock.tick(now_utc())
                log.info("scheduler: %s", result.summary())
            except Exception:
                log.exception("scheduler tick failed")
            finally:
                db.session.remove()
        if once:
            return
        stop.wait(seconds_to_next_minute(datetime.now(UTC)))


_embedded_lock = threading.Lock()


def start_embedded(app: Flask) -> None:
    """Run the scheduler loop in a daemon thread of this process, once (embedded mode)."""
    with _embedded_lock:
        if app.extensions.get("eoffice_clock") is not None:
            return
        stop = threading.Event()
        thread = threading.Thread(
            target=run_loop, args=(app, stop), name="eoffice-clock", daemon=True
        )
        app.extensions["eoffice_clock"] = (thread, stop)
        thread.start()
        log.info("embedded scheduler started in the web process")


def install_embedded(app: Flask) -> None:
    """In embedded mode, start the loop with the first request (never in a CLI command,
    where it would tick during `flask seed-demo`, nor in tests, which tick explicitly)."""
    if app.config.get("REDIS_URL") or not app.config.get("JOBS_EMBEDDED_THREAD", True):
        return
    if app.testing:
        return

    @app.before_request
    def _start_clock() -> None:
        if app.extensions.get("eoffice_clock") is None:
            start_embedded(app)
