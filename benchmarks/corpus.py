"""A realistic register of a million documents in PostgreSQL, loaded with COPY.

    python -m benchmarks.corpus                         # 1,000,000 documents
    python -m benchmarks.corpus --documents 50000       # a small one, for trying things

What is made, and how:

- The schema: the public schema of the benchmark database is dropped and rebuilt with
  the Alembic migrations (the name must contain "bench").
- Through the services (small numbers, the real validation): a district office
  (Phòng GDĐT Quận 5, 8 units, a clerk, a leader, 2 deputies, 40 staff) and 60 schools
  (4 units, a clerk, a leader, a deputy and 6 staff each), the directory of ~50 outside
  agencies, and every register book of the five years (incoming and outgoing, ordinary
  and confidential).
- With COPY, in parallel worker processes (one per core): 85% incoming documents, 15%
  outgoing, spread over five years in working hours; the district office holds ~15% of
  them (the big organisation whose lists and searches are measured). Incoming documents
  have Vietnamese subjects by type, senders and symbols ("1234/SGDĐT-GDTrH"), states by
  age (most filed, recent ones open, a few overdue), assignments (a lead, one in three a
  coordinating unit), a recipient unit for some, a "registered" audit event each, and
  one in four an attached PDF, one in five of which (5% of documents) has 1,000–5,000
  characters of extracted text (`file_texts`). Outgoing documents are numbered per book
  and year when issued, with recipients and a short body.
- The search index rows (`search_entries`) are made by `search.indexing.EntryText.row`,
  from the same pieces `incoming_entries` / `outgoing_entries` collect, so the words
  indexed are exactly production's (`search.tokens`). `tokens.exact_word` is memoised in
  the workers (a pure function of one word; same results, twice as fast).
- Who may read each incoming document (`incoming_readers`) is filled after COPY by the
  application's own `incoming.readers.rebuild_all`.
- The "registered" audit events continue their organisation's hash chain (decision
  0020) after the events the services wrote: the workers compute each event's content
  digest (`core.audit_chain.content_digest`, the costly part) and hand the rows back;
  the parent, taking the chunks in plan order (which is arrival order, hence id order
  within each organisation), links them (`link_hash`, one small SHA-256 each), COPYs
  them and moves the chains' head rows, so `flask audit verify` finds every chain
  intact.
- Secondary indexes of the bulk tables are dropped before COPY and rebuilt after (two
  at a time); foreign keys are not checked during COPY (`session_replication_role`),
  the data being made consistent here; primary keys and unique constraints stay, so a
  duplicate number would still fail the load. Then the sequences, every register book's
  `last_number` (so registration carries on after the last number), VACUUM ANALYZE.

Every phase prints its duration. A row in `bench_corpus` records the corpus (size, seed,
the accounts to sign in with), so `--reuse` can skip loading.
"""

from __future__ import annotations

import argparse
import bisect
import functools
import hashlib
import json
import logging
import multiprocessing
import os
import random
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import vocabulary as vocab
from benchmarks.common import build_app

DEFAULT_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/eoffice_bench"
)
PASSWORD = "Bench-mat-khau-2026"
YEARS = 5
INCOMING_SHARE = 0.85
BIG_INCOMING_SHARE = 0.153  # of incoming: ~130,000 of 850,000
BIG_OUTGOING_SHARE = 0.133  # of outgoing: ~20,000 of 150,000
SCHOOLS = 60
DISTRICT_STAFF_PER_UNIT = 5
SCHOOL_STAFF = 6
CHUNK = 10_000
VN = timezone(timedelta(hours=7))  # Asia/Ho_Chi_Minh has kept UTC+7 since 1975
DAY = 86_400.0
BULK_TABLES = (
    "incoming_documents",
    "outgoing_documents",
    "outgoing_recipients",
    "assignments",
    "incoming_attachments",
    "stored_files",
    "file_texts",
    "search_entries",
    "audit_events",
    "incoming_readers",
)
OPEN_AGE_DAYS = 45
ALL_SCHOOLS = "Hiệu trưởng các trường mầm non, tiểu học, trung học cơ sở"


# --- The world made through the services -------------------------------------------------------


@dataclass
class OrgInfo:
    index: int
    id: int
    name: str
    short: str
    is_district: bool
    clerk_id: int
    leader_id: int
    deputy_ids: list[int]
    units: list[tuple[int, str, str]]  # (id, name, short)
    staff: list[tuple[int, int]]  # (user id, unit id)
    emails: dict[str, str] = field(default_factory=dict)


@dataclass
class World:
    """Everything the COPY workers need, made before they are forked."""

    orgs: list[OrgInfo]
    agencies: list[tuple[int, str, str, int]]  # (org id, name, abbreviation, weight)
    types: dict[str, tuple[int, str | None]]  # name -> (id, abbreviation)
    books: dict[str, int]  # "org_index/direction/code/year" -> book id
    unit_names: dict[int, str]
    user_names: dict[int, str]
    now: float  # epoch seconds, the corpus's "now"
    audit_base: int  # audit event ids of documents start after this one
    seed: int
    audit_heads: dict[int, tuple[int, str]] = field(default_factory=dict)  # key: (seq, hash)

    def book(self, org_index: int, direction: str, secret: bool, year: int) -> int:
        code = "confidential" if secret else "general"
        return self.books[f"{org_index}/{direction}/{code}/{year}"]


def _initials(name: str) -> str:
    return "".join(word[0] for word in name.split()).upper()


def make_world(app, seed: int, now: datetime) -> World:
    """Organisations, units, users, senders and register books, through the services."""
    from sqlalchemy import func, select

    from eoffice.catalog.models import DocumentType
    from eoffice.catalog.numbering import get_or_create_book
    from eoffice.core.models import AuditChainHead, AuditEvent
    from eoffice.extensions import db
    from eoffice.orgs.models import OrgKind, Role
    from eoffice.orgs.services import (
        OrganisationData,
        create_unit,
        create_user,
        find_or_create_sender,
        save_organisation,
    )

    rng = random.Random(seed)
    orgs: list[OrgInfo] = []
    unit_names: dict[int, str] = {}
    user_names: dict[int, str] = {}

    def people(org, slug: str, unit_specs, *, district: bool) -> OrgInfo:
        units = []
        for name, short in unit_specs:
            unit = create_unit(org.id, name, short)
            units.append((unit.id, name, short))
            unit_names[unit.id] = name

        def user(role: str, key: str, title: str, unit_id: int | None) -> int:
            full_name = vocab.person(rng)
            created = create_user(
                org_id=org.id,
                email=f"{key}.{slug}@bench.hcm.edu.vn",
                full_name=full_name,
                password=PASSWORD,
                roles=[role],
                title=title,
                unit_id=unit_id,
            )
            user_names[created.id] = full_name
            return created.id

        head = "Trưởng phòng" if district else "Hiệu trưởng"
        clerk = user(Role.CLERK, "vanthu", "Văn thư", units[0][0])
        leader = user(Role.LEADER, "lanhdao", head, None)
        deputies = [
            user(Role.DEPUTY, f"capho{n}", f"Phó {head.lower()}", None)
            for n in range(2 if district else 1)
        ]
        staff = []
        if district:
            for unit_id, _, _ in units:
                for _ in range(DISTRICT_STAFF_PER_UNIT):
                    uid = user(Role.STAFF, f"cv{len(staff)}", "Chuyên viên", unit_id)
                    staff.append((uid, unit_id))
        else:
            for n in range(SCHOOL_STAFF):
                unit_id = units[n % len(units)][0]
                staff.append((user(Role.STAFF, f"gv{n}", "Giáo viên", unit_id), unit_id))
        info = OrgInfo(
            index=len(orgs),
            id=org.id,
            name=org.name,
            short=org.short_name,
            is_district=district,
            clerk_id=clerk,
            leader_id=leader,
            deputy_ids=deputies,
            units=units,
            staff=staff,
            emails={
                "clerk": f"vanthu.{slug}@bench.hcm.edu.vn",
                "leader": f"lanhdao.{slug}@bench.hcm.edu.vn",
                "deputy": f"capho0.{slug}@bench.hcm.edu.vn",
                "staff": (
                    f"cv{DISTRICT_STAFF_PER_UNIT * 3}.{slug}@bench.hcm.edu.vn"  # Tổ Tiểu học
                    if district
                    else f"gv1.{slug}@bench.hcm.edu.vn"
                ),
            },
        )
        orgs.append(info)
        return info

    with app.app_context():
        district = save_organisation(
            OrganisationData(
                name=vocab.DISTRICT,
                kind=OrgKind.DISTRICT_OFFICE,
                short_name=vocab.DISTRICT_SHORT,
                place_name=vocab.PLACE,
                is_member=True,
            )
        )
        people(district, "pgd", vocab.DISTRICT_UNITS, district=True)
        for n in range(SCHOOLS):
            prefix, kind = vocab.SCHOOL_KINDS[n % len(vocab.SCHOOL_KINDS)]
            namesake = vocab.SCHOOL_NAMES[n % len(vocab.SCHOOL_NAMES)]
            short = {"kindergarten": "MN", "primary": "TH", "lower_secondary": "THCS"}[kind]
            school = save_organisation(
                OrganisationData(
                    name=f"{prefix} {namesake}",
                    kind=kind,
                    short_name=f"{short}{_initials(namesake)}",
                    parent_id=district.id,
                    ward=f"Phường {n % 14 + 1}",
                    place_name=vocab.PLACE,
                    is_member=True,
                )
            )
            people(school, f"t{n:02d}", vocab.SCHOOL_UNITS, district=False)
        agencies = []
        for name, abbreviation, weight in vocab.AGENCIES:
            sender = find_or_create_sender(name, None)
            agencies.append((sender.id, sender.name, abbreviation, weight))
        db.session.commit()

        now_local = datetime.fromtimestamp(now.timestamp(), VN)
        years = range(now_local.year - YEARS, now_local.year + 1)
        books: dict[str, int] = {}
        for org in orgs:
            for year in years:
                for direction in ("incoming", "outgoing"):
                    for code in ("general", "confidential"):
                        book = get_or_create_book(org.id, direction, code, year)
                        books[f"{org.index}/{direction}/{code}/{year}"] = book.id
        db.session.commit()
        types = {
            t.name: (t.id, t.abbreviation)
            for t in db.session.scalars(select(DocumentType).where(DocumentType.is_active))
        }
        audit_base = db.session.scalar(select(func.max(AuditEvent.id))) or 0
        audit_heads = {
            head.chain_key: (head.last_seq, head.last_hash)
            for head in db.session.scalars(select(AuditChainHead))
        }
        db.session.remove()
        db.engine.dispose()  # no pooled connection may cross the fork
    return World(
        orgs=orgs,
        agencies=agencies,
        types=types,
        books=books,
        unit_names=unit_names,
        user_names=user_names,
        now=now.timestamp(),
        audit_base=audit_base,
        seed=seed,
        audit_heads=audit_heads,
    )


# --- The plan: when each document arrives, in which book, with which number -----------------


def _sizes(total: int, orgs: int, big_share: float, rng: random.Random) -> list[int]:
    """Documents per organisation: the district office first, the schools around a mean."""
    big = round(total * big_share)
    weights = [rng.uniform(0.6, 1.4) for _ in range(orgs - 1)]
    rest = total - big
    sizes = [int(rest * w / sum(weights)) for w in weights]
    sizes[-1] += rest - sum(sizes)
    return [big, *sizes]


def _moments(count: int, now: float, rng: random.Random) -> list[float]:
    """`count` moments in office hours (07:00–17:00, mostly weekdays) of the last YEARS."""
    days = YEARS * 365
    first_day = datetime.fromtimestamp(now - days * DAY, VN).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    base = first_day.timestamp()
    base_weekday = first_day.weekday()
    moments = []
    for _ in range(count):
        day = rng.randrange(days + 1)
        weekday = (base_weekday + day) % 7
        if weekday >= 5 and rng.random() < 0.9:
            day -= weekday - 4  # moved to the Friday before
        moment = base + day * DAY + rng.uniform(7 * 3600, 17 * 3600)
        if moment >= now - 60:
            moment = now - rng.uniform(60, 8 * 3600)
        moments.append(moment)
    return moments


@dataclass
class Plan:
    # incoming: (moment, org index, secret, book id, arrival number), in arrival order
    incoming: list[tuple[float, int, bool, int, int]]
    # outgoing: (moment, org index, secret, state, book id or 0, number or 0), in date order
    outgoing: list[tuple[float, int, bool, str, int, int]]


def _year_of(years: list[tuple[float, int]]) -> Callable[[float], int]:
    """The office-time year of a moment, by the year boundaries (faster than datetime)."""
    starts = [start for start, _ in years]

    def year(moment: float) -> int:
        return years[bisect.bisect_right(starts, moment) - 1][1]

    return year


def make_plan(world: World, documents: int) -> Plan:
    rng = random.Random(world.seed + 1)
    last = datetime.fromtimestamp(world.now, VN).year
    year_of = _year_of(
        [(datetime(y, 1, 1, tzinfo=VN).timestamp(), y) for y in range(last - YEARS - 1, last + 1)]
    )
    n_in = round(documents * INCOMING_SHARE)
    n_out = documents - n_in
    orgs = len(world.orgs)

    raw_in: list[tuple[float, int, bool]] = []
    for index, size in enumerate(_sizes(n_in, orgs, BIG_INCOMING_SHARE, rng)):
        raw_in.extend((m, index, rng.random() < 0.005) for m in _moments(size, world.now, rng))
    raw_in.sort()
    counters: dict[int, int] = {}
    incoming = []
    for moment, index, secret in raw_in:
        book = world.book(index, "incoming", secret, year_of(moment))
        counters[book] = number = counters.get(book, 0) + 1
        incoming.append((moment, index, secret, book, number))

    raw_out: list[tuple[float, int, bool, str]] = []
    for index, size in enumerate(_sizes(n_out, orgs, BIG_OUTGOING_SHARE, rng)):
        for moment in _moments(size, world.now, rng):
            age = (world.now - moment) / DAY
            roll = rng.random()
            if age <= 20:
                state = "draft" if roll < 0.35 else "in_review" if roll < 0.5 else "issued"
            else:
                state = (
                    "discarded"
                    if roll < 0.01
                    else "rejected"
                    if roll < 0.015
                    else "recalled"
                    if roll < 0.02
                    else "issued"
                )
            raw_out.append((moment, index, rng.random() < 0.005, state))
    raw_out.sort()
    outgoing = []
    for moment, index, secret, state in raw_out:
        book = number = 0
        if state in ("issued", "recalled"):
            book = world.book(index, "outgoing", secret, year_of(moment))
            counters[book] = number = counters.get(book, 0) + 1
        outgoing.append((moment, index, secret, state, book, number))
    return Plan(incoming, outgoing)


# --- The COPY workers ------------------------------------------------------------------------

# Set in the parent before the pool forks: the children read them, nothing is pickled.
_WORLD: World | None = None
_PLAN: Plan | None = None
_CONNINFO = ""

IN_COLUMNS = (
    "id", "org_id", "register_book_id", "arrival_number", "arrived_at", "registered_at",
    "registered_by_id", "sender_org_id", "sender_name", "sender_name_folded", "code_number",
    "code_notation", "document_date", "document_type_id", "subject", "signer_name",
    "signer_position", "page_count", "urgency_code", "confidentiality_code", "source",
    "recipient_unit_id", "recipient_user_id", "deadline", "notes", "state", "cancel_reason",
    "search_text", "updated_at", "presented_to_id", "reply_reference",
)  # fmt: skip
ASSIGNMENT_COLUMNS = (
    "id", "document_id", "kind", "user_id", "unit_id", "deadline", "instruction", "state",
    "assigned_by_id", "progress_percent", "result", "created_at", "updated_at",
)  # fmt: skip
FILE_COLUMNS = ("id", "sha256", "size", "mime_type", "kind", "created_at")
ATTACHMENT_COLUMNS = (
    "id", "document_id", "stored_file_id", "original_name", "position", "added_at",
    "added_by_id",
)  # fmt: skip
TEXT_COLUMNS = ("stored_file_id", "state", "text", "chars", "created_at", "extracted_at")
ENTRY_COLUMNS = (
    "id", "kind", "document_id", "org_id", "sorted_at", "folded", "exact", "updated_at",
)  # fmt: skip
AUDIT_COLUMNS = (
    "id", "org_id", "actor_id", "at", "subject_type", "subject_id", "action", "changes",
    "chain_seq", "prev_hash", "hash",
)  # fmt: skip
OUT_COLUMNS = (
    "id", "org_id", "drafter_id", "drafting_unit_id", "document_type_id", "subject",
    "body_html", "addressees", "symbol_unit", "signer_id", "capacity", "capacity_title",
    "signer_title", "urgency_code", "confidentiality_code", "copies", "state", "version",
    "review_round", "register_book_id", "number", "symbol", "document_date", "issued_at",
    "place_name", "completes_reply", "search_text", "created_at", "updated_at", "page_count",
)  # fmt: skip
RECIPIENT_COLUMNS = ("id", "document_id", "position", "kind", "org_id", "name", "addressed")


class _Doc:
    """The attributes `incoming.services._search_text` reads from a document."""

    __slots__ = ("notes", "sender_name", "signer_name", "subject", "symbol")

    def __init__(self, symbol, sender_name, subject, signer_name, notes) -> None:
        self.symbol = symbol
        self.sender_name = sender_name
        self.subject = subject
        self.signer_name = signer_name
        self.notes = notes


def _fold(text: str) -> str:  # core.text.vn_fold; memoised in the workers
    from eoffice.core.text import vn_fold

    return vn_fold(text)


def _worker_init() -> None:
    """Memoise the two pure functions that fold words: same results, a third of the time.

    Senders, signers, positions, units and syllables repeat all the time; folding them
    once per worker leaves the subject and the files' text as the real work.
    """
    global _fold
    from eoffice.core import text
    from eoffice.search import tokens

    _fold = functools.lru_cache(maxsize=300_000)(text.vn_fold)
    tokens.vn_fold = _fold
    tokens.exact_word = functools.lru_cache(maxsize=500_000)(tokens.exact_word)


def search_text(symbol: str, sender: str, subject: str, signer: str, notes: str | None) -> str:
    """`incoming.services._search_text` from the memoised folds of its parts.

    Folding commutes with turning "/" and "-" into spaces, and folding a joined string
    is joining the folds (whitespace is collapsed either way); `load_incoming` checks
    the two agree on the first documents of every chunk.
    """
    out = []
    for part in (symbol, sender, subject, signer, notes):
        if part:
            whole = _fold(part)
            out.append(" ".join(whole.replace("/", " ").replace("-", " ").split()))
            out.append(whole)
    return " ".join(o for o in out if o)


def _copy(cursor, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    if not rows:
        return
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _connect() -> psycopg.Connection:
    conn = psycopg.connect(_CONNINFO)
    # Bulk load of consistent rows: no foreign-key triggers, no wait for the WAL flush.
    conn.execute("SET session_replication_role = replica")
    conn.execute("SET synchronous_commit = off")
    return conn


def _weighted_agencies(world: World) -> tuple[list, list[int]]:
    return vocab.weighted([(a, a[3]) for a in world.agencies])


def load_incoming(bounds: tuple[int, int]) -> dict:
    """Rows of the incoming documents plan[start:end] and everything hanging off them."""
    from eoffice.core.audit_chain import content_digest
    from eoffice.incoming.services import _search_text
    from eoffice.search.indexing import EntryText

    world, plan = _WORLD, _PLAN
    start, end = bounds
    rng = random.Random(world.seed * 7919 + start)
    began = time.perf_counter()
    agencies, agency_weights = _weighted_agencies(world)
    schools = world.orgs[1:]
    docs, parts, files, attachments, texts, entries, audits = [], [], [], [], [], [], []
    for index in range(start, end):
        moment, org_index, secret, book_id, number = plan.incoming[index]
        doc_id = index + 1
        org = world.orgs[org_index]
        arrived = datetime.fromtimestamp(moment, UTC)
        local = datetime.fromtimestamp(moment, VN)
        age = (world.now - moment) / DAY

        # The district office hears from its schools, a school mostly from the office.
        roll = rng.random()
        member_sender = roll < (0.25 if org.is_district else 0.5)
        if member_sender:
            sender = rng.choice(schools) if org.is_district else world.orgs[0]
            sender_id, sender_name, sender_abbr = sender.id, sender.name, sender.short
        else:
            sender_id, sender_name, sender_abbr, _ = rng.choices(
                agencies, cum_weights=agency_weights
            )[0]
        type_name = vocab.incoming_type(rng)
        type_id, type_abbr = world.types[type_name]
        code_number = str(rng.randint(1, 3500))
        if type_abbr:
            notation = f"{type_abbr}-{sender_abbr}"
        else:
            notation = f"{sender_abbr}-{rng.choice(vocab.SENDER_UNITS)}"
        symbol = f"{code_number}/{notation}"
        school = org.name if not org.is_district else rng.choice(schools).name
        subject = vocab.subject(rng, type_name, local.year, local.month, school)[:500]
        signer = vocab.person(rng)
        position = rng.choice(vocab.POSITIONS)
        notes = rng.choice(vocab.NOTES) if rng.random() < 0.1 else None

        # State by age: the last two days wait for presenting or assigning, up to 45 days
        # are being handled, older ones are filed (a few still open: overdue).
        roll = rng.random()
        presented_to = None
        cancel_reason = None
        if age <= 2:
            state = "registered" if roll < 0.5 else "presented"
            if state == "presented":
                presented_to = rng.choice([org.leader_id, *org.deputy_ids])
            handled = False
        elif age <= OPEN_AGE_DAYS:
            state = "assigned" if roll < 0.25 else "in_progress" if roll < 0.7 else "completed"
            handled = True
        else:
            if roll < 0.03:
                state, handled = "in_progress", True
            elif roll < 0.04:
                state, handled = "cancelled", False
                cancel_reason = "Vào sổ nhầm: văn bản trùng với văn bản đã vào sổ."
            elif roll < 0.10:
                state, handled = "completed", True
            else:
                state, handled = "filed", rng.random() < 0.55
        unit_id = rng.choice(org.units)[0]
        recipient_unit = unit_id if rng.random() < 0.4 else None
        recipient_user = None
        if rng.random() < 0.05:
            recipient_user = rng.choice(org.staff)[0]
        deadline = None
        if handled and rng.random() < 0.7:
            deadline = (local + timedelta(days=10)).date()
        reply = None
        if state in ("completed", "filed") and handled and rng.random() < 0.2:
            reply = f"{rng.randint(1, 900)}/{org.short}-VP"

        folded_sender = _fold(sender_name)
        words = search_text(symbol, sender_name, subject, signer, notes)
        if index - start < 100:
            expected = _search_text(_Doc(symbol, sender_name, subject, signer, notes))
            if words != expected:
                raise AssertionError(f"search_text differs: {words!r} != {expected!r}")
        urgency = rng.choices(
            ("normal", "urgent", "very_urgent", "flash"), cum_weights=(90, 97, 99, 100)
        )[0]
        source = (
            "internal"
            if member_sender
            else rng.choice(("exchange", "exchange", "exchange", "paper", "paper", "email"))
        )
        docs.append((
            doc_id, org.id, book_id, number, arrived, arrived, org.clerk_id, sender_id,
            sender_name, folded_sender, code_number, notation,
            (local - timedelta(days=rng.randint(0, 5))).date(), type_id, subject, signer,
            position, rng.randint(1, 12), urgency,
            "confidential" if secret else "normal", source, recipient_unit, recipient_user,
            deadline, notes, state, cancel_reason, words,
            arrived + timedelta(days=min(age, 3.0) / 2), presented_to, reply,
        ))  # fmt: skip

        if handled:
            part_state = {"assigned": "assigned", "in_progress": "in_progress"}.get(
                state, "completed"
            )
            assigned_at = min(arrived + timedelta(hours=rng.uniform(2, 30)), _now(world))
            lead_user, lead_unit = (
                next((s for s in org.staff if s[1] == recipient_unit), None)
                if recipient_unit and rng.random() < 0.8
                else None
            ) or rng.choice(org.staff)
            parts.append((
                doc_id * 2 - 1, doc_id, "lead", lead_user, None, deadline,
                rng.choice(vocab.INSTRUCTIONS), part_state, org.leader_id,
                100 if part_state == "completed" else rng.choice((0, 20, 50, 80)),
                "Đã thực hiện, báo cáo lãnh đạo." if part_state == "completed" else None,
                assigned_at, assigned_at,
            ))  # fmt: skip
            if rng.random() < 1 / 3:
                other = rng.choice([u for u in org.units if u[0] != lead_unit] or org.units)
                parts.append((
                    doc_id * 2, doc_id, "coordinator", None, other[0], deadline, None,
                    part_state, org.leader_id, 100 if part_state == "completed" else 0, None,
                    assigned_at, assigned_at,
                ))  # fmt: skip

        file_text = ""
        attached_names: list[str] = []
        if rng.random() < 0.25:
            name = f"{code_number}_{notation}.pdf".replace("/", "_")
            attached_names.append(name)
            sha = hashlib.sha256(b"bench-incoming-%d" % doc_id).hexdigest()
            files.append((doc_id, sha, rng.randint(40_000, 3_000_000), "application/pdf", "pdf",
                          arrived))  # fmt: skip
            attachments.append((doc_id, doc_id, doc_id, name, 0, arrived, org.clerk_id))
            extracted = arrived + timedelta(minutes=1)
            if rng.random() < 0.2:
                file_text = vocab.file_text(
                    rng, sender_name, symbol, subject, rng.randint(1000, 5000)
                )
                texts.append((doc_id, "done", file_text, len(file_text), arrived, extracted))
            else:
                texts.append((doc_id, "empty", "", 0, arrived, extracted))

        recipient_label = ", ".join(
            p
            for p in (
                world.unit_names[recipient_unit] if recipient_unit else "",
                world.user_names[recipient_user] if recipient_user else "",
            )
            if p
        )
        pieces = (
            str(number), symbol, sender_name, recipient_label, subject, signer, position,
            notes or "", reply or "", *((file_text,) if attached_names else ()),
        )  # fmt: skip
        row = EntryText("in", doc_id, org.id, arrived, pieces).row()
        entries.append((doc_id, "in", doc_id, org.id, arrived, row["folded"], row["exact"],
                        row["updated_at"]))  # fmt: skip
        changes = {"arrival_number": number, "book": "Sổ đăng ký văn bản đến",
                   "files": attached_names}  # fmt: skip
        digest = content_digest(
            event_id=world.audit_base + doc_id, org_id=org.id, actor_id=org.clerk_id,
            at=arrived, subject_type="incoming", subject_id=doc_id, action="registered",
            changes=changes, note=None,
        )  # fmt: skip
        audits.append((
            world.audit_base + doc_id, org.id, org.clerk_id, arrived, "incoming", doc_id,
            "registered", json.dumps(changes, ensure_ascii=False), digest,
        ))  # fmt: skip
    made = time.perf_counter()
    with _connect() as conn, conn.cursor() as cursor:
        _copy(cursor, "incoming_documents", IN_COLUMNS, docs)
        _copy(cursor, "assignments", ASSIGNMENT_COLUMNS, parts)
        _copy(cursor, "stored_files", FILE_COLUMNS, files)
        _copy(cursor, "incoming_attachments", ATTACHMENT_COLUMNS, attachments)
        _copy(cursor, "file_texts", TEXT_COLUMNS, texts)
        _copy(cursor, "search_entries", ENTRY_COLUMNS, entries)
        conn.commit()
    done = time.perf_counter()
    return {
        "kind": "in",
        "documents": end - start,
        "assignments": len(parts),
        "texts": sum(1 for t in texts if t[1] == "done"),
        "attachments": len(attachments),
        "python_s": made - began,
        "copy_s": done - made,
        "audits": audits,  # chained and copied by the parent, in plan order
    }


class AuditChains:
    """The parent's end of the audit chains: links the workers' events in plan order,
    COPYs them, and finally writes every chain's head row."""

    def __init__(self, heads: dict[int, tuple[int, str]]) -> None:
        from eoffice.core.audit_chain import GENESIS

        self.heads = {key: [seq, value, None] for key, (seq, value) in heads.items()}
        self.genesis = GENESIS

    def copy(self, conn: psycopg.Connection, audits: list[tuple]) -> None:
        from eoffice.core.audit_chain import chain_key, link_hash

        rows = []
        for *fields, digest in audits:
            head = self.heads.setdefault(chain_key(fields[1]), [0, self.genesis, None])
            seq = head[0] + 1
            value = link_hash(head[1], seq, digest)
            rows.append((*fields, seq, head[1], value))
            head[:] = [seq, value, fields[0]]
        with conn.cursor() as cursor:
            _copy(cursor, "audit_events", AUDIT_COLUMNS, rows)
        conn.commit()

    def write_heads(self, conn: psycopg.Connection) -> None:
        with conn.cursor() as cursor:
            cursor.executemany(
                """
                INSERT INTO audit_chain_heads (chain_key, last_seq, last_hash, last_event_id)
                VALUES (%s, %s, %s, %s)
                ON CONFLICT (chain_key) DO UPDATE SET last_seq = excluded.last_seq,
                    last_hash = excluded.last_hash,
                    last_event_id = coalesce(excluded.last_event_id,
                                             audit_chain_heads.last_event_id)
                """,
                [(key, seq, value, last_id) for key, (seq, value, last_id) in self.heads.items()],
            )
        conn.commit()


def _now(world: World) -> datetime:
    return datetime.fromtimestamp(world.now, UTC)


def load_outgoing(bounds: tuple[int, int]) -> dict:
    from eoffice.core.text import vn_fold
    from eoffice.search.indexing import EntryText, html_text

    world, plan = _WORLD, _PLAN
    start, end = bounds
    rng = random.Random(world.seed * 104729 + start)
    began = time.perf_counter()
    n_in = len(plan.incoming)
    district = world.orgs[0]
    schools = world.orgs[1:]
    docs, recipients, entries = [], [], []
    for index in range(start, end):
        moment, org_index, secret, state, book_id, number = plan.outgoing[index]
        doc_id = index + 1
        org = world.orgs[org_index]
        moment_dt = datetime.fromtimestamp(moment, UTC)
        local = datetime.fromtimestamp(moment, VN)
        issued = state in ("issued", "recalled")
        type_name = vocab.outgoing_type(rng)
        type_id, type_abbr = world.types[type_name]
        drafter, unit_id = rng.choice(org.staff)
        unit_short = next(u[2] for u in org.units if u[0] == unit_id)
        school = org.name if not org.is_district else rng.choice(schools).name
        subject = vocab.subject(rng, type_name, local.year, local.month, school)[:500]
        body = vocab.body_html(rng, subject)
        signer = org.leader_id if rng.random() < 0.8 else org.deputy_ids[0]
        deputy = signer != org.leader_id
        head = "TRƯỞNG PHÒNG" if org.is_district else "HIỆU TRƯỞNG"
        symbol = None
        if issued:
            symbol = (
                f"{number}/{type_abbr}-{org.short}"
                if type_abbr
                else f"{number}/{org.short}-{unit_short}"
            )
        cong_van = type_abbr is None
        if org.is_district:
            addressees = ALL_SCHOOLS if cong_van else None
            listed = [("text", None, "Như trên")] if cong_van else []
            for target in rng.sample(schools, rng.randint(1, 3)):
                listed.append(("member", target.id, target.name))
        else:
            addressees = district.name if cong_van else None
            listed = [("member", district.id, district.name)]
        listed.append(("text", None, "Lưu: VT"))
        rows = [
            (doc_id * 5 + k, doc_id, k, kind, org_id, name, k == 0)
            for k, (kind, org_id, name) in enumerate(listed)
        ]
        recipients.extend(rows)
        names = " ".join(name for _, _, name in listed)
        search_text = vn_fold(f"{subject} {names}")
        if symbol:
            search_text = f"{search_text} {vn_fold(symbol)}".strip()
        created = moment_dt - timedelta(days=rng.uniform(1, 5)) if issued else moment_dt
        docs.append((
            doc_id, org.id, drafter, unit_id, type_id, subject, body, addressees,
            unit_short if cong_van else None, signer, "KT" if deputy else "",
            head if deputy else None, ("PHÓ " + head) if deputy else head,
            rng.choices(("normal", "urgent"), cum_weights=(95, 100))[0],
            "confidential" if secret else "normal", rng.randint(2, 70), state, 1,
            0 if state == "draft" else 1, book_id or None, number or None, symbol,
            local.date() if issued else None, moment_dt if issued else None,
            vocab.PLACE if issued else None, False, search_text, created, moment_dt,
            rng.randint(1, 6) if issued else None,
        ))  # fmt: skip
        pieces = (
            str(number or ""), symbol or "", subject, addressees or "", names,
            world.user_names[signer], ("PHÓ " + head) if deputy else head, html_text(body),
        )  # fmt: skip
        row = EntryText("out", doc_id, org.id, moment_dt, pieces).row()
        entries.append((n_in + doc_id, "out", doc_id, org.id, moment_dt, row["folded"],
                        row["exact"], row["updated_at"]))  # fmt: skip
    made = time.perf_counter()
    with _connect() as conn, conn.cursor() as cursor:
        _copy(cursor, "outgoing_documents", OUT_COLUMNS, docs)
        _copy(cursor, "outgoing_recipients", RECIPIENT_COLUMNS, recipients)
        _copy(cursor, "search_entries", ENTRY_COLUMNS, entries)
        conn.commit()
    done = time.perf_counter()
    return {
        "kind": "out",
        "documents": end - start,
        "python_s": made - began,
        "copy_s": done - made,
    }


# --- Indexes, counters, statistics -------------------------------------------------------------


def conninfo(url: str) -> str:
    target = make_url(url)
    parts = {
        "host": target.host or "127.0.0.1",
        "port": target.port or 5432,
        "user": target.username or "postgres",
        "dbname": target.database,
    }
    if target.password:
        parts["password"] = target.password
    return " ".join(f"{k}={v}" for k, v in parts.items())


def drop_indexes(conn: psycopg.Connection) -> list[tuple[str, str]]:
    """Drop the secondary indexes of the bulk tables; returns (name, definition) of each."""
    rows = conn.execute(
        """
        SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
        FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
        WHERE t.relname = ANY(%s) AND t.relnamespace = 'public'::regnamespace
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
        ORDER BY pg_relation_size(i.indrelid) DESC
        """,
        (list(BULK_TABLES),),
    ).fetchall()
    for name, _ in rows:
        conn.execute(f"DROP INDEX {name}")
    conn.commit()
    return rows


def _index_cost(definition: str) -> int:
    """Rough build cost, to start the longest builds first."""
    cost = 10 if "gin" in definition.lower() else 1
    if "search_entries" in definition or "incoming_documents" in definition:
        cost *= 3
    return cost


def rebuild_indexes(url: str, definitions: list[tuple[str, str]], threads: int) -> None:
    """Build the indexes again, `threads` at a time (each build is one core's work)."""
    pending = sorted(definitions, key=lambda d: -_index_cost(d[1]))
    lock = threading.Lock()
    errors: list[BaseException] = []

    def work() -> None:
        with psycopg.connect(conninfo(url), autocommit=True) as conn:
            conn.execute("SET maintenance_work_mem = '1GB'")
            while True:
                with lock:
                    if not pending or errors:
                        return
                    name, definition = pending.pop(0)
                started = time.perf_counter()
                try:
                    conn.execute(definition)
                except BaseException as exc:  # reported after the others finish
                    errors.append(exc)
                    return
                print(f"    {name:<45} {time.perf_counter() - started:6.1f} s", flush=True)

    workers = [threading.Thread(target=work) for _ in range(max(1, threads))]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    if errors:
        raise errors[0]


def fix_counters(conn: psycopg.Connection) -> None:
    """Sequences after the highest id, and every book's last_number after its last entry."""
    for table in (*BULK_TABLES, "register_books"):
        if table in ("file_texts", "incoming_readers"):
            continue  # keyed by other tables' ids, no sequence
        conn.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"(SELECT coalesce(max(id), 1) FROM {table}))"
        )
    conn.execute(
        """
        UPDATE register_books b SET last_number = m.top
        FROM (SELECT register_book_id, max(arrival_number) AS top FROM incoming_documents
              GROUP BY register_book_id
              UNION ALL
              SELECT register_book_id, max(number) FROM outgoing_documents
              WHERE register_book_id IS NOT NULL GROUP BY register_book_id) m
        WHERE b.id = m.register_book_id
        """
    )
    conn.commit()


MARKER = """
CREATE TABLE IF NOT EXISTS bench_corpus (
    id serial PRIMARY KEY,
    documents integer NOT NULL,
    seed integer NOT NULL,
    loaded_at timestamptz NOT NULL DEFAULT now(),
    info jsonb NOT NULL
)
"""


def existing(url: str) -> dict | None:
    """The corpus already in the database (size, accounts), or None."""
    try:
        with psycopg.connect(conninfo(url)) as conn:
            found = conn.execute("SELECT to_regclass('public.bench_corpus')").fetchone()[0]
            if found is None:
                return None
            row = conn.execute(
                "SELECT documents, seed, loaded_at, info FROM bench_corpus ORDER BY id DESC LIMIT 1"
            ).fetchone()
    except psycopg.OperationalError:
        return None
    if row is None:
        return None
    documents, seed, loaded_at, info = row
    return {"documents": documents, "seed": seed, "loaded_at": loaded_at.isoformat(), **info}


def ensure_database(url: str) -> None:
    target = make_url(url)
    if "bench" not in (target.database or ""):
        sys.exit("the corpus is only loaded into a database whose name contains 'bench'")
    with psycopg.connect(conninfo(url.replace(f"/{target.database}", "/postgres")),
                         autocommit=True) as conn:  # fmt: skip
        found = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (target.database,)
        ).fetchone()
        if not found:
            conn.execute(f'CREATE DATABASE "{target.database}"')
            print(f"created database {target.database}")
    with psycopg.connect(conninfo(url), autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")


def _chunks(total: int, size: int) -> list[tuple[int, int]]:
    return [(start, min(start + size, total)) for start in range(0, total, size)]


def load(url: str, documents: int, *, workers: int | None = None, seed: int = 2026) -> dict:
    """Build the corpus; returns what was made, with each phase's duration in seconds."""
    global _WORLD, _PLAN, _CONNINFO
    workers = workers or os.cpu_count() or 2
    phases: dict[str, float] = {}
    began = time.perf_counter()

    def phase(name: str, started: float) -> float:
        phases[name] = round(time.perf_counter() - started, 2)
        print(f"  {name:<28} {phases[name]:8.1f} s", flush=True)
        return time.perf_counter()

    print(f"loading {documents:,} documents into {make_url(url).database} "
          f"({workers} workers)", flush=True)  # fmt: skip
    t = time.perf_counter()
    ensure_database(url)
    app = build_app(url)
    with app.app_context():
        from flask_migrate import upgrade

        logging.getLogger("alembic").setLevel(logging.WARNING)
        upgrade()
    t = phase("schema (migrations)", t)

    now = datetime.now(UTC).replace(microsecond=0)
    world = make_world(app, seed, now)
    t = phase("people and books (services)", t)

    plan = make_plan(world, documents)
    t = phase("plan", t)

    _CONNINFO = conninfo(url)
    with psycopg.connect(_CONNINFO) as conn:
        definitions = drop_indexes(conn)
    t = phase(f"drop {len(definitions)} indexes", t)

    _WORLD, _PLAN = world, plan
    totals = {"python_s": 0.0, "copy_s": 0.0, "assignments": 0, "texts": 0, "attachments": 0}
    context = multiprocessing.get_context("fork")
    jobs = [("in", c) for c in _chunks(len(plan.incoming), CHUNK)]
    jobs += [("out", c) for c in _chunks(len(plan.outgoing), CHUNK)]
    done = 0
    chains = AuditChains(world.audit_heads)
    with context.Pool(workers, initializer=_worker_init) as pool, _connect() as audit_conn:
        results = [
            pool.apply_async(load_incoming if kind == "in" else load_outgoing, (bounds,))
            for kind, bounds in jobs
        ]
        for result in results:  # in plan order: each chain continues where it stopped
            report = result.get()
            if report.get("audits"):
                chains.copy(audit_conn, report.pop("audits"))
            done += report["documents"]
            for key in totals:
                totals[key] += report.get(key, 0)
            if done % 100_000 < CHUNK or done == documents:
                rate = done / (time.perf_counter() - t)
                print(f"    {done:>9,} documents  {rate:8,.0f}/s", flush=True)
    with psycopg.connect(_CONNINFO) as conn:
        chains.write_heads(conn)
    t = phase("generate + COPY", t)

    with app.app_context():  # who may read what: the application's own statement
        from eoffice.extensions import db
        from eoffice.incoming import readers

        readers.rebuild_all(db.session.connection())
        db.session.commit()
    t = phase("readers (incoming.readers)", t)

    rebuild_indexes(url, definitions, workers)
    t = phase("rebuild indexes", t)

    with psycopg.connect(_CONNINFO) as conn:
        fix_counters(conn)
    t = phase("sequences and book numbers", t)

    with psycopg.connect(_CONNINFO, autocommit=True) as conn:
        for table in BULK_TABLES:
            conn.execute(f"VACUUM (ANALYZE) {table}")
        conn.execute("ANALYZE")
    t = phase("VACUUM ANALYZE", t)

    phases["total"] = round(time.perf_counter() - began, 2)
    big = world.orgs[0]
    info = {
        "phases": phases,
        "workers": workers,
        "incoming": len(plan.incoming),
        "outgoing": len(plan.outgoing),
        "assignments": totals["assignments"],
        "attachments": totals["attachments"],
        "file_texts_with_text": totals["texts"],
        "python_seconds": round(totals["python_s"], 1),
        "copy_seconds": round(totals["copy_s"], 1),
        "big_org": {
            "id": big.id,
            "name": big.name,
            "incoming": sum(1 for p in plan.incoming if p[1] == 0),
            "outgoing": sum(1 for p in plan.outgoing if p[1] == 0),
            "emails": big.emails,
        },
        "schools": SCHOOLS,
        "password": PASSWORD,
    }
    with psycopg.connect(_CONNINFO) as conn:
        conn.execute(MARKER)
        conn.execute(
            "INSERT INTO bench_corpus (documents, seed, info) VALUES (%s, %s, %s)",
            (documents, seed, psycopg.types.json.Jsonb(info)),
        )
        conn.commit()
    print(f"  {'total':<28} {phases['total']:8.1f} s", flush=True)
    _WORLD = _PLAN = None
    return {"documents": documents, "seed": seed, **info}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--documents", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    info = load(args.database_url, args.documents, workers=args.workers, seed=args.seed)
    print(json.dumps(info, ensure_ascii=False, indent=2, default=str))


if __name__ == "__main__":
    main()
