"""Danh mục hồ sơ pages: the organisation's lists by year, one list as a table like the
printed one with the actions its state and the person's roles allow, its PDF, and the
admins' page of retention levels.

Thin: parse, call the list services (eoffice.casefiles.list_*, or .retention), render.
Everyone of the organisation reads its lists (the list is the office's plan, people file
into it); a list of another organisation is a 404. A refused form comes back with what
was typed and the Vietnamese reason on its field.
"""

from __future__ import annotations

import io
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from eoffice.casefiles import (
    list_common,
    list_files,
    list_headings,
    list_pdf,
    list_sheet,
    list_steps,
    retention,
)
from eoffice.casefiles.access import get_list
from eoffice.casefiles.files import STATE_LABELS as FILE_STATE_LABELS
from eoffice.casefiles.files import retention_choices
from eoffice.casefiles.list_forms import (
    ApproveForm,
    HeadingEditForm,
    LargeHeadingForm,
    LockForm,
    NewListForm,
    PlannedFileForm,
    ReasonForm,
    RetentionLevelForm,
    SmallHeadingForm,
    SubmitForm,
)
from eoffice.casefiles.models import CaseFile, FileHeading, FileList
from eoffice.core.audit import ACTION_LABELS
from eoffice.core.errors import ServiceError
from eoffice.core.timeutil import local_today
from eoffice.extensions import db
from eoffice.web.access import roles_required
from eoffice.web.forms import Form, show_refusal
from workflows import archive
from workflows import casefiles as flow

bp = Blueprint("file_lists", __name__, url_prefix="/casefiles/lists")
admin_only = roles_required("admin")

STATE_BADGES = {
    flow.LIST_DRAFT: "text-bg-secondary",
    flow.LIST_SUBMITTED: "text-bg-warning",
    flow.LIST_APPROVED: "text-bg-success",
    flow.LIST_LOCKED: "text-bg-dark",
}
FILE_BADGES = {
    flow.PLANNED: "text-bg-light border",
    flow.OPEN: "text-bg-primary",
    flow.CLOSED: "text-bg-success",
    flow.ARCHIVED: "text-bg-dark",
    flow.DISPOSED: "text-bg-secondary",
}
# Each step's form and how its fields reach the service.
STEP_FORMS: dict[str, type[Form]] = {
    flow.SUBMIT_LIST: SubmitForm,
    flow.APPROVE_LIST: ApproveForm,
    flow.RETURN_LIST: ReasonForm,
    flow.AMEND_LIST: ReasonForm,
    flow.LOCK_LIST: LockForm,
}
STEP_BUTTONS = {
    flow.SUBMIT_LIST: "btn-primary",
    flow.APPROVE_LIST: "btn-success",
    flow.RETURN_LIST: "btn-outline-danger",
    flow.AMEND_LIST: "btn-outline-warning",
    flow.LOCK_LIST: "btn-outline-dark",
}


def _labels() -> dict[str, str]:
    return {**ACTION_LABELS, **list_common.ACTION_LABELS}


@bp.app_template_global()
def file_list_state_badge(state: str) -> tuple[str, str]:
    return STATE_BADGES.get(state, "text-bg-light"), list_common.STATE_LABELS.get(state, state)


# The lists ------------------------------------------------------------------------------


def _new_list_form(formdata: Any = None) -> NewListForm:
    if formdata is not None:
        return NewListForm(formdata=formdata)
    this_year = local_today().year
    taken = {s.file_list.year for s in list_sheet.lists_of(current_user)}
    year = this_year + 1 if this_year in taken else this_year
    previous = list_sheet.previous_list(current_user.org_id, year)
    return NewListForm(
        formdata=None,
        data={
            "year": year,
            "numbering": previous.numbering if previous else archive.ACROSS_LIST,
            "copy_from_previous": previous is not None,
        },
    )


def _render_index(form: NewListForm | None = None, status: int = 200):
    summaries = list_sheet.lists_of(current_user)
    maker = list_common.may_create(current_user)
    return render_template(
        "casefiles/lists/index.html",
        summaries=summaries,
        form=(form or _new_list_form()) if maker else None,
        has_previous=bool(summaries),
        edits_retention=retention.may_edit(current_user),
        numbering_labels=archive.NUMBERING_LABELS,
    ), status


@bp.get("/")
def index():
    return _render_index()


@bp.post("/")
def create():
    if not list_common.may_create(current_user):
        abort(403)
    form = _new_list_form(request.form)
    if not form.validate_on_submit():
        return _render_index(form, 422)
    try:
        file_list = list_steps.create_list(
            current_user,
            form.year.data,
            numbering=form.numbering.data,
            copy_from_previous=bool(form.copy_from_previous.data),
        )
    except ServiceError as exc:
        show_refusal(form, exc)
        return _render_index(form, _status(exc))
    message = f"Đã lập danh mục hồ sơ năm {file_list.year}"
    if file_list.copied_from_id:
        count = list_sheet.list_rows(file_list).total
        message += f", sao chép {count} hồ sơ từ danh mục năm trước"
    flash(message + ".", "success")
    return redirect(url_for("file_lists.show", list_id=file_list.id))


# One list -------------------------------------------------------------------------------


def _file_form(
    file_list: FileList,
    formdata: Any = None,
    case_file: CaseFile | None = None,
    sheet: list_sheet.ListSheet | None = None,
):
    if formdata is not None:
        form = PlannedFileForm(formdata=formdata, prefix="file")
    elif case_file is not None:
        form = PlannedFileForm(
            formdata=None,
            prefix="file",
            data={
                "title": case_file.title,
                "heading_id": case_file.heading_id,
                "retention_code": case_file.retention_code,
                "keeper_id": case_file.keeper_id,
                "note": case_file.note,
            },
        )
    else:
        form = PlannedFileForm(formdata=None, prefix="file")
    sheet = sheet or list_sheet.list_rows(file_list)
    form.heading_id.choices = [(0, "— Chọn đề mục —"), *list_sheet.heading_choices(sheet)]
    keep = case_file.retention_code if case_file is not None else None
    form.retention_code.choices = [("", "— Chọn thời hạn —")] + [
        (r.code, r.label) for r in retention_choices(include=keep)
    ]
    form.keeper_id.choices = [(0, "— Chưa giao —")] + [
        (u.id, f"{u.full_name}" + (f" ({u.title})" if u.title else ""))
        for u in list_sheet.keeper_choices(current_user)
    ]
    return form


def _small_form(
    file_list: FileList, formdata: Any = None, sheet: list_sheet.ListSheet | None = None
) -> SmallHeadingForm:
    form = SmallHeadingForm(formdata=formdata, prefix="small")
    sheet = sheet or list_sheet.list_rows(file_list)
    form.parent_id.choices = [(0, "— Chọn đề mục lớn —"), *list_sheet.large_heading_choices(sheet)]
    return form


def _render_show(file_list: FileList, status: int = 200, **forms: Form):
    """The list page; `forms` replaces the blank form of that name (a refused one).
    The sheet is read once and gives the table and the forms' heading choices."""
    sheet = list_sheet.list_rows(file_list)
    editable = list_common.may_edit(current_user, file_list)
    edit_forms: dict[str, Form] = {}
    if editable:
        edit_forms = {
            "large_form": forms.get("large_form")
            or LargeHeadingForm(formdata=None, prefix="large"),
            "small_form": forms.get("small_form") or _small_form(file_list, sheet=sheet),
            "file_form": forms.get("file_form") or _file_form(file_list, sheet=sheet),
        }
    steps = [
        (t, forms.get(f"step_{t.name}") or STEP_FORMS[t.name](formdata=None, prefix=t.name))
        for t in list_sheet.available_steps(current_user, file_list)
    ]
    copied_from = (
        db.session.get(FileList, file_list.copied_from_id) if file_list.copied_from_id else None
    )
    return render_template(
        "casefiles/lists/show.html",
        file_list=file_list,
        sheet=sheet,
        editable=editable,
        steps=steps,
        step_buttons=STEP_BUTTONS,
        copied_from=copied_from,
        numbering_label=archive.NUMBERING_LABELS.get(file_list.numbering, file_list.numbering),
        events=list_sheet.history(file_list),
        action_labels=_labels(),
        change_labels=list_common.CHANGE_LABELS,
        change_value=_change_value,
        file_states=FILE_STATE_LABELS,
        file_badges=FILE_BADGES,
        **edit_forms,
    ), status


def _change_value(name: str, value: Any) -> str:
    """An audit detail in words: a state move or an edit [old, new] as "old → new",
    other lists joined, nothing as "—"."""
    if isinstance(value, dict) and {"from", "to"} <= value.keys():
        return f"{value['from']} → {value['to']}"
    if isinstance(value, list):
        if name != "recoded" and len(value) == 2:
            old, new = (_blank(v) for v in value)
            return f"{old} → {new}"
        return "; ".join(str(v) for v in value)
    return _blank(value)


def _blank(value: Any) -> str:
    return "—" if value in (None, "") else str(value)


def _status(exc: ServiceError) -> int:
    return 422 if exc.status_code in (400, 422) else exc.status_code


@bp.get("/<int:list_id>")
def show(list_id: int):
    return _render_show(get_list(current_user, list_id))


@bp.get("/<int:list_id>/list.pdf")
def pdf(list_id: int):
    file_list = get_list(current_user, list_id)
    content = list_pdf.render_list_pdf(file_list)
    return send_file(
        io.BytesIO(content),
        mimetype="application/pdf",
        download_name=list_pdf.download_name(file_list),
        as_attachment=request.args.get("download") == "1",
    )


@bp.post("/<int:list_id>/steps/<name>")
def step(list_id: int, name: str):
    file_list = get_list(current_user, list_id)
    form_class = STEP_FORMS.get(name)
    if form_class is None:
        abort(404)
    form = form_class(prefix=name)
    if not form.validate_on_submit():
        return _render_show(file_list, 422, **{f"step_{name}": form})
    data = {k: v for k, v in form.data.items() if k != "csrf_token"}
    try:
        list_steps.STEPS[name](current_user, file_list.id, **data)
    except ServiceError as exc:
        db.session.rollback()
        show_refusal(form, exc)
        return _render_show(get_list(current_user, list_id), _status(exc), **{f"step_{name}": form})
    done = {
        flow.SUBMIT_LIST: "Đã trình danh mục hồ sơ để phê duyệt.",
        flow.APPROVE_LIST: "Đã phê duyệt, ban hành danh mục hồ sơ.",
        flow.RETURN_LIST: "Đã trả lại danh mục để sửa.",
        flow.AMEND_LIST: "Đã mở lại danh mục để bổ sung.",
        flow.LOCK_LIST: "Đã khóa danh mục hồ sơ.",
    }
    flash(done[name], "success")
    return redirect(url_for("file_lists.show", list_id=file_list.id))


# Headings ---------------------------------------------------------------------------------


@bp.post("/<int:list_id>/headings")
def add_heading(list_id: int):
    file_list = get_list(current_user, list_id)
    kind = request.form.get("kind")
    if kind == "small":
        form: Form = _small_form(file_list, request.form)
        name = "small_form"
    else:
        form = LargeHeadingForm(prefix="large")
        name = "large_form"
    if not form.validate_on_submit():
        return _render_show(file_list, 422, **{name: form})
    try:
        if kind == "small":
            heading = list_headings.add_heading(
                current_user, file_list.id, title=form.title.data, parent_id=form.parent_id.data
            )
        else:
            heading = list_headings.add_heading(
                current_user, file_list.id, title=form.title.data, notation=form.notation.data
            )
    except ServiceError as exc:
        db.session.rollback()
        show_refusal(form, exc)
        return _render_show(get_list(current_user, list_id), _status(exc), **{name: form})
    flash(f"Đã thêm đề mục «{heading.title}».", "success")
    return redirect(url_for("file_lists.show", list_id=list_id, _anchor="danh-muc"))


def _editable_or_back(file_list: FileList):
    """Edit pages only for a list that can change now, by those who may change it."""
    if not list_common.may_create(current_user):
        abort(403)
    if not list_common.may_edit(current_user, file_list):
        flash("Danh mục không còn là dự thảo: không sửa được đề mục và hồ sơ.", "warning")
        return redirect(url_for("file_lists.show", list_id=file_list.id))
    return None


@bp.route("/<int:list_id>/headings/<int:heading_id>/edit", methods=["GET", "POST"])
def edit_heading(list_id: int, heading_id: int):
    file_list = get_list(current_user, list_id)
    heading = list_sheet.heading_of(file_list, heading_id)
    back = _editable_or_back(file_list)
    if back is not None:
        return back
    if request.method == "GET":
        form = HeadingEditForm(
            formdata=None, data={"title": heading.title, "notation": heading.notation}
        )
        return _render_heading(file_list, heading, form)
    form = HeadingEditForm()
    if not form.validate_on_submit():
        return _render_heading(file_list, heading, form, 422)
    try:
        list_headings.update_heading(
            current_user,
            file_list.id,
            heading.id,
            title=form.title.data,
            notation=form.notation.data,
        )
    except ServiceError as exc:
        db.session.rollback()
        show_refusal(form, exc)
        file_list = get_list(current_user, list_id)
        return _render_heading(
            file_list, list_sheet.heading_of(file_list, heading_id), form, _status(exc)
        )
    flash("Đã lưu đề mục.", "success")
    return redirect(url_for("file_lists.show", list_id=list_id, _anchor="danh-muc"))


def _render_heading(file_list: FileList, heading: FileHeading, form: Form, status: int = 200):
    return render_template(
        "casefiles/lists/heading_form.html", file_list=file_list, heading=heading, form=form
    ), status


@bp.post("/<int:list_id>/headings/<int:heading_id>/move")
def move_heading(list_id: int, heading_id: int):
    file_list = get_list(current_user, list_id)
    direction = request.form.get("direction", "")
    list_headings.move_heading(current_user, file_list.id, heading_id, direction)
    return redirect(url_for("file_lists.show", list_id=list_id, _anchor="danh-muc"))


@bp.post("/<int:list_id>/headings/<int:heading_id>/delete")
def delete_heading(list_id: int, heading_id: int):
    file_list = get_list(current_user, list_id)
    title = list_sheet.heading_of(file_list, heading_id).title
    list_headings.delete_heading(current_user, file_list.id, heading_id)
    flash(f"Đã xóa đề mục «{title}».", "success")
    return redirect(url_for("file_lists.show", list_id=list_id, _anchor="danh-muc"))


# Planned files ----------------------------------------------------------------------------


@bp.post("/<int:list_id>/files")
def add_file(list_id: int):
    file_list = get_list(current_user, list_id)
    form = _file_form(file_list, request.form)
    if not form.validate_on_submit():
        return _render_show(file_list, 422, file_form=form)
    try:
        case_file = list_files.add_planned_file(current_user, file_list.id, form.to_input())
    except ServiceError as exc:
        db.session.rollback()
        show_refusal(form, exc)
        file_list = get_list(current_user, list_id)
        return _render_show(file_list, _status(exc), file_form=form)
    flash(f"Đã thêm hồ sơ {case_file.code} «{case_file.title}».", "success")
    return redirect(url_for("file_lists.show", list_id=list_id, _anchor="danh-muc"))


@bp.route("/<int:list_id>/files/<int:file_id>/edit", methods=["GET", "POST"])
def edit_file(list_id: int, file_id: int):
    file_list = get_list(current_user, list_id)
    case_file = list_sheet.file_of(file_list, file_id)
    back = _editable_or_back(file_list)
    if back is not None:
        return back
    if request.method == "GET":
        return _render_file(file_list, case_file, _file_form(file_list, case_file=case_file))
    form = _file_form(file_list, request.form, case_file=case_file)
    if not form.validate_on_submit():
        return _render_file(file_list, case_file, form, 422)
    try:
        list_files.update_planned_file(current_user, file_list.id, case_file.id, form.to_input())
    except ServiceError as exc:
        db.session.rollback()
        show_refusal(form, exc)
        file_list = get_list(current_user, list_id)
        return _render_file(file_list, list_sheet.file_of(file_list, file_id), form, _status(exc))
    flash("Đã lưu hồ sơ trong danh mục.", "success")
    return redirect(url_for("file_lists.show", list_id=list_id, _anchor="danh-muc"))


def _render_file(file_list: FileList, case_file: CaseFile, form: Form, status: int = 200):
    return render_template(
        "casefiles/lists/file_form.html",
        file_list=file_list,
        case_file=case_file,
        form=form,
        file_states=FILE_STATE_LABELS,
    ), status


@bp.post("/<int:list_id>/files/<int:file_id>/delete")
def delete_file(list_id: int, file_id: int):
    file_list = get_list(current_user, list_id)
    code = list_sheet.file_of(file_list, file_id).code
    list_files.delete_planned_file(current_user, file_list.id, file_id)
    flash(f"Đã xóa hồ sơ {code} khỏi danh mục.", "success")
    return redirect(url_for("file_lists.show", list_id=list_id, _anchor="danh-muc"))


# Retention levels (admins) ----------------------------------------------------------------


def _retention_editor() -> None:
    """The levels are the whole deployment's: the district's admins change them."""
    if not retention.may_edit(current_user):
        abort(403)


def _render_retention(form: RetentionLevelForm | None = None, status: int = 200):
    return render_template(
        "casefiles/lists/retention.html",
        rows=retention.levels(current_user),
        editable=retention.may_edit(current_user),
        form=form or RetentionLevelForm(formdata=None),
    ), status


@bp.route("/retention", methods=["GET", "POST"])
@admin_only
def retention_levels():
    """Every admin reads the levels (the admin menu links here); only the district's
    admins add or retire one."""
    if request.method == "GET":
        return _render_retention()
    _retention_editor()
    form = RetentionLevelForm()
    if not form.validate_on_submit():
        return _render_retention(form, 422)
    try:
        level = retention.add_level(
            current_user,
            code=form.code.data,
            label=form.label.data,
            years=form.years.data,
            permanent=bool(form.permanent.data),
        )
    except ServiceError as exc:
        db.session.rollback()
        show_refusal(form, exc)
        return _render_retention(form, _status(exc))
    flash(f"Đã thêm mức thời hạn bảo quản «{level.label}».", "success")
    return redirect(url_for("file_lists.retention_levels"))


@bp.post("/retention/<code>/active")
@admin_only
def retention_active(code: str):
    _retention_editor()
    active = request.form.get("active") == "1"
    level = retention.set_active(current_user, code, active)
    if active:
        flash(f"Đã mở lại mức «{level.label}».", "success")
    else:
        flash(f"Đã ngừng dùng mức «{level.label}»; hồ sơ đã có mức này giữ nguyên.", "success")
    return redirect(url_for("file_lists.retention_levels"))
