"""JSON shapes of /api/v1/outgoing and /api/v1/inbox; spec_schemas describes exactly these.

Conventions as in api.schemas: every key always written (null when empty), instants in
office time with their offset, calendar dates as YYYY-MM-DD.
"""

from __future__ import annotations

from itertools import groupby
from typing import Any

from flask import url_for

from eoffice.api.directives_schemas import report_request_json
from eoffice.api.outgoing_parsing import STEPS
from eoffice.api.outgoing_queries import versions_of
from eoffice.api.schemas import _person, _unit, event_json, iso_date, iso_datetime
from eoffice.api.steps import Step
from eoffice.core.audit import history
from eoffice.directives.requests import requests_of
from eoffice.orgs.models import Organisation, User
from eoffice.outgoing.drafting import signature_defaults
from eoffice.outgoing.involvement import current_stage
from eoffice.outgoing.models import (
    DELIVERY_STATUS_LABELS,
    Delivery,
    DeliveryEvent,
    DeliveryStatus,
    OutgoingAttachment,
    OutgoingDocument,
    OutgoingReview,
    OutgoingVersion,
)
from eoffice.outgoing.review import available_steps
from workflows import outgoing as outgoing_flow

Json = dict[str, Any]

# What the holder of a review stage decided (OutgoingReview.decision); null: not yet.
DECISION_LABELS = {
    "approved": "Đồng ý",
    "sent_back": "Trả lại để sửa",
    "rejected": "Không ban hành",
    "signed": "Đã ký ban hành",
    "not_reached": "Không đến lượt (vòng đã kết thúc)",
}
CHANNEL_LABELS = {"internal": "Trong hệ thống", "exchange": "Qua trục liên thông"}


def _code_name(level) -> Json:
    return {"code": level.code, "name": level.name}


def _status_label(code: str) -> str:
    try:
        return DELIVERY_STATUS_LABELS[DeliveryStatus(code)]
    except ValueError:
        return code


def outgoing_attachment_json(attachment: OutgoingAttachment) -> Json:
    stored = attachment.stored_file
    return {
        "id": attachment.id,
        "name": attachment.original_name,
        "size": stored.size,
        "mime_type": stored.mime_type,
        "sha256": stored.sha256,
        "is_appendix": attachment.is_appendix,
        "added_at": iso_datetime(attachment.added_at),
        "download_url": url_for(
            "api.download_outgoing_file", doc_id=attachment.document_id, attachment_id=attachment.id
        ),
    }


def outgoing_json(doc: OutgoingDocument) -> Json:
    """The document's fields, recipients and files: a row of the list."""
    book = doc.register_book
    return {
        "id": doc.id,
        "url": url_for("api.get_outgoing", doc_id=doc.id),
        "state": doc.state,
        "state_label": doc.state_label,
        "state_reason": doc.state_reason,
        "document_type": {"id": doc.document_type.id, "name": doc.document_type.name},
        "subject": doc.subject,
        "addressees": doc.addressees,
        "symbol_unit": doc.symbol_unit,
        "signer": _person(doc.signer),
        "capacity": doc.capacity,
        "capacity_title": doc.capacity_title,
        "signer_title": doc.signer_title,
        "urgency": _code_name(doc.urgency),
        "confidentiality": _code_name(doc.confidentiality),
        "circulation": doc.circulation,
        "copies": doc.copies,
        "drafter": _person(doc.drafter),
        "drafting_unit": _unit(doc.drafting_unit),
        "version": doc.version,
        "review_round": doc.review_round,
        "register_book": None
        if book is None
        else {
            "id": book.id,
            "code": book.code,
            "name": book.name,
            "year": book.year,
            "is_confidential": book.is_confidential,
        },
        "number": doc.number,
        "symbol": doc.symbol,
        "document_date": iso_date(doc.document_date),
        "issued_at": iso_datetime(doc.issued_at),
        "place_name": doc.place_name,
        "signed_pdf_url": url_for("api.signed_pdf", doc_id=doc.id) if doc.signed_file_id else None,
        "replaces_id": doc.replaces_id,
        "reply_to_id": doc.reply_to_id,
        "completes_reply": doc.completes_reply,
        "recipients": [
            {
                "kind": r.kind,
                "org_id": r.org_id,
                "agency_code": r.agency_code,
                "name": r.name,
                "addressed": r.addressed,
            }
            for r in doc.recipients
        ],
        "attachments": [outgoing_attachment_json(a) for a in doc.attachments],
        "created_at": iso_datetime(doc.created_at),
        "updated_at": iso_datetime(doc.updated_at),
    }


def review_json(stage: OutgoingReview, current: OutgoingReview | None) -> Json:
    return {
        "position": stage.position,
        "kind": stage.kind,
        "label": stage.label,
        "holder": _person(stage.user),
        "decision": stage.decision,
        "decision_label": DECISION_LABELS.get(stage.decision) if stage.decision else None,
        "decided_by": _person(stage.decided_by),
        "decided_at": iso_datetime(stage.decided_at),
        "comment": stage.comment,
        "is_current": stage is current,
    }


def reviews_json(doc: OutgoingDocument) -> list[Json]:
    """Every round of review, oldest first, each with its stages in order."""
    current = current_stage(doc)
    ordered = sorted(doc.reviews, key=lambda r: (r.round, r.position))
    return [
        {"round": number, "stages": [review_json(stage, current) for stage in stages]}
        for number, stages in groupby(ordered, key=lambda r: r.round)
    ]


def delivery_event_json(event: DeliveryEvent) -> Json:
    return {
        "status": event.status,
        "status_label": _status_label(event.status),
        "at": iso_datetime(event.at),
        "note": event.note,
    }


def delivery_json(delivery: Delivery) -> Json:
    """One recipient's copy as the sender follows it, with every status it went through."""
    return {
        "id": delivery.id,
        "recipient": {
            "org_id": delivery.recipient_org_id,
            "name": delivery.recipient_name,
            "agency_code": delivery.agency_code,
        },
        "channel": delivery.channel,
        "channel_label": CHANNEL_LABELS.get(delivery.channel, delivery.channel),
        "status": delivery.status,
        "status_label": _status_label(delivery.status),
        "status_at": iso_datetime(delivery.status_at),
        "reason": delivery.reason,
        "events": [delivery_event_json(e) for e in delivery.events],
        # The hub's side of an exchange copy (all null or 0 for a copy inside the system).
        "exchange_state": delivery.exchange_state,
        "attempts": delivery.attempts,
        "last_error": delivery.last_error,
        "sent_at": iso_datetime(delivery.sent_at),
    }


def version_json(version: OutgoingVersion) -> Json:
    return {
        "number": version.number,
        "subject": version.subject,
        "source": version.source,
        "note": version.note,
        "fields": version.fields or {},
        "created_by": _person(version.created_by),
        "created_at": iso_datetime(version.created_at),
    }


def outgoing_step_json(doc: OutgoingDocument, step: Step) -> Json:
    return {
        "step": step.name,
        "label": step.label,
        "url": url_for(f"api.outgoing_step_{step.name}", doc_id=doc.id),
        "fields": list(step.fields),
        "required": list(step.required),
    }


def outgoing_detail_json(doc: OutgoingDocument, user: User) -> Json:
    """The document with its text, review rounds, deliveries, versions, history and what
    `user` may do with it now."""
    names = {transition.name for transition in available_steps(user, doc)}
    requests = requests_of(doc.id)
    followed = doc.state in (outgoing_flow.ISSUED, outgoing_flow.RECALLED)
    return {
        **outgoing_json(doc),
        "body_html": doc.body_html,
        "reviews": reviews_json(doc),
        "available_steps": [
            outgoing_step_json(doc, step) for name, step in STEPS.items() if name in names
        ],
        "deliveries": [delivery_json(d) for d in doc.deliveries],
        "versions": [version_json(v) for v in versions_of(doc)],
        "history": [event_json(e) for e in history("outgoing", doc.id)],
        # What the document asks its recipient schools for (eoffice.directives), and
        # where the issuing office follows their answers once it is issued.
        "requests": [report_request_json(r) for r in requests],
        "board_url": url_for("api.directive_board", doc_id=doc.id)
        if requests and followed
        else None,
    }


def inbox_item_json(delivery: Delivery) -> Json:
    """A copy delivered to the user's organisation, as its clerk sees it before registering."""
    doc = delivery.outgoing
    sender = doc.organisation
    return {
        "id": delivery.id,
        "status": delivery.status,
        "status_label": _status_label(delivery.status),
        "status_at": iso_datetime(delivery.status_at),
        "arrived_at": iso_datetime(delivery.created_at),
        "reason": delivery.reason,
        "sender": {"org_id": sender.id, "name": sender.name, "agency_code": sender.agency_code},
        "symbol": doc.symbol,
        "document_date": iso_date(doc.document_date),
        "document_type": {"id": doc.document_type.id, "name": doc.document_type.name},
        "subject": doc.subject,
        "signer_name": doc.signer.full_name if doc.signer else None,
        "signer_title": doc.signer_title,
        "urgency": _code_name(doc.urgency),
        "confidentiality": _code_name(doc.confidentiality),
        "attachment_count": len(doc.attachments),
        "register_url": url_for("api.register_delivery", delivery_id=delivery.id),
        "reject_url": url_for("api.reject_delivery", delivery_id=delivery.id),
    }


def choices_json(user: User, signers: list[User], organisations: list[Organisation]) -> Json:
    """What a drafter picks from: signers (with the signature block they would sign with)
    and the organisations of the deployment."""
    people = []
    for signer in signers:
        capacity, capacity_title, signer_title = signature_defaults(signer, user.organisation)
        people.append(
            {
                "id": signer.id,
                "full_name": signer.full_name,
                "title": signer.title,
                "capacity": str(capacity),
                "capacity_title": capacity_title,
                "signer_title": signer_title,
            }
        )
    return {
        "signers": people,
        "organisations": [
            {
                "id": org.id,
                "name": org.name,
                "short_name": org.short_name,
                "agency_code": org.agency_code,
            }
            for org in organisations
        ],
    }
