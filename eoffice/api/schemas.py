"""JSON shapes of the API's answers. openapi.py describes exactly these dictionaries.

Instants are written in office time with their offset (2026-09-20T08:30:00+07:00), so
a client never has to guess the zone; calendar dates are plain YYYY-MM-DD.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import url_for

from eoffice.api.steps import Step, available
from eoffice.catalog.models import ConfidentialityLevel, DocumentType, RegisterBook, UrgencyLevel
from eoffice.core.audit import ACTION_LABELS
from eoffice.core.models import AuditEvent
from eoffice.core.timeutil import to_local
from eoffice.incoming.access import can_register
from eoffice.incoming.models import (
    SOURCE_LABELS,
    STATE_LABELS,
    Assignment,
    IncomingAttachment,
    ResultFile,
)
from eoffice.incoming.models import IncomingDocument as Doc
from eoffice.orgs.models import ROLE_LABELS, Organisation, Unit, User
from workflows.calendar import WorkingCalendar, due_state

Json = dict[str, Any]


def iso_datetime(value: datetime | None) -> str | None:
    local = to_local(value)
    return local.isoformat(timespec="seconds") if local else None


def iso_date(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _person(user: User | None) -> Json | None:
    return {"id": user.id, "full_name": user.full_name} if user else None


def _unit(unit: Unit | None) -> Json | None:
    return {"id": unit.id, "name": unit.name} if unit else None


def _file_json(file: IncomingAttachment | ResultFile, download_url: str) -> Json:
    stored = file.stored_file
    return {
        "id": file.id,
        "name": file.original_name,
        "size": stored.size,
        "mime_type": stored.mime_type,
        "sha256": stored.sha256,
        "added_at": iso_datetime(file.added_at),
        "download_url": download_url,
    }


def attachment_json(attachment: IncomingAttachment) -> Json:
    return _file_json(
        attachment,
        url_for("api.download_file", doc_id=attachment.document_id, attachment_id=attachment.id),
    )


def result_file_json(found: ResultFile, doc_id: int) -> Json:
    return _file_json(found, url_for("api.download_result", doc_id=doc_id, file_id=found.id))


def document_json(doc: Doc) -> Json:
    """One register entry with every field of the register and its files."""
    book = doc.register_book
    return {
        "id": doc.id,
        "url": url_for("api.get_incoming", doc_id=doc.id),
        "arrival_number": doc.arrival_number,
        "register_book": {
            "id": book.id,
            "code": book.code,
            "name": book.name,
            "year": book.year,
            "is_confidential": book.is_confidential,
        },
        "arrived_at": iso_datetime(doc.arrived_at),
        "registered_at": iso_datetime(doc.registered_at),
        "registered_by": _person(doc.registered_by),
        "sender": {
            "org_id": doc.sender_org_id,
            "name": doc.sender_name,
            "agency_code": doc.sender_agency_code,
        },
        "symbol": doc.symbol,
        "code_number": doc.code_number,
        "code_notation": doc.code_notation,
        "document_date": iso_date(doc.document_date),
        "document_type": {"id": doc.document_type.id, "name": doc.document_type.name},
        "subject": doc.subject,
        "signer_name": doc.signer_name,
        "signer_position": doc.signer_position,
        "page_count": doc.page_count,
        "urgency": {"code": doc.urgency.code, "name": doc.urgency.name},
        "confidentiality": {"code": doc.confidentiality.code, "name": doc.confidentiality.name},
        "source": doc.source,
        "source_label": doc.source_label,
        "recipient_unit": _unit(doc.recipient_unit),
        "recipient_user": _person(doc.recipient_user),
        "deadline": iso_date(doc.deadline),
        "notes": doc.notes,
        "state": doc.state,
        "state_label": doc.state_label,
        "cancel_reason": doc.cancel_reason,
        "reply_reference": doc.reply_reference,
        "updated_at": iso_datetime(doc.updated_at),
        "attachments": [attachment_json(a) for a in doc.attachments],
    }


def event_json(event: AuditEvent) -> Json:
    return {
        "id": event.id,
        "at": iso_datetime(event.at),
        "action": event.action,
        "action_label": ACTION_LABELS.get(event.action, event.action),
        "actor": _person(event.actor),
        "changes": event.changes or {},
        "note": event.note,
    }


def party_token(part: Assignment) -> str:
    return f"user:{part.user_id}" if part.user_id is not None else f"unit:{part.unit_id}"


def assignment_json(part: Assignment) -> Json:
    """One part (phân công); ended parts stay, so who held what is never lost."""
    return {
        "id": part.id,
        "kind": part.kind,
        "kind_label": part.kind_label,
        "party": party_token(part),
        "holder_label": part.holder_label,
        "user": _person(part.user),
        "unit": _unit(part.unit),
        "state": part.state,
        "state_label": part.state_label,
        "is_current": part.is_current,
        "deadline": iso_date(part.deadline),
        "instruction": part.instruction,
        "progress_percent": part.progress_percent,
        "result": part.result,
        "result_files": [result_file_json(f, part.document_id) for f in part.result_files],
        "assigned_by": _person(part.assigned_by),
        "assigned_at": iso_datetime(part.created_at),
        "updated_at": iso_datetime(part.updated_at),
    }


def work_item_json(part: Assignment, now: datetime, calendar: WorkingCalendar) -> Json:
    """One open part of /me/work, with where its deadline stands today."""
    doc = part.document
    due = due_state(part.deadline, now, calendar)
    return {
        "part": assignment_json(part),
        "due_state": due.value,
        "due_state_label": due.label,
        "document": {
            "id": doc.id,
            "url": url_for("api.get_incoming", doc_id=doc.id),
            "arrival_number": doc.arrival_number,
            "symbol": doc.symbol,
            "sender_name": doc.sender_name,
            "subject": doc.subject,
            "urgency": {"code": doc.urgency.code, "name": doc.urgency.name},
            "state": doc.state,
            "state_label": doc.state_label,
        },
    }


def step_json(doc: Doc, step: Step) -> Json:
    return {
        "step": step.name,
        "label": step.label,
        "url": url_for(f"api.step_{step.name}", doc_id=doc.id),
        "fields": list(step.fields),
        "required": list(step.required),
    }


def document_detail_json(doc: Doc, events: list[AuditEvent], user: User) -> Json:
    """The document with its history, its parts and what `user` may do with it now."""
    return {
        **document_json(doc),
        "history": [event_json(e) for e in events],
        "assignments": [assignment_json(part) for part in doc.assignments],
        "available_steps": [step_json(doc, step) for step in available(user, doc)],
    }


def duplicate_json(doc: Doc) -> Json:
    """An earlier entry that a new registration may repeat."""
    return {
        "id": doc.id,
        "url": url_for("api.get_incoming", doc_id=doc.id),
        "arrival_number": doc.arrival_number,
        "arrived_at": iso_datetime(doc.arrived_at),
        "register_book_id": doc.register_book_id,
        "sender_name": doc.sender_name,
        "symbol": doc.symbol,
        "document_date": iso_date(doc.document_date),
        "subject": doc.subject,
    }


def organisation_json(org: Organisation) -> Json:
    return {
        "id": org.id,
        "name": org.name,
        "short_name": org.short_name,
        "agency_code": org.agency_code,
        "kind": org.kind,
        "kind_label": org.kind_label,
    }


def me_json(user: User) -> Json:
    roles = sorted(user.roles)
    return {
        "user": {
            "id": user.id,
            "email": user.email,
            "full_name": user.full_name,
            "title": user.title,
            "roles": roles,
            "role_labels": [ROLE_LABELS.get(r, r) for r in roles],
            "unit": _unit(user.unit),
            "can_register": can_register(user),
        },
        "organisation": organisation_json(user.organisation),
    }


def catalog_json(
    *,
    document_types: list[DocumentType],
    urgency_levels: list[UrgencyLevel],
    confidentiality_levels: list[ConfidentialityLevel],
    register_books: list[RegisterBook],
    units: list[Unit],
    users: list[User],
) -> Json:
    return {
        "document_types": [
            {"id": t.id, "name": t.name, "abbreviation": t.abbreviation} for t in document_types
        ],
        "urgency_levels": [
            {"code": u.code, "name": u.name, "rank": u.rank, "is_urgent": u.is_urgent}
            for u in urgency_levels
        ],
        "confidentiality_levels": [
            {"code": c.code, "name": c.name, "rank": c.rank, "is_secret": c.is_secret}
            for c in confidentiality_levels
        ],
        "sources": [{"code": s.value, "name": label} for s, label in SOURCE_LABELS.items()],
        "states": [{"code": s.value, "name": label} for s, label in STATE_LABELS.items()],
        "register_books": [
            {"code": b.code, "name": b.name, "year": b.year, "is_confidential": b.is_confidential}
            for b in register_books
        ],
        "units": [{"id": u.id, "name": u.name, "short_name": u.short_name} for u in units],
        "users": [
            {"id": u.id, "full_name": u.full_name, "title": u.title, "unit_id": u.unit_id}
            for u in users
        ],
    }
