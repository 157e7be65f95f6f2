"""Security headers on every response: one `after_request` hook.

The policy forbids inline script outright (every script is a file under /static), so an
injected `<script>` or `onclick=` in a document's subject does nothing even if an escape
were ever missed. Styles keep `'unsafe-inline'`: the templates carry a few dozen
`style="…"` attributes (widths, iframe heights) and the workflow page's Mermaid diagrams
write `<style>` into their SVG; a style cannot run code, so this is the one allowance.

A response may set its own headers first (an inline PDF meant to be shown in the
document page's preview frame sets `frame-ancestors 'self'`); the hook never overwrites
a header a response already carries.
"""

from __future__ import annotations

from flask import Flask, Response, request

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'; img-src 'self' data:; "
    "style-src 'self' 'unsafe-inline'"
)
# A same-origin file shown in the preview <iframe> of the document's own page.
FRAMEABLE_CONTENT_SECURITY_POLICY = CONTENT_SECURITY_POLICY.replace(
    "frame-ancestors 'none'", "frame-ancestors 'self'"
)
HSTS = "max-age=31536000; includeSubDomains"

_DEFAULTS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def allow_same_origin_framing(response: Response) -> Response:
    """Let the application's own pages frame this response (and nobody else's)."""
    response.headers["Content-Security-Policy"] = FRAMEABLE_CONTENT_SECURITY_POLICY
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


def add_security_headers(response: Response) -> Response:
    """Fill in every security header the response does not already set.

    HSTS only over HTTPS (directly or through the TLS proxy with ProxyFix): sent over
    plain HTTP it is ignored by browsers, and a development server must stay reachable.
    """
    for name, value in _DEFAULTS.items():
        response.headers.setdefault(name, value)
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    return response


def register_security_headers(app: Flask) -> None:
    app.after_request(add_security_headers)
