""" "Did you mean …?": the one lookup of a near name, for the reader, `tutor check` and the commands."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def closest(name: str, known: Iterable[str], cutoff: float = 0.6) -> str | None:
    """The known name nearest to `name`, if one is near enough."""
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=cutoff)
    return close[0] if close else None


def did_you_mean(name: str, known: Iterable[str], cutoff: float = 0.6) -> str:
    """` (did you mean `x`?)` to append to a message, or nothing when no name is near."""
    near = closest(name, known, cutoff)
    return f" (did you mean `{near}`?)" if near is not None else ""
