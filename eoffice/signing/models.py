"""Signing certificates kept by the server, and the roots it trusts (decision 0011)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, LargeBinary, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eoffice.core.dbtypes import UTCDateTime
from eoffice.core.models import StoredFile
from eoffice.core.timeutil import now_utc
from eoffice.extensions import db


class OwnerKind(StrEnum):
    USER = "user"  # a leader's personal signature
    ORGANISATION = "organisation"  # the agency's seal, used by the văn thư


OWNER_KIND_LABELS = {
    OwnerKind.USER: "Chữ ký số cá nhân",
    OwnerKind.ORGANISATION: "Chữ ký số cơ quan",
}


class Certificate(db.Model):
    """One uploaded PKCS#12 file: a private key, its certificate and chain, and the stamp.

    `p12` is re-encrypted under a passphrase derived from SECRET_KEY, so a job can sign
    without anyone typing the password; the uploader's password is checked once and
    never kept. The row is never edited: renewal uploads a new one and retires the old,
    so a signed PDF can always be traced to the certificate that signed it. At most one
    certificate per owner is active (the two partial unique indexes).
    """

    __tablename__ = "certificates"
    __table_args__ = (
        CheckConstraint("owner_kind IN ('user', 'organisation')", name="owner_kind"),
        CheckConstraint("(owner_kind = 'user') = (user_id IS NOT NULL)", name="owner_user"),
        Index(
            "uq_certificates_active_user",
            "user_id",
            unique=True,
            postgresql_where=text("is_active AND owner_kind = 'user'"),
            sqlite_where=text("is_active AND owner_kind = 'user'"),
        ),
        Index(
            "uq_certificates_active_org",
            "org_id",
            unique=True,
            postgresql_where=text("is_active AND owner_kind = 'organisation'"),
            sqlite_where=text("is_active AND owner_kind = 'organisation'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_kind: Mapped[str] = mapped_column(String(12))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    # The organisation the certificate belongs to, or the user's organisation.
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    label: Mapped[str] = mapped_column(String(150))
    subject_cn: Mapped[str] = mapped_column(String(200))
    issuer_cn: Mapped[str] = mapped_column(String(200))
    serial: Mapped[str] = mapped_column(String(64))
    not_before: Mapped[datetime] = mapped_column(UTCDateTime)
    not_after: Mapped[datetime] = mapped_column(UTCDateTime)
    p12: Mapped[bytes] = mapped_column(LargeBinary)
    image_file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id"))
    is_active: Mapped[bool] = mapped_column(default=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    image_file: Mapped[StoredFile | None] = relationship()
    user = relationship("User", foreign_keys=[user_id])
    organisation = relationship("Organisation")
    uploaded_by = relationship("User", foreign_keys=[uploaded_by_id])

    @property
    def owner_label(self) -> str:
        return OWNER_KIND_LABELS[OwnerKind(self.owner_kind)]


class TrustAnchor(db.Model):
    """A root certificate whose signatures count as valid, kept in the database.

    Next to the PEM files of SIGNING_TRUST_ROOTS (the national root and the licensed
    Vietnamese CAs, from the deployment), so `flask seed-demo` can register its own CA.
    """

    __tablename__ = "trust_anchors"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    pem: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
