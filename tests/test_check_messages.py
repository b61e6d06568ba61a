"""Issue 24's messages: each slip named for what it is, at the line to edit, cause first."""

from __future__ import annotations

from click.testing import CliRunner

from tutor.cli import main


def check(root, *args: str) -> list[str]:
    import os

    here = os.getcwd()
    os.chdir(root)
    try:
        result = CliRunner().invoke(main, ["check", "--seeds", "2", *args])
    finally:
        os.chdir(here)
    return result.output.strip().splitlines()


def one_bank(make_course, questions: str) -> list[str]:
    bank = "bank: a\ntitle: A\nquestions:\n" + questions
    return check(make_course(questions={"a.yaml": bank}))


def test_a_misspelled_type_is_offered_the_type_meant(make_course):
    lines = one_bank(
        make_course,
        """
  - id: one
    type: numerical
    prompt: One?
    answer: 1
    solution: One.
""",
    )
    found = [line for line in lines if "a.yaml:6:" in line]
    assert len(found) == 1
    assert "did you mean `numeric`?" in found[0]
    assert found[0].index("numerical") < found[0].index("must be one of")


def test_an_unquoted_placeholder_in_a_flow_mapping_is_told_to_quote(make_course):
    lines = one_bank(
        make_course,
        """
  - id: two
    type: numeric
    prompt: Two?
    answer: 2
    solution: Two.
    tests:
      - {answer: {{answer}}, expect: correct}
""",
    )
    assert len(lines) == 2
    assert "a.yaml:11:" in lines[0]
    assert "`{{answer}}`" in lines[0] and "quotes" in lines[0]
    assert "plain word" not in lines[0]


def test_an_unquoted_vector_formula_with_brackets_is_worded(make_course):
    lines = one_bank(
        make_course,
        """
  - id: vec
    type: vector
    prompt: P?
    params:
      P: {expr: "[1, 2]"}
    answer: [P[0], P[1]]
    solution: P.
""",
    )
    assert "a.yaml:10:" in lines[0]
    assert "quotes" in lines[0]
    assert "while parsing" not in lines[0] and "but got" not in lines[0]


def test_a_misspelled_lesson_field_leads_with_the_unknown_field(make_course):
    lesson = "id: l\ntitle: L\nsumary: S\nsections:\n  - title: T\n    body: B\n"
    lines = check(make_course(lessons={"l.yaml": lesson}))
    assert "unknown field `sumary` (did you mean `summary`?)" in lines[0]
    assert not any("missing required field `summary`" in line for line in lines)


def test_a_missing_field_with_no_near_unknown_one_is_still_missing(make_course):
    lesson = "id: l\ntitle: L\nsections:\n  - title: T\n    body: B\n"
    lines = check(make_course(lessons={"l.yaml": lesson}))
    assert any("missing required field `summary`" in line for line in lines)


def test_a_value_undefined_on_some_seed_says_which_parameter_and_why(make_course):
    lines = one_bank(
        make_course,
        """
  - id: coin
    type: numeric
    prompt: "Surprise of tails when q = {{q}}?"
    hints: ["It is {{tails}}."]
    params:
      q: {choice: [0.25, 0.5, 1]}
    values:
      tails: -log(1 - q)
    answer: -log(1 - q)
    solution: Minus log.
""",
    )
    found = [line for line in lines if "value `tails`" in line]
    assert len(found) == 1
    assert "log of 0" in found[0]
    assert "when q = 1" in found[0]
    assert "narrow the range of `q`" in found[0]


DEDENTED = """
  - id: one
    type: numeric
    prompt: One?
    answer: 1
    mistakes:
      - answer: 2
        note: off-by-one
    feedback: One more than it is.
      - answer: 3
        note: two-more
        feedback: Two more.
    solution: One.
"""


def test_a_dedented_feedback_followed_by_more_mistakes_is_reported_at_its_own_line(make_course):
    lines = one_bank(make_course, DEDENTED)
    assert len(lines) == 2
    line = DEDENTED.splitlines().index("    feedback: One more than it is.") + 4  # 3 header lines, 1-based
    assert f"a.yaml:{line}:5: bad indentation" in lines[0]


def test_a_colon_inside_multi_line_text_is_still_reported_where_it_is(make_course):
    lines = one_bank(
        make_course,
        """
  - id: one
    type: numeric
    prompt: What is
      the ratio: this or that?
    answer: 1
    solution: One.
""",
    )
    assert "a.yaml:8:" in lines[0] and "quote" in lines[0]


BAD_BANK = """
bank: Hinge Loss
title: H
questions:
  - id: one
    type: numeric
    prompt: One?
    answer: 1
    solution: One.
"""

HINGE = """
id: hinge
title: Hinge
summary: S
sections:
  - title: T
    body: B
quiz: [hinge-loss]
"""


def test_a_quiz_naming_a_bank_whose_id_is_invalid_comes_after_the_cause(make_course):
    lines = check(make_course(lessons={"hinge.yaml": HINGE}, questions={"hinge-loss.yaml": BAD_BANK}))
    assert "hinge-loss.yaml:1:" in lines[0] and "`bank` must be" in lines[0]
    assert "hinge.yaml:7:" in lines[1] and "did not load" in lines[1]


def test_quiz_on_a_lesson_whose_quiz_is_broken_says_the_lesson_exists_and_why(make_course, monkeypatch):
    root = make_course(lessons={"hinge.yaml": HINGE}, questions={"hinge-loss.yaml": BAD_BANK})
    monkeypatch.chdir(root)
    result = CliRunner().invoke(
        main, ["--data-dir", str(root / "data"), "quiz", "hinge", "--plain"], input=""
    )
    assert result.exit_code != 0
    assert "names no lesson" not in result.output
    assert "lesson `hinge` exists" in result.output
    assert "`hinge-loss` did not load" in result.output and "hinge-loss.yaml" in result.output
