"""The rule a numeric answer is graded by is stated before the learner answers (issue 26):
under the prompt in the app, in plain mode and in `tutor preview`, in the feedback's words."""

from __future__ import annotations

from typing import Any

import pytest
from click.testing import CliRunner
from pydantic import TypeAdapter

from tutor.content import model as m
from tutor.content.model import Question
from tutor.content.variants import instantiate
from tutor.grading.grader import grade

QUESTION: TypeAdapter[Any] = TypeAdapter(Question)


def variant(kind: str, answer: str, tol: dict[str, Any] | None) -> Any:
    spec: dict[str, Any] = {"id": "q", "prompt": "?", "type": kind, "answer": answer}
    if tol is not None:
        spec["tolerance"] = tol
    return instantiate(QUESTION.validate_python(spec), 0)


CASES = [
    ("numeric", "ln(10)", {"sigfigs": 3}, "to 3 significant figures"),
    ("numeric", "ln(10)", None, "within 1 %"),
    ("numeric", "1e-9", None, "within ± 1e-08"),
    ("numeric", "100", {"rel": 0.05, "abs": 0.1}, "within 5 % or within ± 0.1"),
    ("numeric", "100", {"abs": 0.5}, "within ± 0.5"),
    ("vector", "[1, 2, 3]", {"rel": 0.02}, "each entry is graded within 2 %"),
]


@pytest.mark.parametrize(("kind", "answer", "tol", "words"), CASES)
def test_the_rule_is_stated_under_the_prompt(kind: str, answer: str, tol: Any, words: str) -> None:
    v = variant(kind, answer, tol)
    k = m.kinds()[kind]
    assert words in k.how_to_answer(v).lower()  # the app's line under the prompt
    assert any(words in line.lower() for line in k.plain_lines(v))  # plain mode and preview


@pytest.mark.parametrize(("kind", "answer", "tol", "words"), CASES[:5])
def test_the_feedback_uses_the_same_words(kind: str, answer: str, tol: Any, words: str) -> None:
    v = variant(kind, answer, tol)
    assert grade(v, "12345").rule == words
    assert words in m.kinds()[kind].how_to_answer(v)


def test_plain_mode_prints_the_rule_before_the_first_answer(make_course: Any) -> None:
    from tutor.cli import main

    root = make_course(
        questions={
            "s.yaml": """
            bank: s
            title: S
            questions:
              - id: ln10
                type: numeric
                prompt: What is ln 10?
                answer: ln(10)
                tolerance: {sigfigs: 3}
            """
        }
    )
    result = CliRunner().invoke(main, ["quiz", "s", "--plain", "--course", str(root)], input="")
    out = result.output
    assert "Graded to 3 significant figures." in out
    assert out.index("Graded to 3 significant figures.") < out.index("answer>")


def test_preview_prints_the_rule(make_course: Any) -> None:
    from tutor.cli import main

    root = make_course(
        questions={
            "s.yaml": """
            bank: s
            title: S
            questions:
              - id: ln10
                type: numeric
                prompt: What is ln 10?
                answer: ln(10)
                tolerance: {rel: 0.01}
            """
        }
    )
    result = CliRunner().invoke(main, ["preview", "ln10", "--course", str(root)])
    assert "Graded within 1 %." in result.output, result.output
