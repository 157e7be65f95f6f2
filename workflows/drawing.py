"""Drawings of a workflow, generated from its definition so they cannot drift from it.

`mermaid()` feeds docs/workflows.md (rendered by any Markdown viewer that knows Mermaid)
and `graphviz()` an admin page or `dot -Tsvg`. Run `python -m workflows.drawing >
docs/workflows.md` after changing a definition; a unit test fails until you do.
`python -m workflows.drawing mermaid incoming` (or `dot assignment`) prints one drawing.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator

from workflows import assignment, casefiles, incoming, outgoing
from workflows.engine import Transition, Workflow
from workflows.roles import describe_roles

WORKFLOWS: tuple[Workflow, ...] = (
    incoming.WORKFLOW,
    assignment.WORKFLOW,
    outgoing.WORKFLOW,
    casefiles.FILE_LIST,
    casefiles.CASE_FILE,
    casefiles.DISPOSAL,
)

REGENERATE = "python -m workflows.drawing > docs/workflows.md"

# Characters Mermaid reads as syntax inside labels (statement separator, entity, quote).
_MERMAID_UNSAFE = frozenset('";#\n\r')


def edge_label(transition: Transition) -> str:
    return f"{transition.label} ({describe_roles(transition.roles)})"


def _edges(workflow: Workflow) -> Iterator[tuple[str, str, Transition]]:
    for transition in workflow.transitions:
        for source in transition.sources:
            yield source, transition.target_from(source), transition


def _mermaid_text(text: str) -> str:
    if _MERMAID_UNSAFE.intersection(text):
        raise ValueError(
            f'label {text!r} contains a character Mermaid cannot show: " ; # or a newline'
        )
    return text


def mermaid(workflow: Workflow) -> str:
    """A stateDiagram-v2: ASCII ids, Vietnamese labels; each edge names who may take it."""
    lines = ["stateDiagram-v2"]
    lines += [f'    state "{_mermaid_text(s.label)}" as {s.code}' for s in workflow.states]
    lines.append(f"    [*] --> {workflow.initial}")
    lines += [
        f"    {source} --> {target} : {_mermaid_text(edge_label(t))}"
        for source, target, t in _edges(workflow)
    ]
    lines += [f"    {s.code} --> [*]" for s in workflow.states if s.terminal]
    return "\n".join(lines) + "\n"


def _dot_text(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def graphviz(workflow: Workflow) -> str:
    """A dot digraph: terminal states drawn with a double border, the start as a dot."""
    lines = [
        f"digraph {workflow.name} {{",
        f"    label={_dot_text(workflow.label)};",
        "    labelloc=t;",
        "    rankdir=LR;",
        '    node [shape=box, style=rounded, fontname="Liberation Sans"];',
        '    edge [fontname="Liberation Sans", fontsize=10];',
        '    __start [shape=point, label=""];',
    ]
    for state in workflow.states:
        extra = ", peripheries=2" if state.terminal else ""
        lines.append(f"    {state.code} [label={_dot_text(state.label)}{extra}];")
    lines.append(f"    __start -> {workflow.initial};")
    for source, target, t in _edges(workflow):
        lines.append(f"    {source} -> {target} [label={_dot_text(edge_label(t))}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


# --- docs/workflows.md ---------------------------------------------------------------------


def _cell(text: str) -> str:
    return text.replace("|", "\\|") if text else "—"


def _states_table(workflow: Workflow) -> list[str]:
    rows = ["| state | label | terminal |", "|---|---|---|"]
    for s in workflow.states:
        rows.append(f"| `{s.code}` | {_cell(s.label)} | {'yes' if s.terminal else ''} |")
    return rows


def _guard_text(guard: object) -> str:
    return getattr(guard, "description", None) or getattr(guard, "__name__", repr(guard))


def _transitions_table(workflow: Workflow) -> list[str]:
    rows = [
        "| transition | label | from | to | roles | required | optional | conditions |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for t in workflow.transitions:
        sources = ", ".join(f"`{code}`" for code in t.sources)
        target = f"`{t.target}`" if t.target else "(unchanged)"
        needed = ", ".join(f"`{i.name}` {i.label}" for i in t.inputs if i.required)
        extra = ", ".join(f"`{i.name}` {i.label}" for i in t.inputs if not i.required)
        conditions = "; ".join(_guard_text(g) for g in t.guards)
        cells = [f"`{t.name}`", t.label, sources, target, describe_roles(t.roles)]
        cells += [needed, extra, conditions]
        rows.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return rows


def render_docs(workflows: tuple[Workflow, ...] = WORKFLOWS) -> str:
    """The whole of docs/workflows.md."""
    lines = [
        "# Workflows",
        "",
        f"<!-- Generated from workflows/*.py by `{REGENERATE}`. Do not edit by hand:",
        "     tests/unit/test_workflow_engine.py fails when this file differs from the code. -->",
        "",
        "Generated from the definitions in `workflows/`: these are the rules the code runs.",
        "Each arrow names the step and the roles that may take it; relational roles",
        "(Người chủ trì xử lý, Trưởng đơn vị, Người được giao, Người giao việc) are worked out",
        "by the service for one record. Conditions are guards the service feeds with facts",
        "from its context.",
    ]
    for workflow in workflows:
        lines += ["", f"## {workflow.label} (`{workflow.name}`)", "", "```mermaid"]
        lines.append(mermaid(workflow).rstrip("\n"))
        lines += ["```", "", "### States", "", *_states_table(workflow)]
        lines += ["", "### Transitions", "", *_transitions_table(workflow)]
    return "\n".join(lines) + "\n"


def _find(name: str) -> Workflow:
    for workflow in WORKFLOWS:
        if workflow.name == name:
            return workflow
    raise SystemExit(f"unknown workflow {name!r}; known: {', '.join(w.name for w in WORKFLOWS)}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m workflows.drawing", description=__doc__)
    parser.add_argument("format", nargs="?", choices=("docs", "mermaid", "dot"), default="docs")
    parser.add_argument("workflow", nargs="?", help="workflow name, for mermaid and dot")
    args = parser.parse_args(argv)
    if args.format == "docs":
        text = render_docs()
    else:
        if not args.workflow:
            parser.error("name a workflow")
        draw = mermaid if args.format == "mermaid" else graphviz
        text = draw(_find(args.workflow))
    sys.stdout.flush()
    sys.stdout.buffer.write(text.encode("utf-8"))
    sys.stdout.buffer.flush()


if __name__ == "__main__":
    main()
