"""Component schemas of the OpenAPI description: one per shape built in api.schemas.

Objects are closed and every property is required (present, possibly null), because
the serialisers always write every key; the tests validate real answers against these.
"""

from __future__ import annotations

from typing import Any

from eoffice.api.outgoing_parsing import (
    GROUP_KEY_MAX,
    GROUPS_MAX,
    NOTE_MAX,
    RECIPIENT_KINDS,
    RECIPIENT_NAME_MAX,
    STRING_LIMITS,
)
from eoffice.api.outgoing_parsing import STEPS as OUTGOING_STEPS
from eoffice.api.parsing import MAX_ID, MAX_NOTES
from eoffice.api.steps import STEPS
from eoffice.directives.answers import MAX_NOTE as MAX_NOTE_ACK
from eoffice.directives.answers import MAX_TEXT as MAX_ANSWER_TEXT
from eoffice.directives.board import AnswerStatus
from eoffice.directives.groups import MAX_DESCRIPTION as MAX_GROUP_DESCRIPTION
from eoffice.directives.groups import MAX_NAME as MAX_GROUP_NAME
from eoffice.directives.models import AnswerForm, TaskState
from eoffice.directives.requests import MAX_WHAT
from eoffice.directives.tracking import MAX_REASON
from eoffice.exchange.packet_log import STATE_LABELS as PACKET_LOG_STATES
from eoffice.incoming.models import IncomingState, Source
from eoffice.outgoing.models import DeliveryStatus
from eoffice.outgoing.word import DOCX_MIME
from workflows import assignment as assignment_flow
from workflows import outgoing as outgoing_flow
from workflows.calendar import DueState

Json = dict[str, Any]

STRING: Json = {"type": "string"}
INTEGER: Json = {"type": "integer"}
BOOLEAN: Json = {"type": "boolean"}
ID: Json = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
DATE: Json = {"type": "string", "format": "date", "description": "YYYY-MM-DD."}
DATETIME: Json = {
    "type": "string",
    "format": "date-time",
    "description": "ISO 8601, giờ văn phòng Asia/Ho_Chi_Minh (+07:00).",
}
STATE: Json = {"type": "string", "enum": [x.value for x in IncomingState]}
SOURCE: Json = {"type": "string", "enum": [x.value for x in Source]}
STEP: Json = {"type": "string", "enum": list(STEPS)}
DUE_STATE: Json = {"type": "string", "enum": [x.value for x in DueState]}
ASSIGNMENT_KIND: Json = {"type": "string", "enum": list(assignment_flow.KIND_LABELS)}
ASSIGNMENT_STATE: Json = {"type": "string", "enum": list(assignment_flow.WORKFLOW.state_codes)}
# What the API accepts for arrived_at: a time is required, the offset is optional.
LOCAL_OR_OFFSET_DATETIME: Json = {
    "type": "string",
    "pattern": r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})?$",
    "description": "ISO 8601 có giờ; không có độ lệch thì hiểu là giờ văn phòng (+07:00). "
    "Bỏ trống: thời điểm hiện tại.",
}

# status → (component name, description)
ERROR_RESPONSES: dict[int, tuple[str, str]] = {
    401: ("Unauthorized", "Thiếu mã API, mã sai hoặc đã bị thu hồi (code: unauthorized)."),
    403: ("Forbidden", "Vai trò của người dùng không cho phép thao tác này (code: forbidden)."),
    404: (
        "NotFound",
        "Không tìm thấy, hoặc dữ liệu thuộc cơ quan khác (code: not_found).",
    ),
    409: (
        "PossibleDuplicate",
        "Văn bản có thể đã vào sổ (code: possible_duplicate); các văn bản trước đó nằm "
        "trong error.duplicates. Gửi lại với confirm_duplicate: true để vẫn vào sổ.",
    ),
    413: ("TooLarge", "Nội dung gửi lên quá lớn (code: too_large)."),
    415: (
        "UnsupportedMediaType",
        "Chỉ nhận application/json hoặc multipart/form-data (code: unsupported_media_type).",
    ),
    422: (
        "ValidationFailed",
        "Dữ liệu không hợp lệ (code: validation_failed); error.fields nêu lỗi của từng "
        "trường. Không có gì được lưu.",
    ),
}


# Errors whose status has a second meaning on some routes: component name → description.
EXTRA_ERROR_RESPONSES: dict[str, str] = {
    "WrongState": "Bước này không thực hiện được ở trạng thái hiện tại của văn bản hoặc "
    "phần việc (code: conflict); error.message nói rõ vì sao. Không có gì thay đổi.",
    "NotYetSigned": "Văn bản chưa có bản PDF đã ký số (chưa ký ban hành, hoặc hệ thống đang "
    "ký số), hoặc không tìm thấy văn bản (code: not_found).",
    "PacketHandled": "Văn bản hoặc yêu cầu thu hồi này đã được trả lời (vào sổ, từ chối, "
    "đồng ý hoặc từ chối thu hồi), hoặc thao tác không hợp với nó (vào sổ một yêu cầu thu "
    "hồi…) (code: conflict); error.message nói rõ. Không có gì thay đổi.",
    "DeliveryHandled": "Văn bản gửi đến này đã được vào sổ, đã bị từ chối hoặc thu hồi, hoặc "
    "đang được ký số (code: conflict); error.message nói rõ. Không có gì thay đổi.",
    "GroupNameTaken": "Cơ quan đã có nhóm cùng tên (code: conflict). Không có gì thay đổi.",
    "DirectiveConflict": "Thao tác không hợp với tình trạng hiện tại (code: conflict): văn bản "
    "đã bị thu hồi, đã quá hạn nên không sửa được câu trả lời, trường đã trả lời nên không "
    "cần gia hạn, câu trả lời chưa nộp nên không trả lại được, không còn trường nào chưa trả "
    "lời để nhắc…; error.message nói rõ. Không có gì thay đổi.",
}


def ref(name: str) -> Json:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: Json) -> Json:
    if "$ref" in schema:
        return {"anyOf": [schema, {"type": "null"}]}
    return {**schema, "type": [schema["type"], "null"]}


def closed(properties: Json, *, required: list[str] | None = None, **extra: Any) -> Json:
    return {
        "type": "object",
        "additionalProperties": False,
        "required": list(properties) if required is None else required,
        "properties": properties,
        **extra,
    }


def array(items: Json) -> Json:
    return {"type": "array", "items": items}


def _document_properties() -> Json:
    return {
        "id": ID,
        "url": {**STRING, "description": "Địa chỉ của văn bản trong API."},
        "arrival_number": {**INTEGER, "description": "Số đến trong sổ đăng ký."},
        "register_book": closed(
            {
                "id": ID,
                "code": STRING,
                "name": STRING,
                "year": INTEGER,
                "is_confidential": BOOLEAN,
            }
        ),
        "arrived_at": {**DATETIME, "description": "Thời điểm đến (+07:00)."},
        "registered_at": {**DATETIME, "description": "Thời điểm vào sổ (+07:00)."},
        "registered_by": nullable(ref("PersonRef")),
        "sender": closed({"org_id": nullable(ID), "name": STRING, "agency_code": nullable(STRING)}),
        "symbol": {**STRING, "description": "Số, ký hiệu như ghi trên văn bản."},
        "code_number": nullable(STRING),
        "code_notation": nullable(STRING),
        "document_date": nullable(DATE),
        "document_type": closed({"id": ID, "name": STRING}),
        "subject": {**STRING, "description": "Trích yếu nội dung."},
        "signer_name": nullable(STRING),
        "signer_position": nullable(STRING),
        "page_count": nullable(INTEGER),
        "urgency": ref("CodeName"),
        "confidentiality": ref("CodeName"),
        "source": SOURCE,
        "source_label": STRING,
        "recipient_unit": nullable(ref("UnitRef")),
        "recipient_user": nullable(ref("PersonRef")),
        "deadline": nullable({**DATE, "description": "Hạn xử lý, YYYY-MM-DD."}),
        "notes": nullable(STRING),
        "state": STATE,
        "state_label": STRING,
        "cancel_reason": nullable(STRING),
        "reply_reference": nullable(
            {**STRING, "description": "Số, ký hiệu văn bản trả lời, ghi khi hoàn thành xử lý."}
        ),
        "updated_at": DATETIME,
        "attachments": array(ref("Attachment")),
    }


def _assignment_properties() -> Json:
    return {
        "id": ID,
        "kind": {
            **ASSIGNMENT_KIND,
            "description": "lead: chủ trì, coordinator: phối hợp, informed: để biết.",
        },
        "kind_label": STRING,
        "party": {**STRING, "description": "Người hoặc đơn vị nhận: user:<mã> hoặc unit:<mã>."},
        "holder_label": STRING,
        "user": nullable(ref("PersonRef")),
        "unit": nullable(ref("UnitRef")),
        "state": ASSIGNMENT_STATE,
        "state_label": STRING,
        "is_current": {**BOOLEAN, "description": "false khi đã giao người khác hoặc thu hồi."},
        "deadline": nullable(DATE),
        "instruction": nullable(STRING),
        "progress_percent": {**INTEGER, "minimum": 0, "maximum": 100},
        "result": nullable(STRING),
        "result_files": {
            **array(ref("Attachment")),
            "description": "Tệp kết quả người giữ phần việc đã nộp.",
        },
        "assigned_by": nullable(ref("PersonRef")),
        "assigned_at": DATETIME,
        "updated_at": DATETIME,
    }


def _create_properties() -> Json:
    """Fields of POST /incoming; null means "not given" (the default applies)."""
    return {
        "sender_name": nullable(
            {
                **STRING,
                "maxLength": 200,
                "description": "Cơ quan gửi (bắt buộc nếu không có sender_org_id).",
            }
        ),
        "sender_org_id": nullable({**ID, "description": "Mã cơ quan gửi trong danh bạ."}),
        "sender_agency_code": nullable({**STRING, "description": "Mã định danh cơ quan gửi."}),
        "symbol": nullable({**STRING, "description": "Số, ký hiệu, ví dụ 3337/GDĐT-TTTT."}),
        "document_date": nullable(DATE),
        "document_type_id": {**ID, "description": "Mã tên loại văn bản (xem /catalog)."},
        "subject": {**STRING, "maxLength": 500, "description": "Trích yếu nội dung."},
        "signer_name": nullable({**STRING, "maxLength": 100}),
        "signer_position": nullable({**STRING, "maxLength": 100}),
        "page_count": nullable({**INTEGER, "minimum": 1, "maximum": 10000}),
        "urgency_code": nullable({**STRING, "default": "normal"}),
        "confidentiality_code": nullable({**STRING, "default": "normal"}),
        "source": nullable({**SOURCE, "default": "paper"}),
        "recipient_unit_id": nullable(ID),
        "recipient_user_id": nullable(ID),
        "deadline": nullable(DATE),
        "notes": nullable({**STRING, "maxLength": MAX_NOTES}),
        "arrived_at": nullable(LOCAL_OR_OFFSET_DATETIME),
        "book_code": nullable(
            {
                **STRING,
                "default": "general",
                "description": "Mã sổ đăng ký (xem /catalog); văn bản mật luôn vào sổ mật.",
            }
        ),
        "confirm_duplicate": nullable(
            {**BOOLEAN, "default": False, "description": "Vẫn vào sổ dù có thể trùng."}
        ),
    }


def _form_properties() -> Json:
    """The same fields as multipart text parts; empty means "not given"."""
    text = {
        name: {"type": "string", "description": schema.get("description", "")}
        for name, schema in _create_properties().items()
    }
    return {
        **text,
        "files": array({"type": "string", "contentMediaType": "application/octet-stream"}),
    }


def schemas() -> Json:
    return {
        "Error": closed(
            {
                "error": closed(
                    {
                        "code": {**STRING, "description": "Mã lỗi cho máy đọc."},
                        "message": {**STRING, "description": "Thông báo tiếng Việt."},
                        "fields": {
                            "type": "object",
                            "additionalProperties": STRING,
                            "description": "Lỗi của từng trường: tên trường → thông báo.",
                        },
                        "duplicates": array(ref("Duplicate")),
                    },
                    required=["code", "message"],
                )
            }
        ),
        "Duplicate": closed(
            {
                "id": ID,
                "url": STRING,
                "arrival_number": INTEGER,
                "arrived_at": DATETIME,
                "register_book_id": ID,
                "sender_name": STRING,
                "symbol": STRING,
                "document_date": nullable(DATE),
                "subject": STRING,
            }
        ),
        "PersonRef": closed({"id": ID, "full_name": STRING}),
        "UnitRef": closed({"id": ID, "name": STRING}),
        "CodeName": closed({"code": STRING, "name": STRING}),
        "Attachment": closed(
            {
                "id": ID,
                "name": {**STRING, "description": "Tên tệp gốc."},
                "size": {**INTEGER, "description": "Dung lượng, byte."},
                "mime_type": STRING,
                "sha256": {**STRING, "pattern": "^[0-9a-f]{64}$"},
                "added_at": DATETIME,
                "download_url": {**STRING, "description": "Địa chỉ tải tệp trong API."},
            }
        ),
        "HistoryEvent": closed(
            {
                "id": ID,
                "at": DATETIME,
                "action": STRING,
                "action_label": STRING,
                "actor": nullable(ref("PersonRef")),
                "changes": {"type": "object", "description": "Chi tiết thay đổi."},
                "note": nullable(STRING),
            }
        ),
        "IncomingDocument": closed(_document_properties()),
        "Assignment": closed(_assignment_properties()),
        "AvailableStep": closed(
            {
                "step": {**STEP, "description": "Tên bước, dùng trong địa chỉ /steps/{step}."},
                "label": STRING,
                "url": {**STRING, "description": "Địa chỉ gửi POST để thực hiện bước."},
                "fields": {**array(STRING), "description": "Các trường bước này nhận."},
                "required": {**array(STRING), "description": "Các trường bắt buộc."},
            }
        ),
        "WorkItem": closed(
            {
                "part": ref("Assignment"),
                "due_state": {
                    **DUE_STATE,
                    "description": "overdue: quá hạn, due_today: đến hạn hôm nay, due_soon: "
                    "sắp đến hạn, upcoming: còn hạn, none: không có hạn (theo ngày làm việc, "
                    "giờ văn phòng).",
                },
                "due_state_label": STRING,
                "document": closed(
                    {
                        "id": ID,
                        "url": STRING,
                        "arrival_number": INTEGER,
                        "symbol": STRING,
                        "sender_name": STRING,
                        "subject": STRING,
                        "urgency": ref("CodeName"),
                        "state": STATE,
                        "state_label": STRING,
                    }
                ),
            }
        ),
        "WorkList": closed(
            {
                "items": array(ref("WorkItem")),
                "limit": INTEGER,
                "next_cursor": nullable(
                    {**STRING, "description": "Gửi trong tham số cursor để lấy trang sau."}
                ),
            }
        ),
        "IncomingDocumentDetail": closed(
            {
                **_document_properties(),
                "history": array(ref("HistoryEvent")),
                "assignments": {
                    **array(ref("Assignment")),
                    "description": "Các phần việc được giao, kể cả phần đã kết thúc.",
                },
                "available_steps": {
                    **array(ref("AvailableStep")),
                    "description": "Các bước người dùng của mã API được thực hiện lúc này.",
                },
            }
        ),
        "IncomingList": closed(
            {
                "items": array(ref("IncomingDocument")),
                "limit": INTEGER,
                "next_cursor": nullable(
                    {**STRING, "description": "Gửi trong tham số cursor để lấy trang sau."}
                ),
            }
        ),
        "FileUpload": closed(
            {
                "name": {**STRING, "minLength": 1, "description": "Tên tệp, có phần mở rộng."},
                "content_base64": {**STRING, "contentEncoding": "base64"},
            }
        ),
        "IncomingCreate": closed(
            {**_create_properties(), "files": nullable(array(ref("FileUpload")))},
            required=["subject", "document_type_id"],
        ),
        "IncomingCreateForm": closed(_form_properties(), required=["subject", "document_type_id"]),
        "Organisation": closed(
            {
                "id": ID,
                "name": STRING,
                "short_name": nullable(STRING),
                "agency_code": nullable(STRING),
                "kind": STRING,
                "kind_label": STRING,
            }
        ),
        "Me": closed(
            {
                "user": closed(
                    {
                        "id": ID,
                        "email": STRING,
                        "full_name": STRING,
                        "title": nullable(STRING),
                        "roles": array(STRING),
                        "role_labels": array(STRING),
                        "unit": nullable(ref("UnitRef")),
                        "can_register": {
                            **BOOLEAN,
                            "description": "Người dùng được vào sổ văn bản đến.",
                        },
                    }
                ),
                "organisation": ref("Organisation"),
            }
        ),
        "Catalog": closed(
            {
                "document_types": array(
                    closed({"id": ID, "name": STRING, "abbreviation": nullable(STRING)})
                ),
                "urgency_levels": array(
                    closed({"code": STRING, "name": STRING, "rank": INTEGER, "is_urgent": BOOLEAN})
                ),
                "confidentiality_levels": array(
                    closed({"code": STRING, "name": STRING, "rank": INTEGER, "is_secret": BOOLEAN})
                ),
                "sources": array(closed({"code": SOURCE, "name": STRING})),
                "states": array(closed({"code": STATE, "name": STRING})),
                "register_books": array(
                    closed(
                        {
                            "code": STRING,
                            "name": STRING,
                            "year": INTEGER,
                            "is_confidential": BOOLEAN,
                        }
                    )
                ),
                "units": array(closed({"id": ID, "name": STRING, "short_name": nullable(STRING)})),
                "users": array(
                    closed(
                        {
                            "id": ID,
                            "full_name": STRING,
                            "title": nullable(STRING),
                            "unit_id": nullable(ID),
                        }
                    )
                ),
            }
        ),
    }


def error_responses() -> Json:
    responses: Json = {}
    for name, description in ERROR_RESPONSES.values():
        responses[name] = {
            "description": description,
            "content": {"application/json": {"schema": ref("Error")}},
        }
    for name, description in EXTRA_ERROR_RESPONSES.items():
        responses[name] = {
            "description": description,
            "content": {"application/json": {"schema": ref("Error")}},
        }
    responses["Unauthorized"]["headers"] = {
        "WWW-Authenticate": {"description": "Bearer", "schema": STRING}
    }
    return responses


# Outgoing documents and the inbox (api.outgoing_schemas) --------------------------------

OUTGOING_STATE: Json = {"type": "string", "enum": list(outgoing_flow.STATE_LABELS)}
OUTGOING_STEP: Json = {"type": "string", "enum": list(OUTGOING_STEPS)}
DELIVERY_STATUS: Json = {
    "type": "string",
    "enum": [x.value for x in DeliveryStatus],
    "description": "00 chờ gửi qua trục liên thông, 01 đã đến, 02 từ chối tiếp nhận, 03 đã vào "
    "sổ, 04 đã phân công, 05 đang xử lý, 06 đã hoàn thành, 13 đã thu hồi; 16 (chỉ trong "
    "diễn biến) nơi nhận từ chối thu hồi.",
}
RECIPIENT_KIND: Json = {
    "type": "string",
    "enum": list(RECIPIENT_KINDS),
    "description": "member: cơ quan trong hệ thống (org_id, nhận ngay), external: cơ quan "
    "ngoài theo mã định danh (agency_code; mã của cơ quan trong hệ thống cũng được nhận "
    "ngay), text: chỉ ghi một dòng ở “Nơi nhận” (name).",
}
_CURSOR: Json = {**STRING, "description": "Gửi trong tham số cursor để lấy trang sau."}
EXCHANGE_SEND_STATES = ("queued", "sent", "failed", "recalled")


def _limited(name: str, schema: Json) -> Json:
    limit = STRING_LIMITS.get(name)
    return {**schema, "maxLength": limit} if limit else schema


def _draft_properties() -> Json:
    """Fields of POST and PUT /outgoing; null or absent means the default."""
    text = {
        "subject": {**STRING, "maxLength": 500, "description": "Trích yếu nội dung."},
        "body_html": {
            **STRING,
            "description": "Nội dung dạng HTML (đoạn, đậm, nghiêng, danh sách, bảng); "
            "thẻ khác bị loại bỏ.",
        },
        "body_text": {
            **STRING,
            "description": "Nội dung dạng văn bản thường, mỗi đoạn cách một dòng trống; "
            "dùng khi không gửi body_html.",
        },
        "addressees": {**STRING, "description": "Các dòng “Kính gửi:”, mỗi dòng một nơi."},
        "symbol_unit": {
            **STRING,
            "description": "Chữ viết tắt đơn vị hoặc lĩnh vực trong ký hiệu công văn "
            "(TTTT trong 05/GDĐT-TTTT).",
        },
        "capacity": {
            **STRING,
            "enum": ["", "TM", "KT", "Q", "TL", "TUQ"],
            "description": "Thẩm quyền ký; bỏ trống: theo người ký (cấp phó ký KT.).",
        },
        "capacity_title": {
            **STRING,
            "description": "Chức danh sau thẩm quyền ký, ví dụ HIỆU TRƯỞNG trong KT. HIỆU TRƯỞNG.",
        },
        "signer_title": {**STRING, "description": "Chức danh của người ký."},
        "urgency_code": {**STRING, "default": "normal", "description": "Mã độ khẩn (/catalog)."},
        "confidentiality_code": {
            **STRING,
            "default": "normal",
            "description": "Mã độ mật (/catalog); văn bản mật lấy số ở sổ mật.",
        },
        "circulation": {**STRING, "description": "Phạm vi lưu hành, ví dụ LƯU HÀNH NỘI BỘ."},
    }
    properties: Json = {name: nullable(_limited(name, schema)) for name, schema in text.items()}
    properties["subject"] = text["subject"]
    properties["capacity"]["enum"] = [*text["capacity"]["enum"], None]  # null: the default
    properties.update(
        {
            "document_type_id": {**ID, "description": "Mã tên loại văn bản (xem /catalog)."},
            "signer_id": nullable(
                {**ID, "description": "Người ký đề xuất (xem /outgoing/choices)."}
            ),
            "copies": nullable({**INTEGER, "minimum": 1, "maximum": 10000}),
            "recipients": nullable(
                {**array(ref("RecipientInput")), "description": "Nơi nhận, theo thứ tự in."}
            ),
            "reply_to_id": nullable({**ID, "description": "Văn bản đến được trả lời."}),
            "completes_reply": nullable(
                {
                    **BOOLEAN,
                    "default": False,
                    "description": "Ký ban hành thì hoàn thành phần chủ trì xử lý văn bản đến "
                    "được trả lời.",
                }
            ),
            "replaces_id": nullable({**ID, "description": "Văn bản đi đã ban hành được thay thế."}),
            "files": nullable(
                {**array(ref("FileUpload")), "description": "Tệp đính kèm, thêm vào văn bản."}
            ),
            "groups": nullable(
                {
                    **array({**STRING, "maxLength": GROUP_KEY_MAX}),
                    "maxItems": GROUPS_MAX,
                    "description": "Nhóm nơi nhận (key trong /directives/groups: all, "
                    "level:primary, ward:Phường 5, custom:12): các trường của nhóm được thêm "
                    "vào nơi nhận (mỗi trường một lần), sau các nơi nhận ghi từng nơi và trước "
                    "dòng ghi thêm đầu tiên. Nhóm không được lưu trên văn bản.",
                }
            ),
            "requests": nullable(
                {
                    **array(ref("ReportRequestInput")),
                    "description": "Yêu cầu báo cáo (tối đa 5): mỗi trường nhận được thấy "
                    "một nhiệm vụ với hạn riêng khi văn bản được ban hành. Thay toàn bộ khi "
                    "sửa dự thảo.",
                }
            ),
        }
    )
    return properties


def _outgoing_properties() -> Json:
    return {
        "id": ID,
        "url": {**STRING, "description": "Địa chỉ của văn bản đi trong API."},
        "state": OUTGOING_STATE,
        "state_label": STRING,
        "state_reason": nullable(
            {**STRING, "description": "Ý kiến trả lại, lý do không ban hành, hủy hoặc thu hồi."}
        ),
        "document_type": closed({"id": ID, "name": STRING}),
        "subject": STRING,
        "addressees": nullable(STRING),
        "symbol_unit": nullable(STRING),
        "signer": nullable(ref("PersonRef")),
        "capacity": {**STRING, "description": "TM, KT, Q, TL, TUQ hoặc rỗng (ký trực tiếp)."},
        "capacity_title": nullable(STRING),
        "signer_title": nullable(STRING),
        "urgency": ref("CodeName"),
        "confidentiality": ref("CodeName"),
        "circulation": nullable(STRING),
        "copies": nullable(INTEGER),
        "drafter": ref("PersonRef"),
        "drafting_unit": nullable(ref("UnitRef")),
        "version": {**INTEGER, "description": "Số phiên bản nội dung hiện tại."},
        "review_round": {**INTEGER, "description": "Số lần đã trình duyệt."},
        "register_book": nullable(
            closed(
                {
                    "id": ID,
                    "code": STRING,
                    "name": STRING,
                    "year": INTEGER,
                    "is_confidential": BOOLEAN,
                }
            )
        ),
        "number": nullable({**INTEGER, "description": "Số văn bản, cấp khi ký ban hành."}),
        "symbol": nullable({**STRING, "description": "Số, ký hiệu, ví dụ 05/KH-GDĐT."}),
        "document_date": nullable({**DATE, "description": "Ngày ban hành."}),
        "issued_at": nullable(DATETIME),
        "place_name": nullable(STRING),
        "signed_pdf_url": nullable(
            {**STRING, "description": "Địa chỉ tải bản PDF đã ký số; null khi chưa có."}
        ),
        "replaces_id": nullable(ID),
        "reply_to_id": nullable(ID),
        "completes_reply": BOOLEAN,
        "recipients": array(ref("OutgoingRecipient")),
        "attachments": array(ref("OutgoingAttachment")),
        "created_at": DATETIME,
        "updated_at": DATETIME,
    }


def _delivery_schemas() -> Json:
    return {
        "DeliveryEvent": closed(
            {
                "status": DELIVERY_STATUS,
                "status_label": STRING,
                "at": DATETIME,
                "note": nullable(STRING),
            }
        ),
        "Delivery": closed(
            {
                "id": ID,
                "recipient": closed(
                    {"org_id": nullable(ID), "name": STRING, "agency_code": nullable(STRING)}
                ),
                "channel": {**STRING, "enum": ["internal", "exchange"]},
                "channel_label": STRING,
                "status": DELIVERY_STATUS,
                "status_label": STRING,
                "status_at": DATETIME,
                "reason": nullable({**STRING, "description": "Lý do từ chối hoặc thu hồi."}),
                "events": {
                    **array(ref("DeliveryEvent")),
                    "description": "Các trạng thái đã qua, cũ nhất trước.",
                },
                "exchange_state": {
                    "type": ["string", "null"],
                    "enum": [*EXCHANGE_SEND_STATES, None],
                    "description": "Gửi qua trục liên thông: queued chờ gửi, sent trục đã "
                    "nhận, failed gửi không thành công (đang thử lại hoặc chờ Gửi lại), "
                    "recalled thu hồi trước khi gửi; null: gửi trong hệ thống.",
                },
                "attempts": {
                    **INTEGER,
                    "minimum": 0,
                    "description": "Số lần đã thử gửi lên trục (0 với bản gửi trong hệ thống).",
                },
                "last_error": nullable(
                    {**STRING, "description": "Lỗi của lần gửi lên trục gần nhất."}
                ),
                "sent_at": nullable({**DATETIME, "description": "Thời điểm trục nhận gói tin."}),
            }
        ),
        "DeliveryList": closed({"items": array(ref("Delivery"))}),
        "InboxItem": closed(
            {
                "id": {**ID, "description": "Mã của bản gửi đến (dùng trong /inbox/{id}/…)."},
                "status": DELIVERY_STATUS,
                "status_label": STRING,
                "status_at": DATETIME,
                "arrived_at": DATETIME,
                "reason": nullable(STRING),
                "sender": closed({"org_id": ID, "name": STRING, "agency_code": nullable(STRING)}),
                "symbol": nullable(STRING),
                "document_date": nullable(DATE),
                "document_type": closed({"id": ID, "name": STRING}),
                "subject": STRING,
                "signer_name": nullable(STRING),
                "signer_title": nullable(STRING),
                "urgency": ref("CodeName"),
                "confidentiality": ref("CodeName"),
                "attachment_count": {**INTEGER, "description": "Số tệp đính kèm ngoài bản PDF."},
                "register_url": STRING,
                "reject_url": STRING,
            }
        ),
        "Inbox": closed(
            {"items": array(ref("InboxItem")), "limit": INTEGER, "next_cursor": nullable(_CURSOR)}
        ),
        "DeliveryRegister": closed(
            {
                "book_code": nullable(
                    {
                        **STRING,
                        "default": "general",
                        "description": "Mã sổ đăng ký văn bản đến; văn bản mật luôn vào sổ mật.",
                    }
                )
            },
            required=[],
        ),
    }


def outgoing_schemas() -> Json:
    """Component schemas of /outgoing and /inbox, merged into the document's components."""
    return {
        "OutgoingRecipient": closed(
            {
                "kind": RECIPIENT_KIND,
                "org_id": nullable(ID),
                "agency_code": nullable(STRING),
                "name": {**STRING, "description": "Tên in ở “Nơi nhận”."},
                "addressed": {**BOOLEAN, "description": "Cũng ghi sau “Kính gửi:”."},
            }
        ),
        "RecipientInput": closed(
            {
                "kind": RECIPIENT_KIND,
                "org_id": nullable(ID),
                "agency_code": nullable({**STRING, "description": "Mã định danh cơ quan."}),
                "name": nullable(
                    {
                        **STRING,
                        "maxLength": RECIPIENT_NAME_MAX,
                        "description": "Tên in ở “Nơi nhận”; bỏ trống: tên cơ quan.",
                    }
                ),
                "addressed": nullable({**BOOLEAN, "default": False}),
            },
            required=["kind"],
        ),
        "OutgoingAttachment": closed(
            {
                "id": ID,
                "name": STRING,
                "size": INTEGER,
                "mime_type": STRING,
                "sha256": {**STRING, "pattern": "^[0-9a-f]{64}$"},
                "is_appendix": {**BOOLEAN, "description": "Phụ lục."},
                "added_at": DATETIME,
                "download_url": STRING,
            }
        ),
        "OutgoingDocument": closed(_outgoing_properties()),
        "OutgoingList": closed(
            {
                "items": array(ref("OutgoingDocument")),
                "limit": INTEGER,
                "next_cursor": nullable(_CURSOR),
            }
        ),
        "ReviewStage": closed(
            {
                "position": INTEGER,
                "kind": {
                    **STRING,
                    "enum": ["unit_head", "role", "user", "signer"],
                    "description": "unit_head: trưởng đơn vị soạn thảo, role: theo vai trò (ví "
                    "dụ văn thư), user: người được chỉ định, signer: người ký.",
                },
                "label": STRING,
                "holder": nullable(ref("PersonRef")),
                "decision": {
                    "type": ["string", "null"],
                    "enum": ["approved", "sent_back", "rejected", "signed", "not_reached", None],
                    "description": "null: chưa quyết định.",
                },
                "decision_label": nullable(STRING),
                "decided_by": nullable(ref("PersonRef")),
                "decided_at": nullable(DATETIME),
                "comment": nullable(STRING),
                "is_current": {**BOOLEAN, "description": "Bước văn bản đang chờ."},
            }
        ),
        "ReviewRound": closed({"round": INTEGER, "stages": array(ref("ReviewStage"))}),
        "OutgoingAvailableStep": closed(
            {
                "step": {**OUTGOING_STEP, "description": "Tên bước, dùng trong /steps/{step}."},
                "label": STRING,
                "url": {**STRING, "description": "Địa chỉ gửi POST để thực hiện bước."},
                "fields": array(STRING),
                "required": array(STRING),
            }
        ),
        "OutgoingVersion": closed(
            {
                "number": INTEGER,
                "subject": STRING,
                "source": {**STRING, "description": "form: soạn trực tiếp, docx: tải lên DOCX."},
                "note": nullable(STRING),
                "fields": {"type": "object", "description": "Các trường khác của phiên bản."},
                "created_by": nullable(ref("PersonRef")),
                "created_at": DATETIME,
            }
        ),
        "OutgoingDocumentDetail": closed(
            {
                **_outgoing_properties(),
                "body_html": {**STRING, "description": "Nội dung (HTML đã làm sạch)."},
                "reviews": {
                    **array(ref("ReviewRound")),
                    "description": "Các vòng trình duyệt, mỗi vòng các bước theo thứ tự.",
                },
                "available_steps": {
                    **array(ref("OutgoingAvailableStep")),
                    "description": "Các bước người dùng của mã API được thực hiện lúc này.",
                },
                "deliveries": {
                    **array(ref("Delivery")),
                    "description": "Tình trạng ở từng nơi nhận (sau khi ban hành).",
                },
                "versions": array(ref("OutgoingVersion")),
                "history": array(ref("HistoryEvent")),
                "requests": {
                    **array(ref("ReportRequest")),
                    "description": "Yêu cầu báo cáo của văn bản, theo thứ tự.",
                },
                "board_url": nullable(
                    {
                        **STRING,
                        "description": "Bảng theo dõi trả lời của các trường (văn bản đã ban "
                        "hành có yêu cầu báo cáo); null khi không có.",
                    }
                ),
            }
        ),
        "OutgoingCreate": closed(_draft_properties(), required=["document_type_id", "subject"]),
        "OutgoingUpdate": closed(
            {
                **_draft_properties(),
                "note": nullable(
                    {**STRING, "maxLength": NOTE_MAX, "description": "Ghi chú của phiên bản."}
                ),
            },
            required=["document_type_id", "subject"],
        ),
        "OutgoingDocxUpload": closed(
            {
                "file": {
                    **STRING,
                    "contentMediaType": DOCX_MIME,
                    "description": "Tệp DOCX đã sửa (thường là bản tải từ GET …/docx).",
                },
                "note": {**STRING, "maxLength": NOTE_MAX, "description": "Ghi chú phiên bản."},
            },
            required=["file"],
        ),
        "OutgoingDocxResult": closed(
            {
                "document": ref("OutgoingDocumentDetail"),
                "warnings": {
                    **array(STRING),
                    "description": "Lưu ý khi đọc tệp (đoạn nằm ngoài phần nội dung, hình "
                    "ảnh không được lấy…); rỗng khi không có.",
                },
            }
        ),
        "OutgoingChoices": closed(
            {
                "signers": array(
                    closed(
                        {
                            "id": ID,
                            "full_name": STRING,
                            "title": nullable(STRING),
                            "capacity": STRING,
                            "capacity_title": nullable(STRING),
                            "signer_title": STRING,
                        }
                    )
                ),
                "organisations": array(
                    closed(
                        {
                            "id": ID,
                            "name": STRING,
                            "short_name": nullable(STRING),
                            "agency_code": nullable(STRING),
                        }
                    )
                ),
            }
        ),
        **_delivery_schemas(),
    }


# The exchange (api.exchange_schemas) -------------------------------------------------------

PACKET_STATE: Json = {"type": "string", "enum": [str(x) for x in PACKET_LOG_STATES]}
INBOX_KIND: Json = {
    "type": "string",
    "enum": ["document", "recall"],
    "description": "document: văn bản chờ vào sổ; recall: yêu cầu thu hồi (gói tin thu hồi "
    "hoặc trạng thái 13) chờ trả lời.",
}
EXCHANGE_ACTION: Json = {
    "type": "string",
    "enum": [
        "register_exchange_packet",
        "reject_exchange_packet",
        "accept_exchange_recall",
        "refuse_exchange_recall",
    ],
}
_AGENCY: Json = closed(
    {
        "agency_code": {**STRING, "description": "Mã định danh cơ quan."},
        "name": STRING,
    }
)


def _check_run() -> Json:
    return closed(
        {
            "id": ID,
            "trigger": {
                **STRING,
                "enum": ["schedule", "catch_up", "manual"],
                "description": "schedule: theo lịch, catch_up: chạy bù, manual: Kiểm tra ngay.",
            },
            "trigger_label": STRING,
            "state": {**STRING, "enum": ["waiting", "queued", "running", "done", "failed"]},
            "state_label": STRING,
            "day": {**DATE, "description": "Ngày (giờ văn phòng) của lượt kiểm tra."},
            "slot_time": nullable(
                {
                    **STRING,
                    "pattern": r"^\d{2}:\d{2}$",
                    "description": "Giờ kiểm tra; null: Kiểm tra ngay.",
                }
            ),
            "started_at": nullable(DATETIME),
            "finished_at": nullable(DATETIME),
            "documents": {**INTEGER, "description": "Số văn bản mới nhận trong lượt."},
            "error": nullable({**STRING, "description": "Lỗi khi nhận (trục không kết nối…)."}),
            "confirmed_at": nullable({**DATETIME, "description": "Thời điểm bấm Đã kiểm tra."}),
            "confirmed_by": nullable(ref("PersonRef")),
        }
    )


def _inbox_item_properties() -> Json:
    return {
        "id": {**ID, "description": "Mã gói tin (dùng trong /exchange/inbox/{packet_id}/…)."},
        "url": STRING,
        "kind": INBOX_KIND,
        "kind_label": STRING,
        "business_type": nullable(
            {
                **INTEGER,
                "description": "Loại nghiệp vụ edXML của gói văn bản: 0 mới, 1 thu hồi, 2 cập "
                "nhật, 3 thay thế; null với yêu cầu thu hồi bằng trạng thái 13.",
            }
        ),
        "business_type_label": nullable(STRING),
        "status_code": nullable(
            {**STRING, "description": "13 với yêu cầu thu hồi dạng trạng thái."}
        ),
        "document_id": {**STRING, "description": "Mã văn bản edXML (DocumentId)."},
        "sender": _AGENCY,
        "symbol": nullable({**STRING, "description": "Số, ký hiệu văn bản."}),
        "document_date": nullable({**DATE, "description": "Ngày ban hành."}),
        "subject": nullable({**STRING, "description": "Trích yếu."}),
        "description": nullable({**STRING, "description": "Lý do thu hồi nơi gửi ghi."}),
        "state": PACKET_STATE,
        "state_label": STRING,
        "received_at": {**DATETIME, "description": "Thời điểm nhận từ trục."},
        "refers_to": nullable(
            closed(
                {
                    "id": ID,
                    "url": STRING,
                    "symbol": nullable(STRING),
                    "subject": nullable(STRING),
                    "state": PACKET_STATE,
                    "state_label": STRING,
                },
            )
        ),
    }


def exchange_schemas() -> Json:
    """Component schemas of /exchange, merged into the document's components."""
    return {
        "ExchangeInboxItem": closed(_inbox_item_properties()),
        "ExchangeInbox": closed(
            {
                "items": array(ref("ExchangeInboxItem")),
                "limit": INTEGER,
                "next_cursor": nullable(_CURSOR),
            }
        ),
        "ExchangeFile": closed(
            {
                "index": {**INTEGER, "minimum": 1, "description": "Thứ tự tệp trong gói tin."},
                "name": STRING,
                "mime_type": STRING,
                "size": {**INTEGER, "description": "Dung lượng, byte."},
                "description": nullable(STRING),
                "download_url": STRING,
            }
        ),
        "ExchangeAction": closed(
            {
                "action": EXCHANGE_ACTION,
                "label": STRING,
                "url": {**STRING, "description": "Địa chỉ gửi POST."},
                "fields": array(STRING),
                "required": array(STRING),
            }
        ),
        "ExchangePacketDetail": closed(
            {
                **_inbox_item_properties(),
                "document": nullable(
                    closed(
                        {
                            "document_type": closed({"code": INTEGER, "name": STRING}),
                            "code_number": STRING,
                            "code_notation": STRING,
                            "promulgation_place": nullable(STRING),
                            "promulgation_date": DATE,
                            "signer": closed(
                                {
                                    "full_name": STRING,
                                    "position": nullable(STRING),
                                    "competence": nullable(
                                        {**STRING, "description": "TM., KT., TL., …"}
                                    ),
                                }
                            ),
                            "priority": {
                                **INTEGER,
                                "description": "Độ khẩn edXML: 0 thường, 1 khẩn, 2 thượng "
                                "khẩn, 3 hỏa tốc…",
                            },
                            "due_date": nullable({**DATE, "description": "Hạn trả lời."}),
                            "page_count": nullable(INTEGER),
                        }
                    )
                ),
                "files": {
                    **array(ref("ExchangeFile")),
                    "description": "Tệp của văn bản (rỗng khi đã thu hồi hoặc với yêu cầu "
                    "thu hồi của văn bản đã rút).",
                },
                "reason": nullable(
                    {**STRING, "description": "Lý do từ chối tiếp nhận hoặc từ chối thu hồi."}
                ),
                "done_at": nullable(DATETIME),
                "done_by": nullable(ref("PersonRef")),
                "incoming_document": nullable(
                    closed({"id": ID, "url": STRING}, description="Văn bản đến đã vào sổ.")
                ),
                "available_actions": {
                    **array(ref("ExchangeAction")),
                    "description": "Các thao tác người dùng của mã API được làm lúc này.",
                },
            }
        ),
        "CheckRun": _check_run(),
        "CheckResult": closed(
            {
                "ok": {**BOOLEAN, "description": "false khi không nhận được từ trục."},
                "message": {**STRING, "description": "Thông báo như trên nút Kiểm tra ngay."},
                "error": nullable(STRING),
                "exchange_enabled": {
                    **BOOLEAN,
                    "description": "false: cơ quan chưa bật liên thông (lượt vẫn được ghi).",
                },
                "documents": INTEGER,
                "statuses": INTEGER,
                "recalls": INTEGER,
                "refused": {**INTEGER, "description": "Gói tin không hợp lệ, đã từ chối (02)."},
                "run": ref("CheckRun"),
            }
        ),
        "CheckConfirmation": closed(
            {
                "new": {**BOOLEAN, "description": "false: lượt này đã được xác nhận trước đó."},
                "message": STRING,
                "slot": closed(
                    {
                        "day": DATE,
                        "time": {**STRING, "pattern": r"^\d{2}:\d{2}$"},
                        "label": STRING,
                    }
                ),
                "state": {
                    **STRING,
                    "enum": ["on_time", "late", "missed", "upcoming", "pending"],
                    "description": "on_time đúng giờ, late trễ.",
                },
                "state_label": STRING,
                "run": ref("CheckRun"),
            }
        ),
        "PacketLogEntry": closed(
            {
                "source": {
                    **STRING,
                    "enum": ["packet", "delivery"],
                    "description": "packet: gói tin đã ghi; delivery: văn bản đi gửi lần đầu "
                    "tới một cơ quan ngoài (mã là mã nơi nhận trong /outgoing/{id}/deliveries).",
                },
                "id": ID,
                "at": DATETIME,
                "direction": {**STRING, "enum": ["out", "in"]},
                "direction_label": STRING,
                "kind": {**STRING, "enum": ["document", "status"]},
                "kind_label": STRING,
                "what": {**STRING, "description": "Ví dụ “Trạng thái 03 Đã tiếp nhận”."},
                "business_type": nullable(INTEGER),
                "status_code": nullable(STRING),
                "document_id": nullable(STRING),
                "counterpart": _AGENCY,
                "subject": nullable(STRING),
                "state": PACKET_STATE,
                "state_label": STRING,
                "pending": {**BOOLEAN, "description": "Gói gửi đi đang chờ hoặc đã lỗi."},
                "attempts": INTEGER,
                "last_error": nullable(STRING),
                "sent_at": nullable(
                    {**DATETIME, "description": "Gửi lên trục, hoặc được xử lý (gói nhận về)."}
                ),
                "sent_by": nullable(STRING),
                "outgoing_id": nullable(ID),
                "outgoing_url": nullable(STRING),
                "inbox_url": nullable(
                    {**STRING, "description": "Văn bản, yêu cầu thu hồi nhận về: chi tiết."}
                ),
            }
        ),
        "PacketLog": closed(
            {
                "items": array(ref("PacketLogEntry")),
                "limit": INTEGER,
                "next_cursor": nullable(_CURSOR),
            }
        ),
    }


# District directives (api.directives_schemas) ----------------------------------------------

GROUP_KIND: Json = {
    "type": "string",
    "enum": ["all", "level", "ward", "custom"],
    "description": "all: tất cả các trường, level: theo cấp học, ward: theo phường, xã, "
    "custom: nhóm riêng do quản trị lập.",
}
ANSWER_FORM: Json = {
    "type": "string",
    "enum": [f.value for f in AnswerForm],
    "description": "document: văn bản trả lời đã ban hành, file: tệp, figure: số liệu, "
    "text: nội dung ngắn.",
}
TASK_STATE: Json = {
    "type": "string",
    "enum": [s.value for s in TaskState],
    "description": "open: chưa trả lời, answered: đã trả lời, returned: bị trả lại để bổ sung.",
}
ANSWER_STATUS: Json = {
    "type": "string",
    "enum": [s.value for s in AnswerStatus],
    "description": "on_time: đúng hạn, late: trễ hạn, missing: quá hạn chưa nộp, open: chưa "
    "đến hạn, returned: trả lại bổ sung (theo ngày giờ văn phòng).",
}
FIGURE: Json = {
    "type": "string",
    "pattern": r"^-?\d+\.\d{2}$",
    "description": "Số liệu dạng thập phân, ví dụ 1250.00.",
}
_SCHOOL: Json = closed({"org_id": ID, "name": STRING})
_ALL_STATUSES = [s.value for s in AnswerStatus]


def _task_properties() -> Json:
    return {
        "id": ID,
        "url": STRING,
        "state": TASK_STATE,
        "state_label": STRING,
        "status": ANSWER_STATUS,
        "status_label": STRING,
        "deadline": {**DATE, "description": "Hạn của trường (có thể đã được gia hạn riêng)."},
        "late": {**BOOLEAN, "description": "Câu trả lời nộp sau hạn (ghi khi nộp)."},
        "request": ref("ReportRequest"),
        "document": closed(
            {
                "id": {**ID, "description": "Mã văn bản đi của nơi gửi."},
                "symbol": nullable(STRING),
                "document_date": nullable(DATE),
                "subject": STRING,
                "sender": _SCHOOL,
            }
        ),
        "school": _SCHOOL,
        "delivery_id": nullable({**ID, "description": "Mã bản gửi đến của trường (/inbox)."}),
        "answered_at": nullable(DATETIME),
        "answered_by": nullable(ref("PersonRef")),
        "answer": nullable(
            closed(
                {
                    "text": nullable(STRING),
                    "figure": nullable(FIGURE),
                    "figure_text": nullable(
                        {**STRING, "description": "Số liệu viết kiểu Việt Nam: 1.250 hoặc 12,5."}
                    ),
                    "file": nullable(
                        closed(
                            {
                                "name": STRING,
                                "size": INTEGER,
                                "mime_type": STRING,
                                "download_url": STRING,
                            }
                        )
                    ),
                    "reply_outgoing": nullable(
                        closed(
                            {
                                "id": ID,
                                "symbol": nullable(STRING),
                                "document_date": nullable(DATE),
                                "subject": STRING,
                            }
                        )
                    ),
                },
                description="Câu trả lời đã nộp (vẫn hiện khi bị trả lại, đến khi nộp lại).",
            )
        ),
        "returned_at": nullable(DATETIME),
        "return_comment": nullable({**STRING, "description": "Nội dung cần bổ sung."}),
        "reminders_sent": INTEGER,
        "last_reminded_at": nullable(DATETIME),
        "can_answer": {
            **BOOLEAN,
            "description": "Người dùng của mã API được trả lời (hoặc sửa câu trả lời) lúc này.",
        },
        "answer_url": nullable({**STRING, "description": "Địa chỉ gửi câu trả lời (trường)."}),
    }


def _board_properties() -> Json:
    cell = closed(
        {
            "task_id": ID,
            "request_id": ID,
            "deadline": DATE,
            "status": ANSWER_STATUS,
            "status_label": STRING,
            "answered_at": nullable(DATETIME),
            "returned_at": nullable(DATETIME),
            "return_comment": nullable(STRING),
            "reminders_sent": INTEGER,
            "last_reminded_at": nullable(DATETIME),
            "answer_text": nullable(STRING),
            "answer_figure": nullable(FIGURE),
            "answer_file_name": nullable(STRING),
            "answer_file_url": nullable(STRING),
            "answer_outgoing_id": nullable(ID),
        }
    )
    row = closed(
        {
            "org_id": ID,
            "name": STRING,
            "kind": STRING,
            "kind_label": STRING,
            "ward": nullable(STRING),
            "delivery_id": ID,
            "delivery_status": DELIVERY_STATUS,
            "delivery_status_label": STRING,
            "delivered_at": nullable(DATETIME),
            "rejected_reason": nullable(STRING),
            "registered_at": nullable({**DATETIME, "description": "Vào sổ (03) lần đầu."}),
            "assigned_at": nullable({**DATETIME, "description": "Phân công (04) lần đầu."}),
            "first_read_at": nullable(
                {**DATETIME, "description": "Lần đầu một người của trường mở văn bản."}
            ),
            "acknowledged_at": nullable(DATETIME),
            "acknowledgement_note": nullable(STRING),
            "tasks": {
                **array({"anyOf": [cell, {"type": "null"}]}),
                "description": "Một ô mỗi yêu cầu, theo thứ tự của requests.",
            },
        }
    )
    counts = closed({name: INTEGER for name in _ALL_STATUSES})
    return {
        "document": closed(
            {
                "id": ID,
                "url": STRING,
                "symbol": nullable(STRING),
                "document_date": nullable(DATE),
                "subject": STRING,
                "state": OUTGOING_STATE,
                "state_label": STRING,
            }
        ),
        "today": {**DATE, "description": "Ngày (giờ văn phòng) các trạng thái được tính."},
        "can_manage": {
            **BOOLEAN,
            "description": "Người dùng được gia hạn và trả lại câu trả lời.",
        },
        "requests": array(
            closed(
                {
                    **_request_properties(),
                    "counts": {**counts, "description": "Số trường theo trạng thái trả lời."},
                }
            )
        ),
        "counts": closed(
            {
                name: INTEGER
                for name in (
                    "schools",
                    "delivered",
                    "rejected",
                    "registered",
                    "read",
                    "assigned",
                    "acknowledged",
                )
            },
            description="Trên mọi trường của bảng (trước khi lọc).",
        ),
        "total": {**INTEGER, "description": "Số trường nhận văn bản."},
        "shown": {**INTEGER, "description": "Số dòng sau khi lọc."},
        "filters": closed(
            {
                "status": nullable(STRING),
                "answer": nullable(STRING),
                "request_id": nullable(ID),
                "level": nullable(STRING),
                "ward": nullable(STRING),
                "q": nullable(STRING),
                "sort": STRING,
                "desc": BOOLEAN,
            },
            description="Bộ lọc đã áp dụng (request_id không thuộc văn bản bị bỏ qua).",
        ),
        "wards": array(STRING),
        "levels": array(closed({"code": STRING, "label": STRING})),
        "rows": array(row),
    }


def _request_properties() -> Json:
    return {
        "id": ID,
        "position": INTEGER,
        "what": {**STRING, "description": "Nội dung yêu cầu."},
        "deadline": {**DATE, "description": "Hạn trả lời chung (sau gia hạn cho tất cả)."},
        "answer_form": ANSWER_FORM,
        "answer_form_label": STRING,
    }


def directive_schemas() -> Json:
    """Component schemas of the directive routes, merged into the document's components."""
    group_properties = {
        "id": ID,
        "key": {**STRING, "description": "custom:<id>, dùng trong groups của dự thảo."},
        "url": STRING,
        "name": STRING,
        "description": nullable(STRING),
        "member_org_ids": {
            **array(ID),
            "description": "Các đơn vị trong nhóm (kể cả đơn vị đã ngừng hoạt động).",
        },
        "count": {**INTEGER, "description": "Số trường đang hoạt động sẽ nhận khi chọn nhóm."},
        "created_at": DATETIME,
        "updated_at": DATETIME,
    }
    return {
        "ReportRequest": closed(_request_properties()),
        "ReportRequestInput": closed(
            {
                "what": {**STRING, "maxLength": MAX_WHAT, "description": "Nội dung yêu cầu."},
                "deadline": {**DATE, "description": "Hạn trả lời, YYYY-MM-DD, từ hôm nay."},
                "answer_form": nullable({**ANSWER_FORM, "default": "document"}),
            },
            required=["what", "deadline"],
        ),
        "RecipientGroupChoice": closed(
            {
                "key": {**STRING, "description": "Mã nhóm, dùng trong groups của dự thảo."},
                "kind": GROUP_KIND,
                "id": nullable({**ID, "description": "Mã nhóm riêng; null với nhóm có sẵn."}),
                "label": STRING,
                "section": STRING,
                "description": nullable(STRING),
                "count": {**INTEGER, "description": "Số trường sẽ nhận."},
                "member_org_ids": {**array(ID), "description": "Các trường sẽ nhận."},
                "url": nullable(STRING),
            }
        ),
        "RecipientGroupList": closed(
            {
                "items": array(ref("RecipientGroupChoice")),
                "can_manage": {
                    **BOOLEAN,
                    "description": "Người dùng (quản trị) được tạo, sửa, xóa nhóm riêng.",
                },
            }
        ),
        "RecipientGroup": closed(group_properties),
        "RecipientGroupInput": closed(
            {
                "name": nullable({**STRING, "maxLength": MAX_GROUP_NAME}),
                "description": nullable({**STRING, "maxLength": MAX_GROUP_DESCRIPTION}),
                "member_org_ids": nullable(
                    {**array(ID), "description": "Các trường trong nhóm (ít nhất một)."}
                ),
            },
            required=[],
        ),
        "RecipientGroupDeleted": closed({"id": ID, "name": STRING, "message": STRING}),
        "DirectiveTask": closed(_task_properties()),
        "DirectiveTaskList": closed(
            {
                "items": array(ref("DirectiveTask")),
                "limit": INTEGER,
                "next_cursor": nullable(_CURSOR),
            }
        ),
        "DirectiveAnswer": closed(
            {
                "text": nullable(
                    {
                        **STRING,
                        "maxLength": MAX_ANSWER_TEXT,
                        "description": "Nội dung (text), hoặc ghi chú kèm theo.",
                    }
                ),
                "figure": {
                    "type": ["number", "string", "null"],
                    "description": "Số liệu (figure): số, hoặc chuỗi như 1.250 hay 12,5.",
                },
                "reply_outgoing_id": nullable(
                    {**ID, "description": "Văn bản đi đã ban hành của trường (document)."}
                ),
                "file": nullable({**ref("FileUpload"), "description": "Tệp trả lời (file)."}),
            },
            required=[],
        ),
        "Acknowledgement": closed(
            {"note": nullable({**STRING, "maxLength": MAX_NOTE_ACK})}, required=[]
        ),
        "DirectiveDelivery": closed(
            {
                "id": ID,
                "outgoing_id": ID,
                "symbol": nullable(STRING),
                "subject": STRING,
                "sender": _SCHOOL,
                "status": DELIVERY_STATUS,
                "status_label": STRING,
                "first_read_at": nullable(DATETIME),
                "acknowledged_at": nullable(DATETIME),
                "acknowledged_by": nullable(ref("PersonRef")),
                "acknowledgement_note": nullable(STRING),
                "tasks": array(ref("DirectiveTask")),
            }
        ),
        "DirectiveBoard": closed(_board_properties()),
        "ExtendInput": closed(
            {
                "deadline": {**DATE, "description": "Hạn mới, sau hạn hiện tại."},
                "reason": {**STRING, "maxLength": MAX_REASON, "description": "Lý do gia hạn."},
                "school_id": nullable(
                    {**ID, "description": "Chỉ gia hạn cho trường này; bỏ trống: mọi trường."}
                ),
            },
            required=["deadline", "reason"],
        ),
        "ExtendResult": closed(
            {
                "request": ref("ReportRequest"),
                "count": {**INTEGER, "description": "Số trường được gia hạn."},
                "school_ids": array(ID),
                "message": STRING,
            }
        ),
        "ReturnInput": closed(
            {"comment": {**STRING, "maxLength": MAX_REASON, "description": "Nội dung cần bổ sung."}}
        ),
        "RemindInput": closed(
            {
                "request_id": nullable(
                    {**ID, "description": "Một yêu cầu; bỏ trống: mọi yêu cầu của văn bản."}
                ),
                "school_ids": nullable(
                    {**array(ID), "description": "Chỉ các trường này; bỏ trống: mọi trường."}
                ),
            },
            required=[],
        ),
        "RemindResult": closed(
            {"reminded": {**INTEGER, "description": "Số trường được nhắc."}, "message": STRING}
        ),
        "DirectiveRollup": closed(
            {
                "today": DATE,
                "open_requests": {**INTEGER, "description": "Yêu cầu còn trường chưa trả lời."},
                "schools": array(
                    closed(
                        {
                            "org_id": ID,
                            "name": STRING,
                            "late": {**INTEGER, "description": "Số lần trả lời trễ."},
                            "missing": {**INTEGER, "description": "Số yêu cầu quá hạn chưa nộp."},
                            "total": INTEGER,
                        }
                    )
                ),
                "requests": array(
                    closed(
                        {
                            "request_id": ID,
                            "document": closed(
                                {
                                    "id": ID,
                                    "url": STRING,
                                    "symbol": nullable(STRING),
                                    "subject": STRING,
                                }
                            ),
                            "what": STRING,
                            "deadline": DATE,
                            "missing": INTEGER,
                            "overdue_days": {
                                **INTEGER,
                                "description": "Tổng số ngày quá hạn của các trường chưa nộp.",
                            },
                            "max_days": INTEGER,
                        }
                    )
                ),
            }
        ),
    }
