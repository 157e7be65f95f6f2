"""The text inside attached files: asked for when a file is attached, read by a job.

When an incoming or outgoing attachment is written whose stored file has no
`FileText` row yet, a PENDING row is added in the same transaction, with the job
`extract_file_text(stored_file_id)` as a job outbox row (decision 0021), pushed to
Redis once that transaction has committed. The job
(`run_extraction`) reads the bytes, extracts their text (`search.extract`), stores it
and re-indexes every document holding the file, in one transaction. The same bytes
attached to many documents (a circular to every school) are read once.

The rows are asked for by session events (`install`, like `search.indexing`) rather
than by each service: a file attached by any service (registration, correction, a
draft and its new versions, the exchange) is covered, including the services that
commit without `core.aftercommit.run_pending()`, which is why the job is added by the
session's own before-commit event. The job itself attaches nothing, so it never
asks for more jobs.

`extract_pending` does the same work in the current process: the demo seed (whose
embedded queue would die with it; see `deferred`) and `flask search extract` without
Redis.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

from flask import current_app, has_app_context
from rq import Retry
from sqlalchemy import event, exists, select, union, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, SessionTransaction

from eoffice.core.models import StoredFile
from eoffice.core.storage import FileStore, MissingFile
from eoffice.core.timeutil import now_utc
from eoffice.extensions import db
from eoffice.incoming.models import IncomingAttachment
from eoffice.outgoing.models import OutgoingAttachment
from eoffice.search import indexing
from eoffice.search.extract import MAX_OPEN_BYTES, ExtractResult, Outcome, extract_text
from eoffice.search.models import DocumentKind, FileText, TextState

log = logging.getLogger(__name__)

TASK = "eoffice.jobs.tasks.extract_file_text"
QUEUE = "default"
JOB_TIMEOUT = 300  # seconds: a 300-page PDF parses in well under a minute
RETRIES = 2  # only an exception retries (database, disk); a bad file is a FAILED result
RETRY_INTERVALS = [30, 120]
# Off: attachments still get their PENDING rows, but no job is queued (`deferred`).
ASYNC_SETTING = "SEARCH_EXTRACT_ASYNC"
BATCH = 500

_NOTED = "eoffice.search.texts.noted"  # stored file ids of attachments flushed
_ATTACHMENTS = (IncomingAttachment, OutgoingAttachment)
_ERROR_CHARS = 500  # FileText.error


# Asking for extraction ---------------------------------------------------------------------


def add_pending(stored_file_ids: Iterable[int], session: Session) -> list[int]:
    """PENDING rows for those of these stored files that have no row; returns their ids.

    Ids of files that do not exist (an attachment rolled back with its savepoint) are
    ignored. A row added meanwhile by a concurrent transaction is left alone.
    """
    ids = sorted(set(stored_file_ids))
    missing: list[int] = []
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        rows = session.execute(
            select(StoredFile.id, FileText.stored_file_id)
            .outerjoin(FileText, FileText.stored_file_id == StoredFile.id)
            .where(StoredFile.id.in_(chunk))
        )
        missing.extend(file_id for file_id, existing in rows if existing is None)
    for start in range(0, len(missing), BATCH):
        chunk = missing[start : start + BATCH]
        dialect = session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        stmt = insert(FileText).on_conflict_do_nothing(index_elements=[FileText.stored_file_id])
        session.execute(stmt, [{"stored_file_id": i, "state": TextState.PENDING} for i in chunk])
    return missing


def queue(stored_file_ids: list[int], session: Session | None = None) -> None:
    """Add the extraction jobs of these files, whose PENDING rows are in the same
    transaction, to it as job outbox rows (decision 0021): they reach Redis after the
    commit, or once it is back; the documents are searchable by their metadata meanwhile.
    """
    if not stored_file_ids or not current_app.config.get(ASYNC_SETTING, True):
        return
    from eoffice.jobs.outbox import defer_many

    defer_many(
        TASK,
        [(file_id,) for file_id in stored_file_ids],
        queue=QUEUE,
        job_timeout=JOB_TIMEOUT,
        retry=Retry(max=RETRIES, interval=RETRY_INTERVALS),
        session=session,
    )


@contextmanager
def deferred() -> Iterator[None]:
    """Queue no extraction job while inside; the caller runs `extract_pending` later.

    For the demo seed: one process walks the history, and its embedded queue (or a
    worker thread racing its writes) would not outlive it.
    """
    config = current_app.config
    previous = config.get(ASYNC_SETTING, True)
    config[ASYNC_SETTING] = False
    try:
        yield
    finally:
        config[ASYNC_SETTING] = previous


def _note_flushed(session: Session, _context: object) -> None:
    for obj in session.new:
        if isinstance(obj, _ATTACHMENTS) and obj.stored_file_id is not None:
            session.info.setdefault(_NOTED, set()).add(obj.stored_file_id)


def _add_rows_before_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return
    session.flush()
    noted = session.info.pop(_NOTED, None)
    if noted:
        added = add_pending(noted, session)
        if not added:
            return
        if not has_app_context():  # a script's own session: the rows wait for the CLI
            log.warning("no application: extraction of stored files %s not queued", added)
            return
        queue(sorted(added), session)  # the jobs commit with the rows


def _forget(session: Session, previous: SessionTransaction) -> None:
    if previous.parent is not None:
        return  # a savepoint inside the step: the step goes on
    session.info.pop(_NOTED, None)


def install() -> None:
    """Listen on every ORM session (idempotent: create_app may run many times)."""
    if not event.contains(Session, "after_flush", _note_flushed):
        event.listen(Session, "after_flush", _note_flushed)
        event.listen(Session, "before_commit", _add_rows_before_commit)
        event.listen(Session, "after_soft_rollback", _forget)


# The job -------------------------------------------------------------------------------------


def run_extraction(stored_file_id: int) -> TextState | None:
    """Extract a PENDING file's text, store it, re-index its documents, commit.

    Returns the state stored, or None when there was nothing to do: no row, or the
    file already extracted (a second job for the same file, a retried job). No
    transaction stays open while the file is parsed; the result is written only if
    the row is still PENDING, so two jobs racing for one file store it once. Commits:
    call it outside any step (a job, the CLI, the end of the seed).
    """
    found = db.session.execute(
        select(FileText.state, StoredFile.sha256, StoredFile.size, StoredFile.kind)
        .join(StoredFile, StoredFile.id == FileText.stored_file_id)
        .where(FileText.stored_file_id == stored_file_id)
    ).first()
    if found is None or found.state != TextState.PENDING:
        return None
    db.session.commit()  # ends the read: no transaction stays open while the file is parsed
    result = _extract(found.sha256, found.size, found.kind)
    state = TextState(result.state)
    _wait_for_attachers(stored_file_id)
    claimed = db.session.execute(
        update(FileText)
        .where(FileText.stored_file_id == stored_file_id, FileText.state == TextState.PENDING)
        .values(
            state=state,
            text=result.text,
            chars=len(result.text),
            error=(result.error or "")[:_ERROR_CHARS] or None,
            extracted_at=now_utc(),
        )
    )
    if claimed.rowcount == 0:  # another job stored it meanwhile
        db.session.commit()
        return None
    documents = 0
    if state == TextState.DONE:  # nothing else changes what the index holds
        # Each document is locked, then read (indexing.reindex): an edit of it in
        # progress commits first and is kept, or waits for this commit and then sees
        # the text.
        for doc_kind, ids in holders(stored_file_id).items():
            documents += indexing.reindex(doc_kind, ids, db.session)
    db.session.commit()
    if state == TextState.FAILED:
        log.warning("text of stored file %s not extracted: %s", stored_file_id, result.error)
    else:
        log.info(
            "text of stored file %s: %s, %d characters, %d documents re-indexed",
            stored_file_id,
            state,
            len(result.text),
            documents,
        )
    return state


def _wait_for_attachers(stored_file_id: int) -> None:
    """Let every transaction attaching this file right now commit first (PostgreSQL).

    A transaction attaching the file to a document builds that document's index row
    before our text is committed (so without it), and this job, not seeing the
    attachment yet, would not re-index the document: the text would never reach its
    row. Adding an attachment takes a KEY SHARE lock on the stored file's row (the
    foreign key); FOR UPDATE waits for those transactions, and an attachment added
    after it waits for this job's commit, then reads the text when its own row is
    built. So `holders`, read after this lock, names every document that could miss
    the text. Held only while the result is written: the file was parsed with no
    transaction open.
    """
    if db.session.get_bind().dialect.name != "postgresql":
        return  # SQLite: one writer at a time
    db.session.execute(
        select(StoredFile.id).where(StoredFile.id == stored_file_id).with_for_update()
    ).all()


def _extract(sha256: str, size: int, kind: str) -> ExtractResult:
    if size > MAX_OPEN_BYTES:  # not even read from the disk
        return ExtractResult(Outcome.FAILED, error=f"file of {size} bytes exceeds {MAX_OPEN_BYTES}")
    try:
        data = FileStore(current_app.config["STORAGE_DIR"]).read(sha256)
    except MissingFile:  # logged by the store, with the digest
        return ExtractResult(Outcome.FAILED, error=f"bytes missing from the file store ({sha256})")
    return extract_text(data, kind)


def holders(stored_file_id: int) -> dict[DocumentKind, list[int]]:
    """The incoming and outgoing documents that have this file attached."""
    found: dict[DocumentKind, list[int]] = {}
    for doc_kind, model in (
        (DocumentKind.INCOMING, IncomingAttachment),
        (DocumentKind.OUTGOING, OutgoingAttachment),
    ):
        ids = db.session.scalars(
            select(model.document_id).where(model.stored_file_id == stored_file_id).distinct()
        ).all()
        if ids:
            found[doc_kind] = sorted(ids)
    return found


# Catching up -----------------------------------------------------------------------------------


def ask_for_attached(*, retry_failed: bool = False) -> tuple[int, int]:
    """PENDING rows for attached files that have none (attached before extraction
    existed, or straight into the database), and, with `retry_failed`, FAILED files set
    back to PENDING. Commits each batch; returns (rows added, failed files retried)."""
    attached = union(
        select(IncomingAttachment.stored_file_id), select(OutgoingAttachment.stored_file_id)
    ).subquery()
    without_row = (
        select(attached.c.stored_file_id)
        .where(~exists().where(FileText.stored_file_id == attached.c.stored_file_id))
        .order_by(attached.c.stored_file_id)
        .limit(BATCH)
    )
    added = 0
    while ids := db.session.scalars(without_row).all():
        added += len(add_pending(ids, db.session))
        db.session.commit()
    retried = 0
    if retry_failed:
        retried = db.session.execute(
            update(FileText)
            .where(FileText.state == TextState.FAILED)
            .values(state=TextState.PENDING, error=None)
        ).rowcount
        db.session.commit()
    return added, retried


def pending_ids(after: int = 0, limit: int = BATCH) -> list[int]:
    return list(
        db.session.scalars(
            select(FileText.stored_file_id)
            .where(FileText.state == TextState.PENDING, FileText.stored_file_id > after)
            .order_by(FileText.stored_file_id)
            .limit(limit)
        )
    )


def queue_pending() -> int:
    """Queue a job for every PENDING file (a job lost with Redis, a row just added);
    a file queued twice is extracted once. Returns how many were queued."""
    count, last = 0, 0
    while ids := pending_ids(last):
        queue(ids)
        db.session.commit()  # the batch's outbox rows, pushed by the commit
        count += len(ids)
        last = ids[-1]
    return count


def extract_pending(progress: Callable[[int], object] | None = None) -> Counter[str]:
    """Extract every PENDING file now, in this process; counts of the states stored.

    `progress` is called with the number of files done after each batch.
    """
    counts: Counter[str] = Counter()
    done, last = 0, 0
    while ids := pending_ids(last):
        for file_id in ids:
            state = run_extraction(file_id)
            if state is not None:
                counts[state] += 1
        done += len(ids)
        last = ids[-1]
        if progress is not None:
            progress(done)
    return counts
