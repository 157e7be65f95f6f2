"""Checking the audit chains (`flask audit verify`): the first broken link of each.

Each chain is walked in its order, a batch of events at a time, recomputing every
event's hash from its content, its place and the previous event's hash
(`core.audit_chain`). A chain is broken at the first event whose place is not the next
one (events deleted, or one inserted twice), whose previous hash is not the previous
event's hash (an event before it changed and re-hashed, or replaced), or whose content
no longer gives its stored hash (changed after it was recorded); then where the chain
ends is compared with its head row (events deleted from the end, or added after it),
and an event of the organisation with no place in the chain (written behind the
application's back) breaks it too.

Each chain is read in one snapshot, so events committed during the walk (the office
goes on working) do not look like tampering, e.g. an event added after the walk's
last batch as a head row pointing past the chain's end: on PostgreSQL a
REPEATABLE READ, READ ONLY transaction; on SQLite (WAL, set by the application) an
explicit deferred BEGIN, whose first SELECT takes the snapshot the whole walk reads
(the driver itself opens a transaction only before a write, so each SELECT would
otherwise see the latest commit).

What it cannot see: someone with write access to the database and this code may
rewrite a chain from some event to its end and its head row consistently. Keeping the
printed final hashes elsewhere (decision 0020) closes that gap up to the last copy.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from eoffice.core.audit_chain import GENESIS, NO_ORG_KEY, event_digest, link_hash
from eoffice.core.models import AuditChainHead, AuditEvent
from eoffice.orgs.models import Organisation

BATCH = 5000

_COLUMNS = (
    AuditEvent.id,
    AuditEvent.org_id,
    AuditEvent.actor_id,
    AuditEvent.at,
    AuditEvent.subject_type,
    AuditEvent.subject_id,
    AuditEvent.action,
    AuditEvent.changes,
    AuditEvent.note,
    AuditEvent.chain_seq,
    AuditEvent.prev_hash,
    AuditEvent.hash,
)


@dataclass
class ChainReport:
    """One chain's verdict: how many events were found sound, the hash its walk ended
    on, and the first broken link in words (None: intact)."""

    key: int
    name: str
    checked: int
    last_hash: str
    problem: str | None = None
    event_id: int | None = None

    @property
    def intact(self) -> bool:
        return self.problem is None


def _short(value: str | None) -> str:
    return "không có" if not value else value[:12] + "…"


def _org_filter(key: int):
    return AuditEvent.org_id.is_(None) if key == NO_ORG_KEY else AuditEvent.org_id == key


def chain_keys(session: Session, org_id: int | None = None) -> list[int]:
    """Every chain that has events or a head row (or only `org_id`'s)."""
    if org_id is not None:
        return [org_id]
    keys = {
        NO_ORG_KEY if org is None else org
        for org in session.scalars(select(AuditEvent.org_id).distinct())
    }
    keys.update(session.scalars(select(AuditChainHead.chain_key)))
    return sorted(keys)


def chain_name(session: Session, key: int) -> str:
    if key == NO_ORG_KEY:
        return "Các sự kiện không thuộc cơ quan nào"
    name = session.scalar(select(Organisation.name).where(Organisation.id == key))
    return f"{name or 'Cơ quan không còn trong danh bạ'} (cơ quan #{key})"


def _walk(session: Session, key: int, batch: int) -> Iterator:
    after: tuple[int, int] | None = None
    while True:
        stmt = select(*_COLUMNS).where(_org_filter(key), AuditEvent.chain_seq.is_not(None))
        if after is not None:
            stmt = stmt.where(tuple_(AuditEvent.chain_seq, AuditEvent.id) > after)
        rows = session.execute(
            stmt.order_by(AuditEvent.chain_seq, AuditEvent.id).limit(batch)
        ).all()
        yield from rows
        if len(rows) < batch:
            return
        after = (rows[-1].chain_seq, rows[-1].id)


def _walk_problem(row, expected: int, prev_hash: str, prev_id: int | None) -> str | None:
    where = f"sự kiện #{row.id} (vị trí {row.chain_seq})"
    if row.chain_seq < expected:
        return (
            f"{where} trùng vị trí với sự kiện #{prev_id}: "
            "có sự kiện được chèn thêm vào chuỗi ngoài ứng dụng."
        )
    if row.chain_seq > expected:
        missing = (
            f"vị trí {expected}"
            if row.chain_seq == expected + 1
            else f"các vị trí {expected}–{row.chain_seq - 1}"
        )
        return f"thiếu sự kiện ở {missing}, ngay trước {where}: sự kiện đã bị xóa."
    if row.prev_hash != prev_hash:
        before = "điểm đầu chuỗi" if prev_id is None else f"sự kiện #{prev_id}"
        return (
            f"{where} không nối với {before}: mã băm trước ghi trong sự kiện "
            f"({_short(row.prev_hash)}) khác mã băm của {before} ({_short(prev_hash)}); "
            "sự kiện trước đã bị sửa rồi tính lại mã băm, hoặc bị thay thế."
        )
    if link_hash(prev_hash, row.chain_seq, event_digest(row)) != row.hash:
        return (
            f"nội dung {where} không khớp với mã băm đã lưu ({_short(row.hash)}): "
            "sự kiện đã bị sửa sau khi được ghi."
        )
    return None


def verify_chain(session: Session, key: int, *, batch: int = BATCH) -> ChainReport:
    """Walk one chain; stops at its first broken link."""
    report = ChainReport(key=key, name=chain_name(session, key), checked=0, last_hash=GENESIS)
    prev_id: int | None = None
    for row in _walk(session, key, batch):
        problem = _walk_problem(row, report.checked + 1, report.last_hash, prev_id)
        if problem is not None:
            report.problem, report.event_id = problem, row.id
            return report
        report.checked += 1
        report.last_hash, prev_id = row.hash, row.id

    loose = session.scalar(
        select(AuditEvent.id)
        .where(_org_filter(key), AuditEvent.chain_seq.is_(None))
        .order_by(AuditEvent.id)
        .limit(1)
    )
    if loose is not None:
        report.problem, report.event_id = (
            f"sự kiện #{loose} không có vị trí trong chuỗi (không có mã băm): "
            "được ghi thẳng vào cơ sở dữ liệu, ngoài ứng dụng.",
            loose,
        )
        return report

    head = session.get(AuditChainHead, key, populate_existing=True)
    last_seq = report.checked
    if head is None:
        if last_seq:
            report.problem = (
                f"chuỗi có {last_seq} sự kiện nhưng không có điểm cuối "
                "(bảng audit_chain_heads): dòng đó đã bị xóa."
            )
        return report
    if head.last_seq != last_seq or head.last_hash != report.last_hash:
        report.event_id = head.last_event_id
        report.problem = (
            f"điểm cuối đã ghi của chuỗi (vị trí {head.last_seq}, sự kiện "
            f"#{head.last_event_id}, mã băm {_short(head.last_hash)}) khác sự kiện cuối "
            f"còn lại (vị trí {last_seq}, sự kiện #{prev_id}, mã băm "
            f"{_short(report.last_hash)}): sự kiện cuối chuỗi đã bị xóa, hoặc chuỗi bị "
            "thêm hay sửa ngoài ứng dụng."
        )
    return report


def verify(session: Session, org_id: int | None = None) -> Iterator[ChainReport]:
    """Every chain's report (or only `org_id`'s: 0 for the events of no organisation),
    each in its own read transaction (a snapshot on PostgreSQL)."""
    session.rollback()
    keys = chain_keys(session, org_id)
    session.rollback()
    for key in keys:
        begin_snapshot(session)
        try:
            yield verify_chain(session, key)
        finally:
            session.rollback()


def begin_snapshot(session: Session) -> None:
    """Start the session's transaction (none may be open) as one read-only snapshot."""
    if session.get_bind().dialect.name == "postgresql":
        session.connection(
            execution_options={"isolation_level": "REPEATABLE READ", "postgresql_readonly": True}
        )
        return
    connection = session.connection()
    if (
        connection.dialect.name == "sqlite"
        and not connection.connection.dbapi_connection.in_transaction
    ):
        connection.exec_driver_sql("BEGIN")
