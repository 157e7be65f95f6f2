"""Vietnamese folding, NFC, and office-time rules."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from eoffice.core import timeutil
from eoffice.core.text import clean, clean_multiline, vn_fold
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
