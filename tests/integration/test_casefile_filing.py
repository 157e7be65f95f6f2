"""Filing: opening a file outside the list (NĐ 30 Đ29's required fields), editing it, the
files proposed for a document, the incoming FILE step that files into a real case file
in one transaction, and an issued outgoing document filed from its page."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import event, func, select

from eoffice.casefiles import creating, files, suggest
from eoffice.casefiles.creating import FileInput
from eoffice.casefiles.models import CaseFile, CaseFileItem
from eoffice.core import timeutil
from eoffice.core.audit import history
from eoffice.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from eoffice.extensions import db
from eoffice.incoming import processing
from eoffice.incoming.models import IncomingDocument
from eoffice.orgs import people
from eoffice.outgoing import drafting
from tests import factories
from tests.casefile_support import handled_incoming, issued_outgoing
from tests.directive_support import local_moment

TODAY = date(2026, 11, 20)


@pytest.fixture(autouse=True)
def on_day(app):
    timeutil.set_clock(lambda: local_moment(TODAY, 10))
    yield
    timeutil.set_clock(None)


def _file(actor, title: str, notation: str = "VP", **fields) -> CaseFile:
    return creating.create_file(
        actor,
        FileInput(
            title=title, notation=notation, retention=fields.pop("retention", "10"), **fields
        ),
    )


def _client(app, user):
    client = app.test_client()
    factories.login(client, user)
    return client


# Opening outside the list, editing -------------------------------------------------------


def test_a_file_outside_the_list_needs_the_fields_of_article_29(world):
    staff = world.school_a.staff
    with pytest.raises(ValidationFailed) as caught:
        creating.create_file(staff, FileInput(title="  ", notation="", retention=None))
    assert set(caught.value.field_errors) == {"title", "notation", "retention"}
    assert caught.value.field_errors["notation"].startswith("Vui lòng nhập ký hiệu hồ sơ")

    with pytest.raises(ValidationFailed) as caught:
        creating.create_file(
            staff,
            FileInput(
                title="Hồ sơ tuyển sinh",
                notation="V.P",
                retention="muoi-nam",
                start_date=date(2026, 11, 21),
                keeper_id=world.school_a.clerk.id,
            ),
        )
    assert caught.value.field_errors == {
        "notation": creating.MSG_NOTATION_CHARS,
        "retention": "Chọn thời hạn bảo quản trong danh mục.",
        "start_date": creating.MSG_START_FUTURE,
        "keeper_id": creating.MSG_KEEPER_OTHER,  # a staff member keeps the files they open
    }
    with pytest.raises(ValidationFailed) as caught:  # nobody of another office keeps ours
        _file(world.school_a.clerk, "Hồ sơ tuyển sinh", keeper_id=world.school_b.staff.id)
    assert caught.value.field_errors == {"keeper_id": creating.MSG_KEEPER}
    assert db.session.scalar(select(func.count(CaseFile.id))) == 0

    first = _file(staff, "Hồ sơ  tổ chức Hội khỏe Phù Đổng", notation="vp")
    assert (first.code, first.number, first.notation, first.year) == ("01.VP", 1, "VP", 2026)
    assert (first.state, first.in_list, first.keeper_id) == ("open", False, staff.id)
    assert (first.title, first.start_date, first.retention_code) == (
        "Hồ sơ tổ chức Hội khỏe Phù Đổng",
        TODAY,
        "10",
    )
    assert first.unit_id == staff.unit_id and first.opened_by_id == staff.id
    [created] = history("case_file", first.id)
    assert created.action == "created" and created.changes["code"] == "01.VP"

    # The clerk opens one for the staff member, begun last month: the numbers run on.
    second = _file(
        world.school_a.clerk,
        "Hồ sơ thi đua khen thưởng",
        notation="TĐKT",
        retention="vinh_vien",
        keeper_id=staff.id,
        start_date=date(2026, 10, 5),
    )
    assert (second.code, second.keeper_id, second.start_date) == (
        "02.TĐKT",
        staff.id,
        date(2026, 10, 5),
    )
    # Another office numbers its own files from 01.
    assert _file(world.school_b.clerk, "Hồ sơ tuyển sinh").code == "01.VP"


def test_updating_a_file_while_it_is_kept(world):
    school = world.school_a
    case_file = _file(school.staff, "Hồ sơ hội thi")
    creating.update_file(
        school.staff,
        case_file.id,
        FileInput(title="Hồ sơ hội thi giáo viên dạy giỏi", retention="20", note="Cấp trường"),
    )
    db.session.expire_all()
    case_file = db.session.get(CaseFile, case_file.id)
    assert (case_file.title, case_file.retention_code, case_file.note) == (
        "Hồ sơ hội thi giáo viên dạy giỏi",
        "20",
        "Cấp trường",
    )
    assert case_file.code == "01.VP"  # the code is fixed once the file exists
    updated = history("case_file", case_file.id)[-1]
    assert updated.action == "updated"
    assert updated.changes["retention"] == {"from": "10 năm", "to": "20 năm"}
    assert set(updated.changes) == {"title", "retention", "note"}

    with pytest.raises(ValidationFailed) as caught:  # a staff member hands no file over
        creating.update_file(
            school.staff,
            case_file.id,
            FileInput(title=case_file.title, retention="20", keeper_id=school.clerk.id),
        )
    assert set(caught.value.field_errors) == {"keeper_id"}
    creating.update_file(  # the leader does
        school.leader,
        case_file.id,
        FileInput(title=case_file.title, retention="20", keeper_id=school.clerk.id),
    )
    assert db.session.get(CaseFile, case_file.id).keeper_id == school.clerk.id
    with pytest.raises(Forbidden):  # no longer the keeper, not a manager
        creating.update_file(school.staff, case_file.id, FileInput(title="X", retention="20"))
    with pytest.raises(NotFound):
        creating.update_file(
            world.school_b.leader, case_file.id, FileInput(title="X", retention="5")
        )

    doc = handled_incoming(school)
    files.add_documents(school.clerk, case_file.id, incoming_ids=[doc.id])
    files.close_file(school.clerk, case_file.id, "20")
    with pytest.raises(Conflict):
        creating.update_file(school.clerk, case_file.id, FileInput(title="Khác", retention="20"))


# Proposals ------------------------------------------------------------------------------


def test_proposals_put_the_documents_relatives_first_then_mine_then_my_unit(world):
    school = world.school_a
    clerk, staff = school.clerk, school.staff
    unit = people.add_unit(school.admin, school.org.id, "Tổ chuyên môn khối 5", "TCM5")
    teacher = people.add_user(
        school.admin,
        school.org.id,
        email="gv2@thleloi.hcm.edu.vn",
        full_name="Trần Văn Dạy",
        password=factories.PASSWORD,
        roles=["staff"],
        unit_id=unit.id,
    )
    earlier = handled_incoming(school, subject="Về việc hội thi năm trước")
    doc = handled_incoming(school, subject="Về việc hội thi năm nay")
    other_sender = factories.register(
        clerk, sender_name="Công ty Cổ phần Sách giáo dục", subject="Thư mời dự hội thảo"
    )

    related = _file(clerk, "Hồ sơ hội thi", keeper_id=staff.id)
    files.add_documents(clerk, related.id, incoming_ids=[earlier.id])
    mine = _file(clerk, "Hồ sơ của văn thư")
    my_unit = _file(clerk, "Hồ sơ của tổ văn phòng", keeper_id=staff.id)
    elsewhere = _file(clerk, "Hồ sơ của tổ khối 5", keeper_id=teacher.id)
    files.add_documents(clerk, elsewhere.id, incoming_ids=[other_sender.id])  # most recent
    holding = _file(clerk, "Hồ sơ đã có văn bản", keeper_id=teacher.id)
    files.add_documents(clerk, holding.id, incoming_ids=[doc.id])
    closed = _file(clerk, "Hồ sơ cùng nơi gửi đã kết thúc", keeper_id=staff.id)
    files.add_documents(clerk, closed.id, incoming_ids=[earlier.id])
    files.close_file(clerk, closed.id, "10")

    proposed = suggest.proposed_files(clerk, incoming_id=doc.id)
    assert [f.id for f in proposed] == [related.id, mine.id, my_unit.id, elsewhere.id]
    assert [f.id for f in suggest.proposed_files(clerk, incoming_id=doc.id, limit=2)] == [
        related.id,
        mine.id,
    ]
    # A staff member is offered only the files they may file into: those they keep.
    assert [f.id for f in suggest.proposed_files(staff, incoming_id=doc.id)] == [
        related.id,
        my_unit.id,
    ]
    # Another office's document: nothing to propose.
    assert suggest.proposed_files(world.school_b.clerk, incoming_id=doc.id) == []

    # The reply chain: an outgoing reply to the document leads to the files of the reply,
    # and the reply itself to the files of the document it answers.
    reply = drafting.create_draft(
        staff,
        factories.outgoing_plan(
            world, signer_id=school.leader.id, subject="Báo cáo kết quả hội thi", reply_to_id=doc.id
        ),
    )
    files.add_documents(staff, my_unit.id, outgoing_ids=[reply.id])  # the drafter files it
    # Two relatives now: the one worked on last comes first.
    assert [f.id for f in suggest.proposed_files(clerk, incoming_id=doc.id)] == [
        my_unit.id,
        related.id,
        mine.id,
        elsewhere.id,
    ]
    for_reply = [f.id for f in suggest.proposed_files(clerk, outgoing_id=reply.id)]
    assert for_reply[0] == holding.id  # it holds the incoming document answered
    assert my_unit.id not in for_reply  # already holds the reply


def test_a_document_pages_choices_are_ranked_and_bounded(world):
    """One ranked query gives the proposals and the select's files: every file the
    person may file into (those holding the document too), in the list's order; past
    `shown`, the best ranked ones, and `more` says there are others."""
    school = world.school_a
    clerk = school.clerk
    earlier = handled_incoming(school, subject="Về việc hội thi năm trước")
    doc = handled_incoming(school, subject="Về việc hội thi năm nay")
    related = _file(clerk, "Hồ sơ hội thi", keeper_id=school.staff.id)  # 01
    files.add_documents(clerk, related.id, incoming_ids=[earlier.id])
    holding = _file(clerk, "Hồ sơ đã có văn bản")  # 02
    files.add_documents(clerk, holding.id, incoming_ids=[doc.id])
    others = [_file(clerk, f"Hồ sơ số {n}", keeper_id=school.staff.id) for n in range(3)]  # 03–05
    mine = _file(clerk, "Hồ sơ của văn thư")  # 06

    everything = suggest.document_choices(clerk, incoming_id=doc.id)
    assert (
        [f.id for f in everything.proposals]
        == [
            related.id,
            mine.id,
            *(f.id for f in reversed(others)),  # then the most recently changed
        ][: suggest.DEFAULT_LIMIT]
    )
    assert [f.code for f in everything.files] == [f"0{n}.VP" for n in range(1, 7)]
    assert [f.holds for f in everything.files] == [False, True, False, False, False, False]
    assert not everything.more
    assert everything.files[0].label == "01.VP – Hồ sơ hội thi (2026)"

    bounded = suggest.document_choices(clerk, incoming_id=doc.id, shown=3)
    assert bounded.more
    # The three best ranked (a relative, the clerk's own, the latest), in the list's order;
    # the file already holding the document ranks last of all.
    assert [f.id for f in bounded.files] == [related.id, others[2].id, mine.id]
    assert bounded.proposals == everything.proposals
    assert suggest.document_choices(clerk, incoming_id=doc.id, shown=6).more is False
    # A staff member's choices are the files they keep (and none of another office's).
    staff_choices = suggest.document_choices(school.staff, incoming_id=doc.id)
    assert {f.id for f in staff_choices.files} == {related.id, *(f.id for f in others)}
    assert suggest.document_choices(world.school_b.clerk, incoming_id=doc.id) == (
        suggest.NO_CHOICES
    )


# The incoming FILE step -----------------------------------------------------------------


def test_the_file_step_files_the_document_into_a_real_case_file(world, app):
    school = world.school_a
    doc = handled_incoming(school)
    case_file = _file(school.clerk, "Hồ sơ phong trào thể dục thể thao")

    processing.file(school.clerk, doc.id, case_file_id=case_file.id)
    db.session.expire_all()
    assert db.session.get(IncomingDocument, doc.id).state == "filed"
    assert [(r.kind, r.document_id) for r in files.contents(case_file)] == [("incoming", doc.id)]
    filed = history("incoming", doc.id)[-1]
    assert filed.action == "filed"
    assert filed.changes["case_file"] == "01.VP – Hồ sơ phong trào thể dục thể thao"
    assert history("case_file", case_file.id)[-1].action == "documents_added"
    assert [f.id for f in files.files_of_document(school.staff, incoming_id=doc.id)] == [
        case_file.id
    ]

    # Through the page: the lead handler files into the file they keep, in one click.
    other = handled_incoming(school, subject="Về việc hội thao")
    own = _file(school.staff, "Hồ sơ hội thao của giáo viên")
    client = _client(app, school.staff)
    page = client.get(f"/incoming/{other.id}").get_data(as_text=True)
    assert 'id="file-proposals"' in page and "Lưu vào hồ sơ này" in page
    assert f'name="file-case_file_id" value="{own.id}"' in page
    assert "Hồ sơ phong trào" not in page  # the clerk's file is not the staff's to fill
    response = client.post(
        f"/incoming/{other.id}/steps/file", data={"file-case_file_id": str(own.id)}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(IncomingDocument, other.id).state == "filed"
    page = client.get(f"/incoming/{other.id}").get_data(as_text=True)
    card = page.split('id="ho-so"')[1]
    assert f'href="/casefiles/{own.id}"' in card and "Văn bản chưa thuộc hồ sơ nào." not in card


def _file_statements(client, url: str) -> tuple[str, list[str]]:
    """The page at `url` and the SQL statements it ran that read case files."""
    statements: list[str] = []

    def count(conn, cursor, statement, *args) -> None:
        if "FROM case_files" in statement:
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = client.get(url)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert response.status_code == 200
    return response.get_data(as_text=True), statements


def test_the_file_step_and_the_card_share_one_ranked_query(world, app):
    """The FILE step's select and the "Hồ sơ" card offer the same files, looked up once;
    a page that offers no filing does not look them up at all."""
    school = world.school_a
    earlier = handled_incoming(school, subject="Về việc hội thi năm trước")
    doc = handled_incoming(school, subject="Về việc hội thi năm nay")
    related = _file(school.clerk, "Hồ sơ hội thi")
    files.add_documents(school.clerk, related.id, incoming_ids=[earlier.id])
    holding = _file(school.clerk, "Hồ sơ đã có văn bản")
    files.add_documents(school.clerk, holding.id, incoming_ids=[doc.id])

    page, statements = _file_statements(_client(app, school.clerk), f"/incoming/{doc.id}")
    assert len(statements) == 2  # the files holding the document, then the ranked choices
    select_html = page.split('name="file-case_file_id"')[1].split("</select>")[0]
    assert f'<option value="{related.id}">Đề xuất: 01.VP – Hồ sơ hội thi (2026)</option>' in (
        select_html
    )
    # Filing into the file already holding it ends the step too: in the select, and as a
    # button on the card; it is not proposed again.
    assert f'<option value="{holding.id}">02.VP – Hồ sơ đã có văn bản (2026)</option>' in (
        select_html
    )
    card = page.split('id="ho-so"')[1]
    assert f'data-file="{holding.id}"' in card.split('id="file-proposals"')[0]
    proposals = card.split('id="file-proposals"')[1].split("</ul>")[0]
    assert f'data-file="{related.id}"' in proposals
    assert f'data-file="{holding.id}"' not in proposals
    assert "more-files" not in page

    # The leader takes no FILE step: the card lists the files holding the document only.
    page, statements = _file_statements(_client(app, school.leader), f"/incoming/{doc.id}")
    assert len(statements) == 1
    assert 'id="file-proposals"' not in page and f'data-file="{holding.id}"' in page


def test_a_long_list_of_files_is_cut_with_a_way_to_the_others(world, app):
    """Past CHOICES_SHOWN files, the select lists the most relevant ones and the page
    says how to reach the others (from the file's own page)."""
    school = world.school_a
    doc = handled_incoming(school)
    for n in range(suggest.CHOICES_SHOWN + 1):
        _file(school.clerk, f"Hồ sơ công việc số {n + 1}")
    page = _client(app, school.clerk).get(f"/incoming/{doc.id}").get_data(as_text=True)
    select_html = page.split('name="file-case_file_id"')[1].split("</select>")[0]
    assert select_html.count("<option") == 1 + suggest.CHOICES_SHOWN  # and «— Chọn hồ sơ —»
    assert "Danh sách chỉ có 100 hồ sơ liên quan nhất" in page  # on the step's field
    assert 'class="small text-body-secondary mt-2 mb-0 more-files"' in page  # on the card
    assert 'href="/casefiles/?tab=all"' in page.split('id="ho-so"')[1]


def test_the_file_step_is_all_or_nothing(world, app):
    school = world.school_a
    doc = handled_incoming(school)
    case_file = _file(school.clerk, "Hồ sơ công tác tuyển sinh")

    # The leader may change the file but is not the one to file the document: the
    # document was added first, and the refusal takes the addition back.
    with pytest.raises(Forbidden):
        processing.file(school.leader, doc.id, case_file_id=case_file.id)
    # The staff member handles the document but does not keep the clerk's file.
    with pytest.raises(ValidationFailed) as caught:
        processing.file(school.staff, doc.id, case_file_id=case_file.id)
    assert set(caught.value.field_errors) == {"case_file_id"}
    with pytest.raises(ValidationFailed):  # another office's file is not offered either
        processing.file(school.clerk, doc.id, case_file_id=_file(world.school_b.clerk, "X").id)

    busy = handled_incoming(school, complete=False, subject="Về việc báo cáo")
    with pytest.raises(Conflict):  # not completed: nothing filed, nothing added
        processing.file(school.clerk, busy.id, case_file_id=case_file.id)

    done = handled_incoming(school, subject="Về việc tuyển sinh lớp 1")
    files.add_documents(school.clerk, case_file.id, incoming_ids=[done.id])
    files.close_file(school.clerk, case_file.id, "10")
    with pytest.raises(ValidationFailed) as caught:  # a closed file takes nothing more
        processing.file(school.clerk, doc.id, case_file_id=case_file.id)
    assert "đã kết thúc" in caught.value.field_errors["case_file_id"]

    db.session.expire_all()
    assert db.session.get(IncomingDocument, doc.id).state == "completed"
    assert db.session.get(IncomingDocument, busy.id).state == "in_progress"
    assert db.session.scalar(select(func.count(CaseFileItem.id))) == 1  # `done` only
    assert [e.action for e in history("incoming", doc.id)][-1] == "completed"

    # On the page, a refused file is said on the step's field, and nothing moves.
    client = _client(app, school.clerk)
    response = client.post(
        f"/incoming/{doc.id}/steps/file", data={"file-case_file_id": str(case_file.id)}
    )
    assert response.status_code == 422
    assert "không đưa thêm văn bản vào được" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(IncomingDocument, doc.id).state == "completed"


# Outgoing documents ---------------------------------------------------------------------


def test_an_issued_outgoing_document_is_filed_from_its_page(world, app, test_ca):
    district = world.district
    factories.equip_for_signing(district, test_ca)
    issued = issued_outgoing(world, None, subject="Kế hoạch kiểm tra nội bộ năm học 2026 - 2027")
    case_file = _file(district.clerk, "Hồ sơ kiểm tra nội bộ")
    client = _client(app, district.clerk)

    page = client.get(f"/outgoing/{issued.id}").get_data(as_text=True)
    assert 'id="ho-so"' in page and "Văn bản chưa thuộc hồ sơ nào." in page
    assert f'<option value="{case_file.id}">01.VP – Hồ sơ kiểm tra nội bộ (2026)</option>' in page
    response = client.post(
        f"/casefiles/outgoing/{issued.id}", data={"filing-case_file_id": str(case_file.id)}
    )
    assert response.status_code == 302 and response.location.endswith(
        f"/outgoing/{issued.id}#ho-so"
    )
    assert [(r.kind, r.document_id) for r in files.contents(case_file)] == [("outgoing", issued.id)]
    page = client.get(f"/outgoing/{issued.id}").get_data(as_text=True)
    assert f'href="/casefiles/{case_file.id}"' in page and "Đã lưu văn bản vào hồ sơ 01.VP" in page

    # A draft is filed from the file's page, not its own; an unknown file is refused.
    draft = drafting.create_draft(district.staff, factories.outgoing_plan(world))
    drafter = _client(app, district.staff)
    draft_page = drafter.get(f"/outgoing/{draft.id}")
    assert draft_page.status_code == 200 and 'id="ho-so"' not in draft_page.get_data(as_text=True)
    mine = _file(district.staff, "Hồ sơ của chuyên viên")
    drafter.post(f"/casefiles/outgoing/{draft.id}", data={"filing-case_file_id": str(mine.id)})
    assert files.contents(mine) == []
    client.post(f"/casefiles/outgoing/{issued.id}", data={"filing-case_file_id": "999999"})
    assert len(files.contents(case_file)) == 1
    # Another office neither sees the document's files nor files it.
    other = _client(app, world.school_b.clerk)
    assert (
        other.post(
            f"/casefiles/outgoing/{issued.id}", data={"filing-case_file_id": str(case_file.id)}
        ).status_code
        == 404
    )


def test_a_file_holding_a_draft_outgoing_cannot_close(world):
    district = world.district
    draft = drafting.create_draft(district.staff, factories.outgoing_plan(world))
    case_file = _file(district.staff, "Hồ sơ xây dựng kế hoạch")
    files.add_documents(district.staff, case_file.id, outgoing_ids=[draft.id])
    problems = files.closing_problems(case_file)
    assert len(problems) == 1 and problems[0].startswith("STT 1 (chưa có số)")
    with pytest.raises(Conflict, match="STT 1"):
        files.close_file(district.staff, case_file.id, "10")
    assert db.session.get(CaseFile, case_file.id).state == "open"
