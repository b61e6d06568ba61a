"""The header and footer every screen shows: Textual's, with two changes.

The footer puts `? Help` first, so that a narrow terminal, which cuts the keys at the right,
never hides the way to every other key. The header's icon is a character the browser's font
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
        first = [k for k in keys if isinstance(k, FooterKey) and k.action in HELP_ACTIONS]
        yield from first
        yield from (k for k in keys if k not in first)


class TutorHeader(Header):
    def __init__(self) -> None:
        super().__init__(icon=ICON)
