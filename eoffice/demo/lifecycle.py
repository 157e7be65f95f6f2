"""After intake: the demo documents walk the processing steps, each at its own moment.

An empty "to do" list on every home page shows nothing, so the register is lived in:
older documents went the whole way (presented, assigned, taken up, reported on,
completed, filed), recent ones wait at each step, a few are overdue, one or two went
back to the clerk. Every step is a call of eoffice.incoming.processing by the person
who would take it, with the clock set to when they took it, so the audit trail,
notifications and deadlines are the ones real use would leave.

The last step, filing (Lập hồ sơ), puts a document into a case file of its office, so
it must run in time order across all documents: the first document filed into a
planned file opens it, and the file's contents list numbers documents in the order
they were filed. Each document's walk therefore only decides when and by whom it is
filed (a `Filing`); the filings run at the end, oldest first, through a `file_steps`
callback that picks the file (eoffice.demo.casefiles) or, without one, files nothing
but the record, as the workflow allows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from random import Random
from typing import TypeVar

from sqlalchemy import select

from eoffice.core.timeutil import set_clock
from eoffice.demo.planner import Member
from eoffice.extensions import db
from eoffice.incoming import parts, processing
from eoffice.incoming.involvement import Party
from eoffice.incoming.models import IncomingDocument
from eoffice.orgs.models import Role, Unit, User

# Where documents stop, newest first; the shares are of the documents registered.
REGISTERED, PRESENTED, RETURNED, OPEN, COMPLETED, FILED = (
    "registered",
    "presented",
    "returned",
    "open",
    "completed",
    "filed",
)
SHARES = ((REGISTERED, 0.03, 1), (PRESENTED, 0.05, 1), (OPEN, 0.12, 3), (COMPLETED, 0.06, 1))
INTO_FILE = 0.85  # the rest belong to no case (an invitation, a notice): only stored
T = TypeVar("T")
DAY_START, DAY_END = time(7, 30), time(17, 0)

INSTRUCTIONS = (
    "Giao {lead} chủ trì, tham mưu văn bản trả lời trước hạn.",
    "Giao {lead} nghiên cứu, triển khai thực hiện; báo cáo kết quả.",
    "Chuyển {lead} xử lý theo quy định.",
    "Giao {lead} chủ trì, phối hợp các bộ phận liên quan tổ chức thực hiện.",
    "{lead} tham mưu kế hoạch triển khai, trình lãnh đạo duyệt.",
)
PROGRESS_NOTES = (
    (30, "Đã nghiên cứu văn bản, đang tổng hợp số liệu."),
    (50, "Đã dự thảo văn bản trả lời, đang lấy ý kiến các bộ phận."),
    (60, "Đã triển khai đến các bộ phận, đang theo dõi thực hiện."),
    (80, "Đã hoàn chỉnh dự thảo, trình lãnh đạo xem xét."),
)
RESULTS = (
    "Đã tham mưu văn bản trả lời, lãnh đạo đã ký ban hành.",
    "Đã triển khai thực hiện và báo cáo kết quả đúng hạn.",
    "Đã tổng hợp số liệu, gửi báo cáo qua hệ thống.",
    "Đã tổ chức thực hiện theo hướng dẫn; lưu hồ sơ.",
)
CONTRIBUTIONS = (
    "Đã cung cấp số liệu phần việc được giao.",
    "Thống nhất với dự thảo, không có ý kiến bổ sung.",
)
RETURN_REASONS = (
    "Trích yếu chưa đúng với nội dung văn bản, đề nghị văn thư kiểm tra và vào sổ lại.",
    "Thiếu tệp đính kèm bản chính, đề nghị văn thư bổ sung trước khi trình.",
)


@dataclass
class Registered:
    """A registered document as the seed knows it (ids only: ORM objects expire)."""

    doc_id: int
    moment: datetime  # local arrival
    member: Member


@dataclass(frozen=True)
class Filing:
    """A FILE step the walk decided on, run later in time order (see the module's note)."""

    moment: datetime  # local
    doc_id: int
    org_id: int
    filer: int  # the clerk, or the lead handler filing from the document page
    clerk: int
    into_file: bool  # False: a document that belongs to no case, only marked stored


FileSteps = Callable[[list[Filing]], None]


@dataclass
class People:
    """Who acts in one organisation: the clerk, the leaders, the staff and their units."""

    clerk: int
    leader: int
    deputies: list[int]
    staff: list[tuple[int, int | None]]  # (user id, unit id)
    unit_names: dict[int, str]


def walk(
    rng: Random, docs: list[Registered], now: datetime, file_steps: FileSteps | None = None
) -> None:
    """Take each document as far as its fate says, the newest staying furthest behind;
    then file the finished ones in time order (`file_steps`, default `file_plainly`)."""
    people = {m.org_id: _people(m) for m in {d.member.org_id: d.member for d in docs}.values()}
    newest_first = sorted(docs, key=lambda d: d.moment, reverse=True)
    fates = _fates(len(newest_first))
    open_docs = [d for d, f in zip(newest_first, fates, strict=True) if f == OPEN]
    due = _open_deadlines(rng, open_docs, now)
    filings: list[Filing] = []
    for doc, fate in zip(newest_first, fates, strict=True):
        _Walk(rng, doc, people[doc.member.org_id], now, filings).run(fate, due.get(doc.doc_id))
    filings.sort(key=lambda f: (f.moment, f.doc_id))
    (file_steps or file_plainly)(filings)


def file_plainly(filings: list[Filing]) -> None:
    """Each document filed by its filer into no case file (the record is closed)."""
    for filing in filings:
        set_clock(lambda at=filing.moment: at)
        processing.file(db.session.get(User, filing.filer), filing.doc_id, None)


def _fates(count: int) -> list[str]:
    """Newest first: a few registered, some presented, one or two returned, open, done."""
    fates: list[str] = []
    for fate, share, least in SHARES:
        fates += [fate] * max(least, round(count * share))
        if fate == PRESENTED:
            fates += [RETURNED] * (1 if count < 100 else 2)
    return (fates + [FILED] * count)[:count]


def _open_deadlines(rng: Random, docs: list[Registered], now: datetime) -> dict[int, date]:
    """Deadlines of the open documents: today, tomorrow, a few past (overdue), the rest ahead.

    The oldest open ones are the overdue ones: a deadline set at assignment has to be
    on or after the day it was set.
    """
    today = now.date()
    due: dict[int, date] = {}
    oldest_first = sorted(docs, key=lambda d: d.moment)
    overdue = max(1, len(docs) // 4)
    for n, doc in enumerate(oldest_first):
        arrived = doc.moment.date()
        if n < overdue and _working_days_between(arrived, today) >= 4:
            latest_assignment = _add_working_days(arrived, 3)
            due[doc.doc_id] = max(_working_days_before(today, rng.randint(1, 6)), latest_assignment)
        elif n % 3 == 0:
            due[doc.doc_id] = today
        elif n % 3 == 1:
            due[doc.doc_id] = _add_working_days(today, 1)
        else:
            due[doc.doc_id] = _add_working_days(today, rng.randint(3, 8))
    return due


class _Walk:
    """One document's path; each step runs as its actor at a moment after the last one."""

    def __init__(
        self, rng: Random, doc: Registered, people: People, now: datetime, filings: list[Filing]
    ):
        self.rng = rng
        self.doc = doc
        self.people = people
        self.cutoff = now - timedelta(minutes=1)
        self.moment = doc.moment
        self.filings = filings

    def run(self, fate: str, deadline: date | None) -> None:
        if fate == REGISTERED or self._state() != "registered":  # cancelled stays cancelled
            return
        presented_to = self._present()
        if fate == PRESENTED:
            return
        if fate == RETURNED:
            self._step(0, 90, processing.return_to_clerk, presented_to, self._pick(RETURN_REASONS))
            return
        _lead, handler, coordinator = self._assign(presented_to, deadline, fate)
        if fate == OPEN and self.rng.random() < 0.3:
            return  # assigned, not yet taken up
        percent, note = self._pick(PROGRESS_NOTES)
        if self.rng.random() < 0.4:  # taken up first, reported on later
            self._step(60, 900, processing.start, handler)
        self._step(120, 1500, processing.record_progress, handler, note, percent)
        if fate == OPEN:
            return
        if coordinator is not None:
            self._step(60, 900, parts.contribute, coordinator, self._pick(CONTRIBUTIONS))
        self._step(120, 1800, processing.complete, handler, self._pick(RESULTS))
        if fate == COMPLETED:
            return
        filer = self.people.clerk if self.rng.random() < 0.8 else handler
        into_file = self.rng.random() < INTO_FILE
        self._wait(30, 900)
        self.filings.append(
            Filing(
                self.moment,
                self.doc.doc_id,
                self.doc.member.org_id,
                filer,
                self.people.clerk,
                into_file,
            )
        )

    def _present(self) -> int:
        """To the head, or now and then to a deputy, who then decides within their scope."""
        deputies = self.people.deputies
        to = self.people.leader
        if deputies and self.rng.random() < 0.25:
            to = self.rng.choice(deputies)
        self._step(10, 240, processing.present, self.people.clerk, to)
        return to

    def _assign(self, leader: int, deadline: date | None, fate: str) -> tuple[str, int, int | None]:
        """Lead (a unit or one of its staff), maybe a coordinator and someone informed."""
        staff = self.people.staff
        recipient_unit = self._recipient_unit()
        matching = [s for s in staff if s[1] == recipient_unit] or staff
        handler, unit_id = self.rng.choice(matching)
        if unit_id is not None and self.rng.random() < 0.5:
            lead, label = Party(unit_id=unit_id), self.people.unit_names[unit_id]
        else:
            lead, label = Party(user_id=handler), f"đồng chí {_name(handler)}"
        others = [s for s in staff if s[1] != unit_id and s[0] != handler]
        coordinator = None
        coordinators: list[Party] = []
        if others and self.rng.random() < 0.35:
            coordinator = self.rng.choice(others)[0]
            coordinators.append(Party(user_id=coordinator))
        informed = [Party(user_id=d) for d in self.people.deputies if d != leader]
        informed = informed[:1] if self.rng.random() < 0.3 else []
        self._wait(20, 900)  # the leader reads it first
        day = self.moment.date()
        if fate != OPEN:
            deadline = None
            if self.rng.random() < 0.7:
                deadline = _add_working_days(day, self.rng.randint(3, 7))
        elif deadline is not None and deadline < day:
            deadline = day
        instruction = self._pick(INSTRUCTIONS).format(lead=label)
        instruction = instruction[0].upper() + instruction[1:]
        self._act(processing.assign, leader, lead, coordinators, informed, deadline, instruction)
        return self.people.unit_names.get(unit_id or 0, "công tác chung"), handler, coordinator

    def _recipient_unit(self) -> int | None:
        doc = db.session.get(IncomingDocument, self.doc.doc_id)
        assert doc is not None
        return doc.recipient_unit_id

    def _state(self) -> str:
        doc = db.session.get(IncomingDocument, self.doc.doc_id)
        assert doc is not None
        return doc.state

    def _pick(self, options: tuple[T, ...]) -> T:
        return self.rng.choice(options)

    def _wait(self, least: int, most: int) -> None:
        """Some working minutes pass; never past now (then only a minute, to keep order)."""
        moment = _after_working_minutes(self.moment, self.rng.randint(least, most))
        if moment > self.cutoff:
            moment = min(self.moment + timedelta(minutes=1), self.cutoff)
        self.moment = max(moment, self.moment)

    def _act(self, service: Callable[..., object], actor: int, *args: object) -> None:
        """`service(actor, doc_id, ...)` with the clock at this document's current moment."""
        set_clock(lambda at=self.moment: at)
        service(db.session.get(User, actor), self.doc.doc_id, *args)

    def _step(self, least: int, most: int, service: Callable[..., object], *args: object) -> None:
        self._wait(least, most)
        actor, *rest = args
        assert isinstance(actor, int)
        self._act(service, actor, *rest)


def _people(member: Member) -> People:
    users = db.session.scalars(select(User).where(User.org_id == member.org_id)).unique().all()
    units = db.session.scalars(select(Unit).where(Unit.org_id == member.org_id)).all()
    return People(
        clerk=member.clerk_id,
        leader=member.leader_id,
        deputies=sorted(u.id for u in users if u.has_role(Role.DEPUTY)),
        staff=sorted((u.id, u.unit_id) for u in users if u.has_role(Role.STAFF)),
        unit_names={unit.id: unit.name for unit in units},
    )


def _name(user_id: int) -> str:
    user = db.session.get(User, user_id)
    assert user is not None
    return user.full_name


# --- Working time --------------------------------------------------------------------------


def _is_working_day(day: date) -> bool:
    return day.weekday() < 5


def _add_working_days(day: date, count: int) -> date:
    while count:
        day += timedelta(days=1)
        if _is_working_day(day):
            count -= 1
    return day


def _working_days_before(day: date, count: int) -> date:
    while count:
        day -= timedelta(days=1)
        if _is_working_day(day):
            count -= 1
    return day


def _working_days_between(start: date, end: date) -> int:
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        count += _is_working_day(day)
    return count


def _after_working_minutes(moment: datetime, minutes: int) -> datetime:
    """`minutes` of office hours (7:30–17:00, Monday to Friday) after `moment`."""
    while True:
        if not _is_working_day(moment.date()) or moment.time() >= DAY_END:
            moment = _next_morning(moment)
            continue
        if moment.time() < DAY_START:
            moment = moment.replace(hour=DAY_START.hour, minute=DAY_START.minute)
        end_of_day = moment.replace(hour=DAY_END.hour, minute=DAY_END.minute, second=0)
        left = (end_of_day - moment).total_seconds() / 60
        if minutes < left:
            return moment + timedelta(minutes=minutes)
        minutes -= int(left)
        moment = _next_morning(moment)


def _next_morning(moment: datetime) -> datetime:
    day = moment.date() + timedelta(days=1)
    while not _is_working_day(day):
        day += timedelta(days=1)
    return datetime.combine(day, DAY_START, tzinfo=moment.tzinfo)
