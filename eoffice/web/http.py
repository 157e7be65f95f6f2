"""HTTP helpers: bounded integers from the query string, and serving stored files."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import BinaryIO

from flask import Response, request, send_file
from werkzeug.routing import IntegerConverter

from eoffice.core.limits import MAX_INT
from eoffice.core.text import clean
from eoffice.web.security_headers import allow_same_origin_framing

_INTEGER = re.compile(r"[+-]?\d{1,10}")


class BoundedIntConverter(IntegerConverter):
    """The `int` URL converter, capped at 2**31 - 1: a larger id matches no route (404).

    Werkzeug's own converter takes any number of digits, and an id past 64 bits would
    reach the database driver and fail there (500) instead of being simply not found.
    """

    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False):
        cap = MAX_INT if max is None or max > MAX_INT else max
        super().__init__(map, fixed_digits, min, cap, signed)


def int_arg(
    name: str,
    default: int,
    *,
    min: int = -MAX_INT,
    max: int = MAX_INT,
    source: Mapping[str, str] | None = None,
) -> int:
    """The query-string integer `name`, or `default` when absent, unreadable or out of range.

    A page number, a year or an id typed into the address bar is a convenience, not a
    command: anything that is not a sensible number falls back to the page's default
    rather than to an error page. `source` reads a form (or any mapping) instead.
    """
    raw = ((request.args if source is None else source).get(name) or "").strip()
    if not _INTEGER.fullmatch(raw):
        return default
    value = int(raw)
    return value if min <= value <= max else default


def download_name(filename: str) -> str:
    """The name a browser is told to save a file under: no directory part (a name that
    came from another agency's packet or an old row may hold "../" or "C:\\"), no
    control characters (a line break would not even fit in the header), no leading dot."""
    name = clean(filename.replace("\\", "/").rsplit("/", 1)[-1]).lstrip(". ")
    return name[:255] or "tep"


def attachment_response(
    handle: BinaryIO, filename: str, mimetype: str, *, inline: bool
) -> Response:
    """Serve a stored file under its original (Vietnamese) name.

    Werkzeug writes both an ASCII `filename=` and an RFC 5987 `filename*=UTF-8''…`,
    so "Quyết định số 12.pdf" keeps its name in every browser. A file shown inline is
    what the document pages preview in an <iframe>: the application's own pages (and
    only they) may frame it.
    """
    response = send_file(
        handle,
        mimetype=mimetype,
        download_name=download_name(filename),
        as_attachment=not inline,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    if inline:
        allow_same_origin_framing(response)
    return response
