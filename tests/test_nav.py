"""Moving around the app: lesson sections, keys pressed while loading, cut text, the course map's
highlighted row, the name dialog (issue 11, items 10, 13, 14 and the reviewer's notes)."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import REPO, wait_for_course, wait_until
from tutor.progress.store import ProgressStore
from tutor.tui.app import StartAt, TutorApp


def real_app(tmp_path: Path, start: StartAt | None = None) -> TutorApp:
    app = TutorApp(REPO, ProgressStore(tmp_path / "progress"), start, warm_up=False)
    app.clock = lambda: 0.0
    return app


async def test_next_section_goes_after_the_section_at_the_top_of_the_view(tmp_path):
    app = real_app(tmp_path, StartAt("lesson", "what-is-a-loss"))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_course(app, pilot)
        screen = app.screen
        count = len(screen.lesson.sections)
        assert count >= 4
        await wait_until(pilot, lambda: len(screen.query("SectionView")) == count)
        await pilot.pause()
        body = screen.query_one("#lesson-body")
        sections = list(screen.query("SectionView"))
        # the reader scrolls (not with n) into the middle of section 2
        body.scroll_to(y=sections[1].virtual_region.y + 2, animate=False)
        await pilot.pause()
        await pilot.press("n")
        await pilot.pause()
        assert body.scroll_y == min(sections[2].virtual_region.y, body.max_scroll_y)
        # and p from inside section 2 goes back to its start
        body.scroll_to(y=sections[1].virtual_region.y + 2, animate=False)
        await pilot.pause()
        await pilot.press("p")
        await pilot.pause()
        assert body.scroll_y == sections[1].virtual_region.y
        await pilot.press("p")
        await pilot.pause()
        assert body.scroll_y == sections[0].virtual_region.y
        # a heading just below the top of the view (by its margin) counts as at the top
        body.scroll_to(y=sections[2].virtual_region.y - 1, animate=False)
        await pilot.pause()
        await pilot.press("n")
        await pilot.pause()
        assert body.scroll_y == min(sections[3].virtual_region.y, body.max_scroll_y)


async def test_n_pressed_fast_right_after_opening_a_lesson_counts_every_press(tmp_path):
    app = real_app(tmp_path, StartAt("lesson", "what-is-a-loss"))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_course(app, pilot)
        screen = app.screen
        await pilot.press("n", "n", "n")  # at once, before the later sections have mounted
        count = len(screen.lesson.sections)
        await wait_until(pilot, lambda: len(screen.query("SectionView")) == count and screen._going is None)
        await pilot.pause()
        assert screen.current == 2  # the first n goes from the title to section 1
        body = screen.query_one("#lesson-body")
        third = list(screen.query("SectionView"))[2]
        assert body.scroll_y == min(third.virtual_region.y, body.max_scroll_y)


async def test_n_n_arriving_in_one_read_of_the_terminal_counts_twice(tmp_path):
    """In a real terminal keys typed fast arrive together and are handled in the same frame: the
    second press must see where the first one went, not the old scroll position."""
    app = real_app(tmp_path, StartAt("lesson", "what-is-a-loss"))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_course(app, pilot)
        screen = app.screen
        count = len(screen.lesson.sections)
        await wait_until(pilot, lambda: len(screen.query("SectionView")) == count)
        await pilot.pause()
        screen.action_section(1)  # two presses, no refresh between them
        screen.action_section(1)
        await pilot.pause()
        assert screen.current == 1  # title -> section 1 -> section 2
        body = screen.query_one("#lesson-body")
        second = list(screen.query("SectionView"))[1]
        assert body.scroll_y == min(second.virtual_region.y, body.max_scroll_y)


async def test_a_key_pressed_while_the_course_loads_is_said_and_done_once_it_is_there(tmp_path, monkeypatch):
    import threading

    import tutor.content.loader as loader

    release = threading.Event()
    real = loader.load_course

    def slow(root):
        release.wait(60)
        return real(root)

    monkeypatch.setattr(loader, "load_course", slow)
    app = real_app(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert app.course is None
        await pilot.press("t")
        await pilot.pause()
        assert any("still loading" in str(n.message) for n in app._notifications)
        release.set()
        await wait_until(pilot, lambda: type(app.screen).__name__ == "QuizScreen")
        await wait_for_course(app, pilot)
        assert app.screen.ref == "what-is-a-loss"  # the first lesson's quiz, as t on its row


async def test_the_highlighted_rows_progress_bar_stays_visible(tmp_path):
    from tutor.progress.store import Attempt

    store = ProgressStore(tmp_path / "progress")
    for q in ("basics-gd-step", "basics-sum-step", "basics-effective-lr"):
        store.record(Attempt(question=q, verdict="correct", score=1.0, seed=1))
    app = TutorApp(REPO, store, warm_up=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_course(app, pilot)
        item = app.screen.query("LessonItem").first()
        assert item.has_class("-highlight") and item.done > 0
        strip = item.render_line(0)  # the row's head: title, status and bar
        segments = [s for s in strip if "━" in s.text and s.style]
        assert segments
        for segment in segments:  # each part of the bar, filled or not, shows against its ground
            assert segment.style.color != segment.style.bgcolor, segment


def line_text(widget, y: int = 0) -> str:
    return widget.render_line(y).text.rstrip()


def help_key_shows(app) -> bool:
    from textual.widgets._footer import FooterKey

    keys = [k for k in app.screen.query(FooterKey) if k.action in ("help", "app.help")]
    return bool(keys) and keys[0].region.width > 0 and keys[0].region.right <= app.size.width


async def test_at_80_columns_cut_text_ends_in_an_ellipsis_and_the_footer_keeps_help(tmp_path):
    app = real_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_course(app, pilot)
        assert help_key_shows(app)
        from tutor.tui.widgets.chrome import ICON

        assert app.screen.query_one("Header").icon == ICON
        heads = [line_text(item) for item in app.screen.query("LessonItem")]
        cut = "3. Robust regression: Huber and lo… · new"  # a space before its status
        assert any(cut in h for h in heads)
        await pilot.press("t")  # the quiz, whose footer has the most keys
        await wait_for_course(app, pilot)
        assert type(app.screen).__name__ == "QuizScreen"
        assert help_key_shows(app)
        await pilot.press("escape")
        await wait_for_course(app, pilot)
        await pilot.press("enter")
        await wait_for_course(app, pilot)
        assert type(app.screen).__name__ == "LessonScreen"
        assert help_key_shows(app)


async def test_the_lessons_contents_cut_a_long_title_with_an_ellipsis(tmp_path):
    app = real_app(tmp_path, StartAt("lesson", "regression"))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_course(app, pilot)
        entries = [line_text(label) for label in app.screen.query("#toc-list Label")]
        assert entries[0].startswith("1. Residuals") and entries[0].endswith("…"), entries
        assert entries[2] == "3. Gradients"


async def test_the_name_dialog_wraps_its_lines(tmp_path):
    app = TutorApp(REPO, ProgressStore(tmp_path / "p"), warm_up=False, learners=tmp_path / "learners")
    async with app.run_test(size=(160, 45)) as pilot:  # about what a 1280×800 browser window holds
        await wait_until(pilot, lambda: type(app.screen).__name__ == "NameScreen")
        await pilot.pause()
        labels = list(app.screen.query("Label"))
        second = labels[1]
        text = " ".join(second.render_line(y).text.strip() for y in range(second.region.height))
        assert text.endswith("apart from everyone else's."), text
        assert second.region.right <= labels[0].parent.content_region.right
