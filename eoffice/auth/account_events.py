"""The audit events about a person's own account (sign-in security, sessions, tokens).

Every one is filed under the person (`subject_type="user"`) in their organisation's
hash chain; who acted is the person themself unless an admin or the system did.
"""

from __future__ import annotations

from typing import Any

from eoffice.core import audit
from eoffice.orgs.models import User

_THEMSELF = object()


def record_account_event(
    user: User,
    action: str,
    *,
    actor_id: Any = _THEMSELF,
    changes: dict[str, Any] | None = None,
) -> None:
    """Add the event to the session (the caller's step commits it); `actor_id=None`
    for the system (a lock-out), an admin's id for what an admin did to the account."""
    audit.record(
        actor_id=user.id if actor_id is _THEMSELF else actor_id,
        org_id=user.org_id,
        subject_type="user",
        subject_id=user.id,
        action=action,
        changes=changes,
    )
