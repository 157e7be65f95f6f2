"""Which files to propose for a document, best first.

Whoever files a document rarely wants to scroll through the office's whole list. The
likeliest file is one that already holds its relatives: documents from the same sender
(an incoming document), or the other half of a reply (the outgoing reply to an incoming
document — `OutgoingDocument.reply_to_id` — and the incoming document an outgoing one
answers, or the document it replaces). Next come the files the person keeps, then the
files of their unit (the unit of the file's heading in the list, or of a file outside
the list), then whatever was worked on most recently.

Only files the person may file into are proposed (eoffice.casefiles.filing), and not
those already holding the document: the pages list those separately. Two queries
whatever the size of the office: the document, then one ordered query with the
relatives as sub-queries.
"""

from __future__ import annotations

from sqlalchemy import Select, case, false, func, or_, select

from eoffice.casefiles.filing import fileable_filter
from eoffice.casefiles.models import CaseFile, CaseFileItem, FileHeading
from eoffice.extensions import db
from eoffice.incoming.models import IncomingDocument
from eoffice.orgs.models import User
from eoffice.outgoing.models import OutgoingDocument

DEFAULT_LIMIT = 5


def proposed_files(
    user: User,
    incoming_id: int | None = None,
    outgoing_id: int | None = None,
    limit: int = DEFAULT_LIMIT,
) -> list[CaseFile]:
    """Open (or planned) files of the user's organisation to file the document into."""
    relatives, holding = _relatives(user, incoming_id, outgoing_id)
    if holding is None:
        return []
    order = []
    if relatives is not None:
        order.append(case((CaseFile.id.in_(relatives), 1), else_=0).desc())
    order.append(case((CaseFile.keeper_id == user.id, 1), else_=0).desc())
    if user.unit_id is not None:
        unit_id = func.coalesce(FileHeading.unit_id, CaseFile.unit_id)
        order.append(case((unit_id == user.unit_id, 1), else_=0).desc())
    query = (
        select(CaseFile)
        .outerjoin(FileHeading, FileHeading.id == CaseFile.heading_id)
        .where(fileable_filter(user), CaseFile.id.not_in(holding))
        .order_by(*order, CaseFile.updated_at.desc(), CaseFile.id.desc())
        .limit(max(1, limit))
    )
    return list(db.session.scalars(query))


def _relatives(
    user: User, incoming_id: int | None, outgoing_id: int | None
) -> tuple[Select | None, Select | None]:
    """(ids of the files holding the document's relatives, ids of the files holding the
    document itself); (None, None) when the document is not the user's office's."""
    if incoming_id:
        doc = db.session.get(IncomingDocument, incoming_id)
        if doc is None or doc.org_id != user.org_id:
            return None, None
        if doc.sender_org_id is not None:
            same_sender = IncomingDocument.sender_org_id == doc.sender_org_id
        else:
            same_sender = IncomingDocument.sender_name_folded == doc.sender_name_folded
        senders = select(IncomingDocument.id).where(
            IncomingDocument.org_id == user.org_id,
            IncomingDocument.id != doc.id,
            same_sender,
        )
        replies = select(OutgoingDocument.id).where(
            OutgoingDocument.org_id == user.org_id, OutgoingDocument.reply_to_id == doc.id
        )
        relatives = select(CaseFileItem.case_file_id).where(
            or_(CaseFileItem.incoming_id.in_(senders), CaseFileItem.outgoing_id.in_(replies))
        )
        holding = select(CaseFileItem.case_file_id).where(CaseFileItem.incoming_id == doc.id)
        return relatives, holding
    if outgoing_id:
        out = db.session.get(OutgoingDocument, outgoing_id)
        if out is None or out.org_id != user.org_id:
            return None, None
        conditions = []
        if out.reply_to_id is not None:
            conditions.append(CaseFileItem.incoming_id == out.reply_to_id)
            siblings = select(OutgoingDocument.id).where(
                OutgoingDocument.org_id == user.org_id,
                OutgoingDocument.reply_to_id == out.reply_to_id,
                OutgoingDocument.id != out.id,
            )
            conditions.append(CaseFileItem.outgoing_id.in_(siblings))
        if out.replaces_id is not None:
            conditions.append(CaseFileItem.outgoing_id == out.replaces_id)
        relatives = (
            select(CaseFileItem.case_file_id).where(or_(*conditions)) if conditions else None
        )
        holding = select(CaseFileItem.case_file_id).where(CaseFileItem.outgoing_id == out.id)
        return relatives, holding
    # No document: the user's own files and their unit's, most recent first.
    return None, select(CaseFileItem.case_file_id).where(false())
