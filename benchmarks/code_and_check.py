"""Code answers and `tutor check`, each against its floor.

Run by hand: `.venv/bin/python benchmarks/code_and_check.py [--grades 40] [--copies 11]
[--skip-grades] [--runs 3]` (`--skip-grades`: only the checks; `--runs`: the median of that many).

- grading a correct code answer (mse-code, the reference's outputs cached as in the app):
  p50/p95 against the floor `python -I -c pass` (target p95 ≤ 30 ms);
- `tutor check --seeds 5` on the built-in course (target ≤ 1.5 s), and on a course of the
  built-in banks copied `--copies` times (~1,000 questions) in question-seeds per second
  (target ≥ 500), both as a fresh process, with wall and CPU time.

Prints the machine's load (1-minute average): other work on the cores changes every figure.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def floor_ms(runs: int = 15) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-I", "-c", "pass"], check=True)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def code_grades(n: int) -> list[float]:
    from tutor.content.builtin import builtin_course_root
    from tutor.content.loader import load_course
    from tutor.grading.code import grade_code

    question = load_course(builtin_course_root()).questions["mse-code"].question
    source = "import numpy as np\n\ndef mse(y, yhat):\n    return float(np.mean((y - yhat) ** 2))\n"
    assert grade_code(question, source, 1).verdict == "correct"  # warm: the reference cached
    times = []
    for _ in range(n):
        start = time.perf_counter()
        result = grade_code(question, source, 1)
        times.append((time.perf_counter() - start) * 1000)
        assert result.verdict == "correct", result
    return sorted(times)


def check(course: Path | None) -> tuple[float, float, str]:
    """(wall s, CPU s of it and its children, last line) of a fresh `tutor check --seeds 5`."""
    argv = [sys.executable, "-m", "tutor", "check", "--seeds", "5"]
    if course is not None:
        argv += ["--course", str(course)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    out = subprocess.run(argv, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, (out.stdout.strip().splitlines() or ["?"])[-1]


def median_check(course: Path | None, runs: int) -> tuple[float, float, str]:
    """`check` run `runs` times: the run of median wall time."""
    results = sorted((check(course) for _ in range(max(1, runs))), key=lambda r: r[0])
    return results[len(results) // 2]


def copied_course(root: Path, copies: int, into: Path) -> Path:
    """The built-in course with each bank copied `copies` times under new question and bank ids.

    The first copy keeps its bank id, which the lessons' `quiz:` names; the others get new
    ones (a repeated bank id is an error). The result checks clean of errors: its warnings are
    the content's own, on the parameters the new question ids draw."""
    shutil.copytree(root / "lessons", into / "lessons")
    (into / "questions").mkdir()
    for bank in (root / "questions").glob("*.yaml"):
        text = bank.read_text(encoding="utf-8")
        for k in range(copies):
            copy = re.sub(r"(?m)^(\s*-?\s*id:\s*)([\w-]+)", lambda m, k=k: f"{m[1]}{m[2]}-c{k}", text)
            if k:
                copy = re.sub(r"(?m)^(bank:\s*)([\w-]+)", lambda m, k=k: f"{m[1]}{m[2]}-c{k}", copy)
            (into / "questions" / f"{bank.stem}-c{k}.yaml").write_text(copy, encoding="utf-8")
    return into


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--grades", type=int, default=40)
    parser.add_argument("--copies", type=int, default=11)
    parser.add_argument("--skip-grades", action="store_true", help="only the two `tutor check` runs")
    parser.add_argument("--runs", type=int, default=1, help="runs of each check (the median is shown)")
    args = parser.parse_args()
    from bytecode import compile_tutor

    from tutor.content.builtin import builtin_course_root

    compile_tutor()  # `tutor check` starts as an installed copy would
    print(f"load (1 min) at start: {os.getloadavg()[0]:.2f}")
    if not args.skip_grades:
        base = floor_ms()
        times = code_grades(args.grades)
        p50, p95 = statistics.median(times), times[min(len(times) - 1, int(0.95 * len(times)))]
        print(f"floor: python -I -c pass            {base:7.1f} ms")
        print(f"correct code answer, p50 / p95      {p50:7.1f} / {p95:.1f} ms   p95 ratio {p95 / base:.2f}")
    wall, cpu, last = median_check(None, args.runs)
    print(f"tutor check --seeds 5, built-in     {wall:7.2f} s wall, {cpu:.2f} s CPU   ({last})")
    with tempfile.TemporaryDirectory() as tmp:
        course = copied_course(builtin_course_root(), args.copies, Path(tmp) / "course")
        wall, cpu, last = median_check(course, args.runs)
        found = re.search(r"(\d+) question", last)
        n = int(found[1]) if found else 0
        print(f"tutor check --seeds 5, {n} questions {wall:6.2f} s wall, {cpu:.2f} s CPU   ({last})")
        print(f"   {n * 5 / wall:7.0f} question-seeds/s")
    print(f"load (1 min) at end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
