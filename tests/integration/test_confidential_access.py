"""Confidential documents (mật and above): who may see them, by page and by API, and the
access log the head of the office reads (every opening and download, with who and when,
kept out of the document's history)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from eoffice.auth.services import create_api_token
from eoffice.core import audit
from eoffice.core.models import AuditEvent
from eoffice.extensions import db
from eoffice.incoming import processing
from eoffice.incoming.attachments import Upload
from eoffice.incoming.processing import Party
from eoffice.outgoing import drafting, review
from tests import factories


def _web(app, user):
    client = app.test_client()
    assert factories.login(client, user).status_code == 302
    return client


def _api(app, user):
    _token, clear = create_api_token(user, "Thử")
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {clear}"
    return client


def _access_events(subject_type: str | None = None) -> list[AuditEvent]:
    db.session.expire_all()
    stmt = select(AuditEvent).where(AuditEvent.action.in_(audit.ACCESS_ACTIONS))
    if subject_type:
        stmt = stmt.where(AuditEvent.subject_type == subject_type)
    return list(db.session.scalars(stmt.order_by(AuditEvent.id)))


@pytest.fixture
def people(world):
    """School A's own people plus a second clerk, an uninvolved deputy and teacher."""
    school = world.school_a
    other_clerk = factories.make_user(
        school.org, "vanthu2@thleloi.hcm.edu.vn", ["clerk"], "Đỗ Văn Thư Hai", school.unit
    )
    deputy = factories.make_user(
        school.org, "phohieutruong@thleloi.hcm.edu.vn", ["deputy"], "Vũ Phó Hiệu Trưởng"
    )
    outsider = factories.make_user(
        school.org, "giaovien2@thleloi.hcm.edu.vn", ["staff"], "Bùi Giáo Viên", school.unit
    )
    db.session.commit()
    return school, other_clerk, deputy, outsider


@pytest.fixture
def secret_incoming(people):
    """A "Mật" document registered by the clerk, given to the teacher to handle."""
    school, *_ = people
    doc = factories.register(
        school.clerk,
        [Upload("bao-cao-mat.pdf", factories.pdf_bytes())],
        confidentiality_code="confidential",
    )
    processing.present(school.clerk, doc.id, presented_to=school.leader.id)
    processing.assign(school.leader, doc.id, Party(user_id=school.staff.id))
    return doc


def test_a_secret_incoming_document_is_seen_only_by_those_it_concerns(app, people, secret_incoming):
    school, other_clerk, deputy, outsider = people
    doc_id = secret_incoming.id
    expected = {
        school.leader: 200,
        school.clerk: 200,  # registered it
        school.staff: 200,  # given the part
        other_clerk: 404,
        deputy: 404,
        outsider: 404,
        school.admin: 404,
    }
    for user, status in expected.items():
        assert _web(app, user).get(f"/incoming/{doc_id}").status_code == status, user.email
        got = _api(app, user).get(f"/api/v1/incoming/{doc_id}").status_code
        assert got == status, user.email


def test_a_secret_outgoing_document_is_seen_only_by_its_chain_and_the_leader(app, world):
    office = world.district
    deputy = factories.make_user(
        office.org, "photruongphong@pgdthu.hcm.edu.vn", ["deputy"], "Vũ Phó Trưởng Phòng"
    )
    outsider = factories.make_user(
        office.org, "chuyenvien2@pgdthu.hcm.edu.vn", ["staff"], "Bùi Chuyên Viên", office.unit
    )
    db.session.commit()
    plan = factories.outgoing_plan(world, world.school_a, confidentiality_code="confidential")
    doc = drafting.create_draft(office.staff, plan)

    def check(expected: dict) -> None:
        for user, status in expected.items():
            assert _web(app, user).get(f"/outgoing/{doc.id}").status_code == status, user.email
            got = _api(app, user).get(f"/api/v1/outgoing/{doc.id}").status_code
            assert got == status, user.email

    # A draft: its drafter and the head only.
    check({office.staff: 200, office.leader: 200, office.clerk: 404, outsider: 404})
    review.submit(office.staff, doc.id)
    # In review: the chain (the clerk checks the form), never the uninvolved.
    check({office.staff: 200, office.leader: 200, office.clerk: 200, outsider: 404, deputy: 404})


def test_opening_and_downloading_a_secret_document_is_logged_out_of_its_history(
    app, people, secret_incoming
):
    school, *_ = people
    plain = factories.register(
        school.clerk,
        [Upload("cong-van.pdf", factories.pdf_bytes())],
        symbol="12/UBND-VP",
    )
    doc = secret_incoming
    attachment_id = doc.attachments[0].id
    clerk = _web(app, school.clerk)
    assert clerk.get(f"/incoming/{plain.id}").status_code == 200
    assert clerk.get(f"/incoming/{plain.id}/files/{plain.attachments[0].id}").status_code == 200
    assert _access_events() == []  # nothing for a document that is not secret
    staff = _web(app, school.staff)

    page = staff.get(f"/incoming/{doc.id}")
    assert staff.get(f"/incoming/{doc.id}/files/{attachment_id}").status_code == 200
    api = _api(app, school.clerk)
    assert api.get(f"/api/v1/incoming/{doc.id}/files/{attachment_id}").status_code == 200

    events = _access_events("incoming")
    assert [(e.action, e.actor_id, e.subject_id, e.changes) for e in events] == [
        ("secret_opened", school.staff.id, doc.id, {}),
        ("secret_downloaded", school.staff.id, doc.id, {"file": "bao-cao-mat.pdf"}),
        ("secret_downloaded", school.clerk.id, doc.id, {"file": "bao-cao-mat.pdf"}),
    ]
    assert all(e.at is not None and e.hash for e in events)  # committed, in the chain
    # Not in the document's history, on the page or by the API.
    assert "Mở xem văn bản mật" not in page.get_data(as_text=True)
    assert all(e.action not in audit.ACCESS_ACTIONS for e in audit.history("incoming", doc.id))
    detail = api.get(f"/api/v1/incoming/{doc.id}").get_json()
    assert "secret_opened" not in str(detail)


def test_outgoing_pages_and_files_of_a_secret_draft_are_logged(app, world):
    office = world.district
    plan = factories.outgoing_plan(world, world.school_a, confidentiality_code="confidential")
    doc = drafting.create_draft(
        office.staff, plan, [Upload("phu-luc-mat.pdf", factories.pdf_bytes())]
    )
    attachment_id = doc.attachments[0].id
    leader = _web(app, office.leader)
    assert leader.get(f"/outgoing/{doc.id}").status_code == 200
    assert leader.get(f"/outgoing/{doc.id}/files/{attachment_id}").status_code == 200
    api = _api(app, office.staff)
    assert api.get(f"/api/v1/outgoing/{doc.id}").status_code == 200
    assert api.get(f"/api/v1/outgoing/{doc.id}/files/{attachment_id}").status_code == 200
    assert leader.get(f"/outgoing/{doc.id}/versions/compare").status_code == 200
    events = _access_events("outgoing")
    assert [(e.action, e.actor_id, e.changes) for e in events] == [
        ("secret_opened", office.leader.id, {}),
        ("secret_downloaded", office.leader.id, {"file": "phu-luc-mat.pdf"}),
        ("secret_opened", office.staff.id, {}),
        ("secret_downloaded", office.staff.id, {"file": "phu-luc-mat.pdf"}),
        ("secret_opened", office.leader.id, {}),  # the versions compared: its text
    ]
    assert all(e.action not in audit.ACCESS_ACTIONS for e in audit.history("outgoing", doc.id))


def test_the_leader_reads_the_access_log_and_no_one_else_does(app, people, secret_incoming):
    school, other_clerk, deputy, outsider = people
    doc = secret_incoming
    for _ in range(3):
        _web(app, school.staff).get(f"/incoming/{doc.id}")
    _web(app, school.clerk).get(f"/incoming/{doc.id}/files/{doc.attachments[0].id}")

    leader = _web(app, school.leader)
    home = leader.get("/").get_data(as_text=True)
    assert "Nhật ký truy cập văn bản mật" in home
    page = leader.get("/incoming/secret-log")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    rows = html.split('class="secret-log-entry"')[1:]
    assert len(rows) == 4
    assert "Tải tệp của văn bản mật" in rows[0] and "bao-cao-mat.pdf" in rows[0]
    assert school.clerk.full_name in rows[0]  # newest first
    assert "Mở xem văn bản mật" in rows[1] and school.staff.full_name in rows[1]
    assert f"/incoming/{doc.id}" in rows[0] and doc.subject in rows[0]
    # The leader's own openings of the log page are not entries; other kinds filter out.
    only_outgoing = leader.get("/incoming/secret-log?kind=outgoing").get_data(as_text=True)
    assert 'class="secret-log-entry"' not in only_outgoing

    for user in (school.staff, school.clerk, other_clerk, deputy, school.admin, outsider):
        client = _web(app, user)
        assert client.get("/incoming/secret-log").status_code == 403, user.email
        assert "Nhật ký truy cập văn bản mật" not in client.get("/").get_data(as_text=True)


def test_the_access_log_is_keyset_paged(app, people, secret_incoming, monkeypatch):
    from eoffice.core import secret_access

    school, *_ = people
    monkeypatch.setattr(secret_access, "PER_PAGE", 2)
    staff = _web(app, school.staff)
    for _ in range(5):
        staff.get(f"/incoming/{secret_incoming.id}")
    leader = _web(app, school.leader)
    page = secret_access.log_page(school.leader, None, None)
    seen = [row.at for row in page.items]
    while page.next_cursor:
        page = secret_access.log_page(school.leader, None, page.next_cursor)
        seen += [row.at for row in page.items]
    assert len(seen) == 5 and seen == sorted(seen, reverse=True)
    first = leader.get("/incoming/secret-log").get_data(as_text=True)
    assert 'rel="next"' in first


def test_result_files_and_the_outgoing_preview_are_logged(app, world, people, secret_incoming):
    school, *_ = people
    doc = secret_incoming
    processing.start(school.staff, doc.id)
    processing.complete(
        school.staff, doc.id, "Đã báo cáo.", uploads=[Upload("ket-qua.pdf", factories.pdf_bytes())]
    )
    db.session.expire_all()
    lead = next(p for p in doc.assignments if p.kind == "lead")
    file_id = lead.result_files[0].id
    assert _web(app, school.leader).get(f"/incoming/{doc.id}/results/{file_id}").status_code == 200
    api = _api(app, school.staff)
    assert api.get(f"/api/v1/incoming/{doc.id}/results/{file_id}").status_code == 200
    assert [(e.action, e.actor_id, e.changes) for e in _access_events("incoming")] == [
        ("secret_downloaded", school.leader.id, {"file": "ket-qua.pdf"}),
        ("secret_downloaded", school.staff.id, {"file": "ket-qua.pdf"}),
    ]

    office = world.district
    plan = factories.outgoing_plan(world, world.school_a, confidentiality_code="confidential")
    draft = drafting.create_draft(office.staff, plan)
    preview = _web(app, office.staff).get(f"/outgoing/{draft.id}/preview.pdf")
    assert preview.status_code == 200
    [event] = _access_events("outgoing")
    assert (event.action, event.changes) == (
        "secret_downloaded",
        {"file": f"Du-thao-van-ban-di-{draft.id}.pdf"},
    )


def test_the_preview_is_logged_as_an_opening_with_its_file(app, people, secret_incoming):
    school, *_ = people
    doc = secret_incoming
    staff = _web(app, school.staff)
    attachment_id = doc.attachments[0].id
    assert staff.get(f"/incoming/{doc.id}/files/{attachment_id}?inline=1").status_code == 200
    events = _access_events("incoming")
    assert [(e.action, e.changes) for e in events] == [
        ("secret_opened", {"file": "bao-cao-mat.pdf"})
    ]


def test_the_recipient_offices_copy_of_a_secret_document_is_logged_for_its_sender(app, office):
    from eoffice.outgoing import issuing
    from eoffice.outgoing.models import Delivery

    world, _school_c = office
    district, school = world.district, world.school_a
    plan = factories.outgoing_plan(world, school, confidentiality_code="secret")
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
    before = len(_access_events("outgoing"))
    clerk = _web(app, school.clerk)
    assert clerk.get(f"/outgoing/inbox/{copy.id}/document.pdf").status_code == 200
    api = _api(app, school.clerk)
    assert api.get(f"/api/v1/inbox/{copy.id}/signed.pdf").status_code == 200
    events = _access_events("outgoing")[before:]
    assert [(e.action, e.actor_id, e.org_id, e.subject_id) for e in events] == [
        ("secret_downloaded", school.clerk.id, district.org.id, doc.id),
        ("secret_downloaded", school.clerk.id, district.org.id, doc.id),
    ]
