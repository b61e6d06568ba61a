"""Seeded variants: draw a question's parameters, compute its answer, fill its placeholders.

The same (question id, seed) always gives the same numbers, on every machine, so a learner's
variant can be restored from the store and an author can reproduce what a learner saw.
"""

from __future__ import annotations

import math
import re
import zlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from tutor.content import model as m
from tutor.content.expressions import Scope, parse_author, question_scope

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?::([^{}]*))?\}\}")


class VariantError(ValueError):
    """A parameter or answer could not be computed for this seed."""

    def __init__(self, message: str, field: tuple[str | int, ...] = ()) -> None:
        super().__init__(message)
        self.field = field


def rng_for(question_id: str, seed: int) -> Any:
    """The random generator for one question's variant `seed` (and a salt, such as `:order`)."""
    import numpy as np

    # Mixing in the id keeps two questions with the same seed from drawing the same numbers.
    return np.random.default_rng([seed, zlib.crc32(question_id.encode())])


def draw_params(
    params: Mapping[str, Any], question_id: str, seed: int, scope: Scope | None = None
) -> dict[str, Any]:
    """Values for every parameter, in order; `expr` parameters see the ones before them."""
    import numpy as np

    from tutor.expr import evaluate

    rng = rng_for(question_id, seed)
    functions = scope.functions if scope is not None else {}
    values: dict[str, Any] = {}
    for name, spec in params.items():
        if isinstance(spec, m.Uniform):
            value: Any = float(rng.uniform(*spec.uniform))
            value = round(value, spec.round) if spec.round is not None else value
        elif isinstance(spec, m.Integers):
            value = int(rng.integers(spec.integers[0], spec.integers[1] + 1))
        elif isinstance(spec, m.Choice):
            value = spec.choice[int(rng.integers(len(spec.choice)))]
        elif isinstance(spec, m.ArrayDraw):
            a = spec.array
            if a.uniform is not None:
                value = rng.uniform(a.uniform[0], a.uniform[1], size=a.size)
                value = np.round(value, a.round) if a.round is not None else value
            else:
                assert a.integers is not None
                value = rng.integers(a.integers[0], a.integers[1] + 1, size=a.size).astype(float)
        elif isinstance(spec, m.Computed):
            tree = parse_author(spec.expr, values.keys(), functions.keys())
            try:
                value = evaluate(tree, values, functions)
            except ValueError as exc:
                raise VariantError(f"parameter `{name}`: {exc}", ("params", name, "expr")) from None
            if spec.round is not None:
                value = np.round(value, spec.round)
            value = _plain(value)
        else:
            assert isinstance(spec, m.Fixed)
            value = np.asarray(spec.value, dtype=float) if isinstance(spec.value, list) else spec.value
        values[name] = value
    return values


def _plain(value: Any) -> Any:
    """numpy scalars become Python numbers; arrays stay arrays."""
    import numpy as np

    if isinstance(value, np.ndarray) and value.ndim == 0:
        return float(value)
    if isinstance(value, np.generic):
        return value.item()
    return value


def exact_text(value: Any) -> str:
    """A value written with enough digits that no tolerance can reject it (a self-test's answer)."""
    if isinstance(value, float):
        return repr(value)
    if hasattr(value, "tolist"):
        items = value.tolist()
        return (
            "[" + ", ".join(repr(float(v)) for v in items) + "]" if isinstance(items, list) else repr(items)
        )
    return format_value(value)


def format_value(value: Any, spec: str | None = None) -> str:
    """How a value appears in a prompt: short, and without float noise like 0.30000000000000004."""
    if spec:
        if hasattr(value, "tolist") and not isinstance(value, float):
            return "[" + ", ".join(format(v, spec) for v in value.tolist()) + "]"
        return format(value, spec)
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isfinite(value) and value == int(value) and abs(value) < 1e15:
            return str(int(value))
        return f"{value:.6g}" if abs(value) >= 1e-4 or value == 0 else f"{value:.4g}"
    if hasattr(value, "tolist"):
        items = value.tolist()
        if isinstance(items, list):
            return "[" + ", ".join(format_value(float(v)) for v in items) + "]"
        return format_value(float(items))
    return str(value)


def fill(text: str, values: Mapping[str, Any], answer_spec: str = ".4g") -> str:
    """Replace `{{name}}` and `{{name:spec}}`; `answer` defaults to 4 significant figures."""

    def one(match: re.Match[str]) -> str:
        name, spec = match.group(1), match.group(2)
        if name not in values:
            return match.group(0)
        if name == "answer" and not spec and _is_number(values[name]):
            spec = answer_spec
        return format_value(values[name], spec)

    return PLACEHOLDER.sub(one, text)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


@dataclass
class Variant:
    """One concrete version of a question, for one seed."""

    question: m.QuestionBase
    seed: int
    values: dict[str, Any]
    answer: Any = None  # the computed reference (numeric and vector types)
    answer_text: str | None = None  # the reference as read, for symbolic types
    order: list[int] | None = None  # shuffled kinds: authored indices in the order shown
    scope: Scope = field(default_factory=lambda: Scope((), (), {}))
    shown: dict[str, Any] = field(default_factory=dict)  # the question's `values`, for its texts
    # What grading works out again for every answer to this variant (the sampled points of
    # `tutor.grading.grader.Symbolic`, and expressions' values there); not what the variant is.
    memo: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)

    def render(self, text: str | None) -> str:
        if text is None:
            return ""
        values = dict(self.values)
        if self.answer is not None:
            values["answer"] = self.answer
        elif self.answer_text is not None:
            values["answer"] = self.answer_text
        return fill(text, {**values, **self.shown})

    def pretty(self, expression: str | None) -> str:
        """An author's expression as the reader renders it, with this variant's numbers."""
        from tutor.expr import ReadError, render
        from tutor.expr.nodes import substitute

        if expression is None:
            return ""
        try:
            tree = parse_author(expression, self.scope.values, self.scope.functions.keys())
        except ReadError:
            return expression
        numbers = {k: format_value(v) for k, v in self.values.items() if _is_number(v)}
        return render(substitute(tree, numbers))

    @property
    def prompt(self) -> str:
        return self.render(self.question.prompt)

    @property
    def solution(self) -> str:
        return self.render(self.question.solution)


def evaluate_in(variant_values: Mapping[str, Any], text: str, scope: Scope) -> Any:
    """Evaluate an author expression against a variant's parameter values."""
    from tutor.expr import evaluate

    tree = parse_author(text, scope.values, scope.functions.keys())
    return _plain(evaluate(tree, variant_values, scope.functions))


_REUSED: ContextVar[dict[tuple[int, int], tuple[m.QuestionBase, Variant]] | None] = ContextVar(
    "reused_variants", default=None
)


@contextmanager
def reused_variants() -> Iterator[None]:
    """Within: `instantiate` gives the same Variant again for the same question and seed, with
    what grading it has remembered (`Variant.memo`). `tutor check` draws each seed of a question
    in several checks; nothing changes a variant once it is drawn."""
    token = _REUSED.set({})
    try:
        yield
    finally:
        _REUSED.reset(token)


def instantiate(question: m.QuestionBase, seed: int) -> Variant:
    """Draw the parameters for `seed`, then let the question's kind compute what it needs (the
    reference where it is a value, a shuffle)."""
    reused = _REUSED.get()
    if reused is None:
        return _instantiate(question, seed)
    key = (id(question), seed)
    if key not in reused:
        reused[key] = (question, _instantiate(question, seed))  # the question kept: its id stays its own
    return reused[key][1]


def _instantiate(question: m.QuestionBase, seed: int) -> Variant:
    scope = question_scope(question)
    values = draw_params(question.params, question.id, seed, scope)
    variant = Variant(question, seed, values, scope=scope)
    m.kinds()[question.type].instantiate(variant)
    variant.shown = shown_values(question, values, variant.answer, scope)
    return variant


def shown_values(question: Any, values: Mapping[str, Any], answer: Any, scope: Scope) -> dict[str, Any]:
    """The question's `values`, in order: numbers its solution, hints and feedback show, such as
    each intermediate step of a worked solution. They see the parameters, a computed `answer`
    and the values above them."""
    from tutor.expr import evaluate

    env = dict(values)
    if answer is not None:
        env["answer"] = answer
    out: dict[str, Any] = {}
    for name, text in getattr(question, "values", {}).items():
        tree = parse_author(text, [*env, *out], scope.functions.keys())
        try:
            out[name] = _plain(evaluate(tree, {**env, **out}, scope.functions))
        except ValueError as exc:
            raise VariantError(f"value `{name}`: {exc}", ("values", name)) from None
    return out


def draw_code_args(question: m.CodeQuestion, seed: int) -> dict[str, Any]:
    """Random arguments for one trial of a code question."""
    return draw_params(question.args, question.id + ":args", seed, question_scope(question))


def sample_domain(domain: Any, rng: Any, size: int) -> Any:
    """Points of a declared variable's domain, for numeric checks of symbolic answers."""
    if domain == "real":
        return rng.uniform(-3, 3, size)
    if domain == "positive":
        return rng.uniform(0.05, 3, size)
    if domain == "negative":
        return rng.uniform(-3, -0.05, size)
    if domain == "nonnegative":
        return rng.uniform(0, 3, size)
    if domain == "integer":
        return rng.integers(-5, 6, size).astype(float)
    if isinstance(domain, tuple):
        lo, hi = domain
        return rng.uniform(lo, hi, size)
    if isinstance(domain, dict) and "set" in domain:
        return rng.choice([float(v) for v in domain["set"]], size)
    if isinstance(domain, dict) and "interval" in domain:
        lo, hi = domain["interval"]
        return rng.uniform(lo, hi, size)
    raise ValueError(f"unknown domain {domain!r}")
