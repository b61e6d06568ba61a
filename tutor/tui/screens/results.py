"""After a quiz: the score, the time, each question's outcome, and what to revisit."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Header, Label, Static

from tutor.grading.result import SYMBOLS
from tutor.quiz.session import Summary
from tutor.tui.widgets.footer import TutorFooter

OUTCOME = {**SYMBOLS, "skipped": "– Skipped", "not answered": "– Not answered"}


def minutes(seconds: float) -> str:
    m, s = divmod(round(seconds), 60)
    return f"{m} min {s:02d} s" if m else f"{s} s"


class ResultsScreen(Screen[None]):
    CSS_PATH = "results.tcss"
    BINDINGS = [
        Binding("escape,q", "app.pop_screen", "Back"),
        Binding("r", "again", "Retake (new variants)"),
        Binding("v", "revisit", "Retake what to revisit"),
    ]

    def __init__(self, summary: Summary, title: str, ref: str | None) -> None:
        super().__init__()
        self.summary = summary
        self.quiz_title = title
        self.ref = ref

    def compose(self) -> ComposeResult:
        s = self.summary
        yield Header()
        with VerticalScroll(id="results"):
            yield Label(f"{self.quiz_title}: finished", classes="title")
            yield Static(
                f"Score {s.score:.0%} · {s.correct} of {s.total} fully right · time {minutes(s.seconds)}",
                id="score",
            )
            table: DataTable[str] = DataTable(id="outcomes", cursor_type="row", zebra_stripes=True)
            table.add_columns("#", "Question", "Outcome", "Score", "Tries")
            for i, row in enumerate(s.rows, start=1):
                title = row.title if len(row.title) <= 36 else row.title[:35] + "…"
                outcome = OUTCOME.get(row.outcome, row.outcome)
                table.add_row(str(i), title, outcome, f"{row.score:.2g}", str(row.attempts))
            yield table
            yield Static(self._revisit_text(), id="revisit")
        yield TutorFooter()

    def _revisit_text(self) -> str:
        s = self.summary
        if not s.revisit:
            return "Nothing to revisit: every question fully right. Press r for fresh variants."
        notes = sorted(
            {n for row in s.rows if row.question_id in s.revisit for n in row.notes if n != "self-assessed"}
        )
        lines = [
            f"To revisit ({len(s.revisit)}, not fully right or not answered): press v to retake just those."
        ]
        if notes:
            lines.append("Mistakes seen: " + ", ".join(notes))
        return "\n".join(lines)

    def on_mount(self) -> None:
        self.query_one(DataTable).focus()

    def action_again(self) -> None:
        app: Any = self.app
        if self.ref is None:
            app.pop_screen()
            app.start_review()
            return
        app.pop_screen()
        app.start_quiz(self.ref)

    def action_revisit(self) -> None:
        app: Any = self.app
        if not self.summary.revisit:
            self.notify("Nothing to revisit.")
            return
        app.pop_screen()
        app.start_quiz(self.ref, only=list(self.summary.revisit)) if self.ref else app.start_review()
