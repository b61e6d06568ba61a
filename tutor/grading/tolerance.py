"""Numeric closeness: which rule applies, whether a value passes it, and how to say so."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from tutor.content.model import Tolerance

DEFAULT_REL = 1e-2
DEFAULT_ABS = 1e-8

_PLAIN_NUMBER = re.compile(r"^\s*[-+−–]?(\d+(?:\.\d*)?|\.\d+)(?:[eE][-+−–]?\d+)?\s*$")


def significant_figures(raw: str) -> int | None:
    """Significant figures in a plainly typed decimal ("2.30" → 3), None for expressions."""
    m = _PLAIN_NUMBER.match(raw)
    if not m:
        return None
    digits = m.group(1).replace(".", "").lstrip("0")
    if not digits:
        return 1
    if "." not in m.group(1):
        digits = digits.rstrip("0") or digits  # "1200" is ambiguous: count what is certain
    return len(digits)


def _percent(rel: float) -> str:
    return f"{rel * 100:g} %"


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
    if tol is None:
        if abs(reference) < DEFAULT_ABS / DEFAULT_REL:
            return Check(diff <= DEFAULT_ABS, f"within ± {DEFAULT_ABS:g}")
        return Check(diff <= DEFAULT_REL * abs(reference), f"within {_percent(DEFAULT_REL)}")
    if tol.sigfigs is not None:
        n = tol.sigfigs
        rule = f"to {n} significant figures"
        if reference == 0:
            return Check(diff <= 10.0 ** (-n), rule)
        half_unit = 0.5 * 10.0 ** (math.floor(math.log10(abs(reference))) - n + 1)
        ok = diff <= half_unit * (1 + 1e-9)
        given = significant_figures(raw) if raw is not None else None
        if ok and given is not None and given < n:
            return Check(False, rule, f"give {n} significant figures; you gave {given}")
        return Check(ok, rule)
    parts = []
    ok = False
    diff = diff * (1 - 1e-12)  # 1.1 - 1 is 0.10000000000000009 in binary: the edge is inside
    if tol.rel is not None:
        parts.append(f"within {_percent(tol.rel)}")
        ok = ok or diff <= tol.rel * abs(reference)
    if tol.abs is not None:
        parts.append(f"within ± {tol.abs:g}")
        ok = ok or diff <= tol.abs
    return Check(ok, " or ".join(parts))


def close_array(values: object, reference: object, tol: Tolerance | None) -> tuple[bool, str]:
    """Elementwise closeness of same-shaped arrays, with the rule in words."""
    import numpy as np

    v = np.asarray(values, dtype=float)
    r = np.asarray(reference, dtype=float)
    rule = close(1.0, 1.0, tol).rule
    oks = [close(float(a), float(b), tol).ok for a, b in zip(v.ravel(), r.ravel(), strict=True)]
    return all(oks), f"each entry {rule}"
