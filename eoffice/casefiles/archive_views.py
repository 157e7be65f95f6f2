"""Lưu trữ cơ quan: the pages of the office archive (issue 7).

- the files due for hand-over (due date in force, days left, overdue in red, kept back
  with until and reason), several chosen → the hand-over form → the hand-over's page with
  its two PDFs; the past hand-overs; the keep-back form of one file (leader);
- disposal: the expired archived files → a proposal; the proposals with their state;
  approve / refuse (leader); execute with the witnesses (clerk, admin); the record PDF.

Thin: parse, call eoffice.casefiles.handover / disposal, render. A refused form is shown
again with what was typed and the Vietnamese reason (422); a refusal for lack of rights
or an unknown record reaches the application's error pages. Destructive steps ask for
confirmation through `data-confirm` (eoffice/static/js/app.js).
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from eoffice.casefiles import disposal as disposals
from eoffice.casefiles import handover as handovers
from eoffice.casefiles.access import get_file
from eoffice.casefiles.archive_common import ARCHIVE_ROLES
from eoffice.casefiles.archive_forms import (
    ApproveForm,
    ExecuteForm,
    HandoverForm,
    KeepBackForm,
    ProposeForm,
    RefuseForm,
)
from eoffice.core.errors import ServiceError
from eoffice.core.limits import int_in_range
from eoffice.core.timeutil import local_today
from eoffice.incoming.attachments import file_store
from eoffice.orgs.models import Role
from eoffice.web.forms import show_refusal
from eoffice.web.http import attachment_response, int_arg
from workflows import casefiles as flow

bp = Blueprint("archive", __name__, url_prefix="/archive")

DISPOSAL_STATE_LABELS = {s.code: s.label for s in flow.DISPOSAL.states}
DISPOSAL_STATE_COLOURS = {
    flow.PROPOSED: "warning",
    flow.APPROVED: "primary",
    flow.REFUSED: "secondary",
    flow.EXECUTED: "dark",
}


@bp.before_request
def _archive_people_only():
    """Clerks keep the archive, leaders decide, an admin may execute a disposal."""
    if current_user.is_authenticated and not current_user.has_role(*ARCHIVE_ROLES):
        abort(403)


def _chosen_ids() -> list[int]:
    """The `file_id` check boxes ticked; anything that is not an id is left out."""
    ids = []
    for raw in request.values.getlist("file_id"):
        raw = raw.strip()
        if raw.isdigit() and int_in_range(int(raw)) and int(raw) not in ids:
            ids.append(int(raw))
    return ids


def _refused(exc: ServiceError) -> None:
    """404 and 403 go to the error pages; anything else is shown in place, and so is a
    403 about one of the files chosen (it says why the whole step was refused)."""
    if exc.status_code == 404 or (exc.status_code == 403 and not hasattr(exc, "file_id")):
        raise exc


def _pdf(stored, name: str):
    return attachment_response(
        file_store().open(stored.sha256), name, stored.mime_type, inline=False
    )


# Hand-over -----------------------------------------------------------------------------


@bp.get("/")
def index():
    keeper_id = int_arg("keeper", 0, min=1) or None
    overdue_only = request.args.get("overdue") == "1"
    return render_template(
        "casefiles/archive/index.html",
        rows=handovers.due_files(current_user, keeper_id=keeper_id, overdue_only=overdue_only),
        keepers=handovers.keepers_of_due_files(current_user),
        keeper_id=keeper_id,
        overdue_only=overdue_only,
        past=handovers.handovers(current_user, limit=20),
        may_hand_over=current_user.has_role(Role.CLERK, Role.LEADER),
        may_keep_back=current_user.has_role(Role.LEADER),
        today=local_today(),
    )


def _person(user) -> tuple[int, str]:
    return user.id, f"{user.full_name}{' – ' + user.title if user.title else ''}"


def _render_new(form: HandoverForm, chosen: list, status: int = 200):
    return render_template(
        "casefiles/archive/handover_new.html",
        form=form,
        files=chosen,
        due_date=handovers.due_date,
    ), status


@bp.route("/handovers/new", methods=["GET", "POST"])
def new_handover():
    if not current_user.has_role(Role.CLERK, Role.LEADER):
        abort(403)
    ids = _chosen_ids()
    if len(ids) > handovers.MAX_FILES_PER_HANDOVER:
        flash(f"Mỗi lần nộp lưu tối đa {handovers.MAX_FILES_PER_HANDOVER} hồ sơ.", "warning")
        return redirect(url_for(".index"))
    chosen = handovers.chosen_files(current_user, ids)
    form = HandoverForm()
    form.delivered_by.choices = [(0, "— Chọn người giao —")] + [
        _person(u) for u in handovers.deliverer_choices(current_user)
    ]
    form.received_by.choices = [(0, "— Chọn người nhận —")] + [
        _person(u) for u in handovers.receiver_choices(current_user)
    ]
    if request.method == "GET":
        if not ids:
            flash("Chọn ít nhất một hồ sơ để nộp lưu.", "warning")
            return redirect(url_for(".index"))
        if current_user.has_role(Role.CLERK) and form.received_by.data is None:
            form.received_by.data = current_user.id
        if form.delivered_by.data is None:
            form.delivered_by.data = handovers.default_deliverer(current_user, chosen)
        form.handed_on.data = local_today()
        return _render_new(form, chosen)
    if not form.validate_on_submit():
        return _render_new(form, chosen, 422)
    try:
        done = handovers.hand_over(
            current_user,
            ids,
            form.received_by.data,
            form.note.data,
            form.handed_on.data,
            delivered_by_id=form.delivered_by.data,
        )
    except ServiceError as exc:
        _refused(exc)
        show_refusal(form, exc)
        return _render_new(form, chosen, 422)
    flash(
        f"Đã nộp lưu {done.file_count} hồ sơ (lần nộp lưu số {done.number}/{done.year}).",
        "success",
    )
    return redirect(url_for(".handover", handover_id=done.id))


@bp.get("/handovers/<int:handover_id>")
def handover(handover_id: int):
    return render_template(
        "casefiles/archive/handover.html",
        handover=handovers.get_handover(current_user, handover_id),
    )


@bp.get("/handovers/<int:handover_id>/list.pdf")
def handover_list_pdf(handover_id: int):
    return _pdf(*handovers.handover_pdf(current_user, handover_id, "list"))


@bp.get("/handovers/<int:handover_id>/record.pdf")
def handover_record_pdf(handover_id: int):
    return _pdf(*handovers.handover_pdf(current_user, handover_id, "record"))


def _render_keep_back(form: KeepBackForm, file_id: int, status: int = 200):
    case_file = get_file(current_user, file_id)
    return render_template(
        "casefiles/archive/keep_back.html",
        form=form,
        case_file=case_file,
        limit=handovers.keep_back_limit(case_file),
    ), status


@bp.route("/files/<int:file_id>/keep-back", methods=["GET", "POST"])
def keep_back(file_id: int):
    if not current_user.has_role(Role.LEADER):
        abort(403)
    form = KeepBackForm()
    if request.method == "GET":
        case_file = get_file(current_user, file_id)
        form.until.data = case_file.kept_until
        form.reason.data = case_file.kept_reason
        return _render_keep_back(form, file_id)
    if not form.validate_on_submit():
        return _render_keep_back(form, file_id, 422)
    try:
        kept = handovers.keep_back(current_user, file_id, form.until.data, form.reason.data)
    except ServiceError as exc:
        _refused(exc)
        show_refusal(form, exc)
        return _render_keep_back(form, file_id, 422)
    flash(f"Hồ sơ {kept.code} được giữ lại đến {kept.kept_until:%d/%m/%Y}.", "success")
    return redirect(url_for(".index"))


# Disposal ----------------------------------------------------------------------------


def _render_disposals(form: ProposeForm, chosen: list[int], status: int = 200):
    rows = disposals.disposals(current_user)
    people = disposals.users_by_id(r.proposed_by_id for r in rows)
    return render_template(
        "casefiles/archive/disposals.html",
        form=form,
        expired=disposals.expired_files(current_user),
        chosen=set(chosen),
        proposals=rows,
        people=people,
        may_propose=current_user.has_role(Role.CLERK),
        state_labels=DISPOSAL_STATE_LABELS,
        state_colours=DISPOSAL_STATE_COLOURS,
    ), status


@bp.get("/disposals")
def disposals_page():
    return _render_disposals(ProposeForm(), [])


@bp.post("/disposals")
def propose():
    ids = _chosen_ids()
    form = ProposeForm()
    if not form.validate_on_submit():
        return _render_disposals(form, ids, 422)
    try:
        proposal = disposals.propose(current_user, ids, form.reason.data)
    except ServiceError as exc:
        _refused(exc)
        show_refusal(form, exc)
        return _render_disposals(form, ids, 422)
    flash(
        f"Đã lập đề nghị tiêu hủy {len(proposal.items)} hồ sơ, chờ lãnh đạo phê duyệt.", "success"
    )
    return redirect(url_for(".disposal", disposal_id=proposal.id))


def _render_disposal(disposal_id: int, status: int = 200, **forms):
    item = disposals.get_disposal(current_user, disposal_id)
    forms.setdefault("approve_form", ApproveForm(formdata=None))
    forms.setdefault("refuse_form", RefuseForm(formdata=None))
    forms.setdefault("execute_form", ExecuteForm(formdata=None))
    roles = current_user.roles
    return render_template(
        "casefiles/archive/disposal.html",
        disposal=item,
        people=disposals.users_by_id(
            [item.proposed_by_id, item.decided_by_id, item.executed_by_id]
        ),
        state_labels=DISPOSAL_STATE_LABELS,
        state_colours=DISPOSAL_STATE_COLOURS,
        may_decide=item.state == flow.PROPOSED and Role.LEADER in roles,
        may_execute=item.state == flow.APPROVED and bool({Role.CLERK, Role.ADMIN} & roles),
        **forms,
    ), status


@bp.get("/disposals/<int:disposal_id>")
def disposal(disposal_id: int):
    return _render_disposal(disposal_id)


def _step(disposal_id: int, form, name: str, field: str, run, done: str):
    if not form.validate_on_submit():
        return _render_disposal(disposal_id, 422, **{name: form})
    try:
        run(current_user, disposal_id, form[field].data)
    except ServiceError as exc:
        _refused(exc)
        show_refusal(form, exc)
        return _render_disposal(disposal_id, 422, **{name: form})
    flash(done, "success")
    return redirect(url_for(".disposal", disposal_id=disposal_id))


@bp.post("/disposals/<int:disposal_id>/approve")
def approve(disposal_id: int):
    form = ApproveForm()
    return _step(
        disposal_id,
        form,
        "approve_form",
        "decision",
        disposals.approve,
        "Đã phê duyệt đề nghị tiêu hủy.",
    )


@bp.post("/disposals/<int:disposal_id>/refuse")
def refuse(disposal_id: int):
    form = RefuseForm()
    return _step(
        disposal_id,
        form,
        "refuse_form",
        "reason",
        disposals.refuse,
        "Đã không phê duyệt đề nghị tiêu hủy.",
    )


@bp.post("/disposals/<int:disposal_id>/execute")
def execute(disposal_id: int):
    form = ExecuteForm()
    return _step(
        disposal_id,
        form,
        "execute_form",
        "witnesses",
        disposals.execute,
        "Đã thực hiện tiêu hủy và lập biên bản hủy tài liệu.",
    )


@bp.get("/disposals/<int:disposal_id>/record.pdf")
def disposal_record_pdf(disposal_id: int):
    return _pdf(*disposals.record_pdf(current_user, disposal_id))
