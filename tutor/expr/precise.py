"""Evaluation at one point in arbitrary precision (mpmath, which SymPy ships).

float64 overflows at 1.8e308, underflows below 5e-324 and keeps 16 digits, so some right
answers look wrong in it: log(exp(-a)) for a = 800 is log(0) = -inf, and an expanded
polynomial with 14-digit coefficients loses everything to cancellation. The grader
re-evaluates such points here, where exponents are unbounded and the digits are chosen.

The semantics follow evaluate.py: log(0) = -inf, x/0 = ±inf, the first true branch of a
piecewise wins; where float64 gives nan (log of a negative, 0/0, asin(2)) this raises
`Undefined`. mpmath is imported inside the functions.
"""

from __future__ import annotations

from collections import ChainMap
from collections.abc import Callable, Mapping
from typing import Any

from tutor.expr.evaluate import MAX_CALL_DEPTH, EvalError, too_large
from tutor.expr.functions import BUILTIN_FUNCTIONS, REDUCTIONS
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


class Undefined(ArithmeticError):
    """No real value at this point (float64 would give nan)."""


class OutOfReach(EvalError):
    """A value so large or small that going on could take unbounded time or memory: this
    point is not settled. exp(exp(exp(30))) has an exponent of 10^13 digits, and sin of a
    number near 2^k needs k bits of pi."""


MAX_BITS = 10_000_000  # |log2| of any value
MAX_PERIODIC_BITS = 4_000  # |log2| of the argument of sin, cos, tan, sec, csc, cot
PERIODIC = frozenset({"sin", "cos", "tan", "sec", "csc", "cot"})
GROWING = frozenset(
    {"factorial", "exp", "sinh", "cosh", "tanh", "sigmoid", "softplus", "softmax", "logsumexp"}
)


def evaluate_precise(
    node: Node, env: Mapping[str, Any], functions: Mapping[str, FunctionDef], digits: int
) -> Any:
    """The value of `node` with `digits` significant digits: an mpf, or a list of them for a
    vector. `env` maps names to mpf values or lists of them. Raises Undefined or EvalError."""
    if functions:
        too_large(node, functions)
    try:
        return _Precise(_context(digits), env, functions).value(node)
    except RecursionError:
        raise EvalError("the expression is nested too deeply to evaluate") from None
    except (ValueError, ZeroDivisionError, OverflowError) as exc:
        if isinstance(exc, EvalError):
            raise
        raise Undefined(str(exc)) from None


_CONTEXTS: dict[int, Any] = {}


def _context(digits: int) -> Any:
    """An mpmath context fixed at `digits` (made once: making one takes milliseconds)."""
    ctx = _CONTEXTS.get(digits)
    if ctx is None:
        import mpmath

        ctx = mpmath.mp.clone()
        ctx.dps = digits
        ctx.literals = {}  # literal text -> its value at these digits
        _CONTEXTS[digits] = ctx
    return ctx


def _each(f: Callable[..., Any], *values: Any) -> Any:
    lengths = {len(v) for v in values if isinstance(v, list)}
    if not lengths:
        return f(*values)
    if len(lengths) > 1:
        raise EvalError("shape mismatch: vectors of different lengths can't be combined")
    (n,) = lengths
    return [f(*(v[i] if isinstance(v, list) else v for v in values)) for i in range(n)]


class _Precise:
    def __init__(self, ctx: Any, env: Mapping[str, Any], functions: Mapping[str, FunctionDef]) -> None:
        self.mp = ctx
        self.globals = env
        self.env: Mapping[str, Any] = env
        self.functions = functions
        self.calling: list[str] = []
        mp = ctx
        self.unary: dict[str, Callable[[Any], Any]] = {
            "exp": mp.exp,
            "ln": self.ln,
            "log10": lambda x: self.div(self.ln(x), mp.ln(10)),
            "log2": lambda x: self.div(self.ln(x), mp.ln(2)),
            "sqrt": mp.sqrt,
            "abs": abs,
            "sign": mp.sign,
            "tanh": mp.tanh,
            "sinh": mp.sinh,
            "cosh": mp.cosh,
            "sin": mp.sin,
            "cos": mp.cos,
            "tan": mp.tan,
            "sigmoid": lambda x: self.div(1, 1 + mp.exp(-x)),
            "softplus": lambda x: x + mp.log(1 + mp.exp(-x)) if x > 0 else mp.log(1 + mp.exp(x)),
            "relu": lambda x: max(x, mp.zero),
            "heaviside": lambda x: mp.mpf(1) if x > 0 else mp.mpf(0) if x < 0 else mp.mpf(0.5),
            "atan": mp.atan,
            "asin": mp.asin,
            "acos": mp.acos,
            "atanh": lambda x: self.div(1, 0) * mp.sign(x) if abs(x) == 1 else mp.atanh(x),
            "asinh": mp.asinh,
            "acosh": mp.acosh,
            "factorial": mp.factorial,
            "sec": lambda x: self.div(1, mp.cos(x)),
            "csc": lambda x: self.div(1, mp.sin(x)),
            "cot": lambda x: self.div(mp.cos(x), mp.sin(x)),
        }

    def real(self, value: Any) -> Any:
        """Refuse complex and nan results, as float64 would give nan."""
        mp = self.mp
        if type(value) is mp.mpf:
            if value != value:  # nan
                raise Undefined("nan")
            if value and mp.isfinite(value) and abs(mp.mag(value)) > MAX_BITS:
                raise OutOfReach("too large or too small to settle")
            return value
        if isinstance(value, list):
            return [self.real(v) for v in value]
        if isinstance(value, bool):
            return value
        if isinstance(value, mp.mpc):
            if value.imag != 0:
                raise Undefined("complex")
            value = value.real
        value = mp.mpf(value)
        if mp.isnan(value):
            raise Undefined("nan")
        return value

    def ln(self, x: Any) -> Any:
        return -self.mp.inf if x == 0 else self.mp.ln(x)

    def div(self, a: Any, b: Any) -> Any:
        mp = self.mp
        if b == 0:
            if a == 0 or mp.isnan(a):
                raise Undefined("0/0")
            return mp.inf * mp.sign(a)  # as float64 with a +0 divisor
        return mp.mpf(a) / b

    def power(self, a: Any, b: Any) -> Any:
        mp = self.mp
        if a == 0 and b < 0:
            return mp.inf
        if a and mp.isfinite(a) and mp.isfinite(b) and abs(b) * (abs(mp.mag(a)) + 1) > MAX_BITS:
            raise OutOfReach("the power is too large to compute")
        return mp.power(a, b)

    def value(self, node: Node) -> Any:
        return self.real(self.raw(node))

    def raw(self, node: Node) -> Any:
        mp = self.mp
        match node:
            case Num(text=text):
                value = mp.literals.get(text)
                if value is None:
                    value = mp.literals[text] = mp.mpf(text)
                return value
            case Const(name=name):
                return mp.e if name == "e" else mp.pi
            case Name(name=name):
                if name not in self.env:
                    raise EvalError(f"no value for `{name}`", node.pos)
                return self.env[name]
            case Neg(operand=operand):
                return _each(lambda v: -v, self.value(operand))
            case BinOp(op=op, left=left, right=right):
                a, b = self.value(left), self.value(right)
                f = {
                    "+": lambda p, q: p + q,
                    "-": lambda p, q: p - q,
                    "*": lambda p, q: p * q,
                    "/": self.div,
                    "^": self.power,
                }[op]
                return _each(f, a, b)
            case Call(func=func, args=args):
                return self.call(node, func, [self.value(a) for a in args])
            case Vector(items=items):
                values = [self.value(i) for i in items]
                if any(isinstance(v, list) for v in values):
                    raise EvalError("vector items must be numbers, not vectors", node.pos)
                return values
            case Index(target=target, index=index):
                vector, i = self.value(target), self.value(index)
                if not isinstance(vector, list) or isinstance(i, list) or i != int(i):
                    raise EvalError("bad index", node.pos)
                if not 0 <= int(i) < len(vector):
                    raise EvalError("index out of range", node.pos)
                return vector[int(i)]
            case Piecewise(pieces=pieces):
                for value, cond in pieces:
                    holds = self.raw(cond)
                    if isinstance(holds, list):
                        raise EvalError("a condition on vectors", node.pos)
                    if holds:
                        return self.value(value)
                raise Undefined("no branch holds")
            case Compare(ops=ops, operands=operands):
                values = [self.value(o) for o in operands]
                if any(isinstance(v, list) for v in values):
                    raise EvalError("a comparison of vectors", node.pos)
                tests = {
                    "<": lambda p, q: p < q,
                    "<=": lambda p, q: p <= q,
                    ">": lambda p, q: p > q,
                    ">=": lambda p, q: p >= q,
                    "==": lambda p, q: p == q,
                    "!=": lambda p, q: p != q,
                }
                return all(tests[op](a, b) for op, a, b in zip(ops, values, values[1:], strict=False))
            case BoolOp(op=op, left=left, right=right):
                a, b = bool(self.raw(left)), bool(self.raw(right))
                return (a and b) if op == "and" else (a or b)
            case BoolConst(value=value):
                return value
        raise EvalError(f"not a tutor.expr node: {node!r}")

    def call(self, node: Node, func: str, args: list[Any]) -> Any:
        if func in self.functions:
            return self.call_declared(node, func, args)
        builtin = BUILTIN_FUNCTIONS.get(func)
        if builtin is None or not builtin.accepts(len(args)):
            raise EvalError(f"`{func}` can't be called like this", node.pos)
        mp = self.mp
        if len(args) == 1 and func in REDUCTIONS:
            items = args[0] if isinstance(args[0], list) else [args[0]]
            if func == "softmax":
                top = max(items)
                exps = [mp.exp(v - top) for v in items]
                total = mp.fsum(exps)
                out = [v / total for v in exps]
                return out if isinstance(args[0], list) else out[0]
            return {
                "max": lambda: max(items),
                "min": lambda: min(items),
                "sum": lambda: mp.fsum(items),
                "mean": lambda: mp.fsum(items) / len(items),
                "len": lambda: mp.mpf(len(items)),
                "logsumexp": lambda: max(items) + mp.ln(mp.fsum(mp.exp(v - max(items)) for v in items)),
            }[func]()
        if func in ("max", "min"):
            pick = max if func == "max" else min
            return _each(lambda *xs: pick(xs), *args)
        if func == "log":
            if len(args) == 1:
                return _each(self.ln, args[0])
            return _each(lambda x, b: self.div(self.ln(x), self.ln(b)), *args)
        if func == "clip":
            return _each(lambda x, lo, hi: min(max(x, lo), hi), *args)
        if func == "dot":
            products = _each(lambda p, q: p * q, *args)
            return mp.fsum(products) if isinstance(products, list) else products
        if func in GROWING:  # exp(2^k) needs k bits of log(2) before it can even start
            for x in args[0] if isinstance(args[0], list) else args:
                if mp.isfinite(x) and abs(x) > MAX_BITS:
                    raise OutOfReach("the argument is too large to exponentiate")
        if func in PERIODIC:
            for x in args[0] if isinstance(args[0], list) else args:
                if x and mp.isfinite(x) and mp.mag(x) > MAX_PERIODIC_BITS:
                    raise OutOfReach("the argument is too large to reduce")
        return _each(self.unary[func], args[0])

    def call_declared(self, node: Node, func: str, args: list[Any]) -> Any:
        definition = self.functions[func]
        if len(args) != len(definition.params):
            raise EvalError(f"`{func}` takes {len(definition.params)} argument(s)", node.pos)
        if func in self.calling or len(self.calling) >= MAX_CALL_DEPTH:
            raise EvalError(f"`{func}` calls itself or nests too deeply", node.pos)
        saved = self.env
        self.env = ChainMap(dict(zip(definition.params, args, strict=True)), dict(self.globals))
        self.calling.append(func)
        try:
            return self.value(definition.body)
        finally:
            self.calling.pop()
            self.env = saved
