"""Which rule takes one line of a derivation to the next, and which misapplied rule (a "bug")
explains a line that does not follow.

Expressions become small canonical terms (sums and products flattened and sorted, numbers
folded exactly, `a − b` as `a + (−1)·b`, `a/b` as `a·b^−1`), so two lines that differ only by
the order of terms or by arithmetic on numbers are the same term. A rule is a rewrite of one
node; a step is recognised when one or two rule applications (the same rule at one place or
at every place it fits) turn one line into the next, searched from both ends within a fixed
budget of candidates. The search is pure Python over terms of bounded size, and it checks the
grading time cap as it goes: it can only miss a rule, never invent one, and a link it does
not recognise is still equal ("step not recognised"), never wrong.

Bug rules are the classic slips (log of a sum split, a square of a sum without its cross term,
a minus given to the first term of a bracket only, ...): a line that is NOT equal to the one
before and equals a bug rule applied to it is explained by that bug.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from tutor.expr.nodes import BinOp, Call, Const, FunctionDef, Name, Neg, Node, Num

Term = tuple[Any, ...]

MAX_TERM_SIZE = 160  # larger lines are not searched (their link is only checked for equality)
BUDGET = 6000  # candidate terms generated per search, at most
SEARCH_SECONDS = 0.5  # and at most this long: a long chain of big lines stays within the cap
MAX_POWER = 4  # (a + b)^n is expanded for n up to this

ZERO: Term = ("n", Fraction(0))
ONE: Term = ("n", Fraction(1))
MINUS_ONE: Term = ("n", Fraction(-1))


class TooBig(Exception):
    """A term or a search beyond the fixed bounds: no rule is named."""


# --------------------------------------------------------------------------- terms


def num(value: int | Fraction) -> Term:
    return ("n", Fraction(value))


def add(*terms: Term) -> Term:
    return ("+", tuple(terms))


def mul(*terms: Term) -> Term:
    return ("*", tuple(terms))


def pw(base: Term, exp: Term) -> Term:
    return ("^", base, exp)


def fn(name: str, *args: Term) -> Term:
    return ("f", name, tuple(args))


def neg(t: Term) -> Term:
    return mul(MINUS_ONE, t)


_ALIASES = {"ln": "log"}


def to_term(node: Node, functions: Mapping[str, FunctionDef] | None = None) -> Term:
    """The term of a tree; what the rules do not look into is kept whole as an opaque leaf."""
    match node:
        case Num(text=text):
            try:
                return num(Fraction(text))
            except (ValueError, ZeroDivisionError):
                return ("o", node)
        case Name(name=name):
            return ("s", name)
        case Const(name="e"):
            return fn("exp", ONE)
        case Const(name=name):
            return ("k", name)
        case Neg(operand=o):
            return neg(to_term(o, functions))
        case BinOp(op=op, left=left, right=right):
            a, b = to_term(left, functions), to_term(right, functions)
            if op == "+":
                return add(a, b)
            if op == "-":
                return add(a, neg(b))
            if op == "*":
                return mul(a, b)
            if op == "/":
                return mul(a, pw(b, MINUS_ONE))
            if a == fn("exp", ONE):
                return fn("exp", b)
            return pw(a, b)
        case Call(func=func, args=args):
            terms = tuple(to_term(a, functions) for a in args)
            name = _ALIASES.get(func, func)
            if name == "sqrt" and len(terms) == 1:
                return pw(terms[0], num(Fraction(1, 2)))
            return ("f", name, terms)
    return ("o", node)


def to_node(t: Term) -> Node:
    """A tree for a term, to evaluate it (a bug rule's result is compared numerically)."""
    tag = t[0]
    if tag == "n":
        value: Fraction = t[1]
        body: Node = Num(0, str(abs(value.numerator)))
        if value.denominator != 1:
            body = BinOp(0, "/", body, Num(0, str(value.denominator)))
        return Neg(0, body) if value < 0 else body
    if tag == "s":
        return Name(0, t[1])
    if tag == "k":
        return Const(0, t[1])
    if tag == "o":
        leaf: Node = t[1]
        return leaf
    if tag == "f":
        return Call(0, t[1], tuple(to_node(a) for a in t[2]))
    if tag == "^":
        return BinOp(0, "^", to_node(t[1]), to_node(t[2]))
    op = "+" if tag == "+" else "*"
    items = [to_node(a) for a in t[1]]
    if not items:
        return Num(0, "0" if tag == "+" else "1")
    out = items[0]
    for item in items[1:]:
        out = BinOp(0, op, out, item)
    return out


def size(t: Term) -> int:
    tag = t[0]
    if tag in ("+", "*"):
        return 1 + sum(size(a) for a in t[1])
    if tag == "^":
        return 1 + size(t[1]) + size(t[2])
    if tag == "f":
        return 1 + sum(size(a) for a in t[2])
    return 1


def _key(t: Term) -> str:
    return repr(t)


def canon(t: Term) -> Term:
    """The canonical form: flattened, sorted, numbers folded; no algebra beyond arithmetic."""
    tag = t[0]
    if tag in ("n", "s", "k", "o"):
        return t
    if tag == "f":
        args = tuple(canon(a) for a in t[2])
        if t[1] == "log" and args == (ONE,):
            return ZERO
        if t[1] == "exp" and args == (ZERO,):
            return ONE
        return ("f", t[1], args)
    if tag == "^":
        return _canon_pow(canon(t[1]), canon(t[2]))
    if tag == "+":
        return _canon_sum([canon(a) for a in t[1]])
    return _canon_product([canon(a) for a in t[1]])


def _canon_pow(base: Term, exp: Term) -> Term:
    if exp == ONE:
        return base
    if exp == ZERO or base == ONE:
        return ONE
    if is_exp(base) and exp[0] == "n":  # 1/eᶻ is e^(−z): notation
        return ("f", "exp", (_canon_product([exp, base[2][0]]),))
    if exp[0] == "n" and exp[1].denominator == 1:
        n = int(exp[1])
        if base[0] == "n" and abs(n) <= 64 and (base[1] != 0 or n > 0):
            return num(base[1] ** n)
        # Integer powers of products and powers hold everywhere: notation, not a step.
        if base[0] == "*":
            return _canon_product([_canon_pow(f, exp) for f in base[1]])
        if base[0] == "^" and base[2][0] == "n":
            return _canon_pow(base[1], num(base[2][1] * n))
    return ("^", base, exp)


def _canon_sum(items: list[Term]) -> Term:
    flat: list[Term] = []
    total = Fraction(0)
    for a in items:
        for b in a[1] if a[0] == "+" else (a,):
            if b[0] == "n":
                total += b[1]
            else:
                flat.append(b)
    if total != 0:
        flat.append(num(total))
    if not flat:
        return ZERO
    if len(flat) == 1:
        return flat[0]
    return ("+", tuple(sorted(flat, key=_key)))


def _canon_product(items: list[Term]) -> Term:
    flat: list[Term] = []
    coeff = Fraction(1)
    for a in items:
        for b in a[1] if a[0] == "*" else (a,):
            if b[0] == "n":
                coeff *= b[1]
            else:
                flat.append(b)
    if coeff == 0:
        return ZERO
    flat = _merge_positive_powers(flat)
    if coeff != 1:
        flat.append(num(coeff))
    if not flat:
        return ONE
    if len(flat) == 1:
        return flat[0]
    return ("*", tuple(sorted(flat, key=_key)))


def _merge_positive_powers(flat: list[Term]) -> list[Term]:
    """x·x as x², x²·x as x³: notation. A negative power is left apart (cancelling is a step)."""
    seen: dict[Term, Fraction] = {}
    keep: list[Term] = []
    for f in flat:
        base, exp = (f[1], f[2]) if f[0] == "^" else (f, ONE)
        if exp[0] == "n" and exp[1] > 0 and base[0] != "n":
            if base not in seen:
                keep.append(base)
                seen[base] = Fraction(0)
            seen[base] += exp[1]
        else:
            keep.append(f)
    return [_canon_pow(f, num(seen[f])) if f in seen else f for f in keep]


def split_coeff(t: Term) -> tuple[Fraction, Term]:
    """c and X for the term c·X (X = 1 for a number)."""
    if t[0] == "n":
        return t[1], ONE
    if t[0] == "*":
        nums = [f for f in t[1] if f[0] == "n"]
        if nums:
            rest = [f for f in t[1] if f[0] != "n"]
            return nums[0][1], _canon_product(rest)
    return Fraction(1), t


def factors(t: Term) -> tuple[Term, ...]:
    return t[1] if t[0] == "*" else (t,)


def terms_of(t: Term) -> tuple[Term, ...]:
    return t[1] if t[0] == "+" else (t,)


def is_log(t: Term) -> bool:
    return t[0] == "f" and t[1] == "log" and len(t[2]) == 1


def is_exp(t: Term) -> bool:
    return t[0] == "f" and t[1] == "exp" and len(t[2]) == 1


def _neg_power(f: Term) -> bool:
    return f[0] == "^" and f[2][0] == "n" and f[2][1] < 0


# --------------------------------------------------------------------------- rules


def _two_groups(items: tuple[Term, ...]) -> Iterator[tuple[tuple[Term, ...], tuple[Term, ...]]]:
    """Every split of a few items into two non-empty groups: a flattened a·b·c was written
    (a·b)·c by someone, and a rule may have been applied to those two groups."""
    if not 2 < len(items) <= 5:
        return
    first, rest = items[0], items[1:]
    for k in range(len(rest)):
        for chosen in itertools.combinations(range(len(rest)), k):
            group = (first, *(rest[i] for i in chosen))
            other = tuple(r for i, r in enumerate(rest) if i not in chosen)
            yield group, other


def _log_of_factor(f: Term) -> tuple[Term, bool]:
    if _neg_power(f):
        return neg(fn("log", pw(f[1], num(-f[2][1])))), True
    return fn("log", f), False


def _log_split(t: Term, _d: Mapping[str, Term]) -> Iterator[tuple[str, Term]]:
    if is_log(t) and t[2][0][0] == "*":
        logs = [_log_of_factor(f) for f in t[2][0][1]]
        quotient = any(q for _, q in logs)
        yield ("log-quotient" if quotient else "log-product"), add(*(term for term, _ in logs))
        for group, other in _two_groups(t[2][0][1]):
            yield "log-product", add(fn("log", mul(*group)), fn("log", mul(*other)))
        # log(a/(2b)) = log(a) − log(2b): the denominator kept whole, its number among it.
        top = [f for f in t[2][0][1] if not _neg_power(f) and not (f[0] == "n" and f[1].denominator != 1)]
        bottom = [pw(f[1], num(-f[2][1])) for f in t[2][0][1] if _neg_power(f)]
        bottom += [num(1 / f[1]) for f in t[2][0][1] if f[0] == "n" and f[1].denominator != 1]
        if bottom and len(top) + len(bottom) > 2:
            yield "log-quotient", add(fn("log", mul(*top)), neg(fn("log", mul(*bottom))))


def _log_power(t: Term, _d: Mapping[str, Term]) -> Iterator[tuple[str, Term]]:
    if is_log(t) and t[2][0][0] == "^":
        base, exp = t[2][0][1], t[2][0][2]
        yield "log-power", mul(exp, fn("log", base))


def _exp_log(t: Term, _d: Mapping[str, Term]) -> Iterator[tuple[str, Term]]:
    if is_log(t) and is_exp(t[2][0]):
        yield "exp-log", t[2][0][2][0]
    if is_exp(t) and is_log(t[2][0]):
        yield "exp-log", t[2][0][2][0]
    if is_exp(t):  # e^(c·log u) = u^c
        c, rest = split_coeff(t[2][0])
        if is_log(rest) and c != 1:
            yield "exp-log", pw(rest[2][0], num(c))


def _exp_laws(t: Term, _d: Mapping[str, Term]) -> Iterator[tuple[str, Term]]:
    if is_exp(t) and t[2][0][0] == "+":
        yield "power-laws", mul(*(fn("exp", a) for a in t[2][0][1]))
        for group, other in _two_groups(t[2][0][1]):
            yield "power-laws", mul(fn("exp", add(*group)), fn("exp", add(*other)))
    if t[0] == "*":
        exps = [f for f in t[1] if is_exp(f)]
        if len(exps) >= 2:
            rest = [f for f in t[1] if not is_exp(f)]
            yield "power-laws", mul(*rest, fn("exp", _collected(canon(add(*(f[2][0] for f in exps))))))
    if t[0] == "^" and is_exp(t[1]):
        yield "power-laws", fn("exp", mul(t[1][2][0], t[2]))


def _base_exp(f: Term) -> tuple[Term, Term]:
    return (f[1], f[2]) if f[0] == "^" else (f, ONE)


def _power_laws(t: Term, _d: Mapping[str, Term]) -> Iterator[tuple[str, Term]]:
    if t[0] == "*":
        groups: dict[Term, list[Term]] = {}
        for f in t[1]:
            groups.setdefault(_base_exp(f)[0], []).append(f)
        for base, fs in groups.items():
            if len(fs) < 2 or base[0] == "n":
                continue
            exp = _collected(canon(add(*(_base_exp(f)[1] for f in fs))))  # xᵃ·x⁻ᵃ = x⁰ = 1
            rest = [f for f in t[1] if f not in fs]
            signs = {e[1] > 0 for e in (_base_exp(f)[1] for f in fs) if e[0] == "n"}
            yield (
                ("cancel" if exp == ZERO or signs == {True, False} else "power-laws"),
                mul(*rest, pw(base, exp)),
            )
    if t[0] == "^" and t[1][0] == "^":
        yield "power-laws", pw(t[1][1], mul(t[1][2], t[2]))
    if t[0] == "^" and t[1][0] == "*":
        yield "power-laws", mul(*(pw(f, t[2]) for f in t[1][1]))


def _distribute(t: Term, _d: Mapping[str, Term]) -> Iterator[tuple[str, Term]]:
    if t[0] != "*":
        return
    for i, f in enumerate(t[1]):
        if f[0] != "+":
            continue
        rest = t[1][:i] + t[1][i + 1 :]
        # All the other factors go into the bracket, or some of them (2a(b + c) = 2(ab + ac)).
        subsets = [rest]
        if 1 < len(rest) <= 4:
            subsets += [tuple(s) for k in range(1, len(rest)) for s in itertools.combinations(rest, k)]
        for inside in subsets:
            outside = [r for r in rest if r not in inside]
            if inside == (MINUS_ONE,):
                rule = "distribute-minus"
            elif all(_neg_power(r) or (r[0] == "n" and r[1].numerator in (1, -1)) for r in inside):
                rule = "split-fraction"
            else:
                rule = "distribute"
            yield rule, mul(*outside, add(*(mul(*inside, a) for a in f[1])))
            for group, other in _two_groups(f[1]):
                yield rule, mul(*outside, add(mul(*inside, add(*group)), mul(*inside, add(*other))))
        c, others = split_coeff(mul(*rest)) if rest else (Fraction(1), ONE)
        if c < 0 and rest != (MINUS_ONE,):  # −2·(a + b) = 2·(−a − b): only the sign goes in
            yield "distribute-minus", mul(num(-c), others, add(*(neg(a) for a in f[1])))


def _expand_product(a: Term, b: Term) -> Term:
    return add(*(mul(x, y) for x in terms_of(a) for y in terms_of(b)))


def _expand(t: Term, _d: Mapping[str, Term]) -> Iterator[tuple[str, Term]]:
    if t[0] == "^" and t[1][0] == "+" and t[2][0] == "n":
        n = t[2][1]
        if n.denominator == 1 and 2 <= n <= MAX_POWER:
            out = t[1]
            for _ in range(int(n) - 1):
                out = _collected(canon(_expand_product(out, t[1])))
            yield "expand", out
    if t[0] == "*":
        sums = [f for f in t[1] if f[0] == "+"]
        if len(sums) >= 2:
            rest = [f for f in t[1] if f[0] != "+"]
            out = sums[0]
            for s in sums[1:]:
                out = _collected(canon(_expand_product(out, s)))
            yield "expand", mul(*rest, out)


def _collected(t: Term) -> Term:
    for rid, new in _collect(t, {}):
        if rid == "collect":
            return canon(new)
    return t


def _collect(t: Term, _d: Mapping[str, Term]) -> Iterator[tuple[str, Term]]:
    if t[0] != "+":
        return
    groups: dict[Term, Fraction] = {}
    order: list[Term] = []
    for a in t[1]:
        c, rest = split_coeff(a)
        if rest not in groups:
            order.append(rest)
            groups[rest] = Fraction(0)
        groups[rest] += c
    if len(order) < len(t[1]):
        yield "collect", add(*(mul(num(groups[r]), r) for r in order))
    # Terms sharing a factor: a·x + b·x = (a + b)·x, for each shared factor.
    shared: dict[Term, list[int]] = {}
    for i, a in enumerate(t[1]):
        for f in set(factors(a)):
            if f[0] != "n":
                shared.setdefault(f, []).append(i)
    for f, where in shared.items():
        if len(where) >= 2:
            inner = add(*(_without(t[1][i], f) for i in where))
            others = [a for i, a in enumerate(t[1]) if i not in where]
            yield "factor", add(*others, mul(f, inner))


def _without(t: Term, f: Term) -> Term:
    fs = list(factors(t))
    fs.remove(f)
    return mul(*fs) if fs else ONE


def _fractions(t: Term, _d: Mapping[str, Term]) -> Iterator[tuple[str, Term]]:
    if t[0] != "+":
        return
    dens: list[Term] = []
    parts: list[tuple[Term, Term]] = []
    for a in t[1]:
        num_f = [f for f in factors(a) if not _neg_power(f)]
        den_f = [pw(f[1], num(-f[2][1])) for f in factors(a) if _neg_power(f)]
        den = canon(mul(*den_f)) if den_f else ONE
        parts.append((mul(*num_f) if num_f else ONE, den))
        if den != ONE and den not in dens:
            dens.append(den)
    if not dens or (len(dens) == 1 and sum(d != ONE for _, d in parts) < 2 and len(parts) < 2):
        return
    numer = add(*(mul(n, *(d for d in dens if d != den)) for n, den in parts))
    yield "combine-fractions", mul(numer, pw(mul(*dens), MINUS_ONE))


def _definitions(t: Term, defs: Mapping[str, Term]) -> Iterator[tuple[str, Term]]:
    if t[0] == "s" and t[1] in defs:
        yield "definition", defs[t[1]]
    if t[0] == "f" and t[1] == "sigmoid" and len(t[2]) == 1:
        yield "definition", pw(add(ONE, fn("exp", neg(t[2][0]))), MINUS_ONE)
    if t[0] == "f" and t[1] == "softplus" and len(t[2]) == 1:
        yield "definition", fn("log", add(ONE, fn("exp", t[2][0])))
    if t[0] == "f" and ("fn", t[1]) in defs:
        params, body = defs[("fn", t[1])]  # type: ignore[index]
        if len(params) == len(t[2]):
            yield "definition", _substitute(body, dict(zip(params, t[2], strict=True)))


def _substitute(t: Term, values: Mapping[str, Term]) -> Term:
    tag = t[0]
    if tag == "s":
        return values.get(t[1], t)
    if tag in ("+", "*"):
        return (tag, tuple(_substitute(a, values) for a in t[1]))
    if tag == "^":
        return pw(_substitute(t[1], values), _substitute(t[2], values))
    if tag == "f":
        return ("f", t[1], tuple(_substitute(a, values) for a in t[2]))
    return t


RULE_NAMES: dict[str, tuple[str, str]] = {
    "log-product": ("log of a product → sum of logs", "sum of logs → log of a product"),
    "log-quotient": ("log of a quotient → difference of logs", "difference of logs → log of a quotient"),
    "log-power": ("log of a power: log(aᵇ) = b·log(a)", "b·log(a) = log(aᵇ)"),
    "exp-log": ("log and exp undo each other", "writing u as log(eᵘ) or e^log(u)"),
    "power-laws": ("power laws", "power laws"),
    "cancel": ("cancelling a common factor", "multiplying top and bottom by the same factor"),
    "distribute-minus": ("distributing a minus over a bracket", "taking a minus outside a bracket"),
    "distribute": ("distributing a factor over a bracket", "taking out a common factor"),
    "distribute-number": (
        "multiplying a number (or a minus) into a bracket",
        "taking a number (or a minus) out of a bracket",
    ),
    "split-fraction": (
        "splitting a fraction over its numerator",
        "combining fractions with a common denominator",
    ),
    "expand": ("expanding brackets", "factoring"),
    "collect": ("collecting like terms", "splitting a term"),
    "factor": ("taking out a common factor", "distributing a factor over a bracket"),
    "combine-fractions": ("combining fractions over a common denominator", "splitting a fraction"),
    "definition": ("substituting a definition", "writing a definition by its name"),
}

RULES: tuple[Callable[[Term, Mapping[str, Term]], Iterable[tuple[str, Term]]], ...] = (
    _log_split,
    _log_power,
    _exp_log,
    _exp_laws,
    _power_laws,
    _distribute,
    _expand,
    _collect,
    _fractions,
    _definitions,
)


def rule_name(rule_id: str, backward: bool = False) -> str:
    forward, back = RULE_NAMES.get(rule_id, (rule_id, rule_id))
    return back if backward else forward


# --------------------------------------------------------------------------- search


def _rewrites(
    t: Term, rules: tuple[Callable[..., Iterable[tuple[str, Term]]], ...], defs: Mapping[str, Term]
) -> Iterator[tuple[str, Term]]:
    """Each rule applied at one node of t (every node tried), with t rebuilt around it."""
    for rule in rules:
        yield from rule(t, defs)
    tag = t[0]
    if tag in ("+", "*"):
        for i, child in enumerate(t[1]):
            for rid, new in _rewrites(child, rules, defs):
                yield rid, (tag, (*t[1][:i], new, *t[1][i + 1 :]))
    elif tag == "^":
        for rid, new in _rewrites(t[1], rules, defs):
            yield rid, pw(new, t[2])
        for rid, new in _rewrites(t[2], rules, defs):
            yield rid, pw(t[1], new)
    elif tag == "f":
        for i, child in enumerate(t[2]):
            for rid, new in _rewrites(child, rules, defs):
                yield rid, ("f", t[1], (*t[2][:i], new, *t[2][i + 1 :]))


def _everywhere(
    t: Term, rule: Callable[..., Iterable[tuple[str, Term]]], defs: Mapping[str, Term]
) -> tuple[str | None, Term]:
    """The rule applied (first alternative) at every node where it fits, innermost first."""
    tag = t[0]
    found: str | None = None
    if tag in ("+", "*"):
        kids = []
        for child in t[1]:
            rid, new = _everywhere(child, rule, defs)
            found = found or rid
            kids.append(new)
        t = canon((tag, tuple(kids)))
    elif tag == "^":
        r1, b = _everywhere(t[1], rule, defs)
        r2, e = _everywhere(t[2], rule, defs)
        found = r1 or r2
        t = canon(pw(b, e))
    elif tag == "f":
        kids = []
        for child in t[2]:
            rid, new = _everywhere(child, rule, defs)
            found = found or rid
            kids.append(new)
        t = canon(("f", t[1], tuple(kids)))
    for rid, new in rule(t, defs):
        return found or rid, canon(new)
    return found, t


class _Budget:
    """Candidates left, and a clock: one search never takes more than SEARCH_SECONDS."""

    def __init__(self, limit: int, tick: Callable[[], None] | None) -> None:
        self.left = limit
        self.tick = tick
        self.deadline = time.monotonic() + SEARCH_SECONDS

    def spend(self) -> None:
        self.left -= 1
        if self.left < 0 or (self.left % 16 == 0 and time.monotonic() > self.deadline):
            raise TooBig
        if self.tick is not None and self.left % 16 == 0:
            self.tick()


def neighbours(
    t: Term,
    defs: Mapping[str, Term],
    budget: _Budget,
    rules: tuple[Callable[..., Iterable[tuple[str, Term]]], ...] = RULES,
) -> dict[Term, str]:
    """Canonical terms one rule application away from t, with the rule's id."""
    out: dict[Term, str] = {}
    for rid, new in _rewrites(t, rules, defs):
        budget.spend()
        c = canon(new)
        if c != t and size(c) <= MAX_TERM_SIZE * 2:
            out.setdefault(c, rid)
    for rule in rules:
        budget.spend()
        found, c = _everywhere(t, rule, defs)
        if found is not None and c != t:
            out.setdefault(c, found)
    return out


@dataclass(frozen=True)
class Step:
    """The rules (in order) that take one line to the next; empty when the lines are the same
    up to order and arithmetic."""

    rules: tuple[str, ...]  # rule ids
    names: tuple[str, ...]  # the words for them, in the direction of the step

    @property
    def text(self) -> str:
        return "; then ".join(self.names) if self.names else "rewritten (same expression)"


def _defs_terms(definitions: Mapping[str, Node], functions: Mapping[str, FunctionDef]) -> dict[Any, Any]:
    out: dict[Any, Any] = {name: canon(to_term(tree)) for name, tree in definitions.items()}
    for name, fd in functions.items():
        if name not in ("sigmoid", "softplus"):
            out[("fn", name)] = (fd.params, to_term(fd.body))
    return out


def classify(
    a: Node,
    b: Node,
    definitions: Mapping[str, Node] | None = None,
    functions: Mapping[str, FunctionDef] | None = None,
    tick: Callable[[], None] | None = None,
    budget: int = BUDGET,
) -> Step | None:
    """The one or two rules that rewrite a into b (already known equal), else None."""
    defs = _defs_terms(definitions or {}, functions or {})
    try:
        ta, tb = canon(to_term(a)), canon(to_term(b))
    except RecursionError:
        return None
    if ta == tb:
        return Step((), ())
    if size(ta) > MAX_TERM_SIZE or size(tb) > MAX_TERM_SIZE:
        return None
    spend = _Budget(budget, tick)
    try:
        fwd = neighbours(ta, defs, spend)
        if tb in fwd:
            return _step((fwd[tb], False))
        back = neighbours(tb, defs, spend)
        if ta in back:
            return _step((back[ta], True))
        # Numbers multiplied into or out of brackets: −(a + b) = −a − b, 2(a + b) = 2a + 2b.
        ka, kb = _numbers_in(ta), _numbers_in(tb)
        if ka == kb:
            return _step(("distribute-number", False))
        for mid, rid in fwd.items():
            if mid in back:
                return _step((rid, False), (back[mid], True))
        for mid, rid in fwd.items():
            if _numbers_in(mid) == kb:
                return _step((rid, False), ("distribute-number", False))
        for mid, rid in back.items():
            if _numbers_in(mid) == ka:
                return _step(("distribute-number", False), (rid, True))
        for mid, rid in fwd.items():
            if mid in back:
                return _step((rid, False), (back[mid], True))
        for mid, rid in fwd.items():
            further = neighbours(mid, defs, spend)
            if tb in further:
                return _step((rid, False), (further[tb], False))
        for mid, rid in back.items():
            further = neighbours(mid, defs, spend)
            if ta in further:
                return _step((further[ta], True), (rid, True))
    except (TooBig, RecursionError):
        return None
    return None


def _step(*found: tuple[str, bool]) -> Step:
    ids = tuple(rid for rid, _ in found)
    names = tuple(rule_name(rid, backward) for rid, backward in found)
    if len(names) == 2 and names[0] == names[1]:
        return Step(ids[:1], names[:1])
    return Step(ids, names)


def rules_needed(
    a: Node,
    b: Node,
    definitions: Mapping[str, Node] | None = None,
    functions: Mapping[str, FunctionDef] | None = None,
    tick: Callable[[], None] | None = None,
) -> int | None:
    """How many rule applications a → b takes (0, 1, 2), None when more or not found."""
    step = classify(a, b, definitions, functions, tick)
    return None if step is None else len(step.rules)


def same_stage(a: Node, b: Node) -> bool:
    """Whether two lines are the same stage of a derivation: equal up to order, arithmetic and
    numbers multiplied into brackets (−(a + b) and −a − b are one stage)."""
    try:
        return _numbers_in(canon(to_term(a))) == _numbers_in(canon(to_term(b)))
    except RecursionError:
        return False


def _numbers_in(t: Term) -> Term:
    tag = t[0]
    if tag in ("+", "*"):
        t = canon((tag, tuple(_numbers_in(a) for a in t[1])))
    elif tag == "^":
        t = canon(pw(_numbers_in(t[1]), _numbers_in(t[2])))
    elif tag == "f":
        t = canon(("f", t[1], tuple(_numbers_in(a) for a in t[2])))
    if t[0] == "*":
        nums = [f for f in t[1] if f[0] == "n"]
        sums = [f for f in t[1] if f[0] == "+"]
        if nums and len(sums) == 1 and len(t[1]) == 2:
            return canon(add(*(_numbers_in(canon(mul(nums[0], a))) for a in sums[0][1])))
    return t


# --------------------------------------------------------------------------- bugs


@dataclass(frozen=True)
class Bug:
    """A misapplied rule: `id` is its note, `wrong` what was done, `right` the rule to use."""

    id: str
    wrong: str
    right: str


BUGS: dict[str, Bug] = {
    "log-of-sum": Bug(
        "log-of-sum",
        "the log of a SUM was split into a sum of logs",
        "log(a + b) does not split; only the log of a product does: log(ab) = log a + log b",
    ),
    "log-product-as-product": Bug(
        "log-product-as-product",
        "the log of a product is the SUM of the logs, not their product",
        "log(ab) = log a + log b",
    ),
    "log-quotient-as-quotient": Bug(
        "log-quotient-as-quotient",
        "the log of a quotient is the DIFFERENCE of the logs, not their quotient",
        "log(a/b) = log a − log b",
    ),
    "log-power-as-power": Bug(
        "log-power-as-power",
        "the exponent of log(aᵇ) comes down as a factor, it does not stay a power of the log",
        "log(aᵇ) = b·log a, not (log a)ᵇ",
    ),
    "square-of-sum": Bug(
        "square-of-sum",
        "the square of a sum lost its cross term",
        "(a + b)² = a² + 2ab + b², not a² + b²",
    ),
    "exp-of-sum": Bug(
        "exp-of-sum",
        "e to a sum was split into a sum of exponentials",
        "e^(a + b) = eᵃ·eᵇ, a product, not eᵃ + eᵇ",
    ),
    "reciprocal-of-sum": Bug(
        "reciprocal-of-sum",
        "a fraction was split over the terms of its denominator",
        "1/(a + b) is not 1/a + 1/b; a fraction splits over its numerator only",
    ),
    "minus-not-distributed": Bug(
        "minus-not-distributed",
        "the minus in front of a bracket reached only some of its terms",
        "−(a + b) = −a − b: a minus (or a factor) multiplies every term of the bracket",
    ),
    "dropped-half": Bug(
        "dropped-half",
        "a factor ½ (or 2) from a square was dropped",
        "keep the factor: d/de (e²/2) = e, d/de e² = 2e, and (2a)² = 4a²",
    ),
    "dlog-inner": Bug(
        "dlog-inner",
        "d/dp log(1 − p) lost the inner derivative −1",
        "d/dp log(1 − p) = −1/(1 − p): the chain rule multiplies by d(1 − p)/dp = −1",
    ),
    "sigmoid-derivative": Bug(
        "sigmoid-derivative",
        "σ′(z) was taken as σ(z)",
        "σ′(z) = σ(z)(1 − σ(z)); only eᶻ is its own derivative",
    ),
}


def _bug_rewrites(t: Term, _d: Mapping[str, Term]) -> Iterator[tuple[str, Term]]:
    if is_log(t):
        inner = t[2][0]
        if inner[0] == "+":
            yield "log-of-sum", add(*(fn("log", a) for a in inner[1]))
        if inner[0] == "*":
            nums = [f for f in inner[1] if not _neg_power(f)]
            dens = [pw(f[1], num(-f[2][1])) for f in inner[1] if _neg_power(f)]
            if dens and nums:
                yield (
                    "log-quotient-as-quotient",
                    mul(fn("log", mul(*nums)), pw(fn("log", mul(*dens)), MINUS_ONE)),
                )
            yield "log-product-as-product", mul(*(fn("log", f) for f in inner[1]))
        if inner[0] == "^":
            yield "log-power-as-power", pw(fn("log", inner[1]), inner[2])
    if t[0] == "^" and t[1][0] == "+" and t[2] == num(2):
        yield "square-of-sum", add(*(pw(a, num(2)) for a in t[1][1]))
    if is_exp(t) and t[2][0][0] == "+":
        yield "exp-of-sum", add(*(fn("exp", a) for a in t[2][0][1]))
    if t[0] == "^" and t[1][0] == "+" and t[2] == MINUS_ONE:
        yield "reciprocal-of-sum", add(*(pw(a, MINUS_ONE) for a in t[1][1]))
    if t[0] == "*":
        for i, f in enumerate(t[1]):
            if f[0] != "+" or len(f[1]) < 2:
                continue
            rest = t[1][:i] + t[1][i + 1 :]
            c, _ = split_coeff(mul(*rest)) if rest else (Fraction(1), ONE)
            if c >= 0:
                continue
            # −y(1 − p) written −y − yp: the minus outside did not flip the minus inside.
            unsigned = [mul(num(abs(split_coeff(a)[0])), split_coeff(a)[1]) for a in f[1]]
            yield "minus-not-distributed", mul(*rest, add(*unsigned))
            # The factor reaches one term only; or a minus is dropped from the later terms.
            for j in range(len(f[1])):
                yield (
                    "minus-not-distributed",
                    add(*(mul(*rest, a) if k == j else a for k, a in enumerate(f[1]))),
                )
                yield (
                    "minus-not-distributed",
                    add(*(mul(*rest, a) if k != j else a for k, a in enumerate(f[1]))),
                )
        squares = any(f[0] == "^" and f[2] == num(2) for f in t[1])
        halves = any(f[0] == "n" and f[1].denominator == 2 for f in t[1])
        if squares or halves:
            yield "dropped-half", mul(num(2), t)
            yield "dropped-half", mul(num(Fraction(1, 2)), t)
    if t[0] == "^" and t[2] == num(2):
        yield "dropped-half", mul(num(2), t)
        yield "dropped-half", mul(num(Fraction(1, 2)), t)


def _derivative_bugs(t: Term, _d: Mapping[str, Term]) -> Iterator[tuple[str, Term]]:
    """Slips in a derivative, seen in the expected answer: −1/(1 − p) written 1/(1 − p), and
    σ(1 − σ) written σ."""
    if t[0] == "*":
        for f in t[1]:
            if (
                f[0] == "^"
                and f[2] == MINUS_ONE
                and f[1][0] == "+"
                and any(split_coeff(a)[0] < 0 for a in f[1][1])
            ):
                yield "dlog-inner", neg(t)
        for f in t[1]:
            if f[0] == "+" and len(f[1]) == 2 and ONE in f[1]:
                other = next(a for a in f[1] if a != ONE)
                c, inner = split_coeff(other)
                if c == -1 and inner in t[1]:
                    yield "sigmoid-derivative", _without(t, f)


def _only(
    rule: Callable[[Term, Mapping[str, Term]], Iterable[tuple[str, Term]]], rule_id: str
) -> Callable[[Term, Mapping[str, Term]], Iterator[tuple[str, Term]]]:
    def one(t: Term, defs: Mapping[str, Term]) -> Iterator[tuple[str, Term]]:
        return ((r, n) for r, n in rule(t, defs) if r == rule_id)

    return one


def bug_candidates(
    a: Node,
    tick: Callable[[], None] | None = None,
    derivative: bool = False,
    budget: int = 400,
) -> list[tuple[str, Node]]:
    """Each bug rule applied once to a (at each node where it fits), as trees to compare."""
    try:
        ta = canon(to_term(a))
        if size(ta) > MAX_TERM_SIZE:
            return []
        rules = (_bug_rewrites, _derivative_bugs) if derivative else (_bug_rewrites,)
        spend = _Budget(budget, tick)
        out: list[tuple[str, Node]] = []
        seen: set[Term] = set()
        everywhere = (_everywhere(ta, _only(rule, bug), {}) for rule in rules for bug in BUGS)
        for rid, new in itertools.chain(_rewrites(ta, rules, {}), ((r, n) for r, n in everywhere if r)):
            spend.spend()
            c = canon(new)
            if c != ta and c not in seen:
                seen.add(c)
                out.append((rid, to_node(c)))
        return out
    except (TooBig, RecursionError):
        return []


def bug_after_rule(
    a: Node,
    b: Node,
    definitions: Mapping[str, Node] | None = None,
    functions: Mapping[str, FunctionDef] | None = None,
    tick: Callable[[], None] | None = None,
) -> str | None:
    """A bug rule that turns a into b after one ordinary rule (a square expanded, then a minus
    given to its first term only), matched as terms; None when there is none."""
    defs = _defs_terms(definitions or {}, functions or {})
    try:
        ta, tb = canon(to_term(a)), canon(to_term(b))
        if size(ta) > MAX_TERM_SIZE or size(tb) > MAX_TERM_SIZE:
            return None
        spend = _Budget(BUDGET, tick)
        for mid in neighbours(ta, defs, spend):
            for rid, new in _rewrites(mid, (_bug_rewrites,), {}):
                spend.spend()
                if canon(new) == tb:
                    return rid
    except (TooBig, RecursionError):
        return None
    return None


# --------------------------------------------------------------------------- differentiation

DIFF_NAMES: dict[str, str] = {
    "linearity": "linearity (differentiate term by term)",
    "power": "the power rule",
    "product": "the product rule",
    "quotient": "the quotient rule",
    "chain": "the chain rule",
    "log": "d log(u) = u′/u",
    "exp": "d eᵘ = eᵘ·u′",
    "sigmoid": "σ′ = σ(1 − σ)",
}


class NoDerivative(Exception):
    """A function the differentiation rules do not cover (|x|, max, a piecewise, …)."""


def _depends(t: Term, var: str) -> bool:
    tag = t[0]
    if tag == "s":
        return bool(t[1] == var)
    if tag in ("+", "*"):
        return any(_depends(a, var) for a in t[1])
    if tag == "^":
        return _depends(t[1], var) or _depends(t[2], var)
    if tag == "f":
        return any(_depends(a, var) for a in t[2])
    if tag == "o":
        raise NoDerivative
    return False


def differentiate(t: Term, var: str, used: set[str]) -> Term:
    """d t / d var as a term, adding the names of the rules it takes to `used`."""
    if not _depends(t, var):
        return ZERO
    tag = t[0]
    if tag == "s":
        return ONE
    if tag == "+":
        used.add("linearity")
        return add(*(differentiate(a, var, used) for a in t[1] if _depends(a, var)))
    if tag == "*":
        varying = [f for f in t[1] if _depends(f, var)]
        if len(varying) > 1:
            used.add("quotient" if any(_neg_power(f) for f in varying) else "product")
        out = []
        for i, f in enumerate(t[1]):
            if _depends(f, var):
                out.append(mul(*t[1][:i], differentiate(f, var, used), *t[1][i + 1 :]))
        return add(*out)
    if tag == "^":
        base, exp = t[1], t[2]
        if _depends(exp, var):
            used.add("exp")
            return mul(t, differentiate(mul(exp, fn("log", base)), var, used))
        used.add("power")
        inner = differentiate(base, var, used)
        if base != ("s", var):
            used.add("chain")
        return mul(exp, pw(base, add(exp, MINUS_ONE)), inner)
    if tag == "f" and len(t[2]) == 1 and t[1] in ("log", "exp", "sigmoid", "softplus"):
        u = t[2][0]
        inner = differentiate(u, var, used)
        if u != ("s", var):
            used.add("chain")
        if t[1] == "log":
            used.add("log")
            return mul(inner, pw(u, MINUS_ONE))
        if t[1] == "exp":
            used.add("exp")
            return mul(t, inner)
        used.add("sigmoid")
        s = fn("sigmoid", u)
        if t[1] == "softplus":  # softplus′ = σ
            return mul(s, inner)
        return mul(s, add(ONE, neg(s)), inner)
    raise NoDerivative


def derivative_of(expr: Node, var: str) -> tuple[Node, tuple[str, ...]] | None:
    """d expr / d var as a tree, and the differentiation rules it takes (in a fixed order);
    None when the expression holds a function the rules do not cover."""
    used: set[str] = set()
    try:
        d = canon(differentiate(canon(to_term(expr)), var, used))
    except (NoDerivative, RecursionError):
        return None
    return to_node(d), tuple(r for r in DIFF_NAMES if r in used)
