"""Read side of the incoming register: filtered lists and the rows of the printed book."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import Select, func, select

from eoffice.catalog.models import UrgencyLevel
from eoffice.core.text import vn_fold
from eoffice.core.timeutil import local_today, local_tz, to_utc
from eoffice.extensions import db
from eoffice.incoming.access import visible_filter
from eoffice.incoming.models import IncomingDocument, IncomingState
from eoffice.orgs.models import User


@dataclass
class RegisterFilters:
    date_from: date | None = None
    date_to: date | None = None
    sender: str | None = None
    document_type_id: int | None = None
    urgency_code: str | None = None
    urgent_only: bool = False
    overdue: bool = False
    state: str | None = None
    text: str | None = None
    book_id: int | None = None

    def is_empty(self) -> bool:
        return not any(vars(self).values())


def local_day_start(day: date) -> datetime:
    """00:00 office time of `day`, as UTC."""
    return to_utc(datetime.combine(day, time.min, tzinfo=local_tz()))


def _like_folded(text: str) -> str:
    escaped = vn_fold(text).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def filtered(user: User, filters: RegisterFilters) -> Select:
    doc = IncomingDocument
    stmt = select(doc).where(visible_filter(user))
    if filters.date_from:
        stmt = stmt.where(doc.arrived_at >= local_day_start(filters.date_from))
    if filters.date_to:
        stmt = stmt.where(doc.arrived_at < local_day_start(filters.date_to + timedelta(days=1)))
    if filters.sender:
        stmt = stmt.where(doc.sender_name_folded.like(_like_folded(filters.sender), escape="\\"))
    if filters.document_type_id:
        stmt = stmt.where(doc.document_type_id == filters.document_type_id)
    if filters.urgency_code:
        stmt = stmt.where(doc.urgency_code == filters.urgency_code)
    if filters.urgent_only:
        stmt = stmt.where(
            doc.urgency_code.in_(select(UrgencyLevel.code).where(UrgencyLevel.rank >= 1))
        )
    if filters.overdue:
        stmt = stmt.where(doc.deadline < local_today(), doc.state == IncomingState.REGISTERED)
    if filters.state:
        stmt = stmt.where(doc.state == filters.state)
    if filters.book_id:
        stmt = stmt.where(doc.register_book_id == filters.book_id)
    if filters.text:
        for word in vn_fold(filters.text).split():
            stmt = stmt.where(doc.search_text.like(_like_folded(word), escape="\\"))
    return stmt


@dataclass
class Page:
    items: list[IncomingDocument]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def register_count(user: User, filters: RegisterFilters) -> int:
    return db.session.scalar(select(func.count()).select_from(filtered(user, filters).subquery()))


def register_page(user: User, filters: RegisterFilters, page: int, per_page: int) -> Page:
    """Newest first: by arrival time, then by id (the registration order)."""
    base = filtered(user, filters)
    total = register_count(user, filters)
    page = max(1, page)
    items = db.session.scalars(
        base.order_by(IncomingDocument.arrived_at.desc(), IncomingDocument.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return Page(list(items), page, per_page, total)


def register_rows(
    user: User, filters: RegisterFilters, limit: int = 20000
) -> list[IncomingDocument]:
    """Entries of the printed register, in arrival-number order (oldest first)."""
    stmt = filtered(user, filters).order_by(
        IncomingDocument.register_book_id,
        IncomingDocument.arrival_number,
    )
    return list(db.session.scalars(stmt.limit(limit)))
