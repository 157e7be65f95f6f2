"""Cross-cutting tables: stored files and the audit trail."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eoffice.core.dbtypes import UTCDateTime
from eoffice.core.timeutil import now_utc
from eoffice.extensions import db


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
    """

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_subject", "subject_type", "subject_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int | None]
    action: Mapped[str] = mapped_column(String(40))
    changes: Mapped[dict] = mapped_column(JSON, default=dict)
    note: Mapped[str | None] = mapped_column(String(1000))

    actor = relationship("User", lazy="joined")
