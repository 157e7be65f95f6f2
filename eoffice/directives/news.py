"""The words of the directive notifications: what a school and the district hear.

Composed here (like eoffice.outgoing.news) because they speak of requests and answers,
not of incoming documents; sent with eoffice.notifications.services.tell after the step
that causes them has committed.
"""

from __future__ import annotations

from eoffice.notifications.content import Message
from eoffice.notifications.models import NotificationKind

TEMPLATES: dict[NotificationKind, tuple[str, str]] = {
    NotificationKind.REPORT_REMINDER: (
        "Nhắc báo cáo: {ref}",
        "Yêu cầu «{about}» có hạn trả lời {deadline}. {detail}",
    ),
    NotificationKind.REPORT_RETURNED: (
        "Báo cáo được trả lại để bổ sung: {ref}",
        "{who} đề nghị bổ sung câu trả lời cho yêu cầu «{about}»: {reason}",
    ),
    NotificationKind.REPORT_ANSWERED: (
        "Đơn vị đã trả lời yêu cầu báo cáo: {ref}",
        "{who} đã trả lời yêu cầu «{about}». {detail}",
    ),
    NotificationKind.REPORT_DEADLINE_EXTENDED: (
        "Gia hạn trả lời báo cáo: {ref}",
        "Yêu cầu «{about}» được gia hạn đến {deadline}. {reason}",
    ),
}


def message(kind: NotificationKind, **words: object) -> Message:
    """The title and body of `kind` with its words filled in (unused words ignored)."""
    title, body = TEMPLATES[kind]
    return Message(title.format(**words), body.format(**words).strip())


def about(what: str, limit: int = 120) -> str:
    """A request's text on one line, cut at `limit` characters: the «{about}» of every
    notification, so a long request does not make a long subject."""
    line = " ".join(what.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"
