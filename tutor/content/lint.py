"""The checks an instructor's course needs beyond "it loads and computes": things that pass
validation but that a learner would trip over (an empty option, a mistake equal to an accepted
answer, a parameter that never varies, a vector answer that does not sum to its `sums_to`).

Each check is a small function; `checks.check_course` calls `lint_head` once and `lint_entry`
for each question (as its other findings come in). Per-kind
checks are listed in `_PER_KIND`, keyed by question type, so that they can move into the
question-kind modules as they appear.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from tutor.content import model as m
from tutor.content.diagnostics import Diagnostic
from tutor.content.loader import Course, LoadedLesson, QuestionEntry
from tutor.content.seeds import ANSWER_KEY_SEEDS, DEFAULT_SEEDS
from tutor.content.yamlsource import Path as DataPath

# Fewer distinct variants than this, and a retry shows the learner the same numbers again.
MIN_VARIANTS = 3
# Below this many draws, a parameter with few values can look constant by chance (2 values: 2^-19).
ENOUGH_DRAWS = 20
# A curve finite on less than this share of its plotted range is mostly blank.
MIN_PLOTTED_SHARE = 0.5

__all__ = ["ANSWER_KEY_SEEDS", "DEFAULT_SEEDS", "lint_entry", "lint_head"]

_DRAWN = (m.Uniform, m.Integers, m.Choice, m.ArrayDraw)


def seeds_for(q: Any, seeds: int) -> int:
    """How many variants of `q` are worth drawing: one that draws nothing is the same on every
    seed, so the answer key's seeds are enough."""
    if any(isinstance(spec, _DRAWN) for spec in q.params.values()):
        return seeds
    return min(seeds, ANSWER_KEY_SEEDS)


def warning(d: Diagnostic) -> Diagnostic:
    return replace(d, severity="warning")


class _Out:
    """Diagnostics about one question, at paths inside it."""

    def __init__(self, entry: QuestionEntry) -> None:
        self.entry = entry
        self.found: list[Diagnostic] = []

    def error(self, sub: DataPath, message: str, key: bool = False) -> None:
        smap = self.entry.source.smap
        full = (*self.entry.path, *sub)
        pos = smap.key_pos(full) if key else smap.pos(full)
        self.found.append(self.entry.source.diag(pos, message, self.entry.where()))

    def warn(self, sub: DataPath, message: str, key: bool = False) -> None:
        self.error(sub, message, key)
        self.found[-1] = warning(self.found[-1])


# ---------------------------------------------------------------- every question


def _prompt_and_solution(q: Any, out: _Out) -> None:
    if not q.prompt.strip():
        out.error(("prompt",), "the prompt is empty")
    if q.solution is None or not q.solution.strip():
        out.warn(
            ("id",),
            "no worked solution: add `solution:` (learners who ask for one are shown nothing)",
        )


def _hint_penalties(q: Any, out: _Out) -> None:
    groups: list[tuple[DataPath, list[Any]]] = [((), q.hints)]
    groups += [(("steps", i), step.hints) for i, step in enumerate(getattr(q, "steps", []))]
    for base, hints in groups:
        total = sum(h.penalty for h in hints)
        if total > 1 + 1e-9:
            where = "" if not base else f" of step {int(base[1]) + 1}"
            out.error(
                (*base, "hints"),
                f"the hint penalties{where} add up to {total:g}: revealing every hint would cost "
                "more than the whole score (keep their sum at most 1)",
                key=True,
            )


def _forbid_names(q: Any, out: _Out) -> None:
    from tutor.expr import BUILTIN_FUNCTIONS, CONSTANTS

    known = {*BUILTIN_FUNCTIONS, *CONSTANTS, *q.params, *(getattr(q, "variables", {}) or {})}
    known |= {name.split("(")[0].strip() for name in getattr(q, "functions", {}) or {}}
    for i, name in enumerate(getattr(q, "forbid", [])):
        if name not in known:
            from tutor.content.checks import _suggest

            out.error(
                ("forbid", i),
                f"forbid names `{name}`, which the expression language does not know, so no answer "
                "can use it" + _suggest(name, known),
            )


# ---------------------------------------------------------------- per kind


def _choice(q: m.ChoiceQuestion, out: _Out) -> None:
    seen: dict[str, int] = {}
    for i, option in enumerate(q.options):
        text = " ".join(option.text.split())
        if not text:
            out.error(("options", i, "text"), f"option {i + 1} has no text")
            continue
        key = text.casefold()
        if key in seen:
            out.error(
                ("options", i, "text"),
                f"option {i + 1} has the same text as option {seen[key] + 1}: "
                "learners cannot tell them apart",
            )
        else:
            seen[key] = i


def _text(q: m.TextQuestion, out: _Out) -> None:
    def norm(s: str) -> str:
        s = " ".join(s.split())
        return s if q.case_sensitive else s.casefold()

    accepted = {norm(a) for a in q.accept}
    for i, mistake in enumerate(q.mistakes):
        if norm(mistake.answer) in accepted:
            out.error(
                ("mistakes", i, "answer"),
                f"mistake `{mistake.answer}` is also an accepted answer, so it is never reached",
            )


def _derivation(q: m.DerivationQuestion, out: _Out) -> None:
    from tutor.content.expressions import parse_author
    from tutor.expr import ReadError, free_names

    for i, step in enumerate(q.steps):
        if step.follows is None:
            continue
        earlier = [f"step{k}" for k in range(1, i + 1)]
        if i == 0:
            out.error(("steps", i, "follows"), "the first step has no earlier step to follow")
            continue
        names = [*q.params, *q.variables, *earlier]
        try:
            tree = parse_author(step.follows, names, [k.split("(")[0].strip() for k in q.functions])
        except ReadError:
            continue  # reported by the static checks
        if not free_names(tree) & set(earlier):
            out.error(
                ("steps", i, "follows"),
                f"`follows` uses no earlier step ({', '.join(earlier)}): write this step's answer in "
                "terms of the step it depends on",
            )


_PER_KIND: dict[str, Callable[[Any, _Out], None]] = {
    "choice": _choice,
    "text": _text,
    "derivation": _derivation,
}


def lint_question(entry: QuestionEntry) -> list[Diagnostic]:
    """Static checks on one validated question."""
    q = entry.question
    out = _Out(entry)
    _prompt_and_solution(q, out)
    _hint_penalties(q, out)
    _forbid_names(q, out)
    per_kind = _PER_KIND.get(q.type)
    if per_kind is not None:
        per_kind(q, out)
    return out.found


# ---------------------------------------------------------------- over variants


def lint_variants(entry: QuestionEntry, seeds: int) -> list[Diagnostic]:
    """Checks over `seeds` drawn variants of a question whose variants all compute."""
    q = entry.question
    out = _Out(entry)
    try:
        _drawn_params(q, seeds, out)
        if isinstance(q, m.VectorQuestion) and (q.sums_to is not None or q.nonnegative):
            _vector_key(q, seeds, out)
    except ValueError:
        pass  # a variant that cannot be drawn is reported by the seed checks
    return out.found


def _drawn_params(q: Any, seeds: int, out: _Out) -> None:
    """Parameters that never vary, and questions with too few distinct variants."""
    from tutor.content.expressions import question_scope
    from tutor.content.variants import draw_params, format_value

    drawn = [name for name, spec in q.params.items() if isinstance(spec, _DRAWN)]
    if not drawn or seeds < ENOUGH_DRAWS:
        return
    scope = question_scope(q)
    shown: dict[str, set[str]] = {name: set() for name in drawn}
    distinct: set[tuple[str, ...]] = set()
    for seed in range(seeds):
        values = draw_params(q.params, q.id, seed, scope)
        row = tuple(format_value(values[name]) for name in drawn)
        distinct.add(row)
        for name, text in zip(drawn, row, strict=True):
            shown[name].add(text)
        if len(distinct) >= MIN_VARIANTS and all(len(v) > 1 for v in shown.values()):
            return  # enough seen: nothing to report
    for name in drawn:
        if len(shown[name]) == 1:
            out.warn(
                ("params", name),
                f"parameter `{name}` is {next(iter(shown[name]))} in all {seeds} variants drawn: "
                "widen its range (or make it a constant)",
            )
    if 1 < len(distinct) < MIN_VARIANTS:
        out.warn(
            ("params",),
            f"only {len(distinct)} distinct variants in {seeds} draws: a retry often shows the "
            f"same numbers again (aim for at least {MIN_VARIANTS})",
            key=True,
        )


def _vector_key(q: m.VectorQuestion, seeds: int, out: _Out) -> None:
    """The answer key must meet its own `sums_to` and `nonnegative`, or right answers are refused."""
    import numpy as np

    from tutor.content.variants import instantiate

    for seed in range(seeds):
        arr = np.asarray(instantiate(q, seed).answer, dtype=float)
        total = float(arr.sum())
        if q.sums_to is not None and not math.isclose(total, q.sums_to, rel_tol=1e-6, abs_tol=1e-9):
            out.error(
                ("sums_to",),
                f"seed {seed}: the answer key breaks its own `sums_to`: its items sum to {total:.6g}, "
                f"not {q.sums_to:g}",
            )
            return
        if q.nonnegative and bool(np.any(arr < 0)):
            out.error(
                ("nonnegative",),
                f"seed {seed}: the answer key breaks its own `nonnegative: true`: it has a negative item",
            )
            return


# ---------------------------------------------------------------- course-wide


def unloaded_file(ref: str, course: Course) -> Path | None:
    """The file that did not load and meant to define `ref`: by its id, or by an id it spells
    another way (`bank: Hinge Loss` for `hinge-loss`), or by its name (hinge-loss.yaml)."""
    import re

    if ref in course.unloaded:
        return course.unloaded[ref]
    for written, file in course.unloaded.items():
        if re.sub(r"[^a-z0-9_]+", "-", written.lower()).strip("-") == ref or file.stem == ref:
            return file
    return None


def consequence(d: Diagnostic, ref: str, course: Course) -> Diagnostic:
    """A reference to an id whose file or question did not load is a consequence of that
    problem: say so, and list it after the causes."""
    file = unloaded_file(ref, course)
    if file is None:
        return d
    shown = replace(d, file=file).display_path()
    quoted = f"`{ref}`"
    head = d.message[: d.message.index(quoted) + len(quoted)] if quoted in d.message else quoted
    message = f"{head}, which did not load: fix {shown} (reported above) first"
    return replace(d, message=message, caused=True)


def lint_ids(course: Course) -> list[Diagnostic]:
    """A question id that is also a bank or lesson id: `tutor quiz ID` could mean either."""
    out: list[Diagnostic] = []
    others = {b.bank.bank: "bank" for b in course.banks}
    others.update({x.lesson.id: "lesson" for x in course.lessons})
    for bank in course.banks:
        for entry in bank.entries:
            kind = others.get(entry.id)
            if kind is not None:
                out.append(
                    entry.source.diag(
                        entry.pos("id"),
                        f"question id `{entry.id}` is also the id of a {kind}: "
                        f"`tutor quiz {entry.id}` takes the {kind}; rename one",
                        entry.where(),
                    )
                )
    return out


def lint_lesson(loaded: LoadedLesson) -> list[Diagnostic]:
    """Plots that show little, at any setting of their controls: a curve undefined over most of
    its range (or all of it, where a control takes it), or wholly outside its `y_range`."""
    import numpy as np

    from tutor.content.lessons import compute_values, control_settings, curve_tree, plot_functions, scalars
    from tutor.expr import ReadError, evaluate

    out: list[Diagnostic] = []
    values = compute_values(loaded.lesson).values
    for i, section in enumerate(loaded.lesson.sections):
        plot = section.plot
        if plot is None or not plot.range[0] < plot.range[1]:
            continue
        fns = plot_functions(plot, values)
        xs = np.linspace(plot.range[0], plot.range[1], 201)
        settings = control_settings(plot)
        start = {k: c.value for k, c in plot.controls.items()}
        for j, curve in enumerate(plot.curves):
            try:
                tree = curve_tree(plot, curve, fns.functions, values)
            except ReadError:
                continue  # reported by the lesson checks
            for setting in settings:
                env: dict[str, Any] = {**scalars(values), plot.x: xs, **setting}
                try:
                    with np.errstate(all="ignore"):
                        ys = np.asarray(evaluate(tree, env, fns.functions), dtype=float)
                    ys = np.broadcast_to(ys, xs.shape)
                except (ReadError, ValueError):
                    break  # reported by the lesson checks
                problem = _plot_problem(plot, ys, setting == start)
                if problem is not None:
                    moved = {k: v for k, v in setting.items() if v != start[k]}
                    when = f" when {_settings(moved)}" if moved else ""
                    at = loaded.source.smap.pos(("sections", i, "plot", "curves", j, "y"))
                    advice = (
                        problem[1].replace("the control's", f"`{'`, `'.join(moved)}`'s")
                        if moved
                        else problem[1]
                    )
                    message = f"curve `{curve.label}` {problem[0]}{when}: {advice}"
                    out.append(warning(loaded.source.diag(at, message, f"lesson '{loaded.lesson.id}'")))
                    break  # one finding a curve: the first setting that shows it
    return out


def _settings(controls: dict[str, float]) -> str:
    from tutor.content.lessons import settings_text

    return settings_text(controls)


def _plot_problem(plot: m.Plot, ys: Any, at_start: bool) -> tuple[str, str] | None:
    """(what is wrong, what to do) for one curve at one setting of the controls, or None."""
    import numpy as np

    finite = np.isfinite(ys)
    share = float(np.mean(finite))
    span = f"[{plot.range[0]:g}, {plot.range[1]:g}]"
    if share == 0:
        if at_start:
            return None  # an error of the lesson checks
        return (
            f"is undefined over the whole plotted range {span}",
            "keep the control's `min` and `max` where the curve is defined",
        )
    if share < MIN_PLOTTED_SHARE:
        return f"is undefined over {1 - share:.0%} of the plotted range {span}", "narrow the range"
    if plot.y_range is not None:
        lo, hi = plot.y_range
        shown = finite & (ys >= lo) & (ys <= hi)
        if not shown.any():
            low, high = float(ys[finite].min()), float(ys[finite].max())
            return (
                f"lies wholly outside y_range [{lo:g}, {hi:g}] (its values run from {low:.4g} to {high:.4g})",
                "widen `y_range` or drop it",
            )
    return None


def lint_head(course: Course) -> list[Diagnostic]:
    """The checks of this module over the whole course and its lessons."""
    return [*lint_ids(course), *(d for loaded in course.lessons for d in lint_lesson(loaded))]


def lint_entry(
    entry: QuestionEntry, seeds: int, clean: Callable[[list[Diagnostic]], bool]
) -> list[Diagnostic]:
    """The checks of this module over one question; the variant checks only when
    `clean(found)` says that the question passed the earlier checks and these (`found`)."""
    found = lint_question(entry)
    if clean(found):
        found += lint_variants(entry, seeds)
    return found
