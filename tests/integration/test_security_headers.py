"""Security headers on every response, and templates that need no inline script."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from eoffice.incoming.attachments import Upload
from eoffice.web.security_headers import CONTENT_SECURITY_POLICY, HSTS
from tests import factories

TEMPLATES = Path(__file__).parents[2] / "templates"


def _assert_secured(response, *, frame: str = "DENY") -> None:
    headers = response.headers
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self';" in csp and "'unsafe-inline'" not in csp.split("style-src")[0]
    assert "object-src 'none'" in csp and "base-uri 'self'" in csp
    assert ("frame-ancestors 'none'" if frame == "DENY" else "frame-ancestors 'self'") in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == frame


@pytest.fixture
def document(world):
    return factories.register(
        world.school_a.clerk, [Upload("Công văn 12.pdf", factories.pdf_bytes())]
    )


def test_pages_and_static_files_carry_the_headers(client, world):
    _assert_secured(client.get("/login"))
    _assert_secured(client.get("/static/css/app.css"))
    factories.login(client, world.school_a.clerk)
    home = client.get("/")
    assert home.status_code == 200
    _assert_secured(home)
    assert home.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY


def test_api_json_and_errors_carry_the_headers(client, world):
    api = client.get("/api/v1/me")
    assert api.status_code == 401 and api.is_json
    _assert_secured(api)
    factories.login(client, world.school_a.clerk)
    missing = client.get("/khong-co-trang-nay")
    assert missing.status_code == 404
    _assert_secured(missing)
    not_visible = client.get("/incoming/2147483647")
    assert not_visible.status_code == 404
    _assert_secured(not_visible)


def test_a_server_error_page_carries_the_headers(app, client, world):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/__boom")
    def boom():
        raise RuntimeError("boom")

    factories.login(client, world.school_a.clerk)
    response = client.get("/__boom")
    assert response.status_code == 500
    _assert_secured(response)


def test_a_download_keeps_its_own_headers_and_gets_the_rest(client, world, document):
    factories.login(client, world.school_a.clerk)
    url = f"/incoming/{document.id}/files/{document.attachments[0].id}"
    download = client.get(url)
    assert download.status_code == 200
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["Cache-Control"] == "private, no-store"
    _assert_secured(download)


def test_an_inline_pdf_may_be_framed_by_the_application_only(client, world, document):
    """The document page previews its first PDF in an <iframe> of the same origin."""
    factories.login(client, world.school_a.clerk)
    page = client.get(f"/incoming/{document.id}")
    assert b"<iframe" in page.data
    _assert_secured(page)
    url = f"/incoming/{document.id}/files/{document.attachments[0].id}?inline=1"
    preview = client.get(url)
    assert preview.headers["Content-Disposition"].startswith("inline")
    _assert_secured(preview, frame="SAMEORIGIN")


def test_hsts_only_over_https(client):
    assert "Strict-Transport-Security" not in client.get("/login").headers
    secure = client.get("/login", base_url="https://eoffice.test")
    assert secure.headers["Strict-Transport-Security"] == HSTS
    _assert_secured(secure)


def test_hsts_behind_the_tls_proxy(app_config):
    from eoffice import create_app

    app = create_app(app_config, PROXY_FIX_X_FOR=1)
    client = app.test_client()
    plain = client.get("/login", headers={"X-Forwarded-For": "203.0.113.7"})
    assert "Strict-Transport-Security" not in plain.headers
    proxied = client.get(
        "/login", headers={"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}
    )
    assert proxied.headers["Strict-Transport-Security"] == HSTS


# Templates: the policy forbids inline script, so none may be written ----------------------

# A JSON data block (a chart's figures, decision 0026) is not code: browsers never run it.
_INLINE_SCRIPT = re.compile(
    r"<script\b(?![^>]*\bsrc\s*=)(?![^>]*\btype\s*=\s*\"application/json\")[^>]*>",
    re.IGNORECASE,
)
_EVENT_HANDLER = re.compile(r"<[a-zA-Z][^>]*?\s(on[a-z]+|hx-on[\w:-]*)\s*=", re.IGNORECASE)
_JAVASCRIPT_URL = re.compile(r"javascript\s*:", re.IGNORECASE)


def _offences(text: str) -> list[str]:
    found = [m.group(0) for m in _INLINE_SCRIPT.finditer(text)]
    found += [m.group(1) for m in _EVENT_HANDLER.finditer(text)]
    found += [m.group(0) for m in _JAVASCRIPT_URL.finditer(text)]
    return found


def test_the_scan_finds_inline_code():
    assert _offences("<script>alert(1)</script>")
    assert _offences('<button class="x" onclick="go()">')
    assert _offences('<a href="JavaScript:go()">')
    assert _offences('<div hx-on:click="go()">')
    assert not _offences('<script src="/static/js/app.js"></script><a href="/x">on=</a>')
    assert not _offences('<script type="application/json" id="c-data">{"a": 1}</script>')
    assert _offences('<script type="text/javascript">go()</script>')
    assert _offences('<script type="module">go()</script>')


def test_no_template_has_inline_script_or_event_handlers():
    templates = sorted(TEMPLATES.rglob("*.html"))
    assert len(templates) > 50
    offences = {
        str(path.relative_to(TEMPLATES)): found
        for path in templates
        if (found := _offences(path.read_text(encoding="utf-8")))
    }
    assert offences == {}
