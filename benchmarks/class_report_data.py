"""Write a synthetic class's attempt export, for benchmarks/class_report.py and by-hand trials.

`.venv/bin/python benchmarks/class_report_data.py --learners 1000 --attempts 1000 -o DIR`
writes DIR/class.json (one json export, the rows of `tutor progress export --format json`)
or, with `--format csv`, DIR/class.csv. Learners and questions follow a one-parameter
logistic model (ability − difficulty), so facility and discrimination come out realistic;
wrong answers carry notes and a few frequent raw answers, as real mistakes do. Seeded:
the same arguments write the same file. Prints the question → lesson map as JSON to stdout's
last line only with --print-lessons.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import uuid
from pathlib import Path

QUESTIONS = 200
LESSONS = 10
NOTES = ("sign", "log-base", "forgot-factor-2", "chain-rule", "mean-not-sum")


def iso(t: int) -> str:
    day, hour, minute, second = 1 + (t // 86400) % 28, (t // 3600) % 24, (t // 60) % 60, t % 60
    return f"2026-06-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}Z"


def lessons_map() -> dict[str, str]:
    return {f"q{k:03d}": f"lesson-{k * LESSONS // QUESTIONS:02d}" for k in range(QUESTIONS)}


def rows(learners: int, attempts: int, seed: int = 17):
    rng = random.Random(seed)
    difficulty = [rng.gauss(0, 1) for _ in range(QUESTIONS)]
    wrong_answers = [[f"{rng.randint(1, 99) / 10}" for _ in range(4)] for _ in range(QUESTIONS)]
    start = 1_780_000_000
    for learner in range(learners):
        ability = rng.gauss(0, 1)
        name = f"learner-{learner:05d}"
        t = start + learner * 37
        for _ in range(attempts):
            q = rng.randrange(QUESTIONS)
            p = 1 / (1 + math.exp(difficulty[q] - ability))
            right = rng.random() < p
            t += rng.randint(5, 300)
            score = 1.0 if right else (0.5 if rng.random() < 0.1 else 0.0)
            if right:
                answer, notes, verdict = "right", [], "correct"
            else:
                answer = rng.choice(wrong_answers[q]) if rng.random() < 0.7 else f"{rng.random():.3f}"
                notes = [NOTES[(q + rng.randrange(2)) % len(NOTES)]] if rng.random() < 0.6 else []
                verdict = "partial" if score else "incorrect"
            yield {
                "attempt_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                "learner": name,
                "course_id": "synthetic",
                "course_version": "1",
                "question_id": f"q{q:03d}",
                "quiz_id": None,
                "seed": rng.randrange(1000),
                "answer": answer,
                "verdict": verdict,
                "score": score,
                "notes": notes,
                "hints_used": rng.choice((0, 0, 0, 1, 2)),
                "solution_seen": rng.random() < 0.05,
                "seconds": round(rng.lognormvariate(3.5, 0.8), 1),
                "time": iso(t),
            }


def write(folder: Path, learners: int, attempts: int, fmt: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"class.{fmt}"
    with open(path, "w", encoding="utf-8", newline="") as f:
        if fmt == "csv":
            from tutor.classroom.rows import write_csv

            write_csv(rows(learners, attempts), f)
        else:
            f.write("[")
            for k, row in enumerate(rows(learners, attempts)):
                f.write((",\n" if k else "\n") + json.dumps(row))
            f.write("\n]\n")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=1000)
    parser.add_argument("--attempts", type=int, default=1000, help="per learner")
    parser.add_argument("--format", choices=("json", "csv"), default="json")
    parser.add_argument("-o", "--output", type=Path, required=True, help="folder")
    args = parser.parse_args()
    path = write(args.output, args.learners, args.attempts, args.format)
    print(f"wrote {path} ({path.stat().st_size / 1e6:.0f} MB)")


if __name__ == "__main__":
    main()
