"""What the case files' printed papers share: the masthead, the place and date line,
and the stylesheet of the page and of the masthead.

The file list (list_pdf), a file's contents list (contents_pdf) and the archive's
records (archive_pdf) are official papers of the same office: the organisation (and its
parent) top left in capitals, underlined; the national motto top right when the form
has it; the date written as NĐ 30 writes it. The date words are the outgoing
documents' (eoffice.outgoing.layout.date_phrase: days below 10 and months 1 and 2 take
a leading zero, other months do not), so every paper the office prints dates the same
way. The masthead is drawn by the macro in templates/casefiles/_pdf_common.html.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from eoffice.core.text import clean
from eoffice.orgs.models import Organisation
from eoffice.outgoing.layout import DATE_GAP, date_phrase

# The page: A4 with its page numbers. Each paper adds its size and margins.
PAGE_CSS = """
@page { @bottom-center { content: "Trang " counter(page) "/" counter(pages); font-size: 10pt; } }
"""

# The masthead's table must not take the borders a paper gives its own tables.
MASTHEAD_CSS = """
table.masthead { width: 100%; border-collapse: collapse; table-layout: fixed; margin: 0 0 4mm; }
table.masthead td { border: none; padding: 0; vertical-align: top; text-align: center; }
table.masthead td.issuer { width: 44%; }
table.masthead .parent { font-size: 12pt; font-weight: normal; }
table.masthead .org { font-size: 12pt; font-weight: bold; }
table.masthead .quoc-hieu { font-size: 12pt; font-weight: bold; }
table.masthead .tieu-ngu { font-size: 13pt; font-weight: bold; }
table.masthead .rule { border-top: 0.6pt solid #000; margin: 1mm auto 0; }
table.masthead td.issuer .rule { width: 25mm; }
table.masthead td.nation .rule { width: 55mm; }
.place-date { font-style: italic; text-align: right; margin: 2mm 0 4mm; }
"""


@dataclass(frozen=True)
class Masthead:
    parent_name: str | None  # upper case, as the masthead prints it
    org_name: str
    place_date: str | None = None  # printed under the motto when given


def masthead(org: Organisation, day: date | None = None) -> Masthead:
    """The organisation's masthead; with `day`, the place and date line under it."""
    parent = org.parent
    return Masthead(
        parent_name=clean(parent.name).upper() if parent is not None else None,
        org_name=clean(org.name).upper(),
        place_date=place_date(org, day) if day is not None else None,
    )


def place_date(org: Organisation, day: date | None, year: int | None = None) -> str:
    """ "Quận 3, ngày 05 tháng 6 năm 2027"; without a day (a paper not signed yet), the
    day and month left blank to be written by hand: "ngày      tháng      năm 2027"."""
    words = date_phrase(day) if day is not None else f"ngày{DATE_GAP}tháng{DATE_GAP}năm {year}"
    place = clean(org.place_name)
    return f"{place}, {words}" if place else words[:1].upper() + words[1:]
