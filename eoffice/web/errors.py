"""Error pages in Vietnamese; the API blueprint answers in JSON instead."""

from __future__ import annotations

import logging

from flask import Flask, flash, jsonify, redirect, render_template, request
from flask_wtf.csrf import CSRFError

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
