"""The OpenAPI description of the search routes of /api/v1 (api.search).

openapi.build_spec merges `search_paths()` into the document's paths. Shapes are written
inline (closed objects, every property required), built from the tables the code reads:
the kinds and states from eoffice.search, the limits from api.search_parsing. The tests
validate every answer against them.
"""

from __future__ import annotations

from typing import Any

from eoffice.api import spec_schemas as s
from eoffice.api.search_parsing import DEFAULT_LIMIT, KINDS, MAX_LIMIT
from eoffice.search.forms import MAX_SENDER, PARAM_KEYS, STATE_LABELS
from eoffice.search.models import KIND_LABELS
from eoffice.search.saved import MAX_NAME, MAX_PER_USER
from eoffice.search.tokens import MAX_QUERY_CHARS

Json = dict[str, Any]

TAG = "Tìm kiếm"


def _json(schema: Json) -> Json:
    return {"application/json": {"schema": schema}}


def _ok(description: str, schema: Json) -> Json:
    return {"description": description, "content": _json(schema)}


def _errors(*codes: int) -> Json:
    return {
        str(code): {"$ref": f"#/components/responses/{s.ERROR_RESPONSES[code][0]}"}
        for code in codes
    }


def _query(name: str, description: str, schema: Json) -> Json:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
    }


def _states() -> str:
    return " ".join(
        f"{kind.value}: " + ", ".join(f"{code} ({label})" for code, label in labels.items()) + "."
        for kind, labels in STATE_LABELS.items()
    )


KIND: Json = {
    "type": "string",
    "enum": list(KINDS),
    "description": ", ".join(f"{k.value}: {label}" for k, label in KIND_LABELS.items()) + ".",
}
STATE: Json = {
    "type": "string",
    "enum": sorted({code for labels in STATE_LABELS.values() for code in labels}),
    "description": "Trạng thái theo loại văn bản. " + _states(),
}
HIT = s.closed(
    {
        "kind": KIND,
        "id": s.ID,
        "title": {**s.STRING, "description": "Trích yếu."},
        "symbol": s.nullable({**s.STRING, "description": "Số, ký hiệu; null: chưa có."}),
        "date": {
            **s.DATETIME,
            "description": "Thời điểm đến (văn bản đến), ban hành hoặc tạo dự thảo (văn bản "
            "đi); kết quả xếp theo thời điểm này, mới nhất trước.",
        },
        "state": STATE,
        "state_label": s.STRING,
        "url": {**s.STRING, "description": "Địa chỉ của văn bản trong API."},
        "snippet_html": s.nullable(
            {
                **s.STRING,
                "description": "Đoạn trích (ghi chú, nội dung văn bản đi hoặc chữ trong tệp) "
                "quanh từ khớp đầu tiên: HTML đã thoát ký tự, từ khớp trong <mark>; null: "
                "không có (không có từ khóa, hoặc từ khóa chỉ khớp số, ký hiệu, trích yếu, "
                "nơi gửi, nơi nhận).",
            }
        ),
        "exact": {
            **s.BOOLEAN,
            "description": "true: văn bản có đúng các từ có dấu đã gõ (hoặc từ khóa không có "
            "dấu); false: chỉ khớp khi bỏ dấu. Kết quả true đứng trước mọi kết quả false.",
        },
    }
)
SEARCH_PAGE = s.closed(
    {
        "items": s.array(HIT),
        "next_cursor": s.nullable(
            {**s.STRING, "description": "Gửi trong tham số cursor để lấy trang sau."}
        ),
    }
)
PARAMS = {
    "type": "object",
    "additionalProperties": False,
    "properties": {key: s.STRING for key in PARAM_KEYS},
    "description": "Điều kiện tìm kiếm: các tham số của GET /search (ngày dạng YYYY-MM-DD), "
    "chỉ những gì được chọn.",
}
SAVED = s.closed(
    {
        "id": s.ID,
        "name": s.STRING,
        "params": PARAMS,
        "url": {**s.STRING, "description": "GET địa chỉ này để chạy tìm kiếm qua API."},
        "page_url": {**s.STRING, "description": "Trang tìm kiếm với các điều kiện này."},
        "created_at": s.DATETIME,
    }
)
SAVED_INPUT = s.closed(
    {
        "name": {**s.STRING, "maxLength": MAX_NAME, "description": "Tên, không trùng."},
        "params": {
            **PARAMS,
            "description": PARAMS["description"] + " Ngày dạng dd/mm/yyyy cũng "
            "được nhận, lưu lại dạng YYYY-MM-DD.",
        },
    },
    required=["name", "params"],
)


def _search_parameters() -> list[Json]:
    return [
        _query(
            "q",
            "Từ khóa, có dấu hoặc không dấu (“quyet dinh” tìm được “Quyết định”); cụm từ trong "
            "dấu ngoặc kép; số, ký hiệu như 3337/GDĐT-TTTT. Mọi từ đều phải có. Bỏ trống: chỉ "
            "lọc theo các điều kiện khác.",
            {**s.STRING, "maxLength": MAX_QUERY_CHARS},
        ),
        _query("kind", "Chỉ văn bản đến (in) hoặc văn bản đi (out).", KIND),
        _query("type_id", "Tên loại văn bản (mã ở /catalog).", s.ID),
        _query(
            "sender",
            "Cơ quan gửi (một phần tên, không cần dấu); chỉ với văn bản đến.",
            {**s.STRING, "maxLength": MAX_SENDER},
        ),
        _query("date_from", "Từ ngày (ngày đến, ngày ban hành), YYYY-MM-DD.", s.DATE),
        _query("date_to", "Đến ngày, YYYY-MM-DD.", s.DATE),
        _query("state", "Trạng thái; cần kind. " + _states(), {**s.STRING}),
        _query("urgency", "Mã độ khẩn (ở /catalog).", s.STRING),
        _query(
            "confidentiality",
            "Mã độ mật (ở /catalog); người dùng không phải văn thư, lãnh đạo chỉ lọc được "
            "các độ không mật.",
            s.STRING,
        ),
        _query(
            "limit",
            f"Số kết quả mỗi trang (mặc định {DEFAULT_LIMIT}).",
            {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
        ),
        _query("cursor", "next_cursor của trang trước.", s.STRING),
    ]


def search_paths() -> Json:
    """Every search path of the document (merged by openapi.build_spec)."""
    return {
        "/search": {
            "get": {
                "operationId": "search",
                "summary": "Tìm văn bản đến và văn bản đi",
                "description": "Một ô tìm kiếm trên cả hai loại văn bản người dùng được xem: "
                "số, ký hiệu, trích yếu, nơi gửi, nơi nhận, người ký, ghi chú, nội dung và chữ "
                "trong tệp đính kèm. Không phân biệt hoa thường, có dấu hay không. Khi từ khóa "
                "có dấu, văn bản có đúng dấu được xếp trước (exact: true), rồi đến văn bản chỉ "
                "khớp khi bỏ dấu; trong mỗi nhóm, mới nhất trước. Không trả tổng số kết quả.",
                "tags": [TAG],
                "parameters": _search_parameters(),
                "responses": {"200": _ok("Một trang kết quả.", SEARCH_PAGE), **_errors(401, 422)},
            }
        },
        "/saved-searches": {
            "get": {
                "operationId": "saved_searches",
                "summary": "Các tìm kiếm đã lưu của người dùng",
                "description": "Chỉ của chính người dùng, theo tên.",
                "tags": [TAG],
                "responses": {
                    "200": _ok("Các tìm kiếm đã lưu.", s.closed({"items": s.array(SAVED)})),
                    **_errors(401),
                },
            },
            "post": {
                "operationId": "create_saved_search",
                "summary": "Lưu một tìm kiếm",
                "description": f"Tên bắt buộc, tối đa {MAX_NAME} ký tự, không trùng tên đã lưu "
                f"(không phân biệt dấu, hoa thường); tối đa {MAX_PER_USER} tìm kiếm mỗi người. "
                "Lỗi của từng điều kiện nêu ở fields với khóa params.<tên>.",
                "tags": [TAG],
                "requestBody": {"required": True, "content": _json(SAVED_INPUT)},
                "responses": {
                    "201": _ok("Đã lưu.", SAVED),
                    **_errors(401, 415, 422),
                },
            },
        },
        "/saved-searches/{saved_id}": {
            "parameters": [
                {
                    "name": "saved_id",
                    "in": "path",
                    "required": True,
                    "description": "Mã tìm kiếm đã lưu.",
                    "schema": s.ID,
                }
            ],
            "delete": {
                "operationId": "delete_saved_search",
                "summary": "Xóa một tìm kiếm đã lưu",
                "description": "Chỉ tìm kiếm của chính người dùng; của người khác: 404.",
                "tags": [TAG],
                "responses": {
                    "200": _ok(
                        "Đã xóa.", s.closed({"id": s.ID, "name": s.STRING, "message": s.STRING})
                    ),
                    **_errors(401, 404),
                },
            },
        },
    }
