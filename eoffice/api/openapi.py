"""The OpenAPI 3.1 description of /api/v1, as Python data.

Written by hand next to the code it describes, and held to it by the tests: every
route of the blueprint must appear here, every answer the tests receive is validated
against the schema given here for its status code, and the document itself must pass
openapi-spec-validator. Schemas are closed (additionalProperties: false) and list every
field as required, so a field added to api.schemas without being described fails.
"""

from __future__ import annotations

from typing import Any

from eoffice.api import exchange_parsing as exchange
from eoffice.api import spec_schemas as s
from eoffice.api.casefiles_openapi import casefile_paths as _casefile_paths
from eoffice.api.outgoing_parsing import REJECT_DELIVERY
from eoffice.api.outgoing_parsing import STEPS as OUTGOING_STEPS
from eoffice.api.search_openapi import search_paths as _search_paths
from eoffice.api.steps import COMMENT, FIELDS, STEPS, Step
from eoffice.outgoing.word import DOCX_MIME

Json = dict[str, Any]

DESCRIPTION = """\
API của eoffice cho sổ văn bản đến: tra cứu, xem chi tiết, tải tệp, vào sổ văn bản và
xử lý văn bản (trình, phân công, xử lý, hoàn thành, lập hồ sơ; ý kiến phối hợp,
xác nhận để biết, giao phần việc của đơn vị cho cán bộ).

**Xử lý.** Mỗi bước là một yêu cầu POST tới `/incoming/{doc_id}/steps/{step}` với nội dung
JSON. Chi tiết văn bản có `available_steps`: các bước người dùng của mã API được làm lúc
này, kèm địa chỉ và các trường. Bị từ chối vì vai trò: 403; sai trạng thái: 409; thiếu
thông tin: 422 kèm `fields`. Khi bị từ chối, không có gì thay đổi. Người hoặc đơn vị nhận
phân công viết dạng `user:<mã>` hoặc `unit:<mã>` (mã lấy ở /catalog).

**Văn bản đi.** Soạn dự thảo (`POST /outgoing`, sửa bằng `PUT`, hoặc sửa trong Word: tải
`GET /outgoing/{doc_id}/docx`, gửi lại bằng `PUT` cùng địa chỉ), rồi từng bước
`POST /outgoing/{doc_id}/steps/{step}`: trình duyệt, đồng ý, trả lại, không ban hành, ký ban
hành (cấp số, ngày; bản PDF ký số có sau ít phút tại `signed_pdf_url`), thu hồi, hủy dự thảo.
Tình trạng ở từng nơi nhận: `/outgoing/{doc_id}/deliveries`. Văn bản cơ quan khác trong hệ
thống gửi đến nằm ở `/inbox`, vào sổ hoặc từ chối từ đó.

**Liên thông văn bản.** Văn bản các cơ quan ngoài gửi qua trục liên thông nằm ở
`/exchange/inbox` (chỉ văn thư, lãnh đạo): văn thư vào sổ (nơi gửi nhận trạng thái 03)
hoặc từ chối tiếp nhận kèm lý do (02); yêu cầu thu hồi được đồng ý (15) hoặc từ chối (16).
`POST /exchange/check` là nút “Kiểm tra ngay” của văn thư, `POST /exchange/checks/confirm`
là “Đã kiểm tra”. Nhật ký gói tin của cơ quan: `/exchange/packets` (văn thư, quản trị).

**Chỉ đạo, yêu cầu báo cáo.** Nhóm nơi nhận ở `/directives/groups` (nhóm có sẵn: tất cả
các trường, theo cấp học, theo phường; nhóm riêng do quản trị lập). Dự thảo nhận `groups`
(mã nhóm, mở rộng thành các trường nhận) và `requests` (nội dung, hạn YYYY-MM-DD, hình thức
trả lời). Khi văn bản được ban hành, mỗi trường có một nhiệm vụ cho mỗi yêu cầu:
`/directives/tasks` (trả lời bằng văn bản đã ban hành, tệp, số liệu hoặc nội dung ngắn; trả
lời sau hạn vẫn được nhận và ghi trễ hạn); xác nhận đã triển khai ở
`/inbox/{delivery_id}/acknowledge`. Nơi gửi theo dõi ở `/outgoing/{doc_id}/board` (gia hạn,
trả lại, nhắc) và `/directives/rollup` (lãnh đạo Phòng).

**Hồ sơ, danh mục hồ sơ.** Mỗi năm cơ quan có một danh mục hồ sơ ở `/casefiles/lists`
(văn thư lập, có thể sao chép danh mục năm trước; thêm đề mục và hồ sơ dự kiến khi danh mục
còn là dự thảo; trình, phê duyệt, trả lại, mở lại để bổ sung, khóa ở
`/casefiles/lists/{list_id}/steps/{step}`). Hồ sơ ở `/casefiles` (lọc theo năm, trạng thái,
`keeper=me`): mở hồ sơ dự kiến, hoặc lập hồ sơ ngoài danh mục; đưa văn bản vào
(`incoming_ids`, `outgoing_ids`: văn bản không bị sao chép, một văn bản có thể ở nhiều hồ sơ),
rút ra, đổi vị trí, sắp xếp theo thời gian; kết thúc (xác nhận thời hạn bảo quản, mã lấy ở
`/casefiles/retention`) khi mọi văn bản đã xử lý xong; lãnh đạo mở lại kèm lý do. Hồ sơ chứa
một văn bản: `/incoming/{doc_id}/casefiles`, `/outgoing/{doc_id}/casefiles`. Xuất hồ sơ
(ZIP) chạy ở nền: `POST /casefiles/{file_id}/export` trả 202, theo dõi tiến độ ở
`/exports/{export_id}` rồi tải ở `download_url`.

**Xác thực.** Mọi yêu cầu (trừ tài liệu này) phải gửi tiêu đề
`Authorization: Bearer <mã API>`. Mã API do người dùng tạo ở trang “Tài khoản của tôi”
và có thể thu hồi bất cứ lúc nào. API không dùng cookie đăng nhập. Mỗi mã chỉ thấy dữ liệu
của cơ quan mình: văn bản của cơ quan khác trả về 404 như văn bản không tồn tại.

**Thời gian.** Thời điểm (date-time) được trả về theo ISO 8601 với giờ văn phòng
Asia/Ho_Chi_Minh và độ lệch +07:00, ví dụ `2026-09-20T08:30:00+07:00`. Ngày (date) có dạng
`YYYY-MM-DD`. Khi gửi lên, thời điểm không có độ lệch được hiểu là giờ văn phòng; năm của
mọi ngày và thời điểm gửi lên phải từ 1900 đến 2100 (ngoài khoảng đó: lỗi 422).

**Lỗi.** Mọi lỗi có cùng dạng `{"error": {"code", "message", "fields"}}`; `message` và
các thông báo trong `fields` bằng tiếng Việt.

**Phân trang.** Danh sách sắp xếp mới nhất trước (theo thời điểm đến, rồi theo mã).
Gửi lại `next_cursor` của trang trước trong tham số `cursor` để lấy trang tiếp theo;
`next_cursor` là `null` ở trang cuối.
"""


def _json(schema: Json) -> Json:
    return {"application/json": {"schema": schema}}


def _ok(description: str, schema: Json) -> Json:
    return {"description": description, "content": _json(schema)}


def _errors(*codes: int, **named: str) -> Json:
    """Error responses by status; `named` gives another component for a status: s409=…."""
    return {
        str(code): {
            "$ref": f"#/components/responses/{named.get(f's{code}', s.ERROR_RESPONSES[code][0])}"
        }
        for code in codes
    }


def _step_body(step: Step) -> Json:
    properties: Json = {}
    for name in step.fields:
        kind, description = FIELDS[name]
        schema = {**kind.schema, "description": description}
        properties[name] = schema if name in step.required else s.nullable(schema)
    return s.closed(properties, required=list(step.required))


def _step_paths(doc_id: Json) -> Json:
    paths: Json = {}
    for step in STEPS.values():
        required = ", ".join(step.required) or "không có"
        paths[f"/incoming/{{doc_id}}/steps/{step.name}"] = {
            "parameters": [doc_id],
            "post": {
                "operationId": f"step_{step.name}",
                "summary": step.label,
                "description": f"Bước xử lý “{step.label}”. Trường bắt buộc: {required}. "
                "Quy tắc ai được làm gì, ở trạng thái nào, là của quy trình (xem "
                "available_steps của văn bản); khi bị từ chối, không có gì thay đổi.",
                "tags": ["Xử lý văn bản đến"],
                "requestBody": {
                    "required": bool(step.required),
                    "content": _json(_step_body(step)),
                },
                "responses": {
                    "200": _ok(
                        "Văn bản sau bước này, kèm phân công và các bước tiếp theo.",
                        s.ref("IncomingDocumentDetail"),
                    ),
                    **_errors(401, 403, 404, 409, 415, 422, s409="WrongState"),
                },
            },
        }
    return paths


def _query(name: str, description: str, schema: Json) -> Json:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
    }


def _list_parameters(max_limit: int) -> list[Json]:
    return [
        _query("date_from", "Đến từ ngày (giờ văn phòng), YYYY-MM-DD.", s.DATE),
        _query("date_to", "Đến hết ngày (giờ văn phòng), YYYY-MM-DD.", s.DATE),
        _query("sender", "Một phần tên cơ quan gửi, không phân biệt dấu và hoa thường.", s.STRING),
        _query("document_type_id", "Mã tên loại văn bản (xem /catalog).", s.ID),
        _query("urgency_code", "Mã độ khẩn (xem /catalog).", s.STRING),
        _query("state", "Trạng thái của văn bản.", s.STATE),
        _query(
            "q",
            "Tìm trong số ký hiệu, cơ quan gửi, trích yếu, người ký, ghi chú; "
            "mọi từ phải có mặt, không phân biệt dấu.",
            s.STRING,
        ),
        _limit_parameter(max_limit),
        _query("cursor", "Giá trị next_cursor của trang trước.", s.STRING),
    ]


def _limit_parameter(max_limit: int) -> Json:
    return _query(
        "limit",
        f"Số dòng mỗi trang, từ 1 đến {max_limit}.",
        {"type": "integer", "minimum": 1, "maximum": max_limit, "default": 50},
    )


def _path_id(name: str, description: str) -> Json:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": s.ID,
    }


def _paths(max_limit: int) -> Json:
    doc_id = _path_id("doc_id", "Mã văn bản đến.")
    return {
        "/me": {
            "get": {
                "operationId": "me",
                "summary": "Người dùng của mã API và cơ quan của họ",
                "tags": ["Tài khoản"],
                "responses": {"200": _ok("Người dùng và cơ quan.", s.ref("Me")), **_errors(401)},
            }
        },
        "/me/work": {
            "get": {
                "operationId": "my_work",
                "summary": "Việc của tôi: các phần việc chủ trì, phối hợp chưa xong",
                "description": "Các phần việc (chủ trì, phối hợp) người dùng của mã API đang "
                "giữ, trực tiếp hoặc qua đơn vị, chưa hoàn thành; hạn gần nhất trước, không có "
                "hạn ở cuối. due_state tính theo ngày làm việc (thứ Hai đến thứ Sáu) và giờ "
                "văn phòng.",
                "tags": ["Xử lý văn bản đến"],
                "parameters": [
                    _limit_parameter(max_limit),
                    _query("cursor", "Giá trị next_cursor của trang trước.", s.STRING),
                ],
                "responses": {
                    "200": _ok("Một trang phần việc.", s.ref("WorkList")),
                    **_errors(401, 422),
                },
            }
        },
        "/catalog": {
            "get": {
                "operationId": "catalog",
                "summary": "Danh mục để điền mã khi vào sổ",
                "description": "Tên loại văn bản, độ khẩn, độ mật, hình thức nhận, trạng thái, "
                "sổ đăng ký văn bản đến năm nay, đơn vị và người dùng của cơ quan.",
                "tags": ["Danh mục"],
                "responses": {"200": _ok("Các danh mục.", s.ref("Catalog")), **_errors(401)},
            }
        },
        "/incoming": {
            "get": {
                "operationId": "list_incoming",
                "summary": "Danh sách văn bản đến, mới nhất trước",
                "tags": ["Văn bản đến"],
                "parameters": _list_parameters(max_limit),
                "responses": {
                    "200": _ok("Một trang văn bản đến.", s.ref("IncomingList")),
                    **_errors(401, 422),
                },
            },
            "post": {
                "operationId": "create_incoming",
                "summary": "Vào sổ một văn bản đến",
                "description": "Nhận JSON (tệp mã hóa base64) hoặc multipart/form-data (tệp "
                "trong trường `files`). Số đến được cấp tự động. Nếu văn bản có thể đã vào "
                "sổ (cùng cơ quan gửi, số ký hiệu và ngày), trả về 409 kèm các văn bản trước "
                "đó trong `error.duplicates`; gửi lại với `confirm_duplicate: true` để vẫn "
                "vào sổ. Khi có lỗi, không có gì được lưu và không tốn số đến.",
                "tags": ["Văn bản đến"],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {"schema": s.ref("IncomingCreate")},
                        "multipart/form-data": {"schema": s.ref("IncomingCreateForm")},
                    },
                },
                "responses": {
                    "201": {
                        "description": "Đã vào sổ.",
                        "headers": {
                            "Location": {
                                "description": "Địa chỉ của văn bản vừa vào sổ.",
                                "schema": {"type": "string"},
                            }
                        },
                        "content": _json(s.ref("IncomingDocumentDetail")),
                    },
                    **_errors(401, 403, 409, 413, 415, 422),
                },
            },
        },
        "/incoming/{doc_id}": {
            "parameters": [doc_id],
            "get": {
                "operationId": "get_incoming",
                "summary": "Một văn bản đến, kèm tệp và lịch sử",
                "tags": ["Văn bản đến"],
                "responses": {
                    "200": _ok("Văn bản đến.", s.ref("IncomingDocumentDetail")),
                    **_errors(401, 404),
                },
            },
        },
        "/incoming/{doc_id}/files/{attachment_id}": {
            "parameters": [doc_id, _path_id("attachment_id", "Mã tệp đính kèm.")],
            "get": {
                "operationId": "download_file",
                "summary": "Tải một tệp của văn bản đến",
                "description": "Trả về nguyên nội dung tệp; tên gốc (tiếng Việt) nằm trong "
                "tiêu đề Content-Disposition.",
                "tags": ["Văn bản đến"],
                "responses": {
                    "200": {
                        "description": "Nội dung tệp.",
                        "content": {
                            "*/*": {
                                "schema": {
                                    "type": "string",
                                    "description": "Kiểu nội dung là mime_type của tệp.",
                                }
                            }
                        },
                    },
                    **_errors(401, 404),
                },
            },
        },
        "/incoming/{doc_id}/results/{file_id}": {
            "parameters": [doc_id, _path_id("file_id", "Mã tệp kết quả.")],
            "get": {
                "operationId": "download_result",
                "summary": "Tải một tệp kết quả xử lý",
                "description": "Tệp người chủ trì hoặc phối hợp đã nộp cùng tiến độ, ý kiến "
                "phối hợp hoặc khi hoàn thành; liệt kê trong result_files của từng phân công.",
                "tags": ["Xử lý văn bản đến"],
                "responses": {
                    "200": {
                        "description": "Nội dung tệp.",
                        "content": {"*/*": {"schema": {"type": "string"}}},
                    },
                    **_errors(401, 404),
                },
            },
        },
        **_step_paths(doc_id),
        "/incoming/{doc_id}/comments": {
            "parameters": [doc_id],
            "post": {
                "operationId": "add_comment",
                "summary": COMMENT.label,
                "description": "Ghi một ý kiến trao đổi vào lịch sử văn bản; không đổi trạng "
                "thái, mở cho mọi người xem được văn bản (trừ văn bản đã hủy). Người đang xử "
                "lý và người phân công nhận thông báo.",
                "tags": ["Xử lý văn bản đến"],
                "requestBody": {"required": True, "content": _json(_step_body(COMMENT))},
                "responses": {
                    "200": _ok(
                        "Văn bản kèm lịch sử có ý kiến mới.", s.ref("IncomingDocumentDetail")
                    ),
                    **_errors(401, 404, 409, 415, 422),
                },
            },
        },
        "/openapi.json": {
            "get": {
                "operationId": "openapi_json",
                "summary": "Tài liệu OpenAPI này",
                "tags": ["Tài liệu"],
                "security": [],
                "responses": {"200": _ok("Tài liệu OpenAPI 3.1.", {"type": "object"})},
            }
        },
    }


def build_spec(*, max_limit: int) -> Json:
    """The whole document; `max_limit` is the configured API_PAGE_SIZE_MAX."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "eoffice – API văn bản đến và văn bản đi",
            "version": "1.0.0",
            "description": DESCRIPTION,
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearerAuth": []}],
        "tags": [
            {"name": "Văn bản đến"},
            {"name": "Xử lý văn bản đến"},
            {"name": OUTGOING_TAG},
            {"name": OUTGOING_STEPS_TAG},
            {"name": INBOX_TAG},
            {"name": EXCHANGE_TAG},
            {"name": GROUPS_TAG},
            {"name": TASKS_TAG},
            {"name": BOARD_TAG},
            {"name": "Danh mục"},
            {"name": "Tài khoản"},
            {"name": "Tài liệu"},
        ],
        "paths": {
            **_paths(max_limit),
            **_outgoing_paths(max_limit),
            **_exchange_paths(max_limit),
            **_directive_paths(max_limit),
            **_casefile_paths(max_limit),
            **_search_paths(),
        },
        "components": {
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "Mã API tạo ở trang “Tài khoản của tôi” (bắt đầu bằng eo_).",
                }
            },
            "schemas": {
                **s.schemas(),
                **s.outgoing_schemas(),
                **s.exchange_schemas(),
                **s.directive_schemas(),
            },
            "responses": s.error_responses(),
        },
    }


# Outgoing documents and the inbox ----------------------------------------------------------

OUTGOING_TAG = "Văn bản đi"
OUTGOING_STEPS_TAG = "Trình duyệt, ký ban hành văn bản đi"
INBOX_TAG = "Văn bản gửi đến trong hệ thống"


def _pdf_ok(description: str) -> Json:
    return {
        "description": description,
        "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
    }


def _outgoing_step_paths(doc_id: Json) -> Json:
    paths: Json = {}
    for step in OUTGOING_STEPS.values():
        required = ", ".join(step.required) or "không có"
        paths[f"/outgoing/{{doc_id}}/steps/{step.name}"] = {
            "parameters": [doc_id],
            "post": {
                "operationId": f"outgoing_step_{step.name}",
                "summary": step.label,
                "description": f"Bước “{step.label}” của văn bản đi. Trường bắt buộc: {required}. "
                "Ai được làm gì, ở trạng thái nào, là của quy trình văn bản đi (xem "
                "available_steps); khi bị từ chối, không có gì thay đổi.",
                "tags": [OUTGOING_STEPS_TAG],
                "requestBody": {
                    "required": bool(step.required),
                    "content": _json(_step_body(step)),
                },
                "responses": {
                    "200": _ok(
                        "Văn bản đi sau bước này, kèm các bước tiếp theo.",
                        s.ref("OutgoingDocumentDetail"),
                    ),
                    **_errors(401, 403, 404, 409, 415, 422, s409="WrongState"),
                },
            },
        }
    return paths


def _outgoing_list_parameters(max_limit: int) -> list[Json]:
    flag: Json = {"type": "integer", "enum": [0, 1], "default": 0}
    return [
        _query("state", "Trạng thái của văn bản đi.", s.OUTGOING_STATE),
        _query("mine", "1: chỉ văn bản do tôi soạn thảo (mọi trạng thái).", flag),
        _query(
            "waiting",
            "1: chỉ văn bản đang chờ tôi (tôi giữ bước kiểm tra hiện tại, hoặc là người ký "
            "và văn bản đã đến bước ký).",
            flag,
        ),
        _query(
            "q",
            "Tìm trong trích yếu và nơi nhận (mọi từ phải có mặt, không phân biệt dấu), "
            "hoặc theo số, ký hiệu.",
            s.STRING,
        ),
        _limit_parameter(max_limit),
        _query("cursor", "Giá trị next_cursor của trang trước.", s.STRING),
    ]


def _outgoing_paths(max_limit: int) -> Json:
    doc_id = _path_id("doc_id", "Mã văn bản đi.")
    delivery_id = _path_id("delivery_id", "Mã bản gửi đến (id trong /inbox).")
    return {
        "/outgoing": {
            "get": {
                "operationId": "list_outgoing",
                "summary": "Danh sách văn bản đi, mới tạo trước",
                "description": "Các văn bản đi người dùng được xem: dự thảo của mình, văn bản "
                "mình kiểm tra hoặc ký, văn bản đã ban hành của cơ quan (lãnh đạo xem tất cả).",
                "tags": [OUTGOING_TAG],
                "parameters": _outgoing_list_parameters(max_limit),
                "responses": {
                    "200": _ok("Một trang văn bản đi.", s.ref("OutgoingList")),
                    **_errors(401, 422),
                },
            },
            "post": {
                "operationId": "create_outgoing",
                "summary": "Soạn thảo một văn bản đi (dự thảo)",
                "description": "Nhận JSON; tệp đính kèm mã hóa base64. Người ký và cơ quan nhận "
                "lấy ở /outgoing/choices; cơ quan ngoài hệ thống ghi theo mã định danh. Khi có "
                "lỗi, không có gì được lưu.",
                "tags": [OUTGOING_TAG],
                "requestBody": {"required": True, "content": _json(s.ref("OutgoingCreate"))},
                "responses": {
                    "201": {
                        "description": "Đã tạo dự thảo (phiên bản 1).",
                        "headers": {
                            "Location": {
                                "description": "Địa chỉ của văn bản vừa tạo.",
                                "schema": {"type": "string"},
                            }
                        },
                        "content": _json(s.ref("OutgoingDocumentDetail")),
                    },
                    **_errors(401, 413, 415, 422),
                },
            },
        },
        "/outgoing/choices": {
            "get": {
                "operationId": "outgoing_choices",
                "summary": "Người ký và cơ quan nhận để soạn thảo",
                "description": "Lãnh đạo, cấp phó của cơ quan (kèm thẩm quyền ký mặc định) và "
                "các cơ quan khác trong hệ thống.",
                "tags": [OUTGOING_TAG],
                "responses": {
                    "200": _ok("Các lựa chọn.", s.ref("OutgoingChoices")),
                    **_errors(401),
                },
            }
        },
        "/outgoing/{doc_id}": {
            "parameters": [doc_id],
            "get": {
                "operationId": "get_outgoing",
                "summary": "Một văn bản đi: nội dung, trình duyệt, nơi nhận, phiên bản, lịch sử",
                "tags": [OUTGOING_TAG],
                "responses": {
                    "200": _ok("Văn bản đi.", s.ref("OutgoingDocumentDetail")),
                    **_errors(401, 404),
                },
            },
            "put": {
                "operationId": "update_outgoing",
                "summary": "Sửa dự thảo (thay toàn bộ các trường)",
                "description": "Chỉ người soạn thảo (403 nếu không), khi văn bản là dự thảo "
                "(409 nếu đã trình hoặc ban hành). Các "
                "trường không gửi nhận giá trị mặc định, như khi gửi biểu mẫu; tệp gửi kèm được "
                "thêm vào. Mỗi lần sửa là một phiên bản mới, các phiên bản trước được giữ.",
                "tags": [OUTGOING_TAG],
                "requestBody": {"required": True, "content": _json(s.ref("OutgoingUpdate"))},
                "responses": {
                    "200": _ok("Dự thảo sau khi sửa.", s.ref("OutgoingDocumentDetail")),
                    **_errors(401, 403, 404, 409, 413, 415, 422),
                },
            },
        },
        "/outgoing/{doc_id}/docx": {
            "parameters": [doc_id],
            "get": {
                "operationId": "outgoing_docx",
                "summary": "Tải văn bản dạng Word (DOCX) để sửa",
                "description": "Nội dung và thể thức như bản PDF, để người soạn thảo sửa trong "
                "Word rồi tải lên lại bằng PUT.",
                "tags": [OUTGOING_TAG],
                "responses": {
                    "200": {
                        "description": "Tệp DOCX; tên tệp trong Content-Disposition.",
                        "content": {DOCX_MIME: {"schema": {"type": "string", "format": "binary"}}},
                    },
                    **_errors(401, 404),
                },
            },
            "put": {
                "operationId": "upload_outgoing_docx",
                "summary": "Tải lên tệp DOCX đã sửa: một phiên bản mới của dự thảo",
                "description": "Chỉ người soạn thảo (403 nếu không), khi văn bản là dự thảo "
                "(409 nếu đã trình hoặc ban hành). Nhận multipart/form-data: tệp trong "
                "trường `file`, ghi chú phiên bản trong `note`. Nội dung (và trích yếu, nếu "
                "sửa) lấy từ tệp; các trường khác giữ nguyên. Tệp không phải DOCX, quá lớn "
                "hoặc có macro: 422, không có gì được lưu.",
                "tags": [OUTGOING_TAG],
                "requestBody": {
                    "required": True,
                    "content": {"multipart/form-data": {"schema": s.ref("OutgoingDocxUpload")}},
                },
                "responses": {
                    "200": _ok(
                        "Dự thảo với phiên bản mới, kèm các lưu ý khi đọc tệp.",
                        s.ref("OutgoingDocxResult"),
                    ),
                    **_errors(401, 403, 404, 409, 413, 415, 422, s409="WrongState"),
                },
            },
        },
        "/outgoing/{doc_id}/files/{attachment_id}": {
            "parameters": [doc_id, _path_id("attachment_id", "Mã tệp đính kèm.")],
            "get": {
                "operationId": "download_outgoing_file",
                "summary": "Tải một tệp đính kèm của văn bản đi",
                "tags": [OUTGOING_TAG],
                "responses": {
                    "200": {
                        "description": "Nội dung tệp; tên gốc trong Content-Disposition.",
                        "content": {"*/*": {"schema": {"type": "string"}}},
                    },
                    **_errors(401, 404),
                },
            },
        },
        "/outgoing/{doc_id}/signed.pdf": {
            "parameters": [doc_id],
            "get": {
                "operationId": "signed_pdf",
                "summary": "Tải bản PDF đã ký số",
                "description": "Bản PDF theo thể thức, có chữ ký số của người ký và của cơ quan. "
                "Có sau khi ký ban hành và hệ thống ký số xong; trước đó: 404.",
                "tags": [OUTGOING_TAG],
                "responses": {
                    "200": _pdf_ok("Tệp PDF đã ký số."),
                    **_errors(401, 404, s404="NotYetSigned"),
                },
            },
        },
        "/outgoing/{doc_id}/deliveries": {
            "parameters": [doc_id],
            "get": {
                "operationId": "outgoing_deliveries",
                "summary": "Tình trạng ở từng nơi nhận",
                "description": "Mỗi cơ quan nhận một dòng: 01 đã đến, 02 từ chối, 03 vào sổ, "
                "04 phân công, 05 đang xử lý, 06 hoàn thành, 13 thu hồi; 00 chờ gửi qua trục "
                "liên thông (cơ quan ngoài hệ thống).",
                "tags": [OUTGOING_TAG],
                "responses": {
                    "200": _ok("Các nơi nhận và trạng thái.", s.ref("DeliveryList")),
                    **_errors(401, 404),
                },
            },
        },
        **_outgoing_step_paths(doc_id),
        "/inbox": {
            "get": {
                "operationId": "inbox",
                "summary": "Văn bản trong hệ thống gửi đến cơ quan, chờ vào sổ",
                "description": "Mới đến trước. Chỉ văn thư và lãnh đạo thấy (người khác nhận "
                "danh sách rỗng).",
                "tags": [INBOX_TAG],
                "parameters": [
                    _limit_parameter(max_limit),
                    _query("cursor", "Giá trị next_cursor của trang trước.", s.STRING),
                ],
                "responses": {
                    "200": _ok("Một trang văn bản chờ vào sổ.", s.ref("Inbox")),
                    **_errors(401, 422),
                },
            }
        },
        "/inbox/{delivery_id}/register": {
            "parameters": [delivery_id],
            "post": {
                "operationId": "register_delivery",
                "summary": "Vào sổ văn bản gửi đến",
                "description": "Tạo văn bản đến (nguồn: trong hệ thống) với bản PDF đã ký số và "
                "tệp đính kèm, các trường lấy từ văn bản đi; nơi gửi thấy trạng thái 03. Chỉ "
                "văn thư. Nội dung JSON tùy chọn.",
                "tags": [INBOX_TAG],
                "requestBody": {"required": False, "content": _json(s.ref("DeliveryRegister"))},
                "responses": {
                    "201": {
                        "description": "Đã vào sổ.",
                        "headers": {
                            "Location": {
                                "description": "Địa chỉ của văn bản đến vừa vào sổ.",
                                "schema": {"type": "string"},
                            }
                        },
                        "content": _json(s.ref("IncomingDocumentDetail")),
                    },
                    **_errors(401, 403, 404, 409, 415, 422, s409="DeliveryHandled"),
                },
            },
        },
        "/inbox/{delivery_id}/signed.pdf": {
            "parameters": [delivery_id],
            "get": {
                "operationId": "inbox_signed_pdf",
                "summary": "Tải bản ký số của văn bản chờ vào sổ",
                "description": "Văn thư hoặc lãnh đạo của đơn vị nhận đọc văn bản trước khi vào "
                "sổ hoặc từ chối. 404 khi chưa có bản ký số hoặc văn bản đã bị thu hồi.",
                "tags": [INBOX_TAG],
                "responses": {
                    "200": {
                        "description": "Tệp PDF đã ký số.",
                        "content": {"application/pdf": {"schema": {"type": "string"}}},
                    },
                    **_errors(401, 403, 404),
                },
            },
        },
        "/inbox/{delivery_id}/reject": {
            "parameters": [delivery_id],
            "post": {
                "operationId": "reject_delivery",
                "summary": "Từ chối tiếp nhận văn bản gửi đến",
                "description": "Nơi gửi thấy trạng thái 02 kèm lý do (ít nhất 5 ký tự). Văn thư "
                "hoặc lãnh đạo.",
                "tags": [INBOX_TAG],
                "requestBody": {
                    "required": True,
                    "content": _json(_step_body(REJECT_DELIVERY)),
                },
                "responses": {
                    "200": _ok("Văn bản gửi đến sau khi từ chối.", s.ref("InboxItem")),
                    **_errors(401, 403, 404, 409, 415, 422, s409="DeliveryHandled"),
                },
            },
        },
    }


# The inter-agency exchange -------------------------------------------------------------------

EXCHANGE_TAG = "Liên thông văn bản"


def _no_body(description: str) -> Json:
    return {
        "required": False,
        "description": description,
        "content": _json(_step_body(exchange.NO_INPUT)),
    }


def _answer(operation: str, step: Step, summary: str, description: str, packet_id: Json) -> Json:
    body = (
        {"required": True, "content": _json(_step_body(step))}
        if step.required
        else _no_body("Không cần nội dung.")
    )
    return {
        "parameters": [packet_id],
        "post": {
            "operationId": operation,
            "summary": summary,
            "description": description,
            "tags": [EXCHANGE_TAG],
            "requestBody": body,
            "responses": {
                "200": _ok("Văn bản hoặc yêu cầu sau khi trả lời.", s.ref("ExchangePacketDetail")),
                **_errors(401, 403, 404, 409, 415, 422, s409="PacketHandled"),
            },
        },
    }


def _packet_log_parameters(max_limit: int) -> list[Json]:
    return [
        _query("direction", "out: gửi đi, in: nhận về.", {**s.STRING, "enum": ["out", "in"]}),
        _query(
            "kind",
            "document: văn bản, status: trạng thái.",
            {**s.STRING, "enum": ["document", "status"]},
        ),
        _query("state", "Tình trạng của gói tin.", s.PACKET_STATE),
        _query(
            "counterpart",
            "Một phần mã định danh hoặc tên cơ quan bên kia.",
            {**s.STRING, "maxLength": exchange.COUNTERPART_MAX},
        ),
        _query("date_from", "Từ ngày (giờ văn phòng), YYYY-MM-DD.", s.DATE),
        _query("date_to", "Đến hết ngày (giờ văn phòng), YYYY-MM-DD.", s.DATE),
        _limit_parameter(max_limit),
        _query("cursor", "Giá trị next_cursor của trang trước.", s.STRING),
    ]


def _exchange_paths(max_limit: int) -> Json:
    packet_id = _path_id("packet_id", "Mã gói tin nhận về (id trong /exchange/inbox).")
    return {
        "/exchange/inbox": {
            "get": {
                "operationId": "exchange_inbox",
                "summary": "Văn bản nhận qua trục liên thông chờ vào sổ, yêu cầu thu hồi",
                "description": "Văn bản cơ quan ngoài gửi đến chờ vào sổ và yêu cầu thu hồi "
                "chờ trả lời, mới đến trước. Chỉ văn thư và lãnh đạo (người khác: 403).",
                "tags": [EXCHANGE_TAG],
                "parameters": [
                    _limit_parameter(max_limit),
                    _query("cursor", "Giá trị next_cursor của trang trước.", s.STRING),
                ],
                "responses": {
                    "200": _ok("Một trang các mục chờ xử lý.", s.ref("ExchangeInbox")),
                    **_errors(401, 403, 422),
                },
            }
        },
        "/exchange/inbox/{packet_id}": {
            "parameters": [packet_id],
            "get": {
                "operationId": "get_exchange_packet",
                "summary": "Một văn bản hoặc yêu cầu thu hồi nhận qua trục",
                "description": "Các trường của văn bản theo gói tin, tệp đính kèm, câu trả lời "
                "đã gửi và các thao tác được làm lúc này. Gói tin của cơ quan khác: 404.",
                "tags": [EXCHANGE_TAG],
                "responses": {
                    "200": _ok("Văn bản nhận qua trục.", s.ref("ExchangePacketDetail")),
                    **_errors(401, 403, 404),
                },
            },
        },
        "/exchange/inbox/{packet_id}/files/{index}": {
            "parameters": [
                packet_id,
                _path_id("index", "Thứ tự tệp trong gói tin, từ 1 (xem files của chi tiết)."),
            ],
            "get": {
                "operationId": "download_exchange_file",
                "summary": "Tải một tệp của văn bản nhận qua trục",
                "description": "Đọc văn bản trước khi vào sổ hoặc từ chối; tên gốc nằm trong "
                "tiêu đề Content-Disposition. Văn bản đã thu hồi không còn tệp (404).",
                "tags": [EXCHANGE_TAG],
                "responses": {
                    "200": {
                        "description": "Nội dung tệp.",
                        "content": {"*/*": {"schema": {"type": "string"}}},
                    },
                    **_errors(401, 403, 404),
                },
            },
        },
        "/exchange/inbox/{packet_id}/register": {
            "parameters": [packet_id],
            "post": {
                "operationId": "register_exchange_packet",
                "summary": "Vào sổ văn bản nhận qua trục",
                "description": "Tạo văn bản đến (nguồn: trục liên thông) với các tệp của gói "
                "tin; nơi gửi nhận trạng thái 03 (đã tiếp nhận). Chỉ văn thư. Nội dung JSON "
                "tùy chọn: sổ đăng ký.",
                "tags": [EXCHANGE_TAG],
                "requestBody": {"required": False, "content": _json(s.ref("DeliveryRegister"))},
                "responses": {
                    "201": {
                        "description": "Đã vào sổ.",
                        "headers": {
                            "Location": {
                                "description": "Địa chỉ của văn bản đến vừa vào sổ.",
                                "schema": {"type": "string"},
                            }
                        },
                        "content": _json(s.ref("IncomingDocumentDetail")),
                    },
                    **_errors(401, 403, 404, 409, 415, 422, s409="PacketHandled"),
                },
            },
        },
        "/exchange/inbox/{packet_id}/reject": _answer(
            exchange.REJECT.name,
            exchange.REJECT,
            "Từ chối tiếp nhận văn bản nhận qua trục",
            "Nơi gửi nhận trạng thái 02 kèm lý do (ít nhất 5 ký tự). Văn thư hoặc lãnh đạo.",
            packet_id,
        ),
        "/exchange/inbox/{packet_id}/accept-recall": _answer(
            exchange.ACCEPT_RECALL.name,
            exchange.ACCEPT_RECALL,
            "Đồng ý thu hồi",
            "Văn bản bị thu hồi rời hộp chờ vào sổ, hoặc văn bản đến đã vào sổ được rút "
            "(hủy theo yêu cầu nơi gửi); nơi gửi nhận trạng thái 15. Văn thư hoặc lãnh đạo.",
            packet_id,
        ),
        "/exchange/inbox/{packet_id}/refuse-recall": _answer(
            exchange.REFUSE_RECALL.name,
            exchange.REFUSE_RECALL,
            "Từ chối thu hồi",
            "Nơi gửi nhận trạng thái 16 kèm lý do (ít nhất 5 ký tự). Văn thư hoặc lãnh đạo.",
            packet_id,
        ),
        "/exchange/check": {
            "post": {
                "operationId": "exchange_check",
                "summary": "Kiểm tra ngay: nhận văn bản đến từ trục liên thông",
                "description": "Như nút “Kiểm tra ngay” của văn thư: nhận mọi gói tin đang chờ "
                "trên trục và ghi một lượt kiểm tra. Trục không kết nối được cũng trả về 200, "
                "với ok: false, error nêu lý do và lượt ở trạng thái failed. Chỉ văn thư.",
                "tags": [EXCHANGE_TAG],
                "requestBody": _no_body("Không cần nội dung."),
                "responses": {
                    "200": _ok("Kết quả lượt kiểm tra.", s.ref("CheckResult")),
                    **_errors(401, 403, 415, 422),
                },
            }
        },
        "/exchange/checks/confirm": {
            "post": {
                "operationId": "confirm_exchange_check",
                "summary": "Đã kiểm tra: xác nhận lượt kiểm tra hiện tại",
                "description": "Xác nhận lượt kiểm tra chứa thời điểm này (một lần mỗi lượt; "
                "bấm lại trả về new: false). Ngoài mọi lượt (trước giờ kiểm tra đầu tiên, ngày "
                "nghỉ): 422. Chỉ văn thư.",
                "tags": [EXCHANGE_TAG],
                "requestBody": _no_body("Không cần nội dung."),
                "responses": {
                    "200": _ok("Lượt đã xác nhận.", s.ref("CheckConfirmation")),
                    **_errors(401, 403, 415, 422),
                },
            }
        },
        "/exchange/packets": {
            "get": {
                "operationId": "exchange_packets",
                "summary": "Nhật ký gói tin liên thông của cơ quan, mới nhất trước",
                "description": "Mọi gói tin gửi đi và nhận về (văn bản, trạng thái), kể cả văn "
                "bản đi gửi lần đầu tới cơ quan ngoài. Chỉ văn thư và quản trị.",
                "tags": [EXCHANGE_TAG],
                "parameters": _packet_log_parameters(max_limit),
                "responses": {
                    "200": _ok("Một trang nhật ký.", s.ref("PacketLog")),
                    **_errors(401, 403, 422),
                },
            }
        },
    }


# District directives -----------------------------------------------------------------------

GROUPS_TAG = "Nhóm nơi nhận"
TASKS_TAG = "Yêu cầu báo cáo (trường)"
BOARD_TAG = "Theo dõi báo cáo (nơi gửi)"


def _operation(
    operation: str,
    summary: str,
    description: str,
    tag: str,
    ok: Json,
    errors: Json,
    *,
    body: Json | None = None,
    parameters: list[Json] | None = None,
) -> Json:
    found: Json = {
        "operationId": operation,
        "summary": summary,
        "description": description,
        "tags": [tag],
        "responses": {**ok, **errors},
    }
    if body is not None:
        found["requestBody"] = body
    if parameters:
        found["parameters"] = parameters
    return found


def _body(name: str, *, required: bool = True, description: str | None = None) -> Json:
    found: Json = {"required": required, "content": _json(s.ref(name))}
    if description:
        found["description"] = description
    return found


def _board_parameters() -> list[Json]:
    from eoffice.directives.board import ANSWER_FILTERS, DELIVERY_FILTERS, SCHOOL_KINDS, SORTS

    def listed(labels: dict[str, str]) -> str:
        return "; ".join(f"{key}: {label}" for key, label in labels.items())

    flag: Json = {"type": "integer", "enum": [0, 1], "default": 0}
    return [
        _query(
            "status",
            f"Lọc theo tình trạng văn bản ở trường ({listed(DELIVERY_FILTERS)}).",
            {**s.STRING, "enum": list(DELIVERY_FILTERS)},
        ),
        _query(
            "answer",
            f"Lọc theo trả lời ({listed(ANSWER_FILTERS)}); xét yêu cầu request_id, hoặc mọi "
            "yêu cầu.",
            {**s.STRING, "enum": list(ANSWER_FILTERS)},
        ),
        _query("request_id", "Yêu cầu mà bộ lọc trả lời và cách sắp xếp xét đến.", s.ID),
        _query(
            "level",
            "Cấp học của trường.",
            {**s.STRING, "enum": [k.value for k in SCHOOL_KINDS]},
        ),
        _query("ward", "Phường, xã (đúng tên, xem wards).", {**s.STRING, "maxLength": 80}),
        _query("q", "Một phần tên trường, không phân biệt dấu.", {**s.STRING, "maxLength": 200}),
        _query(
            "sort",
            f"Sắp xếp ({listed(SORTS)}); trường không có giá trị ở cuối.",
            {**s.STRING, "enum": list(SORTS), "default": "name"},
        ),
        _query("desc", "1: giảm dần.", flag),
    ]


def _directive_paths(max_limit: int) -> Json:
    group_id = _path_id("group_id", "Mã nhóm riêng (id trong /directives/groups).")
    task_id = _path_id("task_id", "Mã nhiệm vụ báo cáo của một trường.")
    doc_id = _path_id("doc_id", "Mã văn bản đi.")
    delivery_id = _path_id("delivery_id", "Mã bản gửi đến của trường (id trong /inbox).")
    request_id = _path_id("request_id", "Mã yêu cầu báo cáo (requests của văn bản đi).")
    group_ok = _ok("Nhóm riêng.", s.ref("RecipientGroup"))
    task_ok = _ok("Nhiệm vụ báo cáo.", s.ref("DirectiveTask"))
    conflict = "DirectiveConflict"
    return {
        "/directives/groups": {
            "get": _operation(
                "directive_groups",
                "Các nhóm nơi nhận của cơ quan",
                "Nhóm có sẵn (tất cả các trường, theo cấp học, theo phường, xã) và nhóm riêng, "
                "mỗi nhóm với số trường và mã các trường sẽ nhận. Mọi người dùng của cơ quan "
                "(người soạn thảo chọn nhóm từ đây).",
                GROUPS_TAG,
                {"200": _ok("Các nhóm.", s.ref("RecipientGroupList"))},
                _errors(401),
            ),
            "post": _operation(
                "create_directive_group",
                "Tạo nhóm riêng",
                "Chỉ quản trị của cơ quan. Tên không trùng (không phân biệt dấu), ít nhất một "
                "trường đang hoạt động trong hệ thống.",
                GROUPS_TAG,
                {
                    "201": {
                        "description": "Đã tạo nhóm.",
                        "headers": {
                            "Location": {
                                "description": "Địa chỉ của nhóm.",
                                "schema": {"type": "string"},
                            }
                        },
                        "content": _json(s.ref("RecipientGroup")),
                    }
                },
                _errors(401, 403, 409, 415, 422, s409="GroupNameTaken"),
                body=_body("RecipientGroupInput"),
            ),
        },
        "/directives/groups/{group_id}": {
            "parameters": [group_id],
            "get": _operation(
                "get_directive_group",
                "Một nhóm riêng",
                "Chỉ quản trị; nhóm của cơ quan khác: 404.",
                GROUPS_TAG,
                {"200": group_ok},
                _errors(401, 403, 404),
            ),
            "put": _operation(
                "replace_directive_group",
                "Sửa nhóm riêng (thay toàn bộ)",
                "Chỉ quản trị. Trường không gửi nhận giá trị rỗng (tên và các trường là bắt "
                "buộc). Văn bản đã gửi giữ nguyên nơi nhận.",
                GROUPS_TAG,
                {"200": group_ok},
                _errors(401, 403, 404, 409, 415, 422, s409="GroupNameTaken"),
                body=_body("RecipientGroupInput"),
            ),
            "patch": _operation(
                "update_directive_group",
                "Sửa một phần nhóm riêng",
                "Chỉ quản trị. Chỉ các trường gửi lên thay đổi.",
                GROUPS_TAG,
                {"200": group_ok},
                _errors(401, 403, 404, 409, 415, 422, s409="GroupNameTaken"),
                body=_body("RecipientGroupInput"),
            ),
            "delete": _operation(
                "delete_directive_group",
                "Xóa nhóm riêng",
                "Chỉ quản trị. Văn bản đã gửi giữ nguyên nơi nhận.",
                GROUPS_TAG,
                {"200": _ok("Đã xóa.", s.ref("RecipientGroupDeleted"))},
                _errors(401, 403, 404),
            ),
        },
        "/directives/tasks": {
            "get": _operation(
                "directive_tasks",
                "Các yêu cầu báo cáo trường phải trả lời",
                "Văn thư, lãnh đạo thấy mọi nhiệm vụ của trường; người khác chỉ nhiệm vụ của "
                "văn bản mình được phân công. Mặc định: chưa trả lời và bị trả lại, hạn gần "
                "nhất trước; answered=1: đã trả lời, trả lời gần nhất trước. Phân trang bằng "
                "cursor như các danh sách khác (con trỏ của danh sách nào chỉ dùng cho danh "
                "sách đó).",
                TASKS_TAG,
                {"200": _ok("Một trang nhiệm vụ.", s.ref("DirectiveTaskList"))},
                _errors(401, 422),
                parameters=[
                    _query(
                        "answered",
                        "1: các nhiệm vụ đã trả lời.",
                        {"type": "integer", "enum": [0, 1], "default": 0},
                    ),
                    _limit_parameter(max_limit),
                    _query("cursor", "Giá trị next_cursor của trang trước.", s.STRING),
                ],
            ),
        },
        "/directives/tasks/{task_id}": {
            "parameters": [task_id],
            "get": _operation(
                "get_directive_task",
                "Một nhiệm vụ báo cáo của trường",
                "Mở nhiệm vụ được ghi là trường đã đọc văn bản (lần đầu). Nhiệm vụ của trường "
                "khác: 404.",
                TASKS_TAG,
                {"200": task_ok},
                _errors(401, 404),
            ),
        },
        "/directives/tasks/{task_id}/answer": {
            "parameters": [task_id],
            "post": _operation(
                "answer_directive_task",
                "Trả lời yêu cầu báo cáo",
                "Theo hình thức của yêu cầu: document cần reply_outgoing_id (văn bản đi đã ban "
                "hành của trường), file cần file, figure cần figure, text cần text (các hình "
                "thức khác nhận text làm ghi chú). Trả lời sau hạn vẫn được nhận và ghi trễ "
                "hạn; câu trả lời được sửa đến hết hạn. Nơi gửi nhận thông báo.",
                TASKS_TAG,
                {"200": _ok("Nhiệm vụ sau khi trả lời.", s.ref("DirectiveTask"))},
                _errors(401, 404, 409, 413, 415, 422, s409=conflict),
                body=_body("DirectiveAnswer"),
            ),
        },
        "/directives/tasks/{task_id}/file": {
            "parameters": [task_id],
            "get": _operation(
                "directive_task_file",
                "Tải tệp trả lời",
                "Cho trường đã trả lời và cho nơi gửi theo dõi văn bản; tên gốc trong "
                "Content-Disposition.",
                TASKS_TAG,
                {
                    "200": {
                        "description": "Nội dung tệp.",
                        "content": {"*/*": {"schema": {"type": "string"}}},
                    }
                },
                _errors(401, 404),
            ),
        },
        "/directives/tasks/{task_id}/return": {
            "parameters": [task_id],
            "post": _operation(
                "return_directive_task",
                "Trả lại câu trả lời để trường bổ sung",
                "Nơi gửi: người soạn, người ký, lãnh đạo (người khác: 403). Trường nhận thông "
                "báo kèm nội dung cần bổ sung và trả lời lại.",
                BOARD_TAG,
                {"200": _ok("Nhiệm vụ sau khi trả lại.", s.ref("DirectiveTask"))},
                _errors(401, 403, 404, 409, 415, 422, s409=conflict),
                body=_body("ReturnInput"),
            ),
        },
        "/inbox/{delivery_id}/acknowledge": {
            "parameters": [delivery_id],
            "post": _operation(
                "acknowledge_delivery",
                "Xác nhận đã nhận, đã triển khai",
                "Văn thư hoặc lãnh đạo của trường nhận; một lần (ghi chú sửa được sau). Nơi "
                "gửi thấy trên bảng theo dõi.",
                TASKS_TAG,
                {"200": _ok("Văn bản đã xác nhận.", s.ref("DirectiveDelivery"))},
                _errors(401, 403, 404, 409, 415, 422, s409=conflict),
                body=_body("Acknowledgement", required=False),
            ),
        },
        "/outgoing/{doc_id}/board": {
            "parameters": [doc_id],
            "get": _operation(
                "directive_board",
                "Bảng theo dõi trả lời của các trường",
                "Mỗi trường nhận một dòng: đã đến, vào sổ, đã đọc, phân công, xác nhận triển "
                "khai, và từng yêu cầu (đúng hạn, trễ hạn, quá hạn chưa nộp, chưa đến hạn, trả "
                "lại). Người soạn, người ký, văn thư và lãnh đạo của nơi gửi; văn bản đã ban "
                "hành hoặc thu hồi. Người khác: 404.",
                BOARD_TAG,
                {"200": _ok("Bảng theo dõi.", s.ref("DirectiveBoard"))},
                _errors(401, 404, 422),
                parameters=_board_parameters(),
            ),
        },
        "/outgoing/{doc_id}/requests/{request_id}/extend": {
            "parameters": [doc_id, request_id],
            "post": _operation(
                "extend_directive_request",
                "Gia hạn yêu cầu báo cáo",
                "Cho một trường (school_id: chỉ trạng thái của trường đó đổi) hoặc mọi trường "
                "chưa trả lời. Người soạn, người ký, lãnh đạo. Các trường được gia hạn nhận "
                "thông báo.",
                BOARD_TAG,
                {"200": _ok("Đã gia hạn.", s.ref("ExtendResult"))},
                _errors(401, 403, 404, 409, 415, 422, s409=conflict),
                body=_body("ExtendInput"),
            ),
        },
        "/outgoing/{doc_id}/remind": {
            "parameters": [doc_id],
            "post": _operation(
                "remind_directive",
                "Nhắc các trường chưa trả lời",
                "Gửi thông báo (và thư điện tử) ngay tới văn thư, lãnh đạo của các trường chưa "
                "trả lời; trường đã trả lời không bao giờ bị nhắc. Không có trường nào để "
                "nhắc: 409.",
                BOARD_TAG,
                {"200": _ok("Đã nhắc.", s.ref("RemindResult"))},
                _errors(401, 404, 409, 415, 422, s409=conflict),
                body=_body("RemindInput", required=False),
            ),
        },
        "/directives/rollup": {
            "get": _operation(
                "directive_rollup",
                "Tổng hợp báo cáo của Phòng",
                "Trên mọi yêu cầu còn mở: các trường trễ nhiều nhất, các yêu cầu quá hạn nhiều "
                "nhất. Chỉ lãnh đạo Phòng.",
                BOARD_TAG,
                {"200": _ok("Tổng hợp.", s.ref("DirectiveRollup"))},
                _errors(401, 403),
            ),
        },
    }
