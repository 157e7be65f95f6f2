"""HTTP helpers for serving stored files."""

from __future__ import annotations

from typing import BinaryIO

from flask import Response, send_file


def attachment_response(
    handle: BinaryIO, filename: str, mimetype: str, *, inline: bool
) -> Response:
    """Serve a stored file under its original (Vietnamese) name.

    Werkzeug writes both an ASCII `filename=` and an RFC 5987 `filename*=UTF-8''…`,
    so "Quyết định số 12.pdf" keeps its name in every browser.
    """
    response = send_file(
        handle,
        mimetype=mimetype,
        download_name=filename,
        as_attachment=not inline,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
