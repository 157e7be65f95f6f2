"""Văn bản đi from draft to delivery: the review chain, signing (number, symbol, the signed
PDF), delivery to three schools and their statuses coming back, recall, and bad input."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from eoffice.catalog.models import RegisterBook
from eoffice.core import timeutil
from eoffice.core.audit import history
from eoffice.core.errors import Conflict, Forbidden, ValidationFailed
from eoffice.extensions import db
from eoffice.incoming import processing
from eoffice.incoming.models import IncomingDocument
from eoffice.incoming.processing import Party
from eoffice.jobs.connection import runner
from eoffice.outgoing import delivery, drafting, issuing, recall, review
from eoffice.outgoing.drafting import RecipientInput
from eoffice.outgoing.models import Delivery, OutgoingDocument
from eoffice.signing.pdfsign import validate_pdf
from tests import factories
from tests.pdftext import pdf_text

NOW = datetime(2026, 9, 25, 2, 0, tzinfo=UTC)  # Friday 25/09/2026, 09:00 office time


@pytest.fixture(autouse=True)
def fixed_clock(app):
    timeutil.set_clock(lambda: NOW)
    yield
    timeutil.set_clock(None)


@pytest.fixture(autouse=True)
def empty_queues(app):
    runner().connection.flushall()


def _issue(world, *schools, **overrides) -> OutgoingDocument:
    district = world.district
    doc = drafting.create_draft(
        district.staff, factories.outgoing_plan(world, *schools, **overrides)
    )
    review.submit(district.staff, doc.id)
    review.approve(district.clerk, doc.id, "Thể thức đạt.")
    return issuing.sign(district.leader, doc.id)


def _reload(model, row_id):
    db.session.expire_all()
    return db.session.get(model, row_id)


def test_a_plan_goes_through_the_chain_and_is_issued_signed_and_delivered(office, test_ca):
    world, _school_c = office
    district = world.district
    doc = drafting.create_draft(district.staff, factories.outgoing_plan(world, world.school_a))
    assert (doc.state, doc.number, doc.version) == ("draft", None, 1)

    review.submit(district.staff, doc.id)
    assert [r.label for r in doc.reviews] == [
        "Văn thư kiểm tra thể thức",  # the unit has no head: that check is skipped
        f"Ký ban hành: {district.leader.full_name}",
    ]
    with pytest.raises(Forbidden):  # not yet at the signing stage
        issuing.sign(district.leader, doc.id)
    with pytest.raises(Forbidden):  # the check belongs to the clerk
        review.approve(district.staff, doc.id)
    review.approve(district.clerk, doc.id, "Thể thức đạt.")
    issuing.sign(district.leader, doc.id, "Đồng ý ban hành.")

    doc = _reload(OutgoingDocument, doc.id)
    assert (doc.state, doc.number, doc.symbol) == ("issued", 1, "01/KH-GDĐT")
    assert doc.document_date.isoformat() == "2026-09-25"
    assert [e.action for e in history("outgoing", doc.id)] == [
        "drafted",
        "submitted",
        "approved",
        "signed",
    ]
    runner().work_burst()  # the publishing job: PDF, two signatures, delivery

    doc = _reload(OutgoingDocument, doc.id)
    from eoffice.incoming.attachments import file_store

    signed = file_store().read(doc.signed_file.sha256)
    reports = validate_pdf(signed, [test_ca.certificate_pem])
    assert [(r.verdict, r.signer_cn) for r in reports] == [
        ("valid", district.leader.full_name),
        ("valid", district.org.name),
    ]
    text = pdf_text(signed)
    assert "Số: 01/KH-GDĐT" in text and "Quận Thử, ngày 25 tháng 9 năm 2026" in text
    assert "KẾ HOẠCH" in text and district.leader.full_name in text
    [sent] = doc.deliveries
    assert (sent.recipient_org_id, sent.status) == (world.school_a.org.id, "01")


def test_three_schools_receive_register_and_report_back(office):
    world, school_c = office
    doc = _issue(world, world.school_a, world.school_b, school_c)
    runner().work_burst()
    doc = _reload(OutgoingDocument, doc.id)
    assert sorted(d.status for d in doc.deliveries) == ["01", "01", "01"]

    school = world.school_a
    [waiting] = delivery.inbox(school.clerk)
    assert delivery.inbox(world.school_b.staff) == []  # not a clerk's
    incoming = delivery.register_delivery(school.clerk, waiting.id)
    assert incoming.page_count == _reload(OutgoingDocument, doc.id).page_count >= 1
    assert (incoming.source, incoming.symbol, incoming.sender_org_id) == (
        "internal",
        "01/KH-GDĐT",
        world.district.org.id,
    )
    assert [a.original_name for a in incoming.attachments] == ["01-KH-GDĐT.pdf"]
    assert _reload(Delivery, waiting.id).status == "03"
    assert delivery.inbox(school.clerk) == []

    processing.present(school.clerk, incoming.id, presented_to=school.leader.id)
    assert _reload(Delivery, waiting.id).status == "03"  # presenting reports nothing new
    processing.assign(school.leader, incoming.id, Party(user_id=school.staff.id))
    assert _reload(Delivery, waiting.id).status == "04"
    processing.start(school.staff, incoming.id)
    assert _reload(Delivery, waiting.id).status == "05"

    refusing = next(
        d
        for d in _reload(OutgoingDocument, doc.id).deliveries
        if d.recipient_org_id == world.school_b.org.id
    )
    with pytest.raises(ValidationFailed):
        delivery.reject_delivery(world.school_b.clerk, refusing.id, "nhầm")
    delivery.reject_delivery(
        world.school_b.clerk, refusing.id, "Gửi nhầm trường, đề nghị kiểm tra."
    )
    statuses = {d.recipient_org_id: d.status for d in _reload(OutgoingDocument, doc.id).deliveries}
    assert statuses == {
        world.school_a.org.id: "05",
        world.school_b.org.id: "02",
        school_c.org.id: "01",
    }


def test_recall_withdraws_every_copy_delivered_inside(office):
    world, _school_c = office
    doc = _issue(world, world.school_a, world.school_b)
    runner().work_burst()
    waiting = delivery.inbox(world.school_a.clerk)[0]
    incoming = delivery.register_delivery(world.school_a.clerk, waiting.id)

    with pytest.raises(Forbidden):  # staff may not recall
        recall.recall(world.district.staff, doc.id, "Ban hành nhầm")
    recall.recall(world.district.leader, doc.id, "Ban hành nhầm đối tượng")
    doc = _reload(OutgoingDocument, doc.id)
    assert doc.state == "recalled" and {d.status for d in doc.deliveries} == {"13"}
    incoming = _reload(IncomingDocument, incoming.id)
    assert incoming.state == "cancelled"
    assert "Thu hồi theo văn bản 01/KH-GDĐT" in incoming.cancel_reason
    assert history("incoming", incoming.id)[-1].action == "withdrawn"
    assert delivery.inbox(world.school_b.clerk) == []  # the other copy is gone too


def test_numbers_run_per_book_and_year_with_a_separate_secret_series(office):
    world, _ = office
    first = _issue(world, world.school_a)
    secret = _issue(world, world.school_a, confidentiality_code="secret")
    letter = _issue(
        world,
        world.school_a,
        document_type_id=factories.type_id("Công văn"),
        symbol_unit="TTTT",
        subject="Về việc rà soát thiết bị",
    )
    assert [d.symbol for d in (first, secret, letter)] == [
        "01/KH-GDĐT",
        "01/KH-GDĐT",  # the secret book counts on its own (NĐ 30 Đ15.2)
        "02/GDĐT-TTTT",
    ]
    books = {
        b.code: b.last_number
        for b in db.session.scalars(
            select(RegisterBook).where(
                RegisterBook.direction == "outgoing", RegisterBook.org_id == world.district.org.id
            )
        )
    }
    assert books == {"general": 2, "confidential": 1}


def test_signing_without_certificates_takes_no_number(world):
    district = world.district
    doc = drafting.create_draft(district.staff, factories.outgoing_plan(world, world.school_a))
    review.submit(district.staff, doc.id)
    review.approve(district.clerk, doc.id)
    with pytest.raises(ValidationFailed) as caught:
        issuing.sign(district.leader, doc.id)
    assert "chưa có chứng thư số" in caught.value.message
    doc = _reload(OutgoingDocument, doc.id)
    assert (doc.state, doc.number) == ("in_review", None)
    books = select(RegisterBook).where(RegisterBook.direction == "outgoing")
    assert all(book.last_number == 0 for book in db.session.scalars(books))


def test_bad_drafts_are_refused_whole(world):
    district = world.district
    with pytest.raises(ValidationFailed) as caught:
        drafting.create_draft(
            district.staff,
            factories.outgoing_plan(
                world,
                world.school_a,
                subject="  ",
                signer_id=district.staff.id,
                recipients=[RecipientInput("external", agency_code="999.99.99.H99")],
            ),
        )
    assert set(caught.value.field_errors) == {"subject", "signer_id", "recipients"}
    assert "999.99.99.H99" in caught.value.field_errors["recipients"]
    assert db.session.scalars(select(OutgoingDocument)).all() == []

    no_signer = drafting.create_draft(
        district.staff, factories.outgoing_plan(world, world.school_a, signer_id=None)
    )
    with pytest.raises(Forbidden) as refused:
        review.submit(district.staff, no_signer.id)
    assert "chưa chọn người ký" in refused.value.message


def test_send_back_returns_the_draft_and_a_new_version_starts_a_new_round(office):
    world, _ = office
    district = world.district
    doc = drafting.create_draft(district.staff, factories.outgoing_plan(world, world.school_a))
    review.submit(district.staff, doc.id)
    review.send_back(district.clerk, doc.id, "Sửa thể thức phần Nơi nhận.")
    doc = _reload(OutgoingDocument, doc.id)
    assert (doc.state, doc.state_reason) == ("draft", "Sửa thể thức phần Nơi nhận.")
    data = drafting.draft_input_from(doc)
    data.subject = "Kế hoạch ứng dụng CNTT năm học 2026 - 2027 (sửa)"
    drafting.update_draft(district.staff, doc.id, data, note="Đã sửa theo ý kiến văn thư")
    review.submit(district.staff, doc.id)
    doc = _reload(OutgoingDocument, doc.id)
    assert (doc.version, doc.review_round) == (2, 2)
    decisions = [(r.round, r.decision) for r in doc.reviews]
    assert decisions == [(1, "sent_back"), (1, "not_reached"), (2, None), (2, None)]


def test_a_reply_starts_from_the_incoming_document_and_completes_it_when_issued(office):
    world, _ = office
    district = world.district
    incoming = factories.register(
        district.clerk,
        sender_name=world.school_a.org.name,
        sender_org_id=world.school_a.org.id,
        symbol="12/THLL-VP",
    )
    processing.present(district.clerk, incoming.id, presented_to=district.leader.id)
    processing.assign(district.leader, incoming.id, Party(user_id=district.staff.id))

    data = drafting.reply_input(district.staff, incoming.id)
    assert data.reply_to_id == incoming.id and data.completes_reply
    assert [(r.kind, r.org_id) for r in data.recipients] == [("member", world.school_a.org.id)]
    data.signer_id = district.leader.id
    data.body_text = "Phòng Giáo dục và Đào tạo đã nhận báo cáo của nhà trường."
    reply = drafting.create_draft(district.staff, data)
    review.submit(district.staff, reply.id)
    review.approve(district.clerk, reply.id)
    issuing.sign(district.leader, reply.id)

    answered = _reload(IncomingDocument, incoming.id)
    assert (answered.state, answered.reply_reference) == ("completed", "01/GDĐT-VP")
    lead = next(p for p in answered.assignments if p.kind == "lead")
    assert lead.result == "Đã trả lời bằng văn bản số 01/GDĐT-VP."


def test_each_step_tells_the_next_person(office):
    from eoffice.notifications.models import Notification, NotificationKind

    def told(user, kind):
        query = select(Notification.title).where(
            Notification.user_id == user.id, Notification.kind == kind
        )
        return list(db.session.scalars(query))

    world, _ = office
    district = world.district
    doc = drafting.create_draft(district.staff, factories.outgoing_plan(world, world.school_a))
    review.submit(district.staff, doc.id)
    assert told(district.clerk, NotificationKind.OUTGOING_TO_REVIEW) == [
        "Kế hoạch «Kế hoạch ứng dụng công nghệ thông tin năm học 2026 - 2027» chờ bạn: "
        "Văn thư kiểm tra thể thức"
    ]
    review.approve(district.clerk, doc.id)
    assert len(told(district.leader, NotificationKind.OUTGOING_TO_REVIEW)) == 1
    issuing.sign(district.leader, doc.id)
    assert told(district.staff, NotificationKind.OUTGOING_ISSUED) == [
        "Đã ban hành kế hoạch số 01/KH-GDĐT"
    ]
    runner().work_burst()
    assert told(world.school_a.clerk, NotificationKind.DELIVERY_ARRIVED) == [
        f"Văn bản điện tử mới đến: 01/KH-GDĐT của {district.org.name}"
    ]
    [arrived] = delivery.inbox(world.school_a.clerk)
    delivery.reject_delivery(world.school_a.clerk, arrived.id, "Gửi nhầm trường, xin kiểm tra.")
    [refused] = told(district.staff, NotificationKind.DELIVERY_REJECTED)
    assert refused == f"{world.school_a.org.name} từ chối tiếp nhận văn bản 01/KH-GDĐT"


def test_a_publication_that_never_ran_can_be_requested_again(office, app):
    world, _ = office
    doc = _issue(world, world.school_a)
    runner().connection.flushall()  # the queued job is lost (Redis restarted, say)
    assert issuing.can_republish(world.district.clerk, doc)
    with pytest.raises(Conflict):
        issuing.republish(world.district.staff, doc.id)
    client = app.test_client()
    factories.login(client, world.district.clerk)
    page = client.get(f"/outgoing/{doc.id}").get_data(as_text=True)
    assert "Tạo lại bản ký số và gửi" in page
    assert client.post(f"/outgoing/{doc.id}/republish").status_code == 302
    runner().work_burst()
    doc = _reload(OutgoingDocument, doc.id)
    assert doc.signed_file is not None and len(doc.deliveries) == 1
    assert not issuing.can_republish(world.district.clerk, doc)
    with pytest.raises(Conflict):  # nothing left to do: never signed twice
        issuing.republish(world.district.clerk, doc.id)


def test_the_series_starts_again_at_01_on_the_first_of_january(office):
    world, _ = office
    new_years_eve = datetime(2026, 12, 31, 9, 0, tzinfo=UTC)  # 16:00 office time
    timeutil.set_clock(lambda: new_years_eve)
    last = _issue(world, world.school_a)
    # 17:30 UTC on 31/12 is already 00:30 on 1 January in Hồ Chí Minh City.
    timeutil.set_clock(lambda: datetime(2026, 12, 31, 17, 30, tzinfo=UTC))
    first = _issue(world, world.school_a)
    assert (last.symbol, last.document_date.isoformat()) == ("01/KH-GDĐT", "2026-12-31")
    assert (first.symbol, first.document_date.isoformat()) == ("01/KH-GDĐT", "2027-01-01")
    assert last.register_book.year == 2026 and first.register_book.year == 2027


def test_a_pdf_sent_as_its_own_file_carries_the_organisations_signature(office, test_ca):
    from eoffice.incoming.attachments import Upload, file_store
    from eoffice.incoming.signatures import signature_cards

    world, _ = office
    district = world.district
    appendix = factories.pdf_bytes("Phụ lục: danh sách các trường")
    doc = drafting.create_draft(
        district.staff,
        factories.outgoing_plan(world, world.school_a),
        [Upload("Bảng số liệu.docx", factories.docx_bytes())],
        appendices=[Upload("Phụ lục I.pdf", appendix)],
    )
    review.submit(district.staff, doc.id)
    review.approve(district.clerk, doc.id)
    issuing.sign(district.leader, doc.id)
    runner().work_burst()

    doc = _reload(OutgoingDocument, doc.id)
    by_name = {a.original_name: a for a in doc.attachments}
    assert by_name["Bảng số liệu.docx"].signed_file is None  # only PDFs are signed
    signed = by_name["Phụ lục I.pdf"]
    assert signed.is_appendix and signed.signed_file is not None
    [report] = validate_pdf(file_store().read(signed.signed_file.sha256), [test_ca.certificate_pem])
    assert (report.verdict, report.signer_cn) == ("valid", district.org.name)
    assert "Số: 01/KH-GDĐT" in pdf_text(file_store().read(signed.signed_file.sha256))

    [arrived] = delivery.inbox(world.school_a.clerk)
    incoming = delivery.register_delivery(world.school_a.clerk, arrived.id)
    cards = signature_cards(incoming)
    received = {a.original_name: cards.get(a.id) for a in incoming.attachments}
    assert [r["verdict"] for r in received["Phụ lục I.pdf"]] == ["valid"]
    assert [r["verdict"] for r in received["01-KH-GDĐT.pdf"]] == ["valid", "valid"]
