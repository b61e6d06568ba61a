"""Plots that pass `tutor check` never crash the app: a curve off the plot, undefined where a
control takes it, through a pole, or undefined over most of its range is drawn where it can be,
and the learner is told what is missing; `tutor check` warns about each at any control value."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from textual.app import App, ComposeResult

from tests.conftest import FIXTURES, wait_for_course, wait_until
from tutor.cli import main
from tutor.content import model as m
from tutor.progress.store import ProgressStore
from tutor.tui.app import TutorApp
from tutor.tui.widgets.plot import PlotPanel, SafePlot

COURSE = FIXTURES / "awkward-plots"


def readout(panel: PlotPanel) -> str:
    return str(panel.query_one(".readout").render())


async def sweep(pilot, panel: PlotPanel, cursor: int = 41) -> list[str]:
    """Every control from its lowest to its highest value, and the cursor end to end; the
    readout after each key."""
    seen = []
    panel.focus()
    await pilot.pause()
    for k, (_, c) in enumerate(panel.plot.controls.items()):
        assert panel.picked == k
        steps = round((c.max - c.min) / c.step) + 1
        for key in ["left"] * steps + ["right"] * steps:
            await pilot.press(key)
            seen.append(readout(panel))
        await pilot.press("down")
    for key in ["comma"] * cursor + ["full_stop"] * cursor:
        await pilot.press(key)
    await pilot.pause()
    seen.append(readout(panel))
    assert not panel.query_one(SafePlot).failed
    return seen


def _lesson_mounted(app: TutorApp) -> bool:
    screen = app.screen
    return (
        type(screen).__name__ == "LessonScreen"
        and not screen.query("Lazy")
        and bool(screen.query("#quiz-call"))
    )


async def test_every_awkward_plot_is_driven_through_every_control_without_a_crash(tmp_path: Path):
    app = TutorApp(COURSE, ProgressStore(tmp_path), warm_up=False)
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_for_course(app, pilot)
        app.open_lesson("awkward")
        await wait_until(pilot, lambda: _lesson_mounted(app))
        panels = list(app.screen.query(PlotPanel))
        assert len(panels) == 4
        seen = {panel.plot.curves[0].label: await sweep(pilot, panel, cursor=20) for panel in panels}
    # Each plot says what it cannot draw, at the setting where it cannot.
    assert any("line: outside the plot" in text for text in seen["line"])
    assert any("KL: undefined for q = 0" in text for text in seen["KL"])
    assert any("KL: undefined for q = 1" in text for text in seen["KL"])
    assert any("1/m: undefined at m = 0" in text for text in seen["1/m"])
    assert any("root: undefined at x from -9 to" in text for text in seen["root"])
    assert any("root: undefined for s = -2" in text for text in seen["root"])


def test_check_warns_for_each_awkward_plot_at_the_control_value_that_shows_it():
    here = os.getcwd()
    os.chdir(COURSE)
    try:
        result = CliRunner().invoke(main, ["check", "--seeds", "1"])
    finally:
        os.chdir(here)
    lines = result.output.splitlines()
    by_curve = {
        label: [line for line in lines if f"curve `{label}`" in line]
        for label in ("line", "KL", "1/m", "root")
    }
    assert len(by_curve["line"]) == 1 and "outside y_range [10, 20]" in by_curve["line"][0]
    assert len(by_curve["KL"]) == 1 and "undefined over the whole" in by_curve["KL"][0]
    assert "when q = 0" in by_curve["KL"][0]
    assert by_curve["1/m"] == []  # one point of 201 is not "much of its range"
    assert len(by_curve["root"]) == 1 and "undefined over 90%" in by_curve["root"][0]
    assert all(": warning: " in line for found in by_curve.values() for line in found)
    assert result.exit_code == 0  # warnings: the lesson can still be shown


class PlotApp(App[None]):
    def __init__(self, plot: m.Plot) -> None:
        super().__init__()
        self.plot = plot

    def compose(self) -> ComposeResult:
        yield PlotPanel(self.plot)


CURVES = [
    "1/(x - a)",
    "log(x - a)",
    "sqrt(a - x)",
    "a*x",
    "x^a",
    "log(a)*x",
    "1/a",
    "exp(a*x)",
    "(x - a)^(-2)",
    "0*x + a",
]
numbers = st.floats(-50, 50, allow_nan=False).map(lambda v: round(v, 2))


@st.composite
def plots(draw: st.DrawFn) -> m.Plot:
    lo = draw(numbers)
    hi = lo + draw(st.floats(0.01, 100).map(lambda v: round(v, 2)))
    a_lo = draw(numbers)
    a_hi = a_lo + draw(st.floats(0.5, 20).map(lambda v: round(v, 1)))
    step = (a_hi - a_lo) / draw(st.integers(1, 4))
    y_range = None
    if draw(st.booleans()):
        y_lo = draw(numbers)
        y_range = [y_lo, y_lo + draw(st.floats(0.01, 100))]
    curves = draw(st.lists(st.sampled_from(CURVES), min_size=1, max_size=3, unique=True))
    return m.Plot.model_validate(
        {
            "range": [lo, hi],
            "y_range": y_range,
            "controls": {"a": {"min": a_lo, "max": a_hi, "value": a_lo, "step": step}},
            "curves": [{"y": y, "label": f"c{k}"} for k, y in enumerate(curves)],
        }
    )


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plot=plots())
def test_any_curve_on_any_range_is_drawn_or_explained_never_a_crash(plot: m.Plot):
    async def run() -> None:
        app = PlotApp(plot)
        async with app.run_test(size=(80, 30)) as pilot:
            panel = app.query_one(PlotPanel)
            await sweep(pilot, panel, cursor=3)

    asyncio.run(run())
