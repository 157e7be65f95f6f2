"""Reuse werkzeug's compiled URL builders across the apps the tests create.

Every test builds its own app (`create_app`), and werkzeug compiles two Python functions
per URL rule through `ast` and `compile()` when a rule is bound: with ~300 rules that was
~110 ms of every test's ~120 ms app start, about a third of the suite's CPU. The builder
depends only on the rule's text, its parsed trace and its defaults, never on the app, so
the first app's functions are kept and bound again to each later app's rules. Production
builds one app per process and is left alone.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from werkzeug.routing.rules import Rule

_original = Rule._compile_builder
_builders: dict[tuple, Callable[..., Any]] = {}


def _cached_compile_builder(self: Rule, append_unknown: bool = True) -> Callable[..., Any]:
    defaults = tuple(sorted((key, repr(value)) for key, value in (self.defaults or {}).items()))
    key = (self.rule, tuple(self._trace), defaults, append_unknown)
    builder = _builders.get(key)
    if builder is None:
        builder = _builders[key] = _original(self, append_unknown)
    return builder


def install() -> None:
    Rule._compile_builder = _cached_compile_builder  # type: ignore[method-assign]
