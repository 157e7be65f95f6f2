"""Register books and their numbers: never a duplicate, never a gap.

The next number is taken with a single `UPDATE … SET last_number = last_number + 1
RETURNING last_number` inside the caller's transaction. On PostgreSQL the UPDATE holds
the book's row lock until commit, so concurrent clerks queue behind each other; on
SQLite the UPDATE takes the database write lock. If the registration fails and rolls
back, the increment rolls back with it, so no number is skipped.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from eoffice.catalog.defaults import DEFAULT_BOOKS
from eoffice.catalog.models import RegisterBook
from eoffice.extensions import db

_DEFAULT_BOOK_NAMES = {(d, c): (n, conf) for d, c, n, conf in DEFAULT_BOOKS}


def get_or_create_book(org_id: int, direction: str, code: str, year: int) -> RegisterBook:
    """Return the book for (org, direction, code, year), opening a default one if needed.

    Two clerks may open the new year's book at the same moment; the unique constraint
    decides, and the loser reads the winner's row.
    """
    stmt = select(RegisterBook).where(
        RegisterBook.org_id == org_id,
        RegisterBook.direction == direction,
        RegisterBook.code == code,
        RegisterBook.year == year,
    )
    book = db.session.scalars(stmt).first()
    if book is not None:
        return book
    name, confidential = _template_for(org_id, direction, code, year)
    try:
        with db.session.begin_nested():
            book = RegisterBook(
                org_id=org_id,
                direction=direction,
                code=code,
                name=name,
                year=year,
                is_confidential=confidential,
            )
            db.session.add(book)
    except IntegrityError:
        book = db.session.scalars(stmt).one()
    return book


def _template_for(org_id: int, direction: str, code: str, year: int) -> tuple[str, bool]:
    """Name and confidentiality of a new year's book: the default, or the custom book's
    most recent entry in any year (a book may have been opened for a later year first)."""
    if (direction, code) in _DEFAULT_BOOK_NAMES:
        return _DEFAULT_BOOK_NAMES[(direction, code)]
    previous = db.session.scalars(
        select(RegisterBook)
        .where(
            RegisterBook.org_id == org_id,
            RegisterBook.direction == direction,
            RegisterBook.code == code,
        )
        .order_by(RegisterBook.year.desc())
    ).first()
    if previous is None:
        raise LookupError(f"no register book {direction}/{code} for organisation {org_id}")
    return previous.name, previous.is_confidential


def take_next_number(book_id: int) -> int:
    """Increment the book's counter and return the new number (inside the open transaction)."""
    stmt = (
        update(RegisterBook)
        .where(RegisterBook.id == book_id)
        .values(last_number=RegisterBook.last_number + 1)
        .returning(RegisterBook.last_number)
        .execution_options(synchronize_session=False)
    )
    return db.session.execute(stmt).scalar_one()


def books_for(org_id: int, direction: str, year: int) -> list[RegisterBook]:
    """The active books of a direction and year, opening the default ones first."""
    for d, code, _name, _conf in DEFAULT_BOOKS:
        if d == direction:
            get_or_create_book(org_id, direction, code, year)
    custom_codes = db.session.scalars(
        select(RegisterBook.code)
        .where(RegisterBook.org_id == org_id, RegisterBook.direction == direction)
        .distinct()
    ).all()
    for code in custom_codes:
        get_or_create_book(org_id, direction, code, year)
    return list(
        db.session.scalars(
            select(RegisterBook)
            .where(
                RegisterBook.org_id == org_id,
                RegisterBook.direction == direction,
                RegisterBook.year == year,
                RegisterBook.is_active.is_(True),
            )
            .order_by(RegisterBook.is_confidential, RegisterBook.id)
        )
    )
