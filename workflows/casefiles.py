"""The archive's three life cycles: the yearly file list, a case file, a disposal.

**File list** (danh mục hồ sơ, NĐ 30 Đ28): drafted at the start of the year by the clerk
(or an admin) — usually copied from last year's list — submitted, and approved by the
head of the office. A list the leader sends back returns to draft with the reason. An
approved list can be reopened for amendment by the leader only (a new unit, a new kind
of work mid-year), and goes through approval again. Once its year is over the list is
locked (the clerk, an admin or the leader; the service also locks it when next year's
list is approved): its files live on, the list itself no longer changes.

**Case file** (hồ sơ, Đ29–31):
- planned → open: a planned file of the list is opened by whoever will keep it; a file
  outside the list is created already open (the service asks for the fields Đ29 asks).
- open → closed (Kết thúc hồ sơ): the keeper, the clerk or the leader. The service
  passes `CLOSING_PROBLEMS` (workflows.archive.closing_problems): no closing while the
  file is empty or holds a draft or a document still being handled. The retention is
  confirmed at that moment (it may change: Đ29 has it re-checked when the file ends).
- closed → open (Mở lại hồ sơ): the leader only, with a reason, on record.
- closed → closed (Giữ lại, keep back): the leader, with a reason and a date at most two
  years past the due date (`KEEP_BACK_PROBLEM`, worked out by the service).
- closed → archived (Nộp lưu): the clerk (who keeps the office archive) or the leader,
  only for files kept 5 years or more (`HANDED_OVER`); archived files are frozen.
- archived → disposed (Tiêu hủy): never by hand on a file; only by executing an approved
  disposal, which the service does for every file of that disposal.

**Disposal** (tiêu hủy tài liệu hết giá trị): the clerk proposes archived files whose
retention ran out; the leader approves or refuses (with a reason); the clerk then
executes the approved disposal, which records what was destroyed. Nothing is destroyed
without an approved disposal.
"""

from __future__ import annotations

from workflows.engine import Guard, GuardContext, State, Transition, Workflow, optional, required
from workflows.roles import ADMIN, CLERK, DEPUTY, KEEPER, LEADER, STAFF

# File list ----------------------------------------------------------------------------

LIST_DRAFT = "draft"
LIST_SUBMITTED = "submitted"
LIST_APPROVED = "approved"
LIST_LOCKED = "locked"

SUBMIT_LIST = "submit"
APPROVE_LIST = "approve"
RETURN_LIST = "return"
AMEND_LIST = "amend"
LOCK_LIST = "lock"

FILE_LIST = Workflow(
    name="file_list",
    label="Danh mục hồ sơ",
    subject="danh mục hồ sơ",
    initial=LIST_DRAFT,
    states=(
        State(LIST_DRAFT, "Dự thảo"),
        State(LIST_SUBMITTED, "Chờ phê duyệt"),
        State(LIST_APPROVED, "Đã ban hành"),
        State(LIST_LOCKED, "Đã khóa (hết năm)", terminal=True),
    ),
    transitions=(
        Transition(
            SUBMIT_LIST,
            "Trình phê duyệt",
            sources=LIST_DRAFT,
            target=LIST_SUBMITTED,
            roles=(CLERK, ADMIN),
            inputs=(optional("note", "Ghi chú"),),
        ),
        Transition(
            APPROVE_LIST,
            "Phê duyệt, ban hành",
            sources=LIST_SUBMITTED,
            target=LIST_APPROVED,
            roles=LEADER,
            inputs=(optional("note", "Ý kiến"),),
        ),
        Transition(
            RETURN_LIST,
            "Trả lại để sửa",
            sources=LIST_SUBMITTED,
            target=LIST_DRAFT,
            roles=LEADER,
            inputs=(required("reason", "Ý kiến trả lại"),),
        ),
        Transition(
            AMEND_LIST,
            "Mở lại để bổ sung",
            sources=LIST_APPROVED,
            target=LIST_DRAFT,
            roles=LEADER,
            inputs=(required("reason", "Lý do bổ sung"),),
        ),
        Transition(
            LOCK_LIST,
            "Khóa danh mục",
            sources=LIST_APPROVED,
            target=LIST_LOCKED,
            roles=(CLERK, ADMIN, LEADER),
        ),
    ),
)

# Case file ----------------------------------------------------------------------------

PLANNED = "planned"
OPEN = "open"
CLOSED = "closed"
ARCHIVED = "archived"
DISPOSED = "disposed"

OPEN_FILE = "open"
CLOSE_FILE = "close"
REOPEN_FILE = "reopen"
KEEP_BACK = "keep_back"
HAND_OVER = "hand_over"
DISPOSE = "dispose"

# Context keys the service supplies.
CLOSING_PROBLEMS = "closing_problems"  # list of Vietnamese reasons, empty when it may close
HANDED_OVER = "handed_over"  # truthy when the retention is 5 years or more / permanent
KEEP_BACK_PROBLEM = "keep_back_problem"  # why the date given is not allowed, or None
BY_DISPOSAL = "by_disposal"  # truthy only when an approved disposal is being executed

EDITABLE_STATES = frozenset({PLANNED, OPEN})  # documents may be added, moved, removed
FROZEN_STATES = frozenset({ARCHIVED, DISPOSED})


def _may_close(ctx: GuardContext) -> str | None:
    problems = ctx.get(CLOSING_PROBLEMS) or []
    if not problems:
        return None
    return "hồ sơ chưa kết thúc được: " + " ".join(problems)


def _handed_over(ctx: GuardContext) -> str | None:
    if ctx.get(HANDED_OVER):
        return None
    return "chỉ nộp lưu hồ sơ có thời hạn bảo quản từ 5 năm trở lên hoặc vĩnh viễn."


def _keep_back_date(ctx: GuardContext) -> str | None:
    return ctx.get(KEEP_BACK_PROBLEM)


def _by_disposal(ctx: GuardContext) -> str | None:
    if ctx.get(BY_DISPOSAL):
        return None
    return "hồ sơ chỉ được tiêu hủy theo đề nghị tiêu hủy đã được phê duyệt."


MAY_CLOSE_GUARD = Guard("Hồ sơ có văn bản và không còn dự thảo, văn bản đang xử lý", _may_close)
HANDED_OVER_GUARD = Guard("Thời hạn bảo quản từ 5 năm trở lên", _handed_over)
KEEP_BACK_GUARD = Guard("Giữ lại không quá 2 năm sau hạn nộp lưu", _keep_back_date, input="until")
BY_DISPOSAL_GUARD = Guard("Theo đề nghị tiêu hủy đã phê duyệt", _by_disposal)

CASE_FILE = Workflow(
    name="case_file",
    label="Hồ sơ",
    subject="hồ sơ",
    initial=PLANNED,
    states=(
        State(PLANNED, "Dự kiến (trong danh mục)"),
        State(OPEN, "Đang lập"),
        State(CLOSED, "Đã kết thúc"),
        State(ARCHIVED, "Đã nộp lưu"),
        State(DISPOSED, "Đã tiêu hủy", terminal=True),
    ),
    transitions=(
        Transition(
            OPEN_FILE,
            "Mở hồ sơ",
            sources=PLANNED,
            target=OPEN,
            roles=(KEEPER, STAFF, CLERK, LEADER, DEPUTY),
        ),
        Transition(
            CLOSE_FILE,
            "Kết thúc hồ sơ",
            sources=OPEN,
            target=CLOSED,
            roles=(KEEPER, CLERK, LEADER),
            inputs=(required("retention", "Thời hạn bảo quản"), optional("note", "Ghi chú")),
            guards=(MAY_CLOSE_GUARD,),
        ),
        Transition(
            REOPEN_FILE,
            "Mở lại hồ sơ",
            sources=CLOSED,
            target=OPEN,
            roles=LEADER,
            inputs=(required("reason", "Lý do mở lại"),),
        ),
        Transition(
            KEEP_BACK,
            "Giữ lại chưa nộp lưu",
            sources=CLOSED,
            target=None,
            roles=LEADER,
            inputs=(required("until", "Giữ lại đến ngày"), required("reason", "Lý do giữ lại")),
            guards=(HANDED_OVER_GUARD, KEEP_BACK_GUARD),
        ),
        Transition(
            HAND_OVER,
            "Nộp lưu",
            sources=CLOSED,
            target=ARCHIVED,
            roles=(CLERK, LEADER),
            guards=(HANDED_OVER_GUARD,),
        ),
        Transition(
            DISPOSE,
            "Tiêu hủy",
            sources=ARCHIVED,
            target=DISPOSED,
            roles=(CLERK, ADMIN),
            guards=(BY_DISPOSAL_GUARD,),
        ),
    ),
)

# Disposal -----------------------------------------------------------------------------

PROPOSED = "proposed"
APPROVED = "approved"
REFUSED = "refused"
EXECUTED = "executed"

APPROVE_DISPOSAL = "approve"
REFUSE_DISPOSAL = "refuse"
EXECUTE_DISPOSAL = "execute"

DISPOSAL = Workflow(
    name="disposal",
    label="Tiêu hủy tài liệu hết giá trị",
    subject="đề nghị tiêu hủy",
    initial=PROPOSED,
    states=(
        State(PROPOSED, "Chờ phê duyệt"),
        State(APPROVED, "Đã phê duyệt"),
        State(REFUSED, "Không phê duyệt", terminal=True),
        State(EXECUTED, "Đã tiêu hủy", terminal=True),
    ),
    transitions=(
        Transition(
            APPROVE_DISPOSAL,
            "Phê duyệt tiêu hủy",
            sources=PROPOSED,
            target=APPROVED,
            roles=LEADER,
            inputs=(required("decision", "Số, ngày quyết định tiêu hủy"),),
        ),
        Transition(
            REFUSE_DISPOSAL,
            "Không phê duyệt",
            sources=PROPOSED,
            target=REFUSED,
            roles=LEADER,
            inputs=(required("reason", "Lý do"),),
        ),
        Transition(
            EXECUTE_DISPOSAL,
            "Thực hiện tiêu hủy",
            sources=APPROVED,
            target=EXECUTED,
            roles=(CLERK, ADMIN),
            inputs=(required("witnesses", "Người chứng kiến"),),
        ),
    ),
)
