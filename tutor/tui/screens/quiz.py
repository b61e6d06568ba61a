"""A quiz, one question at a time: the answer input that fits the type, grading in a worker,
feedback in place, hints, the worked solution, fresh variants, and on to the results."""

from __future__ import annotations

from functools import partial
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Button, Label, LoadingIndicator, Markdown
from textual.worker import Worker, WorkerState

from tutor.content import model as m
from tutor.grading.grader import LETTERS
from tutor.grading.limits import GRADE_TIME_CAP
from tutor.grading.result import Result
from tutor.quiz.session import QuizSession, variants_differ
from tutor.tui.widgets.answers import AnswerArea, ChoiceAnswer, FreeAnswer, MathAnswer, answer_area
from tutor.tui.widgets.chrome import TutorFooter, TutorHeader
from tutor.tui.widgets.feedback import FeedbackPanel, feedback_text

# Beyond the grader's own caps (GRADE_TIME_CAP, a few seconds per test for code) something is
# wrong; the learner is told and may go on rather than wait.
GRADE_PATIENCE = 2 * GRADE_TIME_CAP

TYPE_NAMES = {
    "numeric": "number",
    "expression": "expression",
    "derivation": "derivation",
    "vector": "vector",
    "choice": "choice",
    "text": "short answer",
    "code": "code",
    "free": "free response",
}

HOW_TO_ANSWER = {
    "numeric": "Type a number or an expression such as 1e4*ln(3); enter checks it.",
    "expression": "Type an expression; the line below shows how it is read. Enter checks it.",
    "vector": "Type a list such as [1.5, -2, 3/4]; enter checks it.",
    "text": "Type a word or short phrase; enter checks it.",
    "choice": "Pick with the arrow keys and space, or type the letter; ctrl+s checks.",
    "code": "Write the function; ctrl+s runs it against the tests.",
    "free": "Write your answer; ctrl+s shows the model answer and a checklist: you grade yourself.",
    "derivation": "Enter each step; the line under it shows how it is read. Enter on the last checks.",
}


NEXT_STEPS = {
    "correct": "Enter or ctrl+n: next question · ctrl+r: a fresh variant to practise.",
    "partial": "Try again · ctrl+g: a hint · ctrl+o: the solution · ctrl+n: go on.",
    "incorrect": "Try again · ctrl+g: a hint · ctrl+o: the solution · ctrl+n: go on.",
    "invalid": "Fix the answer and check again.",
    "undecided": "Try a simpler form, or go on with ctrl+n.",
}


class QuizScreen(Screen[None]):
    CSS_PATH = "quiz.tcss"
    BINDINGS = [
        Binding("ctrl+s", "check", "Check"),
        Binding("ctrl+g", "hint", "Hint"),
        Binding("ctrl+o", "solution", "Solution"),
        Binding("ctrl+r", "retry", "New variant"),
        Binding("ctrl+n", "next", "Next"),
        Binding("escape", "leave", "Leave quiz"),
        # editors and lists keep arrows and enter; page keys always scroll the question
        Binding("pageup", "scroll_question(-1)", "Scroll up", show=False, priority=True),
        Binding("pagedown", "scroll_question(1)", "Scroll down", show=False, priority=True),
    ]

    grading: reactive[bool] = reactive(False)

    def __init__(self, session: QuizSession, title: str, ref: str | None) -> None:
        super().__init__()
        self.session = session
        self.quiz_title = title
        self.ref = ref
        self._grade_timer: Any = None
        self._area: AnswerArea | None = None
        self._pending_answer: Any = None

    def compose(self) -> ComposeResult:
        yield TutorHeader()
        yield Label("", id="status")
        with VerticalScroll(id="question"):
            yield Markdown("", id="prompt")
            yield Label("", id="how", classes="muted")
            yield Vertical(id="answer")
            with Horizontal(id="check-row"):
                yield Button("Check", id="check", variant="primary", compact=True)
                yield LoadingIndicator(id="spinner")
                yield Label("", id="checking", classes="muted")
            yield FeedbackPanel()
            yield Markdown("", id="hints")
            yield Markdown("", id="solution")
        yield TutorFooter()

    def on_mount(self) -> None:
        self.sub_title = self.quiz_title
        self.query_one("#spinner").display = False
        self.show_question()

    # ------------------------------------------------------------ showing a question

    def show_question(self) -> None:
        state = self.session.current
        q = state.question
        self.query_one("#prompt", Markdown).update(state.variant.prompt)
        how = HOW_TO_ANSWER.get(q.type, "")
        if isinstance(q, m.DerivationQuestion) and q.mode == "chain":
            how = "Write the chain start = … = result, one or more `=` per line; ctrl+s checks every link."
        self.query_one("#how", Label).update(how)
        if q.type == "code":
            app: Any = self.app
            app.note_code_question()
        box = self.query_one("#answer", Vertical)
        box.remove_children()
        area = answer_area(state.variant)
        self._area = area  # the old one may still be on its way out of the DOM
        box.mount(area)
        self.call_after_refresh(area.focus_input)
        self.query_one("#hints", Markdown).update("")
        self.query_one("#hints").display = False
        self.query_one("#solution", Markdown).update("")
        self.query_one("#solution").display = False
        self.query_one(FeedbackPanel).clear()
        self.query_one("#question", VerticalScroll).scroll_home(animate=False)
        self.update_status()

    def update_status(self) -> None:
        s = self.session
        state = s.current
        kind = TYPE_NAMES.get(state.question.type, state.question.type)
        hints_left = len(state.hints) - state.hints_shown
        hints = f"{hints_left} hint{'s' if hints_left != 1 else ''} left" if hints_left else "no hints left"
        if hints_left and state.hints[state.hints_shown].penalty:
            hints += f" (next costs {state.hints[state.hints_shown].penalty:.0%})"
        tries = f" · {note}" if (note := s.try_note()) else ""
        self.query_one("#status", Label).update(
            f" Question {s.index + 1} of {s.total} · {kind} · "
            f"score {s.score_so_far():.3g} of {s.max_score:.3g} · {hints}{tries}"
        )

    @property
    def area(self) -> AnswerArea:
        assert self._area is not None, "show_question() runs on mount"
        return self._area

    # ------------------------------------------------------------ checking

    @on(AnswerArea.Submit)
    def _submit(self) -> None:
        state = self.session.current
        if state.result is not None and state.result.verdict == "correct" and not self.grading:
            self.action_next()  # enter again after a right answer goes on
        else:
            self.action_check()

    @on(Button.Pressed, "#check")
    def _check_pressed(self) -> None:
        self.action_check()

    def on_key(self, event: Any) -> None:
        # Letters pick options in a choice question, as printed next to them.
        choice = self._area
        if (
            isinstance(choice, ChoiceAnswer)
            and len(event.key) == 1
            and event.key in LETTERS[: len(choice.order)]
        ):
            choice.pick(event.key)
            event.stop()

    def action_check(self) -> None:
        if self.grading:
            return
        area = self.area
        if isinstance(area, FreeAnswer) and not area.revealed:
            if not area.query_one("#answer-text").text.strip():  # type: ignore[attr-defined]
                self.notify(area.empty_message, severity="warning")
                return
            area.reveal()
            self._show(area.query_one("#rubric-box"), top=True)
            return
        value = area.value()
        if value is None:
            self.notify(area.empty_message, severity="warning")
            return
        self._pending_answer = value
        self.grading = True
        self.run_worker(
            partial(self.session.submit, value),
            thread=True,
            group="grade",
            exclusive=True,
            name="grade",
            exit_on_error=False,  # a failure in grading is "could not decide" on screen, never an exit
        )
        self._grade_timer = self.set_timer(GRADE_PATIENCE, self._too_slow)

    def watch_grading(self, grading: bool) -> None:
        if not self.is_mounted:
            return
        self.query_one("#spinner").display = grading
        self.query_one("#checking", Label).update("checking…" if grading else "")
        self.query_one("#check", Button).disabled = grading

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.name != "grade" or not self.grading:
            return
        if event.state == WorkerState.SUCCESS:
            self._done(event.worker.result)
        elif event.state == WorkerState.ERROR:
            self._done(
                None,
                f"… Could not decide: the grader failed ({event.worker.error}). "
                "This is a bug in tutor; try another form, or go on with ctrl+n.",
            )

    def _too_slow(self) -> None:
        if self.grading:
            self._done(None, "… Could not decide in time. Try a simpler form, or go on with ctrl+n.")

    def _done(self, result: Result | None, problem: str | None = None) -> None:
        self.grading = False
        if self._grade_timer is not None:
            self._grade_timer.stop()
        panel = self.query_one(FeedbackPanel)
        if result is None:
            panel.show_text(problem or "", "undecided")
        else:
            answer = self._pending_answer if isinstance(self._pending_answer, str) else None
            earned = self.session.current.earned if result.counts_as_attempt else None
            next_steps = NEXT_STEPS[result.verdict]
            if result.verdict == "correct" and not isinstance(self.area, MathAnswer):
                next_steps = next_steps.replace("Enter or ctrl+n", "ctrl+n")  # enter edits or ticks here
            # the reading helps for typed math and text, not for ticked options
            reading = not isinstance(self.area, ChoiceAnswer | FreeAnswer)
            text = feedback_text(result, earned, answer, show_reading=reading)
            panel.show_text(f"{text}\n{next_steps}", result.verdict)
        self.update_status()
        self._show(panel)

    # ------------------------------------------------------------ help along the way

    def action_scroll_question(self, direction: int) -> None:
        pane = self.query_one("#question", VerticalScroll)
        if direction > 0:
            pane.scroll_page_down(animate=False)
        else:
            pane.scroll_page_up(animate=False)

    def _show(self, widget: Any, top: bool = False) -> None:
        """Scroll `widget` into view once its new content has been laid out."""
        pane = self.query_one("#question", VerticalScroll)
        self.call_after_refresh(lambda: pane.scroll_to_widget(widget, animate=False, top=top))

    def action_hint(self) -> None:
        revealed = self.session.next_hint()
        if revealed is None:
            self.notify("No more hints for this question. ctrl+o shows the worked solution.")
            return
        hints = self.session.shown_hints()
        penalty = self.session.current.penalty
        cost = f" (hints so far cost {penalty:.0%} of this question)" if penalty else ""
        text = "\n\n".join(f"**Hint {i}.** {h}" for i, h in enumerate(hints, start=1))
        widget = self.query_one("#hints", Markdown)
        widget.update(text + (f"\n\n*{cost.strip()}*" if cost else ""))
        widget.display = True
        self._show(widget)
        self.update_status()

    def action_solution(self) -> None:
        text = self.session.solution()
        widget = self.query_one("#solution", Markdown)
        state = self.session.current
        fresh = (
            "ctrl+r gives a fresh one" if variants_differ(state.question) else "its variants all ask the same"
        )
        note = (
            "" if state.best >= 1 else f"\n\n*With the solution seen, this variant earns no score; {fresh}.*"
        )
        widget.update(f"### Worked solution\n\n{text}{note}")
        widget.display = True
        self._show(widget, top=True)

    def action_retry(self) -> None:
        if self.grading:
            return
        self.session.retry()
        self.show_question()
        self.notify("A fresh variant: new numbers, same idea.")

    def action_next(self) -> None:
        if self.grading:
            return
        state = self.session.current
        more = self.session.advance() if state.answered else self.session.skip()
        if more:
            self.show_question()
        else:
            self.show_results()

    def show_results(self) -> None:
        from tutor.tui.screens.results import ResultsScreen

        self.app.switch_screen(ResultsScreen(self.session.summary(), self.quiz_title, self.ref))

    def action_leave(self) -> None:
        self.session.finish()
        if any(s.answered for s in self.session.states):
            self.show_results()
        else:
            self.app.pop_screen()
