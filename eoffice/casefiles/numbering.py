"""The number and code a new file gets (số và ký hiệu hồ sơ, `01.TCCB`).

A planned file takes the abbreviation of its large heading. Its number runs across the
whole list, or restarts in each large heading, as the list says (workflows.archive). A
file opened outside the list takes the next number across the organisation's files of
the year, with the abbreviation the keeper types.

Two people numbering at once take turns: the organisation's row is locked for the rest
of the transaction (PostgreSQL; SQLite serialises writers anyway), and the unique
(organisation, year, code) constraint is the last guard.
"""

from __future__ import annotations

from sqlalchemy import func, select

from eoffice.casefiles.models import CaseFile, FileHeading, FileList
from eoffice.extensions import db
from eoffice.orgs.models import Organisation
from workflows import archive


def large_heading(heading: FileHeading | None) -> FileHeading | None:
    """The large heading (đề mục lớn) a heading sits under, or itself."""
    while heading is not None and heading.parent_id is not None:
        heading = db.session.get(FileHeading, heading.parent_id)
    return heading


def lock_numbering(org_id: int) -> None:
    db.session.scalars(
        select(Organisation.id).where(Organisation.id == org_id).with_for_update()
    ).first()


def next_code(
    org_id: int,
    year: int,
    *,
    file_list: FileList | None = None,
    heading: FileHeading | None = None,
    notation: str | None = None,
) -> tuple[int, str | None, str]:
    """(number, notation, code) for a new file; call inside the creating transaction."""
    lock_numbering(org_id)
    top = large_heading(heading)
    if top is not None:
        notation = top.notation
    query = select(func.max(CaseFile.number)).where(
        CaseFile.org_id == org_id, CaseFile.year == year
    )
    if file_list is not None and top is not None and file_list.numbering == archive.WITHIN_HEADING:
        under = select(FileHeading.id).where(
            (FileHeading.id == top.id) | (FileHeading.parent_id == top.id)
        )
        query = query.where(CaseFile.heading_id.in_(under))
    number = archive.next_number([db.session.scalar(query) or 0])
    code = archive.file_code(number, notation)
    # Within-heading numbering gives two files "01" under two headings: different codes.
    # A typed abbreviation may still meet an existing code; step on until it is free.
    while db.session.scalar(
        select(func.count(CaseFile.id)).where(
            CaseFile.org_id == org_id, CaseFile.year == year, CaseFile.code == code
        )
    ):
        number += 1
        code = archive.file_code(number, notation)
    return number, notation, code
