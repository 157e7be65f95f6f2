"""Uploads are recognised by their bytes."""

from __future__ import annotations

import io
import zipfile

import pytest

from eoffice.core.filetypes import FileRejected, check_upload, format_size, sniff
from eoffice.core.storage import FileStore
from tests.factories import docx_bytes, pdf_bytes

LIMIT = 1024 * 1024


def test_real_files_are_accepted():
    assert check_upload("Công văn.pdf", pdf_bytes(), max_bytes=LIMIT).code == "pdf"
    assert check_upload("Dự thảo.docx", docx_bytes(), max_bytes=LIMIT).code == "docx"
    assert check_upload("scan.JPG", b"\xff\xd8\xff\xe0" + b"0" * 20, max_bytes=LIMIT).code == "jpeg"
    png = b"\x89PNG\r\n\x1a\n" + b"0" * 20
    assert check_upload("scan.png", png, max_bytes=LIMIT).code == "png"
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"0" * 20
    assert check_upload("cu.doc", ole, max_bytes=LIMIT).code == "doc"


@pytest.mark.parametrize(
    ("name", "data", "fragment"),
    [
        ("a.pdf", b"", "rỗng"),
        ("a.exe", b"MZ", "định dạng không được hỗ trợ"),
        ("a.pdf", b"MZ\x90\x00", "không phải là tệp PDF"),
        ("a.docx", b"%PDF-1.4", "không phải là tệp DOCX"),
        ("a.pdf", b"%PDF-1.4 broken", "bị hỏng"),
        ("a.pdf", b"%PDF-" + b"0" * LIMIT, "vượt giới hạn"),
    ],
)
def test_bad_files_are_refused(name, data, fragment):
    with pytest.raises(FileRejected, match=fragment):
        check_upload(name, data, max_bytes=LIMIT)


def test_docx_with_macros_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
        archive.writestr("word/vbaProject.bin", b"macro")
    with pytest.raises(FileRejected, match="macro"):
        check_upload("a.docx", buffer.getvalue(), max_bytes=LIMIT)


def test_xlsx_is_recognised():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    assert sniff(buffer.getvalue()).code == "xlsx"


def test_format_size():
    assert format_size(512) == "512 byte"
    assert format_size(2048) == "2,0 KB"
    assert format_size(50 * 1024 * 1024) == "50,0 MB"


def test_store_is_content_addressed_and_idempotent(tmp_path):
    store = FileStore(tmp_path)
    digest = store.put(b"abc")
    assert store.put(b"abc") == digest
    assert store.path_for(digest).relative_to(tmp_path).parts[:2] == (digest[:2], digest[2:4])
    with store.open(digest) as handle:
        assert handle.read() == b"abc"
    with pytest.raises(ValueError):
        store.path_for("../../etc/passwd")
