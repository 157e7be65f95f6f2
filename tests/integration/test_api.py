"""The JSON API /api/v1 through its real HTTP routes, with real tokens.

Every answer the tests receive is checked against the OpenAPI document the API serves:
the status code must be documented for the route and method, and the JSON body must
match the schema given for it. So these tests hold the description to the behaviour.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from datetime import UTC, date, datetime

import pytest
from flask import abort
from openapi_schema_validator import OAS31Validator, oas31_format_checker
from openapi_spec_validator import validate as validate_spec
from sqlalchemy import func, select
from werkzeug.exceptions import HTTPException

from eoffice.api import queries as api_queries
from eoffice.auth.services import create_api_token, revoke_api_token
from eoffice.catalog.models import RegisterBook
from eoffice.core import timeutil
from eoffice.core.models import StoredFile
from eoffice.core.storage import FileStore
from eoffice.extensions import db
from eoffice.incoming.attachments import Upload
from eoffice.incoming.models import IncomingDocument
from eoffice.incoming.services import cancel_incoming, correct_incoming, input_from_document
from tests import factories

PREFIX = "/api/v1"
# "Now" for these tests: 25/09/2026 09:00 office time.
NOW = datetime(2026, 9, 25, 2, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def fixed_clock(app):
    timeutil.set_clock(lambda: NOW)


@pytest.fixture
def spec(client) -> dict:
    response = client.get(f"{PREFIX}/openapi.json")  # no token: the description is public
    assert response.status_code == 200
    return response.get_json()


def token_for(user) -> str:
    _token, clear = create_api_token(user, "Phần mềm tổng hợp")
    return clear


def _resolve(spec: dict, node: dict) -> dict:
    while "$ref" in node:
        node = _pointer(spec, node["$ref"])
    return node


def _pointer(spec: dict, ref: str):
    assert ref.startswith("#/"), ref
    node = spec
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def validate_against(spec: dict, schema: dict, instance) -> None:
    """Validate `instance` with the document's components available to its $refs."""
    root = {**schema, "components": spec["components"]}
    OAS31Validator(root, format_checker=oas31_format_checker).validate(instance)


def spec_path(rule: str) -> str:
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.removeprefix(PREFIX))


class Api:
    """A test client that sends the token and checks every answer against the spec."""

    def __init__(self, app, client, spec: dict, token: str | None):
        self.app, self.client, self.spec, self.token = app, client, spec, token

    def call(self, method: str, path: str, *, token: str | None = "default", **kwargs):
        token = self.token if token == "default" else token
        headers = dict(kwargs.pop("headers", {}))
        if token:
            headers["Authorization"] = f"Bearer {token}"
        response = self.client.open(path, method=method, headers=headers, **kwargs)
        self.check(method, path, response)
        return response

    def get(self, path: str, **kwargs):
        return self.call("GET", path, **kwargs)

    def post(self, path: str, **kwargs):
        return self.call("POST", path, **kwargs)

    def check(self, method: str, path: str, response) -> None:
        adapter = self.app.url_map.bind("eoffice.test")
        try:
            rule, _args = adapter.match(path.split("?")[0], method=method, return_rule=True)
        except HTTPException:
            rule = None
        if rule is None or not rule.endpoint.startswith("api."):
            assert response.mimetype == "application/json"
            validate_against(self.spec, {"$ref": "#/components/schemas/Error"}, response.json)
            return
        operation = self.spec["paths"][spec_path(rule.rule)][method.lower()]
        documented = operation["responses"].get(str(response.status_code))
        assert documented is not None, f"{method} {rule.rule}: {response.status_code} undocumented"
        content = _resolve(self.spec, documented)["content"]
        if "application/json" in content:
            assert response.mimetype == "application/json"
            validate_against(self.spec, content["application/json"]["schema"], response.json)
        else:
            assert response.mimetype != "application/json"


@pytest.fixture
def api(app, client, spec, world) -> Api:
    """Signed with the token of school A's clerk."""
    return Api(app, client, spec, token_for(world.school_a.clerk))


def other(api: Api, user) -> Api:
    return Api(api.app, api.client, api.spec, token_for(user))


def count_documents() -> int:
    return db.session.scalar(select(func.count(IncomingDocument.id)))


def json_body(**overrides) -> dict:
    body = {
        "sender_name": "Sở Giáo dục và Đào tạo Thành phố Hồ Chí Minh",
        "symbol": "3337/GDĐT-TTTT",
        "document_date": "2026-09-19",
        "document_type_id": factories.type_id(),
        "subject": "Hướng dẫn thực hiện nhiệm vụ công nghệ thông tin năm học 2026 - 2027",
        "page_count": 3,
        "urgency_code": "urgent",
        "arrived_at": "2026-09-20T08:30",
    }
    body.update(overrides)
    return body


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


# The description --------------------------------------------------------------------------


def test_openapi_document_is_valid_and_describes_every_route(app, spec):
    validate_spec(spec)
    assert spec["openapi"].startswith("3.1")
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert "+07:00" in spec["info"]["description"]

    routes = set()
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("api."):
            continue
        path = spec_path(rule.rule)
        assert path in spec["paths"], f"{rule.rule} missing from the OpenAPI document"
        item = spec["paths"][path]
        declared = {p["name"] for p in item.get("parameters", []) if p["in"] == "path"}
        assert declared == set(rule.arguments), path
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            operation = item[method.lower()]
            assert operation["operationId"] == rule.endpoint.removeprefix("api.")
            routes.add((path, method.lower()))
    described = {
        (path, method)
        for path, item in spec["paths"].items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    }
    assert described == routes

    def walk(node):
        if isinstance(node, dict):
            if "$ref" in node:
                _pointer(spec, node["$ref"])  # KeyError if it does not resolve
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(spec)
    limit = next(p for p in spec["paths"]["/incoming"]["get"]["parameters"] if p["name"] == "limit")
    assert limit["schema"]["maximum"] == app.config["API_PAGE_SIZE_MAX"]


# Authentication ---------------------------------------------------------------------------


def test_requests_without_a_live_bearer_token_get_401(api, client, world):
    clerk = world.school_a.clerk
    doc = factories.register(clerk, [Upload("cv.pdf", factories.pdf_bytes())])
    urls = [
        f"{PREFIX}/me",
        f"{PREFIX}/catalog",
        f"{PREFIX}/incoming",
        f"{PREFIX}/incoming/{doc.id}",
        f"{PREFIX}/incoming/{doc.id}/files/{doc.attachments[0].id}",
    ]
    token, clear = create_api_token(clerk, "Sắp thu hồi")
    revoke_api_token(clerk, token.id)
    for url in urls:
        missing = api.get(url, token=None)
        assert missing.status_code == 401
        assert missing.json["error"]["code"] == "unauthorized"
        assert "Thiếu mã API" in missing.json["error"]["message"]
        assert missing.headers["WWW-Authenticate"].startswith("Bearer")
        for bad in ("eo_khong-ton-tai", clear):
            assert api.get(url, token=bad).status_code == 401
        basic = api.get(url, token=None, headers={"Authorization": "Basic " + b64(b"a:b")})
        assert basic.status_code == 401
    assert api.post(f"{PREFIX}/incoming", token=clear, json=json_body()).status_code == 401
    assert count_documents() == 1

    # A signed-in browser session is not an API credential.
    assert factories.login(client, clerk).status_code == 302
    assert api.get(f"{PREFIX}/me", token=None).status_code == 401
    assert api.get(f"{PREFIX}/me").status_code == 200


def test_token_of_a_deactivated_account_stops_working(api, world):
    assert api.get(f"{PREFIX}/me").status_code == 200
    world.school_a.clerk.is_active_account = False
    db.session.commit()
    assert api.get(f"{PREFIX}/me").status_code == 401


def test_me_and_catalog_are_those_of_the_token_user(api, world):
    me = api.get(f"{PREFIX}/me").json
    assert me["user"]["email"] == world.school_a.clerk.email
    assert me["user"]["roles"] == ["clerk"] and me["user"]["can_register"] is True
    assert me["organisation"]["name"] == "Trường Tiểu học Lê Lợi"
    assert me["organisation"]["agency_code"] == "001.01.31.H29"

    factories.register(world.school_a.clerk)  # opens this year's books
    catalog = api.get(f"{PREFIX}/catalog").json
    assert factories.type_id("Công văn") in {t["id"] for t in catalog["document_types"]}
    assert [u["code"] for u in catalog["urgency_levels"]][:2] == ["normal", "urgent"]
    assert {"code": "confidential", "name": "Mật", "rank": 1, "is_secret": True} in catalog[
        "confidentiality_levels"
    ]
    assert [u["id"] for u in catalog["units"]] == [world.school_a.unit.id]
    people = {u["id"] for u in catalog["users"]}
    assert world.school_a.staff.id in people and world.school_b.staff.id not in people
    assert "general" in {b["code"] for b in catalog["register_books"]}


# Listing ----------------------------------------------------------------------------------


def _at(day: int, hour: int, minute: int = 0) -> datetime:
    """An instant given in office time (UTC+7), as aware UTC."""
    return timeutil.to_utc(datetime(2026, 9, day, hour, minute))


def test_list_is_newest_first_and_pages_by_keyset(api, world):
    clerk = world.school_a.clerk
    times = [_at(20, 8), _at(21, 9), _at(22, 7), _at(22, 7), _at(23, 14)]
    docs = [
        factories.register(clerk, symbol=f"{i}/UBND", arrived_at=t) for i, t in enumerate(times)
    ]
    factories.register(world.school_b.clerk, arrived_at=_at(24, 8))  # another school's
    expected = [docs[4].id, docs[3].id, docs[2].id, docs[1].id, docs[0].id]

    first = api.get(f"{PREFIX}/incoming?limit=2").json
    assert [d["id"] for d in first["items"]] == expected[:2]
    assert first["items"][0]["arrived_at"] == "2026-09-23T14:00:00+07:00"
    # A registration made while the client pages through does not shift the pages.
    factories.register(clerk, symbol="99/UBND", arrived_at=_at(24, 10))
    seen = [d["id"] for d in first["items"]]
    cursor = first["next_cursor"]
    for _page in range(5):  # bounded: a cursor that does not advance must fail, not hang
        if cursor is None:
            break
        page = api.get(f"{PREFIX}/incoming", query_string={"limit": 2, "cursor": cursor}).json
        seen += [d["id"] for d in page["items"]]
        cursor = page["next_cursor"]
    assert seen == expected

    everything = api.get(f"{PREFIX}/incoming").json
    assert everything["limit"] == 50 and everything["next_cursor"] is None
    assert len(everything["items"]) == 6


@pytest.mark.parametrize("probe", [5_000, 1])
def test_the_text_filter_pages_by_keyset_whether_its_words_are_rare_or_common(
    api, world, monkeypatch, probe
):
    """Few matches: the page is cut from the keys the search index names; many (a probe
    of 1 makes two "many"): the register's order is walked. The same pages either way."""
    monkeypatch.setattr(api_queries, "TEXT_MATCH_PROBE", probe)
    clerk = world.school_a.clerk
    times = [_at(20, 8), _at(22, 7), _at(22, 7), _at(23, 14)]
    docs = [
        factories.register(clerk, subject=f"Kế hoạch tuyển sinh đợt {i}", arrived_at=t)
        for i, t in enumerate(times)
    ]
    factories.register(clerk, subject="Báo cáo tổng kết", arrived_at=_at(21, 8))
    seen, cursor = [], None
    for _page in range(6):
        params = {"q": "tuyen sinh", "limit": 1, **({"cursor": cursor} if cursor else {})}
        page = api.get(f"{PREFIX}/incoming", query_string=params).json
        seen += [d["id"] for d in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [docs[3].id, docs[2].id, docs[1].id, docs[0].id]


def test_list_filters(api, world):
    clerk = world.school_a.clerk
    late = factories.register(
        clerk, sender_name="Ủy ban nhân dân Quận Thử", symbol="15/UBND", arrived_at=_at(21, 23, 30)
    )
    report = factories.register(
        clerk,
        symbol="7/BC-SGDĐT",
        document_type_id=factories.type_id("Báo cáo"),
        subject="Báo cáo tổng kết năm học",
        urgency_code="flash",
        arrived_at=_at(22, 0, 15),
    )
    cancelled = factories.register(clerk, symbol="8/SGDĐT", arrived_at=_at(20, 9))
    cancel_incoming(clerk, cancelled.id, "Vào sổ nhầm văn bản")

    def ids(**params) -> list[int]:
        response = api.get(f"{PREFIX}/incoming", query_string=params)
        assert response.status_code == 200
        return [d["id"] for d in response.json["items"]]

    # 23:30 on the 21st office time is still the 21st, although it is 16:30 UTC.
    assert ids(date_from="2026-09-21", date_to="2026-09-21") == [late.id]
    assert ids(date_from="2026-09-22") == [report.id]
    assert ids(sender="uy ban nhan dan") == [late.id]
    assert ids(document_type_id=factories.type_id("Báo cáo")) == [report.id]
    assert ids(urgency_code="flash") == [report.id]
    assert ids(state="cancelled") == [cancelled.id]
    assert ids(q="tong ket nam hoc") == [report.id]
    assert ids(q="15/UBND") == [late.id]


def test_list_rejects_invalid_parameters(api):
    bad = {
        "date_from": "20/09/2026",
        "date_to": "2026-02-30",
        "document_type_id": "abc",
        "urgency_code": "rat-khan",
        "state": "archived",
        "limit": "1000",
        "cursor": "khong-phai-con-tro",
    }
    response = api.get(f"{PREFIX}/incoming", query_string=bad)
    assert response.status_code == 422
    error = response.json["error"]
    assert error["code"] == "validation_failed"
    assert set(error["fields"]) == set(bad)
    assert "YYYY-MM-DD" in error["fields"]["date_from"]
    assert "từ 1 đến 200" in error["fields"]["limit"]
    for params in ({"limit": "0"}, {"date_from": "2026-09-22", "date_to": "2026-09-21"}):
        assert api.get(f"{PREFIX}/incoming", query_string=params).status_code == 422


def _cursor(moment: str, doc_id: int) -> str:
    raw = json.dumps([moment, doc_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def test_list_refuses_dates_and_cursors_outside_1900_2100(api):
    bad = {
        "date_from": "0001-01-01",
        "date_to": "9999-12-31",
        "cursor": _cursor("0001-01-01T00:00:00+07:00", 1),
    }
    response = api.get(f"{PREFIX}/incoming", query_string=bad)
    assert response.status_code == 422
    fields = response.json["error"]["fields"]
    assert set(fields) == set(bad)
    assert "năm từ 1900 đến 2100" in fields["date_from"]
    edge = {"date_from": "1900-01-01", "date_to": "2100-12-31"}
    assert api.get(f"{PREFIX}/incoming", query_string=edge).status_code == 200
    late = {"cursor": _cursor("2100-12-31T23:59:00+07:00", 2**31 - 1)}
    assert api.get(f"{PREFIX}/incoming", query_string=late).status_code == 200


def test_control_characters_in_text_parameters_are_dropped(api, world):
    doc = factories.register(world.school_a.clerk, subject="Kế hoạch tuyển sinh 2026")
    response = api.get(
        f"{PREFIX}/incoming", query_string={"q": "tuy\x00en sinh", "sender": "s\x00o"}
    )
    assert response.status_code == 200
    assert [item["id"] for item in response.json["items"]] == [doc.id]
    urgency = api.get(f"{PREFIX}/incoming", query_string={"urgency_code": "rat\x00khan"})
    assert urgency.status_code == 422


def test_control_characters_in_a_json_body_are_not_stored(api):
    response = api.post(
        f"{PREFIX}/incoming",
        json=json_body(
            sender_name="Sở Giáo dục\x00 và Đào tạo",
            subject="Trích\x00 yếu\u0085 nội dung\ud800",
            signer_name="Nguyễn\x00 Văn A",
            notes="Dòng\x00 1\r\nDòng\t2",
            symbol="12/SGDĐT\x00-VP",
            urgency_code="nor\x00mal",
        ),
    )
    assert response.status_code == 201, response.json
    doc = db.session.get(IncomingDocument, response.json["id"])
    assert doc.sender_name == "Sở Giáo dục và Đào tạo"
    assert doc.subject == "Trích yếu nội dung"
    assert doc.signer_name == "Nguyễn Văn A"
    assert doc.notes == "Dòng 1\nDòng 2"
    assert doc.symbol == "12/SGDĐT-VP"
    assert doc.urgency_code == "normal"


def test_a_file_missing_from_the_disk_is_a_json_404(api, app, world):
    doc = factories.register(world.school_a.clerk, [Upload("a.pdf", factories.pdf_bytes())])
    attachment = doc.attachments[0]
    store = FileStore(app.config["STORAGE_DIR"])
    store.path_for(attachment.stored_file.sha256).unlink()
    response = api.get(f"{PREFIX}/incoming/{doc.id}/files/{attachment.id}")
    assert response.status_code == 404
    assert response.json["error"]["message"] == "Tệp không còn trên máy chủ; hãy báo quản trị."


# One document and its files ----------------------------------------------------------------


def test_detail_has_register_fields_attachments_and_history(api, world):
    clerk = world.school_a.clerk
    pdf = factories.pdf_bytes("Công văn 3337")
    doc = factories.register(
        clerk,
        [Upload("Công văn 3337.pdf", pdf)],
        arrived_at=_at(20, 8, 30),
        recipient_unit_id=world.school_a.unit.id,
        deadline=date(2026, 10, 5),
    )
    data = input_from_document(doc)
    data.subject = "Hướng dẫn nhiệm vụ CNTT (đã sửa)"
    correct_incoming(clerk, doc.id, data)

    body = api.get(f"{PREFIX}/incoming/{doc.id}").json
    assert body["arrival_number"] == 1
    assert body["arrived_at"] == "2026-09-20T08:30:00+07:00"
    assert body["registered_at"] == "2026-09-25T09:00:00+07:00"
    assert body["document_date"] == "2026-09-19" and body["deadline"] == "2026-10-05"
    assert body["symbol"] == "3337/GDĐT-TTTT" and body["code_number"] == "3337"
    assert body["sender"]["name"] == "Sở Giáo dục và Đào tạo Thành phố Hồ Chí Minh"
    assert body["document_type"]["name"] == "Công văn"
    assert body["recipient_unit"] == {"id": world.school_a.unit.id, "name": "Tổ Văn phòng"}
    assert body["registered_by"]["full_name"] == "Nguyễn Thị Văn Thư"
    assert body["register_book"]["year"] == 2026
    assert body["state"] == "registered" and body["state_label"] == "Đã vào sổ"

    [attachment] = body["attachments"]
    assert attachment["name"] == "Công văn 3337.pdf"
    assert attachment["size"] == len(pdf) and attachment["mime_type"] == "application/pdf"
    assert attachment["sha256"] == hashlib.sha256(pdf).hexdigest()
    download = api.get(attachment["download_url"])
    assert download.status_code == 200 and download.data == pdf
    assert download.mimetype == "application/pdf"
    assert (
        "filename*=UTF-8''C%C3%B4ng%20v%C4%83n%203337.pdf"
        in download.headers["Content-Disposition"]
    )

    actions = [(e["action"], e["action_label"]) for e in body["history"]]
    assert actions == [("registered", "Vào sổ"), ("corrected", "Sửa thông tin")]
    assert body["history"][0]["actor"]["full_name"] == "Nguyễn Thị Văn Thư"
    assert body["history"][1]["changes"]["subject"][1] == "Hướng dẫn nhiệm vụ CNTT (đã sửa)"


def test_another_organisations_token_gets_404_for_every_id(api, world):
    doc_a = factories.register(world.school_a.clerk, [Upload("a.pdf", factories.pdf_bytes())])
    attachment_a = doc_a.attachments[0].id
    doc_b = factories.register(world.school_b.clerk, [Upload("b.pdf", factories.pdf_bytes("B"))])
    school_b = other(api, world.school_b.clerk)

    for url in (
        f"{PREFIX}/incoming/{doc_a.id}",
        f"{PREFIX}/incoming/{doc_a.id}/files/{attachment_a}",
        f"{PREFIX}/incoming/{doc_b.id}/files/{attachment_a}",  # A's file under B's document
        f"{PREFIX}/incoming/99999999999999999999",  # beyond any integer column
        f"{PREFIX}/incoming/{doc_b.id}/files/99999999999999999999",
    ):
        response = school_b.get(url)
        assert response.status_code == 404, url
        assert response.json["error"]["code"] == "not_found"
    assert [d["id"] for d in school_b.get(f"{PREFIX}/incoming").json["items"]] == [doc_b.id]
    assert school_b.get(f"{PREFIX}/incoming/{doc_b.id}").status_code == 200
    assert api.get(f"{PREFIX}/incoming/{doc_a.id}/files/{attachment_a}").status_code == 200

    # Nor can B register a document addressed to A's unit.
    response = school_b.post(
        f"{PREFIX}/incoming", json=json_body(recipient_unit_id=world.school_a.unit.id)
    )
    assert response.status_code == 422
    assert "recipient_unit_id" in response.json["error"]["fields"]


def test_staff_see_only_what_is_addressed_to_them(api, world):
    school = world.school_a
    mine = factories.register(school.clerk, symbol="1/X", recipient_user_id=school.staff.id)
    hidden = factories.register(school.clerk, symbol="2/X")
    staff = other(api, school.staff)
    assert [d["id"] for d in staff.get(f"{PREFIX}/incoming").json["items"]] == [mine.id]
    assert staff.get(f"{PREFIX}/incoming/{hidden.id}").status_code == 404


# Registering ------------------------------------------------------------------------------


def test_register_with_json_and_base64_files(api, spec):
    pdf, docx = factories.pdf_bytes(), factories.docx_bytes()
    body = json_body(
        files=[
            {"name": "Công văn 3337.pdf", "content_base64": b64(pdf)},
            {"name": "Phụ lục.docx", "content_base64": b64(docx)},
        ]
    )
    validate_against(spec, {"$ref": "#/components/schemas/IncomingCreate"}, body)
    response = api.post(f"{PREFIX}/incoming", json=body)
    assert response.status_code == 201
    created = response.json
    assert response.headers["Location"] == f"{PREFIX}/incoming/{created['id']}"
    assert created["arrival_number"] == 1
    assert created["arrived_at"] == "2026-09-20T08:30:00+07:00"  # naive = office time
    assert created["urgency"] == {"code": "urgent", "name": "Khẩn"}
    assert created["history"][0]["action"] == "registered"
    assert [a["name"] for a in created["attachments"]] == ["Công văn 3337.pdf", "Phụ lục.docx"]
    assert api.get(response.headers["Location"]).json == created
    assert api.get(created["attachments"][1]["download_url"]).data == docx

    utc = api.post(
        f"{PREFIX}/incoming",
        json=json_body(symbol="12/KH", arrived_at="2026-09-21T01:30:00Z", files=None),
    )
    assert utc.status_code == 201
    assert utc.json["arrived_at"] == "2026-09-21T08:30:00+07:00"
    assert utc.json["arrival_number"] == 2


def test_register_with_multipart_form(api, world):
    pdf = factories.pdf_bytes()
    form = {
        "sender_name": "Ủy ban nhân dân Quận Thử",
        "symbol": "15/UBND-VX",
        "document_date": "2026-09-22",
        "document_type_id": str(factories.type_id("Kế hoạch")),
        "subject": "Kế hoạch tổ chức Tết Trung thu cho thiếu nhi",
        "page_count": "2",
        "recipient_user_id": str(world.school_a.leader.id),
        "arrived_at": "2026-09-24T15:45",
        "confirm_duplicate": "false",
        "notes": "",
        "files": [(_bytes_io(pdf), "Kế hoạch Trung thu.pdf")],
    }
    response = api.post(f"{PREFIX}/incoming", data=form, content_type="multipart/form-data")
    assert response.status_code == 201, response.json
    created = response.json
    assert created["page_count"] == 2 and created["notes"] is None
    assert created["recipient_user"]["id"] == world.school_a.leader.id
    assert created["arrived_at"] == "2026-09-24T15:45:00+07:00"
    assert created["attachments"][0]["name"] == "Kế hoạch Trung thu.pdf"
    assert created["attachments"][0]["sha256"] == hashlib.sha256(pdf).hexdigest()


def _bytes_io(data: bytes):
    import io

    return io.BytesIO(data)


def test_possible_duplicate_is_409_with_the_earlier_entry_until_confirmed(api):
    first = api.post(f"{PREFIX}/incoming", json=json_body())
    assert first.status_code == 201

    again = api.post(f"{PREFIX}/incoming", json=json_body(confirm_duplicate=False))
    assert again.status_code == 409
    error = again.json["error"]
    assert error["code"] == "possible_duplicate"
    assert "số đến 1" in error["message"]
    assert [(d["id"], d["arrival_number"]) for d in error["duplicates"]] == [(first.json["id"], 1)]
    assert error["duplicates"][0]["url"] == first.headers["Location"]
    assert count_documents() == 1

    confirmed = api.post(f"{PREFIX}/incoming", json=json_body(confirm_duplicate=True))
    assert confirmed.status_code == 201
    assert confirmed.json["arrival_number"] == 2
    assert "trùng" in confirmed.json["history"][0]["note"]


def _wrong_types() -> dict:
    return {
        "json": json_body(
            document_type_id="5",
            page_count="3",
            arrived_at="hôm qua",
            document_date="19/09/2026",
            deadline="2026-10-05T00:00",
            confirm_duplicate="có",
            subject=["Trích yếu"],
            recipient_unit_id=0,
        )
    }


def _form_with_stray_file() -> dict:
    return {
        "data": {
            "subject": "Trích yếu",
            "page_count": "ba",
            "attachment": (_bytes_io(factories.pdf_bytes()), "a.pdf"),
        },
        "content_type": "multipart/form-data",
    }


def _stray_base64_character() -> dict:
    """A valid PDF whose base64 has one foreign character: lenient decoding would accept it."""
    encoded = b64(factories.pdf_bytes())
    return {"json": json_body(files=[{"name": "a.pdf", "content_base64": "*" + encoded}])}


# Each case builds its request inside the test (the catalogue needs the database).
INVALID_REGISTRATIONS = [
    (lambda: {"data": "{không phải json", "content_type": "application/json"}, {"body"}),
    (lambda: {"json": ["không", "phải", "đối tượng"]}, {"body"}),
    (
        _wrong_types,
        {
            "document_type_id",
            "page_count",
            "arrived_at",
            "document_date",
            "deadline",
            "confirm_duplicate",
            "subject",
            "recipient_unit_id",
        },
    ),
    (_stray_base64_character, {"files"}),
    (lambda: {"json": json_body(files={"name": "a.pdf"})}, {"files"}),
    (lambda: {"json": json_body(files=[{"name": "a.pdf"}])}, {"files"}),
    (lambda: {"json": json_body(so_den=5, book_code="khong-co")}, {"so_den", "book_code"}),
    (lambda: {"json": json_body(subject="   ", sender_name="")}, {"subject", "sender_name"}),
    (lambda: {"json": json_body(arrived_at="2026-09-26T08:00")}, {"arrived_at"}),
    (
        lambda: {"json": json_body(files=[{"name": "virus.pdf", "content_base64": b64(b"MZ")}])},
        {"files"},
    ),
    (_form_with_stray_file, {"page_count", "attachment"}),
    (
        lambda: {
            "json": json_body(
                arrived_at="0001-01-01T00:00",
                document_date="9999-12-31",
                deadline="0001-01-01",
                page_count=10**20,
            )
        },
        {"arrived_at", "document_date", "deadline", "page_count"},
    ),
    (lambda: {"json": json_body(arrived_at="0001-01-01T00:00+14:00")}, {"arrived_at"}),
]


@pytest.mark.parametrize(("build", "fields"), INVALID_REGISTRATIONS)
def test_invalid_registrations_are_422_and_save_nothing(api, build, fields):
    response = api.post(f"{PREFIX}/incoming", **build())
    assert response.status_code == 422, response.json
    error = response.json["error"]
    assert error["code"] == "validation_failed"
    assert fields <= set(error["fields"]), error["fields"]
    assert all(re.search(r"[à-ỹĐđ]", message) for message in error["fields"].values())
    assert count_documents() == 0
    assert db.session.scalar(select(func.count(StoredFile.id))) == 0
    # No arrival number was consumed.
    assert all(n == 0 for n in db.session.scalars(select(RegisterBook.last_number)))


def test_register_refuses_non_clerks_and_other_media_types(api, world):
    leader = other(api, world.school_a.leader)
    refused = leader.post(f"{PREFIX}/incoming", json=json_body())
    assert refused.status_code == 403
    assert refused.json["error"]["message"] == "Chỉ văn thư mới được vào sổ văn bản đến."

    plain = api.post(f"{PREFIX}/incoming", data="subject=x", content_type="text/plain")
    assert plain.status_code == 415
    assert plain.json["error"]["code"] == "unsupported_media_type"
    assert count_documents() == 0


# Errors outside the views -----------------------------------------------------------------


@pytest.fixture
def failing_routes(app):
    """Routes that fail as a rate limit or a bug would (added before the first request)."""

    def limited():
        abort(429)

    def broken():
        raise RuntimeError("lỗi thử")

    app.add_url_rule(f"{PREFIX}/_test/limited", "test_limited", limited)
    app.add_url_rule(f"{PREFIX}/_test/broken", "test_broken", broken)


def test_http_errors_on_api_paths_answer_json(app, failing_routes, api):
    for path, token in ((f"{PREFIX}/khong-co", None), (f"{PREFIX}/khong-co", api.token)):
        response = api.get(path, token=token)
        assert response.status_code == 404
        assert response.json["error"]["code"] == "not_found"
    wrong_method = api.call("DELETE", f"{PREFIX}/incoming")
    assert wrong_method.status_code == 405
    assert wrong_method.json["error"]["code"] == "method_not_allowed"

    app.config["MAX_CONTENT_LENGTH"] = 1000
    too_big = api.post(f"{PREFIX}/incoming", json=json_body(notes="x" * 2000))
    assert too_big.status_code == 413
    assert too_big.json["error"]["message"] == "Tệp tải lên quá lớn."
    big_form = api.post(
        f"{PREFIX}/incoming",
        data={"files": [(_bytes_io(b"%PDF-" + b"0" * 2000), "a.pdf")]},
        content_type="multipart/form-data",
    )
    assert big_form.status_code == 413

    assert api.get(f"{PREFIX}/_test/limited").status_code == 429
    app.config["PROPAGATE_EXCEPTIONS"] = False
    crashed = api.get(f"{PREFIX}/_test/broken")
    assert crashed.status_code == 500
    assert crashed.json["error"]["code"] == "server_error"
    assert "Hệ thống gặp lỗi" in crashed.json["error"]["message"]
    assert json.loads(crashed.data)  # a body, not an HTML page
