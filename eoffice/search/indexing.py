"""Keeping `search_entries` in step with the documents, in the same transaction.

No service calls the index: a session listener notes every incoming or outgoing
document that was added, or whose searchable fields or files changed, and rebuilds
those documents' rows just before the transaction commits. A step that rolls back
leaves the index as it was; a search right after a commit finds the document.

The text inside files arrives later (a background job extracts it, `search.texts`)
and re-indexes the documents holding that file through `reindex`; so does the job that
follows a renamed unit or user (`search.renames`).

Two transactions may rebuild the same row at once: a clerk's edit and the extraction
job storing the text of the document's file, say. Each builds the row from what it saw,
and the one committing last would write its view over the other's. So `reindex` first
locks the documents' rows (PostgreSQL: FOR NO KEY UPDATE, ids in order, so two
rebuilds never wait for each other in a circle), and only then reads them, in new
statements that refresh the session's copies: the second of two rebuilds waits for the
first to commit and, under READ COMMITTED, sees all of its work. SQLite runs one writer
at a time and needs no lock.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import event, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, attributes, selectinload

from eoffice.core.timeutil import now_utc
from eoffice.incoming.models import IncomingAttachment, IncomingDocument
from eoffice.outgoing.models import OutgoingAttachment, OutgoingDocument, OutgoingRecipient
from eoffice.search.models import DocumentKind, FileText, SearchEntry, TextState
from eoffice.search.tokens import MAX_INDEXED_CHARS, exact_words, folded_words

log = logging.getLogger(__name__)

_PENDING_KEY = "eoffice.search.pending"
_BATCH = 500

# A change to any of these (or to the document's files) rebuilds its index row.
_WATCHED = {
    IncomingDocument: (
        "search_text",
        "subject",
        "sender_name",
        "code_number",
        "code_notation",
        "signer_name",
        "signer_position",
        "notes",
        "reply_reference",
        "arrived_at",
        "arrival_number",
        "recipient_unit_id",
        "recipient_user_id",
    ),
    OutgoingDocument: (
        "search_text",
        "subject",
        "body_html",
        "addressees",
        "symbol",
        "number",
        "issued_at",
        "signer_id",
        "signer_title",
    ),
}
_FILES = {
    IncomingAttachment: DocumentKind.INCOMING,
    OutgoingAttachment: DocumentKind.OUTGOING,
    OutgoingRecipient: DocumentKind.OUTGOING,
}
_TAG = re.compile(r"<[^>]+>")


@dataclass(frozen=True)
class EntryText:
    """What one document contributes to the index."""

    kind: str
    document_id: int
    org_id: int
    sorted_at: datetime
    pieces: tuple[str, ...]

    def row(self) -> dict:
        """The index row: whole words only, up to MAX_INDEXED_CHARS (never a cut word
        nor an empty one, which PostgreSQL's array_to_tsvector would refuse)."""
        folded: list[str] = []
        exact: dict[str, None] = {}
        size = exact_size = 0
        for piece in self.pieces:
            for word in folded_words(piece):
                size += len(word) + 1
                if size > MAX_INDEXED_CHARS:
                    break
                folded.append(word)
            if size > MAX_INDEXED_CHARS:
                break  # the accented words of a piece cut short are left out too
            for word in exact_words(piece):
                if word not in exact:
                    exact_size += len(word.encode()) + 1
                    if exact_size > MAX_INDEXED_CHARS:
                        break
                    exact[word] = None
        return {
            "kind": self.kind,
            "document_id": self.document_id,
            "org_id": self.org_id,
            "sorted_at": self.sorted_at,
            "folded": " ".join(folded),
            "exact": " ".join(exact),
            "updated_at": now_utc(),
        }


def html_text(markup: str | None) -> str:
    """The words of a sanitised HTML body (tags dropped, entities decoded)."""
    if not markup:
        return ""
    return html.unescape(_TAG.sub(" ", markup))


def _file_texts(stored_file_ids: Iterable[int], session: Session) -> dict[int, str]:
    ids = sorted(set(stored_file_ids))
    if not ids:
        return {}
    rows = session.execute(
        select(FileText.stored_file_id, FileText.text).where(
            FileText.stored_file_id.in_(ids), FileText.state == TextState.DONE
        )
    )
    return {file_id: text for file_id, text in rows}


# The builders read the documents as the database holds them now, not as this session
# loaded them earlier: another transaction may have committed a change since (or a
# renamed unit or user), and the row must not undo it. Everything this session changed
# is flushed before a rebuild, so refreshing loses nothing.
_FRESH = {"populate_existing": True}


def incoming_entries(ids: list[int], session: Session) -> list[EntryText]:
    docs = session.scalars(
        select(IncomingDocument)
        .where(IncomingDocument.id.in_(ids))
        .options(
            selectinload(IncomingDocument.recipient_unit),
            selectinload(IncomingDocument.recipient_user),
            selectinload(IncomingDocument.attachments),
        )
        .execution_options(**_FRESH)
    ).all()
    texts = _file_texts((a.stored_file_id for d in docs for a in d.attachments), session)
    entries = []
    for doc in docs:
        pieces = (
            str(doc.arrival_number),
            doc.symbol,
            doc.sender_name,
            doc.recipient_label,
            doc.subject,
            doc.signer_name or "",
            doc.signer_position or "",
            doc.notes or "",
            doc.reply_reference or "",
            *(texts.get(a.stored_file_id, "") for a in doc.attachments),
        )
        entries.append(EntryText(DocumentKind.INCOMING, doc.id, doc.org_id, doc.arrived_at, pieces))
    return entries


def outgoing_entries(ids: list[int], session: Session) -> list[EntryText]:
    docs = session.scalars(
        select(OutgoingDocument)
        .where(OutgoingDocument.id.in_(ids))
        .options(
            selectinload(OutgoingDocument.recipients),
            selectinload(OutgoingDocument.attachments),
            selectinload(OutgoingDocument.signer),
        )
        .execution_options(**_FRESH)
    ).all()
    texts = _file_texts((a.stored_file_id for d in docs for a in d.attachments), session)
    entries = []
    for doc in docs:
        pieces = (
            str(doc.number or ""),
            doc.symbol or "",
            doc.subject,
            doc.addressees or "",
            " ".join(r.name for r in doc.recipients),
            doc.signer.full_name if doc.signer else "",
            doc.signer_title or "",
            html_text(doc.body_html),
            *(texts.get(a.stored_file_id, "") for a in doc.attachments),
        )
        sorted_at = doc.issued_at or doc.created_at
        entries.append(EntryText(DocumentKind.OUTGOING, doc.id, doc.org_id, sorted_at, pieces))
    return entries


_BUILDERS = {DocumentKind.INCOMING: incoming_entries, DocumentKind.OUTGOING: outgoing_entries}
_TABLES = {DocumentKind.INCOMING: IncomingDocument, DocumentKind.OUTGOING: OutgoingDocument}


def lock_documents(kind: str, ids: list[int], session: Session) -> None:
    """Wait for, then hold until the commit, the rows of these documents (PostgreSQL).

    FOR NO KEY UPDATE: it conflicts with another rebuild's lock and with an edit of the
    document (an UPDATE), not with rows merely pointing at it (an attachment being
    added). Ids in ascending order: two transactions locking overlapping sets take
    them in the same order. A statement run after this sees what the transactions it
    waited for committed.
    """
    if not ids or session.get_bind().dialect.name != "postgresql":
        return
    model = _TABLES[DocumentKind(kind)]
    session.execute(
        select(model.id)
        .where(model.id.in_(sorted(ids)))
        .order_by(model.id)
        .with_for_update(key_share=True)
    ).all()


def _upsert(rows: list[dict], session: Session) -> None:
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(SearchEntry)
    stmt = stmt.on_conflict_do_update(
        index_elements=[SearchEntry.kind, SearchEntry.document_id],
        set_={
            "org_id": stmt.excluded.org_id,
            "sorted_at": stmt.excluded.sorted_at,
            "folded": stmt.excluded.folded,
            "exact": stmt.excluded.exact,
            "updated_at": stmt.excluded.updated_at,
        },
    )
    session.execute(stmt, rows)


def reindex(kind: str, ids: Iterable[int], session: Session) -> int:
    """Rebuild the index rows of these documents (in batches); returns how many.

    Every rebuild comes through here (the commit of a step, the extraction job, the
    rename job, the CLI): each batch is locked first (`lock_documents`), then read.
    Call it with this session's changes flushed: the documents are read back fresh.
    """
    wanted = sorted(set(ids))
    done = 0
    for start in range(0, len(wanted), _BATCH):
        chunk = wanted[start : start + _BATCH]
        lock_documents(kind, chunk, session)
        rows = [entry.row() for entry in _BUILDERS[DocumentKind(kind)](chunk, session)]
        _upsert(rows, session)
        done += len(rows)
    return done


# The session listener --------------------------------------------------------------------


def _pending(session: Session) -> set[tuple[str, int]]:
    return session.info.setdefault(_PENDING_KEY, set())


def _changed(obj: object, names: tuple[str, ...]) -> bool:
    return any(attributes.get_history(obj, name).has_changes() for name in names)


def _note_flushed(session: Session, _context: object) -> None:
    pending = _pending(session)
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, IncomingDocument):
            if obj in session.new or _changed(obj, _WATCHED[IncomingDocument]):
                pending.add((DocumentKind.INCOMING, obj.id))
        elif isinstance(obj, OutgoingDocument):
            if obj in session.new or _changed(obj, _WATCHED[OutgoingDocument]):
                pending.add((DocumentKind.OUTGOING, obj.id))
        elif type(obj) in _FILES and obj.document_id is not None:
            pending.add((_FILES[type(obj)], obj.document_id))


def _index_before_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return
    session.flush()
    pending = _pending(session)
    while pending:
        batch = sorted(pending)
        pending.clear()
        for kind in DocumentKind:
            ids = [doc_id for k, doc_id in batch if k == kind]
            if ids:
                reindex(kind, ids, session)
        session.flush()


def _forget(session: Session, previous_transaction: object) -> None:
    """The whole transaction rolled back: nothing to index. A savepoint rolling back
    keeps the list: re-indexing a document that is gone writes nothing, while forgetting
    a change made before the savepoint would leave it out of the index for good."""
    if getattr(previous_transaction, "parent", None) is None:
        session.info.pop(_PENDING_KEY, None)


def mark(session: Session, kind: str, ids: Iterable[int]) -> None:
    """Ask for these documents to be re-indexed at commit (for writes that bypass the ORM)."""
    _pending(session).update((DocumentKind(kind), i) for i in ids)


def install() -> None:
    """Listen on every ORM session (idempotent: create_app may run many times).

    The index also holds the names of units and users (an incoming document's
    recipients, an outgoing document's signer): their renames are followed by
    `search.renames`, installed with it.
    """
    from eoffice.search import renames  # it re-indexes through this module

    if not event.contains(Session, "after_flush", _note_flushed):
        event.listen(Session, "after_flush", _note_flushed)
        event.listen(Session, "before_commit", _index_before_commit)
        event.listen(Session, "after_soft_rollback", _forget)
    renames.install()
