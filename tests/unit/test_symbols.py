"""Số and ký hiệu of outgoing documents (NĐ 30/2020 Phụ lục I II.3)."""

from __future__ import annotations

import pytest

from eoffice.core.errors import ValidationFailed
from eoffice.outgoing.symbols import format_number, full_symbol, symbol_suffix


@pytest.mark.parametrize(
    ("number", "text"), [(1, "01"), (5, "05"), (9, "09"), (10, "10"), (123, "123"), (3429, "3429")]
)
def test_numbers_below_ten_take_a_leading_zero(number, text):
    assert format_number(number) == text


@pytest.mark.parametrize("number", [0, -3])
def test_a_number_starts_at_one(number):
    with pytest.raises(ValueError):
        format_number(number)


def test_a_typed_document_names_its_type_then_the_issuer():
    suffix = symbol_suffix(
        type_abbreviation="KH", issuer_abbreviation="GDĐT", unit_abbreviation="TTTT"
    )
    assert full_symbol(5, suffix) == "05/KH-GDĐT"  # the unit plays no part in a typed symbol
    assert (
        full_symbol(
            15,
            symbol_suffix(
                type_abbreviation="QĐ", issuer_abbreviation="BNV", unit_abbreviation=None
            ),
        )
        == "15/QĐ-BNV"
    )
    # Phụ lục III keeps mixed case in some abbreviations.
    assert (
        symbol_suffix(type_abbreviation="TTr", issuer_abbreviation="GDĐT", unit_abbreviation=None)
        == "TTr-GDĐT"
    )


def test_a_cong_van_names_the_issuer_then_the_unit_or_field():
    assert (
        full_symbol(
            5,
            symbol_suffix(
                type_abbreviation=None, issuer_abbreviation="GDĐT", unit_abbreviation="TTTT"
            ),
        )
        == "05/GDĐT-TTTT"
    )
    assert (
        full_symbol(
            12,
            symbol_suffix(
                type_abbreviation=None, issuer_abbreviation="UBND", unit_abbreviation="VX"
            ),
        )
        == "12/UBND-VX"
    )
    # A small school with no units writes its letters with its own abbreviation alone.
    assert (
        symbol_suffix(type_abbreviation=None, issuer_abbreviation="THLL", unit_abbreviation=" ")
        == "THLL"
    )


@pytest.mark.parametrize(
    ("issuer", "unit", "field"),
    [
        (None, "TTTT", "symbol"),
        ("GD ĐT", "TTTT", "symbol"),
        ("GDĐT", "TT/TT", "symbol_unit"),
        ("GDĐT", "TT-TT", "symbol_unit"),
    ],
)
def test_abbreviations_that_would_break_the_symbol_are_refused(issuer, unit, field):
    with pytest.raises(ValidationFailed) as caught:
        symbol_suffix(type_abbreviation=None, issuer_abbreviation=issuer, unit_abbreviation=unit)
    assert set(caught.value.field_errors) == {field}
