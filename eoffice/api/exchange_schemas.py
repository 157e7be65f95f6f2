"""JSON shapes of /api/v1/exchange; spec_schemas.exchange_schemas describes exactly these.

Conventions as in api.schemas: every key always written (null when empty), instants in
office time with their offset, calendar dates as YYYY-MM-DD. Labels are those of the
exchange's own modules (packet_log), so the API says what the pages say.
"""

from __future__ import annotations

from typing import Any

from flask import url_for

from eoffice.api.exchange_parsing import ACCEPT_RECALL, REFUSE_RECALL, REJECT
from eoffice.api.schemas import _person, iso_date, iso_datetime
from eoffice.api.steps import Step
from eoffice.exchange import edxml, inbox
from eoffice.exchange.checks import CheckNowResult, Confirmation
from eoffice.exchange.checks_models import CheckRun
from eoffice.exchange.models import ExchangePacket, PacketDirection, PacketKind, PacketState
from eoffice.exchange.packet_log import BUSINESS_LABELS, DIRECTION_LABELS, KIND_LABELS, Entry
from eoffice.exchange.packet_log import STATE_LABELS as LOG_STATE_LABELS
from eoffice.exchange.receiving import RECALL_STATUS, is_recall
from eoffice.orgs.models import Role, User

Json = dict[str, Any]

DOCUMENT, RECALL = "document", "recall"
INBOX_KIND_LABELS = {DOCUMENT: "Văn bản chờ vào sổ", RECALL: "Yêu cầu thu hồi"}
REGISTER_LABEL = "Vào sổ văn bản đến"
SOURCE_NAMES = {"p": "packet", "d": "delivery"}


def _state_label(state: str) -> str:
    return LOG_STATE_LABELS.get(state, state)


def _business_label(value: int | None) -> str | None:
    if value is None:
        return None
    try:
        return BUSINESS_LABELS[edxml.BusinessDocType(value)]
    except ValueError:
        return None


def _packet_url(packet_id: int) -> str:
    return url_for("api.get_exchange_packet", packet_id=packet_id)


def inbox_item_json(row: ExchangePacket) -> Json:
    """A received document or recall request, as the clerk's list shows it."""
    kind = RECALL if is_recall(row) else DOCUMENT
    refers = row.refers_to
    return {
        "id": row.id,
        "url": _packet_url(row.id),
        "kind": kind,
        "kind_label": INBOX_KIND_LABELS[kind],
        "business_type": row.business_type,
        "business_type_label": _business_label(row.business_type),
        "status_code": row.status_code,
        "document_id": row.document_id,
        "sender": {"agency_code": row.counterpart_code, "name": row.counterpart_name},
        "symbol": row.symbol,
        "document_date": iso_date(row.document_date),
        "subject": row.subject,
        "description": row.description,
        "state": row.state,
        "state_label": _state_label(row.state),
        "received_at": iso_datetime(row.created_at),
        "refers_to": None
        if refers is None
        else {
            "id": refers.id,
            "url": _packet_url(refers.id),
            "symbol": refers.symbol,
            "subject": refers.subject,
            "state": refers.state,
            "state_label": _state_label(refers.state),
        },
    }


def _document_json(packet: edxml.DocumentPacket | None) -> Json | None:
    """What the packet itself says (for a recall request: the recalled document)."""
    if packet is None:
        return None
    return {
        "document_type": {"code": packet.document_type.code, "name": packet.document_type.name},
        "code_number": packet.code_number,
        "code_notation": packet.code_notation,
        "promulgation_place": packet.promulgation_place or None,
        "promulgation_date": iso_date(packet.promulgation_date),
        "signer": {
            "full_name": packet.signer.full_name,
            "position": packet.signer.position or None,
            "competence": packet.signer.competence or None,
        },
        "priority": packet.priority,
        "due_date": iso_date(packet.due_date),
        "page_count": packet.page_amount,
    }


def _file_json(row: ExchangePacket, index: int, attachment: edxml.Attachment) -> Json:
    return {
        "index": index,
        "name": attachment.name,
        "mime_type": attachment.mime,
        "size": len(attachment.data),
        "description": attachment.description,
        "download_url": url_for("api.download_exchange_file", packet_id=row.id, index=index),
    }


def _action_json(row: ExchangePacket, step: Step) -> Json:
    """A step's name is its route's endpoint (api.exchange registers them so)."""
    return {
        "action": step.name,
        "label": step.label,
        "url": url_for(f"api.{step.name}", packet_id=row.id),
        "fields": list(step.fields),
        "required": list(step.required),
    }


REGISTER = Step("register_exchange_packet", REGISTER_LABEL, ("book_code",), (), lambda *_: None)


def available_actions(row: ExchangePacket, user: User) -> list[Json]:
    """What `user` may answer now, by the service's rules (clerks register; clerks and
    leaders refuse and answer recalls; only while the item awaits an answer)."""
    if row.state != PacketState.AWAITING or not user.has_role(*inbox.READERS):
        return []
    if is_recall(row):
        steps = [ACCEPT_RECALL, REFUSE_RECALL]
    else:
        steps = [REGISTER, REJECT] if user.has_role(Role.CLERK) else [REJECT]
    return [_action_json(row, step) for step in steps]


def inbox_detail_json(row: ExchangePacket, user: User) -> Json:
    """The item with the document's fields, its files, the answer given and what is open."""
    files = inbox.files(user, row.id)
    incoming = row.incoming_document_id
    answered = row.state in (PacketState.REJECTED, PacketState.REFUSED)
    return {
        **inbox_item_json(row),
        "document": _document_json(inbox.document_of(row)),
        "files": [_file_json(row, n, a) for n, a in enumerate(files, start=1)],
        "reason": row.last_error if answered else None,
        "done_at": iso_datetime(row.done_at),
        "done_by": _person(row.done_by),
        "incoming_document": None
        if incoming is None
        else {"id": incoming, "url": url_for("api.get_incoming", doc_id=incoming)},
        "available_actions": available_actions(row, user),
    }


# Check times -----------------------------------------------------------------------------


def check_run_json(run: CheckRun) -> Json:
    return {
        "id": run.id,
        "trigger": run.trigger,
        "trigger_label": run.trigger_label,
        "state": run.state,
        "state_label": run.state_label,
        "day": iso_date(run.day),
        "slot_time": run.slot_time.strftime("%H:%M") if run.slot_time else None,
        "started_at": iso_datetime(run.started_at),
        "finished_at": iso_datetime(run.finished_at),
        "documents": run.documents,
        "error": run.error,
        "confirmed_at": iso_datetime(run.confirmed_at),
        "confirmed_by": _person(run.confirmed_by),
    }


def check_result_json(result: CheckNowResult) -> Json:
    counts = result.counts
    return {
        "ok": counts.error is None,
        "message": result.message,
        "error": counts.error,
        "exchange_enabled": counts.configured,
        "documents": counts.documents,
        "statuses": counts.statuses,
        "recalls": counts.recalls,
        "refused": counts.refused,
        "run": check_run_json(result.run),
    }


def confirmation_json(done: Confirmation) -> Json:
    if done.new:
        message = f"Đã xác nhận kiểm tra văn bản lượt {done.slot.label}: {done.state.label}."
    else:
        message = f"Lượt {done.slot.label} đã được xác nhận trước đó."
    return {
        "new": done.new,
        "message": message,
        "slot": {
            "day": iso_date(done.slot.day),
            "time": done.slot.at.strftime("%H:%M"),
            "label": done.slot.label,
        },
        "state": done.state.value,
        "state_label": done.state.label,
        "run": check_run_json(done.run),
    }


# The packet log --------------------------------------------------------------------------


def _inbox_url(entry: Entry) -> str | None:
    """Inbound documents and recall requests are read and answered in the exchange inbox."""
    if entry.source != "p" or entry.direction != PacketDirection.IN:
        return None
    if entry.kind == PacketKind.DOCUMENT or entry.status_code == RECALL_STATUS:
        return _packet_url(entry.id)
    return None


def log_entry_json(entry: Entry) -> Json:
    return {
        "source": SOURCE_NAMES[entry.source],
        "id": entry.id,
        "at": iso_datetime(entry.at),
        "direction": str(entry.direction),
        "direction_label": DIRECTION_LABELS.get(entry.direction, entry.direction),
        "kind": str(entry.kind),
        "kind_label": KIND_LABELS.get(entry.kind, entry.kind),
        "what": entry.what,
        "business_type": entry.business_type,
        "status_code": entry.status_code,
        "document_id": entry.document_id,
        "counterpart": {"agency_code": entry.counterpart_code, "name": entry.counterpart_name},
        "subject": entry.subject,
        "state": str(entry.state),
        "state_label": entry.state_label,
        "pending": entry.pending,
        "attempts": entry.attempts,
        "last_error": entry.last_error,
        "sent_at": iso_datetime(entry.sent_at),
        "sent_by": entry.sent_by,
        "outgoing_id": entry.outgoing_id,
        "outgoing_url": url_for("api.get_outgoing", doc_id=entry.outgoing_id)
        if entry.outgoing_id
        else None,
        "inbox_url": _inbox_url(entry),
    }
