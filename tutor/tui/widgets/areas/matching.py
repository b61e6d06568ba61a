"""The answer area of a `matching` question: the lettered right-hand items, then one row per left
item whose letter is typed (or stepped through with ←/→)."""

from __future__ import annotations

import re
from typing import Any

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widget import Widget
from textual.widgets import Label, OptionList

from tutor.grading.letters import letter, read_letter
from tutor.kinds.matching import rights, shown_rights
from tutor.tui.widgets.answers import AnswerArea, register_area


class MatchList(OptionList):
    """One row per left item with the letter matched to it; a letter key sets the highlighted
    row's and moves on to the next row, ←/→ step through the letters.

    A ↓ right after a letter is the move the letter made already: `a ↓ b ↓ c` and `a b c` give
    the same matches (the first once left rows empty and put letters on the wrong rows)."""

    BINDINGS = [
        Binding("left", "step(-1)", "Previous letter", show=False),
        Binding("right", "step(1)", "Next letter", show=False),
    ]

    def __init__(self, lefts: list[str], names: list[str]) -> None:
        super().__init__(id="matches")
        self.lefts = lefts
        self.names = names  # the right-hand items in the order lettered
        self.chosen: list[int | None] = [None] * len(lefts)  # a letter's position, per row
        self._moved_by_letter = False  # the last key was a letter that moved to the next row

    def on_mount(self) -> None:
        self.refresh_rows()
        self.highlighted = 0

    def refresh_rows(self) -> None:
        at = self.highlighted
        self.set_options(
            f"{k + 1}. {left}  →  "
            + (f"{letter(c)}) {self.names[c]}" if (c := self.chosen[k]) is not None else "?")
            for k, left in enumerate(self.lefts)
        )
        self.highlighted = at

    def set_match(self, row: int, shown: int | None) -> None:
        self.chosen[row] = shown
        self.refresh_rows()

    def action_step(self, step: int) -> None:
        row = self.highlighted
        if row is None:
            return
        now = self.chosen[row]
        self.set_match(row, (step if now is None else now + step) % len(self.names))

    def on_key(self, event: events.Key) -> None:
        moved, self._moved_by_letter = self._moved_by_letter, False
        if event.key == "down" and moved:
            event.stop()  # that move was made by the letter
            event.prevent_default()
            return
        shown = read_letter(event.character or "", len(self.names)) if event.character else None
        row = self.highlighted
        if shown is not None and row is not None:
            event.stop()
            self.set_match(row, shown)
            if row + 1 < len(self.lefts):
                self.highlighted = row + 1
                self._moved_by_letter = True


@register_area("matching")
class MatchingAnswer(AnswerArea):
    """The value is the line form plain mode reads: `1c 2a 3b`."""

    DEFAULT_CSS = """
    MatchingAnswer MatchList {
        height: auto;
        max-height: 28;
    }
    """
    empty_message = "Give every item a letter first."

    def compose(self) -> ComposeResult:
        q: Any = self.variant.question
        names = rights(q)
        shown = [self.variant.render(names[i]) for i in shown_rights(self.variant)]
        yield Label("\n".join(f"{letter(k)}) {text}" for k, text in enumerate(shown)), classes="preview")
        yield MatchList([self.variant.render(p.left) for p in q.pairs], shown)

    def value(self) -> str | None:
        chosen = self.query_one(MatchList).chosen
        if any(c is None for c in chosen):
            return None
        return " ".join(f"{k}{letter(c)}" for k, c in enumerate(chosen, start=1) if c is not None)

    def restore(self, answer: Any) -> None:
        if not isinstance(answer, str):
            return
        listing = self.query_one(MatchList)
        for number, said in re.findall(r"(\d+)([a-z])", answer):
            row = int(number) - 1
            if 0 <= row < len(listing.chosen):
                listing.chosen[row] = read_letter(said, len(listing.names))
        listing.refresh_rows()

    def focus_input(self) -> Widget | None:
        listing = self.query_one(MatchList)
        listing.focus()
        return listing
