"""Trình duyệt: the draft goes up the organisation's approval chain to its signer.

Submitting snapshots the chain into review rows for this round (the checks, then the
signing stage), so an administrator changing the chain does not move documents already
on their way. Each check approves in turn; the signer signs (eoffice.outgoing.issuing).
Every step asks `workflows.engine.fire()` first and is one transaction.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from eoffice.core.errors import Conflict
from eoffice.core.steps import record_step, refusal_error, transaction
from eoffice.core.text import clean_multiline
from eoffice.core.timeutil import now_utc
from eoffice.extensions import db
from eoffice.orgs.models import Role, Unit, User
from eoffice.outgoing import drafting, news
from eoffice.outgoing.involvement import (
    SIGNING_STAGE,
    current_stage,
    document_context,
    document_roles,
    get_visible,
    is_unit_head,
)
from eoffice.outgoing.models import ApprovalStage, OutgoingDocument, OutgoingReview
from workflows import outgoing as outgoing_flow
from workflows.engine import Event, Transition, TransitionRefused, available, fire

SUBJECT = "outgoing"

# The chain when an organisation has configured none (NĐ 30 Đ12): the head of the
# drafting unit answers for the content, the clerk for the form (thể thức).
DEFAULT_CHAIN = (
    ("unit_head", None, "Trưởng đơn vị soạn thảo kiểm tra nội dung"),
    ("role", Role.CLERK, "Văn thư kiểm tra thể thức"),
)


def fire_step(actor: User, doc: OutgoingDocument, name: str, **inputs: Any) -> Event:
    try:
        return fire(
            outgoing_flow.WORKFLOW,
            doc.state,
            name,
            document_roles(actor, doc),
            inputs,
            document_context(doc),
        )
    except TransitionRefused as exc:
        raise refusal_error(exc) from exc


def available_steps(actor: User, doc: OutgoingDocument) -> tuple[Transition, ...]:
    return available(
        outgoing_flow.WORKFLOW, doc.state, document_roles(actor, doc), document_context(doc)
    )


def record(
    actor: User,
    doc: OutgoingDocument,
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
        state_labels=outgoing_flow.STATE_LABELS,
        changes=changes,
        note=note,
    )


# The chain ----------------------------------------------------------------------------


def chain_for(org_id: int) -> list[tuple[str, str | None, int | None, str]]:
    """(kind, role, user_id, label) of each check, configured or the default."""
    stages = db.session.scalars(
        select(ApprovalStage).where(ApprovalStage.org_id == org_id).order_by(ApprovalStage.position)
    ).all()
    if stages:
        return [(s.kind, s.role, s.user_id, s.label) for s in stages]
    return [(kind, role, None, label) for kind, role, label in DEFAULT_CHAIN]


def _unit_has_head(unit_id: int) -> bool:
    members = db.session.scalars(
        select(User).where(User.unit_id == unit_id, User.is_active_account.is_(True))
    )
    return any(is_unit_head(user, unit_id) for user in members)


def _snapshot_round(actor: User, doc: OutgoingDocument) -> list[OutgoingReview]:
    """This round's stages. A unit-head check is skipped when the drafter heads the unit
    or the drafting unit has no head: nobody would hold it and the draft would wait forever.
    """
    rows: list[OutgoingReview] = []
    for kind, role, user_id, label in chain_for(doc.org_id):
        unit_id = None
        if kind == "unit_head":
            unit_id = doc.drafting_unit_id
            if unit_id is None or is_unit_head(actor, unit_id) or not _unit_has_head(unit_id):
                continue
        rows.append(
            OutgoingReview(kind=kind, role=role, user_id=user_id, unit_id=unit_id, label=label)
        )
    signer = db.session.get(User, doc.signer_id)
    rows.append(
        OutgoingReview(
            kind=SIGNING_STAGE,
            user_id=doc.signer_id,
            label=f"Ký ban hành: {signer.full_name if signer else ''}".strip(),
        )
    )
    for position, row in enumerate(rows):
        row.position = position
        row.round = doc.review_round
        doc.reviews.append(row)
    return rows


# Steps --------------------------------------------------------------------------------


@transaction
def submit(actor: User, doc_id: int, note: str | None = None) -> OutgoingDocument:
    """Trình duyệt: the draft starts a new round at the first stage of the chain."""
    doc = get_visible(actor, doc_id)
    note = clean_multiline(note) or None
    event = fire_step(actor, doc, outgoing_flow.SUBMIT, note=note)
    drafting.refuse_secret_outside(doc)
    doc.review_round += 1
    doc.state = event.to_state
    doc.state_reason = None
    stages = _snapshot_round(actor, doc)
    record(actor, doc, "submitted", event, {"stages": [s.label for s in stages]}, note)
    news.after_moving_on(actor, doc)
    return doc


def _decide(
    actor: User, doc: OutgoingDocument, decision: str, comment: str | None
) -> OutgoingReview:
    stage = current_stage(doc)
    if stage is None:  # the workflow lets no one this far outside a round
        raise Conflict("Văn bản không ở bước kiểm tra nào.")
    stage.decision = decision
    stage.decided_by_id = actor.id
    stage.decided_at = now_utc()
    stage.comment = comment[:1000] if comment else None
    return stage


@transaction
def approve(actor: User, doc_id: int, note: str | None = None) -> OutgoingDocument:
    """Đồng ý: the current check is done, the next stage holds the document."""
    doc = get_visible(actor, doc_id)
    note = clean_multiline(note) or None
    event = fire_step(actor, doc, outgoing_flow.APPROVE, note=note)
    stage = _decide(actor, doc, "approved", note)
    next_stage = current_stage(doc)
    record(
        actor,
        doc,
        "approved",
        event,
        {"stage": stage.label, "next": next_stage.label if next_stage else None},
        note,
    )
    news.after_moving_on(actor, doc)
    return doc


@transaction
def send_back(actor: User, doc_id: int, reason: str) -> OutgoingDocument:
    """Trả lại để sửa: back to the drafter with the comment; the round ends here."""
    doc = get_visible(actor, doc_id)
    reason = clean_multiline(reason)
    event = fire_step(actor, doc, outgoing_flow.SEND_BACK, reason=reason)
    stage = _decide(actor, doc, "sent_back", reason)
    _close_round(doc)
    doc.state = event.to_state
    doc.state_reason = reason[:1000]
    record(actor, doc, "sent_back", event, {"stage": stage.label}, reason)
    news.after_coming_back(actor, doc, reason, rejected=False)
    return doc


@transaction
def reject(actor: User, doc_id: int, reason: str) -> OutgoingDocument:
    """Không ban hành: the signer (or a leader) decides it will not be issued."""
    doc = get_visible(actor, doc_id)
    reason = clean_multiline(reason)
    event = fire_step(actor, doc, outgoing_flow.REJECT, reason=reason)
    stage = _decide(actor, doc, "rejected", reason)
    _close_round(doc)
    doc.state = event.to_state
    doc.state_reason = reason[:1000]
    record(actor, doc, "not_issued", event, {"stage": stage.label}, reason)
    news.after_coming_back(actor, doc, reason, rejected=True)
    return doc


@transaction
def discard(actor: User, doc_id: int, reason: str | None = None) -> OutgoingDocument:
    """Hủy dự thảo: closed, kept on record with every version."""
    doc = get_visible(actor, doc_id)
    reason = clean_multiline(reason) or None
    event = fire_step(actor, doc, outgoing_flow.DISCARD, reason=reason)
    doc.state = event.to_state
    doc.state_reason = reason[:1000] if reason else None
    record(actor, doc, "discarded", event, note=reason)
    return doc


def _close_round(doc: OutgoingDocument) -> None:
    """Stages after the deciding one are not reached in this round."""
    for row in doc.reviews:
        if row.round == doc.review_round and row.decision is None:
            row.decision = "not_reached"


def unit_name(unit_id: int | None) -> str | None:
    unit = db.session.get(Unit, unit_id) if unit_id else None
    return unit.name if unit else None
