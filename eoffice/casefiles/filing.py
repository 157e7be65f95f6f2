"""Filing documents from where people handle them: the incoming document's FILE step,
the outgoing document's "Lưu vào hồ sơ", the file page's search.

Which files a person may file into is one rule, used for the choices the pages offer
(ranked by eoffice.casefiles.suggest) and checked again when they post: a file still
being kept (planned or open) that the person may change (its keeper, a clerk, a leader;
eoffice.casefiles.access), or a planned file of the list nobody keeps yet — filing into
it opens it, and whoever opens a planned file keeps it (workflows.casefiles: "opened by
whoever will keep it").

`put_in` runs inside the caller's transaction, so a step that files and then moves the
document on (processing.file) commits both or neither; `file_documents` is the same as
a step of its own.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import ColumnElement, and_, or_

from eoffice.casefiles import files
from eoffice.casefiles.access import MANAGERS, may_change
from eoffice.casefiles.models import CaseFile
from eoffice.core.errors import ValidationFailed
from eoffice.core.limits import int_in_range
from eoffice.core.steps import transaction
from eoffice.extensions import db
from eoffice.orgs.models import User
from workflows import casefiles as flow

FIELD = "case_file_id"
MSG_CHOOSE = "Chọn một hồ sơ đang lập của cơ quan."
MSG_NOT_FOUND = "Không tìm thấy hồ sơ này trong các hồ sơ của cơ quan."
MSG_NOT_ALLOWED = "Bạn không được đưa văn bản vào hồ sơ này (hồ sơ do người khác lập)."

# The steps of eoffice.casefiles.files without their own commit: here they are parts of
# the caller's transaction.
_open_file = files.open_file_step
_add_documents = files.add_documents_step


def is_unkept_plan(case_file: CaseFile) -> bool:
    return case_file.state == flow.PLANNED and case_file.keeper_id is None


def may_file_into(user: User, case_file: CaseFile) -> bool:
    """Whether `user` may put documents into `case_file` now."""
    if case_file.org_id != user.org_id or not case_file.editable:
        return False
    return may_change(user, case_file) or is_unkept_plan(case_file)


def fileable_filter(user: User) -> ColumnElement[bool]:
    """`may_file_into` as a WHERE clause on CaseFile."""
    base = and_(CaseFile.org_id == user.org_id, CaseFile.state.in_(flow.EDITABLE_STATES))
    if user.has_role(*MANAGERS):
        return base
    return and_(
        base,
        or_(
            CaseFile.keeper_id == user.id,
            and_(CaseFile.state == flow.PLANNED, CaseFile.keeper_id.is_(None)),
        ),
    )


def target(user: User, file_id: int | None, field: str = FIELD) -> CaseFile:
    """The file chosen on a form or in the API, or a refusal on that field.

    A wrong choice is the form's problem (422 on the field), not a missing page: the
    person picked from a list, and the list may have changed since.
    """
    if not file_id:
        raise ValidationFailed(MSG_CHOOSE, field_errors={field: MSG_CHOOSE})
    case_file = db.session.get(CaseFile, file_id) if int_in_range(file_id) else None
    if case_file is None or case_file.org_id != user.org_id:
        raise ValidationFailed(MSG_NOT_FOUND, field_errors={field: MSG_NOT_FOUND})
    if not case_file.editable:
        state = files.STATE_LABELS[case_file.state].lower()
        message = f"Hồ sơ {case_file.code} {state}: không đưa thêm văn bản vào được."
        raise ValidationFailed(message, field_errors={field: message})
    if not may_file_into(user, case_file):
        raise ValidationFailed(MSG_NOT_ALLOWED, field_errors={field: MSG_NOT_ALLOWED})
    return case_file


def put_in(
    actor: User,
    file_id: int | None,
    *,
    incoming_ids: Iterable[int] = (),
    outgoing_ids: Iterable[int] = (),
) -> CaseFile:
    """File documents into the chosen file, inside the caller's transaction.

    A planned file nobody keeps is opened first by the actor, who then keeps it; the
    documents go after those already in the file (eoffice.casefiles.files).
    """
    case_file = target(actor, file_id)
    if is_unkept_plan(case_file) and not may_change(actor, case_file):
        _open_file(actor, case_file.id)
    _add_documents(actor, case_file.id, incoming_ids=incoming_ids, outgoing_ids=outgoing_ids)
    return case_file


@transaction
def file_documents(
    actor: User,
    file_id: int | None,
    *,
    incoming_ids: Iterable[int] = (),
    outgoing_ids: Iterable[int] = (),
) -> CaseFile:
    """`put_in` as a step of its own (the outgoing page's "Lưu vào hồ sơ")."""
    return put_in(actor, file_id, incoming_ids=incoming_ids, outgoing_ids=outgoing_ids)
