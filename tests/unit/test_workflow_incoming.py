"""The incoming-document workflow against tables written by hand.

The parametrisation comes from the definition (every transition × every state × every
role); the expected outcome of each case comes from the tables below, so a careless edit
of the definition fails here until the table is changed too, on purpose.
"""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

import pytest

from workflows import incoming as wf
from workflows.engine import Refusal, TransitionRefused, available, fire
from workflows.roles import KNOWN_ROLES

WORKFLOW = wf.WORKFLOW
ALL_ROLES = sorted(KNOWN_ROLES)

STATE_LABELS = {
    "registered": "Đã vào sổ",
    "presented": "Đã trình",
    "returned": "Trả lại văn thư",
    "assigned": "Đã phân công",
    "in_progress": "Đang xử lý",
    "completed": "Đã hoàn thành",
    "filed": "Đã lập hồ sơ / lưu",
    "cancelled": "Đã hủy",
    "rejected": "Từ chối tiếp nhận",
}
TERMINAL = {"filed", "cancelled", "rejected"}

# name: (label, sources, target, roles allowed, how the role message lists them)
TRANSITIONS: dict[str, tuple[str, set[str], str, set[str], str]] = {
    "present": ("Trình lãnh đạo", {"registered", "returned"}, "presented", {"clerk"}, "Văn thư"),
    "return_to_clerk": (
        "Trả lại văn thư",
        {"presented"},
        "returned",
        {"leader", "deputy"},
        "Lãnh đạo, Cấp phó",
    ),
    "assign": (
        "Phân công xử lý",
        {"presented"},
        "assigned",
        {"leader", "deputy"},
        "Lãnh đạo, Cấp phó",
    ),
    "reassign": (
        "Phân công lại",
        {"assigned", "in_progress"},
        "assigned",
        {"leader", "deputy"},
        "Lãnh đạo, Cấp phó",
    ),
    "start": (
        "Bắt đầu xử lý",
        {"assigned"},
        "in_progress",
        {"lead_handler"},
        "Người chủ trì xử lý",
    ),
    "complete": (
        "Hoàn thành xử lý",
        {"in_progress"},
        "completed",
        {"lead_handler"},
        "Người chủ trì xử lý",
    ),
    "reopen": ("Mở lại để xử lý tiếp", {"completed"}, "in_progress", {"leader"}, "Lãnh đạo"),
    "file": (
        "Lập hồ sơ / lưu",
        {"completed"},
        "filed",
        {"clerk", "lead_handler"},
        "Văn thư, Người chủ trì xử lý",
    ),
    "reject": (
        "Từ chối tiếp nhận",
        {"registered", "presented", "returned"},
        "rejected",
        {"clerk", "leader"},
        "Văn thư, Lãnh đạo",
    ),
    "cancel": ("Hủy vào sổ", {"registered", "returned"}, "cancelled", {"clerk"}, "Văn thư"),
    "withdraw": (
        "Thu hồi theo yêu cầu của nơi gửi",
        {"registered", "presented", "returned", "assigned", "in_progress", "completed"},
        "cancelled",
        {"sender"},
        "Cơ quan gửi văn bản",
    ),
}

REQUIRED = {
    "present": {},
    "return_to_clerk": {"reason": "Lý do trả lại"},
    "assign": {"lead": "Chủ trì xử lý"},
    "reassign": {"lead": "Chủ trì xử lý", "reason": "Lý do phân công lại"},
    "start": {},
    "complete": {"result": "Tóm tắt kết quả xử lý"},
    "reopen": {"reason": "Lý do mở lại"},
    "file": {},
    "reject": {"reason": "Lý do từ chối"},
    "cancel": {"reason": "Lý do hủy"},
    "withdraw": {"reason": "Lý do thu hồi"},
}
OPTIONAL = {
    "present": {"presented_to", "note"},
    "return_to_clerk": set(),
    "assign": {"coordinators", "informed", "deadline", "instruction"},
    "reassign": {"coordinators", "informed", "deadline", "instruction"},
    "start": {"note"},
    "complete": {"reply_document"},
    "reopen": {"deadline"},
    "file": {"case_file"},
    "reject": set(),
    "cancel": set(),
    "withdraw": set(),
}

# Inputs a real service would pass; every required one filled.
VALID_INPUTS: dict[str, dict[str, Any]] = {
    "present": {"presented_to": 12},
    "return_to_clerk": {"reason": "Sai trích yếu, đề nghị vào sổ lại"},
    "assign": {
        "lead": {"unit": 3},
        "coordinators": [{"user": 8}, {"unit": 5}],
        "informed": [{"user": 9}],
        "deadline": date(2025, 3, 14),
        "instruction": "Phòng Tổ chức chủ trì, báo cáo trước ngày 14/3.",
    },
    "reassign": {"lead": {"user": 8}, "reason": "Đơn vị chủ trì đi công tác dài ngày"},
    "start": {},
    "complete": {"result": "Đã trả lời bằng Công văn số 45/PGDĐT-TC"},
    "reopen": {"reason": "Báo cáo còn thiếu số liệu khối tiểu học"},
    "file": {"case_file": 77},
    "reject": {"reason": "Gửi nhầm cơ quan"},
    "cancel": {"reason": "Vào sổ trùng số đến 123"},
    "withdraw": {"reason": "Nơi gửi thu hồi: ban hành nhầm đối tượng"},
}

# The deputy acts within their scope unless a test says otherwise.
IN_SCOPE = {wf.DEPUTY_IN_SCOPE: True}

# Allowed role, right state, yet refused by a guard: (transition, state, role) → reason.
GUARDED = {
    ("reject", "presented", "clerk"): (
        "văn bản đã trình lãnh đạo, chỉ lãnh đạo mới được từ chối tiếp nhận."
    ),
}


def test_tables_describe_the_definition_exactly():
    assert WORKFLOW.initial == "registered"
    assert dict(WORKFLOW.labels) == STATE_LABELS
    assert WORKFLOW.terminal_states == TERMINAL
    assert [t.name for t in WORKFLOW.transitions] == list(TRANSITIONS)
    for t in WORKFLOW.transitions:
        label, sources, target, roles, _ = TRANSITIONS[t.name]
        assert (t.label, set(t.sources), t.target, set(t.roles)) == (label, sources, target, roles)
        assert {i.name: i.label for i in t.required_inputs} == REQUIRED[t.name], t.name
        assert {i.name for i in t.inputs if not i.required} == OPTIONAL[t.name], t.name


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
    context = dict(IN_SCOPE)
    before = copy.deepcopy((inputs, context))

    if state in sources and role in roles and (name, state, role) not in GUARDED:
        event = fire(WORKFLOW, state, name, {role}, inputs, context)
        assert (event.workflow, event.transition) == ("incoming", name)
        assert (event.from_state, event.to_state) == (state, target)
        assert event.roles == {role}
        assert event.inputs == _frozen(VALID_INPUTS[name])
        assert (inputs, context) == before
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
    elif role not in roles:
        assert error.reason is Refusal.ROLE
        assert error.message == (
            f"Bạn không có quyền thực hiện «{label}»: thao tác này chỉ dành cho {role_text}."
        )
    else:
        assert error.reason is Refusal.GUARD
        assert error.message == f"Không thể thực hiện «{label}»: {GUARDED[name, state, role]}"


@pytest.mark.parametrize(
    ("name", "state"),
    [(t.name, s) for t in WORKFLOW.transitions for s in WORKFLOW.state_codes if s not in t.sources],
)
def test_no_combination_of_roles_opens_a_step_from_the_wrong_state(name, state):
    with pytest.raises(TransitionRefused) as caught:
        fire(WORKFLOW, state, name, KNOWN_ROLES, VALID_INPUTS[name], IN_SCOPE)
    assert caught.value.reason is Refusal.WRONG_STATE


def test_wrong_state_message_in_full():
    with pytest.raises(TransitionRefused) as caught:
        fire(WORKFLOW, "assigned", "present", {"clerk"})
    assert caught.value.message == (
        "Không thể thực hiện «Trình lãnh đạo» vì văn bản đang ở trạng thái «Đã phân công»; "
        "thao tác này chỉ thực hiện được ở trạng thái «Đã vào sổ» hoặc «Trả lại văn thư»."
    )


REQUIRED_CASES = [(name, field) for name, fields in REQUIRED.items() for field in fields]


@pytest.mark.parametrize(("name", "field"), REQUIRED_CASES)
@pytest.mark.parametrize("blank", ["absent", None, "   "])
def test_missing_required_input_is_named(name, field, blank):
    label, sources, _, roles, _ = TRANSITIONS[name]
    inputs = dict(VALID_INPUTS[name])
    if blank == "absent":
        del inputs[field]
    else:
        inputs[field] = blank
    with pytest.raises(TransitionRefused) as caught:
        fire(WORKFLOW, sorted(sources)[0], name, roles, inputs, IN_SCOPE)
    error = caught.value
    assert error.reason is Refusal.MISSING_INPUT
    assert error.message == (f"Thiếu thông tin để thực hiện «{label}»: «{REQUIRED[name][field]}».")
    assert dict(error.field_errors) == {field: f"«{REQUIRED[name][field]}» là bắt buộc."}


def test_reassign_without_lead_or_reason_names_both():
    with pytest.raises(TransitionRefused) as caught:
        fire(WORKFLOW, "assigned", "reassign", {"leader"}, {"deadline": date(2025, 4, 1)})
    assert caught.value.message == (
        "Thiếu thông tin để thực hiện «Phân công lại»: «Chủ trì xử lý» và «Lý do phân công lại»."
    )


# --- guards ----------------------------------------------------------------------------------

DEPUTY_OUT_OF_SCOPE = "văn bản không thuộc phạm vi được giao phụ trách của cấp phó."


@pytest.mark.parametrize(
    ("name", "state"),
    [
        ("return_to_clerk", "presented"),
        ("assign", "presented"),
        ("reassign", "assigned"),
        ("reassign", "in_progress"),
    ],
)
def test_deputy_acts_only_within_scope(name, state):
    inputs = VALID_INPUTS[name]
    for context in ({}, {wf.DEPUTY_IN_SCOPE: False}):
        with pytest.raises(TransitionRefused) as caught:
            fire(WORKFLOW, state, name, {"deputy"}, inputs, context)
        assert caught.value.reason is Refusal.GUARD
        label = TRANSITIONS[name][0]
        assert caught.value.message == f"Không thể thực hiện «{label}»: {DEPUTY_OUT_OF_SCOPE}"
    assert fire(WORKFLOW, state, name, {"deputy"}, inputs, IN_SCOPE).to_state
    # The head of the agency needs no scope, and a leader who is also a deputy acts as leader.
    assert fire(WORKFLOW, state, name, {"leader"}, inputs, {}).to_state
    assert fire(WORKFLOW, state, name, {"leader", "deputy"}, inputs, {}).roles == {
        "leader",
        "deputy",
    }


def test_deputy_scope_is_checked_before_the_form():
    with pytest.raises(TransitionRefused) as caught:
        fire(WORKFLOW, "presented", "assign", {"deputy"}, {})
    assert caught.value.reason is Refusal.GUARD


@pytest.mark.parametrize(
    ("state", "roles", "allowed"),
    [
        ("registered", {"clerk"}, True),
        ("returned", {"clerk"}, True),
        ("presented", {"clerk"}, False),
        ("registered", {"leader"}, True),
        ("presented", {"leader"}, True),
        ("returned", {"leader"}, True),
        ("presented", {"clerk", "leader"}, True),
    ],
)
def test_clerk_rejects_only_while_the_document_is_with_them(state, roles, allowed):
    inputs = VALID_INPUTS["reject"]
    if allowed:
        assert fire(WORKFLOW, state, "reject", roles, inputs).to_state == "rejected"
    else:
        with pytest.raises(TransitionRefused) as caught:
            fire(WORKFLOW, state, "reject", roles, inputs)
        assert caught.value.message == (
            "Không thể thực hiện «Từ chối tiếp nhận»: "
            "văn bản đã trình lãnh đạo, chỉ lãnh đạo mới được từ chối tiếp nhận."
        )


# --- available (the buttons) -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "roles", "context", "expected"),
    [
        ("registered", {"clerk"}, {}, ["present", "reject", "cancel"]),
        ("registered", {"leader"}, {}, ["reject"]),
        ("registered", {"staff"}, {}, []),
        ("presented", {"clerk"}, {}, []),
        ("presented", {"leader"}, {}, ["return_to_clerk", "assign", "reject"]),
        ("presented", {"deputy"}, {}, []),
        ("presented", {"deputy"}, IN_SCOPE, ["return_to_clerk", "assign"]),
        ("returned", {"clerk"}, {}, ["present", "reject", "cancel"]),
        ("assigned", {"staff", "lead_handler"}, {}, ["start"]),
        ("assigned", {"staff", "coordinator"}, {}, []),
        ("assigned", {"leader"}, {}, ["reassign"]),
        ("in_progress", {"lead_handler"}, {}, ["complete"]),
        ("in_progress", {"deputy"}, IN_SCOPE, ["reassign"]),
        ("completed", {"leader"}, {}, ["reopen"]),
        ("completed", {"deputy"}, IN_SCOPE, []),
        ("completed", {"clerk"}, {}, ["file"]),
        ("completed", {"lead_handler"}, {}, ["file"]),
        ("filed", set(KNOWN_ROLES), IN_SCOPE, []),
        ("cancelled", set(KNOWN_ROLES), IN_SCOPE, []),
        ("rejected", set(KNOWN_ROLES), IN_SCOPE, []),
        ("registered", {"admin"}, {}, []),
    ],
)
def test_available_buttons(state, roles, context, expected):
    assert [t.name for t in available(WORKFLOW, state, roles, context)] == expected


def test_admin_takes_no_step_in_the_business_flow():
    for state in WORKFLOW.state_codes:
        assert available(WORKFLOW, state, {"admin"}, IN_SCOPE) == ()


# --- whole paths -----------------------------------------------------------------------------


def _run(steps: list[tuple[str, set[str], dict[str, Any]]]) -> list[str]:
    state = WORKFLOW.initial
    visited = [state]
    for name, roles, inputs in steps:
        state = fire(WORKFLOW, state, name, roles, inputs, IN_SCOPE).to_state
        visited.append(state)
    return visited


def test_the_ordinary_path_to_filing():
    assert _run(
        [
            ("present", {"clerk"}, {}),
            ("assign", {"leader"}, VALID_INPUTS["assign"]),
            ("start", {"staff", "lead_handler"}, {}),
            ("complete", {"staff", "lead_handler"}, VALID_INPUTS["complete"]),
            ("file", {"clerk"}, {}),
        ]
    ) == ["registered", "presented", "assigned", "in_progress", "completed", "filed"]


def test_returned_corrected_presented_again_then_reopened():
    assert _run(
        [
            ("present", {"clerk"}, {}),
            ("return_to_clerk", {"deputy"}, VALID_INPUTS["return_to_clerk"]),
            ("present", {"clerk"}, {"note": "Đã sửa trích yếu"}),
            ("assign", {"deputy"}, VALID_INPUTS["assign"]),
            ("reassign", {"leader"}, VALID_INPUTS["reassign"]),
            ("start", {"lead_handler"}, {}),
            ("complete", {"lead_handler"}, VALID_INPUTS["complete"]),
            ("reopen", {"leader"}, VALID_INPUTS["reopen"]),
            ("complete", {"lead_handler"}, VALID_INPUTS["complete"]),
            ("file", {"lead_handler"}, {"case_file": 3}),
        ]
    ) == [
        "registered",
        "presented",
        "returned",
        "presented",
        "assigned",
        "assigned",
        "in_progress",
        "completed",
        "in_progress",
        "completed",
        "filed",
    ]


def test_reassigning_keeps_both_assignments_in_the_events():
    first = fire(
        WORKFLOW,
        "presented",
        "assign",
        {"leader"},
        {"lead": {"unit": 3}, "deadline": date(2025, 3, 14)},
    )
    second = fire(
        WORKFLOW,
        first.to_state,
        "reassign",
        {"leader"},
        {"lead": {"user": 8}, "reason": "Đổi người", "deadline": date(2025, 3, 21)},
    )
    assert first.inputs == {"lead": {"unit": 3}, "deadline": date(2025, 3, 14)}
    assert second.inputs["lead"] == {"user": 8}
    assert second.inputs["deadline"] == date(2025, 3, 21)
    assert second.inputs["reason"] == "Đổi người"


# --- data for the rest of the app ------------------------------------------------------------


def test_names_the_app_already_imports_still_work():
    assert (wf.REGISTERED, wf.CANCELLED) == ("registered", "cancelled")
    assert wf.can_correct("registered")
    assert wf.can_correct("returned")
    for state in (
        "presented",
        "assigned",
        "in_progress",
        "completed",
        "filed",
        "cancelled",
        "rejected",
    ):
        assert not wf.can_correct(state)


def test_the_clerk_corrects_exactly_where_they_may_present_or_cancel():
    assert {"registered", "returned"} == wf.CORRECTABLE_STATES
    assert set(WORKFLOW.transition("present").sources) == wf.CORRECTABLE_STATES
    assert set(WORKFLOW.transition("cancel").sources) == wf.CORRECTABLE_STATES
    assert wf.AWAITING_PRESENTATION == wf.CORRECTABLE_STATES
    assert {"presented"} == wf.AWAITING_ASSIGNMENT
    assert set(WORKFLOW.transition("assign").sources) == wf.AWAITING_ASSIGNMENT


def test_open_states_for_deadlines():
    assert {"registered", "presented", "returned", "assigned", "in_progress"} == wf.OPEN_STATES
    assert not wf.OPEN_STATES & TERMINAL


def test_exchange_status_codes():
    assert dict(wf.EXCHANGE_STATUS) == {
        "rejected": "02",
        "registered": "03",
        "assigned": "04",
        "in_progress": "05",
        "completed": "06",
    }
    assert set(wf.EXCHANGE_STATUS) <= set(WORKFLOW.state_codes)
    assert wf.exchange_status("presented") is None
    assert wf.exchange_status("completed") == "06"


def test_state_labels_are_exported():
    assert dict(wf.STATE_LABELS) == STATE_LABELS


def _frozen(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _frozen(item) for key, item in value.items()}
    if isinstance(value, list):
        return tuple(_frozen(item) for item in value)
    return value
