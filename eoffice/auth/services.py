"""Sign-in, passwords, and API tokens."""

from __future__ import annotations

from sqlalchemy import select

from eoffice.auth.models import ApiToken
from eoffice.core import audit
from eoffice.core.errors import NotFound, ValidationFailed
from eoffice.core.security import (
    hash_password,
    needs_rehash,
    new_token,
    password_problem,
    token_digest,
    verify_password,
)
from eoffice.core.text import clean
from eoffice.core.timeutil import now_utc
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


def authenticate(email: str, password: str) -> User | None:
    """Return the user when the credentials are right and the account is active."""
    email = clean(email).lower()
    user = db.session.scalars(select(User).where(User.email == email)).first()
    if user is None:
        verify_password(_DUMMY_HASH, password)
        return None
    if not verify_password(user.password_hash, password) or not user.is_active_account:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = now_utc()
    db.session.commit()
    return user


def change_password(user: User, current: str, new: str, confirm: str) -> None:
    """Change the password and rotate the session token (signs out every other session)."""
    errors: dict[str, str] = {}
    if not verify_password(user.password_hash, current):
        errors["current_password"] = "Mật khẩu hiện tại không đúng."
    problem = password_problem(new)
    if problem:
        errors["new_password"] = problem
    elif new != confirm:
        errors["confirm_password"] = "Mật khẩu nhập lại không khớp."
    elif new == current:
        errors["new_password"] = "Mật khẩu mới phải khác mật khẩu hiện tại."
    if errors:
        raise ValidationFailed(next(iter(errors.values())), field_errors=errors)
    user.password_hash = hash_password(new)
    user.session_token = new_token(16)
    audit.record(
        actor_id=user.id,
        org_id=user.org_id,
        subject_type="user",
        subject_id=user.id,
        action="password_changed",
    )
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
