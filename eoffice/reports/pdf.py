"""WeasyPrint plumbing shared by every printable document (registers, reports, letters).

Three things are decided once here so that no caller can get them wrong:
- only our own Jinja templates are rendered (autoescaped, through flask.render_template);
- nothing is ever fetched: templates need no external resource, and a URL smuggled in
  through user text must reach neither the network nor the server's disk (STACK.md §2.5);
- one FontConfiguration and the parsed stylesheets live for the whole process: building
  them per document costs more than laying out a one-page letter (STACK.md §2.2, §8).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import Any

from flask import render_template

log = logging.getLogger(__name__)

# Set on `html`, not only `body`: page-margin boxes (page numbers) inherit from the root
# and otherwise fall back to another serif font (STACK.md §2.4).
FONT_STACK = '"Times New Roman", "Liberation Serif", "Tinos", serif'

BASE_CSS = f"""
@page {{
  size: A4;
  margin: 20mm 15mm 20mm 30mm;
}}
html {{
  font-family: {FONT_STACK};
  font-size: 13pt;
  line-height: 1.2;
  color: #000;
}}
body {{ margin: 0; }}
"""

# Only inline data: URLs are served (they cannot leave the document); everything else
# (file:, http:, https:, ftp: …) is refused.
ALLOWED_SCHEMES = frozenset({"data"})

_lock = threading.Lock()
_font_config: Any = None
_fetcher: Any = None
_stylesheets: dict[str, Any] = {}


class RefusedURL(ValueError):
    """A document asked for a resource; printable documents never fetch any."""


def _fetcher_class() -> type:
    """Built lazily: importing WeasyPrint costs most of a second (STACK.md §8)."""
    from weasyprint.urls import URLFetcher

    class RefusingURLFetcher(URLFetcher):
        """Refuses every URL but data:, without touching the network or the file system."""

        def __init__(self) -> None:
            super().__init__(
                timeout=1,
                allowed_protocols=ALLOWED_SCHEMES,
                allow_redirects=False,
                fail_on_errors=False,
            )

        def fetch(self, url: str, headers: dict | None = None):
            scheme = url.partition(":")[0].strip().lower()
            if scheme not in ALLOWED_SCHEMES:
                log.warning("refused to fetch %.200s while rendering a PDF", url)
                raise RefusedURL(f"URL refused: {url[:200]}")
            return super().fetch(url, headers)

    return RefusingURLFetcher


def url_fetcher():
    """The process-wide refusing fetcher."""
    global _fetcher
    if _fetcher is None:
        with _lock:
            if _fetcher is None:
                _fetcher = _fetcher_class()()
    return _fetcher


def font_config():
    """The process-wide FontConfiguration (fontconfig is scanned once, not per document)."""
    global _font_config
    if _font_config is None:
        with _lock:
            if _font_config is None:
                from weasyprint.text.fonts import FontConfiguration

                _font_config = FontConfiguration()
    return _font_config


def stylesheet(source: str):
    """The parsed CSS for `source`, parsed once per process."""
    parsed = _stylesheets.get(source)
    if parsed is None:
        from weasyprint import CSS

        fonts, fetcher = font_config(), url_fetcher()
        with _lock:
            parsed = _stylesheets.get(source)
            if parsed is None:
                parsed = CSS(string=source, font_config=fonts, url_fetcher=fetcher)
                _stylesheets[source] = parsed
    return parsed


# Pango font maps are shared by every render of the process and are not documented as
# thread-safe; rendering is CPU-bound under the GIL anyway, so serialising costs little.
_render_lock = threading.Lock()


def html_to_pdf(html: str, css_sources: Sequence[str] = ()) -> bytes:
    """Lay out `html` (already escaped, from our templates) with BASE_CSS and `css_sources`."""
    return html_to_pdf_and_pages(html, css_sources)[0]


def html_to_pdf_and_pages(html: str, css_sources: Sequence[str] = ()) -> tuple[bytes, list[Any]]:
    """Like html_to_pdf, also giving WeasyPrint's laid-out pages.

    A caller that places something on the PDF afterwards (a signature field) reads where
    the layout put it from `page.anchors` (the box of each element with an id, in CSS px
    from the page's top left) and `page.width`/`page.height`, rather than guessing.
    """
    from weasyprint import HTML

    sheets = [stylesheet(BASE_CSS), *(stylesheet(s) for s in css_sources)]
    fonts = font_config()
    document = HTML(string=html, base_url=None, url_fetcher=url_fetcher())
    with _render_lock:
        rendered = document.render(font_config=fonts, stylesheets=sheets)
        return rendered.write_pdf(), list(rendered.pages)


def render_pdf_template(template: str, css_sources: Sequence[str] = (), **context: Any) -> bytes:
    """Render one of our templates (Jinja autoescape on) and lay it out as PDF."""
    return html_to_pdf(render_template(template, **context), css_sources)
