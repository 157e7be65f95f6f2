"""An incoming document's life in a real browser: the clerk's intake at the keyboard,
the leader assigning it on a phone, the handler completing it with a result file.

Data a scenario starts from is built through the services; every step the scenario is
about goes through the pages only.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from playwright.sync_api import Locator, Page, expect
from sqlalchemy import select

from eoffice.core.timeutil import local_today
from eoffice.extensions import db
from eoffice.incoming import processing
from eoffice.incoming.involvement import Party
from eoffice.incoming.models import Assignment, IncomingDocument
from eoffice.notifications.models import Notification
from tests import factories
from tests.e2e.browser import LiveServer, login, shoot

SENDER = "Sở Giáo dục và Đào tạo Thành phố Hồ Chí Minh"
SUBJECT = "Hướng dẫn tổ chức Hội khỏe Phù Đổng cấp trường năm học 2026 - 2027"


def _vn(day) -> str:
    return day.strftime("%d/%m/%Y")


def _focused(page: Page, name: str, role: str = "textbox") -> None:
    """The field named `name` (its label, as a screen reader says it) has the focus."""
    expect(page.get_by_role(role, name=name, exact=True)).to_be_focused()


def _told(page: Page, message: str) -> None:
    """The success message of the step just taken: a toast, which hides itself after
    6 s, so its text is looked for, not its visibility (a slow check would miss it)."""
    expect(page.locator("#toasts")).to_contain_text(message)


def _pick_by_first_letter(page: Page, label: str, letter: str, wanted: str) -> None:
    """Choose in a focused select as a clerk does at the keyboard: press the option's
    first letter until it shows (a vi-VN select matches typed text with its accents,
    which a Vietnamese input method cannot type into a select)."""
    box = page.get_by_role("combobox", name=label, exact=True)
    for _ in range(10):
        page.keyboard.press(letter)
        if box.evaluate("s => s.selectedOptions[0].text") == wanted:
            return
    raise AssertionError(f"{wanted!r} never came up in {label!r}")


def _step(page: Page, name: str) -> Locator:
    """Open a processing step's panel on the document page by its button."""
    page.get_by_role("button", name=name, exact=True).click()
    return page.get_by_role("button", name=f"Xác nhận: {name.lower()}")


def test_clerk_registers_with_the_keyboard_and_presents(
    live_server: LiveServer, page: Page, world, tmp_path: Path
):
    school = world.school_a
    pdf = tmp_path / "cong-van-3512-hkpd.pdf"
    pdf.write_bytes(factories.pdf_bytes("Hội khỏe Phù Đổng"))
    document_day = local_today() - timedelta(days=2)

    login(page, live_server, school.clerk.email)
    page.get_by_role("link", name="Vào sổ văn bản đến", exact=True).click()
    expect(page.get_by_role("heading", name="Vào sổ văn bản đến")).to_be_visible()

    # A clerk types field after field and moves on with Tab.
    page.get_by_label("Cơ quan, tổ chức gửi").click()
    page.keyboard.type(SENDER)
    page.keyboard.press("Tab")
    _focused(page, "Mã định danh cơ quan gửi")
    page.keyboard.press("Tab")
    _focused(page, "Số, ký hiệu văn bản")
    page.keyboard.type("3512/SGDĐT-GDTC")
    page.keyboard.press("Tab")
    _focused(page, "Ngày văn bản")
    page.keyboard.type(_vn(document_day))
    page.keyboard.press("Tab")
    _focused(page, "Tên loại văn bản", role="combobox")
    _pick_by_first_letter(page, "Tên loại văn bản", "C", "Công văn")
    page.keyboard.press("Tab")
    _focused(page, "Trích yếu nội dung")
    page.keyboard.type(SUBJECT)
    page.keyboard.press("Tab")
    _focused(page, "Người ký")
    page.keyboard.type("Nguyễn Văn Hiếu")
    page.keyboard.press("Tab")
    page.keyboard.type("Phó Giám đốc")
    page.keyboard.press("Tab")
    _focused(page, "Số trang", role="spinbutton")
    page.keyboard.type("2")
    page.get_by_label("Tệp văn bản (PDF, DOCX, DOC, XLSX, JPG, PNG)").set_input_files(pdf)
    page.get_by_role("button", name="Vào sổ", exact=True).click()

    _told(page, "Đã vào sổ: số đến 1,")
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        "Số đến 1 · Công văn 3512/SGDĐT-GDTC"
    )
    shoot(page, "e2e-intake")

    # Trình lãnh đạo, to the principal.
    confirm = _step(page, "Trình lãnh đạo")
    page.get_by_label("Lãnh đạo được trình").select_option(label="Trần Văn Lãnh Đạo – Hiệu trưởng")
    confirm.click()
    _told(page, "Đã trình văn bản cho lãnh đạo.")
    expect(page.locator("#xu-ly").get_by_text("Đã trình", exact=True)).to_be_visible()

    # The file downloads as it was uploaded; the register shows the row.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Tải về").click()
    download = download_info.value
    assert download.suggested_filename == pdf.name
    assert Path(download.path()).read_bytes() == pdf.read_bytes()
    page.get_by_role("link", name="Văn bản đến", exact=True).click()
    row = page.get_by_role("row").filter(has_text=SUBJECT)
    expect(row).to_have_count(1)
    expect(row.get_by_role("cell").first).to_have_text(re.compile(r"^\s*1\b"))
    expect(row).to_contain_text(SENDER)
    expect(row).to_contain_text("3512/SGDĐT-GDTC")
    expect(row).to_contain_text(_vn(document_day))
    expect(row).to_contain_text("Đã trình")

    db.session.rollback()
    doc = db.session.scalars(select(IncomingDocument)).one()
    assert (doc.arrival_number, doc.state, doc.presented_to_id) == (
        1,
        "presented",
        school.leader.id,
    )
    assert (doc.signer_name, doc.page_count, doc.document_date) == (
        "Nguyễn Văn Hiếu",
        2,
        document_day,
    )


def _presented(world, **overrides) -> IncomingDocument:
    """A document the clerk registered and put before the principal (services)."""
    school = world.school_a
    doc = factories.register(school.clerk, subject=SUBJECT, **overrides)
    processing.present(school.clerk, doc.id, presented_to=school.leader.id)
    return doc


def _no_sideways_scroll(page: Page) -> None:
    width = page.viewport_size["width"]
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{page.url} scrolls sideways: {scroll}px in a {width}px screen"


def test_leader_assigns_on_a_phone(live_server: LiveServer, phone_page: Page, world):
    page = phone_page
    school = world.school_a
    deputy_teacher = factories.make_user(
        school.org,
        "phoihop@thleloi.hcm.edu.vn",
        ["staff"],
        "Đỗ Văn Phối Hợp",
        school.unit,
        "Giáo viên",
    )
    db.session.commit()
    doc = _presented(world)
    deadline = local_today() + timedelta(days=10)

    login(page, live_server, school.leader.email)
    # The navigation folds behind its toggler; nothing scrolls sideways.
    toggler = page.get_by_role("button", name="Mở menu")
    expect(toggler).to_be_visible()
    expect(page.get_by_role("link", name="Văn bản đi", exact=True)).to_be_hidden()
    _no_sideways_scroll(page)
    toggler.click()
    expect(page.get_by_role("link", name="Văn bản đi", exact=True)).to_be_visible()
    toggler.click()

    page.get_by_role("link", name=re.compile(r"^Số đến 1 · ")).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Số đến 1")
    _no_sideways_scroll(page)

    confirm = _step(page, "Phân công xử lý")
    page.get_by_label("Chủ trì xử lý").select_option(label="Lê Thị Giáo Viên – Giáo viên")
    page.get_by_label("Phối hợp", exact=True).select_option(label="Đỗ Văn Phối Hợp – Giáo viên")
    page.get_by_label("Hạn xử lý", exact=True).filter(visible=True).fill(_vn(deadline))
    page.get_by_label("Ý kiến chỉ đạo").fill("Giao tổ Văn phòng chuẩn bị, báo cáo trước hạn.")
    _no_sideways_scroll(page)
    shoot(page, "e2e-assign-phone")
    confirm.click()

    _told(page, "Đã phân công xử lý văn bản.")
    expect(page.locator("#xu-ly").get_by_text("Đã phân công", exact=True)).to_be_visible()
    parts = page.get_by_role("list", name="Phân công")
    lead = parts.get_by_role("listitem").filter(has_text="Chủ trì:")
    expect(lead).to_contain_text("Lê Thị Giáo Viên")
    expect(lead).to_contain_text(f"Hạn xử lý: {_vn(deadline)}")
    expect(parts.get_by_role("listitem").filter(has_text="Phối hợp:")).to_contain_text(
        "Đỗ Văn Phối Hợp"
    )
    _no_sideways_scroll(page)

    db.session.rollback()
    held = {
        (a.kind, a.user_id, a.deadline)
        for a in db.session.scalars(select(Assignment).where(Assignment.document_id == doc.id))
    }
    assert held == {
        ("lead", school.staff.id, deadline),
        ("coordinator", deputy_teacher.id, deadline),
    }
    assert db.session.get(IncomingDocument, doc.id).state == "assigned"


def test_handler_completes_with_a_result_file(
    live_server: LiveServer, page: Page, world, tmp_path: Path
):
    school = world.school_a
    doc = _presented(world)
    processing.assign(
        school.leader,
        doc.id,
        Party(user_id=school.staff.id),
        deadline=local_today() + timedelta(days=7),
        instruction="Chuẩn bị danh sách vận động viên.",
    )
    result = tmp_path / "danh-sach-van-dong-vien.pdf"
    result.write_bytes(factories.pdf_bytes("Danh sách vận động viên"))

    login(page, live_server, school.staff.email)
    work = page.get_by_role("region", name="Việc của tôi")
    work.get_by_role("link", name=re.compile(r"^Số đến 1 · ")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Số đến 1")

    _step(page, "Bắt đầu xử lý").click()
    _told(page, "Đã bắt đầu xử lý văn bản.")
    expect(page.locator("#xu-ly").get_by_text("Đang xử lý", exact=True)).to_be_visible()

    confirm = _step(page, "Ghi nhận tiến độ")
    page.get_by_label("Nội dung tiến độ").fill("Đã lập danh sách khối 4, khối 5.")
    page.get_by_label("Tỷ lệ hoàn thành (%)").fill("60")
    confirm.click()
    _told(page, "Đã ghi nhận tiến độ.")
    lead = page.get_by_role("list", name="Phân công").get_by_role("listitem")
    expect(lead).to_contain_text("Tiến độ: 60%")

    confirm = _step(page, "Hoàn thành xử lý")
    page.get_by_label("Tóm tắt kết quả xử lý").fill("Đã gửi danh sách 24 vận động viên.")
    page.get_by_label(re.compile(r"^Tệp kết quả")).filter(visible=True).set_input_files(result)
    confirm.click()
    _told(page, "Đã hoàn thành xử lý văn bản.")
    expect(page.locator("#xu-ly").get_by_text("Đã hoàn thành", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name=result.name)).to_be_visible()
    shoot(page, "e2e-complete")

    # The principal hears of it on the bell and opens the document from there.
    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_url(re.compile(r"/login(\?|$)"))  # signed out before the next sign-in
    login(page, live_server, school.leader.email)
    page.get_by_role("link", name=re.compile(r"^Thông báo: \d+ chưa đọc")).click()
    news = page.get_by_role("listitem").filter(has_text="đã hoàn thành xử lý văn bản")
    expect(news).to_have_count(1)
    expect(news).to_contain_text("Lê Thị Giáo Viên")
    expect(news).to_contain_text("Đã gửi danh sách 24 vận động viên.")
    news.get_by_role("button", name="Xem văn bản").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Số đến 1")
    expect(page.locator("#xu-ly").get_by_text("Đã hoàn thành", exact=True)).to_be_visible()

    db.session.rollback()
    assert db.session.get(IncomingDocument, doc.id).state == "completed"
    told = db.session.scalars(
        select(Notification).where(Notification.user_id == school.leader.id)
    ).all()
    assert any("đã hoàn thành xử lý" in n.body for n in told), [n.body for n in told]
