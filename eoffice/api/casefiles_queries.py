"""Read-only look-ups of /api/v1/casefiles that the pages do not need in this form.

The rules stay in eoffice.casefiles: every user of an organisation sees its files'
metadata (casefiles.access), and a filed document is opened only through its own
visibility (incoming.access, outgoing.involvement). What is here is the keyset page of
the files (the pages number their pages; a client follows a cursor) and which filed
documents the user may open, each in a constant number of queries.

The text filter folds code and title in Python with core.text.vn_fold, as
eoffice.casefiles.file_queries does (an office has a few hundred files a year and no
folded column for them), over the few columns of the rows the other filters leave.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import selectinload

from eoffice.api.casefiles_parsing import FileKey, FileQuery
from eoffice.casefiles.file_queries import MAX_SEARCH_WORDS
from eoffice.casefiles.files import ContentsRow
from eoffice.casefiles.models import CaseFile
from eoffice.core.text import vn_fold
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


def file_page(user: User, query: FileQuery) -> FilePage:
    """The organisation's files, newest year first, then by number and id; `query.after`
    continues after the last row of the previous page. Two queries: the matching rows'
    keys (filtered by text in Python), then the page's files with keeper and retention."""
    conditions = [CaseFile.org_id == user.org_id]
    if query.year is not None:
        conditions.append(CaseFile.year == query.year)
    if query.state is not None:
        conditions.append(CaseFile.state == query.state)
    if query.keeper is not None:
        conditions.append(CaseFile.keeper_id == (user.id if query.keeper == "me" else query.keeper))
    if query.after is not None:
        after = query.after
        conditions.append(
            or_(
                CaseFile.year < after.year,
                and_(CaseFile.year == after.year, CaseFile.number > after.number),
                and_(
                    CaseFile.year == after.year,
                    CaseFile.number == after.number,
                    CaseFile.id > after.id,
                ),
            )
        )
    rows = db.session.execute(
        select(CaseFile.id, CaseFile.year, CaseFile.number, CaseFile.code, CaseFile.title)
        .where(*conditions)
        .order_by(CaseFile.year.desc(), CaseFile.number, CaseFile.id)
    ).all()
    words = vn_fold(query.text or "").split()[:MAX_SEARCH_WORDS]
    if words:
        rows = [r for r in rows if all(w in vn_fold(f"{r.code} {r.title}") for w in words)]
    chosen = rows[: query.limit]
    next_key = None
    if len(rows) > query.limit:
        last = chosen[-1]
        next_key = FileKey(last.year, last.number, last.id)
    found = {
        f.id: f
        for f in db.session.scalars(
            select(CaseFile)
            .where(CaseFile.id.in_([r.id for r in chosen]))
            .options(selectinload(CaseFile.keeper), selectinload(CaseFile.retention))
        )
    }
    return FilePage([found[r.id] for r in chosen], next_key)


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
