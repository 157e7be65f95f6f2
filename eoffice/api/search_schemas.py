"""JSON shapes of the search routes of /api/v1; api.search_openapi describes exactly these.

Conventions as in api.schemas: every key always written (null when empty), instants in
office time with their offset. A hit carries the same words as the search page's row
(eoffice.search.results): the excerpt is HTML, escaped, the matched words in <mark>.
"""

from __future__ import annotations

from typing import Any

from flask import url_for

from eoffice.api.schemas import iso_datetime
from eoffice.search.forms import page_args
from eoffice.search.models import DocumentKind, SavedSearch
from eoffice.search.results import ResultRow

Json = dict[str, Any]


def hit_json(row: ResultRow) -> Json:
    endpoint = "api.get_incoming" if row.kind is DocumentKind.INCOMING else "api.get_outgoing"
    return {
        "kind": row.kind.value,
        "id": row.id,
        "title": row.subject,
        "symbol": row.symbol or None,
        "date": iso_datetime(row.moment),
        "state": row.state,
        "state_label": row.state_label,
        "url": url_for(endpoint, doc_id=row.id),
        "snippet_html": str(row.snippet) if row.snippet is not None else None,
        "exact": row.exact,
    }


def saved_search_json(saved: SavedSearch) -> Json:
    return {
        "id": saved.id,
        "name": saved.name,
        "params": dict(saved.params),
        "url": url_for("api.search", **saved.params),
        "page_url": url_for("search.index", **page_args(saved.params)),
        "created_at": iso_datetime(saved.created_at),
    }
