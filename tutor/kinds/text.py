"""`text`: a word or short phrase, matched after normalising case, spaces and hyphens."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Annotated, Any, Literal, cast

from pydantic import BeforeValidator, Field, model_validator

from tutor.content.model import Markdown, QuestionBase, Slug, Strict, _number_to_text
from tutor.grading.grader import (
    mistake_result,
    normalise,
)
from tutor.grading.result import Result
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


def grade_text(variant: Variant, answer: str) -> Result:
    q = cast(TextQuestion, variant.question)
    norm = normalise(answer, q.case_sensitive)

    def same(written: str) -> bool:
        # "log-cosh", "log cosh" and "logcosh" are one answer
        return norm.replace(" ", "") == normalise(written, q.case_sensitive).replace(" ", "")

    if any(same(a) for a in q.accept):
        return Result("correct", 1.0, read_as=answer.strip())
    if q.regex is not None:
        flags = 0 if q.case_sensitive else re.IGNORECASE
        if re.fullmatch(q.regex, answer.strip(), flags) or re.fullmatch(q.regex, norm, flags):
            return Result("correct", 1.0, read_as=answer.strip())
    for mistake in q.mistakes:
        if same(mistake.answer):
            return mistake_result(variant, mistake, answer.strip())
    if any(_near_spelling(norm, normalise(a, q.case_sensitive)) for a in q.accept):
        return Result("incorrect", 0.0, ("spelling",), ("Nearly: check the spelling.",), answer.strip())
    return Result("incorrect", 0.0, (), ("That is not the answer.",), answer.strip())


def _near_spelling(a: str, b: str) -> bool:
    """A single slip (a letter missing, extra, wrong or two swapped: "sigmiod", "huber los") in
    a word of five letters or more, two neighbours swapped in a word of four ("rsik"), or a
    plural for a singular and back ("risks"); "ascent" for "descent" is two slips, a different
    word."""
    a, b = a.replace(" ", ""), b.replace(" ", "")
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if min(len(a), len(b)) >= 3 and (a == b + "s" or b == a + "s"):
        return True  # "risks" for "risk": a plural is a slip of form, not another word
    if len(a) == len(b) == 4:
        # In a short word only two neighbours swapped ("rsik") is a slip; one letter changed
        # ("disk") is another word.
        diff = [i for i in range(4) if a[i] != b[i]]
        return (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]]
            and a[diff[1]] == b[diff[0]]
        )
    if min(len(a), len(b)) < 5:
        return False
    # optimal string alignment distance, stopping at 2
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            row[j] = min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], prev2[j - 2] + 1)
        prev2, prev = prev, row
    return prev[-1] <= 1


# Answers no sensible regex accepts all of.
_PROBES = ("zzqx wrong", "0", "?!", "lorem ipsum dolor sit amet")


class Text(Kind[TextQuestion]):
    name = "text"
    order = 60
    model = TextQuestion
    label = "short answer"
    how_to = "Type a word or short phrase; enter checks it."
    placeholder = "a word or short phrase"
    garbage = None  # any text is a reading of a phrase

    def grade(self, variant: Variant, answer: Any) -> Result:
        return grade_text(variant, answer)

    def check_static(self, question: TextQuestion, report: Any) -> None:
        import re

        if question.regex is not None:
            try:
                re.compile(question.regex)
            except re.error as exc:
                report.at(("regex",), f"regex does not compile: {exc}")

    def lint(self, question: TextQuestion, out: Any) -> None:
        def norm(s: str) -> str:
            s = " ".join(s.split())
            return s if question.case_sensitive else s.casefold()

        accepted = {norm(a) for a in question.accept}
        earlier: dict[str, int] = {}
        for i, mistake in enumerate(question.mistakes):
            key = norm(mistake.answer)
            if key in accepted:
                out.error(
                    ("mistakes", i, "answer"),
                    f"mistake `{mistake.answer}` is also an accepted answer, so it is never reached",
                )
            elif key in earlier:
                out.error(
                    ("mistakes", i, "answer"),
                    f"mistake `{mistake.answer}` is the same as mistake {earlier[key] + 1}, so it is "
                    "never reached",
                )
            else:
                earlier[key] = i
        for i, accept in enumerate(question.accept):
            if not accept.strip():
                out.error(
                    ("accept", i),
                    f"accepted answer {i + 1} is empty: no answer a learner can send matches it",
                )
        if question.regex is not None:
            flags = 0 if question.case_sensitive else re.IGNORECASE
            try:
                anything = all(re.fullmatch(question.regex, probe, flags) for probe in _PROBES)
            except re.error:
                anything = False  # reported by the static checks
            if anything:
                out.error(
                    ("regex",),
                    f"regex accepts any answer (`{_PROBES[0]}` too): every learner is right",
                )

    def lint_variants(self, question: TextQuestion, variants: list[Variant], out: Any) -> None:
        # A hint that costs nothing and names an accepted answer (as a whole word) gives it away.
        words = [a.strip() for a in question.accept if len(a.strip()) >= 3]
        for j, hint in enumerate(question.hints):
            if hint.penalty > 0 or not variants:
                continue
            shown = variants[0].render(hint.text)
            for word in words:
                flags = 0 if question.case_sensitive else re.IGNORECASE
                if re.search(rf"(?<!\w){re.escape(word)}(?!\w)", shown, flags):
                    from tutor.content.lint import FREE_HINT

                    out.warn(("hints", j), FREE_HINT)
                    break

    def reference_answer(self, variant: Variant) -> str | None:
        q = self.of(variant.question)
        return q.accept[0] if q.accept else None

    def wrong_answer(self, variant: Variant) -> str | None:
        return "zzqx wrong"


register(Text())
