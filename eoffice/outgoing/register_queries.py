"""The entries of the printed Sổ đăng ký văn bản đi, and who may print which book.

A document is in the register from the moment it took a number: recalling it later does
not take its line out (the series would have a gap), it only adds a note. Who may print:
the same people as the incoming register (clerks, leaders, deputies, admins); the
confidential book (văn bản mật đi, NĐ 30 Đ15.2: its own series) only the head's office
and Văn thư, who numbers and keeps those documents.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from eoffice.catalog.models import ConfidentialityLevel, RegisterBook
from eoffice.extensions import db
from eoffice.incoming.access import can_see_register
from eoffice.orgs.models import Role, User
from eoffice.outgoing.models import OutgoingDocument

CONFIDENTIAL_BOOK_ROLES = (Role.LEADER, Role.CLERK)


def can_print_register(user: User) -> bool:
    """The whole register is for clerks, leaders, deputies and admins, as for incoming."""
    return can_see_register(user)


def sees_confidential_book(user: User) -> bool:
    """The confidential book: leaders and Văn thư only (deputies and admins do not)."""
    return user.has_role(*CONFIDENTIAL_BOOK_ROLES)


def issued_in_period(
    org_id: int, start: date, end: date, *, include_confidential: bool
) -> list[OutgoingDocument]:
    """Every numbered document of the organisation dated `start`–`end` (office dates, both
    included), by year and book (general before confidential), then number.

    Everything a row prints is loaded here, in a fixed number of queries whatever the
    number of rows (the book, signer, drafting unit and replaced document joined; the
    recipients in one more query). No limit: a register with a row missing is wrong;
    the renderers refuse a register too long to make.
    """
    doc = OutgoingDocument
    stmt = (
        select(doc)
        .join(RegisterBook, RegisterBook.id == doc.register_book_id)
        .where(
            doc.org_id == org_id,
            doc.number.is_not(None),
            doc.document_date >= start,
            doc.document_date <= end,
        )
        .options(
            joinedload(doc.register_book),
            joinedload(doc.signer),
            joinedload(doc.drafting_unit),
            joinedload(doc.replaces),
            selectinload(doc.recipients),
        )
        .order_by(RegisterBook.year, RegisterBook.is_confidential, RegisterBook.id, doc.number)
    )
    if not include_confidential:
        # The book decides; a secret document misfiled in the general book stays hidden too.
        secret = select(ConfidentialityLevel.code).where(ConfidentialityLevel.rank >= 1)
        stmt = stmt.where(
            RegisterBook.is_confidential.is_(False), doc.confidentiality_code.not_in(secret)
        )
    return list(db.session.scalars(stmt).unique())
