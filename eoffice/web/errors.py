"""Error pages in Vietnamese; the API blueprint answers in JSON instead."""

from __future__ import annotations

import logging
from urllib.parse import quote, urlencode

from flask import Flask, flash, jsonify, redirect, render_template, request, url_for
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from eoffice.core.errors import ServiceError
from eoffice.extensions import db

log = logging.getLogger(__name__)

MESSAGES = {
    400: "Yêu cầu không hợp lệ.",
    403: "Bạn không có quyền truy cập trang này.",
    404: "Không tìm thấy trang hoặc dữ liệu yêu cầu.",
    405: "Phương thức không được hỗ trợ.",
    413: "Tệp tải lên quá lớn.",
    429: "Bạn đã thử quá nhiều lần. Vui lòng đợi một lát rồi thử lại.",
    500: "Hệ thống gặp lỗi. Dữ liệu của bạn chưa được lưu; vui lòng thử lại sau.",
}

# The database could not be reached or dropped the connection (restart, failover, network).
DB_UNAVAILABLE = (
    "Hệ thống tạm thời không kết nối được cơ sở dữ liệu. Dữ liệu của bạn chưa được lưu; "
    "vui lòng thử lại sau ít phút."
)
# The database answered but gave up on the statement (deadlock, lock or statement timeout).
DB_BUSY = "Hệ thống đang bận. Dữ liệu của bạn chưa được lưu; vui lòng thử lại."
RETRY_AFTER_SECONDS = "10"


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def api_error(status: int, code: str, message: str, fields: dict | None = None):
    """The one JSON error format of /api/v1."""
    body = {"error": {"code": code, "message": message}}
    if fields:
        body["error"]["fields"] = fields
    return jsonify(body), status


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        log.warning("CSRF rejected: %s %s (%s)", request.method, request.path, exc.description)
        message = "Phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ. Vui lòng gửi lại."
        if _wants_json():
            return api_error(400, "csrf_failed", message)
        return render_template("errors/error.html", code=400, message=message), 400

    @app.errorhandler(ServiceError)
    def service_error(exc: ServiceError):
        """A service refused: JSON for the API, an error page or a flash for the web."""
        db.session.rollback()
        log.info("refused %s %s: %s", request.method, request.path, exc.message)
        if _wants_json():
            return api_error(exc.status_code, exc.code, exc.message, exc.field_errors or None)
        if exc.status_code in (403, 404):
            return render_template(
                "errors/error.html", code=exc.status_code, message=exc.message
            ), exc.status_code
        flash(exc.message, "danger")
        return redirect(request.referrer or "/")

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def database_unavailable(exc: DBAPIError):
        """The database is down or restarting: a 503 that says nothing was saved, never a
        traceback page. The session is dropped, and SQLAlchemy has already invalidated the
        pool on a disconnect, so the next request opens fresh connections (pre-ping)."""
        outage = is_outage(exc)
        _discard_session()
        log.error(
            "database %s on %s %s: %s",
            "unavailable" if outage else "gave up",
            request.method,
            request.path,
            _first_line(exc.orig if exc.orig is not None else exc),
        )
        return _unavailable_response(outage)

    @app.errorhandler(PoolTimeout)
    def database_pool_exhausted(exc: PoolTimeout):
        """Every pooled connection is in use for longer than the pool's timeout: the
        database is up but this process is saturated, so the "busy" 503, not a 500."""
        _discard_session()
        log.error(
            "database pool exhausted on %s %s: %s", request.method, request.path, _first_line(exc)
        )
        return _unavailable_response(outage=False)

    def _unavailable_response(outage: bool):
        message = DB_UNAVAILABLE if outage else DB_BUSY
        if _wants_json():
            response, status = api_error(
                503, "database_unavailable" if outage else "database_busy", message
            )
        else:
            # Straight from the environment, without the context processors: those load
            # the signed-in user (Flask-Login) and the bell, i.e. the database again.
            page = app.jinja_env.get_template("errors/unavailable.html").render(
                message=message, retry=_retry_url()
            )
            response = app.make_response((page, 503))
            status = 503
        response.headers["Retry-After"] = RETRY_AFTER_SECONDS
        return response, status

    def handle(code: int):
        def handler(exc):
            if code == 500:
                db.session.rollback()
                log.exception("unhandled error on %s %s", request.method, request.path)
            if _wants_json():
                return api_error(code, _code_name(code), MESSAGES[code])
            if code == 413 and request.referrer:
                flash(MESSAGES[413], "danger")
                return redirect(request.referrer)
            return render_template("errors/error.html", code=code, message=MESSAGES[code]), code

        return handler

    for code in MESSAGES:
        app.register_error_handler(code, handle(code))


# SQLSTATEs of a server going away: connection exceptions (08…), admin/crash shutdown and
# "the database system is starting up / shutting down" (57P01–57P03).
_OUTAGE_STATES = ("08", "57P01", "57P02", "57P03")


def is_outage(exc: DBAPIError) -> bool:
    """Whether the error means "no database" (as opposed to a deadlock or a timeout)."""
    if exc.connection_invalidated or isinstance(exc, InterfaceError):
        return True
    if type(exc.orig).__module__.startswith("sqlite3"):  # embedded mode: no SQLSTATE
        return "locked" not in str(exc.orig)
    sqlstate = getattr(exc.orig, "sqlstate", None)
    return sqlstate is None or sqlstate.startswith(_OUTAGE_STATES)


def _retry_url() -> str:
    """A GET may simply be repeated; after a refused POST the form is gone: home.

    Built from the decoded path, re-quoted, with every leading slash, backslash or
    blank reduced to one "/": browsers read `//host`, `/\\host` and `/<tab>/host` as a
    link to another site."""
    if request.method != "GET":
        return url_for("main.home")
    path = "/" + request.path.lstrip("/\\ \t\r\n\f\v")
    url = quote(path, safe="/")
    if request.args:
        url += "?" + urlencode(list(request.args.items(multi=True)))
    return url


def _first_line(exc: BaseException) -> str:
    """The driver's message without the SQL and parameters SQLAlchemy appends."""
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def _discard_session() -> None:
    """Roll back and drop the request's session; on a dead connection even the rollback
    may fail, which must not turn the 503 into a 500."""
    try:
        db.session.rollback()
    except Exception:
        log.debug("rollback failed on a dead connection", exc_info=True)
    try:
        db.session.remove()
    except Exception:
        log.debug("closing the session failed on a dead connection", exc_info=True)


def _code_name(code: int) -> str:
    return {
        400: "bad_request",
        403: "forbidden",
        404: "not_found",
        405: "method_not_allowed",
        413: "too_large",
        429: "rate_limited",
        500: "server_error",
    }[code]
