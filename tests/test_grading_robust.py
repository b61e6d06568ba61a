"""No learner input crashes or freezes the grader (issue 10): every cause the fuzz run found,
the one answer-length cap shared by every kind of answer, the time cap, and the catch-all."""

from __future__ import annotations

import pytest

from tutor.content.builtin import builtin_course_root
from tutor.content.loader import load_course
from tutor.content.variants import Variant, instantiate
from tutor.grading import limits
from tutor.grading.grader import grade
from tutor.grading.preview import preview
from tutor.grading.result import Result
from tutor.kinds import derivation, numeric
from tutor.quiz.session import QuizSession

COURSE = load_course(builtin_course_root())


def variant(question_id: str, seed: int = 0) -> Variant:
    return instantiate(COURSE.questions[question_id].question, seed)


def assert_graded(result: Result) -> None:
    """A verdict of its own: not the catch-all's "could not decide"."""
    assert isinstance(result, Result)
    assert not result.details.get("grader_failed"), result.feedback


# ------------------------------------------------------------------ choices


@pytest.mark.parametrize("answer", ["²", "³", "²6", "a, ²", "٣", "𝟙"])
def test_digits_that_are_not_ascii_are_not_option_numbers(answer: str) -> None:
    result = grade(variant("softmax-multilabel"), answer)
    assert result.verdict == "invalid"
    assert "is not one of the options" in result.feedback[0]


def test_a_5000_digit_option_number_is_not_an_option() -> None:
    answer = "1" * 5000
    result = grade(variant("softmax-multilabel"), answer)
    assert result.verdict == "invalid"
    assert "is not one of the options" in result.feedback[0]
    assert len(result.feedback[0]) < 100  # the number is quoted short


def test_rubric_numbers_are_read_the_same_way() -> None:
    assert grade(variant("basics-loss-metric-paragraph"), "²").verdict == "invalid"
    assert grade(variant("basics-loss-metric-paragraph"), {99}).verdict == "invalid"


def test_a_picked_index_out_of_range_is_not_an_option() -> None:
    assert grade(variant("softmax-multilabel"), {99}).verdict == "invalid"


# ------------------------------------------------------------------ steps


@pytest.mark.parametrize(
    "answers",
    [
        ["@", "1", "1"],  # step 1 unreadable, step 3 `follows` refers to it
        ["1", "@", "1"],
        ["1<2", "1", "1"],
        ["[[1]]", "1", "1"],
        ["x", "[1,2]", "[3,4]"],  # `x` is not a name here
    ],
)
def test_a_later_step_that_follows_an_unreadable_one_is_no_crash(answers: list[str]) -> None:
    result = grade(variant("bce-sigmoid-steps"), answers)
    assert_graded(result)
    assert result.verdict == "invalid"


@pytest.mark.parametrize("question_id", ["robust-huber-grad-steps", "softmax-ce-grad-steps"])
@pytest.mark.parametrize("answers", [["[1, 2]", "[1,2]", "[1,2]"], ["[1,2]", "3", "[1,2,3]"]])
def test_steps_of_mixed_shapes_are_graded(question_id: str, answers: list[str]) -> None:
    q = COURSE.questions[question_id].question
    answers = (answers * 2)[: len(q.steps)]
    result = grade(variant(question_id), answers)
    assert_graded(result)
    assert result.verdict in ("incorrect", "partial", "invalid")


# ------------------------------------------------------------------ the length cap, for every kind

TOO_LONG = limits.MAX_ANSWER_CHARS + 1

LONG_ANSWERS = {
    "numeric": ("bce-confident-wrong", "1+" * (TOO_LONG // 2) + "1"),
    "expression": ("bce-grad-logit", "p" * TOO_LONG),
    "chain": ("bce-from-bernoulli", "\n".join(["p = p"] * (TOO_LONG // 6 + 1))),
    "steps": ("bce-sigmoid-steps", "\n".join(["p"] * (TOO_LONG // 2 + 1))),
    "vector": ("choose-hinge-batch", "[" + "1, " * (TOO_LONG // 3) + "1]"),
    "choice": ("softmax-multilabel", "a " * (TOO_LONG // 2 + 1)),
    "text": ("sigmoid-name", "sigmoid " * (TOO_LONG // 8 + 1)),
    "free": ("basics-loss-metric-paragraph", "1 " * (TOO_LONG // 2 + 1)),
}


@pytest.mark.parametrize("kind", list(LONG_ANSWERS))
def test_an_answer_over_the_cap_is_refused_with_its_length(kind: str) -> None:
    question_id, answer = LONG_ANSWERS[kind]
    assert len(answer) > limits.MAX_ANSWER_CHARS
    result = grade(variant(question_id), answer)
    assert result.verdict == "invalid"
    assert result.feedback[0] == (
        f"Your answer is too long ({len(answer):,} characters; at most {limits.MAX_ANSWER_CHARS:,})."
    )
    assert not result.counts_as_attempt


def test_steps_given_as_a_list_share_the_cap() -> None:
    steps = ["p" * 1000] * 11
    result = grade(variant("bce-sigmoid-steps"), steps)
    assert result.verdict == "invalid"
    assert result.feedback[0].startswith("Your answer is too long (11,000 characters")


def test_the_chain_of_the_issue_is_refused_at_once() -> None:
    # 1.4 MB used to take 18 s
    answer = "-log(p^y (1-p)^(1-y)) = -(y log(p) + (1-y) log(1-p))\n" * 27_000
    result = grade(variant("bce-from-bernoulli"), answer)
    assert result.verdict == "invalid"
    assert "too long" in result.feedback[0]


def test_a_chain_has_a_bounded_number_of_links() -> None:
    answer = " = ".join(["p"] * (derivation.MAX_CHAIN_LINKS + 1))
    assert len(answer) <= limits.MAX_ANSWER_CHARS
    result = grade(variant("bce-from-bernoulli"), answer)
    assert result.verdict == "invalid"
    assert f"too many expressions ({derivation.MAX_CHAIN_LINKS + 1}; at most" in result.feedback[0]
    shown = preview(variant("bce-from-bernoulli"), answer)
    assert (shown.kind, shown.text) == ("error", result.feedback[0])


def test_the_preview_says_the_same_about_an_answer_over_the_cap() -> None:
    _, answer = LONG_ANSWERS["chain"]
    shown = preview(variant("bce-from-bernoulli"), answer)
    assert shown.kind == "error"
    assert shown.text.startswith("Your answer is too long (")


# ------------------------------------------------------------------ the time cap and the catch-all


def test_grading_past_the_time_cap_could_not_decide(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "GRADE_TIME_CAP", 0.0)  # every deadline has passed already
    result = grade(variant("bce-from-bernoulli"), "-log(p^y (1-p)^(1-y)) = -(y log(p) + (1-y) log(1-p))")
    assert result.verdict == "undecided"
    assert result.feedback[0].startswith("Could not decide within 0 s")
    assert not result.counts_as_attempt


def test_a_bug_in_a_grader_is_could_not_decide_not_a_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(variant: Variant, answer: str) -> Result:
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(numeric, "grade_numeric", broken)
    result = grade(variant("bce-confident-wrong"), "1")
    assert result.verdict == "undecided"
    assert "Could not decide: the grader failed on this answer (ZeroDivisionError)" in result.feedback[0]
    assert not result.counts_as_attempt


def test_a_bug_in_grading_costs_the_learner_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(variant: Variant, answer: str) -> Result:
        raise RuntimeError("a bug")

    monkeypatch.setattr(numeric, "grade_numeric", broken)
    session = QuizSession([COURSE.questions["bce-confident-wrong"]], seed=0)
    result = session.submit("1")
    assert result.verdict == "undecided"
    assert session.current.attempts == 0


def test_the_words_of_could_not_decide_say_the_try_does_not_count(monkeypatch: pytest.MonkeyPatch) -> None:
    from tutor.quiz.feedback import feedback_text

    monkeypatch.setattr(limits, "GRADE_TIME_CAP", 0.0)
    result = grade(variant("bce-from-bernoulli"), "p = p")
    assert feedback_text(result, None, "p = p").startswith("… Could not decide (this try does not count)")
