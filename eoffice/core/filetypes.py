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
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

from pypdf import PdfReader
from pypdf.errors import PyPdfError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

# Zip containers (DOCX, XLSX): limits read from the zip directory, before any part is
# inflated and long before python-docx, openpyxl or mammoth opens the file.
MAX_UNCOMPRESSED_ZIP = 300 * 1024 * 1024
"""Largest total the members may expand to (a defence against zip bombs)."""
MAX_ZIP_ENTRIES = 5_000
"""Most members: each becomes an object when the file is opened, and a directory of
millions of empty entries is a bomb of its own. A real DOCX or XLSX lists dozens; one
with many pictures or sheets a few hundred."""
MAX_ZIP_RATIO = 200
"""Largest expansion of one member (uncompressed / compressed). Office XML deflates
5 to 50 times; a run of repeated bytes reaches about 1,000 (the deflate maximum)."""
ZIP_RATIO_FROM = 4 * 1024 * 1024
"""Members smaller than this are not judged by ratio: an empty sheet compresses
extremely well, and at this size it costs nothing to read."""
MAX_ZIP_NAME = 255
MAX_ZIP_DEPTH = 12
"""Member names: OOXML part names are short relative paths a few folders deep."""
ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    OSError,
    ValueError,
    EOFError,
    NotImplementedError,
    UnicodeDecodeError,
    KeyError,
    IndexError,
)
"""What zipfile raises on a damaged or crafted archive: every one means "not a file"."""
_UNSAFE_FILENAME = re.compile(
    r"[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff\ud800-\udfff]"
)
"""Control characters and the invisible/bidirectional marks that make "gpj.exe" look
like "exe.jpg" in a list (U+202E) or hide part of a name."""

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
        except ZIP_ERRORS:
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
        check_zip_container(filename, data)
    return kind


def safe_filename(filename: str | None, *, default: str = "tep-dinh-kem") -> str:
    """The name to show and record for an upload: NFC, no directory part, no control or
    bidirectional characters, at most 255 characters, never empty, "." or "..".

    Only ever a label (a download's Content-Disposition, a list): files are stored under
    their SHA-256 (`core.storage`), so no name an upload carries becomes a path.
    """
    name = unicodedata.normalize("NFC", filename or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = " ".join(_UNSAFE_FILENAME.sub("", " ".join(name.split())).split())
    name = name.lstrip(".").strip() if set(name) <= {"."} else name.strip()
    if len(name) > 255:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 254 - len(ext)] + dot + ext) if dot and len(ext) <= 16 else name[:255]
    return name or default


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


def check_zip_container(
    filename: str,
    data: bytes,
    *,
    max_entries: int = MAX_ZIP_ENTRIES,
    max_uncompressed: int = MAX_UNCOMPRESSED_ZIP,
    max_ratio: int = MAX_ZIP_RATIO,
    ratio_from: int = ZIP_RATIO_FROM,
) -> None:
    """Refuse a DOCX/XLSX whose zip directory shows a bomb, a hostile name or a macro.

    Only the central directory is read (no member is inflated). The declared sizes can
    be trusted: Python's zipfile never returns more bytes than an entry declares (it
    stops there and fails the CRC), and python-docx, openpyxl and mammoth all read
    through it. Member names are judged although nothing here extracts to disk: a
    name with "..", an absolute path or a drive letter is never in a real Office file,
    and a later tool (an export, a virus scanner, a user's unzip) might honour it.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except ZIP_ERRORS as exc:
        raise FileRejected(f"Tệp “{filename}”: tệp bị hỏng, không đọc được.") from exc
    if len(infos) > max_entries:
        raise FileRejected(
            f"Tệp “{filename}”: có quá nhiều thành phần ({len(infos)}), không được chấp nhận."
        )
    bomb = f"Tệp “{filename}”: nội dung giải nén quá lớn, không được chấp nhận."
    total = 0
    seen: set[str] = set()
    for info in infos:
        name = info.filename
        if not _zip_name_ok(name) or name in seen:
            raise FileRejected(
                f"Tệp “{filename}”: có thành phần mang tên không hợp lệ, không được chấp nhận."
            )
        seen.add(name)
        if info.flag_bits & 0x1:
            raise FileRejected(f"Tệp “{filename}” được mã hóa (đặt mật khẩu), không đọc được.")
        total += info.file_size
        if info.file_size > ratio_from and info.file_size > max_ratio * max(info.compress_size, 1):
            raise FileRejected(bomb)
    if total > max_uncompressed:
        raise FileRejected(bomb)
    if any(name.lower().endswith("vbaproject.bin") for name in seen):
        raise FileRejected(f"Tệp “{filename}” chứa macro, không được chấp nhận.")


def _zip_name_ok(name: str) -> bool:
    """A relative member name without "..", backslashes, drive letters or controls."""
    if not name or len(name) > MAX_ZIP_NAME or "\\" in name or "\x00" in name:
        return False
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return False
    parts = name.rstrip("/").split("/")
    if len(parts) > MAX_ZIP_DEPTH:
        return False
    return all(part not in ("", ".", "..") for part in parts) and not any(
        ord(ch) < 32 for ch in name
    )


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
