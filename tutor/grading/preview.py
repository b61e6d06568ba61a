"""How an answer is being read, as the learner types: a pretty rendering or why it cannot be read.

Only the reader runs here (no grading, no SymPy), so it is fast; the app still runs it in a
worker thread, under PREVIEW_TIME_CAP, so that no answer can freeze typing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from tutor.content import model as m
from tutor.content.variants import Variant, format_value
from tutor.expr import ReadError, evaluate, parse, readings, render
from tutor.expr.nodes import beyond_float
from tutor.grading.limits import too_long_message

PreviewKind = Literal["empty", "ok", "error", "none"]


@dataclass(frozen=True)
class Preview:
    kind: PreviewKind
    text: str = ""  # the rendering ("ok") or the message ("error")
    hint: str | None = None  # for "error", what to do; for "ok", how an ambiguous name was read
    position: int | None = None  # where the problem is, for "error"
    warns: bool = False  # for "ok": the hint is a warning (it reads, but likely not as meant)


NO_PREVIEW = Preview("none")


def reads_math(question: object) -> bool:
    """Whether answers to this question are math that the reader previews."""
    return bool(m.kinds()[question.type].reads_math)  # type: ignore[attr-defined]


def preview(variant: Variant, text: str) -> Preview:
    """How `text` reads as an answer to `variant`, as its kind previews it; never raises."""
    kind = m.kinds()[variant.question.type]
    if not kind.runs_code:
        from tutor.grading.grader import plain_whitespace

        text = plain_whitespace(text)  # as the grader reads it
    try:
        shown = kind.preview(variant, text)
    except Exception as exc:  # a bug in the preview must not stop the learner typing
        return Preview("error", f"the preview failed on this answer ({type(exc).__name__})")
    return NO_PREVIEW if shown is None else shown


def math_preview(
    variant: Variant,
    text: str,
    *,
    symbolic: bool = False,
    computes: bool = False,
    read: Callable[[str], tuple[str, int]] | None = None,
) -> Preview:
    """The preview of one line of typed math: with the question's variables and functions when
    `symbolic`, with the value it computes when `computes` (and never of a forbidden name). `read`
    rewrites the text first (a list typed without brackets) and says by how much it shifted."""
    if not text.strip():
        return Preview("empty")
    too_long = too_long_message(len(text))  # the grader's own cap: the preview says it at once
    if too_long is not None:
        return Preview("error", too_long)
    q: Any = variant.question
    variables = list(q.variables) if symbolic else []
    functions = list(variant.scope.functions) if symbolic else []
    text, shift = read(text) if read is not None else (text, 0)
    try:
        tree = parse(text, variables=variables, functions=functions, letters=True)
    except ReadError as exc:
        return Preview("error", exc.message, exc.hint, max(0, exc.position - shift))
    from tutor.grading.grader import confusable_constant

    confused = confusable_constant(tree, text, variables)
    if confused is not None:  # graded, it would be refused (no try counted): say so now
        return Preview("error", confused[0], confused[2], max(0, confused[1] - shift))
    shown = render(tree)
    # `mx` read as m·x, a declared `mu` as the name: where both readings were possible, say so;
    # and `/2σ^2`, which reads as (…/2)·σ², is warned of
    warning = division_pitfall(text)
    note = "; ".join([*([warning] if warning else []), *readings(text, variables, functions)]) or None
    warns = warning is not None
    if computes:
        from tutor.grading.grader import FORBIDDEN_HINT, forbidden, not_allowed

        if (banned := forbidden(q, tree)) is not None:  # computing it would show the answer
            return Preview("error", not_allowed(banned[0]), FORBIDDEN_HINT, max(0, banned[1] - shift))
        if beyond_float(tree):  # 1e999: float64 would only say `inf`
            return Preview("ok", shown, note, warns=warns)
        try:
            value = evaluate(tree, {})
        except ValueError:
            return Preview("ok", shown, note, warns=warns)
        # enough digits to copy from: 1000.2822, not 1000.28, when the answer needs 3 decimals
        number = _digits(value)
        if number != shown:
            shown = f"{shown} = {number}"
    return Preview("ok", shown, note, warns=warns)


_OPERAND_START = ("num", "name", "sqrt")


def division_pitfall(text: str) -> str | None:
    """A warning for `a/2σ^2`, which reads as (a/2)·σ² (a product binds no tighter than `/`),
    when the learner most likely meant a/(2σ²); None when no `/` is followed that way."""
    from tutor.expr.lexer import lex

    tokens, _ = lex(text)
    for i, tok in enumerate(tokens):
        if tok.kind != "op" or tok.text != "/":
            continue
        end = _operand_end(tokens, i + 1)
        if end is None or end >= len(tokens):
            continue
        if end == i + 2 and tokens[i + 1].kind == "num" and _plain_number_before(tokens, i):
            continue  # 1/2 x²: a fraction written as a coefficient is meant that way
        nxt = tokens[end]
        if nxt.kind in _OPERAND_START or (nxt.kind == "op" and nxt.text == "("):
            stop = _product_end(tokens, end)
            divisor = text[tokens[i + 1].pos : tokens[end - 1].end].strip()
            rest = text[nxt.pos : tokens[stop - 1].end].strip()
            return (
                f"`/{divisor}{' ' if text[tokens[end - 1].end : nxt.pos] else ''}{rest}` reads as "
                f"(…/{divisor})·{rest}; to divide by both, write /({divisor} {rest})"
            )
    return None


def _plain_number_before(tokens: list[Any], i: int) -> bool:
    """Whether the numerator of the `/` at tokens[i] is a bare number (1 in 1/2), not an
    exponent or the end of a bigger operand."""
    if i == 0 or tokens[i - 1].kind != "num":
        return False
    return i == 1 or (tokens[i - 2].kind == "op" and tokens[i - 2].text in ("+", "-", "*", "(", "="))


def _operand_end(tokens: list[Any], i: int) -> int | None:
    """The index after one operand starting at tokens[i] (a number, a name or call, a bracket),
    with its powers; None when none starts there."""
    if i >= len(tokens):
        return None
    tok = tokens[i]
    if tok.kind == "op" and tok.text == "(":
        j = _after_bracket(tokens, i)
    elif tok.kind in ("num", "name"):
        j = i + 1
        if j < len(tokens) and tokens[j].kind == "op" and tokens[j].text == "(" and tok.kind == "name":
            j = _after_bracket(tokens, j)  # a call: log(x)
    else:
        return None
    if j is None:
        return None
    while j < len(tokens) and (tokens[j].kind == "sup" or (tokens[j].kind == "op" and tokens[j].text == "^")):
        if tokens[j].kind == "sup":
            j += 1
            continue
        after = _operand_end(tokens, j + 1) if j + 1 < len(tokens) and tokens[j + 1].text != "-" else j + 2
        if after is None:
            return None
        j = after
    return j


def _after_bracket(tokens: list[Any], i: int) -> int | None:
    depth = 0
    for j in range(i, len(tokens)):
        if tokens[j].kind == "op" and tokens[j].text == "(":
            depth += 1
        elif tokens[j].kind == "op" and tokens[j].text == ")":
            depth -= 1
            if depth == 0:
                return j + 1
    return None


def _product_end(tokens: list[Any], i: int) -> int:
    """The index after the run of implicitly multiplied operands starting at tokens[i]."""
    j = i
    while j < len(tokens):
        end = _operand_end(tokens, j)
        if end is None:
            break
        j = end
    return max(j, i + 1)


def _digits(value: object) -> str:
    if isinstance(value, float):
        return format_value(value, ".10g")
    if hasattr(value, "tolist"):
        return "[" + ", ".join(f"{v:.10g}" for v in value.tolist()) + "]"
    return format_value(value)
