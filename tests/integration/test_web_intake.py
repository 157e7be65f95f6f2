"""The clerk's intake through the web routes, as a person would do it."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from eoffice.core.timeutil import local_today
from eoffice.extensions import db
from eoffice.incoming.attachments import Upload
from eoffice.incoming.models import IncomingDocument
from tests import factories
from tests.pdftext import pdf_text


def _form(**overrides) -> dict:
    data = {
        "arrived_at": "2026-11-27T08:15",
        "book_code": "general",
        "sender_name": "Sở Giáo dục và Đào tạo Thành phố Hồ Chí Minh",
        "sender_agency_code": "",
        "symbol": "3337/GDĐT-TTTT",
        "document_date": "2026-11-20",
        "document_type_id": str(factories.type_id("Kế hoạch")),
        "subject": "Kế hoạch hướng dẫn thực hiện nhiệm vụ công nghệ thông tin năm học 2026 - 2027",
        "signer_name": "Nguyễn Văn Hiếu",
        "signer_position": "Phó Giám đốc",
        "page_count": "4",
        "urgency_code": "normal",
        "confidentiality_code": "normal",
        "source": "paper",
        "recipient_unit_id": "0",
        "recipient_user_id": "0",
        "deadline": "",
        "notes": "Nhận qua bưu điện",
    }
    data.update(overrides)
    return data


def _post(client, data: dict, files: list[tuple[bytes, str]] | None = None):
    payload = dict(data)
    if files:
        payload["files"] = [(io.BytesIO(content), name) for content, name in files]
    return client.post("/incoming/new", data=payload, content_type="multipart/form-data")


def _count() -> int:
    return db.session.scalar(select(func.count(IncomingDocument.id)))


def test_whole_intake_register_find_print(client, world):
    factories.login(client, world.school_a.clerk)
    response = _post(client, _form(), [(factories.pdf_bytes(), "Kế hoạch CNTT.pdf")])
    assert response.status_code == 302
    detail = client.get(response.headers["Location"])
    page = detail.get_data(as_text=True)
    assert "Số đến 1" in page
    assert "Kế hoạch CNTT.pdf" in page

    # Found in the register without diacritics.
    listing = client.get("/incoming?q=ke+hoach+cong+nghe").get_data(as_text=True)
    assert "Kế hoạch hướng dẫn thực hiện nhiệm vụ công nghệ thông tin" in listing
    missing = client.get("/incoming?q=tuyen+sinh").get_data(as_text=True)
    assert "Kế hoạch hướng dẫn thực hiện" not in missing

    # The file downloads under its Vietnamese name and shows inline.
    doc = db.session.scalars(select(IncomingDocument)).one()
    attachment = doc.attachments[0]
    download = client.get(f"/incoming/{doc.id}/files/{attachment.id}")
    assert download.status_code == 200
    assert download.data == factories.pdf_bytes()
    assert (
        "filename*=UTF-8''K%E1%BA%BF%20ho%E1%BA%A1ch%20CNTT.pdf"
        in download.headers["Content-Disposition"]
    )
    inline = client.get(f"/incoming/{doc.id}/files/{attachment.id}?inline=1")
    assert inline.headers["Content-Disposition"].startswith("inline")

    # The printed register for November holds the entry, in Vietnamese.
    printed = client.get("/incoming/register.pdf?date_from=2026-11-01&date_to=2026-11-30")
    assert printed.status_code == 200
    text = " ".join(pdf_text(printed.data, layout=False).split())
    assert "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN" in text
    assert "TRƯỜNG TIỂU HỌC LÊ LỢI" in text
    assert "27/11/2026" in text and "3337/GDĐT" in text  # the cell may wrap at its hyphen
    assert "Sở Giáo dục và Đào tạo Thành phố Hồ Chí Minh" in text
    assert "Kế hoạch hướng dẫn thực hiện nhiệm vụ công nghệ thông tin" in text


def test_missing_required_field_keeps_input_and_saves_nothing(client, world):
    factories.login(client, world.school_a.clerk)
    response = _post(client, _form(subject=""))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Bắt buộc nhập." in page
    assert 'value="3337/GDĐT-TTTT"' in page  # what the clerk typed is still there
    assert "Nhận qua bưu điện" in page
    assert _count() == 0


def test_malformed_agency_code(client, world):
    factories.login(client, world.school_a.clerk)
    response = _post(
        client, _form(sender_name="Ủy ban nhân dân Phường 5", sender_agency_code="12.34")
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "không đúng định dạng NNN.NN.NN.XNN" in page
    assert "Ủy ban nhân dân Phường 5" in page
    assert _count() == 0


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"", "rong.pdf", "rỗng"),
        (b"MZ\x90\x00 not a pdf at all", "Công văn.pdf", "nội dung không phải là tệp PDF"),
        (b"%PDF-1.7\n garbage without objects", "hong.pdf", "tệp PDF bị hỏng"),
        (b"plain text", "ghichu.txt", "định dạng không được hỗ trợ"),
    ],
)
def test_bad_files_are_refused_with_a_clear_message(client, world, content, name, message):
    factories.login(client, world.school_a.clerk)
    response = _post(client, _form(), [(content, name)])
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    assert "Kế hoạch hướng dẫn thực hiện nhiệm vụ" in page
    assert _count() == 0


def test_file_over_the_limit(client, world, app):
    app.config["MAX_UPLOAD_BYTES"] = 2048
    factories.login(client, world.school_a.clerk)
    big = factories.pdf_bytes() + b"%" + b"0" * 4096
    response = _post(client, _form(), [(big, "lon.pdf")])
    assert response.status_code == 422
    assert "vượt giới hạn 2,0 KB" in response.get_data(as_text=True)
    assert _count() == 0


def test_duplicate_warning_then_confirm(client, world):
    clerk = world.school_a.clerk
    first = factories.register(clerk)
    factories.login(client, clerk)
    data = _form(
        sender_name=first.sender_name,
        symbol=first.symbol,
        document_date=first.document_date.isoformat(),
    )
    warned = _post(client, data)
    assert warned.status_code == 409
    page = warned.get_data(as_text=True)
    assert "có thể đã được vào sổ" in page
    assert f"/incoming/{first.id}" in page
    assert _count() == 1
    confirmed = _post(client, {**data, "confirm_duplicate": "y"})
    assert confirmed.status_code == 302
    assert _count() == 2


def test_urgent_documents_stand_out_in_the_register(client, world):
    clerk = world.school_a.clerk
    factories.register(
        clerk, symbol="77/UBND", urgency_code="flash", subject="Về việc phòng chống bão"
    )
    factories.login(client, clerk)
    page = client.get("/incoming").get_data(as_text=True)
    assert "row-urgent" in page
    assert "HỎA TỐC" in page


def test_correction_then_history(client, world):
    clerk = world.school_a.clerk
    doc = factories.register(clerk)
    factories.login(client, clerk)
    form = client.get(f"/incoming/{doc.id}/edit")
    assert form.status_code == 200
    response = client.post(
        f"/incoming/{doc.id}/edit",
        data=_form(
            sender_name=doc.sender_name,
            symbol=doc.symbol,
            subject="Trích yếu đã sửa lại",
            document_date="2026-09-19",
            arrived_at="2026-11-27T08:15",
            document_type_id=str(doc.document_type_id),
        ),
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    page = client.get(f"/incoming/{doc.id}").get_data(as_text=True)
    assert "Sửa thông tin" in page
    assert "Trích yếu đã sửa lại" in page
    assert "Nguyễn Thị Văn Thư" in page


def test_cancel_from_the_page(client, world):
    clerk = world.school_a.clerk
    doc = factories.register(clerk)
    factories.login(client, clerk)
    response = client.post(f"/incoming/{doc.id}/cancel", data={"reason": "Vào sổ nhầm"})
    assert response.status_code == 302
    page = client.get(f"/incoming/{doc.id}").get_data(as_text=True)
    assert "Đã hủy" in page and "Vào sổ nhầm" in page
    assert client.get(f"/incoming/{doc.id}/edit").status_code == 403


def test_cross_organisation_urls_are_404(client, world):
    doc = factories.register(world.school_a.clerk, uploads=[Upload("a.pdf", factories.pdf_bytes())])
    attachment_id = doc.attachments[0].id
    factories.login(client, world.school_b.clerk)
    for url in (
        f"/incoming/{doc.id}",
        f"/incoming/{doc.id}/edit",
        f"/incoming/{doc.id}/files/{attachment_id}",
        f"/incoming/{doc.id}/files/{attachment_id}?inline=1",
    ):
        assert client.get(url).status_code == 404, url
    assert (
        client.post(f"/incoming/{doc.id}/cancel", data={"reason": "thử truy cập"}).status_code
        == 404
    )
    listing = client.get("/incoming").get_data(as_text=True)
    assert doc.subject not in listing


def test_staff_cannot_register(client, world):
    factories.login(client, world.school_a.staff)
    assert client.get("/incoming/new").status_code == 403
    assert _post(client, _form()).status_code == 403


def test_filters_by_date_and_urgency(client, world):
    clerk = world.school_a.clerk
    factories.register(
        clerk, symbol="1/A", urgency_code="urgent", subject="Văn bản khẩn về an toàn"
    )
    factories.register(clerk, symbol="2/A", subject="Văn bản thường về thi đua")
    factories.login(client, clerk)
    page = client.get("/incoming?urgency_code=urgent").get_data(as_text=True)
    assert "an toàn" in page and "thi đua" not in page
    today = local_today().isoformat()
    page = client.get(f"/incoming?date_from={today}&date_to={today}").get_data(as_text=True)
    assert "an toàn" in page
    page = client.get("/incoming?date_to=2000-01-01").get_data(as_text=True)
    assert "an toàn" not in page
