"""Outgoing numbers under concurrency: signers signing at once never share or skip a
number (PostgreSQL, one connection per thread as a multi-worker deployment has)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from eoffice.extensions import db
from eoffice.orgs.models import User
from eoffice.outgoing import drafting, issuing, review
from eoffice.outgoing.models import OutgoingDocument
from tests import factories
from tests.integration.test_outgoing_flow import fixed_clock  # noqa: F401

THREADS = 12
PER_THREAD = 2


@pytest.fixture
def app_config(app_config):
    return {**app_config, "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": THREADS + 2}}


@pytest.mark.postgres
def test_signing_at_once_gives_one_number_each_without_gaps(app, office, postgres_only):
    world, _ = office
    district = world.district
    ready = []
    for _ in range(THREADS * PER_THREAD):
        doc = drafting.create_draft(district.staff, factories.outgoing_plan(world, world.school_a))
        review.submit(district.staff, doc.id)
        review.approve(district.clerk, doc.id)
        ready.append(doc.id)
    signer_id = district.leader.id
    start = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def work(worker: int) -> None:
        with app.app_context():
            try:
                signer = db.session.get(User, signer_id)
                start.wait(timeout=30)
                for doc_id in ready[worker::THREADS]:
                    issuing.sign(signer, doc_id)
            except BaseException as exc:  # reported below, never swallowed
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors[:3]
    rows = db.session.execute(
        select(OutgoingDocument.number, OutgoingDocument.symbol).where(
            OutgoingDocument.org_id == district.org.id
        )
    ).all()
    total = THREADS * PER_THREAD
    assert sorted(number for number, _ in rows) == list(range(1, total + 1))
    assert len({symbol for _, symbol in rows}) == total
