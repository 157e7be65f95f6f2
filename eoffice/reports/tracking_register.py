"""Sổ theo dõi giải quyết văn bản đến (NĐ 30/2020 Phụ lục IV.VIII), as PDF or XLSX.

The companion of the Sổ đăng ký (eoffice.reports.incoming_register): the same period,
the same entries in arrival-number order, the same sheet, page and fetcher, but the seven
columns that follow each document's handling: who has it, by when, how far it is, and
the reply that settled it.
"""

from __future__ import annotations

from datetime import date

from eoffice.core.timeutil import format_date, now_utc
from eoffice.incoming.involvement import current_parts
from eoffice.incoming.models import IncomingDocument, IncomingState
from eoffice.incoming.queries import office_calendar
from eoffice.orgs.models import Organisation
from eoffice.reports.register_sheet import (
    Cell,
    Column,
    Kind,
    RegisterSpec,
    SheetRow,
    render_register_pdf,
    text,
)
from eoffice.reports.register_xlsx import render_register_xlsx
from workflows import assignment as assignment_flow
from workflows.calendar import DueState, due_state
from workflows.incoming import OPEN_STATES

TITLE = "SỔ THEO DÕI GIẢI QUYẾT VĂN BẢN ĐẾN"
EMPTY_MESSAGE = "Không có văn bản đến trong khoảng thời gian này."

# Phụ lục IV.VIII, in the legal order (widths on the 267 mm of A4 landscape).
COLUMNS: tuple[Column, ...] = (
    Column("Số đến", 14, 8, Kind.NUMBER),
    Column("Tên loại, số, ký hiệu, ngày tháng và tên cơ quan ban hành", 78, 50, multiline=True),
    Column("Đơn vị hoặc người nhận", 44, 28, multiline=True),
    Column("Thời hạn giải quyết", 22, 12, Kind.DATE),
    Column("Tiến độ giải quyết", 46, 30, multiline=True),
    Column("Số, ký hiệu văn bản trả lời", 28, 18),
    Column("Ghi chú", 35, 24, multiline=True),
)


def _describe(doc: IncomingDocument) -> str:
    """'Công văn số 12/STC-NS ngày 19/09/2026 của Sở Tài chính' and the trích yếu."""
    parts = [text(doc.document_type.name if doc.document_type else "")]
    if doc.symbol:
        parts.append(f"số {text(doc.symbol)}")
    if doc.document_date:
        parts.append(f"ngày {format_date(doc.document_date)}")
    parts.append(f"của {text(doc.sender_name)}")
    head = " ".join(p for p in parts if p)
    return f"{head}\nV/v: {text(doc.subject)}"


def _recipient(doc: IncomingDocument) -> str:
    """The lead and coordinators once assigned, else whom the clerk addressed it to."""
    parts = current_parts(doc)
    lines = []
    for kind in (assignment_flow.LEAD, assignment_flow.COORDINATOR):
        holders = [p.holder_label for p in parts if p.kind == kind]
        if holders:
            lines.append(f"{assignment_flow.KIND_LABELS[kind]}: {', '.join(holders)}")
    return "\n".join(lines) if lines else text(doc.recipient_label)


def _progress(doc: IncomingDocument) -> tuple[str, bool]:
    """The state, the lead's percentage while open, and where the deadline stands."""
    progress = doc.state_label
    lead = next((p for p in current_parts(doc) if p.kind == assignment_flow.LEAD), None)
    late = False
    if doc.state in OPEN_STATES:
        if lead is not None and lead.progress_percent:
            progress += f" ({lead.progress_percent}%)"
        due = due_state(doc.deadline, now_utc(), office_calendar())
        if due in (DueState.OVERDUE, DueState.DUE_TODAY, DueState.DUE_SOON):
            progress += f"\n{due.label}"
        late = due == DueState.OVERDUE
    return progress, late


def _notes(doc: IncomingDocument) -> str:
    lines = []
    if doc.state == IncomingState.CANCELLED:
        lines.append(f"Đã hủy: {text(doc.cancel_reason)}".rstrip(": "))
    elif doc.state_reason and doc.state in (IncomingState.REJECTED, IncomingState.RETURNED):
        lines.append(f"Lý do: {text(doc.state_reason)}")
    lead = next((p for p in current_parts(doc) if p.kind == assignment_flow.LEAD), None)
    if lead is not None and lead.result:
        lines.append(f"Kết quả: {text(lead.result)}")
    if doc.notes:
        lines.append(text(doc.notes))
    return "\n".join(lines)


def row_from_document(doc: IncomingDocument) -> SheetRow:
    """The seven cells; a document still open past its deadline has its progress in bold."""
    progress, late = _progress(doc)
    return SheetRow(
        number=doc.arrival_number,
        cells=(
            Cell(doc.arrival_number),
            Cell(_describe(doc)),
            Cell(_recipient(doc)),
            Cell(doc.deadline),
            Cell(progress, bold=late),
            # Typed by whoever completed it until outgoing documents exist to link to.
            Cell(text(doc.reply_reference)),
            Cell(_notes(doc)),
        ),
    )


SPEC = RegisterSpec(
    title=TITLE,
    columns=COLUMNS,
    row=row_from_document,
    empty_message=EMPTY_MESSAGE,
    sheet_name="Theo doi giai quyet",
    org_columns=3,
    xlsx_header_height=45,
    # Rendered within the request: about 12 s of WeasyPrint (10–14 ms a row).
    pdf_max_rows_setting="TRACKING_PDF_MAX_ROWS",
    pdf_max_rows=1000,
    pdf_shorter_period="ví dụ từng tháng",
)


def render_pdf(org: Organisation, docs: list[IncomingDocument], start: date, end: date) -> bytes:
    """The tracking register as an A4 landscape PDF; refused past TRACKING_PDF_MAX_ROWS."""
    return render_register_pdf(SPEC, org, docs, start, end)


def render_xlsx(org: Organisation, docs: list[IncomingDocument], start: date, end: date) -> bytes:
    """The tracking register as a workbook; refused past REGISTER_XLSX_MAX_ROWS."""
    return render_register_xlsx(SPEC, org, docs, start, end)
