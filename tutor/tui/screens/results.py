"""After a quiz: the score, the time, each question's outcome, and what to revisit."""

from __future__ import annotations

from textual import getters, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Label, Markdown, Static

from tutor.content.words import points
from tutor.grading.result import SYMBOLS
from tutor.quiz.session import Summary, SummaryRow
from tutor.tui.app import TutorApp
from tutor.tui.widgets.chrome import TutorFooter, TutorHeader

OUTCOME = {**SYMBOLS, "skipped": "– Skipped", "not answered": "– Not answered"}


def cut(text: str, width: int) -> str:
    """`text` on one line of at most `width` cells, ending in "…" when cut."""
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def minutes(seconds: float) -> str:
    m, s = divmod(round(seconds), 60)
    return f"{m} min {s:02d} s" if m else f"{s} s"


class ResultsScreen(Screen[None]):
    app = getters.app(TutorApp)  # typed: the screens call the app's own methods
    CSS_PATH = "results.tcss"
    BINDINGS = [
        Binding("escape,q", "app.pop_screen", "Back"),
        Binding("r", "again", "Retake (new variants)"),
        Binding("v", "revisit", "Retake what to revisit"),
    ]

    def holds_keys_after(self, key: str) -> bool:
        """Whether `key` may open a quiz, whose answer the keys typed after it are for."""
        return key in ("r", "v")

    def __init__(self, summary: Summary, title: str, ref: str | None) -> None:
        super().__init__()
        self.summary = summary
        self.quiz_title = title
        self.ref = ref

    def compose(self) -> ComposeResult:
        s = self.summary
        yield TutorHeader()
        with VerticalScroll(id="results"):
            left = any(row.outcome == "not answered" for row in s.rows) and self.ref is not None
            status = "left midway (c on the course map goes on from there)" if left else "finished"
            yield Label(f"{self.quiz_title}: {status}", classes="title")
            yield Static(
                f"Score {s.score:.0%} · {s.correct} of {s.total} fully right · time {minutes(s.seconds)}",
                id="score",
            )
            table: DataTable[str] = DataTable(id="outcomes", cursor_type="row", zebra_stripes=True)
            table.add_columns("#", "Question", "Answer", "Outcome", "Score", "Tries")
            # the question and the answer share what the other columns leave of the width
            outcomes = [OUTCOME.get(row.outcome, row.outcome) for row in s.rows]
            # screen padding 4, a cell's padding 1 per column, a scrollbar 2; #, Score, Tries
            rest = self.app.size.width - 4 - 6 - 2 - 3 - max(map(len, outcomes), default=9) - 5 - 5
            title_width, answer_width = max(12, min(24, rest * 5 // 8)), max(8, min(14, rest * 3 // 8))
            for i, (row, outcome) in enumerate(zip(s.rows, outcomes, strict=True), start=1):
                answer = cut(row.answer, answer_width) if row.answer else "–"
                table.add_row(
                    str(i), cut(row.title, title_width), answer, outcome, points(row.score), str(row.attempts)
                )
            yield table
            yield Label("Enter on a row: its feedback and worked solution again.", classes="muted")
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

    @on(DataTable.RowSelected, "#outcomes")
    def _open_row(self, event: DataTable.RowSelected) -> None:
        number = event.cursor_row
        if 0 <= number < len(self.summary.rows):
            self.app.push_screen(QuestionReview(number + 1, self.summary.rows[number]))

    def action_again(self) -> None:
        app = self.app
        if self.ref is None:
            app.pop_screen()
            app.start_review()
            return
        app.pop_screen()
        app.start_quiz(self.ref, resume=False)  # "again" is a fresh start, even after leaving midway

    def action_revisit(self) -> None:
        app = self.app
        if not self.summary.revisit:
            self.notify("Nothing to revisit.")
            return
        app.pop_screen()
        app.start_quiz(self.ref, only=list(self.summary.revisit)) if self.ref else app.start_review()


class QuestionReview(ModalScreen[None]):
    """One row of the results opened: the question, the last answer, its verdict and feedback,
    and the worked solution."""

    DEFAULT_CSS = """
    QuestionReview { align: center middle; }
    QuestionReview > VerticalScroll {
        width: 90%; max-width: 100; height: auto; max-height: 90%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    """
    BINDINGS = [Binding("escape,q,enter", "dismiss", "Close")]

    def __init__(self, number: int, row: SummaryRow) -> None:
        super().__init__()
        self.number = number
        self.row = row

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Markdown(self.text(), id="review-text")

    def text(self) -> str:
        row = self.row
        parts = [f"### Question {self.number}", row.prompt or row.title]
        if row.answer:
            parts.append(f"**Your last answer:** `{row.answer.replace('`', '')}`")
        else:
            parts.append("**Your last answer:** none")
        verdict = OUTCOME.get(row.outcome, row.outcome)
        tries = f"{row.attempts} graded {'try' if row.attempts == 1 else 'tries'}"
        parts.append(f"**{verdict}** · score {points(row.score)} · {tries}")
        parts.extend(row.feedback)
        parts += ["### Worked solution", row.solution or "This question has no worked solution."]
        parts.append("*esc closes*")
        return "\n\n".join(parts)

    def on_mount(self) -> None:
        self.query_one(VerticalScroll).focus()
