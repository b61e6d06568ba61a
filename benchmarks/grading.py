"""Grading latency per question type, over the built-in course's own answer keys.

Run by hand: `.venv/bin/python benchmarks/grading.py [--seeds N]`. Reports p50/p95/max in
milliseconds, warm (each answer graded once before timing). Target: p95 under 20 ms for
expression answers; nothing over the 2 s cap.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import defaultdict

from tutor.content.builtin import builtin_course_root
from tutor.content.loader import load_course
from tutor.content.variants import instantiate
from tutor.grading.grader import grade
from tutor.grading.selftest import fill_test_answer


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=5)
    args = parser.parse_args()
    course = load_course(builtin_course_root())
    timings: dict[str, list[float]] = defaultdict(list)
    for entry in course.questions.values():
        q = entry.question
        for seed in range(args.seeds if q.type != "code" else 1):
            variant = instantiate(q, seed)
            for test in q.tests:
                answer = fill_test_answer(test.answer, variant)
                grade(variant, answer)  # warm: caches, worker processes
                start = time.perf_counter()
                grade(variant, answer)
                timings[q.type].append((time.perf_counter() - start) * 1000)
    print(f"{'type':<12}{'n':>5}{'p50 ms':>10}{'p95 ms':>10}{'max ms':>10}")
    for kind, values in sorted(timings.items()):
        values.sort()
        p95 = values[min(len(values) - 1, int(0.95 * len(values)))]
        print(f"{kind:<12}{len(values):>5}{statistics.median(values):>10.1f}{p95:>10.1f}{values[-1]:>10.1f}")


if __name__ == "__main__":
    main()
