"""Read side of the API: keyset pages of the register and the lookup lists of the catalogue.

Keyset rather than offset pagination: a clerk registering documents while a client
pages through the list would otherwise shift rows between pages (duplicates or gaps),
and deep offsets get slower; (arrived_at, id) follows the index ix_incoming_org_arrival.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, false, or_, select
from sqlalchemy.orm import aliased, contains_eager, selectinload

from eoffice.catalog.defaults import DEFAULT_BOOKS
from eoffice.catalog.models import ConfidentialityLevel, DocumentType, RegisterBook, UrgencyLevel
from eoffice.core import keyset
from eoffice.core.timeutil import local_today
from eoffice.extensions import db
from eoffice.incoming.access import visible_filter
from eoffice.incoming.models import Assignment, IncomingDocument
from eoffice.incoming.queries import (
    TEXT_MATCH_PROBE,
    RegisterFilters,
    filtered,
    register_order,
)
from eoffice.orgs.models import Unit, User
from eoffice.search.tokens import parse_query
from workflows import assignment as assignment_flow


@dataclass(frozen=True)
class Keyset:
    """Position after the last row of a page: its arrival time and id."""

    arrived_at: datetime
    id: int


@dataclass
class KeysetPage:
    items: list[IncomingDocument]
    next_key: Keyset | None


def incoming_page(
    user: User, filters: RegisterFilters, limit: int, after: Keyset | None
) -> KeysetPage:
    """Newest first; `after` continues below the last row of the previous page.

    With words to find, as on the register page (incoming.queries.register_page): the
    keys of the matches are read first through the search index, and when there are
    few the page is cut from them; when there are many the register's order is walked,
    testing each document's own index row.
    """
    # (arrival time, id), read where the user's list is best walked (register_order).
    arrived_at, doc_id = (column for column, _ in register_order(user).columns)
    stmt = filtered(user, filters)
    if filters.text and parse_query(filters.text):
        keys = db.session.execute(
            stmt.with_only_columns(arrived_at, doc_id, maintain_column_froms=True).limit(
                TEXT_MATCH_PROBE + 1
            )
        ).all()
        if len(keys) <= TEXT_MATCH_PROBE:
            return _page_of_keys(keys, limit, after)
        stmt = filtered(user, filters, text_per_row=True)
    if after is not None:
        # A row-value comparison: the index starts at the key.
        stmt = stmt.where(keyset.after((arrived_at, doc_id), (after.arrived_at, after.id)))
    rows = list(
        db.session.scalars(stmt.order_by(arrived_at.desc(), doc_id.desc()).limit(limit + 1))
    )
    items = rows[:limit]
    next_key = Keyset(items[-1].arrived_at, items[-1].id) if len(rows) > limit else None
    return KeysetPage(items, next_key)


def _page_of_keys(keys: list, limit: int, after: Keyset | None) -> KeysetPage:
    """A page cut from the (arrival time, id) keys of every match, newest first."""
    ordered = sorted(((at, doc_id) for at, doc_id in keys), reverse=True)
    if after is not None:
        ordered = [k for k in ordered if k < (after.arrived_at, after.id)]
    chosen = ordered[: limit + 1]
    ids = [i for _, i in chosen[:limit]]
    found = {
        d.id: d
        for d in db.session.scalars(select(IncomingDocument).where(IncomingDocument.id.in_(ids)))
    }
    items = [found[i] for i in ids if i in found]
    next_key = Keyset(*chosen[limit - 1]) if len(chosen) > limit else None
    return KeysetPage(items, next_key)


@dataclass(frozen=True)
class WorkKey:
    """Position after the last part of a page of /me/work: its deadline (None last) and id."""

    deadline: date | None
    id: int


@dataclass
class WorkPage:
    items: list[Assignment]
    next_key: WorkKey | None


WORKING_KINDS = (assignment_flow.LEAD, assignment_flow.COORDINATOR)


def open_parts_page(user: User, limit: int, after: WorkKey | None) -> WorkPage:
    """The user's open lead and coordinating parts, nearest deadline first, none last.

    Held in person or through the user's unit, as `Assignment.held_by` says. The parts
    table is aliased because visible_filter has its own subquery on it, which must not
    correlate with these rows.
    """
    part = aliased(Assignment)
    doc = IncomingDocument
    held = or_(
        part.user_id == user.id,
        part.unit_id == user.unit_id if user.unit_id else false(),
    )
    stmt = (
        select(part)
        .join(part.document)
        .options(contains_eager(part.document), selectinload(part.assigned_by))
        .where(
            held,
            part.kind.in_(WORKING_KINDS),
            part.state.in_(sorted(assignment_flow.OPEN_STATES)),
            doc.org_id == user.org_id,
            visible_filter(user),
        )
    )
    if after is not None and after.deadline is None:
        stmt = stmt.where(part.deadline.is_(None), part.id > after.id)
    elif after is not None:
        stmt = stmt.where(
            or_(
                part.deadline > after.deadline,
                and_(part.deadline == after.deadline, part.id > after.id),
                part.deadline.is_(None),
            )
        )
    stmt = stmt.order_by(part.deadline.is_(None), part.deadline, part.id).limit(limit + 1)
    rows = list(db.session.scalars(stmt).unique())
    items = rows[:limit]
    next_key = WorkKey(items[-1].deadline, items[-1].id) if len(rows) > limit else None
    return WorkPage(items, next_key)


def document_types() -> list[DocumentType]:
    return list(
        db.session.scalars(
            select(DocumentType)
            .where(DocumentType.is_active.is_(True))
            .order_by(DocumentType.sort_order, DocumentType.name)
        )
    )


def levels(model: type[UrgencyLevel] | type[ConfidentialityLevel]) -> list:
    return list(
        db.session.scalars(select(model).where(model.is_active.is_(True)).order_by(model.rank))
    )


def incoming_books(org_id: int) -> list[RegisterBook]:
    """This year's open incoming books (read only: opening books is the service's job)."""
    return list(
        db.session.scalars(
            select(RegisterBook)
            .where(
                RegisterBook.org_id == org_id,
                RegisterBook.direction == "incoming",
                RegisterBook.year == local_today().year,
                RegisterBook.is_active.is_(True),
            )
            .order_by(RegisterBook.is_confidential, RegisterBook.id)
        )
    )


def is_known_book_code(org_id: int, code: str) -> bool:
    """A default incoming book, or one the organisation has opened in some year."""
    if any(d == "incoming" and c == code for d, c, _name, _conf in DEFAULT_BOOKS):
        return True
    stmt = select(RegisterBook.id).where(
        RegisterBook.org_id == org_id,
        RegisterBook.direction == "incoming",
        RegisterBook.code == code,
    )
    return db.session.scalars(stmt.limit(1)).first() is not None


def units_of(org_id: int) -> list[Unit]:
    return list(
        db.session.scalars(
            select(Unit).where(Unit.org_id == org_id, Unit.is_active.is_(True)).order_by(Unit.name)
        )
    )


def users_of(org_id: int) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .where(User.org_id == org_id, User.is_active_account.is_(True))
            .order_by(User.full_name, User.id)
        )
    )
