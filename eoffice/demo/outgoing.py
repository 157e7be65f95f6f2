"""Văn bản đi in the demo: a test CA, everyone's certificates, weeks of outgoing mail.

The district office issues its KẾ HOẠCH on information technology (laid out like the
real one in ../shared/fixtures), a few công văn, an invitation; schools answer with a
report and their own plans. Each document is drafted, checked by the clerk and signed
by its signer through the services; signing publishes at once (render, two signatures,
delivery: OUTGOING_PUBLISH_ASYNC is off while the seed runs), and the recipients'
clerks register their copies, present them, and their leaders assign them, so the
sender sees delivery statuses 01 to 06. Drafts and documents waiting at each review
stage give the clerks, leaders and deputies something in "Chờ tôi xử lý".

Why a timeline rather than one pass after the incoming history: a copy delivered inside
the deployment is registered in the recipient's incoming book, whose arrival numbers
must grow with time like every other entry. So every step here is a dated service call
on a `Timeline`, which seed._register_all runs up to each arrival before registering it
(and to the end afterwards); the clock is set to each step's moment.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from random import Random

from flask import current_app
from sqlalchemy import func, select

from eoffice.catalog.models import DocumentType
from eoffice.core.timeutil import local_today, set_clock
from eoffice.demo import letters
from eoffice.demo.letters import Letter
from eoffice.demo.lifecycle import _add_working_days, _after_working_minutes, _working_days_before
from eoffice.demo.planner import Member
from eoffice.extensions import db
from eoffice.incoming import processing
from eoffice.incoming.processing import Party
from eoffice.orgs.models import Organisation, OrgKind, Role, User
from eoffice.outgoing import delivery, drafting, issuing, review
from eoffice.outgoing.drafting import DraftInput, RecipientInput
from eoffice.outgoing.layout import date_phrase
from eoffice.outgoing.models import Delivery, OutgoingDocument, RecipientKind
from eoffice.signing import services as signing
from eoffice.signing.certificates import issue_identity, make_test_ca
from eoffice.signing.models import Certificate
from eoffice.signing.stamps import seal_png, signature_png
from workflows import outgoing as outgoing_flow

CA_NAME = "CA thử nghiệm eoffice — không dùng cho văn bản thật"
# From this many incoming documents on, the whole story is told (about ten issued
# documents); a smaller demo (the tests seed 40) keeps the five that show every status.
FULL_FROM = 100
# The stamp images fill the 56 × 30 mm signature band at about 160 dpi. Pillow draws the
# default sizes in 0.2–0.4 s each; for ~35 images that alone would be ten seconds.
SIGNATURE_SIZE = (360, 144)
SEAL_SIZE = 240
KH_MONTH_DAY = (9, 25)  # the plan goes out in late September, after the Sở's guidance
SO_NUMBER = 3412  # the Sở's (invented) guidance the plan cites


# --- Certificates -------------------------------------------------------------------------


def install_certificates(members: list[Member], password: str) -> None:
    """The test CA, trusted; a certificate (password: the demo password) with a signature
    image for every leader and deputy, and one with a seal for every member organisation,
    each uploaded by that organisation's admin."""
    ca = make_test_ca(CA_NAME)
    signing.register_trust_anchor(CA_NAME, ca.certificate_pem, actor=_admin(members[0]))
    for member in members:
        org = db.session.get(Organisation, member.org_id)
        assert org is not None
        admin = _admin(member)
        signers = db.session.scalars(
            select(User).where(User.org_id == org.id).order_by(User.id)
        ).unique()
        for person in [u for u in signers if u.has_role(Role.LEADER, Role.DEPUTY)]:
            p12 = issue_identity(
                ca, person.full_name, organisation=org.name, password=password.encode()
            )
            image = signature_png(
                person.full_name, width=SIGNATURE_SIZE[0], height=SIGNATURE_SIZE[1]
            )
            signing.upload_certificate(admin, person, p12, password, image)
        p12 = issue_identity(ca, org.name, organisation=org.name, password=password.encode())
        signing.upload_certificate(admin, org, p12, password, seal_png(org.name, size=SEAL_SIZE))


def _admin(member: Member) -> User:
    email = member.logins[Role.ADMIN][0]
    return db.session.scalars(select(User).where(User.email == email)).one()


@contextmanager
def inline_publishing() -> Iterator[None]:
    """Publish (render, sign, deliver) inside the signing step, not through the queue:
    the seed walks history in one process, and a recipient registers its copy minutes
    after the signature, at a moment the queue would never keep."""
    config = current_app.config
    previous = config.get("OUTGOING_PUBLISH_ASYNC", True)
    config["OUTGOING_PUBLISH_ASYNC"] = False
    try:
        yield
    finally:
        config["OUTGOING_PUBLISH_ASYNC"] = previous


# --- Time -------------------------------------------------------------------------------


class Timeline:
    """Dated service calls, run in time order, each with the clock at its moment."""

    def __init__(self, rng: Random, cutoff: datetime):
        self.rng = rng
        self.cutoff = cutoff
        self._queue: list[tuple[datetime, int, Callable[[], object]]] = []
        self._order = itertools.count()

    def add(self, moment: datetime, action: Callable[[], object]) -> None:
        heapq.heappush(self._queue, (moment, next(self._order), action))

    def run_until(self, moment: datetime) -> None:
        """Every step before `moment`, oldest first."""
        while self._queue and self._queue[0][0] < moment:
            at, _, action = heapq.heappop(self._queue)
            set_clock(lambda at=at: at)
            action()

    def run_all(self) -> None:
        self.run_until(datetime.max.replace(tzinfo=UTC))

    def track(self, moment: datetime) -> Track:
        return Track(self, moment)


class Track:
    """One line of events (a document's review, one recipient's handling): each step a
    few working minutes after the one before, never after the cutoff (then a minute
    later, to keep the order, as lifecycle does)."""

    def __init__(self, timeline: Timeline, moment: datetime):
        self.timeline = timeline
        self.moment = moment

    def then(self, least: int, most: int, action: Callable[[], object]) -> Track:
        moment = _after_working_minutes(self.moment, self.timeline.rng.randint(least, most))
        return self._add(moment, action)

    def at(self, moment: datetime, action: Callable[[], object]) -> Track:
        """At a chosen moment (a signature planned for a given day), or soon after the
        previous step if that is already later."""
        if moment <= self.moment:
            moment = self.moment + timedelta(minutes=self.timeline.rng.randint(5, 30))
        return self._add(moment, action)

    def branch(self) -> Track:
        return Track(self.timeline, self.moment)

    def _add(self, moment: datetime, action: Callable[[], object]) -> Track:
        cutoff = self.timeline.cutoff
        if moment > cutoff:
            moment = max(self.moment, min(self.moment + timedelta(minutes=1), cutoff))
        self.moment = moment
        self.timeline.add(moment, action)
        return self


def school_year(day: date) -> int:
    """The year a school year starts in; it turns over in July, as in planner.fill."""
    return day.year if day.month >= 7 else day.year - 1


def plan_day(today: date) -> date:
    """The day the district signs its plan: late September of the current school year,
    or, early in a school year, four weeks back (before the copies' stories begin)."""
    start = school_year(today)
    day = date(start, *KH_MONTH_DAY)
    day = min(day, _working_days_before(today, 20))
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


def history_start(today: date) -> date:
    """The first day the outgoing story needs: the world must exist before it."""
    return _working_days_before(plan_day(today), 5)


def _context(day: date, **extra: object) -> dict[str, object]:
    """Placeholders of letters.py for a document written on `day`."""
    start = school_year(day)
    previous = day.replace(day=1) - timedelta(days=1)
    coming = (day.replace(day=28) + timedelta(days=4)) if day.day >= 20 else day
    return {
        "nam_hoc": f"{start} - {start + 1}",
        "nam": day.year,
        "hoc_ky": "học kỳ I" if day.month >= 7 or day.month == 1 else "học kỳ II",
        "thang_truoc": f"{previous.month}/{previous.year}",
        "thang_toi": f"{coming.month}/{coming.year}",
        **extra,
    }


# --- The story --------------------------------------------------------------------------


@dataclass
class Paper:
    """One outgoing document in the making; ids are filled in as its steps run."""

    org_id: int
    deadline: date | None = None  # what recipients are given to act on it
    doc_id: int = 0
    copies: dict[int, int] = field(default_factory=dict)  # recipient org id → incoming id


def _user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    assert user is not None
    return user


def _document(paper: Paper) -> OutgoingDocument:
    doc = db.session.get(OutgoingDocument, paper.doc_id)
    assert doc is not None
    return doc


def _reference(paper: Paper) -> str:
    """ "Kế hoạch số 01/KH-GDĐT ngày 25 tháng 9 năm 2026 của …", as a reply cites it."""
    doc = _document(paper)
    kind = "Công văn" if doc.is_cong_van else doc.document_type.name
    assert doc.document_date is not None
    return f"{kind} số {doc.symbol} {date_phrase(doc.document_date)} của {doc.organisation.name}"


class Story:
    """Plans every outgoing step of the demo on a timeline (nothing runs here)."""

    def __init__(self, timeline: Timeline, members: list[Member], now: datetime, *, full: bool):
        self.timeline = timeline
        self.rng = timeline.rng
        self.full = full
        self.today = now.date()
        self.tz = now.tzinfo
        self.district = members[0]
        self.schools = members[1:]
        self.ids = {email: uid for email, uid in db.session.execute(select(User.email, User.id))}
        self.types = {
            name: tid
            for name, tid in db.session.execute(select(DocumentType.name, DocumentType.id))
        }

    # People and days ---------------------------------------------------------------------

    def person(self, member: Member, login: str) -> int:
        return self.ids[f"{login}@{member.spec.domain}"]

    def head(self, member: Member) -> int:
        return member.leader_id

    def teacher(self, member: Member) -> int:
        return self.ids[member.logins[Role.STAFF][0]]

    def moment(self, day: date, hour: int, minute: int) -> datetime:
        return datetime.combine(day, time(hour, minute), tzinfo=self.tz)

    def at_some_time(self, day: date) -> datetime:
        """A moment in the office hours of `day` (the morning or early afternoon)."""
        return self.moment(day, self.rng.choice((8, 9, 10, 13, 14)), self.rng.randrange(60))

    def days_ago(self, count: int) -> date:
        return _working_days_before(self.today, count)

    def of_kind(self, *kinds: str) -> list[Member]:
        return [m for m in self.schools if m.kind in kinds]

    # Building blocks ---------------------------------------------------------------------

    def draft_input(
        self,
        letter: Letter,
        context: Callable[[], dict[str, object]],
        *,
        signer: int,
        recipients: Callable[[], list[RecipientInput]],
        urgency: str = "normal",
        reply_to: Callable[[], int] | None = None,
    ) -> Callable[[], DraftInput]:
        """The draft as its drafter types it, at the moment they type it (a reply cites
        the number and date of what it answers, known only once that was issued)."""

        def build() -> DraftInput:
            values = context()
            return DraftInput(
                document_type_id=self.types[letter.type_name],
                subject=letter.subject.format_map(values),
                body_html=letter.body.format_map(values),
                addressees=letter.addressees,
                signer_id=signer,
                urgency_code=urgency,
                recipients=recipients(),
                reply_to_id=reply_to() if reply_to else None,
                completes_reply=reply_to is not None,
            )

        return build

    def review(
        self,
        paper: Paper,
        track: Track,
        drafter: int,
        build: Callable[[], DraftInput],
        *,
        clerk: int,
        signer: int,
        sign_at: datetime | None = None,
        stop: str = "signed",
        sent_back: tuple[str, Callable[[], DraftInput]] | None = None,
    ) -> Track:
        """Drafted, submitted, checked by the clerk, signed; `stop` leaves it waiting:
        "draft", "submitted" (at the clerk's check), "approved" (at the signer), or
        "sent_back" (returned to the drafter with the clerk's comment)."""

        def write() -> None:
            paper.doc_id = drafting.create_draft(_user(drafter), build()).id

        track.then(0, 5, write)
        if stop == "draft":
            return track
        track.then(30, 180, lambda: review.submit(_user(drafter), paper.doc_id))
        if sent_back is not None or stop == "sent_back":
            reason, revised = sent_back or (letters.SEND_BACK_REASONS[1], build)
            track.then(40, 240, lambda: review.send_back(_user(clerk), paper.doc_id, reason))
            if stop == "sent_back":
                return track
            track.then(60, 300, lambda: self._revise(paper, drafter, revised))
            track.then(5, 40, lambda: review.submit(_user(drafter), paper.doc_id))
        if stop == "submitted":
            return track
        track.then(30, 240, lambda: review.approve(_user(clerk), paper.doc_id, "Thể thức đạt."))
        if stop == "approved":
            return track

        def sign() -> None:
            issuing.sign(_user(signer), paper.doc_id, "Đồng ý ban hành.")

        if sign_at is not None:
            return track.at(sign_at, sign)
        return track.then(30, 300, sign)

    @staticmethod
    def _revise(paper: Paper, drafter: int, revised: Callable[[], DraftInput]) -> None:
        drafting.update_draft(
            _user(drafter), paper.doc_id, revised(), note="Đã sửa theo ý kiến của văn thư."
        )

    def receive(
        self,
        paper: Paper,
        after: Track,
        member: Member,
        status: str,
        *,
        handler: int | None = None,
        result: str = "Đã tổ chức thực hiện, báo cáo kết quả đúng hạn.",
    ) -> Track:
        """A recipient's handling of its copy, up to delivery `status`: "01" (still in the
        inbox), "03" (registered and presented), "04" (assigned), "05" (in progress),
        "06" (completed); "reply" stops at in progress for a reply to complete it."""
        track = after.branch()
        if status == "01":
            return track
        clerk, leader = member.clerk_id, self.head(member)
        handler = handler or self.teacher(member)

        def register() -> None:
            found = db.session.scalars(
                select(Delivery).where(
                    Delivery.outgoing_id == paper.doc_id,
                    Delivery.recipient_org_id == member.org_id,
                )
            ).one()
            incoming = delivery.register_delivery(_user(clerk), found.id)
            paper.copies[member.org_id] = incoming.id

        track.then(10, 240, register)
        track.then(
            5, 120, lambda: processing.present(_user(clerk), self._copy(paper, member), leader)
        )
        if status == "03":
            return track
        track.then(20, 480, lambda: self._assign(paper, member, leader, handler))
        if status == "04":
            return track
        track.then(30, 600, lambda: self._progress(paper, member, handler))
        if status in ("05", "reply"):
            return track
        track.then(
            120,
            1800,
            lambda: processing.complete(_user(handler), self._copy(paper, member), result),
        )
        return track

    @staticmethod
    def _copy(paper: Paper, member: Member) -> int:
        return paper.copies[member.org_id]

    def _progress(self, paper: Paper, member: Member, handler: int) -> None:
        note = "Đã nghiên cứu văn bản, đang triển khai thực hiện."
        processing.record_progress(_user(handler), self._copy(paper, member), note, 40)

    def _assign(self, paper: Paper, member: Member, leader: int, handler: int) -> None:
        today = local_today()
        deadline = paper.deadline
        if deadline is None or deadline <= today:
            deadline = _add_working_days(today, 5)
        person = _user(handler)
        processing.assign(
            _user(leader),
            self._copy(paper, member),
            Party(user_id=handler),
            deadline=deadline,
            instruction=f"Giao đồng chí {person.full_name} chủ trì tham mưu, triển khai thực "
            "hiện; báo cáo kết quả trước hạn.",
        )

    def members_as(self, members: list[Member]) -> list[RecipientInput]:
        return [RecipientInput(RecipientKind.MEMBER, org_id=m.org_id) for m in members]

    def to_district(self) -> list[RecipientInput]:
        return [RecipientInput(RecipientKind.MEMBER, org_id=self.district.org_id, addressed=True)]

    # The documents -----------------------------------------------------------------------

    def plan(self) -> None:
        plan = self.district_plan()
        letter = self.district_letter(plan)
        self.school_report(letter)
        self.deputy_letter()
        self.recent_report()
        if self.full:
            self.plan_replies(plan)
            self.kindergarten_letter()
            self.invitation()
            self.kindergarten_request()
        self.district_drafts()
        self.school_drafts()

    def district_plan(self) -> Paper:
        """The KẾ HOẠCH of the IT specialist, sent back once by the clerk for its "Nơi nhận"
        list, signed by the head; every school registers it and most act on it."""
        district = self.district
        day = plan_day(self.today)
        start = school_year(day)
        deadlines = (date(start, 10, 4), date(start + 1, 1, 4), date(start + 1, 6, 6))
        context = _context(
            day,
            so_number=SO_NUMBER,
            so_date=date_phrase(_working_days_before(day, 8)),
            **{f"d{n}": f"{d:%d/%m/%Y}" for n, d in enumerate(deadlines, start=1)},
        )
        paper = Paper(district.org_id, deadline=deadlines[0])
        specialist = self.person(district, "quantri")  # Chuyên viên, Tổ Công nghệ thông tin

        def recipients(complete: bool) -> Callable[[], list[RecipientInput]]:
            after = letters.KE_HOACH_CNTT_AFTER if complete else ()
            return lambda: (
                [RecipientInput(RecipientKind.TEXT, name=n) for n in letters.KE_HOACH_CNTT_BEFORE]
                + self.members_as(self.schools)
                + [RecipientInput(RecipientKind.TEXT, name=n) for n in after]
            )

        def version(complete: bool) -> Callable[[], DraftInput]:
            return self.draft_input(
                letters.KE_HOACH_CNTT,
                lambda: context,
                signer=self.head(district),
                recipients=recipients(complete),
            )

        track = self.timeline.track(self.moment(_working_days_before(day, 3), 8, 40))
        signed = self.review(
            paper,
            track,
            specialist,
            version(False),
            clerk=district.clerk_id,
            signer=self.head(district),
            sign_at=self.moment(day, 10, 20),
            sent_back=(letters.SEND_BACK_REASONS[0], version(True)),
        )
        replying = ("THKĐ", "THCSCL") if self.full else ()
        statuses = ("04", "05", "03", "06", "06", "05", "04", "06", "06", "05")
        for n, school in enumerate(self.schools):
            status = statuses[n % len(statuses)]
            if school.spec.short_name in replying:
                status = "reply"
            self.receive(
                paper,
                signed,
                school,
                status,
                handler=self.person(school, "quantri"),
                result="Đã xây dựng kế hoạch thực hiện nhiệm vụ CNTT của trường, gửi về "
                "Phòng GDĐT.",
            )
        return paper

    def district_letter(self, plan: Paper) -> Paper:
        """A công văn of the IT specialist citing the plan, signed by the head."""
        district = self.district
        sign_day = self.days_ago(15)
        recipients = self.of_kind(OrgKind.PRIMARY, OrgKind.LOWER_SECONDARY)
        due = _add_working_days(sign_day, 7)
        paper = Paper(district.org_id, deadline=due)
        build = self.draft_input(
            letters.CONG_VAN_CSDL,
            lambda: _context(sign_day, kh_ref=_reference(plan), han=f"{due:%d/%m/%Y}"),
            signer=self.head(district),
            recipients=lambda: [
                *self.members_as(recipients),
                RecipientInput(RecipientKind.TEXT, name="Lãnh đạo Phòng GDĐT"),
            ],
        )
        track = self.timeline.track(self.moment(self.days_ago(16), 8, 15))
        signed = self.review(
            paper,
            track,
            self.person(district, "quantri"),
            build,
            clerk=district.clerk_id,
            signer=self.head(district),
            sign_at=self.moment(sign_day, 9, 40),
        )
        # Primary schools first, then lower secondary; a small demo registers fewer copies.
        statuses = ("05", "06", "04", "05", "reply", "03", "04")
        if not self.full:
            statuses = ("01", "01", "01", "01", "reply", "06", "04")
        for school, status in zip(recipients, statuses, strict=True):
            if school.spec.short_name == "THCSBĐ":  # its report answers this letter
                status = "reply"
            self.receive(
                paper,
                signed,
                school,
                status,
                handler=self.person(school, "quantri"),
                result="Đã cập nhật đầy đủ dữ liệu trên Cơ sở dữ liệu ngành.",
            )
        return paper

    def school_report(self, letter: Paper) -> None:
        """THCS Bạch Đằng answers the công văn with a BÁO CÁO signed by its principal;
        issuing it completes the school's copy (06). The district assigns it (04)."""
        school = next(s for s in self.schools if s.spec.short_name == "THCSBĐ")
        drafter = self.person(school, "quantri")
        day = self.days_ago(11)
        build = self.draft_input(
            letters.BAO_CAO_CSDL,
            lambda: _context(
                day,
                cv_ref=_reference(letter),
                school=school.spec.name,
                lop=24,
                hoc_sinh=1032,
                doi_ngu=68,
            ),
            signer=self.head(school),
            recipients=self.to_district,
            reply_to=lambda: letter.copies[school.org_id],
        )
        paper = Paper(school.org_id, deadline=_add_working_days(self.days_ago(10), 5))
        track = self.timeline.track(self.moment(day, 14, 5))
        signed = self.review(
            paper,
            track,
            drafter,
            build,
            clerk=school.clerk_id,
            signer=self.head(school),
            sign_at=self.moment(self.days_ago(10), 10, 0),
        )
        self.receive(
            paper, signed, self.district, "04", handler=self.person(self.district, "quantri")
        )

    def deputy_letter(self) -> None:
        """A công văn signed by a deputy: "KT. TRƯỞNG PHÒNG / PHÓ TRƯỞNG PHÒNG"."""
        district = self.district
        sign_day = self.days_ago(7)
        recipients = self.of_kind(OrgKind.PRIMARY, OrgKind.LOWER_SECONDARY)
        due = _add_working_days(sign_day, 8)
        deputy = self.person(district, "photruongphong1")
        context = _context(
            sign_day,
            han=f"{due:%d/%m/%Y}",
            thi_1=f"{_add_working_days(sign_day, 15):%d/%m/%Y}",
            thi_2=f"{_add_working_days(sign_day, 18):%d/%m/%Y}",
        )
        build = self.draft_input(
            letters.CONG_VAN_HOI_THI,
            lambda: context,
            signer=deputy,
            recipients=lambda: self.members_as(recipients),
        )
        paper = Paper(district.org_id, deadline=due)
        track = self.timeline.track(self.moment(self.days_ago(8), 8, 30))
        signed = self.review(
            paper,
            track,
            self.person(district, "chuyenvien.phothong"),
            build,
            clerk=district.clerk_id,
            signer=deputy,
            sign_at=self.moment(sign_day, 15, 10),
        )
        statuses = ("03", "04", "01", "04", "01", "03", "04")
        if not self.full:
            statuses = ("01", "03", "01", "01", "04", "01", "01")
        for school, status in zip(recipients, statuses, strict=True):
            self.receive(paper, signed, school, status)

    def recent_report(self) -> None:
        """A school's monthly BÁO CÁO signed yesterday: still in the district's inbox (01)."""
        school = next(s for s in self.schools if s.spec.short_name == "THCSKT")
        day = self.days_ago(2)
        build = self.draft_input(
            letters.BAO_CAO_VAN_BAN_SO,
            lambda: _context(day, school=school.spec.name),
            signer=self.head(school),
            recipients=self.to_district,
        )
        track = self.timeline.track(self.moment(day, 9, 5))
        self.review(
            Paper(school.org_id),
            track,
            self.person(school, "quantri"),
            build,
            clerk=school.clerk_id,
            signer=self.head(school),
            sign_at=self.moment(self.days_ago(1), 15, 20),
        )

    def plan_replies(self, plan: Paper) -> None:
        """Two schools answer the plan with their own KẾ HOẠCH, which completes their copy;
        at the district one is done (06), the other in progress (05)."""
        day = plan_day(self.today)
        for n, short in enumerate(("THKĐ", "THCSCL")):
            school = next(s for s in self.schools if s.spec.short_name == short)
            write_day = _add_working_days(day, 3 + n)
            build = self.draft_input(
                letters.KE_HOACH_TRUONG,
                lambda school=school, write_day=write_day: _context(
                    write_day, kh_ref=_reference(plan), school=school.spec.name
                ),
                signer=self.head(school),
                recipients=lambda: [
                    *self.to_district(),
                    RecipientInput(RecipientKind.TEXT, name="Các tổ chuyên môn"),
                ],
                reply_to=lambda school=school: plan.copies[school.org_id],
            )
            paper = Paper(school.org_id, deadline=_add_working_days(write_day, 10))
            track = self.timeline.track(self.moment(write_day, 8, 20))
            signed = self.review(
                paper,
                track,
                self.person(school, "quantri"),
                build,
                clerk=school.clerk_id,
                signer=self.head(school),
            )
            self.receive(
                paper,
                signed,
                self.district,
                ("06", "05")[n],
                handler=self.person(self.district, "quantri"),
                result="Đã tiếp nhận, tổng hợp vào báo cáo chung của Phòng GDĐT.",
            )

    def kindergarten_letter(self) -> None:
        """An urgent công văn to the kindergartens, signed by the other deputy."""
        district = self.district
        deputy = self.person(district, "photruongphong2")
        sign_day = self.days_ago(2)
        build = self.draft_input(
            letters.CONG_VAN_DICH_BENH,
            lambda: _context(sign_day),
            signer=deputy,
            recipients=lambda: self.members_as(self.of_kind(OrgKind.KINDERGARTEN)),
            urgency="urgent",
        )
        paper = Paper(district.org_id, deadline=_add_working_days(sign_day, 3))
        track = self.timeline.track(self.moment(self.days_ago(3), 8, 10))
        signed = self.review(
            paper,
            track,
            self.person(district, "chuyenvien.mamnon"),
            build,
            clerk=district.clerk_id,
            signer=deputy,
            sign_at=self.moment(sign_day, 14, 30),
        )
        for school, status in zip(
            self.of_kind(OrgKind.KINDERGARTEN), ("01", "04", "03"), strict=False
        ):
            self.receive(paper, signed, school, status)

    def invitation(self) -> None:
        """Yesterday's GIẤY MỜI to every school: two clerks have registered it so far."""
        district = self.district
        sign_day = self.days_ago(1)
        build = self.draft_input(
            letters.GIAY_MOI_TAP_HUAN,
            lambda: _context(sign_day, ngay_hop=f"{_add_working_days(sign_day, 4):%d/%m/%Y}"),
            signer=self.head(district),
            recipients=lambda: self.members_as(self.schools),
        )
        paper = Paper(district.org_id)
        track = self.timeline.track(self.moment(self.days_ago(2), 10, 0))
        signed = self.review(
            paper,
            track,
            self.person(district, "quantri"),
            build,
            clerk=district.clerk_id,
            signer=self.head(district),
            sign_at=self.moment(sign_day, 9, 30),
        )
        for school in self.schools[3:5]:
            self.receive(paper, signed, school, "03")

    def kindergarten_request(self) -> None:
        """A TỜ TRÌNH signed by a deputy principal (KT. HIỆU TRƯỞNG), registered (03)."""
        school = self.of_kind(OrgKind.KINDERGARTEN)[0]
        deputy = self.person(school, "phohieutruong")
        day = self.days_ago(5)
        build = self.draft_input(
            letters.TO_TRINH_THIET_BI,
            lambda: _context(day, school=school.spec.name),
            signer=deputy,
            recipients=self.to_district,
        )
        track = self.timeline.track(self.moment(day, 9, 40))
        paper = Paper(school.org_id)
        signed = self.review(
            paper,
            track,
            self.person(school, "quantri"),
            build,
            clerk=school.clerk_id,
            signer=deputy,
        )
        self.receive(paper, signed, self.district, "03")

    def district_drafts(self) -> None:
        """Work on its way at the district: a fresh draft, one sent back, one at the
        clerk's check, one for the head to sign, one for each deputy."""
        district = self.district
        plans = [
            ("tccb", "chuyenvien.tccb", "truongphong", "draft", 1),
            ("phothong", "chuyenvien.phothong", "truongphong", "submitted", 1),
            ("cntt", "quantri", "truongphong", "approved", 2),
            ("mamnon", "chuyenvien.mamnon", "photruongphong1", "approved", 2),
        ]
        if self.full:
            plans += [
                ("khtc", "chuyenvien.khtc", "truongphong", "sent_back", 4),
                ("phothong2", "chuyenvien.phothong", "photruongphong2", "approved", 1),
            ]
        for key, drafter, signer, stop, ago in plans:
            day = self.days_ago(ago)
            letter = letters.DISTRICT_DRAFTS[key]
            recipients = (
                self.schools
                if letter.type_name == "Công văn"
                else self.of_kind(OrgKind.PRIMARY, OrgKind.LOWER_SECONDARY)
            )
            build = self.draft_input(
                letter,
                lambda day=day: _context(day),
                signer=self.person(district, signer),
                recipients=lambda recipients=recipients: self.members_as(recipients),
            )
            track = self.timeline.track(self.at_some_time(day))
            self.review(
                Paper(district.org_id),
                track,
                self.person(district, drafter),
                build,
                clerk=district.clerk_id,
                signer=self.person(district, signer),
                stop=stop,
            )

    def school_drafts(self) -> None:
        """In each school (a few in a small demo) a teacher's document waits for the clerk
        or for the principal; every third one is to be signed by the deputy principal."""
        schools = self.schools if self.full else self.schools[3::4]
        for n, school in enumerate(schools):
            letter = letters.SCHOOL_DRAFTS[n % len(letters.SCHOOL_DRAFTS)]
            signer = self.person(school, "phohieutruong" if n % 3 == 2 else "hieutruong")
            internal = letter.type_name == "Kế hoạch"
            day = self.days_ago(1 + n % 2)

            def recipients(internal: bool = internal) -> list[RecipientInput]:
                if internal:
                    return [
                        RecipientInput(RecipientKind.TEXT, name="Ban Giám hiệu"),
                        RecipientInput(RecipientKind.TEXT, name="Các tổ chuyên môn"),
                    ]
                return self.to_district()

            build = self.draft_input(
                letter,
                lambda day=day, school=school: _context(day, school=school.spec.name),
                signer=signer,
                recipients=recipients,
            )
            track = self.timeline.track(self.at_some_time(day))
            self.review(
                Paper(school.org_id),
                track,
                self.teacher(school),
                build,
                clerk=school.clerk_id,
                signer=signer,
                stop="approved" if n % 2 == 0 else "submitted",
            )


# --- What the seed reports ----------------------------------------------------------------


@dataclass
class OutgoingSummary:
    issued: int
    on_the_way: int  # drafts and documents in review
    deliveries: int
    certificates: int

    def report(self) -> list[str]:
        return [
            f"Văn bản đi: {self.issued} văn bản đã ký số và ban hành, {self.deliveries} lượt "
            f"gửi trong hệ thống; {self.on_the_way} dự thảo và văn bản đang trình duyệt.",
            f"Chứng thư số thử nghiệm: «{CA_NAME}» đã được đăng ký là chứng thư gốc tin cậy; "
            f"{self.certificates} chứng thư số cho lãnh đạo, cấp phó và các cơ quan "
            "(mật khẩu tệp .p12 là mật khẩu chung ở dưới).",
        ]


def summary() -> OutgoingSummary:
    def count(stmt) -> int:
        return db.session.scalar(stmt) or 0

    return OutgoingSummary(
        issued=count(
            select(func.count(OutgoingDocument.id)).where(
                OutgoingDocument.state == outgoing_flow.ISSUED
            )
        ),
        on_the_way=count(
            select(func.count(OutgoingDocument.id)).where(
                OutgoingDocument.state.in_((outgoing_flow.DRAFT, outgoing_flow.IN_REVIEW))
            )
        ),
        deliveries=count(select(func.count(Delivery.id))),
        certificates=count(select(func.count(Certificate.id))),
    )


def plan_history(rng: Random, members: list[Member], now: datetime, *, full: bool) -> Timeline:
    """Every outgoing step of the demo, dated, ready to run (nothing written yet)."""
    timeline = Timeline(rng, cutoff=now - timedelta(minutes=3))
    Story(timeline, members, now, full=full).plan()
    return timeline
