"""Errors raised by services, carrying the Vietnamese message shown to the user.

Views turn them into form errors or flash messages; the API turns them into its one
JSON error format. Services raise before they write, or the caller rolls back, so an
error never leaves half a record behind.
"""

from __future__ import annotations


class ServiceError(Exception):
    """A business rule refused the action. `message` is user-facing Vietnamese."""

    status_code = 400
    code = "invalid"

    def __init__(self, message: str, *, field_errors: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.field_errors = field_errors or {}


class ValidationFailed(ServiceError):
    """Input failed validation; `field_errors` maps field name → message."""

    status_code = 422
    code = "validation_failed"


class NotFound(ServiceError):
    """The record does not exist or belongs to another organisation (same answer for both)."""

    status_code = 404
    code = "not_found"

    def __init__(self, message: str = "Không tìm thấy dữ liệu yêu cầu."):
        super().__init__(message)


class Forbidden(ServiceError):
    """The user is signed in but their role does not allow the action."""

    status_code = 403
    code = "forbidden"

    def __init__(self, message: str = "Bạn không có quyền thực hiện thao tác này."):
        super().__init__(message)


class Conflict(ServiceError):
    """The action conflicts with the current state (e.g. a possible duplicate)."""

    status_code = 409
    code = "conflict"


class ConfigurationError(RuntimeError):
    """The application cannot start safely with this configuration (raised by create_app)."""
