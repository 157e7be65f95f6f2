"""Two-step sign-in with an authenticator app (TOTP, RFC 6238) and recovery codes.

The secret is kept as a Fernet token under a key derived from SECRET_KEY with HKDF, the
construction of the exchange hub secret (eoffice.exchange.settings, decision 0011) with
an `info` of its own, so the two derived keys tell nothing of each other. Changing
SECRET_KEY makes every secret unreadable: the people concerned then sign in with a
recovery code and enrol again.

A code is accepted in its 30-second window and the one on either side (clocks of
phones drift); the time-step of the last accepted code is stored and no code of that
step or an earlier one is accepted again, so a code seen over a shoulder is useless.
"""

from __future__ import annotations

import base64
import io
import secrets
import time
from dataclasses import dataclass

import pyotp
import qrcode
import qrcode.image.svg
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm.attributes import set_committed_value

from eoffice.auth.account_events import record_account_event
from eoffice.auth.models import RecoveryCode
from eoffice.auth.policy import requires_two_factor
from eoffice.auth.revocation import revoke_all_api_tokens
from eoffice.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from eoffice.core.security import new_token, token_digest
from eoffice.core.timeutil import now_utc
from eoffice.extensions import db
from eoffice.orgs.models import Role, User

HKDF_INFO = b"eoffice/auth/totp-secret-at-rest/v1"
ISSUER = "eoffice"
STEP_SECONDS = 30
VALID_WINDOW = 1  # one step either side
RECOVERY_CODE_COUNT = 10
ENROLMENT_MINUTES = 15  # a started enrolment's secret is shown again this long at most

WRONG_CODE = "Mã xác thực không đúng hoặc đã được dùng."
CODE_REQUIRED = "Vui lòng nhập mã xác thực."
NOT_ENROLLING = "Hãy bắt đầu lại việc bật xác thực hai bước."
ALREADY_ENABLED = "Xác thực hai bước đã được bật cho tài khoản này."
NOT_ENABLED = "Xác thực hai bước chưa được bật."
REQUIRED_BY_POLICY = (
    "Cơ quan yêu cầu vai trò của bạn đăng nhập bằng xác thực hai bước, nên không thể tắt."
)
SECRET_UNREADABLE = (
    "Không đọc được khóa xác thực đã lưu (khóa bí mật của hệ thống đã thay đổi). "
    "Hãy đăng nhập bằng mã khôi phục rồi bật lại xác thực hai bước."
)


# --- The secret at rest -----------------------------------------------------------------


def _fernet() -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=HKDF_INFO).derive(
        current_app.config["SECRET_KEY"].encode()
    )
    return Fernet(base64.urlsafe_b64encode(key))


def _encrypt(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


def _decrypt(token: str) -> str | None:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        return None


# --- Codes ------------------------------------------------------------------------------


def _digits(code: str) -> str:
    return "".join(ch for ch in code if not ch.isspace())


def _matching_step(secret: str, code: str, at: float) -> int | None:
    """The time-step whose code is `code`, within the window around `at`, or None."""
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret, interval=STEP_SECONDS)
    current = int(at // STEP_SECONDS)
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if secrets.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _now() -> float:
    """Wall-clock time, the authenticator app's (not the application's clock, which
    tests move to historical moments); a seam for tests to step through windows."""
    return time.time()


def _accept_totp(user: User, secret: str, code: str) -> bool:
    """Check a code and burn its time-step."""
    step = _matching_step(secret, _digits(code), _now())
    return step is not None and _claim_step(user, step)


def _claim_step(user: User, step: int) -> bool:
    """Burn `step` for `user` unless it, or a later one, is burnt already.

    One conditional UPDATE, not a read then a write: of two requests carrying the same
    code at once, the second's UPDATE waits for the first's row lock and then matches
    no row (PostgreSQL re-reads the row; SQLite runs writers one at a time).
    """
    result = db.session.execute(
        update(User)
        .where(
            User.id == user.id,
            or_(User.totp_last_step.is_(None), User.totp_last_step < step),
        )
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    set_committed_value(user, "totp_last_step", step)
    return True


def _normalise_recovery(code: str) -> str:
    return "".join(ch for ch in code.lower() if ch.isalnum())


def _use_recovery_code(user: User, code: str) -> bool:
    """Use an unused recovery code: a conditional UPDATE, so one code signs in once even
    when typed in two places at the same moment (FOR UPDATE does nothing on SQLite)."""
    digest = token_digest(_normalise_recovery(code))
    result = db.session.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_digest == digest,
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=now_utc())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    record_account_event(
        user, "recovery_code_used", changes={"remaining": remaining_recovery_codes(user)}
    )
    return True


def check_second_factor(user: User, code: str) -> bool:
    """A TOTP code or an unused recovery code of `user`; the caller commits."""
    code = (code or "").strip()
    if not code or not user.has_two_factor:
        return False
    secret = _decrypt(user.totp_secret or "")
    if secret is not None and _accept_totp(user, secret, code):
        return True
    return _use_recovery_code(user, code)


def remaining_recovery_codes(user: User) -> int:
    return len(
        db.session.scalars(
            select(RecoveryCode.id).where(
                RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
            )
        ).all()
    )


def _new_recovery_codes(user: User) -> list[str]:
    """Replace every recovery code of `user` with ten new ones, returned in clear once."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = base64.b32encode(secrets.token_bytes(10)).decode().lower()  # 16 chars, 80 bits
        codes.append(f"{raw[:4]}-{raw[4:8]}-{raw[8:12]}-{raw[12:]}")
        db.session.add(RecoveryCode(user_id=user.id, code_digest=token_digest(raw)))
    return codes


# --- Enrolment --------------------------------------------------------------------------


@dataclass(frozen=True)
class Enrolment:
    """What the enrolment page shows: the secret as text and as a QR code."""

    secret: str
    uri: str
    qr_data_uri: str


def _qr_data_uri(uri: str) -> str:
    """The QR code as an SVG data: URI for an <img> (the CSP allows img-src data:)."""
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


def _enrolment(user: User, secret: str) -> Enrolment:
    uri = pyotp.TOTP(secret, interval=STEP_SECONDS).provisioning_uri(
        name=user.email, issuer_name=ISSUER
    )
    return Enrolment(secret=secret, uri=uri, qr_data_uri=_qr_data_uri(uri))


def start_enrolment(user: User) -> Enrolment:
    """A new secret, stored (encrypted) but not in force until a first code confirms it."""
    if user.has_two_factor:
        raise Conflict(ALREADY_ENABLED)
    secret = pyotp.random_base32()
    user.totp_secret = _encrypt(secret)
    user.totp_last_step = None
    db.session.commit()
    return _enrolment(user, secret)


def pending_enrolment(user: User) -> Enrolment | None:
    """The enrolment started and not yet confirmed, to show its QR code again."""
    if user.has_two_factor or not user.totp_secret:
        return None
    secret = _decrypt(user.totp_secret)
    return _enrolment(user, secret) if secret else None


def confirm_enrolment(user: User, code: str) -> list[str]:
    """Turn two-step sign-in on with the first code; returns the ten recovery codes.

    Rotates the session token: every other session (and remember-me cookie) signed in
    with the password alone ends, and so do the API tokens (eoffice.auth.revocation);
    the caller re-issues this session's cookie.
    """
    if user.has_two_factor:
        raise Conflict(ALREADY_ENABLED)
    secret = _decrypt(user.totp_secret or "")
    if secret is None:
        raise ValidationFailed(NOT_ENROLLING)
    if not _digits(code or ""):
        raise ValidationFailed(CODE_REQUIRED, field_errors={"code": CODE_REQUIRED})
    if not _accept_totp(user, secret, code):
        raise ValidationFailed(WRONG_CODE, field_errors={"code": WRONG_CODE})
    user.totp_enabled_at = now_utc()
    user.session_token = new_token(16)
    revoke_all_api_tokens(user, reason="two_factor_enabled")
    codes = _new_recovery_codes(user)
    record_account_event(user, "two_factor_enabled")
    db.session.commit()
    return codes


def _turn_off(user: User) -> None:
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    user.session_token = new_token(16)
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))


def disable(user: User, code: str) -> None:
    """Turn two-step sign-in off with a current code (or a recovery code)."""
    if not user.has_two_factor:
        raise Conflict(NOT_ENABLED)
    if requires_two_factor(user):
        raise ValidationFailed(REQUIRED_BY_POLICY)
    if not check_second_factor(user, code):
        db.session.commit()  # a burnt recovery code stays burnt
        raise ValidationFailed(WRONG_CODE, field_errors={"code": WRONG_CODE})
    _turn_off(user)
    record_account_event(user, "two_factor_disabled")
    db.session.commit()


def regenerate_recovery_codes(user: User, code: str) -> list[str]:
    """Ten new recovery codes (the old ones stop working), confirmed by a current code."""
    if not user.has_two_factor:
        raise Conflict(NOT_ENABLED)
    if not check_second_factor(user, code):
        db.session.commit()
        raise ValidationFailed(WRONG_CODE, field_errors={"code": WRONG_CODE})
    codes = _new_recovery_codes(user)
    record_account_event(user, "recovery_codes_regenerated")
    db.session.commit()
    return codes


def reset_by_admin(actor: User, user_id: int) -> User:
    """An admin turns off a member's two-step sign-in (phone and recovery codes lost).

    Own organisation only, like the policy. The person is signed out everywhere and, if
    the policy names their role, asked to enrol again at their next sign-in.
    """
    user = db.session.get(User, user_id)
    if user is None or user.org_id != actor.org_id:
        raise NotFound("Không tìm thấy người dùng này.")
    if not actor.has_role(Role.ADMIN):
        raise Forbidden("Chỉ quản trị của cơ quan được đặt lại xác thực hai bước.")
    if user.id == actor.id:
        raise ValidationFailed(
            "Hãy tự tắt xác thực hai bước của mình trong mục “Tài khoản của tôi”."
        )
    if not user.has_two_factor:
        raise Conflict(f"{user.full_name} chưa bật xác thực hai bước.")
    _turn_off(user)
    revoke_all_api_tokens(user, reason="two_factor_reset", actor_id=actor.id)
    record_account_event(user, "two_factor_reset", actor_id=actor.id)
    db.session.commit()
    return user
