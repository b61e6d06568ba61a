"""Field-level problems: wrong types, unknown fields, missing fields, bad values, each one
line at the position an instructor must edit, and the rest of the course still loads."""

from __future__ import annotations

import pytest

from tutor.content.loader import load_course

HEAD = "bank: b\ntitle: B\nquestions:\n"
GOOD = """  - id: good
    type: free
    prompt: Explain.
    model_answer: Because.
    rubric: [one point]
"""


def problems(make_course, body: str) -> list[str]:
    root = make_course(questions={"a.yaml": HEAD + body})
    course = load_course(root)
    return [str(d).split("questions/", 1)[1] for d in course.diagnostics]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "  - id: q\n    type: numeric\n    prompt: p\n    answer: '1'\n    tolerence: {rel: 0.1}\n",
            "a.yaml:8:5: question 'q': unknown field `tolerence` (did you mean `tolerance`?)",
        ),
        (
            "  - id: q\n    type: numeric\n    prompt: p\n    answer: '1'\n    tolerance: {rell: 0.1}\n",
            "a.yaml:8:17: question 'q': unknown field `rell` (did you mean `rel`?)",
        ),
        (
            "  - id: q\n    type: numeric\n    prompt: p\n",
            "a.yaml:4:5: question 'q': missing required field `answer`",
        ),
        (
            "  - id: q\n    type: numeric\n    prompt: p\n    answer: '1'\n    tolerance: {rel: lots}\n",
            "a.yaml:8:22: question 'q': `tolerance.rel`: input should be a valid number, "
            "unable to parse string as a number, got 'lots'",
        ),
        (
            "  - id: q\n    type: numeric\n    prompt: p\n    answer: '1'\n    tolerance: {rel: 0.1, sigfigs: 3}\n",
            "a.yaml:8:16: question 'q': tolerance: `sigfigs` cannot be combined with `rel` or `abs`",
        ),
        (
            "  - id: q\n    type: numerik\n    prompt: p\n",
            "a.yaml:5:11: question 'q': unknown question type 'numerik' (did you mean `numeric`?); "
            "`type` must be one of numeric, expression, derivation, vector, choice, text, code, free, "
            "ordering, matching, interval",
        ),
        (
            "  - id: Bad Id\n    type: free\n    prompt: p\n    model_answer: m\n    rubric: [x]\n",
            "a.yaml:4:9: question 'Bad Id': `id` must be lower-case letters, digits, `-` and `_` (got 'Bad Id')",
        ),
        (
            "  - id: q\n    type: text\n    prompt: p\n    accept: [yes, maybe]\n",
            "a.yaml:7:14: question 'q': `accept[0]` should be text, but YAML read true",
        ),
        (
            "  - id: q\n    type: numeric\n    prompt: p\n    answer: '1'\n    params:\n      p: {normal: [0, 1]}\n",
            "a.yaml:9:10: question 'q': `params.p`: a parameter is one of {uniform: [a, b]}",
        ),
        (
            "  - id: q\n    type: numeric\n    prompt: p\n    answer: '1'\n    params:\n      p: {uniform: [1, 0]}\n",
            "a.yaml:9:20: question 'q': uniform: [low, high] needs low < high",
        ),
        (
            "  - id: q\n    type: choice\n    prompt: p\n    options:\n      - {text: a}\n      - {text: b}\n",
            "a.yaml:4:5: question 'q': no option is marked `correct: true`",
        ),
        (
            "  - id: q\n    type: derivation\n    mode: chain\n    prompt: p\n    start: x\n",
            "a.yaml:4:5: question 'q': mode: chain needs both `start` and `answer`",
        ),
        (
            "  - id: q\n    type: expression\n    prompt: p\n    answer: x\n    variables:\n      x: {domain: reel}\n",
            "a.yaml:9:19: question 'q': `variables.x.domain` is not valid: expected `real`, `positive`",
        ),
        (
            "  - id: q\n    type: numeric\n    prompt: p\n    answer: '1'\n    mistakes:\n      - {answer: '2', feedback: f}\n",
            "a.yaml:9:9: question 'q': missing required field `note`",
        ),
        (
            "  - id: q\n    type: numeric\n    prompt: p\n    answer: '1'\n    hints: hint\n",
            "a.yaml:8:12: question 'q': `hints`: input should be a valid list, got 'hint'",
        ),
    ],
)
def test_field_problem_is_one_line_at_its_position(make_course, body, expected):
    got = problems(make_course, body + GOOD)
    assert len(got) == 1, got
    assert got[0].startswith(expected.rstrip()), got[0]


def test_a_broken_question_does_not_hide_its_neighbours(make_course):
    root = make_course(
        questions={
            "a.yaml": HEAD + "  - id: broken\n    type: numeric\n    prompt: p\n" + GOOD,
            "c.yaml": "bank: c\ntitle: C\nquestions:\n" + GOOD.replace("good", "other"),
        }
    )
    course = load_course(root)
    assert [str(d).split("questions/", 1)[1] for d in course.diagnostics] == [
        "a.yaml:4:5: question 'broken': missing required field `answer`"
    ]
    assert sorted(course.questions) == ["good", "other"]


def test_bank_fields_are_checked(make_course):
    root = make_course(questions={"a.yaml": "bank: b\ntitel: B\nquestions:\n" + GOOD})
    got = [str(d).split("questions/", 1)[1] for d in load_course(root).diagnostics]
    # The misspelled field says it all: no "missing `title`" ahead of it (issue 24).
    assert got == ["a.yaml:2:1: bank 'b': unknown field `titel` (did you mean `title`?)"]


def test_lesson_fields_are_checked(make_course):
    root = make_course(
        lessons={"l.yaml": "id: l\ntitle: L\nsummary: s\nsections:\n  - titel: One\n    body: text\n"}
    )
    got = [str(d).split("lessons/", 1)[1] for d in load_course(root).diagnostics]
    assert got == ["l.yaml:5:5: lesson 'l': unknown field `titel` (did you mean `title`?)"]


NUMERIC = "  - id: q\n    type: numeric\n    prompt: p\n    answer: a\n"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            NUMERIC + "    params:\n      a: {uniform: [-1e999, 6]}\n",
            "a.yaml:9:21: question 'q': `params.a.uniform[0]`: input should be a finite number",
        ),
        (
            NUMERIC + "    params:\n      a: {uniform: [0, .inf]}\n",
            "a.yaml:9:24: question 'q': `params.a.uniform[1]`: input should be a finite number",
        ),
        (
            NUMERIC + "    params:\n      a: {uniform: [-1e308, 1e308]}\n",
            "a.yaml:9:20: question 'q': uniform: [low, high] spans more than the largest number",
        ),
        (
            NUMERIC + "    params:\n      a: {integers: [0, 100000000000000000000000]}\n",
            "a.yaml:9:21: question 'q': integers: [low, high] must lie within ±9.2e18",
        ),
        (
            NUMERIC + "    params:\n      a: {array: {uniform: [-1e308, 1e308], size: 3}}\n",
            "question 'q': array: uniform: [low, high] spans more than the largest number",
        ),
        (
            NUMERIC + "    params:\n      a: 2\n    tolerance: {abs: .nan}\n",
            "a.yaml:10:22: question 'q': `tolerance.abs`: input should be a finite number",
        ),
        (
            "  - id: q\n    type: expression\n    prompt: p\n    answer: x\n"
            "    variables: {x: {domain: {interval: [-1e308, 1e308]}}}\n",
            "a.yaml:8:20: question 'q': domain: interval: [low, high] spans more than the largest number",
        ),
    ],
    ids=["minus-1e999", "inf", "range-overflows", "huge-integers", "array-range", "nan", "domain-range"],
)
def test_numbers_numpy_cannot_draw_from_are_refused_at_their_line(make_course, body, expected):
    # `uniform: [-1e999, 6]` used to be an OverflowError traceback from NumPy
    got = problems(make_course, body + GOOD)
    assert len(got) == 1, got
    assert expected in got[0]


def test_code_edge_cases_may_be_2d_arrays_with_rows_of_equal_length(make_course):
    code = """  - id: c
    type: code
    prompt: p
    function: f
    reference: "def f(a):\\n    return a.sum()"
    args: {{a: {{array: {{uniform: [0, 1], size: 3}}}}}}
    edge_cases: [{{a: {rows}}}]
"""
    assert problems(make_course, code.format(rows="[[1, 2], [3, 4]]")) == []
    [ragged] = problems(make_course, code.format(rows="[[1, 2], [3]]"))
    assert "edge case 1: `a` needs rows of equal length" in ragged


def test_retry_penalty_is_a_share_of_the_score(make_course):
    [bad] = problems(make_course, GOOD.replace("type: free", "type: free\n    retry_penalty: 2"))
    assert "retry_penalty" in bad
