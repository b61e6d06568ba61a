"""The spaced review and the statistics screen, driven as a learner would (Textual pilot)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import FIXTURES, wait_for_course, wait_until
from tutor.cli import main
from tutor.progress.store import Attempt, ProgressStore
from tutor.tui.app import StartAt, TutorApp

COURSE = FIXTURES / "app-course"
# Fixed clocks: attempts yesterday at 10:00 local time, the app opened today at 10:00.
YESTERDAY = datetime(2026, 3, 9, 10, 0).timestamp()
NOW = datetime(2026, 3, 10, 10, 0).timestamp()


def seeded_store(folder: Path) -> ProgressStore:
    store = ProgressStore(folder, fuzz=False)
    store.record(Attempt("q-log", "incorrect", 0.0, seed=1, notes=("log-base",), at=YESTERDAY, seconds=20.0))
    store.record(Attempt("q-choice", "incorrect", 0.0, seed=1, at=YESTERDAY + 60, seconds=5.0))
    store.record(Attempt("q-grad", "correct", 1.0, seed=1, at=YESTERDAY + 120, seconds=9.0))
    store.close()
    return ProgressStore(folder, fuzz=False)


def app_on(store: ProgressStore, start: StartAt | None = None) -> TutorApp:
    app = TutorApp(COURSE, store, start, warm_up=False)
    app.clock = lambda: 0.0
    app.now = lambda: NOW
    return app


async def test_home_says_what_is_due_and_r_reviews_it_on_fresh_variants(tmp_path):
    store = seeded_store(tmp_path)
    app = app_on(store)
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_for_course(app, pilot)
        assert "Press r to review 3 now · 3 due today, 0 tomorrow" in str(
            app.screen.query_one("#review").render()
        )
        mastery = str(app.screen.query_one("#mastery").render())
        assert "Huber" in mastery and "learning" in mastery  # a bar and its word
        await pilot.press("r")
        await wait_for_course(app, pilot)
        screen = app.screen
        assert type(screen).__name__ == "QuizScreen" and screen.ref is None
        session = screen.session
        assert sorted(s.entry.id for s in session.states) == ["q-choice", "q-grad", "q-log"]
        assert all(s.variant.seed != 1 for s in session.states if s.entry.id == "q-log")
        while session.current.entry.id != "q-log":
            await pilot.press("ctrl+n")  # left unanswered: gave up on it
            await pilot.pause()
        p = session.current.variant.values["p"]
        for ch in f"-log({p})":
            await pilot.press(ch)
        await pilot.press("enter")
        await wait_until(pilot, lambda: session.current.answered)
        await wait_for_course(app, pilot)
    latest = ProgressStore(tmp_path).attempts()[-1]
    assert latest.question == "q-log" and latest.verdict == "correct" and latest.quiz is None
    cards = ProgressStore(tmp_path).cards()
    assert cards["q-log"][1] > NOW  # no longer due


async def test_nothing_due_is_said_and_r_starts_nothing(tmp_path):
    app = app_on(ProgressStore(tmp_path))
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_for_course(app, pilot)
        assert "Nothing due for review today" in str(app.screen.query_one("#review").render())
        assert app.screen.query_one("#mastery").display is False  # nothing answered: no bars yet
        await pilot.press("r")
        await wait_for_course(app, pilot)
        assert type(app.screen).__name__ == "HomeScreen"
        assert any("Nothing is due" in str(n.message) for n in app._notifications)
        await pilot.press("s")  # a new learner's statistics: no empty plots, nothing noted yet
        await wait_for_course(app, pilot)
        assert app.screen.query_one("#plots").display is False
        assert "Streak: 0 days · 0 answers in all" in str(app.screen.query_one("#summary").render())
        assert "No mistakes noted yet" in str(
            app.screen.query_one("#notes").children[0].query_one("Label").render()
        )


async def test_the_statistics_screen_shows_the_record_and_a_mistake_opens_its_lesson(tmp_path):
    app = app_on(seeded_store(tmp_path))
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_for_course(app, pilot)
        await pilot.press("s")
        await wait_for_course(app, pilot)
        screen = app.screen
        assert type(screen).__name__ == "StatsScreen"
        summary = str(screen.query_one("#summary").render())
        assert "Streak: 1 day" in summary and "3 answers in all, 33% right" in summary
        forecast = str(screen.query_one("#forecast").render())
        assert "today" in forecast and forecast.splitlines()[1].rstrip().endswith("3")
        tags = str(screen.query_one("#tags").render())
        assert "Weakest topics" in tags
        notes = screen.query_one("#notes")
        item = notes.children[0]
        assert item.lesson_id == "huber"
        assert "Log10 where ln is meant ×1" in str(item.query_one("Label").render())
        notes.focus()
        await pilot.press("enter")
        await wait_for_course(app, pilot)
        assert type(app.screen).__name__ == "LessonScreen" and app.screen.lesson.id == "huber"
        await pilot.press("escape")
        await wait_for_course(app, pilot)
        assert type(app.screen).__name__ == "StatsScreen"
        await pilot.press("escape")
        await wait_for_course(app, pilot)
        assert type(app.screen).__name__ == "HomeScreen"


async def test_tutor_review_opens_the_app_on_the_review(tmp_path):
    app = app_on(seeded_store(tmp_path), StartAt("review"))
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_for_course(app, pilot)
        assert type(app.screen).__name__ == "QuizScreen" and app.screen.session.total == 3


def test_tutor_review_plain_reviews_the_due_questions(tmp_path, monkeypatch):
    folder = tmp_path / "data"
    store = ProgressStore(folder)
    store.record(Attempt("q-choice", "incorrect", 0.0, seed=1, at=YESTERDAY))
    store.close()
    result = CliRunner().invoke(
        main, ["--data-dir", str(folder), "review", "--plain", "--course", str(COURSE)], input="b\n"
    )
    assert result.exit_code == 0, result.output
    assert "Review: 1 question(s) due." in result.output and "✓ Correct" in result.output
    assert [a.verdict for a in ProgressStore(folder).attempts()] == ["incorrect", "correct"]
    again = CliRunner().invoke(
        main, ["--data-dir", str(folder), "review", "--plain", "--course", str(COURSE)]
    )
    assert again.exit_code == 0 and "Nothing is due for review now" in again.output


def test_progress_export_and_reset_commands(tmp_path):
    folder = tmp_path / "data"
    ProgressStore(folder, learner="Ana").record(Attempt("q-log", "correct", 1.0, seed=3, answer="-log(0.5)"))
    out = tmp_path / "rows.json"
    result = CliRunner().invoke(
        main, ["--data-dir", str(folder), "progress", "export", "--format", "json", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    import json

    (row,) = json.loads(out.read_text(encoding="utf-8"))
    assert row["learner"] == "Ana" and row["question_id"] == "q-log" and row["answer"] == "-log(0.5)"
    refused = CliRunner().invoke(main, ["--data-dir", str(folder), "progress", "reset"], input="n\n")
    assert "Nothing changed" in refused.output and len(ProgressStore(folder).attempts()) == 1
    done = CliRunner().invoke(main, ["--data-dir", str(folder), "progress", "reset"], input="y\n")
    assert done.exit_code == 0 and "kept in" in done.output
    assert ProgressStore(folder).attempts() == [] and list(folder.glob("progress.sqlite3.backup-*"))


async def test_the_learners_name_is_set_once_from_the_palette_and_written_into_attempts(tmp_path):
    app = app_on(ProgressStore(tmp_path))
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_for_course(app, pilot)
        app.ask_learner_name()
        await pilot.pause()
        name = app.screen.query_one("#name")
        name.value = ""
        for ch in "Ana Lima":
            await pilot.press(ch)
        await pilot.press("enter")
        await pilot.pause()
        assert type(app.screen).__name__ == "HomeScreen"
    store = ProgressStore(tmp_path)
    assert store.learner == "Ana Lima"
    store.record(Attempt("q-log", "correct", 1.0, seed=1))
    assert ProgressStore(tmp_path).attempts()[0].learner == "Ana Lima"


async def test_a_frequent_mistake_opens_the_lesson_at_the_section_that_explains_it(tmp_path):
    from tutor.content.builtin import builtin_course_root

    store = ProgressStore(tmp_path)
    note = "forgot-uniform-share"  # a label-smoothing mistake of the softmax lesson
    store.record(Attempt("x", "incorrect", 0.0, seed=1, notes=(note,), at=YESTERDAY))
    app = TutorApp(builtin_course_root(), store, warm_up=False)
    app.now = lambda: NOW
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_for_course(app, pilot)
        await pilot.press("s")
        await wait_for_course(app, pilot)
        label = str(app.screen.query_one("#notes").children[0].query_one("Label").render())
        assert label.startswith("Forgot uniform share ×1") and "in Softmax" in label
        assert "› Label smoothing" in label
        app.screen.query_one("#notes").focus()
        await pilot.press("enter")
        await wait_until(pilot, lambda: getattr(app.screen, "current", 0) != 0)
        lesson = app.screen
        assert type(lesson).__name__ == "LessonScreen" and lesson.lesson.id == "multiclass"
        assert lesson.lesson.sections[lesson.current].title == "Label smoothing"


def test_progress_optimize_says_what_it_needs_when_the_extra_is_missing(tmp_path):
    import importlib.util

    if importlib.util.find_spec("torch") is not None:
        pytest.skip("the optimizer extra is installed here: the command fits parameters instead")
    result = CliRunner().invoke(main, ["--data-dir", str(tmp_path), "progress", "optimize"])
    assert result.exit_code == 1 and "pip install 'tutor[optimizer]'" in result.output


async def test_the_mastery_panel_is_laid_out_again_for_a_narrower_terminal(tmp_path):
    app = app_on(seeded_store(tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_course(app, pilot)
        panel = app.screen.query_one("#mastery")
        assert max(len(line) for line in str(panel.render()).splitlines()) > 46  # drawn for 120
        await pilot.resize_terminal(50, 30)
        await wait_until(pilot, lambda: panel.size.width < 50)
        await pilot.pause()
        lines = str(panel.render()).splitlines()
        assert lines and max(len(line) for line in lines) <= panel.size.width  # nothing wraps


def builtin_course():
    from tests.conftest import REPO
    from tutor.content.loader import load_course

    return load_course(REPO)


def test_a_mistake_is_linked_to_each_lesson_where_it_was_made_and_named_in_words(tmp_path):
    from tutor.quiz.review import lesson_of, note_links

    course = builtin_course()
    lessons = lesson_of(course)
    by_lesson: dict[str, list[str]] = {}
    for qid in course.questions:
        by_lesson.setdefault(lessons[qid], []).append(qid)
    regression, bce = by_lesson["regression"], by_lesson["binary-cross-entropy"]
    store = ProgressStore(tmp_path, fuzz=False)
    for qid in (regression[0], regression[1], bce[0]):
        store.record(Attempt(qid, "incorrect", 0.0, seed=1, notes=("sign",), at=YESTERDAY))
    store.record(Attempt(bce[1], "incorrect", 0.0, seed=1, notes=("wrong-option",), at=YESTERDAY))
    links = note_links(course, store)
    sign = [link for link in links if link.note == "sign"]
    assert [(link.lesson_id, link.count, link.total) for link in sign] == [
        ("regression", 2, 3),
        ("binary-cross-entropy", 1, 3),
    ]
    assert sign[0].name == "sign flipped"
    option = next(link for link in links if link.note == "wrong-option")
    assert option.lesson_id == "binary-cross-entropy"
    for note in ("wrong-option", "self-assessed", "factor-1-over-2", "mse-not-bce"):
        from tutor.content.words import note_name

        assert note_name(note) != note and "-" not in note_name(note), note
    assert note_name("mse-not-bce") == "MSE not BCE"


async def test_weakest_topics_leave_out_question_kinds_and_tags_with_too_few_answers(tmp_path):
    from tests.conftest import REPO
    from tutor.content import model as m

    course = builtin_course()
    tagged: dict[str, list[str]] = {}
    for qid, entry in course.questions.items():
        for tag in getattr(entry.question, "tags", None) or []:
            tagged.setdefault(tag, []).append(qid)
    kind_tag = next(t for t in tagged if t in m.kinds())  # the course tags some by kind
    few = next(t for t, ids in tagged.items() if len(ids) == 1 and t not in m.kinds())
    store = ProgressStore(tmp_path, fuzz=False)
    answered = [*tagged["mse"][:3], *tagged[kind_tag][:3], tagged[few][0]]
    for qid in answered:
        store.record(Attempt(qid, "incorrect", 0.0, seed=1, at=YESTERDAY))
    app = TutorApp(REPO, store, warm_up=False)
    app.clock = lambda: 0.0
    app.now = lambda: NOW
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_for_course(app, pilot)
        await pilot.press("s")
        await wait_for_course(app, pilot)
        text = str(app.screen.query_one("#tags").render())
        weakest, _, rest = text.partition("Too few answers yet:")
        assert "mse" in weakest
        assert f" {kind_tag} " not in weakest and kind_tag not in rest.split(", ")
        assert few in rest and few not in weakest


async def test_one_answer_is_said_in_the_singular(tmp_path):
    store = ProgressStore(tmp_path, fuzz=False)
    store.record(Attempt("q-log", "correct", 1.0, seed=1, at=YESTERDAY))
    app = app_on(store)
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_for_course(app, pilot)
        await pilot.press("s")
        await wait_for_course(app, pilot)
        assert "· 1 answer in all" in str(app.screen.query_one("#summary").render())


def test_the_review_keeps_to_the_days_limits_and_the_map_says_what_waits(tmp_path):
    from tutor.content.loader import load_course
    from tutor.progress import stats
    from tutor.quiz.review import review_queue
    from tutor.tui.widgets.mastery import due_text

    course = load_course(COURSE)
    ids = list(course.questions)
    assert len(ids) >= 3
    store = ProgressStore(tmp_path, fuzz=False)
    today = NOW - 3600
    for qid in ids:  # all first answered (and wrong) in a quiz this morning: all due again by now
        store.record(Attempt(qid, "incorrect", 0.0, seed=1, at=today, quiz="huber"))
    due = [q for q, _ in store.due(ids, until=NOW)]
    assert len(due) == len(ids)
    limits = stats.DailyLimits(new_per_day=2, reviews_per_day=40)
    assert len(review_queue(course, store, NOW, limits)) == 2  # new today: two of them
    store.set_state(new_per_day=1)
    assert len(review_queue(course, store, NOW)) == 1  # the learner's own setting
    store.record(Attempt(ids[0], "correct", 1.0, seed=2, at=NOW - 60))  # reviewed one: room used
    assert review_queue(course, store, NOW) == []
    text = due_text(store, ids, NOW)
    assert "limit" in text and "tomorrow" in text
    store.set_state(new_per_day=50, reviews_per_day=2)
    assert len(review_queue(course, store, NOW)) == 1  # two a day, one done
    store.set_state(reviews_per_day="lots")  # a hand-edited setting of the wrong shape: the default
    assert stats.DailyLimits.of(store).reviews_per_day == stats.REVIEWS_PER_DAY


async def test_a_review_left_midway_is_resumed_where_it_was_left(tmp_path):
    app = app_on(seeded_store(tmp_path))
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_for_course(app, pilot)
        await pilot.press("r")
        await wait_for_course(app, pilot)
        first = app.screen.session
        order = [s.entry.id for s in first.states]
        seeds = [s.variant.seed for s in first.states]
        await pilot.press("ctrl+n")  # on to the second question
        await pilot.pause()
        assert first.index == 1
    app = app_on(ProgressStore(tmp_path, fuzz=False))  # quit, and come back the same day
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_for_course(app, pilot)
        await pilot.press("r")
        await wait_for_course(app, pilot)
        session = app.screen.session
        assert session is not first and session.index == 1
        assert [s.entry.id for s in session.states] == order
        assert [s.variant.seed for s in session.states] == seeds
        assert any("Resumed today's review" in str(n.message) for n in app._notifications)


def test_the_daily_limits_are_set_from_the_command_line(tmp_path):
    folder = tmp_path / "data"
    result = CliRunner().invoke(
        main, ["--data-dir", str(folder), "progress", "limits", "--reviews-per-day", "12"]
    )
    assert result.exit_code == 0, result.output
    assert "reviews per day: 12" in result.output
    assert ProgressStore(folder).state()["reviews_per_day"] == 12
    bad = CliRunner().invoke(main, ["--data-dir", str(folder), "progress", "limits", "--new-per-day", "-3"])
    assert bad.exit_code != 0 and "Traceback" not in bad.output
