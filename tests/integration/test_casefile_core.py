"""The core of case files: filing documents without copying them, ordering, the rule
that a file closes only when everything in it is finished, and what closing computes."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select, update

from eoffice.api.casefiles_schemas import contents_row_json
from eoffice.casefiles import files, retention
from eoffice.casefiles.models import CaseFile, CaseFileItem
from eoffice.core import timeutil
from eoffice.core.audit import history
from eoffice.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from eoffice.extensions import db
from eoffice.incoming import processing
from eoffice.incoming.processing import Party
from tests import factories
from tests.casefile_support import file_outside_list, handled_incoming
from tests.directive_support import local_moment


@pytest.fixture
def on_day(app):
    timeutil.set_clock(lambda: local_moment(date(2026, 11, 20), 10))
    yield
    timeutil.set_clock(None)


def test_a_file_closes_only_when_every_document_is_finished(world, on_day):
    school = world.school_a
    done = handled_incoming(school, document_date=date(2026, 9, 19), page_count=3)
    busy = handled_incoming(
        school, complete=False, subject="Về việc báo cáo số liệu", document_date=date(2026, 10, 2)
    )
    case_file = file_outside_list(school)
    added = files.add_documents(school.staff, case_file.id, incoming_ids=[done.id, busy.id])
    assert [i.position for i in added] == [1, 2]
    # A second click files nothing twice.
    assert files.add_documents(school.staff, case_file.id, incoming_ids=[done.id]) == []

    with pytest.raises(Conflict, match="STT 2"):
        files.close_file(school.staff, case_file.id, "10")
    processing.complete(school.staff, busy.id, "Đã báo cáo.")
    closed = files.close_file(school.staff, case_file.id, "10", "Đủ hồ sơ")
    assert closed.state == "closed"
    assert (closed.start_date, closed.end_date) == (date(2026, 9, 19), date(2026, 10, 2))
    assert (closed.doc_total, closed.page_total) == (2, 5)
    assert closed.closed_on == date(2026, 11, 20)
    assert closed.handover_due == date(2027, 11, 20)
    assert closed.warn_from == date(2027, 10, 21)
    assert closed.retention_expires == date(2036, 12, 31)
    rows = files.contents(closed)
    assert [r.page_range for r in rows] == ["1–3", "4–5"]

    with pytest.raises(Conflict):
        files.add_documents(school.staff, case_file.id, incoming_ids=[done.id])
    with pytest.raises(Forbidden):
        files.reopen_file(school.staff, case_file.id, "Bổ sung văn bản")
    reopened = files.reopen_file(school.leader, case_file.id, "Bổ sung văn bản")
    assert reopened.state == "open" and reopened.handover_due is None


def test_one_document_in_two_files_is_not_copied(world, on_day):
    school = world.school_a
    doc = handled_incoming(school)
    first = file_outside_list(school, "Hồ sơ thứ nhất")
    second = file_outside_list(school, "Hồ sơ thứ hai", notation="TCCB")
    files.add_documents(school.staff, first.id, incoming_ids=[doc.id])
    files.add_documents(school.clerk, second.id, incoming_ids=[doc.id])
    assert {f.id for f in files.files_of_document(school.staff, incoming_id=doc.id)} == {
        first.id,
        second.id,
    }
    assert db.session.scalar(select(func.count(CaseFileItem.id))) == 2
    assert first.code != second.code


def test_ordering_and_removing_keep_positions_without_gaps(world, on_day):
    school = world.school_a
    docs = [
        handled_incoming(school, subject=f"Văn bản {n}", document_date=date(2026, 9, 10 + n))
        for n in (3, 1, 2)
    ]
    case_file = file_outside_list(school)
    files.add_documents(school.staff, case_file.id, incoming_ids=[d.id for d in docs])
    files.order_chronologically(school.staff, case_file.id)
    assert [r.document_date.day for r in files.contents(case_file)] == [11, 12, 13]
    last = files.contents(case_file)[-1]
    files.move_item(school.staff, case_file.id, last.item_id, 1)
    assert [r.document_date.day for r in files.contents(case_file)] == [13, 11, 12]
    files.remove_item(school.staff, case_file.id, files.contents(case_file)[1].item_id)
    assert [(r.position, r.document_date.day) for r in files.contents(case_file)] == [
        (1, 13),
        (2, 12),
    ]


def test_another_office_can_neither_see_nor_fill_the_file(world, on_day):
    mine = world.school_a
    theirs = world.school_b
    case_file = file_outside_list(mine)
    their_doc = handled_incoming(theirs)
    with pytest.raises(NotFound):
        files.add_documents(theirs.clerk, case_file.id, incoming_ids=[their_doc.id])
    with pytest.raises(NotFound):  # the document of another office is not ours to file
        files.add_documents(mine.clerk, case_file.id, incoming_ids=[their_doc.id])
    assert db.session.get(CaseFile, case_file.id).items == []


def test_a_step_reads_the_file_the_lock_waited_for_not_the_one_loaded(world, on_day):
    """The view loads the file, someone else closes it, then our step takes the lock:
    it must see «closed» (PostgreSQL re-reads the row after FOR UPDATE; populate_existing
    makes the session take that row instead of the copy it already holds)."""
    school = world.school_a
    doc = handled_incoming(school)
    case_file = file_outside_list(school)
    loaded = db.session.get(CaseFile, case_file.id)
    assert loaded.state == "open"
    # Another session's commit, as the database has it (the loaded copy is not told).
    db.session.execute(
        update(CaseFile).where(CaseFile.id == case_file.id).values(state="closed"),
        execution_options={"synchronize_session": False},
    )
    with pytest.raises(Conflict, match="đã kết thúc"):
        files.add_documents(school.staff, case_file.id, incoming_ids=[doc.id])
    assert db.session.scalar(select(func.count(CaseFileItem.id))) == 0


def test_moving_a_document_is_on_the_files_record(world, on_day):
    school = world.school_a
    docs = [handled_incoming(school, subject=f"Văn bản {n}") for n in (1, 2)]
    case_file = file_outside_list(school)
    files.add_documents(school.staff, case_file.id, incoming_ids=[d.id for d in docs])
    last = files.contents(case_file)[-1]
    files.move_item(school.staff, case_file.id, last.item_id, 1)
    files.move_item(school.staff, case_file.id, last.item_id, 1)  # already there: no record
    moves = [e for e in history("case_file", case_file.id) if e.action == "document_moved"]
    assert [(e.actor_id, e.changes) for e in moves] == [(school.staff.id, {"position": [2, 1]})]


def test_a_file_closes_with_the_retired_level_it_already_has(world, on_day):
    school = world.school_a
    doc = handled_incoming(school)
    case_file = file_outside_list(school, retention="20")
    files.add_documents(school.staff, case_file.id, incoming_ids=[doc.id])
    retention.set_active(world.district.admin, "20", False)
    retention.set_active(world.district.admin, "70", False)
    with pytest.raises(ValidationFailed):  # another retired level is not offered
        files.close_file(school.staff, case_file.id, "70")
    closed = files.close_file(school.staff, case_file.id, "20")
    assert (closed.state, closed.retention_code) == ("closed", "20")


def test_a_secret_document_is_masked_for_those_who_may_not_read_it(world, on_day, app):
    school = world.school_a
    secret = factories.register(
        school.clerk,
        confidentiality_code="secret",
        subject="Về việc nhân sự mật",
        symbol="15/NS-MAT",
    )
    processing.present(school.clerk, secret.id, presented_to=school.leader.id)
    processing.assign(school.leader, secret.id, Party(user_id=school.staff.id))
    processing.start(school.staff, secret.id)
    open_doc = handled_incoming(school, subject="Về việc hội thao")
    case_file = file_outside_list(school)
    files.add_documents(school.staff, case_file.id, incoming_ids=[secret.id, open_doc.id])

    # A colleague outside the unit the documents went to: reads the file's metadata, but
    # not what the secret one is about.
    other = factories.make_user(school.org, "khac@thleloi.hcm.edu.vn", ["staff"], "Đỗ Văn Khác")
    db.session.commit()
    mine = files.contents(case_file, school.staff)
    assert [r.hidden for r in mine] == [False, False]
    assert "nhân sự mật" in mine[0].type_and_subject
    theirs = files.contents(case_file, other)
    assert [r.hidden for r in theirs] == [True, False]
    masked = theirs[0]
    assert (masked.symbol, masked.author, masked.type_and_subject) == ("", "", files.HIDDEN_TEXT)
    assert (masked.position, masked.pages, masked.page_range) == (1, 3, "1–3")
    assert "nhân sự mật" in files.contents(case_file)[0].type_and_subject  # the services'
    problem = files.closing_problems(case_file, other)
    assert problem and secret.symbol not in " ".join(problem)

    client = app.test_client()
    factories.login(client, other)
    page = client.get(f"/casefiles/{case_file.id}").get_data(as_text=True)
    assert files.HIDDEN_TEXT in page and "nhân sự mật" not in page
    assert secret.symbol not in page and "hội thao" in page
    with app.test_request_context():
        line = contents_row_json(masked, openable=False)
    assert line["hidden"] is True and "nhân sự mật" not in str(line)


def test_the_history_names_only_the_kinds_of_documents_filed(world, on_day):
    from eoffice.core.audit import history

    school = world.school_a
    doc = handled_incoming(school)
    case_file = file_outside_list(school)
    files.add_documents(school.staff, case_file.id, incoming_ids=[doc.id])
    [filed] = [e for e in history("case_file", case_file.id) if e.action == "documents_added"]
    assert filed.changes == {"incoming": [doc.id]}
