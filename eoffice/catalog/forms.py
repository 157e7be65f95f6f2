"""Admin forms of the catalogue: document types, level names, register books, holidays."""

from __future__ import annotations

from wtforms import BooleanField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from eoffice.catalog.calendar import KIND_LABELS, HolidayData
from eoffice.catalog.models import HolidayKind
from eoffice.catalog.services import DocumentTypeData
from eoffice.web.fields import VnDateField
from eoffice.web.forms import Form


def _max(n: int) -> Length:
    return Length(max=n, message=f"Tối đa {n} ký tự.")


class WholeNumberField(IntegerField):
    """IntegerField whose parse error is in Vietnamese (WTForms has no Vietnamese locale)."""

    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        try:
            self.data = int(valuelist[0])
        except ValueError as exc:
            self.data = None
            raise ValueError("Vui lòng nhập một số nguyên.") from exc


class DocumentTypeForm(Form):
    name = StringField(
        "Tên loại văn bản",
        validators=[DataRequired("Vui lòng nhập tên loại văn bản."), _max(100)],
    )
    abbreviation = StringField("Chữ viết tắt", validators=[Optional(), _max(10)])
    sort_order = WholeNumberField("Thứ tự hiển thị", validators=[Optional()])

    def to_data(self) -> DocumentTypeData:
        return DocumentTypeData(
            name=self.name.data or "",
            abbreviation=self.abbreviation.data,
            sort_order=self.sort_order.data,
        )


class LevelForm(Form):
    name = StringField(
        "Tên hiển thị", validators=[DataRequired("Vui lòng nhập tên hiển thị."), _max(50)]
    )


class BookForm(Form):
    code = StringField("Mã sổ", validators=[DataRequired("Vui lòng nhập mã sổ."), _max(30)])
    name = StringField("Tên sổ", validators=[DataRequired("Vui lòng nhập tên sổ."), _max(150)])
    is_confidential = BooleanField("Sổ văn bản mật")


class BookRenameForm(Form):
    name = StringField("Tên sổ", validators=[DataRequired("Vui lòng nhập tên sổ."), _max(150)])


class HolidayForm(Form):
    day = VnDateField("Ngày", validators=[DataRequired("Vui lòng nhập ngày.")])
    name = StringField(
        "Tên ngày nghỉ / lý do làm bù",
        validators=[DataRequired("Vui lòng nhập tên ngày nghỉ hoặc lý do làm bù."), _max(150)],
    )
    kind = SelectField(
        "Loại ngày",
        choices=list(KIND_LABELS.items()),
        default=HolidayKind.HOLIDAY,
        validate_choice=False,  # the service refuses an unknown kind, in Vietnamese
    )

    def to_data(self) -> HolidayData:
        return HolidayData(day=self.day.data, name=self.name.data or "", kind=self.kind.data)


NATIONAL_DAY_CHOICES = [
    ("before", "Nghỉ thêm ngày 1/9 (trước Quốc khánh)"),
    ("after", "Nghỉ thêm ngày 3/9 (sau Quốc khánh)"),
]


class NationalHolidaysForm(Form):
    year = WholeNumberField("Năm", validators=[DataRequired("Vui lòng nhập năm.")])
    adjacent = SelectField(
        "Ngày nghỉ liền kề Quốc khánh 2/9",
        choices=[("", "— Chọn theo thông báo của Chính phủ —"), *NATIONAL_DAY_CHOICES],
        validate_choice=False,
    )
