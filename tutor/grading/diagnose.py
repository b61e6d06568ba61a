"""Name the mistake without any authoring: sign, constant factor, reciprocal, log base,
sum instead of mean. Works on a single number or on values sampled at many points."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from tutor.expr import FunctionDef, Node, parse
from tutor.expr.nodes import called_functions
from tutor.grading.limits import check_time


@dataclass(frozen=True)
class Diagnosis:
    note: str
    feedback: str


def _same(a: Any, b: Any, rel: float) -> bool:
    import numpy as np

    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    ok = np.isfinite(a) & np.isfinite(b) & (np.abs(a - b) <= rel * np.maximum(np.abs(b), 1e-12))
    return bool(ok.all()) and a.size > 0


# Factors a slip typically introduces: a dropped 1/2 or 2, a mean's 1/n for small n, a 10.
FACTORS: tuple[float, ...] = (2, 1 / 2, 3, 1 / 3, 4, 1 / 4, 5, 1 / 5, 10, 1 / 10)


# Alternative readings of the reference, each a plausible slip, with what to tell the learner.
_SWAPS: tuple[tuple[str, str, str, str], ...] = (
    ("log", "log10(x)", "log-base", "That is a base-10 logarithm; the natural log (ln) is meant here."),
    ("ln", "log10(x)", "log-base", "That is a base-10 logarithm; the natural log (ln) is meant here."),
    ("mean", "sum(x)", "sum-not-mean", "That is the sum; the mean divides it by the number of items."),
)


def diagnose(
    answer: Any,
    reference: Any,
    rel: float,
    reference_tree: Node | None = None,
    evaluate_with: Callable[[Mapping[str, FunctionDef]], Any] | None = None,
) -> Diagnosis | None:
    """Explain how `answer` relates to `reference` (numbers or arrays of sampled values).

    `evaluate_with(functions)` re-evaluates the reference with some builtins replaced, to
    recognise a slip such as log10 for log or sum for mean.
    """
    import numpy as np

    a = np.asarray(answer, dtype=float)
    r = np.asarray(reference, dtype=float)
    if a.shape != r.shape or a.size == 0:
        return None
    if reference_tree is not None and evaluate_with is not None:
        used = called_functions(reference_tree)
        for func, body, note, message in _SWAPS:
            check_time()
            if func in used:
                try:
                    alt = evaluate_with({func: FunctionDef(("x",), parse(body, variables=["x"]))})
                except ValueError:
                    continue
                if not _same(alt, r, rel) and _same(a, alt, rel):
                    return Diagnosis(note, message)
    nonzero = np.abs(r) > 1e-12
    if not nonzero.any():
        return None
    if _same(a, -r, rel):
        return Diagnosis("sign", "The sign is flipped: your answer is the negative of the right one.")
    if nonzero.all() and np.all(np.abs(a) > 1e-12) and _same(a, 1 / r, rel) and not _same(r, 1 / r, rel):
        return Diagnosis("reciprocal", "Your answer is the reciprocal (1/x) of the right one.")
    for k in FACTORS:
        for signed in (k, -k):
            if _same(a, signed * r, rel):
                name = str(Fraction(k).limit_denominator(100))
                flipped = " and the sign is flipped" if signed < 0 else ""
                return Diagnosis(
                    f"factor-{name.replace('/', '-over-')}",
                    f"Off by a factor of {name}{flipped}: check the constants (a 1/2, a 2, a 1/n).",
                )
    return None
