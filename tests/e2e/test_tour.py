"""The screenshot tour: the main screens of the demo (`flask seed-demo`), each opened in a
real browser by the demo person who works there, checked (HTTP 200, its heading, its
data, the charts drawn, and no console error or CSP violation: the page fixtures fail
the test on any) and photographed for the user guide and the README.

`EOFFICE_SCREENSHOTS=docs/screenshots` writes the committed images; without it the
screenshots go to the test's tmp dir, so CI still takes every one of them. The names
are the ones docs/ and README.md use.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect
from sqlalchemy import func, select

from eoffice.core.timeutil import local_today
from eoffice.demo import DEFAULT_PASSWORD
from eoffice.directives.models import ReportRequest, ReportTask, TaskState
from eoffice.extensions import db
from eoffice.incoming.models import IncomingDocument
from eoffice.incoming.queries import my_work_condition
from eoffice.orgs.models import Organisation, OrgKind, Role, User, UserRole
from eoffice.outgoing.models import OutgoingDocument
from tests.demo_support import seeded
from tests.directive_support import person
from tests.e2e.browser import LiveServer, login, shoot
from tests.e2e.support_h2 import off_the_loop

DISTRICT_DOMAIN = "pgdq3.hcm.edu.vn"  # eoffice.demo.data.DISTRICT
CLERK = f"vanthu@{DISTRICT_DOMAIN}"
LEADER = f"truongphong@{DISTRICT_DOMAIN}"
ADMIN = f"quantri@{DISTRICT_DOMAIN}"

# A canvas holds a drawing when its pixels differ from a blank canvas of its size.
DRAWN = """(canvas) => {
  if (!canvas.width || !canvas.height) return false;
  const blank = document.createElement("canvas");
  blank.width = canvas.width;
  blank.height = canvas.height;
  return canvas.toDataURL() !== blank.toDataURL();
}"""


@pytest.fixture
def demo(app, tmp_path_factory):
    """The demo as `flask seed-demo` builds it (the same seed test_seed_demo.py uses:
    one seeding per test process), off Playwright's event loop: the seed signs PDFs
    with pyHanko (tests/e2e/support_h2.py)."""
    return off_the_loop(seeded, app, tmp_path_factory, documents=40, app=app)


@pytest.fixture
def live_server(demo, live_server: LiveServer) -> LiveServer:
    """The live server, started once the seed is over: the seed moves the application's
    clock through the past, which the server's requests and jobs must never see."""
    return live_server


class Tour:
    """One browser page walking the screens, signed in as one demo person at a time."""

    def __init__(self, page: Page, live_server: LiveServer):
        self.page = page
        self.live_server = live_server

    def sign_in(self, email: str) -> None:
        self.page.context.clear_cookies()
        login(self.page, self.live_server, email, DEFAULT_PASSWORD)

    def open(self, path: str, heading: str | re.Pattern[str]) -> Page:
        """Go to `path`: answered 200, its main heading shown."""
        response = self.page.goto(path)
        assert response is not None and response.status == 200, (path, response)
        return self.heading(heading)

    def heading(self, text: str | re.Pattern[str]) -> Page:
        expect(self.page.get_by_role("heading", level=1)).to_contain_text(text)
        return self.page

    def follow(self, link: Locator, heading: str | re.Pattern[str]) -> Page:
        """Open the page `link` points to (as a click would, checking its status)."""
        href = link.get_attribute("href")
        assert href, link
        return self.open(href, heading)


def charts_drawn(page: Page, at_least: int = 1) -> None:
    """Every chart of the page is on screen and drawn (not a blank canvas)."""
    canvases = page.locator("canvas[data-chart]")
    expect(canvases.first).to_be_visible()
    count = canvases.count()
    assert count >= at_least, f"{count} charts on {page.url}"
    for n in range(count):
        canvas = canvases.nth(n)
        expect(canvas).to_be_visible()
        assert canvas.evaluate(DRAWN), f"chart {n + 1} of {page.url} is blank"


def rows(page: Page, selector: str, at_least: int = 1) -> None:
    count = page.locator(selector).count()
    assert count >= at_least, f"{count} rows {selector!r} on {page.url}"


def _district() -> Organisation:
    return db.session.scalars(
        select(Organisation).where(Organisation.kind == OrgKind.DISTRICT_OFFICE)
    ).one()


def _busiest_staff() -> User:
    """The staff member with the most open parts (the fullest "Việc của tôi")."""
    staff = db.session.scalars(
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.STAFF)
        .order_by(User.id)
    ).all()

    def open_parts(user: User) -> int:
        return db.session.scalar(
            select(func.count(IncomingDocument.id)).where(my_work_condition(user))
        )

    return max(staff, key=open_parts)


def _widest_directive() -> OutgoingDocument:
    """The directive whose requests went to the most schools."""
    doc_id = db.session.scalars(
        select(ReportRequest.outgoing_id)
        .join(ReportTask, ReportTask.request_id == ReportRequest.id)
        .group_by(ReportRequest.outgoing_id)
        .order_by(func.count(ReportTask.id).desc(), ReportRequest.outgoing_id)
    ).first()
    return db.session.get(OutgoingDocument, doc_id)


def test_the_main_screens_of_the_demo(demo, page: Page, phone_page: Page, live_server):
    district = _district()
    tour = Tour(page, live_server)
    # The jobs the seed queued (text extraction, publishing …) are over before the first
    # page: one finishing between two screenshots would change what the later ones show.
    live_server.run_jobs()

    # Signing in.
    tour.open("/login", "eoffice")
    expect(page.get_by_role("heading", name="Đăng nhập")).to_be_visible()
    page.get_by_label("Thư điện tử công vụ").fill(CLERK)
    shoot(page, "dang-nhap")

    # The district's clerk: the home page, registering, the register, a document.
    tour.sign_in(CLERK)
    tour.open("/", "Xin chào")
    expect(page.get_by_role("heading", name="Văn thư", exact=True)).to_be_visible()
    shoot(page, "trang-chu-van-thu")
    tour.open("/incoming/new", "Vào sổ văn bản đến")
    expect(page.get_by_label("Trích yếu nội dung")).to_be_visible()
    shoot(page, "vao-so-van-ban-den")
    tour.open("/incoming", "Sổ văn bản đến")
    rows(page, "table tbody tr", 10)
    shoot(page, "so-van-ban-den")
    handled = db.session.scalars(
        select(IncomingDocument)
        .where(IncomingDocument.org_id == district.id, IncomingDocument.state == "in_progress")
        .order_by(IncomingDocument.arrived_at.desc())
    ).first()
    assert handled is not None
    tour.open(f"/incoming/{handled.id}", f"Số đến {handled.arrival_number}")
    expect(page.get_by_text(handled.subject).first).to_be_visible()
    shoot(page, "van-ban-den-chi-tiet")
    tour.open("/casefiles/", "Hồ sơ công việc")
    rows(page, "table tbody tr")
    shoot(page, "ho-so")

    # The head of the office: the home page with its charts, outgoing mail, the
    # directives' board, the check times, search.
    tour.sign_in(LEADER)
    tour.open("/", "Xin chào")
    charts_drawn(page)
    shoot(page, "trang-chu-lanh-dao")
    tour.open("/outgoing?tab=issued", "Văn bản đi")
    rows(page, "table tbody tr", 3)
    shoot(page, "van-ban-di")
    signed = db.session.scalars(
        select(OutgoingDocument)
        .where(
            OutgoingDocument.org_id == district.id,
            OutgoingDocument.state == "issued",
            OutgoingDocument.signed_file_id.is_not(None),
        )
        .order_by(OutgoingDocument.issued_at.desc())
    ).first()
    assert signed is not None
    tour.open(f"/outgoing/{signed.id}", f"số {signed.symbol}")
    expect(page.get_by_role("link", name="Tải bản đã ký số")).to_be_visible()
    shoot(page, "van-ban-di-da-ky")
    tour.open("/directives/", "Theo dõi báo cáo")
    widest = _widest_directive()  # the one sent to every school
    tour.follow(
        page.get_by_role("row")
        .filter(has_text=widest.symbol)
        .get_by_role("link", name="Bảng theo dõi"),
        f"Theo dõi trả lời văn bản {widest.symbol}",
    )
    rows(page, "#board tr.school-row", 2)
    charts_drawn(page)
    shoot(page, "theo-doi-bao-cao")
    tour.open("/exchange/checks/", "Theo dõi giờ kiểm tra văn bản đến")
    charts_drawn(page)
    shoot(page, "theo-doi-gio-kiem-tra")
    tour.open("/search?q=k%E1%BA%BF+ho%E1%BA%A1ch", "Tìm kiếm văn bản")
    expect(page.locator("mark").first).to_be_visible()
    shoot(page, "tim-kiem")

    # A staff member: their work (the busiest of the demo), drafting an outgoing document.
    tour.sign_in(_busiest_staff().email)
    tour.open("/", "Xin chào")
    expect(page.get_by_role("heading", name="Việc của tôi")).to_be_visible()
    rows(page, ".dash-work .work-group li")
    shoot(page, "viec-cua-toi")
    tour.open("/outgoing/new", "Soạn văn bản đi")
    page.get_by_label("Tên loại văn bản").select_option(label="Công văn")
    page.get_by_label("Trích yếu nội dung").fill(
        "Về việc tổ chức hội thi giáo viên dạy giỏi cấp quận năm học 2026 - 2027"
    )
    shoot(page, "soan-van-ban-di")

    # A school's clerk answers a report request of the district.
    task = db.session.scalars(
        select(ReportTask)
        .where(ReportTask.state == TaskState.OPEN, ReportTask.deadline >= local_today())
        .order_by(ReportTask.deadline, ReportTask.id)
    ).first()
    assert task is not None
    school = db.session.get(Organisation, task.recipient_org_id)
    tour.sign_in(person(school, Role.CLERK).email)
    tour.open(f"/directives/tasks/{task.id}", "Trả lời trước")
    expect(page.locator("#answer-form")).to_be_visible()
    if task.request.answer_form == "figure":
        page.get_by_label("Số liệu").fill("1250")
    shoot(page, "tra-loi-bao-cao")

    # The office's administrator.
    tour.sign_in(ADMIN)
    tour.open("/admin/users", "Người dùng")
    rows(page, "table tbody tr", 5)
    shoot(page, "quan-tri-nguoi-dung")
    tour.open("/admin/catalog/books", "Sổ đăng ký văn bản")
    rows(page, "table tbody tr", 2)
    shoot(page, "quan-tri-so-dang-ky")
    tour.open("/admin/certificates", "Chứng thư số")
    rows(page, "table tbody tr", 2)
    shoot(page, "quan-tri-chung-thu")
    tour.open("/admin/exchange/", "Liên thông văn bản qua trục")
    shoot(page, "quan-tri-lien-thong")
    tour.open("/exchange/checks/settings", "Giờ kiểm tra văn bản đến")
    shoot(page, "quan-tri-gio-kiem-tra")
    tour.open(f"/admin/organisations/{district.id}", district.name)
    expect(page.get_by_text("Tổ Phổ thông")).to_be_visible()
    shoot(page, "quan-tri-don-vi")

    # A leader assigns a document presented to them, from a phone.
    waiting = db.session.scalars(
        select(IncomingDocument)
        .where(IncomingDocument.state == "presented")
        .order_by(IncomingDocument.arrived_at.desc(), IncomingDocument.id)
    ).first()
    assert waiting is not None and waiting.presented_to is not None
    phone = Tour(phone_page, live_server)
    phone.sign_in(waiting.presented_to.email)
    phone.open(f"/incoming/{waiting.id}", f"Số đến {waiting.arrival_number}")
    phone_page.get_by_role("button", name="Phân công xử lý").click()
    form = phone_page.locator("#step-assign form")
    expect(form).to_be_visible()
    form.scroll_into_view_if_needed()
    shoot(phone_page, "giao-viec-dien-thoai")
