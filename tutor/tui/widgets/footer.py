"""The footer every screen shows: Textual's, with `? Help` first, so that a narrow terminal,
which cuts the keys at the right, never hides the way to every other key."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

HELP_ACTIONS = ("help", "app.help")


class TutorFooter(Footer):
    def compose(self) -> ComposeResult:
        keys = list(super().compose())
        first = [k for k in keys if isinstance(k, FooterKey) and k.action in HELP_ACTIONS]
        yield from first
        yield from (k for k in keys if k not in first)
