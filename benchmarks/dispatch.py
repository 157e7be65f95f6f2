"""Dispatching a directive to every school of a large district, on PostgreSQL.

A script that prints figures, not a test (pytest never collects benchmarks/). It answers:
how long does `eoffice.outgoing.delivery.deliver()` take to put one issued directive
with one report request into the inboxes of 2,500 member schools (one delivery, its
first event and one report task each), how many SQL statements does that take, and how
long do the arrival notices to the 2,500 clerks take; then p50/p95 of the district's
tracking board of that directive (2,500 rows), query and page.

    python benchmarks/dispatch.py                        # 2,500 schools, 5 directives
    python benchmarks/dispatch.py --schools 500 --runs 3
    python benchmarks/dispatch.py --reset                # empty the database first

`--database-url` defaults to `$BENCH_DISPATCH_DATABASE_URL`, or else
`postgresql+psycopg://postgres@127.0.0.1:5432/eoffice_bench_dispatch`. The district
office and its people go through the services; the schools (each with a clerk) and the
directives' recipient lists are inserted in bulk, as a seeding script would. Each run
issues a new directive (signed state, number, book) to all the schools and delivers it:
delivery is idempotent, so a directive is delivered once.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import event, insert, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks import common
from benchmarks.intake import ensure_database

DEFAULT_URL = os.environ.get(
    "BENCH_DISPATCH_DATABASE_URL",
    "postgresql+psycopg://postgres@127.0.0.1:5432/eoffice_bench_dispatch",
)
PASSWORD = "Bench-mat-khau-2026"
WARDS = 14


def build_app(url: str):
    # The in-app notices are measured; 2,500 e-mail jobs would measure the queue.
    return common.build_app(url, NOTIFICATION_EMAIL_ENABLED=False, SERVER_NAME="bench.local")


class Statements:
    """Counts the statements sent to the database while active."""

    def __init__(self, engine) -> None:
        self.engine = engine
        self.count = 0

    def _seen(self, *args) -> None:
        self.count += 1

    def __enter__(self) -> Statements:
        event.listen(self.engine, "before_cursor_execute", self._seen)
        return self

    def __exit__(self, *exc) -> None:
        event.remove(self.engine, "before_cursor_execute", self._seen)


def make_district(tag: str):
    """The district office with a leader, a clerk and a drafter, through the services."""
    from eoffice.extensions import db
    from eoffice.orgs.models import OrgKind, Role
    from eoffice.orgs.services import OrganisationData, create_unit, create_user, save_organisation

    office = save_organisation(
        OrganisationData(
            name=f"Phòng Giáo dục và Đào tạo Đo hiệu năng {tag}",
            kind=OrgKind.DISTRICT_OFFICE,
            short_name="GDĐT",
            is_member=True,
        )
    )
    unit = create_unit(office.id, "Văn phòng", "VP")

    def person(name: str, roles: list[str]):
        return create_user(
            org_id=office.id,
            email=f"{name}-{tag}@pgd.bench.edu.vn",
            full_name=f"Người dùng {name}",
            password=PASSWORD,
            roles=roles,
            unit_id=unit.id,
        )

    leader = person("truongphong", [Role.LEADER])
    clerk = person("vanthu", [Role.CLERK])
    staff = person("chuyenvien", [Role.STAFF])
    db.session.commit()
    return office, unit, leader, clerk, staff


def make_schools(count: int, tag: str) -> list[tuple[int, str]]:
    """`count` member schools of the three levels over the wards, each with a clerk:
    three bulk INSERTs. Returns (id, name) of each."""
    from eoffice.core.security import hash_password, new_token
    from eoffice.core.text import vn_fold
    from eoffice.extensions import db
    from eoffice.orgs.models import Organisation, OrgKind, Role, User, UserRole

    levels = [
        (OrgKind.KINDERGARTEN, "Trường Mầm non"),
        (OrgKind.PRIMARY, "Trường Tiểu học"),
        (OrgKind.LOWER_SECONDARY, "Trường THCS"),
    ]
    now = datetime.now(UTC)
    rows = []
    for n in range(count):
        kind, prefix = levels[n % 3]
        name = f"{prefix} Số {n + 1:04d} {tag}"
        rows.append(
            {
                "name": name,
                "name_folded": vn_fold(name),
                "short_name": f"T{n + 1:04d}",
                "kind": kind.value,
                "is_member": True,
                "is_active": True,
                "ward": f"Phường {n % WARDS + 1}",
                "created_at": now,
            }
        )
    schools = db.session.execute(
        insert(Organisation).returning(Organisation.id, Organisation.name), rows
    ).all()
    digest = hash_password(PASSWORD)
    users = db.session.execute(
        insert(User).returning(User.id),
        [
            {
                "org_id": org_id,
                "email": f"vanthu{org_id}-{tag}@truong.bench.edu.vn",
                "full_name": f"Văn thư {name}",
                "password_hash": digest,
                "session_token": new_token(16),
                "is_active_account": True,
                "created_at": now,
            }
            for org_id, name in schools
        ],
    ).scalars()
    db.session.execute(
        insert(UserRole), [{"user_id": user_id, "role": Role.CLERK.value} for user_id in users]
    )
    db.session.commit()
    return [(org_id, name) for org_id, name in schools]


def issued_directive(office, unit, leader, staff, schools, number: int) -> int:
    """A KẾ HOẠCH issued as the signing step leaves it, to every school, asking for one
    report: the document, its 2,500 recipient lines (one bulk INSERT) and its request."""
    from eoffice.catalog.models import DocumentType
    from eoffice.catalog.numbering import get_or_create_book
    from eoffice.directives.models import ReportRequest
    from eoffice.extensions import db
    from eoffice.outgoing.models import OutgoingDocument, OutgoingRecipient, RecipientKind
    from workflows import outgoing as outgoing_flow

    today = date.today()
    book = get_or_create_book(office.id, "outgoing", "general", today.year)
    type_id = db.session.scalars(
        select(DocumentType.id).where(DocumentType.name == "Kế hoạch")
    ).one()
    doc = OutgoingDocument(
        org_id=office.id,
        drafter_id=staff.id,
        drafting_unit_id=unit.id,
        document_type_id=type_id,
        subject=f"Kế hoạch số {number} triển khai nhiệm vụ năm học (đo hiệu năng)",
        signer_id=leader.id,
        urgency_code="normal",
        confidentiality_code="normal",
        state=outgoing_flow.ISSUED,
        register_book_id=book.id,
        number=number,
        symbol=f"{number:02d}/KH-GDĐT",
        document_date=today,
        issued_at=datetime.now(UTC),
    )
    db.session.add(doc)
    db.session.flush()
    db.session.execute(
        insert(OutgoingRecipient),
        [
            {
                "document_id": doc.id,
                "position": position,
                "kind": RecipientKind.MEMBER.value,
                "org_id": org_id,
                "name": name,
                "addressed": False,
            }
            for position, (org_id, name) in enumerate(schools)
        ],
    )
    db.session.add(
        ReportRequest(
            outgoing_id=doc.id,
            position=1,
            what="Gửi kế hoạch thực hiện nhiệm vụ năm học của đơn vị",
            deadline=today + timedelta(days=10),
            answer_form="file",
        )
    )
    db.session.commit()
    return doc.id


def dispatch_once(app, doc_id: int) -> dict[str, float | int]:
    """One issued directive delivered as the publishing job does it (deliver, the
    arrival notices queued, commit, then the notices written): the seconds of deliver()
    alone and with its commit, its statements, and the seconds of the notices."""
    from sqlalchemy import func

    from eoffice.core.aftercommit import run_pending
    from eoffice.directives.models import ReportTask
    from eoffice.extensions import db
    from eoffice.notifications.models import Notification
    from eoffice.outgoing import delivery, news
    from eoffice.outgoing.models import OutgoingDocument

    db.session.expire_all()
    doc = db.session.get(OutgoingDocument, doc_id)
    before = db.session.scalar(select(func.count(Notification.id)))
    with Statements(db.engine) as counted:
        began = time.perf_counter()
        created = delivery.deliver(doc)
        delivered = time.perf_counter() - began
    news.after_delivery(doc, created)  # inside the step: which offices to tell
    db.session.commit()
    committed = time.perf_counter() - began
    run_pending()  # after the commit: every clerk told in one transaction
    told = time.perf_counter() - began - committed
    ids = [d.id for d in created]
    tasks = db.session.scalar(
        select(func.count(ReportTask.id)).where(ReportTask.delivery_id.in_(ids))
    )
    assert tasks == len(ids), (tasks, len(ids))
    return {
        "deliver": delivered,
        "committed": committed,
        "told": told,
        "statements": counted.count,
        "created": len(ids),
        "notices": db.session.scalar(select(func.count(Notification.id))) - before,
    }


def remind_once(leader, doc_id: int) -> dict[str, float | int]:
    """ "Nhắc các trường chưa trả lời" on the board, as the district leader's click runs it:
    the reminded tasks claimed and the step committed, then one notice per school (each
    with its own deadline and link) written after the commit. Seconds of both parts."""
    from sqlalchemy import func

    from eoffice.directives import tracking
    from eoffice.extensions import db
    from eoffice.notifications.models import Notification

    db.session.expire_all()
    before = db.session.scalar(select(func.count(Notification.id)))
    with Statements(db.engine) as counted:
        began = time.perf_counter()
        reminded = tracking.remind(leader, doc_id)
        took = time.perf_counter() - began
    return {
        "seconds": took,
        "schools": reminded,
        "statements": counted.count,
        "notices": db.session.scalar(select(func.count(Notification.id))) - before,
    }


def _quantiles(times: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(times, n=100, method="inclusive")
    return cuts[49] * 1000, cuts[94] * 1000


def board_render(app, doc_id: int, clerk_email: str) -> dict[str, Callable[[], object]]:
    """What "rendering the tracking board" means, as callables to time: the board's
    query (eoffice.directives.board.build_board, every row) and, when its page exists,
    the page through the test client as the district's clerk. Empty if there is no
    board module yet."""
    try:
        from eoffice.directives import board
    except ImportError:
        return {}
    from flask import url_for

    from eoffice.extensions import db
    from eoffice.orgs.models import User

    measures: dict[str, Callable[[], object]] = {}
    clerk = db.session.scalars(select(User).where(User.email == clerk_email)).one()

    def query() -> object:
        db.session.expire_all()
        built = board.build_board(clerk, doc_id)
        assert built.total > 0
        return built

    measures["board query (build_board)"] = query
    if "directive_board.board" in app.view_functions:
        client = app.test_client()
        client.post("/login", data={"email": clerk_email, "password": PASSWORD})
        url = url_for("directive_board.board", doc_id=doc_id)

        def page() -> object:
            response = client.get(url)
            assert response.status_code == 200, response.status_code
            return response

        measures[f"board page GET {url}"] = page
    return measures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--schools", type=int, default=2500)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=30, help="board renders to time")
    parser.add_argument("--reset", action="store_true")
    args = parser.parse_args(argv)
    ensure_database(args.database_url, reset=args.reset)
    app = build_app(args.database_url)
    with app.app_context():
        from flask_migrate import upgrade

        from eoffice.extensions import db

        upgrade()
        tag = datetime.now(UTC).strftime("%H%M%S%f")
        print(
            f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}, CPUs {os.cpu_count()}"
        )
        began = time.perf_counter()
        office, unit, leader, clerk, staff = make_district(tag)
        schools = make_schools(args.schools, tag)
        print(f"{len(schools):,} schools with a clerk each in {time.perf_counter() - began:.1f} s")

        figures = []
        doc_id = 0
        for run in range(1, args.runs + 1):
            doc_id = issued_directive(office, unit, leader, staff, schools, run)
            f = dispatch_once(app, doc_id)
            figures.append(f)
            print(
                f"  run {run}: deliver() {f['deliver'] * 1000:7.1f} ms "
                f"({f['statements']} statements), with commit {f['committed'] * 1000:7.1f} ms, "
                f"{f['created']:,} deliveries, events and tasks; "
                f"arrival notices {f['told'] * 1000:7.1f} ms ({f['notices']:,} clerks)"
            )
        median = statistics.median(f["committed"] for f in figures)
        verdict = "under" if median < 2 else "OVER"
        print(
            f"dispatch to {len(schools):,} schools (deliver() and its commit): "
            f"median {median * 1000:.1f} ms, best "
            f"{min(f['committed'] for f in figures) * 1000:.1f} ms ({verdict} the 2 s target); "
            f"deliver() alone median {statistics.median(f['deliver'] for f in figures) * 1000:.1f}"
            f" ms; notices median {statistics.median(f['told'] for f in figures) * 1000:.1f} ms"
        )

        reminders = [remind_once(leader, doc_id) for _ in range(3)]
        for r in reminders:
            print(
                f"  reminder to {r['schools']:,} schools: {r['seconds'] * 1000:7.1f} ms "
                f"({r['statements']} statements, {r['notices']:,} notices)"
            )
        print(
            "manual reminder to every school that has not answered (claim, commit, notices): "
            f"median {statistics.median(r['seconds'] for r in reminders) * 1000:.1f} ms"
        )

        measures = board_render(app, doc_id, clerk.email)
        if not measures:
            print("tracking board: eoffice.directives.board not present, not measured")
        for label, call in measures.items():
            call()  # warm up (templates compiled, caches filled)
            times = []
            with Statements(db.engine) as counted:
                call()
            for _ in range(max(args.repeat, 2)):
                began = time.perf_counter()
                call()
                times.append(time.perf_counter() - began)
            p50, p95 = _quantiles(times)
            print(
                f"{label} ({len(schools):,} rows): p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  "
                f"{counted.count} queries"
            )


if __name__ == "__main__":
    main()
