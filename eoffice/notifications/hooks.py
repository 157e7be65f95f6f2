"""Who hears about which processing step; called by the services once a step is done."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from eoffice.extensions import db
from eoffice.incoming.models import Assignment, IncomingDocument
from eoffice.notifications.models import NotificationKind
from eoffice.notifications.services import notify
from eoffice.orgs.models import Role, User, UserRole
from workflows import assignment as assignment_flow

ROLE_WORDS = {assignment_flow.LEAD: "chủ trì xử lý", assignment_flow.COORDINATOR: "phối hợp xử lý"}


def _unit_members(unit_id: int) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .where(User.unit_id == unit_id, User.is_active_account.is_(True))
            .order_by(User.id)
        )
    )


def holders(parts: Iterable[Assignment]) -> list[User]:
    """The people behind parts: the person named, or every active member of the unit."""
    people: dict[int, User] = {}
    for part in parts:
        # By id: a part created in this step is not flushed yet, its `user` not loaded.
        if part.user_id is not None:
            found = db.session.get(User, part.user_id)
            users = [found] if found is not None else []
        else:
            users = _unit_members(part.unit_id or 0)
        for user in users:
            people.setdefault(user.id, user)
    return list(people.values())


def after_assignment(actor: User, doc: IncomingDocument) -> None:
    """Assigned or reassigned: the new lead and coordinators hear of it (not those informed)."""
    new_parts = [
        p for p in doc.assignments if p.is_current and p.state == assignment_flow.WORKFLOW.initial
    ]
    told: set[int] = set()
    for kind in (assignment_flow.LEAD, assignment_flow.COORDINATOR):
        users = [u for u in holders(p for p in new_parts if p.kind == kind) if u.id not in told]
        told.update(u.id for u in users)
        notify(NotificationKind.ASSIGNED, users, doc, actor=actor, role=ROLE_WORDS[kind])


def after_return(actor: User, doc: IncomingDocument, reason: str) -> None:
    """Returned to the clerk: the clerk who registered it corrects and presents it again."""
    clerk = doc.registered_by
    if clerk is not None:
        notify(NotificationKind.RETURNED, [clerk], doc, actor=actor, reason=reason)


def after_registration(actor: User, doc: IncomingDocument) -> None:
    """An urgent document (Khẩn and above) reaches the leaders and deputies at once."""
    if doc.urgency.rank < 1:
        return
    leaders = db.session.scalars(
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(
            User.org_id == doc.org_id,
            User.is_active_account.is_(True),
            UserRole.role.in_([Role.LEADER, Role.DEPUTY]),
        )
        .order_by(User.id)
    ).unique()
    notify(NotificationKind.URGENT_ARRIVED, list(leaders), doc, actor=actor)
