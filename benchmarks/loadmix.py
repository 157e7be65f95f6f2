"""The locustfile of `python -m benchmarks load`: what 200 people of an education office do.

Run by benchmarks/load.py as a separate `locust --headless` process (locust patches the
standard library with gevent on import, which the orchestrating script must not get),
with LOAD_ACCOUNTS naming the JSON file of accounts it wrote. Three kinds of people, each
signing in once through the password form and keeping the session:

- clerks (văn thư) register incoming documents through the real form — GET it, read its
  CSRF token and choices, POST the fields with a small PDF — then present the new
  document to a leader of their office (the "Trình" step on the document page);
- leaders and deputies open the register of documents waiting for them, open one that was
  presented to them and assign it to a member of staff (the "Phân công" step);
- staff (chuyên viên, giáo viên) read their register, open a document and download its
  file, and look at their own work;
- everybody searches (Vietnamese words, with and without diacritics) and comes back to
  the home dashboard.

People read: a few seconds pass between two clicks, longer while a form is being filled
in. Requests are named by endpoint (`GET /incoming/<id>`), not by URL, so the figures are
per page. Anything but the expected outcome is a failure: a status other than 2xx/3xx,
an error page ("Lỗi 500"), a form shown again with its errors, a redirect to the sign-in
page, or a step that does not land back on the document with its success message.

A document presented by a clerk goes into the queue of the one leader it was presented
to (in memory: locust runs every simulated user of a run in this one process), so two
leaders never race for the same document — a race the application would rightly refuse,
and which would be counted as an error that is not one.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import time
from collections import defaultdict, deque
from datetime import date
from html.parser import HTMLParser
from typing import Any

import gevent
from locust import HttpUser, between, events, task

ACCOUNTS_PATH = os.environ.get("LOAD_ACCOUNTS", "")
RESULTS_PATH = os.environ.get("LOAD_RESULTS", "")  # exact percentiles per phase, as JSON
USERS = int(os.environ.get("LOAD_USERS", "0"))  # the run's number of users
THINK = (2.0, 8.0)  # seconds between two clicks while reading
FILL_FORM = (8.0, 20.0)  # seconds to type a document's details into the intake form

SEARCHES = [
    "tuyển sinh",
    "tuyen sinh lop 6",
    "kế hoạch",
    "học sinh",
    "giáo viên",
    "bồi dưỡng thường xuyên",
    "an toàn giao thông",
    "phòng chống dịch",
    "thi đua khen thưởng",
    "kiểm tra học kỳ",
    "báo cáo tổng kết năm học",
    "chuyển đổi số",
    "sách giáo khoa",
    "phổ cập giáo dục",
    "giay moi",
    "quyết định",
    "công văn",
    "ngân sách",
    "thời khóa biểu",
    "an toàn thực phẩm",
]
SUBJECTS = [
    "V/v triển khai kế hoạch tuyển sinh vào lớp 6 năm học 2026 - 2027",
    "V/v tổ chức hội thi giáo viên dạy giỏi cấp quận",
    "V/v báo cáo số liệu học sinh đầu năm học",
    "V/v tăng cường công tác phòng chống dịch bệnh trong trường học",
    "V/v hướng dẫn bồi dưỡng thường xuyên giáo viên",
    "Kế hoạch kiểm tra nội bộ trường học năm học 2026 - 2027",
    "Giấy mời dự họp giao ban công tác chuyển đổi số",
    "V/v đảm bảo an toàn giao thông cho học sinh",
    "V/v thực hiện chế độ chính sách đối với nhà giáo",
    "Quyết định về việc thành lập Ban chỉ đạo phổ cập giáo dục",
]
INSTRUCTIONS = [
    "Đề nghị nghiên cứu, tham mưu và báo cáo kết quả trước hạn.",
    "Giao chủ trì triển khai, phối hợp các tổ liên quan.",
    "Xem xét, đề xuất phương án thực hiện.",
]
ERROR_PAGE = re.compile(r'<h1 class="display-6">Lỗi \d{3}</h1>')
DOC_LINK = re.compile(r'href="/incoming/(\d+)"')
FILE_LINK = re.compile(r'href="(/incoming/\d+/files/\d+)(?:\?inline=1)?"')
DOC_LOCATION = re.compile(r"/incoming/(\d+)(?:#.*)?$")

# --- Shared state of the run (one locust process) --------------------------------------------

_accounts: dict[str, Any] = {}
_cycles: dict[str, itertools.cycle] = {}
# Documents presented to a leader or deputy, waiting for that person to assign them.
presented: dict[int, deque[int]] = defaultdict(deque)
# Assigners and staff signed in right now, by organisation: whom clerks present to and
# leaders assign to, so the work reaches someone who is there to do it.
active_assigners: dict[int, set[int]] = defaultdict(set)
active_staff: dict[int, set[int]] = defaultdict(set)
_symbols = itertools.count(1)


def accounts() -> dict[str, Any]:
    if not _accounts:
        if not ACCOUNTS_PATH:
            raise RuntimeError("LOAD_ACCOUNTS is not set: run through `python -m benchmarks load`")
        with open(ACCOUNTS_PATH, encoding="utf-8") as handle:
            _accounts.update(json.load(handle))
    return _accounts


def next_account(kind: str) -> dict[str, Any]:
    """The next account of `kind` (clerk, assigner, staff), spread over the offices; an
    account is used by a second simulated person only when there are more people than
    accounts."""
    if kind not in _cycles:
        _cycles[kind] = itertools.cycle(accounts()[kind])
    return next(_cycles[kind])


def small_pdf(text: str) -> bytes:
    """A one-page PDF with `text` (ASCII) on it, different for every document as real
    scans are (the file store keeps one copy per SHA-256; same bytes would be shared)."""
    text = text.replace("\\", "").replace("(", "").replace(")", "")
    stream = f"BT /F1 12 Tf 72 770 Td ({text}) Tj ET".encode("ascii", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


# --- Reading forms ---------------------------------------------------------------------------


class FormReader(HTMLParser):
    """Every <form> of a page: its action, and its fields with their current values and,
    for selects, their option values (what a browser would submit, and could choose)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[dict[str, Any]] = []
        self._form: dict[str, Any] | None = None
        self._select: str | None = None
        self._multiple = False
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._form = {"action": a.get("action", ""), "values": {}, "options": {}}
            self.forms.append(self._form)
        if self._form is None:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind not in ("file", "submit", "button"):
                self._form["values"][name] = a.get("value", "")
        elif tag == "select" and name:
            self._select = name
            self._multiple = "multiple" in a
            self._form["options"][name] = []
            self._form["values"].setdefault(name, [] if self._multiple else "")
        elif tag == "option" and self._select:
            value = a.get("value", "")
            self._form["options"][self._select].append(value)
            values = self._form["values"]
            if self._multiple:  # a browser sends only the chosen options, maybe none
                if "selected" in a:
                    values[self._select].append(value)
            elif "selected" in a or not values.get(self._select):
                values[self._select] = value  # a single select sends its first option
        elif tag == "textarea" and name:
            self._textarea = name
            self._form["values"][name] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._form is not None and self._textarea:
            self._form["values"][self._textarea] += data


def forms_of(html: str) -> list[dict[str, Any]]:
    reader = FormReader()
    reader.feed(html)
    return reader.forms


def form_with(html: str, action_part: str) -> dict[str, Any] | None:
    return next((f for f in forms_of(html) if action_part in f["action"]), None)


# --- The people ------------------------------------------------------------------------------


class OfficeUser(HttpUser):
    """One person of an office: signs in once, then works in sessions of a few clicks."""

    abstract = True
    kind = ""
    wait_time = between(3, 10)

    def on_start(self) -> None:
        self.account = next_account(self.kind)
        self.user_id: int = self.account["user_id"]
        self.org_id: int = self.account["org_id"]
        self.login()

    # helpers

    def think(self, span: tuple[float, float] = THINK) -> None:
        gevent.sleep(random.uniform(*span))

    def page(self, url: str, name: str, **kwargs: Any) -> str | None:
        """GET a page expected to show normally; its HTML, or None (a failure, counted)."""
        with self.client.get(url, name=name, catch_response=True, **kwargs) as response:
            problem = page_problem(response)
            if problem:
                response.failure(problem)
                return None
            response.success()
            return response.text

    def post_step(self, url: str, name: str, data: dict[str, Any], **kwargs: Any) -> int | None:
        """POST a form whose success is a redirect to a document page; that document's id."""
        with self.client.post(
            url, data=data, name=name, allow_redirects=False, catch_response=True, **kwargs
        ) as response:
            found = DOC_LOCATION.search(response.headers.get("Location", ""))
            if response.status_code != 302 or not found:
                why = describe(response)
                response.failure(f"expected a redirect to the document, got {why}")
                return None
            response.success()
            return int(found.group(1))

    def login(self) -> None:
        try:
            self._sign_in()
        finally:
            recorder.signed_in()

    def _sign_in(self) -> None:
        html = self.page("/login", "GET /login")
        token = (form_with(html or "", "") or {"values": {}})["values"].get("csrf_token", "")
        data = {
            "csrf_token": token,
            "email": self.account["email"],
            "password": accounts()["password"],
        }
        with self.client.post(
            "/login", data=data, name="POST /login", allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code != 302 or "/login" in response.headers.get("Location", ""):
                response.failure(f"sign-in refused: {describe(response)}")
                return
            response.success()
        self.home()

    def home(self) -> None:
        self.page("/", "GET / (home)")

    def search(self) -> None:
        self.page("/search", "GET /search?q=…", params={"q": random.choice(SEARCHES)})

    def open_register(self, params: dict[str, str] | None = None, name: str = "") -> list[int]:
        html = self.page("/incoming", name or "GET /incoming", params=params or {})
        return [int(i) for i in DOC_LINK.findall(html or "")]

    def open_document(self, doc_id: int) -> str | None:
        return self.page(f"/incoming/{doc_id}", "GET /incoming/<id>")

    def download(self, html: str) -> None:
        links = FILE_LINK.findall(html)
        if links:
            self.page(links[0], "GET /incoming/<id>/files/<file>")

    def read_something(self, params: dict[str, str] | None = None, name: str = "") -> None:
        ids = self.open_register(params, name)
        if ids:
            self.think()
            html = self.open_document(random.choice(ids[:20]))
            if html:
                self.think()
                self.download(html)

    @task(2)
    def search_task(self) -> None:
        self.search()
        self.think()
        if random.random() < 0.5:
            self.search()

    @task(1)
    def home_task(self) -> None:
        self.home()


class Clerk(OfficeUser):
    """Văn thư: registers what arrives, presents it to a leader, keeps the register."""

    kind = "clerk"
    weight = 15

    @task(4)
    def register_document(self) -> None:
        html = self.page("/incoming/new", "GET /incoming/new")
        form = next((f for f in forms_of(html or "") if "document_type_id" in f["values"]), None)
        if form is None:
            return
        self.think(FILL_FORM)
        values = dict(form["values"])
        options = form["options"]
        number = next(_symbols)
        sender = random.choice(accounts()["senders"])
        values.update(
            sender_name=sender,
            sender_agency_code="",
            symbol=f"{number}{random.randrange(10**6)}/SGDĐT-VP",
            document_date=date.today().strftime("%d/%m/%Y"),
            document_type_id=random.choice([o for o in options["document_type_id"] if o != "0"]),
            subject=random.choice(SUBJECTS),
            signer_name="Nguyễn Văn An",
            signer_position="Phó Giám đốc",
            page_count="1",
            confidentiality_code="normal"
            if "normal" in options.get("confidentiality_code", [])
            else values.get("confidentiality_code", ""),
            recipient_unit_id=random.choice(
                [o for o in options.get("recipient_unit_id", []) if o not in ("", "0")] or ["0"]
            ),
            recipient_user_id="0",
            deadline="",
            notes="",
            next_action="view",
        )
        values.pop("confirm_duplicate", None)
        pdf = small_pdf(f"Load test document {number} from {sender.encode('ascii', 'ignore')!r}")
        doc_id = self.post_step(
            "/incoming/new",
            "POST /incoming/new (with PDF)",
            values,
            files={"files": (f"cong-van-{number}.pdf", pdf, "application/pdf")},
        )
        if doc_id is None:
            return
        page = self.page(f"/incoming/{doc_id}", "GET /incoming/<id>")
        # Success is told in a toast (templates/base.html, `#toasts`), errors as alerts.
        if page is None or 'id="toasts"' not in page:
            return
        self.think()
        self.present(doc_id, page)

    def present(self, doc_id: int, page: str) -> None:
        form = form_with(page, f"/incoming/{doc_id}/steps/present")
        if form is None:
            return
        offered = {int(o) for o in form["options"].get("present-presented_to", []) if o}
        here = sorted(active_assigners[self.org_id] & offered)
        target = random.choice(here) if here else None
        values = dict(form["values"])
        values["present-presented_to"] = str(target or "")
        values["present-note"] = "Kính trình lãnh đạo xem xét, cho ý kiến chỉ đạo."
        done = self.post_step(
            f"/incoming/{doc_id}/steps/present", "POST /incoming/<id>/steps/present", values
        )
        if done is not None and target is not None:
            presented[target].append(doc_id)

    @task(2)
    def keep_register(self) -> None:
        self.read_something()

    @task(1)
    def waiting_to_present(self) -> None:
        self.open_register({"waiting": "present"}, "GET /incoming?waiting=present")


class Assigner(OfficeUser):
    """Lãnh đạo / cấp phó: reads what was presented, assigns it to staff."""

    kind = "assigner"
    weight = 15

    def on_start(self) -> None:
        super().on_start()
        active_assigners[self.org_id].add(self.user_id)

    def on_stop(self) -> None:
        active_assigners[self.org_id].discard(self.user_id)

    @task(4)
    def assign_document(self) -> None:
        self.open_register({"waiting": "assign"}, "GET /incoming?waiting=assign")
        queue = presented[self.user_id]
        if not queue:
            return
        doc_id = queue.popleft()
        self.think()
        page = self.open_document(doc_id)
        if page is None:
            return
        form = form_with(page, f"/incoming/{doc_id}/steps/assign")
        if form is None:
            self.environment.events.request.fire(
                request_type="STEP",
                name="assign offered on a presented document",
                response_time=0,
                response_length=0,
                exception=AssertionError(f"no assign form on document {doc_id}"),
                context={},
            )
            return
        self.think()
        offered = [o for o in form["options"].get("assign-lead", []) if o.startswith("user:")]
        staff = [f"user:{i}" for i in sorted(active_staff[self.org_id])]
        choices = [o for o in staff if o in offered] or [
            f"user:{i}" for i in accounts()["staff_ids"].get(str(self.org_id), [])
        ]
        values = dict(form["values"])
        values["assign-lead"] = random.choice(choices)
        values["assign-instruction"] = random.choice(INSTRUCTIONS)
        values["assign-deadline"] = ""
        self.post_step(
            f"/incoming/{doc_id}/steps/assign", "POST /incoming/<id>/steps/assign", values
        )

    @task(2)
    def read_register(self) -> None:
        self.read_something()


class Staff(OfficeUser):
    """Chuyên viên / giáo viên: reads their register and documents, downloads the files."""

    kind = "staff"
    weight = 70

    def on_start(self) -> None:
        super().on_start()
        active_staff[self.org_id].add(self.user_id)

    def on_stop(self) -> None:
        active_staff[self.org_id].discard(self.user_id)

    @task(4)
    def read_register(self) -> None:
        self.read_something()

    @task(1)
    def my_work(self) -> None:
        self.read_something({"mine": "1"}, "GET /incoming?mine=1")


# --- Outcome checks --------------------------------------------------------------------------


FIELD_ERROR = re.compile(r'<div class="invalid-feedback d-block">([^<]*)</div>')


def describe(response) -> str:
    """The status, where it redirects, and what went wrong: the connection error, or
    the messages the page shows next to its fields."""
    if response.status_code == 0:
        return f"no response ({response.error!r})"
    location = response.headers.get("Location")
    said = ""
    if response.status_code >= 400 and response.text:
        messages = FIELD_ERROR.findall(response.text)
        said = f": {'; '.join(messages[:3])}" if messages else ""
    return f"{response.status_code}" + (f" → {location}" if location else "") + said


def page_problem(response) -> str | None:
    """Why a page that should have shown normally did not, or None."""
    if response.status_code >= 400 or response.status_code == 0:
        return f"HTTP {describe(response)}"
    final = response.url or ""
    if "/login" in final and "/login" not in (
        response.request.path_url if response.request else ""
    ):
        return "sent back to the sign-in page (session lost)"
    content_type = response.headers.get("Content-Type", "")
    if content_type.startswith("text/html"):
        text = response.text
        if ERROR_PAGE.search(text):
            return "error page"
        if "alert alert-danger" in text:
            return "error message on the page"
    return None


# --- Exact figures per phase -----------------------------------------------------------------


class Recorder:
    """Every request's time, in two phases: the sign-in burst (until every simulated
    person has signed in) and the steady state after it.

    Locust's own figures round times above 100 ms to two significant digits and mix both
    phases; 200 people signing in within ten seconds cost 200 argon2 verifications
    (~0.2 CPU-second each), which queue every other page behind them for a while — a
    morning rush worth its own figures, not a fact about the pages.
    """

    def __init__(self) -> None:
        self.samples: list[tuple[str, float, bool, bool]] = []  # name, ms, failed, steady
        self.logins = 0
        self.started = time.monotonic()
        self.steady_since: float | None = None

    def signed_in(self) -> None:
        self.logins += 1
        if USERS and self.logins == USERS:
            self.steady_since = time.monotonic()

    def add(self, name: str, ms: float, failed: bool) -> None:
        self.samples.append((name, ms, failed, self.steady_since is not None))

    def summary(self) -> dict[str, Any]:
        now = time.monotonic()
        phases: dict[str, Any] = {
            "all": self._rows(self.samples),
            "steady": self._rows([s for s in self.samples if s[3]]),
        }
        phases["burst_seconds"] = (self.steady_since or now) - self.started
        phases["steady_seconds"] = now - self.steady_since if self.steady_since else 0.0
        return phases

    @staticmethod
    def _rows(samples: list[tuple[str, float, bool, bool]]) -> list[dict[str, Any]]:
        by_name: dict[str, list[tuple[float, bool]]] = defaultdict(list)
        for name, ms, failed, _steady in samples:
            by_name[name].append((ms, failed))
        rows = [
            _row(name, found)
            for name, found in sorted(by_name.items(), key=lambda i: i[0].split(" ", 1)[-1])
        ]
        if samples:
            rows.append(_row("Total", [(ms, failed) for _n, ms, failed, _s in samples]))
        return rows


def _row(name: str, found: list[tuple[float, bool]]) -> dict[str, Any]:
    times = sorted(ms for ms, _failed in found)

    def rank(share: float) -> float:  # nearest rank
        return round(times[max(0, -(-len(times) * share // 100) - 1)], 1)

    return {
        "name": name,
        "count": len(found),
        "errors": sum(failed for _ms, failed in found),
        "p50_ms": rank(50),
        "p95_ms": rank(95),
        "p99_ms": rank(99),
        "max_ms": round(times[-1], 1),
    }


recorder = Recorder()


@events.request.add_listener
def _on_request(name: str, response_time: float, exception: Any = None, **_: Any) -> None:
    recorder.add(name, response_time, exception is not None)


@events.quitting.add_listener
def _on_quit(**_: Any) -> None:
    if RESULTS_PATH:
        with open(RESULTS_PATH, "w", encoding="utf-8") as handle:
            json.dump(recorder.summary(), handle, ensure_ascii=False, indent=1)
