"""Admin pages of the recipient groups: the office's groups with their numbers of
schools, and the edit page of a custom group (a searchable list of schools by level).

Thin: parse, call eoffice.directives.groups, render. Only the office's admin comes here;
the groups are always the admin's own office's.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import SelectMultipleField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from eoffice.core.errors import ServiceError
from eoffice.directives import groups
from eoffice.directives.models import RecipientGroup
from eoffice.web.access import roles_required
from eoffice.web.forms import Form, show_refusal

bp = Blueprint("directive_groups", __name__, url_prefix="/admin/recipient-groups")
admin_only = roles_required("admin")


class GroupForm(Form):
    name = StringField("Tên nhóm", validators=[Length(max=groups.MAX_NAME)])
    description = TextAreaField(
        "Mô tả", validators=[Optional(), Length(max=groups.MAX_DESCRIPTION)]
    )
    member_org_ids = SelectMultipleField(
        "Các trường trong nhóm",
        coerce=int,
        validate_choice=False,  # the service says which ones it cannot take, and why
    )

    def to_input(self) -> groups.GroupInput:
        return groups.GroupInput(
            name=self.name.data or "",
            description=self.description.data,
            member_org_ids=list(self.member_org_ids.data or []),
        )


def _render_form(form: GroupForm, group: RecipientGroup | None, status: int = 200):
    chosen = set(form.member_org_ids.data or [])
    return render_template(
        "directives/group_form.html",
        form=form,
        group=group,
        sections=groups.school_choices(current_user.organisation),
        chosen=chosen,
    ), status


@bp.get("/")
@admin_only
def index():
    built_in = [
        c
        for c in groups.choices_for(current_user.organisation)
        if c.section != groups.SECTION_CUSTOM
    ]
    return render_template(
        "directives/groups.html",
        built_in=built_in,
        custom=groups.custom_groups(current_user),
        max_groups=groups.MAX_GROUPS,
    )


@bp.route("/new", methods=["GET", "POST"])
@admin_only
def new():
    form = GroupForm() if request.method == "POST" else GroupForm(formdata=None)
    if request.method == "GET":
        return _render_form(form, None)
    if not form.validate_on_submit():
        return _render_form(form, None, 422)
    try:
        group = groups.create_group(current_user, form.to_input())
    except ServiceError as exc:
        show_refusal(form, exc)
        return _render_form(form, None, 422)
    flash(f"Đã tạo nhóm «{group.name}».", "success")
    return redirect(url_for("directive_groups.index"))


@bp.route("/<int:group_id>/edit", methods=["GET", "POST"])
@admin_only
def edit(group_id: int):
    group = groups.get_group(current_user, group_id)
    if request.method == "GET":
        form = GroupForm(
            formdata=None,
            data={
                "name": group.name,
                "description": group.description,
                "member_org_ids": groups.member_ids(group),
            },
        )
        return _render_form(form, group)
    form = GroupForm()
    if not form.validate_on_submit():
        return _render_form(form, group, 422)
    try:
        group = groups.update_group(current_user, group.id, form.to_input())
    except ServiceError as exc:
        show_refusal(form, exc)
        return _render_form(form, groups.get_group(current_user, group_id), 422)
    flash(f"Đã lưu nhóm «{group.name}».", "success")
    return redirect(url_for("directive_groups.index"))


@bp.post("/<int:group_id>/delete")
@admin_only
def delete(group_id: int):
    group = groups.get_group(current_user, group_id)
    name = group.name
    groups.delete_group(current_user, group.id)
    flash(f"Đã xóa nhóm «{name}». Văn bản đã gửi vẫn giữ nguyên nơi nhận.", "success")
    return redirect(url_for("directive_groups.index"))
