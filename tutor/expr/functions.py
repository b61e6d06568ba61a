"""The one table of builtin functions and constants.

The parser (names, arity), the renderer (display), evaluate (numpy) and the SymPy bridge all
read this table, so adding a function here is the only place its name and arity are written.

`numpy` / `sympy` name the implementation: "np.<attr>" / "sp.<attr>" is that attribute of numpy /
sympy applied elementwise; any other string is the key of a hand-written implementation in
evaluate.py / sympy_bridge.py (a test checks every key exists).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True)
class BuiltinFunction:
    name: str
    min_args: int
    max_args: int | None  # None: any number of arguments from min_args up
    numpy: str
    sympy: str
    display: str
    example: str
    summary: str

    def accepts(self, count: int) -> bool:
        """Does the function take `count` arguments?"""
        return count >= self.min_args and (self.max_args is None or count <= self.max_args)

    @property
    def arity(self) -> str:
        """ "1 argument", "1 or 2 arguments", "at least 1 argument"."""
        low, high = self.min_args, self.max_args
        if high is None:
            return f"at least {low} argument{'s' if low != 1 else ''}"
        if low == high:
            return f"{low} argument{'s' if low != 1 else ''}"
        return f"{low} or {high} arguments" if high == low + 1 else f"{low} to {high} arguments"


@dataclass(frozen=True)
class Constant:
    name: str
    value: float
    sympy: str
    display: str
    text: str  # more digits than any float type holds, for evaluation in extended precision


def _table(
    *rows: tuple[str, int, int | None, str, str, str, str, str],
) -> Mapping[str, BuiltinFunction]:
    return MappingProxyType({row[0]: BuiltinFunction(*row) for row in rows})


# name, min args, max args, numpy, sympy, display, example, summary
BUILTIN_FUNCTIONS: Mapping[str, BuiltinFunction] = _table(
    ("exp", 1, 1, "np.exp", "sp.exp", "exp", "exp(-z)", "e to the power x"),
    ("log", 1, 2, "log", "log", "log", "log(p) or log(x, 10)", "natural log; log(x, b) is base b"),
    ("ln", 1, 1, "np.log", "sp.log", "ln", "ln(p)", "natural log"),
    ("log10", 1, 1, "np.log10", "log10", "log10", "log10(x)", "base-10 log"),
    ("log2", 1, 1, "np.log2", "log2", "log2", "log2(x)", "base-2 log"),
    ("sqrt", 1, 1, "np.sqrt", "sp.sqrt", "√", "sqrt(x)", "square root"),
    ("abs", 1, 1, "np.abs", "sp.Abs", "abs", "abs(x) or |x|", "absolute value"),
    ("sign", 1, 1, "np.sign", "sp.sign", "sign", "sign(x)", "-1, 0 or 1"),
    (
        "max",
        1,
        None,
        "max",
        "max",
        "max",
        "max(0, x) or max(z)",
        "largest, elementwise or of one vector",
    ),
    (
        "min",
        1,
        None,
        "min",
        "min",
        "min",
        "min(1, x) or min(z)",
        "smallest, elementwise or of one vector",
    ),
    ("tanh", 1, 1, "np.tanh", "sp.tanh", "tanh", "tanh(x)", "hyperbolic tangent"),
    ("sinh", 1, 1, "np.sinh", "sp.sinh", "sinh", "sinh(x)", "hyperbolic sine"),
    ("cosh", 1, 1, "np.cosh", "sp.cosh", "cosh", "cosh(x)", "hyperbolic cosine"),
    ("sin", 1, 1, "np.sin", "sp.sin", "sin", "sin(x)", "sine"),
    ("cos", 1, 1, "np.cos", "sp.cos", "cos", "cos(x)", "cosine"),
    ("tan", 1, 1, "np.tan", "sp.tan", "tan", "tan(x)", "tangent"),
    ("sigmoid", 1, 1, "sigmoid", "sigmoid", "σ", "sigmoid(z) or σ(z)", "1/(1 + e^(-z))"),
    ("softplus", 1, 1, "softplus", "softplus", "softplus", "softplus(z)", "log(1 + e^z)"),
    ("relu", 1, 1, "relu", "relu", "relu", "relu(z)", "max(0, z)"),
    ("clip", 3, 3, "clip", "clip", "clip", "clip(e, -delta, delta)", "x limited to [low, high]"),
    ("sum", 1, 1, "sum", "sum", "sum", "sum(z)", "sum of a vector's items"),
    ("mean", 1, 1, "mean", "mean", "mean", "mean(z)", "average of a vector's items"),
    ("softmax", 1, 1, "softmax", "softmax", "softmax", "softmax(z)", "exp(z)/sum(exp(z))"),
    ("logsumexp", 1, 1, "logsumexp", "logsumexp", "logsumexp", "logsumexp(z)", "log(sum(exp(z)))"),
    ("dot", 2, 2, "dot", "dot", "dot", "dot(w, x)", "sum of products of two vectors"),
    ("len", 1, 1, "len", "len", "len", "len(z)", "number of items"),
    (
        "heaviside",
        1,
        1,
        "heaviside",
        "sp.Heaviside",
        "Heaviside",
        "heaviside(x)",
        "0 below 0, 1 above, 1/2 at 0",
    ),
    ("atan", 1, 1, "np.arctan", "sp.atan", "atan", "atan(x) or arctan(x)", "inverse tangent"),
    ("asin", 1, 1, "np.arcsin", "sp.asin", "asin", "asin(x) or arcsin(x)", "inverse sine"),
    ("acos", 1, 1, "np.arccos", "sp.acos", "acos", "acos(x) or arccos(x)", "inverse cosine"),
    ("atanh", 1, 1, "np.arctanh", "sp.atanh", "atanh", "atanh(x) or artanh(x)", "inverse tanh"),
    ("asinh", 1, 1, "np.arcsinh", "sp.asinh", "asinh", "asinh(x) or arsinh(x)", "inverse sinh"),
    ("acosh", 1, 1, "np.arccosh", "sp.acosh", "acosh", "acosh(x) or arcosh(x)", "inverse cosh"),
    ("factorial", 1, 1, "factorial", "sp.factorial", "factorial", "factorial(n) or n!", "1·2·…·n"),
    ("sec", 1, 1, "sec", "sp.sec", "sec", "sec(x)", "1/cos(x)"),
    ("csc", 1, 1, "csc", "sp.csc", "csc", "csc(x)", "1/sin(x)"),
    ("cot", 1, 1, "cot", "sp.cot", "cot", "cot(x)", "cos(x)/sin(x)"),
)

# Other spellings learners type (SymPy's capitalised names, arc-, sgn), read as the builtin.
ALIASES: Mapping[str, str] = MappingProxyType(
    {
        "Abs": "abs",
        "Max": "max",
        "Min": "min",
        "Heaviside": "heaviside",
        "sgn": "sign",
        "arctan": "atan",
        "arcsin": "asin",
        "arccos": "acos",
        "arctanh": "atanh",
        "artanh": "atanh",
        "arcsinh": "asinh",
        "arsinh": "asinh",
        "arccosh": "acosh",
        "arcosh": "acosh",
    }
)

# One-argument functions that reduce a vector to one number (or, for softmax, map it to
# another vector). Of a scalar they give the scalar itself (len: 1; softmax: 1), never a
# reduction over anything else, such as the points a grader samples at.
REDUCTIONS = frozenset({"max", "min", "sum", "mean", "len", "softmax", "logsumexp"})

CONSTANTS: Mapping[str, Constant] = MappingProxyType(
    {
        "e": Constant("e", math.e, "sp.E", "e", "2.71828182845904523536028747135266250"),
        "pi": Constant("pi", math.pi, "sp.pi", "π", "3.14159265358979323846264338327950288"),
    }
)
