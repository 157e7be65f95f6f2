"""The reference exchange hub: secrets, routing by the packet itself, idempotent sends,
a TraceHeader per hop, statuses back to the sender, and a real process on loopback that
keeps its packets across a restart."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from eoffice.exchange.edxml import (
    Organisation,
    StatusPacket,
    build_document,
    build_status,
    parse_document,
    parse_status,
)
from eoffice.exchange.hub import HUB_CODE, create_hub
from eoffice.exchange.hubstore import HubStore
from tests.exchange_support import (
    AGENCY,
    DISTRICT,
    OTHER,
    SECRETS,
    WHEN,
    _free_port,
    _start,
    a_document,
)


def headers(org: Organisation, secret: str | None = None) -> dict[str, str]:
    return {"X-Agency-Code": org.organ_id, "X-Agency-Secret": secret or SECRETS[org.organ_id]}


@pytest.fixture
def hub(tmp_path):
    store = HubStore(tmp_path / "hub.db")
    for org in (DISTRICT, AGENCY, OTHER):
        store.add_agency(org.organ_id, org.organ_name, SECRETS[org.organ_id])
    return create_hub(store).test_client()


def test_a_document_reaches_its_recipient_once_with_one_more_trace_header(hub):
    data = build_document(a_document())
    assert hub.post("/api/packets", data=data, headers=headers(DISTRICT, "sai")).status_code == 401
    sent = hub.post("/api/packets", data=data, headers=headers(DISTRICT))
    assert sent.status_code == 201
    [stored] = sent.json["packets"]
    assert (stored["to"], stored["duplicate"]) == (AGENCY.organ_id, False)
    again = hub.post("/api/packets", data=data, headers=headers(DISTRICT))
    assert again.status_code == 200 and again.json["packets"][0]["duplicate"] is True

    assert hub.get("/api/packets", headers=headers(OTHER)).json["packets"] == []
    [waiting] = hub.get("/api/packets", headers=headers(AGENCY)).json["packets"]
    assert (waiting["kind"], waiting["from"]) == ("document", DISTRICT.organ_id)
    fetched = hub.get(f"/api/packets/{waiting['id']}", headers=headers(AGENCY))
    received = parse_document(fetched.data)
    assert received.subject == a_document().subject
    assert [t.organ_id for t in received.trace_headers] == [DISTRICT.organ_id, HUB_CODE]
    assert received.attachments == a_document().attachments
    assert hub.get(f"/api/packets/{waiting['id']}", headers=headers(OTHER)).status_code == 404
    assert hub.post(f"/api/packets/{waiting['id']}/ack", headers=headers(AGENCY)).status_code == 200
    assert hub.get("/api/packets", headers=headers(AGENCY)).json["packets"] == []


def test_statuses_go_back_to_the_sender(hub):
    status = StatusPacket(
        document_id=a_document().document_id,
        from_=AGENCY,
        to=DISTRICT,
        status_code="03",
        timestamp=WHEN,
    )
    assert (
        hub.post("/api/packets", data=build_status(status), headers=headers(AGENCY)).status_code
        == 201
    )
    [back] = hub.get("/api/packets", headers=headers(DISTRICT)).json["packets"]
    assert (back["kind"], back["status_code"]) == ("status", "03")
    got = parse_status(hub.get(f"/api/packets/{back['id']}", headers=headers(DISTRICT)).data)
    assert (got.status_code, got.from_.organ_id) == ("03", AGENCY.organ_id)


def test_the_hub_refuses_what_it_cannot_route(hub):
    impostor = hub.post("/api/packets", data=build_document(a_document()), headers=headers(OTHER))
    assert impostor.status_code == 403  # From says the district; OTHER authenticated
    nobody = build_document(a_document(to=(Organisation("009.09.09.H99", "Không có"),)))
    unknown = hub.post("/api/packets", data=nobody, headers=headers(DISTRICT))
    assert unknown.status_code == 422 and "009.09.09.H99" in unknown.json["error"]["message"]
    garbage = hub.post("/api/packets", data=b"<not-edxml/>", headers=headers(DISTRICT))
    assert garbage.status_code == 422
    bomb = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>'
    assert hub.post("/api/packets", data=bomb, headers=headers(DISTRICT)).status_code == 422


# A real process on loopback ----------------------------------------------------------


def _call(port: int, method: str, path: str, org: Organisation, data: bytes | None = None):
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", data=data, method=method, headers=headers(org)
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, response.read()


def test_a_real_hub_process_keeps_its_packets_across_a_restart(tmp_path):
    db = tmp_path / "hub.db"
    store = HubStore(db)
    for org in (DISTRICT, AGENCY):
        store.add_agency(org.organ_id, org.organ_name, SECRETS[org.organ_id])
    port = _free_port()
    process = _start(db, port)
    try:
        status, _ = _call(port, "POST", "/api/packets", DISTRICT, build_document(a_document()))
        assert status == 201
    finally:
        process.kill()  # no clean shutdown: what was answered must already be on disk
        process.wait(timeout=10)
    process = _start(db, port)
    try:
        status, body = _call(port, "GET", "/api/packets", AGENCY)
        [waiting] = json.loads(body)["packets"]
        status, data = _call(port, "GET", f"/api/packets/{waiting['id']}", AGENCY)
        assert parse_document(data).document_id == a_document().document_id
        with pytest.raises(urllib.error.HTTPError) as refused:
            _call(port, "GET", f"/api/packets/{waiting['id']}", DISTRICT)
        assert refused.value.code == 404
    finally:
        process.terminate()
        process.wait(timeout=10)
