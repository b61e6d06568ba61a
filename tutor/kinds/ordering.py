"""`ordering`: put items in order, such as the stages of a training step.

The items are shown lettered in an order of the variant's own (never the right one); an answer is
the letters in the order chosen, `c a d b`. Partial credit counts pairs: each pair of items the
answer puts in the right relative order, against those it puts the wrong way round (Kendall's
tau), beyond what a guess earns on average and what the order shown already had, floored at
0: one slip costs a little wherever
it is, and the order submitted untouched earns nothing. A further try costs 1/(items − 1), as a
further try at a choice does. AUTHORING.md says why this and not the longest run in order.
"""

from __future__ import annotations

import functools
import re
from itertools import combinations
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field

from tutor.content.model import Markdown, QuestionBase
from tutor.grading.letters import letter, letter_range, read_letter
from tutor.grading.result import Result, invalid
from tutor.kinds import register
from tutor.kinds.base import Kind
from tutor.kinds.choice import shuffled

if TYPE_CHECKING:
    from tutor.content.variants import Variant
    from tutor.grading.preview import Preview


class OrderingQuestion(QuestionBase):
    type: Literal["ordering"]
    items: list[Markdown] = Field(
        min_length=2, max_length=26, description="The items in the right order; learners see them shuffled."
    )


_TOKEN = re.compile(r"[^\s,;>→]+")


def shown_order(variant: Variant) -> list[int]:
    """Authored item indices in the order this variant shows them."""
    q: Any = variant.question
    return list(variant.order) if variant.order is not None else list(range(len(q.items)))


def read_order(variant: Variant, answer: str) -> list[int] | Result:
    """The authored indices in the order the answer puts them, or why it cannot be read."""
    order = shown_order(variant)
    count = len(order)
    picked: list[int] = []
    for match in _TOKEN.finditer(answer):
        shown = read_letter(match.group(), count)
        if shown is None:
            return invalid(
                f"`{match.group()}` is not one of the items ({letter_range(count)}).",
                match.start(),
                # the order shown is never the right one: an example that gives nothing away
                "Write each item's letter once, in order, e.g. " + " ".join(letter(i) for i in range(count)),
            )
        if order[shown] in picked:
            return invalid(f"`{letter(shown)}` is there twice: each item goes in once.", match.start())
        picked.append(order[shown])
    missing = [letter(i) for i in range(count) if order[i] not in picked]
    if missing:
        verb = "is" if len(missing) == 1 else "are"
        return invalid(f"Put every item in the order: {', '.join(missing)} {verb} missing.")
    return picked


def pairs_in_order(picked: list[int]) -> tuple[int, int]:
    """Pairs of items in the right relative order, and the number of pairs."""
    right = sum(1 for a, b in combinations(picked, 2) if a < b)
    return right, len(picked) * (len(picked) - 1) // 2


def tau(picked: list[int]) -> float:
    """Kendall's tau against the right order: 1 in order, −1 reversed, 0 on average by chance."""
    right, pairs = pairs_in_order(picked)
    return (2 * right - pairs) / pairs


@functools.lru_cache(maxsize=32)
def chance_credit(n: int) -> float:
    """The mean of max(0, tau) over every order of n items: what a guess earned before."""
    # inversions[k]: orders of n items with k pairs reversed (the Mahonian numbers)
    inversions = [1]
    for m in range(2, n + 1):
        grown = [0] * (len(inversions) + m - 1)
        for k, count in enumerate(inversions):
            for extra in range(m):
                grown[k + extra] += count
        inversions = grown
    pairs = n * (n - 1) // 2
    total = sum(inversions)
    return sum(c * max(0.0, (pairs - 2 * k) / pairs) for k, c in enumerate(inversions)) / total


def chance_corrected(answer: float, shown: float, n: int) -> float:
    """Credit for an order's tau beyond what a guess earns on average and beyond what the order
    shown already had: the order submitted untouched earns nothing."""
    base = max(chance_credit(n), shown)
    return max(0.0, (answer - base) / (1 - base)) if base < 1 else 0.0


class Ordering(Kind[OrderingQuestion]):
    name = "ordering"
    order = 90
    model = OrderingQuestion
    label = "ordering"
    how_to = "First at the top: ↑/↓ pick an item, shift+↑/↓ (or u/d) move it; ctrl+s checks."
    plain_how_to = "Answer with every letter once, in the right order, separated by spaces."

    def instantiate(self, variant: Variant) -> None:
        count = len(self.of(variant.question).items)
        order = shuffled(variant, count)
        if order == sorted(order):  # shown in the right order, it would ask nothing
            order = order[1:] + order[:1]
        variant.order = order
        # `{{answer}}` is the right order in this variant's letters, for solutions and self-tests
        variant.answer = self.reference_answer(variant)

    def has_answer_value(self, question: OrderingQuestion) -> bool:
        return True

    def default_retry_penalty(self, question: OrderingQuestion) -> float:
        # The feedback says where the first slip is: trying every fix in turn earns nothing.
        return 1.0 / (len(question.items) - 1)

    def variants_differ(self, question: OrderingQuestion) -> bool:
        return False  # a new shuffle of the same items asks the same thing

    def parse(self, variant: Variant, answer: str) -> Result | None:
        read = read_order(variant, answer)
        return read if isinstance(read, Result) else None

    def grade(self, variant: Variant, answer: Any) -> Result:
        picked = read_order(variant, answer)
        if isinstance(picked, Result):
            return picked
        shown = shown_order(variant)
        read_as = " → ".join(letter(shown.index(i)) for i in picked)
        if picked == sorted(picked):
            return Result("correct", 1.0, read_as=read_as)
        right, pairs = pairs_in_order(picked)
        score = chance_corrected(tau(picked), tau(shown), len(picked))
        first = next(k for k, i in enumerate(picked) if i != k)
        feedback = (
            f"{right} of {pairs} pairs of items are in the right order (credit: the pairs in order, "
            "less those reversed, beyond what a guess or the order shown already had).",
            f"The first place out of order is place {first + 1}.",  # not which item goes there
        )
        return Result("partial" if score > 0 else "incorrect", score, ("order",), feedback, read_as)

    def preview(self, variant: Variant, text: str) -> Preview | None:
        from tutor.grading.preview import Preview

        if not text.strip():
            return Preview("empty")
        picked = read_order(variant, text)
        if isinstance(picked, Result):
            return Preview("error", picked.feedback[0], None, picked.position)
        items = self.of(variant.question).items
        return Preview("ok", " → ".join(variant.render(items[i]) for i in picked))

    def plain_lines(self, variant: Variant) -> list[str]:
        items = self.of(variant.question).items
        lines = [f"  {letter(k)}) {variant.render(items[i])}" for k, i in enumerate(shown_order(variant))]
        return [*lines, self.plain_how_to or ""]

    def seed_answers(self, variant: Variant) -> list[str]:
        shown = " ".join(letter(i) for i in range(len(shown_order(variant))))
        return [self.reference_answer(variant) or "", shown]

    def lint(self, question: OrderingQuestion, out: Any) -> None:
        from tutor.kinds._common import same_text

        seen: dict[str, int] = {}
        for i, item in enumerate(question.items):
            key = same_text(item)
            if key in seen:
                out.error(
                    ("items", i),
                    f"item {i + 1} is the same as item {seen[key] + 1} (but for case, spacing or "
                    "emphasis): learners cannot tell which goes first",
                )
            else:
                seen[key] = i
        if len(question.items) == 2:
            out.warn(
                ("items",),
                "only 2 items: a guess is right half the time (order three or more, or ask a choice)",
            )

    def selftest_cases(self, variant: Variant) -> list[Any]:
        from tutor.kinds.base import Case

        reference = self.reference_answer(variant) or ""
        return [Case(("items",), reference, "correct")]

    def reference_answer(self, variant: Variant) -> str | None:
        order = shown_order(variant)
        return " ".join(letter(order.index(i)) for i in range(len(order)))

    def wrong_answer(self, variant: Variant) -> str | None:
        order = shown_order(variant)
        return " ".join(letter(order.index(i)) for i in reversed(range(len(order))))

    def unreadable_answer(self, variant: Variant) -> str | None:
        return "a a"


register(Ordering())
