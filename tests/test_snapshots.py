"""What each screen looks like at 80×24, kept as SVG snapshots (update with --snapshot-update)."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import FIXTURES, wait_for_course
from tutor.progress.store import ProgressStore
from tutor.tui.app import StartAt, TutorApp

COURSE = FIXTURES / "app-course"


def app_at(tmp_path: Path, start: StartAt | None = None) -> TutorApp:
    app = TutorApp(COURSE, ProgressStore(tmp_path / "progress"), start, warm_up=False)
    app.clock = lambda: 0.0
    return app


async def settled(pilot, rounds: int = 100) -> None:
    """Until every worker is done and the screen has stopped changing (a grade posts its
    feedback from a thread, and Markdown renders after that): no fixed number of pauses, which
    a busy machine would outrun."""
    app = pilot.app
    await wait_for_course(app, pilot)
    before = None
    for _ in range(rounds):
        await app.workers.wait_for_complete()
        await pilot.pause()
        now = app.export_screenshot()
        if now == before and not any(w.is_running for w in app.workers):
            return
        before = now


def test_home(snap_compare, tmp_path):
    assert snap_compare(app_at(tmp_path), run_before=settled)


def test_lesson(snap_compare, tmp_path):
    assert snap_compare(app_at(tmp_path, StartAt("lesson", "huber")), run_before=settled)


def test_lesson_plot_after_changing_delta(snap_compare, tmp_path):
    async def run_before(pilot) -> None:
        await settled(pilot)
        pilot.app.screen.query_one("PlotPanel").focus()
        await pilot.press("right", "right")
        await settled(pilot)

    assert snap_compare(app_at(tmp_path, StartAt("lesson", "huber")), run_before=run_before)


def test_quiz_question_with_live_preview(snap_compare, tmp_path):
    async def run_before(pilot) -> None:
        await settled(pilot)
        await pilot.press(*"-log(0.4")
        await settled(pilot)  # the preview is read in a worker

    assert snap_compare(app_at(tmp_path, StartAt("quiz", "basics", seed=1)), run_before=run_before)


def test_quiz_feedback_after_a_wrong_answer_and_a_hint(snap_compare, tmp_path):
    async def run_before(pilot) -> None:
        await settled(pilot)
        await pilot.press("ctrl+g", "1", "enter")
        await settled(pilot)

    assert snap_compare(app_at(tmp_path, StartAt("quiz", "basics", seed=1)), run_before=run_before)


def test_results(snap_compare, tmp_path):
    async def run_before(pilot) -> None:
        await settled(pilot)
        await pilot.press("1", "enter")
        await settled(pilot)
        await pilot.press("escape")  # leave: results so far
        await settled(pilot)

    assert snap_compare(app_at(tmp_path, StartAt("quiz", "basics", seed=1)), run_before=run_before)


def test_help(snap_compare, tmp_path):
    async def run_before(pilot) -> None:
        await settled(pilot)
        await pilot.press("question_mark")
        await pilot.pause()

    assert snap_compare(app_at(tmp_path), run_before=run_before)


def app_with_record(tmp_path: Path, start: StartAt | None = None) -> TutorApp:
    """A learner who answered three questions yesterday (fixed clocks, no fuzz), opened today."""
    from datetime import datetime

    from tutor.progress.store import Attempt

    yesterday = datetime(2026, 3, 9, 10, 0).timestamp()
    store = ProgressStore(tmp_path / "progress", fuzz=False)
    store.record(Attempt("q-log", "incorrect", 0.0, seed=1, notes=("log-base",), at=yesterday, seconds=20.0))
    store.record(Attempt("q-choice", "incorrect", 0.0, seed=1, at=yesterday + 60, seconds=5.0))
    store.record(Attempt("q-grad", "correct", 1.0, seed=1, at=yesterday + 120, seconds=9.0))
    app = TutorApp(COURSE, store, start, warm_up=False)
    app.clock = lambda: 0.0
    app.now = lambda: datetime(2026, 3, 10, 10, 0).timestamp()
    return app


def test_home_with_reviews_due_and_mastery(snap_compare, tmp_path):
    assert snap_compare(app_with_record(tmp_path), run_before=settled)


def test_review(snap_compare, tmp_path):
    async def run_before(pilot) -> None:
        await settled(pilot)
        await pilot.press("r")
        await settled(pilot)

    assert snap_compare(app_with_record(tmp_path), run_before=run_before)


def test_statistics(snap_compare, tmp_path):
    async def run_before(pilot) -> None:
        await settled(pilot)
        await pilot.press("s")
        await settled(pilot)

    assert snap_compare(app_with_record(tmp_path), run_before=run_before)
