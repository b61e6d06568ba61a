"""`tutor quiz --plain`: the whole quiz as lines of text, sharing every rule with the app."""

from __future__ import annotations

import re

from click.testing import CliRunner

from tests.conftest import FIXTURES
from tutor.cli import main
from tutor.content.loader import load_course
from tutor.progress.store import ProgressStore
from tutor.quiz.plain import PlainQuiz
from tutor.quiz.session import QuizSession

COURSE = FIXTURES / "app-course"


def run_plain(tmp_path, answers_for):
    """Drive a plain quiz; `answers_for(prompt, transcript)` gives each line typed."""
    course = load_course(COURSE)
    store = ProgressStore(tmp_path)
    session = QuizSession(course.resolve("basics"), seed=5, on_attempt=store.record, clock=lambda: 0.0)
    transcript: list[str] = []

    def read(prompt: str) -> str | None:
        transcript.append(prompt)
        return answers_for(prompt, "\n".join(transcript))

    summary = PlainQuiz(session, read, transcript.append).run()
    return summary, "\n".join(transcript), store


def test_a_whole_quiz_through_the_plain_mode(tmp_path):
    script = iter(
        [
            "hint",
            "-log(",  # unreadable: costs nothing
            None,  # filled with the right value below
            "2(ŷ - y)",
            "b",
            "2(y_hat - y)",
            "2(y_hat - y)x",
            "Its gradient never grows with the error.",
            ".",
            "a",
        ]
    )

    def answers(prompt: str, transcript: str) -> str | None:
        line = next(script, None)
        if line is None and "p = " in transcript and "answer>" in prompt:
            p = re.search(r"p = ([0-9.]+)\?", transcript).group(1)
            return f"-ln({p})"
        return line

    summary, out, store = run_plain(tmp_path, answers)
    assert "Hint 1: Natural log. (costs 50%)" in out
    assert "? Cannot read (this try does not count)" in out
    assert "  -log(\n      ^" in out
    assert len(re.findall(r"^✓ Correct", out, re.M)) == 4  # steps list their parts too, indented
    assert "  a) MSE\n  b) MAE" in out
    assert "Model answer:" in out and "a) constant-size gradient" in out
    assert "◐ Partly correct" in out
    assert summary.total == 5 and summary.correct == 3  # the hinted one is right but not fully scored
    # the hint halved the first question's score: 0.5 + 1 + 1 + 1 + 0.5
    assert abs(summary.score - 4.0 / 5) < 1e-9
    assert len(store.attempts()) == 5


def test_skip_solution_and_quit(tmp_path):
    script = iter(["solution", "skip", "quit"])
    summary, out, _ = run_plain(tmp_path, lambda prompt, transcript: next(script, None))
    assert "Worked solution:\n−log(" in out
    assert "── Question 2 of 5" in out
    assert summary.rows[0].outcome == "skipped"
    assert "To revisit: questions 1, 2, 3, 4, 5." in out


def test_end_of_input_finishes_the_quiz_with_a_summary(tmp_path):
    summary, out, _ = run_plain(tmp_path, lambda prompt, transcript: None)
    assert "Finished: score 0%" in out
    assert summary.correct == 0


def test_the_command_line_runs_a_piped_quiz(tmp_path, monkeypatch):
    monkeypatch.setenv("TUTOR_DATA_DIR", str(tmp_path))
    result = CliRunner().invoke(
        main, ["quiz", "q-choice", "--plain", "--course", str(COURSE)], input="c\nb\n"
    )
    assert result.exit_code == 0, result.output
    assert "`c` is not one of the options (a–b)" in result.output
    assert "✓ Correct" in result.output and "Right: linear." in result.output
    assert "Finished: score 100%" in result.output
    assert [a.question for a in ProgressStore(tmp_path).attempts()] == ["q-choice"]


def test_an_unknown_quiz_is_a_usage_error_with_a_suggestion(tmp_path, monkeypatch):
    monkeypatch.setenv("TUTOR_DATA_DIR", str(tmp_path))
    result = CliRunner().invoke(main, ["quiz", "basic", "--plain", "--course", str(COURSE)])
    assert result.exit_code == 2
    assert "did you mean `basics`?" in result.output


def test_a_data_folder_that_cannot_be_written_is_said_once_and_the_quiz_goes_on(tmp_path, monkeypatch):
    # A folder under a regular file cannot be created even by root, unlike a chmod-ed one.
    (tmp_path / "a-file").write_text("", encoding="utf-8")
    folder = tmp_path / "a-file" / "progress"
    monkeypatch.setenv("TUTOR_DATA_DIR", str(folder))
    result = CliRunner().invoke(
        main, ["quiz", "q-choice", "--plain", "--course", str(COURSE)], input="a\nb\n"
    )
    assert result.exit_code == 0, result.output
    assert result.output.count("Progress cannot be saved") == 1
    assert f"Progress cannot be saved to {folder}: Not a directory" in result.output
    assert "✗ Incorrect" in result.output
    # two options: after a wrong pick the right one is no longer a finding, so it earns nothing
    assert "Try again (next try earns at most 0%, each further try costs 100%)" in result.output
    assert "Finished: score 0%" in result.output


def test_a_damaged_record_is_reported_and_the_quiz_goes_on(tmp_path, monkeypatch):
    monkeypatch.setenv("TUTOR_DATA_DIR", str(tmp_path))
    (tmp_path / "attempts.jsonl").write_bytes(b'{"question": "q-choice", "verdict": "caf\xc3\n[]\n')
    result = CliRunner().invoke(main, ["quiz", "q-choice", "--plain", "--course", str(COURSE)], input="b\n")
    assert result.exit_code == 0, result.output
    assert "2 lines of" in result.output and "(lines 1, 2)" in result.output
    assert "Finished: score 100%" in result.output
    assert ProgressStore(tmp_path).best() == {"q-choice": 1.0}


MULTI = """
bank: multi
title: Multi
questions:
  - id: pick-two
    type: choice
    multiple: true
    shuffle: false
    prompt: Which two are losses?
    options:
      - {text: Mean squared error over the batch, correct: true}
      - {text: Accuracy on the held-out set}
      - {text: Binary cross-entropy of the logits, correct: true}
  - id: chain
    type: derivation
    mode: chain
    prompt: Simplify (x + 1)^2 - 1.
    variables: {x: {domain: real}}
    start: (x + 1)^2 - 1
    answer: x^2 + 2*x
  - id: why
    type: free
    prompt: Why?
    model_answer: Because.
    rubric: [one, two]
"""


def test_plain_mode_letters_everywhere_and_no_literal_backticks(tmp_path, make_course):
    from tutor.quiz.plain import PlainQuiz

    course = load_course(make_course(questions={"multi.yaml": MULTI}))
    session = QuizSession(course.resolve("multi"), seed=1, clock=lambda: 0.0)
    lines = iter(
        ["(c), (a)", "(x + 1)^2 - 1 = x^2 + 2x", ".", "It is so for reasons one and two.", ".", "1", "(b) a"]
    )
    transcript: list[str] = []

    def read(prompt: str) -> str | None:
        transcript.append(prompt)
        return next(lines, None)

    PlainQuiz(session, read, transcript.append).run()
    out = "\n".join(transcript)
    assert "✓ Correct" in out.split("── Question 2")[0]  # "(c), (a)" is read, not refused
    assert "chosen: a, c" in out
    assert "Mean squared error over the batch, Binary" not in out  # no option texts run together
    assert "`" not in out
    assert "  a) one\n  b) two" in out
    assert 'Type letters from a to b, or "none".' in out  # numbers are not the convention
    assert session.states[2].best == 1.0


def test_an_option_letter_in_brackets_is_read_as_shown(tmp_path):
    # the options print as "a) …": a), (a) and a. are the letter as shown, in the plain mode
    course = load_course(COURSE)
    session = QuizSession(course.resolve("q-choice"), seed=1)
    quiz = PlainQuiz(session, lambda prompt: None, lambda text: None)
    assert quiz.choice_letters("(b)") == {1}
    assert quiz.choice_letters("(a), b)") == {0, 1}


def test_plain_text_reflows_paragraphs_keeps_lists_and_code_and_drops_marks():
    from tutor.quiz.feedback import plain_markdown, strip_marks

    text = (
        "A loss reduced with a **sum** over the\nbatch, model *A* minus B;\n2*(y - x)*z stays.\n\n"
        "- a list item long enough that it has to wrap onto a second line at forty\n- `mse(y, yhat)`\n\n"
        "```\ndef f(x):\n    return x\n```"
    )
    out = plain_markdown(text, 40).split("\n")
    # the author's line breaks are not the reader's: filled to the width
    assert out[:3] == ["A loss reduced with a sum over the", "batch, model A minus B; 2*(y - x)*z", "stays."]
    assert out[4] == "- a list item long enough that it has to"
    assert out[5].startswith("  wrap")  # a hanging indent under the item
    assert "- mse(y, yhat)" in out
    assert "    return x" in out  # code as written
    assert all(len(line) <= 40 for line in out)
    assert strip_marks("`c` is not an option", code=False) == "`c` is not an option"


def test_plain_mode_fits_the_summary_to_the_width_and_names_questions_by_number():
    session = QuizSession(load_course(COURSE).resolve("basics"), seed=3)
    transcript: list[str] = []
    answers = iter(["skip"] * 5)
    PlainQuiz(session, lambda prompt: next(answers, None), transcript.append, width=50).run()
    out = "\n".join(transcript)
    rows = [line for line in out.split("\n") if line.startswith("   ") and ". " in line[:6]]
    assert rows and all(len(line) <= 50 for line in rows)
    assert "To revisit: questions 1, 2, 3, 4, 5." in out
    assert "**" not in out


def test_plain_choice_options_wrap_to_the_terminal_under_their_letter():
    from tests.conftest import REPO

    course = load_course(REPO)
    session = QuizSession(course.resolve("bce-logits-why"), seed=1)
    out: list[str] = []
    PlainQuiz(session, lambda prompt: None, out.append, width=50).show_inputs()
    lines = "\n".join(out).splitlines()
    assert any(len(line) > 0 for line in lines)
    assert all(len(line) <= 50 for line in lines), lines
    assert any(line.startswith("     ") and line.strip() for line in lines)  # a wrapped option hangs
