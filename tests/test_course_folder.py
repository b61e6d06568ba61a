"""Every command works on the course folder it is run in (README), by one rule: `--course`,
else `tutor --course`, else the course folder the working directory is in, else the built-in
course. Each command is run inside a course folder whose bank is named like a built-in one."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import tutor.cli
import tutor.content.loader
import tutor.content.targets
from tutor.cli import main
from tutor.content.builtin import builtin_course_root

LESSON = """
id: mine
title: Mine
summary: A lesson of this course only.
sections:
  - title: T
    body: B
quiz: [bce]
"""

BANK = """
bank: bce
title: Named like a built-in bank
questions:
  - id: only-here
    type: numeric
    prompt: Our own question?
    answer: 1
    solution: One.
"""

COMMANDS = [
    [],
    ["lesson", "mine"],
    ["quiz", "mine", "--plain"],
    ["review", "--plain"],
    ["list"],
    ["check"],
    ["grade", "only-here", "1"],
    ["preview", "only-here"],
    ["export", "bce", "--format", "gift"],
    ["report", "attempts.csv"],
]


class Opened(Exception):
    """Stops a command once it has said which course it opens."""


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The course folders commands open, from the loader and the app alike."""
    roots: list[Path] = []

    def record(root, *args, **kwargs):
        roots.append(Path(root).resolve())
        raise Opened

    monkeypatch.setattr(tutor.content.loader, "load_course", record)
    monkeypatch.setattr(tutor.content.targets, "load_course", record)
    monkeypatch.setattr(tutor.cli, "_run_app", record)
    return roots


@pytest.mark.parametrize("inside", [".", "questions"])
@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: " ".join(a[:1]) or "tutor")
def test_a_command_run_inside_a_course_folder_works_on_that_course(
    make_course, opened, monkeypatch, tmp_path, args, inside
):
    course = make_course(lessons={"mine.yaml": LESSON}, questions={"bce.yaml": BANK})
    (tmp_path / "attempts.csv").write_text("", encoding="utf-8")
    monkeypatch.chdir(course / inside)
    monkeypatch.setenv("TUTOR_DATA_DIR", str(tmp_path / "data"))
    if args[:1] == ["report"]:
        args = ["report", str(tmp_path / "attempts.csv")]
    result = CliRunner().invoke(main, ["--data-dir", str(tmp_path / "data"), *args], input="")
    assert isinstance(result.exception, Opened), result.output
    assert opened[0] == course.resolve()


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: " ".join(a[:1]) or "tutor")
def test_outside_any_course_a_command_works_on_the_built_in_one(opened, monkeypatch, tmp_path, args):
    (tmp_path / "attempts.csv").write_text("", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    if args[:1] == ["report"]:
        args = ["report", str(tmp_path / "attempts.csv")]
    CliRunner().invoke(main, ["--data-dir", str(tmp_path / "data"), *args], input="")
    assert opened[0] == builtin_course_root().resolve()


def test_picking_the_course_imports_no_loader():
    # Every command asks it first; issue 29 needs the path to the app's first frame light.
    import subprocess

    code = (
        "import sys; from tutor.content.courseroot import pick_course; pick_course(); "
        "print(sorted(m for m in sys.modules if m.startswith(('tutor.content.loader', 'pydantic', 'numpy'))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=os.getcwd()
    )
    assert out.stdout.strip() == "[]"
