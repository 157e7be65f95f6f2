"""The ranges every value from outside must fall in before it reaches a database.

Ids and other integers are 32-bit on both databases: a bigger number in a URL, a query
string, a form or a JSON body must be refused up front, not by an overflow in the
driver. Dates are kept within 1900–2100: an office register has nothing older or later,
and every date arithmetic of the application (office-time conversion, "next day") stays
far from Python's year 1 and 9999 limits.
"""

from __future__ import annotations

from datetime import date, datetime

MAX_INT = 2**31 - 1
MIN_YEAR = 1900
MAX_YEAR = 2100

MSG_INT_RANGE = "Số không hợp lệ: vượt quá giới hạn cho phép."
MSG_YEAR_RANGE = f"Năm phải trong khoảng {MIN_YEAR}–{MAX_YEAR}."


def int_in_range(value: int) -> bool:
    """True when `value` fits a signed 32-bit column."""
    return -MAX_INT <= value <= MAX_INT


def year_in_range(value: date | datetime) -> bool:
    """True when the date (or the date of the moment) lies in 1900–2100."""
    return MIN_YEAR <= value.year <= MAX_YEAR
