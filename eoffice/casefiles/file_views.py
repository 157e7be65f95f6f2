"""Hồ sơ: pages (being built; issue 7)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("casefiles", __name__, url_prefix="/casefiles")


@bp.get("/")
def index():
    return "Hồ sơ"


@bp.get("/<int:file_id>")
def detail(file_id: int):
    return f"Hồ sơ {file_id}"
