"""tutor.expr on generated input: any text gives a Node or a ReadError, quickly; renders re-read."""

from __future__ import annotations

import contextlib
import time
from datetime import timedelta

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tutor.expr import (
    BinOp,
    Call,
    Const,
    EvalError,
    Index,
    Name,
    Neg,
    Node,
    Num,
    ReadError,
    evaluate,
    parse,
    render,
)

VARIABLES = ("x", "y", "z", "delta", "y_hat", "w_1")
FUNCTIONS = ("huber",)
FAST = settings(
    max_examples=400,
    deadline=timedelta(milliseconds=500),
    suppress_health_check=[HealthCheck.too_slow],
)

GRAMMAR_ALPHABET = "0123456789.+-*/^()[]|, xyzepi<>=!_"
UNICODE_ALPHABET = GRAMMAR_ALPHABET + "−–·×÷²³⁻¹√πσδεŷ\u0302≤≥≠"
WORDS = [
    "log",
    "exp",
    "sqrt",
    "max",
    "sigmoid",
    "softmax",
    "if",
    "else",
    "and",
    "or",
    "Piecewise",
    "True",
    "delta",
    "huber",
    "lambda",
    "__import__",
    "x",
    "y",
    "z",
    "e",
    "pi",
    "1e-3",
    "**",
]


def read_or_refuse(text: str) -> Node | None:
    start = time.perf_counter()
    try:
        tree = parse(text, variables=VARIABLES, functions=FUNCTIONS)
    except ReadError as err:
        assert 0 <= err.position <= err.end <= len(text)
        assert "`" in err.message or err.message.startswith("the expression")
        lines = err.caret(text).split("\n")
        assert lines[-1].strip(" ^") == ""
        tree = None
    assert time.perf_counter() - start < 0.5
    return tree


@FAST
@given(st.text(max_size=300))
def test_any_text(text: str) -> None:
    read_or_refuse(text)


@FAST
@given(st.text(alphabet=GRAMMAR_ALPHABET, max_size=80))
def test_grammar_alphabet(text: str) -> None:
    read_or_refuse(text)


@FAST
@given(st.text(alphabet=UNICODE_ALPHABET, max_size=80))
def test_unicode_alphabet(text: str) -> None:
    read_or_refuse(text)


@FAST
@given(st.lists(st.sampled_from([*WORDS, *GRAMMAR_ALPHABET, " "]), max_size=40).map("".join))
def test_token_soup_reads_and_evaluates(text: str) -> None:
    tree = read_or_refuse(text)
    if tree is None:
        return
    render(tree)
    env = {"x": 0.5, "y": -2.0, "z": 3.0, "delta": 1.0, "y_hat": 0.25, "w_1": 2.0}
    with contextlib.suppress(EvalError):  # `huber` is declared but has no definition here
        evaluate(tree, env)


# -- render/parse round trip on generated trees ---------------------------------------------------

NUMBERS = st.sampled_from(["0", "1", "2", "3", "10", "0.5", "2.25", "1e-3"])
LEAVES: st.SearchStrategy[Node] = st.one_of(
    NUMBERS.map(lambda t: Num(0, t)),
    st.sampled_from(VARIABLES).map(lambda n: Name(0, n)),
    st.sampled_from(["e", "pi"]).map(lambda n: Const(0, n)),
    st.just(Index(0, Name(0, "z"), Num(0, "1"))),
)


def _extend(children: st.SearchStrategy[Node]) -> st.SearchStrategy[Node]:
    return st.one_of(
        children.map(lambda c: Neg(0, c)),
        st.builds(lambda op, a, b: BinOp(0, op, a, b), st.sampled_from("+-*/^"), children, children),
        st.builds(
            lambda f, a: Call(0, f, (a,)),
            st.sampled_from(["abs", "sqrt", "exp", "log", "sigmoid", "ln"]),
            children,
        ),
        st.builds(
            lambda f, a, b: Call(0, f, (a, b)),
            st.sampled_from(["max", "log", "huber"]),
            children,
            children,
        ),
        st.builds(lambda a: Index(0, a, Num(0, "0")), children),
    )


TREES = st.recursive(LEAVES, _extend, max_leaves=12)


@settings(max_examples=600, deadline=timedelta(milliseconds=500))
@given(TREES)
def test_render_reads_back_as_the_same_tree(tree: Node) -> None:
    text = render(tree)
    try:
        again = parse(text, variables=VARIABLES, functions=FUNCTIONS)
    except ReadError as err:
        assume("too large" not in err.message)  # constant towers such as 10^10^10 are refused
        raise AssertionError(f"{text!r}: {err}") from err
    assert again == tree, text
