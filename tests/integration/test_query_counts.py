"""No N+1: the number of SQL statements of a page does not grow with its rows.

Each page is rendered twice, once with a few rows and once with many more (documents
with attachments, parts, recipients, reviews; files with keepers and documents), each
row touching other related rows (units, users, books) than the others, and the two
counts must be equal: a relation loaded row by row would add statements with the rows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

import lxml.html
import pytest
from sqlalchemy import event

from eoffice.casefiles import files as casefiles
from eoffice.core import timeutil
from eoffice.extensions import db
from eoffice.incoming import discussion, processing
from eoffice.incoming.attachments import Upload
from eoffice.incoming.processing import Party
from eoffice.orgs.services import create_unit
from eoffice.outgoing import drafting, issuing, review
from eoffice.outgoing.drafting import RecipientInput
from tests import casefile_support, factories

NOW = datetime(2026, 9, 25, 2, 0, tzinfo=UTC)  # Friday 25/09/2026, 09:00 office time
FEW, MANY = 5, 40
PEOPLE = 8  # units and staff members the rows are spread over


@pytest.fixture(autouse=True)
def fixed_clock(app):
    timeutil.set_clock(lambda: NOW)
    yield
    timeutil.set_clock(None)


class Counter:
    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, conn, cursor, statement, *args) -> None:
        self.statements.append(statement)


@dataclass
class Visit:
    statements: list[str]
    rows: int  # the rows of the page's list (<tbody><tr>)


def visit(client, url: str) -> Visit:
    """One GET of `url` (which must succeed): its SQL statements and the rows listed."""
    counter = Counter()
    event.listen(db.engine, "before_cursor_execute", counter)
    try:
        response = client.get(url)
    finally:
        event.remove(db.engine, "before_cursor_execute", counter)
    assert response.status_code == 200, url
    page = lxml.html.fromstring(response.get_data(as_text=True))
    return Visit(counter.statements, len(page.xpath("//table/tbody/tr")))


def signed_in(client, user):
    """A client of the same app signed in as `user` (a signed-in client's login page
    would keep its first user)."""
    other = client.application.test_client()
    factories.login(other, user)
    return other


def visits(client, users: Sequence, urls: Sequence[str]) -> dict[tuple[str, str], Visit]:
    found = {}
    for user in users:
        browser = signed_in(client, user)
        for url in urls:
            found[user.email, url] = visit(browser, url)
    return found


def assert_constant(
    client, users: Sequence, urls: Sequence[str], grow: Callable[[], None]
) -> dict[tuple[str, str], Visit]:
    """Each user's page of `urls` takes as many statements before `grow()` as after it
    (and as many on a second visit: nothing is cached between requests). Returns the
    visits after growing, for checks that the pages really list more rows."""
    before = visits(client, users, urls)
    again = visits(client, users, urls)
    grow()
    db.session.expire_all()
    after = visits(client, users, urls)
    for key, first in before.items():
        assert len(again[key].statements) == len(first.statements), key
        assert len(after[key].statements) == len(first.statements), (
            key,
            _diff(first.statements, after[key].statements),
        )
    return after


def _diff(before: list[str], after: list[str]) -> list[str]:
    """The statements only the larger page ran (what to look at when it fails)."""
    seen = list(before)
    extra = []
    for statement in after:
        if statement in seen:
            seen.remove(statement)
        else:
            extra.append(statement[:200])
    return extra


def assert_same(client, users: Sequence, small: str, big: str) -> None:
    """Two pages of the same kind take as many statements, the second with more rows."""
    for user in users:
        browser = signed_in(client, user)
        few, many = visit(browser, small).statements, visit(browser, big).statements
        assert len(many) == len(few), (user.email, small, big, _diff(few, many))


@pytest.fixture
def signing(world, test_ca):
    """The district office can sign (its head's and its own certificates)."""
    factories.equip_for_signing(world.district, test_ca)


@pytest.fixture
def crew(world):
    """School A with PEOPLE units, each with a staff member: the rows' varied relations."""
    school = world.school_a
    units, people = [], []
    for n in range(PEOPLE):
        unit = create_unit(school.org.id, f"Tổ {n}", f"T{n}")
        units.append(unit)
        people.append(
            factories.make_user(
                school.org, f"gv{n}@thleloi.hcm.edu.vn", ["staff"], f"Giáo Viên {n}", unit
            )
        )
    db.session.commit()
    return school, units, people


# Incoming ---------------------------------------------------------------------------


def _incoming(school, units, people, start: int, n: int, files: int = 1) -> list[int]:
    """n documents, each with `files` files, presented and assigned to a unit (lead), a person
    (coordinator) and another unit (informed), for different units and people."""
    ids = []
    for i in range(start, start + n):
        unit, person = units[i % PEOPLE], people[i % PEOPLE]
        doc = factories.register(
            school.clerk,
            [Upload(f"Tệp {i}-{k}.pdf", factories.pdf_bytes(f"Tệp {i}-{k}")) for k in range(files)],
            subject=f"Văn bản số {i} về công tác chuyên môn",
            symbol=f"{i}/SGDĐT",
            recipient_unit_id=unit.id,
            urgency_code="urgent" if i % 3 else "normal",
        )
        processing.present(school.clerk, doc.id, presented_to=school.leader.id)
        processing.assign(
            school.leader,
            doc.id,
            Party(unit_id=unit.id),
            [Party(user_id=person.id)],
            [Party(unit_id=units[(i + 1) % PEOPLE].id)],
            deadline=date(2026, 10, 1 + i % 20),
        )
        ids.append(doc.id)
    return ids


def test_the_register_and_the_home_page(client, crew):
    school, units, people = crew
    _incoming(school, units, people, 0, FEW)
    urls = ["/incoming", "/incoming?q=van+ban+chuyen+mon", "/incoming?urgent_only=1", "/"]
    after = assert_constant(
        client,
        (school.clerk, school.leader),
        urls,
        lambda: _incoming(school, units, people, FEW, MANY - FEW),
    )
    assert after[school.clerk.email, "/incoming"].rows == MANY
    assert after[school.leader.email, "/incoming?q=van+ban+chuyen+mon"].rows == MANY


def test_the_handler_home_page_and_lists(client, crew):
    school, units, people = crew
    _incoming(school, units, people, 0, FEW)
    after = assert_constant(
        client,
        people[:2],
        ["/", "/incoming?mine=1", "/incoming"],
        lambda: _incoming(school, units, people, FEW, MANY - FEW),
    )
    # Lead (through the unit) and coordinator of every eighth document.
    assert after[people[0].email, "/incoming?mine=1"].rows == MANY // PEOPLE


def test_the_incoming_document_page(client, crew):
    """A document with one file, one part of each kind, a comment and progress with a
    result file, and one with four files, five coordinators, three units informed,
    progress with three result files and comments from many people: the same
    statements."""
    school, units, people = crew
    (small,) = _incoming(school, units, people, 0, 1)
    (big,) = _incoming(school, units, people, 1, 1, files=4)
    plans = (
        (small, people[0], people[1:2], units[2:3], 1),
        (big, people[1], people[2:7], units[3:6], 3),
    )
    for doc_id, lead, coordinators, informed, files in plans:
        processing.reassign(
            school.leader,
            doc_id,
            Party(user_id=lead.id),
            "Giao lại cho một người",
            [Party(user_id=p.id) for p in coordinators],
            [Party(unit_id=u.id) for u in informed],
        )
        for person in (school.leader, lead, *coordinators):
            discussion.comment(person, doc_id, f"Ý kiến của {person.full_name}")
        processing.start(lead, doc_id)
        uploads = [
            Upload(f"Biên bản {k}.pdf", factories.pdf_bytes(f"Biên bản {k}")) for k in range(files)
        ]
        processing.record_progress(lead, doc_id, "Đã họp tổ", 50, uploads)
    assert_same(
        client, (school.leader, school.clerk, people[1]), f"/incoming/{small}", f"/incoming/{big}"
    )
    assert_constant(
        client,
        (school.leader,),
        [f"/incoming/{small}", f"/incoming/{big}"],
        lambda: _incoming(school, units, people, 2, MANY),
    )


# Outgoing ---------------------------------------------------------------------------


def _outgoing(world, start: int, n: int, *, issue: bool) -> list[int]:
    """n documents of the district, drafted by its staff member to a varying set of
    schools, submitted; issued if `issue`."""
    district = world.district
    schools = (world.school_a, world.school_b)
    ids = []
    for i in range(start, start + n):
        plan = factories.outgoing_plan(
            world,
            *schools[: 1 + i % 2],
            subject=f"Kế hoạch số {i} về công tác chuyên môn",
            urgency_code="urgent" if i % 3 else "normal",
        )
        doc = drafting.create_draft(district.staff, plan)
        review.submit(district.staff, doc.id)
        if issue:
            review.approve(district.clerk, doc.id)
            issuing.sign(district.leader, doc.id)
        ids.append(doc.id)
    return ids


def test_the_outgoing_tabs(client, world, signing):
    """The drafter's drafts, the reviewer's waiting list and everyone's issued list."""
    district = world.district
    _outgoing(world, 0, FEW, issue=False)
    _outgoing(world, 100, FEW, issue=True)
    tabs = [
        "/outgoing?tab=drafts",
        "/outgoing?tab=drafts&closed=1",
        "/outgoing?tab=waiting",
        "/outgoing?tab=issued",
    ]

    def grow() -> None:
        _outgoing(world, FEW, MANY - FEW, issue=False)
        _outgoing(world, 100 + FEW, MANY - FEW, issue=True)

    after = assert_constant(client, (district.staff, district.clerk), tabs, grow)
    assert after[district.staff.email, "/outgoing?tab=drafts"].rows == MANY  # submitted
    assert after[district.clerk.email, "/outgoing?tab=waiting"].rows == MANY  # to approve
    assert after[district.staff.email, "/outgoing?tab=issued"].rows == MANY


def test_the_outgoing_document_page(client, world, signing):
    """An issued document to one school with one file, and one to six schools and five
    other lines with three files, both published (deliveries and their events): the
    same statements."""
    district = world.district
    more = [
        factories.make_org(f"Trường Tiểu học Số {n}", "primary", f"TH{n}", None, f"th{n}.edu.vn")
        for n in range(4)
    ]
    db.session.commit()

    def issued(plan, uploads=None) -> int:
        doc = drafting.create_draft(district.staff, plan, uploads)
        review.submit(district.staff, doc.id)
        review.approve(district.clerk, doc.id)
        issuing.sign(district.leader, doc.id)
        issuing.publish(doc.id)
        return doc.id

    one_file = [Upload("Phụ lục.pdf", factories.pdf_bytes("Phụ lục"))]
    small = issued(factories.outgoing_plan(world, world.school_a), one_file)
    recipients = [RecipientInput("member", org_id=org.id) for org in more] + [
        RecipientInput("text", name=f"Nơi nhận số {n}") for n in range(5)
    ]
    big_plan = factories.outgoing_plan(world, world.school_a, world.school_b)
    big_plan.recipients += recipients
    files = [Upload(f"Phụ lục {k}.pdf", factories.pdf_bytes(f"Phụ lục {k}")) for k in range(3)]
    big = issued(big_plan, files)
    assert_same(
        client,
        (district.leader, district.clerk, district.staff),
        f"/outgoing/{small}",
        f"/outgoing/{big}",
    )
    assert_constant(
        client,
        (district.leader,),
        [f"/outgoing/{small}", f"/outgoing/{big}"],
        lambda: _outgoing(world, 1, MANY, issue=True),
    )


# Case files -------------------------------------------------------------------------


def test_the_case_file_list(client, crew):
    school, units, people = crew

    def add(start: int, n: int) -> None:
        doc_ids = _incoming(school, units, people, 1000 + start, 2)
        for i in range(start, start + n):
            keeper = people[i % PEOPLE]
            case_file = casefile_support.file_outside_list(
                school, f"Hồ sơ số {i} về công tác chuyên môn", keeper=keeper
            )
            casefiles.add_documents(school.leader, case_file.id, incoming_ids=doc_ids)

    add(0, FEW)
    all_files = "/casefiles/?tab=all"
    urls = [all_files, "/casefiles/?tab=all&q=ho+so+chuyen+mon", "/casefiles/?tab=mine"]
    after = assert_constant(client, (school.leader, people[0]), urls, lambda: add(FEW, MANY - FEW))
    assert after[school.leader.email, all_files].rows == MANY
    assert after[people[0].email, "/casefiles/?tab=mine"].rows == MANY // PEOPLE
