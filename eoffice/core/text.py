"""Vietnamese text handling: NFC normalisation and diacritic folding.

Every string a user types goes through `clean()` so that the same word is stored the
same way whatever keyboard (Unikey in composed or decomposed mode) produced it.
`vn_fold()` is the one folding used for search on both databases, so SQLite and
PostgreSQL find the same documents.
"""

from __future__ import annotations

import unicodedata


def nfc(value: str | None) -> str | None:
    """Return `value` in Unicode NFC, or None."""
    if value is None:
        return None
    return unicodedata.normalize("NFC", value)


def clean(value: str | None) -> str:
    """NFC-normalise, strip and collapse inner whitespace; None becomes ''."""
    if not value:
        return ""
    return " ".join(unicodedata.normalize("NFC", value).split())


def clean_multiline(value: str | None) -> str:
    """NFC-normalise and strip each line, keeping line breaks (for notes)."""
    if not value:
        return ""
    lines = unicodedata.normalize("NFC", value).replace("\r\n", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).strip()


def vn_fold(value: str | None) -> str:
    """Fold case and Vietnamese diacritics: "Quyết Định" → "quyet dinh".

    đ/Đ have no Unicode decomposition (the stroke is part of the letter), so they are
    mapped by hand before the combining marks are dropped.
    """
    if not value:
        return ""
    text = value.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return " ".join(unicodedata.normalize("NFC", stripped).lower().split())
