"""Password hashing (argon2id) and token helpers."""

from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()  # argon2id, m=64 MiB, t=3, p=4 (OWASP first choice)


def configure_hasher(memory_cost: int, time_cost: int) -> None:
    """Tune argon2id (tests use tiny costs; production keeps the defaults)."""
    global _hasher
    _hasher = PasswordHasher(memory_cost=memory_cost, time_cost=time_cost)


MIN_PASSWORD_LENGTH = 10


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher.check_needs_rehash(stored_hash)


def password_problem(password: str) -> str | None:
    """Return a Vietnamese reason why `password` is too weak, or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Mật khẩu phải có ít nhất {MIN_PASSWORD_LENGTH} ký tự."
    if password.isdigit() or password.isalpha():
        return "Mật khẩu phải gồm cả chữ và số hoặc ký tự đặc biệt."
    return None


def new_token(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


def token_digest(token: str) -> str:
    """API tokens are stored as SHA-256 digests: a database leak does not leak tokens."""
    return hashlib.sha256(token.encode()).hexdigest()
