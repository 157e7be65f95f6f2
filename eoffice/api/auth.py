"""Bearer-token authentication for /api/v1.

The API never looks at cookies: a browser session signed in to the web pages must not
be able to call the API on the user's behalf (no CSRF protection there), so only the
`Authorization: Bearer` header counts. Flask-Login is not involved either: the user
lives in `g.api_user` for the length of one request.
"""

from __future__ import annotations

from flask import Response, g, request

from eoffice.auth.policy import requires_two_factor
from eoffice.auth.services import user_for_api_token
from eoffice.orgs.models import User
from eoffice.web.errors import api_error

# Endpoints anyone may read: the description of the API carries no data.
PUBLIC_ENDPOINTS = frozenset({"api.openapi_json"})

MISSING_MESSAGE = "Thiếu mã API: gửi tiêu đề “Authorization: Bearer <mã API>”."
INVALID_MESSAGE = "Mã API không hợp lệ, đã bị thu hồi hoặc tài khoản đã bị khóa."
CHANGE_MESSAGE = (
    "Tài khoản này đang dùng mật khẩu tạm thời: hãy đăng nhập trên trang web và đặt mật "
    "khẩu mới trước khi dùng mã API."
)
ENROL_MESSAGE = (
    "Cơ quan yêu cầu tài khoản này đăng nhập bằng xác thực hai bước: hãy bật xác thực "
    "hai bước trên trang web trước khi dùng mã API."
)


def bearer_token() -> str | None:
    """The token of an `Authorization: Bearer …` header; None for any other scheme."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.strip().partition(" ")
    value = value.strip()
    if scheme.lower() != "bearer" or not value:
        return None
    return value


def authenticate() -> tuple[Response, int] | None:
    """before_request of the API blueprint: 401 unless a live token names the user."""
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    clear = bearer_token()
    if clear is None:
        return _unauthorized(MISSING_MESSAGE, 'Bearer realm="eoffice"')
    user = user_for_api_token(clear)
    if user is None:
        return _unauthorized(INVALID_MESSAGE, 'Bearer realm="eoffice", error="invalid_token"')
    if user.must_change_password:
        # A reset revokes the person's tokens already; should one survive, it waits, as
        # every web page does, until the temporary password is replaced.
        return _unauthorized(CHANGE_MESSAGE, 'Bearer realm="eoffice", error="invalid_token"')
    if not user.has_two_factor and requires_two_factor(user):
        # The organisation's policy holds back the web pages until enrolment: the API too.
        return _unauthorized(ENROL_MESSAGE, 'Bearer realm="eoffice", error="invalid_token"')
    g.api_user = user
    return None


def api_user() -> User:
    """The user the request's token belongs to (set by `authenticate`)."""
    return g.api_user


def _unauthorized(message: str, challenge: str) -> tuple[Response, int]:
    response, status = api_error(401, "unauthorized", message)
    response.headers["WWW-Authenticate"] = challenge
    return response, status
