"""`vector`: a list of numbers, such as a softmax or a gradient, entry by entry within a tolerance."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field

from tutor.content.model import Expr, ForbidMixin, Mistake, QuestionBase, Tolerance
from tutor.kinds import register
from tutor.kinds._common import exact, value_cases, what
from tutor.kinds.base import AuthorExpr, Case, Kind
from tutor.kinds.numeric import compute_answer

if TYPE_CHECKING:
    from tutor.content.variants import Variant
    from tutor.grading.preview import Preview
    from tutor.grading.result import Result


class VectorQuestion(QuestionBase, ForbidMixin):
    type: Literal["vector"]
    answer: Expr = Field(description="An expression giving a vector, e.g. softmax(z) or [a, b].")
    tolerance: Tolerance | None = None
    sums_to: float | None = None
    nonnegative: bool = False
    mistakes: list[Mistake] = Field(default_factory=list)


class Vector(Kind[VectorQuestion]):
    name = "vector"
    order = 40
    model = VectorQuestion
    label = "vector"
    how_to = "Type a list such as [1.5, -2, 3/4]; enter checks it."
    placeholder = "a list, e.g. [1.5, -2, 3/4]"
    reads_math = True
    computes_answer = True

    def instantiate(self, variant: Variant) -> None:
        compute_answer(variant, self.of(variant.question).answer)

    def grade(self, variant: Variant, answer: Any) -> Result:
        from tutor.grading.grader import grade_vector

        return grade_vector(variant, answer)

    def preview(self, variant: Variant, text: str) -> Preview | None:
        from tutor.grading.preview import math_preview

        return math_preview(variant, text)

    def author_exprs(self, question: VectorQuestion) -> Iterator[AuthorExpr]:
        yield AuthorExpr(("answer",), question.answer, "answer")
        for i, mk in enumerate(question.mistakes):
            yield AuthorExpr(("mistakes", i, "answer"), mk.answer, f"mistake {i + 1}")

    def check_seed(self, question: VectorQuestion, variant: Variant) -> tuple[Any, str] | None:
        import numpy as np

        arr = np.asarray(variant.answer, dtype=float) if variant.answer is not None else None
        if arr is None or arr.ndim != 1 or not np.all(np.isfinite(arr)):
            return ("answer",), f"answer is {what(variant.answer)}, not a finite vector"
        return None

    def selftest_cases(self, variant: Variant) -> list[Case]:
        return value_cases(variant, self.of(variant.question).mistakes)

    def reference_answer(self, variant: Variant) -> str | None:
        return exact(variant.answer)

    def wrong_answer(self, variant: Variant) -> str | None:
        return exact(abs(variant.answer) * 2 + 1)  # never equal to the answer


register(Vector())
