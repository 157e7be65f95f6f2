"""Vietnamese folding, NFC, and office-time rules."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from eoffice.core import timeutil
from eoffice.core.text import clean, clean_multiline, like_contains, vn_fold
from eoffice.incoming.services import split_symbol


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Quyết định", "quyet dinh"),
        ("ĐỨC QUYẾT", "duc quyet"),
        ("Kế hoạch", "ke hoach"),
        ("Nguyễn Trường  Ủy", "nguyen truong uy"),
        ("Ke\u0302\u0301 hoa\u0323ch", "ke hoach"),  # decomposed input
        ("", ""),
    ],
)
def test_vn_fold(text, folded):
    assert vn_fold(text) == folded


def test_clean_normalises_to_nfc_and_collapses_spaces():
    assert clean("  Tru\u031bo\u031b\u0300ng   Tiểu học ") == "Trường Tiểu học"
    assert clean(None) == ""
    assert clean_multiline("dòng 1  \r\n dòng 2 ") == "dòng 1\n dòng 2"


@pytest.mark.parametrize(
    ("symbol", "parts"),
    [
        ("3337/GDĐT-TTTT", ("3337", "GDĐT-TTTT")),
        (" 05 / KH-GDĐT ", ("05", "KH-GDĐT")),
        ("125", ("125", None)),
        ("UBND-VP", (None, "UBND-VP")),
        ("", (None, None)),
    ],
)
def test_split_symbol(symbol, parts):
    assert split_symbol(symbol) == parts


def test_local_year_turns_at_local_midnight():
    assert timeutil.local_year(datetime(2026, 12, 31, 16, 59, 59, tzinfo=UTC)) == 2026
    assert timeutil.local_year(datetime(2026, 12, 31, 17, 0, 0, tzinfo=UTC)) == 2027


def test_naive_times_are_office_time():
    moment = timeutil.to_utc(datetime(2026, 1, 1, 7, 0))
    assert moment == datetime(2026, 1, 1, 0, 0, tzinfo=UTC)


def test_vietnamese_date_formats():
    assert timeutil.format_date(date(2026, 2, 5)) == "05/02/2026"
    assert timeutil.format_datetime(datetime(2026, 2, 5, 1, 30, tzinfo=UTC)) == "05/02/2026 08:30"


def test_clock_can_be_replaced_and_restored():
    fixed = datetime(2030, 6, 1, 12, 0, tzinfo=UTC)
    timeutil.set_clock(lambda: fixed)
    try:
        assert timeutil.now_utc() == fixed
    finally:
        timeutil.set_clock(None)
    assert timeutil.now_utc() != fixed


def test_clean_drops_control_characters_and_turns_tabs_into_spaces():
    assert clean("Trích\x00 yếu\x07\x1f\x7f\x85\x9f") == "Trích yếu"
    assert clean("a\tb\nc\rd") == "a b c d"
    assert clean("lone \ud800surrogate") == "lone surrogate"
    assert clean("\x00") == ""


def test_clean_multiline_keeps_line_breaks_only():
    assert clean_multiline("dòng\x00 1\tcó tab\r\ndòng 2\rdòng 3\x0bdòng 4") == (
        "dòng 1 có tab\ndòng 2\ndòng 3\ndòng 4"
    )
    assert clean_multiline("\x00\n\x01") == ""


def test_search_folding_never_passes_a_control_character_on():
    assert vn_fold("Kế\x00 hoạch\x01") == "ke hoach"


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        ("Kế hoạch", "%ke hoach%"),
        ("10%", "%10\\%%"),
        ("a_b", "%a\\_b%"),
        ("C:\\tệp", "%c:\\\\tep%"),
        ("", "%%"),
    ],
)
def test_like_contains_folds_and_escapes_wildcards(text, pattern):
    assert like_contains(text) == pattern


def test_office_time_conversion_holds_at_the_ends_of_the_accepted_years():
    """1900–2100 is what forms and the API accept: no conversion may overflow there."""
    first = timeutil.to_utc(datetime(1900, 1, 1, 0, 0))
    last = timeutil.to_utc(datetime(2100, 12, 31, 23, 59))
    assert first.year == 1899 and last.year == 2100
    assert timeutil.local_year(first) == 1900
    assert timeutil.format_date(first) == "01/01/1900"
    assert timeutil.format_datetime(last) == "31/12/2100 23:59"
