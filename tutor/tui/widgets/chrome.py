"""The header and footer every screen shows: Textual's, with two changes.

The footer puts `? Help` first, so that a narrow terminal, which cuts the keys at the right,
never hides the way to every other key; a widget whose keys matter less than the screen's (a code
editor's, said in the question's instructions too) sets `FOOTER_LAST` to have them shown last.
The header's icon is a character the browser's font
(Roboto Mono, served with `tutor serve`) has: Textual's ⭘ shows there as a missing glyph.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, TextArea
from textual.widgets._footer import FooterKey

HELP_ACTIONS = ("help", "app.help")
ICON = "∂"  # in Roboto Mono and in every common terminal font


def typing_in(screen: Screen[Any]) -> bool:
    """Whether the focused widget takes typed characters (`?` among them) as text."""
    return isinstance(screen.focused, Input | TextArea)


class TutorFooter(Footer):
    # Compact, the palette key docked at the right kept its right margin: the last column showed
    # the keys under it, a key cut short ("^p palettea"). It covers the whole right end now.
    DEFAULT_CSS = """
    TutorFooter.-compact FooterKey.-command-palette { margin-right: 0; }
    """
    _shown: object = None  # the bindings the keys on show were composed from

    def _bindings_now(self) -> object:
        keys = tuple(
            (binding.key, binding.action, binding.description, binding.key_display, enabled, tooltip)
            for node, binding, enabled, tooltip in self.screen.active_bindings.values()
            if binding.show
        )
        return keys, typing_in(self.screen)

    def bindings_changed(self, screen: Screen[Any]) -> None:
        # Textual rebuilds every key of the footer whenever focus moves or a screen shows, even
        # when the keys are the same: a noticeable part of opening a lesson. Rebuild on change.
        self._bindings_ready = True
        if screen.app.app_focus and self.is_attached and screen is self.screen:
            self.call_after_refresh(self._recompose_if_changed)

    async def _recompose_if_changed(self) -> None:
        if self.is_attached and self._bindings_now() != self._shown:
            await self.recompose()

    def compose(self) -> ComposeResult:
        self._shown = self._bindings_now() if self._bindings_ready else None
        keys = list(super().compose())
        last = {
            binding.action
            for node, binding, _, _ in self.screen.active_bindings.values()
            if getattr(node, "FOOTER_LAST", False)
        }

        def rank(key: object) -> int:
            if not isinstance(key, FooterKey):
                return 1
            if key.has_class("-command-palette"):
                return 3  # docked at the right: the keys before it are cut, never drawn past it
            return 0 if key.action in HELP_ACTIONS else 2 if key.action in last else 1

        editing = typing_in(self.screen)
        for key in sorted(keys, key=rank):  # stable: each group keeps Textual's order
            if editing and isinstance(key, FooterKey) and key.action in HELP_ACTIONS:
                # `?` is a character there, typed like any other: F1 is the way to help
                key.key_display = "F1"
            yield key


class TutorHeader(Header):
    def __init__(self) -> None:
        super().__init__(icon=ICON)

    def on_unmount(self) -> None:
        # Textual's header watches the app's title and sub-title, and the app forgets a closed
        # watcher only when the title next changes, which in tutor is never: every screen closed
        # kept its header (and all it refers to) alive. Forget this header's watchers now.
        watchers: dict[str, list[tuple[object, object]]] = getattr(self.app, "__watchers", {})
        for name in ("title", "sub_title"):
            if name in watchers:
                watchers[name][:] = [entry for entry in watchers[name] if entry[0] is not self]
