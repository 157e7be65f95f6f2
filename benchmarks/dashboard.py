"""Home dashboards and the handler's list on PostgreSQL with a large register.

A script that prints figures, not a test (pytest never collects benchmarks/). It answers:
how long does each role's home page take to render, and the handler's list, when an
organisation holds 100,000 incoming documents and 300 users, and does the number of
SQL queries per page stay the same when the register grows?

    python benchmarks/dashboard.py                     # 100,000 documents, 300 users
    python benchmarks/dashboard.py --count 20000       # a smaller register
    python benchmarks/dashboard.py --repeat 50

The people, units and one registration go through the services; the bulk of the
documents and their assignments are inserted with plain SQL (realistic states, deadlines
and parts, see `bulk_rows`). The figures are taken twice: with a tenth of the documents,
then with all of them, so the query counts of the two can be compared.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import event, func, select, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.common import build_app
from benchmarks.intake import ensure_database

DEFAULT_URL = os.environ.get(
    "BENCH_DASHBOARD_DATABASE_URL",
    "postgresql+psycopg://postgres@127.0.0.1:5432/eoffice_bench_dashboard",
)
PASSWORD = "Bench-mat-khau-2026"
SENDERS = [
    "Sở Giáo dục và Đào tạo Thành phố Hồ Chí Minh",
    "Ủy ban nhân dân Quận Thử",
    "Sở Tài chính",
    "Sở Nội vụ",
    "Bộ Giáo dục và Đào tạo",
]
UNITS = 15


@dataclass
class People:
    org_id: int
    clerk: str
    leader: str
    deputies: list[str]
    deputy_ids: list[int]
    staff_ids: list[int]
    unit_ids: list[int]
    book_id: int
    type_id: int
    first_number: int


def make_people(users: int) -> People:
    """The organisation, its units and `users` accounts, through the services."""
    from eoffice.catalog.models import DocumentType
    from eoffice.extensions import db
    from eoffice.incoming.models import IncomingDocument
    from eoffice.incoming.services import IncomingInput, register_incoming
    from eoffice.orgs.models import OrgKind, Role
    from eoffice.orgs.services import OrganisationData, create_unit, create_user, save_organisation

    org = save_organisation(OrganisationData(name="Trường Đo hiệu năng", kind=OrgKind.PRIMARY))
    units = [create_unit(org.id, f"Tổ chuyên môn {n}", f"T{n}") for n in range(1, UNITS + 1)]
    db.session.flush()

    def user(email: str, roles: list[str], unit=None):
        return create_user(
            org_id=org.id,
            email=f"{email}@bench.hcm.edu.vn",
            full_name=f"Người dùng {email}",
            password=PASSWORD,
            roles=roles,
            unit_id=unit.id if unit else None,
        )

    clerk = user("vanthu", [Role.CLERK], units[0])
    leader = user("hieutruong", [Role.LEADER])
    deputies = [user(f"phohieutruong{n}", [Role.DEPUTY]) for n in range(3)]
    user("quantri", [Role.ADMIN], units[0])
    staff = [user(f"gv{n}", [Role.STAFF], units[n % UNITS]) for n in range(users - 6)]
    db.session.commit()
    type_id = db.session.scalars(
        select(DocumentType.id).where(DocumentType.name == "Công văn")
    ).one()
    # One registration through the service opens the register book of the year.
    first = register_incoming(
        clerk,
        IncomingInput(
            sender_name=SENDERS[0], document_type_id=type_id, subject="Văn bản mở sổ", symbol="1/MS"
        ),
        [],
        confirm_duplicate=True,
    )
    book_id, number = first.register_book_id, first.arrival_number
    assert db.session.get(IncomingDocument, first.id) is not None
    return People(
        org_id=org.id,
        clerk=clerk.email,
        leader=leader.email,
        deputies=[d.email for d in deputies],
        deputy_ids=[d.id for d in deputies],
        staff_ids=[s.id for s in staff],
        unit_ids=[u.id for u in units],
        book_id=book_id,
        type_id=type_id,
        first_number=number,
    )


def bulk_rows(
    people: People, start: int, count: int, phase: range, now: datetime, rng: random.Random
):
    """Documents spread over two years, older ones mostly closed, recent ones open.

    Each phase (`phase`: the numbers inserted together) spreads over the whole two
    years, so a small register has the same shape as a large one. States by age: the
    last 2 days registered or presented (to the leader or a deputy); up to 45 days
    assigned / in progress / completed; older ones filed, except a few percent still in
    progress (overdue).
    Deadlines are 10 days after arrival for every assigned document; each has a lead
    (a person) and one in three also a coordinating unit.
    """
    from eoffice.core.text import vn_fold

    docs, parts = [], []
    span = timedelta(days=730)
    for i in range(start, start + count):
        doc_id = i
        arrived = now - span + span * ((i - phase.start + 0.5) / len(phase))
        days_old = (now - arrived).days
        roll = rng.random()
        if days_old <= 2:
            state = "registered" if roll < 0.5 else "presented"
        elif days_old <= 45:
            state = ("assigned", "in_progress", "in_progress", "completed")[int(roll * 4)]
        else:
            state = "in_progress" if roll < 0.03 else "filed"
        sender = SENDERS[i % len(SENDERS)]
        subject = f"Về việc triển khai nhiệm vụ số {i} năm học"
        presented_to = None
        if state == "presented":
            presented_to = rng.choice([None, *people.deputy_ids])
        deadline = (arrived + timedelta(days=10)).date() if state not in _UNASSIGNED else None
        docs.append(
            {
                "id": doc_id,
                "org_id": people.org_id,
                "register_book_id": people.book_id,
                "arrival_number": people.first_number + 1 + i,
                "arrived_at": arrived,
                "registered_at": arrived,
                "sender_name": sender,
                "sender_name_folded": vn_fold(sender),
                "code_number": str(i),
                "code_notation": "GDĐT-VP",
                "document_type_id": people.type_id,
                "subject": subject,
                "urgency_code": "urgent" if roll > 0.95 else "normal",
                "confidentiality_code": "normal",
                "source": "paper",
                "state": state,
                "presented_to_id": presented_to,
                "deadline": deadline,
                "search_text": vn_fold(f"{i} gddt-vp {sender} {subject}"),
                "updated_at": arrived,
            }
        )
        if state in _UNASSIGNED:
            continue
        part_state = {"assigned": "assigned", "in_progress": "in_progress"}.get(state, "completed")
        base = {
            "document_id": doc_id,
            "deadline": deadline,
            "state": part_state,
            "progress_percent": 100 if part_state == "completed" else 0,
            "created_at": arrived,
            "updated_at": arrived,
        }
        lead = {**base, "kind": "lead", "user_id": rng.choice(people.staff_ids), "unit_id": None}
        parts.append(lead)
        if rng.random() < 1 / 3:
            unit = rng.choice(people.unit_ids)
            parts.append({**base, "kind": "coordinator", "user_id": None, "unit_id": unit})
    return docs, parts


_UNASSIGNED = {"registered", "presented"}


def insert(app, people: People, start: int, count: int) -> float:
    from eoffice.extensions import db
    from eoffice.incoming import readers
    from eoffice.incoming.models import Assignment, IncomingDocument

    rng = random.Random(start)
    now = datetime.now(UTC)
    began = time.perf_counter()
    with app.app_context():
        offset = db.session.scalar(select(func.max(IncomingDocument.id))) or 0
        batch = 5000
        for first in range(start, start + count, batch):
            n = min(batch, start + count - first)
            docs, parts = bulk_rows(people, first, n, range(start, start + count), now, rng)
            for d in docs:
                d["id"] += offset + 1
            for p in parts:
                p["document_id"] += offset + 1
            db.session.execute(IncomingDocument.__table__.insert(), docs)
            if parts:
                db.session.execute(Assignment.__table__.insert(), parts)
            # Bulk rows bypass the ORM: who may read them is written here (decision 0019).
            readers.rebuild_documents(db.session.connection(), [d["id"] for d in docs])
        db.session.commit()
        for table in ("incoming_documents", "assignments"):
            db.session.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"
                )
            )
        db.session.execute(
            text("ANALYZE incoming_documents; ANALYZE assignments; ANALYZE incoming_readers")
        )
        db.session.commit()
    return time.perf_counter() - began


def busiest_handler(app, people: People) -> str:
    """The staff member with the most open parts: the longest "Việc của tôi"."""
    from eoffice.extensions import db
    from eoffice.incoming.models import Assignment
    from eoffice.orgs.models import User

    with app.app_context():
        user_id = db.session.execute(
            select(Assignment.user_id, func.count())
            .where(
                Assignment.user_id.is_not(None), Assignment.state.in_(["assigned", "in_progress"])
            )
            .group_by(Assignment.user_id)
            .order_by(func.count().desc())
            .limit(1)
        ).first()[0]
        return db.session.get(User, user_id).email


class Counter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, *args) -> None:
        self.count += 1


def measure(app, email: str, url: str, repeat: int) -> tuple[float, float, int]:
    """p50 and p95 (ms) of GET `url` signed in as `email`, and its query count."""
    from eoffice.extensions import db

    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302, (email, response.status_code)
    assert client.get(url).status_code == 200  # warm-up: templates, caches
    with app.app_context():
        engine = db.engine
    counter = Counter()
    event.listen(engine, "before_cursor_execute", counter)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", counter)
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - began)
        assert response.status_code == 200
    cuts = statistics.quantiles(times, n=100, method="inclusive")
    return cuts[49] * 1000, cuts[94] * 1000, counter.count


def report(app, people: People, handler: str, repeat: int, total: int) -> dict[str, int]:
    pages = [
        ("văn thư (clerk)", people.clerk, "/"),
        ("lãnh đạo (leader)", people.leader, "/"),
        ("cấp phó (deputy)", people.deputies[0], "/"),
        ("người xử lý (handler)", handler, "/"),
        ("handler's list (mine=1)", handler, "/incoming?mine=1"),
        ("handler's overdue list", handler, "/incoming?mine=1&due=overdue"),
        ("leader's overdue list", people.leader, "/incoming?due=overdue"),
    ]
    print(f"\n{total:,} documents:")
    counts = {}
    for label, email, url in pages:
        p50, p95, queries = measure(app, email, url, repeat)
        counts[label] = queries
        print(f"  {label:<26} {url:<30} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  {queries:2d} queries")
    return counts


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--users", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args(argv)

    ensure_database(args.database_url, reset=True)
    app = build_app(args.database_url)
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        people = make_people(args.users)
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}, CPUs {os.cpu_count()}")
    first = args.count // 10
    seconds = insert(app, people, 0, first)
    print(f"inserted {first:,} documents in {seconds:.1f} s")
    handler = busiest_handler(app, people)
    small = report(app, people, handler, args.repeat, first + 1)
    seconds = insert(app, people, first, args.count - first)
    print(f"\ninserted {args.count - first:,} more documents in {seconds:.1f} s")
    large = report(app, people, handler, args.repeat, args.count + 1)
    same = "the same" if small == large else "DIFFERENT"
    print(f"\nqueries per page with {first + 1:,} and {args.count + 1:,} documents: {same}")


if __name__ == "__main__":
    main()
