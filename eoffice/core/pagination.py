"""Pages of the application's lists.

Long lists (the registers, outgoing documents, case files) are keyset pages
(`keyset_page`): each page is fetched from the sort key of the row next to it, through
the list's index, so a deep page costs what the first one costs and rows registered
meanwhile never shift a page. Their figure is a capped count (`count_upto`): exact up to
a cap, "hơn 1.000" beyond, so no page view counts a million rows. Numbered pages with
an exact total (`paginate`, OFFSET) are kept for short admin lists only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cmp_to_key
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Select, and_, func, inspect, literal_column, or_, select
from sqlalchemy.types import TypeDecorator

from eoffice.core import keyset
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


# Counts ------------------------------------------------------------------------------

# A list's figure is exact up to here, "hơn 1.000" beyond. Counting costs a row read per
# row counted (the rows a user may see are decided row by row), so the cap is the
# price of every page view: 1,000 rows are a few milliseconds, 10,000 are not.
COUNT_CAP = 1_000


def thousands(value: int) -> str:
    """1234567 → "1.234.567" (the Vietnamese thousands separator)."""
    return f"{value:,}".replace(",", ".")


@dataclass(frozen=True)
class CappedCount:
    """How many rows a list has: exactly `value`, or more than `cap` when `over`."""

    value: int
    cap: int
    over: bool = False

    @property
    def label(self) -> str:
        """ "1.234" or "hơn 1.000", to put before the noun ("văn bản", "hồ sơ")."""
        return f"hơn {thousands(self.cap)}" if self.over else thousands(self.value)

    def __bool__(self) -> bool:
        return self.value > 0

    def __str__(self) -> str:
        return self.label


def count_upto(stmt: Select[Any], cap: int | None = None) -> CappedCount:
    """Count the rows of `stmt`, reading at most cap + 1 of them.

    `SELECT count(*) FROM (SELECT 1 … LIMIT cap + 1)`: the database stops after cap + 1
    rows instead of counting the whole table (or the whole filtered list) on every page
    view. `stmt` must be a plain filtered select (no DISTINCT, GROUP BY or LIMIT): its
    columns are replaced by a constant so the count can be answered from an index.
    """
    cap = max(1, COUNT_CAP if cap is None else cap)
    inner = (
        stmt.order_by(None)
        .with_only_columns(literal_column("1"), maintain_column_froms=True)
        .limit(cap + 1)
        .subquery()
    )
    found = db.session.scalar(select(func.count()).select_from(inner)) or 0
    return CappedCount(min(found, cap), cap, found > cap)


# Keyset pages ------------------------------------------------------------------------

NEXT = "n"  # a cursor to the rows after its key
PREV = "p"  # a cursor to the rows before its key

BAD_CURSOR = (
    "Liên kết trang không còn hợp lệ (có thể đã bị sửa hoặc cắt ngắn); "
    "danh sách được hiển thị lại từ trang đầu."
)

_PYTHON_TYPES = (datetime, date, int, str)


@dataclass(frozen=True)
class SortKey:
    """The order of a list with keyset pages, and the name its cursors carry.

    `columns` are (column, descending) pairs ending with a unique column (the id), so
    the order is total; none may be NULL. `values` reads a row's key (by default the
    attributes of the same names); it is only needed when the rows are not entities
    with those attributes.
    """

    name: str
    columns: tuple[tuple[Any, bool], ...]
    values: Callable[[Any], tuple] | None = None

    def key_of(self, row: Any) -> tuple:
        if self.values is not None:
            return tuple(self.values(row))
        return tuple(getattr(row, column.key) for column, _ in self.columns)

    def order_by(self, *, reverse: bool = False) -> list[ColumnElement[Any]]:
        return [
            column.asc() if descending == reverse else column.desc()
            for column, descending in self.columns
        ]

    def beyond(self, values: Sequence[Any], *, reverse: bool = False) -> ColumnElement[bool]:
        """SQL condition: the row comes after the key `values` in this order (before it
        with `reverse`). One row-value comparison when every column runs the same way
        (what an index on those columns answers directly), else the expanded form
        (a > x OR (a = x AND b < y) …)."""
        directions = {descending for _, descending in self.columns}
        columns = [column for column, _ in self.columns]
        if len(directions) == 1:
            descending = directions.pop() != reverse
            return keyset.after(columns, values, descending=descending)
        alternatives = []
        for i, (column, descending) in enumerate(self.columns):
            before = [c == v for c, v in zip(columns[:i], values[:i], strict=True)]
            step = column < values[i] if descending != reverse else column > values[i]
            alternatives.append(and_(*before, step))
        # The first column's bound, implied by the alternatives, lets an index on the
        # list's order start at the key instead of reading every row before it.
        lead, descending = self.columns[0]
        bound = lead <= values[0] if descending != reverse else lead >= values[0]
        return and_(bound, or_(*alternatives))

    def follows(self, key: Sequence[Any], other: Sequence[Any]) -> bool:
        """`key` comes after `other` in this order: `beyond` for rows held in Python."""
        for value, pivot, (_, descending) in zip(key, other, self.columns, strict=True):
            if value != pivot:
                return value < pivot if descending else value > pivot
        return False

    def sort(self, rows: Sequence[Any]) -> list[Any]:
        """`rows` in this order (rows held in Python)."""

        def compare(a: Any, b: Any) -> int:
            key_a, key_b = self.key_of(a), self.key_of(b)
            return 0 if key_a == key_b else (1 if self.follows(key_a, key_b) else -1)

        return sorted(rows, key=cmp_to_key(compare))

    def encode(self, direction: str, values: Sequence[Any]) -> str:
        return keyset.encode(self.name, [direction, *values])

    def decode(self, text: str) -> tuple[str, tuple]:
        """(direction, key) of a cursor of this list; ValueError for anything else,
        including a key whose values are not of the columns' types."""
        direction, *values = keyset.decode(self.name, text, len(self.columns) + 1)
        if direction not in (NEXT, PREV):
            raise ValueError("cursor")
        for (column, _), value in zip(self.columns, values, strict=True):
            if type(value) is not _python_type(column):
                raise ValueError("cursor")
        return direction, tuple(values)


def _python_type(column: Any) -> type:
    """The type keyset.decode gives back for a value of `column` (exactly that type: a
    datetime where a date belongs is refused, as is a string where a number does)."""
    column_type = column.type
    if isinstance(column_type, TypeDecorator):
        column_type = column_type.impl_instance
    kind = column_type.python_type
    if kind not in _PYTHON_TYPES:
        raise TypeError(f"a keyset column cannot hold {kind.__name__}")
    return kind


@dataclass
class KeysetPage(Generic[T]):
    """One page of a long list.

    `first`: this is the list's first page (no "‹ Trang trước"). `next_cursor` /
    `prev_cursor`: the cursors of the pages after and before it (None: there is none).
    `count`: the list's capped count. `refused`: the URL held a cursor that is not one
    of this list's (the first page is shown; the view says so).
    """

    items: list[T]
    count: CappedCount
    next_cursor: str | None = None
    prev_cursor: str | None = None
    first: bool = True
    refused: bool = False

    @property
    def past_end(self) -> bool:
        """A later page that has no rows (they were removed since its link was made)."""
        return not self.items and not self.first

    def map(self, convert: Callable[[list[T]], list[U]]) -> KeysetPage[U]:
        """The same page with its items converted (all at once, for batched look-ups)."""
        return KeysetPage(
            convert(self.items),
            self.count,
            self.next_cursor,
            self.prev_cursor,
            self.first,
            self.refused,
        )


def parse_cursor(order: SortKey, cursor: str | None) -> tuple[str, tuple] | bool | None:
    """The cursor's (direction, key); None without a cursor; False if it is not ours."""
    if not cursor:
        return None
    try:
        return order.decode(cursor)
    except ValueError:
        return False


# fetch(key, reverse, want): up to `want` rows after `key` in the list's order (before
# it, nearest first, with `reverse`); from the start when `key` is None.
Fetch = Callable[[tuple | None, bool, int], list[Any]]


def keyset_page(
    stmt: Select[Any],
    order: SortKey,
    cursor: str | None,
    per_page: int,
    *,
    options: Sequence[Any] = (),
    count: CappedCount | None = None,
    count_cap: int | None = None,
) -> KeysetPage[Any]:
    """One page of the entities of `stmt` (filtered, not yet ordered) in `order`;
    `options` are the loader options of the rows shown (not of the count), `count` the
    list's count when the caller has it already.

    Three queries whatever the page: the capped count, the page's rows (one more than
    a page, to know whether another follows), and, only when "‹ Trang trước" reaches
    the start, the first page again (so that it is a full page).
    """
    if count is None:
        count = count_upto(stmt, count_cap)
    rows_stmt = stmt.options(*options)

    def fetch(key: tuple | None, reverse: bool, want: int) -> list[Any]:
        query = rows_stmt if key is None else rows_stmt.where(order.beyond(key, reverse=reverse))
        query = query.order_by(*order.order_by(reverse=reverse)).limit(want)
        return list(db.session.scalars(query).unique())

    return page_from(fetch, order, cursor, per_page, count)


def sparse_keyset_page(
    stmt: Select[Any],
    order: SortKey,
    cursor: str | None,
    per_page: int,
    *,
    options: Sequence[Any] = (),
    probe: int = 5_000,
    dense: Select[Any] | None = None,
) -> KeysetPage[Any]:
    """keyset_page for a filter that may keep very few rows of a large table (a word
    of the search index).

    Walking the list's order and testing each row, as keyset_page does, reads the
    whole table when a rare word matches a handful of rows, and the planner cannot
    know the word is rare. So the keys of the matching rows are read first, without
    order (the filter's own index answers), at most `probe` + 1 of them: when that is
    all of them, the page is cut from those keys in Python and only its rows are
    loaded; when there are more, the word is common and walking the order finds a page
    soon: `dense` is then walked, the same rows written so that the planner walks the
    order (its estimate for the word cannot be trusted). The count comes with the keys.
    `stmt` selects one entity whose key ends with its id.
    """
    probe = max(probe, COUNT_CAP)
    columns = [column for column, _ in order.columns]
    keys = db.session.execute(
        stmt.order_by(None).with_only_columns(*columns, maintain_column_froms=True).limit(probe + 1)
    ).all()
    count = CappedCount(min(len(keys), COUNT_CAP), COUNT_CAP, over=len(keys) > COUNT_CAP)
    if len(keys) > probe:
        walked = stmt if dense is None else dense
        return keyset_page(walked, order, cursor, per_page, options=options, count=count)
    keys = order.sort(keys)
    page = page_from(list_fetch(keys, order), order, cursor, per_page, count)
    entity = stmt.column_descriptions[0]["entity"]
    # The key ends with the entity's id, perhaps read from a joined table's column.
    id_column = inspect(entity).primary_key[0]

    def load(rows: list[Any]) -> list[Any]:
        ids = [row[-1] for row in rows]
        if not ids:
            return []
        found = db.session.scalars(select(entity).where(id_column.in_(ids)).options(*options))
        by_id = {getattr(item, id_column.key): item for item in found}
        return [by_id[i] for i in ids if i in by_id]

    return page.map(load)


def page_from(
    fetch: Fetch, order: SortKey, cursor: str | None, per_page: int, count: CappedCount
) -> KeysetPage[Any]:
    """The page a cursor names, from any `fetch` (SQL rows, or rows a Python filter
    kept): what keyset_page does, for lists that cannot filter everything in SQL."""
    per_page = max(1, per_page)
    parsed = parse_cursor(order, cursor)
    if parsed:
        direction, key = parsed
        if direction == NEXT:
            rows = fetch(key, False, per_page + 1)
            items = rows[:per_page]
            return KeysetPage(
                items,
                count,
                next_cursor=_cursor(order, NEXT, items[-1]) if len(rows) > per_page else None,
                prev_cursor=_cursor(order, PREV, items[0]) if items else None,
                first=False,
            )
        rows = fetch(key, True, per_page + 1)
        if len(rows) > per_page:  # rows remain before this page: it is not the first
            items = list(reversed(rows[:per_page]))
            return KeysetPage(
                items,
                count,
                next_cursor=_cursor(order, NEXT, items[-1]),
                prev_cursor=_cursor(order, PREV, items[0]),
                first=False,
            )
    rows = fetch(None, False, per_page + 1)
    items = rows[:per_page]
    next_cursor = _cursor(order, NEXT, items[-1]) if len(rows) > per_page else None
    return KeysetPage(items, count, next_cursor=next_cursor, refused=parsed is False)


def list_fetch(items: Sequence[Any], order: SortKey) -> Fetch:
    """A Fetch over rows already loaded and sorted in `order` (a short list that only
    Python can build), so that its pages and cursors work like every other list's."""

    def fetch(key: tuple | None, reverse: bool, want: int) -> list[Any]:
        if key is None:
            chosen = list(reversed(items)) if reverse else list(items)
        elif reverse:
            chosen = [r for r in reversed(items) if order.follows(key, order.key_of(r))]
        else:
            chosen = [r for r in items if order.follows(order.key_of(r), key)]
        return chosen[:want]

    return fetch


SCAN_BATCH = 200  # the first batch of scan_fetch; each next one is twice as large
SCAN_BATCH_MAX = 10_000


def scan_fetch(narrow: Select[Any], order: SortKey, keep: Callable[[Any], bool]) -> Fetch:
    """A Fetch of the rows of `narrow` that `keep` accepts, for a filter only Python can
    apply: rows are read in the list's order from the key, in batches that double (a
    page of a common word takes one small batch, a rare word few large ones), until
    enough are kept. `narrow` selects the key columns and what `keep` reads, no more."""

    def fetch(key: tuple | None, reverse: bool, want: int) -> list[Any]:
        kept: list[Any] = []
        batch = SCAN_BATCH
        while True:
            query = narrow if key is None else narrow.where(order.beyond(key, reverse=reverse))
            query = query.order_by(*order.order_by(reverse=reverse)).limit(batch)
            rows = db.session.execute(query).all()
            kept.extend(row for row in rows if keep(row))
            if len(kept) >= want or len(rows) < batch:
                return kept[:want]
            key = order.key_of(rows[-1])
            batch = min(batch * 2, SCAN_BATCH_MAX)

    return fetch


def fetched_count(fetch: Fetch, cap: int | None = None) -> CappedCount:
    """count_upto for a Fetch: the rows it gives from the start, at most cap + 1."""
    cap = max(1, COUNT_CAP if cap is None else cap)
    found = len(fetch(None, False, cap + 1))
    return CappedCount(min(found, cap), cap, found > cap)


def _cursor(order: SortKey, direction: str, row: Any) -> str:
    return order.encode(direction, order.key_of(row))
