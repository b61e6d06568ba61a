"""A formula, shown first in the reader's own Unicode and then as SymPy's two-dimensional pretty
print in a monospace block, printed in the SymPy worker process (`tutor.grading.pretty`)."""

from __future__ import annotations

from textual import work
from textual.widgets import Static

from tutor.content import model as m
from tutor.grading.pretty import known_pretty, pretty_formula, pretty_in_worker, worth_pretty_printing

__all__ = ["FormulaBlock", "pretty_formula", "worth_pretty_printing"]


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
        self.printed, text = known_pretty(formula)  # printed before: shown at once
        super().__init__(text or self._one_line(), markup=False)

    def _one_line(self) -> str:
        from tutor.content.lessons import formula_tree
        from tutor.expr import ReadError, render

        try:
            shown = render(formula_tree(self.formula))
        except ReadError:
            shown = self.formula.expr
        return f"{self.formula.show} = {shown}" if self.formula.show else shown

    def on_mount(self) -> None:
        if not self.printed:
            self.pretty_print()

    @work(thread=True, exclusive=True)
    def pretty_print(self) -> None:
        text = pretty_in_worker(self.formula)
        if text is not None:
            self.app.call_from_thread(self.update, text)
