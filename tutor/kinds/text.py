"""`text`: a word or short phrase, matched after normalising case, spaces and hyphens."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BeforeValidator, Field, model_validator

from tutor.content.model import Markdown, QuestionBase, Slug, Strict, _number_to_text
from tutor.kinds import register
from tutor.kinds.base import Kind

if TYPE_CHECKING:
    from tutor.content.variants import Variant
    from tutor.grading.result import Result


class TextMistake(Strict):
    answer: str
    feedback: Markdown
    note: Slug
    score: float = Field(0.0, ge=0, le=1)


class TextQuestion(QuestionBase):
    type: Literal["text"]
    accept: list[
        Annotated[str, BeforeValidator(_number_to_text, json_schema_input_type=str | float | int)]
    ] = Field(default_factory=list)
    regex: str | None = Field(None, description="A Python regular expression the whole answer must match.")
    case_sensitive: bool = False
    mistakes: list[TextMistake] = Field(default_factory=list)

    @model_validator(mode="after")
    def _something_to_accept(self) -> TextQuestion:
        if not self.accept and self.regex is None:
            raise ValueError("give `accept: [...]` or `regex:`")
        return self


class Text(Kind[TextQuestion]):
    name = "text"
    order = 60
    model = TextQuestion
    label = "short answer"
    how_to = "Type a word or short phrase; enter checks it."
    placeholder = "a word or short phrase"
    garbage = None  # any text is a reading of a phrase

    def grade(self, variant: Variant, answer: Any) -> Result:
        from tutor.grading.grader import grade_text

        return grade_text(variant, answer)

    def check_static(self, question: TextQuestion, report: Any) -> None:
        import re

        if question.regex is not None:
            try:
                re.compile(question.regex)
            except re.error as exc:
                report.at(("regex",), f"regex does not compile: {exc}")

    def reference_answer(self, variant: Variant) -> str | None:
        q = self.of(variant.question)
        return q.accept[0] if q.accept else None

    def wrong_answer(self, variant: Variant) -> str | None:
        return "zzqx wrong"


register(Text())
