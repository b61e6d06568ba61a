"""Fuzz the grader and the preview with generated and mutated answers to the built-in course.

Run by hand: `.venv/bin/python benchmarks/fuzz_answers.py [--answers N] [--seed S]`. Every
answer must get a Result (never an exception, nor the catch-all's "the grader failed") within
the grading time cap. Prints exceptions / over-cap / max time, and exits 1 unless both
counts are 0. Code questions only go through the static `screen()`: running them is slow and
has caps of its own.
"""

from __future__ import annotations

import argparse
import random
import re
import time
import traceback
from collections import Counter
from typing import Any

from tutor.content import model as m
from tutor.content.builtin import builtin_course_root
from tutor.content.loader import load_course
from tutor.content.variants import Variant, instantiate
from tutor.grading.grader import grade
from tutor.grading.limits import GRADE_TIME_CAP, MAX_ANSWER_CHARS
from tutor.grading.preview import preview
from tutor.grading.selftest import seed_answers

SEEDS = 3  # variants per question

# Pieces a mutation inserts: syntax, names, Unicode look-alikes, digit runs, huge numbers.
PIECES = [
    *"0123456789+-*/^()[]{}|,.;:=<>!_ \n\t'\"`@#$%&?~\\",
    *"xyzpqewδσΣπ√²³⁴⁻¹⁰·×−–≤≥≠∞½ŷ",  # look-alikes are the point
    *"٣𝟙１",
    "\u00a0",
    "\u200b",
    "\x00",
    "\ud800",
    "**",
    "==",
    "<=",
    "e-",
    "1e308",
    "1e-400",
    "9" * 60,
    "0." + "1" * 50,
    "log",
    "exp",
    "sqrt",
    "abs",
    "max",
    "sigma",
    "step1",
    "step2",
    "step9",
    " if ",
    " else ",
    " and ",
    "y_hat",
    "p_i",
    "z[0]",
    "__import__",
    "lambda",
]


def mutate(rng: random.Random, text: str) -> str:
    """A few random edits: insert, delete, replace, duplicate a slice, or swap lines."""
    chars = list(text)
    for _ in range(rng.randint(1, 5)):
        i = rng.randint(0, len(chars))
        op = rng.random()
        if op < 0.35:
            chars[i:i] = list(rng.choice(PIECES))
        elif op < 0.55 and chars:
            del chars[min(i, len(chars) - 1) : min(i + rng.randint(1, 4), len(chars))]
        elif op < 0.75 and chars:
            chars[min(i, len(chars) - 1)] = rng.choice(PIECES)
        elif op < 0.9 and chars:
            j = rng.randint(0, len(chars))
            lo, hi = sorted((i, j))
            chars[hi:hi] = chars[lo:hi]
        else:
            lines = "".join(chars).split("\n")
            rng.shuffle(lines)
            chars = list("\n".join(lines))
    return "".join(chars)


NUMBERS = ["0", "1", "2", "0.5", "-1", "1e-9", "1e300", "3.14159", "100"]
OPERATORS = ["+", "-", "*", "/", "^"]
WRAPS = [
    "log({})",
    "exp({})",
    "-({})",
    "({})^2",
    "sqrt({})",
    "|{}|",
    "2*({})",
    "({}) + 0",
    "1/({})",
    "max({}, 0)",
]


def tweak(rng: random.Random, text: str) -> str:
    """Edits that keep an answer readable, so grading goes past the reader: another number,
    another operator, a name swapped for another in the answer, a function around it."""
    for _ in range(rng.randint(1, 3)):
        roll = rng.random()
        numbers = list(re.finditer(r"\d+(\.\d+)?", text))
        operators = [i for i, ch in enumerate(text) if ch in "+-*/^"]
        names = sorted(set(re.findall(r"[A-Za-z_][A-Za-z_0-9]*", text)))
        if roll < 0.3 and numbers:
            found = rng.choice(numbers)
            text = text[: found.start()] + rng.choice(NUMBERS) + text[found.end() :]
        elif roll < 0.55 and operators:
            i = rng.choice(operators)
            text = text[:i] + rng.choice(OPERATORS) + text[i + 1 :]
        elif roll < 0.75 and len(names) > 1:
            old, new = rng.sample(names, 2)
            text = re.sub(rf"\b{re.escape(old)}\b", new, text, count=1)
        else:
            lines = text.split("\n")
            k = rng.randrange(len(lines))
            lines[k] = rng.choice(WRAPS).format(lines[k])
            text = "\n".join(lines)
    return text


def generate(rng: random.Random, variant: Variant) -> Any:
    """One answer: mostly mutated real answers, some random text, some huge or odd shapes."""
    q = variant.question
    roll = rng.random()
    base = rng.choice(seed_answers(variant))
    if roll < 0.3:
        return tweak(rng, base)
    if roll < 0.6:
        answer = base
        for _ in range(rng.randint(1, 3)):
            answer = mutate(rng, answer)
        return answer
    if roll < 0.75:
        return "".join(rng.choice(PIECES) for _ in range(rng.randint(1, 40)))
    if roll < 0.8:  # long: around the length cap, and well past it
        size = rng.choice([MAX_ANSWER_CHARS - 10, MAX_ANSWER_CHARS + 1, 3 * MAX_ANSWER_CHARS])
        unit = base + rng.choice([" = ", "\n", "*", "+", " "])
        return (unit * (size // max(1, len(unit)) + 1))[:size]
    if roll < 0.85:  # deep or long products, as in the issue
        factor = rng.choice(["2", "x", "(1+x)", "y_hat", "σ(z)"])
        return rng.choice(["*", "^", "/", "+", ""]).join([factor] * rng.randint(2, 120))
    if roll < 0.9 and isinstance(q, m.DerivationQuestion) and q.mode == "steps":
        lines = [mutate(rng, s.answer) if rng.random() < 0.5 else s.answer for s in q.steps]
        return [rng.choice([*lines, "", "[1, 2]", "[[1]]", "step1", "1 < 2"]) for _ in lines]
    if roll < 0.95 and isinstance(q, m.ChoiceQuestion | m.FreeQuestion):
        return {rng.randint(-2, 12) for _ in range(rng.randint(0, 4))}
    return rng.choice(["", " ", "\n\n", "1" * 5000, "²", "a, ²", "-0", "nan", "inf", "[]", "()", "|"])


def grade_any(variant: Variant, answer: Any) -> Any:
    """Grade as the app would: steps as a list, ticked options as a set, else text."""
    q = variant.question
    if isinstance(answer, list | set):
        return grade(variant, answer)  # the question's kind reads steps and ticks
    if isinstance(q, m.CodeQuestion):
        from tutor.grading.code import screen

        return screen(answer, q.function)
    preview(variant, answer)
    return grade(variant, answer)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--answers", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    course = load_course(builtin_course_root())
    variants = [instantiate(e.question, seed) for e in course.questions.values() for seed in range(SEEDS)]
    for variant in variants:  # warm: caches, the SymPy worker
        if not isinstance(variant.question, m.CodeQuestion):
            for answer in seed_answers(variant)[:2]:
                grade(variant, answer)

    exceptions: Counter[str] = Counter()
    examples: dict[str, str] = {}
    over_cap = 0
    slowest = (0.0, "", "")
    per_type: Counter[str] = Counter()
    verdicts: Counter[str] = Counter()
    start_all = time.perf_counter()
    for n in range(args.answers):
        variant = rng.choice(variants)
        answer = generate(rng, variant)
        per_type[variant.question.type] += 1
        where = f"{variant.question.id} seed {variant.seed}: {answer!r:.300}"
        start = time.perf_counter()
        failure, out_of_time = "", False
        try:
            result = grade_any(variant, answer)
            verdicts[result.verdict if result is not None else "screened"] += 1
            if result is not None and result.details.get("grader_failed"):
                # the catch-all's verdict: a bug it stopped, or the time cap reached
                out_of_time = "within" in result.feedback[0]
                failure = "" if out_of_time else result.feedback[0]
        except Exception as exc:
            failure = f"{type(exc).__name__}: {exc}"
            where += "\n" + traceback.format_exc(limit=-3)
        elapsed = time.perf_counter() - start
        if failure:
            key = f"{variant.question.type}: {failure[:100]}"
            exceptions[key] += 1
            examples.setdefault(key, where)
        if elapsed > GRADE_TIME_CAP or out_of_time:
            over_cap += 1
        if elapsed > slowest[0]:
            slowest = (elapsed, variant.question.id, f"{answer!r:.80}")
        if (n + 1) % 10_000 == 0:
            print(f"  {n + 1} answers, {sum(exceptions.values())} exceptions, {over_cap} over the cap")
    total = time.perf_counter() - start_all

    print(f"answers:    {args.answers} ({', '.join(f'{k} {v}' for k, v in sorted(per_type.items()))})")
    print(f"verdicts:   {', '.join(f'{k} {v}' for k, v in verdicts.most_common())}")
    print(f"exceptions: {sum(exceptions.values())}")
    for key, count in exceptions.most_common():
        print(f"  {count:>6}  {key}\n          e.g. {examples[key]}")
    print(f"over cap:   {over_cap} (cap {GRADE_TIME_CAP:g} s)")
    print(f"max time:   {slowest[0] * 1000:.1f} ms ({slowest[1]}: {slowest[2]})")
    print(f"total:      {total:.1f} s, {total / max(1, args.answers) * 1000:.2f} ms per answer")
    raise SystemExit(1 if exceptions or over_cap else 0)


if __name__ == "__main__":
    main()
