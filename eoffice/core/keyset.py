"""Keyset pages: "the next rows after this one" instead of OFFSET.

A page of a long list is fetched by the sort key of the last row shown, so page 5,000
costs what page 1 costs (an index walk from that key), and rows added meanwhile never
shift a page. The key travels as an opaque URL-safe cursor; a cursor that was not made
here (edited, truncated, from another list) is refused with ValueError, which callers
turn into a Vietnamese message.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, tuple_

from eoffice.core.limits import MAX_INT, year_in_range
from eoffice.core.timeutil import to_utc

MAX_CURSOR_CHARS = 400

# The kinds of value a key may hold, and how each is written in the cursor.
_TAGS = {datetime: "t", date: "d", int: "i", str: "s"}


def _tag(value: Any) -> list:
    if value is None:
        return ["n", None]
    for kind, tag in _TAGS.items():
        if type(value) is kind:
            text = value.isoformat() if isinstance(value, date) else value
            return [tag, text]
    raise TypeError(f"a keyset value cannot be a {type(value).__name__}")


def _untag(item: Any) -> Any:
    tag, value = item
    if tag == "n" and value is None:
        return None
    if tag == "t" and isinstance(value, str):
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None or not year_in_range(moment):
            raise ValueError(value)
        return to_utc(moment)
    if tag == "d" and isinstance(value, str):
        day = date.fromisoformat(value)
        if not year_in_range(day):
            raise ValueError(value)
        return day
    if tag == "i" and type(value) is int and -MAX_INT <= value <= MAX_INT:
        return value
    if tag == "s" and isinstance(value, str) and len(value) <= 200:
        return value
    raise ValueError(item)


def encode(list_name: str, values: Sequence[Any]) -> str:
    """An opaque cursor for the key `values` of list `list_name`."""
    raw = json.dumps([list_name, [_tag(v) for v in values]], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode(list_name: str, text: str, length: int) -> tuple[Any, ...]:
    """The key inside `text`; ValueError unless `encode(list_name, …)` made it with
    `length` values."""
    if not text or len(text) > MAX_CURSOR_CHARS:
        raise ValueError("cursor")
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        name, items = json.loads(raw)
        if name != list_name or not isinstance(items, list) or len(items) != length:
            raise ValueError("cursor")
        return tuple(_untag(item) for item in items)
    except (binascii.Error, TypeError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError("cursor") from exc


def after(columns: Sequence[Any], values: Sequence[Any], *, descending: bool = True):
    """SQL condition: the row comes after the key `values` in an ORDER BY on `columns`,
    all descending (newest first) or all ascending. No value may be NULL: sort on a
    column that is never NULL (coalesce it first) when a list needs keyset pages."""
    left = tuple_(*columns)
    right = tuple_(*values)
    condition: ColumnElement[bool] = left < right if descending else left > right
    return condition
