"""/api/v1 for case files (hồ sơ): the yearly file list with its headings, planned files
and steps; files (listed, created outside the list, edited, opened, filled, ordered,
closed, reopened); the files a document is in; the export of a file as a ZIP.

Routes on the same `api` blueprint as api.views (so the same Bearer authentication and
JSON errors apply); api.views imports this module once its blueprint exists. Thin like
every view: parse (api.casefiles_parsing) → check access → call eoffice.casefiles →
serialise (api.casefiles_schemas). Access is the services' (casefiles.access, lists):
another office's list or file is not found (404), a role that may not is refused (403),
both before a body is read where the rule does not depend on the body; a step in the
wrong state is a 409, a field to fix a 422 naming it.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, jsonify, request, url_for

from eoffice.api import casefiles_parsing as parsing
from eoffice.api import casefiles_queries as queries
from eoffice.api import casefiles_schemas as shapes
from eoffice.api.auth import api_user
from eoffice.api.views import (
    DEFAULT_LIMIT,
    _check_id,
    _step_body,
    body_needs_json,
    body_not_json,
    bp,
    json_only,
)
from eoffice.casefiles import (
    creating,
    file_queries,
    files,
    list_common,
    list_files,
    list_headings,
    list_sheet,
    list_steps,
    retention,
)
from eoffice.casefiles import export as casefile_export
from eoffice.casefiles.access import get_file, get_list, require_change
from eoffice.casefiles.models import CaseFile, FileHeading, FileList
from eoffice.core.audit import history
from eoffice.core.errors import Conflict, Forbidden, ValidationFailed
from eoffice.extensions import db
from eoffice.incoming import access as incoming_access
from eoffice.incoming.attachments import file_store
from eoffice.orgs.models import User
from eoffice.outgoing import involvement as outgoing_access
from eoffice.reports import exports as report_exports
from eoffice.reports.models import ExportState, ReportExport
from eoffice.web.http import attachment_response
from workflows import casefiles as flow

MSG_NOT_READY = "Tệp chưa tạo xong: xem tình trạng ở địa chỉ url của yêu cầu xuất tệp."
# The list service names the retention field after its column; the API calls it
# `retention` everywhere (as closing a file and creating one do).
PLANNED_FILE_ERRORS = {"retention_code": "retention"}


def _body(fields: tuple[parsing.Field, ...]) -> dict[str, Any]:
    return parsing.read_body(request.get_json(silent=True), fields)


def _optional_body(fields: tuple[parsing.Field, ...]) -> dict[str, Any]:
    """A body that may be left out (a step whose inputs the workflow asks for itself)."""
    return parsing.read_body(_step_body(), fields, optional=True)


def _respond(body: dict, status: int = 200, location: str | None = None):
    response = jsonify(body)
    response.status_code = status
    if location:
        response.headers["Location"] = location
    return response


# Retention levels --------------------------------------------------------------------------


@bp.get("/casefiles/retention")
def casefile_retention():
    """Every level in the order the forms offer them; a retired one (`active: false`) is
    no longer offered, but files that have it keep it."""
    levels = retention.levels(api_user())
    return jsonify({"items": [shapes.retention_json(row.level) for row in levels]})


# File lists --------------------------------------------------------------------------------


def _list_response(user: User, list_id: int, status: int = 200, location: str | None = None):
    file_list = get_list(user, list_id)
    sheet = list_sheet.list_rows(file_list)
    counts = file_queries.document_counts([f.id for f in sheet.files])
    body = shapes.list_detail_json(file_list, user, sheet, counts, list_sheet.history(file_list))
    return _respond(body, status, location)


def _require_maker(user: User) -> None:
    if not list_common.may_create(user):
        raise Forbidden(list_common.MSG_MAKERS_ONLY)


@bp.get("/casefiles/lists")
def casefile_lists():
    user = api_user()
    return jsonify(
        {
            "items": [
                shapes.list_json(s.file_list, s.counts.total, s.counts.permanent)
                for s in list_sheet.lists_of(user)
            ],
            "can_create": list_common.may_create(user),
        }
    )


@bp.post("/casefiles/lists")
def create_casefile_list():
    user = api_user()
    _require_maker(user)
    if body_needs_json():
        return json_only()
    values = _body(parsing.NEW_LIST)
    year = values["year"]
    file_list = list_steps.create_list(
        user,
        year if year is not None else 0,
        numbering=values["numbering"] or "across",
        copy_from_previous=bool(values["copy_from_previous"]),
    )
    location = url_for("api.get_casefile_list", list_id=file_list.id)
    return _list_response(user, file_list.id, 201, location)


@bp.get("/casefiles/lists/<int:list_id>")
def get_casefile_list(list_id: int):
    _check_id(list_id)
    return _list_response(api_user(), list_id)


def _editing(list_id: int) -> tuple[User, FileList]:
    """The list (404 for another office's) and a maker of lists (403), before any body."""
    _check_id(list_id)
    user = api_user()
    file_list = get_list(user, list_id)
    _require_maker(user)
    return user, file_list


def _heading_response(user: User, list_id: int, heading_id: int, status: int = 200):
    file_list = get_list(user, list_id)
    row = next(
        r
        for r in list_sheet.list_rows(file_list).rows
        if r.heading is not None and r.heading.id == heading_id
    )
    return _respond(shapes.heading_json(file_list, row), status)


@bp.post("/casefiles/lists/<int:list_id>/headings")
def add_casefile_heading(list_id: int):
    user, file_list = _editing(list_id)
    if body_needs_json():
        return json_only()
    values = _body(parsing.NEW_HEADING)
    heading = list_headings.add_heading(
        user,
        file_list.id,
        title=values["title"],
        notation=values["notation"],
        parent_id=values["parent_id"],
    )
    return _heading_response(user, list_id, heading.id, 201)


@bp.put("/casefiles/lists/<int:list_id>/headings/<int:heading_id>")
def update_casefile_heading(list_id: int, heading_id: int):
    """The title (and a large heading's abbreviation, which re-codes its files)."""
    _check_id(heading_id)
    user, file_list = _editing(list_id)
    if body_needs_json():
        return json_only()
    values = _body(parsing.EDIT_HEADING)
    list_headings.update_heading(
        user, file_list.id, heading_id, title=values["title"], notation=values["notation"]
    )
    return _heading_response(user, list_id, heading_id)


@bp.delete("/casefiles/lists/<int:list_id>/headings/<int:heading_id>")
def delete_casefile_heading(list_id: int, heading_id: int):
    _check_id(heading_id)
    user, file_list = _editing(list_id)
    heading = db.session.get(FileHeading, heading_id)
    title = heading.title if heading is not None else ""
    list_headings.delete_heading(user, file_list.id, heading_id)  # not this list's: 404
    return jsonify({"id": heading_id, "message": f"Đã xóa đề mục «{title}» khỏi danh mục."})


def _planned_input(values: dict[str, Any]) -> list_files.PlannedFileInput:
    return list_files.PlannedFileInput(
        title=values["title"],
        heading_id=values["heading_id"],
        retention_code=values["retention"],
        keeper_id=values["keeper_id"],
        note=values["note"],
    )


def _renamed(exc: ValidationFailed) -> ValidationFailed:
    fields = {PLANNED_FILE_ERRORS.get(k, k): v for k, v in exc.field_errors.items()}
    return ValidationFailed(exc.message, field_errors=fields)


def _file_response(user: User, file_id: int, status: int = 200, location: str | None = None):
    case_file = get_file(user, file_id)
    rows = files.contents(case_file, user)
    body = shapes.file_detail_json(
        case_file, user, rows, queries.openable(user, rows), history("case_file", case_file.id)
    )
    return _respond(body, status, location)


@bp.post("/casefiles/lists/<int:list_id>/files")
def add_planned_casefile(list_id: int):
    user, file_list = _editing(list_id)
    if body_needs_json():
        return json_only()
    values = _body(parsing.PLANNED_FILE)
    try:
        case_file = list_files.add_planned_file(user, file_list.id, _planned_input(values))
    except ValidationFailed as exc:
        raise _renamed(exc) from exc
    location = url_for("api.get_casefile", file_id=case_file.id)
    return _file_response(user, case_file.id, 201, location)


@bp.put("/casefiles/lists/<int:list_id>/files/<int:file_id>")
def update_planned_casefile(list_id: int, file_id: int):
    """Every field replaced; another heading numbers the file anew there."""
    _check_id(file_id)
    user, file_list = _editing(list_id)
    if body_needs_json():
        return json_only()
    values = _body(parsing.PLANNED_FILE)
    try:
        list_files.update_planned_file(user, file_list.id, file_id, _planned_input(values))
    except ValidationFailed as exc:
        raise _renamed(exc) from exc
    return _file_response(user, file_id)


@bp.delete("/casefiles/lists/<int:list_id>/files/<int:file_id>")
def delete_planned_casefile(list_id: int, file_id: int):
    _check_id(file_id)
    user, file_list = _editing(list_id)
    planned = db.session.get(CaseFile, file_id)
    code = planned.code if planned is not None else ""
    list_files.delete_planned_file(user, file_list.id, file_id)  # not this list's: 404
    return jsonify({"id": file_id, "message": f"Đã xóa hồ sơ {code} khỏi danh mục."})


def _list_step_view(name: str):
    fields = parsing.LIST_STEPS[name]

    def take_step(list_id: int):
        _check_id(list_id)
        user = api_user()
        get_list(user, list_id)  # another office's list: 404 before anything
        if body_not_json():
            return json_only()
        values = _optional_body(fields)
        list_steps.STEPS[name](user, list_id, **values)
        return _list_response(user, list_id)

    transition = flow.FILE_LIST.transition(name)
    take_step.__doc__ = f"POST /casefiles/lists/<id>/steps/{name}: {transition.label}."
    return take_step


for _name in parsing.LIST_STEPS:
    bp.add_url_rule(
        f"/casefiles/lists/<int:list_id>/steps/{_name}",
        endpoint=f"casefile_list_step_{_name}",
        view_func=_list_step_view(_name),
        methods=["POST"],
    )


# Case files --------------------------------------------------------------------------------


@bp.get("/casefiles")
def list_casefiles():
    max_limit = current_app.config["API_PAGE_SIZE_MAX"]
    query = parsing.parse_file_query(
        request.args, default_limit=min(DEFAULT_LIMIT, max_limit), max_limit=max_limit
    )
    page = queries.file_page(api_user(), query)
    counts = file_queries.document_counts([f.id for f in page.items])
    return jsonify(
        {
            "items": [shapes.file_json(f, counts.get(f.id, 0)) for f in page.items],
            "limit": query.limit,
            "next_cursor": parsing.encode_file_cursor(page.next_key) if page.next_key else None,
        }
    )


def _file_input(values: dict[str, Any]) -> creating.FileInput:
    return creating.FileInput(
        title=values["title"] or "",
        notation=values.get("notation"),
        retention=values["retention"],
        keeper_id=values["keeper_id"],
        start_date=values.get("start_date"),
        note=values["note"],
        description=values["description"],
    )


@bp.post("/casefiles")
def create_casefile():
    """Lập hồ sơ ngoài danh mục: an open file, numbered at once."""
    if body_needs_json():
        return json_only()
    user = api_user()
    values = _body(parsing.NEW_FILE)
    case_file = creating.create_file(user, _file_input(values))
    location = url_for("api.get_casefile", file_id=case_file.id)
    return _file_response(user, case_file.id, 201, location)


@bp.get("/casefiles/<int:file_id>")
def get_casefile(file_id: int):
    _check_id(file_id)
    return _file_response(api_user(), file_id)


def _changing(file_id: int) -> tuple[User, CaseFile]:
    """The file (404 for another office's) and someone who may change it (403)."""
    _check_id(file_id)
    user = api_user()
    case_file = get_file(user, file_id)
    require_change(user, case_file)
    return user, case_file


@bp.put("/casefiles/<int:file_id>")
def update_casefile(file_id: int):
    """Every field replaced (title, retention, keeper, note, description); the code and
    the start are fixed once the file exists."""
    user, case_file = _changing(file_id)
    if body_needs_json():
        return json_only()
    values = _body(parsing.EDIT_FILE)
    creating.update_file(user, case_file.id, _file_input(values))
    return _file_response(user, file_id)


@bp.post("/casefiles/<int:file_id>/open")
def open_casefile(file_id: int):
    _check_id(file_id)
    user = api_user()
    get_file(user, file_id)
    if body_not_json():
        return json_only()
    _optional_body(())
    files.open_file(user, file_id)
    return _file_response(user, file_id)


@bp.post("/casefiles/<int:file_id>/documents")
def add_casefile_documents(file_id: int):
    """Filed, never copied: a document may be in several files; one already in this file
    stays where it is."""
    user, case_file = _changing(file_id)
    if body_needs_json():
        return json_only()
    values = _body(parsing.DOCUMENTS)
    added = files.add_documents(
        user,
        case_file.id,
        incoming_ids=values["incoming_ids"] or [],
        outgoing_ids=values["outgoing_ids"] or [],
        note=values["note"],
    )
    response = _file_response(user, file_id)
    message = (
        f"Đã đưa {len(added)} văn bản vào hồ sơ." if added else "Các văn bản đã có trong hồ sơ."
    )
    return _respond(
        {"added": [i.id for i in added], "message": message, "case_file": response.get_json()}
    )


@bp.delete("/casefiles/<int:file_id>/documents/<int:item_id>")
def remove_casefile_document(file_id: int, item_id: int):
    """Out of the file; the document itself is untouched."""
    _check_id(item_id)
    user, case_file = _changing(file_id)
    files.remove_item(user, case_file.id, item_id)
    return _file_response(user, file_id)


@bp.post("/casefiles/<int:file_id>/documents/<int:item_id>/move")
def move_casefile_document(file_id: int, item_id: int):
    _check_id(item_id)
    user, case_file = _changing(file_id)
    if body_needs_json():
        return json_only()
    position = parsing.position_from(_body(parsing.MOVE))
    files.move_item(user, case_file.id, item_id, position)
    return _file_response(user, file_id)


@bp.post("/casefiles/<int:file_id>/order-by-date")
def order_casefile(file_id: int):
    user, case_file = _changing(file_id)
    if body_not_json():
        return json_only()
    _optional_body(())
    files.order_chronologically(user, case_file.id)
    return _file_response(user, file_id)


@bp.post("/casefiles/<int:file_id>/close")
def close_casefile(file_id: int):
    _check_id(file_id)
    user = api_user()
    get_file(user, file_id)
    if body_not_json():
        return json_only()
    values = _optional_body(parsing.CLOSE)
    files.close_file(user, file_id, values["retention"], values["note"])
    return _file_response(user, file_id)


@bp.post("/casefiles/<int:file_id>/reopen")
def reopen_casefile(file_id: int):
    _check_id(file_id)
    user = api_user()
    get_file(user, file_id)
    if body_not_json():
        return json_only()
    values = _optional_body(parsing.REOPEN)
    files.reopen_file(user, file_id, values["reason"])
    return _file_response(user, file_id)


# The files a document is in ----------------------------------------------------------------


def _files_of(user: User, found: list[CaseFile]):
    counts = file_queries.document_counts([f.id for f in found])
    return jsonify({"items": [shapes.file_json(f, counts.get(f.id, 0)) for f in found]})


@bp.get("/incoming/<int:doc_id>/casefiles")
def incoming_casefiles(doc_id: int):
    _check_id(doc_id)
    user = api_user()
    doc = incoming_access.get_visible(user, doc_id)
    return _files_of(user, files.files_of_document(user, incoming_id=doc.id))


@bp.get("/outgoing/<int:doc_id>/casefiles")
def outgoing_casefiles(doc_id: int):
    _check_id(doc_id)
    user = api_user()
    doc = outgoing_access.get_visible(user, doc_id)
    return _files_of(user, files.files_of_document(user, outgoing_id=doc.id))


# Export ------------------------------------------------------------------------------------


def _export_of(user: User, export_id: int) -> tuple[ReportExport, CaseFile | None]:
    """The user's own export (anyone else's: 404); a case file's ZIP also needs the user
    to be allowed to export that file still (eoffice.casefiles.export)."""
    _check_id(export_id)
    export = report_exports.get_export(user, export_id)
    if export.kind == report_exports.KIND_CASEFILE_ZIP:
        return casefile_export.get_export(user, export_id)
    return export, None


@bp.post("/casefiles/<int:file_id>/export")
def export_casefile(file_id: int):
    """Xuất hồ sơ (ZIP), built in the background: 202 with where to follow it."""
    _check_id(file_id)
    user = api_user()
    get_file(user, file_id)
    if body_not_json():
        return json_only()
    _optional_body(())
    export = casefile_export.request_export(user, file_id)
    export, case_file = casefile_export.get_export(user, export.id)
    location = url_for("api.get_export", export_id=export.id)
    return _respond(shapes.export_json(export, case_file), 202, location)


@bp.get("/exports/<int:export_id>")
def get_export(export_id: int):
    export, case_file = _export_of(api_user(), export_id)
    return jsonify(shapes.export_json(export, case_file))


@bp.get("/exports/<int:export_id>/download")
def download_export(export_id: int):
    user = api_user()
    export, case_file = _export_of(user, export_id)
    if export.state != ExportState.DONE or export.stored_file is None:
        raise Conflict(MSG_NOT_READY)
    if case_file is not None:
        casefile_export.log_download(user, export, case_file)
    stored = export.stored_file
    return attachment_response(
        file_store().open(stored.sha256), export.filename, stored.mime_type, inline=False
    )


@bp.post("/exports/<int:export_id>/retry")
def retry_export_job(export_id: int):
    """Tạo lại tệp: an export that failed, or whose worker died, queued once more."""
    user = api_user()
    export, _case_file = _export_of(user, export_id)
    if body_not_json():
        return json_only()
    _optional_body(())
    kind = report_exports.KINDS.get(export.kind)
    report_exports.retry_export(user, export.id, pages=kind.pages if kind else None)
    export, case_file = _export_of(user, export_id)
    location = url_for("api.get_export", export_id=export.id)
    return _respond(shapes.export_json(export, case_file), 202, location)
