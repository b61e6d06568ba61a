"""What `tutor check` says about the slips instructors make most: one message that names the
slip, at the line to edit, instead of the errors that follow from it."""

from __future__ import annotations

from click.testing import CliRunner

from tutor.cli import main

LESSON = """
id: intro
title: Intro
summary: S
sections:
  - title: T
    body: B
quiz: [basics]
"""

BANK = """
bank: basics
title: Basics
questions:
  - id: one
    type: numeric
    prompt: One?
    answer: 1
    solution: One.
"""


def check(root) -> list[str]:
    import os

    here = os.getcwd()
    os.chdir(root)  # so that the report's paths are questions/... and lessons/...
    try:
        result = CliRunner().invoke(main, ["check", "--seeds", "1"])
    finally:
        os.chdir(here)
    return result.output.strip().splitlines()


def test_a_lesson_in_questions_is_named_a_lesson(make_course):
    lines = check(make_course(questions={"intro.yaml": LESSON, "basics.yaml": BANK}))
    mine = [line for line in lines if "intro.yaml" in line]
    assert len(mine) == 1
    assert mine[0].endswith(
        "questions/intro.yaml:1:1: this is a lesson (it has `sections:`), not a question bank: "
        "lessons go in lessons/"
    )


def test_a_bank_in_lessons_is_named_a_bank(make_course):
    lines = check(make_course(lessons={"basics.yaml": BANK}))
    assert len(lines) == 2
    assert "lessons/basics.yaml:1:1: this is a question bank" in lines[0]


def test_a_missing_type_is_called_missing(make_course):
    lines = check(make_course(questions={"b.yaml": BANK.replace("    type: numeric\n", "")}))
    assert "b.yaml:4:5: question 'one': missing required field `type`: one of numeric," in lines[0]


def test_an_unquoted_vector_answer_is_told_to_quote(make_course):
    bank = BANK.replace("type: numeric", "type: vector").replace("answer: 1", "answer: [p, 1 - p]")
    lines = check(make_course(questions={"b.yaml": bank}))
    assert "b.yaml:7:13: question 'one': `answer` should be text, but YAML read a list" in lines[0]
    assert 'put it in quotes: "[p, 1 - p]"' in lines[0]


def test_a_value_starting_with_a_placeholder_is_told_to_quote(make_course):
    bank = BANK.replace("prompt: One?", "prompt: {{p}} is it?\n    params: {p: {integers: [1, 9]}}")
    lines = check(make_course(questions={"b.yaml": bank}))
    assert lines[0].startswith("questions/b.yaml:6:13: a value starting with `{{` is read as a YAML mapping")
    assert "put the whole value in quotes" in lines[0]


def test_a_value_starting_with_a_placeholder_in_a_list(make_course):
    bank = BANK.replace("    solution: One.", "    hints:\n      - {{answer}} is it\n    solution: One.")
    lines = check(make_course(questions={"b.yaml": bank}))
    assert lines[0].startswith("questions/b.yaml:9:9: a value starting with `{{`")


def test_errors_caused_by_another_come_after_it(make_course):
    # lessons/ sorts before questions/, but the lesson's error is caused by the bank's.
    root = make_course(lessons={"intro.yaml": LESSON}, questions={"basics.yaml": BANK + "  - [\n"})
    lines = check(root)
    assert lines[0].startswith("questions/basics.yaml:")
    assert lines[1].startswith(
        "lessons/intro.yaml:7:8: lesson 'intro': quiz names `basics`, which did not load"
    )
    assert "fix questions/basics.yaml (reported above) first" in lines[1]


def test_a_question_that_failed_to_load_is_a_cause_too(make_course):
    root = make_course(
        lessons={"intro.yaml": LESSON.replace("[basics]", "[one]")},
        questions={"basics.yaml": BANK.replace("answer: 1", "answer: 1\n    bogus: 2")},
    )
    lines = check(root)
    assert "unknown field `bogus`" in lines[0]
    assert "quiz names `one`, which did not load" in lines[1]


def test_a_dedented_field_points_at_its_line(make_course):
    bank = BANK.replace(
        "    solution: One.",
        "    mistakes:\n      - answer: 2\n        note: double\n    feedback: Twice.\n    solution: One.",
    )
    lines = check(make_course(questions={"b.yaml": bank}))
    assert len(lines) == 2
    assert lines[0].startswith("questions/b.yaml:11:5: question 'one': `feedback` is indented as if")
    assert "(`mistakes[0]`) is missing it" in lines[0]
