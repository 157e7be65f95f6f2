"""Vietnamese text handling: NFC normalisation, control characters, diacritic folding.

Every string a user types goes through `clean()` so that the same word is stored the
same way whatever keyboard (Unikey in composed or decomposed mode) produced it.
`vn_fold()` is the one folding used for search on both databases, so SQLite and
PostgreSQL find the same documents.

Control characters never survive: PostgreSQL refuses NUL in text (a pasted "a\\x00b"
would otherwise be a 500), Excel refuses most C0 characters in a cell, and no font has
a glyph for them. Lone surrogates (JSON can carry "\\ud800") cannot be encoded as UTF-8
and go the same way.
"""

from __future__ import annotations

import re
import unicodedata

# C0 and C1 controls and DEL, plus lone surrogates; tab, line feed and carriage return
# are handled by the callers (whitespace on one line, line breaks in notes).
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_LINE_BREAKS = re.compile(r"\r\n?|[\x0b\x0c\x85\u2028\u2029]")

LIKE_ESCAPE = "\\"


def strip_controls(value: str) -> str:
    """Drop control characters but keep tab, line feed and carriage return."""
    return _CONTROLS.sub("", value)


def clean(value: str | None) -> str:
    """NFC-normalise, drop control characters, strip and collapse inner whitespace.

    None becomes ''; a tab or a line break becomes a single space.
    """
    if not value:
        return ""
    return " ".join(strip_controls(unicodedata.normalize("NFC", value)).split())


def clean_multiline(value: str | None) -> str:
    """Like `clean`, but keeps line breaks (for notes); a tab becomes a space."""
    if not value:
        return ""
    text = _LINE_BREAKS.sub("\n", unicodedata.normalize("NFC", value))
    text = strip_controls(text).replace("\t", " ")
    return "\n".join(line.rstrip() for line in text.split("\n")).strip()


def vn_fold(value: str | None) -> str:
    """Fold case and Vietnamese diacritics: "Quyết Định" → "quyet dinh".

    đ/Đ have no Unicode decomposition (the stroke is part of the letter), so they are
    mapped by hand before the combining marks are dropped.
    """
    if not value:
        return ""
    text = strip_controls(value).replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return " ".join(unicodedata.normalize("NFC", stripped).lower().split())


def like_contains(text: str | None) -> str:
    """A LIKE pattern matching `text` anywhere in a folded column (use escape=LIKE_ESCAPE).

    The text is folded like the column, and LIKE's own wildcards are escaped, so a
    search for "10%" or "a_b" finds exactly that.
    """
    folded = vn_fold(text)
    escaped = (
        folded.replace(LIKE_ESCAPE, LIKE_ESCAPE * 2)
        .replace("%", LIKE_ESCAPE + "%")
        .replace("_", LIKE_ESCAPE + "_")
    )
    return f"%{escaped}%"
