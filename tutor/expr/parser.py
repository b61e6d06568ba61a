"""Hand-written Pratt parser: tokens -> Node, never eval.

Each infix token has a binding power; `expr(min_bp)` keeps absorbing operators that bind
tighter than `min_bp`. Implicit products are an infix operator with the power of `*` that
is triggered by any token that can start a value. `|` opens an absolute value in prefix
position and closes one in infix position when the innermost open bracket is a `|`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any, TypeVar

from tutor.expr.functions import ALIASES, BUILTIN_FUNCTIONS, CONSTANTS
from tutor.expr.lexer import GREEK, ReadError, Token, lex, quote
from tutor.expr.nodes import (
    CONDITION_NODES,
    BinOp,
    BoolConst,
    BoolOp,
    Call,
    Compare,
    Const,
    Index,
    Name,
    Neg,
    Node,
    Num,
    Piecewise,
    Vector,
    children,
)
from tutor.expr.suggest import closest


@dataclass(frozen=True)
class Limits:
    """What one expression may cost; every limit is checked before anything is computed."""

    max_length: int = 2000
    max_depth: int = 60  # nesting levels, also the depth of the tree
    max_nodes: int = 1000
    max_digits: int = 40  # digits in one literal
    max_exponent: float = 10_000  # |constant exponent|: (1 - t)^4000 is still decided (mpmath)


# Binding powers (higher binds tighter).
BP_IF, BP_OR, BP_AND, BP_CMP, BP_ADD, BP_MUL, BP_NEG, BP_POW = 10, 20, 30, 40, 50, 60, 70, 80
BP_SUP, BP_SQRT_ARG, BP_INDEX = 90, 91, 95  # √x² is (√x)², but √z[0] is √(z[0])

COMPARISONS = frozenset({"<", "<=", ">", ">=", "==", "!="})
KEYWORDS = frozenset({"if", "else", "and", "or"})
OPENERS = {"(": ")", "[": "]", "|": "|"}
PYTHON_WORDS = frozenset(
    ("lambda", "for", "in", "import", "from", "def", "return", "class", "while", "is", "None",
     "yield", "with", "as", "global", "nonlocal", "del", "pass", "try", "except", "finally",
     "raise", "assert", "async", "await", "print", "eval", "exec", "open", "compile", "getattr",
     "setattr", "globals", "locals", "vars", "input", "breakpoint")
)  # fmt: skip

N = TypeVar("N", bound=Node)


def parse(
    text: str,
    *,
    variables: Collection[str] = (),
    functions: Collection[str] = (),
    limits: Limits = Limits(),  # frozen, so sharing the default is safe
    letters: bool = False,
) -> Node:
    """Read `text` into a tree, or raise ReadError pointing into `text`. With `letters` (a
    learner's answer), declared one-letter variables typed together are their product: `mx`
    is m·x. Authors write products out, so a typo such as `pp` is caught, not multiplied."""
    if len(text) > limits.max_length:
        raise ReadError(
            f"the expression is too long ({len(text)} characters; the limit is {limits.max_length})",
            limits.max_length,
            len(text),
            hint="shorten it or split it into parts",
        )
    tokens, lex_error = lex(text, limits.max_digits)
    if letters:
        tokens, _ = split_letters(tokens, variables, functions)
    parser = _Parser(text, tokens, frozenset(variables), frozenset(functions), limits)
    parser.refuse_python()
    if lex_error is not None:
        raise lex_error
    if tokens[0].kind == "eof":
        raise ReadError("the expression is empty", 0, len(text), hint="type an expression such as 2*x + 1")
    try:
        return parser.parse_all()
    except RecursionError:  # only reachable with a huge custom max_depth
        raise ReadError("the expression is nested too deeply", 0, len(text), hint="simplify it") from None


class _Parser:
    def __init__(
        self,
        text: str,
        tokens: list[Token],
        variables: frozenset[str],
        functions: frozenset[str],
        limits: Limits,
    ) -> None:
        self.text, self.tokens, self.limits = text, tokens, limits
        self.variables, self.functions = variables, functions
        self.i = 0
        self.open: list[Token] = []  # unclosed ( [ | ; the innermost decides what `|` means
        self.nesting = 0
        self.spans: dict[int, tuple[int, int, int]] = {}  # id(node) -> (start, end, depth)
        self.consts: dict[int, float | None] = {}  # id(node) -> value of constant subtrees
        self.keep: list[Node] = []  # keeps every node alive so ids in the dicts stay unique

    # -- tokens ---------------------------------------------------------------------------------

    def peek(self, ahead: int = 0) -> Token:
        return self.tokens[min(self.i + ahead, len(self.tokens) - 1)]

    def take(self) -> Token:
        tok = self.tokens[self.i]
        if tok.kind != "eof":
            self.i += 1
        return tok

    def prev(self) -> Token | None:
        return self.tokens[self.i - 1] if self.i else None

    @staticmethod
    def is_op(tok: Token | None, *ops: str) -> bool:
        return tok is not None and tok.kind == "op" and tok.text in ops

    @staticmethod
    def is_word(tok: Token | None, *words: str) -> bool:
        return tok is not None and tok.kind == "name" and tok.text in words

    # -- nodes ----------------------------------------------------------------------------------

    def node(self, node: N, end: int, start: int | None = None) -> N:
        """Register a new node: counts it, measures its depth, remembers its text span."""
        self.keep.append(node)
        start = node.pos if start is None else start
        if len(self.keep) > self.limits.max_nodes:
            raise ReadError(
                f"the expression has too many parts (more than {self.limits.max_nodes})",
                start,
                end,
                hint="split it into smaller expressions",
            )
        depth = 1 + max((self.spans[id(c)][2] for c in children(node)), default=0)
        if depth > self.limits.max_depth:
            raise ReadError(
                f"{quote(self.text[start:end])} is nested too deeply "
                f"(more than {self.limits.max_depth} levels)",
                start,
                end,
                hint="split it into smaller expressions",
            )
        self.spans[id(node)] = (start, end, depth)
        return node

    def start(self, node: Node) -> int:
        return self.spans[id(node)][0]

    def end(self, node: Node) -> int:
        return self.spans[id(node)][1]

    def widen(self, node: Node, start: int, end: int) -> None:
        """A parenthesised node's span includes its parentheses."""
        self.spans[id(node)] = (start, end, self.spans[id(node)][2])

    def source(self, node: Node) -> str:
        return self.text[self.start(node) : self.end(node)]

    def need_number(
        self, node: Node, hint: str = "conditions go after `if`, e.g. `a if x < 1 else b`"
    ) -> None:
        if isinstance(node, CONDITION_NODES):
            raise ReadError(
                f"{quote(self.source(node))} is a condition, not a value",
                self.start(node),
                self.end(node),
                hint=hint,
            )

    def need_condition(self, node: Node, hint: str = "a condition compares values, e.g. `x < 1`") -> None:
        if not isinstance(node, CONDITION_NODES):
            raise ReadError(
                f"{quote(self.source(node))} is not a condition",
                self.start(node),
                self.end(node),
                hint=hint,
            )

    # -- entry ----------------------------------------------------------------------------------

    def refuse_python(self) -> None:
        """Explain Python code as such, before any other complaint about it."""
        for tok in self.tokens:
            if tok.kind != "name" or not tok.raw.isascii():  # λ is a Greek name, not `lambda`
                continue
            if tok.text in self.variables or tok.text in self.functions:
                continue
            if tok.text == "not":
                raise ReadError(
                    "`not` isn't supported",
                    tok.pos,
                    tok.end,
                    hint="flip the comparison instead: x >= 1 rather than not x < 1",
                )
            if tok.text in PYTHON_WORDS or tok.text.startswith("__"):
                raise ReadError(
                    f"{quote(tok.raw)} is Python, not math",
                    tok.pos,
                    tok.end,
                    hint="type only a math expression, such as 3(a - b)^2",
                )

    def parse_all(self) -> Node:
        node = self.expr(0)
        tok = self.peek()
        if tok.kind != "eof":
            raise self.fail_close(None, tok)
        self.need_number(node)
        return node

    def expr(self, min_bp: int) -> Node:
        self.nesting += 1
        try:
            if self.nesting > self.limits.max_depth:
                tok = self.peek()
                raise ReadError(
                    f"{quote(tok.raw or self.text[-10:])} is nested too deeply "
                    f"(more than {self.limits.max_depth} levels)",
                    tok.pos,
                    tok.end,
                    hint="split it into smaller expressions",
                )
            left = self.prefix()
            while True:
                tok = self.peek()
                bp = self.infix_power(tok)
                if bp is None or bp <= min_bp:
                    return left
                left = self.infix(left, tok, bp)
        finally:
            self.nesting -= 1

    # -- prefix position: something that starts a value -----------------------------------------

    def prefix(self) -> Node:
        tok = self.peek()
        if tok.kind == "num":
            self.take()
            return self.node(Num(tok.pos, tok.text), tok.end)
        if tok.kind == "name":
            return self.name()
        if tok.kind == "sqrt":
            self.take()
            arg = self.expr(BP_SQRT_ARG)
            self.need_number(arg)
            return self.node(Call(tok.pos, "sqrt", (arg,)), self.end(arg))
        if self.is_op(tok, "-", "+"):
            self.take()
            operand = self.expr(BP_NEG)
            self.need_number(operand)
            if tok.text == "+":  # unary plus changes nothing
                return operand
            return self.node(Neg(tok.pos, operand), self.end(operand))
        if self.is_op(tok, "("):
            return self.group()
        if self.is_op(tok, "["):
            return self.vector()
        if self.is_op(tok, "|"):
            return self.bars()
        raise self.not_a_value(tok)

    def not_a_value(self, tok: Token) -> ReadError:
        prev = self.prev()
        if tok.kind == "eof":
            if prev is None:
                return ReadError("the expression is empty", 0, len(self.text))
            return ReadError(
                f"the expression ends after {quote(prev.raw)}",
                prev.pos,
                prev.end,
                hint=f"add what comes after {quote(prev.raw)}",
            )
        if tok.kind == "sup":
            return ReadError(
                f"{quote(tok.raw)} needs something before it",
                tok.pos,
                tok.end,
                hint="write the base first, like x² or x^2",
            )
        if (
            self.is_op(tok, ")", "]")
            and prev is not None
            and prev.kind == "op"
            and OPENERS.get(prev.text) == tok.text
        ):
            return ReadError(
                f"{quote(prev.raw + tok.raw)} is empty",
                prev.pos,
                tok.end,
                hint="put an expression inside, or remove the brackets",
            )
        if self.is_op(tok, ")", "]") and not any(o.text == OPENERS_OF[tok.text] for o in self.open):
            return self.stray(tok)
        if prev is None or self.is_op(prev, "(", "[", "|", ","):
            return ReadError(
                f"{quote(tok.raw)} needs a value before it",
                tok.pos,
                tok.end,
                hint=f"add a number or name before {quote(tok.raw)}",
            )
        hint = (
            f"add a value after {quote(prev.raw)}" if self.is_op(tok, ")", "]", ",") else "remove one of them"
        )
        return ReadError(f"{quote(tok.raw)} can't follow {quote(prev.raw)}", tok.pos, tok.end, hint=hint)

    def stray(self, tok: Token) -> ReadError:
        opener = OPENERS_OF[tok.text]
        return ReadError(
            f"{quote(tok.raw)} has no matching {quote(opener)}",
            tok.pos,
            tok.end,
            hint=f"remove it, or add {quote(opener)} where the group starts",
        )

    def group(self) -> Node:
        lp = self.take()
        self.open.append(lp)
        inner = self.expr(0)
        rp = self.close(lp)
        self.widen(inner, lp.pos, rp.end)
        return inner

    def vector(self) -> Node:
        lb = self.take()
        items = self.sequence(lb)
        return self.node(Vector(lb.pos, tuple(items)), self.prev().end)  # type: ignore[union-attr]

    def bars(self) -> Node:
        bar = self.take()
        self.open.append(bar)
        inner = self.expr(0)
        self.need_number(inner)
        close = self.close(bar)
        return self.node(Call(bar.pos, "abs", (inner,)), close.end)

    def sequence(self, opener: Token) -> list[Node]:
        """Comma-separated values up to the bracket closing `opener` (call arguments, vectors)."""
        self.open.append(opener)
        items: list[Node] = []
        if self.is_op(self.peek(), OPENERS[opener.text]):
            if opener.text == "[":
                raise ReadError(
                    "`[]` is an empty vector",
                    opener.pos,
                    self.peek().end,
                    hint="a vector needs at least one item, like [1, 2]",
                )
            self.close(opener)
            return items
        while True:
            item = self.expr(0)
            self.need_number(item)
            if opener.text == "[" and isinstance(item, Vector):
                raise ReadError(
                    f"{quote(self.source(item))} is inside a vector, but vectors can't be nested",
                    self.start(item),
                    self.end(item),
                    hint="write one flat vector like [1, 2, 3]",
                )
            items.append(item)
            if self.is_op(self.peek(), ","):
                self.take()
                continue
            self.close(opener)
            return items

    def close(self, opener: Token) -> Token:
        tok = self.peek()
        if self.is_op(tok, OPENERS[opener.text]):
            self.open.pop()
            return self.take()
        raise self.fail_close(opener, tok)

    def fail_close(self, opener: Token | None, tok: Token) -> ReadError:
        """Why `tok` can't come where `opener`'s closing bracket (or the end) was expected."""
        if tok.kind == "eof" and opener is not None:
            closer = OPENERS[opener.text]
            return ReadError(
                f"{quote(opener.raw)} is never closed",
                opener.pos,
                opener.end,
                hint=f"add {quote(closer)} to close it",
            )
        if self.is_op(tok, ","):
            return self.comma_error(tok)
        if self.is_word(tok, "else"):
            return ReadError(
                "`else` needs an `if` before it", tok.pos, tok.end, hint="write `a if x < 0 else b`"
            )
        if (
            self.is_op(tok, ")", "]")
            and opener is not None
            and any(o.text == OPENERS_OF[tok.text] for o in self.open)
        ):
            return ReadError(
                f"{quote(tok.raw)} doesn't match {quote(opener.raw)}",
                tok.pos,
                tok.end,
                hint=f"close {quote(opener.raw)} with {quote(OPENERS[opener.text])} first",
            )
        if self.is_op(tok, ")", "]"):
            return self.stray(tok)
        return ReadError(f"{quote(tok.raw)} can't come here", tok.pos, tok.end)  # defensive: unreachable

    def comma_error(self, comma: Token) -> ReadError:
        """A comma outside a call or vector: usually a decimal comma (2,5) or digit grouping."""
        j = self.i  # index of the comma
        before, after = self.tokens[j - 1] if j else None, self.tokens[j + 1]
        if before is not None and before.kind == "num" and self.adjacent_number(before, comma, after):
            end, groups = after.end, 1
            while self.is_op(self.tokens[j + 2], ",") and self.adjacent_number(
                self.tokens[j + 1], self.tokens[j + 2], self.tokens[j + 3]
            ):
                j, groups, end = j + 2, groups + 1, self.tokens[j + 3].end
            literal = self.text[before.pos : end]
            # the caret points at the comma (or the commas), the character to change
            last_comma = self.tokens[j]
            grouping = re.fullmatch(r"[1-9]\d{0,2}", before.raw) and re.fullmatch(r"\d{3}", after.raw)
            if groups == 1 and grouping:
                # 890,000 may be digit grouping (890000) or a decimal comma (890.000): a
                # thousandfold apart, so say both rather than guess the one that changes it
                return ReadError(
                    f"{quote(literal)} is ambiguous: is the comma a thousands separator or a decimal comma?",
                    comma.pos,
                    comma.end,
                    hint=f"write {literal.replace(',', '')} or {literal.replace(',', '.')}",
                )
            if groups == 1:
                return ReadError(
                    f"{quote(literal)}: use a decimal point",
                    comma.pos,
                    comma.end,
                    hint=f"write {literal.replace(',', '.')}",
                )
            return ReadError(
                f"{quote(literal)}: don't group digits with commas",
                comma.pos,
                last_comma.end,
                hint=f"write {literal.replace(',', '')}",
            )
        return ReadError(
            "`,` only separates function arguments or vector items",
            comma.pos,
            comma.end,
            hint="for a vector write [a, b]; for a decimal write 2.5",
        )

    @staticmethod
    def adjacent_number(before: Token, comma: Token, after: Token) -> bool:
        return (
            before.end == comma.pos == comma.end - 1
            and after.kind == "num"
            and after.pos == comma.end
            and after.raw[:1].isdigit()
        )

    # -- names ----------------------------------------------------------------------------------

    def name(self) -> Node:
        tok = self.take()
        name, nxt = tok.text, self.peek()
        called = self.is_op(nxt, "(")
        if name in KEYWORDS:
            raise self.misplaced_keyword(tok)
        if name in ("True", "False") and name not in self.variables:
            return self.node(BoolConst(tok.pos, name == "True"), tok.end)
        if name in ("Piecewise", "piecewise") and called and name not in self.functions:
            return self.piecewise(tok)
        if tok.raw.startswith("σ") and name == "sigma" and called and name not in self.variables:
            return self.call(tok, "sigma" if "sigma" in self.functions else "sigmoid")
        if called and (name in self.functions or name in BUILTIN_FUNCTIONS):
            return self.call(tok, name)
        if called and name in ALIASES and name not in self.variables:
            return self.call(tok, ALIASES[name])
        if name in self.variables:
            return self.node(Name(tok.pos, name), tok.end)
        if name in CONSTANTS:
            return self.node(Const(tok.pos, name), tok.end)
        if (base := LOG_BASE.fullmatch(name)) is not None and name not in self.functions:
            return self.log_base(tok, base.group(1), called)
        builtin = ALIASES.get(name, name)
        if name not in self.functions and builtin in BUILTIN_FUNCTIONS and self.is_power(nxt):
            return self.function_power(tok, builtin)
        if (
            name not in self.functions
            and builtin in BUILTIN_FUNCTIONS
            and BUILTIN_FUNCTIONS[builtin].accepts(1)
        ):
            arg = self.bare_argument(tok, tok.raw)
            if arg is not None:  # sin 5n, log x: the function of a simple argument, as in print
                return self.node(Call(tok.pos, builtin, (arg,)), self.end(arg), tok.pos)
        if name in self.functions or name in BUILTIN_FUNCTIONS:
            raise ReadError(
                f"{quote(tok.raw)} is a function, so its argument needs parentheses",
                tok.pos,
                tok.end,
                hint=f"`{tok.raw}` needs parentheses: {tok.raw}(x)",
            )
        raise self.unknown(tok, called)

    def bare_argument(self, func: Token, shown: str, power: str = "") -> Node | None:
        """The simple argument of a function written without parentheses: an optional number
        and declared names or constants, multiplied (`sin 5n` is sin(5n), `cos t sin(2 t)` is
        cos(t)·sin(2t)). None when none follows. A power, index, call or factorial right after
        it (`sin x^2`: sin(x²) or sin(x)²?) is refused with both rewrites."""
        parts: list[Node] = []
        tok = self.peek()
        if tok.kind == "num":
            self.take()
            parts.append(self.node(Num(tok.pos, tok.text), tok.end))
        while True:
            tok = self.peek()
            if tok.kind != "name" or self.is_op(self.peek(1), "("):
                break
            if tok.text in self.variables:
                self.take()
                parts.append(self.node(Name(tok.pos, tok.text), tok.end))
            elif tok.text in CONSTANTS and tok.text not in self.functions:
                self.take()
                parts.append(self.node(Const(tok.pos, tok.text), tok.end))
            else:
                break
        if not parts:
            return None
        arg = parts[0]
        for part in parts[1:]:
            arg = self.node(BinOp(self.start(arg), "*", arg, part), self.end(part), self.start(arg))
        after = self.peek()
        if self.is_power(after) or self.is_op(after, "(", "[", "!"):
            inner, nxt = self.source(arg), self.peek(1)
            tail = {"(": "(…)", "[": "[…]"}.get(after.text, after.raw)
            if self.is_op(after, "^") and nxt.kind in ("num", "name"):
                tail += nxt.raw
            raise ReadError(
                f"{quote(self.text[func.pos : after.end])}: is the power (or what follows) "
                "part of the argument?",
                func.pos,
                after.end,
                hint=f"write {shown}({inner}{tail}){power}"
                + (
                    ", or put the parentheses where you mean them" if power else f" or {shown}({inner}){tail}"
                ),
            )
        return arg

    def is_power(self, tok: Token) -> bool:
        return tok.kind == "sup" or self.is_op(tok, "^")

    def function_power(self, tok: Token, func: str) -> Node:
        """`sin^2(x)`, `sin²(x)`, `sin^2 x`, `log^2 2n`: the square of sin(x) or log(2n), as in
        print. `sin^-1(x)` (inverse or reciprocal?) is refused with the rewrite."""
        power = self.take()
        if power.kind == "sup":
            exponent, end = power.text, power.end
        else:
            num = self.peek()
            sign = ""
            if self.is_op(num, "-") and self.peek(1).kind == "num":
                sign, _ = "-", self.take()
                num = self.peek()
            if num.kind != "num" or not num.text.isdigit():
                raise ReadError(
                    f"{quote(self.text[tok.pos : num.end])} puts a power on the function name",
                    tok.pos,
                    num.end,
                    hint=f"write {tok.raw}(x)^2 for the square of {tok.raw}(x)",
                )
            self.take()
            exponent, end = sign + num.text, num.end
        after = self.peek()
        arg = self.text[after.pos : after.end] if after.kind == "name" else "x"
        if exponent.lstrip("+") in ("-1",) and func in INVERSES:
            raise ReadError(
                f"{quote(self.text[tok.pos : end])} could mean the inverse or 1/{tok.raw}",
                tok.pos,
                end,
                hint=f"write {INVERSES[func]}({arg}) for the inverse, or 1/{func}({arg})",
            )
        n = exponent.lstrip("+")
        if not self.is_op(after, "(") and n.isdigit() and func in POWERED and n not in ("0", "1"):
            bare = self.bare_argument(tok, func, f"^{n}")
            if bare is not None:
                bare_call = self.node(Call(tok.pos, func, (bare,)), self.end(bare), tok.pos)
                return self.power(bare_call, self.node(Num(power.pos, n), end, power.pos), self.end(bare))
        if not self.is_op(after, "(") or not n.isdigit() or func not in POWERED or n in ("0", "1"):
            raise ReadError(
                f"{quote(self.text[tok.pos : end])} puts the power on the function name",
                tok.pos,
                end,
                hint=f"write {func}({arg})" + ("" if n == "1" else f"^{n}"),
            )
        call = self.call(tok, func)
        exponent_node = self.node(Num(power.pos, n), end, power.pos)
        return self.power(call, exponent_node, self.end(call))

    def log_base(self, tok: Token, base: str, called: bool) -> Node:
        """`log_2(x)`, `log₁₀(x)`, `log_b(x)`: the log to that base, or the exact rewrite."""
        known = {"2": "log2", "10": "log10", "e": "ln"}
        rewrite = f"{known[base]}(x)" if base in known else f"log(x, {base})"
        if not called:
            raise ReadError(
                f"{quote(tok.raw)} is a function, so its argument needs parentheses",
                tok.pos,
                tok.end,
                hint=f"write {rewrite}",
            )
        if base in known:
            return self.call(tok, known[base])
        if base.isdigit() or base in self.variables:
            call = self.call(tok, "log")
            args: tuple[Any, ...] = getattr(call, "args", ())
            arg = args[0] if len(args) == 1 else None
            if arg is None:
                raise ReadError(
                    f"{quote(tok.raw)} takes 1 argument", tok.pos, self.end(call), hint=f"write {rewrite}"
                )
            base_node: Node = (
                self.node(Num(tok.pos + 4, base), tok.end)
                if base.isdigit()
                else self.node(Name(tok.pos + 4, base), tok.end)
            )
            return self.node(Call(tok.pos, "log", (arg, base_node)), self.end(call), tok.pos)
        raise ReadError(
            f"{quote(tok.raw)} is not a known function", tok.pos, tok.end, hint=f"write {rewrite}"
        )

    def misplaced_keyword(self, tok: Token) -> ReadError:
        if tok.text == "else":
            return ReadError(
                "`else` needs an `if` before it", tok.pos, tok.end, hint="write `a if x < 0 else b`"
            )
        prev = self.prev_of(tok)
        if prev is None or self.is_op(prev, "(", "[", "|", ","):
            return ReadError(
                f"{quote(tok.raw)} needs a value before it",
                tok.pos,
                tok.end,
                hint="write `a if x < 0 else b`; join conditions as `x > 0 and x < 1`",
            )
        return ReadError(
            f"{quote(tok.raw)} can't follow {quote(prev.raw)}",
            tok.pos,
            tok.end,
            hint="remove one of them",
        )

    def prev_of(self, tok: Token) -> Token | None:
        index = self.tokens.index(tok)
        return self.tokens[index - 1] if index else None

    def unknown(self, tok: Token, called: bool) -> ReadError:
        what = "function" if called else "name"
        message = f"{quote(tok.raw)} is not a known {what}"
        if tok.raw.startswith("σ") and not called:
            return ReadError(message, tok.pos, tok.end, hint="for the sigmoid write σ(z)")
        return ReadError(message, tok.pos, tok.end, hint=self.suggest(tok.text, called))

    def suggest(self, name: str, called: bool) -> str | None:
        values = set(self.variables) | set(CONSTANTS)
        funcs = set(self.functions) | set(BUILTIN_FUNCTIONS)
        if called and (parts := split_name(name, values, funcs)):
            return f"did you mean `{'*'.join(parts)}(…)`?"
        if parts := split_name(name, values, values):
            return f"did you mean `{'*'.join(parts)}`?"
        if near := closest(name, sorted(funcs if called else values)):
            return f"did you mean `{near}`?"
        if not called and self.variables:
            return "names you can use here: " + ", ".join(sorted(self.variables)[:10])
        return None

    def call(self, tok: Token, func: str) -> Node:
        lp = self.take()
        args = self.sequence(lp)
        end = self.prev().end  # type: ignore[union-attr]
        builtin = BUILTIN_FUNCTIONS.get(func)
        if builtin is not None and func not in self.functions and not builtin.accepts(len(args)):
            raise ReadError(
                f"{quote(tok.raw)} takes {builtin.arity}, not {len(args)}",
                tok.pos,
                end,
                hint=f"for example {builtin.example}",
            )
        return self.node(Call(tok.pos, func, tuple(args)), end)

    def piecewise(self, tok: Token) -> Node:
        """SymPy style: Piecewise((value, condition), ..., (value, True))."""
        lp = self.take()
        self.open.append(lp)
        pieces: list[tuple[Node, Node]] = []
        while True:
            plp = self.peek()
            if not self.is_op(plp, "("):
                if plp.kind == "eof":
                    raise self.fail_close(lp, plp)
                raise ReadError(
                    f"{quote(plp.raw)} can't start a piece of Piecewise",
                    plp.pos,
                    plp.end,
                    hint="write Piecewise((value, condition), (value, True))",
                )
            self.take()
            self.open.append(plp)
            value = self.expr(0)
            self.need_number(value)
            if not self.is_op(self.peek(), ","):
                if self.is_op(self.peek(), ")"):
                    raise ReadError(
                        f"{quote(self.text[plp.pos : self.peek().end])} needs a condition",
                        plp.pos,
                        self.peek().end,
                        hint="write (value, condition), e.g. (x, x > 0) or (0, True)",
                    )
                raise self.fail_close(plp, self.peek())
            self.take()
            cond = self.expr(0)
            self.need_condition(cond)
            self.close(plp)
            pieces.append((value, cond))
            if self.is_op(self.peek(), ","):
                self.take()
                continue
            rp = self.close(lp)
            return self.node(Piecewise(tok.pos, tuple(pieces)), rp.end)

    # -- infix position: something that continues a value ---------------------------------------

    def infix_power(self, tok: Token) -> int | None:
        if tok.kind == "op":
            t = tok.text
            if t in ("+", "-"):
                return BP_ADD
            if t in ("*", "/", "("):
                return BP_MUL
            if t == "^":
                return BP_POW
            if t in COMPARISONS:
                return BP_CMP
            if t == "!":
                return BP_INDEX  # n! binds tighter than any operator: x^3/3! is x^3/(3!)
            if t == "[":
                return BP_INDEX if self.indexable() else BP_MUL
            if t == "|":
                return None if self.open and self.open[-1].text == "|" else BP_MUL
            return None  # ) ] ,
        if tok.kind == "name":
            return {"if": BP_IF, "or": BP_OR, "and": BP_AND, "else": None}.get(tok.text, BP_MUL)
        if tok.kind == "sup":
            return BP_SUP
        if tok.kind in ("num", "sqrt"):
            return BP_MUL
        return None  # eof

    def indexable(self) -> bool:
        """`z[0]` indexes; `2[1, 2]` multiplies a number by a vector."""
        prev = self.prev()
        return prev is not None and (prev.kind == "name" or self.is_op(prev, ")", "]"))

    def infix(self, left: Node, tok: Token, bp: int) -> Node:
        if tok.kind == "num":
            raise ReadError(
                f"missing operator before {quote(tok.raw)}",
                tok.pos,
                tok.end,
                hint="write * between them to multiply",
            )
        if tok.kind == "sup":
            self.take()
            digits = tok.text.lstrip("+-")
            exponent: Node = self.node(Num(tok.pos + len(tok.text) - len(digits), digits), tok.end)
            if tok.text.startswith("-"):
                exponent = self.node(Neg(tok.pos, exponent), tok.end)
            return self.power(left, exponent, tok.end)
        if tok.kind == "name" and tok.text in ("if", "and", "or"):
            self.take()
            if tok.text == "if":
                return self.conditional(left, tok)
            hint = f"`{tok.text}` joins conditions, e.g. x > 0 {tok.text} x < 1"
            self.need_condition(left, hint=hint)
            right = self.expr(bp)
            self.need_condition(right, hint=hint)
            return self.node(
                BoolOp(self.start(left), tok.text, left, right), self.end(right), self.start(left)
            )
        if tok.kind == "op" and tok.text in COMPARISONS:
            return self.comparison(left)
        if tok.kind == "op" and tok.text == "!":
            return self.factorial(left, tok)
        if tok.kind == "op" and tok.text == "[" and bp == BP_INDEX:
            self.take()
            self.open.append(tok)
            index = self.expr(0)
            self.need_number(index)
            rb = self.close(tok)
            self.need_number(left)
            return self.node(Index(self.start(left), left, index), rb.end, self.start(left))
        explicit = tok.kind == "op" and tok.text in ("+", "-", "*", "/", "^")
        if explicit:
            self.take()
        self.need_number(left)
        op = tok.text if explicit else "*"  # anything else that starts a value: an implicit product
        right = self.expr(bp - 1 if op == "^" else bp)  # `^` is right-associative
        self.need_number(right)
        if op == "^":
            return self.power(left, right, self.end(right))
        return self.node(BinOp(self.start(left), op, left, right), self.end(right), self.start(left))

    def factorial(self, left: Node, bang: Token) -> Node:
        """`n!`, `3!`, `(n+1)!`: Γ(n + 1). `n!!` (double factorial or (n!)!?) is refused."""
        self.take()
        self.need_number(left)
        after = self.peek()
        if self.is_op(after, "!") and after.pos == bang.end:
            raise ReadError(
                f"{quote(self.text[self.start(left) : after.end])} could mean a double factorial or (n!)!",
                bang.pos,
                after.end,
                hint=f"write ({self.source(left)}!)! for the factorial of a factorial",
            )
        start = self.start(left)
        return self.node(Call(start, "factorial", (left,)), bang.end, start)

    def comparison(self, left: Node) -> Node:
        self.need_number(left)
        ops, operands = [], [left]
        while self.peek().kind == "op" and self.peek().text in COMPARISONS:
            ops.append(self.take().text)
            right = self.expr(BP_CMP)
            self.need_number(right)
            operands.append(right)
        end = self.end(operands[-1])
        return self.node(Compare(self.start(left), tuple(ops), tuple(operands)), end, self.start(left))

    def conditional(self, value: Node, if_tok: Token) -> Node:
        """Python style `a if c else b`; chains in the else branch flatten into one Piecewise."""
        self.need_number(value)
        cond = self.expr(BP_IF)
        self.need_condition(cond)
        else_tok = self.peek()
        if not self.is_word(else_tok, "else"):
            raise ReadError("`if` needs an `else`", if_tok.pos, if_tok.end, hint="write `a if x < 0 else b`")
        self.take()
        other = self.expr(BP_IF - 1)
        self.need_number(other)
        if isinstance(other, Piecewise):
            rest = other.pieces
        else:
            rest = ((other, self.node(BoolConst(else_tok.pos, True), else_tok.end)),)
        start = self.start(value)
        return self.node(Piecewise(start, ((value, cond), *rest)), self.end(other), start)

    def power(self, base: Node, exponent: Node, end: int) -> Node:
        """Build base^exponent, refusing constant exponents and values too large to compute."""
        self.need_number(base)
        exp_value = self.const_value(exponent)
        limit = self.limits.max_exponent
        if exp_value is not None and abs(exp_value) > limit:
            raise ReadError(
                f"the exponent {quote(self.source(exponent))} is too large (the limit is {limit:g})",
                self.start(exponent),
                self.end(exponent),
                hint="use a smaller power",
            )
        start = self.start(base)
        node = self.node(BinOp(start, "^", base, exponent), end, start)
        base_value = self.const_value(base)
        value: float | None = None
        if base_value is not None and exp_value is not None:
            try:
                value = math.pow(base_value, exp_value)
            except OverflowError:
                value = math.inf
            except ValueError:  # 0^-1, (-8)^(1/3): leave it to numpy / SymPy
                value = None
            if value is not None and math.isinf(value):
                raise ReadError(
                    f"{quote(self.text[start:end])} is too large to compute",
                    start,
                    end,
                    hint="it overflows a 64-bit float; use a smaller power",
                )
        self.consts[id(node)] = value
        return node

    def const_value(self, node: Node) -> float | None:
        """The float value of a subtree made only of numbers, e and pi, or None."""
        key = id(node)
        if key in self.consts:
            return self.consts[key]
        value: float | None = None
        match node:
            case Num():
                value = node.value
            case Const(name=name):
                value = CONSTANTS[name].value
            case Neg(operand=operand):
                inner = self.const_value(operand)
                value = None if inner is None else -inner
            case BinOp(op=op, left=left, right=right) if op in "+-*/":
                a, b = self.const_value(left), self.const_value(right)
                if a is not None and b is not None:
                    try:
                        value = {"+": a + b, "-": a - b, "*": a * b}[op] if op != "/" else a / b
                    except (ZeroDivisionError, OverflowError):
                        value = None
        self.consts[key] = value
        return value


OPENERS_OF = {")": "(", "]": "["}

LOG_BASE = re.compile(r"(?:log|ln)_([0-9]+|[A-Za-z]\w*)")
# Functions whose power is written on the name in print: sin²(x) is sin(x)².
POWERED = frozenset(
    {"sin", "cos", "tan", "sec", "csc", "cot", "sinh", "cosh", "tanh", "log", "ln", "log2", "log10"}
)
INVERSES = {"sin": "asin", "cos": "acos", "tan": "atan", "tanh": "atanh", "sinh": "asinh", "cosh": "acosh"}


# Names never read as a product of their letters, even when every letter is declared.
_WORDS = KEYWORDS | PYTHON_WORDS | {"True", "False", "Piecewise", "piecewise", "not"}


def split_letters(
    tokens: list[Token], variables: Collection[str], functions: Collection[str] = ()
) -> tuple[list[Token], list[str]]:
    """`mx` typed for m·x: a name that is not known, made only of letters that are declared
    one-letter variables, with no longer known name inside it (`mux` with `mu` declared is
    left alone), becomes one name per letter. A declared name (mu, sigma, y_hat) always wins.
    Also returns the notes the preview shows where both readings were possible."""
    singles = {v for v in variables if len(v) == 1}
    if not singles:
        return tokens, []
    longer = (
        {v for v in variables if len(v) > 1}
        | set(functions)
        | set(BUILTIN_FUNCTIONS)
        | set(ALIASES)
        | {c for c in CONSTANTS if len(c) > 1}
        | set(GREEK.values())  # `eta` or `xi` typed for the letter, not e·t·a or x·i
    )
    out: list[Token] = []
    notes: list[str] = []
    for tok in tokens:
        word = tok.text
        plain = tok.kind == "name" and tok.raw == word and word.isascii() and word.isalpha() and len(word) > 1
        letters = plain and all(ch in singles for ch in word)
        if not letters:
            out.append(tok)
            continue
        if word in longer or word in _WORDS or LOG_BASE.fullmatch(word):
            if word in variables or word in CONSTANTS:
                product, typed = "·".join(word), "*".join(word)
                notes.append(
                    f"`{word}` is read as the name {word}, not as {product}; for the product write {typed}"
                )
            out.append(tok)
            continue
        if any(word[i:j] in longer for i in range(len(word)) for j in range(i + 2, len(word) + 1)):
            out.append(tok)  # `mux` with `mu` declared: mu·x or m·u·x? The reader asks.
            continue
        out.extend(Token("name", ch, tok.pos + k, tok.pos + k + 1, ch) for k, ch in enumerate(word))
        notes.append(f"`{word}` is read as {'·'.join(word)}")
    return out, notes


def readings(text: str, variables: Collection[str] = (), functions: Collection[str] = ()) -> list[str]:
    """How the reader took names that could be read two ways (`mx` as m·x, a declared `mu`
    as the name mu), for the live preview to say."""
    tokens, _ = lex(text)
    return split_letters(tokens, variables, functions)[1]


def split_name(name: str, parts: Collection[str], last: Collection[str]) -> list[str] | None:
    """Fewest known names that spell `name` (`xy` -> x, y), the last one taken from `last`."""
    if len(name) > 40:  # keeps the quadratic search trivially cheap
        return None
    best: list[list[str] | None] = [None] * (len(name) + 1)
    best[0] = []
    for i in range(len(name)):
        head = best[i]
        if head is None:
            continue
        for j in range(i + 1, len(name) + 1):
            piece, pool = name[i:j], last if j == len(name) else parts
            current = best[j]
            if piece in pool and (current is None or len(head) + 1 < len(current)):
                best[j] = [*head, piece]
    found = best[len(name)]
    return found if found is not None and len(found) >= 2 else None
