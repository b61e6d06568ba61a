"""Questions that load and compute but are plainly wrong (issue 24): each gets a finding at the
line to edit, and a sound question gets none. One hostile fixture per check, table-driven.

A case is a question (indented as an item of `questions:`) or whole files; the line marked
`#!` is where the finding must be reported."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from tutor.cli import main

HEAD = "bank: b\ntitle: B\nquestions:\n"

# (name, question YAML, severity, words in the message)
QUESTIONS: list[tuple[str, str, str, str]] = [
    (
        "rel-too-wide",
        """
        - id: q
          type: numeric
          prompt: "What is 2a? a = {{a}}"
          params: {a: {uniform: [1, 2]}}
          answer: 2*a
          tolerance: {rel: 0.99}  #!
          solution: Twice a.
        """,
        "warning",
        "accepts anything from 0.01 to 1.99 times the answer",
    ),
    (
        "abs-larger-than-answer",
        """
        - id: q
          type: numeric
          prompt: What is 0.3?
          answer: 0.3
          tolerance: {abs: 0.5}  #!
          solution: It is 0.3.
        """,
        "warning",
        "is larger than the answer (0.3",
    ),
    (
        "vector-abs-too-wide",
        """
        - id: q
          type: vector
          prompt: Give [0.2, 0.3].
          answer: "[0.2, 0.3]"
          tolerance: {abs: 1}  #!
          solution: As given.
        """,
        "warning",
        "is larger than every item of the answer",
    ),
    (
        "answer-in-prompt",
        """
        - id: q
          type: numeric
          prompt: "Type {{answer}}."  #!
          answer: 2
          solution: Two.
        """,
        "error",
        "`{{answer}}` in the prompt gives the answer away",
    ),
    (
        "free-hint-gives-answer",
        """
        - id: q
          type: numeric
          prompt: What is 1 + 1?
          answer: 2
          hints: ["It is {{answer}}."]  #!
          solution: Two.
        """,
        "warning",
        "this hint states the answer and costs nothing",
    ),
    (
        "free-hint-writes-the-number",
        """
        - id: q
          type: numeric
          prompt: What is ln 2, to three decimals?
          answer: log(2)
          tolerance: {abs: 0.0005}
          hints: ["ln 2 is about 0.693."]  #!
          solution: 0.693.
        """,
        "warning",
        "this hint states the answer and costs nothing",
    ),
    (
        "free-hint-says-text-answer",
        """
        - id: q
          type: text
          prompt: Which loss has a kink at margin 1?
          accept: [hinge]
          hints:
            - Think of a door's hinge.  #!
          solution: The hinge loss.
        """,
        "warning",
        "this hint states the answer and costs nothing",
    ),
    (
        "constant-expression",
        """
        - id: q
          type: expression
          prompt: Simplify sin(x)^2 + cos(x)^2.
          variables: {x: {domain: real}}
          answer: sin(x)^2 + cos(x)^2  #!
          solution: One.
        """,
        "warning",
        "the answer is 1 for every x",
    ),
    (
        "every-option-correct",
        """
        - id: q
          type: choice
          prompt: Which are losses?
          multiple: true  #!
          options:
            - {text: MSE, correct: true}
            - {text: MAE, correct: true}
          solution: Both.
        """,
        "warning",
        "every option is correct",
    ),
    (
        "matching-duplicate-right",
        """
        - id: q
          type: matching
          prompt: Match.
          pairs:
            - {left: MSE, right: squared}
            - {left: MAE, right: squared}  #!
          solution: So.
        """,
        "warning",
        "pair 2 has the same right side as pair 1",
    ),
    (
        "matching-duplicate-left",
        """
        - id: q
          type: matching
          prompt: Match.
          pairs:
            - {left: MSE, right: squared}
            - {left: mse, right: absolute}  #!
          solution: So.
        """,
        "error",
        "pair 2 has the same left side as pair 1",
    ),
    (
        "ordering-duplicate",
        """
        - id: q
          type: ordering
          prompt: Order them.
          items:
            - one
            - two
            - One  #!
          solution: So.
        """,
        "error",
        "item 3 is the same as item 1",
    ),
    (
        "ordering-two-items",
        """
        - id: q
          type: ordering
          prompt: Order them.
          items: [small, large]  #!
          solution: So.
        """,
        "warning",
        "only 2 items",
    ),
    (
        "regex-anything",
        """
        - id: q
          type: text
          prompt: Name it.
          accept: [huber]
          regex: ".*"  #!
          solution: Huber.
        """,
        "error",
        "regex accepts any answer",
    ),
    (
        "text-mistake-repeated",
        """
        - id: q
          type: text
          prompt: Name it.
          accept: [huber]
          mistakes:
            - {answer: mse, note: one, feedback: Squares everything.}
            - {answer: MSE, note: two, feedback: Never shown.}  #!
          solution: Huber.
        """,
        "error",
        "mistake `MSE` is the same as mistake 1, so it is never reached",
    ),
    (
        "accept-empty",
        """
        - id: q
          type: text
          prompt: Name it.
          accept: [""]  #!
          solution: Huber.
        """,
        "error",
        "accepted answer 1 is empty",
    ),
    (
        "code-one-trial",
        """
        - id: q
          type: code
          prompt: Write double(x).
          function: double
          reference: "def double(x):\\n    return 2 * x\\n"
          args: {x: {uniform: [-1, 1]}}
          trials: 1  #!
          solution: Multiply by 2.
        """,
        "warning",
        "`trials: 1`",
    ),
    (
        "code-loose-tolerance",
        """
        - id: q
          type: code
          prompt: Write double(x).
          function: double
          reference: "def double(x):\\n    return 2 * x\\n"
          args: {x: {uniform: [-1, 1]}}
          tolerance: {rel: 0.5}  #!
          solution: Multiply by 2.
        """,
        "warning",
        "accepts anything from 0.5 to 1.5 times the answer",
    ),
    (
        "code-prompt-uses-argument",
        """
        - id: q
          type: code
          prompt: "Write double(x); for example x = {{x}}."  #!
          function: double
          reference: "def double(x):\\n    return 2 * x\\n"
          args: {x: {uniform: [-1, 1]}}
          solution: Multiply by 2.
        """,
        "error",
        "`x` is an argument, drawn afresh for each test",
    ),
    (
        "code-reference-nan",
        """
        - id: q
          type: code
          prompt: Write f(x).
          function: f
          reference: "def f(x):\\n    return x if x > 0 else float('nan')\\n"  #!
          args: {x: {uniform: [-1, 1]}}
          solution: So.
        """,
        "error",
        "the reference returns nan for",
    ),
    (
        "huge-weight",
        """
        - id: q
          type: numeric
          prompt: What is one?
          answer: 1
          weight: 1000  #!
          solution: One.
        """,
        "warning",
        "`weight: 1000`",
    ),
    (
        "duplicate-rubric",
        """
        - id: q
          type: free
          prompt: Explain.
          model_answer: Because.
          rubric:
            - Says why.
            - says  why.  #!
          solution: Because.
        """,
        "error",
        "rubric point 2 is the same as point 1",
    ),
    (
        "options-differ-in-spacing",
        """
        - id: q
          type: choice
          prompt: Which?
          options:
            - {text: "a+b", correct: true}
            - {text: "A + B"}  #!
            - {text: c}
          solution: a+b.
        """,
        "error",
        "option 2 has the same text as option 1",
    ),
    (
        "follows-contradicts",
        """
        - id: q
          type: derivation
          mode: steps
          prompt: Differentiate x^2 twice.
          variables: {x: {domain: real}}
          steps:
            - {prompt: "first:", answer: 2*x}
            - {prompt: "second:", answer: "2", follows: "step1 + 1"}  #!
          solution: 2x, then 2.
        """,
        "error",
        "`follows` is not equal to this step's answer",
    ),
    (
        "question-and-step-hints-over-1",
        """
        - id: q
          type: derivation
          mode: steps
          prompt: Differentiate x^2.
          variables: {x: {domain: real}}
          hints:  #!
            - {text: Power rule., penalty: 0.6}
          steps:
            - prompt: "first:"
              answer: 2*x
              hints: [{text: Bring down the 2., penalty: 0.6}]
          solution: 2x.
        """,
        "error",
        "the hint penalties of the question and its steps add up to 1.2",
    ),
    (
        "empty-step-prompt",
        """
        - id: q
          type: derivation
          mode: steps
          prompt: Differentiate x^2.
          variables: {x: {domain: real}}
          steps:
            - {prompt: "", answer: 2*x}  #!
          solution: 2x.
        """,
        "warning",
        "step 1 has an empty prompt",
    ),
    (
        "empty-mistake-feedback",
        """
        - id: q
          type: numeric
          prompt: What is 2 times 3?
          answer: 6
          mistakes:
            - {answer: 5, note: low, feedback: ""}  #!
          solution: Six.
        """,
        "warning",
        "mistake 1 has no feedback",
    ),
    (
        "empty-costly-hint",
        """
        - id: q
          type: numeric
          prompt: What is 2 times 3?
          answer: 6
          hints:
            - {text: "", penalty: 0.3}  #!
          solution: Six.
        """,
        "error",
        "hint 1 is empty and costs 30%",
    ),
    (
        "raw-latex",
        """
        - id: q
          type: numeric
          prompt: "What is $\\\\frac{1}{2}$ as a decimal?"  #!
          answer: 0.5
          solution: A half.
        """,
        "warning",
        "LaTeX is not rendered",
    ),
    (
        "unclosed-bold",
        """
        - id: q
          type: numeric
          prompt: "What is **one plus one?"  #!
          answer: 2
          solution: Two.
        """,
        "warning",
        "`**` is never closed",
    ),
    (
        "html",
        """
        - id: q
          type: numeric
          prompt: "What is <b>one</b>?"  #!
          answer: 1
          solution: One.
        """,
        "warning",
        "HTML is not rendered",
    ),
]

SOUND = """
- id: sound
  type: numeric
  prompt: "A box holds {{n}} apples at {{p}} cents each. What do they cost, in cents?"
  params:
    n: {integers: [3, 9]}
    p: {integers: [10, 40]}
  answer: n*p
  tolerance: {rel: 0.001}
  hints:
    - {text: "Multiply the count by the price.", penalty: 0.2}
  mistakes:
    - {answer: n + p, note: added, feedback: "You added them; multiply instead."}
  solution: "{{n}} × {{p}} = {{answer}} cents."
"""


def _write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def _check(root: Path) -> list[dict]:
    result = CliRunner().invoke(main, ["check", str(root), "--json", "--jobs", "1", "--seeds", "5"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return json.loads(result.output)["diagnostics"]


def _bank(question: str) -> tuple[str, int]:
    """The bank text and the 1-based line marked `#!`."""
    body = textwrap.indent(textwrap.dedent(question).strip("\n"), "  ")
    text = HEAD + body + "\n"
    marked = [n for n, line in enumerate(text.splitlines(), start=1) if "#!" in line]
    assert len(marked) == 1
    return text, marked[0]


@pytest.mark.parametrize(("name", "question", "severity", "words"), QUESTIONS, ids=[q[0] for q in QUESTIONS])
def test_each_plainly_wrong_question_gets_a_finding(tmp_path, name, question, severity, words):
    text, line = _bank(question)
    found = _check(_write(tmp_path, {"questions/b.yaml": text}))
    matching = [d for d in found if words in d["message"]]
    assert matching, f"no finding with {words!r}: {found}"
    d = matching[0]
    assert (d["file"].split("/")[-1], d["line"], d["severity"]) == ("b.yaml", line, severity), d


def test_a_sound_question_gets_none(tmp_path):
    found = _check(_write(tmp_path, {"questions/b.yaml": HEAD + textwrap.indent(SOUND.strip("\n"), "  ")}))
    assert found == []


LESSON = """id: {id}
title: {title}
summary: S.
prerequisites: [{pre}]
sections:
  - title: One
    body: {body}
"""


def test_a_bank_id_equal_to_a_lesson_id_is_warned(tmp_path):
    root = _write(
        tmp_path,
        {
            "lessons/hinge.yaml": LESSON.format(id="hinge", title="H", pre="", body="Text."),
            "questions/b.yaml": "bank: hinge\ntitle: B\nquestions:\n"
            + textwrap.indent(SOUND.strip("\n"), "  "),
        },
    )
    found = _check(root)
    assert [(d["line"], d["severity"]) for d in found if "is also the id of a lesson" in d["message"]] == [
        (1, "warning")
    ], found


def test_a_prerequisite_cycle_is_an_error(tmp_path):
    root = _write(
        tmp_path,
        {
            "lessons/a.yaml": LESSON.format(id="a", title="A", pre="b", body="Text."),
            "lessons/b.yaml": LESSON.format(id="b", title="B", pre="c", body="Text."),
            "lessons/c.yaml": LESSON.format(id="c", title="C", pre="a", body="Text."),
        },
    )
    found = [d for d in _check(root) if "prerequisites go round in a circle" in d["message"]]
    assert found and found[0]["severity"] == "error", found
    assert "a → b → c → a" in found[0]["message"]
    assert found[0]["line"] == 4


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (r"'The mean is $\bar{x} = \frac{1}{n}\sum x_i$.'", "LaTeX is not rendered"),
        ("'A **bold claim.'", "`**` is never closed"),
        ("'A <span>tag</span>.'", "HTML is not rendered"),
    ],
)
def test_lesson_markdown_that_will_not_render_is_warned(tmp_path, body, words):
    root = _write(tmp_path, {"lessons/a.yaml": LESSON.format(id="a", title="A", pre="", body=body)})
    found = [d for d in _check(root) if words in d["message"]]
    assert found and found[0]["severity"] == "warning" and found[0]["line"] == 7, found


def test_markdown_that_renders_is_not_warned(tmp_path):
    body = "'Cost is 2**n in `x**2`, **bold** and $5 or $10, `<b>` in code, x < y and y > z.'"
    root = _write(tmp_path, {"lessons/a.yaml": LESSON.format(id="a", title="A", pre="", body=body)})
    assert _check(root) == []


def test_a_bank_that_names_the_lesson_of_its_id_is_not_warned(tmp_path):
    bank = "bank: hinge\ntitle: B\nlesson: hinge\nquestions:\n" + textwrap.indent(SOUND.strip("\n"), "  ")
    root = _write(
        tmp_path,
        {
            "lessons/hinge.yaml": LESSON.format(id="hinge", title="H", pre="", body="Text."),
            "questions/b.yaml": bank,
        },
    )
    assert _check(root) == []


MARKS = st.text(alphabet="`*$\\<>/b _{}x \n#~", max_size=200)


@given(MARKS)
@settings(max_examples=300, deadline=None)
def test_the_markdown_checks_take_any_text(text):
    from tutor.content.markup import problems

    for offset, message in problems(text):
        assert 0 <= offset < len(text) and message


@pytest.mark.parametrize("piece", ["`a", "$a", "<b ", "**a ", "```\n", "\\frac", "<span x=", "$\\"])
def test_the_markdown_checks_stay_linear_on_hostile_text(piece):
    # 200,000 characters: a check that rescans from every mark would not finish
    from tutor.content.markup import problems

    problems(piece * (200_000 // len(piece)))


def test_a_bank_named_like_its_lesson_but_left_out_of_its_quiz_is_warned(tmp_path):
    lesson = LESSON.format(id="hinge", title="H", pre="", body="Text.") + "quiz: [other]\n"
    other = "bank: other\ntitle: O\nquestions:\n" + textwrap.indent(
        SOUND.replace("id: sound", "id: s2").strip("\n"), "  "
    )
    bank = "bank: hinge\ntitle: B\nlesson: hinge\nquestions:\n" + textwrap.indent(SOUND.strip("\n"), "  ")
    root = _write(
        tmp_path, {"lessons/hinge.yaml": lesson, "questions/b.yaml": bank, "questions/o.yaml": other}
    )
    found = [d for d in _check(root) if "is also the id of a lesson" in d["message"]]
    assert [(d["file"].split("/")[-1], d["line"]) for d in found] == [("b.yaml", 1)], found
