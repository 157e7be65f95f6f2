"""Figures for the home page: what needs each person's attention today.

Two aggregate queries count everything every section shows (a user with several roles
sees several sections): one over the open documents, one over the arrivals of the
charted weeks, each through its index. Then each section reads its short list with one
query, so the number of queries depends on the user's roles and never on how many
documents there are.
Each count uses the same SQL condition as the register filter its card links to
(eoffice.incoming.queries), so a card and its list cannot disagree.

Clerks and leaders also see two charts (eoffice.reports.charts, decision 0026): documents
per month, whose incoming half is counted by the arrivals query above (its range then
reaches back twelve months) and whose outgoing half costs one query; and, for leaders,
overdue documents by the unit handling them, one grouped query.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import lazyload
from sqlalchemy.sql.elements import ColumnElement

from eoffice.core.timeutil import local_today, now_utc
from eoffice.extensions import db
from eoffice.incoming.access import can_see_register, visible_filter
from eoffice.incoming.models import IncomingDocument
from eoffice.incoming.queries import (
    DUE_LATER,
    DUE_OVERDUE,
    DUE_SOON,
    DUE_TODAY,
    WAITING_ASSIGN,
    WAITING_PRESENT,
    due_condition,
    local_day_start,
    my_work_condition,
    office_calendar,
    waiting_condition,
)
from eoffice.orgs.models import Role, User
from eoffice.reports import charts
from eoffice.reports.charts import ChartSpec, MonthFigures, UnitOverdue
from workflows.calendar import DueState, due_state
from workflows.incoming import OPEN_STATES

WEEKS_SHOWN = 12
LIST_SIZE = 6
WORK_LIST_SIZE = 8


@dataclass(frozen=True)
class Card:
    """A count at a glance; `args` are the register filters that list the same documents."""

    label: str
    value: int
    color: str
    args: dict[str, Any]


@dataclass(frozen=True)
class WorkItem:
    doc: IncomingDocument
    due: DueState


@dataclass
class WorkGroup:
    label: str
    color: str
    count: int
    args: dict[str, Any]
    items: list[WorkItem] = field(default_factory=list)


@dataclass(frozen=True)
class WeekBar:
    start: date
    count: int


@dataclass
class Section:
    title: str
    cards: list[Card]
    list_title: str = ""
    items: list[IncomingDocument] = field(default_factory=list)
    empty: str = ""


@dataclass
class Dashboard:
    today: date
    counts: dict[str, int]
    clerk: Section | None = None
    leader: Section | None = None
    work: list[WorkGroup] | None = None  # None: the user has no open part
    weeks: list[WeekBar] | None = None
    months: list[MonthFigures] | None = None  # clerks and leaders
    overdue_units: list[UnitOverdue] | None = None  # leaders

    @property
    def months_chart(self) -> ChartSpec | None:
        return charts.months_chart(self.months) if self.months is not None else None

    @property
    def overdue_chart(self) -> ChartSpec | None:
        if self.overdue_units is None:
            return None
        return charts.overdue_chart(self.overdue_units)

    @property
    def has_charts(self) -> bool:
        return self.months is not None or bool(self.overdue_units)

    @property
    def overdue(self) -> int:
        return self.counts["overdue"]

    @property
    def arrived_today(self) -> int:
        return self.counts["arrived_today"]

    @property
    def week_max(self) -> int:
        return max((bar.count for bar in self.weeks or ()), default=0)

    @property
    def week_total(self) -> int:
        return sum(bar.count for bar in self.weeks or ())


def _week_starts(today: date) -> list[date]:
    """Mondays of the last WEEKS_SHOWN weeks, the current one last."""
    this_monday = today - timedelta(days=today.weekday())
    return [this_monday - timedelta(weeks=n) for n in range(WEEKS_SHOWN - 1, -1, -1)]


def _arrived_between(start: date, end: date) -> ColumnElement[bool]:
    """Arrived on the office-time days [start, end)."""
    doc = IncomingDocument
    return and_(doc.arrived_at >= local_day_start(start), doc.arrived_at < local_day_start(end))


def _open_conditions(user: User, today: date) -> dict[str, ColumnElement[bool]]:
    """The figures about open documents (waiting, due, the user's own work)."""
    calendar = office_calendar()
    mine = my_work_condition(user)
    to_present = waiting_condition(user, WAITING_PRESENT)
    conditions = {
        "to_present": to_present,
        "urgent_to_present": and_(to_present, IncomingDocument.is_urgent),
        "to_assign": waiting_condition(user, WAITING_ASSIGN),
        "overdue": due_condition(DUE_OVERDUE, today, calendar),
        "due_today": due_condition(DUE_TODAY, today, calendar),
        "due_soon": due_condition(DUE_SOON, today, calendar),
        "mine": mine,
    }
    for due in (DUE_OVERDUE, DUE_TODAY, DUE_LATER):
        conditions[f"mine_{due}"] = and_(mine, due_condition(due, today, calendar))
    return conditions


def _arrival_conditions(today: date, months: bool) -> dict[str, ColumnElement[bool]]:
    """The figures about arrivals: today, each of the charted weeks and, for the monthly
    chart, each of its months."""
    conditions = {"arrived_today": _arrived_between(today, today + timedelta(days=1))}
    for n, start in enumerate(_week_starts(today)):
        conditions[f"week_{n}"] = _arrived_between(start, start + timedelta(days=7))
    if months:
        conditions.update(charts.incoming_month_conditions(today))
    return conditions


def _shows_months(user: User) -> bool:
    return user.has_role(Role.CLERK, Role.LEADER, Role.DEPUTY)


def _count_each(
    user: User, conditions: dict[str, ColumnElement[bool]], rows: ColumnElement[bool]
) -> dict[str, int]:
    columns = [func.count(case((cond, 1))).label(name) for name, cond in conditions.items()]
    row = db.session.execute(select(*columns).where(visible_filter(user), rows)).one()
    return {name: int(value or 0) for name, value in row._mapping.items()}


def _counts(user: User, today: date, months: bool = False) -> dict[str, int]:
    """Every figure of the page in two queries over the documents the user may see,
    each reading only the rows its figures are about, through an index: the open
    documents (ix_incoming_org_state) and those of the charted weeks
    (ix_incoming_org_arrival). One query over both sets would read them together,
    which the planner answers with a scan of the whole register."""
    doc = IncomingDocument
    counts = _count_each(user, _open_conditions(user, today), doc.state.in_(sorted(OPEN_STATES)))
    first = _week_starts(today)[0]
    if months:
        first = min(first, charts.month_starts(today)[0])
    since = doc.arrived_at >= local_day_start(first)
    counts.update(_count_each(user, _arrival_conditions(today, months), since))
    return counts


def _documents(user: User, condition: ColumnElement[bool], *order, limit: int):
    doc = IncomingDocument
    stmt = (
        select(doc)
        .where(visible_filter(user), condition)
        .options(lazyload(doc.attachments))
        .order_by(*order, doc.id)
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


def _urgent_first() -> ColumnElement[int]:
    return case((IncomingDocument.is_urgent, 0), else_=1)


def _clerk_section(user: User, today: date, counts: dict[str, int]) -> Section:
    iso = today.isoformat()
    doc = IncomingDocument
    return Section(
        title="Văn thư",
        cards=[
            Card(
                "Đến hôm nay",
                counts["arrived_today"],
                "primary",
                {"date_from": iso, "date_to": iso},
            ),
            Card(
                "Chờ trình lãnh đạo",
                counts["to_present"],
                "secondary",
                {"waiting": WAITING_PRESENT},
            ),
            Card(
                "Văn bản khẩn chưa trình",
                counts["urgent_to_present"],
                "danger",
                {"waiting": WAITING_PRESENT, "urgent_only": 1},
            ),
        ],
        list_title="Văn bản chờ trình",
        items=_documents(
            user,
            waiting_condition(user, WAITING_PRESENT),
            _urgent_first(),
            doc.arrived_at,
            limit=LIST_SIZE,
        ),
        empty="Không có văn bản nào chờ trình.",
    )


def _leader_section(user: User, today: date, counts: dict[str, int]) -> Section:
    doc = IncomingDocument
    waiting_label = (
        "Chờ phân công" if user.has_role(Role.LEADER) else "Được trình cho bạn, chờ phân công"
    )
    return Section(
        title="Lãnh đạo",
        cards=[
            Card(waiting_label, counts["to_assign"], "primary", {"waiting": WAITING_ASSIGN}),
            Card("Quá hạn xử lý", counts["overdue"], "danger", {"due": DUE_OVERDUE}),
            Card("Đến hạn hôm nay", counts["due_today"], "warning", {"due": DUE_TODAY}),
            Card("Sắp đến hạn", counts["due_soon"], "info", {"due": DUE_SOON}),
        ],
        list_title="Văn bản chờ phân công",
        items=_documents(
            user,
            waiting_condition(user, WAITING_ASSIGN),
            _urgent_first(),
            doc.arrived_at,
            limit=LIST_SIZE,
        ),
        empty="Không có văn bản nào chờ phân công.",
    )


def _work_groups(user: User, today: date, counts: dict[str, int]) -> list[WorkGroup]:
    """The handler's open parts by deadline, each item classified by due_state."""
    calendar = office_calendar()
    now = now_utc()
    mine = my_work_condition(user)
    doc = IncomingDocument
    groups = []
    for due, label, color in (
        (DUE_OVERDUE, "Quá hạn", "danger"),
        (DUE_TODAY, "Đến hạn hôm nay", "warning"),
        (DUE_LATER, "Sắp tới", "primary"),
    ):
        count = counts[f"mine_{due}"]
        docs = _documents(
            user,
            and_(mine, due_condition(due, today, calendar)),
            doc.deadline.is_(None),
            doc.deadline,
            _urgent_first(),
            limit=WORK_LIST_SIZE,
        )
        items = [WorkItem(d, due_state(d.deadline, now, calendar)) for d in docs]
        groups.append(WorkGroup(label, color, count, {"mine": 1, "due": due}, items))
    return groups


def dashboard_for(user: User, today: date | None = None) -> Dashboard:
    today = today or local_today()
    months = _shows_months(user)
    counts = _counts(user, today, months)
    dash = Dashboard(today=today, counts=counts)
    if user.has_role(Role.CLERK):
        dash.clerk = _clerk_section(user, today, counts)
    if user.has_role(Role.LEADER, Role.DEPUTY):
        dash.leader = _leader_section(user, today, counts)
    if counts["mine"] or not (dash.clerk or dash.leader):
        dash.work = _work_groups(user, today, counts)
    if can_see_register(user):
        starts = _week_starts(today)
        dash.weeks = [WeekBar(s, counts[f"week_{n}"]) for n, s in enumerate(starts)]
    if months:
        dash.months = charts.documents_per_month(user, today, incoming=counts)
    if dash.leader is not None:
        dash.overdue_units = charts.overdue_by_unit(user, today)
    return dash
