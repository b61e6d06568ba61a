"""`numeric`: a number, or an expression that computes one, within a tolerance."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field

from tutor.content.model import Expr, ForbidMixin, Mistake, QuestionBase, Tolerance
from tutor.kinds import register
from tutor.kinds._common import finite_scalar, value_cases, what
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

    def grade(self, variant: Variant, answer: Any) -> Result:
        from tutor.grading.grader import grade_numeric

        return grade_numeric(variant, answer)

    def preview(self, variant: Variant, text: str) -> Preview | None:
        from tutor.grading.preview import math_preview

        return math_preview(variant, text)

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

    def selftest_cases(self, variant: Variant) -> list[Case]:
        return value_cases(variant, self.of(variant.question).mistakes)

    def reference_answer(self, variant: Variant) -> str | None:
        from tutor.kinds._common import exact

        return exact(variant.answer)

    def wrong_answer(self, variant: Variant) -> str | None:
        from tutor.kinds._common import exact

        return exact(abs(float(variant.answer)) * 2 + 1)  # never equal to the answer


register(Numeric())
