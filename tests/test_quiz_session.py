"""The rules of a quiz, shared by the app and the plain mode."""

from __future__ import annotations

import math

import pytest

from tests.conftest import FIXTURES
from tutor.content.loader import load_course
from tutor.quiz.session import QuizSession

COURSE = load_course(FIXTURES / "app-course")


def session(seed: int = 3, **kw) -> QuizSession:
    return QuizSession(COURSE.resolve("basics"), seed=seed, clock=lambda: 0.0, **kw)


def right_log_answer(s: QuizSession) -> str:
    return f"{-math.log(s.current.variant.values['p']):.6f}"


def test_an_unreadable_answer_is_not_an_attempt_and_is_not_recorded():
    recorded = []
    s = session(on_attempt=recorded.append)
    result = s.submit("-log(")
    assert result.verdict == "invalid"
    assert s.current.attempts == 0 and recorded == []


def test_each_revealed_hint_costs_its_penalty():
    s = session()
    assert s.next_hint() == ("Natural log.", 0.5)
    assert s.next_hint() == ("Use a calculator.", 0.0)
    assert s.next_hint() is None
    s.submit(right_log_answer(s))
    assert s.current.best == pytest.approx(0.5)


def test_after_the_solution_a_right_answer_earns_nothing_until_a_fresh_variant():
    s = session()
    assert "−log(" in s.solution()
    assert s.submit(right_log_answer(s)).verdict == "correct"
    assert s.current.best == 0.0
    old = s.current.variant.seed
    s.retry()
    assert s.current.variant.seed != old and not s.current.solution_seen and s.current.hints_shown == 0
    s.submit(right_log_answer(s))
    assert s.current.best == 1.0


def test_the_same_seed_gives_the_same_variants():
    a, b = session(seed=11), session(seed=11)
    assert [x.variant.values for x in a.states] == [x.variant.values for x in b.states]
    assert session(seed=12).states[0].variant.values != a.states[0].variant.values


def test_step_hints_follow_the_question_hints():
    s = session()
    while s.current.entry.id != "q-steps":
        s.skip()
    assert [h.text for h in s.current.hints] == ["Chain rule.", "Step 1: Differentiate the square first."]


def test_skipping_to_the_end_finishes_with_everything_to_revisit():
    s = session()
    while s.skip():
        pass
    summary = s.summary()
    assert s.finished and summary.score == 0 and len(summary.revisit) == 5
    assert [r.outcome for r in summary.rows] == ["skipped"] * 5


def test_a_grader_that_fails_gives_could_not_decide_and_costs_nothing(monkeypatch):
    import tutor.grading.grader as grader

    def broken(variant, answer):
        raise ValueError("bad value(s) in fds_to_keep")

    monkeypatch.setattr(grader, "grade", broken)
    recorded = []
    s = session(on_attempt=recorded.append)
    result = s.submit("0.5")
    assert result.verdict == "undecided"
    assert "fds_to_keep" in result.feedback[0] and "bug" in result.feedback[0]
    assert not result.counts_as_attempt
    assert s.current.attempts == 0 and recorded == [] and not s.current.answered
