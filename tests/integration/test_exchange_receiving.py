"""Receiving from a real hub process: documents from an outside agency arrive once, wait
in the exchange inbox and are answered (01, 02, 03, then 04/06 from the workflow);
broken packets are refused without harming the others; recalls are accepted (15, the
register entry withdrawn) or refused (16)."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import select

from eoffice.core.aftercommit import run_pending
from eoffice.core.errors import Conflict, Forbidden, ValidationFailed
from eoffice.exchange import edxml, inbox, receiving
from eoffice.exchange.client import HubClient, HubRefused, HubUnavailable
from eoffice.exchange.hubstore import HubStore
from eoffice.exchange.models import ExchangePacket, PacketDirection, PacketState
from eoffice.extensions import db
from eoffice.incoming import processing
from eoffice.incoming.models import IncomingDocument, Source
from eoffice.incoming.processing import Party
from eoffice.jobs.connection import runner
from tests import factories
from tests.exchange_support import RunningHub, a_document
from tests.integration.test_outgoing_flow import NOW

AGENCY = edxml.Organisation("000.00.00.H29", "Sở Giáo dục và Đào tạo Thành phố Hồ Chí Minh")
DOC_ID = "000.00.00.H29,2026/09/24,3337/SGDĐT-VP"


# The hub is conftest's: ours and the Sở registered, our exchange settings saved.
pytestmark = pytest.mark.usefixtures("exchange_clock", "empty_queues")


def _agency(hub: RunningHub) -> HubClient:
    return hub.client(AGENCY)


def _ours(world) -> edxml.Organisation:
    return edxml.Organisation(world.district.org.agency_code, world.district.org.name)


def _document(world, document_id: str = DOC_ID, **changes) -> edxml.DocumentPacket:
    values = dict(
        document_id=document_id,
        from_=AGENCY,
        to=(_ours(world),),
        code_number="3337",
        code_notation="SGDĐT-VP",
        promulgation_date=date(2026, 9, 24),
        document_type=edxml.DocumentType(18, "Công văn"),
        subject="Về việc triển khai sổ liên lạc điện tử năm học 2026 - 2027",
        signer=edxml.Signer("Phó Giám đốc", "Nguyễn Văn Hiếu", "KT. GIÁM ĐỐC"),
        priority=1,
        page_amount=2,
        due_date=date(2026, 10, 9),
        attachments=(
            edxml.Attachment("vb", "3337-SGDĐT-VP.pdf", "application/pdf", factories.pdf_bytes()),
            edxml.Attachment(
                "pl1", "Phụ lục.pdf", "application/pdf", factories.pdf_bytes("Phụ lục")
            ),
        ),
    )
    return a_document(**{**values, **changes})


def _send(hub, packet) -> None:
    data = (
        edxml.build_status(packet)
        if isinstance(packet, edxml.StatusPacket)
        else edxml.build_document(packet)
    )
    _agency(hub).send(data)


def _statuses(hub) -> list[edxml.StatusPacket]:
    """What came back to the agency, after our queued packets were sent."""
    runner().work_burst()
    agency = _agency(hub)
    return [edxml.parse_status(agency.fetch(p.id)) for p in agency.pending() if p.kind == "status"]


def _inbound(world) -> list[ExchangePacket]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(ExchangePacket)
            .where(
                ExchangePacket.org_id == world.district.org.id,
                ExchangePacket.direction == PacketDirection.IN,
            )
            .order_by(ExchangePacket.id)
        )
    )


def _recall_status(world, document_id: str = DOC_ID) -> edxml.StatusPacket:
    return edxml.StatusPacket(
        document_id=document_id,
        from_=AGENCY,
        to=_ours(world),
        status_code="13",
        timestamp=NOW,
        description="Văn bản ban hành nhầm đối tượng, đề nghị thu hồi.",
    )


def test_a_document_arrives_once_and_01_goes_back(world, hub):
    _send(hub, _document(world))
    result = receiving.fetch(world.district.org)
    assert (result.documents, result.refused, result.recalls) == (1, 0, 0)
    [row] = _inbound(world)
    assert (row.state, row.kind, row.business_type) == ("awaiting", "document", 0)
    assert (row.symbol, row.document_date, row.counterpart_code) == (
        "3337/SGDĐT-VP",
        date(2026, 9, 24),
        AGENCY.organ_id,
    )
    assert row.counterpart_name == AGENCY.organ_name and "sổ liên lạc" in row.subject
    [arrived] = _statuses(hub)
    assert (arrived.status_code, arrived.document_id, arrived.code) == ("01", DOC_ID, row.symbol)
    assert arrived.from_.organ_id == world.district.org.agency_code

    assert receiving.fetch(world.district.org).total == 0  # acknowledged: nothing new
    # A crash between our commit and the acknowledgement: the hub lists it again.
    with sqlite3.connect(hub.db) as hub_db:
        hub_db.execute("UPDATE packets SET acknowledged_at = NULL WHERE kind = 'document'")
    again = receiving.fetch(world.district.org)
    assert (again.total, again.skipped) == (0, 1)
    assert len(_inbound(world)) == 1


def test_a_concurrent_check_storing_the_same_packet_first_is_skipped(world, hub):
    _send(hub, _document(world))
    ours = hub.client(world.district.org.agency_code)
    [pending] = ours.pending()
    data = ours.fetch(pending.id)
    assert receiving._store(world.district.org, pending, data) == "documents"
    db.session.commit()
    # The other clerk's check read the hub before our commit and now stores it too.
    assert receiving._store(world.district.org, pending, data) is None
    db.session.commit()
    assert len(_inbound(world)) == 1
    assert receiving.fetch(world.district.org).skipped == 1
    assert ours.pending() == []
    run_pending()  # what the first store queued after its commit: one 01, not two
    assert [s.status_code for s in _statuses(hub)] == ["01"]


def test_register_then_the_workflow_reports_03_to_06(world, hub):
    district = world.district
    _send(hub, _document(world))
    receiving.fetch(district.org)
    [row] = _inbound(world)
    assert [r.id for r in inbox.awaiting(district.leader)] == [row.id]
    assert inbox.awaiting(district.staff) == []
    assert [f.name for f in inbox.files(district.clerk, row.id)] == [
        "3337-SGDĐT-VP.pdf",
        "Phụ lục.pdf",
    ]
    with pytest.raises(Forbidden):
        inbox.register(district.leader, row.id)

    doc = inbox.register(district.clerk, row.id)
    doc = db.session.get(IncomingDocument, doc.id)
    assert (doc.source, doc.symbol, doc.sender_agency_code) == (
        Source.EXCHANGE,
        "3337/SGDĐT-VP",
        AGENCY.organ_id,
    )
    assert doc.sender_name == AGENCY.organ_name and doc.document_type.name == "Công văn"
    assert (doc.signer_name, doc.signer_position) == (
        "Nguyễn Văn Hiếu",
        "KT. GIÁM ĐỐC Phó Giám đốc",
    )
    assert (doc.page_count, doc.deadline, doc.urgency.rank) == (2, date(2026, 10, 9), 1)
    assert sorted(a.original_name for a in doc.attachments) == ["3337-SGDĐT-VP.pdf", "Phụ lục.pdf"]
    [row] = _inbound(world)
    assert (row.state, row.incoming_document_id, row.done_by_id) == (
        "registered",
        doc.id,
        district.clerk.id,
    )
    with pytest.raises(Conflict):  # a double click
        inbox.register(district.clerk, row.id)
    assert inbox.awaiting(district.clerk) == []

    processing.present(district.clerk, doc.id, presented_to=district.leader.id)
    processing.assign(district.leader, doc.id, Party(user_id=district.staff.id))
    processing.start(district.staff, doc.id)
    processing.complete(district.staff, doc.id, "Đã triển khai đến các trường.")
    codes = [s.status_code for s in _statuses(hub)]
    assert codes == ["01", "03", "04", "05", "06"]
    completed = _statuses(hub)[-1]
    assert completed.staff is not None and completed.staff.staff == district.staff.full_name
    assert completed.document_id == DOC_ID


def test_reject_sends_02_with_the_reason(world, hub):
    district = world.district
    _send(hub, _document(world))
    receiving.fetch(district.org)
    [row] = _inbound(world)
    with pytest.raises(ValidationFailed) as refused:
        inbox.reject(district.clerk, row.id, "sai")
    assert "ít nhất 5 ký tự" in refused.value.message
    with pytest.raises(Forbidden):
        inbox.reject(district.staff, row.id, "Gửi nhầm đơn vị nhận.")
    inbox.reject(district.leader, row.id, "Gửi nhầm đơn vị nhận.")
    with pytest.raises(Conflict):
        inbox.reject(district.clerk, row.id, "Gửi nhầm đơn vị nhận.")
    [row] = _inbound(world)
    assert (row.state, row.last_error) == ("rejected", "Gửi nhầm đơn vị nhận.")
    rejected = _statuses(hub)[-1]
    assert (rejected.status_code, rejected.description) == ("02", "Gửi nhầm đơn vị nhận.")


def test_broken_packets_are_refused_and_the_others_still_stored(world, hub):
    ours = world.district.org.agency_code
    store: HubStore = hub.store
    store.put(
        kind="document",
        document_id="000.00.00.H29,2026/09/24,1/X",
        status_code=None,
        from_code=AGENCY.organ_id,
        to_code=ours,
        dedup_key="broken",
        payload=b"<edXML><khong-dong",
    )
    elsewhere = _document(
        world,
        "000.00.00.H29,2026/09/24,2/X",
        to=(edxml.Organisation("003.01.31.H29", "Trường Mầm non Hoa Sen"),),
    )
    store.put(
        kind="document",
        document_id=elsewhere.document_id,
        status_code=None,
        from_code=AGENCY.organ_id,
        to_code=ours,
        dedup_key="elsewhere",
        payload=edxml.build_document(elsewhere),
    )
    _send(hub, _document(world))
    result = receiving.fetch(world.district.org)
    assert (result.documents, result.refused) == (1, 2)
    broken, wrong, good = _inbound(world)
    assert broken.state == "rejected" and "không phải XML hợp lệ" in broken.last_error
    assert wrong.state == "rejected" and "không gửi đến cơ quan này" in wrong.last_error
    assert good.state == "awaiting"
    assert [r.id for r in inbox.awaiting(world.district.clerk)] == [good.id]
    back = {(s.document_id, s.status_code): s for s in _statuses(hub)}
    assert set(back) == {
        ("000.00.00.H29,2026/09/24,1/X", "02"),
        ("000.00.00.H29,2026/09/24,2/X", "02"),
        (DOC_ID, "01"),
    }
    assert "không phải XML hợp lệ" in back[("000.00.00.H29,2026/09/24,1/X", "02")].description
    ours_client = hub.client(ours)
    assert ours_client.pending() == []  # all acknowledged: nothing refused comes back


def test_recall_13_accepted_withdraws_the_registered_document(world, hub):
    district = world.district
    _send(hub, _document(world))
    receiving.fetch(district.org)
    [original] = _inbound(world)
    doc = inbox.register(district.clerk, original.id)
    _send(hub, _recall_status(world))
    assert receiving.fetch(district.org).recalls == 1
    _, recall = _inbound(world)
    assert (recall.state, recall.refers_to_id, recall.status_code) == (
        "awaiting",
        original.id,
        "13",
    )
    assert [r.id for r in inbox.awaiting(district.clerk)] == [recall.id]
    with pytest.raises(Conflict):
        inbox.register(district.clerk, recall.id)

    inbox.accept_recall(district.clerk, recall.id)
    with pytest.raises(Conflict):  # a double click
        inbox.accept_recall(district.clerk, recall.id)
    original, recall = _inbound(world)
    assert (original.state, recall.state) == ("withdrawn", "accepted")
    assert recall.description == "Văn bản ban hành nhầm đối tượng, đề nghị thu hồi."
    incoming = db.session.get(IncomingDocument, doc.id)
    assert incoming.state == "cancelled" and "Thu hồi theo yêu cầu" in incoming.cancel_reason
    answered = _statuses(hub)[-1]
    assert (answered.status_code, answered.document_id) == ("15", DOC_ID)


def test_recall_packet_accepted_before_registration_and_refused(world, hub):
    district = world.district
    second_id = "000.00.00.H29,2026/09/24,3338/SGDĐT-VP"
    _send(hub, _document(world))
    _send(hub, _document(world, second_id, code_number="3338"))
    receiving.fetch(district.org)
    first, second = _inbound(world)
    recall = replace(
        _document(world, "000.00.00.H29,2026/09/25,thuhoi-3337"),
        business=edxml.Business(
            doc_type=edxml.BusinessDocType.RECALL, reason="Ban hành nhầm", document_id=DOC_ID
        ),
    )
    _send(hub, recall)
    _send(hub, _recall_status(world, second_id))
    assert receiving.fetch(district.org).recalls == 2
    _, _, by_packet, by_status = _inbound(world)
    assert (by_packet.refers_to_id, by_packet.document_id) == (first.id, DOC_ID)
    assert by_status.refers_to_id == second.id

    inbox.accept_recall(district.leader, by_packet.id)
    with pytest.raises(ValidationFailed):
        inbox.refuse_recall(district.clerk, by_status.id, "   ")
    inbox.refuse_recall(district.clerk, by_status.id, "Văn bản đã được triển khai.")
    first, second, by_packet, by_status = _inbound(world)
    assert (first.state, second.state) == ("withdrawn", "awaiting")
    assert (by_packet.state, by_status.state) == ("accepted", "refused")
    assert inbox.files(district.clerk, first.id) == []
    assert [r.id for r in inbox.awaiting(district.clerk)] == [second.id]
    answers = {(s.document_id, s.status_code): s for s in _statuses(hub)}
    assert (DOC_ID, "15") in answers
    assert answers[(second_id, "16")].description == "Văn bản đã được triển khai."


def test_a_status_packet_goes_to_feedback(world, hub):
    pytest.importorskip("eoffice.exchange.feedback")
    _send(
        hub,
        edxml.StatusPacket(
            document_id="000.01.31.H29,2026/09/20,01/KH-GDĐT",
            from_=AGENCY,
            to=_ours(world),
            status_code="03",
            timestamp=NOW,
        ),
    )
    assert receiving.fetch(world.district.org).statuses == 1
    [row] = _inbound(world)
    assert row.kind == "status" and row.state in (PacketState.APPLIED, PacketState.UNMATCHED)


def test_an_unreachable_or_unconfigured_hub_is_the_callers_to_record(world, hub):
    hub.kill()
    with pytest.raises(HubUnavailable):
        receiving.fetch(world.district.org)
    with pytest.raises(HubRefused):
        receiving.fetch(world.school_a.org)
