"""Forms of the incoming register: intake, correction, cancellation, filters."""

from __future__ import annotations

from sqlalchemy import select
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    MultipleFileField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from eoffice.catalog.models import ConfidentialityLevel, DocumentType, UrgencyLevel
from eoffice.catalog.numbering import books_for
from eoffice.core.timeutil import local_today
from eoffice.extensions import db
from eoffice.incoming.models import SOURCE_LABELS, STATE_LABELS
from eoffice.incoming.services import IncomingInput
from eoffice.orgs.models import Unit, User
from eoffice.web.forms import Form

REQUIRED = "Bắt buộc nhập."


def _optional_int(value):
    if value in (None, "", "0", 0):
        return None
    return int(value)


class IncomingForm(Form):
    arrived_at = DateTimeLocalField(
        "Ngày giờ đến", format="%Y-%m-%dT%H:%M", validators=[Optional()]
    )
    book_code = SelectField("Sổ đăng ký", validators=[Optional()])
    sender_name = StringField(
        "Cơ quan, tổ chức gửi", validators=[DataRequired(REQUIRED), Length(max=200)]
    )
    sender_agency_code = StringField("Mã định danh cơ quan gửi", validators=[Optional()])
    symbol = StringField("Số, ký hiệu văn bản", validators=[Optional(), Length(max=45)])
    document_date = DateField("Ngày văn bản", validators=[Optional()])
    document_type_id = SelectField("Tên loại văn bản", coerce=_optional_int)
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
    recipient_unit_id = SelectField("Đơn vị nhận", coerce=_optional_int)
    recipient_user_id = SelectField("Người nhận", coerce=_optional_int)
    deadline = DateField("Hạn xử lý", validators=[Optional()])
    notes = TextAreaField("Ghi chú", validators=[Optional(), Length(max=2000)])
    files = MultipleFileField("Tệp văn bản (PDF, DOCX, DOC, XLSX, JPG, PNG)")
    confirm_duplicate = BooleanField("Tôi đã kiểm tra, vẫn vào sổ văn bản này")

    def __init__(self, org_id: int, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.document_type_id.choices = [(0, "— Chọn tên loại —")] + [
            (t.id, t.name)
            for t in db.session.scalars(
                select(DocumentType)
                .where(DocumentType.is_active.is_(True))
                .order_by(DocumentType.sort_order, DocumentType.name)
            )
        ]
        self.urgency_code.choices = _level_choices(UrgencyLevel)
        self.confidentiality_code.choices = _level_choices(ConfidentialityLevel)
        self.book_code.choices = [
            (b.code, b.name)
            for b in books_for(org_id, "incoming", local_today().year)
            if not b.is_confidential
        ]
        self.recipient_unit_id.choices = [(0, "— Không chọn —")] + [
            (u.id, u.name)
            for u in db.session.scalars(
                select(Unit)
                .where(Unit.org_id == org_id, Unit.is_active.is_(True))
                .order_by(Unit.name)
            )
        ]
        self.recipient_user_id.choices = [(0, "— Không chọn —")] + [
            (u.id, f"{u.full_name}" + (f" ({u.title})" if u.title else ""))
            for u in db.session.scalars(
                select(User)
                .where(User.org_id == org_id, User.is_active_account.is_(True))
                .order_by(User.full_name)
            )
        ]

    def to_input(self) -> IncomingInput:
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
            book_code=self.book_code.data or "general",
        )


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
    date_from = DateField("Từ ngày", validators=[Optional()])
    date_to = DateField("Đến ngày", validators=[Optional()])
    sender = StringField("Cơ quan gửi", validators=[Optional()])
    document_type_id = SelectField("Tên loại", coerce=_optional_int, validators=[Optional()])
    urgency_code = SelectField("Độ khẩn", validators=[Optional()])
    state = SelectField(
        "Trạng thái",
        choices=[("", "Tất cả")] + [(k.value, v) for k, v in STATE_LABELS.items()],
        validators=[Optional()],
    )
    urgent_only = HiddenField()
    overdue = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.document_type_id.choices = [(0, "Tất cả")] + [
            (t.id, t.name)
            for t in db.session.scalars(
                select(DocumentType).order_by(DocumentType.sort_order, DocumentType.name)
            )
        ]
        self.urgency_code.choices = [("", "Tất cả"), *_level_choices(UrgencyLevel)]
