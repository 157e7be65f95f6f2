"""Who may see and register incoming documents.

Every query goes through `visible_filter`, so a user of one school never reaches
another school's document: the answer is 404, by URL or by API.
"""

from __future__ import annotations

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.sql.elements import ColumnElement

from eoffice.catalog.models import ConfidentialityLevel
from eoffice.core.errors import NotFound
from eoffice.extensions import db
from eoffice.incoming import readers
from eoffice.incoming.models import IncomingDocument
from eoffice.orgs.models import Role, User

REGISTER_ROLES = (Role.CLERK,)
OVERVIEW_ROLES = (Role.CLERK, Role.LEADER, Role.DEPUTY, Role.ADMIN)


def can_register(user: User) -> bool:
    return user.has_role(*REGISTER_ROLES)


def can_see_register(user: User) -> bool:
    """The whole register (all non-secret entries) is for clerks, leaders and admins."""
    return user.has_role(*OVERVIEW_ROLES)


def addressed_or_assigned_ids(user: User) -> Select:
    """Ids of the documents addressed to the user or their unit, or in which they hold a
    part (a secret one addressed to their unit left out): exactly what a staff member
    may see of their organisation, read from `incoming_readers` (one index range)."""
    return readers.documents_of(user)


def visible_filter(user: User) -> ColumnElement[bool]:
    """SQL condition: the documents `user` may see.

    People given a part (lead, coordinator, informed, or a member of a unit given one)
    see the document, secret or not: the leader chose them. Everything stays within
    the user's organisation.
    """
    doc = IncomingDocument
    in_org = doc.org_id == user.org_id
    # Addressed to them, a part held by them or their unit (or, not secret, addressed
    # to their unit): written down per person (incoming.readers, decision 0019).
    readable = doc.id.in_(readers.documents_of(user))
    personally_involved = or_(
        doc.registered_by_id == user.id, doc.presented_to_id == user.id, readable
    )
    secret = doc.confidentiality_code.in_(
        select(ConfidentialityLevel.code).where(ConfidentialityLevel.rank >= 1)
    )
    if user.has_role(Role.LEADER):
        return in_org
    if can_see_register(user):
        return and_(in_org, or_(~secret, personally_involved))
    # The rows name people of the document's own organisation only; the condition on
    # the organisation stays for the planner (its indexes lead with it).
    return and_(in_org, readable)


def get_visible(user: User, doc_id: int) -> IncomingDocument:
    doc = db.session.scalars(
        select(IncomingDocument).where(IncomingDocument.id == doc_id, visible_filter(user))
    ).first()
    if doc is None:
        raise NotFound("Không tìm thấy văn bản đến này.")
    return doc
