"""The app driven as a learner would, through Textual's pilot. Tests wait on workers, never sleep."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, REPO, wait_for_course
from tutor.progress.store import ProgressStore
from tutor.tui.app import StartAt, TutorApp

COURSE = FIXTURES / "app-course"


def make_app(tmp_path: Path, start: StartAt | None = None) -> TutorApp:
    app = TutorApp(COURSE, ProgressStore(tmp_path / "progress"), start, warm_up=False)
    app.clock = lambda: 0.0
    return app


async def settle(app, pilot) -> None:
    await wait_for_course(app, pilot)


def feedback(app) -> str:
    return str(app.screen.query_one("#feedback").render())


async def type_text(pilot, text: str) -> None:
    for ch in text:
        await pilot.press(ch if ch != " " else "space")


async def previewed(app, pilot) -> str:
    """The preview line, once the reading of what was typed (in a worker) has arrived."""
    await app.workers.wait_for_complete()
    await pilot.pause()
    return str(app.screen.query_one(".preview").render())


async def test_home_lists_lessons_and_opens_one_with_its_computed_numbers(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        items = app.screen.query("LessonItem")
        assert [i.lesson_id for i in items] == ["huber"]
        await pilot.press("enter")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "LessonScreen"
        text = " ".join(str(m.source) for m in app.screen.query("LessonText"))
        # 0.125 + 0.5 + 2.5, computed by the lesson's values, not typed
        assert "add up to 3.125" in text
        formula = str(app.screen.query_one("FormulaBlock").render())
        assert "L(e, delta) =" in formula and "δ" in formula


async def test_the_plot_control_changes_the_curve_and_its_readout(tmp_path):
    app = make_app(tmp_path, StartAt("lesson", "huber"))
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(app, pilot)
        panel = app.screen.query_one("PlotPanel")
        panel.focus()
        await pilot.pause()
        readout = lambda: str(panel.query_one(".readout").render())  # noqa: E731
        # cursor at e = 1.5, δ = 1: linear piece 1·(1.5 − 0.5) = 1
        assert "Huber: 1 ·" in readout()
        await pilot.press("right")
        # δ = 1.5: 1.5 is inside, so 1.5²/2 = 1.125
        assert "Huber: 1.125" in readout()
        assert "delta = 1.5" in readout()


async def test_a_quiz_answered_unreadable_wrong_then_right(tmp_path):
    app = make_app(tmp_path, StartAt("quiz", "basics", seed=7))
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(app, pilot)
        screen = app.screen
        assert type(screen).__name__ == "QuizScreen"
        session = screen.session
        p = session.current.variant.values["p"]

        await type_text(pilot, "-log(")
        assert "cannot read: the expression ends after `(`" in await previewed(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        assert "Cannot read" in feedback(app)
        assert session.current.attempts == 0  # an unreadable answer costs nothing

        screen.query_one("Input").value = ""
        await type_text(pilot, "1000")
        await pilot.press("enter")
        await settle(app, pilot)
        assert "✗ Incorrect" in feedback(app)
        assert session.current.attempts == 1

        screen.query_one("Input").value = ""
        await type_text(pilot, f"-log10({p})")
        await pilot.press("enter")
        await settle(app, pilot)
        assert "base-10" in feedback(app)  # the authored mistake's feedback

        screen.query_one("Input").value = ""
        await type_text(pilot, f"-ln({p})")
        assert "reads as: −ln(" in await previewed(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        assert "✓ Correct" in feedback(app)
        assert session.current.best == 1.0
        # the attempts reached the store, so progress survives the app
        saved = ProgressStore(tmp_path / "progress").attempts()
        assert [a.verdict for a in saved] == ["incorrect", "incorrect", "correct"]


async def test_hints_cost_score_and_the_solution_is_for_this_variant(tmp_path):
    app = make_app(tmp_path, StartAt("quiz", "basics", seed=3))
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(app, pilot)
        screen = app.screen
        session = screen.session
        p = session.current.variant.values["p"]
        await pilot.press("ctrl+g")
        hints = screen.query_one("#hints")
        assert hints.display and "Natural log" in str(hints.source)
        assert "50%" in str(hints.source)
        await type_text(pilot, f"-log({p})")
        await pilot.press("enter")
        await settle(app, pilot)
        assert session.current.best == pytest.approx(0.5)
        assert "this question earns 0.5" in feedback(app)

        await pilot.press("ctrl+o")
        solution = str(screen.query_one("#solution").source)
        assert f"−log({p})" in solution and f"{-math.log(p):.4g}" in solution


async def test_retry_gives_a_fresh_variant(tmp_path):
    app = make_app(tmp_path, StartAt("quiz", "basics", seed=3))
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(app, pilot)
        session = app.screen.session
        seeds = {session.current.variant.seed}
        for _ in range(3):
            await pilot.press("ctrl+r")
            await pilot.pause()
            seeds.add(session.current.variant.seed)
        assert len(seeds) == 4
        prompt = str(app.screen.query_one("#prompt").source)
        assert str(session.current.variant.values["p"]) in prompt


async def test_every_question_type_of_the_quiz_then_the_results(tmp_path):
    app = make_app(tmp_path, StartAt("quiz", "basics", seed=1))
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(app, pilot)
        screen = app.screen
        session = screen.session
        p = session.current.variant.values["p"]
        await type_text(pilot, f"-log({p})")
        await pilot.press("enter")
        await settle(app, pilot)
        await pilot.press("enter")  # after a right answer, enter goes on
        await pilot.pause()
        assert session.index == 1

        await type_text(pilot, "2(y_hat - y)")
        await pilot.press("enter")
        await settle(app, pilot)
        assert "✓ Correct" in feedback(app)
        await pilot.press("ctrl+n")
        await pilot.pause()

        await pilot.press("b")  # choice by letter
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert "✓ Correct" in feedback(app) and "linear" in feedback(app)
        await pilot.press("ctrl+n")
        await pilot.pause()

        inputs = list(screen.query("Input"))
        assert len(inputs) == 2  # one input per step
        await type_text(pilot, "2(y_hat - y)")
        await pilot.press("enter")  # moves to the next step
        await type_text(pilot, "2(y_hat - y)")
        await pilot.press("enter")
        await settle(app, pilot)
        assert "Partly correct" in feedback(app)
        assert "2." in feedback(app)
        await pilot.press("ctrl+n")
        await pilot.pause()

        await type_text(pilot, "outliers do not dominate")
        await pilot.press("ctrl+s")  # first: the model answer and the rubric
        await pilot.pause()
        assert screen.query_one("#rubric-box").display
        await pilot.press("space")  # tick the first rubric point
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert "Partly correct" in feedback(app)
        await pilot.press("ctrl+n")
        await settle(app, pilot)

        results = app.screen
        assert type(results).__name__ == "ResultsScreen"
        table = results.query_one("DataTable")
        assert table.row_count == 5
        outcomes = [table.get_row_at(i)[3] for i in range(5)]
        assert outcomes == ["✓ Correct", "✓ Correct", "✓ Correct", "◐ Partly correct", "◐ Partly correct"]
        assert "To revisit (2, " in str(results.query_one("#revisit").render())


async def test_help_lists_the_keys(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert type(app.screen).__name__ == "HelpScreen"
        text = str(app.screen.query_one("Markdown").source)
        for key in ("ctrl+g", "ctrl+o", "ctrl+r", "ctrl+n", "ctrl+p"):
            assert key in text
        await pilot.press("escape")
        assert type(app.screen).__name__ == "HomeScreen"


async def test_a_broken_course_is_a_notice_not_a_crash(tmp_path, make_course):
    root = make_course(questions={"bad.yaml": "bank: b\ntitle: B\nquestions: [{id: x, type: numeric}]\n"})
    app = TutorApp(root, ProgressStore(tmp_path / "progress"), warm_up=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        notices = app.screen.query_one("#notices")
        assert notices.display
        assert "bad.yaml" in str(app.screen.query_one("#notice-text").render())


async def test_the_command_palette_opens_a_lesson(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await type_text(pilot, "open lesson huber")
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("enter")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "LessonScreen"


async def test_a_grade_that_takes_too_long_lets_the_learner_go_on(tmp_path, monkeypatch):
    import threading

    from tutor.tui.screens import quiz as quiz_screen

    monkeypatch.setattr(quiz_screen, "GRADE_PATIENCE", 0.05)
    release = threading.Event()
    app = make_app(tmp_path, StartAt("quiz", "basics", seed=1))
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(app, pilot)
        screen = app.screen
        real_submit = screen.session.submit

        def stuck(answer):
            release.wait(5)  # a grader stuck past every cap
            return real_submit(answer)

        screen.session.submit = stuck
        await type_text(pilot, "1")
        await pilot.press("enter")
        for _ in range(100):
            if "Could not decide" in feedback(app):
                break
            await pilot.pause(0.01)
        assert "Could not decide in time" in feedback(app)
        assert not screen.grading and not screen.query_one("#check").disabled
        release.set()
        await app.workers.wait_for_complete()


async def test_the_theme_chosen_is_kept_for_next_time(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        app.theme = "ansi-dark"  # the terminal's own colours
        await pilot.pause()
    again = make_app(tmp_path)
    async with again.run_test(size=(100, 30)) as pilot:
        await settle(again, pilot)
        assert again.theme == "ansi-dark"


# ---------------------------------------------------------------- the record and the grader never end the app


def notifications(app) -> list[str]:
    return [n.message for n in app._notifications]


async def test_a_folder_that_cannot_be_written_is_said_once_and_quizzes_still_open(tmp_path):
    # A folder under a regular file cannot be created even by root, unlike a chmod-ed one.
    (tmp_path / "a-file").write_text("", encoding="utf-8")
    folder = tmp_path / "a-file" / "progress"
    app = TutorApp(COURSE, ProgressStore(folder), StartAt("quiz", "basics", seed=7), warm_up=False)
    app.clock = lambda: 0.0
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(app, pilot)
        screen = app.screen
        assert type(screen).__name__ == "QuizScreen"
        for answer in ("1000", "2000"):
            screen.query_one("Input").value = answer
            await pilot.press("enter")
            await settle(app, pilot)
            assert "✗ Incorrect" in feedback(app)
        said = [m for m in notifications(app) if "cannot be saved" in m]
        assert len(said) == 1
        assert said[0].startswith(f"Progress cannot be saved to {folder}: Not a directory.")
        assert app.is_running and screen.session.current.attempts == 2


async def test_a_record_another_tutor_holds_is_said_at_once_and_written_when_it_is_free(tmp_path):
    # It showed nothing for 623 s, then "database is locked" (issue 23, item 3).
    import sqlite3

    folder = tmp_path / "progress"
    made = ProgressStore(folder)
    made.set_state(theme="textual-dark")
    made.close()
    other = sqlite3.connect(folder / "progress.sqlite3", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    store = ProgressStore(folder)
    app = TutorApp(COURSE, store, StartAt("quiz", "basics", seed=7), warm_up=False)
    app.clock = lambda: 0.0
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(app, pilot)
        screen = app.screen
        assert type(screen).__name__ == "QuizScreen"
        said = [m for m in notifications(app) if "Another tutor is using your record" in m]
        assert len(said) == 1 and str(folder / "progress.sqlite3") in said[0]
        screen.query_one("Input").value = "1000"
        await pilot.press("enter")
        await settle(app, pilot)
        assert "✗ Incorrect" in feedback(app) and app.is_running
        other.execute("COMMIT")
        other.close()
        assert store.retry()
        await settle(app, pilot)
        assert any("free again" in m for m in notifications(app)), notifications(app)
    again = ProgressStore(folder)
    assert [a.answer for a in again.attempts()] == ["1000"]
    again.close()


async def test_a_damaged_record_is_reported_and_the_app_starts(tmp_path):
    folder = tmp_path / "progress"
    folder.mkdir()
    (folder / "attempts.jsonl").write_bytes(
        b'{"question": "q-log", "verdict": "correct", "score": 1, "seed": 1}\n'
        b'{"question": "q-grad", "verdict": "caf\xc3\n'
        b"null\n"
        b'{"question": "q-grad", "verdict": "correct", "score": "1", "seed": 1}\n'
    )
    (folder / "state.json").write_text('{"last": 5, "opened": 3, "theme": 7}', encoding="utf-8")
    app = make_app(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        assert [i.lesson_id for i in app.screen.query("LessonItem")] == ["huber"]
        said = [m for m in notifications(app) if "could not be read" in m]
        assert len(said) == 1 and "(lines 2, 3, 4)" in said[0]
        await pilot.press("c")  # continue, with no usable "last": opens the selected lesson
        await settle(app, pilot)
        assert type(app.screen).__name__ == "LessonScreen"
        assert app.store.best() == {"q-log": 1.0}


@pytest.mark.parametrize("state", [b"42", b"[]", b"null", b'"x"', b"\xff\xfe{"])
async def test_a_state_file_of_the_wrong_type_does_not_stop_the_app(tmp_path, state):
    folder = tmp_path / "progress"
    folder.mkdir()
    (folder / "state.json").write_bytes(state)
    app = make_app(tmp_path, StartAt("quiz", "basics", seed=1))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        assert type(app.screen).__name__ == "QuizScreen"
    # kept under its lesson's name: the bank is the lesson's whole quiz
    assert ProgressStore(folder).state()["last"] == {"kind": "quiz", "ref": "huber"}


async def test_a_grader_that_fails_is_could_not_decide_on_screen(tmp_path, monkeypatch):
    import tutor.grading.grader as grader

    def broken(variant, answer):
        raise ValueError("bad value(s) in fds_to_keep")

    monkeypatch.setattr(grader, "grade", broken)
    app = make_app(tmp_path, StartAt("quiz", "basics", seed=1))
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(app, pilot)
        screen = app.screen
        screen.query_one("Input").value = "0.5"
        await pilot.press("enter")
        await settle(app, pilot)
        assert "Could not decide" in feedback(app) and "fds_to_keep" in feedback(app)
        assert app.is_running and app.screen is screen and screen.session.current.attempts == 0


async def test_a_grading_worker_that_raises_does_not_end_the_app(tmp_path):
    app = make_app(tmp_path, StartAt("quiz", "basics", seed=1))
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(app, pilot)
        screen = app.screen

        def broken(answer):
            raise ValueError("bad value(s) in fds_to_keep")

        screen.session.submit = broken
        screen.query_one("Input").value = "0.5"
        await pilot.press("enter")
        await settle(app, pilot)
        assert "Could not decide" in feedback(app)
        assert app.is_running and app.screen is screen and not screen.grading


async def test_a_choice_picked_through_says_its_cost_and_the_results_show_what_was_earned(tmp_path):
    app = make_app(tmp_path, StartAt("quiz", "q-choice", seed=1))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        status = lambda: str(app.screen.query_one("#status").render())  # noqa: E731
        assert "each further try costs 100%" in status()  # two options: 1/(2 − 1)
        await pilot.press("a")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert "✗ Incorrect" in feedback(app)
        assert "next try earns at most 0%" in status()
        await pilot.press("b")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert "✓ Correct · this question earns 0" in feedback(app) and "earlier tries" in feedback(app)
        await pilot.press("ctrl+n")
        await settle(app, pilot)
        table = app.screen.query_one("DataTable")
        assert table.get_row_at(0)[3:] == ["✓ Correct", "0", "2"]


async def test_a_custom_course_never_shows_the_built_in_subtitle(tmp_path):
    from tutor.tui.app import TutorApp as App

    app = App(COURSE, ProgressStore(tmp_path / "progress"), warm_up=False)
    assert app.sub_title != App.SUB_TITLE  # not even in the first frame, before the index is read
    async with app.run_test(size=(100, 30)) as pilot:
        assert app.sub_title != App.SUB_TITLE
        await settle(app, pilot)
        assert app.sub_title != App.SUB_TITLE
    builtin = App(REPO, ProgressStore(tmp_path / "builtin"), warm_up=False)
    assert builtin.sub_title == App.SUB_TITLE


async def test_a_plot_says_how_to_reach_its_keys_and_tells_its_curves_apart_by_shape(tmp_path):
    app = make_app(tmp_path, StartAt("lesson", "huber"))
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(app, pilot)
        panel = app.screen.query_one("PlotPanel")
        readout = lambda: str(panel.query_one(".readout").render())  # noqa: E731
        assert "tab to this plot, then ←/→ change" in readout()  # its keys need focus: said
        panel.focus()
        await pilot.pause()
        assert "tab to this plot" not in readout() and "←/→ change" in readout()
        first = readout().splitlines()[0]
        curves = first.split(": ", 1)[1].split(" · ")
        marks = [c.split(" ", 1)[0] for c in curves]
        assert len(curves) >= 2 and len(set(marks)) == len(marks)  # one shape each, named
        # no legend drawn over the curves (the readout is the legend)
        plot = panel.query_one("PlotextPlot")
        drawn = "\n".join(plot.render_line(y).text for y in range(plot.size.height))
        labels = [c.split(" ", 1)[1].split(":")[0] for c in curves]
        assert drawn.strip() and not any(label in drawn for label in labels)
