"""The access log of confidential documents (mật and above): who opened or downloaded one,
and when, for the leader to read (issue 9).

Every opening of a secret document's page and every download of one of its files writes
an audit event (`secret_opened`, `secret_downloaded` with the file's name) and commits it
at once: the request is a GET, so this is its one small write, and the event lives in the
organisation's hash chain like every other (decision 0020). The commit keeps what the
page loaded (`core.commits`): the page goes on with its objects, not reloading them.
Non-secret documents write nothing.

A file that carries several documents (a case file's ZIP, its printed contents list)
writes one `secret_downloaded` per secret document in it, with the file's name, all in
one commit (`log_documents_downloaded`).

The events stay out of the document's history (`core.audit.history`): reading is not a
step of its processing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, bindparam, select

from eoffice.core import audit
from eoffice.core.commits import commit_keeping_loaded
from eoffice.core.models import AuditEvent
from eoffice.core.pagination import KeysetPage, SortKey, keyset_page
from eoffice.extensions import db
from eoffice.orgs.models import Role, User

OPENED, DOWNLOADED = audit.SECRET_OPENED, audit.SECRET_DOWNLOADED
KINDS = ("incoming", "outgoing")
KIND_LABELS = {"incoming": "Văn bản đến", "outgoing": "Văn bản đi"}
LOG_ORDER = SortKey("secret-log", ((AuditEvent.id, True),))
PER_PAGE = 50
# Only the head of the office reads the log: deputies may themselves be readers of
# secret documents (given a part), and a log is not read by those it watches.
LOG_READERS = (Role.LEADER,)


def _model(kind: str):
    if kind == "incoming":
        from eoffice.incoming.models import IncomingDocument

        return IncomingDocument
    from eoffice.outgoing.models import OutgoingDocument

    return OutgoingDocument


def _is_secret(doc) -> bool:
    return bool(doc.confidentiality.is_secret)


def log_opened(user: User, kind: str, doc) -> None:
    """The page of `doc` (already checked visible to `user`) was opened."""
    _log(user, kind, doc, OPENED, None)


def log_downloaded(user: User, kind: str, doc, file_name: str) -> None:
    """A file of `doc` (already checked visible to `user`) was downloaded."""
    _log(user, kind, doc, DOWNLOADED, file_name)


def log_downloaded_by_id(
    user: User, kind: str, doc_id: int, file_name: str, *, shown: bool = False
) -> None:
    """As log_downloaded, when the view holds the file rather than its document.
    `shown`: the file was shown in the browser (the page's preview) rather than saved:
    logged as an opening, with the file's name."""
    doc = db.session.get(_model(kind), doc_id)
    if doc is not None:
        _log(user, kind, doc, OPENED if shown else DOWNLOADED, file_name)


def log_documents_downloaded(
    user: User, documents: Iterable[tuple[str, int]], file_name: str
) -> int:
    """One file holding several documents, given as (kind, id), was downloaded: one
    `secret_downloaded` event per secret document among them (those the viewer may read:
    the caller's check), the file's name in each, one commit. How many were logged."""
    refs = list(dict.fromkeys((kind, doc_id) for kind, doc_id in documents if kind in KINDS))
    found: dict[tuple[str, int], object] = {}
    for kind in KINDS:
        ids = [doc_id for k, doc_id in refs if k == kind]
        if ids:
            model = _model(kind)
            for doc in db.session.scalars(select(model).where(model.id.in_(ids))):
                found[(kind, doc.id)] = doc
    logged = 0
    for ref in refs:  # in the caller's order (the file's)
        doc = found.get(ref)
        if doc is not None and _is_secret(doc):
            _record(user, ref[0], doc, DOWNLOADED, file_name)
            logged += 1
    if logged:
        commit_keeping_loaded()
    return logged


def _log(user: User, kind: str, doc, action: str, file_name: str | None) -> None:
    if not _is_secret(doc):
        return
    _record(user, kind, doc, action, file_name)
    commit_keeping_loaded()


def _record(user: User, kind: str, doc, action: str, file_name: str | None) -> None:
    audit.record(
        actor_id=user.id,
        org_id=doc.org_id,
        subject_type=kind,
        subject_id=doc.id,
        action=action,
        changes={"file": file_name} if file_name else {},
    )


def can_read_log(user: User) -> bool:
    return user.has_role(*LOG_READERS)


@dataclass
class LogRow:
    at: datetime
    person: str
    action: str
    kind: str
    doc_id: int | None
    symbol: str | None
    subject: str | None
    file_name: str | None


def _stmt(user: User, kind: str | None) -> Select:
    stmt = select(AuditEvent).where(
        AuditEvent.org_id == user.org_id,
        # Written out as literals, so that the condition matches the partial index
        # ix_audit_events_secret_log's: SQLite (and a generic plan of PostgreSQL's)
        # cannot prove it from bound parameters.
        AuditEvent.action.in_(
            bindparam("access_actions", audit.ACCESS_ACTIONS, literal_execute=True)
        ),
        AuditEvent.subject_type.in_((kind,) if kind in KINDS else KINDS),
    )
    return stmt


def log_page(user: User, kind: str | None, cursor: str | None) -> KeysetPage[LogRow]:
    """One page of the organisation's access log, newest first, as rows to show."""
    page = keyset_page(_stmt(user, kind), LOG_ORDER, cursor, PER_PAGE)
    return page.map(_rows)


def _rows(events: list[AuditEvent]) -> list[LogRow]:
    """The people and documents of one page, in one query each."""
    people = {
        u.id: u.full_name
        for u in db.session.scalars(
            select(User).where(User.id.in_({e.actor_id for e in events if e.actor_id}))
        )
    }
    docs: dict[tuple[str, int], object] = {}
    for kind in KINDS:
        ids = {e.subject_id for e in events if e.subject_type == kind and e.subject_id}
        if ids:
            model = _model(kind)
            for doc in db.session.scalars(select(model).where(model.id.in_(ids))):
                docs[(kind, doc.id)] = doc
    rows = []
    for e in events:
        doc = docs.get((e.subject_type, e.subject_id or 0))
        rows.append(
            LogRow(
                at=e.at,
                person=people.get(e.actor_id or 0, ""),
                action=audit.ACTION_LABELS.get(e.action, e.action),
                kind=e.subject_type,
                doc_id=e.subject_id,
                symbol=getattr(doc, "symbol", None),
                subject=getattr(doc, "subject", None),
                file_name=(e.changes or {}).get("file"),
            )
        )
    return rows
