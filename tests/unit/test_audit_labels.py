"""Every audit action the directives write has a Vietnamese label for the history pages
(eoffice.core.audit.ACTION_LABELS): found by reading the calls to `record(action=...)`."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from eoffice.core.audit import ACTION_LABELS

PACKAGE = Path(__file__).resolve().parents[2] / "eoffice" / "directives"


def _strings(node: ast.AST, assigned: dict[str, ast.AST]) -> set[str]:
    """The string constants an `action=` expression can take."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        return _strings(node.body, assigned) | _strings(node.orelse, assigned)
    if isinstance(node, ast.Name) and node.id in assigned:
        return _strings(assigned[node.id], assigned)
    if isinstance(node, ast.Subscript):  # {state: "action", ...}[was]
        return _strings(node.value, assigned)
    if isinstance(node, ast.Dict):
        return set().union(*(_strings(v, assigned) for v in node.values if v is not None))
    raise AssertionError(f"cannot read the action {ast.dump(node)}")


def _actions() -> set[str]:
    found: set[str] = set()
    for path in sorted(PACKAGE.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            assigned = {
                target.id: statement.value
                for statement in ast.walk(function)
                if isinstance(statement, ast.Assign)
                for target in statement.targets
                if isinstance(target, ast.Name)
            }
            for call in ast.walk(function):
                if isinstance(call, ast.Call):
                    for keyword in call.keywords:
                        if keyword.arg == "action":
                            found |= _strings(keyword.value, assigned)
    return found


ACTIONS = sorted(_actions())


def test_the_directives_write_the_actions_we_expect():
    assert {"report_answered", "report_returned", "report_reminded"} <= set(ACTIONS)


@pytest.mark.parametrize("action", ACTIONS)
def test_each_action_has_a_vietnamese_label(action):
    assert ACTION_LABELS.get(action, "").strip(), f"no label for audit action {action!r}"
