"""The register's rows and sections, and the PDF renderer's refusal to fetch anything."""

from __future__ import annotations

import subprocess
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

import eoffice.models_registry  # noqa: F401  (every mapper configured)
from eoffice.catalog.models import ConfidentialityLevel, DocumentType, RegisterBook, UrgencyLevel
from eoffice.incoming.models import IncomingDocument, IncomingState
from eoffice.orgs.models import Organisation
from eoffice.reports.incoming_register import (
    COLUMNS,
    build_layout,
    row_from_document,
)
from eoffice.reports.pdf import RefusedURL, html_to_pdf, url_fetcher

NORMAL = UrgencyLevel(code="normal", name="Thường", rank=0)
FLASH = UrgencyLevel(code="flash", name="Hỏa tốc", rank=3)
OPEN = ConfidentialityLevel(code="normal", name="Thường", rank=0)
SECRET = ConfidentialityLevel(code="confidential", name="Mật", rank=1)
GENERAL = RegisterBook(id=1, code="general", name="Sổ đăng ký văn bản đến", year=2026)
CONFIDENTIAL = RegisterBook(
    id=2, code="confidential", name="Sổ đăng ký văn bản mật đến", year=2026, is_confidential=True
)


def _doc(number: int, book: RegisterBook = GENERAL, **values) -> IncomingDocument:
    fields = {
        "arrival_number": number,
        # 20:30 UTC is 03:30 the next morning in Ho Chi Minh City.
        "arrived_at": datetime(2026, 9, 20, 20, 30, tzinfo=UTC),
        "sender_name": "Sở Giáo dục và Đào tạo",
        "code_number": "12",
        "code_notation": "SGDĐT-VP",
        "document_date": date(2026, 9, 18),
        "subject": "Kế hoạch năm học",
        "state": IncomingState.REGISTERED,
        "urgency": NORMAL,
        "confidentiality": OPEN,
        "document_type": DocumentType(name="Kế hoạch"),
        **values,
    }
    return IncomingDocument(register_book_id=book.id, register_book=book, **fields)


def test_columns_follow_the_legal_form():
    assert [c.label for c in COLUMNS] == [
        "Ngày đến",
        "Số đến",
        "Tác giả",
        "Số, ký hiệu văn bản",
        "Ngày tháng văn bản",
        "Tên loại và trích yếu nội dung",
        "Đơn vị hoặc người nhận",
        "Ngày chuyển",
        "Ký nhận",
        "Ghi chú",
    ]
    assert sum(c.width_mm for c in COLUMNS) == 267  # A4 landscape minus 20 + 10 mm margins


def test_row_uses_office_time_and_the_symbol():
    row = row_from_document(_doc(7))
    assert row.arrival_date == date(2026, 9, 21)
    assert (row.arrival_number, row.symbol) == (7, "12/SGDĐT-VP")
    assert row.summary == "Kế hoạch: Kế hoạch năm học"
    assert row.handed_over is None and row.notes == "" and row.marks == ()


def test_urgent_and_secret_documents_are_marked():
    row = row_from_document(_doc(1, urgency=FLASH, confidentiality=SECRET))
    assert row.marks == ("HỎA TỐC", "MẬT")
    assert row.summary == "Kế hoạch (HỎA TỐC, MẬT): Kế hoạch năm học"


def test_cancelled_entry_keeps_its_number_and_says_why():
    doc = _doc(
        3,
        state=IncomingState.CANCELLED,
        cancel_reason="Vào sổ nhầm",
        notes="Bản sao\x07 gửi kèm",
    )
    row = row_from_document(doc)
    assert row.cancelled
    assert row.notes == "Đã hủy: Vào sổ nhầm\nBản sao gửi kèm"


def test_text_is_nfc_whatever_was_stored():
    row = row_from_document(_doc(1, sender_name="Ủy ban nha\u0302n da\u0302n"))
    assert row.sender == "Ủy ban nhân dân"


def test_layout_groups_rows_by_book():
    org = Organisation(name="Trường Tiểu học Lê Lợi")
    docs = [_doc(1), _doc(2), _doc(1, CONFIDENTIAL, confidentiality=SECRET)]
    layout = build_layout(org, docs, date(2026, 9, 1), date(2026, 9, 30))
    assert layout.org_name == "TRƯỜNG TIỂU HỌC LÊ LỢI"
    assert layout.parent_name is None
    assert layout.grouped and layout.book_label is None and layout.single_range is None
    assert [s.heading for s in layout.sections] == [
        "Sổ đăng ký văn bản đến năm 2026",
        "Sổ đăng ký văn bản mật đến năm 2026",
    ]
    assert [len(s.rows) for s in layout.sections] == [2, 1]
    assert layout.sections[0].number_range == "Từ số 1 đến số 2 (2 văn bản)"
    assert layout.period_label == "Từ ngày 01/09/2026 đến ngày 30/09/2026"


def test_single_book_layout_names_the_book_only_when_it_says_more():
    org = Organisation(name="Trường A", parent=Organisation(name="Ủy ban nhân dân Quận Thử"))
    general = build_layout(org, [_doc(4)], date(2026, 9, 1), date(2026, 9, 30))
    assert not general.grouped and general.book_label is None
    assert general.single_range == "Từ số 4 đến số 4 (1 văn bản)"
    assert general.parent_name == "ỦY BAN NHÂN DÂN QUẬN THỬ"
    secret = build_layout(org, [_doc(1, CONFIDENTIAL)], date(2026, 9, 1), date(2026, 9, 30))
    assert secret.book_label == "Sổ đăng ký văn bản mật đến"


def test_empty_layout_takes_the_year_from_the_period():
    org = Organisation(name="Trường A")
    layout = build_layout(org, [], date(2025, 12, 1), date(2026, 1, 31))
    assert layout.sections == []
    assert layout.year_label == "Năm 2025–2026"


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "FILE:///etc/hostname",
        "http://127.0.0.1/",
        "https://example.com/logo.png",
        "ftp://example.com/x",
    ],
)
def test_fetcher_refuses_files_and_network(url):
    with pytest.raises(RefusedURL):
        url_fetcher()(url)


def test_fetcher_serves_inline_data():
    assert url_fetcher()("data:text/plain,abc").read() == b"abc"


def test_pdf_renderer_never_reads_local_files(tmp_path: Path):
    leak = tmp_path / "leak.css"
    leak.write_text('body::after { content: "LEAKED-FILE" }')
    html = (
        f'<html><head><link rel="stylesheet" href="{leak.as_uri()}">'
        '<link rel="stylesheet" href="data:text/css,body::before{content:%22DATA-OK%22}">'
        f'</head><body><p>Nội dung</p><img src="{leak.as_uri()}"></body></html>'
    )
    out = tmp_path / "out.pdf"
    out.write_bytes(html_to_pdf(html))
    text = subprocess.run(
        ["pdftotext", str(out), "-"], check=True, capture_output=True, text=True
    ).stdout
    assert "Nội dung" in text
    assert "DATA-OK" in text  # stylesheets are applied: the check below can see a leak
    assert "LEAKED-FILE" not in text
