"""The words a learner acts on: which line of a chain broke, the rule that decided, and the
reader's hint for an answer it cannot read (a decimal comma above all)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.test_grading_table import CHAIN, SIGMOID, STEP_VARS, STEPS, ZY, Row, X, grade_row
from tutor.grading.result import Result


def chain(answer: str) -> Result:
    return grade_row(Row("derivation", answer, "", variables=X, fields=CHAIN))


def numeric(answer: str, ref: str = "ln(10)", tol: dict[str, Any] | None = None) -> Result:
    return grade_row(Row("numeric", answer, "", ref=ref, tol=tol))


# ------------------------------------------------------------------------ chains


@pytest.mark.parametrize(
    ("answer", "sentence", "broken"),
    [
        (
            "(x+1)^2 - (x-1)^2\n= x^2 + 1 - x^2 + 1\n= 4x",
            "Line 2 does not follow from line 1.",
            1,
        ),
        (
            "(x+1)^2 - (x-1)^2\n= x^2 + 2x + 1 - (x^2 - 2x + 1)\n= 4x + 2",
            "Line 3 does not follow from line 2.",
            2,
        ),
        (
            "(x+1)^2 - (x-1)^2 = x^2+2x+1 - x^2-2x+1 = 4x",
            "Expression 2 (line 1) does not follow from expression 1 (line 1).",
            1,
        ),
        (
            "(x+1)^2 - (x-1)^2 = x^2 + 2x + 1 - (x^2 - 2x + 1)\n= 4x + 1",
            "Line 2 does not follow from expression 2 (line 1).",
            2,
        ),
    ],
    ids=["second-line", "third-line", "same-line", "line-after-a-two-expression-line"],
)
def test_a_broken_chain_names_the_line_that_does_not_follow(answer: str, sentence: str, broken: int) -> None:
    result = chain(answer)
    assert result.verdict == "incorrect"
    assert result.notes[0] == "broken-link"
    assert result.feedback[0] == sentence
    assert result.details["broken"] == broken


def test_a_broken_chain_on_a_later_line_names_that_line() -> None:
    result = chain("(x+1)^2 - (x-1)^2 = x^2+2x+1 - (x^2-2x+1)\n= 2x + 2x = 4x + 1")
    assert result.notes[0] == "broken-link"
    assert "(line 2)" in result.feedback[0]
    assert result.details["broken"] == 3


def test_a_wrong_start_says_so() -> None:
    result = chain("(x+1)^2 + (x-1)^2 = 2x^2 + 2")
    assert result.feedback == ("The first expression is not the one the question starts from.",)


def test_an_unreadable_line_of_a_chain_points_into_the_whole_answer() -> None:
    answer = "(x+1)^2 - (x-1)^2\n= 4x +"
    result = chain(answer)
    assert result.verdict == "invalid"
    assert result.feedback == ("the expression ends after `+`", "add what comes after `+`")
    assert result.position is not None and answer[result.position] == "+"


def test_a_correct_chain_reports_how_many_equalities_were_checked() -> None:
    result = chain("(x+1)^2 - (x-1)^2\n= x^2 + 2x + 1 - (x^2 - 2x + 1)\n= 4x")
    assert result.verdict == "correct"
    assert result.rule == "2 equalities checked"
    assert result.read_as == "(x + 1)² − (x − 1)² = x² + 2x + 1 − (x² − 2x + 1) = 4x"


# ------------------------------------------------------------------------ the rule used


@pytest.mark.parametrize(
    ("answer", "ref", "tol", "verdict", "rule"),
    [
        ("2.3", "ln(10)", None, "correct", "within 1 %"),
        ("2.5", "ln(10)", None, "incorrect", "within 1 %"),
        ("1e-9", "0", None, "correct", "within ± 1e-08"),
        ("104", "100", {"rel": 0.05}, "correct", "within 5 %"),
        ("2.7", "2.5", {"abs": 0.1}, "incorrect", "within ± 0.1"),
        ("0.08", "0", {"rel": 0.05, "abs": 0.1}, "correct", "within 5 % or within ± 0.1"),
        ("2.30", "ln(10)", {"sigfigs": 3}, "correct", "to 3 significant figures"),
        ("2.3", "ln(10)", {"sigfigs": 3}, "incorrect", "to 3 significant figures"),
    ],
    ids=[
        "default",
        "default-wrong",
        "near-zero",
        "rel",
        "abs-wrong",
        "rel-or-abs",
        "sigfigs",
        "sigfigs-short",
    ],
)
def test_numeric_results_name_the_rule_that_decided(
    answer: str, ref: str, tol: dict[str, Any] | None, verdict: str, rule: str
) -> None:
    result = numeric(answer, ref, tol)
    assert (result.verdict, result.rule) == (verdict, rule)


def test_too_few_significant_figures_says_how_many_are_needed_and_given() -> None:
    result = numeric("2.3", tol={"sigfigs": 3})
    assert result.notes == ("sigfigs",)
    assert result.feedback == ("give 3 significant figures; you gave 2",)


def test_vector_and_expression_rules() -> None:
    vector = grade_row(Row("vector", "[0.5, 0.5]", "", ref="[0.5, 0.5]"))
    assert vector.rule == "each entry within 1 %"
    expression = grade_row(Row("expression", "2x", "", ref="2*x", variables=X))
    assert expression.rule == "equal at every test point"


# ------------------------------------------------------------------------ unreadable answers


@pytest.mark.parametrize(
    ("kind", "answer", "feedback"),
    [
        ("numeric", "2,5", ("`2,5`: use a decimal point", "write 2.5")),
        ("numeric", "2,3026", ("`2,3026`: use a decimal point", "write 2.3026")),
        ("numeric", "1,000,000", ("`1,000,000`: don't group digits with commas", "write 1000000")),
        ("expression", "0,5x^2", ("`0,5`: use a decimal point", "write 0.5")),
    ],
    ids=["numeric", "numeric-long", "digit-groups", "expression"],
)
def test_a_decimal_comma_gets_the_readers_hint(kind: str, answer: str, feedback: tuple[str, ...]) -> None:
    row = (
        Row(kind, answer, "", ref="x^2/2", variables=X)
        if kind == "expression"
        else Row(kind, answer, "", ref="2.5")
    )
    result = grade_row(row)
    assert result.verdict == "invalid"
    assert result.feedback == feedback
    assert result.position == 1  # the caret points at the comma
    assert not result.counts_as_attempt


def test_a_function_without_parentheses_gets_a_hint() -> None:
    result = numeric("ln + 2", "ln(2)")
    assert result.feedback == (
        "`ln` is a function, so its argument needs parentheses",
        "`ln` needs parentheses: ln(x)",
    )


def test_an_unknown_name_lists_the_names_that_can_be_used() -> None:
    result = grade_row(Row("expression", "q*x", "", ref="x", variables={"x": "real", "y": "real"}))
    assert result.feedback == ("`q` is not a known name", "names you can use here: x, y")


def test_a_list_where_a_number_is_expected() -> None:
    assert numeric("[2.3, 1]").feedback == ("A single number is expected here, not a list.",)


def test_an_unreadable_step_is_named() -> None:
    result = grade_row(Row("derivation", "2(ŷ - y)\n2(ŷ - y", "", variables=STEP_VARS, fields=STEPS))
    assert result.verdict == "invalid"
    assert result.feedback == ("Step 2: `(` is never closed", "add `)` to close it")


# ------------------------------------------------------------------------ wrong answers


def test_steps_feedback_says_which_step_and_why() -> None:
    result = grade_row(Row("derivation", "(ŷ - y)\n(ŷ - y)x", "", variables=STEP_VARS, fields=STEPS))
    assert result.feedback == (
        "Step 1: Off by a factor of 1/2: check the constants (a 1/2, a 2, a 1/n).",
        "Step 2 follows correctly from your earlier steps, which contain the error.",
    )


def test_vector_feedback_names_the_sum_and_the_entries() -> None:
    result = grade_row(
        Row(
            "vector",
            "[0.09, 0.2447, 0.5]",
            "",
            ref="softmax(z)",
            params={"z": [1, 2, 3]},
            fields={"sums_to": 1},
        )
    )
    assert result.feedback == ("Your entries sum to 0.8347; they should sum to 1.", "Entry 3 is off.")


def test_a_forbidden_name_is_named() -> None:
    fields = {**SIGMOID, "forbid": ["sigmoid"]}
    result = grade_row(Row("expression", "σ(z) - y", "", ref="sigmoid(z) - y", variables=ZY, fields=fields))
    assert result.feedback == (
        "Equivalent, but your answer uses `sigmoid`, which this question does not allow.",
    )


def test_read_as_shows_how_the_answer_was_understood() -> None:
    assert numeric("-log(0.1)").read_as == "−log(0.1)"
    result = grade_row(Row("expression", "2(ŷ - y)", "", ref="2*(y_hat - y)", variables=STEP_VARS))
    assert result.read_as == "2(ŷ − y)"


def test_free_response_lists_what_was_not_covered() -> None:
    fields = {"model_answer": "…", "rubric": ["States the loss", "Differentiates it"]}
    result = grade_row(Row("free", "a", "", fields=fields))
    assert result.feedback == ("Not covered: Differentiates it",)
    assert result.details == {"self_assessed": True}


def test_a_symbolic_answer_in_the_solution_shows_this_variants_numbers():
    from tests.test_grading_table import build
    from tutor.content.variants import instantiate

    row = Row(
        "expression",
        "x",
        "incorrect",
        ref="k*x^(k - 1) + c",
        variables={"x": "positive"},
        fields={
            "params": {"k": {"integers": [-3, -3]}, "c": {"uniform": [0.5, 0.9], "round": 2}},
            "solution": "The answer is {{answer}}.",
        },
    )
    variant = instantiate(build(row), 0)
    c = variant.values["c"]
    assert variant.solution == f"The answer is −3x^(−3 − 1) + {c}."


def test_the_preview_never_computes_a_forbidden_builtin() -> None:
    """Showing `softmax([1, 2, 3]) = [0.09, …]` would hand over the numbers the grader refuses."""
    from tests.test_grading_table import build
    from tutor.content.variants import instantiate
    from tutor.grading.preview import preview

    row = Row("vector", "", "", ref="softmax(z)", params={"z": [1, 2, 3]}, fields={"forbid": ["softmax"]})
    variant = instantiate(build(row), 0)
    shown = preview(variant, "softmax([1, 2, 3])")
    assert shown.kind == "error" and "does not allow" in shown.text and shown.position == 0
    assert "0.09" not in shown.text + (shown.hint or "")
    assert preview(variant, "[1, 2]/3").kind == "ok"


def test_feedback_never_carries_terminal_escapes_or_lone_surrogates():
    from tutor.grading.result import Result

    result = Result("invalid", feedback=("`\x1b]0;pwn\x07` is not \ud800 a name",), read_as="\x9b2J")
    text = " ".join(result.feedback) + (result.read_as or "")
    text.encode("utf-8")  # no lone surrogate left
    assert not any(ch in text for ch in "\x1b\x07\x9b")
