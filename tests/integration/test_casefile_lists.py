"""The yearly file list (danh mục hồ sơ): making it, its headings and planned files with
their codes in either numbering, the approval steps with their roles, copying last
year's list forward in one action, the printed PDF, and its pages."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import event, func, select, update

from eoffice.casefiles import (
    files,
    list_files,
    list_headings,
    list_pdf,
    list_sheet,
    list_steps,
    retention,
)
from eoffice.casefiles.list_files import PlannedFileInput
from eoffice.casefiles.models import CaseFile, FileHeading, FileList
from eoffice.core import timeutil
from eoffice.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from eoffice.core.models import AuditEvent
from eoffice.extensions import db
from eoffice.orgs import people
from tests import factories
from tests.directive_support import local_moment, moment
from tests.pdftext import pdf_text

DECISION = "Quyết định số 05/QĐ-GDĐT ngày 05/01/2027"


@pytest.fixture
def on_day(app):
    """Mid-December 2026: this year's list and next year's may both be made."""
    timeutil.set_clock(lambda: local_moment(date(2026, 12, 10), 10))
    yield
    timeutil.set_clock(None)


def plan(actor, file_list, heading, title, retention_code="10", keeper=None, note=None):
    return list_files.add_planned_file(
        actor,
        file_list.id,
        PlannedFileInput(
            title=title,
            heading_id=heading.id,
            retention_code=retention_code,
            keeper_id=keeper.id if keeper else None,
            note=note,
        ),
    )


def build_list(office, year=2026, numbering="across"):
    """TCCB (with a small heading «Tuyển dụng») and VP, four files."""
    clerk = office.clerk
    file_list = list_steps.create_list(clerk, year, numbering=numbering)
    tccb = list_headings.add_heading(clerk, file_list.id, title="Tổ chức, cán bộ", notation="tccb")
    hiring = list_headings.add_heading(clerk, file_list.id, title="Tuyển dụng", parent_id=tccb.id)
    vp = list_headings.add_heading(clerk, file_list.id, title="Văn phòng", notation="VP")
    made = [
        plan(clerk, file_list, tccb, "Hồ sơ quy hoạch cán bộ quản lý", "vinh_vien", office.staff),
        plan(clerk, file_list, hiring, "Hồ sơ tuyển dụng giáo viên", "70", office.staff),
        plan(clerk, file_list, vp, "Hồ sơ hội nghị cán bộ, công chức", "10", note="Bản giấy"),
        plan(clerk, file_list, tccb, "Hồ sơ nâng lương thường xuyên", "20"),
    ]
    return file_list, (tccb, hiring, vp), made


def test_planned_files_are_numbered_across_the_list(world, on_day):
    file_list, (tccb, _, _), made = build_list(world.district)
    assert [f.code for f in made] == ["01.TCCB", "02.TCCB", "03.VP", "04.TCCB"]
    assert all(f.state == "planned" and f.in_list and f.year == 2026 for f in made)
    assert tccb.notation == "TCCB"  # typed in lower case, kept in capitals

    sheet = list_sheet.list_rows(db.session.get(FileList, file_list.id))
    assert [(r.kind, r.number) for r in sheet.rows] == [
        ("large", "I"),
        ("file", "01.TCCB"),
        ("file", "04.TCCB"),
        ("small", "1"),
        ("file", "02.TCCB"),
        ("large", "II"),
        ("file", "03.VP"),
    ]
    assert sheet.rows[0].label == "I. Tổ chức, cán bộ"
    assert (sheet.total, sheet.permanent, sheet.fixed_term) == (4, 1, 3)
    assert sheet.rows[1].keeper == world.district.staff.full_name
    assert sheet.rows[6].note == "Bản giấy" and sheet.rows[6].retention == "10 năm"


def test_planned_files_are_numbered_within_each_large_heading(world, on_day):
    _, _, made = build_list(world.district, numbering="heading")
    assert [f.code for f in made] == ["01.TCCB", "02.TCCB", "01.VP", "03.TCCB"]


def test_who_makes_a_list_and_what_is_refused(world, on_day):
    district = world.district
    with pytest.raises(Forbidden):
        list_steps.create_list(district.staff, 2026)
    with pytest.raises(Forbidden):
        list_steps.create_list(district.leader, 2026)
    with pytest.raises(ValidationFailed) as refused:
        list_steps.create_list(district.clerk, 2026, copy_from_previous=True)
    assert "copy_from_previous" in refused.value.field_errors
    with pytest.raises(ValidationFailed) as refused:
        list_steps.create_list(district.clerk, 2207)
    assert refused.value.field_errors["year"] == "Năm của danh mục phải từ 2016 đến 2027."
    made = list_steps.create_list(district.admin, 2026, numbering="heading")
    assert made.numbering == "heading" and made.state == "draft"
    with pytest.raises(Conflict, match="đã có danh mục hồ sơ năm 2026"):
        list_steps.create_list(district.clerk, 2026)
    # Another office has its own list for the same year.
    assert list_steps.create_list(world.school_a.clerk, 2026).org_id == world.school_a.org.id
    assert db.session.scalar(select(func.count(FileList.id))) == 2


def test_headings_are_checked_moved_renamed_and_deleted_only_when_unused(world, on_day):
    clerk = world.district.clerk
    file_list, (tccb, hiring, vp), made = build_list(world.district)
    with pytest.raises(ValidationFailed) as refused:
        list_headings.add_heading(clerk, file_list.id, title="Kế hoạch", notation="")
    assert "notation" in refused.value.field_errors
    with pytest.raises(ValidationFailed) as refused:
        list_headings.add_heading(clerk, file_list.id, title="Thi đua", notation="tccb")
    assert refused.value.field_errors["notation"] == (
        "Ký hiệu TCCB đã dùng cho đề mục «Tổ chức, cán bộ»."
    )
    with pytest.raises(ValidationFailed) as refused:
        list_headings.add_heading(clerk, file_list.id, title="Kế hoạch", notation="KH.TC")
    assert "notation" in refused.value.field_errors
    with pytest.raises(ValidationFailed) as refused:  # a small heading under a small one
        list_headings.add_heading(clerk, file_list.id, title="Thi tuyển", parent_id=hiring.id)
    assert "parent_id" in refused.value.field_errors
    with pytest.raises(Forbidden):
        list_headings.add_heading(world.district.staff, file_list.id, title="X", notation="X")

    list_headings.move_heading(clerk, file_list.id, vp.id, "up")
    rows = list_sheet.list_rows(db.session.get(FileList, file_list.id)).rows
    assert [r.label for r in rows if r.kind == "large"] == ["I. Văn phòng", "II. Tổ chức, cán bộ"]
    list_headings.move_heading(clerk, file_list.id, vp.id, "up")  # already first: nothing changes
    list_headings.move_heading(clerk, file_list.id, vp.id, "down")
    rows = list_sheet.list_rows(db.session.get(FileList, file_list.id)).rows
    assert rows[0].label == "I. Tổ chức, cán bộ"

    # A new abbreviation re-codes the heading's files (small heading's too), numbers kept.
    list_headings.update_heading(
        clerk, file_list.id, tccb.id, title="Tổ chức - Cán bộ", notation="TC"
    )
    db.session.expire_all()
    assert sorted(db.session.get(CaseFile, f.id).code for f in made) == [
        "01.TC",
        "02.TC",
        "03.VP",
        "04.TC",
    ]

    with pytest.raises(Conflict, match="đang có 1 hồ sơ"):
        list_headings.delete_heading(clerk, file_list.id, hiring.id)
    with pytest.raises(Conflict, match="đang có 3 hồ sơ"):
        list_headings.delete_heading(clerk, file_list.id, tccb.id)
    spare = list_headings.add_heading(clerk, file_list.id, title="Thi đua", notation="TĐ")
    small = list_headings.add_heading(clerk, file_list.id, title="Khen thưởng", parent_id=spare.id)
    list_headings.delete_heading(clerk, file_list.id, spare.id)
    assert db.session.get(FileHeading, small.id) is None
    assert [h.position for h in list_headings._siblings(file_list, None)] == [1, 2]


def test_planned_files_are_edited_renumbered_and_deleted_while_planned(world, on_day):
    district = world.district
    clerk = district.clerk
    file_list, (tccb, _, vp), made = build_list(district)
    first, _, third, _ = made
    with pytest.raises(ValidationFailed) as refused:
        list_files.add_planned_file(
            clerk,
            file_list.id,
            PlannedFileInput(title="", heading_id=None, retention_code="x", keeper_id=10**6),
        )
    assert set(refused.value.field_errors) == {"title", "heading_id", "retention_code", "keeper_id"}
    with pytest.raises(ValidationFailed) as refused:  # another office's person keeps nothing here
        plan(clerk, file_list, vp, "Hồ sơ khác", keeper=world.school_a.staff)
    assert "keeper_id" in refused.value.field_errors

    moved = list_files.update_planned_file(
        clerk,
        file_list.id,
        third.id,
        PlannedFileInput(
            title="Hồ sơ hội nghị viên chức năm 2026",
            heading_id=tccb.id,
            retention_code="20",
            keeper_id=district.clerk.id,
            note="",
        ),
    )
    assert (moved.code, moved.retention_code, moved.keeper_id, moved.note) == (
        "05.TCCB",
        "20",
        district.clerk.id,
        None,
    )
    events = list_sheet.history(file_list)
    assert events[-1].action == "file_updated"
    assert events[-1].changes["code"] == ["03.VP", "05.TCCB"]

    # A planned file opens only once the list is approved; amended, the list is a draft
    # again, and the file opened meanwhile is no longer the list's to delete.
    with pytest.raises(Conflict, match="chưa được phê duyệt"):
        files.open_file(district.staff, first.id)
    list_steps.submit_list(clerk, file_list.id)
    list_steps.approve_list(district.leader, file_list.id)
    files.open_file(district.staff, first.id)
    list_steps.amend_list(district.leader, file_list.id, "Bổ sung hồ sơ")
    with pytest.raises(Conflict, match="đã được mở"):
        list_files.delete_planned_file(clerk, file_list.id, first.id)
    list_files.delete_planned_file(clerk, file_list.id, made[3].id)
    assert db.session.get(CaseFile, made[3].id) is None
    assert list_sheet.history(file_list)[-1].changes == {
        "code": "04.TCCB",
        "title": "Hồ sơ nâng lương thường xuyên",
    }
    # The number of a deleted planned file inside the list is not given again.
    assert plan(clerk, file_list, vp, "Hồ sơ văn thư").code == "06.VP"


def test_the_approval_steps_and_their_roles(world, on_day):
    district = world.district
    clerk, leader, staff = district.clerk, district.leader, district.staff
    empty = list_steps.create_list(clerk, 2027)
    with pytest.raises(Conflict, match="chưa có hồ sơ nào"):
        list_steps.submit_list(clerk, empty.id)

    file_list, (tccb, _, _), _ = build_list(district)
    with pytest.raises(Forbidden):
        list_steps.submit_list(staff, file_list.id)
    list_steps.submit_list(clerk, file_list.id, "Kính trình Trưởng phòng.")
    with pytest.raises(Conflict, match="chỉ sửa được đề mục và hồ sơ khi danh mục còn là dự thảo"):
        list_headings.add_heading(clerk, file_list.id, title="Thi đua", notation="TĐ")
    with pytest.raises(Conflict, match="còn là dự thảo"):
        plan(clerk, file_list, tccb, "Hồ sơ muộn")
    with pytest.raises(Forbidden):
        list_steps.approve_list(clerk, file_list.id)
    with pytest.raises(ValidationFailed) as refused:
        list_steps.return_list(leader, file_list.id, "  ")
    assert "reason" in refused.value.field_errors

    returned = list_steps.return_list(leader, file_list.id, "Bổ sung hồ sơ thi đua.")
    assert (returned.state, returned.return_reason) == ("draft", "Bổ sung hồ sơ thi đua.")
    list_headings.add_heading(clerk, file_list.id, title="Thi đua, khen thưởng", notation="TĐKT")
    list_steps.submit_list(clerk, file_list.id)
    approved = list_steps.approve_list(leader, file_list.id, DECISION, "Đồng ý.")
    assert approved.state == "approved"
    assert approved.approved_by_id == leader.id and approved.approved_at is not None
    assert approved.decision_ref == DECISION and approved.return_reason is None

    with pytest.raises(Forbidden):
        list_steps.amend_list(clerk, file_list.id, "Thêm đơn vị mới")
    with pytest.raises(Conflict, match="chỉ khóa được khi đã hết năm 2026"):
        list_steps.lock_list(clerk, file_list.id)
    assert [t.name for t in list_sheet.available_steps(leader, approved)] == ["amend"]
    amended = list_steps.amend_list(leader, file_list.id, "Thành lập tổ chuyên môn mới.")
    assert (amended.state, amended.approved_at) == ("draft", None)
    list_steps.submit_list(clerk, file_list.id)
    list_steps.approve_list(leader, file_list.id)
    assert db.session.get(FileList, file_list.id).decision_ref == DECISION

    with moment(date(2027, 1, 4)):
        assert [t.name for t in list_sheet.available_steps(clerk, approved)] == ["lock"]
        with pytest.raises(Forbidden):
            list_steps.lock_list(staff, file_list.id)
        assert list_steps.lock_list(clerk, file_list.id).state == "locked"
    with pytest.raises(Conflict):
        list_steps.amend_list(leader, file_list.id, "Quá muộn")
    actions = [e.action for e in list_sheet.history(file_list)]
    assert actions[0] == "created"
    assert actions[-8:] == [
        "returned",
        "heading_added",
        "submitted",
        "approved",
        "amended",
        "submitted",
        "approved",
        "locked",
    ]


def test_copy_forward_in_one_action_and_approving_next_year_locks_the_last(world, on_day):
    district = world.district
    clerk, leader = district.clerk, district.leader
    last, (_, _, vp), made = build_list(district, numbering="heading")
    # The keeper of one file leaves the office; another file was opened during the year.
    leaving = factories.make_user(
        district.org, "nghiviec@pgdthu.hcm.edu.vn", ["staff"], "Người Nghỉ"
    )
    db.session.commit()
    plan(clerk, last, vp, "Hồ sơ lưu trữ cơ quan", "vinh_vien", leaving)
    list_steps.submit_list(clerk, last.id)
    list_steps.approve_list(leader, last.id)
    files.open_file(district.staff, made[0].id)
    people.set_user_active(district.admin, leaving.id, False)
    events_before = db.session.scalar(select(func.count(AuditEvent.id)))

    new = list_steps.create_list(clerk, 2027, numbering="across", copy_from_previous=True)
    assert new.copied_from_id == last.id and new.state == "draft"
    # One action, one event on the new list (the files it planned tell where they came from).
    assert [e.action for e in list_sheet.history(new)] == ["created"]
    assert list_sheet.history(new)[0].changes["files"] == 5
    new_events = db.session.scalar(select(func.count(AuditEvent.id))) - events_before
    assert new_events == 1

    old_headings = list_sheet.heading_tree(last)
    new_headings = list_sheet.heading_tree(new)
    shape = lambda hs: [  # noqa: E731
        (h.title, h.notation, h.position, [(s.title, s.position) for s in hs[1][h.id]])
        for h in hs[0]
    ]
    assert shape(new_headings) == shape(old_headings)
    assert {h.list_id for h in new_headings[0]} == {new.id}

    sheet = list_sheet.list_rows(db.session.get(FileList, new.id))
    copied = sheet.files
    assert [f.code for f in copied] == ["01.TCCB", "02.TCCB", "03.TCCB", "04.VP", "05.VP"]
    assert [f.title for f in copied] == [
        r.case_file.title for r in list_sheet.list_rows(last).rows if r.case_file
    ]
    assert {(f.state, f.year, f.list_id, f.in_list) for f in copied} == {
        ("planned", 2027, new.id, True)
    }
    assert copied[0].keeper_id == district.staff.id and copied[0].retention_code == "vinh_vien"
    assert copied[-1].keeper_id is None  # left the office
    assert copied[3].note == "Bản giấy"
    # Last year's list and files are untouched.
    assert db.session.get(CaseFile, made[0].id).state == "open"
    assert db.session.get(FileList, last.id).state == "approved"

    list_steps.submit_list(clerk, new.id)
    list_steps.approve_list(leader, new.id, DECISION)
    # Approved in December, next year's list leaves this year's open until the year ends.
    assert db.session.get(FileList, last.id).state == "approved"
    timeutil.set_clock(lambda: local_moment(date(2027, 1, 5), 10))
    list_steps.amend_list(leader, new.id, "Bổ sung")
    list_steps.submit_list(clerk, new.id)
    list_steps.approve_list(leader, new.id, DECISION)
    assert db.session.get(FileList, last.id).state == "locked"
    locked = list_sheet.history(last)[-1]
    assert locked.action == "locked" and "2027" in locked.note
    # Files of the locked list live on.
    assert db.session.get(CaseFile, made[0].id).state == "open"


def test_the_printed_list_has_the_columns_the_rows_and_the_counts(world, on_day):
    district = world.district
    district.org.place_name = "Quận Thử"
    db.session.commit()
    file_list, _, _ = build_list(district)
    draft = pdf_text(list_pdf.render_list_pdf(file_list), layout=False)
    assert "(Dự thảo, chưa được phê duyệt)" in draft
    list_steps.submit_list(district.clerk, file_list.id)
    list_steps.approve_list(district.leader, file_list.id, DECISION)

    pdf = list_pdf.render_list_pdf(db.session.get(FileList, file_list.id))
    assert pdf.startswith(b"%PDF")
    cells = " ".join(pdf_text(pdf, layout=False).split())  # each cell's text together
    for expected in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "DANH MỤC HỒ SƠ CỦA PHÒNG GIÁO DỤC VÀ ĐÀO TẠO QUẬN THỬ NĂM 2026",
        f"(Ban hành kèm theo {DECISION})",
        "Số và ký hiệu hồ sơ",
        "Tên đề mục và tiêu đề hồ sơ",
        "Thời hạn bảo quản",
        "Người lập hồ sơ",
        "Ghi chú",
        "Bản danh mục hồ sơ này có 4 (bốn) hồ sơ, bao gồm: 1 hồ sơ bảo quản vĩnh viễn; "
        "3 hồ sơ bảo quản có thời hạn.",
        "Quận Thử, ngày 10 tháng 12 năm 2026 HIỆU TRƯỞNG",
        district.leader.full_name,
    ):
        assert expected in cells, expected
    assert "Dự thảo" not in cells
    # Row by row, as printed: headings, then each file's five cells on its line.
    lines = [" ".join(line.split()) for line in pdf_text(pdf).splitlines()]
    rows = lines[lines.index("(1) (2) (3) (4) (5)") + 1 :]
    assert rows[:7] == [
        "I. Tổ chức, cán bộ",
        "01.TCCB Hồ sơ quy hoạch cán bộ quản lý Vĩnh viễn Lê Thị Giáo Viên",
        "04.TCCB Hồ sơ nâng lương thường xuyên 20 năm",
        "1. Tuyển dụng",
        "02.TCCB Hồ sơ tuyển dụng giáo viên 70 năm Lê Thị Giáo Viên",
        "II. Văn phòng",
        "03.VP Hồ sơ hội nghị cán bộ, công chức 10 năm Bản giấy",
    ]


def test_the_header_row_repeats_on_every_page(world, on_day):
    clerk = world.district.clerk
    file_list = list_steps.create_list(clerk, 2026)
    heading = list_headings.add_heading(clerk, file_list.id, title="Văn phòng", notation="VP")
    for n in range(1, 46):
        plan(clerk, file_list, heading, f"Hồ sơ công việc số {n} của văn phòng năm 2026")
    pdf = list_pdf.render_list_pdf(db.session.get(FileList, file_list.id))
    pages = [
        [" ".join(line.split()) for line in page.splitlines()]
        for page in pdf_text(pdf).split("\f")
        if page.strip()
    ]
    with_rows = [
        page
        for page in pages
        if any(line.startswith("Hồ sơ công việc") or ".VP Hồ sơ công việc" in line for line in page)
    ]
    assert len(with_rows) >= 2
    for page in with_rows:
        assert "Tên đề mục và tiêu đề hồ sơ" in page[page.index("(1) (2) (3) (4) (5)") - 2]
    assert "45 (bốn mươi lăm) hồ sơ" in " ".join(" ".join(pages[-1]).split())


def test_the_pages_for_each_role_and_no_other_office(world, on_day, client):
    district = world.district
    file_list, (tccb, _, _), made = build_list(district)
    show = f"/casefiles/lists/{file_list.id}"

    factories.login(client, district.clerk)
    page = client.get("/casefiles/lists/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Danh mục năm 2026" in html and 'id="new-list"' in html
    assert 'value="2027"' in html  # this year's exists: next year's is offered
    page = client.get(show).get_data(as_text=True)
    assert "01.TCCB" in page and "I. Tổ chức, cán bộ" in page
    assert f"/casefiles/{made[0].id}" in page
    assert 'id="add-file"' in page and 'data-step="submit"' in page
    # A refused form comes back with what was typed and the reason on its field.
    refused = client.post(
        f"{show}/headings", data={"kind": "large", "large-title": "Kế hoạch tài chính"}
    )
    assert refused.status_code == 422
    body = refused.get_data(as_text=True)
    assert "Kế hoạch tài chính" in body and "«Ký hiệu đề mục» là bắt buộc" in body
    added = client.post(
        f"{show}/files",
        data={
            "file-title": "Hồ sơ thi đua",
            "file-heading_id": str(tccb.id),
            "file-retention_code": "10",
            "file-keeper_id": "0",
        },
    )
    assert added.status_code == 302
    assert client.get(f"{show}/files/{made[0].id}/edit").status_code == 200
    assert client.post(f"{show}/steps/submit", data={"submit-note": ""}).status_code == 302
    client.post("/logout")

    factories.login(client, district.leader)
    page = client.get(show).get_data(as_text=True)
    assert 'data-step="approve"' in page and 'data-step="return"' in page
    assert 'id="add-file"' not in page
    refused = client.post(f"{show}/steps/return", data={"return-reason": ""})
    assert refused.status_code == 422
    assert "Ý kiến trả lại" in refused.get_data(as_text=True)
    approved = client.post(f"{show}/steps/approve", data={"approve-decision_ref": DECISION})
    assert approved.status_code == 302
    db.session.expire_all()
    assert db.session.get(FileList, file_list.id).state == "approved"
    client.post("/logout")

    factories.login(client, district.staff)
    page = client.get(show)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Đã ban hành" in html and "data-step=" not in html and 'id="add-file"' not in html
    pdf = client.get(f"{show}/list.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert "5 (năm) hồ sơ" in " ".join(pdf_text(pdf.data, layout=False).split())
    assert client.post(f"{show}/files/{made[1].id}/delete").status_code == 403
    client.post("/logout")

    factories.login(client, world.school_a.clerk)
    assert client.get(show).status_code == 404
    assert client.get(f"{show}/list.pdf").status_code == 404
    assert client.get(f"{show}/files/{made[0].id}/edit").status_code == 404
    assert client.post(f"{show}/steps/submit").status_code == 404
    with pytest.raises(NotFound):
        list_headings.add_heading(world.school_a.clerk, file_list.id, title="X", notation="X")


def test_creating_a_list_from_the_page_copies_last_year(world, on_day, client):
    district = world.district
    last, _, _ = build_list(district)
    factories.login(client, district.clerk)
    page = client.get("/casefiles/lists/").get_data(as_text=True)
    assert 'name="copy_from_previous"' in page and "checked" in page
    made = client.post(
        "/casefiles/lists/",
        data={"year": "2027", "numbering": "across", "copy_from_previous": "y"},
    )
    assert made.status_code == 302
    new = db.session.scalars(select(FileList).where(FileList.year == 2027)).one()
    assert new.copied_from_id == last.id and list_sheet.list_rows(new).total == 4
    again = client.post("/casefiles/lists/", data={"year": "2027", "numbering": "across"})
    assert again.status_code == 409
    assert "đã có danh mục hồ sơ năm 2027" in again.get_data(as_text=True)


def test_retention_levels_are_added_and_retired_never_deleted(world, on_day, client):
    district = world.district
    with pytest.raises(Forbidden):
        retention.add_level(district.clerk, years=15)
    level = retention.add_level(district.admin, years=15)
    assert (level.code, level.label, level.years, level.active) == ("15", "15 năm", 15, True)
    ordered = [r.level.code for r in retention.levels(district.admin)]
    assert ordered == ["vinh_vien", "70", "20", "15", "10", "5"]
    with pytest.raises(ValidationFailed) as refused:
        retention.add_level(district.admin, years=15, code="muoi_lam")
    assert "years" in refused.value.field_errors
    with pytest.raises(ValidationFailed) as refused:
        retention.add_level(district.admin, permanent=True, years=3)
    assert "years" in refused.value.field_errors

    file_list, (tccb, _, _), made = build_list(district)
    retention.set_active(district.admin, "70", False)
    with pytest.raises(ValidationFailed) as refused:
        plan(district.clerk, file_list, tccb, "Hồ sơ mới", "70")
    assert "retention_code" in refused.value.field_errors
    # A file that has the retired level keeps it, and may be edited without changing it.
    kept = list_files.update_planned_file(
        district.clerk,
        file_list.id,
        made[1].id,
        PlannedFileInput(
            title="Hồ sơ tuyển dụng", heading_id=made[1].heading_id, retention_code="70"
        ),
    )
    assert kept.retention_code == "70"
    assert (
        list_sheet.list_rows(db.session.get(FileList, file_list.id)).rows[4].retention == "70 năm"
    )

    factories.login(client, district.admin)
    page = client.get("/casefiles/lists/retention")
    assert page.status_code == 200 and "Ngừng dùng" in page.get_data(as_text=True)
    added = client.post("/casefiles/lists/retention", data={"years": "30"})
    assert added.status_code == 302
    db.session.expire_all()
    assert db.session.get(type(level), "30") is not None
    refused = client.post("/casefiles/lists/retention", data={"years": "30"})
    assert refused.status_code == 422 and 'value="30"' in refused.get_data(as_text=True)
    assert (
        client.post("/casefiles/lists/retention/70/active", data={"active": "1"}).status_code == 302
    )
    assert retention.levels(district.admin)[1].level.active is True
    client.post("/logout")
    factories.login(client, district.clerk)
    assert client.get("/casefiles/lists/retention").status_code == 403


@pytest.mark.parametrize(
    ("count", "words"),
    [
        (0, "không"),
        (4, "bốn"),
        (10, "mười"),
        (15, "mười lăm"),
        (21, "hai mươi mốt"),
        (45, "bốn mươi lăm"),
        (105, "một trăm linh năm"),
        (110, "một trăm mười"),
        (1005, "một nghìn không trăm linh năm"),
        (1204, "một nghìn hai trăm linh bốn"),
    ],
)
def test_the_total_in_words(count, words):
    assert list_pdf.number_words(count) == words


def test_only_the_districts_admins_change_the_levels_and_counts_stay_in_the_office(
    world, on_day, app
):
    school = world.school_a
    with pytest.raises(Forbidden):
        retention.add_level(school.admin, years=15)
    with pytest.raises(Forbidden):
        retention.set_active(school.admin, "70", False)
    build_list(world.district)  # the district's files are not the school's to count
    assert {r.level.code: r.files for r in retention.levels(school.admin)}["10"] == 0
    assert {r.level.code: r.files for r in retention.levels(world.district.admin)}["10"] == 1

    client = app.test_client()
    factories.login(client, school.admin)
    assert "Mức thời hạn bảo quản" not in client.get("/casefiles/lists/").get_data(as_text=True)
    page = client.get("/casefiles/lists/retention")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Thêm mức" not in text and "Ngừng dùng</button>" not in text
    assert client.post("/casefiles/lists/retention", data={"years": "30"}).status_code == 403
    assert client.post("/casefiles/lists/retention/70/active", data={}).status_code == 403
    client.post("/logout")
    factories.login(client, world.district.admin)
    assert "Mức thời hạn bảo quản" in client.get("/casefiles/lists/").get_data(as_text=True)


def test_a_step_on_the_list_reads_the_state_the_lock_waited_for(world, on_day):
    """Loaded as submitted, returned meanwhile by someone else: approving is refused."""
    district = world.district
    file_list, _, _ = build_list(district)
    list_steps.submit_list(district.clerk, file_list.id)
    assert db.session.get(FileList, file_list.id).state == "submitted"
    db.session.execute(
        update(FileList).where(FileList.id == file_list.id).values(state="draft"),
        execution_options={"synchronize_session": False},
    )
    with pytest.raises(Conflict):
        list_steps.approve_list(district.leader, file_list.id)
    assert db.session.get(FileList, file_list.id).approved_at is None


def test_an_opened_file_keeps_its_code_when_the_list_is_amended(world, on_day):
    district = world.district
    clerk, leader = district.clerk, district.leader
    file_list, (tccb, _, vp), made = build_list(district)
    list_steps.submit_list(clerk, file_list.id)
    list_steps.approve_list(leader, file_list.id)
    files.open_file(district.staff, made[0].id)  # 01.TCCB, cited from now on
    list_steps.amend_list(leader, file_list.id, "Đổi ký hiệu đề mục")
    with pytest.raises(Conflict, match="chưa được phê duyệt"):  # a draft again
        files.open_file(district.staff, made[3].id)

    list_headings.update_heading(
        clerk, file_list.id, tccb.id, title="Tổ chức, cán bộ", notation="TC"
    )
    codes = {f.id: f.code for f in db.session.scalars(select(CaseFile))}
    assert codes[made[0].id] == "01.TCCB"  # opened: keeps its code
    assert codes[made[1].id] == "02.TC" and codes[made[3].id] == "04.TC"  # planned: new code
    recoded = list_sheet.history(file_list)[-1].changes["recoded"]
    assert recoded == ["02.TCCB → 02.TC", "04.TCCB → 04.TC"]

    with pytest.raises(ValidationFailed) as refused:  # an opened file stays under its heading
        list_files.update_planned_file(
            clerk,
            file_list.id,
            made[0].id,
            PlannedFileInput(title="Hồ sơ quy hoạch", heading_id=vp.id, retention_code="vinh_vien"),
        )
    assert "heading_id" in refused.value.field_errors
    assert db.session.get(CaseFile, made[0].id).code == "01.TCCB"


def test_copying_a_list_takes_the_same_statements_whatever_its_files(world, on_day):
    district = world.district
    clerk = district.clerk
    build_list(district, year=2025)

    def copy_counting(year: int) -> tuple[FileList, int]:
        statements: list[str] = []

        def count(conn, cursor, statement, *args):
            statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            copied = list_steps.create_list(clerk, year, copy_from_previous=True)
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        # The files' rows are inserted together (PostgreSQL: batched; SQLite: a row each):
        # what must not grow is the rest, once ~5 statements a file.
        return copied, len([s for s in statements if not s.startswith("INSERT INTO case_files")])

    small, few = copy_counting(2026)  # four files
    vp = next(h for h in db.session.scalars(select(FileHeading)) if h.list_id == small.id)
    for n in range(8):
        plan(clerk, small, vp, f"Hồ sơ thêm {n}")
    large, many = copy_counting(2027)  # twelve files
    assert few == many
    codes = [f.code for f in list_sheet.list_rows(large).files]
    assert len(codes) == 12 and len(set(codes)) == 12
    # The same numbers one file at a time would give: across the list, in list order.
    assert [int(c.split(".")[0]) for c in codes] == list(range(1, 13))
