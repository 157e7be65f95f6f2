"""Registering, correcting and cancelling incoming documents (văn bản đến).

Every function takes the acting user, validates everything before writing, and either
commits a complete change or rolls back and raises: a refused registration never
consumes an arrival number and never leaves a half-saved document. The order inside
a registration matters: validation (no writes), then the files' bytes to disk, then
the arrival number (which locks the book until commit), then the rows.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import fields
from datetime import date, datetime

from eoffice.catalog.models import DocumentType, UrgencyLevel
from eoffice.catalog.numbering import take_next_number
from eoffice.core import audit
from eoffice.core.aftercommit import run_pending
from eoffice.core.errors import Forbidden, ValidationFailed
from eoffice.core.text import vn_fold
from eoffice.core.timeutil import format_date, format_datetime, local_year, now_utc
from eoffice.extensions import db
from eoffice.incoming import processing
from eoffice.incoming.access import can_register, get_visible
from eoffice.incoming.attachments import (
    CheckedUpload,
    Upload,
    attach_files,
    store_blobs,
    validate_uploads,
)
from eoffice.incoming.books import choose_book, open_book
from eoffice.incoming.duplicates import DuplicateSuspected, find_duplicates
from eoffice.incoming.models import SOURCE_LABELS, IncomingDocument, IncomingState, Source
from eoffice.incoming.signatures import check_uploads, record_checks
from eoffice.incoming.validation import (
    SUMMARY,
    CleanInput,
    IncomingInput,
    split_symbol,
    validate_input,
)
from eoffice.notifications import hooks as notifications
from eoffice.orgs.models import Unit, User
from eoffice.outgoing.delivery import link_registration
from eoffice.outgoing.models import Delivery

# Re-exported: callers (API, demo data, tests) know the intake through this module.
__all__ = [
    "CORRECTABLE_LABELS",
    "DuplicateSuspected",
    "IncomingInput",
    "cancel_incoming",
    "correct_incoming",
    "input_from_document",
    "register_incoming",
    "split_symbol",
]

log = logging.getLogger(__name__)


def _validate_all(
    actor: User,
    data: IncomingInput,
    uploads: list[Upload],
    *,
    now: datetime,
    current: IncomingDocument | None = None,
) -> tuple[CleanInput, list[CheckedUpload]]:
    """The fields and the files, every problem reported at once."""
    errors: dict[str, str] = {}
    cleaned: CleanInput | None = None
    checked: list[CheckedUpload] = []
    try:
        cleaned = validate_input(
            actor.org_id,
            data,
            now=now,
            reference=current.registered_at if current is not None else now,
            current=current,
        )
    except ValidationFailed as exc:
        errors.update(exc.field_errors)
    try:
        checked = validate_uploads(uploads, already=len(current.attachments) if current else 0)
    except ValidationFailed as exc:
        errors.update(exc.field_errors)
    if errors or cleaned is None:
        raise ValidationFailed(SUMMARY, field_errors=errors)
    return cleaned, checked


def _search_text(doc: IncomingDocument) -> str:
    parts = [doc.symbol, doc.sender_name, doc.subject, doc.signer_name or "", doc.notes or ""]
    return vn_fold(" ".join(p.replace("/", " ").replace("-", " ") + " " + p for p in parts if p))


def _check_duplicates(actor: User, cleaned: CleanInput, document_date: date | None) -> None:
    duplicates, hidden = find_duplicates(
        actor, cleaned.sender.name, cleaned.code_number, cleaned.code_notation, document_date
    )
    if duplicates or hidden:
        log.info(
            "possible duplicate: org=%s user=%s earlier=%s hidden=%s",
            actor.org_id,
            actor.id,
            [d.id for d in duplicates],
            hidden,
        )
        raise DuplicateSuspected(duplicates, hidden)


def register_incoming(
    actor: User,
    data: IncomingInput,
    uploads: list[Upload] | None = None,
    *,
    confirm_duplicate: bool = False,
    delivery: Delivery | None = None,
    on_registered: Callable[[IncomingDocument], None] | None = None,
) -> IncomingDocument:
    """Vào sổ văn bản đến: validate, store files, take the next arrival number, commit.

    `delivery`: the document came from another office of the deployment; the delivery
    links to the new entry and reports "registered" (03) in the same transaction.
    `on_registered`: any other origin that must hear of the entry in the same
    transaction (the exchange inbox: its packet row links to it and 03 is queued back).
    """
    if not can_register(actor):
        raise Forbidden("Chỉ văn thư mới được vào sổ văn bản đến.")
    uploads = uploads or []
    now = now_utc()
    year = local_year(now)
    try:
        cleaned, checked_files = _validate_all(actor, data, uploads, now=now)
        option = choose_book(
            actor.org_id, data.book_code, secret=cleaned.secrecy.is_secret, year=year
        )
        if not confirm_duplicate:
            _check_duplicates(actor, cleaned, data.document_date)

        store_blobs(checked_files)  # before the number: the book stays locked until commit
        signatures = check_uploads(checked_files)  # likewise: pyHanko takes ~0.1 s a file
        book = open_book(actor.org_id, option, year)
        doc = IncomingDocument(
            org_id=actor.org_id,
            register_book_id=book.id,
            arrival_number=take_next_number(book.id),
            registered_at=now,
            registered_by_id=actor.id,
            sender_org=cleaned.sender,
            sender_name=cleaned.sender.name,
            sender_name_folded=vn_fold(cleaned.sender.name),
            sender_agency_code=cleaned.sender_agency_code,
            code_number=cleaned.code_number,
            code_notation=cleaned.code_notation,
            state=IncomingState.REGISTERED,
            **cleaned.values,
        )
        doc.search_text = _search_text(doc)  # before the INSERT: no second UPDATE
        db.session.add(doc)
        db.session.flush()
        attach_files(doc, checked_files, actor=actor)
        record_checks(doc, signatures)
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
        if delivery is not None:
            link_registration(delivery, doc.id, actor)
        if on_registered is not None:
            on_registered(doc)
        notifications.after_registration(actor, doc)
        # Read before commit: afterwards every attribute would be reloaded from the database.
        summary = (actor.org_id, book.id, doc.arrival_number, doc.id)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    log.info("incoming registered org=%s book=%s number=%s id=%s", *summary)
    run_pending()
    return doc


# Fields a correction may change, with their Vietnamese labels for the history.
CORRECTABLE_LABELS = {
    "sender_name": "Cơ quan gửi",
    "sender_agency_code": "Mã định danh cơ quan gửi",
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
    """Correct a registered entry; allowed to whoever may cancel it, in the same states."""
    doc = get_visible(actor, doc_id)
    refusal = processing.correction_refusal(actor, doc)
    if refusal is not None:
        raise refusal
    if data.confidentiality_code != doc.confidentiality_code:
        raise ValidationFailed(
            "Không thể đổi độ mật sau khi vào sổ; hãy hủy và vào sổ lại vào sổ văn bản mật.",
            field_errors={"confidentiality_code": "Không đổi được độ mật sau khi vào sổ."},
        )
    try:
        cleaned, checked_files = _validate_all(
            actor, data, uploads or [], now=now_utc(), current=doc
        )
        store_blobs(checked_files)
        signatures = check_uploads(checked_files)
        before = {name: _current(doc, name) for name in CORRECTABLE_LABELS}
        doc.sender_org = cleaned.sender
        doc.sender_name = cleaned.sender.name
        doc.sender_name_folded = vn_fold(cleaned.sender.name)
        doc.sender_agency_code = cleaned.sender_agency_code
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
        record_checks(doc, signatures)
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
    """Hủy vào sổ: the incoming workflow's CANCEL step (see processing.cancel)."""
    return processing.cancel(actor, doc_id, reason)


def input_from_document(doc: IncomingDocument) -> IncomingInput:
    """The current values of a document as input (to pre-fill the correction form)."""
    data = IncomingInput()
    for f in fields(IncomingInput):
        if hasattr(doc, f.name):
            setattr(data, f.name, getattr(doc, f.name))
    data.symbol = doc.symbol
    data.book_code = doc.register_book.code
    return data
