"""The exchange admin pages: the queue of waiting and failed packets with "Gửi lại"
(against a real hub process, down then back), the packet log with its filters and
keyset pages, a packet's XML for diagnosis, and who may see what."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from sqlalchemy import select

from eoffice.core import timeutil
from eoffice.exchange import edxml, forwarding, outbox, packet_log
from eoffice.exchange.forwarding import document_id
from eoffice.exchange.models import ExchangePacket, PacketKind
from eoffice.extensions import db
from eoffice.incoming.attachments import file_store
from eoffice.jobs.connection import runner
from eoffice.outgoing import issuing
from eoffice.outgoing.models import OutgoingDocument
from tests import factories
from tests.exchange_support import RunningHub, signed_to_outside
from tests.integration.test_outgoing_flow import NOW

AGENCY_CODE = "000.00.00.H29"
AGENCY_NAME = "Sở Giáo dục và Đào tạo Thành phố Hồ Chí Minh"
BASE = "/admin/exchange/packets"


pytestmark = pytest.mark.usefixtures("exchange_clock", "empty_queues")


@pytest.fixture
def hub(agency_listed, idle_hub) -> RunningHub:
    """A hub that is DOWN at first: `hub.start()` starts it (the Sở in the directory)."""
    return idle_hub


def _failed_delivery(world) -> OutgoingDocument:
    """Issued to the agency while the hub is down: forwarding gave up."""
    doc = signed_to_outside(world, [AGENCY_CODE])
    issuing.publish(doc.id)
    delivery_id = doc.deliveries[0].id
    runner().connection.flushall()  # the forwarding job: run by hand, as its last try
    assert forwarding.forward(delivery_id, last_try=True) == "failed"
    return doc


def _failed_status(world, doc: OutgoingDocument) -> ExchangePacket:
    """An outbound status (03 about a document the agency sent us) that could not leave."""
    org = world.district.org
    data = edxml.build_status(
        edxml.StatusPacket(
            document_id=f"{AGENCY_CODE},2026/09/20,3337/GDĐT-TTTT",
            from_=edxml.Organisation(org.agency_code, org.name),
            to=edxml.Organisation(AGENCY_CODE, AGENCY_NAME),
            status_code="03",
            timestamp=NOW,
        )
    )
    row = outbox.queue_packet(
        org,
        data,
        kind=PacketKind.STATUS,
        document_id=f"{AGENCY_CODE},2026/09/20,3337/GDĐT-TTTT",
        to_code=AGENCY_CODE,
        to_name=AGENCY_NAME,
        status_code="03",
    )
    db.session.commit()
    runner().connection.flushall()
    assert outbox.send(row.id, last_try=True) == "failed"
    return row


def _inbound(org_id: int, code: str, document_id: str, **values) -> ExchangePacket:
    row = ExchangePacket(
        org_id=org_id,
        direction="in",
        kind=PacketKind.STATUS,
        status_code=code,
        document_id=document_id,
        counterpart_code=values.pop("counterpart_code", AGENCY_CODE),
        counterpart_name=values.pop("counterpart_name", AGENCY_NAME),
        state=values.pop("state", "applied"),
        **values,
    )
    db.session.add(row)
    db.session.commit()
    return row


def _client(app, user):
    client = app.test_client()
    factories.login(client, user)
    return client


def test_the_queue_shows_failures_and_send_again_delivers_them(app, office, hub):
    world, _ = office
    doc = _failed_delivery(world)
    row = _failed_status(world, doc)
    client = _client(app, world.district.clerk)
    page = client.get(f"{BASE}/queue").get_data(as_text=True)
    assert page.count('class="queue-entry"') == 2
    assert "Gửi không thành công" in page and "trục liên thông" in page  # the last error
    assert "Trạng thái 03 Đã tiếp nhận" in page and doc.symbol in page
    assert page.count("Gửi lại") == 2

    hub.start()
    delivery_id = doc.deliveries[0].id
    answer = client.post(f"{BASE}/deliveries/{delivery_id}/send-again")
    assert answer.status_code == 302 and answer.location.endswith(f"{BASE}/queue")
    assert client.post(f"{BASE}/{row.id}/send-again").status_code == 302
    runner().work_burst()
    db.session.expire_all()
    assert db.session.get(ExchangePacket, row.id).state == "sent"
    assert db.session.get(OutgoingDocument, doc.id).deliveries[0].exchange_state == "sent"
    page = client.get(f"{BASE}/queue").get_data(as_text=True)
    assert 'class="queue-entry"' not in page and "Không có gói tin nào đang chờ" in page
    # nothing left to send again: a conflict, shown as a message
    assert client.post(f"{BASE}/{row.id}/send-again").status_code == 302
    assert "không cần gửi lại" in client.get(f"{BASE}/queue").get_data(as_text=True)


def test_the_log_lists_everything_newest_first_with_filters(app, office, hub):
    world, _ = office
    doc = _failed_delivery(world)
    timeutil.set_clock(lambda: NOW + timedelta(days=1))
    status = f"p{_failed_status(world, doc).id}"
    timeutil.set_clock(lambda: NOW + timedelta(days=2))
    inbound = _inbound(world.district.org.id, "04", document_id(doc))
    stranger = _inbound(
        world.district.org.id,
        "01",
        "001.00.00.H30,2026/09/01,1/CV",
        counterpart_code="001.00.00.H30",
        counterpart_name="UBND tỉnh Lạng Sơn",
        state="unmatched",
    )
    client = _client(app, world.district.admin)

    def rows(**args) -> list[str]:
        page = client.get(BASE + "/", query_string=args).get_data(as_text=True)
        return [
            part.split('"', 4)[1] + part.split('"', 4)[3]
            for part in page.split('class="log-entry" data-source=')[1:]
        ]

    everything = rows()
    assert everything == [f"p{stranger.id}", f"p{inbound.id}", status, f"d{doc.deliveries[0].id}"]
    assert rows(direction="in") == [f"p{stranger.id}", f"p{inbound.id}"]
    assert rows(direction="out") == everything[2:]
    assert rows(kind="document") == everything[3:]
    assert rows(state="failed") == everything[2:]
    assert rows(state="unmatched") == everything[:1]
    assert rows(counterpart="001.00.00.H30") == everything[:1]
    assert rows(counterpart="Sở Giáo dục") == everything[1:]
    day = NOW + timedelta(days=1)
    assert rows(date_from=f"{day:%d/%m/%Y}", date_to=f"{day:%d/%m/%Y}") == [status]
    assert rows(date_to=f"{NOW:%d/%m/%Y}") == everything[3:]

    page = client.get(BASE + "/").get_data(as_text=True)
    assert "Đã cập nhật tình trạng" in page and "Không khớp văn bản nào" in page
    assert world.district.leader.full_name in page  # who signed what went out
    bad = client.get(BASE + "/", query_string={"date_from": "32/13/2026"})
    assert bad.status_code == 200 and len(rows(date_from="32/13/2026")) == 4


def test_the_log_pages_by_cursor_without_losing_or_repeating_a_row(app, office, hub):
    world, _ = office
    doc = _failed_delivery(world)  # one delivery, at NOW
    for code in ("01", "03", "04", "05", "06"):  # five statuses, all at NOW too
        _inbound(world.district.org.id, code, "x")
    seen: list[str] = []
    cursor = None
    while True:
        entries, cursor = packet_log.log_page(
            world.district.clerk, packet_log.LogFilter(), cursor, limit=2
        )
        seen += [f"{e.source}{e.id}" for e in entries]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == 6
    assert seen[-1] == f"d{doc.deliveries[0].id}"  # same time: packets, then deliveries
    client = _client(app, world.district.clerk)
    _, first_cursor = packet_log.log_page(world.district.clerk, packet_log.LogFilter(), limit=50)
    assert first_cursor is None
    assert "Cũ hơn" not in client.get(BASE + "/").get_data(as_text=True)
    page = client.get(BASE + "/", query_string={"cursor": "rác|x|1"}).get_data(as_text=True)
    assert page.count('class="log-entry"') == 6  # a bad cursor is the first page


def test_the_detail_shows_the_xml_escaped_without_the_attachments(app, office, hub):
    world, _ = office
    doc = _failed_delivery(world)
    row = _failed_status(world, doc)
    client = _client(app, world.district.clerk)
    page = client.get(f"{BASE}/deliveries/{doc.deliveries[0].id}").get_data(as_text=True)
    assert "&lt;edXML:Subject&gt;" in page and doc.subject in page
    assert "byte đã lược bỏ" in page
    signed = file_store().read(doc.signed_file.sha256)
    assert base64.b64encode(signed).decode()[:80] not in page
    page = client.get(f"{BASE}/{row.id}").get_data(as_text=True)
    assert "&lt;edXML:StatusCode&gt;03&lt;/edXML:StatusCode&gt;" in page
    assert "Gửi lại" in page  # failed: can be sent again from here
    assert "<edXML" not in page  # never raw markup

    assert packet_log.readable_xml(
        b"<a><ContentTransferEncoded>aGVsbG8=</ContentTransferEncoded></a>"
    ) == ("<a>\n  <ContentTransferEncoded>[…5 byte đã lược bỏ…]</ContentTransferEncoded>\n</a>\n")


def test_only_the_organisations_clerks_and_admins_see_its_traffic(app, office, hub):
    world, _ = office
    doc = _failed_delivery(world)
    row = _failed_status(world, doc)
    delivery_id = doc.deliveries[0].id
    theirs = _client(app, world.school_a.admin)
    assert theirs.get(f"{BASE}/{row.id}").status_code == 404
    assert theirs.get(f"{BASE}/deliveries/{delivery_id}").status_code == 404
    assert theirs.post(f"{BASE}/{row.id}/send-again").status_code == 404
    assert theirs.post(f"{BASE}/deliveries/{delivery_id}/send-again").status_code == 404
    listing = theirs.get(BASE + "/").get_data(as_text=True)
    assert 'class="log-entry"' not in listing
    assert 'class="queue-entry"' not in theirs.get(f"{BASE}/queue").get_data(as_text=True)

    staff = _client(app, world.district.staff)
    for url in (BASE + "/", f"{BASE}/queue", f"{BASE}/{row.id}"):
        assert staff.get(url).status_code == 403
    assert staff.post(f"{BASE}/{row.id}/send-again").status_code == 403
    leader = _client(app, world.district.leader)
    assert leader.get(f"{BASE}/queue").status_code == 403
    db.session.expire_all()
    assert db.session.get(ExchangePacket, row.id).state == "failed"  # nobody resent it

    admin = _client(app, world.district.admin)
    assert admin.get(f"{BASE}/{row.id}").status_code == 200
    assert "Nhật ký, hàng đợi gói tin liên thông" in admin.get("/").get_data(as_text=True)
    assert (
        db.session.scalars(select(ExchangePacket).where(ExchangePacket.org_id != row.org_id)).all()
        == []
    )
