"""The search page: one box over incoming and outgoing documents, filters, highlighted
results in keyset pages, and the user's saved searches.

Thin: the form reads the query string (search.forms), the engine finds the hits the
user may see (search.engine), results.rows shapes them, saved.* keeps saved searches.
No count is shown: counting every match of a common word over a million documents
would cost more than the page itself.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from eoffice.core.errors import ServiceError
from eoffice.search import engine, results, saved
from eoffice.search.forms import PARAM_KEYS, SaveSearchForm, SearchForm, page_args

bp = Blueprint("search", __name__, url_prefix="/search")

MSG_CURSOR = (
    "Liên kết trang kết quả không còn hợp lệ (có thể đã bị sửa hoặc cắt ngắn). "
    "Đã quay về trang đầu của tìm kiếm này."
)
MSG_FIX_FILTERS = "Vui lòng sửa các ô báo lỗi rồi tìm lại."


def _render(form: SearchForm, save_form: SaveSearchForm, *, status: int = 200):
    valid = form.validate()
    params = form.params() if valid else {}
    page = rows = None
    cursor_error = False
    if valid and params:
        cursor = request.args.get("cursor") or None
        try:
            page = engine.search(current_user, form.query(), cursor=cursor)
        except ValueError:
            cursor_error = True
            page = engine.search(current_user, form.query())
        rows = results.rows(page)
    mine = saved.saved_searches(current_user)
    return render_template(
        "search/index.html",
        form=form,
        save_form=save_form,
        page=page,
        rows=rows,
        params=params,
        args=page_args(params),
        has_errors=bool(form.errors),
        fix_filters=MSG_FIX_FILTERS,
        cursor_error=MSG_CURSOR if cursor_error else None,
        saved_searches=[(s, page_args(s.params)) for s in mine],
        max_saved=saved.MAX_PER_USER,
    ), status


@bp.get("")
def index():
    return _render(SearchForm(current_user, formdata=request.args), SaveSearchForm(formdata=None))


def _posted_params() -> dict[str, str]:
    """The search a POST carries in its hidden fields (known keys only)."""
    return {key: request.form[key] for key in PARAM_KEYS if request.form.get(key)}


def _back(params: dict[str, str]):
    return redirect(url_for("search.index", **page_args(params)))


@bp.post("/saved")
def save():
    params = _posted_params()
    save_form = SaveSearchForm()
    form = SearchForm(current_user, formdata=MultiDict(params))
    if save_form.validate_on_submit():
        try:
            found = saved.save(current_user, save_form.name.data, params)
        except ServiceError as exc:
            if "name" in exc.field_errors:
                save_form.name.errors = [exc.field_errors["name"]]
            else:
                flash(exc.message, "danger")
        else:
            flash(f"Đã lưu tìm kiếm «{found.name}».", "success")
            return redirect(url_for("search.index", **page_args(found.params)))
    return _render(form, save_form, status=422)


@bp.post("/saved/<int:saved_id>/rename")
def rename(saved_id: int):
    form = SaveSearchForm()
    if form.validate_on_submit():
        try:
            found = saved.rename(current_user, saved_id, form.name.data)
        except ServiceError as exc:
            if exc.status_code == 404:
                raise
            flash(exc.field_errors.get("name", exc.message), "danger")
        else:
            flash(f"Đã đổi tên thành «{found.name}».", "success")
    return _back(_posted_params())


@bp.post("/saved/<int:saved_id>/delete")
def delete(saved_id: int):
    if SaveSearchForm().validate_on_submit():  # CSRF only: the form has nothing required
        name = saved.delete(current_user, saved_id)
        flash(f"Đã xóa tìm kiếm «{name}».", "success")
    return _back(_posted_params())
