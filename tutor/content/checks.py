"""Everything `tutor check` can find without grading: references, names, placeholders, and
what each question computes on a range of seeds.

Each finding is a Diagnostic at the file, line and column an instructor needs to edit.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tutor.content import model as m
from tutor.content.diagnostics import Diagnostic, sort_key
from tutor.content.expressions import declared_functions, parse_author
from tutor.content.lessons import (
    bad_format_specs,
    compute_values,
    curve_tree,
    formula_tree,
    plot_functions,
    scalars,
    unknown_placeholders,
)
from tutor.content.lint import consequence, lint_entry, lint_head, seeds_for
from tutor.content.loader import Course, LoadedLesson, QuestionEntry, SourceFile
from tutor.content.variants import (
    PLACEHOLDER,
    VariantError,
    format_value,
    instantiate,
    reused_variants,
)
from tutor.content.yamlsource import Path as DataPath
from tutor.expr import MAX_EXPANDED, ReadError, evaluate, expanded_size, free_names
from tutor.expr.suggest import did_you_mean


@dataclass
class CheckReport:
    diagnostics: list[Diagnostic]
    lessons: int
    banks: int
    questions: int
    seeds: int

    @property
    def errors(self) -> int:
        return sum(d.severity == "error" for d in self.diagnostics)

    @property
    def warnings(self) -> int:
        return sum(d.severity == "warning" for d in self.diagnostics)


def _suggest(name: str, known: Iterable[str]) -> str:
    return did_you_mean(name, known)


# ---------------------------------------------------------------- course-wide references


def check_references(course: Course) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    seen_lessons: dict[str, LoadedLesson] = {}
    for loaded in course.lessons:
        lid = loaded.lesson.id
        if lid in seen_lessons:
            first = seen_lessons[lid].source
            out.append(_dup(loaded.source, ("id",), "lesson", lid, first, ("id",)))
        else:
            seen_lessons[lid] = loaded
    seen_banks: dict[str, SourceFile] = {}
    seen_questions: dict[str, QuestionEntry] = {}
    for bank in course.banks:
        bid = bank.bank.bank
        if bid in seen_banks:
            out.append(_dup(bank.source, ("bank",), "bank", bid, seen_banks[bid], ("bank",)))
        else:
            seen_banks[bid] = bank.source
        if bank.bank.lesson is not None and bank.bank.lesson not in seen_lessons:
            pos = bank.source.smap.pos(("lesson",))
            out.append(
                bank.source.diag(
                    pos,
                    f"`lesson: {bank.bank.lesson}` names no lesson in the course"
                    + _suggest(bank.bank.lesson, seen_lessons),
                    f"bank '{bid}'",
                )
            )
            out[-1] = consequence(out[-1], bank.bank.lesson, course)
        for entry in bank.entries:
            if entry.id in seen_questions:
                earlier = seen_questions[entry.id]
                out.append(
                    _dup(
                        entry.source,
                        (*entry.path, "id"),
                        "question",
                        entry.id,
                        earlier.source,
                        (*earlier.path, "id"),
                    )
                )
            else:
                seen_questions[entry.id] = entry
    names = {**{k: "question" for k in seen_questions}, **{k: "bank" for k in seen_banks}}
    for loaded in course.lessons:
        lesson = loaded.lesson
        where = f"lesson '{lesson.id}'"
        for i, ref in enumerate(lesson.quiz):
            if ref not in names:
                out.append(
                    loaded.source.diag(
                        loaded.source.smap.pos(("quiz", i)),
                        f"quiz names `{ref}`, which is neither a question nor a bank" + _suggest(ref, names),
                        where,
                    )
                )
                out[-1] = consequence(out[-1], ref, course)
        for i, ref in enumerate(lesson.prerequisites):
            if ref not in seen_lessons:
                out.append(
                    loaded.source.diag(
                        loaded.source.smap.pos(("prerequisites", i)),
                        f"prerequisite `{ref}` names no lesson" + _suggest(ref, seen_lessons),
                        where,
                    )
                )
                out[-1] = consequence(out[-1], ref, course)
            elif ref == lesson.id:
                out.append(
                    loaded.source.diag(
                        loaded.source.smap.pos(("prerequisites", i)),
                        "a lesson cannot require itself",
                        where,
                    )
                )
    return out


def _dup(
    source: SourceFile,
    path: DataPath,
    kind: str,
    ident: str,
    first: SourceFile,
    first_path: DataPath,
) -> Diagnostic:
    at = first.smap.pos(first_path)
    where_first = Diagnostic(first.path, at.line, at.col, "").display_path()
    return source.diag(
        source.smap.pos(path),
        f"{kind} id `{ident}` is already used at {where_first}:{at.line}:{at.col}",
        f"{kind} '{ident}'",
    )


# ---------------------------------------------------------------- one question, statically


class _Reporter:
    def __init__(self, entry: QuestionEntry) -> None:
        self.entry = entry
        self.found: list[Diagnostic] = []
        self.names: list[str] = []  # the parameters and variables, once read
        self.fnames: list[str] = []

    def at(self, sub: DataPath, message: str, offset: int | None = None, key: bool = False) -> None:
        smap = self.entry.source.smap
        full = (*self.entry.path, *sub)
        if offset is not None:
            span = smap.spans.get(full)
            if span is not None and span.text is None and (*full, "text") in smap.spans:
                full = (*full, "text")  # a hint written as {text: ..., penalty: ...}
            pos = smap.text_pos(full, offset)
        elif key:
            pos = smap.key_pos(full)
        else:
            pos = smap.pos(full)
        self.found.append(self.entry.source.diag(pos, message, self.entry.where()))

    def expr(self, sub: DataPath, text: str, extra: Iterable[str], what: str) -> Any:
        """Read an author expression that may use the question's names and `extra` ones."""
        return _expr(self, sub, text, [*self.names, *extra], self.fnames, what)


def _expr(
    report: _Reporter,
    sub: DataPath,
    text: str,
    names: Iterable[str],
    functions: Iterable[str],
    what: str,
) -> Any:
    try:
        return parse_author(text, names, functions)
    except ReadError as exc:
        hint = f"; {exc.hint}" if exc.hint else ""
        report.at(sub, f"{what}: {exc.message}{hint}", offset=exc.position)
        return None


def _texts(q: Any) -> Iterator[tuple[DataPath, str]]:
    """Every Markdown field of a question that may hold placeholders."""
    yield ("prompt",), q.prompt
    if q.solution:
        yield ("solution",), q.solution
    for i, h in enumerate(q.hints):
        yield ("hints", i), h.text
    for i, mk in enumerate(getattr(q, "mistakes", [])):
        yield ("mistakes", i, "feedback"), mk.feedback
    for i, opt in enumerate(getattr(q, "options", [])):
        yield ("options", i, "text"), opt.text
        if opt.feedback:
            yield ("options", i, "feedback"), opt.feedback
    for i, step in enumerate(getattr(q, "steps", [])):
        yield ("steps", i, "prompt"), step.prompt
        for j, h in enumerate(step.hints):
            yield ("steps", i, "hints", j), h.text
        for j, mk in enumerate(step.mistakes):
            yield ("steps", i, "mistakes", j, "feedback"), mk.feedback
    if isinstance(getattr(q, "model_answer", None), str):
        yield ("model_answer",), q.model_answer
    for i, t in enumerate(q.tests):
        yield ("tests", i, "answer"), t.answer


def check_question(entry: QuestionEntry) -> list[Diagnostic]:
    q = entry.question
    report = _Reporter(entry)
    params: list[str] = []
    every = list(q.params)
    for name, spec in q.params.items():
        if isinstance(spec, m.Computed):
            tree = _expr(report, ("params", name, "expr"), spec.expr, every, (), f"parameter `{name}`")
            later = sorted(free_names(tree) - set(params)) if tree is not None else []
            if later:
                report.at(
                    ("params", name, "expr"),
                    f"parameter `{name}` uses `{later[0]}`, which is defined after it: "
                    "a parameter can only use the ones above it",
                )
        params.append(name)
    variables = list(getattr(q, "variables", {}) or {})
    for v in variables:
        if v in params:
            report.at(("variables", v), f"`{v}` is both a parameter and a variable", key=True)
    functions: dict[str, Any] = {}
    declared = getattr(q, "functions", {}) or {}
    if declared:
        functions, problems = declared_functions(declared, (*params, *variables))
        for key, problem in problems:
            report.at(("functions", key), f"function `{key}`: {problem}")
    kind = m.kinds()[q.type]
    params = [*params, *kind.extra_names(q)]
    values = [*params, *variables]
    fnames = list(functions)
    report.names, report.fnames = values, fnames
    for found in kind.author_exprs(q):
        # symbolic answers use the learner's variables; a value's only the parameters
        _expr(report, found.path, found.text, values if kind.symbolic else params, fnames, found.what)
    kind.check_static(q, report)
    shown = _check_values(report, q, params, variables, fnames)
    allowed = set(params) | ({"answer"} if kind.has_answer_value(q) else set()) | set(shown)
    for path, text in _texts(q):
        for match in PLACEHOLDER.finditer(text):
            name = match.group(1)
            if name not in allowed:
                where = "" if name != "answer" else " (this question type has no computed answer)"
                report.at(
                    path,
                    f"placeholder `{{{{{name}}}}}` names no parameter{where}" + _suggest(name, allowed),
                    offset=match.start(),
                )
            elif name == "answer" and path[-1] in ("prompt", "text") and path[0] not in ("hints", "steps"):
                report.at(
                    path,
                    "`{{answer}}` in the prompt gives the answer away: the learner reads it before "
                    "answering (show it in the solution or feedback instead)",
                    offset=match.start(),
                )
            elif name in shown and path[-1] in ("prompt", "text") and path[0] != "hints":
                report.at(
                    path,
                    f"placeholder `{{{{{name}}}}}`: `values` are for the solution, hints and feedback; "
                    "shown before the answer, a value can give it away (make it a parameter)",
                    offset=match.start(),
                )
    return report.found


def _check_values(
    report: _Reporter, q: Any, params: list[str], variables: list[str], fnames: list[str]
) -> list[str]:
    """The question's `values`: readable, in order, and named apart from everything else."""
    answer = ["answer"] if m.kinds()[q.type].computes_answer else []
    taken = {*params, *variables, "answer"}
    seen: list[str] = []
    for name, text in q.values.items():
        if name in taken:
            what = "the computed answer" if name == "answer" else "a parameter or variable"
            report.at(("values", name), f"value `{name}` has the name of {what}", key=True)
        tree = _expr(report, ("values", name), text, [*params, *answer, *q.values], fnames, f"value `{name}`")
        later = sorted(free_names(tree) - {*params, *answer, *seen}) if tree is not None else []
        if later:
            report.at(
                ("values", name),
                f"value `{name}` uses `{later[0]}`, which is defined after it: "
                "a value can only use the parameters, `answer` and the values above it",
            )
        seen.append(name)
    return seen


# ---------------------------------------------------------------- one question, over seeds


def check_seeds(entry: QuestionEntry, seeds: int) -> list[Diagnostic]:
    """Draw `seeds` variants and check that every computed value is finite and every
    placeholder fills. Stops at the first failing seed: one message per cause is enough."""
    import numpy as np

    q = entry.question
    report = _Reporter(entry)
    for seed in range(seeds):
        try:
            variant = instantiate(q, seed)
        except VariantError as exc:
            report.at(exc.field, f"seed {seed}: {exc}")
            return report.found
        except (ReadError, ValueError):
            return report.found  # already reported by the static checks
        shown = ", ".join(f"{k}={format_value(v)}" for k, v in variant.values.items())
        at_seed = f"seed {seed}" + (f" ({shown})" if shown else "")
        for name, value in variant.shown.items():
            if isinstance(value, str) or not np.all(np.isfinite(np.asarray(value, dtype=float))):
                why = _why_not_finite(q, name, variant)
                report.at(("values", name), f"{at_seed}: value `{name}` is {_what(value)}, not finite{why}")
                return report.found
        problem = m.kinds()[q.type].check_seed(q, variant)
        if problem is not None:
            path, message = problem
            report.at(path, f"{at_seed}: {message}")
            return report.found
        for path, text in _texts(q):
            for match in PLACEHOLDER.finditer(text):
                spec = match.group(2)
                name = match.group(1)
                value = variant.shown.get(
                    name, variant.values.get(name, variant.answer if name == "answer" else None)
                )
                if spec and value is not None:
                    try:
                        format_value(value, spec)
                    except (ValueError, TypeError):
                        report.at(
                            path,
                            f"placeholder format `:{spec}` does not fit {_what(value)}",
                            offset=match.start(),
                        )
                        return report.found
    return report.found


def _safe(fn: Callable[[], Any]) -> Any:
    try:
        return fn()
    except (ValueError, ReadError):
        return None


def _finite_scalar(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


_LOGS = {"log", "ln", "log10", "log2"}


def _why_not_finite(q: Any, name: str, variant: Any) -> str:
    """`: log(1 − q) is the log of 0 when q = 1; narrow the range of `q` …`: the innermost part
    of a value's formula that is not finite, for which parameters, and what to do; or ""."""
    import numpy as np

    from tutor.expr import BinOp, Call, Name, render, walk
    from tutor.expr.nodes import children

    params = dict(variant.values)
    env = {**params, "answer": variant.answer, **variant.shown}
    try:
        tree = parse_author(q.values[name], list(env))
    except (ReadError, KeyError):
        return ""

    def value_of(node: Any) -> Any:
        try:
            with np.errstate(all="ignore"):
                return np.asarray(evaluate(node, env), dtype=float)
        except Exception:  # a part that cannot be computed is no culprit
            return None

    def finite(node: Any) -> bool:
        got = value_of(node)
        return got is not None and bool(np.all(np.isfinite(got)))

    # Innermost first: walk lists a node before its parts, so the last culprit found is deepest.
    culprit = None
    for node in walk(tree):
        if not isinstance(node, Name) and not finite(node) and all(finite(c) for c in children(node)):
            culprit = node
    if culprit is None:
        return ""
    because = ""
    if isinstance(culprit, Call) and culprit.func in _LOGS and culprit.args:
        arg = value_of(culprit.args[0])
        because = (
            " is the log of 0" if arg is not None and np.any(arg == 0) else " is the log of a negative number"
        )
    elif isinstance(culprit, Call) and culprit.func == "sqrt":
        because = " is the square root of a negative number"
    elif isinstance(culprit, BinOp) and culprit.op == "/":
        because = " divides by 0"
    else:
        because = " is not finite"
    used = [n for n in dict.fromkeys(x.name for x in walk(culprit) if isinstance(x, Name)) if n in params]
    drawn = [n for n in used if n in q.params]
    when = " when " + ", ".join(f"{n} = {format_value(params[n])}" for n in used) if used else ""
    advice = (
        "; narrow the range of " + ", ".join(f"`{n}`" for n in drawn) + " to keep it away from there"
        if drawn
        else ""
    )
    return f": `{render(culprit)}`{because}{when}{advice}"


def _what(value: Any) -> str:
    if value is None:
        return "not computable"
    if hasattr(value, "shape") and getattr(value, "ndim", 0) > 0:
        return f"an array of shape {value.shape}"
    return format_value(value)


# ---------------------------------------------------------------- lessons


def check_lesson(loaded: LoadedLesson) -> list[Diagnostic]:

    out: list[Diagnostic] = []
    where = f"lesson '{loaded.lesson.id}'"
    smap = loaded.source.smap

    def report(pos: Any, message: str) -> None:
        out.append(loaded.source.diag(pos, message, where))

    computed = compute_values(loaded.lesson)
    for problem in computed.problems:
        path: DataPath = ("values", problem.name)
        pos = smap.text_pos(path, problem.position) if problem.position is not None else smap.pos(path)
        report(pos, f"value `{problem.name}`: {problem.message}")
    known = set(loaded.lesson.values)  # a broken value is reported once, not at every use
    for i, section in enumerate(loaded.lesson.sections):
        body_path: DataPath = ("sections", i, "body")
        for name, offset in unknown_placeholders(section.body, computed.values):
            if name not in known:
                suggestion = _suggest(name, known)
                message = f"unknown value `{{{{{name}}}}}` in the text{suggestion}"
                report(smap.text_pos(body_path, offset), message)
        for text, offset, error in bad_format_specs(section.body, computed.values):
            report(smap.text_pos(body_path, offset), f"`{text}` cannot be formatted: {error}")
        for j, formula in enumerate(section.formulas):
            try:
                formula_tree(formula)
            except ReadError as exc:
                hint = f"; {exc.hint}" if exc.hint else ""
                formula_pos = smap.pos(("sections", i, "formulas", j))
                report(formula_pos, f"formula `{formula.expr}`: {exc.message}{hint}")
        plot = section.plot
        if plot is not None:
            _check_plot(loaded, plot, ("sections", i, "plot"), report, computed.values)
    return out


def _check_plot(
    loaded: LoadedLesson,
    plot: m.Plot,
    base: DataPath,
    report: Callable[[Any, str], None],
    values: dict[str, Any],
) -> None:
    import numpy as np

    smap = loaded.source.smap
    lo, hi = plot.range
    if not lo < hi:
        report(smap.pos((*base, "range")), "plot range needs low < high")
        return
    if plot.y_range is not None and not plot.y_range[0] < plot.y_range[1]:
        report(smap.pos((*base, "y_range")), "y_range needs low < high")
    for name, c in plot.controls.items():
        control_pos = smap.pos((*base, "controls", name))
        if not c.min < c.max:
            report(control_pos, f"control `{name}`: min must be below max")
        elif not (c.min <= c.value <= c.max):
            report(control_pos, f"control `{name}`: value must lie between min and max")
    if plot.title:
        for name, offset in unknown_placeholders(plot.title, values):
            report(
                smap.text_pos((*base, "title"), offset), f"unknown value `{{{{{name}}}}}` in the plot title"
            )
    fns = plot_functions(plot, values)
    for key, problem in fns.problems:
        report(smap.pos((*base, "functions", key)), f"function `{key}`: {problem}")
    xs = np.linspace(lo, hi, 201)
    env: dict[str, Any] = {**scalars(values), plot.x: xs, **{k: c.value for k, c in plot.controls.items()}}
    spent = 0  # what the app evaluates on its screen's thread at every key: capped
    for j, curve in enumerate(plot.curves):
        path = (*base, "curves", j, "y")
        try:
            tree = curve_tree(plot, curve, fns.functions, values)
        except ReadError as exc:
            hint = f"; {exc.hint}" if exc.hint else ""
            report(smap.text_pos(path, exc.position), f"curve `{curve.label}`: {exc.message}{hint}")
            continue
        size = expanded_size(tree, fns.functions)
        spent += size
        if size <= MAX_EXPANDED < spent:
            report(
                smap.pos(path),
                f"curve `{curve.label}`: the plot's curves together are too large to draw "
                f"(more than {MAX_EXPANDED:,} operations); it and the curves after it are not drawn",
            )
            break
        try:
            ys = np.asarray(evaluate(tree, env, fns.functions), dtype=float)
        except ValueError as exc:
            report(smap.pos(path), f"curve `{curve.label}`: {exc}")
            continue
        if not np.any(np.isfinite(ys)):
            report(smap.pos(path), f"curve `{curve.label}` is undefined over the whole range")


# ---------------------------------------------------------------- everything


def check_entry(
    entry: QuestionEntry,
    seeds: int,
    answer_key: Callable[[QuestionEntry], Iterable[Diagnostic]] | None = None,
) -> list[Diagnostic]:
    """What `check_course` finds in one question: the static checks, then (if they pass) the
    drawn seeds, then (if those pass) `answer_key(entry)`."""
    static = check_question(entry)
    if static:
        return static
    with reused_variants():  # the seeds drawn here are the answer key's
        drawn = check_seeds(entry, seeds_for(entry.question, seeds))
        if drawn or answer_key is None:
            return drawn
        return list(answer_key(entry))


def check_course(
    course: Course,
    seeds: int = 5,
    progress: Callable[[int], None] | None = None,
    references: bool = True,
    answer_key: Callable[[QuestionEntry], Iterable[Diagnostic]] | None = None,
    entry_results: Callable[[QuestionEntry], list[Diagnostic]] | None = None,
) -> CheckReport:
    """All checks over a loaded course. `progress(n)` is called after each question;
    `references=False` skips cross-file checks, for a single file checked on its own;
    `answer_key(entry)` (the grader's self-tests) runs on questions that passed the rest.
    `entry_results(entry)`, when given, is what `check_entry` found in the question, worked
    out elsewhere (in other processes: `tutor.grading.checkpool`)."""
    found = list(course.diagnostics)
    if references:
        found.extend(check_references(course))
    for loaded in course.lessons:
        found.extend(check_lesson(loaded))
    head = lint_head(course)
    # A question's variants are linted only when no error is reported at it (its file and
    # `where`) by then: by the other checks of the course, the lints before it and its own
    # question lints. Each question is linted as its findings come in; one that shares its
    # file and `where` with another (a repeated id) once every question's findings are in.
    flagged = {_at(d) for d in [*found, *head] if d.severity == "error"}
    entries = [entry for bank in course.banks for entry in bank.entries]
    shared = Counter((entry.where(), entry.source.path) for entry in entries)
    results: list[list[Diagnostic]] = []
    linted: list[list[Diagnostic]] = []
    later: list[int] = []

    def lint(entry: QuestionEntry) -> list[Diagnostic]:
        at = (entry.where(), entry.source.path)

        def clean(own: list[Diagnostic]) -> bool:
            flagged.update(_at(d) for d in own if d.severity == "error")
            return at not in flagged

        out = lint_entry(entry, seeds, clean)
        flagged.update(_at(d) for d in out if d.severity == "error")
        return out

    for i, entry in enumerate(entries):
        if entry_results is not None:
            results.append(entry_results(entry))
        else:
            results.append(check_entry(entry, seeds, answer_key))
        flagged.update(_at(d) for d in results[-1] if d.severity == "error")
        if shared[entry.where(), entry.source.path] > 1:
            later.append(i)
            linted.append([])
        else:
            linted.append(lint(entry))
        if progress is not None:
            progress(1)
    for i in later:
        linted[i] = lint(entries[i])
    found.extend(d for r in results for d in r)
    found.extend(head)
    found.extend(d for r in linted for d in r)
    found.sort(key=sort_key)
    return CheckReport(found, len(course.lessons), len(course.banks), len(entries), seeds)


def _at(d: Diagnostic) -> tuple[str | None, Path]:
    return d.where, d.file


def total_questions(course: Course) -> int:
    return sum(len(b.entries) for b in course.banks)
