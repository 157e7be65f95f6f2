"""The lists issue 8 left unbounded, now keyset pages with a capped count: the school's
report tasks (to answer, answered), the inbox of documents from the deployment, the
exchange inbox, and the case files with their text filter (web and API).

For each: walking the pages (service, page links, API cursors) gives every row exactly
once and in the list's order with more rows than a page; the statements of a page are
as many with FEW rows as with MANY (no N+1); and, on PostgreSQL, no statement of a
page reads more than a page of rows (and one, to know a next page exists), so nothing
loads the whole list, a badge's count included.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise

import lxml.html
import pytest
from sqlalchemy import event, select

from eoffice.casefiles import creating
from eoffice.casefiles import file_queries as casefile_queries
from eoffice.casefiles.models import CaseFile
from eoffice.core import timeutil
from eoffice.core.pagination import KeysetPage
from eoffice.directives import answers, tasklists
from eoffice.directives.inputs import RequestInput
from eoffice.directives.models import ReportRequest, ReportTask
from eoffice.exchange import inbox as exchange_inbox
from eoffice.exchange import receiving
from eoffice.extensions import db
from eoffice.jobs.connection import runner
from eoffice.outgoing import delivery, drafting, issuing, review
from eoffice.outgoing.models import Delivery
from tests import casefile_support, factories
from tests.integration.test_api import PREFIX, token_for
from tests.integration.test_exchange_receiving import _document, _recall_status, _send
from tests.integration.test_query_counts import FEW, MANY, Counter, _diff, signed_in

NOW = datetime(2026, 9, 25, 2, 0, tzinfo=UTC)  # Friday 25/09/2026, 09:00 office time
SMALL_PAGE = 7  # the page size of the walks: MANY rows are several pages
# Published documents cost a PDF each: the inbox's "many" is fewer (still more than FEW,
# enough for a statement per row to show).
INBOX_MANY = 15


@pytest.fixture(autouse=True)
def empty_queues(app):
    runner().connection.flushall()


@pytest.fixture
def app_config(app_config):
    # The set-up publishes many documents: no e-mail jobs for their notifications.
    return {**app_config, "NOTIFICATION_EMAIL_ENABLED": False}


@pytest.fixture(autouse=True)
def fixed_clock(app) -> Iterator[dict]:
    """The application's clock, at NOW until a test moves it (set before the fixtures
    that issue certificates, so that they are valid then)."""
    state = {"now": NOW}
    timeutil.set_clock(lambda: state["now"])
    yield state
    timeutil.set_clock(None)


# Measuring a request --------------------------------------------------------------------


@dataclass
class Visit:
    statements: list[str]
    returned: list[tuple[str, int]]  # each statement with a result, and its rows
    body: bytes
    json: dict | None


class RowCounter:
    """The rows each statement with a result returned (-1 where the driver cannot say)."""

    def __init__(self) -> None:
        self.returned: list[tuple[str, int]] = []

    def __call__(self, conn, cursor, statement, parameters, context, executemany) -> None:
        if cursor.description is not None:
            self.returned.append((statement, cursor.rowcount))


def visit(browser, url: str, headers: dict | None = None) -> Visit:
    counter, rows = Counter(), RowCounter()
    event.listen(db.engine, "before_cursor_execute", counter)
    event.listen(db.engine, "after_cursor_execute", rows)
    try:
        response = browser.get(url, headers=headers or {})
    finally:
        event.remove(db.engine, "before_cursor_execute", counter)
        event.remove(db.engine, "after_cursor_execute", rows)
    assert response.status_code == 200, (url, response.get_data(as_text=True)[:500])
    return Visit(counter.statements, rows.returned, response.data, response.get_json(silent=True))


def api_headers(user) -> dict:
    return {"Authorization": f"Bearer {token_for(user)}"}


Target = tuple[object, str, dict | None]  # (a test client, a URL, its headers)


def assert_constant(targets: list[Target], grow: Callable[[], None]) -> dict[str, Visit]:
    """Each URL takes as many statements before `grow()` as after it (each visited once
    first: a session's or a token's first request writes its last use)."""
    for browser, url, headers in targets:
        visit(browser, url, headers)
    before = {url: visit(browser, url, headers) for browser, url, headers in targets}
    grow()
    db.session.expire_all()
    after = {url: visit(browser, url, headers) for browser, url, headers in targets}
    for url, first in before.items():
        assert len(after[url].statements) == len(first.statements), (
            url,
            _diff(first.statements, after[url].statements),
        )
    return after


def assert_reads_one_page(
    app, browser, table: str, urls: list[str], headers: dict | None = None
) -> None:
    """With a page of SMALL_PAGE rows and more rows in the list, no statement of these
    pages that reads `table` returns more than SMALL_PAGE + 1 rows: neither the list nor
    a count loads the whole of it (PostgreSQL reports the rows a SELECT returned)."""
    app.config["PAGE_SIZE"] = SMALL_PAGE
    name = re.compile(rf"\b{table}\b")
    for url in urls:
        found = visit(browser, url, headers)
        reading = [
            (statement, rows) for statement, rows in found.returned if name.search(statement)
        ]
        assert reading, (url, table)
        largest = max(rows for _, rows in reading)
        assert largest <= SMALL_PAGE + 1, (url, largest)


def walk_service(fetch: Callable[[str | None], KeysetPage]) -> list:
    """Every page of a list from its first, following next_cursor; each page checked
    against the one before it through prev_cursor."""
    pages: list[KeysetPage] = [fetch(None)]
    while pages[-1].next_cursor:
        pages.append(fetch(pages[-1].next_cursor))
    assert all(len(p.items) <= SMALL_PAGE for p in pages)
    for before, page in pairwise(pages):
        assert not page.first and page.prev_cursor
        back = fetch(page.prev_cursor)
        assert [row.id for row in back.items] == [row.id for row in before.items]
    return [row for page in pages for row in page.items]


def walk_pages(browser, url: str, table_id: str, attribute: str) -> list[int]:
    """The row ids (`data-<attribute>`) of every page of a web list, following its
    "Trang sau ›" links."""
    seen: list[int] = []
    pages = 0
    while url:
        response = browser.get(url)
        assert response.status_code == 200, url
        page = lxml.html.fromstring(response.data)
        seen += [
            int(i) for i in page.xpath(f"//table[@id='{table_id}']/tbody/tr/@data-{attribute}")
        ]
        links = page.xpath("//nav[contains(@class, 'keyset-pager')]//a[@rel='next']/@href")
        url = links[0] if links else None
        pages += 1
    assert pages > 1
    return seen


def walk_api(browser, url: str, headers: dict) -> list[int]:
    """The item ids of every page of an API list, following next_cursor."""
    seen: list[int] = []
    cursor = None
    pages = 0
    while True:
        joiner = "&" if "?" in url else "?"
        target = f"{url}{joiner}limit={SMALL_PAGE}" + (f"&cursor={cursor}" if cursor else "")
        response = browser.get(target, headers=headers)
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        assert body["limit"] == SMALL_PAGE and len(body["items"]) <= SMALL_PAGE
        seen += [item["id"] for item in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert pages > 1
    return seen


def once_in_order(ids: list[int], expected: list[int]) -> None:
    assert len(ids) == len(set(ids)), "a row listed twice"
    assert ids == expected


# The school's report tasks ------------------------------------------------------------------


def _directives(world, count: int, *, first: int = 0) -> list[int]:
    """`count` directives of the district to school A, five report requests each with
    deadlines spread over the weeks (their order is not their creation's), published:
    5 × count tasks for the school, and `count` entries in its inbox."""
    district = world.district
    ids = []
    for n in range(first, first + count):
        requests = [
            RequestInput(
                f"Báo cáo số {n}-{k} về công tác chuyên môn",
                date(2026, 10, 1) + timedelta(days=(n * 7 + k * 3) % 40),
                "text",
            )
            for k in range(5)
        ]
        plan = factories.outgoing_plan(
            world,
            world.school_a,
            subject=f"Kế hoạch số {n} về công tác chuyên môn",
            requests=requests,
        )
        doc = drafting.create_draft(district.staff, plan)
        review.submit(district.staff, doc.id)
        review.approve(district.clerk, doc.id)
        issuing.sign(district.leader, doc.id)
        issuing.publish(doc.id)
        ids.append(doc.id)
    runner().connection.flushall()
    return ids


def _answer(school, clock: dict, doc_ids: list[int]) -> None:
    """School A answers the tasks of these directives, one every hour or two (two at the
    same moment now and then: equal times are ordered by id)."""
    tasks = db.session.scalars(
        select(ReportTask)
        .join(ReportRequest, ReportTask.request_id == ReportRequest.id)
        .where(ReportTask.recipient_org_id == school.org.id, ReportRequest.outgoing_id.in_(doc_ids))
        .order_by(ReportTask.id)
    ).all()
    for n, task in enumerate(tasks):
        clock["now"] = NOW + timedelta(hours=doc_ids[0] * 100 + (n // 2) * 2 + n % 3)
        answers.answer(school.clerk, task.id, text=f"Trả lời số {n}")
    clock["now"] = NOW
    db.session.expire_all()


def _task_ids(school, *, answered: bool) -> list[int]:
    """The school's tasks in the list's order, computed here in Python."""
    tasks = db.session.scalars(
        select(ReportTask).where(ReportTask.recipient_org_id == school.org.id)
    ).all()
    if answered:
        chosen = [t for t in tasks if t.state == "answered"]
        chosen.sort(key=lambda t: (t.answered_at, t.id), reverse=True)
    else:
        chosen = [t for t in tasks if t.state in ("open", "returned")]
        chosen.sort(key=lambda t: (t.deadline, t.id))
    return [t.id for t in chosen]


def test_the_tasks_pages_walk_every_task_once_in_order(app, client, office, fixed_clock):
    world, _ = office
    school = world.school_a
    docs = _directives(world, 4)  # 20 tasks: three pages of SMALL_PAGE
    open_ids = _task_ids(school, answered=False)
    assert len(open_ids) == 20

    def open_page(cursor):
        return tasklists.task_page(school.clerk, cursor, SMALL_PAGE)

    once_in_order([t.id for t in walk_service(open_page)], open_ids)
    assert open_page(None).count.value == 20
    # A cursor of the other list, or an edited one, is refused: the first page again.
    answered_cursor = tasklists.ANSWERED_ORDER.encode("n", (NOW, 1))
    assert tasklists.task_page(school.clerk, answered_cursor, SMALL_PAGE).refused

    _answer(school, fixed_clock, docs)
    answered_ids = _task_ids(school, answered=True)
    assert len(answered_ids) == 20

    def answered_page(cursor):
        return tasklists.task_page(school.clerk, cursor, SMALL_PAGE, answered=True)

    once_in_order([t.id for t in walk_service(answered_page)], answered_ids)
    assert tasklists.task_page(school.clerk, None, SMALL_PAGE).items == []

    app.config["PAGE_SIZE"] = SMALL_PAGE
    browser = signed_in(client, school.clerk)
    once_in_order(
        walk_pages(browser, "/directives/tasks/?tab=answered", "tasks", "task"), answered_ids
    )
    headers = api_headers(school.leader)
    once_in_order(walk_api(client, f"{PREFIX}/directives/tasks?answered=1", headers), answered_ids)
    open_cursor = tasklists.OPEN_ORDER.encode("n", (date(2026, 10, 1), 1))
    refused = client.get(
        f"{PREFIX}/directives/tasks?cursor={open_cursor}&answered=1", headers=headers
    )
    assert refused.status_code == 422 and "cursor" in refused.get_json()["error"]["fields"]


def test_the_tasks_pages_take_the_same_statements_with_few_and_many(
    app, client, office, fixed_clock
):
    world, _ = office
    school = world.school_a
    _answer(school, fixed_clock, _directives(world, 1))  # FEW answered tasks
    _directives(world, 1, first=1)  # FEW to answer
    browser = signed_in(client, school.clerk)
    urls = ["/directives/tasks/", "/directives/tasks/?tab=answered"]

    def grow() -> None:
        _answer(school, fixed_clock, _directives(world, (MANY - FEW) // 5, first=2))
        _directives(world, (MANY - FEW) // 5, first=100)

    headers = api_headers(school.clerk)
    api = [f"{PREFIX}/directives/tasks", f"{PREFIX}/directives/tasks?answered=1"]
    targets = [(browser, url, None) for url in urls] + [(client, url, headers) for url in api]
    after = assert_constant(targets, grow)
    for url in urls:
        page = lxml.html.fromstring(after[url].body)
        assert len(page.xpath("//table[@id='tasks']/tbody/tr")) == MANY
    for url in api:
        assert len(after[url].json["items"]) == MANY


def test_the_tasks_pages_read_one_page_of_rows(app, client, office, fixed_clock, postgres_only):
    world, _ = office
    school = world.school_a
    _answer(school, fixed_clock, _directives(world, 4))
    _directives(world, 4, first=10)
    assert_reads_one_page(
        app,
        signed_in(client, school.clerk),
        "report_tasks",
        ["/directives/tasks/", "/directives/tasks/?tab=answered"],
    )
    assert_reads_one_page(
        app,
        client,
        "report_tasks",
        [
            f"{PREFIX}/directives/tasks?limit={SMALL_PAGE}",
            f"{PREFIX}/directives/tasks?answered=1&limit={SMALL_PAGE}",
        ],
        api_headers(school.clerk),
    )


# The inbox of documents from the deployment --------------------------------------------------


def _published(world, count: int, clock: dict, *, first: int = 0) -> None:
    """`count` documents of the district to school A, each published a minute after the
    one before (two in the same minute now and then: equal times are ordered by id)."""
    district = world.district
    for n in range(first, first + count):
        clock["now"] = NOW + timedelta(minutes=n - n % 4 // 3)
        plan = factories.outgoing_plan(
            world, world.school_a, subject=f"Công văn số {n} về công tác chuyên môn"
        )
        doc = drafting.create_draft(district.staff, plan)
        review.submit(district.staff, doc.id)
        review.approve(district.clerk, doc.id)
        issuing.sign(district.leader, doc.id)
        issuing.publish(doc.id)
    clock["now"] = NOW
    runner().connection.flushall()
    db.session.expire_all()


def _inbox_ids(school) -> list[int]:
    rows = db.session.scalars(
        select(Delivery).where(Delivery.recipient_org_id == school.org.id, Delivery.status == "01")
    ).all()
    return [d.id for d in sorted(rows, key=lambda d: (d.created_at, d.id))]


def test_the_inbox_pages_walk_every_document_once_oldest_first(app, client, office, fixed_clock):
    world, _ = office
    school = world.school_a
    _published(world, 17, fixed_clock)
    expected = _inbox_ids(school)
    assert len(expected) == 17

    def page(cursor):
        return delivery.inbox_page(school.clerk, cursor, SMALL_PAGE)

    once_in_order([d.id for d in walk_service(page)], expected)
    assert page(None).count.value == 17 and delivery.inbox_count(school.leader).value == 17
    assert delivery.inbox_page(school.staff, None, SMALL_PAGE).items == []  # not a clerk's
    assert not delivery.inbox_count(school.staff)

    app.config["PAGE_SIZE"] = SMALL_PAGE
    browser = signed_in(client, school.clerk)
    once_in_order(walk_pages(browser, "/outgoing/inbox", "inbox", "delivery"), expected)
    once_in_order(walk_api(client, f"{PREFIX}/inbox", api_headers(school.clerk)), expected)
    refused = client.get(f"{PREFIX}/inbox?cursor=abc", headers=api_headers(school.clerk))
    assert refused.status_code == 422 and "cursor" in refused.get_json()["error"]["fields"]


def test_a_refusal_refused_on_a_later_page_shows_that_page_again(app, client, office, fixed_clock):
    world, _ = office
    school = world.school_a
    _published(world, 9, fixed_clock)
    app.config["PAGE_SIZE"] = SMALL_PAGE
    browser = signed_in(client, school.clerk)
    second = delivery.inbox_page(school.clerk, None, SMALL_PAGE).next_cursor
    listed = lxml.html.fromstring(browser.get(f"/outgoing/inbox?cursor={second}").data)
    [row_id, *_] = listed.xpath("//table[@id='inbox']/tbody/tr/@data-delivery")
    [action] = listed.xpath(f"//tr[@id='reject-{row_id}']//form/@action")
    response = browser.post(action, data={f"reject-{row_id}-reason": "x"})
    assert response.status_code == 422
    again = lxml.html.fromstring(response.data)
    assert again.xpath(f"//tr[@id='reject-{row_id}' and contains(@class, 'show')]")


def test_the_inbox_pages_take_the_same_statements_with_few_and_many(
    app, client, office, fixed_clock
):
    world, _ = office
    school = world.school_a
    _published(world, FEW, fixed_clock)
    browser = signed_in(client, school.clerk)
    api = f"{PREFIX}/inbox"
    after = assert_constant(
        [
            (browser, "/outgoing/inbox", None),
            (browser, "/incoming", None),
            (client, api, api_headers(school.clerk)),
        ],
        lambda: _published(world, INBOX_MANY - FEW, fixed_clock, first=FEW),
    )
    inbox_page = lxml.html.fromstring(after["/outgoing/inbox"].body)
    assert len(inbox_page.xpath("//table[@id='inbox']/tbody/tr[@data-delivery]")) == INBOX_MANY
    register = lxml.html.fromstring(after["/incoming"].body)
    assert register.xpath("//div[@id='inbox-link']/a/text()") == [
        f"{INBOX_MANY} văn bản điện tử chờ vào sổ"
    ]
    assert len(after[api].json["items"]) == INBOX_MANY


def test_the_inbox_and_its_badge_read_one_page_of_rows(
    app, client, office, fixed_clock, postgres_only
):
    world, _ = office
    school = world.school_a
    _published(world, 3 * SMALL_PAGE, fixed_clock)
    browser = signed_in(client, school.clerk)
    assert_reads_one_page(app, browser, "deliveries", ["/outgoing/inbox", "/incoming"])
    assert_reads_one_page(
        app, client, "deliveries", [f"{PREFIX}/inbox?limit={SMALL_PAGE}"], api_headers(school.clerk)
    )


# The exchange inbox -----------------------------------------------------------------------


def _received(world, hub, count: int, *, first: int = 0, recalls: int = 0) -> None:
    """`count` documents from the Sở through the hub, and recall requests for the first
    `recalls` of them, fetched by a check."""
    for n in range(first, first + count):
        number = 3000 + n
        _send(
            hub,
            _document(
                world,
                f"000.00.00.H29,2026/09/24,{number}/SGDĐT-VP",
                code_number=str(number),
                subject=f"Về việc số {n} của công tác chuyên môn",
            ),
        )
    for n in range(first, first + recalls):
        _send(hub, _recall_status(world, f"000.00.00.H29,2026/09/24,{3000 + n}/SGDĐT-VP"))
    receiving.fetch(world.district.org)
    runner().connection.flushall()
    db.session.expire_all()


def _exchange_ids(user, *, recalls: bool | None) -> list[int]:
    rows = db.session.scalars(exchange_inbox._awaiting(user, recalls)).all()
    return [r.id for r in sorted(rows, key=lambda r: (r.created_at, r.id))]


@pytest.mark.usefixtures("exchange_clock")
def test_the_exchange_inbox_pages_walk_every_item_once_oldest_first(app, client, world, hub):
    clerk = world.district.clerk
    _received(world, hub, 16, recalls=2)
    documents = _exchange_ids(clerk, recalls=False)
    everything = _exchange_ids(clerk, recalls=True) + documents
    everything.sort()  # one created_at (the stopped clock): by id, oldest first
    assert (len(documents), len(everything)) == (16, 18)

    def page(cursor):
        return exchange_inbox.awaiting_page(clerk, cursor, SMALL_PAGE, recalls=False)

    once_in_order([r.id for r in walk_service(page)], documents)
    assert exchange_inbox.awaiting_count(clerk).value == 18
    recall_rows, recall_count = exchange_inbox.recall_requests(clerk)
    assert [r.id for r in recall_rows] == sorted(_exchange_ids(clerk, recalls=True))
    assert recall_count.value == 2

    app.config["PAGE_SIZE"] = SMALL_PAGE
    browser = signed_in(client, clerk)
    once_in_order(walk_pages(browser, "/exchange/inbox/", "exchange-inbox", "packet"), documents)
    headers = api_headers(world.district.leader)
    once_in_order(walk_api(client, f"{PREFIX}/exchange/inbox", headers), everything)


@pytest.mark.usefixtures("exchange_clock")
def test_the_exchange_inbox_takes_the_same_statements_with_few_and_many(app, client, world, hub):
    clerk = world.district.clerk
    _received(world, hub, FEW, recalls=1)
    browser = signed_in(client, clerk)
    api = f"{PREFIX}/exchange/inbox"
    after = assert_constant(
        [
            (browser, "/exchange/inbox/", None),
            (browser, "/outgoing/inbox", None),  # with the exchange inbox's badge
            (client, api, api_headers(clerk)),
        ],
        lambda: _received(world, hub, MANY - FEW, first=FEW, recalls=1),
    )
    listing = lxml.html.fromstring(after["/exchange/inbox/"].body)
    assert len(listing.xpath("//table[@id='exchange-inbox']/tbody/tr")) == MANY
    assert len(listing.xpath("//table[@id='recalls']/tbody/tr")) == 2
    badge = lxml.html.fromstring(after["/outgoing/inbox"].body)
    assert badge.xpath("//a[contains(@href, '/exchange/inbox')]/span[@class]/text()") == [
        str(MANY + 2)
    ]
    assert len(after[api].json["items"]) == MANY + 2  # the documents and recalls


@pytest.mark.usefixtures("exchange_clock")
def test_the_exchange_inbox_and_its_badge_read_one_page_of_rows(
    app, client, world, hub, postgres_only
):
    clerk = world.district.clerk
    _received(world, hub, 3 * SMALL_PAGE)
    browser = signed_in(client, clerk)
    assert_reads_one_page(app, browser, "exchange_packets", ["/exchange/inbox/", "/outgoing/inbox"])
    assert_reads_one_page(
        app,
        client,
        "exchange_packets",
        [f"{PREFIX}/exchange/inbox?limit={SMALL_PAGE}"],
        api_headers(clerk),
    )


# Case files and their text filter -------------------------------------------------------------

TITLES = (
    "Hồ sơ số {n} về công tác CHUYÊN MÔN",
    "Hồ sơ thi đua khen thưởng số {n}",
    "Hồ sơ Đại hội chi đoàn số {n} (chuyên môn)",
)


def _files(school, count: int, *, first: int = 0) -> None:
    people = (school.staff, school.clerk, school.leader)
    for n in range(first, first + count):
        casefile_support.file_outside_list(
            school, TITLES[n % 3].format(n=n), keeper=people[n % 3], notation=("VP", "CM")[n % 2]
        )
    db.session.expire_all()


def _file_ids(school, words: str, *, api: bool) -> list[int]:
    """The files whose code and title hold every word (folded here, in Python), in the
    list's order (the API's leaves out the code)."""
    from eoffice.core.text import vn_fold

    files = db.session.scalars(select(CaseFile).where(CaseFile.org_id == school.org.id)).all()
    wanted = vn_fold(words).split()
    chosen = [f for f in files if all(w in vn_fold(f"{f.code} {f.title}") for w in wanted)]
    if api:
        chosen.sort(key=lambda f: (-f.year, f.number, f.id))
    else:
        chosen.sort(key=lambda f: (-f.year, f.number, f.code, f.id))
    return [f.id for f in chosen]


def test_the_case_file_pages_filter_by_folded_title_in_sql_and_walk_once(
    app, client, world, monkeypatch
):
    school = world.school_a
    _files(school, 24)
    expected = _file_ids(school, "chuyên môn", api=False)
    assert len(expected) == 16  # two of every three titles

    def page(cursor):
        filters = casefile_queries.FileFilters(mine=False, text="CHUYEN mon")
        return casefile_queries.file_page(school.leader, filters, cursor, SMALL_PAGE)

    once_in_order([f.id for f in walk_service(page)], expected)
    assert page(None).count.value == 16
    # Diacritics, case and đ are folded on both sides; the code is searched too.
    one = casefile_queries.FileFilters(mine=False, text="đại HỘI")
    assert casefile_queries.file_page(school.leader, one, None).count.value == 8
    code = casefile_queries.FileFilters(mine=False, text=".cm chuyên")
    assert [f.id for f in casefile_queries.file_page(school.leader, code, None).items] == (
        _file_ids(school, ".cm chuyên", api=False)
    )
    # LIKE's own wildcards are plain characters in the filter.
    nothing = casefile_queries.FileFilters(mine=False, text="%_")
    assert casefile_queries.file_page(school.leader, nothing, None).items == []

    monkeypatch.setattr(casefile_queries, "PER_PAGE", SMALL_PAGE)  # the page's size
    browser = signed_in(client, school.leader)
    once_in_order(
        walk_pages(browser, "/casefiles/?tab=all&q=chuy%C3%AAn+m%C3%B4n", "file-list", "file"),
        expected,
    )
    once_in_order(
        walk_api(client, f"{PREFIX}/casefiles?q=chuyen%20mon", api_headers(school.staff)),
        _file_ids(school, "chuyên môn", api=True),
    )


def test_a_renamed_file_is_found_by_its_new_title_only(client, world):
    school = world.school_a
    _files(school, 3)
    [renamed] = db.session.scalars(
        select(CaseFile).where(CaseFile.title.like("Hồ sơ thi đua%"))
    ).all()
    creating.update_file(
        school.clerk,
        renamed.id,
        creating.FileInput(
            title="Hồ sơ tuyển sinh lớp Một",
            retention=renamed.retention_code,
            keeper_id=renamed.keeper_id,
        ),
    )
    db.session.expire_all()
    assert db.session.get(CaseFile, renamed.id).title_folded.endswith("ho so tuyen sinh lop mot")

    def found(text: str) -> list[int]:
        filters = casefile_queries.FileFilters(mine=False, text=text)
        return [f.id for f in casefile_queries.file_page(school.leader, filters, None).items]

    assert found("tuyển sinh") == [renamed.id]
    assert found("thi đua") == []


def test_the_case_file_lists_take_the_same_statements_with_few_and_many(app, client, world):
    school = world.school_a
    _files(school, FEW)
    headers = api_headers(school.leader)
    urls = {f"{PREFIX}/casefiles?q=chuyen+mon": "chuyen mon", f"{PREFIX}/casefiles": ""}
    browser = signed_in(client, school.leader)
    after = assert_constant(
        [(client, url, headers) for url in urls]
        + [(browser, "/casefiles/?tab=all&q=chuyen+mon", None)],
        lambda: _files(school, MANY - FEW, first=FEW),
    )
    for url, words in urls.items():
        listed = [item["id"] for item in after[url].json["items"]]
        assert listed == _file_ids(school, words, api=True) and len(listed) > FEW


def test_the_case_file_lists_read_one_page_of_rows(app, client, world, monkeypatch, postgres_only):
    school = world.school_a
    monkeypatch.setattr(casefile_queries, "PER_PAGE", SMALL_PAGE)  # the page's size
    _files(school, 6 * SMALL_PAGE)
    assert_reads_one_page(
        app,
        signed_in(client, school.leader),
        "case_files",
        ["/casefiles/?tab=all&q=chuyen+mon", "/casefiles/?tab=all&q=dai+hoi"],
    )
    assert_reads_one_page(
        app,
        client,
        "case_files",
        [
            f"{PREFIX}/casefiles?q=chuyen+mon&limit={SMALL_PAGE}",
            f"{PREFIX}/casefiles?q=thi+dua&limit={SMALL_PAGE}",
        ],
        api_headers(school.leader),
    )
