"""Are two expressions equal on the declared domains?

We compare them numerically at random points drawn from each variable's domain, then add
points until every branch of every piecewise, |x|, sign, max and min in either expression has
been visited from both sides. With a few hundred points, two different elementary expressions
agree everywhere only by a coincidence too unlikely to matter, while equal ones written in
any form always agree: this never calls a right answer wrong because of its form.
Points where the reference is undefined (log of a negative, 0/0) are skipped.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tutor.expr import FunctionDef, Node, evaluate
from tutor.expr.nodes import Call, Compare, Piecewise, walk

N_POINTS = 240
MIN_VALID = 24
REL = 1e-7
ABS = 1e-9
BIG = 1e12  # values beyond this lose too much precision to compare


@dataclass(frozen=True)
class Comparison:
    equal: bool | None  # None: not enough points where both are defined
    valid: int  # points where the reference is defined
    answer_values: Any = None  # learner's values at the valid points, for diagnosis
    reference_values: Any = None
    env: Mapping[str, Any] | None = None
    mask: Any = None  # which sampled points were valid
    # The two disagree only at the large points drawn for unbounded domains, where float64
    # cancellation (log(1 - σ(30))) can make one correct form wrong: worth asking SymPy.
    only_far_out: bool = False


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
        elif isinstance(node, Call) and node.func in ("abs", "sign") and node.args:
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


def sample_points(
    variables: Mapping[str, Any],
    trees: list[Node],
    functions: Mapping[str, FunctionDef],
    fixed: Mapping[str, Any],
    seed: int = 0,
) -> dict[str, Any]:
    """Points for every variable, with every branch switch seen on both sides when possible."""
    import numpy as np

    rng = np.random.default_rng(seed)
    env: dict[str, Any] = dict(fixed)
    for name, domain in variables.items():
        env[name] = _sample(domain, rng, N_POINTS)
    switches = [s for t in trees for s in _switches(t)]
    for switch in switches:
        for _ in range(6):
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


def values_at(tree: Node, env: Mapping[str, Any], functions: Mapping[str, FunctionDef]) -> Any:
    import numpy as np

    with np.errstate(all="ignore"):
        value = np.asarray(evaluate(tree, env, functions), dtype=float)
    return np.broadcast_to(value, (N_POINTS,)) if value.ndim == 0 else value


def compare(
    answer: Node,
    reference: Node,
    variables: Mapping[str, Any],
    functions: Mapping[str, FunctionDef],
    fixed: Mapping[str, Any],
    seed: int = 0,
    env: Mapping[str, Any] | None = None,
) -> Comparison:
    """Numeric equivalence of `answer` and `reference` over the variables' domains."""
    import numpy as np

    if env is None:
        env = sample_points(variables, [reference, answer], functions, fixed, seed)
    ref = values_at(reference, env, functions)
    try:
        got = values_at(answer, env, functions)
    except ValueError:
        return Comparison(False, 0)
    if got.shape != ref.shape:
        return Comparison(False, 0)
    valid = np.isfinite(ref) & (np.abs(ref) < BIG)
    n_valid = int(valid.sum())
    if n_valid < MIN_VALID:
        return Comparison(None, n_valid)
    r, g = ref[valid], got[valid]
    ok = np.isfinite(g) & (np.abs(g - r) <= REL * np.maximum(np.abs(r), np.abs(g)) + ABS)
    far = _far_out(variables, env)[valid]
    only_far_out = bool(not ok.all() and ok[~far].all() and (~far).sum() >= MIN_VALID)
    return Comparison(bool(ok.all()), n_valid, g, r, env, valid, only_far_out)


FAR = 3.5  # beyond the ±3 drawn for most points of an unbounded domain


def _far_out(variables: Mapping[str, Any], env: Mapping[str, Any]) -> Any:
    import numpy as np

    far = np.zeros(N_POINTS, dtype=bool)
    for name, domain in variables.items():
        if domain in ("real", "positive", "negative", "nonnegative") and name in env:
            far |= np.abs(np.broadcast_to(np.asarray(env[name], dtype=float), (N_POINTS,))) > FAR
    return far
