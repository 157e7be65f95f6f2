"""The reference exchange hub's own storage: agencies and the packets waiting for them.

SQLite in WAL mode with `synchronous=FULL`, one connection per request, and a commit
before the hub answers: a packet the hub said it took survives a crash or a restart.
Sending is idempotent: the same packet (kind, DocumentId, sender, recipient, status code,
business type) sent twice is stored once, and the second send is told it was a duplicate.
Secrets are random tokens, so a SHA-256 digest is what the table keeps.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS agencies (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    secret_digest TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS packets (
    id INTEGER PRIMARY KEY,
    dedup_key TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('document', 'status')),
    document_id TEXT NOT NULL,
    status_code TEXT,
    from_code TEXT NOT NULL,
    to_code TEXT NOT NULL,
    payload BLOB NOT NULL,
    received_at TEXT NOT NULL,
    acknowledged_at TEXT
);
CREATE INDEX IF NOT EXISTS ix_packets_pending ON packets (to_code, acknowledged_at, id);
"""


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class StoredPacket:
    id: int
    kind: str
    document_id: str
    status_code: str | None
    from_code: str
    to_code: str
    received_at: str
    acknowledged_at: str | None


class HubStore:
    """All the hub's reads and writes, each in its own short transaction."""

    def __init__(self, path: str | Path):
        self.path = str(path)
        with self._connect() as db:
            db.executescript(SCHEMA)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            db.row_factory = sqlite3.Row
            yield db
        finally:
            db.close()

    # Agencies --------------------------------------------------------------------------

    def add_agency(self, code: str, name: str, secret: str) -> None:
        """Register (or re-key) an agency; its secret is only kept as a digest."""
        with self._connect() as db:
            db.execute(
                "INSERT INTO agencies (code, name, secret_digest, created_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (code) DO UPDATE SET name = excluded.name, "
                "secret_digest = excluded.secret_digest",
                (code, name, digest(secret), _now()),
            )

    def authenticate(self, code: str | None, secret: str | None) -> bool:
        if not code or not secret:
            return False
        with self._connect() as db:
            row = db.execute(
                "SELECT secret_digest FROM agencies WHERE code = ?", (code,)
            ).fetchone()
        return row is not None and hashlib.sha256(secret.encode()).hexdigest() == row[0]

    def agency_exists(self, code: str) -> bool:
        with self._connect() as db:
            return (
                db.execute("SELECT 1 FROM agencies WHERE code = ?", (code,)).fetchone() is not None
            )

    # Packets ---------------------------------------------------------------------------

    def put(
        self,
        *,
        kind: str,
        document_id: str,
        status_code: str | None,
        from_code: str,
        to_code: str,
        dedup_key: str,
        payload: bytes,
    ) -> tuple[int, bool]:
        """Store one packet for one recipient: (id, stored now). A duplicate keeps the first."""
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                found = db.execute(
                    "SELECT id FROM packets WHERE dedup_key = ?", (dedup_key,)
                ).fetchone()
                if found is not None:
                    db.execute("COMMIT")
                    return found[0], False
                cursor = db.execute(
                    "INSERT INTO packets (dedup_key, kind, document_id, status_code, from_code, "
                    "to_code, payload, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        dedup_key,
                        kind,
                        document_id,
                        status_code,
                        from_code,
                        to_code,
                        payload,
                        _now(),
                    ),
                )
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
            return int(cursor.lastrowid or 0), True

    def pending(self, to_code: str, limit: int = 100) -> list[StoredPacket]:
        with self._connect() as db:
            rows = db.execute(
                "SELECT id, kind, document_id, status_code, from_code, to_code, received_at, "
                "acknowledged_at FROM packets WHERE to_code = ? AND acknowledged_at IS NULL "
                "ORDER BY id LIMIT ?",
                (to_code, limit),
            ).fetchall()
        return [StoredPacket(**dict(row)) for row in rows]

    def payload(self, packet_id: int, to_code: str) -> bytes | None:
        """A packet's bytes, for its recipient only (anyone else: as if it did not exist)."""
        with self._connect() as db:
            row = db.execute(
                "SELECT payload FROM packets WHERE id = ? AND to_code = ?", (packet_id, to_code)
            ).fetchone()
        return bytes(row[0]) if row is not None else None

    def acknowledge(self, packet_id: int, to_code: str) -> bool:
        """Mark taken; acknowledging twice is harmless. False if not the recipient's."""
        with self._connect() as db:
            cursor = db.execute(
                "UPDATE packets SET acknowledged_at = COALESCE(acknowledged_at, ?) "
                "WHERE id = ? AND to_code = ?",
                (_now(), packet_id, to_code),
            )
        return cursor.rowcount == 1

    def count(self) -> int:
        with self._connect() as db:
            return int(db.execute("SELECT COUNT(*) FROM packets").fetchone()[0])
