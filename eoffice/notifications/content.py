"""The Vietnamese words of each notification: one title and one body per kind."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from eoffice.core.timeutil import format_date
from eoffice.incoming.models import IncomingDocument
from eoffice.notifications.models import NotificationKind


@dataclass(frozen=True)
class Message:
    title: str
    body: str


def document_reference(doc: IncomingDocument) -> str:
    """How people name an incoming document: its symbol, else its arrival number."""
    return doc.symbol or f"số đến {doc.arrival_number}"


def document_path(doc_id: int) -> str:
    """The document page as a path, built without a request (jobs have none)."""
    adapter = current_app.url_map.bind("localhost")
    return adapter.build("incoming.detail", {"doc_id": doc_id})


def _deadline(doc: IncomingDocument) -> str:
    return format_date(doc.deadline) or "không có"


def compose(
    kind: NotificationKind,
    doc: IncomingDocument,
    *,
    role: str | None = None,
    reason: str | None = None,
) -> Message:
    """Title and body; `role` names the part given ("chủ trì"), `reason` why it was returned."""
    ref = document_reference(doc)
    about = f"{doc.sender_name}: {doc.subject}"
    if kind == NotificationKind.ASSIGNED:
        part = role or "xử lý"
        return Message(
            f"Bạn được phân công {part} văn bản {ref}",
            f"Văn bản {ref} của {about}. Hạn xử lý: {_deadline(doc)}.",
        )
    if kind == NotificationKind.URGENT_ARRIVED:
        return Message(
            f"Văn bản {doc.urgency.name.lower()} vừa đến: {ref}",
            f"Văn bản {ref} của {about}. Vui lòng xem và cho ý kiến chỉ đạo ngay.",
        )
    if kind == NotificationKind.DEADLINE_TOMORROW:
        return Message(
            f"Văn bản {ref} sắp đến hạn xử lý ({_deadline(doc)})",
            f"Văn bản {ref} của {about} đến hạn xử lý vào ngày {_deadline(doc)}.",
        )
    if kind == NotificationKind.OVERDUE:
        return Message(
            f"Văn bản {ref} đã quá hạn xử lý ({_deadline(doc)})",
            f"Văn bản {ref} của {about} đã quá hạn xử lý từ ngày {_deadline(doc)}.",
        )
    if kind == NotificationKind.RETURNED:
        return Message(
            f"Văn bản {ref} bị trả lại văn thư",
            f"Văn bản {ref} của {about} bị trả lại. Lý do: {reason or doc.state_reason or ''}",
        )
    raise ValueError(kind)
