"""tutor.expr: reading learner and author math (grammar, Unicode, rendering, errors)."""

from __future__ import annotations

import pickle
import subprocess
import sys

import pytest

from tutor.expr import (
    BUILTIN_FUNCTIONS,
    BinOp,
    Call,
    Const,
    Limits,
    Name,
    Num,
    Piecewise,
    ReadError,
    called_functions,
    free_names,
    parse,
    render,
)

VARS = ("x", "y", "z", "p", "a", "b", "c", "w", "delta", "y_hat", "epsilon", "theta_0")
HUBER = ("e", "delta")


def read(text: str, variables: tuple[str, ...] = VARS, functions: tuple[str, ...] = ()) -> str:
    return render(parse(text, variables=variables, functions=functions))


# (text, variables, functions, expected rendering)
RENDERED = [
    # numbers and operators
    ("2", VARS, (), "2"),
    ("2.5", VARS, (), "2.5"),
    (".5", VARS, (), "0.5"),
    ("1e-3", VARS, (), "1e−3"),
    ("2.5E4", VARS, (), "2.5e4"),
    ("1e−3", VARS, (), "1e−3"),
    ("x + y - z", VARS, (), "x + y − z"),
    ("x*y/z", VARS, (), "x·y/z"),
    ("2*3", VARS, (), "2·3"),
    ("x^2", VARS, (), "x²"),
    ("x**2", VARS, (), "x²"),
    ("x^10", VARS, (), "x¹⁰"),
    ("x^y", VARS, (), "x^y"),
    ("x^0.5", VARS, (), "x^0.5"),
    ("2^3^2", VARS, (), "2^(3²)"),
    ("(2^3)^2", VARS, (), "(2³)²"),
    ("-x^2", VARS, (), "−x²"),
    ("(-x)^2", VARS, (), "(−x)²"),
    ("2^-1", VARS, (), "2⁻¹"),
    ("e^-z", ("z",), (), "e^(−z)"),
    ("exp(-z)", ("z",), (), "exp(−z)"),
    ("-log(p)", VARS, (), "−log(p)"),
    ("a - (b - c)", VARS, (), "a − (b − c)"),
    ("(a - b) - c", VARS, (), "a − b − c"),
    ("a/(b*c)", VARS, (), "a/(b·c)"),
    ("a + -b", VARS, (), "a + (−b)"),
    ("--x", VARS, (), "−(−x)"),
    ("+x", VARS, (), "x"),
    ("-(2x)", VARS, (), "−(2x)"),
    # implicit multiplication
    ("2x", VARS, (), "2x"),
    ("2 x", VARS, (), "2x"),
    ("x y", VARS, (), "x·y"),
    ("y log(p)", VARS, (), "y·log(p)"),
    ("(1-y)(1-p)", VARS, (), "(1 − y)(1 − p)"),
    ("2(x+1)", VARS, (), "2(x + 1)"),
    ("x(1-y)", VARS, (), "x(1 − y)"),
    ("2pi", VARS, (), "2π"),
    ("(a+b)c", VARS, (), "(a + b)·c"),
    ("1/2x", VARS, (), "(1/2)·x"),
    ("-2x", VARS, (), "−2x"),
    ("2x^2", VARS, (), "2x²"),
    ("2x y", VARS, (), "2x·y"),
    ("x^2y", VARS, (), "x²·y"),
    ("σ(z)(1-σ(z))", VARS, (), "σ(z)·(1 − σ(z))"),
    ("1e-3x", VARS, (), "1e−3·x"),
    # functions
    ("log(x, 2)", VARS, (), "log(x, 2)"),
    ("ln(p)", VARS, (), "ln(p)"),
    ("max(0, 1 - y*x)", VARS, (), "max(0, 1 − y·x)"),
    ("sigmoid(z) - y", VARS, (), "σ(z) − y"),
    ("σ(z) - y", VARS, (), "σ(z) − y"),
    ("huber(x, delta)", VARS, ("huber",), "huber(x, δ)"),
    ("sqrt(x)", VARS, (), "√x"),
    ("√x", VARS, (), "√x"),
    ("√(x+1)", VARS, (), "√(x + 1)"),
    ("√x²", VARS, (), "(√x)²"),
    ("2√x", VARS, (), "2√x"),
    ("softmax(z)[0]", VARS, (), "softmax(z)[0]"),
    ("z[0]", VARS, (), "z[0]"),
    ("sum(z)/len(z)", VARS, (), "sum(z)/len(z)"),
    # absolute values
    ("|e|", HUBER, (), "|e|"),
    ("abs(x)", VARS, (), "|x|"),
    ("|x - 1|", VARS, (), "|x − 1|"),
    ("|a|·|b|", VARS, (), "|a|·|b|"),
    ("|a||b|", VARS, (), "|a|·|b|"),
    ("2|x|", VARS, (), "2|x|"),
    ("||x| - 1|", VARS, (), "||x| − 1|"),
    ("|x - |y||", VARS, (), "|x − |y||"),
    ("|x|^2", VARS, (), "|x|²"),
    # vectors
    ("[0.638, 0.235, 0.095, 0.032]", VARS, (), "[0.638, 0.235, 0.095, 0.032]"),
    ("2[1, 2]", VARS, (), "2·[1, 2]"),
    # piecewise, both spellings
    (
        "e^2/2 if |e| <= delta else delta*(|e| - delta/2)",
        HUBER,
        (),
        "{ e²/2 if |e| ≤ δ; δ(|e| − δ/2) otherwise }",
    ),
    ("a if x < 0 else b if x < 1 else c", VARS, (), "{ a if x < 0; b if x < 1; c otherwise }"),
    ("Piecewise((x, x > 0), (0, True))", VARS, (), "{ x if x > 0; 0 otherwise }"),
    ("x if 0 < x < 1 else 0", VARS, (), "{ x if 0 < x < 1; 0 otherwise }"),
    (
        "x if x > 0 and y > 0 or z == 1 else 0",
        VARS,
        (),
        "{ x if x > 0 and y > 0 or z = 1; 0 otherwise }",
    ),
    (
        "x if (x > 0 or y > 0) and z != 1 else 0",
        VARS,
        (),
        "{ x if (x > 0 or y > 0) and z ≠ 1; 0 otherwise }",
    ),
    ("x if x ≥ 0 else -x", VARS, (), "{ x if x ≥ 0; −x otherwise }"),
    ("x if x ≤ 0 else 0", VARS, (), "{ x if x ≤ 0; 0 otherwise }"),
    ("x if x ≠ 0 else 1", VARS, (), "{ x if x ≠ 0; 1 otherwise }"),
    ("x if x >= 1 else 2", VARS, (), "{ x if x ≥ 1; 2 otherwise }"),
    # pasted Unicode
    ("x − y – 1", VARS, (), "x − y − 1"),
    ("3 × 2 ÷ 4", VARS, (), "3·2/4"),
    ("x⋅y ∗ z", VARS, (), "x·y·z"),
    ("x³", VARS, (), "x³"),
    ("x⁻¹", VARS, (), "x⁻¹"),
    ("(x+1)²", VARS, (), "(x + 1)²"),
    ("π", VARS, (), "π"),
    ("2π x", VARS, (), "2π·x"),
    ("δ", VARS, (), "δ"),
    ("delta", VARS, (), "δ"),
    ("ε", VARS, (), "ε"),
    ("θ_0", VARS, (), "θ₀"),
    ("θ₀", VARS, (), "θ₀"),
    ("pᵢ(1 − pᵢ)", ("p_i",), (), "p_i(1 − p_i)"),  # subscript letters, as prompts print them
    ("-(1-pₜ)^γ log(pₜ)", ("p_t", "gamma"), (), "−(1 − p_t)^γ·log(p_t)"),
    ("ŷ", VARS, (), "ŷ"),
    ("y\u0302", VARS, (), "ŷ"),
    ("y_hat", VARS, (), "ŷ"),
    ("(y - ŷ)²", VARS, (), "(y − ŷ)²"),
    (
        "α + β + γ + λ + μ + τ",
        ("alpha", "beta", "gamma", "lambda", "mu", "tau"),
        (),
        "α + β + γ + λ + μ + τ",
    ),
    ("σ z", ("sigma", "z"), (), "σ·z"),
    ("σ(z)", ("sigma", "z"), (), "σ·z"),  # sigma declared: a product, and the preview says so
    ("x\u00a0+\u200by", VARS, (), "x + y"),  # non-breaking and zero-width spaces from a paste
]


@pytest.mark.parametrize(("text", "variables", "functions", "expected"), RENDERED)
def test_reads_and_renders(
    text: str, variables: tuple[str, ...], functions: tuple[str, ...], expected: str
) -> None:
    assert read(text, variables, functions) == expected


# Pairs that must read as the same tree (positions are not compared).
SAME_TREE = [
    ("2x", "2*x"),
    ("2 x", "2*x"),
    ("x y", "x*y"),
    ("x**2", "x^2"),
    ("-x^2", "-(x^2)"),
    ("1/2x", "(1/2)*x"),
    ("2^3^2", "2^(3^2)"),
    ("2^-1", "2^(-1)"),
    ("x²", "x^2"),
    ("x⁻¹", "x^(-1)"),
    ("√x", "sqrt(x)"),
    ("√2x", "sqrt(2)*x"),
    ("√z[0]", "sqrt(z[0])"),
    ("|x|", "abs(x)"),
    ("π", "pi"),
    ("ŷ", "y_hat"),
    ("y\u0302", "y_hat"),
    ("ε", "epsilon"),
    ("x − y", "x - y"),
    ("3×2÷4", "3*2/4"),
    (".5", "0.5"),
    ("2.5E4", "2.5e4"),
    ("(1-y)(1-p)", "(1-y)*(1-p)"),
    ("x(1-y)", "x*(1-y)"),
    ("2pi", "2*pi"),
    ("(a+b)c", "(a+b)*c"),
    ("y log(p)", "y*log(p)"),
    ("σ(z)", "sigmoid(z)"),
    ("a if x < 0 else b if x < 1 else c", "Piecewise((a, x < 0), (b, x < 1), (c, True))"),
    ("a if x<0 else b", "piecewise((a, x < 0), (b, True))"),
    ("x if x ≤ 1 else 0", "x if x <= 1 else 0"),
    ("x if x ≠ 1 else 0", "x if x != 1 else 0"),
    ("1 + a if x > 0 else b", "(1 + a) if x > 0 else b"),
]


@pytest.mark.parametrize(("left", "right"), SAME_TREE)
def test_same_tree(left: str, right: str) -> None:
    assert parse(left, variables=VARS) == parse(right, variables=VARS)


def test_tree_shapes() -> None:
    assert parse("2.5") == Num(0, "2.5")
    assert parse("1e-3").text == "1e-3"  # type: ignore[attr-defined]
    assert parse("x - 1", variables=["x"]) == BinOp(0, "-", Name(0, "x"), Num(4, "1"))
    tree = parse("huber(e, 1)", variables=["e"], functions=["huber"])
    assert tree == Call(0, "huber", (Name(6, "e"), Num(9, "1")))
    assert isinstance(parse("x if x > 0 else 0", variables=["x"]), Piecewise)


def test_positions_point_into_the_original_text() -> None:
    tree = parse("  δ·(ŷ − y)", variables=VARS)
    assert isinstance(tree, BinOp)
    assert tree.pos == 2  # δ
    assert isinstance(tree.right, BinOp)
    assert tree.right.pos == 5  # ŷ: a node starts at its own text...
    assert tree.right.right.pos == 9
    assert parse(" (a + b)*c", variables=VARS).pos == 1  # ...a parent at its operand's `(`


def test_e_is_a_constant_unless_declared() -> None:
    assert parse("e") == Const(0, "e")
    assert parse("e", variables=["e"]) == Name(0, "e")
    assert free_names(parse("e^2 + pi")) == set()
    assert free_names(parse("e^2 + pi", variables=["e"])) == {"e"}


def test_sigma_is_sigmoid_only_when_called_and_undeclared() -> None:
    assert parse("σ(z)", variables=["z"]) == Call(0, "sigmoid", (Name(2, "z"),))
    assert parse("σ(z)", variables=["z"], functions=["sigma"]) == Call(0, "sigma", (Name(2, "z"),))
    assert parse("σ(z)", variables=["z", "sigma"]) == BinOp(0, "*", Name(0, "sigma"), Name(2, "z"))
    assert parse("σ^2", variables=["sigma"]) == BinOp(0, "^", Name(0, "sigma"), Num(2, "2"))


def test_variable_called_like_a_function_multiplies() -> None:
    assert parse("x(1-y)", variables=["x", "y"]) == parse("x*(1-y)", variables=["x", "y"])
    # a declared function wins over a variable of the same name when followed by `(`
    assert parse("f(y)", variables=["f", "y"], functions=["f"]) == Call(0, "f", (Name(2, "y"),))


def test_commas_separate_arguments_and_items() -> None:
    assert parse("log(2,5)") == Call(0, "log", (Num(4, "2"), Num(6, "5")))
    assert len(parse("[2,5]").items) == 2  # type: ignore[attr-defined]


def test_free_names_and_called_functions() -> None:
    tree = parse("y log(σ(z)) + |x| + √w + huber(x, delta) + pi", variables=VARS, functions=["huber"])
    assert free_names(tree) == {"y", "z", "x", "w", "delta"}
    assert called_functions(tree) == {"log", "sigmoid", "abs", "sqrt", "huber"}


def test_every_builtin_can_be_called() -> None:
    for name, builtin in BUILTIN_FUNCTIONS.items():
        args = ", ".join(["x"] * builtin.min_args)
        assert called_functions(parse(f"{name}({args})", variables=["x"])) == {name}


# (text, variables, message fragment, position, end, hint fragment or None)
ERRORS = [
    ("", (), "the expression is empty", 0, 0, "2*x + 1"),
    ("   ", (), "the expression is empty", 0, 3, None),
    ("2 @ 3", (), "`@`", 2, 3, "dot(a, b)"),
    ("$x$", VARS, "`$`", 0, 1, "LaTeX"),
    ("x # comment", VARS, "`#`", 2, 3, "comments"),
    ("'x'", VARS, "quotes", 0, 1, "remove the quotes"),
    ('"x"', VARS, "quotes", 0, 1, None),
    ("\\frac{1}{2}", VARS, "`\\`", 0, 1, "LaTeX"),
    ("x; y", VARS, "`;`", 1, 2, "single expression"),
    ("{x}", VARS, "`{`", 0, 1, "( )"),
    ("(2 + 3", (), "`(` is never closed", 0, 1, "add `)`"),
    ("log(x", VARS, "`(` is never closed", 3, 4, None),
    ("[1, 2", (), "`[` is never closed", 0, 1, None),
    ("|x - 1", VARS, "`|` is never closed", 0, 1, None),
    ("2 + 3)", (), "`)` has no matching `(`", 5, 6, None),
    (")", (), "`)` has no matching `(`", 0, 1, None),
    ("(x]", VARS, "`]` has no matching `[`", 2, 3, None),
    ("[x)", VARS, "`)` has no matching `(`", 2, 3, None),
    ("(|x)", VARS, "`)` doesn't match `|`", 3, 4, None),
    ("2 +", (), "the expression ends after `+`", 2, 3, None),
    ("x^", VARS, "the expression ends after `^`", 1, 2, None),
    ("log(x,", VARS, "the expression ends after `,`", 5, 6, None),
    ("2*/3", (), "`/` can't follow `*`", 2, 3, "remove one of them"),
    ("*2", (), "`*` needs a value before it", 0, 1, None),
    ("()", (), "`()` is empty", 0, 2, None),
    ("[]", (), "empty vector", 0, 2, None),
    ("[[1], [2]]", (), "vectors can't be nested", 1, 4, None),
    ("2,3026", (), "`2,3026`: use a decimal point", 1, 2, "2.3026"),
    ("0,6675", (), "`0,6675`: use a decimal point", 1, 2, "0.6675"),
    ("x * 2,5", VARS, "`2,5`: use a decimal point", 5, 6, "2.5"),
    ("(0,5)", (), "`0,5`: use a decimal point", 2, 3, "0.5"),
    ("0,500", (), "`0,500`: use a decimal point", 1, 2, "0.500"),
    ("1,000,000", (), "don't group digits", 1, 6, "1000000"),
    ("890,000", (), "`890,000` is ambiguous", 3, 4, "write 890000 or 890.000"),
    ("1,500", (), "`1,500` is ambiguous", 1, 2, "write 1500 or 1.500"),
    ("2, 3", (), "`,` only separates", 1, 2, None),
    ("pix", ("p", "i", "x"), "`pix` is not a known name", 0, 3, "did you mean `pi*x`?"),
    ("2deltax", VARS, "`deltax` is not a known name", 1, 7, "did you mean `delta*x`?"),
    ("ylog(p)", VARS, "`ylog` is not a known function", 0, 4, "`y*log(…)`"),
    ("detla", HUBER, "`detla` is not a known name", 0, 5, "did you mean `delta`?"),
    ("sigmod(z)", VARS, "`sigmod` is not a known function", 0, 6, "did you mean `sigmoid`?"),
    ("q", ("x", "y"), "`q` is not a known name", 0, 1, "x, y"),
    ("σ", VARS, "`σ` is not a known name", 0, 1, "σ(z)"),
    ("ln", VARS, "`ln` is a function", 0, 2, "`ln` needs parentheses: ln(x)"),
    (
        "ln x^2",
        VARS,
        "is the power (or what follows) part of the argument?",
        0,
        5,
        "write ln(x^2) or ln(x)^2",
    ),
    ("sin^2 x^2", VARS, "part of the argument?", 0, 8, "write sin(x^2)^2"),
    ("n!!", ("n",), "could mean a double factorial", 1, 3, "(n!)!"),
    ("sigmoid", VARS, "`sigmoid` is a function", 0, 7, "sigmoid(x)"),
    ("exp + 1", VARS, "`exp` is a function", 0, 3, "exp(x)"),
    ("log(1, 2, 3)", (), "`log` takes 1 or 2 arguments, not 3", 0, 12, "log(x, 10)"),
    ("exp()", (), "`exp` takes 1 argument, not 0", 0, 5, None),
    ("dot(x)", VARS, "`dot` takes 2 arguments, not 1", 0, 6, None),
    ("x.real", VARS, "`.` is only a decimal point", 1, 2, "attributes"),
    ("math.log(x)", VARS, "`.` is only a decimal point", 4, 5, None),
    ("2.5.3", (), "`.` is only a decimal point", 3, 4, None),
    ("x = 3", VARS, "`=`", 2, 3, "write only the expression"),
    ("x & y", VARS, "`&`", 2, 3, "and"),
    ("x < 1", VARS, "`x < 1` is a condition, not a value", 0, 5, "if"),
    ("x and y", VARS, "`x` is not a condition", 0, 1, "joins conditions"),
    ("(x < 1) + 2", VARS, "`(x < 1)` is a condition", 0, 7, None),
    ("a if x > 0", VARS, "`if` needs an `else`", 2, 4, None),
    ("a else b", VARS, "`else` needs an `if`", 2, 6, None),
    ("a if x else b", VARS, "`x` is not a condition", 5, 6, None),
    ("Piecewise((x, x))", VARS, "`x` is not a condition", 14, 15, None),
    ("Piecewise((x))", VARS, "`(x)` needs a condition", 10, 13, None),
    ("Piecewise(x)", VARS, "can't start a piece", 10, 11, None),
    ("not x < 1", VARS, "`not` isn't supported", 0, 3, None),
    ("x 2", VARS, "missing operator before `2`", 2, 3, None),
    ("2 3", (), "missing operator before `3`", 2, 3, None),
    ("²", (), "`²` needs something before it", 0, 1, None),
    ("x⁻", VARS, "`⁻` is not a power", 1, 2, None),
    ("√", (), "ends after `√`", 0, 1, None),
    ("y\u0301", VARS, "accent", 1, 2, None),
    ("Ω", VARS, "`Ω`", 0, 1, None),
    ("x\x07", VARS, "`U+0007`", 1, 2, None),
]


@pytest.mark.parametrize(("text", "variables", "fragment", "position", "end", "hint"), ERRORS)
def test_errors(
    text: str, variables: tuple[str, ...], fragment: str, position: int, end: int, hint: str | None
) -> None:
    with pytest.raises(ReadError) as info:
        parse(text, variables=variables)
    err = info.value
    assert fragment in err.message
    assert (err.position, err.end) == (position, end)
    if hint is not None:
        assert err.hint is not None and hint in err.hint
    assert str(err) == (f"{err.message}; {err.hint}" if err.hint else err.message)
    assert isinstance(err, ValueError)


def test_decimal_comma_message_is_exact() -> None:
    with pytest.raises(ReadError) as info:
        parse("2,3026")
    assert info.value.message == "`2,3026`: use a decimal point"
    assert info.value.hint == "write 2.3026"


def test_caret_marks_the_span() -> None:
    with pytest.raises(ReadError) as info:
        parse("1 + detla*2", variables=HUBER)
    assert info.value.caret("1 + detla*2") == "1 + detla*2\n    ^^^^^"


def test_caret_counts_columns_not_code_points() -> None:
    text = "y\u0302 + q"  # the combining hat takes no column
    with pytest.raises(ReadError) as info:
        parse(text, variables=VARS)
    assert info.value.position == 5
    assert info.value.caret(text).splitlines()[1] == "    ^"


def test_read_error_pickles() -> None:
    err = ReadError("`x` is bad", 3, 4, hint="fix it")
    copy = pickle.loads(pickle.dumps(err))
    assert (copy.message, copy.position, copy.end, copy.hint) == ("`x` is bad", 3, 4, "fix it")


LIMITED = [
    ("x" * 11, Limits(max_length=10), "too long", 10, 11),
    ("1+2+3+4", Limits(max_nodes=5), "too many parts", 6, 7),
    ("((((1))))", Limits(max_depth=3), "nested too deeply", 3, 4),
    ("1+1+1+1+1", Limits(max_depth=3), "nested too deeply", 0, 7),
    ("12345", Limits(max_digits=4), "too many digits", 0, 5),
    ("x^11", Limits(max_exponent=10), "exponent `11` is too large", 2, 4),
    ("x^-11", Limits(max_exponent=10), "exponent `-11` is too large", 2, 5),
]


@pytest.mark.parametrize(("text", "limits", "fragment", "position", "end"), LIMITED)
def test_limits(text: str, limits: Limits, fragment: str, position: int, end: int) -> None:
    with pytest.raises(ReadError) as info:
        parse(text, variables=["x"], limits=limits)
    assert fragment in info.value.message
    assert (info.value.position, info.value.end) == (position, end)


def test_default_limits() -> None:
    assert Limits() == Limits(
        max_length=2000, max_depth=60, max_nodes=1000, max_digits=40, max_exponent=10_000
    )
    parse("x^1000", variables=["x"])
    parse("2^1000")
    parse("(" * 50 + "x" + ")" * 50, variables=["x"])


def test_importing_loads_neither_sympy_nor_numpy() -> None:
    code = "import sys, tutor.expr; print('sympy' in sys.modules, 'numpy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
