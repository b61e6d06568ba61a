"""`derivation`: graded steps (with error carried forward), or a free chain of equalities."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from typing import TYPE_CHECKING, Annotated, Any, Literal, cast

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
from tutor.grading.limits import check_time, remaining, too_long_message
from tutor.grading.result import Result, Verdict, invalid
from tutor.grading.rules import (
    BUGS,
    DIFF_NAMES,
    Bug,
    TooBig,
    bug_after_rule,
    bug_candidates,
    classify,
    derivative_of,
    same_stage,
)
from tutor.kinds import register
from tutor.kinds.base import AuthorExpr, Case, Kind, PlainInput
from tutor.kinds.expression import check_symbolic

if TYPE_CHECKING:
    from tutor.content.variants import Variant
    from tutor.grading.preview import Preview
    from tutor.grading.result import Result


MAX_CHAIN_LINKS_FIELD = 60


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
    milestones: list[Expr] = Field(
        default_factory=list,
        description="Chain mode: expressions, in order, that some line must show (up to the order "
        "of terms, arithmetic and a number multiplied into a bracket); a chain that skips one is "
        "partly correct, never correct.",
    )
    worked: list[Expr] = Field(
        default_factory=list,
        description="Chain mode: the worked solution's lines between `start` and `answer`; "
        "`tutor check` grades start = … = answer as a chain and it must be correct (every line "
        "recognised within `max_rules_per_line`, every milestone shown).",
    )
    min_lines: int | None = Field(
        None,
        ge=2,
        le=MAX_CHAIN_LINKS_FIELD,
        description="Chain mode: the fewest expressions the chain may have.",
    )
    max_rules_per_line: int = Field(
        2,
        ge=1,
        le=2,
        description="Chain mode: the most rules (from the rule library) one line may apply; a line "
        "recognised as more, or a one-line chain whose step is not recognised, is partly correct.",
    )
    definitions: dict[Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$")], Expr] = Field(
        default_factory=dict,
        description="Chain mode: definitions a line may substitute, such as `p: sigmoid(z)`; the "
        'step is then named "substituting a definition".',
    )

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
        if self.mode == "steps" and (
            self.milestones or self.worked or self.min_lines is not None or self.definitions
        ):
            raise ValueError("`milestones`, `worked`, `min_lines` and `definitions` are for mode: chain")
        return self


_EQUALS = re.compile(r"(?<![<>=!≤≥])=(?!=)")

# Expressions in one chain: a derivation is a handful of lines, and each link is compared.
MAX_CHAIN_LINKS = 60


# The rule search only runs while this much of the grading time cap is left: past it, a line
# is "not recognised" rather than the whole chain "could not decide".
SEARCH_RESERVE = 2.0


def search_tick() -> None:
    """The rule search's clock: stop naming rules when the time cap draws near."""
    check_time()
    if remaining() < SEARCH_RESERVE:
        raise TooBig


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
    """Every link of the chain checked for equality, then named by the rule that makes it
    (`tutor.grading.rules`); a link that is not equal is explained by a bug rule when one
    fits, and the lines after it that follow from it are credited (error carried forward).
    A chain that skips an author's milestone, or jumps further than the rule limit allows, is
    partly correct, never correct."""
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
    definitions = {name: ctx.reference(text) for name, text in q.definitions.items()}

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
    lines: list[dict[str, Any]] = []
    said: list[str] = []
    broken: int | None = None
    bug: Bug | None = None
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
        line: dict[str, Any] = {"line": links[i][0], "expression": i + 1}
        if equal:
            step = classify(trees[i - 1], trees[i], definitions, ctx.functions, search_tick)
            line["verdict"] = "carried-forward" if broken is not None else "correct"
            line["carried_forward"] = broken is not None
            line["rules"] = [] if step is None else list(step.rules)
            line["rule"] = None if step is None else step.text
            line["recognised"] = step is not None
            words = "equal (step not recognised)" if step is None else step.text
            if broken is not None:
                words += f", following from your {label(broken)} (error carried forward)"
            said.append(f"{label(i)} ✓ {words}")
        else:
            found = find_bug(ctx, trees[i - 1], trees[i], definitions)
            line.update(verdict="incorrect", carried_forward=False, rules=[], rule=None, recognised=False)
            line["bug"] = None if found is None else found.id
            if found is not None:
                line["right_rule"] = found.right
                said.append(f"{label(i)} ✗ {found.wrong}: {found.right}")
            else:
                said.append(f"{label(i)} ✗ does not follow from {label(i - 1)}")
            if broken is None:
                broken, bug = i, found
        lines.append(line)
    details: dict[str, Any] = {"lines": lines}
    if broken is not None:
        details["broken"] = broken
        carried = sum(1 for line in lines if line["carried_forward"])
        good = sum(1 for line in lines if line["verdict"] != "incorrect")
        score = 0.5 * good / len(lines) if carried else 0.0
        headline = f"{label(broken).capitalize()} does not follow from {label(broken - 1)}."
        feedback = [headline]
        if bug is not None:
            feedback.append(f"{label(broken).capitalize()}: {bug.wrong}. The right rule: {bug.right}.")
        if carried:
            feedback.append(
                f"{carried} later line{'s' if carried > 1 else ''} follow{'' if carried > 1 else 's'} "
                "correctly from it: partial credit (error carried forward)."
            )
        notes = ("broken-link",) if bug is None else ("broken-link", bug.id)
        return Result(
            "partial" if score > 0 else "incorrect",
            score,
            notes,
            (*feedback, *said),
            read_as,
            details=details,
        )
    equal, comparison = ctx.same(trees[-1], target)
    if equal is None:
        return Result("undecided", 0.0, ("undecided",), (comparison.why,), read_as)
    if not equal:
        return Result(
            "incorrect",
            0.0,
            ("wrong-result",),
            ("Every step holds, but the last line is not the result asked for.", *said),
            read_as,
            details=details,
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
                *said,
            ),
            read_as,
            details=details,
        )
    jump = _missing_work(ctx, q, trees, lines, label, definitions)
    if jump is not None:
        return Result("partial", 0.5, ("skipped-step",), (jump, *said), read_as, details=details)
    form = form_result(ctx, trees[-1], read_as)
    if form is not None:
        return form
    return Result(
        "correct",
        1.0,
        feedback=tuple(said),
        read_as=read_as,
        rule=f"{len(trees) - 1} equalit{'y' if len(trees) == 2 else 'ies'} checked",
        details=details,
    )


def find_bug(ctx: Symbolic, before: Node, after: Node, definitions: dict[str, Node]) -> Bug | None:
    """The bug rule that turns `before` into `after`, if one does (they are not equal)."""
    for rule_id, candidate in bug_candidates(before, search_tick):
        if remaining() < SEARCH_RESERVE:
            return None
        if ctx.same(after, candidate)[0]:
            return BUGS[rule_id]
    found = bug_after_rule(before, after, definitions, ctx.functions, search_tick)
    return None if found is None else BUGS[found]


def _missing_work(
    ctx: Symbolic,
    q: DerivationQuestion,
    trees: list[Node],
    lines: list[dict[str, Any]],
    label: Any,
    definitions: dict[str, Node],
) -> str | None:
    """Why an all-equal chain still does not show enough of the work, else None."""
    last = 0
    for text in q.milestones:
        check_time()
        milestone = ctx.reference(text)
        found = next((j for j in range(last, len(trees)) if same_stage(trees[j], milestone)), None)
        if found is None:
            # The jump is across the link where the milestone should have been.
            after = next(
                (j for j in range(last + 1, len(trees)) if _past(ctx, trees[j], milestone, definitions)),
                len(trees) - 1,
            )
            before = after - 1 if after > last else last
            named = [
                s.text
                for s in (
                    classify(trees[before], milestone, definitions, ctx.functions, search_tick),
                    classify(milestone, trees[after], definitions, ctx.functions, search_tick),
                )
                if s is not None and s.rules
            ]
            how = f" ({'; then '.join(named)})" if named else ""
            return (
                f"Partly correct: show how you get from {render(trees[before])} to {render(trees[after])}"
                f"{how}: the step through {render(milestone)} is missing."
            )
        last = found
    if q.min_lines is not None and len(trees) < q.min_lines:
        return f"Partly correct: show more of the work, at least {q.min_lines} expressions in the chain."
    for i, line in enumerate(lines, start=1):
        if len(line["rules"]) > q.max_rules_per_line:
            return (
                f"Partly correct: show how you get from {render(trees[i - 1])} to {render(trees[i])}: "
                f"{label(i)} applies {len(line['rules'])} rules at once ({line['rule']}); "
                f"write at most {q.max_rules_per_line} per line."
            )
    if len(lines) == 1 and not lines[0]["recognised"]:
        return (
            f"Partly correct: show how you get from {render(trees[0])} to {render(trees[1])}: "
            "the result is right, but one line jumps further than one or two rules."
        )
    return None


def _past(ctx: Symbolic, tree: Node, milestone: Node, definitions: dict[str, Node]) -> bool:
    """Whether a line lies past a milestone: the milestone leads to it by recognised rules."""
    step = classify(milestone, tree, definitions, ctx.functions, search_tick)
    return step is not None and bool(step.rules)


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
        notes, said = wrong.notes, list(wrong.feedback)
        if not any(ctx.same(tree, ctx.reference(m.answer))[0] for m in step.mistakes):
            bug = _step_bug(ctx, tree, ref)
            if bug is not None:
                notes, said = (
                    (bug.id,),
                    [f"{bug.wrong[0].upper()}{bug.wrong[1:]}. The right rule: {bug.right}."],
                )
        hint = _next_rule(ctx, q.steps, parts, i)
        if hint is not None:
            said.append(hint)
        parts.append(
            Result(
                wrong.verdict,
                wrong.score,
                notes,
                tuple(f"Step {i}: {f}" for f in said),
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


def _step_bug(ctx: Symbolic, tree: Node, ref: Node) -> Bug | None:
    """The bug rule (a derivative slip among them) that turns the expected step into the
    learner's, if one does."""
    for rule_id, candidate in bug_candidates(ref, search_tick, derivative=True):
        if remaining() < SEARCH_RESERVE:
            return None
        if ctx.same(tree, candidate)[0]:
            return BUGS[rule_id]
    return None


def _next_rule(ctx: Symbolic, steps: list[Step], parts: list[Result], i: int) -> str | None:
    """For a wrong step i: the rule that leads from the last right step to the expected one."""
    last = next((k for k in range(len(parts), 0, -1) if parts[k - 1].verdict == "correct"), None)
    if last is None:
        return None
    before, expected = ctx.reference(steps[last - 1].answer), ctx.reference(steps[i - 1].answer)
    step = classify(before, expected, None, ctx.functions, search_tick)
    if step is not None and step.rules:
        return f"next, from step {last}: {step.text}."
    # Or the expected step is the derivative of the last right one.
    for name in sorted(free_names(before)):
        found = derivative_of(before, name)
        if found is not None and found[1] and ctx.same(expected, found[0])[0]:
            rules = ", ".join(DIFF_NAMES[r] for r in found[1])
            return f"next, from step {last}: differentiate with respect to {name} ({rules})."
    return None


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
    from tutor.grading.grader import confusable_constant
    from tutor.grading.preview import division_pitfall

    pieces = []
    warning: str | None = None
    for lineno, offset, piece in links:
        try:
            tree = parse(
                piece, variables=list(q.variables), functions=list(variant.scope.functions), letters=True
            )
        except ReadError as exc:
            return Preview("error", f"line {lineno}: {exc.message}", exc.hint, offset + exc.position)
        confused = confusable_constant(tree, piece, q.variables)
        if confused is not None:
            return Preview("error", f"line {lineno}: {confused[0]}", confused[2], offset + confused[1])
        pitfall = division_pitfall(piece)
        if warning is None and pitfall is not None:
            warning = f"line {lineno}: {pitfall}"
        pieces.append(render(tree))
    if not pieces:
        return Preview("empty")
    return Preview("ok", "\n= ".join(pieces), warning, warns=warning is not None)


def worked_chain(q: DerivationQuestion) -> str:
    """The worked solution as a chain a learner could type: start, the worked lines, answer."""
    return "\n= ".join([str(q.start), *q.worked, str(q.answer)])


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
        for field in ("milestones", "worked"):
            for i, text in enumerate(getattr(question, field)):
                yield AuthorExpr((field, i), text, f"{field} {i + 1}")
        for name, text in question.definitions.items():
            yield AuthorExpr(("definitions", name), text, f"definition of {name}")
        for i, step in enumerate(question.steps):
            yield AuthorExpr(("steps", i, "answer"), step.answer, f"step {i + 1}")
            for j, mk in enumerate(step.mistakes):
                yield AuthorExpr(
                    ("steps", i, "mistakes", j, "answer"), mk.answer, f"step {i + 1} mistake {j + 1}"
                )

    def check_static(self, question: DerivationQuestion, report: Any) -> None:
        if question.milestones and not question.worked:
            report.at(("milestones",), "a chain with `milestones` needs `worked:` lines that show them")
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

    def selftest_cases(self, variant: Variant) -> list[Case]:
        q = self.of(variant.question)
        if q.mode != "chain" or q.params:
            return []
        out: list[Case] = []
        if q.worked:
            # The worked solution must pass the question's own milestones and rule limit.
            out.append(Case(("worked",), worked_chain(q), "correct", what="the worked solution"))
        if q.milestones:
            jump = f"{q.start} = {q.answer}"
            out.append(Case(("milestones",), jump, "partial", "skipped-step", "the one-line jump"))
        return out

    def seed_answers(self, variant: Variant) -> list[str]:
        q = self.of(variant.question)
        return [*super().seed_answers(variant), "\n".join(s.answer for s in q.steps)]

    def reference_answer(self, variant: Variant) -> str | None:
        q = self.of(variant.question)
        if q.params:
            return None
        if q.mode == "chain":
            return worked_chain(q)
        return "\n".join(s.answer for s in q.steps)

    def wrong_answer(self, variant: Variant) -> str | None:
        q = self.of(variant.question)
        if q.params:
            return None
        if q.mode == "chain":
            return f"{q.start} = ({q.answer}) + 1"
        return "\n".join(f"({s.answer}) + 1" for s in q.steps)


register(Derivation())
