"""The district leader's roll-up across all open report requests of the office.

An open request is one of an issued (not recalled) document of the office that some
school still owes (a task open or returned). Across those:
- the schools late most often: answers that came late plus answers missing (deadline
  passed, nothing in), most first;
- the requests most overdue: for each missing answer the days since its deadline, summed
  (the number of missing schools times the days overdue when they share the deadline).

Three grouped queries whatever the number of schools and requests; the chart is drawn
in the browser with Chart.js (eoffice.reports.charts.rollup_chart, decision 0026).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import and_, case, exists, func, select

from eoffice.core.errors import Forbidden
from eoffice.core.timeutil import local_today
from eoffice.directives.models import ReportRequest, ReportTask, TaskState
from eoffice.extensions import db
from eoffice.orgs.models import Organisation, OrgKind, Role, User
from eoffice.outgoing.models import OutgoingDocument
from workflows import outgoing as outgoing_flow

WAITING = (TaskState.OPEN.value, TaskState.RETURNED.value)
ROLLUP_ROLES = (Role.LEADER, Role.DEPUTY)
TOP = 20


@dataclass(frozen=True)
class SchoolLine:
    org_id: int
    name: str
    late: int
    missing: int

    @property
    def total(self) -> int:
        return self.late + self.missing


@dataclass
class RequestLine:
    request_id: int
    doc_id: int
    symbol: str
    subject: str
    what: str
    deadline: date
    missing: int = 0
    overdue_days: int = 0  # summed over the missing answers
    max_days: int = 0


@dataclass
class Rollup:
    today: date
    open_requests: int
    schools: list[SchoolLine] = field(default_factory=list)
    requests: list[RequestLine] = field(default_factory=list)

    @property
    def chart_max(self) -> int:
        return max((s.total for s in self.schools), default=0)


def may_see_rollup(user: User) -> bool:
    return user.organisation.kind == OrgKind.DISTRICT_OFFICE and user.has_role(*ROLLUP_ROLES)


def _open_requests(org_id: int):
    """Ids of the office's requests still owed by some school (a subquery)."""
    owed = exists().where(ReportTask.request_id == ReportRequest.id, ReportTask.state.in_(WAITING))
    return (
        select(ReportRequest.id)
        .join(OutgoingDocument, OutgoingDocument.id == ReportRequest.outgoing_id)
        .where(
            OutgoingDocument.org_id == org_id,
            OutgoingDocument.state == outgoing_flow.ISSUED,
            owed,
        )
    )


def build_rollup(user: User, *, today: date | None = None, top: int = TOP) -> Rollup:
    if not may_see_rollup(user):
        raise Forbidden("Chỉ lãnh đạo Phòng xem được tổng hợp báo cáo.")
    today = today or local_today()
    open_ids = _open_requests(user.org_id).scalar_subquery()
    open_count = db.session.scalar(
        select(func.count()).select_from(_open_requests(user.org_id).subquery())
    )
    missing = and_(ReportTask.state.in_(WAITING), ReportTask.deadline < today)
    late = and_(ReportTask.state == TaskState.ANSWERED.value, ReportTask.late.is_(True))
    late_n = func.sum(case((late, 1), else_=0))
    missing_n = func.sum(case((missing, 1), else_=0))
    school_rows = db.session.execute(
        select(Organisation.id, Organisation.name, late_n.label("late"), missing_n.label("missing"))
        .join(ReportTask, ReportTask.recipient_org_id == Organisation.id)
        .where(ReportTask.request_id.in_(open_ids))
        .group_by(Organisation.id, Organisation.name, Organisation.name_folded)
        .having((late_n + missing_n) > 0)
        .order_by((late_n + missing_n).desc(), missing_n.desc(), Organisation.name_folded)
        .limit(top)
    ).all()
    schools = [SchoolLine(r.id, r.name, int(r.late or 0), int(r.missing or 0)) for r in school_rows]

    # Missing answers per (request, deadline): days overdue are worked out in Python,
    # the same on both databases.
    groups = db.session.execute(
        select(ReportTask.request_id, ReportTask.deadline, func.count(ReportTask.id))
        .where(ReportTask.request_id.in_(open_ids), missing)
        .group_by(ReportTask.request_id, ReportTask.deadline)
    ).all()
    per_request: dict[int, list[tuple[date, int]]] = defaultdict(list)
    for request_id, deadline, count in groups:
        per_request[request_id].append((deadline, count))
    lines: list[RequestLine] = []
    if per_request:
        for request, doc in db.session.execute(
            select(ReportRequest, OutgoingDocument)
            .join(OutgoingDocument, OutgoingDocument.id == ReportRequest.outgoing_id)
            .where(ReportRequest.id.in_(list(per_request)))
        ).all():
            line = RequestLine(
                request_id=request.id,
                doc_id=doc.id,
                symbol=doc.symbol or "",
                subject=doc.subject,
                what=request.what,
                deadline=request.deadline,
            )
            for deadline, count in per_request[request.id]:
                days = (today - deadline).days
                line.missing += count
                line.overdue_days += count * days
                line.max_days = max(line.max_days, days)
            lines.append(line)
    lines.sort(key=lambda r: (-r.overdue_days, -r.missing, r.deadline, r.request_id))
    return Rollup(today=today, open_requests=open_count or 0, schools=schools, requests=lines[:top])
