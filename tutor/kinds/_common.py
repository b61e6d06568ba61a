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
