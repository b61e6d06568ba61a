"""A formula, shown first in the reader's own Unicode and then, once SymPy is loaded in the
background, as SymPy's two-dimensional pretty print in a monospace block."""

from __future__ import annotations

import threading

from textual import work
from textual.widgets import Static

from tutor.content import model as m

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


def pretty_formula(formula: m.Formula) -> str | None:
    """SymPy's pretty print, with the left side set beside the middle line; None if it fails."""
    from tutor.content.lessons import formula_tree
    from tutor.expr import ReadError, to_sympy

    try:
        import sympy

        expr = to_sympy(formula_tree(formula))
        # SymPy prints a symbol named `yhat` as ŷ; the reader names it `y_hat`.
        hats = {
            s: sympy.Symbol(s.name.replace("_hat", "hat"), **s.assumptions0)
            for s in expr.free_symbols
            if s.name.endswith("_hat")
        }
        with _PRETTY_LOCK:
            art = sympy.pretty(expr.xreplace(hats) if hats else expr, use_unicode=True)
    except (ReadError, ValueError, TypeError, RecursionError, AttributeError):
        return None
    if not formula.show:
        return art
    lines = art.split("\n")
    middle = len(lines) // 2
    lead = f"{formula.show} = "
    pad = " " * len(lead)
    return "\n".join((lead if i == middle else pad) + line for i, line in enumerate(lines))
