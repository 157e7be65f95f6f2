"""Recognise an uploaded file by its bytes, never by its name alone.

A clerk's upload is accepted only when the bytes are what the extension says (a
renamed .exe is not a PDF), the file is not empty, and a PDF actually opens.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

from pypdf import PdfReader
from pypdf.errors import PyPdfError

# Zip containers (DOCX, XLSX) may not expand beyond this: a defence against zip bombs.
MAX_UNCOMPRESSED_ZIP = 300 * 1024 * 1024


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
