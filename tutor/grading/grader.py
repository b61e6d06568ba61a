"""`grade(variant, answer) -> Result`, and what the question kinds' graders share.

`grade` puts every answer under the length and time caps, then asks the question's kind
(`tutor.kinds`) to read it (unreadable → invalid, no attempt used) and grade it. The kinds'
graders follow one order of judgement: read the answer, compare with the reference, then explain
a wrong answer: the author's anticipated mistakes first, then automatic diagnosis. What they
share lives here: reading, forbidden names, anticipated mistakes, the symbolic comparison.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from tutor.content import model as m
from tutor.content.expressions import parse_author
from tutor.content.variants import Variant
from tutor.expr import FunctionDef, Node, ReadError, evaluate, parse, render
from tutor.expr.lexer import quote
from tutor.expr.nodes import Call, Name, called_functions, free_names, walk
from tutor.grading import limits
from tutor.grading.diagnose import diagnose
from tutor.grading.equivalence import compare, sample_points, switches_of
from tutor.grading.letters import LETTERS, letter_range
from tutor.grading.limits import (
    OutOfTime,
    answer_length,
    check_time,
    sympy_limit,
    time_cap,
    too_long_message,
)
from tutor.grading.result import Result, Verdict, invalid
from tutor.grading.tolerance import DEFAULT_REL

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
def grade(variant: Variant, answer: str | list[str] | set[int]) -> Result:
    """Grade one answer to one variant. Never raises for anything the learner types.

    The question's kind reads the answer first (an unreadable one is `invalid` and costs no
    try), then grades it."""
    if isinstance(answer, str) and not answer.strip():
        return invalid("The answer is empty.")
    kind = m.kinds()[variant.question.type]
    if isinstance(answer, str):
        if not kind.runs_code:  # a program is read as typed (its own reader says what is wrong)
            answer = plain_whitespace(answer)
        unreadable = kind.parse(variant, answer)
        if unreadable is not None:
            return unreadable
    result: Result = kind.grade(variant, answer)
    return result


# Line breaks other than \n: what str.splitlines() splits on.
_LINE_BREAKS = re.compile(r"[\r\v\f\x1c-\x1e\x85\u2028\u2029]")
_SPACES = re.compile(r"[^\S\n]")  # every other Unicode space: no-break, thin, ideographic, tab…


def plain_whitespace(text: str) -> str:
    """`text` with every Unicode space as an ASCII space and every line break as `\\n` (`\\r\\n`
    as a space and `\\n`: positions in it stay those of `text`), so that each kind's reader meets
    only the whitespace it splits on (a no-break space pasted from a document crashed the
    matching reader: issue 23)."""
    return _SPACES.sub(" ", _LINE_BREAKS.sub("\n", text.replace("\r\n", " \n")))


def read_answer(text: str, variables: Any = (), functions: Any = ()) -> Node | Result:
    """A learner's expression as read, or the `invalid` Result saying where it cannot be."""
    try:
        tree = _read_cached(text, frozenset(variables), frozenset(functions))
    except ReadError as exc:
        return invalid(exc.message, exc.position, exc.hint)
    confused = confusable_constant(tree, text, variables)
    if confused is not None:
        message, position, hint = confused
        return invalid(message, position, hint)
    return tree


def confusable_constant(tree: Node, text: str, variables: Any) -> tuple[str, int, str] | None:
    """`pi` typed where the question has a variable `p_i`: the reader takes the constant π, and
    the answer would be graded wrong for a slip of typing. (message, position, hint), or None;
    the Unicode π is never confused."""
    from tutor.expr.nodes import Const

    squeezed = {name.replace("_", ""): name for name in variables if "_" in name}
    if not squeezed:
        return None
    for node in walk(tree):
        if isinstance(node, Const) and node.name in squeezed:
            typed = text[node.pos : node.pos + len(node.name)]
            if typed.lower() == node.name:
                name = squeezed[node.name]
                return (
                    f"`{typed}` reads as the constant {'π' if node.name == 'pi' else node.name}, "
                    f"not the variable `{name}` (did you mean `{name}`?)",
                    node.pos,
                    f"write `{name}` for the variable"
                    + (", or π for the constant" if node.name == "pi" else ""),
                )
    return None


# Trees are immutable: the same text read with the same names is the same tree (`tutor check`
# grades each answer of its key on every seed). What cannot be read is not kept.
@functools.lru_cache(maxsize=1024)
def _read_cached(text: str, variables: frozenset[str], functions: frozenset[str]) -> Node:
    return parse(text, variables=variables, functions=functions, letters=True)


# ---------------------------------------------------------------- numbers


def relative_tolerance(tol: m.Tolerance | None) -> float:
    """The relative tolerance a numeric check uses, for the diagnosis of a wrong value."""
    if tol is None:
        return DEFAULT_REL
    return tol.rel or (10.0 ** (-(tol.sigfigs or 2)) if tol.sigfigs else DEFAULT_REL)


# A numeric or vector answer that calls a forbidden builtin is not computed, so neither the
# grade nor the preview reveals its value: it is refused like an unreadable one, at no cost.
FORBIDDEN_HINT = "work the value out from the question's numbers"


def not_finite_message(value: float) -> str:
    """Why a typed value that is NaN or infinite cannot be graded, and what to do."""
    if math.isnan(value):
        return "It has no value: somewhere it takes the log or square root of a negative number, or 0/0."
    if value < 0:
        return (
            "It is minus infinity: somewhere it takes the log of 0 (log(0) = −∞), or overflows "
            "below, as −exp(1000) does. Check what the log is taken of."
        )
    return (
        "It is too large to compute (it overflows to infinity, as exp(1000) or 1/0 do); "
        "rewrite it so the huge parts cancel first, e.g. log(exp(a)) = a."
    )


def author_value(variant: Variant, text: str) -> Any:
    """An author's expression (a mistake's answer) with the variant's numbers; None if it fails.
    Worked out once per variant (read-only, as it is shared), for every answer graded."""
    key = ("author_value", text)
    if key in variant.memo:
        return variant.memo[key]
    value: Any = None
    try:
        tree = parse_author(text, variant.scope.values, variant.scope.functions.keys())
        value = evaluate(tree, variant.values, variant.scope.functions)
    except ValueError:
        pass
    if hasattr(value, "setflags"):
        value.setflags(write=False)
    variant.memo[key] = value
    return value


def mistake_result(variant: Variant, mistake: Any, read_as: str | None, rule: str | None = None) -> Result:
    """The Result of an answer equal to an anticipated mistake: its note and credit, and its
    feedback with this variant's numbers filled in."""
    verdict: Verdict = "partial" if mistake.score > 0 else "incorrect"
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
        if name is not None and name in banned:
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


_POINTS = "points"  # the variant's memo key for Symbolic's points
MEMO_POINTS = 8  # sets of points a variant keeps (most answers have no branch switches)


class Symbolic:
    """Shared context for expression, chain and step grading of one variant."""

    def __init__(self, variant: Variant) -> None:
        self.variant = variant
        self.q: Any = variant.question  # a symbolic kind's model
        self.functions = dict(variant.scope.functions)
        self.variables, self.fnames = _learner_names(self.q)
        self.domains = _domains(self.q)
        self._env: dict[str, Any] | None = None
        self._values: dict[Any, Any] | None = None

    def read(self, text: str) -> Node | Result:
        return read_answer(text, self.variables, self.fnames)

    def reference(self, text: str) -> Node:
        return parse_author(text, self.variant.scope.values, self.functions.keys())

    def env(self, trees: list[Node]) -> dict[str, Any]:
        # One set of points per grade, so every comparison in a chain sees the same points.
        # They follow from the variant and the trees' branch switches only: the variant keeps
        # them for its next grade, with the values computed at them.
        if self._env is None:
            switches = switches_of(trees)
            try:
                self._env, self._values = self.variant.memo[_POINTS, switches]
            except KeyError:
                env = sample_points(
                    self.domains, trees, self.functions, self.variant.values, self.variant.seed, switches
                )
                self._env, self._values = env, {}
                if len(self.variant.memo) < MEMO_POINTS:
                    for value in env.values():
                        if hasattr(value, "setflags"):
                            value.setflags(write=False)  # shared from now on
                    self.variant.memo[_POINTS, switches] = (env, self._values)
            except TypeError:  # a switch that cannot be a key
                self._env = sample_points(
                    self.domains, trees, self.functions, self.variant.values, self.variant.seed, switches
                )
        return self._env

    def same(self, answer: Node, reference: Node) -> tuple[bool | None, Any]:
        env = self.env([reference, answer])
        result = compare(
            answer, reference, self.domains, self.functions, self.variant.values, env=env, memo=self._values
        )
        return result.equal, result


def explain(ctx: Symbolic, tree: Node, ref: Node, mistakes: list[Any], comparison: Any) -> Result:
    """Why an expression that is not equal is wrong: an anticipated mistake, else a diagnosis."""
    read_as = render(tree)
    for mistake in mistakes:
        check_time()  # each is a comparison, with its own slow path
        wrong = ctx.reference(mistake.answer)
        if ctx.same(tree, wrong)[0]:
            return mistake_result(ctx.variant, mistake, read_as)
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


def form_result(ctx: Symbolic, tree: Node, read_as: str) -> Result | None:
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
    verdict: Verdict = "partial" if q.form_score > 0 else "incorrect"
    return Result(
        verdict, q.form_score, ("form",), (f"Equivalent, but {problem[0].lower()}{problem[1:]}",), read_as
    )


# ---------------------------------------------------------------- options and words


def parse_selection(text: str, count: int, labels: list[str] | None = None) -> set[int] | Result:
    """Letters (a, c), numbers (1, 3) or an option's text, in authored order."""
    cleaned = text.strip()
    if labels is not None:
        norm = normalise(cleaned, False)
        for i, label in enumerate(labels):
            if normalise(label, False) == norm:
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
            return invalid(f"{quote(token)} is not one of the options ({letter_range(count)}).")
    if not picked:
        return invalid("No option was chosen.")
    return picked


def normalise(text: str, case_sensitive: bool) -> str:
    """Text as compared: Unicode-normalised, trimmed, hyphens and runs of spaces as one space,
    a leading article dropped, and case folded unless `case_sensitive`."""
    text = unicodedata.normalize("NFKC", text).strip().strip(".!").strip()
    text = re.sub(r"[\s_\-\u2010\u2011\u2012\u2013]+", " ", text)
    text = re.sub(r"^(the|a|an) (?=\S)", "", text, flags=re.IGNORECASE)  # "the hinge loss"
    return text if case_sensitive else text.casefold()
