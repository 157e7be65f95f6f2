"""The school's side of a directive: its tasks, answering in each form, late answers, a
returned answer answered again, corrections until the deadline, one school never seeing
another's task, acknowledging the directive, and the first reading recorded once."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from eoffice.core import timeutil
from eoffice.core.audit import history
from eoffice.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from eoffice.directives import answers, tasklists, tracking
from eoffice.directives.inputs import RequestInput
from eoffice.directives.models import ReportTask
from eoffice.extensions import db
from eoffice.incoming import processing
from eoffice.incoming.attachments import Upload, file_store
from eoffice.incoming.processing import Party
from eoffice.jobs.connection import runner
from eoffice.notifications.models import Notification
from eoffice.outgoing import delivery, drafting, issuing, review
from eoffice.outgoing.drafting import RecipientInput
from eoffice.outgoing.models import Delivery, OutgoingDocument
from tests import factories

NOW = datetime(2026, 9, 25, 2, 0, tzinfo=UTC)  # Friday 25/09/2026, 09:00 office time
DEADLINE = date(2026, 10, 5)
AFTER_DEADLINE = datetime(2026, 10, 6, 2, 0, tzinfo=UTC)  # 06/10, 09:00 office time
LATE_EVENING_OF_DEADLINE = datetime(2026, 10, 5, 16, 30, tzinfo=UTC)  # 05/10, 23:30 local

REQUESTS = [
    RequestInput("Gửi văn bản báo cáo kế hoạch của đơn vị", DEADLINE, "document"),
    RequestInput("Danh sách giáo viên tham gia tập huấn", DEADLINE, "file"),
    RequestInput("Số học sinh lớp 1 năm học 2026 - 2027", DEADLINE, "figure"),
    RequestInput("Tóm tắt khó khăn, vướng mắc", DEADLINE, "text"),
]


@pytest.fixture(autouse=True)
def clock(app):
    moment = {"now": NOW}
    timeutil.set_clock(lambda: moment["now"])
    yield moment
    timeutil.set_clock(None)


@pytest.fixture(autouse=True)
def empty_queues(app):
    runner().connection.flushall()


def _issue(author, signer, clerk, plan) -> OutgoingDocument:
    doc = drafting.create_draft(author, plan)
    review.submit(author, doc.id)
    review.approve(clerk, doc.id, "Thể thức đạt.")
    issued = issuing.sign(signer, doc.id)
    runner().work_burst()  # the publishing job: PDF, signatures, deliveries (and tasks)
    db.session.expire_all()
    return db.session.get(OutgoingDocument, issued.id)


@pytest.fixture
def directive(office):
    """The district's plan with four requests, issued to schools A and B (and C)."""
    world, school_c = office
    district = world.district
    plan = factories.outgoing_plan(
        world, world.school_a, world.school_b, school_c, requests=list(REQUESTS)
    )
    doc = _issue(district.staff, district.leader, district.clerk, plan)
    return world, school_c, doc


def _task(school, doc: OutgoingDocument, form: str) -> ReportTask:
    [task] = [
        t
        for t in tasklists.tasks_for(school.clerk)
        if t.request.outgoing_id == doc.id and t.request.answer_form == form
    ]
    return task


def _reload(model, row_id):
    db.session.expire_all()
    return db.session.get(model, row_id)


def _told(user) -> list[str]:
    return list(
        db.session.scalars(
            select(Notification.kind)
            .where(Notification.user_id == user.id)
            .order_by(Notification.id)
        )
    )


def test_each_school_gets_one_task_per_request_in_deadline_order(directive):
    world, school_c, doc = directive
    for school in (world.school_a, world.school_b, school_c):
        tasks = tasklists.tasks_for(school.clerk)
        assert [t.request.position for t in tasks] == [1, 2, 3, 4]
        assert {t.recipient_org_id for t in tasks} == {school.org.id}
        assert {(t.deadline, t.state) for t in tasks} == {(DEADLINE, "open")}
        assert tasklists.tasks_for(school.leader) == tasks
    assert tasklists.tasks_for(world.school_a.staff) == []  # not given the document
    assert tasklists.tasks_for(world.district.clerk) == []  # the district's side is the board
    delivery.deliver(doc)  # a retried publish adds nothing
    db.session.commit()
    total = db.session.scalar(select(func.count(ReportTask.id)))
    assert total == 12


def test_a_person_given_the_registered_document_sees_its_tasks(directive):
    world, _, _doc = directive
    school = world.school_a
    [waiting] = delivery.inbox(school.clerk)
    incoming = delivery.register_delivery(school.clerk, waiting.id)
    processing.present(school.clerk, incoming.id, presented_to=school.leader.id)
    processing.assign(school.leader, incoming.id, Party(user_id=school.staff.id))
    assert len(tasklists.tasks_for(school.staff)) == 4
    assert tasklists.tasks_for(world.school_b.staff) == []


def test_answers_in_each_form_are_checked_and_told_to_the_district(directive, test_ca):
    world, _, doc = directive
    school, district = world.school_a, world.district

    text_task = _task(school, doc, "text")
    with pytest.raises(ValidationFailed) as caught:
        answers.answer(school.clerk, text_task.id, text="   ")
    assert caught.value.field_errors == {"text": "Vui lòng ghi nội dung trả lời."}
    with pytest.raises(ValidationFailed) as caught:
        answers.answer(school.clerk, text_task.id, text="x" * 2001)
    assert caught.value.field_errors == {"text": "Nội dung trả lời tối đa 2000 ký tự."}
    answered = answers.answer(
        school.clerk, text_task.id, text="Thiếu phòng máy.\nĐề nghị hỗ trợ.", figure="12"
    )
    assert (answered.state, answered.late, answered.answer_text) == (
        "answered",
        False,
        "Thiếu phòng máy.\nĐề nghị hỗ trợ.",
    )
    assert answered.answer_figure is None  # not this request's form

    figure_task = _task(school, doc, "figure")
    for wrong in ("abc", "1,2,3", "12,345", "1e20"):
        with pytest.raises(ValidationFailed) as caught:
            answers.answer(school.leader, figure_task.id, figure=wrong)
        assert set(caught.value.field_errors) == {"figure"}, wrong
    answers.answer(school.leader, figure_task.id, figure="1.250")
    assert _reload(ReportTask, figure_task.id).answer_figure == Decimal("1250.00")
    answers.answer(school.leader, figure_task.id, figure="12,5")  # a correction, on time
    assert _reload(ReportTask, figure_task.id).answer_figure == Decimal("12.50")
    assert answers.format_figure(Decimal("1250.50")) == "1.250,5"

    file_task = _task(school, doc, "file")
    with pytest.raises(ValidationFailed) as caught:
        answers.answer(school.clerk, file_task.id, upload=Upload("ds.pdf", b"MZ\x90\x00 not a pdf"))
    assert set(caught.value.field_errors) == {"file"}
    with pytest.raises(ValidationFailed):
        answers.answer(school.clerk, file_task.id, text="Không có tệp")
    answers.answer(
        school.clerk, file_task.id, upload=Upload("Danh sách giáo viên.pdf", factories.pdf_bytes())
    )
    stored = _reload(ReportTask, file_task.id)
    assert stored.answer_file_name == "Danh sách giáo viên.pdf"
    assert file_store().read(stored.answer_file.sha256) == factories.pdf_bytes()

    document_task = _task(school, doc, "document")
    with pytest.raises(ValidationFailed) as caught:
        answers.answer(school.clerk, document_task.id)
    assert set(caught.value.field_errors) == {"reply_outgoing_id"}
    with pytest.raises(ValidationFailed):  # the district's document is not the school's
        answers.answer(school.clerk, document_task.id, reply_outgoing_id=doc.id)
    factories.equip_for_signing(school, test_ca)
    school.org.place_name = "Quận Thử"
    db.session.commit()
    draft = drafting.create_draft(
        school.staff,
        factories.outgoing_plan(
            world,
            signer_id=school.leader.id,
            subject="Báo cáo kế hoạch ứng dụng công nghệ thông tin",
            recipients=[RecipientInput("member", org_id=district.org.id)],
        ),
    )
    with pytest.raises(ValidationFailed):  # not issued yet
        answers.answer(school.clerk, document_task.id, reply_outgoing_id=draft.id)
    review.submit(school.staff, draft.id)
    review.approve(school.clerk, draft.id)
    issuing.sign(school.leader, draft.id)
    runner().work_burst()
    report = _reload(OutgoingDocument, draft.id)
    choices = answers.reply_choices(school.clerk, _task(school, doc, "document"))
    assert report.id in [c.id for c in choices]
    answers.answer(school.clerk, document_task.id, reply_outgoing_id=report.id)
    assert _reload(ReportTask, document_task.id).answer_outgoing_id == report.id

    assert tasklists.tasks_for(school.clerk) == []
    assert len(tasklists.tasks_for(school.clerk, answered=True)) == 4
    # Told after each commit: the drafter and the district's clerk, not the school.
    assert _told(district.staff).count("report_answered") == 5  # 4 answers + 1 correction
    assert _told(district.clerk).count("report_answered") == 5
    assert "report_answered" not in _told(school.leader)
    links = db.session.scalars(
        select(Notification.link).where(Notification.kind == "report_answered")
    ).all()
    assert set(links) == {f"/directives/{doc.id}"}  # the district's board of the directive
    assert [e.action for e in history("report_task", figure_task.id)] == [
        "report_answered",
        "report_corrected",
    ]


def test_a_late_answer_is_accepted_and_marked_late_and_then_frozen(directive, clock):
    world, _, doc = directive
    school = world.school_a
    on_time = _task(school, doc, "text")
    clock["now"] = LATE_EVENING_OF_DEADLINE  # still 05/10 at the office
    answers.answer(school.clerk, on_time.id, text="Đúng hạn, lúc 23 giờ 30")
    assert _reload(ReportTask, on_time.id).late is False

    clock["now"] = AFTER_DEADLINE
    late = _task(school, doc, "figure")
    answers.answer(school.clerk, late.id, figure="7")
    late = _reload(ReportTask, late.id)
    assert (late.state, late.late) == ("answered", True)
    assert history("report_task", late.id)[-1].changes["late"] is True
    with pytest.raises(Conflict):  # past the deadline: no more corrections
        answers.answer(school.clerk, late.id, figure="8")
    with pytest.raises(Conflict):
        answers.answer(school.clerk, on_time.id, text="Sửa sau hạn")
    assert _reload(ReportTask, late.id).answer_figure == Decimal("7.00")


def test_a_returned_answer_is_answered_again(directive):
    world, _, doc = directive
    school, district = world.school_a, world.district
    task = _task(school, doc, "text")
    answers.answer(school.clerk, task.id, text="Không có khó khăn.")
    tracking.return_answer(district.leader, doc.id, task.id, "Đề nghị nêu cụ thể số phòng máy.")
    returned = tasklists.tasks_for(school.clerk)
    assert task.id in [t.id for t in returned]
    assert _reload(ReportTask, task.id).state == "returned"
    again = answers.answer(school.leader, task.id, text="Thiếu 2 phòng máy.")
    assert (again.state, again.late, again.answer_text) == ("answered", False, "Thiếu 2 phòng máy.")
    assert history("report_task", task.id)[-1].action == "report_answered_again"


def test_a_school_never_reaches_another_schools_task(directive, client):
    world, _, doc = directive
    mine = _task(world.school_a, doc, "text")
    for outsider in (world.school_b.clerk, world.school_b.leader, world.district.clerk):
        with pytest.raises(NotFound):
            tasklists.get_task(outsider, mine.id)
        with pytest.raises(NotFound):
            answers.answer(outsider, mine.id, text="Trả lời hộ")
    with pytest.raises(NotFound):  # a teacher not given the document
        answers.answer(world.school_a.staff, mine.id, text="Trả lời")
    assert _reload(ReportTask, mine.id).state == "open"

    factories.login(client, world.school_b.clerk)
    assert client.get(f"/directives/tasks/{mine.id}").status_code == 404
    assert client.post(f"/directives/tasks/{mine.id}/answer", data={"text": "x"}).status_code in (
        400,
        404,
    )
    assert client.get(f"/directives/tasks/delivery/{mine.delivery_id}").status_code == 404
    assert _reload(ReportTask, mine.id).state == "open"


def test_acknowledging_a_directive_once_with_an_editable_note(directive):
    world, _, doc = directive
    school = world.school_a
    copy = next(d for d in doc.deliveries if d.recipient_org_id == school.org.id)
    with pytest.raises(Forbidden):
        answers.acknowledge(school.staff, copy.id, "Đã triển khai")
    with pytest.raises(NotFound):
        answers.acknowledge(world.school_b.clerk, copy.id, "Đã triển khai")
    with pytest.raises(ValidationFailed):
        answers.acknowledge(school.clerk, copy.id, "x" * 1001)

    answers.acknowledge(school.clerk, copy.id, "Đã phổ biến đến các tổ chuyên môn.")
    first = _reload(Delivery, copy.id)
    assert (first.acknowledged_by_id, first.acknowledgement_note) == (
        school.clerk.id,
        "Đã phổ biến đến các tổ chuyên môn.",
    )
    assert first.first_read_by_id == school.clerk.id  # acknowledging means having read it
    when = first.acknowledged_at

    answers.acknowledge(school.leader, copy.id, "Đã phổ biến; kế hoạch gửi kèm sau.")
    again = _reload(Delivery, copy.id)
    assert (again.acknowledged_at, again.acknowledged_by_id) == (when, school.clerk.id)
    assert again.acknowledgement_note == "Đã phổ biến; kế hoạch gửi kèm sau."
    assert [e.action for e in history("delivery", copy.id)] == [
        "directive_acknowledged",
        "acknowledgement_edited",
    ]


def test_the_first_reading_is_recorded_once(directive, client, clock):
    world, _, doc = directive
    school = world.school_a
    copy = next(d for d in doc.deliveries if d.recipient_org_id == school.org.id)
    other = next(d for d in doc.deliveries if d.recipient_org_id == world.school_b.org.id)

    factories.login(client, school.leader)
    assert client.get(f"/outgoing/inbox/{copy.id}/document.pdf").status_code == 200
    read = _reload(Delivery, copy.id)
    assert (read.first_read_by_id, read.first_read_at) == (school.leader.id, NOW)
    assert _reload(Delivery, other.id).first_read_at is None

    clock["now"] = AFTER_DEADLINE
    client.post("/logout")
    factories.login(client, school.clerk)
    assert client.get(f"/directives/tasks/delivery/{copy.id}").status_code == 200
    assert client.get(f"/directives/tasks/delivery/{copy.id}/document.pdf").status_code == 200
    incoming = delivery.register_delivery(school.clerk, copy.id)
    assert client.get(f"/incoming/{incoming.id}").status_code == 200
    still = _reload(Delivery, copy.id)
    assert (still.first_read_by_id, still.first_read_at) == (school.leader.id, NOW)

    # School B first opens it from its registered incoming document.
    b = world.school_b
    registered = delivery.register_delivery(b.clerk, other.id)
    client.post("/logout")
    factories.login(client, b.leader)
    page = client.get(f"/incoming/{registered.id}")
    assert page.status_code == 200
    assert "Yêu cầu báo cáo, xác nhận đã triển khai" in page.get_data(as_text=True)
    assert _reload(Delivery, other.id).first_read_by_id == b.leader.id


def test_the_school_answers_through_its_pages(directive, client):
    world, _, doc = directive
    school = world.school_a
    factories.login(client, school.clerk)

    home = client.get("/").get_data(as_text=True)
    assert "Yêu cầu báo cáo cần trả lời: 4" in home

    listing = client.get("/directives/tasks/").get_data(as_text=True)
    assert "Tóm tắt khó khăn, vướng mắc" in listing and "05/10/2026" in listing

    figure = _task(school, doc, "figure")
    page = client.get(f"/directives/tasks/{figure.id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Số học sinh lớp 1" in text and 'name="figure"' in text and 'name="file"' not in text
    assert "Đã nhận, đã triển khai" in text  # the acknowledgement form

    refused = client.post(
        f"/directives/tasks/{figure.id}/answer",
        data={"figure": "nhiều"},
    )
    assert refused.status_code == 422
    assert "Số liệu phải là một số" in refused.get_data(as_text=True)

    sent = client.post(
        f"/directives/tasks/{figure.id}/answer",
        data={"figure": "1.250"},
        follow_redirects=True,
    )
    assert sent.status_code == 200
    body = sent.get_data(as_text=True)
    assert "Đã gửi câu trả lời" in body and "1.250" in body
    assert _reload(ReportTask, figure.id).answer_figure == Decimal("1250.00")

    file_task = _task(school, doc, "file")
    uploaded = client.post(
        f"/directives/tasks/{file_task.id}/answer",
        data={
            "file": (io.BytesIO(factories.pdf_bytes()), "Danh sách.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert uploaded.status_code == 302
    download = client.get(f"/directives/tasks/{file_task.id}/file")
    assert download.status_code == 200 and download.data == factories.pdf_bytes()

    copy = _task(school, doc, "text").delivery_id
    acked = client.post(
        f"/directives/tasks/delivery/{copy}/acknowledge",
        data={
            "note": "Đã triển khai đến giáo viên.",
        },
        follow_redirects=True,
    )
    assert "Đơn vị đã xác nhận «Đã nhận, đã triển khai»" in acked.get_data(as_text=True)
    assert "Yêu cầu báo cáo cần trả lời: 2" in client.get("/").get_data(as_text=True)


def _home_queries(client) -> int:
    from sqlalchemy import event

    count = {"n": 0}

    def counter(*_args) -> None:
        count["n"] += 1

    event.listen(db.engine, "before_cursor_execute", counter)
    try:
        assert client.get("/").status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", counter)
    return count["n"]


def test_the_home_card_costs_the_same_queries_whatever_the_tasks(directive, client):
    world, _, _doc = directive
    district, school = world.district, world.school_a
    factories.login(client, school.leader)
    few = _home_queries(client)
    plan = factories.outgoing_plan(
        world,
        school,
        subject="Kế hoạch kiểm tra nội bộ",
        requests=[RequestInput(f"Báo cáo số {n}", DEADLINE, "text") for n in range(1, 6)],
    )
    _issue(district.staff, district.leader, district.clerk, plan)
    assert tasklists.dashboard_card(school.leader).count == 9
    assert _home_queries(client) == few
    page = client.get("/").get_data(as_text=True)
    assert "Yêu cầu báo cáo cần trả lời: 9" in page
    assert tasklists.dashboard_card(school.staff) is None  # clerks and leaders only
