"""The report requests a drafter puts on an outgoing document: every rule, their rows on
create and update, what the edit form gets back, and frozen once the document is issued."""

from __future__ import annotations

import unicodedata
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from eoffice.core import timeutil
from eoffice.core.audit import history
from eoffice.core.errors import Conflict, ValidationFailed
from eoffice.directives.inputs import RequestInput
from eoffice.directives.models import ReportRequest
from eoffice.directives.requests import requests_of
from eoffice.extensions import db
from eoffice.jobs.connection import runner
from eoffice.outgoing import drafting, issuing, review
from tests import factories

NOW = datetime(2026, 9, 25, 2, 0, tzinfo=UTC)  # Friday 25/09/2026, 09:00 office time
TODAY = date(2026, 9, 25)


@pytest.fixture(autouse=True)
def fixed_clock(app):
    timeutil.set_clock(lambda: NOW)
    yield
    timeutil.set_clock(None)


def _plan(world, *requests: RequestInput, **overrides):
    return factories.outgoing_plan(world, world.school_a, requests=list(requests), **overrides)


def _stored(doc_id: int) -> list[tuple[int, str, date, str]]:
    db.session.expire_all()
    return [(r.position, r.what, r.deadline, r.answer_form) for r in requests_of(doc_id)]


def _refusal(world, *requests: RequestInput) -> str:
    with pytest.raises(ValidationFailed) as caught:
        drafting.create_draft(world.district.staff, _plan(world, *requests))
    return caught.value.field_errors["requests"]


def test_requests_are_stored_in_order_with_their_text_normalised(world):
    decomposed = unicodedata.normalize("NFD", "Gửi kế hoạch của đơn vị")
    doc = drafting.create_draft(
        world.district.staff,
        _plan(
            world,
            RequestInput("  " + decomposed + "\x00 ", date(2026, 10, 4), "document"),
            RequestInput("Số học sinh lớp 1", TODAY, "figure"),
            RequestInput("", None, "text"),  # an empty row of the form: skipped
            RequestInput("Danh sách giáo viên", date(2027, 9, 25), "file"),
        ),
    )
    assert _stored(doc.id) == [
        (1, "Gửi kế hoạch của đơn vị", date(2026, 10, 4), "document"),
        (2, "Số học sinh lớp 1", TODAY, "figure"),  # today is allowed
        (3, "Danh sách giáo viên", date(2027, 9, 25), "file"),  # a year ahead too
    ]
    assert history("outgoing", doc.id)[0].changes["requests"] == 3


@pytest.mark.parametrize(
    ("request_input", "expected"),
    [
        (RequestInput("", date(2026, 10, 4), "text"), "Yêu cầu thứ 1: ghi nội dung yêu cầu."),
        (
            RequestInput("x" * 1001, date(2026, 10, 4), "text"),
            "Yêu cầu thứ 1: nội dung yêu cầu tối đa 1000 ký tự.",
        ),
        (RequestInput("Báo cáo", None, "text"), "Yêu cầu thứ 1: chọn hạn trả lời."),
        (
            RequestInput("Báo cáo", date(2026, 9, 24), "text"),
            "Yêu cầu thứ 1: hạn trả lời không được trước hôm nay (25/09/2026).",
        ),
        (
            RequestInput("Báo cáo", date(2027, 9, 27), "text"),
            "Yêu cầu thứ 1: hạn trả lời không được sau 26/09/2027.",
        ),
        (
            RequestInput("Báo cáo", date(2026, 10, 4), "video"),
            "Yêu cầu thứ 1: hình thức trả lời không hợp lệ.",
        ),
    ],
)
def test_each_rule_refuses_in_vietnamese_and_writes_nothing(world, request_input, expected):
    assert _refusal(world, request_input) == expected
    assert db.session.scalars(select(ReportRequest)).all() == []


def test_all_problems_are_listed_at_once_with_the_other_fields(world):
    with pytest.raises(ValidationFailed) as caught:
        drafting.create_draft(
            world.district.staff,
            _plan(
                world,
                RequestInput("Báo cáo", date(2026, 10, 4), "text"),
                RequestInput("", date(2020, 1, 1), "text"),
                subject="",
            ),
        )
    errors = caught.value.field_errors
    assert errors["subject"] == "«Trích yếu» là bắt buộc."
    assert errors["requests"] == (
        "Yêu cầu thứ 2: ghi nội dung yêu cầu; hạn trả lời không được trước hôm nay (25/09/2026)."
    )


def test_at_most_five_requests(world):
    six = [RequestInput(f"Yêu cầu {n}", date(2026, 10, n), "text") for n in range(1, 7)]
    assert _refusal(world, *six) == "Mỗi văn bản có tối đa 5 yêu cầu báo cáo."
    doc = drafting.create_draft(world.district.staff, _plan(world, *six[:5]))
    assert len(_stored(doc.id)) == 5


def test_update_replaces_the_requests_and_the_edit_form_gets_them_back(world):
    staff = world.district.staff
    doc = drafting.create_draft(
        staff, _plan(world, RequestInput("Gửi kế hoạch", date(2026, 10, 4), "document"))
    )
    data = drafting.draft_input_from(doc)
    assert data.requests == [RequestInput("Gửi kế hoạch", date(2026, 10, 4), "document")]

    data.subject = "Kế hoạch đã sửa"
    drafting.update_draft(staff, doc.id, data)  # requests untouched: same rows
    assert history("outgoing", doc.id)[-1].changes == {"version": 2}

    data.requests = [
        RequestInput("Số phòng học", date(2026, 10, 9), "figure"),
        RequestInput("Gửi kế hoạch (bản sửa)", date(2026, 10, 6), "document"),
    ]
    drafting.update_draft(staff, doc.id, data)
    assert _stored(doc.id) == [
        (1, "Số phòng học", date(2026, 10, 9), "figure"),
        (2, "Gửi kế hoạch (bản sửa)", date(2026, 10, 6), "document"),
    ]
    assert history("outgoing", doc.id)[-1].changes == {"version": 3, "requests": 2}

    with pytest.raises(ValidationFailed):  # a refused update keeps the stored requests
        data.requests = [RequestInput("Báo cáo", date(2026, 9, 1), "text")]
        drafting.update_draft(staff, doc.id, data)
    assert len(_stored(doc.id)) == 2

    data.requests = []
    drafting.update_draft(staff, doc.id, data)
    assert _stored(doc.id) == []


def test_requests_are_frozen_once_the_document_is_issued_and_not_copied(office):
    world, _ = office
    district = world.district
    doc = drafting.create_draft(
        district.staff, _plan(world, RequestInput("Gửi kế hoạch", date(2026, 10, 4), "document"))
    )
    review.submit(district.staff, doc.id)
    data = drafting.draft_input_from(doc)
    data.requests = []
    with pytest.raises(Conflict):  # in review: no longer the drafter's to edit
        drafting.update_draft(district.staff, doc.id, data)
    review.approve(district.clerk, doc.id)
    issuing.sign(district.leader, doc.id)
    runner().work_burst()
    with pytest.raises(Conflict):
        drafting.update_draft(district.staff, doc.id, data)
    assert _stored(doc.id) == [(1, "Gửi kế hoạch", date(2026, 10, 4), "document")]

    replacement = drafting.replacement_input(district.staff, doc.id)
    assert replacement.requests == []  # a replacement asks nothing again


def test_a_reply_draft_starts_without_requests(world):
    school = world.school_a
    incoming = factories.register(school.clerk, confidentiality_code="normal")
    from eoffice.incoming import processing
    from eoffice.incoming.processing import Party

    processing.present(school.clerk, incoming.id, presented_to=school.leader.id)
    processing.assign(school.leader, incoming.id, Party(user_id=school.staff.id))
    assert drafting.reply_input(school.staff, incoming.id).requests == []


def test_signing_refuses_a_deadline_that_passed_while_the_draft_waited(office, client):
    world, _ = office
    district = world.district
    doc = drafting.create_draft(
        district.staff,
        _plan(
            world,
            RequestInput("Gửi kế hoạch", date(2026, 9, 28), "document"),
            RequestInput("Báo cáo số liệu", date(2026, 10, 30), "figure"),
        ),
    )
    review.submit(district.staff, doc.id)
    review.approve(district.clerk, doc.id)
    state = doc.state
    later = datetime(2026, 9, 29, 2, 0, tzinfo=UTC)  # Tuesday 29/09: the first date has passed
    timeutil.set_clock(lambda: later)
    with pytest.raises(ValidationFailed) as caught:
        issuing.sign(district.leader, doc.id)
    message = caught.value.message
    assert "yêu cầu thứ 1 (hạn 28/09/2026)" in message and "trả lại dự thảo" in message
    assert "yêu cầu thứ 2" not in message
    db.session.expire_all()
    refused = db.session.get(type(doc), doc.id)
    assert (refused.number, refused.state) == (None, state)  # nothing numbered
    # The signer sees why on the document page.
    factories.login(client, district.leader)
    page = client.post(f"/outgoing/{doc.id}/steps/sign", data={"sign-note": ""})
    assert page.status_code == 422
    assert "trả lại dự thảo để người soạn sửa hạn trả lời" in page.get_data(as_text=True)
    # Sent back, the date fixed, approved again: it signs.
    review.send_back(district.leader, doc.id, "Sửa hạn trả lời")
    data = drafting.draft_input_from(db.session.get(type(doc), doc.id))
    data.requests[0] = RequestInput("Gửi kế hoạch", date(2026, 10, 5), "document")
    drafting.update_draft(district.staff, doc.id, data)
    review.submit(district.staff, doc.id)
    review.approve(district.clerk, doc.id)
    signed = issuing.sign(district.leader, doc.id)
    assert signed.number == 1
    assert [r.deadline for r in requests_of(doc.id)] == [date(2026, 10, 5), date(2026, 10, 30)]
