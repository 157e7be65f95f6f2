"""Search and saved searches through /api/v1, each answer checked against the OpenAPI
document: the same hits, tiers, excerpts and visibility as the page, keyset pages, 422s
in Vietnamese for bad parameters, 401 without a token, another user's saved search 404."""

from __future__ import annotations

from datetime import timedelta
from html import unescape

import pytest

from eoffice.extensions import db
from eoffice.incoming import processing
from eoffice.incoming.attachments import Upload
from eoffice.search.models import SavedSearch
from tests import factories
from tests.integration.test_api import PREFIX, Api, token_for
from tests.integration.test_search_pages import give_text, incoming, outgoing, stopped_clock

SEARCH = f"{PREFIX}/search"
SAVED = f"{PREFIX}/saved-searches"


@pytest.fixture(autouse=True)
def clock(app):
    with stopped_clock() as moment:
        yield moment


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


def refused(response, status: int) -> dict:
    assert response.status_code == status, response.json
    return response.json["error"]


def found(api: Api, **query) -> list[tuple[str, int]]:
    return [(i["kind"], i["id"]) for i in ok(api.get(SEARCH, query_string=query))["items"]]


def test_the_search_finds_marks_and_ranks_like_the_page(world, clock, api_of):
    district = world.district
    accented = incoming(
        clock,
        district,
        subject="Quyết định điều động giáo viên",
        notes="Thực hiện quyết định <số 5> từ tháng 10.",
    )
    plain = incoming(clock, district, subject="Quyet dinh khong dau")
    filed = incoming(
        clock,
        district,
        subject="Báo cáo năm học",
        uploads=[Upload("bao-cao.pdf", factories.pdf_bytes())],
    )
    give_text("in", filed, "Căn cứ Quyết định số 12 của Ủy ban.")
    draft = outgoing(clock, world, subject="Kế hoạch", body_text="Theo quyết định của Sở.")
    api = api_of(district.leader)

    data = ok(api.get(SEARCH, query_string={"q": "quyết định"}))
    assert [(i["kind"], i["id"], i["exact"]) for i in data["items"]] == [
        ("out", draft.id, True),
        ("in", filed.id, True),
        ("in", accented.id, True),
        ("in", plain.id, False),
    ]
    assert data["next_cursor"] is None
    by_id = {(i["kind"], i["id"]): i for i in data["items"]}
    first = by_id[("in", accented.id)]
    assert first["title"] == "Quyết định điều động giáo viên"
    assert first["symbol"] == "3337/GDĐT-TTTT"
    assert first["state"] == "registered" and first["state_label"] == "Đã vào sổ"
    assert first["url"] == f"{PREFIX}/incoming/{accented.id}"
    assert first["date"] == "2026-09-21T08:37:00+07:00"
    assert first["snippet_html"] == (
        "Thực hiện <mark>quyết</mark> <mark>định</mark> &lt;số 5&gt; từ tháng 10."
    )
    assert by_id[("in", filed.id)]["snippet_html"] == (
        "Căn cứ <mark>Quyết</mark> <mark>định</mark> số 12 của Ủy ban."
    )
    out = by_id[("out", draft.id)]
    assert out["url"] == f"{PREFIX}/outgoing/{draft.id}"
    assert out["symbol"] is None and out["state"] == "draft"
    assert "<mark>quyết</mark> <mark>định</mark>" in out["snippet_html"]
    assert by_id[("in", plain.id)]["snippet_html"] is None
    assert unescape(first["snippet_html"]).count("<số 5>") == 1

    assert found(api, q="quyet dinh", kind="out") == [("out", draft.id)]
    assert found(api, q="quyet", kind="in", state="registered") == [
        ("in", filed.id),
        ("in", plain.id),
        ("in", accented.id),
    ]


def test_filters_and_keyset_pages(world, clock, api_of):
    school = world.school_a
    docs = [incoming(clock, school, subject=f"Giấy mời họp số {i}") for i in range(5)]
    clock["now"] += timedelta(days=2)
    late = incoming(
        clock,
        school,
        subject="Giấy mời họp phụ huynh",
        urgency_code="urgent",
        document_type_id=factories.type_id("Giấy mời"),
        sender_name="Ủy ban nhân dân Phường 1",
    )
    processing.present(school.clerk, late.id, presented_to=school.leader.id)
    api = api_of(school.clerk)

    seen: list[tuple[str, int]] = []
    cursor = None
    while True:
        query = {"q": "giay moi", "limit": 2, **({"cursor": cursor} if cursor else {})}
        data = ok(api.get(SEARCH, query_string=query))
        assert len(data["items"]) <= 2
        seen += [(i["kind"], i["id"]) for i in data["items"]]
        cursor = data["next_cursor"]
        if cursor is None:
            break
    assert seen == [("in", late.id)] + [("in", d.id) for d in reversed(docs)]
    first = ok(api.get(SEARCH, query_string={"q": "giay moi", "limit": 2}))
    replayed = {"q": "hop", "limit": 2, "cursor": first["next_cursor"]}
    error = refused(api.get(SEARCH, query_string=replayed), 422)
    assert error["fields"] == {
        "cursor": "Con trỏ phân trang không hợp lệ; hãy dùng đúng giá trị next_cursor đã nhận."
    }

    assert found(api, q="giay moi", urgency="urgent") == [("in", late.id)]
    assert found(api, type_id=factories.type_id("Giấy mời")) == [("in", late.id)]
    assert found(api, sender="uy ban nhan dan phuong") == [("in", late.id)]
    assert found(api, kind="in", state="presented") == [("in", late.id)]
    assert found(api, q="hop", date_to="2026-09-21") == [("in", d.id) for d in reversed(docs)]
    assert found(api, q="hop", date_from="2026-09-23", date_to="2026-09-23") == [("in", late.id)]
    assert found(api, q="hop", kind="out") == []


def test_visibility_is_the_pages(world, clock, api_of):
    school = world.school_a
    mine = incoming(clock, school, subject="Lịch trực", recipient_unit_id=school.unit.id)
    secret = incoming(
        clock,
        school,
        subject="Lịch trực mật",
        recipient_unit_id=school.unit.id,
        confidentiality_code="secret",
    )
    other_school = incoming(clock, world.school_b, subject="Lịch trực")
    assert found(api_of(school.staff), q="lich truc") == [("in", mine.id)]
    assert found(api_of(school.leader), q="lich truc") == [("in", secret.id), ("in", mine.id)]
    assert found(api_of(world.school_b.clerk), q="lich truc") == [("in", other_school.id)]
    error = refused(
        api_of(school.staff).get(SEARCH, query_string={"confidentiality": "secret"}), 422
    )
    assert error["fields"] == {
        "confidentiality": "Độ mật không hợp lệ, hoặc bạn không được lọc theo độ mật này."
    }
    assert found(api_of(school.leader), confidentiality="secret") == [("in", secret.id)]


def test_bad_parameters_are_422_in_vietnamese_and_no_token_is_401(world, api_of):
    api = api_of(world.school_a.clerk)
    error = refused(
        api.get(
            SEARCH,
            query_string={
                "q": "a" * 301,
                "kind": "both",
                "type_id": "abc",
                "date_from": "21/09/2026",
                "state": "draft",
                "urgency": "gấp",
                "limit": "101",
                "cursor": "not-a-cursor",
            },
        ),
        422,
    )
    assert error["code"] == "validation_failed"
    assert error["fields"] == {
        "q": "Từ khóa tối đa 300 ký tự.",
        "kind": "Chỉ nhận in (văn bản đến) hoặc out (văn bản đi).",
        "type_id": "Phải là mã số (số nguyên dương).",
        "date_from": "Ngày phải theo định dạng YYYY-MM-DD, ví dụ 2026-09-20, năm từ 1900 đến 2100.",
        "urgency": "Độ khẩn không hợp lệ.",
        "limit": "Số kết quả mỗi trang phải là số nguyên từ 1 đến 100.",
        "cursor": "Con trỏ phân trang không hợp lệ; hãy dùng đúng giá trị next_cursor đã nhận.",
    }
    cases = [
        ({"state": "draft"}, "state", "Chọn “Văn bản đến” hoặc “Văn bản đi” trước khi lọc"),
        (
            {"kind": "in", "state": "draft"},
            "state",
            "Trạng thái không hợp lệ (chỉ nhận: registered",
        ),
        ({"kind": "out", "sender": "Sở"}, "sender", "Cơ quan gửi chỉ dùng khi tìm văn bản đến."),
        ({"type_id": "999999"}, "type_id", "Không có tên loại văn bản với mã này."),
        ({"type_id": "99999999999"}, "type_id", "Phải là mã số (số nguyên dương)."),
        ({"date_from": "2026-09-22", "date_to": "2026-09-21"}, "date_to", "“Đến ngày” không được"),
        ({"limit": "0"}, "limit", "Số kết quả mỗi trang"),
        ({"q": '// - ""'}, "q", "Từ khóa cần có ít nhất một chữ hoặc một số."),
    ]
    for query, name, message in cases:
        fields = refused(api.get(SEARCH, query_string=query), 422)["fields"]
        assert list(fields) == [name] and fields[name].startswith(message), (query, fields)

    for method, path in (
        ("GET", SEARCH),
        ("GET", SAVED),
        ("POST", SAVED),
        ("DELETE", f"{SAVED}/1"),
    ):
        response = api.call(method, path, token=None)
        assert response.status_code == 401
        assert response.json["error"]["code"] == "unauthorized"


def test_saved_searches_through_the_api(world, clock, api_of):
    school = world.school_a
    doc = incoming(clock, school, subject="Quyết định tuyển dụng")
    api = api_of(school.clerk)
    assert ok(api.get(SAVED)) == {"items": []}

    created = ok(
        api.post(
            SAVED,
            json={"name": "Tuyển dụng", "params": {"q": "tuyen dung", "date_from": "21/09/2026"}},
        ),
        201,
    )
    assert created["name"] == "Tuyển dụng"
    assert created["params"] == {"q": "tuyen dung", "date_from": "2026-09-21"}
    assert created["page_url"] == "/search?q=tuyen+dung&date_from=21/09/2026"
    # Its url runs it.
    ran = ok(api.get(created["url"]))
    assert [(i["kind"], i["id"]) for i in ran["items"]] == [("in", doc.id)]
    second = ok(api.post(SAVED, json={"name": "An toàn", "params": {"kind": "in"}}), 201)
    assert [i["name"] for i in ok(api.get(SAVED))["items"]] == ["An toàn", "Tuyển dụng"]

    duplicate = refused(api.post(SAVED, json={"name": "tuyen DUNG", "params": {"q": "x"}}), 422)
    assert duplicate["fields"] == {
        "name": "Bạn đã có tìm kiếm «tuyen DUNG»; vui lòng đặt tên khác."
    }
    bad = refused(
        api.post(SAVED, json={"name": "X", "params": {"q": "a", "kind": "all", "page": "2"}}), 422
    )
    assert bad["fields"] == {"params.page": "Không phải điều kiện tìm kiếm."}
    bad = refused(api.post(SAVED, json={"name": "X", "params": {"kind": "all"}}), 422)
    assert bad["fields"] == {"params.kind": "Lựa chọn không hợp lệ."}
    shape = refused(api.post(SAVED, json={"name": 5, "params": [], "extra": 1}), 422)
    assert shape["fields"] == {
        "name": "Phải là chuỗi ký tự.",
        "params": "Phải là một đối tượng JSON: tên tham số của /search → giá trị (chuỗi).",
        "extra": "Trường này không được hỗ trợ.",
    }
    assert refused(api.post(SAVED, json=[1]), 422)["fields"] == {
        "body": "Không đọc được JSON (sai cú pháp hoặc không phải đối tượng)."
    }
    assert refused(api.post(SAVED, data="name=x"), 415)["code"] == "unsupported_media_type"
    empty = refused(api.post(SAVED, json={"name": "Trống"}), 422)
    assert empty["fields"] == {
        "params": "Chưa có gì để lưu: hãy nhập từ khóa hoặc chọn ít nhất một bộ lọc."
    }

    # Another user's: not found, and not listed.
    other = api_of(school.leader)
    assert ok(other.get(SAVED)) == {"items": []}
    assert refused(other.call("DELETE", f"{SAVED}/{second['id']}"), 404)["code"] == "not_found"
    assert refused(api.call("DELETE", f"{SAVED}/99999999999"), 404)["code"] == "not_found"
    deleted = ok(api.call("DELETE", f"{SAVED}/{second['id']}"))
    assert deleted == {
        "id": second["id"],
        "name": "An toàn",
        "message": "Đã xóa tìm kiếm «An toàn».",
    }
    assert [i["id"] for i in ok(api.get(SAVED))["items"]] == [created["id"]]
    assert db.session.query(SavedSearch).count() == 1


def test_the_openapi_document_describes_the_search_routes(app, spec):
    paths = spec["paths"]
    assert set(paths["/search"]) == {"get"}
    names = [p["name"] for p in paths["/search"]["get"]["parameters"]]
    assert names == [
        "q",
        "kind",
        "type_id",
        "sender",
        "date_from",
        "date_to",
        "state",
        "urgency",
        "confidentiality",
        "limit",
        "cursor",
    ]
    assert set(paths["/saved-searches"]) == {"get", "post"}
    assert set(paths["/saved-searches/{saved_id}"]) == {"parameters", "delete"}
