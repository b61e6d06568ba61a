"""Small helpers for the words people read, shared by every command and screen."""

from __future__ import annotations


def plural(count: int, word: str, many: str | None = None) -> str:
    """`1 question`, `3 questions`: never `question(s)`."""
    return f"{count} {word if count == 1 else many or word + 's'}"
