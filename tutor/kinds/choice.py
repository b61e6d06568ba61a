"""`choice`: one option, or several, from a list shown in a shuffled order."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, cast

from pydantic import Field, model_validator

from tutor.content.model import Markdown, QuestionBase, Strict
from tutor.grading.grader import (
    parse_selection,
)
from tutor.grading.result import Result, Verdict, invalid
from tutor.kinds import register
from tutor.kinds.base import Kind

if TYPE_CHECKING:
    from tutor.content.variants import Variant
    from tutor.grading.result import Result


class Option(Strict):
    text: Markdown
    correct: bool = False
    feedback: Markdown | None = None


class ChoiceQuestion(QuestionBase):
    type: Literal["choice"]
    options: list[Option] = Field(min_length=2)
    multiple: bool = False
    shuffle: bool = True
    scoring: Literal["net", "all-or-nothing"] = "net"

    @model_validator(mode="after")
    def _has_correct(self) -> ChoiceQuestion:
        n = sum(o.correct for o in self.options)
        if n == 0:
            raise ValueError("no option is marked `correct: true`")
        if not self.multiple and n > 1:
            raise ValueError(f"{n} options are correct: set `multiple: true` or mark only one")
        return self


def option_order(variant: Variant) -> list[int]:
    """Authored option indices in the order this variant shows them."""
    q: Any = variant.question
    return list(variant.order) if variant.order is not None else list(range(len(q.options)))


def grade_choice(variant: Variant, answer: str | set[int]) -> Result:
    q = cast(ChoiceQuestion, variant.question)
    labels = [variant.render(o.text) for o in q.options]
    picked = parse_selection(answer, len(q.options), labels) if isinstance(answer, str) else set(answer)
    if isinstance(picked, Result):
        return picked
    if not picked <= set(range(len(q.options))):
        return invalid("That is not one of the options.")
    if not q.multiple and len(picked) > 1:
        return invalid("Choose one option only.")
    correct = {i for i, o in enumerate(q.options) if o.correct}
    feedback = tuple(variant.render(q.options[i].feedback) for i in sorted(picked) if q.options[i].feedback)
    read_as = ", ".join(labels[i] for i in sorted(picked))
    if picked == correct:
        return Result("correct", 1.0, feedback=feedback, read_as=read_as)
    if not q.multiple or q.scoring == "all-or-nothing":
        return Result("incorrect", 0.0, ("wrong-option",), feedback, read_as)
    right = len(picked & correct)
    wrong = len(picked - correct)
    score = max(0.0, (right - wrong) / len(correct))
    missed = len(correct - picked)
    extra = (f"You missed {missed} correct option{'s' if missed > 1 else ''}.",) if missed else ()
    verdict: Verdict = "partial" if score > 0 else "incorrect"
    return Result(verdict, score, ("incomplete-selection",), feedback + extra, read_as)


def shuffled(variant: Variant, count: int, salt: str = ":order") -> list[int]:
    """A variant's own order of `count` items: authored indices in the order shown."""
    from tutor.content.variants import rng_for

    return [int(i) for i in rng_for(variant.question.id + salt, variant.seed).permutation(count)]


class Choice(Kind[ChoiceQuestion]):
    name = "choice"
    order = 50
    model = ChoiceQuestion
    label = "choice"
    how_to = "Pick with the arrow keys and space, or type the letter; ctrl+s checks."
    plain_input = "choice"
    garbage = "@#"

    def instantiate(self, variant: Variant) -> None:
        q = self.of(variant.question)
        if q.shuffle:
            variant.order = shuffled(variant, len(q.options))

    def variants_differ(self, question: ChoiceQuestion) -> bool:
        return False  # the right option stays right however the options are shuffled

    def default_retry_penalty(self, question: ChoiceQuestion) -> float:
        # picking through every option earns nothing for the last, right one (as in PrairieLearn)
        return 1.0 / (len(question.options) - 1)

    def grade(self, variant: Variant, answer: Any) -> Result:
        return grade_choice(variant, answer)

    def plain_lines(self, variant: Variant) -> list[str]:
        from tutor.grading.letters import letter

        q = self.of(variant.question)
        lines = [
            f"  {letter(i)}) {variant.render(q.options[k].text)}" for i, k in enumerate(option_order(variant))
        ]
        return [*lines, "Answer with a letter" + (" or several, e.g. a, c." if q.multiple else ".")]

    def answer_line(self, variant: Variant | None, answer: Any, result: Result | None) -> str | None:
        if result is not None and result.read_as is not None:
            return " ".join(
                result.read_as.split()
            )  # the options' texts (their letters depend on the shuffle)
        return None

    def seed_answers(self, variant: Variant) -> list[str]:
        from tutor.grading.letters import letter

        count = len(self.of(variant.question).options)
        return [letter(i) for i in range(count)] + [str(i + 1) for i in range(count)]

    def lint(self, question: ChoiceQuestion, out: Any) -> None:
        from tutor.kinds._common import same_text

        seen: dict[str, int] = {}
        for i, option in enumerate(question.options):
            if not option.text.strip():
                out.error(("options", i, "text"), f"option {i + 1} has no text")
                continue
            key = same_text(option.text)
            if key in seen:
                out.error(
                    ("options", i, "text"),
                    f"option {i + 1} has the same text as option {seen[key] + 1} (but for case, "
                    "spacing or emphasis): learners cannot tell them apart",
                )
            else:
                seen[key] = i
        if all(o.correct for o in question.options):
            out.warn(
                ("multiple",) if question.multiple else ("options",),
                "every option is correct: picking them all scores full marks without a thought "
                "(add a wrong option)",
                key=not question.multiple,
            )

    def reference_answer(self, variant: Variant) -> str | None:
        q = self.of(variant.question)
        return ", ".join(str(i + 1) for i, o in enumerate(q.options) if o.correct)

    def wrong_answer(self, variant: Variant) -> str | None:
        q = self.of(variant.question)
        return (
            next(str(i + 1) for i, o in enumerate(q.options) if not o.correct)
            if not all(o.correct for o in q.options)
            else None
        )


register(Choice())
