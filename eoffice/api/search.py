"""/api/v1 search: one query over incoming and outgoing documents, and saved searches.

Routes on the same `api` blueprint as api.views (so the same Bearer authentication and
JSON errors apply); api.views imports this module once its blueprint exists. Thin like
every view: parse (api.search_parsing) → eoffice.search (engine, results, saved) →
serialise (api.search_schemas). What a user finds is what the search page shows them:
the same visibility, the same ranking (exact diacritics first), the same keyset pages.
"""

from __future__ import annotations

from flask import jsonify, request

from eoffice.api import search_parsing as parsing
from eoffice.api import search_schemas as shapes
from eoffice.api.auth import api_user
from eoffice.api.views import _check_id, body_needs_json, bp, json_only
from eoffice.search import engine, results, saved


@bp.get("/search")
def search():
    user = api_user()
    asked = parsing.parse_search(request.args, user)
    page = engine.search(user, asked.query, cursor=asked.cursor, limit=asked.limit)
    return jsonify(
        {
            "items": [shapes.hit_json(row) for row in results.rows(page)],
            "next_cursor": page.next_cursor,
        }
    )


@bp.get("/saved-searches")
def saved_searches():
    return jsonify(
        {"items": [shapes.saved_search_json(s) for s in saved.saved_searches(api_user())]}
    )


@bp.post("/saved-searches")
def create_saved_search():
    if body_needs_json():
        return json_only()
    body = parsing.saved_search_from_json(request.get_json(silent=True))
    found = saved.save(api_user(), body.name, body.params)
    response = jsonify(shapes.saved_search_json(found))
    response.status_code = 201
    return response


@bp.delete("/saved-searches/<int:saved_id>")
def delete_saved_search(saved_id: int):
    _check_id(saved_id)
    name = saved.delete(api_user(), saved_id)
    return jsonify({"id": saved_id, "name": name, "message": f"Đã xóa tìm kiếm «{name}»."})
