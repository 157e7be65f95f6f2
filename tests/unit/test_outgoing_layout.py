"""The printed lines of an outgoing document whose format is law (NĐ 30/2020, DOMAIN §1.4–1.5)."""

from __future__ import annotations

import unicodedata
from datetime import date

import pytest

from eoffice.outgoing.layout import (
    NBSP,
    SignatureBox,
    appendix_label,
    date_phrase,
    draft_place_date_line,
    number_line,
    place_date_line,
    roman,
)

# --- place and date (ô 4) ---------------------------------------------------------------


def test_the_decree_example():
    assert place_date_line("Hà Nội", date(2020, 1, 5)) == "Hà Nội, ngày 05 tháng 01 năm 2020"


@pytest.mark.parametrize(
    ("day", "phrase"),
    [
        (date(2020, 1, 5), "ngày 05 tháng 01 năm 2020"),
        (date(2020, 2, 29), "ngày 29 tháng 02 năm 2020"),
        (date(2019, 3, 1), "ngày 01 tháng 3 năm 2019"),
        (date(2019, 6, 29), "ngày 29 tháng 6 năm 2019"),
        (date(2019, 9, 9), "ngày 09 tháng 9 năm 2019"),
        (date(2019, 10, 10), "ngày 10 tháng 10 năm 2019"),
        (date(2019, 11, 23), "ngày 23 tháng 11 năm 2019"),
        (date(2019, 12, 31), "ngày 31 tháng 12 năm 2019"),
    ],
)
def test_days_below_ten_and_months_one_and_two_take_a_leading_zero(day, phrase):
    assert date_phrase(day) == phrase
    assert place_date_line("Quận 3", day) == f"Quận 3, {phrase}"


def test_every_month_of_the_year():
    months = [date_phrase(date(2021, m, 15)).split()[3] for m in range(1, 13)]
    assert months == ["01", "02", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12"]


def test_the_place_name_is_trimmed_and_nfc():
    decomposed = unicodedata.normalize("NFD", "Thành phố Hồ Chí Minh")
    line = place_date_line(f"  {decomposed} ", date(2020, 1, 5))
    assert line == "Thành phố Hồ Chí Minh, ngày 05 tháng 01 năm 2020"
    assert unicodedata.is_normalized("NFC", line)


@pytest.mark.parametrize("place", ["", "   ", "\x00"])
def test_a_place_is_required(place):
    with pytest.raises(ValueError):
        place_date_line(place, date(2020, 1, 5))
    with pytest.raises(ValueError):
        draft_place_date_line(place, 2020)


def test_a_draft_shows_gaps_for_the_day_and_month():
    gap = NBSP * 5
    assert draft_place_date_line("Quận 3", 2020) == f"Quận 3, ngày{gap}tháng{gap}năm 2020"


# --- number and symbol (ô 3) ------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "suffix", "line"),
    [
        (5, "KH-GDĐT", "Số: 05/KH-GDĐT"),
        (1, "QĐ-BNV", "Số: 01/QĐ-BNV"),
        (9, "GDĐT-TTTT", "Số: 09/GDĐT-TTTT"),
        (10, "UBND-VX", "Số: 10/UBND-VX"),
        (3429, "GDĐT-TTTT", "Số: 3429/GDĐT-TTTT"),
        (12, "GDĐT", "Số: 12/GDĐT"),
    ],
)
def test_number_line(number, suffix, line):
    assert number_line(number, suffix) == line


def test_an_unnumbered_draft_leaves_a_visible_unbreakable_gap():
    line = number_line(None, "KH-GDĐT")
    assert line == "Số:" + NBSP * 6 + "/KH-GDĐT"
    assert " " not in line.removeprefix("Số:")  # no ordinary space to collapse or wrap


def test_the_suffix_is_trimmed_and_nfc():
    decomposed = unicodedata.normalize("NFD", "KH-GDĐT")
    assert number_line(5, f" {decomposed} ") == "Số: 05/KH-GDĐT"
    assert number_line(5, "/KH-GDĐT") == "Số: 05/KH-GDĐT"


@pytest.mark.parametrize(("number", "suffix"), [(0, "KH-GDĐT"), (-3, "KH-GDĐT"), (5, "  ")])
def test_impossible_numbers_and_empty_suffixes_are_refused(number, suffix):
    with pytest.raises(ValueError):
        number_line(number, suffix)


# --- phụ lục ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "numeral"),
    [(1, "I"), (2, "II"), (3, "III"), (4, "IV"), (5, "V"), (9, "IX"), (10, "X"),
     (14, "XIV"), (40, "XL"), (90, "XC"), (1994, "MCMXCIV"), (3999, "MMMCMXCIX")],
)  # fmt: skip
def test_roman_numerals(number, numeral):
    assert roman(number) == numeral


@pytest.mark.parametrize("number", [0, -1, 4000])
def test_roman_numerals_out_of_range(number):
    with pytest.raises(ValueError):
        roman(number)


def test_a_single_appendix_has_no_number_and_several_are_numbered_in_roman():
    assert appendix_label(1, 1) == "Phụ lục"
    assert [appendix_label(i, 3) for i in (1, 2, 3)] == ["Phụ lục I", "Phụ lục II", "Phụ lục III"]


def test_signature_box_is_given_to_pyhanko_as_x1_y1_x2_y2():
    assert SignatureBox(2, 10.0, 20.0, 30.0, 40.0).box == (10.0, 20.0, 30.0, 40.0)
