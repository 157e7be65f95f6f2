"""The archive's date and numbering rules (workflows/archive.py), worked out by hand:
codes, Roman numerals, hand-over due and warning days across year ends and leap days,
keeping back, retention, and what stops a file from closing."""

from __future__ import annotations

from datetime import date

import pytest

from workflows import archive


@pytest.mark.parametrize(
    ("number", "numeral"),
    [
        (1, "I"),
        (2, "II"),
        (4, "IV"),
        (5, "V"),
        (9, "IX"),
        (14, "XIV"),
        (40, "XL"),
        (49, "XLIX"),
        (90, "XC"),
        (400, "CD"),
        (1994, "MCMXCIV"),
        (3999, "MMMCMXCIX"),
    ],
)
def test_roman_numerals_of_large_headings(number, numeral):
    assert archive.roman(number) == numeral


@pytest.mark.parametrize("number", [0, -1, 4000])
def test_no_roman_numeral_outside_1_to_3999(number):
    with pytest.raises(ValueError):
        archive.roman(number)


@pytest.mark.parametrize(
    ("number", "notation", "code"),
    [
        (1, "TCCB", "01.TCCB"),
        (9, "VP", "09.VP"),
        (12, "TCCB", "12.TCCB"),
        (105, "VP", "105.VP"),
        (3, " KH-TC ", "03.KH-TC"),
        (7, None, "07"),
        (7, "  ", "07"),
    ],
)
def test_file_codes(number, notation, code):
    assert archive.file_code(number, notation) == code


def test_file_numbers_start_at_one():
    with pytest.raises(ValueError):
        archive.file_code(0, "VP")


def test_next_number_follows_the_largest_and_leaves_gaps():
    assert archive.next_number([]) == 1
    assert archive.next_number([1, 2, 3]) == 4
    assert archive.next_number([5, 1, 2]) == 6  # 3 and 4 were removed: not given again
    assert archive.next_number(iter([2])) == 3


@pytest.mark.parametrize(
    ("day", "years", "expected"),
    [
        (date(2026, 3, 1), 1, date(2027, 3, 1)),
        (date(2024, 2, 29), 1, date(2025, 2, 28)),
        (date(2024, 2, 29), 4, date(2028, 2, 29)),
        (date(2023, 2, 28), 1, date(2024, 2, 28)),
        (date(2026, 12, 31), 2, date(2028, 12, 31)),
    ],
)
def test_add_years_and_29_february(day, years, expected):
    assert archive.add_years(day, years) == expected


@pytest.mark.parametrize(
    ("closed", "due", "warning"),
    [
        # Closed mid-December: due a year on, warned a month before, both next year.
        (date(2026, 12, 15), date(2027, 12, 15), date(2027, 11, 15)),
        # Closed in January: the warning falls in December of the year before the due.
        (date(2027, 1, 20), date(2028, 1, 20), date(2027, 12, 21)),
        (date(2026, 12, 31), date(2027, 12, 31), date(2027, 12, 1)),
        # A leap day: due 28 February of the common year, warned 30 days before it.
        (date(2024, 2, 29), date(2025, 2, 28), date(2025, 1, 29)),
        # Due on 1 March of a leap year: the 30 days cross 29 February.
        (date(2027, 3, 1), date(2028, 3, 1), date(2028, 1, 31)),
    ],
)
def test_handover_due_and_warning_day_across_year_ends(closed, due, warning):
    assert archive.handover_due(closed) == due
    assert archive.warning_day(due) == warning


@pytest.mark.parametrize(
    ("years", "handed"), [(None, True), (70, True), (10, True), (5, True), (4, False), (1, False)]
)
def test_only_files_kept_five_years_or_more_are_handed_over(years, handed):
    assert archive.is_handed_over(years) is handed


def test_keep_back_is_at_most_two_years_past_the_due_date():
    due = date(2027, 12, 15)
    today = date(2027, 12, 1)
    assert archive.keep_back_limit(due) == date(2029, 12, 15)
    assert archive.keep_back_limit(date(2028, 2, 29)) == date(2030, 2, 28)
    assert archive.keep_back_problem(due, date(2028, 6, 30), today) is None
    assert archive.keep_back_problem(due, date(2029, 12, 15), today) is None  # the last day
    assert archive.keep_back_problem(due, date(2029, 12, 16), today) == (
        "chỉ được giữ lại tối đa 2 năm sau hạn nộp lưu (đến 15/12/2029)."
    )
    assert archive.keep_back_problem(due, due, today) == (
        "ngày giữ lại phải sau hạn nộp lưu hiện tại."
    )
    assert archive.keep_back_problem(due, date(2027, 12, 10), today) == (
        "ngày giữ lại phải sau hạn nộp lưu hiện tại."
    )
    # A date already past is refused first, whatever the due date.
    assert archive.keep_back_problem(due, today, today) == "ngày giữ lại phải sau ngày hôm nay."
    late = date(2028, 3, 1)  # kept back after the due date passed
    assert archive.keep_back_problem(due, date(2028, 2, 1), late) == (
        "ngày giữ lại phải sau ngày hôm nay."
    )


@pytest.mark.parametrize(
    ("ended", "years", "expires"),
    [
        (date(2026, 11, 20), 10, date(2036, 12, 31)),
        (date(2026, 1, 2), 10, date(2036, 12, 31)),  # counted in whole years
        (date(2026, 12, 31), 5, date(2031, 12, 31)),
        (date(2024, 2, 29), 70, date(2094, 12, 31)),
        (date(2026, 6, 1), None, None),  # permanent: never expires
    ],
)
def test_retention_runs_to_the_end_of_a_whole_year(ended, years, expires):
    assert archive.retention_expires(ended, years) == expires


def test_closing_problems():
    done = archive.FiledDocument("Văn bản đến số 12", finished=True)
    draft = archive.FiledDocument("Dự thảo: Kế hoạch tuyển sinh", finished=False)
    busy = archive.FiledDocument("Văn bản đến số 15", finished=False)
    assert archive.closing_problems([]) == ["Hồ sơ chưa có văn bản nào."]
    assert archive.closing_problems(iter([])) == ["Hồ sơ chưa có văn bản nào."]
    assert archive.closing_problems([done]) == []
    assert archive.closing_problems([done, draft, busy]) == [
        "Dự thảo: Kế hoạch tuyển sinh: chưa hoàn thành (dự thảo hoặc đang xử lý).",
        "Văn bản đến số 15: chưa hoàn thành (dự thảo hoặc đang xử lý).",
    ]


def test_numbering_modes_have_labels():
    assert archive.NUMBERING_MODES == ("across", "heading")
    assert set(archive.NUMBERING_LABELS) == set(archive.NUMBERING_MODES)
