"""Mục lục văn bản trong hồ sơ (NĐ 30/2020 Phụ lục V, mẫu IV), printed as PDF.

The paper that goes in front of a file: the file's code, title, retention and dates,
then one line per document in the file's order with the seven legal columns (STT, Số/ký
hiệu, Ngày tháng, Tên loại và trích yếu, Tác giả, Tờ/trang số, Ghi chú), and the closing
line "Mục lục này gồm … văn bản, … trang." The rows are those of the file page
(`files.contents`), so the printout and the screen cannot disagree.

Rendered on request through the project's WeasyPrint plumbing (eoffice.reports.pdf:
nothing fetched, fonts and stylesheets parsed once). A file rarely holds more than a few
hundred documents; past MAX_ROWS the request is refused rather than tying a web worker
up for a minute.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from eoffice.casefiles.files import ContentsRow, contents
from eoffice.casefiles.models import CaseFile
from eoffice.casefiles.pdf_common import MASTHEAD_CSS, PAGE_CSS, Masthead, masthead
from eoffice.core.errors import ValidationFailed
from eoffice.core.timeutil import format_date
from eoffice.extensions import db
from eoffice.orgs.models import Organisation, User
from eoffice.reports.pdf import render_pdf_template

TITLE = "MỤC LỤC VĂN BẢN TRONG HỒ SƠ"
TEMPLATE = "casefiles/files/contents_pdf.html"
MAX_ROWS = 3000  # ~40 s of layout at 10–14 ms a row (STACK.md §8)

# Phụ lục V mẫu IV, in the legal order, with widths in mm of the 165 mm portrait line.
COLUMNS: tuple[tuple[str, float], ...] = (
    ("STT", 9),
    ("Số, ký hiệu văn bản", 25),
    ("Ngày tháng văn bản", 21),
    ("Tên loại và trích yếu nội dung", 51),
    ("Tác giả", 25),
    ("Tờ/trang số", 14),
    ("Ghi chú", 20),
)

CONTENTS_CSS = """
@page { size: A4; margin: 20mm 15mm 20mm 30mm; }
html { font-size: 11.5pt; line-height: 1.2; }
h1 { font-size: 14pt; font-weight: bold; text-align: center; margin: 6mm 0 3mm; }
.facts { margin: 0 0 4mm; }
.facts p { margin: 0 0 1mm; }
table { width: 100%; table-layout: fixed; border-collapse: collapse; font-size: 10.5pt; }
th, td { border: 0.5pt solid #000; padding: 1.5pt 2.5pt; vertical-align: top;
  overflow-wrap: break-word; }
th { font-weight: bold; text-align: center; vertical-align: middle; }
thead tr.numbers th { font-weight: normal; font-style: italic; padding: 0.5pt; }
tbody tr { break-inside: avoid; }
td.c { text-align: center; }
td.empty { text-align: center; font-style: italic; padding: 4mm; }
.summary { margin-top: 4mm; }
"""


@dataclass(frozen=True)
class ContentsSheet:
    """What the printed contents list shows, in display terms."""

    masthead: Masthead
    code: str
    title: str
    retention: str
    period: str
    rows: list[ContentsRow]

    @property
    def document_total(self) -> int:
        return len(self.rows)

    @property
    def page_total(self) -> int:
        return sum(r.pages or 0 for r in self.rows)


def _period(case_file: CaseFile, rows: list[ContentsRow]) -> str:
    """ "Từ ngày … đến ngày …": the file's own dates once closed (closing computes them
    from its documents); while it is being kept, from the earlier of its start and its
    oldest document to its latest document so far."""
    if case_file.end_date is not None:
        start, end = case_file.start_date or case_file.end_date, case_file.end_date
        return f"Từ ngày {format_date(start)} đến ngày {format_date(end)}"
    dates = [r.document_date for r in rows if r.document_date]
    starts: list[date] = [*dates, *([case_file.start_date] if case_file.start_date else [])]
    if not starts:
        return "—"
    if not dates:
        return f"Từ ngày {format_date(min(starts))}"
    return f"Từ ngày {format_date(min(starts))} đến ngày {format_date(max(dates))}"


def build_sheet(case_file: CaseFile, viewer: User | None = None) -> ContentsSheet:
    """The sheet as `viewer` may see it: a secret document they may not read keeps its
    line (STT, date, pages) without what would tell what it is about (files.contents)."""
    rows = contents(case_file, viewer=viewer)
    if len(rows) > MAX_ROWS:
        raise ValidationFailed(
            f"Hồ sơ có {len(rows)} văn bản, quá nhiều để in mục lục một lần (tối đa {MAX_ROWS})."
        )
    org = db.session.get(Organisation, case_file.org_id)
    assert org is not None
    return ContentsSheet(
        masthead=masthead(org),
        code=case_file.code,
        title=case_file.title,
        retention=case_file.retention.label,
        period=_period(case_file, rows),
        rows=rows,
    )


def render_contents_pdf(case_file: CaseFile, viewer: User | None = None) -> bytes:
    """The file's contents list as an A4 PDF, ready to print and put in front of the file;
    pass the `viewer` (the person who asked): without one nothing is masked."""
    sheet = build_sheet(case_file, viewer)
    total = sum(width for _, width in COLUMNS)
    widths = [round(width * 100 / total, 3) for _, width in COLUMNS]
    return render_pdf_template(
        TEMPLATE,
        [PAGE_CSS, MASTHEAD_CSS, CONTENTS_CSS],
        sheet=sheet,
        title=TITLE,
        columns=[label for label, _ in COLUMNS],
        widths=widths,
    )


def file_name(case_file: CaseFile) -> str:
    """ "Muc-luc-ho-so-01.VP-2026.pdf": the code and year, safe in any file system."""
    code = case_file.code.replace("/", "-")
    return f"Muc-luc-ho-so-{code}-{case_file.year}.pdf"
