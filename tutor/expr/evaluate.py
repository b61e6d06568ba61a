"""Numeric evaluation of a tree with numpy float64 semantics.

numpy is imported inside `evaluate`, so importing tutor.expr stays cheap. Everything runs
under np.errstate(all="ignore"): log(0) is -inf and 0/0 is nan, as graders expect, rather
than warnings or exceptions. Only problems with the expression itself raise EvalError.
"""

from __future__ import annotations

import math
from collections import ChainMap
from collections.abc import Callable, Mapping
from functools import reduce
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from tutor.expr.functions import BUILTIN_FUNCTIONS, CONSTANTS, REDUCTIONS
from tutor.expr.nodes import (
    MAX_EXPANDED,
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
    expanded_size,
)

if TYPE_CHECKING:
    import numpy

_NO_FUNCTIONS: Mapping[str, FunctionDef] = MappingProxyType({})
MAX_CALL_DEPTH = 10  # declared functions calling declared functions; real courses use 2 or 3

# The key under which an environment says "every value here is a column of this many sample
# points" (not an identifier, so no variable can clash with it). A grader evaluates at a few
# hundred points at once: a scalar is then an array of shape (points,), a vector one of shape
# (points, length), and a reduction such as max(z) or sum(z) works along the vector's own
# axis only, so it can never mix the sample points (max(t) of a scalar t is t at each point).
POINTS = "#points"


class EvalError(ValueError):
    """Can't evaluate with these values: unknown name, wrong arity, shape mismatch, recursion."""

    def __init__(self, message: str, position: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.position = position


def too_large(node: Node, functions: Mapping[str, FunctionDef]) -> None:
    """EvalError when `node`, its declared functions written out, is over `MAX_EXPANDED` nodes."""
    if expanded_size(node, functions) > MAX_EXPANDED:
        raise EvalError(
            f"the expression is too large once its functions are written out "
            f"(more than {MAX_EXPANDED:,} operations)",
            node.pos,
        )


def evaluate(
    node: Node,
    env: Mapping[str, float | int | numpy.ndarray],
    functions: Mapping[str, FunctionDef] = _NO_FUNCTIONS,
) -> float | numpy.ndarray:
    """The value of `node`: a Python float for scalars, a float64 array for vectors."""
    import numpy as np

    return evaluate_as(node, env, functions, np.float64)


def evaluate_as(
    node: Node,
    env: Mapping[str, float | int | numpy.ndarray],
    functions: Mapping[str, FunctionDef],
    dtype: Any,
) -> Any:
    """`evaluate` in another numpy floating type (np.longdouble: the same sums carried with
    more digits, which tells a float64 rounding artefact from a real difference)."""
    import numpy as np

    if functions:
        too_large(node, functions)
    try:
        with np.errstate(all="ignore"):
            value = _Evaluator(np, env, functions, dtype).value(node)
    except RecursionError:  # only hand-built trees far deeper than Limits allows
        raise EvalError("the expression is nested too deeply to evaluate") from None
    if isinstance(value, np.ndarray) and value.ndim > 0:
        return value
    return np.asarray(value).item()


def _sigmoid(np: Any, x: Any) -> Any:
    # exp of a non-positive number never overflows, so both branches are finite.
    ex = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + ex), ex / (1.0 + ex))


# The reductions below get a vector: its items run along the last axis (earlier axes, if any,
# are sample points).


def _softmax(np: Any, x: Any) -> Any:
    shifted = np.exp(x - np.max(x, axis=-1, keepdims=True))
    return shifted / np.sum(shifted, axis=-1, keepdims=True)


def _logsumexp(np: Any, x: Any) -> Any:
    top = np.max(x, axis=-1, keepdims=True)
    safe = np.where(np.isfinite(top), top, 0.0)
    return (safe + np.log(np.sum(np.exp(x - safe), axis=-1, keepdims=True)))[..., 0]


def _factorial(np: Any, x: Any) -> Any:
    """n! as Γ(n + 1), as SymPy reads it: no value at negative integers, inf past 170!."""

    def one(v: float) -> float:
        try:
            return math.gamma(v + 1)
        except OverflowError:
            return math.inf
        except ValueError:  # a pole: -1, -2, ...
            return math.nan

    values = np.asarray(x)
    out = np.vectorize(one, otypes=[float])(values.astype(float))
    return out.astype(values.dtype) if values.dtype.kind == "f" else out


def _log(np: Any, x: Any, base: Any = None) -> Any:
    return np.log(x) if base is None else np.log(x) / np.log(base)


def _extreme(pairwise: str, whole: str) -> Callable[..., Any]:
    """max/min: one argument reduces a vector, several compare elementwise."""

    def impl(np: Any, *args: Any) -> Any:
        if len(args) == 1:
            return getattr(np, whole)(args[0], axis=-1)
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
        "sum": lambda np, x: np.sum(x, axis=-1),
        "mean": lambda np, x: np.mean(x, axis=-1),
        "softmax": _softmax,
        "logsumexp": _logsumexp,
        "dot": lambda np, a, b: np.sum(a * b, axis=-1),
        "len": lambda np, x: np.full(np.shape(x)[:-1], float(np.shape(x)[-1])),
        # SymPy's Heaviside(0) is 1/2; the same here, so the two never disagree at 0.
        "heaviside": lambda np, x: np.heaviside(x, 0.5),
        "factorial": _factorial,
        "sec": lambda np, x: 1 / np.cos(x),
        "csc": lambda np, x: 1 / np.sin(x),
        "cot": lambda np, x: np.cos(x) / np.sin(x),
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
    def __init__(
        self, np: Any, env: Mapping[str, Any], functions: Mapping[str, FunctionDef], dtype: Any
    ) -> None:
        self.np = np
        self.dtype = dtype
        points = env.get(POINTS)
        self.points: int | None = None if points is None else int(points)
        self.batch = 0 if self.points is None else 1  # leading axes that are sample points
        self.globals = env
        self.env: Mapping[str, Any] = env
        self.functions = functions
        self.calling: list[str] = []

    # -- shapes: scalars have `batch` axes, vectors one more ----------------------------------

    def is_vector(self, value: Any) -> bool:
        return bool(self.np.ndim(value) > self.batch)

    def as_vector(self, value: Any) -> Any:
        """A vector of the batch's shape: (points, length) when batched."""
        if self.points is not None and self.np.ndim(value) == 1:
            return self.np.broadcast_to(value, (self.points, len(value)))
        return value

    def align(self, *values: Any) -> list[Any]:
        """Scalars next to vectors get a trailing axis, so each point's scalar meets that
        point's vector (a batched scalar has shape (points,), a vector (points, n))."""
        if not self.batch or not any(self.is_vector(v) for v in values):
            return list(values)
        np = self.np
        return [v[..., None] if np.ndim(v) == 1 and not self.is_vector(v) else v for v in values]

    def same_shape(self, node: Node, *values: Any) -> None:
        lengths = {self.np.shape(v)[-1] for v in values if self.is_vector(v)}
        if len(lengths) > 1:
            sizes = " and ".join(sorted(str(n) for n in lengths))
            raise EvalError(f"shape mismatch: vectors of length {sizes} can't be combined", node.pos)

    # -- values -------------------------------------------------------------------------------

    def value(self, node: Node) -> Any:
        np = self.np
        match node:
            case Num(text=text):
                return self.dtype(text)
            case Const(name=name):
                return self.dtype(CONSTANTS[name].text)
            case Name(name=name):
                return self.lookup(name, node.pos)
            case Neg(operand=operand):
                return np.negative(self.value(operand))
            case BinOp(op=op, left=left, right=right):
                a, b = self.value(left), self.value(right)
                self.same_shape(node, a, b)
                return getattr(np, _ARITH[op])(*self.align(a, b))
            case Call(func=func, args=args):
                return self.call(node, func, [self.value(a) for a in args])
            case Vector(items=items):
                values = [self.value(i) for i in items]
                if any(self.is_vector(v) for v in values):
                    raise EvalError("vector items must be numbers, not vectors", node.pos)
                stacked = np.stack(np.broadcast_arrays(*values), axis=-1).astype(self.dtype)
                return self.as_vector(stacked)
            case Index(target=target, index=index):
                return self.index(node, self.value(target), self.value(index))
            case Piecewise(pieces=pieces):
                return self.piecewise(node, pieces)
            case Compare(ops=ops, operands=operands):
                values = [self.value(o) for o in operands]
                result = np.bool_(True)
                for op, a, b in zip(ops, values, values[1:], strict=False):
                    self.same_shape(node, a, b)
                    result = np.logical_and(*self.align(result, getattr(np, _COMPARE[op])(*self.align(a, b))))
                return result
            case BoolOp(op=op, left=left, right=right):
                a, b = self.value(left), self.value(right)
                self.same_shape(node, a, b)
                a, b = self.align(a, b)
                return np.logical_and(a, b) if op == "and" else np.logical_or(a, b)
            case BoolConst(value=value):
                return np.bool_(value)
        raise EvalError(f"not a tutor.expr node: {node!r}")

    def lookup(self, name: str, pos: int) -> Any:
        if name not in self.env:
            raise EvalError(f"no value for `{name}`", pos)
        try:
            value = self.np.asarray(self.env[name], dtype=self.dtype)
        except (TypeError, ValueError):
            raise EvalError(f"the value of `{name}` is not a number or array of numbers", pos) from None
        if self.points is not None and value.ndim == 1 and len(value) != self.points:
            return self.as_vector(value)  # a vector parameter, the same at every point
        return value if value.ndim else value[()]

    def call(self, node: Node, func: str, args: list[Any]) -> Any:
        if func in self.functions:
            return self.call_declared(node, func, args)
        builtin = BUILTIN_FUNCTIONS.get(func)
        if builtin is None:
            raise EvalError(f"`{func}` is not a known function", node.pos)
        if not builtin.accepts(len(args)):
            raise EvalError(f"`{func}` takes {builtin.arity}, not {len(args)}", node.pos)
        if len(args) == 1 and func in REDUCTIONS and not self.is_vector(args[0]):
            return self.reduce_scalar(func, args[0])
        if len(args) > 1:
            self.same_shape(node, *args)
            args = self.align(*args)
        if func == "dot" and not any(self.is_vector(a) for a in args):
            return args[0] * args[1]
        if builtin.numpy.startswith("np."):
            return getattr(self.np, builtin.numpy[3:])(*args)
        return CUSTOM[builtin.numpy](self.np, *args)

    def reduce_scalar(self, func: str, x: Any) -> Any:
        """A reduction of one number: the number (len: 1, softmax: 1), at each point."""
        if func == "len":
            return self.np.ones_like(x)
        if func == "softmax":
            return self.np.where(self.np.isnan(x), x, 1.0)
        return x

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
        if not self.is_vector(target):
            raise EvalError("only a vector can be indexed", node.pos)
        flat = np.unique(np.asarray(index))
        if len(flat) != 1 or not float(flat[0]).is_integer():
            raise EvalError("an index must be a whole number, like z[0]", node.pos)
        i, length = int(flat[0]), np.shape(target)[-1]
        if not 0 <= i < length:
            raise EvalError(
                f"index {i} is out of range for a vector of length {length} (0-based)",
                node.pos,
            )
        return target[..., i]

    def piecewise(self, node: Node, pieces: tuple[tuple[Node, Node], ...]) -> Any:
        np = self.np
        pairs = [(self.value(v), self.value(c)) for v, c in pieces]
        flat = [x for pair in pairs for x in pair]
        self.same_shape(node, *flat)
        flat = np.broadcast_arrays(*self.align(*flat))
        shape = flat[0].shape
        result = np.full(shape, np.nan, dtype=self.dtype)
        decided = np.zeros(shape, dtype=bool)
        for value, cond in zip(flat[::2], flat[1::2], strict=True):  # the first that holds wins
            take = np.logical_and(cond, np.logical_not(decided))
            result = np.where(take, value, result)
            decided = np.logical_or(decided, cond)
        return result
