"""Case files: opening, filing documents, ordering them, closing and reopening.

The core every other part of the archive builds on (the file list plans files, the
hand-over and disposal move closed files on, the export reads them). Each step is one
transaction (`core.steps.transaction`), asks workflows.casefiles whether it may happen
and records an audit event on the file.

Documents are linked, never copied (`CaseFileItem`); adding a document already in the
file changes nothing, so a double click or a retried request is harmless. Positions are
1…n without gaps after every change: they are the STT of the file's contents list.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select

from eoffice.casefiles.access import get_file_for_update, require_change
from eoffice.casefiles.models import CaseFile, CaseFileItem, FileList, RetentionPeriod
from eoffice.casefiles.steps import STATE_LABELS, fire_case_file, record_file_step
from eoffice.catalog.models import ConfidentialityLevel
from eoffice.core.errors import Conflict, NotFound, ValidationFailed
from eoffice.core.limits import int_in_range
from eoffice.core.steps import transaction
from eoffice.core.text import clean
from eoffice.core.timeutil import local_today, now_utc, to_local
from eoffice.extensions import db
from eoffice.incoming import access as incoming_access
from eoffice.incoming.models import IncomingDocument
from eoffice.orgs.models import User
from eoffice.outgoing import involvement as outgoing_access
from eoffice.outgoing.models import OutgoingDocument
from workflows import archive
from workflows import casefiles as flow
from workflows import incoming as incoming_flow
from workflows import outgoing as outgoing_flow
from workflows.engine import Event

MAX_DOCUMENTS_PER_STEP = 500
INCOMING_FINISHED = frozenset({incoming_flow.COMPLETED, incoming_flow.FILED})
OUTGOING_FINISHED = frozenset({outgoing_flow.ISSUED, outgoing_flow.RECALLED})


# Reading ------------------------------------------------------------------------------


def retention_choices(*, include: str | None = None) -> list[RetentionPeriod]:
    """The retention values offered, in order; `include` keeps a retired one a file has."""
    rows = db.session.scalars(select(RetentionPeriod).order_by(RetentionPeriod.position))
    return [r for r in rows if r.active or r.code == include]


def retention_of(code: str | None, *, current: str | None = None) -> RetentionPeriod:
    """The level chosen; a retired one only when it is `current`, the level the file
    already has (retiring a level stops offering it, it does not strand its files)."""
    period = db.session.get(RetentionPeriod, code) if code else None
    if period is None or not (period.active or period.code == current):
        raise ValidationFailed(
            "Chọn thời hạn bảo quản trong danh mục.",
            field_errors={"retention": "Chọn thời hạn bảo quản trong danh mục."},
        )
    return period


@dataclass(frozen=True)
class ContentsRow:
    """One line of the file's contents list (Mục lục văn bản trong hồ sơ, NĐ 30 mẫu IV):
    STT, số/ký hiệu, ngày tháng, tên loại và trích yếu, tác giả, tờ/trang số, ghi chú."""

    item_id: int
    position: int
    kind: str  # "incoming" | "outgoing"
    document_id: int
    symbol: str
    document_date: date | None
    type_and_subject: str
    author: str
    pages: int | None
    page_range: str  # "1–3", or "" when a page count is unknown
    note: str
    finished: bool
    state_label: str
    hidden: bool = False  # a secret document the viewer may not read: masked


HIDDEN_TEXT = "Văn bản mật – không có quyền xem"


def contents(case_file: CaseFile, viewer: User | None = None) -> list[ContentsRow]:
    """The file's documents in order, with the page range each takes in the file.

    With a `viewer`, a secret document they may not read keeps its place, date and
    pages (the STT and page ranges of everyone's copy agree) but not its number,
    subject, author or note, which would tell what it is about (HIDDEN_TEXT instead).
    Without one — the services' own reckoning (ordering, closing) — nothing is masked.

    A few queries whatever the number of documents (the items, the documents of each
    kind, and with a viewer which of them are secret and unseen); the page ranges add
    up the documents' page counts in order.
    """
    items = list(
        db.session.scalars(
            select(CaseFileItem)
            .where(CaseFileItem.case_file_id == case_file.id)
            .order_by(CaseFileItem.position, CaseFileItem.id)
        )
    )
    incoming = _by_id(IncomingDocument, [i.incoming_id for i in items if i.incoming_id])
    outgoing = _by_id(OutgoingDocument, [i.outgoing_id for i in items if i.outgoing_id])
    org_name = case_file_org_name(case_file)
    hidden_in: set[int] = set()
    hidden_out: set[int] = set()
    if viewer is not None:
        hidden_in, hidden_out = hidden_documents(viewer, list(incoming), list(outgoing))
    rows: list[ContentsRow] = []
    page = 1
    for item in items:
        if item.incoming_id:
            doc = incoming[item.incoming_id]
            symbol, author = doc.symbol, doc.sender_name
            day = doc.document_date or to_local(doc.arrived_at).date()
            finished = doc.state in INCOMING_FINISHED
            state_label = incoming_flow.STATE_LABELS.get(doc.state, doc.state)
            kind, doc_id = "incoming", doc.id
        else:
            doc = outgoing[item.outgoing_id]
            symbol, author, day = doc.symbol or "", org_name, doc.document_date
            finished = doc.state in OUTGOING_FINISHED
            state_label = _outgoing_state_label(doc.state)
            kind, doc_id = "outgoing", doc.id
        hidden = doc_id in (hidden_in if kind == "incoming" else hidden_out)
        pages = doc.page_count
        page_range = ""
        if pages:
            page_range = f"{page}" if pages == 1 else f"{page}–{page + pages - 1}"
            page += pages
        rows.append(
            ContentsRow(
                item_id=item.id,
                position=item.position,
                kind=kind,
                document_id=doc_id,
                symbol="" if hidden else symbol,
                document_date=day,
                type_and_subject=HIDDEN_TEXT
                if hidden
                else f"{doc.document_type.name}: {doc.subject}",
                author="" if hidden else author,
                pages=pages,
                page_range=page_range,
                note="" if hidden else item.note or "",
                finished=finished,
                state_label=state_label,
                hidden=hidden,
            )
        )
    return rows


def hidden_documents(
    viewer: User, incoming_ids: Sequence[int], outgoing_ids: Sequence[int]
) -> tuple[set[int], set[int]]:
    """Of these documents, the secret ones (độ mật) `viewer` may not read: (incoming,
    outgoing) ids. A document that is not secret is part of the file's metadata every
    member of the office reads, even when its own page is not theirs to open.

    The secret ones minus the visible ones, never `NOT visible` in SQL: the visibility
    conditions compare nullable columns, and NOT of an unknown is unknown, not true."""
    secret_codes = select(ConfidentialityLevel.code).where(ConfidentialityLevel.rank >= 1)
    hidden: list[set[int]] = []
    for model, visible, ids in (
        (IncomingDocument, incoming_access.visible_filter(viewer), incoming_ids),
        (OutgoingDocument, outgoing_access.visible_filter(viewer), outgoing_ids),
    ):
        secret = (
            set(
                db.session.scalars(
                    select(model.id).where(
                        model.id.in_(ids), model.confidentiality_code.in_(secret_codes)
                    )
                )
            )
            if ids
            else set()
        )
        if secret:
            secret -= set(db.session.scalars(select(model.id).where(model.id.in_(secret), visible)))
        hidden.append(secret)
    return hidden[0], hidden[1]


def case_file_org_name(case_file: CaseFile) -> str:
    from eoffice.orgs.models import Organisation

    org = db.session.get(Organisation, case_file.org_id)
    return org.name if org else ""


def _outgoing_state_label(state: str) -> str:
    return {s.code: s.label for s in outgoing_flow.WORKFLOW.states}.get(state, state)


def _by_id(model, ids: Sequence[int]) -> dict[int, Any]:
    if not ids:
        return {}
    return {d.id: d for d in db.session.scalars(select(model).where(model.id.in_(ids)))}


def closing_problems(case_file: CaseFile, viewer: User | None = None) -> list[str]:
    """Why the file cannot be closed now (empty, drafts, documents still handled); with
    a `viewer`, a secret document they may not read is named by its STT only."""
    documents = [
        archive.FiledDocument(
            label=f"STT {row.position}"
            + ("" if row.hidden else f" ({row.symbol or 'chưa có số'})"),
            finished=row.finished,
        )
        for row in contents(case_file, viewer)
    ]
    return archive.closing_problems(documents)


def files_of_document(
    user: User, *, incoming_id: int | None = None, outgoing_id: int | None = None
):
    """The files of the user's organisation a document is in (a document may be in many)."""
    column = CaseFileItem.incoming_id if incoming_id else CaseFileItem.outgoing_id
    return list(
        db.session.scalars(
            select(CaseFile)
            .join(CaseFileItem, CaseFileItem.case_file_id == CaseFile.id)
            .where(CaseFile.org_id == user.org_id, column == (incoming_id or outgoing_id))
            .order_by(CaseFile.year.desc(), CaseFile.code)
        )
    )


# Steps --------------------------------------------------------------------------------


def _require_editable(case_file: CaseFile) -> None:
    if not case_file.editable:
        raise Conflict(
            f"Hồ sơ {case_file.code} {STATE_LABELS[case_file.state].lower()}: không thay đổi "
            "được văn bản trong hồ sơ."
        )


def _open(actor: User, case_file: CaseFile) -> Event:
    _require_approved_list(case_file)
    event = fire_case_file(actor, case_file, flow.OPEN_FILE)
    case_file.state = event.to_state
    case_file.opened_at = now_utc()
    case_file.opened_by_id = actor.id
    if case_file.keeper_id is None:
        case_file.keeper_id = actor.id
    if case_file.start_date is None:
        case_file.start_date = local_today()
    case_file.updated_at = now_utc()
    return event


def _require_approved_list(case_file: CaseFile) -> None:
    """A planned file of the list is opened only once the head approved the list: a
    draft (or one sent back, or reopened for amendment) is not yet the office's plan,
    and a locked list's year is over — its planned files stay unopened. The list is read
    under a shared lock, so an amendment or a return in progress is waited for."""
    if not case_file.in_list or case_file.list_id is None:
        return  # a file outside the list is opened on its own
    file_list = db.session.scalars(
        select(FileList)
        .where(FileList.id == case_file.list_id)
        .with_for_update(read=True)
        .execution_options(populate_existing=True)
    ).one()
    if file_list.state != flow.LIST_APPROVED:
        raise Conflict(
            f"Hồ sơ {case_file.code} thuộc danh mục hồ sơ năm {file_list.year} chưa được "
            "phê duyệt (hoặc đã khóa): chỉ mở được hồ sơ của danh mục đang có hiệu lực."
        )


def open_file_step(actor: User, file_id: int) -> CaseFile:
    """Mở hồ sơ: a planned file of the list starts to be kept (by the actor, if it had
    no keeper yet). Inside the caller's transaction; `open_file` commits it."""
    case_file = get_file_for_update(actor, file_id)
    event = _open(actor, case_file)
    record_file_step(actor, case_file, "opened", event)
    return case_file


open_file = transaction(open_file_step)


def add_documents_step(
    actor: User,
    file_id: int,
    *,
    incoming_ids: Iterable[int] = (),
    outgoing_ids: Iterable[int] = (),
    note: str | None = None,
) -> list[CaseFileItem]:
    """File documents the actor may see into the file, after those already in it.

    A planned file is opened by the first document filed into it. Documents already in
    the file are left where they are. Returns the items created. Inside the caller's
    transaction (the incoming FILE step files and closes the record in one);
    `add_documents` commits it.
    """
    case_file = get_file_for_update(actor, file_id)
    require_change(actor, case_file)
    wanted_in = _ids(incoming_ids)
    wanted_out = _ids(outgoing_ids)
    if not wanted_in and not wanted_out:
        raise ValidationFailed("Chọn ít nhất một văn bản để đưa vào hồ sơ.")
    if len(wanted_in) + len(wanted_out) > MAX_DOCUMENTS_PER_STEP:
        raise ValidationFailed(
            f"Mỗi lần chỉ đưa được tối đa {MAX_DOCUMENTS_PER_STEP} văn bản vào hồ sơ."
        )
    if case_file.state == flow.PLANNED:
        record_file_step(actor, case_file, "opened", _open(actor, case_file))
    _require_editable(case_file)
    _check_visible(actor, IncomingDocument, incoming_access.visible_filter(actor), wanted_in)
    _check_visible(actor, OutgoingDocument, outgoing_access.visible_filter(actor), wanted_out)
    present_in, present_out = _present(case_file.id)
    position = _last_position(case_file.id)
    created: list[CaseFileItem] = []
    note = clean(note)[:300] or None
    for kind, ids, present in (
        ("incoming", wanted_in, present_in),
        ("outgoing", wanted_out, present_out),
    ):
        for doc_id in ids:
            if doc_id in present:
                continue
            position += 1
            item = CaseFileItem(
                case_file_id=case_file.id,
                incoming_id=doc_id if kind == "incoming" else None,
                outgoing_id=doc_id if kind == "outgoing" else None,
                position=position,
                note=note,
                added_by_id=actor.id,
            )
            db.session.add(item)
            created.append(item)
    if created:
        db.session.flush()
        case_file.updated_at = now_utc()
        record_file_step(
            actor,
            case_file,
            "documents_added",
            None,
            _filed_ids(created),
        )
    return created


def _filed_ids(created: list[CaseFileItem]) -> dict[str, list[int]]:
    """The history's record of what was filed: only the kinds that were (an empty
    "Văn bản đi:" line under every filing would say nothing)."""
    kinds = {
        "incoming": [i.incoming_id for i in created if i.incoming_id],
        "outgoing": [i.outgoing_id for i in created if i.outgoing_id],
    }
    return {kind: ids for kind, ids in kinds.items() if ids}


add_documents = transaction(add_documents_step)


def _ids(values: Iterable[int]) -> list[int]:
    seen: list[int] = []
    for value in values:
        if not int_in_range(value):
            raise NotFound("Không tìm thấy văn bản.")
        if value not in seen:
            seen.append(value)
    return seen


def _check_visible(actor: User, model, visible, ids: list[int]) -> None:
    if not ids:
        return
    found = set(db.session.scalars(select(model.id).where(model.id.in_(ids), visible)))
    if len(found) != len(ids):
        raise NotFound("Không tìm thấy văn bản (hoặc bạn không có quyền xem văn bản này).")


def _present(file_id: int) -> tuple[set[int], set[int]]:
    rows = db.session.execute(
        select(CaseFileItem.incoming_id, CaseFileItem.outgoing_id).where(
            CaseFileItem.case_file_id == file_id
        )
    ).all()
    return {r[0] for r in rows if r[0]}, {r[1] for r in rows if r[1]}


def _last_position(file_id: int) -> int:
    return db.session.scalar(
        select(func.coalesce(func.max(CaseFileItem.position), 0)).where(
            CaseFileItem.case_file_id == file_id
        )
    )


def _items(file_id: int) -> list[CaseFileItem]:
    return list(
        db.session.scalars(
            select(CaseFileItem)
            .where(CaseFileItem.case_file_id == file_id)
            .order_by(CaseFileItem.position, CaseFileItem.id)
        )
    )


def _renumber(items: list[CaseFileItem]) -> None:
    for position, item in enumerate(items, start=1):
        item.position = position


@transaction
def remove_item(actor: User, file_id: int, item_id: int) -> None:
    """Take a document out of the file (the document itself is untouched)."""
    case_file = get_file_for_update(actor, file_id)
    require_change(actor, case_file)
    _require_editable(case_file)
    items = _items(case_file.id)
    [item] = [i for i in items if i.id == item_id] or [None]
    if item is None:
        raise NotFound("Văn bản này không có trong hồ sơ.")
    db.session.delete(item)
    _renumber([i for i in items if i.id != item_id])
    case_file.updated_at = now_utc()
    record_file_step(
        actor,
        case_file,
        "document_removed",
        None,
        {"incoming": item.incoming_id} if item.incoming_id else {"outgoing": item.outgoing_id},
    )


@transaction
def move_item(actor: User, file_id: int, item_id: int, position: int) -> None:
    """Put one document at `position` (1-based; past the end means last)."""
    case_file = get_file_for_update(actor, file_id)
    require_change(actor, case_file)
    _require_editable(case_file)
    items = _items(case_file.id)
    moving = next((i for i in items if i.id == item_id), None)
    if moving is None:
        raise NotFound("Văn bản này không có trong hồ sơ.")
    rest = [i for i in items if i.id != item_id]
    index = min(max(position, 1), len(items)) - 1
    old_position = moving.position
    rest.insert(index, moving)
    _renumber(rest)
    if moving.position == old_position:
        return  # already there: nothing changed, nothing to record
    case_file.updated_at = now_utc()
    record_file_step(
        actor,
        case_file,
        "document_moved",
        None,
        {"position": [old_position, moving.position]},
    )


@transaction
def order_chronologically(actor: User, file_id: int) -> None:
    """Sắp xếp theo thời gian: the documents by date, then by when they were filed —
    the order Phụ lục VI asks of an exported file."""
    case_file = get_file_for_update(actor, file_id)
    require_change(actor, case_file)
    _require_editable(case_file)
    rows = {row.item_id: row for row in contents(case_file)}
    items = _items(case_file.id)
    items.sort(key=lambda i: (rows[i.id].document_date or date.max, i.added_at, i.id))
    _renumber(items)
    case_file.updated_at = now_utc()
    record_file_step(actor, case_file, "ordered_by_date", None)


@transaction
def close_file(actor: User, file_id: int, retention_code: str, note: str | None = None) -> CaseFile:
    """Kết thúc hồ sơ: confirm the retention; the dates, totals, hand-over due date and
    retention expiry are computed from what the file holds and today's office date."""
    case_file = get_file_for_update(actor, file_id)
    retention = retention_of(retention_code, current=case_file.retention_code)
    problems = closing_problems(case_file) if case_file.state == flow.OPEN else []
    if problems:
        raise Conflict("Hồ sơ chưa kết thúc được: " + " ".join(problems))
    event = fire_case_file(
        actor,
        case_file,
        flow.CLOSE_FILE,
        {flow.CLOSING_PROBLEMS: problems},
        retention=retention.code,
        note=clean(note) or None,
    )
    rows = contents(case_file)
    dates = [r.document_date for r in rows if r.document_date]
    today = local_today()
    case_file.state = event.to_state
    case_file.retention_code = retention.code
    case_file.start_date = min(dates) if dates else case_file.start_date or today
    case_file.end_date = max(dates) if dates else today
    case_file.doc_total = len(rows)
    case_file.page_total = sum(r.pages or 0 for r in rows)
    case_file.closed_at = now_utc()
    case_file.closed_on = today
    case_file.closed_by_id = actor.id
    schedule_after_closing(case_file, retention)
    case_file.updated_at = now_utc()
    record_file_step(
        actor,
        case_file,
        "closed",
        event,
        {"retention": retention.label, "documents": len(rows), "pages": case_file.page_total},
        note,
    )
    return case_file


def schedule_after_closing(case_file: CaseFile, retention: RetentionPeriod) -> None:
    """The hand-over due date and warning day (files kept 5 years or more), and when
    the retention runs out, from the day the work ended."""
    ended = case_file.closed_on
    assert ended is not None
    if archive.is_handed_over(retention.years):
        case_file.handover_due = archive.handover_due(ended)
        case_file.warn_from = archive.warning_day(case_file.handover_due)
    else:
        case_file.handover_due = None
        case_file.warn_from = None
    case_file.warned_on = None
    case_file.kept_until = None
    case_file.kept_reason = None
    case_file.retention_expires = archive.retention_expires(ended, retention.years)


@transaction
def reopen_file(actor: User, file_id: int, reason: str) -> CaseFile:
    """Mở lại hồ sơ (leader, on record): the file is open again and its closing facts
    are cleared; closing again computes them anew."""
    case_file = get_file_for_update(actor, file_id)
    reason = clean(reason)
    event = fire_case_file(actor, case_file, flow.REOPEN_FILE, reason=reason or None)
    case_file.state = event.to_state
    for name in (
        "closed_at",
        "closed_on",
        "closed_by_id",
        "handover_due",
        "warn_from",
        "warned_on",
        "kept_until",
        "kept_reason",
        "retention_expires",
        "doc_total",
        "page_total",
        "end_date",
    ):
        setattr(case_file, name, None)
    case_file.updated_at = now_utc()
    record_file_step(actor, case_file, "reopened", event, note=reason)
    return case_file
