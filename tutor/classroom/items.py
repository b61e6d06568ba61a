"""Questions as an LMS sees them: concrete items with fixed numbers, built from a course's questions.

An LMS question has no parameters and no grader of ours, so each of our questions becomes one
or more concrete items, one per variant (seed), in the few shapes every target shares:
`numerical` (a value with an absolute tolerance), `multichoice`, `shortanswer` (exact texts),
`cloze` (one numerical blank per entry, for vectors), `essay`, `matching` (pairs, with
distractors) and `ordering`. The writers (gift, moodle,
qti) only translate items. What a kind loses on the way is said in `Item.approximations`; a
kind no target shape can hold is returned in `Built.unsupported`, never dropped silently.

`BUILDERS` is the per-kind dispatch table: one function per question type.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from tutor.content import model as m
from tutor.content.lms import moodle_grade
from tutor.content.variants import VariantError, evaluate_in, format_value, instantiate
from tutor.content.words import plural

# Parameters that are drawn (rather than fixed or computed) make a question randomised.
_RANDOM = (m.Uniform, m.Integers, m.Choice, m.ArrayDraw)


@dataclass(frozen=True)
class Answer:
    """One answer an LMS matches: a text (or a number), its credit 0..1 (negative for a wrong
    option of a multiple-answer choice) and its feedback."""

    text: str
    fraction: float
    feedback: str = ""
    tolerance: float | None = None  # numerical only: absolute


@dataclass
class Item:
    """One concrete LMS question."""

    name: str  # unique: the question id, with `-s<seed>` when there are several variants
    question_id: str
    seed: int | None  # None for a question without drawn parameters
    kind: str  # numerical | multichoice | shortanswer | cloze | essay | matching | ordering
    prompt: str  # Markdown with this variant's numbers
    answers: list[Answer] = field(default_factory=list)
    single: bool = True  # multichoice: one answer only
    shuffle: bool = True
    case_sensitive: bool = False
    solution: str = ""  # general feedback: the worked solution
    hints: list[str] = field(default_factory=list)
    penalty: float = 0.0  # what each further try costs, as a share of the mark
    weight: float = 1.0
    all_or_nothing: bool = False
    model_answer: str = ""  # essay: for the grader
    rubric: list[str] = field(default_factory=list)  # essay: for the grader
    blanks: list[list[Answer]] = field(default_factory=list)  # cloze: answers per blank
    pairs: list[tuple[str, str]] = field(default_factory=list)  # matching: (left, its right)
    distractors: list[str] = field(default_factory=list)  # matching: rights that match nothing
    order: list[str] = field(default_factory=list)  # ordering: the items in the right order
    approximations: list[str] = field(default_factory=list)


@dataclass
class Group:
    """The items of one question: a single item, or its variants (a category / section)."""

    question_id: str
    bank: str
    items: list[Item]

    @property
    def randomised(self) -> bool:
        return len(self.items) > 1 or (bool(self.items) and self.items[0].seed is not None)


@dataclass
class Built:
    groups: list[Group] = field(default_factory=list)
    unsupported: dict[str, list[str]] = field(default_factory=dict)  # kind -> question ids
    problems: list[str] = field(default_factory=list)  # a variant that could not be computed


# XML 1.0 allows neither these control characters nor lone surrogates: a YAML "\x1b" would stop lxml.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """`text` with the characters XML cannot hold shown as U+FFFD."""
    return _NOT_XML.sub("\ufffd", text)


def moodle_percent(fraction: float) -> str:
    """A score as the percentage Moodle's GIFT and XML importers accept: the nearest grade on
    Moodle's list (`moodle_regraded` says which changed), at most five decimals."""
    value = round(moodle_grade(fraction) * 100, 5)
    return str(int(value)) if value == int(value) else f"{value:.5f}".rstrip("0")


def moodle_regraded(items: Iterable[Item]) -> list[str]:
    """A sentence for each question with an answer score Moodle cannot hold, naming the nearest
    score it can (which the Moodle writers use: `moodle_grade`); none when every score is allowed."""
    changed: dict[str, set[str]] = {}
    for item in items:
        for answer in [*item.answers, *(a for blank in item.blanks for a in blank)]:
            grade = moodle_grade(answer.fraction)
            if grade != answer.fraction:
                change = f"{number(round(answer.fraction, 7))} → {number(grade)}"
                changed.setdefault(item.question_id, set()).add(change)
    return [
        f"{qid}: Moodle allows only its own list of scores; written as the nearest "
        f"({', '.join(sorted(what))})"
        for qid, what in changed.items()
    ]


def star_escaped(text: str) -> str:
    """A short answer as Moodle matches it: there `*` is a wildcard, and `\\*` a star."""
    return text.replace("*", "\\*")


def star_unescaped(text: str) -> tuple[str, bool]:
    """A Moodle short answer as our exact text, and whether it held a wildcard `*`."""
    wildcard = bool(re.search(r"(?<!\\)\*", text))
    return text.replace("\\*", "*"), wildcard


def is_randomised(question: Any) -> bool:
    """Whether any parameter is drawn (code questions' `args` are test inputs, not variants)."""
    return any(isinstance(p, _RANDOM) for p in question.params.values())


def number(value: float) -> str:
    """A number as every target writes it: short, exact enough, and the same after a round trip."""
    if isinstance(value, bool):
        value = int(value)
    value = float(value)
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return format(value, ".10g")


def absolute_tolerance(reference: float, tol: m.Tolerance | None) -> float:
    """Our tolerance as the absolute ± an LMS checks (the widest our grader accepts)."""
    from tutor.grading.tolerance import DEFAULT_ABS, DEFAULT_REL

    ref = abs(float(reference))
    if tol is None:
        return DEFAULT_ABS if ref < DEFAULT_ABS / DEFAULT_REL else DEFAULT_REL * ref
    if tol.sigfigs is not None:
        if ref == 0:
            return 10.0 ** (-tol.sigfigs)
        return 0.5 * 10.0 ** (math.floor(math.log10(ref)) - tol.sigfigs + 1)
    out = 0.0
    if tol.rel is not None:
        out = max(out, tol.rel * ref)
    if tol.abs is not None:
        out = max(out, tol.abs)
    return out


def _tolerance_text(value: float) -> float:
    # Three significant figures: enough for a tolerance, and stable through a round trip.
    return float(f"{value:.3g}") if value > 0 else 0.0


def _base(question: Any, variant: Any, name: str, kind: str, seed: int | None) -> Item:
    penalty = question.retry_penalty if question.retry_penalty is not None else 0.0
    return Item(
        name=name,
        question_id=question.id,
        seed=seed,
        kind=kind,
        prompt=variant.prompt.strip(),
        solution=variant.solution.strip(),
        hints=[variant.render(h.text).strip() for h in question.hints],
        penalty=penalty,
        weight=question.weight,
    )


def _numeric(question: m.NumericQuestion, variant: Any, name: str, seed: int | None) -> Item:
    item = _base(question, variant, name, "numerical", seed)
    value = float(variant.answer)
    tol = _tolerance_text(absolute_tolerance(value, question.tolerance))
    item.answers.append(Answer(number(value), 1.0, "", tol))
    seen = [value]
    for mistake in question.mistakes:
        try:
            wrong = float(evaluate_in(variant.values, mistake.answer, variant.scope))
        except (ValueError, TypeError):
            continue
        if not math.isfinite(wrong) or any(abs(wrong - v) <= tol for v in seen):
            continue  # an LMS matches the first answer in range: a later one inside it never shows
        seen.append(wrong)
        # The answer's ± for every mistake: one rule per question, as our grader has.
        item.answers.append(
            Answer(number(wrong), mistake.score, variant.render(mistake.feedback).strip(), tol)
        )
    if question.tolerance is not None and question.tolerance.sigfigs is not None:
        item.approximations.append("significant figures are checked as a ± range")
    if question.forbid:
        item.approximations.append("`forbid` is not checked (only the number is read)")
    return item


def _expression(question: Any, variant: Any, name: str, seed: int | None) -> Item:
    """The closest an LMS without a computer algebra system comes: the reference formula, with
    this variant's numbers, as an accepted text; mistakes as texts with their feedback."""
    item = _base(question, variant, name, "shortanswer", seed)
    item.answers.append(Answer(_with_numbers(question.answer, variant.values), 1.0))
    for mistake in getattr(question, "mistakes", []):
        item.answers.append(
            Answer(
                _with_numbers(mistake.answer, variant.values),
                mistake.score,
                variant.render(mistake.feedback).strip(),
            )
        )
    item.case_sensitive = True
    item.approximations.append(
        "an expression is matched as exact text, not by equivalence (other correct forms are refused)"
    )
    return item


def _with_numbers(expression: str, values: dict[str, Any]) -> str:
    def one(match: re.Match[str]) -> str:
        value = values.get(match.group(0))
        if isinstance(value, int | float) and not isinstance(value, bool):
            text = format_value(value)
            return f"({text})" if text.startswith("-") else text
        return match.group(0)

    return re.sub(r"\b[A-Za-z][A-Za-z0-9_]*\b", one, expression).strip()


def _vector(question: m.VectorQuestion, variant: Any, name: str, seed: int | None) -> Item:
    item = _base(question, variant, name, "cloze", seed)
    import numpy as np

    entries = np.atleast_1d(np.asarray(variant.answer, dtype=float)).ravel().tolist()
    for value in entries:
        tol = _tolerance_text(absolute_tolerance(value, question.tolerance))
        item.blanks.append([Answer(number(value), 1.0, "", tol)])
    item.approximations.append("a vector is one blank per entry, without its mistakes' feedback")
    return item


def _choice(question: m.ChoiceQuestion, variant: Any, name: str, seed: int | None) -> Item:
    item = _base(question, variant, name, "multichoice", seed)
    item.single = not question.multiple
    item.shuffle = question.shuffle
    if question.retry_penalty is None:  # our default for a choice (see AUTHORING §3)
        item.penalty = 1.0 / (len(question.options) - 1)
    correct = sum(o.correct for o in question.options)
    for option in question.options:
        if item.single:
            fraction = 1.0 if option.correct else 0.0
        else:
            # Our net scoring, (right − wrong) / correct, floored at 0 as an LMS floors a sum.
            fraction = (1.0 if option.correct else -1.0) / correct
        feedback = variant.render(option.feedback).strip()
        item.answers.append(Answer(variant.render(option.text).strip(), fraction, feedback))
    if question.multiple and question.scoring == "all-or-nothing":
        item.all_or_nothing = True
    return item


def _text(question: m.TextQuestion, variant: Any, name: str, seed: int | None) -> Item:
    item = _base(question, variant, name, "shortanswer", seed)
    item.case_sensitive = question.case_sensitive
    for accepted in question.accept:
        item.answers.append(Answer(variant.render(accepted).strip(), 1.0))
    for mistake in question.mistakes:
        item.answers.append(Answer(mistake.answer, mistake.score, variant.render(mistake.feedback).strip()))
    if question.regex is not None:
        item.approximations.append("a text answer's `regex` is not checked, only its `accept` texts")
    item.approximations.append(
        "a text answer must match exactly (spacing, articles and spelling slips are not forgiven)"
    )
    return item


def _free(question: m.FreeQuestion, variant: Any, name: str, seed: int | None) -> Item:
    item = _base(question, variant, name, "essay", seed)
    item.model_answer = variant.render(question.model_answer).strip()
    item.rubric = [r.text for r in question.rubric]
    item.approximations.append("a free answer is graded by a teacher, not self-assessed")
    return item


def _matching(question: Any, variant: Any, name: str, seed: int | None) -> Item:
    item = _base(question, variant, name, "matching", seed)
    item.pairs = [(variant.render(p.left).strip(), variant.render(p.right).strip()) for p in question.pairs]
    item.distractors = [variant.render(d).strip() for d in question.distractors]
    return item


def _ordering(question: Any, variant: Any, name: str, seed: int | None) -> Item:
    item = _base(question, variant, name, "ordering", seed)
    item.order = [variant.render(x).strip() for x in question.items]
    item.approximations.append(
        "an ordering is graded by the LMS's own rule (Moodle: pairs in order, none taken off for "
        "pairs reversed; QTI: all or nothing), not ours"
    )
    return item


Builder = Callable[[Any, Any, str, "int | None"], Item]

# One entry per question type; a type missing here cannot be exported (derivation, code).
BUILDERS: dict[str, Builder] = {
    "numeric": _numeric,
    "expression": _expression,
    "vector": _vector,
    "choice": _choice,
    "text": _text,
    "free": _free,
    "matching": _matching,
    "ordering": _ordering,
}


def _same_variant(a: Item, b: Item) -> bool:
    """Whether two variants of a question ask and accept the same things (names and seeds aside)."""
    return replace(a, name="", seed=None) == replace(b, name="", seed=None)


def build(entries: Iterable[Any], variants: int, kinds: set[str] | None = None) -> Built:
    """Items for each question entry (`QuestionEntry` of the loader): `variants` concrete
    versions of a randomised question, one of any other. `kinds` limits the item kinds a
    target can hold (a vector's cloze is Moodle only, for instance)."""
    out = Built()
    for entry in entries:
        question = entry.question
        builder = BUILDERS.get(question.type)
        if builder is None:
            out.unsupported.setdefault(question.type, []).append(question.id)
            continue
        seeds: list[int | None] = list(range(variants)) if is_randomised(question) else [None]
        items: list[Item] = []
        for seed in seeds:
            name = question.id if seed is None or variants == 1 else f"{question.id}-s{seed}"
            try:
                variant = instantiate(question, seed or 0)
                item = builder(question, variant, name, seed)
            except (VariantError, ValueError, TypeError, ArithmeticError) as exc:
                out.problems.append(f"{question.id} (seed {seed or 0}): {exc}")
                continue
            if kinds is not None and item.kind not in kinds:
                out.unsupported.setdefault(question.type, []).append(question.id)
                items = []
                break
            if any(_same_variant(item, earlier) for earlier in items):
                continue  # a parameter with few values drew the same numbers again
            items.append(item)
        if items:
            out.groups.append(Group(question.id, entry.bank.bank.bank, items))
    return out


def unsupported_warning(unsupported: dict[str, list[str]], target: str) -> str | None:
    """One sentence naming every question the target cannot hold, by kind."""
    if not unsupported:
        return None
    parts = [f"{kind}: {', '.join(ids)}" for kind, ids in sorted(unsupported.items())]
    n = sum(len(ids) for ids in unsupported.values())
    return f"{plural(n, 'question')} cannot be expressed in {target} and were left out ({'; '.join(parts)})"


def summarise(lost: dict[str, list[str]], target: str, items: Iterable[Item] = ()) -> list[str]:
    """Sentences for what `target` did not keep (`lost`: what -> question ids) and for what
    every LMS grades differently from us (the items' approximations)."""
    approx: dict[str, list[str]] = {}
    for item in items:
        for what in item.approximations:
            approx.setdefault(what, []).append(item.question_id)

    def ids_text(ids: list[str]) -> str:
        ids = list(dict.fromkeys(ids))
        shown = ", ".join(ids[:4]) + (f" and {len(ids) - 4} more" if len(ids) > 4 else "")
        return f"{plural(len(ids), 'question')}: {shown}"

    out = [f"{target} does not keep {what} ({ids_text(ids)})" for what, ids in lost.items()]
    out += [f"in the LMS, {what} ({ids_text(ids)})" for what, ids in approx.items()]
    return out
