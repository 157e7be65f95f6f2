"""Which people of an organisation must sign in with two steps: the admin's policy.

Only the roles that act for the office can be required (leader, clerk, admin): they sign,
register and manage; requiring it of every teacher is left out on purpose (not every
teacher has a phone for an authenticator app). Each organisation's own admins set it,
as for the exchange settings: nobody sets another organisation's. Default: nobody.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from eoffice.auth.models import TwoFactorPolicy
from eoffice.core import audit
from eoffice.core.errors import Forbidden, NotFound
from eoffice.core.timeutil import now_utc
from eoffice.extensions import db
from eoffice.orgs.models import ROLE_LABELS, Role, User, UserRole

REQUIRABLE_ROLES = (Role.LEADER, Role.CLERK, Role.ADMIN)
ADMINS_ONLY = "Chỉ quản trị của cơ quan được thay đổi yêu cầu xác thực hai bước."
NOT_FOUND_ORG = "Không tìm thấy cơ quan này."


@dataclass(frozen=True)
class PolicyView:
    roles: frozenset[str]
    updated_at: datetime | None
    updated_by: User | None

    @property
    def labels(self) -> list[str]:
        return [ROLE_LABELS[r] for r in REQUIRABLE_ROLES if r in self.roles]


def required_roles(org_id: int) -> set[str]:
    row = db.session.get(TwoFactorPolicy, org_id)
    return row.role_set if row is not None else set()


def requires_two_factor(user: User) -> bool:
    """True when the organisation's policy requires a second step of this person."""
    return bool(required_roles(user.org_id) & user.roles)


def policy_of(org_id: int) -> PolicyView:
    row = db.session.get(TwoFactorPolicy, org_id)
    if row is None:
        return PolicyView(frozenset(), None, None)
    updated_by = db.session.get(User, row.updated_by_id) if row.updated_by_id else None
    return PolicyView(frozenset(row.role_set), row.updated_at, updated_by)


def people_concerned(org_id: int) -> list[User]:
    """The organisation's active people of a role the policy can require, for the card
    listing who has two-step sign-in on (and the admin's reset button)."""
    wanted = [r.value for r in REQUIRABLE_ROLES]
    return list(
        db.session.scalars(
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(
                User.org_id == org_id,
                User.is_active_account.is_(True),
                UserRole.role.in_(wanted),
            )
            .distinct()
            .order_by(User.full_name, User.id)
        )
    )


def can_manage(actor: User, org_id: int) -> bool:
    return actor.has_role(Role.ADMIN) and actor.org_id == org_id


def set_required_roles(actor: User, org_id: int, roles: Iterable[str]) -> PolicyView:
    """Save the roles required to use two steps; unknown values are ignored.

    Takes effect at each person's next sign-in: someone already signed in is not cut
    off in the middle of their work (the change is audited with who made it).
    """
    if actor.org_id != org_id:
        raise NotFound(NOT_FOUND_ORG)
    if not actor.has_role(Role.ADMIN):
        raise Forbidden(ADMINS_ONLY)
    wanted = [r.value for r in REQUIRABLE_ROLES if r.value in set(roles)]
    row = db.session.get(TwoFactorPolicy, org_id)
    before = sorted(row.role_set) if row is not None else []
    if row is None:
        row = TwoFactorPolicy(org_id=org_id)
        db.session.add(row)
    row.roles = ",".join(wanted)
    row.updated_at = now_utc()
    row.updated_by_id = actor.id
    if before != sorted(wanted):
        audit.record(
            actor_id=actor.id,
            org_id=org_id,
            subject_type="organisation",
            subject_id=org_id,
            action="two_factor_policy_changed",
            changes={"roles": [before, sorted(wanted)]},
        )
    db.session.commit()
    return policy_of(org_id)
