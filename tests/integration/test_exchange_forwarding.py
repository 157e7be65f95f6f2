"""Issuing to an outside agency sends one edXML packet through a real hub process: once,
with the signed PDF; a hub that is down fails the delivery after the last retry, and
"Gửi lại" sends it exactly once when the hub is back."""

from __future__ import annotations

import pytest

from eoffice.core.errors import Forbidden
from eoffice.exchange import forwarding
from eoffice.exchange.client import HubClient, HubUnavailable
from eoffice.exchange.edxml import parse_document
from eoffice.extensions import db
from eoffice.incoming.attachments import file_store
from eoffice.jobs.connection import runner
from eoffice.outgoing import issuing
from eoffice.outgoing.models import Delivery, OutgoingDocument
from tests import factories
from tests.exchange_support import RunningHub, signed_to_outside

AGENCY_CODE = "000.00.00.H29"
pytestmark = pytest.mark.usefixtures("exchange_clock", "empty_queues")


@pytest.fixture
def hub(agency_listed, hub) -> RunningHub:
    """The running hub of conftest, with the Sở in the directory to issue to."""
    return hub


def _issue_to_agency(world) -> OutgoingDocument:
    return signed_to_outside(world, [AGENCY_CODE])


def _agency_client(hub: RunningHub) -> HubClient:
    return hub.client(AGENCY_CODE)


def _delivery(doc_id: int) -> Delivery:
    db.session.expire_all()
    return db.session.get(OutgoingDocument, doc_id).deliveries[0]


def test_an_outside_agency_receives_the_signed_document_once(office, hub):
    world, _ = office
    doc = _issue_to_agency(world)
    runner().work_burst()  # publishing, then forwarding

    sent = _delivery(doc.id)
    assert (sent.channel, sent.status, sent.exchange_state, sent.attempts) == (
        "exchange",
        "00",
        "sent",
        1,
    )
    agency = _agency_client(hub)
    [waiting] = agency.pending()
    packet = parse_document(agency.fetch(waiting.id))
    assert packet.subject == doc.subject
    assert (packet.code_number, packet.code_notation) == ("01", "KH-GDĐT")
    assert packet.from_.organ_id == world.district.org.agency_code
    signed = file_store().read(_delivery(doc.id).outgoing.signed_file.sha256)
    assert packet.attachments[0].data == signed

    sent.exchange_state = "queued"  # a job run twice (a crash before our commit)
    db.session.commit()
    assert forwarding.forward(sent.id) == "sent"
    assert len(agency.pending()) == 1  # the hub kept one copy


def test_a_hub_that_is_down_fails_the_delivery_and_send_again_delivers_once(office, hub):
    world, _ = office
    hub.kill()
    doc = _issue_to_agency(world)
    issuing.publish(doc.id)
    delivery_id = _delivery(doc.id).id
    with pytest.raises(HubUnavailable):  # retries remain: RQ will try again
        forwarding.forward(delivery_id, last_try=False)
    assert (_delivery(doc.id).exchange_state, _delivery(doc.id).attempts) == ("queued", 1)
    assert forwarding.forward(delivery_id, last_try=True) == "failed"
    failed = _delivery(doc.id)
    assert failed.exchange_state == "failed" and "trục liên thông" in failed.last_error

    with pytest.raises(Forbidden):
        forwarding.send_again(world.district.staff, delivery_id)
    hub.start()
    forwarding.send_again(world.district.clerk, delivery_id)
    runner().work_burst()
    assert _delivery(doc.id).exchange_state == "sent"
    assert len(_agency_client(hub).pending()) == 1


def test_the_document_page_shows_the_failure_and_offers_to_send_again(app, office, hub):
    world, _ = office
    hub.kill()
    doc = _issue_to_agency(world)
    issuing.publish(doc.id)
    forwarding.forward(_delivery(doc.id).id, last_try=True)
    client = app.test_client()
    factories.login(client, world.district.clerk)
    page = client.get(f"/outgoing/{doc.id}").get_data(as_text=True)
    assert "Gửi không thành công sau 1 lần" in page and "Gửi lại" in page
    hub.start()
    url = f"/outgoing/{doc.id}/deliveries/{_delivery(doc.id).id}/send-again"
    assert client.post(url).status_code == 302
    runner().work_burst()
    assert _delivery(doc.id).exchange_state == "sent"
    assert "Đã gửi lên trục" in client.get(f"/outgoing/{doc.id}").get_data(as_text=True)
