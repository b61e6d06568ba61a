"""Options are shown with letters: a) b) c). The one place that maps letters to positions."""

from __future__ import annotations

LETTERS = "abcdefghijklmnopqrstuvwxyz"


def letter(index: int) -> str:
    """The letter shown for the option at `index` (0-based) in the order shown."""
    return LETTERS[index]


def read_letter(token: str, count: int) -> int | None:
    """The position a typed letter names, among `count` options: `a`, `a)`, `(a)` or `a.`; None
    when it names none."""
    token = token.strip().lower().strip("().")
    if len(token) == 1 and token in LETTERS[:count]:
        return LETTERS.index(token)
    return None


def letter_range(count: int) -> str:
    """`a–d` for four options."""
    return f"a–{LETTERS[count - 1]}"
