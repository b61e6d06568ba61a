"""Reading pitfalls said before a try counts, near-miss words, and free answers that must be
real before they can claim points."""

from __future__ import annotations

from typing import Any

import pytest

from tests.test_grading_table import Row, grade_row
from tutor.grading.preview import division_pitfall, preview
from tutor.grading.result import Result


def variant_of(kind: str, variables: dict[str, Any], **fields: Any) -> Any:
    from tests.test_grading_table import build
    from tutor.content.variants import instantiate

    return instantiate(build(Row(kind, "", "", variables=variables, fields=fields)), 0)


GAUSS = {"y": "real", "y_hat": "real", "sigma": "positive"}


# ---------------------------------------------------------------------- a/2σ² reads as (a/2)·σ²


@pytest.mark.parametrize(
    ("text", "warned"),
    [
        ("(y-ŷ)^2/2σ^2", True),
        ("(y - y_hat)^2/2 sigma^2", True),
        ("log(x)/log(2) y", True),
        ("a/b^2c", True),
        ("(y-ŷ)^2/(2σ^2)", False),
        ("(y-ŷ)^2/2/σ^2", False),
        ("x/2", False),
        ("a/b*c", False),  # an explicit * is what was meant
        ("1/2 x^2", False),  # a fraction as a coefficient: ½x² is meant
    ],
)
def test_a_division_followed_by_an_implicit_product_is_warned(text: str, warned: bool) -> None:
    assert (division_pitfall(text) is not None) == warned


def test_the_warning_says_how_it_reads_and_what_to_write() -> None:
    message = division_pitfall("(y-ŷ)^2/2σ^2")
    assert message == "`/2σ^2` reads as (…/2)·σ^2; to divide by both, write /(2 σ^2)"


def test_the_live_preview_of_an_expression_carries_the_warning() -> None:
    variant = variant_of("expression", GAUSS, answer="(y - y_hat)^2/(2*sigma^2)")
    shown = preview(variant, "(y-ŷ)^2/2σ^2")
    assert shown.kind == "ok"
    assert shown.hint is not None and "reads as (…/2)·σ^2" in shown.hint
    assert preview(variant, "(y-ŷ)^2/(2σ^2)").hint is None


def test_the_preview_of_a_chain_names_the_line_with_the_pitfall() -> None:
    variant = variant_of(
        "derivation",
        GAUSS,
        mode="chain",
        start="(y - y_hat)^2/(2*sigma^2)",
        answer="(y - y_hat)^2/(2*sigma^2)",
    )
    shown = preview(variant, "(y-ŷ)^2/(2σ^2)\n= (y-ŷ)^2/2σ^2")
    assert shown.kind == "ok" and shown.hint is not None and shown.hint.startswith("line 2: ")


def test_the_app_shows_the_warning_as_a_problem() -> None:
    from tutor.grading.preview import Preview
    from tutor.tui.widgets.answers import preview_text

    text, problem = preview_text(Preview("ok", "(y − ŷ)²/2·σ²", "reads as (…/2)·σ^2", warns=True), "")
    assert problem and "warning: reads as (…/2)·σ^2" in text


# ---------------------------------------------------------------------- pi where p_i is meant

SOFTMAX = {"p_i": [0.01, 0.99], "y_i": [0, 1]}


def test_pi_where_a_variable_p_i_exists_is_refused_without_costing_a_try() -> None:
    result = grade_row(Row("expression", "pi(1-pi)", "", ref="p_i*(1 - p_i)", variables=SOFTMAX))
    assert result.verdict == "invalid" and not result.counts_as_attempt
    assert "did you mean `p_i`?" in result.feedback[0]
    assert result.position == 0


def test_the_unicode_pi_is_the_constant_and_is_graded() -> None:
    result = grade_row(Row("expression", "π(1-p_i)", "", ref="p_i*(1 - p_i)", variables=SOFTMAX))
    assert result.verdict == "incorrect"


def test_p_i_itself_is_right() -> None:
    result = grade_row(Row("expression", "p_i(1-p_i)", "", ref="p_i*(1 - p_i)", variables=SOFTMAX))
    assert result.verdict == "correct"


def test_pi_without_such_a_variable_is_still_the_constant() -> None:
    result = grade_row(Row("expression", "2 pi x", "", ref="2*pi*x", variables={"x": "real"}))
    assert result.verdict == "correct"


def test_the_preview_says_did_you_mean_p_i() -> None:
    variant = variant_of("expression", SOFTMAX, answer="p_i*(1 - p_i)")
    shown = preview(variant, "pi(1-pi)")
    assert shown.kind == "error" and "did you mean `p_i`?" in shown.text and shown.position == 0


def test_pi_in_a_chain_line_is_refused_at_its_place() -> None:
    fields = {"mode": "chain", "start": "p_i*(1 - p_i)", "answer": "p_i - p_i^2"}
    answer = "p_i(1 - p_i)\n= pi - pi^2"
    result = grade_row(Row("derivation", answer, "", variables=SOFTMAX, fields=fields))
    assert result.verdict == "invalid"
    assert result.position is not None and answer[result.position : result.position + 2] == "pi"


# ---------------------------------------------------------------------- near-miss words


@pytest.mark.parametrize(
    ("answer", "accept", "spelling"),
    [
        ("rsik", "risk", True),
        ("risks", "risk", True),
        ("losses", "loss", False),  # "es" is two letters: a different form, no hint
        ("disk", "risk", False),  # one letter changed in a short word: another word
        ("logistc", "logistic", True),
        ("mea", "mse", False),
    ],
)
def test_near_miss_words_get_the_spelling_hint(answer: str, accept: str, spelling: bool) -> None:
    result = grade_row(Row("text", answer, "", fields={"accept": [accept]}))
    assert result.verdict == "incorrect"
    assert ("spelling" in result.notes) == spelling


# ---------------------------------------------------------------------- free answers


def free_question(**extra: Any) -> Any:
    from tests.test_grading_table import build

    fields = {
        "model_answer": "Squaring makes an outlier's penalty grow quadratically.",
        "rubric": [
            "Squaring makes the penalty of an outlier grow fast",
            "The gradient grows with the residual",
        ],
        **extra,
    }
    return build(Row("free", "", "", fields=fields))


@pytest.mark.parametrize(
    ("text", "refused"),
    [
        ("x", True),
        ("I do not know the answer here", True),  # long enough, but no key idea
        ("outliers get squared so they dominate", False),
        ("the gradient", True),  # two words
        ("outliers do not dominate", False),
        ("the penalty grows quadratically with it", False),
    ],
)
def test_a_free_answer_must_be_real_before_it_can_claim_points(text: str, refused: bool) -> None:
    from tutor.kinds.free import ask_for_more

    assert (ask_for_more(free_question(), text) is not None) == refused


def test_the_author_can_name_the_key_terms_and_the_length() -> None:
    from tutor.kinds.free import ask_for_more

    question = free_question(key_terms=["robust"], min_words=2)
    assert ask_for_more(question, "robust loss") is None
    assert ask_for_more(question, "outliers dominate") is not None


def test_plain_mode_asks_for_more_before_showing_the_model_answer() -> None:
    from tutor.content.builtin import builtin_course_root
    from tutor.content.loader import load_course
    from tutor.quiz.plain import PlainQuiz
    from tutor.quiz.session import QuizSession

    course = load_course(builtin_course_root())
    session = QuizSession([course.questions["reg-outlier-free"]], seed=0)
    typed = iter(["x", ".", "squaring makes outliers dominate the loss and its gradient", ".", "a"])
    said: list[str] = []
    PlainQuiz(session, lambda prompt: next(typed, None), said.append).run()
    text = "\n".join(said)
    assert text.index("Write a little more first") < text.index("Model answer:")
    assert text.count("Model answer:") == 1


def self_assessed(result: Result) -> bool:
    return bool(result.details.get("self_assessed"))


def test_a_self_assessed_score_is_recorded_as_self_assessed() -> None:
    result = grade_row(Row("free", "a", "", fields={"model_answer": "m", "rubric": ["one", "two"]}))
    assert result.notes == ("self-assessed",) and self_assessed(result)
