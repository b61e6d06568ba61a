"""The instructor's commands: `tutor new` templates, `tutor preview`, and `tutor check` in the
course folder you are in."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from tests.conftest import FIXTURES
from tutor.cli import main
from tutor.content.model import QUESTION_TYPES


def run(*args: str):
    return CliRunner().invoke(main, list(args))


# ---------------------------------------------------------------- tutor new


def test_every_question_kind_has_a_template():
    from tutor.content.templates import TEMPLATE_KINDS

    assert set(TEMPLATE_KINDS) == set(QUESTION_TYPES)


def test_every_template_passes_check_as_written(tmp_path):
    (tmp_path / "questions").mkdir()
    (tmp_path / "lessons").mkdir()
    for kind in QUESTION_TYPES:
        result = run("new", "question", "--type", kind, "-o", str(tmp_path))
        assert result.exit_code == 0, result.output
    assert run("new", "lesson", "-o", str(tmp_path)).exit_code == 0
    written = sorted(p.name for p in (tmp_path / "questions").iterdir())
    assert written == sorted(f"my-{kind}-bank.yaml" for kind in QUESTION_TYPES)
    result = run("check", str(tmp_path))
    assert result.exit_code == 0, result.output
    # Clean means no warnings either: a template is what a good question looks like.
    assert result.output.strip().splitlines()[-1].endswith(": clean"), result.output


def test_a_template_is_printed_with_the_given_ids():
    result = run("new", "question", "--type", "numeric", "--id", "bce-one", "--bank", "bce")
    assert result.exit_code == 0
    assert "bank: bce\n" in result.output
    assert "  - id: bce-one\n" in result.output
    assert "# " in result.output  # commented


def test_new_refuses_to_overwrite_and_bad_ids(tmp_path):
    target = tmp_path / "x.yaml"
    target.write_text("mine", encoding="utf-8")
    result = run("new", "lesson", "-o", str(target))
    assert result.exit_code == 2 and "already exists" in result.output
    assert target.read_text(encoding="utf-8") == "mine"
    result = run("new", "question", "--type", "numeric", "--id", "Bad Id")
    assert result.exit_code == 2 and "lower-case" in result.output
    result = run("new", "question", "--type", "nope")
    assert result.exit_code == 2


# ---------------------------------------------------------------- tutor preview

BANK = """
bank: p
title: P
questions:
  - id: loss
    type: numeric
    prompt: "p = {{p}}: what is -log(p)?"
    params: {p: {uniform: [0.1, 0.9], round: 2}}
    answer: -log(p)
    mistakes: [{answer: log(p), note: sign, feedback: "Mind the sign at p = {{p}}."}]
    hints: [{text: "Take the log of {{p}}.", penalty: 0.25}]
    solution: "-log({{p}}) = {{answer}}"
    tests:
      - {answer: "-ln({{p}})", expect: correct}
      - {answer: "log({{p}})", expect: incorrect, note: sign}
  - id: pick
    type: choice
    prompt: Pick k = {{k}}.
    params: {k: {choice: [1, 2]}}
    options: [{text: "{{k}}", correct: true}, {text: "0"}]
    solution: "{{k}}"
  - id: wrong-key
    type: numeric
    prompt: One?
    answer: 1
    solution: One.
    tests: [{answer: "2", expect: correct}]
"""


@pytest.fixture
def course(make_course):
    return make_course(questions={"p.yaml": BANK})


def test_preview_shows_the_learner_view_then_the_author_view(course):
    from tutor.content.loader import load_course
    from tutor.content.variants import instantiate

    result = run("preview", "loss", "--seed", "7", "--course", str(course))
    assert result.exit_code == 0, result.output
    variant = instantiate(load_course(course).questions["loss"].question, 7)
    p = variant.values["p"]
    out = result.output
    learner, author = out.split("only the author sees")
    assert f"p = {p:g}: what is -log(p)?" in learner
    assert "{{" not in out
    assert f"parameters: p = {p:g}" in author
    assert f"answer: {-__import__('math').log(p):.6g}" in author
    assert "mistake [sign]:" in author and f"Mind the sign at p = {p:g}." in author
    assert f"hint 1 (costs 0.25): Take the log of {p:g}." in author
    assert re.search(r"ok +test 1: '-ln\(", author) and re.search(r"ok +test 2", author)


def test_preview_and_grade_show_the_same_variant(course):
    preview = run("preview", "loss", "--seed", "11", "--course", str(course)).output
    graded = run("grade", "loss", "1", "--seed", "11", "--course", str(course)).output
    prompt = graded.splitlines()[0].split(": ", 1)[1]
    assert prompt in preview


def test_preview_flags_a_failing_test(course):
    result = run("preview", "wrong-key", "--course", str(course))
    assert result.exit_code == 1
    assert re.search(r"FAIL test 1: '2' -> incorrect.*; expected correct", result.output)


def test_preview_lists_variants_and_flags_identical_ones(course):
    result = run("preview", "pick", "--variants", "6", "--course", str(course))
    assert result.exit_code == 0
    lines = result.output.strip().splitlines()
    assert len(lines) == 7
    assert any("[same as seed" in line for line in lines)
    assert lines[-1] == "2 distinct variants in 6"


def test_preview_of_an_unknown_question_suggests_one(course):
    result = run("preview", "los", "--course", str(course))
    assert result.exit_code == 2
    assert "no question `los`" in result.output and "did you mean `loss`?" in result.output


@pytest.mark.parametrize("kind", QUESTION_TYPES)
def test_preview_shows_every_kind(tmp_path, kind):
    (tmp_path / "questions").mkdir()
    assert run("new", "question", "--type", kind, "-o", str(tmp_path)).exit_code == 0
    result = run("preview", f"my-{kind}", "--course", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert "only the author sees" in result.output and "solution" in result.output


# ---------------------------------------------------------------- check where you are


def test_check_without_a_path_checks_the_course_you_are_in(monkeypatch):
    monkeypatch.chdir(FIXTURES / "broken-course")
    result = run("check")
    assert result.exit_code == 1
    assert "checked 1 lesson, 2 banks, 5 questions" in result.output
    monkeypatch.chdir(FIXTURES / "broken-course" / "questions")
    result = run("check")
    assert "checked 1 lesson, 2 banks, 5 questions" in result.output


def test_check_outside_any_course_checks_the_built_in_one(tmp_path, monkeypatch):
    from tutor.content.builtin import builtin_course_root

    monkeypatch.chdir(tmp_path)
    here = run("check", "--seeds", "1").output.strip().splitlines()[-1]
    builtin = run("check", "--seeds", "1", "--course", str(builtin_course_root())).output
    assert here == builtin.strip().splitlines()[-1]


# ---------------------------------------------------------------- course.yaml


def test_new_course_is_a_clean_course_with_its_id_and_title(tmp_path, monkeypatch):
    from tutor.content.loader import load_course

    folder = tmp_path / "hinge-kl"
    result = run("new", "course", str(folder), "--title", "Hinge and KL: a course")
    assert result.exit_code == 0, result.output
    course = load_course(folder)
    assert (course.course_id, course.title) == ("hinge-kl", "Hinge and KL: a course")
    monkeypatch.chdir(folder)
    result = run("check")
    assert result.exit_code == 0 and result.output.strip().endswith(": clean"), result.output
    assert run("new", "course", str(folder)).exit_code == 2  # never over a course


def test_a_course_without_course_yaml_is_keyed_by_its_folder(make_course):
    from tutor.content.builtin import builtin_course_root
    from tutor.content.loader import load_course

    root = make_course(questions={"p.yaml": BANK})
    assert load_course(root).course_id == root.name
    assert load_course(root).title is None
    assert load_course(builtin_course_root()).course_id == "builtin"


def test_a_broken_course_yaml_is_reported_at_its_line(make_course):
    root = make_course(questions={"p.yaml": BANK})
    (root / "course.yaml").write_text("id: Bad Id\ntitle: T\nextra: 1\n", encoding="utf-8")
    result = run("check", str(root), "--seeds", "1")
    assert result.exit_code == 1
    assert "course.yaml:1:5: course: `id` must be lower-case letters" in result.output
    assert "course.yaml:3:1: course: unknown field `extra`" in result.output


async def test_the_header_shows_the_course_title(tmp_path, make_course):
    from tests.conftest import wait_for_course
    from tutor.progress.store import ProgressStore
    from tutor.tui.app import TutorApp

    root = make_course(questions={"p.yaml": BANK})
    (root / "course.yaml").write_text("id: mine\ntitle: Hinge and KL\n", encoding="utf-8")
    app = TutorApp(root, ProgressStore(tmp_path / "progress"), warm_up=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_course(app, pilot)
        assert app.sub_title == "Hinge and KL"


# ---------------------------------------------------------------- one seed, one variant


def test_quiz_and_grade_with_the_same_seed_show_the_same_variant(course, tmp_path, monkeypatch):
    monkeypatch.setenv("TUTOR_DATA_DIR", str(tmp_path / "data"))
    graded = run("grade", "loss", "1", "--seed", "11", "--course", str(course)).output
    prompt = graded.splitlines()[0].split(": ", 1)[1]
    result = CliRunner().invoke(
        main, ["quiz", "loss", "--plain", "--seed", "11", "--course", str(course)], input=""
    )
    assert prompt in result.output


def test_a_session_with_an_exact_seed_resumes_with_it(course):
    from tutor.content.loader import load_course
    from tutor.quiz.session import QuizSession

    entries = load_course(course).resolve("p")
    session = QuizSession(entries, seed=11, exact=True)
    assert [s.variant.seed for s in session.states] == [11, 11, 11]
    restored = QuizSession.restore(entries, session.snapshot("p"))
    assert restored is not None and [s.variant.seed for s in restored.states] == [11, 11, 11]
    assert session.retry().seed != 11  # a fresh variant is another one


def test_preview_says_what_check_finds_in_the_question(monkeypatch):
    monkeypatch.chdir(FIXTURES / "broken-course")
    result = run("preview", "alpha-two")
    assert result.exit_code == 1
    assert (
        "questions/alpha.yaml:23:26: question 'alpha-two': answer: `y` is not a known name" in result.output
    )
