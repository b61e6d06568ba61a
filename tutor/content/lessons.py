"""What a lesson shows, computed from its YAML: values, filled bodies, formulas and plot curves.

Shared by the app (which draws them) and `tutor check` (which reports what cannot be computed),
so that a lesson that passes the check renders the same numbers the learner sees.
"""

from __future__ import annotations

import math
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


# ---------------------------------------------------------------- what a curve leaves out

MUCH_UNDEFINED = 0.5  # `tutor check` warns for a curve undefined over this share of its range


@dataclass
class Coverage:
    """Where one curve can be drawn, at one setting of the controls."""

    defined: Any  # numpy bool array: finite at each x
    shown: Any  # numpy bool array: finite and inside y_range
    gaps: list[tuple[float, float]]  # x spans (first and last sample) where it is undefined

    @property
    def share_defined(self) -> float:
        return float(self.defined.mean()) if self.defined.size else 0.0


def coverage(xs: Any, ys: Any, y_range: tuple[float, float] | None) -> Coverage:
    """Which of the points `ys` at `xs` are defined, and which of those fall inside `y_range`."""
    import numpy as np

    ys = np.asarray(ys, dtype=float)
    defined = np.isfinite(ys)
    shown = defined.copy()
    if y_range is not None:
        with np.errstate(invalid="ignore"):
            shown &= (ys >= y_range[0]) & (ys <= y_range[1])
    gaps: list[tuple[float, float]] = []
    start: int | None = None
    for i, ok in enumerate(defined.tolist()):
        if not ok and start is None:
            start = i
        elif ok and start is not None:
            gaps.append((float(xs[start]), float(xs[i - 1])))
            start = None
    if start is not None:
        gaps.append((float(xs[start]), float(xs[-1])))
    return Coverage(defined, shown, gaps)


def number_text(value: float) -> str:
    """A number as a lesson shows it: 4 significant digits, no float noise."""
    from tutor.content.variants import format_value

    if value != value:
        return "undefined"
    return format_value(float(f"{value:.4g}"))


def settings_text(controls: Mapping[str, float]) -> str:
    """`q = 0, k = 2`: the controls' values as the learner sees them."""
    return ", ".join(f"{name} = {number_text(v)}" for name, v in controls.items())


def gaps_text(x: str, gaps: list[tuple[float, float]], most: int = 3) -> str:
    """`x = 0` for a single point, `x from −9 to −0.05` for a span; the first `most` of them."""
    parts = [
        f"{x} = {number_text(a)}" if a == b else f"{x} from {number_text(a)} to {number_text(b)}"
        for a, b in gaps
    ]
    more = len(parts) - most
    return ", ".join(parts[:most]) + (f" and {more} more" if more > 0 else "")


def missing_text(plot: m.Plot, cov: Coverage, controls: Mapping[str, float]) -> str | None:
    """What a learner should be told about a curve that is not all drawn, or None when it is."""
    if not cov.defined.any():
        if controls:
            return f"undefined for {settings_text(controls)}"
        return "undefined over the whole range"
    if not cov.shown.any() and plot.y_range is not None:
        lo, hi = plot.y_range
        return f"outside the plot (which shows {number_text(lo)} to {number_text(hi)})"
    if cov.gaps:
        return f"undefined at {gaps_text(plot.x, cov.gaps)}"
    return None


def control_settings(plot: m.Plot, most: int = 100) -> list[dict[str, float]]:
    """Settings of the controls `tutor check` tries: every combination of their steps when there
    are few, else each control across its steps with the others at their starting value."""
    import itertools

    import numpy as np

    steps: dict[str, list[float]] = {}
    for name, c in plot.controls.items():
        if not c.min < c.max:
            steps[name] = [c.value]
            continue
        count = math.floor((c.max - c.min) / c.step + 1e-9) + 1
        values = [round(c.min + k * c.step, 10) for k in range(min(count, 1000))]
        if len(values) > 20:  # a fine control: a spread of its steps, its ends included
            values = [values[int(k)] for k in np.linspace(0, len(values) - 1, 20)]
        steps[name] = sorted({*values, c.min, c.max, c.value})
    start = {name: c.value for name, c in plot.controls.items()}
    total = math.prod(len(v) for v in steps.values())
    if total <= most:
        combos = [dict(zip(steps, combo, strict=True)) for combo in itertools.product(*steps.values())]
        return [start, *(c for c in combos if c != start)]
    out = [start]
    for name, values in steps.items():
        out += [{**start, name: v} for v in values if v != start[name]]
    return out


DRAWN_LIMIT = 1e12  # beyond this a value is off any plot a terminal draws; plotext overflows on 1e300


def drawable(ys: Any, y_range: tuple[float, float] | None) -> list[float | None]:
    """A curve's values as plotext can draw them: None where undefined, and each value brought
    within reach of the plot, so that plotext never draws a line thousands of screens long (its
    lines are drawn point by point, in memory) nor overflows on an enormous one."""
    import numpy as np

    ys = np.asarray(ys, dtype=float)
    out = np.clip(ys, -DRAWN_LIMIT, DRAWN_LIMIT)
    if y_range is not None:
        lo, hi = y_range
        span = hi - lo
        out = np.clip(out, lo - span, hi + span)  # a steep curve still reaches the edge
    return [float(y) if ok else None for y, ok in zip(out.tolist(), np.isfinite(ys).tolist(), strict=True)]
