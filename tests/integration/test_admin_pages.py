"""Admin pages for organisations, units, users and the catalogue, through the web routes."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from sqlalchemy import func, select

from eoffice.catalog.models import DocumentType, RegisterBook, UrgencyLevel
from eoffice.core.models import AuditEvent
from eoffice.extensions import db
from eoffice.orgs.models import Organisation, Unit, User
from tests import factories

NEW_USER_PASSWORD = "Ban-Dau-2026x"


def _signed_in(app: Flask, user: User):
    """A browser of its own for `user` (several people act in one test)."""
    client = app.test_client()
    response = factories.login(client, user)
    assert response.status_code == 302
    return client


def _fresh(model, key):
    """Read a row as the database has it now, not as this test's session remembers it."""
    db.session.expire_all()
    return db.session.get(model, key)


def _user_form(**overrides) -> dict:
    data = {
        "full_name": "Võ Thị Hồng Nhung",
        "title": "Giáo viên",
        "unit_id": "0",
        "roles": ["staff", "clerk"],
        "email": "hongnhung@thleloi.hcm.edu.vn",
        "password": NEW_USER_PASSWORD,
    }
    data.update(overrides)
    return data


def _user_by_email(email: str) -> User | None:
    db.session.expire_all()
    return db.session.scalars(select(User).where(User.email == email)).first()


def _option_labels(html: str, select_name: str) -> list[str]:
    match = re.search(rf'<select[^>]*name="{select_name}"[^>]*>(.*?)</select>', html, re.S)
    assert match, f"no <select name={select_name}>"
    return re.findall(r"<option[^>]*>([^<]*)</option>", match.group(1))


# --- Users ------------------------------------------------------------------------------


def test_admin_creates_a_user_with_an_official_email(app, world):
    admin = world.school_a.admin
    client = _signed_in(app, admin)
    response = client.post("/admin/users/new", data=_user_form(unit_id=str(world.school_a.unit.id)))
    assert response.status_code == 302
    created = _user_by_email("hongnhung@thleloi.hcm.edu.vn")
    assert created is not None
    assert created.org_id == world.school_a.org.id
    assert created.unit_id == world.school_a.unit.id
    assert created.roles == {"staff", "clerk"}
    event = db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.subject_type == "user", AuditEvent.subject_id == created.id
        )
    ).one()
    assert (event.action, event.actor_id) == ("created", admin.id)

    listing = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Võ Thị Hồng Nhung" in listing
    assert (
        "Văn thư, Chuyên viên / Giáo viên" in listing
        or "Chuyên viên / Giáo viên, Văn thư" in listing
    )
    # The new account works with the initial password.
    assert factories.login(app.test_client(), created, NEW_USER_PASSWORD).status_code == 302


def test_public_mailbox_is_refused_and_the_form_keeps_what_was_typed(app, world):
    client = _signed_in(app, world.school_a.admin)
    response = client.post(
        "/admin/users/new",
        data=_user_form(email="hongnhung.gv@gmail.com", full_name="Đặng Thị Thu Hà"),
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Không dùng hộp thư công cộng (gmail.com) cho công việc chính thức" in page
    assert 'value="Đặng Thị Thu Hà"' in page
    assert 'value="hongnhung.gv@gmail.com"' in page
    assert re.search(r'<input[^>]*checked[^>]*value="clerk"', page)
    assert _user_by_email("hongnhung.gv@gmail.com") is None


def test_admin_edits_name_title_unit_and_roles_and_it_is_audited(app, world):
    admin = world.school_a.admin
    staff = world.school_a.staff
    client = _signed_in(app, admin)
    response = client.post(
        f"/admin/users/{staff.id}/edit",
        data={
            "full_name": "Lê Thị Giáo Viên Mới",
            "title": "Tổ trưởng",
            "unit_id": "0",
            "roles": ["staff", "deputy"],
        },
    )
    assert response.status_code == 302
    edited = _fresh(User, staff.id)
    assert (edited.full_name, edited.title, edited.unit_id) == (
        "Lê Thị Giáo Viên Mới",
        "Tổ trưởng",
        None,
    )
    assert edited.roles == {"staff", "deputy"}
    event = db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.subject_id == staff.id,
            AuditEvent.subject_type == "user",
            AuditEvent.action == "updated",
        )
    ).one()
    assert event.changes["roles"] == [["staff"], ["deputy", "staff"]]
    assert event.changes["unit"] == ["Tổ Văn phòng", None]


def test_deactivated_user_is_signed_out_and_can_be_reactivated(app, world):
    clerk = world.school_a.clerk
    clerk_client = _signed_in(app, clerk)
    admin_client = _signed_in(app, world.school_a.admin)

    assert admin_client.post(f"/admin/users/{clerk.id}/deactivate").status_code == 302
    assert _fresh(User, clerk.id).is_active_account is False
    bounced = clerk_client.get("/incoming")
    assert bounced.status_code == 302 and "/login" in bounced.headers["Location"]
    assert factories.login(app.test_client(), clerk).status_code == 401

    assert admin_client.post(f"/admin/users/{clerk.id}/reactivate").status_code == 302
    assert _fresh(User, clerk.id).is_active_account is True
    assert factories.login(app.test_client(), clerk).status_code == 302
    actions = db.session.scalars(
        select(AuditEvent.action)
        .where(AuditEvent.subject_type == "user", AuditEvent.subject_id == clerk.id)
        .order_by(AuditEvent.id)
    ).all()
    assert actions[-2:] == ["deactivated", "reactivated"]


def test_admin_cannot_lock_themselves_out(app, world):
    admin = world.school_a.admin
    client = _signed_in(app, admin)

    client.post(f"/admin/users/{admin.id}/deactivate")
    assert _fresh(User, admin.id).is_active_account is True

    response = client.post(
        f"/admin/users/{admin.id}/edit",
        data={"full_name": admin.full_name, "title": "", "unit_id": "0", "roles": ["clerk"]},
    )
    assert response.status_code == 422
    assert "Bạn không thể tự bỏ vai trò Quản trị của chính mình." in response.get_data(as_text=True)
    assert _fresh(User, admin.id).roles == {"admin"}


# --- Access -----------------------------------------------------------------------------

ADMIN_PAGES = [
    "/admin/organisations",
    "/admin/users",
    "/admin/users/new",
    "/admin/catalog/types",
    "/admin/catalog/levels",
    "/admin/catalog/books",
    "/admin/catalog/books/new",
]


@pytest.mark.parametrize("role", ["clerk", "leader", "staff"])
def test_non_admins_get_403(app, world, role):
    client = _signed_in(app, getattr(world.school_a, role))
    for url in ADMIN_PAGES:
        assert client.get(url).status_code == 403, url
    response = client.post("/admin/users/new", data=_user_form())
    assert response.status_code == 403
    assert _user_by_email("hongnhung@thleloi.hcm.edu.vn") is None


def test_admin_pages_need_a_signed_in_user(client, world):
    response = client.get("/admin/users")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_school_admin_cannot_reach_another_schools_users_or_records(app, world):
    client = _signed_in(app, world.school_a.admin)
    other = world.school_b
    assert client.get(f"/admin/users/{other.clerk.id}/edit").status_code == 404
    assert client.get(f"/admin/users?org_id={other.org.id}").status_code == 404
    assert client.get(f"/admin/users/new?org_id={other.org.id}").status_code == 404
    assert client.post(f"/admin/users/{other.clerk.id}/deactivate").status_code == 404
    assert _fresh(User, other.clerk.id).is_active_account is True
    assert client.get(f"/admin/organisations/{other.org.id}").status_code == 404
    assert client.get(f"/admin/organisations/{other.org.id}/edit").status_code == 404
    assert client.get(f"/admin/units/{other.unit.id}/edit").status_code == 404
    # Their own organisation's record is kept by the district office.
    assert client.get(f"/admin/organisations/{world.school_a.org.id}/edit").status_code == 403
    assert client.get("/admin/organisations/new").status_code == 403
    listing = client.get("/admin/organisations").get_data(as_text=True)
    assert world.school_a.org.name in listing
    assert other.org.name not in listing


def test_district_admin_manages_member_schools_users(app, world):
    client = _signed_in(app, world.district.admin)
    page = client.get(f"/admin/users?org_id={world.school_b.org.id}")
    assert page.status_code == 200
    assert world.school_b.clerk.email in page.get_data(as_text=True)
    assert client.get(f"/admin/users/{world.school_b.clerk.id}/edit").status_code == 200
    response = client.post(
        f"/admin/users/new?org_id={world.school_b.org.id}",
        data=_user_form(email="quantri2@thcsbachdang.hcm.edu.vn", roles=["admin"]),
    )
    assert response.status_code == 302
    assert _user_by_email("quantri2@thcsbachdang.hcm.edu.vn").org_id == world.school_b.org.id


# --- Organisations and units ------------------------------------------------------------


def _org_form(**overrides) -> dict:
    data = {
        "name": "Trường Mầm non Hoa Sen",
        "kind": "kindergarten",
        "parent_id": "0",
        "short_name": "MNHS",
        "agency_code": "003.01.31.H29",
        "address": "12 Đường Số 3",
        "email": "mnhoasen@hcm.edu.vn",
        "phone": "028 3838 0000",
        "ward": "Phường 5",
    }
    data.update(overrides)
    return data


def _org_named(name: str) -> Organisation | None:
    db.session.expire_all()
    return db.session.scalars(select(Organisation).where(Organisation.name == name)).first()


def test_malformed_agency_code_is_refused_in_place(app, world):
    client = _signed_in(app, world.district.admin)
    response = client.post("/admin/organisations/new", data=_org_form(agency_code="003.1.31.H29"))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Mã định danh “003.1.31.H29” không đúng định dạng NNN.NN.NN.XNN" in page
    assert 'value="Trường Mầm non Hoa Sen"' in page
    assert 'value="003.1.31.H29"' in page
    assert _org_named("Trường Mầm non Hoa Sen") is None


def test_district_admin_adds_a_school_then_its_units(app, world):
    client = _signed_in(app, world.district.admin)
    response = client.post(
        "/admin/organisations/new",
        data=_org_form(parent_id=str(world.district.org.id), agency_code="003.01.31.h29"),
    )
    assert response.status_code == 302
    school = _org_named("Trường Mầm non Hoa Sen")
    assert school.is_member and school.agency_code == "003.01.31.H29"
    assert school.parent_id == world.district.org.id

    listing = client.get("/admin/organisations").get_data(as_text=True)
    assert "Trường Mầm non Hoa Sen" in listing and "003.01.31.H29" in listing

    add = client.post(
        f"/admin/organisations/{school.id}/units", data={"name": "Tổ Nhà trẻ", "short_name": ""}
    )
    assert add.status_code == 302
    unit = db.session.scalars(select(Unit).where(Unit.org_id == school.id)).one()
    duplicate = client.post(
        f"/admin/organisations/{school.id}/units", data={"name": "tổ nhà trẻ", "short_name": ""}
    )
    assert duplicate.status_code == 422
    assert "Đơn vị “tổ nhà trẻ” đã có." in duplicate.get_data(as_text=True)

    renamed = client.post(
        f"/admin/units/{unit.id}/edit", data={"name": "Tổ Nhà trẻ 24-36 tháng", "short_name": "NT"}
    )
    assert renamed.status_code == 302
    assert _fresh(Unit, unit.id).name == "Tổ Nhà trẻ 24-36 tháng"
    assert client.post(f"/admin/units/{unit.id}/deactivate").status_code == 302
    assert _fresh(Unit, unit.id).is_active is False


def test_school_admin_manages_own_units_and_a_deactivated_unit_leaves_the_intake_form(app, world):
    client = _signed_in(app, world.school_a.admin)
    org_id = world.school_a.org.id
    assert (
        client.post(
            f"/admin/organisations/{org_id}/units", data={"name": "Tổ Toán", "short_name": "TT"}
        ).status_code
        == 302
    )
    unit = db.session.scalars(select(Unit).where(Unit.name == "Tổ Toán")).one()
    clerk = _signed_in(app, world.school_a.clerk)
    assert "Tổ Toán" in _option_labels(
        clerk.get("/incoming/new").get_data(as_text=True), "recipient_unit_id"
    )

    assert client.post(f"/admin/units/{unit.id}/deactivate").status_code == 302
    assert "Tổ Toán" not in _option_labels(
        clerk.get("/incoming/new").get_data(as_text=True), "recipient_unit_id"
    )


def test_only_one_district_office(app, world):
    client = _signed_in(app, world.district.admin)
    response = client.post(
        "/admin/organisations/new",
        data=_org_form(
            name="Phòng Giáo dục và Đào tạo Quận Khác",
            kind="district_office",
            agency_code="",
            email="",
        ),
    )
    assert response.status_code == 422
    assert "Hệ thống đã có Phòng Giáo dục và Đào tạo" in response.get_data(as_text=True)


# --- Document types and levels ----------------------------------------------------------


def test_added_document_type_is_offered_in_the_intake_form(app, world):
    admin = _signed_in(app, world.district.admin)
    response = admin.post(
        "/admin/catalog/types/new",
        data={"name": "Đơn đề nghị", "abbreviation": "ĐĐN", "sort_order": "5"},
    )
    assert response.status_code == 302
    assert db.session.scalar(select(func.count(DocumentType.id))) == 30

    clerk = _signed_in(app, world.school_b.clerk)
    options = _option_labels(clerk.get("/incoming/new").get_data(as_text=True), "document_type_id")
    assert "Đơn đề nghị" in options
    assert options.index("Đơn đề nghị") < options.index("Nghị quyết")  # sort order 5 < 100


def test_document_type_names_are_unique(app, world):
    client = _signed_in(app, world.district.admin)
    response = client.post(
        "/admin/catalog/types/new", data={"name": "công văn", "abbreviation": "", "sort_order": ""}
    )
    assert response.status_code == 422
    assert "Loại văn bản “Công văn” đã có." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(DocumentType.id))) == 29


def test_deactivated_type_is_hidden_from_intake_but_old_documents_keep_it(app, world):
    leave_id = factories.type_id("Giấy nghỉ phép")
    doc = factories.register(world.school_a.clerk, document_type_id=leave_id)
    admin = _signed_in(app, world.district.admin)
    assert admin.post(f"/admin/catalog/types/{leave_id}/deactivate").status_code == 302
    assert _fresh(DocumentType, leave_id).is_active is False

    clerk = _signed_in(app, world.school_a.clerk)
    options = _option_labels(clerk.get("/incoming/new").get_data(as_text=True), "document_type_id")
    assert "Giấy nghỉ phép" not in options
    assert "Giấy mời" in options
    assert "Giấy nghỉ phép" in clerk.get(f"/incoming/{doc.id}").get_data(as_text=True)

    types_page = admin.get("/admin/catalog/types").get_data(as_text=True)
    assert "Giấy nghỉ phép" in types_page and "Ngừng dùng" in types_page
    assert admin.post(f"/admin/catalog/types/{leave_id}/reactivate").status_code == 302
    options = _option_labels(clerk.get("/incoming/new").get_data(as_text=True), "document_type_id")
    assert "Giấy nghỉ phép" in options


def test_school_admin_sees_the_shared_catalogue_but_cannot_change_it(app, world):
    client = _signed_in(app, world.school_a.admin)
    page = client.get("/admin/catalog/types")
    assert page.status_code == 200
    assert "Quyết định" in page.get_data(as_text=True)
    assert client.get("/admin/catalog/types/new").status_code == 403
    response = client.post("/admin/catalog/types/new", data={"name": "Loại riêng của trường"})
    assert response.status_code == 403
    assert client.post(f"/admin/catalog/types/{factories.type_id()}/deactivate").status_code == 403
    assert _fresh(DocumentType, factories.type_id()).is_active is True
    assert (
        client.post(
            "/admin/catalog/levels/urgency/urgent", data={"urgency-urgent-name": "Gấp"}
        ).status_code
        == 403
    )
    assert _fresh(UrgencyLevel, "urgent").name == "Khẩn"


def test_district_admin_renames_a_level_but_not_its_code_or_rank(app, world):
    client = _signed_in(app, world.district.admin)
    response = client.post(
        "/admin/catalog/levels/urgency/urgent",
        data={"urgency-urgent-name": "Khẩn (gấp)", "urgency-urgent-rank": "0"},
    )
    assert response.status_code == 302
    level = _fresh(UrgencyLevel, "urgent")
    assert (level.code, level.name, level.rank) == ("urgent", "Khẩn (gấp)", 1)
    clash = client.post(
        "/admin/catalog/levels/urgency/flash", data={"urgency-flash-name": "thượng khẩn"}
    )
    assert clash.status_code == 422
    assert "đã dùng cho mức khác" in clash.get_data(as_text=True)


# --- Register books ---------------------------------------------------------------------


def test_admin_opens_a_custom_incoming_book_and_the_clerk_can_use_it(app, world):
    client = _signed_in(app, world.school_a.admin)
    page = client.get("/admin/catalog/books").get_data(as_text=True)
    assert "Sổ đăng ký văn bản đến" in page and "Sổ đăng ký văn bản mật đi" in page

    refused = client.post(
        "/admin/catalog/books/new", data={"code": "Đơn thư", "name": "Sổ đơn thư khiếu nại"}
    )
    assert refused.status_code == 422
    assert "Mã sổ gồm 2–30 ký tự" in refused.get_data(as_text=True)
    assert 'value="Sổ đơn thư khiếu nại"' in refused.get_data(as_text=True)

    response = client.post(
        "/admin/catalog/books/new", data={"code": "don-thu", "name": "Sổ đơn thư khiếu nại"}
    )
    assert response.status_code == 302
    assert "Sổ đơn thư khiếu nại" in client.get(response.headers["Location"]).get_data(as_text=True)
    book = db.session.scalars(select(RegisterBook).where(RegisterBook.code == "don-thu")).one()
    assert (book.org_id, book.direction, book.is_confidential) == (
        world.school_a.org.id,
        "incoming",
        False,
    )

    clerk = _signed_in(app, world.school_a.clerk)
    assert "Sổ đơn thư khiếu nại" in _option_labels(
        clerk.get("/incoming/new").get_data(as_text=True), "book_code"
    )
    doc = factories.register(world.school_a.clerk, book_code="don-thu")
    assert (doc.register_book_id, doc.arrival_number) == (book.id, 1)
    # The other school does not see it.
    other = _signed_in(app, world.school_b.admin)
    assert "<code>don-thu</code>" not in other.get("/admin/catalog/books").get_data(as_text=True)
    assert other.get(f"/admin/catalog/books/{book.id}/edit").status_code == 404


def test_renaming_a_book_never_touches_its_counter_and_default_books_stay_open(app, world):
    factories.register(world.school_a.clerk)
    book = db.session.scalars(
        select(RegisterBook).where(
            RegisterBook.org_id == world.school_a.org.id,
            RegisterBook.direction == "incoming",
            RegisterBook.code == "general",
        )
    ).one()
    client = _signed_in(app, world.school_a.admin)
    response = client.post(
        f"/admin/catalog/books/{book.id}/edit",
        data={"name": "Sổ văn bản đến chung", "last_number": "0"},
    )
    assert response.status_code == 302
    renamed = _fresh(RegisterBook, book.id)
    assert (renamed.name, renamed.last_number) == ("Sổ văn bản đến chung", 1)

    client.post(f"/admin/catalog/books/{book.id}/deactivate")
    assert _fresh(RegisterBook, book.id).is_active is True


def test_organisation_directory_pages_and_searches_without_diacritics(app, world):
    app.config["PAGE_SIZE"] = 2
    client = _signed_in(app, world.district.admin)
    orgs = [world.district.org, world.school_a.org, world.school_b.org]

    def listed(query: str) -> set[int]:
        page = client.get(f"/admin/organisations{query}").get_data(as_text=True)
        return {o.id for o in orgs if f'href="/admin/organisations/{o.id}"' in page}

    first, second = listed(""), listed("?page=2")
    assert len(first) == 2 and len(second) == 1
    assert first | second == {o.id for o in orgs}
    assert "Trang 2 / 2" in client.get("/admin/organisations?page=2").get_data(as_text=True)
    assert listed("?q=bach+dang") == {world.school_b.org.id}
    # LIKE wildcards typed in the search are searched for, not expanded.
    assert listed("?q=%25") == set() and listed("?q=_") == set()
