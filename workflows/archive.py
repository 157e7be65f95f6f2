"""Archive rules in plain Python: file codes, hand-over due dates, keeping back, retention.

NĐ 30/2020 Đ28–31 (DOMAIN.md §1.12) and the choices this product makes where the decree
leaves room. Every function takes its dates as arguments (no clock, no database), so the
rules are tested on any day, across year ends and leap days.

- **File code** (số và ký hiệu hồ sơ): a running number and the abbreviation of its large
  heading, `01.TCCB`. The number runs across the whole list or restarts in each large
  heading, as the office chooses when it makes the list (both are lawful).
- **Headings** (đề mục): large ones are numbered in Roman numerals, small ones in Arabic.
- **Hand-over** (nộp lưu): only files kept 5 years or more (or permanently) go to the
  office archive, within one year after the work ends. The work ends when the file is
  closed: closing is the keeper's statement that the case is done, and its date is the
  one the archive can check. A due date that would fall on 29 February of a common year
  falls on 28 February.
- **Warning:** the keeper and the clerk are told 30 days before the due date.
- **Keeping back** (giữ lại): a unit may keep a due file for at most two years past its
  due date, with a reason.
- **Retention** (thời hạn bảo quản) is counted in whole years from the year after the one
  in which the work ended (the archive's practice: a file closed in 2026 and kept 10
  years is kept to the end of 2036). A permanent file never expires.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

HANDOVER_WITHIN_YEARS = 1
HANDOVER_MIN_RETENTION_YEARS = 5
WARNING_DAYS = 30
KEEP_BACK_MAX_YEARS = 2

ACROSS_LIST = "across"  # numbers run 01, 02, … across the whole list
WITHIN_HEADING = "heading"  # numbers restart at 01 in each large heading
NUMBERING_MODES = (ACROSS_LIST, WITHIN_HEADING)
NUMBERING_LABELS = {
    ACROSS_LIST: "Đánh số liên tục trong toàn danh mục",
    WITHIN_HEADING: "Đánh số riêng trong từng đề mục lớn",
}

_ROMAN = (
    (1000, "M"),
    (900, "CM"),
    (500, "D"),
    (400, "CD"),
    (100, "C"),
    (90, "XC"),
    (50, "L"),
    (40, "XL"),
    (10, "X"),
    (9, "IX"),
    (5, "V"),
    (4, "IV"),
    (1, "I"),
)


def roman(number: int) -> str:
    """I, II, … for the large headings of a file list (1–3999)."""
    if not 0 < number < 4000:
        raise ValueError(f"no Roman numeral for {number}")
    out = []
    for value, letters in _ROMAN:
        while number >= value:
            out.append(letters)
            number -= value
    return "".join(out)


def file_code(number: int, notation: str | None) -> str:
    """`01.TCCB`; a file under no heading abbreviation is just its number, `01`."""
    if number < 1:
        raise ValueError("file numbers start at 1")
    head = f"{number:02d}"
    notation = (notation or "").strip()
    return f"{head}.{notation}" if notation else head


def next_number(taken: Iterable[int]) -> int:
    """The number a new file gets: one more than the largest taken (gaps stay gaps: a
    removed planned file's number is not given to another file of the same list)."""
    return max(taken, default=0) + 1


def add_years(day: date, years: int) -> date:
    """The same day `years` later; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def is_handed_over(retention_years: int | None) -> bool:
    """Files kept 5 years or more, or permanently (None), go to the office archive."""
    return retention_years is None or retention_years >= HANDOVER_MIN_RETENTION_YEARS


def handover_due(work_ended: date) -> date:
    """The last day for handing the file to the office archive."""
    return add_years(work_ended, HANDOVER_WITHIN_YEARS)


def warning_day(due: date) -> date:
    """From this day the keeper and the clerk are told the hand-over is coming."""
    return due - timedelta(days=WARNING_DAYS)


def keep_back_limit(due: date) -> date:
    """The latest date a unit may keep a due file until."""
    return add_years(due, KEEP_BACK_MAX_YEARS)


def keep_back_problem(due: date, until: date, today: date) -> str | None:
    """Why keeping the file back until `until` is not allowed, or None."""
    if until <= today:
        return "ngày giữ lại phải sau ngày hôm nay."
    if until <= due:
        return "ngày giữ lại phải sau hạn nộp lưu hiện tại."
    limit = keep_back_limit(due)
    if until > limit:
        return f"chỉ được giữ lại tối đa 2 năm sau hạn nộp lưu (đến {limit:%d/%m/%Y})."
    return None


def retention_expires(work_ended: date, retention_years: int | None) -> date | None:
    """The last day the file must be kept; None for a permanent file."""
    if retention_years is None:
        return None
    return date(work_ended.year + retention_years, 12, 31)


@dataclass(frozen=True)
class FiledDocument:
    """What closing a file needs to know of each document in it."""

    label: str  # how the person recognises it: "Văn bản đến số 12" or "Dự thảo: Kế hoạch…"
    finished: bool  # issued (outgoing) or completed/filed (incoming)


def closing_problems(documents: Iterable[FiledDocument]) -> list[str]:
    """Why the file cannot be closed yet: it is empty, or holds a draft or a document
    still being handled (the decree has drafts removed before a file is closed)."""
    documents = list(documents)
    if not documents:
        return ["Hồ sơ chưa có văn bản nào."]
    return [
        f"{d.label}: chưa hoàn thành (dự thảo hoặc đang xử lý)."
        for d in documents
        if not d.finished
    ]
