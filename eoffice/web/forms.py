"""Helpers shared by every form-handling view."""

from __future__ import annotations

from flask_wtf import FlaskForm

from eoffice.core.errors import ServiceError


def apply_service_error(form: FlaskForm, exc: ServiceError) -> bool:
    """Show a service's field errors on the form's fields; True if any field matched."""
    matched = False
    for name, message in exc.field_errors.items():
        field = getattr(form, name, None)
        if field is not None:
            field.errors = [*list(field.errors or []), message]
            matched = True
    return matched
