"""Code runs are forked from a warm parent: nothing may pass from one run to the next, and a run
that had to be killed must not spoil the runs after it."""

from __future__ import annotations

import os
from typing import Any

import pytest

from tests.test_sandbox_hostile import _runner_processes, _use
from tutor.grading import sandbox

pytestmark = pytest.mark.skipif(not sandbox._warm_possible(), reason="warm runs need the seccomp filter")


@pytest.fixture(autouse=True)
def _tagged(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv(sandbox.ENV_TAG, f"warm-tests-{os.getpid()}")
    yield
    sandbox.stop_warm()
    sandbox.status(refresh=True)


def _value(source: str, wall_time: float = 20.0) -> Any:
    request = {
        "role": "answer",
        "source": source,
        "function": "f",
        "cases": [[{"t": "float", "v": 1.5}]],
        "limits": {"cpu": 5, "memory_mb": 512},
    }
    outcome = sandbox.run_code(request, wall_time)
    assert isinstance(outcome, sandbox.Outcome)
    out = outcome.by_case("out").get(0)
    if out is None:
        return f"stopped (timed out: {outcome.timed_out})"
    return out.get("value", {}).get("v", out.get("error"))


MARK = """
import numpy as np
import math

def f(x):
    np.tutor_mark = 1
    math.tutor_mark = 1
    __builtins__["tutor_mark"] = 1
    return 1.0
"""

LOOK = """
import numpy as np
import math

def f(x):
    found = hasattr(np, "tutor_mark") + hasattr(math, "tutor_mark") + ("tutor_mark" in __builtins__)
    return float(found)
"""


@pytest.mark.parametrize("mode", ["bwrap", "plain"])
def test_nothing_an_answer_changes_reaches_the_next_run(monkeypatch: pytest.MonkeyPatch, mode: str) -> None:
    _use(monkeypatch, mode)
    for _ in range(3):
        assert _value(MARK) == 1.0
        assert _value(LOOK) == 0.0


@pytest.mark.parametrize("mode", ["bwrap", "plain"])
def test_runs_come_from_one_warm_parent_and_leave_no_process(
    monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    _use(monkeypatch, mode)
    source = "import numpy as np\ndef f(x):\n    return float(np.float64(x) * 2)\n"
    assert _value(source) == 3.0
    first = sandbox.warm_pids()
    assert first, "no warm parent"
    assert _value(source) == 3.0
    assert sandbox.warm_pids() == first  # the same parent forked the second run
    assert _runner_processes() == []


@pytest.mark.parametrize("mode", ["bwrap", "plain"])
def test_a_killed_run_does_not_spoil_the_next(monkeypatch: pytest.MonkeyPatch, mode: str) -> None:
    _use(monkeypatch, mode)
    assert _value("def f(x):\n    while True:\n        pass\n", wall_time=1.0).startswith("stopped")
    assert _runner_processes() == []
    assert _value("def f(x):\n    return x + 1\n") == 2.5


@pytest.mark.parametrize("mode", ["bwrap", "plain"])
def test_a_dead_warm_parent_is_replaced(monkeypatch: pytest.MonkeyPatch, mode: str) -> None:
    _use(monkeypatch, mode)
    assert _value("def f(x):\n    return x\n") == 1.5
    parent = sandbox._warm_parent
    assert parent is not None
    parent.proc.kill()
    parent.proc.wait()
    assert _value("def f(x):\n    return x\n") == 1.5
    assert sandbox._warm_parent is not parent
