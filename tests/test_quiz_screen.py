"""The quiz screen as a learner meets it: keys typed early, ticks on wrapped options, the words
of the feedback, the code editor's keys. Driven through Textual's pilot; no test sleeps."""

from __future__ import annotations

from textual import events

from tests.conftest import REPO, wait_for_course, wait_until
from tests.test_tui import feedback, make_app, settle, type_text
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


FAST = [("1", "1"), ("2", "2"), ("3", "3"), (".", "."), ("5", "5")]


def keys_as_a_screen_opens(app, *keys: tuple[str, str | None]) -> None:
    """Send `keys` the moment the app pushes its next screen: a typist's keys after the one that
    opened it, arriving while it is on its way."""
    push = app.push_screen

    def push_then_type(*args, **kwargs):
        app.push_screen = push
        result = push(*args, **kwargs)
        send_now(app, *keys)
        return result

    app.push_screen = push_then_type


async def test_keys_typed_as_the_quiz_opens_from_the_map_land_in_order(tmp_path):
    app = TutorApp(REPO, ProgressStore(tmp_path / "progress"), warm_up=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        send_now(app, ("t", "t"), *FAST[:2])
        keys_as_a_screen_opens(app, *FAST[2:])
        await wait_until(pilot, lambda: type(app.screen).__name__ == "QuizScreen")
        await wait_until(pilot, lambda: app.screen.query("Input") and app.screen.query_one("Input").value)
        for _ in range(5):
            await pilot.pause()
        assert app.screen.query_one("Input").value == "123.5"


async def test_keys_typed_as_a_lessons_quiz_opens_land_in_order(tmp_path):
    app = TutorApp(
        REPO, ProgressStore(tmp_path / "progress"), StartAt("lesson", "what-is-a-loss"), warm_up=False
    )
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_course(app, pilot)
        await wait_until(pilot, lambda: type(app.screen).__name__ == "LessonScreen")
        send_now(app, ("t", "t"), *FAST[:1])
        keys_as_a_screen_opens(app, *FAST[1:])
        await wait_until(pilot, lambda: type(app.screen).__name__ == "QuizScreen")
        await wait_until(pilot, lambda: app.screen.query("Input") and app.screen.query_one("Input").value)
        for _ in range(5):
            await pilot.pause()
        assert app.screen.query_one("Input").value == "123.5"


async def test_keys_typed_after_ctrl_n_land_in_the_next_answer_in_order(tmp_path):
    app = builtin_app(tmp_path, "what-is-a-loss")
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_course(app, pilot)
        screen = app.screen
        first = screen.query_one("Input")
        send_now(app, ("ctrl+n", None), *FAST)
        await wait_until(pilot, lambda: screen.session.index == 1 and screen.query_one("Input") is not first)
        await wait_until(pilot, lambda: screen.query_one("Input").value)
        for _ in range(5):
            await pilot.pause()
        assert screen.query_one("Input").value == "123.5"
        assert first.value == ""  # nothing went into the answer on its way out


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


async def test_the_panel_names_this_question_and_the_header_the_quiz(tmp_path):
    app = make_app(tmp_path, StartAt("quiz", "basics", seed=1))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        screen = app.screen
        p = screen.session.current.variant.values["p"]
        await type_text(pilot, f"-log({p})")
        await pilot.press("enter")
        await settle(app, pilot)
        assert "✓ Correct · this question earns 1" in feedback(app)
        assert "quiz score 1 of 5" in str(screen.query_one("#status").render())


async def test_enter_after_a_right_answer_grades_the_answer_if_it_was_edited(tmp_path):
    app = make_app(tmp_path, StartAt("quiz", "basics", seed=1))
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(app, pilot)
        screen = app.screen
        session = screen.session
        p = session.current.variant.values["p"]
        await type_text(pilot, f"-log({p})")
        await pilot.press("enter")
        await settle(app, pilot)
        assert "✓ Correct" in feedback(app)
        await type_text(pilot, "+1")  # edited: no longer the answer graded
        await pilot.press("enter")
        await settle(app, pilot)
        assert session.index == 0 and session.current.attempts == 2
        assert "✓ Correct" not in feedback(app)
        await pilot.press("backspace", "backspace")  # back to the right answer: graded again
        await pilot.press("enter")
        await settle(app, pilot)
        assert "✓ Correct" in feedback(app) and session.current.attempts == 3
        await pilot.press("enter")
        await pilot.pause()
        assert session.index == 1


async def test_a_fresh_variant_of_a_question_with_one_version_says_so(tmp_path):
    app = make_app(tmp_path, StartAt("quiz", "q-grad", seed=1))
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(app, pilot)
        screen = app.screen
        await type_text(pilot, "2(y_hat - y)")
        await pilot.pause()
        await pilot.press("ctrl+r")
        await pilot.pause()
        said = [n.message for n in app._notifications]
        assert any("only one version" in m for m in said)
        assert not any("new numbers, same idea" in m for m in said)
        assert screen.query_one("Input").value == "2(y_hat - y)"  # nothing was thrown away


async def test_the_code_editor_names_its_keys_and_selects_all(tmp_path):
    app = builtin_app(tmp_path, "mse-code")
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_course(app, pilot)
        screen = app.screen
        editor = screen.query_one("#answer-code")
        await wait_until(pilot, lambda: screen.focused is editor)
        shown = {
            b.binding.key: b.binding.description for b in screen.active_bindings.values() if b.binding.show
        }
        assert shown["escape"] == "Leave editor"  # what esc does in the editor, not "Leave quiz"
        assert "ctrl+a" in shown and "ctrl+a" in str(screen.query_one("#how").render())
        await pilot.press("ctrl+a")
        await type_text(pilot, "x")
        assert editor.text == "x"  # the starter code replaced
        await pilot.press("escape")
        await pilot.pause()
        assert type(app.screen).__name__ == "QuizScreen" and screen.focused is not editor
        shown = {
            b.binding.key: b.binding.description for b in screen.active_bindings.values() if b.binding.show
        }
        assert shown["escape"] == "Leave quiz"


async def test_could_not_decide_on_code_gives_advice_for_code(tmp_path, monkeypatch):
    from tutor.grading.result import Result

    app = builtin_app(tmp_path, "mse-code")
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_course(app, pilot)
        screen = app.screen
        screen.session.submit = lambda answer: Result(verdict="undecided")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        text = feedback(app)
        assert "Could not decide" in text and "simpler form" not in text
        assert "finishes quickly" in text


async def test_enter_on_a_fixed_answer_before_the_old_verdict_arrives_is_not_lost(tmp_path):
    """The race behind "enter after a cannot-read panel did nothing": an enter made while the
    unreadable answer was still being graded was dropped, so the panel then showed the old
    verdict and the fixed answer was never graded."""
    import threading

    app = make_app(tmp_path, StartAt("quiz", "basics", seed=1))
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(app, pilot)
        screen = app.screen
        session = screen.session
        real_submit = session.submit
        release = threading.Event()

        def slow(answer):
            release.wait(10)  # the grader still busy with the unreadable answer
            return real_submit(answer)

        session.submit = slow
        await type_text(pilot, "1000%")
        await pilot.press("enter")
        await wait_until(pilot, lambda: screen.grading)
        await pilot.press("backspace", "enter")  # fixed, and checked before the verdict came
        session.submit = real_submit
        release.set()
        await wait_until(pilot, lambda: session.current.attempts == 1 and not screen.grading)
        await settle(app, pilot)
        assert "✗ Incorrect" in feedback(app) and "Cannot read" not in feedback(app)
        assert [a.verdict for a in ProgressStore(tmp_path / "progress").attempts()] == ["incorrect"]


async def test_a_long_status_line_wraps_rather_than_lose_its_end_at_80_columns(tmp_path):
    app = builtin_app(tmp_path, "bce-logits-why")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_course(app, pilot)
        status = app.screen.query_one("#status")
        assert "each further try costs 33%" in str(status.render())
        assert status.size.height == 2  # all of it shown, on two lines


async def test_the_rubric_to_tick_is_shown_below_a_long_model_answer(tmp_path):
    app = builtin_app(tmp_path, "why-not-mse-for-classification")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_course(app, pilot)
        screen = app.screen
        screen.query_one("#answer-text").text = "MSE on a sigmoid learns slowly"
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: screen.focused is screen.query_one("#rubric"))
        await pilot.pause()
        box, rubric = screen.query_one("#rubric-box"), screen.query_one("#rubric")
        assert rubric.region.bottom <= box.region.bottom  # not cut off by its box
        await pilot.press("space")
        assert any(r.startswith("[x]") for r in tick_rows(rubric))


async def test_a_free_answer_of_one_word_is_asked_for_more_before_the_model_answer(tmp_path):
    app = builtin_app(tmp_path, "why-not-mse-for-classification")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_course(app, pilot)
        screen = app.screen
        screen.query_one("#answer-text").text = "x"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not screen.query_one("#rubric-box").display  # no model answer, no points to tick
        assert any("Write a little more first" in str(n.message) for n in app._notifications)


async def test_the_code_editor_indents_new_lines_as_python_wants(tmp_path):
    app = builtin_app(tmp_path, "mse-code")
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_course(app, pilot)
        screen = app.screen
        editor = screen.query_one("#answer-code")
        await wait_until(pilot, lambda: screen.focused is editor)
        await pilot.press("ctrl+a")
        await type_text(pilot, "def f(y):")
        await pilot.press("enter")
        await type_text(pilot, "if y:")
        await pilot.press("enter")
        await type_text(pilot, "return 1")
        await pilot.press("enter")
        await type_text(pilot, "return 0")
        assert editor.text == "def f(y):\n    if y:\n        return 1\n    return 0"


def test_next_indent_follows_colons_and_dedents_after_a_return():
    from tutor.tui.widgets.answers import next_indent

    assert next_indent("x = 1") == ""
    assert next_indent("    x = 1") == "    "
    assert next_indent("def f(x):  # a comment") == "    "
    assert next_indent("    for i in range(3):") == "        "
    assert next_indent("        return x") == "    "
    assert next_indent("pass") == ""  # nothing to dedent from
    assert next_indent("    returned = 2") == "    "  # a name that starts like a keyword


async def test_the_quiz_keys_come_before_the_editor_keys_in_the_footer_at_80_columns(tmp_path):
    app = builtin_app(tmp_path, "mse-code")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_course(app, pilot)
        screen = app.screen
        editor = screen.query_one("#answer-code")
        await wait_until(pilot, lambda: screen.focused is editor)
        await settle(app, pilot)
        footer = app.screen.query_one("TutorFooter")
        keys = [k for k in footer.children if type(k).__name__ == "FooterKey"]
        order = [k.description for k in keys if k.description]
        assert order[0] == "Help"
        assert order.index("Next") < order.index("Select all")
        for key in keys:  # Help, Check and Next are on screen, not cut at the right
            if key.description in {"Help", "Check", "Next", "New variant"}:
                assert key.region.right <= 80 - len("^p palette"), key.description


async def test_the_worked_solution_is_scrolled_into_view_whole_at_80x24(tmp_path):
    app = builtin_app(tmp_path, "mse-code")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_course(app, pilot)
        screen = app.screen
        await wait_until(pilot, lambda: screen.focused is screen.query_one("#answer-code"))
        await pilot.press("ctrl+o")
        await settle(app, pilot)
        pane, solution = screen.query_one("#question"), screen.query_one("#solution")
        assert solution.region.height > 3
        assert pane.region.y <= solution.region.y and solution.region.bottom <= pane.region.bottom


async def test_the_code_footer_ends_with_the_palette_key_and_offers_f1_for_help(tmp_path):
    from textual.widgets._footer import FooterKey

    app = builtin_app(tmp_path, "bce-clipped-code")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_course(app, pilot)
        for _ in range(3):
            await pilot.pause()
        footer = app.screen.query_one("TutorFooter")
        keys = list(footer.query(FooterKey))
        palette = next(k for k in keys if k.has_class("-command-palette"))
        # nothing of a key cut short shows after it ("^p palettea")
        assert palette.region.right == footer.region.right
        help_key = next(k for k in keys if k.action in ("help", "app.help"))
        assert help_key.key_display == "F1"  # `?` is typed in the editor, so F1 is the way
        await pilot.press("question_mark")
        await pilot.pause()
        assert type(app.screen).__name__ == "QuizScreen"
        assert "?" in app.screen.query_one("TextArea").text


async def test_ctrl_a_selects_everything_in_every_answer_box(tmp_path):
    for ref in ("bce-from-bernoulli", "what-is-a-loss"):  # a derivation editor, a one-line answer
        app = builtin_app(tmp_path / ref, ref)
        async with app.run_test(size=(100, 30)) as pilot:
            await wait_for_course(app, pilot)
            await wait_until(pilot, lambda app=app: app.focused is not None)
            await type_text(pilot, "1+2")
            await pilot.press("ctrl+a")
            await type_text(pilot, "7")
            box = app.focused
            assert (box.text if hasattr(box, "text") else box.value) == "7", ref


async def test_a_notice_goes_with_the_question_and_the_screen_that_raised_it(tmp_path):
    app = builtin_app(tmp_path, "what-is-a-loss")
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_course(app, pilot)
        screen = app.screen
        await pilot.press("ctrl+g", "ctrl+g", "ctrl+g", "ctrl+g")  # past the last hint: a notice
        await wait_until(pilot, lambda: any("No more hints" in n.message for n in app._notifications))
        await pilot.press("ctrl+n")
        await wait_until(pilot, lambda: screen.session.index == 1)
        await pilot.pause()
        assert not any("No more hints" in n.message for n in app._notifications)
        await pilot.press("ctrl+g", "ctrl+g", "ctrl+g", "ctrl+g")
        await wait_until(pilot, lambda: any("No more hints" in n.message for n in app._notifications))
        await pilot.press("escape")  # leave the quiz: its notice does not follow to the results
        await wait_until(pilot, lambda: app.screen is not screen)
        await pilot.pause()
        assert not any("No more hints" in n.message for n in app._notifications)


async def test_at_80x24_the_prompt_stays_in_view_when_the_feedback_shows(tmp_path):
    app = builtin_app(tmp_path, "what-is-a-loss")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_course(app, pilot)
        screen = app.screen
        await wait_until(pilot, lambda: app.focused is not None)
        await pilot.press("5", "enter")
        await wait_until(pilot, lambda: screen.session.current.attempts == 1 and not screen.grading)
        for _ in range(6):
            await pilot.pause()
        pane = screen.query_one("#question")
        prompt = screen.query_one("#prompt")
        box = screen.query_one("#feedback-box")
        assert "Incorrect" in feedback(app)
        assert prompt.region.y >= pane.region.y  # its first line is on screen
        assert box.region.height > 0 and box.region.bottom <= pane.region.bottom  # and the feedback
