"""The duplicate warning: the same sender, number/symbol and date registered before.

The warning shows the earlier entries, so it must obey the same visibility as every
other read: a clerk who may not open a secret document is told that a matching entry
exists (the register must not get a second number for it unnoticed) but learns
nothing of its sender, number or subject.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from eoffice.core.errors import Conflict
from eoffice.core.text import vn_fold
from eoffice.core.timeutil import format_date
from eoffice.extensions import db
from eoffice.incoming.access import visible_filter
from eoffice.incoming.models import IncomingDocument, IncomingState
from eoffice.orgs.models import User

HIDDEN_ONLY_MESSAGE = (
    "Có văn bản trùng số, ký hiệu trong sổ mà bạn không có quyền xem; "
    "hãy hỏi lãnh đạo trước khi vào sổ."
)


class DuplicateSuspected(Conflict):
    """Earlier entries may be the same document: the clerk must confirm.

    `duplicates` are the entries the clerk may see (the API lists them);
    `hidden_count` counts matching entries they may not see.
    """

    code = "possible_duplicate"

    def __init__(self, duplicates: list[IncomingDocument], hidden_count: int = 0):
        if duplicates:
            first = duplicates[0]
            message = (
                "Văn bản này có thể đã được vào sổ: số đến "
                f"{first.arrival_number} ngày {format_date(first.arrived_at)} "
                f"({first.sender_name}, số {first.symbol}). "
                "Hãy kiểm tra và xác nhận nếu vẫn muốn vào sổ."
            )
            if hidden_count:
                message += (
                    f" Ngoài ra có {hidden_count} văn bản trùng mà bạn không có quyền xem; "
                    "hãy hỏi lãnh đạo trước khi vào sổ."
                )
        else:
            message = HIDDEN_ONLY_MESSAGE
        super().__init__(message)
        self.duplicates = duplicates
        self.hidden_count = hidden_count


def find_duplicates(
    actor: User,
    sender_name: str,
    code_number: str | None,
    code_notation: str | None,
    document_date: date | None,
) -> tuple[list[IncomingDocument], int]:
    """Earlier, not cancelled registrations of the same sender + number/symbol + date in
    the actor's organisation: those the actor may see, and how many others there are."""
    if not code_number and not code_notation:
        return [], 0
    doc = IncomingDocument
    conditions = [
        doc.org_id == actor.org_id,
        doc.sender_name_folded == vn_fold(sender_name),
        doc.code_number.is_(None) if code_number is None else doc.code_number == code_number,
        doc.state != IncomingState.CANCELLED,
    ]
    if code_notation is not None:
        conditions.append(doc.code_notation == code_notation)
    if document_date is not None:
        conditions.append(doc.document_date == document_date)
    # Counting first costs one indexed query in the usual case, where there is no match.
    total = db.session.scalar(select(func.count(doc.id)).where(*conditions)) or 0
    if not total:
        return [], 0
    visible = list(
        db.session.scalars(select(doc).where(*conditions, visible_filter(actor)).order_by(doc.id))
    )
    return visible, total - len(visible)
