"""Soạn thảo: creating and editing a draft, each save a new version.

A draft belongs to its drafter until submitted; after a send-back it is theirs again.
Everything a person types is validated here (not in forms), so the web page and the API
refuse the same things with the same Vietnamese messages, and a refusal writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, insert, select

from eoffice.catalog.models import ConfidentialityLevel, DocumentType, UrgencyLevel
from eoffice.core import audit
from eoffice.core.errors import Conflict, Forbidden, ValidationFailed
from eoffice.core.text import clean, clean_multiline, vn_fold
from eoffice.directives.inputs import RequestInput
from eoffice.directives.requests import check_requests, request_inputs, store_requests
from eoffice.extensions import db
from eoffice.incoming.attachments import Upload, store_blobs, stored_file_for, validate_uploads
from eoffice.incoming.models import IncomingDocument
from eoffice.orgs.models import Organisation, Role, User
from eoffice.outgoing.models import (
    Capacity,
    OutgoingAttachment,
    OutgoingDocument,
    OutgoingRecipient,
    OutgoingVersion,
    RecipientKind,
)
from eoffice.outgoing.richtext import plain_to_html, sanitize_body
from workflows import outgoing as outgoing_flow

SUBJECT = "outgoing"
SIGNER_ROLES = (Role.LEADER, Role.DEPUTY)
# A directive to every school of a city district (thousands of schools and centres),
# counted after the groups are expanded: one row per school, one query to check them.
MAX_RECIPIENTS = 5000
MAX_BODY = 200_000  # characters of sanitised HTML
# Free-text fields and their column sizes (models.OutgoingDocument).
TEXT_LIMITS = (
    ("addressees", 2000, "Kính gửi"),
    ("symbol_unit", 20, "Viết tắt đơn vị trong ký hiệu"),
    ("circulation", 60, "Phạm vi lưu hành"),
    ("capacity_title", 100, "Chức danh sau thẩm quyền ký"),
    ("signer_title", 100, "Chức danh người ký"),
)


@dataclass
class RecipientInput:
    kind: str
    org_id: int | None = None
    agency_code: str | None = None
    name: str = ""
    addressed: bool = False


@dataclass
class DraftInput:
    """What a drafter fills in (web form or API)."""

    document_type_id: int | None = None
    subject: str = ""
    body_html: str | None = None
    body_text: str | None = None  # plain paragraphs, when no rich text is given
    addressees: str | None = None
    symbol_unit: str | None = None
    signer_id: int | None = None
    capacity: str | None = None
    capacity_title: str | None = None
    signer_title: str | None = None
    urgency_code: str = "normal"
    confidentiality_code: str = "normal"
    circulation: str | None = None
    copies: int | None = None
    recipients: list[RecipientInput] = field(default_factory=list)
    reply_to_id: int | None = None
    completes_reply: bool = False
    replaces_id: int | None = None
    # What the document asks its recipient schools for, by when (eoffice.directives).
    requests: list[RequestInput] = field(default_factory=list)
    # Recipient groups picked as a whole ("all", "level:primary", "ward:…", "custom:12";
    # eoffice.directives.groups): every school of the group gets its copy, and "Nơi nhận"
    # prints the group's line once instead of one line per school.
    groups: list[str] = field(default_factory=list)


def _fail(errors: dict[str, str]) -> None:
    if errors:
        raise ValidationFailed(
            "Vui lòng kiểm tra lại các trường được đánh dấu.", field_errors=errors
        )


def signature_defaults(signer: User, org: Organisation) -> tuple[str, str | None, str]:
    """(capacity, capacity_title, signer_title) a signer signs with unless told otherwise.

    The head signs in their own name; a deputy signs KT. for the head (NĐ 30 Đ13.1):
    "KT. HIỆU TRƯỞNG / PHÓ HIỆU TRƯỞNG". Titles come from the users' records.
    """
    own_title = (
        signer.title or ("Phó thủ trưởng" if signer.has_role(Role.DEPUTY) else "Thủ trưởng")
    ).upper()
    if signer.has_role(Role.LEADER):
        return Capacity.OWN, None, own_title
    head = db.session.scalars(
        select(User)
        .where(User.org_id == org.id, User.is_active_account.is_(True))
        .order_by(User.id)
    ).all()
    leader = next((u for u in head if u.has_role(Role.LEADER)), None)
    head_title = (leader.title if leader and leader.title else "Thủ trưởng").upper()
    return Capacity.KT, head_title, own_title


def _check_fields(actor: User, data: DraftInput) -> dict[str, Any]:
    """Every field's rule; all problems at once, nothing written."""
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    doc_type = db.session.get(DocumentType, data.document_type_id or 0)
    if doc_type is None or not doc_type.is_active:
        errors["document_type_id"] = "Vui lòng chọn tên loại văn bản."
    values["document_type_id"] = data.document_type_id
    subject = clean(data.subject)
    if not subject:
        errors["subject"] = "«Trích yếu» là bắt buộc."
    elif len(subject) > 500:
        errors["subject"] = "Trích yếu tối đa 500 ký tự."
    values["subject"] = subject
    if data.body_html is not None and data.body_html.strip():
        body = sanitize_body(data.body_html)
    else:
        body = plain_to_html(clean_multiline(data.body_text or ""))
    if len(body) > MAX_BODY:
        errors["body_html"] = "Nội dung văn bản quá dài."
    values["body_html"] = body
    values["addressees"] = clean_multiline(data.addressees) or None
    values["symbol_unit"] = clean(data.symbol_unit) or None
    values["circulation"] = clean(data.circulation).upper() or None
    for name, limit, label in TEXT_LIMITS:
        value = values.get(name) if name in values else getattr(data, name)
        if value and len(value) > limit:
            errors[name] = f"«{label}» tối đa {limit} ký tự."
    if data.copies is not None and not 0 < data.copies <= 10_000:
        errors["copies"] = "Số lượng bản phải từ 1 đến 10.000."
    values["copies"] = data.copies
    if db.session.get(UrgencyLevel, data.urgency_code or "") is None:
        errors["urgency_code"] = "Độ khẩn không hợp lệ."
    if db.session.get(ConfidentialityLevel, data.confidentiality_code or "") is None:
        errors["confidentiality_code"] = "Độ mật không hợp lệ."
    values["urgency_code"] = data.urgency_code
    values["confidentiality_code"] = data.confidentiality_code
    values.update(_check_signer(actor, data, errors))
    values["reply_to_id"] = _check_reply(actor, data.reply_to_id, errors)
    values["completes_reply"] = bool(data.completes_reply and values["reply_to_id"])
    values["replaces_id"] = _check_replaces(actor, data.replaces_id, errors)
    values["recipients"] = _check_recipients(actor, data.recipients, data.groups, errors)
    values["requests"] = check_requests(data.requests, errors)
    _check_secret_outside(data.confidentiality_code, values["recipients"], errors)
    _fail(errors)
    return values


SECRET_OUTSIDE = (
    "Văn bản mật không được gửi qua trục liên thông (pháp luật loại trừ bí mật nhà nước "
    "khỏi trao đổi điện tử): hãy bỏ nơi nhận ngoài hệ thống ({names}) hoặc gửi bản giấy."
)


def _check_secret_outside(
    confidentiality_code: str | None, rows: list[OutgoingRecipient], errors: dict[str, str]
) -> None:
    """A secret document never goes to an outside agency (it would travel by the exchange);
    refused on the recipients and on the level, so choosing "Mật" with such recipients
    already there is refused too."""
    level = db.session.get(ConfidentialityLevel, confidentiality_code or "")
    if level is None or not level.is_secret:
        return
    outside = [r.name for r in rows if r.kind == RecipientKind.EXTERNAL]
    if outside:
        message = SECRET_OUTSIDE.format(names=", ".join(outside[:3]))
        errors.setdefault("recipients", message)
        errors.setdefault("confidentiality_code", message)


def refuse_secret_outside(doc: OutgoingDocument) -> None:
    """The same rule at submitting and signing: a draft saved before the rule (or changed
    behind the form) still never reaches an outside agency."""
    errors: dict[str, str] = {}
    _check_secret_outside(doc.confidentiality_code, list(doc.recipients), errors)
    if errors:
        raise ValidationFailed(errors["recipients"], field_errors=errors)


def _check_signer(actor: User, data: DraftInput, errors: dict[str, str]) -> dict[str, Any]:
    if data.signer_id is None:
        return {
            "signer_id": None,
            "capacity": Capacity.OWN,
            "capacity_title": None,
            "signer_title": None,
        }
    signer = db.session.get(User, data.signer_id)
    if (
        signer is None
        or signer.org_id != actor.org_id
        or not signer.is_active_account
        or not signer.has_role(*SIGNER_ROLES)
    ):
        errors["signer_id"] = "Người ký phải là lãnh đạo hoặc cấp phó của cơ quan."
        return {}
    capacity, capacity_title, signer_title = signature_defaults(signer, signer.organisation)
    if data.capacity is not None:
        try:
            capacity = Capacity(data.capacity)
        except ValueError:
            errors["capacity"] = (
                "Thẩm quyền ký không hợp lệ (TM., KT., Q., TL., TUQ. hoặc để trống)."
            )
    chosen_title = clean(data.capacity_title).upper() or capacity_title
    if capacity != Capacity.OWN and not chosen_title:
        errors["capacity_title"] = "Vui lòng ghi chức danh sau thẩm quyền ký (ví dụ: HIỆU TRƯỞNG)."
    return {
        "signer_id": signer.id,
        "capacity": capacity,
        "capacity_title": chosen_title if capacity != Capacity.OWN else None,
        "signer_title": clean(data.signer_title).upper() or signer_title,
    }


def _check_reply(actor: User, incoming_id: int | None, errors: dict[str, str]) -> int | None:
    if incoming_id is None:
        return None
    from eoffice.incoming.access import visible_filter

    found = db.session.scalars(
        select(IncomingDocument.id).where(IncomingDocument.id == incoming_id, visible_filter(actor))
    ).first()
    if found is None:
        errors["reply_to_id"] = "Không tìm thấy văn bản đến được trả lời."
    return found


def _check_replaces(actor: User, outgoing_id: int | None, errors: dict[str, str]) -> int | None:
    if outgoing_id is None:
        return None
    replaced = db.session.get(OutgoingDocument, outgoing_id)
    if replaced is None or replaced.org_id != actor.org_id or replaced.number is None:
        errors["replaces_id"] = "Chỉ thay thế được văn bản đã ban hành của cơ quan."
        return None
    return replaced.id


def _check_recipients(
    actor: User, items: list[RecipientInput], group_keys: list[str], errors: dict[str, str]
) -> list[OutgoingRecipient]:
    """Groups (each a line of "Nơi nhận" and its schools), then members by id, outside
    agencies by their code in the directory, free lines; in a fixed number of queries
    whatever the number of recipients (two for the groups, one for the members named,
    one for the codes).

    A school both named and in a group picked is listed as named (it may be addressed
    in "Kính gửi"); it still gets one copy only.
    """
    from eoffice.directives import groups as recipient_groups

    picks: list[recipient_groups.GroupPick] = []
    if group_keys:
        try:
            picks = recipient_groups.picks(actor.organisation, group_keys)
        except ValidationFailed as exc:
            errors["groups"] = exc.message  # the draft form shows it over the recipients
            return []
    total = len(items) + sum(len(p.member_ids) for p in picks)
    if total > MAX_RECIPIENTS:
        errors["recipients"] = f"Tối đa {MAX_RECIPIENTS:,} nơi nhận.".replace(",", ".")
        return []
    members = _organisations_by(
        Organisation.id,
        {item.org_id for item in items if item.kind == RecipientKind.MEMBER and item.org_id},
    )
    codes = _organisations_by(
        Organisation.agency_code,
        {
            clean(item.agency_code).upper()
            for item in items
            if item.kind == RecipientKind.EXTERNAL and clean(item.agency_code)
        },
    )
    named: list[OutgoingRecipient] = []
    problems: list[str] = []
    seen: set[tuple[str, Any]] = set()
    for number, item in enumerate(items, start=1):
        name = clean(item.name)
        if item.kind == RecipientKind.MEMBER:
            org = members.get(item.org_id or 0)
            if org is None or not org.is_member or not org.is_active or org.id == actor.org_id:
                problems.append(f"Nơi nhận thứ {number}: không phải đơn vị trong hệ thống.")
                continue
            key: tuple[str, Any] = ("org", org.id)
            row = OutgoingRecipient(kind=item.kind, org_id=org.id, name=name or org.name)
        elif item.kind == RecipientKind.EXTERNAL:
            code = clean(item.agency_code).upper()
            org = codes.get(code)
            if not code or org is None:
                problems.append(
                    f"Nơi nhận thứ {number}: không có cơ quan mang mã định danh «{code}» "
                    "trong danh bạ."
                )
                continue
            if org.is_member:  # a member named by its code: delivered inside, not exchanged
                key, row = (
                    ("org", org.id),
                    OutgoingRecipient(
                        kind=RecipientKind.MEMBER, org_id=org.id, name=name or org.name
                    ),
                )
            else:
                key = ("org", org.id)
                row = OutgoingRecipient(
                    kind=item.kind, org_id=org.id, agency_code=code, name=name or org.name
                )
        elif item.kind == RecipientKind.TEXT:
            if not name or len(name) > 300:
                problems.append(f"Nơi nhận thứ {number}: ghi từ 1 đến 300 ký tự.")
                continue
            key, row = ("text", vn_fold(name)), OutgoingRecipient(kind=item.kind, name=name)
        else:
            problems.append(f"Nơi nhận thứ {number}: loại nơi nhận không hợp lệ.")
            continue
        if key in seen:
            continue  # the same organisation twice: once is enough
        seen.add(key)
        row.addressed = bool(item.addressed)
        named.append(row)
    if problems:
        errors["recipients"] = " ".join(problems)
    grouped = _group_rows(picks, seen, errors)
    lines = {vn_fold(r.name) for r in grouped if r.kind == RecipientKind.TEXT}
    # A free line repeating a group's line ("Các trường tiểu học trên địa bàn" typed and
    # the group ticked) is the group's line: printed once.
    named = [r for r in named if not (r.kind == RecipientKind.TEXT and vn_fold(r.name) in lines)]
    rows = grouped + named
    for position, row in enumerate(rows):
        row.position = position
    return rows


def _organisations_by(column, values: set) -> dict[Any, Organisation]:
    """The organisations whose `column` is one of `values`, in one query."""
    if not values:
        return {}
    found = db.session.scalars(select(Organisation).where(column.in_(values)))
    return {getattr(org, column.key): org for org in found}


def _group_rows(
    picks: list, seen: set[tuple[str, Any]], errors: dict[str, str]
) -> list[OutgoingRecipient]:
    """Each group picked: its "Nơi nhận" line (a text row with the group's key) and a
    member row per school not already named (marked with the key: not listed). The
    schools' names come from one query."""
    wanted = {org_id for pick in picks for org_id in pick.member_ids}
    names = (
        dict(
            db.session.execute(
                select(Organisation.id, Organisation.name).where(Organisation.id.in_(wanted))
            ).all()
        )
        if wanted
        else {}
    )
    rows: list[OutgoingRecipient] = []
    empty: list[str] = []
    for pick in picks:
        if not pick.member_ids:
            empty.append(f"«{pick.printed}»")
            continue
        rows.append(
            OutgoingRecipient(kind=RecipientKind.TEXT, name=pick.printed, group_key=pick.key)
        )
        seen.add(("text", vn_fold(pick.printed)))
        for org_id in pick.member_ids:
            if ("org", org_id) in seen:
                continue  # named one by one, or in an earlier group
            seen.add(("org", org_id))
            rows.append(
                OutgoingRecipient(
                    kind=RecipientKind.MEMBER, org_id=org_id, name=names[org_id], group_key=pick.key
                )
            )
    if empty:
        problem = f"Nhóm {', '.join(empty)} hiện không có trường nào đang hoạt động."
        errors["recipients"] = (
            f"{errors['recipients']} {problem}" if "recipients" in errors else problem
        )
    return rows


def _snapshot(doc: OutgoingDocument) -> dict[str, Any]:
    """The fields a version keeps beside the text, in display terms, for comparing."""
    return {
        "document_type": doc.document_type.name if doc.document_type else None,
        "signer": doc.signer.full_name if doc.signer else None,
        "capacity": doc.capacity,
        "capacity_title": doc.capacity_title,
        "signer_title": doc.signer_title,
        "addressees": doc.addressees,
        "urgency": doc.urgency_code,
        "confidentiality": doc.confidentiality_code,
        "circulation": doc.circulation,
        "copies": doc.copies,
        # What "Nơi nhận" prints: a group is its line, not its thousands of schools.
        "recipients": [r.name for r in doc.recipients if r.listed],
    }


def _apply(doc: OutgoingDocument, values: dict[str, Any]) -> list[OutgoingRecipient]:
    """The checked values on the document. The listed recipients go through the ORM; a
    group's schools (thousands for a whole district) are returned, for `_store_grouped`
    to write once the document has its id, in one statement instead of one per row."""
    recipients = values.pop("recipients")
    for name, value in values.items():
        setattr(doc, name, value)
    if doc.id is not None:  # the previous save's group schools: removed in one statement
        db.session.execute(
            delete(OutgoingRecipient).where(
                OutgoingRecipient.document_id == doc.id,
                OutgoingRecipient.kind == RecipientKind.MEMBER,
                OutgoingRecipient.group_key.is_not(None),
            )
        )
        db.session.expire(doc, ["recipients"])
    doc.recipients = [r for r in recipients if r.listed]
    listed = " ".join(r.name for r in recipients if r.listed)  # a group by its line
    doc.search_text = vn_fold(f"{doc.subject} {listed}")
    return [r for r in recipients if not r.listed]


def _store_grouped(doc: OutgoingDocument, grouped: list[OutgoingRecipient]) -> None:
    """Insert the group schools `_apply` set aside (one executemany), then let the
    document's recipients load again, all of them."""
    if grouped:
        db.session.flush()
        db.session.execute(
            insert(OutgoingRecipient),
            [
                {
                    "document_id": doc.id,
                    "position": r.position,
                    "kind": r.kind,
                    "org_id": r.org_id,
                    "name": r.name,
                    "addressed": False,
                    "group_key": r.group_key,
                }
                for r in grouped
            ],
        )
    db.session.expire(doc, ["recipients"])


def _add_version(
    actor: User,
    doc: OutgoingDocument,
    *,
    source: str,
    note: str | None,
    docx_file_id: int | None = None,
) -> None:
    db.session.flush()
    db.session.refresh(doc, ["document_type", "signer"])
    db.session.add(
        OutgoingVersion(
            document_id=doc.id,
            number=doc.version,
            subject=doc.subject,
            body_html=doc.body_html,
            fields=_snapshot(doc),
            source=source,
            note=clean(note)[:500] or None,
            docx_file_id=docx_file_id,
            created_by_id=actor.id,
        )
    )


def _attach(
    actor: User, doc: OutgoingDocument, uploads: list[Upload] | None, appendix: bool
) -> list[str]:
    if not uploads:
        return []
    checked = validate_uploads(uploads, already=len(doc.attachments))
    store_blobs(checked)
    for item in checked:
        db.session.add(
            OutgoingAttachment(
                document=doc,
                stored_file=stored_file_for(item),
                original_name=item.upload.filename,
                is_appendix=appendix,
                position=len(doc.attachments),
                added_by_id=actor.id,
            )
        )
    return [item.upload.filename for item in checked]


def create_draft(
    actor: User,
    data: DraftInput,
    uploads: list[Upload] | None = None,
    appendices: list[Upload] | None = None,
) -> OutgoingDocument:
    """Soạn thảo văn bản đi: the first version of a new draft.

    `appendices` are phụ lục in files of their own; like attachments they are sent with
    the document, and flagged so the page and the register say what they are.
    """
    try:
        values = _check_fields(actor, data)
        requests = values.pop("requests")
        doc = OutgoingDocument(
            org_id=actor.org_id,
            drafter_id=actor.id,
            drafting_unit_id=actor.unit_id,
            state=outgoing_flow.DRAFT,
            version=1,
        )
        grouped = _apply(doc, values)
        db.session.add(doc)
        db.session.flush()
        _store_grouped(doc, grouped)
        store_requests(doc.id, requests)
        files = _attach(actor, doc, uploads, appendix=False)
        files += _attach(actor, doc, appendices, appendix=True)
        _add_version(actor, doc, source="form", note=None)
        audit.record(
            actor_id=actor.id,
            org_id=actor.org_id,
            subject_type=SUBJECT,
            subject_id=doc.id,
            action="drafted",
            changes={
                "subject": doc.subject,
                **({"files": files} if files else {}),
                **({"requests": len(requests)} if requests else {}),
            },
        )
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return doc


def can_edit(actor: User, doc: OutgoingDocument) -> bool:
    """Only the drafter edits, and only while it is a draft (after a send-back too)."""
    return doc.drafter_id == actor.id and doc.state == outgoing_flow.DRAFT


def load_own_draft(actor: User, doc_id: int) -> OutgoingDocument:
    from eoffice.outgoing.involvement import get_visible

    doc = get_visible(actor, doc_id)
    if doc.drafter_id != actor.id:
        raise Forbidden("Chỉ người soạn thảo mới được sửa dự thảo.")
    if not can_edit(actor, doc):
        raise Conflict(
            f"Văn bản đang ở trạng thái «{doc.state_label}», chỉ sửa được khi là dự thảo."
        )
    return doc


def update_draft(
    actor: User,
    doc_id: int,
    data: DraftInput,
    uploads: list[Upload] | None = None,
    *,
    appendices: list[Upload] | None = None,
    note: str | None = None,
    source: str = "form",
    docx_file_id: int | None = None,
) -> OutgoingDocument:
    """A new version of the draft; the earlier ones stay for comparison."""
    try:
        doc = load_own_draft(actor, doc_id)
        values = _check_fields(actor, data)
        requests = values.pop("requests")
        requests_changed = store_requests(doc.id, requests)
        grouped = _apply(doc, values)
        _store_grouped(doc, grouped)
        doc.version += 1
        files = _attach(actor, doc, uploads, appendix=False)
        files += _attach(actor, doc, appendices, appendix=True)
        _add_version(actor, doc, source=source, note=note, docx_file_id=docx_file_id)
        changes: dict[str, Any] = {"version": doc.version}
        if files:
            changes["files"] = files
        if requests_changed:
            changes["requests"] = len(requests)
        audit.record(
            actor_id=actor.id,
            org_id=actor.org_id,
            subject_type=SUBJECT,
            subject_id=doc.id,
            action="draft_updated",
            changes=changes,
            note=clean(note)[:1000] or None,
        )
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return doc


def draft_input_from(doc: OutgoingDocument) -> DraftInput:
    """The draft's values as input, to edit them (the web form, a DOCX round trip)."""
    return DraftInput(
        document_type_id=doc.document_type_id,
        subject=doc.subject,
        body_html=doc.body_html,
        addressees=doc.addressees,
        symbol_unit=doc.symbol_unit,
        signer_id=doc.signer_id,
        capacity=doc.capacity,
        capacity_title=doc.capacity_title,
        signer_title=doc.signer_title,
        urgency_code=doc.urgency_code,
        confidentiality_code=doc.confidentiality_code,
        circulation=doc.circulation,
        copies=doc.copies,
        recipients=[
            RecipientInput(r.kind, r.org_id, r.agency_code, r.name, r.addressed)
            for r in doc.recipients
            if r.group_key is None
        ],
        groups=list(dict.fromkeys(r.group_key for r in doc.recipients if r.is_group_line)),
        reply_to_id=doc.reply_to_id,
        completes_reply=doc.completes_reply,
        replaces_id=doc.replaces_id,
        requests=request_inputs(doc.id),
    )


def reply_input(actor: User, incoming_id: int) -> DraftInput:
    """A draft answering an incoming document: addressed to its sender, linked to it.

    The sender is a member (delivered inside), an outside agency with a code (sent by the
    exchange), or else a line of the "Nơi nhận" list. Issuing it will complete the
    drafter's lead part of the incoming document unless they untick that.
    """
    from eoffice.incoming.access import get_visible as get_incoming

    incoming = get_incoming(actor, incoming_id)
    sender = incoming.sender_org
    if sender is not None and sender.is_member and sender.id != actor.org_id:
        recipient = RecipientInput(RecipientKind.MEMBER, org_id=sender.id, addressed=True)
    elif incoming.sender_agency_code:
        recipient = RecipientInput(
            RecipientKind.EXTERNAL, agency_code=incoming.sender_agency_code, addressed=True
        )
    else:
        recipient = RecipientInput(RecipientKind.TEXT, name=incoming.sender_name, addressed=True)
    reference = incoming.symbol or f"số đến {incoming.arrival_number}"
    return DraftInput(
        document_type_id=db.session.scalars(
            select(DocumentType.id)
            .where(DocumentType.abbreviation.is_(None))
            .order_by(DocumentType.sort_order)
        ).first(),
        subject=f"Trả lời văn bản số {reference} của {incoming.sender_name}"[:500],
        addressees=incoming.sender_name,
        urgency_code=incoming.urgency_code,
        confidentiality_code=incoming.confidentiality_code,
        recipients=[recipient],
        reply_to_id=incoming.id,
        completes_reply=True,
    )


def replacement_input(actor: User, doc_id: int) -> DraftInput:
    """A new draft replacing an issued document (NĐ 30 Đ18: a content error is corrected
    by a replacement of equivalent form): the old one's fields, linked to it."""
    from eoffice.outgoing.involvement import get_visible

    old = get_visible(actor, doc_id)
    if old.number is None:
        raise Conflict("Chỉ soạn văn bản thay thế cho văn bản đã ban hành.")
    data = draft_input_from(old)
    data.replaces_id = old.id
    data.requests = []  # a replacement asks nothing again: the schools' answers stand
    data.reply_to_id = None
    data.completes_reply = False
    return data
