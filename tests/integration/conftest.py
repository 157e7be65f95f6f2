"""Fixtures shared by several integration test files: a real SMTP server, a school crew,
the district office equipped for signing, and the exchange's hub, clock and queues."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from aiosmtpd.controller import Controller

from eoffice.core import timeutil
from eoffice.exchange.settings import SettingsInput, save_settings
from eoffice.extensions import db
from eoffice.incoming import processing
from eoffice.incoming.processing import Party
from eoffice.jobs.connection import runner
from eoffice.orgs.models import OrgKind
from eoffice.orgs.services import OrganisationData, create_unit, save_organisation
from eoffice.signing.certificates import make_test_ca
from tests import factories
from tests.exchange_support import (
    AGENCY,
    HUB_SECRET_AGENCY,
    HUB_SECRET_DISTRICT,
    WHEN,
    RunningHub,
)
from tests.smtp import Collector, free_port


@pytest.fixture
def smtp() -> Iterator[tuple[Collector, int]]:
    """A real SMTP server on loopback: (what it received, its port)."""
    collector = Collector()
    controller = Controller(collector, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield collector, controller.port
    finally:
        controller.stop()


@pytest.fixture
def outbox(smtp) -> Collector:
    return smtp[0]


@pytest.fixture
def crew(world):
    """School A with a maths unit (its head is a deputy principal, plus a teacher) and a
    document assigned: lead the maths unit, coordinator the staff member, informed the admin."""
    school = world.school_a
    maths = create_unit(school.org.id, "Tổ Toán", "TT")
    head = factories.make_user(
        school.org, "totruong@thleloi.hcm.edu.vn", ["deputy"], "Hồ Tổ Trưởng", maths
    )
    teacher = factories.make_user(
        school.org, "giaovientoan@thleloi.hcm.edu.vn", ["staff"], "Mai Giáo Viên Toán", maths
    )
    db.session.commit()
    doc = factories.register(school.clerk, confidentiality_code="secret")
    processing.present(school.clerk, doc.id, presented_to=school.leader.id)
    processing.assign(
        school.leader,
        doc.id,
        Party(unit_id=maths.id),
        [Party(user_id=school.staff.id)],
        [Party(user_id=school.admin.id)],
        deadline=date(2026, 10, 9),
    )
    return school, maths, head, teacher, doc.id


@pytest.fixture(scope="module")
def test_ca():
    return make_test_ca("CA thử nghiệm eoffice")


@pytest.fixture
def office(world, test_ca):
    """The district office with its head's and its own certificates, and a fourth school."""
    district = world.district
    district.org.place_name = "Quận Thử"
    school_c = factories.make_school(
        "Trường Mầm non Hoa Sen", "kindergarten", "MNHS", "003.01.31.H29", "mnhoasen.hcm.edu.vn"
    )
    db.session.commit()
    factories.equip_for_signing(district, test_ca)
    return world, school_c


# --- The inter-agency exchange ---------------------------------------------------------
# Exchange test modules take the first two with
# `pytestmark = pytest.mark.usefixtures("exchange_clock", "empty_queues")`.


@pytest.fixture
def exchange_clock(app) -> Iterator[None]:
    """The application's clock stopped at WHEN (Friday 25/09/2026, 09:00 office time)."""
    timeutil.set_clock(lambda: WHEN)
    yield
    timeutil.set_clock(None)


@pytest.fixture
def empty_queues(app) -> None:
    """No job left in Redis by an earlier test."""
    runner().connection.flushall()


@pytest.fixture
def idle_hub(tmp_path, world) -> Iterator[RunningHub]:
    """A hub that knows the district office and the Sở (AGENCY), with the district's
    exchange settings pointing at it, but DOWN until the test calls `start()`."""
    district = world.district
    running = RunningHub(tmp_path / "hub.db")
    running.add_agency(district.org.agency_code, district.org.name, HUB_SECRET_DISTRICT)
    running.add_agency(AGENCY.organ_id, AGENCY.organ_name, HUB_SECRET_AGENCY)
    save_settings(
        district.admin,
        SettingsInput(hub_url=running.url, secret=HUB_SECRET_DISTRICT, enabled=True),
    )
    yield running
    running.stop()


@pytest.fixture
def hub(idle_hub) -> RunningHub:
    """The same hub, running (a module may override `hub` with its own)."""
    return idle_hub.start()


@pytest.fixture
def agency_listed(office) -> None:
    """The Sở (AGENCY) in the directory as an outside organisation: the district office
    (equipped for signing) can issue to it."""
    save_organisation(
        OrganisationData(
            name=AGENCY.organ_name,
            kind=OrgKind.EXTERNAL,
            agency_code=AGENCY.organ_id,
            is_member=False,
        )
    )
    db.session.commit()
