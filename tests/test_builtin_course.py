"""The built-in course: what the loss-functions course promises, checked over the real files.

`tutor check --seeds 20` (tests/test_check_command.py) already grades every question's own
answer key on 20 seeds; this walks the rest: sizes, hints, solutions, lessons and plots.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import wait_for_course, wait_until
from tutor.content.builtin import builtin_course_root
from tutor.content.lessons import compute_values, plot_series, section_body, unknown_placeholders
from tutor.content.loader import load_course
from tutor.content.variants import instantiate
from tutor.grading.grader import grade
from tutor.grading.selftest import fill_test_answer
from tutor.progress.store import ProgressStore
from tutor.tui.app import StartAt, TutorApp

COURSE = load_course(builtin_course_root())
QUESTIONS = list(COURSE.questions.values())
LESSONS = [x.lesson for x in COURSE.lessons_in_order]

MINIMUM = {
    "numeric": 25,
    "expression": 15,
    "derivation": 5,
    "vector": 3,
    "choice": 15,
    "text": 3,
    "code": 4,
    "free": 5,
    "ordering": 3,
    "matching": 3,
    "interval": 3,
}


def test_the_course_has_eight_lessons_and_140_questions_of_every_type():
    assert not COURSE.diagnostics
    assert len(LESSONS) >= 8
    assert len(QUESTIONS) >= 140
    counts = Counter(e.question.type for e in QUESTIONS)
    for kind, least in MINIMUM.items():
        assert counts[kind] >= least, f"{kind}: {counts[kind]} < {least}"


def test_lessons_are_in_the_syllabus_order():
    assert [lesson.id for lesson in LESSONS] == [
        "what-is-a-loss",
        "regression",
        "robust-regression",
        "binary-cross-entropy",
        "entropy-kl",
        "multiclass",
        "choosing-a-loss",
        "gradient-descent",
    ]


def test_the_gradient_descent_bank_has_twelve_questions_across_the_kinds():
    """Issue 31: the lesson's bank asks at least 12 questions, in every kind it promises."""
    bank = COURSE.bank("gradient-descent").entries
    assert len(bank) >= 12
    kinds = {e.question.type for e in bank}
    wanted = {"numeric", "interval", "expression", "derivation", "code", "choice", "ordering", "matching"}
    assert wanted <= kinds, wanted - kinds
    assert COURSE.lesson("gradient-descent").lesson.prerequisites


def test_the_gradient_descent_plot_falls_inside_the_stable_range_and_grows_beyond_it():
    """The lesson says the loss shrinks for η < 2/a and grows past it: its slider must show it."""
    lesson = COURSE.lesson("gradient-descent").lesson
    computed = compute_values(lesson)
    (plot,) = [s.plot for s in lesson.sections if s.plot is not None and s.plot.controls]
    a = float(computed.values["a"])
    slider = plot.curves[0].label

    def curve(lr: float) -> np.ndarray:
        _, series = plot_series(plot, controls={"lr": lr}, values=computed.values)
        return next(s.ys for s in series if s.label == slider)

    for lr in (0.5 / a, 1.5 / a):
        ys = curve(lr)
        assert np.all(np.isfinite(ys)) and ys[-1] < ys[0] / 100
    ys = curve(2.5 / a)
    assert np.all(np.isfinite(ys)) and ys[-1] > ys[0] * 100
    assert plot.controls["lr"].min < 2 / a < plot.controls["lr"].max


@pytest.mark.parametrize("entry", QUESTIONS, ids=lambda e: e.id)
def test_every_question_has_hints_a_solution_and_tests_both_ways(entry):
    q = entry.question
    assert q.hints, "no hint"
    assert q.solution or q.type == "free", "no worked solution"
    verdicts = {t.expect for t in q.tests}
    assert "correct" in verdicts and verdicts - {"correct"}, "tests need a right and a wrong answer"
    if q.type == "numeric":
        assert q.params, "a numeric question draws its numbers, so each retry is new"


@pytest.mark.parametrize("entry", [e for e in QUESTIONS if e.question.type == "numeric"], ids=lambda e: e.id)
def test_numeric_variants_differ_and_their_answer_keys_hold(entry):
    variants = [instantiate(entry.question, seed) for seed in range(5)]
    assert len({repr(v.values) for v in variants}) > 1
    for variant in variants:
        for t in entry.question.tests:
            result = grade(variant, fill_test_answer(t.answer, variant))
            assert result.verdict == t.expect, (variant.seed, t.answer, result)


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda x: x.id)
def test_every_lesson_computes_its_numbers_and_draws_its_plots(lesson):
    computed = compute_values(lesson)
    assert not computed.problems
    plots = [s.plot for s in lesson.sections if s.plot is not None]
    assert plots, "every lesson has at least one plot"
    for section in lesson.sections:
        assert not unknown_placeholders(section.body, computed.values)
        assert "{{" not in section_body(section, computed.values)
    for plot in plots:
        _, series = plot_series(plot, values=computed.values)
        assert len(series) == len(plot.curves)
        assert all((~np.isnan(s.ys)).any() for s in series)


def _spellings(name: str) -> set[str]:
    """How prose may write a formula's name: `ell` as ℓ, `p_i` as pᵢ or p_i, `alpha_t` as α_t."""
    from tutor.expr.lexer import SUBSCRIPTS
    from tutor.expr.render import display_name

    to_sub = {v: k for k, v in SUBSCRIPTS.items()}
    out = {name, display_name(name)}
    base, _, sub = name.partition("_")
    if sub:
        out.add(display_name(base) + "_" + sub)
        if all(c in to_sub for c in sub):
            out.add(display_name(base) + "".join(to_sub[c] for c in sub))
    return out


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda x: x.id)
def test_every_name_a_formula_uses_is_one_the_prose_has_introduced(lesson):
    """`mean(l)` where the prose says ℓ, or a `G` never defined, leaves the reader guessing."""
    import re

    from tutor.content.lessons import formula_tree
    from tutor.expr import free_names

    said = f"{lesson.title}\n{lesson.summary}"
    unknown = []
    for section in lesson.sections:
        said += f"\n{section.title}\n{section.body}"
        for formula in section.formulas:
            text = f"{said}\n{formula.show}"
            for name in sorted(free_names(formula_tree(formula))):
                if not any(
                    re.search(rf"(?<![A-Za-z0-9_]){re.escape(s)}(?![A-Za-z0-9_])", text)
                    for s in _spellings(name)
                ):
                    unknown.append(f"{section.title}: {formula.show} = {formula.expr} uses `{name}`")
    assert unknown == []


def test_the_required_interactive_plots_are_there():
    controlled = {lesson.id for lesson in LESSONS for s in lesson.sections if s.plot and s.plot.controls}
    assert {"robust-regression", "multiclass"} <= controlled


def _lesson_mounted(app: TutorApp) -> bool:
    screen = app.screen
    if type(screen).__name__ != "LessonScreen" or not screen.query("#quiz-call"):
        return False  # not yet composed
    sections = screen.query("SectionView")
    return not screen.query("Lazy") and len(sections) == len(screen.lesson.sections)


async def test_every_lesson_opens_in_the_app(tmp_path: Path):
    app = TutorApp(builtin_course_root(), ProgressStore(tmp_path), warm_up=False)
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_for_course(app, pilot)
        for lesson in LESSONS:
            app.open_lesson(lesson.id)
            # later sections mount after the first frame: wait for them, not for a time
            await wait_until(pilot, lambda: _lesson_mounted(app))
            screen = app.screen
            assert type(screen).__name__ == "LessonScreen" and screen.lesson.id == lesson.id
            panels = list(screen.query("PlotPanel"))
            assert len(panels) == sum(1 for s in lesson.sections if s.plot)
            for panel in panels:
                assert "at " in str(panel.query_one(".readout").render())
            await pilot.press("escape")
            await pilot.pause()
        assert type(app.screen).__name__ == "HomeScreen"


async def test_a_quiz_opens_on_each_lesson(tmp_path: Path):
    for lesson in LESSONS:
        start = StartAt("quiz", lesson.id, 1)
        app = TutorApp(builtin_course_root(), ProgressStore(tmp_path), start, warm_up=False)
        async with app.run_test(size=(100, 40)) as pilot:
            await wait_for_course(app, pilot)
            assert type(app.screen).__name__ == "QuizScreen"
            assert app.screen.session.total == len(COURSE.resolve(lesson.id))


def _examples(text: str) -> list[str]:
    """`a list, e.g. [1, 2] or [3]` -> ["[1, 2]", "[3]"]; `Type … such as x; enter …` -> ["x"]."""
    import re

    found = re.search(r"(?:e\.g\.|such as) (.*?)(?:;|$)", text)
    return found.group(1).split(" or ") if found else []


def test_answer_placeholders_show_syntax_never_an_answer_from_the_course():
    """Examples in the answer box use neutral names and numbers: none is a course variable, and
    none is graded right (or an anticipated mistake) on any variant of a question of its type."""
    from tutor.expr import free_names, parse
    from tutor.kinds import KINDS

    kinds = ("numeric", "vector", "expression")
    examples = [(k, e) for k in kinds for e in _examples(KINDS[k].placeholder)]
    examples += [(k, e) for k in kinds for e in _examples(KINDS[k].how_to)]
    assert {k for k, _ in examples} == set(kinds)
    variables = {v for e in QUESTIONS for v in (getattr(e.question, "variables", None) or {})}
    for kind, example in examples:
        used = set(free_names(parse(example, variables=("a", "b", "c", "u", "v"))))
        assert not used & variables, f"{example!r} uses the course's names {sorted(used & variables)}"
        for entry in QUESTIONS:
            if entry.question.type != kind or kind == "expression":
                continue
            for seed in range(20):
                result = grade(instantiate(entry.question, seed), example)
                assert result.verdict not in ("correct", "partial"), f"{example!r} answers {entry.id}"
                authored = {mistake.note for mistake in entry.question.mistakes}
                assert not set(result.notes) & authored, f"{example!r} is a mistake in {entry.id}"


def test_no_numeric_or_vector_answer_is_one_builtin_call_on_the_prompts_numbers():
    """`softmax([...])` as the answer to "give the softmax" skips the exercise: such a builtin is
    in the question's `forbid:`. A call counts when it is right on every checked variant."""
    import re

    from tutor.expr.functions import BUILTIN_FUNCTIONS

    def calls(variant):
        shown = set(re.findall(r"\{\{\s*(\w+)", variant.question.prompt))
        values = {k: v for k, v in variant.values.items() if k in shown and not isinstance(v, str)}
        for f in BUILTIN_FUNCTIONS:
            for name in values:
                yield f"{f}({{{{{name}}}}})"
                yield from (
                    f"{f}({{{{{name}}}}})[{{{{{k}}}}}]" for k, v in values.items() if isinstance(v, int)
                )

    given_away = []
    for entry in QUESTIONS:
        if entry.question.type not in ("numeric", "vector"):
            continue
        variants = [instantiate(entry.question, seed) for seed in range(5)]
        for template in calls(variants[0]):
            if all(grade(v, fill_test_answer(template, v)).verdict == "correct" for v in variants):
                given_away.append(f"{entry.id}: {template}")
    assert given_away == []


def _unevaluated(text: str) -> list[str]:
    """Clauses of a solution that do arithmetic on a variant's numbers but never give the result:
    `ŷ = {{w}} × {{x}}, so …` rather than `ŷ = {{w}} × {{x}} = {{yhat}}`."""
    import re

    flat = re.sub(r"\{\{[^{}]*\}\}", "§", " ".join(text.split()))
    operand = r"(?:§|\d+(?:\.\d+)?)"
    arithmetic = re.compile(rf"{operand}\)*\s*[×·*/+−\-^]\s*\(*[−\-]?\s*{operand}")
    found = []
    for clause in re.split(r"(?<=[,;:.])\s|\s(?=so\b)", flat):
        m = arithmetic.search(clause)
        if m and "§" in m.group(0) and not re.search(r"[=≈]\s*[−\-]?§", clause[m.end() :]):
            found.append(clause)
    return found


def test_unevaluated_finds_a_step_left_for_the_reader():
    assert _unevaluated("Forward: ŷ = {{w}} × {{x}}, so the residual is {{r}}.") == ["ŷ = § × §,"]
    assert _unevaluated("ŷ = {{w}} × {{x}} = {{yhat:.3f}}, and 1 − {{p}} ≈ {{q}}.") == []


@pytest.mark.parametrize("entry", [e for e in QUESTIONS if e.question.params], ids=lambda e: e.id)
def test_worked_solutions_compute_every_step_for_the_variant(entry):
    """Every number a solution works with is the variant's, computed: no `{{w}} × {{x}}` left
    for the reader to multiply out (the question's `values:` hold the intermediate results).
    The same goes for hints and feedback."""
    q = entry.question
    texts = [q.solution or "", *(h.text for h in q.hints)]
    texts += [mk.feedback for mk in getattr(q, "mistakes", [])]
    texts += [o.feedback or "" for o in getattr(q, "options", [])]
    assert [clause for text in texts for clause in _unevaluated(text)] == []


MISTAKEN = [e for e in COURSE.questions.values() if getattr(e.question, "mistakes", None)]


@pytest.mark.parametrize("entry", MISTAKEN, ids=lambda e: e.id)
def test_a_mistake_s_feedback_names_the_variant_s_numbers_never_a_placeholder(entry):
    from tutor.content import model as m
    from tutor.content.variants import evaluate_in

    for seed in (1, 2):
        variant = instantiate(entry.question, seed)
        for mistake in entry.question.mistakes:
            if isinstance(entry.question, m.NumericQuestion | m.VectorQuestion):
                value = np.asarray(evaluate_in(variant.values, mistake.answer, variant.scope), dtype=float)
                if not np.all(np.isfinite(value)):
                    continue
                text = repr(float(value)) if value.ndim == 0 else repr([float(v) for v in value])
            else:
                text = mistake.answer
            result = grade(variant, text)
            if mistake.note in result.notes:
                assert all("{{" not in f for f in result.feedback), (seed, result.feedback)
