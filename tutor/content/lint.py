"""The checks an instructor's course needs beyond "it loads and computes": things that pass
validation but that a learner would trip over (an empty option, a mistake equal to an accepted
answer, a parameter that never varies, a vector answer that does not sum to its `sums_to`).

Each check is a small function; `checks.check_course` calls `lint_head` once and `lint_entry`
for each question (as its other findings come in). The checks of one kind of question are its
kind's `lint` (statically) and `lint_variants` (over drawn variants), in `tutor/kinds/`; they
report through `Findings`.
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
# A question weighing more than this many others is most likely a slip (100 for 1.00).
MAX_WEIGHT = 10
# A relative tolerance wider than this accepts values a learner did not work out.
MAX_REL = 0.25
# Fewer random tests than this, and a wrong function can pass them by luck.
MIN_TRIALS = 5
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


class Findings:
    """Diagnostics about one question, at paths inside it."""

    def __init__(self, entry: QuestionEntry) -> None:
        self.entry = entry
        self.found: list[Diagnostic] = []

    def error(self, sub: DataPath, message: str, key: bool = False, offset: int | None = None) -> None:
        smap = self.entry.source.smap
        full = (*self.entry.path, *sub)
        if offset is not None:
            span = smap.spans.get(full)
            if span is not None and span.text is None and (*full, "text") in smap.spans:
                full = (*full, "text")  # a hint written as {text: ..., penalty: ...}
            pos = smap.text_pos(full, offset)
        else:
            pos = smap.key_pos(full) if key else smap.pos(full)
        self.found.append(self.entry.source.diag(pos, message, self.entry.where()))

    def warn(self, sub: DataPath, message: str, key: bool = False, offset: int | None = None) -> None:
        self.error(sub, message, key, offset)
        self.found[-1] = warning(self.found[-1])


# ---------------------------------------------------------------- every question


def _prompt_and_solution(q: Any, out: Findings) -> None:
    if not q.prompt.strip():
        out.error(("prompt",), "the prompt is empty")
    if q.solution is None or not q.solution.strip():
        out.warn(
            ("id",),
            "no worked solution: add `solution:` (learners who ask for one are shown nothing)",
        )


def _hint_groups(q: Any) -> list[tuple[DataPath, list[Any]]]:
    """The question's hints, then each step's, with where they are written."""
    groups: list[tuple[DataPath, list[Any]]] = [((), q.hints)]
    groups += [(("steps", i), step.hints) for i, step in enumerate(getattr(q, "steps", []))]
    return groups


def _hint_penalties(q: Any, out: Findings) -> None:
    groups = _hint_groups(q)
    over = False
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
            over = True
    total = sum(h.penalty for _, hints in groups for h in hints)
    if not over and total > 1 + 1e-9:
        # the quiz shows a question's hints and its steps' hints as one list, costs summed
        first = next(base for base, hints in groups if hints)
        out.error(
            (*first, "hints"),
            f"the hint penalties of the question and its steps add up to {total:g}: revealing "
            "every hint would cost more than the whole score (keep their sum at most 1)",
            key=True,
        )


def _weight(q: Any, out: Findings) -> None:
    if q.weight > MAX_WEIGHT:
        out.warn(
            ("weight",),
            f"`weight: {q.weight:g}` counts this question as much as {q.weight:g} others in the "
            f"quiz score: is that meant? (weights are relative; most are 1, and a few up to {MAX_WEIGHT})",
        )


def _empty_texts(q: Any, out: Findings) -> None:
    """Hints, step prompts and mistake feedback that show the learner nothing."""
    for base, hints in _hint_groups(q):
        step = "" if not base else f"step {int(base[1]) + 1} "
        for j, hint in enumerate(hints):
            if hint.text.strip():
                continue
            if hint.penalty > 0:
                out.error(
                    (*base, "hints", j),
                    f"{step}hint {j + 1} is empty and costs {hint.penalty:.0%}: the learner pays "
                    "for nothing (write the hint, or remove it)",
                )
            else:
                out.warn((*base, "hints", j), f"{step}hint {j + 1} is empty (write it, or remove it)")
    groups: list[tuple[DataPath, list[Any]]] = [((), getattr(q, "mistakes", []))]
    for i, step in enumerate(getattr(q, "steps", [])):
        if not step.prompt.strip():
            out.warn(
                ("steps", i, "prompt"),
                f"step {i + 1} has an empty prompt: the learner sees only its number",
            )
        groups.append((("steps", i), step.mistakes))
    for base, mistakes in groups:
        step = "" if not base else f"step {int(base[1]) + 1} "
        for j, mistake in enumerate(mistakes):
            if not mistake.feedback.strip():
                out.warn(
                    (*base, "mistakes", j, "feedback"),
                    f"{step}mistake {j + 1} has no feedback: a learner who makes it is told nothing about it",
                )


FREE_HINT = (
    "this hint states the answer and costs nothing: a learner reads it and types the answer "
    "(give it a `penalty`, or leave the answer out)"
)


def _free_hints(q: Any, out: Findings) -> None:
    """A hint that costs nothing and shows `{{answer}}`."""
    from tutor.content.variants import PLACEHOLDER

    for base, hints in _hint_groups(q):
        for j, hint in enumerate(hints):
            if hint.penalty > 0:
                continue
            for match in PLACEHOLDER.finditer(hint.text):
                if match.group(1) == "answer":
                    out.warn((*base, "hints", j), FREE_HINT, offset=match.start())
                    break


def _markdown(q: Any, out: Findings) -> None:
    from tutor.content.checks import _texts
    from tutor.content.markup import problems

    for path, text in _texts(q):
        if path[0] == "tests":
            continue  # typed answers, not Markdown
        for offset, message in problems(text):
            out.warn(path, message, offset=offset)


def _forbid_names(q: Any, out: Findings) -> None:
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


def _lms_scores(q: Any, out: Findings) -> None:
    from tutor.content.lms import moodle_grade

    for i, mistake in enumerate(getattr(q, "mistakes", None) or []):
        score = getattr(mistake, "score", None)
        if score is None or moodle_grade(score) == score:
            continue
        out.warn(
            ("mistakes", i, "score"),
            f"score {score:g} is not one Moodle accepts: GIFT and Moodle XML exports write "
            f"{moodle_grade(score):g} (Moodle's scores: 1, 0.9, 0.8333333, 0.8, 0.75, 0.7, 0.6666667, "
            "0.6, 0.5, 0.4, 0.3333333, 0.3, 0.25, 0.2, 0.1666667, 0.1428571, 0.125, 0.1111111, 0.1, "
            "0.05, 0)",
        )


def lint_question(entry: QuestionEntry) -> list[Diagnostic]:
    """Static checks on one validated question."""
    q = entry.question
    out = Findings(entry)
    _prompt_and_solution(q, out)
    _hint_penalties(q, out)
    _forbid_names(q, out)
    _weight(q, out)
    _empty_texts(q, out)
    _free_hints(q, out)
    _markdown(q, out)
    _lms_scores(q, out)
    m.kinds()[q.type].lint(q, out)
    return out.found


# ---------------------------------------------------------------- over variants


def lint_variants(entry: QuestionEntry, seeds: int) -> list[Diagnostic]:
    """Checks over `seeds` drawn variants of a question whose variants all compute."""
    q = entry.question
    out = Findings(entry)
    try:
        _drawn_params(q, seeds, out)
        if isinstance(q, m.VectorQuestion) and (q.sums_to is not None or q.nonnegative):
            _vector_key(q, seeds, out)
        if not out.found:
            from tutor.content.variants import instantiate

            variants = [instantiate(q, seed) for seed in range(seeds_for(q, min(seeds, ENOUGH_DRAWS)))]
            m.kinds()[q.type].lint_variants(q, variants, out)
    except ValueError:
        pass  # a variant that cannot be drawn is reported by the seed checks
    return out.found


def _drawn_params(q: Any, seeds: int, out: Findings) -> None:
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


def _vector_key(q: m.VectorQuestion, seeds: int, out: Findings) -> None:
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
    lessons = {x.lesson.id for x in course.lessons}
    for bank in course.banks:
        # A bank may share its lesson's id (the lesson's quiz is then that bank); it is lost when
        # `tutor quiz ID`, which takes the lesson, leaves some of its questions out.
        bid = bank.bank.bank
        taken = {id(e) for e in course.resolve(bid)} if bid in lessons else set()
        if bid in lessons and not all(id(e) in taken for e in bank.entries):
            out.append(
                warning(
                    bank.source.diag(
                        bank.source.smap.pos(("bank",)),
                        f"bank id `{bid}` is also the id of a lesson, whose quiz leaves this bank "
                        f"out: `tutor quiz {bid}` takes the lesson; rename one (or put the bank in "
                        "that lesson's quiz)",
                        f"bank '{bid}'",
                    )
                )
            )
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
    """Text that will not render as written, and plots that show little at any setting of their
    controls: a curve undefined over most of its range (or all of it, where a control takes it),
    or wholly outside its `y_range`."""
    import numpy as np

    from tutor.content.lessons import compute_values, control_settings, curve_tree, plot_functions, scalars
    from tutor.content.markup import problems
    from tutor.expr import ReadError, evaluate

    out: list[Diagnostic] = []
    values = compute_values(loaded.lesson).values
    for i, section in enumerate(loaded.lesson.sections):
        for offset, message in problems(section.body):
            at = loaded.source.smap.text_pos(("sections", i, "body"), offset)
            out.append(warning(loaded.source.diag(at, message, f"lesson '{loaded.lesson.id}'")))
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


def _circle(requires: dict[str, list[str]], start: str) -> list[str] | None:
    """A path of prerequisites from `start` that comes back to a lesson on it, or None."""
    path: list[str] = []
    done: set[str] = set()

    def visit(lid: str) -> list[str] | None:
        if lid in path:
            return [*path[path.index(lid) :], lid]
        if lid not in requires or lid in done:
            return None
        path.append(lid)
        for ref in requires[lid]:
            if ref != lid:  # a lesson requiring itself is reported by the reference checks
                found = visit(ref)
                if found is not None:
                    return found
        path.pop()
        done.add(lid)
        return None

    return visit(start)


def lint_cycles(course: Course) -> list[Diagnostic]:
    """Prerequisites that go round in a circle: no lesson of the circle can ever be first."""
    lessons = {x.lesson.id: x for x in course.lessons}
    requires = {lid: list(x.lesson.prerequisites) for lid, x in lessons.items()}
    out: list[Diagnostic] = []
    reported: set[str] = set()
    for start in lessons:
        circle = _circle(requires, start)
        if circle is None or set(circle) & reported:
            continue
        reported.update(circle)
        loaded = lessons[circle[0]]
        i = loaded.lesson.prerequisites.index(circle[1])
        out.append(
            loaded.source.diag(
                loaded.source.smap.pos(("prerequisites", i)),
                f"prerequisites go round in a circle ({' → '.join(circle)}): none of these lessons "
                "can be taken first; remove one of the links",
                f"lesson '{circle[0]}'",
            )
        )
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
    return [
        *lint_ids(course),
        *lint_cycles(course),
        *(d for loaded in course.lessons for d in lint_lesson(loaded)),
    ]


def lint_entry(
    entry: QuestionEntry, seeds: int, clean: Callable[[list[Diagnostic]], bool]
) -> list[Diagnostic]:
    """The checks of this module over one question; the variant checks only when
    `clean(found)` says that the question passed the earlier checks and these (`found`)."""
    found = lint_question(entry)
    if clean(found):
        found += lint_variants(entry, seeds)
    return found
