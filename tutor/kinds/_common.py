"""Pieces several kinds share: exact numbers for self-tests, and the previews of typed math."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tutor.content.variants import exact_text as exact
from tutor.content.verdicts import Verdict
from tutor.kinds.base import Case

if TYPE_CHECKING:
    from tutor.content.variants import Variant


def typed_reference(variant: Variant) -> str:
    """The reference as a learner would type it: exactly, or to the question's significant
    figures with their trailing zeros (`1.500`, since `1.5` shows too few)."""
    from tutor.grading.tolerance import sigfig_text

    tol = getattr(variant.question, "tolerance", None)
    if tol is not None and tol.sigfigs is not None and finite_scalar(variant.answer):
        return sigfig_text(float(variant.answer), tol.sigfigs)
    return exact(variant.answer)


def value_cases(variant: Variant, mistakes: list[Any]) -> list[Case]:
    """Numeric and vector kinds: the computed reference is right, each mistake's value is reached."""
    import numpy as np

    from tutor.content.variants import evaluate_in

    out = [Case(("answer",), typed_reference(variant), "correct")]
    for i, mistake in enumerate(mistakes):
        try:
            value = evaluate_in(variant.values, mistake.answer, variant.scope)
        except ValueError:
            continue
        if not np.all(np.isfinite(np.asarray(value, dtype=float))):
            continue  # a learner cannot type inf; this seed cannot reach the mistake
        expect: Verdict = "partial" if mistake.score > 0 else "incorrect"
        out.append(Case(("mistakes", i, "answer"), exact(value), expect, mistake.note, "this mistake"))
    return out


def finite_scalar(value: Any) -> bool:
    import math

    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def what(value: Any) -> str:
    """A value as `tutor check` names it in a message."""
    from tutor.content.variants import format_value

    if value is None:
        return "not computable"
    if hasattr(value, "shape") and getattr(value, "ndim", 0) > 0:
        return f"an array of shape {value.shape}"
    return format_value(value)


def lint_rel(tolerance: Any, out: Any) -> None:
    """A relative tolerance so wide that values a learner did not work out pass."""
    from tutor.content.lint import MAX_REL

    rel = getattr(tolerance, "rel", None)
    if rel is not None and rel > MAX_REL:
        out.warn(
            ("tolerance", "rel"),
            f"`rel: {rel:g}` accepts anything from {1 - rel:.3g} to {1 + rel:.3g} times the answer: "
            "a guess passes (a few percent, such as `rel: 0.01`, is usual)",
        )


def lint_abs(tolerance: Any, variants: list[Any], out: Any, vector: bool = False) -> None:
    """An absolute tolerance at least the size of the answer on most seeds: 0 passes."""
    import numpy as np

    bound = getattr(tolerance, "abs", None)
    if bound is None or not variants:
        return
    sizes = []
    for variant in variants:
        arr = np.abs(np.asarray(variant.answer, dtype=float))
        sizes.append(float(arr.max()) if arr.size else 0.0)
    wide = [(v.seed, size) for v, size in zip(variants, sizes, strict=True) if 0 < size <= bound]
    if len(wide) * 2 < len([s for s in sizes if s > 0]) or not wide:
        return
    seed, size = wide[0]
    what = (
        f"is larger than every item of the answer (the largest is {size:.4g} on seed {seed})"
        if vector
        else f"is larger than the answer ({size:.4g} on seed {seed}, in size)"
    )
    out.warn(
        ("tolerance", "abs"),
        f"`abs: {bound:g}` {what}: even 0 is accepted (make it a small fraction of it)",
    )


def same_text(text: str) -> str:
    """What two items a learner cannot tell apart share: the text without case, spacing or
    Markdown emphasis."""
    import re

    return re.sub(r"[\s*_`]+", "", text).casefold()


_NUMBER = r"(?<![\w.])[-−]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?(?![\w]|\.\d)"


def lint_hint_values(question: Any, variants: list[Any], out: Any) -> None:
    """A hint that costs nothing and writes out a value the grader accepts (the computed
    answer, or a number within its tolerance) on most variants. Small whole numbers are left
    alone: "divide by 4" is no giveaway, even where the answer is near 4."""
    import re

    import numpy as np

    from tutor.content.lint import FREE_HINT
    from tutor.grading.tolerance import close

    for j, hint in enumerate(question.hints):
        if hint.penalty > 0 or "{{answer" in hint.text.replace(" ", "") or not variants:
            continue  # `{{answer}}` itself is found statically
        said = 0
        for variant in variants:
            shown = variant.render(hint.text)
            answer = np.asarray(variant.answer, dtype=float)
            if answer.ndim == 0:
                numbers = [float(t.replace("−", "-")) for t in re.findall(_NUMBER, shown)]
                numbers = [x for x in numbers if not (x == round(x) and abs(x) < 10)]
                said += any(close(x, float(answer), question.tolerance).ok for x in numbers)
            else:
                said += variant.render("{{answer}}").strip() in shown
        if said * 2 > len(variants):
            out.warn(("hints", j), FREE_HINT)
