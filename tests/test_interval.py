"""`interval` answers: a table of (answer, reference, verdict), the ways people write a set, the
feedback that names the wrong end, and readers that never crash on what is typed."""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tutor.content.variants import instantiate
from tutor.grading.grader import grade
from tutor.kinds.interval import IntervalQuestion, Piece, _typed, joined, read_intervals, show


def question(answer: str, variable: str = "eta", **extra) -> IntervalQuestion:
    return IntervalQuestion.model_validate(
        {"id": "q", "type": "interval", "prompt": "p", "answer": answer, "variable": variable, **extra}
    )


def verdict(answer: str, reference: str, **extra) -> tuple[str, float, tuple[str, ...]]:
    variant = instantiate(question(reference, **extra), 0)
    result = grade(variant, answer)
    return result.verdict, result.score, result.feedback


TABLE = [
    # the same set, written every way a learner might
    ("(0, 0.25)", "(0, 1/4)", "correct"),
    ("0 < eta < 0.25", "(0, 1/4)", "correct"),
    ("0<η<1/4", "(0, 1/4)", "correct"),
    ("1/4 > eta > 0", "(0, 1/4)", "correct"),
    ("η ∈ (0, 0.25)", "(0, 1/4)", "correct"),
    ("eta in (0,1/4)", "(0, 1/4)", "correct"),
    ("(0,\u00a00.25)", "(0, 1/4)", "correct"),  # a no-break space
    ("(0, 0.2500001)", "(0, 1/4)", "correct"),  # within the default 1 %
    ("[0, 1) U [1, 2]", "[0, 2]", "correct"),  # pieces that touch are one
    ("(-inf, 2) ∪ (3, ∞)", "(-inf, 2) U (3, inf)", "correct"),
    ("eta < 2 or eta > 3", "(-inf, 2) U (3, inf)", "correct"),
    ("(−∞, 2) ∪ (3, +∞)", "(-inf, 2) U (3, inf)", "correct"),
    ("eta <= 3", "(-inf, 3]", "correct"),
    ("eta ≥ 3", "[3, inf)", "correct"),
    ("R", "(-inf, inf)", "correct"),
    ("ℝ", "(-inf, inf)", "correct"),
    ("∅", "empty", "correct"),
    ("(2, 3) U (0, 1)", "(0, 1) U (2, 3)", "correct"),  # in any order
    # wrong sets
    ("(0, 0.5)", "(0, 1/4)", "incorrect"),
    ("(0.1, 0.25)", "(0, 1/4)", "incorrect"),
    ("(0, 0.25]", "(0, 1/4)", "partial"),  # the ends are right, one is included wrongly
    ("[0, 0.25)", "(0, 1/4)", "partial"),  # the same at the other end
    ("[0, 0.25]", "(0, 1/4)", "incorrect"),  # both included wrongly: no credit
    ("(-inf, 2]", "(-inf, 2)", "incorrect"),  # the one finite end is wrong
    ("(0, 1)", "(0, 1) U (2, 3)", "incorrect"),
    ("∅", "(0, 1)", "incorrect"),
    ("R", "(0, 1)", "incorrect"),
    # cannot be read: no try counted
    ("(0, 0.25", "(0, 1/4)", "invalid"),
    ("(0, 1, 2)", "(0, 1/4)", "invalid"),
    ("x < 2", "(-inf, 2)", "invalid"),  # the variable here is eta
    ("0 < eta > 1", "(0, 1)", "invalid"),
    ("(3, 1)", "(1, 3)", "invalid"),
    ("", "(0, 1)", "invalid"),
    ("banana", "(0, 1)", "invalid"),
]


@pytest.mark.parametrize(("answer", "reference", "expected"), TABLE)
def test_interval_table(answer: str, reference: str, expected: str) -> None:
    got, _, feedback = verdict(answer, reference)
    assert got == expected, (answer, reference, feedback)


def test_feedback_names_the_wrong_end_and_why_an_end_is_left_out() -> None:
    _, _, feedback = verdict("(0, 0.5)", "(0, 1/4)")
    assert feedback == ("The right end, 0.5, is not right.",)
    _, score, feedback = verdict("(0, 0.25]", "(0, 1/4)")
    assert score == 0.25 and verdict("[0, 0.25)", "(0, 1/4)")[1] == 0.25  # the same at either end
    assert "right end should be left out" in feedback[0] and "eta = 0.25 does not belong" in feedback[0]
    _, _, feedback = verdict("(0, 1)", "(0, 1) U (2, 3)")
    assert feedback == ("Your set is one interval; the answer is 2 separate intervals.",)


def test_a_listed_mistake_gives_its_feedback() -> None:
    mistakes = [{"answer": "(0, 2/x^2)", "note": "factor-2", "feedback": "Twice too far."}]
    q = IntervalQuestion.model_validate(
        {
            "id": "q",
            "type": "interval",
            "prompt": "p",
            "answer": "(0, 1/x^2)",
            "variable": "eta",
            "params": {"x": {"value": 2}},
            "mistakes": mistakes,
        }
    )
    variant = instantiate(q, 0)
    result = grade(variant, "0 < eta < 0.5")
    assert result.verdict == "incorrect" and result.notes == ("factor-2",)
    assert grade(variant, "0 < eta < 1/x^2").verdict == "correct"  # parameters may be used


def test_an_unreadable_end_points_at_itself() -> None:
    variant = instantiate(question("(0, 1)"), 0)
    result = grade(variant, "(0, 1+)")
    assert result.verdict == "invalid" and result.position is not None and result.position >= 4


ends = st.one_of(st.integers(-50, 50).map(float), st.floats(-1e6, 1e6, allow_nan=False))


@st.composite
def sets(draw: st.DrawFn) -> list[Piece]:
    out = []
    for _ in range(draw(st.integers(0, 4))):
        a, b = sorted([draw(ends), draw(ends)])
        if draw(st.booleans()):
            a = -math.inf
        if draw(st.booleans()):
            b = math.inf
        out.append(
            Piece(a, b, draw(st.booleans()) and not math.isinf(a), draw(st.booleans()) and not math.isinf(b))
        )
    return out


@settings(max_examples=300, deadline=None, derandomize=True)
@given(sets())
def test_a_set_typed_as_shown_reads_back_as_itself(pieces: list[Piece]) -> None:
    normal = joined(pieces)
    assert read_intervals(_typed(normal), "x", {}) == normal
    assert joined(list(normal)) == normal  # joining is idempotent
    for p, q in itertools.pairwise(normal):
        assert p.high < q.low or (p.high == q.low and not p.high_closed and not q.low_closed)
    show(normal)


@settings(max_examples=500, deadline=None, derandomize=True)
@given(st.text(alphabet=st.sampled_from("()[],;<>=≤≥∪U ∞∅ℝ-+.0123456789eatxin\u00a0\u2003/^*"), max_size=40))
def test_anything_typed_grades_without_crashing(text: str) -> None:
    variant = instantiate(question("(0, 1/4)"), 0)
    assert grade(variant, text).verdict in ("correct", "partial", "incorrect", "invalid")
