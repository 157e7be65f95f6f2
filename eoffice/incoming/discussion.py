"""Ý kiến trao đổi: a comment on a document's timeline, outside the workflow.

People handling a document ask and answer each other ("số liệu lấy theo học kỳ nào?")
while nothing moves. A comment is not a step: it changes no state and needs no rule
of the workflow beyond seeing the document, so it lives here and not in `workflows/`.
It is an audit event like every step, so the timeline shows it in its place.
"""

from __future__ import annotations

from eoffice.core.errors import Conflict, ValidationFailed
from eoffice.core.text import clean_multiline
from eoffice.incoming.models import IncomingDocument, IncomingState
from eoffice.incoming.processing import _load, _record, _transaction
from eoffice.notifications import hooks as notifications
from eoffice.orgs.models import User

COMMENT = "comment"
MAX_COMMENT = 1000  # the length of an audit note


def can_comment(actor: User, doc: IncomingDocument) -> bool:
    """Anyone who may see the document, unless its entry was cancelled."""
    return doc.state != IncomingState.CANCELLED


@_transaction
def comment(actor: User, doc_id: int, text: str) -> IncomingDocument:
    doc = _load(actor, doc_id)
    text = clean_multiline(text)
    if not can_comment(actor, doc):
        raise Conflict("Văn bản đã hủy vào sổ, không nhận thêm ý kiến.")
    if not text:
        message = "Vui lòng nhập nội dung ý kiến."
        raise ValidationFailed(message, field_errors={"note": message})
    if len(text) > MAX_COMMENT:
        message = f"Ý kiến tối đa {MAX_COMMENT} ký tự."
        raise ValidationFailed(message, field_errors={"note": message})
    _record(actor, doc, "commented", None, note=text)
    notifications.after_comment(actor, doc, text)
    return doc
