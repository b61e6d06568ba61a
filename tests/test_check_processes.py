"""`tutor check` as an instructor runs it, in a real process: it ends, and whichever way it ends
(done, Ctrl-C, SIGTERM) it leaves no process behind: neither its forked workers nor the SymPy
workers those start."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="lists processes via /proc")

TIMEOUT = 120  # generous: the machine may be busy; a hang is what this catches


def _bank(numeric: int, forms: int) -> str:
    lines = ["bank: trivial", "title: Trivial", "questions:"]
    for i in range(numeric):
        lines += [
            f"  - id: n{i}",
            "    type: numeric",
            f"    prompt: What is {i} + 1?",
            f"    answer: {i + 1}",
            "    solution: Add one.",
        ]
    for i in range(forms):
        lines += [
            f"  - id: f{i}",
            "    type: expression",
            f"    prompt: Expand (x + {i + 1})^2.",
            f"    answer: x^2 + {2 * (i + 1)}*x + {(i + 1) ** 2}",
            "    variables: {x: {domain: real}}",
            "    form: expanded",
            "    solution: Square the sum.",
        ]
    return "\n".join(lines) + "\n"


def _course(tmp_path: Path, numeric: int, forms: int) -> Path:
    (tmp_path / "questions").mkdir()
    (tmp_path / "questions" / "trivial.yaml").write_text(_bank(numeric, forms), encoding="utf-8")
    return tmp_path


def _start(course: Path, *args: str) -> subprocess.Popen[str]:
    # A session of its own: every process it starts keeps its session id, so none can hide.
    return subprocess.Popen(
        [sys.executable, "-m", "tutor", "check", *args],
        cwd=course,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def _stat(pid: str) -> tuple[str, int, int] | None:
    """(state, parent pid, session id) of a process, or None if it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()
    return fields[0], int(fields[1]), int(fields[3])


def _alive_in_session(sid: int) -> list[int]:
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            stat = _stat(entry)
            if stat is not None and stat[2] == sid and stat[0] != "Z":
                out.append(int(entry))
    return out


def _descendants(pid: int) -> list[int]:
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            stat = _stat(entry)
            if stat is not None and stat[0] != "Z":
                parents[int(entry)] = stat[1]
    out, frontier = [], [pid]
    while frontier:
        here = frontier.pop()
        children = [p for p, parent in parents.items() if parent == here]
        out += children
        frontier += children
    return out


def _none_left(sid: int) -> list[int]:
    # Processes killed by their parent's death take a moment to go: wait, boundedly.
    deadline = time.monotonic() + 30
    left = _alive_in_session(sid)
    while left and time.monotonic() < deadline:
        time.sleep(0.1)
        left = _alive_in_session(sid)
    return left


def _kill_session(sid: int) -> None:
    for pid in _alive_in_session(sid):
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)


def test_a_bank_of_sixteen_with_a_form_check_ends_and_leaves_no_process(tmp_path):
    # 15 trivial numeric questions and one `form: expanded`: the parallel check used to print
    # its findings and then wait for ever on a worker that waited on its SymPy worker.
    course = _course(tmp_path, numeric=15, forms=1)
    proc = _start(course, "--jobs", "2", "--seeds", "3")
    try:
        out, err = proc.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        _kill_session(proc.pid)
        proc.communicate()
        pytest.fail("tutor check did not end")
    finally:
        left = _none_left(proc.pid)
        _kill_session(proc.pid)
    assert proc.returncode == 0, out + err
    assert "clean" in out
    assert left == []


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGKILL])
def test_a_check_stopped_midway_leaves_no_process(tmp_path, sig):
    # Enough work that the check is still running when the signal comes: it waits until the
    # workers and a SymPy worker are up, however long the machine takes to start them.
    course = _course(tmp_path, numeric=20, forms=60)
    proc = _start(course, "--jobs", "2", "--seeds", "200")
    try:
        deadline = time.monotonic() + TIMEOUT
        while proc.poll() is None and time.monotonic() < deadline:
            if len(_descendants(proc.pid)) >= 3:  # two workers and a SymPy worker at least
                break
            time.sleep(0.05)
        assert proc.poll() is None, "the check ended before it could be stopped"
        assert len(_descendants(proc.pid)) >= 3
        if sig == signal.SIGINT:
            os.killpg(proc.pid, sig)  # what Ctrl-C does: the whole foreground group
        else:
            os.kill(proc.pid, sig)  # what `kill`, `timeout` and the OOM killer do: the one process
        try:
            proc.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            pytest.fail(f"tutor check did not end on {sig.name}")
        left = _none_left(proc.pid)
    finally:
        _kill_session(proc.pid)
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert left == []
    assert proc.returncode != 0
