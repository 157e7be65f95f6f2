"""Per-organisation settings of the inter-agency exchange: which hub, and the secret."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eoffice.core.dbtypes import UTCDateTime
from eoffice.core.timeutil import now_utc
from eoffice.extensions import db


class ExchangeSettings(db.Model):
    """How one member organisation talks to the exchange hub.

    `agency_secret` is a Fernet token under a key derived from SECRET_KEY
    (eoffice.exchange.settings), so the background jobs can authenticate without a
    person, while a database dump alone does not give the secret away. The agency code
    itself is the organisation's `agency_code`: one identity, not a second copy here.
    """

    __tablename__ = "exchange_settings"

    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    hub_url: Mapped[str] = mapped_column(String(300))
    agency_secret: Mapped[str] = mapped_column(Text)
    enabled: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    organisation = relationship("Organisation")
    updated_by = relationship("User")
