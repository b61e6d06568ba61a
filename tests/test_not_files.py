"""Files that are not files (issue 23, item 9): a course file linked to /dev/zero was read
whole before the size check (MemoryError), and a named pipe as a course file, as
`progress.sqlite3`, or as an export hung `tutor check`, the quiz and the export for ever. Each
command here runs in a process of its own, with a generous timeout and a memory limit, so that
a regression fails the test instead of hanging or exhausting the machine."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
TIMEOUT = 120  # generous: a busy 2-core machine; a hang is for ever
BANK = "bank: b\ntitle: B\nquestions:\n  - id: q1\n    type: numeric\n    prompt: One plus one?\n    answer: '2'\n"


def _limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))  # /dev/zero read whole stops here


def tutor(*args: str, data: Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TUTOR_DATA_DIR": str(data), "NO_COLOR": "1"}
    try:
        return subprocess.run(
            [sys.executable, "-m", "tutor", *args],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            env=env,
            cwd=REPO,
            preexec_fn=_limited,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"`tutor {' '.join(args)}` did not end within {TIMEOUT} s")


def course(tmp_path: Path) -> Path:
    root = tmp_path / "course"
    (root / "questions").mkdir(parents=True)
    (root / "questions" / "a.yaml").write_text(BANK, encoding="utf-8")
    return root


@pytest.mark.parametrize("make", ["fifo", "dev-zero"])
def test_check_says_a_course_file_that_is_no_regular_file(tmp_path, make):
    root = course(tmp_path)
    bad = root / "questions" / "bad.yaml"
    if make == "fifo":
        os.mkfifo(bad)
    else:
        bad.symlink_to("/dev/zero")
    result = tutor("check", "--course", str(root), data=tmp_path / "data")
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 1, result.stdout + result.stderr
    out = result.stdout + result.stderr
    assert "bad.yaml:1:1" in out and "regular file" in out, out
    # the rest of the course is still read: q1 is usable
    graded = tutor("grade", "q1", "2", "--course", str(root), data=tmp_path / "data")
    assert "Correct" in graded.stdout, graded.stdout + graded.stderr


@pytest.mark.parametrize("name", ["progress.sqlite3", "progress.sqlite3-wal"])
def test_a_pipe_as_the_progress_database_is_moved_aside_and_the_quiz_goes_on(tmp_path, name):
    root = course(tmp_path)
    data = tmp_path / "data"
    data.mkdir()
    if name != "progress.sqlite3":  # a database with a pipe beside it
        from tutor.progress.store import ProgressStore

        made = ProgressStore(data)
        made.set_state(theme="x")
        made.close()
        (data / name).unlink(missing_ok=True)
    os.mkfifo(data / name)
    quiz = tutor("quiz", "q1", "--plain", "--course", str(root), data=data, stdin="2\n")
    assert "Traceback" not in quiz.stderr, quiz.stderr
    assert "Correct" in quiz.stdout, quiz.stdout + quiz.stderr
    assert "not a regular file" in quiz.stderr
    aside = [p for p in data.iterdir() if p.name.startswith("progress.sqlite3.unreadable-")]
    assert aside and any(p.is_fifo() for p in aside)  # kept, never deleted
    export = tutor("progress", "export", "--format", "json", data=data)
    assert export.returncode == 0, export.stderr
    assert '"question_id": "q1"' in export.stdout  # the attempt went to the fresh database


@pytest.mark.parametrize("name", ["attempts.jsonl", "state.json", "quizzes.json"])
def test_a_pipe_in_place_of_an_old_record_file_does_not_hang_the_export(tmp_path, name):
    data = tmp_path / "data"
    data.mkdir()
    os.mkfifo(data / name)
    export = tutor("progress", "export", "--format", "csv", data=data)
    assert export.returncode == 0, export.stderr
    assert "Traceback" not in export.stderr


def test_import_and_report_say_a_file_that_is_no_regular_file(tmp_path):
    pipe = tmp_path / "in.gift"
    os.mkfifo(pipe)
    imported = tutor("import", "--from", "gift", str(pipe), "-o", str(tmp_path / "b.yaml"), data=tmp_path)
    assert imported.returncode == 1 and "regular file" in imported.stderr, imported.stderr
    zero = tmp_path / "zero.gift"
    zero.symlink_to("/dev/zero")
    imported = tutor("import", "--from", "gift", str(zero), "-o", str(tmp_path / "c.yaml"), data=tmp_path)
    assert imported.returncode == 1 and "regular file" in imported.stderr, imported.stderr
    pytest.importorskip("duckdb")
    export = tmp_path / "class.csv"
    os.mkfifo(export)
    report = tutor("report", str(export), data=tmp_path)
    assert report.returncode == 1 and "regular file" in report.stderr, report.stderr
