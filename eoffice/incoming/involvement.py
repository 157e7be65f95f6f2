"""How a user stands towards one incoming document, in the terms the workflows speak.

The engine knows organisation roles only as codes and cannot know relational ones
(the lead handler of this document, the person holding this part); they are worked out
here, once, for both the buttons a page shows and the step a service takes, so the two
never disagree.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from eoffice.core.errors import ValidationFailed
from eoffice.extensions import db
from eoffice.incoming.models import Assignment, IncomingDocument
from eoffice.orgs.models import Role, Unit, User
from workflows import assignment as assignment_flow
from workflows import incoming as incoming_flow
from workflows import roles as wf_roles


@dataclass(frozen=True)
class Party:
    """Who receives a part: a person or a unit of the actor's organisation.

    Written "user:12" or "unit:3" in forms and events, so one select can offer both.
    """

    user_id: int | None = None
    unit_id: int | None = None

    @classmethod
    def parse(cls, token: str) -> Party:
        kind, _, raw = (token or "").strip().partition(":")
        if kind not in ("user", "unit") or not raw.isdigit():
            raise ValueError(token)
        return cls(user_id=int(raw)) if kind == "user" else cls(unit_id=int(raw))

    @property
    def token(self) -> str:
        return f"user:{self.user_id}" if self.user_id is not None else f"unit:{self.unit_id}"


def resolve(actor: User, party: Party, field: str) -> User | Unit:
    """The active person or unit of the actor's organisation, or a refusal on `field`."""
    row: User | Unit | None
    if party.user_id is not None:
        row = db.session.scalars(
            select(User).where(
                User.id == party.user_id,
                User.org_id == actor.org_id,
                User.is_active_account.is_(True),
            )
        ).first()
    else:
        row = db.session.scalars(
            select(Unit).where(
                Unit.id == party.unit_id, Unit.org_id == actor.org_id, Unit.is_active.is_(True)
            )
        ).first()
    if row is None:
        message = "Người hoặc đơn vị được chọn không thuộc cơ quan của bạn hoặc đã ngừng hoạt động."
        raise ValidationFailed(message, field_errors={field: message})
    return row


def party_label(row: User | Unit) -> str:
    return row.full_name if isinstance(row, User) else row.name


def current_parts(doc: IncomingDocument) -> list[Assignment]:
    return [part for part in doc.assignments if part.is_current]


def lead_part(doc: IncomingDocument) -> Assignment | None:
    return next((p for p in current_parts(doc) if p.kind == assignment_flow.LEAD), None)


def parts_held(doc: IncomingDocument, user: User) -> list[Assignment]:
    """The user's current parts, the lead first."""
    mine = [part for part in current_parts(doc) if part.held_by(user)]
    return sorted(mine, key=lambda part: part.kind != assignment_flow.LEAD)


def document_roles(user: User, doc: IncomingDocument) -> frozenset[str]:
    """Organisation roles plus the user's relations to this document.

    A lead given to a unit is held by all its members, so any member may take it up,
    until the unit head passes it on to one person (parts.pass_on).
    """
    roles = set(user.roles)
    if doc.registered_by_id == user.id:
        roles.add(wf_roles.REGISTRAR)
    for part in parts_held(doc, user):
        if part.kind == assignment_flow.LEAD:
            roles.add(wf_roles.LEAD_HANDLER)
        elif part.kind == assignment_flow.COORDINATOR:
            roles.add(wf_roles.COORDINATOR)
    return frozenset(roles)


def document_context(user: User, doc: IncomingDocument) -> Mapping[str, Any]:
    """Facts the incoming workflow's guards read.

    Deputies have no configured scope yet, so a document is within a deputy's scope when
    it was presented to them or addressed to them or their unit.
    """
    in_scope = user.has_role(Role.DEPUTY) and (
        doc.presented_to_id == user.id
        or doc.recipient_user_id == user.id
        or (user.unit_id is not None and doc.recipient_unit_id == user.unit_id)
    )
    return {incoming_flow.DEPUTY_IN_SCOPE: in_scope}


# Units have no head in the model yet: a member of the unit holding one of these roles
# heads it for the parts given to the unit (the principal's or vice principal's own unit).
UNIT_HEAD_ROLES = (Role.LEADER, Role.DEPUTY)


def heads_unit_of(user: User, part: Assignment) -> bool:
    return (
        part.unit_id is not None
        and part.unit_id == user.unit_id
        and user.has_role(*UNIT_HEAD_ROLES)
    )


def part_roles(user: User, part: Assignment) -> frozenset[str]:
    roles = set()
    if user.has_role(Role.LEADER):
        roles.add(wf_roles.LEADER)
    if part.assigned_by_id == user.id:
        roles.add(wf_roles.ASSIGNER)
    if part.held_by(user):
        roles.add(wf_roles.ASSIGNEE)
    if heads_unit_of(user, part):
        roles.add(wf_roles.UNIT_HEAD)
    return frozenset(roles)


def unit_members(unit_id: int | None) -> list[User]:
    """The active people of a unit, by name: whom its head may pass a part on to."""
    if unit_id is None:
        return []
    return list(
        db.session.scalars(
            select(User)
            .where(User.unit_id == unit_id, User.is_active_account.is_(True))
            .order_by(User.full_name, User.id)
        )
    )


def part_context(part: Assignment) -> Mapping[str, Any]:
    held_by_unit = part.unit_id is not None
    context: dict[str, Any] = {
        assignment_flow.KIND: part.kind,
        assignment_flow.HELD_BY_UNIT: held_by_unit,
    }
    if held_by_unit:
        context[assignment_flow.UNIT_MEMBERS] = frozenset(m.id for m in unit_members(part.unit_id))
    return context
