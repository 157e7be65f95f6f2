"""Case files through /api/v1, each answer checked against the OpenAPI document.

The whole path of a school's year: the clerk makes the file list with a heading and a
planned file, submits it, the head approves it; the keeper opens the file, files two
handled documents (never copied: a second POST adds nothing), orders them by date,
moves and removes one, closes the file; only the head reopens it. Then a file outside
the list, the list of files with its filters and cursor, the files a document is in,
the export as a background ZIP, and the refusals (another office's: 404, a role that
may not: 403, a wrong state: 409, not JSON: 415, bad fields: 422).
"""

from __future__ import annotations

import io
import zipfile
from datetime import date

import pytest
from openapi_spec_validator import validate as validate_spec

from eoffice.core import timeutil
from eoffice.jobs.connection import runner
from eoffice.outgoing import drafting
from eoffice.outgoing.drafting import RecipientInput
from tests import factories
from tests.casefile_support import handled_incoming
from tests.directive_support import local_moment
from tests.integration.test_api import PREFIX, Api, spec_path, token_for

TODAY = date(2026, 11, 20)  # a Friday


@pytest.fixture(autouse=True)
def clock(app):
    timeutil.set_clock(lambda: local_moment(TODAY, 10))
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
    def make(user) -> Api:
        return Api(app, client, spec, token_for(user))

    return make


def ok(response, status: int = 200) -> dict:
    assert response.status_code == status, response.json
    return response.json


def refused(response, status: int, text: str = "") -> dict:
    assert response.status_code == status, response.json
    assert text in response.json["error"]["message"], response.json
    return response.json["error"]


def url(tail: str = "") -> str:
    return f"{PREFIX}/casefiles{tail}"


def put(api: Api, path: str, **kwargs):
    return api.call("PUT", path, **kwargs)


def delete(api: Api, path: str, **kwargs):
    return api.call("DELETE", path, **kwargs)


def steps(body: dict) -> list[str]:
    return [s["step"] for s in body["available_steps"]]


def approved_list(api_of, school) -> tuple[dict, dict]:
    """A 2026 list of `school` with heading VP and one planned file kept by the staff
    member, submitted and approved over the API: (the list, the planned file)."""
    clerk, leader = api_of(school.clerk), api_of(school.leader)
    made = ok(clerk.post(url("/lists"), json={"year": 2026}), 201)
    heading = ok(
        clerk.post(
            url(f"/lists/{made['id']}/headings"), json={"title": "Văn phòng", "notation": "VP"}
        ),
        201,
    )
    planned = ok(
        clerk.post(
            url(f"/lists/{made['id']}/files"),
            json={
                "title": "Hồ sơ hội nghị cán bộ, công chức, viên chức",
                "heading_id": heading["id"],
                "retention": "10",
                "keeper_id": school.staff.id,
            },
        ),
        201,
    )
    ok(clerk.post(url(f"/lists/{made['id']}/steps/submit")))
    final = ok(leader.post(url(f"/lists/{made['id']}/steps/approve"), json={}))
    return final, planned


# The whole path -----------------------------------------------------------------------------


def test_a_year_of_one_file_over_the_api(world, api_of):
    school = world.school_a
    clerk, leader, staff = api_of(school.clerk), api_of(school.leader), api_of(school.staff)

    levels = ok(staff.get(url("/retention")))["items"]
    assert [lv["code"] for lv in levels] == ["vinh_vien", "70", "20", "10", "5"]
    assert levels[0] == {
        "code": "vinh_vien",
        "label": "Vĩnh viễn",
        "years": None,
        "permanent": True,
        "active": True,
    }

    # The list: made by the clerk, a large and a small heading, a planned file.
    assert ok(staff.get(url("/lists"))) == {"items": [], "can_create": False}
    refused(staff.post(url("/lists"), json={"year": 2026}), 403, "Chỉ văn thư")
    response = clerk.post(url("/lists"), json={"year": 2026, "numbering": "heading"})
    made = ok(response, 201)
    assert response.headers["Location"] == made["url"] == url(f"/lists/{made['id']}")
    assert (made["state"], made["numbering"], made["can_edit"]) == ("draft", "heading", True)
    assert steps(made) == ["submit"]
    list_url = url(f"/lists/{made['id']}")
    large = ok(
        clerk.post(f"{list_url}/headings", json={"title": "Tổ chức, cán bộ", "notation": "tccb"}),
        201,
    )
    assert (large["kind"], large["number"], large["notation"]) == ("large", "I", "TCCB")
    small = ok(
        clerk.post(f"{list_url}/headings", json={"title": "Hội nghị", "parent_id": large["id"]}),
        201,
    )
    assert (small["kind"], small["label"], small["parent_id"]) == (
        "small",
        "1. Hội nghị",
        large["id"],
    )
    bad = clerk.post(
        f"{list_url}/files", json={"title": " ", "heading_id": small["id"], "retention": "99"}
    )
    assert set(refused(bad, 422)["fields"]) == {"title", "retention"}
    planned = ok(
        clerk.post(
            f"{list_url}/files",
            json={
                "title": "Hồ sơ hội nghị cán bộ, công chức, viên chức năm 2026",
                "heading_id": small["id"],
                "retention": "10",
                "keeper_id": school.staff.id,
                "note": "Bản giấy lưu tại văn phòng",
            },
        ),
        201,
    )
    assert (planned["code"], planned["state"], planned["in_list"]) == ("01.TCCB", "planned", True)
    assert planned["keeper"] == {"id": school.staff.id, "full_name": school.staff.full_name}
    retitled = put(
        clerk,
        f"{list_url}/files/{planned['id']}",
        json={
            "title": "Hồ sơ hội nghị cán bộ, công chức, viên chức",
            "heading_id": small["id"],
            "retention": "10",
            "keeper_id": 2**31,
        },
    )
    assert set(refused(retitled, 422)["fields"]) == {"keeper_id"}
    retitled = ok(
        put(
            clerk,
            f"{list_url}/files/{planned['id']}",
            json={
                "title": "Hồ sơ hội nghị cán bộ, công chức, viên chức",
                "heading_id": small["id"],
                "retention": "10",
                "keeper_id": school.staff.id,
            },
        )
    )
    assert (retitled["code"], retitled["note"]) == ("01.TCCB", None)  # every field replaced
    renamed = ok(put(clerk, large["url"], json={"title": "Tổ chức - Cán bộ", "notation": "TC"}))
    assert (renamed["label"], renamed["notation"]) == ("I. Tổ chức - Cán bộ", "TC")
    shown = ok(staff.get(list_url))
    assert [h["label"] for h in shown["headings"]] == ["I. Tổ chức - Cán bộ", "1. Hội nghị"]
    assert [f["code"] for f in shown["files"]] == ["01.TC"]  # re-coded with the heading
    assert shown["counts"] == {"total": 1, "permanent": 0, "fixed_term": 1}
    assert (shown["can_edit"], shown["available_steps"]) == (False, [])

    # Submitted by the clerk, returned without a reason: refused; approved by the head.
    refused(staff.post(f"{list_url}/steps/submit"), 403)
    submitted = ok(clerk.post(f"{list_url}/steps/submit", json={"note": "Kính trình"}))
    assert (submitted["state"], submitted["can_edit"]) == ("submitted", False)
    refused(clerk.post(f"{list_url}/headings", json={"title": "X", "notation": "X"}), 409)
    assert steps(ok(leader.get(list_url))) == ["approve", "return"]
    assert refused(leader.post(f"{list_url}/steps/return", json={}), 422)["fields"] == {
        "reason": "«Ý kiến trả lại» là bắt buộc."
    }
    approved = ok(
        leader.post(
            f"{list_url}/steps/approve",
            json={"decision_ref": "Quyết định số 05/QĐ-THA ngày 20/11/2026"},
        )
    )
    assert (approved["state"], approved["decision_ref"]) == (
        "approved",
        "Quyết định số 05/QĐ-THA ngày 20/11/2026",
    )
    assert approved["approved_by"]["id"] == school.leader.id
    assert [e["action_label"] for e in approved["history"]][-2:] == [
        "Trình phê duyệt",
        "Phê duyệt, ban hành",
    ]
    assert ok(clerk.get(url("/lists")))["items"][0]["state"] == "approved"

    # The keeper opens the planned file and files two handled documents.
    file_url = planned["url"]
    assert steps(ok(staff.get(file_url))) == ["open"]
    opened = ok(staff.post(f"{file_url}/open"))
    assert (opened["state"], steps(opened)) == ("open", ["close"])
    assert opened["opened_by"]["id"] == school.staff.id
    later = handled_incoming(
        school, subject="Về việc tổ chức hội nghị", document_date=date(2026, 10, 5)
    )
    earlier = handled_incoming(
        school, subject="Về việc chuẩn bị hội nghị", document_date=date(2026, 9, 28), page_count=3
    )
    filed = ok(
        staff.post(
            f"{file_url}/documents",
            json={"incoming_ids": [later.id, earlier.id], "note": "Bản chính"},
        )
    )
    assert len(filed["added"]) == 2 and filed["message"] == "Đã đưa 2 văn bản vào hồ sơ."
    again = ok(staff.post(f"{file_url}/documents", json={"incoming_ids": [earlier.id]}))
    assert (again["added"], again["message"]) == ([], "Các văn bản đã có trong hồ sơ.")
    contents = again["case_file"]["contents"]
    assert [r["document_id"] for r in contents] == [later.id, earlier.id]
    assert contents[0]["document_url"] == f"{PREFIX}/incoming/{later.id}"
    assert contents[0]["note"] == "Bản chính" and contents[0]["finished"] is True

    ordered = ok(staff.post(f"{file_url}/order-by-date"))
    assert [r["document_id"] for r in ordered["contents"]] == [earlier.id, later.id]
    assert [r["page_range"] for r in ordered["contents"]] == ["1–3", "4–5"]
    last = ordered["contents"][-1]
    moved = ok(staff.post(f"{file_url}/documents/{last['item_id']}/move", json={"position": 1}))
    assert [r["document_id"] for r in moved["contents"]] == [later.id, earlier.id]
    removed = ok(delete(staff, f"{file_url}/documents/{last['item_id']}"))
    assert [(r["position"], r["document_id"]) for r in removed["contents"]] == [(1, earlier.id)]
    ok(staff.post(f"{file_url}/documents", json={"incoming_ids": [later.id]}))
    files_of = ok(staff.get(f"{PREFIX}/incoming/{later.id}/casefiles"))["items"]
    assert [(f["id"], f["document_count"]) for f in files_of] == [(planned["id"], 2)]

    # Closed by the keeper; reopened by the head only, with a reason.
    closed = ok(staff.post(f"{file_url}/close", json={"retention": "20", "note": "Đủ hồ sơ"}))
    assert (closed["state"], closed["retention"]["code"]) == ("closed", "20")
    assert (closed["doc_total"], closed["page_total"]) == (2, 5)
    assert (closed["start_date"], closed["end_date"]) == ("2026-09-28", "2026-10-05")
    assert (closed["closed_on"], closed["handover_due"]) == ("2026-11-20", "2027-11-20")
    assert closed["retention_expires"] == "2046-12-31"
    assert (closed["available_steps"], closed["can_change"]) == ([], False)
    refused(staff.post(f"{file_url}/documents", json={"incoming_ids": [later.id]}), 409)
    refused(staff.post(f"{file_url}/reopen", json={"reason": "Bổ sung"}), 403, "Bạn không có quyền")
    assert steps(ok(leader.get(file_url))) == ["reopen"]
    assert refused(leader.post(f"{file_url}/reopen"), 422)["fields"] == {
        "reason": "«Lý do mở lại» là bắt buộc."
    }
    reopened = ok(leader.post(f"{file_url}/reopen", json={"reason": "Bổ sung biên bản hội nghị"}))
    assert (reopened["state"], reopened["handover_due"], reopened["doc_total"]) == (
        "open",
        None,
        None,
    )
    assert [e["action_label"] for e in reopened["history"]][-2:] == [
        "Kết thúc hồ sơ",
        "Mở lại hồ sơ",
    ]
    assert reopened["history"][-1]["note"] == "Bổ sung biên bản hội nghị"

    # Next year's list, copied forward in one action and numbered anew.
    response = clerk.post(url("/lists"), json={"year": 2027, "copy_from_previous": True})
    copied = ok(response, 201)
    assert copied["copied_from"] == {"id": made["id"], "year": 2026}
    assert [h["label"] for h in copied["headings"]] == ["I. Tổ chức - Cán bộ", "1. Hội nghị"]
    assert [(f["code"], f["state"], f["year"]) for f in copied["files"]] == [
        ("01.TC", "planned", 2027)
    ]
    assert [x["year"] for x in ok(staff.get(url("/lists")))["items"]] == [2027, 2026]


# Files outside the list, the list of files ---------------------------------------------------


def test_files_outside_the_list_edited_listed_filtered_and_paged(world, api_of):
    school = world.school_a
    staff, clerk = api_of(school.staff), api_of(school.clerk)
    missing = staff.post(url(), json={"keeper_id": school.clerk.id})
    assert set(refused(missing, 422)["fields"]) == {"title", "notation", "retention", "keeper_id"}
    future = staff.post(
        url(),
        json={"title": "Hồ sơ", "notation": "VP", "retention": "5", "start_date": "2026-12-01"},
    )
    assert refused(future, 422)["fields"] == {
        "start_date": "Thời gian bắt đầu không được sau ngày hôm nay."
    }
    response = staff.post(
        url(),
        json={
            "title": "Hồ sơ tổ chức Hội khỏe Phù Đổng cấp trường",
            "notation": "vp",
            "retention": "5",
            "start_date": "2026-09-01",
            "description": "Kế hoạch, danh sách vận động viên, kết quả",
        },
    )
    made = ok(response, 201)
    assert response.headers["Location"] == made["url"]
    assert (made["code"], made["state"], made["in_list"], made["year"]) == (
        "01.VP",
        "open",
        False,
        2026,
    )
    assert (made["keeper"]["id"], made["start_date"]) == (school.staff.id, "2026-09-01")
    assert made["description"] == "Kế hoạch, danh sách vận động viên, kết quả"

    edited = ok(
        put(
            staff,
            made["url"],
            json={"title": "Hồ sơ Hội khỏe Phù Đổng năm học 2026 - 2027", "retention": "10"},
        )
    )
    assert (edited["title"], edited["retention"]["code"], edited["description"]) == (
        "Hồ sơ Hội khỏe Phù Đổng năm học 2026 - 2027",
        "10",
        None,  # PUT replaces every field
    )
    refused(put(api_of(school.admin), made["url"], json={"title": "X", "retention": "10"}), 403)
    moved = put(staff, made["url"], json={"title": "X", "retention": "10", "notation": "TC"})
    assert refused(moved, 422)["fields"] == {"notation": "Trường này không được hỗ trợ."}
    handed = ok(
        put(
            clerk, made["url"], json={"title": "X", "retention": "10", "keeper_id": school.clerk.id}
        )
    )
    assert handed["keeper"]["id"] == school.clerk.id

    for n, title in enumerate(
        ("Hồ sơ hội nghị viên chức", "Hồ sơ thi đua khen thưởng", "Hồ sơ tuyển sinh lớp 1")
    ):
        ok(staff.post(url(), json={"title": title, "notation": f"K{n}", "retention": "10"}), 201)
    page = ok(staff.get(url(), query_string={"limit": 2}))
    assert [f["code"] for f in page["items"]] == ["01.VP", "02.K0"]
    rest = ok(staff.get(url(), query_string={"limit": 2, "cursor": page["next_cursor"]}))
    assert [f["code"] for f in rest["items"]] == ["03.K1", "04.K2"]
    assert rest["next_cursor"] is None
    mine = ok(staff.get(url(), query_string={"keeper": "me"}))["items"]
    assert [f["code"] for f in mine] == ["02.K0", "03.K1", "04.K2"]
    found = ok(staff.get(url(), query_string={"q": "hoi nghi vien", "year": 2026, "state": "open"}))
    assert [f["title"] for f in found["items"]] == ["Hồ sơ hội nghị viên chức"]
    assert ok(staff.get(url(), query_string={"year": 2025}))["items"] == []
    assert ok(api_of(world.school_b.clerk).get(url()))["items"] == []
    wrong = staff.get(
        url(), query_string={"state": "lost", "keeper": "you", "cursor": "x", "limit": 0}
    )
    assert set(refused(wrong, 422)["fields"]) == {"state", "keeper", "cursor", "limit"}


def test_files_a_document_is_in_and_a_draft_keeps_a_file_open(world, api_of):
    school = world.school_a
    staff = api_of(school.staff)
    draft = drafting.create_draft(
        school.staff,
        factories.outgoing_plan(
            world,
            signer_id=school.leader.id,
            subject="Báo cáo kết quả Hội khỏe Phù Đổng",
            recipients=[RecipientInput("member", org_id=world.district.org.id)],
        ),
    )
    made = ok(
        staff.post(url(), json={"title": "Hồ sơ Hội khỏe", "notation": "VP", "retention": "5"}), 201
    )
    refused(staff.post(f"{made['url']}/close", json={"retention": "5"}), 409, "chưa kết thúc được")
    ok(staff.post(f"{made['url']}/documents", json={"outgoing_ids": [draft.id]}))
    shown = ok(staff.get(made["url"]))
    assert shown["contents"][0]["kind"] == "outgoing"
    assert shown["contents"][0]["document_url"] == f"{PREFIX}/outgoing/{draft.id}"
    assert shown["closing_problems"] and "dự thảo" in " ".join(shown["closing_problems"])
    refused(staff.post(f"{made['url']}/close", json={"retention": "5"}), 409, "chưa kết thúc được")
    held = ok(staff.get(f"{PREFIX}/outgoing/{draft.id}/casefiles"))["items"]
    assert [f["code"] for f in held] == [made["code"]]
    # The clerk sees the file and the line, not the draft that is not theirs to read.
    row = ok(api_of(school.clerk).get(made["url"]))["contents"][0]
    assert (row["document_id"], row["document_url"]) == (draft.id, None)
    refused(api_of(school.clerk).get(f"{PREFIX}/outgoing/{draft.id}/casefiles"), 404)


# Export ---------------------------------------------------------------------------------------


def test_a_file_exported_in_the_background_and_downloaded(world, api_of):
    school = world.school_a
    clerk = api_of(school.clerk)
    doc = handled_incoming(school, document_date=date(2026, 10, 1))
    made = ok(
        clerk.post(url(), json={"title": "Hồ sơ Hội khỏe", "notation": "VP", "retention": "10"}),
        201,
    )
    ok(clerk.post(f"{made['url']}/documents", json={"incoming_ids": [doc.id]}))

    response = clerk.post(f"{made['url']}/export")
    export = ok(response, 202)
    assert response.headers["Location"] == export["url"] == f"{PREFIX}/exports/{export['id']}"
    assert (export["state"], export["progress"], export["steps_total"]) == ("queued", 0, 1)
    assert export["case_file"]["code"] == "01.VP" and export["download_url"] is None
    assert ok(clerk.post(f"{made['url']}/export"), 202)["id"] == export["id"]  # same request
    refused(clerk.get(f"{export['url']}/download"), 409, "chưa tạo xong")
    refused(clerk.post(f"{export['url']}/retry"), 409)

    runner().work_burst()

    done = ok(clerk.get(export["url"]))
    assert (done["state"], done["state_label"], done["progress"]) == ("done", "Đã xong", 100)
    assert (done["steps_done"], done["steps_total"]) == (1, 1)
    assert done["filename"].endswith(".zip") and done["retry_url"] is None
    download = clerk.get(done["download_url"])
    assert download.status_code == 200 and download.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(download.data)) as archive:
        assert "ho-so.xml" in archive.namelist()
    # Only the requester follows the export; another office does not see the file.
    refused(api_of(school.leader).get(export["url"]), 404)
    refused(api_of(world.school_b.clerk).post(f"{made['url']}/export"), 404)


# Refusals -------------------------------------------------------------------------------------


def test_refusals(world, api_of):
    school, other = world.school_a, world.school_b
    clerk, staff, stranger = api_of(school.clerk), api_of(school.staff), api_of(other.clerk)
    the_list, planned = approved_list(api_of, school)
    list_url = the_list["url"]

    # Another office's list and file are not there, whatever the request.
    refused(stranger.get(list_url), 404)
    refused(stranger.post(f"{list_url}/headings", json={"title": "X", "notation": "X"}), 404)
    refused(stranger.post(f"{list_url}/steps/amend", json={"reason": "X"}), 404)
    refused(stranger.get(planned["url"]), 404)
    refused(stranger.post(f"{planned['url']}/documents", data="x"), 404)
    refused(stranger.post(f"{planned['url']}/open"), 404)
    refused(clerk.get(url("/4294967296")), 404)
    theirs = handled_incoming(other)
    refused(clerk.get(f"{PREFIX}/incoming/{theirs.id}/casefiles"), 404)
    not_ours = clerk.post(f"{planned['url']}/documents", json={"incoming_ids": [theirs.id]})
    refused(not_ours, 404, "Không tìm thấy văn bản")

    # Roles.
    refused(staff.post(f"{list_url}/steps/amend", json={"reason": "Thêm hồ sơ"}), 403)
    refused(staff.post(url("/lists"), json={"year": 2027}), 403)
    refused(delete(staff, f"{list_url}/files/{planned['id']}"), 403)
    refused(
        api_of(school.admin).post(f"{planned['url']}/documents", json={"incoming_ids": []}), 403
    )

    # States.
    refused(clerk.post(url("/lists"), json={"year": 2026}), 409, "đã có danh mục hồ sơ năm 2026")
    refused(delete(clerk, f"{list_url}/files/{planned['id']}"), 409)
    refused(clerk.post(f"{list_url}/steps/submit"), 409)
    refused(api_of(school.leader).post(f"{list_url}/steps/lock"), 409, "hết năm")
    amended = ok(
        api_of(school.leader).post(f"{list_url}/steps/amend", json={"reason": "Thêm hồ sơ"})
    )
    assert (amended["state"], amended["return_reason"]) == ("draft", "Thêm hồ sơ")
    used = amended["headings"][0]["url"]
    refused(delete(clerk, used), 409, "đang có 1 hồ sơ")
    spare = ok(
        clerk.post(f"{list_url}/headings", json={"title": "Kế hoạch", "notation": "KH"}), 201
    )
    assert ok(delete(clerk, spare["url"])) == {
        "id": spare["id"],
        "message": "Đã xóa đề mục «Kế hoạch» khỏi danh mục.",
    }
    refused(delete(clerk, spare["url"]), 404)
    refused(staff.post(f"{planned['url']}/close", json={"retention": "10"}), 409)  # planned

    # Bodies: JSON only, known fields of the right types.
    refused(clerk.post(url("/lists"), data={"year": "2027"}), 415)
    refused(staff.post(f"{planned['url']}/documents", data="incoming_ids=1"), 415)
    refused(staff.post(f"{planned['url']}/open", data="x", content_type="text/plain"), 415)
    wrong = clerk.post(url("/lists"), json={"year": "2027", "copy_from_previous": "yes", "x": 1})
    assert set(refused(wrong, 422)["fields"]) == {"year", "copy_from_previous", "x"}
    assert (
        "copy_from_previous"
        in refused(clerk.post(url("/lists"), json={"year": 2025, "copy_from_previous": True}), 422)[
            "fields"
        ]
    )
    long_title = clerk.post(f"{list_url}/headings", json={"title": "x" * 301, "notation": "X"})
    assert refused(long_title, 422)["fields"] == {"title": "Tối đa 300 ký tự."}
    ids = staff.post(f"{planned['url']}/documents", json={"incoming_ids": [0, "2"]})
    assert set(refused(ids, 422)["fields"]) == {"incoming_ids"}
    refused(staff.post(f"{planned['url']}/documents", json={}), 422, "Chọn ít nhất một văn bản")
    position = staff.post(f"{planned['url']}/documents/1/move", json={"position": 0})
    assert set(refused(position, 422)["fields"]) == {"position"}
    refused(staff.post(f"{planned['url']}/documents", json=[1]), 422)


def test_the_openapi_document_describes_every_casefile_route(app, spec):
    validate_spec(spec)
    ours = {
        (spec_path(rule.rule), method.lower())
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.") and ("casefile" in rule.rule or "/exports" in rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert len(ours) == 32
    for path, method in ours:
        operation = spec["paths"][path][method]
        assert operation["tags"][0] in {"Danh mục hồ sơ", "Hồ sơ", "Xuất tệp"}
        assert "401" in operation["responses"]
    assert "**Hồ sơ, danh mục hồ sơ.**" in spec["info"]["description"]
