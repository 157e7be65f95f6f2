"""Pages of the district's side of directives: the list of documents with requests, the
tracking board of one document (filters, sorting, reminders, extensions, returns,
exports) and the leader's roll-up.

Thin: parse, call eoffice.directives.board / tracking / exports / rollup, render. The
small forms of the board (extend, return, remind) post back and redirect to the board
with the same filters (post/redirect/get). A refused extension or return re-renders the
board with its dialog open, the reason and what was typed kept, because the officer
wrote that text and should not have to write it again. 403/404 refusals fall through to
the application's error pages.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from eoffice.core.errors import ServiceError
from eoffice.core.text import clean
from eoffice.directives import board as board_queries
from eoffice.directives import exports, rollup, tracking
from eoffice.directives.board import (
    ANSWER_FILTERS,
    ANSWER_STATUS_COLOURS,
    ANSWER_STATUS_LABELS,
    DELIVERY_FILTERS,
    SORTS,
    BoardFilters,
)
from eoffice.directives.task_views import answer_file_response
from eoffice.orgs.models import OrgKind
from eoffice.reports import charts
from eoffice.web.fields import parse_vn_date
from eoffice.web.http import attachment_response, int_arg

bp = Blueprint("directive_board", __name__, url_prefix="/directives")

FILTER_KEYS = ("status", "answer", "request", "level", "ward", "q", "sort", "desc")


def _district_only() -> None:
    if current_user.organisation.kind != OrgKind.DISTRICT_OFFICE:
        abort(403)


def _filters(args: Mapping[str, str]) -> BoardFilters:
    """The board's filters from the query string, or from a board form that carried them."""
    status = args.get("status") or None
    answer = args.get("answer") or None
    sort = args.get("sort") or "name"
    level = args.get("level") or None
    request_id = int_arg("request", 0, min=1, source=args) or None
    return BoardFilters(
        status=status if status in DELIVERY_FILTERS else None,
        answer=answer if answer in ANSWER_FILTERS else None,
        request_id=request_id,
        level=level if level in {k.value for k in board_queries.SCHOOL_KINDS} else None,
        ward=clean(args.get("ward"))[:80] or None,
        text=clean(args.get("q"))[:200] or None,
        sort=sort if sort in SORTS else "name",
        descending=args.get("desc") == "1",
    )


def _kept_args(source: Any) -> dict[str, str]:
    """The board's filters, carried from a form back to the board's address."""
    return {k: source.get(k) for k in FILTER_KEYS if source.get(k)}


def _back(doc_id: int) -> Response:
    return redirect(url_for(".board", doc_id=doc_id, **_kept_args(request.form)))


@bp.get("/")
def index():
    _district_only()
    return render_template(
        "directives/board_index.html",
        documents=board_queries.followed_documents(current_user),
        can_rollup=rollup.may_see_rollup(current_user),
    )


def _render_board(doc_id: int, filters_from: Mapping[str, str], reopen: dict | None = None):
    data = board_queries.build_board(current_user, doc_id, _filters(filters_from))
    if reopen is not None:
        reopen["title"] = _reopen_title(data, reopen)
    page = render_template(
        "directives/board.html",
        board=data,
        answers_chart=charts.answers_chart(charts.answer_figures(data)),
        delivery_filters=DELIVERY_FILTERS,
        answer_filters=ANSWER_FILTERS,
        sorts=SORTS,
        status_labels=ANSWER_STATUS_LABELS,
        status_colours=ANSWER_STATUS_COLOURS,
        kept=_kept_args(filters_from),
        reopen=reopen,
    )
    return page if reopen is None else (page, 422)


def _reopen_title(data: board_queries.Board, reopen: dict) -> str:
    """The dialog's title as the button that opened it wrote it (which school, or all)."""
    if reopen["modal"] == "extend":
        school_id = reopen.get("school_id")
        if school_id is None:
            return "Gia hạn cho tất cả các trường"
        names = [r.name for r in data.rows if r.org_id == school_id]
        return f"Gia hạn: {names[0]}" if names else "Gia hạn"
    task_id = reopen.get("task_id")
    names = [r.name for r in data.rows for c in r.cells if c and c.task_id == task_id]
    return f"Trả lại: {names[0]}" if names else "Trả lại"


def _refused(exc: ServiceError) -> None:
    """Let 403/404 reach the application's error pages; other refusals are shown in place."""
    if exc.status_code in (403, 404):
        raise exc


@bp.get("/<int:doc_id>")
def board(doc_id: int):
    _district_only()
    return _render_board(doc_id, request.args)


@bp.post("/<int:doc_id>/remind")
def remind(doc_id: int):
    _district_only()
    request_id = _form_id("request_id")
    school_ids = [int(v) for v in request.form.getlist("school_id") if v.isdigit()]
    try:
        count = tracking.remind(
            current_user, doc_id, request_id=request_id, school_ids=school_ids or None
        )
    except ServiceError as exc:
        _refused(exc)
        flash(exc.message, "danger")
    else:
        flash(f"Đã nhắc {count} trường chưa trả lời.", "success")
    return _back(doc_id)


def _form_id(name: str) -> int | None:
    return int_arg(name, 0, min=1, source=request.form) or None


@bp.post("/<int:doc_id>/extend")
def extend(doc_id: int):
    _district_only()
    request_id = _form_id("request_id")
    if request_id is None:
        abort(404)
    school_id = _form_id("school_id")
    raw = clean(request.form.get("deadline"))
    reason = request.form.get("reason")
    reopen = {
        "modal": "extend",
        "request_id": request_id,
        "school_id": school_id,
        "deadline": raw[:20],
        "reason": clean(reason)[:1000],
    }
    try:
        deadline = parse_vn_date(raw) if raw else None
    except ValueError:
        reopen["error"] = "Hạn mới không đúng dạng ngày/tháng/năm (dd/mm/yyyy)."
        return _render_board(doc_id, request.form, reopen)
    try:
        moved = tracking.extend_deadline(
            current_user, doc_id, request_id, deadline, reason, school_id=school_id
        )
    except ServiceError as exc:
        _refused(exc)
        reopen["error"] = exc.message
        return _render_board(doc_id, request.form, reopen)
    flash(f"Đã gia hạn cho {len(moved)} trường.", "success")
    return _back(doc_id)


@bp.post("/<int:doc_id>/tasks/<int:task_id>/return")
def return_answer(doc_id: int, task_id: int):
    _district_only()
    comment = request.form.get("comment")
    try:
        tracking.return_answer(current_user, doc_id, task_id, comment)
    except ServiceError as exc:
        _refused(exc)
        reopen = {
            "modal": "return",
            "task_id": task_id,
            "action": url_for(".return_answer", doc_id=doc_id, task_id=task_id),
            "comment": clean(comment)[:1000],
            "error": exc.message,
        }
        return _render_board(doc_id, request.form, reopen)
    flash("Đã trả lại câu trả lời để trường bổ sung.", "success")
    return _back(doc_id)


@bp.get("/<int:doc_id>/board.xlsx")
def board_xlsx(doc_id: int):
    _district_only()
    data = board_queries.build_board(current_user, doc_id, _filters(request.args))
    return attachment_response(
        io.BytesIO(exports.board_xlsx(data)),
        exports.board_xlsx_name(data.doc),
        exports.XLSX_MIME,
        inline=False,
    )


@bp.get("/<int:doc_id>/tasks/<int:task_id>/file")
def answer_file(doc_id: int, task_id: int):
    """One school's answer file, from its cell on the board."""
    _district_only()
    return answer_file_response(board_queries.followed_task(current_user, doc_id, task_id))


@bp.get("/<int:doc_id>/answers.zip")
def answers_zip(doc_id: int):
    _district_only()
    doc = board_queries.followed_document(current_user, doc_id)
    try:
        archive = exports.answers_zip(doc, len(board_queries.requests_of(doc.id)))
    except ServiceError as exc:
        _refused(exc)
        flash(exc.message, "danger")
        return redirect(url_for(".board", doc_id=doc_id))
    return attachment_response(
        archive, exports.answers_zip_name(doc), "application/zip", inline=False
    )


@bp.get("/rollup")
def rollup_page():
    _district_only()
    data = rollup.build_rollup(current_user)
    return render_template(
        "directives/rollup.html", rollup=data, rollup_chart=charts.rollup_chart(data)
    )


@bp.app_context_processor
def _board_helpers() -> dict[str, Any]:
    """`directive_has_requests(doc_id)` for the outgoing document page's link to the board
    (one small query, only where the template asks)."""
    return {"directive_has_requests": board_queries.has_requests}
