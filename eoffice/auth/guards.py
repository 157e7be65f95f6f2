"""What every signed-in request goes through before its view: the idle timeout, the
upper age of a session, and the enrolment that an organisation's two-factor policy
requires.

Idle timeout: a session with no request for SESSION_IDLE_MINUTES is signed out (the
remember-me cookie too) and the login page says why. The moment of the last request is
kept in the session and rewritten at most once a minute, so the cookie is not re-sent
with every response. Wall-clock time (time.time()): see eoffice.auth.fresh.

Upper age: rewriting that moment re-signs the session cookie, so the cookie's own
lifetime (PERMANENT_SESSION_LIFETIME) never ends a session in use; the sign-in time is
kept in the session too and a session older than SESSION_MAX_HOURS is signed out.

Required enrolment: a person whose role the policy names and who has no two-step
sign-in is sent to enrol from every page but the enrolment pages, sign-out and the
static files. It is asked of the policy at each request (one primary-key read), not
kept as a flag in the session: a session restored by a remember-me cookie would lack
the flag, and an admin's new policy applies at once.

Required change of password: after an admin's reset (eoffice.auth.password_reset) the
person signs in with a temporary password that the admin has seen; every page but the
change of password itself, sign-out and the static files sends them to change it. The
flag is on the user's row (read with the user at every request), for the same reason.
It comes before the enrolment, which is asked next: the first thing is to make the
password the person's own again.
"""

from __future__ import annotations

import time

from flask import current_app, flash, redirect, request, session, url_for
from flask_login import current_user, logout_user

from eoffice.auth.policy import requires_two_factor

SEEN_AT = "eoffice.seen_at"
SIGNED_IN_AT = "eoffice.signed_in_at"
TOUCH_EVERY = 60  # seconds
MAX_AGE_MESSAGE = (
    "Phiên làm việc đã kéo dài quá {hours} giờ nên đã kết thúc. Vui lòng đăng nhập lại."
)
IDLE_MESSAGE = (
    "Phiên làm việc đã kết thúc vì không hoạt động quá {minutes} phút. Vui lòng đăng nhập lại."
)
ENROL_MESSAGE = (
    "Cơ quan yêu cầu vai trò của bạn đăng nhập bằng xác thực hai bước. "
    "Hãy bật xác thực hai bước để tiếp tục làm việc."
)
CHANGE_PASSWORD_ALLOWED = {
    "auth.password_required",
    "auth.change_password",
    "auth.logout",
    "static",
}
ENROL_ALLOWED = {
    "auth.two_factor_required",
    "auth.two_factor_start",
    "auth.two_factor_confirm",
    "auth.logout",
    "auth.reauth",  # enrolling needs a fresh login, which may have lapsed
    "static",
}


def start_session() -> None:
    """A new session (sign-in, or restored by remember-me): its age counts from now."""
    now = time.time()
    session[SIGNED_IN_AT] = now
    session[SEEN_AT] = now


def restored_from_cookie(app, user=None, **_extra) -> None:
    """Flask-Login signal: a closed browser came back with its remember-me cookie.

    The cookie's session token was checked by the user loader (revocation applies). The
    restored session is bound to this client as login_user() binds a new one: without
    it, the "strong" session protection sees a session with no identifier at the next
    request and deletes it with the remember-me cookie (remember-me lasted one page).
    It is a new session for the idle timeout and the upper age, and never fresh
    (eoffice.auth.fresh): a fresh stamp left in the old session is dropped.
    """
    from eoffice.auth.fresh import FRESH_AT

    session["_id"] = app.login_manager._session_identifier_generator()
    session.pop(FRESH_AT, None)
    start_session()


def _sign_out(message: str):
    """End this session (and its remember-me cookie) and send it to the login page."""
    session.clear()
    logout_user()  # after clear(): it marks the remember-me cookie for deletion
    flash(message, "warning")
    target = request.full_path.rstrip("?") if request.method == "GET" else None
    return redirect(url_for("auth.login", next=target))


def check_session():
    """Before every request: sign out an idle or too old session, hold back one that
    must change its password or enrol."""
    if request.endpoint in (None, "static") or request.path.startswith("/api/"):
        return None
    if not current_user.is_authenticated:
        return None
    now = time.time()
    seen = session.get(SEEN_AT)
    idle_minutes = current_app.config["SESSION_IDLE_MINUTES"]
    if isinstance(seen, int | float) and now - seen > idle_minutes * 60:
        current_app.logger.info("session of user %s ended after inactivity", current_user.id)
        return _sign_out(IDLE_MESSAGE.format(minutes=idle_minutes))
    signed_in = session.get(SIGNED_IN_AT)
    max_hours = current_app.config["SESSION_MAX_HOURS"]
    if not isinstance(signed_in, int | float):
        session[SIGNED_IN_AT] = now  # a session from before this rule: counts from now
    elif now - signed_in > max_hours * 3600:
        current_app.logger.info("session of user %s ended at its upper age", current_user.id)
        return _sign_out(MAX_AGE_MESSAGE.format(hours=max_hours))
    if not isinstance(seen, int | float) or now - seen >= TOUCH_EVERY:
        session[SEEN_AT] = now
    if current_user.must_change_password:
        if request.endpoint in CHANGE_PASSWORD_ALLOWED:
            return None
        # No flash: the page itself says why, and a flash per page tried would pile up.
        return redirect(url_for("auth.password_required"))
    if (
        request.endpoint not in ENROL_ALLOWED
        and not current_user.has_two_factor
        and requires_two_factor(current_user)
    ):
        flash(ENROL_MESSAGE, "warning")
        return redirect(url_for("auth.two_factor_required"))
    return None
