"""Số and ký hiệu of an outgoing document (NĐ 30/2020 Phụ lục I, II.3; DOMAIN §1.4).

Pure rules, no database: the number is zero-padded below 10 ("05"); a typed document's
symbol is the type's abbreviation and the issuing body's ("05/KH-GDĐT"); a công văn's is
the issuing body's and the drafting unit's or field's ("05/GDĐT-TTTT"); groups are
joined by "-" and the number by "/", without spaces.
"""

from __future__ import annotations

import re

from eoffice.core.errors import ValidationFailed

# Upper-case letters (Vietnamese included, e.g. Đ), digits; the type abbreviations of
# Phụ lục III mix cases ("QyĐ", "CTr", "TTr"), so those are kept as the catalogue has them.
_GROUP = re.compile(r"^[0-9A-Za-zÀ-ỹĐđ]{1,20}$")


def format_number(number: int) -> str:
    """ "05" for 5, "123" for 123: numbers below 10 take a leading zero (Phụ lục I II.3.a)."""
    if number < 1:
        raise ValueError(number)
    return f"{number:02d}"


def _group(value: str | None, label: str, field: str) -> str:
    text = (value or "").strip()
    if not _GROUP.match(text):
        message = (
            f"{label} «{text}» không dùng được trong ký hiệu văn bản: chỉ gồm chữ và số, "
            "không dấu cách, không dấu «/» hay «-»."
            if text
            else f"Thiếu {label.lower()} để lập ký hiệu văn bản."
        )
        raise ValidationFailed(message, field_errors={field: message})
    return text


def symbol_suffix(
    *, type_abbreviation: str | None, issuer_abbreviation: str | None, unit_abbreviation: str | None
) -> str:
    """The part after "/": "KH-GDĐT" (typed) or "GDĐT-TTTT" (công văn, unit or field).

    A công văn without a unit abbreviation carries the issuer's alone ("GDĐT"): an
    office with no units (a small school) writes its letters that way.
    """
    issuer = _group(issuer_abbreviation, "Tên viết tắt của cơ quan", "symbol")
    if type_abbreviation:
        kind = _group(type_abbreviation, "Tên viết tắt của loại văn bản", "document_type_id")
        return f"{kind}-{issuer}"
    if unit_abbreviation and unit_abbreviation.strip():
        return f"{issuer}-{_group(unit_abbreviation, 'Tên viết tắt của đơn vị', 'symbol_unit')}"
    return issuer


def full_symbol(number: int, suffix: str) -> str:
    """ "05/KH-GDĐT": the number and the suffix, as the register and the PDF print them."""
    return f"{format_number(number)}/{suffix}"
