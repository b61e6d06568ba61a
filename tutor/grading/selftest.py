"""Run a question's answer key against the grader, as `tutor check` does on every seed.

Besides the author's `tests:` table, three cases need no authoring: the reference itself
grades correct, every anticipated mistake is reachable and graded as declared, and garbage
is `invalid` (never `incorrect`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from tutor.content import model as m
from tutor.content.diagnostics import Diagnostic
from tutor.content.loader import QuestionEntry
from tutor.content.variants import Variant, VariantError, exact_text, fill, instantiate
from tutor.grading.grader import grade
from tutor.grading.result import Result


def fill_test_answer(text: str, variant: Variant) -> str:
    values: dict[str, Any] = {k: _Exact(v) for k, v in variant.values.items()}
    if variant.answer is not None:
        values["answer"] = _Exact(variant.answer)
    return fill(text, values)


def seed_answers(variant: Variant) -> list[str]:
    """Real answers to start fuzzing from: the answer key's tests, then what the question's kind
    offers (the reference, option letters and numbers)."""
    q = variant.question
    out = [fill_test_answer(t.answer, variant) for t in q.tests]
    out += m.kinds()[q.type].seed_answers(variant)
    return out or ["x"]


class _Exact:
    """Formats as full precision inside `fill`, whatever the placeholder's spec."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def __format__(self, spec: str) -> str:
        return exact_text(self.value) if not spec else format(self.value, spec)

    def __str__(self) -> str:
        return exact_text(self.value)


def _matches(result: Result, expect: str, note: str | None, score: float | None) -> bool:
    if result.verdict != expect:
        return False
    if note is not None and note not in result.notes:
        return False
    return score is None or abs(result.score - score) < 1e-9


def _describe(result: Result) -> str:
    notes = f" (note {', '.join(result.notes)})" if result.notes else ""
    first = f": {result.feedback[0]}" if result.feedback else ""
    return f"{result.verdict}{notes}{first}"


def run_selftests(entry: QuestionEntry, seeds: int, draws: int = 0) -> Iterator[Diagnostic]:
    """The answer key's tests and automatic cases, graded on `seeds` variants; on the variants
    after those, up to `draws`, each numeric mistake is compared with the answer (no grading:
    a tolerance check), to find the seeds where it cannot be reached."""
    q = entry.question
    where = entry.where()
    cap = m.kinds()[q.type].selftest_seeds
    n_seeds = min(seeds, cap) if cap is not None else seeds
    reported: set[tuple[str | int, ...]] = set()

    def report(path: tuple[str | int, ...], message: str) -> Diagnostic | None:
        if path in reported:
            return None  # one message per test is enough, whatever the number of seeds
        reported.add(path)
        at = entry.pos(*path)
        return entry.source.diag(at, message, where)

    if m.kinds()[q.type].symbolic:
        from tutor.grading.forms import wait_ready

        wait_ready()  # SymPy's start is not charged to the first test's time cap
    # mistake index -> (seeds tried, seeds where it was not reached, how it graded there)
    reached: _Reached = {}
    for seed in range(n_seeds):
        try:
            variant = instantiate(q, seed)
        except (VariantError, ValueError):
            return  # reported by the static checks
        for path, message in m.kinds()[q.type].key_problems(variant):
            d = report(path, f"seed {seed}: {message}")
            if d:
                yield d
        for i, test in enumerate(q.tests):
            answer = fill_test_answer(test.answer, variant)
            result = grade(variant, answer)
            if not _matches(result, test.expect, test.note, test.score):
                want = test.expect + (f" with note {test.note}" if test.note else "")
                d = report(
                    ("tests", i), f"test {i + 1} (seed {seed}): expected {want}, got {_describe(result)}"
                )
                if d:
                    yield d
        yield from _automatic(variant, seed, report, reached)
    if reached and draws > n_seeds and isinstance(q, m.NumericQuestion | m.VectorQuestion):
        from tutor.content.lint import seeds_for

        _scan_mistakes(q, range(n_seeds, seeds_for(q, draws)), reached)
    yield from _unreached(entry, reached, report)


def _scan_mistakes(q: Any, seeds: range, reached: _Reached) -> None:
    """Numeric and vector mistakes against the answer on more seeds than are graded."""
    import numpy as np

    from tutor.content.variants import evaluate_in
    from tutor.grading.tolerance import close, close_array

    for seed in seeds:
        try:
            variant = instantiate(q, seed)
        except (VariantError, ValueError):
            return
        answer = np.asarray(variant.answer, dtype=float)
        for i, mistake in enumerate(q.mistakes):
            if i not in reached:
                continue
            try:
                value = np.asarray(evaluate_in(variant.values, mistake.answer, variant.scope), dtype=float)
            except ValueError:
                continue
            if value.shape != answer.shape or not np.all(np.isfinite(value)):
                continue
            tried, missed, how = reached[i]
            tried.append(seed)
            same = close(float(value), float(answer), q.tolerance).ok if answer.ndim == 0 else None
            if same is None:
                same = close_array(value, answer, q.tolerance)[0]
            if same:
                missed.append(seed)
                reached[i] = (tried, missed, how or "correct")


_Reached = dict[int, tuple[list[int], list[int], str]]


def _unreached(entry: QuestionEntry, reached: _Reached, report: Any) -> Iterator[Diagnostic]:
    """A mistake missed on every seed is an error; on some seeds only (it coincides with the
    answer or an earlier mistake there) a warning naming them, unless marked `partial: ok`."""
    for i, (tried, missed, how) in sorted(reached.items()):
        if not missed:
            continue
        mistake = getattr(entry.question, "mistakes", [])[i]
        path = ("mistakes", i, "answer")
        if len(missed) == len(tried):
            d = report(
                path,
                f"seed {missed[0]}: this mistake is never reached: it grades {how} "
                "(is it equal to the answer, or to an earlier mistake?)",
            )
        elif mistake.partial == "ok":
            continue
        else:
            seeds = ", ".join(map(str, missed[:10])) + (", …" if len(missed) > 10 else "")
            d = report(
                path,
                f"this mistake is not reached on {'seed' if len(missed) == 1 else 'seeds'} {seeds} "
                f"of {len(tried)}, where it grades {how} "
                "(it equals the answer or an earlier mistake there); mark it `partial: ok` if that is meant",
            )
            if d is not None:
                d = replace(d, severity="warning")
        if d is not None:
            yield d


def _automatic(variant: Variant, seed: int, report: Any, reached: _Reached) -> Iterator[Diagnostic]:
    """The cases the question's kind needs no author for: the reference grades correct, each
    anticipated mistake is reached, garbage cannot be read."""
    kind = m.kinds()[variant.question.type]
    for case in kind.selftest_cases(variant):
        result = grade(variant, case.answer)
        if case.expect == "correct" and result.verdict != "correct":
            d = report(case.path, f"seed {seed}: {case.what} grades {_describe(result)}")
        elif case.path[:1] == ("mistakes",) and isinstance(case.path[1], int):
            # counted over the seeds: never reached is an error, on some seeds only a warning
            tried, missed, how = reached.setdefault(case.path[1], ([], [], ""))
            tried.append(seed)
            if not _matches(result, case.expect, case.note, None):
                missed.append(seed)
                if not how:
                    reached[case.path[1]] = (tried, missed, _describe(result))
            d = None
        elif case.expect != "correct" and not _matches(result, case.expect, case.note, None):
            d = report(
                case.path,
                f"seed {seed}: {case.what} is never reached: it grades {_describe(result)} "
                "(is it equal to the answer, or to an earlier mistake?)",
            )
        else:
            d = None
        if d:
            yield d
    if kind.garbage is not None:
        result = grade(variant, kind.garbage)
        if result.verdict != "invalid":
            said = f"the garbage answer `{kind.garbage}` grades {_describe(result)}, not invalid"
            d = report((), f"seed {seed}: {said}")
            if d:
                yield d
