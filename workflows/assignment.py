"""The life cycle of one assignment (phân công): one person's or unit's part in a document.

Assigning an incoming document creates one assignment per recipient, each with a kind:
the lead (chủ trì), coordinators (phối hợp) and people informed (để biết). Each moves on
its own, so the document's timeline shows who accepted, passed on and finished what.
The choices behind each transition:

- accept (Nhận xử lý), assignee, assigned → in_progress, not for "để biết": the holder
  confirms they are on it; a lead's acceptance is when the document goes to 05.
- acknowledge (Đã xem để biết), assignee, assigned → acknowledged, only for "để biết":
  people informed have nothing to hand in, reading it closes their part.
- pass_on (Giao cho cán bộ trong đơn vị), unit head, from assigned or in_progress, back to
  assigned: Phiếu giải quyết văn bản đến section 2, the head of a unit names the person
  who does the work. Only a part held by a unit can be passed on (context HELD_BY_UNIT),
  only to a member of the unit (context UNIT_MEMBERS); the person then accepts it.
- complete (Hoàn thành phần việc), assignee, in_progress → completed, result required:
  the lead's result or a coordinator's contribution.
- extend_deadline (Gia hạn xử lý), leader or the assigner, keeps the state, new deadline
  and reason required: the event keeps the new deadline, earlier events the old one.
- reassign (Giao người khác), leader or the assigner, from assigned or in_progress →
  reassigned, new assignee and reason required: this assignment ends as it was (history)
  and the service opens a new one for the new holder.
- withdraw (Thu hồi phân công), leader or the assigner, reason required: a part no longer
  needed (a coordinator dropped) ends without a replacement.
- reopen (Mở lại), leader or the assigner, completed → in_progress, reason required:
  mirrors reopening the document, so the lead's part is open again.

Relational roles come from the service: `assignee` is whoever holds the part now (the
person, or for a unit the unit head until they pass it on), `unit_head` the head of the
unit the part was given to, `assigner` the leader or deputy who made the assignment.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from workflows.engine import Guard, GuardContext, State, Transition, Workflow, optional, required
from workflows.roles import ASSIGNEE, ASSIGNER, LEADER, UNIT_HEAD

# Kinds of assignment.
LEAD = "lead"
COORDINATOR = "coordinator"
INFORMED = "informed"

KIND_LABELS: Mapping[str, str] = MappingProxyType(
    {LEAD: "Chủ trì", COORDINATOR: "Phối hợp", INFORMED: "Để biết"}
)

# States.
ASSIGNED = "assigned"
IN_PROGRESS = "in_progress"
COMPLETED = "completed"
ACKNOWLEDGED = "acknowledged"
REASSIGNED = "reassigned"
WITHDRAWN = "withdrawn"

# Transitions.
ACCEPT = "accept"
ACKNOWLEDGE = "acknowledge"
PASS_ON = "pass_on"
COMPLETE = "complete"
EXTEND_DEADLINE = "extend_deadline"
REASSIGN = "reassign"
WITHDRAW = "withdraw"
REOPEN = "reopen"

# Context keys the service supplies.
KIND = "kind"  # LEAD, COORDINATOR or INFORMED
HELD_BY_UNIT = "held_by_unit"  # truthy while the part sits with a unit, not yet a person
UNIT_MEMBERS = "unit_members"  # ids of the people the unit head may pass the part to


def _needs_work(ctx: GuardContext) -> str | None:
    if ctx.get(KIND) in (LEAD, COORDINATOR):
        return None
    return "phần việc «Để biết» chỉ cần xác nhận đã xem."


def _only_informed(ctx: GuardContext) -> str | None:
    if ctx.get(KIND) == INFORMED:
        return None
    return "chỉ phần việc «Để biết» mới xác nhận đã xem; phần việc này cần được xử lý."


def _held_by_unit(ctx: GuardContext) -> str | None:
    if ctx.get(HELD_BY_UNIT):
        return None
    return "phần việc đã giao cho một cá nhân, không thể giao tiếp."


def _assignee_in_unit(ctx: GuardContext) -> str | None:
    person = ctx.inputs.get("assignee")
    if person is None or person in (ctx.get(UNIT_MEMBERS) or ()):
        return None
    return "cán bộ được giao phải thuộc đơn vị."


NEEDS_WORK_GUARD = Guard("Chỉ phần việc chủ trì hoặc phối hợp", _needs_work)
INFORMED_GUARD = Guard("Chỉ phần việc để biết", _only_informed)
HELD_BY_UNIT_GUARD = Guard("Phần việc đang giao cho đơn vị (chưa giao cá nhân)", _held_by_unit)
IN_UNIT_GUARD = Guard("Người nhận thuộc đơn vị", _assignee_in_unit, input="assignee")

_MANAGERS = (LEADER, ASSIGNER)

WORKFLOW = Workflow(
    name="assignment",
    label="Phân công xử lý",
    subject="phần việc",
    initial=ASSIGNED,
    states=(
        State(ASSIGNED, "Đã giao"),
        State(IN_PROGRESS, "Đang thực hiện"),
        State(COMPLETED, "Đã hoàn thành"),
        State(ACKNOWLEDGED, "Đã xem để biết", terminal=True),
        State(REASSIGNED, "Đã giao người khác", terminal=True),
        State(WITHDRAWN, "Đã thu hồi", terminal=True),
    ),
    transitions=(
        Transition(
            ACCEPT,
            "Nhận xử lý",
            sources=ASSIGNED,
            target=IN_PROGRESS,
            roles=ASSIGNEE,
            guards=(NEEDS_WORK_GUARD,),
        ),
        Transition(
            ACKNOWLEDGE,
            "Đã xem để biết",
            sources=ASSIGNED,
            target=ACKNOWLEDGED,
            roles=ASSIGNEE,
            guards=(INFORMED_GUARD,),
        ),
        Transition(
            PASS_ON,
            "Giao cho cán bộ trong đơn vị",
            sources=(ASSIGNED, IN_PROGRESS),
            target=ASSIGNED,
            roles=UNIT_HEAD,
            inputs=(
                required("assignee", "Cán bộ được giao"),
                optional("deadline", "Hạn xử lý của đơn vị"),
                optional("instruction", "Ý kiến của lãnh đạo đơn vị"),
            ),
            guards=(HELD_BY_UNIT_GUARD, IN_UNIT_GUARD),
        ),
        Transition(
            COMPLETE,
            "Hoàn thành phần việc",
            sources=IN_PROGRESS,
            target=COMPLETED,
            roles=ASSIGNEE,
            inputs=(required("result", "Kết quả / ý kiến tham gia"),),
        ),
        Transition(
            EXTEND_DEADLINE,
            "Gia hạn xử lý",
            sources=(ASSIGNED, IN_PROGRESS),
            target=None,
            roles=_MANAGERS,
            inputs=(required("deadline", "Hạn xử lý mới"), required("reason", "Lý do gia hạn")),
        ),
        Transition(
            REASSIGN,
            "Giao người khác",
            sources=(ASSIGNED, IN_PROGRESS),
            target=REASSIGNED,
            roles=_MANAGERS,
            inputs=(
                required("assignee", "Người hoặc đơn vị nhận thay"),
                required("reason", "Lý do giao lại"),
            ),
        ),
        Transition(
            WITHDRAW,
            "Thu hồi phân công",
            sources=(ASSIGNED, IN_PROGRESS),
            target=WITHDRAWN,
            roles=_MANAGERS,
            inputs=(required("reason", "Lý do thu hồi"),),
        ),
        Transition(
            REOPEN,
            "Mở lại",
            sources=COMPLETED,
            target=IN_PROGRESS,
            roles=_MANAGERS,
            inputs=(required("reason", "Lý do mở lại"), optional("deadline", "Hạn xử lý mới")),
        ),
    ),
)

STATE_LABELS: Mapping[str, str] = WORKFLOW.labels

# States in which the part still awaits work, so its deadline can pass.
OPEN_STATES = frozenset({ASSIGNED, IN_PROGRESS})
