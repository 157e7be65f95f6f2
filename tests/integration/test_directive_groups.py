"""Recipient groups: the built-in groups of an office (all schools, by level, by ward)
computed from the organisations, the custom groups its admin keeps (validated, audited,
the admin's own office only), and their admin pages."""

from __future__ import annotations

import lxml.html
import pytest
from sqlalchemy import func, select

from eoffice.core.audit import history
from eoffice.core.errors import Forbidden, NotFound, ValidationFailed
from eoffice.directives import groups
from eoffice.directives.groups import GroupInput
from eoffice.directives.models import RecipientGroup, RecipientGroupMember
from eoffice.extensions import db
from eoffice.orgs.models import OrgKind
from eoffice.orgs.services import OrganisationData, save_organisation
from tests import factories


@pytest.fixture
def district_schools(world):
    """The district office and six schools: two primary (wards 5 and 10), a THCS in ward
    5, a kindergarten without a ward, a closed primary school and an outside agency."""
    world.school_a.org.ward = "Phường 5"
    world.school_b.org.ward = "Phường 5"
    primary_2 = factories.make_org(
        "Trường Tiểu học Hòa Bình", OrgKind.PRIMARY, "THHB", "004.01.31.H29", "thhb.edu.vn"
    )
    primary_2.ward = "Phường 10"
    kindergarten = factories.make_org(
        "Trường Mầm non Hoa Sen", OrgKind.KINDERGARTEN, "MNHS", "003.01.31.H29", "mnhs.edu.vn"
    )
    closed = factories.make_org(
        "Trường Tiểu học Đã Giải Thể", OrgKind.PRIMARY, "THGT", "005.01.31.H29", "thgt.edu.vn"
    )
    closed.ward = "Phường 5"
    closed.is_active = False
    outside = save_organisation(
        OrganisationData(name="Sở Giáo dục và Đào tạo", agency_code="000.00.00.H29")
    )
    db.session.commit()
    return {
        "a": world.school_a.org,
        "b": world.school_b.org,
        "p2": primary_2,
        "k": kindergarten,
        "closed": closed,
        "outside": outside,
    }


def _web(app, user):
    client = app.test_client()
    factories.login(client, user)
    return client


def _page(response) -> lxml.html.HtmlElement:
    return lxml.html.fromstring(response.get_data(as_text=True))


def _text(response) -> str:
    return " ".join(_page(response).text_content().split())


# --- Built-in groups -------------------------------------------------------------------


def test_the_built_in_groups_are_counted_from_the_organisations(world, district_schools):
    office = world.district.org
    choices = {c.key: (c.label, c.count, c.section) for c in groups.choices_for(office)}
    assert choices == {
        "all": ("Tất cả các trường", 4, "Toàn bộ"),
        "level:kindergarten": ("Trường mầm non", 1, "Theo cấp học"),
        "level:primary": ("Trường tiểu học", 2, "Theo cấp học"),
        "level:lower_secondary": ("Trường trung học cơ sở", 1, "Theo cấp học"),
        "ward:Phường 5": ("Phường 5", 2, "Theo phường, xã"),
        "ward:Phường 10": ("Phường 10", 1, "Theo phường, xã"),
    }
    # Wards in their natural order: 5 before 10.
    keys = [c.key for c in groups.choices_for(office)]
    assert keys.index("ward:Phường 5") < keys.index("ward:Phường 10")


def test_keys_become_the_schools_once_each_and_never_the_office_itself(world, district_schools):
    s = district_schools
    office = world.district.org
    assert set(groups.members_of(office, ["all"])) == {
        s["a"].id,
        s["b"].id,
        s["p2"].id,
        s["k"].id,
    }
    assert set(groups.members_of(office, ["level:primary"])) == {s["a"].id, s["p2"].id}
    assert set(groups.members_of(office, ["ward:Phường 5"])) == {s["a"].id, s["b"].id}
    both = groups.members_of(office, ["level:primary", "ward:Phường 5"])
    assert sorted(both) == sorted({s["a"].id, s["b"].id, s["p2"].id})  # school A once
    assert groups.members_of(office, []) == []
    # Seen from a school, "all" is every other school and never the school itself.
    assert world.school_a.org.id not in groups.members_of(world.school_a.org, ["all"])


@pytest.mark.parametrize("key", ["everyone", "level:high_school", "ward:", "custom:abc", ""])
def test_an_unknown_group_key_is_refused_in_vietnamese(world, district_schools, key):
    with pytest.raises(ValidationFailed) as refused:
        groups.members_of(world.district.org, [key])
    assert refused.value.field_errors == {"groups": groups.MSG_UNKNOWN_GROUP}


def test_members_of_takes_a_fixed_number_of_queries(app, world, district_schools):
    group = groups.create_group(
        world.district.admin, GroupInput("Cụm 1", member_org_ids=[district_schools["k"].id])
    )
    office, key = world.district.org, f"custom:{group.id}"
    assert office.name  # loaded before counting
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    from sqlalchemy import event

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        groups.members_of(office, ["all", "level:primary", "ward:Phường 5", key])
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) == 2  # the built-in groups together, then the custom one


# --- Custom groups ---------------------------------------------------------------------


def test_an_admin_creates_renames_refills_and_deletes_a_custom_group(world, district_schools):
    s = district_schools
    admin = world.district.admin
    group = groups.create_group(
        admin,
        GroupInput(
            "  Cụm   1 ",
            "Các trường phía bắc quận",
            [s["a"].id, s["k"].id],
        ),
    )
    assert (group.name, group.description, group.org_id) == (
        "Cụm 1",
        "Các trường phía bắc quận",
        world.district.org.id,
    )
    assert sorted(groups.member_ids(group)) == sorted([s["a"].id, s["k"].id])
    choice = next(
        c for c in groups.choices_for(world.district.org) if c.key == f"custom:{group.id}"
    )
    assert (choice.label, choice.count, choice.section) == ("Cụm 1", 2, "Nhóm riêng")

    groups.update_group(admin, group.id, GroupInput("Cụm Bắc", None, [s["k"].id, s["p2"].id]))
    db.session.expire_all()
    group = db.session.get(RecipientGroup, group.id)
    assert group.name == "Cụm Bắc" and group.description is None
    assert set(groups.members_of(world.district.org, [f"custom:{group.id}"])) == {
        s["k"].id,
        s["p2"].id,
    }
    events = history(groups.SUBJECT, group.id)
    assert [e.action for e in events] == ["created", "updated"]
    assert events[1].changes["name"] == ["Cụm 1", "Cụm Bắc"]
    assert events[1].changes["members"] == [2, 2]
    assert "Thêm: Trường Tiểu học Hòa Bình" in events[1].note
    assert "Bớt: Trường Tiểu học Lê Lợi" in events[1].note

    groups.delete_group(admin, group.id)
    assert db.session.get(RecipientGroup, group.id) is None
    assert db.session.scalar(select(func.count()).select_from(RecipientGroupMember)) == 0
    assert [e.action for e in history(groups.SUBJECT, group.id)][-1] == "deleted"


def test_a_closed_school_drops_out_of_a_custom_group_it_is_still_listed_in(world, district_schools):
    s = district_schools
    group = groups.create_group(
        world.district.admin, GroupInput("Cụm 2", member_org_ids=[s["a"].id, s["p2"].id])
    )
    s["p2"].is_active = False
    db.session.commit()
    assert groups.members_of(world.district.org, [f"custom:{group.id}"]) == [s["a"].id]
    [row] = groups.custom_groups(world.district.admin)
    assert row.count == 1
    assert len(groups.member_ids(group)) == 2  # still listed: the admin sees and removes it


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (GroupInput("", member_org_ids=["a"]), "name", "Vui lòng nhập tên nhóm."),
        (GroupInput("x" * 151, member_org_ids=["a"]), "name", "Tên nhóm tối đa 150 ký tự."),
        (GroupInput("CUM 1", member_org_ids=["a"]), "name", "Đã có nhóm «CUM 1»"),
        (GroupInput("Cụm 3", "m" * 501, ["a"]), "description", "Mô tả tối đa 500 ký tự."),
        (GroupInput("Cụm 3", member_org_ids=[]), "member_org_ids", "ít nhất một trường"),
        (GroupInput("Cụm 3", member_org_ids=["outside"]), "member_org_ids", "đang hoạt động"),
        (GroupInput("Cụm 3", member_org_ids=["closed"]), "member_org_ids", "đang hoạt động"),
        (GroupInput("Cụm 3", member_org_ids=["self"]), "member_org_ids", "chính cơ quan"),
        (GroupInput("Cụm 3", member_org_ids=[2**40]), "member_org_ids", "không hợp lệ"),
    ],
)
def test_a_bad_group_is_refused_field_by_field_and_nothing_is_written(
    world, district_schools, data, field, message
):
    admin = world.district.admin
    groups.create_group(admin, GroupInput("Cụm 1", member_org_ids=[district_schools["a"].id]))
    ids = {**{k: v.id for k, v in district_schools.items()}, "self": world.district.org.id}
    members = [ids.get(i, i) if isinstance(i, str) else i for i in data.member_org_ids]
    with pytest.raises(ValidationFailed) as refused:
        groups.create_group(admin, GroupInput(data.name, data.description, members))
    assert message in refused.value.field_errors[field]
    assert db.session.scalar(select(func.count()).select_from(RecipientGroup)) == 1


def test_only_the_offices_admin_manages_its_own_groups(world, district_schools):
    group = groups.create_group(
        world.district.admin, GroupInput("Cụm 1", member_org_ids=[district_schools["a"].id])
    )
    with pytest.raises(Forbidden):
        groups.create_group(world.district.clerk, GroupInput("Cụm 9", member_org_ids=[]))
    with pytest.raises(Forbidden):
        groups.custom_groups(world.district.leader)
    school_admin = world.school_a.admin
    with pytest.raises(NotFound):  # another office's group does not exist for this admin
        groups.get_group(school_admin, group.id)
    with pytest.raises(NotFound):
        groups.delete_group(school_admin, group.id)
    with pytest.raises(NotFound):
        groups.update_group(school_admin, group.id, GroupInput("Của tôi", None, []))
    assert groups.custom_groups(school_admin) == []
    # Nor can a school send to the district's group by its key.
    with pytest.raises(ValidationFailed):
        groups.members_of(world.school_a.org, [f"custom:{group.id}"])
    assert db.session.get(RecipientGroup, group.id).name == "Cụm 1"


# --- The admin pages -------------------------------------------------------------------


def test_the_admin_lists_the_groups_with_their_counts_and_adds_one(app, world, district_schools):
    s = district_schools
    client = _web(app, world.district.admin)
    home = client.get("/")
    assert "/admin/recipient-groups/" in home.get_data(as_text=True)  # in the admin menu

    listing = client.get("/admin/recipient-groups/")
    assert listing.status_code == 200
    built_in = _page(listing).xpath('//*[@id="built-in-groups"]//li')
    counts = {li.get("data-key"): " ".join(li.text_content().split()) for li in built_in}
    assert counts["all"].endswith("4 trường")
    assert counts["ward:Phường 5"].endswith("2 trường")
    assert "Chưa có nhóm riêng nào." in _text(listing)

    form = client.get("/admin/recipient-groups/new")
    boxes = _page(form).xpath('//input[@name="member_org_ids"]/@value')
    assert sorted(int(v) for v in boxes) == sorted([s["a"].id, s["b"].id, s["p2"].id, s["k"].id])
    assert "Trường tiểu học (2)" in _text(form) and "Trường mầm non (1)" in _text(form)

    refused = client.post("/admin/recipient-groups/new", data={"name": "Cụm 1"})
    assert refused.status_code == 422
    assert "Vui lòng chọn ít nhất một trường." in _text(refused)

    saved = client.post(
        "/admin/recipient-groups/new",
        data={"name": "Cụm 1", "member_org_ids": [str(s["a"].id), str(s["k"].id)]},
    )
    assert saved.status_code == 302
    listing = client.get("/admin/recipient-groups/")
    [row] = _page(listing).xpath('//*[@id="custom-groups"]//tr[@data-group-id]')
    assert "Cụm 1" in row.text_content()
    assert row.xpath('.//td[contains(@class, "group-count")]')[0].text_content().strip() == "2"


def test_the_admin_edits_and_deletes_a_group_on_its_page(app, world, district_schools):
    s = district_schools
    group = groups.create_group(
        world.district.admin, GroupInput("Cụm 1", member_org_ids=[s["a"].id])
    )
    client = _web(app, world.district.admin)
    edit = client.get(f"/admin/recipient-groups/{group.id}/edit")
    checked = _page(edit).xpath('//input[@name="member_org_ids"][@checked]/@value')
    assert checked == [str(s["a"].id)]
    assert _page(edit).xpath('//input[@id="name"]/@value') == ["Cụm 1"]

    duplicate = groups.create_group(
        world.district.admin, GroupInput("Cụm 2", member_org_ids=[s["b"].id])
    )
    refused = client.post(
        f"/admin/recipient-groups/{group.id}/edit",
        data={"name": "cum 2", "member_org_ids": [str(s["b"].id)]},
    )
    assert refused.status_code == 422 and "Đã có nhóm «cum 2»" in _text(refused)

    saved = client.post(
        f"/admin/recipient-groups/{group.id}/edit",
        data={"name": "Cụm Nam", "member_org_ids": [str(s["b"].id), str(s["p2"].id)]},
    )
    assert saved.status_code == 302
    db.session.expire_all()
    assert db.session.get(RecipientGroup, group.id).name == "Cụm Nam"
    assert sorted(groups.member_ids(db.session.get(RecipientGroup, group.id))) == sorted(
        [s["b"].id, s["p2"].id]
    )

    duplicate_id = duplicate.id
    assert client.post(f"/admin/recipient-groups/{duplicate_id}/delete").status_code == 302
    db.session.expire_all()
    assert db.session.get(RecipientGroup, duplicate_id) is None


def test_the_pages_are_for_the_offices_admin_only(app, world, district_schools):
    group = groups.create_group(
        world.district.admin, GroupInput("Cụm 1", member_org_ids=[district_schools["a"].id])
    )
    clerk = _web(app, world.district.clerk)
    assert clerk.get("/admin/recipient-groups/").status_code == 403
    assert clerk.post(f"/admin/recipient-groups/{group.id}/delete").status_code == 403
    school_admin = _web(app, world.school_a.admin)
    assert school_admin.get("/admin/recipient-groups/").status_code == 200
    assert school_admin.get(f"/admin/recipient-groups/{group.id}/edit").status_code == 404
    assert school_admin.post(f"/admin/recipient-groups/{group.id}/delete").status_code == 404
    assert db.session.get(RecipientGroup, group.id) is not None
