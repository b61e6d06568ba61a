"""Opening Home with a long record: the course map filled in (due counts and mastery bars too)
with 100,000 attempts in the store, against an empty store. Target: under 100 ms extra.

Run by hand: `.venv/bin/python benchmarks/home_record.py [--attempts N] [--runs N]`. The record is
made once in a temporary folder (one transaction, the same inserts as `ProgressStore.record`),
then each run is a fresh headless process that prints the time from its start to the moment Home
has drawn its lessons. Also reports opening the store alone (its integrity check and first
queries) and `tutor progress export` on the whole record.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

APP = """
import os, sys, time
from pathlib import Path
from tutor.tui.app import TutorApp
from tutor.progress.store import ProgressStore
from tutor.content.builtin import builtin_course_root

class Timed(TutorApp):
    def _course_loaded(self, course):
        super()._course_loaded(course)
        self.set_interval(0.002, self.check)

    def check(self):
        if getattr(self.screen, "_ready", False):
            print(time.time(), flush=True)
            os._exit(0)

Timed(builtin_course_root(), ProgressStore(Path(sys.argv[1])), warm_up=False).run(headless=True)
"""

OPEN = """
import sys, time
from pathlib import Path
from tutor.progress.store import ProgressStore
store = ProgressStore(Path(sys.argv[1]))
start = time.perf_counter()
store.skipped_report(); store.best(); store.state(); store.cards()
print(time.perf_counter() - start)
"""


def make_record(folder: Path, n: int) -> None:
    from tutor.content.builtin import builtin_course_root
    from tutor.content.loader import load_course
    from tutor.progress.store import Attempt, ProgressStore

    questions = list(load_course(builtin_course_root()).questions)
    rng = random.Random(1)
    store = ProgressStore(folder, learner="bench")
    start = time.time() - 365 * 86400
    with store._write() as conn:  # one transaction: the same rows `record` writes, made quickly
        for i in range(n):
            right = rng.random() < 0.7
            store._insert(
                conn,
                Attempt(
                    rng.choice(questions),
                    "correct" if right else "incorrect",
                    1.0 if right else 0.0,
                    seed=rng.randrange(1_000_000),
                    notes=() if right else (rng.choice(["sign", "log-base", "sum-not-mean"]),),
                    at=start + i * (365 * 86400 / n),
                    seconds=rng.uniform(5, 90),
                    answer="-log(0.25)",
                    learner="bench",
                ),
            )
    store.close()


def timed(code: str, folder: Path) -> float:
    start = time.time()
    out = subprocess.run(
        [sys.executable, "-c", code, str(folder)], capture_output=True, text=True, check=True, env=os.environ
    ).stdout
    return float(out.strip().splitlines()[-1]) - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--attempts", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        empty, full = Path(tmp) / "empty", Path(tmp) / "full"
        started = time.perf_counter()
        make_record(full, args.attempts)
        made = time.perf_counter() - started
        size = sum(p.stat().st_size for p in full.iterdir()) / 1e6
        timed(APP, full)  # warm the file cache and bytecode
        a, b = [], []
        for _ in range(args.runs):
            shutil.rmtree(empty, ignore_errors=True)
            a.append(timed(APP, empty))
            b.append(timed(APP, full))
        opening = [float(subprocess.run([sys.executable, "-c", OPEN, str(full)], capture_output=True,
                                        text=True, check=True).stdout) for _ in range(args.runs)]  # fmt: skip
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "tutor", "--data-dir", str(full), "progress", "export", "--format", "json",
             "-o", str(Path(tmp) / "out.json")], check=True, capture_output=True,
        )  # fmt: skip
        export = time.perf_counter() - started
    e, f = statistics.median(a) * 1000, statistics.median(b) * 1000
    print(f"record: {args.attempts} attempts, {size:.1f} MB, made in {made:.1f} s")
    print(f"runs: {args.runs} each (median ms)")
    print(f"Home filled in, empty store          {e:8.0f}")
    print(f"Home filled in, {args.attempts} attempts   {f:8.0f}   extra {f - e:+.0f} ms (target < 100)")
    print(f"store opened and read (in process)   {statistics.median(opening) * 1000:8.1f}")
    print(f"tutor progress export --format json  {export * 1000:8.0f}")


if __name__ == "__main__":
    main()
