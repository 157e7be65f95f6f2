"""Processing an incoming document after intake: present, assign, handle, close.

Every step asks `workflows.engine.fire()` whether it may happen (the incoming workflow
for the document, the assignment workflow for each part it touches) and only then
changes rows, so the rules people read in docs/workflows.md are the ones enforced here.
A refusal raises before anything is written; otherwise the step is recorded in the
audit trail and committed as one transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from eoffice.casefiles import filing
from eoffice.core.errors import Conflict, Forbidden, ServiceError, ValidationFailed
from eoffice.core.steps import record_step, refusal_error, transaction
from eoffice.core.text import clean, clean_multiline
from eoffice.core.timeutil import format_date, local_today
from eoffice.exchange import reporting as exchange_reporting
from eoffice.incoming.access import get_visible
from eoffice.incoming.attachments import Upload
from eoffice.incoming.involvement import (
    Party,
    document_context,
    document_roles,
    lead_part,
    part_context,
    part_roles,
    parts_held,
    party_label,
    resolve,
)
from eoffice.incoming.models import Assignment, IncomingDocument, Source
from eoffice.incoming.results import attach_results
from eoffice.notifications import hooks as notifications
from eoffice.orgs.models import Role, User
from eoffice.outgoing import delivery
from workflows import assignment as assignment_flow
from workflows import incoming as incoming_flow
from workflows.engine import (
    Event,
    Transition,
    TransitionRefused,
    Workflow,
    available,
    fire,
)

__all__ = [
    "Party",
    "assign",
    "available_steps",
    "can_extend_deadline",
    "can_record_progress",
    "cancel",
    "complete",
    "correction_refusal",
    "extend_deadline",
    "file",
    "present",
    "reassign",
    "record_progress",
    "reject",
    "reopen",
    "return_to_clerk",
    "start",
]

SUBJECT = "incoming"
REPLY_REFERENCE_MAX = 100  # IncomingDocument.reply_reference
_LEAD, _COORDINATOR, _INFORMED = (
    assignment_flow.LEAD,
    assignment_flow.COORDINATOR,
    assignment_flow.INFORMED,
)


# Asking the engine --------------------------------------------------------------------


def _fire(
    workflow: Workflow,
    state: str,
    name: str,
    roles: frozenset[str],
    inputs: Mapping[str, Any],
    context: Mapping[str, Any],
) -> Event:
    try:
        return fire(workflow, state, name, roles, inputs, context)
    except TransitionRefused as exc:
        raise refusal_error(exc) from exc


def _fire_document(actor: User, doc: IncomingDocument, name: str, **inputs: Any) -> Event:
    return _fire(
        incoming_flow.WORKFLOW,
        doc.state,
        name,
        document_roles(actor, doc),
        inputs,
        document_context(actor, doc),
    )


def _fire_part(actor: User, part: Assignment, name: str, **inputs: Any) -> Event:
    return _fire(
        assignment_flow.WORKFLOW,
        part.state,
        name,
        part_roles(actor, part),
        inputs,
        part_context(part),
    )


def available_steps(actor: User, doc: IncomingDocument) -> tuple[Transition, ...]:
    """The document's steps the actor may take now: the buttons of the document page."""
    return available(
        incoming_flow.WORKFLOW,
        doc.state,
        document_roles(actor, doc),
        document_context(actor, doc),
    )


def _workable_part(actor: User, doc: IncomingDocument) -> Assignment | None:
    """The actor's lead or coordinating part that can still be completed (or started)."""
    for part in parts_held(doc, actor):
        steps = available(
            assignment_flow.WORKFLOW, part.state, part_roles(actor, part), part_context(part)
        )
        names = {step.name for step in steps}
        if names & {assignment_flow.COMPLETE, assignment_flow.ACCEPT}:
            return part
    return None


def can_record_progress(actor: User, doc: IncomingDocument) -> bool:
    return _workable_part(actor, doc) is not None


def can_extend_deadline(actor: User, doc: IncomingDocument) -> bool:
    part = lead_part(doc)
    if part is None:
        return False
    steps = available(
        assignment_flow.WORKFLOW, part.state, part_roles(actor, part), part_context(part)
    )
    return any(step.name == assignment_flow.EXTEND_DEADLINE for step in steps)


# Recording ----------------------------------------------------------------------------


# What the processing steps record, and how the history names each detail.
PROCESSING_ACTIONS = frozenset(
    {
        "presented",
        "returned_to_clerk",
        "assigned",
        "reassigned",
        "deadline_extended",
        "started",
        "progress",
        "completed",
        "reopened",
        "filed",
        "rejected",
        "contributed",
        "acknowledged",
        "passed_on",
    }
)
CHANGE_LABELS = {
    "state": "Trạng thái",
    "presented_to": "Trình",
    "lead": "Chủ trì",
    "coordinators": "Phối hợp",
    "informed": "Để biết",
    "deadline": "Hạn xử lý",
    "instruction": "Ý kiến chỉ đạo",
    "part": "Phần việc",
    "holder": "Người thực hiện",
    "percent": "Tỷ lệ hoàn thành (%)",
    "result": "Kết quả",
    "case_file": "Hồ sơ",
    "reply_document": "Số, ký hiệu văn bản trả lời",
    "files": "Tệp kết quả",
}


def _change(old: Any, new: Any) -> dict[str, Any]:
    """A value that changed, kept with what it was (reassigning, extending a deadline)."""
    return {"from": old, "to": new}


def _record(
    actor: User,
    doc: IncomingDocument,
    action: str,
    event: Event | None,
    changes: dict[str, Any] | None = None,
    note: str | None = None,
) -> None:
    record_step(
        actor=actor,
        subject_type=SUBJECT,
        subject_id=doc.id,
        action=action,
        event=event,
        state_labels=incoming_flow.STATE_LABELS,
        changes=changes,
        note=note,
    )
    if event is not None and event.changes_state and doc.source == Source.INTERNAL:
        delivery.report(doc.id, event.to_state, actor, note)  # the sending office is told
    if event is not None and event.changes_state and doc.source == Source.EXCHANGE:
        exchange_reporting.report(doc.id, event.to_state, actor, note)  # likewise, by edXML


_transaction = transaction  # parts, discussion and this module decorate their steps


def _load(actor: User, doc_id: int) -> IncomingDocument:
    return get_visible(actor, doc_id)


# Presenting, returning, rejecting -----------------------------------------------------


@_transaction
def present(
    actor: User, doc_id: int, presented_to: int | None = None, note: str | None = None
) -> IncomingDocument:
    """Trình lãnh đạo: the clerk puts the document before a leader (or a deputy)."""
    doc = _load(actor, doc_id)
    note = clean_multiline(note) or None
    event = _fire_document(actor, doc, incoming_flow.PRESENT, presented_to=presented_to, note=note)
    changes: dict[str, Any] = {}
    if presented_to is not None:
        leader = resolve(actor, Party(user_id=presented_to), "presented_to")
        if not isinstance(leader, User) or not leader.has_role(Role.LEADER, Role.DEPUTY):
            message = "Chỉ trình văn bản cho lãnh đạo hoặc cấp phó."
            raise ValidationFailed(message, field_errors={"presented_to": message})
        changes["presented_to"] = leader.full_name
    doc.state = event.to_state
    doc.presented_to_id = presented_to
    doc.state_reason = None
    _record(actor, doc, "presented", event, changes, note)
    return doc


@_transaction
def return_to_clerk(actor: User, doc_id: int, reason: str) -> IncomingDocument:
    """Trả lại văn thư: the clerk corrects the entry and presents it again."""
    doc = _load(actor, doc_id)
    reason = clean_multiline(reason)
    event = _fire_document(actor, doc, incoming_flow.RETURN_TO_CLERK, reason=reason)
    doc.state = event.to_state
    doc.state_reason = reason[:1000]
    _record(actor, doc, "returned_to_clerk", event, note=reason)
    notifications.after_return(actor, doc, reason)
    return doc


@_transaction
def reject(actor: User, doc_id: int, reason: str) -> IncomingDocument:
    """Từ chối tiếp nhận: the sender is told (edXML 02), so the reason is required."""
    doc = _load(actor, doc_id)
    reason = clean_multiline(reason)
    event = _fire_document(actor, doc, incoming_flow.REJECT, reason=reason)
    doc.state = event.to_state
    doc.state_reason = reason[:1000]
    _record(actor, doc, "rejected", event, note=reason)
    return doc


def correction_refusal(actor: User, doc: IncomingDocument) -> ServiceError | None:
    """Why the actor may not correct the entry now, or None.

    The workflow has no step for correcting (nothing moves), so it borrows the rule of
    cancelling: whoever may cancel the entry may correct it, in the same states.
    """
    if not incoming_flow.can_correct(doc.state):
        return Conflict("Văn bản đã được trình hoặc đã hủy, không thể sửa thông tin vào sổ.")
    cancelling = incoming_flow.WORKFLOW.transition(incoming_flow.CANCEL)
    assert cancelling is not None
    if not cancelling.roles & document_roles(actor, doc):
        return Forbidden("Chỉ văn thư mới được sửa thông tin vào sổ.")
    return None


MIN_CANCEL_REASON = 5


@_transaction
def cancel(actor: User, doc_id: int, reason: str) -> IncomingDocument:
    """Hủy vào sổ: the number stays used (no gap) and the entry is marked cancelled.

    A reason of a few letters is demanded on top of the workflow's "required": the
    cancelled entry stays in the printed register and its reason must mean something.
    """
    doc = _load(actor, doc_id)
    reason = clean(reason)
    event = _fire_document(actor, doc, incoming_flow.CANCEL, reason=reason)
    if len(reason) < MIN_CANCEL_REASON:
        raise ValidationFailed(
            f"Vui lòng ghi rõ lý do hủy (ít nhất {MIN_CANCEL_REASON} ký tự).",
            field_errors={"reason": "Bắt buộc ghi lý do."},
        )
    doc.state = event.to_state
    doc.cancel_reason = reason[:500]
    _record(actor, doc, "cancelled", None, note=reason)
    return doc


# Assigning ----------------------------------------------------------------------------


def _check_deadline(deadline: date | None) -> None:
    if deadline is not None and deadline < local_today():
        message = "Hạn xử lý không được trước ngày hôm nay."
        raise ValidationFailed(message, field_errors={"deadline": message})


def _check_parties(
    actor: User, lead: Party | None, coordinators: Sequence[Party], informed: Sequence[Party]
) -> dict[str, list[tuple[Party, str]]]:
    """Each party resolved to its label; nobody named twice."""
    resolved: dict[str, list[tuple[Party, str]]] = {_LEAD: [], _COORDINATOR: [], _INFORMED: []}
    seen: set[Party] = set()
    groups = ((_LEAD, [lead] if lead else []), (_COORDINATOR, coordinators), (_INFORMED, informed))
    field_names = {_LEAD: "lead", _COORDINATOR: "coordinators", _INFORMED: "informed"}
    for kind, parties in groups:
        for party in parties:
            field = field_names[kind]
            if party in seen:
                message = "Mỗi người hoặc đơn vị chỉ được giao một vai trò."
                raise ValidationFailed(message, field_errors={field: message})
            seen.add(party)
            resolved[kind].append((party, party_label(resolve(actor, party, field))))
    return resolved


def _tokens(parties: Sequence[Party]) -> tuple[str, ...]:
    return tuple(party.token for party in parties)


def _new_parts(
    actor: User,
    doc: IncomingDocument,
    resolved: dict[str, list[tuple[Party, str]]],
    deadline: date | None,
    instruction: str | None,
) -> None:
    for kind, parties in resolved.items():
        for party, _label in parties:
            part = Assignment(
                kind=kind,
                user_id=party.user_id,
                unit_id=party.unit_id,
                deadline=deadline,
                instruction=instruction,
                state=assignment_flow.WORKFLOW.initial,
                assigned_by_id=actor.id,
            )
            doc.assignments.append(part)


def _labels(resolved: dict[str, list[tuple[Party, str]]], kind: str) -> list[str]:
    return [label for _party, label in resolved[kind]]


@_transaction
def assign(
    actor: User,
    doc_id: int,
    lead: Party | None,
    coordinators: Sequence[Party] = (),
    informed: Sequence[Party] = (),
    deadline: date | None = None,
    instruction: str | None = None,
) -> IncomingDocument:
    """Phân công xử lý: one lead, coordinators, people informed, a deadline, the instruction.

    Without a deadline of their own the parts take the one registered with the document.
    """
    doc = _load(actor, doc_id)
    instruction = clean_multiline(instruction) or None
    event = _fire_document(
        actor,
        doc,
        incoming_flow.ASSIGN,
        lead=lead.token if lead else None,
        coordinators=_tokens(coordinators),
        informed=_tokens(informed),
        deadline=deadline,
        instruction=instruction,
    )
    _check_deadline(deadline)
    resolved = _check_parties(actor, lead, coordinators, informed)
    old_deadline = doc.deadline
    effective = deadline or doc.deadline
    _new_parts(actor, doc, resolved, effective, instruction)
    doc.state = event.to_state
    doc.deadline = effective
    doc.state_reason = None
    changes: dict[str, Any] = {
        "lead": _labels(resolved, _LEAD)[0],
        "coordinators": _labels(resolved, _COORDINATOR),
        "informed": _labels(resolved, _INFORMED),
        "deadline": format_date(effective) or None,
        "instruction": instruction,
    }
    if deadline is not None and old_deadline != deadline:
        changes["deadline"] = _change(format_date(old_deadline) or None, format_date(deadline))
    _record(actor, doc, "assigned", event, changes)
    notifications.after_assignment(actor, doc)
    return doc


@_transaction
def reassign(
    actor: User,
    doc_id: int,
    lead: Party | None,
    reason: str,
    coordinators: Sequence[Party] = (),
    informed: Sequence[Party] = (),
    deadline: date | None = None,
    instruction: str | None = None,
) -> IncomingDocument:
    """Phân công lại: the current parts end (kept as history), a new set begins.

    Parts already finished (a coordinator's contribution, an acknowledgement) stay as
    they are; open ones move to the new lead or are withdrawn. The event records every
    old value beside the new one.
    """
    doc = _load(actor, doc_id)
    reason = clean_multiline(reason)
    instruction = clean_multiline(instruction) or None
    event = _fire_document(
        actor,
        doc,
        incoming_flow.REASSIGN,
        lead=lead.token if lead else None,
        reason=reason,
        coordinators=_tokens(coordinators),
        informed=_tokens(informed),
        deadline=deadline,
        instruction=instruction,
    )
    assert lead is not None  # required by the workflow
    _check_deadline(deadline)
    resolved = _check_parties(actor, lead, coordinators, informed)
    old = _assignment_summary(doc)
    for part in [p for p in doc.assignments if p.is_current]:
        if part.kind == _LEAD:
            step = _fire_part(
                actor, part, assignment_flow.REASSIGN, assignee=lead.token, reason=reason
            )
        elif part.state in assignment_flow.OPEN_STATES:
            step = _fire_part(actor, part, assignment_flow.WITHDRAW, reason=reason)
        else:
            continue
        part.state = step.to_state
    effective = deadline or doc.deadline
    _new_parts(actor, doc, resolved, effective, instruction)
    doc.state = event.to_state
    doc.deadline = effective
    new = {
        "lead": _labels(resolved, _LEAD)[0],
        "coordinators": _labels(resolved, _COORDINATOR),
        "informed": _labels(resolved, _INFORMED),
        "deadline": format_date(effective) or None,
        "instruction": instruction,
    }
    changes = {name: _change(old[name], new[name]) for name in new}
    _record(actor, doc, "reassigned", event, changes, reason)
    notifications.after_assignment(actor, doc)
    return doc


def _assignment_summary(doc: IncomingDocument) -> dict[str, Any]:
    current = [part for part in doc.assignments if part.is_current]
    lead = next((p for p in current if p.kind == _LEAD), None)
    return {
        "lead": lead.holder_label if lead else None,
        "coordinators": [p.holder_label for p in current if p.kind == _COORDINATOR],
        "informed": [p.holder_label for p in current if p.kind == _INFORMED],
        "deadline": format_date(doc.deadline) or None,
        "instruction": lead.instruction if lead else None,
    }


@_transaction
def extend_deadline(
    actor: User, doc_id: int, deadline: date | None, reason: str
) -> IncomingDocument:
    """Gia hạn xử lý: the lead's part (and the document) get a later deadline."""
    doc = _load(actor, doc_id)
    reason = clean_multiline(reason)
    part = lead_part(doc)
    if part is None:
        raise Conflict("Văn bản chưa được phân công nên chưa có hạn xử lý để gia hạn.")
    step = _fire_part(
        actor, part, assignment_flow.EXTEND_DEADLINE, deadline=deadline, reason=reason
    )
    _check_deadline(deadline)
    changes = {"deadline": _change(format_date(doc.deadline) or None, format_date(deadline))}
    part.state = step.to_state
    part.deadline = deadline
    doc.deadline = deadline
    _record(actor, doc, "deadline_extended", None, changes, reason)
    return doc


# Handling -----------------------------------------------------------------------------


def _lead_part_or_conflict(doc: IncomingDocument) -> Assignment:
    part = lead_part(doc)
    if part is None:  # the document workflow lets no one this far without a lead
        raise Conflict("Văn bản chưa có người chủ trì xử lý.")
    return part


@_transaction
def start(actor: User, doc_id: int, note: str | None = None) -> IncomingDocument:
    """Bắt đầu xử lý: the lead handler takes the document up."""
    doc = _load(actor, doc_id)
    note = clean_multiline(note) or None
    _start(actor, doc, note)
    return doc


def _start(actor: User, doc: IncomingDocument, note: str | None) -> None:
    event = _fire_document(actor, doc, incoming_flow.START, note=note)
    part = _lead_part_or_conflict(doc)
    step = _fire_part(actor, part, assignment_flow.ACCEPT)
    part.state = step.to_state
    doc.state = event.to_state
    _record(actor, doc, "started", event, {"part": part.kind_label}, note)


@_transaction
def record_progress(
    actor: User,
    doc_id: int,
    note: str,
    percent: int | None,
    uploads: list[Upload] | None = None,
) -> IncomingDocument:
    """Ghi nhận tiến độ: a note and a percentage on the actor's own part.

    The lead's first note starts the document if they had not started it yet; a
    coordinator's first note accepts their part.
    """
    doc = _load(actor, doc_id)
    note = clean_multiline(note)
    part = _workable_part(actor, doc)
    if part is None:
        raise Forbidden(
            "Chỉ người chủ trì hoặc phối hợp đang xử lý văn bản mới được ghi nhận tiến độ."
        )
    errors: dict[str, str] = {}
    if not note:
        errors["note"] = "«Nội dung tiến độ» là bắt buộc."
    if percent is None or not 0 <= percent <= 100:
        errors["percent"] = "Tỷ lệ hoàn thành phải từ 0 đến 100."
    if errors:
        raise ValidationFailed("Vui lòng kiểm tra nội dung tiến độ.", field_errors=errors)
    assert percent is not None
    if part.state == assignment_flow.ASSIGNED:
        if part.kind == _LEAD and doc.state == incoming_flow.ASSIGNED:
            _start(actor, doc, None)
        else:  # a coordinator, or a lead passed on after the document was started
            part.state = _fire_part(actor, part, assignment_flow.ACCEPT).to_state
    changes = {"part": part.kind_label, "percent": _change(part.progress_percent, percent)}
    part.progress_percent = percent
    _with_files(changes, attach_results(actor, part, uploads))
    _record(actor, doc, "progress", None, changes, note)
    return doc


def _with_files(changes: dict[str, Any], names: list[str]) -> dict[str, Any]:
    if names:
        changes["files"] = names
    return changes


@_transaction
def complete(
    actor: User,
    doc_id: int,
    result: str,
    reply_document: str | None = None,
    uploads: list[Upload] | None = None,
) -> IncomingDocument:
    """Hoàn thành xử lý: the lead's word, with a summary of the result.

    `reply_document` is the số, ký hiệu of the reply, if the work ended in one: it is
    column (6) of the tracking register. Result files go with the lead's part.
    """
    doc = _load(actor, doc_id)
    result = clean_multiline(result)
    reply_document = clean(reply_document) or None
    event = _fire_document(
        actor, doc, incoming_flow.COMPLETE, result=result, reply_document=reply_document
    )
    if reply_document is not None and len(reply_document) > REPLY_REFERENCE_MAX:
        message = f"Số, ký hiệu văn bản trả lời tối đa {REPLY_REFERENCE_MAX} ký tự."
        raise ValidationFailed(message, field_errors={"reply_document": message})
    part = _lead_part_or_conflict(doc)
    if part.state == assignment_flow.ASSIGNED:  # passed on after the start: taking it up
        part.state = _fire_part(actor, part, assignment_flow.ACCEPT).to_state
    step = _fire_part(actor, part, assignment_flow.COMPLETE, result=result)
    part.state = step.to_state
    part.result = result
    part.progress_percent = 100
    doc.state = event.to_state
    changes: dict[str, Any] = {"result": result}
    if reply_document is not None:
        changes["reply_document"] = _change(doc.reply_reference, reply_document)
        doc.reply_reference = reply_document
    _with_files(changes, attach_results(actor, part, uploads))
    _record(actor, doc, "completed", event, changes)
    notifications.after_completion(actor, doc, result)
    return doc


@_transaction
def reopen(actor: User, doc_id: int, reason: str, deadline: date | None = None) -> IncomingDocument:
    """Mở lại: the leader sends finished work back to the lead, maybe with a new deadline."""
    doc = _load(actor, doc_id)
    reason = clean_multiline(reason)
    event = _fire_document(actor, doc, incoming_flow.REOPEN, reason=reason, deadline=deadline)
    part = _lead_part_or_conflict(doc)
    step = _fire_part(actor, part, assignment_flow.REOPEN, reason=reason, deadline=deadline)
    _check_deadline(deadline)
    changes: dict[str, Any] = {}
    if deadline is not None:
        changes["deadline"] = _change(format_date(doc.deadline) or None, format_date(deadline))
        part.deadline = deadline
        doc.deadline = deadline
    part.state = step.to_state
    doc.state = event.to_state
    doc.state_reason = reason[:1000]
    _record(actor, doc, "reopened", event, changes, reason)
    notifications.after_reopen(actor, doc, reason)
    return doc


@_transaction
def file(actor: User, doc_id: int, case_file_id: int | None = None) -> IncomingDocument:
    """Lập hồ sơ / lưu: the document goes into a case file of the office (when one is
    chosen) and its record is closed.

    Filing and the step are one transaction: the document is added to the file
    (eoffice.casefiles.filing, which opens a planned file nobody keeps yet), then the
    workflow is asked; a refusal of either leaves the document where it was and the
    file as it was. Without a file the document is only marked stored, as the
    workflow allows for a document that belongs to no case.
    """
    doc = _load(actor, doc_id)
    label = None
    if case_file_id is not None:
        case_file = filing.put_in(actor, case_file_id, incoming_ids=[doc.id])
        label = f"{case_file.code} – {case_file.title}"
    event = _fire_document(actor, doc, incoming_flow.FILE, case_file=label)
    doc.state = event.to_state
    _record(actor, doc, "filed", event, {"case_file": label} if label else {})
    return doc
