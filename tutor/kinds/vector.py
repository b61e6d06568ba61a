"""`vector`: a list of numbers, such as a softmax or a gradient, entry by entry within a tolerance."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Literal, cast

from pydantic import Field

from tutor.content.model import Expr, ForbidMixin, Mistake, QuestionBase, Tolerance
from tutor.expr import evaluate, render
from tutor.expr.nodes import beyond_float
from tutor.grading.diagnose import diagnose
from tutor.grading.grader import (
    FORBIDDEN_HINT,
    author_value,
    forbidden,
    mistake_result,
    not_allowed,
    not_finite_message,
    read_answer,
    relative_tolerance,
)
from tutor.grading.result import Result, invalid
from tutor.grading.tolerance import close_array
from tutor.kinds import register
from tutor.kinds._common import exact, lint_abs, lint_hint_values, lint_rel, value_cases, what
from tutor.kinds.base import AuthorExpr, Case, Kind
from tutor.kinds.numeric import compute_answer, exactly

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


def as_list(answer: str) -> tuple[str, int]:
    """`0.3, -1, 1` typed without brackets is the list [0.3, -1, 1]: the text to read, and the
    shift of positions in it against what was typed."""
    text = answer.strip()
    if _top_level_comma(text) and not text.startswith("[") and not re.search(r"\d,\d", text):
        lead = len(answer) - len(answer.lstrip())
        return f"[{text}]", 1 - lead
    return answer, 0


def _top_level_comma(text: str) -> bool:
    depth = 0
    for ch in text:
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif ch == "," and depth == 0:
            return True
    return False


def _decimal_commas_fit(size: int, answer: str, wanted: int) -> bool:
    """Would reading every comma between two digits as a decimal comma give `wanted` entries?
    Only then is `[0,5, 0,3]` a decimal-comma slip; `[1,2]` for three entries is a short list."""
    return size - len(re.findall(r"\d,\d", answer)) == wanted


def grade_vector(variant: Variant, answer: str) -> Result:
    import numpy as np

    q = cast(VectorQuestion, variant.question)
    text, shift = as_list(answer)
    tree = read_answer(text)
    if isinstance(tree, Result):
        if tree.position is not None:
            return replace(tree, position=max(0, tree.position - shift))
        return tree
    if (banned := forbidden(q, tree)) is not None:
        return invalid(not_allowed(banned[0]), max(0, banned[1] - shift), FORBIDDEN_HINT)
    read_as = render(tree)
    try:
        value = np.asarray(evaluate(tree, {}), dtype=float)
    except (ValueError, TypeError) as exc:
        return invalid(f"Could not compute the entries: {exc}")
    if value.ndim != 1:
        return invalid("A vector is expected: write it as [a, b, c].", tree.pos)
    if not np.all(np.isfinite(value)) and beyond_float(tree):
        # [1e999, 1, 2]: worked out exactly, a value again, or an entry far from any finite one
        exact_value = exactly(tree)
        if isinstance(exact_value, list) and len(exact_value) == value.size:
            as_floats = np.asarray([float(v) for v in exact_value])
            if np.all(np.isfinite(as_floats)):
                value = as_floats
            else:
                bad = int(np.flatnonzero(~np.isfinite(as_floats))[0])
                return Result("incorrect", 0.0, (), (f"Entry {bad + 1} is far from the answer.",), read_as)
    if not np.all(np.isfinite(value)):
        bad = int(np.flatnonzero(~np.isfinite(value))[0])
        return invalid(f"Entry {bad + 1}: {not_finite_message(float(value[bad]))}")
    reference = np.asarray(variant.answer, dtype=float)
    comma = re.search(r"\d,\d", answer)
    if value.shape != reference.shape and comma and _decimal_commas_fit(value.size, answer, reference.size):
        # [0,5, 0,3] reads as four numbers; with two expected, the commas were decimal ones
        return invalid(
            f"`{answer[comma.start() : comma.end()]}`: use a decimal point; "
            f"separate entries with a comma and a space, e.g. [0.5, 0.3].",
            comma.start() + 1,  # the comma itself
        )
    if value.shape != reference.shape:
        return Result(
            "incorrect",
            0.0,
            ("wrong-length",),
            (f"{value.size} entries, {reference.size} wanted.",),
            read_as,
        )
    ok, rule = close_array(value, reference, q.tolerance)
    if ok:
        return Result("correct", 1.0, read_as=read_as, rule=rule)
    for mistake in q.mistakes:
        wrong = author_value(variant, mistake.answer)
        if wrong is not None and np.shape(wrong) == value.shape and close_array(value, wrong, q.tolerance)[0]:
            return mistake_result(variant, mistake, read_as, rule)
    feedback: list[str] = []
    notes: list[str] = []
    if q.sums_to is not None and not np.isclose(value.sum(), q.sums_to, rtol=1e-2, atol=1e-2):
        notes.append("sum")
        feedback.append(f"Your entries sum to {value.sum():.4g}; they should sum to {q.sums_to:g}.")
    if q.nonnegative and (value < 0).any():
        notes.append("negative-entry")
        feedback.append("Some entries are negative; every entry here is at least 0.")
    wrong_at = [
        i + 1
        for i, (a, b) in enumerate(zip(value, reference, strict=True))
        if not close_array([a], [b], q.tolerance)[0]
    ]
    if not feedback:
        found = diagnose(value, reference, relative_tolerance(q.tolerance))
        if found is not None:
            notes.append(found.note)
            feedback.append(found.feedback)
    feedback.append(
        f"Entries {', '.join(map(str, wrong_at))} are off."
        if len(wrong_at) > 1
        else f"Entry {wrong_at[0]} is off."
    )
    return Result("incorrect", 0.0, tuple(notes), tuple(feedback), read_as, rule)


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

    def how_to_answer(self, variant: Variant) -> str:
        return f"{self.rule_line(variant)} {self.how_to}"

    def plain_lines(self, variant: Variant) -> list[str]:
        return [self.rule_line(variant)]  # the rule is known before answering, not only after

    def rule_line(self, variant: Variant) -> str:
        """How close an answer must be, in the words the feedback uses."""
        from tutor.grading.tolerance import stated_rule

        return stated_rule(self.of(variant.question).tolerance, variant.answer, entries=True)

    def grade(self, variant: Variant, answer: Any) -> Result:
        return grade_vector(variant, answer)

    def preview(self, variant: Variant, text: str) -> Preview | None:
        from tutor.grading.preview import math_preview

        return math_preview(variant, text, computes=True, read=as_list)

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

    def lint(self, question: VectorQuestion, out: Any) -> None:
        lint_rel(question.tolerance, out)

    def lint_variants(self, question: VectorQuestion, variants: list[Variant], out: Any) -> None:
        lint_abs(question.tolerance, variants, out, vector=True)
        lint_hint_values(question, variants, out)

    def selftest_cases(self, variant: Variant) -> list[Case]:
        return value_cases(variant, self.of(variant.question).mistakes)

    def reference_answer(self, variant: Variant) -> str | None:
        return exact(variant.answer)

    def wrong_answer(self, variant: Variant) -> str | None:
        return exact(abs(variant.answer) * 2 + 1)  # never equal to the answer


register(Vector())
