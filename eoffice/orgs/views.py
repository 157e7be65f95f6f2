"""Admin pages for organisations, units and users."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("orgs", __name__, url_prefix="/admin")
