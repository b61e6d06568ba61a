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
from tutor.content.variants import Variant, VariantError, fill, format_value, instantiate
from tutor.grading.grader import grade
from tutor.grading.result import Result

GARBAGE = "@#"
# Code answers start a process per grade: check them on fewer seeds.
CODE_SEEDS = 1


def _exact(value: Any) -> str:
    """A value written with enough digits that no tolerance can reject it."""
    if isinstance(value, float):
        return repr(value)
    if hasattr(value, "tolist"):
        items = value.tolist()
        return (
            "[" + ", ".join(repr(float(v)) for v in items) + "]" if isinstance(items, list) else repr(items)
        )
    return format_value(value)


def fill_test_answer(text: str, variant: Variant) -> str:
    values: dict[str, Any] = {k: _Exact(v) for k, v in variant.values.items()}
    if variant.answer is not None:
        values["answer"] = _Exact(variant.answer)
    return fill(text, values)


def seed_answers(variant: Variant) -> list[str]:
    """Real answers to start fuzzing from: the answer key's tests, the reference, and for
    choice and free questions their option letters and numbers."""
    from tutor.grading.grader import LETTERS

    q = variant.question
    out = [fill_test_answer(t.answer, variant) for t in q.tests]
    for text in (getattr(q, "answer", None), getattr(q, "start", None)):
        if isinstance(text, str):
            out.append(text)
    if isinstance(q, m.DerivationQuestion):
        out.append("\n".join(s.answer for s in q.steps))
    if isinstance(q, m.ChoiceQuestion | m.FreeQuestion):
        count = len(q.options) if isinstance(q, m.ChoiceQuestion) else len(q.rubric)
        out += [LETTERS[i] for i in range(count)] + [str(i + 1) for i in range(count)]
    return out or ["x"]


class _Exact:
    """Formats as full precision inside `fill`, whatever the placeholder's spec."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def __format__(self, spec: str) -> str:
        return _exact(self.value) if not spec else format(self.value, spec)

    def __str__(self) -> str:
        return _exact(self.value)


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
    n_seeds = min(seeds, CODE_SEEDS) if isinstance(q, m.CodeQuestion) else seeds
    reported: set[tuple[str | int, ...]] = set()

    def report(path: tuple[str | int, ...], message: str) -> Diagnostic | None:
        if path in reported:
            return None  # one message per test is enough, whatever the number of seeds
        reported.add(path)
        at = entry.pos(*path)
        return entry.source.diag(at, message, where)

    # mistake index -> (seeds tried, seeds where it was not reached, how it graded there)
    reached: _Reached = {}
    for seed in range(n_seeds):
        try:
            variant = instantiate(q, seed)
        except (VariantError, ValueError):
            return  # reported by the static checks
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
    if reached and draws > n_seeds:
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
        mistake = entry.question.mistakes[i]
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
    q = variant.question
    own: list[tuple[tuple[str | int, ...], str]] = []
    if isinstance(q, m.NumericQuestion | m.VectorQuestion):
        own.append((("answer",), _exact(variant.answer)))
    elif isinstance(q, m.ExpressionQuestion) and not q.params:
        own.append((("answer",), q.answer))
    elif isinstance(q, m.CodeQuestion) and q.reference is not None and not q.tests:
        own.append((("reference",), q.reference))  # without tests, nothing else ever runs it
    for path, text in own:
        result = grade(variant, text)
        if result.verdict != "correct":
            d = report(path, f"seed {seed}: the reference itself grades {_describe(result)}")
            if d:
                yield d
    if isinstance(q, m.NumericQuestion | m.VectorQuestion | m.ExpressionQuestion):
        for i, mistake in enumerate(q.mistakes):
            if isinstance(q, m.ExpressionQuestion):
                if q.params:
                    continue
                text = mistake.answer
            else:
                from tutor.content.variants import evaluate_in

                try:
                    value = evaluate_in(variant.values, mistake.answer, variant.scope)
                except ValueError:
                    continue
                import numpy as np

                if not np.all(np.isfinite(np.asarray(value, dtype=float))):
                    continue  # a learner cannot type inf; this seed cannot reach the mistake
                text = _exact(value)
            result = grade(variant, text)
            expect = "partial" if mistake.score > 0 else "incorrect"
            tried, missed, how = reached.setdefault(i, ([], [], ""))
            tried.append(seed)
            if result.verdict != expect or mistake.note not in result.notes:
                missed.append(seed)
                if not how:
                    reached[i] = (tried, missed, _describe(result))
    if not isinstance(q, m.TextQuestion):
        result = grade(variant, GARBAGE)
        if result.verdict != "invalid":
            d = report(
                (), f"seed {seed}: the garbage answer `{GARBAGE}` grades {_describe(result)}, not invalid"
            )
            if d:
                yield d
