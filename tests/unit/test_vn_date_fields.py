"""Dates typed the Vietnamese way: dd/mm/yyyy and a 24-hour clock."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from werkzeug.datastructures import MultiDict
from wtforms import Form

from eoffice.web.fields import VnDateField, VnDateTimeField


class _DateForm(Form):
    day = VnDateField("Ngày")
    moment = VnDateTimeField("Ngày giờ")


def _form(**values: str) -> _DateForm:
    form = _DateForm(MultiDict(values))
    form.validate()
    return form


@pytest.mark.parametrize(
    "typed",
    ["20/11/2026", "20/11/2026 ", "20-11-2026", "20.11.2026", "20112026", "2026-11-20"],
)
def test_date_forms_people_type(typed):
    assert _form(day=typed).day.data == date(2026, 11, 20)


def test_single_digit_day_and_month():
    assert _form(day="2/9/2026").day.data == date(2026, 9, 2)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("27/11/2026 08:15", datetime(2026, 11, 27, 8, 15)),
        ("27/11/2026 8:15", datetime(2026, 11, 27, 8, 15)),
        ("27/11/2026 17h05", datetime(2026, 11, 27, 17, 5)),
        ("27-11-2026, 23:59", datetime(2026, 11, 27, 23, 59)),
        ("2026-11-27T08:15", datetime(2026, 11, 27, 8, 15)),
        ("2026-11-27 08:15:30", datetime(2026, 11, 27, 8, 15, 30)),
    ],
)
def test_datetime_forms_people_type(typed, expected):
    assert _form(moment=typed).moment.data == expected


@pytest.mark.parametrize("typed", ["31/02/2026", "11/20/2026x", "hôm qua", "2026/11/20", "1/1/26"])
def test_malformed_dates_get_a_vietnamese_message(typed):
    form = _form(day=typed)
    assert form.day.data is None
    assert form.day.errors == ["Ngày không hợp lệ (dạng ngày/tháng/năm)."]
    assert form.day._value() == typed  # what was typed stays in the box


@pytest.mark.parametrize("typed", ["27/11/2026", "27/11/2026 25:00", "27/11/2026 8 giờ"])
def test_malformed_datetimes_are_refused(typed):
    form = _form(moment=typed)
    assert form.moment.data is None
    assert form.moment.errors and form.moment.errors[0].startswith("Ngày giờ không hợp lệ")


@pytest.mark.parametrize("typed", ["01/01/0001", "0001-01-01", "31/12/9999", "01/01/1899"])
def test_years_outside_1900_2100_are_refused(typed):
    form = _form(day=typed, moment=typed + " 00:00")
    assert form.day.data is None and form.moment.data is None
    assert form.day.errors == ["Năm phải trong khoảng 1900–2100."]
    assert form.moment.errors == ["Năm phải trong khoảng 1900–2100."]


def test_renders_as_dd_mm_yyyy_text_input_24h():
    form = _DateForm(data={"day": date(2026, 9, 2), "moment": datetime(2026, 9, 2, 14, 5)})
    day_html, moment_html = form.day(), form.moment()
    assert 'type="text"' in day_html and 'value="02/09/2026"' in day_html
    assert 'placeholder="dd/mm/yyyy"' in day_html
    assert 'autocomplete="off"' in day_html and "inputmode=" in day_html
    assert 'value="02/09/2026 14:05"' in moment_html  # 24 h, no AM/PM
    assert 'type="text"' in moment_html


def test_empty_is_none_without_error():
    form = _form(day="", moment="  ")
    assert form.day.data is None and form.moment.data is None
    assert not form.day.errors and not form.moment.errors
