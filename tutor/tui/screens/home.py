"""The course map: lessons in order with their progress, continue, review, and course problems."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Label, ListItem, ListView, LoadingIndicator, ProgressBar, Static

from tutor.content.words import plural
from tutor.tui.widgets.chrome import TutorFooter, TutorHeader
from tutor.tui.widgets.mastery import MasteryPanel

if TYPE_CHECKING:
    from tutor.content.loader import Course, LoadedLesson


class LessonItem(ListItem):
    """One row of the course map."""

    def __init__(
        self,
        number: int,
        loaded: LoadedLesson,
        questions: int,
        done: float,
        status: str,
        banks: list[str] | None = None,
    ) -> None:
        super().__init__()
        self.lesson_id = loaded.lesson.id
        self.number = number
        self.loaded = loaded
        self.questions = questions
        self.done = done
        self.status = status
        self.banks = banks or []

    def compose(self) -> ComposeResult:
        lesson = self.loaded.lesson
        with Horizontal(classes="lesson-head"):
            yield Label(f"{self.number}. {lesson.title}", classes="lesson-title")
            yield Label(self.status, classes="lesson-status")
            bar = ProgressBar(total=100, show_eta=False, classes="lesson-bar")
            bar.progress = round(self.done * 100)
            yield bar
        yield Label(lesson.summary, classes="lesson-summary muted")
        yield Label(self._quiz_text(), classes="lesson-quiz muted")

    def _quiz_text(self) -> str:
        quiz = f"quiz: {plural(self.questions, 'question')}" if self.questions else "no quiz yet"
        if self.banks:
            quiz += f" · from {', '.join(self.banks)}"
        return quiz

    def update_row(self, questions: int, done: float, status: str, banks: list[str]) -> None:
        """Show new progress in this row, in place (the list and its highlight stay as they are)."""
        if (questions, done, status, banks) == (self.questions, self.done, self.status, self.banks):
            return
        self.questions, self.done, self.status, self.banks = questions, done, status, banks
        self.query_one(".lesson-status", Label).update(status)
        self.query_one(".lesson-bar", ProgressBar).progress = round(done * 100)
        self.query_one(".lesson-quiz", Label).update(self._quiz_text())


class HomeScreen(Screen[None]):
    # Styles in home.tcss, loaded by the app (see TutorApp.CSS_PATH).
    BINDINGS = [
        Binding("enter", "open", "Open lesson", show=True),
        Binding("t", "quiz", "Take quiz"),
        Binding("c", "continue", "Continue"),
        Binding("r", "review", "Review"),
        Binding("s", "app.show_statistics", "Statistics"),
        Binding("q", "app.quit", "Quit"),
    ]

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
                yield Static("", id="notice-text")
        yield TutorFooter()

    _ready = False  # the course map is filled in
    _pending: str | None = None  # a key pressed before that, acted on once it is
    _left_at: str | None = None  # the lesson highlighted when another screen was opened

    def on_mount(self) -> None:
        self.query_one("#lessons").display = False
        self.query_one("#notices").display = False
        self.watch(self.app, "course", self._show_course)

    def on_screen_suspend(self) -> None:
        self._left_at = self._selected()

    def on_screen_resume(self) -> None:
        course = getattr(self.app, "course", None)
        if course is not None:
            self._show_course(course)

    def _show_course(self, course: Course | None) -> None:
        if course is not None:
            self.run_worker(self._refresh(course), group="refresh", exclusive=True)

    async def _refresh(self, course: Course) -> None:
        app: Any = self.app
        store = app.store
        self.query_one("#loading").display = False
        self.query_one("#course-title", Static).update(
            f"{len(course.lessons)} lessons · {len(course.questions)} questions"
        )
        listing = self.query_one("#lessons", ListView)
        index = listing.index or 0
        state = store.state()  # read once: it is a file
        best = store.best()
        last = state.get("last") or {}
        lessons = course.lessons_in_order
        order = [x.lesson.id for x in lessons]
        self._show_actions(course, state)  # before the awaits: a newer refresh may cancel this one
        self.query_one(MasteryPanel).show_for(course, store, app.now())
        app.report_record_problems()  # after reading the log and the quizzes in progress
        opened = set(state.get("opened", []))
        rows = []
        for loaded in lessons:
            entries = course.resolve(loaded.lesson.id)
            ids = [e.id for e in entries]
            done = store.fraction_done(ids)
            if done >= 0.8:
                status = "✓ done"
            elif any(q in best for q in ids) or loaded.lesson.id in opened:
                status = "◐ started"
            else:
                status = "· new"
            banks = list(dict.fromkeys(e.bank.bank.title for e in entries))
            rows.append((len(ids), done, status, banks))
        items = [item for item in listing.children if isinstance(item, LessonItem)]
        if [item.lesson_id for item in items] == order and all(
            item.loaded is loaded for item, loaded in zip(items, lessons, strict=True)
        ):
            # Back on the map: the same rows, updated in place and without an await, so a key
            # pressed meanwhile keeps its effect. The highlight moves only to a lesson opened
            # from elsewhere (continue, review, the palette).
            for item, row in zip(items, rows, strict=True):
                item.update_row(*row)
            ref = last.get("ref")
            if ref in order and ref != self._left_at:
                listing.index = order.index(ref)
            self._left_at = None
            self._after_refresh(course)
            return
        if last.get("ref") in order:  # back from a lesson or its quiz: keep it highlighted
            index = order.index(last["ref"])
        await listing.clear()
        for number, (loaded, row) in enumerate(zip(lessons, rows, strict=True), start=1):
            await listing.append(LessonItem(number, loaded, *row))
        listing.display = True
        if course.lessons:
            listing.index = min(index, len(course.lessons) - 1)
        listing.focus()
        self._after_refresh(course)

    def _after_refresh(self, course: Course) -> None:
        self._show_notices(course)
        self._ready = True
        pending, self._pending = self._pending, None
        if pending is not None and self.app.screen is self:
            getattr(self, f"action_{pending}")()

    def _not_yet(self, action: str) -> bool:
        """While the course loads, a key is kept for when it is there (and the learner told)."""
        if self._ready:
            return False
        self._pending = action
        self.notify("The course is still loading; this happens as soon as it is there.", timeout=3)
        return True

    def _show_actions(self, course: Course, state: dict[str, Any]) -> None:
        app: Any = self.app
        _, ref, words = app.continue_plan()
        if ref is not None:
            text = f"Press c to continue: {words}"
        else:
            text = "Start with lesson 1, or press t to take its quiz."
        self.query_one("#continue", Label).update(text)
        from tutor.tui.widgets.mastery import due_text

        self.query_one("#review", Label).update(due_text(app.store, course, app.now()))

    def _show_notices(self, course: Course) -> None:
        problems = [d for d in course.diagnostics if d.severity == "error"]
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
        if isinstance(event.item, LessonItem):
            app: Any = self.app
            app.open_lesson(event.item.lesson_id)

    def action_open(self) -> None:
        if self._not_yet("open"):
            return
        lesson_id = self._selected()
        if lesson_id:
            app: Any = self.app
            app.open_lesson(lesson_id)

    def action_quiz(self) -> None:
        if self._not_yet("quiz"):
            return
        lesson_id = self._selected()
        if lesson_id:
            app: Any = self.app
            app.start_quiz(lesson_id)

    def action_continue(self) -> None:
        if self._not_yet("continue"):
            return
        app: Any = self.app
        if not app.continue_learning():
            self.action_open()

    def action_review(self) -> None:
        if self._not_yet("review"):
            return
        app: Any = self.app
        app.start_review()
