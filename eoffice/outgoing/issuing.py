"""Ký ban hành: the signer signs, the document takes its number and is published.

Two moments, on purpose:
1. `sign()` is the person's act, one transaction: the workflow allows it, the number is
   taken from the outgoing book of the year (the book row locked by UPDATE … RETURNING
   until commit, as for arrival numbers: never a duplicate, never a gap), the symbol is
   built by the rules, and the register entry exists from then on (NĐ 30 Đ15–16).
2. `publish()` is a job queued with that commit (a job outbox row): it renders the PDF
   in the legal layout, adds the signer's and the organisation's signatures, stores the
   file, and delivers a copy to every recipient of the deployment (outside agencies wait
   for the exchange).
   It is idempotent: a retried job finishes what a failed one started, and a signed file
   is never signed or rendered again.
"""

from __future__ import annotations

import io
import logging
from datetime import datetime

from flask import current_app
from sqlalchemy import select

from eoffice.catalog.numbering import get_or_create_book, take_next_number
from eoffice.core.aftercommit import after_commit, run_pending
from eoffice.core.errors import Conflict, ValidationFailed
from eoffice.core.models import StoredFile
from eoffice.core.steps import transaction
from eoffice.core.text import clean_multiline, vn_fold
from eoffice.core.timeutil import local_tz, now_utc, to_local
from eoffice.directives.requests import check_still_open
from eoffice.extensions import db
from eoffice.incoming.attachments import file_store
from eoffice.orgs.models import Organisation, Role, User
from eoffice.outgoing import drafting, news, symbols
from eoffice.outgoing.involvement import delegation_for, get_visible
from eoffice.outgoing.layout import (
    OutgoingLayout,
    SignatureBlock,
    draft_place_date_line,
    number_line,
    place_date_line,
    render_outgoing_pdf,
)
from eoffice.outgoing.models import Capacity, OutgoingDocument
from eoffice.outgoing.review import _decide, fire_step, record
from workflows import outgoing as outgoing_flow

log = logging.getLogger(__name__)

PUBLISH_TASK = "eoffice.jobs.tasks.publish_outgoing"
DEFAULT_PLACE = "Thành phố Hồ Chí Minh"


def symbol_suffix_for(doc: OutgoingDocument) -> str:
    org = doc.organisation
    unit_abbr = doc.symbol_unit or (doc.drafting_unit.short_name if doc.drafting_unit else None)
    return symbols.symbol_suffix(
        type_abbreviation=doc.document_type.abbreviation,
        issuer_abbreviation=org.short_name,
        unit_abbreviation=unit_abbr,
    )


def _book_code(doc: OutgoingDocument) -> str:
    """Văn bản mật take their own series (NĐ 30 Đ15.2)."""
    return "confidential" if doc.is_secret else "general"


@transaction
def sign(actor: User, doc_id: int, note: str | None = None) -> OutgoingDocument:
    """Ký ban hành: number, date and register entry now; the signed PDF follows."""
    doc = get_visible(actor, doc_id)
    note = clean_multiline(note) or None
    event = fire_step(actor, doc, outgoing_flow.SIGN, note=note)
    drafting.refuse_secret_outside(doc)
    suffix = symbol_suffix_for(doc)  # a bad abbreviation refuses before any number is taken
    _check_signing_keys(actor, doc)
    now = now_utc()
    today = to_local(now).date()
    check_still_open(doc.id, today)  # a report deadline past while the draft was in review
    delegated = (
        delegation_for(doc.signer_id or 0, actor, today) if actor.id != doc.signer_id else None
    )
    if delegated is not None:  # the deputy signs in the head's place, as the delegation says
        doc.capacity = delegated.capacity
        doc.capacity_title = (delegated.from_user.title or "").upper() or doc.capacity_title
        doc.signer_title = (actor.title or "").upper() or doc.signer_title
        doc.signer_id = actor.id
    book = get_or_create_book(doc.org_id, "outgoing", _book_code(doc), today.year)
    doc.register_book_id = book.id
    doc.number = take_next_number(book.id)
    doc.symbol = symbols.full_symbol(doc.number, suffix)
    doc.search_text = f"{doc.search_text} {vn_fold(doc.symbol)}".strip()  # found by its number
    doc.document_date = today
    doc.issued_at = now
    doc.place_name = doc.organisation.place_name or DEFAULT_PLACE
    _decide(actor, doc, "signed", note)  # while the round is still open
    doc.state = event.to_state
    record(
        actor,
        doc,
        "signed",
        event,
        {"symbol": doc.symbol, "book": book.name, "signer": actor.full_name},
        note,
    )
    doc_id = doc.id
    news.after_issue(actor, doc)
    _queue_publish(doc_id)
    if doc.reply_to_id is not None and doc.completes_reply:
        after_commit(lambda: complete_answered(doc_id))
    return doc


def complete_answered(doc_id: int) -> None:
    """The reply is issued: the drafter's lead part of the incoming document is done.

    Run after the signing commit, as the drafter's own step through the incoming
    workflow; if the workflow refuses (the drafter no longer leads it, it was already
    completed), the reply stands and the handler completes the work by hand.
    """
    from eoffice.core.errors import ServiceError
    from eoffice.incoming import processing
    from workflows import incoming as incoming_flow

    doc = db.session.get(OutgoingDocument, doc_id)
    if doc is None or doc.reply_to_id is None:
        return
    drafter, symbol = doc.drafter, doc.symbol
    try:
        answered = processing.get_visible(drafter, doc.reply_to_id)
        if answered.state == incoming_flow.ASSIGNED:
            processing.start(drafter, answered.id)
        processing.complete(
            drafter,
            answered.id,
            f"Đã trả lời bằng văn bản số {symbol}.",
            reply_document=symbol,
        )
    except ServiceError as exc:
        log.info("reply %s did not complete incoming %s: %s", doc_id, doc.reply_to_id, exc)


def _check_signing_keys(actor: User, doc: OutgoingDocument) -> None:
    """Both certificates must be usable before a number is taken: a document numbered but
    impossible to sign would leave an entry in the register with no document behind it."""
    from eoffice.signing import services as signing

    problems = []
    for check in (
        lambda: signing.active_identity_for_user(actor),
        lambda: signing.active_identity_for_org(doc.organisation),
    ):
        try:
            check()
        except signing.NoActiveCertificate as exc:
            problems.append(exc.message)
    if problems:
        message = " ".join(problems)
        raise ValidationFailed(message, field_errors={"signer_id": message})


def _queue_publish(doc_id: int) -> None:
    """Queue the publishing job in the current transaction (a job outbox row, decision
    0021: pushed after the commit, or once Redis is back); with OUTGOING_PUBLISH_ASYNC
    off (the demo seed, which walks history in one process), publish after the commit."""
    from eoffice.jobs.outbox import defer

    if not current_app.config.get("OUTGOING_PUBLISH_ASYNC", True):
        after_commit(lambda: publish(doc_id))
        return
    defer(PUBLISH_TASK, doc_id, queue="high")


def can_republish(actor: User, doc: OutgoingDocument) -> bool:
    """Issued, not yet published (the job failed or was never queued), and a clerk or leader."""
    return (
        doc.state == outgoing_flow.ISSUED
        and doc.signed_file_id is None
        and actor.org_id == doc.org_id
        and actor.has_role(Role.CLERK, Role.LEADER)
    )


def republish(actor: User, doc_id: int) -> OutgoingDocument:
    """Phát hành lại: queue the publishing job again (it finishes what is missing, once)."""
    doc = get_visible(actor, doc_id)
    if not can_republish(actor, doc):
        raise Conflict("Văn bản không ở tình trạng cần phát hành lại.")
    record(actor, doc, "republish_requested", None)
    _queue_publish(doc.id)
    db.session.commit()
    run_pending()
    return doc


# The PDF ------------------------------------------------------------------------------


def _capacity_line(doc: OutgoingDocument) -> str | None:
    if not doc.capacity or doc.capacity == Capacity.OWN:
        return None
    return f"{doc.capacity}. {(doc.capacity_title or '').upper()}".strip()


def recipient_lines(doc: OutgoingDocument) -> tuple[str, ...]:
    """The "Nơi nhận" list: "- <name>;" each, then "- Lưu: VT, <drafting unit>.".

    A group picked as a whole is its one line ("- Các trường tiểu học trên địa bàn;"),
    not a line per school: its schools are delivered but not listed (OutgoingRecipient.
    group_key), as offices write a directive to every school.
    """
    lines = [f"- {r.name};" for r in doc.recipients if r.listed]
    keeper = (
        doc.drafting_unit.short_name if doc.drafting_unit and doc.drafting_unit.short_name else None
    )
    lines.append(f"- Lưu: VT{', ' + keeper if keeper else ''}.")
    return tuple(lines)


def layout_for(doc: OutgoingDocument) -> OutgoingLayout:
    """Everything the printed page shows, from the document and its organisation."""
    org: Organisation = doc.organisation
    suffix = symbol_suffix_for(doc)
    place = doc.place_name or org.place_name or DEFAULT_PLACE
    if doc.document_date is not None:
        place_date = place_date_line(place, doc.document_date)
    else:
        place_date = draft_place_date_line(place, to_local(now_utc()).year)
    addressed = tuple(doc.addressee_lines) or tuple(r.name for r in doc.recipients if r.addressed)
    signer = doc.signer
    urgent = doc.urgency.name.upper() if doc.urgency.rank >= 1 else None
    secret = doc.confidentiality.name.upper() if doc.confidentiality.rank >= 1 else None
    drafter_mark = None
    if doc.copies:
        initials = "".join(part[0] for part in doc.drafter.full_name.split()[-2:]).upper()
        drafter_mark = f"{initials}.({doc.copies})"
    contact = " - ".join(
        part for part in (org.address, f"ĐT: {org.phone}" if org.phone else None, org.email) if part
    )
    return OutgoingLayout(
        parent_name=org.parent.name if org.parent else None,
        org_name=org.name,
        number_line=number_line(doc.number, suffix),
        place_date=place_date,
        type_name=None if doc.is_cong_van else doc.document_type.name,
        subject=doc.subject,
        kinh_gui=addressed,
        body_html=doc.body_html,
        signature=SignatureBlock(
            capacity_line=_capacity_line(doc),
            title=doc.signer_title or "",
            name=signer.full_name if signer else "",
        ),
        recipients=recipient_lines(doc),
        urgency_mark=urgent,
        secrecy_mark=secret,
        circulation=doc.circulation,
        drafter_mark=drafter_mark,
        contact_line=contact or None,
    )


def signing_moment(doc: OutgoingDocument) -> datetime:
    moment = doc.issued_at or now_utc()
    return moment.astimezone(local_tz())


def publish(doc_id: int) -> bool:
    """The job: render, sign twice, store, deliver. False when there was nothing to do."""
    from eoffice.exchange import forwarding
    from eoffice.outgoing import delivery
    from eoffice.signing import services as signing
    from eoffice.signing.pdfsign import sign_pdf

    doc = db.session.get(OutgoingDocument, doc_id)
    if doc is None or doc.number is None or doc.state != outgoing_flow.ISSUED:
        return False
    if doc.signed_file_id is None:
        rendered = render_outgoing_pdf(layout_for(doc))
        signer_key = signing.active_identity_for_user(doc.signer)
        org_key = signing.active_identity_for_org(doc.organisation)
        moment = signing_moment(doc)
        location = doc.place_name or DEFAULT_PLACE
        signed = sign_pdf(
            rendered.pdf,
            signer_key.identity,
            field_name="ChuKyNguoiKy",
            page_index=rendered.signature_box.page_index,
            box=rendered.signature_box.box,
            image_png=signer_key.image_png,
            reason=f"Ký ban hành văn bản {doc.symbol}",
            location=location,
            signing_time=moment,
        )
        signed = sign_pdf(
            signed,
            org_key.identity,
            field_name="ChuKyCoQuan",
            page_index=rendered.seal_box.page_index,
            box=rendered.seal_box.box,
            image_png=org_key.image_png,
            reason=f"Ký số của cơ quan: {doc.organisation.name}",
            location=location,
            signing_time=moment,
        )
        store = file_store()
        doc.pdf_file = _stored(store, rendered.pdf)
        doc.signed_file = _stored(store, signed)
        doc.page_count = rendered.page_count
        _sign_attachments(doc, org_key.identity, moment, location)
        db.session.flush()
    created = delivery.deliver(doc)
    news.after_delivery(doc, created)
    db.session.flush()
    outside = forwarding.queue(created)  # one exchange job per outside recipient
    after_commit(lambda: forwarding.enqueue(outside))
    db.session.commit()
    run_pending()
    log.info("outgoing %s published as %s", doc.id, doc.symbol)
    return True


def _sign_attachments(doc: OutgoingDocument, identity, moment: datetime, location: str) -> None:
    """Each PDF sent as its own file gets the organisation's signature, top right of its
    first page, without an image, showing the document's number and the signing time
    (NĐ 30 Phụ lục I II.8.b). Other kinds of file travel as they are."""
    from pypdf import PdfReader

    from eoffice.signing.pdfsign import PdfUnreadable, format_signing_time, sign_pdf

    store = file_store()
    for attachment in doc.attachments:
        if attachment.signed_file_id is not None or attachment.stored_file.kind != "pdf":
            continue
        original = store.read(attachment.stored_file.sha256)
        try:
            box = PdfReader(io.BytesIO(original)).pages[0].mediabox
            right, top = float(box.right), float(box.top)
            signed = sign_pdf(
                original,
                identity,
                field_name="ChuKyCoQuanTepDinhKem",
                page_index=0,
                box=(right - 200, top - 52, right - 14, top - 14),
                text_lines=[f"Số: {doc.symbol}", format_signing_time(moment)],
                reason=f"Tệp kèm theo văn bản {doc.symbol}",
                location=location,
                signing_time=moment,
            )
        except (PdfUnreadable, ValueError, IndexError, OSError) as exc:
            log.warning("attachment %s of outgoing %s not signed: %s", attachment.id, doc.id, exc)
            continue
        attachment.signed_file = _stored(store, signed)


def _stored(store, data: bytes) -> StoredFile:
    """The PDF in the content-addressed store, and its row (reused for identical bytes)."""
    digest = store.put(data)
    existing = db.session.scalars(select(StoredFile).where(StoredFile.sha256 == digest)).first()
    if existing is not None:
        return existing
    row = StoredFile(sha256=digest, size=len(data), mime_type="application/pdf", kind="pdf")
    db.session.add(row)
    return row
