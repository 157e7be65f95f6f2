"""The tracking board of one dispatched directive: one row per recipient school.

What the district wants to see at a glance, per school: the copy delivered (and when),
registered (03), read (the first time one of the school's users opened it), assigned
(04 and beyond), acknowledged with its note, and for each report request whether the
answer came on time, late, is missing (deadline passed, no answer), still open (not yet
due) or was returned for correction.

The board is read with a constant number of queries whatever the number of schools
(the document, its requests, the deliveries with their schools, the tasks, the first
03/04 events): each a bulk load by the document's or the requests' ids, served by the
indexes on `deliveries.outgoing_id`, `report_tasks (request_id, recipient_org_id)` and
`delivery_events.delivery_id`. Filtering, sorting and the header counts are done in
Python on those rows: a district has at most a few thousand schools, and every column
filter must count against the same rows the header shows.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import func, select

from eoffice.core.errors import NotFound
from eoffice.core.text import vn_fold
from eoffice.core.timeutil import local_today
from eoffice.directives.models import ReportRequest, ReportTask, TaskState
from eoffice.extensions import db
from eoffice.orgs.models import ORG_KIND_LABELS, Organisation, OrgKind, Role, User
from eoffice.outgoing.involvement import can_sign, get_visible
from eoffice.outgoing.models import Delivery, DeliveryEvent, DeliveryStatus, OutgoingDocument
from workflows import outgoing as outgoing_flow

# Who of the issuing office follows a directive's answers (besides its drafter and signer).
BOARD_ROLES = (Role.CLERK, Role.LEADER, Role.DEPUTY)
# Who may change what a school owes: extend a deadline, return an answer.
MANAGING_ROLES = (Role.LEADER, Role.DEPUTY)

_PAST_REGISTRATION = (
    DeliveryStatus.ASSIGNED,
    DeliveryStatus.IN_PROGRESS,
    DeliveryStatus.COMPLETED,
)
_REGISTERED_OR_LATER = (DeliveryStatus.REGISTERED, *_PAST_REGISTRATION)


class AnswerStatus(StrEnum):
    """One school's standing on one request, as the board colours it."""

    ON_TIME = "on_time"
    LATE = "late"
    MISSING = "missing"  # the deadline has passed and nothing came
    OPEN = "open"  # not answered yet, not yet due
    RETURNED = "returned"  # sent back for correction, waiting for the school again


ANSWER_STATUS_LABELS = {
    AnswerStatus.ON_TIME: "Đúng hạn",
    AnswerStatus.LATE: "Trễ hạn",
    AnswerStatus.MISSING: "Chưa nộp (quá hạn)",
    AnswerStatus.OPEN: "Chưa đến hạn",
    AnswerStatus.RETURNED: "Trả lại để bổ sung",
}
# Bootstrap colour of each status's badge.
ANSWER_STATUS_COLOURS = {
    AnswerStatus.ON_TIME: "success",
    AnswerStatus.LATE: "warning",
    AnswerStatus.MISSING: "danger",
    AnswerStatus.OPEN: "secondary",
    AnswerStatus.RETURNED: "info",
}
UNANSWERED = frozenset({AnswerStatus.MISSING, AnswerStatus.OPEN, AnswerStatus.RETURNED})

# Filters of the delivery columns (the `status` filter) and of the answers (`answer`).
DELIVERY_FILTERS = {
    "rejected": "Từ chối tiếp nhận",
    "not_registered": "Chưa vào sổ",
    "registered": "Đã vào sổ",
    "unread": "Chưa đọc",
    "read": "Đã đọc",
    "assigned": "Đã phân công",
    "acknowledged": "Đã xác nhận triển khai",
    "not_acknowledged": "Chưa xác nhận",
}
ANSWER_FILTERS = {
    "answered": "Đã trả lời",
    "unanswered": "Chưa trả lời",
    **{status.value: label for status, label in ANSWER_STATUS_LABELS.items()},
}
SORTS = {"name": "Tên trường", "deadline": "Hạn trả lời", "answered_at": "Thời điểm trả lời"}
SCHOOL_KINDS = (OrgKind.KINDERGARTEN, OrgKind.PRIMARY, OrgKind.LOWER_SECONDARY)


def classify(state: str, late: bool, deadline: date, today: date) -> AnswerStatus:
    """The status of one task on `today` (office date): the one rule every view uses."""
    if state == TaskState.ANSWERED:
        return AnswerStatus.LATE if late else AnswerStatus.ON_TIME
    if state == TaskState.RETURNED:
        return AnswerStatus.RETURNED
    return AnswerStatus.MISSING if today > deadline else AnswerStatus.OPEN


@dataclass(frozen=True)
class TaskCell:
    """One school's task for one request, as the board shows it."""

    task_id: int
    request_id: int
    deadline: date
    status: AnswerStatus
    answered_at: datetime | None
    returned_at: datetime | None
    return_comment: str | None
    reminders_sent: int
    last_reminded_at: datetime | None
    answer_text: str | None
    answer_figure: Decimal | None
    answer_file_name: str | None
    has_file: bool
    answer_outgoing_id: int | None

    @property
    def label(self) -> str:
        return ANSWER_STATUS_LABELS[self.status]

    @property
    def colour(self) -> str:
        return ANSWER_STATUS_COLOURS[self.status]

    @property
    def answered(self) -> bool:
        return self.status in (AnswerStatus.ON_TIME, AnswerStatus.LATE)


@dataclass
class BoardRow:
    """One recipient school and what became of the directive there."""

    org_id: int
    name: str
    name_folded: str
    kind: str
    ward: str | None
    delivery_id: int
    delivery_status: str
    delivered_at: datetime | None
    rejected_reason: str | None
    incoming_document_id: int | None
    registered_at: datetime | None
    assigned_at: datetime | None
    first_read_at: datetime | None
    acknowledged_at: datetime | None
    acknowledgement_note: str | None
    cells: list[TaskCell | None] = field(default_factory=list)

    @property
    def kind_label(self) -> str:
        return ORG_KIND_LABELS.get(OrgKind(self.kind), self.kind) if self.kind else ""

    @property
    def rejected(self) -> bool:
        return self.delivery_status == DeliveryStatus.REJECTED

    @property
    def registered(self) -> bool:
        return self.delivery_status in _REGISTERED_OR_LATER

    @property
    def assigned(self) -> bool:
        return self.delivery_status in _PAST_REGISTRATION

    @property
    def read(self) -> bool:
        return self.first_read_at is not None

    @property
    def acknowledged(self) -> bool:
        return self.acknowledged_at is not None

    def cell_for(self, request_id: int | None) -> list[TaskCell]:
        return [c for c in self.cells if c is not None and request_id in (None, c.request_id)]


@dataclass(frozen=True)
class BoardFilters:
    """What the user narrowed the board to; every value optional."""

    status: str | None = None  # a key of DELIVERY_FILTERS
    answer: str | None = None  # a key of ANSWER_FILTERS
    request_id: int | None = None  # the request the answer filter and sorting look at
    level: str | None = None  # an OrgKind value
    ward: str | None = None
    text: str | None = None
    sort: str = "name"
    descending: bool = False

    @property
    def active(self) -> bool:
        return any((self.status, self.answer, self.level, self.ward, self.text))


@dataclass
class Board:
    doc: OutgoingDocument
    requests: list[ReportRequest]
    rows: list[BoardRow]  # filtered and sorted
    total: int  # schools on the board before filtering
    counts: dict[str, int]  # the delivery columns, over all schools
    answer_counts: dict[int, Counter[AnswerStatus]]  # per request, over all schools
    wards: list[str]
    levels: list[tuple[str, str]]
    filters: BoardFilters
    today: date
    can_manage: bool

    @property
    def open(self) -> bool:
        """Whether the directive still asks the schools anything: a recalled one was
        withdrawn from them (eoffice.directives.tasklists), so the board only shows what
        came in, without reminders, extensions or returns."""
        return self.doc.state == outgoing_flow.ISSUED


# Access --------------------------------------------------------------------------------


def may_follow(user: User, doc: OutgoingDocument) -> bool:
    """The drafter, the signer, and the clerks and leaders of the issuing office."""
    if user.org_id != doc.org_id:
        return False
    return (
        doc.drafter_id == user.id
        or doc.signer_id == user.id
        or user.has_role(*BOARD_ROLES)
        or can_sign(user, doc)
    )


def may_manage(user: User, doc: OutgoingDocument) -> bool:
    """Extending deadlines and returning answers: the drafter, signer and leaders."""
    if user.org_id != doc.org_id:
        return False
    return doc.drafter_id == user.id or doc.signer_id == user.id or user.has_role(*MANAGING_ROLES)


def followed_document(user: User, doc_id: int) -> OutgoingDocument:
    """The issued document `user` may follow, or NotFound (another office's, a draft,
    or a document this user has no part in look the same: not there)."""
    doc = get_visible(user, doc_id)
    if doc.state not in (outgoing_flow.ISSUED, outgoing_flow.RECALLED) or not may_follow(user, doc):
        raise NotFound("Không tìm thấy văn bản đi này.")
    return doc


def followed_task(user: User, doc_id: int, task_id: int) -> ReportTask:
    """A school's task of a document `user` follows (the board's link to one answer's
    file); NotFound for another document's task, or when the user may not follow it."""
    doc = followed_document(user, doc_id)
    task = db.session.get(ReportTask, task_id)
    if task is None or task.request.outgoing_id != doc.id:
        raise NotFound("Không tìm thấy câu trả lời này.")
    return task


def requests_of(doc_id: int) -> list[ReportRequest]:
    return list(
        db.session.scalars(
            select(ReportRequest)
            .where(ReportRequest.outgoing_id == doc_id)
            .order_by(ReportRequest.position, ReportRequest.id)
        )
    )


def has_requests(doc_id: int) -> bool:
    """Whether the document asks its recipients for anything (the link to the board)."""
    return (
        db.session.scalar(select(ReportRequest.id).where(ReportRequest.outgoing_id == doc_id))
        is not None
    )


# Loading -------------------------------------------------------------------------------


def load_rows(doc_id: int, requests: list[ReportRequest], today: date) -> list[BoardRow]:
    """Every member recipient of the document with its tasks: three bulk queries."""
    deliveries = db.session.execute(
        select(
            Delivery.id,
            Delivery.status,
            Delivery.created_at,
            Delivery.reason,
            Delivery.incoming_document_id,
            Delivery.first_read_at,
            Delivery.acknowledged_at,
            Delivery.acknowledgement_note,
            Organisation.id.label("org_id"),
            Organisation.name,
            Organisation.name_folded,
            Organisation.kind,
            Organisation.ward,
        )
        .join(Organisation, Organisation.id == Delivery.recipient_org_id)
        .where(Delivery.outgoing_id == doc_id, Delivery.channel == "internal")
    ).all()
    firsts: dict[tuple[int, str], datetime] = {
        (row.delivery_id, row.status): row.at
        for row in db.session.execute(
            select(
                DeliveryEvent.delivery_id,
                DeliveryEvent.status,
                func.min(DeliveryEvent.at).label("at"),
            )
            .join(Delivery, Delivery.id == DeliveryEvent.delivery_id)
            .where(
                Delivery.outgoing_id == doc_id,
                DeliveryEvent.status.in_(
                    [DeliveryStatus.REGISTERED.value, DeliveryStatus.ASSIGNED.value]
                ),
            )
            .group_by(DeliveryEvent.delivery_id, DeliveryEvent.status)
        )
    }
    rows: dict[int, BoardRow] = {}
    for d in deliveries:
        rows[d.org_id] = BoardRow(
            org_id=d.org_id,
            name=d.name,
            name_folded=d.name_folded or vn_fold(d.name),
            kind=d.kind,
            ward=d.ward,
            delivery_id=d.id,
            delivery_status=d.status,
            delivered_at=d.created_at,
            rejected_reason=d.reason if d.status == DeliveryStatus.REJECTED else None,
            incoming_document_id=d.incoming_document_id,
            registered_at=firsts.get((d.id, DeliveryStatus.REGISTERED.value)),
            assigned_at=firsts.get((d.id, DeliveryStatus.ASSIGNED.value)),
            first_read_at=d.first_read_at,
            acknowledged_at=d.acknowledged_at,
            acknowledgement_note=d.acknowledgement_note,
            cells=[None] * len(requests),
        )
    if requests:
        position = {r.id: i for i, r in enumerate(requests)}
        task_rows = db.session.execute(
            select(
                ReportTask.id,
                ReportTask.request_id,
                ReportTask.recipient_org_id,
                ReportTask.deadline,
                ReportTask.state,
                ReportTask.late,
                ReportTask.answered_at,
                ReportTask.returned_at,
                ReportTask.return_comment,
                ReportTask.reminders_sent,
                ReportTask.last_reminded_at,
                ReportTask.answer_text,
                ReportTask.answer_figure,
                ReportTask.answer_file_name,
                ReportTask.answer_file_id,
                ReportTask.answer_outgoing_id,
            ).where(ReportTask.request_id.in_(list(position)))
        ).all()
        for t in task_rows:
            row = rows.get(t.recipient_org_id)
            if row is None:
                continue  # a task whose delivery is not internal: not on this board
            row.cells[position[t.request_id]] = TaskCell(
                task_id=t.id,
                request_id=t.request_id,
                deadline=t.deadline,
                status=classify(t.state, t.late, t.deadline, today),
                answered_at=t.answered_at,
                returned_at=t.returned_at,
                return_comment=t.return_comment,
                reminders_sent=t.reminders_sent,
                last_reminded_at=t.last_reminded_at,
                answer_text=t.answer_text,
                answer_figure=t.answer_figure,
                answer_file_name=t.answer_file_name,
                has_file=t.answer_file_id is not None,
                answer_outgoing_id=t.answer_outgoing_id,
            )
    return list(rows.values())


# Filtering, sorting, counting ---------------------------------------------------------


def _delivery_match(row: BoardRow, key: str) -> bool:
    return {
        "rejected": row.rejected,
        "not_registered": not row.registered and not row.rejected,
        "registered": row.registered,
        "unread": not row.read,
        "read": row.read,
        "assigned": row.assigned,
        "acknowledged": row.acknowledged,
        "not_acknowledged": not row.acknowledged,
    }.get(key, True)


def _answer_match(row: BoardRow, key: str, request_id: int | None) -> bool:
    cells = row.cell_for(request_id)
    if key == "answered":
        return any(c.answered for c in cells)
    if key == "unanswered":
        return any(c.status in UNANSWERED for c in cells)
    try:
        wanted = AnswerStatus(key)
    except ValueError:
        return True
    return any(c.status == wanted for c in cells)


def apply_filters(rows: list[BoardRow], f: BoardFilters) -> list[BoardRow]:
    text = vn_fold(f.text) if f.text else ""
    ward = (f.ward or "").strip()
    out = []
    for row in rows:
        if f.status and not _delivery_match(row, f.status):
            continue
        if f.answer and not _answer_match(row, f.answer, f.request_id):
            continue
        if f.level and row.kind != f.level:
            continue
        if ward and (row.ward or "") != ward:
            continue
        if text and text not in row.name_folded:
            continue
        out.append(row)
    return out


def sort_rows(rows: list[BoardRow], f: BoardFilters) -> list[BoardRow]:
    """By name; or by deadline / answer time of the chosen request (all requests: the
    earliest deadline, the latest answer), schools without one last, then by name."""
    by_name = sorted(rows, key=lambda r: (r.name_folded, r.org_id), reverse=f.descending)
    if f.sort == "deadline":

        def key(r: BoardRow):
            dates = [c.deadline for c in r.cell_for(f.request_id)]
            return min(dates) if dates else None

    elif f.sort == "answered_at":

        def key(r: BoardRow):
            times = [c.answered_at for c in r.cell_for(f.request_id) if c.answered_at]
            return max(times) if times else None

    else:
        return by_name
    present = [r for r in by_name if key(r) is not None]
    absent = [r for r in by_name if key(r) is None]
    present.sort(key=key, reverse=f.descending)  # stable: ties keep the name order
    return present + absent


def delivery_counts(rows: list[BoardRow]) -> dict[str, int]:
    return {
        "schools": len(rows),
        "delivered": sum(1 for r in rows if not r.rejected),
        "rejected": sum(1 for r in rows if r.rejected),
        "registered": sum(1 for r in rows if r.registered),
        "read": sum(1 for r in rows if r.read),
        "assigned": sum(1 for r in rows if r.assigned),
        "acknowledged": sum(1 for r in rows if r.acknowledged),
    }


def answer_counts(
    rows: list[BoardRow], requests: list[ReportRequest]
) -> dict[int, Counter[AnswerStatus]]:
    counts: dict[int, Counter[AnswerStatus]] = {r.id: Counter() for r in requests}
    for row in rows:
        for cell in row.cells:
            if cell is not None:
                counts[cell.request_id][cell.status] += 1
    return counts


def build_board(
    user: User, doc_id: int, filters: BoardFilters | None = None, *, today: date | None = None
) -> Board:
    """The board of one document for `user` (NotFound when they may not follow it)."""
    filters = filters or BoardFilters()
    today = today or local_today()
    doc = followed_document(user, doc_id)
    requests = requests_of(doc.id)
    if filters.request_id is not None and filters.request_id not in {r.id for r in requests}:
        filters = BoardFilters(**{**filters.__dict__, "request_id": None})
    everything = load_rows(doc.id, requests, today)
    rows = sort_rows(apply_filters(everything, filters), filters)
    wards = sorted({r.ward for r in everything if r.ward}, key=vn_fold)
    kinds_present = {r.kind for r in everything}
    levels = [(k.value, ORG_KIND_LABELS[k]) for k in SCHOOL_KINDS if k.value in kinds_present]
    return Board(
        doc=doc,
        requests=requests,
        rows=rows,
        total=len(everything),
        counts=delivery_counts(everything),
        answer_counts=answer_counts(everything, requests),
        wards=wards,
        levels=levels,
        filters=filters,
        today=today,
        can_manage=doc.state == outgoing_flow.ISSUED and may_manage(user, doc),
    )


def followed_documents(user: User, limit: int = 200) -> list[tuple[OutgoingDocument, int]]:
    """The issued documents with requests that `user` may follow, newest first, with the
    number of their requests (the list the "Báo cáo" menu opens)."""
    from eoffice.outgoing.involvement import visible_filter

    counted = (
        select(ReportRequest.outgoing_id, func.count(ReportRequest.id).label("n"))
        .group_by(ReportRequest.outgoing_id)
        .subquery()
    )
    rows = db.session.execute(
        select(OutgoingDocument, counted.c.n)
        .join(counted, counted.c.outgoing_id == OutgoingDocument.id)
        .where(
            visible_filter(user),
            OutgoingDocument.state.in_((outgoing_flow.ISSUED, outgoing_flow.RECALLED)),
        )
        .order_by(OutgoingDocument.issued_at.desc(), OutgoingDocument.id.desc())
        .limit(limit)
    ).all()
    return [(doc, n) for doc, n in rows if may_follow(user, doc)]
