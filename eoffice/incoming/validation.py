"""Checking what a clerk entered for an incoming document, before anything is written.

Registration and correction share these rules. Every problem is reported at once, per
field, in Vietnamese. Nothing here writes: a sender typed for the first time comes back
as a new, unsaved directory entry that the service saves together with the document.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app

from eoffice.catalog.models import ConfidentialityLevel, DocumentType, UrgencyLevel
from eoffice.core.errors import ValidationFailed
from eoffice.core.limits import MAX_YEAR, MIN_YEAR
from eoffice.core.text import clean, clean_multiline
from eoffice.core.timeutil import format_datetime, to_local, to_utc
from eoffice.extensions import db
from eoffice.incoming.models import IncomingDocument, Source
from eoffice.orgs.models import Organisation, Unit, User
from eoffice.orgs.services import check_agency_code, find_or_create_sender

# Clocks drift: an arrival time a few minutes "in the future" is accepted.
FUTURE_TOLERANCE = timedelta(minutes=10)
SUMMARY = "Thông tin chưa hợp lệ, vui lòng kiểm tra các ô được đánh dấu."


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


@dataclass
class CleanInput:
    """Validated, normalised values ready to be written."""

    # An existing directory entry, or a new one not yet added to the session.
    sender: Organisation
    # The code recorded on the document: the entry's, or the one typed for an entry
    # that has none (the shared directory entry itself is never changed by intake).
    sender_agency_code: str | None
    code_number: str | None
    code_notation: str | None
    secrecy: ConfidentialityLevel
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


def validate_input(
    org_id: int,
    data: IncomingInput,
    *,
    now: datetime,
    reference: datetime,
    current: IncomingDocument | None = None,
) -> CleanInput:
    """Check `data`; `reference` is the registration time the arrival is measured from
    (now for a new entry, the entry's registration time for a correction), `current`
    the document being corrected, whose deactivated type or recipients stay acceptable."""
    errors: dict[str, str] = {}

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
    if doc_type is None:
        errors["document_type_id"] = "Vui lòng chọn tên loại văn bản."
    elif not doc_type.is_active and not _unchanged(current, "document_type_id", doc_type.id):
        errors["document_type_id"] = f"Tên loại “{doc_type.name}” đã ngừng sử dụng."
    if db.session.get(UrgencyLevel, data.urgency_code or "") is None:
        errors["urgency_code"] = "Độ khẩn không hợp lệ."
    secrecy = db.session.get(ConfidentialityLevel, data.confidentiality_code or "")
    if secrecy is None:
        errors["confidentiality_code"] = "Độ mật không hợp lệ."
    if data.source not in {s.value for s in Source}:
        errors["source"] = "Hình thức nhận không hợp lệ."

    arrived_at = _check_arrival(
        data.arrived_at, now=now, reference=reference, current=current, errors=errors
    )
    arrival_day = to_local(arrived_at).date() if arrived_at else None
    if data.document_date and arrival_day and data.document_date > arrival_day:
        errors["document_date"] = "Ngày văn bản không được sau ngày đến."
    earliest_deadline = data.document_date or arrival_day
    if data.deadline and earliest_deadline and data.deadline < earliest_deadline:
        errors["deadline"] = "Hạn xử lý không được trước ngày văn bản."
    if data.page_count is not None and not 0 < data.page_count <= 10000:
        errors["page_count"] = "Số trang phải từ 1 đến 10.000."

    for name, limit in (("signer_name", 100), ("signer_position", 100)):
        if len(clean(getattr(data, name))) > limit:
            errors[name] = f"Tối đa {limit} ký tự."

    _check_recipients(org_id, data, current, errors)

    sender, sender_code = _check_sender(data, errors)

    if errors:
        raise ValidationFailed(SUMMARY, field_errors=errors)
    assert sender is not None and doc_type is not None and secrecy is not None
    assert arrived_at is not None
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
    return CleanInput(
        sender=sender,
        sender_agency_code=sender_code,
        code_number=code_number,
        code_notation=code_notation,
        secrecy=secrecy,
        values=values,
    )


def _unchanged(current: IncomingDocument | None, name: str, value: int) -> bool:
    return current is not None and getattr(current, name) == value


def _check_arrival(
    moment: datetime | None,
    *,
    now: datetime,
    reference: datetime,
    current: IncomingDocument | None,
    errors: dict[str, str],
) -> datetime | None:
    """Thời điểm đến: not in the future, and not backdated further than the office allows
    (ARRIVAL_BACKDATE_DAYS before `reference`): số đến runs in order of receipt.

    A correction that leaves the time as it was (forms show minutes) keeps the stored
    value, seconds included, and is not held to rules the entry predates."""
    if moment is None:
        return current.arrived_at if current is not None else now
    if not MIN_YEAR <= moment.year <= MAX_YEAR:
        errors["arrived_at"] = f"Năm của thời điểm đến phải trong khoảng {MIN_YEAR}–{MAX_YEAR}."
        return None
    arrived_at = to_utc(moment)  # a naive time comes from a form or API client in office time
    if current is not None and arrived_at in (
        current.arrived_at,
        current.arrived_at.replace(second=0, microsecond=0),
    ):
        return current.arrived_at
    days = int(current_app.config.get("ARRIVAL_BACKDATE_DAYS", 30))
    earliest = reference - timedelta(days=days)
    if arrived_at > now + FUTURE_TOLERANCE:
        errors["arrived_at"] = "Thời điểm đến không được ở tương lai."
    elif arrived_at < earliest:
        errors["arrived_at"] = (
            f"Thời điểm đến không được sớm hơn {days} ngày trước lúc vào sổ "
            f"(sớm nhất {format_datetime(earliest)})."
        )
    return arrived_at


def _check_recipients(
    org_id: int, data: IncomingInput, current: IncomingDocument | None, errors: dict[str, str]
) -> None:
    """Recipients belong to the organisation and are still active, unless the document
    being corrected already had them (a correction must not fail on a past reorganisation)."""
    if data.recipient_unit_id:
        unit = db.session.get(Unit, data.recipient_unit_id)
        if unit is None or unit.org_id != org_id:
            errors["recipient_unit_id"] = "Đơn vị nhận không thuộc cơ quan của bạn."
        elif not unit.is_active and not _unchanged(current, "recipient_unit_id", unit.id):
            errors["recipient_unit_id"] = f"Đơn vị “{unit.name}” đã ngừng hoạt động."
    if data.recipient_user_id:
        person = db.session.get(User, data.recipient_user_id)
        if person is None or person.org_id != org_id:
            errors["recipient_user_id"] = "Người nhận không thuộc cơ quan của bạn."
        elif not person.is_active_account and not _unchanged(
            current, "recipient_user_id", person.id
        ):
            errors["recipient_user_id"] = f"Tài khoản của {person.full_name} đã bị khóa."


def _check_sender(
    data: IncomingInput, errors: dict[str, str]
) -> tuple[Organisation | None, str | None]:
    """The sender's directory entry and the agency code to record on the document.

    Looked up last and only when everything else is valid, so a refused form never
    reaches the directory.
    """
    if data.sender_org_id:
        sender = db.session.get(Organisation, data.sender_org_id)
        if sender is None:
            errors["sender_name"] = "Cơ quan gửi đã chọn không tồn tại."
            return None, None
        return sender, sender.agency_code
    name = clean(data.sender_name)
    if not name:
        errors["sender_name"] = "Vui lòng nhập cơ quan, tổ chức gửi văn bản."
        return None, None
    if len(name) > 200:
        errors["sender_name"] = "Tên cơ quan gửi tối đa 200 ký tự."
        return None, None
    if errors:
        return None, None
    try:
        sender = find_or_create_sender(name, data.sender_agency_code, persist=False)
        typed = check_agency_code(data.sender_agency_code, field="sender_agency_code")
    except ValidationFailed as exc:
        errors.update(exc.field_errors)
        return None, None
    return sender, sender.agency_code or typed
