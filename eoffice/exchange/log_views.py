"""The packet log, and the queue of pending and failed packets (issue 5 §6).

Thin: parse the filters, ask eoffice.exchange.packet_log, render. Clerks and admins of
the organisation only (403 for anyone else); another organisation's packet is a 404.
"Gửi lại" calls the sender's own service (outbox or forwarding), which re-checks rights.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import SelectField, StringField
from wtforms.validators import Length, Optional, ValidationError

from eoffice.exchange import forwarding, outbox, packet_log
from eoffice.web.access import roles_required
from eoffice.web.fields import VnDateField
from eoffice.web.forms import Form

bp = Blueprint("exchange_log", __name__, url_prefix="/admin/exchange/packets")
clerks_and_admins = roles_required("clerk", "admin")


def _choices(labels: dict) -> list[tuple[str, str]]:
    return [("", "Tất cả"), *((str(k), v) for k, v in labels.items())]


class LogFilterForm(Form):
    """GET filters of the log; no CSRF (it changes nothing)."""

    class Meta:
        csrf = False

    direction = SelectField(
        "Chiều", choices=_choices(packet_log.DIRECTION_LABELS), validators=[Optional()]
    )
    kind = SelectField(
        "Loại gói tin", choices=_choices(packet_log.KIND_LABELS), validators=[Optional()]
    )
    state = SelectField(
        "Tình trạng", choices=_choices(packet_log.STATE_LABELS), validators=[Optional()]
    )
    counterpart = StringField(
        "Cơ quan (mã định danh hoặc tên)", validators=[Optional(), Length(max=300)]
    )
    date_from = VnDateField("Từ ngày")
    date_to = VnDateField("Đến ngày")

    def validate_date_to(self, field) -> None:
        start = self.date_from.data if not self.date_from.errors else None
        if start and field.data and field.data < start:
            raise ValidationError("“Đến ngày” không được trước “Từ ngày”.")

    def filters(self) -> packet_log.LogFilter:
        """What passed validation; a field in error filters nothing (its error shows)."""

        def ok(name: str):
            item = self[name]
            return None if item.errors or not item.data else item.data

        return packet_log.LogFilter(
            direction=ok("direction"),
            kind=ok("kind"),
            state=ok("state"),
            counterpart=(ok("counterpart") or "").strip() or None,
            date_from=ok("date_from"),
            date_to=ok("date_to"),
        )


@bp.get("/")
@clerks_and_admins
def index():
    form = LogFilterForm(request.args)
    form.validate()
    entries, next_cursor = packet_log.log_page(
        current_user, form.filters(), request.args.get("cursor")
    )
    args = {k: v for k, v in request.args.items() if k != "cursor" and v}
    return render_template(
        "exchange/log.html",
        form=form,
        entries=entries,
        next_cursor=next_cursor,
        first_page=not request.args.get("cursor"),
        args=args,
        status_labels=_status_labels(),
    )


@bp.get("/queue")
@clerks_and_admins
def queue():
    return render_template("exchange/log_queue.html", entries=packet_log.queue(current_user))


@bp.get("/<int:packet_id>")
@clerks_and_admins
def packet(packet_id: int):
    return _detail_page(packet_log.packet_detail(current_user, packet_id))


@bp.get("/deliveries/<int:delivery_id>")
@clerks_and_admins
def delivery(delivery_id: int):
    return _detail_page(packet_log.delivery_detail(current_user, delivery_id))


def _detail_page(detail: packet_log.Detail) -> str:
    """A packet and a forwarded delivery share one page: their XML and what happened."""
    return render_template(
        "exchange/log_detail.html", detail=detail, status_labels=_status_labels()
    )


@bp.post("/<int:packet_id>/send-again")
@clerks_and_admins
def send_packet_again(packet_id: int):
    outbox.send_again(current_user, packet_id)
    flash("Đã xếp lại gói tin vào hàng đợi gửi qua trục liên thông.", "success")
    return redirect(_back())


@bp.post("/deliveries/<int:delivery_id>/send-again")
@clerks_and_admins
def send_delivery_again(delivery_id: int):
    forwarding.send_again(current_user, delivery_id)
    flash("Đã xếp lại văn bản vào hàng đợi gửi qua trục liên thông.", "success")
    return redirect(_back())


def _back() -> str:
    """Back to the queue, or to the page the form was on if it is one of ours."""
    target = request.form.get("next", "")
    if target.startswith(bp.url_prefix + "/") and "//" not in target:
        return target
    return url_for("exchange_log.queue")


def _status_labels() -> dict[str, str]:
    from eoffice.outgoing.models import DELIVERY_STATUS_LABELS

    return {str(k): v for k, v in DELIVERY_STATUS_LABELS.items()}
