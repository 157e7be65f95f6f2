"""Handing in the work: result files with progress, contributions and completion, the
reply's reference, and who hears about it (after the step has committed, never before)."""

from __future__ import annotations

import base64
import io
from datetime import date

import lxml.html
import pytest
from sqlalchemy import create_engine, select, text

from eoffice.core.aftercommit import after_commit, run_pending
from eoffice.core.audit import history
from eoffice.core.errors import ValidationFailed
from eoffice.extensions import db
from eoffice.incoming import parts, processing
from eoffice.incoming.attachments import Upload
from eoffice.incoming.models import IncomingDocument, ResultFile
from eoffice.incoming.processing import Party
from eoffice.jobs.connection import runner
from eoffice.notifications.models import Notification, NotificationKind
from tests import factories
from tests.integration.test_api import PREFIX, Api, fixed_clock, token_for  # noqa: F401


@pytest.fixture
def app_config(app_config, smtp):
    _collector, port = smtp
    return {**app_config, "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port}


@pytest.fixture(autouse=True)
def empty_queues(app):
    runner().connection.flushall()


def _started(school, **assign) -> int:
    doc_id = _assigned(school, **assign)
    processing.start(school.staff, doc_id)
    return doc_id


def _assigned(school, **assign) -> int:
    doc = factories.register(school.clerk)
    processing.present(school.clerk, doc.id, presented_to=school.leader.id)
    processing.assign(
        school.leader,
        doc.id,
        assign.pop("lead", Party(user_id=school.staff.id)),
        deadline=date(2026, 10, 9),
        **assign,
    )
    return doc.id


def _web(app, user):
    client = app.test_client()
    factories.login(client, user)
    return client


def _news(user, kind: NotificationKind) -> list[Notification]:
    query = select(Notification).where(Notification.user_id == user.id, Notification.kind == kind)
    return list(db.session.scalars(query.order_by(Notification.id)))


def _doc(doc_id: int) -> IncomingDocument:
    db.session.expire_all()
    return db.session.get(IncomingDocument, doc_id)


# Result files through the web page ----------------------------------------------------


def test_a_progress_note_with_a_file_shows_it_to_everyone_who_sees_the_document(app, world):
    school = world.school_a
    doc_id = _assigned(school)
    handler = _web(app, school.staff)
    draft = factories.docx_bytes("Dự thảo báo cáo tổng kết")

    done = handler.post(
        f"/incoming/{doc_id}/steps/progress",
        data={
            "progress-note": "Đã soạn dự thảo",
            "progress-percent": "40",
            "progress-files": [(io.BytesIO(draft), "Dự thảo báo cáo.docx")],
        },
        content_type="multipart/form-data",
    )
    assert done.status_code == 302

    [found] = db.session.scalars(select(ResultFile)).all()
    assert (found.original_name, found.added_by_id) == ("Dự thảo báo cáo.docx", school.staff.id)
    event = history("incoming", doc_id)[-1]
    assert (event.action, event.changes["files"]) == ("progress", ["Dự thảo báo cáo.docx"])

    page = lxml.html.fromstring(_web(app, school.leader).get(f"/incoming/{doc_id}").data)
    [link] = page.xpath("//ul[contains(@class,'result-files')]//a[1]")
    assert link.text_content() == "Dự thảo báo cáo.docx"
    download = _web(app, school.leader).get(link.get("href"))
    assert download.status_code == 200 and download.data == draft
    assert "filename*=UTF-8''D%E1%BB%B1%20th%E1%BA%A3o" in download.headers["Content-Disposition"]
    stranger = _web(app, world.school_b.staff).get(link.get("href"))
    assert stranger.status_code == 404


def test_the_same_file_twice_on_one_part_is_kept_once(world):
    school = world.school_a
    doc_id = _assigned(school)
    report = factories.pdf_bytes("Báo cáo")
    twice = [Upload("Báo cáo.pdf", report), Upload("Báo cáo (1).pdf", report)]
    processing.record_progress(school.staff, doc_id, "Đã soạn", 40, twice)
    processing.record_progress(school.staff, doc_id, "Gửi lại", 50, [Upload("x.pdf", report)])
    assert [f.original_name for f in db.session.scalars(select(ResultFile))] == ["Báo cáo.pdf"]
    first, second = history("incoming", doc_id)[-2:]
    assert first.changes["files"] == ["Báo cáo.pdf"] and "files" not in second.changes


def test_a_file_that_is_not_what_it_says_is_refused_and_nothing_is_recorded(app, world):
    school = world.school_a
    doc_id = _assigned(school)
    refused = _web(app, school.staff).post(
        f"/incoming/{doc_id}/steps/progress",
        data={
            "progress-note": "Đã soạn dự thảo",
            "progress-percent": "40",
            "progress-files": [(io.BytesIO(b"MZ\x90\x00 not a pdf"), "báo cáo.pdf")],
        },
        content_type="multipart/form-data",
    )
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "Tệp “báo cáo.pdf”: nội dung không phải là tệp PDF như tên tệp ghi." in page
    assert db.session.scalars(select(ResultFile)).all() == []
    assert _doc(doc_id).state == "assigned"  # not even started: the whole step rolled back
    assert history("incoming", doc_id)[-1].action == "assigned"


def test_completion_keeps_the_reply_reference_and_the_lead_s_result_file(app, world):
    school = world.school_a
    doc_id = _started(school)
    handler = _web(app, school.staff)
    done = handler.post(
        f"/incoming/{doc_id}/steps/complete",
        data={
            "complete-result": "Đã gửi báo cáo cho Phòng.",
            "complete-reply_document": "15/BC-THLL",
            "complete-files": [(io.BytesIO(factories.pdf_bytes("Báo cáo")), "Báo cáo số 15.pdf")],
        },
        content_type="multipart/form-data",
    )
    assert done.status_code == 302
    doc = _doc(doc_id)
    assert (doc.state, doc.reply_reference) == ("completed", "15/BC-THLL")
    lead = next(p for p in doc.assignments if p.kind == "lead")
    assert [f.original_name for f in lead.result_files] == ["Báo cáo số 15.pdf"]
    event = history("incoming", doc_id)[-1]
    assert event.changes["reply_document"] == {"from": None, "to": "15/BC-THLL"}
    page = _web(app, school.leader).get(f"/incoming/{doc_id}").get_data(as_text=True)
    assert "Văn bản trả lời" in page and "15/BC-THLL" in page


def test_a_reply_reference_too_long_is_a_form_error(world):
    school = world.school_a
    doc_id = _started(school)
    with pytest.raises(ValidationFailed) as caught:
        processing.complete(school.staff, doc_id, "Xong", reply_document="x" * 101)
    assert set(caught.value.field_errors) == {"reply_document"}
    assert _doc(doc_id).state == "in_progress"


# The API ------------------------------------------------------------------------------


def test_the_api_takes_result_files_and_the_reply_and_lists_them(app, client, world):
    school = world.school_a
    doc_id = _started(school, coordinators=[Party(user_id=school.admin.id)])
    spec = client.get(f"{PREFIX}/openapi.json").get_json()

    def api(user) -> Api:
        return Api(app, client, spec, token_for(user))

    pdf = factories.pdf_bytes("Ý kiến phối hợp")
    given = {"name": "Ý kiến tổ.pdf", "content_base64": base64.b64encode(pdf).decode()}
    url = f"{PREFIX}/incoming/{doc_id}/steps"
    bad = api(school.admin).post(
        f"{url}/contribute",
        json={"result": "Đồng ý", "files": [{"name": "a.pdf", "content_base64": "%%%"}]},
    )
    assert bad.status_code == 422 and "base64" in bad.json["error"]["fields"]["files"]
    contributed = api(school.admin).post(
        f"{url}/contribute", json={"result": "Đồng ý", "files": [given]}
    )
    assert contributed.status_code == 200
    part = next(p for p in contributed.json["assignments"] if p["kind"] == "coordinator")
    [listed] = part["result_files"]
    assert (listed["name"], listed["size"]) == ("Ý kiến tổ.pdf", len(pdf))
    assert api(school.staff).get(listed["download_url"]).data == pdf

    too_long = api(school.staff).post(
        f"{url}/complete", json={"result": "Xong", "reply_document": "x" * 101}
    )
    assert too_long.status_code == 422 and set(too_long.json["error"]["fields"]) == {
        "reply_document"
    }
    completed = api(school.staff).post(
        f"{url}/complete", json={"result": "Xong", "reply_document": "15/BC-THLL"}
    )
    assert completed.status_code == 200
    assert completed.json["reply_reference"] == "15/BC-THLL"


# Who hears about it --------------------------------------------------------------------


def test_contribution_completion_and_reopening_tell_the_right_people(world, outbox):
    school = world.school_a
    doc_id = _started(school, coordinators=[Party(user_id=school.admin.id)])
    parts.contribute(school.admin, doc_id, "Số liệu tổ Văn phòng đã gửi.")
    [contributed] = _news(school.staff, NotificationKind.CONTRIBUTED)
    assert contributed.title.startswith(school.admin.full_name)
    assert "Số liệu tổ Văn phòng đã gửi." in contributed.body

    processing.complete(school.staff, doc_id, "Đã báo cáo Phòng.")
    [completed] = _news(school.leader, NotificationKind.COMPLETED)
    assert "đã được xử lý xong" in completed.title and "Đã báo cáo Phòng." in completed.body
    assert _news(school.staff, NotificationKind.COMPLETED) == []  # not the actor

    processing.reopen(school.leader, doc_id, "Bổ sung số liệu học kỳ I")
    [reopened] = _news(school.staff, NotificationKind.REOPENED)
    assert "Bổ sung số liệu học kỳ I" in reopened.body

    runner().work_burst()
    [mail] = outbox.to(school.leader.email)
    assert "đã được xử lý xong" in str(mail["Subject"])
    assert len(outbox.to(school.staff.email)) == 3  # assigned, contribution, reopened


def test_passing_a_part_on_tells_the_person_given_it(crew):
    _school, _maths, head, teacher, doc_id = crew
    assert len(_news(teacher, NotificationKind.ASSIGNED)) == 1  # as a member of the unit
    parts.pass_on(head, doc_id, teacher.id, instruction="Cô Mai soạn báo cáo.")
    news = _news(teacher, NotificationKind.ASSIGNED)
    assert len(news) == 2 and "chủ trì xử lý" in news[-1].title
    assert len(_news(head, NotificationKind.ASSIGNED)) == 1  # the head, not again


def test_notifications_wait_for_the_commit_and_vanish_with_a_rollback(app, world):
    """A second connection sees the step's rows when the after-commit work runs; a step
    that rolls back leaves no queued work behind to run with the next step."""
    school = world.school_a
    doc_id = _assigned(school)
    seen: list[str] = []
    other = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])

    def look() -> None:
        with other.connect() as connection:
            query = text("SELECT state FROM incoming_documents WHERE id = :id")
            seen.append(connection.execute(query, {"id": doc_id}).scalar_one())

    _doc(doc_id).state = "in_progress"
    after_commit(look)
    db.session.rollback()
    run_pending()
    assert seen == []

    processing.start(school.staff, doc_id)  # runs its own queue: must not find `look`
    assert seen == []
    after_commit(look)
    db.session.commit()
    run_pending()
    assert seen == ["in_progress"]
    other.dispose()


def test_a_form_error_elsewhere_asks_to_choose_the_files_again(app, world):
    school = world.school_a
    doc_id = _assigned(school)
    refused = _web(app, school.staff).post(
        f"/incoming/{doc_id}/steps/progress",
        data={
            "progress-note": "",
            "progress-percent": "40",
            "progress-files": [(io.BytesIO(factories.pdf_bytes()), "Dự thảo.pdf")],
        },
        content_type="multipart/form-data",
    )
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "Vui lòng ghi nội dung tiến độ." in page
    assert "trình duyệt không giữ tệp đã chọn: vui lòng chọn lại." in page
    assert db.session.scalars(select(ResultFile)).all() == []
