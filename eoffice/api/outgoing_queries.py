"""Read side of /api/v1/outgoing: keyset pages of the outgoing documents a user may see.

Keyset on (created_at, id), newest first, for the reasons api.queries gives for the
incoming list. Visibility is eoffice.outgoing.involvement.visible_filter, the one rule
the web pages use too.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import selectinload

from eoffice.api.outgoing_parsing import OutgoingQuery
from eoffice.api.queries import Keyset
from eoffice.core.text import LIKE_ESCAPE, clean, like_contains, vn_fold
from eoffice.extensions import db
from eoffice.orgs.models import Organisation, User
from eoffice.outgoing.drafting import SIGNER_ROLES
from eoffice.outgoing.involvement import current_stage, holds_stage, visible_filter
from eoffice.outgoing.models import OutgoingDocument, OutgoingVersion
from workflows import outgoing as outgoing_flow

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


def waiting_ids(user: User) -> list[int]:
    """Documents under review whose current stage the user holds (a check, or the signing).

    Worked out per document with the same rule the steps use (holds_stage: unit heads,
    roles, named people, the signer or their delegate), rather than restated in SQL;
    documents under review at one time are few.
    """
    doc = OutgoingDocument
    reviewing = db.session.scalars(
        select(doc).where(visible_filter(user), doc.state == outgoing_flow.IN_REVIEW)
    )
    waiting = []
    for found in reviewing:
        stage = current_stage(found)
        if stage is not None and holds_stage(user, found, stage):
            waiting.append(found.id)
    return waiting


def _escaped(text: str) -> str:
    return (
        text.replace(LIKE_ESCAPE, LIKE_ESCAPE * 2)
        .replace("%", LIKE_ESCAPE + "%")
        .replace("_", LIKE_ESCAPE + "_")
    )


def outgoing_page(user: User, query: OutgoingQuery) -> OutgoingPage:
    """Newest first; `query.after` continues below the last row of the previous page."""
    doc = OutgoingDocument
    stmt = select(doc).where(visible_filter(user))
    if query.state:
        stmt = stmt.where(doc.state == query.state)
    if query.mine:
        stmt = stmt.where(doc.drafter_id == user.id)
    if query.waiting:
        stmt = stmt.where(doc.id.in_(waiting_ids(user)))
    if query.text:
        # Every word in the subject or the recipients (diacritics ignored), or the
        # number and symbol as typed ("05/KH-GDĐT"): the folded text does not hold it.
        words = [
            doc.search_text.like(like_contains(word), escape=LIKE_ESCAPE)
            for word in vn_fold(query.text).split()
        ]
        symbol = doc.symbol.ilike(f"%{_escaped(clean(query.text))}%", escape=LIKE_ESCAPE)
        stmt = stmt.where(or_(and_(*words), symbol))
    if query.after is not None:
        after = query.after
        stmt = stmt.where(
            or_(
                doc.created_at < after.arrived_at,
                and_(doc.created_at == after.arrived_at, doc.id < after.id),
            )
        )
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
