"""`derivation`: graded steps (with error carried forward), or a free chain of equalities."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Literal, cast

from pydantic import Field, model_validator

from tutor.content.expressions import parse_author
from tutor.content.model import Expr, HintItem, Markdown, Mistake, QuestionBase, Strict, SymbolicMixin
from tutor.expr import Node, ReadError, evaluate, render
from tutor.expr.nodes import BinOp, Call, Name, Num, free_names, walk
from tutor.grading.grader import (
    Symbolic,
    explain,
    form_result,
)
from tutor.grading.limits import check_time, too_long_message
from tutor.grading.result import Result, Verdict, invalid
from tutor.kinds import register
from tutor.kinds.base import AuthorExpr, Kind, PlainInput
from tutor.kinds.expression import check_symbolic

if TYPE_CHECKING:
    from tutor.content.variants import Variant
    from tutor.grading.preview import Preview
    from tutor.grading.result import Result


class Step(Strict):
    prompt: Markdown
    answer: Expr
    follows: Expr | None = Field(
        None,
        description="This step's answer in terms of earlier steps (step1, step2, …), so that a "
        "step that is right given the learner's own wrong earlier step earns partial credit.",
    )
    hints: list[HintItem] = Field(default_factory=list)
    mistakes: list[Mistake] = Field(default_factory=list)


class DerivationQuestion(QuestionBase, SymbolicMixin):
    """Either graded `steps`, or a free `chain` of equalities from `start` to `answer`."""

    type: Literal["derivation"]
    mode: Literal["steps", "chain"]
    steps: list[Step] = Field(default_factory=list)
    start: Expr | None = Field(None, description="Chain mode: the expression the first line must equal.")
    answer: Expr | None = Field(None, description="Chain mode: the expression the last line must equal.")

    @model_validator(mode="after")
    def _mode_fields(self) -> DerivationQuestion:
        if self.mode == "steps":
            if not self.steps:
                raise ValueError("mode: steps needs a non-empty `steps` list")
            if self.start is not None or self.answer is not None:
                raise ValueError("mode: steps takes `steps`, not `start`/`answer`")
        else:
            if self.start is None or self.answer is None:
                raise ValueError("mode: chain needs both `start` and `answer`")
            if self.steps:
                raise ValueError("mode: chain takes `start` and `answer`, not `steps`")
        return self


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
    ctx = Symbolic(variant)
    q = cast(DerivationQuestion, variant.question)
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
    form = form_result(ctx, trees[-1], read_as)
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


def grade_steps(variant: Variant, answers: list[str]) -> Result:
    """Each step as an expression; a wrong step's consequences are followed through: a later
    step that is right given the learner's own earlier answers gets credit (error carried
    forward), when the author wrote that step's `follows` in terms of step1, step2, …"""
    ctx = Symbolic(variant)
    q = cast(DerivationQuestion, variant.question)
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
        wrong = explain(ctx, tree, ref, step.mistakes, comparison)
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
    verdict: Verdict = "correct" if score == 1 else ("incorrect" if score == 0 else "partial")
    notes = tuple(dict.fromkeys(n for p in parts for n in p.notes))
    feedback = tuple(f for p in parts for f in p.feedback)
    return Result(
        verdict, score, notes, feedback, " ; ".join(p.read_as or "?" for p in parts), parts=tuple(parts)
    )


def _carried_forward(ctx: Symbolic, step: Step, i: int, learner: dict[str, Node], tree: Node) -> bool:
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


def preview_chain(variant: Variant, text: str) -> Preview:
    """A chain as read: each side of each `=`, or the first line that cannot be read."""
    from tutor.expr import parse
    from tutor.grading.preview import Preview

    q = cast(DerivationQuestion, variant.question)
    links = chain_links(text)
    too_many = too_many_links(links)
    if too_many is not None:
        return Preview("error", too_many)
    pieces = []
    for lineno, offset, piece in links:
        try:
            tree = parse(
                piece, variables=list(q.variables), functions=list(variant.scope.functions), letters=True
            )
        except ReadError as exc:
            return Preview("error", f"line {lineno}: {exc.message}", exc.hint, offset + exc.position)
        pieces.append(render(tree))
    if not pieces:
        return Preview("empty")
    return Preview("ok", "\n= ".join(pieces))


CHAIN_HOW_TO = "Write the chain start = … = result, one or more `=` per line; ctrl+s checks every link."


def _follows_contradicting(q: DerivationQuestion, variant: Variant) -> tuple[Any, str] | None:
    """A step whose `follows`, with the earlier steps' answers put in, is not its answer where
    both are defined: carrying an earlier slip forward would then grade the wrong thing."""
    import numpy as np

    from tutor.content.expressions import parse_author
    from tutor.content.variants import sample_domain
    from tutor.expr import ReadError, evaluate

    rng = np.random.default_rng(variant.seed)
    env: dict[str, Any] = dict(variant.values)
    for name, var in q.variables.items():
        env[name] = sample_domain(var.domain, rng, 64)
    scope = variant.scope
    names = [*scope.values, *(f"step{k}" for k in range(1, len(q.steps) + 1))]

    def at(tree: Any) -> Any:
        return np.broadcast_to(np.asarray(evaluate(tree, env, scope.functions), dtype=float), (64,))

    try:
        with np.errstate(all="ignore"):
            for i, step in enumerate(q.steps):
                answer = at(parse_author(step.answer, names, scope.functions.keys()))
                if step.follows is not None:
                    carried = at(parse_author(step.follows, names, scope.functions.keys()))
                    both = np.isfinite(answer) & np.isfinite(carried)
                    off = both & ~np.isclose(carried, answer, rtol=1e-6, atol=1e-9)
                    if off.any():
                        k = int(np.argmax(off))
                        point = ", ".join(
                            f"{n} = {float(np.broadcast_to(env[n], (64,))[k]):.3g}" for n in q.variables
                        )
                        return ("steps", i, "follows"), (
                            f"`follows` is not equal to this step's answer: at {point} it gives "
                            f"{float(carried[k]):.4g}, the answer {float(answer[k]):.4g} (with the "
                            "earlier steps' answers put in, they must agree)"
                        )
                env[f"step{i + 1}"] = answer
    except (ReadError, ValueError, TypeError, ArithmeticError):
        return None  # reported by the static and seed checks
    return None


class Derivation(Kind[DerivationQuestion]):
    name = "derivation"
    order = 30
    model = DerivationQuestion
    label = "derivation"
    how_to = "Enter each step; the line under it shows how it is read. Enter on the last checks."
    plain_how_to = "Answer each step on its own line."
    plain_input = "steps"
    reads_math = True
    symbolic = True
    undecided_advice = "Try simpler forms of the steps, or go on with ctrl+n."

    def has_answer_value(self, question: DerivationQuestion) -> bool:
        return question.mode == "chain"

    def grade(self, variant: Variant, answer: Any) -> Result:
        q = self.of(variant.question)
        if isinstance(answer, list):
            return grade_steps(variant, answer)
        if q.mode == "chain":
            return grade_chain(variant, answer)
        return grade_steps(variant, [line for line in answer.splitlines() if line.strip()])

    def preview(self, variant: Variant, text: str) -> Preview | None:
        from tutor.grading.preview import Preview, math_preview

        if self.of(variant.question).mode == "steps":
            return math_preview(variant, text, symbolic=True)  # one step's line
        if not text.strip():
            return Preview("empty")
        too_long = too_long_message(len(text))
        if too_long is not None:
            return Preview("error", too_long)
        return preview_chain(variant, text)

    def how_to_answer(self, variant: Variant) -> str:
        return CHAIN_HOW_TO if self.of(variant.question).mode == "chain" else self.how_to

    def plain_lines(self, variant: Variant) -> list[str]:
        q = self.of(variant.question)
        if q.mode == "steps":
            return [self.plain_how_to or ""]
        start = variant.pretty(q.start)
        return [f'Write the chain from {start}, e.g. a = b = c, then a line with only ".".']

    def input_of(self, variant: Variant) -> PlainInput:
        return "steps" if self.of(variant.question).mode == "steps" else "lines"

    def author_exprs(self, question: DerivationQuestion) -> Iterator[AuthorExpr]:
        if question.start is not None:
            yield AuthorExpr(("start",), question.start, "start")
        if question.answer is not None:
            yield AuthorExpr(("answer",), question.answer, "answer")
        for i, step in enumerate(question.steps):
            yield AuthorExpr(("steps", i, "answer"), step.answer, f"step {i + 1}")
            for j, mk in enumerate(step.mistakes):
                yield AuthorExpr(
                    ("steps", i, "mistakes", j, "answer"), mk.answer, f"step {i + 1} mistake {j + 1}"
                )

    def check_static(self, question: DerivationQuestion, report: Any) -> None:
        # `follows` may name the earlier steps, step1, step2, …
        for i, step in enumerate(question.steps):
            if step.follows is not None:
                earlier = [f"step{k}" for k in range(1, i + 1)]
                report.expr(("steps", i, "follows"), step.follows, earlier, f"step {i + 1} follows")

    def check_seed(self, question: DerivationQuestion, variant: Variant) -> tuple[Any, str] | None:
        return check_symbolic(question, variant, variant.seed)

    def lint(self, question: DerivationQuestion, out: Any) -> None:
        from tutor.content.expressions import parse_author
        from tutor.expr import ReadError, free_names

        for i, step in enumerate(question.steps):
            if step.follows is None:
                continue
            earlier = [f"step{k}" for k in range(1, i + 1)]
            if i == 0:
                out.error(("steps", i, "follows"), "the first step has no earlier step to follow")
                continue
            names = [*question.params, *question.variables, *earlier]
            functions = [k.split("(")[0].strip() for k in question.functions]
            try:
                tree = parse_author(step.follows, names, functions)
            except ReadError:
                continue  # reported by the static checks
            if not free_names(tree) & set(earlier):
                out.error(
                    ("steps", i, "follows"),
                    f"`follows` uses no earlier step ({', '.join(earlier)}): write this step's answer "
                    "in terms of the step it depends on",
                )

    def lint_variants(self, question: DerivationQuestion, variants: list[Variant], out: Any) -> None:
        found = _follows_contradicting(question, variants[0]) if variants else None
        if found is not None:
            out.error(*found)

    def seed_answers(self, variant: Variant) -> list[str]:
        q = self.of(variant.question)
        return [*super().seed_answers(variant), "\n".join(s.answer for s in q.steps)]

    def reference_answer(self, variant: Variant) -> str | None:
        q = self.of(variant.question)
        if q.params:
            return None
        if q.mode == "chain":
            return f"{q.start} = {q.answer}"
        return "\n".join(s.answer for s in q.steps)

    def wrong_answer(self, variant: Variant) -> str | None:
        q = self.of(variant.question)
        if q.params:
            return None
        if q.mode == "chain":
            return f"{q.start} = ({q.answer}) + 1"
        return "\n".join(f"({s.answer}) + 1" for s in q.steps)


register(Derivation())
