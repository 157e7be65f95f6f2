"""The life cycle of an incoming document (văn bản đến), NĐ 30/2020 Đ20–24.

registered → presented → assigned → in_progress → completed → filed is the path every
document takes; urgent ones skip no step, they are only announced at once. The choices
behind each transition:

- present (Trình lãnh đạo), clerk, from registered or returned: Đ23 has the văn thư
  present every registered document; after a return the corrected entry goes up again.
- return_to_clerk (Trả lại văn thư), leader or deputy, from presented, reason required:
  the leader sends a wrongly registered entry back instead of assigning it. It lands in
  `returned`, which is correctable (CORRECTABLE_STATES), so the clerk fixes the entry and
  presents it again, or cancels it. A deputy may return only within their scope.
- assign (Phân công xử lý), leader or deputy, from presented, lead required: Đ23.2 has the
  leader record the chủ trì, phối hợp, thời hạn and ý kiến chỉ đạo. Only the lead is
  required because many documents need no deadline or coordinators. A deputy acts only
  within the scope given to them (context DEPUTY_IN_SCOPE, worked out by the service).
- reassign (Phân công lại), leader or deputy in scope, from assigned or in_progress,
  lead and reason required: the new assignment goes back to `assigned` so the new lead
  starts it; the event carries the new values and earlier events keep the old ones, so
  the history is complete. The reason is required because someone loses the work.
- start (Bắt đầu xử lý), lead handler, from assigned: reported to the sender as 05. A
  service may fire it by itself when the lead first records progress.
- complete (Hoàn thành xử lý), lead handler, from in_progress, result summary required:
  completion is the lead's word (Đ24); coordinators contribute through their assignments.
- reopen (Mở lại để xử lý tiếp), leader only, from completed, reason required: the head
  of the agency answers for the outcome, so only they send finished work back.
- file (Lập hồ sơ / lưu), clerk or lead handler, from completed: either may put the
  document into its case file (hồ sơ, Đ28); once filed the record is closed.
- reject (Từ chối tiếp nhận), clerk or leader, before assignment, reason required (§3.5
  code 02 demands one): the clerk while the document is with them (registered, returned);
  once presented, only the leader, so the clerk cannot pull it from under the leader.
- cancel (Hủy vào sổ), clerk, from registered or returned, reason required: a wrong
  registration (a duplicate, a mistaken entry) is cancelled, its number stays used.
  "Before presentation" includes `returned`: the leader handed the entry back, and a
  duplicate found at that point must be cancellable rather than rejected to the sender.
- withdraw (Thu hồi theo yêu cầu của nơi gửi), the sending office of the deployment,
  from any state before filing, reason required: NĐ 30 Đ18.4 has the recipient cancel a
  recalled e-document in its system; within one deployment the sender's recall does it,
  and the entry ends cancelled with the recall recorded. A filed record stays as it is.

Relational roles come from the service: `lead_handler` is whoever holds the lead part
now (the person named, or for a unit the head of the unit or the person they passed it
to).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from workflows.engine import Guard, GuardContext, State, Transition, Workflow, optional, required
from workflows.roles import CLERK, DEPUTY, LEAD_HANDLER, LEADER, SENDER

# States.
REGISTERED = "registered"
PRESENTED = "presented"
RETURNED = "returned"
ASSIGNED = "assigned"
IN_PROGRESS = "in_progress"
COMPLETED = "completed"
FILED = "filed"
CANCELLED = "cancelled"
REJECTED = "rejected"

# Transitions.
PRESENT = "present"
RETURN_TO_CLERK = "return_to_clerk"
ASSIGN = "assign"
REASSIGN = "reassign"
START = "start"
COMPLETE = "complete"
REOPEN = "reopen"
FILE = "file"
REJECT = "reject"
CANCEL = "cancel"
WITHDRAW = "withdraw"

# Context keys the service supplies.
DEPUTY_IN_SCOPE = "deputy_in_scope"  # truthy when this document is within the deputy's scope


def _deputy_in_scope(ctx: GuardContext) -> str | None:
    if LEADER in ctx.roles or ctx.get(DEPUTY_IN_SCOPE):
        return None
    return "văn bản không thuộc phạm vi được giao phụ trách của cấp phó."


def _clerk_only_before_presentation(ctx: GuardContext) -> str | None:
    if ctx.state == PRESENTED and LEADER not in ctx.roles:
        return "văn bản đã trình lãnh đạo, chỉ lãnh đạo mới được từ chối tiếp nhận."
    return None


DEPUTY_IN_SCOPE_GUARD = Guard("Cấp phó chỉ trong phạm vi được giao phụ trách", _deputy_in_scope)
REJECT_GUARD = Guard(
    "Văn thư chỉ từ chối khi văn bản chưa trình (hoặc đã trả lại); sau khi trình chỉ lãnh đạo",
    _clerk_only_before_presentation,
)

_REASON = "reason"
_ASSIGNMENT_DETAILS = (
    optional("coordinators", "Phối hợp"),
    optional("informed", "Để biết"),
    optional("deadline", "Hạn xử lý"),
    optional("instruction", "Ý kiến chỉ đạo"),
)

WORKFLOW = Workflow(
    name="incoming",
    label="Văn bản đến",
    subject="văn bản",
    initial=REGISTERED,
    states=(
        State(REGISTERED, "Đã vào sổ"),
        State(PRESENTED, "Đã trình"),
        State(RETURNED, "Trả lại văn thư"),
        State(ASSIGNED, "Đã phân công"),
        State(IN_PROGRESS, "Đang xử lý"),
        State(COMPLETED, "Đã hoàn thành"),
        State(FILED, "Đã lập hồ sơ / lưu", terminal=True),
        State(CANCELLED, "Đã hủy", terminal=True),
        State(REJECTED, "Từ chối tiếp nhận", terminal=True),
    ),
    transitions=(
        Transition(
            PRESENT,
            "Trình lãnh đạo",
            sources=(REGISTERED, RETURNED),
            target=PRESENTED,
            roles=CLERK,
            inputs=(optional("presented_to", "Lãnh đạo được trình"), optional("note", "Ghi chú")),
        ),
        Transition(
            RETURN_TO_CLERK,
            "Trả lại văn thư",
            sources=PRESENTED,
            target=RETURNED,
            roles=(LEADER, DEPUTY),
            inputs=(required(_REASON, "Lý do trả lại"),),
            guards=(DEPUTY_IN_SCOPE_GUARD,),
        ),
        Transition(
            ASSIGN,
            "Phân công xử lý",
            sources=PRESENTED,
            target=ASSIGNED,
            roles=(LEADER, DEPUTY),
            inputs=(required("lead", "Chủ trì xử lý"), *_ASSIGNMENT_DETAILS),
            guards=(DEPUTY_IN_SCOPE_GUARD,),
        ),
        Transition(
            REASSIGN,
            "Phân công lại",
            sources=(ASSIGNED, IN_PROGRESS),
            target=ASSIGNED,
            roles=(LEADER, DEPUTY),
            inputs=(
                required("lead", "Chủ trì xử lý"),
                required(_REASON, "Lý do phân công lại"),
                *_ASSIGNMENT_DETAILS,
            ),
            guards=(DEPUTY_IN_SCOPE_GUARD,),
        ),
        Transition(
            START,
            "Bắt đầu xử lý",
            sources=ASSIGNED,
            target=IN_PROGRESS,
            roles=LEAD_HANDLER,
            inputs=(optional("note", "Ghi chú"),),
        ),
        Transition(
            COMPLETE,
            "Hoàn thành xử lý",
            sources=IN_PROGRESS,
            target=COMPLETED,
            roles=LEAD_HANDLER,
            inputs=(
                required("result", "Tóm tắt kết quả xử lý"),
                optional("reply_document", "Văn bản trả lời"),
            ),
        ),
        Transition(
            REOPEN,
            "Mở lại để xử lý tiếp",
            sources=COMPLETED,
            target=IN_PROGRESS,
            roles=LEADER,
            inputs=(required(_REASON, "Lý do mở lại"), optional("deadline", "Hạn xử lý mới")),
        ),
        Transition(
            FILE,
            "Lập hồ sơ / lưu",
            sources=COMPLETED,
            target=FILED,
            roles=(CLERK, LEAD_HANDLER),
            inputs=(optional("case_file", "Hồ sơ"),),
        ),
        Transition(
            REJECT,
            "Từ chối tiếp nhận",
            sources=(REGISTERED, PRESENTED, RETURNED),
            target=REJECTED,
            roles=(CLERK, LEADER),
            inputs=(required(_REASON, "Lý do từ chối"),),
            guards=(REJECT_GUARD,),
        ),
        Transition(
            CANCEL,
            "Hủy vào sổ",
            sources=(REGISTERED, RETURNED),
            target=CANCELLED,
            roles=CLERK,
            inputs=(required(_REASON, "Lý do hủy"),),
        ),
        Transition(
            WITHDRAW,
            "Thu hồi theo yêu cầu của nơi gửi",
            sources=(REGISTERED, PRESENTED, RETURNED, ASSIGNED, IN_PROGRESS, COMPLETED),
            target=CANCELLED,
            roles=SENDER,
            inputs=(required(_REASON, "Lý do thu hồi"),),
        ),
    ),
)

STATE_LABELS: Mapping[str, str] = WORKFLOW.labels

# States in which the clerk's registration can still be corrected or cancelled.
CORRECTABLE_STATES = frozenset({REGISTERED, RETURNED})

# States in which a document still awaits handling, so its deadline can pass (quá hạn).
OPEN_STATES = frozenset({REGISTERED, PRESENTED, RETURNED, ASSIGNED, IN_PROGRESS})

# What waits for whom, for the home dashboards.
AWAITING_PRESENTATION = frozenset({REGISTERED, RETURNED})
AWAITING_ASSIGNMENT = frozenset({PRESENTED})

# edXML status code (DOMAIN.md §3.5) to report to the sender when a document enters the
# state. States not listed report nothing new: presented and returned are still "03"
# for the sender, filed is still "06", and a cancelled entry was the clerk's own slip.
EXCHANGE_STATUS: Mapping[str, str] = MappingProxyType(
    {
        REJECTED: "02",
        REGISTERED: "03",
        ASSIGNED: "04",
        IN_PROGRESS: "05",
        COMPLETED: "06",
    }
)


def can_correct(state: str) -> bool:
    return state in CORRECTABLE_STATES


def exchange_status(state: str) -> str | None:
    return EXCHANGE_STATUS.get(state)
