"""The figures behind the charts, and the one chart description every page embeds.

Each figure is a small function returning plain dataclasses, so tests check the counts
without a browser; `*_chart()` turns them into a `ChartSpec`, which the template embeds
twice: as JSON in a `<script type="application/json">` data block that
`static/js/charts.js` draws with the vendored Chart.js (the Content-Security-Policy
forbids inline code, not data), and as a table with the same figures for screen readers,
print and browsers without JavaScript (`templates/charts/_chart.html`, decision 0026).

Counts of documents go through the same visibility filters as the lists
(`incoming.access.visible_filter`, `outgoing.involvement.visible_filter`): a chart never
tells a staff member how many secret documents exist that they may not open. The
compliance board's and the directive board's charts are read from the boards already
built for the page, so they cost no query.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement

from eoffice.core.timeutil import local_today
from eoffice.extensions import db
from eoffice.incoming import access as incoming_access
from eoffice.incoming.models import Assignment, IncomingDocument
from eoffice.incoming.queries import DUE_OVERDUE, due_condition, local_day_start, office_calendar
from eoffice.orgs.models import Unit, User
from eoffice.outgoing import involvement as outgoing_access
from eoffice.outgoing.models import OutgoingDocument
from workflows import assignment as assignment_flow

if TYPE_CHECKING:
    from eoffice.directives.board import Board as DirectiveBoard
    from eoffice.directives.rollup import Rollup
    from eoffice.exchange.checks import Board as ChecksBoard

MONTHS_SHOWN = 12
ROW_HEIGHT = 30  # pixels per bar of a horizontal chart
MIN_HEIGHT = 160
AXIS_ROOM = 80  # legend and axis of a horizontal chart


# The description of one chart ----------------------------------------------------------


def format_number(value: float, decimals: int = 0) -> str:
    """A number as Vietnamese write it: 1.234,5 (dot between thousands, decimal comma)."""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


# The fill of each Bootstrap colour name on the charts and their tables' swatches: the
# theme's colours, except its warning yellow (#ffc107, 1.6:1 on white), orange (#fd7e14,
# 2.6:1) and cyan (#0dcaf0, 2.0:1), which a bar needs darker to be told from the page
# (WCAG 1.4.11 asks 3:1; this amber is 3.2:1, the orange 3.6:1, the cyan 3.4:1).
FILLS = {
    "primary": "#0d6efd",
    "secondary": "#6c757d",
    "success": "#198754",
    "info": "#1098ad",
    "warning": "#b58900",
    "danger": "#dc3545",
    "orange": "#e8590c",
}

NO_FIGURE = "—"  # a category with nothing to measure (no decided check slot, say)


@dataclass(frozen=True)
class Series:
    """One coloured set of bars; `colour` is a Bootstrap colour name, drawn in
    FILLS[colour]. A value None: the category has no figure (shown "—", not drawn)."""

    label: str
    values: tuple[float | None, ...]
    colour: str

    @property
    def fill(self) -> str:
        return FILLS.get(self.colour, FILLS["secondary"])

    @property
    def total(self) -> float:
        return sum(v for v in self.values if v is not None)


@dataclass(frozen=True)
class ChartSpec:
    """A bar chart: categories (`labels`) × series, and how to show and read them.

    `key` names the chart on its page (the canvas, the JSON block `<key>-data`, the
    table). `percent`: the values are shares of 100, the axis stops at 100.
    """

    key: str
    title: str
    category: str  # heading of the table's first column
    labels: tuple[str, ...]
    series: tuple[Series, ...]
    horizontal: bool = False
    stacked: bool = False
    percent: bool = False
    unit: str = ""  # what the values count, said after each figure ("văn bản")
    height: int = 280  # pixels; the chart fills its box's width

    @property
    def decimals(self) -> int:
        return 1 if self.percent else 0

    def cell(self, value: float | None) -> str:
        if value is None:
            return NO_FIGURE
        return format_number(value, self.decimals) + ("%" if self.percent else "")

    @property
    def rows(self) -> list[tuple[str, list[str]]]:
        """The table: one row per category, one cell per series."""
        return [
            (label, [self.cell(s.values[i]) for s in self.series])
            for i, label in enumerate(self.labels)
        ]

    @property
    def totals(self) -> list[str] | None:
        """A total row for counts (percentages do not add up)."""
        if self.percent or len(self.labels) < 2:
            return None
        return [self.cell(s.total) for s in self.series]

    @property
    def summary(self) -> str:
        """What the canvas says to a screen reader: the title and each series' total
        in one sentence, the unit said once ("Tổng cộng: văn bản đến 11; văn bản đi 0.",
        "Tổng cộng (trường): đúng hạn 3; trễ hạn 2.")."""
        if self.percent:
            return f"{self.title}. Số liệu chi tiết trong bảng ngay sau biểu đồ."
        parts = [f"{_lower_first(s.label)} {format_number(s.total)}" for s in self.series]
        unit = self.unit if self.unit and not _names_unit(self.series, self.unit) else ""
        if unit and len(parts) == 1:
            said = f"Tổng cộng: {parts[0]} {unit}"  # "quá hạn 5 văn bản"
        elif unit:
            said = f"Tổng cộng ({unit}): {'; '.join(parts)}"  # the unit said once
        else:
            said = f"Tổng cộng: {'; '.join(parts)}"
        return f"{self.title}. {said}. Số liệu chi tiết trong bảng ngay sau biểu đồ."

    @property
    def empty(self) -> bool:
        """Nothing to draw: every value zero or missing (shown as one line instead)."""
        return not any(v for s in self.series for v in s.values)

    def _drawn(self) -> list[int]:
        """The categories with a figure: those without one are in the table only."""
        return [
            i for i in range(len(self.labels)) if any(s.values[i] is not None for s in self.series)
        ]

    def as_json(self) -> dict[str, Any]:
        """What charts.js reads (embedded with Jinja's `tojson`, safe inside <script>)."""
        drawn = self._drawn()
        return {
            "title": self.title,
            "labels": [self.labels[i] for i in drawn],
            "datasets": [
                {
                    "label": s.label,
                    "data": [s.values[i] for i in drawn],
                    "colour": s.colour,
                    "fill": s.fill,
                }
                for s in self.series
            ],
            "horizontal": self.horizontal,
            "stacked": self.stacked,
            "percent": self.percent,
            "unit": self.unit,
        }


def _lower_first(text: str) -> str:
    """A series' label inside a sentence: "Văn bản đến" → "văn bản đến" (an
    abbreviation such as "YC1" or "UBND" keeps its capitals)."""
    first = text.split(" ", 1)[0]
    if len(first) > 1 and first[1:].lower() != first[1:]:
        return text
    return text[:1].lower() + text[1:]


def _names_unit(series: tuple[Series, ...], unit: str) -> bool:
    """Every label already says what is counted ("Văn bản đến" of "văn bản"): the unit
    is not said again after the figures."""
    return all(unit.lower() in s.label.lower() for s in series)


def largest_remainder(counts: tuple[int, ...], decimals: int = 1) -> tuple[float, ...]:
    """Shares of 100 rounded to `decimals` that add up to exactly 100 (the largest
    remainder method): the rounded parts of a stacked 100 % bar neither overflow the
    axis nor leave a gap. All zero for no counts."""
    total = sum(counts)
    if not total:
        return tuple(0.0 for _ in counts)
    scale = 10**decimals
    exact = [100 * scale * c / total for c in counts]
    floors = [int(x) for x in exact]
    missing = 100 * scale - sum(floors)
    by_remainder = sorted(range(len(counts)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in by_remainder[:missing]:
        floors[i] += 1
    return tuple(f / scale for f in floors)


def _bars_height(count: int) -> int:
    return max(MIN_HEIGHT, count * ROW_HEIGHT + AXIS_ROOM)


# a. Documents per month ----------------------------------------------------------------


@dataclass(frozen=True)
class MonthFigures:
    month: date  # the 1st
    incoming: int  # registered (arrived) in the month
    outgoing: int  # issued in the month


def month_starts(today: date) -> list[date]:
    """The 1st of each of the last MONTHS_SHOWN months, the current one last."""
    starts = []
    year, month = today.year, today.month
    for _ in range(MONTHS_SHOWN):
        starts.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return starts[::-1]


def _next_month(first: date) -> date:
    return date(first.year + first.month // 12, first.month % 12 + 1, 1)


def _in_month(column: Any, first: date) -> ColumnElement[bool]:
    """`column` (a UTC moment) falls in the office-time month starting on `first`."""
    return and_(column >= local_day_start(first), column < local_day_start(_next_month(first)))


def incoming_month_conditions(today: date) -> dict[str, ColumnElement[bool]]:
    """The arrivals of each charted month, as conditions `month_<n>` (n = 0 oldest) for a
    count query over the documents arrived since `month_starts(today)[0]`; the home page
    adds them to its own count of arrivals, so the months cost it no query."""
    return {
        f"month_{n}": _in_month(IncomingDocument.arrived_at, first)
        for n, first in enumerate(month_starts(today))
    }


def _count_months(
    visible: ColumnElement[bool], column: Any, conditions: dict[str, ColumnElement[bool]], since
) -> dict[str, int]:
    counted = [func.count(case((cond, 1))).label(name) for name, cond in conditions.items()]
    row = db.session.execute(select(*counted).where(visible, column >= since)).one()
    return {name: int(value or 0) for name, value in row._mapping.items()}


def documents_per_month(
    user: User, today: date | None = None, *, incoming: dict[str, int] | None = None
) -> list[MonthFigures]:
    """Incoming documents registered and outgoing documents issued in each of the last
    twelve months, among those `user` may see (one query each, through the indexes
    ix_incoming_org_arrival and ix_outgoing_org_issued). `incoming`: the `month_<n>`
    counts when the caller already counted them (the home page)."""
    today = today or local_today()
    starts = month_starts(today)
    since = local_day_start(starts[0])
    if incoming is None:
        incoming = _count_months(
            incoming_access.visible_filter(user),
            IncomingDocument.arrived_at,
            incoming_month_conditions(today),
            since,
        )
    outgoing_conditions = {
        f"month_{n}": _in_month(OutgoingDocument.issued_at, first) for n, first in enumerate(starts)
    }
    outgoing = _count_months(
        outgoing_access.visible_filter(user),
        OutgoingDocument.issued_at,
        outgoing_conditions,
        since,
    )
    return [
        MonthFigures(first, incoming[f"month_{n}"], outgoing[f"month_{n}"])
        for n, first in enumerate(starts)
    ]


def months_chart(months: list[MonthFigures]) -> ChartSpec:
    return ChartSpec(
        key="chart-months",
        title=f"Văn bản đến và văn bản đi theo tháng ({len(months)} tháng gần nhất)",
        category="Tháng",
        labels=tuple(m.month.strftime("%m/%Y") for m in months),
        series=(
            Series("Văn bản đến", tuple(m.incoming for m in months), "primary"),
            Series("Văn bản đi", tuple(m.outgoing for m in months), "success"),
        ),
        unit="văn bản",
        height=280,
    )


# b. Overdue by unit --------------------------------------------------------------------

NOT_ASSIGNED = "Chưa phân công"
NO_UNIT = "Cá nhân không thuộc phòng, tổ"


@dataclass(frozen=True)
class UnitOverdue:
    """Overdue open documents whose lead part is with one unit (`unit_id` None: no unit,
    see `name`)."""

    unit_id: int | None
    name: str
    count: int


def overdue_by_unit(user: User, today: date | None = None) -> list[UnitOverdue]:
    """The overdue open documents `user` may see, grouped by who handles them: the unit
    given the lead part, or the unit of the person given it; documents not yet assigned
    in a group of their own. Overdue is the home card's rule ("Quá hạn xử lý": open,
    deadline before today), so the bars add up to that card. One grouped query."""
    today = today or local_today()
    doc = IncomingDocument
    lead = aliased(Assignment)
    person = aliased(User)
    unit_id = func.coalesce(lead.unit_id, person.unit_id)
    assigned = func.max(case((lead.id.is_not(None), 1), else_=0))
    rows = db.session.execute(
        select(
            unit_id.label("unit_id"),
            Unit.name,
            assigned.label("assigned"),
            func.count(doc.id.distinct()),
        )
        .select_from(doc)
        .outerjoin(
            lead,
            and_(
                lead.document_id == doc.id,
                lead.kind == assignment_flow.LEAD,
                lead.state.in_(sorted(assignment_flow.OPEN_STATES)),
            ),
        )
        .outerjoin(person, person.id == lead.user_id)
        .outerjoin(Unit, Unit.id == unit_id)
        .where(
            incoming_access.visible_filter(user),
            due_condition(DUE_OVERDUE, today, office_calendar()),
        )
        .group_by(unit_id, Unit.name, lead.id.is_(None))
    ).all()
    result = [
        UnitOverdue(row_unit, name, int(count))
        if row_unit is not None
        else UnitOverdue(None, NO_UNIT if was_assigned else NOT_ASSIGNED, int(count))
        for row_unit, name, was_assigned, count in rows
    ]
    # Most overdue first; units before the two groups without one; then by name.
    result.sort(key=lambda x: (-x.count, x.unit_id is None, x.name))
    return result


def overdue_chart(lines: list[UnitOverdue]) -> ChartSpec:
    return ChartSpec(
        key="chart-overdue-units",
        title="Văn bản quá hạn xử lý theo đơn vị chủ trì",
        category="Đơn vị",
        labels=tuple(line.name for line in lines),
        series=(Series("Quá hạn", tuple(line.count for line in lines), "danger"),),
        horizontal=True,
        unit="văn bản",
        height=_bars_height(len(lines)),
    )


# c. Check-time compliance --------------------------------------------------------------


@dataclass(frozen=True)
class CheckFigures:
    """One organisation's decided check slots of the month: counts and shares."""

    name: str
    on_time: int
    late: int
    missed: int

    @property
    def decided(self) -> int:
        return self.on_time + self.late + self.missed

    @property
    def shares(self) -> tuple[float, float, float] | None:
        """On time, late and missed as shares of the decided slots, adding up to exactly
        100; None without a decided slot (nothing to share: "—", never 0 %)."""
        if not self.decided:
            return None
        on_time, late, missed = largest_remainder((self.on_time, self.late, self.missed))
        return on_time, late, missed


def check_figures(board: ChecksBoard) -> list[CheckFigures]:
    """Per organisation of the compliance board (in the board's order), from the board."""
    from workflows.checktimes import CheckState

    return [
        CheckFigures(
            row.org.short_name or row.org.name,
            row.counts[CheckState.ON_TIME],
            row.counts[CheckState.LATE],
            row.counts[CheckState.MISSED],
        )
        for row in board.rows
    ]


def checks_chart(figures: list[CheckFigures]) -> ChartSpec:
    """Shares of the decided slots, so a school with fewer working days compares fairly
    (the counts are in the summary table above the chart). An organisation without a
    decided slot has no share: it is left out of the bars and shows "—" in the table,
    as in the board's summary."""
    shares = [f.shares for f in figures]

    def part(n: int) -> tuple[float | None, ...]:
        return tuple(s[n] if s is not None else None for s in shares)

    return ChartSpec(
        key="chart-checks",
        title="Tỷ lệ kiểm tra văn bản đúng giờ, trễ và không kiểm tra theo đơn vị",
        category="Đơn vị",
        labels=tuple(f.name for f in figures),
        series=(
            Series("Đúng giờ", part(0), "success"),
            Series("Trễ", part(1), "orange"),
            Series("Không kiểm tra", part(2), "danger"),
        ),
        horizontal=True,
        stacked=True,
        percent=True,
        height=_bars_height(sum(1 for s in shares if s is not None)),
    )


# d. Answers to report requests ---------------------------------------------------------


@dataclass(frozen=True)
class AnswerFigures:
    """The schools' standing on one request of a directive (all schools, unfiltered)."""

    label: str  # YC1, YC2… as the board numbers them
    what: str
    on_time: int
    late: int
    missing: int  # not answered, deadline passed
    open: int  # not answered, not yet due
    returned: int  # sent back for correction


def answer_figures(board: DirectiveBoard) -> list[AnswerFigures]:
    from eoffice.directives.board import AnswerStatus

    figures = []
    for n, request in enumerate(board.requests, start=1):
        counts = board.answer_counts[request.id]
        figures.append(
            AnswerFigures(
                f"YC{n}",
                request.what,
                counts[AnswerStatus.ON_TIME],
                counts[AnswerStatus.LATE],
                counts[AnswerStatus.MISSING],
                counts[AnswerStatus.OPEN],
                counts[AnswerStatus.RETURNED],
            )
        )
    return figures


def answers_chart(figures: list[AnswerFigures]) -> ChartSpec:
    from eoffice.directives.board import ANSWER_STATUS_COLOURS, ANSWER_STATUS_LABELS, AnswerStatus

    def series(status: AnswerStatus, attr: str) -> Series:
        values = tuple(getattr(f, attr) for f in figures)
        return Series(ANSWER_STATUS_LABELS[status], values, ANSWER_STATUS_COLOURS[status])

    return ChartSpec(
        key="chart-answers",
        title="Tình hình trả lời của các trường theo từng yêu cầu báo cáo",
        category="Yêu cầu",
        labels=tuple(f.label for f in figures),
        series=(
            series(AnswerStatus.ON_TIME, "on_time"),
            series(AnswerStatus.LATE, "late"),
            series(AnswerStatus.MISSING, "missing"),
            series(AnswerStatus.OPEN, "open"),
            series(AnswerStatus.RETURNED, "returned"),
        ),
        horizontal=True,
        stacked=True,
        unit="trường",
        height=_bars_height(len(figures)),
    )


def rollup_chart(rollup: Rollup) -> ChartSpec:
    """The roll-up's schools late most often: answers late and answers missing."""
    return ChartSpec(
        key="chart-rollup",
        title="Số lần trễ hạn và chưa nộp báo cáo theo trường",
        category="Trường",
        labels=tuple(s.name for s in rollup.schools),
        series=(
            Series("Trễ hạn", tuple(s.late for s in rollup.schools), "warning"),
            Series("Chưa nộp (quá hạn)", tuple(s.missing for s in rollup.schools), "danger"),
        ),
        horizontal=True,
        stacked=True,
        unit="lần",
        height=_bars_height(len(rollup.schools)),
    )
