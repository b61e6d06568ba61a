"""The learner's name on their record (exports for an instructor carry it): the OS user's until
set here, from the command palette."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Label

from tutor.progress.learners import MAX_NAME
from tutor.tui.screens.name import NameScreen


class LearnerNameScreen(NameScreen):
    """Asks for the name to put on the learner's attempts; esc keeps the current one."""

    BINDINGS = [Binding("escape", "cancel", "Keep the name")]

    def __init__(self, current: str) -> None:
        super().__init__()
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"Your name on your record and its exports (now: {self.current}).", markup=False)
            yield Label("Enter sets it for the answers from now on; esc keeps it.")
            yield Input(value=self.current, max_length=MAX_NAME, id="name")
            yield Label("", id="name-problem")

    def action_cancel(self) -> None:
        self.dismiss("")
