"""/api/v1 for district directives: recipient groups, the school's report tasks and
answers, acknowledgement, the tracking board with its steps, and the roll-up.

Routes on the same `api` blueprint as api.views (so the same Bearer authentication and
JSON errors apply); api.views imports this module once its blueprint exists. Thin like
every view: parse (api.directives_parsing) → check access → call eoffice.directives →
serialise (api.directives_schemas). Dispatching is the outgoing draft's (POST/PUT
/outgoing take `groups` and `requests`). Access is the services': another school's task
or another office's directive is not found (404), a role that may not is refused (403),
both before a body is read.
"""

from __future__ import annotations

from flask import current_app, jsonify, request, url_for

from eoffice.api import directives_parsing as parsing
from eoffice.api import directives_queries as queries
from eoffice.api import directives_schemas as shapes
from eoffice.api.auth import api_user
from eoffice.api.paging import page_json
from eoffice.api.views import (
    DEFAULT_LIMIT,
    _check_id,
    _step_body,
    body_needs_json,
    body_not_json,
    bp,
    json_only,
)
from eoffice.core.timeutil import local_today
from eoffice.directives import answers, board, groups, rollup, tasklists, tracking
from eoffice.directives.task_views import answer_file_response
from eoffice.orgs.models import Role
from eoffice.outgoing import delivery as outgoing_delivery

MSG_JSON_ONLY = "Chỉ nhận nội dung application/json (tệp mã hóa base64)."


# Recipient groups ------------------------------------------------------------------------


def _group_response(group_id: int, status: int = 200):
    user = api_user()
    group = groups.get_group(user, group_id)
    listed = groups.member_ids(group)
    active = queries.group_members(user.organisation).get(groups.custom_key(group.id), [])
    response = jsonify(shapes.group_json(group, listed, active))
    response.status_code = status
    return response


@bp.get("/directives/groups")
def directive_groups():
    """Every group the user's office can send to (any user: drafters choose from it)."""
    user = api_user()
    org = user.organisation
    members = queries.group_members(org)
    custom = queries.custom_groups_of(org.id)
    items = []
    for choice in groups.choices_for(org):
        kind, _, value = choice.key.partition(":")
        group = custom.get(int(value)) if kind == groups.CUSTOM else None
        items.append(shapes.group_choice_json(choice, members.get(choice.key, []), group))
    return jsonify({"items": items, "can_manage": user.has_role(Role.ADMIN)})


@bp.post("/directives/groups")
def create_directive_group():
    if body_needs_json():
        return json_only(MSG_JSON_ONLY)
    body = parsing.group_from_json(request.get_json(silent=True))
    group = groups.create_group(
        api_user(),
        groups.GroupInput(
            name=body.name or "",
            description=body.description,
            member_org_ids=body.member_org_ids or [],
        ),
    )
    response = _group_response(group.id, 201)
    response.headers["Location"] = url_for("api.get_directive_group", group_id=group.id)
    return response


@bp.get("/directives/groups/<int:group_id>")
def get_directive_group(group_id: int):
    _check_id(group_id)
    return _group_response(group_id)


def _save_group(group_id: int, *, partial: bool):
    _check_id(group_id)
    user = api_user()
    group = groups.get_group(user, group_id)  # not the admin's office's: 404; not admin: 403
    if body_needs_json():
        return json_only(MSG_JSON_ONLY)
    body = parsing.group_from_json(request.get_json(silent=True))

    def given(name: str) -> bool:
        return name in body.given or not partial

    data = groups.GroupInput(
        name=(body.name if given("name") else group.name) or "",
        description=body.description if given("description") else group.description,
        member_org_ids=(body.member_org_ids or [])
        if given("member_org_ids")
        else groups.member_ids(group),
    )
    groups.update_group(user, group.id, data)
    return _group_response(group.id)


@bp.put("/directives/groups/<int:group_id>")
def replace_directive_group(group_id: int):
    """Every field replaced (absent: empty, which the service refuses for the name and
    the members)."""
    return _save_group(group_id, partial=False)


@bp.patch("/directives/groups/<int:group_id>")
def update_directive_group(group_id: int):
    """Only the fields given change."""
    return _save_group(group_id, partial=True)


@bp.delete("/directives/groups/<int:group_id>")
def delete_directive_group(group_id: int):
    _check_id(group_id)
    user = api_user()
    group = groups.get_group(user, group_id)
    name = group.name
    groups.delete_group(user, group.id)
    return jsonify(
        {
            "id": group_id,
            "name": name,
            "message": f"Đã xóa nhóm «{name}». Văn bản đã gửi vẫn giữ nguyên nơi nhận.",
        }
    )


# The school's tasks ----------------------------------------------------------------------


@bp.get("/directives/tasks")
def directive_tasks():
    """One keyset page of the school's open (or answered) tasks, as on the page."""
    user = api_user()
    max_limit = current_app.config["API_PAGE_SIZE_MAX"]
    query = parsing.parse_task_list_query(
        request.args, default_limit=min(DEFAULT_LIMIT, max_limit), max_limit=max_limit
    )
    page = tasklists.task_page(user, query.page.cursor, query.page.limit, answered=query.answered)
    today = local_today()
    return jsonify(
        page_json(page, [shapes.task_json(t, user, today) for t in page.items], query.page.limit)
    )


@bp.get("/directives/tasks/<int:task_id>")
def get_directive_task(task_id: int):
    """The school's task; opening it is the school's first reading of the directive."""
    _check_id(task_id)
    user = api_user()
    task = tasklists.get_task(user, task_id)
    if task.delivery is not None:
        answers.mark_read(user, task.delivery)
    return jsonify(shapes.task_json(task, user, local_today()))


@bp.post("/directives/tasks/<int:task_id>/answer")
def answer_directive_task(task_id: int):
    _check_id(task_id)
    user = api_user()
    tasklists.get_task(user, task_id)  # another school's task: 404 before anything
    if body_needs_json():
        return json_only(MSG_JSON_ONLY)
    body = parsing.answer_from_json(request.get_json(silent=True))
    task = answers.answer(
        user,
        task_id,
        text=body.text,
        figure=body.figure,
        upload=body.upload,
        reply_outgoing_id=body.reply_outgoing_id,
    )
    return jsonify(shapes.task_json(task, user, local_today()))


@bp.get("/directives/tasks/<int:task_id>/file")
def directive_task_file(task_id: int):
    """The answer's file: for the school that answered and for the issuing office."""
    _check_id(task_id)
    return answer_file_response(queries.task_for_anyone(api_user(), task_id))


@bp.post("/inbox/<int:delivery_id>/acknowledge")
def acknowledge_delivery(delivery_id: int):
    """Đã nhận, đã triển khai: on the school's copy of a directive (its /inbox id)."""
    _check_id(delivery_id)
    user = api_user()
    outgoing_delivery.get_for_recipient(user, delivery_id)  # another office's copy: 404
    if body_not_json():
        return json_only(MSG_JSON_ONLY)
    note = parsing.note_from_json(_step_body())
    found = answers.acknowledge(user, delivery_id, note)
    return jsonify(
        shapes.delivery_json(found, tasklists.tasks_of_delivery(found), user, local_today())
    )


# The district's board and its steps ------------------------------------------------------


@bp.get("/outgoing/<int:doc_id>/board")
def directive_board(doc_id: int):
    _check_id(doc_id)
    user = api_user()
    filters = parsing.parse_board_query(request.args)
    return jsonify(shapes.board_json(board.build_board(user, doc_id, filters)))


@bp.post("/outgoing/<int:doc_id>/requests/<int:request_id>/extend")
def extend_directive_request(doc_id: int, request_id: int):
    _check_id(doc_id, request_id)
    user = api_user()
    board.followed_document(user, doc_id)  # not the user's to follow: 404 first
    if body_needs_json():
        return json_only(MSG_JSON_ONLY)
    body = parsing.extend_from_json(request.get_json(silent=True))
    moved = tracking.extend_deadline(
        user, doc_id, request_id, body.deadline, body.reason, school_id=body.school_id
    )
    [changed] = [r for r in board.requests_of(doc_id) if r.id == request_id]
    return jsonify(
        {
            "request": shapes.report_request_json(changed),
            "count": len(moved),
            "school_ids": sorted(t.recipient_org_id for t in moved),
            "message": f"Đã gia hạn cho {len(moved)} trường.",
        }
    )


@bp.post("/directives/tasks/<int:task_id>/return")
def return_directive_task(task_id: int):
    _check_id(task_id)
    user = api_user()
    task = queries.task_for_district(user, task_id)  # a school's own task too: 404
    if body_needs_json():
        return json_only(MSG_JSON_ONLY)
    comment = parsing.comment_from_json(request.get_json(silent=True))
    returned = tracking.return_answer(user, task.request.outgoing_id, task_id, comment)
    return jsonify(shapes.task_json(returned, user, local_today()))


@bp.post("/outgoing/<int:doc_id>/remind")
def remind_directive(doc_id: int):
    _check_id(doc_id)
    user = api_user()
    board.followed_document(user, doc_id)
    if body_not_json():
        return json_only(MSG_JSON_ONLY)
    body = parsing.remind_from_json(_step_body())
    count = tracking.remind(user, doc_id, request_id=body.request_id, school_ids=body.school_ids)
    return jsonify({"reminded": count, "message": f"Đã nhắc {count} trường chưa trả lời."})


@bp.get("/directives/rollup")
def directive_rollup():
    return jsonify(shapes.rollup_json(rollup.build_rollup(api_user())))
