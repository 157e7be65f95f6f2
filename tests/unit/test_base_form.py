"""The base Form keeps out what no column can hold, whatever package the form is in."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from flask import Flask
from werkzeug.datastructures import MultiDict
from wtforms import (
    DateField,
    DateTimeLocalField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Optional

from eoffice.core.limits import MAX_INT, MSG_INT_RANGE, MSG_YEAR_RANGE
from eoffice.web.forms import Form, optional_int

BIG = str(10**20)


class SampleForm(Form):
    class Meta:
        csrf = False

    count = IntegerField("Số", validators=[Optional()])
    type_id = SelectField("Loại", coerce=optional_int, validate_choice=False)
    strict_id = SelectField("Loại bắt buộc", coerce=int, validators=[DataRequired()])
    tags = SelectMultipleField("Nhãn", coerce=int, validate_choice=False)
    day = DateField("Ngày", validators=[DataRequired()])
    moment = DateTimeLocalField("Lúc", format="%Y-%m-%dT%H:%M", validators=[Optional()])
    subject = StringField("Trích yếu")
    notes = TextAreaField("Ghi chú")
    password = PasswordField("Mật khẩu")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.strict_id.choices = [(1, "Một"), (2, "Hai")]


@pytest.fixture
def ctx():
    app = Flask(__name__)
    app.config.update(SECRET_KEY="x", WTF_CSRF_ENABLED=False)
    with app.test_request_context():
        yield


def _form(**values) -> SampleForm:
    data = {"day": "2026-09-20", "strict_id": "1", **values}
    return SampleForm(MultiDict(data))


def test_values_in_range_pass(ctx):
    form = _form(count=str(MAX_INT), type_id=str(MAX_INT), moment="2100-12-31T23:59")
    assert form.validate(), form.errors
    assert form.count.data == MAX_INT and form.type_id.data == MAX_INT
    assert form.day.data == date(2026, 9, 20)
    assert form.moment.data == datetime(2100, 12, 31, 23, 59)


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"count": BIG}, "count", MSG_INT_RANGE),
        ({"count": str(-(2**31))}, "count", MSG_INT_RANGE),
        ({"type_id": BIG}, "type_id", MSG_INT_RANGE),
        ({"strict_id": BIG}, "strict_id", MSG_INT_RANGE),
        ({"day": "0001-01-01"}, "day", MSG_YEAR_RANGE),
        ({"day": "9999-12-31"}, "day", MSG_YEAR_RANGE),
        ({"moment": "0001-01-01T00:00"}, "moment", MSG_YEAR_RANGE),
        ({"moment": "2101-01-01T00:00"}, "moment", MSG_YEAR_RANGE),
    ],
)
def test_out_of_range_values_are_refused_with_one_vietnamese_message(ctx, values, field, message):
    form = _form(**values)
    # Refused already when processed: a view that never validates cannot query with it.
    assert form[field].data is None
    assert not form.validate()
    assert form.errors == {field: [message]}
    # What was typed stays with the field, to be shown again for correction.
    assert form[field].raw_data == list(values.values())


def test_a_multiple_choice_with_one_value_out_of_range_is_refused(ctx):
    form = SampleForm(
        MultiDict([("day", "2026-09-20"), ("strict_id", "1"), ("tags", "3"), ("tags", BIG)])
    )
    assert form.tags.data == []
    assert not form.validate()
    assert form.errors == {"tags": [MSG_INT_RANGE]}


def test_control_characters_never_reach_the_data(ctx):
    form = _form(subject="Trích\x00 yếu", notes="dòng 1\r\ndòng\x00 2\tx", password="a\x00b")
    assert form.validate(), form.errors
    assert form.subject.data == "Trích yếu"
    assert form.notes.data == "dòng 1\r\ndòng 2\tx"  # clean_multiline in the service does the rest
    assert form.password.data == "a\x00b"  # a password is compared, never stored


@pytest.mark.parametrize(("raw", "value"), [("", None), ("0", None), (None, None), ("12", 12)])
def test_optional_int(raw, value):
    assert optional_int(raw) == value


def test_optional_int_refuses_what_is_not_a_number(ctx):
    with pytest.raises(ValueError):
        optional_int("abc")
    form = _form(type_id="abc")
    assert not form.validate()
    assert form.errors == {"type_id": ["Lựa chọn không hợp lệ."]}
