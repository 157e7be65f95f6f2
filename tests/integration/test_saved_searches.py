"""Saved searches: each user's own, named, validated as the search page reads its query
string, run again from a link, renamed and deleted; another user's is not found."""

from __future__ import annotations

import unicodedata
from urllib.parse import parse_qs, urlsplit

import lxml.html
import pytest
from sqlalchemy import func, select

from eoffice.core.errors import NotFound, ValidationFailed
from eoffice.extensions import db
from eoffice.search import saved
from eoffice.search.models import SavedSearch
from tests import factories
from tests.integration.test_search_pages import hits, incoming, login, page, stopped_clock


@pytest.fixture(autouse=True)
def clock(app):
    with stopped_clock() as moment:
        yield moment


def refusal(call) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as caught:
        call()
    return caught.value


def count() -> int:
    return db.session.scalar(select(func.count(SavedSearch.id)))


# The service -----------------------------------------------------------------------------


def test_save_list_rename_delete(world):
    clerk = world.school_a.clerk
    first = saved.save(
        clerk,
        "  Tuyển   sinh\tlớp 1 ",
        {"q": " tuyển  sinh ", "kind": "in", "date_from": "21/09/2026", "date_to": "2026-09-30"},
    )
    assert first.name == "Tuyển sinh lớp 1"
    assert first.params == {
        "q": "tuyển sinh",
        "kind": "in",
        "date_from": "2026-09-21",
        "date_to": "2026-09-30",
    }
    second = saved.save(clerk, unicodedata.normalize("NFD", "Điều động"), {"q": "dieu dong"})
    assert second.name == "Điều động"  # stored NFC
    third = saved.save(clerk, "an toàn", {"urgency": "urgent"})
    # By name as Vietnamese readers sort it: "Điều" with the D's, not after "z".
    assert [s.name for s in saved.saved_searches(clerk)] == [
        "an toàn",
        "Điều động",
        "Tuyển sinh lớp 1",
    ]
    assert saved.saved_searches(world.school_a.leader) == []

    renamed = saved.rename(clerk, third.id, "Văn bản khẩn")
    assert renamed.name == "Văn bản khẩn"
    # The same name with other diacritics or case is the same name...
    problem = refusal(lambda: saved.rename(clerk, third.id, "dieu DONG"))
    assert problem.field_errors == {
        "name": "Bạn đã có tìm kiếm «dieu DONG»; vui lòng đặt tên khác."
    }
    # ...but a search may be renamed to another spelling of its own name.
    assert saved.rename(clerk, second.id, "ĐIỀU ĐỘNG").name == "ĐIỀU ĐỘNG"

    assert saved.delete(clerk, first.id) == "Tuyển sinh lớp 1"
    assert [s.id for s in saved.saved_searches(clerk)] == [second.id, third.id]


def test_names_are_required_short_and_unique_per_user(world):
    clerk, leader = world.school_a.clerk, world.school_a.leader
    saved.save(clerk, "Quyết định", {"q": "quyet dinh"})
    for name in ("", "   ", None, "\x00\x01"):
        assert refusal(lambda n=name: saved.save(clerk, n, {"q": "a"})).field_errors == {
            "name": "Vui lòng đặt tên cho tìm kiếm."
        }
    assert refusal(lambda: saved.save(clerk, "x" * 101, {"q": "a"})).field_errors == {
        "name": "Tên tìm kiếm tối đa 100 ký tự."
    }
    assert saved.save(clerk, "x" * 100, {"q": "a"}).name == "x" * 100
    duplicate = refusal(lambda: saved.save(clerk, "quyet dinh", {"q": "khac"}))
    assert duplicate.field_errors == {
        "name": "Bạn đã có tìm kiếm «quyet dinh»; vui lòng đặt tên khác."
    }
    # Another user may use the same name.
    assert saved.save(leader, "Quyết định", {"q": "quyet dinh"}).user_id == leader.id
    assert count() == 3


def test_at_most_fifty_per_user(world):
    clerk = world.school_a.clerk
    for i in range(saved.MAX_PER_USER):
        saved.save(clerk, f"Tìm kiếm {i}", {"q": f"tu{i}"})
    problem = refusal(lambda: saved.save(clerk, "Thêm một", {"q": "them"}))
    assert problem.field_errors == {
        "name": "Mỗi người lưu được tối đa 50 tìm kiếm; hãy xóa bớt trước khi lưu."
    }
    assert saved.save(world.school_a.leader, "Thêm một", {"q": "them"})
    assert count() == saved.MAX_PER_USER + 1


def test_params_are_the_pages_query_string_validated(world):
    clerk, staff = world.school_a.clerk, world.school_a.staff
    cases = [
        ({"q": "a", "page": "2"}, {"params.page": "Không phải điều kiện tìm kiếm."}),
        ({"q": "a", "cursor": "x"}, {"params.cursor": "Không phải điều kiện tìm kiếm."}),
        ({"q": 5}, {"params.q": "Phải là chuỗi ký tự."}),
        ({"q": "a", "kind": "all"}, {"params.kind": "Lựa chọn không hợp lệ."}),
        (
            {"date_from": "31/02/2026"},
            {"params.date_from": "Ngày không hợp lệ (dạng ngày/tháng/năm)."},
        ),
        (
            {"state": "draft"},
            {"params.state": "Chọn “Văn bản đến” hoặc “Văn bản đi” trước khi lọc theo trạng thái."},
        ),
        (
            {"kind": "out", "sender": "Sở"},
            {"params.sender": "Cơ quan gửi chỉ dùng khi tìm văn bản đến."},
        ),
        ({}, {"params": "Chưa có gì để lưu: hãy nhập từ khóa hoặc chọn ít nhất một bộ lọc."}),
        (
            {"q": "  ", "type_id": "0"},
            {"params": "Chưa có gì để lưu: hãy nhập từ khóa hoặc chọn ít nhất một bộ lọc."},
        ),
    ]
    for params, expected in cases:
        assert refusal(lambda p=params: saved.save(clerk, "Tên", p)).field_errors == expected, (
            params
        )
    # Secret levels are the clerk's to filter by, not a teacher's.
    assert saved.save(clerk, "Tài liệu mật", {"confidentiality": "secret"}).params == {
        "confidentiality": "secret"
    }
    assert refusal(
        lambda: saved.save(staff, "Mật", {"confidentiality": "secret"})
    ).field_errors == {"params.confidentiality": "Lựa chọn không hợp lệ."}
    kh = factories.type_id("Kế hoạch")
    full = saved.save(
        clerk,
        "Đủ điều kiện",
        {"q": "a", "kind": "out", "type_id": str(kh), "state": "draft", "urgency": "urgent"},
    )
    assert full.params == {
        "q": "a",
        "kind": "out",
        "type_id": str(kh),
        "state": "draft",
        "urgency": "urgent",
    }
    assert count() == 2


def test_another_users_saved_search_is_not_found(world):
    mine = saved.save(world.school_a.clerk, "Của tôi", {"q": "a"})
    for other in (world.school_a.leader, world.school_b.clerk):
        with pytest.raises(NotFound, match=r"Không tìm thấy tìm kiếm đã lưu này\."):
            saved.rename(other, mine.id, "Của người khác")
        with pytest.raises(NotFound):
            saved.delete(other, mine.id)
    with pytest.raises(NotFound):
        saved.delete(world.school_a.clerk, 2**40)
    assert db.session.get(SavedSearch, mine.id).name == "Của tôi"


# The page --------------------------------------------------------------------------------


def _save_form(doc: lxml.html.HtmlElement) -> dict[str, str]:
    (form,) = doc.xpath('//form[@id="save-search"]')
    return {i.get("name"): i.get("value") or "" for i in form.xpath(".//input") if i.get("name")}


def test_save_run_rename_and_delete_on_the_page(client, world, clock):
    school = world.school_a
    doc = incoming(clock, school, subject="Quyết định điều động giáo viên")
    incoming(clock, school, subject="Quyết định khen thưởng", urgency_code="urgent")
    login(client, school.clerk)
    found = page(client, "/search?q=quyet+dinh&kind=in&urgency=normal&date_from=21/09/2026")
    assert hits(found) == [("in", doc.id)]
    fields = _save_form(found)
    assert fields == {
        "csrf_token": fields["csrf_token"],
        "q": "quyet dinh",
        "kind": "in",
        "urgency": "normal",
        "date_from": "2026-09-21",
        "name": "",
    }

    response = client.post("/search/saved", data={**fields, "name": "Điều động"})
    assert response.status_code == 302
    target = urlsplit(response.headers["Location"])
    assert target.path == "/search"
    assert parse_qs(target.query) == {
        "q": ["quyet dinh"],
        "kind": ["in"],
        "urgency": ["normal"],
        "date_from": ["21/09/2026"],
    }
    (stored,) = db.session.scalars(select(SavedSearch)).all()
    assert stored.params == {
        "q": "quyet dinh",
        "kind": "in",
        "urgency": "normal",
        "date_from": "2026-09-21",
    }

    listed = page(client, "/search")
    assert "Đã lưu tìm kiếm «Điều động»." in listed.text_content()
    (item,) = listed.xpath('//div[@id="saved-searches"]//li')
    link = item.xpath(".//a/@href")[0]
    assert item.xpath(".//a")[0].text_content() == "Điều động"
    ran = page(client, link)
    assert hits(ran) == [("in", doc.id)]
    assert ran.xpath('//form[@id="search-form"]//input[@name="date_from"]/@value') == ["21/09/2026"]

    # The same name again: said on the name field, nothing saved.
    again = client.post("/search/saved", data={**fields, "name": "dieu dong"})
    assert again.status_code == 422
    shown = lxml.html.fromstring(again.get_data(as_text=True))
    assert (
        "Bạn đã có tìm kiếm «dieu dong»; vui lòng đặt tên khác."
        in shown.xpath('//form[@id="save-search"]//div[contains(@class, "invalid-feedback")]')[
            0
        ].text_content()
    )
    assert hits(shown) == [("in", doc.id)]  # the search is still there to save under another name
    empty = client.post("/search/saved", data={**fields, "name": " "})
    assert empty.status_code == 422
    assert "Vui lòng đặt tên cho tìm kiếm." in empty.get_data(as_text=True)

    renamed = client.post(f"/search/saved/{stored.id}/rename", data={"name": "Giáo viên điều động"})
    assert renamed.status_code == 302
    db.session.expire_all()
    assert db.session.get(SavedSearch, stored.id).name == "Giáo viên điều động"

    other = saved.save(school.clerk, "Khen thưởng", {"q": "khen thuong"})
    clash = client.post(f"/search/saved/{other.id}/rename", data={"name": "GIÁO VIÊN ĐIỀU ĐỘNG"})
    assert clash.status_code == 302
    assert "Bạn đã có tìm kiếm «GIÁO VIÊN ĐIỀU ĐỘNG»" in page(client, "/search").text_content()
    saved.delete(school.clerk, other.id)

    gone = client.post(f"/search/saved/{stored.id}/delete", data={"q": "quyet dinh"})
    assert gone.status_code == 302
    assert parse_qs(urlsplit(gone.headers["Location"]).query) == {"q": ["quyet dinh"]}
    assert count() == 0
    after = page(client, "/search")
    assert "Đã xóa tìm kiếm «Giáo viên điều động»." in after.text_content()
    assert "Chưa có tìm kiếm nào được lưu." in after.text_content()


def test_another_users_saved_search_is_refused_on_the_page(client, world, clock):
    theirs = saved.save(world.school_a.leader, "Của lãnh đạo", {"q": "bi mat"})
    login(client, world.school_a.clerk)
    assert "Của lãnh đạo" not in page(client, "/search").text_content()
    assert client.post(f"/search/saved/{theirs.id}/delete").status_code == 404
    assert client.post(f"/search/saved/{theirs.id}/rename", data={"name": "x"}).status_code == 404
    assert client.post("/search/saved/99999999999/delete").status_code == 404
    assert db.session.get(SavedSearch, theirs.id).name == "Của lãnh đạo"
