"""Read-only look-ups of /api/v1/directives that the pages do not need.

The rules stay in eoffice.directives: who counts as a school of the office is
`groups.school_conditions` (the same conditions `choices_for` counts and `members_of` sends to),
who sees a task is `tasklists.get_task` (the school) or `board.followed_document` (the
district). What is here only gathers ids for the API's answers in a constant number of
queries, whatever the number of schools or groups.
"""

from __future__ import annotations

from sqlalchemy import select

from eoffice.core.errors import NotFound
from eoffice.core.limits import int_in_range
from eoffice.core.text import clean
from eoffice.directives import board, groups, tasklists
from eoffice.directives.models import RecipientGroup, RecipientGroupMember, ReportTask
from eoffice.extensions import db
from eoffice.orgs.models import Organisation, User

MSG_NO_TASK = "Không tìm thấy yêu cầu báo cáo này."


def group_members(org: Organisation) -> dict[str, list[int]]:
    """Group key → its schools' ids (by name), for every group `choices_for` lists.

    Two queries: the office's schools with their level and ward, and the members of its
    custom groups that are still active members of the deployment (what `members_of`
    sends to, so the ids agree with the counts the list shows).
    """
    schools = db.session.execute(
        select(Organisation.id, Organisation.kind, Organisation.ward)
        .where(*groups.school_conditions(org.id))
        .order_by(Organisation.name_folded, Organisation.id)
    ).all()
    members: dict[str, list[int]] = {groups.ALL: [s.id for s in schools]}
    for school in schools:
        if school.kind in groups.LEVEL_LABELS:
            members.setdefault(groups.level_key(school.kind), []).append(school.id)
        ward = clean(school.ward)
        if ward:
            members.setdefault(groups.ward_key(ward), []).append(school.id)
    rows = db.session.execute(
        select(RecipientGroupMember.group_id, Organisation.id)
        .join(RecipientGroup, RecipientGroup.id == RecipientGroupMember.group_id)
        .join(Organisation, Organisation.id == RecipientGroupMember.member_org_id)
        .where(RecipientGroup.org_id == org.id, *groups.active_member_conditions())
        .order_by(Organisation.name_folded, Organisation.id)
    ).all()
    for group_id, org_id in rows:
        members.setdefault(groups.custom_key(group_id), []).append(org_id)
    return members


def custom_groups_of(org_id: int) -> dict[int, RecipientGroup]:
    """The office's custom groups by id (their descriptions and times for the list)."""
    return {
        g.id: g
        for g in db.session.scalars(select(RecipientGroup).where(RecipientGroup.org_id == org_id))
    }


def task_for_district(user: User, task_id: int) -> ReportTask:
    """A school's task as the issuing office sees it: NotFound unless `user` may follow
    the directive (another office's task, or a school's own task, is not there)."""
    task = db.session.get(ReportTask, task_id) if int_in_range(task_id) else None
    if task is None:
        raise NotFound(MSG_NO_TASK)
    board.followed_document(user, task.request.outgoing_id)
    return task


def task_for_anyone(user: User, task_id: int) -> ReportTask:
    """The school's own task (answers' visibility) or, for the issuing office, any task
    of a directive the user follows: the answer file's download serves both."""
    task = db.session.get(ReportTask, task_id) if int_in_range(task_id) else None
    if task is not None and task.recipient_org_id == user.org_id:
        return tasklists.get_task(user, task_id)
    return task_for_district(user, task_id)
