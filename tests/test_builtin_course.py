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
}


def test_the_course_has_six_lessons_and_eighty_questions_of_every_type():
    assert not COURSE.diagnostics
    assert len(LESSONS) >= 6
    assert len(QUESTIONS) >= 80
    counts = Counter(e.question.type for e in QUESTIONS)
    for kind, least in MINIMUM.items():
        assert counts[kind] >= least, f"{kind}: {counts[kind]} < {least}"


def test_lessons_are_in_the_syllabus_order():
    assert [lesson.id for lesson in LESSONS] == [
        "what-is-a-loss",
        "regression",
        "robust-regression",
        "binary-cross-entropy",
        "multiclass",
        "choosing-a-loss",
    ]


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
