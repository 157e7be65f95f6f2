"""Cancelling and correcting through the workflow; parts of coordinators, people informed
and units, each through the web routes and the API, allowed and refused."""

from __future__ import annotations

import re
from datetime import date

import lxml.html
import pytest

from eoffice.core import timeutil
from eoffice.core.audit import history
from eoffice.core.errors import Conflict, Forbidden, ValidationFailed
from eoffice.extensions import db
from eoffice.incoming import parts, processing
from eoffice.incoming.models import IncomingDocument
from eoffice.incoming.processing import Party
from eoffice.incoming.services import cancel_incoming, correct_incoming, input_from_document
from tests import factories
from tests.integration.test_api import NOW, PREFIX, Api, token_for

_STEP = re.compile(r"/steps/(\w+)$")


@pytest.fixture(autouse=True)
def fixed_clock(app):
    timeutil.set_clock(lambda: NOW)  # Friday 25/09/2026, 09:00 office time
    yield
    timeutil.set_clock(None)


def _web(app, user):
    client = app.test_client()
    factories.login(client, user)
    return client


def _api(app, client, user) -> Api:
    return Api(app, client, client.get(f"{PREFIX}/openapi.json").get_json(), token_for(user))


def _state(doc_id: int) -> str:
    db.session.expire_all()
    return db.session.get(IncomingDocument, doc_id).state


def _actions(doc_id: int) -> list[str]:
    return [e.action for e in history("incoming", doc_id)]


def _has_cancel_box(client, doc_id: int) -> bool:
    page = lxml.html.fromstring(client.get(f"/incoming/{doc_id}").get_data(as_text=True))
    return bool(page.xpath(f"//form[@action='/incoming/{doc_id}/cancel']"))


# Cancelling and correcting ------------------------------------------------------------


def test_the_clerk_cancels_through_the_web_page_others_and_late_cancels_are_refused(app, world):
    school = world.school_a
    doc = factories.register(school.clerk, recipient_unit_id=school.unit.id)
    clerk, staff = _web(app, school.clerk), _web(app, school.staff)

    assert _has_cancel_box(clerk, doc.id)
    assert not _has_cancel_box(staff, doc.id)  # sees the document, may not cancel it
    refused = staff.post(f"/incoming/{doc.id}/cancel", data={"reason": "Vào sổ nhầm"})
    assert refused.status_code == 403
    assert (_state(doc.id), _actions(doc.id)) == ("registered", ["registered"])

    done = clerk.post(f"/incoming/{doc.id}/cancel", data={"reason": "Vào sổ nhầm văn bản"})
    assert done.status_code == 302
    assert _state(doc.id) == "cancelled"
    event = history("incoming", doc.id)[-1]
    assert (event.action, event.note) == ("cancelled", "Vào sổ nhầm văn bản")
    assert not _has_cancel_box(clerk, doc.id)

    presented = factories.register(school.clerk, symbol="2/KH")
    processing.present(school.clerk, presented.id, presented_to=school.leader.id)
    assert not _has_cancel_box(clerk, presented.id)
    late = clerk.post(
        f"/incoming/{presented.id}/cancel", data={"reason": "Vào sổ nhầm"}, follow_redirects=True
    )
    assert "chỉ thực hiện được ở trạng thái «Đã vào sổ» hoặc «Trả lại văn thư»" in late.get_data(
        as_text=True
    )
    assert (_state(presented.id), _actions(presented.id)) == (
        "presented",
        ["registered", "presented"],
    )


def test_a_short_reason_is_refused_and_changes_nothing(world):
    clerk = world.school_a.clerk
    doc = factories.register(clerk)
    with pytest.raises(ValidationFailed) as missing:
        cancel_incoming(clerk, doc.id, "  ")
    assert set(missing.value.field_errors) == {"reason"}
    with pytest.raises(ValidationFailed):
        cancel_incoming(clerk, doc.id, "nhầm")
    assert (_state(doc.id), _actions(doc.id)) == ("registered", ["registered"])


def test_correcting_follows_the_rule_of_cancelling(world):
    school = world.school_a
    doc = factories.register(school.clerk, recipient_unit_id=school.unit.id)
    with pytest.raises(Forbidden):
        correct_incoming(school.leader, doc.id, input_from_document(doc))
    with pytest.raises(Forbidden):
        correct_incoming(school.staff, doc.id, input_from_document(doc))
    processing.present(school.clerk, doc.id, presented_to=school.leader.id)
    with pytest.raises(Conflict):
        correct_incoming(school.clerk, doc.id, input_from_document(doc))
    processing.return_to_clerk(school.leader, doc.id, "Sai trích yếu")
    data = input_from_document(doc)
    data.subject = "Kế hoạch đã sửa trích yếu"
    assert correct_incoming(school.clerk, doc.id, data).subject == data.subject


def test_cancel_through_the_api_allowed_and_refused(app, client, world):
    school = world.school_a
    doc = factories.register(school.clerk, recipient_unit_id=school.unit.id)
    url = f"{PREFIX}/incoming/{doc.id}/steps/cancel"
    staff, clerk = _api(app, client, school.staff), _api(app, client, school.clerk)

    assert staff.post(url, json={"reason": "Vào sổ nhầm"}).status_code == 403
    assert set(clerk.post(url, json={}).json["error"]["fields"]) == {"reason"}
    assert (_state(doc.id), _actions(doc.id)) == ("registered", ["registered"])
    assert clerk.post(url, json={"reason": "Vào sổ nhầm văn bản"}).status_code == 200
    assert clerk.post(url, json={"reason": "Vào sổ nhầm lần nữa"}).status_code == 409
    assert _actions(doc.id) == ["registered", "cancelled"]


# Coordinators, people informed, units ------------------------------------------------


def _offered(client, doc_id: int) -> list[str]:
    page = lxml.html.fromstring(client.get(f"/incoming/{doc_id}").get_data(as_text=True))
    return [m.group(1) for a in page.xpath("//form/@action") if (m := _STEP.search(a))]


def _post(client, doc_id: int, step: str, **fields):
    data = {f"{step}-{name}": value for name, value in fields.items()}
    return client.post(f"/incoming/{doc_id}/steps/{step}", data=data, follow_redirects=True)


def _part(doc_id: int, kind: str):
    db.session.expire_all()
    doc = db.session.get(IncomingDocument, doc_id)
    return next(p for p in doc.assignments if p.kind == kind and p.is_current)


def test_a_coordinator_contributes_through_the_web_page(app, crew):
    school, _maths, head, _teacher, doc_id = crew
    coordinator = _web(app, school.staff)
    assert _offered(coordinator, doc_id) == ["progress", "contribute"]
    assert "contribute" not in _offered(_web(app, head), doc_id)

    empty = _post(coordinator, doc_id, "contribute", result=" ")
    assert empty.status_code == 422
    assert _part(doc_id, "coordinator").state == "assigned"
    stranger = _post(_web(app, head), doc_id, "contribute", result="Góp ý")
    assert stranger.status_code == 403

    done = _post(coordinator, doc_id, "contribute", result="Đề nghị bổ sung số liệu tổ Văn phòng.")
    assert done.status_code == 200 and "Đã gửi ý kiến phối hợp" in done.get_data(as_text=True)
    part = _part(doc_id, "coordinator")
    assert (part.state, part.result, part.progress_percent) == (
        "completed",
        "Đề nghị bổ sung số liệu tổ Văn phòng.",
        100,
    )
    assert _state(doc_id) == "assigned"  # the document waits for its lead
    assert _offered(coordinator, doc_id) == []
    again = _post(coordinator, doc_id, "contribute", result="Lần nữa")
    assert "đang ở trạng thái «Đã hoàn thành»" in again.get_data(as_text=True)
    assert _actions(doc_id)[-1] == "contributed"
    page = coordinator.get(f"/incoming/{doc_id}").get_data(as_text=True)
    assert "Gửi ý kiến phối hợp" in page and "Kết quả: Đề nghị bổ sung" in page


def test_a_person_informed_acknowledges_through_the_web_page(app, crew):
    school, _maths, _head, _teacher, doc_id = crew
    informed, coordinator = _web(app, school.admin), _web(app, school.staff)
    assert _offered(informed, doc_id) == ["acknowledge"]
    assert _post(coordinator, doc_id, "acknowledge").status_code == 403
    assert _part(doc_id, "informed").state == "assigned"

    assert _post(informed, doc_id, "acknowledge").status_code == 200
    assert _part(doc_id, "informed").state == "acknowledged"
    assert _offered(informed, doc_id) == []
    again = _post(informed, doc_id, "acknowledge")
    assert "đang ở trạng thái «Đã xem để biết»" in again.get_data(as_text=True)
    assert _actions(doc_id).count("acknowledged") == 1
    assert informed.get(f"/incoming/{doc_id}").status_code == 200  # still sees the record


def test_the_unit_head_passes_the_units_part_on_to_a_member(app, crew):
    school, maths, head, teacher, doc_id = crew
    head_client, teacher_client = _web(app, head), _web(app, teacher)
    assert "pass_on" in _offered(head_client, doc_id)
    assert _offered(teacher_client, doc_id) == ["start", "progress"]  # a member, not the head

    assert _post(teacher_client, doc_id, "pass_on", assignee=teacher.id).status_code == 403
    assert _post(head_client, doc_id, "pass_on", assignee=school.staff.id).status_code == 422
    missing = _post(head_client, doc_id, "pass_on")
    assert missing.status_code == 422 and "«Cán bộ được giao» là bắt buộc." in missing.get_data(
        as_text=True
    )
    late = _post(head_client, doc_id, "pass_on", assignee=teacher.id, deadline="20/10/2026")
    assert late.status_code == 422
    assert (_part(doc_id, "lead").unit_id, _actions(doc_id)[-1]) == (maths.id, "assigned")

    done = _post(
        head_client,
        doc_id,
        "pass_on",
        assignee=teacher.id,
        deadline="05/10/2026",
        instruction="Cô Mai soạn báo cáo.",
    )
    assert done.status_code == 200
    part = _part(doc_id, "lead")
    assert (part.user_id, part.unit_id, part.state, part.deadline) == (
        teacher.id,
        None,
        "assigned",
        date(2026, 10, 5),
    )
    ended = next(p for p in db.session.get(IncomingDocument, doc_id).assignments if p.unit_id)
    assert (ended.unit_id, ended.state) == (maths.id, "reassigned")  # the unit stays on record
    event = history("incoming", doc_id)[-1]
    assert event.action == "passed_on"
    assert event.changes["holder"] == {"from": "Tổ Toán", "to": "Mai Giáo Viên Toán"}
    assert "pass_on" not in _offered(head_client, doc_id)
    assert _offered(teacher_client, doc_id) == ["start", "progress"]
    assert _web(app, teacher).post(f"/incoming/{doc_id}/steps/start").status_code == 302
    assert _state(doc_id) == "in_progress"


def test_a_lead_passed_on_after_the_start_is_taken_up_by_the_person(world):
    school = world.school_a
    doc = factories.register(school.clerk)
    processing.present(school.clerk, doc.id, presented_to=school.leader.id)
    processing.assign(school.leader, doc.id, Party(unit_id=school.unit.id))
    processing.start(school.staff, doc.id)  # a member of the unit takes it up
    with pytest.raises(Forbidden):  # the leader belongs to no unit: heads none
        parts.pass_on(school.leader, doc.id, school.staff.id)
    deputy = factories.make_user(
        school.org, "phohieutruong@thleloi.hcm.edu.vn", ["deputy"], "Phó Hiệu Trưởng", school.unit
    )
    db.session.commit()
    parts.pass_on(deputy, doc.id, school.clerk.id)
    assert _part(doc.id, "lead").state == "assigned"
    with pytest.raises(Forbidden):  # no longer the staff member's part
        processing.complete(school.staff, doc.id, "Xong")
    processing.complete(school.clerk, doc.id, "Đã báo cáo")
    assert (_state(doc.id), _part(doc.id, "lead").state) == ("completed", "completed")


def test_the_parts_steps_through_the_api(app, client, crew):
    school, _maths, head, teacher, doc_id = crew

    def api(user) -> Api:
        return _api(app, client, user)

    def steps(user) -> list[str]:
        return [
            s["step"] for s in api(user).get(f"{PREFIX}/incoming/{doc_id}").json["available_steps"]
        ]

    def post(user, name: str, **body):
        return api(user).post(f"{PREFIX}/incoming/{doc_id}/steps/{name}", json=body)

    assert steps(school.staff) == ["progress", "contribute"]
    assert steps(school.admin) == ["acknowledge"]
    assert "pass_on" in steps(head) and "pass_on" not in steps(teacher)

    assert set(post(school.staff, "contribute").json["error"]["fields"]) == {"result"}
    assert post(school.admin, "contribute", result="x").status_code == 403
    contributed = post(school.staff, "contribute", result="Số liệu đã gửi.")
    assert contributed.status_code == 200
    coordinator = next(p for p in contributed.json["assignments"] if p["kind"] == "coordinator")
    assert (coordinator["state"], coordinator["result"]) == ("completed", "Số liệu đã gửi.")
    assert post(school.staff, "contribute", result="Lần nữa").status_code == 409

    assert post(school.staff, "acknowledge").status_code == 403
    assert post(school.admin, "acknowledge").status_code == 200
    assert post(school.admin, "acknowledge").status_code == 409

    teacher_json = {"id": teacher.id, "full_name": teacher.full_name}
    assert post(teacher, "pass_on", assignee=teacher.id).status_code == 403
    outsider = post(head, "pass_on", assignee=school.staff.id)  # not in the unit: a form error
    assert outsider.status_code == 422
    assert outsider.json["error"]["fields"] == {"assignee": "Cán bộ được giao phải thuộc đơn vị."}
    assert set(post(head, "pass_on", assignee="x").json["error"]["fields"]) == {"assignee"}
    passed = post(head, "pass_on", assignee=teacher.id, instruction="Cô Mai làm.")
    assert passed.status_code == 200
    lead = next(p for p in passed.json["assignments"] if p["user"] == teacher_json)
    assert (lead["kind"], lead["state"], lead["instruction"]) == ("lead", "assigned", "Cô Mai làm.")
    assert passed.json["history"][-1]["action"] == "passed_on"
    assert post(head, "pass_on", assignee=teacher.id).status_code == 403  # a person's part now
    assert [e.action for e in history("incoming", doc_id)][-3:] == [
        "contributed",
        "acknowledged",
        "passed_on",
    ]
