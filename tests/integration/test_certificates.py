"""Keeping signing certificates: upload, re-encryption for the server, retirement, trust."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from eoffice.core.errors import Forbidden, NotFound, ValidationFailed
from eoffice.core.models import AuditEvent, StoredFile
from eoffice.core.timeutil import set_clock
from eoffice.extensions import db
from eoffice.signing import services
from eoffice.signing.certificates import (
    WRONG_PASSWORD,
    CertificateRefused,
    issue_identity,
    load_identity,
    make_test_ca,
)
from eoffice.signing.models import Certificate, TrustAnchor
from eoffice.signing.pdfsign import sign_pdf, validate_pdf
from eoffice.signing.stamps import seal_png, signature_png
from tests import factories

PASSWORD = "Mat-khau-chung-thu-2026"


@pytest.fixture(scope="module")
def ca():
    return make_test_ca("CA thử nghiệm eoffice")


@pytest.fixture(scope="module")
def leader_p12(ca) -> bytes:
    return issue_identity(
        ca, "Trần Văn Lãnh Đạo", organisation="Phòng GDĐT Quận Thử", password=PASSWORD.encode()
    )


@pytest.fixture(scope="module")
def office_p12(ca) -> bytes:
    return issue_identity(ca, "Phòng Giáo dục và Đào tạo Quận Thử", password=PASSWORD.encode())


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _certificate_events() -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.subject_type == "certificate")
            .order_by(AuditEvent.id)
        )
    )


def test_upload_keeps_the_key_re_encrypted_for_the_server_and_audits(world, leader_p12):
    admin, leader = world.district.admin, world.district.leader
    image = signature_png(leader.full_name)

    cert = services.upload_certificate(admin, leader, leader_p12, PASSWORD, image, "")

    db.session.expire_all()
    row = db.session.get(Certificate, cert.id)
    assert (row.owner_kind, row.user_id, row.org_id) == ("user", leader.id, leader.org_id)
    assert row.label == row.subject_cn == "Trần Văn Lãnh Đạo"
    assert row.issuer_cn == "CA thử nghiệm eoffice"
    assert row.is_active and row.uploaded_by_id == admin.id
    assert row.not_before < datetime.now(UTC) < row.not_after
    # The user's password no longer opens what is stored; the server's passphrase does.
    assert row.p12 != leader_p12
    with pytest.raises(CertificateRefused):
        load_identity(row.p12, PASSWORD)
    reopened = load_identity(row.p12, services.derive_passphrase("test-secret"))
    assert reopened.certificate == load_identity(leader_p12, PASSWORD).certificate
    assert services.certificate_image(row) == image

    (event,) = _certificate_events()
    assert (event.action, event.actor_id, event.org_id, event.subject_id) == (
        "created",
        admin.id,
        leader.org_id,
        row.id,
    )
    assert event.changes["serial"] == row.serial
    assert PASSWORD not in str(event.changes)


def test_wrong_password_leaves_no_row_no_file_no_event(world, leader_p12):
    with pytest.raises(CertificateRefused) as refused:
        services.upload_certificate(
            world.district.admin,
            world.district.leader,
            leader_p12,
            "mat-khau-sai",
            signature_png("Trần Văn Lãnh Đạo"),
            "Chữ ký số",
        )
    assert refused.value.field_errors == {"password": WRONG_PASSWORD}
    assert _count(Certificate) == 0
    assert _count(StoredFile) == 0
    assert _certificate_events() == []


def test_opaque_image_is_refused_before_anything_is_written(world, office_p12):
    from io import BytesIO

    from PIL import Image

    opaque = BytesIO()
    Image.new("RGB", (100, 100), "red").save(opaque, format="PNG")
    with pytest.raises(ValidationFailed) as refused:
        services.upload_certificate(
            world.district.admin, world.district.org, office_p12, PASSWORD, opaque.getvalue()
        )
    assert "image" in refused.value.field_errors
    assert _count(Certificate) == 0


def test_stored_keys_sign_and_verify_with_the_registered_demo_ca(world, ca, leader_p12, office_p12):
    """The round trip the issuing job makes: open both stored keys with the server's
    passphrase, sign twice, check both against the roots the application trusts."""
    admin, district = world.district.admin, world.district
    services.upload_certificate(
        admin, district.leader, leader_p12, PASSWORD, signature_png("Trần Văn Lãnh Đạo")
    )
    services.upload_certificate(
        admin, district.org, office_p12, PASSWORD, seal_png(district.org.name), "Dấu cơ quan"
    )
    services.register_trust_anchor("CA thử nghiệm eoffice", ca.certificate_pem)

    person = services.active_identity_for_user(district.leader)
    office = services.active_identity_for_org(district.org)
    assert office.certificate.label == "Dấu cơ quan"
    now = datetime.now(UTC)
    pdf = sign_pdf(
        factories.pdf_bytes(),
        person.identity,
        field_name="ChuKyLanhDao",
        page_index=0,
        box=(330, 300, 510, 372),
        image_png=person.image_png,
        reason="Ký ban hành",
        location="Quận Thử",
        signing_time=now,
    )
    pdf = sign_pdf(
        pdf,
        office.identity,
        field_name="DauCoQuan",
        page_index=0,
        box=(282, 264, 402, 384),
        image_png=office.image_png,
        reason="Ký số của cơ quan",
        location="Quận Thử",
        signing_time=now,
    )
    reports = validate_pdf(pdf, services.trust_roots())
    assert [(r.signer_cn, r.verdict) for r in reports] == [
        ("Trần Văn Lãnh Đạo", "valid"),
        ("Phòng Giáo dục và Đào tạo Quận Thử", "valid"),
    ]


def test_a_new_upload_retires_the_previous_certificate(world, ca, leader_p12):
    admin, leader = world.district.admin, world.district.leader
    first = services.upload_certificate(admin, leader, leader_p12, PASSWORD, None, "Cũ")
    renewed_p12 = issue_identity(ca, "Trần Văn Lãnh Đạo", password=PASSWORD.encode())
    second = services.upload_certificate(admin, leader, renewed_p12, PASSWORD, None, "Mới")

    db.session.expire_all()
    assert db.session.get(Certificate, first.id).is_active is False
    assert db.session.get(Certificate, second.id).is_active is True
    material = services.active_identity_for_user(leader)
    assert material.certificate.id == second.id
    assert material.image_png is None
    actions = [(e.subject_id, e.action) for e in _certificate_events()]
    assert actions == [(first.id, "created"), (first.id, "deactivated"), (second.id, "created")]
    listed = services.certificates_of(admin, leader.org_id)
    assert [c.id for c in listed] == [second.id, first.id]


def test_deactivated_certificate_no_longer_signs(world, office_p12):
    admin, org = world.district.admin, world.district.org
    cert = services.upload_certificate(admin, org, office_p12, PASSWORD)
    services.deactivate_certificate(admin, cert.id)
    with pytest.raises(services.NoActiveCertificate) as refused:
        services.active_identity_for_org(org)
    assert refused.value.message == (
        "Phòng Giáo dục và Đào tạo Quận Thử chưa có chứng thư số cơ quan; hãy báo quản trị."
    )


def test_expired_stored_certificate_is_refused_at_signing_time(world, leader_p12):
    leader = world.district.leader
    cert = services.upload_certificate(world.district.admin, leader, leader_p12, PASSWORD)
    set_clock(lambda: cert.not_after + timedelta(days=1))
    with pytest.raises(services.NoActiveCertificate, match="đã hết hạn từ ngày"):
        services.active_identity_for_user(leader)


def test_changed_secret_key_is_a_clear_error_not_a_crash(app, world, leader_p12):
    leader = world.district.leader
    services.upload_certificate(world.district.admin, leader, leader_p12, PASSWORD)
    app.config["SECRET_KEY"] = "another-secret"
    with pytest.raises(services.NoActiveCertificate) as refused:
        services.active_identity_for_user(leader)
    assert refused.value.message == services.SERVER_KEY_UNREADABLE


def test_only_admins_of_the_owner_organisation_may_upload(world, leader_p12, office_p12):
    school_admin = world.school_a.admin
    with pytest.raises(NotFound):
        services.upload_certificate(school_admin, world.district.leader, leader_p12, PASSWORD)
    with pytest.raises(NotFound):
        services.upload_certificate(school_admin, world.school_b.org, office_p12, PASSWORD)
    with pytest.raises(Forbidden):
        services.upload_certificate(world.district.clerk, world.district.org, office_p12, PASSWORD)
    assert _count(Certificate) == 0


def test_trust_roots_join_configured_files_and_database_anchors(app, world, ca, tmp_path):
    other = make_test_ca("Root CA quốc gia (thử)")
    bundle = tmp_path / "roots.pem"
    bundle.write_bytes(other.certificate_pem)
    app.config["SIGNING_TRUST_ROOTS"] = [str(bundle), str(tmp_path / "missing.pem")]

    first = services.register_trust_anchor("CA thử nghiệm eoffice", ca.certificate_pem)
    again = services.register_trust_anchor("Tên khác", ca.certificate_pem.decode())

    assert again.id == first.id and _count(TrustAnchor) == 1
    assert services.trust_roots() == [other.certificate_pem, ca.certificate_pem]


def test_an_end_entity_certificate_is_not_accepted_as_a_trust_root(world, leader_p12):
    from cryptography.hazmat.primitives.serialization import Encoding

    leaf = load_identity(leader_p12, PASSWORD).certificate
    with pytest.raises(ValidationFailed, match="chứng thư số gốc"):
        services.register_trust_anchor("Không phải CA", leaf.public_bytes(Encoding.PEM))
    assert _count(TrustAnchor) == 0


def test_the_database_holds_one_active_certificate_per_owner(world, leader_p12):
    """The partial unique index catches what two admins uploading at once would slip past."""
    from sqlalchemy.exc import IntegrityError

    leader = world.district.leader
    cert = services.upload_certificate(world.district.admin, leader, leader_p12, PASSWORD)
    columns = ("owner_kind", "user_id", "org_id", "label", "subject_cn", "issuer_cn", "serial")
    twin = Certificate(
        **{name: getattr(cert, name) for name in columns},
        not_before=cert.not_before,
        not_after=cert.not_after,
        p12=cert.p12,
        is_active=True,
    )
    db.session.add(twin)
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    twin = Certificate(
        **{name: getattr(cert, name) for name in columns},
        not_before=cert.not_before,
        not_after=cert.not_after,
        p12=cert.p12,
        is_active=False,
    )
    db.session.add(twin)
    db.session.commit()  # a retired one beside the active one is fine
