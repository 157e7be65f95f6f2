"""The whole path of a case file to the office archive and out of it (issue 7): the
yearly list approved, its files opened, documents filed, the files closed, handed over
(frozen from then on) and, once their retention ran out, destroyed by an approved
disposal; every illegal step on the way refused. Plus the archive's pages and PDFs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from flask import current_app
from sqlalchemy import func, select

from eoffice.casefiles import (
    disposal,
    files,
    handover,
    list_files,
    list_headings,
    list_steps,
    retention,
)
from eoffice.casefiles.models import CaseFile, Disposal, FileList, Handover
from eoffice.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from eoffice.core.models import AuditEvent, StoredFile
from eoffice.core.storage import FileStore
from eoffice.extensions import db
from eoffice.incoming.models import IncomingDocument
from tests import factories
from tests.casefile_support import file_outside_list, handled_incoming
from tests.directive_support import moment
from tests.pdftext import pdf_text
from workflows import casefiles as flow
from workflows.engine import Refusal, TransitionRefused, fire

CLOSED_ON = date(2026, 11, 20)  # due 20/11/2027, retention of 10 years to 31/12/2036


@dataclass
class Office:
    school: factories.School
    file_list: FileList
    ten_years: CaseFile  # 01.VP, 10 năm, two documents (3 + 2 pages)
    permanent: CaseFile  # 02.VP, vĩnh viễn, one document
    two_years: CaseFile  # 03.VP, 2 năm: never handed over
    documents: list[IncomingDocument]


def _approved_list(school: factories.School, district_admin) -> tuple[FileList, list[CaseFile]]:
    """The 2026 list made, submitted and approved through the list services, with a
    2-year level an admin added (the decree's tables have short terms too)."""
    with moment(date(2026, 1, 5)):
        retention.add_level(district_admin, years=2)
        file_list = list_steps.create_list(school.clerk, 2026)
        heading = list_headings.add_heading(
            school.clerk, file_list.id, title="Văn phòng", notation="VP"
        )
        planned = [
            list_files.add_planned_file(
                school.clerk,
                file_list.id,
                list_files.PlannedFileInput(
                    title=title, heading_id=heading.id, retention_code=code, keeper_id=keeper
                ),
            )
            for title, code, keeper in (
                ("Hồ sơ tổ chức Hội khỏe Phù Đổng cấp trường", "10", school.staff.id),
                ("Hồ sơ kế hoạch năm học 2026 - 2027", "vinh_vien", school.staff.id),
                ("Sổ theo dõi mượn trả thiết bị", "2", school.staff.id),
            )
        ]
        list_steps.submit_list(school.clerk, file_list.id)
        list_steps.approve_list(
            school.leader, file_list.id, "Quyết định số 01/QĐ-THLL ngày 05/01/2026"
        )
    return file_list, planned


@pytest.fixture
def office(world) -> Office:
    """School A's three planned files opened by their keeper, filled and closed on
    20/11/2026."""
    school = world.school_a
    file_list, (ten, permanent, two) = _approved_list(school, world.district.admin)
    assert file_list.state == flow.LIST_APPROVED
    assert [f.code for f in (ten, permanent, two)] == ["01.VP", "02.VP", "03.VP"]
    with moment(date(2026, 10, 5)):
        documents = [
            handled_incoming(school, document_date=date(2026, 9, 19), page_count=3),
            handled_incoming(
                school, subject="Về việc thi đấu thể thao", document_date=date(2026, 10, 2)
            ),
            handled_incoming(school, subject="Về kế hoạch năm học", document_date=date(2026, 9, 5)),
            handled_incoming(school, subject="Về thiết bị dạy học", document_date=date(2026, 9, 8)),
        ]
        files.open_file(school.staff, ten.id)
        assert db.session.get(CaseFile, ten.id).state == flow.OPEN
        files.add_documents(school.staff, ten.id, incoming_ids=[documents[0].id, documents[1].id])
        files.add_documents(school.staff, permanent.id, incoming_ids=[documents[2].id])
        files.add_documents(school.staff, two.id, incoming_ids=[documents[3].id])
    with moment(CLOSED_ON):
        for case_file, code in ((ten, "10"), (permanent, "vinh_vien"), (two, "2")):
            files.close_file(school.staff, case_file.id, code)
    db.session.expire_all()
    return Office(
        school,
        file_list,
        db.session.get(CaseFile, ten.id),
        db.session.get(CaseFile, permanent.id),
        db.session.get(CaseFile, two.id),
        documents,
    )


def _stored_pdf(file_id: int | None) -> bytes:
    stored = db.session.get(StoredFile, file_id)
    assert stored is not None and stored.mime_type == "application/pdf"
    return FileStore(current_app.config["STORAGE_DIR"]).read(stored.sha256)


def _words(pdf: bytes) -> str:
    """The PDF's text with each table cell kept together and whitespace collapsed (a
    header may wrap inside its cell)."""
    return " ".join(pdf_text(pdf, layout=False).split())


def _handovers() -> int:
    return db.session.scalar(select(func.count(Handover.id)))


def test_from_the_approved_list_to_the_archive_every_illegal_step_refused(office):
    school, ten, permanent, two = (
        office.school,
        office.ten_years,
        office.permanent,
        office.two_years,
    )
    assert (ten.handover_due, ten.warn_from) == (date(2027, 11, 20), date(2027, 10, 21))
    assert ten.retention_expires == date(2036, 12, 31)
    assert two.handover_due is None  # kept 2 years: stays with the unit

    with moment(date(2027, 11, 25)):
        rows = handover.due_files(school.clerk)
        assert [(r.file.code, r.due, r.days_left, r.overdue) for r in rows] == [
            ("01.VP", date(2027, 11, 20), -5, True),
            ("02.VP", date(2027, 11, 20), -5, True),
        ]
        with pytest.raises(Forbidden):
            handover.due_files(school.staff)

        # A file still open cannot go, nor one kept 2 years: the whole hand-over is
        # refused, naming the file.
        still_open = file_outside_list(school, "Hồ sơ thi đua khen thưởng", notation="TĐKT")
        with pytest.raises(Conflict, match=r"TĐKT.*Đang lập"):
            handover.hand_over(school.leader, [ten.id, still_open.id], school.clerk.id)
        with pytest.raises(Forbidden, match=r"03\.VP.*5 năm"):
            handover.hand_over(school.leader, [ten.id, two.id], school.clerk.id)
        # Only a clerk or a leader hands over, to a clerk or a leader of the office.
        with pytest.raises(Forbidden, match=r"01\.VP"):
            handover.hand_over(school.staff, [ten.id], school.clerk.id)
        with pytest.raises(ValidationFailed) as refused:
            handover.hand_over(school.leader, [ten.id], school.staff.id)
        assert "received_by" in refused.value.field_errors
        with pytest.raises(ValidationFailed):
            handover.hand_over(school.leader, [], school.clerk.id)
        with pytest.raises(NotFound):  # no such file
            handover.hand_over(school.leader, [ten.id, ten.id + 10_000], school.clerk.id)
        db.session.expire_all()
        assert _handovers() == 0
        assert db.session.get(CaseFile, ten.id).state == flow.CLOSED

        done = handover.hand_over(
            school.leader, [ten.id], school.clerk.id, "Nộp lưu đợt 1 năm 2027"
        )
    assert (done.number, done.year, done.file_count, done.document_count) == (1, 2027, 1, 2)
    db.session.expire_all()
    archived = db.session.get(CaseFile, ten.id)
    assert archived.state == flow.ARCHIVED
    assert archived.handover_id == done.id and archived.archived_at is not None
    assert archived.frozen

    listing = _words(_stored_pdf(done.list_pdf_id))
    for words in (
        "TRƯỜNG TIỂU HỌC LÊ LỢI",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "MỤC LỤC HỒ SƠ, TÀI LIỆU NỘP LƯU",
        "Số/ký hiệu hồ sơ",
        "Tiêu đề hồ sơ",
        "Thời gian tài liệu",
        "Thời hạn bảo quản",
        "Số tờ/số trang",
        "Ghi chú",
        "01.VP",
        "19/09/2026 – 02/10/2026",
        "10 năm",
        "1 hồ sơ, 2 văn bản, 5 trang",
    ):
        assert words in listing, words
    assert "Hồ sơ tổ chức Hội khỏe Phù Đổng cấp trường" in listing
    assert "02.VP" not in listing
    record = _words(_stored_pdf(done.record_pdf_id))
    for words in (
        "BIÊN BẢN GIAO NHẬN TÀI LIỆU",
        "ngày 25 tháng 11 năm 2027",
        "BÊN GIAO",
        "BÊN NHẬN",
        school.leader.full_name,
        school.clerk.full_name,
        "1 hồ sơ, gồm 2 văn bản",
        "Lưu trữ cơ quan",
    ):
        assert words in record, words

    # Handed over once only; the archived file is frozen.
    with pytest.raises(Conflict, match=r"01\.VP.*Đã nộp lưu"):
        handover.hand_over(school.clerk, [ten.id], school.clerk.id, delivered_by_id=school.staff.id)
    item = files.contents(archived)[0].item_id
    for step in (
        lambda: files.add_documents(school.clerk, ten.id, incoming_ids=[office.documents[2].id]),
        lambda: files.remove_item(school.clerk, ten.id, item),
        lambda: files.move_item(school.clerk, ten.id, item, 2),
        lambda: files.order_chronologically(school.clerk, ten.id),
        lambda: files.close_file(school.clerk, ten.id, "10"),
        lambda: files.reopen_file(school.leader, ten.id, "Bổ sung"),
        lambda: handover.keep_back(school.leader, ten.id, date(2028, 1, 1), "Còn dùng"),
    ):
        with pytest.raises(Conflict):
            step()
    assert len(files.contents(archived)) == 2

    # The next hand-over of the year takes the next number; the list shows what is left.
    with moment(date(2027, 12, 1)):
        second = handover.hand_over(school.clerk, [permanent.id], school.leader.id)
        assert second.number == 2
        assert handover.due_files(school.clerk) == []
    assert [h.number for h in handover.handovers(school.leader)] == [2, 1]
    actions = db.session.scalars(
        select(AuditEvent.action).where(
            AuditEvent.subject_type == "case_file", AuditEvent.subject_id == ten.id
        )
    ).all()
    assert actions[-1] == "handed_over"


def test_keeping_back_moves_the_due_date_at_most_two_years(office):
    school, ten, two = office.school, office.ten_years, office.two_years
    with moment(date(2027, 11, 1)):
        with pytest.raises(Forbidden):  # the leader decides
            handover.keep_back(school.clerk, ten.id, date(2028, 6, 30), "Còn sử dụng")
        with pytest.raises(ValidationFailed) as too_late:
            handover.keep_back(school.leader, ten.id, date(2029, 11, 21), "Còn sử dụng")
        assert "20/11/2029" in too_late.value.field_errors["until"]
        with pytest.raises(ValidationFailed) as no_reason:
            handover.keep_back(school.leader, ten.id, date(2028, 6, 30), "  ")
        assert "reason" in no_reason.value.field_errors
        with pytest.raises(Forbidden, match="5 năm"):
            handover.keep_back(school.leader, two.id, date(2028, 6, 30), "Còn sử dụng")
        kept = handover.keep_back(
            school.leader, ten.id, date(2028, 6, 30), "Còn sử dụng cho kiểm định"
        )
    assert (kept.kept_until, kept.warn_from, kept.warned_on) == (
        date(2028, 6, 30),
        date(2028, 5, 31),
        None,
    )
    assert kept.handover_due == date(2027, 11, 20)  # the original stays: the limit counts from it
    with moment(date(2028, 1, 2)):
        [row] = [r for r in handover.due_files(school.clerk) if r.file.id == ten.id]
        assert (row.due, row.kept, row.overdue) == (date(2028, 6, 30), True, False)
        # Kept again, still within two years of the original due date.
        assert handover.keep_back(
            school.leader, ten.id, date(2029, 11, 20), "Gia hạn"
        ).kept_until == date(2029, 11, 20)
        overdue = handover.due_files(school.clerk, keeper_id=school.staff.id, overdue_only=True)
        assert [r.file.code for r in overdue] == ["02.VP"]
        assert handover.due_files(school.clerk, keeper_id=school.clerk.id) == []


def test_disposal_needs_an_approval_and_ends_the_file_not_the_documents(office):
    school, ten, permanent = office.school, office.ten_years, office.permanent
    with moment(date(2027, 11, 25)):
        handover.hand_over(
            school.clerk, [ten.id, permanent.id], school.clerk.id, delivered_by_id=school.staff.id
        )
        with pytest.raises(Conflict, match="31/12/2036"):  # not expired yet
            disposal.propose(school.clerk, [ten.id], "Hết hạn")

    with moment(date(2037, 1, 5)):
        assert [f.code for f in disposal.expired_files(school.clerk)] == ["01.VP"]
        with pytest.raises(Conflict, match="vĩnh viễn"):
            disposal.propose(school.clerk, [permanent.id], "Hết hạn")
        with pytest.raises(Forbidden):
            disposal.propose(school.leader, [ten.id], "Hết hạn")
        with pytest.raises(ValidationFailed):
            disposal.propose(school.clerk, [ten.id], " ")
        first = disposal.propose(school.clerk, [ten.id], "Hết thời hạn bảo quản")
        assert disposal.expired_files(school.clerk) == []  # pending: not proposed twice
        with pytest.raises(Conflict, match="khác"):
            disposal.propose(school.clerk, [ten.id], "Hết hạn")
        with pytest.raises(Conflict):  # not approved yet
            disposal.execute(school.clerk, first.id, "Nguyễn Văn Chứng")
        with pytest.raises(Forbidden):
            disposal.approve(school.clerk, first.id, "Quyết định số 1")
        disposal.refuse(school.leader, first.id, "Cần thẩm định lại giá trị tài liệu")
        with pytest.raises(Conflict):  # a refused disposal is never executed
            disposal.execute(school.clerk, first.id, "Nguyễn Văn Chứng")
        assert db.session.get(CaseFile, ten.id).state == flow.ARCHIVED

        second = disposal.propose(school.clerk, [ten.id], "Hết thời hạn bảo quản")
        with pytest.raises(ValidationFailed) as no_decision:
            disposal.approve(school.leader, second.id, "")
        assert "decision" in no_decision.value.field_errors
        disposal.approve(
            school.leader,
            second.id,
            "Quyết định số 02/QĐ-THLL ngày 04/01/2037 về việc hủy tài liệu",
        )
        with pytest.raises(Forbidden):
            disposal.execute(school.staff, second.id, "Nguyễn Văn Chứng")
        with pytest.raises(ValidationFailed):
            disposal.execute(school.clerk, second.id, "")
        done = disposal.execute(
            school.clerk, second.id, "Nguyễn Văn Chứng – Phó Hiệu trưởng\nTrần Thị Kiến – Kế toán"
        )
        with pytest.raises(Conflict):
            disposal.execute(school.clerk, second.id, "Nguyễn Văn Chứng")

    db.session.expire_all()
    gone = db.session.get(CaseFile, ten.id)
    assert gone.state == flow.DISPOSED and gone.disposal_id == done.id and gone.disposed_at
    assert db.session.get(Disposal, first.id).state == flow.REFUSED
    [item] = db.session.get(Disposal, second.id).items
    assert (item.code, item.retention_label, item.doc_total, item.page_total) == (
        "01.VP",
        "10 năm",
        2,
        5,
    )
    # A disposed file is not exported (finding 9), and its history says by what it went.
    from eoffice.casefiles import export

    with pytest.raises(Conflict, match="đã tiêu hủy"):
        export.request_export(school.clerk, ten.id)
    disposed = db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.subject_type == "case_file",
            AuditEvent.subject_id == ten.id,
            AuditEvent.action == "disposed",
        )
    ).one()
    assert disposed.changes["disposal"] == (
        f"Đề nghị tiêu hủy số {done.id} "
        "(Quyết định số 02/QĐ-THLL ngày 04/01/2037 về việc hủy tài liệu)"
    )
    # The documents stay in the register.
    for doc in office.documents[:2]:
        assert db.session.get(IncomingDocument, doc.id) is not None
    text = _words(_stored_pdf(done.record_pdf_id))
    for words in (
        "BIÊN BẢN HỦY TÀI LIỆU HẾT GIÁ TRỊ",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Quyết định số 02/QĐ-THLL",
        "Nguyễn Văn Chứng – Phó Hiệu trưởng",
        "Trần Thị Kiến – Kế toán",
        "01.VP",
        "10 năm",
        "1 hồ sơ, gồm 2 văn bản",
        "NGƯỜI CHỨNG KIẾN",
        "NGƯỜI THỰC HIỆN",
    ):
        assert words in text, words


def test_nothing_is_disposed_but_by_an_approved_disposal(office):
    school, ten = office.school, office.ten_years
    with moment(date(2027, 11, 25)):
        handover.hand_over(school.clerk, [ten.id], school.clerk.id, delivered_by_id=school.staff.id)
    # The workflow itself refuses a disposal by hand, whoever asks.
    for roles in ({"clerk"}, {"admin"}, {"leader", "clerk", "admin"}):
        with pytest.raises(TransitionRefused) as refused:
            fire(flow.CASE_FILE, flow.ARCHIVED, flow.DISPOSE, roles)
        assert refused.value.reason in (Refusal.GUARD, Refusal.ROLE)
    # No closed file can be disposed, even with the context.
    with pytest.raises(TransitionRefused):
        fire(flow.CASE_FILE, flow.CLOSED, flow.DISPOSE, {"clerk"}, context={flow.BY_DISPOSAL: True})
    # No service of the archive but `execute` writes the state.
    assert (
        db.session.scalar(select(func.count(CaseFile.id)).where(CaseFile.state == flow.DISPOSED))
        == 0
    )


def test_another_office_sees_nothing_of_the_archive(office, world):
    school, theirs = office.school, world.school_b
    with moment(date(2027, 11, 25)):
        done = handover.hand_over(
            school.clerk, [office.permanent.id], school.clerk.id, delivered_by_id=school.staff.id
        )
        assert handover.due_files(theirs.clerk) == []
        with pytest.raises(NotFound):
            handover.get_handover(theirs.clerk, done.id)
        with pytest.raises(NotFound):
            handover.hand_over(
                theirs.clerk,
                [office.ten_years.id],
                theirs.clerk.id,
                delivered_by_id=theirs.staff.id,
            )
        with pytest.raises(NotFound):
            handover.keep_back(theirs.leader, office.ten_years.id, date(2028, 1, 1), "x")


# Pages ---------------------------------------------------------------------------------


def test_pages_hand_over_keep_back_and_dispose(office, client):
    school, ten, permanent = office.school, office.ten_years, office.permanent
    with moment(date(2027, 11, 25)):
        factories.login(client, school.staff)
        assert client.get("/archive/").status_code == 403
        client.post("/logout")

        factories.login(client, school.leader)
        page = client.get("/archive/")
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        assert "01.VP" in html and "Quá hạn 5 ngày" in html and "table-danger" in html
        assert "Giữ lại" in html

        # Keep back: a date past the limit is refused in place, with what was typed.
        refused = client.post(
            f"/archive/files/{permanent.id}/keep-back",
            data={"until": "21/11/2029", "reason": "Còn dùng cho kiểm định"},
        )
        assert refused.status_code == 422
        body = refused.get_data(as_text=True)
        assert "20/11/2029" in body and "Còn dùng cho kiểm định" in body
        kept = client.post(
            f"/archive/files/{permanent.id}/keep-back",
            data={"until": "30/06/2028", "reason": "Còn dùng cho kiểm định"},
        )
        assert kept.status_code == 302
        html = client.get("/archive/").get_data(as_text=True)
        assert "Giữ lại đến 30/06/2028" in html

        # Hand-over: the form of the chosen files, then the hand-over's page and PDFs.
        form = client.get(f"/archive/handovers/new?file_id={ten.id}")
        assert form.status_code == 200 and "data-confirm" in form.get_data(as_text=True)
        # The keeper is proposed as the delivering side, the clerk as the receiving one.
        assert f'<option selected value="{school.staff.id}">' in form.get_data(as_text=True)
        missing = client.post(
            "/archive/handovers/new", data={"file_id": [str(ten.id)], "received_by": "0"}
        )
        assert missing.status_code == 422
        same = client.post(
            "/archive/handovers/new",
            data={
                "file_id": [str(ten.id)],
                "delivered_by": str(school.clerk.id),
                "received_by": str(school.clerk.id),
                "handed_on": "25/11/2027",
            },
        )
        assert same.status_code == 422
        assert "hai người khác nhau" in same.get_data(as_text=True)
        posted = client.post(
            "/archive/handovers/new",
            data={
                "file_id": [str(ten.id)],
                "delivered_by": str(school.staff.id),
                "received_by": str(school.clerk.id),
                "handed_on": "25/11/2027",
                "note": "Đợt 1",
            },
        )
        assert posted.status_code == 302
        done = db.session.scalars(select(Handover)).one()
        assert posted.headers["Location"].endswith(f"/archive/handovers/{done.id}")
        shown = client.get(f"/archive/handovers/{done.id}").get_data(as_text=True)
        assert "Nộp lưu lần 1/2027" in shown and "01.VP" in shown
        for which, title in (("list", "MỤC LỤC HỒ SƠ"), ("record", "BIÊN BẢN GIAO NHẬN")):
            pdf = client.get(f"/archive/handovers/{done.id}/{which}.pdf")
            assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
            assert title in pdf_text(pdf.data)
        # Twice: refused in place, naming the file.
        again = client.post(
            "/archive/handovers/new",
            data={"file_id": [str(ten.id)], "received_by": str(school.clerk.id)},
        )
        assert again.status_code == 422 and "01.VP" in again.get_data(as_text=True)
        client.post("/logout")

    with moment(date(2037, 1, 5)):
        factories.login(client, school.clerk)
        page = client.get("/archive/disposals")
        assert page.status_code == 200 and "01.VP" in page.get_data(as_text=True)
        proposed = client.post(
            "/archive/disposals", data={"file_id": [str(ten.id)], "reason": "Hết thời hạn"}
        )
        assert proposed.status_code == 302
        item = db.session.scalars(select(Disposal)).one()
        assert (
            client.post(
                f"/archive/disposals/{item.id}/approve", data={"decision": "QĐ 1"}
            ).status_code
            == 403
        )
        client.post("/logout")

        factories.login(client, school.leader)
        shown = client.get(f"/archive/disposals/{item.id}").get_data(as_text=True)
        assert "Phê duyệt tiêu hủy" in shown and "Thực hiện tiêu hủy" not in shown
        assert (
            client.post(f"/archive/disposals/{item.id}/approve", data={"decision": ""}).status_code
            == 422
        )
        assert (
            client.post(
                f"/archive/disposals/{item.id}/approve", data={"decision": "Quyết định số 02/QĐ"}
            ).status_code
            == 302
        )
        client.post("/logout")

        factories.login(client, school.clerk)
        shown = client.get(f"/archive/disposals/{item.id}").get_data(as_text=True)
        assert "Thực hiện tiêu hủy" in shown and "data-confirm" in shown
        done = client.post(
            f"/archive/disposals/{item.id}/execute", data={"witnesses": "Nguyễn Văn Chứng"}
        )
        assert done.status_code == 302
        pdf = client.get(f"/archive/disposals/{item.id}/record.pdf")
        assert pdf.status_code == 200 and "BIÊN BẢN HỦY TÀI LIỆU" in pdf_text(pdf.data)
        assert "Đã tiêu hủy" in client.get("/archive/disposals").get_data(as_text=True)


def test_empty_pages_say_what_to_do(world, client):
    factories.login(client, world.school_b.clerk)
    assert "Không có hồ sơ nào chờ nộp lưu" in client.get("/archive/").get_data(as_text=True)
    assert "Không có hồ sơ nào hết thời hạn bảo quản" in client.get("/archive/disposals").get_data(
        as_text=True
    )
    assert client.get("/archive/handovers/999").status_code == 404


# Review findings ------------------------------------------------------------------------


def test_the_record_has_two_people_and_the_papers_date_as_nd30(office):
    """Bên giao and bên nhận differ (finding 8); the date words are NĐ 30's: months 1
    and 2 padded, others not (finding 5)."""
    school, ten = office.school, office.ten_years
    with moment(date(2027, 6, 5)):
        with pytest.raises(ValidationFailed, match="hai người khác nhau") as same:
            handover.hand_over(school.clerk, [ten.id], school.clerk.id)
        assert "received_by" in same.value.field_errors
        with pytest.raises(ValidationFailed) as elsewhere:
            handover.hand_over(
                school.clerk, [ten.id], school.clerk.id, delivered_by_id=office_b_user(school)
            )
        assert "delivered_by" in elsewhere.value.field_errors
        assert _handovers() == 0
        done = handover.hand_over(
            school.clerk,
            [ten.id],
            school.clerk.id,
            delivered_by_id=school.staff.id,
        )
    assert (done.delivered_by_id, done.received_by_id) == (school.staff.id, school.clerk.id)
    record = _words(_stored_pdf(done.record_pdf_id))
    assert "Hôm nay, ngày 05 tháng 6 năm 2027" in record  # not "tháng 06"
    assert "Ngày 05 tháng 6 năm 2027" in _words(_stored_pdf(done.list_pdf_id))
    assert f"Đại diện: {school.staff.full_name}" in record
    assert f"{school.staff.full_name} {school.clerk.full_name} Trang 1/1" in record
    history = db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.subject_type == "case_file",
            AuditEvent.subject_id == ten.id,
            AuditEvent.action == "handed_over",
        )
    ).one()
    assert history.changes["handover"] == "Lần nộp lưu số 1/2027"
    assert history.changes["delivered_by"] == school.staff.full_name


def office_b_user(school: factories.School) -> int:
    """An id that is no one of this office (a user of another organisation)."""
    from eoffice.orgs.models import User

    return db.session.scalar(select(User.id).where(User.org_id != school.org.id).limit(1))


def test_date_words_pad_only_days_and_the_first_two_months():
    from eoffice.casefiles.pdf_common import place_date
    from eoffice.orgs.models import Organisation

    org = Organisation(name="Trường Tiểu học Thử", place_name="Quận Thử")
    assert place_date(org, date(2027, 6, 5)) == "Quận Thử, ngày 05 tháng 6 năm 2027"
    assert place_date(org, date(2027, 2, 15)) == "Quận Thử, ngày 15 tháng 02 năm 2027"


def test_a_file_is_never_in_two_pending_disposals(office, monkeypatch):
    """Two clerks proposing the same file at once (finding 2): the second proposal asks
    whether the file is pending only once it holds the file's lock, so a proposal
    committed while it waited is seen. The wait is reproduced by committing the other
    proposal when the lock is taken."""
    school, ten = office.school, office.ten_years
    with moment(date(2027, 11, 25)):
        handover.hand_over(school.clerk, [ten.id], school.clerk.id, delivered_by_id=school.staff.id)
    real_lock = disposal.get_file_for_update
    other: list[Disposal] = []
    waited: list[bool] = []

    def lock_after_the_other_clerk(actor, file_id):
        if not waited:
            waited.append(True)
            other.append(disposal.propose(school.clerk, [file_id], "Đề nghị của văn thư khác"))
        return real_lock(actor, file_id)

    with moment(date(2037, 1, 5)):
        monkeypatch.setattr(disposal, "get_file_for_update", lock_after_the_other_clerk)
        with pytest.raises(Conflict, match="khác"):
            disposal.propose(school.clerk, [ten.id], "Hết thời hạn bảo quản")
    pending = db.session.scalars(select(Disposal).where(Disposal.state == flow.PROPOSED)).all()
    assert [d.id for d in pending] == [other[0].id]


def test_a_decision_reads_the_proposal_as_the_lock_found_it(office):
    """A page loaded the proposal, then another leader refused it (finding 1): approving
    after the lock must see "refused", not the copy the session already had."""
    school, ten = office.school, office.ten_years
    with moment(date(2027, 11, 25)):
        handover.hand_over(school.clerk, [ten.id], school.clerk.id, delivered_by_id=school.staff.id)
    with moment(date(2037, 1, 5)):
        proposal = disposal.propose(school.clerk, [ten.id], "Hết thời hạn bảo quản")
        loaded = disposal.get_disposal(school.leader, proposal.id)
        assert loaded.state == flow.PROPOSED
        with db.engine.begin() as other_connection:
            other_connection.execute(
                Disposal.__table__.update()
                .where(Disposal.__table__.c.id == proposal.id)
                .values(state=flow.REFUSED, decision="Cần thẩm định lại")
            )
        with pytest.raises(Conflict):
            disposal.approve(school.leader, proposal.id, "Quyết định số 03/QĐ-THLL")
    db.session.expire_all()
    assert db.session.get(Disposal, proposal.id).state == flow.REFUSED


def test_the_hand_over_form_reads_the_chosen_files_in_one_query(office, client):
    """Finding 12: the chosen files are one IN query of the office, however many."""
    from sqlalchemy import event

    school = office.school
    factories.login(client, school.clerk)
    ids = [office.ten_years.id, office.permanent.id]
    counts = []
    for chosen in (ids[:1], ids):
        statements: list[str] = []

        def count(conn, cursor, statement, *args, into=statements):
            if "FROM case_files" in statement:
                into.append(statement)

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            page = client.get("/archive/handovers/new?" + "&".join(f"file_id={i}" for i in chosen))
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        assert page.status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1]
    theirs = client.get(f"/archive/handovers/new?file_id={ids[0]}&file_id={ids[0] + 10_000}")
    assert theirs.status_code == 404
