"""Is an (already equivalent) answer written in the form the question asks for?

This is the only grading step that needs SymPy, and SymPy's simplify/factor can run for a
long time on unlucky input, so it runs in a worker process that is killed at the time limit:
a timeout gives "could not decide", never "incorrect".
"""

from __future__ import annotations

import atexit
import concurrent.futures as cf
import multiprocessing
from collections.abc import Mapping
from typing import Any

from tutor.expr import FunctionDef, Node

DEFAULT_TIME_LIMIT = 2.0

STARTUP_LIMIT = 60.0  # starting the worker and importing SymPy is not charged to a grade

_pool: cf.ProcessPoolExecutor | None = None
_ready: cf.Future[bool] | None = None


def _get_pool() -> cf.ProcessPoolExecutor:
    global _pool, _ready
    if _pool is None:
        # spawn: a fork of a process running Textual's threads is not safe.
        _pool = cf.ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
        _ready = _pool.submit(_form_ok, None, "simplified", {}, {})
        atexit.register(_shutdown)
    return _pool


def _shutdown() -> None:
    global _pool
    if _pool is not None:
        for proc in list(getattr(_pool, "_processes", {}).values()):
            proc.kill()
        _pool.shutdown(wait=False, cancel_futures=True)
        _pool = None


def warm_up() -> None:
    """Start the worker and import SymPy in it ahead of the first form check."""
    _get_pool()


def _form_ok(
    tree: Node | None, form: str, functions: Mapping[str, FunctionDef], assumptions: Mapping[str, dict]
) -> bool:
    import sympy

    from tutor.expr.sympy_bridge import to_sympy

    if tree is None:
        sympy.Symbol("x")  # the warm-up call: importing is the slow part
        return True
    expr = to_sympy(tree, functions, assumptions)
    if form == "expanded":
        return bool(sympy.expand(expr) == expr)
    if form == "factored":
        return bool(sympy.factor(expr) == expr or not isinstance(expr, sympy.Add))
    if form == "simplified":
        # SymPy already cancels x^2/x while building, so count what the learner typed.
        return typed_operations(tree) <= sympy.count_ops(sympy.simplify(expr)) + 1
    return True  # "no-derivative": the reader has no derivative operator to begin with


def _equal_ok(
    a: Node, b: Node, functions: Mapping[str, FunctionDef], assumptions: Mapping[str, dict]
) -> bool | None:
    import sympy

    from tutor.expr.sympy_bridge import to_sympy

    diff = to_sympy(a, functions, assumptions) - to_sympy(b, functions, assumptions)
    if sympy.simplify(diff) == 0:
        return True
    # equals() tests at random points in high precision: free of float64 cancellation.
    verdict = diff.equals(0)
    return None if verdict is None else bool(verdict)


def check_equal(
    a: Node,
    b: Node,
    functions: Mapping[str, FunctionDef],
    domains: Mapping[str, Any],
    time_limit: float = DEFAULT_TIME_LIMIT,
) -> bool | None:
    """SymPy's opinion on a == b: True/False, or None when it cannot tell within the limit."""
    return _in_worker(_equal_ok, (a, b, dict(functions), assumptions_for(domains)), time_limit)


def typed_operations(tree: Node) -> int:
    from tutor.expr.nodes import BinOp, Call, Neg, walk

    return sum(isinstance(n, BinOp | Call | Neg) for n in walk(tree))


def assumptions_for(domains: Mapping[str, Any]) -> dict[str, dict[str, bool]]:
    out: dict[str, dict[str, bool]] = {}
    for name, domain in domains.items():
        if domain == "positive":
            out[name] = {"positive": True}
        elif domain == "negative":
            out[name] = {"negative": True}
        elif domain == "nonnegative":
            out[name] = {"nonnegative": True}
        elif domain == "integer":
            out[name] = {"integer": True}
        else:
            out[name] = {"real": True}
    return out


def check_form(
    tree: Node,
    form: str,
    functions: Mapping[str, FunctionDef],
    domains: Mapping[str, Any],
    time_limit: float = DEFAULT_TIME_LIMIT,
) -> bool | None:
    """True/False, or None when SymPy could not decide within `time_limit` seconds."""
    return _in_worker(_form_ok, (tree, form, dict(functions), assumptions_for(domains)), time_limit)


def _in_worker(fn: Any, args: tuple[Any, ...], time_limit: float) -> bool | None:
    pool = _get_pool()
    try:
        if _ready is not None:
            _ready.result(timeout=STARTUP_LIMIT)
        future = pool.submit(fn, *args)
    except Exception:  # the worker could not start: grading goes on, undecided
        _shutdown()
        return None
    try:
        return future.result(timeout=time_limit)
    except cf.TimeoutError:
        _shutdown()  # the worker may be stuck inside SymPy: kill it, start afresh next time
        return None
    except Exception:  # a SymPy failure on odd input is "cannot decide", not a crash
        return None
