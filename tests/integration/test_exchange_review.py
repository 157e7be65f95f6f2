"""Defects found reviewing the exchange (issue 5), each pinned by a test: a packet the hub
delivers with the same bytes to two of our offices is never lost to a concurrent store
of those bytes; a recall cannot be accepted once the document is filed (we would say
15 and keep it); a recall stored before its document still withdraws it; the recall
page says the recalled document's state in Vietnamese; the compliance board's queries
do not grow with the number of schools."""

from __future__ import annotations

import hashlib
import threading

import pytest
from sqlalchemy import event, select, text

from eoffice.core.errors import Conflict
from eoffice.core.timeutil import now_utc
from eoffice.exchange import checks, inbox, receiving
from eoffice.exchange.client import HubClient
from eoffice.exchange.models import ExchangePacket, PacketDirection, PacketState
from eoffice.exchange.settings import SettingsInput, save_settings
from eoffice.extensions import db
from eoffice.incoming import processing
from eoffice.incoming.models import IncomingDocument
from eoffice.incoming.processing import Party
from eoffice.orgs.models import OrgKind
from tests import factories
from tests.integration.test_exchange_receiving import (
    DOC_ID,
    _document,
    _inbound,
    _ours,
    _recall_status,
    _send,
    _statuses,
)

pytestmark = pytest.mark.usefixtures("exchange_clock", "empty_queues")  # conftest's

SCHOOL_SECRET = "khoa-bi-mat-cua-truong-le-loi"


def _school_on_the_hub(world, hub) -> HubClient:
    school = world.school_a
    hub.add_agency(school.org.agency_code, school.org.name, SCHOOL_SECRET)
    save_settings(school.admin, SettingsInput(hub_url=hub.url, secret=SCHOOL_SECRET, enabled=True))
    return hub.client(school.org.agency_code)


def _school_packets(world) -> list[ExchangePacket]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(ExchangePacket).where(
                ExchangePacket.org_id == world.school_a.org.id,
                ExchangePacket.direction == PacketDirection.IN,
            )
        )
    )


@pytest.mark.postgres
def test_same_bytes_stored_at_once_for_another_office_never_lose_the_packet(
    app, world, hub, postgres_only
):
    """The hub gives every recipient the same stamped bytes, so the district's check and
    the school's check store the same file at the same moment: the school's unique-key
    clash on the file must not pass for "this packet is already ours" (acknowledged and
    lost)."""
    school_hub = _school_on_the_hub(world, hub)
    school = world.school_a
    _send(hub, _document(world, to=(_ours(world), edxml_org(school.org))))
    [pending] = school_hub.pending()
    digest = hashlib.sha256(school_hub.fetch(pending.id)).hexdigest()

    other = db.engine.connect()  # the district's check, not yet committed
    other_tx = other.begin()
    other.execute(
        text(
            "INSERT INTO stored_files (sha256, size, mime_type, kind, created_at) "
            "VALUES (:sha, 1, 'application/xml', 'edxml', now())"
        ),
        {"sha": digest},
    )
    errors: list[BaseException] = []

    def school_check() -> None:
        with app.app_context():
            try:
                receiving.fetch(db.session.get(type(school.org), school.org.id))
            except BaseException as exc:  # reported below
                errors.append(exc)
            finally:
                db.session.remove()

    worker = threading.Thread(target=school_check)
    worker.start()
    with db.engine.connect() as probe:  # wait until the school's insert waits on ours
        while worker.is_alive():
            waiting = probe.execute(
                text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")
            ).scalar()
            probe.commit()
            if waiting:
                break
    other_tx.commit()
    other.close()
    worker.join(timeout=60)
    assert not errors, errors
    stored = _school_packets(world)
    assert [p.state for p in stored] == ["awaiting"] or school_hub.pending() != []


def edxml_org(org):
    from eoffice.exchange import edxml

    return edxml.Organisation(org.agency_code, org.name)


def _registered(world, hub) -> tuple[ExchangePacket, IncomingDocument]:
    district = world.district
    _send(hub, _document(world))
    receiving.fetch(district.org)
    [row] = _inbound(world)
    doc = inbox.register(district.clerk, row.id)
    return row, doc


def test_a_recall_cannot_be_accepted_once_the_document_is_filed(world, hub):
    district = world.district
    _, doc = _registered(world, hub)
    processing.present(district.clerk, doc.id, presented_to=district.leader.id)
    processing.assign(district.leader, doc.id, Party(user_id=district.staff.id))
    processing.start(district.staff, doc.id)
    processing.complete(district.staff, doc.id, "Đã triển khai.")
    processing.file(district.clerk, doc.id)
    _send(hub, _recall_status(world))
    receiving.fetch(district.org)
    _, recall = _inbound(world)

    with pytest.raises(Conflict) as refused:
        inbox.accept_recall(district.clerk, recall.id)
    assert "lập hồ sơ" in refused.value.message and "từ chối thu hồi" in refused.value.message
    original, recall = _inbound(world)
    assert (original.state, recall.state) == ("registered", "awaiting")
    assert "15" not in [s.status_code for s in _statuses(hub)]
    inbox.refuse_recall(district.clerk, recall.id, "Văn bản đã được lập hồ sơ.")
    assert _statuses(hub)[-1].status_code == "16"


def test_a_recall_stored_before_its_document_still_withdraws_it(world, hub):
    district = world.district
    _send(hub, _recall_status(world))  # the hub lists it first
    _send(hub, _document(world))
    result = receiving.fetch(district.org)
    assert (result.recalls, result.documents) == (1, 1)
    recall, original = _inbound(world)
    assert recall.refers_to_id is None  # the document was not there yet

    inbox.accept_recall(district.clerk, recall.id)
    recall, original = _inbound(world)
    assert (recall.state, recall.refers_to_id) == ("accepted", original.id)
    assert original.state == "withdrawn"
    assert inbox.awaiting(district.clerk) == []


def test_the_recall_page_names_the_recalled_documents_state_in_vietnamese(app, world, hub):
    district = world.district
    _send(hub, _document(world))
    receiving.fetch(district.org)
    [original] = _inbound(world)
    inbox.reject(district.clerk, original.id, "Gửi nhầm đơn vị nhận.")
    _send(hub, _recall_status(world))
    receiving.fetch(district.org)
    _, recall = _inbound(world)
    client = app.test_client()
    factories.login(client, district.clerk)
    page = client.get(f"/exchange/inbox/{recall.id}").get_data(as_text=True)
    assert "(đã từ chối tiếp nhận)" in page and "(rejected)" not in page


def _board_queries(viewer) -> int:
    statements: list[str] = []

    def count(conn, cursor, statement, *args) -> None:
        statements.append(statement)

    db.session.expire_all()
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        board = checks.compliance(viewer, now_utc().date().replace(day=1))
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(board.rows) > 1
    return len(statements)


def test_the_compliance_board_costs_the_same_queries_for_more_schools(app, world):
    district = world.district
    for n in range(3):
        factories.make_org(
            f"Trường Mầm non Số {n}", OrgKind.KINDERGARTEN, f"MN{n}", None, f"mn{n}.edu.vn"
        )
    db.session.commit()
    _board_queries(district.leader)  # caches filled (the office calendar)
    few = _board_queries(district.leader)
    for n in range(3, 13):
        factories.make_org(
            f"Trường Mầm non Số {n}", OrgKind.KINDERGARTEN, f"MN{n}", None, f"mn{n}.edu.vn"
        )
    db.session.commit()
    many = _board_queries(district.leader)
    assert many == few


def test_accepting_a_recall_rereads_the_document_another_clerk_just_registered(app, world, hub):
    """The recall page was opened while the document awaited; another clerk registers it
    (another request, its own session) before the recall is accepted: the register entry
    is withdrawn, never left open behind a 15."""
    district = world.district
    _send(hub, _document(world))
    receiving.fetch(district.org)
    [original] = _inbound(world)
    _send(hub, _recall_status(world))
    receiving.fetch(district.org)
    _, recall = _inbound(world)
    assert recall.refers_to.state == PacketState.AWAITING  # what this session has read

    with app.app_context():  # the other clerk's request
        clerk = db.session.get(type(district.clerk), district.clerk.id)
        doc_id = inbox.register(clerk, original.id).id
        db.session.remove()

    inbox.accept_recall(district.clerk, recall.id)
    original, recall = _inbound(world)
    assert (original.state, recall.state) == ("withdrawn", "accepted")
    assert db.session.get(IncomingDocument, doc_id).state == "cancelled"
    assert DOC_ID in {s.document_id for s in _statuses(hub) if s.status_code == "15"}
