"""Processing an incoming document through the web routes, as the people involved do it."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import lxml.html
import pytest
from flask import Flask
from sqlalchemy import select

from eoffice.core import timeutil
from eoffice.core.audit import history
from eoffice.extensions import db
from eoffice.incoming.models import IncomingDocument
from eoffice.orgs.models import User
from tests import factories

# Friday 27/11/2026 10:00 in Ho Chi Minh City.
NOW = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)
DEADLINE = date(2026, 12, 4)


@pytest.fixture(autouse=True)
def fixed_clock(app):
    timeutil.set_clock(lambda: NOW)


def _client(app: Flask, user: User):
    client = app.test_client()
    factories.login(client, user)
    return client


def _intake_form(**overrides) -> dict:
    data = {
        "arrived_at": "27/11/2026 08:15",
        "book_code": "general",
        "sender_name": "Sở Giáo dục và Đào tạo Thành phố Hồ Chí Minh",
        "symbol": "3337/GDĐT-TTTT",
        "document_date": "20/11/2026",
        "document_type_id": str(factories.type_id("Kế hoạch")),
        "subject": "Kế hoạch thực hiện nhiệm vụ công nghệ thông tin năm học 2026 - 2027",
        "urgency_code": "normal",
        "confidentiality_code": "normal",
        "source": "paper",
        "recipient_unit_id": "0",
        "recipient_user_id": "0",
    }
    data.update(overrides)
    return data


def _step(client, doc_id: int, step: str, **fields):
    data = {f"{step}-{name}": value for name, value in fields.items()}
    return client.post(f"/incoming/{doc_id}/steps/{step}", data=data)


def _offered(client, doc_id: int) -> list[str]:
    """The steps the page offers, read from the forms' actions."""
    page = lxml.html.fromstring(client.get(f"/incoming/{doc_id}").get_data(as_text=True))
    actions = page.xpath("//form/@action")
    return [m.group(1) for a in actions if (m := re.search(r"/steps/(\w+)$", a))]


def _state(doc_id: int) -> str:
    db.session.expire_all()
    return db.session.get(IncomingDocument, doc_id).state


def _history_items(client, doc_id: int) -> list[str]:
    page = lxml.html.fromstring(client.get(f"/incoming/{doc_id}").get_data(as_text=True))
    cards = page.xpath("//div[div[contains(@class,'card-header') and text()='Lịch sử']]")
    return [" ".join(" ".join(li.itertext()).split()) for li in cards[0].xpath("./ol/li")]


@pytest.fixture
def team(world):
    """School A's people plus a coordinator in the office unit and an outsider to the work."""
    school = world.school_a
    coordinator = factories.make_user(
        school.org, "phoihop@thleloi.hcm.edu.vn", ["staff"], "Võ Văn Phối Hợp", school.unit
    )
    outsider = factories.make_user(
        school.org, "khac@thleloi.hcm.edu.vn", ["staff"], "Đỗ Thị Ngoài Cuộc"
    )
    db.session.commit()
    return school, coordinator, outsider


def test_the_whole_path_from_registration_to_filing(app, team):
    school, coordinator, _outsider = team
    clerk, leader, handler = (_client(app, u) for u in (school.clerk, school.leader, school.staff))

    created = clerk.post("/incoming/new", data=_intake_form())
    assert created.status_code == 302
    doc_id = db.session.scalars(select(IncomingDocument.id)).one()
    assert _offered(clerk, doc_id) == ["present", "reject"]
    assert _step(clerk, doc_id, "present", presented_to=school.leader.id).status_code == 302
    assert _state(doc_id) == "presented"

    assert _offered(leader, doc_id) == ["assign", "return_to_clerk", "reject"]
    response = _step(
        leader,
        doc_id,
        "assign",
        lead=f"user:{school.staff.id}",
        coordinators=[f"user:{coordinator.id}"],
        informed=[f"user:{school.admin.id}"],
        deadline="04/12/2026",
        instruction="Cô Giáo Viên chủ trì, báo cáo trước hạn.",
    )
    assert response.status_code == 302
    assert _state(doc_id) == "assigned"
    doc = db.session.get(IncomingDocument, doc_id)
    assert doc.deadline == DEADLINE
    assert sorted((p.kind, p.user_id) for p in doc.assignments) == sorted(
        [("lead", school.staff.id), ("coordinator", coordinator.id), ("informed", school.admin.id)]
    )

    assert _offered(handler, doc_id) == ["start", "progress"]
    assert _step(handler, doc_id, "start").status_code == 302
    assert (
        _step(handler, doc_id, "progress", note="Đã dự thảo báo cáo.", percent="60").status_code
        == 302
    )
    assert _offered(handler, doc_id) == ["progress", "complete"]
    assert _step(handler, doc_id, "complete", result="Đã gửi báo cáo lên Sở.").status_code == 302
    assert _state(doc_id) == "completed"

    assert _offered(clerk, doc_id) == ["file"]
    assert _offered(leader, doc_id) == ["reopen"]
    assert _step(clerk, doc_id, "file").status_code == 302
    assert _state(doc_id) == "filed"

    page = handler.get(f"/incoming/{doc_id}").get_data(as_text=True)
    assert "Đã lập hồ sơ / lưu" in page
    assert "Đã gửi báo cáo lên Sở." in page
    items = _history_items(handler, doc_id)
    labels = [
        "Vào sổ",
        "Trình lãnh đạo",
        "Phân công xử lý",
        "Bắt đầu xử lý",
        "Ghi nhận tiến độ",
        "Hoàn thành xử lý",
        "Lập hồ sơ / lưu",
    ]
    assert [item.split(" ")[0] for item in items] == [label.split(" ")[0] for label in labels]
    for item, label in zip(items, labels, strict=True):
        assert item.startswith(label)
    assert "Chủ trì: Lê Thị Giáo Viên" in items[2]
    assert "Hạn xử lý: — → 04/12/2026" in items[2]
    assert "Tỷ lệ hoàn thành (%): 0 → 60" in items[4]
    assert "Đã dự thảo báo cáo." in items[4]

    listing = leader.get("/incoming?state=filed").get_data(as_text=True)
    assert "Kế hoạch thực hiện nhiệm vụ công nghệ thông tin" in listing
    assert (
        leader.get("/incoming?state=assigned")
        .get_data(as_text=True)
        .count("Kế hoạch thực hiện nhiệm vụ")
        == 0
    )


def test_staff_cannot_assign_even_when_they_see_the_document(app, team):
    school, _coordinator, _outsider = team
    doc = factories.register(school.clerk, recipient_unit_id=school.unit.id)
    _step(_client(app, school.clerk), doc.id, "present")
    staff = _client(app, school.staff)
    assert _offered(staff, doc.id) == []
    response = _step(staff, doc.id, "assign", lead=f"user:{school.staff.id}")
    assert response.status_code == 403
    assert "Phân công xử lý" in response.get_data(as_text=True)
    assert _state(doc.id) == "presented"
    assert [e.action for e in history("incoming", doc.id)] == ["registered", "presented"]


def test_another_organisation_gets_404(app, world):
    school = world.school_a
    doc = factories.register(school.clerk)
    _step(_client(app, school.clerk), doc.id, "present")
    for user in (world.school_b.leader, world.school_b.staff, world.school_b.clerk):
        other = _client(app, user)
        assert other.get(f"/incoming/{doc.id}").status_code == 404
        assert _step(other, doc.id, "assign", lead=f"user:{user.id}").status_code == 404
    assert _state(doc.id) == "presented"
    # Nor can a leader name a person of another organisation.
    leader = _client(app, school.leader)
    response = _step(leader, doc.id, "assign", lead=f"user:{world.school_b.staff.id}")
    assert response.status_code == 422
    assert _state(doc.id) == "presented"


def test_return_needs_a_reason_then_the_clerk_corrects_and_presents_again(app, team):
    school, _coordinator, _outsider = team
    clerk, leader = _client(app, school.clerk), _client(app, school.leader)
    clerk.post("/incoming/new", data=_intake_form())
    doc_id = db.session.scalars(select(IncomingDocument.id)).one()
    _step(clerk, doc_id, "present")

    refused = _step(leader, doc_id, "return_to_clerk", reason="  ")
    assert refused.status_code == 422
    assert "Vui lòng ghi lý do trả lại." in refused.get_data(as_text=True)
    assert _state(doc_id) == "presented"

    _step(leader, doc_id, "return_to_clerk", reason="Sai trích yếu, đề nghị sửa.")
    assert _state(doc_id) == "returned"
    page = clerk.get(f"/incoming/{doc_id}").get_data(as_text=True)
    assert "Sai trích yếu, đề nghị sửa." in page
    assert _offered(clerk, doc_id)[:1] == ["present"]

    corrected = _intake_form(subject="Kế hoạch ứng dụng công nghệ thông tin năm học 2026 - 2027")
    assert clerk.post(f"/incoming/{doc_id}/edit", data=corrected).status_code == 302
    assert _step(clerk, doc_id, "present").status_code == 302
    assert _state(doc_id) == "presented"
    actions = [e.action for e in history("incoming", doc_id)]
    assert actions == ["registered", "presented", "returned_to_clerk", "corrected", "presented"]
    # Once presented again, the clerk can no longer edit it.
    refused = clerk.get(f"/incoming/{doc_id}/edit", follow_redirects=True)
    assert refused.request.path == f"/incoming/{doc_id}"
    assert "không thể sửa thông tin vào sổ" in refused.get_data(as_text=True)
    assert clerk.post(f"/incoming/{doc_id}/edit", data={}).status_code == 302
    assert _state(doc_id) == "presented"


def test_the_people_assigned_see_the_document_others_of_the_org_do_not(app, team):
    school, coordinator, outsider = team
    # Secret: assigned people see it all the same; the office unit holds the lead.
    doc = factories.register(school.clerk, confidentiality_code="secret")
    processing_clients = {u.id: _client(app, u) for u in (school.staff, coordinator, outsider)}
    informed = factories.make_user(school.org, "debiet@thleloi.hcm.edu.vn", ["staff"], "Để Biết")
    db.session.commit()
    for user in (school.staff, coordinator, outsider):
        assert processing_clients[user.id].get(f"/incoming/{doc.id}").status_code == 404
    _step(_client(app, school.clerk), doc.id, "present")
    response = _step(
        _client(app, school.leader),
        doc.id,
        "assign",
        lead=f"unit:{school.unit.id}",
        informed=[f"user:{informed.id}"],
    )
    assert response.status_code == 302
    for user in (school.staff, coordinator):  # members of the lead unit
        assert processing_clients[user.id].get(f"/incoming/{doc.id}").status_code == 200
    assert _client(app, informed).get(f"/incoming/{doc.id}").status_code == 200
    assert processing_clients[outsider.id].get(f"/incoming/{doc.id}").status_code == 404
    assert _offered(_client(app, informed), doc.id) == ["acknowledge"]  # nothing else
    assert _offered(processing_clients[school.staff.id], doc.id) == ["start", "progress"]


def test_reassigning_keeps_the_old_values_in_the_history(app, team):
    school, coordinator, _outsider = team
    doc = factories.register(school.clerk)
    leader = _client(app, school.leader)
    _step(_client(app, school.clerk), doc.id, "present")
    _step(leader, doc.id, "assign", lead=f"user:{school.staff.id}", deadline="04/12/2026")
    _step(_client(app, school.staff), doc.id, "start")

    refused = _step(leader, doc.id, "reassign", lead=f"user:{coordinator.id}")
    assert refused.status_code == 422
    assert _state(doc.id) == "in_progress"
    response = _step(
        leader,
        doc.id,
        "reassign",
        lead=f"user:{coordinator.id}",
        deadline="11/12/2026",
        reason="Cô Giáo Viên đi tập huấn.",
    )
    assert response.status_code == 302
    assert _state(doc.id) == "assigned"

    items = _history_items(leader, doc.id)
    assert items[-1].startswith("Phân công lại")
    assert "Chủ trì: Lê Thị Giáo Viên → Võ Văn Phối Hợp" in items[-1]
    assert "Hạn xử lý: 04/12/2026 → 11/12/2026" in items[-1]
    assert "Cô Giáo Viên đi tập huấn." in items[-1]
    page = lxml.html.fromstring(leader.get(f"/incoming/{doc.id}").get_data(as_text=True))
    assert page.xpath("//del[text()='Lê Thị Giáo Viên']")
    # The former lead still sees the timeline but may no longer act on it.
    former = _client(app, school.staff)
    assert former.get(f"/incoming/{doc.id}").status_code == 200
    assert _offered(former, doc.id) == []
    assert _step(former, doc.id, "start").status_code == 403


def test_an_unknown_step_is_404(app, world):
    doc = factories.register(world.school_a.clerk)
    assert _step(_client(app, world.school_a.clerk), doc.id, "approve").status_code == 404
