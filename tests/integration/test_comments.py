"""Ý kiến trao đổi: comments on a document's timeline, through the page and the API."""

from __future__ import annotations

from datetime import date

import lxml.html
import pytest
from sqlalchemy import select

from eoffice.core.audit import history
from eoffice.core.errors import Conflict, NotFound, ValidationFailed
from eoffice.extensions import db
from eoffice.incoming import discussion, processing
from eoffice.incoming.models import IncomingDocument
from eoffice.incoming.processing import Party
from eoffice.incoming.services import cancel_incoming
from eoffice.notifications.models import Notification, NotificationKind
from tests import factories
from tests.integration.test_api import PREFIX, Api, fixed_clock, token_for  # noqa: F401


def _assigned(school) -> int:
    doc = factories.register(school.clerk)
    processing.present(school.clerk, doc.id, presented_to=school.leader.id)
    processing.assign(
        school.leader,
        doc.id,
        Party(user_id=school.staff.id),
        coordinators=[Party(user_id=school.admin.id)],
        deadline=date(2026, 10, 9),
    )
    return doc.id


def _told(user) -> list[Notification]:
    query = select(Notification).where(
        Notification.user_id == user.id, Notification.kind == NotificationKind.COMMENTED
    )
    return list(db.session.scalars(query))


def test_a_comment_joins_the_timeline_and_reaches_the_people_working_on_it(app, world):
    school = world.school_a
    doc_id = _assigned(school)
    client = app.test_client()
    factories.login(client, school.staff)
    page = lxml.html.fromstring(client.get(f"/incoming/{doc_id}").data)
    assert page.xpath(f"//form[@action='/incoming/{doc_id}/comments']")

    sent = client.post(
        f"/incoming/{doc_id}/comments",
        data={"comment-note": "Số liệu lấy theo học kỳ I hay cả năm?"},
    )
    assert sent.status_code == 302
    event = history("incoming", doc_id)[-1]
    assert (event.action, event.note, event.actor_id) == (
        "commented",
        "Số liệu lấy theo học kỳ I hay cả năm?",
        school.staff.id,
    )
    timeline = client.get(f"/incoming/{doc_id}").get_data(as_text=True)
    assert "Ý kiến trao đổi" in timeline and "học kỳ I hay cả năm?" in timeline
    db.session.expire_all()
    assert db.session.get(IncomingDocument, doc_id).state == "assigned"  # nothing moved

    # The coordinator and the leader who assigned hear of it; not the author.
    [to_leader] = _told(school.leader)
    assert school.staff.full_name in to_leader.title
    assert "học kỳ I hay cả năm?" in to_leader.body
    assert len(_told(school.admin)) == 1 and _told(school.staff) == []


def test_an_empty_comment_is_refused_and_records_nothing(app, world):
    school = world.school_a
    doc_id = _assigned(school)
    client = app.test_client()
    factories.login(client, school.staff)
    refused = client.post(f"/incoming/{doc_id}/comments", data={"comment-note": "   "})
    assert refused.status_code == 422
    assert "Vui lòng nhập nội dung ý kiến." in refused.get_data(as_text=True)
    with pytest.raises(ValidationFailed):
        discussion.comment(school.staff, doc_id, "x" * 1001)
    assert history("incoming", doc_id)[-1].action == "assigned"


def test_nobody_comments_on_what_they_cannot_see_or_on_a_cancelled_entry(world):
    school = world.school_a
    doc_id = _assigned(school)
    with pytest.raises(NotFound):
        discussion.comment(world.school_b.leader, doc_id, "Xin chào")
    doc = factories.register(school.clerk, symbol="2/KH")
    cancel_incoming(school.clerk, doc.id, "Vào sổ nhầm văn bản")
    with pytest.raises(Conflict):
        discussion.comment(school.clerk, doc.id, "Ghi chú thêm")


def test_comments_through_the_api(app, client, world):
    school = world.school_a
    doc_id = _assigned(school)
    spec = client.get(f"{PREFIX}/openapi.json").get_json()
    api = Api(app, client, spec, token_for(school.leader))
    url = f"{PREFIX}/incoming/{doc_id}/comments"

    assert set(api.post(url, json={}).json["error"]["fields"]) == {"note"}
    done = api.post(url, json={"note": "Chú ý hạn nộp báo cáo."})
    assert done.status_code == 200
    last = done.json["history"][-1]
    assert (last["action"], last["action_label"], last["note"]) == (
        "commented",
        "Ý kiến trao đổi",
        "Chú ý hạn nộp báo cáo.",
    )
    assert all(s["step"] != "comment" for s in done.json["available_steps"])
    assert len(_told(school.staff)) == 1
