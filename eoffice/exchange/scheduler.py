"""The scheduler's tick: run the due check slots of every member organisation, remind
the clerks a few minutes before each slot.

`tick(now)` is idempotent: every slot is claimed on its unique row before its job is
enqueued (eoffice.exchange.checks.claim_slot), every reminder likewise
(`claim_reminder`), so ticking twice in a minute, from two processes, or after a crash
does nothing twice. After downtime `due_slots` returns the slots missed since the last
claimed one (bounded by its catch-up rule); each is claimed and run once, marked
"catch-up". The scheduler process (eoffice.jobs.clock, `flask scheduler`) calls it every
minute (decision 0014).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select, update

from eoffice.catalog.calendar import office_calendar
from eoffice.core.timeutil import local_tz
from eoffice.exchange import checks
from eoffice.exchange.checks_models import CheckRun, CheckTrigger, RunState
from eoffice.extensions import db
from eoffice.notifications.content import Message
from eoffice.notifications.models import NotificationKind
from eoffice.notifications.services import tell
from eoffice.orgs.models import Organisation, Role, User, UserRole
from workflows.checktimes import Slot, due_slots, slots_to_remind

log = logging.getLogger(__name__)

RUN_TASK = "eoffice.jobs.tasks.run_check_slot"
RUN_QUEUE = "default"
# A slot picked up this long after its time was caught up after downtime, not run on time.
ON_TIME_TOLERANCE = timedelta(minutes=5)
# A claimed slot whose job has not started after this long (the enqueue was lost, Redis
# restarted) is enqueued again; its QUEUED → RUNNING step still runs it once.
REQUEUE_AFTER = timedelta(minutes=10)
# A check still RUNNING this long after it started lost its worker (a fetch takes seconds
# to a few minutes): it is closed as failed, so the board and the bar do not show it
# running for ever. Nothing is lost: what it had not stored is still on the hub, and the
# next check takes it (receiving acknowledges only what it committed).
INTERRUPTED_AFTER = timedelta(minutes=30)
INTERRUPTED = "Lượt kiểm tra bị gián đoạn; văn bản chưa nhận sẽ được nhận ở lượt kiểm tra sau."
CHECKS_LINK = "/exchange/inbox"


@dataclass
class TickResult:
    claimed: list[tuple[int, Slot, CheckTrigger]] = field(default_factory=list)
    reminded: list[tuple[int, Slot, int]] = field(default_factory=list)
    requeued: int = 0

    def summary(self) -> str:
        return (
            f"{len(self.claimed)} lượt kiểm tra được chạy, {len(self.reminded)} lượt nhắc, "
            f"{self.requeued} lượt được xếp hàng lại."
        )


def _enqueue(org_id: int, slot: Slot) -> None:
    from eoffice.jobs.connection import enqueue

    try:
        enqueue(
            RUN_TASK,
            org_id,
            slot.day.isoformat(),
            slot.at.strftime("%H:%M"),
            queue=RUN_QUEUE,
            job_id=f"check-{org_id}-{slot.key}",
            job_timeout=600,
        )
    except Exception:  # Redis down: the row stays QUEUED and a later tick enqueues again
        log.exception("could not enqueue the check of organisation %s at %s", org_id, slot.key)


def _clerks(org_id: int) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(
                User.org_id == org_id,
                UserRole.role == Role.CLERK.value,
                User.is_active_account.is_(True),
            )
            .order_by(User.id)
        )
    )


# The words of the one notification this module sends (with the other kinds' templates
# in eoffice.notifications.content and eoffice.outgoing.news).
TEMPLATES: dict[NotificationKind, tuple[str, str]] = {
    NotificationKind.CHECK_REMINDER: (
        "Sắp đến giờ kiểm tra văn bản đến: {time}",
        "Còn khoảng {minutes} phút nữa đến lượt kiểm tra {slot}. Hãy kiểm tra văn bản điện "
        "tử, văn bản giấy và thư điện tử, rồi bấm “Đã kiểm tra”.",
    ),
}


def reminder_message(slot: Slot, minutes: int) -> Message:
    title, body = TEMPLATES[NotificationKind.CHECK_REMINDER]
    words = {"time": slot.at.strftime("%H:%M"), "minutes": minutes, "slot": slot.label}
    return Message(title.format(**words), body.format(**words))


def _remind(org: Organisation, slot: Slot, minutes: int) -> int:
    if not checks.claim_reminder(org.id, slot):
        return 0
    clerks = _clerks(org.id)
    if clerks:
        tell(
            NotificationKind.CHECK_REMINDER,
            clerks,
            reminder_message(slot, minutes),
            CHECKS_LINK,
        )
    return len(clerks)


def _close_interrupted(now: datetime) -> int:
    """Checks whose worker died mid-fetch: failed, with the reason, once."""
    closed = db.session.execute(
        update(CheckRun)
        .where(
            CheckRun.state == RunState.RUNNING.value,
            CheckRun.started_at < now - INTERRUPTED_AFTER,
        )
        .values(state=RunState.FAILED.value, finished_at=now, error=INTERRUPTED)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    if closed:
        log.warning("closed %s interrupted check runs", closed)
    return closed


def _requeue_stale(now: datetime) -> int:
    """Claimed slots whose job never started: enqueue them again (they still run once)."""
    stale = db.session.execute(
        select(CheckRun.org_id, CheckRun.day, CheckRun.slot_time).where(
            CheckRun.state == RunState.QUEUED.value,
            CheckRun.slot_time.is_not(None),
            CheckRun.claimed_at < now - REQUEUE_AFTER,
        )
    ).all()
    for org_id, day, at in stale:
        _enqueue(org_id, Slot(day, at))
    return len(stale)


def tick(now: datetime) -> TickResult:
    """One pass of the scheduler at `now` (aware UTC); safe to run any number of times."""
    tz = local_tz()
    base = office_calendar()
    result = TickResult()
    organisations = list(
        db.session.scalars(
            select(Organisation)
            .where(Organisation.is_member.is_(True), Organisation.is_active.is_(True))
            .order_by(Organisation.id)
        )
    )
    for org in organisations:
        try:
            config = checks.effective_config(org)
            calendar = checks.calendar_for(config, base)
            last = checks.last_claimed_slot(org.id)
            for slot in due_slots(now, config.times, calendar, tz, last_done=last):
                late = now - slot.instant(tz) > ON_TIME_TOLERANCE
                trigger = CheckTrigger.CATCH_UP if late else CheckTrigger.SCHEDULE
                if checks.claim_slot(org.id, slot, trigger):
                    _enqueue(org.id, slot)
                    result.claimed.append((org.id, slot, trigger))
            for slot in slots_to_remind(now, config.times, calendar, config.reminder_minutes, tz):
                told = _remind(org, slot, config.reminder_minutes)
                if told:
                    result.reminded.append((org.id, slot, told))
        except Exception:  # one organisation's trouble must not stop the others' checks
            db.session.rollback()
            log.exception("the scheduler tick failed for organisation %s", org.id)
    result.requeued = _requeue_stale(now)
    _close_interrupted(now)
    return result
