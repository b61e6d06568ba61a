"""Notation people type (issue 26): factorials, powers of functions, functions of a simple
argument without parentheses, and declared one-letter variables typed together. Reading them
must never change how a name the question declares is read: generated names check that."""

from __future__ import annotations

import keyword
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tutor.expr import BUILTIN_FUNCTIONS, CONSTANTS, Name, ReadError, parse, readings, walk
from tutor.expr.functions import ALIASES
from tutor.expr.lexer import GREEK
from tutor.expr.parser import KEYWORDS, PYTHON_WORDS


def read(text: str, variables: Any = (), functions: Any = ()) -> Any:
    """A learner's answer as the grader reads it."""
    return parse(text, variables=variables, functions=functions, letters=True)


FAST = settings(
    max_examples=300, deadline=timedelta(milliseconds=500), suppress_health_check=[HealthCheck.too_slow]
)

# the same expression written out in full and as people type it
SAME = [
    ("x^3/3!", "x^3/factorial(3)", ("x",)),
    ("(n+1)!", "factorial(n + 1)", ("n",)),
    ("2^3!", "2^factorial(3)", ()),
    ("sin^2 x", "sin(x)^2", ("x",)),
    ("cos^2 x + sin^2 x", "cos(x)^2 + sin(x)^2", ("x",)),
    ("log^2 2n", "log(2*n)^2", ("n",)),
    ("sin²x", "sin(x)^2", ("x",)),
    ("sin 5n", "sin(5*n)", ("n",)),
    ("-cos t sin(2 t)", "-cos(t)*sin(2*t)", ("t",)),
    ("log x", "log(x)", ("x",)),
    ("ln 2", "ln(2)", ()),
    ("sin x cos x", "sin(x)*cos(x)", ("x",)),
    ("sin x/2", "sin(x)/2", ("x",)),
    ("ln e", "ln(e)", ()),
    ("mx+b", "m*x + b", ("m", "x", "b")),
    ("(ab)c", "(a*b)*c", ("a", "b", "c")),
    ("nm^(-1)", "n*m^(-1)", ("n", "m")),
    ("2xy", "2*x*y", ("x", "y")),
    ("sin mx", "sin(m*x)", ("m", "x")),
    ("mu", "mu", ("mu", "m", "u")),
    ("sigma^2", "sigma^2", ("sigma", "s", "i", "g", "m", "a")),
    ("y_hat", "y_hat", ("y_hat", "y", "h", "a", "t")),
    ("pi", "pi", ("p", "i")),
]


@pytest.mark.parametrize(("typed", "written", "variables"), SAME)
def test_typed_notation_reads_as_written_out(typed: str, written: str, variables: tuple[str, ...]) -> None:
    assert read(typed, variables=variables) == read(written, variables=variables)


REFUSED = [
    ("sin x^2", ("x",), "write sin(x^2) or sin(x)^2"),
    ("sin^2 x^2", ("x",), "write sin(x^2)^2"),
    ("sin^-1 x", ("x",), "asin(x)"),
    ("n!!", ("n",), "(n!)!"),
    ("mux", ("mu", "m", "u", "x"), "mu*x"),  # mu·x or m·u·x: not guessed
    ("sin -x", ("x",), "sin(x)"),
    ("ln", (), "ln(x)"),
]


@pytest.mark.parametrize(("typed", "variables", "hint"), REFUSED)
def test_ambiguous_notation_is_refused_with_the_rewrite(
    typed: str, variables: tuple[str, ...], hint: str
) -> None:
    with pytest.raises(ReadError) as info:
        read(typed, variables=variables)
    assert hint in (info.value.hint or "")


def test_authors_write_products_out() -> None:
    # in a course file `pp` is a typo for `p`, not p·p: `tutor check` must say so
    with pytest.raises(ReadError, match="`pp` is not a known name"):
        parse("-log(pp)", variables=["p"])


def test_the_preview_says_which_reading_was_used() -> None:
    both = ("mu", "m", "u", "x", "b")
    assert readings("mx + b", both) == ["`mx` is read as m·x"]
    assert any("read as the name mu, not as m·u" in note for note in readings("mu*x", both))
    assert readings("m*x + b", both) == []


def test_the_live_preview_shows_the_reading() -> None:
    from pydantic import TypeAdapter

    from tutor.content.model import Question
    from tutor.content.variants import instantiate
    from tutor.grading.preview import preview

    spec: dict[str, Any] = {
        "id": "q",
        "prompt": "?",
        "type": "expression",
        "answer": "m*x + b",
        "variables": {name: {"domain": "real"} for name in ("m", "x", "b", "mu", "u")},
    }
    variant = instantiate(TypeAdapter(Question).validate_python(spec), 0)
    shown = preview(variant, "mx + b")
    assert shown.kind == "ok" and shown.text == "m·x + b" and shown.hint == "`mx` is read as m·x"
    assert "the name mu" in (preview(variant, "mu").hint or "")


# -- declared names read as before -----------------------------------------------------------

RESERVED = (
    (set(BUILTIN_FUNCTIONS) | set(ALIASES) | set(CONSTANTS) | KEYWORDS | PYTHON_WORDS | set(keyword.kwlist))
    | {"True", "False", "Piecewise", "piecewise", "not"}
    | set(GREEK.values())
)
NAMES = st.from_regex(r"[a-z][a-z0-9_]{0,5}", fullmatch=True).filter(
    lambda n: n not in RESERVED and not n.startswith(("log_", "ln_")) and not n.startswith("__")
)


@FAST
@given(
    st.lists(NAMES, min_size=1, max_size=6, unique=True),
    st.lists(st.sampled_from("+-*/"), min_size=5, max_size=5),
)
def test_declared_names_still_read_as_themselves(names: list[str], ops: list[str]) -> None:
    # every declared name, with its letters also declared, is still read whole
    letters = sorted({ch for name in names for ch in name if ch.isalpha()})
    declared = [*names, *letters]
    text = names[0] + "".join(f" {op} {name}" for op, name in zip(ops, names[1:], strict=False))
    tree = read(text, variables=declared)
    assert [n.name for n in walk(tree) if isinstance(n, Name)] == names


@FAST
@given(st.lists(st.sampled_from("abcdfghjkmnqrtuvwxyz"), min_size=2, max_size=6))
def test_declared_letters_typed_together_are_their_product(letters: list[str]) -> None:
    word = "".join(letters)
    declared = sorted(set(letters))
    assume(not any(word[i:j] in RESERVED for i in range(len(word)) for j in range(i + 2, len(word) + 1)))
    assert read(word, variables=declared) == read("*".join(letters), variables=declared)


@FAST
@given(NAMES, st.lists(st.sampled_from("abcdfghjkmnqrtuvwxyz"), min_size=0, max_size=4))
def test_a_declared_multi_letter_name_wins(name: str, extra: list[str]) -> None:
    declared = [name, *extra, *(ch for ch in name if ch.isalpha())]
    assert read(name, variables=declared) == Name(0, name)
    assert read(f"2 {name}", variables=declared) == read(f"2*{name}", variables=declared)


def test_the_app_shows_the_reading_under_the_preview() -> None:
    from tutor.grading.preview import Preview
    from tutor.tui.widgets.answers import preview_text

    text, problem = preview_text(Preview("ok", "m·x + b", "`mx` is read as m·x"), "mx + b")
    assert text == "reads as: m·x + b\n(`mx` is read as m·x)" and not problem
    assert preview_text(Preview("ok", "m·x + b"), "m*x + b") == ("reads as: m·x + b", False)


@pytest.mark.parametrize("typed", ["eta", "xi", "mux", "taux"])
def test_greek_names_are_never_split_into_letters(typed: str) -> None:
    # with e, t, a, x, i, m, u declared, `eta` is the Greek letter (undeclared here) or e·t·a:
    # the reader does not guess
    with pytest.raises(ReadError, match="is not a known name"):
        read(typed, ["e", "t", "a", "x", "i", "m", "u"])


@pytest.mark.parametrize("name", sorted(set(GREEK.values())))
def test_a_declared_greek_name_reads_as_itself_beside_its_letters(name: str) -> None:
    declared = [name, *name]
    assert read(name, declared) == Name(0, name)
    assert read(f"2{name}^2", declared) == read(f"2*{name}^2", declared)
