"""`flask seed-demo`: a believable demo world, built entirely through the services."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from eoffice.casefiles import handover, list_sheet
from eoffice.casefiles.files import files_of_document
from eoffice.casefiles.models import CaseFile, CaseFileItem, Disposal, FileList
from eoffice.catalog.models import RegisterBook
from eoffice.core import timeutil
from eoffice.core.audit import history
from eoffice.core.models import AuditEvent, StoredFile
from eoffice.core.security import verify_password
from eoffice.core.timeutil import now_utc, to_local
from eoffice.demo import DEFAULT_PASSWORD
from eoffice.demo.casefile_data import LETTERS
from eoffice.demo.directives import GROUP_MEMBERS, GROUP_NAME
from eoffice.demo.exchange import REFERENCE_HUB_URL
from eoffice.demo.outgoing import CA_NAME, plan_day
from eoffice.demo.seed import UNREAD_DAYS, seed_demo
from eoffice.directives import board, rollup, tasklists
from eoffice.directives.board import AnswerStatus
from eoffice.directives.models import RecipientGroup, ReportRequest, TaskState
from eoffice.exchange import checks, inbox
from eoffice.exchange.checks_models import CheckRun, CheckTrigger, RunState
from eoffice.exchange.models import (
    ExchangePacket,
    ExchangeSettings,
    PacketDirection,
    PacketKind,
    PacketState,
)
from eoffice.exchange.settings import client_for
from eoffice.extensions import db
from eoffice.incoming.attachments import file_store
from eoffice.incoming.models import IncomingAttachment, IncomingDocument, SignatureCheck
from eoffice.notifications.models import Notification, NotificationKind
from eoffice.orgs.models import Organisation, OrgKind, Role, User
from eoffice.orgs.services import create_user
from eoffice.outgoing.layout import date_phrase
from eoffice.outgoing.models import Delivery, OutgoingDocument
from eoffice.outgoing.queries import awaiting_me
from eoffice.signing.models import Certificate, TrustAnchor
from eoffice.signing.pdfsign import validate_pdf
from tests import factories
from tests.demo_support import seeded as _seeded
from tests.pdftext import pdf_text
from workflows import archive
from workflows.checktimes import CheckState, Slot

AGENCY_CODE = re.compile(r"^\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}$")
SCHOOL_KINDS = {OrgKind.KINDERGARTEN, OrgKind.PRIMARY, OrgKind.LOWER_SECONDARY}


@pytest.fixture
def demo(app, tmp_path_factory):
    """The incoming history alone: the tests about it need no certificates or PDFs."""
    return _seeded(app, tmp_path_factory, documents=40, outgoing=False)


@pytest.fixture
def demo_with_outgoing(app, tmp_path_factory):
    """What `flask seed-demo` builds: the same, plus the test CA and the outgoing mail."""
    return _seeded(app, tmp_path_factory, documents=40)


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
    # The 40 planned arrivals, and one document the clerk registered from the exchange.
    assert len(docs) == 40 + 1
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
    exchanged = [
        doc for doc in docs if doc.source == "exchange" and doc.arrived_at != doc.registered_at
    ]
    assert len(exchanged) == 1
    for doc in docs:
        moment = to_local(doc.arrived_at)
        if doc in exchanged:  # fetched by the 06:30 check, registered before the office opens
            assert (moment.hour, moment.minute) == (6, 30)
            assert doc.arrived_at < doc.registered_at < doc.arrived_at + timedelta(minutes=45)
            continue
        assert moment.weekday() != 6 and 7 <= moment.hour < 17
        # registered at its historical moment, not at seeding time
        assert to_local(doc.registered_at) == moment


def test_a_january_seed_opens_the_new_year_books_at_number_one(app):
    # 09:00 on 20 January 2027 in Ho Chi Minh City: five months back reach into 2026.
    timeutil.set_clock(lambda: datetime(2027, 1, 20, 2, 0, tzinfo=UTC))
    seed_demo(documents=40)
    books = db.session.scalars(
        select(RegisterBook).where(
            RegisterBook.code == "general", RegisterBook.direction == "incoming"
        )
    ).all()
    # The case files' old file holds a letter of 2015, in that year's book.
    assert {book.year for book in books} == {2015, 2026, 2027}
    for book in books:
        docs = db.session.scalars(
            select(IncomingDocument)
            .where(IncomingDocument.register_book_id == book.id)
            .order_by(IncomingDocument.arrival_number)
        ).all()
        assert [d.arrival_number for d in docs] == list(range(1, len(docs) + 1))
        assert {to_local(d.arrived_at).year for d in docs} == {book.year}
    # The district's plan of September 2026 opened its outgoing book of 2026; the letters
    # of January take their numbers in the 2027 book, again from 01.
    issued = db.session.scalars(
        select(OutgoingDocument)
        .where(OutgoingDocument.org_id == _district().id, OutgoingDocument.number.is_not(None))
        .order_by(OutgoingDocument.issued_at)
    ).all()
    by_year: dict[int, list[int]] = defaultdict(list)
    for doc in issued:
        by_year[doc.document_date.year].append(doc.number)
    assert issued[0].document_date == date(2026, 9, 25) and issued[0].symbol == "01/KH-GDĐT"
    assert by_year[2026] == list(range(1, len(by_year[2026]) + 1))
    assert by_year[2027] == list(range(1, len(by_year[2027]) + 1)) and by_year[2027]
    # The file lists turn over too: 2026's was locked when 2027's was approved on 6 January;
    # 2026's files were closed in December and wait for the archive, one handed over in
    # January; the freshest warning is still unread.
    lists_now = db.session.execute(
        select(FileList.year, FileList.state).where(FileList.org_id == _district().id)
    ).all()
    assert sorted(tuple(row) for row in lists_now) == [(2026, "locked"), (2027, "approved")]
    [record] = db.session.scalars(select(handover.Handover).where(handover.Handover.year == 2027))
    assert record.handed_on < date(2027, 1, 20) and record.file_count == 3
    assert {f.closed_on.year for f in record.files} == {2026}
    clerk = db.session.scalars(select(User).where(User.email == "vanthu@pgdq3.hcm.edu.vn")).one()
    bell = db.session.scalars(
        select(Notification).where(
            Notification.user_id == clerk.id,
            Notification.kind == NotificationKind.CASEFILE_HANDOVER_DUE,
            Notification.read_at.is_(None),
        )
    ).all()
    assert bell


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


# --- Outgoing documents ---------------------------------------------------------------


def _user(email: str) -> User:
    return db.session.scalars(select(User).where(User.email == email)).one()


def _signed_pdf(doc: OutgoingDocument) -> bytes:
    assert doc.signed_file is not None, doc.symbol
    return file_store().read(doc.signed_file.sha256)


def test_the_district_plan_is_issued_signed_and_laid_out_like_the_official_one(
    demo_with_outgoing,
):
    district = _district()
    head = _user("truongphong@pgdq3.hcm.edu.vn")
    plan = db.session.scalars(
        select(OutgoingDocument).where(
            OutgoingDocument.org_id == district.id,
            OutgoingDocument.subject.startswith(
                "Hướng dẫn thực hiện nhiệm vụ công nghệ thông tin năm học"
            ),
        )
    ).one()
    assert plan.state == "issued" and plan.document_type.name == "Kế hoạch"
    assert re.fullmatch(r"\d{2,}/KH-GDĐT", plan.symbol)
    assert (plan.signer_id, plan.capacity, plan.signer_title) == (head.id, "", "TRƯỞNG PHÒNG")
    assert plan.drafter.title == "Chuyên viên"
    assert plan.drafter.unit.name == "Tổ Công nghệ thông tin"
    # Sent back once by the clerk for its "Nơi nhận" list, then approved and signed.
    assert [e.action for e in history("outgoing", plan.id)] == [
        "drafted",
        "submitted",
        "sent_back",
        "draft_updated",
        "submitted",
        "approved",
        "signed",
    ]
    start = (
        plan.document_date.year if plan.document_date.month >= 7 else plan.document_date.year - 1
    )
    assert plan.subject.endswith(f"năm học {start} - {start + 1}")
    assert plan.document_date < date(start, 10, 4)  # before the first report it asks for

    signed = _signed_pdf(plan)
    text = pdf_text(signed)
    for line in (
        "ỦY BAN NHÂN DÂN QUẬN 3",
        "PHÒNG GIÁO DỤC VÀ ĐÀO TẠO",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        f"Số: {plan.symbol}",
        f"Quận 3, {date_phrase(plan.document_date)}",
        "KẾ HOẠCH",
        plan.subject,
        f"- Trước 04/10/{start}: gửi kế hoạch",
        f"- Trước 04/01/{start + 1}: gửi báo cáo sơ kết",
        f"- Trước 06/06/{start + 1}: gửi báo cáo tổng kết",
        "- Sở GDĐT (TTTT-CTGD);",
        "- Tổ chuyên môn Phòng GDĐT;",
        "- Lưu: VT, CNTT.",
        "TRƯỞNG PHÒNG",
        head.full_name,
    ):
        assert line in text, line
    headings = ["Căn cứ", "I. NHIỆM VỤ TRỌNG TÂM", "II. NHIỆM VỤ CỤ THỂ"]
    headings += ["III. TỔ CHỨC THỰC HIỆN", "./.", "Nơi nhận:"]
    positions = [text.index(heading) for heading in headings]
    assert positions == sorted(positions)
    schools = db.session.scalars(
        select(Organisation).where(Organisation.parent_id == district.id)
    ).all()
    for school in schools:  # the long "Nơi nhận" list: every school, one line each
        assert f"- {school.name};" in text, school.name
    assert text.count("\f") >= 3  # several pages, numbered from the second
    assert pdf_text(signed, 2).strip().startswith("2")

    [anchor] = db.session.scalars(select(TrustAnchor)).all()
    assert anchor.name == CA_NAME
    reports = validate_pdf(signed, [anchor.pem.encode()])
    assert [(r.verdict, r.signer_cn) for r in reports] == [
        ("valid", head.full_name),
        ("valid", district.name),
    ]
    assert {d.recipient_org_id for d in plan.deliveries} == {school.id for school in schools}
    assert {d.status for d in plan.deliveries} <= {"03", "04", "05", "06"}
    # Filed by the clerk into the district's file of that year's IT work.
    [case_file] = files_of_document(head, outgoing_id=plan.id)
    assert case_file.year == plan.document_date.year and case_file.state == "open"
    assert case_file.title.startswith("Hồ sơ ứng dụng công nghệ thông tin")

    # Signed with the demo certificates every signer and every member has.
    members = db.session.scalars(select(Organisation).where(Organisation.is_member)).all()
    certificates = db.session.scalars(select(Certificate).where(Certificate.is_active)).all()
    personal = {c.user_id for c in certificates if c.owner_kind == "user"}
    organisations = {c.org_id for c in certificates if c.owner_kind == "organisation"}
    signers = [
        u for u in db.session.scalars(select(User)).unique() if u.has_role(Role.LEADER, Role.DEPUTY)
    ]
    assert personal == {u.id for u in signers}
    assert organisations == {org.id for org in members}
    assert all(c.issuer_cn == CA_NAME and c.image_file is not None for c in certificates)
    assert all(c.uploaded_by.has_role(Role.ADMIN) for c in certificates)
    assert {org.place_name for org in members} == {"Quận 3"}


def test_outgoing_mail_of_the_last_weeks_shows_every_delivery_status(demo_with_outgoing, app):
    district = _district()
    docs = db.session.scalars(select(OutgoingDocument)).all()
    issued = sorted((d for d in docs if d.state == "issued"), key=lambda d: d.issued_at)
    assert 4 <= len(issued) <= 15
    statuses = {d.status for doc in issued for d in doc.deliveries}
    assert {"01", "03", "04", "05", "06"} <= statuses
    assert issued[-1].issued_at <= now_utc()
    assert issued[-1].issued_at - issued[0].issued_at > timedelta(days=14)
    by_book: dict[int, list[OutgoingDocument]] = defaultdict(list)
    for doc in issued:
        by_book[doc.register_book_id].append(doc)
        assert doc.signed_file is not None and doc.place_name == "Quận 3"
    for book_docs in by_book.values():  # numbered in the order they were signed
        assert [d.number for d in book_docs] == list(range(1, len(book_docs) + 1))

    # A deputy signs "KT. TRƯỞNG PHÒNG / PHÓ TRƯỞNG PHÒNG".
    by_deputy = next(d for d in issued if d.org_id == district.id and d.capacity == "KT")
    assert by_deputy.signer.has_role(Role.DEPUTY)
    text = pdf_text(_signed_pdf(by_deputy))
    assert "KT. TRƯỞNG PHÒNG" in text and "PHÓ TRƯỞNG PHÒNG" in text
    assert by_deputy.signer.full_name in text

    # A school answers the district's công văn with a BÁO CÁO signed by its principal:
    # issuing it completed the school's copy; the district registered and assigned it.
    report = next(d for d in issued if d.document_type.name == "Báo cáo" and d.reply_to_id)
    assert report.signer.has_role(Role.LEADER) and report.signer_title == "HIỆU TRƯỞNG"
    answered = db.session.get(IncomingDocument, report.reply_to_id)
    assert answered.org_id == report.org_id and answered.state == "completed"
    assert answered.reply_reference == report.symbol
    [to_district] = report.deliveries
    assert to_district.recipient_org_id == district.id and to_district.status == "04"
    assert any(d.recipient_org_id == district.id and d.status == "01" for d in _deliveries())

    # Copies are registered as internal documents, their signatures valid at intake, and
    # take their arrival numbers in time order with the rest of each book.
    copies = [d for d in _deliveries() if d.incoming_document_id is not None]
    assert len(copies) >= 10
    for sent in copies:
        copy = db.session.get(IncomingDocument, sent.incoming_document_id)
        assert (copy.source, copy.symbol) == ("internal", sent.outgoing.symbol)
        assert copy.registered_at >= sent.outgoing.issued_at
        check = db.session.scalars(
            select(SignatureCheck).where(
                SignatureCheck.stored_file_id == copy.attachments[0].stored_file_id
            )
        ).one()
        assert [r["verdict"] for r in check.results] == ["valid", "valid"]
    by_book_in: dict[int, list[IncomingDocument]] = defaultdict(list)
    for doc in db.session.scalars(select(IncomingDocument)):
        by_book_in[doc.register_book_id].append(doc)
    for book_docs in by_book_in.values():
        book_docs.sort(key=lambda d: d.arrival_number)
        assert [d.arrival_number for d in book_docs] == list(range(1, len(book_docs) + 1))
        assert [d.arrived_at for d in book_docs] == sorted(d.arrived_at for d in book_docs)

    # Work on its way: drafts, and something waiting for each reviewing role.
    assert {"draft", "in_review"} <= {d.state for d in docs}
    for email in (
        "vanthu@pgdq3.hcm.edu.vn",
        "truongphong@pgdq3.hcm.edu.vn",
        "photruongphong1@pgdq3.hcm.edu.vn",
    ):
        assert awaiting_me(_user(email)), email
    schools_waiting = [
        u for u in db.session.scalars(select(User)).unique() if u.org_id != district.id
    ]
    waiting_roles = {r for u in schools_waiting if awaiting_me(u) for r in u.roles}
    assert {Role.CLERK, Role.LEADER} <= waiting_roles
    assert app.config.get("OUTGOING_PUBLISH_ASYNC", True) is True  # restored after the seed


def _deliveries() -> list[Delivery]:
    return db.session.scalars(select(Delivery)).all()


@pytest.mark.parametrize(
    ("today", "signed"),
    [
        (date(2026, 11, 29), date(2026, 9, 25)),  # late in the term: the late-September plan
        (date(2027, 1, 20), date(2026, 9, 25)),  # the same school year, across the new year
        (date(2026, 9, 10), date(2026, 8, 13)),  # early: four working weeks back
    ],
)
def test_the_plan_day_precedes_the_deadlines_it_sets(today, signed):
    assert plan_day(today) == signed
    assert signed.weekday() < 5


def test_cli_seeds_an_empty_database_once(app):
    runner = app.test_cli_runner()
    args = ["seed-demo", "--if-empty", "--documents", "12", "--password", "Mat-khau-demo-7"]
    first = runner.invoke(args=args)
    assert first.exit_code == 0, first.output
    assert "vanthu@pgdq3.hcm.edu.vn" in first.output
    assert "hieutruong@thcsbachdang.hcm.edu.vn" in first.output
    assert "Mat-khau-demo-7" in first.output
    assert "Văn bản đi: 8 văn bản đã ký số và ban hành" in first.output
    assert "Chỉ đạo và yêu cầu báo cáo: 3 văn bản của Phòng GDĐT với 5 yêu cầu" in first.output
    assert f"1 nhóm nơi nhận riêng «{GROUP_NAME}»" in first.output
    assert f"«{CA_NAME}» đã được đăng ký là chứng thư gốc tin cậy" in first.output
    assert "Hồ sơ và lưu trữ: 11 danh mục hồ sơ năm" in first.output
    assert "1 đề nghị tiêu hủy chờ lãnh đạo phê duyệt" in first.output
    counts = _counts()
    copies = db.session.scalar(
        select(func.count(Delivery.id)).where(Delivery.incoming_document_id.is_not(None))
    )
    # and the delivered copies registered, the one registered from the exchange, and the
    # letters of last year (and of the old file) the case files' story filed
    assert counts["incoming_documents"] == 12 + copies + 1 + len(LETTERS) + 1
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


# --- Check times and the exchange ------------------------------------------------------


def test_the_check_board_tells_a_month_of_habits(demo):
    head = _user("truongphong@pgdq3.hcm.edu.vn")
    planned = demo.exchange.planned
    months = sorted({slot.day.replace(day=1) for _, slot in planned})
    assert len({slot.day for _, slot in planned}) >= 25  # about thirty office days
    cells: dict[tuple[int, object], CheckState] = {}
    for month in months:
        board = checks.compliance(head, month)
        assert len(board.rows) == 11  # the district and its ten schools
        for row in board.rows:
            for day_cells in row.days.values():
                for cell in day_cells:
                    cells[(row.org.id, cell.slot)] = cell.state
    expected = {
        "on_time": {CheckState.ON_TIME},
        "late": {CheckState.LATE},
        "missed": {CheckState.MISSED},
        "pending": {CheckState.PENDING, CheckState.MISSED},  # its moment was still to come
    }
    for key, verdict in planned.items():
        assert cells[key] in expected[verdict], (key, verdict, cells[key])
    counts = Counter(cells[key] for key in planned)
    assert counts[CheckState.ON_TIME] > 5 * counts[CheckState.MISSED] > 0
    assert counts[CheckState.LATE] > counts[CheckState.MISSED]

    def on_time(org_name: str) -> float:
        org = db.session.scalars(select(Organisation).where(Organisation.name == org_name)).one()
        mine = [state for (org_id, _), state in cells.items() if org_id == org.id]
        return mine.count(CheckState.ON_TIME) / len(mine)

    district = on_time("Phòng Giáo dục và Đào tạo Quận 3")
    usual = on_time("Trường THCS Bạch Đằng")
    worst = on_time("Trường Mầm non 7A")
    assert district > usual > on_time("Trường Tiểu học Lương Định Của") > worst

    # Every slot up to now was run as the scheduler runs it; the district's by the
    # services, fetching from the exchange; one morning caught up after an outage.
    runs = db.session.scalars(select(CheckRun).where(CheckRun.slot_time.is_not(None))).all()
    assert {(r.org_id, Slot(r.day, r.slot_time)) for r in runs} >= set(planned)
    assert {r.state for r in runs} == {RunState.DONE}
    assert all(r.claimed_at and r.started_at and r.finished_at for r in runs)
    assert {r.trigger for r in runs} == {CheckTrigger.SCHEDULE, CheckTrigger.CATCH_UP}
    district_id = _district().id
    assert sum(r.documents for r in runs if r.org_id == district_id) >= 5
    confirmed = [r for r in runs if r.confirmed_at is not None]
    audited = db.session.scalars(
        select(AuditEvent.subject_id).where(
            AuditEvent.subject_type == "check_run", AuditEvent.action == "confirmed"
        )
    ).all()
    assert sorted(audited) == sorted(r.id for r in confirmed)
    assert all(r.confirmed_by.has_role(Role.CLERK) for r in confirmed)
    assert max(r.finished_at for r in runs) <= now_utc()


def test_the_exchange_inbox_waits_for_the_district_clerk(demo):
    clerk = _user("vanthu@pgdq3.hcm.edu.vn")
    waiting = inbox.awaiting(clerk)
    documents = [row for row in waiting if row.kind == PacketKind.DOCUMENT]
    recalls = [row for row in waiting if row.kind == PacketKind.STATUS]
    assert len(documents) >= 3 and len(recalls) == 1
    senders = {row.counterpart_name for row in documents}
    assert senders == {"Sở Giáo dục và Đào tạo Thành phố Hồ Chí Minh", "Ủy ban nhân dân Quận 3"}
    for row in documents:  # real packets, with the sender's signed-off page attached
        [attachment] = inbox.files(clerk, row.id)
        assert attachment.data.startswith(b"%PDF-") and row.symbol and row.subject
    [recall] = recalls
    assert recall.status_code == "13" and recall.description
    assert recall.refers_to in documents and recall.refers_to.counterpart_code == (
        recall.counterpart_code
    )

    # One registered from the exchange, presented and assigned: 01, 03, 04 went back.
    [done] = db.session.scalars(
        select(ExchangePacket).where(ExchangePacket.state == PacketState.REGISTERED)
    ).all()
    doc = done.incoming_document
    assert doc.source == "exchange" and doc.state == "assigned" and doc.attachments
    assert doc.arrived_at == done.created_at and doc.registered_at == done.done_at
    sent = db.session.scalars(
        select(ExchangePacket).where(ExchangePacket.direction == PacketDirection.OUT)
    ).all()
    assert sorted(p.status_code for p in sent if p.refers_to_id == done.id) == ["01", "03", "04"]
    # Every status was taken by the seed's hub at its moment: nothing left to send.
    assert {p.state for p in sent} == {PacketState.SENT}
    assert all(p.done_at == p.created_at or p.done_at > p.created_at for p in sent)
    assert len([p for p in sent if p.status_code == "01"]) == len(documents) + 1

    # The seed's hub is gone: the exchange is off, not pointing at a dead address.
    settings = db.session.get(ExchangeSettings, _district().id)
    assert not settings.enabled and settings.hub_url == REFERENCE_HUB_URL
    assert client_for(_district()) is None


# --- Directives and report requests -------------------------------------------------------


def _directive(subject_start: str) -> OutgoingDocument:
    return db.session.scalars(
        select(OutgoingDocument).where(OutgoingDocument.subject.startswith(subject_start))
    ).one()


def _row(found: board.Board, name: str) -> board.BoardRow:
    return next(row for row in found.rows if row.name == name)


def test_the_directives_boards_and_roll_up_tell_a_story(demo_with_outgoing):
    head = _user("truongphong@pgdq3.hcm.edu.vn")
    today = timeutil.local_today()
    now = now_utc()

    # The past directive, to every school: each fate of an answer is on its board.
    past = _directive("báo cáo số liệu học sinh đầu năm học")
    found = board.build_board(head, past.id)
    figure, spreadsheet = found.requests
    assert (figure.answer_form, spreadsheet.answer_form) == ("figure", "file")
    assert figure.deadline < today and found.total == 10
    assert found.answer_counts[figure.id] == {
        AnswerStatus.ON_TIME: 7,
        AnswerStatus.LATE: 1,
        AnswerStatus.MISSING: 1,
        AnswerStatus.RETURNED: 1,
    }
    assert found.answer_counts[spreadsheet.id] == {
        AnswerStatus.ON_TIME: 7,
        AnswerStatus.LATE: 2,
        AnswerStatus.MISSING: 1,
    }
    worst = _row(found, "Trường Tiểu học Lương Định Của")
    assert [c.status for c in worst.cells] == [AnswerStatus.MISSING] * 2
    assert not worst.read and not worst.registered  # it has not even opened it
    assert all(c.reminders_sent == 1 for c in worst.cells)  # the morning after the deadline
    late = _row(found, "Trường Mầm non 7A")
    assert [c.status for c in late.cells] == [AnswerStatus.LATE] * 2
    assert all(to_local(c.answered_at).date() > c.deadline for c in late.cells)
    on_time = _row(found, "Trường THCS Bạch Đằng")
    assert [c.status for c in on_time.cells] == [AnswerStatus.ON_TIME] * 2
    assert on_time.cells[0].answer_figure == 1032  # as in its BÁO CÁO on the CSDL ngành
    assert on_time.cells[1].answer_file_name.endswith(".xlsx") and on_time.cells[1].has_file
    assert on_time.acknowledged and on_time.acknowledgement_note
    # One kindergarten was given more time for its spreadsheet, and made it.
    extended = _row(found, "Trường Mầm non Họa Mi").cells[1]
    answered_on = to_local(extended.answered_at).date()
    assert spreadsheet.deadline < answered_on <= extended.deadline
    assert extended.status == AnswerStatus.ON_TIME
    # One figure returned for correction, with the district's comment; the school sees it.
    returned = _row(found, "Trường THCS Colette").cells[0]
    assert returned.status == AnswerStatus.RETURNED and "chưa khớp" in returned.return_comment
    clerk = _user("vanthu@thcscolette.hcm.edu.vn")
    [task] = [t for t in tasklists.tasks_for(clerk) if t.request_id == figure.id]
    assert task.state == TaskState.RETURNED and task.return_comment == returned.return_comment
    assert {"registered", "read", "acknowledged"} <= {k for k, n in found.counts.items() if n}
    assert found.counts["read"] == 9 and found.counts["acknowledged"] == 3

    # Due in a few days, to two levels: some answered, the others reminded yesterday.
    due = _directive("tổ chức Hội khỏe Phù Đổng cấp trường")
    found = board.build_board(head, due.id)
    assert found.total == 7 and {r.kind for r in found.rows} == {"primary", "lower_secondary"}
    assert all(r.deadline > today for r in found.requests)
    cells = [c for row in found.rows for c in row.cells]
    assert {c.status for c in cells} == {AnswerStatus.ON_TIME, AnswerStatus.OPEN}
    waiting = [c for c in cells if c.status == AnswerStatus.OPEN]
    assert len(waiting) >= 5 and all(c.reminders_sent == 1 for c in waiting)
    assert all(to_local(c.last_reminded_at).date() < today for c in waiting)
    assert found.counts["acknowledged"] == 2

    # The custom group the district's admin made, and the directive sent to it.
    group = db.session.scalars(select(RecipientGroup)).one()
    maker = db.session.get(User, group.created_by_id)
    assert group.name == GROUP_NAME and maker.has_role(Role.ADMIN) and maker.org_id == head.org_id
    pilot = _directive("triển khai thí điểm chuyển đổi số")
    members = {m.member_org_id for m in group.members}
    assert {d.recipient_org_id for d in pilot.deliveries} == members
    assert len(members) == len(GROUP_MEMBERS)

    # Every answer was given by the school's clerk after the document arrived, in the past.
    for doc in (past, due, pilot):
        for request in db.session.scalars(
            select(ReportRequest).where(ReportRequest.outgoing_id == doc.id)
        ):
            for t in request.tasks:
                if t.answered_at is not None:
                    assert doc.issued_at < t.answered_at <= now
                    assert t.answered_by.org_id == t.recipient_org_id

    # The roll-up: the school that never answered first, the past requests overdue.
    summary = rollup.build_rollup(head)
    assert summary.open_requests == 5
    first = summary.schools[0]
    assert (first.name, first.late, first.missing) == ("Trường Tiểu học Lương Định Của", 0, 2)
    assert {s.name for s in summary.schools} >= {"Trường Mầm non 7A", "Trường THCS Colette"}
    assert {line.request_id for line in summary.requests} == {figure.id, spreadsheet.id}
    assert demo_with_outgoing.directives.late == 3


# --- Case files and the archive ---------------------------------------------------------------

DISTRICT_NOTATIONS = ["TCCB", "VP", "GDMN", "GDTH", "GDTRH", "KHTC"]
SCHOOL_NOTATIONS = ["HC", "CM", "TC"]


@pytest.fixture
def demo_with_files(app, tmp_path_factory):
    """The incoming history with the file lists and the archive (no outgoing mail)."""
    return _seeded(app, tmp_path_factory, documents=40, outgoing=False, casefiles=True)


def _lists_of(year: int) -> dict[int, FileList]:
    rows = db.session.scalars(select(FileList).where(FileList.year == year))
    return {file_list.org_id: file_list for file_list in rows}


def test_every_office_works_with_this_years_approved_file_list(demo_with_files):
    this_year = timeutil.local_today().year
    members = db.session.scalars(select(Organisation).where(Organisation.is_member)).all()
    current, last = _lists_of(this_year), _lists_of(this_year - 1)
    assert set(current) == set(last) == {org.id for org in members}
    for org in members:
        new, old = current[org.id], last[org.id]
        # Approving this year's list (a copy of last year's) locked last year's.
        assert (old.state, new.state, new.copied_from_id) == ("locked", "approved", old.id)
        for file_list in (old, new):  # approved by the head in early January, by decision
            approved = to_local(file_list.approved_at)
            assert (approved.year, approved.month) == (file_list.year, 1) and approved.day <= 12
            assert file_list.approved_by.org_id == org.id
            assert file_list.approved_by.has_role(Role.LEADER)
            decision = rf"Quyết định số \d\d/QĐ-{re.escape(org.short_name)} ngày "
            assert re.fullmatch(decision + f"{approved:%d/%m/%Y}", file_list.decision_ref)
        old_sheet, new_sheet = list_sheet.list_rows(old), list_sheet.list_rows(new)
        large = [row for row in new_sheet.rows if row.kind == "large"]
        district = org.kind == OrgKind.DISTRICT_OFFICE
        notations = DISTRICT_NOTATIONS if district else SCHOOL_NOTATIONS
        assert [row.heading.notation for row in large] == notations
        assert [row.number for row in large] == ["I", "II", "III", "IV", "V", "VI"][: len(large)]
        assert 5 <= old_sheet.total <= 10 and new_sheet.total == old_sheet.total + 1

        # The same files, their years brought up to date after the copy, and one new file.
        def next_year(title: str) -> str:
            return re.sub(r"\b\d{4}\b", lambda m: str(int(m.group()) + 1), title)

        carried = {next_year(f.title) for f in old_sheet.files}
        [added] = [f.title for f in new_sheet.files if f.title not in carried]
        assert str(this_year) in added
        # Brought up to date after the copy: no title of this year's list names last year.
        assert not [f.title for f in new_sheet.files if str(this_year - 1) in f.title]
        assert all(f.keeper is None or f.keeper.org_id == org.id for f in new_sheet.files)
        assert {f.retention_code for f in new_sheet.files} <= {"vinh_vien", "70", "20", "10", "5"}
        if district:
            assert new_sheet.permanent >= 1
            assert {f.code.split(".")[1] for f in new_sheet.files} == set(DISTRICT_NOTATIONS)


def test_handled_documents_are_filed_in_time_order_into_their_offices_files(demo_with_files):
    filed = db.session.scalars(select(IncomingDocument).where(IncomingDocument.state == "filed"))
    filed = filed.all()
    items = db.session.scalars(select(CaseFileItem).where(CaseFileItem.incoming_id.is_not(None)))
    items = items.all()
    in_files = {item.incoming_id for item in items}
    assert len(in_files & {d.id for d in filed}) >= 0.7 * len(filed)
    for item in items:
        assert item.case_file.org_id == item.incoming.org_id
        assert item.added_at > item.incoming.registered_at
    # A file's contents list is in the order documents were filed; a planned file of the
    # list was opened by the first document filed into it.
    for case_file in {item.case_file for item in items}:
        added = [i.added_at for i in sorted(case_file.items, key=lambda i: i.position)]
        assert added == sorted(added)
        if case_file.in_list:
            assert case_file.opened_at == added[0]
    # Each filing is the FILE step of its document, by the clerk or by the handler from
    # the document page (who then keeps a file nobody kept before, or their own).
    filers = {
        event.subject_id: db.session.get(User, event.actor_id)
        for event in db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.subject_type == "incoming", AuditEvent.action == "filed"
            )
        )
    }
    assert {d.id for d in filed} == set(filers)
    by_handlers = [i for i in items if not filers[i.incoming_id].has_role(Role.CLERK)]
    assert by_handlers
    for item in by_handlers:
        assert item.case_file.keeper_id == filers[item.incoming_id].id


def test_last_years_files_went_to_the_archive_or_wait_for_it(demo_with_files):
    today = timeutil.local_today()
    year = today.year
    district = _district()
    clerk, head = _user("vanthu@pgdq3.hcm.edu.vn"), _user("truongphong@pgdq3.hcm.edu.vn")
    last_years = db.session.scalars(
        select(CaseFile).where(CaseFile.org_id == district.id, CaseFile.year == year - 1)
    ).all()
    assert Counter(f.state for f in last_years) == {"archived": 3, "closed": 6, "open": 1}
    closed = [f for f in last_years if f.closed_on is not None]
    assert sum((f.closed_on.year, f.closed_on.month) == (year - 1, 12) for f in closed) >= 8
    for f in closed:  # closed by its keeper, with its documents, after they were filed
        assert f.doc_total == len(f.items) >= 1 and f.page_total >= 1
        assert f.handover_due == archive.handover_due(f.closed_on)
        assert f.retention_expires is None or f.retention_expires.year > year
        assert all(to_local(i.added_at).date() <= f.closed_on for i in f.items)
        assert history("case_file", f.id)[-1].actor_id in (f.keeper_id, head.id, clerk.id)

    # Three handed over in one hand-over, with its two papers printed.
    handed = [f for f in last_years if f.state == "archived"]
    [recent] = {f.handover_id for f in handed}
    record = db.session.get(handover.Handover, recent)
    assert record.file_count == 3 and record.received_by_id == clerk.id
    assert {f.keeper_id for f in handed} == {record.delivered_by_id} != {clerk.id}
    papers = [
        pdf_text(file_store().read(db.session.get(StoredFile, stored_id).sha256), layout=False)
        for stored_id in (record.list_pdf_id, record.record_pdf_id)
    ]
    assert all(f.code in papers[0] for f in handed), papers[0]
    assert "BIÊN BẢN GIAO NHẬN TÀI LIỆU" in papers[1] and "3 hồ sơ" in papers[1]
    assert record.delivered_by.full_name in papers[1] and clerk.full_name in papers[1]
    # One kept back by the head, for a reason, at most two years past its due date.
    [kept] = [f for f in last_years if f.kept_until is not None]
    assert kept.state == "closed" and kept.kept_reason
    assert kept.handover_due < kept.kept_until <= archive.keep_back_limit(kept.handover_due)
    last_step = history("case_file", kept.id)[-1]
    assert (last_step.action, last_step.actor_id) == ("kept_back", head.id)
    # The 30-day warning reached the clerk's bell, the latest still unread.
    notices = db.session.scalars(
        select(Notification).where(
            Notification.user_id == clerk.id,
            Notification.kind == NotificationKind.CASEFILE_HANDOVER_DUE,
        )
    ).all()
    assert notices and any(n.read_at is None for n in notices)
    warned = [f for f in closed if f.warned_on is not None]
    assert warned and all(f.warn_from <= f.warned_on <= today for f in warned)
    assert {row.file.id for row in handover.due_files(clerk)} >= {
        f.id for f in closed if f.state == "closed"
    }

    # The old file: archived long ago, its 10 years over, proposed for disposal.
    [proposal] = db.session.scalars(select(Disposal)).all()
    assert proposal.state == "proposed" and proposal.proposed_by_id == clerk.id
    [item] = proposal.items
    old = item.case_file
    assert old.state == "archived" and old.retention.years == 10
    assert old.closed_on.year == old.year == year - 12 and old.retention_expires < today
    assert db.session.get(handover.Handover, old.handover_id).year == old.year + 1

    # A teacher keeps a file outside the list.
    teacher = _user("giaovien.toan@thcsbachdang.hcm.edu.vn")
    [own] = db.session.scalars(
        select(CaseFile).where(CaseFile.org_id == teacher.org_id, CaseFile.in_list.is_(False))
    ).all()
    assert (own.keeper_id, own.created_by_id, own.state) == (teacher.id, teacher.id, "open")
    assert own.code.endswith(".TOAN") and own.year == own.start_date.year


def _client_of(app, email: str):
    client = app.test_client()
    response = factories.login(client, _user(email), DEFAULT_PASSWORD)
    assert response.status_code == 302
    return client


def test_the_case_file_screens_show_the_demo_story(demo_with_files, app):
    year = timeutil.local_today().year
    district = _district()
    clerk = _client_of(app, "vanthu@pgdq3.hcm.edu.vn")
    page = clerk.get("/casefiles/lists/")
    assert page.status_code == 200
    assert "Quyết định số 03/QĐ-GDĐT ngày " in page.text
    this_year = _lists_of(year)[district.id]
    page = clerk.get(f"/casefiles/lists/{this_year.id}")
    assert page.status_code == 200
    assert "Giáo dục Trung học" in page.text and "Hồ sơ triển khai học bạ số" in page.text
    filled = db.session.scalars(
        select(CaseFile)
        .where(CaseFile.org_id == district.id, CaseFile.year == year, CaseFile.state == "open")
        .join(CaseFileItem)
    ).first()
    page = clerk.get(f"/casefiles/{filled.id}")
    assert page.status_code == 200
    assert filled.title in page.text and filled.items[0].incoming.symbol in page.text
    kept = db.session.scalars(select(CaseFile).where(CaseFile.kept_until.is_not(None))).one()
    page = clerk.get("/archive/")
    assert page.status_code == 200 and kept.code in page.text and kept.kept_reason in page.text
    record = db.session.scalars(
        select(handover.Handover).where(handover.Handover.file_count == 3)
    ).one()
    page = clerk.get(f"/archive/handovers/{record.id}")
    assert page.status_code == 200 and all(f.code in page.text for f in record.files)
    for paper in ("list", "record"):
        pdf = clerk.get(f"/archive/handovers/{record.id}/{paper}.pdf")
        assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF-")
    proposal = db.session.scalars(select(Disposal)).one()
    page = clerk.get("/archive/disposals")
    assert page.status_code == 200 and proposal.reason in page.text

    head = _client_of(app, "truongphong@pgdq3.hcm.edu.vn")
    page = head.get(f"/archive/disposals/{proposal.id}")
    assert page.status_code == 200 and proposal.items[0].code in page.text
    assert "Phê duyệt" in page.text

    teacher = _client_of(app, "giaovien.toan@thcsbachdang.hcm.edu.vn")
    page = teacher.get("/casefiles/")
    assert page.status_code == 200 and "Hồ sơ sinh hoạt chuyên môn Tổ Toán" in page.text
