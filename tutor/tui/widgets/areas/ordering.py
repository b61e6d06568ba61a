"""The answer area of an `ordering` question: a list the learner reorders with the keyboard."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widget import Widget
from textual.widgets import OptionList

from tutor.grading.letters import letter, read_letter
from tutor.kinds.ordering import shown_order
from tutor.tui.widgets.answers import AnswerArea, register_area


class OrderList(OptionList):
    """Items in the learner's order; shift+↑/↓ (or u/d) move the highlighted one."""

    BINDINGS = [
        # said in the how-to line above the list; the compact footer has no room for them
        Binding("shift+up,u", "move(-1)", "Move up", show=False),
        Binding("shift+down,d", "move(1)", "Move down", show=False),
    ]

    def __init__(self, labels: list[str], order: list[int]) -> None:
        super().__init__(id="order")
        self.labels = labels  # by position shown at first, with its letter
        self.order = order  # positions shown at first, in the learner's order

    def on_mount(self) -> None:
        self.refresh_order()
        self.highlighted = 0

    def refresh_order(self) -> None:
        self.set_options(f"{k + 1}. {self.labels[i]}" for k, i in enumerate(self.order))

    def action_move(self, step: int) -> None:
        at = self.highlighted
        if at is None or not 0 <= at + step < len(self.order):
            return
        self.order[at], self.order[at + step] = self.order[at + step], self.order[at]
        self.refresh_order()
        self.highlighted = at + step


@register_area("ordering")
class OrderingAnswer(AnswerArea):
    """The value is the line form plain mode reads: the letters shown, in the learner's order."""

    DEFAULT_CSS = """
    OrderingAnswer OrderList {
        height: auto;
        max-height: 28;
    }
    """

    def compose(self) -> ComposeResult:
        q: Any = self.variant.question
        items = q.items
        labels = [
            f"{letter(k)}) {self.variant.render(items[i])}" for k, i in enumerate(shown_order(self.variant))
        ]
        yield OrderList(labels, list(range(len(labels))))

    def value(self) -> str | None:
        return " ".join(letter(i) for i in self.query_one(OrderList).order)

    def restore(self, answer: Any) -> None:
        if not isinstance(answer, str):
            return
        listing = self.query_one(OrderList)
        count = len(listing.order)
        positions = [read_letter(token, count) for token in answer.split()]
        if sorted(p for p in positions if p is not None) == list(range(count)):
            listing.order = [p for p in positions if p is not None]
            listing.refresh_order()

    def focus_input(self) -> Widget | None:
        listing = self.query_one(OrderList)
        listing.focus()
        return listing
