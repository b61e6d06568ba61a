"""`interval`: a set of real numbers, such as the learning rates for which gradient descent converges.

Learners write it as they would on paper: interval notation `(0, 0.25)`, `[0, 1)`, `(-∞, 2) ∪ (3, ∞)`
(`U`, `∪` or `or` between pieces, `inf` or `∞`), inequalities in the question's variable
`0 < η < 1/4`, `η <= 3`, `x < 2 or x > 3`, or membership `η ∈ (0, 1/4)` / `eta in (0, 0.25)`;
`∅` (or `empty`) and `ℝ` (or `R`) for none and all. Ends are numbers or expressions read by our
reader, which may use the question's parameters. The set is compared after joining pieces that
overlap or touch: each end within the tolerance, each end's openness right. Feedback names the
wrong end; an answer whose ends are all right but some included or left out wrongly earns half the
share of ends that are right (one of two wrong: 0.25; both: nothing).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, cast

from pydantic import Field

from tutor.content.model import Markdown, QuestionBase, Slug, Strict, Tolerance
from tutor.expr import evaluate
from tutor.grading.grader import mistake_result, read_answer
from tutor.grading.result import Result, invalid
from tutor.grading.tolerance import close
from tutor.kinds import register
from tutor.kinds.base import AuthorExpr, Case, Kind

if TYPE_CHECKING:
    from tutor.content.variants import Variant
    from tutor.grading.preview import Preview

INF = math.inf


class IntervalMistake(Strict):
    answer: str = Field(description="A wrong set, written as an answer would be: `(0, 2/x^2)`.")
    feedback: Markdown
    note: Slug
    score: float = Field(0.0, ge=0, le=1)


class IntervalQuestion(QuestionBase):
    type: Literal["interval"]
    answer: str = Field(description="The set, in interval notation: `(0, 1/x^2)`, `[0, 1) U (2, inf)`.")
    variable: str = Field("x", description="The name answers may use in inequalities: `0 < eta < 1/4`.")
    tolerance: Tolerance | None = None
    mistakes: list[IntervalMistake] = Field(default_factory=list)


@dataclass(frozen=True)
class Piece:
    """One interval: its ends (±inf allowed) and whether each is included."""

    low: float
    high: float
    low_closed: bool
    high_closed: bool

    def text(self) -> str:
        opening, closing = "[" if self.low_closed else "(", "]" if self.high_closed else ")"
        return f"{opening}{_num(self.low)}, {_num(self.high)}{closing}"


class Intervals(tuple[Piece, ...]):
    """A set of numbers: its pieces, sorted and apart. Shown (`{{answer}}`) as learners write it."""

    def __str__(self) -> str:
        return show(self)


def _num(value: float) -> str:
    if math.isinf(value):
        return "∞" if value > 0 else "−∞"
    return f"{value:.6g}".replace("-", "−")


def show(pieces: tuple[Piece, ...]) -> str:
    """A set as learners write it: `(0, 0.25) ∪ [1, ∞)`, or `∅`."""
    return " ∪ ".join(p.text() for p in pieces) if pieces else "∅"


# ---------------------------------------------------------------- reading


class _Unreadable(Exception):
    def __init__(self, message: str, position: int | None = None) -> None:
        super().__init__(message)
        self.message, self.position = message, position


_INFINITY = {"inf", "+inf", "∞", "+∞", "oo", "+oo", "infinity", "+infinity"}
_EMPTY = {"∅", "{}", "empty", "none", "ø", "Ø"}
_ALL = {"r", "ℝ", "reals", "all", "all reals"}
_OPS = {"<": "<", "<=": "<=", ">": ">", ">=": ">="}


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = "".join(" " if ch.isspace() else ch for ch in text)  # any Unicode space is a space
    for a, b in (("−", "-"), ("≤", "<="), ("≥", ">="), ("⩽", "<="), ("⩾", ">="), ("∪", " U ")):
        text = text.replace(a, b)
    return text


def _split_top(text: str, at: re.Pattern[str]) -> list[tuple[int, str]]:
    """(offset, piece) of `text` split where `at` matches outside any bracket."""
    out: list[tuple[int, str]] = []
    depth, start, i = 0, 0, 0
    while i < len(text):
        ch = text[i]
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif depth <= 0 and (m := at.match(text, i)):
            out.append((start, text[start:i]))
            start = i = m.end()
            continue
        i += 1
    out.append((start, text[start:]))
    return out


_UNION = re.compile(r"\s+(?:U|u|or|OR|∨)\s+|(?<=[)\]])\s*(?:U|u)\s*(?=[(\[])")
_COMMA = re.compile(r"[,;]")
_CMP = re.compile(r"<=|>=|<|>")


def _names(variable: str) -> set[str]:
    """The variable's spellings: its name, and its Greek letter or Greek name."""
    from tutor.expr.lexer import GREEK

    out = {variable}
    out |= {letter for letter, name in GREEK.items() if name == variable}
    out |= {name for letter, name in GREEK.items() if letter == variable}
    return out


def _end(text: str, offset: int, values: dict[str, float]) -> float:
    raw = text.strip()
    if not raw:
        raise _Unreadable("An end of the interval is missing.", offset)
    if raw.lower() in _INFINITY:
        return INF
    if raw.lower() in {"-" + x.lstrip("+") for x in _INFINITY}:
        return -INF
    tree = read_answer(raw, values.keys())
    if isinstance(tree, Result):
        pos = tree.position
        where = None if pos is None else offset + (len(text) - len(text.lstrip())) + pos
        raise _Unreadable(f"`{raw}`: {tree.feedback[0] if tree.feedback else 'cannot be read'}", where)
    try:
        value = float(evaluate(tree, values))
    except (ValueError, TypeError, ArithmeticError) as exc:
        raise _Unreadable(f"`{raw}` is not a number: {exc}", offset) from None
    if math.isnan(value):
        raise _Unreadable(f"`{raw}` is not a number.", offset)
    return value


def _bracketed(piece: str, offset: int, values: dict[str, float]) -> Piece:
    opening, closing = piece[0], piece[-1]
    parts = _split_top(piece[1:-1], _COMMA)
    if len(parts) != 2:
        raise _Unreadable("An interval has two ends, written like (a, b) or [a, b).", offset)
    (o1, a), (o2, b) = parts
    low, high = _end(a, offset + 1 + o1, values), _end(b, offset + 1 + o2, values)
    return Piece(low, high, opening == "[" and not math.isinf(low), closing == "]" and not math.isinf(high))


def _inequality(piece: str, offset: int, variable: set[str], values: dict[str, float]) -> Piece:
    tokens = _split_top(piece, _CMP)
    ops = [m.group(0) for m in _CMP.finditer(piece)]
    operands = [(o, t.strip()) for o, t in tokens]
    if len(operands) not in (2, 3) or len(ops) != len(operands) - 1:
        raise _Unreadable("Write an inequality like 0 < x < 1, or an interval like (0, 1).", offset)
    at = [k for k, (_, t) in enumerate(operands) if t in variable]
    if len(at) != 1:
        name = sorted(variable)[0]
        raise _Unreadable(f"An inequality names the variable once: `{name}`, as in 0 < {name} < 1.", offset)
    k = at[0]
    low, high, low_closed, high_closed = -INF, INF, False, False
    for j, op in enumerate(ops):
        left, right = j, j + 1
        other = right if left == k else left if right == k else None
        if other is None:
            continue
        value = _end(operands[other][1], offset + operands[other][0], values)
        # `v < a` / `a > v`: a bounds v above; `v > a` / `a < v`: a bounds v below.
        var_on_left = left == k
        below = (op in (">", ">=")) if var_on_left else (op in ("<", "<="))
        if below:
            low, low_closed = value, op in (">=", "<=")
        else:
            high, high_closed = value, op in ("<=", ">=")
    if len(operands) == 3 and k != 1:
        raise _Unreadable("In a chain like a < x < b, the variable goes in the middle.", offset)
    if len(ops) == 2 and (ops[0][0] != ops[1][0]):
        raise _Unreadable("A chain of inequalities points one way: a < x < b, or b > x > a.", offset)
    return Piece(low, high, low_closed and not math.isinf(low), high_closed and not math.isinf(high))


def read_intervals(text: str, variable: str, values: dict[str, float]) -> Intervals:
    """The set `text` writes, joined and sorted; raises _Unreadable with a position."""
    text = _normalise(text)
    if not text.strip():
        raise _Unreadable("Type a set, such as (0, 0.25) or 0 < x < 0.25.", 0)
    names = _names(variable)
    if text.strip().lower() in _EMPTY:
        return Intervals()
    if text.strip().lower() in _ALL or text.strip() in _ALL:
        return Intervals((Piece(-INF, INF, False, False),))
    pieces: list[Piece] = []
    for offset, raw in _split_top(text, _UNION):
        piece = raw.strip()
        offset += len(raw) - len(raw.lstrip())
        member = re.match(r"([^\s∈]+)\s*(?:∈|\bin\b)\s*", piece)
        if member:
            if member.group(1) not in names:
                name = sorted(names)[0]
                raise _Unreadable(f"The variable here is `{name}`.", offset)
            offset += member.end()
            piece = piece[member.end() :]
        if not piece:
            raise _Unreadable("A piece of the set is missing.", offset)
        if piece.lower() in _ALL or piece in _ALL:
            pieces.append(Piece(-INF, INF, False, False))
        elif piece[0] in "([" and piece[-1] in ")]":
            pieces.append(_bracketed(piece, offset, values))
        elif _CMP.search(piece):
            pieces.append(_inequality(piece, offset, names, values))
        else:
            raise _Unreadable(
                "Write the set as an interval, (0, 1) or [0, 1), or as an inequality, 0 < x < 1.", offset
            )
    for p in pieces:
        if p.low > p.high:
            raise _Unreadable(f"The left end {_num(p.low)} is greater than the right end {_num(p.high)}.")
    return joined(pieces)


def joined(pieces: list[Piece]) -> Intervals:
    """The pieces sorted, empty ones dropped, overlapping or touching ones joined."""
    kept = [p for p in pieces if p.low < p.high or (p.low == p.high and p.low_closed and p.high_closed)]
    kept.sort(key=lambda p: (p.low, not p.low_closed))
    out: list[Piece] = []
    for p in kept:
        if out:
            last = out[-1]
            touches = p.low < last.high or (p.low == last.high and (p.low_closed or last.high_closed))
            if touches:
                if p.high > last.high or (p.high == last.high and p.high_closed):
                    out[-1] = Piece(last.low, p.high, last.low_closed, p.high_closed)
                continue
        out.append(p)
    return Intervals(out)


# ---------------------------------------------------------------- grading


def _scalars(variant: Variant) -> dict[str, float]:
    out = {}
    for name, value in variant.values.items():
        if isinstance(value, int | float) and not isinstance(value, bool):
            out[name] = float(value)
    return out


def _reference(variant: Variant) -> Intervals:
    return cast("Intervals", variant.answer)


def _same_end(a: float, b: float, tol: Tolerance | None) -> bool:
    if math.isinf(a) or math.isinf(b):
        return a == b
    return close(a, b, tol).ok


def _equal(a: Intervals, b: Intervals, tol: Tolerance | None, openness: bool = True) -> bool:
    return len(a) == len(b) and all(
        _same_end(p.low, q.low, tol)
        and _same_end(p.high, q.high, tol)
        and (not openness or (p.low_closed == q.low_closed and p.high_closed == q.high_closed))
        for p, q in zip(a, b, strict=True)
    )


def _what_differs(answer: Intervals, reference: Intervals, tol: Tolerance | None, var: str) -> list[str]:
    if len(answer) != len(reference):

        def pieces(n: int) -> str:
            return (
                "nothing (the empty set)"
                if n == 0
                else "one interval"
                if n == 1
                else f"{n} separate intervals"
            )

        return [f"Your set is {pieces(len(answer))}; the answer is {pieces(len(reference))}."]
    out = []
    many = len(reference) > 1
    for k, (p, q) in enumerate(zip(answer, reference, strict=True), start=1):
        which = f" of interval {k}" if many else ""
        for side, mine, right in (("left", p.low, q.low), ("right", p.high, q.high)):
            if not _same_end(mine, right, tol):
                out.append(f"The {side} end{which}, {_num(mine)}, is not right.")
        if _same_end(p.low, q.low, tol) and p.low_closed != q.low_closed:
            out.append(
                f"The left end{which} should {'be included: [' if q.low_closed else 'be left out: ('}"
                f" ({var} = {_num(q.low)} {'belongs' if q.low_closed else 'does not belong'} to the set)."
            )
        if _same_end(p.high, q.high, tol) and p.high_closed != q.high_closed:
            out.append(
                f"The right end{which} should {'be included: ]' if q.high_closed else 'be left out: )'}"
                f" ({var} = {_num(q.high)} {'belongs' if q.high_closed else 'does not belong'} to the set)."
            )
    return out


def grade_interval(variant: Variant, answer: str) -> Result:
    q = cast(IntervalQuestion, variant.question)
    values = _scalars(variant)
    try:
        mine = read_intervals(answer, q.variable, values)
    except _Unreadable as exc:
        return invalid(exc.message, exc.position)
    read_as = show(mine)
    reference = _reference(variant)
    rule = f"ends {close(1.0, 1.0, q.tolerance).rule}"
    if _equal(mine, reference, q.tolerance):
        return Result("correct", 1.0, read_as=read_as, rule=rule)
    for mistake in q.mistakes:
        try:
            wrong = read_intervals(mistake.answer, q.variable, values)
        except _Unreadable:
            continue
        if _equal(mine, wrong, q.tolerance):
            return mistake_result(variant, mistake, read_as, rule)
    feedback = tuple(_what_differs(mine, reference, q.tolerance, q.variable))
    if _equal(mine, reference, q.tolerance, openness=False):
        # Every end right, some included or left out wrongly: the share of ends that are right.
        ends = [
            (closed, wanted)
            for p, r in zip(mine, reference, strict=True)
            for closed, wanted, at in (
                (p.low_closed, r.low_closed, r.low),
                (p.high_closed, r.high_closed, r.high),
            )
            if not math.isinf(at)  # an infinite end is always left out: nothing to get right
        ]
        share = sum(a == b for a, b in ends) / len(ends) if ends else 0.0
        if share > 0:
            return Result("partial", round(share / 2, 6), ("openness",), feedback, read_as, rule)
        return Result("incorrect", 0.0, ("openness",), feedback, read_as, rule)
    return Result("incorrect", 0.0, ("wrong-end",), feedback, read_as, rule)


class Interval(Kind[IntervalQuestion]):
    name = "interval"
    order = 110
    model = IntervalQuestion
    label = "set of numbers"
    how_to = "Type an interval such as (1, 2] or [3, inf), or 1 < x < 2; U joins pieces."
    plain_how_to = "Type an interval, (1, 2] or [3, inf), or an inequality, 1 < x < 2 (U joins pieces)."
    computes_answer = True
    placeholder = "(1, 2] or [3, inf)"

    def instantiate(self, variant: Variant) -> None:
        from tutor.content.variants import VariantError

        q = self.of(variant.question)
        try:
            variant.answer = read_intervals(q.answer, q.variable, _scalars(variant))
        except _Unreadable as exc:
            raise VariantError(f"answer: {exc.message}", ("answer",)) from None
        variant.answer_text = show(variant.answer)

    def grade(self, variant: Variant, answer: Any) -> Result:
        return grade_interval(variant, answer)

    def how_to_answer(self, variant: Variant) -> str:
        name = self.of(variant.question).variable
        how = f"Type an interval such as (1, 2] or [3, inf), or 1 < {name} < 2; U joins pieces."
        return f"{self.rule_line(variant)} {how}"

    def plain_lines(self, variant: Variant) -> list[str]:
        return [self.how_to_answer(variant)]  # the rule is known before answering

    def rule_line(self, variant: Variant) -> str:
        """The rule under the prompt, before any answer: how close each end must be."""
        from tutor.grading.tolerance import describe

        return (
            f"Each end is graded {describe(self.of(variant.question).tolerance)}; ( and ) leave an end out."
        )

    def preview(self, variant: Variant, text: str) -> Preview | None:
        from tutor.grading.preview import NO_PREVIEW, Preview

        if not text.strip():
            return NO_PREVIEW
        q = self.of(variant.question)
        try:
            return Preview("ok", show(read_intervals(text, q.variable, _scalars(variant))))
        except _Unreadable as exc:
            return Preview("error", exc.message, position=exc.position)

    def author_exprs(self, question: IntervalQuestion) -> Iterator[AuthorExpr]:
        return iter(())  # read as sets, in check_seed, with each variant's numbers

    def check_static(self, question: IntervalQuestion, report: Any) -> None:
        if question.variable in question.params:
            report.at(("variable",), f"`{question.variable}` is also a parameter: name the variable apart")

    def check_seed(self, question: IntervalQuestion, variant: Variant) -> tuple[Any, str] | None:
        for i, mk in enumerate(question.mistakes):
            try:
                wrong = read_intervals(mk.answer, question.variable, _scalars(variant))
            except _Unreadable as exc:
                return ("mistakes", i, "answer"), f"mistake cannot be read: {exc.message}"
            if _equal(wrong, _reference(variant), question.tolerance):
                return ("mistakes", i, "answer"), "mistake is the same set as the answer on this seed"
        return None

    def selftest_cases(self, variant: Variant) -> list[Case]:
        q = self.of(variant.question)
        out = [Case(("answer",), _typed(_reference(variant)), "correct")]
        for i, mk in enumerate(q.mistakes):
            try:
                wrong = read_intervals(mk.answer, q.variable, _scalars(variant))
            except _Unreadable:
                continue
            expect: Literal["partial", "incorrect"] = "partial" if mk.score > 0 else "incorrect"
            out.append(Case(("mistakes", i, "answer"), _typed(wrong), expect, mk.note, "this mistake"))
        return out

    def shown_value(self, variant: Variant, text: str) -> str | None:
        q = self.of(variant.question)
        try:
            return f"{show(read_intervals(text, q.variable, _scalars(variant)))}   (= {text})"
        except _Unreadable as exc:
            return f"cannot be read: {exc.message}"

    def seed_answers(self, variant: Variant) -> list[str]:
        return [self.of(variant.question).answer]

    def reference_answer(self, variant: Variant) -> str | None:
        return _typed(_reference(variant))

    def wrong_answer(self, variant: Variant) -> str | None:
        pieces = _reference(variant)
        if not pieces:
            return "(0, 1)"
        return "empty"


def _typed(pieces: Intervals) -> str:
    """A set as a learner could type it, exactly (ends as repr, so self-tests are not rounded)."""
    from tutor.kinds._common import exact

    def end(x: float) -> str:
        return ("inf" if x > 0 else "-inf") if math.isinf(x) else exact(x)

    if not pieces:
        return "empty"
    return " U ".join(
        f"{'[' if p.low_closed else '('}{end(p.low)}, {end(p.high)}{']' if p.high_closed else ')'}"
        for p in pieces
    )


register(Interval())

__all__ = ["IntervalQuestion", "Piece", "read_intervals"]
