"""Registering, correcting and cancelling incoming documents (văn bản đến).

Every function takes the acting user, validates everything before writing, and either
commits a complete change or rolls back and raises: a refused registration never
consumes an arrival number and never leaves a half-saved document.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, fields
from datetime import date, datetime, timedelta

from sqlalchemy import select

from eoffice.catalog.models import ConfidentialityLevel, DocumentType, UrgencyLevel
from eoffice.catalog.numbering import get_or_create_book, take_next_number
from eoffice.core import audit
from eoffice.core.errors import Conflict, Forbidden, ValidationFailed
from eoffice.core.text import clean, clean_multiline, vn_fold
from eoffice.core.timeutil import (
    format_date,
    format_datetime,
    local_year,
    now_utc,
    to_local,
    to_utc,
)
from eoffice.extensions import db
from eoffice.incoming.access import can_register, get_visible
from eoffice.incoming.attachments import Upload, attach_files, validate_uploads
from eoffice.incoming.models import SOURCE_LABELS, IncomingDocument, IncomingState, Source
from eoffice.orgs.models import Organisation, Unit, User
from eoffice.orgs.services import find_or_create_sender
from workflows.incoming import can_correct

log = logging.getLogger(__name__)

# Clocks drift: an arrival time a few minutes "in the future" is accepted.
FUTURE_TOLERANCE = timedelta(minutes=10)


@dataclass
class IncomingInput:
    """What a clerk enters for one incoming document (web form or API)."""

    sender_name: str = ""
    sender_org_id: int | None = None
    sender_agency_code: str | None = None
    symbol: str = ""
    document_date: date | None = None
    document_type_id: int | None = None
    subject: str = ""
    signer_name: str | None = None
    signer_position: str | None = None
    page_count: int | None = None
    urgency_code: str = "normal"
    confidentiality_code: str = "normal"
    source: str = Source.PAPER
    recipient_unit_id: int | None = None
    recipient_user_id: int | None = None
    deadline: date | None = None
    notes: str | None = None
    arrived_at: datetime | None = None
    book_code: str = "general"


class DuplicateSuspected(Conflict):
    """The same sender, number/symbol and date is already registered: the clerk must confirm."""

    code = "possible_duplicate"

    def __init__(self, duplicates: list[IncomingDocument]):
        first = duplicates[0]
        super().__init__(
            "Văn bản này có thể đã được vào sổ: số đến "
            f"{first.arrival_number} ngày {format_date(first.arrived_at)} "
            f"({first.sender_name}, số {first.symbol}). "
            "Hãy kiểm tra và xác nhận nếu vẫn muốn vào sổ."
        )
        self.duplicates = duplicates


@dataclass
class _Clean:
    """Validated, normalised values ready to be written."""

    sender: Organisation
    code_number: str | None
    code_notation: str | None
    values: dict = field(default_factory=dict)


def split_symbol(symbol: str) -> tuple[str | None, str | None]:
    """'3337 / GDĐT-TTTT' → ('3337', 'GDĐT-TTTT'); '' → (None, None)."""
    text = "".join(clean(symbol).split())
    if not text:
        return None, None
    number, sep, notation = text.partition("/")
    if not sep:
        return (text, None) if text.isdigit() else (None, text)
    return number or None, notation or None


def _validate(org_id: int, data: IncomingInput, *, now: datetime) -> _Clean:
    errors: dict[str, str] = {}

    sender_name = clean(data.sender_name)
    sender: Organisation | None = None
    if data.sender_org_id:
        sender = db.session.get(Organisation, data.sender_org_id)
        if sender is None:
            errors["sender_name"] = "Cơ quan gửi đã chọn không tồn tại."
    elif not sender_name:
        errors["sender_name"] = "Vui lòng nhập cơ quan, tổ chức gửi văn bản."
    elif len(sender_name) > 200:
        errors["sender_name"] = "Tên cơ quan gửi tối đa 200 ký tự."

    code_number, code_notation = split_symbol(data.symbol)
    if code_number and len(code_number) > 11:
        errors["symbol"] = "Số văn bản tối đa 11 ký tự."
    if code_notation and len(code_notation) > 30:
        errors["symbol"] = "Ký hiệu văn bản tối đa 30 ký tự."

    subject = clean(data.subject)
    if not subject:
        errors["subject"] = "Vui lòng nhập trích yếu nội dung."
    elif len(subject) > 500:
        errors["subject"] = f"Trích yếu tối đa 500 ký tự (hiện có {len(subject)})."

    doc_type = db.session.get(DocumentType, data.document_type_id or 0)
    if doc_type is None or not doc_type.is_active:
        errors["document_type_id"] = "Vui lòng chọn tên loại văn bản."
    urgency = db.session.get(UrgencyLevel, data.urgency_code or "")
    if urgency is None:
        errors["urgency_code"] = "Độ khẩn không hợp lệ."
    secrecy = db.session.get(ConfidentialityLevel, data.confidentiality_code or "")
    if secrecy is None:
        errors["confidentiality_code"] = "Độ mật không hợp lệ."
    if data.source not in {s.value for s in Source}:
        errors["source"] = "Hình thức nhận không hợp lệ."

    # A naive time comes from a form or API client in office time.
    arrived_at = to_utc(data.arrived_at) if data.arrived_at else now
    if arrived_at > now + FUTURE_TOLERANCE:
        errors["arrived_at"] = "Thời điểm đến không được ở tương lai."
    arrival_day = to_local(arrived_at).date()
    if data.document_date and data.document_date > arrival_day:
        errors["document_date"] = "Ngày văn bản không được sau ngày đến."
    if data.deadline and data.deadline < (data.document_date or arrival_day):
        errors["deadline"] = "Hạn xử lý không được trước ngày văn bản."
    if data.page_count is not None and not 0 < data.page_count <= 10000:
        errors["page_count"] = "Số trang phải từ 1 đến 10.000."

    for name, limit in (("signer_name", 100), ("signer_position", 100)):
        if len(clean(getattr(data, name))) > limit:
            errors[name] = f"Tối đa {limit} ký tự."

    if data.recipient_unit_id:
        unit = db.session.get(Unit, data.recipient_unit_id)
        if unit is None or unit.org_id != org_id:
            errors["recipient_unit_id"] = "Đơn vị nhận không thuộc cơ quan của bạn."
    if data.recipient_user_id:
        person = db.session.get(User, data.recipient_user_id)
        if person is None or person.org_id != org_id:
            errors["recipient_user_id"] = "Người nhận không thuộc cơ quan của bạn."

    if not errors and sender is None:
        try:
            sender = find_or_create_sender(sender_name, data.sender_agency_code)
        except ValidationFailed as exc:
            errors.update(exc.field_errors)

    if errors:
        raise ValidationFailed(
            "Thông tin chưa hợp lệ, vui lòng kiểm tra các ô được đánh dấu.", field_errors=errors
        )
    assert sender is not None and doc_type is not None
    values = {
        "document_date": data.document_date,
        "document_type_id": doc_type.id,
        "subject": subject,
        "signer_name": clean(data.signer_name) or None,
        "signer_position": clean(data.signer_position) or None,
        "page_count": data.page_count,
        "urgency_code": data.urgency_code,
        "confidentiality_code": data.confidentiality_code,
        "source": data.source,
        "recipient_unit_id": data.recipient_unit_id or None,
        "recipient_user_id": data.recipient_user_id or None,
        "deadline": data.deadline,
        "notes": clean_multiline(data.notes) or None,
        "arrived_at": arrived_at,
    }
    return _Clean(
        sender=sender, code_number=code_number, code_notation=code_notation, values=values
    )


def find_duplicates(
    org_id: int,
    sender_name: str,
    code_number: str | None,
    code_notation: str | None,
    document_date: date | None,
    *,
    exclude_id: int | None = None,
) -> list[IncomingDocument]:
    """Earlier registrations of the same sender + number/symbol + date (not cancelled)."""
    if not code_number and not code_notation:
        return []
    stmt = select(IncomingDocument).where(
        IncomingDocument.org_id == org_id,
        IncomingDocument.sender_name_folded == vn_fold(sender_name),
        IncomingDocument.code_number.is_(code_number)
        if code_number is None
        else IncomingDocument.code_number == code_number,
        IncomingDocument.state != IncomingState.CANCELLED,
    )
    if code_notation is not None:
        stmt = stmt.where(IncomingDocument.code_notation == code_notation)
    if document_date is not None:
        stmt = stmt.where(IncomingDocument.document_date == document_date)
    if exclude_id is not None:
        stmt = stmt.where(IncomingDocument.id != exclude_id)
    return list(db.session.scalars(stmt.order_by(IncomingDocument.id)))


def _search_text(doc: IncomingDocument) -> str:
    parts = [doc.symbol, doc.sender_name, doc.subject, doc.signer_name or "", doc.notes or ""]
    return vn_fold(" ".join(p.replace("/", " ").replace("-", " ") + " " + p for p in parts if p))


def register_incoming(
    actor: User,
    data: IncomingInput,
    uploads: list[Upload] | None = None,
    *,
    confirm_duplicate: bool = False,
) -> IncomingDocument:
    """Vào sổ văn bản đến: validate, take the next arrival number, store files, commit."""
    if not can_register(actor):
        raise Forbidden("Chỉ văn thư mới được vào sổ văn bản đến.")
    uploads = uploads or []
    now = now_utc()
    try:
        cleaned = _validate(actor.org_id, data, now=now)
        checked_files = validate_uploads(uploads)
        secrecy = db.session.get(ConfidentialityLevel, data.confidentiality_code)
        if not confirm_duplicate:
            duplicates = find_duplicates(
                actor.org_id,
                cleaned.sender.name,
                cleaned.code_number,
                cleaned.code_notation,
                data.document_date,
            )
            if duplicates:
                raise DuplicateSuspected(duplicates)

        book_code = "confidential" if secrecy.is_secret else (data.book_code or "general")
        try:
            book = get_or_create_book(actor.org_id, "incoming", book_code, local_year(now))
        except LookupError:
            book = None
        if book is None or book.is_confidential != secrecy.is_secret or not book.is_active:
            raise ValidationFailed(
                "Sổ đăng ký không phù hợp với độ mật của văn bản.",
                field_errors={"book_code": "Văn bản mật phải vào sổ văn bản mật."},
            )
        doc = IncomingDocument(
            org_id=actor.org_id,
            register_book_id=book.id,
            arrival_number=take_next_number(book.id),
            registered_at=now,
            registered_by_id=actor.id,
            sender_org_id=cleaned.sender.id,
            sender_name=cleaned.sender.name,
            sender_name_folded=vn_fold(cleaned.sender.name),
            sender_agency_code=cleaned.sender.agency_code,
            code_number=cleaned.code_number,
            code_notation=cleaned.code_notation,
            state=IncomingState.REGISTERED,
            **cleaned.values,
        )
        doc.search_text = _search_text(doc)  # before the INSERT: no second UPDATE
        db.session.add(doc)
        db.session.flush()
        attach_files(doc, checked_files, actor=actor)
        audit.record(
            actor_id=actor.id,
            org_id=actor.org_id,
            subject_type="incoming",
            subject_id=doc.id,
            action="registered",
            changes={
                "arrival_number": doc.arrival_number,
                "book": book.name,
                "files": [u.filename for u in uploads],
            },
            note="Đã xác nhận vào sổ dù có thể trùng." if confirm_duplicate else None,
        )
        # Read before commit: afterwards every attribute would be reloaded from the database.
        summary = (actor.org_id, book.id, doc.arrival_number, doc.id)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    log.info("incoming registered org=%s book=%s number=%s id=%s", *summary)
    return doc


# Fields a correction may change, with their Vietnamese labels for the history.
CORRECTABLE_LABELS = {
    "sender_name": "Cơ quan gửi",
    "symbol": "Số, ký hiệu",
    "document_date": "Ngày văn bản",
    "document_type_id": "Tên loại",
    "subject": "Trích yếu",
    "signer_name": "Người ký",
    "signer_position": "Chức vụ người ký",
    "page_count": "Số trang",
    "urgency_code": "Độ khẩn",
    "source": "Hình thức nhận",
    "recipient_unit_id": "Đơn vị nhận",
    "recipient_user_id": "Người nhận",
    "deadline": "Hạn xử lý",
    "notes": "Ghi chú",
    "arrived_at": "Thời điểm đến",
}


def correct_incoming(
    actor: User,
    doc_id: int,
    data: IncomingInput,
    uploads: list[Upload] | None = None,
) -> IncomingDocument:
    """Correct a registered entry; allowed until it is presented to a leader."""
    doc = get_visible(actor, doc_id)
    if not can_register(actor):
        raise Forbidden("Chỉ văn thư mới được sửa thông tin vào sổ.")
    if not can_correct(doc.state):
        raise Conflict("Văn bản đã được trình hoặc đã hủy, không thể sửa thông tin vào sổ.")
    if data.confidentiality_code != doc.confidentiality_code:
        raise ValidationFailed(
            "Không thể đổi độ mật sau khi vào sổ; hãy hủy và vào sổ lại vào sổ văn bản mật.",
            field_errors={"confidentiality_code": "Không đổi được độ mật sau khi vào sổ."},
        )
    try:
        cleaned = _validate(actor.org_id, data, now=now_utc())
        checked_files = validate_uploads(uploads or [], already=len(doc.attachments))
        before = {name: _current(doc, name) for name in CORRECTABLE_LABELS}
        doc.sender_org_id = cleaned.sender.id
        doc.sender_name = cleaned.sender.name
        doc.sender_name_folded = vn_fold(cleaned.sender.name)
        doc.sender_agency_code = cleaned.sender.agency_code
        doc.code_number = cleaned.code_number
        doc.code_notation = cleaned.code_notation
        for name, value in cleaned.values.items():
            setattr(doc, name, value)
        after = {name: _current(doc, name) for name in CORRECTABLE_LABELS}
        changes = {
            name: [before[name], after[name]]
            for name in CORRECTABLE_LABELS
            if before[name] != after[name]
        }
        attach_files(doc, checked_files, actor=actor)
        doc.search_text = _search_text(doc)
        if changes:
            audit.record(
                actor_id=actor.id,
                org_id=actor.org_id,
                subject_type="incoming",
                subject_id=doc.id,
                action="corrected",
                changes=changes,
            )
        if checked_files:
            audit.record(
                actor_id=actor.id,
                org_id=actor.org_id,
                subject_type="incoming",
                subject_id=doc.id,
                action="file_added",
                changes={"files": [f.upload.filename for f in checked_files]},
            )
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return doc


# Foreign keys are recorded in the history by their names, not their ids.
_LOOKUPS = {
    "document_type_id": (DocumentType, "name"),
    "urgency_code": (UrgencyLevel, "name"),
    "recipient_unit_id": (Unit, "name"),
    "recipient_user_id": (User, "full_name"),
}


def _current(doc: IncomingDocument, name: str):
    """The value of a correctable field as a person reads it."""
    if name == "symbol":
        return doc.symbol
    value = getattr(doc, name)
    if name in _LOOKUPS and value is not None:
        model, attribute = _LOOKUPS[name]
        row = db.session.get(model, value)
        return getattr(row, attribute) if row else value
    if name == "source" and value:
        return SOURCE_LABELS.get(Source(value), value)
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, date):
        return format_date(value)
    return value


def cancel_incoming(actor: User, doc_id: int, reason: str) -> IncomingDocument:
    """Hủy vào sổ: the number stays used (no gap) and the entry is marked cancelled."""
    doc = get_visible(actor, doc_id)
    if not can_register(actor):
        raise Forbidden("Chỉ văn thư mới được hủy vào sổ.")
    if not can_correct(doc.state):
        raise Conflict("Văn bản đã được trình hoặc đã hủy, không thể hủy vào sổ.")
    reason = clean(reason)
    if len(reason) < 5:
        raise ValidationFailed(
            "Vui lòng ghi rõ lý do hủy (ít nhất 5 ký tự).",
            field_errors={"reason": "Bắt buộc ghi lý do."},
        )
    doc.state = IncomingState.CANCELLED
    doc.cancel_reason = reason[:500]
    audit.record(
        actor_id=actor.id,
        org_id=actor.org_id,
        subject_type="incoming",
        subject_id=doc.id,
        action="cancelled",
        note=reason[:1000],
    )
    db.session.commit()
    return doc


def input_from_document(doc: IncomingDocument) -> IncomingInput:
    """The current values of a document as input (to pre-fill the correction form)."""
    data = IncomingInput()
    for f in fields(IncomingInput):
        if hasattr(doc, f.name):
            setattr(data, f.name, getattr(doc, f.name))
    data.symbol = doc.symbol
    data.book_code = doc.register_book.code
    return data
