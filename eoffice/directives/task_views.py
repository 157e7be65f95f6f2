"""The school's pages of district directives: the requests to answer, one page per task
with its answer form, and the page of a delivered directive with its acknowledgement.

Thin: parse, call eoffice.directives.answers, render. Who sees what is the service's
(another school's task or copy is a 404); opening a delivered directive records the
school's first reading (answers.mark_read).
"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from wtforms import FileField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from eoffice.catalog.calendar import office_calendar
from eoffice.core import secret_access
from eoffice.core.errors import NotFound, ServiceError
from eoffice.core.pagination import BAD_CURSOR
from eoffice.core.timeutil import local_today, now_utc
from eoffice.directives import answers, tasklists
from eoffice.directives.models import AnswerForm, ReportTask, TaskState
from eoffice.incoming.attachments import Upload, file_store
from eoffice.orgs.models import OrgKind
from eoffice.outgoing import delivery as outgoing_delivery
from eoffice.outgoing.models import Delivery
from eoffice.web.forms import Form, optional_int, show_refusal
from eoffice.web.http import attachment_response
from workflows.calendar import DueState, due_state

bp = Blueprint("directive_tasks", __name__, url_prefix="/directives/tasks")

PDF = "application/pdf"
# The badge of each deadline state, as the lists show it.
DUE_BADGES = {
    DueState.OVERDUE: ("text-bg-danger", "Quá hạn"),
    DueState.DUE_TODAY: ("text-bg-warning", "Đến hạn hôm nay"),
    DueState.DUE_SOON: ("text-bg-warning", "Sắp đến hạn"),
}


class TaskAnswerForm(Form):
    """One form for every answer form; the page shows the fields of the request's."""

    text = TextAreaField("Nội dung trả lời", validators=[Optional(), Length(max=2000)])
    figure = StringField("Số liệu", validators=[Optional(), Length(max=40)])
    file = FileField("Tệp trả lời")
    # The service checks the document chosen (the school's, issued): the list is a help.
    reply_outgoing_id = SelectField(
        "Văn bản trả lời", coerce=optional_int, choices=[], validate_choice=False
    )


class AcknowledgeForm(Form):
    note = TextAreaField(
        "Ghi chú triển khai", validators=[Optional(), Length(max=answers.MAX_NOTE)]
    )


@bp.app_template_filter("figure")
def figure_filter(number) -> str:
    """{{ task.answer_figure|figure }}: 1.250 and 12,5, as the school typed them."""
    return answers.format_figure(number)


@bp.app_template_global()
def due_badge(task: ReportTask) -> tuple[str, str] | None:
    """(css class, label) of an open task's deadline, or None when nothing is pressing."""
    if task.state == TaskState.ANSWERED:
        return None
    state = due_state(task.deadline, now_utc(), office_calendar())
    return DUE_BADGES.get(state)


@bp.app_template_global()
def directive_task_card() -> tasklists.TaskCard | None:
    """The home page's card of the school's open tasks (clerks and leaders)."""
    return tasklists.dashboard_card(current_user)


@bp.app_template_global()
def directive_open_tasks() -> int | None:
    """The menu's badge: the school's requests still to answer (clerks and leaders of a
    school; None, and no menu item, for anyone else, the district office included)."""
    if current_user.organisation.kind == OrgKind.DISTRICT_OFFICE:
        return None
    return tasklists.open_task_count(current_user)


@bp.get("/")
def index():
    answered = request.args.get("tab") == "answered"
    page = tasklists.task_page(
        current_user,
        request.args.get("cursor"),
        current_app.config["PAGE_SIZE"],
        answered=answered,
    )
    if page.refused:
        flash(BAD_CURSOR, "warning")
    return render_template(
        "directives/tasks.html",
        page=page,
        answered_tab=answered,
        args={"tab": "answered"} if answered else {},
    )


def _answer_form(task: ReportTask, formdata=None) -> TaskAnswerForm:
    form = TaskAnswerForm(formdata=formdata) if formdata is not None else TaskAnswerForm()
    if task.request.answer_form == AnswerForm.DOCUMENT:
        form.reply_outgoing_id.choices = [(0, "— Chọn văn bản đã ban hành —")] + [
            (doc.id, f"{doc.symbol} ngày {doc.document_date:%d/%m/%Y}: {doc.subject[:120]}")
            for doc in answers.reply_choices(current_user, task)
        ]
    if formdata is None and task.state == TaskState.ANSWERED:  # a correction starts from it
        form.text.data = task.answer_text
        form.figure.data = answers.format_figure(task.answer_figure) or None
        form.reply_outgoing_id.data = task.answer_outgoing_id
    return form


def _render_task(task: ReportTask, form: TaskAnswerForm | None = None, status: int = 200):
    delivery = task.delivery
    return render_template(
        "directives/task.html",
        task=task,
        request_=task.request,
        doc=task.request.outgoing,
        delivery=delivery,
        form=form or _answer_form(task),
        can_answer=answers.can_answer(task),
        can_correct=answers.can_correct(task),
        ack_form=AcknowledgeForm(data={"note": delivery.acknowledgement_note}),
        can_acknowledge=answers.can_acknowledge(current_user, delivery),
        figure_text=answers.format_figure,
        today=local_today(),
    ), status


@bp.get("/<int:task_id>")
def task(task_id: int):
    found = tasklists.get_task(current_user, task_id)
    answers.mark_read(current_user, found.delivery)
    return _render_task(found)


@bp.post("/<int:task_id>/answer")
def answer(task_id: int):
    found = tasklists.get_task(current_user, task_id)
    form = _answer_form(found, formdata=request.form)
    if not form.validate_on_submit():
        return _render_task(found, form, 422)
    chosen = request.files.get("file")
    upload = Upload(chosen.filename or "", chosen.read()) if chosen and chosen.filename else None
    try:
        done = answers.answer(
            current_user,
            task_id,
            text=form.text.data,
            figure=form.figure.data,
            upload=upload,
            reply_outgoing_id=form.reply_outgoing_id.data,
        )
    except ServiceError as exc:
        if exc.status_code not in (409, 422):
            raise
        show_refusal(form, exc)
        return _render_task(tasklists.get_task(current_user, task_id), form, 422)
    if done.late:
        flash("Đã gửi câu trả lời (trễ hạn). Phòng đã được thông báo.", "warning")
    else:
        flash("Đã gửi câu trả lời. Phòng đã được thông báo.", "success")
    return redirect(url_for("directive_tasks.task", task_id=task_id))


def answer_file_response(task: ReportTask):
    """The answer's file as a download (the school's page, the district's board and the
    API serve it alike); NotFound when the answer has no file."""
    if task.answer_file is None:
        raise NotFound("Câu trả lời này không có tệp đính kèm.")
    return attachment_response(
        file_store().open(task.answer_file.sha256),
        task.answer_file_name or "tep-tra-loi",
        task.answer_file.mime_type,
        inline=False,
    )


@bp.get("/<int:task_id>/file")
def answer_file(task_id: int):
    return answer_file_response(tasklists.get_task(current_user, task_id))


# The delivered directive ----------------------------------------------------------------


def _render_delivery(delivery: Delivery, ack_form: AcknowledgeForm | None = None, status=200):
    return render_template(
        "directives/tasks_delivery.html",
        delivery=delivery,
        doc=delivery.outgoing,
        tasks=tasklists.tasks_of_delivery(delivery),
        ack_form=ack_form or AcknowledgeForm(data={"note": delivery.acknowledgement_note}),
        can_acknowledge=answers.can_acknowledge(current_user, delivery),
    ), status


@bp.get("/delivery/<int:delivery_id>")
def delivery(delivery_id: int):
    found = tasklists.get_delivery(current_user, delivery_id)
    answers.mark_read(current_user, found)
    return _render_delivery(found)


@bp.get("/delivery/<int:delivery_id>/document.pdf")
def delivery_document(delivery_id: int):
    """The signed PDF of the directive, for everyone of the school who may see it."""
    found = tasklists.get_delivery(current_user, delivery_id)
    doc = found.outgoing
    if doc.signed_file is None:
        abort(404)
    answers.mark_read(current_user, found)
    name = outgoing_delivery.signed_name(doc)
    # Read by the recipient school: logged in the district's log (its document), as the
    # inbox's copy is (outgoing.views.inbox_document).
    secret_access.log_downloaded(current_user, "outgoing", doc, name)
    return attachment_response(file_store().open(doc.signed_file.sha256), name, PDF, inline=True)


@bp.get("/from-incoming/<int:incoming_id>")
def from_incoming(incoming_id: int):
    """From the incoming document page: the directive it was registered from."""
    found = tasklists.delivery_for_incoming(current_user, incoming_id)
    return redirect(url_for("directive_tasks.delivery", delivery_id=found.id))


@bp.post("/delivery/<int:delivery_id>/acknowledge")
def acknowledge(delivery_id: int):
    found = tasklists.get_delivery(current_user, delivery_id)
    form = AcknowledgeForm()
    back = request.form.get("back_task", type=int)
    if form.validate_on_submit():
        try:
            answers.acknowledge(current_user, delivery_id, form.note.data)
        except ServiceError as exc:
            if exc.status_code not in (409, 422):
                raise
            show_refusal(form, exc)
        else:
            flash("Đã xác nhận: đã nhận, đã triển khai.", "success")
            if back:
                return redirect(url_for("directive_tasks.task", task_id=back))
            return redirect(url_for("directive_tasks.delivery", delivery_id=delivery_id))
    return _render_delivery(found, form, 422)
