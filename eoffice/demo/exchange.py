"""The exchange and the four daily check times in the demo, lived through the services.

Two screens would be empty on a new installation: the compliance board of the check
times (/exchange/checks) and the district clerk's exchange inbox (/exchange/inbox, with
its packet log). This module fills them the way a month of real use would have:

- *Check times*: the district's admin sets the four check times for the district and
  its schools; over the last `CHECK_DAYS` office days the district's slots are claimed
  and run as the scheduler does (eoffice.exchange.checks.run_slot, one morning caught up
  after an outage; each run really fetches from the hub) and its clerk presses "Đã kiểm
  tra" (checks.confirm) at a moment drawn from their habits. The ten schools' month
  (some 2,500 more service calls, ten seconds and more) is written in one transaction
  with exactly what those services write for an organisation without the exchange
  (`Story.record_schools`). Most schools are late now and then for the 06:30 check (the
  school opens at 7), two are noticeably worse: the board, its monthly summary and chart
  tell that story.
- *The exchange*: there is no hub while seeding, so the reference hub
  (eoffice.exchange.hub) runs in this process on a temporary SQLite store, on a free
  loopback port. The Sở GDĐT and the UBND Quận 3 really send their edXML packets to it;
  the district's check runs really fetch them (eoffice.exchange.receiving); the clerk
  really registers one (03, and 04 once the head assigns it); the UBND recalls another
  (13). Statuses queued back (01, 03, 04) are sent at once to that hub (`sending_at_once`)
  instead of through the job queue, so the packet log shows them sent at their moment,
  and nothing stays "queued" for a hub that is gone after the seed.
- After the seed the hub is stopped and its store deleted, so the district's exchange
  settings are turned off (by its admin, audited), pointing at the address where
  `flask exchange-hub` would run: nothing calls a dead hub, and the seed's report says
  how to try the exchange live.

Every step is a dated action on the seed's Timeline (eoffice.demo.outgoing), so the one
document registered from the exchange takes its arrival number in time order with the
rest of the district's book. It is fetched by a 06:30 check and registered before the
office opens (arrivals on paper start at 7:15), so no paper arrival can fall between
its arrival time and its registration.
"""

from __future__ import annotations

import logging
import secrets
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from random import Random

from flask import current_app
from sqlalchemy import select
from werkzeug.serving import WSGIRequestHandler, make_server

from eoffice.core import audit
from eoffice.core.timeutil import local_tz, now_utc, set_clock
from eoffice.demo import data
from eoffice.demo.outgoing import Timeline, school_year
from eoffice.demo.planner import Issued, Member, Planner, Sender
from eoffice.exchange import checks, edxml, inbox
from eoffice.exchange import settings as exchange_settings
from eoffice.exchange.checks_models import CheckRun, CheckTrigger, RunState
from eoffice.exchange.client import HubClient
from eoffice.exchange.edxml_routing import add_trace_header
from eoffice.exchange.hub import create_hub
from eoffice.exchange.hubstore import HubStore
from eoffice.exchange.models import ExchangePacket, PacketDirection
from eoffice.extensions import db
from eoffice.incoming import processing
from eoffice.incoming.processing import Party
from eoffice.orgs.models import Organisation, Role, User
from workflows.calendar import WorkingCalendar
from workflows.checktimes import Slot, slot_for_confirmation, slots_between

log = logging.getLogger(__name__)

CHECK_DAYS = 30  # office days of check history, today included
CHECK_TIMES = "06:30, 11:00, 13:30, 16:30"  # the district plan's four times (§II.2)
WINDOW_MINUTES = 30
REMINDER_MINUTES = 10
# Where `flask exchange-hub` listens by default: what the settings point at after the seed.
REFERENCE_HUB_URL = "http://127.0.0.1:8700"
RUN_DELAY = timedelta(seconds=4)  # the scheduler's tick comes a few seconds after the time
OUTAGE_DAY = 12  # office days ago: the server restarted late, the 06:30 check caught up
OUTAGE_RUN = time(7, 42)
MANUAL_CHECKS = ((3, time(9, 12)), (10, time(14, 41)), (17, time(8, 5)))  # "Kiểm tra ngay"


# --- Clerks' habits ----------------------------------------------------------------------


@dataclass(frozen=True)
class Habit:
    """How a clerk answers a slot: on time, late, or not at all (the rest)."""

    on_time: float
    late: float
    early_bird: bool = False  # in the office before 07:00, so the 06:30 check is on time
    leaves_early: bool = False  # the 16:30 check is often forgotten


PUNCTUAL = Habit(0.95, 0.04, early_bird=True)
USUAL = Habit(0.86, 0.10)
HABITS = {  # the two schools that make the district's reminders necessary
    "Trường Mầm non 7A": Habit(0.56, 0.24, leaves_early=True),
    "Trường Tiểu học Lương Định Của": Habit(0.70, 0.18),
}


def habit_of(member: Member) -> Habit:
    if member.spec.kind == data.D:
        return PUNCTUAL
    return HABITS.get(member.spec.name, USUAL)


def _verdict(rng: Random, habit: Habit, slot: Slot, times: tuple[time, ...]) -> str:
    on_time, late = habit.on_time, habit.late
    if slot.at == times[0] and not habit.early_bird:
        shift = on_time * 0.35  # the school opens at 7: the 06:30 check is often late
        on_time, late = on_time - shift, late + shift
    if slot.at == times[-1] and habit.leaves_early:
        on_time, late = on_time * 0.7, late * 0.7
    roll = rng.random()
    return "on_time" if roll < on_time else "late" if roll < on_time + late else "missed"


def _confirmed_at(rng: Random, verdict: str, slot: Slot, times: tuple[time, ...]) -> datetime:
    """A moment inside the slot's period giving that verdict (checktimes.classify): from
    10 minutes before up to the window for on time, then until the next slot opens."""
    at = datetime.combine(slot.day, slot.at, tzinfo=local_tz())
    if verdict == "on_time":
        minutes = rng.uniform(-8, WINDOW_MINUTES - 2)
    else:
        later = [t for t in times if t > slot.at]
        gap = (
            (datetime.combine(slot.day, later[0]) - datetime.combine(slot.day, slot.at))
            if later
            else timedelta(minutes=80)  # the last check: before going home
        )
        top = min(gap.total_seconds() / 60 - 12, 150)
        minutes = rng.uniform(WINDOW_MINUTES + 4, max(top, WINDOW_MINUTES + 5))
    return at + timedelta(minutes=minutes)


# --- The reference hub, in process ---------------------------------------------------------


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs) -> None:  # one line per request would bury the seed
        pass


@dataclass
class Hub:
    url: str
    secrets: dict[str, str] = field(default_factory=dict)

    def client(self, agency_code: str) -> HubClient:
        return HubClient(self.url, agency_code, self.secrets[agency_code], timeout=30)


def _stamp_at_seed_time(data_: bytes, hub_code: str, _when: datetime) -> bytes:
    """The hub's TraceHeader carries the seed's clock, not the wall clock: the packet
    arrived on the hub at its historical moment, as the rows that receive it say."""
    return add_trace_header(data_, hub_code, now_utc())


@contextmanager
def reference_hub(agencies: list[tuple[str, str]]) -> Iterator[Hub]:
    """The reference hub on a temporary store and a free loopback port, for the seed only.

    A real HTTP server in a thread, so the application's own client, fetch and sending
    code run exactly as against the real exchange; the store is deleted afterwards.
    """
    with tempfile.TemporaryDirectory(prefix="eoffice-demo-hub-") as folder:
        store = HubStore(Path(folder) / "hub.db")
        hub_secrets = {}
        for code, name in agencies:
            hub_secrets[code] = secrets.token_urlsafe(24)
            store.add_agency(code, name, hub_secrets[code])
        app = create_hub(store, stamp=_stamp_at_seed_time)
        server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
        thread = threading.Thread(target=server.serve_forever, name="demo-hub", daemon=True)
        thread.start()
        try:
            yield Hub(f"http://127.0.0.1:{server.server_port}", hub_secrets)
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)


@contextmanager
def sending_at_once() -> Iterator[None]:
    """Send each outbound packet (01, 03, 04…) right after its step commits, in this
    thread, instead of enqueuing a job: the seed walks history in one process with the
    clock moved, and a job would run later (or in the embedded worker thread, racing the
    seed) against a hub that no longer exists (EXCHANGE_SEND_ASYNC, eoffice.exchange.outbox)."""
    config = current_app.config
    previous = config.get("EXCHANGE_SEND_ASYNC", True)
    config["EXCHANGE_SEND_ASYNC"] = False
    try:
        yield
    finally:
        config["EXCHANGE_SEND_ASYNC"] = previous


# --- Settings ------------------------------------------------------------------------------


def _admin(member: Member) -> User:
    email = member.logins[Role.ADMIN][0]
    return db.session.scalars(select(User).where(User.email == email)).one()


def set_up(district: Member, hub: Hub) -> None:
    """The district's admin sets the check times (the schools inherit them) and connects
    the district to the exchange."""
    admin = _admin(district)
    checks.save_settings(
        admin,
        checks.SettingsInput(CHECK_TIMES, list(range(5)), WINDOW_MINUTES, REMINDER_MINUTES),
    )
    code = district.spec.agency_code
    exchange_settings.save_settings(
        _admin(district),
        exchange_settings.SettingsInput(hub.url, hub.secrets[code], enabled=True),
    )


def disconnect(district: Member, moment: datetime) -> None:
    """The seed's hub is gone: the exchange is turned off, pointing where `flask
    exchange-hub` would listen, so no check or send calls a dead address."""
    set_clock(lambda: moment)
    exchange_settings.save_settings(
        _admin(district),
        exchange_settings.SettingsInput(REFERENCE_HUB_URL, "", enabled=False),
    )


# --- What the outside agencies send ----------------------------------------------------------


@dataclass(frozen=True)
class Outside:
    """One document an outside agency sends to the district through the exchange."""

    sender: str  # key in the seed's senders: "so" or "ubnd"
    type_name: str
    subject: str  # {nam_hoc}: the school year
    topic: str
    days_ago: int  # office days before today
    sent_at: time
    priority: int = 0
    due_in: int | None = None  # days after the document date
    fate: str = "awaiting"  # awaiting, registered, recalled


STORY: tuple[Outside, ...] = (
    Outside(
        "so", "Công văn", "Về việc triển khai sổ liên lạc điện tử năm học {nam_hoc}", "cntt",
        8, time(17, 20), due_in=20, fate="registered",
    ),
    Outside(
        "so", "Kế hoạch", "Tổ chức Hội thi giáo viên dạy giỏi cấp thành phố năm học {nam_hoc}",
        "pt", 2, time(14, 5),
    ),
    Outside(
        "ubnd", "Công văn",
        "Về việc tăng cường công tác phòng, chống dịch bệnh mùa mưa trong trường học", "yte",
        1, time(9, 40), priority=1, fate="recalled",
    ),
    Outside(
        "so", "Công văn", "Về việc báo cáo nhanh số liệu học sinh đầu năm học {nam_hoc}", "kt",
        1, time(10, 25), priority=1, due_in=7,
    ),
    Outside(
        "ubnd", "Giấy mời", "Dự họp giao ban công tác giáo dục và đào tạo quận", "vp",
        1, time(15, 30),
    ),
)  # fmt: skip
RECALL_REASON = "Văn bản gửi nhầm nơi nhận; Ủy ban nhân dân Quận 3 sẽ ban hành văn bản điều chỉnh."
RECALL_AT = time(14, 50)
REGISTER_DELAY = timedelta(minutes=22)  # after the 06:30 fetch, before paper at 7:15
ASSIGN_INSTRUCTION = "Giao Tổ Công nghệ thông tin tham mưu triển khai, báo cáo kết quả."


def _type_code(type_name: str) -> int:
    return next(code for code, name in edxml.DEFAULT_DOCUMENT_TYPES.items() if name == type_name)


def _organisation(sender: Sender) -> edxml.Organisation:
    return edxml.Organisation(sender.spec.agency_code or "", sender.spec.name[:200])


def edxml_document_id(code: str, day: date, symbol: str) -> str:
    return f"{code},{day:%Y/%m/%d},{symbol}"


@dataclass(frozen=True)
class SchoolCheck:
    member: Member
    slot: Slot
    trigger: CheckTrigger
    run_at: datetime
    confirmed_at: datetime | None


@dataclass
class Sent:
    """A document as sent, for the steps that follow it (registration, recall)."""

    outside: Outside
    document_id: str = ""


class Story:
    """The exchange and check-time steps of the demo, as dated Timeline actions."""

    def __init__(
        self,
        timeline: Timeline,
        planner: Planner,
        members: list[Member],
        senders: dict[str, list[Sender]],
        hub: Hub,
        now: datetime,
    ):
        self.timeline = timeline
        self.planner = planner
        self.members = members
        self.district = members[0]
        self.senders = senders
        self.hub = hub
        self.now = now
        self.cutoff = now - timedelta(minutes=3)
        self.rng = Random(2026 + 6)
        self.tz = local_tz()
        config = checks.effective_config(db.session.get(Organisation, self.district.org_id))
        self.times = config.times
        self.calendar: WorkingCalendar = checks.calendar_for(config)
        # What each clerk was meant to do with each slot: on_time, late, missed, pending.
        self.planned: dict[tuple[int, Slot], str] = {}
        self.schools: list[SchoolCheck] = []

    # Dates ------------------------------------------------------------------------------

    def office_day(self, days_ago: int) -> date:
        """The office day `days_ago` office days before today (0: today, if it is one)."""
        day = self.now.date()
        while not self.calendar.is_working_day(day):
            day -= timedelta(days=1)
        count = days_ago
        while count:
            day -= timedelta(days=1)
            if self.calendar.is_working_day(day):
                count -= 1
        return day

    def at(self, day: date, moment: time) -> datetime:
        return datetime.combine(day, moment, tzinfo=self.tz)

    def add(self, moment: datetime, action: Callable[[], object]) -> None:
        if moment <= self.cutoff:
            self.timeline.add(moment, action)

    # The plan ---------------------------------------------------------------------------

    def plan(self) -> None:
        self.plan_checks()
        for outside in STORY:
            self.plan_document(outside)

    def plan_checks(self) -> None:
        first = self.office_day(CHECK_DAYS - 1)
        start = datetime.combine(first, time(0), tzinfo=self.tz).astimezone(UTC)
        slots = slots_between(
            start - timedelta(microseconds=1),
            self.cutoff.astimezone(UTC),
            self.times,
            self.calendar,
            self.tz,
        )
        outage = self.office_day(OUTAGE_DAY)
        current = slot_for_confirmation(
            self.now.astimezone(UTC), self.times, self.calendar, self.tz
        )
        for slot in slots:
            late = slot.day == outage and slot.at == self.times[0]
            run_at = self.at(slot.day, OUTAGE_RUN) if late else slot.instant(self.tz) + RUN_DELAY
            if run_at > self.cutoff:
                continue
            trigger = CheckTrigger.CATCH_UP if late else CheckTrigger.SCHEDULE
            self.add(run_at, lambda slot=slot, trigger=trigger: self.run(slot, trigger))
            for member in self.members:
                if member is self.district and slot == current:
                    continue  # left for the visitor to press "Đã kiểm tra"
                verdict = _verdict(self.rng, habit_of(member), slot, self.times)
                self.planned[(member.org_id, slot)] = verdict
                moment = (
                    _confirmed_at(self.rng, verdict, slot, self.times)
                    if verdict != "missed"
                    else None
                )
                if moment is not None and moment > self.cutoff:
                    moment, self.planned[(member.org_id, slot)] = None, "pending"
                if member is self.district:
                    if moment is not None:
                        self.add(moment, lambda clerk=member.clerk_id: self.confirm(clerk))
                else:
                    self.schools.append(SchoolCheck(member, slot, trigger, run_at, moment))
        for days_ago, moment in MANUAL_CHECKS:
            self.add(self.at(self.office_day(days_ago), moment), self.check_now)

    def run(self, slot: Slot, trigger: CheckTrigger) -> None:
        """What the scheduler's tick and the slot's job do, for the district."""
        org = db.session.get(Organisation, self.district.org_id)
        assert org is not None
        checks.run_slot(org, slot, trigger)

    def record_schools(self) -> None:
        """The schools' checks, written in one transaction as the services write them.

        Going through run_slot and confirm for ten schools × four slots × a month would
        be some 2,500 service calls, ten to fifteen seconds of the seed on PostgreSQL.
        A school has no exchange, so its run is what checks.run_slot records for an
        organisation without exchange settings (done at once, no document), and its
        "Đã kiểm tra" what checks.confirm records (the time, the clerk, an audit event);
        the district's own checks above go through those services, and the tests hold
        the board's verdicts for every school to the habits planned here.
        """
        runs: list[tuple[SchoolCheck, CheckRun]] = []
        for item in self.schools:
            first = min(item.run_at, item.confirmed_at or item.run_at)
            run = CheckRun(
                org_id=item.member.org_id,
                day=item.slot.day,
                slot_time=item.slot.at,
                trigger=item.trigger.value,
                state=RunState.DONE.value,
                created_at=first,
                claimed_at=item.run_at,
                started_at=item.run_at,
                finished_at=item.run_at,
                documents=0,
            )
            if item.confirmed_at is not None:
                run.confirmed_at = item.confirmed_at
                run.confirmed_by_id = item.member.clerk_id
            runs.append((item, run))
        db.session.add_all([run for _, run in runs])
        db.session.flush()
        for item, run in runs:
            if item.confirmed_at is None:
                continue
            event = audit.record(
                actor_id=item.member.clerk_id,
                org_id=item.member.org_id,
                subject_type="check_run",
                subject_id=run.id,
                action="confirmed",
                changes={"slot": item.slot.key},
            )
            event.at = item.confirmed_at
        db.session.commit()

    def confirm(self, clerk_id: int) -> None:
        clerk = db.session.get(User, clerk_id)
        assert clerk is not None
        checks.confirm(clerk)

    def check_now(self) -> None:
        clerk = db.session.get(User, self.district.clerk_id)
        assert clerk is not None
        checks.check_now(clerk)

    def plan_document(self, outside: Outside) -> None:
        day = self.office_day(outside.days_ago)
        sent = Sent(outside)
        self.add(self.at(day, outside.sent_at), lambda: self.send(sent, day))
        if outside.fate == "registered":
            fetch = self.at(self.office_day(outside.days_ago - 1), self.times[0])
            registered = fetch + REGISTER_DELAY
            self.add(registered, lambda: self.register(sent, registered))
        elif outside.fate == "recalled":
            self.add(self.at(day, RECALL_AT), lambda: self.recall(sent))

    # The steps --------------------------------------------------------------------------

    def issue(self, outside: Outside, day: date) -> Issued:
        """Number the document in its sender's yearly series, as the planner numbers the
        ones arriving on paper or by e-mail, and render its page."""
        sender = self.senders[outside.sender][0]
        type_id, abbreviation = self.planner.types[outside.type_name]
        number = self.planner.next_number(sender, day)
        short = sender.spec.short_name
        units = sender.spec.units
        symbol = (
            f"{number:02d}/{abbreviation}-{short}"
            if abbreviation
            else f"{number:02d}/{short}-{units.get(outside.topic, units['*'])}"
        )
        start = school_year(day)
        signer = sender.signers[1 + self.rng.randrange(len(sender.signers) - 1)]
        return Issued(
            sender=sender,
            template=data.Template(outside.type_name, outside.subject, outside.topic),
            type_id=type_id,
            symbol=symbol,
            document_date=day,
            subject=outside.subject.format(nam_hoc=f"{start} - {start + 1}"),
            signer=signer,
            pages=self.rng.randint(1, 3),
            urgency="urgent" if outside.priority else "normal",
            deadline=day + timedelta(days=outside.due_in) if outside.due_in else None,
            attach=True,
        )

    def send(self, sent: Sent, day: date) -> None:
        """The outside agency's own system sends its packet to the hub."""
        from eoffice.demo.pdf import render_demo_pdf

        issued = self.issue(sent.outside, day)
        sender = issued.sender
        number, notation = issued.symbol.split("/", 1)
        code = sender.spec.agency_code or ""
        sent.document_id = edxml_document_id(code, day, issued.symbol)
        name, position = issued.signer
        head = sender.spec.head
        packet = edxml.DocumentPacket(
            document_id=sent.document_id,
            from_=_organisation(sender),
            to=(edxml.Organisation(self.district.spec.agency_code, self.district.spec.name),),
            code_number=number,
            code_notation=notation,
            promulgation_place=sender.spec.place,
            promulgation_date=day,
            document_type=edxml.DocumentType(
                _type_code(issued.template.type_name), issued.template.type_name
            ),
            subject=issued.subject,
            signer=edxml.Signer(
                position, name, None if position == head else f"KT. {head.upper()}"
            ),
            priority=sent.outside.priority,
            page_amount=issued.pages,
            due_date=issued.deadline,
            trace_headers=(edxml.TraceHeader(code, now_utc().astimezone(edxml.PACKET_TZ)),),
            attachments=(
                edxml.Attachment(
                    "vb1",
                    issued.symbol.replace("/", "-") + ".pdf",
                    "application/pdf",
                    render_demo_pdf(issued),
                ),
            ),
        )
        self.hub.client(code).send(edxml.build_document(packet))

    def _inbound(self, document_id: str) -> ExchangePacket:
        return db.session.scalars(
            select(ExchangePacket).where(
                ExchangePacket.org_id == self.district.org_id,
                ExchangePacket.direction == PacketDirection.IN,
                ExchangePacket.document_id == document_id,
            )
        ).one()

    def register(self, sent: Sent, moment: datetime) -> None:
        """The clerk registers it from the exchange inbox (03), presents it to the head,
        who assigns it to the IT group (04)."""
        clerk = db.session.get(User, self.district.clerk_id)
        assert clerk is not None
        doc = inbox.register(clerk, self._inbound(sent.document_id).id)
        doc_id, leader_id = doc.id, self.district.leader_id
        set_clock(lambda: moment + timedelta(minutes=58))
        processing.present(clerk, doc_id, leader_id)
        set_clock(lambda: moment + timedelta(hours=2, minutes=17))
        leader = db.session.get(User, leader_id)
        unit_id = next(
            unit_id for spec, unit_id in self.district.units if sent.outside.topic in spec.topics
        )
        processing.assign(leader, doc_id, Party(unit_id=unit_id), instruction=ASSIGN_INSTRUCTION)

    def recall(self, sent: Sent) -> None:
        """The sender asks for its document back (status 13), with the reason."""
        sender = self.senders[sent.outside.sender][0]
        code = sender.spec.agency_code or ""
        packet = edxml.StatusPacket(
            document_id=sent.document_id,
            from_=_organisation(sender),
            to=edxml.Organisation(self.district.spec.agency_code, self.district.spec.name),
            status_code="13",
            timestamp=now_utc().astimezone(edxml.PACKET_TZ),
            description=RECALL_REASON,
        )
        self.hub.client(code).send(edxml.build_status(packet))


def agencies(members: list[Member], senders: dict[str, list[Sender]]) -> list[tuple[str, str]]:
    """Who has an account on the seed's hub: the district and the two senders of STORY."""
    district = members[0].spec
    outside = [senders[key][0].spec for key in sorted({o.sender for o in STORY})]
    return [(district.agency_code, district.name)] + [
        (spec.agency_code or "", spec.name) for spec in outside
    ]


# --- What the seed reports ------------------------------------------------------------------


@dataclass
class ExchangeSummary:
    runs: int
    confirmed: int
    awaiting: int
    hub_url: str = REFERENCE_HUB_URL
    # Each clerk's planned answer to each slot, (org id, slot) → on_time, late, missed or
    # pending (its moment was still to come): what the board must show.
    planned: dict[tuple[int, Slot], str] = field(default_factory=dict)

    def report(self) -> list[str]:
        return [
            f"Giờ kiểm tra văn bản: {self.runs} lượt kiểm tra trong {CHECK_DAYS} ngày làm việc gần "
            f"đây, {self.confirmed} lượt văn thư đã xác nhận (xem Bảng theo dõi giờ kiểm tra).",
            f"Liên thông văn bản: {self.awaiting} văn bản và yêu cầu thu hồi đang chờ văn thư "
            "Phòng GDĐT xử lý. Chúng được nhận thật qua một trục liên thông thử nghiệm chạy "
            "tạm trong lúc nạp dữ liệu; trục đó đã dừng nên liên thông của Phòng đang tắt.",
            "Muốn thử liên thông trực tiếp: chạy `flask exchange-hub`, đăng ký cơ quan bằng "
            "`flask exchange-hub-agency <mã định danh> <tên>`, rồi quản trị nhập khóa bí mật "
            f"và bật liên thông (địa chỉ trục: {self.hub_url}).",
        ]


def summary(story: Story) -> ExchangeSummary:
    from sqlalchemy import func

    from eoffice.exchange.checks_models import CheckRun
    from eoffice.exchange.models import PacketState

    runs = db.session.scalar(select(func.count(CheckRun.id))) or 0
    confirmed = (
        db.session.scalar(select(func.count(CheckRun.id)).where(CheckRun.confirmed_at.is_not(None)))
        or 0
    )
    awaiting = (
        db.session.scalar(
            select(func.count(ExchangePacket.id)).where(
                ExchangePacket.org_id == story.district.org_id,
                ExchangePacket.direction == PacketDirection.IN,
                ExchangePacket.state == PacketState.AWAITING,
            )
        )
        or 0
    )
    return ExchangeSummary(runs, confirmed, awaiting, planned=story.planned)
