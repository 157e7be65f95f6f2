"""The hub client against a real hub process on loopback: the round trip, a refusal that
carries the hub's Vietnamese message, a hub that is not there, and one that was killed
and came back with every packet it had accepted."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from eoffice.exchange.client import (
    ExchangeError,
    HubClient,
    HubRefused,
    HubUnavailable,
    PendingPacket,
)
from eoffice.exchange.edxml import build_document, parse_document
from eoffice.exchange.hub import HUB_CODE
from tests.exchange_support import (
    AGENCY,
    DISTRICT,
    SECRETS,
    RunningHub,
    _free_port,
    a_document,
)


@pytest.fixture
def hub(tmp_path) -> Iterator[RunningHub]:
    running = RunningHub(tmp_path / "hub.db")
    for org in (DISTRICT, AGENCY):
        running.add_agency(org.organ_id, org.organ_name, SECRETS[org.organ_id])
    with running:
        yield running


def test_send_list_fetch_and_acknowledge_round_trip(hub):
    district, agency = hub.client(DISTRICT), hub.client(AGENCY)
    packet = build_document(a_document())

    [copy] = district.send(packet)
    assert (copy.to, copy.duplicate) == (AGENCY.organ_id, False)
    [again] = district.send(packet)  # a retry after a lost answer is harmless
    assert (again.id, again.duplicate) == (copy.id, True)

    assert district.pending() == []
    [waiting] = agency.pending()
    assert waiting == PendingPacket(
        id=copy.id, kind="document", from_=DISTRICT.organ_id, document_id=waiting.document_id
    )
    assert waiting.document_id == a_document().document_id
    received = parse_document(agency.fetch(waiting.id))
    assert received.subject == a_document().subject
    assert [t.organ_id for t in received.trace_headers] == [DISTRICT.organ_id, HUB_CODE]

    agency.acknowledge(waiting.id)
    assert agency.pending() == []


def test_a_wrong_secret_is_refused_with_the_hubs_message(hub):
    with pytest.raises(HubRefused) as refused:
        hub.client(DISTRICT, "khong-phai-khoa-nay").pending()
    assert refused.value.status == 401
    assert refused.value.message == "Mã cơ quan hoặc khóa bí mật không đúng."
    assert isinstance(refused.value, ExchangeError)
    assert not isinstance(refused.value, HubUnavailable)


def test_a_packet_for_someone_else_is_refused_not_retried(hub):
    with pytest.raises(HubRefused) as refused:
        hub.client(AGENCY).fetch(999)
    assert refused.value.status == 404
    assert refused.value.message == "Không có gói tin này cho cơ quan của bạn."


def test_no_hub_listening_is_unavailable():
    client = HubClient(f"http://127.0.0.1:{_free_port()}", DISTRICT.organ_id, "x" * 20)
    with pytest.raises(HubUnavailable) as unavailable:
        client.pending()
    assert "Không kết nối được trục liên thông" in unavailable.value.message
    assert unavailable.value.status is None


def test_a_killed_hub_comes_back_and_nothing_is_lost(hub):
    district, agency = hub.client(DISTRICT), hub.client(AGENCY)
    [first] = district.send(build_document(a_document()))
    hub.kill()

    with pytest.raises(HubUnavailable):
        agency.pending()
    with pytest.raises(HubUnavailable):
        district.send(build_document(a_document(subject="Gửi lại khi trục hoạt động")))

    hub.restart()
    second_doc = a_document(document_id="000.00.31.H29,2026/09/25,02/KH-GDĐT", code_number="02")
    [second] = district.send(build_document(second_doc))
    waiting = agency.pending()
    assert [p.id for p in waiting] == [first.id, second.id]
    assert parse_document(agency.fetch(first.id)).document_id == a_document().document_id
    assert parse_document(agency.fetch(second.id)).document_id == second_doc.document_id


def test_an_endless_answer_is_not_read_to_its_end(monkeypatch):
    """A hub (or something posing as one) that answers with more than any packet can
    weigh is cut off at the limit: a Vietnamese 'bad answer', never the whole body in
    memory."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from eoffice.exchange import client as client_module

    monkeypatch.setattr(client_module, "MAX_ANSWER_BYTES", 10_000)

    class Flood(BaseHTTPRequestHandler):
        def do_GET(self):  # a valid, empty list of packets, padded to 1 MB
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            try:
                self.wfile.write(b'{"packets": []')
                for _ in range(1_000):
                    self.wfile.write(b" " * 1_000)
                self.wfile.write(b"}")
            except OSError:
                pass

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Flood)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        flooded = HubClient(
            f"http://127.0.0.1:{server.server_port}", DISTRICT.organ_id, "x" * 20, timeout=5
        )
        with pytest.raises(HubUnavailable) as bad:
            flooded.pending()
    finally:
        server.shutdown()
        server.server_close()
    assert bad.value.message == client_module.BAD_ANSWER
