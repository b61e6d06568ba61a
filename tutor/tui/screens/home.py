"""The course map: lessons in order with their progress, continue, review, and course problems."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import getters, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.geometry import Size
from textual.screen import Screen
from textual.style import Style
from textual.widgets import Label, ListItem, ListView, LoadingIndicator, Static

from tutor.content.words import plural
from tutor.tui.app import TutorApp
from tutor.tui.widgets.chrome import TutorFooter, TutorHeader
from tutor.tui.widgets.mastery import MasteryPanel

if TYPE_CHECKING:
    from tutor.content.diagnostics import Diagnostic
    from tutor.content.index import CourseIndex, LessonFacts
    from tutor.content.loader import Course


# The row's head: the title takes what the status and the bar leave.
STATUS_WIDTH = 13  # one cell apart from a title cut with an ellipsis, then the status
BAR_SHOWN = 26  # cells of the bar shown, of a bar drawn BAR_WIDTH wide (as Textual's ProgressBar)
BAR_WIDTH = 32


def bar_cells(fraction: float, width: int = BAR_WIDTH) -> tuple[str, str]:
    """(filled, rest) of a progress bar `width` cells wide at `fraction`, in half cells, drawn as
    Textual's ProgressBar draws its bar (━ ╸ ╺)."""
    end = round(max(0.0, min(fraction, 1.0)) * width * 2) / 2
    if end == 0:
        return "", "━" * width
    half = end != int(end)
    filled = "━" * int(end) + ("╸" if half else "")
    rest = ("" if half or end == width else "╺") + "━" * (width - int(end) - 1)
    return filled, rest


class LessonItem(ListItem):
    """One row of the course map: its title, status and progress bar, summary and quiz.

    One widget that draws itself, not ten (a label each, a progress bar and its parts): the
    map's rows are mounted and laid out in a fraction of the time, which the learner waits for."""

    COMPONENT_CLASSES = {"lesson-item--muted"}
    DEFAULT_CSS = """
    LessonItem > .lesson-item--muted { color: $text-muted; }
    """

    def __init__(
        self,
        number: int,
        facts: LessonFacts,
        questions: int,
        done: float,
        status: str,
        banks: list[str] | None = None,
    ) -> None:
        super().__init__()
        self.lesson_id = facts.id
        self.number = number
        self.title = facts.title
        self.summary = facts.summary
        self.questions = questions
        self.done = done
        self.status = status
        self.banks = banks or []

    def _quiz_text(self) -> str:
        quiz = f"quiz: {plural(self.questions, 'question')}" if self.questions else "no quiz yet"
        if self.banks:
            quiz += f" · from {', '.join(self.banks)}"
        return quiz

    def _content(self, width: int) -> Content:
        # The course's words are plain text, never markup (a title could hold "[...]").
        title = Content.styled(f"{self.number}. {self.title}", "bold")
        title = title.truncate(max(0, width - STATUS_WIDTH - BAR_SHOWN), ellipsis=True, pad=True)
        status = Content(f" {self.status}").truncate(STATUS_WIDTH, pad=True)
        progress = round(self.done * 100) / 100  # in whole percents, as the bar always showed
        filled, rest = bar_cells(progress)
        colour = "$success" if progress >= 1 else "$primary"
        # the rest in the text colour, faint: $surface on $panel vanished in the light theme
        bar = Content.assemble((filled, f"{colour} on $panel"), (rest, "$foreground 30% on $panel"))
        head = Content.assemble(title, status, bar.truncate(BAR_SHOWN)).truncate(width)
        muted = Style.from_rich_style(self.get_component_rich_style("lesson-item--muted"))
        return Content("\n").join(
            [head, Content.styled(self.summary, muted), Content.styled(self._quiz_text(), muted)]
        )

    def render(self) -> Content:
        return self._content(self.content_size.width)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        # The head is one line; the summary and quiz lines wrap (measured unstyled: the same text).
        lines = Content(f"\n{self.summary}\n{self._quiz_text()}")
        return lines.get_height(self.styles, width)  # type: ignore[arg-type]

    def shows(self, number: int, facts: LessonFacts) -> bool:
        """Whether this row is already the row of `facts` at `number` (but for its progress)."""
        return (self.number, self.lesson_id, self.title, self.summary) == (
            number,
            facts.id,
            facts.title,
            facts.summary,
        )

    def update_row(self, questions: int, done: float, status: str, banks: list[str]) -> None:
        """Show new progress in this row, in place (the list and its highlight stay as they are)."""
        if (questions, done, status, banks) == (self.questions, self.done, self.status, self.banks):
            return
        self.questions, self.done, self.status, self.banks = questions, done, status, banks
        self.refresh(layout=True)  # the quiz line may wrap differently


class HomeScreen(Screen[None]):
    app = getters.app(TutorApp)  # typed: the screens call the app's own methods
    # Styles in home.tcss, loaded by the app (see TutorApp.CSS_PATH).
    BINDINGS = [
        Binding("enter", "open", "Open lesson", show=True),
        Binding("t", "quiz", "Take quiz"),
        Binding("c", "continue", "Continue"),
        Binding("r", "review", "Review"),
        Binding("s", "statistics", "Statistics"),
        Binding("q", "app.quit", "Quit"),
    ]

    def holds_keys_after(self, key: str) -> bool:
        """Whether `key` may open a quiz, whose answer the keys typed after it are for."""
        return key in ("t", "c", "r", "enter")

    def compose(self) -> ComposeResult:
        yield TutorHeader()
        with Vertical(id="home"):
            yield Static("", id="course-title", classes="title")
            yield Label("", id="continue")
            yield Label("", id="review")
            yield MasteryPanel(id="mastery")
            yield LoadingIndicator(id="loading")
            yield ListView(id="lessons")
            with VerticalScroll(id="notices"):
                yield Static("", id="notice-text", markup=False)  # the course's words, never markup
        yield TutorFooter()

    _ready = False  # the course is loaded and the map shows it: its keys act at once
    _pending: str | None = None  # a key pressed before that, acted on once it is
    _left_at: str | None = None  # the lesson highlighted when another screen was opened
    _back = False  # the map is shown again after another screen: not yet redrawn since

    def on_mount(self) -> None:
        self.query_one("#lessons").display = False
        self.query_one("#notices").display = False
        # The map is drawn from the course's index (kept from the last run, then the course's
        # own), and made live once the course itself is there.
        self.watch(self.app, "course_index", self._show_course)
        self.watch(self.app, "course", self._show_course)

    def on_screen_suspend(self) -> None:
        self._left_at = self._selected()
        self._back = True

    def on_screen_resume(self) -> None:
        self._show_course()

    _stale = False  # the map is to be drawn again
    _drawing = False  # it is being drawn (by `_redraw`)

    def _show_course(self, _: object = None) -> None:
        if self.app.course_index is None:
            return
        self._stale = True
        if not self._drawing:
            self._drawing = True
            self.run_worker(self._redraw(), group="refresh")

    async def _redraw(self) -> None:
        # One drawing at a time, the latest state last: a drawing cancelled halfway (its rows
        # mounting) would leave the next one a list it takes for finished.
        try:
            while self._stale:
                self._stale = False
                await self._refresh()
        finally:
            self._drawing = False

    async def _refresh(self) -> None:
        app = self.app
        index, course = app.course_index, app.course
        if index is None:
            return
        store = app.store
        self.query_one("#loading").display = False
        self.query_one("#course-title", Static).update(
            f"{len(index.lessons)} lessons · {len(index.questions)} questions"
        )
        listing = self.query_one("#lessons", ListView)
        state = store.state()  # read once: it is a file
        best = store.best()
        last = state.get("last") or {}
        order = [x.id for x in index.lessons]
        self._show_actions(index, course)
        self.query_one(MasteryPanel).show_for(index, store, app.now())
        app.report_record_problems()  # after reading the log and the quizzes in progress
        opened = set(state.get("opened", []))
        rows = []
        for facts in index.lessons:
            ids = facts.questions
            done = store.fraction_done(ids, best)
            if done >= 0.8:
                status = "✓ done"
            elif any(q in best for q in ids) or facts.id in opened:
                status = "◐ started"
            else:
                status = "· new"
            rows.append((len(ids), done, status, list(facts.banks)))
        items = [item for item in listing.children if isinstance(item, LessonItem)]
        if len(items) == len(index.lessons) and all(
            item.shows(n, facts) for n, (item, facts) in enumerate(zip(items, index.lessons, strict=True), 1)
        ):
            # The same rows (back on the map, or the course loaded as its index said): updated in
            # place and without an await, so a key pressed meanwhile keeps its effect. The
            # highlight moves only to a lesson opened from elsewhere (continue, review, the palette).
            for item, row in zip(items, rows, strict=True):
                item.update_row(*row)
            ref = last.get("ref")
            if self._back and ref in order and ref != self._left_at:
                listing.index = order.index(ref)
            self._left_at, self._back = None, False
            self._after_refresh(index, course)
            return
        # New rows: the first time, or the course is not what its index said (changed since).
        # Highlighted: back from a lesson or its quiz, that one; else the lesson the learner
        # moved to; else the one the last session left off at.
        highlighted = self._selected()
        ref = last.get("ref")
        first = [ref, highlighted] if self._back else [highlighted, ref]
        at = next((order.index(x) for x in first if x in order), 0)
        self._left_at, self._back = None, False
        await listing.clear()
        # All rows in one mount: one layout, not one per row.
        await listing.extend(
            LessonItem(number, facts, *row)
            for number, (facts, row) in enumerate(zip(index.lessons, rows, strict=True), start=1)
        )
        listing.display = True
        if index.lessons:
            listing.index = min(at, len(index.lessons) - 1)
        listing.focus()
        self._after_refresh(index, course)

    def _after_refresh(self, index: CourseIndex, course: Course | None) -> None:
        self._show_notices(index.problems)
        # The lines above the list may have grown (the course brings the "continue" line, which
        # can wrap): the highlighted row is kept in view.
        self.call_after_refresh(self._highlight_in_view)
        self.app.call_after_refresh(self.app.course_map_drawn)  # once these rows are painted
        if course is None:
            return  # the rows are there; the keys that need the course wait for it
        self._ready = True
        pending, self._pending = self._pending, None
        if pending is not None and self.app.screen is self:
            getattr(self, f"action_{pending}")()

    def _highlight_in_view(self) -> None:
        listing = self.query_one("#lessons", ListView)
        item = listing.highlighted_child
        if item is not None:
            listing.scroll_to_widget(item, animate=False)

    def _not_yet(self, action: str) -> bool:
        """While the course loads, a key is kept for when it is there (and the learner told)."""
        if self._ready:
            return False
        self._pending = action
        self.notify("The course is still loading; this happens as soon as it is there.", timeout=3)
        return True

    def _show_actions(self, index: CourseIndex, course: Course | None) -> None:
        from tutor.tui.widgets.mastery import due_text

        app = self.app
        if course is not None:  # where to continue is worked out on the course itself
            _, ref, words = app.continue_plan()
            if ref is not None:
                text = f"Press c to continue: {words}"
            else:
                text = "Start with lesson 1, or press t to take its quiz."
            self.query_one("#continue", Label).update(text)
        self.query_one("#review", Label).update(due_text(app.store, index.questions, app.now()))

    def _show_notices(self, problems: tuple[Diagnostic, ...]) -> None:
        box = self.query_one("#notices")
        if not problems:
            box.display = False
            return
        lines = [
            f"⚠ This course has {plural(len(problems), 'problem')}; the rest still works. "
            "`tutor check` lists them:"
        ]
        lines += [f"  {d}" for d in problems[:5]]
        if len(problems) > 5:
            lines.append(f"  … and {len(problems) - 5} more")
        self.query_one("#notice-text", Static).update("\n".join(lines))
        box.display = True

    # ------------------------------------------------------------ actions

    def _selected(self) -> str | None:
        item = self.query_one("#lessons", ListView).highlighted_child
        return item.lesson_id if isinstance(item, LessonItem) else None

    @on(ListView.Selected, "#lessons")
    def _open_selected(self, event: ListView.Selected) -> None:
        if self._not_yet("open"):  # enter on a row drawn from the index: the lesson opens once loaded
            return
        if isinstance(event.item, LessonItem):
            app = self.app
            app.open_lesson(event.item.lesson_id)

    def action_open(self) -> None:
        if self._not_yet("open"):
            return
        lesson_id = self._selected()
        if lesson_id:
            app = self.app
            app.open_lesson(lesson_id)

    def action_quiz(self) -> None:
        if self._not_yet("quiz"):
            return
        lesson_id = self._selected()
        if lesson_id:
            app = self.app
            app.start_quiz(lesson_id)

    def action_continue(self) -> None:
        if self._not_yet("continue"):
            return
        app = self.app
        if not app.continue_learning():
            self.action_open()

    def action_statistics(self) -> None:
        if self._not_yet("statistics"):
            return
        self.app.show_statistics()

    def action_review(self) -> None:
        if self._not_yet("review"):
            return
        app = self.app
        app.start_review()
