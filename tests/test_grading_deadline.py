"""The grade's time cap is checked inside its long loops, so that no grade runs past its cap by
more than one step of a loop, whatever the load (issue 23: nested exp(...) and sin(10^300)
took over 8 s under load). The tests move a fake clock instead of waiting: none depends on the
speed of the machine."""

from __future__ import annotations

import concurrent.futures as cf
from typing import Any

import numpy as np
import pytest

from tutor.content.builtin import builtin_course_root
from tutor.content.loader import load_course
from tutor.content.variants import instantiate
from tutor.expr import parse
from tutor.grading import equivalence, forms, grader, limits
from tutor.grading.limits import OutOfTime, time_cap


class FakeClock:
    """A clock that moves `step` seconds at every reading."""

    def __init__(self, step: float) -> None:
        self.t = 1000.0
        self.step = step
        self.readings = 0

    def __call__(self) -> float:
        self.readings += 1
        self.t += self.step
        return self.t


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock(0.0)
    monkeypatch.setattr(limits, "_clock", fake)
    return fake


@pytest.fixture(scope="module")
def variant() -> Any:
    course = load_course(builtin_course_root())
    return instantiate(course.questions["reg-mse-grad"].question, 0)


def test_the_mpmath_points_stop_at_their_budget(clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> None:
    points: list[int] = []
    monkeypatch.setattr(equivalence, "_at_point", lambda *args: points.append(args[4]))
    answer = parse("sin(10^300*x)", variables=["x"])
    env = {"x": np.linspace(1, 2, equivalence.N_POINTS), equivalence.POINTS: equivalence.N_POINTS}
    unclear = np.ones(equivalence.N_POINTS, dtype=bool)
    clock.step = 0.25  # each point "takes" a quarter of a second, on this clock
    with time_cap(4.0):
        equivalence._precisely(answer, answer, {"x": "real"}, {}, env, unclear, 0.0)
    budget = equivalence.PRECISE_BUDGET
    assert 0 < len(points) <= budget / 0.25 + 1, f"{len(points)} points in a budget of {budget} s"


def test_the_mistakes_loop_checks_the_deadline(
    clock: FakeClock, monkeypatch: pytest.MonkeyPatch, variant: Any
) -> None:
    ctx = grader.Symbolic(variant)
    compared: list[Any] = []

    def same(answer: Any, reference: Any) -> tuple[bool, None]:
        compared.append(reference)
        clock.t += 3.0  # a comparison that took three seconds
        return False, None

    monkeypatch.setattr(ctx, "same", same)
    tree = ctx.read("y_hat + y")
    ref = ctx.reference(variant.question.answer)
    assert len(variant.question.mistakes) >= 3
    with time_cap(4.0), pytest.raises(OutOfTime):
        grader.explain(ctx, tree, ref, variant.question.mistakes, None)
    assert len(compared) == 2  # at 3 s one more is tried; at 6 s the cap is reached


def test_drawing_points_checks_the_deadline(clock: FakeClock) -> None:
    # hundreds of conditions, each re-drawn until both sides are seen, in one answer
    conditions = " + ".join(f"(1 if x > {k} else 0)" for k in range(100, 140))
    tree = parse(conditions, variables=["x"])
    clock.step = 0.1
    with time_cap(4.0), pytest.raises(OutOfTime):
        equivalence.sample_points({"x": {"interval": [0, 1]}}, [tree], {}, {}, 0)


class _NeverReady:
    """The worker's start, still under way (a busy machine): records how long it was waited for."""

    def __init__(self) -> None:
        self.waited: list[float | None] = []

    def result(self, timeout: float | None = None) -> bool:
        self.waited.append(timeout)
        raise cf.TimeoutError


def test_the_sympy_workers_start_is_waited_for_within_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    starting = _NeverReady()
    monkeypatch.setattr(forms, "_get_pool", lambda: object())
    monkeypatch.setattr(forms, "_ready", starting)
    x = parse("x", variables=["x"])
    assert forms.check_equal(x, x, {}, {}, time_limit=1.5) is None  # undecided, not waited for
    assert starting.waited and all(t is not None and t <= 1.5 for t in starting.waited), starting.waited
