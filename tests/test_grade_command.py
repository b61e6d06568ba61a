"""`tutor grade`: one answer graded from the command line, as the app would."""

from __future__ import annotations

import json
import math

from click.testing import CliRunner

from tests.conftest import FIXTURES
from tutor.cli import main
from tutor.content.loader import load_course
from tutor.content.variants import instantiate

COURSE = str(FIXTURES / "app-course")


def grade(*args: str):
    return CliRunner().invoke(main, ["grade", *args, "--course", COURSE])


def p_for(seed: int) -> float:
    entry = load_course(FIXTURES / "app-course").questions["q-log"]
    return instantiate(entry.question, seed).values["p"]


def test_an_answer_starting_with_a_minus_is_an_answer_not_an_option():
    p = p_for(4)
    result = grade("q-log", f"-log({p})", "--seed", "4")
    assert result.exit_code == 0, result.output
    assert "✓ Correct" in result.output


def test_json_carries_verdict_score_notes_feedback_and_reading():
    p = p_for(2)
    result = grade("q-log", f"-log10({p})", "--seed", "2", "--json")
    data = json.loads(result.output)
    assert data["verdict"] == "incorrect" and data["score"] == 0
    assert data["notes"] == ["log-base"]
    assert data["read_as"] == f"−log10({p})"
    assert data["feedback"] == ["That is the base-10 log."]
    right = json.loads(grade("q-log", f"{-math.log(p):.4f}", "--seed", "2", "--json").output)
    assert right["verdict"] == "correct" and right["rule"] == "within 0.5 %"


def test_an_unreadable_answer_points_at_the_problem():
    result = grade("q-log", "2,3026")
    assert "? Cannot read" in result.output
    assert "decimal point" in result.output
    assert "  2,3026\n   ^\n" in result.output  # under the comma


def test_an_unknown_question_suggests_the_near_one():
    result = grade("q-lg", "1")
    assert result.exit_code == 2
    assert "did you mean `q-log`?" in result.output


def test_an_answer_with_an_h_in_it_is_not_a_request_for_help():
    # click used to read `-2*(y - yhat)` as options -2 -* ... -h: it printed the usage, exit 0
    p = p_for(3)
    result = grade("q-log", f"-1*log({p})*(1 + 0*hat)", "--seed", "3")
    assert "Usage:" not in result.output
    assert "`hat` is not a known name" in result.output


def test_double_dash_before_the_answer_works():
    p = p_for(1)
    result = CliRunner().invoke(
        main, ["grade", "--course", COURSE, "--seed", "1", "q-log", "--", f"-log({p})"]
    )
    assert result.exit_code == 0, result.output
    assert "✓ Correct" in result.output


def test_usage_errors_exit_non_zero():
    assert grade("q-log").exit_code == 2  # no answer
    assert grade("q-log", "1", "2").exit_code == 2  # one answer too many
    misspelt = grade("q-log", "1", "--sed", "2")
    assert misspelt.exit_code == 2 and "No such option" in misspelt.output


def test_a_course_problem_is_the_check_message_not_a_traceback(tmp_path):
    (tmp_path / "questions").mkdir()
    (tmp_path / "questions" / "b.yaml").write_text(
        "bank: b\ntitle: B\nquestions:\n"
        "  - id: q1\n    type: expression\n    prompt: Gradient?\n"
        "    variables: {y: {domain: real}}\n    answer: Foo(y)\n",
        encoding="utf-8",
    )
    for args in (["grade", "q1", "y"], ["quiz", "--plain", "q1"]):
        result = CliRunner().invoke(main, [*args, "--course", str(tmp_path)], input="")
        assert result.exit_code == 1, result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)
        assert "b.yaml:8:13: question 'q1': answer: `Foo` is not a known function" in result.output


MARKED = """
bank: m
title: M
questions:
  - id: marked
    type: numeric
    prompt: |
      What is **one** plus *one*?

      - give a number
    answer: 2
    mistakes:
      - {answer: 11, note: joined, feedback: "You **joined** the digits: `1` and `1` are added."}
"""


def test_markdown_is_rendered_not_printed_raw(make_course, monkeypatch):
    root = make_course(questions={"m.yaml": MARKED})
    piped = CliRunner().invoke(main, ["grade", "marked", "11", "--course", str(root)])
    assert piped.exit_code == 0, piped.output
    assert "What is one plus one?" in piped.output
    assert "You joined the digits: `1` and `1` are added." in piped.output  # typed text stays quoted
    assert "**" not in piped.output and "*one*" not in piped.output
    monkeypatch.setattr("tutor.cli._stdout_is_terminal", lambda: True)
    shown = CliRunner().invoke(main, ["grade", "marked", "11", "--course", str(root)])
    assert shown.exit_code == 0, shown.output
    assert "one plus one" in shown.output and "You joined the digits" in shown.output
    assert "**" not in shown.output and "`" not in shown.output
