"""Following a renamed unit or user into the search index.

The index row of a document holds names that live on other rows: an incoming
document's recipient unit and recipient user, an outgoing document's signer
(`indexing.incoming_entries`, `outgoing_entries`; an outgoing document's recipients are
printed lines, kept as typed, and a unit appears on no outgoing row). Renaming the unit
or the user changes no document, so `indexing` notices nothing, and the documents would
go on being found by the old name only.

A rename is noticed by a session listener (`install`), like `indexing`'s: any service
or script changing `Unit.name` or `User.full_name` is covered, none has to remember.
With the rename's commit, a job `reindex_renamed(kind, id)` is queued (a job outbox
row of that transaction, decision 0021); the job
(`run`) re-indexes the documents naming it in batches of BATCH, each its own
transaction, in id order: a unit may be named by 50,000 documents, which is neither
the work of the admin's request nor of one long transaction. The job is queued from the
session's own before-commit event rather than with `core.aftercommit.after_commit`,
because the admin services commit without `run_pending()` (as `search.texts` explains).
A job retried, or run twice, re-indexes the same rows again: harmless.
"""

from __future__ import annotations

import logging
from enum import StrEnum

from flask import has_app_context
from rq import Retry
from sqlalchemy import Select, event, select
from sqlalchemy.orm import Session, attributes

from eoffice.extensions import db
from eoffice.incoming.models import IncomingDocument
from eoffice.orgs.models import Unit, User
from eoffice.outgoing.models import OutgoingDocument
from eoffice.search import indexing
from eoffice.search.models import DocumentKind

log = logging.getLogger(__name__)

TASK = "eoffice.jobs.tasks.reindex_renamed"
QUEUE = "low"  # nobody waits on it: the documents are found by their other words meanwhile
JOB_TIMEOUT = 3600  # 50,000 documents are 100 batches of well under a second each
RETRIES = 2
RETRY_INTERVALS = [60, 300]
BATCH = 500

_NOTED = "eoffice.search.renames.noted"


class Renamed(StrEnum):
    UNIT = "unit"
    USER = "user"


_NAMES = {Unit: (Renamed.UNIT, "name"), User: (Renamed.USER, "full_name")}
_MODELS = {Renamed.UNIT: Unit, Renamed.USER: User}


# Noticing a rename ---------------------------------------------------------------------------


def _note_flushed(session: Session, _context: object) -> None:
    for obj in session.dirty:
        found = _NAMES.get(type(obj))
        if found is None:
            continue
        kind, name = found
        if attributes.get_history(obj, name).has_changes():
            session.info.setdefault(_NOTED, set()).add((kind, obj.id))


def _queue_before_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint released: the rename is not committed yet
    session.flush()  # a rename still in the session is noted by its flush
    noted = session.info.pop(_NOTED, None)
    if not noted:
        return
    if not has_app_context():  # a script's own session: `flask search reindex` catches up
        log.warning("no application: re-indexing after renames %s not queued", sorted(noted))
        return
    queue(sorted(noted), session)


def _forget(session: Session, previous: object) -> None:
    if getattr(previous, "parent", None) is None:
        session.info.pop(_NOTED, None)


def queue(renamed: list[tuple[str, int]], session: Session | None = None) -> None:
    """Add the job of each (kind, id) renamed to the rename's transaction, as job outbox
    rows (decision 0021): pushed to Redis after the commit, or once it is back, so a
    rename never loses its re-indexing."""
    from eoffice.jobs.outbox import defer_many

    defer_many(
        TASK,
        [(str(kind), target_id) for kind, target_id in renamed],
        queue=QUEUE,
        job_timeout=JOB_TIMEOUT,
        retry=Retry(max=RETRIES, interval=RETRY_INTERVALS),
        session=session,
    )


def install() -> None:
    """Listen on every ORM session (idempotent: create_app may run many times)."""
    if not event.contains(Session, "after_flush", _note_flushed):
        event.listen(Session, "after_flush", _note_flushed)
        event.listen(Session, "before_commit", _queue_before_commit)
        event.listen(Session, "after_soft_rollback", _forget)


# The job ---------------------------------------------------------------------------------------


def _naming(kind: Renamed, target_id: int, org_id: int) -> list[tuple[DocumentKind, Select]]:
    """The documents whose index row holds the name: (their kind, their ids in order).

    Each query walks an index on the naming column (with the organisation, where the
    index has it), so a batch costs the same at the start and at the end.
    """
    incoming, outgoing = IncomingDocument, OutgoingDocument
    column = incoming.recipient_unit_id if kind == Renamed.UNIT else incoming.recipient_user_id
    naming = [
        (
            DocumentKind.INCOMING,
            select(incoming.id)
            .where(column == target_id, incoming.org_id == org_id)
            .order_by(incoming.id),
        )
    ]
    if kind == Renamed.USER:
        naming.append(
            (
                DocumentKind.OUTGOING,
                select(outgoing.id).where(outgoing.signer_id == target_id).order_by(outgoing.id),
            )
        )
    return naming


def _wait_for_writers(kind: Renamed, target_id: int) -> None:
    """Let the transactions pointing a document at this unit or user right now commit
    first (PostgreSQL), so that the walk below sees their documents.

    Such a transaction may have built the document's row before the rename committed,
    with the old name; were it to commit after the walk passed its id, nothing would
    fix the row. Pointing a row at the unit or user takes a KEY SHARE lock on it (the
    foreign key); FOR UPDATE waits for those transactions and is released at once. A
    transaction pointing a document at it later builds its row after the rename has
    committed (`indexing` reads the names fresh), so with the new name.
    """
    if db.session.get_bind().dialect.name != "postgresql":
        return  # SQLite: one writer at a time
    model = _MODELS[kind]
    db.session.execute(select(model.id).where(model.id == target_id).with_for_update()).all()
    db.session.commit()


def run(kind: str, target_id: int) -> int:
    """Re-index every document naming this unit or user; returns how many.

    Commits after each batch of BATCH documents (a document being edited meanwhile waits
    at most one batch, `indexing.lock_documents`). Call it outside any step: a job,
    the CLI. A unit or user gone meanwhile leaves nothing to do.
    """
    renamed = Renamed(kind)
    _wait_for_writers(renamed, target_id)
    model = _MODELS[renamed]
    org_id = db.session.scalar(select(model.org_id).where(model.id == target_id))
    if org_id is None:
        return 0
    done = 0
    for doc_kind, ordered in _naming(renamed, target_id, org_id):
        id_column = ordered.selected_columns[0]
        last = 0
        while ids := list(db.session.scalars(ordered.where(id_column > last).limit(BATCH))):
            done += indexing.reindex(doc_kind, ids, db.session)
            db.session.commit()
            last = ids[-1]
    log.info("%s %s renamed: %d documents re-indexed", renamed, target_id, done)
    return done
