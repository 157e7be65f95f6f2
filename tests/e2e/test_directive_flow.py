"""A district directive in a real browser: the district's staff member drafts a KẾ HOẠCH
for every school (the "Tất cả các trường" group) with a request for a figure, the
office reviews and signs it (through the services: test_outgoing_flow.py takes those
steps through the pages), the publishing job delivers it, one school's clerk finds the
request in the menu and answers it through the page, and the district's tracking board
shows that school as answered on time and the other as not yet due.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from eoffice.core.timeutil import local_today
from eoffice.extensions import db
from eoffice.outgoing import issuing, review
from eoffice.signing.certificates import make_test_ca
from tests import factories
from tests.e2e.browser import LiveServer, login

SUBJECT = "Kế hoạch tổ chức Ngày hội đọc sách năm học 2026 - 2027"
REQUEST = "Báo cáo số học sinh tham gia Ngày hội đọc sách"


def _told(page: Page, message: str) -> None:
    """The success message of the step just taken: a toast, which hides itself after
    6 s, so its text is looked for, not its visibility (a slow check would miss it)."""
    expect(page.locator("#toasts")).to_contain_text(message)


@pytest.fixture(scope="module")
def test_ca():
    return make_test_ca("CA thử nghiệm eoffice")


@pytest.fixture
def district(world, test_ca) -> factories.School:
    office = world.district
    office.org.place_name = "Quận Thử"
    db.session.commit()
    factories.equip_for_signing(office, test_ca)
    db.session.commit()
    return office


def test_a_school_answers_a_directive_and_the_board_shows_who_has_answered(
    page: Page, live_server: LiveServer, world, district
):
    school_a, school_b = world.school_a, world.school_b
    deadline = local_today() + timedelta(days=14)
    due = deadline.strftime("%d/%m/%Y")

    # The district's staff member drafts the plan to all the schools, with the request.
    login(page, live_server, district.staff.email)
    page.goto("/outgoing/new")
    page.get_by_label("Tên loại văn bản").select_option(label="Kế hoạch")
    page.get_by_label("Trích yếu nội dung").fill(SUBJECT)
    page.get_by_label("Nội dung văn bản").fill(
        "Các trường tổ chức Ngày hội đọc sách và báo cáo số học sinh tham gia."
    )
    page.get_by_label("Tất cả các trường (2)").check()
    first_request = page.locator(".request-row").first
    first_request.get_by_label("Nội dung yêu cầu").fill(REQUEST)
    first_request.get_by_label("Hạn trả lời").fill(due)
    first_request.get_by_label("Hình thức trả lời").select_option(label="Số liệu")
    signer = page.get_by_label("Người ký", exact=True)
    signer.select_option(signer.get_by_role("option", name=district.leader.full_name).inner_text())
    page.get_by_role("button", name="Lưu dự thảo").click()
    _told(page, "Đã lưu dự thảo (phiên bản 1)")
    expect(page.locator(".recipient-group")).to_contain_text(
        "Các trường trên địa bàn (cả nhóm: 2 đơn vị trong hệ thống"
    )
    expect(page.locator("tr.report-request")).to_contain_text(REQUEST)
    doc_id = int(re.search(r"/outgoing/(\d+)", page.url).group(1))

    # Reviewed, signed and published (the pages of these steps: test_outgoing_flow.py).
    review.submit(district.staff, doc_id)
    review.approve(district.clerk, doc_id)
    issuing.sign(district.leader, doc_id)
    # Publishing: the signed PDF, one delivery and one task per school.
    live_server.run_jobs()

    # School A's clerk sees the request waiting in the menu and answers it.
    page.context.clear_cookies()
    login(page, live_server, school_a.clerk.email)
    menu = page.get_by_role("link", name="Yêu cầu báo cáo: 1 chưa trả lời")
    expect(menu).to_be_visible()
    menu.click()
    expect(
        page.get_by_role("heading", name=re.compile("^Yêu cầu báo cáo của cấp trên"))
    ).to_be_visible()
    page.get_by_role("link", name=REQUEST).click()
    expect(page.get_by_role("heading", name=f"Trả lời trước {due}")).to_be_visible()
    page.get_by_label("Số liệu").fill("1250")
    page.get_by_label("Ghi chú (không bắt buộc)").fill("Toàn trường tham gia, kể cả khối 1.")
    page.get_by_role("button", name="Gửi câu trả lời").click()
    _told(page, "Đã gửi câu trả lời. Phòng đã được thông báo.")
    expect(page.locator("#answer-figure")).to_have_text("1.250")
    expect(page.locator("#nav-report-tasks [data-open-tasks]")).to_have_count(0)  # none left

    # The district's board: school A answered on time, school B not yet (not due).
    page.context.clear_cookies()
    login(page, live_server, district.staff.email)
    page.get_by_role("link", name="Báo cáo", exact=True).click()
    page.get_by_role("row", name=re.compile(SUBJECT)).get_by_role(
        "link", name="Bảng theo dõi"
    ).click()
    expect(page.get_by_role("heading", name="Theo dõi trả lời văn bản 01/KH-GDĐT")).to_be_visible()
    answered = page.locator(f"tr.school-row[data-org='{school_a.org.id}'] td.answer")
    waiting = page.locator(f"tr.school-row[data-org='{school_b.org.id}'] td.answer")
    expect(answered).to_have_attribute("data-status", "on_time")
    expect(answered).to_contain_text("Đúng hạn")
    expect(answered).to_contain_text("Số liệu: 1.250")
    expect(answered).to_contain_text("Toàn trường tham gia")
    expect(waiting).to_have_attribute("data-status", "open")
    expect(waiting).to_contain_text("Chưa đến hạn")
    expect(waiting).not_to_contain_text("Số liệu")
    counts = page.locator(".request-card").first
    expect(counts.locator("[data-status='on_time']")).to_have_text("Đúng hạn: 1")
    expect(counts.locator("[data-status='open']")).to_have_text("Chưa đến hạn: 1")
