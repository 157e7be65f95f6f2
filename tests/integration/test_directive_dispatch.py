"""Dispatching a directive: one document to a group of schools is one set of bulk inserts
(deliveries, their first events, one report task per school and request), whatever the
number of schools; a retried publish creates nothing twice; the draft form takes groups
and report requests as a browser posts them."""

from __future__ import annotations

from datetime import UTC, date, datetime

import lxml.html
import pytest
from sqlalchemy import event, func, insert, select

from eoffice.core import timeutil
from eoffice.core.errors import ValidationFailed
from eoffice.directives import groups
from eoffice.directives.groups import GroupInput
from eoffice.directives.inputs import RequestInput
from eoffice.directives.models import ReportRequest, ReportTask
from eoffice.extensions import db
from eoffice.jobs.connection import runner
from eoffice.notifications.models import Notification, NotificationKind
from eoffice.orgs.models import Organisation, OrgKind, User
from eoffice.outgoing import delivery, drafting, issuing, review
from eoffice.outgoing.drafting import RecipientInput
from eoffice.outgoing.models import Delivery, DeliveryEvent, OutgoingDocument, OutgoingRecipient
from tests import factories

NOW = datetime(2026, 9, 25, 2, 0, tzinfo=UTC)  # Friday 25/09/2026, 09:00 office time
LEVELS = (OrgKind.KINDERGARTEN, OrgKind.PRIMARY, OrgKind.LOWER_SECONDARY)


@pytest.fixture
def app_config(app_config):
    # The arrival notices are checked in the bell; no e-mail jobs for fifty clerks.
    return {**app_config, "NOTIFICATION_EMAIL_ENABLED": False}


@pytest.fixture(autouse=True)
def fixed_clock(app):
    timeutil.set_clock(lambda: NOW)
    yield
    timeutil.set_clock(None)


@pytest.fixture(autouse=True)
def empty_queues(app):
    runner().connection.flushall()


def _schools(count: int, prefix: str = "A") -> list[Organisation]:
    """`count` member schools of every level, each with its clerk."""
    made = []
    for n in range(1, count + 1):
        domain = f"truong{prefix.lower()}{n:03d}.hcm.edu.vn"
        org = factories.make_org(
            f"Trường {prefix}{n:03d}", LEVELS[n % 3], f"{prefix}{n:03d}", None, domain
        )
        org.ward = f"Phường {n % 4 + 1}"
        factories.make_user(org, f"vanthu@{domain}", ["clerk"], f"Văn Thư {prefix}{n:03d}")
        made.append(org)
    db.session.commit()
    return made


def _requests(*deadlines: date) -> list[RequestInput]:
    return [
        RequestInput(f"Gửi báo cáo số {n}", deadline, "file")
        for n, deadline in enumerate(deadlines, start=1)
    ]


def _draft(world, org_ids: list[int], requests: list[RequestInput], **extra) -> OutgoingDocument:
    data = factories.outgoing_plan(world, requests=requests, **extra)
    data.recipients = [RecipientInput("member", org_id=i) for i in org_ids] + data.recipients
    return drafting.create_draft(world.district.staff, data)


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


class Statements:
    """Every SQL statement sent to the database while active (an engine listener)."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def _record(self, conn, cursor, statement, parameters, context, executemany) -> None:
        self.seen.append(statement)

    def __enter__(self) -> Statements:
        event.listen(db.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc) -> None:
        event.remove(db.engine, "before_cursor_execute", self._record)


def test_a_directive_to_a_group_of_fifty_schools_reaches_every_inbox_with_its_tasks(office):
    world, _school_c = office
    schools = _schools(50)
    group = groups.create_group(
        world.district.admin,
        GroupInput("Cụm thi đua số 1", member_org_ids=[s.id for s in schools]),
    )
    chosen = groups.members_of(world.district.org, [f"custom:{group.id}"])
    assert sorted(chosen) == sorted(s.id for s in schools)
    deadlines = (date(2026, 10, 4), date(2026, 10, 30))
    doc = _draft(world, chosen, _requests(*deadlines))
    review.submit(world.district.staff, doc.id)
    review.approve(world.district.clerk, doc.id)
    issuing.sign(world.district.leader, doc.id)
    runner().work_burst()  # the publishing job: PDF, signatures, delivery

    db.session.expire_all()
    deliveries = list(db.session.scalars(select(Delivery).where(Delivery.outgoing_id == doc.id)))
    assert len(deliveries) == 50
    assert {d.recipient_org_id for d in deliveries} == {s.id for s in schools}
    assert {(d.status, d.channel) for d in deliveries} == {("01", "internal")}
    names = {s.id: s.name for s in schools}
    assert all(d.recipient_name == names[d.recipient_org_id] for d in deliveries)
    assert _count(DeliveryEvent, DeliveryEvent.delivery_id.in_([d.id for d in deliveries])) == 50

    # In each school's inbox, for its clerk, and the clerk was told.
    clerks = {s.id: _clerks_of(s) for s in schools}  # each school's only user
    for school in schools[::7]:
        [waiting] = delivery.inbox(clerks[school.id])
        assert waiting.outgoing_id == doc.id
    notices = db.session.scalars(
        select(Notification).where(Notification.kind == NotificationKind.DELIVERY_ARRIVED)
    ).all()
    assert {n.user_id for n in notices} == {c.id for c in clerks.values()}

    # 50 × 2 tasks, each with its request's deadline and its school's delivery.
    requests = list(
        db.session.scalars(
            select(ReportRequest)
            .where(ReportRequest.outgoing_id == doc.id)
            .order_by(ReportRequest.position)
        )
    )
    assert [r.deadline for r in requests] == list(deadlines)
    tasks = list(db.session.scalars(select(ReportTask)))
    assert len(tasks) == 100
    by_school = {d.recipient_org_id: d.id for d in deliveries}
    for request in requests:
        mine = [t for t in tasks if t.request_id == request.id]
        assert {t.recipient_org_id for t in mine} == {s.id for s in schools}
        assert {(t.deadline, t.state, t.late) for t in mine} == {(request.deadline, "open", False)}
        assert all(t.delivery_id == by_school[t.recipient_org_id] for t in mine)

    # The publishing job runs again (a retry after a lost acknowledgement): nothing twice.
    assert issuing.publish(doc.id) is True
    db.session.expire_all()
    assert _count(Delivery, Delivery.outgoing_id == doc.id) == 50
    assert _count(DeliveryEvent) == 50
    assert _count(ReportTask) == 100
    assert _count(Notification, Notification.kind == NotificationKind.DELIVERY_ARRIVED) == 50


def _clerks_of(school: Organisation) -> User:
    return db.session.scalars(select(User).where(User.org_id == school.id)).one()


def _statements_of_delivering(world, schools: list[Organisation]) -> list[str]:
    doc = _draft(world, [s.id for s in schools], _requests(date(2026, 10, 4)))
    db.session.expire_all()
    doc = db.session.get(OutgoingDocument, doc.id)
    with Statements() as counted:
        created = delivery.deliver(doc)
        db.session.flush()
    db.session.commit()
    assert len(created) == len(schools)
    assert _count(ReportTask, ReportTask.delivery_id.in_([d.id for d in created])) == len(schools)
    return counted.seen


def test_delivering_takes_the_same_statements_for_ten_schools_as_for_fifty(office):
    world, _school_c = office
    ten = _statements_of_delivering(world, _schools(10, "M"))
    fifty = _statements_of_delivering(world, _schools(50, "N"))
    assert len(ten) == len(fifty)
    inserts = [s for s in fifty if s.lstrip().upper().startswith("INSERT")]
    assert len(inserts) == 3  # deliveries, their first events, the report tasks


def test_a_second_delivery_of_the_same_document_creates_nothing(office, agency_listed):
    world, _school_c = office
    schools = _schools(5)
    doc = _draft(
        world,
        [s.id for s in schools],
        _requests(date(2026, 10, 4), date(2026, 10, 9)),
    )
    doc.recipients  # noqa: B018 (loaded)
    data = drafting.draft_input_from(doc)
    data.recipients.append(RecipientInput("external", agency_code="000.00.00.H29"))
    drafting.update_draft(world.district.staff, doc.id, data, [])
    doc = db.session.get(OutgoingDocument, doc.id)

    first = delivery.deliver(doc)
    db.session.commit()
    outside = [d for d in first if d.channel == "exchange"]
    assert len(first) == 6 and len(outside) == 1
    assert (outside[0].status, outside[0].agency_code) == ("00", "000.00.00.H29")
    assert _count(ReportTask) == 10  # members only: an outside agency answers by letter

    assert delivery.deliver(db.session.get(OutgoingDocument, doc.id)) == []
    db.session.commit()
    assert _count(Delivery) == 6
    assert _count(DeliveryEvent) == 6
    assert _count(ReportTask) == 10


# --- The draft form ---------------------------------------------------------------------


def _web(app, user):
    client = app.test_client()
    factories.login(client, user)
    return client


def _page(response) -> lxml.html.HtmlElement:
    return lxml.html.fromstring(response.get_data(as_text=True))


def _text(response) -> str:
    return " ".join(_page(response).text_content().split())


def _browser_draft(world, **overrides) -> dict:
    """What the browser posts for a new draft (the empty request rows included)."""
    data = {
        "document_type_id": str(factories.type_id("Kế hoạch")),
        "subject": "Kế hoạch kiểm tra nội bộ trường học năm học 2026 - 2027",
        "body_text": "I. MỤC ĐÍCH\n\nĐánh giá công tác quản lý.",
        "addressees": "Hiệu trưởng các trường",
        "symbol_unit": "",
        "signer_id": str(world.district.leader.id),
        "capacity": "",
        "capacity_title": "",
        "signer_title": "",
        "urgency_code": "normal",
        "confidentiality_code": "normal",
        "circulation": "",
        "copies": "",
        "agency_codes": "",
        "text_recipients": "Lưu: VT",
    }
    for n in range(5):
        data[f"requests-{n}-what"] = ""
        data[f"requests-{n}-deadline"] = ""
        data[f"requests-{n}-answer_form"] = "document"
    data.update(overrides)
    return data


def test_the_draft_form_takes_groups_and_requests_as_a_browser_posts_them(app, office):
    world, school_c = office  # school C: a kindergarten
    schools = _schools(6)
    cluster = groups.create_group(
        world.district.admin,
        GroupInput("Cụm 1", member_org_ids=[schools[0].id, schools[1].id]),
    )
    client = _web(app, world.district.staff)
    form = _page(client.get("/outgoing/new"))
    labels = form.xpath('//*[@id="member-groups"]//label/text()')
    assert "Tất cả các trường (9)" in labels  # school A, B, C and the six
    assert "Cụm 1 (2)" in labels
    assert len(form.xpath('//*[@id="report-requests"]//*[contains(@class, "request-row")]')) == 5
    assert form.xpath('//select[@name="requests-0-answer_form"]/option/text()') == [
        "Văn bản trả lời",
        "Tệp đính kèm",
        "Số liệu",
        "Nội dung ngắn",
    ]

    refused = client.post(
        "/outgoing/new",
        data=_browser_draft(
            world,
            member_groups=[f"custom:{cluster.id}"],
            **{"requests-0-what": "Gửi kế hoạch kiểm tra nội bộ"},
        ),
    )
    assert refused.status_code == 422
    assert "Yêu cầu thứ 1: chọn hạn trả lời." in _text(refused)
    assert _count(OutgoingDocument) == 0

    saved = client.post(
        "/outgoing/new",
        data=_browser_draft(
            world,
            member_groups=[f"custom:{cluster.id}", "level:kindergarten"],
            member_org_ids=[str(world.school_a.org.id)],
            **{
                "requests-0-what": "Gửi kế hoạch kiểm tra nội bộ của đơn vị",
                "requests-0-deadline": "04/10/2026",
                "requests-0-answer_form": "file",
                "requests-2-what": "Số giáo viên được kiểm tra",
                "requests-2-deadline": "30/10/2026",
                "requests-2-answer_form": "figure",
            },
        ),
    )
    assert saved.status_code == 302, _text(saved)[:2000]
    doc = db.session.scalars(select(OutgoingDocument)).one()
    kindergartens = {s.id for s in schools if s.kind == OrgKind.KINDERGARTEN} | {school_c.org.id}
    assert {r.org_id for r in doc.recipients if r.kind == "member"} == {
        schools[0].id,
        schools[1].id,
        world.school_a.org.id,
        *kindergartens,
    }
    stored = db.session.scalars(
        select(ReportRequest)
        .where(ReportRequest.outgoing_id == doc.id)
        .order_by(ReportRequest.position)
    ).all()
    assert [(r.position, r.what, r.deadline, r.answer_form) for r in stored] == [
        (1, "Gửi kế hoạch kiểm tra nội bộ của đơn vị", date(2026, 10, 4), "file"),
        (2, "Số giáo viên được kiểm tra", date(2026, 10, 30), "figure"),
    ]

    # The edit page fills the rows back; the document page shows them as a table.
    edit = _page(client.get(f"/outgoing/{doc.id}/edit"))
    texts = [" ".join(t.split()) for t in edit.xpath('//textarea[@name="requests-1-what"]/text()')]
    assert texts == ["Số giáo viên được kiểm tra"]
    assert edit.xpath('//input[@name="requests-0-deadline"]/@value') == ["04/10/2026"]
    assert edit.xpath('//select[@name="requests-1-answer_form"]/option[@selected]/@value') == [
        "figure"
    ]
    assert "".join(edit.xpath('//textarea[@name="requests-2-what"]/text()')).strip() == ""
    rows = _page(client.get(f"/outgoing/{doc.id}")).xpath('//tr[@class="report-request"]')
    assert [" ".join(r.text_content().split()) for r in rows] == [
        "1 Gửi kế hoạch kiểm tra nội bộ của đơn vị 04/10/2026 Tệp đính kèm",
        "2 Số giáo viên được kiểm tra 30/10/2026 Số liệu",
    ]


def test_a_group_removed_while_the_form_was_open_is_refused_in_place(app, office):
    world, _school_c = office
    schools = _schools(2)
    cluster = groups.create_group(
        world.district.admin, GroupInput("Cụm 1", member_org_ids=[s.id for s in schools])
    )
    key = f"custom:{cluster.id}"
    client = _web(app, world.district.staff)
    groups.delete_group(world.district.admin, cluster.id)
    refused = client.post("/outgoing/new", data=_browser_draft(world, member_groups=[key]))
    assert refused.status_code == 422
    assert "Có nhóm không còn trong danh sách, vui lòng chọn lại." in _text(refused)
    assert _count(OutgoingDocument) == 0


# --- Groups in "Nơi nhận" ---------------------------------------------------------------


def test_a_group_is_one_line_of_noi_nhan_and_every_school_gets_its_copy(office):
    world, _school_c = office
    schools = _schools(6)
    primary = [s for s in schools if s.kind == OrgKind.PRIMARY]
    primary_ids = {s.id for s in primary} | {
        o.id for o in (world.school_a.org, world.school_b.org) if o.kind == OrgKind.PRIMARY
    }
    named = primary[0]  # named one by one as well as in the group: listed as named
    data = factories.outgoing_plan(world, requests=_requests(date(2026, 10, 4)))
    data.groups = ["level:primary"]
    data.recipients = [RecipientInput("member", org_id=named.id), *data.recipients]
    doc = drafting.create_draft(world.district.staff, data)

    lines = issuing.recipient_lines(doc)
    assert lines[:3] == (
        "- Các trường tiểu học trên địa bàn;",
        f"- {named.name};",
        "- Lãnh đạo Phòng;",
    )
    assert len(lines) == 4 and lines[3].startswith("- Lưu: VT")
    again = drafting.draft_input_from(doc)  # the edit form and the DOCX round trip
    assert again.groups == ["level:primary"]
    assert [(r.kind, r.org_id or r.name) for r in again.recipients] == [
        ("member", named.id),
        ("text", "Lãnh đạo Phòng"),
    ]
    drafting.update_draft(world.district.staff, doc.id, again)  # saved again: unchanged
    db.session.expire_all()
    doc = db.session.get(OutgoingDocument, doc.id)
    assert issuing.recipient_lines(doc)[:3] == lines[:3]

    review.submit(world.district.staff, doc.id)
    review.approve(world.district.clerk, doc.id)
    issuing.sign(world.district.leader, doc.id)
    runner().work_burst()
    db.session.expire_all()
    delivered = set(
        db.session.scalars(select(Delivery.recipient_org_id).where(Delivery.outgoing_id == doc.id))
    )
    assert delivered == primary_ids  # every school of the group, the named one once
    assert _count(ReportTask) == len(primary_ids)
    doc = db.session.get(OutgoingDocument, doc.id)
    from eoffice.incoming.attachments import file_store
    from eoffice.outgoing.outgoing_register import recipient_lines as register_lines
    from tests.pdftext import pdf_text

    assert register_lines(doc) == ["Các trường tiểu học trên địa bàn", named.name, "Lãnh đạo Phòng"]
    printed = " ".join(pdf_text(file_store().read(doc.pdf_file.sha256)).split())
    assert "Các trường tiểu học trên địa bàn;" in printed
    assert all(s.name not in printed for s in primary[1:])


def test_each_group_kind_has_its_line_and_an_empty_group_is_refused(office, monkeypatch):
    world, _school_c = office
    schools = _schools(4)
    cluster = groups.create_group(
        world.district.admin, GroupInput("Cụm thi đua số 1", member_org_ids=[schools[0].id])
    )
    data = factories.outgoing_plan(world)
    data.groups = ["all", "ward:Phường 2", f"custom:{cluster.id}", "level:kindergarten"]
    doc = drafting.create_draft(world.district.staff, data)
    assert issuing.recipient_lines(doc)[:4] == (
        "- Các trường trên địa bàn;",
        "- Các trường trên địa bàn Phường 2;",
        "- Cụm thi đua số 1;",
        "- Các trường mầm non trên địa bàn;",
    )
    members = [r for r in doc.recipients if r.kind == "member"]
    assert len(members) == len({r.org_id for r in members})  # each school once
    assert {r.group_key for r in members} == {"all"}  # the first group picked claims it

    groups.update_group(
        world.district.admin,
        cluster.id,
        GroupInput("Cụm thi đua số 1", member_org_ids=[schools[1].id]),
    )
    schools[1].is_active = False  # closed: the group has no school left
    db.session.commit()
    data = factories.outgoing_plan(world)
    data.groups = [f"custom:{cluster.id}"]
    with pytest.raises(ValidationFailed) as caught:
        drafting.create_draft(world.district.staff, data)
    assert (
        "Nhóm «Cụm thi đua số 1» hiện không có trường nào"
        in caught.value.field_errors["recipients"]
    )
    monkeypatch.setattr(drafting, "MAX_RECIPIENTS", 3)
    data.groups = ["all"]
    with pytest.raises(ValidationFailed) as caught:
        drafting.create_draft(world.district.staff, data)
    assert caught.value.field_errors["recipients"] == "Tối đa 3 nơi nhận."


def _bulk_schools(count: int) -> None:
    """`count` member schools in one statement (the scale test needs no users)."""
    db.session.execute(
        insert(Organisation),
        [
            {
                "name": f"Trường Quy Mô {n:04d}",
                "name_folded": f"truong quy mo {n:04d}",
                "kind": LEVELS[n % 3],
                "is_member": True,
                "is_active": True,
                "ward": f"Phường {n % 20 + 1}",
            }
            for n in range(count)
        ],
    )
    db.session.commit()


def test_a_draft_to_2500_schools_keeps_its_pages_and_checks_in_a_few_queries(app, office):
    world, _school_c = office
    _bulk_schools(2500)
    data = factories.outgoing_plan(world, requests=_requests(date(2026, 10, 4)))
    data.groups = ["all"]
    with Statements() as saving:
        doc = drafting.create_draft(world.district.staff, data)
    assert len(saving.seen) < 60  # not one query per school
    total = _count(OutgoingRecipient, OutgoingRecipient.document_id == doc.id)
    assert total == 2500 + 3 + 1 + 1  # the schools, A, B, C; the group's line; a free line
    assert len(issuing.recipient_lines(doc)) == 3

    client = _web(app, world.district.staff)
    with Statements() as page_queries:
        page = client.get(f"/outgoing/{doc.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "cả nhóm: 2503 đơn vị trong hệ thống" in html
    assert "Trường Quy Mô 0001" not in html
    assert len(page_queries.seen) < 60
    with Statements() as form_queries:
        edit = client.get(f"/outgoing/{doc.id}/edit")
    assert edit.status_code == 200
    form = _page(edit)
    assert form.xpath('//input[@name="member_groups"][@checked]/@value') == ["all"]
    assert form.xpath('//select[@name="member_org_ids"]/option[@selected]') == []
    assert len(form_queries.seen) < 60
