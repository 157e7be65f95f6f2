"""What the certificate admin pages need around eoffice.signing.services: whose
certificate may be uploaded, how close each one is to expiring, and the trusted roots.

The keeping itself (checking the password, re-encrypting, retiring the previous one)
is in services; this module adds the rules of the page: a personal certificate is for
someone who signs (a leader or a deputy), and trusted roots, shared by the whole
deployment, are changed by the district office's admin only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from eoffice.core.errors import Forbidden, ValidationFailed
from eoffice.core.timeutil import now_utc
from eoffice.extensions import db
from eoffice.orgs.administration import get_member_org_for, is_district_admin
from eoffice.orgs.models import Organisation, Role, User
from eoffice.signing import services
from eoffice.signing.certificates import IdentitySummary, certificate_summary, load_certificates
from eoffice.signing.models import Certificate, TrustAnchor

EXPIRY_WARNING = timedelta(days=30)
MAX_ROOT_BYTES = 64 * 1024  # a root certificate is 1–2 KB; a PEM bundle of a few, more
ORGANISATION_OWNER = "org"
SIGNER_ROLES = (Role.LEADER, Role.DEPUTY)

VALIDITY_LABELS = {
    "valid": "Còn hiệu lực",
    "expiring": "Sắp hết hạn",
    "expired": "Đã hết hạn",
    "not_yet": "Chưa có hiệu lực",
}
OWNER_REFUSED = "Chứng thư số cá nhân chỉ dành cho lãnh đạo, cấp phó đang làm việc tại cơ quan."


# --- Certificates ----------------------------------------------------------------------


def signers_of(org_id: int) -> list[User]:
    """The people a personal certificate can be uploaded for: active leaders and deputies."""
    users = db.session.scalars(
        select(User)
        .where(User.org_id == org_id, User.is_active_account.is_(True))
        .order_by(User.full_name, User.id)
    )
    return [u for u in users if u.has_role(*SIGNER_ROLES)]


def owner_for(actor: User, org_id: int, choice: str | None) -> User | Organisation:
    """The owner named by the form's choice: "org" (the seal), or a signer's user id."""
    org = get_member_org_for(actor, org_id)
    if choice == ORGANISATION_OWNER:
        return org
    user_id = int(choice) if choice and choice.isdigit() else None
    for user in signers_of(org.id):
        if user.id == user_id:
            return user
    raise ValidationFailed(OWNER_REFUSED, field_errors={"owner": OWNER_REFUSED})


def validity_state(not_before: datetime, not_after: datetime, now: datetime) -> str:
    """valid, expiring (within 30 days), expired or not_yet, at `now`."""
    if not_after < now:
        return "expired"
    if not_before > now:
        return "not_yet"
    if not_after - now <= EXPIRY_WARNING:
        return "expiring"
    return "valid"


@dataclass(frozen=True)
class CertificateRow:
    certificate: Certificate
    state: str
    days_left: int

    @property
    def state_label(self) -> str:
        return VALIDITY_LABELS[self.state]

    @property
    def owner_name(self) -> str:
        cert = self.certificate
        return cert.user.full_name if cert.user else cert.organisation.name


def certificate_rows(actor: User, org_id: int) -> list[CertificateRow]:
    """Every certificate of the organisation and its people, with its validity today."""
    now = now_utc()
    return [
        CertificateRow(
            certificate=cert,
            state=validity_state(cert.not_before, cert.not_after, now),
            days_left=(cert.not_after - now).days,
        )
        for cert in services.certificates_of(actor, org_id)
    ]


# --- Trusted roots ---------------------------------------------------------------------


def can_manage_trust_anchors(actor: User) -> bool:
    """Roots decide whose signatures every school's intake calls valid: one admin decides."""
    return is_district_admin(actor)


@dataclass(frozen=True)
class TrustAnchorRow:
    name: str
    source: str  # "database" (added here) or "file" (SIGNING_TRUST_ROOTS)
    summary: IdentitySummary | None
    state: str | None
    created_at: datetime | None = None

    @property
    def state_label(self) -> str:
        return VALIDITY_LABELS[self.state] if self.state else "Không đọc được"


def _row(name: str, source: str, data: bytes, created_at: datetime | None) -> TrustAnchorRow:
    try:
        certificates = load_certificates(data)
    except ValueError:
        certificates = []
    if not certificates:
        return TrustAnchorRow(name, source, None, None, created_at)
    summary = certificate_summary(certificates[0])
    state = validity_state(summary.valid_from, summary.valid_to, now_utc())
    return TrustAnchorRow(name, source, summary, state, created_at)


def trust_anchor_rows() -> list[TrustAnchorRow]:
    """The roots intake validates against: the deployment's files, then those added here."""
    rows: list[TrustAnchorRow] = []
    for path in services._configured_paths():
        try:
            with open(path, "rb") as handle:
                data = handle.read()
        except OSError:
            rows.append(TrustAnchorRow(path, "file", None, None))
            continue
        rows.append(_row(path, "file", data, None))
    anchors = db.session.scalars(select(TrustAnchor).order_by(TrustAnchor.name, TrustAnchor.id))
    rows.extend(_row(a.name, "database", a.pem.encode(), a.created_at) for a in anchors)
    return rows


def add_trust_anchor(actor: User, name: str | None, data: bytes) -> tuple[TrustAnchor, bool]:
    """Trust a root CA (PEM or DER); (anchor, False) when it was already trusted."""
    if not can_manage_trust_anchors(actor):
        raise Forbidden(
            "Chỉ quản trị của Phòng Giáo dục và Đào tạo được thêm tổ chức cấp chứng thư tin cậy."
        )
    if not data:
        message = "Hãy chọn tệp chứng thư số gốc (.pem, .crt, .cer, .der)."
        raise ValidationFailed(message, field_errors={"file": message})
    if len(data) > MAX_ROOT_BYTES:
        message = "Tệp chứng thư số gốc quá lớn (tối đa 64 KB)."
        raise ValidationFailed(message, field_errors={"file": message})
    if len(name or "") > 200:
        message = "Tên gợi nhớ tối đa 200 ký tự."
        raise ValidationFailed(message, field_errors={"name": message})
    before = set(db.session.scalars(select(TrustAnchor.id)))
    anchor = services.register_trust_anchor(name or "", data, actor=actor)
    return anchor, anchor.id not in before
