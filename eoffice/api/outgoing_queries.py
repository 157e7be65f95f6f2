"""Read side of /api/v1/outgoing: keyset pages of the outgoing documents a user may see.

Keyset on (created_at, id), newest first, for the reasons api.queries gives for the
incoming list. Visibility is eoffice.outgoing.involvement.visible_filter, the one rule
the web pages use too.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from eoffice.api.outgoing_parsing import OutgoingQuery
from eoffice.api.queries import Keyset
from eoffice.core import keyset
from eoffice.extensions import db
from eoffice.orgs.models import Organisation, User
from eoffice.outgoing.drafting import SIGNER_ROLES
from eoffice.outgoing.involvement import visible_filter
from eoffice.outgoing.models import OutgoingDocument, OutgoingVersion
from eoffice.outgoing.queries import waiting_filter
from eoffice.search import backends
from eoffice.search.models import DocumentKind, SearchEntry
from eoffice.search.tokens import parse_query

# What a row of the list shows, loaded for the whole page at once rather than row by row.
ROW_LOADS = (
    selectinload(OutgoingDocument.drafter),
    selectinload(OutgoingDocument.drafting_unit),
    selectinload(OutgoingDocument.signer),
    selectinload(OutgoingDocument.register_book),
    selectinload(OutgoingDocument.recipients),
    selectinload(OutgoingDocument.attachments),
)


@dataclass
class OutgoingPage:
    items: list[OutgoingDocument]
    next_key: Keyset | None


def outgoing_page(user: User, query: OutgoingQuery) -> OutgoingPage:
    """Newest first; `query.after` continues below the last row of the previous page."""
    doc = OutgoingDocument
    stmt = select(doc).where(visible_filter(user))
    if query.state:
        stmt = stmt.where(doc.state == query.state)
    if query.mine:
        stmt = stmt.where(doc.drafter_id == user.id)
    if query.waiting:
        # Under review at a stage the user holds (a check, or the signing): the web
        # tab's rule, as a condition, so every such document is paged, however many.
        stmt = stmt.where(waiting_filter(user))
    if query.text:
        # Whole words (diacritics ignored) and phrases through the search index: the
        # subject, the number and symbol ("05/KH-GDĐT" is a phrase), the recipients,
        # the signer, the body and the attached files' text.
        parsed = parse_query(query.text)
        if parsed:
            entry = SearchEntry
            stmt = stmt.where(
                doc.id.in_(
                    select(entry.document_id).where(
                        entry.kind == DocumentKind.OUTGOING.value,
                        entry.org_id == user.org_id,
                        backends.match(db.session, parsed),
                    )
                )
            )
    if query.after is not None:
        # A row-value comparison: ix_outgoing_org_created starts at the key.
        after = query.after
        stmt = stmt.where(keyset.after((doc.created_at, doc.id), (after.arrived_at, after.id)))
    stmt = (
        stmt.options(*ROW_LOADS)
        .order_by(doc.created_at.desc(), doc.id.desc())
        .limit(query.limit + 1)
    )
    rows = list(db.session.scalars(stmt))
    items = rows[: query.limit]
    next_key = None
    if len(rows) > query.limit:
        next_key = Keyset(items[-1].created_at, items[-1].id)  # arrived_at holds created_at
    return OutgoingPage(items, next_key)


def versions_of(doc: OutgoingDocument) -> list[OutgoingVersion]:
    return list(
        db.session.scalars(
            select(OutgoingVersion)
            .where(OutgoingVersion.document_id == doc.id)
            .order_by(OutgoingVersion.number)
        )
    )


def signers_of(org_id: int) -> list[User]:
    """Who may be proposed as signer: the drafting service's rule (leaders and deputies)."""
    users = db.session.scalars(
        select(User)
        .where(User.org_id == org_id, User.is_active_account.is_(True))
        .order_by(User.full_name, User.id)
    )
    return [user for user in users if user.has_role(*SIGNER_ROLES)]


def member_organisations(org_id: int) -> list[Organisation]:
    """The other active organisations of the deployment: recipients delivered at once."""
    return list(
        db.session.scalars(
            select(Organisation)
            .where(
                Organisation.is_member.is_(True),
                Organisation.is_active.is_(True),
                Organisation.id != org_id,
            )
            .order_by(Organisation.name, Organisation.id)
        )
    )
