"""Sổ đăng ký văn bản đi: the page that picks the period, its PDF and its workbook.

Thin, like the incoming register's print routes it mirrors: the same period rules
(eoffice.incoming.queries.print_filters: this month by default, "from" not after "to"),
the same refusals and size caps, the same people. The confidential book is printed only
for those who may see it (eoffice.outgoing.register_queries).
"""

from __future__ import annotations

import io
from datetime import date

from flask import Blueprint, abort, render_template, request, send_file
from flask_login import current_user

from eoffice.core.errors import ValidationFailed
from eoffice.incoming.queries import print_filters
from eoffice.outgoing.models import OutgoingDocument
from eoffice.outgoing.register_queries import (
    can_print_register,
    issued_in_period,
    sees_confidential_book,
)
from eoffice.web.fields import VnDateField
from eoffice.web.forms import Form

bp = Blueprint("outgoing_register", __name__, url_prefix="/outgoing/register")

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class PeriodForm(Form):
    """GET period of the printed register; no CSRF (it changes nothing)."""

    class Meta:
        csrf = False

    date_from = VnDateField("Từ ngày")
    date_to = VnDateField("Đến ngày")


@bp.before_request
def _register_readers_only():
    """Login is checked app-wide first; then clerks, leaders, deputies and admins only."""
    if not can_print_register(current_user):
        abort(403)


def _period() -> tuple[date, date]:
    """The period to print, from the query string's dates, refused as the incoming one is."""
    form = PeriodForm(request.args)
    form.validate()
    for field in (form.date_from, form.date_to):
        if field.errors:
            message = f"{field.label.text}: {field.errors[0]}"
            raise ValidationFailed(message, field_errors={field.name: field.errors[0]})
    filters = print_filters(form.date_from.data, form.date_to.data)
    assert filters.date_from is not None and filters.date_to is not None
    return filters.date_from, filters.date_to


def _entries(start: date, end: date) -> list[OutgoingDocument]:
    return issued_in_period(
        current_user.org_id,
        start,
        end,
        include_confidential=sees_confidential_book(current_user),
    )


@bp.get("")
def page():
    """The period form (this month by default) and the two buttons."""
    form = PeriodForm(request.args)
    form.validate()
    if not request.args:
        filters = print_filters(None, None)
        form.date_from.data, form.date_to.data = filters.date_from, filters.date_to
    return render_template(
        "outgoing/register_print.html",
        form=form,
        with_confidential=sees_confidential_book(current_user),
    )


@bp.get("/print.pdf")
def print_pdf():
    """Rendered within the request and refused past its cap, like the Sổ theo dõi."""
    from eoffice.outgoing.outgoing_register import render_pdf

    start, end = _period()
    pdf = render_pdf(current_user.organisation, _entries(start, end), start, end)
    return send_file(
        io.BytesIO(pdf),
        mimetype="application/pdf",
        download_name=f"So-VB-di_{start:%Y%m%d}-{end:%Y%m%d}.pdf",
        as_attachment=request.args.get("download") == "1",
    )


@bp.get("/print.xlsx")
def print_xlsx():
    from eoffice.outgoing.outgoing_register import render_xlsx

    start, end = _period()
    data = render_xlsx(current_user.organisation, _entries(start, end), start, end)
    return send_file(
        io.BytesIO(data),
        mimetype=XLSX_MIME,
        download_name=f"So-VB-di_{start:%Y%m%d}-{end:%Y%m%d}.xlsx",
        as_attachment=True,
    )
