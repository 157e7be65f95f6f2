"""Who may read each incoming document without the register's overview, one row per
person and document, kept in step with the rules of `incoming.access` at every flush.

A staff member sees what is addressed to them or their unit (a secret one only when
addressed to them) and every document in which they or their unit hold a part. Asked
live, that is an OR of four look-ups over the organisation's documents, and a page of
their register, their search or their dashboard read thousands of rows to find twenty
(STACK.md §9, decision 0019). Written down per person, with the arrival time beside
it, their documents are one index range in register order.

The rows are derived data: rebuilt from the documents, parts and users whenever one
of those changes (`_rebuild_after_flush`), in the same transaction and before any
query of it can run (autoflush), so a rollback takes them back with the change.
`rebuild_all` recomputes them all (the benchmark corpus, a repair).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Select, delete, event, func, select, union
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, Session, attributes, mapped_column

from eoffice.catalog.models import ConfidentialityLevel
from eoffice.core.dbtypes import UTCDateTime
from eoffice.extensions import db
from eoffice.incoming.models import Assignment, IncomingDocument
from eoffice.orgs.models import User

# A change to any of these changes who may read the document.
_DOCUMENT_FIELDS = ("recipient_user_id", "recipient_unit_id", "confidentiality_code", "arrived_at")
_PART_FIELDS = ("user_id", "unit_id", "document_id")
_BATCH = 500
# The first key of the advisory locks taken while rebuilding (the second: the org id).
_LOCK_CLASS = 19


class IncomingReader(db.Model):
    """`user_id` may read `document_id` (addressed to them or their unit, or a part held
    by them or their unit); `arrived_at` is the document's, for walks in register order.

    A part given to someone else still counts: whoever worked on a document keeps
    seeing its timeline, they only lose the right to act on it."""

    __tablename__ = "incoming_readers"
    __table_args__ = (
        Index("ix_incoming_readers_user_arrival", "user_id", "arrived_at", "document_id"),
        Index("ix_incoming_readers_document", "document_id"),
    )

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    document_id: Mapped[int] = mapped_column(
        ForeignKey("incoming_documents.id", ondelete="CASCADE"), primary_key=True
    )
    arrived_at: Mapped[datetime] = mapped_column(UTCDateTime)


def documents_of(user: User) -> Select:
    """The ids of the documents `user` is a reader of (no duplicates: the primary key)."""
    return select(IncomingReader.document_id).where(IncomingReader.user_id == user.id)


def _pairs(documents: list[int] | None = None, users: list[int] | None = None) -> Select:
    """(user id, document id) of every reader, of these documents or these people only.

    Only people of the document's own organisation: the rows can then stand for the
    whole staff rule, organisation included (`incoming.access.visible_filter`)."""
    doc, part = IncomingDocument, Assignment
    secret_codes = select(ConfidentialityLevel.code).where(ConfidentialityLevel.rank >= 1)
    same_org = User.org_id == doc.org_id

    def only(stmt: Select, document_column) -> Select:
        if documents is not None:
            stmt = stmt.where(document_column.in_(documents))
        if users is not None:
            stmt = stmt.where(User.id.in_(users))
        return stmt.where(same_org)

    addressed = only(
        select(User.id.label("user_id"), doc.id.label("document_id")).join(
            doc, doc.recipient_user_id == User.id
        ),
        doc.id,
    )
    unit_addressed = only(
        select(User.id, doc.id)
        .join(doc, doc.recipient_unit_id == User.unit_id)
        .where(doc.confidentiality_code.not_in(secret_codes)),
        doc.id,
    )
    holding = only(
        select(User.id, part.document_id)
        .join(part, part.user_id == User.id)
        .join(doc, doc.id == part.document_id),
        part.document_id,
    )
    unit_holding = only(
        select(User.id, part.document_id)
        .join(part, part.unit_id == User.unit_id)
        .join(doc, doc.id == part.document_id),
        part.document_id,
    )
    return union(addressed, unit_addressed, holding, unit_holding)


def _insert_pairs(connection: Connection, pairs: Select) -> None:
    found = pairs.subquery("readers_found")
    rows = select(found.c.user_id, found.c.document_id, IncomingDocument.arrived_at).join(
        IncomingDocument, IncomingDocument.id == found.c.document_id
    )
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(IncomingReader).from_select(
        ["user_id", "document_id", "arrived_at"], rows
    )
    # A row already there is the same row (the rule is a function of the data): the
    # lock below keeps two rebuilds apart; this only keeps a repair from failing.
    connection.execute(statement.on_conflict_do_nothing())


def _lock_organisations(connection: Connection, org_ids: Iterable[int]) -> None:
    """Hold, until the commit, the right to rebuild these organisations' rows
    (PostgreSQL; SQLite runs one writer at a time).

    Two transactions rebuilding rows of one organisation at once would each compute
    them from what it sees: a part given to a unit while a member leaves it could
    leave the member reading the document for good, or a member joining miss it. After
    this lock, a statement sees what the transaction it waited for committed, so the
    second rebuild starts from the first's result. An advisory lock: no table row is
    locked, and organisations in ascending order, so two rebuilds never wait in a
    circle."""
    if connection.dialect.name != "postgresql":
        return
    for org_id in sorted(set(org_ids)):
        connection.execute(select(func.pg_advisory_xact_lock(_LOCK_CLASS, org_id)))


def rebuild_documents(connection: Connection, ids: Iterable[int]) -> None:
    """Recompute the readers of these documents."""
    wanted = sorted(set(ids))
    for start in range(0, len(wanted), _BATCH):
        chunk = wanted[start : start + _BATCH]
        connection.execute(delete(IncomingReader).where(IncomingReader.document_id.in_(chunk)))
        _insert_pairs(connection, _pairs(documents=chunk))


def rebuild_users(connection: Connection, ids: Iterable[int]) -> None:
    """Recompute what these people may read (a new person, or one moved to another unit)."""
    wanted = sorted(set(ids))
    for start in range(0, len(wanted), _BATCH):
        chunk = wanted[start : start + _BATCH]
        connection.execute(delete(IncomingReader).where(IncomingReader.user_id.in_(chunk)))
        _insert_pairs(connection, _pairs(users=chunk))


def rebuild_all(connection: Connection) -> None:
    """Every reader of every document, from scratch."""
    connection.execute(delete(IncomingReader))
    _insert_pairs(connection, _pairs())


# The session listener --------------------------------------------------------------------


def _changed(obj: object, names: tuple[str, ...]) -> bool:
    return any(attributes.get_history(obj, name).has_changes() for name in names)


def _rebuild_after_flush(session: Session, _context: object) -> None:
    """Rows of the documents and people this flush changed, rebuilt on the flush's own
    connection: the next query of the transaction already sees them."""
    documents: set[int] = set()
    users: set[int] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, IncomingDocument):
            if obj in session.deleted:
                continue  # its rows go with it (ON DELETE CASCADE)
            if obj in session.new or _changed(obj, _DOCUMENT_FIELDS):
                documents.add(obj.id)
        elif isinstance(obj, Assignment):
            if obj in session.new or obj in session.deleted or _changed(obj, _PART_FIELDS):
                documents.add(obj.document_id)
                for old in attributes.get_history(obj, "document_id").deleted or ():
                    if old is not None:
                        documents.add(old)
        elif (
            isinstance(obj, User)
            and obj not in session.deleted
            and (obj in session.new or _changed(obj, ("unit_id",)))
        ):
            users.add(obj.id)
    documents.discard(None)  # type: ignore[arg-type]
    if not documents and not users:
        return
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        orgs = set(connection.scalars(select(User.org_id).where(User.id.in_(sorted(users)))))
        orgs.update(
            connection.scalars(
                select(IncomingDocument.org_id).where(IncomingDocument.id.in_(sorted(documents)))
            )
        )
        _lock_organisations(connection, orgs)
    if documents:
        rebuild_documents(connection, documents)
    if users:
        rebuild_users(connection, users)


def install() -> None:
    """Listen on every ORM session (idempotent: create_app may run many times)."""
    if not event.contains(Session, "after_flush", _rebuild_after_flush):
        event.listen(Session, "after_flush", _rebuild_after_flush)
