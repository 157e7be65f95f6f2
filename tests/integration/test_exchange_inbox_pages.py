"""The exchange inbox pages through the test client, posting what a browser posts: the
list, the detail with the PDF inline, Vào sổ, Từ chối, the recall answers, and who may
see them (another office's clerk: 404; staff: 403)."""

from __future__ import annotations

import re

import pytest

from eoffice.exchange import receiving
from eoffice.extensions import db
from eoffice.incoming.models import IncomingDocument
from tests import factories
from tests.integration.test_exchange_receiving import (
    DOC_ID,
    _document,
    _inbound,
    _recall_status,
    _send,
    _statuses,
)

# The real hub process (conftest's `hub`), the fixed clock and the empty job queues of
# the receiving tests.
pytestmark = pytest.mark.usefixtures("exchange_clock", "empty_queues")


def _client(app, user):
    client = app.test_client()
    factories.login(client, user)
    return client


def test_an_empty_inbox_says_what_to_do(app, world, hub):
    page = _client(app, world.district.clerk).get("/exchange/inbox/")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Không có văn bản nào từ trục liên thông chờ vào sổ" in text and "Kiểm tra ngay" in text


def test_list_detail_file_and_register(app, world, hub):
    district = world.district
    _send(hub, _document(world))
    receiving.fetch(district.org)
    [row] = _inbound(world)
    clerk = _client(app, district.clerk)

    listing = clerk.get("/exchange/inbox/").get_data(as_text=True)
    assert "3337/SGDĐT-VP" in listing and "Sở Giáo dục và Đào tạo" in listing
    assert f"/exchange/inbox/{row.id}" in listing
    detail = clerk.get(f"/exchange/inbox/{row.id}").get_data(as_text=True)
    assert "<iframe" in detail and "Phụ lục.pdf" in detail and "Vào sổ" in detail
    assert "Từ chối tiếp nhận" in detail
    pdf = clerk.get(f"/exchange/inbox/{row.id}/files/vb")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert pdf.headers["Content-Type"] == "application/pdf"
    assert clerk.get(f"/exchange/inbox/{row.id}/files/khong-co").status_code == 404

    # What the browser sends: the select's value (the books offered on the page).
    books = re.findall(r'<option[^>]*value="([^"]+)"', detail)
    assert "general" in books
    answer = clerk.post(f"/exchange/inbox/{row.id}/register", data={"book_code": "general"})
    assert answer.status_code == 302 and "/incoming/" in answer.headers["Location"]
    [row] = _inbound(world)
    incoming = db.session.get(IncomingDocument, row.incoming_document_id)
    assert incoming.source == "exchange" and len(incoming.attachments) == 2
    again = clerk.post(
        f"/exchange/inbox/{row.id}/register", data={"book_code": "general"}, follow_redirects=True
    )
    assert "đã được vào sổ" in again.get_data(as_text=True)  # a double click: flashed
    assert [s.status_code for s in _statuses(hub)] == ["01", "03"]


def test_reject_needs_a_reason_and_sends_it_back(app, world, hub):
    district = world.district
    _send(hub, _document(world))
    receiving.fetch(district.org)
    [row] = _inbound(world)
    leader = _client(app, district.leader)
    short = leader.post(f"/exchange/inbox/{row.id}/reject", data={"reject-reason": "sai"})
    assert short.status_code == 422 and "ít nhất 5 ký tự" in short.get_data(as_text=True)
    empty = leader.post(f"/exchange/inbox/{row.id}/reject", data={"reject-reason": ""})
    assert empty.status_code == 422 and "Vui lòng ghi lý do từ chối" in empty.get_data(as_text=True)
    done = leader.post(
        f"/exchange/inbox/{row.id}/reject",
        data={"reject-reason": "Gửi nhầm đơn vị nhận."},
        follow_redirects=True,
    )
    assert "Đã từ chối tiếp nhận văn bản 3337/SGDĐT-VP" in done.get_data(as_text=True)
    assert _inbound(world)[0].state == "rejected"
    assert _statuses(hub)[-1].description == "Gửi nhầm đơn vị nhận."


def test_recall_answers_through_the_pages(app, world, hub):
    district = world.district
    second_id = "000.00.00.H29,2026/09/24,3338/SGDĐT-VP"
    _send(hub, _document(world))
    _send(hub, _document(world, second_id, code_number="3338"))
    receiving.fetch(district.org)
    _send(hub, _recall_status(world))
    _send(hub, _recall_status(world, second_id))
    receiving.fetch(district.org)
    _, _, recall_1, recall_2 = _inbound(world)
    clerk = _client(app, district.clerk)
    listing = clerk.get("/exchange/inbox/").get_data(as_text=True)
    assert "Yêu cầu thu hồi chờ trả lời" in listing and "đề nghị thu hồi" in listing
    page = clerk.get(f"/exchange/inbox/{recall_1.id}").get_data(as_text=True)
    assert "Đồng ý thu hồi" in page and "Từ chối thu hồi" in page and "chưa vào sổ" in page

    accepted = clerk.post(f"/exchange/inbox/{recall_1.id}/recall/accept", follow_redirects=True)
    assert "Đã đồng ý thu hồi văn bản" in accepted.get_data(as_text=True)
    refused = clerk.post(f"/exchange/inbox/{recall_2.id}/recall/refuse", data={"refuse-reason": ""})
    assert refused.status_code == 422
    clerk.post(
        f"/exchange/inbox/{recall_2.id}/recall/refuse",
        data={"refuse-reason": "Văn bản đã được triển khai."},
    )
    states = [r.state for r in _inbound(world)]
    assert states == ["withdrawn", "awaiting", "accepted", "refused"]
    codes = {(s.document_id, s.status_code) for s in _statuses(hub)}
    assert {(DOC_ID, "15"), (second_id, "16")} <= codes


def test_access_other_office_404_staff_403(app, world, hub):
    district = world.district
    _send(hub, _document(world))
    receiving.fetch(district.org)
    [row] = _inbound(world)
    other = _client(app, world.school_a.clerk)
    assert other.get(f"/exchange/inbox/{row.id}").status_code == 404
    assert other.get(f"/exchange/inbox/{row.id}/files/vb").status_code == 404
    assert (
        other.post(f"/exchange/inbox/{row.id}/register", data={"book_code": "general"}).status_code
        == 404
    )
    assert "3337/SGDĐT-VP" not in other.get("/exchange/inbox/").get_data(as_text=True)
    staff = _client(app, district.staff)
    assert staff.get("/exchange/inbox/").status_code == 403
    assert staff.get(f"/exchange/inbox/{row.id}").status_code == 403
    assert staff.get(f"/exchange/inbox/{row.id}/files/vb").status_code == 403
    reject = staff.post(f"/exchange/inbox/{row.id}/reject", data={"reject-reason": "Không nhận."})
    assert reject.status_code == 403
    assert _inbound(world)[0].state == "awaiting"
