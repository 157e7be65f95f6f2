"""Who hears about which processing step.

The services call these inside the step's transaction, where the step's own rows are
visible: the recipients are worked out there, and the notifying itself is queued with
`after_commit`, so nobody is told of a step that then rolls back.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from eoffice.core.aftercommit import after_commit
from eoffice.extensions import db
from eoffice.incoming.involvement import current_parts, lead_part
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


def _later(kind: NotificationKind, users: list[User], doc: IncomingDocument, **words) -> None:
    if users:
        after_commit(lambda: notify(kind, users, doc, **words))


def after_assignment(actor: User, doc: IncomingDocument) -> None:
    """Assigned or reassigned: the new lead and coordinators hear of it (not those informed)."""
    new_parts = [
        p for p in doc.assignments if p.is_current and p.state == assignment_flow.WORKFLOW.initial
    ]
    told: set[int] = set()
    for kind in (assignment_flow.LEAD, assignment_flow.COORDINATOR):
        users = [u for u in holders(p for p in new_parts if p.kind == kind) if u.id not in told]
        told.update(u.id for u in users)
        _later(NotificationKind.ASSIGNED, users, doc, actor=actor, role=ROLE_WORDS[kind])


def after_pass_on(actor: User, doc: IncomingDocument, part: Assignment) -> None:
    """A unit head gave the unit's part to one member: that person is now assigned."""
    if part.kind in ROLE_WORDS:
        _later(
            NotificationKind.ASSIGNED,
            holders([part]),
            doc,
            actor=actor,
            role=ROLE_WORDS[part.kind],
        )


def after_contribution(actor: User, doc: IncomingDocument, contribution: str) -> None:
    """A coordinator handed in their part: the lead handler needs it for the result."""
    lead = lead_part(doc)
    users = holders([lead]) if lead is not None else []
    _later(NotificationKind.CONTRIBUTED, users, doc, actor=actor, detail=contribution)


def after_completion(actor: User, doc: IncomingDocument, result: str) -> None:
    """The lead finished: whoever assigned the work reviews it (and may reopen it)."""
    lead = lead_part(doc)
    assigner = lead.assigned_by if lead is not None else None
    _later(
        NotificationKind.COMPLETED,
        [assigner] if assigner is not None else [],
        doc,
        actor=actor,
        detail=result,
    )


def after_reopen(actor: User, doc: IncomingDocument, reason: str) -> None:
    """The leader sent finished work back: the lead handler takes it up again."""
    lead = lead_part(doc)
    users = holders([lead]) if lead is not None else []
    _later(NotificationKind.REOPENED, users, doc, actor=actor, reason=reason)


def after_comment(actor: User, doc: IncomingDocument, text: str) -> None:
    """A comment reaches those doing the work and whoever gave it to them."""
    working = [p for p in current_parts(doc) if p.kind != assignment_flow.INFORMED]
    people = {u.id: u for u in holders(working)}
    for part in working:
        if part.assigned_by is not None:
            people.setdefault(part.assigned_by.id, part.assigned_by)
    _later(NotificationKind.COMMENTED, list(people.values()), doc, actor=actor, detail=text)


def after_return(actor: User, doc: IncomingDocument, reason: str) -> None:
    """Returned to the clerk: the clerk who registered it corrects and presents it again."""
    clerk = doc.registered_by
    if clerk is not None:
        _later(NotificationKind.RETURNED, [clerk], doc, actor=actor, reason=reason)


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
    _later(NotificationKind.URGENT_ARRIVED, list(leaders), doc, actor=actor)
