"""`expression`: a formula in the question's variables, equal to the reference on their domains."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Literal, cast

from pydantic import Field

from tutor.content.model import Expr, Mistake, QuestionBase, SymbolicMixin
from tutor.content.verdicts import Verdict
from tutor.expr import render
from tutor.grading.grader import (
    Symbolic,
    explain,
    form_result,
)
from tutor.grading.result import Result
from tutor.kinds import register
from tutor.kinds.base import AuthorExpr, Case, Kind

if TYPE_CHECKING:
    from tutor.content.variants import Variant
    from tutor.grading.preview import Preview
    from tutor.grading.result import Result


class ExpressionQuestion(QuestionBase, SymbolicMixin):
    type: Literal["expression"]
    answer: Expr
    mistakes: list[Mistake] = Field(default_factory=list)


def check_symbolic(q: Any, variant: Variant, seed: int) -> tuple[tuple[str | int, ...], str] | None:
    """A symbolic reference must be defined somewhere on its declared domains."""
    import numpy as np

    from tutor.content.expressions import parse_author
    from tutor.content.variants import sample_domain
    from tutor.expr import ReadError, evaluate

    rng = np.random.default_rng(seed)
    env = dict(variant.values)
    for name, var in (q.variables or {}).items():
        env[name] = sample_domain(var.domain, rng, 64)
    targets: list[tuple[tuple[str | int, ...], str]] = []
    if getattr(q, "answer", None) is not None:
        targets.append((("answer",), q.answer))
    if getattr(q, "start", None) is not None:
        targets.append((("start",), q.start))
    for i, step in enumerate(getattr(q, "steps", [])):
        targets.append((("steps", i, "answer"), step.answer))
    scope = variant.scope
    for path, text in targets:
        try:
            tree = parse_author(text, scope.values, scope.functions.keys())
            value = evaluate(tree, env, scope.functions)
        except ReadError:
            continue  # reported statically
        except ValueError as exc:
            return path, f"cannot evaluate: {exc}"
        arr = (
            np.broadcast_to(np.asarray(value, dtype=float), (64,))
            if np.ndim(value) == 0
            else np.asarray(value)
        )
        if not np.any(np.isfinite(arr)):
            return path, "undefined at every sampled point of the variables' domains"
    return None


def constant_value(q: Any, variant: Variant) -> str | None:
    """The answer's value, as text, when it is the same at every sampled point of the
    variables' domains (a formula that does not depend on them); else None."""
    import numpy as np

    from tutor.content.expressions import parse_author
    from tutor.content.variants import format_value, sample_domain
    from tutor.expr import ReadError, evaluate

    rng = np.random.default_rng(variant.seed)
    env = dict(variant.values)
    for name, var in (q.variables or {}).items():
        env[name] = sample_domain(var.domain, rng, 64)
    scope = variant.scope
    try:
        with np.errstate(all="ignore"):
            tree = parse_author(q.answer, scope.values, scope.functions.keys())
            arr = np.asarray(evaluate(tree, env, scope.functions), dtype=float)
    except (ReadError, ValueError, TypeError, ArithmeticError):
        return None
    if arr.ndim != 0 and arr.shape != (64,):
        return None
    arr = np.broadcast_to(arr, (64,))
    finite = arr[np.isfinite(arr)]
    if len(finite) < 32 or not np.allclose(finite, finite[0], rtol=1e-9, atol=1e-12):
        return None
    return format_value(float(finite[0]))


def grade_expression(variant: Variant, answer: str) -> Result:
    ctx = Symbolic(variant)
    q = cast(ExpressionQuestion, variant.question)
    tree = ctx.read(answer)
    if isinstance(tree, Result):
        return tree
    ref = ctx.reference(q.answer)
    equal, comparison = ctx.same(tree, ref)
    read_as = render(tree)
    if equal is None:
        return Result(
            "undecided",
            0.0,
            ("undecided",),
            (comparison.why,),
            read_as,
        )
    if not equal:
        return explain(ctx, tree, ref, q.mistakes, comparison)
    form = form_result(ctx, tree, read_as)
    if form is not None:
        return form
    return Result("correct", 1.0, read_as=read_as, rule="equal at every test point")


class Expression(Kind[ExpressionQuestion]):
    name = "expression"
    order = 20
    model = ExpressionQuestion
    label = "expression"
    how_to = "Type an expression; the line below shows how it is read. Enter checks it."
    placeholder = "an expression, e.g. 3(a - b)^2 or exp(-u)/2"
    reads_math = True
    symbolic = True

    def has_answer_value(self, question: ExpressionQuestion) -> bool:
        return True

    def grade(self, variant: Variant, answer: Any) -> Result:
        return grade_expression(variant, answer)

    def preview(self, variant: Variant, text: str) -> Preview | None:
        from tutor.grading.preview import math_preview

        return math_preview(variant, text, symbolic=True)

    def author_exprs(self, question: ExpressionQuestion) -> Iterator[AuthorExpr]:
        yield AuthorExpr(("answer",), question.answer, "answer")
        for i, mk in enumerate(question.mistakes):
            yield AuthorExpr(("mistakes", i, "answer"), mk.answer, f"mistake {i + 1}")

    def check_seed(self, question: ExpressionQuestion, variant: Variant) -> tuple[Any, str] | None:
        return check_symbolic(question, variant, variant.seed)

    def lint_variants(self, question: ExpressionQuestion, variants: list[Variant], out: Any) -> None:
        if variants and question.variables:
            value = constant_value(question, variants[0])
            if value is not None:
                names = ", ".join(question.variables)
                out.warn(
                    ("answer",),
                    f"the answer is {value} for every {names}: a learner can type {value} "
                    "(make it a numeric question, or check the answer)",
                )

    def selftest_cases(self, variant: Variant) -> list[Case]:
        q = self.of(variant.question)
        if q.params:
            return []  # the written answer names parameters the learner sees as numbers
        out = [Case(("answer",), q.answer, "correct")]
        for i, mk in enumerate(q.mistakes):
            expect: Verdict = "partial" if mk.score > 0 else "incorrect"
            out.append(Case(("mistakes", i, "answer"), mk.answer, expect, mk.note, "this mistake"))
        return out

    def reference_answer(self, variant: Variant) -> str | None:
        q = self.of(variant.question)
        return None if q.params else q.answer

    def wrong_answer(self, variant: Variant) -> str | None:
        q = self.of(variant.question)
        return None if q.params else f"({q.answer}) + 1"


register(Expression())
