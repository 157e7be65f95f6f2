"""Sổ đăng ký văn bản đi (NĐ 30/2020 Phụ lục IV, DOMAIN §1.9), printed as PDF or XLSX.

Printed in full from the Hệ thống and bound (NĐ 30 Đ16), so it follows the legal form:
its ten columns in their order, with the column numbers row under the header, one
section per book (the confidential series is apart, Đ15.2). This module says only what
those columns are and how an issued document becomes a row; the sheet, the PDF and the
workbook are those of every register (eoffice.reports.register_sheet, register_xlsx).
"""

from __future__ import annotations

import re
from datetime import date

from eoffice.core.timeutil import to_local
from eoffice.orgs.models import Organisation
from eoffice.outgoing.models import OutgoingDocument, RecipientKind
from eoffice.reports.register_sheet import (
    Cell,
    Column,
    Kind,
    RegisterSheet,
    RegisterSpec,
    SheetRow,
    build_sheet,
    render_register_pdf,
    text,
)
from eoffice.reports.register_xlsx import render_register_xlsx
from workflows import outgoing as outgoing_flow

TITLE = "SỔ ĐĂNG KÝ VĂN BẢN ĐI"
EMPTY_MESSAGE = "Không có văn bản đi trong khoảng thời gian này."
# Văn thư keeps the bản gốc of every document it issues (NĐ 30 Đ19): "Lưu: VT, …".
REGISTRY_KEEPS = "VT"

# Phụ lục IV, in the legal order (widths on the 267 mm of A4 landscape).
COLUMNS: tuple[Column, ...] = (
    Column("Số, ký hiệu văn bản", 26, 17),
    Column("Ngày tháng văn bản", 20, 11, Kind.DATE),
    Column("Tên loại và trích yếu nội dung", 56, 46),
    Column("Người ký", 28, 20),
    Column("Nơi nhận văn bản", 44, 32, multiline=True),
    Column("Đơn vị, người nhận bản lưu", 22, 16),
    Column("Số lượng bản", 13, 8, Kind.NUMBER),
    Column("Ngày chuyển", 20, 11, Kind.DATE),
    Column("Ký nhận", 14, 10),
    Column("Ghi chú", 24, 20, multiline=True),
)

# "- Sở GDĐT (để báo cáo);" → "Sở GDĐT (để báo cáo)": the list's dashes and separators.
_LINE_DECORATION = re.compile(r"^[\s\-–•+]+|[\s;,.]+$")
_KEPT_COPY = re.compile(r"^lưu\b", re.IGNORECASE)  # "Lưu: VT, TCCB": column (6), not (5)
_AS_ABOVE = re.compile(r"^như trên$", re.IGNORECASE)  # "Như trên": the Kính gửi addressees


def _marks(doc: OutgoingDocument) -> tuple[str, ...]:
    """Urgency and secrecy in capitals ("HỎA TỐC", "MẬT"): they must stand out."""
    marks = []
    if doc.urgency is not None and doc.urgency.is_urgent:
        marks.append(text(doc.urgency.name).upper())
    if doc.confidentiality is not None and doc.confidentiality.is_secret:
        marks.append(text(doc.confidentiality.name).upper())
    return tuple(marks)


def _summary(doc: OutgoingDocument, marks_label: str) -> str:
    """Column (3): 'Kế hoạch (HỎA TỐC): Ứng dụng công nghệ thông tin …'."""
    type_name = text(doc.document_type.name if doc.document_type else "")
    head = f"{type_name} {marks_label}".strip()
    subject = text(doc.subject)
    return f"{head}: {subject}" if head else subject


def _clean_line(name: str) -> str:
    return _LINE_DECORATION.sub("", text(name))


def recipient_lines(doc: OutgoingDocument) -> list[str]:
    """Column (5): where the copies went, one per line, as the "Nơi nhận" list names them.

    The list's own conventions are resolved for a reader of the register: "Như trên" is
    replaced by the Kính gửi addressees it stands for, the "Lưu: …" line is left to
    column (6), and a group picked as a whole is its one line, not its schools.
    """
    lines: list[str] = []
    for recipient in doc.recipients:
        if not recipient.listed:  # a school of a group: the group's line stands for it
            continue
        name = _clean_line(recipient.name)
        if recipient.kind == RecipientKind.TEXT and _KEPT_COPY.match(name):
            continue
        if recipient.kind == RecipientKind.TEXT and _AS_ABOVE.match(name):
            lines.extend(_clean_line(line) for line in doc.addressee_lines)
            continue
        lines.append(name)
    return list(dict.fromkeys(line for line in lines if line))


def kept_by(doc: OutgoingDocument) -> str:
    """Column (6): the bản lưu is kept by Văn thư and the drafting unit ("VT, TCCB")."""
    unit = doc.drafting_unit
    if unit is None:
        return REGISTRY_KEEPS
    return f"{REGISTRY_KEEPS}, {text(unit.short_name or unit.name)}"


def _notes(doc: OutgoingDocument) -> str:
    """Column (10): a recall and its reason, and the document this one replaces."""
    lines = []
    if doc.state == outgoing_flow.RECALLED:
        lines.append(f"Đã thu hồi: {text(doc.state_reason)}".rstrip(": "))
    if doc.replaces is not None and doc.replaces.symbol:
        lines.append(f"Thay thế văn bản số {text(doc.replaces.symbol)}")
    return "\n".join(lines)


def handed_over(doc: OutgoingDocument) -> date | None:
    """Column (8): delivery is electronic and happens at issue, so the issue day (office
    time); the document date for an entry that has no issue moment recorded."""
    issued = to_local(doc.issued_at)
    return issued.date() if issued is not None else doc.document_date


def row_from_document(doc: OutgoingDocument) -> SheetRow:
    """The ten cells, in the order of COLUMNS; (9) Ký nhận is signed on paper."""
    if doc.number is None:  # the query's job; a row without a number breaks the series
        raise ValueError(f"outgoing document {doc.id} has no number")
    marks = _marks(doc)
    marks_label = f"({', '.join(marks)})" if marks else ""
    return SheetRow(
        number=doc.number,
        cells=(
            Cell(text(doc.symbol) or f"{doc.number:02d}"),
            Cell(doc.document_date),
            Cell(_summary(doc, marks_label), mark=marks_label),
            Cell(text(doc.signer.full_name) if doc.signer is not None else ""),
            Cell("\n".join(recipient_lines(doc))),
            Cell(kept_by(doc)),
            Cell(doc.copies),
            Cell(handed_over(doc)),
            Cell(),
            Cell(_notes(doc)),
        ),
    )


SPEC = RegisterSpec(
    title=TITLE,
    columns=COLUMNS,
    row=row_from_document,
    empty_message=EMPTY_MESSAGE,
    sheet_name="So VB di",
    org_columns=3,
    xlsx_header_height=45,
    # Rendered within the request, like the Sổ theo dõi: about 12 s of WeasyPrint at the
    # cap (10–14 ms a row). An office issues far fewer documents than it receives, so a
    # quarter fits; a longer period goes to the spreadsheet.
    pdf_max_rows_setting="OUTGOING_REGISTER_PDF_MAX_ROWS",
    pdf_max_rows=1000,
    pdf_shorter_period="ví dụ từng quý",
    names_single_book=True,
)


def build_layout(
    org: Organisation, docs: list[OutgoingDocument], start: date, end: date
) -> RegisterSheet:
    """One section per book; `docs` come ordered by book, then number."""
    return build_sheet(SPEC, org, docs, start, end)


def render_pdf(org: Organisation, docs: list[OutgoingDocument], start: date, end: date) -> bytes:
    """The register as an A4 landscape PDF; refused past OUTGOING_REGISTER_PDF_MAX_ROWS."""
    return render_register_pdf(SPEC, org, docs, start, end)


def render_xlsx(org: Organisation, docs: list[OutgoingDocument], start: date, end: date) -> bytes:
    """The register as a workbook; refused past REGISTER_XLSX_MAX_ROWS."""
    return render_register_xlsx(SPEC, org, docs, start, end)
