"""Statuses coming back through the exchange update the sender's delivery rows; a recall
travels to an outside agency as status 13 through a real hub process (or, when the hub
has not taken the copy yet, stops it from ever leaving); 15 and 16 answer it; a
replacement's packet names what it replaces."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from eoffice.core.aftercommit import run_pending
from eoffice.exchange import edxml
from eoffice.exchange.client import HubClient
from eoffice.exchange.feedback import apply_status
from eoffice.exchange.forwarding import document_id
from eoffice.exchange.models import ExchangePacket, PacketKind, PacketState
from eoffice.extensions import db
from eoffice.jobs.connection import runner
from eoffice.notifications.models import Notification, NotificationKind
from eoffice.outgoing import drafting, issuing, recall, review
from eoffice.outgoing.models import Delivery, OutgoingDocument
from tests import factories
from tests.exchange_support import signed_to_outside
from tests.integration.test_outgoing_flow import NOW

AGENCY_CODE = "000.00.00.H29"
AGENCY_NAME = "Sở Giáo dục và Đào tạo Thành phố Hồ Chí Minh"
HANDLER = edxml.StaffInfo("Văn phòng Sở", "Võ Thị Văn Thư Sở", email="vanthu@hcm.edu.vn")


pytestmark = pytest.mark.usefixtures("exchange_clock", "empty_queues")


@pytest.fixture
def hub(agency_listed, hub) -> HubClient:
    """The Sở's client on conftest's running hub (the Sở in the directory to issue to)."""
    return hub.client(AGENCY_CODE)


def _sign_to_agency(world, **overrides) -> OutgoingDocument:
    return signed_to_outside(world, [AGENCY_CODE], **overrides)


def _sent_to_agency(world) -> OutgoingDocument:
    """Issued, published and taken by the hub."""
    doc = _sign_to_agency(world)
    runner().work_burst()
    assert _delivery(doc.id).exchange_state == "sent"
    return doc


def _delivery(doc_id: int) -> Delivery:
    db.session.expire_all()
    return db.session.get(OutgoingDocument, doc_id).deliveries[0]


def _status(doc: OutgoingDocument, code: str, minutes: int = 0, **changes) -> edxml.StatusPacket:
    """A status from the agency about `doc`, as it comes out of the wire."""
    packet = edxml.StatusPacket(
        document_id=document_id(doc),
        from_=edxml.Organisation(AGENCY_CODE, AGENCY_NAME),
        to=edxml.Organisation(doc.organisation.agency_code, doc.organisation.name),
        status_code=code,
        timestamp=NOW - timedelta(minutes=60 - minutes),
        description=changes.pop("description", None),
        staff=HANDLER,
    )
    for key, value in changes.items():
        packet = edxml.StatusPacket(**{**packet.__dict__, key: value})
    return edxml.parse_status(edxml.build_status(packet))


def _apply(org_id: int, packet: edxml.StatusPacket) -> ExchangePacket:
    """What the fetch does: store the inbound row, apply it in the same transaction."""
    row = ExchangePacket(
        org_id=org_id,
        direction="in",
        kind=PacketKind.STATUS,
        status_code=packet.status_code,
        document_id=packet.document_id,
        counterpart_code=packet.from_.organ_id,
        counterpart_name=packet.from_.organ_name or "",
        description=packet.description,
        state=PacketState.AWAITING,
    )
    db.session.add(row)
    db.session.flush()
    apply_status(row, packet)
    db.session.commit()
    run_pending()
    return row


def _news(user, kind: NotificationKind) -> list[Notification]:
    return list(
        db.session.scalars(
            select(Notification).where(Notification.user_id == user.id, Notification.kind == kind)
        )
    )


def test_statuses_in_order_move_the_delivery_and_keep_the_handler(app, office, hub):
    world, _ = office
    doc = _sent_to_agency(world)
    for minutes, code in enumerate(["01", "03", "04", "06"]):
        row = _apply(world.district.org.id, _status(doc, code, minutes, description=f"Mã {code}"))
        assert (row.state, row.delivery_id) == ("applied", _delivery(doc.id).id)
        assert _delivery(doc.id).status == code
    events = _delivery(doc.id).events
    assert [e.status for e in events] == ["00", "01", "03", "04", "06"]
    assert (
        events[2].note == "Mã 03 (Người xử lý: Võ Thị Văn Thư Sở, Văn phòng Sở, vanthu@hcm.edu.vn)"
    )
    assert events[2].at == NOW - timedelta(minutes=59)  # when the agency says it happened
    assert _delivery(doc.id).reason is None  # progress is history, not a reason

    client = app.test_client()
    factories.login(client, world.district.clerk)
    page = client.get(f"/outgoing/{doc.id}").get_data(as_text=True)
    assert "Đã hoàn thành" in page and "Võ Thị Văn Thư Sở" in page


def test_statuses_out_of_order_never_lower_the_delivery(office, hub):
    world, _ = office
    doc = _sent_to_agency(world)
    for code in ["06", "01", "03", "04"]:
        assert _apply(world.district.org.id, _status(doc, code)).state == "applied"
    delivery = _delivery(doc.id)
    assert delivery.status == "06"
    assert [e.status for e in delivery.events] == ["00", "06", "01", "03", "04"]


def test_a_refusal_keeps_its_reason_and_tells_the_drafter_and_clerks(office, hub):
    world, _ = office
    doc = _sent_to_agency(world)
    _apply(world.district.org.id, _status(doc, "01"))
    reason = "Văn bản không thuộc thẩm quyền giải quyết của Sở"
    _apply(world.district.org.id, _status(doc, "02", 1, description=reason))
    delivery = _delivery(doc.id)
    assert (delivery.status, delivery.reason) == ("02", reason)
    assert "Võ Thị Văn Thư Sở" in delivery.events[-1].note
    for user in (world.district.staff, world.district.clerk):  # the drafter, the clerk
        [news] = _news(user, NotificationKind.DELIVERY_REJECTED)
        assert reason in news.body and AGENCY_NAME in news.title
    assert _news(world.district.leader, NotificationKind.DELIVERY_REJECTED) == []
    _apply(world.district.org.id, _status(doc, "03", 2))  # final: a later 03 changes nothing
    assert _delivery(doc.id).status == "02"


def test_a_status_about_nothing_of_ours_is_kept_unmatched(office, hub):
    world, _ = office
    doc = _sent_to_agency(world)
    unknown = _status(doc, "03", document_id=f"{world.district.org.agency_code},2026/09/25,99/KH")
    row = _apply(world.district.org.id, unknown)
    assert (row.state, row.delivery_id) == ("unmatched", None)
    # the right document, but reported by an agency it was not sent to
    stranger = _status(doc, "03", from_=edxml.Organisation("009.00.00.H29", "Cơ quan khác"))
    assert _apply(world.district.org.id, stranger).state == "unmatched"
    # the right document and agency, stored under another organisation of ours
    assert _apply(world.school_a.org.id, _status(doc, "03")).state == "unmatched"
    # an answer to a recall nobody asked for
    assert _apply(world.district.org.id, _status(doc, "15")).state == "unmatched"
    assert _delivery(doc.id).status == "00"
    assert db.session.get(ExchangePacket, row.id) is not None  # kept, for the log


def _recall_packets(agency: HubClient) -> list[edxml.StatusPacket]:
    return [
        edxml.parse_status(agency.fetch(p.id))
        for p in agency.pending()
        if p.kind == "status" and p.status_code == "13"
    ]


def test_recalling_a_sent_copy_sends_a_recall_request_the_agency_receives(office, hub):
    world, _ = office
    doc = _sent_to_agency(world)
    _apply(world.district.org.id, _status(doc, "03"))
    recall.recall(world.district.leader, doc.id, "Ban hành nhầm đối tượng")
    delivery = _delivery(doc.id)
    assert delivery.status == "03"  # until the agency answers
    assert "chờ nơi nhận trả lời" in delivery.events[-1].note
    [row] = db.session.scalars(
        select(ExchangePacket)
        .where(ExchangePacket.delivery_id == delivery.id)
        .where(ExchangePacket.direction == "out")
    ).all()
    assert (row.kind, row.status_code, row.state) == ("status", "13", "queued")
    assert row.done_by_id == world.district.leader.id

    runner().work_burst()
    db.session.expire_all()
    assert db.session.get(ExchangePacket, row.id).state == "sent"
    [request] = _recall_packets(hub)
    assert request.document_id == document_id(doc)
    assert request.description == "Ban hành nhầm đối tượng"
    assert request.from_.organ_id == world.district.org.agency_code
    assert request.staff.staff == world.district.leader.full_name

    # the agency agrees (15): the copy is recalled, for good
    answer = _apply(world.district.org.id, _status(doc, "15", 5, description="Đã hủy văn bản"))
    assert (answer.state, answer.refers_to_id) == ("applied", row.id)
    delivery = _delivery(doc.id)
    assert delivery.status == "13" and "Nơi nhận đồng ý thu hồi" in delivery.events[-1].note
    _apply(world.district.org.id, _status(doc, "06", 6))
    assert _delivery(doc.id).status == "13"


def test_a_refused_recall_is_shown_and_told_to_the_sender(app, office, hub):
    world, _ = office
    doc = _sent_to_agency(world)
    _apply(world.district.org.id, _status(doc, "04"))
    recall.recall(world.district.clerk, doc.id, "Sai số liệu phụ lục")
    runner().work_burst()
    reason = "Văn bản đã được triển khai đến các trường"
    row = _apply(world.district.org.id, _status(doc, "16", 5, description=reason))
    assert row.state == "applied"
    delivery = _delivery(doc.id)
    assert delivery.status == "04"  # the agency keeps its copy
    assert delivery.events[-1].status == "16"
    assert delivery.events[-1].note.startswith(f"Từ chối thu hồi: {reason}")
    [news] = _news(world.district.staff, NotificationKind.RECALL_REFUSED)
    assert reason in news.body and "từ chối thu hồi" in news.title
    client = app.test_client()
    factories.login(client, world.district.clerk)
    page = client.get(f"/outgoing/{doc.id}").get_data(as_text=True)
    assert "Từ chối thu hồi" in page and reason in page


def test_recalling_a_copy_not_yet_sent_stops_it_from_leaving(office, hub):
    world, _ = office
    doc = _sign_to_agency(world)
    issuing.publish(doc.id)  # the forwarding job is queued, not run yet
    assert _delivery(doc.id).exchange_state == "queued"
    recall.recall(world.district.leader, doc.id, "Ban hành nhầm")
    delivery = _delivery(doc.id)
    assert (delivery.status, delivery.exchange_state) == ("13", "recalled")
    assert db.session.scalars(select(ExchangePacket)).all() == []  # nothing to ask back

    runner().work_burst()  # the forwarding job runs now
    assert _delivery(doc.id).exchange_state == "recalled"
    assert _delivery(doc.id).attempts == 0
    assert hub.pending() == []


def test_a_replacement_travels_as_replace_naming_the_replaced_document(office, hub):
    world, _ = office
    old = _sent_to_agency(world)
    [first] = hub.pending()
    hub.acknowledge(first.id)
    plan = drafting.replacement_input(world.district.staff, old.id)
    doc = drafting.create_draft(world.district.staff, plan)
    review.submit(world.district.staff, doc.id)
    review.approve(world.district.clerk, doc.id)
    doc = issuing.sign(world.district.leader, doc.id)
    runner().work_burst()

    [waiting] = hub.pending()
    packet = edxml.parse_document(hub.fetch(waiting.id))
    assert packet.document_id == document_id(doc)
    assert packet.business.doc_type == edxml.BusinessDocType.REPLACE
    assert packet.business.reason.startswith(f"Thay thế văn bản số {old.symbol}")
    assert packet.business.replacements == (edxml.Replacement(document_id(old), (AGENCY_CODE,)),)
    # a first issue stays NEW
    assert edxml.parse_document(hub.fetch(first.id)).business.doc_type == 0
