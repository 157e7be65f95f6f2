"""Test data for the district's side of directives (the tracking board, reminders,
exports, roll-up), made through the real services at the moments they happen.

`directive()` drafts a KẾ HOẠCH with its report requests and member recipients, has it
reviewed, approved and signed, and publishes it (the publishing job's service, called
directly): delivery creates the schools' tasks. The schools' side goes through
eoffice.directives.answers (`answer_on`, `read_on`, `acknowledge_on`) and the inbox's
registration (`register`), each at the office date the test names: the clock
(eoffice.core.timeutil.set_clock) is moved there for the step and put back after.

The district office must be able to sign (the `office` fixture equips it). The e-mails
these set-up steps queue (arrival, issue and answer notices) are dropped from the queue:
the tests count the e-mails of the district's steps only.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time

from openpyxl import Workbook
from sqlalchemy import select

from eoffice.core import timeutil
from eoffice.core.timeutil import local_tz
from eoffice.directives import answers
from eoffice.directives.inputs import RequestInput
from eoffice.directives.models import ReportRequest, ReportTask
from eoffice.extensions import db
from eoffice.incoming import processing
from eoffice.incoming.attachments import Upload
from eoffice.incoming.processing import Party
from eoffice.jobs.connection import runner
from eoffice.orgs.models import Organisation, OrgKind, Role, User, UserRole
from eoffice.outgoing import delivery as delivery_service
from eoffice.outgoing import drafting, issuing, review
from eoffice.outgoing.drafting import RecipientInput
from eoffice.outgoing.models import Delivery, OutgoingDocument
from tests import factories

KINDS = (OrgKind.KINDERGARTEN, OrgKind.PRIMARY, OrgKind.LOWER_SECONDARY)
WARDS = ("Phường 1", "Phường 2", "Phường 3")


def many_schools(world, count: int) -> list[Organisation]:
    """`count` member schools: world.school_a and school_b first, then new ones, each
    with a clerk and a leader (and a ward and level, for the filters)."""
    orgs = [world.school_a.org, world.school_b.org]
    world.school_a.org.ward, world.school_b.org.ward = WARDS[0], WARDS[1]
    for n in range(3, count + 1):
        domain = f"truong{n:03d}.hcm.edu.vn"
        kind = KINDS[n % 3]
        org = factories.make_org(
            f"Trường số {n:03d} “Hoa Mai”", kind, f"T{n:03d}", f"{n:03d}.02.31.H29", domain
        )
        org.ward = WARDS[n % 3]
        factories.make_user(org, f"vanthu@{domain}", ["clerk"], f"Văn Thư {n:03d}")
        factories.make_user(org, f"hieutruong@{domain}", ["leader"], f"Hiệu Trưởng {n:03d}")
        factories.make_user(org, f"giaovien@{domain}", ["staff"], f"Giáo Viên {n:03d}")
        orgs.append(org)
    db.session.commit()
    return orgs[:count]


def local_moment(day: date, hour: int = 9) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=local_tz())


@contextmanager
def moment(day: date, hour: int = 9) -> Iterator[None]:
    """The application's clock at `day`, `hour` (office time) for one step, then back to
    whatever the test had set (a fixture's clock, or none)."""
    previous = timeutil._clock
    at = local_moment(day, hour)
    timeutil.set_clock(lambda: at)
    try:
        yield
    finally:
        timeutil.set_clock(previous)


def _drop_setup_mail() -> None:
    runner().connection.flushall()


def directive(
    world,
    schools: list[Organisation],
    deadlines: list[date],
    *,
    number: int = 1,
    day: date = date(2026, 9, 21),
) -> tuple[OutgoingDocument, list[ReportRequest]]:
    """The district's KẾ HOẠCH to `schools`, drafted, approved, signed and published on
    `day`, with one file request per deadline: every school gets its delivery and one
    task per request. `number` is the number the signing must take (a check that the
    test's documents are issued in order)."""
    office = world.district
    requests = [
        RequestInput(f"Gửi kế hoạch của đơn vị (yêu cầu {n})", deadline, "file")
        for n, deadline in enumerate(deadlines, start=1)
    ]
    plan = factories.outgoing_plan(
        world,
        subject=f"Kế hoạch số {number} về ứng dụng công nghệ thông tin",
        requests=requests,
    )
    plan.recipients = [RecipientInput("member", org_id=o.id) for o in schools] + plan.recipients
    with moment(day):
        doc = drafting.create_draft(office.staff, plan)
        review.submit(office.staff, doc.id)
        review.approve(office.clerk, doc.id)
        issuing.sign(office.leader, doc.id)
        issuing.publish(doc.id)  # the queued job's work, done here
    _drop_setup_mail()
    db.session.expire_all()
    doc = db.session.get(OutgoingDocument, doc.id)
    assert doc is not None and doc.number == number, "directives are issued in order"
    made = list(
        db.session.scalars(
            select(ReportRequest)
            .where(ReportRequest.outgoing_id == doc.id)
            .order_by(ReportRequest.position)
        )
    )
    return doc, made


def task_of(request: ReportRequest, org: Organisation) -> ReportTask:
    return (
        db.session.query(ReportTask).filter_by(request_id=request.id, recipient_org_id=org.id).one()
    )


def person(org: Organisation, role: Role) -> User:
    """The school's first active user with `role`."""
    return db.session.scalars(
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(User.org_id == org.id, UserRole.role == role, User.is_active_account.is_(True))
        .order_by(User.id)
    ).first()


def workbook(text: str) -> bytes:
    """A small real XLSX (answers are checked by their bytes)."""
    book = Workbook()
    book.active["A1"] = text
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def answer_on(
    request: ReportRequest,
    org: Organisation,
    on: date,
    *,
    file_name: str = "Báo cáo.xlsx",
    text: str | None = None,
) -> ReportTask:
    """The school's clerk answers a file request on `on` (office date, 09:00): the
    service marks it late when after the task's deadline."""
    task = task_of(request, org)
    data = workbook(f"Báo cáo của {org.name}")
    with moment(on):
        answered = answers.answer(
            person(org, Role.CLERK), task.id, upload=Upload(file_name, data), text=text
        )
    _drop_setup_mail()
    return answered


def delivery_of(doc: OutgoingDocument, org: Organisation) -> Delivery:
    return db.session.query(Delivery).filter_by(outgoing_id=doc.id, recipient_org_id=org.id).one()


def register(doc: OutgoingDocument, org: Organisation, *, assign: bool = False) -> None:
    """The school's clerk registers the delivered copy (03); with `assign`, presents it
    and the leader assigns it to a teacher (04)."""
    clerk = person(org, Role.CLERK)
    incoming = delivery_service.register_delivery(clerk, delivery_of(doc, org).id)
    if assign:
        leader = person(org, Role.LEADER)
        processing.present(clerk, incoming.id, presented_to=leader.id)
        processing.assign(leader, incoming.id, Party(user_id=person(org, Role.STAFF).id))
    _drop_setup_mail()


def read_on(doc: OutgoingDocument, org: Organisation, on: date) -> None:
    """The school's clerk opens the delivered directive on `on`, 08:00."""
    with moment(on, 8):
        assert answers.mark_read(person(org, Role.CLERK), delivery_of(doc, org))


def acknowledge_on(doc: OutgoingDocument, org: Organisation, on: date, note: str) -> None:
    """The school's leader confirms "Đã nhận, đã triển khai" on `on`, 10:00."""
    with moment(on, 10):
        answers.acknowledge(person(org, Role.LEADER), delivery_of(doc, org).id, note)
