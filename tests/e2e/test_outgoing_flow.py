"""Văn bản đi in a real browser, from the draft to the signed PDF: a staff member of the
district office drafts a KẾ HOẠCH through the form and submits it, the clerk checks its
form (the default chain: the drafting unit has no head, so only the clerk's check
stands before the signer), the head of the office signs it after confirming the
password again (the remembered session is not fresh), the publishing job renders and
signs the PDF, and the leader downloads it through the page's link.

The certificates are given as an administrator uploads them (tests.factories
.equip_for_signing); everything else goes through the pages.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from eoffice.core.timeutil import local_today
from eoffice.extensions import db
from eoffice.outgoing.layout import date_phrase
from eoffice.signing.certificates import make_test_ca
from eoffice.signing.pdfsign import validate_pdf
from tests import factories
from tests.e2e.browser import LiveServer, login
from tests.e2e.support_h2 import off_the_loop
from tests.pdftext import pdf_text

SUBJECT = "Kế hoạch tổ chức Ngày hội công nghệ thông tin năm học 2026 - 2027"
BODY = (
    "I. MỤC ĐÍCH, YÊU CẦU\n\nKhuyến khích học sinh sáng tạo với công nghệ.\n\n"
    "II. NỘI DUNG\n\n- Tổ chức vòng trường trước ngày 20/11;\n- Báo cáo kết quả về Phòng."
)


@pytest.fixture(scope="module")
def test_ca():
    return make_test_ca("CA thử nghiệm eoffice")


@pytest.fixture
def district(world, test_ca) -> factories.School:
    """The district office of the shared world, with its place name and its head's and
    its own certificates (as an administrator uploads them)."""
    office = world.district
    office.org.place_name = "Quận Thử"
    db.session.commit()
    factories.equip_for_signing(office, test_ca)
    db.session.commit()
    return office


def _switch_to(page: Page, live_server: LiveServer, email: str) -> None:
    """Another person at the keyboard: the previous one's cookies are gone."""
    page.context.clear_cookies()
    login(page, live_server, email)


def _take_step(page: Page, step: str, note: str | None = None, *, asks: bool = False) -> None:
    """Open a review step on the document page and confirm it (and, for a step that
    `asks` first, answer the page's confirmation dialog)."""
    page.get_by_role("button", name=step, exact=True).click()
    form = page.locator("form", has=page.get_by_role("button", name=f"Xác nhận: {step.lower()}"))
    if note:
        form.get_by_label("Ý kiến").fill(note)
    form.get_by_role("button", name=f"Xác nhận: {step.lower()}").click()
    if asks:
        dialog = page.get_by_role("dialog", name="Xác nhận thao tác")
        expect(dialog).to_be_visible()
        dialog.get_by_role("button", name="Đồng ý").click()


def _vn(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def _told(page: Page, message: str) -> None:
    """The success message of the step just taken: a toast, which hides itself after
    6 s, so its text is looked for, not its visibility (a slow check would miss it)."""
    expect(page.locator("#toasts")).to_contain_text(message)


def test_a_plan_is_drafted_reviewed_signed_and_its_signed_pdf_downloaded(
    page: Page, live_server: LiveServer, world, district, test_ca, tmp_path: Path
):
    # The staff member drafts the plan and saves it.
    login(page, live_server, district.staff.email)
    page.get_by_role("link", name="Văn bản đi", exact=True).click()
    page.get_by_role("link", name=re.compile("Soạn văn bản")).first.click()
    expect(page.get_by_role("heading", name="Soạn văn bản đi")).to_be_visible()
    page.get_by_label("Tên loại văn bản").select_option(label="Kế hoạch")
    page.get_by_label("Trích yếu nội dung").fill(SUBJECT)
    page.get_by_label("Nội dung văn bản").fill(BODY)
    page.get_by_label("Đơn vị trong hệ thống").select_option(label=world.school_a.org.name)
    page.get_by_label(re.compile("^Nơi nhận khác")).fill("Lãnh đạo Phòng")
    signer = page.get_by_label("Người ký", exact=True)
    signer.select_option(signer.get_by_role("option", name=district.leader.full_name).inner_text())
    page.get_by_role("button", name="Lưu dự thảo").click()
    _told(page, "Đã lưu dự thảo (phiên bản 1)")
    expect(page.locator("#doc-heading")).to_contain_text("Dự thảo")
    expect(page.get_by_text("Dạng: Số/KH-GDĐT")).to_be_visible()
    doc_url = page.url

    # … and submits it: the clerk's check comes first, then the signer.
    _take_step(page, "Trình duyệt")
    _told(page, "Đã trình duyệt dự thảo.")
    rounds = page.locator(".review-round").first
    expect(rounds).to_contain_text("Văn thư kiểm tra thể thức")
    expect(rounds).to_contain_text(f"Ký ban hành: {district.leader.full_name}")

    # The clerk checks the form and agrees.
    _switch_to(page, live_server, district.clerk.email)
    page.goto(doc_url)
    expect(page.get_by_text("Bước của bạn")).to_be_visible()
    _take_step(page, "Đồng ý, chuyển bước sau", "Thể thức đạt.")
    _told(page, "Đã đồng ý; văn bản chuyển sang bước tiếp theo.")

    # The head of the office signed in yesterday and kept the session ("Ghi nhớ"); the
    # browser was closed since: the remembered session is not fresh enough to sign.
    page.context.clear_cookies()
    page.goto("/login")
    page.get_by_label("Thư điện tử công vụ").fill(district.leader.email)
    page.get_by_label("Mật khẩu").fill(factories.PASSWORD)
    page.get_by_label("Ghi nhớ đăng nhập trên máy này").check()
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("heading", name=re.compile("^Xin chào"))).to_be_visible()
    kept = [c for c in page.context.cookies() if c["name"] != "session"]
    assert any(c["name"] == "remember_token" for c in kept)
    page.context.clear_cookies()
    page.context.add_cookies(kept)

    page.goto(doc_url)
    _take_step(page, "Ký ban hành", "Đồng ý ban hành.", asks=True)
    expect(page.get_by_role("heading", name="Xác nhận lại mật khẩu")).to_be_visible()
    page.get_by_label("Mật khẩu").fill(factories.PASSWORD)
    page.get_by_role("button", name="Xác nhận").click()
    expect(page.get_by_text("Đã xác nhận. Vui lòng thực hiện lại thao tác.")).to_be_visible()
    assert page.url == doc_url
    _take_step(page, "Ký ban hành", "Đồng ý ban hành.", asks=True)
    today = local_today()
    _told(page, f"Đã ký ban hành: số 01/KH-GDĐT, ngày {_vn(today)}")
    heading = page.locator("#doc-heading")
    expect(heading).to_contain_text(f"Kế hoạch số 01/KH-GDĐT, ngày {_vn(today)}")
    expect(heading).to_contain_text("Đã ban hành")

    # The publishing job (render, sign as the head and as the office, deliver) runs in
    # the live server's job thread; make sure it is over, then look again.
    live_server.run_jobs()
    page.reload()
    expect(page.locator("#publishing")).to_have_count(0)
    delivered = page.locator("#deliveries tr.delivery")
    expect(delivered).to_have_count(1)
    expect(delivered).to_contain_text(world.school_a.org.name)

    with page.expect_download() as caught:
        page.get_by_role("link", name="Tải bản đã ký số").click()
    download = caught.value
    assert download.suggested_filename == "01-KH-GDĐT.pdf"
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    signed = target.read_bytes()
    assert signed.startswith(b"%PDF-")
    # pyHanko runs its own asyncio loop, which cannot nest in Playwright's.
    reports = off_the_loop(validate_pdf, signed, [test_ca.certificate_pem])
    assert [(r.verdict, r.signer_cn) for r in reports] == [
        ("valid", district.leader.full_name),
        ("valid", district.org.name),
    ]
    text = pdf_text(signed)
    assert "Số: 01/KH-GDĐT" in text
    assert f"Quận Thử, {date_phrase(today)}" in text
    assert "KẾ HOẠCH" in text and district.leader.full_name in text
