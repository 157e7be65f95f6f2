"""Reads of confidential documents (mật and above) outside their own pages are logged too
(issue 9, review): the signed PDF of a directive opened from the school's task pages, a
case file's ZIP (one event per secret document in it, the ZIP's name, one commit) by
page and by API, and the printed contents list of a file naming secret documents. The
log's commit keeps what the page loaded."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event, inspect, select

from eoffice.auth.services import create_api_token
from eoffice.casefiles import files
from eoffice.casefiles.contents_pdf import file_name as contents_file_name
from eoffice.casefiles.export import SECRET_PARAM, zip_name
from eoffice.core import audit, secret_access
from eoffice.core.models import SECRET_LOG_ACTIONS, AuditEvent
from eoffice.extensions import db
from eoffice.incoming import processing
from eoffice.incoming.attachments import Upload
from eoffice.incoming.models import IncomingDocument
from eoffice.incoming.processing import Party
from eoffice.jobs.connection import runner
from eoffice.outgoing import delivery as outgoing_delivery
from eoffice.outgoing import drafting, issuing, review
from eoffice.outgoing.models import Delivery, OutgoingDocument
from eoffice.reports.models import ExportState, ReportExport
from tests import factories
from tests.casefile_support import file_outside_list


@pytest.fixture(autouse=True)
def empty_queues(app):
    runner().connection.flushall()


def _web(app, user):
    client = app.test_client()
    assert factories.login(client, user).status_code == 302
    return client


def _api(app, user):
    _token, clear = create_api_token(user, "Thử")
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {clear}"
    return client


def _access_events() -> list[AuditEvent]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action.in_(audit.ACCESS_ACTIONS))
            .order_by(AuditEvent.id)
        )
    )


class _Commits:
    """Counts the database commits while it is active (every connection of the engine)."""

    def __init__(self) -> None:
        self.count = 0

    def _seen(self, _conn) -> None:
        self.count += 1

    def __enter__(self) -> _Commits:
        event.listen(db.engine, "commit", self._seen)
        return self

    def __exit__(self, *exc) -> None:
        event.remove(db.engine, "commit", self._seen)


def _secret_incoming(
    school, subject: str, name: str, confidentiality: str = "confidential"
) -> IncomingDocument:
    """A "Mật" document (or of the level given) registered by the clerk, given to the
    teacher, who keeps the file."""
    doc = factories.register(
        school.clerk,
        [Upload(name, factories.pdf_bytes(subject))],
        confidentiality_code=confidentiality,
        subject=subject,
    )
    processing.present(school.clerk, doc.id, presented_to=school.leader.id)
    processing.assign(school.leader, doc.id, Party(user_id=school.staff.id))
    processing.start(school.staff, doc.id)
    return doc


@pytest.fixture
def secret_file(world):
    """School A's file with, in order: a secret document, a plain one, a secret one."""
    school = world.school_a
    first = _secret_incoming(school, "Về việc nhân sự mật thứ nhất", "mat-1.pdf")
    plain = _secret_incoming(school, "Về việc lịch công tác", "thuong.pdf", "normal")
    second = _secret_incoming(school, "Về việc nhân sự mật thứ hai", "mat-2.pdf")
    case_file = file_outside_list(school)
    files.add_documents(school.staff, case_file.id, incoming_ids=[first.id, plain.id, second.id])
    db.session.commit()
    return school, case_file, first, plain, second


# The directive's signed PDF -----------------------------------------------------------


def _published(world, school, confidentiality: str) -> tuple[OutgoingDocument, Delivery]:
    district = world.district
    plan = factories.outgoing_plan(world, school, confidentiality_code=confidentiality)
    doc = drafting.create_draft(district.staff, plan)
    review.submit(district.staff, doc.id)
    review.approve(district.clerk, doc.id)
    issuing.sign(district.leader, doc.id)
    issuing.publish(doc.id)
    db.session.expire_all()
    copy = db.session.scalars(
        select(Delivery).where(
            Delivery.outgoing_id == doc.id, Delivery.recipient_org_id == school.org.id
        )
    ).one()
    return db.session.get(OutgoingDocument, doc.id), copy


def test_the_signed_pdf_of_a_secret_directive_read_by_the_school_is_logged(app, office):
    world, _school_c = office
    district, school = world.district, world.school_a
    secret, secret_copy = _published(world, school, "secret")
    plain, plain_copy = _published(world, school, "normal")
    name = outgoing_delivery.signed_name(secret)
    before = len(_access_events())

    clerk = _web(app, school.clerk)
    assert clerk.get(f"/directives/tasks/delivery/{plain_copy.id}/document.pdf").status_code == 200
    assert _access_events()[before:] == []  # a plain document writes nothing
    got = clerk.get(f"/directives/tasks/delivery/{secret_copy.id}/document.pdf")
    assert got.status_code == 200

    events = _access_events()[before:]
    # Logged in the district's log: the document is the district's (as the inbox's copy).
    assert [
        (e.action, e.actor_id, e.org_id, e.subject_type, e.subject_id, e.changes) for e in events
    ] == [
        (
            "secret_downloaded",
            school.clerk.id,
            district.org.id,
            "outgoing",
            secret.id,
            {"file": name},
        )
    ]
    assert plain.id != secret.id


# The case file's ZIP ------------------------------------------------------------------


def _export(client, file_id: int) -> int:
    response = client.post(f"/casefiles/exports/files/{file_id}")
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(re.search(r"/casefiles/exports/(\d+)$", response.headers["Location"]).group(1))


def test_a_zip_with_secret_documents_logs_each_of_them_once_in_one_commit(app, secret_file):
    school, case_file, first, _plain, second = secret_file
    web = _web(app, school.staff)
    export_id = _export(web, case_file.id)
    runner().work_burst()
    export = db.session.get(ReportExport, export_id)
    assert export.state == ExportState.DONE
    # Recorded with the build: what the ZIP holds.
    assert export.params[SECRET_PARAM] == [["incoming", first.id], ["incoming", second.id]]
    assert _access_events() == []  # building is not reading

    with _Commits() as commits:
        download = web.get(f"/casefiles/exports/{export_id}/download")
    assert download.status_code == 200
    assert commits.count == 1
    name = zip_name(case_file)
    events = _access_events()
    assert [(e.action, e.actor_id, e.org_id, e.subject_id, e.changes) for e in events] == [
        ("secret_downloaded", school.staff.id, school.org.id, first.id, {"file": name}),
        ("secret_downloaded", school.staff.id, school.org.id, second.id, {"file": name}),
    ]

    api = _api(app, school.staff)
    assert api.get(f"/api/v1/exports/{export_id}/download").status_code == 200
    again = _access_events()[len(events) :]
    assert [(e.action, e.actor_id, e.subject_id, e.changes) for e in again] == [
        ("secret_downloaded", school.staff.id, first.id, {"file": name}),
        ("secret_downloaded", school.staff.id, second.id, {"file": name}),
    ]


def test_the_zip_logs_the_documents_it_holds_not_those_added_to_the_file_since(app, secret_file):
    school, case_file, first, _plain, second = secret_file
    web = _web(app, school.staff)
    export_id = _export(web, case_file.id)
    runner().work_burst()
    third = _secret_incoming(school, "Về việc nhân sự mật thứ ba", "mat-3.pdf")
    files.add_documents(school.staff, case_file.id, incoming_ids=[third.id])
    db.session.commit()

    assert web.get(f"/casefiles/exports/{export_id}/download").status_code == 200
    assert [e.subject_id for e in _access_events()] == [first.id, second.id]


def test_an_export_built_before_the_record_logs_the_files_secret_documents(app, secret_file):
    school, case_file, first, _plain, second = secret_file
    web = _web(app, school.staff)
    export_id = _export(web, case_file.id)
    runner().work_burst()
    export = db.session.get(ReportExport, export_id)
    export.params = {"file_id": case_file.id}  # as the builds before this change left it
    db.session.commit()

    assert web.get(f"/casefiles/exports/{export_id}/download").status_code == 200
    assert [e.subject_id for e in _access_events()] == [first.id, second.id]


def test_a_zip_without_secret_documents_writes_nothing(app, world):
    school = world.school_a
    plain = factories.register(school.clerk, [Upload("thuong.pdf", factories.pdf_bytes())])
    case_file = file_outside_list(school, keeper=school.clerk)
    files.add_documents(school.clerk, case_file.id, incoming_ids=[plain.id])
    db.session.commit()
    web = _web(app, school.clerk)
    export_id = _export(web, case_file.id)
    runner().work_burst()
    assert db.session.get(ReportExport, export_id).params[SECRET_PARAM] == []
    with _Commits() as commits:
        assert web.get(f"/casefiles/exports/{export_id}/download").status_code == 200
    assert commits.count == 0
    assert _access_events() == []


# The printed contents list ------------------------------------------------------------


def test_the_contents_list_logs_the_secret_documents_it_names(app, secret_file):
    school, case_file, first, _plain, second = secret_file
    name = contents_file_name(case_file)
    got = _web(app, school.staff).get(f"/casefiles/{case_file.id}/contents.pdf")
    assert got.status_code == 200
    events = _access_events()
    assert [(e.action, e.actor_id, e.subject_id, e.changes) for e in events] == [
        ("secret_downloaded", school.staff.id, first.id, {"file": name}),
        ("secret_downloaded", school.staff.id, second.id, {"file": name}),
    ]

    # Someone who may not read them gets their lines masked: nothing read, nothing logged.
    other = factories.make_user(school.org, "khac@thleloi.hcm.edu.vn", ["staff"], "Đỗ Văn Khác")
    db.session.commit()
    masked = _web(app, other).get(f"/casefiles/{case_file.id}/contents.pdf")
    assert masked.status_code == 200
    assert len(_access_events()) == len(events)


# The log's commit ---------------------------------------------------------------------


def test_logging_keeps_what_the_page_loaded(app, secret_file):
    """The log commits in the middle of a GET: the document (and the user) stay loaded,
    the page reads them without another query."""
    school, _case_file, first, _plain, _second = secret_file
    db.session.expire_all()
    doc = db.session.get(IncomingDocument, first.id)
    user = db.session.get(type(school.staff), school.staff.id)
    assert doc.subject and user.full_name  # loaded

    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    secret_access.log_opened(user, "incoming", doc)
    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        assert not inspect(doc).expired and not inspect(user).expired
        assert doc.subject == "Về việc nhân sự mật thứ nhất"
        assert user.full_name == school.staff.full_name
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    assert statements == []
    assert [e.subject_id for e in _access_events()] == [first.id]


def test_the_partial_index_names_the_logs_actions():
    """The index's condition (core.models) is written out: it must stay the log's."""
    assert SECRET_LOG_ACTIONS == audit.ACCESS_ACTIONS
