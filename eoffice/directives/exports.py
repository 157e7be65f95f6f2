"""The board as a workbook, and every answer of a document as one ZIP.

Both are built synchronously within the request, with a bound, rather than as a
background job (eoffice.reports.exports): the workbook has one row per school (at most a
few thousand: 2,500 rows build in well under a second), and the ZIP holds the files the
schools handed in, which are already in the file store and are copied, not rendered. A
ZIP whose files would exceed DIRECTIVE_ZIP_MAX_BYTES (default 300 MB) is refused with a
message, so one request never holds a worker for minutes; the archive is written to a
spooled temporary file (memory up to 16 MB, then disk), never held whole in memory.

File names inside the ZIP are the schools' names, Vietnamese kept (ZIP's UTF-8 flag),
made safe for Windows: no \\ / : * ? " < > |, no control characters, no trailing dot or
space, no reserved device name, at most 150 characters, and unique.
"""

from __future__ import annotations

import csv
import io
import re
import tempfile
import unicodedata
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import aliased

from eoffice.core.errors import ValidationFailed
from eoffice.core.models import StoredFile
from eoffice.core.timeutil import format_date, format_datetime
from eoffice.directives.answers import format_figure
from eoffice.directives.board import (
    ANSWER_STATUS_LABELS,
    AnswerStatus,
    Board,
    BoardRow,
    TaskCell,
)
from eoffice.directives.models import ReportTask, TaskState
from eoffice.extensions import db
from eoffice.incoming.attachments import file_store
from eoffice.orgs.models import Organisation
from eoffice.outgoing.models import OutgoingDocument

DEFAULT_ZIP_MAX_BYTES = 300 * 1024 * 1024
MAX_NAME = 150
_FONT = "Times New Roman"
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')
_RESERVED = (
    {"CON", "PRN", "AUX", "NUL"}
    | {f"COM{i}" for i in range(1, 10)}
    | {f"LPT{i}" for i in range(1, 10)}
)
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def safe_name(text: str, *, limit: int = MAX_NAME) -> str:
    """A file name Windows accepts, keeping the Vietnamese letters (NFC)."""
    name = unicodedata.normalize("NFC", text or "")
    name = _UNSAFE.sub("-", name)
    name = " ".join(name.split()).strip(" .")
    if name.split(".")[0].upper() in _RESERVED:
        name = "_" + name
    return name[:limit].rstrip(" .") or "tep"


def csv_text(text: str) -> str:
    """A school's text as a CSV cell Excel shows as text: one starting with = + - @ (or a
    tab or carriage return) would be read as a formula, so it gets a leading apostrophe."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def unique_name(name: str, taken: set[str]) -> str:
    """`name`, or `name (2)`, `name (3)`… when the folder has it already (any case)."""
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    candidate, n = name, 2
    while candidate.lower() in taken:
        candidate = f"{stem} ({n}).{ext}" if ext else f"{stem} ({n})"
        n += 1
    taken.add(candidate.lower())
    return candidate


# The workbook --------------------------------------------------------------------------


def _cell_text(cell: TaskCell | None) -> str:
    return cell.label if cell is not None else "Không áp dụng"


def _fixed_headers() -> list[tuple[str, int]]:
    return [
        ("STT", 6),
        ("Trường", 40),
        ("Cấp học", 16),
        ("Phường", 14),
        ("Tình trạng nhận", 18),
        ("Đã đến lúc", 17),
        ("Vào sổ lúc", 17),
        ("Đọc lần đầu", 17),
        ("Phân công lúc", 17),
        ("Xác nhận triển khai", 17),
        ("Ghi chú xác nhận", 30),
    ]


def _row_values(number: int, row: BoardRow) -> list[Any]:
    return [
        number,
        row.name,
        row.kind_label,
        row.ward or "",
        "Từ chối tiếp nhận" if row.rejected else "Đã nhận",
        format_datetime(row.delivered_at),
        format_datetime(row.registered_at),
        format_datetime(row.first_read_at),
        format_datetime(row.assigned_at),
        format_datetime(row.acknowledged_at),
        row.acknowledgement_note or "",
    ]


def board_xlsx(board: Board) -> bytes:
    """The board as shown (its filters and order), one row per school, printable."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, NamedStyle, Side
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    wb.add_named_style(
        NamedStyle(
            "board_text",
            font=Font(name=_FONT, size=11),
            border=box,
            alignment=Alignment(wrap_text=True, vertical="top"),
        )
    )
    wb.add_named_style(
        NamedStyle(
            "board_head",
            font=Font(name=_FONT, size=11, bold=True),
            border=box,
            alignment=Alignment(wrap_text=True, horizontal="center", vertical="center"),
        )
    )
    ws = wb.active
    ws.title = "Theo dõi báo cáo"
    headers = _fixed_headers()
    for number in range(1, len(board.requests) + 1):
        headers += [
            (f"YC{number}: hạn", 12),
            (f"YC{number}: tình trạng", 18),
            (f"YC{number}: trả lời lúc", 17),
        ]
    last = get_column_letter(len(headers))
    doc = board.doc
    title = ws.cell(row=1, column=1, value=f"THEO DÕI TRẢ LỜI VĂN BẢN {doc.symbol or ''}".strip())
    title.font = Font(name=_FONT, size=14, bold=True)
    ws.merge_cells(f"A1:{last}1")
    subject = ws.cell(row=2, column=1, value=doc.subject)
    subject.data_type = "s"
    subject.font = Font(name=_FONT, size=11, italic=True)
    ws.merge_cells(f"A2:{last}2")
    line = 3
    for number, request in enumerate(board.requests, start=1):
        cell = ws.cell(
            row=line,
            column=1,
            value=f"YC{number}: {request.what} (hạn {format_date(request.deadline)})",
        )
        cell.data_type = "s"
        cell.font = Font(name=_FONT, size=11)
        ws.merge_cells(f"A{line}:{last}{line}")
        line += 1
    line += 1
    for col, (label, width) in enumerate(headers, start=1):
        ws.cell(row=line, column=col, value=label).style = "board_head"
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = f"C{line + 1}"
    for number, row in enumerate(board.rows, start=1):
        line += 1
        values = _row_values(number, row)
        for cell in row.cells:
            values += [
                format_date(cell.deadline) if cell else "",
                _cell_text(cell),
                format_datetime(cell.answered_at) if cell else "",
            ]
        for col, value in enumerate(values, start=1):
            out = ws.cell(row=line, column=col, value=value)
            if isinstance(value, str):
                out.data_type = "s"  # never a formula, whatever a school typed
            out.style = "board_text"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def board_xlsx_name(doc: OutgoingDocument) -> str:
    return safe_name(f"Theo dõi báo cáo {doc.symbol or doc.id}") + ".xlsx"


# The answers ---------------------------------------------------------------------------


@dataclass(frozen=True)
class AnswerEntry:
    """One answer to put in the ZIP: the school's file, or its text and figure."""

    task_id: int
    request_position: int
    school: str
    state: str
    late: bool
    answered_at: datetime | None
    text: str | None
    figure: Any
    file_name: str | None
    sha256: str | None
    size: int
    reply_sha256: str | None
    reply_size: int


def answers_of(doc: OutgoingDocument) -> list[AnswerEntry]:
    """Every answer handed in (answered, or returned but still on file), in one query."""
    from eoffice.directives.models import ReportRequest

    answer_file = aliased(StoredFile)
    reply = aliased(OutgoingDocument)
    reply_file = aliased(StoredFile)
    rows = db.session.execute(
        select(
            ReportTask.id,
            ReportRequest.position,
            Organisation.name,
            ReportTask.state,
            ReportTask.late,
            ReportTask.answered_at,
            ReportTask.answer_text,
            ReportTask.answer_figure,
            ReportTask.answer_file_name,
            answer_file.sha256,
            answer_file.size,
            reply_file.sha256.label("reply_sha256"),
            reply_file.size.label("reply_size"),
        )
        .join(ReportRequest, ReportRequest.id == ReportTask.request_id)
        .join(Organisation, Organisation.id == ReportTask.recipient_org_id)
        .outerjoin(answer_file, answer_file.id == ReportTask.answer_file_id)
        .outerjoin(reply, reply.id == ReportTask.answer_outgoing_id)
        .outerjoin(reply_file, reply_file.id == reply.signed_file_id)
        .where(
            ReportRequest.outgoing_id == doc.id,
            ReportTask.answered_at.is_not(None),
            ReportTask.state.in_([TaskState.ANSWERED.value, TaskState.RETURNED.value]),
        )
        .order_by(ReportRequest.position, Organisation.name_folded, ReportTask.id)
    ).all()
    return [
        AnswerEntry(
            task_id=r.id,
            request_position=r.position,
            school=r.name,
            state=r.state,
            late=r.late,
            answered_at=r.answered_at,
            text=r.answer_text,
            figure=r.answer_figure,
            file_name=r.answer_file_name,
            sha256=r.sha256,
            size=r.size or 0,
            reply_sha256=r.reply_sha256,
            reply_size=r.reply_size or 0,
        )
        for r in rows
    ]


def _extension(name: str | None, default: str) -> str:
    if name and "." in name:
        ext = name.rsplit(".", 1)[1]
        if 0 < len(ext) <= 8 and ext.isalnum():
            return ext.lower()
    return default


def _check_size(entries: Iterable[AnswerEntry]) -> None:
    limit = current_app.config.get("DIRECTIVE_ZIP_MAX_BYTES", DEFAULT_ZIP_MAX_BYTES)
    total = sum(e.size + e.reply_size for e in entries)
    if total > limit:
        raise ValidationFailed(
            f"Các tệp trả lời nặng {total / 1_048_576:.0f} MB, vượt giới hạn "
            f"{limit / 1_048_576:.0f} MB của một lần tải: tải từng tệp trên bảng theo dõi."
        )


def answers_zip(doc: OutgoingDocument, requests_count: int) -> IO[bytes]:
    """All answers as one ZIP: a file per school (per request when there are several),
    named by the school, plus `Tong_hop.csv` (UTF-8 with BOM, for Excel) listing them."""
    entries = answers_of(doc)
    _check_size(entries)
    store = file_store()
    spool: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115
    taken: set[str] = set()
    summary = io.StringIO()
    writer = csv.writer(summary)
    writer.writerow(
        ["Yêu cầu", "Trường", "Tình trạng", "Trả lời lúc", "Số liệu", "Nội dung", "Tệp trong ZIP"]
    )
    with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for e in entries:
            prefix = f"YC{e.request_position} - " if requests_count > 1 else ""
            base = safe_name(prefix + e.school, limit=MAX_NAME - 10)
            if e.sha256:
                data, ext = store.read(e.sha256), _extension(e.file_name, "bin")
            elif e.reply_sha256:
                data, ext = store.read(e.reply_sha256), "pdf"
            else:
                lines = [f"Trường: {e.school}"]
                if e.figure is not None:
                    lines.append(f"Số liệu: {format_figure(e.figure)}")
                if e.text:
                    lines.append(f"Nội dung: {e.text}")
                data, ext = ("\r\n".join(lines) + "\r\n").encode("utf-8-sig"), "txt"
            name = unique_name(f"{base}.{ext}", taken)
            archive.writestr(name, data, compress_type=_compression(ext))
            status = ANSWER_STATUS_LABELS[
                AnswerStatus.RETURNED
                if e.state == TaskState.RETURNED
                else (AnswerStatus.LATE if e.late else AnswerStatus.ON_TIME)
            ]
            writer.writerow(
                [
                    e.request_position,
                    csv_text(e.school),
                    status,
                    format_datetime(e.answered_at),
                    "" if e.figure is None else str(e.figure),
                    csv_text(e.text or ""),
                    csv_text(name),
                ]
            )
        archive.writestr("Tong_hop.csv", summary.getvalue().encode("utf-8-sig"))
    spool.seek(0)
    return spool


# Formats that are compressed already: deflating them again costs seconds on a large
# export and saves almost nothing, so they are stored as they are.
_ALREADY_COMPRESSED = frozenset(
    {"pdf", "docx", "xlsx", "pptx", "odt", "ods", "zip", "rar", "7z", "jpg", "jpeg", "png"}
)


def _compression(extension: str) -> int:
    if extension.lower() in _ALREADY_COMPRESSED:
        return zipfile.ZIP_STORED
    return zipfile.ZIP_DEFLATED


def answers_zip_name(doc: OutgoingDocument) -> str:
    return safe_name(f"Trả lời {doc.symbol or doc.id}") + ".zip"
