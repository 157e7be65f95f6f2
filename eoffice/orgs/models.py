"""Organisations (the district office, its schools, outside agencies), units and people."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import BigInteger, ForeignKey, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eoffice.core.dbtypes import UTCDateTime
from eoffice.core.timeutil import now_utc
from eoffice.extensions import db


class OrgKind(StrEnum):
    DISTRICT_OFFICE = "district_office"
    KINDERGARTEN = "kindergarten"
    PRIMARY = "primary"
    LOWER_SECONDARY = "lower_secondary"
    EXTERNAL = "external"


ORG_KIND_LABELS = {
    OrgKind.DISTRICT_OFFICE: "Phòng Giáo dục và Đào tạo",
    OrgKind.KINDERGARTEN: "Trường mầm non",
    OrgKind.PRIMARY: "Trường tiểu học",
    OrgKind.LOWER_SECONDARY: "Trường trung học cơ sở",
    OrgKind.EXTERNAL: "Cơ quan ngoài hệ thống",
}


class Role(StrEnum):
    ADMIN = "admin"
    CLERK = "clerk"
    LEADER = "leader"
    DEPUTY = "deputy"
    STAFF = "staff"


ROLE_LABELS = {
    Role.ADMIN: "Quản trị",
    Role.CLERK: "Văn thư",
    Role.LEADER: "Lãnh đạo",
    Role.DEPUTY: "Cấp phó",
    Role.STAFF: "Chuyên viên / Giáo viên",
}


class Organisation(db.Model):
    """A cơ quan. Members of this deployment have users; outside agencies are a directory."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    name_folded: Mapped[str] = mapped_column(String(200), index=True)
    short_name: Mapped[str | None] = mapped_column(String(30))
    agency_code: Mapped[str | None] = mapped_column(String(13), unique=True)
    kind: Mapped[str] = mapped_column(String(20), default=OrgKind.EXTERNAL)
    is_member: Mapped[bool] = mapped_column(default=False)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    address: Mapped[str | None] = mapped_column(String(300))
    email: Mapped[str | None] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(String(40))
    ward: Mapped[str | None] = mapped_column(String(80))
    # Địa danh of the place-and-date line of its documents ("Quận 3, ngày …", NĐ 30).
    place_name: Mapped[str | None] = mapped_column(String(100))
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    parent: Mapped[Organisation | None] = relationship(remote_side=[id])
    units: Mapped[list[Unit]] = relationship(back_populates="organisation", order_by="Unit.name")

    @property
    def kind_label(self) -> str:
        return ORG_KIND_LABELS.get(OrgKind(self.kind), self.kind)


class Unit(db.Model):
    """A phòng, tổ or bộ phận inside an organisation."""

    __tablename__ = "units"
    __table_args__ = (UniqueConstraint("org_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(150))
    short_name: Mapped[str | None] = mapped_column(String(20))
    is_active: Mapped[bool] = mapped_column(default=True)

    organisation: Mapped[Organisation] = relationship(back_populates="units")


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    email: Mapped[str] = mapped_column(String(120), unique=True)
    full_name: Mapped[str] = mapped_column(String(100))
    title: Mapped[str | None] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(255))
    # Rotated on password change: every cookie carrying the old value stops working.
    session_token: Mapped[str] = mapped_column(String(64))
    is_active_account: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Two-step sign-in (eoffice.auth.two_factor): the TOTP secret as a Fernet token, set
    # when enrolment starts; enabled once the first code confirmed it. The last accepted
    # time-step makes a code unusable twice (RFC 6238 §5.2).
    totp_secret: Mapped[str | None] = mapped_column(String(255))
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    # Set by an admin's password reset (eoffice.auth.password_reset): every page sends the
    # person to change the temporary password first; cleared by the change of password.
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=false())

    organisation: Mapped[Organisation] = relationship()
    unit: Mapped[Unit | None] = relationship()
    role_rows: Mapped[list[UserRole]] = relationship(cascade="all, delete-orphan", lazy="selectin")

    # Flask-Login ------------------------------------------------------------
    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    @property
    def is_active(self) -> bool:
        return self.is_active_account

    @property
    def has_two_factor(self) -> bool:
        return self.totp_enabled_at is not None

    # Roles ------------------------------------------------------------------
    @property
    def roles(self) -> set[str]:
        return {row.role for row in self.role_rows}

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def role_labels(self) -> list[str]:
        return [ROLE_LABELS[Role(r)] for r in sorted(self.roles)]


class UserRole(db.Model):
    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(20), primary_key=True)
