"""How a user stands towards one outgoing document, and who may see it.

The workflow knows roles by name; this module works out which of them a user holds for
one document: `drafter` (made it), `reviewer` (holds the review stage it is at now),
`signer` (the proposed signer, or a deputy a running delegation lets sign in their
place). Visibility follows the same relations, within the user's organisation.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import and_, false, or_, select
from sqlalchemy.sql.elements import ColumnElement

from eoffice.catalog.models import ConfidentialityLevel
from eoffice.core.errors import NotFound
from eoffice.core.timeutil import local_today
from eoffice.extensions import db
from eoffice.orgs.models import Role, User
from eoffice.outgoing.models import OutgoingDocument, OutgoingReview, SigningDelegation
from workflows import outgoing as outgoing_flow
from workflows import roles as wf_roles

UNIT_HEAD_ROLES = (Role.LEADER, Role.DEPUTY)
OVERVIEW_ROLES = (Role.CLERK, Role.LEADER, Role.DEPUTY, Role.ADMIN)
SIGNING_STAGE = "signer"


def current_stage(doc: OutgoingDocument) -> OutgoingReview | None:
    """The first undecided stage of the round in progress (None outside a review)."""
    if doc.state != outgoing_flow.IN_REVIEW:
        return None
    pending = [r for r in doc.reviews if r.round == doc.review_round and r.decision is None]
    return min(pending, key=lambda r: r.position) if pending else None


def is_unit_head(user: User, unit_id: int | None) -> bool:
    return unit_id is not None and user.unit_id == unit_id and user.has_role(*UNIT_HEAD_ROLES)


def holds_stage(user: User, doc: OutgoingDocument, stage: OutgoingReview) -> bool:
    if user.org_id != doc.org_id:
        return False
    if stage.kind == "unit_head":
        return is_unit_head(user, stage.unit_id)
    if stage.kind == "role":
        return bool(stage.role) and user.has_role(stage.role)
    if stage.kind == "user":
        return stage.user_id == user.id
    return stage.kind == SIGNING_STAGE and can_sign(user, doc)


def delegation_for(signer_id: int, user: User, on: date) -> SigningDelegation | None:
    """A delegation running on `on` that lets `user` sign in `signer_id`'s place."""
    return db.session.scalars(
        select(SigningDelegation).where(
            SigningDelegation.from_user_id == signer_id,
            SigningDelegation.to_user_id == user.id,
            SigningDelegation.starts_on <= on,
            SigningDelegation.ends_on >= on,
        )
    ).first()


def can_sign(user: User, doc: OutgoingDocument) -> bool:
    if doc.signer_id is None or user.org_id != doc.org_id:
        return False
    if doc.signer_id == user.id:
        return True
    return delegation_for(doc.signer_id, user, local_today()) is not None


def document_roles(user: User, doc: OutgoingDocument) -> frozenset[str]:
    """Organisation roles plus the relations to this document, as the workflow names them."""
    roles = set(user.roles) if user.org_id == doc.org_id else set()
    if doc.drafter_id == user.id:
        roles.add(wf_roles.DRAFTER)
    if can_sign(user, doc):
        roles.add(wf_roles.SIGNER)
    stage = current_stage(doc)
    if stage is not None and stage.kind != SIGNING_STAGE and holds_stage(user, doc, stage):
        roles.add(wf_roles.REVIEWER)
    return frozenset(roles)


def document_context(doc: OutgoingDocument) -> dict[str, bool]:
    stage = current_stage(doc)
    return {
        outgoing_flow.AT_SIGNING_STAGE: stage is not None and stage.kind == SIGNING_STAGE,
        outgoing_flow.HAS_SIGNER: doc.signer_id is not None,
    }


def visible_filter(user: User) -> ColumnElement[bool]:
    """SQL condition: the outgoing documents `user` may see.

    Leaders see everything of their organisation. Clerks, deputies and admins see what
    is on its way or issued, secret ones only where they take part. Everyone sees what
    they drafted, sign or reviewed, and the organisation's issued, non-secret documents.
    """
    doc = OutgoingDocument
    in_org = doc.org_id == user.org_id
    reviewed = doc.id.in_(
        select(OutgoingReview.document_id).where(
            or_(
                OutgoingReview.user_id == user.id,
                OutgoingReview.decided_by_id == user.id,
                and_(OutgoingReview.kind == "unit_head", OutgoingReview.unit_id == user.unit_id)
                if user.unit_id and user.has_role(*UNIT_HEAD_ROLES)
                else false(),
                OutgoingReview.role.in_(sorted(user.roles)),
            )
        )
    )
    involved = or_(doc.drafter_id == user.id, doc.signer_id == user.id, reviewed)
    secret = doc.confidentiality_code.in_(
        select(ConfidentialityLevel.code).where(ConfidentialityLevel.rank >= 1)
    )
    issued = doc.state.in_((outgoing_flow.ISSUED, outgoing_flow.RECALLED))
    if user.has_role(Role.LEADER):
        return in_org
    if user.has_role(*OVERVIEW_ROLES):
        not_a_private_draft = doc.state != outgoing_flow.DRAFT
        return and_(in_org, or_(involved, and_(not_a_private_draft, ~secret)))
    return and_(in_org, or_(involved, and_(issued, ~secret)))


def get_visible(user: User, doc_id: int) -> OutgoingDocument:
    doc = db.session.scalars(
        select(OutgoingDocument).where(OutgoingDocument.id == doc_id, visible_filter(user))
    ).first()
    if doc is None:
        raise NotFound("Không tìm thấy văn bản đi này.")
    return doc
