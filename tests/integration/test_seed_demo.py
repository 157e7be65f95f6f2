"""`flask seed-demo`: a believable demo world, built entirely through the services."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from eoffice.catalog.models import RegisterBook
from eoffice.core import timeutil
from eoffice.core.models import AuditEvent
from eoffice.core.security import verify_password
from eoffice.core.timeutil import now_utc, to_local
from eoffice.demo import DEFAULT_PASSWORD
from eoffice.demo.seed import UNREAD_DAYS, seed_demo
from eoffice.extensions import db
from eoffice.incoming.attachments import file_store
from eoffice.incoming.models import IncomingAttachment, IncomingDocument
from eoffice.notifications.models import Notification
from eoffice.orgs.models import Organisation, OrgKind, Role, User
from eoffice.orgs.services import create_user
from tests import factories

AGENCY_CODE = re.compile(r"^\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}$")
SCHOOL_KINDS = {OrgKind.KINDERGARTEN, OrgKind.PRIMARY, OrgKind.LOWER_SECONDARY}


@pytest.fixture
def demo(app):
    return seed_demo(documents=40)


def _district() -> Organisation:
    return db.session.scalars(
        select(Organisation).where(Organisation.kind == OrgKind.DISTRICT_OFFICE)
    ).one()


def _counts() -> dict[str, int]:
    db.session.rollback()  # the CLI ran in its own app context and session
    return {
        model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
        for model in (Organisation, User, IncomingDocument, AuditEvent)
    }


def test_district_office_with_schools_of_three_levels(demo):
    district = _district()
    assert district.name == "Phòng Giáo dục và Đào tạo Quận 3"
    assert district.short_name == "GDĐT"
    assert AGENCY_CODE.match(district.agency_code)
    schools = db.session.scalars(
        select(Organisation).where(Organisation.parent_id == district.id)
    ).all()
    assert len(schools) >= 8
    assert {school.kind for school in schools} == SCHOOL_KINDS
    for school in schools:
        assert school.is_member
        assert AGENCY_CODE.match(school.agency_code)
        assert school.email.endswith(".hcm.edu.vn")
        assert school.ward and school.address
    so = db.session.scalars(
        select(Organisation).where(
            Organisation.name == "Sở Giáo dục và Đào tạo Thành phố Hồ Chí Minh"
        )
    ).one()
    assert so.kind == OrgKind.EXTERNAL and not so.is_member
    assert AGENCY_CODE.match(so.agency_code)


def test_every_member_has_every_role_and_one_demo_password(demo):
    members = db.session.scalars(select(Organisation).where(Organisation.is_member)).all()
    assert len(members) >= 9
    for org in members:
        users = db.session.scalars(select(User).where(User.org_id == org.id)).all()
        roles = set().union(*(user.roles for user in users))
        assert roles == {role.value for role in Role}, org.name
        assert all(user.title for user in users)
    clerk = db.session.scalars(select(User).where(User.email == "vanthu@pgdq3.hcm.edu.vn")).one()
    principal = db.session.scalars(
        select(User).where(User.email == "hieutruong@thcsbachdang.hcm.edu.vn")
    ).one()
    assert clerk.has_role(Role.CLERK) and principal.has_role(Role.LEADER)
    assert principal.title == "Hiệu trưởng"
    assert verify_password(clerk.password_hash, DEFAULT_PASSWORD)
    assert verify_password(principal.password_hash, DEFAULT_PASSWORD)
    assert principal.password_hash == clerk.password_hash  # hashed once for all demo users
    # The one-hash shortcut ends with the seed: a new user gets a freshly salted hash.
    later = create_user(
        org_id=clerk.org_id,
        email="moi@pgdq3.hcm.edu.vn",
        full_name="Người Dùng Mới",
        password=DEFAULT_PASSWORD,
        roles=[Role.STAFF],
    )
    assert later.password_hash != clerk.password_hash


def test_arrival_numbers_follow_arrival_time_in_every_book(demo):
    docs = db.session.scalars(select(IncomingDocument)).all()
    assert len(docs) == 40
    by_book: dict[int, list[IncomingDocument]] = defaultdict(list)
    for doc in docs:
        by_book[doc.register_book_id].append(doc)
    for book_docs in by_book.values():
        book_docs.sort(key=lambda d: d.arrival_number)
        assert [d.arrival_number for d in book_docs] == list(range(1, len(book_docs) + 1))
        times = [d.arrived_at for d in book_docs]
        assert times == sorted(times)
    now = now_utc()
    arrivals = sorted(to_local(doc.arrived_at) for doc in docs)
    assert arrivals[-1] <= now
    assert arrivals[-1] - arrivals[0] > timedelta(days=60)  # months of history, not one day
    for moment in arrivals:
        assert moment.weekday() != 6 and 7 <= moment.hour < 17
    for doc in docs:  # registered at its historical moment, not at seeding time
        assert to_local(doc.registered_at) == to_local(doc.arrived_at)


def test_a_january_seed_opens_the_new_year_books_at_number_one(app):
    # 09:00 on 20 January 2027 in Ho Chi Minh City: five months back reach into 2026.
    timeutil.set_clock(lambda: datetime(2027, 1, 20, 2, 0, tzinfo=UTC))
    seed_demo(documents=40)
    books = db.session.scalars(select(RegisterBook).where(RegisterBook.code == "general")).all()
    assert {book.year for book in books} == {2026, 2027}
    for book in books:
        docs = db.session.scalars(
            select(IncomingDocument)
            .where(IncomingDocument.register_book_id == book.id)
            .order_by(IncomingDocument.arrival_number)
        ).all()
        assert [d.arrival_number for d in docs] == list(range(1, len(docs) + 1))
        assert {to_local(d.arrived_at).year for d in docs} == {book.year}


def test_documents_are_realistic_and_went_through_the_service(demo):
    docs = db.session.scalars(select(IncomingDocument)).all()
    district = _district()
    at_district = sum(doc.org_id == district.id for doc in docs)
    per_school = defaultdict(int)
    for doc in docs:
        if doc.org_id != district.id:
            per_school[doc.org_id] += 1
    assert at_district > max(per_school.values())
    assert any(doc.is_urgent for doc in docs)
    assert len({doc.document_type.name for doc in docs}) >= 4
    assert len({doc.source for doc in docs}) >= 3
    for doc in docs:
        sender_short = doc.sender_org.short_name
        abbreviation = doc.document_type.abbreviation
        expected = f"{abbreviation}-{sender_short}" if abbreviation else f"{sender_short}-"
        assert doc.code_notation.startswith(expected), doc.symbol
        assert doc.code_number.isdigit() and len(doc.code_number) >= 2
        assert doc.document_date <= to_local(doc.arrived_at).date()
        assert doc.signer_name and doc.signer_position and doc.page_count
    registered = db.session.scalars(
        select(AuditEvent.subject_id).where(
            AuditEvent.subject_type == "incoming", AuditEvent.action == "registered"
        )
    ).all()
    assert sorted(registered) == sorted(doc.id for doc in docs)
    attachment = db.session.scalars(select(IncomingAttachment)).first()
    assert attachment is not None and attachment.original_name.endswith(".pdf")
    with file_store().open(attachment.stored_file.sha256) as handle:
        assert handle.read(5) == b"%PDF-"


FULL_PATH = ["registered", "presented", "assigned", "started", "progress", "completed", "filed"]
WORKING_STATES = {"assigned", "in_progress"}


def _history(doc_id: int) -> list[AuditEvent]:
    return db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.subject_type == "incoming", AuditEvent.subject_id == doc_id)
        .order_by(AuditEvent.at, AuditEvent.id)
    ).all()


def test_documents_wait_at_every_step_of_processing(demo):
    docs = db.session.scalars(select(IncomingDocument)).all()
    states = defaultdict(list)
    for doc in docs:
        states[doc.state].append(doc)
    for state in ("registered", "presented", "returned", "completed", "filed"):
        assert states[state], state
    assert states["assigned"] or states["in_progress"]
    assert len(states["filed"]) > len(docs) // 2  # the old ones went all the way
    newest = max(docs, key=lambda d: d.arrived_at)
    assert newest.state == "registered"  # the clerk has not presented it yet
    working = states["assigned"] + states["in_progress"]
    today = to_local(now_utc()).date()
    assert any(doc.is_overdue for doc in working)
    assert any(doc.deadline is not None and doc.deadline >= today for doc in working)
    for doc in working:
        lead = next(part for part in doc.assignments if part.kind == "lead")
        assert lead.deadline == doc.deadline and lead.instruction


def test_each_step_was_taken_by_its_actor_at_a_past_moment(demo):
    docs = db.session.scalars(select(IncomingDocument)).all()
    now = now_utc()
    filed = [doc for doc in docs if doc.state == "filed"]
    for doc in filed:
        events = _history(doc.id)
        actions = [e.action for e in events if e.action != "contributed"]
        assert actions == FULL_PATH, doc.id
        moments = [e.at for e in events]
        assert moments == sorted(moments) and moments[-1] <= now
        assert moments[0] == doc.registered_at  # processed at its time, not at seeding time
        by_action = {e.action: e for e in events}
        assigned = by_action["assigned"]
        assert db.session.get(User, assigned.actor_id).has_role(Role.LEADER, Role.DEPUTY)
        assert assigned.changes["lead"] and assigned.changes["instruction"].endswith(".")
        presenter = db.session.get(User, by_action["presented"].actor_id)
        assert presenter.has_role(Role.CLERK)
        assert by_action["completed"].changes["result"]
    assert len({to_local(doc.arrived_at).date() for doc in filed}) > 5
    returned = [doc for doc in docs if doc.state == "returned"]
    for doc in returned:
        event = _history(doc.id)[-1]
        assert event.action == "returned_to_clerk" and event.note == doc.state_reason
    cancelled = [doc for doc in docs if doc.state == "cancelled"]
    for doc in cancelled:  # a cancelled entry is never presented
        assert "presented" not in {e.action for e in _history(doc.id)}


def test_only_the_last_days_news_is_unread(demo):
    cutoff = now_utc() - timedelta(days=UNREAD_DAYS)
    rows = db.session.scalars(select(Notification)).all()
    assert rows, "processing the demo documents notified people"
    assert not [n for n in rows if n.read_at is None and n.created_at < cutoff]
    assert all(n.read_at >= n.created_at for n in rows if n.read_at is not None)


def test_cli_seeds_an_empty_database_once(app):
    runner = app.test_cli_runner()
    args = ["seed-demo", "--if-empty", "--documents", "12", "--password", "Mat-khau-demo-7"]
    first = runner.invoke(args=args)
    assert first.exit_code == 0, first.output
    assert "vanthu@pgdq3.hcm.edu.vn" in first.output
    assert "hieutruong@thcsbachdang.hcm.edu.vn" in first.output
    assert "Mat-khau-demo-7" in first.output
    counts = _counts()
    assert counts["incoming_documents"] == 12
    second = runner.invoke(args=args)
    assert second.exit_code == 0, second.output
    assert "bỏ qua" in second.output
    assert _counts() == counts
    clerk = db.session.scalars(select(User).where(User.email == "vanthu@pgdq3.hcm.edu.vn")).one()
    assert verify_password(clerk.password_hash, "Mat-khau-demo-7")


def test_cli_refuses_a_database_that_has_data(app):
    factories.build_world()
    before = _counts()
    result = app.test_cli_runner().invoke(args=["seed-demo", "--documents", "5"])
    assert result.exit_code != 0
    assert "chỉ nạp vào cơ sở dữ liệu trống" in result.output
    assert _counts() == before


def test_cli_refuses_a_weak_password(app):
    result = app.test_cli_runner().invoke(args=["seed-demo", "--password", "ngan"])
    assert result.exit_code != 0
    assert "Mật khẩu phải có ít nhất" in result.output
    assert _counts()["organisations"] == 0


def test_create_admin_bootstraps_a_new_installation(app):
    runner = app.test_cli_runner()
    args = [
        "create-admin",
        "--org-name",
        "Phòng Giáo dục và Đào tạo Quận Mới",
        "--agency-code",
        "000.77.31.H29",
        "--email",
        "quantri@pgdmoi.hcm.edu.vn",
        "--full-name",
        "Lý Quản Trị",
        "--password",
        "Quan-Tri-2026",
    ]
    gmail = runner.invoke(args=[*args[:5], "--email", "ai@gmail.com", *args[7:]])
    assert gmail.exit_code != 0
    assert "gmail.com" in gmail.output
    assert db.session.scalar(select(func.count(Organisation.id))) == 0  # nothing half-saved
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    assert "Đã tạo Phòng Giáo dục và Đào tạo Quận Mới" in result.output
    client = app.test_client()
    response = client.post(
        "/login", data={"email": "quantri@pgdmoi.hcm.edu.vn", "password": "Quan-Tri-2026"}
    )
    assert response.status_code == 302
    again = runner.invoke(args=args)
    assert again.exit_code != 0
    assert "đã có Phòng Giáo dục và Đào tạo" in again.output
