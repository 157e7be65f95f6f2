"""The processing steps on the document page: which buttons show, and their POST routes.

The buttons are `workflows.engine.available()` for the signed-in user, so a page never
offers a step the service would refuse; the service still checks every POST.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user

from eoffice.casefiles.file_views import filing_choices
from eoffice.core import secret_access
from eoffice.core.errors import ValidationFailed
from eoffice.incoming import discussion, parts, processing
from eoffice.incoming import processing_forms as forms
from eoffice.incoming.access import get_visible
from eoffice.incoming.attachments import file_store
from eoffice.incoming.models import IncomingDocument
from eoffice.incoming.results import get_result_file
from eoffice.incoming.views import FILES_LOST, bp, render_detail, uploads
from eoffice.orgs.models import User
from eoffice.web.forms import Form, show_refusal
from eoffice.web.http import attachment_response
from workflows import assignment as assignment_flow
from workflows import incoming as incoming_flow
from workflows.engine import Workflow

PROGRESS = "progress"
EXTEND_DEADLINE = "extend_deadline"
COMMENT = discussion.COMMENT


@dataclass(frozen=True)
class Step:
    label: str
    form: Callable[[User, str], Form]
    run: Callable[[User, int, Any], object]
    done: str
    style: str = "btn-outline-primary"


def _plain(form_class: type[Form]) -> Callable[[User, str], Form]:
    return lambda user, prefix: form_class(prefix=prefix)


def _for_org(form_class: Callable[..., Form]) -> Callable[[User, str], Form]:
    return lambda user, prefix: form_class(user.org_id, prefix=prefix)


def _assign(user: User, doc_id: int, form: forms.AssignForm) -> object:
    lead, coordinators, informed = form.parties()
    return processing.assign(
        user,
        doc_id,
        lead,
        coordinators,
        informed,
        deadline=form.deadline.data,
        instruction=form.instruction.data,
    )


def _reassign(user: User, doc_id: int, form: forms.ReassignForm) -> object:
    lead, coordinators, informed = form.parties()
    return processing.reassign(
        user,
        doc_id,
        lead,
        form.reason.data,
        coordinators,
        informed,
        deadline=form.deadline.data,
        instruction=form.instruction.data,
    )


def _label(name: str, workflow: Workflow = incoming_flow.WORKFLOW) -> str:
    transition = workflow.transition(name)
    return transition.label if transition else name


STEPS: dict[str, Step] = {
    incoming_flow.PRESENT: Step(
        _label(incoming_flow.PRESENT),
        _for_org(forms.PresentForm),
        lambda u, d, f: processing.present(u, d, f.presented_to.data, f.note.data),
        "Đã trình văn bản cho lãnh đạo.",
        "btn-primary",
    ),
    incoming_flow.ASSIGN: Step(
        _label(incoming_flow.ASSIGN),
        _for_org(forms.AssignForm),
        _assign,
        "Đã phân công xử lý văn bản.",
        "btn-primary",
    ),
    incoming_flow.RETURN_TO_CLERK: Step(
        _label(incoming_flow.RETURN_TO_CLERK),
        _plain(forms.ReturnForm),
        lambda u, d, f: processing.return_to_clerk(u, d, f.reason.data),
        "Đã trả lại văn bản cho văn thư.",
        "btn-outline-warning",
    ),
    incoming_flow.REASSIGN: Step(
        _label(incoming_flow.REASSIGN),
        _for_org(forms.ReassignForm),
        _reassign,
        "Đã phân công lại; phân công cũ vẫn được lưu trong lịch sử.",
    ),
    incoming_flow.START: Step(
        _label(incoming_flow.START),
        _plain(forms.StartForm),
        lambda u, d, f: processing.start(u, d, f.note.data),
        "Đã bắt đầu xử lý văn bản.",
        "btn-primary",
    ),
    PROGRESS: Step(
        "Ghi nhận tiến độ",
        _plain(forms.ProgressForm),
        lambda u, d, f: processing.record_progress(
            u, d, f.note.data, f.percent.data, uploads(f.files.name)
        ),
        "Đã ghi nhận tiến độ.",
    ),
    incoming_flow.COMPLETE: Step(
        _label(incoming_flow.COMPLETE),
        _plain(forms.CompleteForm),
        lambda u, d, f: processing.complete(
            u, d, f.result.data, f.reply_document.data, uploads(f.files.name)
        ),
        "Đã hoàn thành xử lý văn bản.",
        "btn-success",
    ),
    EXTEND_DEADLINE: Step(
        _label(assignment_flow.EXTEND_DEADLINE, assignment_flow.WORKFLOW),
        _plain(forms.ExtendForm),
        lambda u, d, f: processing.extend_deadline(u, d, f.deadline.data, f.reason.data),
        "Đã gia hạn xử lý; hạn cũ vẫn được lưu trong lịch sử.",
    ),
    parts.CONTRIBUTE: Step(
        "Gửi ý kiến phối hợp",
        _plain(forms.ContributeForm),
        lambda u, d, f: parts.contribute(u, d, f.result.data, uploads(f.files.name)),
        "Đã gửi ý kiến phối hợp; phần việc phối hợp đã hoàn thành.",
        "btn-success",
    ),
    parts.ACKNOWLEDGE: Step(
        _label(assignment_flow.ACKNOWLEDGE, assignment_flow.WORKFLOW),
        _plain(forms.AcknowledgeForm),
        lambda u, d, f: parts.acknowledge(u, d),
        "Đã xác nhận đã xem văn bản.",
        "btn-success",
    ),
    parts.PASS_ON: Step(
        _label(assignment_flow.PASS_ON, assignment_flow.WORKFLOW),
        lambda user, prefix: forms.PassOnForm(user.unit_id, prefix=prefix),
        lambda u, d, f: parts.pass_on(u, d, f.assignee.data, f.deadline.data, f.instruction.data),
        "Đã giao phần việc của đơn vị cho cán bộ; đơn vị vẫn được lưu trong lịch sử.",
        "btn-primary",
    ),
    incoming_flow.REOPEN: Step(
        _label(incoming_flow.REOPEN),
        _plain(forms.ReopenForm),
        lambda u, d, f: processing.reopen(u, d, f.reason.data, f.deadline.data),
        "Đã mở lại văn bản để xử lý tiếp.",
        "btn-outline-warning",
    ),
    incoming_flow.FILE: Step(
        _label(incoming_flow.FILE),
        _plain(forms.FileForm),
        lambda u, d, f: processing.file(u, d, f.case_file_id.data),
        "Đã lập hồ sơ / lưu văn bản.",
        "btn-success",
    ),
    incoming_flow.REJECT: Step(
        _label(incoming_flow.REJECT),
        _plain(forms.RejectForm),
        lambda u, d, f: processing.reject(u, d, f.reason.data),
        "Đã từ chối tiếp nhận văn bản.",
        "btn-outline-danger",
    ),
}


def step_names(
    user: User, doc: IncomingDocument, available: frozenset[str] | None = None
) -> list[str]:
    """The steps to offer, in the order of STEPS (cancel keeps its own button);
    `available` is the document's workflow steps for the user when already known."""
    offered = set(available if available is not None else _available(user, doc))
    if processing.can_record_progress(user, doc):
        offered.add(PROGRESS)
    if processing.can_extend_deadline(user, doc):
        offered.add(EXTEND_DEADLINE)
    offered |= parts.offered(user, doc)
    return [name for name in STEPS if name in offered]


def _available(user: User, doc: IncomingDocument) -> frozenset[str]:
    return frozenset(t.name for t in processing.available_steps(user, doc))


def page_context(
    user: User, doc: IncomingDocument, failed: tuple[str, Form] | None = None
) -> dict[str, Any]:
    """What the document page needs for the processing card, one form per offered step."""
    available = _available(user, doc)
    names = step_names(user, doc, available)
    if failed and failed[0] not in names and failed[0] in STEPS:  # errors must still be seen
        names.append(failed[0])
    steps = []
    for name in names:
        form = failed[1] if failed and failed[0] == name else STEPS[name].form(user, name)
        if isinstance(form, forms.FileForm):  # its files depend on the document
            form.offer(filing_choices(user, incoming_id=doc.id))  # shared with the card
        steps.append((name, STEPS[name], form))
    return {
        "comment_form": (
            (failed[1] if failed and failed[0] == COMMENT else forms.CommentForm(prefix=COMMENT))
            if discussion.can_comment(user, doc)
            else None
        ),
        "steps": steps,
        "can_cancel": incoming_flow.CANCEL in available,
        "open_step": failed[0] if failed else None,
        "parts": doc.assignments,
        "processing_actions": processing.PROCESSING_ACTIONS,
        "change_labels": processing.CHANGE_LABELS,
    }


@bp.get("/<int:doc_id>/results/<int:file_id>")
def result_file(doc_id: int, file_id: int):
    """A result file, for anyone who may see the document."""
    found = get_result_file(current_user, doc_id, file_id)
    secret_access.log_downloaded_by_id(current_user, "incoming", doc_id, found.original_name)
    stored = found.stored_file
    return attachment_response(
        file_store().open(stored.sha256),
        found.original_name,
        stored.mime_type,
        inline=request.args.get("inline") == "1" and found.can_show_inline,
    )


@bp.post("/<int:doc_id>/comments")
def add_comment(doc_id: int):
    doc = get_visible(current_user, doc_id)
    form = forms.CommentForm(prefix=COMMENT)
    if not form.validate_on_submit():
        return render_detail(doc, failed=(COMMENT, form), status=422)
    try:
        discussion.comment(current_user, doc.id, form.note.data)
    except ValidationFailed as exc:
        show_refusal(form, exc)
        return render_detail(get_visible(current_user, doc_id), failed=(COMMENT, form), status=422)
    flash("Đã gửi ý kiến.", "success")
    return redirect(url_for("incoming.detail", doc_id=doc_id, _anchor="lich-su"))


@bp.post("/<int:doc_id>/steps/<step>")
def take_step(doc_id: int, step: str):
    spec = STEPS.get(step)
    if spec is None:
        abort(404)
    doc = get_visible(current_user, doc_id)
    form = spec.form(current_user, step)
    if not form.validate_on_submit():
        if request.files and "files" in form:
            form.files.errors = [*form.files.errors, FILES_LOST]
        return render_detail(doc, failed=(step, form), status=422)
    try:
        spec.run(current_user, doc.id, form)
    except ValidationFailed as exc:
        show_refusal(form, exc)
        if request.files and "files" in form and not form.files.errors:
            form.files.errors = [FILES_LOST]
        return render_detail(get_visible(current_user, doc_id), failed=(step, form), status=422)
    flash(spec.done, "success")
    return redirect(url_for("incoming.detail", doc_id=doc_id, _anchor="xu-ly"))
