"""Are two expressions equal on the declared domains?

We compare them numerically at random points drawn from each variable's domain, then add
points until every branch of every piecewise, |x|, sign, max and min in either expression has
been visited from both sides. With a few hundred points, two different elementary expressions
agree everywhere only by a coincidence too unlikely to matter, while equal ones written in
any form always agree: this never calls a right answer wrong because of its form.
Points where the reference is undefined (log of a negative, 0/0) are skipped.

float64 alone never decides a point it may have got wrong. Where the two sides differ in
float64, the same sums are redone in extended precision (np.longdouble): a real difference
stays the same, a rounding artefact does not. Points still unclear (overflow, underflow,
cancellation) are re-evaluated with mpmath at 40 and 80 digits; if some stay unclear, SymPy
is asked in its killable worker, and only its "equal" is taken. Anything short of clean
evidence is "could not decide", never a verdict.

Closeness at a point is relative to the size of the values there (REL), with an absolute
floor that is a tiny fraction of the reference's own typical size, never a fixed 1e-9:
0 is not "equal" to a reference of size 1e-12.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from tutor.expr import FunctionDef, Node, evaluate
from tutor.expr.evaluate import POINTS, evaluate_as
from tutor.expr.nodes import Call, Compare, Piecewise, walk
from tutor.grading.limits import check_time

N_POINTS = 240
MIN_VALID = 24
REL = 1e-7
FLOOR = 1e-12  # the absolute floor, as a fraction of the reference's median size
STABLE = 1e-3  # a difference that changes by less than this share with precision is real
PRECISE_DIGITS = (40, 80)
PRECISE_BUDGET = 1.0  # seconds of mpmath per comparison, at most (a point takes ~1 ms)
SLOW_PATH_CAP = 2.0  # seconds for mpmath and SymPy together, per comparison
EPS = 4e-16  # float64's rounding, about 2 units in the last place
FLOOR_CHECKS = 8  # points decided only by the absolute floor that mpmath re-checks, at most
PRECISE_RESERVE = 0.5  # seconds of the time cap kept for what follows the mpmath points

UNDEFINED_MESSAGE = "Could not decide: your answer and the reference are undefined at most test points."
UNCLEAR_MESSAGE = (
    "Could not decide: at some test points the values are too large, too small or cancel too much "
    "to compare reliably, and no exact check settled it in time. Try writing it another way."
)


@dataclass(frozen=True)
class Comparison:
    equal: bool | None  # None: not clean evidence either way (see `why`)
    valid: int  # points where the reference is defined and the two were compared
    answer_values: Any = None  # learner's values at the valid points, for diagnosis
    reference_values: Any = None
    env: Mapping[str, Any] | None = None
    mask: Any = None  # which sampled points were valid
    why: str | None = None  # for equal None: the learner's message
    precise: int = 0  # points that needed mpmath
    sympy: bool = False  # whether SymPy was asked


def _sample(domain: Any, rng: Any, size: int) -> Any:
    """Stratified: mostly moderate values of both signs, some large, some near zero."""
    import numpy as np

    def mix(lo: float, hi: float) -> Any:
        base = rng.uniform(lo, hi, size)
        wide = rng.uniform(lo * 10 if lo < 0 else lo, hi * 10, size)
        near = rng.uniform(max(lo, -0.1), min(hi, 0.1), size) if lo < 0.1 and hi > -0.1 else base
        pick = rng.uniform(0, 1, size)
        return np.where(pick < 0.7, base, np.where(pick < 0.9, wide, near))

    if domain == "real":
        return mix(-3.0, 3.0)
    if domain == "positive":
        return np.abs(mix(0.01, 3.0)) + 1e-3
    if domain == "negative":
        return -(np.abs(mix(0.01, 3.0)) + 1e-3)
    if domain == "nonnegative":
        return np.abs(mix(0.0, 3.0))
    if domain == "integer":
        return rng.integers(-6, 7, size).astype(float)
    if isinstance(domain, dict) and "set" in domain:
        return rng.choice(np.asarray(domain["set"], dtype=float), size)
    lo, hi = domain["interval"] if isinstance(domain, dict) else domain
    return rng.uniform(lo, hi, size)


def _switches(tree: Node) -> list[Node]:
    """Sub-expressions whose sign decides a branch: conditions, and arguments of |x|, sign,
    max and min (as differences)."""
    from tutor.expr.nodes import BinOp

    out: list[Node] = []
    for node in walk(tree):
        if isinstance(node, Piecewise):
            out.extend(cond for _, cond in node.pieces)
        elif isinstance(node, Call) and node.func in ("abs", "sign", "heaviside") and node.args:
            out.append(node.args[0])
        elif isinstance(node, Call) and node.func in ("max", "min") and len(node.args) == 2:
            out.append(BinOp(node.pos, "-", node.args[0], node.args[1]))
        elif isinstance(node, Call) and node.func == "relu" and node.args:
            out.append(node.args[0])
        elif isinstance(node, Call) and node.func == "clip" and len(node.args) == 3:
            x, lo, hi = node.args
            out.extend([BinOp(node.pos, "-", x, lo), BinOp(node.pos, "-", x, hi)])
        elif isinstance(node, Compare):
            out.append(node)
    return out


def _sides(values: Any) -> tuple[bool, bool]:
    import numpy as np

    v = np.asarray(values)
    if v.dtype == bool:
        return bool(v.any()), bool((~v).any())
    finite = v[np.isfinite(v)]
    return bool((finite > 0).any()), bool((finite < 0).any())


def switches_of(trees: list[Node]) -> tuple[Node, ...]:
    """The branch switches of `trees`, in order: with the variables, fixed values and seed,
    all that `sample_points` depends on."""
    out: list[Node] = []
    for tree in trees:
        try:
            out.extend(_switches_cached(tree))
        except TypeError:  # a tree that cannot be a key
            out.extend(_switches(tree))
    return tuple(out)


@lru_cache(maxsize=1024)
def _switches_cached(tree: Node) -> tuple[Node, ...]:
    return tuple(_switches(tree))


def sample_points(
    variables: Mapping[str, Any],
    trees: list[Node],
    functions: Mapping[str, FunctionDef],
    fixed: Mapping[str, Any],
    seed: int = 0,
    switches: tuple[Node, ...] | None = None,
) -> dict[str, Any]:
    """Points for every variable, with every branch switch seen on both sides when possible.
    `switches`, when given, are `switches_of(trees)`, already worked out."""
    import numpy as np

    rng = np.random.default_rng(seed)
    env: dict[str, Any] = dict(fixed)
    env[POINTS] = N_POINTS  # evaluate() treats each value as a column of points
    for name, domain in variables.items():
        env[name] = _sample(domain, rng, N_POINTS)
    if switches is None:
        switches = switches_of(trees)
    for switch in switches:
        for _ in range(6):
            check_time()  # an answer may hold hundreds of conditions
            try:
                values = np.broadcast_to(evaluate(switch, env, functions), (N_POINTS,))
            except ValueError:
                break
            pos, neg = _sides(values)
            if pos and neg:
                break
            # Widen and re-draw a third of the points: a threshold such as |e| <= delta is
            # crossed once some e are larger and some smaller than delta.
            scale = rng.choice([0.1, 3.0, 10.0])
            extra = {n: _sample(d, rng, N_POINTS) * scale for n, d in variables.items()}
            k = N_POINTS // 3
            idx = rng.choice(N_POINTS, k, replace=False)
            for n in variables:
                if isinstance(variables[n], dict) and "set" in variables[n]:
                    continue
                col = np.array(env[n], dtype=float)
                col[idx] = extra[n][idx]
                env[n] = _clip_to_domain(col, variables[n])
    return env


def _clip_to_domain(values: Any, domain: Any) -> Any:
    import numpy as np

    if domain == "positive":
        return np.abs(values) + 1e-3
    if domain == "negative":
        return -(np.abs(values) + 1e-3)
    if domain == "nonnegative":
        return np.abs(values)
    if domain == "integer":
        return np.round(values)
    if isinstance(domain, dict) and "interval" in domain:
        lo, hi = domain["interval"]
        return np.clip(values, lo, hi)
    if isinstance(domain, tuple | list):
        lo, hi = domain
        return np.clip(values, lo, hi)
    return values


def values_at(
    tree: Node, env: Mapping[str, Any], functions: Mapping[str, FunctionDef], dtype: Any = None
) -> Any:
    """The values at every sampled point: shape (points,), or (points, n) for a vector."""
    import numpy as np

    dtype = np.float64 if dtype is None else dtype
    with np.errstate(all="ignore"):
        value = np.asarray(evaluate_as(tree, env, functions, dtype), dtype=dtype)
    if value.ndim == 0:
        return np.broadcast_to(value, (N_POINTS,))
    return value


MEMO_SIZE = 128  # values kept per set of points: with MEMO_POINTS, a few MB per variant at most


def _memo_values(
    memo: dict[Any, Any], tree: Node, env: Mapping[str, Any], functions: Mapping[str, FunctionDef], dtype: Any
) -> Any:
    """`values_at`, remembered in `memo` (read-only, as they are shared). Trees are keys: equal
    trees read the same and have the same values, wherever they were written."""
    key = (tree, dtype)
    try:
        return memo[key]
    except KeyError:
        pass
    except TypeError:  # a tree that cannot be a key: not remembered
        return values_at(tree, env, functions, dtype)
    value = values_at(tree, env, functions, dtype)
    if len(memo) < MEMO_SIZE:
        value.setflags(write=False)
        memo[key] = value
    return value


def _floor(ref: Any) -> float:
    """The absolute floor of closeness: a tiny fraction of the reference's typical size."""
    import numpy as np

    sizes = np.abs(ref[np.isfinite(ref)])
    return FLOOR * float(np.median(sizes)) if sizes.size else 0.0


def _memo_floor(memo: dict[Any, Any], reference: Node, ref: Any) -> float:
    try:
        return float(memo[_FLOOR, reference])
    except KeyError:
        pass
    except TypeError:
        return _floor(ref)
    floor = _floor(ref)
    if len(memo) < MEMO_SIZE:
        memo[_FLOOR, reference] = floor
    return floor


_FLOOR = "floor"  # memo key of a reference's floor (values are keyed by (tree, dtype))


def _extended() -> Any:
    """numpy's longdouble when it really has more digits than float64 (x86: 64 bits), else None."""
    import numpy as np

    return np.longdouble if np.finfo(np.longdouble).nmant > np.finfo(np.float64).nmant else None


def _close(got: Any, ref: Any, floor: float) -> Any:
    import numpy as np

    with np.errstate(all="ignore"):
        return (
            np.isfinite(got)
            & np.isfinite(ref)
            & (np.abs(got - ref) <= REL * np.maximum(np.abs(ref), np.abs(got)) + floor)
        )


def _per_point(values: Any, how: str) -> Any:
    """Elementwise flags of shape (points,) or (points, n) -> one flag per point."""
    if values.ndim == 1:
        return values
    return values.all(axis=-1) if how == "all" else values.any(axis=-1)


def compare(
    answer: Node,
    reference: Node,
    variables: Mapping[str, Any],
    functions: Mapping[str, FunctionDef],
    fixed: Mapping[str, Any],
    seed: int = 0,
    env: Mapping[str, Any] | None = None,
    memo: dict[Any, Any] | None = None,
) -> Comparison:
    """Equivalence of `answer` and `reference` over the variables' domains, from clean
    numeric evidence only (see the module docstring). `memo` keeps expressions' values at
    the points of `env` (and only those: one memo per env) from one comparison to the next."""
    import numpy as np

    if env is None:
        env = sample_points(variables, [reference, answer], functions, fixed, seed)

    def at(tree: Node, dtype: Any = None) -> Any:
        if memo is None:
            return values_at(tree, env, functions, dtype)
        return _memo_values(memo, tree, env, functions, dtype)

    ref = at(reference)
    try:
        got = at(answer)
    except ValueError:
        return Comparison(False, 0)
    if got.shape != ref.shape:
        return Comparison(False, 0)
    floor = _floor(ref) if memo is None else _memo_floor(memo, reference, ref)
    equal = _per_point(_close(got, ref, floor), "all")
    different = np.zeros(N_POINTS, dtype=bool)
    undefined = np.zeros(N_POINTS, dtype=bool)
    unclear = ~equal
    if unclear.any():
        long = _extended()
        if long is not None:
            ref_l, got_l = at(reference, long), at(answer, long)
            with np.errstate(all="ignore"):
                d64, d80 = np.abs(got - ref), np.abs(got_l - ref_l).astype(float)
                real_gap = (
                    np.isfinite(d64)
                    & np.isfinite(d80)
                    & ~_close(got_l, ref_l, floor)
                    & (np.abs(d64 - d80) <= STABLE * d80)
                )
            # The reference has no value even with more digits: log of a negative, 0/0.
            no_value = np.isnan(ref) & np.isnan(ref_l)
            different = unclear & _per_point(real_gap, "any") & ~_per_point(no_value, "any")
            undefined = unclear & _per_point(no_value, "any")
            equal |= unclear & _per_point(_close(got_l, ref_l, floor), "all")
        else:
            undefined = unclear & _per_point(np.isnan(ref), "any")
        unclear = ~(equal | different | undefined)
    if not different.any():
        different = _floor_hides(answer, reference, functions, env, got, ref, equal, floor)
        equal &= ~different
    if unclear.any() and not different.any():
        return _settle(answer, reference, variables, functions, env, floor, got, ref, equal, unclear)
    return _verdict(answer, reference, variables, functions, env, got, ref, equal, different, unclear, 0)


def _floor_hides(
    answer: Node,
    reference: Node,
    functions: Mapping[str, FunctionDef],
    env: Mapping[str, Any],
    got: Any,
    ref: Any,
    equal: Any,
    floor: float,
) -> Any:
    """Points called equal only thanks to the absolute floor, or where float64's rounding of
    the terms that cancel is above the tolerance, re-evaluated with mpmath and no floor (a few,
    the most doubtful first): near a root of an expanded (x + 10)^13, whose floor is 10, a
    constant off by 1 hides under the floor or the rounding at every point. Only a clean
    "different" counts; anything else leaves the float verdict as it was."""
    import numpy as np

    from tutor.grading.limits import time_cap

    different = np.zeros_like(equal)
    with np.errstate(all="ignore"):
        gap = np.abs(got - ref)
        scale = REL * np.maximum(np.abs(ref), np.abs(got))
        leaning = equal & _per_point(gap > scale, "any") if floor > 0 else np.zeros_like(equal)
        # float64's rounding is about EPS times the size of the terms that cancel: where that
        # is above the tolerance, float64 could not have seen a difference either
        terms = np.maximum(_terms(answer, env, functions), _terms(reference, env, functions))
        blind = equal & _per_point(EPS * terms > scale, "any")
        if not (leaning | blind).any():
            return different
        # the points where the floor, or the rounding, does most of the work first
        share = np.where(np.isfinite(gap), gap / (scale + floor), 0.0)
        noise = np.where(np.isfinite(terms), EPS * terms / (scale + floor), 0.0)
    if share.ndim > 1:
        share, noise = share.max(axis=-1), noise.max(axis=-1)
    order = sorted((int(i) for i in np.flatnonzero(leaning)), key=lambda i: -float(share[i]))
    order += sorted((int(i) for i in np.flatnonzero(blind & ~leaning)), key=lambda i: -float(noise[i]))
    with time_cap(SLOW_PATH_CAP):
        settled, _ = _precisely(
            answer, reference, {}, functions, env, np.isin(np.arange(N_POINTS), order[:FLOOR_CHECKS]), 0.0
        )
    for i, verdict in settled.items():
        different[i] = verdict == "different"
    return different


def _terms(tree: Node, env: Mapping[str, Any], functions: Mapping[str, FunctionDef]) -> Any:
    """At each point, the size of the terms `tree` adds up (|a| + |b| for a - b, |a|·|b| for
    a·b): float64's rounding error is about EPS times this, however small the sum."""
    import numpy as np

    try:
        return np.abs(values_at(_terms_tree(tree), env, functions))
    except (ValueError, TypeError, ArithmeticError, RecursionError):
        return np.zeros(N_POINTS)  # no estimate: the float verdict stands


@lru_cache(maxsize=256)
def _terms_tree(tree: Node) -> Node:
    from tutor.expr.nodes import BinOp, Neg, Num

    match tree:
        case Num():
            return tree
        case Neg(operand=operand):
            return _terms_tree(operand)
        case BinOp(op="+" | "-", left=left, right=right):
            return BinOp(tree.pos, "+", _terms_tree(left), _terms_tree(right))
        case BinOp(op="*", left=left, right=right):
            return BinOp(tree.pos, "*", _terms_tree(left), _terms_tree(right))
        case BinOp(op="/", left=left, right=right):
            return BinOp(tree.pos, "/", _terms_tree(left), Call(right.pos, "abs", (right,)))
    return Call(tree.pos, "abs", (tree,))


def _settle(
    answer: Node,
    reference: Node,
    variables: Mapping[str, Any],
    functions: Mapping[str, FunctionDef],
    env: Mapping[str, Any],
    floor: float,
    got: Any,
    ref: Any,
    equal: Any,
    unclear: Any,
) -> Comparison:
    """The slow path, for points float64 could not settle: mpmath, then SymPy, together
    within SLOW_PATH_CAP seconds."""
    import numpy as np

    from tutor.grading.limits import time_cap

    different = np.zeros_like(equal)
    with time_cap(SLOW_PATH_CAP):
        settled, precise = _precisely(answer, reference, variables, functions, env, unclear, floor)
        for i, verdict in settled.items():
            unclear[i] = False  # "undefined": the reference has no value there, skip it
            equal[i] = verdict == "equal"
            different[i] = verdict == "different"
        return _verdict(
            answer, reference, variables, functions, env, got, ref, equal, different, unclear, precise
        )


def _verdict(
    answer: Node,
    reference: Node,
    variables: Mapping[str, Any],
    functions: Mapping[str, FunctionDef],
    env: Mapping[str, Any],
    got: Any,
    ref: Any,
    equal: Any,
    different: Any,
    unclear: Any,
    precise: int,
) -> Comparison:
    import numpy as np

    valid = equal | different
    n_valid = int(valid.sum())
    mask = valid & _per_point(np.isfinite(ref) & np.isfinite(got), "all")
    values = dict(answer_values=got[mask], reference_values=ref[mask], env=env, mask=mask, precise=precise)
    if different.any():
        return Comparison(False, n_valid, **values)
    if unclear.any():
        if _sympy_says_equal(answer, reference, variables, functions, env):
            return Comparison(True, n_valid, **values, sympy=True)
        return Comparison(None, n_valid, **values, why=UNCLEAR_MESSAGE, sympy=True)
    if n_valid < MIN_VALID:
        return Comparison(None, n_valid, why=UNDEFINED_MESSAGE, precise=precise)
    return Comparison(True, n_valid, **values)


def _point(env: Mapping[str, Any], i: int, digits: int) -> dict[str, Any]:
    """The values at sampled point `i` as mpmath numbers (vectors as lists)."""
    import mpmath
    import numpy as np

    out: dict[str, Any] = {}
    with mpmath.workdps(digits):
        for name, value in env.items():
            if name == POINTS:
                continue
            column = np.asarray(value, dtype=float)
            if column.ndim and column.shape[0] == N_POINTS:
                column = column[i]
            out[name] = [mpmath.mpf(float(v)) for v in column] if column.ndim else mpmath.mpf(float(column))
    return out


def _precisely(
    answer: Node,
    reference: Node,
    variables: Mapping[str, Any],
    functions: Mapping[str, FunctionDef],
    env: Mapping[str, Any],
    unclear: Any,
    floor: float,
) -> tuple[dict[int, str], int]:
    """mpmath's verdict at (some of) the unclear points: "equal", "different" or "undefined".
    Points it cannot settle, or has no time for, are left out. Stops at the first real
    difference: one is enough."""
    import numpy as np

    from tutor.grading.limits import now, remaining

    settled: dict[int, str] = {}
    stop = now() + min(PRECISE_BUDGET, remaining() - PRECISE_RESERVE)
    tried = 0
    for i in np.flatnonzero(unclear):
        if now() > stop:
            break
        tried += 1
        verdict = _at_point(answer, reference, functions, env, int(i), floor)
        if verdict is not None:
            settled[int(i)] = verdict
        if verdict == "different":
            break
    return settled, tried


def _at_point(
    answer: Node,
    reference: Node,
    functions: Mapping[str, FunctionDef],
    env: Mapping[str, Any],
    i: int,
    floor: float,
) -> str | None:
    import mpmath

    from tutor.expr import EvalError
    from tutor.expr.precise import Undefined, evaluate_precise

    gaps = []
    for digits in PRECISE_DIGITS:
        point = _point(env, i, digits)
        try:
            ref = evaluate_precise(reference, point, functions, digits)
        except Undefined:
            return "undefined"
        except EvalError:
            return None
        try:
            got = evaluate_precise(answer, point, functions, digits)
        except Undefined:
            return "different"  # no value where the reference has one
        except EvalError:
            return None
        refs, gots = (ref, got) if isinstance(ref, list) else ([ref], [got])
        if isinstance(got, list) != isinstance(ref, list) or len(refs) != len(gots):
            return None
        if any(not mpmath.isfinite(r) for r in refs):
            return "undefined"
        if any(not mpmath.isfinite(g) for g in gots):
            return "different"
        with mpmath.workdps(digits):
            gaps.append(
                [(abs(g - r), REL * max(abs(r), abs(g)) + floor) for g, r in zip(gots, refs, strict=True)]
            )
    (low, high) = gaps
    if all(gap <= tol for gap, tol in high) and all(gap <= tol for gap, tol in low):
        return "equal"
    # A gap that shrinks with the digits is rounding of a true 0 (sin(pi*n) for integer n).
    if all(
        g_hi <= tol or g_hi <= g_lo * mpmath.mpf(10) ** -30
        for (g_lo, _), (g_hi, tol) in zip(low, high, strict=True)
    ):
        return "equal"
    if any(
        g_hi > tol and g_lo > tol and abs(g_hi - g_lo) <= STABLE * g_hi
        for (g_lo, _), (g_hi, tol) in zip(low, high, strict=True)
    ):
        return "different"
    return None


def _sympy_says_equal(
    answer: Node,
    reference: Node,
    variables: Mapping[str, Any],
    functions: Mapping[str, FunctionDef],
    env: Mapping[str, Any],
) -> bool:
    """SymPy's simplify/equals in the killable worker, within the time left. Only its "equal"
    counts: assumptions weaker than the domain (a set {0, 1} is only "nonnegative") can make
    it miss an equality, never invent one."""
    import numpy as np

    from tutor.grading.forms import DEFAULT_TIME_LIMIT, check_equal
    from tutor.grading.limits import OutOfTime, sympy_limit

    # A parameter bound to a vector is only a scalar symbol to SymPy: sum(w) would be w.
    if any(np.ndim(v) for n, v in env.items() if n != POINTS and n not in variables):
        return False
    try:
        limit = sympy_limit(DEFAULT_TIME_LIMIT)
    except OutOfTime:
        return False
    return check_equal(answer, reference, functions, variables, time_limit=limit) is True
