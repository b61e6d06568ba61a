"""Grading latency per question type, over the built-in course's own answer keys.

Run by hand: `.venv/bin/python benchmarks/grading.py [--seeds N]`. Reports p50/p95/max in
milliseconds, warm (each answer graded once before timing). Target: p95 under 20 ms for
expression answers; nothing over the 2 s cap.

It also reports how many answers needed the slow path of the equivalence engine (points
float64 could not settle, re-evaluated with mpmath, and SymPy asked when those stay unclear),
over the course and over HARD, answers chosen to need it, and the p95 of those answers.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import defaultdict
from typing import Any

from pydantic import TypeAdapter

from tutor.content.builtin import builtin_course_root
from tutor.content.loader import load_course
from tutor.content.model import Question
from tutor.content.variants import instantiate
from tutor.grading import equivalence
from tutor.grading.grader import grade
from tutor.grading.selftest import fill_test_answer

GAUSS = {"y": "real", "y_hat": "real", "sigma": "positive"}
POLY13 = (
    "x^13 - 22.1x^12 + 224.51x^11 - 1388.101x^10 + 5827.4073x^9 - 17540.46723x^8 + 38943.131513x^7"
    " - 64568.1556663x^6 + 79943.41049266x^5 - 72997.481827556x^4 + 47779.2858099336x^3"
    " - 21227.24949673536x^2 + 5737.22176015296x - 712.41227785728"
)
# (answer, reference, variables): float64 overflows, underflows or cancels somewhere on each.
HARD = [
    (
        "-log(exp(-(y-ŷ)^2/(2σ^2))/sqrt(2π σ^2))",
        "(y - y_hat)^2/(2 sigma^2) + log(2 pi sigma^2)/2",
        GAUSS,
    ),
    ("-log(exp(-(y-ŷ)^2/(2σ^2)))", "(y - y_hat)^2/(2 sigma^2) + 1", GAUSS),
    (POLY13, "*".join(f"(x - {k / 10:g})" for k in range(11, 24)), {"x": [0, 3]}),
    ("log(exp(800x))", "800x", {"x": "real"}),
    ("log(1 + exp(50z))", "softplus(50z)", {"z": "real"}),
    ("exp(-900x^2)/exp(-900x^2 - x)", "exp(x)", {"x": "real"}),
    ("(1 - t)^4000", "(t - 1)^4000", {"t": "real"}),
    ("(1 - t)^4001", "(t - 1)^4001", {"t": "real"}),
    ("-(y log(σ(z)) + (1-y) log(1-σ(z)))", "log(1 + exp(z)) - y*z", {"z": "real", "y": {"set": [0, 1]}}),
    ("sin(pi*n)", "0", {"n": "integer"}),
]

_slow = {"hit": False, "sympy": False}
_settle = equivalence._settle


def _traced_settle(*args: Any, **kwargs: Any) -> Any:
    result = _settle(*args, **kwargs)
    _slow["hit"] = True
    _slow["sympy"] = _slow["sympy"] or result.sympy
    return result


equivalence._settle = _traced_settle  # the one place the slow path starts


def _timed(variant: Any, answer: str) -> tuple[float, bool, bool]:
    grade(variant, answer)  # warm: caches, worker processes
    _slow.update(hit=False, sympy=False)
    start = time.perf_counter()
    grade(variant, answer)
    return (time.perf_counter() - start) * 1000, _slow["hit"], _slow["sympy"]


def _p95(values: list[float]) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(0.95 * len(values)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=5)
    args = parser.parse_args()
    course = load_course(builtin_course_root())
    timings: dict[str, list[float]] = defaultdict(list)
    slow: dict[str, list[float]] = defaultdict(list)
    sympy: dict[str, int] = defaultdict(int)
    for entry in course.questions.values():
        q = entry.question
        for seed in range(args.seeds if q.type != "code" else 1):
            variant = instantiate(q, seed)
            for test in q.tests:
                ms, hit, asked = _timed(variant, fill_test_answer(test.answer, variant))
                timings[q.type].append(ms)
                if hit:
                    slow[q.type].append(ms)
                    sympy[q.type] += asked
    adapter: TypeAdapter[Any] = TypeAdapter(Question)
    for i, (answer, reference, variables) in enumerate(HARD):
        spec = {
            "id": f"hard-{i}",
            "type": "expression",
            "prompt": "?",
            "answer": reference,
            "variables": {name: {"domain": d} for name, d in variables.items()},
        }
        for seed in range(args.seeds):
            ms, hit, asked = _timed(instantiate(adapter.validate_python(spec), seed), answer)
            timings["hard"].append(ms)
            if hit:
                slow["hard"].append(ms)
                sympy["hard"] += asked
    head = f"{'type':<12}{'n':>5}{'p50 ms':>10}{'p95 ms':>10}{'max ms':>10}"
    print(f"{head}{'slow':>8}{'sympy':>7}{'slow p95':>10}")
    for kind, values in sorted(timings.items()):
        share = f"{100 * len(slow[kind]) / len(values):.0f} %"
        slow_p95 = f"{_p95(slow[kind]):.1f}" if slow[kind] else "-"
        print(
            f"{kind:<12}{len(values):>5}{statistics.median(values):>10.1f}{_p95(values):>10.1f}"
            f"{max(values):>10.1f}{share:>8}{sympy[kind]:>7}{slow_p95:>10}"
        )


if __name__ == "__main__":
    main()
