"""`tutor --watch` and `tutor lesson ID --watch`: the app reads the course again whenever one of
its files changes, and shows the new version where the author is, or what is wrong at file:line.

The watching, and reading the course again, run in a thread of their own, so the app never
waits on either. A quiz in progress is shown again with the edited questions, each keeping the
answers given so far; one that cannot be (its questions are gone, or an answer is being graded)
is said to be stale. A problems notice is taken down as soon as the course reads clean.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tutor.content.diagnostics import Diagnostic
    from tutor.content.loader import Course
    from tutor.tui.app import TutorApp

# How many problems a notice lists; `tutor check` has the rest.
SHOWN_PROBLEMS = 6


class CourseWatcher:
    def __init__(self, app: TutorApp) -> None:
        self.app = app
        self.stop = threading.Event()
        self.started = False
        self.reloads = 0  # courses read again and shown, for tests
        self.problems_notice: Any = None  # the notice listing the course's problems, while shown
        self.stale_quiz = False  # a quiz left on the questions it started with, for tests

    def start(self) -> None:
        """Start watching (once): called when the course has first loaded."""
        if self.started:
            return
        self.started = True
        # A daemon thread, not a Textual worker: the app waits for its workers as it ends, and
        # this one ends only when told to (see `close`, called as the app unmounts).
        threading.Thread(target=self._watch, name="tutor-watch", daemon=True).start()

    def _watch(self) -> None:
        from tutor.content.watch import course_changes

        try:
            for _ in course_changes([self.app.course_root], self.stop):
                try:
                    self.reload_from_thread()
                except Exception as exc:
                    if self.stop.is_set() or not self.app.is_running:
                        return  # the app ended while a change was being read
                    # Anything else is said, and the next save is read all the same.
                    said = f"The course could not be shown: {exc}"
                    self.app.call_from_thread(self.app.notify, said, severity="error", markup=False)
        except RuntimeError:
            pass  # the app ended while watching

    def close(self) -> None:
        """Stop watching; the app calls it as it ends (watchfiles looks at the event often)."""
        self.stop.set()

    def reload_from_thread(self) -> None:
        """Read the course again (in this thread) and show it (in the app's)."""
        from tutor.content.loader import load_course

        try:
            course = load_course(self.app.course_root)
            problems = static_problems(course)
        except Exception as exc:  # a crash here must not take the app down
            self.app.call_from_thread(
                self.app.notify, f"The course could not be read: {exc}", severity="error"
            )
            return
        self.app.call_from_thread(self.show, course, problems)

    def show(self, course: Course, problems: list[Diagnostic] | None = None) -> None:
        """Put the new course in place, keeping the author's place: the home screen refreshes
        itself, a lesson is shown again at the same section; then say what is wrong, if anything."""
        from tutor.tui.screens.lesson import LessonScreen

        app = self.app
        app.course = course
        if course.title and app.learners is None:
            app.sub_title = course.title
        from tutor.tui.screens.quiz import QuizScreen

        screen = app.screen
        if isinstance(screen, LessonScreen):
            loaded = course.lesson(screen.lesson.id)
            if loaded is not None and loaded.lesson != screen.lesson:  # unchanged: left as it is
                app.switch_screen(LessonScreen(loaded.lesson, at_section=screen.section_at_top()))
        elif isinstance(screen, QuizScreen):
            self._show_quiz(screen, course)
        self.reloads += 1
        if problems is None:
            problems = [d for d in course.diagnostics if d.severity == "error"]
        self._take_down_problems()
        if problems:
            lines = [str(d) for d in problems[:SHOWN_PROBLEMS]]
            more = len(problems) - len(lines)
            if more:
                lines.append(f"… and {more} more: run `tutor check`")
            self.problems_notice = self._notify(
                "\n".join(lines), title="The course has problems", severity="error", timeout=30
            )
        else:
            app.notify("Course reloaded.", timeout=2)

    def _notify(self, message: str, title: str, severity: Any, timeout: float) -> Any:
        """`app.notify`, keeping the notice to take it down later."""
        from textual.notifications import Notification, Notify

        notice = Notification(message, title, severity, timeout, markup=False)
        self.app.post_message(Notify(notice))
        return notice

    def _take_down_problems(self) -> None:
        """The previous problems notice goes: it is out of date (the course read clean, or the
        new list replaces it)."""
        notice, self.problems_notice = self.problems_notice, None
        if notice is not None and notice in self.app._notifications:
            self.app._unnotify(notice)

    def _show_quiz(self, screen: Any, course: Course) -> None:
        """The open quiz with the edited questions, answers kept; or a plain word that it is stale."""
        from tutor.tui.screens.quiz import QuizScreen

        session = screen.session
        try:
            entries = course.resolve(screen.ref) if screen.ref is not None else []
        except Exception:
            entries = []
        old = [s.entry.question for s in session.states]
        if entries and [e.question for e in entries] == old:
            return  # this quiz did not change: left as it is
        # an answer being graded belongs to the quiz as it was: its result would be lost
        grading = any(w.is_running and w.group == "grade" and w.node is screen for w in screen.workers)
        try:
            if not entries or grading:
                raise ValueError("nothing to show")
            refreshed = session.refreshed(entries)
        except Exception:
            self.stale_quiz = True
            self.app.notify(
                "This quiz still shows the questions it started with: its questions changed but "
                "cannot be shown here now. Leave it (esc) and start it again to see your edits.",
                title="The quiz is out of date",
                severity="warning",
                timeout=30,
                markup=False,
            )
            return
        self.stale_quiz = False
        # what is typed and not checked yet goes along, when the learner stays on that question
        same = refreshed.current.entry.id == session.current.entry.id
        draft = screen.draft() if same else None
        self.app.switch_screen(QuizScreen(refreshed, title=screen.quiz_title, ref=screen.ref, draft=draft))


def static_problems(course: Course) -> list[Diagnostic]:
    """The errors `tutor check` finds without drawing variants or grading (milliseconds): what
    the file says that cannot work, at file:line."""
    from tutor.content.checks import check_lesson, check_question, check_references
    from tutor.content.diagnostics import sort_key

    found = [*course.diagnostics, *check_references(course)]
    for loaded in course.lessons:
        found += check_lesson(loaded)
    for bank in course.banks:
        for entry in bank.entries:
            found += check_question(entry)
    return sorted((d for d in found if d.severity == "error"), key=sort_key)
