"""The audit trail as hash chains: each event carries the hash of the one before it.

One chain per organisation (its events in the order they were committed), and one for
the events of no organisation, so offices never wait for each other (decision 0020).

What is hashed, in two steps so that a bulk loader can do the costly part in parallel:

- `content_digest`: SHA-256 of a canonical JSON array of the event's own fields (a
  format tag, its id, org, actor, time in UTC with microseconds, subject type and id,
  action, `changes`, note). `changes` goes through a JSON round trip first and is written with
  sorted keys and ensure_ascii=False, so the digest is the same for the dict a service
  passed and for the value either database gives back; a time is taken as UTC however
  the driver returns it (PostgreSQL: aware; SQLite: naive UTC).
- `link_hash`: SHA-256 of "previous hash:place in the chain:content digest". The first
  event of a chain follows `GENESIS` (64 zeros).

When: not in `audit.record()` but at the commit of the transaction that wrote the
events (`install()` puts the listener after search indexing's, the last work of a
commit). That makes the chain's lock the last one a transaction takes, held only
from there to the commit, so it cannot take part in a deadlock with the locks a step
takes on its documents, books or files; and a value set on the event after `record()`
(the demo's historical times) is the value hashed. The events of the transaction are
noted at every flush; a savepoint rolled back takes its events out of the session, and
they are left out. The chains' rows in `audit_chain_heads` are created if missing,
locked in key order, the events numbered and hashed in id order, and both written with
one executemany each, on the transaction's own connection: a rollback takes all of it
back. An event already chained is never changed through the ORM (refused at flush).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, event, inspect, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from eoffice.core.models import AuditChainHead, AuditEvent

GENESIS = "0" * 64
FORMAT = "eoffice-audit-1"  # a new canonical form would get a new tag
NO_ORG_KEY = 0  # chain key of the events recorded without an organisation

_NOTED = "eoffice.audit_chain.flushed"
_CHAINED_COLUMNS = ("chain_seq", "prev_hash", "hash")


def chain_key(org_id: int | None) -> int:
    return NO_ORG_KEY if org_id is None else int(org_id)


def canonical_at(at: datetime) -> str:
    """'2026-09-25T02:00:00.000000+00:00': UTC, always with microseconds. A naive value
    is UTC (what SQLite gives back for a UTC column)."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def canonical_changes(changes: Any) -> Any:
    """`changes` as the database gives it back: a JSON round trip (tuples become lists,
    keys become strings). None is stored as {} by `audit.record`, so it is {} here."""
    return json.loads(json.dumps({} if changes is None else changes))


def _optional_int(value: Any) -> int | None:
    return None if value is None else int(value)


def content_digest(
    *,
    event_id: int,
    org_id: int | None,
    actor_id: int | None,
    at: datetime,
    subject_type: str,
    subject_id: int | None,
    action: str,
    changes: Any,
    note: str | None,
) -> str:
    """The SHA-256 (hex) of one event's own fields in their canonical form."""
    content = [
        FORMAT,
        int(event_id),
        _optional_int(org_id),
        _optional_int(actor_id),
        canonical_at(at),
        subject_type,
        _optional_int(subject_id),
        action,
        canonical_changes(changes),
        note,
    ]
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def link_hash(prev_hash: str, seq: int, digest: str) -> str:
    """The event's hash: its place in the chain and its content, after `prev_hash`."""
    return hashlib.sha256(f"{prev_hash}:{seq}:{digest}".encode("ascii")).hexdigest()


def event_digest(event: AuditEvent | Any) -> str:
    """`content_digest` of an AuditEvent or of a row with the same attribute names."""
    return content_digest(
        event_id=event.id,
        org_id=event.org_id,
        actor_id=event.actor_id,
        at=event.at,
        subject_type=event.subject_type,
        subject_id=event.subject_id,
        action=event.action,
        changes=event.changes,
        note=event.note,
    )


# --- Chaining at commit ---------------------------------------------------------------------


def _insert_missing_heads(conn: Connection, keys: Sequence[int]) -> None:
    """A head row (at the genesis) for each chain that has none; an existing row is left
    alone and a concurrent insert of the same key waits, then does nothing."""
    rows = [
        {"chain_key": key, "last_seq": 0, "last_event_id": None, "last_hash": GENESIS}
        for key in keys
    ]
    table = AuditChainHead.__table__
    if conn.dialect.name == "postgresql":
        stmt = postgresql.insert(table).values(rows).on_conflict_do_nothing()
    elif conn.dialect.name == "sqlite":
        stmt = sqlite.insert(table).values(rows).on_conflict_do_nothing()
    else:  # pragma: no cover - the two databases the application runs on
        raise NotImplementedError(conn.dialect.name)
    conn.execute(stmt)


def chain_events(conn: Connection, events: Iterable[AuditEvent]) -> None:
    """Number and hash these flushed, unchained events after the ends of their chains,
    and move the ends; on `conn`, inside its transaction. Sets the ORM objects' values
    without marking them changed."""
    by_key: dict[int, list[AuditEvent]] = {}
    for item in events:
        by_key.setdefault(chain_key(item.org_id), []).append(item)
    if not by_key:
        return
    keys = sorted(by_key)
    _insert_missing_heads(conn, keys)
    heads_table = AuditChainHead.__table__
    heads = {
        row.chain_key: row
        for row in conn.execute(
            select(heads_table.c.chain_key, heads_table.c.last_seq, heads_table.c.last_hash)
            .where(heads_table.c.chain_key.in_(keys))
            .order_by(heads_table.c.chain_key)
            .with_for_update()
        )
    }
    event_rows: list[dict[str, Any]] = []
    head_rows: list[dict[str, Any]] = []
    for key in keys:
        seq, prev = heads[key].last_seq, heads[key].last_hash
        for item in sorted(by_key[key], key=lambda e: e.id):
            seq += 1
            digest = event_digest(item)
            value = link_hash(prev, seq, digest)
            event_rows.append({"event_id": item.id, "s": seq, "p": prev, "h": value})
            set_committed_value(item, "chain_seq", seq)
            set_committed_value(item, "prev_hash", prev)
            set_committed_value(item, "hash", value)
            prev = value
        last_id = max(e.id for e in by_key[key])
        head_rows.append({"key": key, "s": seq, "h": prev, "last_id": last_id})
    events_table = AuditEvent.__table__
    conn.execute(
        update(events_table)
        .where(events_table.c.id == bindparam("event_id"))
        .values(chain_seq=bindparam("s"), prev_hash=bindparam("p"), hash=bindparam("h")),
        event_rows,
    )
    conn.execute(
        update(heads_table)
        .where(heads_table.c.chain_key == bindparam("key"))
        .values(
            last_seq=bindparam("s"), last_hash=bindparam("h"), last_event_id=bindparam("last_id")
        ),
        head_rows,
    )


def _note_flushed(session: Session, _context: object) -> None:
    noted = None
    for obj in session.new:
        if isinstance(obj, AuditEvent):
            if noted is None:
                noted = session.info.setdefault(_NOTED, [])
            noted.append(obj)


def _refuse_changes(session: Session, _context: object, _instances: object) -> None:
    """An event already in its chain is never changed or deleted through the ORM: the
    chain would break (the check would report it as tampering)."""
    for obj in (*session.dirty, *session.deleted):
        if not isinstance(obj, AuditEvent):
            continue
        state = inspect(obj)
        if not state.persistent:
            continue
        history = state.attrs.hash.load_history()
        if not (history.deleted or history.unchanged or [None])[0]:
            continue  # not chained yet: the commit hashes what it holds then
        if obj in session.deleted or any(
            state.attrs[c.key].history.has_changes() for c in AuditEvent.__table__.columns
        ):
            raise RuntimeError(f"audit event {obj.id} is already chained and cannot change")


def _chain_before_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint released: the outer transaction chains at its commit
    if any(isinstance(obj, AuditEvent) for obj in session.new):
        session.flush()
    noted = session.info.pop(_NOTED, None)
    if not noted:
        return
    events = []
    seen: set[int] = set()
    for obj in noted:
        state = inspect(obj)
        if not state.persistent or state.session is not session or id(obj) in seen:
            continue  # rolled back with a savepoint, or noted twice
        seen.add(id(obj))
        if obj.hash is None:
            events.append(obj)
    if events:
        chain_events(session.connection(), events)


def _forget(session: Session, previous_transaction: object) -> None:
    if getattr(previous_transaction, "parent", None) is None:
        session.info.pop(_NOTED, None)


def install() -> None:
    """Listen on every ORM session (idempotent). Call it after the search listeners:
    the chaining must be the last work of a commit."""
    if not event.contains(Session, "after_flush", _note_flushed):
        event.listen(Session, "before_flush", _refuse_changes)
        event.listen(Session, "after_flush", _note_flushed)
        event.listen(Session, "before_commit", _chain_before_commit)
        event.listen(Session, "after_soft_rollback", _forget)
