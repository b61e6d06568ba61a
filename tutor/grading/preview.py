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
    shown = render(tree)
    # `mx` read as m·x, a declared `mu` as the name: where both readings were possible, say so
    note = "; ".join(readings(text, variables, functions)) or None
    if computes:
        from tutor.grading.grader import FORBIDDEN_HINT, forbidden, not_allowed

        if (banned := forbidden(q, tree)) is not None:  # computing it would show the answer
            return Preview("error", not_allowed(banned[0]), FORBIDDEN_HINT, max(0, banned[1] - shift))
        if beyond_float(tree):  # 1e999: float64 would only say `inf`
            return Preview("ok", shown, note)
        try:
            value = evaluate(tree, {})
        except ValueError:
            return Preview("ok", shown, note)
        # enough digits to copy from: 1000.2822, not 1000.28, when the answer needs 3 decimals
        number = _digits(value)
        if number != shown:
            shown = f"{shown} = {number}"
    return Preview("ok", shown, note)


def _digits(value: object) -> str:
    if isinstance(value, float):
        return format_value(value, ".10g")
    if hasattr(value, "tolist"):
        return "[" + ", ".join(f"{v:.10g}" for v in value.tolist()) + "]"
    return format_value(value)
