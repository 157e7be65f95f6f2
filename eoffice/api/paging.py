"""The query string and the body of the API lists that are keyset pages of the
application's own lists (core.pagination): the school's report tasks, the inbox of
documents from the deployment and the exchange inbox.

The cursor is the list's own (SortKey.encode: opaque, naming its list), so the API and
the pages share one way of walking each list; a cursor that is not the list's is a 422
here rather than the first page again, as the other lists of the API answer it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from werkzeug.datastructures import MultiDict

from eoffice.api.parsing import MSG_CURSOR, _fail, _limit
from eoffice.core.pagination import KeysetPage, SortKey
from eoffice.core.text import clean


@dataclass
class PageQuery:
    limit: int
    cursor: str | None  # a cursor of the list's SortKey, checked


def parse_page_query(
    args: MultiDict,
    order: SortKey,
    *,
    default_limit: int,
    max_limit: int,
    errors: dict[str, str] | None = None,
) -> PageQuery:
    """`limit` and `cursor` of a list in `order`. With `errors`, problems are added to
    it for the caller to report with its other fields; without, they are reported here."""
    found: dict[str, str] = {} if errors is None else errors
    limit = _limit(args, found, default_limit, max_limit)
    cursor = clean(args.get("cursor")) or None
    if cursor is not None:
        try:
            order.decode(cursor)
        except ValueError:
            found["cursor"] = MSG_CURSOR
            cursor = None
    if errors is None:
        _fail(found)
    return PageQuery(limit, cursor)


def page_json(page: KeysetPage, items: Sequence[Any], limit: int) -> dict[str, Any]:
    """The body of one page: its rows as JSON, the limit asked, the next page's cursor."""
    return {"items": list(items), "limit": limit, "next_cursor": page.next_cursor}
