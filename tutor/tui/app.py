"""The application: loads the course in the background and routes between screens."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import events, work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.notifications import SeverityLevel
from textual.reactive import var
from textual.screen import Screen

from tutor.tui.commands import CourseCommands

if TYPE_CHECKING:
    from tutor.content.index import CourseIndex
    from tutor.content.loader import Course
    from tutor.progress.store import ProgressStore


# Seconds at most that keys typed as a screen opens wait for its answer input (it takes a few
# frames, far less than this).
KEY_HOLD_LIMIT = 2.0


@dataclass(frozen=True)
class StartAt:
    """Where the app opens: `lesson` or `quiz` on `ref`, else the course map."""

    kind: str  # "home" | "lesson" | "quiz" | "review"
    ref: str | None = None
    seed: int | None = None
    fresh: bool = False  # a quiz afresh, even when one on `ref` was left in the middle
    exact: bool = False  # `seed` is the first variant's own seed (`tutor quiz --seed`)


class TutorApp(App[None]):
    TITLE = "tutor"
    SUB_TITLE = "loss functions, by doing them"
    # Absolute, so that subclasses defined elsewhere find them. Home is the default screen, whose
    # own CSS_PATH Textual does not load, so its styles come with the app's. The lesson's and the
    # quiz's are read at start too: Textual reparses every style sheet when a screen brings a new
    # one, which was a third of the time the first lesson took to open.
    CSS_PATH = [
        Path(__file__).parent / "app.tcss",
        *(Path(__file__).parent / "screens" / name for name in ("home.tcss", "lesson.tcss", "quiz.tcss")),
    ]
    COMMANDS = App.COMMANDS | {CourseCommands}
    BINDINGS = [
        Binding("f1,question_mark", "help", "Help", key_display="?"),
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True),
        # One meaning in every text box: select all (Textual's boxes go to the line's start,
        # which home does; the code editor said "select all" and did it alone).
        Binding("ctrl+a", "select_all_text", "Select all", show=False, priority=True),
    ]

    course: var[Course | None] = var(None)
    # What the course map shows: from the index kept by the last run until the course is loaded,
    # then from the course itself (see tutor.content.index).
    course_index: var[CourseIndex | None] = var(None)

    def __init__(
        self,
        course_root: Path,
        store: ProgressStore,
        start: StartAt | None = None,
        warm_up: bool = True,
        learners: Path | None = None,
        watch: bool = False,
        learner: str | None = None,
    ) -> None:
        super().__init__()
        self.course_root = course_root
        if not self._builtin_course():
            # The built-in course's words are not another course's, even for the first frame:
            # its own title comes with its index (`_first_frame_shown`).
            self.sub_title = ""
        self.store = store
        store.on_problem = self._progress_problem  # said once, from any thread (notify is thread-safe)
        self._record_checked = False
        self.start = start or StartAt("home")
        self.warm_up = warm_up
        # Served to a browser: ask who is learning, and keep each name's record under this folder.
        self.learners = learners
        # ... and who that is, when the server already knows (`tutor serve --trust-user-header`).
        self.learner = learner
        self.code_status: Any = None  # the code sandbox's Status, once the warm-up has probed it
        self._code_notice_due = False
        self._code_notice_said = False
        self._waiting_for_map: list[Callable[[], object]] = []  # see `_after_map`
        self._identity: tuple[Course, tuple[str, str]] | None = None  # worked out by `load_course`
        self._held_keys: list[events.Key] | None = None  # see `hold_keys`
        self._hold_for_input = False
        self._hold_timer: Any = None
        self._opener: events.Key | None = None
        # notice id → (the screen it was raised on, its question there): see `notify`
        self._notice_owners: dict[str, tuple[object, object]] = {}
        self._dropped_notices: set[str] = set()
        self.clock = time.monotonic  # tests fix it, for results that do not depend on timing
        self.now = time.time  # the wall clock reviews are due by; tests fix it too
        # `--watch`: the course is read again when one of its files changes (see CourseWatcher).
        self.watcher: Any = None
        if watch:
            from tutor.tui.watch import CourseWatcher

            self.watcher = CourseWatcher(self)

    # ------------------------------------------------------------ keys typed as a screen opens

    async def on_event(self, event: events.Event) -> None:
        # Every key from the terminal comes here first, in the order typed. A key that opens a
        # screen or a question (`t` on the map, ctrl+n in a quiz: the screen's `holds_keys_after`)
        # holds the keys after it until that screen's answer input has focus, then they are
        # handed to it in order: without this, keys already on their way to the old screen's
        # widgets were typed into an answer being removed, or arrived after later ones.
        if isinstance(event, events.Key) and not event.is_forwarded:
            if self._held_keys is not None:
                self._held_keys.append(event)
                return
            holds = getattr(self.screen, "holds_keys_after", None)
            if holds is not None and holds(event.key):
                self.hold_keys()
                self._opener = event
        await super().on_event(event)

    def on_key(self, event: events.Key) -> None:
        # The key that began a hold has reached the app (through the widgets and the screen),
        # so its binding runs now: after that, if nothing asked for the keys, they go on as typed.
        if event is self._opener:
            self._opener = None
            self.call_after_refresh(self._opener_done, 2)

    def hold_keys(self, for_input: bool = False) -> None:
        """Hold the keys typed from now on (they are replayed by `release_keys`); `for_input`:
        until a screen's answer input has focus and releases them, not only until the key that
        began the hold has done its work."""
        if self._held_keys is None:
            self._held_keys = []
            self._hold_for_input = False
            # never for long, whatever happens: a key held is not a key lost, but it must show
            self._hold_timer = self.set_timer(KEY_HOLD_LIMIT, self.release_keys)
        self._hold_for_input = self._hold_for_input or for_input

    def _opener_done(self, refreshes: int) -> None:
        if self._held_keys is None or self._hold_for_input:
            return
        if refreshes > 0:  # what the key set going (a message or two) has had its turn
            self.call_after_refresh(self._opener_done, refreshes - 1)
            return
        self.release_keys()

    def release_keys(self) -> None:
        """Hand the keys held since `hold_keys` on, in the order typed, to whatever has focus now."""
        held, self._held_keys = self._held_keys, None
        self._hold_for_input = False
        if self._hold_timer is not None:
            self._hold_timer.stop()
            self._hold_timer = None
        for key in held or []:
            # As if typed now: one of them may begin a hold of its own, which holds the rest.
            again = events.Key(key.key, key.character)
            again.set_sender(self)
            self.post_message(again)

    # ------------------------------------------------------------ notices belong to their screen

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Textual's notice, owned by the screen it is raised on (and the question, in a quiz:
        its `notice_scope`): it goes when that screen or question does, so that "options in a new
        order" never covers the next question's feedback and notices never stack across screens.
        Warnings and errors (a record not saved) stay until they time out."""
        from textual.notifications import Notification, Notify

        notification = Notification(
            message, title, severity, self.NOTIFICATION_TIMEOUT if timeout is None else timeout, markup=markup
        )
        if severity == "information":
            try:
                screen: Any = self.screen
            except Exception:  # no screen yet (a notice from the start): the app's own
                screen = None
            if screen is not None:
                scope = getattr(screen, "notice_scope", None)
                self._notice_owners[notification.identity] = (screen, scope() if scope else None)
        self.post_message(Notify(notification))

    def _on_notify(self, event: Any) -> None:
        if event.notification.identity in self._dropped_notices:  # its screen went before it showed
            self._dropped_notices.discard(event.notification.identity)
            event.prevent_default()  # not added by Textual's own handler

    def drop_notices(self, screen: object, keep_scope: object = None) -> None:
        """Take away the notices raised on `screen`, but those of `keep_scope` (its question now)."""
        for identity, (owner, scope) in list(self._notice_owners.items()):
            if owner is screen and (keep_scope is None or scope != keep_scope):
                del self._notice_owners[identity]
                shown = next((n for n in self._notifications if n.identity == identity), None)
                if shown is not None:
                    self._unnotify(shown)
                else:
                    self._dropped_notices.add(identity)

    def _screen_changed_notices(self) -> None:
        current = self.screen
        for owner in {owner for owner, _ in self._notice_owners.values()}:
            if owner is not current:
                self.drop_notices(owner)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "select_all_text":
            # only where there is text to select; the code editor's own binding says it itself
            from textual.widgets import Input, TextArea

            focused = self.focused
            return isinstance(focused, Input | TextArea) and not getattr(focused, "FOOTER_LAST", False)
        return True

    def action_select_all_text(self) -> None:
        from textual.widgets import Input, TextArea

        focused = self.focused
        if isinstance(focused, Input | TextArea):
            focused.select_all()

    def _builtin_course(self) -> bool:
        from tutor.content.builtin import builtin_course_root

        try:
            return Path(self.course_root).resolve() == builtin_course_root().resolve()
        except OSError:
            return False

    def on_unmount(self) -> None:
        if self.watcher is not None:
            self.watcher.close()

    def get_default_screen(self) -> Screen[Any]:
        from tutor.tui.screens.home import HomeScreen

        return HomeScreen()

    def on_mount(self) -> None:
        self.screen_change_signal.subscribe(self, self._forget_closed_widgets)
        if self.learners is not None and self.learner is not None:
            self._learner_named(self.learner)
            return
        if self.learners is not None:
            from tutor.tui.screens.name import NameScreen

            self.push_screen(NameScreen(), self._learner_named)
            return
        self._begin()

    def _forget_closed_widgets(self, screen: object) -> None:
        self._screen_changed_notices()
        # Textual caches a pair of background styles per widget renderer (up to 1,024 of them,
        # each holding its widget's rendered lines): without this a closed quiz stayed in memory.
        # Textual's internals (pinned in pyproject.toml; the memory test says if this stops working).
        try:
            from textual._styles_cache import StylesCache

            StylesCache.get_inner_outer.cache_clear()
        except (ImportError, AttributeError):  # a Textual without that cache: nothing to forget
            pass

    def _learner_named(self, name: str | None) -> None:
        from tutor.progress.learners import learner_folder
        from tutor.progress.store import ProgressStore

        assert self.learners is not None
        if not name:
            self.exit()
            return
        self.store = ProgressStore(learner_folder(self.learners, name), learner=name)
        self.store.on_problem = self._progress_problem
        self.sub_title = f"learning: {name}"
        self._begin()

    def _begin(self) -> None:
        # The theme picked in the palette sticks (ansi-dark and ansi-light use the terminal's colours).
        saved = self.store.state().get("theme")
        if isinstance(saved, str) and saved in self.available_themes:
            self.theme = saved
        self.theme_changed_signal.subscribe(self, lambda theme: self.store.set_state(theme=theme.name))
        # After the first frame: the loading thread would otherwise compete with it for the GIL.
        self.call_after_refresh(self._first_frame_shown)

    def _first_frame_shown(self) -> None:
        import gc

        from tutor.content.index import read_index

        if self.warm_up:  # a real run (tests that make many apps in one process leave it off)
            # What is alive at the first frame (modules, the app, its screen) lives as long as
            # the app: the collector's full passes need not walk it again (one took ~20 ms in
            # the middle of drawing the course map).
            gc.freeze()

        index = read_index(self.course_root)  # milliseconds, where loading the course takes ~0.5 s
        if index is None:
            self.load_course()
            return
        self.course_index = index  # the course map fills in from it
        if index.title and self.learners is None:
            self.sub_title = index.title
        self._after_map(self.load_course)

    def _after_map(self, start: Callable[[], object]) -> None:
        # Threads started while the course map draws its rows would slow it down (the GIL): they
        # start once it is on screen, or after a second whatever happens.
        self._waiting_for_map.append(start)
        self.set_timer(1.0, self.course_map_drawn)

    def course_map_drawn(self) -> None:
        """The course map has its rows on screen: start what waited for that."""
        waiting, self._waiting_for_map = self._waiting_for_map, []
        for start in waiting:
            start()

    @work(thread=True, exclusive=True, group="load", exit_on_error=False)
    def load_course(self) -> None:
        from tutor.content.index import index_of, stamp, write_index
        from tutor.content.loader import load_course

        try:
            files = stamp(self.course_root)  # before reading: a file changed meanwhile is not kept
            course = load_course(self.course_root)
        except Exception as exc:  # a crash here must not take the app down
            self.call_from_thread(self._course_failed, exc)
            return
        try:
            if files is not None:
                write_index(self.course_root, index_of(course), files)  # for the next run's map
        except Exception:  # only a cache: the course is there all the same
            pass
        try:  # here, not on the app's thread: it imports the quiz's modules, reads every file again
            from tutor.quiz.review import course_identity

            self._identity = (course, course_identity(course))
        except Exception:  # then on the app's thread, as before
            pass
        self.call_from_thread(self._course_loaded, course)

    def watch_course(self, course: Course | None) -> None:
        # Whoever sets the course (the loading thread, --watch), the map shows what it holds.
        if course is not None:
            from tutor.content.index import index_of

            self.course_index = index_of(course)

    @work(thread=True, exclusive=True, group="warm-up", exit_on_error=False)
    def warm_up_grader(self) -> None:
        # Pay for NumPy and the grader's imports now, while the learner reads, not on first submit.
        # Only a head start: if it fails, the same imports happen (and report) on first use.
        import numpy  # noqa: F401

        import tutor.grading.grader  # noqa: F401
        from tutor.grading import sandbox

        status = sandbox.status()  # probes bubblewrap once (about 0.1 s)
        self.call_from_thread(self._code_status_known, status)
        from tutor.grading.forms import wait_ready

        # SymPy's start, paid now: inside a grade it counts against the grade's time cap.
        wait_ready()
        self._warm_up_lessons()

    def _warm_up_lessons(self) -> None:
        # What opening the first lesson would otherwise pay for, while the learner is on the
        # course map: the lesson screen's imports (Markdown, plots) and its formulas, printed
        # by the SymPy worker, so that a lesson shows them at once.
        from rich.markdown import Markdown
        from textual.worker import get_current_worker

        import tutor.tui.screens.lesson  # noqa: F401
        from tutor.grading.pretty import pretty_in_worker
        from tutor.tui.widgets.lesson_text import LessonText  # noqa: F401

        Markdown("warm *up*\n\n| a |\n|---|\n| 1 |")  # markdown-it builds its parser once
        worker = get_current_worker()
        course = self.course
        for loaded in course.lessons if course is not None else []:
            for section in loaded.lesson.sections:
                for formula in section.formulas:
                    if worker.is_cancelled:
                        return  # the app is closing
                    pretty_in_worker(formula)
        # Everything alive now (modules, the course) lives as long as the app: the collector
        # need not walk it again on every full collection, which cost lessons 50–500 ms.
        import gc

        gc.collect()  # what is garbage already is freed, not frozen
        gc.freeze()

    def _code_status_known(self, status: Any) -> None:
        self.code_status = status
        if self._code_notice_due:
            self.note_code_question()

    def note_code_question(self) -> None:
        """Say once per run when code answers cannot run in the OS sandbox (or not at all)."""
        status = self.code_status
        if status is None:
            self._code_notice_due = True  # said when the warm-up has found out
            return
        self._code_notice_due = False
        message = status.notice
        if message is None or self._code_notice_said:
            return
        self._code_notice_said = True
        self.notify(message, severity="warning", timeout=12)

    def _progress_problem(self, message: str) -> None:
        if self.store.save_problem is None:  # what waited for a locked record is written now
            self.notify(message, title="Progress saved", timeout=10, markup=False)
            return
        self.notify(message, title="Progress not saved", severity="warning", timeout=30, markup=False)

    def report_record_problems(self) -> None:
        """Say once per run if part of the learner's record could not be read (it is skipped, not lost)."""
        if self._record_checked:
            return
        self._record_checked = True
        report = self.store.skipped_report()
        if report:
            self.notify(
                report, title="Some progress could not be read", severity="warning", timeout=30, markup=False
            )

    def _course_failed(self, exc: Exception) -> None:
        self.notify(f"The course could not be loaded: {exc}", severity="error", timeout=30)

    def _course_loaded(self, course: Course) -> None:
        known = self._identity
        if known is not None and known[0] is course:
            identity = known[1]
        else:
            from tutor.quiz.review import course_identity

            identity = course_identity(course)
        self.store.set_course(*identity)  # written into every attempt
        self.course = course
        if course.title and self.learners is None:  # served, the header names the learner
            self.sub_title = course.title
        if self.warm_up:
            self._after_map(self.warm_up_grader)  # on the app's own thread, as workers must be
        if self.watcher is not None:
            self.watcher.start()
        if self.start.kind == "lesson" and self.start.ref:
            self.open_lesson(self.start.ref)
        elif self.start.kind == "quiz" and self.start.ref:
            fresh = self.start.fresh
            self.start_quiz(
                self.start.ref, seed=self.start.seed, resume=False if fresh else None, exact=self.start.exact
            )
        elif self.start.kind == "review":
            self.start_review()

    # ------------------------------------------------------------ navigation used by every screen

    def open_lesson(self, lesson_id: str) -> None:
        from tutor.tui.screens.lesson import lesson_screen

        if self.course is None:
            return
        loaded = self.course.lesson(lesson_id)
        if loaded is None:
            self.notify(f"There is no lesson `{lesson_id}` in this course.", severity="error")
            return
        self.store.set_state(last={"kind": "lesson", "ref": lesson_id})
        self.push_screen(lesson_screen(self, loaded.lesson))

    def start_quiz(
        self,
        ref: str,
        seed: int | None = None,
        only: list[str] | None = None,
        resume: bool | None = None,
        exact: bool = False,
    ) -> None:
        """A quiz on `ref`. A quiz on it left in the middle is resumed at the same question with
        the same variants and answers, unless `seed` or `resume=False` asks for a fresh one
        (see `tutor.quiz.resume`); `only` retakes a few of its questions, afresh."""
        from tutor.quiz.resume import completion_recorder, open_quiz, saved_quiz
        from tutor.tui.screens.quiz import QuizScreen

        if self.course is None:
            return
        ref, saved = saved_quiz(self.course, ref, self.store.quiz)
        entries = self.course.resolve(ref)
        if only is not None:
            entries = [e for e in entries if e.id in only]
        if not entries:
            self.notify(f"`{ref}` names no questions in this course.", severity="error")
            return
        self.store.set_state(last={"kind": "quiz", "ref": ref})
        # The whole quiz is kept as it goes, to be resumed; a retake of a few questions is not.
        whole = only is None
        try:
            opened = open_quiz(
                entries,
                saved if whole else None,
                seed=seed,
                exact=exact,
                resume=resume if whole else False,
                on_attempt=self.store.record,
                clock=self.clock,
                on_change=partial(self._save_quiz, ref) if whole else None,
            )
        except ValueError:  # a question that cannot be asked: say where, as `tutor check` does
            self._course_problem(entries)
            return
        opened.session.quiz_id = ref  # written into each attempt
        if whole:  # a retake of a few questions is not the quiz's end
            opened.session.on_complete = completion_recorder(self.store.quiz_finished, ref)
        self._open_quiz_screen(QuizScreen(opened.session, title=self.quiz_title(ref), ref=ref))
        if opened.notice:
            self.notify(opened.notice)  # once the quiz is the screen: the notice is its own

    def _open_quiz_screen(self, screen: Screen[None]) -> None:
        """A quiz opened from another quiz or its results (the command palette) takes their place,
        so that leaving it goes back where the learner came from, not into the older quiz."""
        from tutor.tui.screens.quiz import QuizScreen
        from tutor.tui.screens.results import ResultsScreen

        self.hold_keys(for_input=True)  # the keys typed next are its answer's
        current = self.screen
        if isinstance(current, QuizScreen | ResultsScreen):
            if isinstance(current, QuizScreen):
                current.session.finish()  # as leaving it would; it is kept to resume
            self.switch_screen(screen)
        else:
            self.push_screen(screen)

    def _save_quiz(self, ref: str, session: Any) -> None:
        self.store.save_quiz(ref, session.snapshot(ref))

    def next_lesson(self, ref: str) -> str | None:
        """The lesson after the one a quiz `ref` belongs to, or None after the last."""
        assert self.course is not None
        order = [x.lesson.id for x in self.course.lessons_in_order]
        lesson = ref
        if ref not in order:
            bank = self.course.bank(ref)
            lesson = bank.bank.lesson if bank is not None and bank.bank.lesson else ""
        if lesson in order and order.index(lesson) + 1 < len(order):
            return order[order.index(lesson) + 1]
        return None

    def continue_plan(self) -> tuple[str, str | None, str]:
        """What `c` does: ("lesson" | "quiz" | "resume" | "none", ref, words for the course map)."""
        if self.course is None:
            return "none", None, ""
        last = self.store.state().get("last") or {}
        kind, ref = last.get("kind"), last.get("ref")
        if not isinstance(ref, str):
            return "none", None, ""
        if kind != "quiz":
            loaded = self.course.lesson(ref)
            return ("lesson", ref, f"lesson {loaded.lesson.title}") if loaded else ("none", None, "")
        if not self.course.resolve(ref):
            return "none", None, ""
        from tutor.quiz.resume import saved_quiz

        _, saved = saved_quiz(self.course, ref, self.store.quiz)  # `ref` stays: it finds it again
        if saved is not None and saved.get("completed") is True:
            after = self.next_lesson(ref)
            loaded = self.course.lesson(after) if after else None
            if loaded is None:
                return "none", None, ""
            return "lesson", after, f"lesson {loaded.lesson.title} (after {self.quiz_title(ref)})"
        if (
            saved is not None
            and isinstance(saved.get("index"), int)
            and isinstance(saved.get("questions"), list)
        ):
            where = f", question {saved['index'] + 1} of {len(saved['questions'])}"
            return "resume", ref, f"{self.quiz_title(ref)}{where}"
        return "quiz", ref, self.quiz_title(ref)

    def continue_learning(self) -> bool:
        """Go on where the learner left off; False when there is nothing to continue."""
        kind, ref, _ = self.continue_plan()
        if ref is None:
            return False
        if kind == "lesson":
            self.open_lesson(ref)
        else:
            self.start_quiz(ref, resume=True if kind == "resume" else None)
        return True

    def start_review(self) -> None:
        """The spaced review: the cards due now across the course (within the day's limits),
        interleaved, on fresh variants; today's review left in the middle is resumed instead."""
        from tutor.quiz.review import REVIEW_KEY, review_day, review_session, saved_review
        from tutor.tui.screens.quiz import QuizScreen

        if self.course is None:
            return
        now = self.now()  # the seed from it: fresh variants each time, the same under a fixed clock

        def save(session: Any) -> None:
            self.store.save_quiz(REVIEW_KEY, {**session.snapshot(REVIEW_KEY), "day": review_day(now)})

        try:
            session = saved_review(self.course, self.store, now, clock=self.clock, on_change=save)
            resumed = session is not None
            if session is None:
                session = review_session(
                    self.course, self.store, now, seed=int(now * 1000), clock=self.clock, on_change=save
                )
        except ValueError:  # a due question that cannot be asked: say where, as `tutor check` does
            self._course_problem(list(self.course.questions.values()))
            return
        if session is None:
            self.notify("Nothing is due for review now.")
            return
        if not resumed:
            save(session)  # kept from its first question on, to be resumed
        self._open_quiz_screen(QuizScreen(session, title=f"Review: {session.total} due", ref=None))
        if resumed:
            self.notify(f"Resumed today's review: question {session.index + 1} of {session.total}.")

    def show_statistics(self) -> None:
        from tutor.tui.screens.stats import StatsScreen

        if self.course is not None and not isinstance(self.screen, StatsScreen):
            self.push_screen(StatsScreen())

    def action_show_statistics(self) -> None:
        self.show_statistics()

    def ask_learner_name(self) -> None:
        from tutor.tui.screens.learner import LearnerNameScreen

        def named(name: str | None) -> None:
            if name:
                self.store.set_learner(name)
                self.notify(f"Your answers are recorded as {name} from now on.", markup=False)

        self.push_screen(LearnerNameScreen(self.store.learner), named)

    def _course_problem(self, entries: list[Any]) -> None:
        from tutor.content.usable import question_problems

        problems = [str(p) for e in entries for p in question_problems(e, seed=0)]
        shown = "\n".join(problems[:3]) or "A question of this quiz cannot be asked."
        self.notify(f"{shown}\n(run `tutor check` for every problem)", severity="error", timeout=15)

    def quiz_title(self, ref: str) -> str:
        assert self.course is not None
        lesson = self.course.lesson(ref)
        if lesson is not None:
            return f"Quiz: {lesson.lesson.title}"
        bank = self.course.bank(ref)
        if bank is not None:
            return f"Quiz: {bank.bank.title}"
        return f"Question {ref}"

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """The palette's own entries a learner has a use for: the theme, help and quit (not
        Textual's developer tools such as screenshots and the widget key panel)."""
        yield SystemCommand("Help", "Every key, in one place", self.action_help)
        for command in super().get_system_commands(screen):
            if command.title in ("Theme", "Quit"):
                yield command

    def action_help(self) -> None:
        from tutor.tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def lesson_question_ids(self, lesson_id: str) -> list[str]:
        assert self.course is not None
        return [e.id for e in self.course.resolve(lesson_id)]
