"""The report requests a drafter puts on an outgoing document, checked and stored.

A request is part of the draft like its recipients: validated with the other fields
(eoffice.outgoing.drafting calls `check_requests` inside `_check_fields`, so a refusal
lists every problem of the form at once and writes nothing) and replaced as a whole on
each save of the draft. Once the document leaves the draft state it can no longer be
edited (drafting.load_own_draft refuses), so its requests are frozen with it; only the
district's later deadline extensions (the "board" side) move a deadline after issue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import delete, select

from eoffice.core.errors import ValidationFailed
from eoffice.core.text import clean_multiline
from eoffice.core.timeutil import format_date, local_today
from eoffice.directives.inputs import RequestInput
from eoffice.directives.models import AnswerForm, ReportRequest
from eoffice.extensions import db

FIELD = "requests"
MAX_REQUESTS = 5
MAX_WHAT = 1000  # the column's size (ReportRequest.what)
# A request's deadline at most this far ahead of today: a school year and a bit. Further
# is almost always a typo in the year (2207 for 2027).
MAX_AHEAD = timedelta(days=366)


@dataclass(frozen=True)
class CheckedRequest:
    """A request that passed every rule, in the form it is stored."""

    what: str
    deadline: date
    answer_form: str


def check_requests(items: list[RequestInput], errors: dict[str, str]) -> list[CheckedRequest]:
    """Every rule of the requests; problems go to `errors["requests"]`, one sentence per
    request ("Yêu cầu thứ 2: ..."), like the recipients' messages of the same form.

    A row left entirely empty (a blank line of the web form) is skipped, not refused.
    """
    rows = [item for item in items if not _blank(item)]
    if len(rows) > MAX_REQUESTS:
        errors[FIELD] = f"Mỗi văn bản có tối đa {MAX_REQUESTS} yêu cầu báo cáo."
        return []
    today = local_today()
    latest = today + MAX_AHEAD
    problems: list[str] = []
    checked: list[CheckedRequest] = []
    for number, item in enumerate(rows, start=1):
        what = clean_multiline(item.what)
        mine: list[str] = []
        if not what:
            mine.append("ghi nội dung yêu cầu")
        elif len(what) > MAX_WHAT:
            mine.append(f"nội dung yêu cầu tối đa {MAX_WHAT} ký tự")
        if item.deadline is None:
            mine.append("chọn hạn trả lời")
        elif item.deadline < today:
            mine.append(f"hạn trả lời không được trước hôm nay ({format_date(today)})")
        elif item.deadline > latest:
            mine.append(f"hạn trả lời không được sau {format_date(latest)}")
        try:
            form = AnswerForm(item.answer_form or "")
        except ValueError:
            mine.append("hình thức trả lời không hợp lệ")
            form = None
        if mine:
            problems.append(f"Yêu cầu thứ {number}: {'; '.join(mine)}.")
            continue
        assert item.deadline is not None and form is not None
        checked.append(CheckedRequest(what, item.deadline, form.value))
    if problems:
        errors[FIELD] = " ".join(problems)
    return checked


def _blank(item: RequestInput) -> bool:
    return not clean_multiline(item.what) and item.deadline is None


def requests_of(outgoing_id: int) -> list[ReportRequest]:
    """A document's requests in the order the drafter wrote them."""
    return list(
        db.session.scalars(
            select(ReportRequest)
            .where(ReportRequest.outgoing_id == outgoing_id)
            .order_by(ReportRequest.position)
        )
    )


def check_still_open(outgoing_id: int, today: date) -> None:
    """At signing: no request may be issued with a deadline already past.

    A draft's deadlines were checked when it was saved, but it may have waited in review
    since; issued as it is, every school would be late the day it receives it. The
    signer is asked to send the draft back so that the drafter fixes the date (the
    signed document's text usually repeats it, so only the drafter can change both).
    """
    past = [r for r in requests_of(outgoing_id) if r.deadline < today]
    if not past:
        return
    which = "; ".join(f"yêu cầu thứ {r.position} (hạn {format_date(r.deadline)})" for r in past)
    message = (
        f"Không ký ban hành được: hạn trả lời đã qua ({which}), hôm nay là "
        f"{format_date(today)}. Vui lòng trả lại dự thảo để người soạn sửa hạn trả lời "
        "(và nội dung văn bản nếu có nêu hạn), rồi trình lại."
    )
    raise ValidationFailed(message, field_errors={FIELD: message})


def store_requests(outgoing_id: int, checked: list[CheckedRequest]) -> bool:
    """Make the draft's requests exactly `checked` (positions 1..n); True when they changed.

    Inside the drafting transaction. Unchanged requests keep their rows, so saving a
    draft without touching them writes nothing here; otherwise the rows are replaced
    (a draft has no tasks yet: tasks are created when the issued document is delivered).
    """
    current = requests_of(outgoing_id)
    if [(r.what, r.deadline, r.answer_form) for r in current] == [
        (c.what, c.deadline, c.answer_form) for c in checked
    ]:
        return False
    if current:
        db.session.execute(delete(ReportRequest).where(ReportRequest.outgoing_id == outgoing_id))
    db.session.add_all(
        ReportRequest(
            outgoing_id=outgoing_id,
            position=position,
            what=item.what,
            deadline=item.deadline,
            answer_form=item.answer_form,
        )
        for position, item in enumerate(checked, start=1)
    )
    return True


def request_inputs(outgoing_id: int) -> list[RequestInput]:
    """The stored requests as input again, to edit the draft (form, DOCX round trip)."""
    return [
        RequestInput(what=r.what, deadline=r.deadline, answer_form=r.answer_form)
        for r in requests_of(outgoing_id)
    ]


def audit_words(checked: list[CheckedRequest]) -> list[str]:
    """How the requests appear in the draft's audit event: "what (hạn dd/mm/yyyy)"."""
    return [f"{c.what[:100]} (hạn {format_date(c.deadline)})" for c in checked]
