"""The Vietnamese words of each notification: one title and one body per kind."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app

from eoffice.core.timeutil import format_date, to_local
from eoffice.incoming.models import IncomingDocument
from eoffice.notifications.models import NotificationKind
from eoffice.orgs.models import User


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


# Title and body per kind, as str.format templates over the words `compose` prepares:
# ref (the document's name), about (sender: subject), deadline, part, urgency, who,
# reason, detail.
TEMPLATES: dict[NotificationKind, tuple[str, str]] = {
    NotificationKind.ASSIGNED: (
        "Bạn được phân công {part} văn bản {ref}",
        "Văn bản {ref} của {about}. Hạn xử lý: {deadline}.",
    ),
    NotificationKind.URGENT_ARRIVED: (
        "Văn bản {urgency} vừa đến: {ref}",
        "Văn bản {ref} của {about}. Vui lòng xem và cho ý kiến chỉ đạo ngay.",
    ),
    NotificationKind.DEADLINE_TOMORROW: (
        "Văn bản {ref} sắp đến hạn xử lý ({deadline})",
        "Văn bản {ref} của {about} đến hạn xử lý vào ngày {deadline}.",
    ),
    NotificationKind.OVERDUE: (
        "Văn bản {ref} đã quá hạn xử lý ({deadline})",
        "Văn bản {ref} của {about} đã quá hạn xử lý từ ngày {deadline}.",
    ),
    NotificationKind.RETURNED: (
        "Văn bản {ref} bị trả lại văn thư",
        "Văn bản {ref} của {about} bị trả lại. Lý do: {reason}",
    ),
    NotificationKind.CONTRIBUTED: (
        "{who} đã gửi ý kiến phối hợp văn bản {ref}",
        "Văn bản {ref} của {about}. Ý kiến phối hợp: {detail}",
    ),
    NotificationKind.COMPLETED: (
        "Văn bản {ref} đã được xử lý xong",
        "{who} đã hoàn thành xử lý văn bản {ref} của {about}. Kết quả: {detail}",
    ),
    NotificationKind.REOPENED: (
        "Văn bản {ref} được mở lại để xử lý tiếp",
        "Văn bản {ref} của {about}. Lý do: {reason}. Hạn xử lý: {deadline}.",
    ),
    NotificationKind.COMMENTED: (
        "{who} có ý kiến về văn bản {ref}",
        "Văn bản {ref} của {about}. Ý kiến: {detail}",
    ),
    # Case files (eoffice.casefiles.warnings): ref names the file or counts the files,
    # deadline is the soonest date in force, detail lists them.
    NotificationKind.CASEFILE_HANDOVER_DUE: (
        "{ref} sắp đến hạn nộp lưu ({deadline})",
        "Cần nộp lưu vào lưu trữ cơ quan: {detail}",
    ),
}


HANDOVER_LINES_SHOWN = 10


def handover_due_message(files: Sequence[tuple[str, str, date]]) -> Message:
    """The 30-day warning of files due at the office archive: (code, title, date in
    force) of each, soonest first; a long list is cut after HANDOVER_LINES_SHOWN."""
    ordered = sorted(files, key=lambda f: (f[2], f[0]))
    shown = [f"{code} – {title} (hạn {format_date(due)})" for code, title, due in ordered]
    more = len(shown) - HANDOVER_LINES_SHOWN
    detail = "; ".join(shown[:HANDOVER_LINES_SHOWN]) + (
        f"; … và {more} hồ sơ khác." if more > 0 else "."
    )
    title, body = TEMPLATES[NotificationKind.CASEFILE_HANDOVER_DUE]
    words = {
        "ref": f"Hồ sơ {ordered[0][0]}" if len(ordered) == 1 else f"{len(ordered)} hồ sơ",
        "deadline": format_date(ordered[0][2]),
        "detail": detail,
    }
    return Message(title.format(**words), body.format(**words))


# What a person hears of a change to their own account (not of a document).
ACCOUNT_TEMPLATES: dict[NotificationKind, tuple[str, str]] = {
    NotificationKind.PASSWORD_RESET: (
        "Mật khẩu tài khoản của bạn đã được đặt lại",
        "Mật khẩu tài khoản của bạn đã được quản trị {admin} đặt lại lúc {when}. "
        "Nếu bạn không yêu cầu, hãy báo ngay cho quản trị hoặc lãnh đạo cơ quan.",
    ),
}


def password_reset_message(admin: User, at: datetime) -> Message:
    """What a person is told when an admin reset their password: who and when, and what
    to do if they did not ask. Never the temporary password (an e-mail box or the bell
    of an open session is exactly what the reset guards against)."""
    local = to_local(at)
    assert local is not None
    title, body = ACCOUNT_TEMPLATES[NotificationKind.PASSWORD_RESET]
    words = {"admin": admin.full_name, "when": f"{local:%H:%M} ngày {format_date(local)}"}
    return Message(title.format(**words), body.format(**words))


def compose(
    kind: NotificationKind,
    doc: IncomingDocument,
    *,
    role: str | None = None,
    reason: str | None = None,
    actor: User | None = None,
    detail: str | None = None,
) -> Message:
    """Title and body; `role` names the part given ("chủ trì"), `reason` why it was sent
    back, `actor` who took the step and `detail` what they wrote (a result, a contribution).
    """
    title, body = TEMPLATES[kind]
    words = {
        "ref": document_reference(doc),
        "about": f"{doc.sender_name}: {doc.subject}",
        "deadline": format_date(doc.deadline) or "không có",
        "part": role or "xử lý",
        "urgency": doc.urgency.name.lower(),
        "who": actor.full_name if actor is not None else "Người xử lý",
        "reason": reason or doc.state_reason or "",
        "detail": detail or "",
    }
    return Message(title.format(**words), body.format(**words))
