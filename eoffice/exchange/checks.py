"""The four daily check times: settings, the run of each slot, "Đã kiểm tra", the board.

The rules (slots, catch-up, reminders, verdicts) are workflows.checktimes; this module
puts them on the database:

- *Settings*: an organisation's own row, else its district's (the parent organisation),
  else the configuration (CHECK_TIMES, Monday to Friday, 30 and 10 minutes). Working days
  are the settings' weekdays with the deployment's holidays and compensating days
  (eoffice.catalog.calendar), so a holiday the admin enters has no checks anywhere.
- *Runs*: a slot is claimed with one conditional UPDATE on its unique row
  (`claim_slot`), and a fetch starts only by another (`run_claimed`: QUEUED → RUNNING),
  so neither two schedulers nor a retried job fetch twice for one slot.
- *Confirmation*: "Đã kiểm tra" answers the slot whose period contains the moment
  (`slot_for_confirmation`); a second press changes nothing.
- *Board*: each member school and the district × each working day × each slot →
  `classify(..., now=now)`, with `monthly_summary` per school.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import and_, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from eoffice.catalog.calendar import office_calendar
from eoffice.core import audit
from eoffice.core.errors import Forbidden, NotFound, ValidationFailed
from eoffice.core.timeutil import local_tz, now_utc
from eoffice.exchange.checks_models import (
    CheckRun,
    CheckSettings,
    CheckTrigger,
    RunState,
)
from eoffice.extensions import db
from eoffice.orgs.models import Organisation, OrgKind, Role, User
from workflows.calendar import DEFAULT_WORKING_WEEKDAYS, WorkingCalendar, local_date
from workflows.checktimes import (
    DEFAULT_EARLY_MINUTES,
    CheckState,
    Slot,
    classify,
    format_check_times,
    monthly_summary,
    parse_check_times,
    slot_for_confirmation,
    slots_between,
)

log = logging.getLogger(__name__)

DEFAULT_WINDOW_MINUTES = 30
DEFAULT_REMINDER_MINUTES = 10
WINDOW_RANGE = (5, 240)
REMINDER_RANGE = (1, 60)
# How far ahead "next check" looks: a long holiday (Tết) can last more than a week.
NEXT_CHECK_HORIZON_DAYS = 31
ERROR_LENGTH = 500

WEEKDAY_LABELS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")
SOURCE_LABELS = {
    "own": "Thiết lập riêng của cơ quan",
    "district": "Theo thiết lập của Phòng Giáo dục và Đào tạo",
    "default": "Theo mặc định của hệ thống",
}

ADMINS_ONLY = "Chỉ quản trị của cơ quan được thay đổi giờ kiểm tra văn bản."
CLERKS_ONLY = "Chỉ văn thư của cơ quan được kiểm tra và xác nhận đã kiểm tra văn bản đến."
BOARD_ROLES = (Role.LEADER, Role.DEPUTY, Role.CLERK, Role.ADMIN)
BOARD_FORBIDDEN = "Bảng theo dõi giờ kiểm tra dành cho lãnh đạo, văn thư và quản trị."
NOT_FOUND_ORG = "Không tìm thấy cơ quan này trên bảng theo dõi."
OUTSIDE_SLOTS = (
    "Hiện không trong lượt kiểm tra nào (giờ kiểm tra: {times}; ngày nghỉ không có lượt "
    "kiểm tra). Không cần xác nhận lúc này."
)
HUB_DOWN = "Không kết nối được trục liên thông: {reason}"
FETCH_FAILED = "Lỗi khi nhận văn bản từ trục liên thông; đã ghi nhật ký để quản trị xem."
MONTH_FORMAT = "Tháng phải theo dạng năm-tháng, ví dụ 2026-04."


# --- Settings --------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckConfig:
    """The settings that apply to one organisation, whichever row they came from."""

    times: tuple[time, ...]
    weekdays: frozenset[int]
    window_minutes: int
    reminder_minutes: int
    source: str  # "own", "district" or "default"
    source_org: Organisation | None = None

    @property
    def times_text(self) -> str:
        return format_check_times(self.times)

    @property
    def source_label(self) -> str:
        return SOURCE_LABELS[self.source]

    @property
    def weekday_labels(self) -> list[str]:
        return [WEEKDAY_LABELS[d] for d in sorted(self.weekdays)]


def _parse_weekdays(text: str) -> frozenset[int]:
    return frozenset(int(part) for part in text.split(",") if part.strip())


def default_config() -> CheckConfig:
    times = parse_check_times(current_app.config.get("CHECK_TIMES") or ["06:30"])
    return CheckConfig(
        times, DEFAULT_WORKING_WEEKDAYS, DEFAULT_WINDOW_MINUTES, DEFAULT_REMINDER_MINUTES, "default"
    )


def _config_of_row(row: CheckSettings, source: str, org: Organisation) -> CheckConfig:
    return CheckConfig(
        times=parse_check_times(row.check_times.split(",")),
        weekdays=_parse_weekdays(row.working_weekdays),
        window_minutes=row.window_minutes,
        reminder_minutes=row.reminder_minutes,
        source=source,
        source_org=org,
    )


def _sole_district_office() -> Organisation | None:
    """The deployment's district office when there is exactly one (the usual case: a
    deployment is one Phòng GDĐT and its schools)."""
    offices = db.session.scalars(
        select(Organisation)
        .where(Organisation.is_member.is_(True), Organisation.kind == OrgKind.DISTRICT_OFFICE)
        .limit(2)
    ).all()
    return offices[0] if len(offices) == 1 else None


_ASK = object()  # district_of: look the sole district office up now


def district_of(org: Organisation, *, sole: Any = _ASK) -> Organisation | None:
    """The organisation's district: its parent, or for a member school entered without
    one, the deployment's sole district office (`sole`: already looked up, for a list)."""
    if org.parent is not None:
        return org.parent
    if org.kind == OrgKind.DISTRICT_OFFICE:
        return None
    return _sole_district_office() if sole is _ASK else sole


def _resolve(org: Organisation, district: Organisation | None, row_of) -> CheckConfig:
    row = row_of(org.id)
    if row is not None:
        return _config_of_row(row, "own", org)
    if district is not None:
        district_row = row_of(district.id)
        if district_row is not None:
            return _config_of_row(district_row, "district", district)
    return default_config()


def effective_config(org: Organisation) -> CheckConfig:
    """The organisation's own settings, else its district's, else the defaults."""
    return _resolve(org, district_of(org), lambda org_id: db.session.get(CheckSettings, org_id))


def effective_configs(orgs: Sequence[Organisation]) -> dict[int, CheckConfig]:
    """`effective_config` of many organisations in two queries, not three per school: the
    board shows a district's hundred schools."""
    sole = _sole_district_office()
    districts = {o.id: district_of(o, sole=sole) for o in orgs}
    ids = {o.id for o in orgs} | {d.id for d in districts.values() if d is not None}
    rows = {
        row.org_id: row
        for row in db.session.scalars(select(CheckSettings).where(CheckSettings.org_id.in_(ids)))
    }
    return {o.id: _resolve(o, districts[o.id], rows.get) for o in orgs}


def calendar_for(config: CheckConfig, base: WorkingCalendar | None = None) -> WorkingCalendar:
    """The settings' weekdays with the deployment's holidays and compensating days."""
    base = base or office_calendar()
    return WorkingCalendar(
        working_weekdays=config.weekdays,
        holidays=base.holidays,
        extra_working_days=base.extra_working_days,
    )


@dataclass(frozen=True)
class SettingsInput:
    """What the admin typed: times as text ("06:30, 11:00"), weekdays as numbers 0–6."""

    check_times: str
    weekdays: Sequence[int]
    window_minutes: int | None
    reminder_minutes: int | None


@dataclass(frozen=True)
class SettingsView:
    org: Organisation
    config: CheckConfig
    row: CheckSettings | None
    inherited: CheckConfig | None  # what applies when the own row is removed


def _require(actor: User, role: Role, refusal: str) -> Organisation:
    """The actor's organisation, when the actor holds `role` there."""
    if not actor.has_role(role):
        raise Forbidden(refusal)
    return actor.organisation


def settings_of(actor: User) -> SettingsView:
    org = _require(actor, Role.ADMIN, ADMINS_ONLY)
    row = db.session.get(CheckSettings, org.id)
    inherited = None
    if row is not None:
        parent = district_of(org)
        parent_row = db.session.get(CheckSettings, parent.id) if parent else None
        inherited = (
            _config_of_row(parent_row, "district", parent)
            if parent_row is not None and parent is not None
            else default_config()
        )
    return SettingsView(org, effective_config(org), row, inherited)


def _bounded(value: int | None, name: str, label: str, bounds: tuple[int, int]) -> str | None:
    low, high = bounds
    if value is None:
        return f"Vui lòng nhập {label}."
    if not low <= value <= high:
        return f"{label[0].upper()}{label[1:]} phải từ {low} đến {high} phút."
    return None


def validate_settings(data: SettingsInput) -> tuple[tuple[time, ...], frozenset[int]]:
    """Every rule of the settings form, in Vietnamese, per field."""
    errors: dict[str, str] = {}
    times: tuple[time, ...] = ()
    raw = [part for part in data.check_times.replace(";", ",").split(",") if part.strip()]
    try:
        times = parse_check_times(raw)
    except ValueError as exc:
        errors["check_times"] = str(exc)
    weekdays = frozenset(data.weekdays)
    if not weekdays:
        errors["weekdays"] = "Phải chọn ít nhất một ngày làm việc trong tuần."
    elif not all(isinstance(d, int) and 0 <= d <= 6 for d in weekdays):
        errors["weekdays"] = "Ngày làm việc trong tuần không hợp lệ."
    for name, label, bounds, value in (
        ("window_minutes", "thời hạn xác nhận đúng giờ", WINDOW_RANGE, data.window_minutes),
        ("reminder_minutes", "số phút nhắc trước", REMINDER_RANGE, data.reminder_minutes),
    ):
        problem = _bounded(value, name, label, bounds)
        if problem:
            errors[name] = problem
    if errors:
        raise ValidationFailed(next(iter(errors.values())), field_errors=errors)
    return times, weekdays


def save_settings(actor: User, data: SettingsInput) -> CheckSettings:
    """Store the admin's own organisation's check times (for the district: the default
    of every school without settings of its own), audited field by field."""
    org = _require(actor, Role.ADMIN, ADMINS_ONLY)
    times, weekdays = validate_settings(data)
    row = db.session.get(CheckSettings, org.id)
    before = (
        {
            "check_times": row.check_times,
            "working_weekdays": row.working_weekdays,
            "window_minutes": row.window_minutes,
            "reminder_minutes": row.reminder_minutes,
        }
        if row is not None
        else {}
    )
    if row is None:
        row = CheckSettings(org_id=org.id)
        db.session.add(row)
    after = {
        "check_times": ",".join(t.strftime("%H:%M") for t in times),
        "working_weekdays": ",".join(str(d) for d in sorted(weekdays)),
        "window_minutes": data.window_minutes,
        "reminder_minutes": data.reminder_minutes,
    }
    for name, value in after.items():
        setattr(row, name, value)
    row.updated_at = now_utc()
    row.updated_by_id = actor.id
    audit.record(
        actor_id=actor.id,
        org_id=org.id,
        subject_type="check_settings",
        subject_id=org.id,
        action="create" if not before else "update",
        changes={k: [before.get(k), v] for k, v in after.items() if before.get(k) != v},
    )
    db.session.commit()
    return row


def reset_settings(actor: User) -> None:
    """Drop the own settings: the district's (or the defaults) apply again."""
    org = _require(actor, Role.ADMIN, ADMINS_ONLY)
    row = db.session.get(CheckSettings, org.id)
    if row is None:
        return
    audit.record(
        actor_id=actor.id,
        org_id=org.id,
        subject_type="check_settings",
        subject_id=org.id,
        action="delete",
        changes={"check_times": [row.check_times, None]},
    )
    db.session.delete(row)
    db.session.commit()


# --- Claiming and running slots --------------------------------------------------------


def _slot_filter(org_id: int, slot: Slot):
    return and_(CheckRun.org_id == org_id, CheckRun.day == slot.day, CheckRun.slot_time == slot.at)


def _ensure_row(org_id: int, slot: Slot) -> None:
    """Insert the slot's row unless it exists (INSERT … ON CONFLICT DO NOTHING)."""
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    db.session.execute(
        dialect.insert(CheckRun)
        .values(
            org_id=org_id,
            day=slot.day,
            slot_time=slot.at,
            trigger=CheckTrigger.SCHEDULE.value,
            state=RunState.WAITING.value,
            created_at=now_utc(),
            documents=0,
        )
        .on_conflict_do_nothing(index_elements=["org_id", "day", "slot_time"])
    )


def claim_slot(org_id: int, slot: Slot, trigger: CheckTrigger) -> bool:
    """True for the one caller that takes the slot; every other claim, ever, is False."""
    _ensure_row(org_id, slot)
    result = db.session.execute(
        update(CheckRun)
        .where(_slot_filter(org_id, slot), CheckRun.state == RunState.WAITING.value)
        .values(state=RunState.QUEUED.value, trigger=trigger.value, claimed_at=now_utc())
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1


def claim_reminder(org_id: int, slot: Slot) -> bool:
    """True once per slot: the ticks inside the reminder window remind once."""
    _ensure_row(org_id, slot)
    result = db.session.execute(
        update(CheckRun)
        .where(_slot_filter(org_id, slot), CheckRun.reminded_at.is_(None))
        .values(reminded_at=now_utc())
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1


def last_claimed_slot(org_id: int) -> Slot | None:
    """The latest slot the scheduler took for this organisation (`last_done` of due_slots)."""
    row = db.session.execute(
        select(CheckRun.day, CheckRun.slot_time)
        .where(
            CheckRun.org_id == org_id,
            CheckRun.slot_time.is_not(None),
            CheckRun.state != RunState.WAITING.value,
        )
        .order_by(CheckRun.day.desc(), CheckRun.slot_time.desc())
        .limit(1)
    ).first()
    return Slot(row.day, row.slot_time) if row else None


def slot_row(org_id: int, slot: Slot) -> CheckRun | None:
    return db.session.scalars(select(CheckRun).where(_slot_filter(org_id, slot))).first()


@dataclass(frozen=True)
class FetchCounts:
    documents: int = 0
    statuses: int = 0
    recalls: int = 0
    refused: int = 0
    configured: bool = True
    error: str | None = None


def _fetch(org: Organisation) -> FetchCounts:
    """Fetch the organisation's pending packets; an exchange that is off brings nothing.

    Clerks also check paper mail and e-mail, so a check of an organisation without the
    exchange still runs and is recorded, with no new document.
    """
    from eoffice.exchange.settings import client_for

    if client_for(org) is None:
        return FetchCounts(configured=False)
    from eoffice.exchange.client import HubUnavailable
    from eoffice.exchange.receiving import fetch

    try:
        result = fetch(org)
    except HubUnavailable as exc:
        db.session.rollback()
        reason = getattr(exc, "message", None) or str(exc)
        return FetchCounts(error=HUB_DOWN.format(reason=reason)[:ERROR_LENGTH])
    return FetchCounts(
        documents=int(getattr(result, "documents", 0) or 0),
        statuses=int(getattr(result, "statuses", 0) or 0),
        recalls=int(getattr(result, "recalls", 0) or 0),
        refused=int(getattr(result, "refused", 0) or 0),
    )


def _finish(run_id: int, counts: FetchCounts) -> None:
    db.session.execute(
        update(CheckRun)
        .where(CheckRun.id == run_id)
        .values(
            state=RunState.FAILED.value if counts.error else RunState.DONE.value,
            finished_at=now_utc(),
            documents=counts.documents,
            error=counts.error,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def _fetch_and_finish(org: Organisation, run_id: int) -> FetchCounts:
    try:
        counts = _fetch(org)
    except Exception:
        db.session.rollback()
        log.exception("the check of organisation %s failed", org.id)
        counts = FetchCounts(error=FETCH_FAILED)
    _finish(run_id, counts)
    return counts


def run_claimed(org_id: int, slot: Slot) -> CheckRun | None:
    """Run a claimed slot's fetch, once: only the QUEUED → RUNNING step starts it.

    The job of a slot calls this; a retried or duplicated job finds the row already
    RUNNING, DONE or FAILED and does nothing.
    """
    result = db.session.execute(
        update(CheckRun)
        .where(_slot_filter(org_id, slot), CheckRun.state == RunState.QUEUED.value)
        .values(state=RunState.RUNNING.value, started_at=now_utc())
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    if result.rowcount != 1:
        return None
    row = slot_row(org_id, slot)
    org = db.session.get(Organisation, org_id)
    assert row is not None and org is not None
    _fetch_and_finish(org, row.id)
    db.session.refresh(row)
    return row


def run_slot(org: Organisation, slot: Slot, trigger: CheckTrigger) -> CheckRun | None:
    """Claim the slot and run it here; None when someone else has claimed it already."""
    if not claim_slot(org.id, slot, trigger):
        return None
    return run_claimed(org.id, slot)


@dataclass(frozen=True)
class CheckNowResult:
    run: CheckRun
    counts: FetchCounts

    @property
    def message(self) -> str:
        c = self.counts
        if c.error:
            return c.error
        parts = [f"{c.documents} văn bản mới"]
        if c.statuses:
            parts.append(f"{c.statuses} thông báo trạng thái")
        if c.recalls:
            parts.append(f"{c.recalls} yêu cầu thu hồi")
        text = "Đã kiểm tra văn bản đến: " + ", ".join(parts) + "."
        if not c.configured:
            text += (
                " Cơ quan chưa bật liên thông văn bản; hãy kiểm tra cả văn bản giấy và thư điện tử."
            )
        return text


def check_now(actor: User) -> CheckNowResult:
    """A clerk's "Kiểm tra ngay": fetch now and record it as a manual run (no slot)."""
    org = _require(actor, Role.CLERK, CLERKS_ONLY)
    moment = now_utc()
    run = CheckRun(
        org_id=org.id,
        day=local_date(moment, local_tz()),
        slot_time=None,
        trigger=CheckTrigger.MANUAL.value,
        state=RunState.RUNNING.value,
        created_at=moment,
        claimed_at=moment,
        started_at=moment,
        run_by_id=actor.id,
    )
    db.session.add(run)
    audit.record(
        actor_id=actor.id,
        org_id=org.id,
        subject_type="check_run",
        subject_id=None,
        action="check_now",
    )
    db.session.commit()
    counts = _fetch_and_finish(org, run.id)
    db.session.refresh(run)
    return CheckNowResult(run, counts)


# --- Confirmation ----------------------------------------------------------------------


@dataclass(frozen=True)
class Confirmation:
    slot: Slot
    run: CheckRun
    new: bool  # False when the slot had already been confirmed
    state: CheckState


@dataclass(frozen=True)
class _Clock:
    """An organisation's check times at this moment: the slot a "Đã kiểm tra" now would
    answer (None outside every period), and how a confirmation of it is judged."""

    config: CheckConfig
    calendar: WorkingCalendar
    tz: Any
    moment: datetime
    slot: Slot | None

    def state_of(self, slot: Slot, confirmed_at: datetime | None) -> CheckState:
        return classify(
            slot,
            confirmed_at,
            self.config.window_minutes,
            times=self.config.times,
            early_minutes=DEFAULT_EARLY_MINUTES,
            tz=self.tz,
            now=self.moment,
        )


def _clock_for(org: Organisation) -> _Clock:
    config = effective_config(org)
    calendar = calendar_for(config)
    tz = local_tz()
    moment = now_utc()
    slot = slot_for_confirmation(
        moment, config.times, calendar, tz, early_minutes=DEFAULT_EARLY_MINUTES
    )
    return _Clock(config, calendar, tz, moment, slot)


def confirm(actor: User) -> Confirmation:
    """A clerk's "Đã kiểm tra": answers the slot whose period contains this moment, once."""
    org = _require(actor, Role.CLERK, CLERKS_ONLY)
    clock = _clock_for(org)
    config, moment, slot = clock.config, clock.moment, clock.slot
    if slot is None:
        raise ValidationFailed(OUTSIDE_SLOTS.format(times=config.times_text))
    _ensure_row(org.id, slot)
    result = db.session.execute(
        update(CheckRun)
        .where(_slot_filter(org.id, slot), CheckRun.confirmed_at.is_(None))
        .values(confirmed_at=moment, confirmed_by_id=actor.id)
        .execution_options(synchronize_session=False)
    )
    new = result.rowcount == 1
    row = slot_row(org.id, slot)
    assert row is not None
    if new:
        audit.record(
            actor_id=actor.id,
            org_id=org.id,
            subject_type="check_run",
            subject_id=row.id,
            action="confirmed",
            changes={"slot": slot.key},
        )
    db.session.commit()
    db.session.refresh(row)
    confirmed_at = _aware(row.confirmed_at)
    state = clock.state_of(slot, confirmed_at)
    return Confirmation(slot, row, new, state)


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


# --- The check bar (exchange inbox, clerk's home) ---------------------------------------


@dataclass(frozen=True)
class CheckBar:
    org: Organisation
    config: CheckConfig
    last_run: CheckRun | None
    next_slot: Slot | None
    current_slot: Slot | None
    current_state: CheckState | None
    confirmed_at: datetime | None
    can_act: bool

    @property
    def next_at(self) -> datetime | None:
        return self.next_slot.instant(local_tz()) if self.next_slot else None


def next_slot(config: CheckConfig, calendar: WorkingCalendar, moment: datetime) -> Slot | None:
    later = slots_between(
        moment,
        moment + timedelta(days=NEXT_CHECK_HORIZON_DAYS),
        config.times,
        calendar,
        local_tz(),
    )
    return later[0] if later else None


def last_run(org_id: int) -> CheckRun | None:
    return db.session.scalars(
        select(CheckRun)
        .where(CheckRun.org_id == org_id, CheckRun.finished_at.is_not(None))
        .order_by(CheckRun.finished_at.desc(), CheckRun.id.desc())
        .limit(1)
    ).first()


def check_bar(user: User) -> CheckBar:
    org = user.organisation
    clock = _clock_for(org)
    config, calendar, moment, current = clock.config, clock.calendar, clock.moment, clock.slot
    confirmed_at = None
    state = None
    if current is not None:
        row = slot_row(org.id, current)
        confirmed_at = _aware(row.confirmed_at) if row else None
        state = clock.state_of(current, confirmed_at)
    return CheckBar(
        org=org,
        config=config,
        last_run=last_run(org.id),
        next_slot=next_slot(config, calendar, moment),
        current_slot=current,
        current_state=state,
        confirmed_at=confirmed_at,
        can_act=user.has_role(Role.CLERK),
    )


# --- The compliance board --------------------------------------------------------------


def parse_month(text: str | None, today: date | None = None) -> date:
    """ "2026-04" → 1 April 2026; empty → the current month (office time)."""
    if not text:
        today = today or local_date(now_utc(), local_tz())
        return today.replace(day=1)
    try:
        year_text, month_text = text.strip().split("-")
        month = date(int(year_text), int(month_text), 1)
    except ValueError:
        raise ValidationFailed(MONTH_FORMAT, field_errors={"month": MONTH_FORMAT}) from None
    if not 2000 <= month.year <= 2100:
        raise ValidationFailed(MONTH_FORMAT, field_errors={"month": MONTH_FORMAT})
    return month


def _next_month(month: date) -> date:
    return date(month.year + (month.month == 12), month.month % 12 + 1, 1)


def can_see_board(user: User) -> bool:
    return user.has_role(*BOARD_ROLES)


def _is_district(org: Organisation) -> bool:
    return org.kind == OrgKind.DISTRICT_OFFICE


def board_organisations(viewer: User) -> list[Organisation]:
    """The district itself then its member schools for the district's people; a school's
    own row for a school. A member school without a parent belongs to the district
    `district_of` finds for it."""
    if not can_see_board(viewer):
        raise Forbidden(BOARD_FORBIDDEN)
    org = viewer.organisation
    if not _is_district(org):
        return [org]
    candidates = db.session.scalars(
        select(Organisation)
        .where(
            Organisation.is_member.is_(True),
            Organisation.is_active.is_(True),
            Organisation.id != org.id,
            Organisation.kind != OrgKind.DISTRICT_OFFICE,
            or_(Organisation.parent_id == org.id, Organisation.parent_id.is_(None)),
        )
        .order_by(Organisation.kind, Organisation.name)
    )
    sole = _sole_district_office()
    schools = [s for s in candidates if s.parent_id == org.id or district_of(s, sole=sole) == org]
    return [org, *schools]


@dataclass
class Cell:
    slot: Slot
    state: CheckState
    run: CheckRun | None

    @property
    def label(self) -> str:
        return self.state.label


@dataclass
class OrgMonth:
    org: Organisation
    config: CheckConfig
    days: dict[date, list[Cell]]
    counts: dict[CheckState, int]

    @property
    def decided(self) -> int:
        return sum(self.counts[s] for s in (CheckState.ON_TIME, CheckState.LATE, CheckState.MISSED))

    def percent(self, state: CheckState) -> float:
        return round(100 * self.counts[state] / self.decided, 1) if self.decided else 0.0

    @property
    def on_time_percent(self) -> float:
        return self.percent(CheckState.ON_TIME)


@dataclass
class Board:
    month: date
    rows: list[OrgMonth]
    days: list[date]
    now: datetime
    generated_for: Organisation
    totals: dict[CheckState, int] = field(default_factory=dict)

    @property
    def previous_month(self) -> date:
        return (self.month - timedelta(days=1)).replace(day=1)

    @property
    def next_month(self) -> date:
        return _next_month(self.month)


def _month_bounds(month: date) -> tuple[datetime, datetime]:
    tz = local_tz()
    start = datetime.combine(month, time(0), tzinfo=tz).astimezone(UTC)
    end = datetime.combine(_next_month(month), time(0), tzinfo=tz).astimezone(UTC)
    # slots_between is (start, end]: a slot at local midnight on the 1st is in the month.
    return start - timedelta(microseconds=1), end - timedelta(microseconds=1)


def _org_month(
    org: Organisation,
    month: date,
    base: WorkingCalendar,
    rows: dict[tuple[date, time], CheckRun],
    moment: datetime,
    config: CheckConfig,
) -> OrgMonth:
    tz = local_tz()
    calendar = calendar_for(config, base)
    start, end = _month_bounds(month)
    days: dict[date, list[Cell]] = {}
    records: list[tuple[Slot, CheckState]] = []
    for slot in slots_between(start, end, config.times, calendar, tz):
        run = rows.get((slot.day, slot.at))
        confirmed = _aware(run.confirmed_at) if run else None
        try:
            state = classify(
                slot,
                confirmed,
                config.window_minutes,
                times=config.times,
                early_minutes=DEFAULT_EARLY_MINUTES,
                tz=tz,
                now=moment,
            )
        except ValueError:
            # Confirmed before this slot opened: the times were changed since; that
            # confirmation answered another slot, not this one.
            state = CheckState.MISSED
        days.setdefault(slot.day, []).append(Cell(slot, state, run))
        records.append((slot, state))
    summary = monthly_summary(records).get((month.year, month.month))
    return OrgMonth(org, config, days, summary or dict.fromkeys(CheckState, 0))


def _runs_of(org_ids: Iterable[int], month: date) -> dict[int, dict[tuple[date, time], CheckRun]]:
    found: dict[int, dict[tuple[date, time], CheckRun]] = {}
    for run in db.session.scalars(
        select(CheckRun).where(
            CheckRun.org_id.in_(list(org_ids)),
            CheckRun.day >= month,
            CheckRun.day < _next_month(month),
            CheckRun.slot_time.is_not(None),
        )
    ):
        assert run.slot_time is not None
        found.setdefault(run.org_id, {})[(run.day, run.slot_time)] = run
    return found


def compliance(viewer: User, month: date, *, now: datetime | None = None) -> Board:
    """The board of one month: every organisation the viewer may see × day × slot."""
    orgs = board_organisations(viewer)
    moment = now or now_utc()
    base = office_calendar()
    runs = _runs_of([o.id for o in orgs], month)
    configs = effective_configs(orgs)
    rows = [_org_month(o, month, base, runs.get(o.id, {}), moment, configs[o.id]) for o in orgs]
    days = sorted({d for row in rows for d in row.days})
    totals = dict.fromkeys(CheckState, 0)
    for row in rows:
        for state, count in row.counts.items():
            totals[state] += count
    return Board(month, rows, days, moment, viewer.organisation, totals)


def org_detail(viewer: User, org_id: int, month: date, *, now: datetime | None = None) -> OrgMonth:
    """One organisation's month, slot by slot, with what each run brought."""
    orgs = {o.id: o for o in board_organisations(viewer)}
    org = orgs.get(org_id)
    if org is None:
        raise NotFound(NOT_FOUND_ORG)
    moment = now or now_utc()
    runs = _runs_of([org.id], month)
    config = effective_config(org)
    return _org_month(org, month, office_calendar(), runs.get(org.id, {}), moment, config)


def manual_runs(viewer: User, org_id: int, month: date) -> list[CheckRun]:
    org_detail_orgs = {o.id for o in board_organisations(viewer)}
    if org_id not in org_detail_orgs:
        raise NotFound(NOT_FOUND_ORG)
    return list(
        db.session.scalars(
            select(CheckRun)
            .where(
                CheckRun.org_id == org_id,
                CheckRun.slot_time.is_(None),
                CheckRun.day >= month,
                CheckRun.day < _next_month(month),
            )
            .order_by(CheckRun.created_at)
        )
    )


def chart_rows(board: Board) -> list[dict[str, Any]]:
    """Bar widths (percent of the decided slots) per organisation for the SVG chart."""
    out = []
    for row in board.rows:
        out.append(
            {
                "name": row.org.short_name or row.org.name,
                "on_time": row.percent(CheckState.ON_TIME),
                "late": row.percent(CheckState.LATE),
                "missed": row.percent(CheckState.MISSED),
                "decided": row.decided,
            }
        )
    return out
