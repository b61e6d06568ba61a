"""The header and footer every screen shows: Textual's, with two changes.

The footer puts `? Help` first, so that a narrow terminal, which cuts the keys at the right,
never hides the way to every other key; a widget whose keys matter less than the screen's (a code
editor's, said in the question's instructions too) sets `FOOTER_LAST` to have them shown last.
The header's icon is a character the browser's font
(Roboto Mono, served with `tutor serve`) has: Textual's ⭘ shows there as a missing glyph.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Footer, Header
from textual.widgets._footer import FooterKey

HELP_ACTIONS = ("help", "app.help")
ICON = "∂"  # in Roboto Mono and in every common terminal font


class TutorFooter(Footer):
    def compose(self) -> ComposeResult:
        keys = list(super().compose())
        last = {
            binding.action
            for node, binding, _, _ in self.screen.active_bindings.values()
            if getattr(node, "FOOTER_LAST", False)
        }

        def rank(key: object) -> int:
            if not isinstance(key, FooterKey):
                return 1
            return 0 if key.action in HELP_ACTIONS else 2 if key.action in last else 1

        yield from sorted(keys, key=rank)  # stable: each group keeps Textual's order


class TutorHeader(Header):
    def __init__(self) -> None:
        super().__init__(icon=ICON)
