"""Forms of the file-list pages. Each keeps what the person typed; the rules themselves
(required fields, abbreviations, who may do what) are the list services' (list_headings,
list_files, list_steps), whose refusals the views put back on these fields."""

from __future__ import annotations

from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, NumberRange, Optional

from eoffice.casefiles import list_common, list_files, retention
from eoffice.web.forms import Form, optional_int
from workflows import archive


class NewListForm(Form):
    year = IntegerField("Năm của danh mục")
    numbering = SelectField(
        "Cách đánh số hồ sơ",
        choices=[(code, archive.NUMBERING_LABELS[code]) for code in archive.NUMBERING_MODES],
        default=archive.ACROSS_LIST,
    )
    copy_from_previous = BooleanField("Sao chép từ danh mục năm trước")


class LargeHeadingForm(Form):
    """Prefix "large": the page holds both heading forms."""

    title = StringField("Tên đề mục lớn", validators=[Length(max=list_common.MAX_HEADING_TITLE)])
    notation = StringField("Ký hiệu đề mục", validators=[Length(max=list_common.MAX_NOTATION)])


class SmallHeadingForm(Form):
    """Prefix "small"."""

    parent_id = SelectField(
        "Thuộc đề mục lớn", coerce=optional_int, choices=[], validate_choice=False
    )
    title = StringField("Tên đề mục nhỏ", validators=[Length(max=list_common.MAX_HEADING_TITLE)])


class HeadingEditForm(Form):
    title = StringField("Tên đề mục", validators=[Length(max=list_common.MAX_HEADING_TITLE)])
    notation = StringField("Ký hiệu đề mục", validators=[Length(max=list_common.MAX_NOTATION)])


class PlannedFileForm(Form):
    title = TextAreaField("Tiêu đề hồ sơ", validators=[Length(max=list_common.MAX_FILE_TITLE)])
    heading_id = SelectField("Đề mục", coerce=optional_int, choices=[], validate_choice=False)
    retention_code = SelectField("Thời hạn bảo quản", choices=[], validate_choice=False)
    keeper_id = SelectField(
        "Người lập hồ sơ", coerce=optional_int, choices=[], validate_choice=False
    )
    note = StringField("Ghi chú", validators=[Optional(), Length(max=list_common.MAX_NOTE)])

    def to_input(self) -> list_files.PlannedFileInput:
        return list_files.PlannedFileInput(
            title=self.title.data,
            heading_id=self.heading_id.data,
            retention_code=self.retention_code.data or None,
            keeper_id=self.keeper_id.data,
            note=self.note.data,
        )


class SubmitForm(Form):
    note = TextAreaField("Ghi chú", validators=[Optional(), Length(max=list_common.MAX_REASON)])


class ApproveForm(Form):
    decision_ref = StringField(
        "Văn bản phê duyệt", validators=[Optional(), Length(max=list_common.MAX_DECISION_REF)]
    )
    note = TextAreaField("Ý kiến", validators=[Optional(), Length(max=list_common.MAX_REASON)])


class ReasonForm(Form):
    reason = TextAreaField("Lý do", validators=[Length(max=list_common.MAX_REASON)])


class LockForm(Form):
    pass


class RetentionLevelForm(Form):
    permanent = BooleanField("Vĩnh viễn")
    years = IntegerField(
        "Số năm bảo quản",
        validators=[Optional(), NumberRange(min=1, max=retention.MAX_YEARS)],
    )
    label = StringField("Tên mức", validators=[Optional(), Length(max=retention.MAX_LABEL)])
    code = StringField("Mã", validators=[Optional(), Length(max=retention.MAX_CODE)])
