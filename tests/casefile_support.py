"""Test data for case files, made through the real services.

`handled_incoming()` registers an incoming document at a school (or the district) and
takes it through presentation, assignment, start and completion, as the clerk, the
leader and the staff member do. `issued_outgoing()` drafts, reviews, signs and publishes
an outgoing document (the office must be equipped for signing: factories.equip_for_signing).
`planned_file()` opens a file outside the yearly list through eoffice.casefiles.files,
the way a handler does when the list has no heading for the case.
"""

from __future__ import annotations

from datetime import date

from eoffice.casefiles.models import CaseFile
from eoffice.casefiles.numbering import next_code
from eoffice.core.timeutil import local_today
from eoffice.extensions import db
from eoffice.incoming import processing
from eoffice.incoming.models import IncomingDocument
from eoffice.incoming.processing import Party
from eoffice.outgoing import drafting, issuing, review
from eoffice.outgoing.models import OutgoingDocument
from tests import factories


def handled_incoming(
    school: factories.School,
    *,
    complete: bool = True,
    subject: str = "Về việc tổ chức Hội khỏe Phù Đổng cấp trường",
    document_date: date | None = None,
    page_count: int | None = 2,
) -> IncomingDocument:
    """An incoming document registered, presented, assigned to the staff member, started
    and (unless `complete=False`) completed."""
    overrides = {"subject": subject, "page_count": page_count}
    if document_date is not None:
        overrides["document_date"] = document_date
    doc = factories.register(school.clerk, **overrides)
    processing.present(school.clerk, doc.id, presented_to=school.leader.id)
    processing.assign(school.leader, doc.id, Party(user_id=school.staff.id))
    processing.start(school.staff, doc.id)
    if complete:
        processing.complete(school.staff, doc.id, "Đã triển khai đến các tổ chuyên môn.")
    db.session.expire_all()
    return db.session.get(IncomingDocument, doc.id)


def issued_outgoing(world, school: factories.School | None = None, **plan) -> OutgoingDocument:
    """An outgoing document of `school` (default: the district), signed and published."""
    office = school or world.district
    plan.setdefault("signer_id", office.leader.id)
    draft = factories.outgoing_plan(world, **plan)
    doc = drafting.create_draft(office.staff, draft)
    review.submit(office.staff, doc.id)
    review.approve(office.clerk, doc.id)
    issuing.sign(office.leader, doc.id)
    issuing.publish(doc.id)
    db.session.expire_all()
    return db.session.get(OutgoingDocument, doc.id)


def file_outside_list(
    school: factories.School,
    title: str = "Hồ sơ tổ chức Hội khỏe Phù Đổng năm học 2026 - 2027",
    *,
    retention: str = "10",
    notation: str = "VP",
    keeper=None,
) -> CaseFile:
    """An open file outside the list, numbered as eoffice.casefiles.numbering numbers it."""
    keeper = keeper or school.staff
    year = local_today().year
    number, notation, code = next_code(school.org.id, year, notation=notation)
    case_file = CaseFile(
        org_id=school.org.id,
        year=year,
        number=number,
        notation=notation,
        code=code,
        title=title,
        retention_code=retention,
        keeper_id=keeper.id,
        state="open",
        in_list=False,
        start_date=local_today(),
        created_by_id=keeper.id,
        opened_by_id=keeper.id,
    )
    db.session.add(case_file)
    db.session.commit()
    return case_file
