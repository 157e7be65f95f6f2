"""Destroying archived files whose retention ran out (tiêu hủy tài liệu hết giá trị):
the clerk proposes, the leader approves or refuses, the clerk executes (workflows.casefiles
DISPOSAL; DOMAIN.md §1.12).

A proposal keeps a snapshot of each file (code, title, retention, dates, totals) in its
`DisposalItem`s: the record of what was destroyed must not depend on rows that the
destruction ends. Executing an approved disposal is the only way a file reaches the
state "Đã tiêu hủy": CASE_FILE DISPOSE refuses unless `BY_DISPOSAL` is given, and only
`execute` gives it, after DISPOSAL has said the disposal was approved.

Decision for this release: the documents themselves stay in the registers (the register
books are kept permanently and a document may sit in several files); disposal ends the
case files and records, in the signed-off PDF, what was destroyed.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from eoffice.casefiles.access import get_file_for_update
from eoffice.casefiles.archive_common import (
    TEXT_MAX,
    chosen_file_ids,
    require_archive_reader,
    typed_text,
)
from eoffice.casefiles.models import CaseFile, Disposal, DisposalItem
from eoffice.casefiles.steps import fire_case_file, naming_file, record_file_step
from eoffice.core.errors import Conflict, Forbidden, NotFound
from eoffice.core.models import StoredFile
from eoffice.core.steps import record_step, refusal_error, transaction
from eoffice.core.storage import store_bytes
from eoffice.core.text import clean, clean_multiline
from eoffice.core.timeutil import format_date, local_today, now_utc
from eoffice.extensions import db
from eoffice.orgs.models import Role, User
from workflows import casefiles as flow
from workflows.engine import Event, TransitionRefused, fire

STATE_LABELS = {s.code: s.label for s in flow.DISPOSAL.states}
PENDING = (flow.PROPOSED, flow.APPROVED)
MAX_FILES_PER_DISPOSAL = 500
PDF_MIME = "application/pdf"


def _pending_files():
    """Ids of the files already in a disposal waiting for a decision or its execution."""
    return (
        select(DisposalItem.case_file_id)
        .join(Disposal, Disposal.id == DisposalItem.disposal_id)
        .where(Disposal.state.in_(PENDING))
    )


def expired_files(user: User, *, today: date | None = None) -> list[CaseFile]:
    """Archived files of the organisation whose retention ran out before today, not yet in
    a pending disposal (a permanent file never expires)."""
    require_archive_reader(user)
    today = today or local_today()
    return list(
        db.session.scalars(
            select(CaseFile)
            .where(
                CaseFile.org_id == user.org_id,
                CaseFile.state == flow.ARCHIVED,
                CaseFile.retention_expires.is_not(None),
                CaseFile.retention_expires < today,
                CaseFile.id.not_in(_pending_files()),
            )
            .options(selectinload(CaseFile.retention))
            .order_by(CaseFile.retention_expires, CaseFile.year, CaseFile.number)
        )
    )


def _snapshot(case_file: CaseFile) -> DisposalItem:
    return DisposalItem(
        case_file_id=case_file.id,
        code=case_file.code,
        title=case_file.title,
        retention_label=case_file.retention.label,
        start_date=case_file.start_date,
        end_date=case_file.end_date,
        doc_total=case_file.doc_total,
        page_total=case_file.page_total,
    )


@transaction
def propose(actor: User, file_ids: Iterable[int], reason: str | None) -> Disposal:
    """Đề nghị tiêu hủy (the clerk): archived files whose retention ran out, each with a
    snapshot of what it holds. Any other file refuses the whole proposal, by name."""
    if not actor.has_role(Role.CLERK):
        raise Forbidden("Chỉ văn thư được lập đề nghị tiêu hủy tài liệu hết giá trị.")
    ids = chosen_file_ids(
        file_ids,
        limit=MAX_FILES_PER_DISPOSAL,
        field="file_ids",
        empty="Chọn ít nhất một hồ sơ hết thời hạn bảo quản.",
    )
    reason = typed_text(reason, "reason", "Lý do tiêu hủy")
    today = local_today()
    disposal = Disposal(org_id=actor.org_id, reason=reason, proposed_by_id=actor.id)
    for file_id in sorted(ids):
        # Locked (in id order, as every step over several files), and only then asked
        # whether it is pending: a proposal of the same file committed while this one
        # waited for the lock is seen, so no file is ever in two pending disposals.
        case_file = get_file_for_update(actor, file_id)
        if case_file.state != flow.ARCHIVED:
            raise naming_file(case_file, Conflict("chỉ đề nghị tiêu hủy hồ sơ đã nộp lưu."))
        expires = case_file.retention_expires
        if expires is None:
            raise naming_file(case_file, Conflict("hồ sơ bảo quản vĩnh viễn, không tiêu hủy."))
        if expires >= today:
            raise naming_file(
                case_file, Conflict(f"chưa hết thời hạn bảo quản (đến {format_date(expires)}).")
            )
        if _is_pending(case_file.id):
            raise naming_file(case_file, Conflict("đã có trong một đề nghị tiêu hủy khác."))
        disposal.items.append(_snapshot(case_file))
    db.session.add(disposal)
    db.session.flush()
    _record(actor, disposal, "proposed", None, {"files": [i.code for i in disposal.items]}, reason)
    return disposal


def _is_pending(file_id: int) -> bool:
    """Whether the (locked) file is in a disposal waiting for a decision or its execution."""
    query = _pending_files().where(DisposalItem.case_file_id == file_id).limit(1)
    return db.session.scalar(query) is not None


def disposals(user: User, limit: int = 200) -> list[Disposal]:
    """The organisation's disposals, newest first."""
    require_archive_reader(user)
    return list(
        db.session.scalars(
            select(Disposal)
            .where(Disposal.org_id == user.org_id)
            .options(selectinload(Disposal.items))
            .order_by(Disposal.proposed_at.desc(), Disposal.id.desc())
            .limit(limit)
        )
    )


def get_disposal(user: User, disposal_id: int, *, for_update: bool = False) -> Disposal:
    require_archive_reader(user)
    query = select(Disposal).where(Disposal.id == disposal_id)
    if for_update:
        # populate_existing: the page may have loaded this row before the lock was
        # granted; the step must check the state as the lock found it, not as it was.
        query = query.with_for_update().execution_options(populate_existing=True)
    disposal = db.session.scalars(query).first()
    if disposal is None or disposal.org_id != user.org_id:
        raise NotFound("Không tìm thấy đề nghị tiêu hủy.")
    return disposal


def _fire(actor: User, disposal: Disposal, name: str, **inputs) -> Event:
    try:
        return fire(flow.DISPOSAL, disposal.state, name, actor.roles, inputs)
    except TransitionRefused as exc:
        raise refusal_error(exc) from exc


def _record(actor: User, disposal: Disposal, action: str, event, changes=None, note=None):
    record_step(
        actor=actor,
        subject_type="disposal",
        subject_id=disposal.id,
        action=action,
        event=event,
        state_labels=STATE_LABELS,
        changes=changes,
        note=note,
    )


def _decide(
    actor: User,
    disposal_id: int,
    step: str,
    action: str,
    text: str | None,
    field: str,
    label: str,
) -> Disposal:
    """The leader's decision on a proposal (approve or refuse), with the text it needs:
    the act's reference, or the reason. Refused in the proposal's state first (a decided
    proposal says so, whatever was typed), then for the text."""
    disposal = get_disposal(actor, disposal_id, for_update=True)
    value = clean(text)[: TEXT_MAX + 1]
    event = _fire(actor, disposal, step, **{field: value or None})
    disposal.decision = typed_text(value, field, label)
    disposal.state = event.to_state
    disposal.decided_by_id = actor.id
    disposal.decided_at = now_utc()
    _record(actor, disposal, action, event, note=disposal.decision)
    return disposal


@transaction
def approve(actor: User, disposal_id: int, decision: str | None) -> Disposal:
    """Phê duyệt (the leader), naming the act that decides it ("Quyết định số …")."""
    return _decide(
        actor,
        disposal_id,
        flow.APPROVE_DISPOSAL,
        "approved",
        decision,
        "decision",
        "Số, ngày quyết định tiêu hủy",
    )


@transaction
def refuse(actor: User, disposal_id: int, reason: str | None) -> Disposal:
    """Không phê duyệt (the leader), with the reason; its files may be proposed again."""
    return _decide(actor, disposal_id, flow.REFUSE_DISPOSAL, "refused", reason, "reason", "Lý do")


@transaction
def execute(actor: User, disposal_id: int, witnesses: str | None) -> Disposal:
    """Thực hiện tiêu hủy (the clerk or an admin) of an approved disposal: every file is
    disposed through CASE_FILE, and the record PDF is printed and kept."""
    disposal = get_disposal(actor, disposal_id, for_update=True)
    text = clean_multiline(witnesses)[: TEXT_MAX + 1]
    event = _fire(actor, disposal, flow.EXECUTE_DISPOSAL, witnesses=text or None)
    disposal.witnesses = typed_text(text, "witnesses", "Người chứng kiến", multiline=True)
    moment = now_utc()
    for item in sorted(disposal.items, key=lambda i: i.case_file_id):
        case_file = get_file_for_update(actor, item.case_file_id)
        file_event = fire_case_file(actor, case_file, flow.DISPOSE, {flow.BY_DISPOSAL: True})
        case_file.state = file_event.to_state
        case_file.disposed_at = moment
        case_file.disposal_id = disposal.id
        case_file.updated_at = moment
        record_file_step(
            actor, case_file, "disposed", file_event, {"disposal": _disposal_words(disposal)}
        )
    disposal.state = event.to_state
    disposal.executed_by_id = actor.id
    disposal.executed_at = moment
    _record(actor, disposal, "executed", event, {"files": len(disposal.items)})
    _print(disposal, actor)
    return disposal


def _print(disposal: Disposal, actor: User) -> None:
    from eoffice.casefiles import archive_pdf

    decided_by = db.session.get(User, disposal.decided_by_id) if disposal.decided_by_id else None
    papers = archive_pdf.disposal_papers(disposal, decided_by, actor)
    disposal.record_pdf_id = store_bytes(archive_pdf.render_disposal_record(papers), PDF_MIME).id


def _disposal_words(disposal: Disposal) -> str:
    """How a file's history names the disposal that ended it (the decision it carried out)."""
    return f"Đề nghị tiêu hủy số {disposal.id} ({disposal.decision})"


def record_pdf(user: User, disposal_id: int) -> tuple[StoredFile, str]:
    disposal = get_disposal(user, disposal_id)
    stored = db.session.get(StoredFile, disposal.record_pdf_id) if disposal.record_pdf_id else None
    if stored is None:
        raise NotFound("Đề nghị tiêu hủy này chưa được thực hiện: chưa có biên bản.")
    return stored, f"Bien-ban-huy-tai-lieu_{disposal.id}.pdf"


def users_by_id(ids: Iterable[int | None]) -> dict[int, User]:
    """The people named on disposals (proposer, decider, executor), in one query."""
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    return {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(wanted)))}
