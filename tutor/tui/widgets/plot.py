"""A lesson's plot: its curves drawn with plotext, controls the learner changes with the keys,
and a readout of every curve's value at a cursor."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult, RenderResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.reactive import reactive
from textual.widgets import Static
from textual_plotext import PlotextPlot

from tutor.content import model as m
from tutor.content.variants import fill

# Each curve's marker: a shape, not only a colour, named beside its value in the readout (the
# legend is there, under the plot, never over the curves' steep ends).
MARKERS = (("braille", "⠒"), ("x", "x"), ("o", "o"), ("+", "+"), ("*", "*"), ("#", "#"))


class PlotPanel(Vertical, can_focus=True):
    """Focus it (tab, or a click) to use its keys: ←/→ change the chosen control, ↑/↓ choose it,
    </> move the cursor. Its readout says how to reach it while it is not focused."""

    DEFAULT_CSS = """
    PlotPanel {
        height: auto;
        border: round $primary 50%;
        margin: 0 0 1 0;
    }
    PlotPanel:focus-within, PlotPanel:focus {
        border: round $accent;
    }
    PlotPanel PlotextPlot {
        height: 16;
    }
    PlotPanel .readout {
        height: auto;
        padding: 0 1;
    }
    """
    BINDINGS = [
        Binding("right", "change(1)", "Increase", show=True),
        Binding("left", "change(-1)", "Decrease", show=True),
        Binding("down", "pick(1)", "Next control", show=False),
        Binding("up", "pick(-1)", "Previous control", show=False),
        Binding("full_stop,greater_than_sign", "cursor(1)", "Cursor →", show=True, key_display=">"),
        Binding("comma,less_than_sign", "cursor(-1)", "Cursor ←", show=True, key_display="<"),
    ]

    picked: reactive[int] = reactive(0)
    cursor: reactive[float] = reactive(0.0)

    def __init__(self, plot: m.Plot, id: str | None = None, values: dict[str, Any] | None = None) -> None:
        super().__init__(id=id)
        self.plot = plot
        self.lesson_values = values or {}
        self.notes: list[str] = []  # what the plot cannot show at these controls, and why
        self.values: dict[str, float] = {k: c.value for k, c in plot.controls.items()}
        lo, hi = plot.range
        self.set_reactive(PlotPanel.cursor, lo + (hi - lo) * 0.75)
        if plot.title:
            self.border_title = fill(plot.title, self.lesson_values)

    def compose(self) -> ComposeResult:
        yield SafePlot()
        yield Static("", classes="readout", markup=False)

    def on_mount(self) -> None:
        self.redraw()

    # ------------------------------------------------------------ drawing

    def redraw(self) -> None:
        from tutor.content.lessons import coverage, drawable, missing_text, plot_series

        xs, series = plot_series(self.plot, self.values, values=self.lesson_values)
        plotter = self.query_one(SafePlot)
        plt = plotter.plt
        plt.clear_data()
        plt.clear_figure()
        self._marks: dict[str, str] = {}
        self.notes = []
        for i, s in enumerate(series):
            marker, mark = MARKERS[i % len(MARKERS)]
            self._marks[s.label] = mark
            cov = coverage(xs, s.ys, self.plot.y_range)
            note = missing_text(self.plot, cov, self.values if self.plot.controls else {})
            if note is not None:
                self.notes.append(f"{s.label}: {note}")
            if not cov.shown.any():
                continue  # nothing of it on the canvas: plotext cannot draw it
            # no plotext legend: it sat on the curves' top-left; the readout names each curve
            plt.plot(xs.tolist(), drawable(s.ys, self.plot.y_range), marker=marker)
        plt.xlabel(self.plot.x)
        if self.plot.y_range is not None:
            plt.ylim(*self.plot.y_range)
        plt.vline(self.cursor, "gray")
        plotter.refresh()
        self.query_one(".readout", Static).update(self._readout())

    def _readout(self) -> str:
        from tutor.content.lessons import values_at

        # The curves at exactly the cursor, not at the nearest of the drawn points.
        at = values_at(self.plot, self.cursor, self.values, self.lesson_values)
        marks = getattr(self, "_marks", {})
        values = " · ".join(
            f"{marks[label] + ' ' if label in marks else ''}{label}: {_fmt(value)}" for label, value in at
        )
        lines = [f"at {self.plot.x} = {_fmt(self.cursor)}: {values}", *self.notes]
        here = self.has_focus or self.has_focus_within
        change = "←/→ change" if here else "tab to this plot, then ←/→ change"
        for i, (name, c) in enumerate(self.plot.controls.items()):
            mark = "▶" if i == self.picked else " "
            lines.append(
                f"{mark} {name} = {_fmt(self.values[name])}   (from {_fmt(c.min)} to {_fmt(c.max)}; {change})"
            )
        if not self.plot.controls and not here:
            lines.append("  tab to this plot, then </> move the cursor")
        return "\n".join(lines)

    def on_focus(self) -> None:
        self.query_one(".readout", Static).update(self._readout())  # its keys work now: say so

    def on_blur(self) -> None:
        self.query_one(".readout", Static).update(self._readout())

    # ------------------------------------------------------------ keys

    def action_change(self, direction: int) -> None:
        if not self.plot.controls:
            self.action_cursor(direction)
            return
        name = list(self.plot.controls)[self.picked]
        c = self.plot.controls[name]
        value = round(self.values[name] + direction * c.step, 10)
        self.values[name] = min(c.max, max(c.min, value))
        self.redraw()

    def action_pick(self, direction: int) -> None:
        if self.plot.controls:
            self.picked = (self.picked + direction) % len(self.plot.controls)
            self.redraw()

    def action_cursor(self, direction: int) -> None:
        lo, hi = self.plot.range
        self.cursor = min(hi, max(lo, self.cursor + direction * (hi - lo) / 40))
        self.redraw()


def _fmt(value: float) -> str:
    from tutor.content.lessons import number_text

    return number_text(value)


class SafePlot(PlotextPlot):
    """plotext, which raises on some data it is given (its legend indexes a curve's first
    points): a plot that cannot be drawn says so instead of ending the app."""

    failed = False  # set once a drawing failed (tests check that the data never makes it fail)

    def render(self) -> RenderResult:
        try:
            return super().render()
        except Exception:  # any failure inside plotext is the same to the learner
            self.failed = True
            return Text("(this plot cannot be drawn at these settings)", style="dim")
