"""Home dashboard and health check."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from eoffice.incoming.dashboard import dashboard_for

bp = Blueprint("main", __name__)


@bp.get("/")
def home():
    return render_template("main/home.html", dash=dashboard_for(current_user))


@bp.get("/health")
def health():
    return {"status": "ok"}
