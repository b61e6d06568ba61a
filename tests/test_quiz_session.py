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


RETRY_BANK = """
bank: retries
title: Retries
{bank_penalty}
questions:
  - id: pick-one
    type: choice
    shuffle: false
    prompt: Which loss is robust to outliers?
    options:
      - {{text: MSE}}
      - {{text: Log-cosh of the squared error}}
      - {{text: Squared hinge}}
      - {{text: MAE, correct: true}}
    hints: [Think of squaring.]
  - id: pick-cheap
    type: choice
    shuffle: false
    retry_penalty: 0.1
    prompt: Which is a loss?
    options:
      - {{text: MSE, correct: true}}
      - {{text: Accuracy}}
  - id: number
    type: numeric
    prompt: What is {{{{a}}}} + 1?
    params:
      a: {{integers: [1, 9]}}
    answer: a + 1
"""


def retry_session(make_course, bank_penalty: str = "") -> QuizSession:
    course = load_course(make_course(questions={"r.yaml": RETRY_BANK.format(bank_penalty=bank_penalty)}))
    return QuizSession(course.resolve("retries"), seed=1, clock=lambda: 0.0)


def test_brute_forcing_a_choice_costs_each_further_try(make_course):
    """Wrong, hint, wrong, right: 1/(options − 1) = 1/3 per further try, so 1 − 2/3 is earned."""
    s = retry_session(make_course)
    state = s.current
    assert state.retry_penalty == pytest.approx(1 / 3)
    assert s.try_note() == "each further try costs 33%"
    assert s.submit({0}).verdict == "incorrect"
    assert s.try_note() == "next try earns at most 67%, each further try costs 33%"
    s.next_hint()
    assert s.submit({1}).verdict == "incorrect"
    assert s.try_note() == "next try earns at most 33%, each further try costs 33%"
    assert s.submit({3}).verdict == "correct"
    assert state.earned == pytest.approx(1 / 3) and state.best == pytest.approx(1 / 3)
    summary = s.summary()
    assert summary.rows[0].outcome == "correct" and summary.rows[0].score == pytest.approx(1 / 3)
    assert summary.correct == 0 and "pick-one" in summary.revisit


def test_hints_and_tries_add_up_and_never_go_below_nothing(make_course):
    s = retry_session(make_course)
    state = s.current
    for wrong in ({0}, {1}, {2}):
        s.submit(wrong)
    assert state.deduction == 1.0
    s.submit({3})
    assert state.best == 0.0


def test_a_fresh_variant_of_a_choice_question_keeps_the_tries(make_course):
    """Shuffling the same options again must not reset the cost: the right option is known."""
    s = retry_session(make_course)
    s.submit({0})
    s.retry()
    assert s.current.tries == 1
    s.submit({3})
    assert s.current.best == pytest.approx(2 / 3)


def test_the_penalty_is_set_per_question_or_per_bank(make_course):
    s = retry_session(make_course)
    s.advance()
    assert s.current.entry.id == "pick-cheap" and s.current.retry_penalty == 0.1
    s.submit({1})
    s.submit({0})
    assert s.current.best == pytest.approx(0.9)
    s.advance()
    assert s.current.retry_penalty == 0.0 and s.try_note() == ""  # numbers: no cost by default
    a = s.current.variant.values["a"]
    s.submit("0")
    s.submit(str(a + 1))
    assert s.current.best == 1.0

    s = retry_session(make_course, "retry_penalty: 0.25")
    assert s.current.retry_penalty == pytest.approx(0.25)  # the bank's, over the choice default
    s.advance()
    assert s.current.retry_penalty == 0.1  # the question's own wins
    s.advance()
    s.submit("0")
    s.submit(str(s.current.variant.values["a"] + 1))
    assert s.current.best == pytest.approx(0.75)
    s.retry()  # new numbers: a fresh start
    assert s.current.tries == 0
    s.submit(str(s.current.variant.values["a"] + 1))
    assert s.current.best == 1.0


def test_a_worse_try_after_a_right_one_never_contradicts_the_score():
    from tutor.quiz.feedback import feedback_text

    s = session()
    right = right_log_answer(s)
    assert s.submit(right).verdict == "correct"
    s.retry()  # practise on a fresh variant, and get it wrong
    wrong = s.submit("1000")
    assert wrong.verdict == "incorrect"
    state = s.current
    assert state.best == 1.0 and state.earned == 0.0
    text = feedback_text(wrong, state.earned, "1000", kept=state.best)
    assert "this try earns 0; the question keeps 1 from an earlier try" in text
    assert "this question earns 0" not in text
    row = s.summary().rows[0]
    assert (row.outcome, row.score, row.answer) == ("correct", 1.0, right)  # one story: the best try
    assert s.summary().correct == 1
    restored = QuizSession.restore(COURSE.resolve("basics"), s.snapshot("basics"))
    assert restored is not None
    again = restored.summary().rows[0]
    assert (again.outcome, again.score, again.answer) == ("correct", 1.0, right)


def test_after_a_right_answer_the_status_promises_nothing_more_to_earn(make_course):
    s = retry_session(make_course)
    q = s.current.question
    right = {i for i, o in enumerate(q.options) if o.correct}
    assert s.submit(right).verdict == "correct"
    assert "earns at most" not in s.try_note()


def test_a_resumed_quiz_counts_the_time_spent_before_it_was_left():
    now = [0.0]
    s = QuizSession(COURSE.resolve("basics"), seed=3, clock=lambda: now[0])
    now[0] = 154.0
    s.submit(right_log_answer(s))
    saved = s.snapshot("basics")
    now[0] = 10_000.0  # another day, another process
    resumed = QuizSession.restore(COURSE.resolve("basics"), saved, clock=lambda: now[0])
    assert resumed is not None
    now[0] = 10_046.0
    assert resumed.summary().seconds == 200.0
    for junk in (-5, "x", float("nan"), float("inf"), True):
        again = QuizSession.restore(
            COURSE.resolve("basics"), {**saved, "elapsed": junk}, clock=lambda: now[0]
        )
        assert again is not None and again.summary().seconds == 0.0


def test_scores_are_written_one_way_everywhere():
    from tutor.content.words import plural, points

    assert [points(v) for v in (0, 1, 0.5, 14 / 3, 37 / 3, 0.001)] == ["0", "1", "0.5", "4.67", "12.33", "0"]
    assert (plural(1, "question"), plural(3, "question")) == ("1 question", "3 questions")


def test_a_refreshed_quiz_keeps_each_remaining_questions_answers(make_course):
    from tutor.content.loader import load_course
    from tutor.quiz.session import QuizSession

    bank = """
    bank: b
    title: B
    questions:
      - {id: one, type: numeric, prompt: One?, answer: 1}
      - {id: two, type: numeric, prompt: Two?, answer: 2}
      - {id: three, type: numeric, prompt: Three?, answer: 3}
    """
    root = make_course(questions={"b.yaml": bank})
    session = QuizSession(load_course(root).resolve("b"), seed=5)
    session.submit("1")
    session.advance()
    session.submit("7")  # wrong, on question two
    (root / "questions" / "b.yaml").write_text(
        "bank: b\ntitle: B\nquestions:\n"
        "  - {id: two, type: numeric, prompt: Two now?, answer: 2}\n"
        "  - {id: three, type: numeric, prompt: Three?, answer: 3}\n",
        encoding="utf-8",
    )
    fresh = session.refreshed(load_course(root).resolve("b"))
    assert [s.entry.id for s in fresh.states] == ["two", "three"]
    assert fresh.index == 0 and fresh.current.variant.prompt == "Two now?"
    assert fresh.current.attempts == 1 and fresh.current.last_answer == "7"
    assert fresh.states[1].attempts == 0
