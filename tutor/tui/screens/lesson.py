"""A lesson: its sections as Markdown with formulas and plots, a table of contents, and a way
into its quiz."""

from __future__ import annotations

import weakref
from typing import Any

from textual import events, getters, on
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Label, ListItem, ListView

from tutor.content import model as m
from tutor.tui.app import TutorApp
from tutor.tui.widgets.chrome import TutorFooter, TutorHeader
from tutor.tui.widgets.formula import FormulaBlock
from tutor.tui.widgets.lesson_text import LessonText
from tutor.tui.widgets.plot import PlotPanel

TOP_SLACK = 2  # rows: a section starting this close below the top of the view is the one at the top
KEEP_ALIVE = 2  # lesson screens kept built after they close, so reopening one is instant

_kept: weakref.WeakKeyDictionary[App[Any], list[str]] = weakref.WeakKeyDictionary()


def lesson_screen(app: App[Any], lesson: m.Lesson) -> Screen[None]:
    """The screen to push for `lesson`: the one built the last time it was open, when it is one of
    the last KEEP_ALIVE lessons (installed, so closing it keeps it); otherwise a new one."""
    name = f"lesson-{lesson.id}-{id(lesson)}"  # a reloaded course has new lesson objects
    kept = _kept.setdefault(app, [])
    if app.is_screen_installed(name):
        screen = app.get_screen(name)
        if screen in app.screen_stack:  # open below (lesson → quiz → palette → lesson): a new one
            return LessonScreen(lesson, *left_at(app, lesson.id))
        kept.remove(name)
        kept.append(name)
        return screen
    screen = LessonScreen(lesson, *left_at(app, lesson.id))  # where the learner left it last time
    app.install_screen(screen, name)
    kept.append(name)
    for old in kept[:-KEEP_ALIVE]:
        closed = app.get_screen(old)
        if closed not in app.screen_stack:
            app.uninstall_screen(old)
            closed.remove()  # uninstalling alone leaves it mounted on the app, alive
            kept.remove(old)
    return screen


def left_at(app: App[Any], lesson_id: str) -> tuple[int, int]:
    """(section, lines into it) where the learner left `lesson_id`, kept across runs."""
    store = getattr(app, "store", None)
    place = (store.state().get("places") or {}).get(lesson_id) if store is not None else None
    return (place[0], place[1]) if place else (0, 0)


class SectionView(Vertical):
    DEFAULT_CSS = """
    SectionView {
        height: auto;
        margin-bottom: 1;
    }
    """

    def __init__(self, number: int, section: m.Section, body: str, values: dict[str, Any]) -> None:
        super().__init__(id=f"section-{number}")
        self.values = values
        self.section = section
        self.body = body
        self.number = number

    def compose(self) -> ComposeResult:
        yield LessonText(f"## {self.number}. {self.section.title}\n\n{self.body}")
        for formula in self.section.formulas:
            yield FormulaBlock(formula)
        if self.section.plot is not None:
            yield PlotPanel(self.section.plot, id=f"plot-{self.number}", values=self.values)


GO_TRIES = 200  # refreshes to wait for a section not yet laid out


class LessonScreen(Screen[None]):
    app = getters.app(TutorApp)  # typed: the screens call the app's own methods
    CSS_PATH = "lesson.tcss"
    BINDINGS = [
        Binding("escape,q", "app.pop_screen", "Back"),
        Binding("t", "quiz", "Take the quiz"),
        Binding("n", "section(1)", "Next section"),
        Binding("p", "section(-1)", "Previous section"),
        Binding("o", "toggle_toc", "Contents"),
    ]

    def holds_keys_after(self, key: str) -> bool:
        """Whether `key` may open a quiz, whose answer the keys typed after it are for."""
        return key in ("t",)

    def __init__(self, lesson: m.Lesson, at_section: int = 0, at_line: int = 0) -> None:
        super().__init__()
        self.lesson = lesson
        self.current = 0
        # shown again: where the learner left it (the last run), or after `--watch` read it anew
        self.at_section = at_section
        self.at_line = at_line  # lines scrolled into that section
        self._going: int | None = None  # the section `n` or `p` asked for, not yet mounted
        self._theme_when_hidden: str | None = None
        self._place: tuple[int, int] | None = None  # (section at the top, lines into it), see `_scrolled`

    def compose(self) -> ComposeResult:
        from tutor.content.lessons import compute_values, section_body

        values = compute_values(self.lesson).values
        yield TutorHeader()
        with Horizontal():
            with Vertical(id="toc"):
                yield Label("Contents", classes="title")
                yield ListView(
                    *(
                        ListItem(Label(f"{i}. {s.title}"), id=f"toc-{i}")
                        for i, s in enumerate(self.lesson.sections, start=1)
                    ),
                    id="toc-list",
                )
            with VerticalScroll(id="lesson-body"):
                yield LessonText(f"# {self.lesson.title}\n\n*{self.lesson.summary}*", id="lesson-title")
                for i, section in enumerate(self.lesson.sections, start=1):
                    # All at once: a section is a few widgets now, and mounting the rest after the
                    # first frame cost more layouts than it saved.
                    yield SectionView(i, section, section_body(section, values), values)
                yield Label(self._quiz_line(), id="quiz-call", classes="title")
        yield TutorFooter()

    def _quiz_line(self) -> str:
        app = self.app
        count = len(app.lesson_question_ids(self.lesson.id)) if app.course is not None else 0
        if not count:
            return "This lesson has no quiz yet."
        from tutor.quiz.resume import in_progress, saved_quiz

        _, saved = saved_quiz(app.course, self.lesson.id, app.store.quiz) if app.course else (None, None)
        if in_progress(saved) and saved is not None:
            # t resumes it (a fresh one is the results' r): say so rather than let it seem lost
            where = f"question {saved['index'] + 1} of {len(saved['questions'])}"
            return f"Press t to go on with your quiz: {where}."
        return f"Ready? Press t to take the quiz ({count} questions)."

    def on_mount(self) -> None:
        self.sub_title = self.lesson.title
        body = self.query_one("#lesson-body", VerticalScroll)
        body.focus()
        self.watch(body, "scroll_y", self._scrolled, init=False)
        if self.app.size.width < 100:  # at 80 columns the text needs the room more than the contents
            self.query_one("#toc").display = False
        if self.at_section > 0 or self.at_line > 0:
            self.call_after_refresh(self._restore_place, 100)

    def on_screen_suspend(self) -> None:
        self._theme_when_hidden = self.app.theme
        self.save_place()

    def on_unmount(self) -> None:
        self.save_place()  # the app quit with the lesson open

    def _scrolled(self, _: float) -> None:
        # Where the learner is, kept as they read (cheap), written when the lesson closes.
        sections = list(self.query(SectionView))
        if not sections:
            return
        body = self.query_one("#lesson-body", VerticalScroll)
        top = self.section_at_top()
        self._place = (top, max(0, round(body.scroll_y - sections[top].virtual_region.y)))

    def save_place(self) -> None:
        """Keep where the learner is (the section at the top, and how far into it), to open the
        lesson there next time, also in a later run."""
        if self._place is None:
            return  # not scrolled since it opened where it was
        app = self.app
        places = dict(app.store.state().get("places") or {})
        if places.get(self.lesson.id) != list(self._place):
            places[self.lesson.id] = list(self._place)
            app.store.set_state(places=places)

    def on_screen_resume(self, event: events.ScreenResume) -> None:
        # Every time the lesson shows, also when a kept screen is opened again.
        app = self.app
        self.query_one("#quiz-call", Label).update(self._quiz_line())  # a quiz left since, or finished
        if self._theme_when_hidden == app.theme:
            # Nothing that styles it changed while it was hidden: Textual would otherwise restyle
            # every widget of a kept lesson, most of the time it takes to show it again.
            event.refresh_styles = False
        opened = list(app.store.state().get("opened", []))
        if self.lesson.id not in opened:
            app.store.set_state(opened=[*opened, self.lesson.id])

    def _restore_place(self, tries: int) -> None:
        # Go there once the section wanted has been laid out (it has no height before).
        sections = list(self.query(SectionView))
        if len(sections) > self.at_section and sections[self.at_section].region.height:
            body = self.query_one("#lesson-body", VerticalScroll)
            y = sections[self.at_section].virtual_region.y + self.at_line
            body.scroll_to(y=y, animate=False, immediate=True)
            self.current = self.at_section
            self.query_one("#toc-list", ListView).index = self.current
        elif tries > 0:
            self.call_after_refresh(self._restore_place, tries - 1)

    def section_at_top(self) -> int:
        """The index of the section at the top of the view (0 above the first)."""
        return max(0, self._top_section()[0])

    @on(ListView.Selected, "#toc-list")
    def _jump(self, event: ListView.Selected) -> None:
        number = int((event.item.id or "toc-1").split("-")[1])
        self._go(number - 1)

    def _go(self, index: int, tries: int = 0) -> None:
        """Show section `index` at the top. Jumps rather than glides, so that `n n` typed fast
        counts twice (the second press sees where the first one went); a section not yet laid
        out (a key pressed as the lesson opens) is waited for."""
        self.current = max(0, min(len(self.lesson.sections) - 1, index))
        sections = list(self.query(SectionView))
        if self.current >= len(sections) or not sections[self.current].region.height:
            if tries < GO_TRIES:
                self._going = self.current
                self.call_after_refresh(self._go, self.current, tries + 1)
                return
            self.current = len(sections) - 1
        self._going = None
        self.query_one("#lesson-body", VerticalScroll).scroll_to_widget(
            sections[self.current], top=True, animate=False, immediate=True
        )
        self.query_one("#toc-list", ListView).index = self.current

    def _top_section(self) -> tuple[int, bool]:
        """The section at the top of the view (-1 above the first), and whether its heading is
        at the top (rather than scrolled past)."""
        y = self.query_one("#lesson-body", VerticalScroll).scroll_y
        top, at_start = -1, False
        for i, section in enumerate(self.query(SectionView)):
            start = section.virtual_region.y
            # a heading a line or two below the top (its margin) is at the top for the reader
            if start <= y + TOP_SLACK:
                top, at_start = i, start >= y - 0.5
        return top, at_start

    def action_section(self, step: int) -> None:
        """`n`: the section after the one at the top of the view, wherever the reader scrolled;
        `p`: the start of that one, or the one before if its heading is already at the top."""
        if self._going is not None:  # a press while the last one waits for its section
            self._go(self._going + step)
            return
        top, at_start = self._top_section()
        if step > 0:
            self._go(top + 1)
        else:
            self._go(top - 1 if at_start or top < 0 else top)

    def action_toggle_toc(self) -> None:
        toc = self.query_one("#toc")
        toc.display = not toc.display

    def action_quiz(self) -> None:
        app = self.app
        app.start_quiz(self.lesson.id)
