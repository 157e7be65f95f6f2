"""Figures for the home page: what needs attention today."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select

from eoffice.core.timeutil import local_today
from eoffice.extensions import db
from eoffice.incoming.access import visible_filter
from eoffice.incoming.models import IncomingDocument
from eoffice.incoming.queries import local_day_start
from eoffice.orgs.models import User
from workflows.incoming import OPEN_STATES


@dataclass
class Dashboard:
    today: date
    arrived_today: int  # the card links to the register filtered on these same days
    urgent_open: int
    overdue: int
    this_year: int
    recent: list[IncomingDocument]
    urgent: list[IncomingDocument]


def dashboard_for(user: User) -> Dashboard:
    doc = IncomingDocument
    today = local_today()
    visible = visible_filter(user)

    def count(*conditions) -> int:
        return db.session.scalar(select(func.count(doc.id)).where(visible, *conditions)) or 0

    urgent_open = (doc.state.in_(sorted(OPEN_STATES)), doc.is_urgent)
    return Dashboard(
        today=today,
        arrived_today=count(
            doc.arrived_at >= local_day_start(today),
            doc.arrived_at < local_day_start(today + timedelta(days=1)),
        ),
        urgent_open=count(*urgent_open),
        overdue=count(doc.is_overdue),
        this_year=count(doc.arrived_at >= local_day_start(date(today.year, 1, 1))),
        recent=list(
            db.session.scalars(
                select(doc).where(visible).order_by(doc.arrived_at.desc(), doc.id.desc()).limit(8)
            )
        ),
        urgent=list(
            db.session.scalars(
                select(doc).where(visible, *urgent_open).order_by(doc.arrived_at.desc()).limit(5)
            )
        ),
    )
