"""Arrival numbers under concurrency: never a duplicate, never a gap (PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from eoffice.extensions import db
from eoffice.incoming.models import IncomingDocument
from eoffice.incoming.services import register_incoming
from eoffice.orgs.models import User
from tests import factories

THREADS = 24
PER_THREAD = 5


@pytest.fixture
def app_config(app_config):
    """One connection per clerk thread, as a multi-worker deployment would have."""
    return {**app_config, "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": THREADS + 2}}


@pytest.mark.postgres
def test_many_clerks_register_into_one_book_at_once(app, world, postgres_only):
    clerk_id = world.school_a.clerk.id
    other_clerk = factories.make_user(
        world.school_a.org, "vanthu2@thleloi.hcm.edu.vn", ["clerk"], "Võ Thị Văn Thư Hai"
    )
    db.session.commit()
    clerk_ids = [clerk_id, other_clerk.id]
    type_id = factories.type_id()
    start = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def work(worker: int) -> None:
        with app.app_context():
            try:
                clerk = db.session.get(User, clerk_ids[worker % 2])
                start.wait(timeout=30)
                for i in range(PER_THREAD):
                    register_incoming(
                        clerk,
                        factories.incoming_input(
                            symbol=f"{worker * 100 + i}/UBND-VP", document_type_id=type_id
                        ),
                        [],
                    )
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

    numbers = db.session.scalars(
        select(IncomingDocument.arrival_number).where(
            IncomingDocument.org_id == world.school_a.org.id
        )
    ).all()
    total = THREADS * PER_THREAD
    assert sorted(numbers) == list(range(1, total + 1))
    book_ids = set(
        db.session.scalars(
            select(IncomingDocument.register_book_id).where(
                IncomingDocument.org_id == world.school_a.org.id
            )
        )
    )
    assert len(book_ids) == 1


@pytest.mark.postgres
def test_a_failed_registration_rolls_the_counter_back(app, world, postgres_only):
    from eoffice.catalog.models import RegisterBook
    from eoffice.core.errors import ValidationFailed
    from eoffice.incoming.attachments import Upload

    clerk = world.school_a.clerk
    factories.register(clerk, symbol="1/A")
    with pytest.raises(ValidationFailed):
        factories.register(clerk, symbol="2/A", uploads=[Upload("x.pdf", b"not a pdf")])
    book = db.session.scalars(
        select(RegisterBook).where(RegisterBook.org_id == clerk.org_id)
    ).first()
    db.session.refresh(book)
    assert book.last_number == 1
    assert factories.register(clerk, symbol="3/A").arrival_number == 2
