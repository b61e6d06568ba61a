"""Numeric closeness: which rule applies, whether a value passes it, and how to say so."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from tutor.content.model import Tolerance

DEFAULT_REL = 1e-2
DEFAULT_ABS = 1e-8

_PLAIN_NUMBER = re.compile(r"^\s*[-+−–]?(\d+(?:\.\d*)?|\.\d+)(?:[eE][-+−–]?\d+)?\s*$")


def significant_figures(raw: str, *, trailing_zeros: bool = False) -> int | None:
    """Significant figures in a plainly typed decimal ("2.30" → 3), None for expressions.

    Zero written with a decimal point counts the zeros after it ("0.00" → 2), so that a
    reference of 0 can still ask for a number of figures. An integer's trailing zeros
    ("1200") may or may not be significant: they count only with `trailing_zeros`."""
    m = _PLAIN_NUMBER.match(raw)
    if not m:
        return None
    digits = m.group(1).replace(".", "").lstrip("0")
    if not digits:
        _, _, after = m.group(1).partition(".")
        return max(1, len(after))
    if "." not in m.group(1) and not trailing_zeros:
        digits = digits.rstrip("0") or digits  # "1200" is ambiguous: count what is certain
    return len(digits)


def _percent(rel: float) -> str:
    return f"{rel * 100:g} %"


def describe(tol: Tolerance | None, reference: float | None = None) -> str:
    """The rule `tol` grades by, in the words shown under the prompt and in the feedback:
    "to 3 significant figures", "within 1 %", "within 5 % or within ± 0.1". The default rule
    depends on the reference (absolute near zero), so it is worded for `reference` when given."""
    if tol is None:
        if reference is not None and abs(reference) < DEFAULT_ABS / DEFAULT_REL:
            return f"within ± {DEFAULT_ABS:g}"
        return f"within {_percent(DEFAULT_REL)}"
    if tol.sigfigs is not None:
        return f"to {tol.sigfigs} significant figures"
    parts = []
    if tol.rel is not None:
        parts.append(f"within {_percent(tol.rel)}")
    if tol.abs is not None:
        parts.append(f"within ± {tol.abs:g}")
    return " or ".join(parts)


def stated_rule(tol: Tolerance | None, reference: object = None, *, entries: bool = False) -> str:
    """The sentence shown under a prompt before the learner answers, in `describe`'s words:
    "Graded to 3 significant figures." or "Each entry is graded within 1 %." """
    scalar = reference if isinstance(reference, int | float) and not isinstance(reference, bool) else None
    rule = describe(tol, None if scalar is None else float(scalar))
    return f"Each entry is graded {rule}." if entries else f"Graded {rule}."


def round_sig(value: float, n: int) -> Decimal:
    """`value` rounded to `n` significant figures, half away from zero, as school (and STACK's
    NumSigFigs) round: 1.25 → 1.3 at 2 figures. The float is read at 15 figures first, so
    binary noise (2.6749999999999998 for 2.675) does not decide a half."""
    if value == 0:
        return Decimal(0)
    d = Decimal(format(value, ".15e"))
    exponent = d.adjusted() - n + 1
    return d.quantize(Decimal(1).scaleb(exponent), rounding=ROUND_HALF_UP)


def sigfig_text(value: float, n: int) -> str:
    """`value` typed to `n` significant figures with every figure shown: 1.5 → `1.500` at 4,
    1200 → `1.20e+3` at 3, 0 → `0.00` at 2 (a zero counts the zeros after its point)."""
    if value == 0:
        return "0." + "0" * n
    d = round_sig(value, n)
    if d.as_tuple().exponent <= 0:  # type: ignore[operator]
        return format(d, "f")
    return format(d, "e")


@dataclass(frozen=True)
class Check:
    ok: bool
    rule: str
    problem: str | None = None  # why a close value still fails (too few significant figures)


def close(value: float, reference: float, tol: Tolerance | None, raw: str | None = None) -> Check:
    """Is `value` close enough to `reference` under `tol` (or the default rule)?"""
    if not (math.isfinite(value) and math.isfinite(reference)):
        return Check(value == reference, "exact")
    diff = abs(value - reference)
    rule = describe(tol, reference)
    if tol is None:
        if abs(reference) < DEFAULT_ABS / DEFAULT_REL:
            return Check(diff <= DEFAULT_ABS, rule)
        return Check(diff <= DEFAULT_REL * abs(reference), rule)
    if tol.sigfigs is not None:
        # STACK's NumSigFigs: the answer's n-figure rounding must be the reference's, and a
        # typed decimal must show at least n figures (a reference of 0 included)
        n = tol.sigfigs
        try:
            ok = round_sig(value, n) == round_sig(reference, n)
        except InvalidOperation:  # pragma: no cover - finite floats always quantize
            ok = False
        # "10" may have 2 figures: an integer's trailing zeros are given the benefit of the doubt
        most = significant_figures(raw, trailing_zeros=True) if raw is not None else None
        if ok and most is not None and most < n:
            given = significant_figures(raw) if raw is not None else most
            return Check(False, rule, f"give {n} significant figures; you gave {given}")
        return Check(ok, rule)
    ok = False
    diff = diff * (1 - 1e-12)  # 1.1 - 1 is 0.10000000000000009 in binary: the edge is inside
    if tol.rel is not None:
        ok = ok or diff <= tol.rel * abs(reference)
    if tol.abs is not None:
        ok = ok or diff <= tol.abs
    return Check(ok, rule)


def close_array(values: object, reference: object, tol: Tolerance | None) -> tuple[bool, str]:
    """Elementwise closeness of same-shaped arrays, with the rule in words."""
    import numpy as np

    v = np.asarray(values, dtype=float)
    r = np.asarray(reference, dtype=float)
    rule = describe(tol, 1.0)
    oks = [close(float(a), float(b), tol).ok for a, b in zip(v.ravel(), r.ravel(), strict=True)]
    return all(oks), f"each entry {rule}"
