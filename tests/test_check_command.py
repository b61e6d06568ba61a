"""`tutor check`: every problem in a course, one line each at file:line:col, exit 1 unless clean."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from tests.conftest import FIXTURES, REPO
from tutor.cli import main
from tutor.content.seeds import DEFAULT_SEEDS

BROKEN = FIXTURES / "broken-course"

EXPECTED_BROKEN = [
    "lessons/intro.yaml:4:17: lesson 'intro': prerequisite `basics` names no lesson",
    "lessons/intro.yaml:13:25: lesson 'intro': curve `MAE`: `deltta` is not a known name",
    "lessons/intro.yaml:14:8: lesson 'intro': quiz names `loss-basics`, which is neither a question nor a bank",
    "lessons/intro.yaml:14:21: lesson 'intro': quiz names `no-such-question`, which is neither a question nor a bank",
    "questions/alpha.yaml:9:19: question 'alpha-one': placeholder `{{los}}` names no parameter",
    "questions/alpha.yaml:12:17: question 'alpha-one': parameter `q` uses `r`, which is defined after it",
    "questions/alpha.yaml:14:18: question 'alpha-one': answer: `pp` is not a known name",
    "questions/alpha.yaml:23:26: question 'alpha-two': answer: `y` is not a known name",
    "questions/alpha.yaml:31:13: question 'alpha-three': seed 0 (p=0.566362): answer is nan, not a finite number",
    "questions/alpha.yaml:38:23: question 'alpha-four': reference is not valid Python: expected ':'",
    "questions/beta.yaml:3:9: bank 'beta': `lesson: intr` names no lesson in the course (did you mean `intro`?)",
    "questions/beta.yaml:5:9: question 'alpha-one': question id `alpha-one` is already used at questions/alpha.yaml:5:9",
]


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_every_problem_of_the_broken_course_is_one_line(monkeypatch):
    monkeypatch.chdir(BROKEN)
    result = run("check", ".")
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    errors = [line for line in lines[:-1] if ": warning: " not in line]
    assert len(errors) == len(EXPECTED_BROKEN)
    for got, expected in zip(errors, EXPECTED_BROKEN, strict=True):
        assert got.startswith(expected), (got, expected)
    warnings = len(lines) - 1 - len(errors)
    assert lines[-1] == (
        f"checked 1 lesson, 2 banks, 5 questions on {DEFAULT_SEEDS} seeds: 12 errors, {warnings} warnings"
    )


def test_paths_inside_a_course_show_only_their_own_problems(monkeypatch):
    monkeypatch.chdir(BROKEN)
    result = run("check", "questions/beta.yaml")
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    # beta's duplicate id is found because the whole course is loaded for context.
    errors = [line for line in lines[:-1] if ": warning: " not in line]
    assert [line.split(":")[0] for line in errors] == ["questions/beta.yaml"] * 2


def test_json_output_carries_positions(monkeypatch):
    monkeypatch.chdir(BROKEN)
    result = run("check", "--json", ".")
    assert result.exit_code == 1
    payload = json.loads(result.output)
    assert payload["ok"] is False
    assert payload["errors"] == len(EXPECTED_BROKEN)
    first = payload["diagnostics"][0]
    assert (first["file"], first["line"], first["column"], first["where"]) == (
        "lessons/intro.yaml",
        4,
        17,
        "lesson 'intro'",
    )


def test_a_single_file_outside_any_course_is_checked_alone(tmp_path, monkeypatch):
    (tmp_path / "draft.yaml").write_text(
        "bank: draft\ntitle: Draft\nlesson: not-written-yet\nquestions:\n"
        "  - id: d\n    type: numeric\n    prompt: 'p = {{p}}'\n    params: {p: {uniform: [1, 2]}}\n"
        "    answer: 2*p\n",
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    result = run("check", "draft.yaml")
    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith(f"1 question on {DEFAULT_SEEDS} seeds: clean, 1 warning")
    assert "warning: question 'd': no worked solution" in result.output


def test_builtin_course_is_clean():
    # With the default seeds, and no warnings either: the built-in course is the example.
    result = run("check")
    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith("clean")


@pytest.mark.parametrize(
    "kind",
    [
        "numeric",
        "expression",
        "derivation",
        "vector",
        "choice",
        "text",
        "code",
        "free",
        "ordering",
        "matching",
        "interval",
    ],
)
def test_builtin_course_has_every_question_type(kind):
    from tutor.content.builtin import builtin_course_root
    from tutor.content.loader import load_course

    course = load_course(builtin_course_root())
    assert any(e.question.type == kind for e in course.questions.values())


def test_missing_course_folder_is_an_error(tmp_path):
    result = run("check", str(tmp_path))
    assert result.exit_code == 1
    assert "no lessons/ or questions/ folder" in result.output


def test_list_shows_lessons_banks_and_counts():
    result = run("list", "--course", str(BROKEN))
    assert result.exit_code == 0
    assert "intro  Introduction" in result.output
    assert "alpha" in result.output and "2 numeric, 1 expression, 1 code" in result.output


def test_schema_matches_the_committed_files():
    for kind in ("bank", "lesson", "course"):
        result = run("schema", kind)
        assert result.exit_code == 0
        committed = (REPO / "schemas" / f"{kind}.schema.json").read_text(encoding="utf-8")
        assert json.loads(result.output) == json.loads(committed), (
            f"run: tutor schema {kind} > schemas/{kind}.schema.json"
        )


def test_schema_describes_the_question_types():
    schema = json.loads(run("schema", "bank").output)
    text = json.dumps(schema)
    for kind in ("NumericQuestion", "DerivationQuestion", "CodeQuestion", "FreeQuestion"):
        assert kind in text


def test_python_dash_m_runs_the_cli():
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-m", "tutor", "--version"], capture_output=True, text=True, cwd=REPO
    )
    assert out.returncode == 0
    assert out.stdout.startswith("tutor, version ")


def test_every_course_file_validates_against_the_committed_schema():
    # Editors validate with these schemas: the shorthand forms (plain-text hints, `n: 4`,
    # numbers as answers) must not be underlined.
    import jsonschema
    import yaml

    for kind, folder in (("bank", "questions"), ("lesson", "lessons")):
        schema = json.loads((REPO / "schemas" / f"{kind}.schema.json").read_text(encoding="utf-8"))
        validator = jsonschema.Draft202012Validator(schema)
        for path in sorted((REPO / folder).glob("*.yaml")):
            errors = [
                e.message for e in validator.iter_errors(yaml.safe_load(path.read_text(encoding="utf-8")))
            ]
            assert errors == [], (path.name, errors[:3])


def test_reversed_interval_domain_is_reported_not_a_crash(make_course):
    root = make_course(
        questions={
            "a.yaml": "bank: a\ntitle: A\nquestions:\n  - id: q\n    type: expression\n    prompt: p\n"
            "    answer: x\n    variables:\n      x: {domain: [3, 1]}\n"
        }
    )
    result = run("check", str(root))
    assert result.exit_code == 1
    assert "a.yaml:9:10: question 'q': domain: the interval [3, 1] needs low < high" in result.output


def test_placeholders_in_step_hints_and_step_mistakes_are_checked(make_course):
    root = make_course(
        questions={
            "d.yaml": """
            bank: d
            title: D
            questions:
              - id: d1
                type: derivation
                mode: steps
                prompt: Differentiate.
                params: {k: {integers: [2, 5]}}
                variables: {x: {domain: real}}
                hints: [Power rule.]
                steps:
                  - prompt: d/dx of x^{{k}}
                    answer: k*x^(k - 1)
                    hints: ["Bring {{kk}} down."]
                    mistakes:
                      - {answer: "x^(k - 1)", feedback: "Multiply by {{kay}}.", note: dropped-k}
                tests: [{answer: "{{k}}*x^({{k}} - 1)", expect: correct}, {answer: "x", expect: incorrect}]
            """
        }
    )
    result = run("check", str(root))
    assert result.exit_code == 1
    assert "placeholder `{{kk}}` names no parameter" in result.output
    assert "placeholder `{{kay}}` names no parameter" in result.output


VALUES_BANK = """
bank: v
title: V
questions:
  - id: step
    type: numeric
    prompt: "One step from w = {{w}} with gradient {{g}}. ({{yhat}} is not shown here.)"
    params:
      w: {uniform: [0.1, 0.5], round: 2}
      g: {choice: [-2, 3]}
    answer: w - 0.1*g
    values:
      yhat: w*2
      change: answer - w
      later: soon + 1
      soon: 1
      w: 3
      broken: log(
      nan: log(change - change - 1)
    solution: "w ← {{w}} − 0.1 × {{g}} = {{w}} + ({{change:.3f}}) = {{answer}}; {{chnage}}"
"""


def test_question_values_are_checked_like_parameters(make_course):
    root = make_course(questions={"v.yaml": VALUES_BANK})
    out = run("check", str(root), "--seeds", "2").output
    assert "placeholder `{{yhat}}`: `values` are for the solution, hints and feedback" in out
    assert "value `later` uses `soon`, which is defined after it" in out
    assert "value `w` has the name of a parameter or variable" in out
    assert "value `broken`: the expression ends after `(`" in out
    assert "placeholder `{{chnage}}` names no parameter (did you mean `change`?)" in out


def test_question_values_show_each_step_of_a_variant(make_course):
    from tutor.content.loader import load_course
    from tutor.content.variants import instantiate

    bank = VALUES_BANK.replace("({{yhat}} is not shown here.)", "").replace("; {{chnage}}", "")
    for bad in (
        "      later: soon + 1\n",
        "      w: 3\n",
        "      broken: log(\n",
        "      nan: log(change - change - 1)\n",
    ):
        bank = bank.replace(bad, "")
    root = make_course(questions={"v.yaml": bank})
    assert run("check", str(root), "--seeds", "5").exit_code == 0
    entry = load_course(root).questions["step"]
    variant = instantiate(entry.question, 3)
    w, g = variant.values["w"], variant.values["g"]
    assert variant.shown["change"] == pytest.approx(-0.1 * g)  # a value may use `answer`
    assert "yhat" not in variant.values and "change" not in variant.values  # grading never sees them
    assert variant.solution == f"w ← {w} − 0.1 × {g} = {w} + ({-0.1 * g:.3f}) = {variant.answer:.4g}"


def test_a_value_that_is_not_finite_is_reported_at_its_seed(make_course):
    bank = VALUES_BANK.replace("({{yhat}} is not shown here.)", "").replace("; {{chnage}}", "")
    for bad in ("      later: soon + 1\n", "      w: 3\n", "      broken: log(\n"):
        bank = bank.replace(bad, "")
    root = make_course(questions={"v.yaml": bank})
    out = run("check", str(root), "--seeds", "2").output
    assert "seed 0" in out and "value `nan` is nan, not finite" in out


SIGFIGS_BANK = """
bank: s
title: S
questions:
  - id: three-halves
    type: numeric
    prompt: What is 3/2, to 4 significant figures?
    answer: 3/2
    tolerance: {sigfigs: 4}
  - id: twelve-hundred
    type: numeric
    prompt: What is 1200, to 3 significant figures?
    answer: 1200
    tolerance: {sigfigs: 3}
  - id: nothing
    type: numeric
    prompt: What is 1 - 1, to 2 significant figures?
    answer: 1 - 1
    tolerance: {sigfigs: 2}
"""


def test_the_self_test_types_a_sigfigs_reference_with_its_trailing_zeros(make_course):
    # 3/2 to 4 figures is typed `1.500`: `1.5` shows only 2 figures and is rightly refused
    root = make_course(questions={"s.yaml": SIGFIGS_BANK})
    result = run("check", str(root), "--seeds", "2")
    assert result.exit_code == 0, result.output


def test_the_reference_typed_for_sigfigs_shows_every_figure():
    from tutor.grading.tolerance import sigfig_text

    assert sigfig_text(1.5, 4) == "1.500"
    assert sigfig_text(0.0201, 2) == "0.020"
    assert sigfig_text(1200.0, 3) == "1.20e+3"
    assert sigfig_text(0.0, 2) == "0.00"  # zero counts the zeros after its point
    assert sigfig_text(-2.675, 3) == "-2.68"
