"""Case files in the demo: yearly file lists, filing, closing, hand-over, the archive.

Issue 7's screens (Danh mục hồ sơ, Hồ sơ công việc, Nộp lưu, Tiêu hủy) would be empty on
a new installation. This module fills them the way two years of real use would have,
every step a service call of eoffice.casefiles by the person who takes it, with the
clock at its moment:

- every member office made *last year's list* in early January of last year, heading
  by heading and file by file, and its head approved it with a decision ("Quyết định
  số 02/QĐ-GDĐT ngày 06/01/2025"); *this year's list* was copied from it in one action,
  its titles brought up to date, one file added, then submitted and approved in early
  January, which locked last year's. The district's headings follow its teams (I. Tổ
  chức cán bộ … VI. Kế hoạch – Tài chính), a school's are Hành chính, Chuyên môn, Tổ
  chức; files have realistic titles, retention levels and keepers;
- the processing walk (eoffice.demo.lifecycle) files its documents, oldest first, into
  the fitting file of their office (`CaseFileStory.file_documents`: by the team that
  handled the document and words of its subject); a planned file opens on its first
  document, and a teacher filing from the document page opens (and keeps) a file
  nobody kept yet. The members' issued outgoing documents are filed the same way;
- the district's files of last year hold a few documents of last year, registered
  and handled before the demo's months of history begin (and before them in the
  register). Most were closed in December, so their hand-over falls due in December
  of this year: three went to the office archive in one hand-over (its two PDFs
  printed), the head kept one back with a reason, the 30-day warning reached the
  clerk (the scheduler's run, on each warning day), the most recent yesterday. One
  file of last year is still open (an exam that runs into spring);
- an old file, closed twelve years ago and kept 10 years, was handed over the next
  year; its retention has run out, and the clerk's disposal proposal waits for the
  head's decision;
- a maths teacher of THCS Bạch Đằng keeps a file outside the list for the year.

Only the dates are relative: the same command builds the same story on any day. Cheap:
about two hundred small transactions and four PDFs.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from random import Random
from typing import TypeVar

from sqlalchemy import func, select

from eoffice.casefiles import (
    creating,
    files,
    filing,
    handover,
    list_files,
    list_headings,
    list_sheet,
    list_steps,
    warnings,
)
from eoffice.casefiles import disposal as disposals
from eoffice.casefiles.models import CaseFile, Disposal, FileList, Handover
from eoffice.catalog.models import DocumentType
from eoffice.core.timeutil import set_clock, to_local
from eoffice.demo import data
from eoffice.demo.casefile_data import (
    CLOSED_FATES,
    DISPOSAL_REASON,
    DISPOSAL_WORKING_DAYS_AGO,
    DISTRICT_FILES,
    DISTRICT_HEADINGS,
    DISTRICT_UNIT_HEADINGS,
    HANDED,
    HANDED_KEEPER,
    HANDED_ON_DAYS,
    HANDOVER_NOTE,
    HANDOVER_WORKING_DAYS_AGO,
    KEEP_BACK_REASON,
    KEEP_BACK_WORKING_DAYS_AGO,
    KEPT,
    KEPT_ON_DAY,
    LETTERS,
    OLD_FILE,
    OLD_FILE_YEARS_AGO,
    OLD_HANDOVER_NOTE,
    OLD_LETTER,
    RECENT,
    SCHOOL_FILES,
    SCHOOL_HEADINGS,
    SECONDARY_WORDS,
    STAFF_WORDS,
    TEACHER_FILE,
    TEACHER_FILE_NOTE,
    TEACHER_LOGIN,
    TEACHER_SCHOOL,
    WAITING,
    WAITING_ON_DAYS,
    D,
    Letter,
    PlannedFile,
    year_values,
)
from eoffice.demo.lifecycle import (
    Filing,
    _add_working_days,
    _after_working_minutes,
    _is_working_day,
    _working_days_before,
)
from eoffice.demo.outgoing import school_year
from eoffice.demo.planner import Member, Sender
from eoffice.extensions import db
from eoffice.incoming import processing
from eoffice.incoming.models import IncomingDocument, Source
from eoffice.incoming.processing import Party
from eoffice.incoming.services import IncomingInput, register_incoming
from eoffice.orgs.models import User
from eoffice.outgoing.models import OutgoingDocument
from workflows import archive
from workflows import casefiles as flow
from workflows import outgoing as outgoing_flow

RANDOM_SEED = 2026 + 8
T = TypeVar("T")

# --- Where documents go ---------------------------------------------------------------------


@dataclass
class Slot:
    """A file the story may file into, and when: from its list's approval (or its
    creation) until shortly before its planned closing."""

    file_id: int
    org_id: int
    year: int
    heading: str | None
    words: tuple[str, ...]
    default: bool
    opens: datetime
    keeper_id: int | None = None  # None: the first to file into it opens and keeps it
    opened: bool = False
    openable: bool = True  # False once its list is locked: only an opened file takes more
    closes: datetime | None = None
    unit_id: int | None = None  # a file outside the list: its keeper's team

    def usable_at(self, moment: datetime) -> bool:
        if moment < self.opens or not (self.opened or self.openable):
            return False
        return self.closes is None or moment < self.closes - timedelta(days=1)

    def open_to(self, user_id: int, clerk_id: int) -> bool:
        """eoffice.casefiles.filing.may_file_into for the clerk and a handler: the clerk
        files anywhere, a handler into what they keep or what nobody keeps yet."""
        return user_id == clerk_id or self.keeper_id in (None, user_id)


def heading_for(kind: str, unit: str | None, subject: str) -> str:
    """The heading a document comes under, by the team handling it and its subject."""
    if kind == D:
        if unit == "PT":
            return "GDTrH" if any(w in subject for w in SECONDARY_WORDS) else "GDTH"
        return DISTRICT_UNIT_HEADINGS.get(unit or "", "VP")
    if unit in (None, data.SCHOOL_OFFICE.short_name):
        return "TC" if any(w in subject for w in STAFF_WORDS) else "HC"
    return "CM"


def choose(slots: list[Slot], heading: str, subject: str, unit_id: int | None, moment: datetime):
    """The best file for a document: its team's own file, then a file of the year, then
    one whose words the subject names, then the heading's file for everything else."""
    best: Slot | None = None
    best_key: tuple[bool, ...] | None = None
    for slot in slots:
        if not slot.usable_at(moment):
            continue
        own = slot.unit_id is not None and slot.unit_id == unit_id
        hit = any(word in subject for word in slot.words)
        if not (own or hit or (slot.default and slot.heading == heading)):
            continue
        key = (own, slot.year == moment.year, hit, slot.heading == heading)
        if best_key is None or key > best_key:
            best, best_key = slot, key
    return best


# --- The story ------------------------------------------------------------------------------


class CaseFileStory:
    """Case files of every member office, told through the services (see the module)."""

    def __init__(
        self,
        members: list[Member],
        senders: dict[str, list[Sender]],
        now: datetime,
        first_day: date,
    ):
        self.rng = Random(RANDOM_SEED)
        self.members = members
        self.district = members[0]
        self.by_org = {m.org_id: m for m in members}
        self.senders = senders
        self.now = now
        self.cutoff = now - timedelta(minutes=2)
        self.today = now.date()
        self.year = self.today.year
        self.first_day = first_day
        self.logins = {m.org_id: _logins(m) for m in members}
        self.unit_short = {uid: spec.short_name for m in members for spec, uid in m.units}
        self.types = {
            name: (type_id, abbreviation)
            for name, type_id, abbreviation in db.session.execute(
                select(DocumentType.name, DocumentType.id, DocumentType.abbreviation)
            )
        }
        self.slots: dict[int, list[Slot]] = defaultdict(list)
        self.last_year: dict[str, int] = {}  # the district's files of last year, by key
        self.closing: dict[int, datetime] = {}  # file id → its planned closing
        self.old_file_id = 0

    # Helpers ------------------------------------------------------------------------------

    def at(self, day: date, hour: int, minute: int = 0) -> datetime:
        """A local moment on `day`, never after the seed's cutoff."""
        moment = datetime.combine(day, time(hour, minute), tzinfo=self.now.tzinfo)
        return min(moment, self.cutoff)

    def person(self, member: Member, login: str | None) -> int | None:
        return self.logins[member.org_id].get(login) if login else None

    def unit_of(self, user_id: int) -> int | None:
        user = db.session.get(User, user_id)
        return user.unit_id if user else None

    @staticmethod
    def run(moment: datetime, service: Callable[..., T], *args, **kwargs) -> T:
        """`service(*args)`, the actor given by id as the first argument, at `moment`."""
        set_clock(lambda: moment)
        actor = db.session.get(User, args[0])
        return service(actor, *args[1:], **kwargs)

    # Before the history: the lists, last year's documents, the old file ------------------

    def prepare(self) -> None:
        """Everything dated before the demo's months of history: run before they are
        registered, so the register books number last year's documents first."""
        for index, member in enumerate(self.members):
            self._last_years_list(member, index)
        self._plan_closings()
        self._old_file()
        self._last_years_documents()
        # Approving this year's lists locks last year's: their files not opened by now
        # stay planned (eoffice.casefiles.files opens only files of an approved list).
        for index, member in enumerate(self.members):
            self._this_years_list(member, index)
        for slot in (s for slots in self.slots.values() for s in slots):
            slot.openable = slot.year >= self.year
        self._teacher_file()

    @staticmethod
    def _planned(member: Member) -> list[PlannedFile]:
        files = DISTRICT_FILES if member.kind == D else SCHOOL_FILES
        return [f for f in files if member.kind in f.kinds]

    def _last_years_list(self, member: Member, index: int) -> None:
        """Made heading by heading and file by file in the first days of January."""
        is_district = member.kind == D
        headings = DISTRICT_HEADINGS if is_district else SCHOOL_HEADINGS
        planned = self._planned(member)
        last_year = self.year - 1
        clerk = member.clerk_id

        day = _on_or_after(date(last_year, 1, 2), index // 4)
        moment = self.at(day, 8, 5 + 4 * (index % 4))
        file_list = self.run(moment, list_steps.create_list, clerk, last_year)
        list_id = file_list.id
        heading_ids: dict[str, int] = {}
        for heading in headings:
            moment += timedelta(minutes=2)
            created = self.run(
                moment,
                list_headings.add_heading,
                clerk,
                list_id,
                title=heading.title,
                notation=heading.notation,
            )
            heading_ids[heading.notation] = created.id
        ids: dict[str, int] = {}
        for plan in planned:
            if plan.new:
                continue
            moment += timedelta(minutes=3)
            case_file = self.run(
                moment,
                list_files.add_planned_file,
                clerk,
                list_id,
                list_files.PlannedFileInput(
                    title=plan.title_for(last_year),
                    heading_id=heading_ids[plan.heading],
                    retention_code=plan.retention,
                    keeper_id=self.person(member, plan.keeper),
                ),
            )
            ids[plan.key] = case_file.id
        approved = self._approve(member, index, list_id, day, number=2 if is_district else 1)
        for plan in planned:
            if plan.key in ids:
                self._slot(member, plan, ids[plan.key], last_year, approved)
        if is_district:
            self.last_year = ids

    def _this_years_list(self, member: Member, index: int) -> None:
        """Copied from last year's in one action, brought up to date, one file added."""
        is_district = member.kind == D
        planned = self._planned(member)
        last_year, this_year = self.year - 1, self.year
        clerk = member.clerk_id
        day = _on_or_after(date(this_year, 1, 2), index // 4)
        moment = self.at(day, 7, 45 + index % 10)
        file_list = self.run(
            moment, list_steps.create_list, clerk, this_year, copy_from_previous=True
        )
        list_id = file_list.id
        by_title = {plan.title_for(last_year): plan for plan in planned if not plan.new}
        copies = [
            (by_title[f.title], f.id, f.heading_id, f.retention_code, f.keeper_id)
            for f in list_sheet.list_rows(file_list).files
        ]
        ids = {plan.key: file_id for plan, file_id, *_ in copies}
        for plan, file_id, heading_id, retention, keeper_id in copies:
            if not plan.dated:
                continue
            moment += timedelta(minutes=2)
            self.run(
                moment,
                list_files.update_planned_file,
                clerk,
                list_id,
                file_id,
                list_files.PlannedFileInput(
                    title=plan.title_for(this_year),
                    heading_id=heading_id,
                    retention_code=retention,
                    keeper_id=keeper_id,
                ),
            )
        file_list = db.session.get(FileList, list_id)
        assert file_list is not None
        headings_now = {h.notation: h.id for h in file_list.headings if h.notation}
        for plan in planned:
            if not plan.new:
                continue
            moment += timedelta(minutes=4)
            case_file = self.run(
                moment,
                list_files.add_planned_file,
                clerk,
                list_id,
                list_files.PlannedFileInput(
                    title=plan.title_for(this_year),
                    heading_id=headings_now[plan.heading.upper()],
                    retention_code=plan.retention,
                    keeper_id=self.person(member, plan.keeper),
                ),
            )
            ids[plan.key] = case_file.id
        approved = self._approve(member, index, list_id, day, number=3 if is_district else 2)
        for plan in planned:
            self._slot(member, plan, ids[plan.key], this_year, approved)

    def _approve(self, member: Member, index: int, list_id: int, day: date, number: int):
        """Submitted that afternoon; approved by the head a couple of working days later,
        by a decision whose number and date are printed under the list's title."""
        self.run(self.at(day, 15, 10 + index), list_steps.submit_list, member.clerk_id, list_id)
        approve_day = _add_working_days(day, 2)
        moment = self.at(approve_day, 9, 20 + 2 * index)
        decision = (
            f"Quyết định số {number:02d}/QĐ-{member.spec.short_name} ngày {moment.date():%d/%m/%Y}"
        )
        self.run(moment, list_steps.approve_list, member.leader_id, list_id, decision)
        return moment

    def _slot(self, member: Member, plan: PlannedFile, file_id: int, year: int, opens: datetime):
        keeper = self.person(member, plan.keeper)
        self.slots[member.org_id].append(
            Slot(
                file_id, member.org_id, year, plan.heading, plan.words, plan.default, opens, keeper
            )
        )

    def _plan_closings(self) -> None:
        """When each of the district's files of last year is closed (see the module)."""
        last = self.year - 1
        days = {
            HANDED: iter(HANDED_ON_DAYS),
            WAITING: iter(WAITING_ON_DAYS),
            KEPT: iter((KEPT_ON_DAY,)),
        }
        for plan in DISTRICT_FILES:
            if plan.fate not in CLOSED_FATES:
                continue
            if plan.fate == RECENT:
                day, hour = self._recent_closing(), 16
            else:
                month, day_of_month = next(days[plan.fate])
                day, hour = _on_or_before(date(last, month, day_of_month)), 16
            moment = self.at(day, hour, 30)
            file_id = self.last_year[plan.key]
            self.closing[file_id] = moment
            for slot in self.slots[self.district.org_id]:
                if slot.file_id == file_id:
                    slot.closes = moment

    def _recent_closing(self) -> date:
        """A closing day whose 30-day warning came in the last days (so it is still
        unread on the clerk's bell): the latest working day whose warning day is not
        after today, the scheduler's 07:00 run included."""
        warn = self.today
        while True:
            closed = archive.add_years(warn + timedelta(days=archive.WARNING_DAYS), -1)
            warned = archive.warning_day(archive.handover_due(closed))
            if _is_working_day(closed) and self.at(warned, 7) < self.cutoff:
                return closed
            warn -= timedelta(days=1)

    def _handle(self, member: Member, moment: datetime, letter: Letter, year: int, keeper: int):
        """A letter registered, presented, assigned to the keeper's team, reported on and
        completed, each a while after the last; the doc id and the moment it is done."""
        sender = self.senders[letter.sender][0]
        spec = sender.spec
        type_id, abbreviation = self.types[letter.type_name]
        arrival = moment.date()
        doc_date = _working_days_before(arrival, self.rng.randint(1, 2))
        expected = spec.per_day * doc_date.timetuple().tm_yday * 5 / 7
        number = round(expected) + self.rng.randint(1, 3)
        unit = spec.units.get(letter.topic, spec.units["*"])
        symbol = (
            f"{number:02d}/{abbreviation}-{spec.short_name}"
            if abbreviation
            else f"{number:02d}/{spec.short_name}-{unit}"
        )
        values = year_values(year)
        unit_id = self.unit_of(keeper)
        doc = self.run(
            moment,
            register_incoming,
            member.clerk_id,
            IncomingInput(
                sender_org_id=sender.org_id,
                sender_name=spec.name,
                symbol=symbol,
                document_date=doc_date,
                document_type_id=type_id,
                subject=letter.subject.format_map(values),
                signer_name=sender.signers[1][0],
                signer_position=sender.signers[1][1],
                page_count=self.rng.randint(1, 4),
                source=Source.PAPER if year < self.year - 2 else Source.EMAIL,
                recipient_unit_id=unit_id,
            ),
        )
        doc_id = doc.id
        moment = _after_working_minutes(moment, self.rng.randint(20, 90))
        self.run(moment, processing.present, member.clerk_id, doc_id, member.leader_id)
        moment = _after_working_minutes(moment, self.rng.randint(60, 300))
        lead = Party(unit_id=unit_id) if unit_id else Party(user_id=keeper)
        self.run(
            moment,
            processing.assign,
            member.leader_id,
            doc_id,
            lead,
            (),
            (),
            None,
            "Giao bộ phận chuyên môn chủ trì, tham mưu thực hiện.",
        )
        moment = _after_working_minutes(moment, self.rng.randint(300, 700))
        self.run(
            moment,
            processing.record_progress,
            keeper,
            doc_id,
            "Đã nghiên cứu văn bản, đang triển khai thực hiện.",
            50,
        )
        moment = _after_working_minutes(moment, self.rng.randint(600, 1200))
        self.run(moment, processing.complete, keeper, doc_id, letter.result)
        return doc_id, moment

    def _old_file(self) -> None:
        """Twelve years ago: a file outside any list kept in the system, one decision
        filed in it, closed in December, handed over the next autumn."""
        district = self.district
        old = self.year - OLD_FILE_YEARS_AGO
        keeper = self.person(district, OLD_FILE.keeper)
        assert keeper is not None
        values = year_values(old)
        created = self.run(
            self.at(_on_or_after(date(old, 3, 3)), 8, 40),
            creating.create_file,
            keeper,
            creating.FileInput(
                title=OLD_FILE.title.format_map(values),
                notation=OLD_FILE.heading,
                retention=OLD_FILE.retention,
                start_date=_on_or_after(date(old, 3, 3)),
            ),
        )
        self.old_file_id = created.id
        moment = self.at(_on_or_after(date(old, *OLD_LETTER.month_day)), 8, 50)
        doc_id, done = self._handle(district, moment, OLD_LETTER, old, keeper)
        filed = _after_working_minutes(done, 120)
        self.run(filed, processing.file, district.clerk_id, doc_id, self.old_file_id)
        closed = self.at(_on_or_before(date(old, 12, 18)), 16, 0)
        self.run(closed, files.close_file, keeper, self.old_file_id, OLD_FILE.retention)
        handed = self.at(_on_or_after(date(old + 1, 11, 12)), 9, 30)
        self._hand_over(handed, [self.old_file_id], keeper, OLD_HANDOVER_NOTE.format_map(values))

    def _hand_over(self, moment: datetime, file_ids: list[int], keeper: int, note: str) -> None:
        """The keeper delivers the files, the clerk receives them for the office archive
        and records the hand-over (its two papers are printed by the service)."""
        clerk = self.district.clerk_id
        self.run(moment, handover.hand_over, clerk, file_ids, clerk, note, delivered_by_id=keeper)

    def _last_years_documents(self) -> None:
        """One letter of last year in each of the district's files that was worked on,
        registered (in time order) before the demo's history begins, handled, filed."""
        district = self.district
        last = self.year - 1
        opens = self.approved_moment(district, last)
        start = _add_working_days(opens.date(), 3)
        latest = self.first_day - timedelta(days=6)
        plans = []
        for plan in DISTRICT_FILES:
            if plan.fate is None or plan.key not in LETTERS:
                continue
            file_id = self.last_year[plan.key]
            closing = self.closing.get(file_id)
            ends = closing.date() if closing else date(last, 12, 20)  # handled a week before
            end = min(latest, ends - timedelta(days=6))
            wanted = date(last, *LETTERS[plan.key].month_day)
            day = _on_or_before(max(start, min(wanted, end)))
            moment = self.at(day, self.rng.randint(8, 10), self.rng.randint(0, 59))
            plans.append((moment, plan, file_id))
        plans.sort(key=lambda p: p[0])
        for moment, plan, file_id in plans:
            keeper = self.person(district, plan.keeper)
            assert keeper is not None
            doc_id, done = self._handle(district, moment, LETTERS[plan.key], last, keeper)
            filed = _after_working_minutes(done, self.rng.randint(60, 400))
            self.run(filed, processing.file, district.clerk_id, doc_id, file_id)
            for slot in self.slots[district.org_id]:
                if slot.file_id == file_id:
                    slot.opened = True

    def approved_moment(self, member: Member, year: int) -> datetime:
        file_list = db.session.scalars(
            select(FileList).where(FileList.org_id == member.org_id, FileList.year == year)
        ).one()
        moment = to_local(file_list.approved_at)
        assert moment is not None
        return moment

    def _teacher_file(self) -> None:
        """A maths teacher opens a file the school's list did not foresee, early in the
        school year; the documents of the maths group go into it from then on."""
        member = next((m for m in self.members if m.spec.short_name == TEACHER_SCHOOL), None)
        teacher = self.person(member, TEACHER_LOGIN) if member else None
        if member is None or teacher is None:
            return
        start = school_year(self.today)
        moment = self.at(_on_or_after(date(start, 9, 7)), 14, 20)
        moment = min(moment, self.cutoff - timedelta(days=1))
        created = self.run(
            moment,
            creating.create_file,
            teacher,
            creating.FileInput(
                title=TEACHER_FILE.format_map(year_values(start)),
                notation="TOAN",
                retention="10",
                start_date=moment.date(),
                description=TEACHER_FILE_NOTE,
            ),
        )
        self.slots[member.org_id].append(
            Slot(
                created.id,
                member.org_id,
                moment.year,
                None,
                (),
                False,
                moment,
                keeper_id=teacher,
                opened=True,
                unit_id=self.unit_of(teacher),
            )
        )

    # During the history: filing ---------------------------------------------------------------

    def file_documents(self, filings: list[Filing]) -> None:
        """The walk's filings and the issued outgoing documents, filed in time order into
        the file each fits (a handler may only file into a file they keep or nobody
        keeps yet; otherwise the clerk files it)."""
        steps: list[tuple[datetime, int, int, Filing | None]] = [
            (f.moment, 0, f.doc_id, f) for f in filings
        ]
        issued = db.session.execute(
            select(OutgoingDocument.id, OutgoingDocument.issued_at).where(
                OutgoingDocument.state == outgoing_flow.ISSUED,
                OutgoingDocument.org_id.in_(list(self.by_org)),
            )
        ).all()
        for doc_id, issued_at in issued:
            moment = to_local(issued_at)
            assert moment is not None
            later = _after_working_minutes(moment, self.rng.randint(30, 240))
            steps.append((max(moment, min(later, self.cutoff)), 1, doc_id, None))
        steps.sort(key=lambda s: (s[0], s[1], s[2]))
        ids = [f.doc_id for f in filings]
        incoming = {
            doc_id: (subject, unit_id)
            for doc_id, subject, unit_id in db.session.execute(
                select(
                    IncomingDocument.id,
                    IncomingDocument.subject,
                    IncomingDocument.recipient_unit_id,
                ).where(IncomingDocument.id.in_(ids))
            )
        }
        for moment, _kind, doc_id, step in steps:
            if step is not None:
                self._file_incoming(step, *incoming[doc_id])
            else:
                self._file_outgoing(doc_id, moment)

    def _fitting(self, org_id: int, subject: str, unit_id: int | None, moment: datetime):
        member = self.by_org[org_id]
        text = subject.lower()
        heading = heading_for(member.kind, self.unit_short.get(unit_id or 0), text)
        return choose(self.slots[org_id], heading, text, unit_id, moment)

    def _file_incoming(self, step: Filing, subject: str, unit_id: int | None) -> None:
        slot = self._fitting(step.org_id, subject, unit_id, step.moment) if step.into_file else None
        filer = step.filer
        if slot is not None and not slot.open_to(filer, step.clerk):
            filer = step.clerk
        self.run(step.moment, processing.file, filer, step.doc_id, slot.file_id if slot else None)
        if slot is not None:
            slot.opened = True
            slot.keeper_id = slot.keeper_id or filer  # whoever opens a planned file keeps it

    def _file_outgoing(self, doc_id: int, moment: datetime) -> None:
        doc = db.session.get(OutgoingDocument, doc_id)
        assert doc is not None
        clerk = self.by_org[doc.org_id].clerk_id
        slot = self._fitting(doc.org_id, doc.subject, doc.drafter.unit_id, moment)
        if slot is not None:
            self.run(moment, filing.file_documents, clerk, slot.file_id, outgoing_ids=[doc_id])
            slot.opened = True
            slot.keeper_id = slot.keeper_id or clerk

    # After the history: closing, hand-over, warnings, disposal --------------------------------

    def finish(self) -> None:
        """Last year's files closed in December; then, in time order, the hand-over, the
        head keeping a file back, the scheduler's warning runs and the disposal proposal."""
        for file_id, moment in sorted(self.closing.items(), key=lambda item: item[1]):
            case_file = db.session.get(CaseFile, file_id)
            if case_file is None or case_file.state != flow.OPEN:
                continue
            keeper = case_file.keeper_id or self.district.clerk_id
            self.run(moment, files.close_file, keeper, file_id, case_file.retention_code)
        district = self.district
        handed = [self.last_year[p.key] for p in DISTRICT_FILES if p.fate == HANDED]
        kept = next(self.last_year[p.key] for p in DISTRICT_FILES if p.fate == KEPT)
        events: list[tuple[datetime, Callable[[], object]]] = []
        handed_at = self.at(_working_days_before(self.today, HANDOVER_WORKING_DAYS_AGO), 9, 30)
        last = self.year - 1
        keeper = self.person(district, HANDED_KEEPER)
        assert keeper is not None
        note = HANDOVER_NOTE.format_map(year_values(last))
        events.append((handed_at, lambda: self._hand_over(handed_at, handed, keeper, note)))
        kept_at = self.at(_working_days_before(self.today, KEEP_BACK_WORKING_DAYS_AGO), 10, 30)
        events.append((kept_at, lambda: self._keep_back(kept, kept_at)))
        proposed_at = self.at(_working_days_before(self.today, DISPOSAL_WORKING_DAYS_AGO), 14, 15)
        events.append((proposed_at, lambda: self._propose_disposal(proposed_at)))
        warn_days = set(
            db.session.scalars(
                select(CaseFile.warn_from).where(
                    CaseFile.org_id == district.org_id,
                    CaseFile.state == flow.CLOSED,
                    CaseFile.warn_from <= self.today,
                )
            )
        )
        for day in sorted(warn_days):
            run_at = self.at(day, 7, 0)
            events.append((run_at, lambda run_at=run_at: _warn(run_at)))
        for _moment, event in sorted(events, key=lambda e: e[0]):
            event()

    def _keep_back(self, file_id: int, moment: datetime) -> None:
        case_file = db.session.get(CaseFile, file_id)
        assert case_file is not None and case_file.handover_due is not None
        until = archive.add_years(case_file.handover_due, 1)
        reason = KEEP_BACK_REASON.format_map(year_values(self.year))
        self.run(moment, handover.keep_back, self.district.leader_id, file_id, until, reason)

    def _propose_disposal(self, moment: datetime) -> None:
        case_file = db.session.get(CaseFile, self.old_file_id)
        assert case_file is not None and case_file.retention_expires is not None
        reason = DISPOSAL_REASON.format(expiry=f"{case_file.retention_expires:%d/%m/%Y}")
        self.run(moment, disposals.propose, self.district.clerk_id, [self.old_file_id], reason)


def _warn(moment: datetime) -> None:
    """The scheduler's daily warning run (eoffice.jobs.clock), on that morning."""
    set_clock(lambda: moment)
    warnings.send_handover_warnings(moment)


def _logins(member: Member) -> dict[str, int]:
    """The member's people by login (the part of the e-mail before the @)."""
    rows = db.session.execute(select(User.email, User.id).where(User.org_id == member.org_id))
    return {email.split("@", 1)[0]: user_id for email, user_id in rows}


def _on_or_after(day: date, working_days: int = 0) -> date:
    while not _is_working_day(day):
        day += timedelta(days=1)
    return _add_working_days(day, working_days) if working_days else day


def _on_or_before(day: date) -> date:
    while not _is_working_day(day):
        day -= timedelta(days=1)
    return day


# --- What the seed reports ------------------------------------------------------------------


@dataclass
class CaseFilesSummary:
    year: int
    lists_approved: int  # this year's, one per member office
    by_state: dict[str, int] = field(default_factory=dict)
    handovers: int = 0
    handed_files: int = 0
    kept_back: int = 0
    warned: int = 0  # files whose 30-day warning went out
    disposals_waiting: int = 0

    def report(self) -> list[str]:
        labels = {s.code: s.label.split(" (")[0].lower() for s in flow.CASE_FILE.states}
        states = ", ".join(
            f"{self.by_state[code]} {labels[code]}" for code in labels if self.by_state.get(code)
        )
        total = sum(self.by_state.values())
        return [
            f"Hồ sơ và lưu trữ: {self.lists_approved} danh mục hồ sơ năm {self.year} đã phê "
            f"duyệt (sao chép từ danh mục năm {self.year - 1}, nay đã khóa); {total} hồ sơ "
            f"({states}); {self.handovers} lần nộp lưu ({self.handed_files} hồ sơ, kèm Mục "
            f"lục hồ sơ nộp lưu và Biên bản giao nhận), {self.kept_back} hồ sơ lãnh đạo giữ "
            f"lại, {self.warned} hồ sơ đã được báo sắp đến hạn nộp lưu; "
            f"{self.disposals_waiting} đề nghị tiêu hủy chờ lãnh đạo phê duyệt (xem menu Hồ sơ)."
        ]


def summary(year: int) -> CaseFilesSummary:
    def count(stmt) -> int:
        return db.session.scalar(stmt) or 0

    states = Counter(
        dict(
            db.session.execute(select(CaseFile.state, func.count()).group_by(CaseFile.state)).all()
        )
    )
    return CaseFilesSummary(
        year=year,
        lists_approved=count(
            select(func.count(FileList.id)).where(
                FileList.year == year, FileList.state == flow.LIST_APPROVED
            )
        ),
        by_state=dict(states),
        handovers=count(select(func.count(Handover.id))),
        handed_files=count(
            select(func.count(CaseFile.id)).where(CaseFile.handover_id.is_not(None))
        ),
        kept_back=count(select(func.count(CaseFile.id)).where(CaseFile.kept_until.is_not(None))),
        warned=count(select(func.count(CaseFile.id)).where(CaseFile.warned_on.is_not(None))),
        disposals_waiting=count(
            select(func.count(Disposal.id)).where(Disposal.state == flow.PROPOSED)
        ),
    )
