"""Xuất hồ sơ: pages (being built; issue 7)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("casefile_exports", __name__, url_prefix="/casefiles/exports")


@bp.get("/")
def index():
    return "Xuất hồ sơ"


@bp.post("/files/<int:file_id>")
def start(file_id: int):
    return f"Xuất hồ sơ {file_id}"
