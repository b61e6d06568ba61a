"""`numeric`: a number, or an expression that computes one, within a tolerance."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Literal, cast

from pydantic import Field

from tutor.content.expressions import parse_author
from tutor.content.model import Expr, ForbidMixin, Mistake, QuestionBase, Tolerance
from tutor.expr import evaluate, render
from tutor.expr.nodes import Node, Vector, beyond_float
from tutor.grading.diagnose import diagnose
from tutor.grading.grader import (
    FORBIDDEN_HINT,
    author_value,
    forbidden,
    mistake_result,
    not_allowed,
    not_finite_message,
    read_answer,
    relative_tolerance,
)
from tutor.grading.result import Result, invalid
from tutor.grading.tolerance import close, describe
from tutor.kinds import register
from tutor.kinds._common import finite_scalar, lint_abs, lint_hint_values, lint_rel, value_cases, what
from tutor.kinds.base import AuthorExpr, Case, Kind

if TYPE_CHECKING:
    from tutor.content.variants import Variant
    from tutor.grading.preview import Preview
    from tutor.grading.result import Result


class NumericQuestion(QuestionBase, ForbidMixin):
    type: Literal["numeric"]
    answer: Expr
    tolerance: Tolerance | None = None
    mistakes: list[Mistake] = Field(default_factory=list)


def compute_answer(variant: Variant, answer: str) -> None:
    """A numeric or vector reference, evaluated with the variant's numbers."""
    from tutor.content.variants import VariantError, evaluate_in

    try:
        variant.answer = evaluate_in(variant.values, answer, variant.scope)
    except ValueError as exc:
        raise VariantError(f"answer: {exc}", ("answer",)) from None


def grade_numeric(variant: Variant, answer: str) -> Result:
    q = cast(NumericQuestion, variant.question)
    tree = read_answer(answer)
    if isinstance(tree, Result):
        return tree
    if isinstance(tree, Vector):
        return invalid("A single number is expected here, not a list.", tree.pos)
    if (banned := forbidden(q, tree)) is not None:
        return invalid(not_allowed(banned[0]), banned[1], FORBIDDEN_HINT)
    read_as = render(tree)
    try:
        value = float(evaluate(tree, {}))
    except (ValueError, TypeError) as exc:
        return invalid(f"Could not compute a number from it: {exc}")
    reference = float(variant.answer)
    if not math.isfinite(value) and beyond_float(tree):
        # 1e999 is a number, only too large for float64: worked out exactly, it is either a
        # value again (log(1e999), 1e999 - 1e999) or far from any finite reference
        exact_value = exactly(tree)
        if isinstance(exact_value, list):
            exact_value = None
        if exact_value is not None and math.isfinite(float(exact_value)):
            value = float(exact_value)
        elif exact_value is not None:
            import mpmath

            size = mpmath.nstr(exact_value, 3)
            too_far = f"That is not the right value: it is {size}, far from the answer."
            return Result("incorrect", 0.0, (), (too_far,), read_as, describe(q.tolerance, reference))
    if not math.isfinite(value):
        return invalid(not_finite_message(value))
    check = close(value, reference, q.tolerance, answer)
    if check.ok:
        return Result("correct", 1.0, read_as=read_as, rule=check.rule)
    if check.problem:
        return Result("incorrect", 0.0, ("sigfigs",), (check.problem,), read_as, check.rule)
    # Two mistakes can round alike (to 3 figures, say): the one nearest the answer is named.
    matched: list[tuple[float, int, Mistake]] = []
    for mistake in q.mistakes:
        wrong = author_value(variant, mistake.answer)
        if wrong is not None and close(value, float(wrong), q.tolerance).ok:
            matched.append((abs(value - float(wrong)), len(matched), mistake))
    if matched:
        return mistake_result(variant, min(matched)[2], read_as, check.rule)
    found = diagnose(
        value,
        reference,
        relative_tolerance(q.tolerance),
        parse_author(q.answer, variant.scope.values, variant.scope.functions.keys()),
        lambda swap: evaluate(
            parse_author(q.answer, variant.scope.values, variant.scope.functions.keys()),
            variant.values,
            {**variant.scope.functions, **swap},
        ),
    )
    if found is not None:
        return Result("incorrect", 0.0, (found.note,), (found.feedback,), read_as, check.rule)
    if reference != 0 and abs(value - reference) <= 0.05 * abs(reference):
        near = f"Close, but not {check.rule}: round later, or keep more digits."
        return Result("incorrect", 0.0, ("close",), (near,), read_as, check.rule)
    return Result("incorrect", 0.0, (), ("That is not the right value.",), read_as, check.rule)


def exactly(tree: Node) -> Any:
    """The value of a constant tree at 40 digits (an mpf, or a list of them for a vector), or
    None when it has none."""
    from tutor.expr import EvalError
    from tutor.expr.precise import evaluate_precise

    try:
        value = evaluate_precise(tree, {}, {}, 40)
    except (EvalError, ArithmeticError, ValueError, TypeError):
        return None
    if isinstance(value, list):
        return None if any(v != v for v in value) else value
    return None if value != value else value  # NaN: no value


class Numeric(Kind[NumericQuestion]):
    name = "numeric"
    order = 10
    model = NumericQuestion
    label = "number"
    how_to = "Type a number or an expression such as 1e4*ln(3); enter checks it."
    reads_math = True
    computes_answer = True
    placeholder = "a number or expression, e.g. 2.5e-3 or 1e4*ln(3)"

    def instantiate(self, variant: Variant) -> None:
        compute_answer(variant, self.of(variant.question).answer)

    def how_to_answer(self, variant: Variant) -> str:
        return f"{self.rule_line(variant)} {self.how_to}"

    def plain_lines(self, variant: Variant) -> list[str]:
        return [self.rule_line(variant)]  # the rule is known before answering, not only after

    def rule_line(self, variant: Variant) -> str:
        """How close an answer must be, in the words the feedback uses."""
        from tutor.grading.tolerance import stated_rule

        return stated_rule(self.of(variant.question).tolerance, variant.answer)

    def grade(self, variant: Variant, answer: Any) -> Result:
        return grade_numeric(variant, answer)

    def preview(self, variant: Variant, text: str) -> Preview | None:
        from tutor.grading.preview import math_preview

        return math_preview(variant, text, computes=True)

    def author_exprs(self, question: NumericQuestion) -> Iterator[AuthorExpr]:
        yield AuthorExpr(("answer",), question.answer, "answer")
        for i, mk in enumerate(question.mistakes):
            yield AuthorExpr(("mistakes", i, "answer"), mk.answer, f"mistake {i + 1}")

    def check_seed(self, question: NumericQuestion, variant: Variant) -> tuple[Any, str] | None:
        from tutor.content.variants import evaluate_in

        if not finite_scalar(variant.answer):
            return ("answer",), f"answer is {what(variant.answer)}, not a finite number"
        for i, mk in enumerate(question.mistakes):
            try:
                value = evaluate_in(variant.values, mk.answer, variant.scope)
            except ValueError:
                value = None
            if not finite_scalar(value):
                return ("mistakes", i, "answer"), f"mistake is {what(value)}, not a finite number"
        return None

    def lint(self, question: NumericQuestion, out: Any) -> None:
        lint_rel(question.tolerance, out)

    def lint_variants(self, question: NumericQuestion, variants: list[Variant], out: Any) -> None:
        lint_abs(question.tolerance, variants, out)
        lint_hint_values(question, variants, out)

    def selftest_cases(self, variant: Variant) -> list[Case]:
        return value_cases(variant, self.of(variant.question).mistakes)

    def reference_answer(self, variant: Variant) -> str | None:
        from tutor.kinds._common import typed_reference

        return typed_reference(variant)

    def wrong_answer(self, variant: Variant) -> str | None:
        from tutor.kinds._common import exact

        return exact(abs(float(variant.answer)) * 2 + 1)  # never equal to the answer


register(Numeric())
