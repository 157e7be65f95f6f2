"""The OpenAPI description of the case file routes of /api/v1 (api.casefiles).

openapi.build_spec merges `casefile_paths()` into the document's paths. The shapes are
written inline (closed objects, every property required, as spec_schemas writes its
components) and built from the same tables the code reads: the body fields from
api.casefiles_parsing, the states and steps from workflows.casefiles. The tests validate
every answer against them, so a key added to api.casefiles_schemas without being
described here fails.
"""

from __future__ import annotations

from typing import Any

from eoffice.api import spec_schemas as s
from eoffice.api.casefiles_parsing import (
    CLOSE,
    DOCUMENTS,
    EDIT_FILE,
    EDIT_HEADING,
    FILE_STATES,
    LIST_STEPS,
    MOVE,
    NEW_FILE,
    NEW_HEADING,
    NEW_LIST,
    PLANNED_FILE,
    QUERY_MAX,
    REOPEN,
    Field,
)
from eoffice.reports.exports import KINDS
from eoffice.reports.models import ExportState
from workflows import archive
from workflows import casefiles as flow

Json = dict[str, Any]

LISTS_TAG = "Danh mục hồ sơ"
FILES_TAG = "Hồ sơ"
EXPORTS_TAG = "Xuất tệp"
FILE_STEP_NAMES = (flow.OPEN_FILE, flow.CLOSE_FILE, flow.REOPEN_FILE)

# Plain helpers (the same conventions as openapi.py) ---------------------------------------


def _json(schema: Json) -> Json:
    return {"application/json": {"schema": schema}}


def _ok(description: str, schema: Json, **extra: Any) -> Json:
    return {"description": description, "content": _json(schema), **extra}


def _errors(*codes: int, conflict: str | None = None) -> Json:
    """Error responses by status; a 409 here always says, in `conflict`, what it means on
    that route (the shared 409 component is the incoming register's duplicate)."""
    responses: Json = {}
    for code in codes:
        if code == 409:
            responses["409"] = {
                "description": f"{conflict} (code: conflict); error.message nói rõ. Không có "
                "gì thay đổi.",
                "content": _json(s.ref("Error")),
            }
        else:
            responses[str(code)] = {"$ref": f"#/components/responses/{s.ERROR_RESPONSES[code][0]}"}
    return responses


def _path_id(name: str, description: str) -> Json:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": s.ID,
    }


def _query(name: str, description: str, schema: Json) -> Json:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
    }


def _location(description: str) -> Json:
    return {"Location": {"description": description, "schema": s.STRING}}


def _operation(
    operation: str,
    summary: str,
    description: str,
    tag: str,
    responses: Json,
    *,
    body: Json | None = None,
    parameters: list[Json] | None = None,
) -> Json:
    found: Json = {
        "operationId": operation,
        "summary": summary,
        "description": description,
        "tags": [tag],
        "responses": responses,
    }
    if body is not None:
        found["requestBody"] = body
    if parameters:
        found["parameters"] = parameters
    return found


# Bodies, from the parsing tables -----------------------------------------------------------

_KINDS: dict[str, Json] = {
    "text": s.STRING,
    "id": s.ID,
    "ids": s.array(s.ID),
    "integer": s.INTEGER,
    "boolean": s.BOOLEAN,
    "date": s.DATE,
}


def _field_schema(field: Field) -> Json:
    schema: Json = {**_KINDS[field.kind], "description": field.description}
    if field.limit is not None:
        schema["maxLength"] = field.limit
    return s.nullable(schema)


def body_schema(fields: tuple[Field, ...]) -> Json:
    """A request body: closed, every field nullable (absent or null: not given); which
    are needed is the service's to say (422 naming the field), listed in the text."""
    return s.closed({f.name: _field_schema(f) for f in fields}, required=[])


def _body(fields: tuple[Field, ...], *, required: bool = True) -> Json:
    needed = [f.name for f in fields if f.required]
    return {
        "required": required,
        "description": "Trường bắt buộc: " + (", ".join(needed) or "không có") + ".",
        "content": _json(body_schema(fields)),
    }


# Shapes of the answers ---------------------------------------------------------------------

PERSON = s.nullable(s.ref("PersonRef"))
TEXT = s.nullable(s.STRING)
DATE = s.nullable(s.DATE)
DATETIME = s.nullable(s.DATETIME)
FILE_STATE: Json = {
    "type": "string",
    "enum": list(FILE_STATES),
    "description": "; ".join(f"{x.code}: {x.label}" for x in flow.CASE_FILE.states) + ".",
}
LIST_STATE: Json = {
    "type": "string",
    "enum": [x.code for x in flow.FILE_LIST.states],
    "description": "; ".join(f"{x.code}: {x.label}" for x in flow.FILE_LIST.states) + ".",
}
NUMBERING: Json = {
    "type": "string",
    "enum": list(archive.NUMBERING_MODES),
    "description": "; ".join(f"{k}: {v}" for k, v in archive.NUMBERING_LABELS.items()) + ".",
}

RETENTION_LEVEL = s.closed(
    {
        "code": {**s.STRING, "description": "Mã, gửi trong trường retention."},
        "label": s.STRING,
        "years": s.nullable({**s.INTEGER, "description": "Số năm; null: vĩnh viễn."}),
        "permanent": s.BOOLEAN,
        "active": {**s.BOOLEAN, "description": "false: không còn được chọn cho hồ sơ mới."},
    }
)
RETENTION_REF = s.closed({"code": s.STRING, "label": s.STRING, "years": s.nullable(s.INTEGER)})


def _step(names: list[str], description: str) -> Json:
    return s.closed(
        {
            "step": {**s.STRING, "enum": names, "description": description},
            "label": s.STRING,
            "url": {**s.STRING, "description": "Địa chỉ gửi POST để thực hiện bước."},
            "fields": {**s.array(s.STRING), "description": "Các trường bước này nhận."},
            "required": {**s.array(s.STRING), "description": "Các trường bắt buộc."},
        }
    )


def _history() -> Json:
    return {**s.array(s.ref("HistoryEvent")), "description": "Lịch sử, cũ trước."}


FILE_PROPERTIES: Json = {
    "id": s.ID,
    "url": {**s.STRING, "description": "Địa chỉ của hồ sơ trong API."},
    "year": s.INTEGER,
    "code": {**s.STRING, "description": "Số và ký hiệu hồ sơ, ví dụ 01.TCCB."},
    "number": s.INTEGER,
    "notation": TEXT,
    "title": s.STRING,
    "state": FILE_STATE,
    "state_label": s.STRING,
    "in_list": {**s.BOOLEAN, "description": "true: hồ sơ của danh mục; false: lập ngoài danh mục."},
    "list_id": s.nullable(s.ID),
    "heading_id": s.nullable(s.ID),
    "retention": RETENTION_REF,
    "keeper": PERSON,
    "note": TEXT,
    "start_date": DATE,
    "end_date": DATE,
    "document_count": {**s.INTEGER, "description": "Số văn bản đang có trong hồ sơ."},
    "handover_due": {**DATE, "description": "Hạn nộp lưu (hồ sơ bảo quản từ 5 năm)."},
    "updated_at": s.DATETIME,
}
CASE_FILE = s.closed(FILE_PROPERTIES)
CONTENTS_ROW = s.closed(
    {
        "item_id": {**s.ID, "description": "Mã dòng, dùng để rút hoặc chuyển văn bản."},
        "position": {**s.INTEGER, "description": "STT trong hồ sơ."},
        "kind": {**s.STRING, "enum": ["incoming", "outgoing"]},
        "document_id": s.ID,
        "document_url": s.nullable(
            {**s.STRING, "description": "null: người dùng không được xem văn bản này."}
        ),
        "symbol": TEXT,
        "document_date": DATE,
        "type_and_subject": s.STRING,
        "author": s.STRING,
        "pages": s.nullable(s.INTEGER),
        "page_range": s.nullable({**s.STRING, "description": "Tờ/trang số, ví dụ 1–3."}),
        "note": TEXT,
        "finished": {**s.BOOLEAN, "description": "Văn bản đã xử lý xong (hoặc đã ban hành)."},
        "state_label": s.STRING,
        "hidden": {
            **s.BOOLEAN,
            "description": "Văn bản mật người dùng không được xem: giữ STT, ngày và số trang; "
            "số, ký hiệu, trích yếu, tác giả và ghi chú được che.",
        },
    }
)
FILE_DETAIL = s.closed(
    {
        **FILE_PROPERTIES,
        "heading": s.nullable(s.closed({"id": s.ID, "title": s.STRING})),
        "description": TEXT,
        "rights": s.STRING,
        "language": s.STRING,
        "doc_total": s.nullable({**s.INTEGER, "description": "Số văn bản, tính khi kết thúc."}),
        "page_total": s.nullable({**s.INTEGER, "description": "Số trang, tính khi kết thúc."}),
        "opened_at": DATETIME,
        "opened_by": PERSON,
        "closed_at": DATETIME,
        "closed_on": DATE,
        "closed_by": PERSON,
        "warn_from": DATE,
        "kept_until": DATE,
        "kept_reason": TEXT,
        "retention_expires": DATE,
        "archived_at": DATETIME,
        "created_at": s.DATETIME,
        "contents": {**s.array(CONTENTS_ROW), "description": "Mục lục văn bản, theo STT."},
        "pages_filed": {**s.INTEGER, "description": "Tổng số trang đã biết của các văn bản."},
        "closing_problems": {
            **s.array(s.STRING),
            "description": "Vì sao chưa kết thúc được (hồ sơ rỗng, còn dự thảo, văn bản đang "
            "xử lý); chỉ khi người dùng được kết thúc hồ sơ.",
        },
        "can_change": {
            **s.BOOLEAN,
            "description": "Người dùng được đưa, rút, sắp xếp văn bản và sửa thông tin.",
        },
        "available_steps": s.array(
            _step(list(FILE_STEP_NAMES), "open: mở hồ sơ; close: kết thúc; reopen: mở lại.")
        ),
        "export_url": {**s.STRING, "description": "POST để xuất hồ sơ (ZIP)."},
        "history": _history(),
    }
)
FILE_LIST = s.closed(
    {
        "items": s.array(CASE_FILE),
        "limit": s.INTEGER,
        "next_cursor": s.nullable(
            {**s.STRING, "description": "Gửi trong tham số cursor để lấy trang sau."}
        ),
    }
)
FILES_OF_DOCUMENT = s.closed({"items": s.array(CASE_FILE)})
FILING_RESULT = s.closed(
    {
        "added": {**s.array(s.ID), "description": "Mã các dòng mới (văn bản đã có: không thêm)."},
        "message": s.STRING,
        "case_file": FILE_DETAIL,
    }
)
DELETED = s.closed({"id": s.ID, "message": s.STRING})

COUNTS = s.closed(
    {
        "total": {**s.INTEGER, "description": "Tổng số hồ sơ của danh mục."},
        "permanent": {**s.INTEGER, "description": "Hồ sơ bảo quản vĩnh viễn."},
        "fixed_term": {**s.INTEGER, "description": "Hồ sơ bảo quản có thời hạn."},
    }
)
LIST_PROPERTIES: Json = {
    "id": s.ID,
    "url": s.STRING,
    "year": s.INTEGER,
    "state": LIST_STATE,
    "state_label": s.STRING,
    "numbering": NUMBERING,
    "numbering_label": s.STRING,
    "counts": COUNTS,
    "decision_ref": TEXT,
    "created_at": s.DATETIME,
    "submitted_at": DATETIME,
    "approved_at": DATETIME,
    "approved_by": PERSON,
}
HEADING = s.closed(
    {
        "id": s.ID,
        "url": {**s.STRING, "description": "PUT để sửa, DELETE để xóa đề mục."},
        "kind": {**s.STRING, "enum": ["large", "small"]},
        "number": {**s.STRING, "description": "I, II… (đề mục lớn) hoặc 1, 2… (đề mục nhỏ)."},
        "label": {**s.STRING, "description": "Như trên danh mục in: «I. Tổ chức, cán bộ»."},
        "title": s.STRING,
        "notation": TEXT,
        "parent_id": s.nullable(s.ID),
        "position": s.INTEGER,
    }
)
LIST_DETAIL = s.closed(
    {
        **LIST_PROPERTIES,
        "note": TEXT,
        "return_reason": {**TEXT, "description": "Ý kiến trả lại, hoặc lý do mở lại để bổ sung."},
        "copied_from": s.nullable(s.closed({"id": s.ID, "year": s.INTEGER})),
        "can_edit": {
            **s.BOOLEAN,
            "description": "Người dùng được sửa đề mục và hồ sơ (văn thư, quản trị; danh mục "
            "còn là dự thảo).",
        },
        "headings": {**s.array(HEADING), "description": "Theo thứ tự in."},
        "files": {**s.array(CASE_FILE), "description": "Theo thứ tự in, dưới đề mục của mình."},
        "available_steps": s.array(_step(list(LIST_STEPS), "Bước của danh mục.")),
        "history": _history(),
    }
)
LISTS = s.closed(
    {
        "items": s.array(s.closed(LIST_PROPERTIES)),
        "can_create": {**s.BOOLEAN, "description": "Người dùng được lập danh mục."},
    }
)

EXPORT = s.closed(
    {
        "id": s.ID,
        "url": {**s.STRING, "description": "Địa chỉ xem tình trạng (GET)."},
        "kind": {**s.STRING, "enum": list(KINDS)},
        "kind_label": s.STRING,
        "state": {**s.STRING, "enum": [x.value for x in ExportState]},
        "state_label": s.STRING,
        "progress": {**s.INTEGER, "minimum": 0, "maximum": 100, "description": "Phần trăm."},
        "steps_done": s.nullable({**s.INTEGER, "description": "Số văn bản đã đóng gói."}),
        "steps_total": s.nullable(s.INTEGER),
        "stale": {**s.BOOLEAN, "description": "Máy chủ đã dừng giữa chừng: có thể tạo lại."},
        "message": s.nullable({**s.STRING, "description": "Vì sao không tạo được tệp."}),
        "filename": TEXT,
        "size": s.nullable({**s.INTEGER, "description": "Dung lượng, byte."}),
        "created_at": s.DATETIME,
        "started_at": DATETIME,
        "finished_at": DATETIME,
        "case_file": s.nullable(
            s.closed({"id": s.ID, "url": s.STRING, "code": s.STRING, "title": s.STRING})
        ),
        "download_url": s.nullable({**s.STRING, "description": "Có khi tệp đã tạo xong."}),
        "retry_url": s.nullable(
            {**s.STRING, "description": "POST để tạo lại (tệp lỗi hoặc máy chủ dừng)."}
        ),
    }
)


# Paths -------------------------------------------------------------------------------------

LIST_CONFLICT = (
    "Danh mục không ở trạng thái cho phép thao tác này (chỉ sửa khi còn là dự thảo; bước "
    "không hợp trạng thái), đã có danh mục năm đó, đề mục còn hồ sơ, hồ sơ đã mở hoặc đã "
    "kết thúc"
)
FILE_CONFLICT = (
    "Hồ sơ không ở trạng thái cho phép thao tác này (đã kết thúc, đã nộp lưu; chưa kết thúc "
    "được vì rỗng, còn dự thảo hoặc văn bản đang xử lý)"
)
EXPORT_CONFLICT = "Tệp chưa tạo xong, hoặc yêu cầu đang được xử lý nên không cần tạo lại"


def _file_query_parameters(max_limit: int) -> list[Json]:
    return [
        _query("year", "Năm của hồ sơ.", {**s.INTEGER, "minimum": 1900, "maximum": 2100}),
        _query("state", "Trạng thái của hồ sơ.", FILE_STATE),
        _query(
            "keeper",
            "me: hồ sơ tôi lập; hoặc mã người dùng (người lập hồ sơ).",
            {**s.STRING, "pattern": r"^(me|[1-9][0-9]{0,9})$"},
        ),
        _query(
            "q",
            "Tìm trong số, ký hiệu và tiêu đề; mọi từ phải có mặt, không phân biệt dấu.",
            {**s.STRING, "maxLength": QUERY_MAX},
        ),
        _query(
            "limit",
            f"Số dòng mỗi trang, từ 1 đến {max_limit}.",
            {**s.INTEGER, "minimum": 1, "maximum": max_limit, "default": 50},
        ),
        _query("cursor", "Giá trị next_cursor của trang trước.", s.STRING),
    ]


def _list_step_paths(list_id: Json) -> Json:
    paths: Json = {}
    for name, fields in LIST_STEPS.items():
        transition = flow.FILE_LIST.transition(name)
        assert transition is not None
        roles = ", ".join(sorted(transition.roles))
        needed = [i.name for i in transition.required_inputs]
        paths[f"/casefiles/lists/{{list_id}}/steps/{name}"] = {
            "parameters": [list_id],
            "post": _operation(
                f"casefile_list_step_{name}",
                transition.label,
                f"Bước “{transition.label}” của danh mục hồ sơ (vai trò: {roles}). Xem "
                "available_steps của danh mục; khi bị từ chối, không có gì thay đổi.",
                LISTS_TAG,
                {
                    "200": _ok("Danh mục sau bước này.", LIST_DETAIL),
                    **_errors(401, 403, 404, 409, 415, 422, conflict=LIST_CONFLICT),
                },
                body={
                    "required": bool(needed),
                    "description": "Trường bắt buộc: " + (", ".join(needed) or "không có") + ".",
                    "content": _json(body_schema(fields)),
                },
            ),
        }
    return paths


def _list_paths() -> Json:
    list_id = _path_id("list_id", "Mã danh mục hồ sơ.")
    heading_id = _path_id("heading_id", "Mã đề mục của danh mục.")
    file_id = _path_id("file_id", "Mã hồ sơ trong danh mục.")
    created_file = _ok(
        "Đã thêm hồ sơ vào danh mục.", FILE_DETAIL, headers=_location("Địa chỉ của hồ sơ.")
    )
    edit_errors = _errors(401, 403, 404, 409, 415, 422, conflict=LIST_CONFLICT)
    return {
        "/casefiles/retention": {
            "get": _operation(
                "casefile_retention",
                "Các mức thời hạn bảo quản",
                "Theo thứ tự chọn trên biểu mẫu; mức đã ngừng dùng (active: false) không chọn "
                "được cho hồ sơ mới nhưng hồ sơ đã có vẫn giữ.",
                LISTS_TAG,
                {
                    "200": _ok("Các mức.", s.closed({"items": s.array(RETENTION_LEVEL)})),
                    **_errors(401),
                },
            )
        },
        "/casefiles/lists": {
            "get": _operation(
                "casefile_lists",
                "Các danh mục hồ sơ của cơ quan",
                "Mỗi năm một danh mục, năm mới nhất trước, với số hồ sơ. Mọi người dùng của "
                "cơ quan.",
                LISTS_TAG,
                {"200": _ok("Các danh mục.", LISTS), **_errors(401)},
            ),
            "post": _operation(
                "create_casefile_list",
                "Lập danh mục hồ sơ năm",
                "Văn thư hoặc quản trị. Trống, hoặc sao chép đề mục và hồ sơ của danh mục năm "
                "trước trong một lần (copy_from_previous), đánh số lại theo cách đánh số mới.",
                LISTS_TAG,
                {
                    "201": _ok(
                        "Đã lập danh mục.",
                        LIST_DETAIL,
                        headers=_location("Địa chỉ của danh mục."),
                    ),
                    **_errors(401, 403, 409, 415, 422, conflict=LIST_CONFLICT),
                },
                body=_body(NEW_LIST),
            ),
        },
        "/casefiles/lists/{list_id}": {
            "parameters": [list_id],
            "get": _operation(
                "get_casefile_list",
                "Một danh mục hồ sơ",
                "Đề mục và hồ sơ theo thứ tự in, số hồ sơ (vĩnh viễn, có thời hạn), các bước "
                "người dùng được làm và lịch sử. Danh mục của cơ quan khác: 404.",
                LISTS_TAG,
                {"200": _ok("Danh mục.", LIST_DETAIL), **_errors(401, 404)},
            ),
        },
        "/casefiles/lists/{list_id}/headings": {
            "parameters": [list_id],
            "post": _operation(
                "add_casefile_heading",
                "Thêm đề mục",
                "Đề mục lớn (title, notation) hoặc đề mục nhỏ dưới một đề mục lớn (title, "
                "parent_id), đặt cuối. Văn thư, quản trị; danh mục còn là dự thảo.",
                LISTS_TAG,
                {"201": _ok("Đã thêm đề mục.", HEADING), **edit_errors},
                body=_body(NEW_HEADING),
            ),
        },
        "/casefiles/lists/{list_id}/headings/{heading_id}": {
            "parameters": [list_id, heading_id],
            "put": _operation(
                "update_casefile_heading",
                "Sửa đề mục",
                "Tên, và ký hiệu của đề mục lớn: ký hiệu mới đổi số và ký hiệu các hồ sơ của "
                "đề mục (giữ số), bị từ chối khi có hồ sơ đã kết thúc.",
                LISTS_TAG,
                {"200": _ok("Đề mục.", HEADING), **edit_errors},
                body=_body(EDIT_HEADING),
            ),
            "delete": _operation(
                "delete_casefile_heading",
                "Xóa đề mục",
                "Chỉ khi không có hồ sơ nào dưới đề mục (và các đề mục nhỏ của nó, bị xóa cùng).",
                LISTS_TAG,
                {
                    "200": _ok("Đã xóa.", DELETED),
                    **_errors(401, 403, 404, 409, conflict=LIST_CONFLICT),
                },
            ),
        },
        "/casefiles/lists/{list_id}/files": {
            "parameters": [list_id],
            "post": _operation(
                "add_planned_casefile",
                "Thêm hồ sơ vào danh mục",
                "Hồ sơ dự kiến dưới một đề mục, được đánh số ngay theo cách đánh số của danh "
                "mục (02.TCCB).",
                LISTS_TAG,
                {"201": created_file, **edit_errors},
                body=_body(PLANNED_FILE),
            ),
        },
        "/casefiles/lists/{list_id}/files/{file_id}": {
            "parameters": [list_id, file_id],
            "put": _operation(
                "update_planned_casefile",
                "Sửa hồ sơ trong danh mục",
                "Thay toàn bộ các trường; chuyển sang đề mục khác thì hồ sơ được đánh số lại "
                "ở đó. Hồ sơ đã kết thúc không sửa được trong danh mục.",
                LISTS_TAG,
                {"200": _ok("Hồ sơ.", FILE_DETAIL), **edit_errors},
                body=_body(PLANNED_FILE),
            ),
            "delete": _operation(
                "delete_planned_casefile",
                "Xóa hồ sơ khỏi danh mục",
                "Chỉ hồ sơ còn dự kiến (chưa mở, chưa có văn bản); số đã dùng để trống.",
                LISTS_TAG,
                {
                    "200": _ok("Đã xóa.", DELETED),
                    **_errors(401, 403, 404, 409, conflict=LIST_CONFLICT),
                },
            ),
        },
        **_list_step_paths(list_id),
    }


def _file_paths(max_limit: int) -> Json:
    file_id = _path_id("file_id", "Mã hồ sơ.")
    item_id = _path_id("item_id", "Mã dòng trong mục lục (item_id trong contents).")
    detail = _ok("Hồ sơ sau thao tác.", FILE_DETAIL)
    change_errors = _errors(401, 403, 404, 409, 415, 422, conflict=FILE_CONFLICT)
    no_body = {
        "required": False,
        "description": "Không cần nội dung.",
        "content": _json(body_schema(())),
    }
    return {
        "/casefiles": {
            "get": _operation(
                "list_casefiles",
                "Các hồ sơ của cơ quan",
                "Năm mới nhất trước, rồi theo số hồ sơ. Mọi người dùng của cơ quan xem được "
                "thông tin hồ sơ (văn bản trong hồ sơ vẫn theo quyền xem của từng văn bản).",
                FILES_TAG,
                {"200": _ok("Một trang hồ sơ.", FILE_LIST), **_errors(401, 422)},
                parameters=_file_query_parameters(max_limit),
            ),
            "post": _operation(
                "create_casefile",
                "Lập hồ sơ ngoài danh mục",
                "Hồ sơ mở ngay, với số tiếp theo của cơ quan trong năm của thời gian bắt đầu "
                "và ký hiệu người dùng nhập (05.VP). NĐ 30/2020 Đ29.",
                FILES_TAG,
                {
                    "201": _ok(
                        "Đã lập hồ sơ.", FILE_DETAIL, headers=_location("Địa chỉ của hồ sơ.")
                    ),
                    **_errors(401, 415, 422),
                },
                body=_body(NEW_FILE),
            ),
        },
        "/casefiles/{file_id}": {
            "parameters": [file_id],
            "get": _operation(
                "get_casefile",
                "Một hồ sơ",
                "Thông tin (Phụ lục VI), mục lục văn bản, vì sao chưa kết thúc được, các bước "
                "người dùng được làm và lịch sử. Hồ sơ của cơ quan khác: 404.",
                FILES_TAG,
                {"200": _ok("Hồ sơ.", FILE_DETAIL), **_errors(401, 404)},
            ),
            "put": _operation(
                "update_casefile",
                "Sửa thông tin hồ sơ",
                "Người lập hồ sơ, văn thư, lãnh đạo; hồ sơ dự kiến hoặc đang lập. Thay toàn "
                "bộ: tiêu đề, thời hạn bảo quản, người lập (bỏ trống: giữ người hiện tại; "
                "giao cho người khác: văn thư, lãnh đạo), ghi chú, mô tả. Số, ký hiệu và thời "
                "gian bắt đầu không đổi.",
                FILES_TAG,
                {"200": detail, **change_errors},
                body=_body(EDIT_FILE),
            ),
        },
        "/casefiles/{file_id}/open": {
            "parameters": [file_id],
            "post": _operation(
                "open_casefile",
                "Mở hồ sơ",
                "Hồ sơ dự kiến của danh mục bắt đầu được lập (người mở giữ hồ sơ nếu chưa "
                "giao cho ai).",
                FILES_TAG,
                {"200": detail, **change_errors},
                body=no_body,
            ),
        },
        "/casefiles/{file_id}/documents": {
            "parameters": [file_id],
            "post": _operation(
                "add_casefile_documents",
                "Đưa văn bản vào hồ sơ",
                "Văn bản người dùng được xem, xếp sau các văn bản đã có; không sao chép văn "
                "bản (một văn bản có thể ở nhiều hồ sơ), văn bản đã có trong hồ sơ giữ nguyên. "
                "Hồ sơ dự kiến được mở bởi văn bản đầu tiên. Văn bản không xem được: 404.",
                FILES_TAG,
                {"200": _ok("Kết quả.", FILING_RESULT), **change_errors},
                body=_body(DOCUMENTS),
            ),
        },
        "/casefiles/{file_id}/documents/{item_id}": {
            "parameters": [file_id, item_id],
            "delete": _operation(
                "remove_casefile_document",
                "Rút văn bản khỏi hồ sơ",
                "Văn bản vẫn còn nguyên trong sổ; STT các văn bản sau được đánh lại.",
                FILES_TAG,
                {"200": detail, **_errors(401, 403, 404, 409, conflict=FILE_CONFLICT)},
            ),
        },
        "/casefiles/{file_id}/documents/{item_id}/move": {
            "parameters": [file_id, item_id],
            "post": _operation(
                "move_casefile_document",
                "Đổi vị trí văn bản trong hồ sơ",
                "Đặt văn bản ở STT position; các văn bản khác dồn theo.",
                FILES_TAG,
                {"200": detail, **change_errors},
                body=_body(MOVE),
            ),
        },
        "/casefiles/{file_id}/order-by-date": {
            "parameters": [file_id],
            "post": _operation(
                "order_casefile",
                "Sắp xếp văn bản theo thời gian",
                "Theo ngày văn bản, rồi theo thời điểm đưa vào hồ sơ (thứ tự Phụ lục VI yêu "
                "cầu khi xuất).",
                FILES_TAG,
                {"200": detail, **change_errors},
                body=no_body,
            ),
        },
        "/casefiles/{file_id}/close": {
            "parameters": [file_id],
            "post": _operation(
                "close_casefile",
                "Kết thúc hồ sơ",
                "Người lập hồ sơ, văn thư, lãnh đạo; xác nhận thời hạn bảo quản. Ngày bắt đầu, "
                "kết thúc, số văn bản, số trang, hạn nộp lưu và ngày hết thời hạn bảo quản được "
                "tính từ những gì hồ sơ chứa. Hồ sơ rỗng, còn dự thảo hoặc văn bản đang xử lý: "
                "409 (closing_problems của hồ sơ nói rõ).",
                FILES_TAG,
                {"200": detail, **change_errors},
                body=_body(CLOSE),
            ),
        },
        "/casefiles/{file_id}/reopen": {
            "parameters": [file_id],
            "post": _operation(
                "reopen_casefile",
                "Mở lại hồ sơ",
                "Chỉ lãnh đạo, với lý do (ghi vào lịch sử). Các thông tin tính khi kết thúc "
                "được xóa, kết thúc lại thì tính lại.",
                FILES_TAG,
                {"200": detail, **change_errors},
                body=_body(REOPEN),
            ),
        },
        "/incoming/{doc_id}/casefiles": {
            "parameters": [_path_id("doc_id", "Mã văn bản đến.")],
            "get": _operation(
                "incoming_casefiles",
                "Các hồ sơ có văn bản đến này",
                "Hồ sơ của cơ quan chứa văn bản (một văn bản có thể ở nhiều hồ sơ). Văn bản "
                "không xem được: 404.",
                FILES_TAG,
                {"200": _ok("Các hồ sơ.", FILES_OF_DOCUMENT), **_errors(401, 404)},
            ),
        },
        "/outgoing/{doc_id}/casefiles": {
            "parameters": [_path_id("doc_id", "Mã văn bản đi.")],
            "get": _operation(
                "outgoing_casefiles",
                "Các hồ sơ có văn bản đi này",
                "Hồ sơ của cơ quan chứa văn bản. Văn bản không xem được: 404.",
                FILES_TAG,
                {"200": _ok("Các hồ sơ.", FILES_OF_DOCUMENT), **_errors(401, 404)},
            ),
        },
    }


def _export_paths() -> Json:
    file_id = _path_id("file_id", "Mã hồ sơ.")
    export_id = _path_id("export_id", "Mã yêu cầu xuất tệp.")
    accepted = {
        "description": "Đã nhận yêu cầu; tệp được tạo ở nền. Theo dõi ở url (Location).",
        "headers": _location("Địa chỉ xem tình trạng."),
        "content": _json(EXPORT),
    }
    no_body = {
        "required": False,
        "description": "Không cần nội dung.",
        "content": _json(body_schema(())),
    }
    return {
        "/casefiles/{file_id}/export": {
            "parameters": [file_id],
            "post": _operation(
                "export_casefile",
                "Xuất hồ sơ (ZIP)",
                "Tệp ZIP gồm tệp gốc và bản ký số của từng văn bản theo STT, ho-so.xml (Phụ lục "
                "VI) và mục lục. Người dùng phải xem được mọi văn bản trong hồ sơ (không: 403). "
                "Gửi lại khi yêu cầu trước còn đang chờ: trả về yêu cầu đó.",
                EXPORTS_TAG,
                {"202": accepted, **_errors(401, 403, 404, 415, 422)},
                body=no_body,
            ),
        },
        "/exports/{export_id}": {
            "parameters": [export_id],
            "get": _operation(
                "get_export",
                "Tình trạng một yêu cầu xuất tệp",
                "Trạng thái, tiến độ thật (số văn bản đã đóng gói), địa chỉ tải khi xong. Chỉ "
                "người yêu cầu (người khác: 404).",
                EXPORTS_TAG,
                {"200": _ok("Yêu cầu xuất tệp.", EXPORT), **_errors(401, 403, 404)},
            ),
        },
        "/exports/{export_id}/download": {
            "parameters": [export_id],
            "get": _operation(
                "download_export",
                "Tải tệp đã xuất",
                "Tên gốc trong Content-Disposition. Chưa xong: 409.",
                EXPORTS_TAG,
                {
                    "200": {
                        "description": "Nội dung tệp.",
                        "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
                    },
                    **_errors(401, 403, 404, 409, conflict=EXPORT_CONFLICT),
                },
            ),
        },
        "/exports/{export_id}/retry": {
            "parameters": [export_id],
            "post": _operation(
                "retry_export_job",
                "Tạo lại tệp",
                "Cho yêu cầu bị lỗi hoặc bị dừng giữa chừng (retry_url khác null).",
                EXPORTS_TAG,
                {
                    "202": accepted,
                    **_errors(401, 403, 404, 409, 415, 422, conflict=EXPORT_CONFLICT),
                },
                body=no_body,
            ),
        },
    }


def casefile_paths(max_limit: int) -> Json:
    """Every case file path of the document (merged by openapi.build_spec); `max_limit`
    is the configured API_PAGE_SIZE_MAX."""
    return {**_list_paths(), **_file_paths(max_limit), **_export_paths()}
