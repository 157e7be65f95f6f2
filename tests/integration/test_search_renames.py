"""A renamed unit or user is followed into the search index (eoffice.search.renames):
the rename queues a job after its commit, and the job re-indexes, in batches, the
documents whose index row holds the name (an incoming document's recipient unit and
user, an outgoing document's signer)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from eoffice.extensions import db
from eoffice.jobs.connection import runner
from eoffice.orgs import people
from eoffice.outgoing import drafting
from eoffice.search.engine import SearchQuery, search
from eoffice.search.models import SearchEntry
from tests import factories

TASK = "eoffice.jobs.tasks.reindex_renamed"


@pytest.fixture(autouse=True)
def empty_queues(app):
    runner().connection.flushall()


def _found(user, text: str) -> list[tuple[str, int]]:
    db.session.rollback()  # see what the jobs committed
    return sorted((hit.kind, hit.document.id) for hit in search(user, SearchQuery(text=text)).hits)


def _queued() -> list[tuple[str, tuple]]:
    return [(job.func_name, job.args) for queue in runner().queues.values() for job in queue.jobs]


def _rename_user(actor, user, name: str) -> None:
    people.update_user(
        actor,
        user.id,
        full_name=name,
        title=user.title,
        unit_id=user.unit_id,
        roles=sorted(user.roles),
    )


def test_renamed_unit_and_users_are_found_by_their_new_names(app, world):
    school, district = world.school_a, world.district
    clerk = school.clerk
    unit = people.add_unit(school.admin, school.org.id, "Tổ Khoa học Tự nhiên", "KHTN")
    teacher = factories.make_user(
        school.org, "nhung@thleloi.hcm.edu.vn", ["staff"], "Lý Thị Hồng Nhung", unit
    )
    db.session.commit()
    to_unit = factories.register(clerk, recipient_unit_id=unit.id, subject="Lịch thực hành")
    to_teacher = factories.register(clerk, recipient_user_id=teacher.id, subject="Thư mời")
    other = factories.register(clerk, subject="Công văn khác")
    plan = drafting.create_draft(district.staff, factories.outgoing_plan(world, school))
    runner().connection.flushall()  # the registrations' own jobs are not the subject here
    assert _found(clerk, "khoa học tự nhiên") == [("in", to_unit.id)]
    assert _found(clerk, "hồng nhung") == [("in", to_teacher.id)]
    assert _found(district.staff, '"trần văn lãnh đạo"') == [("out", plan.id)]  # the signer

    people.update_unit(school.admin, unit.id, "Tổ Sinh Hóa Địa", "SHĐ")
    _rename_user(school.admin, teacher, "Lý Thị Thanh Trúc")
    _rename_user(district.admin, district.leader, "Trần Văn Quyết Thắng")
    people.update_unit(school.admin, school.unit.id, "Tổ Văn phòng", "VP")  # no new name
    _rename_user(school.admin, school.staff, school.staff.full_name)  # nor here

    # The admin's requests re-indexed nothing themselves: one job per rename, queued.
    assert sorted(_queued()) == sorted(
        [
            (TASK, ("unit", unit.id)),
            (TASK, ("user", teacher.id)),
            (TASK, ("user", district.leader.id)),
        ]
    )
    assert _found(clerk, "sinh hóa địa") == []
    runner().work_burst()

    assert _found(clerk, "sinh hóa địa") == [("in", to_unit.id)]
    assert _found(clerk, "khoa học tự nhiên") == []
    assert _found(clerk, "thanh trúc") == [("in", to_teacher.id)]
    assert _found(clerk, "hồng nhung") == []
    assert _found(district.staff, "quyết thắng") == [("out", plan.id)]
    assert _found(district.staff, '"trần văn lãnh đạo"') == []
    assert _found(clerk, "công văn khác") == [("in", other.id)]


def test_the_job_works_in_batches_and_skips_other_organisations(app, world, monkeypatch):
    """A unit named by many documents: every one is re-indexed, a batch at a time, and
    only the documents of that unit change."""
    from eoffice.search import renames

    monkeypatch.setattr(renames, "BATCH", 2)
    school = world.school_a
    unit = people.add_unit(school.admin, school.org.id, "Tổ Tiếng Anh", "TA")
    named = [
        factories.register(school.clerk, recipient_unit_id=unit.id, subject=f"Công văn {i}").id
        for i in range(5)
    ]
    elsewhere = factories.register(world.school_b.clerk, subject="Công văn trường khác")
    before = dict(
        db.session.execute(
            select(SearchEntry.document_id, SearchEntry.updated_at).where(
                SearchEntry.document_id == elsewhere.id
            )
        ).all()
    )
    runner().connection.flushall()
    people.update_unit(school.admin, unit.id, "Tổ Ngoại ngữ", "NN")
    batches = []
    reindex = renames.indexing.reindex

    def spied(kind, ids, session):
        batches.append((str(kind), list(ids)))
        return reindex(kind, ids, session)

    monkeypatch.setattr(renames.indexing, "reindex", spied)
    assert renames.run("unit", unit.id) == 5
    assert batches == [("in", named[0:2]), ("in", named[2:4]), ("in", named[4:])]
    assert _found(school.clerk, "ngoại ngữ") == sorted(("in", i) for i in named)
    assert _found(school.clerk, "tiếng anh") == []
    after = dict(
        db.session.execute(
            select(SearchEntry.document_id, SearchEntry.updated_at).where(
                SearchEntry.document_id == elsewhere.id
            )
        ).all()
    )
    assert after == before


def test_a_rename_rolled_back_queues_nothing(app, world):
    school = world.school_a
    unit = db.session.get(type(school.unit), school.unit.id)
    unit.name = "Tổ Hành chính"
    db.session.flush()
    db.session.rollback()
    db.session.commit()
    assert _queued() == []
