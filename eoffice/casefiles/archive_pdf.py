"""The archive's three printed papers, laid out like the project's other official PDFs
(the organisation top left, the national motto top right, the title, the table whose
header row repeats on every page, the signature blocks):

- MỤC LỤC HỒ SƠ, TÀI LIỆU NỘP LƯU (NĐ 30 Đ31): one row per file handed over, columns STT,
  Số/ký hiệu hồ sơ, Tiêu đề hồ sơ, Thời gian tài liệu, Thời hạn bảo quản, Số tờ/số trang,
  Ghi chú;
- BIÊN BẢN GIAO NHẬN TÀI LIỆU: both sides named, the date, the number of files and of
  documents (an electronic hand-over counts files and documents, not boxes and metres),
  signed by BÊN GIAO and BÊN NHẬN;
- BIÊN BẢN HỦY TÀI LIỆU HẾT GIÁ TRỊ: the leader's decision, what was destroyed (from the
  disposal's snapshots, not from the files, which no longer change) and the witnesses.

Plain data in (`Papers`, built here from the records), PDF bytes out through
eoffice.reports.pdf, which fetches nothing and escapes every text. The masthead, the
date words and the page's stylesheet are those of every case-file paper
(eoffice.casefiles.pdf_common).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from eoffice.casefiles.models import CaseFile, Disposal, DisposalItem, Handover
from eoffice.casefiles.pdf_common import MASTHEAD_CSS, PAGE_CSS, Masthead, masthead
from eoffice.core.text import clean
from eoffice.core.timeutil import format_date, local_today, to_local
from eoffice.extensions import db
from eoffice.orgs.models import Organisation, Unit, User
from eoffice.outgoing.layout import date_phrase
from eoffice.reports.pdf import render_pdf_template

PAPER_CSS = """
html { font-size: 12.5pt; }
h1 { font-size: 14pt; font-weight: bold; text-align: center; margin: 4mm 0 1mm; }
.subtitle { text-align: center; font-weight: bold; margin: 0 0 1mm; }
.meta { text-align: center; margin: 0 0 1mm; }
p { margin: 1.5mm 0; text-align: justify; }
table.grid { width: 100%; border-collapse: collapse; table-layout: fixed; margin-top: 3mm; }
table.grid th, table.grid td { border: 0.5pt solid #000; padding: 1.5pt 3pt; vertical-align: top;
  overflow-wrap: break-word; font-size: 11pt; }
table.grid th { font-weight: bold; text-align: center; vertical-align: middle; }
table.grid thead tr.numbers th { font-weight: normal; font-style: italic; }
table.grid tbody tr { break-inside: avoid; }
td.c { text-align: center; }
.totals { margin-top: 3mm; }
table.signatures { width: 100%; margin-top: 8mm; border-collapse: collapse; break-inside: avoid; }
table.signatures td { width: 50%; text-align: center; vertical-align: top; padding: 0 2mm; }
.sign-title { font-weight: bold; margin: 0; text-align: center; }
.sign-hint { font-style: italic; margin: 0; text-align: center; }
.sign-name { font-weight: bold; margin-top: 22mm; text-align: center; }
.sign-more { font-weight: bold; margin-top: 14mm; text-align: center; }
"""
LANDSCAPE_CSS = "@page { size: A4 landscape; margin: 15mm 15mm 15mm 20mm; }"


@dataclass(frozen=True)
class FileRow:
    """One printed row: a file handed over, or a file destroyed (from its snapshot)."""

    code: str
    title: str
    period: str  # "19/09/2026 – 02/10/2026"
    retention: str
    doc_total: int
    page_total: int
    note: str


@dataclass(frozen=True)
class Person:
    name: str
    title: str


@dataclass(frozen=True)
class HandoverPapers:
    masthead: Masthead
    org_name: str
    number: int
    year: int
    handed_on: str
    handed_on_words: str  # "ngày 05 tháng 6 năm 2027" (outgoing.layout.date_phrase)
    giving_side: str  # the handing unit, or the organisation
    receiving_side: str  # "Lưu trữ cơ quan <org>"
    delivered_by: Person
    received_by: Person
    rows: list[FileRow]
    period: str
    file_count: int
    document_count: int
    page_count: int
    note: str


@dataclass(frozen=True)
class DisposalPapers:
    masthead: Masthead
    org_name: str
    executed_on_words: str
    reason: str
    decision: str
    decided_by: Person | None
    executed_by: Person
    witnesses: list[str]
    rows: list[FileRow]
    file_count: int
    document_count: int
    page_count: int


def _org(org_id: int) -> Organisation:
    org = db.session.get(Organisation, org_id)
    assert org is not None
    return org


def period(start: date | None, end: date | None) -> str:
    if start and end and start != end:
        return f"{format_date(start)} – {format_date(end)}"
    return format_date(start or end)


def person(user: User | None) -> Person:
    if user is None:
        return Person("", "")
    return Person(clean(user.full_name), clean(user.title) or "")


def _file_row(case_file: CaseFile) -> FileRow:
    return FileRow(
        code=case_file.code,
        title=clean(case_file.title),
        period=period(case_file.start_date, case_file.end_date),
        retention=case_file.retention.label,
        doc_total=case_file.doc_total or 0,
        page_total=case_file.page_total or 0,
        note=clean(case_file.note),
    )


def handover_papers(
    handover: Handover,
    files: Sequence[CaseFile],
    delivered_by: User,
    received_by: User,
) -> HandoverPapers:
    org = _org(handover.org_id)
    ordered = sorted(files, key=lambda f: (f.year, f.number, f.code))
    unit = db.session.get(Unit, handover.unit_id) if handover.unit_id else None
    starts = [f.start_date for f in ordered if f.start_date]
    ends = [f.end_date for f in ordered if f.end_date]
    return HandoverPapers(
        masthead=masthead(org, handover.handed_on),
        org_name=clean(org.name),
        number=handover.number,
        year=handover.year,
        handed_on=format_date(handover.handed_on),
        handed_on_words=date_phrase(handover.handed_on),
        giving_side=f"{clean(unit.name)} – {clean(org.name)}" if unit else clean(org.name),
        receiving_side=f"Lưu trữ cơ quan – {clean(org.name)}",
        delivered_by=person(delivered_by),
        received_by=person(received_by),
        rows=[_file_row(f) for f in ordered],
        period=period(min(starts, default=None), max(ends, default=None)),
        file_count=handover.file_count,
        document_count=handover.document_count,
        page_count=sum(f.page_total or 0 for f in ordered),
        note=clean(handover.note),
    )


def _item_row(item: DisposalItem) -> FileRow:
    return FileRow(
        code=item.code,
        title=clean(item.title),
        period=period(item.start_date, item.end_date),
        retention=item.retention_label,
        doc_total=item.doc_total or 0,
        page_total=item.page_total or 0,
        note="",
    )


def disposal_papers(
    disposal: Disposal,
    decided_by: User | None,
    executed_by: User,
) -> DisposalPapers:
    org = _org(disposal.org_id)
    executed = to_local(disposal.executed_at)
    day = executed.date() if executed else local_today()
    items = sorted(disposal.items, key=lambda i: (i.code, i.id))
    return DisposalPapers(
        masthead=masthead(org, day),
        org_name=clean(org.name),
        executed_on_words=date_phrase(day),
        reason=clean(disposal.reason),
        decision=clean(disposal.decision),
        decided_by=person(decided_by) if decided_by else None,
        executed_by=person(executed_by),
        witnesses=[
            line for line in (clean(w) for w in (disposal.witnesses or "").splitlines()) if line
        ],
        rows=[_item_row(i) for i in items],
        file_count=len(items),
        document_count=sum(i.doc_total or 0 for i in items),
        page_count=sum(i.page_total or 0 for i in items),
    )


def render_handover_list(papers: HandoverPapers) -> bytes:
    """MỤC LỤC HỒ SƠ, TÀI LIỆU NỘP LƯU, A4 landscape (seven columns)."""
    return render_pdf_template(
        "casefiles/archive/pdf_handover_list.html",
        [PAGE_CSS, MASTHEAD_CSS, PAPER_CSS, LANDSCAPE_CSS],
        p=papers,
    )


def render_handover_record(papers: HandoverPapers) -> bytes:
    """BIÊN BẢN GIAO NHẬN TÀI LIỆU, A4 portrait."""
    return render_pdf_template(
        "casefiles/archive/pdf_handover_record.html", [PAGE_CSS, MASTHEAD_CSS, PAPER_CSS], p=papers
    )


def render_disposal_record(papers: DisposalPapers) -> bytes:
    """BIÊN BẢN HỦY TÀI LIỆU HẾT GIÁ TRỊ, A4 landscape (the table is wide)."""
    return render_pdf_template(
        "casefiles/archive/pdf_disposal_record.html",
        [PAGE_CSS, MASTHEAD_CSS, PAPER_CSS, LANDSCAPE_CSS],
        p=papers,
    )
