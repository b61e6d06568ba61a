"""Build SymPy expressions straight from the tree; no string ever reaches sympify.

SymPy is imported inside the functions (it takes a second to load), so `import tutor.expr`
stays fast. Vectors become Python tuples of SymPy expressions: arithmetic and functions apply
elementwise (as in evaluate), and sum/mean/softmax/logsumexp/dot/len/max/min reduce them.
A Name bound to an array is unknown to SymPy and is treated as a scalar symbol.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

from tutor.expr.evaluate import MAX_CALL_DEPTH, EvalError, too_large
from tutor.expr.functions import BUILTIN_FUNCTIONS, CONSTANTS
from tutor.expr.nodes import (
    BinOp,
    BoolConst,
    BoolOp,
    Call,
    Compare,
    Const,
    FunctionDef,
    Index,
    Name,
    Neg,
    Node,
    Num,
    Piecewise,
    Vector,
)

_EMPTY: Mapping[str, Any] = MappingProxyType({})


def to_sympy(
    node: Node,
    functions: Mapping[str, FunctionDef] = _EMPTY,
    assumptions: Mapping[str, dict[str, bool]] = _EMPTY,
) -> Any:
    """A SymPy expression (or a tuple of them for a vector).

    `assumptions` maps a name to Symbol keywords such as {"real": True} or {"positive": True}.
    Declared functions are expanded by substituting their bodies. Raises EvalError for what
    SymPy can't express (a function calling itself, mismatched vector lengths, ...).
    """
    import sympy

    if functions:
        too_large(node, functions)
    try:
        return _Builder(sympy, functions, assumptions).build(node)
    except EvalError:
        raise
    except RecursionError:
        raise EvalError("the expression is nested too deeply to convert") from None
    except (TypeError, ValueError) as exc:  # e.g. `x < sqrt(-1)`: SymPy won't compare with I
        raise EvalError(f"SymPy can't represent this: {exc}") from exc


def _elementwise(f: Callable[..., Any], *values: Any) -> Any:
    """Apply f item by item when any value is a vector (tuple); scalars broadcast."""
    lengths = {len(v) for v in values if isinstance(v, tuple)}
    if not lengths:
        return f(*values)
    if len(lengths) > 1:
        raise EvalError(f"shape mismatch: vectors of length {' and '.join(map(str, sorted(lengths)))}")
    (n,) = lengths
    return tuple(f(*(v[i] if isinstance(v, tuple) else v for v in values)) for i in range(n))


def _items(value: Any) -> tuple[Any, ...]:
    return value if isinstance(value, tuple) else (value,)


def _custom(sp: Any) -> dict[str, Callable[..., Any]]:
    """SymPy versions of the builtins whose `sympy` entry is not a plain "sp.<attr>"."""

    def log(x: Any, base: Any = None) -> Any:
        if base is None:
            return _elementwise(sp.log, x)
        return _elementwise(lambda a, b: sp.log(a) / sp.log(b), x, base)

    def extreme(cls: Any) -> Callable[..., Any]:
        def impl(*args: Any) -> Any:
            if len(args) == 1:
                return cls(*_items(args[0]))
            return _elementwise(cls, *args)

        return impl

    def softmax(x: Any) -> Any:
        exps = [sp.exp(v) for v in _items(x)]
        total = sp.Add(*exps)
        return tuple(v / total for v in exps) if isinstance(x, tuple) else sp.Integer(1)

    def dot(a: Any, b: Any) -> Any:
        return sp.Add(*_items(_elementwise(lambda p, q: p * q, a, b)))

    return {
        "log": log,
        "log10": lambda x: _elementwise(lambda v: sp.log(v) / sp.log(10), x),
        "log2": lambda x: _elementwise(lambda v: sp.log(v) / sp.log(2), x),
        "max": extreme(sp.Max),
        "min": extreme(sp.Min),
        "sigmoid": lambda x: _elementwise(lambda v: 1 / (1 + sp.exp(-v)), x),
        "softplus": lambda x: _elementwise(lambda v: sp.log(1 + sp.exp(v)), x),
        "relu": lambda x: _elementwise(lambda v: sp.Max(v, 0), x),
        "clip": lambda x, lo, hi: _elementwise(lambda v, a, b: sp.Min(sp.Max(v, a), b), x, lo, hi),
        "sum": lambda x: sp.Add(*_items(x)),
        "mean": lambda x: sp.Add(*_items(x)) / len(_items(x)),
        "softmax": softmax,
        "logsumexp": lambda x: sp.log(sp.Add(*(sp.exp(v) for v in _items(x)))),
        "dot": dot,
        "len": lambda x: sp.Integer(len(_items(x))),
    }


_RELATIONS = {"<": "Lt", "<=": "Le", ">": "Gt", ">=": "Ge", "==": "Eq", "!=": "Ne"}


class _Builder:
    def __init__(
        self,
        sp: Any,
        functions: Mapping[str, FunctionDef],
        assumptions: Mapping[str, dict[str, bool]],
    ):
        self.sp = sp
        self.functions = functions
        self.assumptions = assumptions
        self.custom = _custom(sp)
        self.symbols: dict[str, Any] = {}
        self.bindings: list[dict[str, Any]] = [{}]  # arguments of the declared function being expanded
        self.expanding: list[str] = []

    def symbol(self, name: str) -> Any:
        if name not in self.symbols:
            self.symbols[name] = self.sp.Symbol(name, **self.assumptions.get(name, {}))
        return self.symbols[name]

    def build(self, node: Node) -> Any:
        sp = self.sp
        match node:
            case Num(text=text):
                return sp.Integer(int(text)) if node.is_integer else sp.Float(text)
            case Const(name=name):
                return getattr(sp, CONSTANTS[name].sympy[3:])
            case Name(name=name):
                bound = self.bindings[-1]
                return bound[name] if name in bound else self.symbol(name)
            case Neg(operand=operand):
                return _elementwise(lambda v: -v, self.build(operand))
            case BinOp(op="/", left=Num() as a, right=Num() as b) if a.is_integer and b.is_integer:
                return sp.Rational(int(a.text), int(b.text))
            case BinOp(op=op, left=left, right=right):
                return _elementwise(_ARITH[op], self.build(left), self.build(right))
            case Call(func=func, args=args):
                return self.call(func, [self.build(a) for a in args])
            case Vector(items=items):
                return tuple(self.build(i) for i in items)
            case Index(target=target, index=index):
                return self.index(target, self.build(index))
            case Piecewise(pieces=pieces):
                flat = [self.build(part) for piece in pieces for part in piece]
                return _elementwise(lambda *xs: sp.Piecewise(*zip(xs[::2], xs[1::2], strict=True)), *flat)
            case Compare(ops=ops, operands=operands):
                values = [self.build(o) for o in operands]
                relations = [
                    _elementwise(getattr(sp, _RELATIONS[op]), a, b)
                    for op, a, b in zip(ops, values, values[1:], strict=False)
                ]
                return _elementwise(sp.And, *relations) if len(relations) > 1 else relations[0]
            case BoolOp(op=op, left=left, right=right):
                return _elementwise(sp.And if op == "and" else sp.Or, self.build(left), self.build(right))
            case BoolConst(value=value):
                return sp.true if value else sp.false
        raise EvalError(f"not a tutor.expr node: {node!r}")

    def call(self, func: str, args: list[Any]) -> Any:
        if func in self.functions:
            return self.expand(func, args)
        builtin = BUILTIN_FUNCTIONS.get(func)
        if builtin is None:
            raise EvalError(f"`{func}` is not a known function")
        if not builtin.accepts(len(args)):
            raise EvalError(f"`{func}` takes {builtin.arity}, not {len(args)}")
        if builtin.sympy.startswith("sp."):
            return _elementwise(getattr(self.sp, builtin.sympy[3:]), *args)
        return self.custom[builtin.sympy](*args)

    def expand(self, func: str, args: list[Any]) -> Any:
        definition = self.functions[func]
        if len(args) != len(definition.params):
            raise EvalError(f"`{func}` takes {len(definition.params)} argument(s), not {len(args)}")
        if func in self.expanding:
            raise EvalError(f"`{func}` calls itself, so it can't be expanded")
        if len(self.expanding) >= MAX_CALL_DEPTH:
            raise EvalError("declared functions call each other too deeply")
        self.expanding.append(func)
        self.bindings.append(dict(zip(definition.params, args, strict=True)))
        try:
            return self.build(definition.body)
        finally:
            self.bindings.pop()
            self.expanding.pop()

    def index(self, target: Node, index: Any) -> Any:
        if not getattr(index, "is_Integer", False):
            raise EvalError("an index must be a whole number, like z[0]")
        i = int(index)
        if isinstance(target, Name) and target.name not in self.bindings[-1]:
            return self.sp.IndexedBase(target.name, **self.assumptions.get(target.name, {}))[i]
        value = self.build(target)
        if not isinstance(value, tuple):
            raise EvalError("only a vector can be indexed")
        if not 0 <= i < len(value):
            raise EvalError(f"index {i} is out of range for a vector of length {len(value)} (0-based)")
        return value[i]


_ARITH: dict[str, Callable[[Any, Any], Any]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
    "^": lambda a, b: a**b,
}
