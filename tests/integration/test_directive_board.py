"""The district's side of directives: the tracking board, deadlines, returns, reminders
(e-mails through a real SMTP server), exports and the leader's roll-up."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import event, select

from eoffice.core import timeutil
from eoffice.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from eoffice.directives import tracking
from eoffice.directives.board import AnswerStatus, BoardFilters, build_board
from eoffice.directives.exports import safe_name
from eoffice.directives.models import ReportTask, TaskState
from eoffice.directives.rollup import build_rollup
from eoffice.extensions import db
from eoffice.jobs.clock import Clock
from eoffice.jobs.connection import runner
from eoffice.notifications.models import Notification, NotificationKind
from eoffice.orgs.models import User
from tests import factories
from tests.directive_support import (
    acknowledge_on,
    answer_on,
    directive,
    local_moment,
    many_schools,
    moment,
    read_on,
    register,
    task_of,
)

DEADLINE = date(2026, 10, 2)  # a Friday
TODAY = date(2026, 10, 6)  # the Tuesday after: the deadline has passed


@pytest.fixture
def app_config(app_config, smtp):
    _collector, port = smtp
    return {**app_config, "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port}


@pytest.fixture(autouse=True)
def empty_queues(app):
    runner().connection.flushall()


@pytest.fixture(autouse=True)
def signing_office(app, world, test_ca):
    """The district can sign (its directives are issued through the real steps), with
    certificates valid from before the test's first directive."""
    with moment(date(2026, 9, 1)):
        factories.equip_for_signing(world.district, test_ca)


@pytest.fixture
def on_today(app):
    timeutil.set_clock(lambda: local_moment(TODAY, 9))
    yield
    timeutil.set_clock(None)


@pytest.fixture
def fifty(world):
    """50 schools: the first 20 answer on time, the next 10 late, the last 20 never."""
    schools = many_schools(world, 50)
    doc, [request] = directive(world, schools, [DEADLINE])
    for org in schools[:20]:
        answer_on(request, org, date(2026, 10, 1))
    for org in schools[20:30]:
        answer_on(request, org, date(2026, 10, 5), text="Báo cáo bổ sung")
    return schools, doc, request


def _status(board, org_id: int) -> AnswerStatus:
    [row] = [r for r in board.rows if r.org_id == org_id]
    return row.cells[0].status


def _people(org_ids) -> set[str]:
    return {u.email for users in tracking.school_people(org_ids).values() for u in users}


def test_the_board_shows_answers_on_time_late_and_missing(world, fifty, on_today):
    schools, doc, request = fifty
    register(doc, schools[0], assign=True)
    register(doc, schools[1])
    read_on(doc, schools[0], date(2026, 9, 22))
    acknowledge_on(doc, schools[0], date(2026, 9, 23), "Đã nhận, đã triển khai đến giáo viên")

    board = build_board(world.district.leader, doc.id)
    assert board.total == 50 and len(board.rows) == 50
    counts = board.answer_counts[request.id]
    assert (counts[AnswerStatus.ON_TIME], counts[AnswerStatus.LATE]) == (20, 10)
    assert (counts[AnswerStatus.MISSING], counts[AnswerStatus.OPEN]) == (20, 0)
    assert board.counts == {
        "schools": 50,
        "delivered": 50,
        "rejected": 0,
        "registered": 2,
        "read": 1,
        "assigned": 1,
        "acknowledged": 1,
    }
    first = next(r for r in board.rows if r.org_id == schools[0].id)
    assert first.assigned and first.registered_at is not None and first.assigned_at is not None
    assert first.acknowledgement_note == "Đã nhận, đã triển khai đến giáo viên"
    assert _status(board, schools[0].id) == AnswerStatus.ON_TIME
    assert _status(board, schools[25].id) == AnswerStatus.LATE
    assert _status(board, schools[45].id) == AnswerStatus.MISSING

    # Before the deadline, the unanswered are open, not missing.
    early = build_board(world.district.leader, doc.id, today=DEADLINE)
    assert early.answer_counts[request.id][AnswerStatus.OPEN] == 20

    missing = build_board(world.district.leader, doc.id, BoardFilters(answer="missing"))
    assert {r.org_id for r in missing.rows} == {o.id for o in schools[30:]}
    late = build_board(world.district.leader, doc.id, BoardFilters(answer="late"))
    assert {r.org_id for r in late.rows} == {o.id for o in schools[20:30]}
    assert missing.counts["schools"] == 50  # the header counts the whole board
    named = build_board(world.district.leader, doc.id, BoardFilters(text="Trường SỐ 007"))
    assert [r.name for r in named.rows] == ["Trường số 007 “Hoa Mai”"]
    ward = build_board(world.district.leader, doc.id, BoardFilters(ward="Phường 1"))
    assert ward.rows and all(r.ward == "Phường 1" for r in ward.rows)
    level = build_board(world.district.leader, doc.id, BoardFilters(level="kindergarten"))
    assert level.rows and all(r.kind == "kindergarten" for r in level.rows)
    by_answer = build_board(
        world.district.leader, doc.id, BoardFilters(sort="answered_at", descending=True)
    )
    assert {r.org_id for r in by_answer.rows[:10]} == {o.id for o in schools[20:30]}
    assert all(r.cells[0].answered_at is None for r in by_answer.rows[30:])
    registered = build_board(world.district.leader, doc.id, BoardFilters(status="registered"))
    assert {r.org_id for r in registered.rows} == {schools[0].id, schools[1].id}


def test_reminders_reach_exactly_the_schools_that_have_not_answered(world, fifty, on_today, outbox):
    schools, doc, request = fifty
    # One answer returned for correction: that school owes the answer again.
    tracking.return_answer(
        world.district.leader, doc.id, task_of(request, schools[0]).id, "Thiếu số liệu"
    )
    runner().work_burst()
    outbox.messages.clear()

    reminded = tracking.remind(world.district.clerk, doc.id)
    assert reminded == 21
    assert outbox.messages == []  # sent by the queued jobs, not in the request
    runner().work_burst()
    owing = [schools[0].id] + [o.id for o in schools[30:]]
    expected = _people(owing)
    assert len(expected) == 42  # a clerk and a leader per school
    assert {m["X-Envelope-To"] for m in outbox.messages} == expected
    assert len(outbox.messages) == 42
    assert all(
        m["Subject"].startswith("[eoffice] Nhắc báo cáo: 01/KH-GDĐT") for m in outbox.messages
    )
    assert world.school_a.staff.email not in {m["X-Envelope-To"] for m in outbox.messages}
    # Named schools: only those that still owe are reminded.
    outbox.messages.clear()
    assert (
        tracking.remind(world.district.clerk, doc.id, request.id, [schools[5].id, schools[40].id])
        == 1
    )
    runner().work_burst()
    assert {m["X-Envelope-To"] for m in outbox.messages} == _people([schools[40].id])
    with pytest.raises(Conflict):
        tracking.remind(world.district.clerk, doc.id, request.id, [schools[5].id])


def test_extending_for_one_school_changes_its_status_only(world, fifty, on_today, outbox):
    schools, doc, request = fifty
    before = build_board(world.district.leader, doc.id)
    target = schools[40]
    with pytest.raises(ValidationFailed):
        tracking.extend_deadline(
            world.district.leader,
            doc.id,
            request.id,
            TODAY + timedelta(days=3),
            "  ",
            school_id=target.id,
        )
    with pytest.raises(ValidationFailed):
        tracking.extend_deadline(
            world.district.leader, doc.id, request.id, DEADLINE, "Lý do", school_id=target.id
        )
    with pytest.raises(Forbidden):  # a clerk follows the board but does not change it
        tracking.extend_deadline(
            world.district.clerk,
            doc.id,
            request.id,
            date(2026, 10, 9),
            "Lý do",
            school_id=target.id,
        )
    tracking.extend_deadline(
        world.district.leader,
        doc.id,
        request.id,
        date(2026, 10, 9),
        "Trường bị ngập, xin lùi hạn",
        school_id=target.id,
    )
    after = build_board(world.district.leader, doc.id)
    changed = {
        r.org_id
        for r, old in zip(
            sorted(after.rows, key=lambda r: r.org_id),
            sorted(before.rows, key=lambda r: r.org_id),
            strict=True,
        )
        if (r.cells[0].status, r.cells[0].deadline) != (old.cells[0].status, old.cells[0].deadline)
    }
    assert changed == {target.id}
    assert _status(after, target.id) == AnswerStatus.OPEN
    assert db.session.get(type(request), request.id).deadline == DEADLINE
    runner().work_burst()
    assert {m["X-Envelope-To"] for m in outbox.messages} == _people([target.id])
    assert "09/10/2026" in outbox.messages[0].get_body(preferencelist=("plain",)).get_content()

    # For all: the request and every task still owed; the answered keep their deadline.
    moved = tracking.extend_deadline(
        world.district.leader, doc.id, request.id, date(2026, 10, 12), "Lùi hạn chung"
    )
    assert len(moved) == 20
    everyone = build_board(world.district.leader, doc.id)
    assert everyone.answer_counts[request.id][AnswerStatus.OPEN] == 20
    assert everyone.answer_counts[request.id][AnswerStatus.LATE] == 10
    assert task_of(request, schools[0]).deadline == DEADLINE


def test_returning_an_answer_sends_it_back_with_the_comment(world, fifty, on_today, outbox):
    schools, doc, request = fifty
    task = task_of(request, schools[3])
    with pytest.raises(Conflict):
        tracking.return_answer(
            world.district.leader, doc.id, task_of(request, schools[45]).id, "Thiếu"
        )
    tracking.return_answer(world.district.leader, doc.id, task.id, "Thiếu số liệu lớp 5")
    db.session.expire_all()
    task = db.session.get(ReportTask, task.id)
    assert (task.state, task.return_comment) == (TaskState.RETURNED, "Thiếu số liệu lớp 5")
    assert (
        _status(build_board(world.district.leader, doc.id), schools[3].id) == AnswerStatus.RETURNED
    )
    runner().work_burst()
    assert {m["X-Envelope-To"] for m in outbox.messages} == _people([schools[3].id])
    assert (
        "Thiếu số liệu lớp 5"
        in outbox.messages[0].get_body(preferencelist=("plain",)).get_content()
    )


def test_the_district_sees_the_board_and_a_school_cannot(client, world, fifty, on_today):
    _schools, doc, _request = fifty
    for person in (world.district.leader, world.district.clerk, world.district.staff):
        factories.login(client, person)
        page = client.get(f"/directives/{doc.id}")
        assert page.status_code == 200, person.email
        html = page.get_data(as_text=True)
        assert html.count('class="school-row"') == 50
        assert "Nhắc các trường chưa trả lời (20)" in html
        client.post("/logout")
    factories.login(client, world.district.leader)
    assert 'id="board-link"' in client.get(f"/outgoing/{doc.id}").get_data(as_text=True)
    assert "/directives/" in client.get("/").get_data(as_text=True)  # the "Báo cáo" menu
    client.post("/logout")
    for person in (world.school_a.leader, world.school_a.clerk):
        factories.login(client, person)
        assert client.get(f"/directives/{doc.id}").status_code in (403, 404)
        assert client.get(f"/directives/{doc.id}/board.xlsx").status_code in (403, 404)
        assert client.get(f"/directives/{doc.id}/answers.zip").status_code in (403, 404)
        assert client.post(f"/directives/{doc.id}/remind").status_code in (403, 404)
        assert client.get("/directives/rollup").status_code == 403
        client.post("/logout")
    with pytest.raises(NotFound):
        build_board(world.school_a.leader, doc.id)


def test_exports_the_board_and_the_answers(client, world, fifty, on_today):
    schools, doc, _request = fifty
    factories.login(client, world.district.leader)
    response = client.get(f"/directives/{doc.id}/board.xlsx")
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(response.data)).active
    names = [ws.cell(row=r, column=2).value for r in range(1, ws.max_row + 1)]
    assert sum(1 for n in names if n in {o.name for o in schools}) == 50
    assert "Chưa nộp (quá hạn)" in [c.value for row in ws.iter_rows() for c in row]

    response = client.get(f"/directives/{doc.id}/answers.zip")
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    files = [n for n in archive.namelist() if n != "Tong_hop.csv"]
    assert len(files) == 30  # one per answering school
    assert "Trường số 003 “Hoa Mai”.xlsx" in files  # Vietnamese kept
    assert all(not set('\\/:*?"<>|') & set(n) for n in files)
    summary = archive.read("Tong_hop.csv").decode("utf-8-sig")
    assert summary.count("\n") == 31 and "Trễ hạn" in summary
    assert safe_name('Trường: A/B "C"?. ') == "Trường- A-B -C-"


def test_automatic_reminders_once_per_occasion(app, world, outbox):
    schools = many_schools(world, 4)
    doc, [request] = directive(world, schools, [DEADLINE])
    answer_on(request, schools[0], date(2026, 9, 29))
    clock = Clock()

    def tick(day: date, hour: int = 9) -> int:
        now = timeutil.to_utc(local_moment(day, hour))
        timeutil.set_clock(lambda: now)
        try:
            return clock.tick(now).parts["report_reminders"]
        finally:
            timeutil.set_clock(None)

    assert tick(date(2026, 9, 29)) == 0  # three working days ahead: not yet
    assert tick(date(2026, 9, 30)) == 3  # two working days before the deadline
    assert tick(date(2026, 9, 30), 10) == 0  # the same occasion: once
    assert tick(date(2026, 10, 2)) == 0
    assert tick(date(2026, 10, 3)) == 0  # Saturday: nothing on a day off
    assert tick(date(2026, 10, 5)) == 3  # the first working day after the deadline
    assert tick(date(2026, 10, 6)) == 0
    runner().work_burst()
    # (the clock's other parts e-mail the clerks about check times: not counted here)
    ours = [m for m in outbox.messages if "Nhắc báo cáo" in m["Subject"]]
    assert {m["X-Envelope-To"] for m in ours} == _people([o.id for o in schools[1:]])
    assert len(ours) == 12  # two occasions x three schools x (clerk, leader)
    counts = db.session.scalars(
        select(ReportTask.reminders_sent).where(ReportTask.request_id == request.id)
    ).all()
    assert sorted(counts) == [0, 2, 2, 2]
    # An extension opens new occasions for the new deadline.
    timeutil.set_clock(lambda: local_moment(date(2026, 10, 6)))
    tracking.extend_deadline(
        world.district.leader, doc.id, request.id, date(2026, 10, 9), "Lùi hạn"
    )
    timeutil.set_clock(None)
    assert tick(date(2026, 10, 7)) == 3
    assert tick(date(2026, 10, 8)) == 0


def test_the_rollup_orders_schools_and_requests(world, on_today):
    schools = many_schools(world, 5)
    a, b, c, d, e = schools
    _doc1, [r1] = directive(world, schools, [date(2026, 10, 1)], number=1)
    _doc2, [r2] = directive(world, schools, [date(2026, 9, 30)], number=2)
    directive(world, schools, [date(2026, 10, 20)], number=3)  # not yet due
    # r1 (5 days overdue): a, b late; c on time; d, e missing -> 2 x 5 = 10
    answer_on(r1, a, date(2026, 10, 3))
    answer_on(r1, b, date(2026, 10, 2))
    answer_on(r1, c, date(2026, 9, 30))
    # r2 (6 days overdue): only e missing -> 6
    for org in (a, b, c, d):
        answer_on(r2, org, date(2026, 9, 29))
    rollup = build_rollup(world.district.leader)
    assert [(s.name, s.late, s.missing) for s in rollup.schools] == [
        (e.name, 0, 2),
        (d.name, 0, 1),  # as many as a and b, but missing counts first
        (b.name, 1, 0),  # then by name ("THCS" before "Tiểu học")
        (a.name, 1, 0),
    ]
    assert [(r.request_id, r.missing, r.overdue_days) for r in rollup.requests] == [
        (r1.id, 2, 10),
        (r2.id, 1, 6),
    ]
    assert rollup.open_requests == 3
    with pytest.raises(Forbidden):
        build_rollup(world.district.clerk)


def test_the_rollup_page_draws_the_chart(client, world, fifty, on_today):
    factories.login(client, world.district.leader)
    html = client.get("/directives/rollup").get_data(as_text=True)
    assert "<svg" in html and html.count('class="school"') == 20
    assert "Trường số 031" in html


class _Counter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, *args) -> None:
        self.count += 1


def _statements_of(call) -> int:
    """Statements run by `call`. SQLite (the embedded mode) cannot return the ids of a
    multi-row INSERT in order, so SQLAlchemy inserts notifications there one by one; those
    are left out of the count on SQLite only (PostgreSQL batches them)."""
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        call()
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    if db.engine.dialect.name == "sqlite":
        seen = [s for s in seen if not s.startswith("INSERT INTO notifications")]
    return len(seen)


def test_a_reminder_takes_the_same_statements_for_10_and_40_schools(world, on_today, outbox):
    """The reminder and its notices (one per school, each with its own link) are a fixed
    number of statements: a reminder to every school of a district must not cost one
    transaction per school."""
    schools = many_schools(world, 40)
    few, _ = directive(world, schools[:10], [DEADLINE], number=1)
    many, _ = directive(world, schools, [DEADLINE], number=2)
    leader = world.district.leader
    db.session.expire_all()
    assert _statements_of(lambda: tracking.remind(leader, few.id)) == _statements_of(
        lambda: tracking.remind(leader, many.id)
    )
    assert len(_told(schools[39], NotificationKind.REPORT_REMINDER)) == 1
    runner().work_burst()
    assert len(outbox.messages) == len(_people(s.id for s in schools[:10])) + len(
        _people(s.id for s in schools)
    )


def _queries_for_board(user: User, doc_id: int) -> int:
    db.session.expire_all()
    counter = _Counter()
    event.listen(db.engine, "before_cursor_execute", counter)
    try:
        board = build_board(user, doc_id)
        assert board.rows
    finally:
        event.remove(db.engine, "before_cursor_execute", counter)
    return counter.count


def test_the_board_takes_the_same_queries_for_10_and_60_schools(world, on_today):
    schools = many_schools(world, 60)
    few, _ = directive(world, schools[:10], [DEADLINE, date(2026, 10, 9)], number=1)
    many, _ = directive(world, schools, [DEADLINE, date(2026, 10, 9)], number=2)
    for org in schools[:5]:
        register(few, org, assign=True)
        register(many, org, assign=True)
    leader = world.district.leader
    assert _queries_for_board(leader, few.id) == _queries_for_board(leader, many.id)


def _told(org, kind: NotificationKind) -> list[Notification]:
    leader = db.session.scalars(
        select(User).where(User.org_id == org.id, User.email.like("hieutruong@%"))
    ).one()
    return list(
        db.session.scalars(
            select(Notification).where(Notification.user_id == leader.id, Notification.kind == kind)
        )
    )


def test_notifications_are_in_app_too_and_open_the_schools_task(client, world, fifty, on_today):
    schools, doc, request = fifty
    tracking.remind(world.district.leader, doc.id)
    [row] = _told(schools[45], NotificationKind.REPORT_REMINDER)
    assert row.title == "Nhắc báo cáo: 01/KH-GDĐT" and "02/10/2026" in row.body
    task = task_of(request, schools[45])
    assert row.link == f"/directives/tasks/{task.id}"  # the task page, not the document
    tracking.return_answer(world.district.leader, doc.id, task_of(request, schools[10]).id, "Sai")
    [returned] = _told(schools[10], NotificationKind.REPORT_RETURNED)
    assert returned.link == f"/directives/tasks/{task_of(request, schools[10]).id}"
    tracking.extend_deadline(
        world.district.leader,
        doc.id,
        request.id,
        date(2026, 10, 9),
        "Lùi hạn",
        school_id=schools[45].id,
    )
    [extended] = _told(schools[45], NotificationKind.REPORT_DEADLINE_EXTENDED)
    assert extended.link == row.link
    # The school's leader lands on a page that is theirs.
    leader = db.session.scalars(
        select(User).where(User.org_id == schools[45].id, User.email.like("hieutruong@%"))
    ).one()
    factories.login(client, leader)
    page = client.get(row.link)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "09/10/2026" in html
    # Its menu leads to its requests, with the number still to answer.
    assert 'id="nav-report-tasks"' in html and 'data-open-tasks="1"' in html
    client.post("/logout")
    factories.login(client, world.district.leader)
    assert 'id="nav-report-tasks"' not in client.get("/").get_data(as_text=True)


def test_figures_show_the_vietnamese_way_on_the_pages(app):
    from decimal import Decimal

    from flask import render_template_string

    with app.test_request_context():
        shown = render_template_string(
            "{{ a|figure }} {{ b|figure }}", a=Decimal("1185.50"), b=Decimal("298.00")
        )
    assert shown == "1.185,5 298"


def test_a_refused_extension_or_return_keeps_what_the_officer_typed(client, world, on_today):
    """The board's dialogs come back open with the reason for the refusal and the text
    that was typed; a 403/404 is still the error page."""
    schools = many_schools(world, 3)
    doc, [request] = directive(world, schools, [DEADLINE])
    answer_on(request, schools[0], date(2026, 10, 1))
    factories.login(client, world.district.leader)
    board_url = f"/directives/{doc.id}"
    extend = {
        "request_id": str(request.id),
        "school_id": str(schools[1].id),
        "deadline": "31/02/2026",
        "reason": "Trường bị ngập, xin lùi hạn",
        "sort": "deadline",
    }
    page = client.post(f"{board_url}/extend", data=extend)
    html = page.get_data(as_text=True)
    assert page.status_code == 422
    assert re.search(r'id="extend-modal"[^>]*data-reopen', html)
    assert "không đúng dạng ngày/tháng/năm" in html
    assert "Trường bị ngập, xin lùi hạn</textarea>" in html
    assert 'value="31/02/2026"' in html and f"Gia hạn: {schools[1].name}" in html
    assert 'name="sort" value="deadline"' in html  # the filters survive the round trip

    early = client.post(f"{board_url}/extend", data={**extend, "deadline": "01/10/2026"})
    assert early.status_code == 422
    assert "Trường bị ngập, xin lùi hạn</textarea>" in early.get_data(as_text=True)
    assert task_of(request, schools[1]).deadline == DEADLINE

    unanswered = task_of(request, schools[2])
    refused = client.post(
        f"{board_url}/tasks/{unanswered.id}/return", data={"comment": "Thiếu số liệu lớp 5"}
    )
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "data-reopen" in html
    assert "Thiếu số liệu lớp 5</textarea>" in html
    assert f'action="/directives/{doc.id}/tasks/{unanswered.id}/return"' in html
    assert f"Trả lại: {schools[2].name}" in html

    other = client.post(f"{board_url}/tasks/999999/return", data={"comment": "x"})
    assert other.status_code == 404

    done = client.post(f"{board_url}/extend", data={**extend, "deadline": "09/10/2026"})
    assert done.status_code == 302 and "sort=deadline" in done.headers["Location"]
    assert task_of(request, schools[1]).deadline == date(2026, 10, 9)
