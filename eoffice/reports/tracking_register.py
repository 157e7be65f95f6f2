"""Sổ theo dõi giải quyết văn bản đến (NĐ 30/2020 Phụ lục IV.VIII), as PDF or XLSX.

The companion of the Sổ đăng ký (eoffice.reports.incoming_register): the same period,
the same entries in arrival-number order, the same page and fetcher, but the seven
columns that follow each document's handling: who has it, by when, how far it is.
Both formats are built from one `TrackingLayout`, so they cannot disagree.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date

from flask import current_app

from eoffice.core.errors import ValidationFailed
from eoffice.core.text import clean_multiline
from eoffice.core.timeutil import format_date, now_utc
from eoffice.incoming.involvement import current_parts
from eoffice.incoming.models import IncomingDocument, IncomingState
from eoffice.incoming.queries import office_calendar
from eoffice.orgs.models import Organisation
from eoffice.reports.incoming_register import REGISTER_CSS
from eoffice.reports.pdf import render_pdf_template
from eoffice.reports.register_layout import Column, thousands
from workflows import assignment as assignment_flow
from workflows.calendar import DueState, due_state
from workflows.incoming import OPEN_STATES

TITLE = "SỔ THEO DÕI GIẢI QUYẾT VĂN BẢN ĐẾN"
EMPTY_MESSAGE = "Không có văn bản đến trong khoảng thời gian này."

# Phụ lục IV.VIII, in the legal order (widths on the 267 mm of A4 landscape).
COLUMNS: tuple[Column, ...] = (
    Column("Số đến", 14, 8),
    Column("Tên loại, số, ký hiệu, ngày tháng và tên cơ quan ban hành", 78, 50),
    Column("Đơn vị hoặc người nhận", 44, 28),
    Column("Thời hạn giải quyết", 22, 12),
    Column("Tiến độ giải quyết", 46, 30),
    Column("Số, ký hiệu văn bản trả lời", 28, 18),
    Column("Ghi chú", 35, 24),
)
_CONTENT_WIDTH_MM = sum(c.width_mm for c in COLUMNS)

# A PDF this long takes WeasyPrint about 12 s (10–14 ms a row): the limit of a request.
DEFAULT_PDF_MAX_ROWS = 1000


def _text(value: str | None) -> str:
    return clean_multiline(value)


@dataclass(frozen=True)
class TrackingRow:
    arrival_number: int
    document: str  # column (2)
    recipient: str
    deadline: date | None
    progress: str
    reply: str  # (6): replies are not linked yet (outgoing documents come later)
    notes: str
    late: bool = False  # still open past its deadline: printed in bold


def _describe(doc: IncomingDocument) -> str:
    """'Công văn số 12/STC-NS ngày 19/09/2026 của Sở Tài chính' and the trích yếu."""
    parts = [_text(doc.document_type.name if doc.document_type else "")]
    if doc.symbol:
        parts.append(f"số {_text(doc.symbol)}")
    if doc.document_date:
        parts.append(f"ngày {format_date(doc.document_date)}")
    parts.append(f"của {_text(doc.sender_name)}")
    head = " ".join(p for p in parts if p)
    return f"{head}\nV/v: {_text(doc.subject)}"


def _recipient(doc: IncomingDocument) -> str:
    """The lead and coordinators once assigned, else whom the clerk addressed it to."""
    parts = current_parts(doc)
    lines = []
    for kind in (assignment_flow.LEAD, assignment_flow.COORDINATOR):
        holders = [p.holder_label for p in parts if p.kind == kind]
        if holders:
            lines.append(f"{assignment_flow.KIND_LABELS[kind]}: {', '.join(holders)}")
    return "\n".join(lines) if lines else _text(doc.recipient_label)


def _progress(doc: IncomingDocument) -> tuple[str, bool]:
    """The state, the lead's percentage while open, and where the deadline stands."""
    text = doc.state_label
    lead = next((p for p in current_parts(doc) if p.kind == assignment_flow.LEAD), None)
    late = False
    if doc.state in OPEN_STATES:
        if lead is not None and lead.progress_percent:
            text += f" ({lead.progress_percent}%)"
        due = due_state(doc.deadline, now_utc(), office_calendar())
        if due in (DueState.OVERDUE, DueState.DUE_TODAY, DueState.DUE_SOON):
            text += f"\n{due.label}"
        late = due == DueState.OVERDUE
    return text, late


def _notes(doc: IncomingDocument) -> str:
    lines = []
    if doc.state == IncomingState.CANCELLED:
        lines.append(f"Đã hủy: {_text(doc.cancel_reason)}".rstrip(": "))
    elif doc.state_reason and doc.state in (IncomingState.REJECTED, IncomingState.RETURNED):
        lines.append(f"Lý do: {_text(doc.state_reason)}")
    lead = next((p for p in current_parts(doc) if p.kind == assignment_flow.LEAD), None)
    if lead is not None and lead.result:
        lines.append(f"Kết quả: {_text(lead.result)}")
    if doc.notes:
        lines.append(_text(doc.notes))
    return "\n".join(lines)


def row_from_document(doc: IncomingDocument) -> TrackingRow:
    progress, late = _progress(doc)
    return TrackingRow(
        arrival_number=doc.arrival_number,
        document=_describe(doc),
        recipient=_recipient(doc),
        deadline=doc.deadline,
        progress=progress,
        reply="",
        notes=_notes(doc),
        late=late,
    )


@dataclass
class TrackingSection:
    book_name: str
    year: int
    rows: list[TrackingRow] = field(default_factory=list)

    @property
    def heading(self) -> str:
        return f"{self.book_name} năm {self.year}"

    @property
    def number_range(self) -> str:
        numbers = [r.arrival_number for r in self.rows]
        return f"Từ số {min(numbers)} đến số {max(numbers)} ({len(numbers)} văn bản)"


@dataclass
class TrackingLayout:
    org_name: str
    parent_name: str | None
    year_label: str
    period_label: str
    sections: list[TrackingSection]

    @property
    def grouped(self) -> bool:
        return len(self.sections) > 1

    @property
    def single_range(self) -> str | None:
        return self.sections[0].number_range if len(self.sections) == 1 else None


def build_layout(
    org: Organisation, docs: list[IncomingDocument], start: date, end: date
) -> TrackingLayout:
    """One section per register book; `docs` come ordered by book, then arrival number."""
    sections = []
    for _book_id, group in itertools.groupby(docs, key=lambda d: d.register_book_id):
        entries = list(group)
        book = entries[0].register_book
        sections.append(
            TrackingSection(
                book_name=_text(book.name),
                year=book.year,
                rows=[row_from_document(d) for d in entries],
            )
        )
    years = sorted({s.year for s in sections} or {start.year, end.year})
    parent = org.parent
    return TrackingLayout(
        org_name=_text(org.name).upper(),
        parent_name=_text(parent.name).upper() if parent is not None else None,
        year_label=f"Năm {years[0]}" if len(years) == 1 else f"Năm {years[0]}–{years[-1]}",
        period_label=f"Từ ngày {format_date(start)} đến ngày {format_date(end)}",
        sections=sections,
    )


def check_pdf_size(row_count: int) -> None:
    """Rendered within the request, so capped (config TRACKING_PDF_MAX_ROWS)."""
    limit = current_app.config.get("TRACKING_PDF_MAX_ROWS", DEFAULT_PDF_MAX_ROWS)
    if row_count > limit:
        raise ValidationFailed(
            f"Khoảng thời gian đã chọn có {thousands(row_count)} văn bản, quá nhiều để in "
            f"một lần (tối đa {thousands(limit)}). Vui lòng chọn khoảng thời gian ngắn hơn "
            "(ví dụ từng tháng) hoặc xuất Excel."
        )


TRACKING_CSS = """
td.pre { white-space: pre-line; }
td.late { font-weight: bold; }
"""


def render_pdf(org: Organisation, docs: list[IncomingDocument], start: date, end: date) -> bytes:
    """The tracking register as an A4 landscape PDF, in the Sổ đăng ký's style."""
    check_pdf_size(len(docs))
    layout = build_layout(org, docs, start, end)
    widths = [round(c.width_mm * 100 / _CONTENT_WIDTH_MM, 3) for c in COLUMNS]
    return render_pdf_template(
        "pdf/tracking_register.html",
        [REGISTER_CSS, TRACKING_CSS],
        layout=layout,
        columns=list(zip(COLUMNS, widths, strict=True)),
        title=TITLE,
        empty_message=EMPTY_MESSAGE,
    )
