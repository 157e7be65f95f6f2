"""The base form of every page, with WTForms' built-in messages in Vietnamese.

WTForms ships no Vietnamese catalogue, so its own messages ("Not a valid integer value.")
would reach users in English. `VietnameseTranslations` maps each of them; every form
in eoffice derives from `Form`, which also keeps out what no database column can hold
(numbers past 32 bits, years outside 1900–2100, control characters), whatever package
the form belongs to.
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import Any

from flask import flash, request
from flask_wtf import FlaskForm
from wtforms import Field, FileField, PasswordField

from eoffice.core.errors import ServiceError
from eoffice.core.limits import MSG_INT_RANGE, MSG_YEAR_RANGE, int_in_range, year_in_range
from eoffice.core.text import strip_controls

log = logging.getLogger(__name__)

MESSAGES = {
    "Invalid field name '%s'.": "Tên trường '%s' không hợp lệ.",
    "Field must be equal to %(other_name)s.": "Giá trị phải trùng với %(other_name)s.",
    "Field must be between %(min)d and %(max)d characters long.": (
        "Độ dài phải từ %(min)d đến %(max)d ký tự."
    ),
    "Number must be at least %(min)s.": "Số phải lớn hơn hoặc bằng %(min)s.",
    "Number must be at most %(max)s.": "Số phải nhỏ hơn hoặc bằng %(max)s.",
    "Number must be between %(min)s and %(max)s.": "Số phải từ %(min)s đến %(max)s.",
    "Date must be at least %(min)s.": "Ngày phải từ %(min)s trở đi.",
    "Date must be at most %(max)s.": "Ngày không được sau %(max)s.",
    "Date must be between %(min)s and %(max)s.": "Ngày phải trong khoảng %(min)s – %(max)s.",
    "This field is required.": "Bắt buộc nhập.",
    "Invalid input.": "Giá trị không hợp lệ.",
    "Invalid email address.": "Địa chỉ thư điện tử không hợp lệ.",
    "Invalid URL.": "Địa chỉ web không hợp lệ.",
    "Invalid value, must be one of: %(values)s.": "Giá trị phải là một trong: %(values)s.",
    "Invalid value, can't be any of: %(values)s.": "Giá trị không được là: %(values)s.",
    "This field cannot be edited.": "Không được sửa trường này.",
    "This field is disabled and cannot have a value.": "Trường này bị khóa, không nhận giá trị.",
    "Invalid CSRF Token.": "Mã bảo vệ biểu mẫu không hợp lệ, vui lòng tải lại trang.",
    "CSRF token missing.": "Thiếu mã bảo vệ biểu mẫu, vui lòng tải lại trang.",
    "CSRF failed.": "Kiểm tra bảo vệ biểu mẫu thất bại, vui lòng tải lại trang.",
    "CSRF token expired.": "Mã bảo vệ biểu mẫu đã hết hạn, vui lòng tải lại trang.",
    "Invalid Choice: could not coerce.": "Lựa chọn không hợp lệ.",
    "Choices cannot be None.": "Chưa có danh sách lựa chọn.",
    "Not a valid choice.": "Lựa chọn không hợp lệ.",
    "Invalid choice(s): one or more data inputs could not be coerced.": (
        "Có lựa chọn không hợp lệ."
    ),
    "Not a valid datetime value.": "Ngày giờ không hợp lệ.",
    "Not a valid date value.": "Ngày không hợp lệ (dạng ngày/tháng/năm).",
    "Not a valid time value.": "Giờ không hợp lệ.",
    "Not a valid week value.": "Tuần không hợp lệ.",
    "Not a valid integer value.": "Phải là số nguyên.",
    "Not a valid decimal value.": "Phải là số.",
    "Not a valid float value.": "Phải là số.",
}

PLURALS = {
    "Field must be at least %(min)d character long.": "Phải có ít nhất %(min)d ký tự.",
    "Field cannot be longer than %(max)d character.": "Tối đa %(max)d ký tự.",
    "Field must be exactly %(max)d character long.": "Phải có đúng %(max)d ký tự.",
    "'%(value)s' is not a valid choice for this field.": "'%(value)s' không phải lựa chọn hợp lệ.",
}


class VietnameseTranslations:
    """The gettext interface WTForms asks of `Meta.get_translations`."""

    def gettext(self, string: str) -> str:
        return MESSAGES.get(string, string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return PLURALS.get(singular, singular if n == 1 else plural)


_TRANSLATIONS = VietnameseTranslations()


def optional_int(value: Any) -> int | None:
    """Coercion of an id select: '' and '0' mean "none chosen"; anything unreadable is
    a ValueError, which WTForms reports on the field ("Lựa chọn không hợp lệ.")."""
    if value in (None, "", "0", 0):
        return None
    return int(value)


def _range_problem(value: Any) -> str | None:
    """Why a processed value cannot be stored, or None."""
    if isinstance(value, int) and not isinstance(value, bool):
        return None if int_in_range(value) else MSG_INT_RANGE
    if isinstance(value, (date, datetime)):
        return None if year_in_range(value) else MSG_YEAR_RANGE
    if isinstance(value, list):
        return next((p for p in map(_range_problem, value) if p), None)
    return None


def _without_controls(value: Any) -> Any:
    if isinstance(value, str):
        return strip_controls(value)
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return [strip_controls(item) for item in value]
    return value


class Form(FlaskForm):
    """Base of every form: CSRF from Flask-WTF, messages in Vietnamese, refusals logged.

    Out-of-range numbers and dates are refused when the form is processed: the field's
    data becomes None and the field carries the message, so even a view that reads a
    filter form without looking at its errors never hands such a value to a query.
    """

    class Meta:
        def get_translations(self, form):
            return _TRANSLATIONS

    def process(self, formdata=None, obj=None, data=None, extra_filters=None, **kwargs):
        super().process(formdata, obj, data, extra_filters, **kwargs)
        self._out_of_range: dict[str, str] = {}
        for name, field in self._fields.items():
            self._guard(name, field)

    def _guard(self, name: str, field: Field) -> None:
        if not isinstance(field, (PasswordField, FileField)):
            field.data = _without_controls(field.data)
        problem = _range_problem(field.data)
        if problem:
            field.data = [] if isinstance(field.data, list) else None
            field.process_errors = [*field.process_errors, problem]
            self._out_of_range[name] = problem

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for name, problem in self._out_of_range.items():
            field = self._fields.get(name)
            if field is not None:
                # Only the range message: "required" or "not a valid choice" would be noise.
                field.errors = [problem]
        return valid and not self._out_of_range

    def validate_on_submit(self, extra_validators=None) -> bool:
        valid = super().validate_on_submit(extra_validators)
        if self.is_submitted() and not valid:
            # Field names and messages only: never the values (passwords, personal data).
            log.info("form %s refused on %s: %s", type(self).__name__, request.path, self.errors)
        return valid


def show_refusal(form: FlaskForm, exc: ServiceError) -> None:
    """Put a service's refusal on the matching fields, or flash it when none matches.

    Logged, so that an office can see what people keep stumbling over.
    """
    log.info("refused on %s: %s %s", request.path, exc.message, exc.field_errors)
    matched = False
    for name, message in exc.field_errors.items():
        field = getattr(form, name, None)
        if field is not None:
            field.errors = [*list(field.errors or []), message]
            matched = True
    if not matched:
        flash(exc.message, "danger")
