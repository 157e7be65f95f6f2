"""Forms of the office archive's pages: hand-over, keeping back, and the steps of a
disposal. The files chosen travel as `file_id` check boxes, read by the views."""

from __future__ import annotations

from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from eoffice.web.fields import VnDateField
from eoffice.web.forms import Form, optional_int

TEXT_MAX = 1000


def _max(n: int = TEXT_MAX) -> Length:
    return Length(max=n, message=f"Tối đa {n} ký tự.")


class HandoverForm(Form):
    delivered_by = SelectField(
        "Người giao (bên giao)",
        coerce=optional_int,
        validators=[DataRequired("Chọn người giao hồ sơ.")],
    )
    received_by = SelectField(
        "Người nhận (lưu trữ cơ quan)",
        coerce=optional_int,
        validators=[DataRequired("Chọn người nhận của lưu trữ cơ quan.")],
    )
    handed_on = VnDateField("Ngày giao nhận", validators=[Optional()])
    note = TextAreaField("Ghi chú", validators=[Optional(), _max()])


class KeepBackForm(Form):
    until = VnDateField(
        "Giữ lại đến ngày", validators=[DataRequired("Nhập ngày giữ lại đến (dd/mm/yyyy).")]
    )
    reason = TextAreaField(
        "Lý do giữ lại", validators=[DataRequired("Nhập lý do giữ lại."), _max()]
    )


class ProposeForm(Form):
    reason = TextAreaField(
        "Lý do đề nghị tiêu hủy",
        validators=[DataRequired("Nhập lý do đề nghị tiêu hủy."), _max()],
        default="Hồ sơ, tài liệu đã hết thời hạn bảo quản.",
    )


class ApproveForm(Form):
    decision = StringField(
        "Số, ngày quyết định tiêu hủy",
        validators=[DataRequired("Nhập số, ngày quyết định tiêu hủy."), _max()],
    )


class RefuseForm(Form):
    reason = TextAreaField(
        "Lý do không phê duyệt",
        validators=[DataRequired("Nhập lý do không phê duyệt."), _max()],
    )


class ExecuteForm(Form):
    witnesses = TextAreaField(
        "Người chứng kiến (mỗi người một dòng: họ tên, chức vụ)",
        validators=[DataRequired("Nhập người chứng kiến."), _max()],
    )
