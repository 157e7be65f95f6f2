"""What arrives where: the invented correspondence behind the demo register.

Senders number their documents in one yearly series each, so the symbols of one sender
grow with time. A document sent to several organisations (a district letter to every
primary school, a city order to the office and the schools) is one `Issued` record,
registered by each receiver with the same number, symbol and date, as in real life.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from random import Random

from eoffice.demo import data
from eoffice.incoming.models import Source
from eoffice.orgs.models import Role, User

REUSE_DAYS = 5  # a document reaches its receivers within a few days of its date
INVITATION_REUSE_DAYS = 2  # an invitation must arrive before the meeting
COOLDOWN_DAYS = 90  # a sender does not write about the same thing twice within a term
URGENT_TYPES = ("Công văn", "Công điện", "Giấy mời", "Quyết định", "Thông báo")


@dataclass
class Member:
    """A member organisation as the seed built it (ids only: ORM objects expire on commit)."""

    spec: data.MemberSpec
    org_id: int
    kind: str
    units: list[tuple[data.UnitSpec, int]] = field(default_factory=list)
    users_by_unit: dict[int, list[int]] = field(default_factory=dict)
    logins: dict[str, list[str]] = field(default_factory=dict)
    signers: list[tuple[str, str]] = field(default_factory=list)
    clerk_id: int = 0
    leader_id: int = 0

    def add_user(self, user: User, role: str) -> None:
        self.logins.setdefault(role, []).append(user.email)
        if user.unit_id:
            self.users_by_unit.setdefault(user.unit_id, []).append(user.id)
        if role == Role.CLERK and not self.clerk_id:
            self.clerk_id = user.id
        if role == Role.LEADER:
            self.leader_id = user.id
        if role in (Role.LEADER, Role.DEPUTY):
            self.signers.append((user.full_name, user.title or ""))


@dataclass
class Sender:
    spec: data.SenderSpec
    org_id: int
    signers: list[tuple[str, str]]  # (name, position), the head first
    issued: list[Issued] = field(default_factory=list)
    last_number: dict[int, int] = field(default_factory=dict)
    last_used: dict[data.Template, date] = field(default_factory=dict)
    last_date: date | None = None


@dataclass
class Issued:
    """One document as its sender issued it."""

    sender: Sender
    template: data.Template
    type_id: int
    symbol: str
    document_date: date
    subject: str
    signer: tuple[str, str]
    pages: int
    urgency: str
    deadline: date | None
    attach: bool
    received_by: set[int] = field(default_factory=set)
    pdf: bytes | None = None


@dataclass
class Arrival:
    moment: datetime  # local, aware
    member: Member


def behind(done: int, ratio: float, seen: int) -> bool:
    """True when a rare feature has fallen clearly below its share: even a small demo shows it."""
    return done < ratio * seen - 1


class Planner:
    def __init__(
        self,
        rng: Random,
        members: list[Member],
        senders: dict[str, list[Sender]],
        types: dict[str, tuple[int, str | None]],
        *,
        today: date,
    ):
        self.rng = rng
        self.members = members
        self.senders = senders
        self.types = types
        self.today = today
        self.urgent = 0
        self.attached = 0

    def receivers(self, count: int) -> list[Member]:
        weights = [data.RECEIVER_WEIGHTS[m.kind] for m in self.members]
        return self.rng.choices(self.members, weights, k=count)

    # --- Choosing the document ------------------------------------------------------------

    def document_for(self, arrival: Arrival, index: int) -> Issued:
        """Pick who wrote what reached `arrival.member` that day.

        Senders with nothing new to say (every subject used lately) step aside, so a small
        sender does not repeat its two subjects all term; only if nobody has anything new
        are repeats allowed.
        """
        member, day = arrival.member, arrival.moment.date()
        for fresh_only in (True, False):
            options = []
            for key, weight in data.SENDER_WEIGHTS[member.kind].items():
                group = self.senders[f"ward:{member.spec.ward}" if key == "ward" else key]
                usable = [
                    s
                    for s in group
                    if self._templates(s, member, day, fresh_only) or self._recent(s, member, day)
                ]
                if usable:
                    options.append((usable, weight))
            if options:
                break
        groups, weights = zip(*options, strict=True)
        sender = self.rng.choice(self.rng.choices(groups, weights)[0])
        recent = self._recent(sender, member, day)
        templates = self._templates(sender, member, day, fresh_only)
        if recent and (self.rng.random() < 0.8 or not templates):
            issued = self.rng.choice(recent)
        else:
            issued = self._issue(sender, templates, day, index)
        if issued.urgency != "normal":
            self.urgent += 1
        if issued.attach:
            self.attached += 1
        return issued

    def _templates(
        self, sender: Sender, member: Member, day: date, fresh_only: bool
    ) -> list[data.Template]:
        """What the sender may write to this member now; fresh: not used within the cooldown."""
        return [
            t
            for t in sender.spec.templates
            if member.kind in t.audience
            and (not t.months or day.month in t.months)
            and not (
                fresh_only
                and t in sender.last_used
                and (day - sender.last_used[t]).days < COOLDOWN_DAYS
            )
        ]

    def _recent(self, sender: Sender, member: Member, day: date) -> list[Issued]:
        return [
            doc
            for doc in sender.issued[-30:]
            if member.org_id not in doc.received_by
            and member.kind in doc.template.audience
            and (day - doc.document_date).days
            <= (INVITATION_REUSE_DAYS if doc.template.type_name == "Giấy mời" else REUSE_DAYS)
        ]

    def _issue(
        self, sender: Sender, templates: list[data.Template], day: date, index: int
    ) -> Issued:
        rng = self.rng
        template = self._fresh_template(sender, templates)
        lag = rng.choices((0, 1, 2, 3), (40, 35, 15, 10))[0]
        doc_date = _working_days_before(day, lag)
        if sender.last_date and doc_date < sender.last_date:
            doc_date = sender.last_date
        sender.last_date = doc_date
        type_id, abbreviation = self.types[template.type_name]
        number = self._next_number(sender, doc_date)
        short = sender.spec.short_name
        if abbreviation:
            symbol = f"{number:02d}/{abbreviation}-{short}"
        else:
            units = sender.spec.units
            symbol = f"{number:02d}/{short}-{units.get(template.topic, units['*'])}"
        signer = sender.signers[0] if rng.random() < 0.3 else rng.choice(sender.signers[1:])
        issued = Issued(
            sender=sender,
            template=template,
            type_id=type_id,
            symbol=symbol,
            document_date=doc_date,
            subject=fill(template.text, doc_date, day, rng),
            signer=signer,
            pages=rng.randint(*data.PAGE_RANGES.get(template.type_name, (1, 3))),
            urgency=self._urgency(template, index + 1),
            deadline=self._deadline(template, doc_date),
            attach=not template.confidential
            and sender.spec.electronic
            and (rng.random() < 0.04 or behind(self.attached, 0.04, index + 1)),
        )
        sender.issued.append(issued)
        sender.last_used[template] = doc_date
        return issued

    def _fresh_template(self, sender: Sender, templates: list[data.Template]) -> data.Template:
        """Any never-used subject first, else the one unused the longest."""
        unused = [t for t in templates if t not in sender.last_used]
        if unused:
            return self.rng.choice(unused)
        return min(templates, key=lambda t: sender.last_used[t])

    def next_number(self, sender: Sender, day: date) -> int:
        """The sender's next number for a document dated `day` (eoffice.demo.exchange numbers
        the documents the outside agencies send through the exchange in the same series)."""
        return self._next_number(sender, day)

    def _next_number(self, sender: Sender, day: date) -> int:
        """The sender's yearly series: roughly its daily output times the working days so far."""
        expected = sender.spec.per_day * day.timetuple().tm_yday * 5 / 7
        step = self.rng.randint(1, max(1, math.ceil(sender.spec.per_day)))
        number = max(sender.last_number.get(day.year, 0) + 1, round(expected) + step)
        sender.last_number[day.year] = number
        return number

    def _urgency(self, template: data.Template, seen: int) -> str:
        """About one arrival in ten is urgent; hỏa tốc is kept for real emergencies."""
        if template.urgent:
            return "flash"
        if template.type_name not in URGENT_TYPES:
            return "normal"
        roll = self.rng.random()
        if roll < 0.07 or behind(self.urgent, 0.1, seen):
            return "urgent"
        if roll < 0.1:
            return "very_urgent"
        return "flash" if roll < 0.11 and template.type_name == "Công văn" else "normal"

    def _deadline(self, template: data.Template, doc_date: date) -> date | None:
        """Recent documents often carry a deadline; older ones rarely (they would all be late)."""
        if template.type_name in ("Giấy mời", "Báo cáo", "Tờ trình"):
            return None
        age = (self.today - doc_date).days
        chance = 0.6 if age <= 15 else 0.3 if age <= 45 else 0.05
        if self.rng.random() >= chance:
            return None
        return doc_date + timedelta(days=self.rng.randint(5, 25))

    # --- How it arrives and who gets it -----------------------------------------------------

    def source_for(self, issued: Issued) -> str:
        spec = issued.sender.spec
        if issued.template.confidential:
            return Source.PAPER  # secrets never travel by e-mail or the exchange
        if spec.key in ("pgd", "school"):
            return self.rng.choices((Source.INTERNAL, Source.EMAIL), (70, 30))[0]
        if spec.electronic and spec.agency_code:
            return self.rng.choices((Source.EXCHANGE, Source.EMAIL, Source.PAPER), (55, 30, 15))[0]
        if spec.electronic:
            return self.rng.choices((Source.EMAIL, Source.PAPER), (60, 40))[0]
        return self.rng.choices((Source.PAPER, Source.EMAIL), (85, 15))[0]

    def recipient(self, member: Member, issued: Issued) -> tuple[int | None, int | None]:
        """The unit that handles the topic, and sometimes a named person."""
        if issued.template.confidential or issued.template.type_name == "Giấy mời":
            return None, member.leader_id
        topic = issued.template.topic
        matching = [uid for spec, uid in member.units if topic in spec.topics]
        if not matching:
            matching = [uid for spec, uid in member.units if not spec.topics]
        unit_id = self.rng.choice(matching or [member.units[0][1]])
        people = member.users_by_unit.get(unit_id, [])
        user_id = self.rng.choice(people) if people and self.rng.random() < 0.3 else None
        return unit_id, user_id


def _working_days_before(day: date, count: int) -> date:
    while count:
        day -= timedelta(days=1)
        if day.weekday() < 5:
            count -= 1
    return day


def fill(text: str, doc_date: date, arrival: date, rng: Random) -> str:
    """Fill a subject template for a document dated `doc_date`.

    The school year turns over in July (plans for the new year go out then); "trước" is
    the period just ended, which reports cover; "tới" is the month a schedule announces;
    a meeting is held a few days after the invitation reaches its first receiver.
    """
    start = doc_date.year if doc_date.month >= 7 else doc_date.year - 1
    previous = doc_date.replace(day=1) - timedelta(days=1)
    coming = (doc_date.replace(day=28) + timedelta(days=4)) if doc_date.day >= 20 else doc_date
    quarter = (doc_date.month - 1) // 3 or 4
    meeting = arrival + timedelta(days=rng.randint(3, 7))
    while meeting.weekday() >= 5:
        meeting += timedelta(days=1)
    return text.format(
        nam_hoc=f"{start} - {start + 1}",
        nam_hoc_truoc=f"{start - 1} - {start}",
        nam_toi=doc_date.year + 1,
        hoc_ky="học kỳ I" if doc_date.month >= 7 or doc_date.month == 1 else "học kỳ II",
        nam=doc_date.year,
        thang_truoc=f"{previous.month}/{previous.year}",
        thang_toi=f"{coming.month}/{coming.year}",
        thang_hop=f"{meeting.month}/{meeting.year}",
        quy=f"{quarter}/{doc_date.year if quarter != 4 else doc_date.year - 1}",
        hop=f"lúc {rng.choice(data.MEETING_TIMES)}, ngày {meeting:%d/%m/%Y}",
    )
