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


# ------------------------------------------------------------------ matching and ordering

PAIRS = """
bank: pairs
title: Pairs
questions:
  - id: task-loss
    type: matching
    prompt: Match each task with its loss.
    weight: 2
    pairs:
      - {left: Regression, right: MSE}
      - {left: Binary classification, right: BCE}
      - {left: Multi-class, right: Cross-entropy}
    distractors: [Hinge squared]
    solution: MSE, BCE, cross-entropy.
  - id: steps
    type: ordering
    prompt: Put the steps of a training step in order.
    items: [Forward pass, Loss, Backward pass, Update]
    solution: Forward, loss, backward, update.
"""


@pytest.fixture
def pairs(make_course):
    return make_course(questions={"pairs.yaml": PAIRS})


def test_matching_goes_to_gift_as_moodle_reads_it_and_comes_back(pairs, tmp_path):
    code, out, err = run("export", "--format", "gift", "task-loss", "--course", str(pairs))
    assert code == 0, err
    (q,) = parse(out)
    assert q.kind == "matching"
    assert [(a.text, a.match) for a in q.answers] == [
        ("Regression", "MSE"),
        ("Binary classification", "BCE"),
        ("Multi-class", "Cross-entropy"),
        ("", "Hinge squared"),  # Moodle's distractor: a right side with no left
    ]
    (tmp_path / "in.gift").write_text(out, encoding="utf-8")
    target = tmp_path / "back" / "questions" / "pairs.yaml"
    target.parent.mkdir(parents=True)
    code, _, err = run("import", "--from", "gift", str(tmp_path / "in.gift"), "-o", str(target))
    assert code == 0, err
    import yaml

    (back,) = yaml.safe_load(target.read_text(encoding="utf-8"))["questions"]
    assert back["type"] == "matching" and back["distractors"] == ["Hinge squared"]
    assert back["pairs"][1] == {"left": "Binary classification", "right": "BCE"}


def test_gift_says_it_cannot_hold_an_ordering(pairs):
    _, _, err = run("export", "--format", "gift", "steps", "--course", str(pairs))
    assert "ordering" in err and "steps" in err


def test_moodle_xml_writes_matching_and_ordering_questions(pairs):
    code, xml, err = run("export", "--format", "moodle-xml", "pairs", "--course", str(pairs))
    assert code == 0, err
    root = etree.fromstring(xml.encode())
    (match,) = root.xpath("//question[@type='matching']")
    subs = [
        ("".join(s.xpath("text/text()")), "".join(s.xpath("answer/text/text()")))
        for s in match.findall("subquestion")
    ]
    assert subs == [
        ("Regression", "MSE"),
        ("Binary classification", "BCE"),
        ("Multi-class", "Cross-entropy"),
        ("", "Hinge squared"),
    ]
    assert match.findtext("defaultgrade") == "2"
    (order,) = root.xpath("//question[@type='ordering']")
    assert [a.findtext("text") for a in order.findall("answer")] == [
        "Forward pass",
        "Loss",
        "Backward pass",
        "Update",
    ]
    assert order.findtext("selecttype") == "ALL" and order.findtext("layouttype") == "VERTICAL"
    assert "ordering" in err  # its grading rule is Moodle's, and the export says so


def test_qti_matching_and_ordering_grade_and_weights_count(pairs, tmp_path):
    import io
    import zipfile

    from tests.test_classroom_xml import QTI, Qti

    code, _, err = run(
        "export", "--format", "qti", "pairs", "--course", str(pairs), "-o", str(tmp_path / "p.zip")
    )
    assert code == 0, err
    z = zipfile.ZipFile(io.BytesIO((tmp_path / "p.zip").read_bytes()))
    match = Qti(z.read("items/task-loss.xml"))
    rights = {
        c.text: c.get("identifier")
        for c in match.root.iter(f"{QTI}simpleAssociableChoice")
        if c.get("identifier").startswith("R")
    }
    assert set(rights) == {"MSE", "BCE", "Cross-entropy", "Hinge squared"}
    all_right = {f"L1 {rights['MSE']}", f"L2 {rights['BCE']}", f"L3 {rights['Cross-entropy']}"}
    assert match.grade({"RESPONSE": all_right})[0] == pytest.approx(1.0)
    one_wrong = {f"L1 {rights['MSE']}", f"L2 {rights['Hinge squared']}", f"L3 {rights['Cross-entropy']}"}
    assert match.grade({"RESPONSE": one_wrong})[0] == pytest.approx(2 / 3, abs=1e-6)

    order = Qti(z.read("items/steps.xml"))
    assert order.grade({"RESPONSE": ["I1", "I2", "I3", "I4"]})[0] == 1.0
    assert order.grade({"RESPONSE": ["I2", "I1", "I3", "I4"]})[0] == 0.0

    # The test sums each item's SCORE times its weight W: a question's `weight` counts.
    test = etree.fromstring(z.read("test.xml"))
    refs = {r.get("identifier"): r for r in test.iter(f"{QTI}assessmentItemRef")}
    assert refs["task-loss"].find(f"{QTI}weight").get("value") == "2"
    (score,) = [s for s in test.iter(f"{QTI}setOutcomeValue") if s.get("identifier") == "SCORE"]
    variables = score.find(f"{QTI}sum/{QTI}testVariables")
    assert variables.get("variableIdentifier") == "SCORE" and variables.get("weightIdentifier") == "W"
    declared = {d.get("identifier") for d in test.findall(f"{QTI}outcomeDeclaration")}
    assert declared == {"SCORE", "MAXSCORE"}
    manifest = etree.fromstring(z.read("imsmanifest.xml"))
    assert manifest.nsmap.get("imsqti") == "http://www.imsglobal.org/xsd/imsqti_v2p1"


def test_import_says_it_merged_categories_and_split_variants(tmp_path):
    source = tmp_path / "two.gift"
    source.write_text(
        "$CATEGORY: $course$/ml/losses\n\n::mse-s0::One?{#1}\n\n::mse-s1::Two?{#2}\n\n"
        "$CATEGORY: $course$/ml/metrics\n\n::acc::Three?{#3}\n",
        encoding="utf-8",
    )
    target = tmp_path / "course" / "questions" / "two.yaml"
    target.parent.mkdir(parents=True)
    code, _, err = run("import", "--from", "gift", str(source), "-o", str(target))
    assert code == 0, err
    assert "2 categories" in err and "merged" in err
    assert "2 variants of `mse`" in err and "separate questions" in err
    import yaml

    tags = {q["id"]: q.get("tags") for q in yaml.safe_load(target.read_text(encoding="utf-8"))["questions"]}
    assert tags == {"mse-s0": ["losses"], "mse-s1": ["losses"], "acc": ["metrics"]}
