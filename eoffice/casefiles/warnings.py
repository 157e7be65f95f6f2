"""The 30-day warning before a file is due at the office archive (workflows.archive
WARNING_DAYS), a part of the scheduler's day (eoffice.jobs.clock).

Closing a file sets `warn_from` (30 days before the due date); keeping it back moves
`warn_from` to 30 days before the new date and clears `warned_on`. So "not yet warned
for the date in force" is simply `warned_on IS NULL`, and a file whose warning day has
come is claimed by one conditional UPDATE that stamps `warned_on`: a second scheduler
process, or the same one ticking again, finds nothing left to claim. The claim and the
notifications are committed together (notifications.services.tell_each), so a failure
to write the notices leaves the files unclaimed for the next run.

Who is told: the clerks of the organisation (they keep the archive), one notice listing
every file of their organisation claimed that day; and each keeper who is not a clerk,
still active and still of that organisation, one notice listing their own files.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

from flask import current_app
from sqlalchemy import select, update

from eoffice.casefiles.models import CaseFile
from eoffice.core.aftercommit import run_pending
from eoffice.core.timeutil import to_local
from eoffice.extensions import db
from eoffice.notifications.content import handover_due_message
from eoffice.notifications.models import NotificationKind
from eoffice.notifications.services import Notice, tell_each
from eoffice.orgs.models import Role, User, UserRole
from workflows import casefiles as flow


def _path(endpoint: str, **values) -> str:
    """A page of the application as a path, built without a request (the scheduler has none)."""
    adapter = current_app.url_map.bind("localhost")
    return adapter.build(endpoint, values)


def _claim(today: date) -> list[int]:
    """Stamp `warned_on` on every closed file whose warning day has come and that was not
    warned for its date in force; the ids claimed."""
    rows = db.session.execute(
        update(CaseFile)
        .where(
            CaseFile.state == flow.CLOSED,
            CaseFile.warn_from.is_not(None),
            CaseFile.warn_from <= today,
            CaseFile.warned_on.is_(None),
        )
        .values(warned_on=today)
        .returning(CaseFile.id)
        .execution_options(synchronize_session=False)
    ).all()
    return [row[0] for row in rows]


def _clerks(org_ids: set[int]) -> dict[int, list[User]]:
    found: dict[int, list[User]] = defaultdict(list)
    rows = db.session.scalars(
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(
            User.org_id.in_(org_ids),
            User.is_active_account.is_(True),
            UserRole.role == Role.CLERK.value,
        )
        .distinct()
        .order_by(User.id)
    )
    for user in rows:
        found[user.org_id].append(user)
    return found


def _lines(files: list[CaseFile]) -> list[tuple[str, str, date]]:
    return [(f.code, f.title, f.kept_until or f.handover_due) for f in files]


def send_handover_warnings(now: datetime) -> int:
    """The scheduler's part: warn of the files whose warning day has come. Returns the
    number of files claimed (0 when there is nothing to do)."""
    local = to_local(now)
    assert local is not None
    today = local.date()
    claimed = _claim(today)
    if not claimed:
        db.session.commit()
        return 0
    files = list(
        db.session.scalars(
            select(CaseFile)
            .where(CaseFile.id.in_(claimed))
            .order_by(CaseFile.org_id, CaseFile.handover_due, CaseFile.code)
        )
    )
    by_org: dict[int, list[CaseFile]] = defaultdict(list)
    for case_file in files:
        by_org[case_file.org_id].append(case_file)
    clerks = _clerks(set(by_org))
    # A keeper who left (inactive) or moved to another office is not told: the clerks
    # of the file's office still are, and they hand it over.
    keepers = {
        u.id: u
        for u in db.session.scalars(
            select(User).where(
                User.id.in_({f.keeper_id for f in files if f.keeper_id}),
                User.is_active_account.is_(True),
            )
        )
    }
    notices: list[Notice] = []
    archive_page = _path("archive.index")
    for org_id, org_files in by_org.items():
        org_clerks = clerks.get(org_id, [])
        if org_clerks:
            notices.append(
                Notice(org_clerks, handover_due_message(_lines(org_files)), archive_page)
            )
        clerk_ids = {c.id for c in org_clerks}
        own: dict[int, list[CaseFile]] = defaultdict(list)
        for case_file in org_files:
            keeper = keepers.get(case_file.keeper_id)
            if keeper is not None and keeper.org_id == org_id and keeper.id not in clerk_ids:
                own[case_file.keeper_id].append(case_file)
        for keeper_id, kept in own.items():
            link = (
                _path("casefiles.detail", file_id=kept[0].id)
                if len(kept) == 1
                else _path("casefiles.index")
            )
            notices.append(Notice([keepers[keeper_id]], handover_due_message(_lines(kept)), link))
    if notices:
        tell_each(NotificationKind.CASEFILE_HANDOVER_DUE, notices)  # commits the claim too
    else:
        db.session.commit()
    run_pending()
    return len(claimed)
