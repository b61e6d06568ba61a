"""The syntax tree the reader produces.

Every node is a frozen dataclass whose `pos` is the 0-based offset in the ORIGINAL text where
the node's text starts (including an opening parenthesis around its left-most operand).
`pos` is left out of equality and hashing, so `parse("2*x") == parse("2 x")`: two trees are
equal when they read the same, whatever the spacing.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Node:
    pos: int = field(compare=False)


@dataclass(frozen=True, slots=True)
class Num(Node):
    """A literal, kept as canonical ASCII text ("2", "0.5", "1e-3") so SymPy can stay exact."""

    text: str

    @property
    def is_integer(self) -> bool:
        return self.text.isascii() and self.text.isdigit()

    @property
    def value(self) -> float:
        return float(self.text)


@dataclass(frozen=True, slots=True)
class Name(Node):
    """A variable or parameter (never a constant: see Const)."""

    name: str


@dataclass(frozen=True, slots=True)
class Const(Node):
    """`e` or `pi`; only produced when no declared variable has that name."""

    name: str


@dataclass(frozen=True, slots=True)
class Neg(Node):
    operand: Node


@dataclass(frozen=True, slots=True)
class BinOp(Node):
    """op is one of + - * / ^ (`**` and implicit products are read as `^` and `*`)."""

    op: str
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Call(Node):
    """A builtin or declared function; `|x|` is Call("abs") and `√x` is Call("sqrt")."""

    func: str
    args: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Vector(Node):
    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Index(Node):
    """`z[0]`, 0-based."""

    target: Node
    index: Node


@dataclass(frozen=True, slots=True)
class Piecewise(Node):
    """(value, condition) pairs, first true condition wins; `otherwise` is BoolConst(True)."""

    pieces: tuple[tuple[Node, Node], ...]


@dataclass(frozen=True, slots=True)
class Compare(Node):
    """A possibly chained comparison: `0 < x <= 1` has ops ("<", "<=") and three operands."""

    ops: tuple[str, ...]
    operands: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class BoolOp(Node):
    """op is "and" or "or"."""

    op: str
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class BoolConst(Node):
    value: bool


@dataclass(frozen=True, slots=True)
class FunctionDef:
    """An author-declared function such as sigmoid(x) = 1/(1 + exp(-x))."""

    params: tuple[str, ...]
    body: Node


CONDITION_NODES = (Compare, BoolOp, BoolConst)


def children(node: Node) -> tuple[Node, ...]:
    match node:
        case Neg(operand=o):
            return (o,)
        case BinOp(left=a, right=b) | BoolOp(left=a, right=b):
            return (a, b)
        case Call(args=args):
            return args
        case Vector(items=items):
            return items
        case Index(target=t, index=i):
            return (t, i)
        case Piecewise(pieces=pieces):
            return tuple(part for piece in pieces for part in piece)
        case Compare(operands=operands):
            return operands
    return ()


def walk(node: Node) -> Iterator[Node]:
    """Every node, parents first; iterative so hand-built deep trees cannot overflow the stack."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(children(current)))


def beyond_float(node: Node) -> bool:
    """Whether the expression has a literal too large for float64, such as 1e999: float
    arithmetic cannot say what it is, only exact arithmetic can."""
    return any(isinstance(n, Num) and n.value == float("inf") for n in walk(node))


# Nodes an expression may stand for once every call of a declared function is written out (its
# body in place of the call): what evaluating it costs. A course's functions come to a few
# hundred; functions that each call the one before several times grow exponentially (f9 calling
# f8 eight times... is 8^9 calls), and are refused rather than evaluated for minutes.
MAX_EXPANDED = 20_000


def expanded_size(node: Node, functions: Mapping[str, FunctionDef], limit: int = MAX_EXPANDED) -> int:
    """Nodes in `node` with each declared function's body counted at each of its calls (its
    arguments are evaluated once); counting stops soon after `limit` is passed."""
    sizes: dict[str, int] = {}

    def size(tree: Node) -> int:
        total = 0
        for current in walk(tree):
            total += 1
            if isinstance(current, Call) and current.func in functions:
                if current.func not in sizes:
                    sizes[current.func] = 0  # a function that calls itself counts once
                    sizes[current.func] = size(functions[current.func].body)
                total += sizes[current.func]
            if total > limit:
                return total
        return total

    return size(node)


def free_names(node: Node) -> set[str]:
    """Variable names the expression uses (constants such as `pi` are not included)."""
    return {n.name for n in walk(node) if isinstance(n, Name)}


def called_functions(node: Node) -> set[str]:
    """Functions the expression calls, including `abs` for |x| and `sqrt` for √x."""
    return {n.func for n in walk(node) if isinstance(n, Call)}


def substitute(node: Node, values: Mapping[str, str]) -> Node:
    """The tree with each named parameter replaced by its value (given as number text),
    so a rendered answer shows this variant's numbers rather than their names."""
    match node:
        case Name(name=name) if name in values:
            text = values[name]
            if text.startswith("-"):
                return Neg(node.pos, Num(node.pos, text[1:]))
            return Num(node.pos, text)
        case Neg(operand=o):
            return Neg(node.pos, substitute(o, values))
        case BinOp(op=op, left=a, right=b):
            return BinOp(node.pos, op, substitute(a, values), substitute(b, values))
        case BoolOp(op=op, left=a, right=b):
            return BoolOp(node.pos, op, substitute(a, values), substitute(b, values))
        case Call(func=func, args=args):
            return Call(node.pos, func, tuple(substitute(a, values) for a in args))
        case Vector(items=items):
            return Vector(node.pos, tuple(substitute(i, values) for i in items))
        case Index(target=t, index=i):
            return Index(node.pos, substitute(t, values), substitute(i, values))
        case Piecewise(pieces=pieces):
            return Piecewise(
                node.pos, tuple((substitute(v, values), substitute(c, values)) for v, c in pieces)
            )
        case Compare(ops=ops, operands=operands):
            return Compare(node.pos, ops, tuple(substitute(o, values) for o in operands))
    return node
