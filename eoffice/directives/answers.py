"""The school's answers to a directive's report requests, and its reading and
acknowledging of the directive.

Which tasks a user sees, the lists and the counts are eoffice.directives.tasklists; the
answering steps here find the task through it (another school's task, or one of a
recalled directive, is a 404).

Answering (decision, see `answer`):
- the answer must be of the request's form (a reply document, a file, a figure, a text);
- an open or returned task can always be answered, late or not: a late answer is
  accepted and marked late (answered after the task's deadline in force then, office
  date). Each answer is judged on its own: a returned answer given again after the
  deadline is late unless the district extended the deadline when returning it;
- an answered task may be corrected by the school until its deadline (inclusive, office
  date): after that the answer the district has is final unless it returns it;
- the drafter of the directive and the district's clerks hear of every answer and
  correction (REPORT_ANSWERED), after the step's commit.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from sqlalchemy import case, select, update

from eoffice.core import audit
from eoffice.core.aftercommit import after_commit, run_pending
from eoffice.core.commits import commit_keeping_loaded
from eoffice.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from eoffice.core.text import clean, clean_multiline
from eoffice.core.timeutil import format_date, local_today, now_utc
from eoffice.directives import news
from eoffice.directives.models import AnswerForm, ReportTask, TaskState
from eoffice.directives.tasklists import OPEN_STATES, get_task
from eoffice.extensions import db
from eoffice.incoming.attachments import Upload, store_blobs, stored_file_for, validate_uploads
from eoffice.incoming.models import IncomingDocument, Source
from eoffice.notifications.models import NotificationKind
from eoffice.notifications.services import tell
from eoffice.orgs.models import Role, User, UserRole
from eoffice.outgoing.models import Delivery, DeliveryStatus, OutgoingDocument
from workflows import outgoing as outgoing_flow

SUBJECT = "report_task"
ACK_ROLES = (Role.CLERK, Role.LEADER)
MAX_TEXT = 2000  # ReportTask.answer_text
MAX_NOTE = 1000  # Delivery.acknowledgement_note
# ReportTask.answer_figure is Numeric(18, 2): 16 digits before the point, 2 after.
FIGURE_LIMIT = Decimal("1e16")


# Answering ----------------------------------------------------------------------------


def can_correct(task: ReportTask, today: date | None = None) -> bool:
    """An answered task may be corrected by the school until its deadline (inclusive)."""
    return task.state == TaskState.ANSWERED and (today or local_today()) <= task.deadline


def can_answer(task: ReportTask) -> bool:
    return task.state in OPEN_STATES or can_correct(task)


_GROUPED = re.compile(r"[+-]?\d{1,3}(\.\d{3})+(,\d+)?")


def parse_figure(value: object) -> Decimal:
    """A figure as people type it: "1234", "12,5" or "1.234,5" (Vietnamese: dot between
    thousands, comma before decimals), "12.5" too; spaces ignored. ValueError otherwise."""
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, (int, Decimal)):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(str(value))
    else:
        text = clean(str(value or "")).replace(" ", "").replace("\u00a0", "")
        if not text:
            raise ValueError(value)
        if _GROUPED.fullmatch(text) or ("," in text and "." in text):
            text = text.replace(".", "").replace(",", ".")
        else:
            text = text.replace(",", ".")
        if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", text):
            raise ValueError(value)
        try:
            number = Decimal(text)
        except InvalidOperation as exc:
            raise ValueError(value) from exc
    if not number.is_finite():
        raise ValueError(value)
    return number


def format_figure(number: Decimal | None) -> str:
    """A figure the Vietnamese way: 1.250 and 12,5 (no trailing zeros)."""
    if number is None:
        return ""
    whole, _, decimals = f"{abs(number):,.2f}".partition(".")
    decimals = decimals.rstrip("0")
    text = whole.replace(",", ".") + ("," + decimals if decimals else "")
    return f"-{text}" if number < 0 else text


def _check_answer(
    actor: User,
    task: ReportTask,
    *,
    text: str | None,
    figure: object,
    upload: Upload | None,
    reply_outgoing_id: int | None,
) -> dict[str, object]:
    """The answer's columns, checked against the request's form; all other forms empty."""
    values: dict[str, object] = {
        "answer_text": None,
        "answer_figure": None,
        "answer_file_id": None,
        "answer_file_name": None,
        "answer_outgoing_id": None,
    }
    form = AnswerForm(task.request.answer_form)
    if form == AnswerForm.TEXT:
        cleaned = clean_multiline(text)
        if not cleaned:
            _refuse("text", "Vui lòng ghi nội dung trả lời.")
        if len(cleaned) > MAX_TEXT:
            _refuse("text", f"Nội dung trả lời tối đa {MAX_TEXT} ký tự.")
        values["answer_text"] = cleaned
    elif form == AnswerForm.FIGURE:
        if figure is None or (isinstance(figure, str) and not figure.strip()):
            _refuse("figure", "Vui lòng ghi số liệu.")
        try:
            number = parse_figure(figure)
        except ValueError:
            _refuse("figure", "Số liệu phải là một số (ví dụ: 1250 hoặc 12,5).")
        if abs(number) >= FIGURE_LIMIT:
            _refuse("figure", "Số liệu quá lớn.")
        if number != number.quantize(Decimal("0.01")):
            _refuse("figure", "Số liệu có tối đa 2 chữ số thập phân.")
        values["answer_figure"] = number.quantize(Decimal("0.01"))
        values["answer_text"] = clean_multiline(text)[:MAX_TEXT] or None  # an optional note
    elif form == AnswerForm.FILE:
        if upload is None or not upload.data:
            _refuse("file", "Vui lòng chọn tệp trả lời.")
        assert upload is not None
        try:
            [checked] = validate_uploads([upload])  # by its bytes, like every upload
        except ValidationFailed as exc:
            _refuse("file", exc.message)
        store_blobs([checked])
        values["answer_file_id"] = stored_file_for(checked).id
        values["answer_file_name"] = checked.upload.filename
        values["answer_text"] = clean_multiline(text)[:MAX_TEXT] or None
    else:
        values["answer_outgoing_id"] = _check_reply_document(actor, reply_outgoing_id)
        values["answer_text"] = clean_multiline(text)[:MAX_TEXT] or None
    return values


def _check_reply_document(actor: User, outgoing_id: int | None) -> int:
    """An issued document of the school: the reply to the directive, as a rule."""
    if outgoing_id is None:
        _refuse("reply_outgoing_id", "Vui lòng chọn văn bản trả lời đã ban hành của đơn vị.")
    doc = db.session.get(OutgoingDocument, outgoing_id or 0)
    if (
        doc is None
        or doc.org_id != actor.org_id
        or doc.number is None
        or doc.state != outgoing_flow.ISSUED
    ):
        _refuse(
            "reply_outgoing_id",
            "Văn bản trả lời phải là văn bản đi đã ban hành (chưa thu hồi) của đơn vị.",
        )
    assert doc is not None
    return doc.id


def _refuse(field: str, message: str):
    raise ValidationFailed(message, field_errors={field: message})


def reply_choices(user: User, task: ReportTask, limit: int = 50) -> list[OutgoingDocument]:
    """The school's issued documents a user may give as the answer: replies to the
    directive's registered document first, then the latest issued ones."""
    from eoffice.outgoing.involvement import visible_filter as outgoing_visible

    incoming_id = task.delivery.incoming_document_id if task.delivery else None
    stmt = select(OutgoingDocument).where(
        OutgoingDocument.org_id == user.org_id,
        OutgoingDocument.state == outgoing_flow.ISSUED,
        outgoing_visible(user),
    )
    if incoming_id:  # replies to the directive's registered document first
        stmt = stmt.order_by(case((OutgoingDocument.reply_to_id == incoming_id, 0), else_=1))
    stmt = stmt.order_by(OutgoingDocument.issued_at.desc(), OutgoingDocument.id.desc())
    return list(db.session.scalars(stmt.limit(limit)))


def answer(
    actor: User,
    task_id: int,
    *,
    text: str | None = None,
    figure: object = None,
    upload: Upload | None = None,
    reply_outgoing_id: int | None = None,
) -> ReportTask:
    """Trả lời yêu cầu báo cáo: the school's answer (or its correction, or its answer
    again after the district returned it). See the module's rules."""
    try:
        task = get_task(actor, task_id, for_update=True)  # a recalled one: 404
        today = local_today()
        was = TaskState(task.state)
        if was == TaskState.ANSWERED and not can_correct(task, today):
            raise Conflict(
                f"Đã quá hạn trả lời ({format_date(task.deadline)}), không sửa được câu trả "
                "lời đã gửi. Nếu cần bổ sung, đề nghị nơi gửi trả lại để đơn vị trả lời lại."
            )
        values = _check_answer(
            actor,
            task,
            text=text,
            figure=figure,
            upload=upload,
            reply_outgoing_id=reply_outgoing_id,
        )
        for name, value in values.items():
            setattr(task, name, value)
        task.state = TaskState.ANSWERED
        task.answered_at = now_utc()
        task.answered_by_id = actor.id
        task.late = today > task.deadline
        action = {
            TaskState.OPEN: "report_answered",
            TaskState.RETURNED: "report_answered_again",
            TaskState.ANSWERED: "report_corrected",
        }[was]
        audit.record(
            actor_id=actor.id,
            org_id=actor.org_id,
            subject_type=SUBJECT,
            subject_id=task.id,
            action=action,
            changes={
                "request": task.request_id,
                "form": task.request.answer_form,
                "late": task.late,
                **({"file": task.answer_file_name} if task.answer_file_name else {}),
            },
        )
        _tell_district(actor, task, corrected=was == TaskState.ANSWERED)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    run_pending()
    return task


def _tell_district(actor: User, task: ReportTask, *, corrected: bool) -> None:
    """The directive's drafter and the district's clerks, after the commit."""
    doc = task.request.outgoing
    clerks = db.session.scalars(
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(
            User.org_id == doc.org_id,
            User.is_active_account.is_(True),
            UserRole.role == Role.CLERK,
        )
    ).unique()
    people = {u.id: u for u in [doc.drafter, *clerks]}
    how = "Trả lời trễ hạn" if task.late else "Trả lời đúng hạn"
    if corrected:
        how = "Sửa câu trả lời"
    message = news.message(
        NotificationKind.REPORT_ANSWERED,
        ref=doc.symbol or doc.subject[:80],
        who=actor.organisation.name,
        about=news.about(task.request.what),
        detail=f"{how} (hạn {format_date(task.deadline)}).",
    )
    users = list(people.values())
    link = f"/directives/{doc.id}"  # the district's tracking board of the directive
    after_commit(lambda: tell(NotificationKind.REPORT_ANSWERED, users, message, link, actor=actor))


# Reading and acknowledging ------------------------------------------------------------


def mark_read(user: User, delivery: Delivery) -> bool:
    """Record the first time a user of the recipient school opened the delivered document.

    One UPDATE … WHERE first_read_at IS NULL: the first reader wins, every later view
    changes nothing (and commits nothing). True when this view was the first.
    """
    if delivery.recipient_org_id != user.org_id or delivery.first_read_at is not None:
        return False
    at = now_utc()
    result = db.session.execute(
        update(Delivery)
        .where(Delivery.id == delivery.id, Delivery.first_read_at.is_(None))
        .values(first_read_at=at, first_read_by_id=user.id)
        .execution_options(synchronize_session=False)
    )
    if not result.rowcount:
        return False
    commit_keeping_loaded()
    delivery.first_read_at, delivery.first_read_by_id = at, user.id
    return True


def mark_read_incoming(user: User, doc: IncomingDocument) -> bool:
    """The same, from the incoming document registered from a delivery (its page):
    nothing for documents that did not come from inside the deployment."""
    if doc.source != Source.INTERNAL or doc.org_id != user.org_id:
        return False
    result = db.session.execute(
        update(Delivery)
        .where(
            Delivery.incoming_document_id == doc.id,
            Delivery.recipient_org_id == user.org_id,
            Delivery.first_read_at.is_(None),
        )
        .values(first_read_at=now_utc(), first_read_by_id=user.id)
        .execution_options(synchronize_session=False)
    )
    if not result.rowcount:
        return False
    commit_keeping_loaded()
    return True


def can_acknowledge(user: User, delivery: Delivery) -> bool:
    return (
        user.has_role(*ACK_ROLES)
        and delivery.recipient_org_id == user.org_id
        and delivery.status not in (DeliveryStatus.RECALLED, DeliveryStatus.REJECTED)
    )


def acknowledge(actor: User, delivery_id: int, note: str | None) -> Delivery:
    """ "Đã nhận, đã triển khai": the school confirms it received and acted on a directive.

    Once per delivery (the first acknowledger and moment stay); the note can be edited
    afterwards. Clerks and leaders of the recipient school only.
    """
    try:
        delivery = db.session.get(Delivery, delivery_id)
        if (
            delivery is None
            or delivery.channel != "internal"
            or delivery.recipient_org_id != actor.org_id
        ):
            raise NotFound("Không tìm thấy văn bản gửi đến này.")
        if not actor.has_role(*ACK_ROLES):
            raise Forbidden("Chỉ văn thư hoặc lãnh đạo đơn vị mới xác nhận đã triển khai.")
        if delivery.status in (DeliveryStatus.RECALLED, DeliveryStatus.REJECTED):
            raise Conflict(f"Văn bản này đã ở trạng thái «{delivery.status_label}».")
        cleaned = clean_multiline(note)
        if len(cleaned) > MAX_NOTE:
            _refuse("note", f"Ghi chú tối đa {MAX_NOTE} ký tự.")
        first = delivery.acknowledged_at is None
        if not first and cleaned == (delivery.acknowledgement_note or ""):
            return delivery  # nothing changes
        now = now_utc()
        if first:
            delivery.acknowledged_at = now
            delivery.acknowledged_by_id = actor.id
        if delivery.first_read_at is None:  # acknowledging it means it was read
            delivery.first_read_at, delivery.first_read_by_id = now, actor.id
        delivery.acknowledgement_note = cleaned or None
        audit.record(
            actor_id=actor.id,
            org_id=actor.org_id,
            subject_type="delivery",
            subject_id=delivery.id,
            action="directive_acknowledged" if first else "acknowledgement_edited",
            changes={"outgoing": delivery.outgoing_id},
            note=cleaned or None,
        )
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return delivery
