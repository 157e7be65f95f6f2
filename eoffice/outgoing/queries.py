"""Read side of outgoing documents: the three tabs of the list page and their counts.

Every list starts from `involvement.visible_filter`, so a tab never shows what the
detail page would refuse. "Dự thảo của tôi" and "Đã ban hành" are keyset pages in SQL
(core.pagination), each walking its index. "Chờ tôi xử lý" asks `involvement.
holds_stage` of each candidate instead of restating its rules in SQL, so the tab and the
buttons of the detail page cannot disagree: SQL only narrows the candidates to
documents with an undecided stage of the current round that the user could hold (at
most WAITING_LIMIT of them, loaded with their stages in two queries), and the page is
cut from that short list with the same cursors as the other tabs.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, and_, exists, false, func, or_, select
from sqlalchemy.orm import selectinload

from eoffice.catalog.models import UrgencyLevel
from eoffice.core.pagination import (
    CappedCount,
    KeysetPage,
    SortKey,
    count_upto,
    keyset_page,
    list_fetch,
    page_from,
)
from eoffice.core.timeutil import local_today
from eoffice.extensions import db
from eoffice.orgs.models import User
from eoffice.outgoing.involvement import (
    SIGNING_STAGE,
    UNIT_HEAD_ROLES,
    current_stage,
    holds_stage,
    visible_filter,
)
from eoffice.outgoing.models import (
    OutgoingDocument,
    OutgoingRecipient,
    OutgoingReview,
    RecipientKind,
    SigningDelegation,
)
from workflows import outgoing as outgoing_flow

# A draft still on its way (its drafter's work) versus one closed without being issued.
OPEN_DRAFT_STATES = (outgoing_flow.DRAFT, outgoing_flow.IN_REVIEW)
CLOSED_DRAFT_STATES = (outgoing_flow.REJECTED, outgoing_flow.DISCARDED)
ISSUED_STATES = (outgoing_flow.ISSUED, outgoing_flow.RECALLED)
# "Chờ tôi xử lý" is work in progress: more than this many candidates is not a list
# anyone pages through, and the tab then says "hơn …".
WAITING_LIMIT = 500

_doc = OutgoingDocument
# Last touched first (ix_outgoing_drafter_updated: drafter, updated_at, id).
DRAFTS_ORDER = SortKey("outgoing.drafts", ((_doc.updated_at, True), (_doc.id, True)))
# Newest issue first (ix_outgoing_org_issued: org, issued_at, id).
ISSUED_ORDER = SortKey("outgoing.issued", ((_doc.issued_at, True), (_doc.id, True)))
# Urgent first, then those waiting longest.
WAITING_ORDER = SortKey(
    "outgoing.waiting",
    ((UrgencyLevel.rank, True), (_doc.updated_at, False), (_doc.id, False)),
    values=lambda doc: (doc.urgency.rank, doc.updated_at, doc.id),
)
# What the rows of the tabs show besides the document's own columns (type, urgency and
# confidentiality are joined to it), loaded for the whole page at once.
ROW_LOADS = (
    selectinload(_doc.signer),
    selectinload(_doc.drafter),
    selectinload(_doc.attachments),
)


@dataclass(frozen=True)
class TabCounts:
    drafts: CappedCount
    waiting: CappedCount
    issued: CappedCount


def _my_drafts(user: User, *, include_closed: bool) -> Select:
    doc = OutgoingDocument
    states = OPEN_DRAFT_STATES + (CLOSED_DRAFT_STATES if include_closed else ())
    return select(doc).where(visible_filter(user), doc.drafter_id == user.id, doc.state.in_(states))


def my_drafts_page(
    user: User,
    cursor: str | None,
    per_page: int,
    *,
    include_closed: bool = False,
    count: CappedCount | None = None,
) -> KeysetPage:
    """The user's own drafts, last touched first; closed ones (not issued, discarded)
    only on request, so the tab stays a list of work still to do."""
    stmt = _my_drafts(user, include_closed=include_closed)
    return keyset_page(stmt, DRAFTS_ORDER, cursor, per_page, options=ROW_LOADS, count=count)


def _signers_for(user: User) -> set[int]:
    """Whose documents the user may sign today: their own, and those of the people
    whose running delegation names them (involvement.can_sign, for many documents in
    one query instead of one per document)."""
    today = local_today()
    delegators = db.session.scalars(
        select(SigningDelegation.from_user_id).where(
            SigningDelegation.to_user_id == user.id,
            SigningDelegation.starts_on <= today,
            SigningDelegation.ends_on >= today,
        )
    )
    return {user.id, *delegators}


def _could_hold(user: User, signers: set[int]) -> Select:
    """SQL narrowing of the candidates: an undecided stage of the current round whose
    holder could be the user (the Python check below decides which stage is current)."""
    review = OutgoingReview
    doc = OutgoingDocument
    heads_unit = user.unit_id is not None and user.has_role(*UNIT_HEAD_ROLES)
    holder = or_(
        and_(review.kind == "user", review.user_id == user.id),
        and_(review.kind == "unit_head", review.unit_id == user.unit_id) if heads_unit else false(),
        and_(review.kind == "role", review.role.in_(sorted(user.roles))),
        and_(review.kind == SIGNING_STAGE, doc.signer_id.in_(sorted(signers))),
    )
    return exists().where(
        review.document_id == doc.id,
        review.round == doc.review_round,
        review.decision.is_(None),
        holder,
    )


def _awaiting(user: User) -> tuple[list[OutgoingDocument], bool]:
    """(the documents waiting for the user, in WAITING_ORDER; whether the candidates
    were cut at WAITING_LIMIT)."""
    doc = OutgoingDocument
    signers = _signers_for(user)
    candidates = db.session.scalars(
        select(doc)
        .join(UrgencyLevel, doc.urgency_code == UrgencyLevel.code)
        .where(
            visible_filter(user),
            doc.org_id == user.org_id,
            doc.state == outgoing_flow.IN_REVIEW,
            _could_hold(user, signers),
        )
        .options(selectinload(doc.reviews), *ROW_LOADS)
        .order_by(*WAITING_ORDER.order_by())
        .limit(WAITING_LIMIT + 1)
    ).all()
    mine = []
    for candidate in candidates[:WAITING_LIMIT]:
        stage = current_stage(candidate)
        if stage is None:
            continue
        if stage.kind == SIGNING_STAGE:
            held = candidate.signer_id in signers  # can_sign, with the delegations above
        else:
            held = holds_stage(user, candidate, stage)
        if held:
            mine.append(candidate)
    return mine, len(candidates) > WAITING_LIMIT


def awaiting_me(user: User) -> list[OutgoingDocument]:
    """Documents whose current review stage the user holds, the signing stage included
    (the proposed signer, or a deputy a running delegation names).

    Urgent ones first, then those waiting longest; at most WAITING_LIMIT candidates.
    """
    return _awaiting(user)[0]


@dataclass(frozen=True)
class Waiting:
    """The "Chờ tôi xử lý" list, loaded once per request for its tab, count and page."""

    items: list[OutgoingDocument]
    cut: bool

    @property
    def count(self) -> CappedCount:
        return CappedCount(len(self.items), len(self.items), over=self.cut)


def waiting_for(user: User) -> Waiting:
    return Waiting(*_awaiting(user))


def waiting_page(waiting: Waiting, cursor: str | None, per_page: int) -> KeysetPage:
    return page_from(
        list_fetch(waiting.items, WAITING_ORDER), WAITING_ORDER, cursor, per_page, waiting.count
    )


def _issued(user: User) -> Select:
    doc = OutgoingDocument
    # issued_at is set when a document is signed; saying so lets the index skip drafts.
    return select(doc).where(
        visible_filter(user), doc.state.in_(ISSUED_STATES), doc.issued_at.is_not(None)
    )


def issued_page(
    user: User, cursor: str | None, per_page: int, *, count: CappedCount | None = None
) -> KeysetPage:
    """Issued and recalled documents of the organisation the user may see, newest first."""
    return keyset_page(
        _issued(user), ISSUED_ORDER, cursor, per_page, options=ROW_LOADS, count=count
    )


def tab_counts(user: User, waiting: Waiting, *, include_closed: bool = False) -> TabCounts:
    """The figures on the tabs, each a capped count (core.pagination.count_upto)."""
    return TabCounts(
        drafts=count_upto(_my_drafts(user, include_closed=include_closed)),
        waiting=waiting.count,
        issued=count_upto(_issued(user)),
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
