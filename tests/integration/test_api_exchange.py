"""The inter-agency exchange through /api/v1, against a real hub process, each answer
checked against the OpenAPI document.

An outside agency sends through the hub → the clerk's "Kiểm tra ngay" → the exchange
inbox → register (03 back on the hub) or reject (02); recall requests accepted (15) or
refused (16); "Đã kiểm tra"; the packet log with its filters and pages; the hub's side
of an exchange delivery on /outgoing/{id}/deliveries; and the refusals with their
statuses (another organisation: 404, a role that may not: 403, not JSON: 415).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from eoffice.core import timeutil
from eoffice.extensions import db
from eoffice.jobs.connection import runner
from eoffice.orgs.models import OrgKind
from eoffice.orgs.services import OrganisationData, save_organisation
from tests import factories
from tests.exchange_support import signed_to_outside
from tests.integration.test_api import PREFIX, Api, token_for
from tests.integration.test_exchange_receiving import (
    AGENCY,
    DOC_ID,
    _document,
    _recall_status,
    _send,
    _statuses,
)

SECOND_ID = "000.00.00.H29,2026/09/24,3338/SGDĐT-VP"


pytestmark = pytest.mark.usefixtures("exchange_clock", "empty_queues")  # conftest's


@pytest.fixture
def agency_hub(request):
    """The receiving tests' hub (conftest's): ours and the Sở registered, our settings
    saved."""
    return request.getfixturevalue("hub")


@pytest.fixture
def spec(client) -> dict:
    return client.get(f"{PREFIX}/openapi.json").get_json()


@pytest.fixture
def api_of(app, client, spec):
    def make(user) -> Api:
        return Api(app, client, spec, token_for(user))

    return make


def item_url(packet_id: int, tail: str = "") -> str:
    return f"{PREFIX}/exchange/inbox/{packet_id}{tail}"


def check(api: Api) -> dict:
    response = api.post(f"{PREFIX}/exchange/check")
    assert response.status_code == 200, response.json
    return response.json


def inbox_ids(api: Api) -> list[int]:
    response = api.get(f"{PREFIX}/exchange/inbox")
    assert response.status_code == 200, response.json
    return [item["id"] for item in response.json["items"]]


def refused(response, status: int, text: str = "") -> None:
    assert response.status_code == status, response.json
    assert text in response.json["error"]["message"]


def test_check_then_register_sends_03_to_the_sender(world, agency_hub, api_of):
    district = world.district
    clerk, leader = api_of(district.clerk), api_of(district.leader)
    staff, elsewhere = api_of(district.staff), api_of(world.school_a.clerk)
    _send(agency_hub, _document(world))

    result = check(clerk)
    assert (result["ok"], result["documents"], result["exchange_enabled"]) == (True, 1, True)
    assert result["message"] == "Đã kiểm tra văn bản đến: 1 văn bản mới."
    assert (result["run"]["trigger"], result["run"]["state"]) == ("manual", "done")

    listed = clerk.get(f"{PREFIX}/exchange/inbox").json["items"]
    [item] = listed
    assert (item["kind"], item["business_type"], item["state"]) == ("document", 0, "awaiting")
    assert item["sender"] == {"agency_code": AGENCY.organ_id, "name": AGENCY.organ_name}
    assert (item["symbol"], item["document_date"]) == ("3337/SGDĐT-VP", "2026-09-24")
    assert (item["document_id"], item["refers_to"]) == (DOC_ID, None)
    assert item["received_at"] == "2026-09-25T09:00:00+07:00"
    packet_id = item["id"]

    detail = clerk.get(item_url(packet_id)).json
    assert detail["document"]["signer"] == {
        "full_name": "Nguyễn Văn Hiếu",
        "position": "Phó Giám đốc",
        "competence": "KT. GIÁM ĐỐC",
    }
    assert [(f["index"], f["name"]) for f in detail["files"]] == [
        (1, "3337-SGDĐT-VP.pdf"),
        (2, "Phụ lục.pdf"),
    ]
    assert [a["action"] for a in detail["available_actions"]] == [
        "register_exchange_packet",
        "reject_exchange_packet",
    ]
    assert [a["action"] for a in leader.get(item_url(packet_id)).json["available_actions"]] == [
        "reject_exchange_packet"
    ]
    download = clerk.get(detail["files"][1]["download_url"])
    assert download.status_code == 200 and download.data == factories.pdf_bytes("Phụ lục")
    assert "attachment" in download.headers["Content-Disposition"]
    refused(clerk.get(item_url(packet_id, "/files/3")), 404, "Không tìm thấy tệp")

    # Another organisation: as if it did not exist; staff: refused by role.
    for response in (
        elsewhere.get(item_url(packet_id)),
        elsewhere.get(item_url(packet_id, "/files/1")),
        elsewhere.post(item_url(packet_id, "/register"), json={}),
        elsewhere.post(item_url(packet_id, "/reject"), json={"reason": "Gửi nhầm đơn vị."}),
    ):
        refused(response, 404, "Không tìm thấy văn bản nhận qua trục liên thông")
    assert inbox_ids(elsewhere) == []
    refused(staff.get(f"{PREFIX}/exchange/inbox"), 403, "Chỉ văn thư hoặc lãnh đạo")
    refused(staff.get(item_url(packet_id)), 403, "Chỉ văn thư hoặc lãnh đạo")
    refused(staff.post(item_url(packet_id, "/register"), json={}), 403)
    refused(leader.post(item_url(packet_id, "/register")), 403, "Chỉ văn thư")
    refused(clerk.post(item_url(packet_id, "/register"), data={"book_code": "general"}), 415)
    bad = clerk.post(item_url(packet_id, "/register"), json={"book_code": "khong-co", "x": 1})
    assert bad.status_code == 422 and set(bad.json["error"]["fields"]) == {"book_code", "x"}
    refused(clerk.post(item_url(packet_id, "/accept-recall")), 409, "không phải yêu cầu thu hồi")
    assert [s.status_code for s in _statuses(agency_hub)] == ["01"]  # refusals say nothing

    registered = clerk.post(item_url(packet_id, "/register"), json={"book_code": "general"})
    assert registered.status_code == 201, registered.json
    doc = registered.json
    assert registered.headers["Location"].endswith(f"{PREFIX}/incoming/{doc['id']}")
    assert (doc["source"], doc["symbol"], doc["sender"]["agency_code"]) == (
        "exchange",
        "3337/SGDĐT-VP",
        AGENCY.organ_id,
    )
    assert sorted(a["name"] for a in doc["attachments"]) == ["3337-SGDĐT-VP.pdf", "Phụ lục.pdf"]
    refused(clerk.post(item_url(packet_id, "/register")), 409, "đã được vào sổ")

    answered = clerk.get(item_url(packet_id)).json
    assert (answered["state"], answered["available_actions"]) == ("registered", [])
    assert answered["incoming_document"]["id"] == doc["id"]
    assert answered["done_by"]["id"] == district.clerk.id
    assert inbox_ids(clerk) == []
    back = _statuses(agency_hub)
    assert [s.status_code for s in back] == ["01", "03"]
    assert back[-1].document_id == DOC_ID


def test_reject_needs_a_reason_then_sends_02(world, agency_hub, api_of):
    clerk, leader = api_of(world.district.clerk), api_of(world.district.leader)
    _send(agency_hub, _document(world))
    check(clerk)
    [packet_id] = inbox_ids(clerk)

    missing = clerk.post(item_url(packet_id, "/reject"), json={})
    assert missing.status_code == 422 and "ít nhất 5 ký tự" in missing.json["error"]["message"]
    assert "reason" in missing.json["error"]["fields"]
    refused(clerk.post(item_url(packet_id, "/reject"), json={"reason": "sai"}), 422, "5 ký tự")
    wrong_type = clerk.post(item_url(packet_id, "/reject"), json={"reason": 12})
    assert wrong_type.status_code == 422 and "reason" in wrong_type.json["error"]["fields"]
    refused(clerk.post(item_url(packet_id, "/reject"), data="Gửi nhầm đơn vị."), 415)

    done = leader.post(item_url(packet_id, "/reject"), json={"reason": "Gửi nhầm đơn vị nhận."})
    assert done.status_code == 200, done.json
    assert (done.json["state"], done.json["reason"]) == ("rejected", "Gửi nhầm đơn vị nhận.")
    assert done.json["done_by"]["id"] == world.district.leader.id
    refused(
        clerk.post(item_url(packet_id, "/reject"), json={"reason": "Gửi nhầm đơn vị nhận."}),
        409,
        "đã bị từ chối tiếp nhận",
    )
    assert inbox_ids(clerk) == []
    rejected = _statuses(agency_hub)[-1]
    assert (rejected.status_code, rejected.description) == ("02", "Gửi nhầm đơn vị nhận.")


def test_recall_requests_are_accepted_or_refused(world, agency_hub, api_of):
    clerk, staff = api_of(world.district.clerk), api_of(world.district.staff)
    _send(agency_hub, _document(world))
    _send(agency_hub, _document(world, SECOND_ID, code_number="3338"))
    check(clerk)
    first, second = inbox_ids(clerk)
    incoming = clerk.post(item_url(first, "/register")).json
    _send(agency_hub, _recall_status(world))
    _send(agency_hub, _recall_status(world, SECOND_ID))
    assert check(clerk)["recalls"] == 2

    items = clerk.get(f"{PREFIX}/exchange/inbox").json["items"]
    assert [(i["id"], i["kind"]) for i in items] == [
        (second, "document"),
        (items[1]["id"], "recall"),
        (items[2]["id"], "recall"),
    ]
    recall_first, recall_second = items[1], items[2]
    assert (recall_first["status_code"], recall_first["refers_to"]["id"]) == ("13", first)
    assert recall_first["refers_to"]["state"] == "registered"
    assert recall_first["description"] == "Văn bản ban hành nhầm đối tượng, đề nghị thu hồi."
    assert recall_second["refers_to"]["id"] == second
    detail = clerk.get(item_url(recall_first["id"])).json
    assert [a["action"] for a in detail["available_actions"]] == [
        "accept_exchange_recall",
        "refuse_exchange_recall",
    ]
    assert detail["document"]["code_number"] == "3337"  # what is being recalled

    refused(clerk.post(item_url(recall_first["id"], "/register")), 409, "yêu cầu thu hồi")
    refused(staff.post(item_url(recall_first["id"], "/accept-recall")), 403)
    extra = clerk.post(item_url(recall_first["id"], "/accept-recall"), json={"reason": "x"})
    assert extra.status_code == 422 and "reason" in extra.json["error"]["fields"]

    accepted = clerk.post(item_url(recall_first["id"], "/accept-recall"))
    assert accepted.status_code == 200, accepted.json
    assert (accepted.json["state"], accepted.json["refers_to"]["state"]) == (
        "accepted",
        "withdrawn",
    )
    refused(clerk.post(item_url(recall_first["id"], "/accept-recall")), 409, "đã được đồng ý")
    withdrawn = clerk.get(f"{PREFIX}/incoming/{incoming['id']}").json
    assert (
        withdrawn["state"] == "cancelled" and "Thu hồi theo yêu cầu" in withdrawn["cancel_reason"]
    )
    assert clerk.get(item_url(first)).json["files"] == []

    blank = clerk.post(item_url(recall_second["id"], "/refuse-recall"), json={"reason": "   "})
    assert blank.status_code == 422 and "reason" in blank.json["error"]["fields"]
    answer = {"reason": "Văn bản đã được triển khai."}
    refusal = clerk.post(item_url(recall_second["id"], "/refuse-recall"), json=answer)
    assert refusal.status_code == 200, refusal.json
    assert (refusal.json["state"], refusal.json["reason"]) == ("refused", answer["reason"])
    assert inbox_ids(clerk) == [second]  # the refused recall's document still awaits

    answers = {(s.document_id, s.status_code): s for s in _statuses(agency_hub)}
    assert (DOC_ID, "15") in answers
    assert answers[(SECOND_ID, "16")].description == answer["reason"]


def test_check_with_the_hub_down_and_confirm(world, agency_hub, api_of):
    district = world.district
    clerk = api_of(district.clerk)
    agency_hub.kill()

    down = check(clerk)
    assert (down["ok"], down["documents"], down["run"]["state"]) == (False, 0, "failed")
    assert down["error"].startswith("Không kết nối được trục liên thông")
    assert down["message"] == down["error"] == down["run"]["error"]
    without = check(api_of(world.school_a.clerk))  # no exchange set up: still a check
    assert (without["ok"], without["exchange_enabled"]) == (True, False)
    assert "chưa bật liên thông" in without["message"]
    refused(api_of(district.leader).post(f"{PREFIX}/exchange/check"), 403, "Chỉ văn thư")
    refused(clerk.post(f"{PREFIX}/exchange/check", data="ngay"), 415)
    unknown = clerk.post(f"{PREFIX}/exchange/check", json={"now": True})
    assert unknown.status_code == 422 and "now" in unknown.json["error"]["fields"]

    confirmed = clerk.post(f"{PREFIX}/exchange/checks/confirm", json={})
    assert confirmed.status_code == 200, confirmed.json
    done = confirmed.json
    assert (done["new"], done["slot"]["day"], done["slot"]["time"]) == (True, "2026-09-25", "06:30")
    assert done["state"] in ("on_time", "late") and done["run"]["confirmed_by"]["id"] == (
        district.clerk.id
    )
    assert done["message"].startswith("Đã xác nhận kiểm tra văn bản lượt 06:30 ngày 25/09/2026")
    again = clerk.post(f"{PREFIX}/exchange/checks/confirm").json
    assert again["new"] is False and again["run"]["confirmed_at"] == done["run"]["confirmed_at"]
    refused(api_of(district.staff).post(f"{PREFIX}/exchange/checks/confirm"), 403, "Chỉ văn thư")

    timeutil.set_clock(lambda: datetime(2026, 9, 24, 23, 0, tzinfo=UTC))  # 06:00 on Friday
    refused(
        clerk.post(f"{PREFIX}/exchange/checks/confirm"), 422, "Hiện không trong lượt kiểm tra nào"
    )


def _issue_to_agency(world):
    save_organisation(
        OrganisationData(name=AGENCY.organ_name, kind=OrgKind.EXTERNAL, agency_code=AGENCY.organ_id)
    )
    db.session.commit()
    doc = signed_to_outside(world)
    runner().work_burst()  # publishing, then forwarding to the hub
    return doc


def test_deliveries_and_the_packet_log_with_filters_and_pages(office, agency_hub, api_of):
    world, _school_c = office
    district = world.district
    clerk, admin = api_of(district.clerk), api_of(district.admin)
    doc = _issue_to_agency(world)
    [sent] = clerk.get(f"{PREFIX}/outgoing/{doc.id}/deliveries").json["items"]
    assert (sent["channel"], sent["exchange_state"], sent["attempts"]) == ("exchange", "sent", 1)
    assert sent["sent_at"] == "2026-09-25T09:00:00+07:00" and sent["last_error"] is None

    _send(agency_hub, _document(world))
    check(clerk)
    [packet_id] = inbox_ids(clerk)
    clerk.post(item_url(packet_id, "/register"))
    _statuses(agency_hub)  # our 01 and 03 go out

    def log(api: Api = clerk, **params) -> list[tuple[str, str, str]]:
        response = api.get(f"{PREFIX}/exchange/packets", query_string=params)
        assert response.status_code == 200, response.json
        return [(e["source"], e["direction"], e["what"]) for e in response.json["items"]]

    everything = log()
    assert sorted(everything) == sorted(
        [
            ("delivery", "out", "Văn bản (văn bản mới)"),
            ("packet", "in", "Văn bản (văn bản mới)"),
            ("packet", "out", "Trạng thái 01 Đã đến"),
            ("packet", "out", "Trạng thái 03 Đã tiếp nhận"),
        ]
    )
    assert log(admin) == everything
    assert log(direction="in") == [("packet", "in", "Văn bản (văn bản mới)")]
    assert sorted(log(direction="out", kind="status")) == [
        ("packet", "out", "Trạng thái 01 Đã đến"),
        ("packet", "out", "Trạng thái 03 Đã tiếp nhận"),
    ]
    assert log(state="registered") == [("packet", "in", "Văn bản (văn bản mới)")]
    assert log(kind="document", direction="out") == [("delivery", "out", "Văn bản (văn bản mới)")]
    assert len(log(counterpart="000.00.00")) == 4 and log(counterpart="002.01") == []
    assert len(log(date_from="2026-09-25", date_to="2026-09-25")) == 4
    assert log(date_from="2026-09-26") == []
    assert log(api_of(world.school_a.clerk)) == []

    entries = clerk.get(f"{PREFIX}/exchange/packets").json["items"]
    inbound = next(e for e in entries if e["direction"] == "in")
    assert inbound["inbox_url"] == item_url(packet_id) and inbound["state"] == "registered"
    forwarded = next(e for e in entries if e["source"] == "delivery")
    assert forwarded["outgoing_url"] == f"{PREFIX}/outgoing/{doc.id}"
    assert (forwarded["state"], forwarded["attempts"], forwarded["pending"]) == ("sent", 1, False)

    seen, cursor = [], None
    while True:
        params = {"limit": 1, **({"cursor": cursor} if cursor else {})}
        page = clerk.get(f"{PREFIX}/exchange/packets", query_string=params).json
        assert page["limit"] == 1 and len(page["items"]) == 1
        seen += [(e["source"], e["id"]) for e in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [(e["source"], e["id"]) for e in entries]

    bad = clerk.get(
        f"{PREFIX}/exchange/packets",
        query_string={
            "direction": "sideways",
            "kind": "x",
            "state": "lost",
            "limit": "0",
            "cursor": "khong-phai-con-tro",
            "date_from": "2026-13-01",
        },
    )
    assert bad.status_code == 422
    assert set(bad.json["error"]["fields"]) == {
        "direction",
        "kind",
        "state",
        "limit",
        "cursor",
        "date_from",
    }
    backwards = clerk.get(
        f"{PREFIX}/exchange/packets",
        query_string={"date_from": "2026-09-26", "date_to": "2026-09-25"},
    )
    assert backwards.status_code == 422 and "date_to" in backwards.json["error"]["fields"]
    for user in (district.staff, district.leader):
        refused(api_of(user).get(f"{PREFIX}/exchange/packets"), 403, "nhật ký liên thông")
