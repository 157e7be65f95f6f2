"""Exporting a case file as one ZIP: every document's files, the Phụ lục VI metadata as
XML, the contents list as CSV (and as PDF).

Phụ lục VI (III.4) asks that a file can be exported with its documents in order and its
metadata. The ZIP holds, for each document in the file's order (`files.contents()`), a
folder `NNN - <số, ký hiệu>/` with the document's original files (an incoming
document's attachments; an outgoing document's attachments and its rendered PDF) and its
signed PDFs (the signed document, the signed copies of its PDF attachments); then
`ho-so.xml` (the file's and the documents' metadata, listing each file of the ZIP with its
SHA-256, against the schema shipped in `schema/ho-so.xsd`), `muc-luc.csv` (the contents
list for Excel) and `muc-luc.pdf` (the printed contents list).

The XML is built and validated before anything is copied: an export that does not match
its own schema is a bug, and it fails loudly (an exception, logged, retried by the job)
instead of handing an archive a file it will refuse. Phụ lục VI's lengths are the
schema's: the few fields whose source may be longer (a person's name for `Creator`,
String 30) are cut to fit on purpose; what a large or unusual file can really hold
beyond them (more than 999 documents or 9 999 pages, a document of more than 999 pages,
an outgoing notation longer than 30 characters, a code longer than 20) is refused by
`check_exportable` in words the user can act on, before any job and again in the job
(a refusal ends the job at once, it is not retried). `Maintenance` carries the
retention's label ("10 năm", "Vĩnh viễn"): Phụ lục VI asks for the thời hạn bảo quản as
a text, and the label is what an archive reading the XML understands.

A file can hold hundreds of scans: the ZIP is written to a spooled temporary file
(memory up to SPOOL_MEMORY, then disk) and each stored file is streamed into it, never
read whole. Files that are compressed already (PDF, Office, images) are stored as they
are; deflating them again costs time and saves nothing.

Runs as a background export (eoffice.reports.exports, kind "casefile_zip"): the user
asks (`request_export`), the job builds (`render_export`) and reports one step per
document, the pages (export_views) show the real progress and the download.

Who may export: a user of the file's organisation who may see every document in it. A
file is the office's, but a confidential document in it stays hidden from those who may
not read it (casefiles.access), and an export with holes would not be the file.
"""

from __future__ import annotations

import csv
import functools
import io
import logging
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO

from lxml import etree
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from eoffice.casefiles import files
from eoffice.casefiles.access import get_file
from eoffice.casefiles.contents_pdf import render_contents_pdf
from eoffice.casefiles.files import ContentsRow
from eoffice.casefiles.models import DEFAULT_LANGUAGE, CaseFile, CaseFileItem
from eoffice.catalog.models import ConfidentialityLevel
from eoffice.core import secret_access
from eoffice.core.audit import record
from eoffice.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from eoffice.core.models import StoredFile
from eoffice.core.steps import transaction
from eoffice.core.timeutil import format_date, now_utc, to_local
from eoffice.directives.exports import csv_text, safe_name, unique_name
from eoffice.extensions import db
from eoffice.incoming import access as incoming_access
from eoffice.incoming.attachments import file_store
from eoffice.incoming.models import IncomingDocument
from eoffice.orgs.models import Organisation, User
from eoffice.outgoing import involvement as outgoing_access
from eoffice.outgoing.models import OutgoingAttachment, OutgoingDocument, OutgoingRecipient
from eoffice.reports.exports import (
    KIND_CASEFILE_ZIP,
    Rendered,
    defer_export,
    is_stale,
    new_export,
)
from eoffice.reports.models import ExportState, ReportExport
from workflows import casefiles as flow

log = logging.getLogger(__name__)

NAMESPACE = "urn:eoffice:hoso:1"
SCHEMA_VERSION = "1"
SCHEMA_PATH = Path(__file__).with_name("schema") / "ho-so.xsd"
XML_NAME = "ho-so.xml"
CSV_NAME = "muc-luc.csv"
PDF_NAME = "muc-luc.pdf"
ZIP_MIME = "application/zip"
SPOOL_MEMORY = 16 * 1024 * 1024
ORIGINAL, SIGNED = "original", "signed"
SIGNED_SUFFIX = " (đã ký số)"
CSV_HEADER = [
    "STT",
    "Số, ký hiệu văn bản",
    "Ngày tháng văn bản",
    "Tên loại và trích yếu nội dung",
    "Tác giả",
    "Tờ/trang số",
    "Tệp trong ZIP",
]
# Stored kinds (StoredFile.kind) whose bytes are compressed already.
_ALREADY_COMPRESSED = frozenset({"pdf", "docx", "xlsx", "jpeg", "png", "zip"})
MAX_FILE_NOTATION = 20  # Phụ lục VI: FileNotation String 20 (the file's code)
MAX_DOCUMENTS = 999  # DocOrdinal Number 3 (DocTotal is Number 4)
MAX_PAGE_TOTAL = 9999  # PageTotal Number 4
MAX_PAGES = 999  # PageAmount Number 3
MAX_CODE_NOTATION = 30  # CodeNotation String 30
MAX_CODE_NUMBER = 11  # CodeNumber String 11
_FOLDER_LIMIT = 80
_NAME_LIMIT = 120

Progress = Callable[[int, int], None]


class ExportInvalid(RuntimeError):
    """The metadata built for an export does not match the shipped schema: a bug."""


# What goes into the ZIP ----------------------------------------------------------------


@dataclass(frozen=True)
class ZipEntry:
    """One stored file of a document as it goes into the ZIP."""

    path: str  # "001 - 12-SGDĐT-VP/Công văn 12.pdf"
    role: str  # ORIGINAL | SIGNED
    sha256: str
    size: int
    kind: str  # StoredFile.kind: decides stored or deflated


@dataclass(frozen=True)
class ExportedDocument:
    """A document of the file, in the file's order, with the files it brings."""

    row: ContentsRow
    doc: IncomingDocument | OutgoingDocument
    folder: str
    files: tuple[ZipEntry, ...]


def plan(case_file: CaseFile, viewer: User | None = None) -> list[ExportedDocument]:
    """The documents in order with their folder and file names; a few queries whatever
    the number of documents (the contents, then each kind's documents with their files).
    Read as `viewer` sees the file (require_export has made sure they see it all)."""
    rows = files.contents(case_file, viewer=viewer)
    incoming = _incoming([r.document_id for r in rows if r.kind == "incoming"])
    outgoing = _outgoing([r.document_id for r in rows if r.kind == "outgoing"])
    planned = []
    for row in rows:
        if row.kind == "incoming":
            doc = incoming[row.document_id]
            label = row.symbol or f"Văn bản đến {doc.id}"
        else:
            doc = outgoing[row.document_id]
            label = row.symbol or f"Văn bản đi {doc.id}"
        folder = f"{row.position:03d} - {safe_name(label, limit=_FOLDER_LIMIT)}"
        sources = _incoming_files(doc) if row.kind == "incoming" else _outgoing_files(doc, label)
        taken: set[str] = set()
        entries = tuple(
            ZipEntry(
                path=f"{folder}/{unique_name(_file_name(name), taken)}",
                role=role,
                sha256=stored.sha256,
                size=stored.size,
                kind=stored.kind,
            )
            for name, role, stored in sources
        )
        planned.append(ExportedDocument(row=row, doc=doc, folder=folder, files=entries))
    return planned


def _incoming(ids: Sequence[int]) -> dict[int, IncomingDocument]:
    if not ids:
        return {}
    query = (
        select(IncomingDocument)
        .where(IncomingDocument.id.in_(ids))
        .options(
            joinedload(IncomingDocument.recipient_unit),
            joinedload(IncomingDocument.recipient_user),
        )
    )
    return {d.id: d for d in db.session.scalars(query).unique()}


def _outgoing(ids: Sequence[int]) -> dict[int, OutgoingDocument]:
    if not ids:
        return {}
    query = (
        select(OutgoingDocument)
        .where(OutgoingDocument.id.in_(ids))
        .options(
            joinedload(OutgoingDocument.pdf_file),
            joinedload(OutgoingDocument.signed_file),
            joinedload(OutgoingDocument.signer),
            selectinload(OutgoingDocument.attachments).joinedload(OutgoingAttachment.signed_file),
            selectinload(OutgoingDocument.recipients).joinedload(OutgoingRecipient.organisation),
        )
    )
    return {d.id: d for d in db.session.scalars(query).unique()}


Source = tuple[str, str, StoredFile]  # (name wanted, role, stored file)


def _incoming_files(doc: IncomingDocument) -> list[Source]:
    return [(a.original_name, ORIGINAL, a.stored_file) for a in doc.attachments]


def _outgoing_files(doc: OutgoingDocument, label: str) -> list[Source]:
    """The rendered PDF and its signed copy, then each attachment and its signed copy."""
    sources: list[Source] = []
    if doc.pdf_file is not None:
        sources.append((f"{label}.pdf", ORIGINAL, doc.pdf_file))
    if doc.signed_file is not None:
        sources.append((f"{label}{SIGNED_SUFFIX}.pdf", SIGNED, doc.signed_file))
    for attachment in doc.attachments:
        sources.append((attachment.original_name, ORIGINAL, attachment.stored_file))
        if attachment.signed_file is not None:
            stem = attachment.original_name.rsplit(".", 1)[0]
            sources.append((f"{stem}{SIGNED_SUFFIX}.pdf", SIGNED, attachment.signed_file))
    return sources


def _file_name(name: str) -> str:
    """A safe name that keeps its extension even when the stem has to be cut."""
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem or not (0 < len(ext) <= 8 and ext.isalnum()):
        return safe_name(name, limit=_NAME_LIMIT)
    return f"{safe_name(stem, limit=_NAME_LIMIT - len(ext) - 1)}.{ext.lower()}"


# ho-so.xml -------------------------------------------------------------------------------


@functools.cache
def schema() -> etree.XMLSchema:
    """The shipped schema (ho-so.xsd), parsed once per process."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    return etree.XMLSchema(etree.parse(str(SCHEMA_PATH), parser))


def _q(tag: str) -> str:
    return f"{{{NAMESPACE}}}{tag}"


def _add(parent: etree._Element, tag: str, value: object) -> etree._Element | None:
    """A child element with the value as text; nothing for an empty value."""
    if value is None or value == "":
        return None
    child = etree.SubElement(parent, _q(tag))
    child.text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return child


def _fit(text: str | None, limit: int) -> str | None:
    """Cut a value whose source may be longer than Phụ lục VI allows (see the module)."""
    return text[:limit].rstrip() if text else text


def _split_symbol(symbol: str | None) -> tuple[str | None, str | None]:
    """ "05/KH-GDĐT" → ("05", "KH-GDĐT"): CodeNumber and CodeNotation."""
    if not symbol:
        return None, None
    number, slash, notation = symbol.partition("/")
    return (number or None, notation or None) if slash else (None, symbol)


def metadata_xml(
    case_file: CaseFile, documents: Sequence[ExportedDocument], *, exported_at: datetime
) -> bytes:
    """ho-so.xml, validated against the shipped schema; ExportInvalid if it does not match."""
    org = db.session.get(Organisation, case_file.org_id)
    root = etree.Element(_q("HoSo"), nsmap={None: NAMESPACE})
    root.set("version", SCHEMA_VERSION)
    root.set("exportedAt", exported_at.isoformat())
    code = etree.SubElement(root, _q("FileCode"))
    _add(code, "OrganId", org.agency_code if org else None)
    _add(code, "FileCatalog", case_file.year)
    _add(code, "FileNotation", case_file.code)
    _add(root, "Title", case_file.title)
    _add(root, "Maintenance", case_file.retention.label)
    _add(root, "Rights", case_file.rights)
    _add(root, "Creator", _fit(case_file.keeper.full_name if case_file.keeper else None, 30))
    _add(root, "Language", case_file.language)
    dates = [d.row.document_date for d in documents if d.row.document_date]
    _add(root, "StartDate", case_file.start_date or (min(dates) if dates else None))
    _add(root, "EndDate", case_file.end_date)
    _add(root, "DocTotal", len(documents))
    _add(root, "PageTotal", sum(d.row.pages or 0 for d in documents))
    _add(root, "Description", case_file.description)
    org_name = org.name if org else ""
    for document in documents:
        _document_element(root, document, org_name)
    tree = etree.ElementTree(root)
    try:
        schema().assertValid(tree)
    except etree.DocumentInvalid as exc:
        raise ExportInvalid(
            f"ho-so.xml of case file {case_file.id} does not match {SCHEMA_PATH.name}: {exc}"
        ) from exc
    return etree.tostring(tree, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _document_element(root: etree._Element, document: ExportedDocument, org_name: str) -> None:
    row, doc = document.row, document.doc
    item = etree.SubElement(root, _q("VanBan"))
    item.set("kind", row.kind)
    _add(item, "DocOrdinal", row.position)
    _add(item, "TypeName", doc.document_type.name)
    if isinstance(doc, IncomingDocument):
        number, notation = doc.code_number, doc.code_notation
        organ, signer, position = doc.sender_name, doc.signer_name, doc.signer_position
    else:
        number, notation = _split_symbol(doc.symbol)
        organ = org_name
        signer = doc.signer.full_name if doc.signer else None
        position = doc.signer_title or (doc.signer.title if doc.signer else None)
    _add(item, "CodeNumber", number)
    _add(item, "CodeNotation", notation)
    _add(item, "IssuedDate", doc.document_date)
    _add(item, "OrganName", organ)
    _add(item, "Subject", doc.subject)
    _add(item, "Language", DEFAULT_LANGUAGE)
    _add(item, "PageAmount", doc.page_count)
    _add(item, "Description", row.note)
    if signer or position:
        info = etree.SubElement(item, _q("SignerInfo"))
        _add(info, "Position", position)
        _add(info, "FullName", _fit(signer, 50))
    _add(item, "Priority", doc.urgency.rank)
    if isinstance(doc, IncomingDocument):
        _add(item, "ArrivalDate", to_local(doc.arrived_at).date())
        _add(item, "ArrivalNumber", doc.arrival_number)
        _add(item, "ToPlaces", doc.recipient_label)
        _add(item, "DueDate", doc.deadline)
    else:
        for recipient in doc.recipients:
            if not recipient.listed:
                continue
            to = etree.SubElement(item, _q("To"))
            organ = recipient.organisation
            _add(to, "OrganId", recipient.agency_code or (organ.agency_code if organ else None))
            _add(to, "OrganName", _fit(recipient.name, 200))
        _add(item, "IssuedAmount", doc.copies)
    listing = etree.SubElement(item, _q("Files"))
    for entry in document.files:
        element = _add(listing, "File", entry.path)
        element.set("role", entry.role)
        element.set("sha256", entry.sha256)
        element.set("size", str(entry.size))


# muc-luc.csv -----------------------------------------------------------------------------


def contents_csv(documents: Sequence[ExportedDocument]) -> bytes:
    """The contents list for Excel (UTF-8 with BOM), one row per document, with the
    files each brings into the ZIP; typed text can never become a formula."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for document in documents:
        row = document.row
        writer.writerow(
            [
                row.position,
                csv_text(row.symbol),
                format_date(row.document_date),
                csv_text(row.type_and_subject),
                csv_text(row.author),
                row.page_range,
                csv_text("\n".join(f.path for f in document.files)),
            ]
        )
    return out.getvalue().encode("utf-8-sig")


# muc-luc.pdf -----------------------------------------------------------------------------


def contents_pdf(case_file: CaseFile, viewer: User | None = None) -> bytes | None:
    """The printed contents list (eoffice.casefiles.contents_pdf); a file with more rows
    than it lays out goes without it (the CSV carries the same rows)."""
    try:
        return render_contents_pdf(case_file, viewer)
    except ValidationFailed as exc:  # too many rows to lay out: the ZIP goes without it
        log.info("contents PDF left out of the export of case file %s: %s", case_file.id, exc)
        return None


# The ZIP ---------------------------------------------------------------------------------


def build_zip(case_file: CaseFile, progress: Progress, viewer: User | None = None) -> IO[bytes]:
    """The whole export as a spooled file positioned at its start (the caller closes it).

    `progress(done, total)` is called after each document's files are in.
    """
    documents = plan(case_file, viewer)
    total = len(documents)
    metadata = metadata_xml(case_file, documents, exported_at=now_utc().replace(microsecond=0))
    store = file_store()
    stamp = to_local(now_utc()).timetuple()[:6]
    spool: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY)  # noqa: SIM115
    try:
        with zipfile.ZipFile(spool, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
            for done, document in enumerate(documents, start=1):
                for entry in document.files:
                    info = zipfile.ZipInfo(entry.path, date_time=stamp)
                    info.compress_type = _compression(entry.kind)
                    with store.open(entry.sha256) as source, archive.open(info, "w") as target:
                        shutil.copyfileobj(source, target, 1024 * 1024)
                progress(done, total)
            _write(archive, XML_NAME, metadata, stamp)
            _write(archive, CSV_NAME, contents_csv(documents), stamp)
            pdf = contents_pdf(case_file, viewer)
            if pdf is not None:
                _write(archive, PDF_NAME, pdf, stamp, compress=zipfile.ZIP_STORED)
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    return spool


def _write(archive: zipfile.ZipFile, name: str, data: bytes, stamp, *, compress=None) -> None:
    info = zipfile.ZipInfo(name, date_time=stamp)
    info.compress_type = zipfile.ZIP_DEFLATED if compress is None else compress
    archive.writestr(info, data)


def _compression(kind: str) -> int:
    return zipfile.ZIP_STORED if kind in _ALREADY_COMPRESSED else zipfile.ZIP_DEFLATED


def zip_name(case_file: CaseFile) -> str:
    """ "Hồ sơ 01.VP năm 2026.zip" (Vietnamese kept, safe in any file system)."""
    return safe_name(f"Hồ sơ {case_file.code} năm {case_file.year}") + ".zip"


# Secret documents in what leaves the system ---------------------------------------------

SECRET_PARAM = "secret_documents"  # the export's params: [[kind, id], …] in its ZIP


def secret_documents(case_file: CaseFile, viewer: User | None = None) -> list[tuple[str, int]]:
    """The file's secret documents (độ mật), in the file's order, as (kind, id); with a
    `viewer`, only those they may read (the rest are masked wherever the file is shown,
    so their reading is no reading of them). Two queries, plus the viewer's check."""
    secret_codes = select(ConfidentialityLevel.code).where(ConfidentialityLevel.rank >= 1)
    found: list[tuple[int, int, str, int]] = []
    for kind, model, column in (
        ("incoming", IncomingDocument, CaseFileItem.incoming_id),
        ("outgoing", OutgoingDocument, CaseFileItem.outgoing_id),
    ):
        rows = db.session.execute(
            select(CaseFileItem.position, CaseFileItem.id, model.id)
            .join(model, model.id == column)
            .where(
                CaseFileItem.case_file_id == case_file.id,
                model.confidentiality_code.in_(secret_codes),
            )
        ).all()
        found.extend((position, item_id, kind, doc_id) for position, item_id, doc_id in rows)
    found.sort()
    if viewer is not None and found:
        hidden_in, hidden_out = files.hidden_documents(
            viewer,
            [d for _, _, k, d in found if k == "incoming"],
            [d for _, _, k, d in found if k == "outgoing"],
        )
        hidden = {("incoming", d) for d in hidden_in} | {("outgoing", d) for d in hidden_out}
        found = [f for f in found if (f[2], f[3]) not in hidden]
    return [(kind, doc_id) for _, _, kind, doc_id in found]


def log_download(user: User, export: ReportExport, case_file: CaseFile) -> None:
    """The ZIP was downloaded: one `secret_downloaded` per secret document it holds (as
    recorded when it was built; an export built before that record, the file's secret
    documents now), the ZIP's name in each, one commit (core.secret_access)."""
    recorded = (export.params or {}).get(SECRET_PARAM)
    documents = (
        [(str(kind), int(doc_id)) for kind, doc_id in recorded]
        if recorded is not None
        else secret_documents(case_file)
    )
    if documents:
        secret_access.log_documents_downloaded(
            user, documents, export.filename or zip_name(case_file)
        )


def log_contents_download(user: User, case_file: CaseFile, file_name: str) -> None:
    """The printed contents list was downloaded: it names every secret document the
    user may read (number, date, subject), so each of them is logged as downloaded with
    the list's file name; the masked ones are not (the list does not tell them)."""
    documents = secret_documents(case_file, viewer=user)
    if documents:
        secret_access.log_documents_downloaded(user, documents, file_name)


# Who exports, the request and the job ----------------------------------------------------


def require_export(user: User, case_file: CaseFile) -> None:
    """The user sees the file (its organisation) and every document in it, else Forbidden."""
    hidden = _hidden_count(user, case_file)
    if hidden:
        raise Forbidden(
            f"Hồ sơ có {hidden} văn bản bạn không có quyền xem, nên bạn không xuất được "
            "toàn bộ hồ sơ. Hãy nhờ lãnh đạo hoặc người lập hồ sơ xuất."
        )


def check_exportable(case_file: CaseFile) -> None:
    """Refuse, in words the user can act on, what the schema would refuse as a bug: a
    disposed file, and what Phụ lục VI's fields cannot hold (the file code, the number of
    documents and of pages, a document's pages, a document's number and notation)."""
    if case_file.state == flow.DISPOSED:
        raise Conflict(f"Hồ sơ {case_file.code} đã tiêu hủy, không xuất được.")
    problems = []
    if len(case_file.code) > MAX_FILE_NOTATION:
        problems.append(
            f"số và ký hiệu hồ sơ «{case_file.code}» dài hơn {MAX_FILE_NOTATION} ký tự "
            "(hãy báo quản trị để rút gọn ký hiệu hồ sơ)"
        )
    rows = files.contents(case_file)
    if rows and max(r.position for r in rows) > MAX_DOCUMENTS:
        problems.append(f"hồ sơ có hơn {MAX_DOCUMENTS} văn bản (hãy chia thành nhiều hồ sơ)")
    pages = sum(r.pages or 0 for r in rows)
    if pages > MAX_PAGE_TOTAL:
        problems.append(f"hồ sơ có {pages} trang, quá {MAX_PAGE_TOTAL} trang")
    for row in rows:
        label = f"văn bản số {row.position} ({row.symbol or 'không số'})"
        if (row.pages or 0) > MAX_PAGES:
            problems.append(f"{label} ghi {row.pages} trang, quá {MAX_PAGES} trang")
        number, notation = _split_symbol(row.symbol) if row.kind == "outgoing" else (None, None)
        if notation and len(notation) > MAX_CODE_NOTATION:
            problems.append(f"{label} có ký hiệu dài hơn {MAX_CODE_NOTATION} ký tự")
        if number and len(number) > MAX_CODE_NUMBER:
            problems.append(f"{label} có số dài hơn {MAX_CODE_NUMBER} ký tự")
    if problems:
        raise ValidationFailed(
            "Hồ sơ chưa xuất được theo Phụ lục VI Nghị định 30/2020/NĐ-CP: "
            + "; ".join(problems[:5])
            + (f"; và {len(problems) - 5} vấn đề khác." if len(problems) > 5 else ".")
        )


def _hidden_count(user: User, case_file: CaseFile) -> int:
    item = CaseFileItem
    in_file = item.case_file_id == case_file.id
    hidden_in = select(func.count(item.id)).where(
        in_file,
        item.incoming_id.is_not(None),
        ~item.incoming_id.in_(
            select(IncomingDocument.id).where(incoming_access.visible_filter(user))
        ),
    )
    hidden_out = select(func.count(item.id)).where(
        in_file,
        item.outgoing_id.is_not(None),
        ~item.outgoing_id.in_(
            select(OutgoingDocument.id).where(outgoing_access.visible_filter(user))
        ),
    )
    return (db.session.scalar(hidden_in) or 0) + (db.session.scalar(hidden_out) or 0)


def _document_count(case_file: CaseFile) -> int:
    return db.session.scalar(
        select(func.count(CaseFileItem.id)).where(CaseFileItem.case_file_id == case_file.id)
    )


@transaction
def request_export(user: User, file_id: int) -> ReportExport:
    """Xuất hồ sơ: record the request (audited on the file) and queue the job after the
    commit. A second click while the same export is queued or running gets that one."""
    case_file = get_file(user, file_id)
    require_export(user, case_file)
    check_exportable(case_file)
    pending = db.session.scalars(
        select(ReportExport)
        .where(
            ReportExport.user_id == user.id,
            ReportExport.kind == KIND_CASEFILE_ZIP,
            ReportExport.state.in_([ExportState.QUEUED, ExportState.RUNNING]),
        )
        .order_by(ReportExport.id.desc())
    )
    for export in pending:
        if export.params.get("file_id") == case_file.id and not is_stale(export):
            return export
    count = _document_count(case_file)
    export = new_export(
        user,
        KIND_CASEFILE_ZIP,
        {"file_id": case_file.id},
        row_count=count,
        estimated_seconds=2.0 + 0.2 * count,
        steps_total=count,
    )
    record(
        actor_id=user.id,
        org_id=user.org_id,
        subject_type="case_file",
        subject_id=case_file.id,
        action="exported",
        changes={"documents": count},
    )
    defer_export(export)
    return export


def render_export(export: ReportExport, progress: Progress) -> Rendered:
    """The job's render (eoffice.reports.exports KINDS): the requester's file, checked
    again (the file or a document may have changed hands since the request)."""
    user = db.session.get(User, export.user_id)
    if user is None:
        raise NotFound("Không tìm thấy người yêu cầu xuất hồ sơ.")
    case_file = get_file(user, int(export.params["file_id"]))
    require_export(user, case_file)
    check_exportable(case_file)
    content = build_zip(case_file, progress, viewer=user)
    # Which secret documents this ZIP holds, for the log of its downloads (committed
    # with the export's DONE state; a failed build leaves nothing).
    export.params = {
        **export.params,
        SECRET_PARAM: [list(ref) for ref in secret_documents(case_file)],
    }
    return Rendered(content, zip_name(case_file), ZIP_MIME, "zip")


def get_export(user: User, export_id: int) -> tuple[ReportExport, CaseFile]:
    """A case file export of the user's own, and its file (which the user must still be
    allowed to export); anything else is NotFound."""
    from eoffice.reports.exports import get_export as get_own

    export = get_own(user, export_id, pages="casefile_exports")
    case_file = get_file(user, int(export.params["file_id"]))
    require_export(user, case_file)
    return export, case_file


def exports_of(user: User, limit: int = 50) -> list[tuple[ReportExport, CaseFile | None]]:
    """The user's latest case file exports, newest first, with their files."""
    exports = list(
        db.session.scalars(
            select(ReportExport)
            .where(ReportExport.user_id == user.id, ReportExport.kind == KIND_CASEFILE_ZIP)
            .order_by(ReportExport.id.desc())
            .limit(limit)
        )
    )
    ids = {int(e.params["file_id"]) for e in exports}
    found = (
        {
            f.id: f
            for f in db.session.scalars(
                select(CaseFile).where(CaseFile.id.in_(ids), CaseFile.org_id == user.org_id)
            )
        }
        if ids
        else {}
    )
    return [(e, found.get(int(e.params["file_id"]))) for e in exports]
