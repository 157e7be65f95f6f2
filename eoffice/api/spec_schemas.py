"""Component schemas of the OpenAPI description: one per shape built in api.schemas.

Objects are closed and every property is required (present, possibly null), because
the serialisers always write every key; the tests validate real answers against these.
"""

from __future__ import annotations

from typing import Any

from eoffice.api.outgoing_parsing import (
    NOTE_MAX,
    RECIPIENT_KINDS,
    RECIPIENT_NAME_MAX,
    STRING_LIMITS,
)
from eoffice.api.outgoing_parsing import STEPS as OUTGOING_STEPS
from eoffice.api.parsing import MAX_ID, MAX_NOTES
from eoffice.api.steps import STEPS
from eoffice.exchange.packet_log import STATE_LABELS as PACKET_LOG_STATES
from eoffice.incoming.models import IncomingState, Source
from eoffice.outgoing.models import DeliveryStatus
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
        "Inbox": closed({"items": array(ref("InboxItem"))}),
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
        "ExchangeInbox": closed({"items": array(ref("ExchangeInboxItem"))}),
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
