"""`tutor quiz --plain` and `tutor grade` on hostile input: messages, never tracebacks (issue 10)."""

from __future__ import annotations

from click.testing import CliRunner

from tests.conftest import FIXTURES
from tutor.cli import main

COURSE = FIXTURES / "app-course"


def grade(*args: str):
    return CliRunner().invoke(main, ["grade", *args, "--course", str(COURSE)])


def test_odd_digits_and_huge_numbers_are_answers_to_fix_not_tracebacks(tmp_path, monkeypatch):
    # `²` passes str.isdigit and int() refuses 5,000 digits: both used to end the quiz
    monkeypatch.setenv("TUTOR_DATA_DIR", str(tmp_path))
    huge = "9" * 5000
    result = CliRunner().invoke(
        main, ["quiz", "q-choice", "--plain", "--course", str(COURSE)], input=f"²\n{huge}\nb\n"
    )
    assert result.exit_code == 0, result.output
    assert result.exception is None
    assert "`²` is not one of the options (a–b)" in result.output
    assert "`99999" in result.output and "is not one of the options" in result.output
    assert "Finished: score 100%" in result.output

    result = CliRunner().invoke(
        main,
        ["quiz", "q-free", "--plain", "--course", str(COURSE)],
        input=f"Because its gradient never grows with the error.\n.\n²\n{huge}\na b\n",
    )
    assert result.exit_code == 0, result.output
    assert result.exception is None
    assert result.output.count('Type letters from a to b, or "none".') == 2
    assert "Finished: score 100%" in result.output


def test_no_answer_gives_a_traceback():
    # each of these used to raise inside the grader
    for question, answer in [("q-choice", "²"), ("q-choice", "9" * 5000), ("q-steps", "@\\n1\\n1")]:
        result = grade(question, answer)
        assert result.exit_code == 0, result.output
        assert result.exception is None
        assert "Traceback" not in result.output


def test_an_answer_over_the_cap_says_so():
    from tutor.grading.limits import MAX_ANSWER_CHARS

    result = grade("q-log", "1+" * MAX_ANSWER_CHARS + "1")
    assert result.exit_code == 0, result.output
    assert f"Your answer is too long ({2 * MAX_ANSWER_CHARS + 1:,} characters" in result.output
