"""Input no column can hold answers 404 or a Vietnamese message, never a 500.

Ids past 32 bits, years 1 and 9999, and NUL characters used to reach the database
driver (OverflowError on SQLite, NumericValueOutOfRange and "invalid byte sequence" on
PostgreSQL). Run on both databases: each fails in its own way.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from eoffice.core.limits import MSG_INT_RANGE, MSG_YEAR_RANGE
from eoffice.core.timeutil import local_today
from eoffice.extensions import db
from eoffice.incoming.attachments import Upload
from eoffice.incoming.models import IncomingDocument
from tests import factories

BIG = "99999999999999999999"  # past 64 bits


@pytest.fixture
def clerk_client(app, world):
    client = app.test_client()
    assert factories.login(client, world.school_a.clerk).status_code == 302
    return client


@pytest.fixture
def admin_client(app, world):
    client = app.test_client()
    assert factories.login(client, world.district.admin).status_code == 302
    return client


def test_ids_past_32_bits_in_a_url_are_not_found(clerk_client, admin_client, world):
    doc = factories.register(world.school_a.clerk, [Upload("a.pdf", factories.pdf_bytes())])
    for path in (
        f"/incoming/{BIG}",
        f"/incoming/{2**31}",
        f"/incoming/{doc.id}/files/{BIG}",
        f"/incoming/{BIG}/edit",
        f"/reports/exports/{BIG}",
    ):
        response = clerk_client.get(path)
        assert response.status_code == 404, path
        assert "Không tìm thấy" in response.get_data(as_text=True)
    assert (
        clerk_client.post(f"/incoming/{BIG}/cancel", data={"reason": "Nhập nhầm"}).status_code
        == 404
    )
    for path in (f"/admin/organisations/{BIG}", f"/admin/users/{BIG}/edit"):
        assert admin_client.get(path).status_code == 404, path


def test_query_string_numbers_fall_back_to_the_default(admin_client, world):
    users = admin_client.get(f"/admin/users?org_id={BIG}")
    assert users.status_code == 200
    assert world.district.clerk.email in users.get_data(as_text=True)  # the admin's own org
    books = admin_client.get(f"/admin/catalog/books?year={BIG}")
    assert books.status_code == 200
    assert f"năm {local_today().year}" in books.get_data(as_text=True).lower()
    assert admin_client.get("/admin/catalog/books?year=-1").status_code == 200
    listing = admin_client.get(f"/admin/organisations?page={BIG}")
    assert listing.status_code == 200
    assert admin_client.get(f"/admin/users/new?org_id={BIG}").status_code == 200


def test_register_filters_out_of_range_are_shown_not_queried(clerk_client, world):
    factories.register(world.school_a.clerk)
    for query, message in (
        ("date_from=0001-01-01", MSG_YEAR_RANGE),
        ("date_to=9999-12-31", MSG_YEAR_RANGE),
        (f"document_type_id={BIG}", MSG_INT_RANGE),
    ):
        response = clerk_client.get(f"/incoming?{query}")
        assert response.status_code == 200, query
        assert message in response.get_data(as_text=True), query


def test_nul_in_search_text_is_ignored(clerk_client, admin_client, world):
    factories.register(world.school_a.clerk, subject="Kế hoạch tuyển sinh năm học 2026 - 2027")
    listing = clerk_client.get("/incoming?q=tuy%00en+sinh&sender=s%00o")
    assert listing.status_code == 200
    assert "Kế hoạch tuyển sinh" in listing.get_data(as_text=True)
    assert clerk_client.get("/incoming?urgency_code=a%00&state=b%00").status_code == 200
    orgs = admin_client.get("/admin/organisations?q=l%00e+loi")
    assert orgs.status_code == 200
    assert "Trường Tiểu học Lê Lợi" in orgs.get_data(as_text=True)


def _intake(**overrides) -> dict:
    data = {
        "book_code": "general",
        "sender_name": "Sở Giáo dục và Đào tạo Thành phố Hồ Chí Minh",
        "symbol": "3337/GDĐT-TTTT",
        "document_type_id": str(factories.type_id("Kế hoạch")),
        "subject": "Kế hoạch tuyển sinh năm học 2026 - 2027",
        "urgency_code": "normal",
        "confidentiality_code": "normal",
        "source": "paper",
        "recipient_unit_id": "0",
        "recipient_user_id": "0",
    }
    data.update(overrides)
    return data


def _post(client, path: str, data: dict):
    return client.post(path, data=data, content_type="multipart/form-data")


def test_nul_and_other_controls_typed_into_the_intake_form_are_not_stored(clerk_client, world):
    response = _post(
        clerk_client,
        "/incoming/new",
        _intake(
            sender_name="Sở Giáo dục\x00 và Đào tạo",
            subject="Kế hoạch\x00 tuyển\x07 sinh",
            signer_name="Nguyễn\x00 Văn A",
            notes="Dòng 1\x00\r\nDòng\t2\x1b",
        ),
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    doc = db.session.scalars(select(IncomingDocument)).one()
    assert doc.sender_name == "Sở Giáo dục và Đào tạo"
    assert doc.subject == "Kế hoạch tuyển sinh"
    assert doc.signer_name == "Nguyễn Văn A"
    assert doc.notes == "Dòng 1\nDòng 2"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("arrived_at", "0001-01-01T00:00", MSG_YEAR_RANGE),
        ("arrived_at", "9999-12-31T23:59", MSG_YEAR_RANGE),
        ("document_date", "0001-01-01", MSG_YEAR_RANGE),
        ("deadline", "9999-12-31", MSG_YEAR_RANGE),
        ("document_type_id", BIG, MSG_INT_RANGE),
        ("recipient_unit_id", BIG, MSG_INT_RANGE),
        ("page_count", BIG, MSG_INT_RANGE),
    ],
)
def test_intake_and_correction_refuse_out_of_range_values(
    clerk_client, world, field, value, message
):
    doc = factories.register(world.school_a.clerk)
    for path in ("/incoming/new", f"/incoming/{doc.id}/edit"):
        response = _post(clerk_client, path, _intake(**{field: value}))
        assert response.status_code == 422, (path, field)
        assert message in response.get_data(as_text=True), (path, field)
    db.session.expire_all()
    assert db.session.scalars(select(IncomingDocument.id)).all() == [doc.id]


@pytest.mark.parametrize(
    ("path", "data", "field"),
    [
        ("/admin/catalog/types/new", {"name": "Loại thử", "sort_order": BIG}, "sort_order"),
        (
            "/admin/organisations/new",
            {"name": "Cơ quan thử", "kind": "external", "parent_id": BIG},
            "parent_id",
        ),
    ],
)
def test_admin_forms_refuse_numbers_past_32_bits(admin_client, path, data, field):
    response = admin_client.post(path, data=data)
    assert response.status_code == 422
    assert MSG_INT_RANGE in response.get_data(as_text=True)


def test_user_form_refuses_a_unit_id_past_32_bits(admin_client, world):
    response = admin_client.post(
        f"/admin/users/new?org_id={world.district.org.id}",
        data={
            "full_name": "Võ Thị Hồng Nhung",
            "email": "hongnhung@pgdthu.hcm.edu.vn",
            "password": "Ban-Dau-2026x",
            "roles": ["staff"],
            "unit_id": BIG,
        },
    )
    assert response.status_code == 422
    assert MSG_INT_RANGE in response.get_data(as_text=True)


def test_a_level_code_with_a_nul_in_the_url_is_not_found(admin_client):
    response = admin_client.post("/admin/catalog/levels/urgency/fla%00sh", data={"name": "Hỏa"})
    assert response.status_code == 404
