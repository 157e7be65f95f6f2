"""Issuing to an outside agency sends one edXML packet through a real hub process: once,
with the signed PDF; a hub that is down fails the delivery after the last retry, and
"Gửi lại" sends it exactly once when the hub is back."""

from __future__ import annotations

import pytest

from eoffice.core import timeutil
from eoffice.core.errors import Forbidden
from eoffice.exchange import forwarding
from eoffice.exchange.client import HubClient, HubUnavailable
from eoffice.exchange.edxml import parse_document
from eoffice.exchange.hubstore import HubStore
from eoffice.exchange.settings import SettingsInput, save_settings
from eoffice.extensions import db
from eoffice.incoming.attachments import file_store
from eoffice.jobs.connection import runner
from eoffice.orgs.models import OrgKind
from eoffice.orgs.services import OrganisationData, save_organisation
from eoffice.outgoing import drafting, issuing, review
from eoffice.outgoing.drafting import RecipientInput
from eoffice.outgoing.models import Delivery, OutgoingDocument
from tests import factories
from tests.exchange_support import _free_port, _start
from tests.integration.test_outgoing_flow import NOW

AGENCY_CODE = "000.00.00.H29"
SECRET_DISTRICT = "khoa-bi-mat-cua-phong-gddt"
SECRET_AGENCY = "khoa-bi-mat-cua-so-gddt-tphcm"


@pytest.fixture(autouse=True)
def fixed_clock(app):
    timeutil.set_clock(lambda: NOW)
    yield
    timeutil.set_clock(None)


@pytest.fixture(autouse=True)
def empty_queues(app):
    runner().connection.flushall()


@pytest.fixture
def hub(tmp_path, office):
    world, _ = office
    store = HubStore(tmp_path / "hub.db")
    store.add_agency(world.district.org.agency_code, world.district.org.name, SECRET_DISTRICT)
    store.add_agency(AGENCY_CODE, "Sở Giáo dục và Đào tạo", SECRET_AGENCY)
    port = _free_port()
    process = _start(tmp_path / "hub.db", port)
    save_organisation(
        OrganisationData(
            name="Sở Giáo dục và Đào tạo Thành phố Hồ Chí Minh",
            kind=OrgKind.EXTERNAL,
            agency_code=AGENCY_CODE,
            is_member=False,
        )
    )
    db.session.commit()
    save_settings(
        world.district.admin,
        SettingsInput(hub_url=f"http://127.0.0.1:{port}", secret=SECRET_DISTRICT, enabled=True),
    )
    state = {"process": process, "port": port, "db": tmp_path / "hub.db"}
    yield state
    state["process"].kill()
    state["process"].wait(timeout=10)


def _issue_to_agency(world) -> OutgoingDocument:
    district = world.district
    plan = factories.outgoing_plan(
        world, recipients=[RecipientInput("external", agency_code=AGENCY_CODE)]
    )
    doc = drafting.create_draft(district.staff, plan)
    review.submit(district.staff, doc.id)
    review.approve(district.clerk, doc.id)
    return issuing.sign(district.leader, doc.id)


def _agency_client(hub) -> HubClient:
    return HubClient(f"http://127.0.0.1:{hub['port']}", AGENCY_CODE, SECRET_AGENCY)


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
    hub["process"].kill()
    hub["process"].wait(timeout=10)
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
    hub["process"] = _start(hub["db"], hub["port"])
    forwarding.send_again(world.district.clerk, delivery_id)
    runner().work_burst()
    assert _delivery(doc.id).exchange_state == "sent"
    assert len(_agency_client(hub).pending()) == 1


def test_the_document_page_shows_the_failure_and_offers_to_send_again(app, office, hub):
    world, _ = office
    hub["process"].kill()
    hub["process"].wait(timeout=10)
    doc = _issue_to_agency(world)
    issuing.publish(doc.id)
    forwarding.forward(_delivery(doc.id).id, last_try=True)
    client = app.test_client()
    factories.login(client, world.district.clerk)
    page = client.get(f"/outgoing/{doc.id}").get_data(as_text=True)
    assert "Gửi không thành công sau 1 lần" in page and "Gửi lại" in page
    hub["process"] = _start(hub["db"], hub["port"])
    url = f"/outgoing/{doc.id}/deliveries/{_delivery(doc.id).id}/send-again"
    assert client.post(url).status_code == 302
    runner().work_burst()
    assert _delivery(doc.id).exchange_state == "sent"
    assert "Đã gửi lên trục" in client.get(f"/outgoing/{doc.id}").get_data(as_text=True)
