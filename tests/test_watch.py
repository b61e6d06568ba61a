"""`--watch`: `tutor check --watch` checks again after each change; the app reads the course again
and shows the new version where the author was, or what is wrong at file:line."""

from __future__ import annotations

import shutil
from pathlib import Path

from click.testing import CliRunner

from tests.conftest import FIXTURES, wait_for_course, wait_until
from tutor.cli import main
from tutor.progress.store import ProgressStore
from tutor.tui.app import StartAt, TutorApp


def copy_course(tmp_path: Path) -> Path:
    root = tmp_path / "course"
    shutil.copytree(FIXTURES / "app-course", root)
    return root


def test_check_watch_checks_again_after_each_change(tmp_path, monkeypatch):
    import tutor.content.watch as watch

    root = copy_course(tmp_path)
    lesson = root / "lessons" / "huber.yaml"

    def changes(roots, stop=None):
        assert [Path(r) for r in roots] == [root.resolve()]
        lesson.write_text(lesson.read_text(encoding="utf-8").replace("id: huber", "id: Huber"), "utf-8")
        yield {lesson}

    monkeypatch.setattr(watch, "course_changes", changes)
    result = CliRunner().invoke(main, ["check", "--watch", "--seeds", "1", str(root)])
    runs = result.output.split("── tutor check, ")[1:]
    assert len(runs) == 2, result.output
    assert "error" not in runs[0]
    assert "huber.yaml:1:5: " in runs[1] and "`id` must be lower-case letters" in runs[1]
    assert result.exit_code == 0  # watching ended (here: the changes ran out), not a failure


async def test_a_changed_lesson_is_shown_again_at_the_same_section(tmp_path):
    from tutor.content.loader import load_course
    from tutor.tui.screens.lesson import LessonScreen
    from tutor.tui.watch import static_problems

    root = copy_course(tmp_path)
    app = TutorApp(root, ProgressStore(tmp_path / "p"), StartAt("lesson", "huber"), warm_up=False, watch=True)
    app.watcher.start = lambda: None  # the test plays the watcher's part
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_course(app, pilot)
        screen = app.screen
        assert isinstance(screen, LessonScreen)
        screen._go(1)
        await wait_until(pilot, lambda: screen.section_at_top() == 1)
        lesson = root / "lessons" / "huber.yaml"
        lesson.write_text(
            lesson.read_text("utf-8").replace("title: Huber in brief", "title: Huber, again"), "utf-8"
        )
        course = load_course(root)
        app.watcher.show(course, static_problems(course))
        await wait_until(pilot, lambda: app.screen is not screen)
        new = app.screen
        assert isinstance(new, LessonScreen) and new.lesson.title == "Huber, again"
        await wait_until(pilot, lambda: new.current == 1)
        await wait_until(pilot, lambda: new.section_at_top() == 1)
        assert len(app.screen_stack) == 2  # replaced, not stacked: esc still goes home


async def test_a_broken_file_is_said_at_its_line_and_the_lesson_stays(tmp_path):
    from tutor.content.loader import load_course
    from tutor.tui.watch import static_problems

    root = copy_course(tmp_path)
    app = TutorApp(root, ProgressStore(tmp_path / "p"), StartAt("lesson", "huber"), warm_up=False, watch=True)
    app.watcher.start = lambda: None
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_course(app, pilot)
        screen = app.screen
        bank = root / "questions" / "basics.yaml"
        bank.write_text(bank.read_text("utf-8") + "  - [\n", "utf-8")
        course = load_course(root)
        app.watcher.show(course, static_problems(course))
        await pilot.pause()
        assert app.screen is screen  # the lesson did not change, so it stays as it was
        shown = [n.message for n in app._notifications]
        assert any("questions/basics.yaml:" in m and "The course has problems" not in m for m in shown), shown


async def test_the_watcher_sees_a_saved_file(tmp_path):
    # End to end, with the real file watcher: generous waits, never a fixed sleep.
    root = copy_course(tmp_path)
    app = TutorApp(root, ProgressStore(tmp_path / "p"), StartAt("home"), warm_up=False, watch=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_course(app, pilot)
        await wait_until(pilot, lambda: app.watcher.started)
        lesson = root / "lessons" / "huber.yaml"
        for _ in range(20):  # the watcher may start just after a first write
            lesson.write_text(lesson.read_text("utf-8").replace("Huber in brief", "Huber in full"), "utf-8")
            await wait_until(pilot, lambda: app.watcher.reloads > 0, tries=300)
            if app.watcher.reloads:
                break
        assert app.watcher.reloads > 0
        assert app.course.lesson("huber").lesson.title == "Huber in full"
        await app.screen.workers.wait_for_complete()  # home redraws itself from the new course
        await pilot.pause()
    assert app.watcher.stop.is_set()  # the watching thread ends with the app


async def test_a_course_read_again_unchanged_and_then_changed_is_shown_both_times(tmp_path):
    # Saving a file without a change reads the course again: Textual compared the new course
    # with the old one, which recursed without end and ended the watching for good.
    from tutor.content.loader import load_course

    root = copy_course(tmp_path)
    app = TutorApp(root, ProgressStore(tmp_path / "p"), StartAt("home"), warm_up=False, watch=True)
    app.watcher.start = lambda: None  # the test plays the watcher's part
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_course(app, pilot)
        app.watcher.show(load_course(root))  # unchanged
        assert app.watcher.reloads == 1
        lesson = root / "lessons" / "huber.yaml"
        lesson.write_text(lesson.read_text("utf-8").replace("Huber in brief", "Huber in full"), "utf-8")
        app.watcher.show(load_course(root))
        assert app.watcher.reloads == 2
        await wait_until(pilot, lambda: app.course_index.lessons[0].title == "Huber in full")
        assert app.course_index.lessons[0].title == "Huber in full"


async def test_a_change_that_cannot_be_shown_is_said_and_the_next_one_is_still_read(tmp_path, monkeypatch):
    import tutor.content.watch as watch

    root = copy_course(tmp_path)

    def changes(roots, stop=None):
        yield {root / "lessons" / "huber.yaml"}
        yield {root / "lessons" / "huber.yaml"}

    monkeypatch.setattr(watch, "course_changes", changes)
    app = TutorApp(root, ProgressStore(tmp_path / "p"), StartAt("home"), warm_up=False, watch=True)
    shown = app.watcher.show
    calls: list[int] = []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise ValueError("a first reading gone wrong")
        return shown(*args, **kwargs)

    app.watcher.show = flaky
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_course(app, pilot)
        await wait_until(pilot, lambda: app.watcher.reloads == 1)
        assert app.watcher.reloads == 1  # the second change was read and shown
        said = [n.message for n in app._notifications]
        assert any("could not be shown: a first reading gone wrong" in m for m in said), said


async def test_an_open_quiz_shows_the_edited_question_and_keeps_the_answers(tmp_path):
    from tutor.content.loader import load_course
    from tutor.tui.screens.quiz import QuizScreen

    root = copy_course(tmp_path)
    app = TutorApp(
        root, ProgressStore(tmp_path / "p"), StartAt("quiz", "basics", seed=3), warm_up=False, watch=True
    )
    app.watcher.start = lambda: None  # the test plays the watcher's part
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_course(app, pilot)
        screen = app.screen
        assert isinstance(screen, QuizScreen)
        first = screen.session.current
        assert first.entry.id == "q-log"
        screen.session.next_hint()
        screen.session.submit("1000")  # a wrong answer, graded and kept
        bank = root / "questions" / "basics.yaml"
        bank.write_text(
            bank.read_text("utf-8").replace("Three significant figures.", "Give three significant figures."),
            "utf-8",
        )
        app.watcher.show(load_course(root))
        await wait_until(pilot, lambda: app.screen is not screen)
        new = app.screen
        assert isinstance(new, QuizScreen) and len(app.screen_stack) == 2  # replaced, not stacked
        state = new.session.current
        assert state.entry.id == "q-log" and "Give three significant figures." in state.variant.prompt
        assert state.variant.seed == first.variant.seed  # the same numbers
        assert state.result is not None and state.result.verdict == "incorrect"
        assert state.attempts == 1 and state.hints_shown == 1 and state.last_answer == "1000"
        assert not app.watcher.stale_quiz
        await wait_until(pilot, lambda: new.is_mounted and screen.parent is None)
        await app.workers.wait_for_complete()
        await pilot.pause()


async def test_a_quiz_whose_questions_are_gone_is_said_to_be_stale(tmp_path):
    from tutor.content.loader import load_course
    from tutor.tui.screens.quiz import QuizScreen

    root = copy_course(tmp_path)
    app = TutorApp(
        root, ProgressStore(tmp_path / "p"), StartAt("quiz", "basics", seed=3), warm_up=False, watch=True
    )
    app.watcher.start = lambda: None
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_course(app, pilot)
        screen = app.screen
        assert isinstance(screen, QuizScreen)
        bank = root / "questions" / "basics.yaml"
        bank.write_text(bank.read_text("utf-8").replace("bank: basics", "bank: renamed"), "utf-8")
        app.watcher.show(load_course(root))
        await pilot.pause()
        assert app.screen is screen and app.watcher.stale_quiz
        said = [n.message for n in app._notifications]
        assert any("still shows the questions it started with" in m for m in said), said


async def test_the_problems_notice_goes_once_the_course_reads_clean(tmp_path):
    from tutor.content.loader import load_course
    from tutor.tui.watch import static_problems

    root = copy_course(tmp_path)
    app = TutorApp(root, ProgressStore(tmp_path / "p"), StartAt("home"), warm_up=False, watch=True)
    app.watcher.start = lambda: None
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_course(app, pilot)
        bank = root / "questions" / "basics.yaml"
        good = bank.read_text("utf-8")
        bank.write_text(good + "  - [\n", "utf-8")
        course = load_course(root)
        app.watcher.show(course, static_problems(course))
        await pilot.pause()
        assert any(n.title == "The course has problems" for n in app._notifications)
        bank.write_text(good, "utf-8")
        course = load_course(root)
        app.watcher.show(course, static_problems(course))
        await pilot.pause()
        assert not any(n.title == "The course has problems" for n in app._notifications)


async def test_an_answer_typed_but_not_checked_survives_the_refresh(tmp_path):
    from textual.widgets import Input

    from tutor.content.loader import load_course
    from tutor.tui.screens.quiz import QuizScreen

    root = copy_course(tmp_path)
    store = ProgressStore(tmp_path / "p")
    app = TutorApp(root, store, StartAt("quiz", "basics", seed=3), warm_up=False, watch=True)
    app.watcher.start = lambda: None
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_course(app, pilot)
        screen = app.screen
        assert isinstance(screen, QuizScreen)
        await wait_until(pilot, lambda: screen._area is not None and bool(screen._area.query(Input)))
        screen._area.query_one(Input).value = "2.30"
        bank = root / "questions" / "basics.yaml"
        bank.write_text(bank.read_text("utf-8").replace("Natural log.", "The natural log."), "utf-8")
        app.watcher.show(load_course(root))
        await wait_until(pilot, lambda: app.screen is not screen)
        new = app.screen
        assert isinstance(new, QuizScreen)

        def typed() -> str | None:
            area = new._area
            return area.query_one(Input).value if area is not None and area.query(Input) else None

        await wait_until(pilot, lambda: typed() == "2.30")
        assert typed() == "2.30"
        assert new.session.current.attempts == 0  # put back, not checked
        await wait_until(pilot, lambda: new.is_mounted and screen.parent is None)
        await app.workers.wait_for_complete()
        await pilot.pause()
