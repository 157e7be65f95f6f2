"""Keeping signing certificates and trust roots; handing the signing job its key.

An admin uploads a PKCS#12 file with its password, per leader (the personal signature)
or per organisation (the seal the văn thư signs with). The password is checked here and
forgotten; the key is stored re-encrypted under a passphrase derived from SECRET_KEY
(HKDF), so the background job that renders and signs an outgoing document can open it
alone. Changing SECRET_KEY therefore makes stored keys unreadable: they must be uploaded
again (decision 0011).
"""

from __future__ import annotations

import base64
import logging
import os
from dataclasses import dataclass
from functools import lru_cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding
from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from eoffice.core import audit
from eoffice.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from eoffice.core.filetypes import KINDS
from eoffice.core.text import clean
from eoffice.core.timeutil import format_date, now_utc
from eoffice.extensions import db
from eoffice.incoming.attachments import CheckedUpload, Upload, file_store, stored_file_for
from eoffice.orgs.administration import get_member_org_for
from eoffice.orgs.models import Organisation, Role, User
from eoffice.signing.certificates import (
    CertificateRefused,
    SigningIdentity,
    certificate_summary,
    identity_summary,
    is_ca_certificate,
    load_certificates,
    load_identity,
    open_identity,
)
from eoffice.signing.models import Certificate, OwnerKind, TrustAnchor
from eoffice.signing.stamps import check_stamp_png

log = logging.getLogger(__name__)

MAX_P12_BYTES = 256 * 1024  # real .p12 files with their chain are 3–15 KB
HKDF_INFO = b"eoffice/signing/pkcs12-at-rest/v1"

NOT_FOUND_CERTIFICATE = "Không tìm thấy chứng thư số này."
NO_FILE = "Hãy chọn tệp chứng thư số (.p12, .pfx)."
SERVER_KEY_UNREADABLE = (
    "Không mở được khóa ký đã lưu trên máy chủ (SECRET_KEY có thể đã thay đổi); "
    "quản trị cần tải lại tệp chứng thư số."
)


class NoActiveCertificate(Conflict):
    """The signer (or the organisation) has no usable certificate: the step cannot sign."""


@dataclass(frozen=True)
class SigningMaterial:
    """What the signing job needs: the key and certificate, and the stamp image."""

    certificate: Certificate
    identity: SigningIdentity
    image_png: bytes | None


# --- The server passphrase ------------------------------------------------------------


def derive_passphrase(secret_key: str) -> str:
    """A 256-bit passphrase for stored PKCS#12 files, derived from SECRET_KEY.

    HKDF with a fixed `info` keeps it apart from every other use of SECRET_KEY (cookies,
    CSRF): knowing one derived value tells nothing about the key or the other values.
    """
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=HKDF_INFO).derive(
        secret_key.encode()
    )
    return base64.urlsafe_b64encode(key).decode().rstrip("=")


def server_passphrase() -> str:
    return derive_passphrase(current_app.config["SECRET_KEY"])


@lru_cache(maxsize=64)
def _open_stored(p12: bytes, passphrase: str) -> SigningIdentity:
    """Decrypt a stored file once per process: rows are never edited, so the bytes are
    the cache key (and the decrypted key stays in memory, as it must to sign). The
    dates are checked against the row at each use, not here."""
    return open_identity(p12, passphrase)


# --- Upload ---------------------------------------------------------------------------


def upload_certificate(
    actor: User,
    owner: User | Organisation,
    p12_bytes: bytes,
    password: str,
    image_png: bytes | None = None,
    label: str | None = None,
) -> Certificate:
    """Check and keep a PKCS#12 file for a user or an organisation the admin manages.

    The new certificate becomes the owner's active one; the previous one is retired
    (kept, so signed PDFs can still be traced to it). Nothing is written when anything
    is refused.
    """
    owner_kind, org, user = _owner(actor, owner)
    if not p12_bytes:
        raise ValidationFailed(NO_FILE, field_errors={"file": NO_FILE})
    if len(p12_bytes) > MAX_P12_BYTES:
        message = "Tệp chứng thư số quá lớn (tối đa 256 KB)."
        raise ValidationFailed(message, field_errors={"file": message})
    identity = load_identity(p12_bytes, password or "")
    if image_png:
        check_stamp_png(image_png)
    summary = identity_summary(identity)
    label = clean(label) or summary.subject_cn
    if len(label) > 150:
        message = "Tên gợi nhớ tối đa 150 ký tự."
        raise ValidationFailed(message, field_errors={"label": message})
    stored_image = _store_image(image_png) if image_png else None
    try:
        retired = _retire_active(owner_kind, org.id, user.id if user else None)
        cert = Certificate(
            owner_kind=owner_kind,
            user_id=user.id if user else None,
            org_id=org.id,
            label=label,
            subject_cn=summary.subject_cn[:200],
            issuer_cn=summary.issuer_cn[:200],
            serial=summary.serial[:64],
            not_before=summary.valid_from,
            not_after=summary.valid_to,
            p12=identity.to_pkcs12(server_passphrase().encode()),
            image_file=stored_image,
            is_active=True,
            uploaded_by_id=actor.id,
        )
        db.session.add(cert)
        db.session.flush()
        for old in retired:
            _audit(actor, old, "deactivated", {"replaced_by": cert.id})
        _audit(
            actor,
            cert,
            "created",
            {
                "owner_kind": owner_kind,
                "user_id": cert.user_id,
                "label": label,
                "subject_cn": cert.subject_cn,
                "issuer_cn": cert.issuer_cn,
                "serial": cert.serial,
                "not_after": summary.valid_to.isoformat(),
                "image": stored_image.sha256 if stored_image else None,
            },
        )
        db.session.commit()
    except IntegrityError:  # another admin uploaded for the same owner at the same moment
        db.session.rollback()
        raise Conflict("Chứng thư số vừa được người khác cập nhật; hãy tải lại trang.") from None
    except Exception:
        db.session.rollback()
        raise
    return cert


def _owner(actor: User, owner: User | Organisation) -> tuple[str, Organisation, User | None]:
    if not actor.has_role(Role.ADMIN):
        raise Forbidden("Chỉ quản trị được tải lên chứng thư số.")
    if isinstance(owner, User):
        get_member_org_for(actor, owner.org_id)  # NotFound outside the admin's reach
        return OwnerKind.USER, owner.organisation, owner
    return OwnerKind.ORGANISATION, get_member_org_for(actor, owner.id), None


def _store_image(data: bytes):
    checked = CheckedUpload(Upload("anh-ky-so.png", data), KINDS["png"])
    checked.sha256 = file_store().put(data)
    return stored_file_for(checked)


def _retire_active(owner_kind: str, org_id: int, user_id: int | None) -> list[Certificate]:
    stmt = select(Certificate).where(
        Certificate.owner_kind == owner_kind, Certificate.is_active.is_(True)
    )
    if owner_kind == OwnerKind.USER:
        stmt = stmt.where(Certificate.user_id == user_id)
    else:
        stmt = stmt.where(Certificate.org_id == org_id)
    retired = list(db.session.scalars(stmt.with_for_update()))
    for old in retired:
        old.is_active = False
    db.session.flush()  # before the new row, or the partial unique index sees two
    return retired


def _audit(actor: User, cert: Certificate, action: str, changes: dict) -> None:
    audit.record(
        actor_id=actor.id,
        org_id=cert.org_id,
        subject_type="certificate",
        subject_id=cert.id,
        action=action,
        changes=changes,
    )


# --- Administration -------------------------------------------------------------------


def certificates_of(actor: User, org_id: int) -> list[Certificate]:
    """Every certificate of an organisation and of its people, active ones first."""
    if not actor.has_role(Role.ADMIN):
        raise Forbidden()
    org = get_member_org_for(actor, org_id)
    stmt = (
        select(Certificate)
        .where(Certificate.org_id == org.id)
        .order_by(Certificate.is_active.desc(), Certificate.created_at.desc(), Certificate.id)
    )
    return list(db.session.scalars(stmt))


def get_certificate_for(actor: User, cert_id: int) -> Certificate:
    cert = db.session.get(Certificate, cert_id)
    if cert is None or not actor.has_role(Role.ADMIN):
        raise NotFound(NOT_FOUND_CERTIFICATE)
    try:
        get_member_org_for(actor, cert.org_id)
    except NotFound:
        raise NotFound(NOT_FOUND_CERTIFICATE) from None
    return cert


def deactivate_certificate(actor: User, cert_id: int) -> Certificate:
    """Stop signing with a certificate (lost token, person left); the row is kept."""
    cert = get_certificate_for(actor, cert_id)
    if not cert.is_active:
        return cert
    cert.is_active = False
    _audit(actor, cert, "deactivated", {"is_active": [True, False]})
    db.session.commit()
    return cert


def certificate_image(cert: Certificate) -> bytes | None:
    if cert.image_file is None:
        return None
    with file_store().open(cert.image_file.sha256) as handle:
        return handle.read()


# --- For the signing job --------------------------------------------------------------


def active_identity_for_user(user: User) -> SigningMaterial:
    """The leader's personal certificate and signature image; NoActiveCertificate if none."""
    cert = db.session.scalars(
        select(Certificate).where(
            Certificate.owner_kind == OwnerKind.USER,
            Certificate.user_id == user.id,
            Certificate.is_active.is_(True),
        )
    ).first()
    return _material(cert, f"{user.full_name} chưa có chứng thư số để ký; hãy báo quản trị.")


def active_identity_for_org(org: Organisation) -> SigningMaterial:
    """The organisation's certificate and seal image; NoActiveCertificate if none."""
    cert = db.session.scalars(
        select(Certificate).where(
            Certificate.owner_kind == OwnerKind.ORGANISATION,
            Certificate.org_id == org.id,
            Certificate.is_active.is_(True),
        )
    ).first()
    return _material(cert, f"{org.name} chưa có chứng thư số cơ quan; hãy báo quản trị.")


def _material(cert: Certificate | None, missing: str) -> SigningMaterial:
    if cert is None:
        raise NoActiveCertificate(missing)
    now = now_utc()
    if cert.not_after < now:
        raise NoActiveCertificate(
            f"Chứng thư số “{cert.label}” đã hết hạn từ ngày {format_date(cert.not_after)}; "
            "hãy báo quản trị tải lên chứng thư mới."
        )
    if cert.not_before > now:
        raise NoActiveCertificate(
            f"Chứng thư số “{cert.label}” chưa có hiệu lực (từ ngày "
            f"{format_date(cert.not_before)})."
        )
    try:
        identity = _open_stored(cert.p12, server_passphrase())
    except CertificateRefused:
        log.error("stored certificate %s cannot be opened with the server passphrase", cert.id)
        raise NoActiveCertificate(SERVER_KEY_UNREADABLE) from None
    return SigningMaterial(certificate=cert, identity=identity, image_png=certificate_image(cert))


# --- Trust roots ----------------------------------------------------------------------


def trust_roots() -> list[bytes]:
    """The PEM/DER roots to validate against: SIGNING_TRUST_ROOTS files, then the database.

    A file that cannot be read is logged and skipped: intake must go on, and its
    signatures then show "Không rõ tổ chức cấp chứng thư" until the operator fixes it.
    """
    roots: list[bytes] = []
    for path in _configured_paths():
        try:
            with open(path, "rb") as handle:
                roots.append(handle.read())
        except OSError as exc:
            log.error("trust root file %s cannot be read: %s", path, exc)
    roots.extend(a.pem.encode() for a in db.session.scalars(select(TrustAnchor)))
    return roots


def _configured_paths() -> list[str]:
    value = current_app.config.get("SIGNING_TRUST_ROOTS") or []
    if isinstance(value, str):  # an environment value not split by config.py
        value = [p for chunk in value.split(",") for p in chunk.split(os.pathsep)]
    return [p.strip() for p in value if p and p.strip()]


def register_trust_anchor(name: str, pem: bytes | str, *, actor: User | None = None) -> TrustAnchor:
    """Trust a root CA certificate (the demo CA; later an admin page). Idempotent.

    Only CA certificates are accepted: trusting an end-entity certificate as a root
    would make any signature by that one key look issued by a known authority.
    """
    data = pem.encode() if isinstance(pem, str) else pem
    try:
        certs = load_certificates(data)
    except ValueError:
        certs = []
    message = "Tệp không phải là chứng thư số gốc (CA) dạng PEM hoặc DER."
    if len(certs) != 1 or not is_ca_certificate(certs[0]):
        raise ValidationFailed(message, field_errors={"file": message})
    cert = certs[0]
    for existing in db.session.scalars(select(TrustAnchor)):
        if load_certificates(existing.pem.encode())[0] == cert:
            return existing
    anchor = TrustAnchor(
        name=clean(name)[:200] or certificate_summary(cert).subject_cn[:200],
        pem=cert.public_bytes(Encoding.PEM).decode(),
    )
    db.session.add(anchor)
    db.session.flush()
    audit.record(
        actor_id=actor.id if actor else None,
        org_id=actor.org_id if actor else None,
        subject_type="trust_anchor",
        subject_id=anchor.id,
        action="created",
        changes={"name": anchor.name},
    )
    db.session.commit()
    return anchor
