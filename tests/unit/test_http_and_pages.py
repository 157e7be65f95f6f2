"""Bounded integers from URLs and query strings, and the one page of a listing."""

from __future__ import annotations

import pytest
from flask import Flask

from eoffice.core.limits import MAX_INT
from eoffice.core.pagination import Page
from eoffice.web.http import BoundedIntConverter, int_arg


@pytest.fixture
def app() -> Flask:
    app = Flask(__name__)
    app.url_map.converters["int"] = BoundedIntConverter

    @app.get("/doc/<int:doc_id>")
    def doc(doc_id: int):
        return str(doc_id)

    @app.get("/year/<int(max=2100):year>")
    def year(year: int):
        return str(year)

    return app


def test_int_urls_stop_at_32_bits(app):
    client = app.test_client()
    assert client.get(f"/doc/{MAX_INT}").get_data(as_text=True) == str(MAX_INT)
    assert client.get(f"/doc/{MAX_INT + 1}").status_code == 404
    assert client.get("/doc/99999999999999999999").status_code == 404
    assert client.get("/year/2100").status_code == 200
    assert client.get("/year/2101").status_code == 404


@pytest.mark.parametrize(
    ("query", "value"),
    [
        ("", 1),
        ("page=3", 3),
        ("page=+7", 7),
        ("page=%207%20", 7),
        ("page=0", 1),
        ("page=-2", 1),
        ("page=abc", 1),
        ("page=2.5", 1),
        (f"page={MAX_INT}", MAX_INT),
        (f"page={MAX_INT + 1}", 1),
        ("page=99999999999999999999", 1),
        ("page=" + "9" * 5000, 1),
    ],
)
def test_int_arg_falls_back_to_the_default(app, query, value):
    with app.test_request_context(f"/?{query}"):
        assert int_arg("page", 1, min=1) == value


def test_int_arg_bounds_are_the_callers(app):
    with app.test_request_context("/?year=1899"):
        assert int_arg("year", 2026, min=1900, max=2100) == 2026
    with app.test_request_context("/?year=2100"):
        assert int_arg("year", 2026, min=1900, max=2100) == 2100


@pytest.mark.parametrize(
    ("page", "total", "pages", "has_prev", "has_next", "past_end"),
    [
        (1, 0, 1, False, False, False),
        (1, 50, 1, False, False, False),
        (1, 51, 2, False, True, False),
        (2, 51, 2, True, False, False),
        (5, 51, 2, True, False, True),
    ],
)
def test_page(page, total, pages, has_prev, has_next, past_end):
    listing = Page(items=[], page=page, per_page=50, total=total)
    assert (listing.pages, listing.has_prev, listing.has_next, listing.past_end) == (
        pages,
        has_prev,
        has_next,
        past_end,
    )
    assert listing.map(lambda items: [*items, "x"]).items == ["x"]
