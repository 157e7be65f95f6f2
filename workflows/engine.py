"""A small declarative state-machine engine.

Every flow in the office (incoming documents, assignments, later outgoing approvals and
case files) is a table of states and transitions, so the rules people read in the
drawings are the rules the code runs. The engine is pure: `fire()` looks at a state, the
actor's roles, the inputs and a read-only context, and either returns the `Event` the
service should record or raises `TransitionRefused` saying in Vietnamese why not. It
never changes anything, so a refusal leaves the caller's state, inputs and context as
they were.

Checks run in this order, and the first failure is the one reported:
1. the transition exists;
2. it may start from the current state;
3. the actor holds one of its roles;
4. no input outside its declaration was passed (a programming slip, reported all the same);
5. every guard passes (guards see the roles used, the state, the inputs given so far and
   the caller's context);
6. every required input is present.
Guards come before required inputs so a user is never asked to fill a form for a step
they may not take anyway.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Set
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from workflows.checks import definition_problems
from workflows.roles import describe_roles

_EMPTY: Mapping[str, Any] = MappingProxyType({})


class WorkflowError(Exception):
    """Base of everything the engine raises."""


class DefinitionError(WorkflowError, ValueError):
    """A workflow definition is inconsistent; raised when the module defining it is imported."""


class UnknownState(WorkflowError, ValueError):
    """The caller passed a state the workflow does not have (corrupt data or a typo)."""

    def __init__(self, workflow: Workflow, state: str) -> None:
        self.message = f"Trạng thái «{state}» không có trong quy trình «{workflow.label}»."
        super().__init__(self.message)
        self.workflow = workflow.name
        self.state = state


class Refusal(StrEnum):
    """Why a transition was refused, so a service can map it to its own error kinds."""

    UNKNOWN_TRANSITION = "unknown_transition"
    WRONG_STATE = "wrong_state"
    ROLE = "role"
    UNEXPECTED_INPUT = "unexpected_input"
    GUARD = "guard"
    MISSING_INPUT = "missing_input"
    INVALID_INPUT = "invalid_input"


class TransitionRefused(WorkflowError):
    """The transition may not happen; `.message` says why in Vietnamese.

    `field_errors` maps each missing input to a message for its form field, so a
    service can raise `ValidationFailed(message, field_errors=...)` unchanged.
    """

    def __init__(
        self,
        message: str,
        *,
        reason: Refusal,
        workflow: str,
        transition: str,
        state: str,
        field_errors: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.reason = reason
        self.workflow = workflow
        self.transition = transition
        self.state = state
        self.field_errors: Mapping[str, str] = MappingProxyType(dict(field_errors or {}))


@dataclass(frozen=True)
class State:
    code: str
    label: str
    terminal: bool = False


@dataclass(frozen=True)
class Input:
    """Something the actor must (or may) supply with a transition, such as a reason."""

    name: str
    label: str
    required: bool = True


def required(name: str, label: str) -> Input:
    return Input(name, label, required=True)


def optional(name: str, label: str) -> Input:
    return Input(name, label, required=False)


class GuardContext(Mapping[str, Any]):
    """What a guard sees: the caller's context as a mapping, plus the attempt itself.

    `roles` are the actor's roles that authorise this transition (not all they hold),
    so a guard can tell a leader from a deputy acting on the same transition. `inputs`
    are those given so far; required ones may still be missing when guards run.
    """

    __slots__ = ("_facts", "inputs", "roles", "state", "transition")

    def __init__(
        self,
        facts: Mapping[str, Any] | None,
        *,
        state: str,
        roles: frozenset[str],
        inputs: Mapping[str, Any],
        transition: str,
    ) -> None:
        self._facts: Mapping[str, Any] = facts if facts is not None else _EMPTY
        self.state = state
        self.roles = roles
        self.inputs = inputs
        self.transition = transition

    def __getitem__(self, key: str) -> Any:
        return self._facts[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._facts)

    def __len__(self) -> int:
        return len(self._facts)


GuardFn = Callable[[GuardContext], str | None]


@dataclass(frozen=True)
class Guard:
    """A guard with a description, shown in the generated documentation.

    A guard that judges one input (`input` names it) refuses with INVALID_INPUT and a
    field error: the person filled the form wrongly, which is not the same as not being
    allowed (a service answers 422, not 403). `available()` never offers a step on an
    input's account, since the button is shown before anything is filled in.
    """

    description: str
    check: GuardFn
    input: str | None = None

    def __call__(self, ctx: GuardContext) -> str | None:
        return self.check(ctx)


@dataclass(frozen=True)
class Transition:
    """One step. `sources` and `roles` accept a single code or any iterable of codes.

    `target=None` means the step keeps the current state (extending a deadline, passing
    a part on): it is still an event worth recording.
    """

    name: str
    label: str
    sources: tuple[str, ...]
    target: str | None
    roles: frozenset[str]
    inputs: tuple[Input, ...] = ()
    guards: tuple[GuardFn, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "sources", _codes(self.sources))
        object.__setattr__(self, "roles", frozenset(_codes(self.roles)))
        object.__setattr__(self, "inputs", tuple(self.inputs))
        object.__setattr__(self, "guards", tuple(self.guards))

    def target_from(self, source: str) -> str:
        return source if self.target is None else self.target

    @property
    def input_names(self) -> tuple[str, ...]:
        return tuple(item.name for item in self.inputs)

    @property
    def required_inputs(self) -> tuple[Input, ...]:
        return tuple(item for item in self.inputs if item.required)


@dataclass(frozen=True)
class Event:
    """What happened, ready for the service to record; the inputs are a frozen copy."""

    workflow: str
    transition: str
    from_state: str
    to_state: str
    inputs: Mapping[str, Any]
    roles: frozenset[str]

    @property
    def changes_state(self) -> bool:
        return self.from_state != self.to_state


@dataclass(frozen=True, eq=False)
class Workflow:
    """A whole definition, checked when built so a broken one never reaches a user.

    `subject` names what moves through the flow ("văn bản"), for messages.
    """

    name: str
    label: str
    subject: str
    states: tuple[State, ...]
    transitions: tuple[Transition, ...]
    initial: str
    _states: Mapping[str, State] = field(init=False, repr=False)
    _transitions: Mapping[str, Transition] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "states", tuple(self.states))
        object.__setattr__(self, "transitions", tuple(self.transitions))
        problems = definition_problems(self)
        if problems:
            raise DefinitionError(f"workflow {self.name!r}: " + "; ".join(problems))
        object.__setattr__(self, "_states", {s.code: s for s in self.states})
        object.__setattr__(self, "_transitions", {t.name: t for t in self.transitions})

    def state(self, code: str) -> State:
        try:
            return self._states[code]
        except KeyError:
            raise UnknownState(self, code) from None

    def transition(self, name: str) -> Transition | None:
        return self._transitions.get(name)

    @property
    def state_codes(self) -> tuple[str, ...]:
        return tuple(s.code for s in self.states)

    @property
    def labels(self) -> Mapping[str, str]:
        return MappingProxyType({s.code: s.label for s in self.states})

    @property
    def terminal_states(self) -> frozenset[str]:
        return frozenset(s.code for s in self.states if s.terminal)

    def transitions_from(self, state: str) -> tuple[Transition, ...]:
        self.state(state)
        return tuple(t for t in self.transitions if state in t.sources)


def fire(
    workflow: Workflow,
    state: str,
    transition_name: str,
    actor_roles: str | Iterable[str],
    inputs: Mapping[str, Any] | None = None,
    context: Mapping[str, Any] | None = None,
) -> Event:
    """Return the event of taking `transition_name` from `state`, or raise TransitionRefused."""
    current = workflow.state(state)
    given = inputs if inputs is not None else _EMPTY
    transition = workflow.transition(transition_name)
    if transition is None:
        raise TransitionRefused(
            f"Quy trình «{workflow.label}» không có thao tác «{transition_name}».",
            reason=Refusal.UNKNOWN_TRANSITION,
            workflow=workflow.name,
            transition=transition_name,
            state=state,
        )

    def refuse(message: str, reason: Refusal, **extra: Any) -> TransitionRefused:
        return TransitionRefused(
            message,
            reason=reason,
            workflow=workflow.name,
            transition=transition.name,
            state=state,
            **extra,
        )

    step = f"«{transition.label}»"
    if state not in transition.sources:
        allowed = _join((workflow.state(code).label for code in transition.sources), "hoặc")
        raise refuse(
            f"Không thể thực hiện {step} vì {workflow.subject} đang ở trạng thái "
            f"«{current.label}»; thao tác này chỉ thực hiện được ở trạng thái {allowed}.",
            Refusal.WRONG_STATE,
        )
    used = _roles_used(transition, _codes(actor_roles))
    if not used:
        raise refuse(
            f"Bạn không có quyền thực hiện {step}: thao tác này chỉ dành cho "
            f"{describe_roles(transition.roles)}.",
            Refusal.ROLE,
        )
    unexpected = sorted(set(given) - set(transition.input_names))
    if unexpected:
        raise refuse(
            f"Thao tác {step} không nhận thông tin: {', '.join(unexpected)}.",
            Refusal.UNEXPECTED_INPUT,
        )
    accepted = MappingProxyType({name: _freeze(value) for name, value in given.items()})
    refused = _first_guard_refusal(transition, state, used, accepted, context)
    if refused:
        guard, reason = refused
        field = getattr(guard, "input", None)
        raise refuse(
            f"Không thể thực hiện {step}: {reason}",
            Refusal.INVALID_INPUT if field else Refusal.GUARD,
            field_errors={field: reason[:1].upper() + reason[1:]} if field else None,
        )
    missing = [item for item in transition.required_inputs if _blank(given.get(item.name))]
    if missing:
        raise refuse(
            f"Thiếu thông tin để thực hiện {step}: {_join((i.label for i in missing), 'và')}.",
            Refusal.MISSING_INPUT,
            field_errors={item.name: f"«{item.label}» là bắt buộc." for item in missing},
        )
    return Event(
        workflow=workflow.name,
        transition=transition.name,
        from_state=state,
        to_state=transition.target_from(state),
        inputs=accepted,
        roles=used,
    )


def available(
    workflow: Workflow,
    state: str,
    actor_roles: str | Iterable[str],
    context: Mapping[str, Any] | None = None,
) -> tuple[Transition, ...]:
    """Transitions the actor may take now (state, role and guards), in definition order.

    Inputs are not asked for yet, so guards run with no inputs: this is the list of
    buttons to show, each of which then opens its form.
    """
    roles = frozenset(_codes(actor_roles))
    result = []
    for transition in workflow.transitions_from(state):
        used = _roles_used(transition, roles)
        if used and not _first_guard_refusal(transition, state, used, _EMPTY, context):
            result.append(transition)
    return tuple(result)


def _roles_used(transition: Transition, actor_roles: Iterable[str]) -> frozenset[str]:
    return transition.roles.intersection(actor_roles)


def _first_guard_refusal(
    transition: Transition,
    state: str,
    roles: frozenset[str],
    inputs: Mapping[str, Any],
    context: Mapping[str, Any] | None,
) -> tuple[GuardFn, str] | None:
    ctx = GuardContext(context, state=state, roles=roles, inputs=inputs, transition=transition.name)
    for guard in transition.guards:
        reason = guard(ctx)
        if reason:
            return guard, reason
    return None


def _blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, Mapping | list | tuple | Set):
        return len(value) == 0
    return False


def _freeze(value: Any) -> Any:
    """A deep immutable copy, so later edits of the caller's dict cannot reach the event."""
    if isinstance(value, Mapping):
        return MappingProxyType({key: _freeze(item) for key, item in value.items()})
    if isinstance(value, list | tuple):
        return tuple(_freeze(item) for item in value)
    if isinstance(value, Set):
        return frozenset(_freeze(item) for item in value)
    return value


def _join(labels: Iterable[str], last_word: str) -> str:
    quoted = [f"«{label}»" for label in labels]
    if len(quoted) <= 1:
        return "".join(quoted)
    return f"{', '.join(quoted[:-1])} {last_word} {quoted[-1]}"


def _codes(value: str | Iterable[str]) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    return tuple(value)
