"""The packet log, and the queue of pending and failed packets."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("exchange_log", __name__, url_prefix="/admin/exchange/packets")
