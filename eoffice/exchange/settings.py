"""Each member organisation's connection to the exchange hub: read, save, check, use.

Only the organisation's own admins see or change it: the secret authenticates the
agency itself, so not even the district admin manages another organisation's. The
secret is kept as a Fernet token under a key derived from SECRET_KEY with HKDF (the
approach of eoffice.signing.services, decision 0011): background jobs can use it
without a person, and it is never shown back. Changing SECRET_KEY makes it unreadable;
the admin then types it again.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

from eoffice.core import audit
from eoffice.core.errors import Forbidden, ValidationFailed
from eoffice.core.timeutil import now_utc
from eoffice.exchange.client import ExchangeError, HubClient
from eoffice.exchange.models import ExchangeSettings
from eoffice.extensions import db
from eoffice.orgs.models import Organisation, Role, User

HKDF_INFO = b"eoffice/exchange/hub-secret-at-rest/v1"
MIN_SECRET = 16
MAX_SECRET = 200
MAX_URL = 300

ADMINS_ONLY = "Chỉ quản trị của cơ quan được xem và thay đổi thiết lập liên thông."
BAD_URL = "Địa chỉ trục liên thông phải bắt đầu bằng https:// hoặc http://, ví dụ https://truc.hcm.gov.vn."
URL_TOO_LONG = f"Địa chỉ trục liên thông không được dài quá {MAX_URL} ký tự."
SECRET_REQUIRED = "Hãy nhập khóa bí mật do trục liên thông cấp."
SECRET_TOO_SHORT = f"Khóa bí mật phải có ít nhất {MIN_SECRET} ký tự."
SECRET_TOO_LONG = f"Khóa bí mật không được dài quá {MAX_SECRET} ký tự."
NO_AGENCY_CODE = "Cơ quan chưa có mã định danh điện tử nên chưa bật được liên thông."
SECRET_UNREADABLE = (
    "Không mở được khóa bí mật đã lưu (SECRET_KEY có thể đã thay đổi); "
    "quản trị cần nhập lại khóa bí mật."
)
NOT_CONFIGURED = "Cơ quan chưa thiết lập kết nối trục liên thông."


@dataclass(frozen=True)
class SettingsInput:
    """What the admin typed; an empty secret keeps the one already stored."""

    hub_url: str
    secret: str
    enabled: bool


@dataclass(frozen=True)
class SettingsView:
    """What the page shows: never the secret, only whether one is stored."""

    org: Organisation
    hub_url: str
    enabled: bool
    has_secret: bool
    updated_at: datetime | None
    updated_by: User | None


@dataclass(frozen=True)
class CheckResult:
    ok: bool
    message: str


# --- The secret at rest -----------------------------------------------------------------


def derive_key(secret_key: str) -> bytes:
    """A Fernet key of its own, derived from SECRET_KEY.

    The fixed HKDF `info` keeps it apart from every other use of SECRET_KEY (sessions,
    CSRF, the signing keys): learning one derived value tells nothing of the others.
    """
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=HKDF_INFO).derive(
        secret_key.encode()
    )
    return base64.urlsafe_b64encode(key)


def _fernet() -> Fernet:
    return Fernet(derive_key(current_app.config["SECRET_KEY"]))


def encrypt_secret(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


def decrypt_secret(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ValidationFailed(
            SECRET_UNREADABLE, field_errors={"secret": SECRET_UNREADABLE}
        ) from exc


# --- Reading and saving -----------------------------------------------------------------


def _own_org(actor: User) -> Organisation:
    if not actor.has_role(Role.ADMIN):
        raise Forbidden(ADMINS_ONLY)
    return actor.organisation


def settings_of(actor: User) -> SettingsView:
    """The admin's own organisation's settings; empty ones when nothing is saved yet."""
    org = _own_org(actor)
    row = db.session.get(ExchangeSettings, org.id)
    if row is None:
        return SettingsView(org, "", False, False, None, None)
    return SettingsView(
        org, row.hub_url, row.enabled, bool(row.agency_secret), row.updated_at, row.updated_by
    )


def _check_url(url: str) -> str | None:
    if len(url) > MAX_URL:
        return URL_TOO_LONG
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError:
        return BAD_URL
    if parts.scheme not in ("https", "http") or not parts.hostname or any(c.isspace() for c in url):
        return BAD_URL
    if parts.username or parts.password or parts.query or parts.fragment:
        return BAD_URL
    return None


def _check_secret(secret: str, *, stored: bool) -> str | None:
    if not secret:
        return None if stored else SECRET_REQUIRED
    if len(secret) < MIN_SECRET:
        return SECRET_TOO_SHORT
    if len(secret) > MAX_SECRET:
        return SECRET_TOO_LONG
    return None


def save_settings(actor: User, data: SettingsInput) -> ExchangeSettings:
    """Validate and store the settings, with an audit record that never holds the secret."""
    org = _own_org(actor)
    row = db.session.get(ExchangeSettings, org.id)
    url = data.hub_url.strip().rstrip("/")
    secret = data.secret.strip()
    errors = {
        name: message
        for name, message in (
            ("hub_url", _check_url(url)),
            ("secret", _check_secret(secret, stored=row is not None)),
            ("enabled", NO_AGENCY_CODE if data.enabled and not org.agency_code else None),
        )
        if message
    }
    if errors:
        raise ValidationFailed(next(iter(errors.values())), field_errors=errors)

    old = (row.hub_url, row.enabled) if row else (None, None)
    if row is None:
        row = ExchangeSettings(org_id=org.id)
        db.session.add(row)
    row.hub_url = url
    row.enabled = data.enabled
    if secret:
        row.agency_secret = encrypt_secret(secret)
    row.updated_at = now_utc()
    row.updated_by_id = actor.id
    changes = {
        field: [before, after]
        for field, before, after in (("hub_url", old[0], url), ("enabled", old[1], data.enabled))
        if before != after
    }
    audit.record(
        actor_id=actor.id,
        org_id=org.id,
        subject_type="exchange_settings",
        subject_id=org.id,
        action="create" if old[0] is None else "update",
        changes=changes,
        note="Đã thay khóa bí mật." if secret else None,
    )
    db.session.commit()
    return row


# --- Using them -------------------------------------------------------------------------


def _client(org: Organisation, row: ExchangeSettings, timeout: float) -> HubClient:
    return HubClient(row.hub_url, org.agency_code or "", decrypt_secret(row.agency_secret), timeout)


def client_for(org: Organisation, timeout: float = 10) -> HubClient | None:
    """The organisation's hub client, or None while the exchange is off for it."""
    row = db.session.get(ExchangeSettings, org.id)
    if row is None or not row.enabled or not org.agency_code:
        return None
    return _client(org, row, timeout)


def check_connection(actor: User, timeout: float = 10) -> CheckResult:
    """Ask the hub for our pending packets: proves the URL, the agency code and the secret.

    Works on the saved settings even while the exchange is off, so an admin can test
    before turning it on.
    """
    org = _own_org(actor)
    row = db.session.get(ExchangeSettings, org.id)
    if row is None:
        return CheckResult(False, NOT_CONFIGURED)
    if not org.agency_code:
        return CheckResult(False, NO_AGENCY_CODE)
    try:
        waiting = _client(org, row, timeout).pending()
    except ValidationFailed as exc:
        return CheckResult(False, exc.message)
    except ExchangeError as exc:
        return CheckResult(False, exc.message)
    return CheckResult(
        True, f"Kết nối trục liên thông thành công; có {len(waiting)} gói tin đang chờ nhận."
    )


def code_pattern() -> str:
    """The deployment's mã định danh format (AGENCY_CODE_PATTERN), for every packet built
    or read here: the exchange of another province may use longer codes."""
    return current_app.config["AGENCY_CODE_PATTERN"]
