"""The search index, the text found inside stored files, and saved searches."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from eoffice.core.dbtypes import UTCDateTime
from eoffice.core.timeutil import now_utc
from eoffice.extensions import db


class DocumentKind(StrEnum):
    INCOMING = "in"
    OUTGOING = "out"


KIND_LABELS = {DocumentKind.INCOMING: "Văn bản đến", DocumentKind.OUTGOING: "Văn bản đi"}


class SearchEntry(db.Model):
    """The searchable words of one document, kept in step with it (`search.indexing`).

    `folded` and `exact` are the strings of `search.tokens`. PostgreSQL indexes them
    through generated tsvector columns (`tsv`, `tsv_exact`, created by migration 0018
    and not mapped here); SQLite through the FTS5 table `search_fts` kept by triggers.
    `sorted_at` is the document's date in lists (arrival, or issue / creation), copied
    here so a search walks one index in date order.
    """

    __tablename__ = "search_entries"
    __table_args__ = (
        UniqueConstraint("kind", "document_id"),
        Index("ix_search_entries_order", "org_id", "kind", "sorted_at", "document_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(3))
    document_id: Mapped[int]
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    sorted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    folded: Mapped[str] = mapped_column(Text, default="")
    exact: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, onupdate=now_utc)


class TextState(StrEnum):
    PENDING = "pending"
    DONE = "done"
    EMPTY = "empty"  # a scan without a text layer, an empty sheet
    FAILED = "failed"  # unreadable, encrypted, too large to open safely
    SKIPPED = "skipped"  # a kind that holds no text (an image)


class FileText(db.Model):
    """The text inside one stored file, extracted once by a background job.

    Keyed by the stored file, so bytes attached to many documents are read once.
    """

    __tablename__ = "file_texts"

    stored_file_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id"), primary_key=True)
    state: Mapped[str] = mapped_column(String(10), default=TextState.PENDING)
    text: Mapped[str] = mapped_column(Text, default="")
    chars: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    extracted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SavedSearch(db.Model):
    """A search a user named to run again: the query string of the search page."""

    __tablename__ = "saved_searches"
    __table_args__ = (UniqueConstraint("user_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)


# Schema objects migration 0018 creates that no model maps: PostgreSQL's generated
# tsvector columns and their GIN indexes, SQLite's FTS5 table and its shadow tables.
# Autogenerate (migrations/env.py) and the schema test leave them alone.
_UNMAPPED_COLUMNS = {("search_entries", "tsv"), ("search_entries", "tsv_exact")}
_UNMAPPED_INDEXES = {"ix_search_entries_tsv", "ix_search_entries_tsv_exact"}


def include_schema_object(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic's include_object hook: False for the search objects made by hand."""
    if type_ == "table" and name and name.startswith("search_fts"):
        return False
    if type_ == "column" and (obj.table.name, name) in _UNMAPPED_COLUMNS:
        return False
    return not (type_ == "index" and name in _UNMAPPED_INDEXES)
