"""Read side of the incoming register: filtered lists, the rows of the printed book and
the senders a clerk is offered while registering."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import Select, and_, exists, false, func, literal, or_, select, true
from sqlalchemy.orm import lazyload, selectinload
from sqlalchemy.sql.elements import ColumnElement

from eoffice.catalog import calendar as catalog_calendar
from eoffice.core.errors import ValidationFailed
from eoffice.core.pagination import KeysetPage, SortKey, keyset_page, sparse_keyset_page
from eoffice.core.text import LIKE_ESCAPE, like_contains
from eoffice.core.timeutil import local_today, local_tz, to_utc
from eoffice.extensions import db
from eoffice.incoming.access import can_see_register, visible_filter
from eoffice.incoming.models import Assignment, IncomingDocument, IncomingState
from eoffice.incoming.readers import IncomingReader
from eoffice.orgs.models import Organisation, Role, User
from eoffice.search import backends
from eoffice.search.models import DocumentKind, SearchEntry
from eoffice.search.tokens import parse_query
from workflows import assignment as assignment_flow
from workflows.calendar import DEFAULT_SOON_WORKING_DAYS, WorkingCalendar
from workflows.incoming import OPEN_STATES

# `RegisterFilters.waiting`: documents waiting for the clerk to present them, or for a
# leader (a deputy: presented to them) to assign them.
WAITING_PRESENT = "present"
WAITING_ASSIGN = "assign"
WAITING_CHOICES = (WAITING_PRESENT, WAITING_ASSIGN)

# `RegisterFilters.due`: open documents by where their deadline stands today, as
# workflows.calendar.due_state names it ("later": due after today, soon or not, or no
# deadline at all: the handler's "sắp tới" group).
DUE_OVERDUE = "overdue"
DUE_TODAY = "today"
DUE_SOON = "soon"
DUE_LATER = "later"
DUE_CHOICES = (DUE_OVERDUE, DUE_TODAY, DUE_SOON, DUE_LATER)


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
    waiting: str | None = None  # WAITING_CHOICES
    mine: bool = False  # the user's own open work, as lead or coordinator
    due: str | None = None  # DUE_CHOICES
    # Not offered on any page; kept so that export requests stored with it still load.
    book_id: int | None = None


def local_day_start(day: date) -> datetime:
    """00:00 office time of `day`, as UTC."""
    return to_utc(datetime.combine(day, time.min, tzinfo=local_tz()))


def filtered(user: User, filters: RegisterFilters, *, text_per_row: bool = False) -> Select:
    """The documents of the register the user may see, narrowed by `filters`.

    `text_per_row`: test the words row by row (text_condition) instead of starting
    from the documents the search index names; for walking the register's order when
    the words are known to be common."""
    doc = IncomingDocument
    stmt = visible_documents(user)
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
    if filters.waiting in WAITING_CHOICES:
        stmt = stmt.where(waiting_condition(user, filters.waiting))
    if filters.mine:
        stmt = stmt.where(my_work_condition(user))
    if filters.due in DUE_CHOICES:
        stmt = stmt.where(due_condition(filters.due, local_today(), office_calendar()))
    if filters.text:
        stmt = stmt.where(text_condition(user, filters.text, per_row=text_per_row))
    return stmt


def visible_documents(user: User) -> Select:
    """select(IncomingDocument) of what the user may see. A staff member's are joined
    from their `incoming_readers` rows, so that their register walks that index in
    arrival order (`register_order`) instead of the organisation's."""
    doc = IncomingDocument
    if can_see_register(user):
        return select(doc).where(visible_filter(user))
    reader = IncomingReader
    return select(doc).join(reader, and_(reader.document_id == doc.id, reader.user_id == user.id))


def text_condition(user: User, text: str, *, per_row: bool = False) -> ColumnElement[bool]:
    """The register's text filter through the search index: every word (folded: case and
    diacritics ignored) and every "phrase in quotes" or symbol ("12/KH-UBND") of `text`
    is in the document's number, symbol, sender, recipient, subject, signer, notes or
    attached files' text. Whole words, not parts of words: the index answers that at a
    million documents, where LIKE '%…%' reads every row. A text without a single word
    (punctuation only) filters nothing.

    By default the documents the index names (its GIN / FTS5 index finds them all).
    `per_row`: a correlated test of each document's own index row, for a walk in the
    register's order that stops after a page. OFFSET 0 keeps PostgreSQL from turning
    it back into a join driven by the word's index (which it may prefer, misled by its
    estimate for the word, and then sort every match).
    """
    parsed = parse_query(text)
    if not parsed:
        return true()
    entry = SearchEntry
    conditions = (
        entry.kind == DocumentKind.INCOMING.value,
        entry.org_id == user.org_id,
        backends.match(db.session, parsed),
    )
    if per_row:
        return exists(
            select(literal(1))
            .where(entry.document_id == IncomingDocument.id, *conditions)
            .limit(1)
            .offset(0)
        )
    return IncomingDocument.id.in_(select(entry.document_id).where(*conditions))


def office_calendar() -> WorkingCalendar:
    """The deployment's working calendar (holidays from the admin page), once per request."""
    return catalog_calendar.office_calendar()


def waiting_condition(user: User, waiting: str) -> ColumnElement[bool]:
    """What waits for the user's step: presenting (the clerk) or assigning (a leader sees
    every presented document, a deputy only those presented to them)."""
    doc = IncomingDocument
    if waiting == WAITING_PRESENT:
        return doc.state.in_((IncomingState.REGISTERED, IncomingState.RETURNED))
    presented = doc.state == IncomingState.PRESENTED
    if user.has_role(Role.LEADER):
        return presented
    if user.has_role(Role.DEPUTY):
        return and_(presented, doc.presented_to_id == user.id)
    return false()


def my_work_condition(user: User) -> ColumnElement[bool]:
    """Open documents in which the user holds an open lead or coordinating part, in person
    or through their unit (the same holders as Assignment.held_by)."""
    part = Assignment
    holder = or_(
        part.user_id == user.id,
        part.unit_id == user.unit_id if user.unit_id else false(),
    )
    parts = select(part.document_id).where(
        holder,
        part.kind.in_((assignment_flow.LEAD, assignment_flow.COORDINATOR)),
        part.state.in_(sorted(assignment_flow.OPEN_STATES)),
    )
    doc = IncomingDocument
    return and_(doc.id.in_(parts), doc.state.in_(sorted(OPEN_STATES)))


def soon_limit(today: date, calendar: WorkingCalendar) -> date:
    """The first deadline that is no longer "sắp đến hạn": due_state calls a deadline soon
    while at most DEFAULT_SOON_WORKING_DAYS working days remain after today."""
    return calendar.add_working_days(today, DEFAULT_SOON_WORKING_DAYS + 1)


def due_condition(due: str, today: date, calendar: WorkingCalendar) -> ColumnElement[bool]:
    """Open documents whose deadline stands at `due` today; the SQL twin of due_state."""
    doc = IncomingDocument
    is_open = doc.state.in_(sorted(OPEN_STATES))
    if due == DUE_OVERDUE:
        return and_(is_open, doc.deadline < today)
    if due == DUE_TODAY:
        return and_(is_open, doc.deadline == today)
    limit = soon_limit(today, calendar)
    if due == DUE_SOON:
        return and_(is_open, doc.deadline > today, doc.deadline < limit)
    return and_(is_open, or_(doc.deadline.is_(None), doc.deadline > today))


def register_count(user: User, filters: RegisterFilters) -> int:
    return db.session.scalar(select(func.count()).select_from(filtered(user, filters).subquery()))


# Newest first: by arrival time, then by id (the registration order); the index
# ix_incoming_org_arrival (org_id, arrived_at, id) walks it for one organisation.
REGISTER_ORDER = SortKey(
    "incoming.register",
    ((IncomingDocument.arrived_at, True), (IncomingDocument.id, True)),
)


def _reader_key(row) -> tuple:
    """The key of a document, or of a row of bare keys (arrival time, document id) as
    `sparse_keyset_page` reads them."""
    if isinstance(row, IncomingDocument):
        return (row.arrived_at, row.id)
    return (row.arrived_at, row.document_id)


# The same order for a staff member, read from their readers rows (see
# visible_documents); the same cursors.
READER_ORDER = SortKey(
    REGISTER_ORDER.name,
    ((IncomingReader.arrived_at, True), (IncomingReader.document_id, True)),
    values=_reader_key,
)


def register_order(user: User) -> SortKey:
    """The register's order as the user's list is best walked."""
    return REGISTER_ORDER if can_see_register(user) else READER_ORDER


# With words to find, the keys of at most this many matches are read first (see
# register_page): reading them costs about as much, beyond it, as walking the register
# for a page of a word at least this common costs.
TEXT_MATCH_PROBE = 5_000

# What a row of the register shows besides the document's own columns, loaded for the
# whole page at once (attachments, type, urgency and confidentiality load with it).
ROW_LOADS = (
    selectinload(IncomingDocument.register_book),
    selectinload(IncomingDocument.recipient_unit),
    selectinload(IncomingDocument.recipient_user),
)


def register_page(
    user: User, filters: RegisterFilters, cursor: str | None, per_page: int
) -> KeysetPage:
    """One keyset page of the register, with its capped count (see core.pagination).

    With words to find, the page starts from the documents the search index names
    (sparse_keyset_page): a rare word must not make the page read the whole register.
    """
    stmt = filtered(user, filters)
    order = register_order(user)
    if filters.text and parse_query(filters.text):
        dense = filtered(user, filters, text_per_row=True)
        return sparse_keyset_page(
            stmt,
            order,
            cursor,
            per_page,
            options=ROW_LOADS,
            dense=dense,
            probe=TEXT_MATCH_PROBE,
        )
    return keyset_page(stmt, order, cursor, per_page, options=ROW_LOADS)


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


def tracking_rows(user: User, filters: RegisterFilters) -> list[IncomingDocument]:
    """The entries of the Sổ theo dõi giải quyết: the printed register's entries, each with
    its assignments loaded in one more query (the book shows who holds each document)."""
    stmt = (
        filtered(user, filters)
        .options(selectinload(IncomingDocument.assignments), lazyload(IncomingDocument.attachments))
        .order_by(IncomingDocument.register_book_id, IncomingDocument.arrival_number)
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
