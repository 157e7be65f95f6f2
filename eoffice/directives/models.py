"""District directives: recipient groups, report requests and each school's task.

A directive is an outgoing document (eoffice.outgoing) sent to many schools; what this
package adds is who it goes to (groups), what it asks back (report requests) and, per
recipient school, the task of answering each request, with its own deadline (the
district may extend it for one school) and its answer. Reading and acknowledging a
directive are recorded on the school's delivery row (eoffice.outgoing.models.Delivery).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
    Date,
    ForeignKey,
    Index,
    Numeric,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eoffice.core.dbtypes import UTCDateTime
from eoffice.core.timeutil import now_utc
from eoffice.extensions import db


class RecipientGroup(db.Model):
    """A custom group of member organisations an admin of `org_id` defines ("Cụm 1",
    "Trường chuẩn quốc gia"). The built-in groups (all schools, by level, by ward) are
    computed from the organisations, never stored, so they cannot go stale."""

    __tablename__ = "recipient_groups"
    __table_args__ = (UniqueConstraint("org_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(150))
    description: Mapped[str | None] = mapped_column(String(500))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    members: Mapped[list[RecipientGroupMember]] = relationship(
        back_populates="group", cascade="all, delete-orphan"
    )


class RecipientGroupMember(db.Model):
    __tablename__ = "recipient_group_members"

    group_id: Mapped[int] = mapped_column(
        ForeignKey("recipient_groups.id", ondelete="CASCADE"), primary_key=True
    )
    member_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), primary_key=True)

    group: Mapped[RecipientGroup] = relationship(back_populates="members")
    member = relationship("Organisation")


class AnswerForm(StrEnum):
    """What a school hands in for a request."""

    DOCUMENT = "document"  # a reply document (văn bản trả lời), issued by the school
    FILE = "file"  # an uploaded file (a spreadsheet, a plan…)
    FIGURE = "figure"  # a short figure (số liệu)
    TEXT = "text"  # a short text


ANSWER_FORM_LABELS = {
    AnswerForm.DOCUMENT: "Văn bản trả lời",
    AnswerForm.FILE: "Tệp đính kèm",
    AnswerForm.FIGURE: "Số liệu",
    AnswerForm.TEXT: "Nội dung ngắn",
}


class ReportRequest(db.Model):
    """One thing an outgoing document asks its recipient schools for, by a date
    ("Trước 04/10/2026: gửi kế hoạch của đơn vị"). Drafted with the document; frozen when
    it is issued, except the deadline, which the district may extend for everyone."""

    __tablename__ = "report_requests"
    __table_args__ = (UniqueConstraint("outgoing_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    outgoing_id: Mapped[int] = mapped_column(ForeignKey("outgoing_documents.id"), index=True)
    position: Mapped[int] = mapped_column(default=1)
    what: Mapped[str] = mapped_column(String(1000))
    deadline: Mapped[date] = mapped_column(Date)
    answer_form: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    outgoing = relationship("OutgoingDocument")
    tasks: Mapped[list[ReportTask]] = relationship(back_populates="request")

    @property
    def answer_form_label(self) -> str:
        return ANSWER_FORM_LABELS.get(AnswerForm(self.answer_form), self.answer_form)


class TaskState(StrEnum):
    OPEN = "open"  # not answered yet (on time or late is judged against `deadline`)
    ANSWERED = "answered"
    RETURNED = "returned"  # sent back to the school for correction, with a comment


TASK_STATE_LABELS = {
    TaskState.OPEN: "Chưa trả lời",
    TaskState.ANSWERED: "Đã trả lời",
    TaskState.RETURNED: "Trả lại để bổ sung",
}


class ReportTask(db.Model):
    """One school's part of one request: its deadline, its answer, and whether late.

    Created for every member recipient when the document is delivered, in the same bulk
    insert as the deliveries. `deadline` starts as the request's and moves only for this
    school when the district extends it for this school. `late` is fixed when the answer
    comes in (answered after the deadline in force then), so a later extension does not
    rewrite what happened.
    """

    __tablename__ = "report_tasks"
    __table_args__ = (
        UniqueConstraint("request_id", "recipient_org_id"),
        Index("ix_report_tasks_recipient_state", "recipient_org_id", "state", "deadline"),
        # The scheduler's reminders look for open tasks around a date, across offices.
        Index("ix_report_tasks_state_deadline", "state", "deadline"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("report_requests.id"), index=True)
    recipient_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    delivery_id: Mapped[int | None] = mapped_column(ForeignKey("deliveries.id"), index=True)
    deadline: Mapped[date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(10), default=TaskState.OPEN)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    late: Mapped[bool] = mapped_column(default=False)
    answer_text: Mapped[str | None] = mapped_column(String(2000))
    answer_figure: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    answer_file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id"))
    answer_file_name: Mapped[str | None] = mapped_column(String(255))
    answer_outgoing_id: Mapped[int | None] = mapped_column(ForeignKey("outgoing_documents.id"))
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    return_comment: Mapped[str | None] = mapped_column(String(1000))
    last_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminders_sent: Mapped[int] = mapped_column(default=0)

    request: Mapped[ReportRequest] = relationship(back_populates="tasks")
    recipient = relationship("Organisation")
    delivery = relationship("Delivery")
    answered_by = relationship("User")
    answer_file = relationship("StoredFile")
    answer_outgoing = relationship("OutgoingDocument")

    @property
    def state_label(self) -> str:
        return TASK_STATE_LABELS.get(TaskState(self.state), self.state)
