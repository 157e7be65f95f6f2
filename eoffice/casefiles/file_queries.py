"""Read-only queries of the file pages: the list of files with its filters, and the
search for documents to add to a file.

The list is a keyset page (core.pagination) in FILE_ORDER, walking the index
ix_case_files_org_order. The text filter is SQL: every word, folded with
core.text.vn_fold, is in the file's folded code and title (`CaseFile.title_folded`,
LIKE '%…%' as the register's sender filter), so a page reads its rows with a LIMIT and
the count stops at its cap, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import selectinload

from eoffice.casefiles.models import CaseFile, CaseFileItem
from eoffice.core.pagination import KeysetPage, SortKey, keyset_page
from eoffice.core.text import LIKE_ESCAPE, like_contains, vn_fold
from eoffice.core.timeutil import to_local
from eoffice.extensions import db
from eoffice.incoming import access as incoming_access
from eoffice.incoming.models import IncomingDocument
from eoffice.orgs.models import User
from eoffice.outgoing import involvement as outgoing_access
from eoffice.outgoing.models import OutgoingDocument
from workflows import casefiles as flow

PER_PAGE = 50
SEARCH_LIMIT = 20
MAX_SEARCH_WORDS = 8
STATES = tuple(s.code for s in flow.CASE_FILE.states)


@dataclass(frozen=True)
class FileFilters:
    mine: bool = True  # "Hồ sơ của tôi": the files the user keeps
    year: int | None = None
    state: str | None = None
    text: str = ""


def years(user: User) -> list[int]:
    """The years the organisation has files for, newest first (the year filter)."""
    return list(
        db.session.scalars(
            select(CaseFile.year)
            .where(CaseFile.org_id == user.org_id)
            .distinct()
            .order_by(CaseFile.year.desc())
        )
    )


def _conditions(user: User, filters: FileFilters) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [CaseFile.org_id == user.org_id]
    if filters.mine:
        conditions.append(CaseFile.keeper_id == user.id)
    if filters.year is not None:
        conditions.append(CaseFile.year == filters.year)
    if filters.state in STATES:
        conditions.append(CaseFile.state == filters.state)
    return conditions


# Newest year first, then by number and code; the id makes the order total.
FILE_ORDER = SortKey(
    "casefiles.files",
    ((CaseFile.year, True), (CaseFile.number, False), (CaseFile.code, False), (CaseFile.id, False)),
)
ROW_LOADS = (selectinload(CaseFile.keeper), selectinload(CaseFile.retention))


def text_conditions(text: str | None) -> list[ColumnElement[bool]]:
    """SQL conditions: each word of `text` (folded; at most MAX_SEARCH_WORDS) is in the
    file's folded code and title. Shared with the API's list."""
    words = vn_fold(text).split()[:MAX_SEARCH_WORDS]
    return [CaseFile.title_folded.like(like_contains(w), escape=LIKE_ESCAPE) for w in words]


def file_page(
    user: User, filters: FileFilters, cursor: str | None, per_page: int = PER_PAGE
) -> KeysetPage:
    """One page of the organisation's files in FILE_ORDER, with its capped count."""
    stmt = select(CaseFile).where(*_conditions(user, filters), *text_conditions(filters.text))
    return keyset_page(stmt, FILE_ORDER, cursor, per_page, options=ROW_LOADS)


def document_counts(file_ids: list[int]) -> dict[int, int]:
    """How many documents each file holds now (the list's column), in one query."""
    if not file_ids:
        return {}
    rows = db.session.execute(
        select(CaseFileItem.case_file_id, func.count(CaseFileItem.id))
        .where(CaseFileItem.case_file_id.in_(file_ids))
        .group_by(CaseFileItem.case_file_id)
    ).all()
    return {file_id: count for file_id, count in rows}


@dataclass(frozen=True)
class Candidate:
    """A document found for adding to a file."""

    kind: str  # "incoming" | "outgoing"
    id: int
    label: str  # "Số đến 12" / the symbol / "Dự thảo"
    symbol: str
    day: date | None
    type_and_subject: str
    author: str
    state_label: str
    in_file: bool


def _text_conditions(model, text: str) -> list[ColumnElement[bool]]:
    words = vn_fold(text).split()[:MAX_SEARCH_WORDS]
    conditions = [model.search_text.like(like_contains(w), escape=LIKE_ESCAPE) for w in words]
    number = text.strip()
    if number.isdigit() and len(number) <= 9:
        # A bare number is the arrival number (incoming) or the number (outgoing) too.
        column = model.arrival_number if model is IncomingDocument else model.number
        return [or_(column == int(number), *conditions)]
    return conditions


def search_documents(user: User, case_file: CaseFile, text: str) -> list[Candidate]:
    """The user's visible incoming and outgoing documents matching `text` (symbol,
    number, subject, sender), newest first, at most SEARCH_LIMIT, those already in the
    file marked."""
    text = (text or "").strip()
    if not vn_fold(text):
        return []
    present = db.session.execute(
        select(CaseFileItem.incoming_id, CaseFileItem.outgoing_id).where(
            CaseFileItem.case_file_id == case_file.id
        )
    ).all()
    have_in = {r[0] for r in present if r[0]}
    have_out = {r[1] for r in present if r[1]}
    incoming = db.session.scalars(
        select(IncomingDocument)
        .where(
            IncomingDocument.org_id == user.org_id,
            incoming_access.visible_filter(user),
            *_text_conditions(IncomingDocument, text),
        )
        .order_by(IncomingDocument.arrived_at.desc(), IncomingDocument.id.desc())
        .limit(SEARCH_LIMIT)
    ).all()
    outgoing = db.session.scalars(
        select(OutgoingDocument)
        .where(
            OutgoingDocument.org_id == user.org_id,
            outgoing_access.visible_filter(user),
            *_text_conditions(OutgoingDocument, text),
        )
        .order_by(OutgoingDocument.updated_at.desc(), OutgoingDocument.id.desc())
        .limit(SEARCH_LIMIT)
    ).all()
    found = [
        (
            doc.arrived_at,
            Candidate(
                kind="incoming",
                id=doc.id,
                label=f"Văn bản đến số {doc.arrival_number}",
                symbol=doc.symbol,
                day=doc.document_date or to_local(doc.arrived_at).date(),
                type_and_subject=f"{doc.document_type.name}: {doc.subject}",
                author=doc.sender_name,
                state_label=doc.state_label,
                in_file=doc.id in have_in,
            ),
        )
        for doc in incoming
    ] + [
        (
            doc.updated_at,
            Candidate(
                kind="outgoing",
                id=doc.id,
                label="Văn bản đi" if doc.symbol else "Dự thảo văn bản đi",
                symbol=doc.symbol or "",
                day=doc.document_date,
                type_and_subject=f"{doc.document_type.name}: {doc.subject}",
                author=user.organisation.name,
                state_label=doc.state_label,
                in_file=doc.id in have_out,
            ),
        )
        for doc in outgoing
    ]
    found.sort(key=lambda pair: pair[0], reverse=True)
    return [candidate for _, candidate in found[:SEARCH_LIMIT]]
