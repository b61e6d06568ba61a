"""`matching`: pair each item of a list with one of a second list, such as a task with its loss.

The left items are numbered as written; the right ones (each pair's right side, once, and any
`distractors`, which match nothing) are lettered in an order of the variant's own. An answer
gives a letter for each number, `1c 2a 3b`, or just the letters in the numbers' order, `c a b`.
Each pair earns its share of the score.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, model_validator

from tutor.content.model import Markdown, QuestionBase, Strict
from tutor.grading.letters import letter, letter_range, read_letter
from tutor.grading.result import Result, invalid
from tutor.kinds import register
from tutor.kinds.base import Case, Kind
from tutor.kinds.choice import shuffled

if TYPE_CHECKING:
    from tutor.content.variants import Variant
    from tutor.grading.preview import Preview


class Pair(Strict):
    left: Markdown
    right: Markdown


class MatchingQuestion(QuestionBase):
    type: Literal["matching"]
    pairs: list[Pair] = Field(min_length=2, max_length=26, description="Each left item with its match.")
    distractors: list[Markdown] = Field(
        default_factory=list, description="Right-hand items that match no left item."
    )

    @model_validator(mode="after")
    def _few_enough(self) -> MatchingQuestion:
        if len(rights(self)) > 26:
            raise ValueError("at most 26 right-hand items, pairs' and distractors' together (a to z)")
        return self


def rights(q: MatchingQuestion) -> list[str]:
    """The right-hand items as authored: each pair's right side once, then the distractors."""
    return list(dict.fromkeys([p.right for p in q.pairs] + list(q.distractors)))


def shown_rights(variant: Variant) -> list[int]:
    """Authored right-hand indices in the order this variant letters them."""
    count = len(rights(variant.question))  # type: ignore[arg-type]
    return list(variant.order) if variant.order is not None else list(range(count))


# `1c`, `1 c`, `1-c`, `1=c`, `1: c`, `1) (c)`, `1→c`
_NUMBERED = re.compile(r"(\d{1,3})\s*[-=:.)→>]*\s*\(?([^\s\d(),;]+?)\)?(?=[\s,;]|$)")
_TOKEN = re.compile(r"[^\s,;]+")


def read_matches(variant: Variant, answer: str) -> list[int] | Result:
    """For each left item, the authored index of the right item matched; or why it cannot be read."""
    q: MatchingQuestion = variant.question  # type: ignore[assignment]
    order = shown_rights(variant)
    n, count = len(q.pairs), len(order)
    chosen: dict[int, int] = {}
    if re.search(r"\d", answer):
        for match in _NUMBERED.finditer(answer):
            number, said = int(match.group(1)), match.group(2)
            if not 1 <= number <= n:
                return invalid(f"There is no item {number} (items 1–{n}).", match.start())
            shown = read_letter(said, count)
            if shown is None:
                return invalid(f"`{said}` is not one of the letters ({letter_range(count)}).", match.start(2))
            if number in chosen:
                return invalid(f"Item {number} is matched twice.", match.start())
            chosen[number] = order[shown]
        leftover = _TOKEN.findall(_NUMBERED.sub(" ", answer))
        if leftover:
            at = answer.find(leftover[0])
            return invalid(f"`{leftover[0]}` is not a number and a letter, such as 1a.", at)
    else:
        tokens = list(_TOKEN.finditer(answer))
        for number, match in enumerate(tokens, start=1):
            shown = read_letter(match.group(), count)
            if shown is None:
                return invalid(
                    f"`{match.group()}` is not one of the letters ({letter_range(count)}).", match.start()
                )
            if number > n:
                return invalid(f"There are {n} items to match, and {len(tokens)} letters.", match.start())
            chosen[number] = order[shown]
    missing = [str(k) for k in range(1, n + 1) if k not in chosen]
    if missing:
        have = "has" if len(missing) == 1 else "have"
        return invalid(f"Give every item a letter: {', '.join(missing)} {have} none.")
    return [chosen[k] for k in range(1, n + 1)]


class Matching(Kind[MatchingQuestion]):
    name = "matching"
    order = 100
    model = MatchingQuestion
    label = "matching"
    how_to = (
        "Type the letter of each item's match: the next item is then picked for you (↑/↓ to go "
        "back to one; ←/→ step through the letters); ctrl+s checks."
    )
    plain_how_to = (
        "Give each numbered item a letter, such as 1x 2y …, or just the letters in the items' order."
    )

    def instantiate(self, variant: Variant) -> None:
        variant.order = shuffled(variant, len(rights(self.of(variant.question))))
        # `{{answer}}` is the right matching in this variant's letters, for solutions and self-tests
        variant.answer = self.reference_answer(variant)

    def has_answer_value(self, question: MatchingQuestion) -> bool:
        return True

    def variants_differ(self, question: MatchingQuestion) -> bool:
        return False  # a new shuffle of the same lists asks the same thing

    def parse(self, variant: Variant, answer: str) -> Result | None:
        read = read_matches(variant, answer)
        return read if isinstance(read, Result) else None

    def default_retry_penalty(self, question: MatchingQuestion) -> float:
        # The feedback names the pairs that are wrong: matching by elimination earns nothing.
        return 1.0 / max(1, len(rights(question)) - 1)

    def grade(self, variant: Variant, answer: Any) -> Result:
        q = self.of(variant.question)
        chosen = read_matches(variant, answer)
        if isinstance(chosen, Result):
            return chosen
        names, order = rights(q), shown_rights(variant)
        read_as = " ".join(f"{k}{letter(order.index(i))}" for k, i in enumerate(chosen, start=1))
        wrong = [
            k
            for k, (pair, i) in enumerate(zip(q.pairs, chosen, strict=True), start=1)
            if names[i] != pair.right
        ]
        if not wrong:
            return Result("correct", 1.0, read_as=read_as)
        right = len(q.pairs) - len(wrong)
        score = right / len(q.pairs)
        feedback = (
            f"{right} of {len(q.pairs)} pairs are right; each earns its share.",
            "Not matched right: "
            + "; ".join(f"{k}. {variant.render(q.pairs[k - 1].left)}" for k in wrong)
            + ".",
        )
        return Result("partial" if score > 0 else "incorrect", score, ("pairs",), feedback, read_as)

    def preview(self, variant: Variant, text: str) -> Preview | None:
        from tutor.grading.preview import Preview

        if not text.strip():
            return Preview("empty")
        chosen = read_matches(variant, text)
        if isinstance(chosen, Result):
            return Preview("error", chosen.feedback[0], None, chosen.position)
        names = rights(self.of(variant.question))
        return Preview(
            "ok", "; ".join(f"{k} → {variant.render(names[i])}" for k, i in enumerate(chosen, start=1))
        )

    def plain_lines(self, variant: Variant) -> list[str]:
        q = self.of(variant.question)
        names = rights(q)
        lines = [f"  {k}. {variant.render(p.left)}" for k, p in enumerate(q.pairs, start=1)]
        lines += [f"  {letter(s)}) {variant.render(names[i])}" for s, i in enumerate(shown_rights(variant))]
        return [*lines, self.plain_how_to or ""]

    def extra_names(self, question: MatchingQuestion) -> Sequence[str]:
        return ()

    def check_static(self, question: MatchingQuestion, report: Any) -> None:
        answers = {p.right for p in question.pairs}
        for i, text in enumerate(question.distractors):
            if text in answers:
                report.at(("distractors", i), "this distractor is also a pair's right side: it would match")

    def lint(self, question: MatchingQuestion, out: Any) -> None:
        from tutor.kinds._common import same_text

        lefts: dict[str, int] = {}
        rights_seen: dict[str, int] = {}
        for i, pair in enumerate(question.pairs):
            left = same_text(pair.left)
            if left in lefts:
                out.error(
                    ("pairs", i, "left"),
                    f"pair {i + 1} has the same left side as pair {lefts[left] + 1}: learners cannot "
                    "tell the two items apart, so which letter goes with which is a guess",
                )
            else:
                lefts[left] = i
            right = same_text(pair.right)
            if right not in rights_seen:
                rights_seen[right] = i
            elif pair.right == question.pairs[rights_seen[right]].right:
                out.warn(
                    ("pairs", i, "right"),
                    f"pair {i + 1} has the same right side as pair {rights_seen[right] + 1}: they share one "
                    "letter, given twice (if that is meant, say so in the prompt; else make them differ)",
                )
            else:
                out.error(
                    ("pairs", i, "right"),
                    f"pair {i + 1} has the same right side as pair {rights_seen[right] + 1} but for case, "
                    "spacing or emphasis: two letters learners cannot tell apart",
                )
        for k, distractor in enumerate(question.distractors):
            exact = distractor in [p.right for p in question.pairs]  # reported by check_static
            if same_text(distractor) in rights_seen and not exact:
                out.error(
                    ("distractors", k),
                    f"distractor {k + 1} is the same as a pair's right side but for case, spacing "
                    "or emphasis: learners cannot tell the two apart",
                )

    def selftest_cases(self, variant: Variant) -> list[Case]:
        return [Case(("pairs",), self.reference_answer(variant) or "", "correct")]

    def seed_answers(self, variant: Variant) -> list[str]:
        count = len(shown_rights(variant))
        return [self.reference_answer(variant) or "", " ".join(letter(i) for i in range(count))]

    def reference_answer(self, variant: Variant) -> str | None:
        q = self.of(variant.question)
        names, order = rights(q), shown_rights(variant)
        return " ".join(
            f"{k}{letter(order.index(names.index(p.right)))}" for k, p in enumerate(q.pairs, start=1)
        )

    def wrong_answer(self, variant: Variant) -> str | None:
        q = self.of(variant.question)
        names, order = rights(q), shown_rights(variant)
        # every item matched with the next one's right side: wrong wherever the two differ
        shifted = q.pairs[1:] + q.pairs[:1]
        if all(a.right == b.right for a, b in zip(q.pairs, shifted, strict=True)):
            return None
        return " ".join(
            f"{k}{letter(order.index(names.index(p.right)))}" for k, p in enumerate(shifted, start=1)
        )

    def unreadable_answer(self, variant: Variant) -> str | None:
        return "1a 1a"


register(Matching())
