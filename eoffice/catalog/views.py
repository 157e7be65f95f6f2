"""Admin pages of the catalogue."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("catalog", __name__, url_prefix="/admin/catalog")
