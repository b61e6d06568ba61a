"""A formula, shown first in the reader's own Unicode and then, once SymPy is loaded in the
background, as SymPy's two-dimensional pretty print in a monospace block."""

from __future__ import annotations

import threading

from textual import work
from textual.widgets import Static

from tutor.content import model as m
from tutor.expr import Node
from tutor.expr.nodes import BinOp, Call, Index, Piecewise, Vector, walk

# sympy.pretty flips a module-wide "use unicode" flag while it prints, so two formulas printed
# at once in two threads can come out in ASCII: one at a time.
_PRETTY_LOCK = threading.Lock()


class FormulaBlock(Static):
    DEFAULT_CSS = """
    FormulaBlock {
        margin: 0 0 1 2;
        padding: 0 1;
        border-left: thick $accent;
        width: auto;
        height: auto;
    }
    """

    def __init__(self, formula: m.Formula) -> None:
        self.formula = formula
        super().__init__(self._one_line(), markup=False)

    def _one_line(self) -> str:
        from tutor.content.lessons import formula_tree
        from tutor.expr import ReadError, render

        try:
            shown = render(formula_tree(self.formula))
        except ReadError:
            shown = self.formula.expr
        return f"{self.formula.show} = {shown}" if self.formula.show else shown

    def on_mount(self) -> None:
        self.pretty_print()

    @work(thread=True, exclusive=True)
    def pretty_print(self) -> None:
        text = pretty_formula(self.formula)
        if text is not None:
            self.app.call_from_thread(self.update, text)


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
