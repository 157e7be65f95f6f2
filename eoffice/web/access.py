"""Access rules applied to every request: sign-in required, roles checked per view."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort, request
from flask_login import current_user

from eoffice.extensions import login_manager

# Endpoints reachable without signing in.
# auth.login_code: the second step of signing in is reached before being signed in.
PUBLIC_ENDPOINTS = {"auth.login", "auth.login_code", "static", "main.health"}


def require_login_everywhere():
    """Every page but the login page needs a signed-in user (the API checks its own tokens)."""
    endpoint = request.endpoint or ""
    if endpoint in PUBLIC_ENDPOINTS or endpoint.startswith("api."):
        return None
    if request.path.startswith("/api/"):
        return None  # unmatched API URLs answer a JSON 404/405, not the login page
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    return None


def roles_required(*roles: str) -> Callable:
    """View decorator: 403 unless the signed-in user holds one of `roles`."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any):
            if not current_user.is_authenticated or not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator
