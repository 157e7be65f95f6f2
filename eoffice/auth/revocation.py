"""Revoking every API token of a person when their account is secured.

Turning two-step sign-in on, an admin's reset of it, "sign out every other session"
and a change of password all say "someone else may have had my credentials": a
Bearer token made meanwhile would survive all of them (the API never looks at the
session token), so each revokes the person's live API tokens. The person makes new
ones under a fresh login.
"""

from __future__ import annotations

from sqlalchemy import update

from eoffice.auth.account_events import record_account_event
from eoffice.auth.models import ApiToken
from eoffice.core.timeutil import now_utc
from eoffice.extensions import db
from eoffice.orgs.models import User


def revoke_all_api_tokens(user: User, *, reason: str, actor_id: int | None = None) -> int:
    """Revoke the live API tokens of `user`; returns how many. The caller commits."""
    result = db.session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now_utc())
        .execution_options(synchronize_session=False)
    )
    count = result.rowcount or 0
    if count:
        record_account_event(
            user,
            "api_tokens_revoked",
            actor_id=user.id if actor_id is None else actor_id,
            changes={"count": count, "reason": reason},
        )
    return count
