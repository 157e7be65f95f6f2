"""Zip containers (DOCX/XLSX) and file names from outside: limits judged before any parser."""

from __future__ import annotations

import io
import zipfile

import pytest

from eoffice.core import filetypes
from eoffice.core.filetypes import FileRejected, check_upload, check_zip_container, safe_filename
from tests.factories import docx_bytes

LIMIT = 50 * 1024 * 1024


def _docx_with(extra: dict[str, bytes], *, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    """A real DOCX with `extra` members added (written raw, names unchanged)."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(docx_bytes())) as src,
        zipfile.ZipFile(out, "w", compression) as dst,
    ):
        for info in src.infolist():
            dst.writestr(info, src.read(info.filename))
        for name, data in extra.items():
            dst.writestr(zipfile.ZipInfo(name), data, compress_type=compression)
    return out.getvalue()


def test_real_docx_passes_the_container_check():
    check_zip_container("a.docx", docx_bytes())
    assert check_upload(
        "a.docx", _docx_with({"word/media/image1.png": b"x" * 100}), max_bytes=LIMIT
    )


def test_a_member_that_expands_too_far_is_refused():
    bomb = _docx_with({"word/media/zeros.bin": b"\0" * (8 * 1024 * 1024)})
    assert len(bomb) < 100 * 1024  # ~1000x: deflate's maximum
    with pytest.raises(FileRejected, match="giải nén quá lớn"):
        check_upload("bom.docx", bomb, max_bytes=LIMIT)


def test_a_small_member_is_not_judged_by_its_ratio():
    check_zip_container("a.docx", _docx_with({"word/blank.xml": b" " * (1024 * 1024)}))


def test_total_uncompressed_size_is_bounded(monkeypatch):
    data = _docx_with({"word/a.bin": b"ab" * 300_000}, compression=zipfile.ZIP_STORED)
    with pytest.raises(FileRejected, match="giải nén quá lớn"):
        check_zip_container("a.docx", data, max_uncompressed=500_000)


def test_too_many_members_are_refused():
    data = _docx_with({f"word/p{i}.xml": b"" for i in range(60)})
    check_zip_container("a.docx", data)  # the default allows thousands
    with pytest.raises(FileRejected, match="quá nhiều thành phần"):
        check_zip_container("a.docx", data, max_entries=50)


@pytest.mark.parametrize(
    "member",
    [
        "../../etc/cron.d/x",
        "word/../../x.xml",
        "/etc/passwd",
        "C:/Windows/x.dll",
        "word\\..\\x.xml",
        "word//x.xml",
        "./word/x.xml",
        "/".join(["d"] * 20) + "/x.xml",
        "word/" + "x" * 300,
    ],
)
def test_hostile_member_names_are_refused(member):
    with pytest.raises(FileRejected, match="tên không hợp lệ"):
        check_upload("a.docx", _docx_with({member: b"x"}), max_bytes=LIMIT)


def test_duplicate_member_names_are_refused():
    data = _docx_with({"word/x.xml": b"a"})
    out = io.BytesIO(data)
    with zipfile.ZipFile(out, "a") as archive, pytest.warns(UserWarning):
        archive.writestr("word/x.xml", b"b")  # zipfile warns but writes a second entry
    with pytest.raises(FileRejected, match="tên không hợp lệ"):
        check_zip_container("a.docx", out.getvalue())


def test_encrypted_member_is_refused():
    data = bytearray(_docx_with({"word/secret.xml": b"x"}))
    # set the "encrypted" flag of the last central-directory record
    at = data.rfind(b"PK\x01\x02")
    data[at + 8] |= 0x1
    with pytest.raises(FileRejected, match=r"mã hóa|hỏng"):
        check_zip_container("a.docx", bytes(data))


def test_damaged_zip_directory_is_refused_not_crashing():
    data = docx_bytes()
    at = data.rfind(b"PK\x05\x06")
    broken = data[:at] + b"PK\x05\x06" + b"\xff" * 18
    with pytest.raises(FileRejected):
        check_upload("a.docx", broken, max_bytes=LIMIT)
    assert filetypes.sniff(b"PK\x03\x04" + b"\xff" * 100) is None


def test_xlsx_gets_the_same_checks():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("../evil.xml", "x")
    with pytest.raises(FileRejected, match="tên không hợp lệ"):
        check_upload("bang.xlsx", out.getvalue(), max_bytes=LIMIT)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("Công văn.pdf", "Công văn.pdf"),
        ("Co\u0302ng va\u0306n.pdf", "Công văn.pdf"),  # NFD from a Mac becomes NFC
        ("C:\\Users\\a\\Desktop\\to trinh.docx", "to trinh.docx"),
        ("../../etc/passwd", "passwd"),
        ("a\x00b\x01\x7f.pdf", "ab.pdf"),
        ("hoa-don\u202egpj.exe", "hoa-dongpj.exe"),  # right-to-left override dropped
        ("..", "tep-dinh-kem"),
        ("", "tep-dinh-kem"),
        ("   ", "tep-dinh-kem"),
        ("a\tb\nc.pdf", "a b c.pdf"),
    ],
)
def test_safe_filename(given, expected):
    assert safe_filename(given) == expected


def test_safe_filename_keeps_the_extension_when_shortening():
    name = safe_filename("x" * 400 + ".pdf")
    assert len(name) == 255 and name.endswith(".pdf")
