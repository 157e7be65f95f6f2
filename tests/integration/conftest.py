"""Fixtures shared by several integration test files: a real SMTP server, a school crew."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from aiosmtpd.controller import Controller

from eoffice.extensions import db
from eoffice.incoming import processing
from eoffice.incoming.processing import Party
from eoffice.orgs.services import create_unit
from eoffice.signing.certificates import make_test_ca
from tests import factories
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
