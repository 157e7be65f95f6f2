"""The clerk's intake through the web routes, as a person would do it."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import lxml.html
import pytest
from sqlalchemy import func, select

from eoffice.auth.services import create_api_token
from eoffice.catalog.models import RegisterBook
from eoffice.catalog.services import create_book, set_document_type_active
from eoffice.core import timeutil
from eoffice.core.timeutil import local_today
from eoffice.extensions import db
from eoffice.incoming.attachments import Upload
from eoffice.incoming.models import IncomingDocument
from tests import factories
from tests.pdftext import pdf_text

# 28/11/2026 10:00 in Ho Chi Minh City: the form's arrival (27/11 08:15) is recent.
NOW = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def fixed_clock(app):
    timeutil.set_clock(lambda: NOW)


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
    response = _post(client, _form(subject=""), [(factories.pdf_bytes(), "scan.pdf")])
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Bắt buộc nhập." in page
    assert "trình duyệt không giữ tệp đã chọn" in page
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


def _incoming_form(page: str) -> lxml.html.FormElement:
    return lxml.html.fromstring(page).get_element_by_id("incoming-form")


def test_duplicate_warning_then_confirm_as_a_browser_would(client, world, caplog):
    clerk = world.school_a.clerk
    first = factories.register(clerk)
    factories.login(client, clerk)
    data = _form(
        sender_name=first.sender_name,
        symbol=first.symbol,
        document_date=first.document_date.isoformat(),
    )
    warned = _post(client, data, [(factories.pdf_bytes(), "bản scan.pdf")])
    assert warned.status_code == 409
    page = warned.get_data(as_text=True)
    assert "có thể đã được vào sổ" in page
    assert f"/incoming/{first.id}" in page
    assert "trình duyệt không giữ tệp đã chọn" in page  # the file must be chosen again
    assert _count() == 1

    # The browser sends what is inside the form: the confirmation must be part of it.
    form = _incoming_form(page)
    assert form.get_element_by_id("confirm_duplicate") is not None
    form.inputs["confirm_duplicate"].checked = True
    sent = dict(form.form_values())
    assert sent["confirm_duplicate"] == "y"
    confirmed = _post(client, sent, [(factories.pdf_bytes(), "bản scan.pdf")])
    assert confirmed.status_code == 302
    assert _count() == 2


def test_duplicate_page_shows_nothing_of_a_secret_entry(client, world):
    secret = factories.register(
        world.school_a.clerk,
        confidentiality_code="confidential",
        subject="Phương án bảo vệ bí mật kỳ thi",
    )
    colleague = factories.make_user(
        world.school_a.org, "vanthu2@thleloi.hcm.edu.vn", ["clerk"], "Đỗ Văn Thư Hai"
    )
    db.session.commit()
    factories.login(client, colleague)
    warned = _post(
        client,
        _form(
            sender_name=secret.sender_name,
            symbol=secret.symbol,
            document_date=secret.document_date.isoformat(),
        ),
    )
    assert warned.status_code == 409
    page = warned.get_data(as_text=True)
    assert "bạn không có quyền xem; hãy hỏi lãnh đạo trước khi vào sổ" in page
    assert secret.subject not in page
    assert f"/incoming/{secret.id}" not in page
    assert client.get(f"/incoming/{secret.id}").status_code == 404


def test_dates_are_typed_day_first_on_a_24_hour_clock(client, world):
    factories.login(client, world.school_a.clerk)
    response = _post(
        client,
        _form(arrived_at="27/11/2026 14:05", document_date="20/11/2026", deadline="5/12/2026"),
    )
    assert response.status_code == 302
    doc = db.session.scalars(select(IncomingDocument)).one()
    assert timeutil.format_datetime(doc.arrived_at) == "27/11/2026 14:05"
    assert (doc.document_date.isoformat(), doc.deadline.isoformat()) == (
        "2026-11-20",
        "2026-12-05",
    )
    edit = lxml.html.fromstring(client.get(f"/incoming/{doc.id}/edit").get_data(as_text=True))
    arrived = edit.get_element_by_id("arrived_at")
    assert (arrived.get("type"), arrived.get("value")) == ("text", "27/11/2026 14:05")
    assert edit.get_element_by_id("document_date").get("value") == "20/11/2026"
    assert edit.get_element_by_id("document_date").get("placeholder") == "dd/mm/yyyy"


@pytest.mark.parametrize(
    ("arrived_at", "message"),
    [
        ("0001-01-01T00:00", "Năm phải trong khoảng 1900–2100."),
        ("31/02/2026 08:00", "Ngày giờ không hợp lệ"),
        ("2026-10-01T08:00", "không được sớm hơn 30 ngày"),
    ],
)
def test_bad_arrival_times_are_explained(client, world, arrived_at, message):
    factories.login(client, world.school_a.clerk)
    response = _post(client, _form(arrived_at=arrived_at))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _count() == 0


def test_the_form_marks_the_type_as_required(client, world):
    factories.login(client, world.school_a.clerk)
    page = lxml.html.fromstring(client.get("/incoming/new").get_data(as_text=True))
    label = page.xpath('//label[@for="document_type_id"]')[0]
    assert label.xpath('span[contains(@class, "text-danger")]')[0].text_content() == "*"
    response = _post(client, _form(document_type_id="0"))
    assert response.status_code == 422
    assert "Vui lòng chọn tên loại văn bản." in response.get_data(as_text=True)


def test_known_senders_carry_their_codes_and_the_form_opens_no_book(client, world):
    factories.register(world.school_b.clerk, sender_name="Công an Phường 5", symbol="2/CA")
    books_before = db.session.scalar(select(func.count(RegisterBook.id)))
    factories.login(client, world.school_a.clerk)
    page = lxml.html.fromstring(client.get("/incoming/new").get_data(as_text=True))
    sender = page.get_element_by_id("sender_name")
    assert sender.get("list") == "senders"
    assert sender.get("data-code-field") == "sender_agency_code"
    options = {
        o.get("value"): o.get("data-code") for o in page.xpath('//datalist[@id="senders"]/option')
    }
    assert options[world.school_b.org.name] == "002.01.31.H29"
    assert "Công an Phường 5" not in options  # another school's outside sender
    assert db.session.scalar(select(func.count(RegisterBook.id))) == books_before
    book_codes = [o.get("value") for o in page.xpath('//select[@id="book_code"]/option')]
    assert book_codes == ["general", "confidential"]


def test_a_secret_document_into_a_custom_confidential_book(client, world):
    book = create_book(world.school_a.admin, "mat-chibo", "Sổ văn bản mật của Chi bộ", True)
    factories.login(client, world.school_a.clerk)
    page = client.get("/incoming/new").get_data(as_text=True)
    assert "Sổ văn bản mật của Chi bộ" in page
    response = _post(client, _form(confidentiality_code="secret", book_code="mat-chibo"))
    assert response.status_code == 302
    assert db.session.scalars(select(IncomingDocument)).one().register_book_id == book.id


def test_correction_of_an_entry_whose_type_was_retired(client, world):
    clerk = world.school_a.clerk
    plan = factories.type_id("Kế hoạch")
    doc = factories.register(clerk, document_type_id=plan)
    set_document_type_active(world.district.admin, plan, False)
    factories.login(client, clerk)
    page = lxml.html.fromstring(client.get(f"/incoming/{doc.id}/edit").get_data(as_text=True))
    assert page.get_element_by_id("document_type_id").value == str(plan)
    assert not page.xpath('//*[@id="book_code"]')  # a correction does not move between books
    form = page.get_element_by_id("incoming-form")
    sent = dict(form.form_values())
    sent["subject"] = "Trích yếu sửa sau khi loại văn bản ngừng dùng"
    response = client.post(
        f"/incoming/{doc.id}/edit", data=sent, content_type="multipart/form-data"
    )
    assert response.status_code == 302
    db.session.refresh(doc)
    assert doc.subject == "Trích yếu sửa sau khi loại văn bản ngừng dùng"
    assert doc.document_type_id == plan


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
    refused = client.get(f"/incoming/{doc.id}/edit", follow_redirects=True)
    assert refused.request.path == f"/incoming/{doc.id}"
    assert "đã hủy, không thể sửa thông tin vào sổ" in refused.get_data(as_text=True)


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


def test_the_api_warns_of_a_hidden_duplicate_without_its_details(client, world):
    secret = factories.register(
        world.school_a.clerk,
        confidentiality_code="confidential",
        subject="Phương án bảo vệ bí mật kỳ thi",
    )
    colleague = factories.make_user(
        world.school_a.org, "vanthu2@thleloi.hcm.edu.vn", ["clerk"], "Đỗ Văn Thư Hai"
    )
    _token, clear = create_api_token(colleague, "Phần mềm tổng hợp")
    db.session.commit()
    response = client.post(
        "/api/v1/incoming",
        headers={"Authorization": f"Bearer {clear}"},
        json={
            "sender_name": secret.sender_name,
            "symbol": secret.symbol,
            "document_date": secret.document_date.isoformat(),
            "document_type_id": secret.document_type_id,
            "subject": "Một văn bản khác",
        },
    )
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["code"] == "possible_duplicate"
    assert error["duplicates"] == []
    assert secret.subject not in response.get_data(as_text=True)
    assert "không có quyền xem" in error["message"]
