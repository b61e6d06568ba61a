"""Derivations that check the reasoning: each line's rule is named, a line that does not follow
is explained by the misapplied rule, the lines after it that follow from it earn credit (error
carried forward), and a chain that skips the work an author asks for is partly correct, never
correct.

Tables of (chain, the verdict and rule expected on each line) for every rule of the library
and every bug rule, then the course's own chains, then a property: one library rule applied to
random expressions is recognised.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tests.test_grading_table import Row, grade_row
from tutor.expr import parse
from tutor.grading.result import Result
from tutor.grading.rules import BUGS, RULE_NAMES, bug_candidates, classify, same_stage

NAMES = ["a", "b", "c", "x", "y", "z", "p", "u", "e", "sigma", "y_hat"]
POSITIVE = ["a", "b", "c", "x", "p", "u", "sigma"]


def tree(text: str) -> Any:
    return parse(text, variables=NAMES)


def domains(names: list[str]) -> dict[str, Any]:
    return {n: "positive" if n in POSITIVE else "real" for n in names}


def chain_question(start: str, answer: str, **fields: Any) -> dict[str, Any]:
    return {"mode": "chain", "start": start, "answer": answer, **fields}


def grade_chain(text: str, start: str, answer: str, names: list[str] | None = None, **fields: Any) -> Result:
    names = names or [n for n in NAMES if n in text or n in start]
    row = Row(
        "derivation", text, "", variables=domains(names), fields=chain_question(start, answer, **fields)
    )
    return grade_row(row)


# ---------------------------------------------------------------------- the rule library

RULE_TABLE = [
    # (before, after, the rule expected)
    ("log(a*b)", "log(a) + log(b)", "log-product"),
    ("log(a*b*c)", "log(a) + log(b) + log(c)", "log-product"),
    ("log(a) + log(b)", "log(a*b)", "log-product"),  # found backwards, named as combining
    ("log(a/b)", "log(a) - log(b)", "log-quotient"),
    ("log(a^3)", "3*log(a)", "log-power"),
    ("log(sqrt(a))", "log(a)/2", "log-power"),
    ("log(exp(u))", "u", "exp-log"),
    ("exp(log(a))", "a", "exp-log"),
    ("exp(a + b)", "exp(a)*exp(b)", "power-laws"),
    ("exp(a)*exp(b)", "exp(a + b)", "power-laws"),
    ("x^a*x^b", "x^(a + b)", "power-laws"),
    ("(x^a)^b", "x^(a*b)", "power-laws"),
    ("x^2*a/x", "x*a", "cancel"),
    ("-(a + b)", "-a - b", "distribute-minus"),
    ("a - (b - c)", "a - b + c", "distribute-minus"),
    ("x*(a + b)", "x*a + x*b", "distribute"),
    ("(a + b)/x", "a/x + b/x", "split-fraction"),
    ("(a + b)^2", "a^2 + 2*a*b + b^2", "expand"),
    ("(a + b)*(a - b)", "a^2 - b^2", "expand"),
    ("2*x + 3*x", "5*x", "collect"),
    ("a*x + b*x", "(a + b)*x", "factor"),
    ("1/a + 1/b", "(a + b)/(a*b)", "combine-fractions"),
    ("a/x + b/y", "(a*y + b*x)/(x*y)", "combine-fractions"),
    ("log(sigmoid(z))", "log(1/(1 + exp(-z)))", "definition"),
    ("softplus(z)", "log(1 + exp(z))", "definition"),
]


@pytest.mark.parametrize(("before", "after", "rule"), RULE_TABLE, ids=[r[2] + ":" + r[0] for r in RULE_TABLE])
def test_each_library_rule_is_recognised(before: str, after: str, rule: str) -> None:
    step = classify(tree(before), tree(after))
    assert step is not None, f"{before} = {after} not recognised"
    assert rule in step.rules


def test_every_rule_of_the_library_is_in_the_table() -> None:
    # "distribute-number" is the fallback when numbers moved into brackets in several places
    assert {r for _, _, r in RULE_TABLE} == set(RULE_NAMES) - {"distribute-number"}


def test_numbers_moved_into_brackets_in_several_places_is_one_step() -> None:
    step = classify(tree("-(2*(a + b) + 3*(a - c)) + x"), tree("-2*a - 2*b - 3*a + 3*c + x"))
    assert step is not None and len(step.rules) == 1


def test_a_declared_definition_is_a_rule() -> None:
    step = classify(tree("p*(1 - p)"), tree("sigmoid(z)*(1 - sigmoid(z))"), {"p": tree("sigmoid(z)")})
    assert step is not None and step.rules == ("definition",)
    assert classify(tree("e^2"), tree("(y_hat - y)^2"), {"e": tree("y_hat - y")}) is not None


def test_two_rules_in_one_line_are_both_named_in_order() -> None:
    step = classify(tree("-log(p^y*(1 - p)^(1 - y))"), tree("-(y*log(p) + (1 - y)*log(1 - p))"))
    assert step is not None
    assert step.rules == ("log-product", "log-power")
    assert step.text == "log of a product → sum of logs; then log of a power: log(aᵇ) = b·log(a)"


def test_order_of_terms_and_arithmetic_need_no_rule() -> None:
    step = classify(tree("b + 2*a*3"), tree("6*a + b"))
    assert step is not None and step.rules == ()


def test_a_long_jump_is_not_recognised() -> None:
    # expand, distribute the minus, collect: three rules
    assert classify(tree("(x+1)^2 - (x-1)^2"), tree("4*x")) is None


def test_numbers_multiplied_into_a_bracket_are_the_same_stage() -> None:
    assert same_stage(tree("-(log(a) + log(b))"), tree("-log(a) - log(b)"))
    assert not same_stage(tree("-log(a*b)"), tree("-log(a) - log(b)"))


# ---------------------------------------------------------------------- the bug library

BUG_TABLE = [
    # (start, the wrong line, the bug expected)
    ("log(a + b)", "log(a) + log(b)", "log-of-sum"),
    ("log(a*b)", "log(a)*log(b)", "log-product-as-product"),
    ("log(a/b)", "log(a)/log(b)", "log-quotient-as-quotient"),
    ("log(a^b)", "log(a)^b", "log-power-as-power"),
    ("(a + b)^2", "a^2 + b^2", "square-of-sum"),
    ("exp(a + b)", "exp(a) + exp(b)", "exp-of-sum"),
    ("1/(a + b)", "1/a + 1/b", "reciprocal-of-sum"),
    ("x - (a + b)", "x - a + b", "minus-not-distributed"),
    ("-(a - b + c)", "-a - b + c", "minus-not-distributed"),
    ("(y - y_hat)^2/(2*sigma^2)", "(y - y_hat)^2/sigma^2", "dropped-half"),
    ("(y - y_hat)^2/2", "(y - y_hat)^2", "dropped-half"),
]


@pytest.mark.parametrize(("start", "wrong", "bug"), BUG_TABLE, ids=[r[2] + ":" + r[0] for r in BUG_TABLE])
def test_each_bug_rule_is_named_on_the_line_that_breaks(start: str, wrong: str, bug: str) -> None:
    result = grade_chain(f"{start}\n= {wrong}", start, start)
    assert result.verdict == "incorrect"
    assert result.notes == ("broken-link", bug)
    assert result.feedback[0] == "Line 2 does not follow from line 1."
    assert result.feedback[1] == f"Line 2: {BUGS[bug].wrong}. The right rule: {BUGS[bug].right}."
    (line,) = result.details["lines"]
    assert line["verdict"] == "incorrect" and line["bug"] == bug and line["line"] == 2


def test_every_chain_bug_is_in_the_table() -> None:
    derivative_only = {"dlog-inner", "sigmoid-derivative"}
    assert {b for _, _, b in BUG_TABLE} == set(BUGS) - derivative_only


def test_a_slip_that_is_no_bug_rule_is_only_said_not_to_follow() -> None:
    result = grade_chain("(a + b)^2\n= a^2 + 3*a*b + b^2", "(a + b)^2", "(a + b)^2")
    assert result.notes == ("broken-link",)
    assert result.details["lines"][0]["bug"] is None


def test_a_bug_after_an_ordinary_rule_is_found() -> None:
    # (x − 1)² expanded, then the minus given to its first term only
    result = grade_chain("(x+1)^2 - (x-1)^2 = x^2+2x+1 - x^2-2x+1 = 2", "(x+1)^2 - (x-1)^2", "4x", ["x"])
    assert result.notes == ("broken-link", "minus-not-distributed")
    assert "Expression 2 (line 1): the minus in front of a bracket" in result.feedback[1]


def test_the_right_line_is_never_taken_for_a_bug() -> None:
    for start, _, _ in BUG_TABLE:
        for _, candidate in bug_candidates(tree(start)):
            assert candidate != tree(start)


# ---------------------------------------------------------------------- error carried forward


def test_lines_that_follow_from_a_wrong_line_earn_partial_credit() -> None:
    start = "-log(p^y*(1 - p)^(1 - y))"
    answer = "-(y*log(p) + (1 - y)*log(1 - p))"
    text = f"{start}\n= -(log(p^y)*log((1 - p)^(1 - y)))\n= -(y*log(p)*(1 - y)*log(1 - p))"
    result = grade_chain(text, start, answer, ["p", "y"])
    assert result.verdict == "partial"
    assert 0 < result.score < 1
    assert result.notes == ("broken-link", "log-product-as-product")
    first, second = result.details["lines"]
    assert (first["verdict"], first["bug"], first["carried_forward"]) == (
        "incorrect",
        "log-product-as-product",
        False,
    )
    assert (second["verdict"], second["carried_forward"], second["rules"]) == (
        "carried-forward",
        True,
        ["log-power"],
    )
    assert (
        "line 3 ✓ log of a power: log(aᵇ) = b·log(a), following from your line 2 (error carried forward)"
        in (result.feedback)
    )


def test_a_wrong_last_line_with_nothing_after_it_earns_nothing() -> None:
    result = grade_chain("log(a*b)\n= log(a)*log(b)", "log(a*b)", "log(a) + log(b)")
    assert result.verdict == "incorrect" and result.score == 0


def test_a_line_that_follows_from_neither_earns_nothing() -> None:
    text = "log(a*b)\n= log(a)*log(b)\n= log(a) + 7"
    result = grade_chain(text, "log(a*b)", "log(a) + log(b)")
    assert result.verdict == "incorrect"
    assert [line["verdict"] for line in result.details["lines"]] == ["incorrect", "incorrect"]


# ---------------------------------------------------------------------- the work required

BCE = {
    "start": "-log(p^y*(1 - p)^(1 - y))",
    "answer": "-(y*log(p) + (1 - y)*log(1 - p))",
    "milestones": ["-(log(p^y) + log((1 - p)^(1 - y)))"],
    "worked": ["-(log(p^y) + log((1 - p)^(1 - y)))"],
}


def bce(text: str, **extra: Any) -> Result:
    fields = {**BCE, **extra}
    row = Row(
        "derivation",
        text,
        "",
        variables={"p": [0.01, 0.99], "y": {"set": [0, 1]}},
        fields={"mode": "chain", **fields},
    )
    return grade_row(row)


def test_a_one_line_jump_over_a_milestone_is_partial_and_says_what_to_show() -> None:
    result = bce("-log(p^y*(1-p)^(1-y)) = -(y log(p) + (1-y) log(1-p))")
    assert result.verdict == "partial"
    assert result.notes == ("skipped-step",)
    assert result.feedback[0].startswith("Partly correct: show how you get from −log(p^y·(1 − p)^(1 − y)) to")
    assert "log of a product → sum of logs" in result.feedback[0]


def test_the_chain_through_the_milestone_is_correct_with_each_rule_named() -> None:
    result = bce("-log(p^y (1-p)^(1-y))\n= -log(p^y) - log((1-p)^(1-y))\n= -y log(p) - (1-y) log(1-p)")
    assert result.verdict == "correct"
    assert result.feedback == (
        "line 2 ✓ log of a product → sum of logs; then multiplying a number (or a minus) into a bracket",
        "line 3 ✓ log of a power: log(aᵇ) = b·log(a)",
    )
    assert [line["rules"] for line in result.details["lines"]] == [
        ["log-product", "distribute-number"],
        ["log-power"],
    ]


def test_min_lines_asks_for_more_work() -> None:
    result = bce(
        "-log(p^y (1-p)^(1-y)) = -(log(p^y) + log((1-p)^(1-y))) = -(y log(p) + (1-y) log(1-p))",
        milestones=[],
        min_lines=4,
    )
    assert result.verdict == "partial"
    assert "at least 4 expressions" in result.feedback[0]


def test_max_rules_per_line_of_one_makes_a_two_rule_line_partial() -> None:
    result = bce("-log(p^y*(1-p)^(1-y)) = -(y log(p) + (1-y) log(1-p))", milestones=[], max_rules_per_line=1)
    assert result.verdict == "partial"
    assert "applies 2 rules at once" in result.feedback[0]


def test_a_one_line_jump_no_rule_explains_is_partial_without_milestones() -> None:
    result = grade_chain("(x+1)^2 - (x-1)^2 = 4x", "(x+1)^2 - (x-1)^2", "4x", ["x"])
    assert result.verdict == "partial"
    assert result.notes == ("skipped-step",)


def test_a_stepwise_line_that_is_not_recognised_is_still_right() -> None:
    # sin² + cos² = 1 is in no rule of the library, but the line is equal: never wrong
    result = grade_chain(
        "(x+1)^2 - (x-1)^2\n= x^2 + 2x + 1 - (x^2 - 2x + 1)\n= x^2 + 2x + 1 - x^2 + 2x - 1 + 0*sin(x)\n= 4x",
        "(x+1)^2 - (x-1)^2",
        "4x",
        ["x"],
    )
    assert result.verdict == "correct"
    assert [line["recognised"] for line in result.details["lines"]] == [True, True, True]


def test_an_equal_line_the_library_does_not_know_says_so() -> None:
    result = grade_chain(
        "sin(x)^2 + cos(x)^2 + x\n= 1 + x\n= x + 1", "sin(x)^2 + cos(x)^2 + x", "x + 1", ["x"]
    )
    assert result.verdict == "correct"
    assert result.feedback[0] == "line 2 ✓ equal (step not recognised)"
    assert result.details["lines"][0]["recognised"] is False


# ---------------------------------------------------------------------- the course's chains


@pytest.mark.parametrize(
    ("question", "jump"),
    [
        ("bce-from-bernoulli", "-log(p^y*(1-p)^(1-y)) = -(y log(p) + (1-y) log(1-p))"),
        ("reg-mse-from-gaussian", "-log(exp(-(y-ŷ)^2/(2σ^2))/sqrt(2πσ^2)) = (y-ŷ)^2/(2σ^2) + log(2πσ^2)/2"),
    ],
)
def test_the_courses_one_line_jumps_are_partial(question: str, jump: str) -> None:
    from tutor.content.builtin import builtin_course_root
    from tutor.content.loader import load_course
    from tutor.content.variants import instantiate
    from tutor.grading.grader import grade

    course = load_course(builtin_course_root())
    result = grade(instantiate(course.questions[question].question, 0), jump)
    assert result.verdict == "partial"
    assert "skipped-step" in result.notes


# ---------------------------------------------------------------------- steps mode

STEPS = {
    "mode": "steps",
    "steps": [
        {"prompt": "L(p) for p = σ(z)", "answer": "-(y*log(p) + (1 - y)*log(1 - p))"},
        {"prompt": "the same, logs split by y", "answer": "-y*log(p) - (1 - y)*log(1 - p)"},
        {"prompt": "dL/dp", "answer": "-y/p + (1 - y)/(1 - p)"},
    ],
}


def steps(answer: str) -> Result:
    return grade_row(Row("derivation", answer, "", variables={"p": [0.01, 0.99], "y": [0, 1]}, fields=STEPS))


def test_a_wrong_step_names_the_derivative_slip() -> None:
    result = steps("-(y log(p) + (1-y) log(1-p))\n-y log(p) - (1-y) log(1-p)\n-y/p - (1-y)/(1-p)")
    assert result.parts[2].notes == ("dlog-inner",)
    assert "inner derivative" in result.parts[2].feedback[0]


def test_a_wrong_step_is_told_the_rule_from_the_last_right_step() -> None:
    result = steps("-(y log(p) + (1-y) log(1-p))\n-y log(p) + (1-y) log(1-p)\n-y/p + (1-y)/(1-p)")
    assert result.parts[1].verdict == "incorrect"
    assert "Step 2: next, from step 1: distributing a minus over a bracket." in result.parts[1].feedback


# ---------------------------------------------------------------------- property

ATOMS = st.sampled_from(["a", "b", "c", "x", "u"])


@st.composite
def small(draw: Any, depth: int = 2) -> str:
    if depth == 0 or draw(st.booleans()):
        return draw(ATOMS)
    op = draw(st.sampled_from(["+", "*", "^2", "exp", "log"]))
    left = draw(small(depth - 1))
    if op == "^2":
        return f"({left})^2"
    if op in ("exp", "log"):
        return f"{op}({left})"
    return f"({left} {op} {draw(small(depth - 1))})"


TEMPLATES = [
    ("log(({A})*({B}))", "log({A}) + log({B})"),
    ("log(({A})^({B}))", "({B})*log({A})"),
    ("exp(({A}) + ({B}))", "exp({A})*exp({B})"),
    ("-(({A}) + ({B}))", "-({A}) - ({B})"),
    ("({C})*(({A}) + ({B}))", "({C})*({A}) + ({C})*({B})"),
    ("(({A}) + ({B}))/({C})", "({A})/({C}) + ({B})/({C})"),
    ("log(exp({A}))", "{A}"),
]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    template=st.sampled_from(TEMPLATES),
    a=small(),
    b=small(),
    c=small(),
    context=st.sampled_from(["{}", "x + {}", "2*({})", "log(u) - ({})"]),
)
def test_a_library_rule_applied_once_to_random_expressions_is_recognised(
    template: tuple[str, str], a: str, b: str, c: str, context: str
) -> None:
    # Numbers are folded (log(2·2) is log(4)) and one base's powers merged (a·a is a²), so the
    # parts are drawn with letters, and different letters for A and B.
    assume(all(any(ch.isalpha() for ch in part) for part in (a, b, c)))
    assume(not (set(a) & set(b) & set("abcxu")))
    before, after = (context.format(t.format(A=a, B=b, C=c)) for t in template)
    step = classify(tree(before), tree(after))
    assert step is not None, f"{before} = {after}"
    assert len(step.rules) <= 1, f"{before} = {after}: {step}"


# ---------------------------------------------------------------------- hostile chains


def test_a_long_chain_of_big_unrecognised_lines_is_still_graded_within_the_cap() -> None:
    # Each line is equal to the one before by sin² + cos² = 1, which no rule knows: the rule
    # search gives up on time, line by line, and the chain is graded, not "could not decide".
    big = (
        "log(a*b*c*x) + log(a*b*x)*2 + exp(a+b+c) + (a+b)^2*(c+x) + (a + b)/(c*x)"
        " + log(exp(a*b)) + (x+1)^3 - (a-b)^2*(c-x)"
    )
    lines = [big, f"{big} + sin(x)^2 + cos(x)^2 - 1"] * 30
    result = grade_chain("\n= ".join(lines), big, big, ["a", "b", "c", "x"])
    assert result.verdict == "correct"
    assert len(result.details["lines"]) == 59


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines=st.lists(small(3), min_size=2, max_size=5))
def test_random_chains_never_crash_and_a_wrong_line_is_never_called_right(lines: list[str]) -> None:
    result = grade_chain("\n= ".join(lines), lines[0], lines[-1], ["a", "b", "c", "x", "u"])
    assert result.verdict in ("correct", "partial", "incorrect", "undecided", "invalid")
    for line in result.details.get("lines", []):
        if line["verdict"] == "incorrect":
            assert not line["recognised"] and line["rules"] == []


def test_a_deeply_nested_line_is_not_searched_and_does_not_crash() -> None:
    deep = "x"
    for _ in range(28):  # the reader's limit is 60 levels
        deep = f"log(exp({deep}))"
    step = classify(tree(deep), tree("x"))
    assert step is None or step.rules == ("exp-log",)
    assert isinstance(bug_candidates(tree(deep)), list)


# ---------------------------------------------------------------------- tutor check


def selftests(**fields: Any) -> list[tuple[str, str, str]]:
    """(what, expected, got) for each automatic self-test of a chain question."""
    from tests.test_grading_table import build
    from tutor.content.variants import instantiate
    from tutor.grading.grader import grade
    from tutor.kinds import KINDS

    row = Row("derivation", "", "", variables={"p": [0.01, 0.99], "y": {"set": [0, 1]}}, fields=fields)
    variant = instantiate(build(row), 0)
    return [
        (c.what, c.expect, grade(variant, c.answer).verdict)
        for c in KINDS["derivation"].selftest_cases(variant)
    ]


def test_check_grades_the_worked_lines_and_the_one_line_jump() -> None:
    assert selftests(mode="chain", **BCE) == [
        ("the worked solution", "correct", "correct"),
        ("the one-line jump", "partial", "partial"),
    ]


def test_check_catches_worked_lines_that_skip_their_own_milestone() -> None:
    fields = {**BCE, "worked": ["-(y*log(p) + (1 - y)*log(1 - p))"]}
    (worked, _) = selftests(mode="chain", **fields)
    assert worked[0] == "the worked solution" and worked[2] != "correct"


def test_check_wants_worked_lines_with_milestones(make_course: Any) -> None:
    from click.testing import CliRunner

    from tutor.cli import main

    bank = (
        "bank: b\ntitle: B\nquestions:\n  - id: q\n    type: derivation\n    mode: chain\n"
        "    prompt: Derive.\n    variables: {p: {domain: [0.01, 0.99]}, y: {domain: {set: [0, 1]}}}\n"
        "    start: -log(p^y*(1 - p)^(1 - y))\n    answer: -(y*log(p) + (1 - y)*log(1 - p))\n"
        "    milestones: ['-(log(p^y) + log((1 - p)^(1 - y)))']\n"
    )
    course = make_course(questions={"b.yaml": bank})
    result = CliRunner().invoke(main, ["check", str(course), "--seeds", "2", "--jobs", "1"])
    assert result.exit_code == 1
    assert "needs `worked:` lines" in result.output


# ---------------------------------------------------------------------- differentiation rules

DIFF_TABLE = [
    # (f, variable, the derivative written by hand, the rules it takes)
    ("x^3 + 2*x", "x", "3*x^2 + 2", {"linearity", "power"}),
    ("x*exp(x)", "x", "exp(x) + x*exp(x)", {"product", "exp"}),
    ("x/(1 + x)", "x", "1/(1 + x)^2", {"quotient", "power", "chain"}),
    ("log(1 - p)", "p", "-1/(1 - p)", {"log", "chain"}),
    ("exp(-z)", "z", "-exp(-z)", {"exp", "chain"}),
    ("sigmoid(z)", "z", "sigmoid(z)*(1 - sigmoid(z))", {"sigmoid"}),
    ("(y - u)^2/2", "u", "u - y", {"power", "chain"}),
]


@pytest.mark.parametrize(("f", "var", "written", "rules"), DIFF_TABLE, ids=[r[0] for r in DIFF_TABLE])
def test_each_differentiation_rule_is_named(f: str, var: str, written: str, rules: set[str]) -> None:
    from tutor.grading.rules import derivative_of

    found = derivative_of(tree(f), var)
    assert found is not None
    derivative, used = found
    assert rules <= set(used)
    point = {"x": 0.7, "p": 0.3, "z": -0.4, "y": 1.3, "u": 0.2}
    from tutor.expr import evaluate

    assert evaluate(derivative, point) == pytest.approx(evaluate(tree(written), point))


def test_every_differentiation_rule_is_in_the_table() -> None:
    from tutor.grading.rules import DIFF_NAMES

    assert set().union(*(r for *_, r in DIFF_TABLE)) == set(DIFF_NAMES)


def test_a_function_without_a_rule_has_no_derivative_named() -> None:
    from tutor.grading.rules import derivative_of

    assert derivative_of(tree("abs(x) + x"), "x") is None


def test_a_wrong_derivative_step_is_told_which_rules_lead_to_it() -> None:
    fields = {
        "mode": "steps",
        "steps": [
            {"prompt": "L(p)", "answer": "-(y*log(p) + (1 - y)*log(1 - p))"},
            {"prompt": "dL/dp", "answer": "-y/p + (1 - y)/(1 - p)"},
        ],
    }
    result = grade_row(
        Row(
            "derivation",
            "-(y log(p) + (1-y) log(1-p))\ny/p",
            "",
            variables={"p": [0.01, 0.99], "y": [0, 1]},
            fields=fields,
        )
    )
    hint = result.parts[1].feedback[-1]
    assert hint.startswith("Step 2: next, from step 1: differentiate with respect to p (")
    assert "the chain rule" in hint and "d log(u) = u′/u" in hint
