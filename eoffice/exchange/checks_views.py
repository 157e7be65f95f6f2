"""Pages of the check times: the clerk's bar ("Kiểm tra ngay", "Đã kiểm tra"), the
compliance board with its chart and printable PDF, and the admin's settings.

Thin: parse, call eoffice.exchange.checks, render. Refusals (a staff member on the
board, a school looking at another school, a confirmation outside any slot) are the
service's, in Vietnamese, and reach the user through the app's ServiceError handler.
"""

from __future__ import annotations

import io

from flask import Blueprint, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from wtforms import IntegerField, SelectMultipleField, StringField
from wtforms.validators import Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from eoffice.core.errors import ServiceError
from eoffice.exchange import checks
from eoffice.exchange.checks_models import TRIGGER_LABELS, CheckTrigger
from eoffice.reports import charts
from eoffice.web.access import roles_required
from eoffice.web.forms import Form, show_refusal
from workflows.checktimes import CHECK_STATE_LABELS, CheckState

bp = Blueprint("exchange_checks", __name__, url_prefix="/exchange/checks")
admin_only = roles_required("admin")
clerk_only = roles_required("clerk")

# The board's cells, its SVG chart (PDF) and its Chart.js chart share the charts' fills.
STATE_COLOURS = {
    CheckState.ON_TIME: charts.FILLS["success"],
    CheckState.LATE: charts.FILLS["orange"],
    CheckState.MISSED: charts.FILLS["danger"],
    CheckState.UPCOMING: "#e9ecef",
    CheckState.PENDING: charts.FILLS["info"],
}
STATE_SHORT = {
    CheckState.ON_TIME: "Đ",
    CheckState.LATE: "T",
    CheckState.MISSED: "K",
    CheckState.UPCOMING: "·",
    CheckState.PENDING: "?",
}


@bp.app_template_global("check_bar")
def check_bar_global():
    """For `templates/exchange/_check_bar.html`: whoever includes it passes nothing."""
    return checks.check_bar(current_user)


def _back() -> str:
    """Where to return after a button on the bar: the page it was on, never elsewhere."""
    target = request.form.get("next") or ""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("main.home")


@bp.post("/now")
@clerk_only
def check_now():
    result = checks.check_now(current_user)
    flash(result.message, "danger" if result.counts.error else "success")
    return redirect(_back())


@bp.post("/confirm")
@clerk_only
def confirm():
    try:
        done = checks.confirm(current_user)
    except ServiceError as exc:
        flash(exc.message, "warning")
        return redirect(_back())
    if done.new:
        flash(
            f"Đã xác nhận kiểm tra văn bản lượt {done.slot.label}: {done.state.label}.", "success"
        )
    else:
        flash(f"Lượt {done.slot.label} đã được xác nhận trước đó.", "info")
    return redirect(_back())


def _month():
    return checks.parse_month(request.args.get("month"))


def _board_context(month):
    board = checks.compliance(current_user, month)
    return {
        "board": board,
        "chart": checks.chart_rows(board),  # the PDF's SVG (WeasyPrint runs no script)
        "labels": CHECK_STATE_LABELS,
        "colours": STATE_COLOURS,
        "short": STATE_SHORT,
        "states": list(CheckState),
        "decided_states": [CheckState.ON_TIME, CheckState.LATE, CheckState.MISSED],
    }


@bp.get("/")
def board():
    try:
        month = _month()
    except ServiceError as exc:
        flash(exc.message, "warning")
        return redirect(url_for("exchange_checks.board"))
    context = _board_context(month)
    spec = charts.checks_chart(charts.check_figures(context["board"]))
    return render_template("exchange/checks_board.html", checks_chart=spec, **context)


@bp.get("/board.pdf")
def board_pdf():
    from eoffice.reports.pdf import render_pdf_template

    month = _month()
    context = _board_context(month)
    pdf = render_pdf_template("exchange/checks_board_pdf.html", [PDF_CSS], **context)
    return send_file(
        io.BytesIO(pdf),
        mimetype="application/pdf",
        download_name=f"Theo-doi-gio-kiem-tra_{month:%Y-%m}.pdf",
        as_attachment=request.args.get("download") == "1",
    )


@bp.get("/org/<int:org_id>")
def detail(org_id: int):
    month = _month()
    row = checks.org_detail(current_user, org_id, month)
    return render_template(
        "exchange/checks_detail.html",
        row=row,
        month=month,
        manual=checks.manual_runs(current_user, org_id, month),
        colours=STATE_COLOURS,
        trigger_labels=TRIGGER_LABELS,
        manual_trigger=CheckTrigger.MANUAL,
    )


# --- Settings --------------------------------------------------------------------------


class SettingsForm(Form):
    """Shapes only; every rule (times, gaps, ranges) is the service's, in Vietnamese."""

    check_times = StringField("Giờ kiểm tra trong ngày", validators=[Length(max=200)])
    weekdays = SelectMultipleField(
        "Ngày làm việc trong tuần",
        coerce=int,
        choices=list(enumerate(checks.WEEKDAY_LABELS)),
        option_widget=CheckboxInput(),
        widget=ListWidget(prefix_label=False),
    )
    window_minutes = IntegerField("Thời hạn xác nhận đúng giờ (phút)", validators=[Optional()])
    reminder_minutes = IntegerField("Nhắc văn thư trước (phút)", validators=[Optional()])

    def to_input(self) -> checks.SettingsInput:
        return checks.SettingsInput(
            check_times=self.check_times.data or "",
            weekdays=list(self.weekdays.data or []),
            window_minutes=self.window_minutes.data,
            reminder_minutes=self.reminder_minutes.data,
        )


def _settings_form(view: checks.SettingsView) -> SettingsForm:
    config = view.config
    return SettingsForm(
        formdata=None,
        data={
            "check_times": config.times_text,
            "weekdays": sorted(config.weekdays),
            "window_minutes": config.window_minutes,
            "reminder_minutes": config.reminder_minutes,
        },
    )


def _render_settings(form: SettingsForm, status: int = 200):
    return render_template(
        "exchange/checks_settings.html", view=checks.settings_of(current_user), form=form
    ), status


@bp.get("/settings")
@admin_only
def settings_page():
    return _render_settings(_settings_form(checks.settings_of(current_user)))


@bp.post("/settings")
@admin_only
def settings_save():
    form = SettingsForm()
    if not form.validate_on_submit():
        return _render_settings(form, 422)
    try:
        checks.save_settings(current_user, form.to_input())
    except ServiceError as exc:
        show_refusal(form, exc)
        return _render_settings(form, 422)
    flash("Đã lưu giờ kiểm tra văn bản.", "success")
    return redirect(url_for("exchange_checks.settings_page"))


@bp.post("/settings/reset")
@admin_only
def settings_reset():
    checks.reset_settings(current_user)
    flash("Đã bỏ thiết lập riêng; cơ quan dùng lại giờ kiểm tra chung.", "success")
    return redirect(url_for("exchange_checks.settings_page"))


PDF_CSS = """
@page { size: A4 landscape; margin: 12mm 10mm 12mm 10mm;
  @bottom-right { content: "Trang " counter(page) "/" counter(pages); font-size: 9pt; } }
html { font-size: 10pt; }
h1 { font-size: 14pt; text-align: center; margin: 0 0 2mm; }
.sub { text-align: center; margin: 0 0 4mm; }
table { border-collapse: collapse; width: 100%; margin-bottom: 5mm; }
th, td { border: 0.5pt solid #000; padding: 1pt 2pt; text-align: center; }
td.name, th.name { text-align: left; }
.grid td { font-size: 7pt; padding: 0; }
.grid th { font-size: 7pt; padding: 0; }
.on_time { background: #b7e4c7; } .late { background: #ffd8a8; }
.missed { background: #f5b7b1; } .pending { background: #bde9f3; } .upcoming { background: #fff; }
.legend span { display: inline-block; padding: 0 3pt; margin-right: 4pt; border: 0.5pt solid #000; }
"""
