"""Read side of the incoming register: filtered lists, the rows of the printed book and
the senders a clerk is offered while registering."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import Select, func, or_, select

from eoffice.core.errors import ValidationFailed
from eoffice.core.pagination import Page, paginate
from eoffice.core.text import LIKE_ESCAPE, like_contains, vn_fold
from eoffice.core.timeutil import local_today, local_tz, to_utc
from eoffice.extensions import db
from eoffice.incoming.access import visible_filter
from eoffice.incoming.models import IncomingDocument
from eoffice.orgs.models import Organisation, User


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
    # Not offered on any page; kept so that export requests stored with it still load.
    book_id: int | None = None


def local_day_start(day: date) -> datetime:
    """00:00 office time of `day`, as UTC."""
    return to_utc(datetime.combine(day, time.min, tzinfo=local_tz()))


def filtered(user: User, filters: RegisterFilters) -> Select:
    doc = IncomingDocument
    stmt = select(doc).where(visible_filter(user))
    if filters.date_from:
        stmt = stmt.where(doc.arrived_at >= local_day_start(filters.date_from))
    if filters.date_to:
        stmt = stmt.where(doc.arrived_at < local_day_start(filters.date_to + timedelta(days=1)))
    if filters.sender:
        stmt = stmt.where(
            doc.sender_name_folded.like(like_contains(filters.sender), escape=LIKE_ESCAPE)
        )
    if filters.document_type_id:
        stmt = stmt.where(doc.document_type_id == filters.document_type_id)
    if filters.urgency_code:
        stmt = stmt.where(doc.urgency_code == filters.urgency_code)
    if filters.urgent_only:
        stmt = stmt.where(doc.is_urgent)
    if filters.overdue:
        stmt = stmt.where(doc.is_overdue)
    if filters.state:
        stmt = stmt.where(doc.state == filters.state)
    if filters.book_id:
        stmt = stmt.where(doc.register_book_id == filters.book_id)
    if filters.text:
        for word in vn_fold(filters.text).split():
            stmt = stmt.where(doc.search_text.like(like_contains(word), escape=LIKE_ESCAPE))
    return stmt


def register_count(user: User, filters: RegisterFilters) -> int:
    return db.session.scalar(select(func.count()).select_from(filtered(user, filters).subquery()))


def register_page(user: User, filters: RegisterFilters, page: int, per_page: int) -> Page:
    """Newest first: by arrival time, then by id (the registration order)."""
    doc = IncomingDocument
    stmt = filtered(user, filters).order_by(doc.arrived_at.desc(), doc.id.desc())
    return paginate(stmt, page, per_page)


def print_filters(date_from: date | None, date_to: date | None) -> RegisterFilters:
    """The printed Sổ đăng ký covers a period and nothing else: every entry of those days,
    whatever the list on screen was filtered by, so that "từ số … đến số …" has no gaps.
    Without dates it is the current month up to today, office time."""
    end = date_to or local_today()
    start = date_from or end.replace(day=1)
    if start > end:
        message = "“Từ ngày” không được sau “Đến ngày”."
        raise ValidationFailed(message, field_errors={"date_to": message})
    return RegisterFilters(date_from=start, date_to=end)


def register_rows(user: User, filters: RegisterFilters) -> list[IncomingDocument]:
    """Every entry of the printed register, in arrival-number order (oldest first).

    No limit here: a register with a row missing is wrong. The size caps live with the
    renderers (reports.incoming_register), which refuse a register too long to make.
    """
    stmt = filtered(user, filters).order_by(
        IncomingDocument.register_book_id,
        IncomingDocument.arrival_number,
    )
    return list(db.session.scalars(stmt))


def sender_suggestions(user: User) -> list[Organisation]:
    """Senders offered while registering: the organisations of this deployment, and the
    outside senders this organisation has itself received documents from.

    Not the whole directory: outside senders typed by other schools are theirs, and a
    sender of a document the user may not see is not suggested either.
    """
    received_from = (
        select(IncomingDocument.sender_org_id)
        .where(visible_filter(user), IncomingDocument.sender_org_id.is_not(None))
        .distinct()
    )
    return list(
        db.session.scalars(
            select(Organisation)
            .where(
                Organisation.is_active.is_(True),
                or_(Organisation.is_member.is_(True), Organisation.id.in_(received_from)),
            )
            .order_by(Organisation.name_folded, Organisation.id)
        )
    )
