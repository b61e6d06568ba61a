"""Control characters read from files never reach the terminal (issue 23, item 13): `tutor
report` printed an export's `notes` as they were, so `\\u001b[5m` made the terminal blink."""

from __future__ import annotations

import json
import re

from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from tests.test_class_report import row
from tutor.cli import main
from tutor.content.printable import printable

# What a terminal acts on: ESC and every other C0 control but tab and newline, DEL, C1, bidi.
ACTED_ON = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
HOSTILE = "\u001b[5mblink\u001b]0;owned\u0007\r\u009b31m\u202etxt.exe"


@given(st.text())
def test_printable_leaves_nothing_a_terminal_acts_on_and_keeps_the_rest(text):
    shown = printable(text)
    assert not ACTED_ON.search(shown)
    assert len(shown) == len(text)
    assert [c for c in shown if c != "\ufffd"] == [c for c in text if not ACTED_ON.match(c) and c != "\ufffd"]


def test_the_class_report_shows_no_escape_from_an_export(tmp_path):
    export = tmp_path / "class.json"
    rows = [
        row(n, f"learner{HOSTILE}", f"q{HOSTILE}", 0.0, f"a{HOSTILE}", notes=[f"note{HOSTILE}"])
        for n in range(3)
    ]
    export.write_text(json.dumps(rows), encoding="utf-8")
    result = CliRunner().invoke(main, ["report", str(export)], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "blink" in result.output and "note" in result.output
    assert not ACTED_ON.search(result.output), repr(result.output[:400])


def test_check_shows_no_escape_from_a_course_file(make_course):
    root = make_course(
        questions={"bad.yaml": f'bank: b\ntitle: t\nquestions:\n  - id: "x{HOSTILE}"\n    type: nope\n'}
    )
    result = CliRunner().invoke(main, ["check", "--course", str(root)])
    assert result.exit_code != 0
    assert "bad.yaml" in result.output
    assert not ACTED_ON.search(result.output), repr(result.output[:400])


def test_an_error_message_quoting_a_file_shows_no_escape(tmp_path):
    source = tmp_path / "bad.gift"
    source.write_text("::n::{#" + HOSTILE.replace("}", "") + "}\n", encoding="utf-8")
    result = CliRunner().invoke(
        main, ["import", "--from", "gift", str(source), "-o", str(tmp_path / "b.yaml")]
    )
    assert result.exit_code == 1
    assert "is not a number" in result.output
    assert not ACTED_ON.search(result.output), repr(result.output[:400])


def test_a_course_text_with_an_escape_reaches_neither_the_app_nor_plain_mode(make_course):
    # YAML's "\e" (and "\x1b", "\u009b") escapes make control characters in a course file.
    bank = (
        "bank: b\ntitle: T\nquestions:\n  - id: q1\n    type: numeric\n"
        '    prompt: "One \\e[5mplus\\x1b]0;owned\\x07 one?\\u009b2J"\n'
        "    answer: '2'\n"
        '    hints: ["\\e[31mred"]\n'
    )
    root = make_course(questions={"b.yaml": bank})
    from tutor.content.loader import load_course

    course = load_course(root)
    assert not course.diagnostics, [str(d) for d in course.diagnostics]
    question = course.questions["q1"].question
    assert "plus" in question.prompt and not ACTED_ON.search(question.prompt)
    assert not ACTED_ON.search(question.hints[0].text)
    result = CliRunner().invoke(main, ["grade", "q1", "2", "--course", str(root)])
    assert "Correct" in result.output and not ACTED_ON.search(result.output), repr(result.output)
