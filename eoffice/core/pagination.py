"""One page of a numbered listing, the same for every list of the application."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select

from eoffice.core.limits import MAX_INT
from eoffice.extensions import db

T = TypeVar("T")
U = TypeVar("U")


@dataclass
class Page(Generic[T]):
    """`items` of page `page` (from 1) out of `total` rows, `per_page` to a page."""

    items: list[T]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def past_end(self) -> bool:
        """A page number beyond the last page (the list itself is not empty)."""
        return self.total > 0 and self.page > self.pages

    def map(self, convert: Callable[[list[T]], list[U]]) -> Page[U]:
        """The same page with its items converted (all at once, for batched look-ups)."""
        return Page(convert(self.items), self.page, self.per_page, self.total)


def paginate(stmt: Select[Any], page: int, per_page: int) -> Page[Any]:
    """Count the rows of `stmt` and fetch one page of its (ordered) entities."""
    per_page = max(1, per_page)
    page = min(max(1, page), MAX_INT // per_page)
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    items = list(db.session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)))
    return Page(items, page, per_page, total or 0)
