"""The archive's three workflows (file list, case file, disposal) against tables written
by hand: every transition × every state × every role, each legal path walked through,
and each guard and required input refused with its own Refusal.

An edit of a definition fails here until the table is changed too, on purpose.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

import pytest

from workflows import casefiles as wf
from workflows.engine import Refusal, TransitionRefused, Workflow, available, fire
from workflows.roles import KNOWN_ROLES

ALL_ROLES = sorted(KNOWN_ROLES)


@dataclass(frozen=True)
class Step:
    label: str
    sources: set[str]
    target: str | None  # None: the state stays
    roles: set[str]
    role_text: str  # how the refusal names the roles
    required: dict[str, str] = field(default_factory=dict)
    inputs: dict[str, Any] = field(default_factory=dict)  # valid inputs
    context: dict[str, Any] = field(default_factory=dict)  # the context that lets it happen


@dataclass(frozen=True)
class Spec:
    workflow: Workflow
    subject: str
    initial: str
    states: dict[str, str]
    terminal: set[str]
    steps: dict[str, Step]


FILE_LIST = Spec(
    wf.FILE_LIST,
    "danh mục hồ sơ",
    "draft",
    {
        "draft": "Dự thảo",
        "submitted": "Chờ phê duyệt",
        "approved": "Đã ban hành",
        "locked": "Đã khóa (hết năm)",
    },
    {"locked"},
    {
        "submit": Step(
            "Trình phê duyệt",
            {"draft"},
            "submitted",
            {"clerk", "admin"},
            "Quản trị, Văn thư",
            inputs={"note": "Kính trình Trưởng phòng."},
        ),
        "approve": Step(
            "Phê duyệt, ban hành",
            {"submitted"},
            "approved",
            {"leader"},
            "Lãnh đạo",
            inputs={"note": "Đồng ý."},
        ),
        "return": Step(
            "Trả lại để sửa",
            {"submitted"},
            "draft",
            {"leader"},
            "Lãnh đạo",
            required={"reason": "Ý kiến trả lại"},
            inputs={"reason": "Bổ sung hồ sơ thi đua."},
        ),
        "amend": Step(
            "Mở lại để bổ sung",
            {"approved"},
            "draft",
            {"leader"},
            "Lãnh đạo",
            required={"reason": "Lý do bổ sung"},
            inputs={"reason": "Thành lập tổ chuyên môn mới."},
        ),
        "lock": Step(
            "Khóa danh mục",
            {"approved"},
            "locked",
            {"clerk", "admin", "leader"},
            "Quản trị, Văn thư, Lãnh đạo",
        ),
    },
)

CASE_FILE = Spec(
    wf.CASE_FILE,
    "hồ sơ",
    "planned",
    {
        "planned": "Dự kiến (trong danh mục)",
        "open": "Đang lập",
        "closed": "Đã kết thúc",
        "archived": "Đã nộp lưu",
        "disposed": "Đã tiêu hủy",
    },
    {"disposed"},
    {
        "open": Step(
            "Mở hồ sơ",
            {"planned"},
            "open",
            {"keeper", "staff", "clerk", "leader", "deputy"},
            "Văn thư, Lãnh đạo, Cấp phó, Chuyên viên / Giáo viên, Người lập hồ sơ",
        ),
        "close": Step(
            "Kết thúc hồ sơ",
            {"open"},
            "closed",
            {"keeper", "clerk", "leader"},
            "Văn thư, Lãnh đạo, Người lập hồ sơ",
            required={"retention": "Thời hạn bảo quản"},
            inputs={"retention": "10", "note": "Đủ văn bản."},
            context={wf.CLOSING_PROBLEMS: []},
        ),
        "reopen": Step(
            "Mở lại hồ sơ",
            {"closed"},
            "open",
            {"leader"},
            "Lãnh đạo",
            required={"reason": "Lý do mở lại"},
            inputs={"reason": "Bổ sung văn bản."},
        ),
        "keep_back": Step(
            "Giữ lại chưa nộp lưu",
            {"closed"},
            None,
            {"leader"},
            "Lãnh đạo",
            required={"until": "Giữ lại đến ngày", "reason": "Lý do giữ lại"},
            inputs={"until": "2028-06-30", "reason": "Còn dùng để thanh tra."},
            context={wf.HANDED_OVER: True, wf.KEEP_BACK_PROBLEM: None},
        ),
        "hand_over": Step(
            "Nộp lưu",
            {"closed"},
            "archived",
            {"clerk", "leader"},
            "Văn thư, Lãnh đạo",
            context={wf.HANDED_OVER: True},
        ),
        "dispose": Step(
            "Tiêu hủy",
            {"archived"},
            "disposed",
            {"clerk", "admin"},
            "Quản trị, Văn thư",
            context={wf.BY_DISPOSAL: True},
        ),
    },
)

DISPOSAL = Spec(
    wf.DISPOSAL,
    "đề nghị tiêu hủy",
    "proposed",
    {
        "proposed": "Chờ phê duyệt",
        "approved": "Đã phê duyệt",
        "refused": "Không phê duyệt",
        "executed": "Đã tiêu hủy",
    },
    {"refused", "executed"},
    {
        "approve": Step(
            "Phê duyệt tiêu hủy",
            {"proposed"},
            "approved",
            {"leader"},
            "Lãnh đạo",
            required={"decision": "Số, ngày quyết định tiêu hủy"},
            inputs={"decision": "Quyết định số 12/QĐ-GDĐT ngày 10/03/2037"},
        ),
        "refuse": Step(
            "Không phê duyệt",
            {"proposed"},
            "refused",
            {"leader"},
            "Lãnh đạo",
            required={"reason": "Lý do"},
            inputs={"reason": "Còn giá trị tham khảo."},
        ),
        "execute": Step(
            "Thực hiện tiêu hủy",
            {"approved"},
            "executed",
            {"clerk", "admin"},
            "Quản trị, Văn thư",
            required={"witnesses": "Người chứng kiến"},
            inputs={"witnesses": "Nguyễn Văn A, Trần Thị B"},
        ),
    },
)

SPECS = {"file_list": FILE_LIST, "case_file": CASE_FILE, "disposal": DISPOSAL}


@pytest.mark.parametrize("name", SPECS)
def test_tables_describe_the_definition_exactly(name):
    spec = SPECS[name]
    workflow = spec.workflow
    assert workflow.name == name and workflow.subject == spec.subject
    assert workflow.initial == spec.initial
    assert dict(workflow.labels) == spec.states
    assert workflow.terminal_states == spec.terminal
    assert [t.name for t in workflow.transitions] == list(spec.steps)
    for t in workflow.transitions:
        step = spec.steps[t.name]
        assert (t.label, set(t.sources), t.target, set(t.roles)) == (
            step.label,
            set(step.sources),
            step.target,
            step.roles,
        ), t.name
        assert {i.name: i.label for i in t.required_inputs} == step.required, t.name


CASES = [
    (name, step, state, role)
    for name, spec in SPECS.items()
    for step in spec.steps
    for state in spec.states
    for role in ALL_ROLES
]


@pytest.mark.parametrize(
    ("name", "step_name", "state", "role"), CASES, ids=["-".join(c) for c in CASES]
)
def test_every_transition_from_every_state_for_every_role(name, step_name, state, role):
    spec = SPECS[name]
    step = spec.steps[step_name]
    inputs = copy.deepcopy(step.inputs)
    context = copy.deepcopy(step.context)
    before = copy.deepcopy((inputs, context))

    if state in step.sources and role in step.roles:
        event = fire(spec.workflow, state, step_name, {role}, inputs, context)
        assert (event.workflow, event.transition) == (name, step_name)
        assert (event.from_state, event.to_state) == (state, step.target or state)
        assert event.roles == {role}
        return

    with pytest.raises(TransitionRefused) as caught:
        fire(spec.workflow, state, step_name, {role}, inputs, context)
    error = caught.value
    assert (inputs, context) == before, "a refusal must change nothing"
    if state not in step.sources:
        assert error.reason is Refusal.WRONG_STATE
        assert error.message.startswith(
            f"Không thể thực hiện «{step.label}» vì {spec.subject} đang ở trạng thái "
            f"«{spec.states[state]}»; "
        )
    else:
        assert error.reason is Refusal.ROLE
        assert error.message == (
            f"Bạn không có quyền thực hiện «{step.label}»: thao tác này chỉ dành cho "
            f"{step.role_text}."
        )


def walk(spec: Spec, path: list[tuple[str, str]]) -> list[str]:
    """Fire each (step, role) from the initial state; the states passed through."""
    state = spec.initial
    seen = [state]
    for step_name, role in path:
        step = spec.steps[step_name]
        state = fire(spec.workflow, state, step_name, {role}, step.inputs, step.context).to_state
        seen.append(state)
    return seen


def test_the_file_list_legal_path():
    assert walk(
        FILE_LIST,
        [
            ("submit", "clerk"),
            ("return", "leader"),
            ("submit", "admin"),
            ("approve", "leader"),
            ("amend", "leader"),
            ("submit", "clerk"),
            ("approve", "leader"),
            ("lock", "clerk"),
        ],
    ) == [
        "draft",
        "submitted",
        "draft",
        "submitted",
        "approved",
        "draft",
        "submitted",
        "approved",
        "locked",
    ]
    assert available(wf.FILE_LIST, "locked", ALL_ROLES) == ()


def test_the_case_file_legal_path():
    assert walk(
        CASE_FILE,
        [
            ("open", "keeper"),
            ("close", "keeper"),
            ("reopen", "leader"),
            ("close", "clerk"),
            ("keep_back", "leader"),
            ("hand_over", "clerk"),
            ("dispose", "admin"),
        ],
    ) == ["planned", "open", "closed", "open", "closed", "closed", "archived", "disposed"]
    assert available(wf.CASE_FILE, "disposed", ALL_ROLES) == ()


def test_the_disposal_legal_paths():
    assert walk(DISPOSAL, [("approve", "leader"), ("execute", "clerk")]) == [
        "proposed",
        "approved",
        "executed",
    ]
    assert walk(DISPOSAL, [("refuse", "leader")]) == ["proposed", "refused"]


@pytest.mark.parametrize(
    ("spec", "step_name", "blank"),
    [
        (FILE_LIST, "return", {"reason": "  "}),
        (FILE_LIST, "amend", {}),
        (CASE_FILE, "close", {"note": "x"}),
        (CASE_FILE, "reopen", {"reason": None}),
        (CASE_FILE, "keep_back", {"until": "2028-06-30"}),
        (DISPOSAL, "approve", {"decision": ""}),
        (DISPOSAL, "refuse", {}),
        (DISPOSAL, "execute", {}),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_required_inputs_are_asked_for_by_field(spec, step_name, blank):
    step = spec.steps[step_name]
    role = sorted(step.roles)[0]
    state = sorted(step.sources)[0]
    with pytest.raises(TransitionRefused) as caught:
        fire(spec.workflow, state, step_name, {role}, blank, step.context)
    error = caught.value
    assert error.reason is Refusal.MISSING_INPUT
    missing = {k: v for k, v in step.required.items() if not str(blank.get(k) or "").strip()}
    assert dict(error.field_errors) == {k: f"«{v}» là bắt buộc." for k, v in missing.items()}


def test_an_input_a_step_does_not_take_is_refused():
    with pytest.raises(TransitionRefused) as caught:
        fire(wf.FILE_LIST, "approved", "lock", {"clerk"}, {"reason": "Hết năm"})
    assert caught.value.reason is Refusal.UNEXPECTED_INPUT
    assert caught.value.message == "Thao tác «Khóa danh mục» không nhận thông tin: reason."


def test_a_file_with_problems_does_not_close():
    problems = ["Hồ sơ chưa có văn bản nào."]
    with pytest.raises(TransitionRefused) as caught:
        fire(
            wf.CASE_FILE,
            "open",
            "close",
            {"keeper"},
            {"retention": "10"},
            {wf.CLOSING_PROBLEMS: problems},
        )
    assert caught.value.reason is Refusal.GUARD
    assert caught.value.message == (
        "Không thể thực hiện «Kết thúc hồ sơ»: hồ sơ chưa kết thúc được: Hồ sơ chưa có văn bản nào."
    )
    # No context at all: nothing is known to stop it.
    assert fire(wf.CASE_FILE, "open", "close", {"keeper"}, {"retention": "10"}).to_state == (
        "closed"
    )


@pytest.mark.parametrize("step_name", ["hand_over", "keep_back"])
def test_files_kept_under_five_years_are_neither_handed_over_nor_kept_back(step_name):
    step = CASE_FILE.steps[step_name]
    context = {**step.context, wf.HANDED_OVER: False}
    with pytest.raises(TransitionRefused) as caught:
        fire(wf.CASE_FILE, "closed", step_name, {"leader"}, step.inputs, context)
    assert caught.value.reason is Refusal.GUARD
    assert caught.value.message == (
        f"Không thể thực hiện «{step.label}»: chỉ nộp lưu hồ sơ có thời hạn bảo quản từ "
        "5 năm trở lên hoặc vĩnh viễn."
    )
    assert [t.name for t in available(wf.CASE_FILE, "closed", {"leader"}, context)] == ["reopen"]


def test_a_keep_back_date_past_the_limit_is_a_form_error():
    step = CASE_FILE.steps["keep_back"]
    problem = "chỉ được giữ lại tối đa 2 năm sau hạn nộp lưu (đến 15/12/2029)."
    context = {wf.HANDED_OVER: True, wf.KEEP_BACK_PROBLEM: problem}
    with pytest.raises(TransitionRefused) as caught:
        fire(wf.CASE_FILE, "closed", "keep_back", {"leader"}, step.inputs, context)
    assert caught.value.reason is Refusal.INVALID_INPUT
    assert dict(caught.value.field_errors) == {"until": problem[:1].upper() + problem[1:]}
    # The button is still offered: the date is only known once the form is filled in.
    assert "keep_back" in [
        t.name for t in available(wf.CASE_FILE, "closed", {"leader"}, {wf.HANDED_OVER: True})
    ]


def test_a_file_is_destroyed_only_by_an_approved_disposal():
    with pytest.raises(TransitionRefused) as caught:
        fire(wf.CASE_FILE, "archived", "dispose", {"admin"})
    assert caught.value.reason is Refusal.GUARD
    assert caught.value.message == (
        "Không thể thực hiện «Tiêu hủy»: hồ sơ chỉ được tiêu hủy theo đề nghị tiêu hủy "
        "đã được phê duyệt."
    )
    assert available(wf.CASE_FILE, "archived", {"clerk", "admin"}) == ()


def test_state_groups():
    assert {"planned", "open"} == wf.EDITABLE_STATES
    assert {"archived", "disposed"} == wf.FROZEN_STATES
