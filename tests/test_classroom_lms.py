"""What Moodle's importers refuse or misread, and how the exports avoid it (issue 32).

Moodle's own code is not run here (it needs PHP); each test pins the rule of Moodle's importer
that the export must respect, quoted in its docstring.
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from lxml import etree

from tutor.classroom.gift import parse
from tutor.cli import main
from tutor.content.lms import MOODLE_GRADES, moodle_grade


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


ODD = """
bank: odd
title: Odd texts
questions:
  - id: greek
    type: numeric
    prompt: "For |e| > δ the loss is linear; x < y & z. What is 2 + 2? ]]> stays text."
    answer: 4
    mistakes:
      - answer: 5
        note: plus-one
        score: 0.35
        feedback: "Off by one: |e| > δ again."
    solution: "2 + 2 = 4 (|e| > δ)."
  - id: arrow
    type: text
    prompt: What does the map do to a?
    accept: ["a->b", "b"]
  - id: only-arrow
    type: text
    prompt: Name the arrow.
    accept: ["a->b"]
  - id: arrow-option
    type: choice
    prompt: Which is the derivative map?
    options:
      - {text: "x -> 2x", correct: true}
      - {text: "x -> x^2"}
  - id: sym
    type: expression
    prompt: Write the derivative of X².
    variables: {X: {}}
    answer: 2*X
  - id: essay
    type: free
    prompt: Explain.
    model_answer: Because.
    rubric: ["says because"]
    hints: ["Think."]
"""


@pytest.fixture
def odd(make_course):
    return make_course(questions={"odd.yaml": ODD})


def test_moodle_grades_are_moodles_list():
    """Moodle's `question_bank::fraction_options_full`: these, their negatives and 0."""
    assert moodle_grade(0.35) == pytest.approx(0.3333333)
    assert moodle_grade(1 / 3) == 1 / 3  # within Moodle's 1e-5, kept as is
    assert moodle_grade(-0.26) == -0.25
    assert moodle_grade(0.5) == 0.5
    assert 0.0 in MOODLE_GRADES and -1.0 in MOODLE_GRADES and len(MOODLE_GRADES) == 41


def test_moodle_xml_writes_text_as_cdata_so_moodle_keeps_the_space_before_a_greek_letter(odd):
    """Moodle's XML parser drops the space between an entity (`&gt;`) and a following
    non-ASCII character: `|e| &gt; δ` imports as `|e| >δ`. Its own exporter writes CDATA."""
    code, xml, err = run("export", "--format", "moodle-xml", "greek", "--course", str(odd))
    assert code == 0, err
    assert "&gt; δ" not in xml and "&gt;" not in xml.split("<quiz>", 1)[1].replace("-->", "")
    assert "<![CDATA[For |e| > δ the loss is linear; x < y & z." in xml
    root = etree.fromstring(xml.encode())
    (prompt,) = root.xpath("//question[@type='numerical']/questiontext/text/text()")
    assert prompt.startswith("For |e| > δ") and prompt.endswith("]]> stays text.")
    (feedback,) = root.xpath("//answer[contains(feedback/text, 'Off by one')]/feedback/text/text()")
    assert feedback == "Off by one: |e| > δ again."


@pytest.mark.parametrize("fmt", ["moodle-xml", "gift"])
def test_a_score_moodle_does_not_allow_is_moved_to_the_nearest_and_said(odd, fmt):
    """Moodle's importer refuses the whole file for one answer whose grade is not on its list
    (`match_grade_options` in its default 'error' mode)."""
    code, out, err = run("export", "--format", fmt, "greek", "--course", str(odd))
    assert code == 0, err
    assert "35" not in out.replace("0.35", "")  # no 35 % weight anywhere
    assert "33.33333" in out
    assert "greek" in err and "0.35 → 0.3333333" in err


def test_gift_never_writes_a_short_answer_moodle_reads_as_matching(odd):
    """Moodle's GIFT reader: a block with `=` and `->` and no `~` is a matching question, and
    GIFT has no escape for `->`."""
    code, out, err = run("export", "--format", "gift", "arrow", "only-arrow", "--course", str(odd))
    assert code == 0, err
    questions = {q.title: q for q in parse(out)}
    assert questions["arrow"].kind == "shortanswer"
    assert [a.text for a in questions["arrow"].answers] == ["b"]
    assert "only-arrow" not in questions
    assert "->" in err and "arrow" in err and "only-arrow" in err


def test_a_choice_option_with_an_arrow_survives_a_gift_round_trip(odd):
    """A `~` makes the block a multiple choice in Moodle, whatever `->` it holds: so in ours."""
    code, out, err = run("export", "--format", "gift", "arrow-option", "--course", str(odd))
    assert code == 0, err
    (q,) = parse(out)
    assert q.kind == "multichoice"
    assert sorted(a.text for a in q.answers) == ["x -> 2x", "x -> x^2"]


def test_gift_reads_matching_as_moodle_does():
    (q,) = parse("::m::Match.{=a -> 1 =b -> 2}")
    assert q.kind == "matching" and [a.match for a in q.answers] == ["1", "2"]
    (q,) = parse("::c::Pick.{=x -> 2x ~x -> x}")
    assert q.kind == "multichoice"


def test_gift_says_it_drops_case_and_moodle_says_essay_hints_are_ignored(odd):
    code, _, err = run("export", "--format", "gift", "sym", "--course", str(odd))
    assert code == 0 and "case" in err and "sym" in err
    code, _, err = run("export", "--format", "moodle-xml", "essay", "--course", str(odd))
    assert code == 0 and "essay" in err and "hints" in err


def test_check_warns_for_a_score_moodle_does_not_accept_at_its_line(odd):
    _, out, err = run("check", "--course", str(odd), "--seeds", "2")
    text = out + err
    line = next(ln for ln in text.splitlines() if "not one Moodle accepts" in ln)
    # The mistake's `score: 0.35` is line 11 of odd.yaml.
    assert "odd.yaml:11:" in line and "warning" in line and "0.333333" in line
