"""`tutor check` in several processes finds exactly what it finds in one."""

from __future__ import annotations

import pytest

from tests.conftest import FIXTURES
from tutor.content.loader import load_course
from tutor.grading import checkpool


@pytest.mark.parametrize("course", ["broken-course", "app-course"])
def test_parallel_check_reports_the_same_findings_as_one_process(monkeypatch, course):
    monkeypatch.setattr(checkpool, "MIN_QUESTIONS", 0)
    loaded = load_course(FIXTURES / course)
    one = checkpool.check_in_parallel(loaded, 2, jobs=1)
    done: list[int] = []
    two = checkpool.check_in_parallel(loaded, 2, jobs=2, progress=done.append)
    assert [str(d) for d in two.diagnostics] == [str(d) for d in one.diagnostics]
    assert (two.lessons, two.banks, two.questions) == (one.lessons, one.banks, one.questions)
    assert sum(done) == one.questions


BANK = """\
bank: key
title: Answer keys
questions:
  - id: wrong-key
    type: numeric
    prompt: What is {{p}} + 1?
    params:
      p: {integers: [3, 3]}
    answer: p + 1
    solution: Add one.
    tests:
      - {answer: "999", expect: correct}
"""


def test_a_question_whose_answer_key_fails_is_not_linted_in_parallel_either(monkeypatch, tmp_path):
    # The variant lints run only on questions clean so far, the answer key's tests included,
    # in one process; the workers' findings must be in before they run, or the parallel check
    # says more (here: "parameter `p` is 3 in all 20 variants") than the one-process check.
    monkeypatch.setattr(checkpool, "MIN_QUESTIONS", 0)
    (tmp_path / "questions").mkdir()
    (tmp_path / "questions" / "key.yaml").write_text(BANK, encoding="utf-8")
    loaded = load_course(tmp_path)
    one = checkpool.check_in_parallel(loaded, 20, jobs=1, key_seeds=1)
    two = checkpool.check_in_parallel(loaded, 20, jobs=2, key_seeds=1)
    assert any("expected correct" in d.message for d in one.diagnostics)
    assert not any("in all 20 variants" in d.message for d in one.diagnostics)
    assert [str(d) for d in two.diagnostics] == [str(d) for d in one.diagnostics]


def _code_question(qid: str, body: str, expect: str) -> str:
    return f"""\
  - id: {qid}
    type: code
    prompt: Write `f(x)`, x squared.
    function: f
    reference: |
      def f(x):
          return x * x
    args:
      x: {{uniform: [-3, 3]}}
    trials: 5
    solution: x * x.
    tests:
      - {{answer: "def f(x):\\n    return {body}", expect: {expect}}}
"""


def test_code_questions_checked_together_report_as_one_process_does(monkeypatch, tmp_path):
    # A worker checks several code questions at once (each mostly waits on the sandbox): the
    # findings are the ones of one process, each at its own question, in order.
    monkeypatch.setattr(checkpool, "MIN_QUESTIONS", 0)
    (tmp_path / "questions").mkdir()
    bank = "bank: code\ntitle: Code\nquestions:\n" + "".join(
        _code_question(f"square-{k}", body, expect)
        for k, (body, expect) in enumerate(
            [("x * x", "correct"), ("x + x", "correct"), ("x ** 2", "correct"), ("2 * x", "incorrect")] * 2
        )
    )
    (tmp_path / "questions" / "code.yaml").write_text(bank, encoding="utf-8")
    loaded = load_course(tmp_path)
    one = checkpool.check_in_parallel(loaded, 1, jobs=1)
    two = checkpool.check_in_parallel(loaded, 1, jobs=2)
    assert [d.where for d in one.diagnostics] == ["question 'square-1'", "question 'square-5'"]
    assert [str(d) for d in two.diagnostics] == [str(d) for d in one.diagnostics]
