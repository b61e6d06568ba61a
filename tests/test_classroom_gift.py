"""`tutor export --format gift` and `tutor import --from gift`: what an LMS reads, read back.

The GIFT reader in tutor/classroom/gift.py is checked first against GIFT written by hand (as
Moodle's documentation writes it), so the round trips below do not only agree with themselves.
"""

from __future__ import annotations

import contextlib
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import FIXTURES, REPO
from tutor.classroom import gift
from tutor.classroom.gift import GiftError, parse
from tutor.cli import main

COURSE = FIXTURES / "class-course"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def export_gift(*refs: str, course: Path = COURSE, variants: int = 1) -> tuple[str, str]:
    code, out, err = run(
        "export", "--format", "gift", *refs, "--course", str(course), "--variants", str(variants)
    )
    assert code == 0, err
    return out, err


def by_title(text: str) -> dict[str, gift.GiftQuestion]:
    return {q.title: q for q in parse(text)}


# ------------------------------------------------------------------ the reader, on hand-written GIFT

HAND_WRITTEN = r"""
// From Moodle's GIFT documentation, with our own twists.
$CATEGORY: $course$/Physics/Units

::Grant's tomb::Who is buried in Grant's tomb?{~Grant #No one is buried there =no one ~Napoleon}

::TF::[markdown]The sun rises in the east.{T#Yes, it does.}

::Range::What is π to two decimals?{#3.13..3.15}

::Tol::When was Ulysses S. Grant born?{#
    =1822:0
    =%50%1822:2#Close.
}

::Weights::What two people are entombed in Grant's tomb?{
    ~%-100%No one
    ~%50%Grant
    ~%50%Grant's wife
    ~%-100%Grant's father
}

::Short::Two plus two equals {=four =4}.

::Match::Match the countries.{=Canada -> Ottawa =Italy -> Rome}

::Missing::Mahatma Gandhi's birthday is an Indian holiday on {~15th =2nd ~3rd} of October.

::Essay::Write about your summer.{####A model paragraph.}

::Escapes::Is 1 \= 2 \{really\} \# \~ \: not?{=No\: never#Right \# indeed}

This is a description with no answers.
"""


def test_the_reader_reads_gift_as_moodle_documents_it():
    qs = by_title(HAND_WRITTEN)
    assert qs["Grant's tomb"].kind == "multichoice"
    assert qs["Grant's tomb"].category == "$course$/Physics/Units"
    assert [(a.text, a.fraction, a.feedback) for a in qs["Grant's tomb"].answers] == [
        ("Grant", 0.0, "No one is buried there"),
        ("no one", 1.0, ""),
        ("Napoleon", 0.0, ""),
    ]
    assert (
        qs["TF"].kind == "truefalse" and qs["TF"].true_answer is True and qs["TF"].text_format == "markdown"
    )
    assert (qs["Range"].answers[0].text, qs["Range"].answers[0].tolerance) == ("3.14", pytest.approx(0.01))
    assert [(a.text, a.fraction, a.tolerance) for a in qs["Tol"].answers] == [
        ("1822", 1.0, 0),
        ("1822", 0.5, 2),
    ]
    assert [a.fraction for a in qs["Weights"].answers] == [-1.0, 0.5, 0.5, -1.0]
    assert qs["Short"].kind == "shortanswer" and [a.text for a in qs["Short"].answers] == ["four", "4"]
    assert qs["Short"].tail == "."
    assert qs["Match"].kind == "matching" and qs["Match"].answers[1].match == "Rome"
    assert qs["Missing"].tail == "of October."
    assert qs["Essay"].kind == "essay" and qs["Essay"].general_feedback == "A model paragraph."
    assert qs["Escapes"].text == "Is 1 = 2 {really} # ~ : not?"
    assert (
        qs["Escapes"].answers[0].text == "No: never" and qs["Escapes"].answers[0].feedback == "Right # indeed"
    )
    assert parse(HAND_WRITTEN)[-1].kind == "description"


def test_an_unclosed_brace_is_an_error_at_its_line():
    with pytest.raises(GiftError) as caught:
        parse("// one\n\n::a::Fine{=x}\n\n::b::Broken{=y ~z\n")
    assert caught.value.line == 5


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_any_text_survives_escaping(text):
    assert gift.unescape(gift.escape(text)) == text.replace("\r\n", "\n")


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="::{}=~#%\\n-> T0.5\n/$abc", max_size=80))
def test_the_reader_raises_nothing_but_gift_errors(text):
    with contextlib.suppress(GiftError):
        parse(text)


# ------------------------------------------------------------------ export


def test_export_writes_each_kind_gift_can_hold_and_warns_once_about_the_rest():
    out, err = export_gift("mixed")
    warnings = [line for line in err.splitlines() if "warning" in line]
    assert len(warnings) == 1
    assert all(x in warnings[0] for x in ("write-code", "steps-deriv", "softmax-vec"))
    qs = by_title(out)
    assert set(qs) == {"num-fixed", "num-drawn", "pick-one", "pick-many", "name-it", "grad-expr", "why-free"}

    num = qs["num-fixed"]
    assert num.kind == "numerical" and num.text == "What is 3/4 as a decimal?"
    assert [(a.text, a.fraction, a.tolerance) for a in num.answers] == [
        ("0.75", 1.0, 0.01),
        ("1.333333333", 0.0, 0.01),
        ("0.7", 0.5, 0.01),
    ]
    assert num.answers[1].feedback == "That is 4/3: you divided the wrong way round."
    assert num.general_feedback == "3/4 = 0.75."

    one = qs["pick-one"]
    assert one.text == "Which activation pairs with binary cross-entropy? {braces} and #hash: kept"
    assert [(a.text, a.fraction) for a in one.answers] == [
        ("Sigmoid", 1.0),
        ("ReLU", 0.0),
        ("tanh ~ range (-1, 1)", 0.0),
    ]
    assert one.answers[1].feedback == "ReLU outputs can exceed 1 = not a probability."

    many = qs["pick-many"]
    # Net scoring: each right option a third, a wrong one takes a third away.
    assert [round(a.fraction, 4) for a in many.answers] == [0.3333, 0.3333, 0.3333, -0.3333]

    text = qs["name-it"]
    assert text.kind == "shortanswer"
    assert [(a.text, a.fraction) for a in text.answers] == [("Huber", 1.0), ("Huber loss", 1.0), ("MAE", 0.0)]
    assert qs["grad-expr"].answers[0].text == "sigmoid(z) - y"
    assert qs["why-free"].kind == "essay"
    assert "GIFT does not keep hints" in err


def test_a_randomised_question_becomes_variants_in_a_category_of_its_own():
    # yhat is 5, 6, 6 on seeds 0-2: the third variant is the second again, written once
    out, _ = export_gift("num-drawn", variants=3)
    qs = parse(out)
    assert [q.title for q in qs] == ["num-drawn-s0", "num-drawn-s1"]
    assert {q.category for q in qs} == {"$course$/tutor/mixed/num-drawn"}
    for q in qs:
        yhat = int(re.search(r"predicts (\d+)", q.text).group(1))
        assert float(q.answers[0].text) == (yhat - 3) ** 2
        assert float(q.answers[1].text) == yhat - 3  # the mistake, with its feedback
        assert q.answers[1].feedback == f"Square the residual {yhat} − 3."


def test_export_takes_files_and_lessons_too(tmp_path):
    bank_file = COURSE / "questions" / "mixed.yaml"
    from_file, _ = export_gift(str(bank_file))
    from_lesson, _ = export_gift("intro")
    assert by_title(from_file).keys() == by_title(from_lesson).keys()
    code, _, err = run("export", "--format", "gift", "nothing-here", "--course", str(COURSE))
    assert code != 0 and "names no lesson, bank, question or file" in err
    target = tmp_path / "out.gift"
    code, _, _ = run("export", "--format", "gift", "mixed", "--course", str(COURSE), "-o", str(target))
    assert code == 0 and by_title(target.read_text(encoding="utf-8"))["num-fixed"].answers[0].text == "0.75"


# ------------------------------------------------------------------ import and round trips


def import_gift_file(tmp_path: Path, text: str, name: str = "imported.yaml") -> tuple[Path, str]:
    source = tmp_path / "in.gift"
    source.write_text(text, encoding="utf-8")
    course = tmp_path / "course"
    (course / "questions").mkdir(parents=True, exist_ok=True)
    target = course / "questions" / name
    code, _, err = run("import", "--from", "gift", str(source), "-o", str(target))
    assert code == 0, err
    return course, err


def check_clean(course: Path) -> None:
    code, out, _ = run("check", str(course), "--seeds", "2")
    assert code == 0, out


def test_a_hand_written_gift_file_imports_into_a_bank_that_passes_check(tmp_path):
    course, err = import_gift_file(tmp_path, HAND_WRITTEN)
    check_clean(course)
    # What could not be carried is said, with the line it came from.
    assert "no equivalent kind" not in err  # a matching question is now a `matching` one
    assert "description item" in err
    assert "missing-word" in err
    assert "net scoring is used" in err  # Weights: -100/50/50/-100 is not our net scoring
    import yaml

    bank = yaml.safe_load((course / "questions" / "imported.yaml").read_text(encoding="utf-8"))
    assert bank["bank"] == "units"  # from the category
    kinds = {q["id"]: q["type"] for q in bank["questions"]}
    assert kinds == {
        "grant-s-tomb": "choice",
        "tf": "choice",
        "range": "numeric",
        "tol": "numeric",
        "weights": "choice",
        "short": "text",
        "missing": "choice",
        "essay": "free",
        "escapes": "text",
        "match": "matching",
    }
    match = next(q for q in bank["questions"] if q["id"] == "match")
    assert match["pairs"] == [{"left": "Canada", "right": "Ottawa"}, {"left": "Italy", "right": "Rome"}]


def test_import_refuses_to_overwrite_and_reports_bad_files(tmp_path):
    source = tmp_path / "x.gift"
    source.write_bytes(b"::a::b{=c}\n\xff\xfe")
    code, _, err = run("import", "--from", "gift", str(source), "-o", str(tmp_path / "b.yaml"))
    assert code != 0 and "not UTF-8" in err
    source.write_text("::a::b{=c\n", encoding="utf-8")
    code, _, err = run("import", "--from", "gift", str(source), "-o", str(tmp_path / "b.yaml"))
    assert code != 0 and "x.gift:1:" in err and "never closed" in err
    (tmp_path / "b.yaml").write_text("keep me", encoding="utf-8")
    source.write_text("::a::b{=c}\n", encoding="utf-8")
    code, _, err = run("import", "--from", "gift", str(source), "-o", str(tmp_path / "b.yaml"))
    assert code != 0 and (tmp_path / "b.yaml").read_text(encoding="utf-8") == "keep me"


def _round_trip(tmp_path: Path, first: str) -> str:
    course, _ = import_gift_file(tmp_path, first, "bank.yaml")
    check_clean(course)
    second, _ = export_gift(str(course / "questions" / "bank.yaml"), course=course)
    return second


def test_export_import_export_gives_the_same_gift(tmp_path):
    first, _ = export_gift("mixed")
    assert _round_trip(tmp_path, first) == first


@pytest.mark.parametrize("bank", ["bce", "choosing", "softmax"])
def test_the_built_in_banks_round_trip(tmp_path, bank):
    first, _ = export_gift(bank, course=REPO)
    assert _round_trip(tmp_path, first) == first


def test_variants_round_trip_question_by_question(tmp_path):
    # The variants become plain questions of the bank, so only their category differs.
    first, _ = export_gift("mixed", variants=3)
    second = _round_trip(tmp_path, first)
    drop = re.compile(r"^\$CATEGORY: .*\n\n", re.M)
    assert drop.sub("", second) == drop.sub("", first)
    assert len(parse(second)) == len(parse(first)) == 8  # num-drawn's seed 2 repeats seed 1


def test_built_in_course_exports_whole(tmp_path):
    # Every bank of the real course, by its folder: nothing crashes, and every question is either
    # written or named in the one warning.
    course = tmp_path / "c"
    shutil.copytree(REPO / "questions", course / "questions")
    out, err = export_gift(str(course), course=course)
    written = {q.title for q in parse(out)}
    warning = next(line for line in err.splitlines() if "warning" in line)
    import yaml

    for path in (course / "questions").glob("*.yaml"):
        for q in yaml.safe_load(path.read_text(encoding="utf-8"))["questions"]:
            assert q["id"] in written or q["id"] in warning


# Moodle's GIFT reader (question/format/gift/format.php) takes a weight only in this shape.
MOODLE_WEIGHT = re.compile(r"^%\-*([0-9]{1,2})\.?([0-9]*)%")


def test_every_weight_written_is_one_moodle_reads(make_course):
    course = make_course(
        questions={
            "one.yaml": """
            bank: one
            title: One right option among several answers
            questions:
              - id: only-one-right
                type: choice
                multiple: true
                prompt: Which is a loss?
                options:
                  - {text: MSE, correct: true}
                  - {text: Accuracy}
                  - {text: F1}
            """
        }
    )
    out, _ = export_gift("only-one-right", course=course)
    assert parse(out)[0].answers[0].fraction == pytest.approx(1.0, abs=1e-6)
    texts = [out, export_gift(str(REPO), course=REPO)[0], export_gift("mixed")[0]]
    marks = [m for text in texts for m in re.findall(r"^\t[=~](%[^%]*%)", text, re.M)]
    assert marks and all(MOODLE_WEIGHT.match(m) for m in marks), [
        m for m in marks if not MOODLE_WEIGHT.match(m)
    ]
    # A multiple-answer choice never holds a `=` (Moodle would make it single-answer).
    block = out.split("::only-one-right::")[1]
    assert "\t=" not in block


def test_true_false_feedback_goes_to_each_option(tmp_path):
    course, _ = import_gift_file(
        tmp_path, "::tf::Sigmoid outputs lie in (0, 1).{TRUE#No: look again.#Yes.}\n"
    )
    import yaml

    (q,) = yaml.safe_load((course / "questions" / "imported.yaml").read_text(encoding="utf-8"))["questions"]
    assert q["options"] == [
        {"text": "True", "correct": True, "feedback": "Yes."},
        {"text": "False", "correct": False, "feedback": "No: look again."},
    ]
    check_clean(course)


GIFT_PIECES = st.sampled_from(
    [
        "::t::",
        "::",
        "{",
        "}",
        "=",
        "~",
        "#",
        "####",
        "%50%",
        "%-100%",
        "%150%",
        "->",
        "T",
        "FALSE",
        "1.5",
        ":0.1",
        "..",
        "2",
        "\\=",
        "\\{",
        "\\n",
        " ",
        "\n",
        "\n\n",
        "[html]",
        "[markdown]",
        "$CATEGORY: a/b\n",
        "// c\n",
        "x",
        "é",
        # numbers Python's float() reads but no answer can be (issue 23): infinities, NaN, overflow
        "1e999",
        "-1e999",
        "nan",
        "inf",
        "-Infinity",
        "1.7e308",
        "-1.7e308",
        "1_0",
        "\u00a0",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(GIFT_PIECES, max_size=40).map("".join))
def test_whatever_imports_is_a_valid_bank(text):
    from pydantic import ValidationError

    from tutor.classroom.importer import import_gift
    from tutor.content.model import Bank

    try:
        imported = import_gift(text, "fuzz")
    except GiftError:
        return
    try:
        Bank.model_validate(imported.bank)
    except ValidationError as exc:  # pragma: no cover - the failure message is the point
        raise AssertionError(f"{text!r} imported into an invalid bank: {exc}") from None


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("::n::{#1e999}", "`1e999` is not a finite number"),
        ("::n::{#nan:inf}", "`nan:inf` is not a finite number"),
        ("::n::{#1.7e308..1.7e308}", None),  # finite, and its midpoint must not overflow
        ("::n::{#2:-inf}", "`2:-inf` is not a finite number"),
    ],
)
def test_a_numerical_answer_that_is_no_finite_number_is_said_at_its_line(tmp_path, text, shown):
    # These ended in OverflowError and ValueError tracebacks (issue 23, item 10).
    source = tmp_path / "n.gift"
    source.write_text("// a comment\n\n" + text + "\n", encoding="utf-8")
    out = tmp_path / "n.yaml"
    result = CliRunner().invoke(main, ["import", "--from", "gift", str(source), "-o", str(out)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    if shown is None:
        assert result.exit_code == 0, result.output
    else:
        assert result.exit_code == 1
        assert f"{source}:3:" in result.output
        assert shown in result.output


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(["{#", "}", "=", "~", ":", "..", "%50%", "#", "\n\n", "::q::"]),
            st.floats().map(repr),
            st.sampled_from(["1e999", "nan", "inf", "-inf", "1e-400", "1.7976931348623157e308"]),
        ),
        max_size=16,
    ).map("".join)
)
def test_numerical_answers_of_any_size_import_or_give_a_gift_error(text):
    from tutor.classroom.importer import import_gift, to_yaml

    try:
        imported = import_gift(text, "fuzz")
    except GiftError:
        return
    to_yaml(imported.bank)


def test_a_star_in_a_short_answer_is_a_star_not_moodles_wildcard(make_course, tmp_path):
    course = make_course(
        questions={
            "star.yaml": """
            bank: star
            title: Stars
            questions:
              - id: twice
                type: expression
                prompt: Differentiate x².
                variables: {x: {}}
                answer: 2*x
            """
        }
    )
    out, _ = export_gift("twice", course=course)
    # In GIFT `\\*` reaches Moodle as `\\*`, which its short answer matches as a literal star.
    assert "\t=2\\\\*x" in out
    code, xml, _ = run("export", "--format", "moodle-xml", "twice", "--course", str(course))
    assert code == 0
    assert "<text><![CDATA[2\\*x]]></text>" in xml
    again, err = import_gift_file(tmp_path, out)
    import yaml

    (q,) = yaml.safe_load((again / "questions" / "imported.yaml").read_text(encoding="utf-8"))["questions"]
    assert q["accept"] == ["2*x"] and "wildcard" not in err
    (tmp_path / "w").mkdir()
    _, err = import_gift_file(tmp_path / "w", "::w::Name a loss.{=*entropy}\n")
    assert "the `*` wildcard" in err


def test_a_single_answer_choice_with_a_negative_weight_stays_single(tmp_path):
    # Moodle reads a choice holding a `=` as single-answer; `%-50%` is a penalty for that option.
    course, err = import_gift_file(tmp_path, "::pick::Which is a loss?{=MSE ~%-50%Accuracy ~F1}\n")
    import yaml

    (q,) = yaml.safe_load((course / "questions" / "imported.yaml").read_text(encoding="utf-8"))["questions"]
    assert "multiple" not in q
    assert [o.get("correct", False) for o in q["options"]] == [True, False, False]
    assert "the negative weight of option Accuracy" in err
    check_clean(course)


def test_identical_variants_are_written_once(make_course):
    course = make_course(
        questions={
            "few.yaml": """
            bank: few
            title: Few values
            questions:
              - id: twice
                type: numeric
                prompt: "What is 2 × {{k}}?"
                params: {k: {choice: [2, 3]}}
                answer: 2*k
            """
        }
    )
    out, _ = export_gift("twice", course=course, variants=8)
    prompts = [q.text for q in parse(out)]
    assert sorted(prompts) == sorted(set(prompts)), prompts  # each distinct variant once
    assert {p.split("×")[1].strip(" ?") for p in prompts} == {"2", "3"}


def test_a_single_answer_choice_with_partial_credit_keeps_its_one_right_option(tmp_path):
    course, err = import_gift_file(tmp_path, "::pick::Which is a loss?{=MSE ~%50%MAE ~F1}\n")
    import yaml

    (q,) = yaml.safe_load((course / "questions" / "imported.yaml").read_text(encoding="utf-8"))["questions"]
    assert "multiple" not in q
    assert [o.get("correct", False) for o in q["options"]] == [True, False, False]
    assert "partial credit on a one-answer choice" in err
    check_clean(course)
