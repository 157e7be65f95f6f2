"""Forms of the case file pages.

Field names are the services' field names (`title`, `retention`, `keeper_id`,
`case_file_id`…), so a service's `field_errors` land on the right field. Lengths are
checked here for a quick answer and again by the services, which hold the rules.
"""

from __future__ import annotations

from wtforms import (
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from eoffice.casefiles import creating
from eoffice.casefiles.files import retention_choices
from eoffice.casefiles.models import CaseFile
from eoffice.orgs.models import User
from eoffice.web.fields import VnDateField
from eoffice.web.forms import Form, optional_int


def _retention_options(include: str | None = None) -> list[tuple[str, str]]:
    return [("", "— Chọn thời hạn bảo quản —")] + [
        (r.code, r.label) for r in retention_choices(include=include)
    ]


def _person(user: User) -> str:
    return f"{user.full_name}{f' – {user.title}' if user.title else ''}"


class FileForm(Form):
    """Lập hồ sơ ngoài danh mục (all fields) and Sửa hồ sơ (without code and start)."""

    title = TextAreaField(
        "Tiêu đề hồ sơ",
        validators=[
            DataRequired(creating.MSG_TITLE),
            Length(max=creating.MAX_TITLE, message=f"Tối đa {creating.MAX_TITLE} ký tự."),
        ],
    )
    notation = StringField(
        "Ký hiệu hồ sơ",
        validators=[
            DataRequired(creating.MSG_NOTATION),
            Length(max=creating.MAX_NOTATION, message=f"Tối đa {creating.MAX_NOTATION} ký tự."),
        ],
    )
    retention = SelectField(
        "Thời hạn bảo quản",
        validators=[DataRequired("Vui lòng chọn thời hạn bảo quản.")],
    )
    keeper_id = SelectField("Người lập hồ sơ", coerce=optional_int, validators=[Optional()])
    start_date = VnDateField("Thời gian bắt đầu", validators=[Optional()])
    note = TextAreaField(
        "Ghi chú",
        validators=[Optional(), Length(max=creating.MAX_NOTE, message="Tối đa 500 ký tự.")],
    )
    description = TextAreaField(
        "Mô tả",
        validators=[
            Optional(),
            Length(max=creating.MAX_DESCRIPTION, message="Tối đa 500 ký tự."),
        ],
    )

    def __init__(self, actor: User, case_file: CaseFile | None = None, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.retention.choices = _retention_options(
            case_file.retention_code if case_file is not None else None
        )
        keepers = creating.keeper_choices(actor, case_file.keeper_id if case_file else None)
        self.keeper_id.choices = [(u.id, _person(u)) for u in keepers]
        if case_file is not None:  # the code and the start are fixed once the file exists
            del self.notation
            del self.start_date

    def to_input(self) -> creating.FileInput:
        return creating.FileInput(
            title=self.title.data or "",
            notation=self.notation.data if "notation" in self else None,
            retention=self.retention.data or None,
            keeper_id=self.keeper_id.data,
            start_date=self.start_date.data if "start_date" in self else None,
            note=self.note.data,
            description=self.description.data,
        )


class ButtonForm(Form):
    """A button that posts and changes something (open, order, remove): CSRF only."""


class AddDocumentsForm(Form):
    """The documents ticked in the search results of the file page."""

    incoming_ids = SelectMultipleField("Văn bản đến", coerce=int, validate_choice=False)
    outgoing_ids = SelectMultipleField("Văn bản đi", coerce=int, validate_choice=False)
    q = HiddenField()  # the search, to come back to it after adding


class MoveForm(Form):
    position = IntegerField("Vị trí mới", validators=[InputRequired("Vui lòng nhập vị trí mới.")])


class CloseForm(Form):
    retention = SelectField(
        "Thời hạn bảo quản",
        validators=[DataRequired("Vui lòng chọn thời hạn bảo quản.")],
    )
    note = TextAreaField("Ghi chú", validators=[Optional(), Length(max=1000)])

    def __init__(self, case_file: CaseFile, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.retention.choices = _retention_options(case_file.retention_code)
        if not self.is_submitted():
            self.retention.data = case_file.retention_code


class ReopenForm(Form):
    reason = TextAreaField(
        "Lý do mở lại",
        validators=[DataRequired("Vui lòng ghi lý do mở lại."), Length(max=1000)],
    )


class FileIntoForm(Form):
    """ "Lưu vào hồ sơ" on an outgoing document's page: one file of the office."""

    case_file_id = SelectField(
        "Hồ sơ", coerce=optional_int, validators=[Optional()], validate_choice=False
    )
