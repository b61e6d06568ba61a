"""Nothing a learner types or an author writes stops the app (issue 10): the live preview is
read in a worker thread under a time cap, a reading of text since changed is dropped, and a
course file nested thousands deep is a notice while the rest of the course loads."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, wait_for_course
from tutor.grading import limits
from tutor.grading.preview import Preview
from tutor.progress.store import ProgressStore
from tutor.tui.app import StartAt, TutorApp
from tutor.tui.widgets import answers

COURSE = FIXTURES / "app-course"


def make_app(tmp_path: Path) -> TutorApp:
    app = TutorApp(
        COURSE, ProgressStore(tmp_path / "progress"), StartAt("quiz", "basics", seed=1), warm_up=False
    )
    app.clock = lambda: 0.0
    return app


def preview_line(app: TutorApp) -> str:
    return str(app.screen.query_one(".preview").render())


async def until(pilot, condition, tries: int = 200) -> None:
    """Pause until `condition()` holds (each pause lets the app handle its messages)."""
    for _ in range(tries):
        if condition():
            return
        await pilot.pause(0.01)
    raise AssertionError("the app never got there")


async def test_the_preview_is_read_off_the_ui_thread(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    threads: list[threading.Thread] = []
    real = answers.preview

    def recording(variant, text: str) -> Preview:
        threads.append(threading.current_thread())
        return real(variant, text)

    monkeypatch.setattr(answers, "preview", recording)
    app = make_app(tmp_path)
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_for_course(app, pilot)
        await pilot.press(*"2*2*2")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "reads as: 2·2·2 = 8" in preview_line(app)
    assert threads and all(t is not threading.main_thread() for t in threads)


async def test_a_slow_preview_never_blocks_typing_and_a_stale_one_is_dropped(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(limits, "PREVIEW_TIME_CAP", 0.05)
    release = threading.Event()

    def slow_for_one(variant, text: str) -> Preview:
        if text == "1":
            release.wait(5)  # stuck, as rendering 2*2*…*2 used to be
            return Preview("ok", "stale reading of 1")
        return Preview("ok", f"fresh reading of {text}")

    monkeypatch.setattr(answers, "preview", slow_for_one)
    app = make_app(tmp_path)
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_for_course(app, pilot)
        box = app.screen.query_one("Input")
        await pilot.press("1")
        # past the cap, the learner is told; the key press was not held up
        await until(pilot, lambda: "still reading it; you can check it anyway" in preview_line(app))
        assert box.value == "1"
        await pilot.press("2")
        await until(pilot, lambda: "fresh reading of 12" in preview_line(app))
        assert box.value == "12"
        release.set()  # the reading of "1" finishes now, too late to be shown
        await app.workers.wait_for_complete()
        for _ in range(5):
            await pilot.pause(0.01)
        assert "fresh reading of 12" in preview_line(app)
        assert "stale" not in preview_line(app)


async def test_a_failing_preview_is_a_line_of_text_not_the_end_of_the_app(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(variant, text: str) -> Preview:
        raise RuntimeError("a bug")

    monkeypatch.setattr(answers, "preview", broken)
    app = make_app(tmp_path)
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_for_course(app, pilot)
        await pilot.press("1")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "cannot preview this answer" in preview_line(app)
        assert app.is_running


async def test_a_course_file_nested_thousands_deep_is_a_notice_and_the_rest_loads(tmp_path, make_course):
    deep = "bank: d\ntitle: D\nquestions:\n  - id: q\n    type: free\n    prompt: " + "[" * 3000 + "]" * 3000
    good = (
        "bank: g\ntitle: G\nquestions:\n  - id: good\n    type: free\n    prompt: Explain.\n"
        "    model_answer: Because.\n    rubric: [one point]\n"
    )
    root = make_course(questions={"deep.yaml": deep + "\n", "good.yaml": good})
    app = TutorApp(root, ProgressStore(tmp_path / "progress"), warm_up=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_course(app, pilot)
        assert app.course is not None and list(app.course.questions) == ["good"]
        assert "deep.yaml:6:" in str(app.screen.query_one("#notice-text").render())


async def test_a_question_that_cannot_be_asked_is_the_check_message_not_a_crash(tmp_path, make_course):
    broken = (
        "bank: b\ntitle: B\nquestions:\n  - id: q2\n    type: numeric\n    prompt: n?\n"
        "    params:\n      p: {uniform: [0.1, 0.2]}\n    answer: Bar(p)\n"
    )
    root = make_course(questions={"b.yaml": broken})
    app = TutorApp(root, ProgressStore(tmp_path / "progress"), warm_up=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_course(app, pilot)
        app.start_quiz("q2")
        await pilot.pause()
        assert app.is_running
        said = " ".join(str(n.message) for n in app._notifications)
        assert "b.yaml:9:13: question 'q2': answer: `Bar` is not a known function" in said
