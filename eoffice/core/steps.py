"""What every workflow step of a service shares: one transaction, and refusals as errors.

A step (present, assign, submit, sign…) asks the workflow engine, changes rows and
records the audit event; `transaction` commits all of it or nothing, then runs the work
the step queued for after its commit (notifications, jobs). `refusal_error` turns the
engine's refusal into the service error a view or the API answers with.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from eoffice.core.aftercommit import run_pending
from eoffice.core.errors import Conflict, Forbidden, ServiceError, ValidationFailed
from eoffice.extensions import db
from workflows.engine import Refusal, TransitionRefused

P = ParamSpec("P")
R = TypeVar("R")


def transaction(step: Callable[P, R]) -> Callable[P, R]:
    """Commit the whole step, or roll it all back: a refusal midway leaves nothing behind.

    What the step queued with `after_commit` (the notifications) runs after the commit.
    """

    @functools.wraps(step)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            result = step(*args, **kwargs)
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
        run_pending()
        return result

    return run


def refusal_error(exc: TransitionRefused) -> ServiceError:
    """Not allowed (role, guard): 403; a form to fix (missing or invalid input): 422 with
    the fields; anything else (wrong state, unknown step): 409."""
    if exc.reason in (Refusal.ROLE, Refusal.GUARD):
        return Forbidden(exc.message)
    if exc.reason in (Refusal.MISSING_INPUT, Refusal.INVALID_INPUT):
        return ValidationFailed(exc.message, field_errors=dict(exc.field_errors))
    return Conflict(exc.message)
