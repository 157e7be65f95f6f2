"""`flask seed-demo`: a district office, its schools, their people and a lived-in register.

Everything is written through the services (save_organisation, create_unit, create_user,
register_incoming, cancel_incoming), so the demo goes through the same validation,
numbering and audit trail as real use. Documents are registered one by one, in order of
arrival, each at its historical moment (timeutil.set_clock): arrival numbers grow with
time exactly as if a clerk had registered them on those days. Then lifecycle.walk takes
them through the processing steps, so every role finds work waiting for them.
eoffice.demo.outgoing adds a test CA, certificates and a few weeks of outgoing
documents, drafted, signed and delivered between the members, their steps interleaved
with the arrivals in time order; eoffice.demo.directives adds, on the same timeline, the
district's directives with report requests and the schools' answers, late or not;
eoffice.demo.casefiles adds the yearly file lists, files the processed documents into
case files, and closes, hands over and proposes for disposal the files of past years.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from random import Random

import click
from flask import current_app
from sqlalchemy import event, func, select

from eoffice.catalog.models import DocumentType
from eoffice.core import security
from eoffice.core.errors import ServiceError
from eoffice.core.timeutil import local_tz, now_utc, set_clock, to_local
from eoffice.demo import DEFAULT_DOCUMENTS, DEFAULT_PASSWORD, data, lifecycle
from eoffice.demo import casefiles as casefiles_demo
from eoffice.demo import directives as directives_demo
from eoffice.demo import exchange as exchange_demo
from eoffice.demo import outgoing as outgoing_demo
from eoffice.demo.pdf import render_demo_pdf
from eoffice.demo.planner import Arrival, Member, Planner, Sender
from eoffice.extensions import db
from eoffice.incoming.attachments import Upload
from eoffice.incoming.models import IncomingDocument
from eoffice.incoming.services import IncomingInput, cancel_incoming, register_incoming
from eoffice.notifications.models import Notification
from eoffice.orgs import services as org_services
from eoffice.orgs.models import ROLE_LABELS, Organisation, OrgKind, Role, User
from eoffice.orgs.services import OrganisationData, create_unit, create_user, save_organisation
from eoffice.search import texts

RANDOM_SEED = 2026  # fixed: the same command builds the same demo (relative to today)
UNREAD_DAYS = 3  # notifications older than this are marked read at the end of the seed
PLACE_NAME = "Quận 3"  # địa danh on the members' documents: "Quận 3, ngày … tháng … năm …"


@dataclass
class SeedResult:
    password: str
    members: list[Member]
    senders: int
    documents: int
    seconds: float = 0.0
    outgoing: outgoing_demo.OutgoingSummary | None = None
    exchange: exchange_demo.ExchangeSummary | None = None
    directives: directives_demo.DirectivesSummary | None = None
    casefiles: casefiles_demo.CaseFilesSummary | None = None

    def report(self) -> str:
        """The table printed at the end: who can log in where, with which password."""
        rows: list[tuple[str, str, str]] = []
        for member in self.members:
            if rows:
                rows.append(("", "", ""))
            org = member.spec.name
            for role in Role:
                for n, email in enumerate(member.logins.get(role, [])):
                    rows.append((org, "" if n else ROLE_LABELS[role], email))
                    org = ""
        width_org = max(len(row[0]) for row in rows)
        width_role = max(len(row[1]) for row in rows)
        lines = [
            f"Đã tạo {len(self.members)} cơ quan thành viên, {self.senders} cơ quan gửi và "
            f"{self.documents} văn bản đến ({self.seconds:.1f} giây).",
            "",
            f"{'Cơ quan':<{width_org}}  {'Vai trò':<{width_role}}  Thư điện tử đăng nhập",
            f"{'-' * width_org}  {'-' * width_role}  {'-' * 44}",
        ]
        lines += [f"{o:<{width_org}}  {r:<{width_role}}  {e}".rstrip() for o, r, e in rows]
        if self.outgoing is not None:
            lines += ["", *self.outgoing.report()]
        if self.directives is not None:
            lines += self.directives.report()
        if self.casefiles is not None:
            lines += ["", *self.casefiles.report()]
        if self.exchange is not None:
            lines += ["", *self.exchange.report()]
        lines += ["", f"Mật khẩu chung của mọi tài khoản mẫu: {self.password}"]
        return "\n".join(lines)


def organisation_count() -> int:
    return db.session.scalar(select(func.count(Organisation.id))) or 0


def seed_demo_cli(*, if_empty: bool, documents: int, password: str) -> None:
    """The body of `flask seed-demo`, kept here so the command itself stays a one-liner."""
    existing = organisation_count()
    if existing and if_empty:
        click.echo("Cơ sở dữ liệu đã có dữ liệu: bỏ qua việc nạp dữ liệu mẫu.")
        return
    if existing:
        raise click.ClickException(
            f"Cơ sở dữ liệu đã có {existing} cơ quan; dữ liệu mẫu chỉ nạp vào cơ sở dữ liệu "
            "trống (dùng --if-empty để bỏ qua khi đã có dữ liệu)."
        )
    problem = security.password_problem(password)
    if problem:
        raise click.ClickException(problem)
    click.echo(f"Đang nạp dữ liệu mẫu ({documents} văn bản đến)…")
    try:
        with _quiet(
            "eoffice.incoming",
            "eoffice.outgoing",
            "eoffice.exchange",
            "weasyprint",
            "fontTools",
            "pyhanko",
        ):
            result = seed_demo(documents=documents, password=password)
    except ServiceError as exc:
        raise click.ClickException(f"Không nạp được dữ liệu mẫu: {exc.message}") from exc
    click.echo(result.report())


def seed_demo(
    *,
    documents: int = DEFAULT_DOCUMENTS,
    password: str = DEFAULT_PASSWORD,
    outgoing: bool = True,
    casefiles: bool | None = None,
) -> SeedResult:
    """Build the demo world, register `documents` incoming documents up to now, process them.

    With `outgoing` (always, from the command) the members also get certificates from a
    test CA, and draft, sign and deliver outgoing documents over the last weeks
    (eoffice.demo.outgoing); tests about the incoming history alone leave it out, as it
    costs several seconds of key generation and PDF signing. `casefiles` (by default as
    `outgoing`) adds the file lists and the archive (eoffice.demo.casefiles); without it
    filed documents go into no case file.
    """
    if casefiles is None:
        casefiles = outgoing
    started = time.perf_counter()
    stack = ExitStack()
    now = to_local(now_utc())
    assert now is not None
    people_rng, plan_rng, docs_rng = (Random(RANDOM_SEED + i) for i in range(3))
    moments = arrival_moments(plan_rng, documents, now)
    first_day = moments[0].date() if moments else now.date()
    if outgoing:
        first_day = min(first_day, outgoing_demo.history_start(now.date()))
    setup_moment = datetime.combine(
        first_day - timedelta(days=7),
        datetime.min.time().replace(hour=7, minute=30),
        tzinfo=local_tz(),
    )
    summary = directives = files_summary = None
    files_story: casefiles_demo.CaseFileStory | None = None
    try:
        stack.enter_context(fast_commits())
        stack.enter_context(texts.deferred())  # files' text extracted at the end, here
        set_clock(lambda: setup_moment)
        with shared_password_hash(password):
            members, senders = _build_world(people_rng, password)
        db.session.commit()
        timeline = None
        if outgoing:
            outgoing_demo.install_certificates(members, password)
            full = documents >= outgoing_demo.FULL_FROM
            timeline = outgoing_demo.plan_history(Random(RANDOM_SEED + 4), members, now, full=full)
            directives_demo.plan(timeline, members, now)
        planner = Planner(docs_rng, members, senders, _document_types(), today=now.date())
        plan = [
            Arrival(m, r) for m, r in zip(moments, planner.receivers(len(moments)), strict=True)
        ]
        cancel_at = set(plan_rng.sample(range(len(plan)), len(plan) // 150))
        if timeline is None:
            timeline = outgoing_demo.Timeline(Random(RANDOM_SEED + 5), now - timedelta(minutes=3))
        registered: list[lifecycle.Registered] = []
        with exchange_demo.reference_hub(exchange_demo.agencies(members, senders)) as hub:
            exchange_demo.set_up(members[0], hub)
            story = exchange_demo.Story(timeline, planner, members, senders, hub, now)
            story.plan()
            with no_email(), outgoing_demo.inline_publishing(), exchange_demo.sending_at_once():
                if casefiles:  # its past comes first in the register books
                    files_story = casefiles_demo.CaseFileStory(members, senders, now, first_day)
                    files_story.prepare()
                _register_all(planner, plan, cancel_at, registered, now, timeline)
                timeline.run_all()
                file_steps = files_story.file_documents if files_story else None
                lifecycle.walk(Random(RANDOM_SEED + 3), registered, now, file_steps)
                if files_story is not None:
                    files_story.finish()
            story.record_schools()
            exchange_demo.disconnect(members[0], now)
        _read_old_news(now)
        texts.extract_pending()  # the attachments' text, for search
        if outgoing:
            summary = outgoing_demo.summary()
            directives = directives_demo.summary()
        exchange_summary = exchange_demo.summary(story)
        if files_story is not None:
            files_summary = casefiles_demo.summary(now.year)
    finally:
        set_clock(None)
        stack.close()
    result = SeedResult(
        password,
        members,
        len(senders),
        len(plan),
        outgoing=summary,
        exchange=exchange_summary,
        directives=directives,
        casefiles=files_summary,
    )
    result.seconds = time.perf_counter() - started
    return result


def _register_all(
    planner: Planner,
    plan: list[Arrival],
    cancel_at: set[int],
    registered: list[lifecycle.Registered],
    now: datetime,
    timeline: outgoing_demo.Timeline,
) -> None:
    """Register the arrivals in time order; the outgoing steps dated before each arrival
    run first, so copies delivered inside the deployment take their arrival numbers in
    time order with the rest of the recipient's book."""
    for index, arrival in enumerate(plan):
        timeline.run_until(arrival.moment)
        doc = _register(planner, arrival, index)
        registered.append(lifecycle.Registered(doc.id, arrival.moment, arrival.member))
        if index in cancel_at:
            later = min(arrival.moment + timedelta(minutes=5), now)
            set_clock(lambda later=later: later)
            clerk = db.session.get(User, arrival.member.clerk_id)
            cancel_incoming(clerk, doc.id, data.CANCEL_REASON)


def _register(planner: Planner, arrival: Arrival, index: int) -> IncomingDocument:
    """Register one arrival as its receiving clerk, at the moment it arrived."""
    issued = planner.document_for(arrival, index)
    member = arrival.member
    unit_id, user_id = planner.recipient(member, issued)
    uploads: list[Upload] = []
    if issued.attach:
        if issued.pdf is None:
            issued.pdf = render_demo_pdf(issued)
        uploads.append(Upload(issued.symbol.replace("/", "-") + ".pdf", issued.pdf))
    set_clock(lambda moment=arrival.moment: moment)
    doc = register_incoming(
        db.session.get(User, member.clerk_id),
        IncomingInput(
            sender_org_id=issued.sender.org_id,
            sender_name=issued.sender.spec.name,
            symbol=issued.symbol,
            document_date=issued.document_date,
            document_type_id=issued.type_id,
            subject=issued.subject,
            signer_name=issued.signer[0],
            signer_position=issued.signer[1],
            page_count=issued.pages,
            urgency_code=issued.urgency,
            confidentiality_code="confidential" if issued.template.confidential else "normal",
            source=planner.source_for(issued),
            recipient_unit_id=unit_id,
            recipient_user_id=user_id,
            deadline=issued.deadline,
        ),
        uploads,
    )
    issued.received_by.add(member.org_id)
    return doc


def _read_old_news(now: datetime) -> None:
    """People read their notifications: only the last few days' stay unread, as in an
    office that uses the system every day (a bell showing 60 is not a real morning)."""
    cutoff = now - timedelta(days=UNREAD_DAYS)
    unread = db.session.scalars(
        select(Notification).where(Notification.created_at < cutoff, Notification.read_at.is_(None))
    )
    for notification in unread:  # a few thousand rows at most; portable date arithmetic
        notification.read_at = notification.created_at + timedelta(hours=2)
    db.session.commit()


@contextmanager
def no_email() -> Iterator[None]:
    """The demo people's addresses are invented (on real school domains): nothing is mailed.

    Assignments, returns and urgent arrivals still leave their in-app notifications, so
    the bell has something to show; only the e-mail copies are not queued.
    """
    config = current_app.config
    previous = config.get("NOTIFICATION_EMAIL_ENABLED", True)
    config["NOTIFICATION_EMAIL_ENABLED"] = False
    try:
        yield
    finally:
        config["NOTIFICATION_EMAIL_ENABLED"] = previous


FAST_COMMITS = {
    "postgresql": "SET synchronous_commit TO off",
    "sqlite": "PRAGMA synchronous = OFF",
}


@contextmanager
def fast_commits() -> Iterator[None]:
    """Commit without waiting for the disk while the seed runs.

    The seed is a bulk load into an empty database made of thousands of small
    transactions (every service commits its own step: each registration, each check of
    each slot, each "Đã kiểm tra"), and each would otherwise wait for its fsync. A
    machine failing mid-seed means seeding again anyway, so per-transaction durability
    buys nothing here: PostgreSQL's `synchronous_commit = off` (never corruption, at
    worst the last moments lost) and SQLite's `synchronous = OFF` make a commit cost
    what its SQL costs. Only connections opened or checked out during the seed are
    tuned, and the pool is disposed at the end, so nothing after the seed runs on them.
    """
    engine = db.engine
    statement = FAST_COMMITS.get(engine.dialect.name)
    if statement is None or engine.url.database in (None, "", ":memory:"):
        yield
        return

    def tune(dbapi_connection, record, _proxy) -> None:
        if record.info.get("eoffice_fast_commits"):
            return
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(statement)
        finally:
            cursor.close()
        dbapi_connection.commit()  # a session-level SET, not undone by a later rollback
        record.info["eoffice_fast_commits"] = True

    event.listen(engine, "checkout", tune)
    try:
        yield
    finally:
        event.remove(engine, "checkout", tune)
        db.session.remove()
        engine.dispose()


@contextmanager
def _quiet(*names: str) -> Iterator[None]:
    """INFO lines per registered document and per rendered PDF would bury the login table."""
    loggers = [logging.getLogger(name) for name in names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


# --- Time --------------------------------------------------------------------------------


HISTORY_DAYS = 150  # about five months
HOLIDAYS = {(1, 1), (4, 30), (5, 1), (9, 1), (9, 2)}  # solar public holidays
WORKING_MINUTES = [(7 * 60 + 15, 11 * 60 + 30), (13 * 60 + 30, 17 * 60)]


def arrival_moments(rng: Random, count: int, now: datetime) -> list[datetime]:
    """`count` local moments in working hours over the last months, oldest first, all past."""
    today = now.date()
    days = [today - timedelta(days=n) for n in range(HISTORY_DAYS, -1, -1)]
    weights = [_day_weight(day) for day in days]
    cutoff = now - timedelta(minutes=2)
    spans = [end - start for start, end in WORKING_MINUTES]
    moments: list[datetime] = []
    while len(moments) < count:
        day = rng.choices(days, weights)[0]
        minute = rng.randrange(sum(spans))
        for (start, _end), span in zip(WORKING_MINUTES, spans, strict=True):
            if minute < span:
                minute += start
                break
            minute -= span
        moment = datetime.combine(day, datetime.min.time(), tzinfo=now.tzinfo) + timedelta(
            minutes=minute, seconds=rng.randrange(60)
        )
        if moment <= cutoff:
            moments.append(moment)
    return sorted(moments)


def _day_weight(day: date) -> float:
    if (day.month, day.day) in HOLIDAYS or day.weekday() == 6:
        return 0.0
    return 0.05 if day.weekday() == 5 else 1.0


# --- The world -----------------------------------------------------------------------------


@contextmanager
def shared_password_hash(password: str) -> Iterator[None]:
    """Hash the one demo password once and give that hash to every demo user.

    create_user hashes each password with argon2id at production cost (~0.3 s on a
    2-core server); ~70 demo users would add twenty seconds to every `make run` on an
    empty database. The demo users share one password anyway, so they may share one
    salted hash. create_user still validates the password and stores a normal argon2id
    hash; only while this block runs does the orgs service get the precomputed hash for
    exactly this password, and any other password is hashed as usual.
    """
    precomputed = security.hash_password(password)
    original = org_services.hash_password

    def hash_once(candidate: str) -> str:
        return precomputed if candidate == password else original(candidate)

    org_services.hash_password = hash_once
    try:
        yield
    finally:
        org_services.hash_password = original


def _build_world(rng: Random, password: str) -> tuple[list[Member], dict[str, list[Sender]]]:
    district = _create_member(rng, data.DISTRICT, None, data.DISTRICT_UNITS, password)
    members = [district]
    for spec in data.SCHOOLS:
        units = data.SCHOOL_UNITS[spec.kind]
        members.append(_create_member(rng, spec, district.org_id, units, password))

    senders: dict[str, list[Sender]] = {}
    for spec in data.EXTERNAL_SENDERS:
        org = _create_directory_entry(spec)
        senders[spec.key] = [Sender(spec, org.id, _officials(rng, spec))]
    for ward in sorted({m.spec.ward for m in members[1:]}):
        spec = data.ward_sender(ward)
        org = _create_directory_entry(spec)
        senders[f"ward:{ward}"] = [Sender(spec, org.id, _officials(rng, spec))]
    _set_superior(district, senders["ubnd"][0].org_id)
    senders["pgd"] = [Sender(data.PGD, district.org_id, district.signers)]
    senders["school"] = [
        Sender(data.school_sender(m.spec), m.org_id, m.signers) for m in members[1:]
    ]
    return members, senders


def _create_member(
    rng: Random,
    spec: data.MemberSpec,
    parent_id: int | None,
    units: tuple[data.UnitSpec, ...],
    password: str,
) -> Member:
    org = save_organisation(_member_data(spec, parent_id))
    member = Member(spec=spec, org_id=org.id, kind=spec.kind)
    for unit_spec in units:
        unit = create_unit(org.id, unit_spec.name, unit_spec.short_name)
        member.units.append((unit_spec, unit.id))
    unit_ids = {unit_spec.name: unit_id for unit_spec, unit_id in member.units}
    is_district = spec.kind == OrgKind.DISTRICT_OFFICE
    people = data.DISTRICT_PEOPLE if is_district else data.SCHOOL_PEOPLE[spec.kind]
    for person in people:
        user = create_user(
            org_id=org.id,
            email=f"{person.login}@{spec.domain}",
            full_name=person_name(rng, person.female_share),
            password=password,
            roles=[person.role],
            title=person.title,
            unit_id=unit_ids[person.unit] if person.unit else None,
        )
        member.add_user(user, person.role)
    return member


def _member_data(spec: data.MemberSpec, parent_id: int | None) -> OrganisationData:
    return OrganisationData(
        name=spec.name,
        kind=spec.kind,
        short_name=spec.short_name,
        agency_code=spec.agency_code,
        parent_id=parent_id,
        address=spec.address,
        email=f"vanthu@{spec.domain}",
        phone=spec.phone,
        ward=spec.ward,
        is_member=True,
        place_name=PLACE_NAME,
    )


def _set_superior(district: Member, superior_id: int) -> None:
    """The district office under the district People's Committee (a directory entry):
    its documents and printed registers head with "ỦY BAN NHÂN DÂN QUẬN 3" above the
    office's name, as the real ones do."""
    org = db.session.get(Organisation, district.org_id)
    save_organisation(_member_data(district.spec, superior_id), org=org)


def _create_directory_entry(spec: data.SenderSpec) -> Organisation:
    return save_organisation(
        OrganisationData(
            name=spec.name,
            kind=OrgKind.EXTERNAL,
            short_name=spec.short_name,
            agency_code=spec.agency_code,
            email=spec.email,
        )
    )


def _officials(rng: Random, spec: data.SenderSpec) -> list[tuple[str, str]]:
    """The head and two deputies who sign an outside agency's documents (invented people)."""
    return [(person_name(rng, 0.3), spec.head)] + [
        (person_name(rng, 0.4), spec.deputy) for _ in range(2)
    ]


def person_name(rng: Random, female_share: float) -> str:
    surnames, weights = zip(*data.SURNAMES, strict=True)
    surname = rng.choices(surnames, weights)[0]
    if rng.random() < female_share:
        return f"{surname} {rng.choice(data.MIDDLE_FEMALE)} {rng.choice(data.GIVEN_FEMALE)}"
    return f"{surname} {rng.choice(data.MIDDLE_MALE)} {rng.choice(data.GIVEN_MALE)}"


def _document_types() -> dict[str, tuple[int, str | None]]:
    rows = db.session.execute(select(DocumentType.name, DocumentType.id, DocumentType.abbreviation))
    return {name: (type_id, abbreviation) for name, type_id, abbreviation in rows}
