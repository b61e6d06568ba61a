"""Continue: a quiz left in the middle resumes where it was; a finished one goes on to the next
lesson; the quiz in progress survives a kill -9 (issue 11, item 9)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from tests.conftest import FIXTURES, REPO, wait_for_course, wait_until
from tutor.content.loader import load_course
from tutor.progress.store import ProgressStore
from tutor.quiz.session import QuizSession
from tutor.tui.app import StartAt, TutorApp

COURSE = FIXTURES / "app-course"

SECOND_LESSON = """\
id: second
title: After Huber
summary: What comes next.
order: 2
sections:
  - title: Onwards
    body: More.
"""


def two_lessons(tmp_path: Path) -> Path:
    root = tmp_path / "course"
    shutil.copytree(COURSE, root)
    (root / "lessons" / "second.yaml").write_text(SECOND_LESSON, encoding="utf-8")
    return root


def make_app(tmp_path: Path, course: Path = COURSE, start: StartAt | None = None) -> TutorApp:
    app = TutorApp(course, ProgressStore(tmp_path / "progress"), start, warm_up=False)
    app.clock = lambda: 0.0
    return app


async def answer_first_right(app, pilot) -> None:
    session = app.screen.session
    p = session.current.variant.values["p"]
    for ch in f"-log({p})":
        await pilot.press(ch)
    await pilot.press("enter")
    await wait_until(pilot, lambda: session.current.answered)
    await wait_for_course(app, pilot)


async def test_continue_after_leaving_midway_resumes_the_same_question_variants_and_answers(tmp_path):
    app = make_app(tmp_path, start=StartAt("quiz", "basics"))
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_for_course(app, pilot)
        session = app.screen.session
        await answer_first_right(app, pilot)
        await pilot.press("ctrl+n")
        await pilot.pause()
        await pilot.press("ctrl+g")  # a hint on question 2
        await pilot.pause()
        seeds = [s.variant.seed for s in session.states]
        await pilot.press("escape")  # leave: the results of what was answered
        await wait_for_course(app, pilot)
        assert type(app.screen).__name__ == "ResultsScreen"
        await pilot.press("escape")
        await wait_for_course(app, pilot)
        assert type(app.screen).__name__ == "HomeScreen"
        label = str(app.screen.query_one("#continue").render())
        # the bank is the lesson's whole quiz: kept, and named, as the lesson's
        assert "Quiz: Huber in brief" in label and "question 2 of 5" in label
        assert "basics" not in label  # the title, never the bank id
        await pilot.press("c")
        await wait_for_course(app, pilot)
        resumed = app.screen.session
        assert resumed is not session
        assert resumed.index == 1
        assert [s.variant.seed for s in resumed.states] == seeds
        assert resumed.states[0].best == 1.0 and resumed.states[0].answered
        assert resumed.states[1].hints_shown == 1
        assert "Question 2 of 5" in str(app.screen.query_one("#status").render())


async def test_continue_after_a_finished_quiz_opens_the_next_lesson(tmp_path):
    app = make_app(tmp_path, course=two_lessons(tmp_path), start=StartAt("quiz", "basics"))
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_for_course(app, pilot)
        for _ in range(5):
            await pilot.press("ctrl+n")  # skip through to the end
            await pilot.pause()
        await wait_for_course(app, pilot)
        assert type(app.screen).__name__ == "ResultsScreen"
        await pilot.press("escape")
        await wait_for_course(app, pilot)
        assert "After Huber" in str(app.screen.query_one("#continue").render())
        await pilot.press("c")
        await wait_for_course(app, pilot)
        assert type(app.screen).__name__ == "LessonScreen"
        assert app.screen.lesson.id == "second"


def test_a_saved_quiz_is_not_resumed_into_a_changed_course(tmp_path):
    course = load_course(COURSE)
    entries = course.resolve("basics")
    session = QuizSession(entries, seed=4)
    session.advance()
    data = session.snapshot("basics")
    assert QuizSession.restore(entries, data).index == 1
    assert QuizSession.restore(entries[1:], data) is None  # a question removed
    other = json.loads(json.dumps(data))
    other["questions"][0]["seed"] += 1  # the variant would differ
    assert QuizSession.restore(entries, other) is None
    for junk in (None, [], {"questions": "x"}, {**data, "index": 99}, {**data, "index": True}):
        assert QuizSession.restore(entries, junk) is None


def test_a_damaged_old_quizzes_file_is_reported_and_kept(tmp_path):
    store = ProgressStore(tmp_path)
    tmp_path.mkdir(exist_ok=True)
    store.quizzes_path.write_bytes(b"\xff{not json")
    assert store.quiz("basics") is None
    assert "could not be read" in (store.skipped_report() or "")
    store.save_quiz("basics", {"index": 0})
    assert ProgressStore(tmp_path).quiz("basics") == {"index": 0}
    assert store.quizzes_path.read_bytes() == b"\xff{not json"  # the old file is left as it is


CHILD = textwrap.dedent(
    """
    import asyncio, sys
    from pathlib import Path
    from tests.conftest import wait_for_course, wait_until
    from tutor.progress.store import ProgressStore
    from tutor.tui.app import StartAt, TutorApp

    async def main():
        app = TutorApp(Path(sys.argv[1]), ProgressStore(Path(sys.argv[2])), StartAt("quiz", "basics"),
                       warm_up=False)
        async with app.run_test(size=(100, 40)) as pilot:
            await wait_for_course(app, pilot)
            session = app.screen.session
            p = session.current.variant.values["p"]
            for ch in f"-log({p})":
                await pilot.press(ch)
            await pilot.press("enter")
            await wait_until(pilot, lambda: session.current.answered)
            await pilot.press("ctrl+n")
            await wait_until(pilot, lambda: session.index == 1)
            print(" ".join(str(s.variant.seed) for s in session.states), flush=True)
            await asyncio.sleep(3600)  # killed here

    asyncio.run(main())
    """
)


async def test_the_quiz_in_progress_survives_kill_9(tmp_path):
    data = tmp_path / "progress"
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(COURSE), str(data)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    try:
        assert child.stdout is not None
        line = child.stdout.readline()  # blocks until the child has answered and moved on
        seeds = [int(x) for x in line.split()]
        assert len(seeds) == 5
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=60)
    assert child.returncode == -signal.SIGKILL
    (graded,) = ProgressStore(data).attempts()  # the graded attempt was committed before the kill
    assert graded.question == "q-log" and graded.verdict == "correct" and graded.quiz == "huber"
    assert graded.seed == seeds[0] and graded.answer.startswith("-log(")

    app = make_app(tmp_path)
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_for_course(app, pilot)
        await pilot.press("c")
        await wait_for_course(app, pilot)
        session = app.screen.session
        assert session.index == 1
        assert [s.variant.seed for s in session.states] == seeds
        assert session.states[0].best == 1.0


async def test_the_results_show_each_answer_and_a_row_opens_its_feedback_and_solution(tmp_path):
    app = make_app(tmp_path, start=StartAt("quiz", "basics", seed=2))
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_for_course(app, pilot)
        session = app.screen.session
        p = session.current.variant.values["p"]
        for ch in f"-log10({p})":  # the authored mistake
            await pilot.press(ch)
        await pilot.press("enter")
        await wait_until(pilot, lambda: session.current.answered)
        await wait_for_course(app, pilot)
        await pilot.press("ctrl+n")
        await pilot.pause()
        await pilot.press("escape")
        await wait_for_course(app, pilot)
        results = app.screen
        assert type(results).__name__ == "ResultsScreen"
        table = results.query_one("DataTable")
        row = table.get_row_at(0)
        assert row[1].startswith("What is −log(p) for p =")
        assert row[2] == f"-log10({p})"
        assert row[3] == "✗ Incorrect"
        await pilot.press("enter")  # open the first row
        await wait_for_course(app, pilot)
        assert type(app.screen).__name__ == "QuestionReview"
        text = str(app.screen.query_one("#review-text").source)
        assert f"-log10({p})" in text and "base-10" in text  # the answer and its feedback
        assert "Worked solution" in text and f"−log({p})" in text
        await pilot.press("escape")
        await wait_for_course(app, pilot)
        assert app.screen is results


async def test_a_damaged_quiz_in_progress_is_reported_and_c_starts_afresh(tmp_path):
    folder = tmp_path / "progress"
    folder.mkdir()
    (folder / "state.json").write_text('{"last": {"kind": "quiz", "ref": "basics"}}', encoding="utf-8")
    (folder / "quizzes.json").write_text('{"basics": {"index": "two", "questions": 7}', encoding="utf-8")
    app = make_app(tmp_path)
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_for_course(app, pilot)
        assert any("quiz in progress" in str(n.message) for n in app._notifications)
        await pilot.press("c")
        await wait_for_course(app, pilot)
        assert type(app.screen).__name__ == "QuizScreen" and app.screen.session.index == 0
    # a well-formed saved quiz that does not fit the course: a fresh quiz, and said
    ProgressStore(folder).save_quiz("huber", {"index": 1, "questions": [], "base_seed": 3})
    app = make_app(tmp_path)
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_for_course(app, pilot)
        await pilot.press("c")
        await wait_for_course(app, pilot)
        assert type(app.screen).__name__ == "QuizScreen" and app.screen.session.index == 0
        assert any("could not be resumed" in str(n.message) for n in app._notifications)


async def test_t_on_the_lesson_resumes_its_quiz_with_the_answer_and_feedback_put_back(tmp_path):
    app = make_app(tmp_path, start=StartAt("lesson", "huber"))
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_for_course(app, pilot)
        await pilot.press("t")
        await wait_for_course(app, pilot)
        session = app.screen.session
        p = session.current.variant.values["p"]
        for ch in f"-log10({p})":  # the authored mistake: graded, left standing
            await pilot.press(ch)
        await pilot.press("enter")
        await wait_until(pilot, lambda: session.current.answered)
        await wait_for_course(app, pilot)
        await pilot.press("escape")  # leave midway: the results
        await wait_for_course(app, pilot)
        await pilot.press("escape")
        await wait_for_course(app, pilot)
        assert type(app.screen).__name__ == "LessonScreen"
        call = str(app.screen.query_one("#quiz-call").render())
        assert "go on with your quiz: question 1 of" in call  # t resumes it, and the lesson says so
        await pilot.press("t")  # the lesson's quiz: the one left in the middle, not a fresh one
        await wait_for_course(app, pilot)
        screen = app.screen
        assert type(screen).__name__ == "QuizScreen" and screen.session is not session
        assert screen.session.current.variant.values["p"] == p
        await wait_until(pilot, lambda: screen.query_one("#answer-input").value == f"-log10({p})")
        assert "base-10" in str(screen.query_one("FeedbackPanel").render())
        assert any("Resumed where you left off" in str(n.message) for n in app._notifications)


async def test_again_on_the_results_starts_afresh_even_after_leaving_midway(tmp_path):
    app = make_app(tmp_path, start=StartAt("quiz", "basics"))
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_for_course(app, pilot)
        await answer_first_right(app, pilot)
        await pilot.press("ctrl+n")
        await pilot.pause()
        await pilot.press("escape")
        await wait_for_course(app, pilot)
        assert type(app.screen).__name__ == "ResultsScreen"
        app.screen.action_again()
        await wait_for_course(app, pilot)
        fresh = app.screen.session
        assert fresh.index == 0 and not any(s.answered for s in fresh.states)


def test_open_quiz_resumes_only_a_quiz_in_progress_and_only_without_a_seed(tmp_path):
    from tutor.quiz.resume import CHANGED, open_quiz

    entries = load_course(COURSE).resolve("basics")
    left = QuizSession(entries, seed=4)
    left.advance()
    saved = json.loads(json.dumps(left.snapshot("basics")))
    assert open_quiz(entries, saved).session.index == 1
    assert open_quiz(entries, saved, seed=9).session.index == 0  # particular variants asked for
    assert open_quiz(entries, saved, resume=False).session.index == 0
    assert open_quiz(entries, {**saved, "completed": True}).session.index == 0  # finished: afresh
    changed = open_quiz(entries[1:], saved, resume=True)
    assert changed.session.index == 0 and changed.notice == CHANGED
    for junk in (None, "x", {"index": "1"}, {"questions": [], "index": 0}):
        assert open_quiz(entries, junk).session.index == 0  # never raises on a damaged record


def test_plain_mode_keeps_the_quiz_and_the_same_command_resumes_it(tmp_path):
    from click.testing import CliRunner

    from tutor.cli import main

    env = {"TUTOR_DATA_DIR": str(tmp_path / "data")}
    runner = CliRunner()
    args = ["quiz", "basics", "--plain", "--course", str(COURSE)]
    first = runner.invoke(main, args, input="skip\nquit\n", env=env)
    assert "Left at question 2 of 5" in first.output
    assert "The same command resumes" in first.output
    again = runner.invoke(main, args, input="quit\n", env=env)
    assert "Resumed where you left off: question 2 of 5." in again.output
    assert "Question 2 of 5" in again.output and "Question 1 of 5" not in again.output
    fresh = runner.invoke(main, [*args, "--fresh"], input="quit\n", env=env)
    assert "Question 1 of 5" in fresh.output and "Resumed" not in fresh.output


async def test_a_quiz_opened_from_another_quiz_takes_its_place_so_leaving_goes_home(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_for_course(app, pilot)
        app.start_quiz("basics")
        await wait_for_course(app, pilot)
        first = app.screen
        assert type(first).__name__ == "QuizScreen"
        app.start_quiz("huber")  # as the command palette does, from inside the first quiz
        await wait_for_course(app, pilot)
        assert type(app.screen).__name__ == "QuizScreen" and app.screen is not first
        await pilot.press("escape")  # nothing answered: straight out
        await wait_for_course(app, pilot)
        assert type(app.screen).__name__ == "HomeScreen"


async def test_the_results_table_fits_80_columns_with_long_titles_answers_and_outcomes(tmp_path):
    from tutor.quiz.session import Summary, SummaryRow
    from tutor.tui.screens.results import ResultsScreen

    rows = tuple(
        SummaryRow(f"q{i}", "A long question title " * 3, verdict, 0.5, 3, (), answer="x + " * 20)
        for i, verdict in enumerate(["undecided", "partial", "correct"])
    )
    summary = Summary(0.5, 1, 3, 100.0, rows, revisit=("q0", "q1"))
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_course(app, pilot)
        app.push_screen(ResultsScreen(summary, "Quiz: Basics", "basics"))
        await wait_for_course(app, pilot)
        table = app.screen.query_one("DataTable")
        assert table.virtual_size.width <= table.region.width  # Tries, the last column, is on screen
        assert table.get_row_at(0)[1].endswith("…") and table.get_row_at(0)[2].endswith("…")


def test_a_bank_that_is_its_lesson_s_quiz_is_kept_as_the_lesson_s_one_quiz():
    from tutor.content.builtin import builtin_course_root
    from tutor.quiz.resume import quiz_key

    course = load_course(builtin_course_root())
    assert quiz_key(course, "loss-basics") == "what-is-a-loss"  # `tutor quiz loss-basics` and `t`
    assert quiz_key(course, "what-is-a-loss") == "what-is-a-loss"
    one = next(iter(course.questions))
    assert quiz_key(course, one) == one  # a single question is its own quiz
    assert quiz_key(course, "no-such-thing") == "no-such-thing"


async def test_an_answer_typed_and_not_checked_is_put_back_when_the_quiz_is_resumed(tmp_path):
    app = make_app(tmp_path, start=StartAt("lesson", "huber"))
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_for_course(app, pilot)
        await pilot.press("t")
        await wait_for_course(app, pilot)
        await wait_until(pilot, lambda: app.focused is not None)
        for ch in "0.25+":  # half typed, never checked
            await pilot.press(ch)
        await pilot.press("escape")  # nothing answered: back to the lesson
        await wait_for_course(app, pilot)
        assert type(app.screen).__name__ == "LessonScreen"
    app = make_app(tmp_path, start=StartAt("lesson", "huber"))  # another day
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_for_course(app, pilot)
        await pilot.press("t")
        await wait_for_course(app, pilot)
        screen = app.screen
        await wait_until(pilot, lambda: screen.query_one("#answer-input").value == "0.25+")
        assert screen.query_one("#answer-input").value == "0.25+"
        assert screen.session.current.attempts == 0  # a draft, not an answer


def test_a_draft_is_kept_with_the_quiz_and_a_damaged_one_is_ignored(tmp_path):
    course = load_course(COURSE)
    entries = course.resolve("huber")
    session = QuizSession(entries, seed=3)
    session.keep_draft("1/2")
    saved = session.snapshot("huber")
    assert QuizSession.restore(entries, saved).current.draft == "1/2"
    saved["questions"][0]["draft"] = {"text": ["not", "text"]}
    assert QuizSession.restore(entries, saved).current.draft is None
