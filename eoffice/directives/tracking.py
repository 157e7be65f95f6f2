"""The district's side of report requests: extend deadlines, return answers, remind.

Each step validates, writes, audits and commits, and tells the schools concerned after
the commit (eoffice.core.aftercommit): a school never hears of an extension that was
rolled back. Reminders go to the clerks and leaders of the schools that still owe an
answer (open or returned), never to a school that has answered.

`send_due_reminders(now)` is the scheduler's part (eoffice.jobs.clock, every minute):
on each working day it reminds every task N working days before its deadline
(DIRECTIVE_REMINDER_DAYS_BEFORE, default 2) and once more the day after it (with a
catch-up of DIRECTIVE_OVERDUE_CATCH_UP_DAYS, default 7, when the scheduler was down or the
day after was a day off). "Once per occasion" is claimed by one conditional UPDATE per
(request, deadline): a task is taken only if it was not reminded since its occasion
opened (local midnight of its first day), so a repeated tick, a second scheduler or a
manual reminder the same day never makes a school hear twice. A deadline extended moves
the occasions with it: the new deadline gets its own reminders.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import exists, or_, select, update

from eoffice.catalog.calendar import office_calendar
from eoffice.core.aftercommit import after_commit, run_pending
from eoffice.core.audit import record
from eoffice.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from eoffice.core.text import clean_multiline
from eoffice.core.timeutil import format_date, local_today, local_tz, now_utc, to_local
from eoffice.directives.board import followed_document, may_manage
from eoffice.directives.models import ReportRequest, ReportTask, TaskState
from eoffice.directives.news import about, message
from eoffice.extensions import db
from eoffice.notifications.models import NotificationKind
from eoffice.notifications.services import Notice, tell_each
from eoffice.orgs.models import Role, User, UserRole
from eoffice.outgoing.models import Delivery, DeliveryStatus, OutgoingDocument
from workflows import outgoing as outgoing_flow
from workflows.calendar import WorkingCalendar

log = logging.getLogger(__name__)

WAITING = (TaskState.OPEN.value, TaskState.RETURNED.value)
# Only schools still holding their copy are reminded: not one that refused it (02).
HELD_COPY = ~exists().where(
    Delivery.id == ReportTask.delivery_id, Delivery.status == DeliveryStatus.REJECTED
)
# Who at a school hears of a reminder, an extension or a returned answer.
SCHOOL_ROLES = (Role.CLERK, Role.LEADER)
MAX_REASON = 1000
# A deadline extended at most this far ahead of today (a typo in the year otherwise).
MAX_AHEAD = timedelta(days=366)
DEFAULT_DAYS_BEFORE = 2
DEFAULT_CATCH_UP_DAYS = 7


# Who hears -----------------------------------------------------------------------------


def school_people(org_ids: Iterable[int]) -> dict[int, list[User]]:
    """The active clerks and leaders of each school, in one query."""
    ids = sorted(set(org_ids))
    people: dict[int, list[User]] = {i: [] for i in ids}
    if not ids:
        return people
    users = db.session.scalars(
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(
            User.org_id.in_(ids),
            User.is_active_account.is_(True),
            UserRole.role.in_([r.value for r in SCHOOL_ROLES]),
        )
        .order_by(User.id)
    ).unique()
    for user in users:
        if user not in people[user.org_id]:
            people[user.org_id].append(user)
    return people


def _task_links(request_id: int, org_ids: Iterable[int]) -> dict[int, str]:
    """Where a school's users land: the school's own task page of the request (its
    deadline, the district's comment, the answer form), else the list of its tasks.

    One query over the request's tasks (one per school), whatever the number of schools.
    """
    links = dict.fromkeys(org_ids, "/directives/tasks/")
    rows = db.session.execute(
        select(ReportTask.recipient_org_id, ReportTask.id).where(
            ReportTask.request_id == request_id
        )
    )
    for org_id, task_id in rows:
        if org_id in links:
            links[org_id] = f"/directives/tasks/{task_id}"
    return links


def _tell_schools(
    kind: NotificationKind,
    doc: OutgoingDocument,
    request: ReportRequest,
    words_by_org: dict[int, dict[str, str]],
    actor: User | None,
    extra_people: dict[int, list[User]] | None = None,
) -> None:
    """Queue, for after the commit, one notification per school to its clerks and leaders,
    each linking to the school's task of `request`.

    The people and links are looked up after the commit, in two queries: read before it,
    the thousands of users of a reminder to every school would be expired by the commit
    and read back one by one.
    """
    if not words_by_org:
        return
    ref = doc.symbol or doc.subject
    request_id = request.id
    extra_ids = {org: [u.id for u in users] for org, users in (extra_people or {}).items()}

    def send() -> None:
        people = school_people(words_by_org)
        links = _task_links(request_id, words_by_org)
        notices = []
        for org_id, words in words_by_org.items():
            users = list(people.get(org_id, []))
            for extra_id in extra_ids.get(org_id, []):
                extra = db.session.get(User, extra_id)
                if extra is not None and extra not in users:
                    users.append(extra)
            if users:
                notices.append(Notice(users, message(kind, ref=ref, **words), links[org_id]))
        tell_each(kind, notices, actor=actor)

    after_commit(send)


# Steps ---------------------------------------------------------------------------------


def _managed(actor: User, doc_id: int) -> OutgoingDocument:
    doc = followed_document(actor, doc_id)
    if not may_manage(actor, doc):
        raise Forbidden("Chỉ người soạn, người ký và lãnh đạo mới thay đổi được yêu cầu báo cáo.")
    if doc.state != outgoing_flow.ISSUED:
        raise Conflict("Văn bản đã bị thu hồi: không thay đổi được yêu cầu báo cáo.")
    return doc


def _request_of(doc: OutgoingDocument, request_id: int) -> ReportRequest:
    request = db.session.get(ReportRequest, request_id)
    if request is None or request.outgoing_id != doc.id:
        raise NotFound("Không tìm thấy yêu cầu báo cáo này.")
    return request


def _reason(text: str | None, field: str, what: str) -> str:
    cleaned = clean_multiline(text)
    if not cleaned:
        raise ValidationFailed(f"Vui lòng ghi {what}.", field_errors={field: f"Ghi {what}."})
    if len(cleaned) > MAX_REASON:
        message_ = f"{what.capitalize()} tối đa {MAX_REASON} ký tự."
        raise ValidationFailed(message_, field_errors={field: message_})
    return cleaned


def extend_deadline(
    actor: User,
    doc_id: int,
    request_id: int,
    new_deadline: date | None,
    reason: str | None,
    *,
    school_id: int | None = None,
) -> list[ReportTask]:
    """Gia hạn: for one school (its task only) or for all (the request's deadline and
    every task still owed whose deadline is earlier). Returns the tasks moved.

    The new date must be later than the deadline it replaces; answers already in keep
    their deadline and their on-time/late mark (what happened does not change).
    """
    doc = _managed(actor, doc_id)
    request = _request_of(doc, request_id)
    why = _reason(reason, "reason", "lý do gia hạn")
    today = local_today()
    if new_deadline is None:
        raise ValidationFailed("Vui lòng chọn hạn mới.", field_errors={"deadline": "Chọn hạn mới."})
    if new_deadline < today or new_deadline > today + MAX_AHEAD:
        problem = (
            f"Hạn mới phải từ hôm nay ({format_date(today)}) đến {format_date(today + MAX_AHEAD)}."
        )
        raise ValidationFailed(problem, field_errors={"deadline": problem})
    if school_id is not None:
        task = db.session.scalars(
            select(ReportTask).where(
                ReportTask.request_id == request.id, ReportTask.recipient_org_id == school_id
            )
        ).first()
        if task is None:
            raise NotFound("Trường này không nhận yêu cầu báo cáo này.")
        if task.state == TaskState.ANSWERED:
            raise Conflict("Trường đã trả lời yêu cầu này: không cần gia hạn.")
        if new_deadline <= task.deadline:
            problem = f"Hạn mới phải sau hạn hiện tại ({format_date(task.deadline)})."
            raise ValidationFailed(problem, field_errors={"deadline": problem})
        moved = [task]
        old = task.deadline
    else:
        if new_deadline <= request.deadline:
            problem = f"Hạn mới phải sau hạn hiện tại ({format_date(request.deadline)})."
            raise ValidationFailed(problem, field_errors={"deadline": problem})
        old = request.deadline
        request.deadline = new_deadline
        moved = list(
            db.session.scalars(
                select(ReportTask).where(
                    ReportTask.request_id == request.id,
                    ReportTask.state.in_(WAITING),
                    ReportTask.deadline < new_deadline,
                )
            )
        )
    for task in moved:
        task.deadline = new_deadline
    record(
        actor_id=actor.id,
        org_id=doc.org_id,
        subject_type="report_request",
        subject_id=request.id,
        action="report_deadline_extended",
        changes={
            "deadline": [old.isoformat(), new_deadline.isoformat()],
            "schools": [t.recipient_org_id for t in moved] if school_id else "all",
            "tasks": len(moved),
        },
        note=why,
    )
    words = {"about": about(request.what), "deadline": format_date(new_deadline), "reason": why}
    _tell_schools(
        NotificationKind.REPORT_DEADLINE_EXTENDED,
        doc,
        request,
        {t.recipient_org_id: words for t in moved},
        actor,
    )
    db.session.commit()
    run_pending()
    return moved


def return_answer(actor: User, doc_id: int, task_id: int, comment: str | None) -> ReportTask:
    """Trả lại: the school's answer needs correcting; it owes the request again.

    The answer stays visible until the school answers anew; the one who answered hears
    of it with the school's clerks and leaders.
    """
    doc = _managed(actor, doc_id)
    why = _reason(comment, "comment", "nội dung cần bổ sung")
    task = db.session.get(ReportTask, task_id)
    if task is None or task.request.outgoing_id != doc.id:
        raise NotFound("Không tìm thấy câu trả lời này.")
    if task.state != TaskState.ANSWERED:
        raise Conflict("Chỉ trả lại được câu trả lời đã nộp.")
    task.state = TaskState.RETURNED
    task.returned_at = now_utc()
    task.return_comment = why
    record(
        actor_id=actor.id,
        org_id=doc.org_id,
        subject_type="report_task",
        subject_id=task.id,
        action="report_returned",
        changes={"state": [TaskState.ANSWERED.value, TaskState.RETURNED.value]},
        note=why,
    )
    answerer = [task.answered_by] if task.answered_by is not None else []
    _tell_schools(
        NotificationKind.REPORT_RETURNED,
        doc,
        task.request,
        {
            task.recipient_org_id: {
                "about": about(task.request.what),
                "who": actor.full_name,
                "reason": why,
            }
        },
        actor,
        extra_people={task.recipient_org_id: answerer},
    )
    db.session.commit()
    run_pending()
    return task


# Reminders -----------------------------------------------------------------------------


def _detail_for(deadline: date, today: date) -> str:
    if today > deadline:
        days = (today - deadline).days
        return f"Đã quá hạn {days} ngày, đề nghị đơn vị gửi báo cáo ngay."
    if today == deadline:
        return "Hôm nay là hạn cuối, đề nghị đơn vị gửi báo cáo đúng hạn."
    return "Đề nghị đơn vị gửi báo cáo đúng hạn."


def _claimed_notes(
    doc: OutgoingDocument, request: ReportRequest, claimed: list[tuple[int, date]], today: date
) -> dict[int, dict[str, str]]:
    return {
        org_id: {
            "about": about(request.what),
            "deadline": format_date(deadline),
            "detail": _detail_for(deadline, today),
        }
        for org_id, deadline in claimed
    }


def remind(
    actor: User,
    doc_id: int,
    request_id: int | None = None,
    school_ids: Iterable[int] | None = None,
) -> int:
    """Nhắc: now, to every school (or those of `school_ids`) that has not answered the
    request (or any request of the document). Returns the schools reminded.

    A school that has answered is never reminded, even if named in `school_ids`.
    """
    doc = followed_document(actor, doc_id)
    if doc.state != outgoing_flow.ISSUED:
        raise Conflict("Văn bản đã bị thu hồi: không nhắc báo cáo được.")
    requests = [_request_of(doc, request_id)] if request_id is not None else None
    if requests is None:
        requests = list(
            db.session.scalars(select(ReportRequest).where(ReportRequest.outgoing_id == doc.id))
        )
    if not requests:
        raise NotFound("Văn bản không có yêu cầu báo cáo.")
    wanted = sorted(set(school_ids)) if school_ids is not None else None
    if wanted is not None and not wanted:
        raise ValidationFailed("Chọn ít nhất một trường để nhắc.")
    now = now_utc()
    today = local_today()
    schools: set[int] = set()
    notes: list[tuple[ReportRequest, dict[int, dict[str, str]]]] = []
    for request in sorted(requests, key=lambda r: (r.position, r.id)):
        condition = [
            ReportTask.request_id == request.id,
            ReportTask.state.in_(WAITING),
            HELD_COPY,
        ]
        if wanted is not None:
            condition.append(ReportTask.recipient_org_id.in_(wanted))
        claimed = db.session.execute(
            update(ReportTask)
            .where(*condition)
            .values(last_reminded_at=now, reminders_sent=ReportTask.reminders_sent + 1)
            .returning(ReportTask.recipient_org_id, ReportTask.deadline)
            .execution_options(synchronize_session=False)
        ).all()
        if claimed:
            notes.append((request, _claimed_notes(doc, request, list(claimed), today)))
            schools.update(org_id for org_id, _ in claimed)
    if not schools:
        db.session.rollback()
        raise Conflict("Không còn trường nào chưa trả lời để nhắc.")
    record(
        actor_id=actor.id,
        org_id=doc.org_id,
        subject_type="outgoing",
        subject_id=doc.id,
        action="report_reminded",
        changes={"schools": len(schools), "requests": len(notes)},
    )
    for request, words in notes:
        _tell_schools(NotificationKind.REPORT_REMINDER, doc, request, words, actor)
    db.session.commit()
    run_pending()
    return len(schools)


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=local_tz())


def _working_days_before(calendar: WorkingCalendar, deadline: date, n: int) -> date:
    """The day from which `deadline` is at most `n` working days away."""
    day = deadline
    counted = 0
    while counted < n:
        day -= timedelta(days=1)
        if calendar.is_working_day(day):
            counted += 1
    return day


def occasion_opened(
    calendar: WorkingCalendar, deadline: date, today: date, days_before: int, catch_up: int
) -> date | None:
    """The first day of the reminder occasion `today` falls in for `deadline`, or None.

    Before: from `days_before` working days ahead to the deadline itself. After: from the
    day after the deadline, for `catch_up` days.
    """
    if today > deadline:
        return deadline + timedelta(days=1) if (today - deadline).days <= catch_up else None
    start = _working_days_before(calendar, deadline, days_before)
    return start if today >= start else None


def send_due_reminders(now: datetime) -> int:
    """The scheduler's part: remind the schools whose occasion has come. Returns the
    tasks claimed (0 on days off, and when there is nothing to do)."""
    if not current_app.config.get("DIRECTIVE_REMINDERS_ENABLED", True):
        return 0
    calendar = office_calendar()
    local = to_local(now)
    assert local is not None
    today = local.date()
    if not calendar.is_working_day(today):
        return 0
    days_before = int(current_app.config.get("DIRECTIVE_REMINDER_DAYS_BEFORE", DEFAULT_DAYS_BEFORE))
    catch_up = int(current_app.config.get("DIRECTIVE_OVERDUE_CATCH_UP_DAYS", DEFAULT_CATCH_UP_DAYS))
    window_end = calendar.add_working_days(today, days_before)
    # The (request, deadline) pairs still owed near or past their deadline, of issued
    # documents. By the task's own deadline only: an answer returned after the request's
    # deadline was extended for all keeps its earlier deadline, and is overdue.
    pairs = db.session.execute(
        select(ReportTask.request_id, ReportTask.deadline)
        .join(ReportRequest, ReportRequest.id == ReportTask.request_id)
        .join(OutgoingDocument, OutgoingDocument.id == ReportRequest.outgoing_id)
        .where(
            OutgoingDocument.state == outgoing_flow.ISSUED,
            ReportTask.state.in_(WAITING),
            ReportTask.deadline <= window_end,
            ReportTask.deadline >= today - timedelta(days=catch_up),
        )
        .distinct()
        .order_by(ReportTask.request_id, ReportTask.deadline)
    ).all()
    claimed_total = 0
    for request_id, deadline in pairs:
        opened = occasion_opened(calendar, deadline, today, days_before, catch_up)
        if opened is None:
            continue
        claimed = db.session.execute(
            update(ReportTask)
            .where(
                ReportTask.request_id == request_id,
                ReportTask.deadline == deadline,
                ReportTask.state.in_(WAITING),
                HELD_COPY,
                or_(
                    ReportTask.last_reminded_at.is_(None),
                    ReportTask.last_reminded_at < _local_midnight(opened),
                ),
            )
            .values(last_reminded_at=now, reminders_sent=ReportTask.reminders_sent + 1)
            .returning(ReportTask.recipient_org_id, ReportTask.deadline)
            .execution_options(synchronize_session=False)
        ).all()
        if not claimed:
            db.session.commit()
            continue
        request = db.session.get(ReportRequest, request_id)
        assert request is not None
        doc = request.outgoing
        _tell_schools(
            NotificationKind.REPORT_REMINDER,
            doc,
            request,
            _claimed_notes(doc, request, list(claimed), today),
            None,
        )
        db.session.commit()
        run_pending()
        claimed_total += len(claimed)
    db.session.commit()
    return claimed_total
