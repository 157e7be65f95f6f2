"""edXML packets of QCVN 102:2016: build and parse document and status packets.

Why this module is strict: a packet that arrives broken must be refused at once with a
reason the clerk can send back (status 02, QĐ 28/2018 Điều 9), and a packet we send must
never be refused by the other side for something we could have caught. So the same
`validate_*` functions run on what we build and on what we parse, and every refusal is a
`PacketRefused` carrying a Vietnamese `message` and the edXML `field` it is about.

Why parsing is defensive: packets come from outside the deployment. The size is checked
before any parsing, any DOCTYPE is refused (so no entity can be declared: no external
entities, no billion laughs), and lxml runs with entities unresolved, no network, no DTD
loading and the default (non-huge) limits.

The layout follows DOMAIN.md §3.2–3.5 (the SDK samples; no official XSD is known), see
docs/decisions/0013-edxml.md for the choices where the standard is silent. Code tables
the standard leaves unclear (document types, priorities, steering types) are data:
pass a `CodeTables` to override the defaults.
"""

from __future__ import annotations

import base64
import binascii
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, timezone
from enum import IntEnum
from typing import Any

from lxml import etree

from eoffice.orgs.validation import agency_code_problem, shorten

NS = "http://www.mic.gov.vn/TBT/QCVN_102_2016"
XLINK = "http://www.w3.org/1999/xlink"
NSMAP = {"edXML": NS, "xlink": XLINK}

# Same default as config.AGENCY_CODE_PATTERN; callers pass the configured one.
DEFAULT_AGENCY_CODE_PATTERN = r"^\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}$"
DEFAULT_MAX_BYTES = 50 * 1024 * 1024
# Files one packet may carry. A document has a few (registration allows
# MAX_FILES_PER_DOCUMENT, 20 by default); the bound stops a packet of thousands of tiny
# attachments before any of them is decoded. Each file is then checked by its bytes,
# size and zip limits at registration (`core.filetypes.check_upload`).
MAX_ATTACHMENTS = 100

# Packet times carry no offset in the SDK samples; they are Vietnamese wall-clock time.
# A fixed +07:00 (no DST) keeps every instant representable and the round trip exact.
PACKET_TZ = timezone(timedelta(hours=7), "ICT")
DATE_FORMAT = "%Y/%m/%d"
TIMESTAMP_FORMAT = "%Y/%m/%d %H:%M:%S"
_DATE_RE = re.compile(r"\d{4}/\d{2}/\d{2}", re.ASCII)
_TIMESTAMP_RE = re.compile(r"\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2}", re.ASCII)
_MIN_YEAR, _MAX_YEAR = 1900, 2100

STATUS_CODES: dict[str, str] = {
    "01": "Đã đến",
    "02": "Từ chối tiếp nhận",
    "03": "Đã tiếp nhận",
    "04": "Phân công",
    "05": "Đang xử lý",
    "06": "Hoàn thành",
    "13": "Yêu cầu lấy lại",
    "15": "Đồng ý lấy lại / cập nhật",
    "16": "Từ chối lấy lại / cập nhật",
}
# One SDK sample writes 14 for "đồng ý" (DOMAIN §2): read it as 15, never write it.
STATUS_ALIASES = {"14": "15"}
# Statuses whose packet is meaningless without a reason (QĐ 28 Điều 9; DOMAIN §3.5).
STATUS_NEEDS_DESCRIPTION = frozenset({"02", "16"})


class BusinessDocType(IntEnum):
    """`BussinessDocType`: what the packet does to the document (DOMAIN §3.4)."""

    NEW = 0
    RECALL = 1
    UPDATE = 2
    REPLACE = 3


# Maximum lengths in characters. From the standard or its validators where DOMAIN §3.3
# and §6.10 give one (CodeNumber, CodeNotation, Subject, Content, ToPlaces, Appendix,
# AttachmentName); the others are our own generous caps (decision 0013).
LIMITS: dict[str, int] = {
    "OrganName": 200,
    "OrganizationInCharge": 200,
    "OrganAdd": 250,
    "Email": 100,
    "Telephone": 30,
    "Fax": 30,
    "Website": 150,
    "CodeNumber": 11,
    "CodeNotation": 30,
    "Place": 100,
    "TypeName": 100,
    "Subject": 500,
    "Content": 500,
    "Competence": 30,
    "Position": 100,
    "FullName": 100,
    "ToPlace": 150,
    "ToPlaces": 1000,
    "SphereOfPromulgation": 200,
    "TyperNotation": 30,
    "Appendix": 250,
    "DocumentId": 100,
    "Code": 50,
    "BussinessDocReason": 500,
    "Department": 200,
    "Staff": 100,
    "Mobile": 30,
    "ContentId": 100,
    "AttachmentName": 200,
    "ContentType": 100,
    "Description": 1000,
}

LABELS: dict[str, str] = {
    "OrganId": "Mã định danh cơ quan",
    "OrganName": "Tên cơ quan",
    "OrganizationInCharge": "Cơ quan chủ quản",
    "OrganAdd": "Địa chỉ cơ quan",
    "Email": "Thư điện tử",
    "Telephone": "Điện thoại",
    "Fax": "Fax",
    "Website": "Trang thông tin điện tử",
    "CodeNumber": "Số văn bản",
    "CodeNotation": "Ký hiệu văn bản",
    "Place": "Địa danh",
    "PromulgationDate": "Ngày ban hành",
    "Type": "Mã loại văn bản",
    "TypeName": "Tên loại văn bản",
    "Subject": "Trích yếu",
    "Content": "Nội dung",
    "Competence": "Thẩm quyền ký",
    "Position": "Chức vụ người ký",
    "FullName": "Họ tên người ký",
    "DueDate": "Hạn trả lời",
    "ToPlace": "Nơi nhận",
    "ToPlaces": "Danh sách nơi nhận",
    "Priority": "Độ khẩn",
    "SphereOfPromulgation": "Phạm vi lưu hành",
    "TyperNotation": "Ký hiệu người soạn thảo",
    "PromulgationAmount": "Số bản phát hành",
    "PageAmount": "Số trang",
    "Appendix": "Phụ lục",
    "SteeringType": "Loại chỉ đạo",
    "DocumentId": "Mã định danh văn bản",
    "Code": "Số, ký hiệu văn bản",
    "Timestamp": "Thời điểm",
    "BussinessDocType": "Loại nghiệp vụ",
    "BussinessDocReason": "Lý do",
    "ReceiverType": "Loại nơi nhận",
    "Department": "Đơn vị xử lý",
    "Staff": "Cán bộ xử lý",
    "Mobile": "Số di động",
    "ContentId": "Mã tệp đính kèm",
    "AttachmentName": "Tên tệp đính kèm",
    "ContentType": "Kiểu tệp đính kèm",
    "ContentTransferEncoded": "Nội dung tệp đính kèm",
    "Description": "Mô tả",
    "StatusCode": "Mã trạng thái",
}

# Characters XML 1.0 cannot carry (lxml refuses them); named in the refusal, not a crash.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_CONTENT_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]*", re.ASCII)
_MIME_RE = re.compile(r"[A-Za-z0-9][\w.+-]*/[A-Za-z0-9][\w.+-]*", re.ASCII)


class PacketRefused(ValueError):
    """A packet that must not be sent or accepted: `message` (Vietnamese) and `field`."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


# --------------------------------------------------------------------------- code tables

DEFAULT_DOCUMENT_TYPES: dict[int, str] = {
    # Phụ lục III order of NĐ 30/2020, numbered from 1: this puts Công văn at 18, the
    # value the C# SDK sample uses (DOMAIN §3.3, E4). Unverified against the standard.
    i: name
    for i, name in enumerate(
        [
            "Nghị quyết",
            "Quyết định",
            "Chỉ thị",
            "Quy chế",
            "Quy định",
            "Thông cáo",
            "Thông báo",
            "Hướng dẫn",
            "Chương trình",
            "Kế hoạch",
            "Phương án",
            "Đề án",
            "Dự án",
            "Báo cáo",
            "Biên bản",
            "Tờ trình",
            "Hợp đồng",
            "Công văn",
            "Công điện",
            "Bản ghi nhớ",
            "Bản thỏa thuận",
            "Giấy ủy quyền",
            "Giấy mời",
            "Giấy giới thiệu",
            "Giấy nghỉ phép",
            "Phiếu gửi",
            "Phiếu chuyển",
            "Phiếu báo",
            "Thư công",
        ],
        start=1,
    )
}
DEFAULT_PRIORITIES: dict[int, str] = {
    0: "Thường",
    1: "Khẩn",
    2: "Thượng khẩn",
    3: "Hỏa tốc",
    4: "Hỏa tốc hẹn giờ",
}


@dataclass(frozen=True)
class CodeTables:
    """The code tables the standard leaves unclear, as data (decision 0013).

    `steering_types=None` accepts any value 0–99: the samples only ever send 0 and no
    source gives the meaning of the others, so refusing them would refuse real packets.
    """

    document_types: Mapping[int, str] = field(default_factory=lambda: dict(DEFAULT_DOCUMENT_TYPES))
    priorities: Mapping[int, str] = field(default_factory=lambda: dict(DEFAULT_PRIORITIES))
    steering_types: Mapping[int, str] | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Mapping[Any, str] | None]) -> CodeTables:
        """Tables from configuration (JSON keys are strings); missing tables keep the default."""
        base = cls()
        values: dict[str, Any] = {}
        for name in ("document_types", "priorities", "steering_types"):
            if name in data:
                table = data[name]
                values[name] = None if table is None else {int(k): v for k, v in table.items()}
        return replace(base, **values)


DEFAULT_CODE_TABLES = CodeTables()


# --------------------------------------------------------------------------- records


@dataclass(frozen=True)
class Organisation:
    """`From` / `To`: an agency by its mã định danh (DOMAIN §3.1)."""

    organ_id: str
    organ_name: str
    organization_in_charge: str | None = None
    organ_add: str | None = None
    email: str | None = None
    telephone: str | None = None
    fax: str | None = None
    website: str | None = None


@dataclass(frozen=True)
class DocumentType:
    code: int
    name: str


@dataclass(frozen=True)
class Signer:
    """`SignerInfo`; competence is the TM./KT./TL./… prefix, absent when the head signs."""

    position: str
    full_name: str
    competence: str | None = None


@dataclass(frozen=True)
class ResponseFor:
    """A document this one answers (or, in a status packet, the document reported on)."""

    organ_id: str
    code: str
    promulgation_date: date
    document_id: str


@dataclass(frozen=True)
class StaffInfo:
    department: str
    staff: str
    mobile: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class TraceHeader:
    organ_id: str
    timestamp: datetime


@dataclass(frozen=True)
class Receiver:
    """`ReceiverList/Receiver` of an update: the standard gives no table for the type."""

    receiver_type: int
    organ_id: str


@dataclass(frozen=True)
class UpdateInfo:
    """`BussinessDocumentInfo` (update, type 2): what changed and the new receivers."""

    document_info_changed: bool = False
    receivers_changed: bool = False
    receivers: tuple[Receiver, ...] = ()

    def __post_init__(self) -> None:
        _freeze(self, "receivers", Receiver)


@dataclass(frozen=True)
class Replacement:
    """`ReplacementInfo` (replace, type 3): the replaced document and where it went."""

    document_id: str
    organ_ids: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "organ_ids", tuple(self.organ_ids))


@dataclass(frozen=True)
class Business:
    """`Bussiness` (sic): new, recall, update or replace, and what each carries."""

    doc_type: int = BusinessDocType.NEW
    reason: str | None = None
    document_id: str | None = None
    paper: bool = False
    staff: StaffInfo | None = None
    update: UpdateInfo | None = None
    replacements: tuple[Replacement, ...] = ()

    def __post_init__(self) -> None:
        _freeze(self, "replacements", Replacement)


@dataclass(frozen=True)
class Attachment:
    content_id: str
    name: str
    mime: str
    data: bytes
    description: str | None = None


@dataclass(frozen=True)
class DocumentPacket:
    """One edXML document packet (MessageHeader + TraceHeaderList + attachments)."""

    document_id: str
    from_: Organisation
    to: tuple[Organisation, ...]
    code_number: str
    code_notation: str
    promulgation_place: str
    promulgation_date: date
    document_type: DocumentType
    subject: str
    signer: Signer
    content: str | None = None
    due_date: date | None = None
    to_places: tuple[str, ...] = ()
    priority: int = 0
    steering_type: int = 0
    sphere_of_promulgation: str | None = None
    typer_notation: str | None = None
    promulgation_amount: int | None = None
    page_amount: int | None = None
    appendixes: tuple[str, ...] = ()
    response_for: tuple[ResponseFor, ...] = ()
    business: Business = field(default_factory=Business)
    trace_headers: tuple[TraceHeader, ...] = ()
    attachments: tuple[Attachment, ...] = ()

    def __post_init__(self) -> None:
        # Lists and plain tuples are accepted for convenience; stored as tuples of
        # records so that equal packets compare equal whatever the caller passed.
        _freeze(self, "to", Organisation)
        _freeze(self, "response_for", ResponseFor)
        _freeze(self, "trace_headers", TraceHeader)
        _freeze(self, "attachments", Attachment)
        object.__setattr__(self, "to_places", tuple(self.to_places))
        object.__setattr__(self, "appendixes", tuple(self.appendixes))


@dataclass(frozen=True)
class StatusPacket:
    """One edXML status packet (MessageStatus, DOMAIN §3.5).

    `to` is written as an extra `To` element (the SDK status has none; the hub needs an
    addressee). A status without `To` is read as addressed to `ResponseFor/OrganId`.
    """

    document_id: str
    from_: Organisation
    to: Organisation
    status_code: str
    timestamp: datetime
    description: str | None = None
    staff: StaffInfo | None = None
    code: str | None = None
    promulgation_date: date | None = None


def _freeze(obj: object, name: str, kind: type) -> None:
    """Store `obj.name` as a tuple of `kind`, building records from plain tuples."""
    items = []
    for item in getattr(obj, name):
        items.append(item if isinstance(item, kind) else kind(*item))
    object.__setattr__(obj, name, tuple(items))


# --------------------------------------------------------------------------- validation


def _label(name: str) -> str:
    return LABELS.get(name.rsplit("/", 1)[-1].split("[", 1)[0], name)


def _text_ok(value: object, where: str, *, required: bool, limit_key: str | None = None) -> None:
    """A text field: a string, no XML-forbidden characters, within its length limit."""
    key = limit_key or where.rsplit("/", 1)[-1].split("[", 1)[0]
    if value is None:
        if required:
            raise PacketRefused(f"Thiếu {_label(key).lower()} ({where}).", where)
        return
    if not isinstance(value, str):
        raise PacketRefused(f"{_label(key)} phải là chuỗi ký tự ({where}).", where)
    if required and not value.strip():
        raise PacketRefused(f"Thiếu {_label(key).lower()} ({where}).", where)
    if _NOT_XML.search(value):
        raise PacketRefused(f"{_label(key)} chứa ký tự điều khiển không hợp lệ ({where}).", where)
    limit = LIMITS.get(key)
    if limit is not None and len(value) > limit:
        raise PacketRefused(
            f"{_label(key)} dài {len(value)} ký tự, vượt quá {limit} ký tự cho phép ({where}).",
            where,
        )


def _organ_id_ok(value: object, where: str, pattern: str) -> None:
    if not isinstance(value, str) or not value:
        raise PacketRefused(f"Thiếu mã định danh cơ quan ({where}).", where)
    problem = agency_code_problem(value, pattern)
    if problem:
        raise PacketRefused(f"{problem} ({where})", where)


def _organisation_ok(org: object, where: str, pattern: str, *, name_required: bool = True) -> None:
    if not isinstance(org, Organisation):
        raise PacketRefused(f"Thiếu thông tin cơ quan ({where}).", where)
    _organ_id_ok(org.organ_id, f"{where}/OrganId", pattern)
    _text_ok(org.organ_name, f"{where}/OrganName", required=name_required)
    for attr, tag in _ORG_OPTIONAL:
        _text_ok(getattr(org, attr), f"{where}/{tag}", required=False)


def _date_ok(value: object, where: str, *, required: bool) -> None:
    if value is None:
        if required:
            raise PacketRefused(f"Thiếu {_label(where).lower()} ({where}).", where)
        return
    if not isinstance(value, date) or isinstance(value, datetime):
        raise PacketRefused(f"{_label(where)} phải là một ngày ({where}).", where)
    if not _MIN_YEAR <= value.year <= _MAX_YEAR:
        raise PacketRefused(f"{_label(where)} có năm ngoài khoảng 1900–2100 ({where}).", where)


def _timestamp_ok(value: object, where: str) -> None:
    if not isinstance(value, datetime):
        raise PacketRefused(f"Thiếu thời điểm ({where}).", where)
    if value.tzinfo is None or value.utcoffset() is None:
        raise PacketRefused(f"Thời điểm phải kèm múi giờ ({where}).", where)
    local = value.astimezone(PACKET_TZ)
    if not _MIN_YEAR <= local.year <= _MAX_YEAR:
        raise PacketRefused(f"Thời điểm có năm ngoài khoảng 1900–2100 ({where}).", where)


def _int_ok(value: object, where: str, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise PacketRefused(
            f"{_label(where)} phải là số nguyên từ {low} đến {high} ({where}).", where
        )


def _staff_ok(staff: StaffInfo | None, where: str) -> None:
    if staff is None:
        return
    _text_ok(staff.department, f"{where}/Department", required=False)
    _text_ok(staff.staff, f"{where}/Staff", required=False)
    _text_ok(staff.mobile, f"{where}/Mobile", required=False)
    _text_ok(staff.email, f"{where}/Email", required=False)


def validate_document(
    packet: DocumentPacket,
    *,
    agency_code_pattern: str = DEFAULT_AGENCY_CODE_PATTERN,
    code_tables: CodeTables = DEFAULT_CODE_TABLES,
) -> None:
    """Raise `PacketRefused` for the first rule `packet` breaks (build and parse both)."""
    p = agency_code_pattern
    _text_ok(packet.document_id, "DocumentId", required=True)
    _organisation_ok(packet.from_, "From", p)
    if not packet.to:
        raise PacketRefused("Gói tin phải có ít nhất một nơi nhận (To).", "To")
    seen: set[str] = set()
    for i, org in enumerate(packet.to, start=1):
        _organisation_ok(org, f"To[{i}]", p)
        if org.organ_id in seen:
            raise PacketRefused(f"Nơi nhận {org.organ_id} bị lặp (To[{i}]).", f"To[{i}]/OrganId")
        seen.add(org.organ_id)
    _text_ok(packet.code_number, "Code/CodeNumber", required=True)
    _text_ok(packet.code_notation, "Code/CodeNotation", required=True)
    _text_ok(packet.promulgation_place, "PromulgationInfo/Place", required=True)
    _date_ok(packet.promulgation_date, "PromulgationDate", required=True)
    _document_type_ok(packet.document_type, code_tables)
    _text_ok(packet.subject, "Subject", required=True)
    _text_ok(packet.content, "Content", required=False)
    _text_ok(packet.signer.competence, "SignerInfo/Competence", required=False)
    _text_ok(packet.signer.position, "SignerInfo/Position", required=True)
    _text_ok(packet.signer.full_name, "SignerInfo/FullName", required=True)
    _date_ok(packet.due_date, "DueDate", required=False)
    _to_places_ok(packet.to_places)
    _other_info_ok(packet, code_tables)
    for i, ref in enumerate(packet.response_for, start=1):
        where = f"ResponseFor[{i}]"
        _organ_id_ok(ref.organ_id, f"{where}/OrganId", p)
        _text_ok(ref.code, f"{where}/Code", required=True)
        _date_ok(ref.promulgation_date, f"{where}/PromulgationDate", required=True)
        _text_ok(ref.document_id, f"{where}/DocumentId", required=True)
    for i, trace in enumerate(packet.trace_headers, start=1):
        _organ_id_ok(trace.organ_id, f"TraceHeader[{i}]/OrganId", p)
        _timestamp_ok(trace.timestamp, f"TraceHeader[{i}]/Timestamp")
    _business_ok(packet.business, p)
    _attachments_ok(packet.attachments)


def _document_type_ok(doc_type: DocumentType, tables: CodeTables) -> None:
    _int_ok(doc_type.code, "DocumentType/Type", 0, 9999)
    if doc_type.code not in tables.document_types:
        raise PacketRefused(
            f"Mã loại văn bản {doc_type.code} không có trong bảng mã loại văn bản.",
            "DocumentType/Type",
        )
    _text_ok(doc_type.name, "DocumentType/TypeName", required=True)


def _to_places_ok(places: tuple[str, ...]) -> None:
    for i, place in enumerate(places, start=1):
        _text_ok(place, f"ToPlaces/Place[{i}]", required=True, limit_key="ToPlace")
    total = sum(len(p) for p in places)
    if total > LIMITS["ToPlaces"]:
        raise PacketRefused(
            f"Danh sách nơi nhận dài {total} ký tự, vượt quá {LIMITS['ToPlaces']} ký tự cho phép.",
            "ToPlaces",
        )


def _other_info_ok(packet: DocumentPacket, tables: CodeTables) -> None:
    _int_ok(packet.priority, "OtherInfo/Priority", 0, 99)
    if packet.priority not in tables.priorities:
        raise PacketRefused(
            f"Độ khẩn {packet.priority} không có trong bảng mã độ khẩn.", "OtherInfo/Priority"
        )
    _int_ok(packet.steering_type, "SteeringType", 0, 99)
    if tables.steering_types is not None and packet.steering_type not in tables.steering_types:
        raise PacketRefused(
            f"Loại chỉ đạo {packet.steering_type} không có trong bảng mã.", "SteeringType"
        )
    _text_ok(packet.sphere_of_promulgation, "OtherInfo/SphereOfPromulgation", required=False)
    _text_ok(packet.typer_notation, "OtherInfo/TyperNotation", required=False)
    for name, value in (
        ("OtherInfo/PromulgationAmount", packet.promulgation_amount),
        ("OtherInfo/PageAmount", packet.page_amount),
    ):
        if value is not None:
            _int_ok(value, name, 0, 100_000)
    for i, appendix in enumerate(packet.appendixes, start=1):
        _text_ok(
            appendix, f"OtherInfo/Appendixes/Appendix[{i}]", required=True, limit_key="Appendix"
        )


def _business_ok(business: Business, pattern: str) -> None:
    where = "Bussiness/BussinessDocType"
    _int_ok(business.doc_type, where, 0, 3)
    kind = BusinessDocType(business.doc_type)
    _text_ok(business.reason, "Bussiness/BussinessDocReason", required=kind != BusinessDocType.NEW)
    _text_ok(business.document_id, "Bussiness/DocumentId", required=False)
    _staff_ok(business.staff, "Bussiness/StaffInfo")
    if kind == BusinessDocType.UPDATE and business.update is None:
        raise PacketRefused(
            "Gói tin cập nhật phải có thông tin cập nhật (BussinessDocumentInfo).",
            "Bussiness/BussinessDocumentInfo",
        )
    if kind != BusinessDocType.UPDATE and business.update is not None:
        raise PacketRefused(
            "Chỉ gói tin cập nhật mới có thông tin cập nhật (BussinessDocumentInfo).",
            "Bussiness/BussinessDocumentInfo",
        )
    if business.update is not None:
        for i, receiver in enumerate(business.update.receivers, start=1):
            base = f"Bussiness/BussinessDocumentInfo/ReceiverList/Receiver[{i}]"
            _int_ok(receiver.receiver_type, f"{base}/ReceiverType", 0, 99)
            _organ_id_ok(receiver.organ_id, f"{base}/OrganId", pattern)
    if kind == BusinessDocType.REPLACE and not business.replacements:
        raise PacketRefused(
            "Gói tin thay thế phải nêu văn bản bị thay thế (ReplacementInfoList).",
            "Bussiness/ReplacementInfoList",
        )
    if kind != BusinessDocType.REPLACE and business.replacements:
        raise PacketRefused(
            "Chỉ gói tin thay thế mới có danh sách văn bản bị thay thế (ReplacementInfoList).",
            "Bussiness/ReplacementInfoList",
        )
    for i, item in enumerate(business.replacements, start=1):
        base = f"Bussiness/ReplacementInfoList/ReplacementInfo[{i}]"
        _text_ok(item.document_id, f"{base}/DocumentId", required=True)
        for j, organ_id in enumerate(item.organ_ids, start=1):
            _organ_id_ok(organ_id, f"{base}/OrganIdList/OrganId[{j}]", pattern)


def _attachments_ok(attachments: tuple[Attachment, ...]) -> None:
    seen: set[str] = set()
    for i, att in enumerate(attachments, start=1):
        where = f"Attachment[{i}]"
        _text_ok(att.content_id, f"{where}/ContentId", required=True)
        if not _CONTENT_ID_RE.fullmatch(att.content_id):
            raise PacketRefused(
                f"Mã tệp đính kèm “{shorten(att.content_id, 40)}” chỉ được gồm chữ cái "
                f"không dấu, chữ số và . _ @ - ({where}/ContentId).",
                f"{where}/ContentId",
            )
        if att.content_id in seen:
            raise PacketRefused(
                f"Mã tệp đính kèm {att.content_id} bị lặp ({where}/ContentId).",
                f"{where}/ContentId",
            )
        seen.add(att.content_id)
        _text_ok(att.name, f"{where}/AttachmentName", required=True)
        _text_ok(att.mime, f"{where}/ContentType", required=True)
        if not _MIME_RE.fullmatch(att.mime):
            raise PacketRefused(
                f"Kiểu tệp “{shorten(att.mime, 40)}” không phải kiểu MIME hợp lệ "
                f"({where}/ContentType).",
                f"{where}/ContentType",
            )
        _text_ok(att.description, f"{where}/Description", required=False)
        if not isinstance(att.data, bytes):
            raise PacketRefused(
                f"Nội dung tệp đính kèm phải là dữ liệu nhị phân ({where}).",
                f"{where}/ContentTransferEncoded",
            )


def validate_status(
    packet: StatusPacket, *, agency_code_pattern: str = DEFAULT_AGENCY_CODE_PATTERN
) -> None:
    """Raise `PacketRefused` for the first rule the status `packet` breaks."""
    _text_ok(packet.document_id, "ResponseFor/DocumentId", required=True)
    _organisation_ok(packet.from_, "From", agency_code_pattern)
    if packet.to is None:
        raise PacketRefused("Gói tin trạng thái phải có nơi nhận (To).", "To")
    _organisation_ok(packet.to, "To", agency_code_pattern, name_required=False)
    if packet.status_code not in STATUS_CODES:
        raise PacketRefused(
            f"Mã trạng thái “{shorten(str(packet.status_code), 10)}” không hợp lệ "
            "(chỉ nhận 01–06, 13, 15, 16).",
            "StatusCode",
        )
    if packet.status_code in STATUS_NEEDS_DESCRIPTION and not (packet.description or "").strip():
        raise PacketRefused(_missing_reason(packet.status_code), "Description")
    _text_ok(packet.description, "Description", required=False)
    _timestamp_ok(packet.timestamp, "Timestamp")
    _staff_ok(packet.staff, "StaffInfo")
    _text_ok(packet.code, "ResponseFor/Code", required=False)
    _date_ok(packet.promulgation_date, "ResponseFor/PromulgationDate", required=False)


def _missing_reason(code: str) -> str:
    return f"Trạng thái {code} ({STATUS_CODES[code]}) phải kèm lý do (Description)."


# --------------------------------------------------------------------------- building

_ORG_OPTIONAL = (
    ("organization_in_charge", "OrganizationInCharge"),
    ("organ_add", "OrganAdd"),
    ("email", "Email"),
    ("telephone", "Telephone"),
    ("fax", "Fax"),
    ("website", "Website"),
)


def _q(name: str) -> str:
    return f"{{{NS}}}{name}"


def _sub(parent: etree._Element, name: str, text: str | None = None) -> etree._Element:
    child = etree.SubElement(parent, _q(name))
    if text is not None:
        child.text = unicodedata.normalize("NFC", text)
    return child


def _opt(parent: etree._Element, name: str, text: str | None) -> None:
    if text is not None:
        _sub(parent, name, text)


def _fmt_date(value: date) -> str:
    return f"{value.year:04d}/{value.month:02d}/{value.day:02d}"


def _fmt_timestamp(value: datetime) -> str:
    local = value.astimezone(PACKET_TZ)
    return _fmt_date(local) + f" {local.hour:02d}:{local.minute:02d}:{local.second:02d}"


def _add_organisation(parent: etree._Element, name: str, org: Organisation) -> None:
    el = _sub(parent, name)
    _sub(el, "OrganId", org.organ_id)
    _opt(el, "OrganizationInCharge", org.organization_in_charge)
    _sub(el, "OrganName", org.organ_name)
    for attr, tag in _ORG_OPTIONAL[1:]:
        _opt(el, tag, getattr(org, attr))


def _add_staff(parent: etree._Element, staff: StaffInfo | None) -> None:
    if staff is None:
        return
    el = _sub(parent, "StaffInfo")
    _sub(el, "Department", staff.department)
    _sub(el, "Staff", staff.staff)
    _opt(el, "Mobile", staff.mobile)
    _opt(el, "Email", staff.email)


def _envelope() -> tuple[etree._Element, etree._Element, etree._Element]:
    root = etree.Element(_q("edXML"), nsmap=NSMAP)
    envelope = _sub(root, "edXMLEnvelope")
    header = _sub(envelope, "edXMLHeader")
    return root, envelope, header


def _serialise(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def build_document(
    packet: DocumentPacket,
    *,
    agency_code_pattern: str = DEFAULT_AGENCY_CODE_PATTERN,
    code_tables: CodeTables = DEFAULT_CODE_TABLES,
) -> bytes:
    """The edXML bytes of `packet`, after `validate_document` (refuses what it would)."""
    validate_document(packet, agency_code_pattern=agency_code_pattern, code_tables=code_tables)
    root, envelope, header = _envelope()
    msg = _sub(header, "MessageHeader")
    _add_organisation(msg, "From", packet.from_)
    for org in packet.to:
        _add_organisation(msg, "To", org)
    code = _sub(msg, "Code")
    _sub(code, "CodeNumber", packet.code_number)
    _sub(code, "CodeNotation", packet.code_notation)
    prom = _sub(msg, "PromulgationInfo")
    _sub(prom, "Place", packet.promulgation_place)
    _sub(prom, "PromulgationDate", _fmt_date(packet.promulgation_date))
    doc_type = _sub(msg, "DocumentType")
    _sub(doc_type, "Type", str(packet.document_type.code))
    _sub(doc_type, "TypeName", packet.document_type.name)
    _sub(msg, "Subject", packet.subject)
    _opt(msg, "Content", packet.content)
    signer = _sub(msg, "SignerInfo")
    _opt(signer, "Competence", packet.signer.competence)
    _sub(signer, "Position", packet.signer.position)
    _sub(signer, "FullName", packet.signer.full_name)
    if packet.due_date is not None:
        _sub(msg, "DueDate", _fmt_date(packet.due_date))
    places = _sub(msg, "ToPlaces")
    for place in packet.to_places:
        _sub(places, "Place", place)
    _add_other_info(msg, packet)
    for ref in packet.response_for:
        el = _sub(msg, "ResponseFor")
        _sub(el, "OrganId", ref.organ_id)
        _sub(el, "Code", ref.code)
        _sub(el, "PromulgationDate", _fmt_date(ref.promulgation_date))
        _sub(el, "DocumentId", ref.document_id)
    _sub(msg, "SteeringType", str(packet.steering_type))
    _sub(msg, "DocumentId", packet.document_id)
    _add_trace_list(header, packet)
    _add_attachments(root, envelope, packet.attachments)
    return _serialise(root)


def _add_other_info(msg: etree._Element, packet: DocumentPacket) -> None:
    other = _sub(msg, "OtherInfo")
    _sub(other, "Priority", str(packet.priority))
    _opt(other, "SphereOfPromulgation", packet.sphere_of_promulgation)
    _opt(other, "TyperNotation", packet.typer_notation)
    if packet.promulgation_amount is not None:
        _sub(other, "PromulgationAmount", str(packet.promulgation_amount))
    if packet.page_amount is not None:
        _sub(other, "PageAmount", str(packet.page_amount))
    if packet.appendixes:
        appendixes = _sub(other, "Appendixes")
        for appendix in packet.appendixes:
            _sub(appendixes, "Appendix", appendix)


def _add_trace_list(header: etree._Element, packet: DocumentPacket) -> None:
    traces = _sub(header, "TraceHeaderList")
    for trace in packet.trace_headers:
        el = _sub(traces, "TraceHeader")
        _sub(el, "OrganId", trace.organ_id)
        _sub(el, "Timestamp", _fmt_timestamp(trace.timestamp))
    business = packet.business
    el = _sub(traces, "Bussiness")
    _sub(el, "BussinessDocType", str(int(business.doc_type)))
    _opt(el, "BussinessDocReason", business.reason)
    _opt(el, "DocumentId", business.document_id)
    _sub(el, "Paper", "1" if business.paper else "0")
    _add_staff(el, business.staff)
    if business.update is not None:
        info = _sub(el, "BussinessDocumentInfo")
        _sub(info, "DocumentInfo", "1" if business.update.document_info_changed else "0")
        _sub(info, "DocumentReceiver", "1" if business.update.receivers_changed else "0")
        receivers = _sub(info, "ReceiverList")
        for receiver in business.update.receivers:
            r = _sub(receivers, "Receiver")
            _sub(r, "ReceiverType", str(receiver.receiver_type))
            _sub(r, "OrganId", receiver.organ_id)
    if business.replacements:
        replacements = _sub(el, "ReplacementInfoList")
        for item in business.replacements:
            r = _sub(replacements, "ReplacementInfo")
            _sub(r, "DocumentId", item.document_id)
            ids = _sub(r, "OrganIdList")
            for organ_id in item.organ_ids:
                _sub(ids, "OrganId", organ_id)


def _add_attachments(
    root: etree._Element, envelope: etree._Element, attachments: tuple[Attachment, ...]
) -> None:
    manifest = _sub(_sub(envelope, "edXMLBody"), "edXMLManifest")
    manifest.set("version", "1.0")
    encoded = _sub(root, "AttachmentEncoded")
    for att in attachments:
        ref = _sub(manifest, "Reference")
        ref.set(f"{{{XLINK}}}href", f"cid:{att.content_id}")
        ref.set(f"{{{XLINK}}}type", "simple")
        for el in (ref, _sub(encoded, "Attachment")):
            _sub(el, "ContentId", att.content_id)
            _sub(el, "AttachmentName", att.name)
            _sub(el, "ContentType", att.mime)
            _opt(el, "Description", att.description)
        el = encoded[-1]
        _sub(el, "ContentTransferEncoded", base64.b64encode(att.data).decode("ascii"))


def build_status(
    packet: StatusPacket, *, agency_code_pattern: str = DEFAULT_AGENCY_CODE_PATTERN
) -> bytes:
    """The edXML bytes of a status packet, after `validate_status`."""
    validate_status(packet, agency_code_pattern=agency_code_pattern)
    root, envelope, header = _envelope()
    msg = _sub(header, "MessageStatus")
    ref = _sub(msg, "ResponseFor")
    # ResponseFor/OrganId is the agency that issued the document: the addressee of the
    # status, except for 13, which the issuer itself sends.
    issuer = packet.from_ if packet.status_code == "13" else packet.to
    _sub(ref, "OrganId", issuer.organ_id)
    _opt(ref, "Code", packet.code)
    if packet.promulgation_date is not None:
        _sub(ref, "PromulgationDate", _fmt_date(packet.promulgation_date))
    _sub(ref, "DocumentId", packet.document_id)
    _add_organisation(msg, "From", packet.from_)
    _add_organisation(msg, "To", packet.to)
    _sub(msg, "StatusCode", packet.status_code)
    _opt(msg, "Description", packet.description)
    _sub(msg, "Timestamp", _fmt_timestamp(packet.timestamp))
    _add_staff(msg, packet.staff)
    _sub(_sub(envelope, "edXMLBody"), "edXMLManifest").set("version", "1.0")
    return _serialise(root)


# --------------------------------------------------------------------------- parsing

_BOMS_NOT_UTF8 = (b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff", b"\xff\xfe\x00\x00")


def _safe_parser() -> etree.XMLParser:
    """A parser that never resolves entities, loads a DTD or touches the network."""
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
        collect_ids=False,
    )


def _load(data: bytes, max_bytes: int) -> etree._Element:
    """The root element of `data`, or `PacketRefused` before any harm can be done."""
    if not isinstance(data, bytes):
        raise PacketRefused("Gói tin phải là dữ liệu nhị phân (bytes).", "edXML")
    # By length first: nothing of an oversized packet is read, copied or parsed.
    if len(data) > max_bytes:
        raise PacketRefused(
            f"Gói tin dài {len(data)} byte, vượt quá giới hạn {max_bytes} byte.", "edXML"
        )
    if not data.strip():
        raise PacketRefused("Gói tin rỗng.", "edXML")
    # UTF-8 only: in UTF-16 a DOCTYPE would slip past the byte scan below.
    if data.startswith(_BOMS_NOT_UTF8) or b"\x00" in data[:4]:
        raise PacketRefused("Gói tin phải được mã hóa UTF-8.", "edXML")
    # No DOCTYPE at all: no entity can be declared, so none can be external or recursive.
    if b"<!DOCTYPE" in data:
        raise PacketRefused("Gói tin chứa khai báo DOCTYPE, không được chấp nhận.", "edXML")
    try:
        root = etree.fromstring(data, _safe_parser())
    except etree.XMLSyntaxError as exc:
        raise PacketRefused(
            f"Gói tin không phải XML hợp lệ: {shorten(str(exc), 200)}", "edXML"
        ) from None
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise PacketRefused("Gói tin chứa khai báo DOCTYPE, không được chấp nhận.", "edXML")
    for node in root.iter():
        if not isinstance(node.tag, str):  # an unresolved entity reference
            raise PacketRefused("Gói tin chứa tham chiếu thực thể, không được chấp nhận.", "edXML")
    if etree.QName(root).localname != "edXML":
        raise PacketRefused("Phần tử gốc của gói tin phải là edXML.", "edXML")
    return root


def _local(el: etree._Element) -> str:
    return etree.QName(el).localname


def _all(parent: etree._Element | None, name: str) -> list[etree._Element]:
    # By local name: samples mix qualified and unqualified elements (decision 0013).
    if parent is None:
        return []
    return [c for c in parent if isinstance(c.tag, str) and _local(c) == name]


def _one(
    parent: etree._Element | None, name: str, where: str, *, required: bool = True
) -> etree._Element | None:
    found = _all(parent, name)
    if len(found) > 1:
        raise PacketRefused(f"Phần tử {where} xuất hiện nhiều lần.", where)
    if not found:
        if required:
            raise PacketRefused(f"Gói tin thiếu phần tử {where}.", where)
        return None
    return found[0]


def _text(
    parent: etree._Element | None, name: str, where: str, *, required: bool = True
) -> str | None:
    el = _one(parent, name, where, required=required)
    if el is None:
        return None
    if len(el):
        raise PacketRefused(f"Phần tử {where} chỉ được chứa văn bản.", where)
    return unicodedata.normalize("NFC", el.text or "")


def _parse_int(value: str | None, where: str) -> int | None:
    if value is None:
        return None
    if not re.fullmatch(r"\s*-?\d{1,9}\s*", value, flags=re.ASCII):
        raise PacketRefused(
            f"{_label(where)} “{shorten(value, 20)}” phải là số nguyên ({where}).", where
        )
    return int(value)


def _parse_flag(value: str | None, where: str) -> bool:
    number = _parse_int(value, where)
    if number not in (None, 0, 1):
        raise PacketRefused(f"{_label(where)} chỉ nhận 0 hoặc 1 ({where}).", where)
    return number == 1


def _parse_date(value: str | None, where: str) -> date | None:
    if value is None:
        return None
    value = value.strip()
    try:
        if not _DATE_RE.fullmatch(value):
            raise ValueError(value)
        return datetime.strptime(value, DATE_FORMAT).date()
    except ValueError:
        raise PacketRefused(
            f"{_label(where)} “{shorten(value, 20)}” không đúng dạng yyyy/MM/dd ({where}).",
            where,
        ) from None


def _parse_timestamp(value: str | None, where: str) -> datetime:
    value = (value or "").strip()
    try:
        if not _TIMESTAMP_RE.fullmatch(value):
            raise ValueError(value)
        return datetime.strptime(value, TIMESTAMP_FORMAT).replace(tzinfo=PACKET_TZ)
    except ValueError:
        raise PacketRefused(
            f"Thời điểm “{shorten(value, 25)}” không đúng dạng yyyy/MM/dd HH:mm:ss ({where}).",
            where,
        ) from None


def _parse_organisation(el: etree._Element, where: str) -> Organisation:
    values = {attr: _text(el, tag, f"{where}/{tag}", required=False) for attr, tag in _ORG_OPTIONAL}
    return Organisation(
        organ_id=_text(el, "OrganId", f"{where}/OrganId") or "",
        organ_name=_text(el, "OrganName", f"{where}/OrganName", required=False),  # type: ignore[arg-type]
        **values,
    )


def _parse_staff(parent: etree._Element, where: str) -> StaffInfo | None:
    el = _one(parent, "StaffInfo", where, required=False)
    if el is None:
        return None
    return StaffInfo(
        department=_text(el, "Department", f"{where}/Department", required=False) or "",
        staff=_text(el, "Staff", f"{where}/Staff", required=False) or "",
        mobile=_text(el, "Mobile", f"{where}/Mobile", required=False),
        email=_text(el, "Email", f"{where}/Email", required=False),
    )


def _header(root: etree._Element) -> etree._Element:
    envelope = _one(root, "edXMLEnvelope", "edXMLEnvelope")
    return _one(envelope, "edXMLHeader", "edXMLHeader")  # type: ignore[return-value]


def parse_document(
    data: bytes,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    agency_code_pattern: str = DEFAULT_AGENCY_CODE_PATTERN,
    code_tables: CodeTables = DEFAULT_CODE_TABLES,
) -> DocumentPacket:
    """Read a document packet; refuse it (`PacketRefused`) if anything is wrong."""
    root = _load(data, max_bytes)
    return _document_from(root, agency_code_pattern, code_tables)


def _document_from(
    root: etree._Element, agency_code_pattern: str, code_tables: CodeTables
) -> DocumentPacket:
    header = _header(root)
    msg = _one(header, "MessageHeader", "MessageHeader")
    from_el = _one(msg, "From", "From")
    to = tuple(_parse_organisation(el, f"To[{i}]") for i, el in enumerate(_all(msg, "To"), 1))
    code = _one(msg, "Code", "Code")
    prom = _one(msg, "PromulgationInfo", "PromulgationInfo")
    doc_type = _one(msg, "DocumentType", "DocumentType")
    signer = _one(msg, "SignerInfo", "SignerInfo")
    other = _one(msg, "OtherInfo", "OtherInfo", required=False)
    places = _one(msg, "ToPlaces", "ToPlaces", required=False)
    appendixes = _one(other, "Appendixes", "OtherInfo/Appendixes", required=False)
    type_code = _parse_int(_text(doc_type, "Type", "DocumentType/Type"), "DocumentType/Type")
    packet = DocumentPacket(
        document_id=_text(msg, "DocumentId", "DocumentId") or "",
        from_=_parse_organisation(from_el, "From"),  # type: ignore[arg-type]
        to=to,
        code_number=_text(code, "CodeNumber", "Code/CodeNumber") or "",
        code_notation=_text(code, "CodeNotation", "Code/CodeNotation") or "",
        promulgation_place=_text(prom, "Place", "PromulgationInfo/Place") or "",
        promulgation_date=_parse_date(
            _text(prom, "PromulgationDate", "PromulgationDate"), "PromulgationDate"
        ),  # type: ignore[arg-type]
        document_type=DocumentType(
            code=type_code,  # type: ignore[arg-type]
            name=_text(doc_type, "TypeName", "DocumentType/TypeName") or "",
        ),
        subject=_text(msg, "Subject", "Subject") or "",
        content=_text(msg, "Content", "Content", required=False),
        signer=Signer(
            competence=_text(signer, "Competence", "SignerInfo/Competence", required=False),
            position=_text(signer, "Position", "SignerInfo/Position") or "",
            full_name=_text(signer, "FullName", "SignerInfo/FullName") or "",
        ),
        due_date=_parse_date(_text(msg, "DueDate", "DueDate", required=False), "DueDate"),
        to_places=tuple(_element_texts(places, "Place", "ToPlaces/Place")),
        priority=_parse_int(
            _text(other, "Priority", "OtherInfo/Priority", required=False) or "0",
            "OtherInfo/Priority",
        ),  # type: ignore[arg-type]
        steering_type=_parse_int(
            _text(msg, "SteeringType", "SteeringType", required=False) or "0", "SteeringType"
        ),  # type: ignore[arg-type]
        sphere_of_promulgation=_text(
            other, "SphereOfPromulgation", "OtherInfo/SphereOfPromulgation", required=False
        ),
        typer_notation=_text(other, "TyperNotation", "OtherInfo/TyperNotation", required=False),
        promulgation_amount=_parse_int(
            _text(other, "PromulgationAmount", "OtherInfo/PromulgationAmount", required=False),
            "OtherInfo/PromulgationAmount",
        ),
        page_amount=_parse_int(
            _text(other, "PageAmount", "OtherInfo/PageAmount", required=False),
            "OtherInfo/PageAmount",
        ),
        appendixes=tuple(_element_texts(appendixes, "Appendix", "OtherInfo/Appendixes/Appendix")),
        response_for=tuple(
            _parse_response_for(el, f"ResponseFor[{i}]")
            for i, el in enumerate(_all(msg, "ResponseFor"), 1)
        ),
        **_parse_trace_list(header),
        attachments=_parse_attachments(root),
    )
    validate_document(packet, agency_code_pattern=agency_code_pattern, code_tables=code_tables)
    return packet


def _element_texts(parent: etree._Element | None, name: str, where: str) -> list[str]:
    texts = []
    for i, el in enumerate(_all(parent, name), start=1):
        if len(el):
            raise PacketRefused(f"Phần tử {where}[{i}] chỉ được chứa văn bản.", f"{where}[{i}]")
        texts.append(unicodedata.normalize("NFC", el.text or ""))
    return texts


def _parse_response_for(el: etree._Element, where: str) -> ResponseFor:
    return ResponseFor(
        organ_id=_text(el, "OrganId", f"{where}/OrganId") or "",
        code=_text(el, "Code", f"{where}/Code") or "",
        promulgation_date=_parse_date(
            _text(el, "PromulgationDate", f"{where}/PromulgationDate"),
            f"{where}/PromulgationDate",
        ),  # type: ignore[arg-type]
        document_id=_text(el, "DocumentId", f"{where}/DocumentId") or "",
    )


def _parse_trace_list(header: etree._Element) -> dict[str, Any]:
    traces = _one(header, "TraceHeaderList", "TraceHeaderList", required=False)
    trace_headers = tuple(
        TraceHeader(
            organ_id=_text(el, "OrganId", f"TraceHeader[{i}]/OrganId") or "",
            timestamp=_parse_timestamp(
                _text(el, "Timestamp", f"TraceHeader[{i}]/Timestamp"),
                f"TraceHeader[{i}]/Timestamp",
            ),
        )
        for i, el in enumerate(_all(traces, "TraceHeader"), 1)
    )
    el = _one(traces, "Bussiness", "Bussiness", required=False)
    if el is None:
        return {"trace_headers": trace_headers, "business": Business()}
    where = "Bussiness/BussinessDocType"
    doc_type = _parse_int(_text(el, "BussinessDocType", where), where)
    if doc_type not in tuple(BusinessDocType):
        raise PacketRefused(
            f"Loại nghiệp vụ {doc_type} không hợp lệ (chỉ nhận 0 mới, 1 thu hồi, "
            "2 cập nhật, 3 thay thế).",
            where,
        )
    business = Business(
        doc_type=doc_type,  # type: ignore[arg-type]
        reason=_text(el, "BussinessDocReason", "Bussiness/BussinessDocReason", required=False),
        document_id=_text(el, "DocumentId", "Bussiness/DocumentId", required=False),
        paper=_parse_flag(_text(el, "Paper", "Bussiness/Paper", required=False), "Bussiness/Paper"),
        staff=_parse_staff(el, "Bussiness/StaffInfo"),
        update=_parse_update(el),
        replacements=_parse_replacements(el),
    )
    return {"trace_headers": trace_headers, "business": business}


def _parse_update(business: etree._Element) -> UpdateInfo | None:
    base = "Bussiness/BussinessDocumentInfo"
    info = _one(business, "BussinessDocumentInfo", base, required=False)
    if info is None:
        return None
    receivers = _one(info, "ReceiverList", f"{base}/ReceiverList", required=False)
    items = []
    for i, el in enumerate(_all(receivers, "Receiver"), start=1):
        where = f"{base}/ReceiverList/Receiver[{i}]"
        items.append(
            Receiver(
                receiver_type=_parse_int(
                    _text(el, "ReceiverType", f"{where}/ReceiverType"), f"{where}/ReceiverType"
                ),  # type: ignore[arg-type]
                organ_id=_text(el, "OrganId", f"{where}/OrganId") or "",
            )
        )
    return UpdateInfo(
        document_info_changed=_parse_flag(
            _text(info, "DocumentInfo", f"{base}/DocumentInfo", required=False),
            f"{base}/DocumentInfo",
        ),
        receivers_changed=_parse_flag(
            _text(info, "DocumentReceiver", f"{base}/DocumentReceiver", required=False),
            f"{base}/DocumentReceiver",
        ),
        receivers=tuple(items),
    )


def _parse_replacements(business: etree._Element) -> tuple[Replacement, ...]:
    base = "Bussiness/ReplacementInfoList"
    listing = _one(business, "ReplacementInfoList", base, required=False)
    items = []
    for i, el in enumerate(_all(listing, "ReplacementInfo"), start=1):
        where = f"{base}/ReplacementInfo[{i}]"
        ids = _one(el, "OrganIdList", f"{where}/OrganIdList", required=False)
        items.append(
            Replacement(
                document_id=_text(el, "DocumentId", f"{where}/DocumentId") or "",
                organ_ids=tuple(_element_texts(ids, "OrganId", f"{where}/OrganIdList/OrganId")),
            )
        )
    return tuple(items)


def _parse_attachments(root: etree._Element) -> tuple[Attachment, ...]:
    """Attachments in manifest order; every `cid:` reference must have its data."""
    envelope = _one(root, "edXMLEnvelope", "edXMLEnvelope")
    body = _one(envelope, "edXMLBody", "edXMLBody", required=False)
    manifest = _one(body, "edXMLManifest", "edXMLManifest", required=False)
    encoded: dict[str, etree._Element] = {}
    elements = _all(
        _one(root, "AttachmentEncoded", "AttachmentEncoded", required=False), "Attachment"
    )
    if len(elements) > MAX_ATTACHMENTS:
        raise PacketRefused(
            f"Gói tin có {len(elements)} tệp đính kèm, vượt quá {MAX_ATTACHMENTS} tệp cho phép.",
            "AttachmentEncoded",
        )
    for i, el in enumerate(elements, 1):
        cid = _text(el, "ContentId", f"Attachment[{i}]/ContentId") or ""
        if cid in encoded:
            raise PacketRefused(
                f"Mã tệp đính kèm {cid} bị lặp (Attachment[{i}]/ContentId).",
                f"Attachment[{i}]/ContentId",
            )
        encoded[cid] = el
    attachments = []
    for i, ref in enumerate(_all(manifest, "Reference"), start=1):
        where = f"Reference[{i}]"
        href = ref.get(f"{{{XLINK}}}href") or ""
        if not href.startswith("cid:"):
            raise PacketRefused(
                f"Tham chiếu tệp đính kèm “{shorten(href, 40)}” phải có dạng cid:… ({where}).",
                f"{where}/href",
            )
        cid = href[4:]
        el = encoded.pop(cid, None)
        if el is None:
            raise PacketRefused(
                f"Tệp đính kèm {shorten(cid, 40)} được khai báo nhưng không có trong gói tin.",
                f"{where}/href",
            )
        attachments.append(_parse_attachment(el, f"Attachment[{i}]", cid))
    if encoded:
        cid = next(iter(encoded))
        raise PacketRefused(
            f"Tệp đính kèm {shorten(cid, 40)} không được khai báo trong edXMLManifest.",
            "AttachmentEncoded",
        )
    return tuple(attachments)


def _parse_attachment(el: etree._Element, where: str, cid: str) -> Attachment:
    field_name = f"{where}/ContentTransferEncoded"
    raw = _text(el, "ContentTransferEncoded", field_name) or ""
    try:
        # Line breaks and spaces are allowed (wrapped base64); anything else is not.
        data = base64.b64decode("".join(raw.split()), validate=True)
    except (binascii.Error, ValueError):
        raise PacketRefused(
            f"Nội dung tệp đính kèm {shorten(cid, 40)} không phải base64 hợp lệ.", field_name
        ) from None
    return Attachment(
        content_id=cid,
        name=_text(el, "AttachmentName", f"{where}/AttachmentName") or "",
        mime=_text(el, "ContentType", f"{where}/ContentType") or "",
        data=data,
        description=_text(el, "Description", f"{where}/Description", required=False),
    )


def parse_status(
    data: bytes,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    agency_code_pattern: str = DEFAULT_AGENCY_CODE_PATTERN,
) -> StatusPacket:
    """Read a status packet; refuse it (`PacketRefused`) if anything is wrong."""
    root = _load(data, max_bytes)
    return _status_from(root, agency_code_pattern)


def _status_from(root: etree._Element, agency_code_pattern: str) -> StatusPacket:
    msg = _one(_header(root), "MessageStatus", "MessageStatus")
    ref = _one(msg, "ResponseFor", "ResponseFor")
    to_el = _one(msg, "To", "To", required=False)
    if to_el is not None:
        to = _parse_organisation(to_el, "To")
    else:
        to = Organisation(
            organ_id=_text(ref, "OrganId", "ResponseFor/OrganId") or "", organ_name=""
        )
    code = (_text(msg, "StatusCode", "StatusCode") or "").strip()
    code = STATUS_ALIASES.get(code, code)
    packet = StatusPacket(
        document_id=_text(ref, "DocumentId", "ResponseFor/DocumentId") or "",
        from_=_parse_organisation(_one(msg, "From", "From"), "From"),  # type: ignore[arg-type]
        to=to,
        status_code=code,
        timestamp=_parse_timestamp(_text(msg, "Timestamp", "Timestamp"), "Timestamp"),
        description=_text(msg, "Description", "Description", required=False),
        staff=_parse_staff(msg, "StaffInfo"),
        code=_text(ref, "Code", "ResponseFor/Code", required=False),
        promulgation_date=_parse_date(
            _text(ref, "PromulgationDate", "ResponseFor/PromulgationDate", required=False),
            "ResponseFor/PromulgationDate",
        ),
    )
    validate_status(packet, agency_code_pattern=agency_code_pattern)
    return packet


def parse_packet(
    data: bytes,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    agency_code_pattern: str = DEFAULT_AGENCY_CODE_PATTERN,
    code_tables: CodeTables = DEFAULT_CODE_TABLES,
) -> DocumentPacket | StatusPacket:
    """Read either kind: a `MessageHeader` is a document, a `MessageStatus` a status."""
    root = _load(data, max_bytes)
    header = _header(root)
    has_document = bool(_all(header, "MessageHeader"))
    has_status = bool(_all(header, "MessageStatus"))
    if has_document and has_status:
        raise PacketRefused("Gói tin không được vừa là văn bản vừa là trạng thái.", "edXMLHeader")
    if has_document:
        return _document_from(root, agency_code_pattern, code_tables)
    if has_status:
        return _status_from(root, agency_code_pattern)
    raise PacketRefused(
        "Gói tin thiếu MessageHeader (văn bản) hoặc MessageStatus (trạng thái).", "edXMLHeader"
    )
