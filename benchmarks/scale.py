"""The application at a million documents: lists, dashboard, document page, search,
registration, each beside the plain SQL that returns the same rows.

    python -m benchmarks scale                       # load 1,000,000 documents, measure
    python -m benchmarks scale --reuse               # measure the corpus already loaded
    python -m benchmarks scale --documents 50000 --repeat 30

The corpus comes from `benchmarks.corpus` (loaded unless `--reuse` finds one of the
same size). Everything is measured in-process: the Flask app's test client, signed in
as the clerk, the leader or a staff member of the district office (the big
organisation), so "server time" is the time the application takes to handle the
request, without a network or a browser. Beside each, the same rows are read with
hand-written SQL over psycopg (one connection, values cast to their column types), and
the ratio app / SQL shows what the application adds: its other queries (user, counts,
menus), the ORM, the templates. Where the rows can be compared (lists, search) the
benchmark checks that both return the same ids in the same order ("same rows").

Figures are p50 / p95 / p99 in milliseconds over `--repeat` runs after a warm-up. A
table is printed and everything goes to a JSON file, with the EXPLAIN (ANALYZE, BUFFERS)
of the slowest search queries.
"""

from __future__ import annotations

import argparse
import base64
import json
import logging
import os
import platform
import random
import re
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import sqlalchemy
from sqlalchemy import event

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import corpus

DEFAULT_JSON = Path(__file__).resolve().parent / "results" / "scale.json"
PAGE_SIZE = 50  # the application's default PAGE_SIZE
TARGETS_MS = {"list": 50.0, "search": 150.0, "document": 50.0}

# The fixed query set: common and rare words, with and without diacritics, phrases, a
# symbol, a name, a query matching only the text inside files, and one matching nothing.
QUERIES = [
    "tuyển sinh",
    "tuyen sinh",
    "kế hoạch",
    "ke hoach tuyen sinh",
    "quyết định khen thưởng",
    "phòng chống dịch",
    "phong chong dich covid",
    '"bồi dưỡng giáo viên"',
    '"thi hoc ky"',
    "chuyển đổi số",
    "an toàn giao thông",
    "1234/SGDĐT-GDTrH",
    "Sở Tài chính",
    "đàn bầu",
    "dan bau",
    "thủy triều",
    "Nguyễn Bỉnh Khiêm",
    "hoc phi",
    "xoáy thuận",
    "tàu ngầm",
]

OPEN_STATES = ("registered", "presented", "returned", "assigned", "in_progress")
_ID_LINK = re.compile(r'href="/incoming/(\d+)"')
_NEXT_LINK = re.compile(
    r'<a[^>]*rel="next"[^>]*href="([^"]+)"|<a[^>]*href="([^"]+)"[^>]*>\s*(?:Trang sau|Sau ›)'
)


# --- Figures -----------------------------------------------------------------------------------


def percentiles(samples: list[float]) -> dict[str, float] | None:
    if len(samples) < 2:
        return None
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return {
        "p50": round(cuts[49] * 1000, 2),
        "p95": round(cuts[94] * 1000, 2),
        "p99": round(cuts[98] * 1000, 2),
        "n": len(samples),
    }


@dataclass
class Figure:
    name: str
    group: str  # list, dashboard, document, search, registration
    app: list[float] = field(default_factory=list)  # seconds
    sql: list[float] = field(default_factory=list)
    queries: int | None = None  # SQL statements the application ran for one call
    profile: dict[str, Any] | None = None  # sql_profile of one call
    same_rows: bool | None = None
    note: str = ""

    @property
    def target_ms(self) -> float | None:
        return TARGETS_MS.get(self.group)

    def as_dict(self) -> dict[str, Any]:
        app, sql = percentiles(self.app), percentiles(self.sql)
        ratio = None
        if app and sql and sql["p50"] > 0:
            ratio = round(app["p50"] / sql["p50"], 1)
        return {
            "name": self.name,
            "group": self.group,
            "app_ms": app,
            "sql_ms": sql,
            "ratio_p50": ratio,
            "queries": self.queries,
            "sql_profile": self.profile,
            "same_rows": self.same_rows,
            "target_p95_ms": self.target_ms,
            "meets_target": (app["p95"] <= self.target_ms) if app and self.target_ms else None,
            "note": self.note,
        }


def timed(call: Callable[[], Any], repeat: int, warmup: int = 3) -> list[float]:
    for _ in range(warmup):
        call()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return samples


def timed_each(calls: list[Callable[[], Any]], warmup: int = 3) -> list[float]:
    """One sample per call (each a different document, page or query)."""
    for call in calls[:warmup]:
        call()
    samples = []
    for call in calls:
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return samples


class StatementCounter:
    """Every SQL statement run while listening, with its parameters and duration."""

    def __init__(self) -> None:
        self.statements: list[tuple[str, Any, float]] = []
        self._started = 0.0

    def before(self, conn, cursor, statement, parameters, context, executemany) -> None:
        self._started = time.perf_counter()

    def after(self, conn, cursor, statement, parameters, context, executemany) -> None:
        self.statements.append((statement, parameters, time.perf_counter() - self._started))

    def listen(self, engine) -> None:
        event.listen(engine, "before_cursor_execute", self.before)
        event.listen(engine, "after_cursor_execute", self.after)

    def stop(self, engine) -> None:
        event.remove(engine, "before_cursor_execute", self.before)
        event.remove(engine, "after_cursor_execute", self.after)


def capture(app, call: Callable[[], Any]) -> list[tuple[str, Any, float]]:
    """The SQL statements (with parameters and seconds) the application runs in `call`."""
    from eoffice.extensions import db

    with app.app_context():
        engine = db.engine
    counter = StatementCounter()
    counter.listen(engine)
    try:
        call()
    finally:
        counter.stop(engine)
    return counter.statements


def statement_head(statement: str) -> str:
    """A statement shortened to what tells it apart: its FROM and WHERE, not its columns."""
    text = " ".join(statement.split())
    if text.startswith("SELECT") and " FROM " in text:
        text = "SELECT … FROM " + text.split(" FROM ", 1)[1]
    return text[:150]


def sql_profile(statements: list[tuple[str, Any, float]]) -> dict[str, Any]:
    """How many statements, their total time, and the three slowest (ms, head)."""
    slowest = sorted(statements, key=lambda s: -s[2])[:3]
    return {
        "count": len(statements),
        "total_ms": round(sum(s[2] for s in statements) * 1000, 1),
        "slowest": [(round(s[2] * 1000, 1), statement_head(s[0])) for s in slowest],
    }


# --- Setting up --------------------------------------------------------------------------------


@dataclass
class Actors:
    org_id: int
    clerk_id: int
    leader_id: int
    staff_id: int
    staff_unit_id: int
    clerk_unit_id: int
    emails: dict[str, str]
    password: str


def actors(conn: psycopg.Connection, info: dict) -> Actors:
    big = info["big_org"]
    ids = {}
    for role, email in big["emails"].items():
        ids[role] = conn.execute(
            "SELECT id, unit_id FROM users WHERE email = %s", (email,)
        ).fetchone()
    return Actors(
        org_id=big["id"],
        clerk_id=ids["clerk"][0],
        leader_id=ids["leader"][0],
        staff_id=ids["staff"][0],
        staff_unit_id=ids["staff"][1],
        clerk_unit_id=ids["clerk"][1] or 0,
        emails=big["emails"],
        password=info["password"],
    )


def signed_in(app, email: str, password: str):
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": password})
    if response.status_code != 302:
        raise RuntimeError(f"cannot sign in as {email}: {response.status_code}")
    return client


def get(client, url: str) -> str:
    response = client.get(url)
    if response.status_code != 200:
        raise RuntimeError(f"GET {url}: {response.status_code}")
    return response.get_data(as_text=True)


def page_ids(html: str) -> list[int]:
    seen: dict[int, None] = {}
    for match in _ID_LINK.finditer(html):
        seen.setdefault(int(match.group(1)), None)
    return list(seen)


def next_link(html: str) -> str | None:
    match = _NEXT_LINK.search(html)
    if not match:
        return None
    return (match.group(1) or match.group(2)).replace("&amp;", "&")


# --- Register list -----------------------------------------------------------------------------

LIST_CLERK_SQL = """
SELECT d.* FROM incoming_documents d
WHERE d.org_id = %(org)s::int {after}
ORDER BY d.arrived_at DESC, d.id DESC LIMIT %(limit)s::int
"""
# What a staff member sees: addressed to them or their unit, or a part of it given to
# them or their unit; a secret one only when addressed to them or given to them.
STAFF_VISIBLE = """
d.org_id = %(org)s::int
AND (d.recipient_user_id = %(user)s::int OR d.recipient_unit_id = %(unit)s::int
     OR d.id IN (SELECT a.document_id FROM assignments a
                 WHERE a.user_id = %(user)s::int OR a.unit_id = %(unit)s::int))
AND (d.confidentiality_code = 'normal' OR d.recipient_user_id = %(user)s::int
     OR d.id IN (SELECT a.document_id FROM assignments a
                 WHERE a.user_id = %(user)s::int OR a.unit_id = %(unit)s::int))
"""
LIST_STAFF_SQL = f"""
SELECT d.* FROM incoming_documents d
WHERE {STAFF_VISIBLE} {{after}}
ORDER BY d.arrived_at DESC, d.id DESC LIMIT %(limit)s::int
"""
AFTER = "AND (d.arrived_at, d.id) < (%(at)s::timestamptz, %(id)s::int)"


def _keys_at(
    conn, template: str, params: dict, offsets: list[int]
) -> list[tuple[datetime, int, list[int]]]:
    """For each offset: the key (arrived_at, id) of the row just before it, and the ids
    of the page that starts there (the plain SQL's answer)."""
    keys = []
    for offset in offsets:
        row = conn.execute(
            template.format(after="") + " OFFSET %(offset)s::int",
            {**params, "limit": 1, "offset": offset - 1},
        ).fetchone()
        if row is None:
            continue
        at, doc_id = row[_col(conn, "arrived_at")], row[0]
        ids = [
            r[0]
            for r in conn.execute(
                template.format(after=AFTER), {**params, "limit": PAGE_SIZE, "at": at, "id": doc_id}
            )
        ]
        keys.append((at, doc_id, ids))
    return keys


_COLUMNS: dict[str, int] = {}


def _col(conn, name: str) -> int:
    if not _COLUMNS:
        cursor = conn.execute("SELECT * FROM incoming_documents LIMIT 0")
        for index, column in enumerate(cursor.description):
            _COLUMNS[column.name] = index
    return _COLUMNS[name]


def _cursor_for(sample_url: str, at: datetime, doc_id: int) -> str | None:
    """A "next" cursor of the list at the key (at, id), shaped like `sample_url`'s.

    The register's cursors are `core.keyset` tokens: [list name, [direction, date, id]].
    The sample is decoded, its date and id replaced, and encoded again with the
    application's own `keyset.encode`. None if the shape is not that one.
    """
    from eoffice.core import keyset

    match = re.search(r"[?&]cursor=([^&]+)", sample_url)
    if not match:
        return None
    token = match.group(1)
    try:
        name, items = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except ValueError:
        return None
    tags = [item[0] for item in items]
    if tags != ["s", "t", "i"]:
        return None
    return keyset.encode(name, [items[0][1], at, doc_id])


def measure_lists(app, conn, who: Actors, repeat: int, rng: random.Random) -> list[Figure]:
    staff = {"org": who.org_id, "user": who.staff_id, "unit": who.staff_unit_id}
    return [
        *_measure_list(app, conn, who, "clerk", LIST_CLERK_SQL, {"org": who.org_id}, repeat, rng),
        *_measure_list(app, conn, who, "staff", LIST_STAFF_SQL, staff, repeat, rng),
    ]


def _measure_list(
    app, conn, who: Actors, role: str, template: str, params: dict, repeat: int, rng
) -> list[Figure]:
    """The first page, then pages at rows 1,000, 10,000 and 100,000 of one user's list."""

    def plain(after: str = "", **values: Any) -> list:
        sql = template.format(after=after)
        if "offset" in values:
            sql += " OFFSET %(offset)s::int"
        return conn.execute(sql, {**params, "limit": PAGE_SIZE, **values}).fetchall()

    figures = []
    client = signed_in(app, who.emails[role], who.password)
    total = conn.execute(
        f"SELECT count(*) FROM ({template.format(after='')}) x", {**params, "limit": 10_000_000}
    ).fetchone()[0]

    first = Figure(f"register list, {role}, first page", "list")
    html = get(client, "/incoming")
    first.same_rows = page_ids(html) == [r[0] for r in plain()]
    first.profile = sql_profile(capture(app, lambda: get(client, "/incoming")))
    first.queries = first.profile["count"]
    first.app = timed(lambda: get(client, "/incoming"), repeat)
    first.sql = timed(plain, repeat)
    first.note = f"{total:,} documents in the list"
    figures.append(first)

    # Deeper pages: through the "next" link, or ?page=N on an older list.
    link = next_link(html)
    if link is None:
        figures.append(Figure(f"register list, {role}: no next link", "list"))
        return figures
    keyset_pages = "cursor=" in link
    for depth in [d for d in (1_000, 10_000, 100_000) if d < total - PAGE_SIZE]:
        fig = Figure(f"register list, {role}, deep page at row {depth:,}", "list")
        offsets = sorted(
            {max(1, int(depth * rng.uniform(0.9, 1.1))) for _ in range(min(repeat, 40))}
        )
        if keyset_pages:
            urls = []
            for at, doc_id, ids in _keys_at(conn, template, params, offsets):
                cursor = _cursor_for(link, at, doc_id)
                if cursor is None:
                    break
                urls.append((f"/incoming?cursor={cursor}", at, doc_id, ids))
            if not urls:
                fig.note = "cursor shape not recognised: deep pages not measured"
                figures.append(fig)
                continue
            fig.same_rows = page_ids(get(client, urls[0][0])) == urls[0][3]
            fig.profile = sql_profile(capture(app, lambda u=urls[0][0]: get(client, u)))
            fig.queries = fig.profile["count"]
            picks = [urls[i % len(urls)] for i in range(repeat)]
            rng.shuffle(picks)
            fig.app = timed_each([lambda u=u: get(client, u) for u, _, _, _ in picks])
            fig.sql = timed_each(
                [lambda a=a, i=i: plain(AFTER, at=a, id=i) for _, a, i, _ in picks]
            )
            fig.note = "keyset cursor (rel=next), made at random rows around this depth"
        else:
            pages = [max(2, o // PAGE_SIZE + 1) for o in offsets]
            picks = [pages[i % len(pages)] for i in range(repeat)]
            fig.app = timed_each([lambda p=p: get(client, f"/incoming?page={p}") for p in picks])
            fig.sql = timed_each([lambda p=p: plain(offset=(p - 1) * PAGE_SIZE) for p in picks])
            fig.note = "numbered pages (?page=N, OFFSET): the list is not keyset yet"
        figures.append(fig)
    return figures


# --- Dashboard ---------------------------------------------------------------------------------


def _dashboard_sql(role: str) -> list[str]:
    """The home page's figures and short lists, by hand, for one role."""
    open_states = ", ".join(f"'{s}'" for s in OPEN_STATES)
    visible = STAFF_VISIBLE if role == "staff" else "d.org_id = %(org)s::int"
    mine = (
        "d.id IN (SELECT a.document_id FROM assignments a WHERE (a.user_id = %(user)s::int"
        " OR a.unit_id = %(unit)s::int) AND a.kind IN ('lead', 'coordinator')"
        f" AND a.state IN ('assigned', 'in_progress')) AND d.state IN ({open_states})"
    )
    weeks = ", ".join(
        f"count(*) FILTER (WHERE d.arrived_at >= %(week{n})s AND d.arrived_at < %(week{n + 1})s)"
        for n in range(12)
    )
    counts = f"""
    SELECT count(*) FILTER (WHERE d.arrived_at >= %(today)s AND d.arrived_at < %(tomorrow)s),
           count(*) FILTER (WHERE d.state IN ('registered', 'returned')),
           count(*) FILTER (WHERE d.state IN ('registered', 'returned')
                            AND d.urgency_code <> 'normal'),
           count(*) FILTER (WHERE d.state = 'presented'),
           count(*) FILTER (WHERE d.deadline < %(day)s AND d.state IN ({open_states})),
           count(*) FILTER (WHERE d.deadline = %(day)s AND d.state IN ({open_states})),
           count(*) FILTER (WHERE {mine}),
           {weeks}
    FROM incoming_documents d
    WHERE {visible} AND (d.state IN ({open_states}) OR d.arrived_at >= %(week0)s)
    """
    statements = [counts]
    if role == "clerk":
        statements.append(
            f"SELECT d.* FROM incoming_documents d WHERE {visible}"
            " AND d.state IN ('registered', 'returned')"
            " ORDER BY (d.urgency_code = 'normal'), d.arrived_at, d.id LIMIT 6"
        )
    if role == "leader":
        statements.append(
            f"SELECT d.* FROM incoming_documents d WHERE {visible} AND d.state = 'presented'"
            " ORDER BY (d.urgency_code = 'normal'), d.arrived_at, d.id LIMIT 6"
        )
    if role in ("clerk", "staff"):  # "Việc của tôi": the clerk's unit coordinates some
        for due in ("d.deadline < %(day)s", "d.deadline = %(day)s",
                    "(d.deadline IS NULL OR d.deadline > %(day)s)"):  # fmt: skip
            statements.append(
                f"SELECT d.* FROM incoming_documents d WHERE {visible} AND {mine} AND {due}"
                " ORDER BY d.deadline IS NULL, d.deadline, (d.urgency_code = 'normal'), d.id"
                " LIMIT 8"
            )
    return statements


def _dashboard_params(who: Actors, role: str) -> dict[str, Any]:
    from eoffice.core.timeutil import local_today
    from eoffice.incoming.queries import local_day_start

    today = local_today()
    monday = today - timedelta(days=today.weekday())
    params: dict[str, Any] = {
        "org": who.org_id,
        "user": {"clerk": who.clerk_id, "leader": who.leader_id, "staff": who.staff_id}[role],
        "unit": {"clerk": who.clerk_unit_id, "leader": 0, "staff": who.staff_unit_id}[role],
        "day": today,
        "today": local_day_start(today),
        "tomorrow": local_day_start(today + timedelta(days=1)),
    }
    for n in range(13):
        params[f"week{n}"] = local_day_start(monday - timedelta(weeks=11 - n))
    return params


def measure_dashboard(app, conn, who: Actors, repeat: int) -> list[Figure]:
    figures = []
    for role in ("clerk", "leader", "staff"):
        with app.app_context():
            params = _dashboard_params(who, role)
        client = signed_in(app, who.emails[role], who.password)
        statements = _dashboard_sql(role)
        fig = Figure(f"dashboard (/), {role}", "dashboard")
        get(client, "/")
        fig.profile = sql_profile(capture(app, lambda c=client: get(c, "/")))
        fig.queries = fig.profile["count"]
        fig.app = timed(lambda c=client: get(c, "/"), repeat)
        fig.sql = timed(
            lambda s=statements, p=params: [conn.execute(q, p).fetchall() for q in s], repeat
        )
        fig.note = f"plain SQL: {len(statements)} statements (figures, then the short lists)"
        figures.append(fig)
    return figures


# --- Document page -----------------------------------------------------------------------------

DOCUMENT_SQL = [
    """SELECT d.*, t.name, u.name, c.name FROM incoming_documents d
       JOIN document_types t ON t.id = d.document_type_id
       JOIN urgency_levels u ON u.code = d.urgency_code
       JOIN confidentiality_levels c ON c.code = d.confidentiality_code
       WHERE d.id = %(id)s::int AND d.org_id = %(org)s::int""",
    """SELECT a.*, f.* FROM incoming_attachments a JOIN stored_files f ON f.id = a.stored_file_id
       WHERE a.document_id = %(id)s::int ORDER BY a.position""",
    """SELECT p.*, u.full_name, n.name FROM assignments p
       LEFT JOIN users u ON u.id = p.user_id LEFT JOIN units n ON n.id = p.unit_id
       WHERE p.document_id = %(id)s::int ORDER BY p.id""",
    """SELECT e.*, u.full_name FROM audit_events e LEFT JOIN users u ON u.id = e.actor_id
       WHERE e.subject_type = 'incoming' AND e.subject_id = %(id)s::int ORDER BY e.id""",
]


def measure_documents(app, conn, who: Actors, repeat: int, rng: random.Random) -> list[Figure]:
    figures = []
    for role, where, params in (
        ("leader", "d.org_id = %(org)s::int", {"org": who.org_id}),
        ("staff", STAFF_VISIBLE,
         {"org": who.org_id, "user": who.staff_id, "unit": who.staff_unit_id}),
    ):  # fmt: skip
        ids = [
            r[0]
            for r in conn.execute(
                f"SELECT d.id FROM incoming_documents d WHERE {where} ORDER BY d.id", params
            )
        ]
        picks = [rng.choice(ids) for _ in range(repeat)]
        client = signed_in(app, who.emails[role], who.password)
        fig = Figure(f"document page (/incoming/<id>), {role}", "document")
        fig.profile = sql_profile(
            capture(app, lambda c=client, i=picks[0]: get(c, f"/incoming/{i}"))
        )
        fig.queries = fig.profile["count"]
        fig.app = timed_each([lambda c=client, i=i: get(c, f"/incoming/{i}") for i in picks])
        fig.sql = timed_each(
            [
                lambda i=i: [
                    conn.execute(q, {"id": i, "org": who.org_id}).fetchall() for q in DOCUMENT_SQL
                ]
                for i in picks
            ]
        )
        fig.note = f"random documents among the {len(ids):,} the {role} may see"
        figures.append(fig)
    return figures


# --- Search ------------------------------------------------------------------------------------

SEARCH_SQL = """
SELECT e.kind, e.document_id FROM search_entries e {joins}
WHERE e.org_id = %(org)s::int AND {match} {visible}
ORDER BY e.sorted_at DESC, e.kind = 'in' DESC, e.document_id DESC
LIMIT %(limit)s::int
"""
STAFF_SEARCH_JOINS = """
LEFT JOIN incoming_documents d ON e.kind = 'in' AND d.id = e.document_id
LEFT JOIN outgoing_documents o ON e.kind = 'out' AND o.id = e.document_id
"""
STAFF_SEARCH_VISIBLE = f"""
AND ((e.kind = 'in' AND {STAFF_VISIBLE})
     OR (e.kind = 'out' AND o.org_id = %(org)s::int
         AND (o.drafter_id = %(user)s::int OR o.signer_id = %(user)s::int
              OR (o.state IN ('issued', 'recalled') AND o.confidentiality_code = 'normal'))))
"""


def _matches(text: str) -> tuple[list[str], dict[str, str]]:
    """The match condition of each tier, by hand, from the app's parse of the query.

    Every folded word in `tsv`; a phrase also as consecutive words of the folded text;
    with diacritics typed, first the rows holding the Telex-spelt accented words in
    `tsv_exact`, then the others.
    """
    from eoffice.search.tokens import parse_query

    parsed = parse_query(text)
    params = {"q": " & ".join(f"'{w}'" for w in parsed.words)}
    condition = "e.tsv @@ %(q)s::tsquery"
    phrases = [" ".join(t.words) for t in parsed.terms if len(t.words) > 1]
    for n, phrase in enumerate(phrases):
        params[f"phrase{n}"] = f"% {phrase} %"
        condition += f" AND (' ' || e.folded || ' ') LIKE %(phrase{n})s"
    if not parsed.exact:
        return [condition], params
    params["x"] = " & ".join(f"'{w}'" for w in parsed.exact)
    exact = "e.tsv_exact @@ %(x)s::tsquery"
    return [f"{condition} AND {exact}", f"{condition} AND NOT {exact}"], params


def plain_search(conn, role: str, who: Actors, text: str) -> list[tuple[str, int]]:
    """The first page of hits by hand: exact-diacritics tier first, then the others."""
    tiers, words = _matches(text)
    staff = role == "staff"
    params = {"org": who.org_id, "user": who.staff_id, "unit": who.staff_unit_id, **words}
    hits: list[tuple[str, int]] = []
    for condition in tiers:
        want = 21 - len(hits)
        sql = SEARCH_SQL.format(
            joins=STAFF_SEARCH_JOINS if staff else "",
            match=condition,
            visible=STAFF_SEARCH_VISIBLE if staff else "",
        )
        hits.extend(conn.execute(sql, {**params, "limit": want}).fetchall())
        if len(hits) > 20:
            break
    hits = hits[:20]
    # The documents themselves, as the page shows them.
    incoming = [i for k, i in hits if k == "in"]
    outgoing = [i for k, i in hits if k == "out"]
    if incoming:
        conn.execute("SELECT * FROM incoming_documents WHERE id = ANY(%s)", (incoming,)).fetchall()
    if outgoing:
        conn.execute("SELECT * FROM outgoing_documents WHERE id = ANY(%s)", (outgoing,)).fetchall()
    return [(k, i) for k, i in hits]


def engine_search(app, user_id: int, text: str) -> tuple[list[tuple[str, int]], float]:
    """One first page from `search.engine.search`; (hits, seconds of the call)."""
    from eoffice.extensions import db
    from eoffice.orgs.models import User
    from eoffice.search.engine import SearchQuery, search

    with app.app_context():
        user = db.session.get(User, user_id)
        user.roles  # noqa: B018 (loaded before the clock starts, as login does)
        started = time.perf_counter()
        page = search(user, SearchQuery(text=text))
        seconds = time.perf_counter() - started
        hits = [(str(h.kind.value), h.document.id) for h in page.hits]
        db.session.remove()
    return hits, seconds


def measure_search(
    app, conn, who: Actors, repeat: int, has_page: bool
) -> tuple[list[Figure], list[dict]]:
    figures: list[Figure] = []
    per_query: list[dict] = []
    for role, user_id in (("leader", who.leader_id), ("staff", who.staff_id)):
        overall = Figure(f"search engine, {role}, all 20 queries", "search")
        overall_sql: list[float] = []
        same = True
        client = signed_in(app, who.emails[role], who.password) if has_page else None
        page_samples: list[float] = []
        for text in QUERIES:
            hits, _ = engine_search(app, user_id, text)  # warm-up
            plain = plain_search(conn, role, who, text)
            agrees = hits == plain
            same = same and agrees
            app_samples = [engine_search(app, user_id, text)[1] for _ in range(repeat)]
            sql_samples = timed(
                lambda t=text, r=role: plain_search(conn, r, who, t), repeat, warmup=1
            )
            profile = sql_profile(capture(app, lambda t=text, u=user_id: engine_search(app, u, t)))
            row = {
                "role": role,
                "query": text,
                "hits_first_page": len(hits),
                "engine_statements": profile["count"],
                "engine_sql_ms": profile["total_ms"],
                "engine_ms": percentiles(app_samples),
                "sql_ms": percentiles(sql_samples),
                "same_rows": agrees,
            }
            if client is not None:
                url = "/search?" + _urlencode({"q": text})
                get(client, url)
                samples = timed(lambda u=url, c=client: get(c, u), max(3, repeat // 2), 1)
                row["page_ms"] = percentiles(samples)
                page_samples.extend(samples)
            per_query.append(row)
            overall.app.extend(app_samples)
            overall_sql.extend(sql_samples)
        overall.sql = overall_sql
        overall.same_rows = same
        overall.note = f"{repeat} runs of each query; engine function only"
        figures.append(overall)
        if page_samples:
            page_fig = Figure(f"search page (/search?q=), {role}, all 20 queries", "search")
            page_fig.app = page_samples
            page_fig.sql = overall_sql
            page_fig.note = "the whole page (form, engine, highlighting, template)"
            figures.append(page_fig)
    return figures, per_query


def _urlencode(params: dict[str, str]) -> str:
    from urllib.parse import urlencode

    return urlencode(params)


def explain_slowest(app, who: Actors, per_query: list[dict], count: int = 4) -> list[dict]:
    """EXPLAIN (ANALYZE, BUFFERS) of the statements the engine runs for the slowest queries."""
    from eoffice.extensions import db

    slowest = sorted(
        per_query, key=lambda r: r["engine_ms"]["p95"] if r["engine_ms"] else 0, reverse=True
    )[:count]
    plans = []
    for row in slowest:
        user_id = who.leader_id if row["role"] == "leader" else who.staff_id
        statements = capture(app, lambda u=user_id, t=row["query"]: engine_search(app, u, t))
        searches = [(s, p) for s, p, _ in statements if "search_entries" in s]
        explained = []
        with app.app_context(), db.engine.connect() as connection:
            for statement, parameters in searches:
                result = connection.exec_driver_sql(
                    "EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters
                )
                plan = [r[0] for r in result]
                explained.append({"sql": statement, "params": _jsonable(parameters), "plan": plan})
        plans.append(
            {
                "role": row["role"],
                "query": row["query"],
                "engine_ms": row["engine_ms"],
                "statements": explained,
            }
        )
    return plans


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


_LOOKUP = re.compile(r" on (document_types|urgency_levels|confidentiality_levels)\b")
_NODE = re.compile(r"(.*?) \(actual time=[\d.]+\.\.([\d.]+) rows=(\d+) loops=(\d+)\)")


def plan_summary(plan: list[str]) -> str:
    """One line for a plan: its time, then each scan with its index and actual rows."""
    parts = []
    total = ""
    for line in plan:
        text = line.strip().removeprefix("->").strip()
        if text.startswith("Execution Time"):
            total = text.split(":")[1].strip()
        elif "Scan" in text and "actual" in text and not _LOOKUP.search(text):
            node = re.sub(r"\s*\(cost=[^)]*\)", "", text)
            match = _NODE.match(node)
            if match:
                name, ms, rows, loops = match.groups()
                if loops == "1":
                    parts.append(f"{name}: {rows} rows {float(ms):.1f} ms")
                else:
                    parts.append(f"{name}: {rows} rows/loop x{loops} {float(ms):.1f} ms/loop")
            else:
                parts.append(node)
    return f"{total}: " + "; ".join(parts)


# --- Registration ------------------------------------------------------------------------------


def measure_registration(app, conn, who: Actors, repeat: int) -> list[Figure]:
    from sqlalchemy import select

    from eoffice.catalog.models import DocumentType
    from eoffice.core.timeutil import local_today, local_year, now_utc
    from eoffice.extensions import db
    from eoffice.incoming.services import IncomingInput, register_incoming
    from eoffice.orgs.models import User
    from eoffice.search.indexing import EntryText

    rng = random.Random(5)
    stamp = int(time.time()) % 100_000
    sender = "Sở Giáo dục và Đào tạo Thành phố Hồ Chí Minh"
    fig = Figure("registration (register_incoming, committed)", "registration")
    with app.app_context():
        type_id = db.session.scalar(select(DocumentType.id).where(DocumentType.name == "Công văn"))
        today = local_today()

        def one(n: int) -> None:
            clerk = db.session.get(User, who.clerk_id)
            register_incoming(
                clerk,
                IncomingInput(
                    sender_name=sender,
                    symbol=f"{stamp}{n:04d}/SGDĐT-BENCH",
                    document_date=today,
                    document_type_id=type_id,
                    subject=corpus.vocab.subject(rng, "Công văn", today.year, today.month, ""),
                    signer_name="Trần Văn Minh",
                    signer_position="Phó Giám đốc",
                    page_count=2,
                    source="exchange",
                ),
            )

        counter = StatementCounter()
        counter.listen(db.engine)
        one(0)
        counter.stop(db.engine)
        fig.profile = sql_profile(counter.statements)
        fig.queries = fig.profile["count"]
        one(1)  # warm-up, then every call registers a new document
        fig.app = timed_each([lambda n=n: one(n) for n in range(2, repeat + 2)], warmup=0)
        book = conn.execute(
            "SELECT id FROM register_books WHERE org_id = %s::int AND direction = 'incoming'"
            " AND code = 'general' AND year = %s::int",
            (who.org_id, local_year(now_utc())),
        ).fetchone()[0]
        sender_id = conn.execute(
            "SELECT id FROM organisations WHERE name = %s ORDER BY id LIMIT 1", (sender,)
        ).fetchone()[0]
    conn.autocommit = False

    def plain(n: int) -> None:
        now = datetime.now(UTC)
        subject = f"V/v đo hiệu năng vào sổ số {n}"
        number = conn.execute(
            "UPDATE register_books SET last_number = last_number + 1 WHERE id = %s::int"
            " RETURNING last_number",
            (book,),
        ).fetchone()[0]
        doc_id = conn.execute(
            "INSERT INTO incoming_documents (org_id, register_book_id, arrival_number,"
            " arrived_at, registered_at, registered_by_id, sender_org_id, sender_name,"
            " sender_name_folded, code_number, code_notation, document_date, document_type_id,"
            " subject, signer_name, signer_position, page_count, urgency_code,"
            " confidentiality_code, source, state, search_text, updated_at)"
            " VALUES (%s::int, %s::int, %s::int, %s, %s, %s::int, %s::int, %s, %s, %s, %s, %s,"
            " %s::int, %s, %s, %s, 2, 'normal', 'normal', 'exchange', 'registered', %s, %s)"
            " RETURNING id",
            (who.org_id, book, number, now, now, who.clerk_id, sender_id, sender,
             "so giao duc va dao tao thanh pho ho chi minh", f"{stamp}{n:04d}", "SGDĐT-PLAIN",
             now.date(), type_id, subject, "Trần Văn Minh", "Phó Giám đốc", subject, now),
        ).fetchone()[0]  # fmt: skip
        conn.execute(
            "INSERT INTO search_entries (kind, document_id, org_id, sorted_at, folded, exact,"
            " updated_at) VALUES ('in', %s::int, %s::int, %s, %s, %s, %s)",
            (doc_id, who.org_id, now, *texts[n % len(texts)], now),
        )
        conn.commit()

    texts = []
    for n in range(10):
        row = EntryText("in", 0, who.org_id, datetime.now(UTC),
                        (str(n), f"{n}/SGDĐT-PLAIN", sender, "", "V/v đo hiệu năng", "", "", "",
                         "")).row()  # fmt: skip
        texts.append((row["folded"], row["exact"]))
    plain(1)
    fig.sql = timed_each([lambda n=n: plain(n) for n in range(2, repeat + 2)], warmup=0)
    conn.autocommit = True
    fig.note = "plain SQL: number (UPDATE … RETURNING), INSERT document, INSERT index row, COMMIT"
    return [fig]


# --- Report ------------------------------------------------------------------------------------


def environment(conn: psycopg.Connection, url: str) -> dict[str, Any]:
    names = (
        "server_version", "shared_buffers", "work_mem", "effective_cache_size",
        "random_page_cost", "jit", "synchronous_commit",
    )  # fmt: skip
    settings = {name: conn.execute(f"SHOW {name}").fetchone()[0] for name in names}
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "database": sqlalchemy.engine.make_url(url).render_as_string(hide_password=True),
        "postgresql": settings,
        "cpus": os.cpu_count(),
        "machine": f"{platform.machine()} {platform.system()}",
        "python": platform.python_version(),
        "sqlalchemy": sqlalchemy.__version__,
        "psycopg": psycopg.__version__,
        "load_average_start": [round(x, 2) for x in os.getloadavg()],
    }


def _ms(stats: dict | None, key: str) -> str:
    return f"{stats[key]:8.1f}" if stats else "       -"


def print_table(rows: list[dict]) -> None:
    header = (
        f"{'':<52} {'app p50':>8} {'p95':>8} {'p99':>8} | {'SQL p50':>8} {'p95':>8} "
        f"{'p99':>8} | {'ratio':>6} {'queries':>7} {'rows':>5} {'target':>8}"
    )
    print("\n" + header)
    print("-" * len(header))
    for row in rows:
        app, sql = row["app_ms"], row["sql_ms"]
        ratio = f"{row['ratio_p50']:5.1f}x" if row["ratio_p50"] else "     -"
        same = {True: "same", False: "DIFF", None: "-"}[row["same_rows"]]
        target = ""
        if row["target_p95_ms"]:
            mark = "ok" if row["meets_target"] else "MISS"
            target = f"≤{row['target_p95_ms']:.0f} {mark}"
        queries = row["queries"] if row["queries"] is not None else "-"
        print(
            f"{row['name'][:52]:<52} {_ms(app, 'p50')} {_ms(app, 'p95')} {_ms(app, 'p99')} | "
            f"{_ms(sql, 'p50')} {_ms(sql, 'p95')} {_ms(sql, 'p99')} | {ratio} {queries:>7} "
            f"{same:>5} {target:>8}"
        )


def print_profiles(rows: list[dict]) -> None:
    print("\nwhere the time of one call goes (statements, time in the database, the slowest):")
    for row in rows:
        profile = row.get("sql_profile")
        if not profile:
            continue
        print(f"  {row['name']}: {profile['count']} statements, {profile['total_ms']} ms")
        for ms, head in profile["slowest"][:2]:
            print(f"      {ms:7.1f} ms  {head[:110]}")


def print_queries(per_query: list[dict]) -> None:
    print(f"\n{'search query':<28} {'role':<7} {'hits':>4} {'engine p50':>10} {'p95':>8} "
          f"{'its SQL':>8} {'SQL p50':>8} {'p95':>8} {'page p95':>9} rows")  # fmt: skip
    for row in per_query:
        engine, sql, page = row["engine_ms"], row["sql_ms"], row.get("page_ms")
        print(
            f"{row['query'][:28]:<28} {row['role']:<7} {row['hits_first_page']:>4} "
            f"{engine['p50']:10.1f} {engine['p95']:8.1f} {row['engine_sql_ms']:8.1f} "
            f"{sql['p50']:8.1f} {sql['p95']:8.1f} "
            f"{(page['p95'] if page else float('nan')):9.1f} "
            f"{'same' if row['same_rows'] else 'DIFF'}"
        )


def build_app(url: str):
    app = corpus.build_app(url)
    logging.getLogger("eoffice").setLevel(logging.WARNING)
    return app


def upgrade_schema(app) -> str | None:
    """Apply the migrations newer than a reused corpus (new indexes are built on its
    rows, as a deployment's upgrade would); returns the schema's revision."""
    from flask_migrate import upgrade
    from sqlalchemy import text

    from eoffice.extensions import db

    with app.app_context():
        logging.getLogger("alembic").setLevel(logging.WARNING)
        try:
            upgrade()
        except Exception as exc:  # measured anyway, on the schema as it is
            print(f"warning: the migrations could not be applied: {exc}".splitlines()[0])
        db.session.remove()
        with db.engine.connect() as conn:
            return conn.scalar(text("SELECT version_num FROM alembic_version"))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=corpus.DEFAULT_URL)
    parser.add_argument("--documents", type=int, default=1_000_000)
    parser.add_argument("--reuse", action="store_true",
                        help="skip loading when a corpus of this size is there")  # fmt: skip
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON)
    parser.add_argument("--repeat", type=int, default=100, help="runs of each measurement")
    parser.add_argument(
        "--search-repeat",
        type=int,
        default=None,
        help="runs of each search query (default: repeat / 4, at least 10)",
    )
    parser.add_argument("--workers", type=int, default=None, help="COPY worker processes")
    parser.add_argument("--only", default="lists,dashboard,documents,search,registration",
                        help="comma-separated sections to measure")  # fmt: skip
    args = parser.parse_args(argv)
    sections = set(args.only.split(","))

    info = corpus.existing(args.database_url)
    if args.reuse and info and info["documents"] == args.documents:
        print(f"reusing the corpus of {info['documents']:,} documents loaded {info['loaded_at']}")
    else:
        if args.reuse:
            print("no corpus of that size to reuse: loading one")
        corpus.load(args.database_url, args.documents, workers=args.workers)
        info = corpus.existing(args.database_url)

    app = build_app(args.database_url)
    revision = upgrade_schema(app)
    rng = random.Random(8)
    results: dict[str, Any] = {"corpus": info, "schema_revision": revision}
    with psycopg.connect(corpus.conninfo(args.database_url), autocommit=True) as conn:
        results["environment"] = environment(conn, args.database_url)
        who = actors(conn, info)
        env = results["environment"]
        print(f"\n{env['date']}, {env['cpus']} CPUs, load average "
              f"{' '.join(map(str, env['load_average_start']))}, PostgreSQL "
              f"{env['postgresql']['server_version']} (shared_buffers "
              f"{env['postgresql']['shared_buffers']})")  # fmt: skip
        print(f"schema at migration {revision}")
        big = info["big_org"]
        print(f"big organisation: {big['name']}, {big['incoming']:,} incoming and "
              f"{big['outgoing']:,} outgoing documents")  # fmt: skip
        has_page = any(rule.rule == "/search" for rule in app.url_map.iter_rules())
        figures: list[Figure] = []
        per_query: list[dict] = []
        steps = [
            ("lists", lambda: measure_lists(app, conn, who, args.repeat, rng)),
            ("dashboard", lambda: measure_dashboard(app, conn, who, max(10, args.repeat // 2))),
            ("documents", lambda: measure_documents(app, conn, who, args.repeat, rng)),
        ]
        for name, step in steps:
            if name in sections:
                print(f"measuring {name}...", flush=True)
                figures.extend(step())
        if "search" in sections:
            print("measuring search...", flush=True)
            repeat = args.search_repeat or max(10, args.repeat // 4)
            found, per_query = measure_search(app, conn, who, repeat, has_page)
            figures.extend(found)
            results["search_queries"] = per_query
            results["search_page_measured"] = has_page
            results["explain"] = explain_slowest(app, who, per_query)
        if "registration" in sections:
            print("measuring registration...", flush=True)
            figures.extend(measure_registration(app, conn, who, args.repeat))
        results["load_average_end"] = [round(x, 2) for x in os.getloadavg()]

    rows = [f.as_dict() for f in figures]
    results["figures"] = rows
    print_table(rows)
    print_profiles(rows)
    if per_query:
        print_queries(per_query)
        print("\nslowest search queries (engine), EXPLAIN ANALYZE of each statement:")
        for item in results["explain"]:
            print(f"\n  {item['role']}: {item['query']!r}  p95 {item['engine_ms']['p95']} ms")
            for statement in item["statements"]:
                print(f"    {plan_summary(statement['plan'])}")
    phases = info.get("phases", {})
    if phases:
        print(f"\ncorpus loaded in {phases.get('total', 0):.0f} s: "
              + ", ".join(f"{k} {v:.0f} s" for k, v in phases.items() if k != "total"))  # fmt: skip
    print(f"load average at the end {' '.join(map(str, results['load_average_end']))}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, ensure_ascii=False, indent=2, default=str))
    print(f"written {args.json}")


if __name__ == "__main__":
    main()
