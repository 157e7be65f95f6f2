"""The clerk's exchange inbox: documents awaiting registration, recall requests."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("exchange_inbox", __name__, url_prefix="/exchange/inbox")
