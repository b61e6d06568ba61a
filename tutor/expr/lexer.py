"""Tokenizer: typed or pasted math -> tokens that point into the ORIGINAL text.

Unicode is normalised token by token (− → -, · → *, ² → ^2, δ → delta, ŷ → y_hat ...)
rather than by rewriting the string first, so every token keeps the offsets of the
characters the learner actually typed and error carets land in the right place.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

MINUSES = "-−–—‐‒"  # hyphen-minus, minus sign, en dash, em dash, hyphen, figure dash
TIMES = "*·×⋅∗•"
DIVIDES = "/÷∕"
SUPERSCRIPTS = {
    "⁰": "0",
    "¹": "1",
    "²": "2",
    "³": "3",
    "⁴": "4",
    "⁵": "5",
    "⁶": "6",
    "⁷": "7",
    "⁸": "8",
    "⁹": "9",
    "⁺": "+",
    "⁻": "-",
}
SUBSCRIPTS = {
    "₀": "0",
    "₁": "1",
    "₂": "2",
    "₃": "3",
    "₄": "4",
    "₅": "5",
    "₆": "6",
    "₇": "7",
    "₈": "8",
    "₉": "9",
    # the subscript letters Unicode has: pᵢ, yₖ, p_t written pₜ
    "ₐ": "a",
    "ₑ": "e",
    "ₕ": "h",
    "ᵢ": "i",
    "ⱼ": "j",
    "ₖ": "k",
    "ₗ": "l",
    "ₘ": "m",
    "ₙ": "n",
    "ₒ": "o",
    "ₚ": "p",
    "ᵣ": "r",
    "ₛ": "s",
    "ₜ": "t",
    "ᵤ": "u",
    "ᵥ": "v",
    "ₓ": "x",
}
GREEK = {
    "α": "alpha",
    "β": "beta",
    "γ": "gamma",
    "δ": "delta",
    "ε": "epsilon",
    "ϵ": "epsilon",
    "ζ": "zeta",
    "η": "eta",
    "θ": "theta",
    "ϑ": "theta",
    "ι": "iota",
    "κ": "kappa",
    "λ": "lambda",
    "μ": "mu",
    "µ": "mu",
    "ν": "nu",
    "ξ": "xi",
    "π": "pi",
    "ρ": "rho",
    "σ": "sigma",
    "τ": "tau",
    "φ": "phi",
    "ϕ": "phi",
    "χ": "chi",
    "ψ": "psi",
    "ω": "omega",
    "ℓ": "ell",  # not Greek, but the letter a per-example loss is written with
}
HATTED = {"ŷ": "y_hat", "Ŷ": "Y_hat"}  # precomposed letters with a circumflex
COMBINING_HAT = "\u0302"
INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff"  # zero-width characters that pasting drags along

# Multi-character operators first so `**` and `<=` win over `*` and `<`.
_OPERATORS = [("**", "^"), ("<=", "<="), (">=", ">="), ("==", "=="), ("!=", "!=")]
_SINGLE = {
    "+": "+",
    "^": "^",
    "(": "(",
    ")": ")",
    "[": "[",
    "]": "]",
    "|": "|",
    "∣": "|",
    ",": ",",
    "!": "!",  # a factorial, n!; `!=` is read first
    "<": "<",
    ">": ">",
    "≤": "<=",
    "⩽": "<=",
    "≥": ">=",
    "⩾": ">=",
    "≠": "!=",
}
_SINGLE.update(dict.fromkeys(MINUSES, "-"))
_SINGLE.update(dict.fromkeys(TIMES, "*"))
_SINGLE.update(dict.fromkeys(DIVIDES, "/"))

_NUMBER = re.compile(r"(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+)(?:[eE][+\-−–]?[0-9]+)?")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_IDENT_TAIL = re.compile(r"_[A-Za-z0-9_]*")
_DIGITS = re.compile(r"[0-9]+")

_QUOTES = "'\"`‘’“”"
_CHAR_HINTS = {
    "@": "for a dot product write dot(a, b)",
    "$": "LaTeX isn't read: type plain math such as x^2",
    "\\": "LaTeX isn't read: write sqrt(x) or 1/2, not \\sqrt{x} or \\frac{1}{2}",
    "#": "comments aren't allowed",
    ";": "write a single expression",
    ":": "write only the expression; Python code isn't read",
    "{": "use ( ) for grouping; for cases write `a if x < 0 else b`",
    "}": "use ( ) for grouping; for cases write `a if x < 0 else b`",
    "=": "write only the expression: `3`, not `x = 3` (to compare inside a condition use ==)",
    "&": "to join conditions write `and`",
    "%": "write /100 for a percentage",
    "∞": "write a large number instead",
}


class ReadError(ValueError):
    """Text that is not an expression we can read, with a position and a likely fix."""

    def __init__(self, message: str, position: int, end: int | None = None, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.position = position
        self.end = position + 1 if end is None else max(end, position)
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}; {self.hint}" if self.hint else self.message

    def __reduce__(self) -> tuple[type[ReadError], tuple[str, int, int, str | None]]:
        return (type(self), (self.message, self.position, self.end, self.hint))

    def caret(self, text: str) -> str:
        """The text, and under it `^` marks below the offending part."""
        shown = "".join(" " if ch in "\t\n\r\v\f" else ch for ch in text)
        start = _columns(text[: self.position])
        width = max(1, _columns(text[self.position : self.end]))
        return f"{shown}\n{' ' * start}{'^' * width}"


def _columns(text: str) -> int:
    """Terminal columns: combining marks take none, wide East Asian characters two."""
    total = 0
    for ch in text:
        if unicodedata.combining(ch):
            continue
        total += 2 if unicodedata.east_asian_width(ch) in "WF" else 1
    return total


def quote(text: str, limit: int = 30) -> str:
    """`text` in backticks, shortened so a 2000-character paste can't flood a message."""
    text = text if len(text) <= limit else text[: limit - 1] + "…"
    return f"`{text}`"


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # "num", "name", "op", "sup", "sqrt", "eof"
    text: str  # normalised: "0.5", "delta", "^", "<=", "-1" for ⁻¹
    pos: int
    end: int
    raw: str  # exactly what was typed


def lex(text: str, max_digits: int = 40) -> tuple[list[Token], ReadError | None]:
    """Tokens up to the first unreadable character, always ending with an "eof" token.

    The error is returned rather than raised so the parser can first refuse Python code
    that appears before it (`lambda x: x` is better explained at `lambda` than at `:`).
    """
    lexer = _Lexer(text, max_digits)
    error = None
    try:
        lexer.run()
    except ReadError as exc:
        error = exc
    lexer.tokens.append(Token("eof", "", len(text), len(text), ""))
    return lexer.tokens, error


# Characters the lexer reads itself, which NFKC would otherwise turn into something else
# (² into 2, ℓ into l, µ into μ is harmless but already handled).
_OWN = frozenset(SUPERSCRIPTS) | frozenset(SUBSCRIPTS) | frozenset(GREEK) | frozenset(HATTED)


def compatible(text: str) -> str:
    """`text` with compatibility characters (full-width （ ＋ － ｘ １, ligature-free forms)
    replaced by their NFKC equivalents, one character for one so every offset still points
    at what was typed. Characters that NFKC would expand into several are left alone."""
    if text.isascii():
        return text
    out = []
    for ch in text:
        if ch.isascii() or ch in _OWN:
            out.append(ch)
            continue
        folded = unicodedata.normalize("NFKC", ch)
        out.append(folded if len(folded) == 1 else ch)
    return "".join(out)


class _Lexer:
    def __init__(self, text: str, max_digits: int) -> None:
        self.original = text
        self.text = compatible(text)  # same length as `text`, so positions carry over
        self.max_digits = max_digits
        self.tokens: list[Token] = []

    def add(self, kind: str, value: str, pos: int, end: int) -> int:
        self.tokens.append(Token(kind, value, pos, end, self.original[pos:end]))
        return end

    def run(self) -> None:
        text, i = self.text, 0
        while i < len(text):
            ch = text[i]
            if ch.isspace() or ch in INVISIBLE:
                i += 1
            elif (ch.isascii() and ch.isdigit()) or (ch == "." and self.starts_number(i)):
                i = self.number(i)
            elif ch == ".":
                raise self.dot_error(i)
            elif (ch.isascii() and (ch.isalpha() or ch == "_")) or ch in GREEK or ch in HATTED:
                i = self.identifier(i)
            elif ch in SUPERSCRIPTS:
                i = self.superscript(i)
            elif ch == "√":
                i = self.add("sqrt", "sqrt", i, i + 1)
            else:
                i = self.operator(i)

    def starts_number(self, i: int) -> bool:
        """`.5` is a number, but not right after a name: `x.5` looks like an attribute."""
        after_name = i > 0 and (self.text[i - 1].isalnum() or self.text[i - 1] in "_)]")
        return not after_name and _NUMBER.match(self.text, i) is not None

    def number(self, i: int) -> int:
        m = _NUMBER.match(self.text, i)
        assert m is not None  # run() only calls us at a digit or `.digit`
        literal, end = m.group(), m.end()
        if end < len(self.text) and self.text[end] == ".":
            raise self.dot_error(end)
        digits = sum(ch.isdigit() for ch in literal)
        if digits > self.max_digits:
            raise ReadError(
                f"{quote(literal)} has too many digits ({digits}; the limit is {self.max_digits})",
                i,
                end,
                hint="round it: a few significant digits are plenty",
            )
        canonical = literal.replace("E", "e").replace("−", "-").replace("–", "-")
        canonical = "0" + canonical if canonical.startswith(".") else canonical
        # 1e999 is read: beyond float64 it is still a number, which the grader compares exactly
        return self.add("num", canonical, i, end)

    def dot_error(self, i: int) -> ReadError:
        after_name = i > 0 and (self.text[i - 1].isalpha() or self.text[i - 1] in "_)]")
        hint = (
            "there are no attributes or methods: write log(x), not math.log(x) or x.real"
            if after_name
            else "write numbers like 0.5 or 2.25"
        )
        return ReadError("`.` is only a decimal point", i, i + 1, hint=hint)

    def identifier(self, i: int) -> int:
        text, start = self.text, i
        ch = text[i]
        if ch in GREEK or ch in HATTED:
            parts, i, unicode_start = [GREEK.get(ch) or HATTED[ch]], i + 1, True
        else:
            m = _IDENT.match(text, i)
            assert m is not None
            parts, i, unicode_start = [m.group()], m.end(), False
        while i < len(text):
            ch = text[i]
            if ch == COMBINING_HAT:  # y + U+0302 is how many keyboards type ŷ
                parts.append("_hat")
                i += 1
            elif ch in SUBSCRIPTS:
                j = i
                while j < len(text) and text[j] in SUBSCRIPTS:
                    j += 1
                parts.append("_" + "".join(SUBSCRIPTS[c] for c in text[i:j]))
                i = j
            elif ch == "_" and (m := _IDENT_TAIL.match(text, i)):
                parts.append(m.group())
                i = m.end()
            elif unicode_start and (m := _DIGITS.match(text, i)):
                parts.append(m.group())  # θ0 -> theta0; ASCII names took their digits already
                i = m.end()
            else:
                break
        return self.add("name", "".join(parts), start, i)

    def superscript(self, i: int) -> int:
        j = i
        while j < len(self.text) and self.text[j] in SUPERSCRIPTS:
            j += 1
        value = "".join(SUPERSCRIPTS[c] for c in self.text[i:j])
        if not re.fullmatch(r"[+-]?[0-9]+", value):
            raise ReadError(
                f"{quote(self.text[i:j])} is not a power I can read",
                i,
                j,
                hint="superscripts must be digits, like x² or x⁻¹; or write x^n",
            )
        if len(value.lstrip("+-")) > self.max_digits:
            raise ReadError(f"{quote(self.text[i:j])} has too many digits", i, j, hint="use a smaller power")
        return self.add("sup", value, i, j)

    def operator(self, i: int) -> int:
        text = self.text
        for typed, value in _OPERATORS:
            if text.startswith(typed, i):
                return self.add("op", value, i, i + len(typed))
        ch = text[i]
        if ch in _SINGLE:
            return self.add("op", _SINGLE[ch], i, i + 1)
        raise self.char_error(i)

    def char_error(self, i: int) -> ReadError:
        ch = self.text[i]
        shown = quote(ch if ch.isprintable() and ch != "`" else f"U+{ord(ch):04X}")
        if ch in _QUOTES:
            return ReadError(f"{shown}: quotes aren't part of the math", i, i + 1, hint="remove the quotes")
        if ch == "=":
            return ReadError("`=` can't be used in an expression", i, i + 1, hint=_CHAR_HINTS["="])
        if ch == COMBINING_HAT or unicodedata.combining(ch):
            return ReadError(
                f"{shown} (an accent) must follow a letter",
                i,
                i + 1,
                hint="for y-hat write ŷ or y_hat",
            )
        hint = _CHAR_HINTS.get(ch, "type only numbers, names, + - * / ^ ( ) [ ] | and commas")
        return ReadError(f"{shown} is not a character I can read here", i, i + 1, hint=hint)
