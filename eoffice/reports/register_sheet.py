"""What every printable register has in common, and its PDF rendering.

A register (Sổ đăng ký văn bản đến, Sổ theo dõi giải quyết, the outgoing register, file
lists…) is always the same sheet: the organisation's names top left, a title, the year
and the period, then a table in the legal column order with a row of column numbers
under the header, one section per register book. Only the columns and how a document
becomes a row differ, so a concrete register is a `RegisterSpec` (its fixed form) and a
function from a document to a `SheetRow`; everything here and in
eoffice.reports.register_xlsx renders any of them. The PDF and the workbook are built
from the same `RegisterSheet`, so the two formats cannot disagree.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from flask import current_app

from eoffice.core.errors import ValidationFailed
from eoffice.core.text import clean_multiline
from eoffice.core.timeutil import format_date
from eoffice.orgs.models import Organisation
from eoffice.reports.pdf import render_pdf_template

CellValue = str | int | date | None


class Kind(StrEnum):
    """What a column holds: it decides alignment and the spreadsheet cell type."""

    TEXT = "text"
    NUMBER = "number"  # centred; a real number in the workbook
    DATE = "date"  # centred dd/mm/yyyy; a real date in the workbook


@dataclass(frozen=True)
class Column:
    label: str
    width_mm: float  # on the A4 landscape page (267 mm between the margins)
    xlsx_width: float  # Excel character units
    kind: Kind = Kind.TEXT
    # Line breaks in the text are kept in the PDF (several holders, "V/v:" under the
    # document); other text columns flow as one paragraph.
    multiline: bool = False


@dataclass(frozen=True)
class Cell:
    """One cell of a row, in display terms."""

    value: CellValue = None
    # The whole cell stands out (an overdue entry's progress).
    bold: bool = False
    # A fragment of a text value that stands out in the PDF ("(HỎA TỐC)" in a trích yếu);
    # a workbook cell has one font, so there the whole cell is bold.
    mark: str = ""

    @property
    def text(self) -> str:
        """The value as printed: dates dd/mm/yyyy, nothing for None."""
        if self.value is None:
            return ""
        if isinstance(self.value, date):
            return format_date(self.value)
        return str(self.value)

    @property
    def parts(self) -> tuple[str, str, str]:
        """(before, mark, after): the PDF prints the mark in bold between the two."""
        if self.mark and self.mark in self.text:
            return self.text.partition(self.mark)
        return self.text, "", ""

    @property
    def stands_out(self) -> bool:
        return self.bold or bool(self.mark)


@dataclass(frozen=True)
class SheetRow:
    # The entry's number in its book (số đến, số đi): the section's "Từ số … đến số …".
    number: int
    cells: tuple[Cell, ...]


@dataclass
class Section:
    """The entries of one register book (the general and the confidential book are apart)."""

    book_name: str
    year: int
    rows: list[SheetRow] = field(default_factory=list)
    noun: str = "văn bản"  # what the rows count, in "(3 văn bản)"

    @property
    def heading(self) -> str:
        return f"{self.book_name} năm {self.year}"

    @property
    def number_range(self) -> str:
        numbers = [r.number for r in self.rows]
        return f"Từ số {min(numbers)} đến số {max(numbers)} ({len(numbers)} {self.noun})"


@dataclass(frozen=True)
class RegisterSpec:
    """The fixed form of one register: what a concrete register module declares."""

    title: str
    columns: tuple[Column, ...]
    row: Callable[[Any], SheetRow]  # how one document becomes a row
    empty_message: str
    sheet_name: str  # Excel forbids : \ / ? * [ ] and caps names at 31 characters
    # Columns the organisation's names span at the top of the workbook (95 mm on paper).
    org_columns: int
    # A PDF is laid out within the request or an export job: past this many rows it is
    # refused (the setting overrides the default), suggesting a shorter period.
    pdf_max_rows_setting: str
    pdf_max_rows: int
    pdf_shorter_period: str  # "ví dụ từng quý"
    xlsx_header_height: float = 32
    # One book printed: name it under the title when its name says more than the title
    # (the confidential book of the Sổ đăng ký).
    names_single_book: bool = False

    def check_pdf_size(self, row_count: int) -> None:
        limit = current_app.config.get(self.pdf_max_rows_setting, self.pdf_max_rows)
        refuse_if_over(row_count, limit, "in", f"({self.pdf_shorter_period}) hoặc xuất Excel")


@dataclass
class RegisterSheet:
    """One register for one organisation and period, ready for either format."""

    spec: RegisterSpec
    org_name: str
    parent_name: str | None
    year_label: str
    period_label: str
    sections: list[Section]

    @property
    def title(self) -> str:
        return self.spec.title

    @property
    def columns(self) -> tuple[Column, ...]:
        return self.spec.columns

    @property
    def grouped(self) -> bool:
        """More than one book printed: each gets its own heading."""
        return len(self.sections) > 1

    @property
    def book_label(self) -> str | None:
        """The one book printed, when the register names it and it says more than the title."""
        if not self.spec.names_single_book or len(self.sections) != 1:
            return None
        name = self.sections[0].book_name
        return None if name.upper() == self.title else name

    @property
    def single_range(self) -> str | None:
        """'Từ số … đến số …' under the title when one book is printed (else per book)."""
        return self.sections[0].number_range if len(self.sections) == 1 else None

    @property
    def meta_lines(self) -> list[str]:
        """The lines under the title, in both formats."""
        lines = (self.year_label, self.period_label, self.book_label, self.single_range)
        return [line for line in lines if line]


def text(value: str | None) -> str:
    """NFC, no control characters: Excel refuses them, and fonts have no glyph for them."""
    return clean_multiline(value)


def thousands(n: int) -> str:
    """12.345: the Vietnamese thousands separator is a dot."""
    return f"{n:,}".replace(",", ".")


def refuse_if_over(row_count: int, limit: int, doing: str, shorter: str) -> None:
    """The one refusal of a register too long to make at once, in the user's terms."""
    if row_count > limit:
        raise ValidationFailed(
            f"Khoảng thời gian đã chọn có {thousands(row_count)} văn bản, quá nhiều để "
            f"{doing} một lần (tối đa {thousands(limit)}). Vui lòng chọn khoảng thời gian "
            f"ngắn hơn {shorter}."
        )


def _rows(spec: RegisterSpec, docs: list[Any]) -> list[SheetRow]:
    rows = [spec.row(d) for d in docs]
    for row in rows:
        if len(row.cells) != len(spec.columns):  # a register's own mistake, caught in tests
            raise ValueError(
                f"{spec.title}: {len(row.cells)} cells for {len(spec.columns)} columns"
            )
    return rows


def build_sheet(
    spec: RegisterSpec, org: Organisation, docs: Iterable[Any], start: date, end: date
) -> RegisterSheet:
    """One section per register book; `docs` come ordered by book, then number."""
    sections = []
    for _book_id, group in itertools.groupby(docs, key=lambda d: d.register_book_id):
        entries = list(group)
        book = entries[0].register_book
        sections.append(
            Section(book_name=text(book.name), year=book.year, rows=_rows(spec, entries))
        )
    years = sorted({s.year for s in sections} or {start.year, end.year})
    parent = org.parent
    return RegisterSheet(
        spec=spec,
        org_name=text(org.name).upper(),
        parent_name=text(parent.name).upper() if parent is not None else None,
        year_label=f"Năm {years[0]}" if len(years) == 1 else f"Năm {years[0]}–{years[-1]}",
        period_label=f"Từ ngày {format_date(start)} đến ngày {format_date(end)}",
        sections=sections,
    )


# --- PDF ---------------------------------------------------------------------------

# Deliberately small: the cascade cost grows with rules × elements, and a year's
# register can hold thousands of rows (STACK.md §2.2).
REGISTER_CSS = """
@page {
  size: A4 landscape;
  margin: 12mm 10mm 14mm 20mm;
  @bottom-center { content: "Trang " counter(page) "/" counter(pages); font-size: 10pt; }
}
html { font-size: 10.5pt; line-height: 1.15; }
.masthead { margin-bottom: 4mm; }
.org { width: 95mm; text-align: center; }
.org .parent { font-size: 11pt; }
.org .name { font-size: 11pt; font-weight: bold; }
.org .rule { width: 30mm; margin: 1mm auto 0; border-top: 0.6pt solid #000; }
h1 { font-size: 15pt; font-weight: bold; text-align: center; margin: 5mm 0 1mm; }
.meta { text-align: center; margin: 0; font-size: 11.5pt; }
.book { break-before: page; }
.book:first-of-type { break-before: auto; }
h2 { font-size: 12pt; font-weight: bold; margin: 3mm 0 1mm; }
h2 .range { font-weight: normal; font-style: italic; }
table { width: 100%; table-layout: fixed; border-collapse: collapse; }
th, td { border: 0.5pt solid #000; padding: 1.5pt 2.5pt; vertical-align: top;
  overflow-wrap: break-word; }
th { font-weight: bold; text-align: center; vertical-align: middle; }
thead tr.numbers th { font-weight: normal; font-style: italic; padding: 0.5pt; }
tbody tr { break-inside: avoid; }
tbody td { height: 8mm; }
td.c { text-align: center; }
td.pre { white-space: pre-line; }
.mark { font-weight: bold; }
td.empty { text-align: center; font-style: italic; padding: 4mm; height: auto; }
"""


def cell_class(column: Column, cell: Cell) -> str:
    """The CSS classes of one printed cell (see REGISTER_CSS)."""
    classes = []
    if column.kind in (Kind.NUMBER, Kind.DATE):
        classes.append("c")
    if column.multiline:
        classes.append("pre")
    if cell.bold:
        classes.append("mark")
    return " ".join(classes)


def render_sheet_pdf(sheet: RegisterSheet, css_sources: Sequence[str] = ()) -> bytes:
    """Any register as an A4 landscape PDF through the one template, pdf/register.html."""
    total = sum(c.width_mm for c in sheet.columns)
    widths = [round(c.width_mm * 100 / total, 3) for c in sheet.columns]
    return render_pdf_template(
        "pdf/register.html",
        [REGISTER_CSS, *css_sources],
        sheet=sheet,
        widths=widths,
        cell_class=cell_class,
    )


def render_register_pdf(
    spec: RegisterSpec, org: Organisation, docs: list[Any], start: date, end: date
) -> bytes:
    """The register of `docs` as PDF, refused past the spec's row limit."""
    spec.check_pdf_size(len(docs))
    return render_sheet_pdf(build_sheet(spec, org, docs, start, end))
