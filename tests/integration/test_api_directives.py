"""District directives through /api/v1, each answer checked against the OpenAPI document.

A custom group and a built-in one chosen on a draft with four report requests → signed
and published → the tracking board shows the three schools; the schools answer in each
form (one late), the district extends one school's deadline, returns an answer and
reminds exactly the schools without an answer; a school acknowledges the directive; the
roll-up; then the groups' CRUD and the refusals (another school's task or another
office's group: 404, a role that may not: 403, not JSON: 415, bad fields: 422).
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from eoffice.core import timeutil
from eoffice.directives.models import RecipientGroup
from eoffice.extensions import db
from eoffice.jobs.connection import runner
from eoffice.notifications.models import Notification
from eoffice.orgs.models import User
from eoffice.outgoing import drafting, issuing, review
from eoffice.outgoing.drafting import RecipientInput
from tests import factories
from tests.integration.test_api import PREFIX, Api, token_for
from tests.integration.test_api_outgoing import plan_body

NOW = datetime(2026, 9, 25, 2, 0, tzinfo=UTC)  # Friday 25/09/2026, 09:00 office time
AFTER_DEADLINE = datetime(2026, 10, 6, 2, 0, tzinfo=UTC)  # Tuesday 06/10, 09:00
DEADLINE = "2026-10-05"
FORMS = ("document", "file", "figure", "text")
REQUESTS = [
    {"what": "Gửi văn bản báo cáo kế hoạch của đơn vị", "deadline": DEADLINE},
    {"what": "Danh sách giáo viên tham gia tập huấn", "deadline": DEADLINE, "answer_form": "file"},
    {"what": "Số học sinh lớp 1", "deadline": DEADLINE, "answer_form": "figure"},
    {"what": "Tóm tắt khó khăn, vướng mắc", "deadline": DEADLINE, "answer_form": "text"},
]


@pytest.fixture
def app_config(app_config):
    # Notifications are checked in the bell; no e-mail jobs in the publishing burst.
    return {**app_config, "NOTIFICATION_EMAIL_ENABLED": False}


@pytest.fixture(autouse=True)
def clock(app):
    moment = {"now": NOW}
    timeutil.set_clock(lambda: moment["now"])
    yield moment
    timeutil.set_clock(None)


@pytest.fixture(autouse=True)
def empty_queues(app):
    runner().connection.flushall()


@pytest.fixture
def spec(client) -> dict:
    return client.get(f"{PREFIX}/openapi.json").get_json()


@pytest.fixture
def api_of(app, client, spec):
    def make(user) -> Api:
        return Api(app, client, spec, token_for(user))

    return make


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def ok(response, status: int = 200) -> dict:
    assert response.status_code == status, response.json
    return response.json


def refused(response, status: int, text: str = "") -> dict:
    assert response.status_code == status, response.json
    assert text in response.json["error"]["message"]
    return response.json["error"]


def groups_url(tail: str = "") -> str:
    return f"{PREFIX}/directives/groups{tail}"


def task_url(task_id: int, tail: str = "") -> str:
    return f"{PREFIX}/directives/tasks/{task_id}{tail}"


def board(api: Api, doc_id: int, **query) -> dict:
    return ok(api.get(f"{PREFIX}/outgoing/{doc_id}/board", query_string=query))


def cells(data: dict, position: int) -> dict[int, tuple[str, str]]:
    """School id → (status, deadline) of the request at `position` (0-based)."""
    return {
        row["org_id"]: (row["tasks"][position]["status"], row["tasks"][position]["deadline"])
        for row in data["rows"]
    }


def tasks_by_form(api: Api, doc_id: int) -> dict[str, dict]:
    items = ok(api.get(f"{PREFIX}/directives/tasks"))["items"]
    return {t["request"]["answer_form"]: t for t in items if t["document"]["id"] == doc_id}


def told(kind: str) -> set[int]:
    """The organisations whose users were told `kind`."""
    return set(
        db.session.scalars(
            select(User.org_id)
            .join(Notification, Notification.user_id == User.id)
            .where(Notification.kind == kind)
        )
    )


def _school_report(world, school) -> int:
    """An issued document of `school` (its reply), through the services and the job."""
    draft = drafting.create_draft(
        school.staff,
        factories.outgoing_plan(
            world,
            signer_id=school.leader.id,
            subject="Báo cáo kế hoạch ứng dụng công nghệ thông tin",
            recipients=[RecipientInput("member", org_id=world.district.org.id)],
        ),
    )
    review.submit(school.staff, draft.id)
    review.approve(school.clerk, draft.id)
    issuing.sign(school.leader, draft.id)
    runner().work_burst()
    return draft.id


def test_a_directive_to_groups_answered_tracked_extended_returned_and_reminded(
    office, api_of, test_ca, clock
):
    world, school_c = office
    district, a, b = world.district, world.school_a, world.school_b
    admin, staff = api_of(district.admin), api_of(district.staff)
    clerk, leader = api_of(district.clerk), api_of(district.leader)

    cluster = ok(
        admin.post(groups_url(), json={"name": "Cụm 1", "member_org_ids": [a.org.id, b.org.id]}),
        201,
    )
    listed = {g["key"]: g for g in ok(staff.get(groups_url()))["items"]}
    assert set(listed) == {
        "all",
        "level:kindergarten",
        "level:primary",
        "level:lower_secondary",
        cluster["key"],
    }
    assert sorted(listed["all"]["member_org_ids"]) == sorted([a.org.id, b.org.id, school_c.org.id])
    assert listed["all"]["count"] == 3
    assert listed["level:kindergarten"]["member_org_ids"] == [school_c.org.id]
    assert (listed[cluster["key"]]["id"], listed[cluster["key"]]["count"]) == (cluster["id"], 2)

    # Dispatch: groups become member recipients; the requests are validated per request.
    body = plan_body(world, groups=[cluster["key"], "level:kindergarten"], requests=REQUESTS)
    bad = staff.post(
        f"{PREFIX}/outgoing",
        json={
            **body,
            "groups": ["custom:999999"],
            "requests": [{"what": "Báo cáo", "deadline": "05/10/2026"}, {"x": 1}],
        },
    )
    fields = refused(bad, 422)["fields"]
    assert set(fields) == {"requests"}  # the body's shape first, then the service's rules
    assert "Yêu cầu thứ 1: deadline sai định dạng" in fields["requests"]
    assert "Yêu cầu thứ 2: không hỗ trợ trường x" in fields["requests"]
    unknown = staff.post(f"{PREFIX}/outgoing", json={**body, "groups": ["custom:999999"]})
    assert set(refused(unknown, 422)["fields"]) == {"groups"}
    past = staff.post(
        f"{PREFIX}/outgoing", json={**body, "requests": [{**REQUESTS[0], "deadline": "2026-09-01"}]}
    )
    assert "hạn trả lời không được trước hôm nay" in refused(past, 422)["fields"]["requests"]

    draft = ok(staff.post(f"{PREFIX}/outgoing", json=body), 201)
    members = [r["org_id"] for r in draft["recipients"] if r["kind"] == "member"]
    assert sorted(members) == sorted([a.org.id, b.org.id, school_c.org.id])
    assert draft["recipients"][-1] == {
        "kind": "text",
        "org_id": None,
        "agency_code": None,
        "name": "Lãnh đạo Phòng",
        "addressed": False,
    }
    assert [(r["position"], r["answer_form"]) for r in draft["requests"]] == list(
        enumerate(FORMS, start=1)
    )
    assert draft["board_url"] is None
    doc_id = draft["id"]
    for name, who in (("submit", staff), ("approve", clerk), ("sign", leader)):
        ok(who.post(f"{PREFIX}/outgoing/{doc_id}/steps/{name}", json={}))
    runner().work_burst()  # the publishing job: PDF, signatures, deliveries and tasks
    detail = ok(staff.get(f"{PREFIX}/outgoing/{doc_id}"))
    assert detail["board_url"] == f"{PREFIX}/outgoing/{doc_id}/board"

    tracked = board(leader, doc_id)
    assert (tracked["total"], tracked["shown"], tracked["counts"]["schools"]) == (3, 3, 3)
    assert {r["org_id"] for r in tracked["rows"]} == {a.org.id, b.org.id, school_c.org.id}
    assert all([c["status"] for c in r["tasks"]] == ["open"] * 4 for r in tracked["rows"])
    assert tracked["requests"][3]["counts"]["open"] == 3
    assert tracked["can_manage"] is True
    text_request_id = tracked["requests"][3]["id"]
    file_request_id = tracked["requests"][1]["id"]

    # School A answers every form, on time.
    school_a = api_of(a.clerk)
    tasks = tasks_by_form(school_a, doc_id)
    assert set(tasks) == set(FORMS) and all(t["can_answer"] for t in tasks.values())
    assert ok(school_a.get(tasks["text"]["url"]))["status"] == "open"  # first reading
    assert board(leader, doc_id, status="read")["shown"] == 1
    empty = school_a.post(task_url(tasks["text"]["id"], "/answer"), json={})
    assert refused(empty, 422, "Vui lòng ghi nội dung trả lời")["fields"] == {
        "text": "Vui lòng ghi nội dung trả lời."
    }
    wrong = school_a.post(task_url(tasks["text"]["id"], "/answer"), json={"figure": True, "y": 1})
    assert set(refused(wrong, 422)["fields"]) == {"figure", "y"}
    form_body = school_a.post(task_url(tasks["text"]["id"], "/answer"), data={"text": "x"})
    refused(form_body, 415)
    answered = ok(
        school_a.post(task_url(tasks["text"]["id"], "/answer"), json={"text": "Thiếu máy tính."})
    )
    assert (answered["state"], answered["status"], answered["late"]) == (
        "answered",
        "on_time",
        False,
    )
    figure = ok(school_a.post(task_url(tasks["figure"]["id"], "/answer"), json={"figure": "1.250"}))
    assert (figure["answer"]["figure"], figure["answer"]["figure_text"]) == ("1250.00", "1.250")
    pdf = factories.pdf_bytes("Danh sách")
    filed = ok(
        school_a.post(
            task_url(tasks["file"]["id"], "/answer"),
            json={"file": {"name": "Danh sách giáo viên.pdf", "content_base64": b64(pdf)}},
        )
    )
    assert filed["answer"]["file"]["name"] == "Danh sách giáo viên.pdf"
    download = leader.get(filed["answer"]["file"]["download_url"])  # the district reads it
    assert download.status_code == 200 and download.data == pdf
    assert api_of(b.clerk).get(filed["answer"]["file"]["download_url"]).status_code == 404
    factories.equip_for_signing(a, test_ca)
    a.org.place_name = "Quận Thử"
    db.session.commit()
    report_id = _school_report(world, a)
    replied = ok(
        school_a.post(
            task_url(tasks["document"]["id"], "/answer"), json={"reply_outgoing_id": report_id}
        )
    )
    assert replied["answer"]["reply_outgoing"]["id"] == report_id
    assert ok(school_a.get(f"{PREFIX}/directives/tasks"))["items"] == []
    assert len(ok(school_a.get(f"{PREFIX}/directives/tasks?answered=1"))["items"]) == 4

    # Extending for school B only moves school B's deadline.
    extended = ok(
        leader.post(
            f"{PREFIX}/outgoing/{doc_id}/requests/{text_request_id}/extend",
            json={
                "deadline": "2026-10-09",
                "reason": "Trường tổ chức hội thao.",
                "school_id": b.org.id,
            },
        )
    )
    assert (extended["count"], extended["school_ids"]) == (1, [b.org.id])
    assert extended["request"]["deadline"] == DEADLINE  # the request's own is unchanged
    assert cells(board(leader, doc_id), 3) == {
        a.org.id: ("on_time", DEADLINE),
        b.org.id: ("open", "2026-10-09"),
        school_c.org.id: ("open", DEADLINE),
    }

    # After the deadline: school C answers late, school B is on time (its own deadline).
    clock["now"] = AFTER_DEADLINE
    late = ok(
        api_of(school_c.clerk).post(
            task_url(tasks_by_form(api_of(school_c.clerk), doc_id)["text"]["id"], "/answer"),
            json={"text": "Nộp muộn."},
        )
    )
    assert (late["late"], late["status"]) == (True, "late")
    ok(
        api_of(b.clerk).post(
            task_url(tasks_by_form(api_of(b.clerk), doc_id)["text"]["id"], "/answer"),
            json={"text": "Đúng hạn gia hạn."},
        )
    )
    after = board(leader, doc_id)
    assert cells(after, 3) == {
        a.org.id: ("on_time", DEADLINE),
        b.org.id: ("on_time", "2026-10-09"),
        school_c.org.id: ("late", DEADLINE),
    }
    assert {k: v[0] for k, v in cells(after, 1).items()} == {
        a.org.id: "on_time",
        b.org.id: "missing",
        school_c.org.id: "missing",
    }
    missing = board(leader, doc_id, answer="missing", request_id=file_request_id, sort="name")
    assert {r["org_id"] for r in missing["rows"]} == {b.org.id, school_c.org.id}
    bad_query = leader.get(f"{PREFIX}/outgoing/{doc_id}/board?answer=x&desc=2&request_id=a")
    assert set(refused(bad_query, 422)["fields"]) == {"answer", "desc", "request_id"}

    # Returning school A's text answer: it owes it again.
    returned = ok(
        leader.post(
            task_url(tasks["text"]["id"], "/return"), json={"comment": "Bổ sung số liệu cụ thể."}
        )
    )
    assert (returned["state"], returned["status"]) == ("returned", "returned")
    assert [t["id"] for t in ok(school_a.get(f"{PREFIX}/directives/tasks"))["items"]] == [
        tasks["text"]["id"]
    ]
    again = leader.post(task_url(tasks["text"]["id"], "/return"), json={"comment": "Lần nữa."})
    refused(again, 409, "Chỉ trả lại được câu trả lời đã nộp")

    # Reminders for the file request reach exactly the two schools that did not answer.
    remind_url = f"{PREFIX}/outgoing/{doc_id}/remind"
    reminded = ok(clerk.post(remind_url, json={"request_id": file_request_id}))
    assert reminded["reminded"] == 2
    assert told("report_reminder") == {b.org.id, school_c.org.id}
    none_left = clerk.post(
        f"{PREFIX}/outgoing/{doc_id}/remind",
        json={"request_id": file_request_id, "school_ids": [a.org.id]},
    )
    refused(none_left, 409, "Không còn trường nào chưa trả lời")

    # The school acknowledges the directive; the board shows it.
    delivery_id = tasks["text"]["delivery_id"]
    acknowledged = ok(
        school_a.post(
            f"{PREFIX}/inbox/{delivery_id}/acknowledge", json={"note": "Đã triển khai tới tổ."}
        )
    )
    assert acknowledged["acknowledgement_note"] == "Đã triển khai tới tổ."
    assert acknowledged["acknowledged_by"]["id"] == a.clerk.id
    assert len(acknowledged["tasks"]) == 4
    refused(api_of(a.staff).post(f"{PREFIX}/inbox/{delivery_id}/acknowledge"), 403)
    refused(api_of(b.clerk).post(f"{PREFIX}/inbox/{delivery_id}/acknowledge"), 404)
    shown = board(leader, doc_id, status="acknowledged")
    assert [r["org_id"] for r in shown["rows"]] == [a.org.id]
    assert shown["counts"]["acknowledged"] == 1

    rolled = ok(leader.get(f"{PREFIX}/directives/rollup"))
    assert rolled["open_requests"] == 4
    by_school = {s["org_id"]: (s["late"], s["missing"]) for s in rolled["schools"]}
    assert by_school[school_c.org.id] == (1, 3)
    refused(clerk.get(f"{PREFIX}/directives/rollup"), 403, "Chỉ lãnh đạo Phòng")


def test_access_to_tasks_and_the_board(office, api_of):
    world, _school_c = office
    district, a, b = world.district, world.school_a, world.school_b
    staff, clerk, leader = (api_of(u) for u in (district.staff, district.clerk, district.leader))
    body = plan_body(world, a, b, requests=[REQUESTS[3]])
    doc_id = ok(staff.post(f"{PREFIX}/outgoing", json=body), 201)["id"]
    for name, who in (("submit", staff), ("approve", clerk), ("sign", leader)):
        ok(who.post(f"{PREFIX}/outgoing/{doc_id}/steps/{name}", json={}))
    runner().work_burst()
    [task] = tasks_by_form(api_of(a.clerk), doc_id).values()
    [request_id] = [r["id"] for r in ok(staff.get(f"{PREFIX}/outgoing/{doc_id}"))["requests"]]

    # Another school: the task is not there; a teacher not given the document neither.
    other = api_of(b.clerk)
    refused(other.get(task["url"]), 404, "Không tìm thấy yêu cầu báo cáo này")
    refused(other.post(task_url(task["id"], "/answer"), json={"text": "x"}), 404)
    refused(api_of(a.staff).get(task["url"]), 404)
    assert ok(api_of(a.staff).get(f"{PREFIX}/directives/tasks"))["items"] == []
    # Schools, and district people without a part, do not see the board.
    for user in (a.clerk, a.leader, district.admin):
        refused(api_of(user).get(f"{PREFIX}/outgoing/{doc_id}/board"), 404)
        refused(api_of(user).post(f"{PREFIX}/outgoing/{doc_id}/remind"), 404)
    refused(api_of(a.leader).post(task_url(task["id"], "/return"), json={"comment": "x"}), 404)
    # The district's clerk follows the board but may not change what a school owes.
    assert board(clerk, doc_id)["can_manage"] is False
    extend = f"{PREFIX}/outgoing/{doc_id}/requests/{request_id}/extend"
    payload = {"deadline": "2026-10-09", "reason": "Lý do gia hạn."}
    refused(clerk.post(extend, json=payload), 403, "Chỉ người soạn, người ký và lãnh đạo")
    refused(leader.post(extend, data=payload), 415)
    missing = leader.post(extend, json={"reason": "Lý do gia hạn.", "deadline": "09/10/2026"})
    assert set(refused(missing, 422)["fields"]) == {"deadline"}
    refused(leader.post(f"{PREFIX}/outgoing/{doc_id}/requests/999999/extend", json=payload), 404)
    early = leader.post(extend, json={**payload, "deadline": "2026-09-26"})
    refused(early, 422, "Hạn mới phải sau hạn hiện tại")
    everyone = ok(leader.post(extend, json=payload))
    assert (everyone["count"], everyone["request"]["deadline"]) == (2, "2026-10-09")
    not_answered = leader.post(task_url(task["id"], "/return"), json={"comment": "Bổ sung."})
    refused(not_answered, 409)
    refused(leader.post(task_url(task["id"], "/return"), json={}), 422, "nội dung cần bổ sung")
    refused(clerk.post(f"{PREFIX}/outgoing/{doc_id}/remind", json={"school_ids": []}), 422)
    refused(clerk.post(f"{PREFIX}/outgoing/{doc_id}/remind", data="x"), 415)
    refused(api_of(a.clerk).get(f"{PREFIX}/directives/tasks?answered=2"), 422)
    assert ok(clerk.post(f"{PREFIX}/outgoing/{doc_id}/remind"))["reminded"] == 2


def test_groups_are_created_edited_and_deleted_by_the_admin_only(world, api_of):
    district, a, b = world.district, world.school_a, world.school_b
    admin, staff = api_of(district.admin), api_of(district.staff)

    created = ok(
        admin.post(
            groups_url(),
            json={
                "name": "Trường chuẩn quốc gia",
                "description": "Đợt 2026",
                "member_org_ids": [a.org.id],
            },
        ),
        201,
    )
    assert created["key"] == f"custom:{created['id']}"
    assert (created["member_org_ids"], created["count"]) == ([a.org.id], 1)
    url = created["url"]
    assert ok(admin.get(url)) == created

    taken = admin.post(
        groups_url(), json={"name": "trường chuẩn quốc gia", "member_org_ids": [b.org.id]}
    )
    assert "Đã có nhóm" in refused(taken, 422)["fields"]["name"]
    bad = admin.post(groups_url(), json={"name": 5, "member_org_ids": "1", "extra": True})
    assert set(refused(bad, 422)["fields"]) == {"name", "member_org_ids", "extra"}
    own = admin.post(groups_url(), json={"name": "Nhóm lạ", "member_org_ids": [district.org.id]})
    assert set(refused(own, 422)["fields"]) == {"member_org_ids"}
    refused(admin.post(groups_url(), data={"name": "x"}), 415)
    refused(staff.post(groups_url(), json={"name": "Cụm 2", "member_org_ids": [a.org.id]}), 403)

    patched = ok(admin.call("PATCH", url, json={"member_org_ids": [a.org.id, b.org.id]}))
    assert (patched["name"], patched["description"]) == ("Trường chuẩn quốc gia", "Đợt 2026")
    assert sorted(patched["member_org_ids"]) == sorted([a.org.id, b.org.id])
    replaced = ok(admin.call("PUT", url, json={"name": "Cụm 1", "member_org_ids": [b.org.id]}))
    assert (replaced["name"], replaced["description"], replaced["member_org_ids"]) == (
        "Cụm 1",
        None,
        [b.org.id],
    )
    incomplete = admin.call("PUT", url, json={"name": "Cụm 1"})
    assert set(refused(incomplete, 422)["fields"]) == {"member_org_ids"}
    listed = {g["key"]: g for g in ok(staff.get(groups_url()))["items"]}
    assert listed[created["key"]]["label"] == "Cụm 1"
    assert ok(staff.get(groups_url()))["can_manage"] is False

    # Another office's admin: not there; staff of this one: refused by role.
    elsewhere = api_of(a.admin)
    refused(elsewhere.get(url), 404, "Không tìm thấy nhóm nơi nhận")
    refused(elsewhere.call("PATCH", url, json={"name": "x"}), 404)
    refused(elsewhere.call("DELETE", url), 404)
    refused(staff.call("DELETE", url), 403, "Chỉ quản trị")
    assert custom_key_of(elsewhere) == set()

    deleted = ok(admin.call("DELETE", url))
    assert deleted["message"].startswith("Đã xóa nhóm «Cụm 1»")
    assert db.session.get(RecipientGroup, created["id"]) is None
    refused(admin.get(url), 404)


def custom_key_of(api: Api) -> set[str]:
    return {g["key"] for g in ok(api.get(groups_url()))["items"] if g["kind"] == "custom"}
