"""The quiz screen as a learner meets it: keys typed early, ticks on wrapped options, the words
of the feedback, the code editor's keys. Driven through Textual's pilot; no test sleeps."""

from __future__ import annotations

from textual import events

from tests.conftest import REPO, wait_for_course, wait_until
from tests.test_tui import feedback, make_app, settle
from tutor.progress.store import ProgressStore
from tutor.tui.app import StartAt, TutorApp


def send_now(app, *keys: tuple[str, str | None]) -> None:
    """Keys straight into the driver, all at once, as a fast typist's reach the app: none waits
    for the screen to settle."""
    for key, character in keys:
        event = events.Key(key, character)
        event.set_sender(app)
        app._driver.send_message(event)


async def test_keys_typed_as_the_quiz_opens_land_in_the_answer(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        send_now(app, ("t", "t"), ("1", "1"), ("0", "0"), ("0", "0"), ("0", "0"), ("enter", "\r"))
        await wait_until(pilot, lambda: type(app.screen).__name__ == "QuizScreen")
        screen = app.screen
        await wait_until(pilot, lambda: screen.session.current.attempts == 1 and not screen.grading)
        await pilot.pause()
        assert screen.query_one("Input").value == "1000"
        assert "✗ Incorrect" in feedback(app)


def builtin_app(tmp_path, ref: str, seed: int = 1) -> TutorApp:
    app = TutorApp(REPO, ProgressStore(tmp_path / "progress"), StartAt("quiz", ref, seed=seed), warm_up=False)
    app.clock = lambda: 0.0
    return app


def tick_rows(listing) -> list[str]:
    """The option list as drawn, one string per screen line."""
    return [listing.render_line(y).text.rstrip() for y in range(listing.size.height)]


async def check_ticks_on_wrapped_options(tmp_path, ref: str, size: tuple[int, int]) -> None:
    app = builtin_app(tmp_path, ref)
    async with app.run_test(size=size) as pilot:
        await wait_for_course(app, pilot)
        listing = app.screen.query_one("SelectionList")
        rows = tick_rows(listing)
        assert len(rows) > len(listing.options)  # some option wraps: the case in question
        boxes = [r for r in rows if r.startswith(("[ ]", "[x]"))]
        assert len(boxes) == len(listing.options)  # one box per option, whatever its height
        assert all(r.startswith("[ ] ") and r[4] in "abcdef" and r[5] == ")" for r in boxes)
        last = "abcdef"[len(listing.options) - 1]
        await pilot.press(last)
        await pilot.pause()
        ticked = [r for r in tick_rows(listing) if r.startswith("[x]")]
        assert ticked == [next(r for r in rows if r[4:6] == f"{last})").replace("[ ]", "[x]", 1)]


async def test_a_tick_lands_on_the_option_picked_when_options_wrap_at_100_columns(tmp_path):
    await check_ticks_on_wrapped_options(tmp_path, "basics-loss-vs-metric", (100, 30))


async def test_a_tick_lands_on_the_option_picked_when_options_wrap_at_80x24(tmp_path):
    await check_ticks_on_wrapped_options(tmp_path, "bce-logits-why", (80, 24))
