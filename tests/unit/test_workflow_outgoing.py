"""The outgoing-document workflow against tables written by hand.

Every transition × every state × every role, as for the incoming workflow: the expected
outcome comes from the tables below, so an edit of the definition fails here until the
table is changed too, on purpose.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from workflows import outgoing as wf
from workflows.engine import Refusal, TransitionRefused, available, fire
from workflows.roles import KNOWN_ROLES

WORKFLOW = wf.WORKFLOW
ALL_ROLES = sorted(KNOWN_ROLES)

STATE_LABELS = {
    "draft": "Dự thảo",
    "in_review": "Đang trình duyệt",
    "issued": "Đã ban hành",
    "rejected": "Không ban hành",
    "recalled": "Đã thu hồi",
    "discarded": "Đã hủy dự thảo",
}
TERMINAL = {"rejected", "recalled", "discarded"}

# name: (label, sources, target (None: stays), roles allowed, how the role message lists them)
TRANSITIONS: dict[str, tuple[str, set[str], str | None, set[str], str]] = {
    "submit": ("Trình duyệt", {"draft"}, "in_review", {"drafter"}, "Người soạn thảo"),
    "approve": (
        "Đồng ý, chuyển bước sau",
        {"in_review"},
        None,
        {"reviewer"},
        "Người kiểm tra ở bước hiện tại",
    ),
    "send_back": (
        "Trả lại để sửa",
        {"in_review"},
        "draft",
        {"reviewer", "signer"},
        "Người kiểm tra ở bước hiện tại, Người ký ban hành",
    ),
    "reject": (
        "Không ban hành",
        {"in_review"},
        "rejected",
        {"signer", "leader"},
        "Lãnh đạo, Người ký ban hành",
    ),
    "sign": ("Ký ban hành", {"in_review"}, "issued", {"signer"}, "Người ký ban hành"),
    "recall": ("Thu hồi văn bản", {"issued"}, "recalled", {"leader", "clerk"}, "Văn thư, Lãnh đạo"),
    "discard": ("Hủy dự thảo", {"draft"}, "discarded", {"drafter"}, "Người soạn thảo"),
}
REQUIRED = {
    "submit": {},
    "approve": {},
    "send_back": {"reason": "Ý kiến trả lại"},
    "reject": {"reason": "Lý do không ban hành"},
    "sign": {},
    "recall": {"reason": "Lý do thu hồi"},
    "discard": {},
}
VALID_INPUTS: dict[str, dict[str, Any]] = {
    "submit": {"note": "Kính trình Trưởng phòng."},
    "approve": {"note": "Nội dung đạt."},
    "send_back": {"reason": "Bổ sung số liệu khối THCS."},
    "reject": {"reason": "Không còn cần thiết."},
    "sign": {},
    "recall": {"reason": "Ban hành nhầm đối tượng."},
    "discard": {},
}
# The context a service gives when the step is otherwise allowed.
CONTEXTS: dict[str, dict[str, Any]] = {
    "submit": {wf.HAS_SIGNER: True},
    "approve": {wf.AT_SIGNING_STAGE: False},
    "sign": {wf.AT_SIGNING_STAGE: True},
}


def test_tables_describe_the_definition_exactly():
    assert WORKFLOW.initial == "draft"
    assert dict(WORKFLOW.labels) == STATE_LABELS
    assert WORKFLOW.terminal_states == TERMINAL
    assert [t.name for t in WORKFLOW.transitions] == list(TRANSITIONS)
    for t in WORKFLOW.transitions:
        label, sources, target, roles, _ = TRANSITIONS[t.name]
        assert (t.label, set(t.sources), t.target, set(t.roles)) == (label, sources, target, roles)
        assert {i.name: i.label for i in t.required_inputs} == REQUIRED[t.name], t.name


CASES = [
    (t.name, state, role)
    for t in WORKFLOW.transitions
    for state in WORKFLOW.state_codes
    for role in ALL_ROLES
]


@pytest.mark.parametrize(("name", "state", "role"), CASES, ids=["-".join(c) for c in CASES])
def test_every_transition_from_every_state_for_every_role(name, state, role):
    label, sources, target, roles, role_text = TRANSITIONS[name]
    inputs = copy.deepcopy(VALID_INPUTS[name])
    context = dict(CONTEXTS.get(name, {}))
    before = copy.deepcopy((inputs, context))

    if state in sources and role in roles:
        event = fire(WORKFLOW, state, name, {role}, inputs, context)
        assert (event.workflow, event.transition) == ("outgoing", name)
        assert (event.from_state, event.to_state) == (state, target or state)
        return

    with pytest.raises(TransitionRefused) as caught:
        fire(WORKFLOW, state, name, {role}, inputs, context)
    error = caught.value
    assert (inputs, context) == before, "a refusal must change nothing"
    if state not in sources:
        assert error.reason is Refusal.WRONG_STATE
        assert error.message.startswith(
            f"Không thể thực hiện «{label}» vì văn bản đang ở trạng thái «{STATE_LABELS[state]}»; "
        )
    else:
        assert error.reason is Refusal.ROLE
        assert error.message == (
            f"Bạn không có quyền thực hiện «{label}»: thao tác này chỉ dành cho {role_text}."
        )


@pytest.mark.parametrize(
    ("name", "context", "reason"),
    [
        ("submit", {}, "chưa chọn người ký văn bản."),
        (
            "approve",
            {wf.AT_SIGNING_STAGE: True},
            "văn bản đã qua các bước kiểm tra, đang chờ người ký.",
        ),
        ("sign", {}, "văn bản còn đang chờ kiểm tra ở bước trước, chưa đến bước ký."),
    ],
)
def test_guards_keep_the_order_of_the_chain(name, context, reason):
    role = next(iter(TRANSITIONS[name][3]))
    state = next(iter(TRANSITIONS[name][1]))
    with pytest.raises(TransitionRefused) as caught:
        fire(WORKFLOW, state, name, {role}, VALID_INPUTS[name], context)
    assert caught.value.reason is Refusal.GUARD
    assert caught.value.message == f"Không thể thực hiện «{TRANSITIONS[name][0]}»: {reason}"


def test_buttons_follow_the_stage():
    def names(roles, context):
        return [t.name for t in available(WORKFLOW, "in_review", roles, context)]

    checking = {wf.AT_SIGNING_STAGE: False}
    signing = {wf.AT_SIGNING_STAGE: True}
    assert names({"reviewer"}, checking) == ["approve", "send_back"]
    assert names({"signer"}, checking) == ["send_back", "reject"]
    assert names({"signer"}, signing) == ["send_back", "reject", "sign"]
    assert names({"reviewer"}, signing) == ["send_back"]
