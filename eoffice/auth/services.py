"""Sign-in, passwords, and API tokens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from eoffice.auth import lockout, two_factor
from eoffice.auth.account_events import record_account_event
from eoffice.auth.models import ApiToken
from eoffice.auth.revocation import revoke_all_api_tokens
from eoffice.core import audit
from eoffice.core.errors import Forbidden, NotFound, ValidationFailed
from eoffice.core.security import (
    hash_password,
    needs_rehash,
    new_token,
    password_problem,
    token_digest,
    verify_password,
)
from eoffice.core.text import clean, vn_fold
from eoffice.core.timeutil import format_datetime, now_utc
from eoffice.extensions import db
from eoffice.orgs.models import User

# A fixed hash to verify against when the e-mail is unknown, so timing does not
# reveal which accounts exist.
_DUMMY_HASH = hash_password("not-a-real-password-0")


def load_user_from_session_id(session_id: str) -> User | None:
    """Flask-Login loader: the cookie holds 'user_id:session_token'."""
    user_id, _, token = session_id.partition(":")
    if not user_id.isdigit() or not token:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or user.session_token != token or not user.is_active_account:
        return None
    return user


@dataclass(frozen=True)
class SignIn:
    """The outcome of a password check at the login page.

    `user` is set only when the password was right and the address not locked;
    `locked_until` only when the address is locked (known account or not).
    """

    user: User | None = None
    locked_until: datetime | None = None


def check_password(email: str, password: str) -> SignIn:
    """The first step of signing in: the password, under the lock-out rule.

    A known and an unknown address take the same path (one counted attempt, one argon2
    verification), and a locked address is refused without looking at the password.
    The attempt is counted before the password is checked (eoffice.auth.lockout); a
    right password clears the count, or, when a second step follows, only takes its
    own attempt back: the wrong codes of that step count with the wrong passwords.
    """
    email = clean(email).lower()
    attempt = lockout.begin_attempt(email)
    if attempt.locked_until is not None:
        verify_password(_DUMMY_HASH, password)
        return SignIn(locked_until=attempt.locked_until)
    user = db.session.scalars(select(User).where(User.email == email)).first()
    if user is None:
        verify_password(_DUMMY_HASH, password)
        return SignIn(locked_until=lockout.fail(attempt, None))
    if not verify_password(user.password_hash, password) or not user.is_active_account:
        return SignIn(locked_until=lockout.fail(attempt, user))
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    if not user.has_two_factor:
        finish_sign_in(user)
    else:
        lockout.undo_attempt(attempt)
        db.session.commit()
    return SignIn(user=user)


def finish_sign_in(user: User) -> None:
    """Every step passed: the failure count starts again and the time is noted."""
    lockout.clear(user.email)
    user.last_login_at = now_utc()
    db.session.commit()


def check_second_step(user: User, code: str) -> SignIn:
    """The second step of signing in (a TOTP or recovery code), under the lock-out rule."""
    attempt = lockout.begin_attempt(user.email)
    if attempt.locked_until is not None:
        return SignIn(locked_until=attempt.locked_until)
    if not user.is_active_account or not two_factor.check_second_factor(user, code):
        db.session.commit()  # a recovery code is not un-burnt
        return SignIn(locked_until=lockout.fail(attempt, user, wrong_code=True))
    finish_sign_in(user)
    return SignIn(user=user)


def sign_out_other_sessions(user: User) -> None:
    """Rotate the session token: every session and remember-me cookie but the caller's
    (which re-issues its cookie) ends at its next request; the API tokens are revoked
    too (securing the account must not leave a way in)."""
    user.session_token = new_token(16)
    revoke_all_api_tokens(user, reason="sessions_revoked")
    record_account_event(user, "sessions_revoked")
    db.session.commit()


def confirm_password(user: User, password: str, code: str | None) -> None:
    """Re-authentication for a sensitive action: the password, and a code with 2FA on.

    Failures count toward the lock-out like those at the login page, so the page cannot
    be used to guess the password of a session left open.
    """
    attempt = lockout.begin_attempt(user.email)
    if attempt.locked_until is not None:
        raise Forbidden(locked_message(attempt.locked_until))
    ok = verify_password(user.password_hash, password or "")
    wrong_code = False
    if ok and user.has_two_factor:
        ok = two_factor.check_second_factor(user, code or "")
        wrong_code = not ok
    if not ok:
        db.session.commit()
        until = lockout.fail(attempt, user, wrong_code=wrong_code)
        if until is not None:
            raise Forbidden(locked_message(until))
        message = (
            "Mật khẩu hoặc mã xác thực không đúng."
            if user.has_two_factor
            else "Mật khẩu không đúng."
        )
        raise ValidationFailed(message, field_errors={"password": message})
    lockout.clear(user.email)
    db.session.commit()


def locked_message(until: datetime) -> str:
    return (
        "Tài khoản tạm thời bị khóa do đăng nhập sai nhiều lần liên tiếp. "
        f"Vui lòng thử lại sau {format_datetime(until)}."
    )


# Passwords seen first in every guessing list, in the forms people here type them.
COMMON_PASSWORDS = frozenset(
    {
        "password123",
        "password@123",
        "matkhau123",
        "matkhau@123",
        "12345678a@",
        "123456789a",
        "a123456789",
        "abc123456789",
        "qwerty12345",
        "admin@12345",
        "eoffice@123",
    }
)


def _personal_problem(user: User, password: str) -> str | None:
    """The password policy beyond length and mix (core.security.password_problem): not a
    well-known password, not built on the person's own address or name."""
    lowered = password.lower()
    if lowered in COMMON_PASSWORDS:
        return "Mật khẩu này quá phổ biến, dễ bị đoán. Hãy chọn mật khẩu khác."
    local = user.email.split("@")[0].lower()
    folded_name = vn_fold(user.full_name).replace(" ", "")
    if (len(local) >= 4 and local in lowered) or (
        len(folded_name) >= 4 and folded_name in vn_fold(password).replace(" ", "")
    ):
        return "Mật khẩu không được chứa địa chỉ thư hoặc họ tên của bạn."
    return None


def change_password(user: User, current: str, new: str, confirm: str) -> None:
    """Change the password and rotate the session token (signs out every other session).

    A wrong current password counts toward the lock-out, as at the login page: an open
    session must not become a place to guess the password at leisure.
    """
    attempt = lockout.begin_attempt(user.email)
    if attempt.locked_until is not None:
        raise Forbidden(locked_message(attempt.locked_until))
    errors: dict[str, str] = {}
    if not verify_password(user.password_hash, current):
        until = lockout.fail(attempt, user)
        if until is not None:
            raise Forbidden(locked_message(until))
        errors["current_password"] = "Mật khẩu hiện tại không đúng."
    else:
        lockout.clear(user.email)  # the right password: the count starts again
    problem = password_problem(new) or _personal_problem(user, new)
    if problem:
        errors["new_password"] = problem
    elif new != confirm:
        errors["confirm_password"] = "Mật khẩu nhập lại không khớp."
    elif new == current:
        errors["new_password"] = "Mật khẩu mới phải khác mật khẩu hiện tại."
    if errors:
        db.session.commit()
        raise ValidationFailed(next(iter(errors.values())), field_errors=errors)
    user.password_hash = hash_password(new)
    user.must_change_password = False  # an admin's temporary password is replaced
    user.session_token = new_token(16)
    revoke_all_api_tokens(user, reason="password_changed")
    record_account_event(user, "password_changed")
    db.session.commit()


def create_api_token(user: User, name: str) -> tuple[ApiToken, str]:
    """Create a token; the clear value is returned once and never stored."""
    name = clean(name)
    if not name:
        raise ValidationFailed("Vui lòng đặt tên cho mã API.", field_errors={"name": "Bắt buộc."})
    if len(name) > 100:
        raise ValidationFailed("Tên mã API tối đa 100 ký tự.", field_errors={"name": "Quá dài."})
    clear = "eo_" + new_token(30)
    token = ApiToken(user_id=user.id, name=name, token_digest=token_digest(clear), prefix=clear[:8])
    db.session.add(token)
    db.session.flush()
    audit.record(
        actor_id=user.id,
        org_id=user.org_id,
        subject_type="api_token",
        subject_id=token.id,
        action="token_created",
        changes={"name": name},
    )
    db.session.commit()
    return token, clear


def revoke_api_token(user: User, token_id: int) -> None:
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise NotFound()
    if token.revoked_at is None:
        token.revoked_at = now_utc()
        audit.record(
            actor_id=user.id,
            org_id=user.org_id,
            subject_type="api_token",
            subject_id=token.id,
            action="token_revoked",
        )
        db.session.commit()


def user_for_api_token(clear: str) -> User | None:
    token = db.session.scalars(
        select(ApiToken).where(ApiToken.token_digest == token_digest(clear))
    ).first()
    if token is None or token.revoked_at is not None or not token.user.is_active_account:
        return None
    token.last_used_at = now_utc()
    db.session.commit()
    return token.user


def tokens_of(user: User) -> list[ApiToken]:
    return list(
        db.session.scalars(
            select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())
        )
    )
