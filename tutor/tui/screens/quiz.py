"""A quiz, one question at a time: the answer input that fits the type, grading in a worker,
feedback in place, hints, the worked solution, fresh variants, and on to the results."""

from __future__ import annotations

from functools import partial
from typing import Any

from textual import events, getters, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.reactive import reactive
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Button, Label, LoadingIndicator, Markdown, TextArea
from textual.worker import Worker, WorkerState

from tutor.content import model as m
from tutor.content.words import points
from tutor.grading.letters import LETTERS
from tutor.grading.limits import GRADE_TIME_CAP
from tutor.grading.result import Result
from tutor.quiz.session import QuizSession, variants_differ
from tutor.tui.app import TutorApp
from tutor.tui.widgets.answers import AnswerArea, ChoiceAnswer, FreeAnswer, MathAnswer, answer_area
from tutor.tui.widgets.chrome import TutorFooter, TutorHeader
from tutor.tui.widgets.feedback import FeedbackPanel, feedback_text

# Beyond the grader's own caps (GRADE_TIME_CAP, a few seconds per test for code) something is
# wrong; the learner is told and may go on rather than wait.
GRADE_PATIENCE = 2 * GRADE_TIME_CAP

NEXT_STEPS = {
    "correct": "Enter or ctrl+n: next question · ctrl+r: a fresh variant to practise.",
    "partial": "Try again · ctrl+g: a hint · ctrl+o: the solution · ctrl+n: go on.",
    "incorrect": "Try again · ctrl+g: a hint · ctrl+o: the solution · ctrl+n: go on.",
    "invalid": "Fix the answer and check again.",
    "undecided": "Try a simpler form, or go on with ctrl+n.",
}

# What to do about a "could not decide": a simpler form is advice for typed maths; a kind says
# its own when it has other advice.
MATH_UNDECIDED_ADVICE = "Try a simpler form, or go on with ctrl+n."
OTHER_UNDECIDED_ADVICE = "Check it again, or go on with ctrl+n."


def undecided_advice(question_type: str) -> str:
    kind = m.kinds()[question_type]
    if kind.undecided_advice is not None:
        return str(kind.undecided_advice)
    return MATH_UNDECIDED_ADVICE if kind.reads_math else OTHER_UNDECIDED_ADVICE


FEEDBACK_ROWS = 4  # the feedback is never squeezed below this: the prompt scrolls then
FOCUS_TRIES = 20  # refreshes to wait for a new answer input to be there and focused


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

    # Nothing is focused until the answer input is (a Check button focused first would take an
    # early enter); keys typed before then are held by the app and handed to it (`hold_keys`).
    AUTO_FOCUS = ""

    grading: reactive[bool] = reactive(False)
    app = getters.app(TutorApp)

    def __init__(self, session: QuizSession, title: str, ref: str | None, draft: Any = None) -> None:
        super().__init__()
        self.session = session
        # an answer typed but not checked yet, put back on the first question shown (`--watch`
        # shows an edited quiz in a new screen)
        self._draft = draft
        self.quiz_title = title
        self.ref = ref
        self._grade_timer: Any = None
        self._area: AnswerArea | None = None
        self._pending_answer: Any = None
        self._graded_answer: Any = None  # the answer of the latest result shown
        self._check_again = False  # a check was asked for while grading

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
            # its own scroll, no taller than the room below the answer: on a small terminal the
            # feedback scrolls, not the question out of view
            with VerticalScroll(id="feedback-box", can_focus=False):
                yield FeedbackPanel()
            yield Markdown("", id="hints")
            yield Markdown("", id="solution")
        yield TutorFooter(compact=True)

    def on_mount(self) -> None:
        self.sub_title = self.quiz_title
        self.query_one("#spinner").display = False
        self.show_question()

    # ------------------------------------------------------------ showing a question

    def show_question(self) -> None:
        state = self.session.current
        q = state.question
        self.query_one("#prompt", Markdown).update(state.variant.prompt)
        self.query_one("#how", Label).update(m.kinds()[q.type].how_to_answer(state.variant))
        if m.kinds()[q.type].runs_code:
            self.app.note_code_question()
        box = self.query_one("#answer", Vertical)
        box.remove_children()
        area = answer_area(state.variant)
        self._area = area  # the old one may still be on its way out of the DOM
        self._check_again = False
        self.app.drop_notices(self, keep_scope=self.notice_scope())  # those of the last question
        self.app.hold_keys(for_input=True)  # keys typed from now on are this answer's
        box.mount(area)
        self.call_after_refresh(self._focus_answer, area)
        self.query_one("#hints", Markdown).update("")
        self.query_one("#hints").display = False
        self.query_one("#solution", Markdown).update("")
        self.query_one("#solution").display = False
        self.query_one(FeedbackPanel).clear()
        self.query_one("#feedback-box").display = False
        self.query_one("#question", VerticalScroll).scroll_home(animate=False)
        self.update_status()
        if state.last_answer is not None and state.result is not None:
            # A resumed quiz: the answer given and its feedback, as the learner left them.
            self._graded_answer = state.last_answer
            self.call_after_refresh(self._put_back, area, state.last_answer, state.result)
        draft, self._draft = self._draft, None
        if draft is not None:  # typed before the course was edited (--watch)
            self.call_after_refresh(self._put_draft, area, draft)
        elif state.draft is not None:
            # what was typed after the answer given, or instead of it, and not checked
            self.call_after_refresh(self._put_back, area, state.draft, None)

    def _put_draft(self, area: AnswerArea, draft: Any) -> None:
        if area is self._area:
            area.restore(draft)

    def draft(self) -> Any:
        """The answer typed on the current question and not checked yet, or None."""
        area = self._area
        if area is None:
            return None
        try:
            value = area.value()
        except Exception:  # an area half built or gone: nothing to keep
            return None
        return value if value and value != self.session.current.last_answer else None

    def _put_back(self, area: AnswerArea, answer: Any, result: Result | None) -> None:
        if area is not self._area:
            return
        area.restore(answer)
        if result is not None:
            self._feedback(result, answer)

    def notice_scope(self) -> object:
        """What a notice raised now belongs to: this question, this variant (see TutorApp.notify)."""
        return self.session.index, self.session.current.variant_number

    def keep_draft(self) -> None:
        """Keep the answer typed and not checked with the quiz, to be put back on resume."""
        area = self._area
        if area is None or not area.is_mounted:
            return
        try:
            value = area.value()
        except Exception:  # an area half taken down (the app quitting): nothing to read
            return
        self.session.keep_draft(value)

    def on_screen_suspend(self) -> None:
        self.keep_draft()  # another screen on top (help, the palette's quiz): the app may end there

    def on_unmount(self) -> None:
        self.keep_draft()

    def _focus_answer(self, area: AnswerArea, tries: int = 0) -> None:
        """Focus the new answer input, then hand it the keys typed while it was on its way."""
        if area is not self._area:
            return  # a newer question took its place (and released the keys when focused)
        widget = area.focus_input()
        if widget is None:
            if tries < FOCUS_TRIES:
                self.call_after_refresh(self._focus_answer, area, tries + 1)  # not composed yet
            else:
                self.app.release_keys()
            return
        self.call_after_refresh(self._release_keys, area, widget)

    def _release_keys(self, area: AnswerArea, widget: Widget, tries: int = 0) -> None:
        if area is not self._area:
            return
        if self.focused is not widget and tries < FOCUS_TRIES:
            widget.focus()  # the old input's removal may have moved focus after ours
            self.call_after_refresh(self._release_keys, area, widget, tries + 1)
            return
        self.app.release_keys()

    def holds_keys_after(self, key: str) -> bool:
        """Whether `key` may show a new question, whose answer the keys typed after it are for
        (the app holds them until it has focus)."""
        if key in ("ctrl+n", "ctrl+r"):
            return True
        # enter goes on after a right answer; in an editor it is a new line, typed there
        return key == "enter" and not isinstance(self.focused, TextArea)

    def update_status(self) -> None:
        s = self.session
        state = s.current
        kind = m.kinds()[state.question.type].label
        hints_left = len(state.hints) - state.hints_shown
        hints = f"{hints_left} hint{'s' if hints_left != 1 else ''} left" if hints_left else "no hints left"
        if hints_left and state.hints[state.hints_shown].penalty:
            hints += f" (next costs {state.hints[state.hints_shown].penalty:.0%})"
        tries = f" · {note}" if (note := s.try_note()) else ""
        self.query_one("#status", Label).update(
            f"Question {s.index + 1} of {s.total} · {kind} · "
            f"quiz score {points(s.score_so_far())} of {points(s.max_score)} · {hints}{tries}"
        )

    @property
    def area(self) -> AnswerArea:
        assert self._area is not None, "show_question() runs on mount"
        return self._area

    # ------------------------------------------------------------ checking

    @on(AnswerArea.Submit)
    def _submit(self) -> None:
        state = self.session.current
        if (
            state.result is not None
            and state.result.verdict == "correct"
            and not self.grading
            and self.area.value() == self._graded_answer
        ):
            self.action_next()  # enter again after a right answer goes on, unless it was edited since
        else:
            self.action_check()

    @on(Button.Pressed, "#check")
    def _check_pressed(self) -> None:
        self.action_check()

    def on_key(self, event: events.Key) -> None:
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
            # A check asked for while one runs (enter on a fixed answer before the verdict on the
            # old one arrived) is kept and made when that verdict is in, never dropped.
            self._check_again = True
            return
        area = self.area
        if isinstance(area, FreeAnswer) and not area.revealed:
            text = area.query_one("#answer-text").text  # type: ignore[attr-defined]
            if not text.strip():
                self.notify(area.empty_message, severity="warning")
                return
            from tutor.kinds.free import ask_for_more

            question: Any = area.variant.question
            more = ask_for_more(question, text)
            if more is not None:  # no model answer, no points, until there is an answer to judge
                self.notify(more, severity="warning")
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
                f"This is a bug in tutor. {self._undecided_advice()}",
            )

    def _undecided_advice(self) -> str:
        return undecided_advice(self.session.current.question.type)

    def _too_slow(self) -> None:
        if self.grading:
            self._done(None, f"… Could not decide in time. {self._undecided_advice()}")

    def _done(self, result: Result | None, problem: str | None = None) -> None:
        self.grading = False
        if self._grade_timer is not None:
            self._grade_timer.stop()
        if result is None:
            self.query_one(FeedbackPanel).show_text(problem or "", "undecided")
            self._show_feedback()
        else:
            self._graded_answer = self._pending_answer
            self._feedback(result, self._pending_answer)
        self.update_status()
        if self._check_again:
            self._check_again = False
            if self.area.value() != self._pending_answer:  # the same answer has its verdict
                self.call_later(self.action_check)

    def _feedback(self, result: Result, given: Any) -> None:
        """Show the feedback on `result`, the verdict on the answer `given`."""
        panel = self.query_one(FeedbackPanel)
        answer = given if isinstance(given, str) else None
        state = self.session.current
        earned = state.earned if result.counts_as_attempt else None
        next_steps = NEXT_STEPS[result.verdict]
        if result.verdict == "undecided":
            next_steps = self._undecided_advice()
        if result.verdict == "correct" and not isinstance(self.area, MathAnswer):
            next_steps = next_steps.replace("Enter or ctrl+n", "ctrl+n")  # enter edits or ticks here
        if state.hints_shown >= len(state.hints):
            next_steps = next_steps.replace(" · ctrl+g: a hint", "")  # none left to give
        # the reading helps for typed math and text, not for ticked options
        reading = not isinstance(self.area, ChoiceAnswer | FreeAnswer)
        text = feedback_text(result, earned, answer, show_reading=reading, kept=state.best)
        panel.show_text(f"{text}\n{next_steps}", result.verdict)
        self._show_feedback()

    def _show_feedback(self) -> None:
        """Show the feedback below the answer: in the room left under it with the question at
        the top (scrolling inside when longer), so that the prompt stays in view."""
        box = self.query_one("#feedback-box", VerticalScroll)
        box.styles.max_height = None
        box.display = True

        def fit() -> None:
            pane = self.query_one("#question", VerticalScroll)
            room = pane.scrollable_content_region.height - box.virtual_region.y - box.styles.margin.bottom
            box.styles.max_height = max(FEEDBACK_ROWS, room)
            box.scroll_home(animate=False)
            self._show(box)

        self.call_after_refresh(fit)

    # ------------------------------------------------------------ help along the way

    def action_scroll_question(self, direction: int) -> None:
        box = self.query_one("#feedback-box", VerticalScroll)
        if box.max_scroll_y and (box.scroll_y < box.max_scroll_y if direction > 0 else box.scroll_y > 0):
            # the feedback is what is cut short: its rest first
            if direction > 0:
                box.scroll_page_down(animate=False)
            else:
                box.scroll_page_up(animate=False)
            return
        pane = self.query_one("#question", VerticalScroll)
        if direction > 0:
            pane.scroll_page_down(animate=False)
        else:
            pane.scroll_page_up(animate=False)

    def _show(self, widget: Any, top: bool = False, again: int = 2) -> None:
        """Scroll `widget` into view once its new content has been laid out (and again after the
        next refreshes, in case its height was still changing: a Markdown grows as it mounts)."""
        pane = self.query_one("#question", VerticalScroll)

        def scroll() -> None:
            pane.scroll_to_widget(widget, animate=False, top=top)
            if again:
                self._show(widget, top, again - 1)

        self.call_after_refresh(scroll)

    async def action_hint(self) -> None:
        revealed = self.session.next_hint()
        if revealed is None:
            self.notify("No more hints for this question. ctrl+o shows the worked solution.")
            return
        hints = self.session.shown_hints()
        penalty = self.session.current.penalty
        cost = f" (hints so far cost {penalty:.0%} of this question)" if penalty else ""
        text = "\n\n".join(f"**Hint {i}.** {h}" for i, h in enumerate(hints, start=1))
        widget = self.query_one("#hints", Markdown)
        widget.display = True
        await widget.update(text + (f"\n\n*{cost.strip()}*" if cost else ""))
        self._show(widget)
        self.update_status()

    async def action_solution(self) -> None:
        text = self.session.solution()
        widget = self.query_one("#solution", Markdown)
        state = self.session.current
        fresh = (
            "ctrl+r gives a fresh one" if variants_differ(state.question) else "its variants all ask the same"
        )
        note = (
            "" if state.best >= 1 else f"\n\n*With the solution seen, this variant earns no score; {fresh}.*"
        )
        widget.display = True
        await widget.update(f"### Worked solution\n\n{text}{note}")
        self._show(widget, top=True)

    def action_retry(self) -> None:
        if self.grading:
            return
        q = self.session.current.question
        if variants_differ(q):
            message = "A fresh variant: new numbers, same idea."
        elif self.session.current.variant.order is not None and len(self.session.current.variant.order) > 1:
            message = "The same question, its options in a new order."
        else:
            self.notify("This question has only one version: there are no new numbers to draw.")
            return
        self.session.retry()
        self.show_question()
        self.notify(message)

    def action_next(self) -> None:
        if self.grading:
            return
        self.keep_draft()  # a question left unchecked keeps what was typed, for a later visit
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
        self.keep_draft()
        self.session.finish()
        if any(s.answered for s in self.session.states):
            self.show_results()
        else:
            self.app.pop_screen()
