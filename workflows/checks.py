"""Checks a workflow definition when it is built, so a broken one fails at import time.

A typo in a state or role code would otherwise surface as a button that never appears
or a step nobody can take; here it stops the app from starting and the unit tests fail.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from workflows.roles import KNOWN_ROLES

if TYPE_CHECKING:
    from workflows.engine import State, Transition, Workflow

# State codes, transition names and input names: ASCII identifiers, safe as drawing ids.
CODE_PATTERN = re.compile(r"[a-z][a-z0-9_]*\Z")


def definition_problems(workflow: Workflow) -> list[str]:
    """Everything wrong with a definition, in English for its author; empty when sound."""
    problems: list[str] = []
    _check_code(problems, "workflow name", workflow.name)
    if not workflow.label.strip() or not workflow.subject.strip():
        problems.append("the workflow needs a label and a subject")
    codes = _check_states(problems, workflow.states)
    if workflow.initial not in codes:
        problems.append(f"initial state {workflow.initial!r} is not a state")
    elif codes[workflow.initial].terminal:
        problems.append(f"initial state {workflow.initial!r} is terminal")
    _check_transitions(problems, workflow.transitions, codes)
    if not problems:
        _check_graph(problems, workflow, codes)
    return problems


def _check_code(problems: list[str], what: str, code: Any) -> None:
    if not isinstance(code, str) or not CODE_PATTERN.match(code):
        problems.append(f"{what} {code!r} is not a lower-case ASCII identifier")


def _check_states(problems: list[str], states: tuple[State, ...]) -> dict[str, State]:
    codes: dict[str, State] = {}
    if not states:
        problems.append("no states")
    for state in states:
        _check_code(problems, "state", state.code)
        if not state.label.strip():
            problems.append(f"state {state.code!r} has no label")
        if state.code in codes:
            problems.append(f"duplicate state {state.code!r}")
        codes[state.code] = state
    return codes


def _check_transitions(
    problems: list[str], transitions: tuple[Transition, ...], codes: Mapping[str, State]
) -> None:
    seen: set[str] = set()
    for t in transitions:
        _check_code(problems, "transition", t.name)
        if t.name in seen:
            problems.append(f"duplicate transition {t.name!r}")
        seen.add(t.name)
        if not t.label.strip():
            problems.append(f"transition {t.name!r} has no label")
        if not t.sources:
            problems.append(f"transition {t.name!r} has no source state")
        if len(set(t.sources)) != len(t.sources):
            problems.append(f"transition {t.name!r} repeats a source state")
        for source in t.sources:
            if source not in codes:
                problems.append(f"transition {t.name!r}: unknown source state {source!r}")
            elif codes[source].terminal:
                problems.append(f"transition {t.name!r} leaves terminal state {source!r}")
        if t.target is not None and t.target not in codes:
            problems.append(f"transition {t.name!r}: unknown target state {t.target!r}")
        if not t.roles:
            problems.append(f"transition {t.name!r} allows no role")
        for role in sorted(t.roles - KNOWN_ROLES):
            problems.append(f"transition {t.name!r}: unknown role {role!r}")
        _check_inputs(problems, t)
        for guard in t.guards:
            if not callable(guard):
                problems.append(f"transition {t.name!r}: guard {guard!r} is not callable")


def _check_inputs(problems: list[str], t: Transition) -> None:
    names: set[str] = set()
    for item in t.inputs:
        _check_code(problems, f"transition {t.name!r} input", item.name)
        if item.name in names:
            problems.append(f"transition {t.name!r} repeats input {item.name!r}")
        names.add(item.name)
        if not item.label.strip():
            problems.append(f"transition {t.name!r}: input {item.name!r} has no label")


def _check_graph(problems: list[str], workflow: Workflow, codes: Mapping[str, State]) -> None:
    """Every state is reachable from the start, and every open state can still finish."""
    edges: dict[str, set[str]] = {code: set() for code in codes}
    for t in workflow.transitions:
        for source in t.sources:
            edges[source].add(t.target_from(source))
    reached = _reachable(edges, {workflow.initial})
    for code in codes:
        if code not in reached:
            problems.append(f"state {code!r} cannot be reached from {workflow.initial!r}")
    terminal = {code for code, state in codes.items() if state.terminal}
    if not terminal:
        problems.append("no terminal state")
        return
    for code, state in codes.items():
        if not state.terminal and not (_reachable(edges, {code}) & terminal):
            problems.append(f"state {code!r} can never reach a terminal state")


def _reachable(edges: Mapping[str, set[str]], start: set[str]) -> set[str]:
    seen = set(start)
    todo = list(start)
    while todo:
        for nxt in edges[todo.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen
