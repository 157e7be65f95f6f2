"""Văn bản đi through /api/v1, each answer checked against the OpenAPI document.

Draft → submit → approve (clerk) → sign (leader) → the publishing job → the signed PDF
→ the school's inbox → register, with the sender following each recipient's status;
then the list and its filters, and the refusals with their statuses.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from eoffice.catalog.models import RegisterBook
from eoffice.core import timeutil
from eoffice.extensions import db
from eoffice.jobs.connection import runner
from eoffice.outgoing import drafting, issuing, review
from eoffice.outgoing.models import OutgoingDocument
from tests import factories
from tests.integration.test_api import PREFIX, Api, token_for

NOW = datetime(2026, 9, 25, 2, 0, tzinfo=UTC)  # Friday 25/09/2026, 09:00 office time


@pytest.fixture(autouse=True)
def fixed_clock(app):
    timeutil.set_clock(lambda: NOW)
    yield
    timeutil.set_clock(None)


@pytest.fixture(autouse=True)
def empty_queues(app):
    runner().connection.flushall()


@pytest.fixture
def spec(client) -> dict:
    return client.get(f"{PREFIX}/openapi.json").get_json()


@pytest.fixture
def api_of(app, client, spec):
    """An API client signed with the given user's token."""

    def make(user) -> Api:
        return Api(app, client, spec, token_for(user))

    return make


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def plan_body(world, *schools, **overrides) -> dict:
    """The JSON of a KẾ HOẠCH of the district office to the given schools (by org id)."""
    body = {
        "document_type_id": factories.type_id("Kế hoạch"),
        "subject": "Kế hoạch ứng dụng công nghệ thông tin năm học 2026 - 2027",
        "body_text": "I. MỤC ĐÍCH, YÊU CẦU\n\nTriển khai đồng bộ các phần mềm quản lý.",
        "signer_id": world.district.leader.id,
        "recipients": [{"kind": "member", "org_id": s.org.id} for s in schools]
        + [{"kind": "text", "name": "Lãnh đạo Phòng"}],
    }
    body.update(overrides)
    return body


def url(doc_id: int, tail: str = "") -> str:
    return f"{PREFIX}/outgoing/{doc_id}{tail}"


def step(api: Api, doc_id: int, name: str, **body):
    return api.post(url(doc_id, f"/steps/{name}"), json=body)


def steps_of(api: Api, doc_id: int) -> list[str]:
    return [s["step"] for s in api.get(url(doc_id)).json["available_steps"]]


def statuses(api: Api, doc_id: int) -> dict[int, str]:
    items = api.get(url(doc_id, "/deliveries")).json["items"]
    return {d["recipient"]["org_id"]: d["status"] for d in items}


def ids(response) -> list[int]:
    assert response.status_code == 200, response.json
    return [item["id"] for item in response.json["items"]]


def count_outgoing() -> int:
    return db.session.scalar(select(func.count(OutgoingDocument.id)))


def _issued(world, *schools, **overrides) -> OutgoingDocument:
    """A plan issued through the services and published by the job."""
    district = world.district
    doc = drafting.create_draft(
        district.staff, factories.outgoing_plan(world, *schools, **overrides)
    )
    review.submit(district.staff, doc.id)
    review.approve(district.clerk, doc.id)
    issuing.sign(district.leader, doc.id)
    runner().work_burst()
    return doc


def test_draft_review_sign_download_deliver_and_register(office, api_of):
    world, _school_c = office
    district, school = world.district, world.school_a
    staff, clerk, leader = api_of(district.staff), api_of(district.clerk), api_of(district.leader)
    appendix = factories.pdf_bytes("Phụ lục")
    body = plan_body(
        world,
        school,
        files=[{"name": "Phụ lục 1.pdf", "content_base64": b64(appendix)}],
    )
    body["recipients"].insert(1, {"kind": "external", "agency_code": "002.01.31.H29"})

    created = staff.post(f"{PREFIX}/outgoing", json=body)
    assert created.status_code == 201, created.json
    doc_id = created.json["id"]
    assert created.headers["Location"].endswith(url(doc_id))
    draft = created.json
    assert (draft["state"], draft["version"], draft["number"]) == ("draft", 1, None)
    assert draft["signer"] == {"id": district.leader.id, "full_name": district.leader.full_name}
    assert [(r["kind"], r["org_id"]) for r in draft["recipients"]] == [
        ("member", school.org.id),
        ("member", world.school_b.org.id),  # a member named by its code is delivered inside
        ("text", None),
    ]
    assert draft["signed_pdf_url"] is None
    assert [s["step"] for s in draft["available_steps"]] == ["submit", "discard"]
    assert [e["action"] for e in draft["history"]] == ["drafted"]
    [attached] = draft["attachments"]
    download = staff.get(attached["download_url"])
    assert download.status_code == 200 and download.data == appendix

    body["subject"] = "Kế hoạch ứng dụng CNTT năm học 2026 - 2027"
    body.pop("files")
    updated = staff.call("PUT", url(doc_id), json={**body, "note": "Sửa trích yếu"})
    assert updated.status_code == 200, updated.json
    assert (updated.json["version"], updated.json["subject"]) == (2, body["subject"])
    assert [(v["number"], v["note"]) for v in updated.json["versions"]] == [
        (1, None),
        (2, "Sửa trích yếu"),
    ]
    assert len(updated.json["attachments"]) == 1  # kept: a PUT adds files, never drops them

    submitted = step(staff, doc_id, "submit", note="Kính trình")
    assert submitted.status_code == 200, submitted.json
    assert submitted.json["state"] == "in_review"
    assert submitted.json["available_steps"] == []  # nothing for the drafter while it is up
    [first_round] = submitted.json["reviews"]
    assert [(s["label"], s["is_current"]) for s in first_round["stages"]] == [
        ("Văn thư kiểm tra thể thức", True),
        (f"Ký ban hành: {district.leader.full_name}", False),
    ]
    assert ids(clerk.get(f"{PREFIX}/outgoing", query_string={"waiting": 1})) == [doc_id]
    assert ids(leader.get(f"{PREFIX}/outgoing", query_string={"waiting": 1})) == []
    assert steps_of(clerk, doc_id) == ["approve", "send_back"]
    early = step(leader, doc_id, "sign")
    assert early.status_code == 403 and "chưa đến bước ký" in early.json["error"]["message"]

    approved = step(clerk, doc_id, "approve", note="Thể thức đạt.")
    assert approved.status_code == 200, approved.json
    check = approved.json["reviews"][0]["stages"][0]
    assert (check["decision"], check["decided_by"]["id"], check["comment"]) == (
        "approved",
        district.clerk.id,
        "Thể thức đạt.",
    )
    assert ids(leader.get(f"{PREFIX}/outgoing", query_string={"waiting": 1})) == [doc_id]
    assert steps_of(leader, doc_id) == ["send_back", "reject", "sign"]

    signed = step(leader, doc_id, "sign", note="Đồng ý ban hành.")
    assert signed.status_code == 200, signed.json
    issued = signed.json
    assert (issued["state"], issued["number"], issued["symbol"]) == ("issued", 1, "01/KH-GDĐT")
    assert issued["document_date"] == "2026-09-25"
    assert issued["register_book"]["code"] == "general"
    waiting_pdf = leader.get(url(doc_id, "/signed.pdf"))
    assert waiting_pdf.status_code == 404
    assert "chưa có bản PDF đã ký số" in waiting_pdf.json["error"]["message"]

    runner().work_burst()  # the publishing job: PDF, two signatures, delivery
    detail = staff.get(url(doc_id)).json
    assert detail["signed_pdf_url"] == url(doc_id, "/signed.pdf")
    pdf = staff.get(detail["signed_pdf_url"])
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF")
    assert "01-KH-GD" in pdf.headers["Content-Disposition"]
    sent = staff.get(url(doc_id, "/deliveries")).json["items"]
    assert [(d["recipient"]["org_id"], d["status"], d["channel"]) for d in sent] == [
        (school.org.id, "01", "internal"),
        (world.school_b.org.id, "01", "internal"),
    ]
    assert sent[0]["status_label"] == "Đã đến"
    assert [e["status"] for e in sent[0]["events"]] == ["01"]
    assert detail["deliveries"] == sent

    school_clerk = api_of(school.clerk)
    [arrived] = school_clerk.get(f"{PREFIX}/inbox").json["items"]
    assert (arrived["symbol"], arrived["subject"]) == ("01/KH-GDĐT", body["subject"])
    assert arrived["sender"]["name"] == district.org.name
    assert arrived["attachment_count"] == 1
    assert api_of(school.staff).get(f"{PREFIX}/inbox").json["items"] == []  # a clerk's list
    copy_url = f"{PREFIX}/inbox/{arrived['id']}/signed.pdf"
    read_first = school_clerk.get(copy_url)  # read before deciding
    assert read_first.status_code == 200 and read_first.data.startswith(b"%PDF")
    assert api_of(school.staff).get(copy_url).status_code == 403
    assert api_of(world.school_b.clerk).get(copy_url).status_code == 404

    registered = school_clerk.post(arrived["register_url"])
    assert registered.status_code == 201, registered.json
    incoming = registered.json
    assert registered.headers["Location"].endswith(f"{PREFIX}/incoming/{incoming['id']}")
    assert (incoming["source"], incoming["symbol"], incoming["sender"]["org_id"]) == (
        "internal",
        "01/KH-GDĐT",
        district.org.id,
    )
    assert [a["name"] for a in incoming["attachments"]] == ["01-KH-GDĐT.pdf", "Phụ lục 1.pdf"]
    assert school_clerk.get(f"{PREFIX}/inbox").json["items"] == []

    assert statuses(staff, doc_id) == {school.org.id: "03", world.school_b.org.id: "01"}
    mine = staff.get(url(doc_id, "/deliveries")).json["items"][0]
    assert [e["status"] for e in mine["events"]] == ["01", "03"]
    actions = [e["action"] for e in staff.get(url(doc_id)).json["history"]]
    assert actions == ["drafted", "draft_updated", "submitted", "approved", "signed"]


def test_list_filters_and_keyset_pages(office, api_of):
    world, _ = office
    district = world.district
    plan = drafting.create_draft(district.staff, factories.outgoing_plan(world, world.school_a))
    letter = drafting.create_draft(
        district.staff,
        factories.outgoing_plan(
            world,
            world.school_b,
            document_type_id=factories.type_id("Công văn"),
            symbol_unit="TTTT",
            subject="Về việc rà soát thiết bị dạy học",
        ),
    )
    review.submit(district.staff, letter.id)
    clerks_own = drafting.create_draft(
        district.clerk, factories.outgoing_plan(world, world.school_a)
    )
    staff, clerk, leader = api_of(district.staff), api_of(district.clerk), api_of(district.leader)
    listing = f"{PREFIX}/outgoing"

    # Same creation time (a fixed clock): newest first by id.
    assert ids(staff.get(listing)) == [letter.id, plan.id]  # not the clerk's private draft
    assert ids(clerk.get(listing)) == [clerks_own.id, letter.id]  # not the staff's draft
    assert ids(leader.get(listing)) == [clerks_own.id, letter.id, plan.id]
    assert ids(clerk.get(listing, query_string={"mine": 1})) == [clerks_own.id]
    assert ids(staff.get(listing, query_string={"state": "draft"})) == [plan.id]
    assert ids(clerk.get(listing, query_string={"waiting": 1})) == [letter.id]
    assert ids(staff.get(listing, query_string={"waiting": 1})) == []
    for words in ("rà soát", "RA SOAT thiet bi"):
        assert ids(leader.get(listing, query_string={"q": words})) == [letter.id]
    assert ids(leader.get(listing, query_string={"q": "Trường Tiểu học Lê Lợi"})) == [
        clerks_own.id,
        plan.id,
    ]

    seen, cursor = [], None
    for _page in range(5):
        params = {"limit": 1, **({"cursor": cursor} if cursor else {})}
        page = leader.get(listing, query_string=params).json
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [clerks_own.id, letter.id, plan.id]

    review.approve(district.clerk, letter.id)
    issuing.sign(district.leader, letter.id)
    assert ids(leader.get(listing, query_string={"q": "01/GDĐT-TTTT"})) == [letter.id]
    assert ids(leader.get(listing, query_string={"q": "02/GDĐT"})) == []

    bad = leader.get(
        listing, query_string={"state": "sent", "mine": "yes", "limit": 0, "cursor": "x"}
    )
    assert bad.status_code == 422
    assert set(bad.json["error"]["fields"]) == {"state", "mine", "limit", "cursor"}
    assert "draft" in bad.json["error"]["fields"]["state"]


def test_choices_list_signers_and_the_other_organisations(world, api_of):
    deputy = factories.make_user(
        world.district.org, "photruongphong@pgdthu.hcm.edu.vn", ["deputy"], "Võ Phó Phòng"
    )
    db.session.commit()
    choices = api_of(world.district.staff).get(f"{PREFIX}/outgoing/choices").json
    signers = {s["id"]: s for s in choices["signers"]}
    assert set(signers) == {world.district.leader.id, deputy.id}
    assert signers[world.district.leader.id]["capacity"] == ""
    assert signers[deputy.id]["capacity"] == "KT"
    assert signers[deputy.id]["capacity_title"] == "HIỆU TRƯỞNG"  # the head's title, upper case
    assert {o["id"] for o in choices["organisations"]} == {
        world.school_a.org.id,
        world.school_b.org.id,
    }


def test_bad_drafts_are_refused_per_field_and_nothing_is_saved(world, api_of):
    staff = api_of(world.district.staff)
    create = f"{PREFIX}/outgoing"
    unknown_code = plan_body(
        world, world.school_a, recipients=[{"kind": "external", "agency_code": "999.99.99.H99"}]
    )
    response = staff.post(create, json=unknown_code)
    assert response.status_code == 422
    assert set(response.json["error"]["fields"]) == {"recipients"}
    assert "999.99.99.H99" in response.json["error"]["fields"]["recipients"]

    wrong_types = staff.post(
        create,
        json=plan_body(
            world,
            subject=5,
            signer_id="12",
            copies="2",
            completes_reply="yes",
            capacity_title="X" * 101,
            files=[{"name": "a.pdf"}],
            colour="đỏ",
        ),
    )
    assert wrong_types.status_code == 422
    fields = wrong_types.json["error"]["fields"]
    assert set(fields) == {
        "subject",
        "signer_id",
        "copies",
        "completes_reply",
        "capacity_title",
        "files",
        "colour",
    }
    assert fields["colour"] == "Trường này không được hỗ trợ."
    assert fields["capacity_title"] == "Tối đa 100 ký tự."

    bad_lines = staff.post(
        create,
        json=plan_body(
            world,
            recipients=[{"kind": "school"}, "Như trên", {"kind": "member", "org_id": "7"}],
        ),
    )
    assert bad_lines.status_code == 422
    message = bad_lines.json["error"]["fields"]["recipients"]
    assert all(f"Nơi nhận thứ {n}" in message for n in (1, 2, 3))

    by_rules = staff.post(
        create,
        json=plan_body(world, world.school_a, subject="  ", signer_id=world.district.staff.id),
    )
    assert by_rules.status_code == 422
    assert set(by_rules.json["error"]["fields"]) == {"subject", "signer_id"}

    plain = staff.post(create, data="subject=x", content_type="text/plain")
    assert plain.status_code == 415
    assert plain.json["error"]["code"] == "unsupported_media_type"
    broken = staff.post(create, data="{trích yếu", content_type="application/json")
    assert broken.status_code == 422 and set(broken.json["error"]["fields"]) == {"body"}
    assert staff.post(create, json=["Kế hoạch"]).status_code == 422
    assert count_outgoing() == 0


def test_signing_without_certificates_is_refused_and_takes_no_number(world, api_of):
    district = world.district
    doc = drafting.create_draft(district.staff, factories.outgoing_plan(world, world.school_a))
    review.submit(district.staff, doc.id)
    review.approve(district.clerk, doc.id)

    refused = step(api_of(district.leader), doc.id, "sign")
    assert refused.status_code == 422
    assert "chưa có chứng thư số" in refused.json["error"]["message"]
    assert set(refused.json["error"]["fields"]) == {"signer_id"}
    db.session.expire_all()
    unsigned = db.session.get(OutgoingDocument, doc.id)
    assert (unsigned.state, unsigned.number, unsigned.symbol) == ("in_review", None, None)
    books = select(RegisterBook).where(RegisterBook.direction == "outgoing")
    assert all(book.last_number == 0 for book in db.session.scalars(books))


def test_wrong_state_wrong_role_and_someone_elses_draft(world, api_of):
    district = world.district
    doc = drafting.create_draft(district.staff, factories.outgoing_plan(world, world.school_a))
    staff, clerk, leader = api_of(district.staff), api_of(district.clerk), api_of(district.leader)

    assert step(clerk, doc.id, "approve").status_code == 404  # a private draft to the clerk
    for name, body in (("approve", {}), ("sign", {}), ("recall", {"reason": "Nhầm"})):
        wrong = step(leader, doc.id, name, **body)  # leaders see drafts: the state refuses
        assert wrong.status_code == 409, name
        assert wrong.json["error"]["code"] == "conflict"
        assert "Dự thảo" in wrong.json["error"]["message"]
    by_leader = step(leader, doc.id, "discard")  # leaders see drafts, but it is not theirs
    assert by_leader.status_code == 403 and by_leader.json["error"]["code"] == "forbidden"

    unknown_input = step(staff, doc.id, "submit", reason="Trình")
    assert unknown_input.status_code == 422
    assert unknown_input.json["error"]["fields"] == {"reason": "Trường này không được hỗ trợ."}
    plain = staff.post(url(doc.id, "/steps/submit"), data="note=x", content_type="text/plain")
    assert plain.status_code == 415
    broken = staff.post(url(doc.id, "/steps/submit"), data="{", content_type="application/json")
    assert broken.status_code == 422 and set(broken.json["error"]["fields"]) == {"body"}

    assert step(staff, doc.id, "submit").status_code == 200
    assert step(staff, doc.id, "submit").status_code == 409
    locked = staff.call("PUT", url(doc.id), json=plan_body(world, world.school_a))
    assert locked.status_code == 409  # the drafting service: only a draft can be edited
    no_reason = step(clerk, doc.id, "send_back")
    assert no_reason.status_code == 422 and set(no_reason.json["error"]["fields"]) == {"reason"}
    back = step(clerk, doc.id, "send_back", reason="Sửa phần Nơi nhận.")
    assert back.status_code == 200
    assert (back.json["state"], back.json["state_reason"]) == ("draft", "Sửa phần Nơi nhận.")
    assert back.json["reviews"][0]["stages"][1]["decision"] == "not_reached"

    # Someone else's draft, another organisation, an impossible id: 404 everywhere.
    colleague = factories.make_user(
        district.org, "chuyenvien2@pgdthu.hcm.edu.vn", ["staff"], "Đỗ Chuyên Viên"
    )
    db.session.commit()
    for outsider in (api_of(colleague), api_of(world.school_a.leader)):
        assert outsider.get(url(doc.id)).status_code == 404
        assert outsider.call("PUT", url(doc.id), json=plan_body(world)).status_code == 404
        assert step(outsider, doc.id, "discard").status_code == 404
        assert outsider.get(url(doc.id, "/signed.pdf")).status_code == 404
        assert outsider.get(url(doc.id, "/deliveries")).status_code == 404
        assert doc.id not in ids(outsider.get(f"{PREFIX}/outgoing"))
    assert staff.get(url(99999999999999)).status_code == 404
    assert staff.get(url(doc.id, "/files/1")).status_code == 404

    discarded = step(staff, doc.id, "discard", reason="Không cần nữa")
    assert discarded.status_code == 200 and discarded.json["state"] == "discarded"
    assert discarded.json["available_steps"] == []


def test_a_leader_may_decline_to_issue(world, api_of):
    district = world.district
    doc = drafting.create_draft(district.staff, factories.outgoing_plan(world, world.school_a))
    review.submit(district.staff, doc.id)
    leader = api_of(district.leader)
    assert step(leader, doc.id, "reject").status_code == 422
    declined = step(leader, doc.id, "reject", reason="Chưa cần ban hành lúc này.")
    assert declined.status_code == 200
    assert (declined.json["state"], declined.json["state_label"]) == ("rejected", "Không ban hành")
    assert declined.json["history"][-1]["action"] == "not_issued"


def test_recipients_reject_or_register_their_copy_once(office, api_of):
    world, _ = office
    doc = _issued(world, world.school_a, world.school_b)
    sender = api_of(world.district.staff)
    [to_b] = api_of(world.school_b.clerk).get(f"{PREFIX}/inbox").json["items"]
    inbox_b = f"{PREFIX}/inbox/{to_b['id']}"

    assert api_of(world.school_a.clerk).post(f"{inbox_b}/register").status_code == 404
    assert api_of(world.school_b.staff).post(f"{inbox_b}/register").status_code == 403
    school_b = api_of(world.school_b.clerk)
    short = school_b.post(f"{inbox_b}/reject", json={"reason": "nhầm"})
    assert short.status_code == 422 and set(short.json["error"]["fields"]) == {"reason"}
    assert school_b.post(f"{inbox_b}/reject").status_code == 422
    plain = school_b.post(f"{inbox_b}/reject", data="reason=x", content_type="text/plain")
    assert plain.status_code == 415

    rejected = school_b.post(f"{inbox_b}/reject", json={"reason": "Gửi nhầm trường."})
    assert rejected.status_code == 200, rejected.json
    assert (rejected.json["status"], rejected.json["reason"]) == ("02", "Gửi nhầm trường.")
    again = school_b.post(f"{inbox_b}/register")
    assert again.status_code == 409 and "Từ chối tiếp nhận" in again.json["error"]["message"]
    assert statuses(sender, doc.id) == {world.school_a.org.id: "01", world.school_b.org.id: "02"}
    refused = next(
        d for d in sender.get(url(doc.id, "/deliveries")).json["items"] if d["status"] == "02"
    )
    assert refused["reason"] == "Gửi nhầm trường."

    school_a = api_of(world.school_a.clerk)
    [to_a] = school_a.get(f"{PREFIX}/inbox").json["items"]
    inbox_a = f"{PREFIX}/inbox/{to_a['id']}"
    bad_book = school_a.post(f"{inbox_a}/register", json={"book_code": "khong-co", "x": 1})
    assert bad_book.status_code == 422
    assert set(bad_book.json["error"]["fields"]) == {"book_code", "x"}
    done = school_a.post(f"{inbox_a}/register", json={"book_code": "general"})
    assert done.status_code == 201 and done.json["register_book"]["code"] == "general"
    assert school_a.post(f"{inbox_a}/register").status_code == 409
    assert statuses(sender, doc.id)[world.school_a.org.id] == "03"


def test_recall_through_the_api_withdraws_the_copies(office, api_of):
    world, _ = office
    doc = _issued(world, world.school_a)
    [arrived] = api_of(world.school_a.clerk).get(f"{PREFIX}/inbox").json["items"]
    registered = api_of(world.school_a.clerk).post(arrived["register_url"]).json

    assert step(api_of(world.district.staff), doc.id, "recall", reason="Nhầm").status_code == 403
    leader = api_of(world.district.leader)
    assert steps_of(leader, doc.id) == ["recall"]
    assert step(leader, doc.id, "recall").status_code == 422
    recalled = step(leader, doc.id, "recall", reason="Ban hành nhầm đối tượng")
    assert recalled.status_code == 200
    assert (recalled.json["state"], recalled.json["state_reason"]) == (
        "recalled",
        "Ban hành nhầm đối tượng",
    )
    assert [d["status"] for d in recalled.json["deliveries"]] == ["13"]
    copy = api_of(world.school_a.clerk).get(f"{PREFIX}/incoming/{registered['id']}").json
    assert copy["state"] == "cancelled"
