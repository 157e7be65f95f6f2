"""Cross-cutting tables: stored files and the audit trail."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eoffice.core.dbtypes import UTCDateTime
from eoffice.core.timeutil import now_utc
from eoffice.extensions import db

# The actions of the secret documents' access log (core.audit.ACCESS_ACTIONS, which
# imports this module), as the partial index's condition.
SECRET_LOG_ACTIONS = ("secret_opened", "secret_downloaded")
SECRET_LOG_WHERE = "action IN ({})".format(", ".join(f"'{a}'" for a in SECRET_LOG_ACTIONS))


class StoredFile(db.Model):
    """One blob in the content-addressed store; many attachments may point at it."""

    __tablename__ = "stored_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    size: Mapped[int]
    mime_type: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)


class AuditEvent(db.Model):
    """Append-only record of every change: who, when, what, and on which record.

    `changes` holds {field: [old, new]} for corrections, or any details of the action.
    Each organisation's events (and those of no organisation) form one hash chain
    (`core.audit_chain`, decision 0020): `chain_seq` is the event's place in its chain,
    `prev_hash` the hash of the event before it, `hash` covers both and the event's
    content. The three are written in the transaction that records the event, at its
    commit; an event written behind the application's back has none of them.
    """

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_subject", "subject_type", "subject_id", "id"),
        Index("ix_audit_events_chain", "org_id", "chain_seq", unique=True),
        # NULLs are distinct in a unique index: the chain of no organisation needs its
        # own, on the chain key (core.audit_chain.chain_key: 0 for no organisation).
        Index(
            "ux_audit_events_chain_key",
            text("coalesce(org_id, 0)"),
            "chain_seq",
            unique=True,
        ),
        # The access log of secret documents (core.secret_access), newest first.
        Index(
            "ix_audit_events_secret_log",
            "org_id",
            "id",
            postgresql_where=text(SECRET_LOG_WHERE),
            sqlite_where=text(SECRET_LOG_WHERE),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int | None]
    action: Mapped[str] = mapped_column(String(40))
    changes: Mapped[dict] = mapped_column(JSON, default=dict)
    note: Mapped[str | None] = mapped_column(String(1000))
    chain_seq: Mapped[int | None]
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64))

    actor = relationship("User", lazy="joined")


class AuditChainHead(db.Model):
    """The end of one audit chain: its last event's place, id and hash.

    One row per organisation (`chain_key` is its id; 0 is the chain of events without
    an organisation). A transaction recording events locks its chains' rows (FOR UPDATE
    on PostgreSQL; SQLite runs one writer at a time) from its commit's chaining to the
    commit, so two transactions of one office can never continue the chain from the
    same event. The check also compares the row with the chain's last event: events
    deleted from the end show up as a head pointing past the last one left.
    """

    __tablename__ = "audit_chain_heads"

    chain_key: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_seq: Mapped[int] = mapped_column(default=0)
    last_event_id: Mapped[int | None]
    last_hash: Mapped[str] = mapped_column(String(64))
