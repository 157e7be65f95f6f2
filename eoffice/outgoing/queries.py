"""Read side of outgoing documents: the three tabs of the list page and their counts.

Every list starts from `involvement.visible_filter`, so a tab never shows what the
detail page would refuse. "Chờ tôi xử lý" asks `involvement.holds_stage` of each
document under review instead of restating its rules in SQL: the buttons on the detail
page come from the same function, so the tab and the buttons can never disagree, and the
documents under review in one organisation at a time are few (tens, not thousands).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import selectinload

from eoffice.catalog.models import UrgencyLevel
from eoffice.core.pagination import Page, paginate
from eoffice.extensions import db
from eoffice.orgs.models import User
from eoffice.outgoing.involvement import current_stage, holds_stage, visible_filter
from eoffice.outgoing.models import OutgoingDocument, OutgoingRecipient, RecipientKind
from workflows import outgoing as outgoing_flow

# A draft still on its way (its drafter's work) versus one closed without being issued.
OPEN_DRAFT_STATES = (outgoing_flow.DRAFT, outgoing_flow.IN_REVIEW)
CLOSED_DRAFT_STATES = (outgoing_flow.REJECTED, outgoing_flow.DISCARDED)
ISSUED_STATES = (outgoing_flow.ISSUED, outgoing_flow.RECALLED)


@dataclass(frozen=True)
class TabCounts:
    drafts: int
    waiting: int
    issued: int


def _count(stmt: Select) -> int:
    return db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0


def _my_drafts(user: User, *, include_closed: bool) -> Select:
    doc = OutgoingDocument
    states = OPEN_DRAFT_STATES + (CLOSED_DRAFT_STATES if include_closed else ())
    return select(doc).where(visible_filter(user), doc.drafter_id == user.id, doc.state.in_(states))


def my_drafts_page(user: User, page: int, per_page: int, *, include_closed: bool = False) -> Page:
    """The user's own drafts, last touched first; closed ones (not issued, discarded)
    only on request, so the tab stays a list of work still to do."""
    doc = OutgoingDocument
    stmt = _my_drafts(user, include_closed=include_closed).order_by(
        doc.updated_at.desc(), doc.id.desc()
    )
    return paginate(stmt, page, per_page)


def awaiting_me(user: User) -> list[OutgoingDocument]:
    """Documents whose current review stage the user holds, the signing stage included
    (the proposed signer, or a deputy a running delegation names).

    Urgent ones first, then those waiting longest.
    """
    doc = OutgoingDocument
    candidates = db.session.scalars(
        select(doc)
        .join(UrgencyLevel, doc.urgency_code == UrgencyLevel.code)
        .where(
            visible_filter(user), doc.org_id == user.org_id, doc.state == outgoing_flow.IN_REVIEW
        )
        .options(selectinload(doc.reviews))
        .order_by(UrgencyLevel.rank.desc(), doc.updated_at, doc.id)
    ).all()
    mine = []
    for candidate in candidates:
        stage = current_stage(candidate)
        if stage is not None and holds_stage(user, candidate, stage):
            mine.append(candidate)
    return mine


def page_of(items: list[OutgoingDocument], page: int, per_page: int) -> Page:
    """One page of an already loaded list (`awaiting_me`; see the module docstring)."""
    per_page = max(1, per_page)
    page = max(1, page)
    start = (page - 1) * per_page
    return Page(items[start : start + per_page], page, per_page, len(items))


def _issued(user: User) -> Select:
    doc = OutgoingDocument
    return select(doc).where(visible_filter(user), doc.state.in_(ISSUED_STATES))


def issued_page(user: User, page: int, per_page: int) -> Page:
    """Issued and recalled documents of the organisation the user may see, newest first."""
    doc = OutgoingDocument
    stmt = _issued(user).order_by(doc.issued_at.desc(), doc.id.desc())
    return paginate(stmt, page, per_page)


def tab_counts(user: User, waiting: int, *, include_closed: bool = False) -> TabCounts:
    """The figures on the tabs; `waiting` is `len(awaiting_me(user))`, already loaded."""
    return TabCounts(
        drafts=_count(_my_drafts(user, include_closed=include_closed)),
        waiting=waiting,
        issued=_count(_issued(user)),
    )


@dataclass(frozen=True)
class RecipientSummary:
    """The document page's "Nơi nhận": the lines as printed (a group picked as a whole is
    its one line) and how many schools each group's line stands for."""

    lines: list[OutgoingRecipient]
    group_sizes: dict[str, int]


def recipient_summary(doc: OutgoingDocument) -> RecipientSummary:
    """Two queries whatever the number of schools: the listed rows, and the schools of
    each group counted in SQL (a directive to 2,500 schools loads 2,500 rows nowhere)."""
    listed = list(
        db.session.scalars(
            select(OutgoingRecipient)
            .where(
                OutgoingRecipient.document_id == doc.id,
                or_(
                    OutgoingRecipient.group_key.is_(None),
                    OutgoingRecipient.kind != RecipientKind.MEMBER,
                ),
            )
            .order_by(OutgoingRecipient.position, OutgoingRecipient.id)
        )
    )
    sizes: dict[str, int] = {}
    if any(r.is_group_line for r in listed):
        sizes = dict(
            db.session.execute(
                select(OutgoingRecipient.group_key, func.count(OutgoingRecipient.id))
                .where(
                    OutgoingRecipient.document_id == doc.id,
                    OutgoingRecipient.kind == RecipientKind.MEMBER,
                    OutgoingRecipient.group_key.is_not(None),
                )
                .group_by(OutgoingRecipient.group_key)
            ).all()
        )
    return RecipientSummary(listed, sizes)
