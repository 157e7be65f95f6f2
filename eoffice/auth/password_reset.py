"""An admin resets a member's forgotten password (decision 0022).

There is no e-mail self-service: the person asks their organisation's admin, who
gives them a temporary password read off the result page. The temporary password is
random (not chosen by the admin, who would then know the person's password for as long
as they kept it), readable aloud or off a sheet of paper (no look-alike characters),
and good for one thing only: at the next sign-in every page sends the person to change
it (eoffice.auth.guards), so the admin never knows a password in use.

A reset says "someone else may have the old password", like a change of password: it
ends every session and remember-me cookie of the person (session token rotated),
revokes their API tokens, and clears a lock-out of their address (the person locked
themself out trying to remember; the admin is vouching for them).

The person is told, in the app and by e-mail, who reset it and when (a kind nobody can
switch off): a reset they did not ask for is someone taking over their account. They
are told once the reset has committed, and never the temporary password.
"""

from __future__ import annotations

import logging
import secrets

from eoffice.auth import lockout
from eoffice.auth.account_events import record_account_event
from eoffice.auth.revocation import revoke_all_api_tokens
from eoffice.core.aftercommit import after_commit, run_pending
from eoffice.core.errors import Forbidden, ValidationFailed
from eoffice.core.security import hash_password, new_token, password_problem
from eoffice.core.timeutil import now_utc
from eoffice.extensions import db
from eoffice.notifications.content import password_reset_message
from eoffice.notifications.models import NotificationKind
from eoffice.notifications.services import tell
from eoffice.orgs.models import Role, User
from eoffice.orgs.people import get_user_for

log = logging.getLogger(__name__)

# Lower-case letters and digits without the ones read alike (0/o, 1/l/i): 31 symbols,
# 16 of them ≈ 79 bits, beyond guessing at the rate the lock-out allows.
ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
GROUPS, GROUP_LENGTH = 4, 4

NOT_ADMIN = "Chỉ quản trị của cơ quan được đặt lại mật khẩu."
NOT_YOURSELF = "Hãy tự đổi mật khẩu của mình trong mục “Tài khoản của tôi”."


def temporary_password() -> str:
    """`xxxx-xxxx-xxxx-xxxx` from ALPHABET, by the system's CSPRNG.

    It passes the password policy by construction (16 characters, letters with digits
    or hyphens), so the person is not refused for typing it back.
    """
    while True:
        groups = [
            "".join(secrets.choice(ALPHABET) for _ in range(GROUP_LENGTH)) for _ in range(GROUPS)
        ]
        candidate = "-".join(groups)
        if password_problem(candidate) is None:
            return candidate


def reset_password(actor: User, user_id: int) -> tuple[User, str]:
    """Give `user_id` a temporary password; returns the person and that password.

    Who may: an admin managing the person's organisation (eoffice.orgs.people, the rule
    of the user form: a school's admin their own school, the district admin every member
    organisation); anybody else's person is a NotFound. Not the admin themself (they know
    their password, or change it from the profile). The clear password is returned once
    and never stored, logged or written to the audit event.
    """
    if not actor.has_role(Role.ADMIN):
        raise Forbidden(NOT_ADMIN)
    user = get_user_for(actor, user_id)
    if user.id == actor.id:
        raise ValidationFailed(NOT_YOURSELF)
    clear = temporary_password()
    try:
        user.password_hash = hash_password(clear)
        user.must_change_password = True
        user.session_token = new_token(16)  # every session and remember-me cookie ends
        revoke_all_api_tokens(user, reason="password_reset", actor_id=actor.id)
        lockout.clear(user.email)
        record_account_event(user, "password_reset", actor_id=actor.id)
        _tell_the_person(actor, user)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    run_pending()
    log.info("password of user %s reset by admin %s", user.id, actor.id)
    return user, clear


def _tell_the_person(admin: User, user: User) -> None:
    """Queue the notice of the reset for after the commit (none if it rolls back)."""
    message = password_reset_message(admin, now_utc())
    person = [user]
    after_commit(lambda: tell(NotificationKind.PASSWORD_RESET, person, message, None, actor=admin))
