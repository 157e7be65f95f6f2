"""Read-only look-ups of /api/v1/casefiles that the pages do not need in this form.

The rules stay in eoffice.casefiles: every user of an organisation sees its files'
metadata (casefiles.access), and a filed document is opened only through its own
visibility (incoming.access, outgoing.involvement). What is here is the API's keyset
page of the files (its cursor, FileKey, is the API's own) and which filed documents the
user may open, each in a constant number of queries.

The text filter is eoffice.casefiles.file_queries's, in SQL on the folded code and title
(`CaseFile.title_folded`), so a page is one query with a LIMIT whatever the office holds.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select

from eoffice.api.casefiles_parsing import FileKey, FileQuery
from eoffice.casefiles.file_queries import ROW_LOADS, text_conditions
from eoffice.casefiles.files import ContentsRow
from eoffice.casefiles.models import CaseFile
from eoffice.core.pagination import SortKey
from eoffice.extensions import db
from eoffice.incoming import access as incoming_access
from eoffice.incoming.models import IncomingDocument
from eoffice.orgs.models import User
from eoffice.outgoing import involvement as outgoing_access
from eoffice.outgoing.models import OutgoingDocument


@dataclass
class FilePage:
    items: list[CaseFile]
    next_key: FileKey | None


# The API's order of files (its cursor holds year, number and id, FileKey): newest year
# first, then by number and id. ix_case_files_org_order walks it for one organisation.
API_FILE_ORDER = SortKey(
    "api.casefiles", ((CaseFile.year, True), (CaseFile.number, False), (CaseFile.id, False))
)


def file_page(user: User, query: FileQuery) -> FilePage:
    """The organisation's files, newest year first, then by number and id; `query.after`
    continues after the last row of the previous page. One query for the page's files
    (one more than a page, to know whether another follows; every filter in SQL), and
    their keepers and retention levels."""
    conditions = [CaseFile.org_id == user.org_id, *text_conditions(query.text)]
    if query.year is not None:
        conditions.append(CaseFile.year == query.year)
    if query.state is not None:
        conditions.append(CaseFile.state == query.state)
    if query.keeper is not None:
        conditions.append(CaseFile.keeper_id == (user.id if query.keeper == "me" else query.keeper))
    if query.after is not None:
        after = query.after
        conditions.append(API_FILE_ORDER.beyond((after.year, after.number, after.id)))
    rows = list(
        db.session.scalars(
            select(CaseFile)
            .where(*conditions)
            .options(*ROW_LOADS)
            .order_by(*API_FILE_ORDER.order_by())
            .limit(query.limit + 1)
        )
    )
    chosen = rows[: query.limit]
    next_key = None
    if len(rows) > query.limit:
        last = chosen[-1]
        next_key = FileKey(last.year, last.number, last.id)
    return FilePage(chosen, next_key)


def _visible(user: User, model, visible, ids: Iterable[int]) -> set[int]:
    wanted = set(ids)
    if not wanted:
        return set()
    return set(db.session.scalars(select(model.id).where(model.id.in_(wanted), visible)))


def openable(user: User, rows: list[ContentsRow]) -> tuple[set[int], set[int]]:
    """(incoming ids, outgoing ids) of the file's documents the user may open: the
    others stay lines of the contents list without an address (two queries at most)."""
    return (
        _visible(
            user,
            IncomingDocument,
            incoming_access.visible_filter(user),
            (r.document_id for r in rows if r.kind == "incoming"),
        ),
        _visible(
            user,
            OutgoingDocument,
            outgoing_access.visible_filter(user),
            (r.document_id for r in rows if r.kind == "outgoing"),
        ),
    )
