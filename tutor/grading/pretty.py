"""Formulas as SymPy's two-dimensional pretty print, worked out in the SymPy worker process
(`forms`), never in the app's: SymPy costs the app a second and about 35 MiB to import.

`pretty_in_worker` remembers what it printed by the formula's text, so a lesson opened again
shows its formulas at once.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from tutor.content import model as m
from tutor.expr import Node
from tutor.expr.nodes import BinOp, Call, Index, Piecewise, Vector, walk

# sympy.pretty flips a module-wide "use unicode" flag while it prints, so two formulas printed
# at once in two threads can come out in ASCII: one at a time.
_PRETTY_LOCK = threading.Lock()
PRETTY_TIME_LIMIT = 5.0  # seconds, the first time including SymPy's import in the worker
_CACHE: OrderedDict[tuple[str | None, str], str | None] = OrderedDict()
_CACHE_SIZE = 512
_cache_lock = threading.Lock()


def known_pretty(formula: m.Formula) -> tuple[bool, str | None]:
    """(True, text) when `pretty_in_worker` has already printed this formula, else (False, None)."""
    with _cache_lock:
        key = (formula.show, formula.expr)
        return (True, _CACHE[key]) if key in _CACHE else (False, None)


def pretty_in_worker(formula: m.Formula) -> str | None:
    """`pretty_formula`, run in the SymPy worker (and remembered); None when it is not worth
    it, fails, or takes longer than the limit."""
    from tutor.content.lessons import formula_tree
    from tutor.expr import ReadError

    key = (formula.show, formula.expr)
    with _cache_lock:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    try:
        worth = worth_pretty_printing(formula_tree(formula))
    except ReadError:
        worth = False
    text: str | None = None
    if worth:
        from tutor.grading.forms import _in_worker, wait_ready

        wait_ready()  # the worker's start is not charged to the formula's time limit
        printed = _in_worker(pretty_formula, (formula,), PRETTY_TIME_LIMIT)
        text = printed if isinstance(printed, str) else None
    with _cache_lock:
        _CACHE[key] = text
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return text


# Functions SymPy prints as a reader expects; the others (σ, softplus, max, sum, softmax, …)
# would come out expanded or, for the vector ones, wrong, so those formulas stay one line.
_PRINTABLE = frozenset({"exp", "log", "ln", "sqrt", "abs", "tanh", "sinh", "cosh", "sin", "cos", "tan"})


def worth_pretty_printing(tree: Node) -> bool:
    """Two-dimensional only where it helps (fractions, powers, cases) and prints faithfully."""
    nodes = list(walk(tree))
    if any(isinstance(n, Vector | Index) for n in nodes):
        return False
    if any(isinstance(n, Call) and n.func not in _PRINTABLE for n in nodes):
        return False
    return any(isinstance(n, Piecewise) or (isinstance(n, BinOp) and n.op in "/^") for n in nodes)


def pretty_formula(formula: m.Formula) -> str | None:
    """SymPy's pretty print, with the left side set beside the middle line; None if it fails."""
    from tutor.content.lessons import formula_tree
    from tutor.expr import ReadError, to_sympy

    try:
        tree = formula_tree(formula)
    except ReadError:
        return None
    if not worth_pretty_printing(tree):
        return None
    try:
        import sympy

        # evaluate(False) keeps the author's form: 2(ŷ − y)/n, not (−2y + 2ŷ)/n. It and
        # SymPy's unicode switch are process-wide settings, hence the lock.
        with _PRETTY_LOCK:
            with sympy.evaluate(False):
                expr = to_sympy(tree)
                # SymPy prints a symbol named `yhat` as ŷ; the reader names it `y_hat`.
                hats = {
                    s: sympy.Symbol(s.name.replace("_hat", "hat"), **s.assumptions0)
                    for s in expr.free_symbols
                    if s.name.endswith("_hat")
                }
                expr = expr.xreplace(hats) if hats else expr
            # printing under evaluate(False) trips over SymPy's own lazy imports
            art = sympy.pretty(expr, use_unicode=True, order="none")
    except (ReadError, ValueError, TypeError, RecursionError, AttributeError):
        return None
    if not formula.show:
        return art
    lines = art.split("\n")
    middle = len(lines) // 2
    lead = f"{formula.show} = "
    pad = " " * len(lead)
    return "\n".join((lead if i == middle else pad) + line for i, line in enumerate(lines))
