"""Time from process start to the first interactive frame: tutor against a bare Textual app.

Run by hand: `.venv/bin/python benchmarks/startup.py [--runs N]`. Each run is a fresh process
started headless; the child prints the wall-clock time of its first painted frame and exits at
once, so teardown is not counted. Reports medians and the ratio tutor / bare (target ≤ 1.3),
plus the time until the course map is filled in (the course loads in a background thread).
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
from tutor.progress.store import ProgressStore
from tutor.content.builtin import builtin_course_root

WAIT_FOR_COURSE = sys.argv[1] == "course"

class Timed(TutorApp):
    def on_mount(self):
        super().on_mount()
        if not WAIT_FOR_COURSE:
            self.call_after_refresh(self.report)

    def _course_loaded(self, course):
        super()._course_loaded(course)
        if WAIT_FOR_COURSE:
            self.call_after_refresh(self.report)

    def report(self):
        print(time.time(), flush=True)
        os._exit(0)

Timed(builtin_course_root(), ProgressStore(Path(sys.argv[2]))).run(headless=True)
"""


def one(code: str, *args: str) -> float:
    start = time.time()
    out = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=True, env=os.environ
    ).stdout
    return float(out.strip().splitlines()[-1]) - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data:
        one(BARE)  # warm the file cache and bytecode for both
        one(TUTOR, "frame", data)
        bare, frame, course = [], [], []
        for _ in range(args.runs):
            bare.append(one(BARE))
            frame.append(one(TUTOR, "frame", data))
            course.append(one(TUTOR, "course", data))
    b, f, c = (statistics.median(x) * 1000 for x in (bare, frame, course))
    print(f"runs: {args.runs} each (median ms)")
    print(f"bare Textual app, first frame   {b:8.0f}")
    print(f"tutor, first interactive frame  {f:8.0f}   ratio {f / b:.2f}")
    print(f"tutor, course map filled in     {c:8.0f}   ratio {c / b:.2f}")


if __name__ == "__main__":
    main()
