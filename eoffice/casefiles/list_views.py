"""Danh mục hồ sơ: pages (being built; issue 7)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("file_lists", __name__, url_prefix="/casefiles/lists")


@bp.get("/")
def index():
    return "Danh mục hồ sơ"


@bp.get("/<int:list_id>")
def show(list_id: int):
    return f"Danh mục {list_id}"
