"""The school's tasks of district directives: who sees which, the lists, the counts.

Who: a task belongs to its recipient school. Its clerks and leaders see every task of
the school; anyone else sees the tasks of a directive whose registered incoming document
they were given a part of (lead, coordinator, informed, in person or through their unit):
the leader chose them to deal with it. Anything else, another school's task above all,
is a 404, exactly as for documents (eoffice.incoming.access). A recalled directive is
withdrawn from the school with its tasks: its copy, its tasks and their pages are gone
for the school (the incoming entry is cancelled by the recall too), so nothing is asked
of it any more; the district keeps the board of what came in.

Answering is eoffice.directives.answers; the tasks are created by the delivery
(eoffice.outgoing.delivery.deliver), one per school and request.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, false, func, or_, select
from sqlalchemy.orm import joinedload

from eoffice.core.errors import NotFound
from eoffice.core.pagination import KeysetPage, SortKey, keyset_page
from eoffice.core.timeutil import local_today
from eoffice.directives.models import ReportRequest, ReportTask, TaskState
from eoffice.extensions import db
from eoffice.incoming.models import Assignment
from eoffice.orgs.models import Role, User
from eoffice.outgoing.models import Delivery, DeliveryStatus, OutgoingDocument

TASK_ROLES = (Role.CLERK, Role.LEADER)  # see every task of their school
OPEN_STATES = (TaskState.OPEN, TaskState.RETURNED)
NOT_FOUND = "Không tìm thấy yêu cầu báo cáo này."
# The school holds its copy: not withdrawn by a recall, not refused by the school (sent
# to the wrong office). Otherwise its tasks are no longer the school's to answer.
STILL_HELD = Delivery.status.not_in((DeliveryStatus.RECALLED, DeliveryStatus.REJECTED))


def _assigned_documents(user: User):
    holder = or_(
        Assignment.user_id == user.id,
        Assignment.unit_id == user.unit_id if user.unit_id else false(),
    )
    return select(Assignment.document_id).where(holder)


def visible_filter(user: User) -> ColumnElement[bool]:
    """SQL condition on ReportTask (joined with its Delivery): the tasks `user` may see,
    those of a recalled directive excluded."""
    own = (ReportTask.recipient_org_id == user.org_id) & STILL_HELD
    if user.has_role(*TASK_ROLES):
        return own
    return own & Delivery.incoming_document_id.in_(_assigned_documents(user))


# What a row of the lists shows, loaded with the page's rows (one statement).
TASK_LOADS = (
    joinedload(ReportTask.request)
    .joinedload(ReportRequest.outgoing)
    .joinedload(OutgoingDocument.organisation),
    joinedload(ReportTask.delivery),
)

# "Cần trả lời": the earliest deadline first (ix_report_tasks_recipient_state walks it).
OPEN_ORDER = SortKey(
    "directives.tasks.open", ((ReportTask.deadline, False), (ReportTask.id, False))
)
# "Đã trả lời": the latest answer first.
ANSWERED_ORDER = SortKey(
    "directives.tasks.answered", ((ReportTask.answered_at, True), (ReportTask.id, True))
)
# tasks_for: at most this many rows (the pages and the API walk the rest with a cursor).
LIST_LIMIT = 200


def _task_query():
    return (
        select(ReportTask)
        .join(Delivery, ReportTask.delivery_id == Delivery.id)
        .options(*TASK_LOADS)
    )


def _listed(user: User, *, answered: bool) -> Select:
    """The tasks of one list `user` may see, filtered, not ordered, without loads."""
    stmt = (
        select(ReportTask)
        .join(Delivery, ReportTask.delivery_id == Delivery.id)
        .where(visible_filter(user))
    )
    if answered:
        # answered_at is set with the answer; saying so keeps a NULL out of the key.
        return stmt.where(
            ReportTask.state == TaskState.ANSWERED, ReportTask.answered_at.is_not(None)
        )
    return stmt.where(ReportTask.state.in_(OPEN_STATES))


def list_order(*, answered: bool) -> SortKey:
    return ANSWERED_ORDER if answered else OPEN_ORDER


def task_page(
    user: User, cursor: str | None, per_page: int, *, answered: bool = False
) -> KeysetPage:
    """One keyset page of the school's tasks `user` may see, with the list's capped
    count: open and returned ones (what is still to be done), earliest deadline first,
    or with `answered` the answered ones, latest answer first. A school answers every
    request it ever received, so neither list is ever loaded whole; a page costs the
    same statements whatever its rows (the request, its document and office, the
    delivery come joined)."""
    order = list_order(answered=answered)
    return keyset_page(
        _listed(user, answered=answered), order, cursor, per_page, options=TASK_LOADS
    )


def tasks_for(user: User, *, answered: bool = False, limit: int = LIST_LIMIT) -> list[ReportTask]:
    """The first `limit` tasks of task_page's list (no count): for code that wants the
    few at the top of a list, never the whole of it."""
    stmt = (
        _listed(user, answered=answered)
        .options(*TASK_LOADS)
        .order_by(*list_order(answered=answered).order_by())
        .limit(limit)
    )
    return list(db.session.scalars(stmt).unique())


def open_task_count(user: User) -> int | None:
    """How many of the school's tasks are still to answer (open or returned), for the
    menu's badge of its clerks and leaders; None for anyone else. One COUNT query."""
    if not user.has_role(*TASK_ROLES):
        return None
    return db.session.scalar(
        select(func.count(ReportTask.id))
        .select_from(ReportTask)
        .join(Delivery, ReportTask.delivery_id == Delivery.id)
        .where(
            ReportTask.recipient_org_id == user.org_id,
            ReportTask.state.in_(OPEN_STATES),
            STILL_HELD,
        )
    )


@dataclass
class TaskCard:
    """The home page's card: how many tasks are open and the most urgent few."""

    count: int
    overdue: int
    items: list[ReportTask]


def dashboard_card(user: User, limit: int = 5) -> TaskCard | None:
    """The school's open tasks for its clerks and leaders (None for anyone else).

    Two queries whatever the number of tasks, so the home page's count stays constant.
    """
    if not user.has_role(*TASK_ROLES):
        return None
    condition = [
        ReportTask.recipient_org_id == user.org_id,
        ReportTask.state.in_(OPEN_STATES),
        STILL_HELD,
    ]
    today = local_today()
    count, overdue = db.session.execute(
        select(
            func.count(ReportTask.id),
            func.count(ReportTask.id).filter(ReportTask.deadline < today),
        )
        .select_from(ReportTask)
        .join(Delivery, ReportTask.delivery_id == Delivery.id)
        .where(*condition)
    ).one()
    items = (
        list(
            db.session.scalars(
                _task_query()
                .where(*condition)
                .order_by(ReportTask.deadline, ReportTask.id)
                .limit(limit)
            ).unique()
        )
        if count
        else []
    )
    return TaskCard(count=count, overdue=overdue, items=items)


def get_task(user: User, task_id: int, *, for_update: bool = False) -> ReportTask:
    """A task the user may see; NotFound otherwise (another school's task, or one of a
    recalled directive, included).

    `for_update` locks the task's row (PostgreSQL) so two answers arriving together are
    judged one after the other.
    """
    stmt = _task_query().where(ReportTask.id == task_id, visible_filter(user))
    if for_update:
        stmt = stmt.with_for_update(of=ReportTask)
    task = db.session.scalars(stmt).first()
    if task is None:
        raise NotFound(NOT_FOUND)
    return task


def tasks_of_delivery(delivery: Delivery) -> list[ReportTask]:
    """Every task of one delivered directive (the school's page of that directive)."""
    return list(
        db.session.scalars(
            select(ReportTask)
            .join(ReportRequest, ReportTask.request_id == ReportRequest.id)
            .where(ReportTask.delivery_id == delivery.id)
            .options(joinedload(ReportTask.request))
            .order_by(ReportRequest.position)
        ).unique()
    )


def get_delivery(user: User, delivery_id: int) -> Delivery:
    """A directive delivered to the user's school that the user may see.

    Its clerks and leaders see every delivered copy; others only a copy whose
    registered document they were given a part of. NotFound otherwise.
    """
    delivery = db.session.get(Delivery, delivery_id)
    if (
        delivery is None
        or delivery.channel != "internal"
        or delivery.recipient_org_id != user.org_id
        or delivery.status == DeliveryStatus.RECALLED
    ):
        raise NotFound("Không tìm thấy văn bản gửi đến này.")
    if user.has_role(*TASK_ROLES):
        return delivery
    if delivery.incoming_document_id is not None and db.session.scalar(
        select(func.count())
        .select_from(Assignment)
        .where(
            Assignment.document_id == delivery.incoming_document_id,
            Assignment.document_id.in_(_assigned_documents(user)),
        )
    ):
        return delivery
    raise NotFound("Không tìm thấy văn bản gửi đến này.")


def delivery_for_incoming(user: User, incoming_id: int) -> Delivery:
    """The delivery an incoming document of the user's school was registered from."""
    from eoffice.incoming.access import get_visible

    doc = get_visible(user, incoming_id)  # 404 unless the user may see the document
    delivery = db.session.scalars(
        select(Delivery).where(
            Delivery.incoming_document_id == doc.id, Delivery.recipient_org_id == user.org_id
        )
    ).first()
    if delivery is None or delivery.status == DeliveryStatus.RECALLED:
        raise NotFound("Văn bản này không do một đơn vị trong hệ thống gửi đến.")
    return delivery
