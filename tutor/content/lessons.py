"""What a lesson shows, computed from its YAML: values, filled bodies, formulas and plot curves.

Shared by the app (which draws them) and `tutor check` (which reports what cannot be computed),
so that a lesson that passes the check renders the same numbers the learner sees.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tutor.content import model as m
from tutor.content.expressions import declared_functions, parse_author
from tutor.content.variants import PLACEHOLDER, fill
from tutor.expr import MAX_EXPANDED, EvalError, FunctionDef, Node, ReadError, evaluate, expanded_size


@dataclass
class ValueProblem:
    name: str
    message: str
    position: int | None = None  # offset into the value's text, for read errors


@dataclass
class LessonValues:
    values: dict[str, Any] = field(default_factory=dict)
    problems: list[ValueProblem] = field(default_factory=list)


def compute_values(lesson: m.Lesson) -> LessonValues:
    """Evaluate `values:` in order; each may use the ones above it."""
    import numpy as np

    out = LessonValues()
    for name, text in lesson.values.items():
        try:
            tree = parse_author(text, list(out.values))
        except ReadError as exc:
            hint = f"; {exc.hint}" if exc.hint else ""
            out.problems.append(ValueProblem(name, f"{exc.message}{hint}", exc.position))
            continue
        try:
            value = evaluate(tree, out.values)
        except (EvalError, ValueError) as exc:
            out.problems.append(ValueProblem(name, str(exc)))
            continue
        finite = np.all(np.isfinite(value))
        if not finite:
            out.problems.append(ValueProblem(name, "is not a finite number"))
            continue
        out.values[name] = value
    return out


def section_body(section: m.Section, values: dict[str, Any]) -> str:
    """The section's Markdown with `{{name:spec}}` filled; what cannot be filled stays as written."""

    def one(match: Any) -> str:
        try:
            return fill(match.group(0), values)
        except (ValueError, TypeError):
            return match.group(0)

    return PLACEHOLDER.sub(one, section.body)


def unknown_placeholders(text: str, values: dict[str, Any]) -> list[tuple[str, int]]:
    """(name, offset) of each placeholder with no value."""
    return [(mt.group(1), mt.start()) for mt in PLACEHOLDER.finditer(text) if mt.group(1) not in values]


def bad_format_specs(text: str, values: dict[str, Any]) -> list[tuple[str, int, str]]:
    """(placeholder, offset, error) for each spec that cannot format its value."""
    out = []
    for mt in PLACEHOLDER.finditer(text):
        name = mt.group(1)
        if name in values:
            try:
                fill(mt.group(0), values)
            except (ValueError, TypeError) as exc:
                out.append((mt.group(0), mt.start(), str(exc)))
    return out


def formula_tree(formula: m.Formula) -> Node:
    """Raises ReadError."""
    return parse_author(formula.expr, [_normal_name(v) for v in formula.variables])


def _normal_name(name: str) -> str:
    # `ŷ` in a formula's variables must match the `y_hat` the reader makes of it in the expression
    from tutor.expr.lexer import lex

    tokens, error = lex(name, 20)
    if error is None and len(tokens) == 2 and tokens[0].kind == "name":
        return str(tokens[0].text)
    return name


@dataclass
class PlotFunctions:
    functions: dict[str, FunctionDef]
    problems: list[tuple[str, str]]


def scalars(values: Mapping[str, Any] | None) -> dict[str, float]:
    """The lesson's values a curve may use: numbers (a fixed vector cannot follow the x axis)."""
    import numpy as np

    return {k: float(v) for k, v in (values or {}).items() if np.ndim(v) == 0}


def _names(plot: m.Plot, values: Mapping[str, Any] | None) -> list[str]:
    return [plot.x, *plot.controls, *scalars(values)]


def plot_functions(plot: m.Plot, values: Mapping[str, Any] | None = None) -> PlotFunctions:
    functions, problems = declared_functions(plot.functions, _names(plot, values))
    return PlotFunctions(functions, problems)


def curve_tree(
    plot: m.Plot, curve: m.Curve, functions: dict[str, FunctionDef], values: Mapping[str, Any] | None = None
) -> Node:
    """Raises ReadError. A curve sees the x variable, the controls and the lesson's numbers."""
    return parse_author(curve.y, _names(plot, values), functions.keys())


@dataclass
class Series:
    label: str
    ys: Any  # numpy array; NaN where the curve is undefined


def plot_series(
    plot: m.Plot,
    controls: dict[str, float] | None = None,
    points: int = 201,
    values: Mapping[str, Any] | None = None,
) -> tuple[Any, list[Series]]:
    """x values and each readable curve's y values, with controls at `controls` (else their value)."""
    import numpy as np

    lo, hi = plot.range
    xs = np.linspace(lo, hi, points)
    out = []
    for label, value in _curves_at(plot, xs, controls, values):
        ys = np.asarray(value, dtype=float)
        if ys.shape != xs.shape:
            ys = np.broadcast_to(ys, xs.shape).astype(float)
        ys = np.where(np.isfinite(ys), ys, np.nan)
        out.append(Series(label, ys))
    return xs, out


def values_at(
    plot: m.Plot,
    x: float,
    controls: dict[str, float] | None = None,
    values: Mapping[str, Any] | None = None,
) -> list[tuple[str, float]]:
    """Each readable curve's value at one x (NaN where undefined)."""
    import math

    out = []
    for label, value in _curves_at(plot, x, controls, values):
        try:
            number = float(value)
        except TypeError:
            continue
        out.append((label, number if math.isfinite(number) else float("nan")))
    return out


def _curves_at(
    plot: m.Plot, x: Any, controls: dict[str, float] | None, values: Mapping[str, Any] | None
) -> list[tuple[str, Any]]:
    """(label, value) of each curve that can be read and computed, with the controls set."""
    env: dict[str, Any] = {**scalars(values), plot.x: x}
    for name, control in plot.controls.items():
        env[name] = (controls or {}).get(name, control.value)
    functions = plot_functions(plot, values).functions
    out = []
    spent = 0  # the app draws on its screen's thread: all the curves together are capped
    for curve in plot.curves:
        try:
            tree = curve_tree(plot, curve, functions, values)
            spent += expanded_size(tree, functions)
            if spent > MAX_EXPANDED:
                break  # not drawn, and said by `tutor check`
            out.append((curve.label, evaluate(tree, env, functions)))
        except (ReadError, EvalError, ValueError):
            continue
    return out
