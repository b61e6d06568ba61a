"""The package layout is the architecture: these checks keep it true."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import REPO


def test_import_contracts_hold():
    # import-linter reads the contracts in pyproject.toml: pure logic never imports the UI.
    from importlinter.cli import lint_imports

    assert lint_imports(config_filename=str(REPO / "pyproject.toml")) == 0


def _modules_after(args: list[str]) -> set[str]:
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from tutor.cli import main\n"
        f"result = CliRunner().invoke(main, {args!r})\n"
        "assert result.exit_code == 0, result.output\n"
        "print(' '.join(sorted(sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO)
    return set(out.stdout.split())


def test_quick_commands_never_import_sympy():
    for args in (["--help"], ["list"], ["schema"], ["schema", "lesson"]):
        loaded = _modules_after(args)
        assert "sympy" not in loaded, args


def test_the_code_is_ruff_clean_and_formatted():
    ruff = [sys.executable, "-m", "ruff"]
    paths = ["tutor", "tests", "benchmarks"]
    check = subprocess.run([*ruff, "check", *paths], capture_output=True, text=True, cwd=REPO)
    assert check.returncode == 0, check.stdout
    fmt = subprocess.run([*ruff, "format", "--check", *paths], capture_output=True, text=True, cwd=REPO)
    assert fmt.returncode == 0, fmt.stdout


def test_the_app_never_imports_sympy_before_its_first_screen():
    code = (
        "import sys\n"
        "from tutor.tui.app import TutorApp\n"
        "from tutor.tui.screens.home import HomeScreen\n"
        "print(' '.join(sorted(sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO)
    loaded = set(out.stdout.split())
    assert "sympy" not in loaded and "numpy" not in loaded and "pydantic" not in loaded


def test_the_command_reaches_the_app_without_the_loader_pydantic_numpy_or_the_sandbox(tmp_path):
    """`tutor` with no arguments, up to the app's run: picking the course (in a course folder or
    the built-in one) is the standard library's work; the course is loaded behind the first frame
    (issue 29: the loader and its models cost about 300 ms before it)."""
    code = (
        "import sys, tutor.tui.app as a\n"
        "def run(self, *args, **kw):\n"
        "    print(' '.join(sorted(sys.modules)))\n"
        "    raise SystemExit(0)\n"
        "a.TutorApp.run = run\n"
        "from tutor.cli import main\n"
        "main([])\n"
    )
    env = {**os.environ, "TUTOR_DATA_DIR": str(tmp_path / "data")}
    for cwd in (tmp_path, REPO / "questions"):  # outside any course, and inside one
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=cwd, env=env
        )
        loaded = set(out.stdout.split())
        heavy = {"pydantic", "numpy", "sympy", "tutor.content.loader", "tutor.content.model"}
        heavy |= {"tutor.grading.sandbox", "tutor.kinds"}
        assert loaded and not heavy & loaded, (cwd, sorted(heavy & loaded))


def test_a_lesson_pretty_prints_its_formulas_without_sympy_in_the_app():
    """SymPy prints formulas in the grading worker: the app's process never imports it."""
    code = """
import asyncio, sys, tempfile
from pathlib import Path
from tests.conftest import FIXTURES, wait_for_course
from tutor.progress.store import ProgressStore
from tutor.tui.app import StartAt, TutorApp

async def main():
    app = TutorApp(FIXTURES / "app-course", ProgressStore(Path(tempfile.mkdtemp())), StartAt("lesson", "huber"),
                   warm_up=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_course(app, pilot)
        for _ in range(600):
            await app.screen.workers.wait_for_complete()
            await pilot.pause()
            if "\\n" in str(app.screen.query_one("FormulaBlock").render()):
                break
        print("lines", str(app.screen.query_one("FormulaBlock").render()).count("\\n") + 1)
    print("sympy" if "sympy" in sys.modules else "no-sympy")

asyncio.run(main())
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO)
    lines, imported = out.stdout.split()[-3:-1], out.stdout.split()[-1]
    assert int(lines[1]) > 1, out.stdout  # the two-dimensional print arrived
    assert imported == "no-sympy"


def test_the_code_type_checks():
    # mypy over the whole package (the pure packages and the app): the kinds' models, the
    # variants and results are typed, so a kind that breaks a contract fails here first.
    mypy = subprocess.run(
        [sys.executable, "-m", "mypy", "tutor"], capture_output=True, text=True, cwd=REPO, timeout=600
    )
    assert mypy.returncode == 0, mypy.stdout[-3000:]
