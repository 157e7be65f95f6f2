""" "Chờ tôi xử lý": every outgoing document waiting for a user is listed, however many
documents the user could hold a later stage of (eoffice.outgoing.queries).

The list once decided in Python which of at most 500 candidates (documents with an
undecided stage the user could hold) were at the user's stage: a signer with 500 drafts
still at the clerk's check never saw the ones waiting for the signature, and the API's
`waiting=true` was cut the same way. The rule is now SQL; these tests hold it to the
Python rules of the detail page.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from eoffice.core.timeutil import local_today
from eoffice.extensions import db
from eoffice.orgs.models import User
from eoffice.outgoing import drafting, queries, review
from eoffice.outgoing.involvement import current_stage, holds_stage, visible_filter
from eoffice.outgoing.models import OutgoingDocument, OutgoingReview
from eoffice.outgoing.settings import (
    DelegationInput,
    StageInput,
    add_delegation,
    save_chain,
)
from tests import factories
from tests.integration.test_api import PREFIX, Api, token_for

AHEAD = 500  # documents at the clerk's check, all ordered before the ones at the signing


@pytest.fixture
def app_config(app_config):
    return {**app_config, "PAGE_SIZE": 200}


def _draft(world, **overrides) -> OutgoingDocument:
    district = world.district
    doc = drafting.create_draft(
        district.staff, factories.outgoing_plan(world, world.school_a, **overrides)
    )
    review.submit(district.staff, doc.id)
    return doc


def _copies(template: OutgoingDocument, n: int) -> list[int]:
    """`n` copies of a submitted document, its review rows included, written in two
    statements: the same rows the services wrote for the template (made through them),
    without 500 rounds of drafting and submitting (some 60 s)."""
    docs, reviews = OutgoingDocument.__table__, OutgoingReview.__table__
    row = dict(db.session.execute(docs.select().where(docs.c.id == template.id)).mappings().one())
    del row["id"]
    ids = list(db.session.scalars(docs.insert().returning(docs.c.id), [row] * n))
    stages = [
        {k: v for k, v in r.items() if k != "id"}
        for r in db.session.execute(reviews.select().where(reviews.c.document_id == template.id))
        .mappings()
        .all()
    ]
    db.session.execute(reviews.insert(), [{**s, "document_id": i} for i in ids for s in stages])
    db.session.commit()
    return ids


def _web_ids(app, user) -> tuple[list[int], str]:
    """Every row of the web tab (following "Trang sau ›"), and the tab's figure."""
    import lxml.html

    client = app.test_client()
    factories.login(client, user)
    url, ids, figure = "/outgoing?tab=waiting", [], None
    while url:
        page = lxml.html.fromstring(client.get(url).get_data(as_text=True))
        ids += [
            int(href.rsplit("/", 1)[1])
            for href in page.xpath("//table[@id='outgoing-list']//td[1]/a/@href")
        ]
        if figure is None:
            [figure] = page.xpath("//a[@data-tab='waiting']/span/text()")
        links = page.xpath("//nav[contains(@class, 'keyset-pager')]//a[contains(., 'Trang sau')]")
        url = links[0].get("href") if links else None
    return ids, figure


def _api_ids(app, client, user) -> list[int]:
    """Every document of `GET /outgoing?waiting=1`, page after page."""
    spec = client.get(f"{PREFIX}/openapi.json").get_json()
    api = Api(app, client, spec, token_for(user))
    ids, cursor = [], None
    while True:
        args = {"waiting": 1, "limit": 200, **({"cursor": cursor} if cursor else {})}
        answer = api.get(f"{PREFIX}/outgoing", query_string=args)
        assert answer.status_code == 200, answer.json
        ids += [item["id"] for item in answer.json["items"]]
        cursor = answer.json["next_cursor"]
        if not cursor:
            return ids


def test_documents_at_the_signing_are_listed_behind_five_hundred_at_the_check(app, client, world):
    district = world.district
    template = _draft(world)  # at the clerk's check, then the leader's signature
    at_check = [template.id, *_copies(template, AHEAD)]
    at_signing = []
    for _ in range(2):  # touched last: after every copy in the tab's order
        doc = _draft(world, subject="Kế hoạch chờ ký ban hành")
        review.approve(district.clerk, doc.id)
        at_signing.append(doc.id)
    db.session.expire_all()

    # The leader could hold 502 documents (their signing stage is still to come) and
    # holds 2 of them now, ordered after the other 500.
    assert [d.id for d in queries.awaiting_me(district.leader)] == at_signing
    assert _web_ids(app, district.leader) == (at_signing, "2")
    assert sorted(_api_ids(app, client, district.leader)) == at_signing

    # The clerk holds 501: none left out, and the figure is exact.
    assert [d.id for d in queries.awaiting_me(district.clerk)] == at_check
    web, figure = _web_ids(app, district.clerk)
    assert (web, figure) == (at_check, "501")
    assert sorted(_api_ids(app, client, district.clerk)) == at_check

    assert queries.awaiting_me(district.staff) == []


def test_the_sql_rule_is_the_rule_of_the_detail_page(app, world):
    """For every kind of stage (a unit head, a role, a named person, the signature, a
    deputy signing under a delegation) and rounds sent back and submitted again, the
    list holds exactly the documents whose current stage `holds_stage` gives the user."""
    district = world.district
    org = district.org
    head = factories.make_user(
        org, "totruongvp@pgdthu.hcm.edu.vn", ["deputy"], "Đỗ Tổ Trưởng", district.unit
    )
    deputy = factories.make_user(org, "photruong@pgdthu.hcm.edu.vn", ["deputy"], "Võ Phó Phòng")
    checker = factories.make_user(org, "chuyenvien@pgdthu.hcm.edu.vn", ["staff"], "Hà Kiểm Tra")
    db.session.commit()
    save_chain(
        district.admin,
        org.id,
        [
            StageInput("unit_head", "Trưởng đơn vị kiểm tra"),
            StageInput("role", "Văn thư kiểm tra thể thức", role="clerk"),
            StageInput("user", "Chuyên viên kiểm tra số liệu", user_id=checker.id),
        ],
    )
    today = local_today()
    add_delegation(
        district.admin,
        org.id,
        DelegationInput(district.leader.id, deputy.id, "KT", today - timedelta(days=1), today),
    )
    deciders = [head, district.clerk, checker]
    by_stage = []
    for approvals in range(4):  # at the unit head, the clerk, the checker, the signature
        doc = _draft(world)
        for decider in deciders[:approvals]:
            review.approve(decider, doc.id)
        by_stage.append(doc.id)
    signed_by_deputy = _draft(world, signer_id=deputy.id)
    for decider in deciders:
        review.approve(decider, signed_by_deputy.id)
    sent_back = _draft(world)
    review.approve(head, sent_back.id)
    review.send_back(district.clerk, sent_back.id, "Sửa thể thức")
    again = _draft(world)
    review.send_back(head, again.id, "Sửa nội dung")
    review.submit(district.staff, again.id)  # round 2, at the unit head again
    db.session.expire_all()

    users = db.session.scalars(select(User).order_by(User.id)).all()
    docs = db.session.scalars(select(OutgoingDocument).order_by(OutgoingDocument.id)).all()
    held_by: dict[int, list[int]] = {}
    for user in users:
        visible = set(db.session.scalars(select(OutgoingDocument.id).where(visible_filter(user))))
        expected = sorted(
            doc.id
            for doc in docs
            if doc.id in visible
            and (stage := current_stage(doc)) is not None
            and holds_stage(user, doc, stage)
        )
        listed = sorted(d.id for d in queries.awaiting_me(user))
        assert listed == expected, user.full_name
        held_by[user.id] = listed

    # Each kind of stage is held by someone, and by the right people.
    assert held_by[head.id] == [by_stage[0], again.id]
    assert held_by[district.clerk.id] == [by_stage[1]]
    assert held_by[checker.id] == [by_stage[2]]
    assert held_by[district.leader.id] == [by_stage[3]]
    assert held_by[deputy.id] == [by_stage[3], signed_by_deputy.id]  # the delegation
    assert sent_back.id not in {i for ids in held_by.values() for i in ids}
