"""Recognise an uploaded file by its bytes, never by its name alone.

A clerk's upload is accepted only when the bytes are what the extension says (a
renamed .exe is not a PDF), the file is not empty, and a PDF actually opens and carries
no active content: a PDF with JavaScript, an automatic action, a launch of a program or
an embedded file is refused, not merely flagged, because the office prints, forwards
and files these documents and every reader downstream would open the same payload.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

from pypdf import PdfReader
from pypdf.errors import PyPdfError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

# Zip containers (DOCX, XLSX) may not expand beyond this: a defence against zip bombs.
MAX_UNCOMPRESSED_ZIP = 300 * 1024 * 1024

# PDF names that run something or carry a file: as a dictionary key (/JS, /AA …) or as
# an action type or object type (/S /JavaScript, /S /Launch, /Type /EmbeddedFile).
PDF_ACTIVE_KEYS = frozenset({"/JS", "/JavaScript", "/AA", "/EmbeddedFiles", "/EF"})
PDF_ACTIVE_VALUES = frozenset({"/JavaScript", "/Launch", "/EmbeddedFile"})
# The same names looked for in the raw bytes, where a name may be written with #xx
# escapes (/J#61vaScript is /JavaScript).
_PDF_RAW_ACTIVE = frozenset({b"JS", b"JavaScript", b"AA", b"Launch", b"EmbeddedFile"})
_PDF_NAME = re.compile(rb"/((?:[A-Za-z0-9]|#[0-9A-Fa-f]{2}){2,40})(?![A-Za-z0-9#])")
_PDF_HEX = re.compile(rb"#([0-9A-Fa-f]{2})")
_PDF_STREAM = re.compile(rb"(?<![A-Za-z])stream\r?\n")
# The object walk stops here (a bound on time for a hostile file); past it the raw scan
# alone decides.
PDF_MAX_OBJECTS = 50_000
PDF_ACTIVE_MESSAGE = (
    "tệp PDF có chứa mã JavaScript hoặc hành động tự chạy; vui lòng dùng bản PDF không có mã."
)


@dataclass(frozen=True)
class FileKind:
    code: str
    label: str
    mime: str
    extensions: tuple[str, ...]


KINDS: dict[str, FileKind] = {
    k.code: k
    for k in (
        FileKind("pdf", "PDF", "application/pdf", ("pdf",)),
        FileKind(
            "docx",
            "Word (DOCX)",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            ("docx",),
        ),
        FileKind(
            "xlsx",
            "Excel (XLSX)",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ("xlsx",),
        ),
        FileKind("doc", "Word 97-2003 (DOC)", "application/msword", ("doc",)),
        FileKind("jpeg", "Ảnh JPG", "image/jpeg", ("jpg", "jpeg")),
        FileKind("png", "Ảnh PNG", "image/png", ("png",)),
    )
}

ALLOWED_EXTENSIONS = tuple(ext for kind in KINDS.values() for ext in kind.extensions)


class FileRejected(ValueError):
    """The file is refused; the message is Vietnamese and names the file."""


def extension_of(filename: str) -> str:
    return filename.rsplit(".", 1)[-1].lower() if "." in filename else ""


def sniff(data: bytes) -> FileKind | None:
    """Identify the file kind from its leading bytes (and zip contents for OOXML)."""
    if data.startswith(b"%PDF-"):
        return KINDS["pdf"]
    if data.startswith(b"\xff\xd8\xff"):
        return KINDS["jpeg"]
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return KINDS["png"]
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return KINDS["doc"]
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
        except zipfile.BadZipFile:
            return None
        if "word/document.xml" in names:
            return KINDS["docx"]
        if "xl/workbook.xml" in names:
            return KINDS["xlsx"]
    return None


def check_upload(filename: str, data: bytes, *, max_bytes: int) -> FileKind:
    """Validate one upload and return its kind, or raise FileRejected in Vietnamese."""
    ext = extension_of(filename)
    if ext not in ALLOWED_EXTENSIONS:
        allowed = ", ".join(e.upper() for e in ALLOWED_EXTENSIONS)
        raise FileRejected(f"Tệp “{filename}”: định dạng không được hỗ trợ (chỉ nhận {allowed}).")
    if not data:
        raise FileRejected(f"Tệp “{filename}” rỗng (0 byte).")
    if len(data) > max_bytes:
        raise FileRejected(
            f"Tệp “{filename}” có dung lượng {format_size(len(data))}, "
            f"vượt giới hạn {format_size(max_bytes)}."
        )
    kind = sniff(data)
    if kind is None or ext not in kind.extensions:
        expected = ext.upper()
        raise FileRejected(
            f"Tệp “{filename}”: nội dung không phải là tệp {expected} như tên tệp ghi."
        )
    if kind.code == "pdf":
        _check_pdf(filename, data)
    elif kind.code in {"docx", "xlsx"}:
        _check_zip_size(filename, data)
    return kind


def _check_pdf(filename: str, data: bytes) -> None:
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if len(reader.pages) < 1:
            raise FileRejected(f"Tệp “{filename}”: tệp PDF không có trang nào.")
    except FileRejected:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, OSError) as exc:
        raise FileRejected(f"Tệp “{filename}”: tệp PDF bị hỏng, không đọc được.") from exc
    if pdf_has_active_content(data, reader):
        raise FileRejected(f"Tệp “{filename}”: {PDF_ACTIVE_MESSAGE}")


def pdf_has_active_content(data: bytes, reader: PdfReader | None = None) -> bool:
    """True when the PDF carries JavaScript, automatic actions, launches or embedded files.

    Two looks: the raw bytes (names in plain objects, #xx escapes decoded; cheap and
    independent of the parser) and pypdf's objects reached from the catalogue (names
    inside compressed object streams, which the raw bytes do not show).
    """
    if _raw_has_active_names(data):
        return True
    try:
        if reader is None:
            reader = PdfReader(io.BytesIO(data), strict=False)
        return _objects_have_active_names(reader.trailer)
    except (PyPdfError, ValueError, KeyError, TypeError, OSError, RecursionError):
        return False  # the raw scan has spoken; an unreadable PDF is refused elsewhere


def _outside_streams(data: bytes) -> Iterator[bytes]:
    """The parts of a PDF outside stream data (between `stream` and `endstream`).

    Dictionaries and names live outside streams; stream data is arbitrary bytes
    (compressed images, fonts, page contents naming a font /JS), where "/JS" or "/AA"
    turn up by chance in one scanned PDF in a few. What hides inside a compressed
    object stream is found by the object walk instead."""
    at = 0
    while (found := _PDF_STREAM.search(data, at)) is not None:
        yield data[at : found.start()]
        end = data.find(b"endstream", found.end())
        if end < 0:
            return
        at = end + len(b"endstream")
    yield data[at:]


def _raw_has_active_names(data: bytes) -> bool:
    for part in _outside_streams(data):
        for match in _PDF_NAME.finditer(part):
            name = match.group(1)
            if b"#" in name:
                name = _PDF_HEX.sub(lambda m: bytes([int(m.group(1), 16)]), name)
            if name in _PDF_RAW_ACTIVE:
                return True
    return False


def _objects_have_active_names(root: object) -> bool:
    """Walk dictionaries and arrays from the trailer (stream data is never decoded)."""
    seen: set[tuple[int, int]] = set()
    stack: list[object] = [root]
    visited = 0
    while stack:
        node = stack.pop()
        if isinstance(node, IndirectObject):
            key = (node.idnum, node.generation)
            if key in seen:
                continue
            seen.add(key)
            visited += 1  # objects, not the numbers of a long array, count
            if visited > PDF_MAX_OBJECTS:
                return False
            node = node.get_object()
        if isinstance(node, DictionaryObject):
            for name, value in node.items():
                if name in PDF_ACTIVE_KEYS:
                    return True
                if (
                    name in ("/S", "/Type")
                    and isinstance(value, NameObject)
                    and value in PDF_ACTIVE_VALUES
                ):
                    return True
                stack.append(value)
        elif isinstance(node, ArrayObject):
            stack.extend(node)
    return False


def _check_zip_size(filename: str, data: bytes) -> None:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        total = sum(info.file_size for info in archive.infolist())
        names = archive.namelist()
    if total > MAX_UNCOMPRESSED_ZIP:
        raise FileRejected(f"Tệp “{filename}”: nội dung giải nén quá lớn, không được chấp nhận.")
    if "word/vbaProject.bin" in names or "xl/vbaProject.bin" in names:
        raise FileRejected(f"Tệp “{filename}” chứa macro, không được chấp nhận.")


def format_size(nbytes: int) -> str:
    """Human size in Vietnamese style: '1,5 MB'."""
    size = float(nbytes)
    for unit in ("byte", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            if unit == "byte":
                return f"{int(size)} byte"
            return f"{size:.1f} {unit}".replace(".", ",")
        size /= 1024
    return f"{nbytes} byte"
