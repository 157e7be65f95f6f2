"""The assignment workflow (one part of a document: chủ trì, phối hợp, để biết)."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

import pytest

from workflows import assignment as wf
from workflows.engine import Refusal, TransitionRefused, available, fire
from workflows.roles import KNOWN_ROLES

WORKFLOW = wf.WORKFLOW
ALL_ROLES = sorted(KNOWN_ROLES)

STATE_LABELS = {
    "assigned": "Đã giao",
    "in_progress": "Đang thực hiện",
    "completed": "Đã hoàn thành",
    "acknowledged": "Đã xem để biết",
    "reassigned": "Đã giao người khác",
    "withdrawn": "Đã thu hồi",
}
TERMINAL = {"acknowledged", "reassigned", "withdrawn"}

MANAGERS = {"leader", "assigner"}
# name: (label, sources, target (None: unchanged), roles, role message, required inputs)
TRANSITIONS: dict[str, tuple[str, set[str], str | None, set[str], str, set[str]]] = {
    "accept": ("Nhận xử lý", {"assigned"}, "in_progress", {"assignee"}, "Người được giao", set()),
    "acknowledge": (
        "Đã xem để biết",
        {"assigned"},
        "acknowledged",
        {"assignee"},
        "Người được giao",
        set(),
    ),
    "pass_on": (
        "Giao cho cán bộ trong đơn vị",
        {"assigned", "in_progress"},
        "assigned",
        {"unit_head"},
        "Trưởng đơn vị",
        {"assignee"},
    ),
    "complete": (
        "Hoàn thành phần việc",
        {"in_progress"},
        "completed",
        {"assignee"},
        "Người được giao",
        {"result"},
    ),
    "extend_deadline": (
        "Gia hạn xử lý",
        {"assigned", "in_progress"},
        None,
        MANAGERS,
        "Lãnh đạo, Người giao việc",
        {"deadline", "reason"},
    ),
    "reassign": (
        "Giao người khác",
        {"assigned", "in_progress"},
        "reassigned",
        MANAGERS,
        "Lãnh đạo, Người giao việc",
        {"assignee", "reason"},
    ),
    "withdraw": (
        "Thu hồi phân công",
        {"assigned", "in_progress"},
        "withdrawn",
        MANAGERS,
        "Lãnh đạo, Người giao việc",
        {"reason"},
    ),
    "reopen": (
        "Mở lại",
        {"completed"},
        "in_progress",
        MANAGERS,
        "Lãnh đạo, Người giao việc",
        {"reason"},
    ),
}

VALID_INPUTS: dict[str, dict[str, Any]] = {
    "accept": {},
    "acknowledge": {},
    "pass_on": {"assignee": 21, "deadline": date(2025, 3, 12), "instruction": "Anh Minh làm"},
    "complete": {"result": "Đã góp ý dự thảo, gửi kèm"},
    "extend_deadline": {"deadline": date(2025, 3, 28), "reason": "Chờ số liệu các trường"},
    "reassign": {"assignee": {"user": 30}, "reason": "Chuyên viên nghỉ phép"},
    "withdraw": {"reason": "Không cần phối hợp nữa"},
    "reopen": {"reason": "Kết quả chưa đạt yêu cầu"},
}

UNIT_PART = {wf.KIND: wf.COORDINATOR, wf.HELD_BY_UNIT: True, wf.UNIT_MEMBERS: {21, 22}}
CONTEXTS: dict[str, dict[str, Any]] = {
    "acknowledge": {wf.KIND: wf.INFORMED},
}


def _context(name: str) -> dict[str, Any]:
    return dict(CONTEXTS.get(name, UNIT_PART))


def test_tables_describe_the_definition_exactly():
    assert WORKFLOW.initial == "assigned"
    assert dict(WORKFLOW.labels) == STATE_LABELS
    assert WORKFLOW.terminal_states == TERMINAL
    assert [t.name for t in WORKFLOW.transitions] == list(TRANSITIONS)
    for t in WORKFLOW.transitions:
        label, sources, target, roles, _, needed = TRANSITIONS[t.name]
        assert (t.label, set(t.sources), t.target, set(t.roles)) == (label, sources, target, roles)
        assert {i.name for i in t.required_inputs} == needed, t.name


CASES = [
    (t.name, state, role)
    for t in WORKFLOW.transitions
    for state in WORKFLOW.state_codes
    for role in ALL_ROLES
]


@pytest.mark.parametrize(("name", "state", "role"), CASES, ids=["-".join(c) for c in CASES])
def test_every_transition_from_every_state_for_every_role(name, state, role):
    label, sources, target, roles, role_text, _ = TRANSITIONS[name]
    inputs = copy.deepcopy(VALID_INPUTS[name])
    context = _context(name)
    before = copy.deepcopy((inputs, context))

    if state in sources and role in roles:
        event = fire(WORKFLOW, state, name, {role}, inputs, context)
        assert (event.from_state, event.to_state) == (state, target or state)
        assert event.roles == {role}
        assert (inputs, context) == before
        return

    with pytest.raises(TransitionRefused) as caught:
        fire(WORKFLOW, state, name, {role}, inputs, context)
    assert (inputs, context) == before, "a refusal must change nothing"
    error = caught.value
    if state not in sources:
        assert error.reason is Refusal.WRONG_STATE
        assert f"vì phần việc đang ở trạng thái «{STATE_LABELS[state]}»;" in error.message
    else:
        assert error.reason is Refusal.ROLE
        assert error.message == (
            f"Bạn không có quyền thực hiện «{label}»: thao tác này chỉ dành cho {role_text}."
        )


@pytest.mark.parametrize(
    ("name", "field"),
    [(name, field) for name, row in TRANSITIONS.items() for field in sorted(row[5])],
)
def test_missing_required_input_is_named(name, field):
    _, sources, _, roles, _, _ = TRANSITIONS[name]
    inputs = {k: v for k, v in VALID_INPUTS[name].items() if k != field}
    with pytest.raises(TransitionRefused) as caught:
        fire(WORKFLOW, sorted(sources)[0], name, roles, inputs, _context(name))
    assert caught.value.reason is Refusal.MISSING_INPUT
    assert list(caught.value.field_errors) == [field]


# --- kinds -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "expected"),
    [(wf.LEAD, ["accept"]), (wf.COORDINATOR, ["accept"]), (wf.INFORMED, ["acknowledge"])],
)
def test_the_kind_decides_between_accepting_and_acknowledging(kind, expected):
    found = available(WORKFLOW, "assigned", {"staff", "assignee"}, {wf.KIND: kind})
    assert [t.name for t in found] == expected


def test_informed_part_cannot_be_accepted():
    with pytest.raises(TransitionRefused) as caught:
        fire(WORKFLOW, "assigned", "accept", {"assignee"}, {}, {wf.KIND: wf.INFORMED})
    assert caught.value.message == (
        "Không thể thực hiện «Nhận xử lý»: phần việc «Để biết» chỉ cần xác nhận đã xem."
    )


@pytest.mark.parametrize("kind", [wf.LEAD, wf.COORDINATOR, None])
def test_only_informed_parts_are_acknowledged(kind):
    with pytest.raises(TransitionRefused) as caught:
        fire(WORKFLOW, "assigned", "acknowledge", {"assignee"}, {}, {wf.KIND: kind})
    assert caught.value.message == (
        "Không thể thực hiện «Đã xem để biết»: "
        "chỉ phần việc «Để biết» mới xác nhận đã xem; phần việc này cần được xử lý."
    )


def test_a_part_of_unknown_kind_is_not_accepted():
    with pytest.raises(TransitionRefused) as caught:
        fire(WORKFLOW, "assigned", "accept", {"assignee"})
    assert caught.value.reason is Refusal.GUARD


# --- passing a unit's part on ----------------------------------------------------------------


def test_unit_head_passes_the_part_to_a_member():
    event = fire(WORKFLOW, "assigned", "pass_on", {"unit_head"}, {"assignee": 22}, UNIT_PART)
    assert (event.to_state, dict(event.inputs)) == ("assigned", {"assignee": 22})
    event = fire(WORKFLOW, "in_progress", "pass_on", {"unit_head"}, {"assignee": 21}, UNIT_PART)
    assert event.to_state == "assigned"


NOT_A_MEMBER = "cán bộ được giao phải thuộc đơn vị."


@pytest.mark.parametrize(
    ("context", "assignee", "reason", "kind"),
    [
        (
            {**UNIT_PART, wf.HELD_BY_UNIT: False},
            21,
            "phần việc đã giao cho một cá nhân, không thể giao tiếp.",
            Refusal.GUARD,
        ),
        (UNIT_PART, 99, NOT_A_MEMBER, Refusal.INVALID_INPUT),
        ({wf.HELD_BY_UNIT: True}, 21, NOT_A_MEMBER, Refusal.INVALID_INPUT),
        ({wf.HELD_BY_UNIT: True, wf.UNIT_MEMBERS: None}, 21, NOT_A_MEMBER, Refusal.INVALID_INPUT),
    ],
)
def test_pass_on_refusals(context, assignee, reason, kind):
    with pytest.raises(TransitionRefused) as caught:
        fire(WORKFLOW, "assigned", "pass_on", {"unit_head"}, {"assignee": assignee}, context)
    assert caught.value.reason is kind
    assert caught.value.message == f"Không thể thực hiện «Giao cho cán bộ trong đơn vị»: {reason}"
    if kind is Refusal.INVALID_INPUT:  # a form error on the field, not a lack of rights
        assert dict(caught.value.field_errors) == {
            "assignee": "Cán bộ được giao phải thuộc đơn vị."
        }
    else:
        assert not caught.value.field_errors


def test_pass_on_button_depends_on_who_holds_the_part():
    held = available(WORKFLOW, "assigned", {"unit_head"}, UNIT_PART)
    assert [t.name for t in held] == ["pass_on"]
    passed = available(WORKFLOW, "assigned", {"unit_head"}, {**UNIT_PART, wf.HELD_BY_UNIT: False})
    assert passed == ()


# --- deadlines and reassignment keep history -------------------------------------------------


@pytest.mark.parametrize("state", ["assigned", "in_progress"])
def test_extending_the_deadline_keeps_the_state_and_records_the_new_one(state):
    first = fire(WORKFLOW, state, "extend_deadline", {"assigner"}, VALID_INPUTS["extend_deadline"])
    second = fire(
        WORKFLOW,
        first.to_state,
        "extend_deadline",
        {"leader"},
        {"deadline": date(2025, 4, 4), "reason": "Thêm một tuần"},
    )
    assert (first.to_state, second.to_state) == (state, state)
    assert not first.changes_state
    assert (first.inputs["deadline"], second.inputs["deadline"]) == (
        date(2025, 3, 28),
        date(2025, 4, 4),
    )


def test_a_reassigned_part_is_closed_and_names_its_successor():
    event = fire(WORKFLOW, "in_progress", "reassign", {"leader"}, VALID_INPUTS["reassign"])
    assert event.to_state == "reassigned"
    assert event.inputs["assignee"] == {"user": 30}
    assert available(WORKFLOW, "reassigned", KNOWN_ROLES, _context("reassign")) == ()


# --- whole paths -----------------------------------------------------------------------------


def _run(context: dict[str, Any], steps: list[tuple[str, set[str], dict[str, Any]]]) -> list[str]:
    state = WORKFLOW.initial
    visited = [state]
    for name, roles, inputs in steps:
        state = fire(WORKFLOW, state, name, roles, inputs, context).to_state
        visited.append(state)
    return visited


def test_lead_part_done_reopened_and_done_again():
    assert _run(
        {wf.KIND: wf.LEAD},
        [
            ("accept", {"assignee"}, {}),
            ("complete", {"assignee"}, VALID_INPUTS["complete"]),
            ("reopen", {"assigner"}, VALID_INPUTS["reopen"]),
            ("complete", {"assignee"}, VALID_INPUTS["complete"]),
        ],
    ) == ["assigned", "in_progress", "completed", "in_progress", "completed"]


def test_unit_part_passed_on_then_done_by_the_member():
    assert _run(
        UNIT_PART,
        [
            ("pass_on", {"unit_head", "assignee"}, {"assignee": 21}),
            ("accept", {"assignee"}, {}),
            ("complete", {"assignee"}, VALID_INPUTS["complete"]),
        ],
    ) == ["assigned", "assigned", "in_progress", "completed"]


def test_informed_part_is_read_and_closed():
    context = {wf.KIND: wf.INFORMED}
    assert _run(context, [("acknowledge", {"assignee"}, {})]) == ["assigned", "acknowledged"]
    assert available(WORKFLOW, "acknowledged", KNOWN_ROLES, context) == ()


def test_open_states_and_kind_labels():
    assert {"assigned", "in_progress"} == wf.OPEN_STATES
    assert not wf.OPEN_STATES & TERMINAL
    assert dict(wf.KIND_LABELS) == {
        "lead": "Chủ trì",
        "coordinator": "Phối hợp",
        "informed": "Để biết",
    }
    assert dict(wf.STATE_LABELS) == STATE_LABELS
