"""Review of issue 6's directives: what a recalled directive still asks of the schools,
the district's download of one answer file, the ZIP's summary opened in Excel, and the
scheduler's reminder for an answer returned after a general extension."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date

import pytest

from eoffice.core import timeutil
from eoffice.core.errors import Conflict, NotFound
from eoffice.directives import tasklists, tracking
from eoffice.directives.board import build_board
from eoffice.directives.models import ReportTask
from eoffice.extensions import db
from eoffice.jobs.connection import runner
from eoffice.orgs.models import User, UserRole
from eoffice.outgoing import recall
from tests import factories
from tests.directive_support import (
    answer_on,
    directive,
    local_moment,
    many_schools,
    moment,
    task_of,
)

DEADLINE = date(2026, 10, 2)  # a Friday
TODAY = date(2026, 9, 29)  # the Tuesday before


@pytest.fixture(autouse=True)
def empty_queues(app):
    runner().connection.flushall()


@pytest.fixture(autouse=True)
def signing_office(app, world, test_ca):
    with moment(date(2026, 9, 1)):
        factories.equip_for_signing(world.district, test_ca)


@pytest.fixture
def on_today(app):
    timeutil.set_clock(lambda: local_moment(TODAY, 9))
    yield
    timeutil.set_clock(None)


def _tick(day: date) -> int:
    now = timeutil.to_utc(local_moment(day, 9))
    timeutil.set_clock(lambda: now)
    try:
        return tracking.send_due_reminders(now)
    finally:
        timeutil.set_clock(None)


def test_a_recalled_directive_is_no_longer_asked_of_the_schools(world, client, on_today):
    schools = many_schools(world, 3)
    doc, [request] = directive(world, schools, [DEADLINE])
    answer_on(request, schools[0], TODAY)
    owed = task_of(request, schools[1])
    recall.recall(world.district.leader, doc.id, "Văn bản ban hành nhầm đối tượng")

    clerk = world.school_b.clerk
    assert tasklists.tasks_for(clerk) == [] and tasklists.open_task_count(clerk) == 0
    with pytest.raises(NotFound):  # the task is withdrawn with its directive
        tasklists.get_task(clerk, owed.id)
    factories.login(client, clerk)
    assert client.get(f"/directives/tasks/{owed.id}").status_code == 404
    with pytest.raises(Conflict):
        tracking.remind(world.district.clerk, doc.id)
    assert _tick(DEADLINE) == 0  # the deadline day, and the day after it
    assert _tick(date(2026, 10, 5)) == 0

    # The district still sees what came in, marked recalled, without its steps.
    timeutil.set_clock(lambda: local_moment(TODAY, 10))
    board = build_board(world.district.leader, doc.id)
    assert not board.can_manage and not board.open
    client.post("/logout")
    factories.login(client, world.district.leader)
    page = client.get(f"/directives/{doc.id}").get_data(as_text=True)
    assert "Văn bản đã bị thu hồi" in page
    assert "Gia hạn chung" not in page and "Nhắc các trường chưa trả lời" not in page


def test_the_district_downloads_one_answer_file_from_the_board(world, client, on_today):
    schools = many_schools(world, 2)
    doc, [request] = directive(world, schools, [DEADLINE])
    answered = answer_on(request, schools[0], TODAY, file_name="Kế hoạch trường A.xlsx")
    address = f"/directives/{doc.id}/tasks/{answered.id}/file"

    factories.login(client, world.district.clerk)
    assert address in client.get(f"/directives/{doc.id}").get_data(as_text=True)
    got = client.get(address)
    assert got.status_code == 200 and got.data[:2] == b"PK"
    assert "attachment" in got.headers["Content-Disposition"]
    open_task = task_of(request, schools[1])
    assert client.get(f"/directives/{doc.id}/tasks/{open_task.id}/file").status_code == 404
    client.post("/logout")
    bystander = factories.make_user(  # of the office, with no part in the directive
        world.district.org, "chuyenvien2@pgd.hcm.edu.vn", ["staff"], "Chuyên Viên Khác"
    )
    db.session.commit()
    for outsider in (world.school_b.clerk, bystander):
        factories.login(client, outsider)
        assert client.get(address).status_code in (403, 404)
        client.post("/logout")


def test_the_zip_summary_never_hands_excel_a_formula(world, client, on_today):
    schools = many_schools(world, 2)
    doc, [request] = directive(world, schools, [DEADLINE])
    answer_on(request, schools[0], TODAY, text='=HYPERLINK("http://x.invalid","Bấm")')
    answer_on(request, schools[1], TODAY, text="@SUM(1+1)")

    factories.login(client, world.district.leader)
    got = client.get(f"/directives/{doc.id}/answers.zip")
    assert got.status_code == 200
    with zipfile.ZipFile(io.BytesIO(got.data)) as archive:
        summary = archive.read("Tong_hop.csv").decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(summary)))[1:]
    texts = sorted(r[5] for r in rows)
    assert texts == ['\'=HYPERLINK("http://x.invalid","Bấm")', "'@SUM(1+1)"]


def test_an_answer_returned_after_a_general_extension_is_reminded_when_overdue(world, outbox):
    schools = many_schools(world, 2)
    doc, [request] = directive(world, schools, [DEADLINE])
    answer_on(request, schools[0], date(2026, 9, 30))
    with moment(date(2026, 10, 5)):
        tracking.extend_deadline(
            world.district.leader, doc.id, request.id, date(2026, 10, 30), "Lùi hạn chung"
        )
        tracking.return_answer(
            world.district.leader, doc.id, task_of(request, schools[0]).id, "Thiếu phụ lục"
        )
    db.session.expire_all()
    returned = task_of(request, schools[0])
    assert (returned.state, returned.deadline) == ("returned", DEADLINE)  # still overdue

    assert _tick(date(2026, 10, 6)) == 1  # the overdue occasion of its own deadline
    assert _tick(date(2026, 10, 7)) == 0
    assert db.session.get(ReportTask, returned.id).reminders_sent == 1


def test_a_school_that_refused_its_copy_is_not_asked_for_the_report(world, client, on_today):
    from eoffice.outgoing import delivery as deliveries

    schools = many_schools(world, 2)
    doc, [request] = directive(world, schools, [DEADLINE])
    refused, kept = schools
    refused_clerk = db.session.scalars(
        db.select(User).join(UserRole).where(User.org_id == refused.id, UserRole.role == "clerk")
    ).first()
    copy = next(d for d in doc.deliveries if d.recipient_org_id == refused.id)
    deliveries.reject_delivery(
        refused_clerk, copy.id, "Văn bản gửi nhầm đơn vị, đề nghị Phòng rà soát."
    )

    assert tasklists.tasks_for(refused_clerk) == []
    assert tracking.remind(world.district.clerk, doc.id) == 1  # only the school that kept it
    db.session.expire_all()
    assert task_of(request, refused).reminders_sent == 0
    assert task_of(request, kept).reminders_sent == 1
