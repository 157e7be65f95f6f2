"""The workflow engine on a small made-up flow, its definition checks, and the drawings."""

from __future__ import annotations

import copy
import dataclasses
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from workflows import assignment, casefiles, incoming, outgoing
from workflows.drawing import REGENERATE, WORKFLOWS, graphviz, mermaid, render_docs
from workflows.engine import (
    DefinitionError,
    Event,
    Guard,
    GuardContext,
    Refusal,
    State,
    Transition,
    TransitionRefused,
    UnknownState,
    Workflow,
    available,
    fire,
    optional,
    required,
)
from workflows.roles import describe_roles

ROOT = Path(__file__).resolve().parents[2]

seen_contexts: list[GuardContext] = []


def _in_scope(ctx: GuardContext) -> str | None:
    seen_contexts.append(ctx)
    if "leader" in ctx.roles or ctx.get("in_scope"):
        return None
    return "ngoài phạm vi phụ trách."


IN_SCOPE = Guard("Cấp phó trong phạm vi", _in_scope)


def _states() -> list[State]:
    return [
        State("draft", "Bản nháp"),
        State("review", "Đang duyệt"),
        State("done", "Đã xong", terminal=True),
        State("dropped", "Đã bỏ", terminal=True),
    ]


def _transitions() -> list[Transition]:
    return [
        Transition(
            "submit", "Gửi duyệt", "draft", "review", "staff", (optional("note", "Ghi chú"),)
        ),
        Transition(
            "approve",
            "Duyệt",
            "review",
            "done",
            ("leader", "deputy"),
            (required("opinion", "Ý kiến"), optional("tags", "Nhãn")),
            (IN_SCOPE,),
        ),
        Transition(
            "send_back",
            "Trả lại",
            "review",
            "draft",
            "leader",
            (required("reason", "Lý do"), required("due", "Hạn sửa")),
        ),
        Transition(
            "drop",
            "Bỏ",
            ("draft", "review"),
            "dropped",
            ("staff", "leader"),
            (required("reason", "Lý do"),),
        ),
        Transition("remind", "Nhắc", "review", None, "clerk"),
    ]


def make(**changes: Any) -> Workflow:
    fields: dict[str, Any] = {
        "name": "toy",
        "label": "Hồ sơ thử",
        "subject": "hồ sơ",
        "states": _states(),
        "transitions": _transitions(),
        "initial": "draft",
    }
    fields.update(changes)
    return Workflow(**fields)


TOY = make()


def refusal(*args: Any, **kwargs: Any) -> TransitionRefused:
    with pytest.raises(TransitionRefused) as caught:
        fire(*args, **kwargs)
    return caught.value


# --- fire: success ---------------------------------------------------------------------------


def test_fire_returns_the_event_to_record():
    event = fire(
        TOY, "review", "approve", {"deputy", "staff"}, {"opinion": "Đồng ý"}, {"in_scope": 1}
    )
    assert event == Event(
        workflow="toy",
        transition="approve",
        from_state="review",
        to_state="done",
        inputs={"opinion": "Đồng ý"},
        roles=frozenset({"deputy"}),
    )
    assert event.changes_state


def test_a_transition_without_target_keeps_the_state():
    event = fire(TOY, "review", "remind", {"clerk"})
    assert (event.from_state, event.to_state, event.changes_state) == ("review", "review", False)


def test_roles_used_are_those_that_authorise_the_step():
    event = fire(TOY, "draft", "drop", {"staff", "leader", "clerk"}, {"reason": "Trùng"})
    assert event.roles == frozenset({"staff", "leader"})


def test_optional_inputs_may_be_left_out_and_are_kept_when_given():
    assert fire(TOY, "draft", "submit", {"staff"}).inputs == {}
    assert fire(TOY, "draft", "submit", {"staff"}, {"note": "Gấp"}).inputs == {"note": "Gấp"}


@pytest.mark.parametrize(
    ("value", "kept"),
    [(0, 0), (False, False), ("x", "x"), ([0], (0,)), ({"a": None}, {"a": None})],
)
def test_present_values_count_even_when_falsy(value, kept):
    assert fire(TOY, "review", "approve", {"leader"}, {"opinion": value}).inputs == {
        "opinion": kept
    }


# --- purity and immutability -----------------------------------------------------------------


def test_event_is_immutable_and_does_not_share_the_callers_data():
    inputs = {"opinion": "Đồng ý", "tags": ["a", {"b": [1]}]}
    event = fire(TOY, "review", "approve", {"leader"}, inputs)
    inputs["opinion"] = "Đổi ý"
    inputs["tags"][0] = "z"
    assert event.inputs == {"opinion": "Đồng ý", "tags": ("a", {"b": (1,)})}
    with pytest.raises(dataclasses.FrozenInstanceError):
        event.to_state = "draft"  # type: ignore[misc]
    with pytest.raises(TypeError):
        event.inputs["opinion"] = "x"  # type: ignore[index]
    with pytest.raises(TypeError):
        event.inputs["tags"][1]["b"] = ()  # type: ignore[index]


@pytest.mark.parametrize(
    ("state", "name", "roles", "inputs"),
    [
        ("done", "approve", {"leader"}, {"opinion": "x"}),  # wrong state
        ("review", "approve", {"staff"}, {"opinion": "x"}),  # role
        ("review", "approve", {"deputy"}, {"opinion": "x"}),  # guard
        ("review", "approve", {"leader"}, {"opinion": " "}),  # missing input
        ("review", "approve", {"leader"}, {"opinion": "x", "colour": "red"}),  # unexpected
        ("review", "fly", {"leader"}, {}),  # unknown transition
    ],
)
def test_a_refusal_changes_nothing(state, name, roles, inputs):
    context = {"in_scope": False, "history": [1, 2]}
    before = copy.deepcopy((state, roles, inputs, context))
    with pytest.raises(TransitionRefused):
        fire(TOY, state, name, roles, inputs, context)
    assert (state, roles, inputs, context) == before


def test_success_leaves_the_callers_data_alone():
    inputs = {"opinion": "x"}
    context = {"in_scope": True}
    fire(TOY, "review", "approve", {"deputy"}, inputs, context)
    assert inputs == {"opinion": "x"}
    assert context == {"in_scope": True}


# --- fire: refusals, each with its Vietnamese reason ------------------------------------------


def test_unknown_transition():
    error = refusal(TOY, "draft", "fly", {"staff"})
    assert error.reason is Refusal.UNKNOWN_TRANSITION
    assert error.message == "Quy trình «Hồ sơ thử» không có thao tác «fly»."


def test_unknown_state_is_an_error_not_a_refusal():
    with pytest.raises(UnknownState) as caught:
        fire(TOY, "flying", "submit", {"staff"})
    assert caught.value.message == "Trạng thái «flying» không có trong quy trình «Hồ sơ thử»."
    with pytest.raises(UnknownState):
        available(TOY, "flying", {"staff"})


def test_wrong_state_names_the_state_and_where_the_step_starts():
    error = refusal(TOY, "done", "submit", {"staff"})
    assert error.reason is Refusal.WRONG_STATE
    assert error.message == (
        "Không thể thực hiện «Gửi duyệt» vì hồ sơ đang ở trạng thái «Đã xong»; "
        "thao tác này chỉ thực hiện được ở trạng thái «Bản nháp»."
    )
    assert (error.workflow, error.transition, error.state) == ("toy", "submit", "done")


def test_wrong_state_lists_every_source():
    error = refusal(TOY, "done", "drop", {"staff"}, {"reason": "x"})
    assert error.message.endswith("ở trạng thái «Bản nháp» hoặc «Đang duyệt».")


def test_wrong_role_names_who_may():
    error = refusal(TOY, "review", "approve", {"staff", "clerk"}, {"opinion": "x"})
    assert error.reason is Refusal.ROLE
    assert error.message == (
        "Bạn không có quyền thực hiện «Duyệt»: thao tác này chỉ dành cho Lãnh đạo, Cấp phó."
    )


def test_a_single_role_may_be_passed_as_a_string():
    assert fire(TOY, "draft", "submit", "staff").roles == {"staff"}
    assert [t.name for t in available(TOY, "draft", "staff")] == ["submit", "drop"]


def test_no_roles_at_all_is_refused():
    assert refusal(TOY, "draft", "submit", set()).reason is Refusal.ROLE


def test_guard_reason_is_reported():
    error = refusal(TOY, "review", "approve", {"deputy"}, {"opinion": "x"}, {"in_scope": False})
    assert error.reason is Refusal.GUARD
    assert error.message == "Không thể thực hiện «Duyệt»: ngoài phạm vi phụ trách."


def test_a_plain_function_can_be_a_guard():
    flow = make(
        transitions=[
            *_transitions()[:4],
            Transition(
                "remind", "Nhắc", "review", None, "clerk", (), (lambda ctx: ctx.get("why"),)
            ),
        ]
    )
    assert fire(flow, "review", "remind", {"clerk"}).to_state == "review"
    error = refusal(flow, "review", "remind", {"clerk"}, {}, {"why": "đã nhắc hôm nay."})
    assert error.message == "Không thể thực hiện «Nhắc»: đã nhắc hôm nay."


def test_a_guard_on_one_input_is_a_form_error_and_never_hides_the_step():
    def _not_past(ctx: GuardContext) -> str | None:
        return "hạn sửa đã qua." if ctx.inputs.get("due") == "hôm qua" else None

    remind = Transition(
        "remind",
        "Nhắc",
        "review",
        None,
        "clerk",
        (optional("due", "Hạn sửa"),),
        (Guard("Hạn chưa qua", _not_past, input="due"),),
    )
    flow = make(transitions=[*_transitions()[:4], remind])
    assert "remind" in [t.name for t in available(flow, "review", {"clerk"})]
    error = refusal(flow, "review", "remind", {"clerk"}, {"due": "hôm qua"})
    assert error.reason is Refusal.INVALID_INPUT
    assert error.message == "Không thể thực hiện «Nhắc»: hạn sửa đã qua."
    assert dict(error.field_errors) == {"due": "Hạn sửa đã qua."}
    assert fire(flow, "review", "remind", {"clerk"}, {"due": "mai"}).to_state == "review"


def test_missing_inputs_are_named_with_field_errors():
    error = refusal(TOY, "review", "send_back", {"leader"}, {"reason": "  "})
    assert error.reason is Refusal.MISSING_INPUT
    assert error.message == "Thiếu thông tin để thực hiện «Trả lại»: «Lý do» và «Hạn sửa»."
    assert dict(error.field_errors) == {
        "reason": "«Lý do» là bắt buộc.",
        "due": "«Hạn sửa» là bắt buộc.",
    }


@pytest.mark.parametrize("blank", [None, "", " \t\n", [], (), {}, set()])
def test_blank_values_are_missing(blank):
    error = refusal(TOY, "review", "approve", {"leader"}, {"opinion": blank})
    assert error.message == "Thiếu thông tin để thực hiện «Duyệt»: «Ý kiến»."
    assert list(error.field_errors) == ["opinion"]


def test_inputs_outside_the_declaration_are_refused():
    error = refusal(TOY, "draft", "submit", {"staff"}, {"colour": "red", "note": "x", "a": 1})
    assert error.reason is Refusal.UNEXPECTED_INPUT
    assert error.message == "Thao tác «Gửi duyệt» không nhận thông tin: a, colour."


def test_checks_run_in_order_state_role_unexpected_guard_missing():
    bad = {"colour": "red"}
    assert refusal(TOY, "done", "approve", {"staff"}, bad).reason is Refusal.WRONG_STATE
    assert refusal(TOY, "review", "approve", {"staff"}, bad).reason is Refusal.ROLE
    assert refusal(TOY, "review", "approve", {"deputy"}, bad).reason is Refusal.UNEXPECTED_INPUT
    assert refusal(TOY, "review", "approve", {"deputy"}, {}).reason is Refusal.GUARD
    assert refusal(TOY, "review", "approve", {"leader"}, {}).reason is Refusal.MISSING_INPUT


def test_guards_see_the_attempt_and_the_callers_context():
    seen_contexts.clear()
    inputs = {"opinion": "Đồng ý", "tags": ["x"]}
    fire(TOY, "review", "approve", {"deputy", "clerk"}, inputs, {"in_scope": True})
    (ctx,) = seen_contexts
    assert ctx.state == "review"
    assert ctx.transition == "approve"
    assert ctx.roles == frozenset({"deputy"})
    assert ctx.inputs == {"opinion": "Đồng ý", "tags": ("x",)}
    assert dict(ctx) == {"in_scope": True}
    assert len(ctx) == 1
    assert ctx["in_scope"] is True
    assert ctx.get("absent") is None


# --- available -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "roles", "context", "expected"),
    [
        ("draft", {"staff"}, {}, ["submit", "drop"]),
        ("draft", {"leader"}, {}, ["drop"]),
        ("draft", {"clerk"}, {}, []),
        ("review", {"leader"}, {}, ["approve", "send_back", "drop"]),
        ("review", {"deputy"}, {}, []),
        ("review", {"deputy"}, {"in_scope": True}, ["approve"]),
        ("review", {"clerk", "staff"}, {}, ["drop", "remind"]),
        ("done", {"staff", "leader", "deputy", "clerk"}, {"in_scope": True}, []),
    ],
)
def test_available_lists_what_the_actor_may_do_now(state, roles, context, expected):
    assert [t.name for t in available(TOY, state, roles, context)] == expected


def test_available_agrees_with_fire():
    roles_sets = [{r} for r in ("staff", "leader", "deputy", "clerk", "admin")]
    for state in TOY.state_codes:
        for roles in roles_sets:
            offered = {t.name for t in available(TOY, state, roles)}
            for t in TOY.transitions:
                filled = {i.name: "x" for i in t.inputs}
                try:
                    fire(TOY, state, t.name, roles, filled)
                    fired = True
                except TransitionRefused:
                    fired = False
                assert fired == (t.name in offered), (state, roles, t.name)


# --- the workflow object ---------------------------------------------------------------------


def test_workflow_lookups():
    assert TOY.state("review").label == "Đang duyệt"
    assert TOY.transition("approve").label == "Duyệt"
    assert TOY.transition("fly") is None
    assert TOY.labels == {
        "draft": "Bản nháp",
        "review": "Đang duyệt",
        "done": "Đã xong",
        "dropped": "Đã bỏ",
    }
    assert TOY.terminal_states == {"done", "dropped"}
    assert [t.name for t in TOY.transitions_from("draft")] == ["submit", "drop"]
    assert TOY.transitions_from("done") == ()


def test_transition_accepts_one_code_or_many():
    t = Transition("x", "X", "a", "b", "staff")
    assert (t.sources, t.roles) == (("a",), frozenset({"staff"}))
    t = Transition("x", "X", ["a", "c"], "b", {"staff", "clerk"})
    assert (t.sources, t.roles) == (("a", "c"), frozenset({"staff", "clerk"}))


def test_describe_roles_keeps_a_stable_order_and_unknown_codes():
    assert describe_roles({"deputy", "leader", "lead_handler"}) == (
        "Lãnh đạo, Cấp phó, Người chủ trì xử lý"
    )
    assert describe_roles({"zz", "clerk"}) == "Văn thư, zz"


# --- definition checks -----------------------------------------------------------------------


def _replace(index: int, **changes: Any) -> list[Transition]:
    items = _transitions()
    items[index] = dataclasses.replace(items[index], **changes)
    return items


BROKEN = {
    "unknown source": (
        {"transitions": _replace(0, sources=("nowhere",))},
        "unknown source state 'nowhere'",
    ),
    "unknown target": (
        {"transitions": _replace(0, target="nowhere")},
        "unknown target state 'nowhere'",
    ),
    "duplicate state": (
        {"states": [*_states(), State("draft", "Lần nữa")]},
        "duplicate state 'draft'",
    ),
    "duplicate transition": (
        {"transitions": [*_transitions(), Transition("submit", "Lại", "draft", "review", "staff")]},
        "duplicate transition 'submit'",
    ),
    "unreachable state": (
        {"states": [*_states(), State("limbo", "Lưng chừng", terminal=True)]},
        "state 'limbo' cannot be reached from 'draft'",
    ),
    "unknown initial": ({"initial": "nowhere"}, "initial state 'nowhere' is not a state"),
    "terminal initial": ({"initial": "done"}, "initial state 'done' is terminal"),
    "unknown role": ({"transitions": _replace(0, roles=("staf",))}, "unknown role 'staf'"),
    "no role": ({"transitions": _replace(0, roles=())}, "transition 'submit' allows no role"),
    "no source": (
        {"transitions": _replace(0, sources=())},
        "transition 'submit' has no source state",
    ),
    "repeated source": (
        {"transitions": _replace(3, sources=("draft", "draft"))},
        "transition 'drop' repeats a source state",
    ),
    "leaves a terminal state": (
        {"transitions": _replace(4, sources=("review", "done"))},
        "transition 'remind' leaves terminal state 'done'",
    ),
    "non-ASCII state code": (
        {"states": [State("nháp", "Bản nháp"), *_states()[1:]], "initial": "nháp"},
        "state 'nháp' is not a lower-case ASCII identifier",
    ),
    "bad transition name": (
        {"transitions": _replace(0, name="Submit")},
        "transition 'Submit' is not",
    ),
    "empty state label": (
        {"states": [State("draft", " "), *_states()[1:]]},
        "state 'draft' has no label",
    ),
    "empty transition label": (
        {"transitions": _replace(0, label="")},
        "transition 'submit' has no label",
    ),
    "repeated input": (
        {
            "transitions": _replace(
                2, inputs=(required("reason", "Lý do"), optional("reason", "Lại"))
            )
        },
        "transition 'send_back' repeats input 'reason'",
    ),
    "bad input name": (
        {"transitions": _replace(2, inputs=(required("lý_do", "Lý do"),))},
        "input 'lý_do'",
    ),
    "empty input label": (
        {"transitions": _replace(2, inputs=(required("reason", ""),))},
        "has no label",
    ),
    "guard not callable": ({"transitions": _replace(1, guards=("in_scope",))}, "is not callable"),
    "no terminal state": (
        {
            "states": [State("draft", "Bản nháp"), State("review", "Đang duyệt")],
            "transitions": [
                Transition("submit", "Gửi", "draft", "review", "staff"),
                Transition("back", "Trả", "review", "draft", "leader"),
            ],
        },
        "no terminal state",
    ),
    "dead end": (
        {
            "states": [*_states(), State("stuck", "Kẹt")],
            "transitions": [
                *_transitions(),
                Transition("jam", "Kẹt lại", "review", "stuck", "staff"),
            ],
        },
        "state 'stuck' can never reach a terminal state",
    ),
    "loop with no way out": (
        {
            "states": [*_states(), State("spin", "Quay"), State("spin2", "Quay tiếp")],
            "transitions": [
                *_transitions(),
                Transition("go", "Vào vòng", "review", "spin", "staff"),
                Transition("round", "Vòng", "spin", "spin2", "staff"),
                Transition("round_back", "Vòng lại", "spin2", "spin", "staff"),
            ],
        },
        "state 'spin' can never reach a terminal state",
    ),
    "bad workflow name": ({"name": "Toy flow"}, "workflow name 'Toy flow'"),
    "no subject": ({"subject": ""}, "needs a label and a subject"),
}


@pytest.mark.parametrize("case", list(BROKEN), ids=list(BROKEN))
def test_a_broken_definition_is_refused_when_built(case):
    changes, expected = BROKEN[case]
    with pytest.raises(DefinitionError) as caught:
        make(**changes)
    assert expected in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_the_toy_definition_itself_is_valid():
    assert make().name == "toy"


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda w: w.name)
def test_every_shipped_definition_is_valid_when_rebuilt(workflow):
    rebuilt = Workflow(
        workflow.name,
        workflow.label,
        workflow.subject,
        workflow.states,
        workflow.transitions,
        workflow.initial,
    )
    assert rebuilt.state_codes == workflow.state_codes


# --- drawings --------------------------------------------------------------------------------


def test_mermaid_drawing_of_the_toy():
    assert mermaid(TOY) == (
        "stateDiagram-v2\n"
        '    state "Bản nháp" as draft\n'
        '    state "Đang duyệt" as review\n'
        '    state "Đã xong" as done\n'
        '    state "Đã bỏ" as dropped\n'
        "    [*] --> draft\n"
        "    draft --> review : Gửi duyệt (Chuyên viên / Giáo viên)\n"
        "    review --> done : Duyệt (Lãnh đạo, Cấp phó)\n"
        "    review --> draft : Trả lại (Lãnh đạo)\n"
        "    draft --> dropped : Bỏ (Lãnh đạo, Chuyên viên / Giáo viên)\n"
        "    review --> dropped : Bỏ (Lãnh đạo, Chuyên viên / Giáo viên)\n"
        "    review --> review : Nhắc (Văn thư)\n"
        "    done --> [*]\n"
        "    dropped --> [*]\n"
    )


def test_graphviz_drawing_of_the_toy():
    assert graphviz(TOY) == (
        "digraph toy {\n"
        '    label="Hồ sơ thử";\n'
        "    labelloc=t;\n"
        "    rankdir=LR;\n"
        '    node [shape=box, style=rounded, fontname="Liberation Sans"];\n'
        '    edge [fontname="Liberation Sans", fontsize=10];\n'
        '    __start [shape=point, label=""];\n'
        '    draft [label="Bản nháp"];\n'
        '    review [label="Đang duyệt"];\n'
        '    done [label="Đã xong", peripheries=2];\n'
        '    dropped [label="Đã bỏ", peripheries=2];\n'
        "    __start -> draft;\n"
        '    draft -> review [label="Gửi duyệt (Chuyên viên / Giáo viên)"];\n'
        '    review -> done [label="Duyệt (Lãnh đạo, Cấp phó)"];\n'
        '    review -> draft [label="Trả lại (Lãnh đạo)"];\n'
        '    draft -> dropped [label="Bỏ (Lãnh đạo, Chuyên viên / Giáo viên)"];\n'
        '    review -> dropped [label="Bỏ (Lãnh đạo, Chuyên viên / Giáo viên)"];\n'
        '    review -> review [label="Nhắc (Văn thư)"];\n'
        "}\n"
    )


def test_graphviz_escapes_quotes_and_backslashes():
    flow = make(states=[State("draft", 'Bản "nháp" \\ 1'), *_states()[1:]])
    assert '    draft [label="Bản \\"nháp\\" \\\\ 1"];\n' in graphviz(flow)


@pytest.mark.parametrize("label", ['Bản "nháp"', "Bản; nháp", "Bản #1", "Bản\nnháp"])
def test_mermaid_refuses_labels_it_would_misread(label):
    flow = make(states=[State("draft", label), *_states()[1:]])
    with pytest.raises(ValueError, match="Mermaid"):
        mermaid(flow)


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda w: w.name)
def test_drawings_show_every_state_and_every_edge(workflow):
    drawing = mermaid(workflow)
    dot = graphviz(workflow)
    for state in workflow.states:
        assert f'    state "{state.label}" as {state.code}\n' in drawing
        assert f"    {state.code} [label=" in dot
        assert (f"    {state.code} --> [*]\n" in drawing) == state.terminal
    for t in workflow.transitions:
        for source in t.sources:
            target = t.target_from(source)
            assert f"    {source} --> {target} : {t.label} (" in drawing
            assert f'    {source} -> {target} [label="{t.label} (' in dot


def test_shipped_workflows_are_all_drawn():
    assert {w.name for w in WORKFLOWS} == {
        incoming.WORKFLOW.name,
        assignment.WORKFLOW.name,
        outgoing.WORKFLOW.name,
        casefiles.FILE_LIST.name,
        casefiles.CASE_FILE.name,
        casefiles.DISPOSAL.name,
    }


def test_docs_match_the_code():
    docs = (ROOT / "docs" / "workflows.md").read_text(encoding="utf-8")
    hint = f"docs/workflows.md is out of date: regenerate it with `{REGENERATE}`"
    for workflow in WORKFLOWS:
        assert f"```mermaid\n{mermaid(workflow)}```\n" in docs, hint
    assert docs == render_docs(), hint


def test_regenerate_command_prints_the_docs_and_single_drawings():
    def run(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "workflows.drawing", *args],
            cwd=ROOT,
            capture_output=True,
            check=True,
        )
        return done.stdout.decode("utf-8")

    assert run() == render_docs()
    assert run("mermaid", "incoming") == mermaid(incoming.WORKFLOW)
    assert run("dot", "assignment") == graphviz(assignment.WORKFLOW)
