"""The processing services: each step goes through the workflows, refusals change nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from eoffice.core.audit import history
from eoffice.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from eoffice.core.timeutil import local_today
from eoffice.extensions import db
from eoffice.incoming import processing
from eoffice.incoming.access import get_visible
from eoffice.incoming.models import IncomingState
from eoffice.incoming.processing import Party
from tests.factories import make_user, register


def _presented(school, **overrides):
    doc = register(school.clerk, **overrides)
    return processing.present(school.clerk, doc.id, presented_to=school.leader.id)


def test_the_whole_path_moves_the_document_and_its_lead_part(world):
    school = world.school_a
    doc = _presented(school)
    deadline = local_today() + timedelta(days=5)
    processing.assign(
        school.leader,
        doc.id,
        Party(user_id=school.staff.id),
        informed=[Party(user_id=school.admin.id)],
        deadline=deadline,
        instruction="Giao cô Giáo Viên chủ trì.",
    )
    assert doc.state == IncomingState.ASSIGNED
    assert doc.deadline == deadline
    lead = next(p for p in doc.assignments if p.kind == "lead")
    assert (lead.user_id, lead.state, lead.deadline) == (school.staff.id, "assigned", deadline)

    processing.record_progress(school.staff, doc.id, "Đã soạn dự thảo.", 40)
    assert doc.state == IncomingState.IN_PROGRESS  # the first note started it
    assert (lead.state, lead.progress_percent) == ("in_progress", 40)

    processing.complete(school.staff, doc.id, "Đã báo cáo Sở.")
    assert (doc.state, lead.state, lead.result) == ("completed", "completed", "Đã báo cáo Sở.")
    processing.file(school.clerk, doc.id)
    assert doc.state == IncomingState.FILED

    actions = [e.action for e in history("incoming", doc.id)]
    assert actions == [
        "registered",
        "presented",
        "assigned",
        "started",
        "progress",
        "completed",
        "filed",
    ]


def test_refusals_raise_the_engine_message_and_change_nothing(world):
    school = world.school_a
    doc = _presented(school, recipient_unit_id=school.unit.id)  # the staff member sees it
    with pytest.raises(Forbidden, match="Phân công xử lý"):
        processing.assign(school.staff, doc.id, Party(user_id=school.staff.id))
    with pytest.raises(ValidationFailed) as missing:
        processing.assign(school.leader, doc.id, None)
    assert "lead" in missing.value.field_errors
    with pytest.raises(Conflict):
        processing.start(school.staff, doc.id)
    with pytest.raises(ValidationFailed) as reason:
        processing.return_to_clerk(school.leader, doc.id, "   ")
    assert "reason" in reason.value.field_errors
    db.session.expire_all()
    assert get_visible(school.leader, doc.id).state == IncomingState.PRESENTED
    assert [e.action for e in history("incoming", doc.id)] == ["registered", "presented"]


def test_assignees_must_belong_to_the_organisation(world):
    school = world.school_a
    doc = _presented(school)
    with pytest.raises(ValidationFailed) as exc:
        processing.assign(school.leader, doc.id, Party(user_id=world.school_b.staff.id))
    assert "lead" in exc.value.field_errors
    with pytest.raises(NotFound):
        processing.assign(world.school_b.leader, doc.id, Party(user_id=school.staff.id))


def test_a_unit_lead_is_seen_and_handled_by_its_members_only(world):
    school = world.school_a
    other_unit_staff = make_user(school.org, "khac@thleloi.hcm.edu.vn", ["staff"], "Người Khác")
    db.session.commit()
    doc = _presented(school)
    processing.assign(school.leader, doc.id, Party(unit_id=school.unit.id))
    assert get_visible(school.staff, doc.id) is not None
    with pytest.raises(NotFound):
        get_visible(other_unit_staff, doc.id)
    processing.start(school.staff, doc.id)
    assert doc.state == IncomingState.IN_PROGRESS


def test_reassign_keeps_the_old_values(world):
    school = world.school_a
    second = make_user(school.org, "gv2@thleloi.hcm.edu.vn", ["staff"], "Võ Văn Hai", school.unit)
    db.session.commit()
    doc = _presented(school)
    first_deadline = local_today() + timedelta(days=3)
    processing.assign(
        school.leader, doc.id, Party(user_id=school.staff.id), deadline=first_deadline
    )
    new_deadline = first_deadline + timedelta(days=7)
    processing.reassign(
        school.leader,
        doc.id,
        Party(user_id=second.id),
        "Cô Giáo Viên đi công tác.",
        deadline=new_deadline,
    )
    states = sorted((p.user_id, p.state) for p in doc.assignments)
    assert states == sorted([(school.staff.id, "reassigned"), (second.id, "assigned")])
    event = history("incoming", doc.id)[-1]
    assert event.action == "reassigned"
    assert event.changes["lead"] == {"from": school.staff.full_name, "to": second.full_name}
    assert event.changes["deadline"] == {
        "from": first_deadline.strftime("%d/%m/%Y"),
        "to": new_deadline.strftime("%d/%m/%Y"),
    }
    assert event.note == "Cô Giáo Viên đi công tác."
    with pytest.raises(Forbidden):
        processing.start(school.staff, doc.id)
    processing.start(second, doc.id)
