"""Lưu trữ cơ quan: pages (being built; issue 7)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("archive", __name__, url_prefix="/archive")


@bp.get("/")
def index():
    return "Lưu trữ cơ quan"
