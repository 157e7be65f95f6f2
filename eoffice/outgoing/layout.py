"""The legal PDF of an outgoing document (Decree 30 layout, DOMAIN.md §1.4–1.7, §1.10).

Pure rendering: the caller composes an `OutgoingLayout` from its records (no database
here, no request), and gets back the PDF plus where the two signature images belong.
Those positions are read from WeasyPrint's own layout (`page.anchors`), not computed
from guessed line heights, so a longer name, a wrapped excerpt or a third page never
puts the signer's image over the text (STACK.md §8.7).

The line formats are law, not taste, and live here as small pure functions:
`number_line` ("Số: 05/KH-GDĐT") and `place_date_line` ("Quận 3, ngày 05 tháng 01 năm
2020").
"""

from __future__ import annotations

import dataclasses
import functools
import unicodedata
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from flask import render_template
from markupsafe import Markup

from eoffice.core.text import strip_controls
from eoffice.outgoing.richtext import sanitize_body
from eoffice.outgoing.symbols import format_number
from eoffice.reports.pdf import html_to_pdf_and_pages

TEMPLATE = "pdf/outgoing.html"
CSS_PATH = Path(__file__).resolve().parents[2] / "templates" / "pdf" / "outgoing.css"

# Element ids of the two empty boxes in the template (ô 7c and ô 8).
SIGNATURE_ID = "signature-box"
SEAL_ID = "seal-box"

NBSP = "\u00a0"
# What an unnumbered draft shows where the number will go: the clerk sees the gap.
NUMBER_GAP = NBSP * 6
DATE_GAP = NBSP * 5

PX_TO_PT = 0.75  # CSS px are 1/96 in, PDF points 1/72 in


# --- the data the caller passes ------------------------------------------------------


@dataclass(frozen=True)
class SignatureBlock:
    """Ô 7a/7b: "KT. HIỆU TRƯỞNG" (or None when the head signs as such), title, name."""

    capacity_line: str | None
    title: str
    name: str


@dataclass(frozen=True)
class Appendix:
    """A phụ lục in the same file: starts a page, paginated on its own."""

    title: str
    body_html: str


@dataclass(frozen=True)
class OutgoingLayout:
    """Every printed component of the document, already worded (see the module doc).

    `type_name` None means a công văn: no type heading, the excerpt goes under the number
    as "V/v …". `kinh_gui`, `recipients` are printed line by line as given ("- Như trên;").
    `body_html` is sanitised again when rendering, whatever the caller did.
    """

    parent_name: str | None
    org_name: str
    number_line: str
    place_date: str
    type_name: str | None
    subject: str
    kinh_gui: tuple[str, ...]
    body_html: str
    signature: SignatureBlock
    recipients: tuple[str, ...]
    urgency_mark: str | None
    secrecy_mark: str | None
    circulation: str | None
    drafter_mark: str | None
    contact_line: str | None
    appendices: tuple[Appendix, ...] = ()


@dataclass(frozen=True)
class SignatureBox:
    """A rectangle on one page, in PDF points, origin bottom left (what pyHanko takes)."""

    page_index: int  # 0-based
    x1: float
    y1: float
    x2: float
    y2: float

    @property
    def box(self) -> tuple[float, float, float, float]:
        """(x1, y1, x2, y2) as `pyhanko.sign.fields.SigFieldSpec(box=...)` wants it."""
        return (self.x1, self.y1, self.x2, self.y2)


@dataclass(frozen=True)
class RenderedOutgoing:
    pdf: bytes
    page_count: int
    signature_box: SignatureBox  # the signer's image (ô 7c), between title and name
    seal_box: SignatureBox  # the organisation's seal (ô 8), over the left third of it


# --- the line formats ---------------------------------------------------------------


def date_phrase(day: date) -> str:
    """ "ngày 05 tháng 01 năm 2020": days below 10 and months 1 and 2 take a leading zero.

    Months 1 and 2 are padded so that nobody can add a digit in front of them by hand
    ("tháng 1" → "tháng 11"); other months are not ("tháng 6") [NĐ 30 Phụ lục I, II.4].
    """
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    return f"ngày {day.day:02d} tháng {month} năm {day.year}"


def place_date_line(place: str, day: date) -> str:
    """ô 4: "Quận 3, ngày 05 tháng 01 năm 2020"."""
    name = _text(place).strip()
    if not name:
        raise ValueError("place name is empty")
    return f"{name}, {date_phrase(day)}"


def draft_place_date_line(place: str, year: int) -> str:
    """ô 4 of a draft not yet issued: "Quận 3, ngày      tháng      năm 2020"."""
    name = _text(place).strip()
    if not name:
        raise ValueError("place name is empty")
    return f"{name}, ngày{DATE_GAP}tháng{DATE_GAP}năm {year}"


def number_line(number: int | None, symbol_suffix: str) -> str:
    """ô 3: "Số: 05/KH-GDĐT"; None (a draft) leaves a visible gap: "Số:      /KH-GDĐT".

    The gap is non-breaking spaces, which neither HTML nor the PDF collapses.
    """
    suffix = _text(symbol_suffix).strip().lstrip("/")
    if not suffix:
        raise ValueError("symbol suffix is empty")
    if number is None:
        return f"Số:{NUMBER_GAP}/{suffix}"
    return f"Số: {format_number(number)}/{suffix}"


def roman(number: int) -> str:
    """ "IV" for 4: phụ lục are numbered in Roman numerals when there are two or more."""
    if not 0 < number < 4000:
        raise ValueError(number)
    numerals = (
        (1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
        (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"),
    )  # fmt: skip
    parts = []
    for value, letters in numerals:
        count, number = divmod(number, value)
        parts.append(letters * count)
    return "".join(parts)


def appendix_label(index: int, count: int) -> str:
    """ "Phụ lục" when it is the only one, else "Phụ lục I", "Phụ lục II" … (1-based)."""
    return "Phụ lục" if count == 1 else f"Phụ lục {roman(index)}"


# --- rendering ------------------------------------------------------------------------

T = TypeVar("T")


def _text(value: str) -> str:
    return strip_controls(unicodedata.normalize("NFC", value))


def _normalised(value: T) -> T:
    """Every string inside `value` (dataclasses, tuples) in NFC without control characters.

    Decomposed letters (Unikey's other mode) would need combining marks the font draws
    badly, and would extract from the PDF differently from what was typed (STACK.md §2.4).
    """
    if isinstance(value, str):
        return _text(value)  # type: ignore[return-value]
    if isinstance(value, tuple):
        return tuple(_normalised(v) for v in value)  # type: ignore[return-value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {f.name: _normalised(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return dataclasses.replace(value, **changes)  # type: ignore[return-value]
    return value


def _upper(value: str | None) -> str | None:
    return value.upper() if value else value


def _prepared(layout: OutgoingLayout) -> OutgoingLayout:
    """NFC everywhere; the components the law prints in capitals, in capitals.

    Upper-cased here rather than only by CSS so that the PDF's text layer (search, copy,
    the tests) holds the same capitals the reader sees.
    """
    doc = _normalised(layout)
    signature = dataclasses.replace(
        doc.signature,
        capacity_line=_upper(doc.signature.capacity_line),
        title=doc.signature.title.upper(),
    )
    return dataclasses.replace(
        doc,
        parent_name=_upper(doc.parent_name),
        org_name=doc.org_name.upper(),
        type_name=_upper(doc.type_name),
        urgency_mark=_upper(doc.urgency_mark),
        secrecy_mark=_upper(doc.secrecy_mark),
        circulation=_upper(doc.circulation),
        signature=signature,
    )


def _appendix_reference(doc: OutgoingLayout) -> str:
    """ "(Kèm theo Kế hoạch số 05/KH-GDĐT ngày 05 tháng 01 năm 2020)" under a phụ lục title."""
    kind = doc.type_name.capitalize() if doc.type_name else "Công văn"
    number = doc.number_line.removeprefix("Số:").strip(" ")
    _, comma, when = doc.place_date.rpartition(", ")
    dated = f" {when}" if comma and when.startswith("ngày") else ""
    return f"(Kèm theo {kind} số {number}{dated})"


@functools.cache
def outgoing_css() -> str:
    """The stylesheet's text, read once (eoffice.reports.pdf parses it once too)."""
    return CSS_PATH.read_text(encoding="utf-8")


def _box(pages: list[Any], element_id: str) -> SignatureBox:
    """Where the layout put the element `element_id`, converted to PDF coordinates."""
    for index, page in enumerate(pages):
        anchor = page.anchors.get(element_id)
        if anchor is None:
            continue
        left, top, right, bottom = anchor  # CSS px from the top left of the page
        height = page.height * PX_TO_PT
        return SignatureBox(
            page_index=index,
            x1=round(left * PX_TO_PT, 2),
            y1=round(height - bottom * PX_TO_PT, 2),
            x2=round(right * PX_TO_PT, 2),
            y2=round(height - top * PX_TO_PT, 2),
        )
    raise RuntimeError(f"the outgoing template lost its #{element_id} box")


def render_html(layout: OutgoingLayout) -> str:
    """The document as HTML from our template (autoescaped; bodies sanitised here)."""
    doc = _prepared(layout)
    count = len(doc.appendices)
    reference = _appendix_reference(doc) if count else ""
    appendices = [
        {
            "label": appendix_label(index, count),
            "title": appendix.title.upper(),
            "reference": reference,
            "body": Markup(sanitize_body(appendix.body_html)),
        }
        for index, appendix in enumerate(doc.appendices, start=1)
    ]
    return render_template(
        TEMPLATE,
        doc=doc,
        body=Markup(sanitize_body(doc.body_html)),
        appendices=appendices,
        signature_id=SIGNATURE_ID,
        seal_id=SEAL_ID,
    )


def render_outgoing_pdf(layout: OutgoingLayout) -> RenderedOutgoing:
    """The PDF in the Decree 30 layout and the boxes of the signer's image and the seal.

    Needs an app context (our templates). Both boxes are on the page that holds the
    signature block (the main document's last page; phụ lục come after it).
    """
    pdf, pages = html_to_pdf_and_pages(render_html(layout), [outgoing_css()])
    return RenderedOutgoing(
        pdf=pdf,
        page_count=len(pages),
        signature_box=_box(pages, SIGNATURE_ID),
        seal_box=_box(pages, SEAL_ID),
    )
