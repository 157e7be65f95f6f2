"""Who may see and register incoming documents.

Every query goes through `visible_filter`, so a user of one school never reaches
another school's document: the answer is 404, by URL or by API.
"""

from __future__ import annotations

from sqlalchemy import Select, and_, false, or_, select, union
from sqlalchemy.sql.elements import ColumnElement

from eoffice.catalog.models import ConfidentialityLevel
from eoffice.core.errors import NotFound
from eoffice.extensions import db
from eoffice.incoming.models import Assignment, IncomingDocument
from eoffice.orgs.models import Role, User

REGISTER_ROLES = (Role.CLERK,)
OVERVIEW_ROLES = (Role.CLERK, Role.LEADER, Role.DEPUTY, Role.ADMIN)


def can_register(user: User) -> bool:
    return user.has_role(*REGISTER_ROLES)


def can_see_register(user: User) -> bool:
    """The whole register (all non-secret entries) is for clerks, leaders and admins."""
    return user.has_role(*OVERVIEW_ROLES)


def _assigned_to(user: User) -> ColumnElement[bool]:
    """The user holds or held a part of the document, in person or through their unit.

    A part given to someone else still counts: whoever worked on a document keeps
    seeing its timeline, they only lose the right to act on it.
    """
    part = Assignment
    holder = or_(
        part.user_id == user.id,
        part.unit_id == user.unit_id if user.unit_id else false(),
    )
    return IncomingDocument.id.in_(select(part.document_id).where(holder))


def addressed_or_assigned_ids(user: User) -> Select:
    """Ids of the documents addressed to the user or their unit, or in which they hold a
    part: a superset of what a staff member may see (`visible_filter` still decides),
    built from three indexed look-ups, so a staff member's search can start from their
    few thousand documents instead of every document of the organisation."""
    doc = IncomingDocument
    part = Assignment
    # Four index-only look-ups (migration 0020): an OR would read every row instead.
    queries = [
        select(doc.id).where(doc.recipient_user_id == user.id, doc.org_id == user.org_id),
        select(part.document_id).where(part.user_id == user.id),
    ]
    if user.unit_id:
        queries += [
            select(doc.id).where(doc.recipient_unit_id == user.unit_id, doc.org_id == user.org_id),
            select(part.document_id).where(part.unit_id == user.unit_id),
        ]
    return union(*queries)


def visible_filter(user: User) -> ColumnElement[bool]:
    """SQL condition: the documents `user` may see.

    People given a part (lead, coordinator, informed, or a member of a unit given one)
    see the document, secret or not: the leader chose them. Everything stays within
    the user's organisation.
    """
    doc = IncomingDocument
    in_org = doc.org_id == user.org_id
    assigned = _assigned_to(user)
    personally_involved = or_(
        doc.registered_by_id == user.id,
        doc.recipient_user_id == user.id,
        doc.presented_to_id == user.id,
        assigned,
    )
    secret = doc.confidentiality_code.in_(
        select(ConfidentialityLevel.code).where(ConfidentialityLevel.rank >= 1)
    )
    if user.has_role(Role.LEADER):
        return in_org
    if can_see_register(user):
        return and_(in_org, or_(~secret, personally_involved))
    mine = or_(
        doc.recipient_user_id == user.id,
        doc.recipient_unit_id == user.unit_id if user.unit_id else false(),
        assigned,
    )
    return and_(in_org, mine, or_(~secret, doc.recipient_user_id == user.id, assigned))


def get_visible(user: User, doc_id: int) -> IncomingDocument:
    doc = db.session.scalars(
        select(IncomingDocument).where(IncomingDocument.id == doc_id, visible_filter(user))
    ).first()
    if doc is None:
        raise NotFound("Không tìm thấy văn bản đến này.")
    return doc
