"""Test data for the district's side of directives (the tracking board, reminders,
exports, roll-up), until dispatching and answering land as services.

TEMPORARY: `directive()` issues the document as the signing step leaves it and delivers
it with the real `eoffice.outgoing.delivery.deliver`, then inserts the ReportRequest and
one ReportTask per member school directly; `answer_directly`, `register_directly`,
`read_directly` and `acknowledge_directly` write what the school's services will write.
The lead switches these to eoffice.directives (dispatch, answers) once they are in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from eoffice.catalog.numbering import get_or_create_book
from eoffice.core.models import StoredFile
from eoffice.core.timeutil import local_tz
from eoffice.directives.models import ReportRequest, ReportTask, TaskState
from eoffice.extensions import db
from eoffice.incoming.attachments import file_store
from eoffice.orgs.models import Organisation, OrgKind
from eoffice.outgoing import delivery as delivery_service
from eoffice.outgoing.models import (
    Delivery,
    DeliveryStatus,
    OutgoingDocument,
    OutgoingRecipient,
    RecipientKind,
)
from tests import factories
from workflows import outgoing as outgoing_flow

KINDS = (OrgKind.KINDERGARTEN, OrgKind.PRIMARY, OrgKind.LOWER_SECONDARY)
WARDS = ("Phường 1", "Phường 2", "Phường 3")


@dataclass
class Schools:
    """The schools a directive goes to: Organisation rows plus their people."""

    orgs: list[Organisation]
    people: dict[int, factories.School | None]


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


def directive(
    world,
    schools: list[Organisation],
    deadlines: list[date],
    *,
    number: int = 1,
    day: date = date(2026, 9, 21),
) -> tuple[OutgoingDocument, list[ReportRequest]]:
    """An issued KẾ HOẠCH of the district to `schools`, delivered, with one request per
    deadline and a task per school and request (TEMPORARY direct inserts)."""
    office = world.district
    book = get_or_create_book(office.org.id, "outgoing", "general", day.year)
    doc = OutgoingDocument(
        org_id=office.org.id,
        drafter_id=office.staff.id,
        drafting_unit_id=office.unit.id,
        document_type_id=factories.type_id("Kế hoạch"),
        subject=f"Kế hoạch số {number} về ứng dụng công nghệ thông tin",
        signer_id=office.leader.id,
        urgency_code="normal",
        confidentiality_code="normal",
        state=outgoing_flow.ISSUED,
        register_book_id=book.id,
        number=number,
        symbol=f"{number:02d}/KH-GDĐT",
        document_date=day,
        issued_at=datetime.combine(day, time(2, 0), tzinfo=UTC),
    )
    doc.recipients = [
        OutgoingRecipient(position=i, kind=RecipientKind.MEMBER, org_id=o.id, name=o.name)
        for i, o in enumerate(schools)
    ]
    db.session.add(doc)
    db.session.flush()
    created = delivery_service.deliver(doc)
    db.session.flush()
    requests = []
    for position, deadline in enumerate(deadlines, start=1):
        request = ReportRequest(
            outgoing_id=doc.id,
            position=position,
            what=f"Gửi kế hoạch của đơn vị (yêu cầu {position})",
            deadline=deadline,
            answer_form="file",
        )
        db.session.add(request)
        db.session.flush()
        db.session.add_all(
            ReportTask(
                request_id=request.id,
                recipient_org_id=d.recipient_org_id,
                delivery_id=d.id,
                deadline=deadline,
                state=TaskState.OPEN,
            )
            for d in created
        )
        requests.append(request)
    db.session.commit()
    return doc, requests


def task_of(request: ReportRequest, org: Organisation) -> ReportTask:
    return (
        db.session.query(ReportTask).filter_by(request_id=request.id, recipient_org_id=org.id).one()
    )


def local_moment(day: date, hour: int = 9) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=local_tz())


def answer_directly(
    request: ReportRequest,
    org: Organisation,
    on: date,
    *,
    data: bytes | None = None,
    file_name: str = "Báo cáo.xlsx",
    text: str | None = None,
) -> ReportTask:
    """The school's answer on `on` (office date), late when after its task's deadline."""
    task = task_of(request, org)
    task.state = TaskState.ANSWERED
    task.answered_at = local_moment(on)
    task.late = on > task.deadline
    task.answer_text = text
    if data is not None:
        digest = file_store().put(data)
        stored = db.session.query(StoredFile).filter_by(sha256=digest).first()
        if stored is None:
            stored = StoredFile(
                sha256=digest, size=len(data), mime_type="application/octet-stream", kind="other"
            )
            db.session.add(stored)
            db.session.flush()
        task.answer_file_id = stored.id
        task.answer_file_name = file_name
    db.session.commit()
    return task


def delivery_of(doc: OutgoingDocument, org: Organisation) -> Delivery:
    return db.session.query(Delivery).filter_by(outgoing_id=doc.id, recipient_org_id=org.id).one()


def register_directly(doc: OutgoingDocument, org: Organisation, *, assign: bool = False) -> None:
    d = delivery_of(doc, org)
    delivery_service._set_status(d, DeliveryStatus.REGISTERED, actor_id=None)
    if assign:
        delivery_service._set_status(d, DeliveryStatus.ASSIGNED, actor_id=None)
    db.session.commit()


def read_directly(doc: OutgoingDocument, org: Organisation, on: date) -> None:
    delivery_of(doc, org).first_read_at = local_moment(on, 8)
    db.session.commit()


def acknowledge_directly(doc: OutgoingDocument, org: Organisation, on: date, note: str) -> None:
    d = delivery_of(doc, org)
    d.acknowledged_at = local_moment(on, 10)
    d.acknowledgement_note = note
    db.session.commit()
