"""`matching` questions: the line forms, per-pair credit, distractors, and typing letters in the app."""

from __future__ import annotations

import pytest

from tests.conftest import REPO, wait_until
from tutor.content.builtin import builtin_course_root
from tutor.content.loader import load_course
from tutor.content.variants import instantiate
from tutor.grading.grader import grade
from tutor.grading.letters import letter
from tutor.kinds.matching import rights

COURSE = load_course(builtin_course_root())
QUESTION = COURSE.questions["choose-task-activation"].question  # 4 pairs and a distractor


def letter_of(variant, text: str) -> str:
    """The letter this variant shows a right-hand item by."""
    return letter(variant.order.index(rights(variant.question).index(text)))


def answer(variant, rights_in_order: list[str]) -> str:
    return " ".join(f"{k}{letter_of(variant, r)}" for k, r in enumerate(rights_in_order, start=1))


RIGHT = [p.right for p in QUESTION.pairs]


@pytest.mark.parametrize("seed", range(10))
def test_the_right_matching_is_correct_in_both_line_forms(seed):
    variant = instantiate(QUESTION, seed)
    assert grade(variant, answer(variant, RIGHT)).verdict == "correct"
    letters_only = " ".join(letter_of(variant, r) for r in RIGHT)
    assert grade(variant, letters_only).verdict == "correct"
    numbered = ", ".join(f"{k}-{letter_of(variant, r)}" for k, r in enumerate(RIGHT, start=1))
    assert grade(variant, numbered).verdict == "correct"


def test_the_right_column_with_its_distractor_is_shuffled_per_variant():
    assert "ReLU" in rights(QUESTION)
    assert len({tuple(instantiate(QUESTION, seed).order) for seed in range(20)}) > 5


def test_each_pair_earns_its_share_and_a_distractor_earns_nothing():
    variant = instantiate(QUESTION, 0)
    one_wrong = grade(variant, answer(variant, [*RIGHT[:3], "ReLU"]))
    assert one_wrong.verdict == "partial" and one_wrong.score == pytest.approx(0.75)
    assert "4. Multi-label" in one_wrong.feedback[1]
    swapped = grade(variant, answer(variant, [RIGHT[1], RIGHT[0], *RIGHT[2:]]))
    assert swapped.score == pytest.approx(0.5)
    none_right = grade(variant, answer(variant, ["ReLU"] * 4))
    assert none_right.verdict == "incorrect" and none_right.counts_as_attempt


@pytest.mark.parametrize(
    ("written", "words"),
    [
        ("1a 2b", "3, 4 have none"),
        ("1a 1b 3c 4d", "Item 1 is matched twice"),
        ("1a 2b 3c 9d", "There is no item 9"),
        ("1a 2b 3c 4z", "`z` is not one of the letters (a–e)"),
        ("a b c d e", "There are 4 items to match, and 5 letters"),
        ("1a 2b 3c 4d lots", "`lots` is not a number and a letter"),
    ],
)
def test_an_unreadable_matching_says_why_and_costs_no_try(written, words):
    result = grade(instantiate(QUESTION, 0), written)
    assert result.verdict == "invalid" and not result.counts_as_attempt
    assert words in result.feedback[0]


def test_a_distractor_that_is_also_an_answer_is_reported(make_course):
    from tutor.content.checks import check_course

    bank = """bank: b
title: B
questions:
  - id: m
    type: matching
    prompt: p
    pairs:
      - {left: x, right: "1"}
      - {left: y, right: "2"}
    distractors: ["2"]
    hints: [h]
"""
    course = load_course(make_course(questions={"b.yaml": bank}))
    report = check_course(course, seeds=1)
    assert any("distractor is also a pair's right side" in d.message for d in report.diagnostics)


async def test_the_app_takes_letters_typed_against_each_item(tmp_path):
    from tutor.progress.store import ProgressStore
    from tutor.tui.app import StartAt, TutorApp

    app = TutorApp(
        REPO,
        ProgressStore(tmp_path / "progress"),
        StartAt("quiz", "choose-task-activation", seed=0),
        warm_up=False,
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: type(app.screen).__name__ == "QuizScreen")
        screen = app.screen
        await wait_until(pilot, lambda: screen._area is not None and screen.focused is not None)
        variant = screen.session.current.variant
        await pilot.press(*(letter_of(variant, r) for r in RIGHT[:3]), "right")  # the last by ←/→
        while screen.area.value() != answer(variant, RIGHT):
            await pilot.press("right")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: screen.session.current.attempts == 1 and not screen.grading)
        assert screen.session.current.result.verdict == "correct"


def test_a_no_break_space_between_pairs_reads_as_a_space():
    # `tutor grade choose-task-loss $'1c\u00a02e\u00a03a\u00a04d' --seed 12345` ended in an
    # IndexError, "the grader failed" (issue 23, item 8); a trailing newline did too.
    from click.testing import CliRunner

    from tutor.cli import main
    from tutor.content import model as m
    from tutor.content.builtin import builtin_course_root
    from tutor.content.loader import load_course
    from tutor.content.variants import instantiate

    qid = "choose-task-activation"  # a built-in matching question (choose-task-loss was merged into it)
    question = load_course(builtin_course_root()).questions[qid].question
    right = m.kinds()["matching"].reference_answer(instantiate(question, 12345))
    assert right is not None and " " in right
    for answer in (
        right.replace(" ", "\u00a0"),
        right + "\n",
        right.replace(" ", "\u2003", 1).replace(" ", "\u3000"),
    ):
        result = CliRunner().invoke(main, ["grade", qid, answer, "--seed", "12345"])
        assert result.exit_code == 0, result.output
        assert "Correct" in result.output and "failed" not in result.output, (answer, result.output)


def test_a_further_try_at_a_matching_costs_a_share_like_a_choice() -> None:
    from tutor.kinds.matching import rights
    from tutor.quiz.session import retry_penalty

    question = next(e.question for e in COURSE.questions.values() if e.question.type == "matching")
    assert retry_penalty(question) == pytest.approx(1 / (len(rights(question)) - 1))


async def test_a_letter_moves_on_and_a_down_after_it_does_not_move_again(tmp_path):
    from tests.conftest import REPO, wait_until
    from tutor.progress.store import ProgressStore
    from tutor.tui.app import StartAt, TutorApp

    for keys in (["a", "down", "b", "down", "c", "down", "d"], ["a", "b", "c", "d"]):
        app = TutorApp(
            REPO,
            ProgressStore(tmp_path / "-".join(keys)),
            StartAt("quiz", "choose-task-activation", seed=0),
            warm_up=False,
        )
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_until(pilot, lambda app=app: type(app.screen).__name__ == "QuizScreen")
            screen = app.screen
            await wait_until(pilot, lambda s=screen: s._area is not None and s.focused is not None)
            listing = screen.query_one("MatchList")
            rows = len(listing.chosen)
            await pilot.press(*keys[: 2 * rows - 1] if "down" in keys else keys[:rows])
            await pilot.pause()
            assert listing.chosen[:rows] == [0, 1, 2, 3][:rows], keys
            assert "next item is then picked" in str(screen.query_one("#how").render())
