"""Who is learning? Asked first by an app served to a browser, where one machine serves many."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from tutor.progress.learners import MAX_NAME, check_name


class NameScreen(ModalScreen[str]):
    """Asks for a name; dismisses with it once it is usable."""

    DEFAULT_CSS = """
    NameScreen { align: center middle; }
    NameScreen > Vertical {
        width: 64; max-width: 100%; height: auto; padding: 1 2;
        border: round $accent; background: $surface;
    }
    NameScreen Label { width: 1fr; height: auto; }
    NameScreen #name-problem { color: $error; }
    """

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Welcome to tutor. Who is learning?")
            yield Label("Your progress is kept under this name, apart from everyone else's.")
            yield Input(placeholder="your name or a nickname", max_length=MAX_NAME, id="name")
            yield Label("", id="name-problem")

    def on_mount(self) -> None:
        self.query_one("#name", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        problem = check_name(event.value)
        if problem is not None:
            self.query_one("#name-problem", Label).update(problem)
            return
        self.dismiss(event.value.strip())
