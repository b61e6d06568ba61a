"""`grade(variant, answer_text) -> Result` for every question type.

The order of judgement is the same everywhere: read the answer (unreadable → invalid, no
attempt used), compare with the reference, then explain a wrong answer: the author's
anticipated mistakes first, then automatic diagnosis.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any, TypeVar

from tutor.content import model as m
from tutor.content.expressions import parse_author
from tutor.content.variants import Variant
from tutor.expr import FunctionDef, Node, ReadError, evaluate, parse, render
from tutor.expr.lexer import quote
from tutor.expr.nodes import BinOp, Call, Name, Num, Vector, called_functions, free_names, walk
from tutor.grading import limits
from tutor.grading.diagnose import diagnose
from tutor.grading.equivalence import compare, sample_points
from tutor.grading.limits import (
    OutOfTime,
    answer_length,
    check_time,
    sympy_limit,
    time_cap,
    too_long_message,
)
from tutor.grading.result import Result, invalid
from tutor.grading.tolerance import DEFAULT_REL, close, close_array

A = TypeVar("A")


def could_not_decide(exc: BaseException) -> Result:
    """The Result for an answer the grader failed on, or ran out of time on: not counted."""
    if isinstance(exc, OutOfTime):
        message = f"Could not decide within {limits.GRADE_TIME_CAP:g} s: try a shorter or simpler answer."
    else:
        message = (
            f"Could not decide: the grader failed on this answer ({type(exc).__name__}). "
            "This is a bug in tutor; try writing the answer another way, or go on."
        )
    return Result("undecided", 0.0, ("undecided",), (message,), details={"grader_failed": True})


def entry_point(grader: Callable[[Variant, A], Result]) -> Callable[[Variant, A], Result]:
    """Wrap a public grader: the length cap first, then grading under the time cap, and any
    unexpected exception becomes "could not decide" instead of a traceback."""

    @functools.wraps(grader)
    def guarded(variant: Variant, answer: A) -> Result:
        message = too_long_message(answer_length(answer))
        if message is not None:
            return invalid(message)
        try:
            with time_cap():
                return grader(variant, answer)
        except Exception as exc:  # the one place where a bug in grading stops
            return could_not_decide(exc)

    return guarded


@entry_point
def grade(variant: Variant, answer: str) -> Result:
    """Grade one answer to one variant. Never raises for anything the learner types."""
    q = variant.question
    if not answer.strip():
        return invalid("The answer is empty.")
    match q:
        case m.NumericQuestion():
            return grade_numeric(variant, answer)
        case m.ExpressionQuestion():
            return grade_expression(variant, answer)
        case m.DerivationQuestion(mode="chain"):
            return grade_chain(variant, answer)
        case m.DerivationQuestion():
            return grade_steps(variant, [line for line in answer.splitlines() if line.strip()])
        case m.VectorQuestion():
            return grade_vector(variant, answer)
        case m.ChoiceQuestion():
            return grade_choice(variant, answer)
        case m.TextQuestion():
            return grade_text(variant, answer)
        case m.CodeQuestion():
            from tutor.grading.code import grade_code

            return grade_code(q, answer, variant.seed)
        case m.FreeQuestion():
            return grade_free(variant, answer)
    raise TypeError(f"no grader for {type(q).__name__}")  # pragma: no cover


def _read(text: str, variables: Any = (), functions: Any = ()) -> Node | Result:
    try:
        return parse(text, variables=variables, functions=functions)
    except ReadError as exc:
        return invalid(exc.message, exc.position, exc.hint)


# ---------------------------------------------------------------- numeric


def _rel(tol: m.Tolerance | None) -> float:
    if tol is None:
        return DEFAULT_REL
    return tol.rel or (10.0 ** (-(tol.sigfigs or 2)) if tol.sigfigs else DEFAULT_REL)


# A numeric or vector answer that calls a forbidden builtin is not computed, so neither the
# grade nor the preview reveals its value: it is refused like an unreadable one, at no cost.
FORBIDDEN_HINT = "work the value out from the question's numbers"


def grade_numeric(variant: Variant, answer: str) -> Result:
    q: m.NumericQuestion = variant.question
    tree = _read(answer)
    if isinstance(tree, Result):
        return tree
    if isinstance(tree, Vector):
        return invalid("A single number is expected here, not a list.", tree.pos)
    if (banned := forbidden(q, tree)) is not None:
        return invalid(not_allowed(banned[0]), banned[1], FORBIDDEN_HINT)
    read_as = render(tree)
    try:
        value = float(evaluate(tree, {}))
    except (ValueError, TypeError) as exc:
        return invalid(f"Could not compute a number from it: {exc}")
    if not math.isfinite(value):
        return invalid(_not_finite(value))
    reference = float(variant.answer)
    check = close(value, reference, q.tolerance, answer)
    if check.ok:
        return Result("correct", 1.0, read_as=read_as, rule=check.rule)
    if check.problem:
        return Result("incorrect", 0.0, ("sigfigs",), (check.problem,), read_as, check.rule)
    for mistake in q.mistakes:
        wrong = _author_value(variant, mistake.answer)
        if wrong is not None and close(value, float(wrong), q.tolerance).ok:
            return _mistake_result(variant, mistake, read_as, check.rule)
    found = diagnose(
        value,
        reference,
        _rel(q.tolerance),
        parse_author(q.answer, variant.scope.values, variant.scope.functions.keys()),
        lambda swap: evaluate(
            parse_author(q.answer, variant.scope.values, variant.scope.functions.keys()),
            variant.values,
            {**variant.scope.functions, **swap},
        ),
    )
    if found is not None:
        return Result("incorrect", 0.0, (found.note,), (found.feedback,), read_as, check.rule)
    if reference != 0 and abs(value - reference) <= 0.05 * abs(reference):
        near = f"Close, but not {check.rule}: round later, or keep more digits."
        return Result("incorrect", 0.0, ("close",), (near,), read_as, check.rule)
    return Result("incorrect", 0.0, (), ("That is not the right value.",), read_as, check.rule)


def _not_finite(value: float) -> str:
    if math.isnan(value):
        return "It has no value: somewhere it takes the log or square root of a negative number, or 0/0."
    return (
        "It is too large to compute (it overflows to infinity, as exp(1000) or 1/0 do); "
        "rewrite it so the huge parts cancel first, e.g. log(exp(a)) = a."
    )


def _author_value(variant: Variant, text: str) -> Any:
    try:
        tree = parse_author(text, variant.scope.values, variant.scope.functions.keys())
        return evaluate(tree, variant.values, variant.scope.functions)
    except ValueError:
        return None


def _mistake_result(variant: Variant, mistake: Any, read_as: str | None, rule: str | None = None) -> Result:
    """The result for an anticipated mistake: its feedback with this variant's numbers filled in."""
    verdict = "partial" if mistake.score > 0 else "incorrect"
    feedback = variant.render(mistake.feedback)
    return Result(verdict, mistake.score, (mistake.note,), (feedback,), read_as, rule)


# ---------------------------------------------------------------- symbolic


def _domains(q: Any) -> dict[str, Any]:
    return {name: var.domain for name, var in (q.variables or {}).items()}


def _learner_names(q: Any) -> tuple[list[str], list[str]]:
    return list(q.variables or {}), list((q.functions and _function_names(q)) or [])


def _function_names(q: Any) -> list[str]:
    return list(_declared(q))


def _declared(q: Any) -> Mapping[str, FunctionDef]:
    from tutor.content.expressions import question_scope

    return question_scope(q).functions


def forbidden(q: Any, tree: Node) -> tuple[str, int] | None:
    """The first name of the question's `forbid` the answer uses, and where: None when none is."""
    banned = set(getattr(q, "forbid", ()))
    if not banned:
        return None
    for node in walk(tree):
        name = node.func if isinstance(node, Call) else node.name if isinstance(node, Name) else None
        if name in banned:
            return name, node.pos
    return None


def not_allowed(name: str) -> str:
    return f"Your answer uses `{name}`, which this question does not allow."


def _form_problem(q: Any, tree: Node) -> str | None:
    if (banned := forbidden(q, tree)) is not None:
        return not_allowed(banned[0])
    used = called_functions(tree) | free_names(tree)
    missing = sorted(set(q.require) - used)
    if missing:
        return f"Your answer should use `{missing[0]}`."
    return None


class _Symbolic:
    """Shared context for expression, chain and step grading of one variant."""

    def __init__(self, variant: Variant) -> None:
        self.variant = variant
        self.q = variant.question
        self.functions = dict(variant.scope.functions)
        self.variables, self.fnames = _learner_names(self.q)
        self.domains = _domains(self.q)
        self._env: dict[str, Any] | None = None

    def read(self, text: str) -> Node | Result:
        return _read(text, self.variables, self.fnames)

    def reference(self, text: str) -> Node:
        return parse_author(text, self.variant.scope.values, self.functions.keys())

    def env(self, trees: list[Node]) -> dict[str, Any]:
        # One set of points per grade, so every comparison in a chain sees the same points.
        if self._env is None:
            self._env = sample_points(
                self.domains, trees, self.functions, self.variant.values, self.variant.seed
            )
        return self._env

    def same(self, answer: Node, reference: Node) -> tuple[bool | None, Any]:
        env = self.env([reference, answer])
        result = compare(answer, reference, self.domains, self.functions, self.variant.values, env=env)
        return result.equal, result


def _explain(ctx: _Symbolic, tree: Node, ref: Node, mistakes: list[Any], comparison: Any) -> Result:
    read_as = render(tree)
    for mistake in mistakes:
        wrong = ctx.reference(mistake.answer)
        if ctx.same(tree, wrong)[0]:
            return _mistake_result(ctx.variant, mistake, read_as)
    if comparison is not None and comparison.answer_values is not None:
        from tutor.grading.equivalence import values_at

        found = diagnose(
            comparison.answer_values,
            comparison.reference_values,
            1e-6,
            ref,
            lambda swap: values_at(ref, comparison.env, {**ctx.functions, **swap})[comparison.mask],
        )
        if found is not None:
            return Result("incorrect", 0.0, (found.note,), (found.feedback,), read_as)
    return Result("incorrect", 0.0, (), ("That expression is not equal to the answer.",), read_as)


def grade_expression(variant: Variant, answer: str) -> Result:
    ctx = _Symbolic(variant)
    q: m.ExpressionQuestion = variant.question
    tree = ctx.read(answer)
    if isinstance(tree, Result):
        return tree
    ref = ctx.reference(q.answer)
    equal, comparison = ctx.same(tree, ref)
    read_as = render(tree)
    if equal is None:
        return Result(
            "undecided",
            0.0,
            ("undecided",),
            (comparison.why,),
            read_as,
        )
    if not equal:
        return _explain(ctx, tree, ref, q.mistakes, comparison)
    form = _form_result(ctx, tree, read_as)
    if form is not None:
        return form
    return Result("correct", 1.0, read_as=read_as, rule="equal at every test point")


def _form_result(ctx: _Symbolic, tree: Node, read_as: str) -> Result | None:
    """For an equivalent answer: a Result when its form is wrong or undecidable, else None."""
    q = ctx.q
    problem = _form_problem(q, tree)
    if problem is None and q.form is not None:
        from tutor.grading.forms import DEFAULT_TIME_LIMIT, check_form

        ok = check_form(tree, q.form, ctx.functions, ctx.domains, sympy_limit(DEFAULT_TIME_LIMIT))
        if ok is None:
            return Result(
                "undecided",
                0.0,
                ("undecided",),
                (
                    f"Your answer is equivalent, but I could not decide in time whether it is {q.form}; "
                    "try a simpler form.",
                ),
                read_as,
            )
        if not ok:
            problem = f"the question asks for the {q.form} form."
    if problem is None:
        return None
    verdict = "partial" if q.form_score > 0 else "incorrect"
    return Result(
        verdict, q.form_score, ("form",), (f"Equivalent, but {problem[0].lower()}{problem[1:]}",), read_as
    )


# ---------------------------------------------------------------- derivations

_EQUALS = re.compile(r"(?<![<>=!≤≥])=(?!=)")

# Expressions in one chain: a derivation is a handful of lines, and each link is compared.
MAX_CHAIN_LINKS = 60


def chain_links(text: str) -> list[tuple[int, int, str]]:
    """(line number, offset in text, expression) for each side of each `=` on each line."""
    out: list[tuple[int, int, str]] = []
    offset = 0
    for lineno, line in enumerate(text.split("\n"), start=1):
        start = 0
        for match in [*_EQUALS.finditer(line), None]:
            end = match.start() if match else len(line)
            piece = line[start:end]
            if piece.strip():
                out.append((lineno, offset + start, piece))
            if match:
                start = match.end()
        offset += len(line) + 1
    return out


def too_many_links(links: list[Any]) -> str | None:
    """The learner's message when a chain has more expressions than we compare, else None."""
    if len(links) <= MAX_CHAIN_LINKS:
        return None
    return (
        f"Your chain has too many expressions ({len(links)}; at most {MAX_CHAIN_LINKS}): "
        "keep the steps that matter."
    )


def grade_chain(variant: Variant, answer: str) -> Result:
    ctx = _Symbolic(variant)
    q: m.DerivationQuestion = variant.question
    assert q.start is not None and q.answer is not None
    links = chain_links(answer)
    too_many = too_many_links(links)
    if too_many is not None:
        return invalid(too_many)
    trees: list[Node] = []
    for _lineno, offset, piece in links:
        check_time()
        tree = ctx.read(piece)
        if isinstance(tree, Result):
            pos = None if tree.position is None else offset + tree.position
            return Result("invalid", 0.0, feedback=tree.feedback, position=pos)
        trees.append(tree)
    read_as = " = ".join(render(t) for t in trees)
    if len(trees) < 2:
        return invalid("Write the derivation as a chain: start = … = result, one or more per line.")
    start, target = ctx.reference(q.start), ctx.reference(q.answer)
    ctx.env([start, target, *trees])

    def label(i: int) -> str:
        lineno = links[i][0]
        same_line = sum(1 for j in range(len(links)) if links[j][0] == lineno) > 1
        return f"line {lineno}" if not same_line else f"expression {i + 1} (line {lineno})"

    first, comparison = ctx.same(trees[0], start)
    if first is None:  # no clean evidence: not a verdict
        return Result("undecided", 0.0, ("undecided",), (comparison.why,), read_as)
    if not first:
        return Result(
            "incorrect",
            0.0,
            ("wrong-start",),
            ("The first expression is not the one the question starts from.",),
            read_as,
        )
    for i in range(1, len(trees)):
        check_time()
        equal, _ = ctx.same(trees[i], trees[i - 1])
        if equal is None:
            return Result(
                "undecided",
                0.0,
                ("undecided",),
                (f"Could not check {label(i)}: it is undefined at most test points.",),
                read_as,
            )
        if not equal:
            return Result(
                "incorrect",
                0.0,
                ("broken-link",),
                (f"{label(i).capitalize()} does not follow from {label(i - 1)}.",),
                read_as,
                details={"broken": i},
            )
    equal, comparison = ctx.same(trees[-1], target)
    if equal is None:
        return Result("undecided", 0.0, ("undecided",), (comparison.why,), read_as)
    if not equal:
        return Result(
            "incorrect",
            0.0,
            ("wrong-result",),
            ("Every step holds, but the last line is not the result asked for.",),
            read_as,
        )
    # Start and result are equal by design, so a chain whose links all hold always ends equal
    # to the result; "finished" is about shape: the last line must look more like the result
    # than like where it started.
    if _shape_distance(trees[-1], target) > _shape_distance(trees[-1], start):
        return Result(
            "incorrect",
            0.0,
            ("wrong-result",),
            (
                "Every step holds, but the chain stops before the result: "
                "its last line is still closer to the starting expression than to the result asked for.",
            ),
            read_as,
        )
    form = _form_result(ctx, trees[-1], read_as)
    if form is not None:
        return form
    return Result(
        "correct",
        1.0,
        read_as=read_as,
        rule=f"{len(trees) - 1} equalit{'y' if len(trees) == 2 else 'ies'} checked",
    )


def _shape(tree: Node) -> Counter[str]:
    """What an expression is made of: operators, functions, names and numbers, counted."""
    out: Counter[str] = Counter()
    for node in walk(tree):
        if isinstance(node, BinOp):
            out[f"op {node.op}"] += 1
        elif isinstance(node, Call):
            out[f"call {node.func}"] += 1
        elif isinstance(node, Name):
            out[f"name {node.name}"] += 1
        elif isinstance(node, Num):
            out["number"] += 1
        else:
            out[type(node).__name__] += 1
    return out


def _shape_distance(a: Node, b: Node) -> int:
    sa, sb = _shape(a), _shape(b)
    return sum(((sa - sb) + (sb - sa)).values())


@entry_point
def grade_steps(variant: Variant, answers: list[str]) -> Result:
    """Each step as an expression; a wrong step's consequences are followed through: a later
    step that is right given the learner's own earlier answers gets credit (error carried
    forward), when the author wrote that step's `follows` in terms of step1, step2, …"""
    ctx = _Symbolic(variant)
    q: m.DerivationQuestion = variant.question
    steps = q.steps
    if len(answers) < len(steps):
        answers = answers + [""] * (len(steps) - len(answers))
    parts: list[Result] = []
    learner_trees: dict[str, Node] = {}
    for i, (step, text) in enumerate(zip(steps, answers, strict=False), start=1):
        check_time()
        if not text.strip():
            parts.append(invalid(f"Step {i} is empty."))
            continue
        tree = ctx.read(text)
        if isinstance(tree, Result):
            parts.append(
                Result(
                    "invalid",
                    0.0,
                    feedback=(f"Step {i}: {tree.feedback[0]}", *tree.feedback[1:]),
                    position=tree.position,
                )
            )
            continue
        learner_trees[f"step{i}"] = tree
        ref = ctx.reference(step.answer)
        equal, comparison = ctx.same(tree, ref)
        read_as = render(tree)
        if equal is None:  # no clean evidence for this step: the whole answer is not graded
            return Result("undecided", 0.0, ("undecided",), (f"Step {i}: {comparison.why}",), read_as)
        if equal:
            parts.append(Result("correct", 1.0, read_as=read_as))
            continue
        carried = _carried_forward(ctx, step, i, learner_trees, tree)
        if carried:
            parts.append(
                Result(
                    "partial",
                    0.5,
                    ("carried-forward",),
                    (f"Step {i} follows correctly from your earlier steps, which contain the error.",),
                    read_as,
                )
            )
            continue
        wrong = _explain(ctx, tree, ref, step.mistakes, comparison)
        parts.append(
            Result(
                wrong.verdict,
                wrong.score,
                wrong.notes,
                tuple(f"Step {i}: {f}" for f in wrong.feedback),
                read_as,
            )
        )
    if any(p.verdict == "invalid" for p in parts):
        first = next(p for p in parts if p.verdict == "invalid")
        return Result("invalid", 0.0, feedback=first.feedback, parts=tuple(parts))
    score = sum(p.score for p in parts) / len(parts)
    verdict = "correct" if score == 1 else ("incorrect" if score == 0 else "partial")
    notes = tuple(dict.fromkeys(n for p in parts for n in p.notes))
    feedback = tuple(f for p in parts for f in p.feedback)
    return Result(
        verdict, score, notes, feedback, " ; ".join(p.read_as or "?" for p in parts), parts=tuple(parts)
    )


def _carried_forward(ctx: _Symbolic, step: m.Step, i: int, learner: dict[str, Node], tree: Node) -> bool:
    if step.follows is None or i == 1:
        return False
    # Evaluate `follows` with each stepK bound to the learner's own step K.
    names = [*ctx.variant.scope.values, *[f"step{k}" for k in range(1, i)]]
    try:
        follows = parse_author(step.follows, names, ctx.functions.keys())
    except ReadError:
        return False
    # An earlier step that could not be read has no value to carry forward.
    if any(name.startswith("step") and name not in learner for name in free_names(follows)):
        return False
    env = ctx.env([tree])
    from tutor.grading.equivalence import compare as compare_at

    try:
        bound = {k: evaluate(t, env, ctx.functions) for k, t in learner.items() if k != f"step{i}"}
        result = compare_at(
            tree, follows, ctx.domains, ctx.functions, ctx.variant.values, env={**env, **bound}
        )
    except ValueError:  # a step of another shape (a vector among numbers) carries nothing
        return False
    return bool(result.equal)


# ---------------------------------------------------------------- vectors, choices, text, free


def as_list(answer: str) -> tuple[str, int]:
    """`0.3, -1, 1` typed without brackets is the list [0.3, -1, 1]: the text to read, and the
    shift of positions in it against what was typed."""
    text = answer.strip()
    if _top_level_comma(text) and not text.startswith("[") and not re.search(r"\d,\d", text):
        lead = len(answer) - len(answer.lstrip())
        return f"[{text}]", 1 - lead
    return answer, 0


def _top_level_comma(text: str) -> bool:
    depth = 0
    for ch in text:
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif ch == "," and depth == 0:
            return True
    return False


def grade_vector(variant: Variant, answer: str) -> Result:
    import numpy as np

    q: m.VectorQuestion = variant.question
    text, shift = as_list(answer)
    tree = _read(text)
    if isinstance(tree, Result):
        if tree.position is not None:
            return replace(tree, position=max(0, tree.position - shift))
        return tree
    if (banned := forbidden(q, tree)) is not None:
        return invalid(not_allowed(banned[0]), max(0, banned[1] - shift), FORBIDDEN_HINT)
    read_as = render(tree)
    try:
        value = np.asarray(evaluate(tree, {}), dtype=float)
    except (ValueError, TypeError) as exc:
        return invalid(f"Could not compute the entries: {exc}")
    if value.ndim != 1:
        return invalid("A vector is expected: write it as [a, b, c].", tree.pos)
    if not np.all(np.isfinite(value)):
        bad = int(np.flatnonzero(~np.isfinite(value))[0])
        return invalid(f"Entry {bad + 1}: {_not_finite(float(value[bad]))}")
    reference = np.asarray(variant.answer, dtype=float)
    comma = re.search(r"\d,\d", answer)
    if value.shape != reference.shape and comma:
        # [0,5, 0,3] reads as four numbers; with two expected, the commas were decimal ones
        return invalid(
            f"`{answer[comma.start() : comma.end()]}`: use a decimal point; "
            f"separate entries with a comma and a space, e.g. [0.5, 0.3].",
            comma.start() + 1,  # the comma itself
        )
    if value.shape != reference.shape:
        return Result(
            "incorrect",
            0.0,
            ("wrong-length",),
            (f"Your vector has {value.size} entries; the answer has {reference.size}.",),
            read_as,
        )
    ok, rule = close_array(value, reference, q.tolerance)
    if ok:
        return Result("correct", 1.0, read_as=read_as, rule=rule)
    for mistake in q.mistakes:
        wrong = _author_value(variant, mistake.answer)
        if wrong is not None and np.shape(wrong) == value.shape and close_array(value, wrong, q.tolerance)[0]:
            return _mistake_result(variant, mistake, read_as, rule)
    feedback: list[str] = []
    notes: list[str] = []
    if q.sums_to is not None and not np.isclose(value.sum(), q.sums_to, rtol=1e-2, atol=1e-2):
        notes.append("sum")
        feedback.append(f"Your entries sum to {value.sum():.4g}; they should sum to {q.sums_to:g}.")
    if q.nonnegative and (value < 0).any():
        notes.append("negative-entry")
        feedback.append("Some entries are negative; every entry here is at least 0.")
    wrong_at = [
        i + 1
        for i, (a, b) in enumerate(zip(value, reference, strict=True))
        if not close_array([a], [b], q.tolerance)[0]
    ]
    if not feedback:
        found = diagnose(value, reference, _rel(q.tolerance))
        if found is not None:
            notes.append(found.note)
            feedback.append(found.feedback)
    feedback.append(
        f"Entries {', '.join(map(str, wrong_at))} are off."
        if len(wrong_at) > 1
        else f"Entry {wrong_at[0]} is off."
    )
    return Result("incorrect", 0.0, tuple(notes), tuple(feedback), read_as, rule)


def option_order(variant: Variant) -> list[int]:
    """Authored option indices in the order this variant shows them."""
    return list(variant.order) if variant.order is not None else list(range(len(variant.question.options)))


LETTERS = "abcdefghijklmnopqrstuvwxyz"  # option labels, as shown


def parse_selection(text: str, count: int, labels: list[str] | None = None) -> set[int] | Result:
    """Letters (a, c), numbers (1, 3) or an option's text, in authored order."""
    cleaned = text.strip()
    if labels is not None:
        norm = _normalise(cleaned, False)
        for i, label in enumerate(labels):
            if _normalise(label, False) == norm:
                return {i}
    picked: set[int] = set()
    for token in re.split(r"[,\s;]+", cleaned.lower()):
        if not token:
            continue
        if len(token) == 1 and token in LETTERS[:count]:
            picked.add(LETTERS.index(token))
        # ASCII digits only ("²" is a digit to str.isdigit), and few: int() of 5,000 digits raises
        elif re.fullmatch(r"[0-9]{1,4}", token) and 1 <= int(token) <= count:
            picked.add(int(token) - 1)
        else:
            return invalid(f"{quote(token)} is not one of the options (a–{LETTERS[count - 1]}).")
    if not picked:
        return invalid("No option was chosen.")
    return picked


@entry_point
def grade_choice(variant: Variant, answer: str | set[int]) -> Result:
    q: m.ChoiceQuestion = variant.question
    labels = [variant.render(o.text) for o in q.options]
    picked = parse_selection(answer, len(q.options), labels) if isinstance(answer, str) else set(answer)
    if isinstance(picked, Result):
        return picked
    if not picked <= set(range(len(q.options))):
        return invalid("That is not one of the options.")
    if not q.multiple and len(picked) > 1:
        return invalid("Choose one option only.")
    correct = {i for i, o in enumerate(q.options) if o.correct}
    feedback = tuple(variant.render(q.options[i].feedback) for i in sorted(picked) if q.options[i].feedback)
    read_as = ", ".join(labels[i] for i in sorted(picked))
    if picked == correct:
        return Result("correct", 1.0, feedback=feedback, read_as=read_as)
    if not q.multiple or q.scoring == "all-or-nothing":
        return Result("incorrect", 0.0, ("wrong-option",), feedback, read_as)
    right = len(picked & correct)
    wrong = len(picked - correct)
    score = max(0.0, (right - wrong) / len(correct))
    missed = len(correct - picked)
    extra = (f"You missed {missed} correct option{'s' if missed > 1 else ''}.",) if missed else ()
    verdict = "partial" if score > 0 else "incorrect"
    return Result(verdict, score, ("incomplete-selection",), feedback + extra, read_as)


def _normalise(text: str, case_sensitive: bool) -> str:
    text = unicodedata.normalize("NFKC", text).strip().strip(".!").strip()
    text = re.sub(r"[\s_\-\u2010\u2011\u2012\u2013]+", " ", text)
    text = re.sub(r"^(the|a|an) (?=\S)", "", text, flags=re.IGNORECASE)  # "the hinge loss"
    return text if case_sensitive else text.casefold()


def grade_text(variant: Variant, answer: str) -> Result:
    q: m.TextQuestion = variant.question
    norm = _normalise(answer, q.case_sensitive)

    def same(written: str) -> bool:
        # "log-cosh", "log cosh" and "logcosh" are one answer
        return norm.replace(" ", "") == _normalise(written, q.case_sensitive).replace(" ", "")

    if any(same(a) for a in q.accept):
        return Result("correct", 1.0, read_as=answer.strip())
    if q.regex is not None:
        flags = 0 if q.case_sensitive else re.IGNORECASE
        if re.fullmatch(q.regex, answer.strip(), flags) or re.fullmatch(q.regex, norm, flags):
            return Result("correct", 1.0, read_as=answer.strip())
    for mistake in q.mistakes:
        if same(mistake.answer):
            return _mistake_result(variant, mistake, answer.strip())
    if any(_near_spelling(norm, _normalise(a, q.case_sensitive)) for a in q.accept):
        return Result("incorrect", 0.0, ("spelling",), ("Nearly: check the spelling.",), answer.strip())
    return Result("incorrect", 0.0, (), ("That is not the answer.",), answer.strip())


def _near_spelling(a: str, b: str) -> bool:
    """A single slip (a letter missing, extra, wrong or two swapped: "sigmiod", "huber los") in
    a word of five letters or more; "ascent" for "descent" is two slips, a different word."""
    a, b = a.replace(" ", ""), b.replace(" ", "")
    if min(len(a), len(b)) < 5 or abs(len(a) - len(b)) > 1 or a == b:
        return False
    # optimal string alignment distance, stopping at 2
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            row[j] = min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], prev2[j - 2] + 1)
        prev2, prev = prev, row
    return prev[-1] <= 1


@entry_point
def grade_free(variant: Variant, answer: str | set[int]) -> Result:
    """Free response is self-assessed: the learner ticks the rubric items their answer covered."""
    q: m.FreeQuestion = variant.question
    texts = [r.text for r in q.rubric]
    ticked = parse_selection(answer, len(texts)) if isinstance(answer, str) else set(answer)
    if isinstance(ticked, Result):
        return ticked
    if not ticked <= set(range(len(texts))):
        return invalid("That is not one of the rubric points.")
    total = sum(r.points for r in q.rubric)
    score = sum(q.rubric[i].points for i in ticked) / total
    verdict = "correct" if score == 1 else ("partial" if score > 0 else "incorrect")
    missed = tuple(f"Not covered: {texts[i]}" for i in range(len(texts)) if i not in ticked)
    return Result(verdict, score, ("self-assessed",), missed, details={"self_assessed": True})
