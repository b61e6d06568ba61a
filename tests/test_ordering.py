"""`ordering` questions: the line form, credit by pairs in order, a shuffle that is never the
answer, and keyboard-only reordering in the app."""

from __future__ import annotations

import pytest

from tests.conftest import REPO, wait_until
from tutor.content.builtin import builtin_course_root
from tutor.content.loader import load_course
from tutor.content.variants import instantiate
from tutor.grading.grader import grade
from tutor.grading.letters import letter

COURSE = load_course(builtin_course_root())
QUESTION = COURSE.questions["basics-training-step-order"].question


def letters(variant, authored: list[int]) -> str:
    """Authored item indices as the letters this variant shows them by."""
    return " ".join(letter(variant.order.index(i)) for i in authored)


@pytest.mark.parametrize("seed", range(30))
def test_the_shown_order_is_never_the_answer_and_the_answer_is_right(seed):
    variant = instantiate(QUESTION, seed)
    assert variant.order != [0, 1, 2, 3] and sorted(variant.order) == [0, 1, 2, 3]
    assert grade(variant, letters(variant, [0, 1, 2, 3])).verdict == "correct"


def test_the_order_is_shuffled_per_variant():
    assert len({tuple(instantiate(QUESTION, seed).order) for seed in range(30)}) > 5


def test_credit_counts_pairs_in_order_less_pairs_reversed():
    variant = instantiate(QUESTION, 3)  # shown as 3 2 0 1: fewer pairs in order than reversed
    assert variant.order == [3, 2, 0, 1]
    swapped = grade(variant, letters(variant, [0, 2, 1, 3]))  # 5 of 6 pairs right: tau (5 - 1) / 6
    chance = 14 / 3 / 24  # max(0, tau) over the 24 orders of 4 items: 1, 3 × 2/3, 5 × 1/3
    assert swapped.verdict == "partial" and swapped.score == pytest.approx((2 / 3 - chance) / (1 - chance))
    assert "first place out of order is place 2" in swapped.feedback[1]
    first_last = grade(variant, letters(variant, [1, 2, 3, 0]))  # 3 of 6 right: 0
    assert first_last.verdict == "incorrect" and first_last.score == 0
    reversed_ = grade(variant, letters(variant, [3, 2, 1, 0]))
    assert reversed_.verdict == "incorrect" and reversed_.counts_as_attempt


@pytest.mark.parametrize("seed", range(30))
def test_the_order_submitted_untouched_earns_nothing(seed):
    variant = instantiate(QUESTION, seed)
    untouched = grade(variant, letters(variant, variant.order))
    assert untouched.verdict == "incorrect" and untouched.score == 0


def test_credit_is_only_for_pairs_put_right_beyond_the_order_shown():
    variant = instantiate(QUESTION, 0)  # shown as 1 0 2 3: 5 of 6 pairs already in order
    assert variant.order == [1, 0, 2, 3]
    other_slip = grade(variant, letters(variant, [0, 2, 1, 3]))  # also 5 of 6: no better
    assert other_slip.score == 0


def test_a_random_order_earns_little_on_average():
    import itertools

    variant = instantiate(QUESTION, 3)
    scores = [grade(variant, letters(variant, list(p))).score for p in itertools.permutations(range(4))]
    assert sum(scores) / len(scores) < 0.16  # floored Kendall tau alone averages 0.19 on 4 items


def test_a_further_try_costs_what_a_further_try_at_a_choice_costs():
    from tutor.quiz.session import retry_penalty

    assert retry_penalty(QUESTION) == pytest.approx(1 / 3)  # four items


@pytest.mark.parametrize(
    ("answer", "words", "position"),
    [
        ("a b", "c, d are missing", None),
        ("a b b c", "`b` is there twice", 4),
        ("a, b, x, c", "`x` is not one of the items (a–d)", 6),
        ("1 2 3 4", "`1` is not one of the items", 0),
    ],
)
def test_an_unreadable_order_says_why_and_costs_no_try(answer, words, position):
    result = grade(instantiate(QUESTION, 0), answer)
    assert result.verdict == "invalid" and not result.counts_as_attempt
    assert words in result.feedback[0] and result.position == position


def test_commas_arrows_and_brackets_are_read_as_the_letters():
    variant = instantiate(QUESTION, 4)
    right = letters(variant, [0, 1, 2, 3]).split()
    for written in (", ".join(right), " → ".join(right), " ".join(f"({x})" for x in right)):
        assert grade(variant, written).verdict == "correct", written


def test_plain_mode_reads_the_line_form(tmp_path):
    from tutor.quiz.plain import PlainQuiz
    from tutor.quiz.session import QuizSession

    session = QuizSession([COURSE.questions["basics-training-step-order"]], seed=3)
    right = letters(session.current.variant, [0, 1, 2, 3])
    wrong = letters(session.current.variant, [0, 2, 1, 3])
    answers = iter([wrong, right])
    transcript: list[str] = []
    PlainQuiz(session, lambda prompt: next(answers, None), transcript.append).run()
    text = "\n".join(transcript)
    assert "  a) " in text and "every letter once" in text
    assert "◐ Partly correct" in text and "✓ Correct" in text


async def test_the_app_reorders_with_the_keyboard_only(tmp_path):
    from tutor.progress.store import ProgressStore
    from tutor.tui.app import StartAt, TutorApp

    app = TutorApp(
        REPO,
        ProgressStore(tmp_path / "progress"),
        StartAt("quiz", "basics-training-step-order", seed=0),
        warm_up=False,
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: type(app.screen).__name__ == "QuizScreen")
        screen = app.screen
        await wait_until(pilot, lambda: screen._area is not None and screen.focused is not None)
        order = screen.session.current.variant.order  # authored index at each shown position
        # selection sort by keys alone: bring each authored item up to its place
        for place in range(4):
            listing = screen.area.query_one("OrderList")
            at = [order[i] for i in listing.order].index(place)
            await pilot.press(*(["up"] * 4), *(["down"] * at))
            await pilot.press(*(["u", "shift+up"] * 2)[: at - place])
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: screen.session.current.attempts == 1 and not screen.grading)
        assert screen.session.current.result.verdict == "correct"
