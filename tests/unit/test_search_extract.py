"""The text inside files (eoffice.search.extract): real files made by the libraries people's
files come from, and hostile ones; every failure is a result, never an exception."""

from __future__ import annotations

import io
import struct
import time
import unicodedata
import zipfile
from datetime import date, datetime
from random import Random

import pytest
from docx import Document
from openpyxl import Workbook
from pypdf import PdfReader, PdfWriter

from eoffice.reports.pdf import html_to_pdf
from eoffice.search import extract
from eoffice.search.extract import ExtractResult, Outcome, extract_text, normalise
from eoffice.search.models import TextState
from eoffice.search.tokens import MAX_INDEXED_CHARS

LETTER = (
    "<h1>QUYẾT ĐỊNH</h1>"
    "<p>Về việc điều động giáo viên Trường Tiểu học Nguyễn Bỉnh Khiêm</p>"
    "<p>Điều 1. Điều động bà Phạm Thị Hoà đến công tác tại Trường Mầm non Hoạ Mi.</p>"
)


@pytest.fixture(scope="module")
def letter_pdf() -> bytes:
    return html_to_pdf(LETTER)


def _pages_pdf(*texts: str) -> bytes:
    return html_to_pdf("".join(f'<p style="page-break-after: always">{text}</p>' for text in texts))


def _encrypted(pdf: bytes, user_password: str) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.encrypt(user_password=user_password, owner_password="chu-so-huu", algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _docx(document) -> bytes:
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _with_member(container: bytes, name: str, zeros: int) -> bytes:
    """`container` plus a member of `zeros` zero bytes, written in chunks (no big buffer)."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(container)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            target.writestr(info, source.read(info))
        with target.open(name, "w", force_zip64=True) as member:
            chunk = bytes(1024 * 1024)
            for _ in range(zeros // len(chunk)):
                member.write(chunk)
    return out.getvalue()


def _declare_size(container: bytes, name: str, size: int) -> bytes:
    """The zip with `name`'s uncompressed size in the central directory set to `size`."""
    data = bytearray(container)
    start = 0
    while (at := data.find(b"PK\x01\x02", start)) >= 0:
        name_length = struct.unpack_from("<H", data, at + 28)[0]
        if data[at + 46 : at + 46 + name_length] == name.encode():
            struct.pack_into("<I", data, at + 24, size)
            return bytes(data)
        start = at + 4
    raise AssertionError(f"{name} not in the zip")


# PDF -------------------------------------------------------------------------------------


def test_pdf_text_layer_in_vietnamese(letter_pdf):
    result = extract_text(letter_pdf, "pdf")
    assert result.state == Outcome.DONE and result.error is None
    assert "QUYẾT ĐỊNH" in result.text
    assert "Nguyễn Bỉnh Khiêm" in result.text
    assert "Phạm Thị Hoà" in result.text and "Hoạ Mi" in result.text
    assert result.text == unicodedata.normalize("NFC", result.text)
    assert not result.truncated


def test_pdf_without_text_layer_is_empty():
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)  # what a scan without OCR gives
    out = io.BytesIO()
    writer.write(out)
    assert extract_text(out.getvalue(), "pdf") == ExtractResult(Outcome.EMPTY)


def test_pdf_reads_at_most_max_pages(monkeypatch):
    pdf = _pages_pdf("Trang một", "Trang hai", "Trang ba")
    assert "Trang ba" in extract_text(pdf, "pdf").text
    monkeypatch.setattr(extract, "MAX_PDF_PAGES", 2)
    text = extract_text(pdf, "pdf").text
    assert "Trang một" in text and "Trang hai" in text and "Trang ba" not in text


def test_pdf_stops_starting_pages_after_its_time_budget(monkeypatch):
    monkeypatch.setattr(extract, "MAX_PDF_SECONDS", 0.0)
    result = extract_text(_pages_pdf("Trang một", "Trang hai"), "pdf")
    assert result.state == Outcome.DONE and result.text == "Trang một"


def test_pdf_with_a_password_fails_with_an_english_reason(letter_pdf):
    result = extract_text(_encrypted(letter_pdf, "mat-khau"), "pdf")
    assert result.state == Outcome.FAILED and result.text == ""
    assert "password" in result.error and result.error.isascii()


def test_pdf_encrypted_with_an_empty_password_is_read(letter_pdf):
    """Restrictions only (printing, copying): the file opens for anyone, so it is read."""
    result = extract_text(_encrypted(letter_pdf, ""), "pdf")
    assert result.state == Outcome.DONE and "Nguyễn Bỉnh Khiêm" in result.text


@pytest.mark.parametrize(
    "data",
    [b"%PDF-1.7\n% hong\n", b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 9 0 R >>\n", b""],
)
def test_corrupt_pdf_fails(data):
    result = extract_text(data, "pdf")
    assert result.state == Outcome.FAILED and result.error.isascii()


# DOCX ------------------------------------------------------------------------------------


def test_docx_paragraphs_tables_headers_and_footers():
    document = Document()
    document.add_paragraph("Kế hoạch tổ chức Hội khoẻ Phù Đổng")
    table = document.add_table(rows=2, cols=3)
    table.cell(0, 0).text = "Đơn vị"
    table.cell(0, 1).merge(table.cell(0, 2)).text = "Số vận động viên"
    table.cell(1, 0).text = "Trường Lê Quý Đôn"
    table.cell(1, 1).text = "25"
    table.cell(1, 2).add_table(rows=1, cols=1).cell(0, 0).text = "Bảng lồng nhau"
    document.add_paragraph("Nơi nhận: các trường")
    document.sections[0].header.paragraphs[0].text = "Đầu trang: Ủy ban nhân dân Quận 3"
    document.sections[0].footer.paragraphs[0].text = "Chân trang: trang 1"

    result = extract_text(_docx(document), "docx")

    assert result.state == Outcome.DONE
    lines = result.text.split("\n")
    assert lines[:2] == ["Kế hoạch tổ chức Hội khoẻ Phù Đổng", "Đơn vị"]
    assert lines.count("Số vận động viên") == 1  # a merged cell is read once
    for expected in ("Trường Lê Quý Đôn", "25", "Bảng lồng nhau", "Nơi nhận: các trường"):
        assert expected in lines
    assert lines.index("Nơi nhận: các trường") > lines.index("Bảng lồng nhau")  # body order
    assert lines[-2:] == ["Đầu trang: Ủy ban nhân dân Quận 3", "Chân trang: trang 1"]


def test_a_linked_header_is_read_once():
    document = Document()
    document.sections[0].header.paragraphs[0].text = "Tiêu đề chung"
    document.add_paragraph("Phần một")
    document.add_section()  # its header is linked to the first section's
    document.add_paragraph("Phần hai")
    result = extract_text(_docx(document), "docx")
    assert result.text.split("\n") == ["Phần một", "Phần hai", "Tiêu đề chung"]


def test_text_is_cut_at_the_indexed_length():
    document = Document()
    for n in range(3000):
        document.add_paragraph(f"Đoạn {n} " + "chữ " * 20)
    result = extract_text(_docx(document), "docx")
    assert result.state == Outcome.DONE and result.truncated
    assert len(result.text) == MAX_INDEXED_CHARS == extract.MAX_TEXT_CHARS
    assert result.text.startswith("Đoạn 0 chữ")


def test_empty_docx_is_empty():
    assert extract_text(_docx(Document()), "docx").state == Outcome.EMPTY


def test_zip_bomb_docx_is_refused_before_opening():
    """200 MB of zeros in 200 KB: refused from the zip directory, in well under a second."""
    bomb = _with_member(_docx(Document()), "word/media/image1.png", 200 * 1024 * 1024)
    assert len(bomb) < 1024 * 1024
    started = time.perf_counter()
    result = extract_text(bomb, "docx")
    assert time.perf_counter() - started < 1
    assert result.state == Outcome.FAILED and "expands to" in result.error


def test_a_member_expanding_a_thousand_times_is_refused_below_the_total():
    bomb = _with_member(_docx(Document()), "word/media/image1.png", 20 * 1024 * 1024)
    result = extract_text(bomb, "docx")
    assert result.state == Outcome.FAILED and "zip bomb" in result.error


def test_a_declared_huge_member_is_refused():
    document = Document()
    document.add_paragraph("Nhỏ thôi")
    forged = _declare_size(_docx(document), "word/document.xml", 0xFFFFFFF0)
    result = extract_text(forged, "docx")
    assert result.state == Outcome.FAILED and "expands to" in result.error


def test_a_member_larger_than_declared_fails_instead_of_expanding():
    """zipfile never yields more than the declared size: the lie fails its CRC check."""
    document = Document()
    document.add_paragraph("Nội dung thật dài hơn khai báo " * 50)
    forged = _declare_size(_docx(document), "word/document.xml", 100)
    assert extract_text(forged, "docx").state == Outcome.FAILED


def test_docx_with_too_many_members_is_refused(monkeypatch):
    monkeypatch.setattr(extract, "MAX_ZIP_MEMBERS", 5)
    result = extract_text(_docx(Document()), "docx")
    assert result.state == Outcome.FAILED and "members" in result.error


# XLSX ------------------------------------------------------------------------------------


def test_xlsx_cells_sheet_by_sheet():
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Tổng hợp"
    sheet.append(["Trường", "Số học sinh", "Ngày báo cáo", "Đạt"])
    sheet.append(["Mầm non Sơn Ca", 215.0, date(2026, 9, 5), True])
    sheet.append([None, None, None])
    sheet.append(["Tiểu học Kỳ Đồng", 1200, datetime(2026, 9, 6, 8, 30)])
    workbook.create_sheet("Trống")  # left out, name and all
    other = workbook.create_sheet("Ghi chú")
    other["C3"] = "Số liệu đến ngày 06/9"
    out = io.BytesIO()
    workbook.save(out)

    result = extract_text(out.getvalue(), "xlsx")

    assert result.state == Outcome.DONE
    assert result.text.split("\n") == [
        "Tổng hợp",
        "Trường Số học sinh Ngày báo cáo Đạt",
        "Mầm non Sơn Ca 215 05/09/2026",
        "Tiểu học Kỳ Đồng 1200 06/09/2026 08:30",
        "Ghi chú",
        "Số liệu đến ngày 06/9",
    ]


def test_xlsx_with_empty_sheets_only_is_empty():
    workbook = Workbook()
    workbook.create_sheet("Trống")
    out = io.BytesIO()
    workbook.save(out)
    assert extract_text(out.getvalue(), "xlsx") == ExtractResult(Outcome.EMPTY)


def test_xlsx_zip_bomb_is_refused():
    workbook = Workbook()
    out = io.BytesIO()
    workbook.save(out)
    bomb = _with_member(out.getvalue(), "xl/media/image1.png", 200 * 1024 * 1024)
    assert extract_text(bomb, "xlsx").state == Outcome.FAILED


# Kinds, limits and hostile bytes ---------------------------------------------------------------


@pytest.mark.parametrize("kind", ["jpeg", "png", "doc", "exe"])
def test_kinds_without_text_are_skipped(kind):
    result = extract_text(b"\xff\xd8\xff\xe0 anything", kind)
    assert result.state == Outcome.SKIPPED and result.text == ""


def test_a_file_over_the_open_limit_is_not_parsed(monkeypatch, letter_pdf):
    monkeypatch.setattr(extract, "MAX_OPEN_BYTES", len(letter_pdf) - 1)
    result = extract_text(letter_pdf, "pdf")
    assert result.state == Outcome.FAILED and "exceeds" in result.error


def test_damaged_files_never_raise(letter_pdf):
    """Truncated and bit-flipped copies of real files, and noise: always a result."""
    document = Document()
    document.add_paragraph("Thử hỏng")
    workbook = Workbook()
    workbook.active["A1"] = "Thử hỏng"
    book = io.BytesIO()
    workbook.save(book)
    rng = Random(8)
    samples = {"pdf": letter_pdf, "docx": _docx(document), "xlsx": book.getvalue()}
    for kind, good in samples.items():
        variants = [good[:cut] for cut in (10, len(good) // 3, len(good) // 2, len(good) - 30)]
        for _ in range(15):
            damaged = bytearray(good)
            for _ in range(20):
                damaged[rng.randrange(len(damaged))] = rng.randrange(256)
            variants.append(bytes(damaged))
        variants.append(rng.randbytes(4000))
        for data in variants:
            result = extract_text(data, kind)
            assert isinstance(result, ExtractResult)
            assert result.state in set(Outcome)
            if result.state == Outcome.FAILED:
                assert result.error and result.error.isascii() and len(result.error) < 500


def test_normalise_nfc_controls_ligatures_and_blank_lines():
    decomposed = unicodedata.normalize("NFD", "Quyết định")
    raw = f"  {decomposed}\x00\x07 về\tviệc \r\n\r\n\n  ﬁle   kèm\x0c theo \n"
    assert normalise(raw) == "Quyết định về việc\nfile kèm theo"


def test_outcomes_are_the_stored_states():
    assert {o.value for o in Outcome} == {s.value for s in TextState} - {TextState.PENDING}
