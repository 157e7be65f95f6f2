"""The two halves of every step on a case file: asking the CASE_FILE workflow whether it
may happen, and the audit record it leaves.

Shared by files (open, close, reopen), the hand-over and the disposal, so that a
refusal reads the same wherever it comes from and every record of a file carries the
same state words.
"""

from __future__ import annotations

from typing import Any

from eoffice.casefiles.access import file_roles
from eoffice.casefiles.models import CaseFile
from eoffice.core.errors import ServiceError
from eoffice.core.steps import record_step, refusal_error
from eoffice.orgs.models import User
from workflows import casefiles as flow
from workflows.engine import Event, TransitionRefused, fire

STATE_LABELS = {s.code: s.label for s in flow.CASE_FILE.states}


def fire_case_file(
    actor: User, case_file: CaseFile, name: str, context: dict | None = None, **inputs: Any
) -> Event:
    """Ask CASE_FILE for one step on one file; a refusal names the file, because a step
    over several files must say which one stopped it."""
    try:
        return fire(
            flow.CASE_FILE, case_file.state, name, file_roles(actor, case_file), inputs, context
        )
    except TransitionRefused as exc:
        raise naming_file(case_file, refusal_error(exc)) from exc


def naming_file(case_file: CaseFile, error: ServiceError) -> ServiceError:
    """The same error, its message starting with the file's code and title, and the
    file's id on it (`file_id`): a page over several files shows such a refusal in
    place, even a 403, as the reason the whole step was refused."""
    error.message = f"Hồ sơ {case_file.code} «{case_file.title}»: {error.message}"
    error.args = (error.message,)
    error.file_id = case_file.id  # type: ignore[attr-defined]
    return error


def record_file_step(
    actor: User,
    case_file: CaseFile,
    action: str,
    event: Event | None,
    changes: dict | None = None,
    note: str | None = None,
) -> None:
    """The audit record of a step on the file, read by the file's history."""
    record_step(
        actor=actor,
        subject_type="case_file",
        subject_id=case_file.id,
        action=action,
        event=event,
        state_labels=STATE_LABELS,
        changes=changes,
        note=note,
    )
