"""Numeric evaluation of a tree with numpy float64 semantics.

numpy is imported inside `evaluate`, so importing tutor.expr stays cheap. Everything runs
under np.errstate(all="ignore"): log(0) is -inf and 0/0 is nan, as graders expect, rather
than warnings or exceptions. Only problems with the expression itself raise EvalError.
"""

from __future__ import annotations

from collections import ChainMap
from collections.abc import Callable, Mapping
from functools import reduce
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:
    import numpy

_NO_FUNCTIONS: Mapping[str, FunctionDef] = MappingProxyType({})
MAX_CALL_DEPTH = 10  # declared functions calling declared functions; real courses use 2 or 3


class EvalError(ValueError):
    """Can't evaluate with these values: unknown name, wrong arity, shape mismatch, recursion."""

    def __init__(self, message: str, position: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.position = position


def evaluate(
    node: Node,
    env: Mapping[str, float | int | numpy.ndarray],
    functions: Mapping[str, FunctionDef] = _NO_FUNCTIONS,
) -> float | numpy.ndarray:
    """The value of `node`: a Python float for scalars, a float64 array for vectors."""
    import numpy as np

    try:
        with np.errstate(all="ignore"):
            value = _Evaluator(np, env, functions).value(node)
    except RecursionError:  # only hand-built trees far deeper than Limits allows
        raise EvalError("the expression is nested too deeply to evaluate") from None
    if isinstance(value, np.ndarray) and value.ndim > 0:
        return value
    return np.asarray(value).item()


def _sigmoid(np: Any, x: Any) -> Any:
    # exp of a non-positive number never overflows, so both branches are finite.
    ex = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + ex), ex / (1.0 + ex))


def _softmax(np: Any, x: Any) -> Any:
    shifted = np.exp(x - np.max(x))
    return shifted / np.sum(shifted)


def _logsumexp(np: Any, x: Any) -> Any:
    top = np.max(x)
    if not np.isfinite(top):
        return np.log(np.sum(np.exp(x)))
    return top + np.log(np.sum(np.exp(x - top)))


def _log(np: Any, x: Any, base: Any = None) -> Any:
    return np.log(x) if base is None else np.log(x) / np.log(base)


def _extreme(pairwise: str, whole: str) -> Callable[..., Any]:
    """max/min: one argument reduces a vector, several compare elementwise."""

    def impl(np: Any, *args: Any) -> Any:
        if len(args) == 1:
            return getattr(np, whole)(args[0])
        return reduce(getattr(np, pairwise), args)

    return impl


# Keys are the `numpy` names in functions.BUILTIN_FUNCTIONS that don't start with "np.".
CUSTOM: Mapping[str, Callable[..., Any]] = MappingProxyType(
    {
        "log": _log,
        "max": _extreme("maximum", "max"),
        "min": _extreme("minimum", "min"),
        "sigmoid": _sigmoid,
        "softplus": lambda np, x: np.logaddexp(0.0, x),
        "relu": lambda np, x: np.maximum(x, 0.0),
        "clip": lambda np, x, lo, hi: np.minimum(np.maximum(x, lo), hi),
        "sum": lambda np, x: np.sum(x),
        "mean": lambda np, x: np.mean(x),
        "softmax": _softmax,
        "logsumexp": _logsumexp,
        "dot": lambda np, a, b: np.dot(a, b),
        "len": lambda np, x: np.float64(np.size(x)),
    }
)

_COMPARE = {
    "<": "less",
    "<=": "less_equal",
    ">": "greater",
    ">=": "greater_equal",
    "==": "equal",
    "!=": "not_equal",
}
_ARITH = {"+": "add", "-": "subtract", "*": "multiply", "/": "divide", "^": "power"}


class _Evaluator:
    def __init__(self, np: Any, env: Mapping[str, Any], functions: Mapping[str, FunctionDef]) -> None:
        self.np = np
        self.globals = env
        self.env: Mapping[str, Any] = env
        self.functions = functions
        self.calling: list[str] = []

    def value(self, node: Node) -> Any:
        np = self.np
        match node:
            case Num(text=text):
                return np.float64(text)
            case Const(name=name):
                return np.float64(CONSTANTS[name].value)
            case Name(name=name):
                return self.lookup(name, node.pos)
            case Neg(operand=operand):
                return np.negative(self.value(operand))
            case BinOp(op=op, left=left, right=right):
                a, b = self.value(left), self.value(right)
                self.same_shape(node, a, b)
                return getattr(np, _ARITH[op])(a, b)
            case Call(func=func, args=args):
                return self.call(node, func, [self.value(a) for a in args])
            case Vector(items=items):
                values = [self.value(i) for i in items]
                if any(np.ndim(v) for v in values):
                    raise EvalError("vector items must be numbers, not vectors", node.pos)
                return np.array(values, dtype=np.float64)
            case Index(target=target, index=index):
                return self.index(node, self.value(target), self.value(index))
            case Piecewise(pieces=pieces):
                return self.piecewise(node, pieces)
            case Compare(ops=ops, operands=operands):
                values = [self.value(o) for o in operands]
                result = np.bool_(True)
                for op, a, b in zip(ops, values, values[1:], strict=False):
                    self.same_shape(node, a, b)
                    result = np.logical_and(result, getattr(np, _COMPARE[op])(a, b))
                return result
            case BoolOp(op=op, left=left, right=right):
                a, b = self.value(left), self.value(right)
                self.same_shape(node, a, b)
                return np.logical_and(a, b) if op == "and" else np.logical_or(a, b)
            case BoolConst(value=value):
                return np.bool_(value)
        raise EvalError(f"not a tutor.expr node: {node!r}")

    def lookup(self, name: str, pos: int) -> Any:
        if name not in self.env:
            raise EvalError(f"no value for `{name}`", pos)
        try:
            value = self.np.asarray(self.env[name], dtype=self.np.float64)
        except (TypeError, ValueError):
            raise EvalError(f"the value of `{name}` is not a number or array of numbers", pos) from None
        return value if value.ndim else value[()]

    def same_shape(self, node: Node, *values: Any) -> None:
        shapes = {self.np.shape(v) for v in values} - {()}
        if len(shapes) > 1:
            sizes = " and ".join(sorted(str(s[0]) if len(s) == 1 else str(s) for s in shapes))
            raise EvalError(f"shape mismatch: vectors of length {sizes} can't be combined", node.pos)

    def call(self, node: Node, func: str, args: list[Any]) -> Any:
        if func in self.functions:
            return self.call_declared(node, func, args)
        builtin = BUILTIN_FUNCTIONS.get(func)
        if builtin is None:
            raise EvalError(f"`{func}` is not a known function", node.pos)
        if not builtin.accepts(len(args)):
            raise EvalError(f"`{func}` takes {builtin.arity}, not {len(args)}", node.pos)
        if func in ("max", "min", "dot") and len(args) > 1:
            self.same_shape(node, *args)
        if builtin.numpy.startswith("np."):
            return getattr(self.np, builtin.numpy[3:])(*args)
        return CUSTOM[builtin.numpy](self.np, *args)

    def call_declared(self, node: Node, func: str, args: list[Any]) -> Any:
        definition = self.functions[func]
        if len(args) != len(definition.params):
            raise EvalError(f"`{func}` takes {len(definition.params)} argument(s), not {len(args)}", node.pos)
        if func in self.calling:
            raise EvalError(f"`{func}` calls itself, so it can't be evaluated", node.pos)
        if len(self.calling) >= MAX_CALL_DEPTH:
            raise EvalError("declared functions call each other too deeply", node.pos)
        # A body sees its arguments, then the question's values (not the caller's arguments).
        saved, self.env = (
            self.env,
            ChainMap(dict(zip(definition.params, args, strict=True)), self.globals),  # type: ignore[arg-type]
        )
        self.calling.append(func)
        try:
            return self.value(definition.body)
        finally:
            self.calling.pop()
            self.env = saved

    def index(self, node: Node, target: Any, index: Any) -> Any:
        np = self.np
        if np.ndim(target) != 1:
            raise EvalError("only a vector can be indexed", node.pos)
        if np.ndim(index) or not float(index).is_integer():
            raise EvalError("an index must be a whole number, like z[0]", node.pos)
        i = int(index)
        if not 0 <= i < len(target):
            raise EvalError(
                f"index {i} is out of range for a vector of length {len(target)} (0-based)",
                node.pos,
            )
        return target[i]

    def piecewise(self, node: Node, pieces: tuple[tuple[Node, Node], ...]) -> Any:
        np = self.np
        pairs = [(self.value(v), self.value(c)) for v, c in pieces]
        self.same_shape(node, *(x for pair in pairs for x in pair))
        shape = next((np.shape(x) for pair in pairs for x in pair if np.shape(x)), ())
        result = np.full(shape, np.nan)
        decided = np.zeros(shape, dtype=bool)
        for value, cond in pairs:  # the first condition that holds wins
            take = np.logical_and(cond, np.logical_not(decided))
            result = np.where(take, value, result)
            decided = np.logical_or(decided, cond)
        return result
