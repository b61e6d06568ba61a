"""The checks of tutor/content/lint.py: each has a question (or lesson) in
tests/fixtures/lint-course that trips it, and the built-in course trips none."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from tests.conftest import FIXTURES
from tutor.cli import main

LINT = FIXTURES / "lint-course"
BANK = "questions/lint.yaml"

# (file:line:col, severity, the words that must be in the message); written from the fixture.
EXPECTED = [
    ("lessons/plots.yaml:10:15", "warning", "curve `log` is undefined over 75% of the plotted range"),
    (f"{BANK}:7:13", "error", "'empty-prompt': the prompt is empty"),
    (f"{BANK}:11:9", "warning", "'no-solution': no worked solution"),
    (f"{BANK}:20:5", "error", "'costly-hints': the hint penalties add up to 1.2"),
    (f"{BANK}:29:23", "error", "forbid names `Derivative`, which the expression language does not know"),
    (f"{BANK}:37:16", "error", "'options': option 2 has no text"),
    (f"{BANK}:39:16", "error", "option 4 has the same text as option 3"),
    (f"{BANK}:47:18", "error", "mistake `Huber Loss` is also an accepted answer"),
    (f"{BANK}:56:50", "error", "the first step has no earlier step to follow"),
    (f"{BANK}:57:51", "error", "`follows` uses no earlier step (step1)"),
    (f"{BANK}:60:9", "error", "question id `lint` is also the id of a bank"),
    (f"{BANK}:66:9", "error", "question id `plots` is also the id of a lesson"),
    (f"{BANK}:76:10", "warning", "parameter `p` is 0.5 in all 90 variants drawn"),
    (f"{BANK}:84:5", "warning", "only 2 distinct variants in 90 draws"),
    (f"{BANK}:95:14", "error", "seed 0: the answer key breaks its own `sums_to`: its items sum to 1, not 2"),
    (f"{BANK}:104:18", "error", "the answer key breaks its own `nonnegative: true`"),
    (
        f"{BANK}:114:18",
        "warning",
        "this mistake is not reached on seeds 0, 1, 4, 6, 7, 11, 13, 15, 18, 22, … of 90",
    ),
    (f"{BANK}:131:16", "error", "the reference itself grades undecided"),
    # equal to the answer on none of the 5 graded seeds: found by comparing values on all 90
    (
        f"{BANK}:145:18",
        "warning",
        "'mistake-rarely': this mistake is not reached on seeds 44, 49, 76, 78 of 90",
    ),
]


@pytest.fixture(scope="module")
def findings() -> list[dict]:
    import json
    import os

    cwd = os.getcwd()
    os.chdir(LINT)
    try:
        result = CliRunner().invoke(main, ["check", "--json"])
    finally:
        os.chdir(cwd)
    assert result.exit_code == 1, result.output
    return json.loads(result.output)["diagnostics"]


@pytest.mark.parametrize(("where", "severity", "words"), EXPECTED, ids=[e[2][:40] for e in EXPECTED])
def test_each_check_is_tripped_by_its_fixture(findings, where, severity, words):
    at = [f for f in findings if f"{f['file']}:{f['line']}:{f['column']}" == where]
    assert at, f"nothing reported at {where}"
    message = " ".join(f"'{f['where'].split(chr(39))[1]}': {f['message']}" for f in at)
    assert words in message
    assert at[0]["severity"] == severity


def test_nothing_else_is_reported(findings):
    got = {f"{f['file']}:{f['line']}:{f['column']}" for f in findings}
    assert got == {where for where, _, _ in EXPECTED}


def test_a_mistake_marked_partial_ok_is_not_reported(findings):
    assert not [f for f in findings if f["where"] == "question 'mistake-sometimes-ok'"]


def test_a_mistake_never_reached_is_still_an_error(make_course):
    root = make_course(
        questions={
            "a.yaml": """
            bank: a
            title: A
            questions:
              - id: q
                type: numeric
                prompt: "a = {{a}}"
                params: {a: {uniform: [1, 2]}}
                answer: a
                mistakes: [{answer: "a*1", note: same, feedback: Never., partial: ok}]
                solution: a
            """
        }
    )
    out = CliRunner().invoke(main, ["check", str(root)]).output
    assert "seed 0: this mistake is never reached: it grades correct" in out


def test_a_non_finite_weight_is_refused(make_course):
    root = make_course(
        questions={
            "w.yaml": "bank: w\ntitle: W\nquestions:\n  - id: q\n    type: numeric\n    prompt: P\n"
            "    answer: 1\n    weight: .inf\n    solution: S\n"
        }
    )
    result = CliRunner().invoke(main, ["check", str(root)])
    assert result.exit_code == 1
    assert "w.yaml:8:13: question 'q': `weight`: input should be a finite number" in result.output


def test_few_seeds_do_not_call_a_parameter_constant(make_course):
    # Two values drawn 5 times are the same 1 time in 16: too few draws to say anything.
    root = make_course(
        questions={
            "c.yaml": "bank: c\ntitle: C\nquestions:\n  - id: q\n    type: numeric\n    prompt: 'k={{k}}'\n"
            "    params: {k: {choice: [1, 2, 3]}}\n    answer: k\n    solution: S\n"
        }
    )
    for seeds in ("3", "5"):
        result = CliRunner().invoke(main, ["check", str(root), "--seeds", seeds])
        assert result.exit_code == 0 and "warning" not in result.output, result.output


def test_revealing_no_solution_costs_nothing(make_course):
    from tutor.content.loader import load_course
    from tutor.quiz.session import QuizSession

    root = make_course(
        questions={
            "n.yaml": "bank: n\ntitle: N\nquestions:\n  - id: q\n    type: numeric\n"
            "    prompt: One?\n    answer: 1\n"
        }
    )
    session = QuizSession(load_course(root).resolve("q"), seed=1)
    assert session.solution() == "This question has no worked solution."
    assert not session.current.solution_seen
    session.submit("1")
    assert session.current.earned == 1
