"""`derivation`: graded steps (with error carried forward), or a free chain of equalities."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, model_validator

from tutor.content.model import Expr, HintItem, Markdown, Mistake, QuestionBase, Strict, SymbolicMixin
from tutor.kinds import register
from tutor.kinds.base import AuthorExpr, Kind, PlainInput
from tutor.kinds.expression import check_symbolic

if TYPE_CHECKING:
    from tutor.content.variants import Variant
    from tutor.grading.preview import Preview
    from tutor.grading.result import Result


class Step(Strict):
    prompt: Markdown
    answer: Expr
    follows: Expr | None = Field(
        None,
        description="This step's answer in terms of earlier steps (step1, step2, …), so that a "
        "step that is right given the learner's own wrong earlier step earns partial credit.",
    )
    hints: list[HintItem] = Field(default_factory=list)
    mistakes: list[Mistake] = Field(default_factory=list)


class DerivationQuestion(QuestionBase, SymbolicMixin):
    """Either graded `steps`, or a free `chain` of equalities from `start` to `answer`."""

    type: Literal["derivation"]
    mode: Literal["steps", "chain"]
    steps: list[Step] = Field(default_factory=list)
    start: Expr | None = Field(None, description="Chain mode: the expression the first line must equal.")
    answer: Expr | None = Field(None, description="Chain mode: the expression the last line must equal.")

    @model_validator(mode="after")
    def _mode_fields(self) -> DerivationQuestion:
        if self.mode == "steps":
            if not self.steps:
                raise ValueError("mode: steps needs a non-empty `steps` list")
            if self.start is not None or self.answer is not None:
                raise ValueError("mode: steps takes `steps`, not `start`/`answer`")
        else:
            if self.start is None or self.answer is None:
                raise ValueError("mode: chain needs both `start` and `answer`")
            if self.steps:
                raise ValueError("mode: chain takes `start` and `answer`, not `steps`")
        return self


CHAIN_HOW_TO = "Write the chain start = … = result, one or more `=` per line; ctrl+s checks every link."


class Derivation(Kind[DerivationQuestion]):
    name = "derivation"
    order = 30
    model = DerivationQuestion
    label = "derivation"
    how_to = "Enter each step; the line under it shows how it is read. Enter on the last checks."
    plain_how_to = "Answer each step on its own line."
    plain_input = "steps"
    reads_math = True
    symbolic = True
    undecided_advice = "Try simpler forms of the steps, or go on with ctrl+n."

    def has_answer_value(self, question: DerivationQuestion) -> bool:
        return question.mode == "chain"

    def grade(self, variant: Variant, answer: Any) -> Result:
        from tutor.grading.grader import grade_chain, grade_steps

        q = self.of(variant.question)
        if isinstance(answer, list):
            return grade_steps.__wrapped__(variant, answer)  # type: ignore[attr-defined]
        if q.mode == "chain":
            return grade_chain(variant, answer)
        lines = [line for line in answer.splitlines() if line.strip()]
        return grade_steps.__wrapped__(variant, lines)  # type: ignore[attr-defined]

    def preview(self, variant: Variant, text: str) -> Preview | None:
        from tutor.grading.preview import math_preview

        return math_preview(variant, text)

    def how_to_answer(self, variant: Variant) -> str:
        return CHAIN_HOW_TO if self.of(variant.question).mode == "chain" else self.how_to

    def plain_lines(self, variant: Variant) -> list[str]:
        q = self.of(variant.question)
        if q.mode == "steps":
            return [self.plain_how_to or ""]
        start = variant.pretty(q.start)
        return [f'Write the chain from {start}, e.g. a = b = c, then a line with only ".".']

    def input_of(self, variant: Variant) -> PlainInput:
        return "steps" if self.of(variant.question).mode == "steps" else "lines"

    def author_exprs(self, question: DerivationQuestion) -> Iterator[AuthorExpr]:
        if question.start is not None:
            yield AuthorExpr(("start",), question.start, "start")
        if question.answer is not None:
            yield AuthorExpr(("answer",), question.answer, "answer")
        for i, step in enumerate(question.steps):
            yield AuthorExpr(("steps", i, "answer"), step.answer, f"step {i + 1}")
            for j, mk in enumerate(step.mistakes):
                yield AuthorExpr(
                    ("steps", i, "mistakes", j, "answer"), mk.answer, f"step {i + 1} mistake {j + 1}"
                )

    def check_static(self, question: DerivationQuestion, report: Any) -> None:
        # `follows` may name the earlier steps, step1, step2, …
        for i, step in enumerate(question.steps):
            if step.follows is not None:
                earlier = [f"step{k}" for k in range(1, i + 1)]
                report.expr(("steps", i, "follows"), step.follows, earlier, f"step {i + 1} follows")

    def check_seed(self, question: DerivationQuestion, variant: Variant) -> tuple[Any, str] | None:
        return check_symbolic(question, variant, variant.seed)

    def seed_answers(self, variant: Variant) -> list[str]:
        q = self.of(variant.question)
        return [*super().seed_answers(variant), "\n".join(s.answer for s in q.steps)]

    def reference_answer(self, variant: Variant) -> str | None:
        q = self.of(variant.question)
        if q.params:
            return None
        if q.mode == "chain":
            return f"{q.start} = {q.answer}"
        return "\n".join(s.answer for s in q.steps)

    def wrong_answer(self, variant: Variant) -> str | None:
        q = self.of(variant.question)
        if q.params:
            return None
        if q.mode == "chain":
            return f"{q.start} = ({q.answer}) + 1"
        return "\n".join(f"({s.answer}) + 1" for s in q.steps)


register(Derivation())
