"""The sweeper puts back on the queue the exchange sends whose job is gone (Redis lost
it, or the enqueue after the commit failed), and leaves alone those with a live job or
queued too recently. The worker killed mid-send is test_exchange_faults' (real processes)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from eoffice.exchange import forwarding, outbox
from eoffice.exchange.edxml import build_document
from eoffice.exchange.models import PacketKind
from eoffice.exchange.sweeper import THRESHOLD, requeue_stuck
from eoffice.extensions import db
from eoffice.jobs.connection import runner
from eoffice.outgoing import issuing
from eoffice.outgoing.models import OutgoingDocument
from tests.exchange_support import a_document, signed_to_outside
from tests.integration.test_outgoing_flow import NOW

AGENCY_CODE = "000.00.00.H29"
LATER = NOW + THRESHOLD + timedelta(minutes=1)


pytestmark = pytest.mark.usefixtures("exchange_clock", "empty_queues")  # conftest's


def _queued_jobs() -> list[tuple[str, tuple]]:
    return [(job.func_name, tuple(job.args)) for job in runner().queues["high"].jobs]


def _published_delivery(world) -> int:
    """A document issued to the Sở (listed: `agency_listed`) and published: queued."""
    doc = signed_to_outside(world, [AGENCY_CODE])
    runner().connection.flushall()  # publishing here, not by its job
    issuing.publish(doc.id)
    [delivery] = db.session.get(OutgoingDocument, doc.id).deliveries
    assert delivery.exchange_state == "queued"
    return delivery.id


def test_a_delivery_whose_job_was_lost_is_queued_again_once(office, agency_listed):
    world, _ = office
    delivery_id = _published_delivery(world)
    job = (forwarding.TASK, (delivery_id,))
    assert _queued_jobs() == [job]
    assert requeue_stuck(LATER) == 0  # its job waits in the queue

    runner().connection.flushall()  # Redis restarted without its data
    assert requeue_stuck(NOW + timedelta(minutes=1)) == 0  # too recent to judge
    assert requeue_stuck(LATER) == 1
    assert _queued_jobs() == [job]
    assert runner().queues["high"].jobs[0].retries_left == len(forwarding.RETRY_INTERVALS)
    assert requeue_stuck(LATER) == 0  # idempotent: the new job is live

    forwarding.forward(delivery_id, last_try=True)  # no hub configured: failed for good
    runner().connection.flushall()
    assert requeue_stuck(LATER) == 0  # only queued rows are swept


def test_an_outbound_packet_whose_job_was_lost_is_queued_again(world):
    district = world.district
    row = outbox.queue_packet(
        district.org,
        build_document(a_document()),
        kind=PacketKind.DOCUMENT,
        document_id="000.00.31.H29,2026/09/25,01/KH-GDĐT",
        to_code=AGENCY_CODE,
    )
    db.session.commit()
    runner().connection.flushall()  # the enqueue after the commit never reached Redis
    assert requeue_stuck(LATER) == 1
    assert _queued_jobs() == [(outbox.TASK, (row.id,))]
    assert requeue_stuck(LATER) == 0
