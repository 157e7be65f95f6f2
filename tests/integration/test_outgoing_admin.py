"""Admin pages of the outgoing settings, through the web routes: signing certificates and
trusted roots, the approval chain, signing delegations and the organisation's place name."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select

from eoffice.core import timeutil
from eoffice.core.audit import history
from eoffice.core.errors import NotFound, ValidationFailed
from eoffice.extensions import db
from eoffice.orgs.models import Organisation, User
from eoffice.outgoing import drafting, issuing, review, settings
from eoffice.outgoing.involvement import can_sign
from eoffice.outgoing.models import ApprovalStage, OutgoingDocument, SigningDelegation
from eoffice.signing.certificates import WRONG_PASSWORD, issue_identity, make_test_ca
from eoffice.signing.models import Certificate, TrustAnchor
from eoffice.signing.stamps import signature_png
from tests import factories

P12_PASSWORD = "Mat-khau-tep-p12-2026"
NOW = datetime(2026, 9, 25, 2, 0, tzinfo=UTC)  # Friday 25/09/2026, 09:00 office time


@pytest.fixture(autouse=True)
def fixed_clock(app):
    timeutil.set_clock(lambda: NOW)
    yield
    timeutil.set_clock(None)


@pytest.fixture(scope="module")
def ca():
    return make_test_ca("CA thử nghiệm eoffice")


def _signed_in(app: Flask, user: User):
    client = app.test_client()
    assert factories.login(client, user).status_code == 302
    return client


def _count(model, *where) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _p12(ca, name: str, **kwargs) -> bytes:
    return issue_identity(ca, name, password=P12_PASSWORD.encode(), **kwargs)


def _upload_form(owner: str, p12: bytes, password: str, image: bytes | None = None) -> dict:
    data = {
        "owner": owner,
        "file": (io.BytesIO(p12), "lanh-dao.p12"),
        "password": password,
        "label": "",
    }
    if image is not None:
        data["image"] = (io.BytesIO(image), "chu-ky.png")
    return data


def _deputy(world) -> User:
    deputy = factories.make_user(
        world.district.org,
        "photruongphong@pgdthu.hcm.edu.vn",
        ["deputy"],
        "Võ Thị Phó Phòng",
        None,
        "Phó Trưởng phòng",
    )
    db.session.commit()
    return deputy


# --- Certificates -----------------------------------------------------------------------


def test_admin_uploads_a_leaders_certificate_with_its_signature_image(app, world, ca):
    district = world.district
    client = _signed_in(app, district.admin)
    image = signature_png(district.leader.full_name)

    response = client.post(
        f"/admin/certificates?org_id={district.org.id}",
        data=_upload_form(
            str(district.leader.id),
            _p12(ca, district.leader.full_name, organisation=district.org.name),
            P12_PASSWORD,
            image,
        ),
        content_type="multipart/form-data",
    )

    assert response.status_code == 302
    db.session.expire_all()
    cert = db.session.scalars(select(Certificate)).one()
    assert (cert.owner_kind, cert.user_id, cert.is_active) == ("user", district.leader.id, True)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Đã lưu chứng thư số" in page
    assert district.leader.full_name in page and "CA thử nghiệm eoffice" in page
    assert "Đang sử dụng" in page and "table-warning" not in page
    assert P12_PASSWORD not in page
    thumbnail = client.get(f"/admin/certificates/{cert.id}/image")
    assert (thumbnail.status_code, thumbnail.mimetype) == (200, "image/png")
    assert thumbnail.data == image


def test_a_wrong_password_is_refused_in_place_and_nothing_is_kept(app, world, ca):
    district = world.district
    client = _signed_in(app, district.admin)

    response = client.post(
        "/admin/certificates",
        data=_upload_form("org", _p12(ca, district.org.name), "mat-khau-sai"),
        content_type="multipart/form-data",
    )

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert WRONG_PASSWORD == "Mật khẩu của tệp chứng thư số không đúng."
    assert WRONG_PASSWORD in page
    assert "mat-khau-sai" not in page  # never echoed back
    assert "vui lòng chọn lại" in page  # the browser dropped the chosen file
    assert _count(Certificate) == 0


def test_a_personal_certificate_is_only_for_a_leader_or_deputy(app, world, ca):
    district = world.district
    client = _signed_in(app, district.admin)
    response = client.post(
        "/admin/certificates",
        data=_upload_form(str(district.staff.id), _p12(ca, district.staff.full_name), P12_PASSWORD),
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "chỉ dành cho lãnh đạo, cấp phó" in response.get_data(as_text=True)
    assert _count(Certificate) == 0


def test_an_image_that_is_not_a_transparent_png_is_refused(app, world, ca):
    district = world.district
    client = _signed_in(app, district.admin)
    response = client.post(
        "/admin/certificates",
        data=_upload_form("org", _p12(ca, district.org.name), P12_PASSWORD, factories.pdf_bytes()),
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "Ảnh chữ ký hoặc con dấu phải là tệp PNG." in response.get_data(as_text=True)
    assert _count(Certificate) == 0


def test_expiring_certificates_are_highlighted_and_one_can_be_retired(app, world, ca):
    district = world.district
    client = _signed_in(app, district.admin)
    soon = _p12(ca, district.org.name, not_after=NOW + timedelta(days=20))
    assert (
        client.post(
            "/admin/certificates",
            data=_upload_form("org", soon, P12_PASSWORD),
            content_type="multipart/form-data",
        ).status_code
        == 302
    )
    cert = db.session.scalars(select(Certificate)).one()
    page = client.get("/admin/certificates").get_data(as_text=True)
    assert "table-warning" in page and "Còn 20 ngày" in page

    retired = client.post(f"/admin/certificates/{cert.id}/deactivate")
    assert retired.status_code == 302
    assert _count(Certificate, Certificate.is_active.is_(True)) == 0
    assert [e.action for e in history("certificate", cert.id)] == ["created", "deactivated"]
    assert "Ngừng sử dụng" in client.get("/admin/certificates").get_data(as_text=True)


def test_non_admins_get_403_and_other_schools_certificates_are_404(app, world, ca):
    district = world.district
    clerk = _signed_in(app, district.clerk)
    for url in (
        "/admin/certificates",
        "/admin/certificates/trust-anchors",
        "/admin/outgoing/chain",
        "/admin/outgoing/delegations",
    ):
        assert clerk.get(url).status_code == 403, url
    refused = clerk.post(
        "/admin/certificates",
        data=_upload_form("org", _p12(ca, district.org.name), P12_PASSWORD),
        content_type="multipart/form-data",
    )
    assert refused.status_code == 403
    assert clerk.post("/admin/outgoing/chain/reset").status_code == 403
    assert _count(Certificate) == 0

    admin = _signed_in(app, district.admin)
    admin.post(
        "/admin/certificates",
        data=_upload_form("org", _p12(ca, district.org.name), P12_PASSWORD, signature_png("X")),
        content_type="multipart/form-data",
    )
    cert = db.session.scalars(select(Certificate)).one()
    school_admin = _signed_in(app, world.school_a.admin)
    assert school_admin.get(f"/admin/certificates/{cert.id}/image").status_code == 404
    assert school_admin.post(f"/admin/certificates/{cert.id}/deactivate").status_code == 404
    assert school_admin.get(f"/admin/certificates?org_id={district.org.id}").status_code == 404
    assert _count(Certificate, Certificate.is_active.is_(True)) == 1


def test_the_district_admin_adds_a_trusted_root_and_schools_only_read_the_list(app, world, ca):
    client = _signed_in(app, world.district.admin)
    page = client.get("/admin/certificates/trust-anchors").get_data(as_text=True)
    assert "Chưa có tổ chức cấp chứng thư nào" in page

    added = client.post(
        "/admin/certificates/trust-anchors",
        data={"name": "", "file": (io.BytesIO(ca.certificate_pem), "root.pem")},
        content_type="multipart/form-data",
    )
    assert added.status_code == 302
    anchor = db.session.scalars(select(TrustAnchor)).one()
    assert anchor.name == "CA thử nghiệm eoffice"
    listing = client.get("/admin/certificates/trust-anchors").get_data(as_text=True)
    assert "CA thử nghiệm eoffice" in listing and "Thêm trên trang này" in listing

    end_entity = client.post(
        "/admin/certificates/trust-anchors",
        data={"name": "", "file": (io.BytesIO(b"not a certificate"), "x.pem")},
        content_type="multipart/form-data",
    )
    assert end_entity.status_code == 422
    assert "không phải là chứng thư số gốc (CA)" in end_entity.get_data(as_text=True)

    school_admin = _signed_in(app, world.school_a.admin)
    school_page = school_admin.get("/admin/certificates/trust-anchors").get_data(as_text=True)
    assert "CA thử nghiệm eoffice" in school_page and "Thêm chứng thư gốc" not in school_page
    assert (
        school_admin.post(
            "/admin/certificates/trust-anchors",
            data={"name": "Khác", "file": (io.BytesIO(ca.certificate_pem), "root.pem")},
            content_type="multipart/form-data",
        ).status_code
        == 403
    )
    assert _count(TrustAnchor) == 1


# --- The approval chain -----------------------------------------------------------------


def test_chain_page_shows_the_default_then_the_edited_chain_is_used(app, world):
    district = world.district
    deputy = _deputy(world)
    org_id = district.org.id
    client = _signed_in(app, district.admin)

    page = client.get("/admin/outgoing/chain").get_data(as_text=True)
    assert "Quy trình mặc định" in page
    assert "Trưởng đơn vị soạn thảo kiểm tra nội dung" in page
    assert "Văn thư kiểm tra thể thức" in page

    added = client.post(
        f"/admin/outgoing/chain/stages?org_id={org_id}",
        data={"kind": "user", "user_id": str(deputy.id), "role": "", "label": "Phó phòng duyệt"},
    )
    assert added.status_code == 302
    assert review.chain_for(org_id) == [
        ("unit_head", None, None, "Trưởng đơn vị soạn thảo kiểm tra nội dung"),
        ("role", "clerk", None, "Văn thư kiểm tra thể thức"),
        ("user", None, deputy.id, "Phó phòng duyệt"),
    ]

    stages = db.session.scalars(
        select(ApprovalStage).where(ApprovalStage.org_id == org_id).order_by("position")
    ).all()
    head, _clerk, by_deputy = stages
    assert client.post(f"/admin/outgoing/chain/stages/{by_deputy.id}/up").status_code == 302
    assert client.post(f"/admin/outgoing/chain/stages/{head.id}/delete").status_code == 302
    assert review.chain_for(org_id) == [
        ("user", None, deputy.id, "Phó phòng duyệt"),
        ("role", "clerk", None, "Văn thư kiểm tra thể thức"),
    ]
    page = client.get("/admin/outgoing/chain").get_data(as_text=True)
    assert "Quy trình riêng của cơ quan" in page and deputy.full_name in page
    assert client.get(f"/admin/outgoing/chain/stages/{by_deputy.id}/edit").status_code == 200
    renamed = client.post(
        f"/admin/outgoing/chain/stages/{by_deputy.id}/edit",
        data={"kind": "user", "user_id": str(deputy.id), "label": "Phó Trưởng phòng duyệt"},
    )
    assert renamed.status_code == 302
    assert _fresh(ApprovalStage, by_deputy.id).label == "Phó Trưởng phòng duyệt"

    # A draft submitted now goes through the edited chain.
    doc = drafting.create_draft(district.staff, factories.outgoing_plan(world, world.school_a))
    review.submit(district.staff, doc.id)
    assert [r.label for r in _fresh(OutgoingDocument, doc.id).reviews] == [
        "Phó Trưởng phòng duyệt",
        "Văn thư kiểm tra thể thức",
        f"Ký ban hành: {district.leader.full_name}",
    ]
    assert client.post("/admin/outgoing/chain/reset").status_code == 302
    assert [kind for kind, *_ in review.chain_for(org_id)] == ["unit_head", "role"]
    actions = [e.action for e in history("approval_chain", org_id)]
    assert actions == ["updated", "updated", "updated", "updated", "deleted"]


def test_the_default_chain_can_be_copied_to_edit_each_check(app, world):
    school = world.school_a
    client = _signed_in(app, school.admin)
    assert client.post("/admin/outgoing/chain/customise").status_code == 302
    clerk_check = db.session.scalars(
        select(ApprovalStage).where(ApprovalStage.kind == "role")
    ).one()
    assert client.post(f"/admin/outgoing/chain/stages/{clerk_check.id}/delete").status_code == 302
    assert review.chain_for(school.org.id) == [
        ("unit_head", None, None, "Trưởng đơn vị soạn thảo kiểm tra nội dung")
    ]
    last = client.post(
        f"/admin/outgoing/chain/stages/{_only_stage_id()}/delete", follow_redirects=True
    )
    assert "Không thể bỏ bước kiểm tra cuối cùng" in last.get_data(as_text=True)
    assert len(review.chain_for(school.org.id)) == 1
    assert review.chain_for(world.district.org.id)[1][1] == "clerk"  # others untouched


def _only_stage_id() -> int:
    db.session.expire_all()
    return db.session.scalars(select(ApprovalStage.id)).one()


def test_bad_stages_are_refused_in_place(app, world):
    district = world.district
    client = _signed_in(app, district.admin)
    cases = [
        (
            {"kind": "user", "user_id": str(world.school_a.clerk.id), "label": "Người ngoài"},
            "Người kiểm tra phải là người dùng đang hoạt động của cơ quan.",
        ),
        (
            {"kind": "role", "role": "principal", "label": "Vai trò lạ"},
            "Vui lòng chọn một vai trò có trong hệ thống.",
        ),
        ({"kind": "role", "role": "clerk", "label": "  "}, "Vui lòng nhập tên bước kiểm tra."),
        ({"kind": "role", "role": "clerk", "label": "x" * 151}, "Tối đa 150 ký tự."),
        ({"kind": "anyone", "label": "Ai cũng được"}, "Loại bước kiểm tra không hợp lệ."),
    ]
    for data, message in cases:
        response = client.post("/admin/outgoing/chain/stages", data=data)
        assert response.status_code == 422, data
        assert message in response.get_data(as_text=True), data
    assert _count(ApprovalStage) == 0

    too_many = [settings.StageInput("role", f"Bước {i}", role="clerk") for i in range(11)]
    with pytest.raises(ValidationFailed, match="tối đa 10 bước"):
        settings.save_chain(district.admin, district.org.id, too_many)
    settings.save_chain(district.admin, district.org.id, too_many[:10])
    refused = client.post(
        "/admin/outgoing/chain/stages", data={"kind": "role", "role": "clerk", "label": "Thêm"}
    )
    assert refused.status_code == 422
    assert _count(ApprovalStage) == 10

    other = world.school_a.admin
    stage = db.session.scalars(select(ApprovalStage)).first()
    with pytest.raises(NotFound):
        settings.move_stage(other, stage.id, 1)
    assert (
        _signed_in(app, other).post(f"/admin/outgoing/chain/stages/{stage.id}/delete").status_code
        == 404
    )


# --- Delegations ------------------------------------------------------------------------


def _delegation_form(world, deputy: User, starts: str, ends: str, **overrides) -> dict:
    data = {
        "from_user_id": str(world.district.leader.id),
        "to_user_id": str(deputy.id),
        "capacity": "KT",
        "starts_on": starts,
        "ends_on": ends,
        "note": "Trưởng phòng đi công tác",
    }
    data.update(overrides)
    return data


def test_a_delegation_lets_the_deputy_sign_within_its_dates_only(app, world):
    district = world.district
    deputy = _deputy(world)
    doc = drafting.create_draft(district.staff, factories.outgoing_plan(world, world.school_a))
    assert not can_sign(deputy, doc)
    client = _signed_in(app, district.admin)

    response = client.post(
        "/admin/outgoing/delegations",
        data=_delegation_form(world, deputy, "01/10/2026", "05/10/2026"),
    )

    assert response.status_code == 302
    page = client.get("/admin/outgoing/delegations").get_data(as_text=True)
    assert "01/10/2026 – 05/10/2026" in page and "Sắp có hiệu lực" in page
    for day, expected in (
        (date(2026, 9, 30), False),
        (date(2026, 10, 1), True),
        (date(2026, 10, 5), True),
        (date(2026, 10, 6), False),
    ):
        moment = datetime(day.year, day.month, day.day, 9, 0)  # office time
        timeutil.set_clock(lambda moment=moment: moment)
        assert can_sign(deputy, doc) is expected, day
    [delegation] = db.session.scalars(select(SigningDelegation)).all()
    assert [e.action for e in history("signing_delegation", delegation.id)] == ["created"]


def test_overlapping_and_ill_formed_delegations_are_refused(app, world):
    district = world.district
    deputy = _deputy(world)
    client = _signed_in(app, district.admin)
    first = _delegation_form(world, deputy, "01/10/2026", "05/10/2026")
    assert client.post("/admin/outgoing/delegations", data=first).status_code == 302

    overlapping = client.post(
        "/admin/outgoing/delegations",
        data=_delegation_form(world, deputy, "05/10/2026", "09/10/2026", capacity="Q"),
    )
    assert overlapping.status_code == 422
    assert "trùng thời gian này" in overlapping.get_data(as_text=True)

    cases = [
        (
            {"from_user_id": str(deputy.id), "to_user_id": str(district.leader.id)},
            "Người ủy quyền phải là lãnh đạo (người đứng đầu) của cơ quan.",
        ),
        (
            {"to_user_id": str(district.staff.id)},
            "Người được ủy quyền phải là cấp phó hoặc lãnh đạo khác của cơ quan.",
        ),
        (
            {"to_user_id": str(district.leader.id)},
            "Người được ủy quyền phải khác người ủy quyền.",
        ),
        ({"ends_on": "10/10/2026"}, "Ngày kết thúc phải từ ngày bắt đầu trở đi."),
        ({"capacity": "TM"}, "Vui lòng chọn thẩm quyền ký: KT., Q., TUQ. hoặc TL."),
    ]
    for overrides, message in cases:
        data = _delegation_form(world, deputy, "12/10/2026", "16/10/2026", **overrides)
        response = client.post("/admin/outgoing/delegations", data=data)
        assert response.status_code == 422, overrides
        assert message in response.get_data(as_text=True), overrides
    assert _count(SigningDelegation) == 1

    adjacent = _delegation_form(world, deputy, "06/10/2026", "09/10/2026", capacity="Q")
    assert client.post("/admin/outgoing/delegations", data=adjacent).status_code == 302
    assert _count(SigningDelegation) == 2


def test_a_deleted_delegation_no_longer_lets_the_deputy_sign(app, world):
    district = world.district
    deputy = _deputy(world)
    doc = drafting.create_draft(district.staff, factories.outgoing_plan(world, world.school_a))
    client = _signed_in(app, district.admin)
    today = "25/09/2026"
    assert (
        client.post(
            "/admin/outgoing/delegations", data=_delegation_form(world, deputy, today, today)
        ).status_code
        == 302
    )
    assert can_sign(deputy, doc)
    delegation_id = db.session.scalars(select(SigningDelegation.id)).one()

    other = _signed_in(app, world.school_a.admin)
    assert other.post(f"/admin/outgoing/delegations/{delegation_id}/delete").status_code == 404
    assert client.post(f"/admin/outgoing/delegations/{delegation_id}/delete").status_code == 302

    assert _count(SigningDelegation) == 0
    assert not can_sign(deputy, _fresh(OutgoingDocument, doc.id))
    assert [e.action for e in history("signing_delegation", delegation_id)] == [
        "created",
        "deleted",
    ]


# --- The place name ---------------------------------------------------------------------


def _fresh(model, key):
    db.session.expire_all()
    return db.session.get(model, key)


def test_the_place_name_is_saved_and_printed_before_the_date(app, world):
    district = world.district
    org = district.org
    client = _signed_in(app, district.admin)
    form = {
        "name": org.name,
        "kind": org.kind,
        "parent_id": "0",
        "short_name": org.short_name,
        "agency_code": org.agency_code,
        "address": "",
        "email": org.email,
        "phone": "",
        "ward": "",
        "place_name": "  Quận 3 ",
    }
    assert "Địa danh ghi trên văn bản đi" in client.get(
        f"/admin/organisations/{org.id}/edit"
    ).get_data(as_text=True)

    response = client.post(f"/admin/organisations/{org.id}/edit", data=form)

    assert response.status_code == 302
    assert _fresh(Organisation, org.id).place_name == "Quận 3"
    too_long = client.post(
        f"/admin/organisations/{org.id}/edit", data={**form, "place_name": "Q" * 101}
    )
    assert too_long.status_code == 422
    assert _fresh(Organisation, org.id).place_name == "Quận 3"

    doc = drafting.create_draft(district.staff, factories.outgoing_plan(world, world.school_a))
    assert issuing.layout_for(_fresh(OutgoingDocument, doc.id)).place_date.startswith(
        "Quận 3, ngày"
    )
