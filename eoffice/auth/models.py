"""Per-user API tokens for /api/v1."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eoffice.core.dbtypes import UTCDateTime
from eoffice.core.timeutil import now_utc
from eoffice.extensions import db
from eoffice.orgs.models import User


class ApiToken(db.Model):
    """Only the SHA-256 of the token is stored; the token itself is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class RecoveryCode(db.Model):
    """A one-time code that stands in for the authenticator app (a lost phone).

    Ten are made together and shown once; only their SHA-256 is kept (they are random,
    80 bits each, so a fast digest is enough, as for API tokens).
    """

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    code_digest: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class TwoFactorPolicy(db.Model):
    """The roles of one organisation whose people must sign in with a second step.

    No row, or an empty `roles`, means nobody is required to (the default).
    """

    __tablename__ = "two_factor_policies"

    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    roles: Mapped[str] = mapped_column(String(100), default="")  # comma-separated Role values
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    @property
    def role_set(self) -> set[str]:
        return {r for r in self.roles.split(",") if r}


class LoginLockout(db.Model):
    """Consecutive failed sign-ins of one submitted e-mail address.

    Keyed by the address typed, not by the user: an address nobody has goes through
    exactly the same counting and locking, so the login page never tells whether an
    account exists.
    """

    __tablename__ = "login_lockouts"

    email: Mapped[str] = mapped_column(String(254), primary_key=True)
    failed_count: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_failed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, index=True)
