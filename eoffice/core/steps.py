"""What every workflow step of a service shares: one transaction, and refusals as errors.

A step (present, assign, submit, sign…) asks the workflow engine, changes rows and
records the audit event; `transaction` commits all of it or nothing, then runs the work
the step queued for after its commit (notifications, jobs). `refusal_error` turns the
engine's refusal into the service error a view or the API answers with.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any, ParamSpec, TypeVar

from eoffice.core import audit
from eoffice.core.aftercommit import run_pending
from eoffice.core.errors import Conflict, Forbidden, ServiceError, ValidationFailed
from eoffice.extensions import db
from workflows.engine import Event, Refusal, TransitionRefused

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


def record_step(
    *,
    actor: Any,
    subject_type: str,
    subject_id: int,
    action: str,
    event: Event | None,
    state_labels: Mapping[str, str],
    changes: dict[str, Any] | None = None,
    note: str | None = None,
) -> None:
    """The step's audit event: the state it moved from and to (in words), then `changes`."""
    details: dict[str, Any] = {}
    if event is not None and event.changes_state:
        details["state"] = {
            "from": state_labels[event.from_state],
            "to": state_labels[event.to_state],
        }
    details.update(changes or {})
    audit.record(
        actor_id=actor.id,
        org_id=actor.org_id,
        subject_type=subject_type,
        subject_id=subject_id,
        action=action,
        changes=details,
        note=note[:1000] if note else None,
    )
