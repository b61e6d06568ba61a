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
)

CONSTANTS: Mapping[str, Constant] = MappingProxyType(
    {
        "e": Constant("e", math.e, "sp.E", "e"),
        "pi": Constant("pi", math.pi, "sp.pi", "π"),
    }
)
