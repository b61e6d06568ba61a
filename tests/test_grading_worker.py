"""The SymPy worker process: it starts inside the running app, and dies with its parent.

These tests start real processes. They wait by polling with generous limits and never assert on
how long something took, so a loaded CI machine only makes them slower.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from tests.conftest import REPO

GENEROUS = 120.0  # seconds; only ever reached when something is broken


def gone(pid: int) -> bool:
    """No such process, or only its zombie (nothing may reap it in a container)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return True
    return state in ("Z", "X")


def wait_until(condition, limit: float = GENEROUS, step: float = 0.1) -> bool:
    end = time.monotonic() + limit
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(step)
    return condition()


def start_script(code: str, tmp_path: Path) -> subprocess.Popen[str]:
    """Run `code` in a fresh interpreter, talking to it through pipes."""
    script = tmp_path / "script.py"
    script.write_text(textwrap.dedent(code), encoding="utf-8")
    return subprocess.Popen(
        [sys.executable, str(script)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )


# The grading threads of the app are short-lived: the worker is asked for from one that ends.
START_WORKER_FROM_A_THREAD = """
    import sys, threading
    from tutor.expr import parse
    from tutor.grading import forms

    def ask():
        assert forms.check_form(parse("x + 1", variables=["x"]), "expanded", {}, {}, time_limit=60.0) is True

    if __name__ == "__main__":  # the spawned worker imports this file too
        t = threading.Thread(target=ask)
        t.start()
        t.join()
        (pid,) = forms._pool._processes
        print(pid, flush=True)
        sys.stdin.readline()  # wait until told
        # still there, and still grading, after the thread that started it has ended
        print(forms.check_form(parse("x + 1", variables=["x"]), "expanded", {}, {}, time_limit=60.0), flush=True)
        sys.stdin.readline()
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_the_worker_dies_when_its_parent_is_killed(tmp_path):
    proc = start_script(START_WORKER_FROM_A_THREAD, tmp_path)
    try:
        line = proc.stdout.readline()
        assert line.strip().isdigit(), proc.stderr.read()
        worker = int(line)
        assert not gone(worker)
        assert proc.poll() is None  # waiting for its input, with the worker up
        proc.kill()  # SIGKILL: no atexit, no cleanup of any kind
        proc.wait()
        assert wait_until(lambda: gone(worker)), f"worker {worker} outlived its parent"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_the_worker_outlives_the_thread_that_started_it(tmp_path):
    proc = start_script(START_WORKER_FROM_A_THREAD, tmp_path)
    try:
        worker = int(proc.stdout.readline())
        proc.stdin.write("\n")
        proc.stdin.flush()
        assert proc.stdout.readline().strip() == "True", proc.stderr.read()
        assert not gone(worker)
        proc.stdin.write("\n")
        proc.stdin.flush()
        assert proc.wait(timeout=GENEROUS) == 0
        assert wait_until(lambda: gone(worker))  # and it goes when its parent exits normally
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


# A fresh interpreter, so that nothing started earlier (by other tests) hides the failure: inside
# the running app sys.stderr.fileno() is -1, which once failed the worker's start with
# "bad value(s) in fds_to_keep" and took the app down.
GRADE_INSIDE_THE_APP = """
    import asyncio, sys
    from pathlib import Path
    from tests.conftest import wait_for_course
    from tutor.content.builtin import builtin_course_root
    from tutor.progress.store import ProgressStore
    from tutor.tui.app import StartAt, TutorApp

    ANSWER = "-log(exp(-(y-ŷ)^2/(2σ^2))/sqrt(2π σ^2))"

    async def main():
        store = ProgressStore(Path(sys.argv[1]))
        app = TutorApp(builtin_course_root(), store, StartAt("quiz", "reg-gaussian-nll", seed=1), warm_up=False)
        async with app.run_test(size=(100, 40)) as pilot:
            await wait_for_course(app, pilot)
            screen = app.screen
            assert type(screen).__name__ == "QuizScreen", screen
            screen.query_one("Input").value = ANSWER
            await pilot.press("enter")
            for _ in range(100_000):  # until graded; the test around this has the time limit
                await pilot.pause(0.05)
                if not screen.grading:
                    break
            await pilot.pause()
            print("FEEDBACK", str(screen.query_one("#feedback").render()).replace("\\n", " | "))
            print("RUNNING", app.is_running)
        print("SAVED", [a.verdict for a in ProgressStore(Path(sys.argv[1])).attempts()])

    if __name__ == "__main__":  # the spawned worker imports this file too
        asyncio.run(main())
"""


def test_an_answer_needing_sympy_is_graded_inside_the_running_app(tmp_path):
    script = tmp_path / "grade_in_app.py"
    script.write_text(textwrap.dedent(GRADE_INSIDE_THE_APP), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, str(script), str(tmp_path / "progress")],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        cwd=REPO,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert "fds_to_keep" not in out + done.stderr
    assert "✓ Correct" in out, out + done.stderr
    assert "RUNNING True" in out
    assert "SAVED ['correct']" in out


# Only the watchdog, without Linux's parent-death signal: for other systems, and for a parent
# whose starting thread is gone.
WATCHDOG_ONLY = """
    import os, subprocess, sys
    watch = "import sys; from tutor.grading import forms; forms._watch_parent(int(sys.argv[1]))"
    child = subprocess.Popen([sys.executable, "-c", watch, str(os.getpid())])
    print(child.pid, flush=True)
    sys.stdin.readline()
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_the_watchdog_alone_ends_a_worker_whose_parent_died(tmp_path):
    proc = start_script(WATCHDOG_ONLY, tmp_path)
    try:
        watcher = int(proc.stdout.readline())
        assert not gone(watcher)
        proc.kill()
        proc.wait()
        assert wait_until(lambda: gone(watcher)), f"process {watcher} outlived its parent"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
