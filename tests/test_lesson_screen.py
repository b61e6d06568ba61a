"""The lesson screen after its speed-ups: text in the theme's colours, a kept lesson that shows
again as it was (restyled when the theme changed meanwhile), a footer rebuilt only when its keys
change, and formulas printed ahead by the warm-up."""

from __future__ import annotations

from pathlib import Path

from rich.segment import Segment

from tests.conftest import FIXTURES, wait_for_course, wait_until
from tutor.progress.store import ProgressStore
from tutor.tui.app import StartAt, TutorApp
from tutor.tui.widgets.lesson_text import markdown_theme

COURSE = FIXTURES / "app-course"


def make_app(tmp_path: Path, start: StartAt | None = None, warm_up: bool = False) -> TutorApp:
    app = TutorApp(COURSE, ProgressStore(tmp_path / "progress"), start, warm_up=warm_up)
    app.clock = lambda: 0.0
    return app


def heading_colour(widget) -> str:
    """The colour the section's heading is drawn in (its first non-blank segment)."""
    strips = widget.render_lines(widget.region.reset_offset)
    for strip in strips:
        for segment in strip:
            assert isinstance(segment, Segment)
            if segment.text.strip() and segment.style is not None and segment.style.color is not None:
                return segment.style.color.triplet.hex if segment.style.color.triplet else ""
    raise AssertionError("no coloured text")


def expected_h2(app: TutorApp) -> str:
    style = markdown_theme(app.get_css_variables()).styles["markdown.h2"]
    assert style.color is not None and style.color.triplet is not None
    return style.color.triplet.hex


async def test_lesson_text_is_drawn_in_the_themes_heading_colour_and_follows_a_theme_change(tmp_path):
    app = make_app(tmp_path, StartAt("lesson", "huber"))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_course(app, pilot)
        await wait_until(pilot, lambda: bool(app.screen.query("SectionView LessonText")))
        await pilot.pause()
        section = app.screen.query("SectionView LessonText").first()
        assert "## 1." in section.source
        dark = heading_colour(section)
        assert dark == expected_h2(app)
        app.theme = "textual-light"
        await pilot.pause()
        await pilot.pause()
        light = heading_colour(section)
        assert light == expected_h2(app) and light != dark


async def test_a_kept_lesson_shows_again_with_the_same_widgets_and_restyles_after_a_theme_change(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_course(app, pilot)
        app.open_lesson("huber")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "LessonScreen")
        screen = app.screen
        await wait_until(pilot, lambda: not screen.query("Lazy"))
        await pilot.pause()
        texts = list(screen.query("LessonText"))
        keys = list(screen.query("FooterKey"))
        await pilot.press("escape")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "HomeScreen")
        app.open_lesson("huber")
        await wait_until(pilot, lambda: app.screen is screen)
        await pilot.pause()
        assert list(screen.query("LessonText")) == texts  # kept, not rebuilt
        assert list(screen.query("FooterKey")) == keys  # same keys: the footer was not rebuilt
        await pilot.press("escape")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "HomeScreen")
        app.theme = "textual-light"  # changed while the lesson is hidden
        await pilot.pause()
        app.open_lesson("huber")
        await wait_until(pilot, lambda: app.screen is screen)
        await pilot.pause()
        await pilot.pause()
        light_background = app.get_css_variables()["background"].lower()
        assert screen.styles.background.hex.lower()[:7] == light_background[:7]
        assert heading_colour(screen.query("SectionView LessonText").first()) == expected_h2(app)


async def test_the_footer_changes_when_the_keys_do(tmp_path):
    app = make_app(tmp_path, StartAt("lesson", "huber"))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_course(app, pilot)
        await pilot.pause()
        shown = {k.key for k in app.screen.query("FooterKey")}
        assert "t" in shown
        await pilot.press("t")  # the quiz: other keys
        await wait_until(pilot, lambda: type(app.screen).__name__ == "QuizScreen")
        await pilot.pause()
        await pilot.pause()
        assert "t" not in {k.key for k in app.screen.query("FooterKey")}


async def test_the_warm_up_prints_the_courses_formulas_ahead_of_the_first_lesson(tmp_path):
    from tutor.content.builtin import builtin_course_root
    from tutor.grading.pretty import known_pretty

    app = TutorApp(builtin_course_root(), ProgressStore(tmp_path / "progress"), warm_up=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_course(app, pilot)
        await app.workers.wait_for_complete()
        assert app.course is not None
        formulas = [f for loaded in app.course.lessons for s in loaded.lesson.sections for f in s.formulas]
        assert formulas and all(known_pretty(f)[0] for f in formulas)


async def test_a_closed_quiz_leaves_nothing_of_itself_in_memory(tmp_path):
    """Nothing the app keeps refers to a closed quiz: its screen, its header and its widgets' render
    caches go with it (a header watching the app's title, and Textual's per-renderer style cache,
    each kept every closed quiz alive, about 0.4 MiB a time)."""
    import gc
    import weakref

    app = make_app(tmp_path, StartAt("lesson", "huber"))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_course(app, pilot)
        lesson = app.screen
        refs: list[weakref.ref[object]] = []
        for _ in range(2):
            await pilot.press("t")
            await wait_until(pilot, lambda: type(app.screen).__name__ == "QuizScreen")
            quiz = app.screen
            await quiz.workers.wait_for_complete()
            await pilot.pause()
            widgets = list(quiz.walk_children())
            assert any(type(w).__name__ == "TutorHeader" for w in widgets)
            refs += [weakref.ref(quiz)]
            refs += [weakref.ref(w) for w in widgets] + [weakref.ref(w._styles_cache) for w in widgets]
            del quiz, widgets
            await pilot.press("escape")
            await wait_until(pilot, lambda: app.screen is lesson)
            await pilot.pause()
        # A timer a closed widget cancelled stays in asyncio's queue, holding the widget, until
        # the time it was due (half a second for the answer box's cursor): wait that out.
        for _ in range(50):
            await pilot.pause(0.1)
            gc.collect()
            if all(r() is None for r in refs):
                break
        alive = [r() for r in refs if r() is not None]
        assert alive == []


async def test_a_lesson_opens_again_where_the_learner_left_it_in_a_later_run(tmp_path):
    from tests.conftest import REPO

    def builtin() -> TutorApp:
        app = TutorApp(
            REPO, ProgressStore(tmp_path / "progress"), StartAt("lesson", "regression"), warm_up=False
        )
        app.clock = lambda: 0.0
        return app

    app = builtin()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_course(app, pilot)
        await wait_until(pilot, lambda: type(app.screen).__name__ == "LessonScreen")
        await pilot.press("n", "n", "n")  # the first section, the second, the third
        await wait_until(pilot, lambda: app.screen.section_at_top() == 2)
        await pilot.press("down", "down", "down")  # and a few lines into it
        await pilot.pause()
        body = app.screen.query_one("#lesson-body")
        into = body.scroll_y - app.screen.query("SectionView")[2].virtual_region.y
        assert into > 0
    app = builtin()  # quit, and come back later
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_course(app, pilot)
        await wait_until(pilot, lambda: type(app.screen).__name__ == "LessonScreen")
        screen = app.screen
        await wait_until(pilot, lambda: screen.section_at_top() == 2)
        body = screen.query_one("#lesson-body")
        await wait_until(
            pilot, lambda: body.scroll_y - screen.query("SectionView")[2].virtual_region.y == into
        )
        assert screen.current == 2
