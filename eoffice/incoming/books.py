"""Which register book (sổ) an incoming document goes into.

Listing the books is read-only: a book is opened (its row created) only by the
registration that first numbers a document in it, never by showing a form. The
rules: a secret document goes into the confidential book the clerk chose, or into
the default confidential book if the choice was an ordinary book; an ordinary
document never goes into a confidential book; a locked (deactivated) book takes no
new entries.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NoReturn

from sqlalchemy import select

from eoffice.catalog.defaults import DEFAULT_BOOKS
from eoffice.catalog.models import RegisterBook
from eoffice.catalog.numbering import get_or_create_book
from eoffice.core.errors import ValidationFailed
from eoffice.extensions import db

DIRECTION = "incoming"
DEFAULT_CODE = "general"
CONFIDENTIAL_CODE = "confidential"


@dataclass(frozen=True)
class BookOption:
    code: str
    name: str
    is_confidential: bool
    is_active: bool
    book: RegisterBook | None  # None: not opened yet this year


def book_options(org_id: int, year: int) -> list[BookOption]:
    """The incoming books a document of `year` can go into, opened or not, locked ones
    included (callers decide what to offer); ordinary books first."""
    books = db.session.scalars(
        select(RegisterBook).where(
            RegisterBook.org_id == org_id,
            RegisterBook.direction == DIRECTION,
            RegisterBook.year == year,
        )
    )
    options = {b.code: BookOption(b.code, b.name, b.is_confidential, b.is_active, b) for b in books}
    for direction, code, name, confidential in DEFAULT_BOOKS:
        if direction == DIRECTION and code not in options:
            options[code] = BookOption(code, name, confidential, True, None)
    # A custom book of another year carries over (numbering.get_or_create_book copies
    # its most recent name and confidentiality when it is first used this year).
    earlier = db.session.scalars(
        select(RegisterBook)
        .where(
            RegisterBook.org_id == org_id,
            RegisterBook.direction == DIRECTION,
            RegisterBook.code.not_in(list(options)),
        )
        .order_by(RegisterBook.year.desc(), RegisterBook.id)
    )
    for b in earlier:
        if b.code not in options:
            options[b.code] = BookOption(b.code, b.name, b.is_confidential, b.is_active, None)
    defaults_first = (DEFAULT_CODE, CONFIDENTIAL_CODE)
    return sorted(
        options.values(),
        key=lambda o: (o.is_confidential, o.code not in defaults_first, o.name),
    )


def choose_book(org_id: int, code: str | None, *, secret: bool, year: int) -> BookOption:
    """The book a document goes into, or ValidationFailed on `book_code`. Writes nothing."""
    options = {o.code: o for o in book_options(org_id, year)}
    chosen = options.get(code or DEFAULT_CODE)
    if chosen is None:
        _refuse("Không có sổ đăng ký văn bản đến này.")
    if secret and not chosen.is_confidential:
        chosen = options[CONFIDENTIAL_CODE]
    elif not secret and chosen.is_confidential:
        _refuse(
            f"“{chosen.name}” chỉ dành cho văn bản mật; văn bản thường vào sổ văn bản đến thường."
        )
    if not chosen.is_active:
        _refuse(f"Sổ “{chosen.name}” năm {year} đã khóa, vui lòng chọn sổ khác.")
    return chosen


def open_book(org_id: int, option: BookOption, year: int) -> RegisterBook:
    """The chosen book's row, created now if this is its first entry of the year."""
    return option.book or get_or_create_book(org_id, DIRECTION, option.code, year)


def _refuse(message: str) -> NoReturn:
    raise ValidationFailed(message, field_errors={"book_code": message})
