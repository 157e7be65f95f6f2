"""The job outbox: a job is a row written in the same transaction as the change it
follows, pushed to RQ after the commit (decision 0021).

Redis being down when a step commits then costs a delay, never a job: the row waits,
pending, until a push succeeds (the next step's, or the scheduler's minute tick). The
row also follows its job to the end, so a job whose worker was killed is pushed again.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from eoffice.core.dbtypes import UTCDateTime
from eoffice.core.timeutil import now_utc
from eoffice.extensions import db


class OutboxState(StrEnum):
    PENDING = "pending"  # committed, not (yet) in RQ: Redis was down, or the push not done
    ENQUEUED = "enqueued"  # in RQ (queued, or scheduled for a retry)
    RUNNING = "running"  # claimed by a run of its job (eoffice.jobs.tasks.outbox_task)
    DONE = "done"  # the job returned
    FAILED = "failed"  # RQ gave up (its retries spent), or pushed too many times


class JobOutbox(db.Model):
    """One job to run: the task's dotted name, its JSON arguments and RQ options."""

    __tablename__ = "job_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    task: Mapped[str] = mapped_column(String(200))
    args: Mapped[list] = mapped_column(JSON, default=list)
    queue: Mapped[str] = mapped_column(String(20), default="default")
    # RQ options as plain JSON: {"retry": [max, [intervals]], "job_timeout": seconds}.
    options: Mapped[dict] = mapped_column(JSON, default=dict)
    state: Mapped[str] = mapped_column(String(10), default=OutboxState.PENDING)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    enqueued_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    pushes: Mapped[int] = mapped_column(default=0)  # times put into RQ (1 unless recovered)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        # The flusher and the sweeper look only at unfinished rows, the pruning only at
        # settled ones.
        Index(
            "ix_job_outbox_open",
            "state",
            "id",
            postgresql_where=text("state IN ('pending', 'enqueued', 'running')"),
            sqlite_where=text("state IN ('pending', 'enqueued', 'running')"),
        ),
        Index(
            "ix_job_outbox_settled",
            "finished_at",
            postgresql_where=text("state IN ('done', 'failed')"),
            sqlite_where=text("state IN ('done', 'failed')"),
        ),
    )

    @property
    def rq_job_id(self) -> str:
        return job_id_for(self.id)


def job_id_for(row_id: int) -> str:
    """The RQ job id of an outbox row: fixed, so a job can find its row and back."""
    return f"outbox-{row_id}"
