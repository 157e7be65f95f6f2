"""Processing an incoming document through /api/v1, each answer checked against the spec.

The same path as on the web pages (register → present → assign → start → progress →
complete → file), with one token per role, and the refusals each with its status.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from eoffice.casefiles import creating, files
from eoffice.core import timeutil
from eoffice.core.audit import history
from eoffice.extensions import db
from eoffice.incoming import processing
from eoffice.incoming.models import IncomingDocument
from eoffice.incoming.processing import Party
from tests import factories
from tests.integration.test_api import NOW, PREFIX, Api, json_body, token_for


@pytest.fixture(autouse=True)
def fixed_clock(app):
    timeutil.set_clock(lambda: NOW)  # Friday 25/09/2026, 09:00 office time
    yield
    timeutil.set_clock(None)


@pytest.fixture
def spec(client) -> dict:
    return client.get(f"{PREFIX}/openapi.json").get_json()


@pytest.fixture
def tokens(app, client, spec, world):
    school = world.school_a

    def api(user) -> Api:
        return Api(app, client, spec, token_for(user))

    return {
        "clerk": api(school.clerk),
        "leader": api(school.leader),
        "staff": api(school.staff),
        "admin": api(school.admin),
        "other_leader": api(world.school_b.leader),
    }


def step(api: Api, doc_id: int, name: str, **body):
    return api.post(f"{PREFIX}/incoming/{doc_id}/steps/{name}", json=body)


def steps_of(api: Api, doc_id: int) -> list[str]:
    return [s["step"] for s in api.get(f"{PREFIX}/incoming/{doc_id}").json["available_steps"]]


def _presented(school, **overrides) -> IncomingDocument:
    doc = factories.register(school.clerk, **overrides)
    return processing.present(school.clerk, doc.id, presented_to=school.leader.id)


def test_whole_path_through_the_api(tokens, world):
    school = world.school_a
    clerk, leader, staff = tokens["clerk"], tokens["leader"], tokens["staff"]

    created = clerk.post(f"{PREFIX}/incoming", json=json_body())
    assert created.status_code == 201
    doc_id = created.json["id"]
    assert created.json["assignments"] == []
    offered = {s["step"]: s for s in created.json["available_steps"]}
    assert set(offered) == {"present", "reject", "cancel"}
    assert offered["present"]["url"] == f"{PREFIX}/incoming/{doc_id}/steps/present"
    assert offered["reject"]["required"] == ["reason"]

    presented = step(clerk, doc_id, "present", presented_to=school.leader.id, note="Kính trình")
    assert presented.status_code == 200, presented.json
    assert (presented.json["state"], presented.json["state_label"]) == ("presented", "Đã trình")
    assert presented.json["available_steps"] == []  # nothing left for the clerk now
    assert steps_of(leader, doc_id) == ["return_to_clerk", "assign", "reject"]

    assigned = step(
        leader,
        doc_id,
        "assign",
        lead=f"user:{school.staff.id}",
        coordinators=[f"user:{school.admin.id}"],
        informed=[f"user:{school.clerk.id}"],
        deadline="2026-10-05",
        instruction="Cô Giáo Viên chủ trì, báo cáo trước hạn.",
    )
    assert assigned.status_code == 200, assigned.json
    body = assigned.json
    assert body["state"] == "assigned" and body["deadline"] == "2026-10-05"
    parts = {p["kind"]: p for p in body["assignments"]}
    assert parts["lead"]["party"] == f"user:{school.staff.id}"
    assert parts["lead"]["user"]["full_name"] == "Lê Thị Giáo Viên"
    assert parts["lead"]["deadline"] == "2026-10-05"
    assert parts["lead"]["instruction"] == "Cô Giáo Viên chủ trì, báo cáo trước hạn."
    assert parts["lead"]["assigned_by"]["id"] == school.leader.id
    assert parts["coordinator"]["user"] == {"id": school.admin.id, "full_name": "Phạm Quản Trị"}
    assert parts["informed"]["state"] == "assigned"
    assert "extend_deadline" in [s["step"] for s in body["available_steps"]]

    # The lead sees the document now and is offered the lead's steps only.
    assert steps_of(staff, doc_id) == ["start", "progress"]
    started = step(staff, doc_id, "start", note="Nhận xử lý.")
    assert started.status_code == 200 and started.json["state"] == "in_progress"
    progress = step(staff, doc_id, "progress", note="Đã soạn dự thảo báo cáo.", percent=60)
    assert progress.status_code == 200, progress.json
    lead = next(p for p in progress.json["assignments"] if p["kind"] == "lead")
    assert (lead["state"], lead["progress_percent"]) == ("in_progress", 60)

    completed = step(staff, doc_id, "complete", result="Đã gửi báo cáo cho Sở.")
    assert completed.status_code == 200 and completed.json["state"] == "completed"
    lead = next(p for p in completed.json["assignments"] if p["kind"] == "lead")
    assert (lead["result"], lead["progress_percent"]) == ("Đã gửi báo cáo cho Sở.", 100)
    assert steps_of(clerk, doc_id) == ["acknowledge", "file"]  # the clerk is informed
    assert steps_of(leader, doc_id) == ["reopen"]

    case_file = creating.create_file(
        school.clerk, creating.FileInput(title="Hồ sơ CNTT năm 2026", notation="VP", retention="10")
    )
    wrong = step(clerk, doc_id, "file", case_file="Hồ sơ CNTT 2026")  # the old free text
    assert wrong.status_code == 422 and "case_file" in wrong.json["error"]["fields"]
    filed = step(clerk, doc_id, "file", case_file_id=case_file.id)
    assert filed.status_code == 200, filed.json
    assert (filed.json["state"], filed.json["state_label"]) == ("filed", "Đã lập hồ sơ / lưu")
    assert filed.json["history"][-1]["changes"]["case_file"] == "01.VP – Hồ sơ CNTT năm 2026"
    assert [r.document_id for r in files.contents(case_file)] == [doc_id]
    assert filed.json["available_steps"] == []
    actions = [e["action"] for e in filed.json["history"]]
    assert actions == [
        "registered",
        "presented",
        "assigned",
        "started",
        "progress",
        "completed",
        "filed",
    ]
    assert filed.json["history"][2]["changes"]["lead"] == "Lê Thị Giáo Viên"

    # The new states are filter values of the list.
    listed = clerk.get(f"{PREFIX}/incoming", query_string={"state": "filed"}).json
    assert [d["id"] for d in listed["items"]] == [doc_id]
    assert clerk.get(f"{PREFIX}/incoming", query_string={"state": "assigned"}).json["items"] == []


def test_a_step_without_a_body_takes_no_inputs(tokens, world):
    school = world.school_a
    doc = factories.register(school.clerk)
    response = tokens["clerk"].post(f"{PREFIX}/incoming/{doc.id}/steps/present")
    assert response.status_code == 200
    assert response.json["state"] == "presented"


def _unchanged(doc_id: int, state: str, actions: list[str]) -> None:
    db.session.expire_all()
    assert db.session.get(IncomingDocument, doc_id).state == state
    assert [e.action for e in history("incoming", doc_id)] == actions


def test_refusals_carry_the_service_status_and_change_nothing(tokens, world):
    school = world.school_a
    doc = _presented(school, recipient_unit_id=school.unit.id)  # the staff member sees it
    staff, leader, clerk = tokens["staff"], tokens["leader"], tokens["clerk"]
    before = ["registered", "presented"]

    by_staff = step(staff, doc.id, "assign", lead=f"user:{school.staff.id}")
    assert by_staff.status_code == 403
    assert by_staff.json["error"]["code"] == "forbidden"
    assert "Phân công xử lý" in by_staff.json["error"]["message"]

    no_reason = step(leader, doc.id, "return_to_clerk")
    assert no_reason.status_code == 422
    assert set(no_reason.json["error"]["fields"]) == {"reason"}
    blank = step(leader, doc.id, "return_to_clerk", reason="   ")
    assert blank.status_code == 422 and "reason" in blank.json["error"]["fields"]
    no_lead = step(leader, doc.id, "assign", deadline="2026-10-05")
    assert no_lead.status_code == 422 and set(no_lead.json["error"]["fields"]) == {"lead"}

    twice = step(clerk, doc.id, "present")
    assert twice.status_code == 409
    assert twice.json["error"]["code"] == "conflict"
    assert step(staff, doc.id, "start").status_code == 409
    assert step(leader, doc.id, "complete", result="Xong").status_code == 409

    past = step(leader, doc.id, "assign", lead=f"user:{school.staff.id}", deadline="2026-09-24")
    assert past.status_code == 422 and set(past.json["error"]["fields"]) == {"deadline"}
    _unchanged(doc.id, "presented", before)


def test_another_organisation_gets_404_for_every_step(tokens, world):
    doc = _presented(world.school_a)
    other = tokens["other_leader"]
    for name, body in (
        ("assign", {"lead": f"user:{world.school_b.staff.id}"}),
        ("return_to_clerk", {"reason": "Không đúng thẩm quyền"}),
        ("reject", {"reason": "Gửi nhầm"}),
        ("start", {}),
    ):
        response = step(other, doc.id, name, **body)
        assert response.status_code == 404, name
        assert response.json["error"]["code"] == "not_found"
    # Nor can A's leader hand the work to B's people.
    crossed = step(tokens["leader"], doc.id, "assign", lead=f"user:{world.school_b.staff.id}")
    assert crossed.status_code == 422 and "lead" in crossed.json["error"]["fields"]
    assert step(other, 99999999999999, "start").status_code == 404
    _unchanged(doc.id, "presented", ["registered", "presented"])


def test_bodies_with_wrong_types_are_422_per_field(tokens, world):
    school = world.school_a
    doc = _presented(school)
    leader = tokens["leader"]
    response = step(
        leader,
        doc.id,
        "assign",
        lead="Lê Thị Giáo Viên",
        coordinators=f"user:{school.admin.id}",
        informed=["user:abc"],
        deadline="05/10/2026",
        instruction=42,
        percent=50,
    )
    assert response.status_code == 422
    fields = response.json["error"]["fields"]
    assert set(fields) == {"lead", "coordinators", "informed", "deadline", "instruction", "percent"}
    assert "user:" in fields["lead"] and "YYYY-MM-DD" in fields["deadline"]
    assert fields["percent"] == "Trường này không được hỗ trợ."

    bad_json = leader.post(
        f"{PREFIX}/incoming/{doc.id}/steps/reject", data="{lý do", content_type="application/json"
    )
    assert bad_json.status_code == 422 and set(bad_json.json["error"]["fields"]) == {"body"}
    as_list = leader.post(f"{PREFIX}/incoming/{doc.id}/steps/reject", json=["Gửi nhầm"])
    assert as_list.status_code == 422
    plain = leader.post(
        f"{PREFIX}/incoming/{doc.id}/steps/reject", data="reason=x", content_type="text/plain"
    )
    assert plain.status_code == 415
    assert plain.json["error"]["code"] == "unsupported_media_type"
    unknown = leader.post(f"{PREFIX}/incoming/{doc.id}/steps/approve", json={})
    assert unknown.status_code == 404 and unknown.json["error"]["code"] == "not_found"
    _unchanged(doc.id, "presented", ["registered", "presented"])


def test_percent_out_of_range_and_extending_a_deadline(tokens, world):
    school = world.school_a
    doc = _presented(school)
    leader, staff = tokens["leader"], tokens["staff"]
    step(leader, doc.id, "assign", lead=f"user:{school.staff.id}", deadline="2026-09-28")
    too_much = step(staff, doc.id, "progress", note="Gần xong", percent=150)
    assert too_much.status_code == 422 and set(too_much.json["error"]["fields"]) == {"percent"}
    assert step(staff, doc.id, "progress", percent=10).json["error"]["fields"].keys() == {"note"}

    assert step(
        staff, doc.id, "extend_deadline", deadline="2026-10-09", reason="x"
    ).status_code == (403)
    missing = step(leader, doc.id, "extend_deadline", deadline="2026-10-09")
    assert missing.status_code == 422 and set(missing.json["error"]["fields"]) == {"reason"}
    extended = step(
        leader, doc.id, "extend_deadline", deadline="2026-10-09", reason="Chờ số liệu của Sở"
    )
    assert extended.status_code == 200
    assert extended.json["deadline"] == "2026-10-09"
    change = extended.json["history"][-1]["changes"]["deadline"]
    assert change == {"from": "28/09/2026", "to": "09/10/2026"}


# /me/work ------------------------------------------------------------------------------------


def _assigned(school, lead: Party, deadline, coordinators=(), **overrides) -> IncomingDocument:
    doc = _presented(school, **overrides)
    return processing.assign(school.leader, doc.id, lead, list(coordinators), deadline=deadline)


def test_my_work_lists_open_parts_nearest_deadline_first_with_due_state(tokens, world):
    from datetime import date

    school = world.school_a
    me = Party(user_id=school.staff.id)
    later = _assigned(school, me, date(2026, 10, 30), symbol="1/A")
    friday = _assigned(school, me, date(2026, 9, 25), symbol="2/A")
    no_deadline = _assigned(school, me, None, symbol="3/A")
    monday = _assigned(
        school,
        Party(user_id=school.admin.id),
        date(2026, 9, 28),
        coordinators=[Party(unit_id=school.unit.id)],  # staff's unit coordinates
        symbol="4/A",
    )
    done = _assigned(school, me, date(2026, 9, 30), symbol="5/A")
    processing.start(school.staff, done.id)
    processing.complete(school.staff, done.id, "Đã xong.")
    informed = _presented(school, symbol="6/A")
    processing.assign(
        school.leader, informed.id, Party(user_id=school.admin.id), informed=[me], deadline=None
    )
    _assigned(world.school_b, Party(user_id=world.school_b.staff.id), date(2026, 9, 25))

    work = tokens["staff"].get(f"{PREFIX}/me/work")
    assert work.status_code == 200
    items = work.json["items"]
    assert [i["document"]["id"] for i in items] == [friday.id, monday.id, later.id, no_deadline.id]
    assert [i["part"]["kind"] for i in items] == ["lead", "coordinator", "lead", "lead"]
    assert [i["due_state"] for i in items] == ["due_today", "due_soon", "upcoming", "none"]
    assert items[0]["due_state_label"] == "Đến hạn hôm nay"
    assert items[1]["part"]["unit"]["name"] == "Tổ Văn phòng"
    assert items[0]["document"]["symbol"] == "2/A"
    assert items[0]["document"]["url"] == f"{PREFIX}/incoming/{friday.id}"

    # Keyset pages cover the same list, the parts without a deadline last.
    seen, cursor = [], None
    for _page in range(5):
        params = {"limit": 1, **({"cursor": cursor} if cursor else {})}
        page = tokens["staff"].get(f"{PREFIX}/me/work", query_string=params).json
        seen += [i["part"]["id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [i["part"]["id"] for i in items]

    # Next Tuesday the Friday one is overdue.
    timeutil.set_clock(lambda: datetime(2026, 9, 29, 2, 0, tzinfo=UTC))
    states = [i["due_state"] for i in tokens["staff"].get(f"{PREFIX}/me/work").json["items"]]
    assert states[:2] == ["overdue", "overdue"]

    assert tokens["leader"].get(f"{PREFIX}/me/work").json["items"] == []
    # The clerk is in the unit too: the unit's part is theirs to work on as well.
    clerk_work = tokens["clerk"].get(f"{PREFIX}/me/work").json["items"]
    assert [i["document"]["id"] for i in clerk_work] == [monday.id]
    bad = tokens["staff"].get(f"{PREFIX}/me/work", query_string={"limit": 0, "cursor": "x"})
    assert bad.status_code == 422 and set(bad.json["error"]["fields"]) == {"limit", "cursor"}


def test_the_clerk_cancels_or_rejects_through_the_api(tokens, world):
    school = world.school_a
    clerk = tokens["clerk"]
    wrong = factories.register(school.clerk, symbol="1/A")
    cancelled = step(clerk, wrong.id, "cancel", reason="Vào sổ nhầm văn bản")
    assert cancelled.status_code == 200
    assert (cancelled.json["state"], cancelled.json["cancel_reason"]) == (
        "cancelled",
        "Vào sổ nhầm văn bản",
    )
    assert step(clerk, wrong.id, "reject", reason="Gửi nhầm").status_code == 409

    misdirected = factories.register(school.clerk, symbol="2/A")
    assert step(tokens["staff"], misdirected.id, "reject", reason="x").status_code == 404
    assert set(step(clerk, misdirected.id, "reject").json["error"]["fields"]) == {"reason"}
    rejected = step(clerk, misdirected.id, "reject", reason="Không thuộc thẩm quyền của trường")
    assert rejected.status_code == 200 and rejected.json["state_label"] == "Từ chối tiếp nhận"
    assert rejected.json["history"][-1]["note"] == "Không thuộc thẩm quyền của trường"
