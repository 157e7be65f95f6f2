"""Date fields typed the Vietnamese way: dd/mm/yyyy and a 24-hour clock.

Native `<input type="date">` follows the browser's locale, so on the English Windows
many offices run it shows mm/dd/yyyy and AM/PM, and clerks who type dates all day
have to fight a picker. These are plain text inputs that render dd/mm/yyyy
(HH:MM) and accept what people actually type: 20/11/2026, 2/9/2026, 20-11-2026,
20.11.2026, 20112026, and the ISO form (2026-11-20, 2026-11-20T08:15) that links,
the API and tests use.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time

from wtforms import Field, SelectMultipleField
from wtforms.widgets import CheckboxInput, ListWidget, TextInput

from eoffice.core.limits import MAX_YEAR, MIN_YEAR, MSG_YEAR_RANGE

MSG_DATE = "Ngày không hợp lệ (dạng ngày/tháng/năm)."
MSG_DATETIME = "Ngày giờ không hợp lệ (dạng ngày/tháng/năm giờ:phút, ví dụ 20/11/2026 08:15)."

_DMY = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})")
_DMY_DIGITS = re.compile(r"(\d{2})(\d{2})(\d{4})")
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_TIME = re.compile(r"(\d{1,2})[:hH.](\d{2})(?::(\d{2}))?")
_DATE_AND_TIME = re.compile(r"(\S+?)(?:\s*[T,]\s*|\s+)(\S+)")


class DateOutOfRange(ValueError):
    """A well-formed date whose year lies outside MIN_YEAR–MAX_YEAR."""


def parse_vn_date(text: str) -> date:
    """dd/mm/yyyy and its variants, or ISO yyyy-mm-dd; ValueError otherwise."""
    text = text.strip()
    if match := _ISO.fullmatch(text):
        year, month, day = (int(g) for g in match.groups())
    elif match := _DMY.fullmatch(text) or _DMY_DIGITS.fullmatch(text):
        day, month, year = (int(g) for g in match.groups())
    else:
        raise ValueError(text)
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise DateOutOfRange(text)
    return date(year, month, day)


def parse_vn_time(text: str) -> time:
    """HH:MM (also HHhMM, HH.MM) on a 24-hour clock, optional :SS."""
    match = _TIME.fullmatch(text.strip())
    if not match:
        raise ValueError(text)
    hour, minute = int(match.group(1)), int(match.group(2))
    second = int(match.group(3) or 0)
    return time(hour, minute, second)


def parse_vn_datetime(text: str) -> datetime:
    """A date as parse_vn_date, then a time as parse_vn_time (space, 'T' or ',' between)."""
    match = _DATE_AND_TIME.fullmatch(text.strip())
    if not match:
        raise ValueError(text)
    day = parse_vn_date(match.group(1))
    return datetime.combine(day, parse_vn_time(match.group(2)))


class _VnTextDateBase(Field):
    widget = TextInput()
    display_format = ""
    placeholder = ""
    inputmode = "text"
    invalid_message = MSG_DATE

    def __init__(self, label=None, validators=None, render_kw=None, **kwargs):
        defaults = {
            "placeholder": self.placeholder,
            "inputmode": self.inputmode,
            "autocomplete": "off",
        }
        super().__init__(label, validators, render_kw={**defaults, **(render_kw or {})}, **kwargs)

    def _value(self) -> str:
        if self.raw_data:
            return " ".join(self.raw_data)
        return self.data.strftime(self.display_format) if self.data else ""

    def _parse(self, text: str):
        raise NotImplementedError

    def process_formdata(self, valuelist) -> None:
        if not valuelist:
            return
        text = " ".join(valuelist).strip()
        self.data = None
        if not text:
            return
        try:
            self.data = self._parse(text)
        except DateOutOfRange as exc:
            raise ValueError(MSG_YEAR_RANGE) from exc
        except ValueError as exc:
            raise ValueError(self.invalid_message) from exc


class VnDateField(_VnTextDateBase):
    """A date typed as dd/mm/yyyy; `data` is a `datetime.date`."""

    display_format = "%d/%m/%Y"
    placeholder = "dd/mm/yyyy"
    inputmode = "numeric"  # digits only work too: 20112026
    invalid_message = MSG_DATE

    def _parse(self, text: str) -> date:
        return parse_vn_date(text)


class VnDateTimeField(_VnTextDateBase):
    """A date and time typed as dd/mm/yyyy HH:MM (24 h); `data` is a naive datetime."""

    display_format = "%d/%m/%Y %H:%M"
    placeholder = "dd/mm/yyyy HH:MM"
    invalid_message = MSG_DATETIME

    def _parse(self, text: str) -> datetime:
        return parse_vn_datetime(text)


class CheckboxesField(SelectMultipleField):
    """A multiple choice shown as check boxes (roles, groups of recipients)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()
