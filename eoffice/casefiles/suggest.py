"""Which files to propose for a document, best first, and the files a page offers.

Whoever files a document rarely wants to scroll through the office's whole list. The
likeliest file is one that already holds its relatives: documents from the same sender
(an incoming document), or the other half of a reply (the outgoing reply to an incoming
document — `OutgoingDocument.reply_to_id` — and the incoming document an outgoing one
answers, or the document it replaces). Next come the files the person keeps, then the
files of their unit (the unit of the file's heading in the list, or of a file outside
the list), then whatever was worked on most recently.

Only files the person may file into are proposed (eoffice.casefiles.filing), and not
those already holding the document: the pages list those separately.

The pages need little of a file (its id, code, title, year), so the files come as
`FileChoice` rows, not whole `CaseFile` objects, and one ranked query gives both the
proposals and the other files of the page's select (`document_choices`). The select is
bounded: an office keeping more files than `CHOICES_SHOWN` gets the most relevant ones
by the same ranking, and the page says how to reach the others (from the file's own
page). The relatives are looked for among the items of the files being ranked (files
still being kept), never among all the documents of the sender, which a big office
counts in tens of thousands.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, and_, case, false, func, or_, select

from eoffice.casefiles.filing import fileable_filter
from eoffice.casefiles.models import CaseFile, CaseFileItem, FileHeading
from eoffice.extensions import db
from eoffice.incoming.models import IncomingDocument
from eoffice.orgs.models import User
from eoffice.outgoing.models import OutgoingDocument

DEFAULT_LIMIT = 5
# The files a page's select lists at most: more is not a list anyone reads, and each one
# costs the page its row and its option.
CHOICES_SHOWN = 100


@dataclass(frozen=True, slots=True)
class FileChoice:
    """A file as a choice on a page: what its option or line shows."""

    id: int
    code: str
    title: str
    year: int
    number: int
    holds: bool = False  # already holds the document

    @property
    def label(self) -> str:
        return f"{self.code} – {self.title} ({self.year})"


@dataclass(frozen=True, slots=True)
class FilingChoices:
    """Where a document could be filed, for one person."""

    proposals: tuple[FileChoice, ...] = ()  # best first, none holding the document
    files: tuple[FileChoice, ...] = ()  # the files offered, newest year first, then number
    more: bool = False  # the person may file into more files than `files`


NO_CHOICES = FilingChoices()


def proposed_files(
    user: User,
    incoming_id: int | None = None,
    outgoing_id: int | None = None,
    limit: int = DEFAULT_LIMIT,
) -> list[FileChoice]:
    """Open (or planned) files of the user's organisation to file the document into."""
    return _ranked(user, incoming_id, outgoing_id, max(1, limit), with_holding=False) or []


def document_choices(
    user: User,
    incoming_id: int | None = None,
    outgoing_id: int | None = None,
    *,
    proposals: int = DEFAULT_LIMIT,
    shown: int = CHOICES_SHOWN,
) -> FilingChoices:
    """The proposals and the files a page offers for a document, in one query.

    `files` are every file the user may file into (those already holding the document
    too: filing into one of them is how the incoming FILE step ends), in the order of
    the office's list; when there are more than `shown`, the `shown` best ranked.
    """
    shown = max(1, shown)
    fetch = max(shown, proposals) + 1  # one more: whether there are more than shown
    ranked = _ranked(user, incoming_id, outgoing_id, fetch, with_holding=True)
    if not ranked:
        return NO_CHOICES
    offered = sorted(ranked[:shown], key=lambda f: (-f.year, f.number, f.code))
    return FilingChoices(
        # Files holding the document rank last, so the first `proposals` rows hold every
        # proposal there is.
        proposals=tuple(f for f in ranked[:proposals] if not f.holds),
        files=tuple(offered),
        more=len(ranked) > shown,
    )


def _ranked(
    user: User,
    incoming_id: int | None,
    outgoing_id: int | None,
    limit: int,
    *,
    with_holding: bool,
) -> list[FileChoice] | None:
    """The files the user may file the document into, best first; those holding it last
    (or left out). None when the document is not the user's office's."""
    found = _relatives(user, incoming_id, outgoing_id)
    if found is None:
        return None
    relatives, holding = found
    holds = CaseFile.id.in_(holding)
    order = [case((holds, 1), else_=0)] if with_holding else []
    if relatives is not None:
        order.append(case((relatives, 1), else_=0).desc())
    order.append(case((CaseFile.keeper_id == user.id, 1), else_=0).desc())
    if user.unit_id is not None:
        unit_id = func.coalesce(FileHeading.unit_id, CaseFile.unit_id)
        order.append(case((unit_id == user.unit_id, 1), else_=0).desc())
    query = (
        select(
            CaseFile.id,
            CaseFile.code,
            CaseFile.title,
            CaseFile.year,
            CaseFile.number,
            holds if with_holding else false(),
        )
        .outerjoin(FileHeading, FileHeading.id == CaseFile.heading_id)
        .where(fileable_filter(user))
        .order_by(*order, CaseFile.updated_at.desc(), CaseFile.id.desc())
        .limit(limit)
    )
    if not with_holding:
        query = query.where(CaseFile.id.not_in(holding))
    return [
        FileChoice(
            id=row[0], code=row[1], title=row[2], year=row[3], number=row[4], holds=bool(row[5])
        )
        for row in db.session.execute(query)
    ]


def _holds_any(*conditions: ColumnElement[bool]) -> ColumnElement[bool]:
    """Whether the file being ranked has an item matching one of `conditions` (on the
    item and its incoming or outgoing document), looked up file by file in one pass
    over its items (the index of the items by file, then each document by its key).

    `OFFSET 0` keeps PostgreSQL from turning the EXISTS into one hashed set of every
    matching item of the office: that set starts from all the documents of the sender
    (no index leads there), 90–250 ms for a sender of a few thousand documents, where
    the files being kept hold a few thousand items in all (about 10 ms).
    """
    return (
        select(CaseFileItem.id)
        .outerjoin(IncomingDocument, IncomingDocument.id == CaseFileItem.incoming_id)
        .outerjoin(OutgoingDocument, OutgoingDocument.id == CaseFileItem.outgoing_id)
        .where(CaseFileItem.case_file_id == CaseFile.id, or_(*conditions))
        .offset(0)
        .exists()
    )


def _relatives(
    user: User, incoming_id: int | None, outgoing_id: int | None
) -> tuple[ColumnElement[bool] | None, Select] | None:
    """(whether the ranked file holds one of the document's relatives, the ids of the
    files holding the document itself); None when the document is not the user's
    office's.

    The relatives are looked for among the ranked file's own items: the work is bounded
    by the documents in the files still being kept, whatever the number of documents
    from the same sender or of replies in the office.
    """
    org_id = user.org_id
    if incoming_id:
        doc = db.session.get(IncomingDocument, incoming_id)
        if doc is None or doc.org_id != org_id:
            return None
        if doc.sender_org_id is not None:
            same_sender = IncomingDocument.sender_org_id == doc.sender_org_id
        else:
            same_sender = IncomingDocument.sender_name_folded == doc.sender_name_folded
        relatives = _holds_any(
            and_(IncomingDocument.org_id == org_id, IncomingDocument.id != doc.id, same_sender),
            and_(OutgoingDocument.org_id == org_id, OutgoingDocument.reply_to_id == doc.id),
        )
        holding = select(CaseFileItem.case_file_id).where(CaseFileItem.incoming_id == doc.id)
        return relatives, holding
    if outgoing_id:
        out = db.session.get(OutgoingDocument, outgoing_id)
        if out is None or out.org_id != org_id:
            return None
        conditions = []
        if out.reply_to_id is not None:
            conditions.append(CaseFileItem.incoming_id == out.reply_to_id)
            conditions.append(  # the other replies to the same document
                and_(
                    OutgoingDocument.org_id == org_id,
                    OutgoingDocument.reply_to_id == out.reply_to_id,
                    OutgoingDocument.id != out.id,
                )
            )
        if out.replaces_id is not None:
            conditions.append(CaseFileItem.outgoing_id == out.replaces_id)
        holding = select(CaseFileItem.case_file_id).where(CaseFileItem.outgoing_id == out.id)
        return (_holds_any(*conditions) if conditions else None), holding
    # No document: the user's own files and their unit's, most recent first.
    return None, select(CaseFileItem.case_file_id).where(false())
