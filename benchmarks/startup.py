"""Time from process start to the first interactive frame: tutor against a bare Textual app.

Run by hand: `.venv/bin/python benchmarks/startup.py [--runs N]`. Each run is a fresh process
started headless; the child prints the wall-clock time of its first painted frame and exits at
once, so teardown is not counted. Reports medians and the ratio tutor / bare (target ≤ 1.2),
plus the time until the course map's rows are painted (target ≤ 1.5): from the course index the
last run kept, and without one (the first run, or after the course changed); and until the
whole course is loaded in its background thread (the map's keys act from then on).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

BARE = """
import os, sys, time
from textual.app import App
from textual.widgets import Footer, Header, Label

class Hello(App):
    def compose(self):
        yield Header()
        yield Label("Hello")
        yield Footer()

    def on_mount(self):
        self.call_after_refresh(lambda: (print(time.time(), flush=True), os._exit(0)))

Hello().run(headless=True)
"""

TUTOR = """
import os, sys, time
from pathlib import Path
from tutor.tui.app import TutorApp
from tutor.tui.screens.home import HomeScreen
from tutor.progress.store import ProgressStore
from tutor.content.builtin import builtin_course_root

MODE = sys.argv[1]  # frame | map | course


def report():
    print(time.time(), flush=True)
    os._exit(0)


class TimedHome(HomeScreen):
    def _after_refresh(self, index, course):
        super()._after_refresh(index, course)
        if MODE == "map" or (MODE == "course" and course is not None):
            self.app.call_after_refresh(report)  # once the rows are painted


class Timed(TutorApp):
    def get_default_screen(self):
        return TimedHome()

    def on_mount(self):  # Textual calls TutorApp.on_mount too: super() would mount the app twice
        if MODE == "frame":
            self.call_after_refresh(report)


Timed(builtin_course_root(), ProgressStore(Path(sys.argv[2]))).run(headless=True)
"""


def one(code: str, *args: str, cache: str | None = None) -> float:
    env = dict(os.environ)
    if cache is not None:
        env["TUTOR_CACHE_DIR"] = cache  # where the course index is kept (never the user's own)
    start = time.time()
    out = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=True, env=env
    ).stdout
    return float(out.strip().splitlines()[-1]) - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    from bytecode import compile_tutor

    compile_tutor()
    with tempfile.TemporaryDirectory() as data, tempfile.TemporaryDirectory() as cache:
        one(BARE)  # warm the file cache and bytecode for both
        one(TUTOR, "course", data, cache=cache)  # and keep the course's index, as any run does
        times: dict[str, list[float]] = {k: [] for k in ("bare", "frame", "map", "cold", "course")}
        for _ in range(args.runs):
            times["bare"].append(one(BARE))
            times["frame"].append(one(TUTOR, "frame", data, cache=cache))
            times["map"].append(one(TUTOR, "map", data, cache=cache))
            with tempfile.TemporaryDirectory() as empty:  # no index: a first run, or a course changed
                times["cold"].append(one(TUTOR, "map", data, cache=empty))
            times["course"].append(one(TUTOR, "course", data, cache=cache))
    b, f, m, c, loaded = (statistics.median(times[k]) * 1000 for k in times)
    print(f"runs: {args.runs} each (median ms)")
    print(f"bare Textual app, first frame   {b:8.0f}")
    print(f"tutor, first interactive frame  {f:8.0f}   ratio {f / b:.2f}")
    print(f"tutor, course map filled in     {m:8.0f}   ratio {m / b:.2f}   (from the index of the last run)")
    print(f"  the same without an index     {c:8.0f}   ratio {c / b:.2f}   (first run, course changed)")
    print(f"tutor, whole course loaded      {loaded:8.0f}   ratio {loaded / b:.2f}   (every key works)")


if __name__ == "__main__":
    main()
