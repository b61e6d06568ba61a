"""Answer-test tables for the grader, in the style of PrairieLearn / STACK answer tests.

Each row is one question built in memory (reference answer, variables with domains or
parameters, tolerance, and any other field) plus one answer a learner might type, and the
verdict the grader must give: correct, partial, incorrect, invalid or undecided, with the
note (`sign`, `broken-link`, `form`, ...) when one is expected. An unreadable answer must be
`invalid`, never `incorrect`, and its feedback must name the problem.

Rows that fail because the grader is wrong are kept and marked `bug=...`: they become
strict xfails, so fixing the grader turns them into failures that ask for the mark to go.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pytest
from pydantic import TypeAdapter

from tutor.content.model import Question
from tutor.content.variants import instantiate
from tutor.grading.grader import grade
from tutor.grading.result import Result

QUESTION: TypeAdapter[Any] = TypeAdapter(Question)


@dataclass(frozen=True)
class Row:
    kind: str  # question type
    answer: str  # what the learner typed
    expect: str  # verdict
    note: str | None = None  # a note the result must carry
    ref: str | None = None  # the question's `answer`
    variables: dict[str, Any] | None = None  # name -> domain
    params: dict[str, Any] | None = None
    tol: dict[str, Any] | None = None
    says: str | None = None  # a fragment the feedback must contain (required for invalid rows)
    rule: str | None = None  # the rule the result must report
    score: float | None = None
    fields: dict[str, Any] = field(default_factory=dict)  # any other question field
    seed: int = 0
    at: int | None = None  # for `invalid`: where the caret must point


def build(row: Row) -> Any:
    """The question a row describes, validated like a course file."""
    spec: dict[str, Any] = {"id": "table-row", "prompt": "?", "type": row.kind, **row.fields}
    if row.ref is not None:
        spec["answer"] = row.ref
    if row.variables is not None:
        spec["variables"] = {name: {"domain": d} for name, d in row.variables.items()}
    if row.params is not None:
        spec["params"] = row.params
    if row.tol is not None:
        spec["tolerance"] = row.tol
    return QUESTION.validate_python(spec)


def grade_row(row: Row) -> Result:
    return grade(instantiate(build(row), row.seed), row.answer)


def case(
    kind: str,
    id: str,
    answer: str,
    expect: str,
    note: str | None = None,
    *,
    bug: str | None = None,
    **kw: Any,
) -> Any:
    marks = [pytest.mark.xfail(strict=True, reason=f"grader bug: {bug}")] if bug else []
    return pytest.param(Row(kind, answer, expect, note, **kw), id=f"{kind}:{id}", marks=marks)


# ------------------------------------------------------------------------ numeric

LN10 = "ln(10)"  # 2.302585...
BCE_BATCH = {"y": [1, 0, 1, 1], "p": [0.9, 0.2, 0.7, 0.6]}  # mean BCE 0.29900, sum 1.19601
BCE_MEAN = "-mean(y*log(p) + (1 - y)*log(1 - p))"
LOG_P = {"p": 0.1}


def num(id: str, answer: str, ref: str, expect: str, note: str | None = None, **kw: Any) -> Any:
    return case("numeric", id, answer, expect, note, ref=ref, **kw)


NUMERIC = [
    # `forbid:` as on expressions: sigmoid(1.2) would skip the exercise of computing it
    num(
        "forbidden-builtin",
        "sigmoid(1.2)",
        "1/(1 + exp(-1.2))",
        "invalid",
        says="`sigmoid`",
        at=0,
        fields={"forbid": ["sigmoid"]},
    ),
    num(
        "forbidden-builtin-as-greek",
        "2*σ(1.2)",
        "2/(1 + exp(-1.2))",
        "invalid",
        says="does not allow",
        at=2,
        fields={"forbid": ["sigmoid"]},
    ),
    num(
        "forbidden-builtin-written-out",
        "1/(1 + e^-1.2)",
        "1/(1 + exp(-1.2))",
        "correct",
        fields={"forbid": ["sigmoid"]},
    ),
    num(
        "forbid-other-names-fine",
        "sigmoid(1.2)",
        "1/(1 + exp(-1.2))",
        "correct",
        fields={"forbid": ["softmax"]},
    ),
    # numbers and expressions as learners type them, default rule
    num("neg-log-0.1", "-log(0.1)", LN10, "correct", rule="within 1 %"),
    num("unicode-minus-log", "−log(0.1)", LN10, "correct"),
    num("ln-10", "ln(10)", LN10, "correct"),
    num("near-miss-rounded-too-early", "2.2", LN10, "incorrect", "close", says="keep more digits"),
    num("overflow-is-unreadable-not-wrong", "log(exp(1000))", "1000", "invalid", says="too large to compute"),
    num("log-of-zero-says-minus-infinity", "log(0)", "1", "invalid", says="minus infinity"),
    num("division-by-zero", "1/0", LN10, "invalid", says="overflows to infinity"),
    # a literal beyond float64 is still a number: compared exactly, not "cannot read" (issue 26)
    num("literal-beyond-float-is-wrong", "1e999", "5", "incorrect", says="far from the answer"),
    num("literal-beyond-float-negative", "-2e999", "5", "incorrect", says="-2.0e+999"),
    num("literal-beyond-float-log", "log(1e999)", "999*ln(10)", "correct"),
    num("literal-beyond-float-cancels", "1e999 - 1e999", "0", "correct"),
    num("literal-beyond-float-ratio", "1e999/1e998", "10", "correct"),
    num("no-value", "sqrt(-1)", LN10, "invalid", says="square root of a negative"),
    num("log-10", "log(10)", LN10, "correct"),
    num("one-over-log10-e", "1/log10(e)", LN10, "correct"),
    num("decimal-6-places", "2.302585", LN10, "correct"),
    num("decimal-2-places-trailing-zero", "2.30", LN10, "correct"),
    num("decimal-1-place", "2.3", LN10, "correct"),
    num("fraction-63/4", "63/4", "15.75", "correct"),
    num("fraction-divide-sign", "63÷4", "15.75", "correct"),
    num("decimal-of-63/4", "15.75", "63/4", "correct"),
    num("rounded-15.8", "15.8", "63/4", "correct"),
    num("rounded-16-too-far", "16", "63/4", "incorrect"),
    num("middle-dot-product", "2·3", "6", "correct"),
    num("times-sign-product", "2×3", "6", "correct"),
    num("unicode-minus-number", "−2.3", "log(0.1)", "correct"),
    num("en-dash-minus-number", "–2.3", "log(0.1)", "correct"),
    num("sci-1e-3", "1e-3", "0.001", "correct"),
    num("sci-1E-3", "1E-3", "0.001", "correct"),
    num("sci-unicode-minus-exponent", "1e−3", "0.001", "correct"),
    num("power-10^-3", "10^-3", "1e-3", "correct"),
    num("plain-0.001", "0.001", "1e-3", "correct"),
    num("pi-symbol", "π", "pi", "correct"),
    num("pi-approx-22/7", "22/7", "pi", "correct"),
    num("superscript-square", "sqrt(2)²", "2", "correct"),
    # default tolerance edges: 1 % relative
    num("default-rel-just-inside-below", "2.28", LN10, "correct"),
    num("default-rel-just-outside-below", "2.279", LN10, "incorrect"),
    num("default-rel-just-inside-above", "2.325", LN10, "correct"),
    num("default-rel-just-outside-above", "2.326", LN10, "incorrect"),
    num("default-rel-exact-edge-above", "101", "100", "correct"),
    num("default-rel-exact-edge-below", "99", "100", "correct"),
    num("default-rel-past-edge", "101.01", "100", "incorrect"),
    # default tolerance near zero: 1e-8 absolute
    num("near-zero-exact", "0", "0", "correct", rule="within ± 1e-08"),
    num("near-zero-tiny", "1e-9", "0", "correct", rule="within ± 1e-08"),
    num("near-zero-too-big", "1e-7", "0", "incorrect", rule="within ± 1e-08"),
    num("near-zero-reference-tiny", "0", "1e-9", "correct"),
    num("near-zero-reference-double", "2e-7", "1e-7", "incorrect"),
    # explicit rel / abs
    num("rel-5pc-edge-above", "105", "100", "correct", tol={"rel": 0.05}, rule="within 5 %"),
    num("rel-5pc-edge-below", "95", "100", "correct", tol={"rel": 0.05}),
    num("rel-5pc-past-above", "105.1", "100", "incorrect", tol={"rel": 0.05}),
    num("rel-5pc-past-below", "94.9", "100", "incorrect", tol={"rel": 0.05}),
    num("rel-10pc-edge-below", "0.9", "1", "correct", tol={"rel": 0.1}),
    num(
        "rel-10pc-edge-above",
        "1.1",
        "1",
        "correct",
        tol={"rel": 0.1},
    ),
    num("abs-0.05-edge-above", "0.3", "0.25", "correct", tol={"abs": 0.05}, rule="within ± 0.05"),
    num("abs-0.05-edge-below", "0.2", "0.25", "correct", tol={"abs": 0.05}),
    num(
        "abs-0.1-edge-above",
        "2.6",
        "2.5",
        "correct",
        tol={"abs": 0.1},
    ),
    num(
        "abs-0.1-edge-below",
        "2.4",
        "2.5",
        "correct",
        tol={"abs": 0.1},
    ),
    num("abs-0.1-past-edge", "2.61", "2.5", "incorrect", tol={"abs": 0.1}),
    num(
        "rel-or-abs-rel-wins",
        "103",
        "100",
        "correct",
        tol={"rel": 0.05, "abs": 0.1},
        rule="within 5 % or within ± 0.1",
    ),
    num("rel-or-abs-abs-wins", "0.08", "0", "correct", tol={"rel": 0.05, "abs": 0.1}),
    num("rel-or-abs-both-fail", "0.2", "0", "incorrect", tol={"rel": 0.05, "abs": 0.1}),
    # significant figures: trailing zeros count
    num("sigfigs-3-given-3", "2.30", LN10, "correct", tol={"sigfigs": 3}, rule="to 3 significant figures"),
    num("sigfigs-3-given-4", "2.303", LN10, "correct", tol={"sigfigs": 3}),
    num("sigfigs-3-given-4-trailing-zero", "2.300", LN10, "correct", tol={"sigfigs": 3}),
    num("sigfigs-3-given-2", "2.3", LN10, "incorrect", "sigfigs", tol={"sigfigs": 3}, says="you gave 2"),
    num("sigfigs-3-negative-given-2", "−2.3", "-" + LN10, "incorrect", "sigfigs", tol={"sigfigs": 3}),
    num(
        "sigfigs-3-en-dash-negative-given-2",
        "–2.3",
        "-" + LN10,
        "incorrect",
        "sigfigs",
        tol={"sigfigs": 3},
    ),
    num(
        "sigfigs-3-unicode-minus-exponent-given-2",
        "2.3e−1",
        LN10 + "/10",
        "incorrect",
        "sigfigs",
        tol={"sigfigs": 3},
    ),
    num("sigfigs-3-sci-given-3", "2.30e0", LN10, "correct", tol={"sigfigs": 3}),
    num("sigfigs-3-wrong-third-figure", "2.31", LN10, "incorrect", tol={"sigfigs": 3}),
    num("sigfigs-3-wrong-below", "2.29", LN10, "incorrect", tol={"sigfigs": 3}),
    num("sigfigs-3-expression-exact", "ln(10)", LN10, "correct", tol={"sigfigs": 3}),
    num("sigfigs-2-small-trailing-zero", "0.020", "0.0201", "correct", tol={"sigfigs": 2}),
    num(
        "sigfigs-2-small-given-1",
        "0.02",
        "0.0201",
        "incorrect",
        "sigfigs",
        tol={"sigfigs": 2},
        says="give 2 significant figures",
    ),
    # 1.25 rounds half up to 1.3 at 2 figures (STACK's NumSigFigs): 1.2 is half a unit off
    num("sigfigs-2-half-unit-below", "1.2", "1.25", "incorrect", tol={"sigfigs": 2}),
    num("sigfigs-2-half-unit-above", "1.3", "1.25", "correct", tol={"sigfigs": 2}),
    num("sigfigs-2-past-half-unit", "1.19", "1.25", "incorrect", tol={"sigfigs": 2}),
    num("sigfigs-3-sci-notation-large", "1.20e3", "1200", "correct", tol={"sigfigs": 3}),
    # STACK's NumSigFigs (issue 26): compare the answer's n-figure rounding with the
    # reference's, then count the figures written; a reference of 0 counts figures too
    num("sigfigs-zero-given-1", "0", "0", "incorrect", "sigfigs", tol={"sigfigs": 2}, says="you gave 1"),
    num("sigfigs-zero-given-2", "0.00", "0", "correct", tol={"sigfigs": 2}),
    num("sigfigs-zero-expression", "1-1", "0", "correct", tol={"sigfigs": 2}),
    num("sigfigs-zero-nonzero-answer", "0.010", "0", "incorrect", tol={"sigfigs": 2}),
    num("sigfigs-half-unit-below-10", "9.5", "10", "incorrect", tol={"sigfigs": 2}),
    num("sigfigs-10-given-2", "10", "10", "correct", tol={"sigfigs": 2}),
    num("sigfigs-10-rounds-to-it-from-below", "9.96", "10", "correct", tol={"sigfigs": 2}),
    num("sigfigs-10-too-far-below", "9.94", "10", "incorrect", tol={"sigfigs": 2}),
    num("sigfigs-1200-trailing-zeros-may-count", "1200", "1204", "correct", tol={"sigfigs": 3}),
    num("sigfigs-half-unit-small", "0.0497", "0.04975", "incorrect", tol={"sigfigs": 3}),
    num("sigfigs-half-up-small", "0.0498", "0.04975", "correct", tol={"sigfigs": 3}),
    num("sigfigs-seventh-rounds-down", "0.14284", "1/7", "incorrect", tol={"sigfigs": 4}),
    num("sigfigs-seventh-above-rounds-same", "0.14291", "1/7", "correct", tol={"sigfigs": 4}),
    num("sigfigs-seventh-more-above-rounds-same", "0.14294", "1/7", "correct", tol={"sigfigs": 4}),
    num("sigfigs-seventh-exact", "0.1429", "1/7", "correct", tol={"sigfigs": 4}),
    num("sigfigs-seventh-truncated", "0.1428", "1/7", "incorrect", "close", tol={"sigfigs": 4}),
    num("sigfigs-float-noise-half", "2.68", "2.675", "correct", tol={"sigfigs": 3}),
    num("sigfigs-negative-half-away", "-1.3", "-1.25", "correct", tol={"sigfigs": 2}),
    num("sigfigs-negative-half-toward", "-1.2", "-1.25", "incorrect", tol={"sigfigs": 2}),
    num(
        "sigfigs-rounds-up-a-decade",
        "1.00",
        "0.9996",
        "correct",
        tol={"sigfigs": 3},
        rule="to 3 significant figures",
    ),
    # unreadable: invalid, never incorrect, and the feedback names the problem
    num("invalid-decimal-comma", "2,3026", LN10, "invalid", says="use a decimal point", at=1),
    num("invalid-decimal-comma-short", "2,30", LN10, "invalid", says="write 2.30"),
    num("invalid-decimal-comma-in-parens", "(2,3)", LN10, "invalid", says="decimal point"),
    num("invalid-digit-grouping", "1,000,000", "1e6", "invalid", says="don't group digits", at=1),
    # one comma before three digits: 890000 or 890.000? Both are said, neither is assumed
    num("invalid-comma-thousands-or-decimal", "890,000", "890", "invalid", says="890000 or 890.000", at=3),
    num("invalid-comma-ambiguous-not-a-decimal", "890,000", "890", "invalid", says="is ambiguous"),
    num("invalid-decimal-comma-caret-on-comma", "0,6675", "0.6675", "invalid", says="write 0.6675", at=1),
    num("invalid-double-dot", "2..3", LN10, "invalid", says="decimal point"),
    num("invalid-two-dots", "2.3.4", LN10, "invalid", says="decimal point"),
    num("invalid-ellipsis", "2.30...", LN10, "invalid", says="decimal point"),
    # a function of a simple argument without parentheses, as in print (issue 26)
    num("ln-without-parens", "ln 2", "ln(2)", "correct"),
    num("log-without-parens", "log 10", LN10, "correct"),
    num("invalid-ln-alone", "ln", "ln(2)", "invalid", says="needs parentheses"),
    num("invalid-log-of-a-sum-without-parens", "log 10 + 1", LN10, "incorrect"),
    num("invalid-empty", "", LN10, "invalid", says="empty"),
    num("invalid-blank", "   ", LN10, "invalid", says="empty"),
    num("invalid-word", "abc", LN10, "invalid", says="`abc` is not a known name"),
    num("invalid-variable-in-numeric", "x", LN10, "invalid", says="`x`"),
    num("invalid-vector", "[2.3, 1]", LN10, "invalid", says="single number"),
    num("invalid-one-item-vector", "[2.3]", LN10, "invalid", says="not a list"),
    num("invalid-missing-operator", "2 3", "6", "invalid", says="missing operator"),
    num("invalid-percent", "5%", "0.05", "invalid", says="/100"),
    num("invalid-approx-sign", "≈2.3", LN10, "invalid", says="`≈`"),
    num("invalid-latex", "\\ln(10)", LN10, "invalid", says="LaTeX"),
    num("invalid-unclosed", "log(", LN10, "invalid", says="ends after"),
    num("invalid-equation", "x = 2.3", LN10, "invalid", says="`=`"),
    # automatic diagnosis
    num("diag-sign", "-2.302585", LN10, "incorrect", "sign"),
    num("diag-sign-expression", "-ln(10)", LN10, "incorrect", "sign"),
    num("diag-reciprocal", "0.4343", LN10, "incorrect", "reciprocal"),
    num("diag-reciprocal-expression", "1/ln(10)", LN10, "incorrect", "reciprocal"),
    num("diag-factor-2", "4.605", LN10, "incorrect", "factor-2"),
    num("diag-factor-2-sign-flipped", "-4.605", LN10, "incorrect", "factor-2", says="sign is flipped"),
    num("diag-factor-1-over-2", "1.1513", LN10, "incorrect", "factor-1-over-2"),
    num("diag-factor-10", "23.03", LN10, "incorrect", "factor-10"),
    num("diag-log-base-ln", "1", LN10, "incorrect", "log-base"),
    num("diag-log-base-log", "log10(10)", "log(10)", "incorrect", "log-base"),
    num("diag-log-base-param", "1", "-log(p)", "incorrect", "log-base", params=LOG_P),
    num("diag-log-base-param-typed-log10", "-log10(0.1)", "-log(p)", "incorrect", "log-base", params=LOG_P),
    num("diag-sum-not-mean", "1.196", BCE_MEAN, "incorrect", "sum-not-mean", params=BCE_BATCH),
    num("mean-bce-right", "0.299", BCE_MEAN, "correct", params=BCE_BATCH),
    num("diag-none", "2.5", LN10, "incorrect", says="not the right value"),
    num("diag-sign-not-reciprocal-at-1", "-1", "1", "incorrect", "sign"),
    # author mistakes win over automatic diagnosis
    num(
        "mistake-wrong-term",
        "0.105",
        "-log(p)",
        "incorrect",
        "wrong-term",
        params=LOG_P,
        fields={"mistakes": [{"answer": "-log(1 - p)", "note": "wrong-term", "feedback": "The y = 0 term."}]},
    ),
    num(
        "mistake-partial-credit",
        "0.105",
        "-log(p)",
        "partial",
        "wrong-term",
        params=LOG_P,
        score=0.5,
        fields={
            "mistakes": [{"answer": "-log(1 - p)", "note": "wrong-term", "feedback": "Half.", "score": 0.5}]
        },
    ),
    num(
        "mistake-before-auto-sign",
        "-2.303",
        "-log(p)",
        "incorrect",
        "negative-log",
        params=LOG_P,
        fields={"mistakes": [{"answer": "log(p)", "note": "negative-log", "feedback": "log(p) < 0."}]},
    ),
]

# ------------------------------------------------------------------------ expressions

SIGMOID = {"functions": {"sigmoid": "1/(1 + exp(-x))"}}
ZY = {"z": "real", "y": {"set": [0, 1]}}
HUBER = "Piecewise((e, abs(e) <= delta), (delta*sign(e), True))"
HUBER_VARS = {"e": "real", "delta": "positive"}
X = {"x": "real"}


def expr(
    id: str, answer: str, ref: str, variables: dict[str, Any], expect: str, note: str | None = None, **kw: Any
) -> Any:
    return case("expression", id, answer, expect, note, ref=ref, variables=variables, **kw)


def sig(id: str, answer: str, expect: str, note: str | None = None, **kw: Any) -> Any:
    """dL/dz of binary cross-entropy with p = sigmoid(z), sigmoid declared by the author."""
    fields = {**SIGMOID, **kw.pop("fields", {})}
    return expr(id, answer, "sigmoid(z) - y", ZY, expect, note, fields=fields, **kw)


def huber(id: str, answer: str, expect: str, note: str | None = None, **kw: Any) -> Any:
    return expr(id, answer, HUBER, HUBER_VARS, expect, note, **kw)


EXPRESSION = [
    # algebraic forms
    expr("expanded-vs-factored", "x^2 + 2x + 1", "(x + 1)^2", X, "correct", rule="equal at every test point"),
    expr("factored-vs-expanded", "(x + 1)^2", "x^2 + 2*x + 1", X, "correct"),
    expr("difference-of-squares", "(x - 1)(x + 1)", "x^2 - 1", X, "correct"),
    expr("implicit-product-2x", "2x", "2*x", X, "correct"),
    expr("implicit-product-with-space", "2 x", "2*x", X, "correct"),
    expr("implicit-product-two-names-spaced", "2x y", "2*x*y", {"x": "real", "y": "real"}, "correct"),
    expr("e-power-vs-exp", "e^x", "exp(x)", X, "correct"),
    expr("exp-vs-e-power", "exp(x)", "e^x", X, "correct"),
    expr("exp1-power", "exp(1)^x", "exp(x)", X, "correct"),
    expr("x2-over-x", "x^2/x", "x", X, "correct"),
    expr("sqrt-square-is-abs", "sqrt(x^2)", "abs(x)", X, "correct"),
    expr("bars-are-abs", "|x|", "sqrt(x^2)", X, "correct"),
    expr("float-half", "0.5*x^2", "x^2/2", X, "correct"),
    expr("float-half-implicit-superscript", "0.5x²", "x^2/2", X, "correct"),
    expr("python-power", "x**2/2", "x^2/2", X, "correct"),
    expr("bracketed-half", "(1/2)x^2", "0.5*x^2", X, "correct"),
    expr("divide-sign", "x^2÷2", "x^2/2", X, "correct"),
    expr("tanh-via-sigmoid", "2σ(2z) - 1", "tanh(z)", {"z": "real"}, "correct"),
    expr("softplus-by-hand", "log(1 + exp(z))", "softplus(z)", {"z": "real"}, "correct"),
    # at z = ±30 float64 loses log(1 - σ(z)) to cancellation; SymPy settles those points
    expr(
        "bce-via-sigmoid-vs-logits-form",
        "-(y log(σ(z)) + (1-y) log(1-σ(z)))",
        "log(1 + exp(z)) - y*z",
        {"z": "real", "y": {"set": [0, 1]}},
        "correct",
    ),
    expr(
        "differs-only-far-out",
        "log(1 + exp(z)) - y*z + (0.001 if |z| > 4 else 0)",
        "log(1 + exp(z)) - y*z",
        {"z": "real", "y": {"set": [0, 1]}},
        "incorrect",
    ),
    expr("relu-by-hand-max", "max(0, z)", "relu(z)", {"z": "real"}, "correct"),
    expr("relu-by-hand-abs", "(z + |z|)/2", "relu(z)", {"z": "real"}, "correct"),
    expr(
        "huber-gradient-as-clip",
        "clip(e, -delta, delta)",
        "e if |e| <= delta else delta*sign(e)",
        {"e": "real", "delta": "positive"},
        "correct",
    ),
    expr(
        "clip-with-the-bounds-swapped-is-wrong",
        "clip(e, 0, delta)",
        "e if |e| <= delta else delta*sign(e)",
        {"e": "real", "delta": "positive"},
        "incorrect",
    ),
    expr("mse-grad-y-hat-unicode", "2(ŷ - y)", "2*(y_hat - y)", {"y_hat": "real", "y": "real"}, "correct"),
    expr("mse-grad-sign-inside", "-2(y - ŷ)", "2*(y_hat - y)", {"y_hat": "real", "y": "real"}, "correct"),
    expr(
        "bce-grad-p-combined",
        "(p - y)/(p(1 - p))",
        "-(y/p) + (1 - y)/(1 - p)",
        {"p": {"interval": [0.01, 0.99]}, "y": {"set": [0, 1]}},
        "correct",
    ),
    # sigmoid: declared function, many equivalent forms
    sig("sigma-symbol", "σ(z) - y", "correct"),
    sig("sigmoid-name", "sigmoid(z) - y", "correct"),
    sig("sigmoid-expanded", "1/(1 + exp(-z)) - y", "correct"),
    sig("sigmoid-exp-over-one-plus-exp", "exp(z)/(1 + exp(z)) - y", "correct"),
    sig("sigmoid-e-power", "1/(1 + e^(-z)) - y", "correct"),
    sig("sigmoid-e-power-no-parens", "1/(1 + e^-z) - y", "correct"),
    sig("sigmoid-negated-difference", "-(y - σ(z))", "correct"),
    sig("sigmoid-one-minus-form", "(1 - y) - (1 - σ(z))", "correct"),
    sig("sigmoid-plus-y-wrong", "σ(z) + y", "incorrect"),
    sig("sigmoid-derivative-only-wrong", "σ(z)(1 - σ(z))", "incorrect"),
    sig("sigmoid-off-by-constant", "σ(z) - y + 1", "incorrect"),
    sig("sigmoid-sign", "y - σ(z)", "incorrect", "sign"),
    sig("sigmoid-factor-2", "2(σ(z) - y)", "incorrect", "factor-2"),
    sig(
        "sigmoid-author-mistake-partial",
        "y - σ(z)",
        "partial",
        "flipped",
        score=0.25,
        fields={
            "mistakes": [{"answer": "y - sigmoid(z)", "note": "flipped", "feedback": "Sign.", "score": 0.25}]
        },
    ),
    # Huber gradient: piecewise, clip and Piecewise forms
    huber("if-else", "e if |e| <= delta else delta*sign(e)", "correct"),
    huber("if-else-greek-abs", "e if abs(e) <= δ else δ*sign(e)", "correct"),
    huber("if-else-unicode-le", "e if |e| ≤ δ else δ·sign(e)", "correct"),
    huber("sympy-piecewise", HUBER, "correct"),
    huber("clip-max-min", "max(-delta, min(delta, e))", "correct"),
    huber("clip-min-max", "min(delta, max(-delta, e))", "correct"),
    huber("sign-times-min", "sign(e)*min(|e|, delta)", "correct"),
    huber("three-branches", "-delta if e < -delta else (e if e <= delta else delta)", "correct"),
    huber("strict-inequality-same-function", "e if |e| < delta else delta*sign(e)", "correct"),
    huber("missing-sign", "e if |e| < delta else delta", "incorrect"),
    huber("branches-swapped", "delta*sign(e) if |e| <= delta else e", "incorrect"),
    huber("condition-flipped", "e if |e| >= delta else delta*sign(e)", "incorrect"),
    huber("missing-abs-in-condition", "e if e <= delta else delta*sign(e)", "incorrect"),
    huber("outer-branch-sign-flipped", "e if |e| <= delta else -delta*sign(e)", "incorrect"),
    huber("plain-e", "e", "incorrect"),
    huber(
        "author-mistake-missing-sign",
        "e if |e| <= delta else delta",
        "incorrect",
        "missing-sign",
        fields={
            "mistakes": [
                {"answer": "e if abs(e) <= delta else delta", "note": "missing-sign", "feedback": "sign(e)"}
            ]
        },
    ),
    expr(
        "huber-reference-as-clip",
        "e if |e| <= delta else delta*sign(e)",
        "max(-delta, min(delta, e))",
        HUBER_VARS,
        "correct",
    ),
    # equal only on the declared domain
    expr("abs-x-vs-x-positive", "abs(x)", "x", {"x": "positive"}, "correct"),
    expr("abs-x-vs-x-real", "abs(x)", "x", X, "incorrect"),
    expr("abs-x-vs-neg-x-negative", "|x|", "-x", {"x": "negative"}, "correct"),
    expr("sqrt-square-vs-x-nonnegative", "sqrt(x^2)", "x", {"x": "nonnegative"}, "correct"),
    expr("log-x2-vs-2log-positive", "2 log(x)", "log(x^2)", {"x": "positive"}, "correct"),
    expr("log-x2-vs-2log-real", "2 log(x)", "log(x^2)", X, "incorrect"),
    expr(
        "log-product-positive", "log(a) + log(b)", "log(a*b)", {"a": "positive", "b": "positive"}, "correct"
    ),
    expr("log-product-real", "log(a) + log(b)", "log(a*b)", {"a": "real", "b": "real"}, "incorrect"),
    expr("y2-vs-y-binary", "y^2", "y", {"y": {"set": [0, 1]}}, "correct"),
    expr("y2-vs-y-real", "y^2", "y", {"y": "real"}, "incorrect"),
    expr("y-one-minus-y-binary-is-zero", "y(1 - y)", "0", {"y": {"set": [0, 1]}}, "correct"),
    expr("sqrt-shift-on-interval-list", "sqrt((x - 1)^2)", "1 - x", {"x": [0, 1]}, "correct"),
    expr("sqrt-shift-on-interval-dict", "sqrt((x - 1)^2)", "1 - x", {"x": {"interval": [0, 1]}}, "correct"),
    expr("sqrt-shift-on-real", "sqrt((x - 1)^2)", "1 - x", X, "incorrect"),
    expr("cos-pi-n-integer", "cos(pi*n)", "(-1)^n", {"n": "integer"}, "correct"),
    expr("minus-one-power-real", "(-1)^n", "cos(pi*n)", {"n": "real"}, "incorrect"),
    expr("reference-undefined-everywhere", "x", "log(x)", {"x": "negative"}, "undecided", "undecided"),
    # subtly wrong
    expr("wrong-exponent", "x^3/2", "x^2/2", X, "incorrect"),
    expr("off-by-constant", "x^2/2 + 1", "x^2/2", X, "incorrect"),
    expr("off-by-tiny-constant", "x^2/2 + 0.0000001", "x^2/2", X, "incorrect"),
    expr("float-approximation-of-third", "0.333*x^2", "x^2/3", X, "incorrect"),
    expr("float-slightly-off-half", "0.5000001*x^2", "x^2/2", X, "incorrect"),
    # automatic diagnosis on sampled values
    expr("diag-sign", "-x^2/2", "x^2/2", X, "incorrect", "sign"),
    expr("diag-reciprocal", "1 + x^2", "1/(1 + x^2)", X, "incorrect", "reciprocal"),
    expr("diag-factor-2", "x^2", "x^2/2", X, "incorrect", "factor-2"),
    expr("diag-factor-1-over-2", "x^2/2", "x^2", X, "incorrect", "factor-1-over-2"),
    expr(
        "diag-mse-dropped-2",
        "ŷ - y",
        "2*(y_hat - y)",
        {"y_hat": "real", "y": "real"},
        "incorrect",
        "factor-1-over-2",
    ),
    expr("diag-log-base", "log10(p)", "log(p)", {"p": "positive"}, "incorrect", "log-base"),
    expr("diag-log-base-negated", "-log10(p)", "-log(p)", {"p": "positive"}, "incorrect", "log-base"),
    expr("diag-log-base-ln", "log10(p)", "ln(p)", {"p": "positive"}, "incorrect", "log-base"),
    # forbid / require
    sig(
        "forbid-sigmoid-used",
        "σ(z) - y",
        "incorrect",
        "form",
        fields={"forbid": ["sigmoid"]},
        says="does not allow",
    ),
    sig(
        "forbid-sigmoid-partial",
        "σ(z) - y",
        "partial",
        "form",
        fields={"forbid": ["sigmoid"], "form_score": 0.5},
        score=0.5,
    ),
    sig("forbid-sigmoid-avoided", "1/(1 + exp(-z)) - y", "correct", fields={"forbid": ["sigmoid"]}),
    sig(
        "require-exp-missing",
        "σ(z) - y",
        "incorrect",
        "form",
        fields={"require": ["exp"]},
        says="should use `exp`",
    ),
    sig("require-sigmoid-via-symbol", "σ(z) - y", "correct", fields={"require": ["sigmoid"]}),
    expr("forbid-abs-bars", "|x|", "sqrt(x^2)", X, "incorrect", "form", fields={"forbid": ["abs"]}),
    expr("forbid-abs-avoided", "sqrt(x^2)", "abs(x)", X, "correct", fields={"forbid": ["abs"]}),
    # unreadable expressions
    expr("invalid-trailing-operator", "x^2/2 +", "x^2/2", X, "invalid", says="ends after"),
    expr("invalid-unknown-name", "q*x", "x^2/2", X, "invalid", says="`q` is not a known name"),
    expr("log-no-parens", "log x", "log(x)", {"x": "positive"}, "correct"),
    expr("invalid-log-no-parens-power", "log x^2", "log(x^2)", {"x": "positive"}, "invalid", says="log(x^2)"),
    expr("invalid-python-lambda", "lambda x: x", "x", X, "invalid", says="Python"),
    expr("invalid-attribute", "x.real", "x", X, "invalid", says="attributes"),
    expr("invalid-equation", "y = x^2/2", "x^2/2", X, "invalid", says="`=`"),
    expr("invalid-decimal-comma", "0,5x^2", "x^2/2", X, "invalid", says="write 0.5"),
    # issue 26: declared one-letter variables typed together are their product
    expr("run-together-names", "2xy", "2*x*y", {"x": "real", "y": "real"}, "correct"),
    expr(
        "invalid-run-together-with-unknown", "2xq", "2*x", {"x": "real", "y": "real"}, "invalid", says="`xq`"
    ),
]

# issue 12: grading that is right where float64 is not
GAUSS = {"y": "real", "y_hat": "real", "sigma": "positive"}
GAUSS_NLL = "(y - y_hat)^2/(2 sigma^2) + log(2 pi sigma^2)/2"
POLY13 = (
    "x^13 - 22.1x^12 + 224.51x^11 - 1388.101x^10 + 5827.4073x^9 - 17540.46723x^8 + 38943.131513x^7"
    " - 64568.1556663x^6 + 79943.41049266x^5 - 72997.481827556x^4 + 47779.2858099336x^3"
    " - 21227.24949673536x^2 + 5737.22176015296x - 712.41227785728"
)
POLY13_ROOTS = "*".join(f"(x - {k / 10:g})" for k in range(11, 24))
T = {"t": "real"}
AB = {"a": "real", "b": "real"}
UNIT = {"x": {"interval": [-1, 1]}}


def expanded13(a: int, off: int = 0) -> str:
    """(x + a)^13 written out term by term (binomial coefficients), its constant moved by `off`."""
    from math import comb

    terms = [f"{comb(13, k) * a ** (13 - k)}*x^{k}" for k in range(13, 0, -1)]
    return " + ".join([*terms, str(a**13 + off)]).replace("+ -", "- ")


PRECISION = [
    # 1. float64 overflows, underflows or cancels: mpmath re-evaluates those points
    expr(
        "gaussian-nll-exp-underflows", "-log(exp(-(y-ŷ)^2/(2σ^2))/sqrt(2π σ^2))", GAUSS_NLL, GAUSS, "correct"
    ),
    expr(
        "gaussian-nll-missing-half",
        "-log(exp(-(y-ŷ)^2/(2σ^2))/sqrt(2π σ^2))",
        GAUSS_NLL + " + 0.001",
        GAUSS,
        "incorrect",
    ),
    expr("degree-13-expanded-vs-factored", POLY13, POLY13_ROOTS, {"x": [0, 3]}, "correct"),
    expr(
        "degree-13-one-digit-off",
        POLY13.replace("5827.4073", "5827.4074"),
        POLY13_ROOTS,
        {"x": [0, 3]},
        "incorrect",
    ),
    # (x + a)^13 expanded: its terms cancel near x = -a far below the absolute floor and
    # float64's rounding, where only exact evaluation sees a constant off by 1 (issue 26)
    expr("degree-13-shifted-expanded-right", expanded13(10), "(x + 10)^13", X, "correct"),
    expr("degree-13-shifted-constant-off-by-1", expanded13(10, 1), "(x + 10)^13", X, "incorrect"),
    expr("degree-13-both-expanded-constant-off", expanded13(10, 1), expanded13(10), X, "incorrect"),
    expr("degree-13-large-shift-constant-off", expanded13(-20, 1), "(x - 20)^13", X, "incorrect"),
    expr("degree-13-large-shift-both-expanded", expanded13(-20, -1), expanded13(-20), X, "incorrect"),
    expr("degree-13-large-shift-right", expanded13(-20), "(x - 20)^13", X, "correct"),
    expr("degree-13-large-shift-right-reversed", "(x - 20)^13", expanded13(-20), X, "correct"),
    expr("degree-13-positive-constant-off", expanded13(1, 1), "(x + 1)^13", X, "incorrect"),
    expr("literal-beyond-float-times-x", "x*1e999", "x", X, "incorrect"),
    expr("literal-beyond-float-alone", "1e999", "x", X, "incorrect"),
    expr("literal-beyond-float-cancels", "x*1e999 - x*1e999 + x", "x", X, "correct"),
    expr("literal-beyond-float-divided-out", "x*1e999/1e999", "x", X, "correct"),
    expr("log-of-overflowing-exp", "log(exp(800x))", "800x", X, "correct"),
    expr("log-of-overflowing-exp-off", "log(exp(800x)) + 0.001", "800x", X, "incorrect"),
    expr("naive-softplus-overflows", "log(1 + exp(50z))", "softplus(50z)", {"z": "real"}, "correct"),
    expr("ratio-of-underflows", "exp(-900x^2)/exp(-900x^2 - x)", "exp(x)", X, "correct"),
    # 2. the tolerance scales with the values: no fixed 1e-9 that accepts anything tiny
    expr("tiny-reference-zero-is-wrong", "0", "1e-12*x", X, "incorrect"),
    expr("tiny-reference-sign-is-wrong", "-1e-12*x", "1e-12*x", X, "incorrect", "sign"),
    expr("tiny-reference-factor-is-wrong", "1.5e-12*x", "1e-12*x", X, "incorrect"),
    expr("tiny-reference-dropped-term", "1e-15*x", "1e-15*x + 1e-15*x^2", X, "incorrect"),
    expr("tiny-reference-exp-40", "0", "exp(-40)*(1 + x^2)", X, "incorrect"),
    expr("tiny-reference-right", "x/10^12", "1e-12*x", X, "correct"),
    expr("exact-zero-by-rounding", "sin(pi*n)", "0", {"n": "integer"}, "correct"),
    # 3. one-argument reductions of a scalar never reduce over the sample points
    expr("max-of-a-scalar", "max(t)", "t", T, "correct"),
    expr("min-plus-max-of-a-scalar", "min(t) + max(t)", "2t", T, "correct"),
    expr("sum-of-a-scalar", "sum(t)", "t", T, "correct"),
    expr("mean-of-a-scalar", "mean(t)", "t", T, "correct"),
    expr("len-of-a-scalar", "len(t)", "1", T, "correct"),
    expr("softmax-of-a-scalar", "softmax(t)", "1", T, "correct"),
    expr("logsumexp-of-a-scalar", "logsumexp(t)", "t", T, "correct"),
    expr("logsumexp-of-two", "logsumexp([a, b])", "log(exp(a) + exp(b))", AB, "correct"),
    expr("softmax-of-two-is-sigmoid", "softmax([a, b])[0]", "σ(a - b)", AB, "correct"),
    expr("max-of-a-vector-of-two", "max([a, b])", "(a + b + |a - b|)/2", AB, "correct"),
    expr("len-of-a-vector", "len([a, b, a])", "3", AB, "correct"),
    expr("mean-of-a-vector-of-two-wrong", "mean([a, b])", "a + b", AB, "incorrect", "factor-1-over-2"),
    # 4. notation: SymPy's names, sgn, arc-functions, sec/csc/cot
    expr("sympy-Abs", "Abs(x)", "sqrt(x^2)", X, "correct"),
    expr("sympy-Max", "Max(x, 0)", "relu(x)", X, "correct"),
    expr("sympy-Min", "Min(x, 1)", "min(x, 1)", X, "correct"),
    expr("sympy-Heaviside", "Heaviside(x)", "(1 + sign(x))/2", X, "correct"),
    expr("sgn", "sgn(x)*|x|", "x", X, "correct"),
    expr("arctan-vs-atan", "arctan(x)", "atan(x)", X, "correct"),
    expr("arcsin-plus-arccos", "arcsin(x) + arccos(x)", "pi/2", UNIT, "correct"),
    expr("acos-vs-asin", "acos(x)", "asin(x)", UNIT, "incorrect"),
    expr("atanh-as-log", "artanh(x)", "log((1 + x)/(1 - x))/2", {"x": [-0.9, 0.9]}, "correct"),
    expr("sec-squared", "sec(x)^2", "1 + tan(x)^2", X, "correct"),
    expr("csc-and-cot", "csc(x)^2 - cot(x)^2", "1", X, "correct"),
    expr("log-base-two-args", "log(x, 2)", "log2(x)", {"x": "positive"}, "correct"),
    # 5. powers on function names and subscripted log bases
    expr("sin-squared-on-the-name", "sin^2(x) + cos^2(x)", "1", X, "correct"),
    expr("sin-superscript-on-the-name", "sin²(x)", "sin(x)^2", X, "correct"),
    expr("sin-squared-without-parens", "sin^2 x", "sin(x)^2", X, "correct"),
    expr("sin-inverse-on-the-name", "sin^-1(x)", "asin(x)", UNIT, "invalid", says="write asin(x)"),
    expr("log-squared-on-the-name", "log^2(x)", "log(x)^2", {"x": "positive"}, "correct"),
    # 6. notation people type (issue 26): factorials, powers of functions, functions of a
    # simple argument without parentheses, declared one-letter variables typed together
    expr("factorial-in-a-series-term", "x^3/3!", "x^3/6", X, "correct"),
    expr("factorial-series", "x - x^3/3! + x^5/5!", "x - x^3/6 + x^5/120", X, "correct"),
    expr("factorial-wrong-term", "x^3/3!", "x^3/3", X, "incorrect"),
    expr("factorial-of-a-sum", "(n+1)!/n!", "n + 1", {"n": {"set": [0, 1, 2, 3, 7, 12]}}, "correct"),
    expr("factorial-of-zero", "x^0/0!", "1", X, "correct"),
    expr("invalid-double-factorial", "n!!", "n", {"n": "integer"}, "invalid", says="(n!)!"),
    expr("not-equal-is-not-a-factorial", "1 if x != 0 else 0", "1 if x != 0 else 0", X, "correct"),
    expr("cos-squared-plus-sin-squared-bare", "cos^2 x + sin^2 x", "1", X, "correct"),
    expr("sin-squared-bare-is-not-sin-of-square", "sin^2 x", "sin(x^2)", X, "incorrect"),
    expr("sin-superscript-bare", "sin²x", "sin(x)^2", X, "correct"),
    expr("log-squared-bare-product", "log^2 2n", "log(2n)^2", {"n": "positive"}, "correct"),
    expr("log-squared-bare-not-log-of-2-squared", "log^2 2n", "log(2)^2*n", {"n": "positive"}, "incorrect"),
    expr("invalid-sin-squared-bare-power", "sin^2 x^2", "sin(x^2)^2", X, "invalid", says="sin(x^2)^2"),
    expr("invalid-sin-inverse-bare", "sin^-1 x", "asin(x)", UNIT, "invalid", says="write asin(x)"),
    expr("sin-bare-product", "sin 5n", "sin(5n)", {"n": "real"}, "correct"),
    expr("sin-bare-product-not-times-n", "sin 5n", "sin(5)*n", {"n": "real"}, "incorrect"),
    expr("cos-bare-then-sin", "-cos t sin(2 t)", "-cos(t)*sin(2t)", {"t": "real"}, "correct"),
    expr("sin-bare-times-cos-bare", "sin x cos x", "sin(2x)/2", X, "correct"),
    expr("sin-bare-over-2", "sin x/2", "sin(x)/2", X, "correct"),
    expr("invalid-sin-bare-power", "sin x^2", "sin(x^2)", X, "invalid", says="write sin(x^2) or sin(x)^2"),
    expr("invalid-sin-bare-negative", "sin -x", "-sin(x)", X, "invalid", says="parentheses"),
    expr("letters-mx-plus-b", "mx+b", "m*x + b", {"m": "real", "x": "real", "b": "real"}, "correct"),
    expr("letters-in-brackets", "(ab)c", "a*b*c", {"a": "real", "b": "real", "c": "real"}, "correct"),
    expr("letters-power-on-last", "nm^(-1)", "n/m", {"n": "positive", "m": "positive"}, "correct"),
    expr("letters-power-not-on-both", "nm^(-1)", "1/(n*m)", {"n": "positive", "m": "positive"}, "incorrect"),
    expr("letters-in-a-bare-argument", "sin mx", "sin(m*x)", {"m": "real", "x": "real"}, "correct"),
    expr("letters-declared-name-wins", "mu", "mu", {"mu": "real", "m": "real", "u": "real"}, "correct"),
    expr(
        "letters-declared-name-not-product",
        "mu",
        "m*u",
        {"mu": "real", "m": "real", "u": "real"},
        "incorrect",
    ),
    expr(
        "letters-declared-sigma-wins",
        "sigma^2",
        "sigma^2",
        {c: "positive" for c in ("sigma", "s", "i", "g", "m", "a")},
        "correct",
    ),
    expr(
        "letters-y-hat-never-split",
        "y_hat - y",
        "y_hat - y",
        {"y_hat": "real", "y": "real", "h": "real"},
        "correct",
    ),
    expr(
        "invalid-letters-with-a-longer-name-inside",
        "mux",
        "mu*x",
        {"mu": "real", "m": "real", "u": "real", "x": "real"},
        "invalid",
        says="`mux` is not a known name",
    ),
    expr(
        "letters-never-split-a-function",
        "exp",
        "e*x*p",
        {"e": "real", "x": "real", "p": "real"},
        "invalid",
        says="parentheses",
    ),
    expr("letters-never-split-pi", "pi", "pi", {"p": "real", "i": "real"}, "correct"),
    expr("log-underscore-2", "log_2(x)", "log2(x)", {"x": "positive"}, "correct"),
    expr("log-subscript-2", "log₂(x)", "log(x)/log(2)", {"x": "positive"}, "correct"),
    expr(
        "log-underscore-variable-base",
        "log_b(x)",
        "log(x)/log(b)",
        {"x": "positive", "b": [2, 10]},
        "correct",
    ),
    expr(
        "log-underscore-2-no-parens", "log_2 x", "log2(x)", {"x": "positive"}, "invalid", says="write log2(x)"
    ),
    num("log-underscore-10-of-100", "log_10(100)", "2", "correct"),
    # 6. full-width characters (NFKC)
    expr("full-width-brackets-and-plus", "（x ＋ 1）^2", "(x + 1)^2", X, "correct"),
    expr("full-width-letters-digits-minus", "２ｘ －１", "2x - 1", X, "correct"),
    num("full-width-decimal-point", "１．５", "1.5", "correct"),
    expr("full-width-caret-at-what-was-typed", "（x ＋", "x", X, "invalid", says="ends after", at=3),
    # 7. huge exact powers
    expr("power-4000-sign-inside", "(1 - t)^4000", "(t - 1)^4000", T, "correct"),
    expr("power-4001-sign-inside", "(1 - t)^4001", "(t - 1)^4001", T, "incorrect", "sign"),
    expr("power-5000-over-4999", "x^5000/x^4999", "x", {"x": "positive"}, "correct"),
    expr("power-too-large-refused", "x^99999", "x", X, "invalid", says="too large"),
]

# ------------------------------------------------------------------------ derivations

CHAIN = {"mode": "chain", "start": "(x + 1)^2 - (x - 1)^2", "answer": "4x"}


def chain(id: str, answer: str, expect: str, note: str | None = None, **kw: Any) -> Any:
    fields = {**CHAIN, **kw.pop("fields", {})}
    variables = kw.pop("variables", X)
    return case("derivation", id, answer, expect, note, variables=variables, fields=fields, **kw)


STEPS = {
    "mode": "steps",
    "steps": [
        {"prompt": "dL/dŷ for L = (ŷ − y)²", "answer": "2*(y_hat - y)"},
        {"prompt": "dL/dw for ŷ = w·x", "answer": "2*(y_hat - y)*x", "follows": "step1*x"},
    ],
}
STEP_VARS = {"y_hat": "real", "y": "real", "x": "real"}


def steps(id: str, answer: str, expect: str, note: str | None = None, **kw: Any) -> Any:
    fields = {**STEPS, **kw.pop("fields", {})}
    return case("derivation", id, answer, expect, note, variables=STEP_VARS, fields=fields, **kw)


DERIVATION = [
    chain(
        "one-line", "(x+1)^2 - (x-1)^2 = x^2+2x+1 - (x^2-2x+1) = 4x", "correct", rule="2 equalities checked"
    ),
    chain("one-per-line", "(x+1)^2 - (x-1)^2\n= x^2 + 2x + 1 - (x^2 - 2x + 1)\n= 4x", "correct"),
    chain("blank-line-in-between", "(x+1)^2 - (x-1)^2\n\n= 2x + 2x\n= 4x", "correct"),
    chain("mixed-lines", "(x+1)^2 - (x-1)^2 = x^2+2x+1 - (x^2-2x+1)\n= 4x", "correct"),
    chain(
        "log-sigmoid",
        "log(σ(z)) = log(1/(1 + exp(-z)))\n= -log(1 + exp(-z))\n= -softplus(-z)",
        "correct",
        variables={"z": "real"},
        fields={"start": "log(sigmoid(z))", "answer": "-softplus(-z)"},
    ),
    chain(
        "conditions-inside-lines",
        "|e| = e if e >= 0 else -e = max(e, -e)",
        "correct",
        variables={"e": "real"},
        fields={"start": "abs(e)", "answer": "max(e, -e)"},
    ),
    chain(
        "second-line-broken",
        "(x+1)^2 - (x-1)^2\n= x^2 + 1 - x^2 + 1\n= 4x",
        "incorrect",
        "broken-link",
        says="Line 2",
    ),
    chain(
        "third-line-broken",
        "(x+1)^2 - (x-1)^2\n= x^2 + 2x + 1 - (x^2 - 2x + 1)\n= 4x + 2",
        "incorrect",
        "broken-link",
        says="Line 3",
    ),
    chain(
        "broken-on-one-line",
        "(x+1)^2 - (x-1)^2 = x^2+2x+1 - x^2-2x+1 = 4x",
        "incorrect",
        "broken-link",
        says="Expression 2 (line 1)",
    ),
    chain(
        "log-sigmoid-sign-slip",
        "log(σ(z)) = -log(1 + exp(z))",
        "incorrect",
        "broken-link",
        variables={"z": "real"},
        fields={"start": "log(sigmoid(z))", "answer": "-softplus(-z)"},
    ),
    chain("wrong-start", "(x+1)^2 + (x-1)^2 = 2x^2 + 2", "incorrect", "wrong-start"),
    chain("wrong-start-then-right-result", "(x+1)^2 = 4x", "incorrect", "wrong-start"),
    chain(
        "stops-before-result",
        "(x+1)^2 - (x-1)^2 = x^2+2x+1 - (x^2-2x+1)",
        "incorrect",
        "wrong-result",
    ),
    chain(
        "restates-start",
        "(x+1)^2 - (x-1)^2 = (x + 1)^2 - (x - 1)^2",
        "incorrect",
        "wrong-result",
    ),
    chain(
        "forbidden-name-in-last-line",
        "log(σ(z)) = log(1/(1 + exp(-z))) = -log(1 + exp(-z))",
        "incorrect",
        "form",
        variables={"z": "real"},
        fields={"start": "log(sigmoid(z))", "answer": "-softplus(-z)", "forbid": ["exp"]},
    ),
    chain(
        "finished-in-another-notation",
        "log(σ(z)) = log(1/(1 + exp(-z))) = -log(1 + exp(-z))",
        "correct",
        variables={"z": "real"},
        fields={"start": "log(sigmoid(z))", "answer": "-softplus(-z)"},
    ),
    chain(
        "restates-start-with-forbidden-name",
        "log(σ(z)) = log(sigmoid(z))",
        "incorrect",
        "wrong-result",
        says="stops before the result",
        variables={"z": "real"},
        fields={"start": "log(sigmoid(z))", "answer": "-softplus(-z)", "forbid": ["sigmoid"]},
    ),
    chain("invalid-single-expression", "4x", "invalid", says="as a chain"),
    chain("invalid-unreadable-piece", "(x+1)^2 - (x-1)^2\n= 4x +", "invalid", says="ends after"),
    chain("invalid-double-equals", "(x+1)^2 - (x-1)^2 == 4x", "invalid", says="condition"),
    steps("all-correct", "2(ŷ - y)\n2(ŷ - y)x", "correct", score=1.0),
    steps("ascii-names", "2*(y_hat - y)\n2*(y_hat - y)*x", "correct"),
    steps("second-step-wrong", "2(ŷ - y)\n2(ŷ - y)", "partial", score=0.5, says="Step 2"),
    steps("first-step-wrong-second-right", "(ŷ - y)\n2(ŷ - y)x", "partial", "factor-1-over-2", score=0.5),
    steps("error-carried-forward", "(ŷ - y)\n(ŷ - y)x", "partial", "carried-forward", score=0.25),
    steps("sign-error-carried-forward", "2(y - ŷ)\n2(y - ŷ)x", "partial", "carried-forward"),
    steps("both-wrong-not-carried", "(ŷ - y)\n(ŷ + y)x", "incorrect", score=0.0),
    steps(
        "step-mistake-and-carried",
        "(ŷ - y)\n(ŷ - y)x",
        "partial",
        "dropped-2",
        fields={
            "steps": [
                {
                    "prompt": "dL/dŷ",
                    "answer": "2*(y_hat - y)",
                    "mistakes": [{"answer": "y_hat - y", "note": "dropped-2", "feedback": "Power rule."}],
                },
                STEPS["steps"][1],
            ]
        },
    ),
    steps("invalid-missing-step", "2(ŷ - y)", "invalid", says="Step 2 is empty"),
    steps("invalid-unreadable-step", "2(ŷ - y)\n2(ŷ - y", "invalid", says="Step 2: `(` is never closed"),
]

# ------------------------------------------------------------------------ vectors

SOFTMAX = {
    "params": {"z": [1, 2, 3]},
    "fields": {"sums_to": 1, "nonnegative": True},
}  # [0.0900, 0.2447, 0.6652]


def vec(id: str, answer: str, expect: str, note: str | None = None, **kw: Any) -> Any:
    """Softmax of z = [1, 2, 3] (entries sum to 1, none negative) unless a row gives `ref`."""
    if "ref" not in kw:
        kw = {"ref": "softmax(z)", **SOFTMAX, **kw}
    return case("vector", id, answer, expect, note, **kw)


VECTOR = [
    vec("softmax-3-decimals", "[0.090, 0.245, 0.665]", "correct", rule="each entry within 1 %"),
    vec("softmax-4-decimals", "[0.0900, 0.2447, 0.6652]", "correct"),
    vec("decimal-commas", "[0,090, 0,245, 0,665]", "invalid", says="use a decimal point", at=2),
    vec("no-spaces-right-length", "[0.090,0.245,0.665]", "correct"),
    vec("without-brackets", "0.090, 0.245, 0.665", "correct"),
    vec("without-brackets-unreadable", "0.090, 0.245, 0.665 +", "invalid", says="add a value after `+`"),
    vec("softmax-mixed-precision", "[0.09, 0.2447, 0.6652]", "correct"),
    vec("softmax-as-fractions-of-exp", "[e/(e+e^2+e^3), e^2/(e+e^2+e^3), e^3/(e+e^2+e^3)]", "correct"),
    vec(
        "softmax-call",
        "softmax([1, 2, 3])",
        "correct",
    ),
    # `forbid:` as on expressions: a builtin that would give the answer away is refused unread
    vec(
        "softmax-call-forbidden",
        "softmax([1, 2, 3])",
        "invalid",
        says="uses `softmax`, which this question does not allow",
        at=0,
        fields={**SOFTMAX["fields"], "forbid": ["softmax"]},
    ),
    vec(
        "softmax-call-forbidden-without-brackets",
        "0.1, softmax([1, 2, 3])[1], 0.7",
        "invalid",
        says="does not allow",
        at=5,
        fields={**SOFTMAX["fields"], "forbid": ["softmax"]},
    ),
    vec(
        "softmax-forbidden-written-out-is-fine",
        "[exp(1), exp(2), exp(3)]/(exp(1) + exp(2) + exp(3))",
        "correct",
        fields={**SOFTMAX["fields"], "forbid": ["softmax"]},
    ),
    vec(
        "vector-divided-by-sum",
        "[exp(1), exp(2), exp(3)]/(exp(1) + exp(2) + exp(3))",
        "correct",
    ),
    vec("too-short", "[0.09, 0.24]", "incorrect", "wrong-length", says="2 entries"),
    vec("too-long", "[0.09, 0.24, 0.665, 0]", "incorrect", "wrong-length", says="4 entries"),
    vec("literal-beyond-float-entry", "[1e999, 1, 2]", "incorrect", ref="[1, 2, 3]", says="Entry 1 is far"),
    vec("literal-beyond-float-entry-cancels", "[1e999/1e998 - 9, 2, 3]", "correct", ref="[1, 2, 3]"),
    # a list of the wrong length is a wrong length, never a decimal comma (issue 26)
    vec(
        "short-list-no-spaces",
        "[1,2]",
        "incorrect",
        "wrong-length",
        ref="[1, 2, 3]",
        says="2 entries, 3 wanted",
    ),
    vec(
        "long-list-no-spaces",
        "[1,2,3,4]",
        "incorrect",
        "wrong-length",
        ref="[1, 2, 3]",
        says="4 entries, 3 wanted",
    ),
    vec("short-list-says-lengths", "[0.09, 0.24]", "incorrect", "wrong-length", says="2 entries, 3 wanted"),
    vec("decimal-commas-two-wanted", "[0,5,0,3]", "invalid", ref="[0.5, 0.3]", says="use a decimal point"),
    vec("one-entry-off-by-2pc", "[0.09, 0.24, 0.67]", "incorrect", says="Entry 2 is off"),
    vec("all-off-sum-ok", "[0.2, 0.3, 0.5]", "incorrect", says="Entries 1, 2, 3 are off"),
    vec("reversed", "[0.6652, 0.2447, 0.09]", "incorrect", says="Entries 1, 3 are off"),
    vec("sum-violated", "[0.09, 0.2447, 0.5]", "incorrect", "sum", says="should sum to 1"),
    vec("raw-logits", "[1, 2, 3]", "incorrect", "sum"),
    vec("negative-entry", "[-0.09, 0.2447, 0.6652]", "incorrect", "negative-entry", says="negative"),
    vec("invalid-unclosed", "[0.1, 0.2", "invalid", says="never closed"),
    vec("invalid-scalar", "0.5", "invalid", says="vector is expected"),
    vec("invalid-semicolons", "[0.09; 0.24; 0.67]", "invalid", says="`;`"),
    vec("invalid-spaces-only", "[0.09 0.24 0.67]", "invalid", says="missing operator"),
    vec("invalid-nested", "[[0.1]]", "invalid", says="can't be nested"),
    vec("invalid-empty-vector", "[]", "invalid", says="empty vector"),
    vec("invalid-unknown-name", "[0.09, 0.2447, x]", "invalid", says="`x`"),
    vec("diag-sign", "[-1, -2, -3]", "incorrect", "sign", ref="[1, 2, 3]"),
    vec("diag-factor-2", "[2, 4, 6]", "incorrect", "factor-2", ref="[1, 2, 3]"),
    vec("diag-reciprocal", "[1, 1/2, 1/3]", "incorrect", "reciprocal", ref="[1, 2, 3]"),
    vec(
        "abs-tolerance-inside",
        "[0.505, 0.495]",
        "correct",
        ref="[0.5, 0.5]",
        tol={"abs": 0.01},
        rule="each entry within ± 0.01",
    ),
    vec("abs-tolerance-outside", "[0.52, 0.48]", "incorrect", ref="[0.5, 0.5]", tol={"abs": 0.01}),
    vec(
        "vector-mistake",
        "[0.6652, 0.2447, 0.09]",
        "incorrect",
        "reversed",
        fields={
            "sums_to": 1,
            "mistakes": [{"answer": "[0.6652, 0.2447, 0.0900]", "note": "reversed", "feedback": "Order."}],
        },
    ),
]

# ------------------------------------------------------------------------ choices

MSE_FIRST = [
    {"text": "Mean squared error", "correct": True, "feedback": "Yes: regression."},
    {"text": "Cross-entropy", "feedback": "That is for classification."},
    {"text": "Hinge loss"},
]
NORMS = [
    {"text": "L2 loss", "correct": True},
    {"text": "L0 loss"},
    {"text": "L1 loss", "correct": True},
    {"text": "Zero-one loss"},
]


def one(id: str, answer: str, expect: str, note: str | None = None, **kw: Any) -> Any:
    fields = {"options": MSE_FIRST, "shuffle": False, **kw.pop("fields", {})}
    return case("choice", id, answer, expect, note, fields=fields, **kw)


def many(id: str, answer: str, expect: str, note: str | None = None, **kw: Any) -> Any:
    fields = {"options": NORMS, "multiple": True, "shuffle": False, **kw.pop("fields", {})}
    return case("choice", id, answer, expect, note, fields=fields, **kw)


CHOICE = [
    one("letter", "a", "correct", says="Yes: regression."),
    one("capital-letter", "A", "correct"),
    one("letter-with-spaces", "  a  ", "correct"),
    one("number", "1", "correct"),
    one("option-text", "mean squared error", "correct"),
    one("option-text-case-and-full-stop", "Mean Squared Error.", "correct"),
    one("option-text-hyphenated", "mean-squared error", "correct"),
    one("wrong-letter", "b", "incorrect", "wrong-option", says="classification"),
    one("wrong-number", "3", "incorrect", "wrong-option"),
    one("wrong-option-text", "Hinge loss", "incorrect", "wrong-option"),
    one("letters-are-authored-order-even-when-shuffled", "a", "correct", fields={"shuffle": True}),
    one("invalid-two-letters", "a, b", "invalid", says="one option only"),
    one("invalid-letter-out-of-range", "d", "invalid", says="`d` is not one of the options"),
    one("invalid-number-zero", "0", "invalid", says="`0`"),
    one("invalid-number-out-of-range", "4", "invalid", says="`4`"),
    one("invalid-parenthesised-letter", "(a)", "invalid", says="`(a)`"),
    one("invalid-sentence", "option a", "invalid", says="`option`"),
    one("invalid-empty", "", "invalid", says="empty"),
    many("letters-comma", "a, c", "correct", score=1.0),
    many("letters-any-order", "c a", "correct"),
    many("letters-capital", "A,C", "correct"),
    many("letters-semicolon", "a;c", "correct"),
    many("numbers-space", "1 3", "correct"),
    many("numbers-comma", "1,3", "correct"),
    many("net-one-of-two", "a", "partial", "incomplete-selection", score=0.5, says="missed 1"),
    many("net-option-text-one-of-two", "L1 loss", "partial", "incomplete-selection", score=0.5),
    many("net-two-right-one-wrong", "a, b, c", "partial", score=0.5),
    many("net-one-right-one-wrong", "a, b", "incorrect", "incomplete-selection", score=0.0),
    many("net-everything", "a, b, c, d", "incorrect", score=0.0),
    many("net-only-wrong", "b", "incorrect", says="missed 2"),
    many("all-or-nothing-one-of-two", "a", "incorrect", "wrong-option", fields={"scoring": "all-or-nothing"}),
    many("all-or-nothing-both", "a c", "correct", fields={"scoring": "all-or-nothing"}),
    many("invalid-letter", "e", "invalid", says="`e` is not one of the options (a–d)"),
    many("invalid-and", "a and c", "invalid", says="`and`"),
]

# ------------------------------------------------------------------------ text

ACCEPT_GD = {"accept": ["gradient descent"]}


def text(id: str, answer: str, expect: str, note: str | None = None, **kw: Any) -> Any:
    fields = kw.pop("fields", ACCEPT_GD)
    return case("text", id, answer, expect, note, fields=fields, **kw)


TEXT = [
    text("exact", "gradient descent", "correct"),
    text("title-case", "Gradient Descent", "correct"),
    text("shouting-with-bang", "GRADIENT DESCENT!", "correct"),
    text("extra-spaces", "  gradient   descent  ", "correct"),
    text("tab", "gradient\tdescent", "correct"),
    text("no-break-space", "gradient\u00a0descent", "correct"),
    text("hyphen", "gradient-descent", "correct"),
    text("underscore", "gradient_descent", "correct"),
    text("full-stop", "gradient descent.", "correct"),
    text("fullwidth-letters-nfkc", "ｇｒａｄｉｅｎｔ ｄｅｓｃｅｎｔ", "correct"),
    text(
        "unicode-hyphen",
        "gradient\u2010descent",
        "correct",
    ),
    text(
        "non-breaking-hyphen",
        "gradient\u2011descent",
        "correct",
    ),
    text("decomposed-diaeresis", "nai\u0308ve bayes", "correct", fields={"accept": ["naïve bayes"]}),
    text("composed-vs-decomposed-accept", "Naïve Bayes", "correct", fields={"accept": ["nai\u0308ve bayes"]}),
    text("ligature-fi", "ﬁne tuning", "correct", fields={"accept": ["fine-tuning"]}),
    text("wrong-word", "gradient ascent", "incorrect", says="not the answer"),
    text("article", "the gradient descent", "correct"),
    text("article-a", "A hinge loss", "correct", fields={"accept": ["hinge loss"]}),
    text(
        "swapped-letters",
        "sigmiod",
        "incorrect",
        "spelling",
        says="check the spelling",
        fields={"accept": ["sigmoid"]},
    ),
    text("missing-letter", "huber los", "incorrect", "spelling", fields={"accept": ["huber loss"]}),
    text(
        "short-word-no-spelling-hint", "mea", "incorrect", says="not the answer", fields={"accept": ["mse"]}
    ),
    # words run together are the same answer: "logcosh" for "log-cosh"
    text("run-together", "gradientdescent", "correct"),
    text("run-together-name", "logcosh", "correct", fields={"accept": ["log-cosh"]}),
    text(
        "run-together-mistake",
        "crossentropy",
        "incorrect",
        "ce",
        fields={
            "accept": ["hinge"],
            "mistakes": [{"answer": "cross-entropy", "feedback": "No.", "note": "ce"}],
        },
    ),
    text("case-sensitive-right", "ReLU", "correct", fields={"accept": ["ReLU"], "case_sensitive": True}),
    text(
        "case-sensitive-wrong-case", "relu", "incorrect", fields={"accept": ["ReLU"], "case_sensitive": True}
    ),
    text("regex-short", "L2", "correct", fields={"regex": r"L2( loss)?"}),
    text("regex-long-lower-case", "l2 loss", "correct", fields={"regex": r"L2( loss)?"}),
    text("regex-no-match", "L1", "incorrect", fields={"regex": r"L2( loss)?"}),
    text("regex-alternative-upper", "MSE", "correct", fields={"regex": r"mse|mean squared error"}),
    text(
        "regex-after-space-normalising",
        "Mean  Squared   Error",
        "correct",
        fields={"regex": r"mse|mean squared error"},
    ),
    text(
        "mistake-matched",
        "Mean squared error",
        "incorrect",
        "wrong-loss",
        says="regression",
        fields={
            "accept": ["cross-entropy"],
            "mistakes": [
                {"answer": "mean squared error", "note": "wrong-loss", "feedback": "MSE is for regression."}
            ],
        },
    ),
    text(
        "mistake-partial",
        "mean-squared-error",
        "partial",
        "wrong-loss",
        score=0.5,
        fields={
            "accept": ["cross-entropy"],
            "mistakes": [
                {"answer": "mean squared error", "note": "wrong-loss", "feedback": "Half.", "score": 0.5}
            ],
        },
    ),
    text("accept-number-as-text", "0.5", "correct", fields={"accept": [0.5]}),
    text("invalid-empty", "", "invalid", says="empty"),
]

# ------------------------------------------------------------------------ free response

RUBRIC = {
    "model_answer": "…",
    "rubric": ["States the loss", "Differentiates it", {"text": "Interprets the sign", "points": 2}],
}


def free(id: str, answer: str, expect: str, note: str | None = "self-assessed", **kw: Any) -> Any:
    return case("free", id, answer, expect, note, fields=RUBRIC, **kw)


FREE = [
    free("all-ticked-numbers", "1 2 3", "correct", score=1.0),
    free("all-ticked-letters", "a b c", "correct", score=1.0),
    free("two-of-three-items", "a, b", "partial", score=0.5, says="Not covered: Interprets the sign"),
    free("heavy-item-only", "c", "partial", score=0.5),
    free("light-item-only", "a", "partial", score=0.25),
    free("invalid-item", "d", "invalid", None, says="`d`"),
    free("invalid-empty", "", "invalid", None, says="empty"),
]

PRECISE_CHAIN = {"mode": "chain", "start": "log(exp(800x)) - 800x + x", "answer": "x"}
UNDEFINED_STEP = {"mode": "steps", "steps": [{"prompt": "?", "answer": "log(-y^2 - 1)"}]}
PRECISION_DERIVATIONS = [
    # the same engine decides links and steps; no clean evidence is "undecided", never "incorrect"
    chain(
        "links-need-more-digits",
        "log(exp(800x)) - 800x + x\n= 800x - 800x + x\n= x",
        "correct",
        fields=PRECISE_CHAIN,
    ),
    chain(
        "link-broken-beyond-float",
        "log(exp(800x)) - 800x + x\n= 800x - 800x + 2x\n= x",
        "incorrect",
        "broken-link",
        fields=PRECISE_CHAIN,
    ),
    steps("step-needs-more-digits", "log(exp(800*(ŷ - y)))/400\n2(ŷ - y)x", "correct"),
    steps("step-undefined-reference-is-undecided", "log(y)", "undecided", "undecided", fields=UNDEFINED_STEP),
]

ROWS = NUMERIC + EXPRESSION + PRECISION + PRECISION_DERIVATIONS + DERIVATION + VECTOR + CHOICE + TEXT + FREE


@pytest.mark.parametrize("row", ROWS)
def test_answer_table(row: Row) -> None:
    result = grade_row(row)
    said = " | ".join(result.feedback)
    assert result.verdict == row.expect, f"{result.verdict} {result.notes}: {said} (read as {result.read_as})"
    if row.note is not None:
        assert row.note in result.notes, f"notes {result.notes}: {said}"
    if row.expect == "invalid":
        assert row.says is not None, "an invalid row must say which words name the problem"
        assert row.says.lower() in said.lower()
        assert not result.counts_as_attempt
        assert result.score == 0
        if row.at is not None:
            assert result.position == row.at, f"caret at {result.position}: {said}"
    elif row.says is not None:
        assert row.says in said
    if row.rule is not None:
        assert result.rule == row.rule
    if row.score is not None:
        assert result.score == pytest.approx(row.score)
    if row.expect == "correct":
        assert result.score == 1
        if row.kind != "free":
            assert result.notes == ()
    if row.expect == "incorrect":
        assert result.score == 0


def test_the_table_is_large_and_its_ids_are_unique() -> None:
    ids = [p.id for p in ROWS]
    assert len(ids) >= 160
    assert [i for i, n in Counter(ids).items() if n > 1] == []


def test_every_invalid_row_says_what_is_wrong() -> None:
    rows = [p.values[0] for p in ROWS]
    assert all(r.says for r in rows if r.expect == "invalid")
    assert {r.kind for r in rows} == {
        "numeric",
        "expression",
        "derivation",
        "vector",
        "choice",
        "text",
        "free",
    }
