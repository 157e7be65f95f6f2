"""Who sees and who changes case files.

Every active user of an organisation sees its file list and its files' metadata: the
list is the office's plan, and people file into it. Opening a filed document still goes
through the document's own visibility (incoming.access / outgoing.involvement), so a
confidential document in a file stays hidden from those who may not read it.

Changing a file (adding, ordering, removing documents, editing its fields) belongs to
its keeper, the clerks and the leaders; steps of the life cycle are decided by
workflows.casefiles with the actor's roles plus KEEPER when they keep the file.
"""

from __future__ import annotations

from sqlalchemy import select

from eoffice.casefiles.models import CaseFile, FileList
from eoffice.core.errors import Forbidden, NotFound
from eoffice.extensions import db
from eoffice.orgs.models import Role, User
from workflows.roles import KEEPER

MANAGERS = (Role.CLERK, Role.LEADER)
NOT_FOUND = "Không tìm thấy hồ sơ."


def file_roles(user: User, case_file: CaseFile) -> frozenset[str]:
    """The user's organisation roles, plus KEEPER for the file they keep."""
    roles = set(user.roles)
    if case_file.keeper_id == user.id:
        roles.add(KEEPER)
    return frozenset(roles)


def get_file(user: User, file_id: int) -> CaseFile:
    """A file of the user's organisation (anyone else's is not found, same answer)."""
    case_file = db.session.get(CaseFile, file_id)
    if case_file is None or case_file.org_id != user.org_id:
        raise NotFound(NOT_FOUND)
    return case_file


def get_file_for_update(user: User, file_id: int) -> CaseFile:
    """The file, locked for the rest of the transaction (PostgreSQL: FOR UPDATE), so two
    people ordering or closing it at once take turns instead of interleaving.

    Read afresh (`populate_existing`): the view usually loaded the row before the lock,
    and after waiting for someone else's step the service must check the state that
    step left (a file just closed takes no more documents), not the one loaded before."""
    case_file = db.session.scalars(
        select(CaseFile)
        .where(CaseFile.id == file_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if case_file is None or case_file.org_id != user.org_id:
        raise NotFound(NOT_FOUND)
    return case_file


def may_change(user: User, case_file: CaseFile) -> bool:
    """Add, order or remove documents and edit the fields: keeper, clerks, leaders."""
    return case_file.keeper_id == user.id or user.has_role(*MANAGERS)


def require_change(user: User, case_file: CaseFile) -> None:
    if not may_change(user, case_file):
        raise Forbidden("Chỉ người lập hồ sơ, văn thư và lãnh đạo được thay đổi hồ sơ này.")


def get_list(user: User, list_id: int) -> FileList:
    file_list = db.session.get(FileList, list_id)
    if file_list is None or file_list.org_id != user.org_id:
        raise NotFound("Không tìm thấy danh mục hồ sơ.")
    return file_list
