"""The check times' tables: each organisation's settings and one row per check.

`check_runs` is both the scheduler's log and its lock: one row per (organisation, local
day, slot time), unique, so a slot is claimed by one conditional UPDATE and runs at most
once whatever runs the tick (two scheduler processes, a retried job, a crash between the
claim and the enqueue). The same row carries the reminder's claim and the clerk's
"Đã kiểm tra", which the compliance board judges (workflows.checktimes.classify).
A clerk's "Kiểm tra ngay" is an extra row without a slot time (NULLs never collide).
"""

from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, Index, String, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eoffice.core.dbtypes import UTCDateTime
from eoffice.core.timeutil import now_utc
from eoffice.extensions import db


class CheckSettings(db.Model):
    """One organisation's check times; none means its district's, else the defaults.

    Times and weekdays are stored as text ("06:30,11:00", "0,1,2,3,4"): they are read
    whole, validated by workflows.checktimes.parse_check_times on every save, and a
    list column would not travel between SQLite and PostgreSQL.
    """

    __tablename__ = "check_settings"

    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    check_times: Mapped[str] = mapped_column(String(200))
    # Monday = 0 … Sunday = 6, as date.weekday() counts.
    working_weekdays: Mapped[str] = mapped_column(String(20), default="0,1,2,3,4")
    window_minutes: Mapped[int] = mapped_column(default=30)
    reminder_minutes: Mapped[int] = mapped_column(default=10)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    organisation = relationship("Organisation")
    updated_by = relationship("User")


class CheckTrigger(StrEnum):
    SCHEDULE = "schedule"
    CATCH_UP = "catch_up"
    MANUAL = "manual"


TRIGGER_LABELS = {
    CheckTrigger.SCHEDULE: "Theo lịch",
    CheckTrigger.CATCH_UP: "Chạy bù",
    CheckTrigger.MANUAL: "Kiểm tra ngay",
}


class RunState(StrEnum):
    """WAITING: the row exists (a reminder or a confirmation came first) but the scheduler
    has not claimed the slot; QUEUED: claimed, its job enqueued; then RUNNING → DONE or
    FAILED. Only the step WAITING → QUEUED claims, and only QUEUED → RUNNING starts a
    fetch, each as one conditional UPDATE."""

    WAITING = "waiting"
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


RUN_STATE_LABELS = {
    RunState.WAITING: "Chưa chạy",
    RunState.QUEUED: "Đang chờ chạy",
    RunState.RUNNING: "Đang nhận",
    RunState.DONE: "Đã nhận",
    RunState.FAILED: "Lỗi",
}


class CheckRun(db.Model):
    __tablename__ = "check_runs"
    __table_args__ = (
        UniqueConstraint("org_id", "day", "slot_time", name="uq_check_runs_slot"),
        Index("ix_check_runs_org_finished", "org_id", "finished_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    # The local (office) day and check time of the slot; slot_time is NULL for a manual run.
    day: Mapped[date] = mapped_column(Date)
    slot_time: Mapped[time | None] = mapped_column(Time)
    trigger: Mapped[str] = mapped_column(String(10), default=CheckTrigger.SCHEDULE)
    state: Mapped[str] = mapped_column(String(10), default=RunState.WAITING)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    documents: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(String(500))
    # Who pressed "Kiểm tra ngay" (manual runs only).
    run_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    organisation = relationship("Organisation")
    run_by = relationship("User", foreign_keys=[run_by_id])
    confirmed_by = relationship("User", foreign_keys=[confirmed_by_id])

    @property
    def trigger_label(self) -> str:
        return TRIGGER_LABELS.get(CheckTrigger(self.trigger), self.trigger)

    @property
    def state_label(self) -> str:
        return RUN_STATE_LABELS.get(RunState(self.state), self.state)
