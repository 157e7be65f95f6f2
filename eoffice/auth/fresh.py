"""Fresh login: actions that need the password (and the code, with 2FA) typed recently.

Signing a document and changing one's security settings are done by the person at the
keyboard, not by whoever finds a session left open: they need a sign-in, or a
re-confirmation at /reauth, within FRESH_LOGIN_MINUTES. A session restored from the
remember-me cookie is never fresh (the moment is kept in the session itself, which the
cookie does not bring back).

`fresh_login_required` wraps a view or any callable run inside a request (the outgoing
step table's SIGN entry): when the login is not fresh it raises FreshLoginRequired,
before anything is done, and the handler sends the person to /reauth. A GET comes
back to the same page after confirming; a POST comes back to the page it was sent from
(its referrer), with a message asking to do the action again: a form's body is never
kept in the session.

Wall-clock time (time.time()), not eoffice.core.timeutil: tests move the application's
clock to historical moments, and a session's age is a property of the real world.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import current_app, flash, redirect, request, session, url_for
from flask_login import current_user

FRESH_AT = "eoffice.fresh_at"
REAUTH_AGAIN = "eoffice.reauth_again"  # a POST was refused: say "do it again"
NEEDS_FRESH = "Vì lý do an toàn, vui lòng nhập lại mật khẩu để xác nhận thao tác này."
AGAIN = "Đã xác nhận. Vui lòng thực hiện lại thao tác."

F = TypeVar("F", bound=Callable[..., Any])


class FreshLoginRequired(Exception):
    """Raised before a sensitive action when the login is not fresh."""


def mark_fresh() -> None:
    """The person has just typed their password (and code): called at sign-in and /reauth."""
    session[FRESH_AT] = time.time()


def is_fresh() -> bool:
    stamp = session.get(FRESH_AT)
    if not isinstance(stamp, int | float):
        return False
    age = time.time() - stamp
    return 0 <= age <= current_app.config["FRESH_LOGIN_MINUTES"] * 60


def fresh_login_required(func: F) -> F:
    """Refuse to run `func` unless the login is fresh (see the module docstring)."""

    @wraps(func)
    def wrapped(*args: Any, **kwargs: Any):
        if not current_user.is_authenticated or not is_fresh():
            raise FreshLoginRequired()
        return func(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


def safe_local_target(target: str | None) -> str | None:
    """`target` when it is a path of this site, or None.

    Browsers read a backslash as a slash and drop tabs and newlines from URLs, so
    `/\\evil.example` or `/<TAB>/evil.example` would become `//evil.example`, another
    site: any backslash or control character is refused before the parts are checked.
    """
    if not target or any(ch == "\\" or ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    if not parts.path.startswith("/") or parts.path.startswith("//"):
        return None
    return target


def _local_path(url: str | None) -> str | None:
    """The path (and query) of a same-site URL, or None for anything else."""
    if not url:
        return None
    parts = urlsplit(url)
    if parts.netloc and parts.netloc != request.host:
        return None
    path = parts.path or "/"
    return safe_local_target(path + (f"?{parts.query}" if parts.query else ""))


def return_target() -> str:
    """Where /reauth sends the person back to after confirming."""
    if request.method == "GET":
        return request.full_path.rstrip("?")
    return _local_path(request.referrer) or url_for("auth.profile")


def handle_fresh_login_required(_exc: FreshLoginRequired):
    if request.method != "GET":
        session[REAUTH_AGAIN] = True
    flash(NEEDS_FRESH, "warning")
    return redirect(url_for("auth.reauth", next=return_target()))
