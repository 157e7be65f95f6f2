"""The small pure pieces of the check-time scheduler and board: when the loop wakes, how
a month is read from the URL, the reminder's words."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from eoffice.core.errors import ValidationFailed
from eoffice.exchange.checks import parse_month
from eoffice.exchange.scheduler import reminder_message
from eoffice.jobs.clock import seconds_to_next_minute
from workflows.checktimes import Slot


@pytest.mark.parametrize(
    ("second", "micro", "expected"),
    [(0, 0, 61.0), (1, 0, 60.0), (59, 0, 2.0), (30, 500_000, 30.5)],
)
def test_the_loop_wakes_one_second_into_the_next_minute(second, micro, expected):
    moment = datetime(2026, 4, 6, 6, 29, second, micro, tzinfo=UTC)
    assert seconds_to_next_minute(moment) == pytest.approx(expected)


def test_a_month_is_read_from_year_dash_month():
    assert parse_month("2026-04") == date(2026, 4, 1)
    assert parse_month(" 2026-12 ") == date(2026, 12, 1)
    assert parse_month("", today=date(2026, 4, 17)) == date(2026, 4, 1)
    for bad in ("2026-13", "tháng 4", "2026", "1899-01", "2026-04-01"):
        with pytest.raises(ValidationFailed, match="Tháng phải theo dạng năm-tháng"):
            parse_month(bad)


def test_the_reminder_names_the_slot_and_the_minutes():
    message = reminder_message(Slot(date(2026, 4, 6), time(13, 30)), 10)
    assert message.title == "Sắp đến giờ kiểm tra văn bản đến: 13:30"
    assert message.body.startswith(
        "Còn khoảng 10 phút nữa đến lượt kiểm tra 13:30 ngày 06/04/2026."
    )
