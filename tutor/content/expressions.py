"""Author expressions in a question: which names each may use, parsed once and cached.

Parameters are visible to the parameters after them, to answers, mistakes and functions;
declared variables only to symbolic answers. Keeping these scopes in one place means
`tutor check`, variant drawing and the grader all agree on what an expression may name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from tutor.expr import MAX_EXPANDED, FunctionDef, Node, called_functions, expanded_size, parse

_SIGNATURE = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:\(\s*([^()]*)\s*\))?\s*$")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class SignatureError(ValueError):
    pass


def parse_signature(key: str) -> tuple[str, tuple[str, ...]]:
    """`sigmoid` -> ("sigmoid", ("x",)); `huber(e, d)` -> ("huber", ("e", "d"))."""
    m = _SIGNATURE.match(key)
    if not m:
        raise SignatureError(f"`{key}` is not a function name: write `name` or `name(a, b)`")
    name, args = m.group(1), m.group(2)
    if args is None:
        return name, ("x",)
    params = tuple(a.strip() for a in args.split(",")) if args.strip() else ()
    bad = [a for a in params if not _NAME.match(a)]
    if bad or not params:
        raise SignatureError(f"`{key}`: arguments must be names separated by commas")
    if len(set(params)) != len(params):
        raise SignatureError(f"`{key}`: an argument name is repeated")
    return name, params


@lru_cache(maxsize=4096)
def _parse_cached(text: str, variables: frozenset[str], functions: frozenset[str]) -> Node:
    return parse(text, variables=variables, functions=functions)


def parse_author(text: str, variables: Iterable[str], functions: Iterable[str] = ()) -> Node:
    """Parse an author's expression; raises tutor.expr.ReadError."""
    return _parse_cached(text, frozenset(variables), frozenset(functions))


@dataclass(frozen=True)
class Scope:
    """The names an expression in a question may use."""

    params: tuple[str, ...]
    variables: tuple[str, ...]
    functions: dict[str, FunctionDef]

    @property
    def values(self) -> tuple[str, ...]:
        return self.params + self.variables


def declared_functions(
    functions: dict[str, str], names: Iterable[str]
) -> tuple[dict[str, FunctionDef], list[tuple[str, str]]]:
    """Parse a `functions:` mapping. Returns the definitions and (key, problem) pairs."""
    defs: dict[str, FunctionDef] = {}
    refused: dict[str, FunctionDef] = {}  # too large: said, and not declared
    problems: list[tuple[str, str]] = []
    names = tuple(names)
    for key, body in functions.items():
        try:
            name, args = parse_signature(key)
            # A body sees its own arguments, the question's parameters and variables, and the
            # functions declared before it (so no function can call itself).
            tree = parse_author(body, (*names, *args), (*defs.keys(), *refused.keys()))
        except SignatureError as exc:
            problems.append((key, str(exc)))
            continue
        except ValueError as exc:  # ReadError
            problems.append((key, str(exc)))
            continue
        size = expanded_size(tree, {**defs, **refused})
        if size > MAX_EXPANDED:
            # Each function calling the one before several times grows exponentially: refused
            # here, before anything evaluates it (a grade, a plot on the app's screen).
            called = sorted(called_functions(tree) & (defs.keys() | refused.keys()))
            through = f" (through its calls of {', '.join(f'`{c}`' for c in called)})" if called else ""
            problems.append(
                (
                    key,
                    f"too large once written out{through}: more than {MAX_EXPANDED:,} operations "
                    "to evaluate; call other functions fewer times",
                )
            )
            refused[name] = FunctionDef(args, tree)
            continue
        defs[name] = FunctionDef(args, tree)
    return defs, problems


def question_scope(question: Any) -> Scope:
    params = tuple(getattr(question, "params", {}) or {})
    if hasattr(question, "args"):  # code questions draw their arguments like parameters
        params = params + tuple(question.args)
    variables = tuple(getattr(question, "variables", {}) or {})
    defs, _ = declared_functions(getattr(question, "functions", {}) or {}, params + variables)
    return Scope(params, variables, defs)
