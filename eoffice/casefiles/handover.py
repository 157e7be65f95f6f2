"""Hand-over to the office archive (nộp lưu), keeping files back (giữ lại), and what
is due: NĐ 30 Đ30–31, DOMAIN.md §1.12, the rules in workflows/archive.py.

Closing a file computes when it is due (`handover_due`, one year after the work ended)
and from when people are warned (`warn_from`). The archive's page lists the closed files
of the organisation that go to the archive (retention of 5 years or more, or permanent)
by the date in force: the date a leader kept the file back until, else the due date.

A hand-over is one record (numbered 1, 2, … per organisation and year) that takes
several files at once, each through CASE_FILE HAND_OVER, and prints its two papers (the
Mục lục hồ sơ nộp lưu and the Biên bản giao nhận, eoffice.casefiles.archive_pdf), kept as
stored PDFs. It is all or nothing: one file refused and nothing is handed over, the
message naming that file, so a hand-over record never lists less than what was chosen.
An archived file is frozen: eoffice.casefiles.files refuses every change to it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from eoffice.casefiles.access import get_file_for_update
from eoffice.casefiles.archive_common import (
    chosen_file_ids,
    require_archive_reader,
    typed_text,
)
from eoffice.casefiles.models import CaseFile, Handover
from eoffice.casefiles.numbering import lock_numbering
from eoffice.casefiles.steps import fire_case_file, naming_file, record_file_step
from eoffice.core.errors import NotFound, ValidationFailed
from eoffice.core.models import StoredFile
from eoffice.core.steps import record_step, transaction
from eoffice.core.storage import store_bytes
from eoffice.core.timeutil import format_date, local_today, now_utc
from eoffice.extensions import db
from eoffice.orgs.models import Role, User, UserRole
from workflows import archive
from workflows import casefiles as flow
from workflows.engine import Event

RECEIVER_ROLES = (Role.CLERK, Role.LEADER)
MAX_FILES_PER_HANDOVER = 500
PDF_MIME = "application/pdf"
SAME_PERSON = "Người giao và người nhận phải là hai người khác nhau."


# What is due -------------------------------------------------------------------------


@dataclass(frozen=True)
class DueFile:
    """A closed file waiting for the archive, by the date in force."""

    file: CaseFile
    due: date  # kept_until when kept back, else handover_due
    days_left: int  # negative once overdue
    overdue: bool

    @property
    def kept(self) -> bool:
        return self.file.kept_until is not None


def due_date(case_file: CaseFile) -> date | None:
    """The date the file must be in the archive by: the kept-back date, else the due date."""
    return case_file.kept_until or case_file.handover_due


def due_files(
    user: User,
    *,
    keeper_id: int | None = None,
    overdue_only: bool = False,
    today: date | None = None,
) -> list[DueFile]:
    """Closed files of the user's organisation that go to the archive, soonest first.

    Files kept less than 5 years have no due date (they stay with the unit until they
    are destroyed there), so `handover_due IS NOT NULL` is the whole rule.
    """
    require_archive_reader(user)
    today = today or local_today()
    query = (
        select(CaseFile)
        .where(
            CaseFile.org_id == user.org_id,
            CaseFile.state == flow.CLOSED,
            CaseFile.handover_due.is_not(None),
        )
        .options(selectinload(CaseFile.keeper), selectinload(CaseFile.retention))
    )
    if keeper_id is not None:
        query = query.where(CaseFile.keeper_id == keeper_id)
    rows = []
    for case_file in db.session.scalars(query):
        due = due_date(case_file)
        assert due is not None
        left = (due - today).days
        if overdue_only and left >= 0:
            continue
        rows.append(DueFile(file=case_file, due=due, days_left=left, overdue=left < 0))
    rows.sort(key=lambda r: (r.due, r.file.year, r.file.number, r.file.id))
    return rows


def keepers_of_due_files(user: User) -> list[User]:
    """The people keeping a file the archive waits for (the page's keeper filter)."""
    require_archive_reader(user)
    return list(
        db.session.scalars(
            select(User)
            .where(
                User.id.in_(
                    select(CaseFile.keeper_id).where(
                        CaseFile.org_id == user.org_id,
                        CaseFile.state == flow.CLOSED,
                        CaseFile.handover_due.is_not(None),
                    )
                )
            )
            .order_by(User.full_name)
        )
    )


def receiver_choices(user: User) -> list[User]:
    """Who may receive files for the archive: the organisation's active clerks and leaders."""
    return list(
        db.session.scalars(
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(
                User.org_id == user.org_id,
                User.is_active_account.is_(True),
                UserRole.role.in_([r.value for r in RECEIVER_ROLES]),
            )
            .distinct()
            .order_by(User.full_name)
        )
    )


# Hand-over ---------------------------------------------------------------------------


def chosen_files(user: User, file_ids: Sequence[int]) -> list[CaseFile]:
    """The files chosen for a hand-over, as the form shows them: one query, scoped to
    the user's organisation, in the order chosen; one that is not there is not found."""
    require_archive_reader(user)
    wanted = list(dict.fromkeys(file_ids))
    if not wanted:
        return []
    found = {
        f.id: f
        for f in db.session.scalars(
            select(CaseFile)
            .where(CaseFile.id.in_(wanted), CaseFile.org_id == user.org_id)
            .options(selectinload(CaseFile.retention))
        )
    }
    if len(found) != len(wanted):
        raise NotFound("Không tìm thấy hồ sơ.")
    return [found[i] for i in wanted]


def deliverer_choices(user: User) -> list[User]:
    """Who may hand files over on the record (bên giao): any active person of the
    organisation, usually the files' keeper or the unit's representative."""
    return list(
        db.session.scalars(
            select(User)
            .where(User.org_id == user.org_id, User.is_active_account.is_(True))
            .order_by(User.full_name)
        )
    )


def default_deliverer(user: User, files: Sequence[CaseFile]) -> int | None:
    """The person the form proposes as bên giao: the files' one keeper if they have one
    and it is not the person receiving by default, else nobody (the user chooses)."""
    keepers = {f.keeper_id for f in files}
    keeper = keepers.pop() if len(keepers) == 1 else None
    return keeper if keeper and keeper != user.id else None


def _deliverer(actor: User, delivered_by_id: int | None) -> User:
    deliverer = db.session.get(User, delivered_by_id) if delivered_by_id else actor
    if deliverer is None or deliverer.org_id != actor.org_id or not deliverer.is_active_account:
        message = "Chọn người giao hồ sơ (người lập hồ sơ hoặc đại diện đơn vị)."
        raise ValidationFailed(message, field_errors={"delivered_by": message})
    return deliverer


def _receiver(actor: User, received_by_id: int | None) -> User:
    receiver = db.session.get(User, received_by_id) if received_by_id else None
    if (
        receiver is None
        or receiver.org_id != actor.org_id
        or not receiver.is_active_account
        or not receiver.has_role(*RECEIVER_ROLES)
    ):
        message = "Chọn người nhận của lưu trữ cơ quan (văn thư hoặc lãnh đạo của đơn vị)."
        raise ValidationFailed(message, field_errors={"received_by": message})
    return receiver


def _next_handover_number(org_id: int, year: int) -> int:
    lock_numbering(org_id)
    last = db.session.scalar(
        select(func.max(Handover.number)).where(Handover.org_id == org_id, Handover.year == year)
    )
    return (last or 0) + 1


@transaction
def hand_over(
    actor: User,
    file_ids: Iterable[int],
    received_by_id: int | None,
    note: str | None = None,
    handed_on: date | None = None,
    delivered_by_id: int | None = None,
) -> Handover:
    """Nộp lưu: the chosen closed files go to the office archive in one record, with its
    two PDFs. One file refused (open, kept less than 5 years, already handed over, of
    another office) and nothing is handed over; the message names the file.

    The record has two sides: the person who delivers (`delivered_by_id`, the actor when
    not given) and the person who receives for the archive; they must differ, or the
    Biên bản giao nhận would be signed by one person twice."""
    ids = chosen_file_ids(
        file_ids,
        limit=MAX_FILES_PER_HANDOVER,
        field="file_ids",
        empty="Chọn ít nhất một hồ sơ để nộp lưu.",
    )
    receiver = _receiver(actor, received_by_id)
    deliverer = _deliverer(actor, delivered_by_id)
    if deliverer.id == receiver.id:
        raise ValidationFailed(SAME_PERSON, field_errors={"received_by": SAME_PERSON})
    note = typed_text(note, "note")
    today = local_today()
    handed_on = handed_on or today
    if handed_on > today:
        message = "Ngày giao nhận không được sau ngày hôm nay."
        raise ValidationFailed(message, field_errors={"handed_on": message})
    number = _next_handover_number(actor.org_id, handed_on.year)
    chosen: list[tuple[CaseFile, Event]] = []
    for file_id in sorted(ids):
        case_file = get_file_for_update(actor, file_id)
        event = fire_case_file(
            actor,
            case_file,
            flow.HAND_OVER,
            {flow.HANDED_OVER: archive.is_handed_over(case_file.retention.years)},
        )
        if case_file.closed_on and handed_on < case_file.closed_on:
            raise naming_file(
                case_file,
                ValidationFailed(
                    "ngày giao nhận trước ngày kết thúc hồ sơ "
                    f"({format_date(case_file.closed_on)}).",
                    field_errors={"handed_on": "Ngày giao nhận trước ngày kết thúc hồ sơ."},
                ),
            )
        chosen.append((case_file, event))
    files = [case_file for case_file, _ in chosen]
    units = {f.unit_id for f in files}
    handover = Handover(
        org_id=actor.org_id,
        year=handed_on.year,
        number=number,
        handed_on=handed_on,
        unit_id=units.pop() if len(units) == 1 else None,
        delivered_by_id=deliverer.id,
        received_by_id=receiver.id,
        note=note,
        file_count=len(files),
        document_count=sum(f.doc_total or 0 for f in files),
    )
    db.session.add(handover)
    db.session.flush()
    moment = now_utc()
    for case_file, event in chosen:
        case_file.state = event.to_state
        case_file.archived_at = moment
        case_file.handover_id = handover.id
        case_file.updated_at = moment
        record_file_step(
            actor,
            case_file,
            "handed_over",
            event,
            {
                "handover": f"Lần nộp lưu số {handover.number}/{handover.year}",
                "delivered_by": deliverer.full_name,
                "received_by": receiver.full_name,
            },
        )
    record_step(
        actor=actor,
        subject_type="handover",
        subject_id=handover.id,
        action="created",
        event=None,
        state_labels={},
        changes={
            "files": [f.code for f in files],
            "delivered_by": deliverer.full_name,
            "received_by": receiver.full_name,
        },
        note=note,
    )
    _print(handover, files, deliverer, receiver)
    return handover


def _print(handover: Handover, files: list[CaseFile], deliverer: User, receiver: User) -> None:
    from eoffice.casefiles import archive_pdf

    papers = archive_pdf.handover_papers(handover, files, deliverer, receiver)
    handover.list_pdf_id = store_bytes(archive_pdf.render_handover_list(papers), PDF_MIME).id
    handover.record_pdf_id = store_bytes(archive_pdf.render_handover_record(papers), PDF_MIME).id


def handovers(user: User, limit: int = 200) -> list[Handover]:
    """The organisation's hand-overs, newest first."""
    require_archive_reader(user)
    return list(
        db.session.scalars(
            select(Handover)
            .where(Handover.org_id == user.org_id)
            .options(selectinload(Handover.received_by), selectinload(Handover.delivered_by))
            .order_by(Handover.year.desc(), Handover.number.desc())
            .limit(limit)
        )
    )


def get_handover(user: User, handover_id: int) -> Handover:
    require_archive_reader(user)
    handover = db.session.get(Handover, handover_id)
    if handover is None or handover.org_id != user.org_id:
        raise NotFound("Không tìm thấy biên bản nộp lưu.")
    return handover


def handover_pdf(user: User, handover_id: int, which: str) -> tuple[StoredFile, str]:
    """One of the two printed papers and its download name ("list" or "record")."""
    handover = get_handover(user, handover_id)
    file_id = handover.list_pdf_id if which == "list" else handover.record_pdf_id
    stored = db.session.get(StoredFile, file_id) if file_id else None
    if stored is None:
        raise NotFound("Chưa có tệp PDF của lần nộp lưu này.")
    name = "Muc-luc-ho-so-nop-luu" if which == "list" else "Bien-ban-giao-nhan"
    return stored, f"{name}_{handover.number:02d}-{handover.year}.pdf"


# Keeping back --------------------------------------------------------------------------


@transaction
def keep_back(actor: User, file_id: int, until: date | None, reason: str | None) -> CaseFile:
    """Giữ lại: the leader keeps a due file with its unit until `until` (at most two years
    past its due date), for a reason. The warning moves with the date: it is sent again
    30 days before the new date."""
    case_file = get_file_for_update(actor, file_id)
    reason = typed_text(reason, "reason")
    today = local_today()
    problem = None
    if until is not None and case_file.handover_due is not None:
        problem = archive.keep_back_problem(case_file.handover_due, until, today)
    event = fire_case_file(
        actor,
        case_file,
        flow.KEEP_BACK,
        {
            flow.HANDED_OVER: archive.is_handed_over(case_file.retention.years),
            flow.KEEP_BACK_PROBLEM: problem,
        },
        until=until,
        reason=reason,
    )
    assert until is not None
    before = case_file.kept_until
    case_file.kept_until = until
    case_file.kept_reason = reason
    case_file.warn_from = archive.warning_day(until)
    case_file.warned_on = None
    case_file.updated_at = now_utc()
    record_file_step(
        actor,
        case_file,
        "kept_back",
        event,
        {"kept_until": [format_date(before) or None, format_date(until)]},
        reason,
    )
    return case_file


def keep_back_limit(case_file: CaseFile) -> date | None:
    """The latest date the file may be kept until (for the form's hint)."""
    if case_file.handover_due is None:
        return None
    return archive.keep_back_limit(case_file.handover_due)
