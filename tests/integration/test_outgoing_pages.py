"""Văn bản đi through the web pages, as people would use them: drafting with the form,
the review buttons, the PDFs, the recipient's inbox, and who sees what."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime
from urllib.parse import parse_qs, urlsplit

import lxml.html
import pytest
from sqlalchemy import func, select

from eoffice.core import timeutil
from eoffice.core.pagination import BAD_CURSOR
from eoffice.extensions import db
from eoffice.incoming import processing
from eoffice.incoming.attachments import file_store
from eoffice.incoming.models import IncomingDocument
from eoffice.incoming.processing import Party
from eoffice.jobs.connection import runner
from eoffice.orgs.services import OrganisationData, save_organisation
from eoffice.outgoing import drafting, issuing, queries, review
from eoffice.outgoing.forms import editable_text
from eoffice.outgoing.models import Delivery, OutgoingDocument, OutgoingVersion
from eoffice.outgoing.richtext import plain_to_html
from eoffice.outgoing.settings import DelegationInput, add_delegation
from tests import factories

NOW = datetime(2026, 9, 25, 2, 0, tzinfo=UTC)  # Friday 25/09/2026, 09:00 office time
_STEP = re.compile(r"/steps/(\w+)$")


@pytest.fixture(autouse=True)
def fixed_clock(app):
    timeutil.set_clock(lambda: NOW)
    yield
    timeutil.set_clock(None)


@pytest.fixture(autouse=True)
def empty_queues(app):
    runner().connection.flushall()


def _web(app, user):
    client = app.test_client()
    factories.login(client, user)
    return client


def _page(response) -> lxml.html.HtmlElement:
    return lxml.html.fromstring(response.get_data(as_text=True))


def _text(response) -> str:
    return " ".join(_page(response).text_content().split())


def _reload(model, row_id):
    db.session.expire_all()
    return db.session.get(model, row_id)


def _count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


def _steps(client, doc_id: int) -> set[str]:
    """The step forms the document page offers the signed-in user."""
    page = _page(client.get(f"/outgoing/{doc_id}"))
    return {_STEP.search(a).group(1) for a in page.xpath("//form/@action") if _STEP.search(a)}


def _draft_form(world, **overrides) -> dict:
    district = world.district
    data = {
        "document_type_id": str(factories.type_id("Kế hoạch")),
        "subject": "Kế hoạch tổ chức Hội khỏe Phù Đổng cấp quận năm học 2026 - 2027",
        "body_text": "I. MỤC ĐÍCH\n\nTạo sân chơi lành mạnh cho học sinh.\n\n"
        "II. THỜI GIAN\n\n- Vòng loại: tháng 10/2026;\n- Chung kết: tháng 11/2026.",
        "addressees": "Hiệu trưởng các trường tiểu học",
        "symbol_unit": "",
        "signer_id": str(district.leader.id),
        "capacity": "",
        "capacity_title": "",
        "signer_title": "",
        "urgency_code": "normal",
        "confidentiality_code": "normal",
        "circulation": "",
        "copies": "5",
        "member_org_ids": [str(world.school_a.org.id), str(world.school_b.org.id)],
        "agency_codes": "",
        "text_recipients": "Như trên\nLãnh đạo Phòng",
    }
    data.update(overrides)
    return data


def _post_draft(client, url: str, data: dict, files: list[tuple[bytes, str]] | None = None):
    payload = dict(data)
    if files:
        payload["files"] = [(io.BytesIO(content), name) for content, name in files]
    return client.post(url, data=payload, content_type="multipart/form-data")


def _issue(world, *schools) -> OutgoingDocument:
    district = world.district
    doc = drafting.create_draft(district.staff, factories.outgoing_plan(world, *schools, copies=3))
    review.submit(district.staff, doc.id)
    review.approve(district.clerk, doc.id)
    return issuing.sign(district.leader, doc.id)


# Drafting -----------------------------------------------------------------------------


def test_a_drafter_writes_a_plan_with_a_file_through_the_form(app, world):
    outside = save_organisation(
        OrganisationData(name="Sở Giáo dục và Đào tạo Thành phố", agency_code="000.00.00.H29")
    )
    db.session.commit()
    staff = _web(app, world.district.staff)
    form_page = _page(staff.get("/outgoing/new"))
    groups = form_page.xpath("//select[@name='member_org_ids']/optgroup/@label")
    assert groups == ["Tiểu học", "Trung học cơ sở"]  # the district's own office is not offered
    signers = form_page.xpath("//select[@name='signer_id']/option/text()")
    assert any(world.district.leader.full_name in s for s in signers)
    assert not any(world.district.staff.full_name in s for s in signers)

    response = _post_draft(
        staff,
        "/outgoing/new",
        _draft_form(world, agency_codes="000.00.00.h29\n"),
        [(factories.pdf_bytes(), "Phụ lục điều lệ.pdf")],
    )
    assert response.status_code == 302
    doc = db.session.scalars(select(OutgoingDocument)).one()
    assert response.headers["Location"].endswith(f"/outgoing/{doc.id}")
    assert (doc.state, doc.version, doc.copies) == ("draft", 1, 5)
    assert [(r.kind, r.name) for r in doc.recipients] == [
        ("member", world.school_a.org.name),
        ("member", world.school_b.org.name),
        ("external", outside.name),
        ("text", "Như trên"),
        ("text", "Lãnh đạo Phòng"),
    ]
    assert doc.body_html.startswith("<p>I. MỤC ĐÍCH</p>") and "<ul><li>Vòng loại" in doc.body_html
    assert (doc.capacity, doc.signer_title) == ("", "HIỆU TRƯỞNG")  # the defaults

    detail = staff.get(response.headers["Location"])
    text = _text(detail)
    assert "Phụ lục điều lệ.pdf" in text and "Chưa cấp số" in text
    assert "Số/KH-GDĐT" in text  # the symbol the type will give
    assert "Tạo sân chơi lành mạnh cho học sinh." in text
    [attachment] = doc.attachments
    download = staff.get(f"/outgoing/{doc.id}/files/{attachment.id}")
    assert download.data == factories.pdf_bytes()

    # Editing shows the typed paragraphs again and saves a second version.
    edit_page = _page(staff.get(f"/outgoing/{doc.id}/edit"))
    [body] = edit_page.xpath("//textarea[@name='body_text']")
    assert body.text_content().strip().startswith("I. MỤC ĐÍCH\n\nTạo sân chơi")
    assert edit_page.xpath("//select[@name='capacity']/option[@selected]/@value") == [""]
    changed = _draft_form(
        world,
        subject="Kế hoạch tổ chức Hội khỏe Phù Đổng cấp quận (sửa)",
        agency_codes="000.00.00.H29",
        note="Sửa theo góp ý của tổ văn phòng",
    )
    saved = _post_draft(staff, f"/outgoing/{doc.id}/edit", changed)
    assert saved.status_code == 302
    doc = _reload(OutgoingDocument, doc.id)
    assert (doc.version, len(doc.attachments)) == (2, 1)
    page = _page(staff.get(f"/outgoing/{doc.id}"))
    assert page.xpath("//a[contains(@class, 'compare-link')]/@href") == [
        f"/outgoing/{doc.id}/versions/compare?old=1&new=2"
    ]
    compared = staff.get(f"/outgoing/{doc.id}/versions/compare?old=1&new=2")
    assert compared.status_code == 200
    inserted = _page(compared).xpath("//table[@id='changes']//ins/text()")
    assert "(sửa)" in " ".join(inserted)


def test_a_bad_draft_is_refused_in_place_in_vietnamese_and_nothing_is_saved(app, world):
    staff = _web(app, world.district.staff)
    empty = _post_draft(
        staff,
        "/outgoing/new",
        _draft_form(world, subject="  ", document_type_id="0"),
        [(factories.pdf_bytes(), "kem-theo.pdf")],
    )
    assert empty.status_code == 422
    text = _text(empty)
    assert "Vui lòng nhập trích yếu." in text and "Vui lòng chọn tên loại văn bản." in text
    assert "trình duyệt không giữ tệp đã chọn" in text
    assert "Hiệu trưởng các trường tiểu học" in text  # what was typed is still there

    unknown = _post_draft(staff, "/outgoing/new", _draft_form(world, agency_codes="999.99.99.H99"))
    assert unknown.status_code == 422
    page = _page(unknown)
    [error] = page.xpath("//div[@id='recipients']//div[contains(@class, 'recipient-error')]")
    assert "999.99.99.H99" in error.text_content() and "danh bạ" in error.text_content()
    assert page.xpath("//textarea[@name='agency_codes']")[0].text_content().strip() == (
        "999.99.99.H99"
    )
    assert _count(OutgoingDocument) == 0


def test_a_body_with_formatting_is_kept_read_only_until_replaced(app, world):
    rich = (
        "<p><strong>Điều 1.</strong> Ban hành kèm theo</p>"
        "<table><tbody><tr><td>Mục</td></tr></tbody></table>"
    )
    district = world.district
    doc = drafting.create_draft(
        district.staff, factories.outgoing_plan(world, world.school_a, body_html=rich)
    )
    staff = _web(app, district.staff)
    edit_page = _page(staff.get(f"/outgoing/{doc.id}/edit"))
    [shown] = edit_page.xpath("//div[@id='rich-body']")
    assert shown.xpath(".//strong/text()") == ["Điều 1."]
    assert edit_page.xpath("//textarea[@name='body_text']")[0].text_content().strip() == ""

    url = f"/outgoing/{doc.id}/edit"
    form = _draft_form(world, member_org_ids=[str(world.school_a.org.id)])
    assert _post_draft(staff, url, form).status_code == 302
    assert _reload(OutgoingDocument, doc.id).body_html == rich  # kept, not flattened

    emptied = _post_draft(staff, url, {**form, "replace_body": "y", "body_text": ""})
    assert emptied.status_code == 422
    assert "Vui lòng nhập nội dung mới" in _text(emptied)
    replaced = _post_draft(staff, url, {**form, "replace_body": "y", "body_text": "Nội dung mới."})
    assert replaced.status_code == 302
    doc = _reload(OutgoingDocument, doc.id)
    assert (doc.body_html, doc.version) == ("<p>Nội dung mới.</p>", 3)
    assert not _page(staff.get(url)).xpath("//div[@id='rich-body']")


# Review, signing and the PDFs ---------------------------------------------------------


def test_the_buttons_follow_who_may_act_and_take_the_draft_to_signing(app, office):
    world, _ = office
    district = world.district
    doc = drafting.create_draft(district.staff, factories.outgoing_plan(world, world.school_a))
    staff, clerk, leader = (_web(app, u) for u in (district.staff, district.clerk, district.leader))

    assert _steps(staff, doc.id) == {"submit", "discard"}
    assert clerk.get(f"/outgoing/{doc.id}").status_code == 404  # a draft is its drafter's
    assert _steps(leader, doc.id) == set()  # a leader sees it, has nothing to do yet
    refused = clerk.post(f"/outgoing/{doc.id}/steps/submit", data={})
    assert refused.status_code == 404

    assert staff.post(f"/outgoing/{doc.id}/steps/submit", data={}).status_code == 302
    assert _steps(staff, doc.id) == set()
    assert _steps(clerk, doc.id) == {"approve", "send_back"}
    assert "sign" not in _steps(leader, doc.id)  # the clerk's check comes first
    waiting = _page(clerk.get("/outgoing?tab=waiting"))
    assert waiting.xpath("//a[@data-tab='waiting']//span/@data-count") == ["1"]
    assert waiting.xpath(f"//table[@id='outgoing-list']//a[@href='/outgoing/{doc.id}']")

    no_reason = clerk.post(f"/outgoing/{doc.id}/steps/send_back", data={"send_back-reason": ""})
    assert no_reason.status_code == 422
    assert "Vui lòng ghi ý kiến trả lại." in _text(no_reason)
    assert _reload(OutgoingDocument, doc.id).state == "in_review"

    approved = clerk.post(
        f"/outgoing/{doc.id}/steps/approve", data={"approve-note": "Thể thức đạt."}
    )
    assert approved.status_code == 302
    assert _steps(clerk, doc.id) == set()
    assert {"sign", "send_back", "reject"} == _steps(leader, doc.id)

    preview = leader.get(f"/outgoing/{doc.id}/preview.pdf")
    assert preview.status_code == 200 and preview.mimetype == "application/pdf"
    assert preview.data.startswith(b"%PDF")
    assert preview.headers["Content-Disposition"].startswith("inline")

    signed = leader.post(f"/outgoing/{doc.id}/steps/sign", data={"sign-note": "Đồng ý."})
    assert signed.status_code == 302
    doc = _reload(OutgoingDocument, doc.id)
    assert (doc.state, doc.symbol) == ("issued", "01/KH-GDĐT")
    page = leader.get(f"/outgoing/{doc.id}")
    text = _text(page)
    assert "Đã ký ban hành: số 01/KH-GDĐT, ngày 25/09/2026." in text
    assert "Kế hoạch số 01/KH-GDĐT, ngày 25/09/2026" in text
    stages = _page(page).xpath("//div[@data-round='1']//li")
    assert ["Đồng ý" in stages[0].text_content(), "Đã ký ban hành" in stages[1].text_content()] == [
        True,
        True,
    ]
    assert "Thể thức đạt." in stages[0].text_content()
    assert _steps(leader, doc.id) == {"recall"}
    assert _steps(staff, doc.id) == set()


def test_signing_without_a_certificate_is_refused_on_the_page(app, world):
    district = world.district
    doc = drafting.create_draft(district.staff, factories.outgoing_plan(world, world.school_a))
    review.submit(district.staff, doc.id)
    review.approve(district.clerk, doc.id)
    leader = _web(app, district.leader)
    refused = leader.post(f"/outgoing/{doc.id}/steps/sign", data={})
    assert refused.status_code == 422
    assert "chưa có chứng thư số" in _text(refused)
    assert _reload(OutgoingDocument, doc.id).number is None


def test_the_signed_pdf_downloads_once_the_publishing_job_has_run(app, office):
    world, _ = office
    doc = _issue(world, world.school_a)
    leader = _web(app, world.district.leader)
    before = _page(leader.get(f"/outgoing/{doc.id}"))
    assert not before.xpath("//a[@id='signed-link']") and before.xpath("//div[@id='publishing']")
    assert leader.get(f"/outgoing/{doc.id}/signed.pdf").status_code == 404

    runner().work_burst()
    doc = _reload(OutgoingDocument, doc.id)
    page = _page(leader.get(f"/outgoing/{doc.id}"))
    assert page.xpath("//a[@id='signed-link']/@href") == [f"/outgoing/{doc.id}/signed.pdf"]
    download = leader.get(f"/outgoing/{doc.id}/signed.pdf")
    assert download.status_code == 200 and download.data.startswith(b"%PDF")
    assert download.data == file_store().read(doc.signed_file.sha256)
    assert "01-KH-GD%C4%90T.pdf" in download.headers["Content-Disposition"]
    [row] = page.xpath("//table//tr[@data-status]")
    assert row.get("data-status") == "01" and "Đã đến" in row.text_content()

    issued = _page(leader.get("/outgoing?tab=issued"))
    cells = [c.text_content().strip() for c in issued.xpath("//table[@id='outgoing-list']//td")]
    assert cells[:2] == ["01/KH-GDĐT", "25/09/2026"]


# The recipient's inbox ----------------------------------------------------------------


def test_the_school_clerk_registers_one_delivery_and_another_school_refuses_its_own(app, office):
    world, _ = office
    doc = _issue(world, world.school_a, world.school_b)
    runner().work_burst()

    clerk_a = _web(app, world.school_a.clerk)
    register_page = _page(clerk_a.get("/incoming"))
    assert register_page.xpath("//nav//a[@href='/outgoing/inbox']")  # in the clerk's menu
    assert register_page.xpath("//div[@id='inbox-link']/a/text()") == [
        "1 văn bản điện tử chờ vào sổ"
    ]
    inbox = _page(clerk_a.get("/outgoing/inbox"))
    [row] = inbox.xpath("//table[@id='inbox']/tbody/tr[@data-delivery]")
    assert "01/KH-GDĐT" in row.text_content() and world.district.org.name in row.text_content()
    delivery_id = int(row.get("data-delivery"))
    arrived = clerk_a.get(f"/outgoing/inbox/{delivery_id}/document.pdf")
    assert arrived.data.startswith(b"%PDF")

    registered = clerk_a.post(f"/outgoing/inbox/{delivery_id}/register", data={})
    assert registered.status_code == 302
    incoming = db.session.scalars(
        select(IncomingDocument).where(IncomingDocument.org_id == world.school_a.org.id)
    ).one()
    assert registered.headers["Location"].endswith(f"/incoming/{incoming.id}")
    landing = _text(clerk_a.get(registered.headers["Location"]))
    assert f"Đã vào sổ: số đến {incoming.arrival_number}, ngày 25/09/2026." in landing
    assert _reload(Delivery, delivery_id).status == "03"
    assert not _page(clerk_a.get("/incoming")).xpath("//div[@id='inbox-link']")

    clerk_b = _web(app, world.school_b.clerk)
    [row_b] = _page(clerk_b.get("/outgoing/inbox")).xpath("//tr[@data-delivery]")
    other = int(row_b.get("data-delivery"))
    assert clerk_b.post(f"/outgoing/inbox/{delivery_id}/register", data={}).status_code == 404
    short = clerk_b.post(f"/outgoing/inbox/{other}/reject", data={f"reject-{other}-reason": "sai"})
    assert short.status_code == 422
    assert "ít nhất 5 ký tự" in _text(short)
    assert _reload(Delivery, other).status == "01"
    refused = clerk_b.post(
        f"/outgoing/inbox/{other}/reject",
        data={f"reject-{other}-reason": "Gửi nhầm trường, đề nghị kiểm tra lại."},
    )
    assert refused.status_code == 302
    assert _reload(Delivery, other).status == "02"

    leader = _web(app, world.district.leader)
    rows = _page(leader.get(f"/outgoing/{doc.id}")).xpath("//table//tr[@data-status]")
    assert sorted(r.get("data-status") for r in rows) == ["02", "03"]
    assert "Gửi nhầm trường" in " ".join(r.text_content() for r in rows)
    school_staff = _web(app, world.school_a.staff)
    assert school_staff.get("/outgoing/inbox").status_code == 403
    menu = _page(school_staff.get("/incoming")).xpath("//nav//a/@href")
    assert "/outgoing" in menu and "/outgoing/inbox" not in menu


# Replies ------------------------------------------------------------------------------


def test_the_lead_handler_drafts_a_reply_from_the_incoming_page(app, world):
    district = world.district
    incoming = factories.register(
        district.clerk,
        sender_name=world.school_a.org.name,
        sender_org_id=world.school_a.org.id,
        symbol="12/THLL-VP",
    )
    processing.present(district.clerk, incoming.id, presented_to=district.leader.id)
    reply_link = f"/outgoing/new?reply_to={incoming.id}"
    leader = _web(app, district.leader)
    assert not _page(leader.get(f"/incoming/{incoming.id}")).xpath(f"//a[@href='{reply_link}']")
    processing.assign(district.leader, incoming.id, Party(user_id=district.staff.id))

    staff = _web(app, district.staff)
    assert _page(staff.get(f"/incoming/{incoming.id}")).xpath(f"//a[@href='{reply_link}']")
    form = _page(staff.get(reply_link))
    assert form.xpath("//input[@name='reply_to_id']/@value") == [str(incoming.id)]
    assert form.xpath("//input[@name='completes_reply']/@checked")
    assert form.xpath("//select[@name='member_org_ids']/optgroup/option[@selected]/@value") == [
        str(world.school_a.org.id)
    ]
    subject = form.xpath("//textarea[@name='subject']")[0].text_content()
    assert "12/THLL-VP" in subject

    data = _draft_form(
        world,
        document_type_id=str(factories.type_id("Công văn")),
        subject=subject.strip(),
        member_org_ids=[str(world.school_a.org.id)],
        text_recipients="",
        reply_to_id=str(incoming.id),
        completes_reply="y",
    )
    assert _post_draft(staff, "/outgoing/new", data).status_code == 302
    reply = db.session.scalars(select(OutgoingDocument)).one()
    assert (reply.reply_to_id, reply.completes_reply) == (incoming.id, True)
    assert f"/incoming/{incoming.id}" in _page(staff.get(f"/outgoing/{reply.id}")).xpath(
        "//a/@href"
    )


# Access -------------------------------------------------------------------------------


def test_who_sees_which_outgoing_document(app, world):
    district = world.district
    other_staff = factories.make_user(
        district.org, "chuyenvien2@pgdthu.hcm.edu.vn", ["staff"], "Đỗ Chuyên Viên", district.unit
    )
    db.session.commit()
    doc = drafting.create_draft(district.staff, factories.outgoing_plan(world, world.school_a))

    assert _web(app, world.school_a.leader).get(f"/outgoing/{doc.id}").status_code == 404
    assert _web(app, world.school_a.staff).get(f"/outgoing/{doc.id}/preview.pdf").status_code == 404
    colleague = _web(app, other_staff)
    assert colleague.get(f"/outgoing/{doc.id}").status_code == 404
    assert colleague.get(f"/outgoing/{doc.id}/edit").status_code == 404
    listing = _page(colleague.get("/outgoing?tab=drafts"))
    assert not listing.xpath(f"//a[@href='/outgoing/{doc.id}']")
    assert "Bạn chưa có dự thảo nào" in listing.text_content()

    owner = _web(app, district.staff)
    mine = _page(owner.get("/outgoing"))
    assert mine.xpath("//a[contains(@class, 'active')]/@data-tab") == ["drafts"]
    assert mine.xpath(f"//table[@id='outgoing-list']//a[@href='/outgoing/{doc.id}']")

    # The leader sees the draft but may not edit it; once submitted the drafter may not either.
    leader = _web(app, district.leader)
    assert leader.get(f"/outgoing/{doc.id}").status_code == 200
    assert leader.get(f"/outgoing/{doc.id}/edit").status_code == 403
    review.submit(district.staff, doc.id)
    moved_on = owner.get(f"/outgoing/{doc.id}/edit")
    assert moved_on.status_code == 302
    assert moved_on.headers["Location"].endswith(f"/outgoing/{doc.id}")
    late = _post_draft(owner, f"/outgoing/{doc.id}/edit", _draft_form(world))
    assert late.status_code == 302
    assert "chỉ sửa được khi là dự thảo" in _text(owner.get(moved_on.headers["Location"]))
    assert _count(OutgoingVersion) == 1


def _tab(client, url: str) -> tuple[list[int], dict[str, str], lxml.html.HtmlElement]:
    """The documents a tab lists (ids in order), its page links, and the page."""
    page = _page(client.get(url))
    ids = [
        int(href.rsplit("/", 1)[1])
        for href in page.xpath("//table[@id='outgoing-list']//td[1]/a/@href")
    ]
    links = {
        a.text_content().strip(): a.get("href")
        for a in page.xpath("//nav[contains(@class, 'keyset-pager')]//a")
    }
    return ids, links, page


def _walk(client, url: str) -> list[list[int]]:
    """Every page of a tab, following "Trang sau ›"."""
    pages = []
    while url:
        ids, links, _ = _tab(client, url)
        pages.append(ids)
        url = links.get("Trang sau ›")
    return pages


def test_the_tabs_page_by_cursor_and_refuse_a_foreign_cursor(app, office):
    world, _ = office
    district = world.district
    app.config["PAGE_SIZE"] = 2
    drafts = [
        drafting.create_draft(
            district.staff,
            factories.outgoing_plan(
                world, world.school_a, urgency_code="urgent" if n == 2 else "normal"
            ),
        ).id
        for n in range(5)
    ]
    for doc_id in drafts[:3]:
        review.submit(district.staff, doc_id)
    issued = [_issue(world, world.school_a).id for _ in range(3)]
    staff, clerk = _web(app, district.staff), _web(app, district.clerk)

    # Drafts: last touched first (one clock: the newest id first), two to a page.
    own = _walk(staff, "/outgoing?tab=drafts")
    assert own == [[drafts[4], drafts[3]], [drafts[2], drafts[1]], [drafts[0]]]
    # Waiting for the clerk's check: the urgent one first, then the oldest.
    waiting = _walk(clerk, "/outgoing?tab=waiting")
    assert waiting == [[drafts[2], drafts[0]], [drafts[1]]]
    _ids, links, page = _tab(clerk, "/outgoing?tab=waiting")
    assert page.xpath("//a[@data-tab='waiting']//span/@data-count") == ["3"]
    second_ids, second_links, _ = _tab(clerk, links["Trang sau ›"])
    assert second_ids == [drafts[1]]
    back_ids, back_links, _ = _tab(clerk, second_links["‹ Trang trước"])
    assert back_ids == [drafts[2], drafts[0]] and "‹ Trang trước" not in back_links
    # Issued: newest first.
    assert _walk(clerk, "/outgoing?tab=issued") == [[issued[2], issued[1]], [issued[0]]]

    # A cursor of the drafts tab is not one of the issued tab's: the first page, said so.
    _ids, draft_links, _ = _tab(staff, "/outgoing?tab=drafts")
    foreign = parse_qs(urlsplit(draft_links["Trang sau ›"]).query)["cursor"][0]
    refused_ids, _links, refused = _tab(clerk, f"/outgoing?tab=issued&cursor={foreign}")
    assert refused_ids == [issued[2], issued[1]]
    assert BAD_CURSOR in refused.text_content()


def test_a_deputy_signing_for_the_head_sees_what_waits_for_the_signature(app, office):
    """The waiting tab reads the running delegations once, not once per document."""
    world, _ = office
    district = world.district
    deputy = factories.make_user(
        district.org, "photruongphong@pgdthu.hcm.edu.vn", ["deputy"], "Võ Phó Trưởng Phòng"
    )
    db.session.commit()
    add_delegation(
        district.admin,
        district.org.id,
        DelegationInput(district.leader.id, deputy.id, "KT", date(2026, 9, 1), date(2026, 9, 30)),
    )
    at_signing = []
    for _ in range(2):
        doc = drafting.create_draft(district.staff, factories.outgoing_plan(world, world.school_a))
        review.submit(district.staff, doc.id)
        review.approve(district.clerk, doc.id)
        at_signing.append(doc.id)
    still_checked = drafting.create_draft(
        district.staff, factories.outgoing_plan(world, world.school_a)
    )
    review.submit(district.staff, still_checked.id)
    ids = _tab(_web(app, deputy), "/outgoing?tab=waiting")[0]
    assert ids == at_signing
    assert ids == [d.id for d in queries.awaiting_me(deputy)]
    assert _tab(_web(app, district.leader), "/outgoing?tab=waiting")[0] == at_signing
    assert _tab(_web(app, district.staff), "/outgoing?tab=waiting")[0] == []


@pytest.mark.parametrize(
    "typed",
    [
        "Một đoạn.\nDòng thứ hai của đoạn.\n\nĐoạn sau có dấu \"ngoặc\" & <thẻ> 'đơn'.",
        "Nhiệm vụ:\n\n- Gửi kế hoạch;\n+ trước 04/10;\n+ bằng thư điện tử;\n- Báo cáo.",
        "1. Thứ nhất\n2. Thứ hai\n\nKết luận.",
        "",
    ],
)
def test_a_typed_body_comes_back_as_typed(typed):
    html = plain_to_html(typed)
    assert editable_text(html) == typed
    assert plain_to_html(editable_text(html)) == html


@pytest.mark.parametrize(
    "html",
    [
        "<p><strong>Đậm</strong></p>",
        "<table><tbody><tr><td>Ô</td></tr></tbody></table>",
        "<p>Hai</p>\n<p>đoạn xuống dòng giữa các thẻ</p>",
        "<ul><li>Một</li></ul><ul><li>Hai danh sách liền nhau</li></ul>",
        "<h3>Tiêu đề</h3>",
    ],
)
def test_a_formatted_body_is_not_offered_as_plain_text(html):
    assert editable_text(html) is None


def test_a_replacement_is_drafted_from_the_issued_document_and_links_to_it(app, office):
    world, _ = office
    district = world.district
    old = drafting.create_draft(district.staff, factories.outgoing_plan(world, world.school_a))
    review.submit(district.staff, old.id)
    review.approve(district.clerk, old.id)
    issuing.sign(district.leader, old.id)
    client = app.test_client()
    factories.login(client, district.staff)
    detail = lxml.html.fromstring(client.get(f"/outgoing/{old.id}").data)
    [link] = detail.xpath("//a[@id='replace-link']/@href")
    page = client.get(link)
    form = lxml.html.fromstring(page.data)
    assert form.xpath("//div[@id='replaces']//a")[0].text_content().strip() == "01/KH-GDĐT"
    values = {
        field.name: field.value
        for field in form.xpath("//form[@id='outgoing-form']//*[@name]")
        if field.tag != "select" and field.get("type") not in ("file", "checkbox")
    }
    assert "Triển khai đồng bộ các phần mềm quản lý." in values["body_text"]
    values["subject"] = "Kế hoạch ứng dụng CNTT năm học 2026 - 2027 (thay thế)"
    values["document_type_id"] = str(old.document_type_id)
    values["signer_id"] = str(district.leader.id)
    values["member_org_ids"] = str(world.school_a.org.id)
    values["urgency_code"] = "normal"
    values["confidentiality_code"] = "normal"
    saved = client.post("/outgoing/new", data=values)
    assert saved.status_code == 302, saved.get_data(as_text=True)[:2000]
    new = db.session.scalars(
        select(OutgoingDocument).where(OutgoingDocument.replaces_id == old.id)
    ).one()
    assert new.state == "draft" and new.subject.endswith("(thay thế)")


def test_a_whole_level_of_schools_is_chosen_with_one_tick(app, world):
    another_primary = factories.make_school(
        "Trường Tiểu học Hòa Bình", "primary", "THHB", "004.01.31.H29", "thhoabinh.hcm.edu.vn"
    )
    db.session.commit()
    client = _web(app, world.district.staff)
    data = _draft_form(
        world, member_org_ids=[str(world.school_b.org.id)], member_groups=["primary"]
    )
    assert _post_draft(client, "/outgoing/new", data).status_code == 302
    doc = db.session.scalars(select(OutgoingDocument)).one()
    assert {r.org_id for r in doc.recipients if r.kind == "member"} == {
        world.school_a.org.id,  # a primary school
        another_primary.org.id,  # a primary school
        world.school_b.org.id,  # chosen one by one
    }
