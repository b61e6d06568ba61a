"""Small helpers for the words people read, shared by every command and screen."""

from __future__ import annotations


def plural(count: int, word: str, many: str | None = None) -> str:
    """`1 question`, `3 questions`: never `question(s)`."""
    return f"{count} {word if count == 1 else many or word + 's'}"


def points(value: float) -> str:
    """A score as people write it: at most two decimals, no trailing zeros (1, 0.5, 12.33)."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text
