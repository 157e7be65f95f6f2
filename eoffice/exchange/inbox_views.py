"""The clerk's exchange inbox: documents awaiting registration, recall requests.

Views only parse and show: who may do what and every rule is eoffice.exchange.inbox's.
A refusal with a form (a reason too short, a locked book) re-renders the detail page
with the message in place (422); a step already done (Conflict) is flashed.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any, TypeVar

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from wtforms import SelectField, TextAreaField
from wtforms.validators import DataRequired, Length

from eoffice.core.errors import ValidationFailed
from eoffice.core.pagination import BAD_CURSOR, COUNT_CAP, CappedCount
from eoffice.core.timeutil import format_date, local_today
from eoffice.exchange import inbox
from eoffice.exchange.models import PacketState
from eoffice.exchange.receiving import is_recall
from eoffice.incoming.books import book_options
from eoffice.orgs.models import Role
from eoffice.web.forms import Form, show_refusal
from eoffice.web.http import attachment_response

T = TypeVar("T")

bp = Blueprint("exchange_inbox", __name__, url_prefix="/exchange/inbox")

PDF = "application/pdf"
STATE_LABELS = {
    PacketState.AWAITING: "Chờ xử lý",
    PacketState.REGISTERED: "Đã vào sổ",
    PacketState.REJECTED: "Đã từ chối tiếp nhận",
    PacketState.WITHDRAWN: "Đã thu hồi",
    PacketState.ACCEPTED: "Đã đồng ý thu hồi",
    PacketState.REFUSED: "Đã từ chối thu hồi",
}
BUSINESS_LABELS = {0: "Văn bản mới", 1: "Thu hồi", 2: "Cập nhật", 3: "Thay thế"}


def _reason(label: str) -> TextAreaField:
    return TextAreaField(
        label, validators=[DataRequired(f"Vui lòng ghi {label.lower()}."), Length(max=1000)]
    )


class RegisterForm(Form):
    book_code = SelectField("Sổ đăng ký")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.book_code.choices = [
            (o.code, o.name)
            for o in book_options(current_user.org_id, local_today().year)
            if o.is_active and not o.is_confidential
        ]


class RejectForm(Form):
    reason = _reason("Lý do từ chối")


class AcceptRecallForm(Form):
    """Nothing to type: accepting withdraws the recalled document."""


class RefuseRecallForm(Form):
    reason = _reason("Lý do từ chối thu hồi")


def _reader() -> None:
    if not current_user.has_role(*inbox.READERS):
        abort(403)


@bp.app_template_global()
def exchange_inbox_count() -> CappedCount:
    """How many items wait in the user's exchange inbox (for a badge or a link), capped:
    show it with the `capped` filter."""
    if not current_user.is_authenticated:
        return CappedCount(0, COUNT_CAP)
    return inbox.awaiting_count(current_user)


@bp.get("/")
def index():
    """Văn bản chờ vào sổ từ trục liên thông (keyset pages, newest first), and above them
    the recall requests awaiting an answer (the longest waiting first)."""
    _reader()
    page = inbox.awaiting_page(
        current_user, request.args.get("cursor"), current_app.config["PAGE_SIZE"], recalls=False
    )
    if page.refused:
        flash(BAD_CURSOR, "warning")
    recalls, recall_count = inbox.recall_requests(current_user)
    return render_template(
        "exchange/inbox.html",
        page=page,
        recalls=recalls,
        recall_count=recall_count,
        business_labels=BUSINESS_LABELS,
    )


def _render_detail(packet_id: int, *, forms: dict | None = None, status: int = 200):
    row = inbox.get(current_user, packet_id)
    recall = is_recall(row)
    forms = forms or {}
    attachments = inbox.files(current_user, packet_id)
    pdf = next((a for a in attachments if a.mime == PDF or a.name.lower().endswith(".pdf")), None)
    return render_template(
        "exchange/inbox_detail.html",
        row=row,
        recall=recall,
        packet=inbox.document_of(row),
        attachments=attachments,
        first_pdf=pdf,
        can_register=current_user.has_role(Role.CLERK) and not recall,
        awaiting=row.state == PacketState.AWAITING,
        state_label=STATE_LABELS.get(row.state, row.state),
        state_labels=STATE_LABELS,
        business_labels=BUSINESS_LABELS,
        register_form=forms.get("register") or RegisterForm(),
        reject_form=forms.get("reject") or RejectForm(prefix="reject"),
        accept_form=AcceptRecallForm(),
        refuse_form=forms.get("refuse") or RefuseRecallForm(prefix="refuse"),
        open_form=next(iter(forms), None),
    ), status


@bp.get("/<int:packet_id>")
def detail(packet_id: int):
    return _render_detail(packet_id)


@bp.get("/<int:packet_id>/files/<content_id>")
def download(packet_id: int, content_id: str):
    """An attachment as it arrived (inline for a PDF, to read before registering)."""
    attachment = inbox.file(current_user, packet_id, content_id)
    inline = attachment.mime == PDF
    return attachment_response(
        io.BytesIO(attachment.data), attachment.name, attachment.mime, inline=inline
    )


def _submit(packet_id: int, key: str, form: Form, step: Callable[[], T]) -> tuple[T | None, Any]:
    """Run a step posted with a form: (its result, None), or (None, the detail page again
    with the form open and its message in place, 422) when the form or the service
    refuses. One place for the three answers that take a form."""
    if not form.validate_on_submit():
        return None, _render_detail(packet_id, forms={key: form}, status=422)
    try:
        return step(), None
    except ValidationFailed as exc:
        show_refusal(form, exc)
        return None, _render_detail(packet_id, forms={key: form}, status=422)


@bp.post("/<int:packet_id>/register")
def register(packet_id: int):
    _reader()
    form = RegisterForm()
    incoming, refused = _submit(
        packet_id,
        "register",
        form,
        lambda: inbox.register(current_user, packet_id, form.book_code.data),
    )
    if refused is not None:
        return refused
    flash(
        f"Đã vào sổ: số đến {incoming.arrival_number}, ngày {format_date(incoming.arrived_at)}; "
        "đã báo «Đã tiếp nhận» về nơi gửi.",
        "success",
    )
    return redirect(url_for("incoming.detail", doc_id=incoming.id))


@bp.post("/<int:packet_id>/reject")
def reject(packet_id: int):
    _reader()
    form = RejectForm(prefix="reject")
    row, refused = _submit(
        packet_id, "reject", form, lambda: inbox.reject(current_user, packet_id, form.reason.data)
    )
    if refused is not None:
        return refused
    flash(
        f"Đã từ chối tiếp nhận văn bản {row.symbol or ''} của {row.counterpart_name}; "
        "lý do đã được gửi về nơi gửi qua trục liên thông.",
        "success",
    )
    return redirect(url_for("exchange_inbox.index"))


@bp.post("/<int:packet_id>/recall/accept")
def accept_recall(packet_id: int):
    _reader()
    form = AcceptRecallForm()
    if not form.validate_on_submit():
        flash("Biểu mẫu không hợp lệ, vui lòng tải lại trang và thử lại.", "danger")
        return redirect(url_for("exchange_inbox.detail", packet_id=packet_id))
    row = inbox.accept_recall(current_user, packet_id)
    flash(
        f"Đã đồng ý thu hồi văn bản {row.symbol or ''}: văn bản đã được rút khỏi hệ thống "
        "và nơi gửi đã được báo.",
        "success",
    )
    return redirect(url_for("exchange_inbox.index"))


@bp.post("/<int:packet_id>/recall/refuse")
def refuse_recall(packet_id: int):
    _reader()
    form = RefuseRecallForm(prefix="refuse")
    row, refused = _submit(
        packet_id,
        "refuse",
        form,
        lambda: inbox.refuse_recall(current_user, packet_id, form.reason.data),
    )
    if refused is not None:
        return refused
    flash(
        f"Đã từ chối thu hồi văn bản {row.symbol or ''}; lý do đã được gửi về nơi gửi.",
        "success",
    )
    return redirect(url_for("exchange_inbox.index"))
