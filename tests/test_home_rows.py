"""The course map keeps its rows when a learner comes back to it: they are updated in place, so
a key pressed at once is not lost to a rebuilt list (issue 14)."""

from __future__ import annotations

from pathlib import Path

from textual import events

from tests.conftest import REPO, wait_for_course, wait_until
from tutor.progress.store import ProgressStore
from tutor.tui.app import TutorApp


def real_app(tmp_path: Path) -> TutorApp:
    app = TutorApp(REPO, ProgressStore(tmp_path / "progress"), warm_up=False)
    app.clock = lambda: 0.0
    return app


async def test_a_down_key_right_after_returning_to_the_map_is_not_lost(tmp_path):
    app = real_app(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_course(app, pilot)
        home = app.screen
        listing = home.query_one("#lessons")
        rows = list(listing.children)
        assert listing.index == 0
        await pilot.press("enter")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "LessonScreen")
        # escape then down at once, as fast typing sends them: down arrives before the map's refresh
        for key in ("escape", "down"):
            event = events.Key(key, None)
            event.set_sender(app)
            app._driver.send_message(event)
        await wait_until(pilot, lambda: app.screen is home)
        await home.workers.wait_for_complete()
        await pilot.pause()
        assert listing.index == 1
        assert list(listing.children) == rows  # the same rows, not a rebuilt list
        # the row of the lesson just opened says so
        assert "started" in rows[0].render_line(0).text


async def test_a_lesson_opened_again_is_the_screen_built_before_and_only_a_few_are_kept(tmp_path):
    from tutor.tui.screens.lesson import KEEP_ALIVE, LessonScreen

    app = real_app(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_course(app, pilot)
        home = app.screen
        opened = []
        for row in [0, 0, *range(1, KEEP_ALIVE + 2)]:
            home.query_one("#lessons").index = row
            await pilot.press("enter")
            await wait_until(pilot, lambda: isinstance(app.screen, LessonScreen))
            opened.append(app.screen)
            await pilot.press("escape")
            await wait_until(pilot, lambda: app.screen is home)
        assert opened[1] is opened[0]  # reopened: not built again
        kept = [s for s in app._installed_screens.values() if isinstance(s, LessonScreen)]
        assert len(kept) == KEEP_ALIVE and opened[0] not in kept


def test_a_rows_bar_is_drawn_as_textuals_progress_bar_drew_it():
    # The rows draw their bar themselves (one widget a row): at every whole percent it must be
    # the bar the ProgressBar widget showed, cell for cell.
    from rich.console import Console
    from textual.renderables.bar import Bar

    from tutor.tui.screens.home import BAR_WIDTH, bar_cells

    console = Console(width=BAR_WIDTH, color_system=None, file=None)
    for percent in range(101):
        fraction = percent / 100
        bar = Bar(highlight_range=(0, BAR_WIDTH * fraction), background_style="red", width=BAR_WIDTH)
        with console.capture() as drawn:
            console.print(bar, end="")
        filled, rest = bar_cells(fraction)
        assert filled + rest == drawn.get(), percent


def contrast(a, b) -> float:
    """The WCAG contrast ratio of two rich colour triplets."""

    def luminance(t) -> float:
        def channel(c: int) -> float:
            c = c / 255
            return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

        return 0.2126 * channel(t.red) + 0.7152 * channel(t.green) + 0.0722 * channel(t.blue)

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


async def test_the_empty_part_of_a_rows_bar_shows_in_the_light_and_the_dark_theme(tmp_path):
    from tutor.tui.screens.home import LessonItem

    for theme in ("textual-light", "textual-dark"):
        app = TutorApp(REPO, ProgressStore(tmp_path / theme), warm_up=False)
        async with app.run_test(size=(100, 30)) as pilot:
            await wait_for_course(app, pilot)
            app.theme = theme
            await pilot.pause()
            row = app.screen.query(LessonItem).first()
            rest = [s for s in row.render_line(0) if "━" in s.text and s.style and s.style.bgcolor][-1]
            ratio = contrast(rest.style.color.triplet, rest.style.bgcolor.triplet)
            assert ratio >= 1.5, (theme, ratio)
