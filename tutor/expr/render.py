"""One-line Unicode rendering of a tree: what the reader understood, for previews and feedback.

Parentheses are minimal but faithful: re-reading the rendering gives the same tree (except
Piecewise, whose `{ … }` form is for reading only). `·` appears only where juxtaposition
would be unclear: `2x`, `2(x + 1)`, `δ(|e| − δ/2)` but `2·3`, `x·y`, `y·log(p)`.
"""

from __future__ import annotations

import re
from functools import lru_cache

from tutor.expr.functions import BUILTIN_FUNCTIONS, CONSTANTS
from tutor.expr.lexer import GREEK, SUBSCRIPTS, SUPERSCRIPTS
from tutor.expr.nodes import (
    BinOp,
    BoolConst,
    BoolOp,
    Call,
    Compare,
    Const,
    Index,
    Name,
    Neg,
    Node,
    Num,
    Piecewise,
    Vector,
)

# Precedence levels of rendered text; a child below the level its parent needs gets parentheses.
OR, AND, CMP, ADD, MUL, NEG, POW, ATOM = 1, 2, 3, 4, 5, 6, 7, 8

MINUS = "−"
_GREEK_OF = {name: letter for letter, name in reversed(GREEK.items()) if name != "pi"}
_TO_SUPER = {digit: sup for sup, digit in SUPERSCRIPTS.items()}
_TO_SUB = {digit: sub for sub, digit in SUBSCRIPTS.items()}
_CMP = {"<": "<", "<=": "≤", ">": ">", ">=": "≥", "==": "=", "!=": "≠"}


def render(node: Node) -> str:
    try:
        return _render_cached(node)
    except TypeError:  # a tree that cannot be a key
        return _render(node)[0]


# Trees are immutable, and equal ones (whatever their positions) render the same: grading shows
# each answer as read, and `tutor check` grades the same answers on every seed.
@lru_cache(maxsize=2048)
def _render_cached(node: Node) -> str:
    return _render(node)[0]


def display_name(name: str) -> str:
    """delta -> δ, y_hat -> ŷ, p_hat -> p̂, theta_0 -> θ₀, anything else unchanged."""
    if name == "y_hat":
        return "ŷ"
    if name.endswith("_hat") and len(name) > 4:
        return display_name(name[:-4]) + "\u0302"
    m = re.fullmatch(r"(.+)_([0-9]+)", name)
    if m:
        return display_name(m.group(1)) + "".join(_TO_SUB[d] for d in m.group(2))
    return _GREEK_OF.get(name, name)


def _render(node: Node) -> tuple[str, int]:
    match node:
        case Num(text=text):
            return text.replace("-", MINUS), ATOM
        case Name(name=name):
            return display_name(name), ATOM
        case Const(name=name):
            return CONSTANTS[name].display, ATOM
        case Neg(operand=operand):
            return MINUS + _wrap(operand, POW), NEG
        case BinOp(op="+" | "-", left=left, right=right):
            sign = " + " if node.op == "+" else f" {MINUS} "
            return _wrap(left, ADD) + sign + _wrap(right, MUL, neg_paren=True), ADD
        case BinOp(op="*", left=left, right=right):
            return _product(left, _render(left), right, _render(right)), MUL
        case BinOp(op="/", left=left, right=right):
            return _wrap(left, MUL) + "/" + _wrap(right, POW), MUL
        case BinOp(op="^", left=base, right=exponent):
            return _power(base, exponent), POW
        case Call():
            return _call(node)
        case Vector(items=items):
            return "[" + ", ".join(render(i) for i in items) + "]", ATOM
        case Index(target=target, index=index):
            # Only a name, call, vector or bracket can be indexed when read back: 2[0] multiplies.
            plain = isinstance(target, Name | Const | Index | Vector) or (
                isinstance(target, Call) and target.func not in ("abs", "sqrt")
            )
            shown = render(target) if plain else f"({render(target)})"
            return shown + "[" + render(index) + "]", ATOM
        case Piecewise(pieces=pieces):
            parts = [
                f"{render(v)} otherwise"
                if isinstance(c, BoolConst) and c.value
                else f"{render(v)} if {render(c)}"
                for v, c in pieces
            ]
            return "{ " + "; ".join(parts) + " }", ATOM
        case Compare(ops=ops, operands=operands):
            text = _wrap(operands[0], ADD)
            for op, operand in zip(ops, operands[1:], strict=True):
                text += f" {_CMP[op]} " + _wrap(operand, ADD)
            return text, CMP
        case BoolOp(op=op, left=left, right=right):
            level = AND if op == "and" else OR
            return f"{_wrap(left, level)} {op} {_wrap(right, level + 1)}", level
        case BoolConst(value=value):
            return ("True" if value else "False"), ATOM
    raise TypeError(f"not a tutor.expr node: {node!r}")


def _wrap(node: Node, level: int, *, neg_paren: bool = False) -> str:
    """Render `node`, in parentheses if it binds looser than `level` (or is a Neg, if asked)."""
    return _paren(node, _render(node), level, neg_paren=neg_paren)


def _paren(node: Node, rendered: tuple[str, int], level: int, *, neg_paren: bool = False) -> str:
    """`_wrap` for a node already rendered: each node is rendered once, so rendering is linear."""
    text, prec = rendered
    if prec < level or (neg_paren and isinstance(node, Neg)):
        return f"({text})"
    return text


def _product(left: Node, lrendered: tuple[str, int], right: Node, rrendered: tuple[str, int]) -> str:
    # Both factors come rendered: rendering one again here would double the cost per factor.
    # (1/2)·x, not 1/2·x: a division on the left of a product is easy to misread.
    needs_left = lrendered[1] < MUL or (isinstance(left, BinOp) and left.op == "/")
    ltext = f"({lrendered[0]})" if needs_left else lrendered[0]
    rtext = _paren(right, rrendered, NEG + 1, neg_paren=True)
    right_grouped = rtext.startswith("(") and not rrendered[0].startswith("(")
    number = left.operand if isinstance(left, Neg) else left
    # 1e-3·x, not 1e−3x: a juxtaposed exponent literal is hard to read.
    number_left = isinstance(number, Num) and "e" not in number.text
    if right_grouped:
        juxtapose = not isinstance(left, Call | Index | Vector) or (
            isinstance(left, Call) and left.func == "abs"
        )
    elif number_left:
        juxtapose = _starts_with_symbol(right) and not rtext[:1].isdigit()
    else:
        juxtapose = False
    return ltext + rtext if juxtapose else f"{ltext}·{rtext}"


def _is_bars(node: Node) -> bool:
    return isinstance(node, Call) and node.func in ("abs", "sqrt")


def _starts_with_symbol(node: Node) -> bool:
    """True when the rendering starts with a name, √ or |…| (so `2x`, `2√x`, `2|x|` read well)."""
    while isinstance(node, BinOp) and node.op == "^":
        node = node.left
    return isinstance(node, Name | Const) or _is_bars(node)


def _power(base: Node, exponent: Node) -> str:
    btext = _wrap(base, ATOM)  # √ renders below ATOM, so (√x)² keeps its parentheses
    sup = _superscript(exponent)
    if sup is not None:
        return btext + sup
    return f"{btext}^{_wrap(exponent, ATOM)}"


def _superscript(exponent: Node) -> str | None:
    sign = ""
    if isinstance(exponent, Neg):
        sign, exponent = "⁻", exponent.operand
    if isinstance(exponent, Num) and exponent.is_integer and len(exponent.text) <= 3:
        return sign + "".join(_TO_SUPER[d] for d in exponent.text)
    return None


def _call(node: Call) -> tuple[str, int]:
    if node.func == "abs" and len(node.args) == 1:
        return f"|{render(node.args[0])}|", ATOM
    if node.func == "sqrt" and len(node.args) == 1:
        arg = node.args[0]
        simple = isinstance(arg, Num | Name | Const) or (isinstance(arg, Call) and arg.func == "abs")
        return "√" + (render(arg) if simple else f"({render(arg)})"), POW
    if node.func == "factorial" and len(node.args) == 1:
        return _wrap(node.args[0], ATOM) + "!", ATOM
    builtin = BUILTIN_FUNCTIONS.get(node.func)
    name = builtin.display if builtin is not None else display_name(node.func)
    return f"{name}(" + ", ".join(render(a) for a in node.args) + ")", ATOM
