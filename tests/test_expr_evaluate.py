"""tutor.expr: numeric evaluation (numpy) and conversion to SymPy."""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pytest
import sympy

from tutor.expr import (
    BUILTIN_FUNCTIONS,
    CONSTANTS,
    Call,
    EvalError,
    FunctionDef,
    Name,
    Num,
    evaluate,
    parse,
)
from tutor.expr.evaluate import CUSTOM
from tutor.expr.sympy_bridge import _custom, to_sympy

NAMES = ("x", "y", "z", "p", "e", "delta", "y_hat", "w", "v")


def value(text: str, env: dict[str, Any], functions: dict[str, FunctionDef] | None = None) -> Any:
    tree = parse(text, variables=tuple(env) or NAMES, functions=tuple(functions or ()))
    return evaluate(tree, env, functions or {})


def define(
    params: tuple[str, ...], body: str, names: tuple[str, ...] = (), functions: tuple[str, ...] = ()
) -> FunctionDef:
    return FunctionDef(params, parse(body, variables=(*params, *names), functions=functions))


SIGMOID = define(("x",), "1/(1 + exp(-x))")
HUBER = define(("e",), "e^2/2 if |e| <= delta else delta*(|e| - delta/2)", ("delta",))

# (text, env, expected)
SCALARS = [
    ("2 + 3*4", {}, 14.0),
    ("2^3^2", {}, 512.0),
    ("-2^2", {}, -4.0),
    ("2^-1", {}, 0.5),
    ("1/2x", {"x": 4}, 2.0),
    ("2x", {"x": 1.5}, 3.0),
    (".5 + 1e-3 + 2.5E4", {}, 25000.501),
    ("(1-y)(1-p)", {"y": 0.5, "p": 0.25}, 0.375),
    ("-y log(p) - (1-y) log(1-p)", {"y": 1, "p": 0.5}, math.log(2)),
    ("e^-z", {"z": 1}, math.exp(-1)),
    ("e^2/2 if |e| <= delta else delta*(|e| - delta/2)", {"e": 0.5, "delta": 1}, 0.125),
    ("e^2/2 if |e| <= delta else delta*(|e| - delta/2)", {"e": -3, "delta": 1}, 2.5),
    ("Piecewise((x, x > 0), (0, True))", {"x": -2}, 0.0),
    ("a if x < 0 else b if x < 1 else c", {"x": 0.5, "a": 1, "b": 2, "c": 3}, 2.0),
    ("1 if 0 < x < 1 else 0", {"x": 1}, 0.0),
    ("1 if 0 < x <= 1 else 0", {"x": 1}, 1.0),
    ("1 if x > 0 and x < 1 or x == 5 else 0", {"x": 5}, 1.0),
    ("1 if x != 5 else 0", {"x": 5}, 0.0),
    ("x if x > 0 else nothing_matches", {"x": 1, "nothing_matches": 0}, 1.0),
    ("pi", {}, math.pi),
    ("e", {}, math.e),
    ("2pi", {}, 2 * math.pi),
    ("√x + x²", {"x": 4}, 18.0),
    ("x⁻¹", {"x": 4}, 0.25),
    ("|x - 1|", {"x": -1}, 2.0),
    ("log(8, 2) + ln(e) + log10(100) + log2(8)", {}, 9.0),
    ("exp(0) + sqrt(9) + abs(-2) + sign(-3)", {}, 5.0),
    ("max(1, 2, 3) + min(4, 5)", {}, 7.0),
    ("tanh(0) + sinh(0) + cosh(0) + sin(0) + cos(0) + tan(0)", {}, 2.0),
    ("sigmoid(0) + σ(0)", {}, 1.0),
    ("softplus(0)", {}, math.log(2)),
    ("relu(-1) + relu(2)", {}, 2.0),
    ("sum([1, 2, 3]) + mean([2, 4]) + len([1, 1])", {}, 11.0),
    ("logsumexp([0, 0])", {}, math.log(2)),
    ("dot([1, 2], [3, 4])", {}, 11.0),
    ("softmax([1, 1])[0]", {}, 0.5),
    ("[10, 20, 30][2]", {}, 30.0),
    ("z[1]", {"z": np.array([1.0, 2.0])}, 2.0),
    ("max(z)", {"z": np.array([1.0, 7.0, 2.0])}, 7.0),
    ("y_hat - y", {"y_hat": 0.75, "y": 1}, -0.25),
]


@pytest.mark.parametrize(("text", "env", "expected"), SCALARS)
def test_scalar_values(text: str, env: dict[str, Any], expected: float) -> None:
    result = evaluate(parse(text, variables=tuple(env)), env)
    assert isinstance(result, float)
    assert result == pytest.approx(expected, rel=1e-12, abs=1e-12)


# (text, env, expected array)
ARRAYS = [
    ("[0.638, 0.235, 0.095, 0.032]", {}, [0.638, 0.235, 0.095, 0.032]),
    ("2z + 1", {"z": np.array([0.0, 1.0])}, [1.0, 3.0]),
    ("z^2", {"z": [1, 2, 3]}, [1.0, 4.0, 9.0]),
    ("softmax([0, 0, 0, 0])", {}, [0.25] * 4),
    ("sigmoid(z)", {"z": np.array([-1000.0, 0.0, 1000.0])}, [0.0, 0.5, 1.0]),
    ("max(z, 0)", {"z": np.array([-1.0, 2.0])}, [0.0, 2.0]),
    ("max(z, w)", {"z": np.array([1.0, 5.0]), "w": np.array([3.0, 2.0])}, [3.0, 5.0]),
    (
        "e^2/2 if |e| <= delta else delta*(|e| - delta/2)",
        {"e": np.array([-3.0, 0.5, 2.0]), "delta": 1.0},
        [2.5, 0.125, 1.5],
    ),
    ("x if x > 0 else 0", {"x": np.array([-1.0, 3.0])}, [0.0, 3.0]),
]


@pytest.mark.parametrize(("text", "env", "expected"), ARRAYS)
def test_array_values(text: str, env: dict[str, Any], expected: list[float]) -> None:
    result = evaluate(parse(text, variables=tuple(env)), env)
    assert isinstance(result, np.ndarray) and result.dtype == np.float64
    np.testing.assert_allclose(result, expected, rtol=1e-12)


def test_numpy_semantics_without_warnings() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert evaluate(parse("log(0)"), {}) == -math.inf
        assert math.isnan(evaluate(parse("0/0"), {}))  # type: ignore[arg-type]
        assert evaluate(parse("1/0"), {}) == math.inf
        assert math.isnan(evaluate(parse("sqrt(-1)"), {}))  # type: ignore[arg-type]
        assert math.isnan(evaluate(parse("(-8)^(1/3)"), {}))  # type: ignore[arg-type]
        assert evaluate(parse("exp(1000)"), {}) == math.inf
        assert math.isnan(
            evaluate(parse("x if x > 0 else y", variables=["x", "y"]), {"x": math.nan, "y": math.nan})
        )  # type: ignore[arg-type]


def test_declared_functions() -> None:
    assert value("σ(z) - y", {"z": 0, "y": 1}, {"sigma": SIGMOID}) == pytest.approx(-0.5)
    assert value("huber(x)", {"x": 3, "delta": 1}, {"huber": HUBER}) == pytest.approx(2.5)
    # a declared function replaces a builtin of the same name
    double = define(("x",), "2x")
    assert value("sigmoid(3)", {"x": 0}, {"sigmoid": double}) == 6.0
    # a body sees its arguments first, then the question's values
    scaled = define(("x",), "w*x", ("w",))
    assert value("scaled(x)", {"x": 2, "w": 10}, {"scaled": scaled}) == 20.0
    nested = define(("t",), "scaled(t) + 1", ("w",), ("scaled",))
    tree = parse("nested(3)", functions=["nested"])
    assert evaluate(tree, {"w": 2}, {"nested": nested, "scaled": scaled}) == 7.0


# (tree, env, functions, message fragment)
EVAL_ERRORS: list[tuple[Any, dict[str, Any], dict[str, FunctionDef], str]] = [
    (parse("x + 1", variables=["x"]), {}, {}, "no value for `x`"),
    (parse("x", variables=["x"]), {"x": "abc"}, {}, "not a number"),
    (Call(0, "nope", (Num(5, "1"),)), {}, {}, "`nope` is not a known function"),
    (Call(0, "exp", ()), {}, {}, "`exp` takes 1 argument, not 0"),
    (
        parse("f(1, 2)", functions=["f"]),
        {},
        {"f": define(("x",), "x")},
        "`f` takes 1 argument(s), not 2",
    ),
    (parse("z + w", variables=["z", "w"]), {"z": [1, 2], "w": [1, 2, 3]}, {}, "shape mismatch"),
    (parse("dot(z, w)", variables=["z", "w"]), {"z": [1, 2], "w": [1, 2, 3]}, {}, "shape mismatch"),
    (parse("z[2]", variables=["z"]), {"z": [1, 2]}, {}, "out of range"),
    (parse("z[0.5]", variables=["z"]), {"z": [1, 2]}, {}, "whole number"),
    (parse("x[0]", variables=["x"]), {"x": 1.0}, {}, "only a vector"),
    (parse("[z, 1]", variables=["z"]), {"z": [1, 2]}, {}, "vector items must be numbers"),
    (
        Call(0, "f", (Name(2, "x"),)),
        {"x": 1},
        {"f": FunctionDef(("x",), Call(0, "f", (Name(2, "x"),)))},
        "calls itself",
    ),
]


@pytest.mark.parametrize(("tree", "env", "functions", "fragment"), EVAL_ERRORS)
def test_eval_errors(
    tree: Any, env: dict[str, Any], functions: dict[str, FunctionDef], fragment: str
) -> None:
    with pytest.raises(EvalError) as info:
        evaluate(tree, env, functions)
    assert fragment in str(info.value)
    assert isinstance(info.value, ValueError)


def test_mutual_recursion_is_refused() -> None:
    f = FunctionDef(("x",), Call(0, "g", (Name(0, "x"),)))
    g = FunctionDef(("x",), Call(0, "f", (Name(0, "x"),)))
    with pytest.raises(EvalError, match="calls itself"):
        evaluate(Call(0, "f", (Num(0, "1"),)), {}, {"f": f, "g": g})
    with pytest.raises(EvalError, match="calls itself"):
        to_sympy(Call(0, "f", (Num(0, "1"),)), {"f": f, "g": g})


# -- SymPy --------------------------------------------------------------------------------------

x, y, z, p, w = sympy.symbols("x y z p w")
e_sym, delta = sympy.symbols("e delta")

# (text, variables, functions, expected SymPy expression)
SYMPY_TABLE: list[tuple[str, tuple[str, ...], dict[str, FunctionDef], Any]] = [
    ("σ(z) - y", ("z", "y"), {"sigmoid": SIGMOID}, 1 / (1 + sympy.exp(-z)) - y),
    ("σ(z) - y", ("z", "y"), {}, 1 / (1 + sympy.exp(-z)) - y),
    ("-y log(p) - (1-y) log(1-p)", ("y", "p"), {}, -y * sympy.log(p) - (1 - y) * sympy.log(1 - p)),
    ("1/2 x^2", ("x",), {}, sympy.Rational(1, 2) * x**2),
    ("log(x, 2)", ("x",), {}, sympy.log(x) / sympy.log(2)),
    ("log10(x) + log2(x) + ln(x)", ("x",), {}, sympy.log(x, 10) + sympy.log(x, 2) + sympy.log(x)),
    ("|x| + sign(x) + √x", ("x",), {}, sympy.Abs(x) + sympy.sign(x) + sympy.sqrt(x)),
    ("max(0, 1 - y x) + min(x, y)", ("x", "y"), {}, sympy.Max(0, 1 - y * x) + sympy.Min(x, y)),
    ("e^x + pi", ("x",), {}, sympy.exp(x) + sympy.pi),
    (
        "softplus(x) + relu(x) + tanh(x)",
        ("x",),
        {},
        sympy.log(1 + sympy.exp(x)) + sympy.Max(x, 0) + sympy.tanh(x),
    ),
    ("sum([x, y, 1]) + mean([x, y])", ("x", "y"), {}, x + y + 1 + (x + y) / 2),
    ("dot([x, y], [2, 3]) + len([x, y])", ("x", "y"), {}, 2 * x + 3 * y + 2),
    ("logsumexp([x, y])", ("x", "y"), {}, sympy.log(sympy.exp(x) + sympy.exp(y))),
    ("softmax([x, y])[0]", ("x", "y"), {}, sympy.exp(x) / (sympy.exp(x) + sympy.exp(y))),
    (
        "huber(x)",
        ("x", "delta"),
        {"huber": HUBER},
        sympy.Piecewise((x**2 / 2, sympy.Abs(x) <= delta), (delta * (sympy.Abs(x) - delta / 2), True)),
    ),
    ("2.5 x", ("x",), {}, sympy.Float("2.5") * x),
]


@pytest.mark.parametrize(("text", "variables", "functions", "expected"), SYMPY_TABLE)
def test_to_sympy(
    text: str, variables: tuple[str, ...], functions: dict[str, FunctionDef], expected: Any
) -> None:
    tree = parse(text, variables=variables, functions=tuple(functions))
    assert sympy.simplify(to_sympy(tree, functions) - expected) == 0


def test_to_sympy_literals_stay_exact() -> None:
    assert to_sympy(parse("1/3")) == sympy.Rational(1, 3)
    assert to_sympy(parse("2")) == sympy.Integer(2) and to_sympy(parse("2")).is_Integer
    assert to_sympy(parse("0.1")).is_Float
    assert to_sympy(parse("e")) == sympy.E


def test_to_sympy_assumptions_and_piecewise() -> None:
    tree = parse("e^2/2 if |e| <= delta else delta*(|e| - delta/2)", variables=("e", "delta"))
    result = to_sympy(tree, assumptions={"e": {"real": True}, "delta": {"positive": True}})
    assert isinstance(result, sympy.Piecewise)
    symbols = {s.name: s for s in result.free_symbols}
    assert symbols["e"].is_real and symbols["delta"].is_positive
    assert result.subs({symbols["e"]: 3, symbols["delta"]: 1}) == sympy.Rational(5, 2)


def test_to_sympy_vectors_are_tuples() -> None:
    assert to_sympy(parse("[1, x] * 2", variables=["x"])) == (2, 2 * x)
    assert to_sympy(parse("exp([0, x])", variables=["x"])) == (1, sympy.exp(x))
    with pytest.raises(EvalError, match="shape mismatch"):
        to_sympy(parse("[1, 2] + [1, 2, 3]"))
    assert to_sympy(parse("z[1]", variables=["z"])) == sympy.IndexedBase("z")[1]


def test_to_sympy_refusals_are_eval_errors() -> None:
    with pytest.raises(EvalError, match="SymPy can't represent"):
        to_sympy(parse("1 if x < sqrt(-1) else 0", variables=["x"]))
    with pytest.raises(EvalError, match="whole number"):
        to_sympy(parse("z[x]", variables=["z", "x"]))
    with pytest.raises(EvalError, match="out of range"):
        to_sympy(parse("[1, 2][2]"))


def test_to_sympy_condition() -> None:
    tree = parse("1 if 0 < x < 1 else 0", variables=["x"])
    result = to_sympy(tree)
    assert result.subs(x, sympy.Rational(1, 2)) == 1 and result.subs(x, 2) == 0


# -- the function table -------------------------------------------------------------------------


def test_every_builtin_has_implementations() -> None:
    for name, builtin in BUILTIN_FUNCTIONS.items():
        assert builtin.name == name
        if builtin.numpy.startswith("np."):
            assert callable(getattr(np, builtin.numpy[3:]))
        else:
            assert builtin.numpy in CUSTOM
        if builtin.sympy.startswith("sp."):
            assert callable(getattr(sympy, builtin.sympy[3:]))
        else:
            assert builtin.sympy in _custom(sympy)
    for constant in CONSTANTS.values():
        assert float(getattr(sympy, constant.sympy[3:])) == pytest.approx(constant.value)


@pytest.mark.parametrize("name", sorted(BUILTIN_FUNCTIONS))
def test_numpy_and_sympy_agree(name: str) -> None:
    builtin = BUILTIN_FUNCTIONS[name]
    vector_args = name in ("sum", "mean", "softmax", "logsumexp", "dot", "len")
    point = "1.3" if name == "acosh" else "0.3"  # inside every function's domain
    args = ["[0.3, 0.7]"] * max(builtin.min_args, 1) if vector_args else [point] * builtin.min_args
    if name in ("max", "min"):
        args = ["0.3", "0.7"]
    tree = parse(f"{name}({', '.join(args)})")
    numeric = np.asarray(evaluate(tree, {}))
    symbolic = to_sympy(tree)
    symbolic = np.array([float(v) for v in symbolic]) if isinstance(symbolic, tuple) else float(symbolic)
    np.testing.assert_allclose(numeric, symbolic, rtol=1e-12)


def test_renders_with_display_names() -> None:
    assert BUILTIN_FUNCTIONS["sigmoid"].display == "σ"
    assert BUILTIN_FUNCTIONS["log"].arity == "1 or 2 arguments"
    assert BUILTIN_FUNCTIONS["max"].arity == "at least 1 argument"
    assert BUILTIN_FUNCTIONS["dot"].arity == "2 arguments"
