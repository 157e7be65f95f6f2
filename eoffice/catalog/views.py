"""Admin pages of the catalogue. Thin: parse, call a service, render.

Every page needs the admin role. Document types and levels are shared by the whole
deployment: school admins see them, only the district admin changes them (the reason
is in catalog.services). Register books are per organisation. The holiday calendar
is shared the same way (catalog.calendar); the workflow page only shows the rules.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from eoffice.catalog import calendar, services
from eoffice.catalog.forms import (
    BookForm,
    BookRenameForm,
    DocumentTypeForm,
    HolidayForm,
    LevelForm,
    NationalHolidaysForm,
)
from eoffice.core.errors import ServiceError
from eoffice.core.limits import MAX_YEAR, MIN_YEAR
from eoffice.core.timeutil import local_today
from eoffice.web.access import roles_required
from eoffice.web.forms import show_refusal
from eoffice.web.http import int_arg

bp = Blueprint("catalog", __name__, url_prefix="/admin/catalog")
admin_only = roles_required("admin")

LEVEL_TITLES = {"urgency": "Độ khẩn", "confidentiality": "Độ mật"}


def _require_editor() -> None:
    if not services.can_edit_catalogue(current_user):
        abort(403)


# --- Document types ---------------------------------------------------------------------


@bp.get("/types")
@admin_only
def document_types():
    return render_template(
        "catalog/document_types.html",
        types=services.document_types(),
        can_edit=services.can_edit_catalogue(current_user),
    )


def _render_type_form(form: DocumentTypeForm, doc_type=None, status: int = 200):
    return render_template("catalog/document_type_form.html", form=form, doc_type=doc_type), status


@bp.route("/types/new", methods=["GET", "POST"])
@admin_only
def new_document_type():
    _require_editor()
    form = DocumentTypeForm()
    if request.method == "GET":
        return _render_type_form(form)
    if not form.validate_on_submit():
        return _render_type_form(form, status=422)
    try:
        doc_type = services.create_document_type(current_user, form.to_data())
    except ServiceError as exc:
        show_refusal(form, exc)
        return _render_type_form(form, status=422)
    flash(f"Đã thêm loại văn bản “{doc_type.name}”.", "success")
    return redirect(url_for("catalog.document_types"))


@bp.route("/types/<int:type_id>/edit", methods=["GET", "POST"])
@admin_only
def edit_document_type(type_id: int):
    _require_editor()
    doc_type = services.get_document_type(type_id)
    form = DocumentTypeForm(obj=doc_type if request.method == "GET" else None)
    if request.method == "GET":
        return _render_type_form(form, doc_type)
    if not form.validate_on_submit():
        return _render_type_form(form, doc_type, 422)
    try:
        services.update_document_type(current_user, doc_type.id, form.to_data())
    except ServiceError as exc:
        show_refusal(form, exc)
        return _render_type_form(form, doc_type, 422)
    flash(f"Đã lưu loại văn bản “{doc_type.name}”.", "success")
    return redirect(url_for("catalog.document_types"))


@bp.post("/types/<int:type_id>/deactivate")
@admin_only
def deactivate_document_type(type_id: int):
    doc_type = services.set_document_type_active(current_user, type_id, False)
    flash(
        f"Đã ngừng dùng “{doc_type.name}”: không còn trong danh sách khi vào sổ; "
        "văn bản cũ vẫn giữ tên loại này.",
        "success",
    )
    return redirect(url_for("catalog.document_types"))


@bp.post("/types/<int:type_id>/reactivate")
@admin_only
def reactivate_document_type(type_id: int):
    doc_type = services.set_document_type_active(current_user, type_id, True)
    flash(f"Đã dùng lại loại văn bản “{doc_type.name}”.", "success")
    return redirect(url_for("catalog.document_types"))


# --- Levels -----------------------------------------------------------------------------


def _level_forms(posted: tuple[str, str] | None = None) -> dict[tuple[str, str], LevelForm]:
    """One small form per level; the posted one is read from the request, the others not."""
    forms = {}
    for kind in services.LEVEL_MODELS:
        for level in services.levels(kind):
            key = (kind, level.code)
            prefix = f"{kind}-{level.code}"
            if key == posted:
                forms[key] = LevelForm(prefix=prefix)
            else:
                forms[key] = LevelForm(formdata=None, prefix=prefix, obj=level)
    return forms


def _render_levels(forms, status: int = 200):
    return render_template(
        "catalog/levels.html",
        groups=[(kind, LEVEL_TITLES[kind], services.levels(kind)) for kind in LEVEL_TITLES],
        forms=forms,
        can_edit=services.can_edit_catalogue(current_user),
    ), status


@bp.get("/levels")
@admin_only
def levels():
    return _render_levels(_level_forms())


@bp.post("/levels/<kind>/<code>")
@admin_only
def rename_level(kind: str, code: str):
    _require_editor()
    level = services.get_level(kind, code)
    forms = _level_forms((kind, level.code))
    form = forms[(kind, level.code)]
    if not form.validate_on_submit():
        return _render_levels(forms, 422)
    try:
        services.rename_level(current_user, kind, level.code, form.name.data)
    except ServiceError as exc:
        show_refusal(form, exc)
        return _render_levels(forms, 422)
    flash(f"Đã đổi tên hiển thị thành “{level.name}”.", "success")
    return redirect(url_for("catalog.levels"))


# --- Register books ---------------------------------------------------------------------


@bp.get("/books")
@admin_only
def books():
    current_year = local_today().year
    year = int_arg("year", current_year, min=MIN_YEAR, max=MAX_YEAR)
    return render_template(
        "catalog/books.html",
        year=year,
        current_year=current_year,
        years=services.book_years(current_user),
        books=services.books_of_year(current_user, year),
        default_codes=services.DEFAULT_BOOK_CODES,
    )


def _render_book_form(form, book=None, status: int = 200):
    return render_template(
        "catalog/book_form.html", form=form, book=book, year=local_today().year
    ), status


@bp.route("/books/new", methods=["GET", "POST"])
@admin_only
def new_book():
    form = BookForm()
    if request.method == "GET":
        return _render_book_form(form)
    if not form.validate_on_submit():
        return _render_book_form(form, status=422)
    try:
        book = services.create_book(
            current_user, form.code.data, form.name.data, bool(form.is_confidential.data)
        )
    except ServiceError as exc:
        show_refusal(form, exc)
        return _render_book_form(form, status=422)
    flash(f"Đã mở sổ “{book.name}” năm {book.year}.", "success")
    return redirect(url_for("catalog.books", year=book.year))


@bp.route("/books/<int:book_id>/edit", methods=["GET", "POST"])
@admin_only
def edit_book(book_id: int):
    book = services.get_book(current_user, book_id)
    form = BookRenameForm(obj=book if request.method == "GET" else None)
    if request.method == "GET":
        return _render_book_form(form, book)
    if not form.validate_on_submit():
        return _render_book_form(form, book, 422)
    try:
        services.rename_book(current_user, book.id, form.name.data)
    except ServiceError as exc:
        show_refusal(form, exc)
        return _render_book_form(form, book, 422)
    flash("Đã đổi tên sổ.", "success")
    return redirect(url_for("catalog.books", year=book.year))


@bp.post("/books/<int:book_id>/deactivate")
@admin_only
def deactivate_book(book_id: int):
    book = services.get_book(current_user, book_id)
    try:
        services.set_book_active(current_user, book.id, False)
    except ServiceError as exc:
        flash(exc.message, "danger")
    else:
        flash(f"Đã khóa sổ “{book.name}”; các số đã cấp vẫn được giữ.", "success")
    return redirect(url_for("catalog.books", year=book.year))


@bp.post("/books/<int:book_id>/reactivate")
@admin_only
def reactivate_book(book_id: int):
    book = services.set_book_active(current_user, book_id, True)
    flash(f"Đã mở lại sổ “{book.name}”.", "success")
    return redirect(url_for("catalog.books", year=book.year))


# --- Holidays ---------------------------------------------------------------------------


def _render_holidays(year: int, form=None, national=None, status: int = 200):
    can_edit = calendar.can_edit_holidays(current_user)
    years = sorted({*calendar.years_with_days(), local_today().year, year})
    return render_template(
        "catalog/holidays.html",
        year=year,
        years=years,
        days=calendar.days_of_year(year),
        kind_labels=calendar.KIND_LABELS,
        can_edit=can_edit,
        form=form or HolidayForm(formdata=None),
        national=national or NationalHolidaysForm(formdata=None, year=year),
    ), status


@bp.get("/holidays")
@admin_only
def holidays():
    year = int_arg("year", local_today().year, min=MIN_YEAR, max=MAX_YEAR)
    return _render_holidays(year)


@bp.post("/holidays")
@admin_only
def add_holiday():
    if not calendar.can_edit_holidays(current_user):
        abort(403)
    form = HolidayForm()
    year = form.day.data.year if form.day.data else local_today().year
    if not form.validate_on_submit():
        return _render_holidays(year, form=form, status=422)
    try:
        day = calendar.add_day(current_user, form.to_data())
    except ServiceError as exc:
        show_refusal(form, exc)
        return _render_holidays(year, form=form, status=422)
    label = calendar.KIND_LABELS[day.kind].lower()
    flash(f"Đã thêm {label} {day.day.strftime('%d/%m/%Y')}: “{day.name}”.", "success")
    return redirect(url_for("catalog.holidays", year=day.day.year))


@bp.post("/holidays/<int:holiday_id>/delete")
@admin_only
def delete_holiday(holiday_id: int):
    if not calendar.can_edit_holidays(current_user):
        abort(403)
    day = calendar.delete_day(current_user, holiday_id)
    flash(f"Đã xóa ngày {day.day.strftime('%d/%m/%Y')} “{day.name}” khỏi lịch.", "success")
    return redirect(url_for("catalog.holidays", year=day.day.year))


@bp.post("/holidays/national")
@admin_only
def add_national_holidays():
    if not calendar.can_edit_holidays(current_user):
        abort(403)
    national = NationalHolidaysForm()
    year = national.year.data or local_today().year
    if not national.validate_on_submit():
        return _render_holidays(year, national=national, status=422)
    try:
        result = calendar.add_national_holidays(current_user, year, national.adjacent.data)
    except ServiceError as exc:
        show_refusal(national, exc)
        return _render_holidays(year, national=national, status=422)
    message = f"Đã thêm {len(result.added)} ngày nghỉ lễ năm {year}."
    if result.skipped:
        listed = ", ".join(d.strftime("%d/%m/%Y") for d in result.skipped)
        message += f" Đã có sẵn, giữ nguyên: {listed}."
    flash(message, "success")
    return redirect(url_for("catalog.holidays", year=year))


# --- Workflows --------------------------------------------------------------------------


@bp.get("/workflows")
@admin_only
def workflows():
    return render_template("catalog/workflows.html", overviews=services.workflow_overviews())
