"""The steps people take on their own part of a document, not on the document itself.

A coordinator hands in their contribution, a person informed acknowledges, the head of
a unit passes the unit's part on to one of its members. Each is a transition of the
assignment workflow on the actor's part; the document's state does not move, but the
step is recorded on the document's timeline like every other.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from eoffice.core.errors import Conflict, Forbidden, ValidationFailed
from eoffice.core.text import clean_multiline
from eoffice.core.timeutil import format_date
from eoffice.incoming.attachments import Upload
from eoffice.incoming.involvement import part_context, part_roles, parts_held, unit_members
from eoffice.incoming.models import Assignment, IncomingDocument
from eoffice.incoming.processing import (
    _change,
    _check_deadline,
    _fire_part,
    _load,
    _record,
    _transaction,
)
from eoffice.incoming.results import attach_results
from eoffice.notifications import hooks as notifications
from eoffice.orgs.models import User
from workflows import assignment as assignment_flow
from workflows import incoming as incoming_flow
from workflows.engine import available

# Step names of the document page and the API (none is a transition of the document).
CONTRIBUTE = "contribute"
ACKNOWLEDGE = assignment_flow.ACKNOWLEDGE
PASS_ON = assignment_flow.PASS_ON

_COORDINATOR, _INFORMED = assignment_flow.COORDINATOR, assignment_flow.INFORMED


def _steps_of(actor: User, part: Assignment) -> set[str]:
    steps = available(
        assignment_flow.WORKFLOW, part.state, part_roles(actor, part), part_context(part)
    )
    return {step.name for step in steps}


def _part_for(actor: User, doc: IncomingDocument, kinds: Iterable[str]) -> Assignment | None:
    """The actor's current part of one of `kinds`, an open one first."""
    mine = [part for part in parts_held(doc, actor) if part.kind in kinds]
    mine.sort(key=lambda part: part.state not in assignment_flow.OPEN_STATES)
    return mine[0] if mine else None


def _passable(actor: User, doc: IncomingDocument) -> Assignment | None:
    """The part the actor may pass on as head of the unit holding it (the lead first)."""
    for part in parts_held(doc, actor):
        if PASS_ON in _steps_of(actor, part):
            return part
    return None


def _closed(doc: IncomingDocument) -> bool:
    """Filed, cancelled or rejected: the record is closed, nobody's part moves any more."""
    return doc.state in incoming_flow.WORKFLOW.terminal_states


def offered(actor: User, doc: IncomingDocument) -> set[str]:
    """Which of CONTRIBUTE, ACKNOWLEDGE and PASS_ON the actor may take now (the buttons)."""
    names: set[str] = set()
    if doc.state in incoming_flow.OPEN_STATES:
        part = _part_for(actor, doc, (_COORDINATOR,))
        steps = _steps_of(actor, part) if part else set()
        if steps & {assignment_flow.ACCEPT, assignment_flow.COMPLETE}:
            names.add(CONTRIBUTE)
    informed = _part_for(actor, doc, (_INFORMED,))
    if informed is not None and not _closed(doc) and ACKNOWLEDGE in _steps_of(actor, informed):
        names.add(ACKNOWLEDGE)
    if _passable(actor, doc) is not None:
        names.add(PASS_ON)
    return names


@_transaction
def contribute(
    actor: User, doc_id: int, result: str, uploads: list[Upload] | None = None
) -> IncomingDocument:
    """Ý kiến phối hợp: the coordinator's contribution completes their part.

    A part not yet accepted is accepted on the way: handing in work is taking it up.
    Only while the document is still open: after the lead's completion the leader
    reopens it if a contribution is still wanted.
    """
    doc = _load(actor, doc_id)
    result = clean_multiline(result)
    part = _part_for(actor, doc, (_COORDINATOR,))
    if part is None:
        raise Forbidden("Bạn không có phần việc phối hợp xử lý văn bản này.")
    if doc.state not in incoming_flow.OPEN_STATES:
        raise Conflict(
            f"Văn bản đang ở trạng thái «{doc.state_label}», không còn nhận ý kiến phối hợp."
        )
    if part.state == assignment_flow.ASSIGNED:
        part.state = _fire_part(actor, part, assignment_flow.ACCEPT).to_state
    step = _fire_part(actor, part, assignment_flow.COMPLETE, result=result)
    part.state = step.to_state
    part.result = result
    part.progress_percent = 100
    changes: dict[str, Any] = {"part": part.kind_label, "result": result}
    files = attach_results(actor, part, uploads)
    if files:
        changes["files"] = files
    _record(actor, doc, "contributed", None, changes)
    notifications.after_contribution(actor, doc, result)
    return doc


@_transaction
def acknowledge(actor: User, doc_id: int) -> IncomingDocument:
    """Đã xem để biết: a person informed closes their part by reading the document."""
    doc = _load(actor, doc_id)
    part = _part_for(actor, doc, (_INFORMED,))
    if part is None:
        raise Forbidden("Bạn không có phần việc «Để biết» với văn bản này.")
    if _closed(doc):
        raise Conflict(f"Văn bản đã ở trạng thái «{doc.state_label}», hồ sơ đã đóng.")
    part.state = _fire_part(actor, part, ACKNOWLEDGE).to_state
    _record(actor, doc, "acknowledged", None, {"part": part.kind_label})
    return doc


@_transaction
def pass_on(
    actor: User,
    doc_id: int,
    assignee: int | None,
    deadline: date | None = None,
    instruction: str | None = None,
) -> IncomingDocument:
    """Giao cho cán bộ trong đơn vị: the unit's part goes on in one member's hands.

    The work continues as the workflow says (back in "assigned", for the person to
    accept), on a new row for the person, with the progress so far. The unit's row stays
    as the record of who held it, ended as "given to someone else": members who worked
    on it keep seeing the document (access follows every row), but no longer act on it.
    The person's deadline may be earlier than the unit's, never later.
    """
    doc = _load(actor, doc_id)
    instruction = clean_multiline(instruction) or None
    part = next((p for p in parts_held(doc, actor) if p.unit_id is not None), None)
    if part is None:
        raise Forbidden("Văn bản không có phần việc nào đang giao cho đơn vị của bạn.")
    step = _fire_part(
        actor, part, PASS_ON, assignee=assignee, deadline=deadline, instruction=instruction
    )
    _check_deadline(deadline)
    if deadline is not None and part.deadline is not None and deadline > part.deadline:
        message = f"Hạn xử lý không được sau hạn của đơn vị ({format_date(part.deadline)})."
        raise ValidationFailed(message, field_errors={"deadline": message})
    person = next(m for m in unit_members(part.unit_id) if m.id == assignee)  # the guard's list
    changes: dict[str, Any] = {
        "part": part.kind_label,
        "holder": _change(part.holder_label, person.full_name),
    }
    if deadline is not None and deadline != part.deadline:
        changes["deadline"] = _change(format_date(part.deadline) or None, format_date(deadline))
    if instruction:
        changes["instruction"] = instruction
    given = Assignment(
        kind=part.kind,
        user_id=person.id,
        deadline=deadline or part.deadline,
        instruction=instruction or part.instruction,
        state=step.to_state,
        assigned_by_id=part.assigned_by_id,
        progress_percent=part.progress_percent,
    )
    doc.assignments.append(given)
    part.state = assignment_flow.REASSIGNED
    _record(actor, doc, "passed_on", None, changes)
    notifications.after_pass_on(actor, doc, given)
    return doc
