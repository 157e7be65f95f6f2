"""Keyset cursors (eoffice.core.keyset) and the pieces of keyset pages that need no
database (eoffice.core.pagination): a cursor goes back to exactly its key, anything
else is refused with ValueError, which the pages turn into their first page."""

from __future__ import annotations

import base64
import json
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from sqlalchemy.dialects import postgresql

from eoffice.core import keyset
from eoffice.core.limits import MAX_INT
from eoffice.core.pagination import (
    NEXT,
    PREV,
    CappedCount,
    SortKey,
    list_fetch,
    page_from,
    thousands,
)
from eoffice.incoming.models import IncomingDocument

MOMENT = datetime(2026, 11, 20, 2, 0, 5, 123456, tzinfo=UTC)


def _raw(payload) -> str:
    """A cursor built by hand (as someone editing a URL could)."""
    text = json.dumps(payload, separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


# Round trip ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "values",
    [
        (MOMENT, 7),
        (date(2026, 9, 5), "01.TCCB", 1),
        ("Văn bản “đặc biệt” / 5", MAX_INT, -MAX_INT),
        (None, 0),
        (),
    ],
)
def test_a_cursor_gives_back_its_key(values):
    cursor = keyset.encode("some.list", values)
    assert keyset.decode("some.list", cursor, len(values)) == tuple(values)
    assert cursor.isascii() and "=" not in cursor and "/" not in cursor and "+" not in cursor


def test_a_moment_comes_back_in_utc():
    local = MOMENT.astimezone(timezone(timedelta(hours=7)))
    (back,) = keyset.decode("l", keyset.encode("l", [local]), 1)
    assert back == MOMENT and back.utcoffset() == timedelta(0)


def test_values_of_other_kinds_cannot_be_encoded():
    for value in (1.5, True, b"x", [1]):
        with pytest.raises(TypeError):
            keyset.encode("l", [value])


# Refused cursors -----------------------------------------------------------------------


def test_a_cursor_of_another_list_or_length_is_refused():
    cursor = keyset.encode("incoming.register", [MOMENT, 7])
    with pytest.raises(ValueError):
        keyset.decode("outgoing.issued", cursor, 2)
    with pytest.raises(ValueError):
        keyset.decode("incoming.register", cursor, 3)


@pytest.mark.parametrize(
    "cursor",
    [
        "",
        "A" * (keyset.MAX_CURSOR_CHARS + 1),  # oversized
        "not base64 at all!",
        "%%%",
        "e30",  # {} in base64
        _raw("l"),
        _raw(["l"]),
        _raw(["l", "not a list"]),
        _raw(["l", [["i", 1], ["i", 2]], "extra"]),
        _raw(["l", [["i", "7"]]]),  # a number written as text
        _raw(["l", [["i", True]]]),
        _raw(["l", [["i", MAX_INT + 1]]]),
        _raw(["l", [["i", 1.0]]]),
        _raw(["l", [["t", "2026-11-20T09:00:00"]]]),  # a moment without its zone
        _raw(["l", [["t", "1800-01-01T00:00:00+00:00"]]]),  # a year out of range
        _raw(["l", [["d", "2026-02-30"]]]),
        _raw(["l", [["d", "9999-01-01"]]]),
        _raw(["l", [["s", "x" * 201]]]),
        _raw(["l", [["x", 1]]]),  # an unknown tag
        _raw(["l", [["n", 0]]]),
        _raw(["l", [["i", 1, 2]]]),
        _raw(["l", [7]]),
    ],
)
def test_malformed_or_tampered_cursors_are_refused(cursor):
    with pytest.raises(ValueError):
        keyset.decode("l", cursor, 1)


def test_an_edited_cursor_is_refused_or_is_another_valid_key():
    """Changing any character either breaks the cursor (refused) or, where it still
    decodes, gives a key of the same shape: never an error other than ValueError."""
    cursor = keyset.encode("incoming.register", [NEXT, MOMENT, 7])
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    refused = 0
    for i in range(len(cursor)):
        for char in "A_z9":
            edited = cursor[:i] + char + cursor[i + 1 :]
            assert set(edited) <= set(alphabet)
            try:
                values = keyset.decode("incoming.register", edited, 3)
            except ValueError:
                refused += 1
            else:
                assert len(values) == 3
    assert refused > len(cursor)  # most edits break it
    truncated = cursor[: len(cursor) // 2]
    with pytest.raises(ValueError):
        keyset.decode("incoming.register", truncated, 3)


# The SQL condition ---------------------------------------------------------------------


def _sql(condition) -> str:
    return str(condition.compile(dialect=postgresql.dialect()))


def test_after_is_one_row_value_comparison():
    doc = IncomingDocument
    newest_first = keyset.after((doc.arrived_at, doc.id), (MOMENT, 7))
    assert "(incoming_documents.arrived_at, incoming_documents.id) < (" in _sql(newest_first)
    oldest_first = keyset.after((doc.arrived_at, doc.id), (MOMENT, 7), descending=False)
    assert ") > (" in _sql(oldest_first)


# Sort keys, counts, pages held in Python -------------------------------------------------

ORDER = SortKey(
    "test.rows",
    ((IncomingDocument.arrived_at, True), (IncomingDocument.id, True)),
    values=lambda row: row,
)
MIXED = SortKey(
    "test.mixed",
    ((IncomingDocument.arrival_number, True), (IncomingDocument.subject, False)),
    values=lambda row: row,
)


def test_a_sort_key_refuses_a_key_of_the_wrong_types_or_direction():
    assert ORDER.decode(ORDER.encode(PREV, (MOMENT, 7))) == (PREV, (MOMENT, 7))
    for values in ([NEXT, "hôm nay", 7], [NEXT, MOMENT, "7"], [NEXT, MOMENT.date(), 7]):
        with pytest.raises(ValueError):
            ORDER.decode(keyset.encode("test.rows", values))
    with pytest.raises(ValueError):
        ORDER.decode(keyset.encode("test.rows", ["x", MOMENT, 7]))
    with pytest.raises(ValueError):
        ORDER.decode(MIXED.encode(NEXT, (1, "a")))  # another list's cursor


def test_a_mixed_order_is_expanded_with_a_leading_bound():
    sql = _sql(MIXED.beyond((5, "b")))
    assert sql.startswith("incoming_documents.arrival_number <= ")
    assert "arrival_number < " in sql and "subject > " in sql
    back = _sql(MIXED.beyond((5, "b"), reverse=True))
    assert back.startswith("incoming_documents.arrival_number >= ") and "subject < " in back


def test_follows_is_the_order_in_python():
    assert ORDER.follows((MOMENT, 6), (MOMENT, 7))
    assert ORDER.follows((MOMENT - timedelta(seconds=1), 99), (MOMENT, 7))
    assert not ORDER.follows((MOMENT, 7), (MOMENT, 7))
    assert MIXED.follows((5, "c"), (5, "b")) and MIXED.follows((4, "a"), (5, "b"))
    assert not MIXED.follows((6, "z"), (5, "b"))


def test_pages_of_a_list_held_in_python_go_both_ways():
    rows = [(MOMENT - timedelta(days=d), 100 - d) for d in range(7)]  # newest first
    fetch = list_fetch(rows, ORDER)
    count = CappedCount(len(rows), 10)
    first = page_from(fetch, ORDER, None, 3, count)
    assert first.items == rows[:3] and first.first and first.prev_cursor is None
    second = page_from(fetch, ORDER, first.next_cursor, 3, count)
    assert second.items == rows[3:6] and not second.first
    third = page_from(fetch, ORDER, second.next_cursor, 3, count)
    assert third.items == rows[6:] and third.next_cursor is None
    assert page_from(fetch, ORDER, third.prev_cursor, 3, count).items == rows[3:6]
    back = page_from(fetch, ORDER, second.prev_cursor, 3, count)
    assert back.items == rows[:3] and back.first and back.next_cursor == first.next_cursor
    refused = page_from(fetch, ORDER, "garbage", 3, count)
    assert refused.refused and refused.first and refused.items == rows[:3]
    beyond = ORDER.encode(NEXT, rows[-1])
    empty = page_from(fetch, ORDER, beyond, 3, count)
    assert empty.items == [] and empty.past_end


@pytest.mark.parametrize(
    ("count", "label"),
    [
        (CappedCount(0, 10_000), "0"),
        (CappedCount(999, 10_000), "999"),
        (CappedCount(1234, 10_000), "1.234"),
        (CappedCount(10_000, 10_000), "10.000"),
        (CappedCount(10_000, 10_000, over=True), "hơn 10.000"),
        (CappedCount(1000, 1000, over=True), "hơn 1.000"),
    ],
)
def test_capped_count_labels(count, label):
    assert count.label == label == str(count)
    assert bool(count) == (count.value > 0)


def test_thousands():
    assert [thousands(n) for n in (0, 12, 1234, 1234567)] == ["0", "12", "1.234", "1.234.567"]
