"""The life cycle of an outgoing document (văn bản đi), NĐ 30/2020 Đ10–18.

draft → in_review → issued is the path: the drafter submits, each stage of the
organisation's approval chain checks it in turn, and the signer signs, which issues it
(number, date, register entry, signed PDF, delivery). The choices behind each step:

- submit (Trình duyệt), drafter, from draft: Đ10 has the drafter hand the draft up; the
  service snapshots the organisation's chain for this round, so changing the chain later
  does not move documents already on their way.
- approve (Đồng ý, chuyển bước sau), reviewer of the current stage, from in_review: Đ12
  makes the head of the drafting unit answer for the content and the person checking the
  form (thể thức) answer for it; both approvals are kept (Phụ lục VI III.5.a). The state
  does not move; the service moves the round to its next stage. Not at the signing stage:
  the signer signs.
- send_back (Trả lại để sửa), reviewer or signer, from in_review, reason required: Đ10
  "changes go back through the unit leader"; the draft returns to the drafter with the
  comment, and a new round starts at the first stage when it is submitted again.
- reject (Không ban hành), the signer or a leader, from in_review, reason required: the
  person who would sign decides the document will not be issued (Đ11).
- sign (Ký ban hành), signer, from in_review at the signing stage: Đ11 has the signer
  approve, Đ13 sign; the number and date are taken at this moment (Đ15.3).
- recall (Thu hồi), leader or clerk, from issued, reason required: Đ18.4; each internal
  recipient's copy is withdrawn and the recall recorded.
- discard (Hủy dự thảo), drafter, from draft: a draft nobody will pursue is closed, kept
  on record.

Relational roles come from the service: `drafter` made the draft; `reviewer` holds the
stage the round is at now (the head of the drafting unit, a clerk, a named person…);
`signer` is the proposed signer, or the deputy a delegation names while it runs.
"""

from __future__ import annotations

from workflows.engine import Guard, GuardContext, State, Transition, Workflow, optional, required
from workflows.roles import CLERK, DRAFTER, LEADER, REVIEWER, SIGNER

# States.
DRAFT = "draft"
IN_REVIEW = "in_review"
ISSUED = "issued"
REJECTED = "rejected"
RECALLED = "recalled"
DISCARDED = "discarded"

# Transitions.
SUBMIT = "submit"
APPROVE = "approve"
SEND_BACK = "send_back"
REJECT = "reject"
SIGN = "sign"
RECALL = "recall"
DISCARD = "discard"

# Context keys the service supplies.
AT_SIGNING_STAGE = "at_signing_stage"  # truthy when every check stage has approved
HAS_SIGNER = "has_signer"  # truthy when a signer is proposed


def _at_signing(ctx: GuardContext) -> str | None:
    if ctx.get(AT_SIGNING_STAGE):
        return None
    return "văn bản còn đang chờ kiểm tra ở bước trước, chưa đến bước ký."


def _before_signing(ctx: GuardContext) -> str | None:
    if not ctx.get(AT_SIGNING_STAGE):
        return None
    return "văn bản đã qua các bước kiểm tra, đang chờ người ký."


def _signer_chosen(ctx: GuardContext) -> str | None:
    if ctx.get(HAS_SIGNER):
        return None
    return "chưa chọn người ký văn bản."


AT_SIGNING_GUARD = Guard("Mọi bước kiểm tra đã đồng ý", _at_signing)
BEFORE_SIGNING_GUARD = Guard("Còn bước kiểm tra chưa đồng ý", _before_signing)
SIGNER_GUARD = Guard("Đã chọn người ký", _signer_chosen)

WORKFLOW = Workflow(
    name="outgoing",
    label="Văn bản đi",
    subject="văn bản",
    initial=DRAFT,
    states=(
        State(DRAFT, "Dự thảo"),
        State(IN_REVIEW, "Đang trình duyệt"),
        State(ISSUED, "Đã ban hành"),
        State(REJECTED, "Không ban hành", terminal=True),
        State(RECALLED, "Đã thu hồi", terminal=True),
        State(DISCARDED, "Đã hủy dự thảo", terminal=True),
    ),
    transitions=(
        Transition(
            SUBMIT,
            "Trình duyệt",
            sources=DRAFT,
            target=IN_REVIEW,
            roles=DRAFTER,
            inputs=(optional("note", "Ghi chú"),),
            guards=(SIGNER_GUARD,),
        ),
        Transition(
            APPROVE,
            "Đồng ý, chuyển bước sau",
            sources=IN_REVIEW,
            target=None,
            roles=REVIEWER,
            inputs=(optional("note", "Ý kiến"),),
            guards=(BEFORE_SIGNING_GUARD,),
        ),
        Transition(
            SEND_BACK,
            "Trả lại để sửa",
            sources=IN_REVIEW,
            target=DRAFT,
            roles=(REVIEWER, SIGNER),
            inputs=(required("reason", "Ý kiến trả lại"),),
        ),
        Transition(
            REJECT,
            "Không ban hành",
            sources=IN_REVIEW,
            target=REJECTED,
            roles=(SIGNER, LEADER),
            inputs=(required("reason", "Lý do không ban hành"),),
        ),
        Transition(
            SIGN,
            "Ký ban hành",
            sources=IN_REVIEW,
            target=ISSUED,
            roles=SIGNER,
            inputs=(optional("note", "Ý kiến"),),
            guards=(AT_SIGNING_GUARD,),
        ),
        Transition(
            RECALL,
            "Thu hồi văn bản",
            sources=ISSUED,
            target=RECALLED,
            roles=(LEADER, CLERK),
            inputs=(required("reason", "Lý do thu hồi"),),
        ),
        Transition(
            DISCARD,
            "Hủy dự thảo",
            sources=DRAFT,
            target=DISCARDED,
            roles=DRAFTER,
            inputs=(optional("reason", "Lý do"),),
        ),
    ),
)

STATE_LABELS = {state.code: state.label for state in WORKFLOW.states}
OPEN_STATES = frozenset({DRAFT, IN_REVIEW})
