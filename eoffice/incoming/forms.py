"""Forms of the incoming register: intake, correction, cancellation, filters."""

from __future__ import annotations

from sqlalchemy import or_, select
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    MultipleFileField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from eoffice.catalog.models import ConfidentialityLevel, DocumentType, UrgencyLevel
from eoffice.core.timeutil import local_today
from eoffice.extensions import db
from eoffice.incoming.books import book_options
from eoffice.incoming.models import SOURCE_LABELS, STATE_LABELS, IncomingDocument
from eoffice.incoming.queries import DUE_CHOICES, WAITING_CHOICES, RegisterFilters
from eoffice.incoming.validation import IncomingInput
from eoffice.orgs.models import Unit, User
from eoffice.web.fields import VnDateField, VnDateTimeField
from eoffice.web.forms import Form, optional_int

REQUIRED = "Bắt buộc nhập."
RETIRED = " (đã ngừng sử dụng)"


class IncomingForm(Form):
    arrived_at = VnDateTimeField("Ngày giờ đến")
    book_code = SelectField("Sổ đăng ký", validators=[Optional()])
    sender_name = StringField(
        "Cơ quan, tổ chức gửi",
        validators=[DataRequired(REQUIRED), Length(max=200)],
        # The list of known senders; app.js fills in the agency code of a known one.
        render_kw={
            "list": "senders",
            "autocomplete": "off",
            "data-code-field": "sender_agency_code",
        },
    )
    sender_agency_code = StringField("Mã định danh cơ quan gửi", validators=[Optional()])
    symbol = StringField("Số, ký hiệu văn bản", validators=[Optional(), Length(max=45)])
    document_date = VnDateField("Ngày văn bản")
    document_type_id = SelectField(
        "Tên loại văn bản",
        coerce=optional_int,
        validators=[DataRequired("Vui lòng chọn tên loại văn bản.")],
    )
    subject = TextAreaField(
        "Trích yếu nội dung", validators=[DataRequired(REQUIRED), Length(max=500)]
    )
    signer_name = StringField("Người ký", validators=[Optional(), Length(max=100)])
    signer_position = StringField("Chức vụ người ký", validators=[Optional(), Length(max=100)])
    page_count = IntegerField(
        "Số trang",
        validators=[Optional(), NumberRange(1, 10000, "Số trang phải từ 1 đến 10.000.")],
    )
    urgency_code = SelectField("Độ khẩn")
    confidentiality_code = SelectField("Độ mật")
    source = SelectField("Hình thức nhận", choices=[(k.value, v) for k, v in SOURCE_LABELS.items()])
    recipient_unit_id = SelectField("Đơn vị nhận", coerce=optional_int)
    recipient_user_id = SelectField("Người nhận", coerce=optional_int)
    deadline = VnDateField("Hạn xử lý")
    notes = TextAreaField("Ghi chú", validators=[Optional(), Length(max=2000)])
    files = MultipleFileField("Tệp văn bản (PDF, DOCX, DOC, XLSX, JPG, PNG)")
    confirm_duplicate = BooleanField("Tôi đã kiểm tra, vẫn vào sổ văn bản này")

    def __init__(self, org_id: int, *args, current: IncomingDocument | None = None, **kwargs):
        """`current` is the document being corrected: its type and recipients stay
        selectable even if they have since been deactivated. Reads only."""
        super().__init__(*args, **kwargs)
        self.document_type_id.choices = [(0, "— Chọn tên loại —"), *_type_choices(current)]
        self.urgency_code.choices = _level_choices(UrgencyLevel)
        self.confidentiality_code.choices = _level_choices(ConfidentialityLevel)
        self.recipient_unit_id.choices = [(0, "— Không chọn —"), *_unit_choices(org_id, current)]
        self.recipient_user_id.choices = [(0, "— Không chọn —"), *_user_choices(org_id, current)]
        if current is not None:
            del self.book_code  # a correction never moves an entry to another book
        else:
            self.book_code.choices = [
                (o.code, o.name) for o in book_options(org_id, local_today().year) if o.is_active
            ]

    def to_input(self) -> IncomingInput:
        book = getattr(self, "book_code", None)
        return IncomingInput(
            sender_name=self.sender_name.data or "",
            sender_agency_code=self.sender_agency_code.data or None,
            symbol=self.symbol.data or "",
            document_date=self.document_date.data,
            document_type_id=self.document_type_id.data,
            subject=self.subject.data or "",
            signer_name=self.signer_name.data,
            signer_position=self.signer_position.data,
            page_count=self.page_count.data,
            urgency_code=self.urgency_code.data,
            confidentiality_code=self.confidentiality_code.data,
            source=self.source.data,
            recipient_unit_id=self.recipient_unit_id.data,
            recipient_user_id=self.recipient_user_id.data,
            deadline=self.deadline.data,
            notes=self.notes.data,
            arrived_at=self.arrived_at.data,
            book_code=(book.data if book is not None else None) or "general",
        )


def _type_choices(current: IncomingDocument | None) -> list[tuple[int, str]]:
    kept = DocumentType.id == current.document_type_id if current else False
    rows = db.session.scalars(
        select(DocumentType)
        .where(or_(DocumentType.is_active.is_(True), kept))
        .order_by(DocumentType.sort_order, DocumentType.name)
    )
    return [(t.id, t.name + ("" if t.is_active else RETIRED)) for t in rows]


def _unit_choices(org_id: int, current: IncomingDocument | None) -> list[tuple[int, str]]:
    kept = Unit.id == current.recipient_unit_id if current and current.recipient_unit_id else False
    rows = db.session.scalars(
        select(Unit)
        .where(Unit.org_id == org_id, or_(Unit.is_active.is_(True), kept))
        .order_by(Unit.name)
    )
    return [(u.id, u.name + ("" if u.is_active else RETIRED)) for u in rows]


def _user_choices(org_id: int, current: IncomingDocument | None) -> list[tuple[int, str]]:
    kept = User.id == current.recipient_user_id if current and current.recipient_user_id else False
    rows = db.session.scalars(
        select(User)
        .where(User.org_id == org_id, or_(User.is_active_account.is_(True), kept))
        .order_by(User.full_name)
    )
    return [
        (
            u.id,
            u.full_name
            + (f" ({u.title})" if u.title else "")
            + ("" if u.is_active_account else " (đã khóa tài khoản)"),
        )
        for u in rows
    ]


def _level_choices(model) -> list[tuple[str, str]]:
    return [
        (level.code, level.name)
        for level in db.session.scalars(
            select(model).where(model.is_active.is_(True)).order_by(model.rank)
        )
    ]


class CancelForm(Form):
    reason = TextAreaField(
        "Lý do hủy", validators=[DataRequired("Vui lòng ghi lý do hủy."), Length(min=5, max=500)]
    )


class RegisterFilterForm(Form):
    """GET filters of the register list; no CSRF (it changes nothing)."""

    class Meta:
        csrf = False

    q = StringField("Tìm kiếm", validators=[Optional()])
    date_from = VnDateField("Từ ngày")
    date_to = VnDateField("Đến ngày")
    sender = StringField("Cơ quan gửi", validators=[Optional()])
    document_type_id = SelectField("Tên loại", coerce=optional_int, validators=[Optional()])
    urgency_code = SelectField("Độ khẩn", validators=[Optional()])
    state = SelectField(
        "Trạng thái",
        choices=[("", "Tất cả")] + [(k.value, v) for k, v in STATE_LABELS.items()],
        validators=[Optional()],
    )
    urgent_only = HiddenField()
    overdue = HiddenField()
    # Set by the home page's cards; kept through the filter form as hidden fields.
    waiting = HiddenField()
    mine = HiddenField()
    due = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.document_type_id.choices = [(0, "Tất cả")] + [
            (t.id, t.name)
            for t in db.session.scalars(
                select(DocumentType).order_by(DocumentType.sort_order, DocumentType.name)
            )
        ]
        self.urgency_code.choices = [("", "Tất cả"), *_level_choices(UrgencyLevel)]

    def validate_date_to(self, field) -> None:
        start = self.date_from.data if not self.date_from.errors else None
        if start and field.data and field.data < start:
            raise ValidationError("“Đến ngày” không được trước “Từ ngày”.")

    def filters(self) -> RegisterFilters:
        """The filters to apply: a field that failed validation shows its error on the
        page and filters nothing (never a crash, never a silently wrong list)."""

        def value(name: str):
            field = self[name]
            return None if field.errors else field.data

        return RegisterFilters(
            date_from=value("date_from"),
            date_to=value("date_to"),
            sender=value("sender") or None,
            document_type_id=value("document_type_id"),
            urgency_code=value("urgency_code") or None,
            urgent_only=bool(value("urgent_only")),
            overdue=bool(value("overdue")),
            state=value("state") or None,
            text=value("q") or None,
            waiting=value("waiting") if value("waiting") in WAITING_CHOICES else None,
            mine=bool(value("mine")),
            due=value("due") if value("due") in DUE_CHOICES else None,
        )
