"""Figures for the home page: what needs attention today."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from eoffice.catalog.models import UrgencyLevel
from eoffice.core.timeutil import local_today
from eoffice.extensions import db
from eoffice.incoming.access import visible_filter
from eoffice.incoming.models import IncomingDocument, IncomingState
from eoffice.incoming.queries import local_day_start
from eoffice.orgs.models import User


@dataclass
class Dashboard:
    today: date
    registered_today: int
    urgent_open: int
    overdue: int
    this_year: int
    recent: list[IncomingDocument]
    urgent: list[IncomingDocument]


def dashboard_for(user: User) -> Dashboard:
    doc = IncomingDocument
    today = local_today()
    visible = visible_filter(user)
    open_state = doc.state == IncomingState.REGISTERED
    urgent_codes = select(UrgencyLevel.code).where(UrgencyLevel.rank >= 1)

    def count(*conditions) -> int:
        return db.session.scalar(select(func.count(doc.id)).where(visible, *conditions)) or 0

    urgent_condition = (open_state, doc.urgency_code.in_(urgent_codes))
    return Dashboard(
        today=today,
        registered_today=count(doc.registered_at >= local_day_start(today)),
        urgent_open=count(*urgent_condition),
        overdue=count(open_state, doc.deadline < today),
        this_year=count(doc.arrived_at >= local_day_start(date(today.year, 1, 1))),
        recent=list(
            db.session.scalars(
                select(doc).where(visible).order_by(doc.arrived_at.desc(), doc.id.desc()).limit(8)
            )
        ),
        urgent=list(
            db.session.scalars(
                select(doc)
                .where(visible, *urgent_condition)
                .order_by(doc.arrived_at.desc())
                .limit(5)
            )
        ),
    )
