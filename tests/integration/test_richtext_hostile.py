"""Hostile HTML in an outgoing document's body: on the page, in the stored draft and in
the PDF WeasyPrint lays out. The body is the one place user HTML is shown as HTML
(`richtext.sanitize_body`, decision 0025); everything else is escaped by Jinja."""

from __future__ import annotations

import dataclasses
import logging
import re

import lxml.html
import pytest

from eoffice.outgoing import drafting
from eoffice.outgoing.layout import render_html, render_outgoing_pdf
from eoffice.outgoing.richtext import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, MAX_DEPTH, sanitize_body
from eoffice.reports.pdf import html_to_pdf
from tests import factories
from tests.integration.test_outgoing_pdf import cong_van
from tests.pdftext import pdf_text

# Each payload ends with a harmless sentence that must survive.
HOSTILE = {
    "script": "<script>alert(1)</script><p>Câu an toàn.</p>",
    "event handler": '<p onclick="alert(1)" onmouseover=alert(1)>Câu an toàn.</p>',
    "javascript url": '<a href="javascript:alert(1)">bấm</a><p>Câu an toàn.</p>',
    "data url": '<a href="data:text/html,<script>alert(1)</script>">x</a><p>Câu an toàn.</p>',
    "style element": (
        "<style>body{background:url(http://evil.example/x)}</style><p>Câu an toàn.</p>"
    ),
    "style attribute": '<p style="background:url(file:///etc/passwd)">Câu an toàn.</p>',
    "svg onload": '<svg onload="alert(1)"><circle r="1"/></svg><p>Câu an toàn.</p>',
    "img file url": '<img src="file:///etc/passwd" onerror="alert(1)"><p>Câu an toàn.</p>',
    "link stylesheet": '<link rel="stylesheet" href="file:///etc/passwd"><p>Câu an toàn.</p>',
    "css import": "<style>@import 'file:///etc/passwd';</style><p>Câu an toàn.</p>",
    "mutation xss": (
        '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>'
        "<p>Câu an toàn.</p>"
    ),
    "svg foreign": (
        "<svg><foreignObject><iframe src=javascript:alert(1)></iframe></foreignObject></svg>"
        "<p>Câu an toàn.</p>"
    ),
    "math mglyph": (
        "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>"
        "</style></mglyph></table></mtext></math><p>Câu an toàn.</p>"
    ),
    "iframe srcdoc": '<iframe srcdoc="<script>alert(1)</script>"></iframe><p>Câu an toàn.</p>',
    "object": '<object data="file:///etc/passwd"></object><p>Câu an toàn.</p>',
    "base href": '<base href="http://evil.example/"><p>Câu an toàn.</p>',
    "meta refresh": (
        '<meta http-equiv="refresh" content="0;url=http://evil.example"><p>Câu an toàn.</p>'
    ),
    "form": '<form action="http://evil.example"><input name=x></form><p>Câu an toàn.</p>',
    "entity-encoded": "&lt;script&gt;alert(1)&lt;/script&gt;<p>Câu an toàn.</p>",
    "comment": "<!--><script>alert(1)</script>--><p>Câu an toàn.</p>",
    "class and id": '<p class="page-break" id="signature">Câu an toàn.</p>',
    "huge span": '<table><tr><td colspan="100000" rowspan="-1">Câu an toàn.</td></tr></table>',
}
_BAD_TEXT = re.compile(r"javascript:|file:|evil\.example|onerror|onload|onclick", re.I)


def _assert_harmless(html: str) -> None:
    """Only the allowed tags and attributes, nothing that fetches or runs."""
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    for element in root.iterdescendants():
        assert element.tag in ALLOWED_TAGS, element.tag
        allowed = ALLOWED_ATTRIBUTES.get(element.tag, set())
        assert set(element.attrib) <= allowed, (element.tag, dict(element.attrib))
        for value in element.attrib.values():
            assert re.fullmatch(r"[1-9][0-9]?", value), value
    assert "<script" not in html.lower() and "<style" not in html.lower()


@pytest.mark.parametrize("payload", list(HOSTILE.values()), ids=list(HOSTILE))
def test_the_sanitiser_keeps_the_words_and_drops_the_rest(payload):
    cleaned = sanitize_body(payload)
    _assert_harmless(cleaned)
    assert "Câu an toàn." in cleaned
    root = lxml.html.fragment_fromstring(cleaned, create_parent="div")
    for element in root.iter():
        assert not _BAD_TEXT.search(" ".join(element.attrib.values()))
    assert sanitize_body(cleaned) == cleaned  # stable: a second pass changes nothing


def test_nested_tables_are_cut_to_a_bounded_depth_keeping_their_text():
    bomb = "<table><tr><td>" * 3000 + "Đáy sâu" + "</td></tr></table>" * 3000
    cleaned = sanitize_body(bomb)
    root = lxml.html.fragment_fromstring(cleaned, create_parent="div")
    depth = max(len(list(el.iterancestors())) for el in root.iter())
    assert depth <= MAX_DEPTH
    assert "Đáy sâu" in root.text_content()
    _assert_harmless(cleaned)


def test_nested_lists_are_cut_too():
    cleaned = sanitize_body("<ul><li>" * 500 + "mục" + "</li></ul>" * 500)
    assert cleaned.count("<ul>") <= MAX_DEPTH // 2 and "mục" in cleaned


def test_a_shallow_body_is_left_as_it_is():
    body = "<ul><li>a<ul><li>b<ol><li>c</li></ol></li></ul></li></ul><p>x<br>y</p>"
    assert sanitize_body(body) == body


def test_a_hostile_draft_is_stored_and_shown_clean(app, world):
    body = "".join(HOSTILE.values())
    district = world.district
    doc = drafting.create_draft(
        district.staff, factories.outgoing_plan(world, world.school_a, body_html=body)
    )
    _assert_harmless(doc.body_html)
    assert doc.body_html.count("Câu an toàn.") == len(HOSTILE)

    client = app.test_client()
    factories.login(client, district.staff)
    for url in (f"/outgoing/{doc.id}", f"/outgoing/{doc.id}/edit"):
        response = client.get(url)
        assert response.status_code == 200
        page = lxml.html.fromstring(response.get_data(as_text=True))
        for element in page.iter():
            if not isinstance(element.tag, str):
                continue
            assert not any(name.startswith("on") for name in element.attrib), element.tag
            values = " ".join(element.attrib.values())
            assert not _BAD_TEXT.search(values), (element.tag, values)
        for script in page.iter("script"):
            assert script.get("src") and not (script.text or "").strip()
        assert "alert(1)" not in "".join(page.xpath("//script/text()"))


def test_the_pdf_of_a_hostile_body_fetches_nothing_and_keeps_the_words(app, caplog):
    body = "".join(HOSTILE.values())
    layout = dataclasses.replace(cong_van(), body_html=body)
    html = render_html(layout)
    assert "file:///etc/passwd" not in html and "evil.example" not in html
    with caplog.at_level(logging.WARNING, logger="eoffice.reports.pdf"):
        rendered = render_outgoing_pdf(layout)
    assert not [r for r in caplog.records if "refused to fetch" in r.getMessage()]
    text = " ".join(pdf_text(rendered.pdf).split())
    assert text.count("Câu an toàn.") == len(HOSTILE)
    assert "root:x:0" not in text  # /etc/passwd was never read
    # the only "alert" is the entity-encoded payload, shown as the text it is
    assert text.count("alert(1)") == 1 and "<script>alert(1)</script>" in text


def test_a_depth_bomb_body_still_lays_out(app):
    bomb = "<table><tr><td>" * 2000 + "Đáy sâu" + "</td></tr></table>" * 2000
    rendered = render_outgoing_pdf(dataclasses.replace(cong_van(), body_html=bomb))
    assert "Đáy sâu" in pdf_text(rendered.pdf)


def test_the_pdf_fetcher_refuses_local_files_even_unsanitised(app, caplog):
    """The second wall: HTML that never went through the sanitiser (a template bug) still
    cannot make WeasyPrint read a local file or the network."""
    html = (
        "<html><head><link rel='stylesheet' href='file:///etc/passwd'>"
        "<style>p{background:url(http://evil.example/x.png)}</style></head>"
        "<body><p>Trang thử</p><img src='file:///etc/passwd'>"
        "<img src='http://169.254.169.254/latest/meta-data/'></body></html>"
    )
    with caplog.at_level(logging.WARNING, logger="eoffice.reports.pdf"):
        pdf = html_to_pdf(html)
    refused = [r.getMessage() for r in caplog.records if "refused to fetch" in r.getMessage()]
    assert any("file:///etc/passwd" in m for m in refused)
    assert any("169.254.169.254" in m for m in refused)
    text = pdf_text(pdf)
    assert "Trang thử" in text and "root:x:0" not in text
