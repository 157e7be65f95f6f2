"""Read side of outgoing documents: the three tabs of the list page and their counts.

Every list starts from `involvement.visible_filter`, so a tab never shows what the
detail page would refuse. All three tabs are keyset pages in SQL
(core.pagination). "Chờ tôi xử lý" states in SQL which stage is current and who holds
it (`waiting_filter`): deciding that in Python for a capped list of candidates once
left out documents beyond the cap, the API's `waiting=true` included. The Python rules
(`involvement.current_stage`, `holds_stage`) still drive the buttons of the detail
page; a test holds the two to each other for every kind of stage.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, and_, exists, false, func, or_, select
from sqlalchemy.orm import aliased, selectinload

from eoffice.catalog.models import UrgencyLevel
from eoffice.core.pagination import (
    CappedCount,
    KeysetPage,
    SortKey,
    count_upto,
    keyset_page,
)
from eoffice.core.timeutil import local_today
from eoffice.extensions import db
from eoffice.orgs.models import User
from eoffice.outgoing.involvement import (
    SIGNING_STAGE,
    UNIT_HEAD_ROLES,
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
# The waiting tab also shows each row's current stage (`current_stage` reads the reviews).
WAITING_LOADS = (selectinload(_doc.reviews), *ROW_LOADS)


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


def _holds_current_stage(user: User, signers: set[int]) -> ColumnElement[bool]:
    """SQL: the document's current stage is one the user holds.

    The current stage is `involvement.current_stage`: the undecided stage of the round
    in progress with the lowest position (the lowest id among equals, the order of
    `OutgoingDocument.reviews`), i.e. one with no undecided stage before it. Holding it
    is `involvement.holds_stage`, with `signers` for `can_sign`. Both restate those
    rules in SQL, so that the list can be filtered and paged by the database whatever
    its length; `tests/integration/test_outgoing_waiting.py` holds them to the Python
    rules stage kind by stage kind.
    """
    review = OutgoingReview
    earlier = aliased(OutgoingReview)
    doc = OutgoingDocument
    heads_unit = user.unit_id is not None and user.has_role(*UNIT_HEAD_ROLES)
    holder = or_(
        and_(review.kind == "user", review.user_id == user.id),
        and_(review.kind == "unit_head", review.unit_id == user.unit_id) if heads_unit else false(),
        and_(review.kind == "role", review.role.in_(sorted(user.roles))),
        and_(review.kind == SIGNING_STAGE, doc.signer_id.in_(sorted(signers))),
    )
    # Stated against `review` (the enclosing query) alone: a subquery correlates with
    # the query right around it, not with the document two levels up.
    before_it = exists().where(
        earlier.document_id == review.document_id,
        earlier.round == review.round,
        earlier.decision.is_(None),
        or_(
            earlier.position < review.position,
            and_(earlier.position == review.position, earlier.id < review.id),
        ),
    )
    return exists().where(
        review.document_id == doc.id,
        review.round == doc.review_round,
        review.decision.is_(None),
        holder,
        ~before_it,
    )


def waiting_filter(user: User) -> ColumnElement[bool]:
    """SQL condition: the outgoing documents waiting for `user` ("Chờ tôi xử lý"): under
    review, visible, and at a stage the user holds, the signing stage included (the
    proposed signer, or a deputy a running delegation names). One query for the
    delegations, then a plain condition the web tab and the API filter and page by."""
    doc = OutgoingDocument
    return and_(
        visible_filter(user),
        doc.org_id == user.org_id,
        doc.state == outgoing_flow.IN_REVIEW,
        _holds_current_stage(user, _signers_for(user)),
    )


def _waiting(user: User) -> Select:
    doc = OutgoingDocument
    return (
        select(doc)
        .join(UrgencyLevel, doc.urgency_code == UrgencyLevel.code)
        .where(waiting_filter(user))
    )


def awaiting_me(user: User) -> list[OutgoingDocument]:
    """Every document waiting for the user (`waiting_filter`), urgent ones first, then
    those waiting longest. Unbounded: the lists page it instead (`waiting_page`, the
    API's `waiting=true`)."""
    stmt = _waiting(user).options(*WAITING_LOADS).order_by(*WAITING_ORDER.order_by())
    return list(db.session.scalars(stmt))


@dataclass(frozen=True)
class Waiting:
    """The "Chờ tôi xử lý" list of one request: its query and its capped count, for the
    tab's figure and its page."""

    stmt: Select
    count: CappedCount


def waiting_for(user: User) -> Waiting:
    stmt = _waiting(user)
    return Waiting(stmt, count_upto(stmt))


def waiting_page(waiting: Waiting, cursor: str | None, per_page: int) -> KeysetPage:
    """A keyset page of the list, walked in SQL like the other tabs: no document that
    waits is ever left out, however many there are."""
    return keyset_page(
        waiting.stmt, WAITING_ORDER, cursor, per_page, options=WAITING_LOADS, count=waiting.count
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
