"""Pages of the check times: confirming "Đã kiểm tra", the compliance board, settings."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("exchange_checks", __name__, url_prefix="/exchange/checks")
