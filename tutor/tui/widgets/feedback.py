"""The verdict after a check: in words and a symbol (never colour alone), the score, what the
mistake was, and which rule decided."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from tutor.grading.result import Result
from tutor.quiz.feedback import INLINE_MARKS, feedback_text

VERDICT_CLASSES = ("-correct", "-partial", "-incorrect", "-invalid", "-undecided")


def inline_markdown(text: str) -> Text:
    out = Text()
    last = 0
    for match in INLINE_MARKS.finditer(text):
        out.append(text[last : match.start()])
        bold, italic, code = match.groups()
        if bold is not None:
            out.append(bold, style="bold")
        elif italic is not None:
            out.append(italic, style="italic")
        else:
            out.append(code, style="bold")
        last = match.end()
    out.append(text[last:])
    return out


class FeedbackPanel(Static):
    DEFAULT_CSS = """
    FeedbackPanel {
        height: auto;
        padding: 0 1;
        margin: 1 0;
        border: round $primary;
    }
    FeedbackPanel.-correct { border: round $success; }
    FeedbackPanel.-partial { border: round $warning; }
    FeedbackPanel.-incorrect { border: round $error; }
    FeedbackPanel.-invalid { border: round $warning; }
    FeedbackPanel.-undecided { border: round $secondary; }
    """

    def __init__(self) -> None:
        super().__init__("", markup=False, id="feedback")

    def on_mount(self) -> None:
        self.display = False

    def show(self, result: Result, earned: float | None, answer: str | None = None) -> None:
        self.remove_class(*VERDICT_CLASSES)
        self.add_class(f"-{result.verdict}")
        self.update(inline_markdown(feedback_text(result, earned, answer)))
        self.display = True

    def show_text(self, text: str, verdict: str = "undecided") -> None:
        self.remove_class(*VERDICT_CLASSES)
        self.add_class(f"-{verdict}")
        self.update(inline_markdown(text))
        self.display = True

    def clear(self) -> None:
        self.update("")
        self.display = False
