"""What every signed-in request goes through before its view: the idle timeout and the
enrolment that an organisation's two-factor policy requires.

Idle timeout: a session with no request for SESSION_IDLE_MINUTES is signed out (the
remember-me cookie too) and the login page says why. The moment of the last request is
kept in the session and rewritten at most once a minute, so the cookie is not re-sent
with every response. Wall-clock time (time.time()): see eoffice.auth.fresh.

Required enrolment: a person whose role the policy names, signing in without two-step
sign-in, is signed in with a flag in the session, and every page but the enrolment
page, sign-out and the static files sends them to enrol first.
"""

from __future__ import annotations

import time

from flask import current_app, flash, redirect, request, session, url_for
from flask_login import current_user, logout_user

SEEN_AT = "eoffice.seen_at"
MUST_ENROL = "eoffice.must_enrol"
TOUCH_EVERY = 60  # seconds
IDLE_MESSAGE = (
    "Phiên làm việc đã kết thúc vì không hoạt động quá {minutes} phút. Vui lòng đăng nhập lại."
)
ENROL_MESSAGE = (
    "Cơ quan yêu cầu vai trò của bạn đăng nhập bằng xác thực hai bước. "
    "Hãy bật xác thực hai bước để tiếp tục làm việc."
)
ENROL_ALLOWED = {
    "auth.two_factor_required",
    "auth.two_factor_start",
    "auth.two_factor_confirm",
    "auth.logout",
    "auth.reauth",  # enrolling needs a fresh login, which may have lapsed
    "static",
}


def touch() -> None:
    """This request counts as activity (called at sign-in too)."""
    session[SEEN_AT] = time.time()


def restored_from_cookie(app, user=None, **_extra) -> None:
    """Flask-Login signal: a closed browser came back with its remember-me cookie.

    The cookie's session token was checked by the user loader (revocation applies). The
    restored session is bound to this client as login_user() binds a new one: without
    it, the "strong" session protection sees a session with no identifier at the next
    request and deletes it with the remember-me cookie (remember-me lasted one page).
    It is a new session for the idle timeout, and not fresh (eoffice.auth.fresh).
    """
    session["_id"] = app.login_manager._session_identifier_generator()
    touch()


def check_session():
    """Before every request: sign out an idle session, hold back one that must enrol."""
    if request.endpoint in (None, "static") or request.path.startswith("/api/"):
        return None
    if not current_user.is_authenticated:
        return None
    now = time.time()
    seen = session.get(SEEN_AT)
    idle_minutes = current_app.config["SESSION_IDLE_MINUTES"]
    if isinstance(seen, int | float) and now - seen > idle_minutes * 60:
        current_app.logger.info("session of user %s ended after inactivity", current_user.id)
        session.clear()
        logout_user()  # after clear(): it marks the remember-me cookie for deletion
        flash(IDLE_MESSAGE.format(minutes=idle_minutes), "warning")
        target = request.full_path.rstrip("?") if request.method == "GET" else None
        return redirect(url_for("auth.login", next=target))
    if not isinstance(seen, int | float) or now - seen >= TOUCH_EVERY:
        session[SEEN_AT] = now
    if session.get(MUST_ENROL) and request.endpoint not in ENROL_ALLOWED:
        if current_user.has_two_factor:
            session.pop(MUST_ENROL, None)
            return None
        flash(ENROL_MESSAGE, "warning")
        return redirect(url_for("auth.two_factor_required"))
    return None
