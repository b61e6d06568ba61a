"""`free`: a written answer, self-assessed against a model answer and a rubric."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Annotated, Any, Literal, cast

from pydantic import BeforeValidator, Field

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


class RubricItem(Strict):
    text: str
    points: float = Field(1.0, gt=0)


def _rubric_from_text(value: Any) -> Any:
    return {"text": value} if isinstance(value, str) else value


class FreeQuestion(QuestionBase):
    type: Literal["free"]
    model_answer: Markdown
    rubric: list[
        Annotated[RubricItem, BeforeValidator(_rubric_from_text, json_schema_input_type=str | RubricItem)]
    ] = Field(min_length=1)
    min_words: int = Field(
        3, ge=0, le=500, description="The fewest words an answer needs before the model answer is shown."
    )
    key_terms: list[str] = Field(
        default_factory=list,
        description="Words an answer must share at least one of before the model answer is shown "
        "(by default the rubric's longer words).",
    )


# Words of the rubric too common to show that an answer is on topic.
_COMMON_WORDS = """
about above after again against also because before being below between both could does
doing down during each every from further have having here into itself just more most much
must only other over same should some such than that their them then there these they this
those through under until very what when where which while whose will with would your
answer mentions explains says gives names
"""
_COMMON = frozenset(_COMMON_WORDS.split())
_WORD = re.compile(r"[^\W\d_]+")


def key_terms(question: FreeQuestion) -> list[str]:
    """The terms an answer must touch: the author's, else the rubric's words of 5+ letters."""
    if question.key_terms:
        return [t.lower() for t in question.key_terms]
    words = (w.lower() for item in question.rubric for w in _WORD.findall(item.text))
    return list(dict.fromkeys(w for w in words if len(w) >= 5 and w not in _COMMON))


def _stem(word: str) -> str:
    return word[:5]  # "outliers", "outlier", "outlying" meet here: enough to see the topic


def ask_for_more(question: FreeQuestion, text: str) -> str | None:
    """Why a written answer cannot claim rubric points yet (too short, or off every key term),
    else None: self-assessment starts from a real attempt."""
    words = _WORD.findall(text)
    if len(words) < question.min_words:
        return (
            f"Write a little more first: at least {question.min_words} words "
            "(then you compare yours with the model answer)."
        )
    terms = key_terms(question)
    stems = {_stem(w.lower()) for w in words}
    if terms and not any(_stem(t) in stems or t in text.lower() for t in terms):
        return "Your answer does not touch the question's key ideas yet: say more about them first."
    return None


def grade_free(variant: Variant, answer: str | set[int]) -> Result:
    """Free response is self-assessed: the learner ticks the rubric items their answer covered."""
    q = cast(FreeQuestion, variant.question)
    texts = [r.text for r in q.rubric]
    ticked = parse_selection(answer, len(texts)) if isinstance(answer, str) else set(answer)
    if isinstance(ticked, Result):
        return ticked
    if not ticked <= set(range(len(texts))):
        return invalid("That is not one of the rubric points.")
    total = sum(r.points for r in q.rubric)
    score = sum(q.rubric[i].points for i in ticked) / total
    verdict: Verdict = "correct" if score == 1 else ("partial" if score > 0 else "incorrect")
    missed = tuple(f"Not covered: {texts[i]}" for i in range(len(texts)) if i not in ticked)
    return Result(verdict, score, ("self-assessed",), missed, details={"self_assessed": True})


class Free(Kind[FreeQuestion]):
    name = "free"
    order = 80
    model = FreeQuestion
    label = "free response"
    how_to = "Write your answer; ctrl+s shows the model answer and a checklist: you grade yourself."
    plain_how_to = 'Write your answer, then a line with only "."; then compare with the model answer.'
    plain_input = "self-assess"

    def grade(self, variant: Variant, answer: Any) -> Result:
        return grade_free(variant, answer)

    def solution_text(self, variant: Variant) -> str:
        q = self.of(variant.question)
        text = variant.solution
        return variant.render(q.model_answer) + ("\n\n" + text if text else "")

    def seed_answers(self, variant: Variant) -> list[str]:
        from tutor.grading.letters import letter

        count = len(self.of(variant.question).rubric)
        return [letter(i) for i in range(count)] + [str(i + 1) for i in range(count)]

    def lint(self, question: FreeQuestion, out: Any) -> None:
        from tutor.kinds._common import same_text

        seen: dict[str, int] = {}
        for i, item in enumerate(question.rubric):
            key = same_text(item.text)
            if key in seen:
                out.error(
                    ("rubric", i),
                    f"rubric point {i + 1} is the same as point {seen[key] + 1}: a learner ticks it "
                    "twice, and scores it twice",
                )
            else:
                seen[key] = i

    def reference_answer(self, variant: Variant) -> str | None:
        return ", ".join(str(i + 1) for i in range(len(self.of(variant.question).rubric)))


register(Free())
